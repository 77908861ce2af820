/*
 * mesh_api.c - the mesh API on port 7777 (mutual aTLS; the client
 * attests): POST /v1/mesh/cert and POST /v1/peer/recover (issue #7,
 * reference/contrast.md §3.2, docs/workload-attestation.md).
 *
 * Trust boundary: the client's evidence was verified during the handshake
 * against the active manifest's reference values (validators.c, run by
 * deferred_validate); here we only hold the validated report and which
 * manifest generation judged it (ct_atls_conn_peer). Both are checked on
 * every request: the generation must still be the active one (a
 * connection kept open across an update is re-attested, so raised
 * minimum TCBs take effect) and HOSTDATA must be a policy hash of the
 * active manifest. The request body (a
 * CSR) is untrusted and strictly decoded by lib/meshapi. Peer recovery
 * hands out the seed: only to a client whose policy has Role
 * "coordinator". Every refusal is counted by reason and answered with a
 * message that names the failed check; secrets never reach the log.
 */
#include <string.h>

#include "atls/atls_snp.h"
#include "coordinator.h"
#include "mesh_api.h"

const char *mesh_refusal_reason(const char *m)
{
	static const struct {
		const char *needle, *reason;
	} table[] = {
		{ "unknown policy hash", "unknown_policy" },
		{ "measurement mismatch", "measurement" },
		{ "Debug is set", "debug_policy" },
		{ "TCB", "tcb" },
		{ "guest policy", "guest_policy" },
		{ "report data mismatch", "report_data" },
		{ "signature", "signature" },
		{ "chip ID", "chip_id" },
		{ "chain", "chain" },
		{ "not an attested", "not_attested" },
		{ "Role \"coordinator\"", "not_coordinator" },
		{ "no active manifest", "no_manifest" },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strstr(m, table[i].needle) != NULL)
			return table[i].reason;
	return "other";
}

/* ------------------------------------------------ refusals in HTTP, not TLS */

static CT_RESULT deferred_validate(void *arg, struct ct_span evidence,
				   const uint8_t expected[CT_ATLS_REPORT_DATA_LEN],
				   struct ct_buf *claims)
{
	struct ct_coord *c = arg;
	if (c->phase != CT_COORD_ACTIVE || c->active == NULL ||
	    c->active->mesh_validators == NULL) {
		/* Nothing to validate against: the handler answers 412. */
		CT_GUARD(ct_buf_append_str(claims, MESH_REFUSED_MAGIC));
		return ct_buf_append_str(claims, "no active manifest");
	}
	const struct ct_coord_validators *vs = c->active->mesh_validators;
	char reasons[MESH_REFUSED_TEXT_MAX + 1];
	size_t used = 0;
	reasons[0] = '\0';
	for (size_t i = 0; i < vs->n; i++) {
		size_t before = claims->len;
		const struct ct_atls_validator *v = &vs->validators[i];
		if (ct_ok(v->validate(v->arg, evidence, expected, claims))) {
			/* The validated report, then the generation that judged it. */
			CT_ENSURE(claims->len - before == CT_SNP_REPORT_SIZE,
				  CT_ERR_INTERNAL, "mesh: validator returned no report");
			uintptr_t token = (uintptr_t)c->active;
			return ct_buf_append(claims, &token, sizeof(token));
		}
		claims->len = before;
		int n = snprintf(reasons + used, sizeof(reasons) - used, "%s%s: %s",
				 i > 0 ? "; " : "", v->name, ct_error_message());
		if (n > 0)
			used += (size_t)n < sizeof(reasons) - used
					? (size_t)n : sizeof(reasons) - used - 1;
	}
	ct_error_clear();
	/* Accept the handshake, remember the refusal for the handler. */
	CT_GUARD(ct_buf_append_str(claims, MESH_REFUSED_MAGIC));
	return ct_buf_append_str(claims, reasons);
}

CT_RESULT ct_coord_mesh_tls_new(struct ct_coord *c, SSL_CTX **out)
{
	const struct ct_atls_validator v = { "mesh", CT_ATLS_OID_SNP,
					     deferred_validate, c };
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	CT_ENSURE(ctx != NULL, CT_ERR_CRYPTO, "mesh: SSL_CTX_new failed");
	struct ct_atls_config cfg = {
		.issuer = &c->issuer,
		.client_auth = CT_ATLS_CLIENT_AUTH_ATTESTED,
		.validators = &v,
		.n_validators = 1,
	};
	ct_result res = ct_atls_server_ctx_configure(ctx, &cfg);
	if (!ct_ok(res)) {
		SSL_CTX_free(ctx);
		return res;
	}
	*out = ctx;
	return CT_OK;
}

