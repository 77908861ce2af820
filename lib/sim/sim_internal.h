/*
 * sim_internal.h - what the files of lib/sim share: the loaded state and
 * the certificate helpers.
 */
#ifndef CT_SIM_INTERNAL_H
#define CT_SIM_INTERNAL_H

#include "sim/sim.h"

struct ct_sim {
	enum ct_snp_product product;
	uint8_t secret[CT_SIM_SECRET_LEN];
	EVP_PKEY *ark_key, *ask_key;
	X509 *ark, *ask;
	time_t not_before, not_after; /* of the ASK: bounds of every VCEK */
};

/* AMD's subject RDNs with the given CN (NULL on failure). */
X509_NAME *ct_sim_amd_name(const char *cn);
/* Signs `x` with `key`: RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48. */
CT_RESULT ct_sim_pss_sign(X509 *x, EVP_PKEY *key);
/* Adds an extension with raw DER contents (not critical). */
CT_RESULT ct_sim_add_raw_ext(X509 *x, const char *oid, const uint8_t *der,
			     size_t len);
/* "Milan-B0", "Genoa", "Turin": the VCEK productName. */
const char *ct_sim_vcek_product_name(enum ct_snp_product p);

#endif /* CT_SIM_INTERNAL_H */
