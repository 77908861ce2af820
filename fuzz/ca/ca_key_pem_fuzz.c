/*
 * ca_key_pem_fuzz.c - fuzzes the import of a mesh CA private key (PEM
 * from a peer Coordinator): any input is a P-384 key or a clean error.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ca/ca.h"
#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	EVP_PKEY *k = NULL;
	if (ct_ok(ct_ca_key_from_pem(ct_span_make(data, size), &k))) {
		if (!ct_pkey_is_ec_group(k, "secp384r1"))
			abort();
		EVP_PKEY_free(k);
	}
	ct_error_clear();
	return 0;
}
