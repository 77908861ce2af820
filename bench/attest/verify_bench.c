/*
 * verify_bench.c - SEV-SNP verify throughput with a cached chain, as a
 * ratio to raw OpenSSL ECDSA P-384 verifies of the same 672 bytes measured
 * in the same run (goal: >= 0.9). Not a test: prints numbers only.
 *
 * usage: attest_verify_bench [TESTDATA_DIR] [seconds per round]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "attest/snp_verify.h"
#include "crypto/crypto.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "attest bench: %s: %s\n", what, ct_error_message());
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("CT_TEST_DATA");
	double secs = argc > 2 ? atof(argv[2]) : 1.0;
	if (dir == NULL) {
		fprintf(stderr, "usage: %s TESTDATA_DIR [seconds]\n", argv[0]);
		return 2;
	}
	char path[1024];
	struct ct_buf rep;
	ct_buf_init(&rep, 4096);
	snprintf(path, sizeof(path), "%s/snp/reports/genoa-v3-ms/report.bin", dir);
	if (!ct_ok(ct_file_read(&rep, path, 4096)))
		die(path);
	X509 *vcek = NULL;
	snprintf(path, sizeof(path), "%s/snp/reports/genoa-v3-ms/vcek.der", dir);
	if (!ct_ok(ct_x509_load_file(&vcek, path)))
		die(path);

	struct ct_snp_verifier *v;
	if (!ct_ok(ct_snp_verifier_new(&v)))
		die("verifier");
	struct ct_snp_verify_opts o = { .at = 1780272000, .vcek = vcek };
	struct ct_snp_verify_result *res = malloc(sizeof(*res));
	if (res == NULL || !ct_ok(ct_snp_verify(v, res, ct_buf_span(&rep), &o)))
		die("first verify");

	/* Baseline: the same signature as DER, verified by OpenSSL directly. */
	BIGNUM *r = BN_lebin2bn(rep.data + CT_SNP_OFF_SIG_R, 72, NULL);
	BIGNUM *s = BN_lebin2bn(rep.data + CT_SNP_OFF_SIG_S, 72, NULL);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	ECDSA_SIG_set0(sig, r, s);
	unsigned char *der = NULL;
	int der_len = i2d_ECDSA_SIG(sig, &der);
	EVP_PKEY *pk = X509_get0_pubkey(vcek);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	double best_raw = 0, best_ours = 0;
	for (int round = 0; round < 3; round++) {
		long n = 0;
		double t0 = now(), t;
		do {
			for (int i = 0; i < 16; i++, n++) {
				if (EVP_DigestVerifyInit_ex(ctx, NULL, "SHA384", NULL, NULL, pk, NULL) != 1 ||
				    EVP_DigestVerify(ctx, der, (size_t)der_len, rep.data,
						     CT_SNP_SIGNED_LEN) != 1) {
					fprintf(stderr, "raw verify failed\n");
					return 2;
				}
			}
			t = now() - t0;
		} while (t < secs);
		if (n / t > best_raw)
			best_raw = n / t;

		n = 0;
		t0 = now();
		do {
			for (int i = 0; i < 16; i++, n++)
				if (!ct_ok(ct_snp_verify(v, res, ct_buf_span(&rep), &o)) ||
				    !res->chain_cached)
					die("verify");
			t = now() - t0;
		} while (t < secs);
		if (n / t > best_ours)
			best_ours = n / t;
	}
	printf("raw OpenSSL ECDSA P-384 verify: %.0f/s\n", best_raw);
	printf("ct_snp_verify (cached chain):   %.0f/s\n", best_ours);
	printf("ratio: %.3f (goal >= 0.9)\n", best_ours / best_raw);

	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	free(res);
	ct_snp_verifier_free(v);
	X509_free(vcek);
	ct_buf_dispose(&rep);
	return 0;
}
