/*
 * sim_test.c - lib/sim: key hierarchy, derived VCEKs, reports of every
 * product, every fault mode against the production verifier, the report
 * shape against a real Genoa report, and the socket server with 64
 * concurrent guests.
 */
#include "ct_test.h"

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "attest/evidence.h"
#include "attest/provider.h"
#include "attest/sim_proto.h"
#include "attest/snp_verify.h"
#include "sim/sim.h"

static char g_tmp[64];
static struct ct_sim *g_sim[4]; /* by enum ct_snp_product */

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static void rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *tmp_path(const char *name)
{
	char *p = ct_aprintf("%s/%s", g_tmp, name);
	assert_non_null(p);
	return p;
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(g_tmp, sizeof(g_tmp), "/tmp/ct-sim-test-XXXXXX");
	if (mkdtemp(g_tmp) == NULL)
		return -1;
	const char *names[4] = { NULL, "milan", "genoa", "turin" };
	for (int p = 1; p <= 3; p++) {
		struct ct_sim_init_opts o = { .product = (enum ct_snp_product)p,
					      .rsa_bits = 2048 };
		char *dir = ct_aprintf("%s/%s", g_tmp, names[p]), *ark = NULL;
		if (!ct_ok(ct_sim_init(dir, &o, &ark)) ||
		    !ct_ok(ct_sim_load(dir, &g_sim[p]))) {
			fprintf(stderr, "setup: %s\n", ct_error_message());
			return -1;
		}
		free(ark);
		free(dir);
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int p = 1; p <= 3; p++)
		ct_sim_free(g_sim[p]);
	rm_rf(g_tmp);
	return 0;
}

static void fill_launch(struct ct_sim_launch *l)
{
	ct_sim_launch_init(l);
	memset(l->measurement, 0xAB, sizeof(l->measurement));
	memset(l->host_data, 0xCD, sizeof(l->host_data));
}

#define REFVALS_FMT \
	"{\"ProductName\":\"Simulator\",\"TrustedMeasurement\":\"%s\"," \
	"\"MinimumTCB\":{\"BootloaderVersion\":%u,\"TEEVersion\":%u," \
	"\"SNPVersion\":%u,\"MicrocodeVersion\":%u}}"

/* Verifies like the Coordinator: simulator root, refvals for the launch. */
static ct_result verify(struct ct_sim *sim, struct ct_span report,
			struct ct_span table, const struct ct_snp_tcb *min,
			struct ct_snp_verify_result *res)
{
	struct ct_snp_verifier *v = NULL;
	struct ct_snp_refvals rv;
	char m[97], json[512];
	uint8_t meas[48];
	memset(meas, 0xAB, sizeof(meas));
	ct_hex_format(m, meas, sizeof(meas));
	snprintf(json, sizeof(json), REFVALS_FMT, m, min->bootloader, min->tee,
		 min->snp, min->microcode);
	assert_ct_ok(ct_snp_refvals_parse(&rv, ct_span_str(json)));
	assert_ct_ok(ct_snp_verifier_new(&v));
	assert_ct_ok(ct_snp_verifier_set_custom_root(v, ct_sim_ark(sim)));
	struct ct_snp_verify_opts o;
	memset(&o, 0, sizeof(o));
	o.cert_table = table;
	o.refvals = &rv;
	ct_result r = ct_snp_verify(v, res, report, &o);
	ct_snp_verifier_free(v);
	ct_snp_refvals_dispose(&rv);
	return r;
}

static bool has_finding(const struct ct_snp_verify_result *res,
			const char *needle)
{
	for (size_t i = 0; i < res->findings.count; i++)
		if (strstr(res->findings.line[i], needle) != NULL)
			return true;
	return false;
}

static void print_findings(const struct ct_snp_verify_result *res)
{
	for (size_t i = 0; i < res->findings.count; i++)
		print_message("# %s\n", res->findings.line[i]);
}