/* Records, counts and answers one refusal. */
static CT_RESULT refuse(struct ct_coord *c, struct ct_http_response *resp,
			int status, const char *reason_override,
			enum ct_err cat, const char *msg)
{
	const char *reason = reason_override != NULL ? reason_override
						     : mesh_refusal_reason(msg);
	char label[64];
	snprintf(label, sizeof(label), "reason=\"%s\"", reason);
	ct_metrics_add(c->metrics, MESH_METRIC_FAILURES, label, 1);
	return ct_http_fail(resp, status, cat, "%s", msg);
}

/*
 * The attested peer's policy entry in the active manifest, or a refusal.
 * `*report` points into the connection's claims (the validated report).
 */
static CT_RESULT peer_policy(struct ct_coord *c, const struct ct_http_request *req,
			     struct ct_http_response *resp,
			     const struct ct_manifest_policy **policy_out,
			     struct ct_span *report)
{
	char msg[MESH_REFUSED_TEXT_MAX + 128];
	if (c->phase != CT_COORD_ACTIVE || c->active == NULL) {
		snprintf(msg, sizeof(msg), "mesh: no active manifest (%s)",
			 c->phase == CT_COORD_SEALED
				 ? "the Coordinator is sealed: run `contrast recover`"
				 : "set a manifest first");
		return refuse(c, resp, 412, "no_manifest", CT_ERR_POLICY, msg);
	}
	const struct ct_atls_peer *peer =
		req->ssl != NULL ? ct_atls_conn_peer(req->ssl) : NULL;
	size_t magic = strlen(MESH_REFUSED_MAGIC);
	if (peer != NULL && peer->kind == CT_ATLS_PEER_ATTESTED &&
	    peer->claims_len > magic && peer->claims_len != MESH_CLAIMS_LEN &&
	    memcmp(peer->claims, MESH_REFUSED_MAGIC, magic) == 0) {
		/* Refused during the handshake (ct_coord_mesh_tls_new). */
		snprintf(msg, sizeof(msg), "mesh: attestation refused: %.*s",
			 (int)(peer->claims_len - magic), peer->claims + magic);
		return refuse(c, resp, 403, NULL, CT_ERR_POLICY, msg);
	}
	if (peer == NULL || peer->kind != CT_ATLS_PEER_ATTESTED ||
	    peer->claims_len != MESH_CLAIMS_LEN)
		return refuse(c, resp, 403, "not_attested", CT_ERR_POLICY,
			      "mesh: the client is not an attested SEV-SNP peer");
	/*
	 * Evidence judged under an earlier manifest (a connection kept open
	 * across an update) may not meet today's reference values.
	 */
	uintptr_t token;
	memcpy(&token, peer->claims + CT_SNP_REPORT_SIZE, sizeof(token));
	if (token != (uintptr_t)c->active)
		return refuse(c, resp, 403, "stale", CT_ERR_POLICY,
			      "mesh: this connection was attested under an earlier "
			      "manifest; reconnect to attest again");
	const uint8_t *hd = peer->claims + CT_SNP_OFF_HOST_DATA;
	const struct ct_manifest_policy *p =
		ct_manifest_find_policy(c->active->manifest, hd);
	if (p == NULL) {
		char hex[2 * CT_SNP_HOST_DATA_LEN + 1];
		ct_hex_format(hex, hd, CT_SNP_HOST_DATA_LEN);
		snprintf(msg, sizeof(msg),
			 "mesh: unknown policy hash %s: HOSTDATA is not a policy "
			 "of the active manifest", hex);
		return refuse(c, resp, 403, "unknown_policy", CT_ERR_POLICY, msg);
	}
	*policy_out = p;
	*report = ct_span_make(peer->claims, CT_SNP_REPORT_SIZE);
	return CT_OK;
}

static CT_RESULT handle_cert(void *arg, const struct ct_http_request *req,
			     struct ct_http_response *resp)
{
	struct ct_coord *c = arg;
	int64_t t0 = ct_coord_now_us();
	ct_result res = CT_OK;
	const struct ct_manifest_policy *pol = NULL;
	struct ct_span report;
	EVP_PKEY *key = NULL;
	struct mesh_claims *claims = NULL;
	struct ct_meshapi_cert_response out;
	ct_meshapi_cert_response_init(&out);

