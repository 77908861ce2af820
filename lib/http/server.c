/*
 * server.c - the libevent HTTP/1.1 server behind every Coordinator port.
 *
 * One event loop thread; handlers run synchronously in it. Each accepted
 * connection gets a bufferevent: TLS through bufferevent_openssl on the
 * caller's SSL_CTX (e.g. aTLS), or plain. TLS connections are counted
 * exactly (see make_bev) and accepting pauses at max_connections.
 *
 * Untrusted: everything from the socket. evhttp bounds headers and body
 * size and applies the idle timeout (also during the TLS handshake);
 * ct_http_dispatch bounds the rest. Every request that reaches dispatch is
 * logged with status, size, latency and, on failure, the reason. Requests
 * evhttp rejects itself (malformed, oversized) are answered by evhttp.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "http/http.h"

#define DEFAULT_MAX_CONNECTIONS 256u
#define DEFAULT_TIMEOUT_S 30u
#define DEFAULT_MAX_HEADERS (16u * 1024u)
#define NAME_LEN 32
#define REQUESTS_METRIC "contrast_http_requests_total"

struct run_state;

/* Outlives the server while connections are still being finalized. */
struct conn_tracker {
	struct ct_http_server *server; /* NULL once the server is freed */
	unsigned open;
};

struct ct_http_server {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *sock;
	SSL_CTX *tls;
	struct ct_http_router router;
	char name[NAME_LEN];
	unsigned max_conns;
	bool paused;
	bool stopped;
	uint16_t port;
	struct conn_tracker *tracker;
	struct run_state *run;
	struct ct_metrics *metrics;
};

struct run_state {
	struct event_base *base;
	struct ct_http_server **servers;
	size_t n;
	bool stopping;
	unsigned grace_s;
	struct event *grace;
};

static __thread struct run_state *current_run;

static void run_check_done(struct run_state *rs);

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct evconnlistener *listener_of(struct ct_http_server *s)
{
	return s->sock != NULL ? evhttp_bound_socket_get_listener(s->sock) : NULL;
}

/*
 * Connection accounting for TLS servers: the SSL carries a reference to the
 * tracker in ex_data, and OpenSSL's free callback (run when the
 * bufferevent and its SSL are finally freed) is our "connection gone"
 * event. evhttp 2.1 has no such hook for plain sockets (a pass-through
 * filter bufferevent was tried: it reports output as written before the
 * socket sent it, and evhttp then closes the fd and loses the reply).
 */
static int tracker_index = -1;
static pthread_once_t tracker_once = PTHREAD_ONCE_INIT;

static void conn_gone(struct conn_tracker *t)
{
	t->open--;
	struct ct_http_server *s = t->server;
	if (s == NULL) {
		if (t->open == 0)
			free(t);
		return;
	}
	if (s->paused && !s->stopped && t->open < s->max_conns) {
		evconnlistener_enable(listener_of(s));
		s->paused = false;
	}
	if (s->run != NULL)
		run_check_done(s->run);
}

static void ssl_freed(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
		      long argl, void *argp)
{
	if (ptr != NULL)
		conn_gone(ptr);
}

static void make_tracker_index(void)
{
	tracker_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, ssl_freed);
}

static struct bufferevent *make_bev(struct event_base *base, void *arg)
{
	struct ct_http_server *s = arg;
	if (s->tls == NULL)
		return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	SSL *ssl = SSL_new(s->tls);
	if (ssl == NULL || SSL_set_ex_data(ssl, tracker_index, s->tracker) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	s->tracker->open++;
	struct bufferevent *bev = bufferevent_openssl_socket_new(
		base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl); /* runs conn_gone */
		return NULL;
	}
	if (s->tracker->open >= s->max_conns && !s->paused) {
		/* Back-pressure: the kernel backlog holds new clients. */
		evconnlistener_disable(listener_of(s));
		s->paused = true;
		ct_log_warn("http %s: %u connections open, pausing accept",
			    s->name, s->tracker->open);
	}
	return bev;
}

