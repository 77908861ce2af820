/*
 * ecdsa.c - ECDSA verification of raw little-endian (r, s) pairs.
 *
 * Trust boundary: signature bytes are untrusted. They are turned into a
 * DER ECDSA-Sig-Value through OpenSSL (BN_lebin2bn, ECDSA_SIG_set0,
 * i2d_ECDSA_SIG) and checked by OpenSSL; only a return of exactly 1 counts
 * as valid, so malformed values (r >= n, zero) are rejections.
 */
#include "crypto/crypto.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#define CT_ECDSA_MAX_COMPONENT 128u

bool ct_pkey_is_ec_group(EVP_PKEY *pkey, const char *group)
{
	char name[64];
	size_t len = 0;
	if (pkey == NULL || !EVP_PKEY_is_a(pkey, "EC"))
		return false;
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
					   name, sizeof(name), &len) != 1)
		return false;
	return strcmp(name, group) == 0;
}

/* DER of ECDSA-Sig-Value from little-endian components; caller frees. */
static ct_result sig_der(unsigned char **der, int *der_len,
			 const uint8_t *r_le, const uint8_t *s_le, size_t len)
{
	CT_ENSURE(len > 0 && len <= CT_ECDSA_MAX_COMPONENT, CT_ERR_USAGE,
		  "ecdsa: component length %zu", len);
	BIGNUM *r = BN_lebin2bn(r_le, (int)len, NULL);
	BIGNUM *s = BN_lebin2bn(s_le, (int)len, NULL);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	if (r == NULL || s == NULL || sig == NULL) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return CT_FAIL_OSSL(CT_ERR_NOMEM, "ecdsa: allocation");
	}
	ECDSA_SIG_set0(sig, r, s);
	*der = NULL;
	*der_len = i2d_ECDSA_SIG(sig, der);
	ECDSA_SIG_free(sig);
	if (*der_len <= 0)
		return CT_FAIL_OSSL(CT_ERR_CRYPTO, "ecdsa: encoding signature");
	return CT_OK;
}

ct_result ct_ecdsa_verify_le(EVP_PKEY *pkey, const char *digest,
			     struct ct_span msg, const uint8_t *r_le,
			     const uint8_t *s_le, size_t len)
{
	ct_result res = CT_OK;
	unsigned char *der = NULL;
	int der_len = 0;
	EVP_MD_CTX *ctx = NULL;

	CT_TRY(sig_der(&der, &der_len, r_le, s_le, len));
	ctx = EVP_MD_CTX_new();
	CT_TRY_ENSURE(ctx != NULL, CT_ERR_NOMEM, "ecdsa: allocation");
	if (EVP_DigestVerifyInit_ex(ctx, NULL, digest, NULL, NULL, pkey,
				    NULL) != 1) {
		res = CT_FAIL_OSSL(CT_ERR_CRYPTO, "ecdsa: verify init");
		goto out;
	}
	int rc = EVP_DigestVerify(ctx, der, (size_t)der_len, msg.ptr, msg.len);
	ERR_clear_error();
	CT_TRY_ENSURE(rc == 1, CT_ERR_CRYPTO, "ecdsa: signature %s",
		      rc == 0 ? "does not verify" : "is malformed");
out:
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return res;
}

ct_result ct_ecdsa_verify_digest_le(EVP_PKEY_CTX *ctx, struct ct_span digest,
				    const uint8_t *r_le, const uint8_t *s_le,
				    size_t len)
{
	unsigned char *der = NULL;
	int der_len = 0;
	CT_GUARD(sig_der(&der, &der_len, r_le, s_le, len));
	int rc = EVP_PKEY_verify(ctx, der, (size_t)der_len, digest.ptr,
				 digest.len);
	OPENSSL_free(der);
	ERR_clear_error();
	CT_ENSURE(rc == 1, CT_ERR_CRYPTO, "ecdsa: signature %s",
		  rc == 0 ? "does not verify" : "is malformed");
	return CT_OK;
}
