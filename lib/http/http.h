/*
 * http.h - the HTTP/1.1 + JSON layer of the Coordinator's APIs (DESIGN.md
 * §4.5): a route table and dispatcher that never fails to answer, JSON
 * helpers for bounded request decoding and replies, a libevent server
 * (plain or on a caller-configured SSL_CTX such as aTLS), and a libcurl
 * client whose TLS context a hook (aTLS) configures.
 *
 * Errors on the wire are JSON {"error": "..."} with 400/403/404/405/412/
 * 413/415/500. A handler picks the status with ct_http_fail, or lets the
 * error category choose (PROTO/USAGE 400, POLICY 403, LIMIT 413, others
 * 500 with a generic message; the detail goes to the log only).
 *
 * Trust boundary: request bytes, headers and bodies are untrusted; body
 * size, content type, header size and time are bounded before a handler
 * runs. TLS peer identity comes only from the SSL (ct_atls_conn_peer).
 */
#ifndef CT_HTTP_H
#define CT_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/ssl.h>

#include "base/base.h"

/* Coordinator ports (DESIGN.md §4.5). */
#define CT_HTTP_PORT_USER_API 1313   /* aTLS, Coordinator attests */
#define CT_HTTP_PORT_ATTEST_API 1314 /* plain HTTP */
#define CT_HTTP_PORT_MESH_API 7777   /* mutual aTLS */
#define CT_HTTP_PORT_OPS 9102        /* probes and metrics, plain */
/* Body limits of the Coordinator's routes (Contrast uses the same). */
#define CT_HTTP_BODY_ATTEST_MAX 1024u
#define CT_HTTP_BODY_MANIFEST_MAX (16u << 20)
#define CT_HTTP_BODY_SMALL_MAX (64u * 1024u)

#define CT_HTTP_ROUTES_MAX 32u
#define CT_HTTP_PATH_MAX 256u
#define CT_HTTP_ERROR_LOG_MAX 256u
#define CT_HTTP_RESPONSE_MAX (64u << 20)   /* server replies and client reads */
#define CT_HTTP_BODY_MAX_LIMIT (64u << 20) /* largest max_body a route may set */
#define CT_HTTP_JSON_DEPTH_MAX 32u
#define CT_HTTP_JSON_STRING_MAX (32u << 20)

struct ct_http_request {
	const char *method;       /* "GET", "POST", ... */
	const char *path;         /* raw path without query, e.g. "/v1/manifest" */
	const char *content_type; /* header value, or NULL */
	struct ct_span body;
	SSL *ssl;                 /* NULL on plain HTTP */
	const char *peer_addr;    /* "ip:port" for logs */
};

struct ct_http_response {
	int status;               /* 0 until a handler or the dispatcher sets it */
	struct ct_buf body;       /* max CT_HTTP_RESPONSE_MAX */
	const char *content_type; /* static string; default application/json */
	char error[CT_HTTP_ERROR_LOG_MAX]; /* for the log line; "" on success */
};

typedef ct_result (*ct_http_handler_fn)(void *arg,
					const struct ct_http_request *req,
					struct ct_http_response *resp);

struct ct_http_route {
	const char *method;       /* static string */
	const char *path;         /* static string, exact match */
	ct_http_handler_fn handler;
	void *arg;
	size_t max_body;          /* 0: requests must have no body */
	const char *content_type; /* required media type when a body is sent,
				     e.g. "application/json"; NULL: any */
};

struct ct_http_router {
	struct ct_http_route routes[CT_HTTP_ROUTES_MAX];
	size_t n;
};

void ct_http_response_init(struct ct_http_response *resp);
void ct_http_response_dispose(struct ct_http_response *resp);

void ct_http_router_init(struct ct_http_router *r);
CT_RESULT ct_http_router_add(struct ct_http_router *r,
			     const struct ct_http_route *route);
/* Largest max_body over all routes (for the transport's hard limit). */
size_t ct_http_router_max_body(const struct ct_http_router *r);