/* Launches a VM, gets a report for rd, verifies with min TCB. */
static ct_result launch_and_verify(enum ct_snp_product p,
				   const struct ct_sim_launch *l,
				   const struct ct_snp_tcb *min,
				   struct ct_snp_verify_result *res)
{
	struct ct_sim_vm *vm = NULL;
	struct ct_buf rep, tab;
	uint8_t rd[64];
	memset(rd, 0x42, sizeof(rd));
	ct_buf_init(&rep, CT_SNP_REPORT_SIZE);
	ct_buf_init(&tab, CT_SNP_CERT_TABLE_MAX);
	assert_ct_ok(ct_sim_vm_new(g_sim[p], l, &vm));
	assert_ct_ok(ct_sim_vm_report(vm, rd, &rep, &tab));
	ct_result r = verify(g_sim[p], ct_buf_span(&rep), ct_buf_span(&tab),
			     min, res);
	if (res->parsed)
		assert_memory_equal(res->report.report_data, rd, 64);
	ct_sim_vm_free(vm);
	ct_buf_dispose(&rep);
	ct_buf_dispose(&tab);
	return r;
}

static void test_honest_every_product(void **state)
{
	(void)state;
	struct ct_snp_verify_result *res = calloc(1, sizeof(*res));
	for (int p = 1; p <= 3; p++) {
		struct ct_sim_launch l;
		fill_launch(&l);
		struct ct_snp_tcb min = ct_sim_default_tcb((enum ct_snp_product)p);
		ct_result r = launch_and_verify((enum ct_snp_product)p, &l, &min, res);
		if (!ct_ok(r))
			print_findings(res);
		assert_ct_ok(r);
		assert_int_equal(res->report.version, p == CT_SNP_PRODUCT_TURIN ? 5 : 3);
		assert_int_equal(res->product, p);
		assert_true(res->custom_root);
		assert_int_equal(res->report.reserved_nonzero, 0);
	}
	free(res);
}

struct fault_case {
	enum ct_sim_fault fault;
	const char *finding;
};

static void test_faults_refused(void **state)
{
	(void)state;
	static const struct fault_case cases[] = {
		{ CT_SIM_FAULT_DEBUG, "guest policy: Debug is set" },
		{ CT_SIM_FAULT_WRONG_CHIP, "chip ID mismatch" },
		{ CT_SIM_FAULT_BAD_SIGNATURE, "signature invalid" },
		{ CT_SIM_FAULT_VCEK_TCB_MISMATCH,
		  "reported TCB does not match the certificate" },
	};
	struct ct_snp_verify_result *res = calloc(1, sizeof(*res));
	for (int p = 1; p <= 3; p++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct ct_sim_launch l;
			fill_launch(&l);
			l.fault = cases[i].fault;
			struct ct_snp_tcb min = ct_sim_default_tcb((enum ct_snp_product)p);
			ct_result r = launch_and_verify((enum ct_snp_product)p, &l,
							&min, res);
			assert_false(ct_ok(r));
			if (!has_finding(res, cases[i].finding)) {
				print_findings(res);
				fail_msg("product %d fault %s: no \"%s\"", p,
					 ct_sim_fault_name(cases[i].fault),
					 cases[i].finding);
			}
			/* Exactly the one lie. */
			assert_int_equal(res->findings.count, 1);
		}
	free(res);
}

