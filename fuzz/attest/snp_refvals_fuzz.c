/*
 * snp_refvals_fuzz.c - fuzzes the parser of one `snp` reference-value
 * entry (JSON from a manifest).
 */
#include <stdint.h>

#include "attest/snp_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_snp_refvals rv;
	if (ct_ok(ct_snp_refvals_parse(&rv, ct_span_make(data, size))))
		ct_snp_refvals_dispose(&rv);
	ct_error_clear();
	return 0;
}
