/*
 * seed_test.c - lib/state seed engine and seed shares: HKDF known answer
 * (RFC 5869 A.1), determinism of the derived keys and secrets, the
 * FIPS 186-5 A.2.1 reduction recomputed independently, input checks,
 * seed-shares.json round trip and the adversarial cases (unknown key,
 * corrupted or tampered document, wrong label, wrong key size).
 */
#include "ct_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "../manifest/fixture.h"
#include "manifest/manifest.h"
#include "state/state.h"

static const uint8_t seed_a[CT_SEED_LEN] = { 1, 2, 3, 4, 5 };
static const uint8_t salt_a[CT_SEED_SALT_LEN] = { 9, 8, 7 };

static struct ct_seed_engine *engine(const uint8_t *seed, const uint8_t *salt)
{
	struct ct_seed_engine *e = NULL;
	assert_ct_ok(ct_seed_engine_new(ct_span_make(seed, CT_SEED_LEN),
					ct_span_make(salt, CT_SEED_SALT_LEN), &e));
	return e;
}

static void pub_der(EVP_PKEY *k, struct ct_buf *out)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	assert_true(n > 0);
	assert_ct_ok(ct_buf_append(out, der, (size_t)n));
	OPENSSL_free(der);
}

/* ------------------------------------------------------------------ hkdf */

static void test_hkdf_rfc5869(void **state)
{
	(void)state;
	uint8_t ikm[22], salt[13], okm[42];
	memset(ikm, 0x0b, sizeof(ikm));
	for (size_t i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)i;
	const char info[] = "\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9";
	assert_ct_ok(ct_seed_hkdf(ct_span_make(ikm, sizeof(ikm)),
				  ct_span_make(salt, sizeof(salt)), info, okm,
				  sizeof(okm)));
	char hex[2 * sizeof(okm) + 1];
	ct_hex_format(hex, okm, sizeof(okm));
	assert_string_equal(hex, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a"
				 "4c5db02d56ecc4c5bf34007208d5b887185865");
}

/* ---------------------------------------------------------- derivations */

static void test_deterministic(void **state)
{
	(void)state;
	struct ct_seed_engine *a = engine(seed_a, salt_a);
	struct ct_seed_engine *b = engine(seed_a, salt_a);
	uint8_t salt_b[CT_SEED_SALT_LEN] = { 9, 8, 6 };
	struct ct_seed_engine *c = engine(seed_a, salt_b);
	struct ct_buf da, db, dc;
	ct_buf_init(&da, 4096);
	ct_buf_init(&db, 4096);
	ct_buf_init(&dc, 4096);
	pub_der(ct_seed_engine_root_ca_key(a), &da);
	pub_der(ct_seed_engine_root_ca_key(b), &db);
	pub_der(ct_seed_engine_root_ca_key(c), &dc);
	assert_true(ct_span_eq(ct_buf_span(&da), ct_buf_span(&db)));
	assert_false(ct_span_eq(ct_buf_span(&da), ct_buf_span(&dc)));
	ct_buf_reset(&db);
	pub_der(ct_seed_engine_signing_key(a), &db);
	/* Root CA and signing keys differ (different labels). */
	assert_false(ct_span_eq(ct_buf_span(&da), ct_buf_span(&db)));

	struct ct_buf wa, wb, wc;
	ct_buf_init_secret(&wa, 64);
	ct_buf_init_secret(&wb, 64);
	ct_buf_init_secret(&wc, 64);
	assert_ct_ok(ct_seed_engine_workload_secret(a, "apps/web", &wa));
	assert_ct_ok(ct_seed_engine_workload_secret(b, "apps/web", &wb));
	assert_ct_ok(ct_seed_engine_workload_secret(a, "apps/db", &wc));
	assert_int_equal(wa.len, CT_SEED_WORKLOAD_SECRET_LEN);
	assert_true(ct_span_eq(ct_buf_span(&wa), ct_buf_span(&wb)));
	assert_false(ct_span_eq(ct_buf_span(&wa), ct_buf_span(&wc)));

	/* Recomputed by hand: HKDF(HKDF(seed, salt, POD STATE), salt, id). */
	uint8_t pod[64], want[CT_SEED_WORKLOAD_SECRET_LEN];
	assert_ct_ok(ct_seed_hkdf(ct_span_make(seed_a, CT_SEED_LEN),
				  ct_span_make(salt_a, CT_SEED_SALT_LEN),
				  "POD STATE SECRET", pod, sizeof(pod)));
	assert_ct_ok(ct_seed_hkdf(ct_span_make(pod, sizeof(pod)),
				  ct_span_make(salt_a, CT_SEED_SALT_LEN),
				  "WORKLOAD SECRET ID: apps/web", want,
				  sizeof(want)));
	assert_memory_equal(wa.data, want, sizeof(want));

	assert_true(ct_span_eq(ct_seed_engine_seed(a),
			       ct_span_make(seed_a, CT_SEED_LEN)));
	assert_true(ct_span_eq(ct_seed_engine_salt(a),
			       ct_span_make(salt_a, CT_SEED_SALT_LEN)));
	ct_buf_dispose(&da);
	ct_buf_dispose(&db);
	ct_buf_dispose(&dc);
	ct_buf_dispose(&wa);
	ct_buf_dispose(&wb);
	ct_buf_dispose(&wc);
	ct_seed_engine_free(a);
	ct_seed_engine_free(b);
	ct_seed_engine_free(c);
}