	CT_TRY(peer_policy(c, req, resp, &pol, &report));
	if (!ct_ok(ct_meshapi_cert_request_decode(req->body, &key))) {
		char msg[CT_ERROR_MSG_MAX];
		snprintf(msg, sizeof(msg), "mesh: %s", ct_error_message());
		res = refuse(c, resp, 400, "bad_request", CT_ERR_PROTO, msg);
		goto out;
	}
	claims = ct_calloc(1, sizeof(*claims));
	CT_TRY_ENSURE(claims != NULL, CT_ERR_NOMEM, "mesh: out of memory");
	CT_TRY(mesh_claims_build(report, pol->workload_secret_id, claims));
	CT_TRY(mesh_issue_leaf(c->active, key, pol, claims, &out.cert_chain));
	CT_TRY(ct_buf_append_span(&out.mesh_ca, ct_buf_span(&c->active->mesh_ca_pem)));
	CT_TRY(ct_buf_append_span(&out.root_ca, ct_buf_span(&c->active->root_ca_pem)));
	if (pol->workload_secret_id != NULL && pol->workload_secret_id[0] != '\0') {
		CT_TRY(mesh_workload_secret(c->active, pol->workload_secret_id,
					    &out.workload_secret));
		out.has_workload_secret = true;
	}
	/* The answer holds the workload secret: wipe it when it is freed. */
	ct_buf_reset(&resp->body);
	resp->body.secret = true;
	CT_TRY(ct_meshapi_cert_response_encode(&out, &resp->body));
	resp->status = 200;
	ct_metrics_add(c->metrics, MESH_METRIC_ISSUED, "", 1);
	ct_log_info("mesh: %s: issued a mesh certificate for policy %.16s... "
		    "(%zu SANs%s)", req->peer_addr ? req->peer_addr : "?",
		    pol->hex, pol->n_sans,
		    out.has_workload_secret ? ", workload secret" : "");
out:
	ct_coord_observe(c, "api=\"meshapi\"", ct_coord_now_us() - t0);
	if (claims != NULL)
		mesh_claims_dispose(claims);
	free(claims);
	EVP_PKEY_free(key);
	ct_meshapi_cert_response_dispose(&out);
	return res;
}

static CT_RESULT handle_recover(void *arg, const struct ct_http_request *req,
				struct ct_http_response *resp)
{
	struct ct_coord *c = arg;
	int64_t t0 = ct_coord_now_us();
	ct_result res = CT_OK;
	const struct ct_manifest_policy *pol = NULL;
	struct ct_span report;
	struct ct_meshapi_recover_response out;
	json_t *body = NULL;
	ct_meshapi_recover_response_init(&out);

	CT_TRY(peer_policy(c, req, resp, &pol, &report));
	if (pol->role != CT_MANIFEST_ROLE_COORDINATOR) {
		char msg[256];
		snprintf(msg, sizeof(msg),
			 "mesh: peer recovery needs a policy with Role "
			 "\"coordinator\"; policy %s has none", pol->hex);
		res = refuse(c, resp, 403, "not_coordinator", CT_ERR_POLICY, msg);
		goto out;
	}
	/* The body is empty or {}: nothing to configure yet. */
	if (req->body.len > 0) {
		static const char *const none[] = { NULL };
		if (!ct_ok(ct_http_json_parse(req->body, &body)) ||
		    !ct_ok(ct_http_json_only_keys(body, none))) {
			char msg[CT_ERROR_MSG_MAX];
			snprintf(msg, sizeof(msg), "mesh: %s", ct_error_message());
			res = refuse(c, resp, 400, "bad_request", CT_ERR_PROTO, msg);
			goto out;
		}
	}
	CT_TRY(mesh_recovery_export(c->active, &out));
	ct_buf_reset(&resp->body);
	resp->body.secret = true;
	CT_TRY(ct_meshapi_recover_response_encode(&out, &resp->body));
	resp->status = 200;
	ct_metrics_add(c->metrics, MESH_METRIC_RECOVERIES, "", 1);
	ct_log_info("mesh: %s: handed the state to a peer Coordinator (policy "
		    "%.16s...)", req->peer_addr ? req->peer_addr : "?", pol->hex);
out:
	ct_coord_observe(c, "api=\"peer_recover\"", ct_coord_now_us() - t0);
	json_decref(body);
	ct_meshapi_recover_response_dispose(&out);
	return res;
}

CT_RESULT ct_coord_mesh_api_register(struct ct_coord *c, struct ct_http_router *r)
{
	if (c->metrics != NULL) {
		CT_GUARD(ct_metrics_describe(c->metrics, MESH_METRIC_FAILURES,
					     CT_METRIC_COUNTER,
					     "Mesh API requests refused, by reason."));
		CT_GUARD(ct_metrics_describe(c->metrics, MESH_METRIC_ISSUED,
					     CT_METRIC_COUNTER,
					     "Mesh certificates issued."));
		CT_GUARD(ct_metrics_describe(c->metrics, MESH_METRIC_RECOVERIES,
					     CT_METRIC_COUNTER,
					     "Peer recoveries served."));
	}
	const struct ct_http_route routes[] = {
		{ .method = "POST", .path = CT_MESHAPI_PATH_CERT,
		  .handler = handle_cert, .arg = c,
		  .max_body = CT_MESHAPI_REQUEST_MAX,
		  .content_type = "application/json" },
		{ .method = "POST", .path = CT_MESHAPI_PATH_RECOVER,
		  .handler = handle_recover, .arg = c,
		  .max_body = CT_MESHAPI_REQUEST_MAX,
		  .content_type = "application/json" },
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		CT_GUARD(ct_http_router_add(r, &routes[i]));
	return CT_OK;
}
