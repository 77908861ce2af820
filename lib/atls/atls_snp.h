/*
 * atls_snp.h - an aTLS validator for SEV-SNP evidence (OID 1.3.9901.2.1):
 * decodes the DESIGN.md §4.4 evidence, verifies chain, signature,
 * REPORT_DATA and one reference-value entry with lib/attest, and returns
 * the raw 1184-byte report as the peer's claims (HOSTDATA at 0xC0).
 *
 * Kept apart from atls.h so the aTLS core stays platform-neutral; link
 * ct_atls_snp_dep to use it.
 */
#ifndef CT_ATLS_SNP_H
#define CT_ATLS_SNP_H

#include "atls/atls.h"
#include "attest/snp_verify.h"

/* Borrowed state of one validator; must outlive the SSL_CTX using it. */
struct ct_atls_snp_validator_ctx {
	struct ct_snp_verifier *verifier; /* not thread-safe: one per thread */
	const struct ct_snp_refvals *refvals; /* one manifest entry */
	X509_CRL *crl;                        /* optional */
};

/* A validator named e.g. "snp[0]" over ctx (name is copied by aTLS). */
struct ct_atls_validator ct_atls_snp_validator(const char *name,
					       struct ct_atls_snp_validator_ctx *ctx);

/*
 * HOSTDATA (the policy hash) of a peer the SNP validator accepted; fails
 * if the peer is not an attested SNP peer.
 */
CT_RESULT ct_atls_snp_peer_host_data(const struct ct_atls_peer *peer,
				     uint8_t out[CT_SNP_HOST_DATA_LEN]);

#endif /* CT_ATLS_SNP_H */