/* d = (c mod (n-1)) + 1 with c = HKDF(secret, "", "P-384 KEY", 56). */
static void test_p384_a21(void **state)
{
	(void)state;
	uint8_t secret[64];
	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)(i * 7);
	EVP_PKEY *k = NULL;
	assert_ct_ok(ct_seed_p384_from_bytes(ct_span_make(secret, sizeof(secret)),
					     &k));
	uint8_t c[CT_SEED_P384_CANDIDATE_LEN];
	assert_ct_ok(ct_seed_hkdf(ct_span_make(secret, sizeof(secret)),
				  ct_span_make(NULL, 0), "P-384 KEY", c,
				  sizeof(c)));
	BN_CTX *bc = BN_CTX_new();
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp384r1);
	BIGNUM *bn = BN_bin2bn(c, sizeof(c), NULL), *n1 = BN_dup(
						     EC_GROUP_get0_order(g));
	BIGNUM *d = BN_new(), *got = NULL;
	assert_true(BN_sub_word(n1, 1));
	assert_true(BN_mod(d, bn, n1, bc));
	assert_true(BN_add_word(d, 1));
	assert_int_equal(EVP_PKEY_get_bn_param(k, "priv", &got), 1);
	assert_int_equal(BN_cmp(d, got), 0);
	/* The public point is consistent with d. */
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
	assert_int_equal(EVP_PKEY_check(ctx), 1);
	EVP_PKEY_CTX_free(ctx);
	/* Too little input is refused. */
	EVP_PKEY *k2 = NULL;
	assert_ct_err(ct_seed_p384_from_bytes(ct_span_make(secret, 31), &k2),
		      CT_ERR_USAGE);
	BN_free(bn);
	BN_free(n1);
	BN_free(d);
	BN_free(got);
	EC_GROUP_free(g);
	BN_CTX_free(bc);
	EVP_PKEY_free(k);
}

