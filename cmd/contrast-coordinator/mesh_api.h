/*
 * mesh_api.h - internals of the mesh API (port 7777, mutual aTLS; issue
 * #7, docs/workload-attestation.md): claim extensions of mesh
 * certificates, refusal reasons for metrics, and the three operations on
 * the active state that need lib/ca and lib/state (mesh_issue.c).
 *
 * The routes themselves are registered by ct_coord_mesh_api_register
 * (coordinator.h).
 */
#ifndef CT_COORD_MESH_API_H
#define CT_COORD_MESH_API_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "attest/snp.h"
#include "base/base.h"
#include "manifest/manifest.h"
#include "meshapi/meshapi.h"

struct ct_coord_active;

/* OIDs of DESIGN.md §4.4. */
#define MESH_OID_SNP_CLAIMS "1.3.9901.2.1"
#define MESH_OID_SECRET_ID "1.3.9901.3.1"

#define MESH_CLAIMS_MAX 48u
#define MESH_CLAIM_DER_MAX 80u  /* largest: 64-byte OCTET STRING + header */
#define MESH_SECRET_ID_MAX CT_MANIFEST_MAX_SECRET_ID_LEN

/* Metrics (Prometheus names; docs/workload-attestation.md). */
#define MESH_METRIC_FAILURES "contrast_meshapi_attestation_failures_total"
#define MESH_METRIC_ISSUED "contrast_meshapi_certificates_issued_total"
#define MESH_METRIC_RECOVERIES "contrast_meshapi_peer_recoveries_total"

struct mesh_claim {
	char oid[32];                   /* "1.3.9901.2.1.<n>" */
	uint8_t der[MESH_CLAIM_DER_MAX]; /* the extension value, DER */
	size_t der_len;
};

struct mesh_claims {
	struct mesh_claim items[MESH_CLAIMS_MAX];
	size_t n;
	uint8_t *secret_id_der; /* OCTET STRING of the id, or NULL */
	size_t secret_id_der_len;
};

/*
 * The claim extensions of a validated SNP report (1184 bytes), plus the
 * workload secret id extension when `secret_id` is non-empty. Dispose
 * with mesh_claims_dispose (also after a failure).
 */
CT_RESULT mesh_claims_build(struct ct_span report, const char *secret_id,
			    struct mesh_claims *out);
void mesh_claims_dispose(struct mesh_claims *c);

/*
 * A short constant label for a refusal message, for
 * contrast_meshapi_attestation_failures_total{reason="..."}:
 * unknown_policy, measurement, debug_policy, tcb, guest_policy,
 * report_data, signature, chain, chip_id, not_attested, not_coordinator,
 * no_manifest, bad_request, other.
 */
const char *mesh_refusal_reason(const char *message);

/*
 * The mesh server's TLS context with refusals answered in HTTP: one aTLS
 * validator that runs the active manifest's validators (validators.c) at
 * handshake time. An accepted peer's claims are the report followed by
 * an opaque token of the active generation that judged it
 * (MESH_CLAIMS_LEN bytes); when none accepts, the handshake still
 * completes but the claims record the refusal ("mesh-refused:" + the
 * reasons; never CT_SNP_REPORT_SIZE bytes long, so
 * ct_atls_snp_peer_host_data fails closed on both forms). The handlers answer
 * such a peer 403 with the reasons and count it by reason, so a refused
 * pod learns which check failed (measurement, debug policy, TCB...)
 * instead of a bare TLS alert; without an active manifest (none set yet,
 * or sealed) the handler answers 412 saying so. Reads c->active at each
 * handshake, so the context need not change with the manifest. Caller
 * frees its reference.
 */
struct ct_coord;
struct ssl_ctx_st;
CT_RESULT ct_coord_mesh_tls_new(struct ct_coord *c, struct ssl_ctx_st **out);

/* Claims of an accepted peer: the report, then the judging generation. */
#define MESH_CLAIMS_LEN (CT_SNP_REPORT_SIZE + sizeof(uintptr_t))
#define MESH_REFUSED_MAGIC "mesh-refused:"
#define MESH_REFUSED_TEXT_MAX 1000u

/* ------------------------------------- operations on the state (mesh_issue.c) */

/*
 * Issues a leaf for `key` from the active mesh CA with the policy's SANs
 * and `claims` as extensions; appends the PEM chain (leaf, then the
 * intermediate) to chain_pem.
 */
CT_RESULT mesh_issue_leaf(struct ct_coord_active *a, EVP_PKEY *key,
			  const struct ct_manifest_policy *policy,
			  const struct mesh_claims *claims,
			  struct ct_buf *chain_pem);

/* The workload secret for `id` (non-empty), appended to a secret buffer. */
CT_RESULT mesh_workload_secret(struct ct_coord_active *a, const char *id,
			       struct ct_buf *out);

/* Seed, salt, mesh CA private key (PEM) and the latest manifest bytes. */
CT_RESULT mesh_recovery_export(struct ct_coord_active *a,
			       struct ct_meshapi_recover_response *out);

#endif /* CT_COORD_MESH_API_H */
