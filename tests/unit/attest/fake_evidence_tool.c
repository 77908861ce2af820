/*
 * fake_evidence_tool.c - writes simulator-like test evidence for the CLI
 * test: a Turin v5 report signed by a freshly generated (test-only)
 * ARK -> ASK -> VCEK chain, as DER evidence with a full cert table.
 *
 * usage: attest_fake_evidence OUTDIR
 *   OUTDIR/evidence.der, OUTDIR/noark.der (table without the ARK), OUTDIR/ark.pem, OUTDIR/vmpl1.der (VMPL 1),
 *   OUTDIR/refvals-sim.json (Simulator entry whose SimulatorRootCA is ark.pem),
 *   OUTDIR/crl-revoked.der (ARK-signed CRL revoking the ASK), OUTDIR/crl-empty.pem
 */
#include "ct_test.h"

#include <stdio.h>
#include <string.h>

#include <openssl/pem.h>

#include "attest/evidence.h"
#include "snp_fake.h"

static void write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(2);
	}
}

static void evidence(const struct snp_fake *fk, uint8_t *r, const char *dir,
		     const char *name, size_t ncerts)
{
	snp_fake_sign(fk, r);
	size_t nl, na, nr;
	uint8_t *dl = snp_fake_der(fk->leaf, &nl), *da = snp_fake_der(fk->ask, &na),
		*dr = snp_fake_der(fk->ark, &nr);
	struct ct_snp_cert_blob blobs[] = {
		{ CT_SNP_GUID_VCEK, ct_span_make(dl, nl) },
		{ CT_SNP_GUID_ASK, ct_span_make(da, na) },
		{ CT_SNP_GUID_ARK, ct_span_make(dr, nr) },
	};
	struct ct_buf tab, der;
	ct_buf_init(&tab, CT_SNP_CERT_TABLE_MAX);
	ct_buf_init(&der, CT_SNP_EVIDENCE_MAX);
	if (!ct_ok(ct_snp_cert_table_build(&tab, blobs, ncerts)) ||
	    !ct_ok(ct_snp_evidence_encode(&der, ct_span_make(r, CT_SNP_REPORT_SIZE),
					  ct_buf_span(&tab))))
		exit(2);
	write_file(dir, name, der.data, der.len);
	ct_buf_dispose(&tab);
	ct_buf_dispose(&der);
	OPENSSL_free(dl);
	OPENSSL_free(da);
	OPENSSL_free(dr);
}

