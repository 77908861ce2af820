/*
 * snp_evidence_fuzz.c - fuzzes the DER evidence decoder (and the report
 * and table parsers behind it); accepted evidence must re-encode to the
 * exact input (canonical DER).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attest/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_snp_evidence ev;
	if (ct_ok(ct_snp_evidence_decode(&ev, ct_span_make(data, size)))) {
		struct ct_buf b;
		ct_buf_init(&b, CT_SNP_EVIDENCE_MAX);
		if (!ct_ok(ct_snp_evidence_encode(&b, ct_span_make(ev.report, CT_SNP_REPORT_SIZE),
						  ct_buf_span(&ev.cert_table))))
			abort();
		/* An empty OPTIONAL table re-encodes as absent. */
		if (ev.cert_table.len > 0 &&
		    (b.len != size || memcmp(b.data, data, size) != 0))
			abort();
		ct_buf_dispose(&b);
		struct ct_snp_report *r = malloc(sizeof(*r));
		struct ct_snp_cert_table t;
		if (r != NULL)
			(void)ct_snp_report_parse(r, ct_span_make(ev.report, CT_SNP_REPORT_SIZE)).err;
		(void)ct_snp_cert_table_parse(&t, ct_buf_span(&ev.cert_table)).err;
		free(r);
		ct_snp_evidence_dispose(&ev);
	}
	ct_error_clear();
	return 0;
}