static void test_old_tcb_and_mismatches(void **state)
{
	(void)state;
	struct ct_snp_verify_result *res = calloc(1, sizeof(*res));
	struct ct_sim_launch l;
	fill_launch(&l);
	l.has_tcb = true;
	l.tcb = ct_sim_default_tcb(CT_SNP_PRODUCT_GENOA);
	l.tcb.snp = 20;
	struct ct_snp_tcb min = ct_sim_default_tcb(CT_SNP_PRODUCT_GENOA);
	/* An old TCB gets a VCEK of its own: binding holds, minimum fails. */
	assert_false(ct_ok(launch_and_verify(CT_SNP_PRODUCT_GENOA, &l, &min, res)));
	assert_true(has_finding(res, "reported TCB SNPVersion=20 below minimum 23"));
	assert_false(has_finding(res, "does not match the certificate"));
	/* The measurement is the host's: a different one is refused. */
	fill_launch(&l);
	l.measurement[0] ^= 1;
	assert_false(ct_ok(launch_and_verify(CT_SNP_PRODUCT_GENOA, &l, &min, res)));
	assert_true(has_finding(res, "measurement mismatch"));
	/* VMPL and policy are the host's too. */
	fill_launch(&l);
	l.vmpl = 2;
	assert_false(ct_ok(launch_and_verify(CT_SNP_PRODUCT_GENOA, &l, &min, res)));
	assert_true(has_finding(res, "VMPL mismatch: got 2, want 0"));
	fill_launch(&l);
	l.policy |= CT_SNP_POLICY_MIGRATE_MA;
	assert_false(ct_ok(launch_and_verify(CT_SNP_PRODUCT_GENOA, &l, &min, res)));
	assert_true(has_finding(res, "MigrateMA is set"));
	/* A report from another simulator does not chain to ours. */
	struct ct_sim_vm *vm = NULL;
	struct ct_buf rep, tab;
	uint8_t rd[64] = { 0 };
	ct_buf_init(&rep, CT_SNP_REPORT_SIZE);
	ct_buf_init(&tab, CT_SNP_CERT_TABLE_MAX);
	fill_launch(&l);
	assert_ct_ok(ct_sim_vm_new(g_sim[CT_SNP_PRODUCT_MILAN], &l, &vm));
	assert_ct_ok(ct_sim_vm_report(vm, rd, &rep, &tab));
	min = ct_sim_default_tcb(CT_SNP_PRODUCT_MILAN);
	assert_false(ct_ok(verify(g_sim[CT_SNP_PRODUCT_GENOA], ct_buf_span(&rep),
				  ct_buf_span(&tab), &min, res)));
	assert_true(has_finding(res, "is not the trusted custom root"));
	ct_sim_vm_free(vm);
	ct_buf_dispose(&rep);
	ct_buf_dispose(&tab);
	free(res);
}

static void test_fail_fault_and_handle(void **state)
{
	(void)state;
	struct ct_sim_launch l;
	struct ct_sim_vm *vm = NULL;
	struct ct_buf rep, tab, resp;
	uint8_t rd[64] = { 1 };
	fill_launch(&l);
	l.fault = CT_SIM_FAULT_FAIL;
	ct_buf_init(&rep, CT_SNP_REPORT_SIZE);
	ct_buf_init(&tab, CT_SNP_CERT_TABLE_MAX);
	ct_buf_init(&resp, CT_SIM_RESP_MAX);
	assert_ct_ok(ct_sim_vm_new(g_sim[CT_SNP_PRODUCT_GENOA], &l, &vm));
	assert_ct_err(ct_sim_vm_report(vm, rd, &rep, &tab), CT_ERR_IO);
	assert_error_contains("simulated firmware failure");
	/* Through the protocol: an error response with status FIRMWARE. */
	struct ct_buf req;
	ct_buf_init(&req, CT_SIM_REQ_LEN);
	assert_ct_ok(ct_sim_request_encode(&req, rd));
	assert_ct_ok(ct_sim_vm_handle(vm, ct_buf_span(&req), &resp));
	struct ct_sim_response r;
	assert_ct_ok(ct_sim_response_parse(ct_buf_span(&resp), &r));
	assert_int_equal(r.status, CT_SIM_ERR_FIRMWARE);
	/* A malformed request gets BAD_REQUEST, not a crash. */
	ct_buf_reset(&resp);
	assert_ct_ok(ct_sim_vm_handle(vm, ct_span_make(req.data, 10), &resp));
	assert_ct_ok(ct_sim_response_parse(ct_buf_span(&resp), &r));
	assert_int_equal(r.status, CT_SIM_ERR_BAD_REQUEST);
	ct_sim_vm_free(vm);
	ct_buf_dispose(&req);
	ct_buf_dispose(&rep);
	ct_buf_dispose(&tab);
	ct_buf_dispose(&resp);
}

