/*
 * verify_test.c - SEV-SNP verification: every real vector verifies, and
 * every adversarial case is refused with a message naming the check.
 */
#include "snp_test_util.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "attest/evidence.h"
#include "attest/snp_internal.h"
#include "attest/snp_verify.h"
#include "crypto/crypto.h"
#include "snp_fake.h"

#define AT_2026 ((time_t)1780272000) /* 2026-06-01T00:00:00Z */

static struct ct_snp_verifier *verifier;
static struct ct_snp_verify_result res;

static int setup(void **state)
{
	return ct_ok(ct_snp_verifier_new(&verifier)) ? 0 : -1;
}

static int teardown(void **state)
{
	ct_snp_verifier_free(verifier);
	return 0;
}

static X509 *load_cert(const char *rel)
{
	char *p = snp_test_path(rel);
	X509 *x = NULL;
	assert_ct_ok(ct_x509_load_file(&x, p));
	free(p);
	return x;
}

static bool has_finding(const char *needle)
{
	for (size_t i = 0; i < res.findings.count; i++)
		if (strstr(res.findings.line[i], needle) != NULL)
			return true;
	return false;
}

#define assert_finding(needle)                                              \
	do {                                                                \
		if (!has_finding(needle)) {                                 \
			for (size_t i_ = 0; i_ < res.findings.count; i_++)  \
				print_message("finding: %s\n",              \
					      res.findings.line[i_]);       \
			fail_msg("no finding containing \"%s\"", needle);   \
		}                                                           \
	} while (0)

/* Verifies vector `id` with its vcek file; returns the result. */
static ct_result verify_vector(const char *id, const char *vcek_file,
			       struct ct_snp_verify_opts *o, struct ct_buf *rep)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "snp/reports/%s/report.bin", id);
	snp_test_load(rep, rel);
	snprintf(rel, sizeof(rel), "snp/reports/%s/%s", id, vcek_file);
	X509 *vcek = load_cert(rel);
	if (o->at == 0)
		o->at = AT_2026;
	o->vcek = vcek;
	ct_result r = ct_snp_verify(verifier, &res, ct_buf_span(rep), o);
	o->vcek = NULL;
	X509_free(vcek);
	return r;
}

static void real_vectors_verify(void **state)
{
	static const char *const ok[][2] = {
		{ "milan-v2-virtee", "vcek.der" },
		{ "milan-v3-ms", "vcek.der" },
		{ "milan-v3-ms", "vcek-reissued.pem" },
		{ "milan-v3-azure-a", "vcek.pem" },
		{ "genoa-v3-ms", "vcek.der" },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct ct_snp_verify_opts o = { 0 };
		struct ct_buf rep;
		ct_result r = verify_vector(ok[i][0], ok[i][1], &o, &rep);
		if (!ct_ok(r))
			fail_msg("%s: %s", ok[i][0], ct_error_message());
		assert_false(res.custom_root);
		ct_buf_dispose(&rep);
	}
	/* The v2 Milan report learns its product from the VCEK. */
	struct ct_snp_verify_opts o = { 0 };
	struct ct_buf rep;
	assert_ct_ok(verify_vector("milan-v2-virtee", "vcek.der", &o, &rep));
	assert_int_equal(res.product, CT_SNP_PRODUCT_MILAN);
	assert_string_equal(res.vcek.product_name, "Milan-B0");
	assert_int_equal(res.vcek.tcb.snp, 8);
	assert_int_equal(res.vcek.tcb.microcode, 115);
	ct_buf_dispose(&rep);
	/* Second verification of the same chain comes from the cache. */
	assert_ct_ok(verify_vector("milan-v3-ms", "vcek.der", &o, &rep));
	assert_true(res.chain_cached);
	ct_buf_dispose(&rep);
}

static void debug_policy_refused(void **state)
{
	struct ct_snp_verify_opts o = { 0 };
	struct ct_buf rep;
	assert_ct_err(verify_vector("milan-v2-gsg", "vcek.der", &o, &rep),
		      CT_ERR_POLICY);
	assert_error_contains("guest policy: Debug is set");
	assert_int_equal(res.findings.count, 1);
	ct_buf_dispose(&rep);
}

