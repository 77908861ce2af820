/*
 * fake_attest.c - test-only evidence: REPORT_DATA || HMAC-SHA256(key,
 * REPORT_DATA). Not a security mechanism; it only lets tests tell a good
 * binding from a wrong one and a known "platform key" from a foreign one.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fake_attest.h"

#define FAKE_EVIDENCE_LEN (CT_ATLS_REPORT_DATA_LEN + 32)

void fake_platform_init(struct fake_platform *p, uint8_t key_byte,
			const char *claims)
{
	memset(p, 0, sizeof(*p));
	memset(p->key, key_byte, sizeof(p->key));
	p->claims = claims;
}

static CT_RESULT fake_get(void *arg, const uint8_t rd[CT_ATLS_REPORT_DATA_LEN],
			  struct ct_buf *out)
{
	struct fake_platform *p = arg;
	uint8_t data[CT_ATLS_REPORT_DATA_LEN];
	uint8_t mac[32];
	unsigned int mac_len = 0;
	memcpy(data, rd, sizeof(data));
	if (p->corrupt_report_data)
		data[0] ^= 1;
	CT_ENSURE(HMAC(EVP_sha256(), p->key, sizeof(p->key), data, sizeof(data),
		       mac, &mac_len) != NULL, CT_ERR_CRYPTO, "fake: hmac");
	CT_GUARD(ct_buf_append(out, data, sizeof(data)));
	return ct_buf_append(out, mac, sizeof(mac));
}

static CT_RESULT fake_validate(void *arg, struct ct_span ev,
			       const uint8_t want[CT_ATLS_REPORT_DATA_LEN],
			       struct ct_buf *claims)
{
	struct fake_platform *p = arg;
	uint8_t mac[32];
	unsigned int mac_len = 0;
	CT_ENSURE(ev.len == FAKE_EVIDENCE_LEN, CT_ERR_PROTO,
		  "fake: evidence is %zu bytes, want %d", ev.len, FAKE_EVIDENCE_LEN);
	CT_ENSURE(HMAC(EVP_sha256(), p->key, sizeof(p->key), ev.ptr,
		       CT_ATLS_REPORT_DATA_LEN, mac, &mac_len) != NULL,
		  CT_ERR_CRYPTO, "fake: hmac");
	CT_ENSURE(CRYPTO_memcmp(mac, ev.ptr + CT_ATLS_REPORT_DATA_LEN, 32) == 0,
		  CT_ERR_POLICY, "fake: signature does not verify with the platform key");
	CT_ENSURE(memcmp(ev.ptr, want, CT_ATLS_REPORT_DATA_LEN) == 0,
		  CT_ERR_POLICY, "fake: REPORT_DATA mismatch");
	if (p->claims != NULL)
		CT_GUARD(ct_buf_append_str(claims, p->claims));
	return CT_OK;
}

struct ct_atls_issuer fake_issuer(struct fake_platform *p)
{
	struct ct_atls_issuer i = { CT_ATLS_OID_TEST, fake_get, p };
	return i;
}

struct ct_atls_validator fake_validator(struct fake_platform *p, const char *name)
{
	struct ct_atls_validator v = { name, CT_ATLS_OID_TEST, fake_validate, p };
	return v;
}
