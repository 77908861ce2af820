/*
 * snp_verify_fuzz.c - fuzzes the whole verification pipeline: the input
 * is evidence (DER report + cert table) verified against the embedded AMD
 * roots at a fixed time. Nothing may crash; acceptance of mutated input
 * would mean a forged report, so any success on a modified real report
 * is impossible short of an ECDSA forgery and is not checked here.
 */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>

#include "attest/evidence.h"
#include "attest/snp_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ct_snp_verifier *verifier;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (verifier == NULL && !ct_ok(ct_snp_verifier_new(&verifier)))
		abort();
	struct ct_snp_evidence ev;
	if (ct_ok(ct_snp_evidence_decode(&ev, ct_span_make(data, size)))) {
		struct ct_snp_verify_result *res = malloc(sizeof(*res));
		if (res != NULL) {
			struct ct_snp_verify_opts o = {
				.at = 1780272000,
				.cert_table = ct_buf_span(&ev.cert_table),
			};
			(void)ct_snp_verify(verifier, res,
					    ct_span_make(ev.report, CT_SNP_REPORT_SIZE),
					    &o).err;
			free(res);
		}
		ct_snp_evidence_dispose(&ev);
	}
	ct_error_clear();
	ERR_clear_error();
	return 0;
}