static const char *method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_HEAD: return "HEAD";
	default: return "OTHER";
	}
}

static SSL *request_ssl(struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
	return bev ? bufferevent_openssl_get_ssl(bev) : NULL;
}

/* Untrusted text for a log line: printable ASCII only, bounded. */
static void log_safe(char *out, size_t cap, const char *in)
{
	size_t n = 0;
	for (; in != NULL && *in != '\0' && n + 1 < cap; in++)
		out[n++] = (*in >= 0x20 && *in < 0x7f) ? *in : '?';
	out[n] = '\0';
}

static void handle(struct evhttp_request *ereq, void *arg)
{
	struct ct_http_server *s = arg;
	double start = now_ms();
	struct ct_http_request req;
	struct ct_http_response resp;
	char peer[INET6_ADDRSTRLEN + 8] = "?";

	memset(&req, 0, sizeof(req));
	ct_http_response_init(&resp);
	struct evhttp_connection *conn = evhttp_request_get_connection(ereq);
	if (conn != NULL) {
		char *addr = NULL;
		ev_uint16_t port = 0;
		evhttp_connection_get_peer(conn, &addr, &port);
		snprintf(peer, sizeof(peer), "%s:%u", addr ? addr : "?", port);
	}
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ereq);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	struct evbuffer *in = evhttp_request_get_input_buffer(ereq);
	size_t len = evbuffer_get_length(in);

	req.method = method_name(evhttp_request_get_command(ereq));
	req.path = path != NULL && path[0] != '\0' ? path : "/";
	req.content_type = evhttp_find_header(evhttp_request_get_input_headers(ereq),
					      "Content-Type");
	req.body = ct_span_make(len ? evbuffer_pullup(in, -1) : NULL, len);
	req.ssl = request_ssl(ereq);
	req.peer_addr = peer;

	ct_http_dispatch(&s->router, &req, &resp);

	struct evkeyvalq *oh = evhttp_request_get_output_headers(ereq);
	evhttp_add_header(oh, "Content-Type", resp.content_type);
	evhttp_add_header(oh, "Cache-Control", "no-store");
	if (s->stopped)
		evhttp_add_header(oh, "Connection", "close");
	evbuffer_add(evhttp_request_get_output_buffer(ereq), resp.body.data,
		     resp.body.len);
	evhttp_send_reply(ereq, resp.status, ct_http_status_reason(resp.status),
			  NULL);
	if (s->metrics != NULL) {
		char labels[NAME_LEN + 32];
		snprintf(labels, sizeof(labels), "server=\"%s\",code=\"%d\"", s->name,
			 resp.status);
		ct_metrics_add(s->metrics, REQUESTS_METRIC, labels, 1);
	}
	char path_log[80], err_log[CT_HTTP_ERROR_LOG_MAX];
	log_safe(path_log, sizeof(path_log), req.path);
	log_safe(err_log, sizeof(err_log), resp.error);
	ct_log(resp.status >= 500 ? CT_LOG_ERROR : CT_LOG_INFO,
	       "http %s: %s %s %s -> %d (%zu B in, %zu B out, %.1f ms)%s%s",
	       s->name, peer, req.method, path_log, resp.status, len,
	       resp.body.len, now_ms() - start, err_log[0] ? ": " : "", err_log);
	ct_http_response_dispose(&resp);
}

