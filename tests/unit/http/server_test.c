/*
 * server_test.c - the libevent server and the libcurl client end to end on
 * 127.0.0.1 ephemeral ports, plain and over aTLS (fake platform): routing
 * and limits over the wire, peer identity reaching handlers, refusals
 * reaching the client with their reason, concurrent clients, the idle
 * timeout, `openssl s_client` seeing the evidence extension, and SIGTERM.
 */
#include "ct_test.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "atls/atls.h"
#include "http/http.h"
#include "../atls/fake_attest.h"

enum { SRV_PLAIN, SRV_KEY, SRV_MUTUAL, SRV_LIMITED, SRV_N };

static struct fake_platform server_platform, client_platform, other_platform;
static struct ct_atls_issuer server_issuer, client_issuer, other_issuer;
static struct ct_atls_validator server_validator, client_validator,
	other_validator;
static struct event_base *base;
static struct ct_http_server *servers[SRV_N];
static struct ct_http_router router;
static pthread_t loop_thread;
static struct ct_metrics *metrics;
static struct ct_http_ops ops;
static ct_result loop_result;

static CT_RESULT whoami(void *arg, const struct ct_http_request *req,
			struct ct_http_response *resp)
{
	const struct ct_atls_peer *p = req->ssl ? ct_atls_conn_peer(req->ssl) : NULL;
	char hex[65];
	const char *kind = "none";
	json_t *o = json_object();
	if (p != NULL) {
		kind = p->kind == CT_ATLS_PEER_ATTESTED ? "attested" : "key";
		ct_hex_format(hex, p->key_sha256, 32);
		json_object_set_new(o, "key", json_string(hex));
		json_object_set_new(o, "claims", json_stringn((const char *)p->claims,
							      p->claims_len));
	}
	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "tls", json_boolean(req->ssl != NULL));
	ct_result res = ct_http_reply_json(resp, 200, o);
	json_decref(o);
	return res;
}

static CT_RESULT echo(void *arg, const struct ct_http_request *req,
		      struct ct_http_response *resp)
{
	json_t *in = NULL;
	CT_GUARD(ct_http_json_parse(req->body, &in));
	ct_result res = ct_http_reply_json(resp, 200, in);
	json_decref(in);
	return res;
}

/* TCP port of a socket's local (peer = false) or remote end; 0 if none. */
static unsigned tcp_port(int fd, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &sl)
		     : getsockname(fd, (struct sockaddr *)&ss, &sl);
	if (r != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

/*
 * Runs while the client's request is open (both ends live in this
 * process): counts the TCP sockets at either end of the server's port
 * (listener, accepted connection, client socket) and those among them
 * without TCP_NODELAY (Nagle plus delayed ACKs cost ~40 ms a round trip).
 */
static CT_RESULT nodelay(void *arg, const struct ct_http_request *req,
			 struct ct_http_response *resp)
{
	unsigned port = ct_http_server_port(servers[SRV_KEY]);
	int checked = 0, without = 0;
	for (int fd = 0; fd < 1024; fd++) {
		int on = 0;
		socklen_t len = sizeof(on);
		if (tcp_port(fd, false) != port && tcp_port(fd, true) != port)
			continue;
		if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) != 0)
			continue;
		checked++;
		without += on == 0;
	}
	json_t *o = json_pack("{s:i,s:i}", "checked", checked, "without", without);
	ct_result res = ct_http_reply_json(resp, 200, o);
	json_decref(o);
	return res;
}

static void *loop_main(void *arg)
{
	loop_result = ct_http_run(base, servers, SRV_N, 5);
	return NULL;
}

static SSL_CTX *server_ctx(enum ct_atls_client_auth auth)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	struct ct_atls_config cfg = { .issuer = &server_issuer,
				      .validators = &client_validator,
				      .n_validators = 1, .client_auth = auth };
	if (ctx == NULL || !ct_ok(ct_atls_server_ctx_configure(ctx, &cfg)))
		return NULL;
	return ctx;
}

