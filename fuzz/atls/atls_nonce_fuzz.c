/*
 * atls_nonce_fuzz.c - the untrusted inputs of an aTLS handshake before the
 * peer is authenticated: the client's ALPN list, the server's nonce CA
 * name, and the peer certificate given to ct_atls_cert_check. The first
 * byte selects the parser; the rest is the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "atls/atls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static CT_RESULT accept_all(void *arg, struct ct_span ev,
			    const uint8_t rd[CT_ATLS_REPORT_DATA_LEN],
			    struct ct_buf *claims)
{
	CT_ENSURE(ev.len >= CT_ATLS_REPORT_DATA_LEN, CT_ERR_PROTO, "short");
	CT_ENSURE(memcmp(ev.ptr, rd, CT_ATLS_REPORT_DATA_LEN) == 0,
		  CT_ERR_POLICY, "mismatch");
	return ct_buf_append(claims, ev.ptr, ev.len > 64 ? 64 : ev.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t nonce[CT_ATLS_NONCE_LEN] = { 0 };
	bool http = false;
	if (size < 1)
		return 0;
	uint8_t mode = data[0] % 3;
	data++;
	size--;
	if (mode == 0) {
		(void)ct_ok(ct_atls_alpn_parse(ct_span_make(data, size), nonce, &http));
	} else if (mode == 1) {
		X509_NAME *name = X509_NAME_new();
		if (name != NULL && size < 4096 &&
		    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_ASC,
					       data, (int)size, -1, 0) == 1)
			(void)ct_ok(ct_atls_ca_name_parse(name, nonce));
		X509_NAME_free(name);
		const unsigned char *p = data;
		X509_NAME *der = d2i_X509_NAME(NULL, &p, (long)size);
		if (der != NULL)
			(void)ct_ok(ct_atls_ca_name_parse(der, nonce));
		X509_NAME_free(der);
	} else {
		const unsigned char *p = data;
		X509 *cert = d2i_X509(NULL, &p, (long)size);
		if (cert != NULL) {
			struct ct_atls_validator v = { "fuzz", CT_ATLS_OID_TEST,
						       accept_all, NULL };
			struct ct_atls_peer *peer = calloc(1, sizeof(*peer));
			if (peer != NULL)
				(void)ct_ok(ct_atls_cert_check(cert, nonce, &v, 1, peer));
			free(peer);
			X509_free(cert);
		}
	}
	ct_error_clear();
	return 0;
}
