/*
 * user_api.c - the user API on port 1313 (aTLS: the Coordinator attests;
 * the client may present a plain key certificate: a workload-owner key
 * for updates, a seedshare-owner key for recovery).
 *
 *   POST /v1/manifest  {"manifest","policies",["signatures"]} ->
 *        {"version","root_ca","mesh_ca"[,"seed_shares_doc"]}
 *   GET  /v1/manifests -> {"version","manifests","policies","root_ca",
 *        "mesh_ca","latest_transition":{"transition_hash","signature"}}
 *   POST /v1/recover   {"seed","salt"[,"force"]} -> {"version"}
 *
 * Trust boundary: bodies are untrusted and decoded strictly (lib/http
 * api.h); the client's identity is only the key digest aTLS established
 * (TLS proved possession); what that key may do is decided in state.c
 * against the manifest. Seeds are never logged; the request's seed buffer
 * is a secret buffer wiped on dispose.
 */
#include "coordinator.h"

#include <stdlib.h>

#include "http/api.h"

static const char *sealed_msg =
	"coordinator is sealed (restarted with existing history): "
	"run `contrast recover` with a seedshare owner key";

/* The key digest of a client that showed a plain key certificate. */
static const uint8_t *client_key(const struct ct_http_request *req)
{
	const struct ct_atls_peer *p = req->ssl ? ct_atls_conn_peer(req->ssl) : NULL;
	if (p == NULL || p->kind != CT_ATLS_PEER_KEY)
		return NULL;
	return p->key_sha256;
}

static CT_RESULT set_b64(json_t *o, const char *key, const struct ct_buf *b)
{
	return ct_http_json_set_base64(o, key, ct_buf_span(b));
}

static CT_RESULT reply_set(struct ct_coord *c, struct ct_http_response *resp,
			   const struct ct_buf *shares)
{
	ct_result res = CT_OK;
	json_t *o = json_pack("{s:s}", "version", "v1");
	json_t *doc = NULL;
	CT_ENSURE(o != NULL, CT_ERR_NOMEM, "user api: out of memory");
	CT_TRY(set_b64(o, "root_ca", &c->active->root_ca_pem));
	CT_TRY(set_b64(o, "mesh_ca", &c->active->mesh_ca_pem));
	if (shares->len > 0) {
		json_error_t jerr;
		doc = json_loadb((const char *)shares->data, shares->len, 0, &jerr);
		CT_TRY_ENSURE(doc != NULL, CT_ERR_INTERNAL,
			      "user api: seed share document is not JSON");
		CT_TRY_ENSURE(json_object_set(o, "seed_shares_doc", doc) == 0,
			      CT_ERR_NOMEM, "user api: out of memory");
	}
	CT_TRY(ct_http_reply_json(resp, 200, o));
out:
	json_decref(doc);
	json_decref(o);
	return res;
}

static CT_RESULT set_manifest(void *arg, const struct ct_http_request *req,
			      struct ct_http_response *resp)
{
	struct ct_coord *c = arg;
	struct ct_http_api_set_manifest m;
	struct ct_buf shares;
	int status = 500;
	int64_t t0 = ct_coord_now_us();
	ct_result res;

	if (c->phase == CT_COORD_SEALED)
		return ct_http_fail(resp, 412, CT_ERR_POLICY, "%s", sealed_msg);
	res = ct_http_api_set_manifest_decode(req->body, &m);
	if (!ct_ok(res)) {
		resp->status = ct_error_category() == CT_ERR_LIMIT ? 413 : 400;
		return res;
	}
	ct_buf_init(&shares, 1u << 20);
	res = ct_coord_set_manifest(c, &m, client_key(req), &shares, &status);
	if (ct_ok(res))
		res = reply_set(c, resp, &shares);
	else
		resp->status = status;
	ct_buf_dispose(&shares);
	ct_http_api_set_manifest_dispose(&m);
	ct_coord_observe(c, "api=\"set_manifest\"", ct_coord_now_us() - t0);
	return res;
}

static CT_RESULT get_manifests(void *arg, const struct ct_http_request *req,
			       struct ct_http_response *resp)
{
	struct ct_coord *c = arg;
	ct_result res = CT_OK;
	int64_t t0 = ct_coord_now_us();
	(void)req;

	if (c->phase == CT_COORD_SEALED)
		return ct_http_fail(resp, 412, CT_ERR_POLICY, "%s", sealed_msg);
	if (c->phase != CT_COORD_ACTIVE)
		return ct_http_fail(resp, 412, CT_ERR_POLICY, "no manifest configured");
	struct ct_coord_active *a = c->active;
	json_t *o = json_pack("{s:s}", "version", "v1");
	json_t *manifests = json_array(), *policies = json_array();
	json_t *latest = json_object();
	CT_TRY_ENSURE(o != NULL && manifests != NULL && policies != NULL &&
			      latest != NULL,
		      CT_ERR_NOMEM, "user api: out of memory");
	CT_TRY(ct_coord_history_json(c, manifests, policies));
	CT_TRY_ENSURE(json_object_set(o, "manifests", manifests) == 0 &&
			      json_object_set(o, "policies", policies) == 0 &&
			      json_object_set(o, "latest_transition", latest) == 0,
		      CT_ERR_NOMEM, "user api: out of memory");
	CT_TRY(set_b64(o, "root_ca", &a->root_ca_pem));
	CT_TRY(set_b64(o, "mesh_ca", &a->mesh_ca_pem));
	CT_TRY(ct_http_json_set_base64(latest, "transition_hash",
				       ct_span_make(a->latest, sizeof(a->latest))));
	CT_TRY(set_b64(latest, "signature", &a->latest_sig));
	CT_TRY(ct_http_reply_json(resp, 200, o));
out:
	json_decref(o);
	json_decref(manifests);
	json_decref(policies);
	json_decref(latest);
	ct_coord_observe(c, "api=\"get_manifests\"", ct_coord_now_us() - t0);
	return res;
}

static CT_RESULT recover(void *arg, const struct ct_http_request *req,
			 struct ct_http_response *resp)
{
	struct ct_coord *c = arg;
	struct ct_http_api_recover r;
	int status = 500;
	int64_t t0 = ct_coord_now_us();

	ct_result res = ct_http_api_recover_decode(req->body, &r);
	if (!ct_ok(res)) {
		resp->status = 400;
		return res;
	}
	res = ct_coord_recover(c, ct_buf_span(&r.seed), ct_buf_span(&r.salt),
			       client_key(req), &status);
	ct_http_api_recover_dispose(&r);
	if (!ct_ok(res)) {
		resp->status = status;
	} else {
		json_t *o = json_pack("{s:s}", "version", "v1");
		res = o != NULL ? ct_http_reply_json(resp, 200, o)
				: CT_FAIL(CT_ERR_NOMEM, "user api: out of memory");
		json_decref(o);
	}
	ct_coord_observe(c, "api=\"recover\"", ct_coord_now_us() - t0);
	return res;
}

CT_RESULT ct_coord_user_api_register(struct ct_coord *c, struct ct_http_router *r)
{
	const struct ct_http_route routes[] = {
		{ "POST", "/v1/manifest", set_manifest, c, CT_HTTP_BODY_MANIFEST_MAX,
		  "application/json" },
		{ "GET", "/v1/manifests", get_manifests, c, 0, NULL },
		{ "POST", "/v1/recover", recover, c, CT_HTTP_BODY_SMALL_MAX,
		  "application/json" },
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		CT_GUARD(ct_http_router_add(r, &routes[i]));
	return CT_OK;
}