static void test_engine_input_checks(void **state)
{
	(void)state;
	struct ct_seed_engine *e = NULL;
	assert_ct_err(ct_seed_engine_new(ct_span_make(seed_a, 32),
					 ct_span_make(salt_a, 32), &e),
		      CT_ERR_PROTO);
	assert_error_contains("want 64");
	assert_ct_err(ct_seed_engine_new(ct_span_make(seed_a, 64),
					 ct_span_make(salt_a, 16), &e),
		      CT_ERR_PROTO);
	assert_null(e);
	assert_ct_ok(ct_seed_engine_generate(&e));
	struct ct_seed_engine *f = NULL;
	assert_ct_ok(ct_seed_engine_generate(&f));
	assert_false(ct_span_eq(ct_seed_engine_seed(e), ct_seed_engine_seed(f)));
	struct ct_buf w;
	ct_buf_init_secret(&w, 64);
	assert_ct_err(ct_seed_engine_workload_secret(e, "", &w), CT_ERR_USAGE);
	assert_ct_err(ct_seed_engine_workload_secret(e, "a\nb", &w),
		      CT_ERR_USAGE);
	char *big = malloc(CT_SEED_SECRET_ID_MAX + 2);
	memset(big, 'x', CT_SEED_SECRET_ID_MAX + 1);
	big[CT_SEED_SECRET_ID_MAX + 1] = '\0';
	assert_ct_err(ct_seed_engine_workload_secret(e, big, &w), CT_ERR_USAGE);
	big[CT_SEED_SECRET_ID_MAX] = '\0';
	assert_ct_ok(ct_seed_engine_workload_secret(e, big, &w));
	free(big);
	ct_buf_dispose(&w);
	ct_seed_engine_free(e);
	ct_seed_engine_free(f);
}

/* ---------------------------------------------------------- seed shares */

struct sfx {
	struct ct_manifest *m;
	struct ct_seed_engine *e;
	EVP_PKEY *owner1, *owner2;
	struct ct_buf doc;
};

static int share_setup(void **state)
{
	struct sfx *f = calloc(1, sizeof(*f));
	json_t *j = fx_manifest();
	char *s = fx_dump(j);
	assert_ct_ok(ct_manifest_parse(ct_span_str(s), 0, &f->m));
	free(s);
	json_decref(j);
	f->e = engine(seed_a, salt_a);
	f->owner1 = fx_load_key("seedshare-owner-1.pem");
	f->owner2 = fx_load_key("seedshare-owner-2.pem");
	ct_buf_init(&f->doc, CT_SEEDSHARE_DOC_MAX_BYTES);
	assert_ct_ok(ct_seedshare_doc_create(f->e, f->m, &f->doc));
	*state = f;
	return 0;
}

static int share_teardown(void **state)
{
	struct sfx *f = *state;
	ct_manifest_free(f->m);
	ct_seed_engine_free(f->e);
	EVP_PKEY_free(f->owner1);
	EVP_PKEY_free(f->owner2);
	ct_buf_dispose(&f->doc);
	free(f);
	return 0;
}

static void test_share_roundtrip(void **state)
{
	struct sfx *f = *state;
	struct ct_seedshare_doc doc;
	assert_ct_ok(ct_seedshare_doc_decode(ct_buf_span(&f->doc), &doc));
	assert_int_equal(doc.n_shares, 1);
	assert_string_equal(doc.shares[0].pubkey_hex,
			    f->m->seedshare_keys[0].hex);
	assert_memory_equal(doc.salt, salt_a, CT_SEED_SALT_LEN);
	ct_seedshare_doc_dispose(&doc);

	struct ct_buf seed, salt;
	ct_buf_init_secret(&seed, CT_SEED_LEN);
	ct_buf_init_secret(&salt, CT_SEED_SALT_LEN);
	assert_ct_ok(ct_seedshare_recover(ct_buf_span(&f->doc), f->owner1,
					  &seed, &salt));
	assert_true(ct_span_eq(ct_buf_span(&seed),
			       ct_span_make(seed_a, CT_SEED_LEN)));
	assert_true(ct_span_eq(ct_buf_span(&salt),
			       ct_span_make(salt_a, CT_SEED_SALT_LEN)));
	/* The recovered seed gives the same keys. */
	struct ct_seed_engine *r = NULL;
	assert_ct_ok(ct_seed_engine_new(ct_buf_span(&seed), ct_buf_span(&salt),
					&r));
	assert_int_equal(EVP_PKEY_eq(ct_seed_engine_signing_key(r),
				     ct_seed_engine_signing_key(f->e)),
			 1);
	ct_seed_engine_free(r);
	ct_buf_dispose(&seed);
	ct_buf_dispose(&salt);
}

