/*
 * attest_api.c - application-level verification on port 1314 (plain
 * HTTP; reference/contrast.md §3.3, RFC 012 of Contrast).
 *
 *   POST /v1/attest {"nonce": b64(32)} ->
 *     {"version": "v1", "attestation_type": "1.3.9901.2.1",
 *      "raw_attestation_doc": b64(evidence DER), "manifests": [b64...],
 *      "policies": [b64...], "root_ca": b64(PEM), "mesh_ca": b64(PEM),
 *      "latest_transition": b64(32)}
 *
 * The evidence's REPORT_DATA = SHA-256(nonce || latest transition ||
 * SHA-256(root CA PEM) || SHA-256(mesh CA PEM)), zero-padded, so a client
 * behind a TLS-terminating proxy can bind the answer to its nonce and to
 * exactly the state shown. Trust boundary: the body is untrusted (1 KiB,
 * strict decoder); the answer is public information plus evidence.
 */
#include "coordinator.h"

#include "http/api.h"

static void count(struct ct_coord *c, const char *labels)
{
	ct_metrics_add(c->metrics, CT_COORD_METRIC_ATTEST, labels, 1);
}

static CT_RESULT fill(struct ct_coord *c, const uint8_t nonce[32], json_t *o)
{
	struct ct_coord_active *a = c->active;
	uint8_t rd[64];
	struct ct_buf ev;
	ct_result res = CT_OK;

	CT_GUARD(ct_http_api_attest_report_data(nonce, a->latest,
						ct_buf_span(&a->root_ca_pem),
						ct_buf_span(&a->mesh_ca_pem), rd));
	ct_buf_init(&ev, 256u * 1024u);
	res = ct_evidence_provider_get(c->provider, rd, &ev);
	if (!ct_ok(res)) {
		count(c, "result=\"failed\",reason=\"evidence\"");
		ct_buf_dispose(&ev);
		return ct_error_prefix("attest: getting own evidence");
	}
	json_t *manifests = json_array(), *policies = json_array();
	CT_TRY_ENSURE(manifests != NULL && policies != NULL, CT_ERR_NOMEM,
		      "attest: out of memory");
	CT_TRY(ct_coord_history_json(c, manifests, policies));
	CT_TRY_ENSURE(json_object_set_new(o, "version", json_string("v1")) == 0 &&
			      json_object_set_new(o, "attestation_type",
						  json_string(CT_ATLS_OID_SNP)) == 0 &&
			      json_object_set(o, "manifests", manifests) == 0 &&
			      json_object_set(o, "policies", policies) == 0,
		      CT_ERR_NOMEM, "attest: out of memory");
	CT_TRY(ct_http_json_set_base64(o, "raw_attestation_doc", ct_buf_span(&ev)));
	CT_TRY(ct_http_json_set_base64(o, "root_ca", ct_buf_span(&a->root_ca_pem)));
	CT_TRY(ct_http_json_set_base64(o, "mesh_ca", ct_buf_span(&a->mesh_ca_pem)));
	CT_TRY(ct_http_json_set_base64(o, "latest_transition",
				       ct_span_make(a->latest, sizeof(a->latest))));
out:
	json_decref(manifests);
	json_decref(policies);
	ct_buf_dispose(&ev);
	return res;
}

static CT_RESULT attest(void *arg, const struct ct_http_request *req,
			struct ct_http_response *resp)
{
	struct ct_coord *c = arg;
	uint8_t nonce[CT_HTTP_API_NONCE_LEN];
	int64_t t0 = ct_coord_now_us();

	ct_result res = ct_http_api_attest_decode(req->body, nonce);
	if (!ct_ok(res)) {
		count(c, "result=\"failed\",reason=\"bad_request\"");
		resp->status = 400;
		return res;
	}
	if (c->phase != CT_COORD_ACTIVE) {
		count(c, "result=\"failed\",reason=\"not_active\"");
		return ct_http_fail(resp, 412, CT_ERR_POLICY, "%s",
				    c->phase == CT_COORD_SEALED
					    ? "coordinator is sealed: run `contrast recover`"
					    : "no manifest configured");
	}
	json_t *o = json_object();
	CT_ENSURE(o != NULL, CT_ERR_NOMEM, "attest: out of memory");
	res = fill(c, nonce, o);
	if (ct_ok(res)) {
		res = ct_http_reply_json(resp, 200, o);
		count(c, "result=\"ok\"");
	}
	json_decref(o);
	ct_coord_observe(c, "api=\"attest\"", ct_coord_now_us() - t0);
	return res;
}

CT_RESULT ct_coord_attest_api_register(struct ct_coord *c, struct ct_http_router *r)
{
	struct ct_http_route route = {
		.method = "POST", .path = "/v1/attest", .handler = attest, .arg = c,
		.max_body = CT_HTTP_BODY_ATTEST_MAX, .content_type = "application/json",
	};
	return ct_http_router_add(r, &route);
}