static int setup(void **state)
{
	ct_log_init("server_test", getenv("CT_TEST_DEBUG") ? CT_LOG_DEBUG : CT_LOG_INFO);
	fake_platform_init(&server_platform, 0x11, "server-claims");
	fake_platform_init(&client_platform, 0x22, "client-claims");
	fake_platform_init(&other_platform, 0x33, "other");
	server_issuer = fake_issuer(&server_platform);
	client_issuer = fake_issuer(&client_platform);
	other_issuer = fake_issuer(&other_platform);
	server_validator = fake_validator(&server_platform, "snp[0]");
	client_validator = fake_validator(&client_platform, "snp[0]");
	other_validator = fake_validator(&other_platform, "snp[0]");

	ct_http_router_init(&router);
	struct ct_http_route routes[] = {
		{ "GET", "/whoami", whoami, NULL, 0, NULL },
		{ "POST", "/echo", echo, NULL, 4096, "application/json" },
		{ "POST", "/small", echo, NULL, 16, "application/json" },
		{ "GET", "/nodelay", nodelay, NULL, 0, NULL },
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (!ct_ok(ct_http_router_add(&router, &routes[i])))
			return -1;
	if (!ct_ok(ct_metrics_new(&metrics)))
		return -1;
	ops.metrics = metrics;
	if (!ct_ok(ct_http_ops_register(&router, &ops)))
		return -1;
	base = event_base_new();
	SSL_CTX *key_ctx = server_ctx(CT_ATLS_CLIENT_AUTH_KEY_OPTIONAL);
	SSL_CTX *mutual_ctx = server_ctx(CT_ATLS_CLIENT_AUTH_ATTESTED);
	if (base == NULL || key_ctx == NULL || mutual_ctx == NULL)
		return -1;
	struct ct_http_server_config cfg = { .name = "plain", .bind_addr = "127.0.0.1",
					     .router = &router, .timeout_s = 2,
					     .metrics = metrics };
	if (!ct_ok(ct_http_server_start(base, &cfg, &servers[SRV_PLAIN])))
		return -1;
	cfg.name = "userapi";
	cfg.tls = key_ctx;
	if (!ct_ok(ct_http_server_start(base, &cfg, &servers[SRV_KEY])))
		return -1;
	cfg.name = "meshapi";
	cfg.tls = mutual_ctx;
	if (!ct_ok(ct_http_server_start(base, &cfg, &servers[SRV_MUTUAL])))
		return -1;
	cfg.name = "limited";
	cfg.tls = key_ctx;
	cfg.max_connections = 2;
	cfg.timeout_s = 30;
	if (!ct_ok(ct_http_server_start(base, &cfg, &servers[SRV_LIMITED])))
		return -1;
	SSL_CTX_free(key_ctx); /* the servers hold references */
	SSL_CTX_free(mutual_ctx);
	return pthread_create(&loop_thread, NULL, loop_main, NULL) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	for (int i = 0; i < SRV_N; i++)
		ct_http_server_free(servers[i]);
	event_base_free(base);
	ct_metrics_free(metrics);
	return 0;
}

static void url_of(char *buf, size_t n, int which)
{
	snprintf(buf, n, "%s://127.0.0.1:%u", which == SRV_PLAIN ? "http" : "https",
		 ct_http_server_port(servers[which]));
}

/* One request; returns the status or -1 with the error in ct_error. */
static long request(int which, const struct ct_atls_config *acfg,
		    const char *method, const char *path, const char *ctype,
		    const char *body, struct ct_buf *out)
{
	char url[64];
	struct ct_atls_client_hook hook;
	struct ct_http_tls_hook tls = { ct_atls_client_hook_setup,
					ct_atls_client_hook_check, &hook };
	long status = -1;
	url_of(url, sizeof(url), which);
	if (acfg != NULL)
		ct_atls_client_hook_init(&hook, acfg);
	struct ct_http_client_config cfg = { url, acfg ? &tls : NULL, 10, 0 };
	ct_buf_reset(out);
	if (!ct_ok(ct_http_client_request(&cfg, method, path, ctype,
					  ct_span_make(body, body ? strlen(body) : 0),
					  &status, out))) {
		ct_log_debug("request failed: %s", ct_error_message());
		return -1;
	}
	return status;
}

static void plain_routes_over_the_wire(void **state)
{
	struct ct_buf out;
	ct_buf_init(&out, 1 << 16);
	assert_int_equal(request(SRV_PLAIN, NULL, "POST", "/echo", "application/json",
				 "{\"a\":1}", &out), 200);
	assert_string_equal(ct_buf_cstr(&out), "{\"a\":1}");
	assert_int_equal(request(SRV_PLAIN, NULL, "GET", "/whoami", NULL, NULL, &out), 200);
	assert_non_null(strstr(ct_buf_cstr(&out), "\"tls\":false"));
	assert_int_equal(request(SRV_PLAIN, NULL, "GET", "/nothing", NULL, NULL, &out), 404);
	assert_string_equal(ct_buf_cstr(&out), "{\"error\":\"not found\"}");
	assert_int_equal(request(SRV_PLAIN, NULL, "POST", "/small", "application/json",
				 "{\"aaaaaaaaaaaaaaaaaaaa\":1}", &out), 413);
	assert_non_null(strstr(ct_buf_cstr(&out), "exceeds the limit of 16"));
	assert_int_equal(request(SRV_PLAIN, NULL, "POST", "/echo", "text/plain", "{}", &out),
			 415);
	assert_int_equal(request(SRV_PLAIN, NULL, "POST", "/echo", "application/json",
				 "{bad", &out), 400);
	assert_non_null(strstr(ct_buf_cstr(&out), "json: "));
	/* Beyond every route's limit evhttp itself refuses the body. */
	char big[6000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(request(SRV_PLAIN, NULL, "POST", "/echo", "application/json",
				 big, &out), 413);
	/* Every answered request was counted; /metrics shows it. */
	assert_int_equal(request(SRV_PLAIN, NULL, "GET", "/metrics", NULL, NULL, &out), 200);
	assert_non_null(strstr(ct_buf_cstr(&out),
			       "# TYPE contrast_http_requests_total counter\n"));
	assert_non_null(strstr(ct_buf_cstr(&out),
			       "contrast_http_requests_total{server=\"plain\",code=\"404\"} 1\n"));
	assert_non_null(strstr(ct_buf_cstr(&out),
			       "contrast_http_requests_total{server=\"plain\",code=\"415\"} 1\n"));
	assert_int_equal(request(SRV_PLAIN, NULL, "GET", "/probe/readiness", NULL, NULL, &out),
			 200);
	ct_buf_dispose(&out);
}

static void json_client_round_trip(void **state)
{
	char url[64];
	long st = 0;
	json_t *reply = NULL;
	url_of(url, sizeof(url), SRV_PLAIN);
	struct ct_http_client_config cfg = { url, NULL, 10, 0 };
	json_t *req = json_pack("{s:i}", "n", 7);
	assert_ct_ok(ct_http_client_json(&cfg, "POST", "/echo", req, &st, &reply));
	assert_int_equal(st, 200);
	assert_int_equal(json_integer_value(json_object_get(reply, "n")), 7);
	json_decref(reply);
	reply = NULL;
	/* Errors carry the server's message and a category. */
	assert_ct_err(ct_http_client_json(&cfg, "GET", "/nothing", NULL, &st, &reply),
		      CT_ERR_PROTO);
	assert_int_equal(st, 404);
	assert_string_equal(ct_error_message(), "http 404: not found");
	assert_null(reply);
	json_decref(req);
}

static void atls_server_attests_to_client(void **state)
{
	struct ct_buf out;
	ct_buf_init(&out, 1 << 16);
	struct ct_atls_config c = { .validators = &server_validator, .n_validators = 1 };
	assert_int_equal(request(SRV_KEY, &c, "GET", "/whoami", NULL, NULL, &out), 200);
	assert_non_null(strstr(ct_buf_cstr(&out), "\"kind\":\"none\""));
	assert_non_null(strstr(ct_buf_cstr(&out), "\"tls\":true"));

	/* A client trusting another platform refuses, naming the check. */
	struct ct_atls_config wrong = { .validators = &other_validator, .n_validators = 1 };
	assert_int_equal(request(SRV_KEY, &wrong, "GET", "/whoami", NULL, NULL, &out), -1);
	assert_error_contains("snp[0]: fake: signature does not verify");

	/* https without a hook is a usage error, not a silent plain TLS. */
	struct ct_http_client_config nohook = { "https://127.0.0.1:1", NULL, 5, 0 };
	long st;
	assert_ct_err(ct_http_client_request(&nohook, "GET", "/", NULL,
					     ct_span_make(NULL, 0), &st, &out),
		      CT_ERR_USAGE);
	ct_buf_dispose(&out);
}

/* Both ends of an aTLS request: no Nagle on the client's socket, the
 * listener or the accepted connection. */
static void sockets_have_nodelay(void **state)
{
	struct ct_buf out;
	ct_buf_init(&out, 1 << 16);
	struct ct_atls_config c = { .validators = &server_validator, .n_validators = 1 };
	assert_int_equal(request(SRV_KEY, &c, "GET", "/nodelay", NULL, NULL, &out), 200);
	assert_string_equal(ct_buf_cstr(&out), "{\"checked\":3,\"without\":0}");
	ct_buf_dispose(&out);
}

/* The hook decides trust: curl must not have loaded the system CA bundle
 * into the context (60-170 ms per connection, never used). curl may fill
 * the store after the hook ran, so the context is kept and looked at once
 * the request is over. */
static SSL_CTX *seen_ctx;
static ct_result keeping_setup(void *arg, SSL_CTX *ctx)
{
	if (seen_ctx == NULL && SSL_CTX_up_ref(ctx) == 1)
		seen_ctx = ctx;
	return ct_atls_client_hook_setup(arg, ctx);
}

static void client_loads_no_ca_bundle(void **state)
{
	char url[64];
	struct ct_buf out;
	struct ct_atls_client_hook hook;
	struct ct_atls_config c = { .validators = &server_validator, .n_validators = 1 };
	struct ct_http_tls_hook tls = { keeping_setup, ct_atls_client_hook_check, &hook };
	long status = 0;
	url_of(url, sizeof(url), SRV_KEY);
	ct_atls_client_hook_init(&hook, &c);
	struct ct_http_client_config cfg = { url, &tls, 10, 0 };
	ct_buf_init(&out, 1 << 16);
	assert_ct_ok(ct_http_client_request(&cfg, "GET", "/whoami", NULL,
					    ct_span_make(NULL, 0), &status, &out));
	assert_int_equal(status, 200);
	assert_non_null(seen_ctx);
	X509_STORE *st = SSL_CTX_get_cert_store(seen_ctx);
	assert_int_equal(st ? sk_X509_OBJECT_num(X509_STORE_get0_objects(st)) : 0, 0);
	SSL_CTX_free(seen_ctx);
	seen_ctx = NULL;
	ct_buf_dispose(&out);
}

static void owner_key_reaches_handler(void **state)
{
	struct ct_buf out;
	char want[65];
	uint8_t digest[32];
	unsigned char *der = NULL;
	ct_buf_init(&out, 1 << 16);
	EVP_PKEY *owner = EVP_EC_gen("P-384");
	assert_non_null(owner);
	int n = i2d_PUBKEY(owner, &der);
	assert_int_equal(EVP_Digest(der, (size_t)n, digest, NULL, EVP_sha256(), NULL), 1);
	OPENSSL_free(der);
	ct_hex_format(want, digest, 32);
	struct ct_atls_config c = { .validators = &server_validator, .n_validators = 1,
				    .client_key = owner };
	assert_int_equal(request(SRV_KEY, &c, "GET", "/whoami", NULL, NULL, &out), 200);
	assert_non_null(strstr(ct_buf_cstr(&out), "\"kind\":\"key\""));
	assert_non_null(strstr(ct_buf_cstr(&out), want));
	EVP_PKEY_free(owner);
	ct_buf_dispose(&out);
}

static void mutual_atls(void **state)
{
	struct ct_buf out;
	ct_buf_init(&out, 1 << 16);
	struct ct_atls_config c = { .issuer = &client_issuer,
				    .validators = &server_validator, .n_validators = 1 };
	assert_int_equal(request(SRV_MUTUAL, &c, "GET", "/whoami", NULL, NULL, &out), 200);
	assert_non_null(strstr(ct_buf_cstr(&out), "\"kind\":\"attested\""));
	assert_non_null(strstr(ct_buf_cstr(&out), "\"claims\":\"client-claims\""));

	/* Evidence from an unknown platform: the server refuses the client. */
	struct ct_atls_config bad = { .issuer = &other_issuer,
				      .validators = &server_validator, .n_validators = 1 };
	assert_int_equal(request(SRV_MUTUAL, &bad, "GET", "/whoami", NULL, NULL, &out), -1);
	assert_int_equal(ct_error_category(), CT_ERR_IO);
	/* No evidence at all: refused as well. */
	struct ct_atls_config none = { .validators = &server_validator, .n_validators = 1 };
	assert_int_equal(request(SRV_MUTUAL, &none, "GET", "/whoami", NULL, NULL, &out), -1);
	ct_buf_dispose(&out);
}

struct worker {
	int which;
	int ok;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct ct_buf out;
	ct_buf_init(&out, 1 << 16);
	struct ct_atls_config c = { .issuer = &client_issuer,
				    .validators = &server_validator, .n_validators = 1 };
	for (int i = 0; i < 4; i++)
		if (request(w->which, w->which == SRV_PLAIN ? NULL : &c, "POST", "/echo",
			    "application/json", "{\"n\":1}", &out) == 200 &&
		    strcmp(ct_buf_cstr(&out), "{\"n\":1}") == 0)
			w->ok++;
	ct_buf_dispose(&out);
	return NULL;
}

static void concurrent_clients(void **state)
{
	enum { N = 12 };
	pthread_t t[N];
	struct worker w[N];
	for (int i = 0; i < N; i++) {
		w[i].which = i % 3 == 0 ? SRV_MUTUAL : SRV_PLAIN;
		w[i].ok = 0;
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].ok, 4);
	}
}