static void test_share_unknown_key(void **state)
{
	struct sfx *f = *state;
	struct ct_buf seed, salt;
	ct_buf_init_secret(&seed, CT_SEED_LEN);
	ct_buf_init_secret(&salt, CT_SEED_SALT_LEN);
	assert_ct_err(ct_seedshare_recover(ct_buf_span(&f->doc), f->owner2,
					   &seed, &salt),
		      CT_ERR_POLICY);
	assert_error_contains("no share for this key");
	assert_int_equal(seed.len, 0);
	ct_buf_dispose(&seed);
	ct_buf_dispose(&salt);
}

/* Replaces the share's EncryptedSeed with `ct` (base64-encoded). */
static char *doc_with_ciphertext(struct sfx *f, const uint8_t *ct, size_t n)
{
	json_error_t err;
	json_t *j = json_loadb((const char *)f->doc.data, f->doc.len, 0, &err);
	assert_non_null(j);
	struct ct_buf b64;
	ct_buf_init(&b64, 4096);
	assert_ct_ok(ct_base64_encode(&b64, ct_span_make(ct, n)));
	json_t *share = json_array_get(json_object_get(j, "SeedShares"), 0);
	json_object_set_new(share, "EncryptedSeed",
			    json_string(ct_buf_cstr(&b64)));
	char *s = fx_dump(j);
	ct_buf_dispose(&b64);
	json_decref(j);
	return s;
}

static void test_share_tampered(void **state)
{
	struct sfx *f = *state;
	struct ct_seedshare_doc doc;
	assert_ct_ok(ct_seedshare_doc_decode(ct_buf_span(&f->doc), &doc));
	uint8_t ct[CT_SEEDSHARE_CIPHERTEXT_LEN];
	memcpy(ct, doc.shares[0].encrypted, sizeof(ct));
	ct_seedshare_doc_dispose(&doc);
	ct[100] ^= 0x01;
	char *s = doc_with_ciphertext(f, ct, sizeof(ct));
	struct ct_buf seed, salt;
	ct_buf_init_secret(&seed, CT_SEED_LEN);
	ct_buf_init_secret(&salt, CT_SEED_SALT_LEN);
	assert_ct_err(ct_seedshare_recover(ct_span_str(s), f->owner1, &seed,
					   &salt),
		      CT_ERR_CRYPTO);
	assert_int_equal(seed.len, 0);
	free(s);
	ct_buf_dispose(&seed);
	ct_buf_dispose(&salt);
}

static void test_share_wrong_label(void **state)
{
	struct sfx *f = *state;
	/* Encrypt with label "other" by hand: decryption must refuse it. */
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(f->owner1, NULL);
	assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_CTX_set0_rsa_oaep_label(
				 ctx, OPENSSL_strdup("other"), 5), 1);
	uint8_t ct[CT_SEEDSHARE_CIPHERTEXT_LEN];
	size_t len = sizeof(ct);
	assert_int_equal(EVP_PKEY_encrypt(ctx, ct, &len, seed_a, CT_SEED_LEN), 1);
	EVP_PKEY_CTX_free(ctx);
	struct ct_buf seed;
	ct_buf_init_secret(&seed, CT_SEED_LEN);
	assert_ct_err(ct_seedshare_decrypt(f->owner1, ct_span_make(ct, len),
					   &seed),
		      CT_ERR_CRYPTO);
	/* The right label works through the same function. */
	struct ct_buf good;
	ct_buf_init(&good, CT_SEEDSHARE_CIPHERTEXT_LEN);
	assert_ct_ok(ct_seedshare_encrypt(f->owner1,
					  ct_span_make(seed_a, CT_SEED_LEN),
					  &good));
	assert_ct_ok(ct_seedshare_decrypt(f->owner1, ct_buf_span(&good), &seed));
	assert_memory_equal(seed.data, seed_a, CT_SEED_LEN);
	/* A share for owner 1 does not open with owner 2. */
	ct_buf_reset(&seed);
	assert_ct_err(ct_seedshare_decrypt(f->owner2, ct_buf_span(&good), &seed),
		      CT_ERR_CRYPTO);
	ct_buf_dispose(&good);
	ct_buf_dispose(&seed);
}

