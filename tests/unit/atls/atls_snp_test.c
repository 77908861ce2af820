/*
 * atls_snp_test.c - aTLS with real SEV-SNP evidence: a throw-away AMD-shaped
 * hierarchy (tests/unit/attest/snp_fake.c) signs byte-exact reports with the
 * REPORT_DATA aTLS asks for; the SNP validator verifies chain, signature,
 * binding and reference values. Stands in for the simulator until
 * contrast-snp-sim lands.
 */
#include "ct_test.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "atls/atls_snp.h"
#include "attest/evidence.h"
#include "../attest/snp_fake.h"

static const uint8_t hwid8[8] = { 0x59, 0x79, 0x0f, 0xb1, 0xc3, 0x9f, 0x35, 0xc1 };
static const struct ct_snp_tcb tcb = { .fmc = 1, .bootloader = 1, .tee = 1,
				       .snp = 4, .microcode = 81 };
static struct snp_fake fk;
static uint8_t host_data[32];

/* The "firmware": a Turin v5 report for the given REPORT_DATA. */
static CT_RESULT fake_snp_get(void *arg, const uint8_t rd[CT_ATLS_REPORT_DATA_LEN],
			      struct ct_buf *out)
{
	uint8_t r[CT_SNP_REPORT_SIZE];
	uint64_t raw = ct_snp_tcb_encode(&tcb, CT_SNP_TCB_LAYOUT_TURIN);
	memset(r, 0, sizeof(r));
	ct_store_u32le(r + CT_SNP_OFF_VERSION, 5);
	ct_store_u64le(r + CT_SNP_OFF_POLICY, 0x30000);
	ct_store_u32le(r + CT_SNP_OFF_SIGNATURE_ALGO, 1);
	ct_store_u64le(r + CT_SNP_OFF_CURRENT_TCB, raw);
	ct_store_u64le(r + CT_SNP_OFF_REPORTED_TCB, raw);
	ct_store_u64le(r + CT_SNP_OFF_COMMITTED_TCB, raw);
	ct_store_u64le(r + CT_SNP_OFF_LAUNCH_TCB, raw);
	ct_store_u64le(r + CT_SNP_OFF_PLATFORM_INFO, 0x25);
	memcpy(r + CT_SNP_OFF_REPORT_DATA, rd, CT_ATLS_REPORT_DATA_LEN);
	memset(r + CT_SNP_OFF_MEASUREMENT, 0x11, 48);
	memcpy(r + CT_SNP_OFF_HOST_DATA, host_data, sizeof(host_data));
	memset(r + CT_SNP_OFF_REPORT_ID_MA, 0xff, 32);
	r[CT_SNP_OFF_CPUID_FAM_ID] = 0x1A;
	r[CT_SNP_OFF_CPUID_MOD_ID] = 0x02;
	r[CT_SNP_OFF_CPUID_STEP] = 1;
	memcpy(r + CT_SNP_OFF_CHIP_ID, hwid8, sizeof(hwid8));
	r[CT_SNP_OFF_CURRENT_MAJOR] = 1;
	r[CT_SNP_OFF_CURRENT_MINOR] = 55;
	r[CT_SNP_OFF_CURRENT_BUILD] = 65;
	ct_store_u64le(r + CT_SNP_OFF_LAUNCH_MIT_VECTOR, 0x3);
	ct_store_u64le(r + CT_SNP_OFF_CURRENT_MIT_VECTOR, 0x7);
	snp_fake_sign(&fk, r);

	size_t vl, al, rl;
	uint8_t *v = snp_fake_der(fk.leaf, &vl), *a = snp_fake_der(fk.ask, &al),
		*k = snp_fake_der(fk.ark, &rl);
	struct ct_snp_cert_blob blobs[3] = {
		{ CT_SNP_GUID_VCEK, ct_span_make(v, vl) },
		{ CT_SNP_GUID_ASK, ct_span_make(a, al) },
		{ CT_SNP_GUID_ARK, ct_span_make(k, rl) },
	};
	struct ct_buf table;
	ct_buf_init(&table, CT_SNP_CERT_TABLE_MAX);
	ct_result res = ct_snp_cert_table_build(&table, blobs, 3);
	if (ct_ok(res))
		res = ct_snp_evidence_encode(out, ct_span_make(r, sizeof(r)),
					     ct_buf_span(&table));
	ct_buf_dispose(&table);
	OPENSSL_free(v);
	OPENSSL_free(a);
	OPENSSL_free(k);
	return res;
}

static struct ct_atls_issuer snp_issuer = { CT_ATLS_OID_SNP, fake_snp_get, NULL };

static void refvals_for(struct ct_snp_refvals *rv)
{
	ct_snp_refvals_init(rv);
	rv->simulator = true;
	memset(rv->measurement, 0x11, 48);
	rv->minimum_tcb = tcb;
	rv->platform_info.ecc_enabled = true;
}

