/*
 * snp_validator.c - glue from the aTLS validator interface to the SNP
 * verifier. The evidence is untrusted: ct_snp_evidence_decode bounds and
 * strictly decodes it; ct_snp_verify checks the AMD chain (or the
 * simulator root the verifier trusts), the report signature, that
 * REPORT_DATA equals what aTLS expects for this connection, and the
 * reference values. Only then is the report handed out as claims.
 */
#include <stdlib.h>
#include <string.h>

#include "atls/atls_snp.h"
#include "attest/evidence.h"

static CT_RESULT snp_validate(void *arg, struct ct_span evidence,
			      const uint8_t expected[CT_ATLS_REPORT_DATA_LEN],
			      struct ct_buf *claims)
{
	struct ct_atls_snp_validator_ctx *ctx = arg;
	struct ct_snp_evidence ev;
	ct_result res = CT_OK;

	CT_ENSURE(ctx != NULL && ctx->verifier != NULL && ctx->refvals != NULL,
		  CT_ERR_USAGE, "snp: validator without verifier or reference values");
	CT_GUARD(ct_snp_evidence_decode(&ev, evidence));
	/* The result holds every finding: too big for the stack. */
	struct ct_snp_verify_result *vr = ct_calloc(1, sizeof(*vr));
	CT_TRY_ENSURE(vr != NULL, CT_ERR_NOMEM, "snp: out of memory");
	struct ct_snp_verify_opts opts = {
		.crl = ctx->crl,
		.cert_table = ev.has_cert_table ? ct_buf_span(&ev.cert_table)
						: ct_span_make(NULL, 0),
		.refvals = ctx->refvals,
		.report_data = expected,
	};
	CT_TRY(ct_snp_verify(ctx->verifier, vr, ct_span_make(ev.report,
							     CT_SNP_REPORT_SIZE),
			     &opts));
	CT_TRY(ct_buf_append(claims, ev.report, CT_SNP_REPORT_SIZE));
out:
	free(vr);
	ct_snp_evidence_dispose(&ev);
	return res;
}

struct ct_atls_validator ct_atls_snp_validator(const char *name,
					       struct ct_atls_snp_validator_ctx *ctx)
{
	struct ct_atls_validator v = { name, CT_ATLS_OID_SNP, snp_validate, ctx };
	return v;
}

CT_RESULT ct_atls_snp_peer_host_data(const struct ct_atls_peer *peer,
				     uint8_t out[CT_SNP_HOST_DATA_LEN])
{
	CT_ENSURE(peer != NULL && peer->kind == CT_ATLS_PEER_ATTESTED &&
			  peer->claims_len == CT_SNP_REPORT_SIZE,
		  CT_ERR_POLICY, "atls: peer is not an attested SNP peer");
	memcpy(out, peer->claims + CT_SNP_OFF_HOST_DATA, CT_SNP_HOST_DATA_LEN);
	return CT_OK;
}