static void test_share_wrong_key_size(void **state)
{
	(void)state;
	EVP_PKEY *small = fx_load_key("rsa-2048.pem");
	struct ct_buf out;
	ct_buf_init(&out, 1024);
	assert_ct_err(ct_seedshare_encrypt(small,
					   ct_span_make(seed_a, CT_SEED_LEN),
					   &out),
		      CT_ERR_CRYPTO);
	assert_error_contains("want 4096");
	EVP_PKEY *ec = fx_load_key("workload-owner.pem");
	assert_ct_err(ct_seedshare_encrypt(ec, ct_span_make(seed_a, CT_SEED_LEN),
					   &out),
		      CT_ERR_USAGE);
	EVP_PKEY_free(small);
	EVP_PKEY_free(ec);
	ct_buf_dispose(&out);
}

static void test_share_doc_corrupt(void **state)
{
	struct sfx *f = *state;
	const char *salt_ok = "\"salt\":\"CQgHAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";
	char *cases[16];
	size_t n = 0;
	cases[n++] = ct_strdup("");
	cases[n++] = ct_strdup("[]");
	cases[n++] = ct_strdup("{\"SeedShares\":[]}");
	cases[n++] = ct_aprintf("{%s}", salt_ok);
	cases[n++] = ct_aprintf("{\"SeedShares\":{},%s}", salt_ok);
	cases[n++] = ct_aprintf("{\"SeedShares\":[],%s,\"extra\":1}", salt_ok);
	cases[n++] = ct_aprintf("{\"SeedShares\":[],%s,%s}", salt_ok, salt_ok);
	cases[n++] = ct_strdup("{\"SeedShares\":[],\"salt\":\"AAAA\"}");
	cases[n++] = ct_strdup("{\"SeedShares\":[],\"salt\":\"!!!!\"}");
	cases[n++] = ct_strdup("{\"SeedShares\":[],\"salt\":5}");
	cases[n++] = ct_aprintf("{\"SeedShares\":[1],%s}", salt_ok);
	cases[n++] = ct_aprintf("{\"SeedShares\":[{\"PublicKey\":\"zz\","
				"\"EncryptedSeed\":\"AAAA\"}],%s}", salt_ok);
	cases[n++] = ct_aprintf("{\"SeedShares\":[{\"PublicKey\":\"00\","
				"\"EncryptedSeed\":\"AAAA\"}],%s}", salt_ok);
	cases[n++] = ct_aprintf("{\"SeedShares\":[{\"PublicKey\":\"00\"}],%s}",
				salt_ok);
	cases[n++] = ct_aprintf("{\"SeedShares\":[{\"PublicKey\":\"00\","
				"\"EncryptedSeed\":\"AAAA\",\"x\":1}],%s}",
				salt_ok);
	cases[n++] = ct_aprintf("{\"SeedShares\":[],\"salt\":\"CQgH\\u0000\"}");
	for (size_t i = 0; i < n; i++) {
		assert_non_null(cases[i]);
		struct ct_seedshare_doc doc;
		ct_result r = ct_seedshare_doc_decode(ct_span_str(cases[i]), &doc);
		if (r.err != CT_ERR_PROTO && r.err != CT_ERR_LIMIT)
			fail_msg("case %zu (%s) accepted or wrong error: %s",
				 i, cases[i], ct_error_message());
		ct_seedshare_doc_dispose(&doc);
		free(cases[i]);
	}
	/* Too many shares. */
	struct ct_buf big;
	ct_buf_init(&big, CT_SEEDSHARE_DOC_MAX_BYTES * 2);
	assert_ct_ok(ct_buf_append_str(&big, "{\"SeedShares\":["));
	for (unsigned i = 0; i <= CT_SEEDSHARE_MAX_SHARES; i++)
		assert_ct_ok(ct_buf_printf(&big, "%s{}", i ? "," : ""));
	assert_ct_ok(ct_buf_printf(&big, "],%s}", salt_ok));
	struct ct_seedshare_doc doc;
	assert_ct_err(ct_seedshare_doc_decode(ct_buf_span(&big), &doc),
		      CT_ERR_LIMIT);
	ct_seedshare_doc_dispose(&doc);
	/* Oversized document. */
	ct_buf_reset(&big);
	while (big.len <= CT_SEEDSHARE_DOC_MAX_BYTES)
		assert_ct_ok(ct_buf_append_str(&big, "                "));
	assert_ct_err(ct_seedshare_doc_decode(ct_buf_span(&big), &doc),
		      CT_ERR_LIMIT);
	ct_seedshare_doc_dispose(&doc);
	ct_buf_dispose(&big);
	/* Short ciphertext. */
	uint8_t shortct[100] = { 0 };
	char *s = doc_with_ciphertext(f, shortct, sizeof(shortct));
	assert_ct_err(ct_seedshare_doc_decode(ct_span_str(s), &doc), CT_ERR_PROTO);
	assert_error_contains("EncryptedSeed");
	ct_seedshare_doc_dispose(&doc);
	free(s);
	/* Truncated document. */
	assert_ct_err(ct_seedshare_doc_decode(
			      ct_span_make(f->doc.data, f->doc.len - 3), &doc),
		      CT_ERR_PROTO);
	ct_seedshare_doc_dispose(&doc);
}