static void test_vcek_derivation(void **state)
{
	(void)state;
	struct ct_sim *s = g_sim[CT_SNP_PRODUCT_GENOA];
	uint8_t c0[64], c0b[64], c1[64];
	assert_ct_ok(ct_sim_chip_id(s, 0, c0));
	assert_ct_ok(ct_sim_chip_id(s, 0, c0b));
	assert_ct_ok(ct_sim_chip_id(s, 1, c1));
	assert_memory_equal(c0, c0b, 64);
	assert_memory_not_equal(c0, c1, 64);
	struct ct_snp_tcb t = ct_sim_default_tcb(CT_SNP_PRODUCT_GENOA), t2 = t;
	t2.microcode++;
	EVP_PKEY *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	assert_ct_ok(ct_sim_vcek_key(s, c0, &t, &a));
	assert_ct_ok(ct_sim_vcek_key(s, c0, &t, &b));
	assert_ct_ok(ct_sim_vcek_key(s, c0, &t2, &c));
	assert_ct_ok(ct_sim_vcek_key(s, c1, &t, &d));
	assert_int_equal(EVP_PKEY_eq(a, b), 1);
	assert_int_not_equal(EVP_PKEY_eq(a, c), 1);
	assert_int_not_equal(EVP_PKEY_eq(a, d), 1);
	/* The certificate carries AMD's extensions as the verifier reads them. */
	X509 *x = NULL;
	assert_ct_ok(ct_sim_vcek_cert(s, a, c0, &t, &x));
	struct ct_snp_vcek_info vi;
	assert_ct_ok(ct_snp_vcek_parse(&vi, x));
	assert_false(vi.is_vlek);
	assert_string_equal(vi.product_name, "Genoa");
	assert_int_equal(vi.tcb.snp, t.snp);
	assert_int_equal(vi.tcb.microcode, t.microcode);
	assert_int_equal(vi.hwid_len, 64);
	assert_memory_equal(vi.hwid, c0, 64);
	assert_int_equal(ASN1_INTEGER_get(X509_get0_serialNumber(x)), 0);
	X509_free(x);
	/* Turin: 8-byte hwID, FMC SPL, struct version 1. */
	struct ct_sim *tu = g_sim[CT_SNP_PRODUCT_TURIN];
	struct ct_snp_tcb tt = ct_sim_default_tcb(CT_SNP_PRODUCT_TURIN);
	EVP_PKEY *k = NULL;
	assert_ct_ok(ct_sim_chip_id(tu, 0, c1));
	assert_true(ct_span_is_zero(ct_span_make(c1 + 8, 56)));
	assert_ct_ok(ct_sim_vcek_key(tu, c1, &tt, &k));
	assert_ct_ok(ct_sim_vcek_cert(tu, k, c1, &tt, &x));
	assert_ct_ok(ct_snp_vcek_parse(&vi, x));
	assert_int_equal(vi.hwid_len, 8);
	assert_true(vi.has_fmc);
	assert_int_equal(vi.tcb.fmc, tt.fmc);
	assert_int_equal(vi.struct_version, 1);
	X509_free(x);
	EVP_PKEY_free(k);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	EVP_PKEY_free(c);
	EVP_PKEY_free(d);
}

