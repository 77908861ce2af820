/*
 * sim_vcek.c - simulated chips: chip IDs and VCEKs derived from the
 * simulator's secret, and VCEK certificates with AMD's extensions.
 *
 * AMD derives a chip's VCEK from the chip's fused secret and the TCB the
 * host reports, so one chip has one VCEK per TCB and a TCB change means a
 * new key. We do the same with HMAC: chip_id = HMAC-SHA512(secret,
 * "chip-id" || index) and the VCEK scalar = HMAC-SHA384(secret, "vcek" ||
 * chip_id || TCB) reduced into [1, n-1] of P-384. Deterministic, so a
 * restarted simulator issues the same VCEK key for the same launch.
 *
 * Certificates follow KDS: serial 0, CN=SEV-VCEK, issued by the ASK,
 * RSA-PSS SHA-384, extensions 1.3.6.1.4.1.3704.1.{1,2,3.x,4} with hwID as
 * raw bytes (64, or 8 on Turin). Nothing here parses untrusted input.
 */
#include "sim/sim_internal.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#define VCEK_YEARS 7
#define OID(x) "1.3.6.1.4.1.3704.1." x

struct ct_snp_tcb ct_sim_default_tcb(enum ct_snp_product p)
{
	struct ct_snp_tcb t;
	memset(&t, 0, sizeof(t));
	switch (p) {
	case CT_SNP_PRODUCT_MILAN:
		t.bootloader = 4, t.tee = 0, t.snp = 22, t.microcode = 213;
		break;
	case CT_SNP_PRODUCT_TURIN:
		t.fmc = 1, t.bootloader = 1, t.tee = 1, t.snp = 4, t.microcode = 81;
		break;
	case CT_SNP_PRODUCT_GENOA:
	case CT_SNP_PRODUCT_UNKNOWN:
		t.bootloader = 10, t.tee = 0, t.snp = 23, t.microcode = 84;
		break;
	}
	return t;
}

const char *ct_sim_vcek_product_name(enum ct_snp_product p)
{
	switch (p) {
	case CT_SNP_PRODUCT_MILAN:
		return "Milan-B0"; /* what KDS says even for B1 chips */
	case CT_SNP_PRODUCT_TURIN:
		return "Turin";
	default:
		return "Genoa";
	}
}

static ct_result hmac(const struct ct_sim *sim, const char *digest,
		      struct ct_span msg, uint8_t *out, size_t out_len)
{
	size_t n = 0;
	if (EVP_Q_mac(NULL, "HMAC", NULL, digest, NULL, sim->secret,
		      sizeof(sim->secret), msg.ptr, msg.len, out, out_len,
		      &n) == NULL || n != out_len)
		return CT_FAIL_OSSL(CT_ERR_CRYPTO, "sim: HMAC-%s", digest);
	return CT_OK;
}

ct_result ct_sim_chip_id(const struct ct_sim *sim, uint32_t index,
			 uint8_t out[CT_SNP_CHIP_ID_LEN])
{
	uint8_t msg[32] = "contrast-snp-sim chip-id";
	ct_store_u32le(msg + 28, index);
	CT_GUARD(hmac(sim, "SHA512", ct_span_make(msg, sizeof(msg)), out,
		      CT_SNP_CHIP_ID_LEN));
	if (sim->product == CT_SNP_PRODUCT_TURIN)
		memset(out + CT_SNP_TURIN_HWID_LEN, 0,
		       CT_SNP_CHIP_ID_LEN - CT_SNP_TURIN_HWID_LEN);
	return CT_OK;
}

ct_result ct_sim_vcek_key(const struct ct_sim *sim,
			  const uint8_t chip_id[CT_SNP_CHIP_ID_LEN],
			  const struct ct_snp_tcb *tcb, EVP_PKEY **out)
{
	uint8_t msg[24 + CT_SNP_CHIP_ID_LEN + 8] = "contrast-snp-sim vcek";
	uint8_t seed[48], pub[1 + 2 * 48];
	memcpy(msg + 24, chip_id, CT_SNP_CHIP_ID_LEN);
	ct_store_u64le(msg + 24 + CT_SNP_CHIP_ID_LEN,
		       ct_snp_tcb_encode(tcb, ct_snp_product_tcb_layout(sim->product)));
	BN_CTX *bc = BN_CTX_new();
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp384r1);
	EC_POINT *pt = g != NULL ? EC_POINT_new(g) : NULL;
	BIGNUM *d = BN_secure_new(), *nm1 = BN_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *kctx = NULL;
	ct_result res = CT_OK;
	*out = NULL;
	CT_TRY_ENSURE(bc != NULL && pt != NULL && d != NULL && nm1 != NULL &&
		      bld != NULL, CT_ERR_NOMEM, "sim: out of memory");
	CT_TRY(hmac(sim, "SHA384", ct_span_make(msg, sizeof(msg)), seed,
		    sizeof(seed)));
	/* d = seed mod (n - 1) + 1, in [1, n-1]. */
	CT_TRY_ENSURE(BN_copy(nm1, EC_GROUP_get0_order(g)) != NULL &&
		      BN_sub_word(nm1, 1) == 1 &&
		      BN_bin2bn(seed, sizeof(seed), d) != NULL &&
		      BN_mod(d, d, nm1, bc) == 1 && BN_add_word(d, 1) == 1 &&
		      EC_POINT_mul(g, pt, d, NULL, NULL, bc) == 1 &&
		      EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED,
					 pub, sizeof(pub), bc) == sizeof(pub),
		      CT_ERR_CRYPTO, "sim: deriving the VCEK scalar");
	CT_TRY_ENSURE(OSSL_PARAM_BLD_push_utf8_string(
			      bld, OSSL_PKEY_PARAM_GROUP_NAME, "secp384r1", 0) == 1 &&
		      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) == 1 &&
		      OSSL_PARAM_BLD_push_octet_string(
			      bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub)) == 1 &&
		      (params = OSSL_PARAM_BLD_to_param(bld)) != NULL,
		      CT_ERR_CRYPTO, "sim: VCEK key parameters");
	kctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	CT_TRY_ENSURE(kctx != NULL && EVP_PKEY_fromdata_init(kctx) == 1 &&
		      EVP_PKEY_fromdata(kctx, out, EVP_PKEY_KEYPAIR, params) == 1,
		      CT_ERR_CRYPTO, "sim: building the VCEK key");
