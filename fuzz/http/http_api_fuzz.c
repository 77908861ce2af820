/*
 * http_api_fuzz.c - the Coordinator's request-body decoders (api.h). The
 * first byte picks the decoder, the rest is the body. Decoded structures
 * are disposed on every path (leaks show under ASan).
 */
#include <stdint.h>
#include <string.h>

#include "http/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct ct_span body = ct_span_make(data + 1, size - 1);
	switch (data[0] % 3) {
	case 0: {
		uint8_t nonce[CT_HTTP_API_NONCE_LEN];
		(void)ct_ok(ct_http_api_attest_decode(body, nonce));
		break;
	}
	case 1: {
		struct ct_http_api_set_manifest m;
		if (ct_ok(ct_http_api_set_manifest_decode(body, &m)))
			ct_http_api_set_manifest_dispose(&m);
		break;
	}
	default: {
		struct ct_http_api_recover r;
		if (ct_ok(ct_http_api_recover_decode(body, &r)))
			ct_http_api_recover_dispose(&r);
		break;
	}
	}
	ct_error_clear();
	return 0;
}