/* Handshake over a BIO pair; returns the client's verdict (1 accepted). */
static int handshake(struct ct_atls_snp_validator_ctx *vctx, SSL **client_out,
		     SSL_CTX **cctx_out, SSL_CTX **sctx_out)
{
	struct ct_atls_validator v = ct_atls_snp_validator("snp[0]", vctx);
	struct ct_atls_config scfg = { .issuer = &snp_issuer };
	struct ct_atls_config ccfg = { .validators = &v, .n_validators = 1 };
	SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	assert_ct_ok(ct_atls_server_ctx_configure(sctx, &scfg));
	assert_ct_ok(ct_atls_client_ctx_configure(cctx, &ccfg));
	SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
	BIO *cb, *sb;
	assert_int_equal(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
	SSL_set_bio(c, cb, cb);
	SSL_set_bio(s, sb, sb);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	int cr = 0, sr = 0;
	for (int i = 0; i < 50 && (cr == 0 || sr == 0); i++) {
		if (cr == 0) {
			int r = SSL_do_handshake(c);
			if (r == 1 || SSL_get_error(c, r) != SSL_ERROR_WANT_READ)
				cr = r == 1 ? 1 : -1;
		}
		if (sr == 0) {
			int r = SSL_do_handshake(s);
			if (r == 1 || SSL_get_error(s, r) != SSL_ERROR_WANT_READ)
				sr = r == 1 ? 1 : -1;
		}
	}
	ERR_clear_error();
	SSL_free(s);
	*client_out = c;
	*cctx_out = cctx;
	*sctx_out = sctx;
	return cr;
}

static void finish(SSL *c, SSL_CTX *cctx, SSL_CTX *sctx)
{
	SSL_free(c);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

static int setup(void **state)
{
	struct snp_fake_leaf leaf = { "Turin", tcb, true, false, hwid8 };
	snp_fake_init(&fk, "Turin", &leaf);
	memset(host_data, 0x42, sizeof(host_data));
	return 0;
}

static int teardown(void **state)
{
	snp_fake_free(&fk);
	return 0;
}

static void snp_evidence_accepted_and_report_returned(void **state)
{
	struct ct_snp_refvals rv;
	struct ct_atls_snp_validator_ctx vctx = { NULL, &rv, NULL };
	refvals_for(&rv);
	assert_ct_ok(ct_snp_verifier_new(&vctx.verifier));
	assert_ct_ok(ct_snp_verifier_set_custom_root(vctx.verifier, fk.ark));
	SSL *c;
	SSL_CTX *cctx, *sctx;
	assert_int_equal(handshake(&vctx, &c, &cctx, &sctx), 1);
	const struct ct_atls_peer *p = ct_atls_conn_peer(c);
	assert_non_null(p);
	assert_int_equal(p->kind, CT_ATLS_PEER_ATTESTED);
	assert_int_equal(p->claims_len, CT_SNP_REPORT_SIZE);
	uint8_t hd[CT_SNP_HOST_DATA_LEN];
	assert_ct_ok(ct_atls_snp_peer_host_data(p, hd));
	assert_memory_equal(hd, host_data, 32);
	assert_ct_err(ct_atls_snp_peer_host_data(NULL, hd), CT_ERR_POLICY);
	assert_error_contains("not an attested SNP peer");
	/* The report binds this connection's certificate key. */
	X509 *cert = SSL_get0_peer_certificate(c);
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
	assert_int_equal((size_t)n, p->spki_len);
	assert_memory_equal(der, p->spki, p->spki_len);
	OPENSSL_free(der);
	finish(c, cctx, sctx);
	ct_snp_verifier_free(vctx.verifier);
	ct_snp_refvals_dispose(&rv);
}

static void snp_refusals_name_the_check(void **state)
{
	struct ct_snp_refvals rv;
	struct ct_atls_snp_validator_ctx vctx = { NULL, &rv, NULL };
	SSL *c;
	SSL_CTX *cctx, *sctx;
	refvals_for(&rv);
	assert_ct_ok(ct_snp_verifier_new(&vctx.verifier));

	/* Not trusting the fake root: the chain is refused. */
	assert_int_equal(handshake(&vctx, &c, &cctx, &sctx), -1);
	assert_non_null(strstr(ct_atls_conn_error(c), "snp[0]: "));
	assert_non_null(strstr(ct_atls_conn_error(c), "no simulator root is trusted"));
	finish(c, cctx, sctx);

	/* Trusted root, wrong measurement. */
	assert_ct_ok(ct_snp_verifier_set_custom_root(vctx.verifier, fk.ark));
	memset(rv.measurement, 0x22, 48);
	assert_int_equal(handshake(&vctx, &c, &cctx, &sctx), -1);
	assert_non_null(strstr(ct_atls_conn_error(c), "measurement mismatch"));
	finish(c, cctx, sctx);
	ct_snp_verifier_free(vctx.verifier);
	ct_snp_refvals_dispose(&rv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(snp_evidence_accepted_and_report_returned),
		cmocka_unit_test(snp_refusals_name_the_check),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
