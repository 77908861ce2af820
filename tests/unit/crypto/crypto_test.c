/* crypto_test.c - hashes, certificate loading, RFC 3339 and raw ECDSA. */
#include "ct_test.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "crypto/crypto.h"

static char *data_path(const char *rel)
{
	char *p = ct_aprintf("%s/%s", getenv("CT_TEST_DATA"), rel);
	assert_non_null(p);
	return p;
}

static void sha_known_answers(void **state)
{
	uint8_t d[CT_SHA512_LEN];
	char hex[2 * CT_SHA512_LEN + 1];
	assert_ct_ok(ct_sha256(d, ct_span_str("abc")));
	ct_hex_format(hex, d, CT_SHA256_LEN);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_ct_ok(ct_sha384(d, ct_span_make(NULL, 0)));
	ct_hex_format(hex, d, CT_SHA384_LEN);
	assert_string_equal(hex, "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b");
	assert_ct_ok(ct_sha512(d, ct_span_str("abc")));
	ct_hex_format(hex, d, 8);
	assert_string_equal(hex, "ddaf35a193617aba");
}

static void loads_pem_and_der(void **state)
{
	char *pem = data_path("snp/amd-roots/milan/ark.pem");
	char *der = data_path("snp/amd-roots/milan/ark.der");
	X509 *a = NULL, *b = NULL;
	assert_ct_ok(ct_x509_load_file(&a, pem));
	assert_ct_ok(ct_x509_load_file(&b, der));
	assert_true(ct_x509_equal(a, b));
	time_t nb, na;
	assert_ct_ok(ct_x509_validity(a, &nb, &na));
	char t[21];
	ct_time_format_rfc3339(t, nb);
	assert_int_equal(strncmp(t, "2020-10-22", 10), 0);
	X509_free(a);
	X509_free(b);

	/* Trailing bytes after DER and garbage are refused. */
	struct ct_buf buf;
	ct_buf_init(&buf, CT_X509_MAX_BYTES);
	assert_ct_ok(ct_file_read(&buf, der, CT_X509_MAX_BYTES));
	assert_ct_ok(ct_buf_append_byte(&buf, 0));
	assert_ct_err(ct_x509_parse(&a, ct_buf_span(&buf)), CT_ERR_PROTO);
	assert_error_contains("trailing");
	assert_ct_err(ct_x509_parse(&a, ct_span_str("hello")), CT_ERR_PROTO);
	assert_ct_err(ct_x509_parse(&a, ct_span_make(NULL, 0)), CT_ERR_PROTO);
	ct_buf_dispose(&buf);
	free(pem);
	free(der);
}

static void picks_from_bundle(void **state)
{
	/* Turin's bundle has CRLF line endings and ends with an empty line. */
	char *bundle = data_path("snp/amd-roots/turin/cert_chain_vlek.pem");
	char *ark = data_path("snp/amd-roots/turin/ark.der");
	char *asvk = data_path("snp/amd-roots/turin/asvk.der");
	X509 *root = NULL, *inter = NULL, *a = NULL, *b = NULL;
	assert_ct_ok(ct_x509_load_file_pick(&root, bundle, true));
	assert_ct_ok(ct_x509_load_file_pick(&inter, bundle, false));
	assert_ct_ok(ct_x509_load_file(&a, ark));
	assert_ct_ok(ct_x509_load_file(&b, asvk));
	assert_true(ct_x509_equal(root, a));
	assert_true(ct_x509_equal(inter, b));
	X509_free(inter);
	/* A single DER file is returned as is; a PEM with only a root has no
	 * non-root certificate. */
	assert_ct_ok(ct_x509_load_file_pick(&inter, ark, false));
	X509_free(inter);
	char *arkpem = data_path("snp/amd-roots/turin/ark.pem");
	assert_ct_err(ct_x509_load_file_pick(&inter, arkpem, false), CT_ERR_PROTO);
	assert_error_contains("no non-root certificate");
	X509_free(root);
	X509_free(a);
	X509_free(b);
	free(bundle);
	free(ark);
	free(asvk);
	free(arkpem);
}

