/*
 * snp_cert_table_fuzz.c - fuzzes the extended-report certificate table
 * parser: every entry it accepts must lie inside the input, and a table
 * rebuilt from the entries must parse back to the same entries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attest/snp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_snp_cert_table t;
	if (ct_ok(ct_snp_cert_table_parse(&t, ct_span_make(data, size)))) {
		struct ct_snp_cert_blob blobs[CT_SNP_CERT_TABLE_MAX_ENTRIES];
		for (size_t i = 0; i < t.count; i++) {
			const struct ct_snp_cert_entry *e = &t.entries[i];
			if (e->data.ptr < data || e->data.ptr + e->data.len > data + size)
				abort();
			blobs[i].guid = e->guid;
			blobs[i].data = e->data;
		}
		struct ct_buf b;
		ct_buf_init(&b, CT_SNP_CERT_TABLE_MAX);
		if (ct_ok(ct_snp_cert_table_build(&b, blobs, t.count))) {
			struct ct_snp_cert_table t2;
			if (!ct_ok(ct_snp_cert_table_parse(&t2, ct_buf_span(&b))) ||
			    t2.count != t.count)
				abort();
			for (size_t i = 0; i < t.count; i++)
				if (!ct_span_eq(t2.entries[i].data, t.entries[i].data))
					abort();
		}
		ct_buf_dispose(&b);
	}
	ct_error_clear();
	return 0;
}