static void flipped_bits_refused(void **state)
{
	struct ct_buf rep;
	snp_test_load(&rep, "snp/reports/milan-v2-virtee/report.bin");
	X509 *vcek = load_cert("snp/reports/milan-v2-virtee/vcek.der");
	struct ct_snp_verify_opts o = { .at = AT_2026, .vcek = vcek };
	/* virtee's invalid report: byte 21 XOR 0x80 (in FAMILY_ID). */
	rep.data[21] ^= 0x80;
	assert_ct_err(ct_snp_verify(verifier, &res, ct_buf_span(&rep), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: signature invalid");
	rep.data[21] ^= 0x80;
	/* Measurement byte. */
	rep.data[CT_SNP_OFF_MEASUREMENT + 5] ^= 1;
	assert_ct_err(ct_snp_verify(verifier, &res, ct_buf_span(&rep), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: signature invalid");
	rep.data[CT_SNP_OFF_MEASUREMENT + 5] ^= 1;
	/* Signature R and S. */
	rep.data[CT_SNP_OFF_SIG_R] ^= 1;
	assert_ct_err(ct_snp_verify(verifier, &res, ct_buf_span(&rep), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: signature invalid");
	rep.data[CT_SNP_OFF_SIG_R] ^= 1;
	rep.data[CT_SNP_OFF_SIG_S + 47] ^= 0x40;
	assert_ct_err(ct_snp_verify(verifier, &res, ct_buf_span(&rep), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: signature invalid");
	rep.data[CT_SNP_OFF_SIG_S + 47] ^= 0x40;
	/* R and S stored big-endian (the classic bug) must fail. */
	uint8_t tmp[72];
	for (size_t i = 0; i < 48; i++)
		tmp[i] = rep.data[CT_SNP_OFF_SIG_R + 47 - i];
	memcpy(rep.data + CT_SNP_OFF_SIG_R, tmp, 48);
	assert_ct_err(ct_snp_verify(verifier, &res, ct_buf_span(&rep), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: signature invalid");
	X509_free(vcek);
	ct_buf_dispose(&rep);
}

static void wrong_vcek_refused(void **state)
{
	struct ct_buf rep;
	snp_test_load(&rep, "snp/reports/milan-v3-ms/report.bin");
	/* Another chip's VCEK at the same TCB (4/0/24/219). */
	X509 *other = load_cert("snp/reports/milan-v3-azure-a/vcek.der");
	struct ct_snp_verify_opts o = { .at = AT_2026, .vcek = other };
	assert_ct_err(ct_snp_verify(verifier, &res, ct_buf_span(&rep), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: signature invalid");
	assert_finding("snp: chip ID mismatch: got 4ffb5cb4");
	assert_false(has_finding("reported TCB"));
	X509_free(other);
	/* A VCEK for another TCB. */
	other = load_cert("snp/reports/milan-v2-virtee/vcek.der");
	o.vcek = other;
	assert_ct_err(ct_snp_verify(verifier, &res, ct_buf_span(&rep), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: reported TCB does not match the certificate: got "
		       "bl=4 tee=0 snp=24 ucode=219, want bl=3 tee=0 snp=8 "
		       "ucode=115");
	X509_free(other);
	/* Genoa VCEK for a Milan report: product mismatch, wrong chain. */
	other = load_cert("snp/reports/genoa-v3-ms/vcek.der");
	o.vcek = other;
	assert_ct_err(ct_snp_verify(verifier, &res, ct_buf_span(&rep), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: product mismatch: certificate is for Genoa");
	X509_free(other);
	ct_buf_dispose(&rep);
}

static void other_product_roots_refused(void **state)
{
	struct ct_buf rep;
	snp_test_load(&rep, "snp/reports/milan-v3-ms/report.bin");
	X509 *vcek = load_cert("snp/reports/milan-v3-ms/vcek.der");
	X509 *ask = load_cert("snp/amd-roots/genoa/ask.der");
	X509 *ark = load_cert("snp/amd-roots/genoa/ark.der");
	struct ct_snp_verify_opts o = { .at = AT_2026, .vcek = vcek, .ask = ask };
	assert_ct_err(ct_snp_verify(verifier, &res, ct_buf_span(&rep), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: chain: intermediate is CN=SEV-Genoa, want CN=SEV-Milan");
	assert_finding("snp: chain: ASK signature invalid");
	/* Genoa ARK given for a Milan report. */
	o.ask = NULL;
	o.ark = ark;
	assert_ct_err(ct_snp_verify(verifier, &res, ct_buf_span(&rep), &o),
		      CT_ERR_CRYPTO);
	assert_finding("ARK (CN=ARK-Genoa) is not the trusted Milan root");
	/* Forcing the Genoa product for a Milan report. */
	o.ark = NULL;
	o.product = CT_SNP_PRODUCT_GENOA;
	assert_ct_err(ct_snp_verify(verifier, &res, ct_buf_span(&rep), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: product mismatch: report CPUID is Milan, want Genoa");
	/* The right ARK, given explicitly, is fine. */
	X509_free(ark);
	ark = load_cert("snp/amd-roots/milan/ark.pem");
	o.product = CT_SNP_PRODUCT_UNKNOWN;
	o.ark = ark;
	assert_ct_ok(ct_snp_verify(verifier, &res, ct_buf_span(&rep), &o));
	X509_free(ark);
	X509_free(ask);
	X509_free(vcek);
	ct_buf_dispose(&rep);
}

static void expired_chain_refused(void **state)
{
	struct ct_snp_verify_opts o = { .at = 2524608000 /* 2050 */ };
	struct ct_buf rep;
	assert_ct_err(verify_vector("milan-v3-ms", "vcek.der", &o, &rep),
		      CT_ERR_CRYPTO);
	assert_finding("snp: chain: VCEK (SEV-VCEK) not valid at 2050-01-01T00:00:00Z");
	ct_buf_dispose(&rep);
	/* Before the re-issued VCEK's notBefore (2025-12-29). */
	o.at = 1735689600; /* 2025-01-01 */
	assert_ct_err(verify_vector("milan-v3-ms", "vcek-reissued.der", &o, &rep),
		      CT_ERR_CRYPTO);
	assert_finding("not valid at 2025-01-01T00:00:00Z");
	ct_buf_dispose(&rep);
}

static void report_size_refused(void **state)
{
	struct ct_buf rep;
	snp_test_load(&rep, "snp/reports/milan-v3-ms/report.bin");
	X509 *vcek = load_cert("snp/reports/milan-v3-ms/vcek.der");
	struct ct_snp_verify_opts o = { .at = AT_2026, .vcek = vcek };
	assert_ct_err(ct_snp_verify(verifier, &res, ct_span_make(rep.data, 1000), &o),
		      CT_ERR_PROTO);
	assert_error_contains("report size: got 1000 bytes, want 1184");
	assert_ct_ok(ct_buf_append_byte(&rep, 0));
	assert_ct_err(ct_snp_verify(verifier, &res, ct_buf_span(&rep), &o),
		      CT_ERR_PROTO);
	assert_error_contains("got 1185 bytes");
	X509_free(vcek);
	ct_buf_dispose(&rep);
}

static const char *milan_v3_refvals =
	"{\"ProductName\": \"Milan\","
	" \"TrustedMeasurement\": \"5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887920ab2fa0096903a0c23fca1\","
	" \"MinimumTCB\": {\"BootloaderVersion\": 4, \"TEEVersion\": 0, \"SNPVersion\": 24, \"MicrocodeVersion\": 219},"
	" \"GuestPolicy\": {\"ABIMinor\": 0, \"ABIMajor\": 0, \"SMT\": true, \"MigrateMA\": false, \"Debug\": false,"
	"   \"SingleSocket\": false, \"CXLAllowed\": false, \"MemAES256XTS\": false, \"RAPLDis\": false,"
	"   \"CipherTextHidingDRAM\": false, \"PageSwapDisable\": false},"
	" \"PlatformInfo\": {\"SMTEnabled\": true, \"TSMEEnabled\": false, \"ECCEnabled\": true, \"AliasCheckComplete\": true},"
	" \"AllowedChipIDs\": [\"4ffb5cb4fd594f3fee6528fc3fb10370bb38abe89dcd5ba2cf0ab6a11df2ca282add516bef45a890a8c9f9732bdca68f9f3f16c42e846030a800295dbeb19ba5\"]}";

static void reference_values_checked(void **state)
{
	struct ct_snp_refvals rv;
	assert_ct_ok(ct_snp_refvals_parse(&rv, ct_span_str(milan_v3_refvals)));
	struct ct_snp_verify_opts o = { .refvals = &rv };
	struct ct_buf rep;
	uint8_t hd[32];
	assert_ct_ok(ct_hex_decode_fixed(hd, 32, "4f4448c67f3c8dfc8de8a5e37125d807dadcc41f06cf23f615dbd52eec777d10"));
	uint8_t rd[64] = { 0 };
	o.host_data = hd;
	o.report_data = rd;
	assert_ct_ok(verify_vector("milan-v3-ms", "vcek.der", &o, &rep));
	ct_buf_dispose(&rep);

	/* Each TCB component above the report: all four TCBs are named. */
	static const char *const comps[] = { "BootloaderVersion", "TEEVersion",
					     "SNPVersion", "MicrocodeVersion" };
	for (size_t i = 0; i < 4; i++) {
		struct ct_snp_refvals bumped = rv;
		uint8_t *f[] = { &bumped.minimum_tcb.bootloader, &bumped.minimum_tcb.tee,
				 &bumped.minimum_tcb.snp, &bumped.minimum_tcb.microcode };
		(*f[i])++;
		o.refvals = &bumped;
		assert_ct_err(verify_vector("milan-v3-ms", "vcek.der", &o, &rep),
			      CT_ERR_POLICY);
		char want[128];
		static const char *const which[] = { "current", "committed", "reported", "launch" };
		for (size_t k = 0; k < 4; k++) {
			snprintf(want, sizeof(want), "snp: %s TCB %s=", which[k], comps[i]);
			assert_finding(want);
		}
		assert_finding("below minimum");
		assert_int_equal(res.findings.count, 4);
		ct_buf_dispose(&rep);
	}
	o.refvals = &rv;

	/* Wrong measurement, host data and report data: all three reported. */
	uint8_t bad_hd[32] = { 1 };
	uint8_t bad_rd[64] = { 2 };
	rv.measurement[0] ^= 0xff;
	o.host_data = bad_hd;
	o.report_data = bad_rd;
	assert_ct_err(verify_vector("milan-v3-ms", "vcek.der", &o, &rep), CT_ERR_POLICY);
	assert_finding("snp: measurement mismatch: got 5feee30d");
	assert_finding(", want a0ee");
	assert_finding("snp: host data mismatch: got 4f4448c6");
	assert_finding("snp: report data mismatch: got 0000");
	assert_int_equal(res.findings.count, 3);
	assert_error_contains("(and 2 more)");
	ct_buf_dispose(&rep);
	rv.measurement[0] ^= 0xff;
	o.host_data = NULL;
	o.report_data = NULL;

	/* Chip not allowed. */
	rv.chip_ids[0][0] ^= 1;
	assert_ct_err(verify_vector("milan-v3-ms", "vcek.der", &o, &rep), CT_ERR_POLICY);
	assert_finding("not in AllowedChipIDs");
	ct_buf_dispose(&rep);
	rv.chip_ids[0][0] ^= 1;

	/* Required policy and platform bits. */
	rv.guest_policy.single_socket = true;
	rv.guest_policy.abi_minor = 32;
	rv.platform_info.rapl_disabled = true;
	rv.platform_info.smt_enabled = false;
	assert_ct_err(verify_vector("milan-v3-ms", "vcek.der", &o, &rep), CT_ERR_POLICY);
	assert_finding("snp: guest policy: SingleSocket is not set");
	assert_finding("snp: guest policy: ABI 0.31 below minimum 0.32");
	assert_finding("snp: platform info: RAPLDisabled is not set");
	assert_finding("snp: platform info: SMTEnabled is set");
	ct_buf_dispose(&rep);

	/* Real reference values with a custom root trusted: refused. */
	ct_snp_refvals_dispose(&rv);
}

static void any_of_several_entries(void **state)
{
	struct ct_snp_refvals rv[2];
	assert_ct_ok(ct_snp_refvals_parse(&rv[0], ct_span_str(milan_v3_refvals)));
	assert_ct_ok(ct_snp_refvals_parse(&rv[1], ct_span_str(milan_v3_refvals)));
	rv[0].measurement[0] ^= 1;
	struct ct_buf rep;
	snp_test_load(&rep, "snp/reports/milan-v3-ms/report.bin");
	X509 *vcek = load_cert("snp/reports/milan-v3-ms/vcek.der");
	struct ct_snp_verify_opts o = { .at = AT_2026, .vcek = vcek };
	size_t m = 99;
	assert_ct_ok(ct_snp_verify_any(verifier, &res, ct_buf_span(&rep), &o, rv, 2, &m));
	assert_int_equal(m, 1);
	rv[1].minimum_tcb.snp = 30;
	assert_ct_err(ct_snp_verify_any(verifier, &res, ct_buf_span(&rep), &o, rv, 2, &m),
		      CT_ERR_POLICY);
	assert_finding("snp[0]: snp: measurement mismatch");
	assert_finding("snp[1]: snp: current TCB SNPVersion=24 below minimum 30");
	assert_int_equal(res.findings.count, 5);
	X509_free(vcek);
	ct_buf_dispose(&rep);
	ct_snp_refvals_dispose(&rv[0]);
	ct_snp_refvals_dispose(&rv[1]);
}

static void refvals_parse_errors(void **state)
{
	struct ct_snp_refvals rv;
	assert_ct_err(ct_snp_refvals_parse(&rv, ct_span_str(
		"{\"ProductName\":\"Milan\",\"TrustedMeasurement\":\"" "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
		"\"}")), CT_ERR_USAGE);
	assert_error_contains("TrustedMeasurement: want 96 hex digits");
	const char *m96 = "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
	char buf[1024];
	snprintf(buf, sizeof(buf), "{\"ProductName\":\"Milan\",\"TrustedMeasurement\":\"%s\","
		 "\"MinimumTCB\":{\"BootloaderVersion\":1,\"TEEVersion\":0,\"MicrocodeVersion\":1}}", m96);
	assert_ct_err(ct_snp_refvals_parse(&rv, ct_span_str(buf)), CT_ERR_USAGE);
	assert_error_contains("MinimumTCB: SNPVersion: missing");
	snprintf(buf, sizeof(buf), "{\"ProductName\":\"Mars\",\"TrustedMeasurement\":\"%s\"}", m96);
	assert_ct_err(ct_snp_refvals_parse(&rv, ct_span_str(buf)), CT_ERR_USAGE);
	assert_error_contains("ProductName");
	snprintf(buf, sizeof(buf), "{\"ProductName\":\"Milan\",\"TrustedMeasurement\":\"%s\","
		 "\"MinimumTCB\":{\"BootloaderVersion\":1,\"TEEVersion\":0,\"SNPVersion\":1,\"MicrocodeVersion\":1},"
		 "\"GuestPolicy\":{\"Debugg\":true}}", m96);
	assert_ct_err(ct_snp_refvals_parse(&rv, ct_span_str(buf)), CT_ERR_USAGE);
	assert_error_contains("GuestPolicy: Debugg: unknown field");
	snprintf(buf, sizeof(buf), "{\"ProductName\":\"Milan\",\"TrustedMeasurement\":\"%s\","
		 "\"MinimumTCB\":{\"BootloaderVersion\":256,\"TEEVersion\":0,\"SNPVersion\":1,\"MicrocodeVersion\":1}}", m96);
	assert_ct_err(ct_snp_refvals_parse(&rv, ct_span_str(buf)), CT_ERR_USAGE);
	assert_error_contains("BootloaderVersion: 256 out of range");
	snprintf(buf, sizeof(buf), "{\"ProductName\":\"Milan\",\"TrustedMeasurement\":\"%s\","
		 "\"MinimumTCB\":{\"BootloaderVersion\":1,\"TEEVersion\":0,\"SNPVersion\":1,\"MicrocodeVersion\":1},"
		 "\"SimulatorRootCA\":\"x\"}", m96);
	assert_ct_err(ct_snp_refvals_parse(&rv, ct_span_str(buf)), CT_ERR_USAGE);
	assert_error_contains("SimulatorRootCA: only allowed with ProductName");
	assert_ct_err(ct_snp_refvals_parse(&rv, ct_span_str("{")), CT_ERR_USAGE);
	assert_error_contains("invalid JSON");
}

/* ---------------------------------------------------- synthetic chains */

static const uint8_t hwid8[8] = { 0x59, 0x79, 0x0f, 0xb1, 0xc3, 0x9f, 0x35, 0xc1 };

/* A report as the firmware would write it, for the fake chain. */
static void fake_report(uint8_t *r, uint32_t version, uint8_t fam, uint8_t model,
			uint64_t tcb, const uint8_t *chip, size_t chip_len,
			uint32_t signer)
{
	memset(r, 0, CT_SNP_REPORT_SIZE);
	ct_store_u32le(r + CT_SNP_OFF_VERSION, version);
	ct_store_u64le(r + CT_SNP_OFF_POLICY, 0x30000);
	ct_store_u32le(r + CT_SNP_OFF_SIGNATURE_ALGO, 1);
	ct_store_u64le(r + CT_SNP_OFF_CURRENT_TCB, tcb);
	ct_store_u64le(r + CT_SNP_OFF_REPORTED_TCB, tcb);
	ct_store_u64le(r + CT_SNP_OFF_COMMITTED_TCB, tcb);
	ct_store_u64le(r + CT_SNP_OFF_LAUNCH_TCB, tcb);
	ct_store_u64le(r + CT_SNP_OFF_PLATFORM_INFO, 0x65);
	ct_store_u32le(r + CT_SNP_OFF_SIGNER_INFO, signer);
	memset(r + CT_SNP_OFF_MEASUREMENT, 0x11, 48);
	memset(r + CT_SNP_OFF_REPORT_ID_MA, 0xff, 32);
	r[CT_SNP_OFF_CPUID_FAM_ID] = fam;
	r[CT_SNP_OFF_CPUID_MOD_ID] = model;
	r[CT_SNP_OFF_CPUID_STEP] = 1;
	if (chip != NULL)
		memcpy(r + CT_SNP_OFF_CHIP_ID, chip, chip_len);
	r[CT_SNP_OFF_CURRENT_MAJOR] = 1;
	r[CT_SNP_OFF_CURRENT_MINOR] = 55;
	r[CT_SNP_OFF_CURRENT_BUILD] = 65;
	if (version >= 5) {
		ct_store_u64le(r + CT_SNP_OFF_LAUNCH_MIT_VECTOR, 0x3);
		ct_store_u64le(r + CT_SNP_OFF_CURRENT_MIT_VECTOR, 0x7);
	}
}

static void turin_v5_with_custom_root(void **state)
{
	struct ct_snp_tcb tcb = { .fmc = 1, .bootloader = 1, .tee = 1, .snp = 4, .microcode = 81 };
	struct snp_fake_leaf leaf = { "Turin", tcb, true, false, hwid8 };
	struct snp_fake fk;
	snp_fake_init(&fk, "Turin", &leaf);
	uint8_t r[CT_SNP_REPORT_SIZE];
	uint64_t raw = ct_snp_tcb_encode(&tcb, CT_SNP_TCB_LAYOUT_TURIN);
	assert_true(raw == 0x5100000004010101ull);
	fake_report(r, 5, 0x1A, 0x02, raw, hwid8, 8, 0);
	snp_fake_sign(&fk, r);

	struct ct_snp_report rep;
	assert_ct_ok(ct_snp_report_parse(&rep, ct_span_make(r, sizeof(r))));
	assert_int_equal(rep.product, CT_SNP_PRODUCT_TURIN);
	assert_int_equal(rep.tcb_layout, CT_SNP_TCB_LAYOUT_TURIN);
	assert_true(rep.launch_mit_vector == 3);
	assert_true(rep.current_mit_vector == 7);
	struct ct_buf url;
	ct_buf_init(&url, 512);
	assert_ct_ok(ct_snp_kds_vcek_url(&url, &rep));
	assert_string_equal(ct_buf_cstr(&url), "https://kdsintf.amd.com/vcek/v1/Turin/"
			    "59790fb1c39f35c1?fmcSPL=1&blSPL=1&teeSPL=1&snpSPL=4&ucodeSPL=81");
	ct_buf_dispose(&url);
	struct ct_buf txt;
	ct_buf_init(&txt, 1u << 16);
	assert_ct_ok(ct_snp_report_format_text(&txt, &rep));
	assert_non_null(strstr(ct_buf_cstr(&txt), "(fmc=1 bl=1 tee=1 snp=4 ucode=81)"));
	assert_non_null(strstr(ct_buf_cstr(&txt), "launch_mit_vector    0x3"));
	assert_non_null(strstr(ct_buf_cstr(&txt), "warning              non-zero unknown PLATFORM_INFO bits"));
	ct_buf_dispose(&txt);
	/* Bit 6 of PLATFORM_INFO is unknown: shown, not fatal. */
	assert_true(rep.reserved_nonzero & CT_SNP_RSV_PLATFORM_BITS);

	/* Without trusting the fake root: refused (self-made ARK). */
	struct ct_snp_verify_opts o = { .at = AT_2026, .vcek = fk.leaf, .ask = fk.ask };
	assert_ct_err(ct_snp_verify(verifier, &res, ct_span_make(r, sizeof(r)), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: chain: ASK signature invalid");
	o.ark = fk.ark;
	assert_ct_err(ct_snp_verify(verifier, &res, ct_span_make(r, sizeof(r)), &o),
		      CT_ERR_CRYPTO);
	assert_finding("ARK (CN=ARK-Turin) is not the trusted Turin root");

	/* Trusting it (the simulator case): verifies. */
	struct ct_snp_verifier *sim;
	assert_ct_ok(ct_snp_verifier_new(&sim));
	assert_ct_ok(ct_snp_verifier_set_custom_root(sim, fk.ark));
	assert_ct_ok(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &o));
	assert_true(res.custom_root);
	assert_true(res.vcek.has_fmc);
	assert_int_equal(res.vcek.hwid_len, 8);

	/* FMC below minimum: the fifth component. */
	struct ct_snp_refvals rv;
	ct_snp_refvals_init(&rv);
	rv.simulator = true;
	memset(rv.measurement, 0x11, 48);
	rv.minimum_tcb = tcb;
	rv.minimum_tcb.fmc = 2;
	rv.platform_info.ecc_enabled = true;
	rv.minimum_mitigation_vector = 0x4;
	o.refvals = &rv;
	assert_ct_err(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &o),
		      CT_ERR_POLICY);
	assert_finding("snp: reported TCB FMCVersion=1 below minimum 2");
	assert_finding("snp: launch mitigation vector 0x3 lacks required 0x4");
	assert_false(has_finding("current mitigation"));
	assert_false(has_finding("ECCEnabled"));
	/* The same simulated reference values on the AMD verifier. */
	rv.minimum_tcb.fmc = 1;
	rv.minimum_mitigation_vector = 0;
	assert_ct_ok(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &o));
	assert_ct_err(ct_snp_verify(verifier, &res, ct_span_make(r, sizeof(r)), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: reference values are for the Simulator, but no simulator root");
	/* Real reference values on the simulator verifier. */
	rv.simulator = false;
	rv.product = CT_SNP_PRODUCT_TURIN;
	assert_ct_err(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &o),
		      CT_ERR_POLICY);
	assert_finding("reference values for Turin require AMD's root");
	o.refvals = NULL;

	/* Chip ID with extra bytes after the 8-byte Turin hwID. */
	r[CT_SNP_OFF_CHIP_ID + 9] = 1;
	snp_fake_sign(&fk, r);
	assert_ct_err(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: chip ID mismatch");
	r[CT_SNP_OFF_CHIP_ID + 9] = 0;

	/* VMPL 1 where 0 is required. */
	ct_store_u32le(r + CT_SNP_OFF_VMPL, 1);
	snp_fake_sign(&fk, r);
	assert_ct_err(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &o),
		      CT_ERR_POLICY);
	assert_finding("snp: VMPL mismatch: got 1, want 0");
	assert_int_equal(res.findings.count, 1);

	/* A VCEK whose TCB does not match (sim fault vcek-tcb-mismatch). */
	ct_store_u32le(r + CT_SNP_OFF_VMPL, 0);
	struct snp_fake_leaf l2 = leaf;
	l2.tcb.snp = 5;
	snp_fake_new_leaf(&fk, &l2);
	snp_fake_sign(&fk, r);
	o.vcek = fk.leaf;
	assert_ct_err(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: reported TCB does not match the certificate: got "
		       "fmc=1 bl=1 tee=1 snp=4 ucode=81, want fmc=1 bl=1 tee=1 snp=5 ucode=81");

	/* Evidence with a cert table (VCEK, ASK, ARK) verifies on its own. */
	snp_fake_new_leaf(&fk, &leaf);
	snp_fake_sign(&fk, r);
	size_t nl, na, nr;
	uint8_t *dl = snp_fake_der(fk.leaf, &nl), *da = snp_fake_der(fk.ask, &na),
		*dr = snp_fake_der(fk.ark, &nr);
	struct ct_snp_cert_blob blobs[] = {
		{ CT_SNP_GUID_VCEK, ct_span_make(dl, nl) },
		{ CT_SNP_GUID_ASK, ct_span_make(da, na) },
		{ CT_SNP_GUID_ARK, ct_span_make(dr, nr) },
	};
	struct ct_buf tab, der;
	ct_buf_init(&tab, CT_SNP_CERT_TABLE_MAX);
	ct_buf_init(&der, CT_SNP_EVIDENCE_MAX);
	assert_ct_ok(ct_snp_cert_table_build(&tab, blobs, 3));
	assert_ct_ok(ct_snp_evidence_encode(&der, ct_span_make(r, sizeof(r)), ct_buf_span(&tab)));
	struct ct_snp_evidence ev;
	assert_ct_ok(ct_snp_evidence_decode(&ev, ct_buf_span(&der)));
	struct ct_snp_verify_opts eo = { .at = AT_2026, .cert_table = ct_buf_span(&ev.cert_table) };
	assert_ct_ok(ct_snp_verify(sim, &res, ct_span_make(ev.report, CT_SNP_REPORT_SIZE), &eo));
	/* The same evidence against AMD's roots: the self-made ARK is named. */
	assert_ct_err(ct_snp_verify(verifier, &res, ct_span_make(ev.report, CT_SNP_REPORT_SIZE), &eo),
		      CT_ERR_CRYPTO);
	assert_finding("snp: chain: cert table ARK (CN=ARK-Turin) is not the trusted Turin root");
	/* A malformed table: an entry beyond the end. */
	ct_store_u32le(ev.cert_table.data + 20, 0xFFFF);
	eo.cert_table = ct_buf_span(&ev.cert_table);
	assert_ct_err(ct_snp_verify(sim, &res, ct_span_make(ev.report, CT_SNP_REPORT_SIZE), &eo),
		      CT_ERR_CRYPTO);
	assert_finding("snp: cert table: entry 0");
	assert_finding("snp: endorsement: no VCEK certificate");

	/* CRL: signed by the root, revoking the ASK. */
	X509_CRL *crl = X509_CRL_new();
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(fk.ark));
	ASN1_TIME *t = ASN1_TIME_set(NULL, 1577836800);
	X509_CRL_set1_lastUpdate(crl, t);
	ASN1_TIME_set(t, 2208988800);
	X509_CRL_set1_nextUpdate(crl, t);
	X509_REVOKED *rv2 = X509_REVOKED_new();
	X509_REVOKED_set_serialNumber(rv2, X509_get_serialNumber(fk.ask));
	ASN1_TIME_set(t, 1600000000);
	X509_REVOKED_set_revocationDate(rv2, t);
	X509_CRL_add0_revoked(crl, rv2);
	X509_CRL_sort(crl);
	assert_true(X509_CRL_sign(crl, fk.ark_key, EVP_sha384()) > 0);
	ASN1_TIME_free(t);
	struct ct_snp_verify_opts co = { .at = AT_2026, .vcek = fk.leaf, .ask = fk.ask, .crl = crl };
	assert_ct_err(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &co),
		      CT_ERR_CRYPTO);
	assert_finding("snp: crl: SEV-Turin is revoked");
	/* Signed by another key. */
	assert_true(X509_CRL_sign(crl, fk.ask_key, EVP_sha384()) > 0);
	assert_ct_err(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &co),
		      CT_ERR_CRYPTO);
	assert_finding("snp: crl: signature invalid");
	/* Stale (nextUpdate 2021) and not yet issued (thisUpdate 2030). */
	t = ASN1_TIME_set(NULL, 1609459200);
	X509_CRL_set1_nextUpdate(crl, t);
	assert_true(X509_CRL_sign(crl, fk.ark_key, EVP_sha384()) > 0);
	assert_ct_err(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &co),
		      CT_ERR_CRYPTO);
	assert_finding("snp: crl: expired: nextUpdate 2021-01-01T00:00:00Z, "
		       "want at or after 2026-06-01T00:00:00Z");
	ASN1_TIME_set(t, 1893456000);
	X509_CRL_set1_lastUpdate(crl, t);
	ASN1_TIME_set(t, 2208988800);
	X509_CRL_set1_nextUpdate(crl, t);
	assert_true(X509_CRL_sign(crl, fk.ark_key, EVP_sha384()) > 0);
	assert_ct_err(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &co),
		      CT_ERR_CRYPTO);
	assert_finding("snp: crl: not yet valid: thisUpdate 2030-01-01T00:00:00Z, "
		       "want at or before 2026-06-01T00:00:00Z");
	ASN1_TIME_free(t);
	X509_CRL_free(crl);

	OPENSSL_free(dl);
	OPENSSL_free(da);
	OPENSSL_free(dr);
	ct_snp_evidence_dispose(&ev);
	ct_buf_dispose(&tab);
	ct_buf_dispose(&der);
	ct_snp_refvals_dispose(&rv);
	ct_snp_verifier_free(sim);
	snp_fake_free(&fk);
}

static void vlek_signed_report(void **state)
{
	struct ct_snp_tcb tcb = { .bootloader = 4, .snp = 24, .microcode = 219 };
	struct snp_fake_leaf leaf = { "Milan", tcb, false, true, NULL };
	struct snp_fake fk;
	snp_fake_init(&fk, "Milan", &leaf);
	uint8_t r[CT_SNP_REPORT_SIZE];
	fake_report(r, 3, 0x19, 0x01, ct_snp_tcb_encode(&tcb, CT_SNP_TCB_LAYOUT_LEGACY),
		    NULL, 0, 1u << CT_SNP_SIGNER_KEY_SHIFT);
	ct_store_u64le(r + CT_SNP_OFF_PLATFORM_INFO, 0x25);
	snp_fake_sign(&fk, r);
	struct ct_snp_verifier *sim;
	assert_ct_ok(ct_snp_verifier_new(&sim));
	assert_ct_ok(ct_snp_verifier_set_custom_root(sim, fk.ark));
	struct ct_snp_verify_opts o = { .at = AT_2026, .vcek = fk.leaf, .ask = fk.ask };
	assert_ct_ok(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &o));
	assert_true(res.vcek.is_vlek);
	assert_string_equal(res.vcek.csp_id, "CN=test-csp");
	/* The report claims VCEK but a VLEK signed it. */
	ct_store_u32le(r + CT_SNP_OFF_SIGNER_INFO, 0);
	snp_fake_sign(&fk, r);
	assert_ct_err(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &o),
		      CT_ERR_CRYPTO);
	assert_finding("snp: signing key mismatch: report says VCEK, certificate is a VLEK");
	/* MASK_CHIP_KEY and a reserved signing key. */
	ct_store_u32le(r + CT_SNP_OFF_SIGNER_INFO, 2u | (3u << 2));
	snp_fake_sign(&fk, r);
	assert_ct_err(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &o),
		      CT_ERR_POLICY);
	assert_finding("MASK_CHIP_KEY is set");
	assert_finding("signing key 3, want 0 (VCEK) or 1 (VLEK)");
	/* Policy bit 17 clear, MigrateMA set. */
	ct_store_u32le(r + CT_SNP_OFF_SIGNER_INFO, 1u << 2);
	ct_store_u64le(r + CT_SNP_OFF_POLICY, 0x40000);
	snp_fake_sign(&fk, r);
	assert_ct_err(ct_snp_verify(sim, &res, ct_span_make(r, sizeof(r)), &o),
		      CT_ERR_POLICY);
	assert_finding("reserved bit 17 is 0");
	assert_finding("MigrateMA is set");
	ct_snp_verifier_free(sim);
	snp_fake_free(&fk);
}

static void embedded_roots_pinned(void **state)
{
	static const struct {
		enum ct_snp_product p;
		const char *sha;
	} pins[] = {
		{ CT_SNP_PRODUCT_MILAN, "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd" },
		{ CT_SNP_PRODUCT_GENOA, "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1" },
		{ CT_SNP_PRODUCT_TURIN, "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a" },
	};
	for (size_t i = 0; i < 3; i++) {
		X509 *ark = ct_snp_verifier_amd_ark(verifier, pins[i].p);
		assert_non_null(ark);
		struct ct_buf der;
		ct_buf_init(&der, CT_X509_MAX_BYTES);
		assert_ct_ok(ct_x509_to_der(&der, ark));
		uint8_t d[32];
		char hex[65];
		assert_ct_ok(ct_sha256(d, ct_buf_span(&der)));
		ct_hex_format(hex, d, 32);
		assert_string_equal(hex, pins[i].sha);
		ct_buf_dispose(&der);
	}
	/* Setting AMD's own ARK as "custom" changes nothing. */
	X509 *milan = load_cert("snp/amd-roots/milan/ark.der");
	assert_ct_ok(ct_snp_verifier_set_custom_root(verifier, milan));
	X509_free(milan);
	struct ct_snp_verify_opts o = { 0 };
	struct ct_buf rep;
	assert_ct_ok(verify_vector("genoa-v3-ms", "vcek.der", &o, &rep));
	assert_false(res.custom_root);
	ct_buf_dispose(&rep);
}

/*
 * The embedded ASK and ASVK of every product are AMD's (pinned by the
 * SHA-256 in testdata/snp/README.md) and each is signed by its own
 * product's ARK and by no other: the VLEK path (ARK -> ASVK -> VLEK) has
 * no real VLEK-signed vector, so this is what shows its intermediates
 * chain to AMD's roots (the synthetic vlek_signed_report covers the rest).
 */
static void embedded_intermediates_pinned(void **state)
{
	static const struct {
		const char *ask, *asvk;
	} pins[3] = {
		{ "67d303bd3905fd38db8b20e0793699870e7fa612eaad5dec358293fd8c0bac1b",
		  "c5e081f59b7efab1fe2f8b505e159704e72f29cab7ef7cf628a05a42439082f5" },
		{ "5464738c1546aed5f2cecf1dc98c5c960a92e8913238a61711bc90ec6e828521",
		  "197e610743a917d6b9bb982a5a9226ccc0a15b611be0619e626aca9151457372" },
		{ "5b77ef5fe7a7a004fd9032668fba9d0fda22f88c4442069a479636a6ae3b3185",
		  "104e10a8bd060a3c20a434261a57d0588fd65a88915b4f65b08bdecaf8df1a3c" },
	};
	for (int k = 0; k < 3; k++) {
		X509 *im[2] = { verifier->ask[k], verifier->asvk[k] };
		const char *pin[2] = { pins[k].ask, pins[k].asvk };
		for (int j = 0; j < 2; j++) {
			assert_non_null(im[j]);
			struct ct_buf der;
			ct_buf_init(&der, CT_X509_MAX_BYTES);
			assert_ct_ok(ct_x509_to_der(&der, im[j]));
			uint8_t d[32];
			char hex[65];
			assert_ct_ok(ct_sha256(d, ct_buf_span(&der)));
			ct_hex_format(hex, d, 32);
			assert_string_equal(hex, pin[j]);
			ct_buf_dispose(&der);
			for (int a = 0; a < 3; a++) {
				EVP_PKEY *pk = X509_get0_pubkey(verifier->ark[a]);
				assert_non_null(pk);
				assert_int_equal(X509_verify(im[j], pk) == 1, a == k);
				ERR_clear_error();
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_vectors_verify),
		cmocka_unit_test(debug_policy_refused),
		cmocka_unit_test(flipped_bits_refused),
		cmocka_unit_test(wrong_vcek_refused),
		cmocka_unit_test(other_product_roots_refused),
		cmocka_unit_test(expired_chain_refused),
		cmocka_unit_test(report_size_refused),
		cmocka_unit_test(reference_values_checked),
		cmocka_unit_test(refvals_parse_errors),
		cmocka_unit_test(any_of_several_entries),
		cmocka_unit_test(turin_v5_with_custom_root),
		cmocka_unit_test(vlek_signed_report),
		cmocka_unit_test(embedded_roots_pinned),
		cmocka_unit_test(embedded_intermediates_pinned),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
