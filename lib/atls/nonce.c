/*
 * nonce.c - how aTLS nonces travel and how they bind the evidence.
 *
 * Client -> server: one ALPN protocol "atls:v1:nonce:<64 lowercase hex>".
 * Server -> client: the CN of the single CA name in the CertificateRequest,
 * base64 of the 32 nonce bytes. Both arrive from the network before the
 * peer is authenticated, so the parsers here are strict, bounded and
 * fuzzed (fuzz/atls/). A nonce is a freshness value, not a secret.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "atls/atls.h"

#define ALPN_NONCE_ENTRY_LEN (sizeof(CT_ATLS_ALPN_PREFIX) - 1 + 2 * CT_ATLS_NONCE_LEN)
#define ALPN_HTTP11 "http/1.1"
/* base64 of 32 bytes is 44 characters. */
#define CA_NAME_CN_MAX 64

CT_RESULT ct_atls_report_data(struct ct_span spki_der,
			      const uint8_t nonce[CT_ATLS_NONCE_LEN],
			      uint8_t out[CT_ATLS_REPORT_DATA_LEN])
{
	ct_result res = CT_OK;
	unsigned int len = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	CT_TRY_ENSURE(md != NULL, CT_ERR_NOMEM, "atls: out of memory");
	CT_TRY_ENSURE(EVP_DigestInit_ex(md, EVP_sha512(), NULL) == 1 &&
		      EVP_DigestUpdate(md, spki_der.ptr, spki_der.len) == 1 &&
		      EVP_DigestUpdate(md, nonce, CT_ATLS_NONCE_LEN) == 1 &&
		      EVP_DigestFinal_ex(md, out, &len) == 1 &&
		      len == CT_ATLS_REPORT_DATA_LEN,
		      CT_ERR_CRYPTO, "atls: SHA-512 of report data failed");
out:
	EVP_MD_CTX_free(md);
	return res;
}

CT_RESULT ct_atls_alpn_build(struct ct_buf *out,
			     const uint8_t nonce[CT_ATLS_NONCE_LEN])
{
	char hex[2 * CT_ATLS_NONCE_LEN + 1];
	ct_hex_format(hex, nonce, CT_ATLS_NONCE_LEN);
	CT_GUARD(ct_buf_append_byte(out, (uint8_t)ALPN_NONCE_ENTRY_LEN));
	CT_GUARD(ct_buf_append_str(out, CT_ATLS_ALPN_PREFIX));
	CT_GUARD(ct_buf_append_str(out, hex));
	CT_GUARD(ct_buf_append_byte(out, (uint8_t)(sizeof(ALPN_HTTP11) - 1)));
	return ct_buf_append_str(out, ALPN_HTTP11);
}

static bool is_lower_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