static void test_state_dir(void **state)
{
	(void)state;
	char *dir = tmp_path("genoa"), *ark = NULL, *other = tmp_path("open");
	struct ct_sim_init_opts o = { .product = CT_SNP_PRODUCT_GENOA };
	/* Idempotent: no new keys, same ARK. */
	assert_ct_ok(ct_sim_init(dir, &o, &ark));
	struct ct_sim *s = NULL;
	assert_ct_ok(ct_sim_load(dir, &s));
	assert_int_equal(X509_cmp(ct_sim_ark(s), ct_sim_ark(g_sim[CT_SNP_PRODUCT_GENOA])), 0);
	ct_sim_free(s);
	free(ark);
	/* Another product on the same state is refused. */
	o.product = CT_SNP_PRODUCT_TURIN;
	assert_ct_err(ct_sim_init(dir, &o, &ark), CT_ERR_USAGE);
	assert_error_contains("already initialised for Genoa");
	/* Files are private. */
	struct stat st;
	char *secret = tmp_path("genoa/secret");
	assert_int_equal(stat(secret, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, CT_SIM_SECRET_LEN);
	/* A directory others can read is refused. */
	assert_int_equal(mkdir(other, 0755), 0);
	assert_int_equal(chmod(other, 0755), 0);
	assert_ct_err(ct_sim_load(other, &s), CT_ERR_IO);
	assert_error_contains("want 0700");
	/* Initialised state others can read is refused by init too. */
	assert_int_equal(chmod(dir, 0750), 0);
	o.product = CT_SNP_PRODUCT_GENOA;
	assert_ct_err(ct_sim_init(dir, &o, &ark), CT_ERR_IO);
	assert_error_contains("want 0700");
	assert_int_equal(chmod(dir, 0700), 0);
	/* A damaged state is refused, not half-loaded. */
	char *bad = tmp_path("bad"), *ark_dst = tmp_path("bad/ask.pem");
	char *milan = tmp_path("milan");
	assert_int_equal(mkdir(bad, 0700), 0);
	const char *files[] = { "secret", "ark.key", "ask.key", "ark.pem", "ask.pem", "product" };
	for (size_t i = 0; i < 6; i++) {
		struct ct_buf b;
		char *src = ct_aprintf("%s/%s", dir, files[i]);
		char *dst = ct_aprintf("%s/%s", bad, files[i]);
		ct_buf_init(&b, 1 << 16);
		assert_ct_ok(ct_file_read(&b, src, 1 << 16));
		assert_ct_ok(ct_file_write_atomic(dst, ct_buf_span(&b), 0600));
		ct_buf_dispose(&b);
		free(src);
		free(dst);
	}
	assert_ct_ok(ct_sim_load(bad, &s));
	ct_sim_free(s);
	/* Swap in Milan's ASK: the ASK key no longer matches. */
	struct ct_buf b;
	char *src = ct_aprintf("%s/ask.pem", milan);
	ct_buf_init(&b, 1 << 16);
	assert_ct_ok(ct_file_read(&b, src, 1 << 16));
	assert_ct_ok(ct_file_write_atomic(ark_dst, ct_buf_span(&b), 0600));
	ct_buf_dispose(&b);
	assert_ct_err(ct_sim_load(bad, &s), CT_ERR_PROTO);
	assert_error_contains("ASK key does not match");
	free(src);
	free(milan);
	free(bad);
	free(ark_dst);
	free(secret);
	free(other);
	free(dir);
}

static void test_tcb_and_fault_parse(void **state)
{
	(void)state;
	struct ct_snp_tcb t;
	enum ct_sim_fault f;
	assert_ct_ok(ct_sim_tcb_parse("10:0:23:84", &t));
	assert_int_equal(t.bootloader, 10);
	assert_int_equal(t.snp, 23);
	assert_int_equal(t.microcode, 84);
	assert_int_equal(t.fmc, 0);
	assert_ct_ok(ct_sim_tcb_parse("1:1:4:81:2", &t));
	assert_int_equal(t.fmc, 2);
	const char *bad[] = { "", "1:2:3", "1:2:3:4:5:6", "1:2:3:256", "1::3:4",
			      "a:b:c:d", "1:2:3:4:", "-1:2:3:4" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_ct_err(ct_sim_tcb_parse(bad[i], &t), CT_ERR_USAGE);
	assert_ct_ok(ct_sim_fault_parse("vcek-tcb-mismatch", &f));
	assert_int_equal(f, CT_SIM_FAULT_VCEK_TCB_MISMATCH);
	assert_ct_err(ct_sim_fault_parse("old-tcb", &f), CT_ERR_USAGE);
}

/*
 * The simulator's report and a real Genoa report have the same shape:
 * same version and layout, same product derivation, and every field the
 * firmware always fills is filled alike (REPORT_ID_MA all 0xFF, CPUID,
 * signature algorithm, no reserved byte set).
 */
static void test_shape_matches_real_genoa(void **state)
{
	(void)state;
	struct ct_buf real, rep, tab;
	char *path = ct_aprintf("%s/snp/reports/genoa-v3-ms/report.bin",
				getenv("CT_TEST_DATA"));
	ct_buf_init(&real, 4096);
	ct_buf_init(&rep, CT_SNP_REPORT_SIZE);
	ct_buf_init(&tab, CT_SNP_CERT_TABLE_MAX);
	assert_ct_ok(ct_file_read(&real, path, 4096));
	struct ct_sim_launch l;
	struct ct_sim_vm *vm = NULL;
	uint8_t rd[64];
	memset(rd, 0x5A, sizeof(rd));
	fill_launch(&l);
	assert_ct_ok(ct_sim_vm_new(g_sim[CT_SNP_PRODUCT_GENOA], &l, &vm));
	assert_ct_ok(ct_sim_vm_report(vm, rd, &rep, &tab));
	struct ct_snp_report *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	assert_ct_ok(ct_snp_report_parse(a, ct_buf_span(&real)));
	assert_ct_ok(ct_snp_report_parse(b, ct_buf_span(&rep)));
	assert_int_equal(rep.len, real.len);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->product, b->product);
	assert_int_equal(a->tcb_layout, b->tcb_layout);
	assert_int_equal(a->signature_algo, b->signature_algo);
	assert_int_equal(a->cpuid_fam_id, b->cpuid_fam_id);
	assert_int_equal(a->cpuid_mod_id, b->cpuid_mod_id);
	assert_int_equal(ct_snp_report_signing_key(a), ct_snp_report_signing_key(b));
	assert_memory_equal(a->report_id_ma, b->report_id_ma, 32);
	assert_int_equal(b->reserved_nonzero, 0);
	assert_int_equal(a->reserved_nonzero & ~(uint32_t)CT_SNP_RSV_PLATFORM_BITS, 0);
	/* Same TCB encoding: the real one decodes in the same layout. */
	assert_int_equal(a->reported_tcb, a->committed_tcb);
	assert_int_equal(b->reported_tcb, b->committed_tcb);
	/* Offsets: what we put in is where the parser finds it. */
	assert_memory_equal(b->report_data, rd, 64);
	assert_memory_equal(rep.data + CT_SNP_OFF_REPORT_DATA, rd, 64);
	assert_memory_equal(b->measurement, l.measurement, 48);
	assert_memory_equal(b->host_data, l.host_data, 32);
	assert_int_equal(b->policy, CT_SIM_POLICY_DEFAULT);
	assert_true(ct_span_is_zero(ct_span_make(b->sig_r + 48, 24)));
	assert_true(ct_span_is_zero(ct_span_make(b->sig_s + 48, 24)));
	assert_true(ct_span_is_zero(ct_span_make(a->sig_r + 48, 24)));
	/* REPORT_ID is the VM's, constant across requests. */
	struct ct_buf rep2, tab2;
	ct_buf_init(&rep2, CT_SNP_REPORT_SIZE);
	ct_buf_init(&tab2, CT_SNP_CERT_TABLE_MAX);
	rd[0] ^= 1;
	assert_ct_ok(ct_sim_vm_report(vm, rd, &rep2, &tab2));
	assert_memory_equal(rep2.data + CT_SNP_OFF_REPORT_ID,
			    rep.data + CT_SNP_OFF_REPORT_ID, 32);
	assert_memory_not_equal(rep2.data + CT_SNP_OFF_SIGNATURE,
				rep.data + CT_SNP_OFF_SIGNATURE, 144);
	/* The certificate table parses and holds VCEK, ASK, ARK. */
	struct ct_snp_cert_table t;
	assert_ct_ok(ct_snp_cert_table_parse(&t, ct_buf_span(&tab)));
	assert_int_equal(t.count, 3);
	assert_non_null(ct_snp_cert_table_find(&t, CT_SNP_GUID_VCEK));
	assert_non_null(ct_snp_cert_table_find(&t, CT_SNP_GUID_ASK));
	assert_non_null(ct_snp_cert_table_find(&t, CT_SNP_GUID_ARK));
	free(a);
	free(b);
	free(path);
	ct_sim_vm_free(vm);
	ct_buf_dispose(&real);
	ct_buf_dispose(&rep);
	ct_buf_dispose(&tab);
	ct_buf_dispose(&rep2);
	ct_buf_dispose(&tab2);
}

/* ----------------------------------------------------------- server */

#define GUESTS 64

struct guest {
	struct ct_evidence_provider *p;
	uint8_t rd[64];
	struct ct_buf ev;
	bool ok;
	char err[256];
};

static void *guest_run(void *arg)
{
	struct guest *g = arg;
	g->ok = ct_ok(ct_evidence_provider_get(g->p, g->rd, &g->ev));
	if (!g->ok)
		snprintf(g->err, sizeof(g->err), "%s", ct_error_message());
	return NULL;
}

static void test_server_64_guests(void **state)
{
	(void)state;
	char *sock = tmp_path("vm64.sock");
	struct ct_sim_launch l;
	struct ct_sim_vm *vm = NULL;
	struct ct_sim_server *srv = NULL;
	fill_launch(&l);
	assert_ct_ok(ct_sim_vm_new(g_sim[CT_SNP_PRODUCT_GENOA], &l, &vm));
	assert_ct_ok(ct_sim_server_start(vm, sock, &srv));
	char *spec = ct_aprintf("sim:%s", sock);
	struct ct_evidence_provider *p = NULL;
	assert_ct_ok(ct_evidence_provider_open(spec, &p));
	assert_string_equal(ct_evidence_provider_name(p), "sim");

	struct guest *g = calloc(GUESTS, sizeof(*g));
	pthread_t t[GUESTS];
	for (int i = 0; i < GUESTS; i++) {
		g[i].p = p;
		memset(g[i].rd, i, sizeof(g[i].rd));
		g[i].rd[63] = 0xEE;
		ct_buf_init(&g[i].ev, CT_SNP_EVIDENCE_MAX);
	}
	for (int i = 0; i < GUESTS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, guest_run, &g[i]), 0);
	for (int i = 0; i < GUESTS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(ct_sim_server_served(srv), GUESTS);

	struct ct_snp_verify_result *res = calloc(1, sizeof(*res));
	struct ct_snp_tcb min = ct_sim_default_tcb(CT_SNP_PRODUCT_GENOA);
	uint8_t (*sigs)[144] = calloc(GUESTS, 144);
	for (int i = 0; i < GUESTS; i++) {
		if (!g[i].ok)
			fail_msg("guest %d: %s", i, g[i].err);
		struct ct_snp_evidence ev;
		assert_ct_ok(ct_snp_evidence_decode(&ev, ct_buf_span(&g[i].ev)));
		ct_result r = verify(g_sim[CT_SNP_PRODUCT_GENOA],
				     ct_span_make(ev.report, CT_SNP_REPORT_SIZE),
				     ct_buf_span(&ev.cert_table), &min, res);
		if (!ct_ok(r))
			print_findings(res);
		assert_ct_ok(r);
		/* Each guest got its own REPORT_DATA, and a distinct report. */
		assert_memory_equal(res->report.report_data, g[i].rd, 64);
		memcpy(sigs[i], ev.report + CT_SNP_OFF_SIGNATURE, 144);
		for (int k = 0; k < i; k++)
			assert_memory_not_equal(sigs[k], sigs[i], 144);
		ct_snp_evidence_dispose(&ev);
		ct_buf_dispose(&g[i].ev);
	}
	free(sigs);
	free(res);
	free(g);
	ct_evidence_provider_free(p);
	ct_sim_server_stop(srv);
	/* The socket is gone after a clean stop. */
	struct stat st;
	assert_int_not_equal(stat(sock, &st), 0);
	ct_sim_vm_free(vm);
	free(spec);
	free(sock);
}

static void test_server_socket_claims(void **state)
{
	(void)state;
	char *sock = tmp_path("claim.sock"), *file = tmp_path("plain");
	struct ct_sim_launch l;
	struct ct_sim_vm *vm = NULL;
	struct ct_sim_server *a = NULL, *b = NULL;
	fill_launch(&l);
	assert_ct_ok(ct_sim_vm_new(g_sim[CT_SNP_PRODUCT_GENOA], &l, &vm));
	assert_ct_ok(ct_sim_server_start(vm, sock, &a));
	/* A live socket is not stolen. */
	assert_ct_err(ct_sim_server_start(vm, sock, &b), CT_ERR_IO);
	assert_error_contains("in use");
	ct_sim_server_stop(a);
	/* A stale socket file (nobody listening) is replaced. */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path, sock, strlen(sock));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_ct_ok(ct_sim_server_start(vm, sock, &a));
	ct_sim_server_stop(a);
	/* Guests that misbehave get an error response or are dropped; the
	 * server keeps serving. */
	assert_ct_ok(ct_sim_server_start(vm, sock, &a));
	for (int k = 0; k < 3; k++) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
		if (k == 1)
			assert_int_equal(write(c, "CTSQ\x01\x00junk", 10), 10);
		if (k > 0) {
			/* EOF after a partial (or no) request: a bad request. */
			assert_int_equal(shutdown(c, SHUT_WR), 0);
			uint8_t h[CT_SIM_RESP_HEADER_LEN];
			struct ct_sim_response_header rh;
			size_t body;
			size_t got = 0;
			while (got < sizeof(h)) {
				ssize_t n = read(c, h + got, sizeof(h) - got);
				assert_true(n > 0);
				got += (size_t)n;
			}
			assert_ct_ok(ct_sim_response_header_parse(ct_span_make(h, sizeof(h)),
								  &rh, &body));
			assert_int_equal(rh.status, CT_SIM_ERR_BAD_REQUEST);
		}
		close(c);
	}
	struct ct_evidence_provider *p = NULL;
	struct ct_buf ev;
	uint8_t rd[64] = { 9 };
	char *spec = ct_aprintf("sim:%s", sock);
	ct_buf_init(&ev, CT_SNP_EVIDENCE_MAX);
	assert_ct_ok(ct_evidence_provider_open(spec, &p));
	assert_ct_ok(ct_evidence_provider_get(p, rd, &ev));
	ct_evidence_provider_free(p);
	ct_buf_dispose(&ev);
	free(spec);
	ct_sim_server_stop(a);
	/* A regular file is never removed. */
	assert_ct_ok(ct_file_write_atomic(file, ct_span_str("x"), 0600));
	assert_ct_err(ct_sim_server_start(vm, file, &b), CT_ERR_IO);
	assert_error_contains("not a socket");
	ct_sim_vm_free(vm);
	free(sock);
	free(file);
}

