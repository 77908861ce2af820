/*
 * api.c - strict decoders for the Coordinator's JSON request bodies.
 *
 * Input is untrusted network data that already passed the route's body
 * limit. Each decoder parses with ct_http_json_parse (one object, no
 * duplicates, bounded depth), refuses unknown members, checks types, counts
 * and decoded sizes against the named limits in api.h, and names the
 * offending field. Secret material (the recovery seed) lives in a secret
 * buffer that is wiped on dispose.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "http/api.h"
#include "http/http.h"

/* Decodes base64 member `key` of exactly `want` bytes into out. */
static CT_RESULT b64_fixed(const json_t *obj, const char *key, size_t want,
			   struct ct_buf *out)
{
	CT_GUARD(ct_http_json_base64(obj, key, out));
	CT_ENSURE(out->len == want, CT_ERR_PROTO, "%s: %zu bytes, want %zu", key,
		  out->len, want);
	return CT_OK;
}

CT_RESULT ct_http_api_attest_decode(struct ct_span body,
				    uint8_t nonce_out[CT_HTTP_API_NONCE_LEN])
{
	static const char *const keys[] = { "nonce", NULL };
	ct_result res = CT_OK;
	json_t *in = NULL;
	struct ct_buf nonce;
	ct_buf_init(&nonce, 64);
	CT_TRY(ct_http_json_parse(body, &in));
	CT_TRY(ct_http_json_only_keys(in, keys));
	CT_TRY(b64_fixed(in, "nonce", CT_HTTP_API_NONCE_LEN, &nonce));
	memcpy(nonce_out, nonce.data, CT_HTTP_API_NONCE_LEN);
out:
	json_decref(in);
	ct_buf_dispose(&nonce);
	return res;
}

/* A base64 string element of an array, into an initialised buffer. */
static CT_RESULT b64_element(const json_t *v, const char *what, size_t i,
			     struct ct_buf *out)
{
	CT_ENSURE(json_is_string(v), CT_ERR_PROTO, "%s[%zu]: must be a string",
		  what, i);
	if (!ct_ok(ct_base64_decode(out, json_string_value(v),
				    json_string_length(v))))
		return ct_error_prefix("%s[%zu]: not valid base64", what, i);
	return CT_OK;
}

void ct_http_api_set_manifest_dispose(struct ct_http_api_set_manifest *m)
{
	ct_buf_dispose(&m->manifest);
	for (size_t i = 0; i < m->n_policies; i++)
		ct_buf_dispose(&m->policies[i]);
	free(m->policies);
	m->policies = NULL;
	m->n_policies = 0;
	ct_buf_dispose(&m->signature);
}

CT_RESULT ct_http_api_set_manifest_decode(struct ct_span body,
					  struct ct_http_api_set_manifest *out)
{
	static const char *const keys[] = { "manifest", "policies", "signatures",
					    NULL };
	ct_result res = CT_OK;
	json_t *in = NULL;

	memset(out, 0, sizeof(*out));
	ct_buf_init(&out->manifest, CT_HTTP_API_MANIFEST_MAX);
	ct_buf_init(&out->signature, CT_HTTP_API_SIGNATURE_MAX);
	CT_TRY(ct_http_json_parse(body, &in));
	CT_TRY(ct_http_json_only_keys(in, keys));
	CT_TRY(ct_http_json_base64(in, "manifest", &out->manifest));
	CT_TRY_ENSURE(out->manifest.len > 0, CT_ERR_PROTO, "manifest: empty");