static void write_crl(const struct snp_fake *fk, const char *dir, const char *name,
		      bool revoke_ask, bool pem)
{
	X509_CRL *crl = X509_CRL_new();
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(fk->ark));
	ASN1_TIME *t = ASN1_TIME_set(NULL, 1577836800);
	X509_CRL_set1_lastUpdate(crl, t);
	ASN1_TIME_set(t, 2208988800);
	X509_CRL_set1_nextUpdate(crl, t);
	if (revoke_ask) {
		X509_REVOKED *rv = X509_REVOKED_new();
		X509_REVOKED_set_serialNumber(rv, X509_get_serialNumber(fk->ask));
		ASN1_TIME_set(t, 1600000000);
		X509_REVOKED_set_revocationDate(rv, t);
		X509_CRL_add0_revoked(crl, rv);
	}
	X509_CRL_sort(crl);
	if (X509_CRL_sign(crl, fk->ark_key, EVP_sha384()) <= 0)
		exit(2);
	BIO *mem = BIO_new(BIO_s_mem());
	if (pem)
		PEM_write_bio_X509_CRL(mem, crl);
	else
		i2d_X509_CRL_bio(mem, crl);
	char *p = NULL;
	long n = BIO_get_mem_data(mem, &p);
	write_file(dir, name, p, (size_t)n);
	BIO_free(mem);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	static const uint8_t hwid[8] = { 0x59, 0x79, 0x0f, 0xb1, 0xc3, 0x9f, 0x35, 0xc1 };
	struct ct_snp_tcb tcb = { .fmc = 1, .bootloader = 1, .tee = 1, .snp = 4, .microcode = 81 };
	struct snp_fake_leaf leaf = { "Turin", tcb, true, false, hwid };
	struct snp_fake fk;
	snp_fake_init(&fk, "Turin", &leaf);

	uint8_t r[CT_SNP_REPORT_SIZE];
	memset(r, 0, sizeof(r));
	uint64_t raw = ct_snp_tcb_encode(&tcb, CT_SNP_TCB_LAYOUT_TURIN);
	ct_store_u32le(r + CT_SNP_OFF_VERSION, 5);
	ct_store_u64le(r + CT_SNP_OFF_POLICY, 0x30000);
	ct_store_u32le(r + CT_SNP_OFF_SIGNATURE_ALGO, 1);
	ct_store_u64le(r + CT_SNP_OFF_CURRENT_TCB, raw);
	ct_store_u64le(r + CT_SNP_OFF_REPORTED_TCB, raw);
	ct_store_u64le(r + CT_SNP_OFF_COMMITTED_TCB, raw);
	ct_store_u64le(r + CT_SNP_OFF_LAUNCH_TCB, raw);
	ct_store_u64le(r + CT_SNP_OFF_PLATFORM_INFO, 0x25);
	memset(r + CT_SNP_OFF_MEASUREMENT, 0x11, CT_SNP_MEASUREMENT_LEN);
	memset(r + CT_SNP_OFF_HOST_DATA, 0x22, CT_SNP_HOST_DATA_LEN);
	memset(r + CT_SNP_OFF_REPORT_DATA, 0x33, CT_SNP_REPORT_DATA_LEN);
	r[CT_SNP_OFF_CPUID_FAM_ID] = 0x1A;
	r[CT_SNP_OFF_CPUID_MOD_ID] = 0x02;
	r[CT_SNP_OFF_CPUID_STEP] = 1;
	memcpy(r + CT_SNP_OFF_CHIP_ID, hwid, sizeof(hwid));
	evidence(&fk, r, argv[1], "evidence.der", 3);
	evidence(&fk, r, argv[1], "noark.der", 2);
	ct_store_u32le(r + CT_SNP_OFF_VMPL, 1);
	evidence(&fk, r, argv[1], "vmpl1.der", 3);
	ct_store_u32le(r + CT_SNP_OFF_VMPL, 0);
	ct_store_u64le(r + CT_SNP_OFF_POLICY, 0xb0000);
	evidence(&fk, r, argv[1], "debug.der", 3);

	write_crl(&fk, argv[1], "crl-revoked.der", true, false);
	write_crl(&fk, argv[1], "crl-empty.pem", false, true);
	BIO *mem = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(mem, fk.ark);
	char *pem = NULL;
	long n = BIO_get_mem_data(mem, &pem);
	write_file(argv[1], "ark.pem", pem, (size_t)n);
	struct ct_buf js;
	ct_buf_init(&js, 1u << 16);
	if (!ct_ok(ct_buf_append_str(&js, "{\"ProductName\": \"Simulator\", \"TrustedMeasurement\": \"")))
		return 2;
	for (int i = 0; i < 48; i++)
		if (!ct_ok(ct_buf_append_str(&js, "11")))
			return 2;
	if (!ct_ok(ct_buf_append_str(&js, "\", \"MinimumTCB\": {\"BootloaderVersion\": 1, "
				     "\"TEEVersion\": 1, \"SNPVersion\": 4, \"MicrocodeVersion\": 81, "
				     "\"FMCVersion\": 1}, \"SimulatorRootCA\": \"")))
		return 2;
	for (long i = 0; i < n; i++) {
		if (pem[i] == '\n') {
			if (!ct_ok(ct_buf_append_str(&js, "\\n")))
				return 2;
		} else if (!ct_ok(ct_buf_append_byte(&js, (uint8_t)pem[i]))) {
			return 2;
		}
	}
	if (!ct_ok(ct_buf_append_str(&js, "\"}\n")))
		return 2;
	write_file(argv[1], "refvals-sim.json", js.data, js.len);
	ct_buf_dispose(&js);
	BIO_free(mem);
	snp_fake_free(&fk);
	return 0;
}
