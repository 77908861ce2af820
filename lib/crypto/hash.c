/*
 * hash.c - one-shot SHA-2 digests through OpenSSL's EVP interface.
 *
 * Trust boundary: none; inputs are bytes already in memory.
 */
#include "crypto/crypto.h"

static ct_result digest(const char *name, uint8_t *out, size_t want,
			struct ct_span in)
{
	size_t len = 0;
	if (EVP_Q_digest(NULL, name, NULL, in.ptr == NULL ? (const void *)"" : in.ptr,
			 in.len, out, &len) != 1)
		return CT_FAIL_OSSL(CT_ERR_CRYPTO, "%s", name);
	CT_ENSURE(len == want, CT_ERR_INTERNAL, "%s: %zu bytes", name, len);
	return CT_OK;
}

ct_result ct_sha256(uint8_t out[CT_SHA256_LEN], struct ct_span in)
{
	return digest("SHA256", out, CT_SHA256_LEN, in);
}

ct_result ct_sha384(uint8_t out[CT_SHA384_LEN], struct ct_span in)
{
	return digest("SHA384", out, CT_SHA384_LEN, in);
}

ct_result ct_sha512(uint8_t out[CT_SHA512_LEN], struct ct_span in)
{
	return digest("SHA512", out, CT_SHA512_LEN, in);
}
