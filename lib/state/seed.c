/*
 * seed.c - the seed engine (reference/contrast.md §6, docs/state.md):
 * a 64-byte seed and a 32-byte salt, from which HKDF-SHA256 derives the
 * root CA key, the transaction signing key and the workload secrets.
 *
 * Trust boundary: the seed is the Coordinator's root secret. It arrives
 * from RAND_priv_bytes, from a seedshare owner (`contrast recover`) or
 * from an attested peer Coordinator; only its length is checked here.
 * Seed, salt and every intermediate secret live in secret buffers or are
 * wiped before their stack frame dies; nothing here logs them.
 *
 * Deterministic P-384 keys (FIPS 186-5 A.2.1, "key pair generation using
 * extra random bits"): c = HKDF-SHA256(secret, "", "P-384 KEY") of
 * 384/8 + 8 = 56 bytes read big-endian, d = (c mod (n - 1)) + 1, Q = dG.
 * The 64 extra bits make the bias of the reduction negligible (< 2^-64),
 * and the same secret always gives the same key, so the root CA key and
 * the signing key survive restarts and move with the seed.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include "state/state.h"

#define DERIVED_LEN 64u /* HKDF output for derived seeds = seed length */
#define P384_INFO "P-384 KEY"
#define P384_BYTES 48u

struct ct_seed_engine {
	struct ct_buf seed;   /* secret, CT_SEED_LEN */
	struct ct_buf salt;   /* secret, CT_SEED_SALT_LEN */
	uint8_t pod_state[DERIVED_LEN];
	EVP_PKEY *root_ca_key;
	EVP_PKEY *signing_key;
};

ct_result ct_seed_hkdf(struct ct_span secret, struct ct_span salt,
		       const char *info, uint8_t *out, size_t out_len)
{
	CT_ENSURE(secret.len > 0 && info != NULL && out != NULL && out_len > 0,
		  CT_ERR_USAGE, "seed: hkdf: bad arguments");
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	EVP_KDF_free(kdf);
	CT_ENSURE(ctx != NULL, CT_ERR_CRYPTO, "seed: HKDF unavailable");
	OSSL_PARAM params[5], *p = params;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)secret.ptr, secret.len);
	if (salt.len > 0)
		*p++ = OSSL_PARAM_construct_octet_string(
			OSSL_KDF_PARAM_SALT, (void *)salt.ptr, salt.len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 (void *)info, strlen(info));
	*p = OSSL_PARAM_construct_end();
	int ok = EVP_KDF_derive(ctx, out, out_len, params);
	EVP_KDF_CTX_free(ctx);
	if (ok != 1) {
		ct_wipe(out, out_len);
		return CT_FAIL_OSSL(CT_ERR_CRYPTO, "seed: HKDF(%s) failed",
				    info);
	}
	return CT_OK;
}

/* Builds an EVP_PKEY for P-384 from a private scalar d (computes Q = dG). */
static ct_result p384_from_scalar(const BIGNUM *d, EVP_PKEY **out)
{
	ct_result res = CT_OK;
	EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_secp384r1);
	EC_POINT *q = group != NULL ? EC_POINT_new(group) : NULL;
	BN_CTX *bnctx = BN_CTX_secure_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char pub[1 + 2 * P384_BYTES];
	unsigned char priv[P384_BYTES]; /* native-endian, as OSSL_PARAM wants */
	CT_TRY_ENSURE(group != NULL && q != NULL && bnctx != NULL, CT_ERR_NOMEM,
		      "out of memory");
	CT_TRY_ENSURE(EC_POINT_mul(group, q, d, NULL, NULL, bnctx) == 1,
		      CT_ERR_CRYPTO, "seed: computing the public key failed");
	size_t pub_len = EC_POINT_point2oct(group, q,
					    POINT_CONVERSION_UNCOMPRESSED, pub,
					    sizeof(pub), bnctx);
	CT_TRY_ENSURE(pub_len == sizeof(pub), CT_ERR_CRYPTO,
		      "seed: encoding the public key failed");
	CT_TRY_ENSURE(BN_bn2nativepad(d, priv, sizeof(priv)) == sizeof(priv),
		      CT_ERR_CRYPTO, "seed: private scalar does not fit");
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						 (char *)"secp384r1", 0),
		OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, priv,
					sizeof(priv)),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub,
						  pub_len),
		OSSL_PARAM_construct_end(),
	};
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	CT_TRY_ENSURE(pctx != NULL, CT_ERR_NOMEM, "out of memory");
	*out = NULL;
	CT_TRY_ENSURE(EVP_PKEY_fromdata_init(pctx) == 1 &&
			      EVP_PKEY_fromdata(pctx, out, EVP_PKEY_KEYPAIR,
						params) == 1,
		      CT_ERR_CRYPTO, "seed: building the P-384 key failed");