static void parses_rfc3339(void **state)
{
	time_t t;
	assert_ct_ok(ct_time_parse_rfc3339("2026-06-01T00:00:00Z", &t));
	assert_int_equal((long long)t, 1780272000LL);
	assert_ct_ok(ct_time_parse_rfc3339("2026-06-01T02:00:00.5+02:00", &t));
	assert_int_equal((long long)t, 1780272000LL);
	assert_ct_ok(ct_time_parse_rfc3339("@1780272000", &t));
	assert_int_equal((long long)t, 1780272000LL);
	char s[21];
	ct_time_format_rfc3339(s, t);
	assert_string_equal(s, "2026-06-01T00:00:00Z");
	assert_ct_err(ct_time_parse_rfc3339("2026-06-01", &t), CT_ERR_USAGE);
	assert_ct_err(ct_time_parse_rfc3339("2026-02-31T00:00:00Z", &t),
		      CT_ERR_USAGE);
	assert_ct_err(ct_time_parse_rfc3339("2026-06-01T00:00:00", &t),
		      CT_ERR_USAGE);
	assert_ct_err(ct_time_parse_rfc3339("2026-06-01T00:00:00Zx", &t),
		      CT_ERR_USAGE);
	assert_ct_err(ct_time_parse_rfc3339("2026-13-01T00:00:00Z", &t),
		      CT_ERR_USAGE);
}

static void ecdsa_raw_le(void **state)
{
	EVP_PKEY *key = EVP_EC_gen("secp384r1");
	assert_non_null(key);
	assert_true(ct_pkey_is_ec_group(key, "secp384r1"));
	assert_false(ct_pkey_is_ec_group(key, "prime256v1"));
	const char msg[] = "attested bytes";
	/* Sign, then convert DER to little-endian r, s. */
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char der[128];
	size_t der_len = sizeof(der);
	assert_int_equal(EVP_DigestSignInit_ex(ctx, NULL, "SHA384", NULL, NULL,
					       key, NULL), 1);
	assert_int_equal(EVP_DigestSign(ctx, der, &der_len,
					(const unsigned char *)msg,
					sizeof(msg)), 1);
	EVP_MD_CTX_free(ctx);
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	assert_non_null(sig);
	uint8_t r[72], s[72];
	assert_int_equal(BN_bn2lebinpad(ECDSA_SIG_get0_r(sig), r, 72), 72);
	assert_int_equal(BN_bn2lebinpad(ECDSA_SIG_get0_s(sig), s, 72), 72);
	ECDSA_SIG_free(sig);
	struct ct_span m = ct_span_make(msg, sizeof(msg));
	assert_ct_ok(ct_ecdsa_verify_le(key, "SHA384", m, r, s, 72));
	r[0] ^= 1;
	assert_ct_err(ct_ecdsa_verify_le(key, "SHA384", m, r, s, 72),
		      CT_ERR_CRYPTO);
	assert_error_contains("does not verify");
	r[0] ^= 1;
	/* Digest variant. */
	uint8_t d[CT_SHA384_LEN];
	assert_ct_ok(ct_sha384(d, m));
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(key, NULL);
	assert_int_equal(EVP_PKEY_verify_init(pctx), 1);
	assert_ct_ok(ct_ecdsa_verify_digest_le(pctx, ct_span_make(d, sizeof(d)),
					       r, s, 72));
	d[0] ^= 1;
	assert_ct_err(ct_ecdsa_verify_digest_le(pctx, ct_span_make(d, sizeof(d)),
						r, s, 72), CT_ERR_CRYPTO);
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha_known_answers),
		cmocka_unit_test(loads_pem_and_der),
		cmocka_unit_test(picks_from_bundle),
		cmocka_unit_test(parses_rfc3339),
		cmocka_unit_test(ecdsa_raw_le),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
