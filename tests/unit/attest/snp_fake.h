/*
 * snp_fake.h - a throw-away AMD-shaped key hierarchy for tests: ARK and
 * ASK (RSA, RSA-PSS SHA-384), VCEK or VLEK (P-384) with the KDS
 * extensions, and a report signer. Test-only; keys are generated fresh.
 */
#ifndef CT_SNP_FAKE_H
#define CT_SNP_FAKE_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest/snp.h"

struct snp_fake {
	EVP_PKEY *ark_key, *ask_key, *leaf_key;
	X509 *ark, *ask, *leaf;
};

struct snp_fake_leaf {
	const char *product_name; /* "Turin", "Milan-B0" */
	struct ct_snp_tcb tcb;
	bool turin;               /* struct version 1, fmc SPL, 8-byte hwID */
	bool vlek;                /* csp_id instead of hwID */
	const uint8_t *hwid;      /* 64 or 8 bytes */
};

/* Builds ARK -> ASK (names as AMD's for `product`) -> leaf. */
void snp_fake_init(struct snp_fake *f, const char *product,
		   const struct snp_fake_leaf *leaf);
/* A new leaf under the same ASK. */
void snp_fake_new_leaf(struct snp_fake *f, const struct snp_fake_leaf *leaf);
void snp_fake_free(struct snp_fake *f);
/* Signs report[0,0x2A0) with the leaf key into R/S (little-endian). */
void snp_fake_sign(const struct snp_fake *f, uint8_t report[CT_SNP_REPORT_SIZE]);
/* DER of a cert into a malloc'd buffer. */
uint8_t *snp_fake_der(X509 *x, size_t *len);

#endif
