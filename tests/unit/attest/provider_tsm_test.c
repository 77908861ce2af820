/*
 * provider_tsm_test.c - the configfs-tsm evidence provider against a
 * prepared directory.
 *
 * How the test plays the kernel: the provider runs against a real
 * temporary directory as ROOT and does its real mkdir/open/read/write/
 * rmdir there. At the three moments the kernel would act, the provider
 * calls the hooks of provider_internal.h and this test does what configfs
 * does: after mkdir it creates the attributes (provider, generation,
 * inblob, outblob, auxblob); after a write to inblob it bumps generation
 * and fills outblob/auxblob with a report from a simulated VM (lib/sim);
 * before rmdir it removes the attributes. A "concurrent writer" is played
 * by bumping generation once more and answering for someone else's
 * REPORT_DATA, which the provider must detect and retry.
 */
#include "ct_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atls/atls.h"
#include "attest/evidence.h"
#include "attest/provider_internal.h"
#include "attest/snp_verify.h"
#include "sim/sim.h"

static char g_tmp[64];
static struct ct_sim *g_sim;
static struct ct_sim_vm *g_vm;

struct kernel {
	pthread_mutex_t mu;
	const char *provider;     /* content of `provider` */
	unsigned concurrent;      /* how many writes get a concurrent writer */
	size_t outblob_len;       /* 0 = the real report */
	bool stale_report;        /* answer for other REPORT_DATA */
	bool no_auxblob, bad_auxblob, bad_generation;
	unsigned mkdirs, rmdirs, writes;
};

static struct kernel g_k;

static void kernel_reset(void)
{
	pthread_mutex_destroy(&g_k.mu);
	memset(&g_k, 0, sizeof(g_k));
	pthread_mutex_init(&g_k.mu, NULL);
	g_k.provider = "sev_guest\n";
}

static void put(const char *dir, const char *attr, const void *data, size_t len)
{
	char *p = ct_aprintf("%s/%s", dir, attr);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	free(p);
}

static void put_str(const char *dir, const char *attr, const char *s)
{
	put(dir, attr, s, strlen(s));
}

static uint64_t get_gen(const char *dir)
{
	struct ct_buf b;
	uint64_t g = 0;
	char *p = ct_aprintf("%s/generation", dir);
	ct_buf_init(&b, 64);
	assert_ct_ok(ct_file_read(&b, p, 64));
	if (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = 0;
	assert_ct_ok(ct_parse_u64(ct_buf_cstr(&b), 1000, &g));
	ct_buf_dispose(&b);
	free(p);
	return g;
}

static void k_mkdir(void *arg, const char *dir)
{
	(void)arg;
	pthread_mutex_lock(&g_k.mu);
	g_k.mkdirs++;
	pthread_mutex_unlock(&g_k.mu);
	put_str(dir, "provider", g_k.provider);
	put_str(dir, "generation", g_k.bad_generation ? "lots\n" : "0\n");
	put_str(dir, "inblob", "");
	put_str(dir, "outblob", "");
	put_str(dir, "privlevel_floor", "0\n");
	if (!g_k.no_auxblob)
		put_str(dir, "auxblob", "");
}

static void k_write(void *arg, const char *dir, const char *attr)
{
	(void)arg;
	assert_string_equal(attr, "inblob");
	struct ct_buf in, rep, tab;
	char *p = ct_aprintf("%s/inblob", dir);
	ct_buf_init(&in, 128);
	ct_buf_init(&rep, CT_SNP_REPORT_SIZE);
	ct_buf_init(&tab, CT_SNP_CERT_TABLE_MAX);
	assert_ct_ok(ct_file_read(&in, p, 128));
	assert_int_equal(in.len, 64); /* sev_guest wants exactly 64 bytes */
	uint64_t gen = get_gen(dir) + 1;
	bool other = false;
	pthread_mutex_lock(&g_k.mu);
	g_k.writes++;
	if (g_k.concurrent > 0) {
		g_k.concurrent--;
		other = true;
	}
	pthread_mutex_unlock(&g_k.mu);
	uint8_t rd[64];
	memcpy(rd, in.data, 64);
	if (other || g_k.stale_report) {
		/* Someone else's inblob landed after ours. */
		memset(rd, 0xEE, sizeof(rd));
		if (other)
			gen++;
	}
	assert_ct_ok(ct_sim_vm_report(g_vm, rd, &rep, &tab));
	char g[32];
	snprintf(g, sizeof(g), "%llu\n", (unsigned long long)gen);
	put_str(dir, "generation", g);
	if (g_k.outblob_len > 0) {
		uint8_t *junk = calloc(1, g_k.outblob_len);
		put(dir, "outblob", junk, g_k.outblob_len);
		free(junk);
	} else {
		put(dir, "outblob", rep.data, rep.len);
	}
	if (g_k.bad_auxblob)
		put_str(dir, "auxblob", "not a certificate table at all, no terminator");
	else if (!g_k.no_auxblob)
		put(dir, "auxblob", tab.data, tab.len);
	ct_buf_dispose(&in);
	ct_buf_dispose(&rep);
	ct_buf_dispose(&tab);
	free(p);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)f;
	return flag == FTW_DP ? 0 : remove(p);
}