out:
	ct_wipe(priv, sizeof(priv));
	EVP_PKEY_CTX_free(pctx);
	BN_CTX_free(bnctx);
	EC_POINT_free(q);
	EC_GROUP_free(group);
	return res;
}

ct_result ct_seed_p384_from_bytes(struct ct_span secret, EVP_PKEY **out)
{
	CT_ENSURE(out != NULL && secret.len >= 32, CT_ERR_USAGE,
		  "seed: a P-384 key needs at least 32 secret bytes, got %zu",
		  secret.len);
	ct_result res = CT_OK;
	uint8_t c[CT_SEED_P384_CANDIDATE_LEN];
	BIGNUM *bc = BN_secure_new(), *n1 = BN_new(), *d = BN_secure_new();
	BN_CTX *bnctx = BN_CTX_secure_new();
	EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_secp384r1);
	CT_TRY_ENSURE(bc != NULL && n1 != NULL && d != NULL && bnctx != NULL &&
			      group != NULL,
		      CT_ERR_NOMEM, "out of memory");
	CT_TRY(ct_seed_hkdf(secret, ct_span_make(NULL, 0), P384_INFO, c,
			    sizeof(c)));
	/* d = (c mod (n - 1)) + 1, so 1 <= d <= n - 1. */
	CT_TRY_ENSURE(BN_bin2bn(c, sizeof(c), bc) != NULL &&
			      BN_copy(n1, EC_GROUP_get0_order(group)) != NULL &&
			      BN_sub_word(n1, 1) == 1 &&
			      BN_mod(d, bc, n1, bnctx) == 1 &&
			      BN_add_word(d, 1) == 1,
		      CT_ERR_CRYPTO, "seed: reducing the P-384 candidate failed");
	CT_TRY(p384_from_scalar(d, out));
out:
	ct_wipe(c, sizeof(c));
	BN_clear_free(bc);
	BN_free(n1);
	BN_clear_free(d);
	BN_CTX_free(bnctx);
	EC_GROUP_free(group);
	return res;
}

void ct_seed_engine_free(struct ct_seed_engine *e)
{
	if (e == NULL)
		return;
	ct_buf_dispose(&e->seed);
	ct_buf_dispose(&e->salt);
	ct_wipe(e->pod_state, sizeof(e->pod_state));
	EVP_PKEY_free(e->root_ca_key);
	EVP_PKEY_free(e->signing_key);
	ct_wipe(e, sizeof(*e));
	free(e);
}

/* Derives one 64-byte seed from the main seed, then a P-384 key from it. */
static ct_result derive_key(const struct ct_seed_engine *e, const char *label,
			    EVP_PKEY **out)
{
	uint8_t derived[DERIVED_LEN];
	ct_result res = ct_seed_hkdf(ct_buf_span(&e->seed), ct_buf_span(&e->salt),
				     label, derived, sizeof(derived));
	if (ct_ok(res))
		res = ct_seed_p384_from_bytes(
			ct_span_make(derived, sizeof(derived)), out);
	ct_wipe(derived, sizeof(derived));
	return res;
}

