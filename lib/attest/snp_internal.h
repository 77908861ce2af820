/*
 * snp_internal.h - pieces shared by the SNP verification files only.
 */
#ifndef CT_ATTEST_SNP_INTERNAL_H
#define CT_ATTEST_SNP_INTERNAL_H

#include "attest/snp_verify.h"
#include "crypto/crypto.h"

#define CT_SNP_CHAIN_CACHE 16

struct ct_snp_chain_cache {
	bool used;
	uint8_t key[CT_SHA256_LEN];
	time_t not_before, not_after; /* common validity of the chain */
};

struct ct_snp_verifier {
	X509 *ark[3], *ask[3], *asvk[3]; /* Milan, Genoa, Turin */
	X509 *custom_root;
	struct ct_snp_chain_cache cache[CT_SNP_CHAIN_CACHE];
	size_t next;
};

struct ct_snp_chain_in {
	enum ct_snp_product product;
	bool vlek;
	X509 *leaf;
	X509 *ask;              /* NULL = embedded for the product */
	X509 *ark;              /* NULL = none supplied */
	const char *ark_source; /* "supplied" / "cert table" */
	X509_CRL *crl;
	time_t at;
};

struct ct_snp_chain_out {
	bool ok;
	bool cached;
	bool custom_root;
};

/* Checks the chain, adding one finding per failed check. */
CT_RESULT ct_snp_chain_check(struct ct_snp_verifier *v,
			     const struct ct_snp_chain_in *in,
			     struct ct_snp_chain_out *out,
			     struct ct_snp_findings *f);

#endif
