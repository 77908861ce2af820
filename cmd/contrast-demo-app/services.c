/*
 * services.c - request handlers of the demo guestbook.
 *
 * `store`: GET /entries → {"entries": [...]}, POST /entries {"name",
 * "message"} appends (at most DEMO_ENTRIES_MAX, oldest dropped).
 * `web`:   GET / → the store's entries fetched over mesh mTLS, POST /sign
 * forwards an entry to the store.
 * Both: GET /whoami → the caller's mesh identity.
 *
 * Trust boundary: request bodies come from mesh peers, which are attested
 * workloads, but are still parsed strictly and bounded. A request from a
 * peer without a verified mesh certificate is refused before its body is
 * looked at. The web service's upstream call blocks the event loop: fine
 * for a demo with a handful of requests, documented in docs/local-mode.md.
 */
#include "services.h"

#include <stdio.h>
#include <string.h>

#define PEER_NAME_MAX 256u
#define STORE_REPLY_MAX (256u * 1024u)

void demo_service_write_stats(const struct demo_service *svc)
{
	if (!svc->stats_path)
		return;
	char text[512];
	int n = snprintf(text, sizeof(text),
			 "{\"service\":\"%s\",\"served\":%lu,\"refused\":%lu,"
			 "\"refused_handshakes\":%lu,\"upstream_ok\":%lu,"
			 "\"upstream_failed\":%lu}\n",
			 svc->name, svc->stats.served, svc->stats.refused,
			 mesh_refused_handshakes(), svc->stats.upstream_ok,
			 svc->stats.upstream_failed);
	if (n < 0 || (size_t)n >= sizeof(text))
		return;
	if (!ct_ok(ct_file_write_atomic(svc->stats_path,
					(struct ct_span){ (const uint8_t *)text, (size_t)n },
					0644)))
		ct_log_error("stats");
}

/* Refuses callers without a mesh certificate (and counts them). */
static CT_RESULT require_mesh_peer(struct demo_service *svc,
				   const struct ct_http_request *req,
				   struct ct_http_response *resp,
				   char peer[PEER_NAME_MAX])
{
	if (mesh_peer_name(req->ssl, peer, PEER_NAME_MAX))
		return CT_OK;
	svc->stats.refused++;
	demo_service_write_stats(svc);
	return ct_http_fail(resp, 403, CT_ERR_POLICY,
			    "%s: a mesh certificate is required", svc->name);
}

static CT_RESULT served(struct demo_service *svc, struct ct_http_response *resp,
			json_t *reply)
{
	if (!reply)
		return ct_http_fail(resp, 500, CT_ERR_NOMEM, "out of memory");
	ct_result res = ct_http_reply_json(resp, 200, reply);
	json_decref(reply);
	if (ct_ok(res)) {
		svc->stats.served++;
		demo_service_write_stats(svc);
	}
	return res;
}

static ct_result handle_whoami(void *arg, const struct ct_http_request *req,
			       struct ct_http_response *resp)
{
	struct demo_service *svc = arg;
	char peer[PEER_NAME_MAX];
	CT_GUARD(require_mesh_peer(svc, req, resp, peer));
	return served(svc, resp, json_pack("{s:s, s:s}", "service", svc->name,
					   "peer", peer));
}

static ct_result handle_get_entries(void *arg, const struct ct_http_request *req,
				    struct ct_http_response *resp)
{
	struct demo_service *svc = arg;
	char peer[PEER_NAME_MAX];
	CT_GUARD(require_mesh_peer(svc, req, resp, peer));
	return served(svc, resp, json_pack("{s:O}", "entries", svc->entries));
}

static ct_result handle_post_entry(void *arg, const struct ct_http_request *req,
				   struct ct_http_response *resp)
{
	static const char *const keys[] = { "name", "message", NULL };
	struct demo_service *svc = arg;
	char peer[PEER_NAME_MAX];
	json_t *body = NULL;
	const char *name, *message;
	ct_result res = CT_OK;

