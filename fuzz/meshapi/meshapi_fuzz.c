/*
 * meshapi_fuzz.c - the mesh API decoders (meshapi.h). The first byte
 * picks the decoder (CSR request, certificate answer, recovery answer),
 * the rest is the body. Everything decoded is freed on every path.
 */
#include <stdint.h>

#include "meshapi/meshapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct ct_span body = ct_span_make(data + 1, size - 1);
	switch (data[0] % 3) {
	case 0: {
		EVP_PKEY *k = NULL;
		if (ct_ok(ct_meshapi_cert_request_decode(body, &k)))
			EVP_PKEY_free(k);
		break;
	}
	case 1: {
		struct ct_meshapi_cert_response r;
		ct_meshapi_cert_response_init(&r);
		(void)ct_ok(ct_meshapi_cert_response_decode(body, &r));
		ct_meshapi_cert_response_dispose(&r);
		break;
	}
	default: {
		struct ct_meshapi_recover_response r;
		ct_meshapi_recover_response_init(&r);
		(void)ct_ok(ct_meshapi_recover_response_decode(body, &r));
		ct_meshapi_recover_response_dispose(&r);
		break;
	}
	}
	ct_error_clear();
	return 0;
}
