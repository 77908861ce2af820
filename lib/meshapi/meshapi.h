/*
 * meshapi.h - the wire format of the Coordinator's mesh API (port 7777,
 * mutual aTLS; DESIGN.md §4.5, docs/workload-attestation.md), shared by
 * the Coordinator (cmd/contrast-coordinator/mesh_api.c) and the
 * initializer (cmd/contrast-initializer/).
 *
 *   POST /v1/mesh/cert     {"csr": b64(PKCS#10 DER)}
 *     -> {"mesh_ca": b64(PEM), "cert_chain": b64(PEM leaf + intermediate),
 *         "root_ca": b64(PEM), "workload_secret": b64(bytes)?}
 *   POST /v1/peer/recover  {}
 *     -> {"seed": b64(64), "salt": b64(32), "mesh_ca_key": b64(PEM),
 *         "latest_manifest": b64(manifest JSON)}
 *
 * Byte fields are standard base64 strings, as in the other Coordinator
 * APIs (lib/http/api.h). The CSR only carries the workload's public key
 * and proves possession of its private key; its subject and attributes
 * are ignored (identity comes from the attested connection and the
 * manifest).
 *
 * Both directions are untrusted: the Coordinator decodes requests from
 * workloads, the initializer decodes answers from a Coordinator it has not
 * verified. Decoders are strict (unknown fields, duplicate keys, wrong
 * types refused; every size bounded by the constants below) and name the
 * field in every error ("cert_chain: 1 certificate, want at least 2").
 *
 * Ownership: decoded structures own their memory (secrets in wiped
 * buffers); dispose them on success and failure alike. EVP_PKEY results
 * through `**out` belong to the caller.
 */
#ifndef CT_MESHAPI_H
#define CT_MESHAPI_H

#include <stdbool.h>

#include <openssl/evp.h>

#include "base/base.h"

#define CT_MESHAPI_PATH_CERT "/v1/mesh/cert"
#define CT_MESHAPI_PATH_RECOVER "/v1/peer/recover"

/* Limits on untrusted input. */
#define CT_MESHAPI_REQUEST_MAX (16u * 1024u)  /* request body */
#define CT_MESHAPI_CSR_MAX (8u * 1024u)       /* CSR DER */
#define CT_MESHAPI_PEM_MAX (64u * 1024u)      /* one PEM field */
#define CT_MESHAPI_CHAIN_CERTS_MAX 8u         /* certificates in cert_chain */
#define CT_MESHAPI_SECRET_MIN 32u             /* workload secret bytes */
#define CT_MESHAPI_SECRET_MAX 64u
#define CT_MESHAPI_SEED_LEN 64u
#define CT_MESHAPI_SALT_LEN 32u
#define CT_MESHAPI_MANIFEST_MAX (8u << 20)
#define CT_MESHAPI_RESPONSE_MAX (12u << 20)   /* any answer body */

/* ------------------------------------------------------------ mesh cert */

/*
 * Request body for `key` (a private EC key, P-256 or P-384): a CSR signed
 * with it, appended to body_out as JSON.
 */
CT_RESULT ct_meshapi_cert_request_encode(EVP_PKEY *key,
					 struct ct_buf *body_out);

/*
 * Decodes an untrusted request body: the CSR must parse (no trailing
 * bytes), carry an EC P-256 or P-384 key and verify under that key. On
 * success *key_out is the public key to certify.
 */
CT_RESULT ct_meshapi_cert_request_decode(struct ct_span body,
					 EVP_PKEY **key_out);

struct ct_meshapi_cert_response {
	struct ct_buf mesh_ca;    /* PEM, one certificate */
	struct ct_buf cert_chain; /* PEM, leaf first, then the intermediate */
	struct ct_buf root_ca;    /* PEM, one certificate */
	struct ct_buf workload_secret; /* secret; empty when absent */
	bool has_workload_secret;
};

/* Initialises the buffers with their limits (secret buffer wiped). */
void ct_meshapi_cert_response_init(struct ct_meshapi_cert_response *r);
void ct_meshapi_cert_response_dispose(struct ct_meshapi_cert_response *r);

/* The answer body as JSON, appended to body_out (a secret buffer). */
CT_RESULT ct_meshapi_cert_response_encode(const struct ct_meshapi_cert_response *r,
					  struct ct_buf *body_out);

/*
 * Decodes an untrusted answer: every PEM field must hold certificates
 * only (mesh_ca and root_ca exactly one, cert_chain 2..CHAIN_CERTS_MAX),
 * the workload secret CT_MESHAPI_SECRET_MIN..MAX bytes when present.
 * `out` must be initialised by the caller; it is filled on success.
 */
CT_RESULT ct_meshapi_cert_response_decode(struct ct_span body,
					  struct ct_meshapi_cert_response *out);

/* -------------------------------------------------------- peer recovery */

struct ct_meshapi_recover_response {
	struct ct_buf seed;        /* secret, CT_MESHAPI_SEED_LEN */
	struct ct_buf salt;        /* CT_MESHAPI_SALT_LEN */
	struct ct_buf mesh_ca_key; /* secret, PEM private key */
	struct ct_buf latest_manifest; /* manifest JSON bytes */
};

void ct_meshapi_recover_response_init(struct ct_meshapi_recover_response *r);
void ct_meshapi_recover_response_dispose(struct ct_meshapi_recover_response *r);
CT_RESULT ct_meshapi_recover_response_encode(
	const struct ct_meshapi_recover_response *r, struct ct_buf *body_out);
/* Strict decode: exact seed/salt sizes, a PEM private key, a manifest. */
CT_RESULT ct_meshapi_recover_response_decode(
	struct ct_span body, struct ct_meshapi_recover_response *out);

/* -------------------------------------------------------------- helpers */

/*
 * Counts the PEM certificates in `pem`: every PEM block must be a
 * CERTIFICATE whose DER parses completely; at least one, at most `max`.
 * (Text outside PEM blocks is skipped, as PEM readers do.) `what` names
 * the field in errors.
 */
CT_RESULT ct_meshapi_pem_count_certs(struct ct_span pem, const char *what,
				     size_t max, size_t *count_out);

#endif /* CT_MESHAPI_H */