CT_RESULT ct_http_server_start(struct event_base *base,
			       const struct ct_http_server_config *cfg,
			       struct ct_http_server **out)
{
	ct_result res = CT_OK;
	struct ct_http_server *s = ct_calloc(1, sizeof(*s));
	CT_ENSURE(s != NULL, CT_ERR_NOMEM, "http: out of memory");
	s->tracker = ct_calloc(1, sizeof(*s->tracker));
	CT_TRY_ENSURE(s->tracker != NULL, CT_ERR_NOMEM, "http: out of memory");
	s->tracker->server = s;
	pthread_once(&tracker_once, make_tracker_index);
	/* A peer that vanished must not kill the daemon on our next write. */
	signal(SIGPIPE, SIG_IGN);
	CT_TRY_ENSURE(tracker_index >= 0, CT_ERR_INTERNAL,
		      "http: no OpenSSL ex_data index");
	CT_TRY_ENSURE(cfg->router != NULL && cfg->bind_addr != NULL, CT_ERR_USAGE,
		      "http: server needs a router and an address");
	s->base = base;
	s->router = *cfg->router;
	snprintf(s->name, sizeof(s->name), "%s", cfg->name ? cfg->name : "server");
	/* The name appears in log lines and metric labels: keep it plain. */
	CT_TRY_ENSURE(strspn(s->name, "abcdefghijklmnopqrstuvwxyz0123456789_-") ==
			      strlen(s->name),
		      CT_ERR_USAGE, "http: server name \"%s\" must be [a-z0-9_-]",
		      s->name);
	s->metrics = cfg->metrics;
	if (s->metrics != NULL)
		CT_TRY(ct_metrics_describe(s->metrics, REQUESTS_METRIC, CT_METRIC_COUNTER,
					   "HTTP requests answered, by server and status."));
	s->max_conns = cfg->max_connections ? cfg->max_connections
					    : DEFAULT_MAX_CONNECTIONS;
	if (cfg->tls != NULL) {
		CT_TRY_ENSURE(SSL_CTX_up_ref(cfg->tls) == 1, CT_ERR_INTERNAL,
			      "http: cannot reference the TLS context");
		s->tls = cfg->tls;
	}
	s->http = evhttp_new(base);
	CT_TRY_ENSURE(s->http != NULL, CT_ERR_NOMEM, "http: evhttp_new failed");
	evhttp_set_timeout(s->http, (int)(cfg->timeout_s ? cfg->timeout_s
							  : DEFAULT_TIMEOUT_S));
	evhttp_set_max_headers_size(s->http, (ev_ssize_t)(cfg->max_header_size
			? cfg->max_header_size : DEFAULT_MAX_HEADERS));
	evhttp_set_max_body_size(s->http,
				 (ev_ssize_t)ct_http_router_max_body(&s->router));
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	evhttp_set_bevcb(s->http, make_bev, s);
	evhttp_set_gencb(s->http, handle, s);
	s->sock = evhttp_bind_socket_with_handle(s->http, cfg->bind_addr, cfg->port);
	CT_TRY_ENSURE(s->sock != NULL, CT_ERR_IO, "http %s: cannot listen on %s:%u",
		      s->name, cfg->bind_addr, cfg->port);
	/* No Nagle: a handshake and a reply are several small writes, and
	 * with the peer's delayed ACKs each costs ~40 ms. Accepted sockets
	 * inherit the option from the listener (Linux). */
	int one = 1;
	CT_TRY_ENSURE(setsockopt(evhttp_bound_socket_get_fd(s->sock), IPPROTO_TCP,
				 TCP_NODELAY, &one, sizeof(one)) == 0,
		      CT_ERR_IO, "http %s: cannot set TCP_NODELAY", s->name);

	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	CT_TRY_ENSURE(getsockname(evhttp_bound_socket_get_fd(s->sock),
				  (struct sockaddr *)&ss, &sl) == 0,
		      CT_ERR_IO, "http %s: getsockname failed", s->name);
	if (ss.ss_family == AF_INET)
		s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else
		s->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	ct_log_info("http %s: listening on %s:%u (%s)", s->name, cfg->bind_addr,
		    s->port, s->tls ? "TLS" : "plain");
	*out = s;
	return CT_OK;
out:
	ct_http_server_free(s);
	return res;
}

uint16_t ct_http_server_port(const struct ct_http_server *s)
{
	return s->port;
}

unsigned ct_http_server_connections(const struct ct_http_server *s)
{
	return s->tracker->open;
}