static void test_server_slow_and_fail(void **state)
{
	(void)state;
	char *sock = tmp_path("slow.sock");
	char *spec = ct_aprintf("sim:%s", sock);
	struct ct_sim_launch l;
	struct ct_sim_vm *vm = NULL;
	struct ct_sim_server *srv = NULL;
	struct ct_evidence_provider *p = NULL;
	struct ct_buf ev;
	uint8_t rd[64] = { 7 };
	ct_buf_init(&ev, CT_SNP_EVIDENCE_MAX);
	/* slow: the guest's deadline (200 ms) passes long before the answer
	 * (an hour); stopping the server does not wait for the delay. */
	fill_launch(&l);
	l.fault = CT_SIM_FAULT_SLOW;
	l.slow_ms = 3600 * 1000;
	assert_ct_ok(ct_sim_vm_new(g_sim[CT_SNP_PRODUCT_GENOA], &l, &vm));
	assert_ct_ok(ct_sim_server_start(vm, sock, &srv));
	setenv("CONTRAST_EVIDENCE_TIMEOUT_MS", "200", 1);
	assert_ct_ok(ct_evidence_provider_open(spec, &p));
	unsetenv("CONTRAST_EVIDENCE_TIMEOUT_MS");
	assert_ct_err(ct_evidence_provider_get(p, rd, &ev), CT_ERR_IO);
	assert_error_contains("no answer within 200 ms");
	ct_evidence_provider_free(p);
	ct_sim_server_stop(srv);
	ct_sim_vm_free(vm);
	/* fail: the guest sees the firmware error. */
	fill_launch(&l);
	l.fault = CT_SIM_FAULT_FAIL;
	assert_ct_ok(ct_sim_vm_new(g_sim[CT_SNP_PRODUCT_GENOA], &l, &vm));
	assert_ct_ok(ct_sim_server_start(vm, sock, &srv));
	assert_ct_ok(ct_evidence_provider_open(spec, &p));
	assert_ct_err(ct_evidence_provider_get(p, rd, &ev), CT_ERR_IO);
	assert_error_contains("firmware error");
	assert_int_equal(ev.len, 0);
	ct_evidence_provider_free(p);
	ct_sim_server_stop(srv);
	ct_sim_vm_free(vm);
	ct_buf_dispose(&ev);
	free(spec);
	free(sock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcb_and_fault_parse),
		cmocka_unit_test(test_vcek_derivation),
		cmocka_unit_test(test_state_dir),
		cmocka_unit_test(test_honest_every_product),
		cmocka_unit_test(test_faults_refused),
		cmocka_unit_test(test_old_tcb_and_mismatches),
		cmocka_unit_test(test_fail_fault_and_handle),
		cmocka_unit_test(test_shape_matches_real_genoa),
		cmocka_unit_test(test_server_64_guests),
		cmocka_unit_test(test_server_socket_claims),
		cmocka_unit_test(test_server_slow_and_fail),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