static void test_owner_key_io(void **state)
{
	(void)state;
	char *pem = fx_read_data("seedshare-owner-1.pem");
	EVP_PKEY *k = NULL;
	assert_ct_ok(ct_seedshare_load_private_key(ct_span_str(pem), &k));
	struct ct_buf out;
	ct_buf_init_secret(&out, CT_SEEDSHARE_KEY_PEM_MAX);
	assert_ct_ok(ct_seedshare_private_key_pem(k, &out));
	assert_non_null(strstr(ct_buf_cstr(&out), "BEGIN RSA PRIVATE KEY"));
	EVP_PKEY *k2 = NULL;
	assert_ct_ok(ct_seedshare_load_private_key(ct_buf_span(&out), &k2));
	assert_int_equal(EVP_PKEY_eq(k, k2), 1);
	EVP_PKEY_free(k2);
	k2 = NULL;
	assert_ct_err(ct_seedshare_load_private_key(ct_span_str("garbage"), &k2),
		      CT_ERR_PROTO);
	char *ec = fx_read_data("workload-owner.pem");
	assert_ct_err(ct_seedshare_load_private_key(ct_span_str(ec), &k2),
		      CT_ERR_USAGE);
	free(ec);
	free(pem);
	EVP_PKEY_free(k);
	ct_buf_dispose(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hkdf_rfc5869),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_p384_a21),
		cmocka_unit_test(test_engine_input_checks),
		cmocka_unit_test_setup_teardown(test_share_roundtrip, share_setup, share_teardown),
		cmocka_unit_test_setup_teardown(test_share_unknown_key, share_setup, share_teardown),
		cmocka_unit_test_setup_teardown(test_share_tampered, share_setup, share_teardown),
		cmocka_unit_test_setup_teardown(test_share_wrong_label, share_setup, share_teardown),
		cmocka_unit_test(test_share_wrong_key_size),
		cmocka_unit_test_setup_teardown(test_share_doc_corrupt, share_setup, share_teardown),
		cmocka_unit_test(test_owner_key_io),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