	CT_GUARD(require_mesh_peer(svc, req, resp, peer));
	if (!ct_ok(ct_http_json_parse(req->body, &body)) ||
	    !ct_ok(ct_http_json_only_keys(body, keys)) ||
	    !ct_ok(ct_http_json_string(body, "name", DEMO_FIELD_MAX, &name)) ||
	    !ct_ok(ct_http_json_string(body, "message", DEMO_FIELD_MAX, &message))) {
		res = ct_http_fail(resp, 400, CT_ERR_PROTO, "entry: %s",
				   ct_error_message());
		goto out;
	}
	if (json_array_size(svc->entries) >= DEMO_ENTRIES_MAX)
		json_array_remove(svc->entries, 0);
	json_array_append_new(svc->entries,
			      json_pack("{s:s, s:s, s:s}", "name", name,
					"message", message, "via", peer));
	res = served(svc, resp, json_pack("{s:I}", "entries",
					  (json_int_t)json_array_size(svc->entries)));
out:
	json_decref(body);
	return res;
}

/* One call to the store over mesh mTLS; the reply must be a JSON object. */
static CT_RESULT call_store(struct demo_service *svc, const char *method,
			    const char *path, const json_t *request,
			    json_t **reply)
{
	struct ct_http_tls_hook hook;
	mesh_client_hook(svc->id, &hook);
	struct ct_http_client_config cfg = {
		.base_url = svc->store_url,
		.tls = &hook,
		.timeout_s = 10,
		.max_response = STORE_REPLY_MAX,
	};
	long status = 0;
	ct_result res = ct_http_client_json(&cfg, method, path, request, &status,
					    reply);
	if (ct_ok(res))
		svc->stats.upstream_ok++;
	else
		svc->stats.upstream_failed++;
	return res;
}

static ct_result handle_index(void *arg, const struct ct_http_request *req,
			      struct ct_http_response *resp)
{
	struct demo_service *svc = arg;
	char peer[PEER_NAME_MAX];
	json_t *store_reply = NULL;
	CT_GUARD(require_mesh_peer(svc, req, resp, peer));
	if (!ct_ok(call_store(svc, "GET", "/entries", NULL, &store_reply))) {
		demo_service_write_stats(svc);
		return ct_http_fail(resp, 502, CT_ERR_IO, "web: store: %s",
				    ct_error_message());
	}
	return served(svc, resp, json_pack("{s:s, s:s, s:o}", "service", "web",
					   "peer", peer, "store", store_reply));
}

static ct_result handle_sign(void *arg, const struct ct_http_request *req,
			     struct ct_http_response *resp)
{
	struct demo_service *svc = arg;
	char peer[PEER_NAME_MAX];
	json_t *body = NULL, *store_reply = NULL;
	CT_GUARD(require_mesh_peer(svc, req, resp, peer));
	if (!ct_ok(ct_http_json_parse(req->body, &body)))
		return ct_http_fail(resp, 400, CT_ERR_PROTO, "sign: %s",
				    ct_error_message());
	ct_result res = call_store(svc, "POST", "/entries", body, &store_reply);
	json_decref(body);
	if (!ct_ok(res)) {
		demo_service_write_stats(svc);
		return ct_http_fail(resp, 502, CT_ERR_IO, "web: store: %s",
				    ct_error_message());
	}
	return served(svc, resp, store_reply);
}

ct_result demo_service_routes(struct demo_service *svc,
			      struct ct_http_router *router)
{
	const size_t body_max = 4096;
	CT_GUARD(ct_http_router_add(router, &(struct ct_http_route){
		"GET", "/whoami", handle_whoami, svc, 0, NULL }));
	if (strcmp(svc->name, "store") == 0) {
		svc->entries = json_array();
		CT_ENSURE(svc->entries, CT_ERR_NOMEM, "out of memory");
		CT_GUARD(ct_http_router_add(router, &(struct ct_http_route){
			"GET", "/entries", handle_get_entries, svc, 0, NULL }));
		CT_GUARD(ct_http_router_add(router, &(struct ct_http_route){
			"POST", "/entries", handle_post_entry, svc, body_max,
			"application/json" }));
		return CT_OK;
	}
	CT_GUARD(ct_http_router_add(router, &(struct ct_http_route){
		"GET", "/", handle_index, svc, 0, NULL }));
	CT_GUARD(ct_http_router_add(router, &(struct ct_http_route){
		"POST", "/sign", handle_sign, svc, body_max, "application/json" }));
	return CT_OK;
}