CT_RESULT ct_http_server_set_tls(struct ct_http_server *s, SSL_CTX *tls)
{
	CT_ENSURE(s->tls != NULL && tls != NULL, CT_ERR_USAGE,
		  "http %s: TLS can only be replaced on a TLS server", s->name);
	CT_ENSURE(SSL_CTX_up_ref(tls) == 1, CT_ERR_INTERNAL,
		  "http: cannot reference the TLS context");
	SSL_CTX_free(s->tls); /* open connections hold their own reference */
	s->tls = tls;
	ct_log_info("http %s: TLS context replaced", s->name);
	return CT_OK;
}

void ct_http_server_stop_accepting(struct ct_http_server *s)
{
	if (s->stopped)
		return;
	s->stopped = true;
	if (s->sock != NULL)
		evhttp_del_accept_socket(s->http, s->sock);
	s->sock = NULL;
	ct_log_info("http %s: stopped accepting (%u connections open)", s->name,
		    s->tracker->open);
}

void ct_http_server_free(struct ct_http_server *s)
{
	if (s == NULL)
		return;
	s->run = NULL;
	s->stopped = true;
	if (s->http != NULL)
		evhttp_free(s->http); /* closes the listener and connections */
	if (s->tracker != NULL) {
		/* Connection finalizers may still run in the loop later. */
		s->tracker->server = NULL;
		if (s->tracker->open == 0)
			free(s->tracker);
	}
	SSL_CTX_free(s->tls);
	free(s);
}

/* ------------------------------------------------------------- shutdown */

static void run_check_done(struct run_state *rs)
{
	if (!rs->stopping)
		return;
	for (size_t i = 0; i < rs->n; i++)
		if (rs->servers[i]->tracker->open > 0)
			return;
	event_base_loopbreak(rs->base);
}

static void grace_expired(evutil_socket_t fd, short what, void *arg)
{
	struct run_state *rs = arg;
	ct_log_warn("http: grace period over, closing remaining connections");
	event_base_loopbreak(rs->base);
}

static void begin_stop(struct run_state *rs)
{
	if (rs->stopping)
		return;
	rs->stopping = true;
	for (size_t i = 0; i < rs->n; i++)
		ct_http_server_stop_accepting(rs->servers[i]);
	struct timeval tv = { (time_t)rs->grace_s, 0 };
	if (rs->grace != NULL)
		event_add(rs->grace, &tv);
	run_check_done(rs);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	ct_log_info("http: signal %d, shutting down", (int)sig);
	begin_stop(arg);
}

void ct_http_run_stop(struct event_base *base)
{
	if (current_run != NULL && current_run->base == base)
		begin_stop(current_run);
}

CT_RESULT ct_http_run(struct event_base *base, struct ct_http_server **servers,
		      size_t n, unsigned grace_s)
{
	ct_result res = CT_OK;
	struct run_state rs = { base, servers, n, false, grace_s, NULL };
	struct event *term = evsignal_new(base, SIGTERM, on_signal, &rs);
	struct event *intr = evsignal_new(base, SIGINT, on_signal, &rs);
	rs.grace = evtimer_new(base, grace_expired, &rs);
	CT_TRY_ENSURE(term != NULL && intr != NULL && rs.grace != NULL &&
			      event_add(term, NULL) == 0 && event_add(intr, NULL) == 0,
		      CT_ERR_INTERNAL, "http: cannot install signal handlers");
	for (size_t i = 0; i < n; i++)
		servers[i]->run = &rs;
	current_run = &rs;
	CT_TRY_ENSURE(event_base_dispatch(base) >= 0, CT_ERR_INTERNAL,
		      "http: event loop failed");
out:
	current_run = NULL;
	for (size_t i = 0; i < n; i++)
		servers[i]->run = NULL;
	if (term)
		event_free(term);
	if (intr)
		event_free(intr);
	if (rs.grace)
		event_free(rs.grace);
	return res;
}
