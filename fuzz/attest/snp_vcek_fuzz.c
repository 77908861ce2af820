/*
 * snp_vcek_fuzz.c - fuzzes certificate loading and the decoder of the AMD
 * KDS extensions of a VCEK/VLEK (the input is a DER or PEM certificate).
 */
#include <stdint.h>

#include <openssl/err.h>

#include "attest/snp_verify.h"
#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509 *x = NULL;
	if (ct_ok(ct_x509_parse(&x, ct_span_make(data, size)))) {
		struct ct_snp_vcek_info vi;
		(void)ct_snp_vcek_parse(&vi, x).err;
		X509_free(x);
	}
	ct_error_clear();
	ERR_clear_error();
	return 0;
}
