/*
 * api.h - request bodies of the Coordinator's JSON APIs (DESIGN.md §4.5),
 * decoded strictly from untrusted bytes. Field names follow Contrast's HTTP
 * API: byte fields are standard base64 strings (Go's []byte encoding).
 *
 *   POST /v1/attest    {"nonce": b64(32 bytes)}
 *   POST /v1/manifest  {"manifest": b64, "policies": [b64, ...],
 *                       "signatures": [b64]?}        (at most one signature)
 *   POST /v1/recover   {"seed": b64(64), "salt": b64(32), "force": bool?}
 *
 * Unknown fields, duplicate keys, wrong types and sizes are refused with
 * the field named ("policies[3]: not valid base64"). Decoded structures
 * own their memory; dispose them on success and failure alike.
 */
#ifndef CT_HTTP_API_H
#define CT_HTTP_API_H

#include "base/base.h"

#define CT_HTTP_API_NONCE_LEN 32u
#define CT_HTTP_API_SEED_LEN 64u
#define CT_HTTP_API_SALT_LEN 32u
#define CT_HTTP_API_MANIFEST_MAX (8u << 20)
#define CT_HTTP_API_POLICY_MAX (2u << 20)
#define CT_HTTP_API_POLICIES_MAX 1024u
#define CT_HTTP_API_SIGNATURE_MAX 1024u

CT_RESULT ct_http_api_attest_decode(struct ct_span body,
				    uint8_t nonce_out[CT_HTTP_API_NONCE_LEN]);

struct ct_http_api_set_manifest {
	struct ct_buf manifest;
	struct ct_buf *policies; /* n_policies buffers */
	size_t n_policies;
	struct ct_buf signature; /* empty when absent */
	bool has_signature;
};

CT_RESULT ct_http_api_set_manifest_decode(struct ct_span body,
					  struct ct_http_api_set_manifest *out);
void ct_http_api_set_manifest_dispose(struct ct_http_api_set_manifest *m);

struct ct_http_api_recover {
	struct ct_buf seed; /* secret: wiped on dispose */
	struct ct_buf salt;
	bool force;
};

CT_RESULT ct_http_api_recover_decode(struct ct_span body,
				     struct ct_http_api_recover *out);
void ct_http_api_recover_dispose(struct ct_http_api_recover *r);

/*
 * REPORT_DATA of the attest API (DESIGN.md §4.5): SHA-256(nonce ||
 * latest transition hash || SHA-256(root CA PEM) || SHA-256(mesh CA PEM)),
 * zero-padded to 64 bytes. A client behind a TLS-terminating proxy
 * recomputes it to bind the evidence to the state it was shown.
 */
CT_RESULT ct_http_api_attest_report_data(const uint8_t nonce[CT_HTTP_API_NONCE_LEN],
					 const uint8_t transition[32],
					 struct ct_span root_ca_pem,
					 struct ct_span mesh_ca_pem,
					 uint8_t out[64]);

#endif /* CT_HTTP_API_H */