static void k_rmdir(void *arg, const char *dir)
{
	(void)arg;
	pthread_mutex_lock(&g_k.mu);
	g_k.rmdirs++;
	pthread_mutex_unlock(&g_k.mu);
	nftw(dir, rm_one, 4, FTW_DEPTH | FTW_PHYS);
}

static int rm_all(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(g_tmp, sizeof(g_tmp), "/tmp/ct-tsm-test-XXXXXX");
	if (mkdtemp(g_tmp) == NULL)
		return -1;
	char *sd = ct_aprintf("%s/state", g_tmp), *ark = NULL;
	char *root = ct_aprintf("%s/tsm", g_tmp);
	struct ct_sim_init_opts o = { .product = CT_SNP_PRODUCT_GENOA, .rsa_bits = 2048 };
	struct ct_sim_launch l;
	ct_sim_launch_init(&l);
	if (!ct_ok(ct_sim_init(sd, &o, &ark)) || !ct_ok(ct_sim_load(sd, &g_sim)) ||
	    !ct_ok(ct_sim_vm_new(g_sim, &l, &g_vm)) || mkdir(root, 0700) != 0)
		return -1;
	free(ark);
	free(sd);
	free(root);
	pthread_mutex_init(&g_k.mu, NULL);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	ct_sim_vm_free(g_vm);
	ct_sim_free(g_sim);
	nftw(g_tmp, rm_all, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static struct ct_evidence_provider *open_tsm(void)
{
	struct ct_evidence_provider *p = NULL;
	char *spec = ct_aprintf("configfs-tsm:%s/tsm", g_tmp);
	assert_ct_ok(ct_evidence_provider_open(spec, &p));
	free(spec);
	assert_string_equal(ct_evidence_provider_name(p), "configfs-tsm");
	p->tsm_hooks.after_mkdir = k_mkdir;
	p->tsm_hooks.after_write = k_write;
	p->tsm_hooks.before_rmdir = k_rmdir;
	kernel_reset();
	return p;
}

static size_t root_entries(void)
{
	char *root = ct_aprintf("%s/tsm", g_tmp);
	DIR *d = opendir(root);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	free(root);
	return n;
}

static void verify_evidence(struct ct_span der, const uint8_t *rd, bool table)
{
	struct ct_snp_evidence ev;
	assert_ct_ok(ct_snp_evidence_decode(&ev, der));
	assert_int_equal(ev.has_cert_table, table);
	struct ct_snp_verifier *v = NULL;
	struct ct_snp_verify_result *res = calloc(1, sizeof(*res));
	struct ct_snp_verify_opts o;
	memset(&o, 0, sizeof(o));
	o.cert_table = ct_buf_span(&ev.cert_table);
	o.report_data = rd;
	assert_ct_ok(ct_snp_verifier_new(&v));
	assert_ct_ok(ct_snp_verifier_set_custom_root(v, ct_sim_ark(g_sim)));
	assert_ct_ok(ct_snp_verify(v, res, ct_span_make(ev.report, CT_SNP_REPORT_SIZE), &o));
	ct_snp_verifier_free(v);
	free(res);
	ct_snp_evidence_dispose(&ev);
}

static void test_get(void **state)
{
	(void)state;
	struct ct_evidence_provider *p = open_tsm();
	struct ct_buf ev;
	uint8_t rd[64];
	memset(rd, 0x11, sizeof(rd));
	ct_buf_init(&ev, CT_SNP_EVIDENCE_MAX);
	assert_ct_ok(ct_evidence_provider_get(p, rd, &ev));
	verify_evidence(ct_buf_span(&ev), rd, true);
	assert_int_equal(g_k.mkdirs, 1);
	assert_int_equal(g_k.rmdirs, 1);
	assert_int_equal(root_entries(), 0);
	ct_buf_dispose(&ev);
	ct_evidence_provider_free(p);
}

static void test_generation_mismatch_retry(void **state)
{
	(void)state;
	struct ct_evidence_provider *p = open_tsm();
	struct ct_buf ev;
	uint8_t rd[64];
	memset(rd, 0x22, sizeof(rd));
	ct_buf_init(&ev, CT_SNP_EVIDENCE_MAX);
	/* One concurrent writer: the first entry's blobs are thrown away. */
	g_k.concurrent = 1;
	assert_ct_ok(ct_evidence_provider_get(p, rd, &ev));
	verify_evidence(ct_buf_span(&ev), rd, true);
	assert_int_equal(g_k.mkdirs, 2);
	assert_int_equal(g_k.rmdirs, 2);
	assert_int_equal(root_entries(), 0);
	/* Always a concurrent writer: give up, naming the reason. */
	ct_buf_reset(&ev);
	g_k.concurrent = 100;
	g_k.mkdirs = g_k.rmdirs = 0;
	assert_ct_err(ct_evidence_provider_get(p, rd, &ev), CT_ERR_IO);
	assert_error_contains("gave up after 3 attempts");
	assert_error_contains("generation moved from 0 to 2, want 1");
	assert_int_equal(g_k.mkdirs, CT_TSM_ATTEMPTS);
	assert_int_equal(g_k.rmdirs, CT_TSM_ATTEMPTS);
	assert_int_equal(ev.len, 0);
	assert_int_equal(root_entries(), 0);
	ct_buf_dispose(&ev);
	ct_evidence_provider_free(p);
}

static void test_kernel_lies(void **state)
{
	(void)state;
	struct ct_evidence_provider *p = open_tsm();
	struct ct_buf ev;
	uint8_t rd[64];
	memset(rd, 0x33, sizeof(rd));
	ct_buf_init(&ev, CT_SNP_EVIDENCE_MAX);

	g_k.provider = "tdx_guest\n";
	assert_ct_err(ct_evidence_provider_get(p, rd, &ev), CT_ERR_IO);
	assert_error_contains("provider is \"tdx_guest\", want \"sev_guest\"");
	assert_int_equal(g_k.writes, 0); /* asked nothing of a TDX guest */

	kernel_reset();
	g_k.outblob_len = 1000;
	assert_ct_err(ct_evidence_provider_get(p, rd, &ev), CT_ERR_PROTO);
	assert_error_contains("outblob is 1000 bytes, want 1184");

	kernel_reset();
	g_k.outblob_len = 5000;
	assert_ct_err(ct_evidence_provider_get(p, rd, &ev), CT_ERR_LIMIT);
	assert_error_contains("outblob is larger than 1184 bytes");

	kernel_reset();
	g_k.stale_report = true;
	assert_ct_err(ct_evidence_provider_get(p, rd, &ev), CT_ERR_PROTO);
	assert_error_contains("other REPORT_DATA than requested");

	kernel_reset();
	g_k.bad_auxblob = true;
	assert_ct_err(ct_evidence_provider_get(p, rd, &ev), CT_ERR_PROTO);

	kernel_reset();
	g_k.bad_generation = true;
	assert_ct_err(ct_evidence_provider_get(p, rd, &ev), CT_ERR_PROTO);
	assert_error_contains("generation \"lots\" is not a number");
	assert_int_equal(ev.len, 0);
	assert_int_equal(root_entries(), 0);

	/* No auxblob (host gave no certificates): evidence without a table. */
	kernel_reset();
	g_k.no_auxblob = true;
	assert_ct_ok(ct_evidence_provider_get(p, rd, &ev));
	struct ct_snp_evidence e;
	assert_ct_ok(ct_snp_evidence_decode(&e, ct_buf_span(&ev)));
	assert_false(e.has_cert_table);
	ct_snp_evidence_dispose(&e);
	ct_buf_dispose(&ev);
	ct_evidence_provider_free(p);
}

struct worker {
	struct ct_evidence_provider *p;
	uint8_t rd[64];
	bool ok;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct ct_buf ev;
	ct_buf_init(&ev, CT_SNP_EVIDENCE_MAX);
	w->ok = ct_ok(ct_evidence_provider_get(w->p, w->rd, &ev));
	struct ct_snp_evidence e;
	if (w->ok && ct_ok(ct_snp_evidence_decode(&e, ct_buf_span(&ev)))) {
		w->ok = memcmp(e.report + CT_SNP_OFF_REPORT_DATA, w->rd, 64) == 0;
		ct_snp_evidence_dispose(&e);
	}
	ct_buf_dispose(&ev);
	return NULL;
}

static void test_concurrent_callers(void **state)
{
	(void)state;
	struct ct_evidence_provider *p = open_tsm();
	struct worker w[8];
	pthread_t t[8];
	for (int i = 0; i < 8; i++) {
		w[i].p = p;
		memset(w[i].rd, 0x40 + i, 64);
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		assert_true(w[i].ok);
	}
	assert_int_equal(g_k.mkdirs, 8);
	assert_int_equal(root_entries(), 0);
	ct_evidence_provider_free(p);
}

static void test_open_errors(void **state)
{
	(void)state;
	struct ct_evidence_provider *p = NULL;
	char *missing = ct_aprintf("configfs-tsm:%s/none", g_tmp);
	char *file = ct_aprintf("%s/file", g_tmp);
	char *onfile = ct_aprintf("configfs-tsm:%s", file);
	assert_ct_ok(ct_file_write_atomic(file, ct_span_str("x"), 0600));
	assert_ct_err(ct_evidence_provider_open(missing, &p), CT_ERR_IO);
	assert_error_contains("No such file");
	assert_ct_err(ct_evidence_provider_open(onfile, &p), CT_ERR_IO);
	assert_error_contains("not a directory");
	const char *bad[] = { "bogus", "sim", "sim:", "configfs-tsmX", "sev-guestx:/dev/null",
			      "tdx:/x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_ct_err(ct_evidence_provider_open(bad[i], &p), CT_ERR_USAGE);
		assert_null(p);
	}
	/* A socket spec on a regular file is refused. */
	char *simfile = ct_aprintf("sim:%s", file);
	assert_ct_err(ct_evidence_provider_open(simfile, &p), CT_ERR_IO);
	assert_error_contains("not a Unix socket");
	/* Auto-detection names what it tried (on a machine without SNP). */
	struct stat st;
	if (stat(CT_PROVIDER_TSM_ROOT_DEFAULT, &st) != 0 &&
	    stat(CT_PROVIDER_SEVGUEST_DEFAULT, &st) != 0) {
		unsetenv(CT_PROVIDER_ENV);
		assert_ct_err(ct_evidence_provider_open(NULL, &p), CT_ERR_IO);
		assert_error_contains("no evidence provider found: tried configfs-tsm");
		assert_error_contains("/dev/sev-guest");
		/* The environment names one when the caller does not. */
		setenv(CT_PROVIDER_ENV, missing, 1);
		assert_ct_err(ct_evidence_provider_open("", &p), CT_ERR_IO);
		assert_error_contains("/none");
		unsetenv(CT_PROVIDER_ENV);
	}
	free(simfile);
	free(missing);
	free(onfile);
	free(file);
}

static void test_atls_issuer(void **state)
{
	(void)state;
	struct ct_evidence_provider *p = open_tsm();
	struct ct_atls_issuer is;
	struct ct_buf ev;
	uint8_t rd[64];
	memset(rd, 0x77, sizeof(rd));
	ct_buf_init(&ev, CT_SNP_EVIDENCE_MAX);
	ct_evidence_provider_atls_issuer(p, &is);
	assert_string_equal(is.oid, "1.3.9901.2.1");
	assert_ct_ok(is.get_evidence(is.arg, rd, &ev));
	verify_evidence(ct_buf_span(&ev), rd, true);
	ct_buf_dispose(&ev);
	ct_evidence_provider_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_generation_mismatch_retry),
		cmocka_unit_test(test_kernel_lies),
		cmocka_unit_test(test_concurrent_callers),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_atls_issuer),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