/*
 * Routes a request and always leaves a complete response: 404 unknown
 * path, 405 wrong method, 413 body too large, 415 wrong content type,
 * the handler's reply, or its error as JSON.
 */
void ct_http_dispatch(const struct ct_http_router *r,
		      const struct ct_http_request *req,
		      struct ct_http_response *resp);

/* Records an error and the status to answer with; returns the failure. */
CT_RESULT ct_http_fail(struct ct_http_response *resp, int status,
		       enum ct_err category, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

const char *ct_http_status_reason(int status);

/* ------------------------------------------------------------------- JSON */

/*
 * Parses an untrusted body as one JSON object (duplicate keys refused,
 * depth at most CT_HTTP_JSON_DEPTH_MAX, nothing after it). The caller owns
 * *out (json_decref).
 */
CT_RESULT ct_http_json_parse(struct ct_span body, json_t **out);
/* Refuses members other than the NULL-terminated `allowed` names. */
CT_RESULT ct_http_json_only_keys(const json_t *obj, const char *const *allowed);
/* A required string member of at most max_len bytes (borrowed). */
CT_RESULT ct_http_json_string(const json_t *obj, const char *key,
			      size_t max_len, const char **out);
/* A required base64 string member, decoded and appended to out. */
CT_RESULT ct_http_json_base64(const json_t *obj, const char *key,
			      struct ct_buf *out);
/* A required hex string member, decoded and appended to out. */
CT_RESULT ct_http_json_hex(const json_t *obj, const char *key,
			   struct ct_buf *out);
/* An optional boolean member (default when absent). */
CT_RESULT ct_http_json_bool(const json_t *obj, const char *key, bool dflt,
			    bool *out);
/* Replaces resp's body with compact JSON of obj; sets status (200 if 0). */
CT_RESULT ct_http_reply_json(struct ct_http_response *resp, int status,
			     const json_t *obj);
/* Appends `s` base64-encoded as member `key` of obj. */
CT_RESULT ct_http_json_set_base64(json_t *obj, const char *key,
				  struct ct_span s);

/* ------------------------------------------------------ ops: probes, metrics */

#define CT_METRICS_SERIES_MAX 128u

enum ct_metric_type { CT_METRIC_COUNTER, CT_METRIC_GAUGE };

/* A bounded, thread-safe table of metric series (name + label string). */
struct ct_metrics;
CT_RESULT ct_metrics_new(struct ct_metrics **out);
void ct_metrics_free(struct ct_metrics *m);
/* HELP/TYPE lines for a metric name (idempotent). */
CT_RESULT ct_metrics_describe(struct ct_metrics *m, const char *name,
			      enum ct_metric_type type, const char *help);
/*
 * Adds to / sets a series, creating it on first use. `labels` is our own
 * constant text such as `server="userapi",code="200"` (never request data).
 * Series beyond CT_METRICS_SERIES_MAX are dropped. NULL m is a no-op.
 */
void ct_metrics_add(struct ct_metrics *m, const char *name, const char *labels,
		    int64_t delta);
void ct_metrics_set(struct ct_metrics *m, const char *name, const char *labels,
		    int64_t value);
int64_t ct_metrics_get(struct ct_metrics *m, const char *name, const char *labels);
/* Prometheus text exposition format 0.0.4, appended to out. */
CT_RESULT ct_metrics_render(struct ct_metrics *m, struct ct_buf *out);

/* Probe callbacks: NULL means "always OK". Must outlive the router. */
struct ct_http_ops {
	bool (*startup)(void *arg);
	bool (*liveness)(void *arg);
	bool (*readiness)(void *arg);
	void *arg;
	struct ct_metrics *metrics;
};

/*
 * Adds GET /probe/startup, /probe/liveness, /probe/readiness (200
 * {"status":"ok"} or 503 {"error":"<probe> probe failed"}) and GET /metrics.
 */
CT_RESULT ct_http_ops_register(struct ct_http_router *r,
			       const struct ct_http_ops *ops);

/* ----------------------------------------------------------------- server */

struct event_base;
struct ct_http_server;

struct ct_http_server_config {
	const char *name;         /* for logs, e.g. "userapi" */
	const char *bind_addr;    /* e.g. "127.0.0.1" or "0.0.0.0" */
	uint16_t port;            /* 0: ephemeral (see ct_http_server_port) */
	SSL_CTX *tls;             /* NULL: plain HTTP; else up-referenced */
	const struct ct_http_router *router; /* copied */
	unsigned max_connections; /* TLS only (exact count); 0: 256; at it
				     accepting pauses until one closes */
	unsigned timeout_s;       /* read/write idle timeout; 0: 30 */
	size_t max_header_size;   /* 0: 16 KiB */
	struct ct_metrics *metrics; /* optional: contrast_http_requests_total */
};

/* Also sets SIGPIPE to SIG_IGN for the process (a server must survive
 * peers that vanish mid-write). */
CT_RESULT ct_http_server_start(struct event_base *base,
			       const struct ct_http_server_config *cfg,
			       struct ct_http_server **out);
uint16_t ct_http_server_port(const struct ct_http_server *s);
/* Open TLS connections; read it from the loop thread (or after the loop). */
unsigned ct_http_server_connections(const struct ct_http_server *s);
/*
 * Replaces the TLS context for connections accepted from now on (e.g. an
 * aTLS context with the validators of a new manifest); open connections
 * keep theirs. Loop thread only (a handler may call it). Fails on a plain
 * server.
 */
CT_RESULT ct_http_server_set_tls(struct ct_http_server *s, SSL_CTX *tls);
/* Closes the listener; open connections are served to completion. */
void ct_http_server_stop_accepting(struct ct_http_server *s);
/* Closes everything (connections included) and frees. NULL is fine. */
void ct_http_server_free(struct ct_http_server *s);

/*
 * Runs `base` until SIGTERM/SIGINT (or ct_http_run_stop from the loop):
 * then stops accepting on every server, lets open connections finish for
 * up to grace_s seconds, and returns.
 */
CT_RESULT ct_http_run(struct event_base *base, struct ct_http_server **servers,
		      size_t n, unsigned grace_s);
/* Same as receiving SIGTERM; call from the loop thread. */
void ct_http_run_stop(struct event_base *base);

/* ----------------------------------------------------------------- client */

/* Configures the TLS context of each client connection (e.g. aTLS). */
struct ct_http_tls_hook {
	ct_result (*setup)(void *arg, SSL_CTX *ctx);
	/* After a request: CT_OK if the peer was verified, else the reason. */
	ct_result (*check)(void *arg);
	void *arg;
};

struct ct_http_client_config {
	const char *base_url;     /* "https://127.0.0.1:1313" or "http://..." */
	const struct ct_http_tls_hook *tls; /* required for https */
	unsigned timeout_s;       /* whole request; 0: 30 */
	size_t max_response;      /* 0: CT_HTTP_RESPONSE_MAX */
};

/*
 * One request on a fresh connection (no reuse, no TLS resumption, so
 * every request attests). Fails on transport or TLS errors (naming the
 * hook's reason); any HTTP status is a success with *status_out set.
 * Retries are the caller's.
 */
CT_RESULT ct_http_client_request(const struct ct_http_client_config *cfg,
				 const char *method, const char *path,
				 const char *content_type, struct ct_span body,
				 long *status_out, struct ct_buf *body_out);

/*
 * JSON round trip: sends `request` (or no body when NULL) as
 * application/json, expects a JSON object back. A 2xx answer is parsed
 * into *response_out (caller json_decref's); any other status fails with
 * CT_ERR_POLICY (403), CT_ERR_PROTO (4xx) or CT_ERR_IO (5xx) and the
 * server's {"error": "..."} text: "http 412: no manifest configured".
 */
CT_RESULT ct_http_client_json(const struct ct_http_client_config *cfg,
			      const char *method, const char *path,
			      const json_t *request, long *status_out,
			      json_t **response_out);

#endif /* CT_HTTP_H */