static int connect_to(int which)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(ct_http_server_port(servers[which])) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A completed aTLS handshake on a raw socket (proves the server accepted). */
static SSL *atls_connect(int which, SSL_CTX *ctx)
{
	SSL *ssl = NULL;
	int fd = connect_to(which);
	assert_true(fd >= 0);
	assert_ct_ok(ct_atls_client_ssl_new(ctx, &ssl));
	assert_int_equal(SSL_set_fd(ssl, fd), 1);
	assert_int_equal(SSL_connect(ssl), 1);
	assert_non_null(ct_atls_conn_peer(ssl));
	return ssl;
}

static void close_ssl(SSL *ssl)
{
	int fd = SSL_get_fd(ssl);
	SSL_free(ssl);
	close(fd);
}

static void connection_cap_pauses_accepting(void **state)
{
	struct ct_buf out;
	ct_buf_init(&out, 1 << 16);
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	struct ct_atls_config c = { .validators = &server_validator, .n_validators = 1 };
	assert_ct_ok(ct_atls_client_ctx_configure(ctx, &c));
	SSL *a = atls_connect(SRV_LIMITED, ctx);
	SSL *b = atls_connect(SRV_LIMITED, ctx);
	/* Two open connections: a third client waits in the backlog. */
	char url[64];
	struct ct_atls_client_hook hook;
	struct ct_http_tls_hook tls = { ct_atls_client_hook_setup,
					ct_atls_client_hook_check, &hook };
	ct_atls_client_hook_init(&hook, &c);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u",
		 ct_http_server_port(servers[SRV_LIMITED]));
	struct ct_http_client_config cfg = { url, &tls, 1, 0 };
	long st = 0;
	assert_ct_err(ct_http_client_request(&cfg, "GET", "/whoami", NULL,
					     ct_span_make(NULL, 0), &st, &out),
		      CT_ERR_IO);
	assert_error_contains("timed out");
	/* One closes: accepting resumes. */
	close_ssl(a);
	cfg.timeout_s = 10;
	assert_ct_ok(ct_http_client_request(&cfg, "GET", "/whoami", NULL,
					    ct_span_make(NULL, 0), &st, &out));
	assert_int_equal(st, 200);
	close_ssl(b);
	SSL_CTX_free(ctx);
	ct_buf_dispose(&out);
}