CT_RESULT ct_atls_alpn_parse(struct ct_span wire,
			     uint8_t nonce_out[CT_ATLS_NONCE_LEN],
			     bool *offers_http11)
{
	const size_t prefix_len = sizeof(CT_ATLS_ALPN_PREFIX) - 1;
	struct ct_reader r;
	bool found = false;
	uint8_t nonce[CT_ATLS_NONCE_LEN];

	*offers_http11 = false;
	ct_reader_init(&r, wire);
	CT_ENSURE(wire.len > 0, CT_ERR_PROTO, "atls: empty ALPN list");
	while (ct_reader_remaining(&r) > 0) {
		uint8_t len;
		struct ct_span proto;
		CT_GUARD(ct_reader_u8(&r, &len));
		CT_ENSURE(len > 0, CT_ERR_PROTO, "atls: empty ALPN protocol name");
		if (!ct_ok(ct_reader_bytes(&r, len, &proto)))
			CT_BAIL(CT_ERR_PROTO,
				"atls: ALPN protocol name of %u bytes overruns the list",
				len);
		if (proto.len == sizeof(ALPN_HTTP11) - 1 &&
		    memcmp(proto.ptr, ALPN_HTTP11, proto.len) == 0) {
			*offers_http11 = true;
			continue;
		}
		if (proto.len < prefix_len ||
		    memcmp(proto.ptr, CT_ATLS_ALPN_PREFIX, prefix_len) != 0)
			continue; /* someone else's protocol: ignore */
		CT_ENSURE(!found, CT_ERR_PROTO,
			  "atls: more than one nonce in the ALPN list");
		CT_ENSURE(proto.len == ALPN_NONCE_ENTRY_LEN &&
				  is_lower_hex(proto.ptr + prefix_len,
					       2 * CT_ATLS_NONCE_LEN),
			  CT_ERR_PROTO,
			  "atls: ALPN nonce must be %u lowercase hex digits",
			  2 * CT_ATLS_NONCE_LEN);
		char hex[2 * CT_ATLS_NONCE_LEN + 1];
		memcpy(hex, proto.ptr + prefix_len, 2 * CT_ATLS_NONCE_LEN);
		hex[2 * CT_ATLS_NONCE_LEN] = '\0';
		CT_GUARD(ct_hex_decode_fixed(nonce, CT_ATLS_NONCE_LEN, hex));
		found = true;
	}
	CT_ENSURE(found, CT_ERR_PROTO,
		  "atls: no \"" CT_ATLS_ALPN_PREFIX "<hex>\" nonce in the ALPN list");
	memcpy(nonce_out, nonce, CT_ATLS_NONCE_LEN);
	return CT_OK;
}

CT_RESULT ct_atls_ca_name_build(const uint8_t nonce[CT_ATLS_NONCE_LEN],
				X509_NAME **out)
{
	ct_result res = CT_OK;
	struct ct_buf b64;
	X509_NAME *name = NULL;

	ct_buf_init(&b64, CA_NAME_CN_MAX);
	CT_TRY(ct_base64_encode(&b64, ct_span_make(nonce, CT_ATLS_NONCE_LEN)));
	name = X509_NAME_new();
	CT_TRY_ENSURE(name != NULL, CT_ERR_NOMEM, "atls: out of memory");
	CT_TRY_ENSURE(X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_ASC,
						 b64.data, (int)b64.len, -1, 0) == 1,
		      CT_ERR_CRYPTO, "atls: cannot build the nonce CA name");
	*out = name;
	name = NULL;
out:
	X509_NAME_free(name);
	ct_buf_dispose(&b64);
	return res;
}

CT_RESULT ct_atls_ca_name_parse(const X509_NAME *name,
				uint8_t nonce_out[CT_ATLS_NONCE_LEN])
{
	ct_result res = CT_OK;
	struct ct_buf raw;

	CT_ENSURE(name != NULL, CT_ERR_PROTO, "atls: no CA name carries a nonce");
	CT_ENSURE(X509_NAME_entry_count(name) == 1, CT_ERR_PROTO,
		  "atls: nonce CA name must have exactly one entry, has %d",
		  X509_NAME_entry_count(name));
	const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, 0);
	CT_ENSURE(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName,
		  CT_ERR_PROTO, "atls: nonce CA name entry is not a CN");
	const ASN1_STRING *s = X509_NAME_ENTRY_get_data(e);
	int len = ASN1_STRING_length(s);
	CT_ENSURE(len > 0 && len <= CA_NAME_CN_MAX, CT_ERR_PROTO,
		  "atls: nonce CN of %d bytes (want 1..%d)", len, CA_NAME_CN_MAX);

	ct_buf_init(&raw, CA_NAME_CN_MAX);
	res = ct_base64_decode(&raw, (const char *)ASN1_STRING_get0_data(s),
			       (size_t)len);
	if (!ct_ok(res)) {
		res = ct_error_prefix("atls: nonce CN is not base64");
		goto out;
	}
	CT_TRY_ENSURE(raw.len == CT_ATLS_NONCE_LEN, CT_ERR_PROTO,
		      "atls: nonce in CA name is %zu bytes, want %u", raw.len,
		      CT_ATLS_NONCE_LEN);
	memcpy(nonce_out, raw.data, CT_ATLS_NONCE_LEN);
out:
	ct_buf_dispose(&raw);
	return res;
}
