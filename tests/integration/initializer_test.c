/*
 * initializer_test.c - contrast-initializer's own pieces without a
 * Coordinator: the address rules (COORDINATOR_HOST forms, refusals), and
 * the files it leaves (modes of reference/contrast.md §9, hex secret, no
 * secrets/ without a WorkloadSecretID, a second run replacing read-only
 * files). The admission flow itself is covered by mesh_test.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ct_test.h"
#include "initializer.h"

static void test_base_url(void **state)
{
	(void)state;
	char url[INIT_HOST_MAX + 32];
	static const struct {
		const char *in, *want;
	} good[] = {
		{ "coordinator", "https://coordinator:7777" },
		{ "coordinator.default.svc:7777", "https://coordinator.default.svc:7777" },
		{ "127.0.0.1:4000", "https://127.0.0.1:4000" },
		{ "[::1]:4000", "https://[::1]:4000" },
		{ "::1", "https://[::1]:7777" },
		{ "[fd00::1]", "https://[fd00::1]:7777" },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_ct_ok(init_base_url(good[i].in, url, sizeof(url)));
		assert_string_equal(url, good[i].want);
	}
	const char *bad[] = { "", "host:0", "host:65536", "host:x", "a/b:1",
			      "host name", "h\nx", "host:", "user@host" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ct_ok(init_base_url(bad[i], url, sizeof(url))));
	assert_ct_err(init_base_url(NULL, url, sizeof(url)), CT_ERR_USAGE);
	assert_error_contains("COORDINATOR_HOST");
	char tiny[16];
	assert_false(ct_ok(init_base_url("a-rather-long-host-name", tiny, sizeof(tiny))));
}

/* A PEM certificate for key, appended to out. */
static void cert_pem(EVP_PKEY *key, struct ct_buf *out)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 60);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"t", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, key);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, x);
	char *p;
	long n = BIO_get_mem_data(b, &p);
	assert_ct_ok(ct_buf_append(out, p, (size_t)n));
	BIO_free(b);
	X509_free(x);
}

static mode_t mode_of(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &st) != 0)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

static void test_outputs(void **state)
{
	(void)state;
	char dir[] = "/tmp/ct-init-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char out[sizeof(dir) + 16];
	snprintf(out, sizeof(out), "%s/contrast", dir);
	EVP_PKEY *key = EVP_EC_gen("P-256");
	assert_non_null(key);

	struct ct_meshapi_cert_response r;
	ct_meshapi_cert_response_init(&r);
	cert_pem(key, &r.mesh_ca);
	cert_pem(key, &r.root_ca);
	cert_pem(key, &r.cert_chain);
	cert_pem(key, &r.cert_chain);

	/* Without a secret: no secrets/ directory. */
	assert_ct_ok(init_write_outputs(out, key, &r));
	assert_int_equal(mode_of(out, "tls-config"), 0755);
	assert_int_equal(mode_of(out, "tls-config/key.pem"), 0400);
	assert_int_equal(mode_of(out, "tls-config/mesh-ca.pem"), 0444);
	assert_int_equal(mode_of(out, "tls-config/certChain.pem"), 0444);
	assert_int_equal(mode_of(out, "tls-config/coordinator-root-ca.pem"), 0444);
	assert_int_equal(mode_of(out, "secrets"), (mode_t)-1);

	/* The key file is PKCS#8 and is our key. */
	char path[4096];
	snprintf(path, sizeof(path), "%s/tls-config/key.pem", out);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	EVP_PKEY *back = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(back);
	assert_int_equal(EVP_PKEY_eq(back, key), 1);
	EVP_PKEY_free(back);
	struct ct_buf text;
	ct_buf_init(&text, 8192);
	assert_ct_ok(ct_file_read(&text, path, 8192));
	assert_non_null(strstr(ct_buf_cstr(&text), "-----BEGIN PRIVATE KEY-----"));
	ct_buf_dispose(&text);

	/* A second run over read-only files, now with a secret. */
	uint8_t s[32];
	for (size_t i = 0; i < sizeof(s); i++)
		s[i] = (uint8_t)(0xa0 + i);
	assert_ct_ok(ct_buf_append(&r.workload_secret, s, sizeof(s)));
	r.has_workload_secret = true;
	assert_ct_ok(init_write_outputs(out, key, &r));
	assert_int_equal(mode_of(out, "secrets"), 0755);
	assert_int_equal(mode_of(out, "secrets/workload-secret-seed"), 0400);
	snprintf(path, sizeof(path), "%s/secrets/workload-secret-seed", out);
	ct_buf_init(&text, 256);
	assert_ct_ok(ct_file_read(&text, path, 256));
	assert_string_equal(ct_buf_cstr(&text),
			    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
	ct_buf_dispose(&text);

	/* An output root that cannot be created fails with the path named. */
	snprintf(path, sizeof(path), "%s/tls-config/key.pem/below", out);
	assert_false(ct_ok(init_write_outputs(path, key, &r)));

	ct_meshapi_cert_response_dispose(&r);
	EVP_PKEY_free(key);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_url),
		cmocka_unit_test(test_outputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
