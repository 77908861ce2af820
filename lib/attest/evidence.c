/*
 * evidence.c - DER encoding and decoding of SNP evidence (DESIGN.md §4.4).
 *
 * Trust boundary: decode takes bytes from the network (aTLS certificate
 * extensions) or from files. ASN.1 goes through OpenSSL's template decoder;
 * on top of it we insist on canonical DER by re-encoding and comparing, so
 * one piece of evidence has exactly one encoding, and we bound both fields.
 * The report and table bytes themselves are parsed elsewhere.
 */
#include "attest/evidence.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/err.h>

typedef struct ct_snp_evidence_asn1_st {
	ASN1_OCTET_STRING *report;
	ASN1_OCTET_STRING *cert_table;
} CT_SNP_EVIDENCE_ASN1;

DECLARE_ASN1_FUNCTIONS(CT_SNP_EVIDENCE_ASN1)

ASN1_SEQUENCE(CT_SNP_EVIDENCE_ASN1) = {
	ASN1_SIMPLE(CT_SNP_EVIDENCE_ASN1, report, ASN1_OCTET_STRING),
	ASN1_OPT(CT_SNP_EVIDENCE_ASN1, cert_table, ASN1_OCTET_STRING),
} ASN1_SEQUENCE_END(CT_SNP_EVIDENCE_ASN1)

IMPLEMENT_ASN1_FUNCTIONS(CT_SNP_EVIDENCE_ASN1)

ct_result ct_snp_evidence_encode(struct ct_buf *out, struct ct_span report,
				 struct ct_span cert_table)
{
	ct_result res = CT_OK;
	CT_SNP_EVIDENCE_ASN1 *ev = NULL;
	unsigned char *der = NULL;

	CT_ENSURE(report.len == CT_SNP_REPORT_SIZE, CT_ERR_USAGE,
		  "snp evidence: report is %zu bytes, want %u", report.len,
		  CT_SNP_REPORT_SIZE);
	CT_ENSURE(cert_table.len <= CT_SNP_CERT_TABLE_MAX, CT_ERR_LIMIT,
		  "snp evidence: cert table of %zu bytes exceeds %u",
		  cert_table.len, CT_SNP_CERT_TABLE_MAX);

	ev = CT_SNP_EVIDENCE_ASN1_new();
	CT_TRY_ENSURE(ev != NULL, CT_ERR_NOMEM, "snp evidence: out of memory");
	CT_TRY_ENSURE(ASN1_OCTET_STRING_set(ev->report, report.ptr,
					    (int)report.len) == 1,
		      CT_ERR_NOMEM, "snp evidence: out of memory");
	if (cert_table.len > 0) {
		ev->cert_table = ASN1_OCTET_STRING_new();
		CT_TRY_ENSURE(ev->cert_table != NULL &&
				      ASN1_OCTET_STRING_set(ev->cert_table,
							    cert_table.ptr,
							    (int)cert_table.len) == 1,
			      CT_ERR_NOMEM, "snp evidence: out of memory");
	}
	int n = i2d_CT_SNP_EVIDENCE_ASN1(ev, &der);
	if (n <= 0) {
		res = CT_FAIL_OSSL(CT_ERR_INTERNAL, "snp evidence: DER encoding");
		goto out;
	}
	CT_TRY(ct_buf_append(out, der, (size_t)n));
out:
	OPENSSL_free(der);
	CT_SNP_EVIDENCE_ASN1_free(ev);
	return res;
}

ct_result ct_snp_evidence_decode(struct ct_snp_evidence *out,
				 struct ct_span der)
{
	ct_result res = CT_OK;
	CT_SNP_EVIDENCE_ASN1 *ev = NULL;
	unsigned char *re = NULL;

	memset(out, 0, sizeof(*out));
	ct_buf_init(&out->cert_table, CT_SNP_CERT_TABLE_MAX);
	CT_TRY_ENSURE(der.len > 0 && der.len <= CT_SNP_EVIDENCE_MAX,
		      der.len == 0 ? CT_ERR_PROTO : CT_ERR_LIMIT,
		      "snp evidence: %zu bytes, want 1..%u", der.len,
		      CT_SNP_EVIDENCE_MAX);

	const unsigned char *p = der.ptr;
	ev = d2i_CT_SNP_EVIDENCE_ASN1(NULL, &p, (long)der.len);
	if (ev == NULL) {
		ERR_clear_error();
		res = CT_FAIL(CT_ERR_PROTO,
			      "snp evidence: not a DER SEQUENCE { report OCTET "
			      "STRING, certTable OCTET STRING OPTIONAL }");
		goto out;
	}
	CT_TRY_ENSURE(p == der.ptr + der.len, CT_ERR_PROTO,
		      "snp evidence: %zu trailing bytes after the DER value",
		      (size_t)(der.ptr + der.len - p));
	/* Canonical DER only: re-encoding must give back the same bytes. */
	int n = i2d_CT_SNP_EVIDENCE_ASN1(ev, &re);
	CT_TRY_ENSURE(n > 0 && (size_t)n == der.len &&
			      memcmp(re, der.ptr, der.len) == 0,
		      CT_ERR_PROTO, "snp evidence: not canonical DER");

	int rlen = ASN1_STRING_length(ev->report);
	CT_TRY_ENSURE(rlen == (int)CT_SNP_REPORT_SIZE, CT_ERR_PROTO,
		      "snp evidence: report is %d bytes, want %u", rlen,
		      CT_SNP_REPORT_SIZE);
	memcpy(out->report, ASN1_STRING_get0_data(ev->report),
	       CT_SNP_REPORT_SIZE);
	if (ev->cert_table != NULL) {
		int tlen = ASN1_STRING_length(ev->cert_table);
		CT_TRY_ENSURE(tlen >= 0 && (size_t)tlen <= CT_SNP_CERT_TABLE_MAX,
			      CT_ERR_LIMIT,
			      "snp evidence: cert table of %d bytes exceeds %u",
			      tlen, CT_SNP_CERT_TABLE_MAX);
		out->has_cert_table = true;
		CT_TRY(ct_buf_append(&out->cert_table,
				     ASN1_STRING_get0_data(ev->cert_table),
				     (size_t)tlen));
	}
out:
	OPENSSL_free(re);
	CT_SNP_EVIDENCE_ASN1_free(ev);
	if (!ct_ok(res))
		ct_snp_evidence_dispose(out);
	return res;
}

void ct_snp_evidence_dispose(struct ct_snp_evidence *ev)
{
	ct_buf_dispose(&ev->cert_table);
	ev->has_cert_table = false;
}