static void idle_connection_times_out(void **state)
{
	int fd = connect_to(SRV_KEY);
	assert_true(fd >= 0);
	char b[16];
	/* The server closes a silent client (here: mid TLS handshake). */
	assert_int_equal(recv(fd, b, sizeof(b), 0), 0);
	close(fd);
}

static void s_client_sees_evidence_extension(void **state)
{
	char cmd[512], line[512];
	bool has_oid = false, has_cn = false;
	snprintf(cmd, sizeof(cmd),
		 "openssl s_client -connect 127.0.0.1:%u -tls1_3 -alpn "
		 "atls:v1:nonce:%064d </dev/null 2>/dev/null | "
		 "openssl x509 -noout -text 2>&1",
		 ct_http_server_port(servers[SRV_KEY]), 0);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p) != NULL) {
		has_oid |= strstr(line, CT_ATLS_OID_TEST) != NULL;
		has_cn |= strstr(line, "CN = Contrast") != NULL;
	}
	pclose(p);
	assert_true(has_oid);
	assert_true(has_cn);

	/* Without the nonce in ALPN the server shows no certificate. */
	snprintf(cmd, sizeof(cmd),
		 "openssl s_client -connect 127.0.0.1:%u -tls1_3 </dev/null 2>&1",
		 ct_http_server_port(servers[SRV_KEY]));
	p = popen(cmd, "r");
	assert_non_null(p);
	bool saw_cert = false, saw_alert = false;
	while (fgets(line, sizeof(line), p) != NULL) {
		saw_cert |= strstr(line, "BEGIN CERTIFICATE") != NULL;
		saw_alert |= strstr(line, "alert") != NULL;
	}
	pclose(p);
	assert_false(saw_cert);
	assert_true(saw_alert);
}

static void sigterm_stops_gracefully(void **state)
{
	assert_int_equal(kill(getpid(), SIGTERM), 0);
	pthread_join(loop_thread, NULL);
	assert_ct_ok(loop_result);
	for (int i = 0; i < SRV_N; i++)
		assert_int_equal(ct_http_server_connections(servers[i]), 0);
	assert_int_equal(connect_to(SRV_PLAIN), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_routes_over_the_wire),
		cmocka_unit_test(json_client_round_trip),
		cmocka_unit_test(atls_server_attests_to_client),
		cmocka_unit_test(sockets_have_nodelay),
		cmocka_unit_test(client_loads_no_ca_bundle),
		cmocka_unit_test(owner_key_reaches_handler),
		cmocka_unit_test(mutual_atls),
		cmocka_unit_test(concurrent_clients),
		cmocka_unit_test(connection_cap_pauses_accepting),
		cmocka_unit_test(idle_connection_times_out),
		cmocka_unit_test(s_client_sees_evidence_extension),
		cmocka_unit_test(sigterm_stops_gracefully),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