	const json_t *pol = json_object_get(in, "policies");
	CT_TRY_ENSURE(pol != NULL, CT_ERR_PROTO, "policies: missing");
	CT_TRY_ENSURE(json_is_array(pol), CT_ERR_PROTO, "policies: must be an array");
	size_t n = json_array_size(pol);
	CT_TRY_ENSURE(n <= CT_HTTP_API_POLICIES_MAX, CT_ERR_LIMIT,
		      "policies: %zu entries exceed the limit of %u", n,
		      CT_HTTP_API_POLICIES_MAX);
	if (n > 0) {
		out->policies = ct_calloc(n, sizeof(*out->policies));
		CT_TRY_ENSURE(out->policies != NULL, CT_ERR_NOMEM,
			      "policies: out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		ct_buf_init(&out->policies[i], CT_HTTP_API_POLICY_MAX);
		out->n_policies = i + 1;
		CT_TRY(b64_element(json_array_get(pol, i), "policies", i,
				   &out->policies[i]));
	}

	const json_t *sigs = json_object_get(in, "signatures");
	if (sigs != NULL && !json_is_null(sigs)) {
		CT_TRY_ENSURE(json_is_array(sigs), CT_ERR_PROTO,
			      "signatures: must be an array");
		CT_TRY_ENSURE(json_array_size(sigs) <= 1, CT_ERR_PROTO,
			      "signatures: at most one signature, got %zu",
			      json_array_size(sigs));
		if (json_array_size(sigs) == 1) {
			CT_TRY(b64_element(json_array_get(sigs, 0), "signatures", 0,
					   &out->signature));
			out->has_signature = true;
		}
	}
out:
	json_decref(in);
	if (!ct_ok(res))
		ct_http_api_set_manifest_dispose(out);
	return res;
}

void ct_http_api_recover_dispose(struct ct_http_api_recover *r)
{
	ct_buf_dispose(&r->seed);
	ct_buf_dispose(&r->salt);
}

CT_RESULT ct_http_api_recover_decode(struct ct_span body,
				     struct ct_http_api_recover *out)
{
	static const char *const keys[] = { "seed", "salt", "force", NULL };
	ct_result res = CT_OK;
	json_t *in = NULL;

	memset(out, 0, sizeof(*out));
	ct_buf_init_secret(&out->seed, 2 * CT_HTTP_API_SEED_LEN);
	ct_buf_init(&out->salt, 2 * CT_HTTP_API_SALT_LEN);
	CT_TRY(ct_http_json_parse(body, &in));
	CT_TRY(ct_http_json_only_keys(in, keys));
	CT_TRY(b64_fixed(in, "seed", CT_HTTP_API_SEED_LEN, &out->seed));
	CT_TRY(b64_fixed(in, "salt", CT_HTTP_API_SALT_LEN, &out->salt));
	CT_TRY(ct_http_json_bool(in, "force", false, &out->force));
out:
	/* The seed's base64 text sits in jansson's memory: wipe it too. */
	if (in != NULL) {
		json_t *s = json_object_get(in, "seed");
		if (json_is_string(s))
			ct_wipe((void *)json_string_value(s), json_string_length(s));
	}
	json_decref(in);
	if (!ct_ok(res))
		ct_http_api_recover_dispose(out);
	return res;
}

CT_RESULT ct_http_api_attest_report_data(const uint8_t nonce[CT_HTTP_API_NONCE_LEN],
					 const uint8_t transition[32],
					 struct ct_span root_ca_pem,
					 struct ct_span mesh_ca_pem,
					 uint8_t out[64])
{
	uint8_t root_h[32], mesh_h[32], msg[CT_HTTP_API_NONCE_LEN + 3 * 32];
	CT_ENSURE(EVP_Digest(root_ca_pem.ptr, root_ca_pem.len, root_h, NULL,
			     EVP_sha256(), NULL) == 1 &&
			  EVP_Digest(mesh_ca_pem.ptr, mesh_ca_pem.len, mesh_h, NULL,
				     EVP_sha256(), NULL) == 1,
		  CT_ERR_CRYPTO, "attest: SHA-256 failed");
	memcpy(msg, nonce, CT_HTTP_API_NONCE_LEN);
	memcpy(msg + CT_HTTP_API_NONCE_LEN, transition, 32);
	memcpy(msg + CT_HTTP_API_NONCE_LEN + 32, root_h, 32);
	memcpy(msg + CT_HTTP_API_NONCE_LEN + 64, mesh_h, 32);
	memset(out, 0, 64);
	CT_ENSURE(EVP_Digest(msg, sizeof(msg), out, NULL, EVP_sha256(), NULL) == 1,
		  CT_ERR_CRYPTO, "attest: SHA-256 failed");
	return CT_OK;
}
