/*
 * snp_report_fuzz.c - fuzzes the SEV-SNP report parser and its renderers.
 * Any input must parse or fail cleanly; a parsed report must render.
 */
#include <stdint.h>
#include <stdlib.h>

#include "attest/snp.h"
#include "attest/snp_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_snp_report *r = malloc(sizeof(*r));
	if (r == NULL)
		return 0;
	if (ct_ok(ct_snp_report_parse(r, ct_span_make(data, size)))) {
		struct ct_buf out;
		ct_buf_init(&out, 1u << 20);
		if (!ct_ok(ct_snp_report_format_text(&out, r)) ||
		    !ct_ok(ct_snp_report_format_json(&out, r)))
			abort();
		ct_buf_dispose(&out);
		/* Re-parse of the copy must give the same fields. */
		struct ct_snp_report *again = malloc(sizeof(*again));
		if (again != NULL) {
			if (!ct_ok(ct_snp_report_parse(again, ct_span_make(r->raw, CT_SNP_REPORT_SIZE))) ||
			    again->policy != r->policy ||
			    again->reserved_nonzero != r->reserved_nonzero)
				abort();
			free(again);
		}
	}
	ct_error_clear();
	free(r);
	return 0;
}