out:
	if (!ct_ok(res))
		ERR_clear_error();
	ct_wipe(seed, sizeof(seed));
	EVP_PKEY_CTX_free(kctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	BN_free(nm1);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	BN_CTX_free(bc);
	return res;
}

static ct_result add_int(X509 *x, const char *oid, long v)
{
	ASN1_INTEGER *i = ASN1_INTEGER_new();
	unsigned char *der = NULL;
	int n = -1;
	if (i != NULL && ASN1_INTEGER_set(i, v) == 1)
		n = i2d_ASN1_INTEGER(i, &der);
	ASN1_INTEGER_free(i);
	CT_ENSURE(n > 0, CT_ERR_CRYPTO, "sim: encoding %s", oid);
	ct_result res = ct_sim_add_raw_ext(x, oid, der, (size_t)n);
	OPENSSL_free(der);
	return res;
}

static ct_result add_ia5(X509 *x, const char *oid, const char *s)
{
	ASN1_IA5STRING *a = ASN1_IA5STRING_new();
	unsigned char *der = NULL;
	int n = -1;
	if (a != NULL && ASN1_STRING_set(a, s, -1) == 1)
		n = i2d_ASN1_IA5STRING(a, &der);
	ASN1_IA5STRING_free(a);
	CT_ENSURE(n > 0, CT_ERR_CRYPTO, "sim: encoding %s", oid);
	ct_result res = ct_sim_add_raw_ext(x, oid, der, (size_t)n);
	OPENSSL_free(der);
	return res;
}

static ct_result add_extensions(X509 *x, enum ct_snp_product p,
				const uint8_t *chip_id,
				const struct ct_snp_tcb *t)
{
	bool turin = p == CT_SNP_PRODUCT_TURIN;
	CT_GUARD(add_int(x, OID("1"), turin ? 1 : 0));
	CT_GUARD(add_ia5(x, OID("2"), ct_sim_vcek_product_name(p)));
	CT_GUARD(add_int(x, OID("3.1"), t->bootloader));
	CT_GUARD(add_int(x, OID("3.2"), t->tee));
	CT_GUARD(add_int(x, OID("3.3"), t->snp));
	if (!turin) {
		/* KDS includes the reserved SPLs as zero on Milan/Genoa. */
		CT_GUARD(add_int(x, OID("3.4"), 0));
		CT_GUARD(add_int(x, OID("3.5"), 0));
		CT_GUARD(add_int(x, OID("3.6"), 0));
		CT_GUARD(add_int(x, OID("3.7"), 0));
	}
	CT_GUARD(add_int(x, OID("3.8"), t->microcode));
	if (turin)
		CT_GUARD(add_int(x, OID("3.9"), t->fmc));
	return ct_sim_add_raw_ext(x, OID("4"), chip_id,
				  turin ? CT_SNP_TURIN_HWID_LEN : CT_SNP_CHIP_ID_LEN);
}

ct_result ct_sim_vcek_cert(const struct ct_sim *sim, EVP_PKEY *key,
			   const uint8_t chip_id[CT_SNP_CHIP_ID_LEN],
			   const struct ct_snp_tcb *cert_tcb, X509 **out)
{
	X509 *x = X509_new();
	X509_NAME *s = ct_sim_amd_name("SEV-VCEK");
	ct_result res = CT_OK;
	time_t nb = sim->not_before;
	time_t na = nb + (time_t)VCEK_YEARS * 365 * 24 * 3600;
	if (na > sim->not_after)
		na = sim->not_after;
	CT_TRY_ENSURE(x != NULL && s != NULL, CT_ERR_NOMEM, "sim: out of memory");
	CT_TRY_ENSURE(X509_set_version(x, 2) == 1 &&
		      ASN1_INTEGER_set(X509_get_serialNumber(x), 0) == 1 &&
		      X509_set_subject_name(x, s) == 1 &&
		      X509_set_issuer_name(x, X509_get_subject_name(sim->ask)) == 1 &&
		      ASN1_TIME_set(X509_getm_notBefore(x), nb) != NULL &&
		      ASN1_TIME_set(X509_getm_notAfter(x), na) != NULL &&
		      X509_set_pubkey(x, key) == 1,
		      CT_ERR_CRYPTO, "sim: building the VCEK certificate");
	CT_TRY(add_extensions(x, sim->product, chip_id, cert_tcb));
	CT_TRY(ct_sim_pss_sign(x, sim->ask_key));
	*out = x;
	x = NULL;
out:
	X509_NAME_free(s);
	X509_free(x);
	return res;
}