ct_result ct_seed_engine_new(struct ct_span seed, struct ct_span salt,
			     struct ct_seed_engine **out)
{
	CT_ENSURE(out != NULL, CT_ERR_USAGE, "seed: missing output");
	CT_ENSURE(seed.len == CT_SEED_LEN, CT_ERR_PROTO,
		  "seed: seed is %zu bytes, want %u", seed.len, CT_SEED_LEN);
	CT_ENSURE(salt.len == CT_SEED_SALT_LEN, CT_ERR_PROTO,
		  "seed: salt is %zu bytes, want %u", salt.len,
		  CT_SEED_SALT_LEN);
	struct ct_seed_engine *e = ct_calloc(1, sizeof(*e));
	CT_ENSURE(e != NULL, CT_ERR_NOMEM, "out of memory");
	ct_buf_init_secret(&e->seed, CT_SEED_LEN);
	ct_buf_init_secret(&e->salt, CT_SEED_SALT_LEN);
	ct_result res = CT_OK;
	CT_TRY(ct_buf_append_span(&e->seed, seed));
	CT_TRY(ct_buf_append_span(&e->salt, salt));
	CT_TRY(ct_seed_hkdf(seed, salt, CT_SEED_LABEL_POD_STATE, e->pod_state,
			    sizeof(e->pod_state)));
	CT_TRY(derive_key(e, CT_SEED_LABEL_ROOT_CA, &e->root_ca_key));
	CT_TRY(derive_key(e, CT_SEED_LABEL_SIGNING, &e->signing_key));
	*out = e;
	e = NULL;
out:
	ct_seed_engine_free(e);
	return res;
}

ct_result ct_seed_engine_generate(struct ct_seed_engine **out)
{
	uint8_t seed[CT_SEED_LEN], salt[CT_SEED_SALT_LEN];
	ct_result res = CT_OK;
	if (RAND_priv_bytes(seed, sizeof(seed)) != 1 ||
	    RAND_priv_bytes(salt, sizeof(salt)) != 1)
		res = CT_FAIL_OSSL(CT_ERR_CRYPTO,
				   "seed: random generator failed");
	else
		res = ct_seed_engine_new(ct_span_make(seed, sizeof(seed)),
					 ct_span_make(salt, sizeof(salt)), out);
	ct_wipe(seed, sizeof(seed));
	ct_wipe(salt, sizeof(salt));
	return res;
}

struct ct_span ct_seed_engine_seed(const struct ct_seed_engine *e)
{
	return ct_buf_span(&e->seed);
}

struct ct_span ct_seed_engine_salt(const struct ct_seed_engine *e)
{
	return ct_buf_span(&e->salt);
}

EVP_PKEY *ct_seed_engine_root_ca_key(const struct ct_seed_engine *e)
{
	return e->root_ca_key;
}

EVP_PKEY *ct_seed_engine_signing_key(const struct ct_seed_engine *e)
{
	return e->signing_key;
}

ct_result ct_seed_engine_workload_secret(const struct ct_seed_engine *e,
					 const char *id, struct ct_buf *out)
{
	CT_ENSURE(e != NULL && id != NULL && out != NULL, CT_ERR_USAGE,
		  "seed: workload secret: missing argument");
	size_t len = strnlen(id, CT_SEED_SECRET_ID_MAX + 1);
	CT_ENSURE(len > 0, CT_ERR_USAGE, "seed: workload secret id is empty");
	CT_ENSURE(len <= CT_SEED_SECRET_ID_MAX, CT_ERR_USAGE,
		  "seed: workload secret id longer than %u bytes",
		  CT_SEED_SECRET_ID_MAX);
	for (size_t i = 0; i < len; i++)
		CT_ENSURE(id[i] >= 0x20 && id[i] <= 0x7e, CT_ERR_USAGE,
			  "seed: workload secret id has a non-printable byte "
			  "at %zu", i);
	char info[sizeof(CT_SEED_LABEL_WORKLOAD) + CT_SEED_SECRET_ID_MAX];
	memcpy(info, CT_SEED_LABEL_WORKLOAD, sizeof(CT_SEED_LABEL_WORKLOAD) - 1);
	memcpy(info + sizeof(CT_SEED_LABEL_WORKLOAD) - 1, id, len + 1);
	uint8_t secret[CT_SEED_WORKLOAD_SECRET_LEN];
	ct_result res = ct_seed_hkdf(
		ct_span_make(e->pod_state, sizeof(e->pod_state)),
		ct_buf_span(&e->salt), info, secret, sizeof(secret));
	if (ct_ok(res))
		res = ct_buf_append(out, secret, sizeof(secret));
	ct_wipe(secret, sizeof(secret));
	return res;
}
