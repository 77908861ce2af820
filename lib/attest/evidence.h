/*
 * evidence.h - SNP evidence: the report and its certificate table in one
 * DER blob (DESIGN.md §4.4):
 *
 *   SnpEvidence ::= SEQUENCE {
 *       report     OCTET STRING,             -- exactly 1184 bytes
 *       certTable  OCTET STRING OPTIONAL }   -- extended-report GUID table
 *
 * It is what configfs-tsm returns as outblob + auxblob, and what aTLS
 * carries in certificate extension 1.3.9901.2.1.
 */
#ifndef CT_ATTEST_EVIDENCE_H
#define CT_ATTEST_EVIDENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "attest/snp.h"
#include "base/base.h"

/* Upper bound of an encoded evidence blob (report + table + DER headers). */
#define CT_SNP_EVIDENCE_MAX (CT_SNP_REPORT_SIZE + CT_SNP_CERT_TABLE_MAX + 64u)

/* A decoded evidence blob; owns its copies. */
struct ct_snp_evidence {
	uint8_t report[CT_SNP_REPORT_SIZE];
	bool has_cert_table;
	struct ct_buf cert_table; /* empty when absent */
};

/*
 * Appends the DER encoding to `out`. `report` must be CT_SNP_REPORT_SIZE
 * bytes; a cert_table of length 0 is omitted (the field is OPTIONAL).
 */
CT_RESULT ct_snp_evidence_encode(struct ct_buf *out, struct ct_span report,
				 struct ct_span cert_table);

/*
 * Decodes untrusted DER. Strict: the input must be exactly the canonical
 * DER encoding (no trailing bytes, no BER), the report exactly 1184 bytes,
 * the table at most CT_SNP_CERT_TABLE_MAX bytes (its content is parsed
 * separately by ct_snp_cert_table_parse). On success the caller must call
 * ct_snp_evidence_dispose.
 */
CT_RESULT ct_snp_evidence_decode(struct ct_snp_evidence *out,
				 struct ct_span der);
void ct_snp_evidence_dispose(struct ct_snp_evidence *ev);

#endif /* CT_ATTEST_EVIDENCE_H */
