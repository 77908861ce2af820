/*
 * seedshare.c - seed shares (reference/contrast.md §6, docs/state.md):
 * the seed encrypted to each seedshare owner with RSA-OAEP (SHA-256,
 * MGF1-SHA-256, label "seedshare"), the seed-shares.json document the CLI
 * writes after the first `contrast set`, and recovery from it.
 *
 * Trust boundary: seed-shares.json is read from the user's disk (it could
 * be truncated, edited or hostile) and decoded strictly: bounded size,
 * exact keys, no duplicates, canonical base64, fixed lengths. Owner
 * private keys come from the user's own files. The decrypted seed goes
 * only into secret buffers; OAEP's label and padding checks are
 * OpenSSL's, and a wrong key or a tampered ciphertext is CT_ERR_CRYPTO.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "manifest/manifest.h"
#include "state/state.h"

static ct_result oaep_ctx(EVP_PKEY *key, bool encrypt, EVP_PKEY_CTX **out)
{
	CT_ENSURE(key != NULL && EVP_PKEY_is_a(key, "RSA"), CT_ERR_USAGE,
		  "seedshare: key is not RSA");
	CT_ENSURE(EVP_PKEY_get_bits(key) == CT_SEEDSHARE_RSA_BITS,
		  CT_ERR_CRYPTO, "seedshare: RSA key has %d bits, want %d",
		  EVP_PKEY_get_bits(key), CT_SEEDSHARE_RSA_BITS);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	CT_ENSURE(ctx != NULL, CT_ERR_NOMEM, "out of memory");
	int ok = (encrypt ? EVP_PKEY_encrypt_init(ctx)
			  : EVP_PKEY_decrypt_init(ctx)) == 1 &&
		 EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
		 EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) == 1 &&
		 EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) == 1;
	if (ok) {
		/* set0 takes ownership of the label only when it succeeds. */
		char *label = OPENSSL_strdup(CT_SEEDSHARE_LABEL);
		ok = label != NULL &&
		     EVP_PKEY_CTX_set0_rsa_oaep_label(
			     ctx, label, strlen(CT_SEEDSHARE_LABEL)) == 1;
		if (!ok)
			OPENSSL_free(label);
	}
	if (!ok) {
		EVP_PKEY_CTX_free(ctx);
		return CT_FAIL_OSSL(CT_ERR_CRYPTO,
				    "seedshare: setting up RSA-OAEP failed");
	}
	*out = ctx;
	return CT_OK;
}

ct_result ct_seedshare_encrypt(EVP_PKEY *pub, struct ct_span seed,
			       struct ct_buf *out)
{
	EVP_PKEY_CTX *ctx = NULL;
	CT_GUARD(oaep_ctx(pub, true, &ctx));
	uint8_t ct[CT_SEEDSHARE_CIPHERTEXT_LEN];
	size_t len = sizeof(ct);
	int ok = EVP_PKEY_encrypt(ctx, ct, &len, seed.ptr, seed.len);
	EVP_PKEY_CTX_free(ctx);
	if (ok != 1)
		return CT_FAIL_OSSL(CT_ERR_CRYPTO,
				    "seedshare: RSA-OAEP encryption failed");
	return ct_buf_append(out, ct, len);
}

ct_result ct_seedshare_decrypt(EVP_PKEY *priv, struct ct_span encrypted,
			       struct ct_buf *seed_out)
{
	CT_ENSURE(encrypted.len == CT_SEEDSHARE_CIPHERTEXT_LEN, CT_ERR_PROTO,
		  "seedshare: encrypted seed is %zu bytes, want %u",
		  encrypted.len, CT_SEEDSHARE_CIPHERTEXT_LEN);
	EVP_PKEY_CTX *ctx = NULL;
	CT_GUARD(oaep_ctx(priv, false, &ctx));
	uint8_t pt[CT_SEEDSHARE_CIPHERTEXT_LEN];
	size_t len = sizeof(pt);
	int ok = EVP_PKEY_decrypt(ctx, pt, &len, encrypted.ptr, encrypted.len);
	EVP_PKEY_CTX_free(ctx);
	ct_result res = CT_OK;
	if (ok != 1)
		res = CT_FAIL_OSSL(CT_ERR_CRYPTO,
				   "seedshare: RSA-OAEP decryption failed "
				   "(wrong key, label or tampered share)");
	else if (len != CT_SEED_LEN)
		res = CT_FAIL(CT_ERR_PROTO,
			      "seedshare: decrypted seed is %zu bytes, want %u",
			      len, CT_SEED_LEN);
	else
		res = ct_buf_append(seed_out, pt, len);
	ct_wipe(pt, sizeof(pt));
	return res;
}

/* -------------------------------------------------------------- keys */

ct_result ct_seedshare_load_private_key(struct ct_span pem, EVP_PKEY **out)
{
	CT_ENSURE(pem.len > 0 && pem.len <= CT_SEEDSHARE_KEY_PEM_MAX,
		  CT_ERR_LIMIT, "seedshare: key PEM is %zu bytes (limit %u)",
		  pem.len, CT_SEEDSHARE_KEY_PEM_MAX);
	BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
	CT_ENSURE(bio != NULL, CT_ERR_NOMEM, "out of memory");
	EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	CT_ENSURE(k != NULL, CT_ERR_PROTO,
		  "seedshare: owner key: not a PEM private key");
	if (!EVP_PKEY_is_a(k, "RSA")) {
		EVP_PKEY_free(k);
		return CT_FAIL(CT_ERR_USAGE,
			       "seedshare: owner key is not an RSA key");
	}
	*out = k;
	return CT_OK;
}

ct_result ct_seedshare_generate_key(EVP_PKEY **out)
{
	EVP_PKEY *k = EVP_RSA_gen(CT_SEEDSHARE_RSA_BITS);
	if (k == NULL)
		return CT_FAIL_OSSL(CT_ERR_CRYPTO,
				    "seedshare: generating an RSA-%d key failed",
				    CT_SEEDSHARE_RSA_BITS);
	*out = k;
	return CT_OK;
}

ct_result ct_seedshare_private_key_pem(EVP_PKEY *priv, struct ct_buf *out)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	CT_ENSURE(bio != NULL, CT_ERR_NOMEM, "out of memory");
	ct_result res = CT_OK;
	/* "traditional" = PKCS#1 "RSA PRIVATE KEY", as Contrast writes it. */
	if (PEM_write_bio_PrivateKey_traditional(bio, priv, NULL, NULL, 0,
						 NULL, NULL) != 1) {
		res = CT_FAIL_OSSL(CT_ERR_CRYPTO,
				   "seedshare: encoding the owner key failed");
	} else {
		char *p = NULL;
		long n = BIO_get_mem_data(bio, &p);
		res = ct_buf_append(out, p, (size_t)n);
	}
	BIO_free(bio);
	return res;
}

/* ----------------------------------------------------------- document */

static ct_result add_share(json_t *arr, const struct ct_manifest_rsa_key *k,
			   struct ct_span seed, size_t index)
{
	const unsigned char *p = k->der;
	EVP_PKEY *pub = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)k->der_len);
	CT_ENSURE(pub != NULL, CT_ERR_CRYPTO,
		  "seedshare: SeedshareOwnerPubKeys[%zu]: not an RSA key",
		  index);
	ct_result res = CT_OK;
	struct ct_buf ct, b64;
	ct_buf_init(&ct, CT_SEEDSHARE_CIPHERTEXT_LEN);
	ct_buf_init(&b64, 2 * CT_SEEDSHARE_CIPHERTEXT_LEN);
	res = ct_seedshare_encrypt(pub, seed, &ct);
	if (!ct_ok(res)) {
		res = ct_error_prefix("SeedshareOwnerPubKeys[%zu]", index);
		goto out;
	}
	CT_TRY(ct_base64_encode(&b64, ct_buf_span(&ct)));
	json_t *o = json_pack("{s:s, s:s}", "PublicKey", k->hex,
			      "EncryptedSeed", ct_buf_cstr(&b64));
	CT_TRY_ENSURE(o != NULL && json_array_append_new(arr, o) == 0,
		      CT_ERR_NOMEM, "out of memory");
out:
	ct_buf_dispose(&ct);
	ct_buf_dispose(&b64);
	EVP_PKEY_free(pub);
	return res;
}

ct_result ct_seedshare_doc_create(const struct ct_seed_engine *e,
				  const struct ct_manifest *m,
				  struct ct_buf *out)
{
	CT_ENSURE(e != NULL && m != NULL && out != NULL, CT_ERR_USAGE,
		  "seedshare: missing argument");
	CT_ENSURE(m->n_seedshare_keys <= CT_SEEDSHARE_MAX_SHARES, CT_ERR_LIMIT,
		  "seedshare: %zu owners (limit %u)", m->n_seedshare_keys,
		  CT_SEEDSHARE_MAX_SHARES);
	ct_result res = CT_OK;
	json_t *doc = NULL, *arr = json_array();
	struct ct_buf salt;
	ct_buf_init(&salt, 64);
	char *text = NULL;
	CT_TRY_ENSURE(arr != NULL, CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < m->n_seedshare_keys; i++)
		CT_TRY(add_share(arr, &m->seedshare_keys[i],
				 ct_seed_engine_seed(e), i));
	CT_TRY(ct_base64_encode(&salt, ct_seed_engine_salt(e)));
	doc = json_pack("{s:O, s:s}", "SeedShares", arr, "salt",
			ct_buf_cstr(&salt));
	CT_TRY_ENSURE(doc != NULL, CT_ERR_NOMEM, "out of memory");
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	CT_TRY_ENSURE(text != NULL, CT_ERR_NOMEM, "out of memory");
	CT_TRY(ct_buf_append_str(out, text));
out:
	free(text);
	json_decref(doc);
	json_decref(arr);
	ct_buf_dispose(&salt);
	return res;
}

void ct_seedshare_doc_dispose(struct ct_seedshare_doc *doc)
{
	if (doc == NULL)
		return;
	for (size_t i = 0; i < doc->n_shares; i++) {
		free(doc->shares[i].pubkey_hex);
		free(doc->shares[i].encrypted);
	}
	free(doc->shares);
	memset(doc, 0, sizeof(*doc));
}

static ct_result only_keys(json_t *obj, const char *where,
			   const char *const *known)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		bool ok = false;
		for (size_t i = 0; known[i] != NULL; i++)
			ok = ok || strcmp(key, known[i]) == 0;
		CT_ENSURE(ok, CT_ERR_PROTO, "seedshare: %s: unknown field \"%.64s\"",
			  where, key);
	}
	return CT_OK;
}

static ct_result get_string(json_t *obj, const char *where, const char *key,
			    size_t max, const char **out, size_t *len)
{
	json_t *v = json_object_get(obj, key);
	CT_ENSURE(v != NULL, CT_ERR_PROTO, "seedshare: %s.%s: missing", where,
		  key);
	CT_ENSURE(json_is_string(v), CT_ERR_PROTO,
		  "seedshare: %s.%s: not a string", where, key);
	*len = json_string_length(v);
	CT_ENSURE(*len <= max, CT_ERR_LIMIT,
		  "seedshare: %s.%s: %zu bytes (limit %zu)", where, key, *len,
		  max);
	*out = json_string_value(v);
	CT_ENSURE(strlen(*out) == *len, CT_ERR_PROTO,
		  "seedshare: %s.%s: contains a NUL byte", where, key);
	return CT_OK;
}

static ct_result decode_share(json_t *o, size_t i, struct ct_seedshare *sh)
{
	static const char *const known[] = { "PublicKey", "EncryptedSeed",
					     NULL };
	char where[48];
	snprintf(where, sizeof(where), "SeedShares[%zu]", i);
	CT_ENSURE(json_is_object(o), CT_ERR_PROTO, "seedshare: %s: not an object",
		  where);
	CT_GUARD(only_keys(o, where, known));
	const char *hex, *b64;
	size_t hex_len, b64_len;
	CT_GUARD(get_string(o, where, "PublicKey", CT_SEEDSHARE_PUBKEY_HEX_MAX,
			    &hex, &hex_len));
	CT_GUARD(get_string(o, where, "EncryptedSeed",
			    2 * CT_SEEDSHARE_CIPHERTEXT_LEN, &b64, &b64_len));

	ct_result res = CT_OK;
	struct ct_buf der, enc;
	ct_buf_init(&der, CT_SEEDSHARE_PUBKEY_HEX_MAX / 2);
	ct_buf_init(&enc, CT_SEEDSHARE_CIPHERTEXT_LEN);
	CT_TRY_ENSURE(hex_len > 0, CT_ERR_PROTO, "seedshare: %s.PublicKey: empty",
		      where);
	if (!ct_ok(ct_hex_decode(&der, hex, hex_len))) {
		res = ct_error_prefix("seedshare: %s.PublicKey", where);
		goto out;
	}
	if (!ct_ok(ct_base64_decode(&enc, b64, b64_len))) {
		res = ct_error_prefix("seedshare: %s.EncryptedSeed", where);
		goto out;
	}
	CT_TRY_ENSURE(enc.len == CT_SEEDSHARE_CIPHERTEXT_LEN, CT_ERR_PROTO,
		      "seedshare: %s.EncryptedSeed: %zu bytes, want %u", where,
		      enc.len, CT_SEEDSHARE_CIPHERTEXT_LEN);
	/* Keep the lowercase hex form for matching against owner keys. */
	struct ct_buf lower;
	ct_buf_init(&lower, CT_SEEDSHARE_PUBKEY_HEX_MAX + 1);
	res = ct_hex_encode(&lower, ct_buf_span(&der));
	if (!ct_ok(res)) {
		ct_buf_dispose(&lower);
		goto out;
	}
	sh->pubkey_hex = (char *)ct_buf_take(&lower, NULL);
	sh->encrypted = ct_buf_take(&enc, &sh->encrypted_len);
	CT_TRY_ENSURE(sh->pubkey_hex != NULL && sh->encrypted != NULL,
		      CT_ERR_NOMEM, "out of memory");
out:
	ct_buf_dispose(&der);
	ct_buf_dispose(&enc);
	return res;
}

ct_result ct_seedshare_doc_decode(struct ct_span json,
				  struct ct_seedshare_doc *out)
{
	static const char *const known[] = { "SeedShares", "salt", NULL };
	CT_ENSURE(out != NULL, CT_ERR_USAGE, "seedshare: missing output");
	memset(out, 0, sizeof(*out));
	CT_ENSURE(json.len <= CT_SEEDSHARE_DOC_MAX_BYTES, CT_ERR_LIMIT,
		  "seedshare: document is %zu bytes (limit %u)", json.len,
		  CT_SEEDSHARE_DOC_MAX_BYTES);
	json_error_t jerr;
	json_t *doc = json_loadb((const char *)json.ptr, json.len,
				 JSON_REJECT_DUPLICATES, &jerr);
	CT_ENSURE(doc != NULL, CT_ERR_PROTO,
		  "seedshare: not JSON: %s at line %d column %d", jerr.text,
		  jerr.line, jerr.column);
	ct_result res = CT_OK;
	CT_TRY_ENSURE(json_is_object(doc), CT_ERR_PROTO,
		      "seedshare: document is not a JSON object");
	CT_TRY(only_keys(doc, "document", known));

	const char *salt_b64;
	size_t salt_len;
	CT_TRY(get_string(doc, "document", "salt", 128, &salt_b64, &salt_len));
	struct ct_buf salt;
	ct_buf_init(&salt, CT_SEED_SALT_LEN);
	res = ct_base64_decode(&salt, salt_b64, salt_len);
	if (!ct_ok(res) || salt.len != CT_SEED_SALT_LEN) {
		if (ct_ok(res))
			res = CT_FAIL(CT_ERR_PROTO, "%zu bytes, want %u",
				      salt.len, CT_SEED_SALT_LEN);
		ct_buf_dispose(&salt);
		res = ct_error_prefix("seedshare: salt");
		goto out;
	}
	memcpy(out->salt, salt.data, CT_SEED_SALT_LEN);
	ct_buf_dispose(&salt);

	json_t *arr = json_object_get(doc, "SeedShares");
	CT_TRY_ENSURE(arr != NULL, CT_ERR_PROTO, "seedshare: SeedShares: missing");
	CT_TRY_ENSURE(json_is_array(arr), CT_ERR_PROTO,
		      "seedshare: SeedShares: not an array");
	size_t n = json_array_size(arr);
	CT_TRY_ENSURE(n <= CT_SEEDSHARE_MAX_SHARES, CT_ERR_LIMIT,
		      "seedshare: SeedShares: %zu entries (limit %u)", n,
		      CT_SEEDSHARE_MAX_SHARES);
	if (n > 0) {
		out->shares = ct_calloc(n, sizeof(*out->shares));
		CT_TRY_ENSURE(out->shares != NULL, CT_ERR_NOMEM,
			      "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		out->n_shares = i + 1; /* so dispose frees partial entries */
		CT_TRY(decode_share(json_array_get(arr, i), i,
				    &out->shares[i]));
	}
out:
	json_decref(doc);
	return res;
}

ct_result ct_seedshare_recover(struct ct_span json, EVP_PKEY *priv,
			       struct ct_buf *seed_out, struct ct_buf *salt_out)
{
	CT_ENSURE(priv != NULL && seed_out != NULL && salt_out != NULL,
		  CT_ERR_USAGE, "seedshare: recover: missing argument");
	struct ct_seedshare_doc doc;
	struct ct_buf hex;
	ct_buf_init(&hex, CT_SEEDSHARE_PUBKEY_HEX_MAX + 1);
	ct_result res = ct_seedshare_doc_decode(json, &doc);
	if (!ct_ok(res))
		goto out;
	CT_TRY_ENSURE(EVP_PKEY_is_a(priv, "RSA"), CT_ERR_USAGE,
		      "seedshare: owner key is not RSA");
	CT_TRY(ct_manifest_rsa_pub_hex(priv, &hex));
	const struct ct_seedshare *share = NULL;
	for (size_t i = 0; i < doc.n_shares && share == NULL; i++)
		if (strcmp(doc.shares[i].pubkey_hex, ct_buf_cstr(&hex)) == 0)
			share = &doc.shares[i];
	CT_TRY_ENSURE(share != NULL, CT_ERR_POLICY,
		      "seedshare: no share for this key among %zu shares",
		      doc.n_shares);
	size_t seed_before = seed_out->len;
	CT_TRY(ct_seedshare_decrypt(
		priv, ct_span_make(share->encrypted, share->encrypted_len),
		seed_out));
	res = ct_buf_append(salt_out, doc.salt, sizeof(doc.salt));
	if (!ct_ok(res)) {
		ct_wipe(seed_out->data + seed_before,
			seed_out->len - seed_before);
		seed_out->len = seed_before;
	}
out:
	ct_seedshare_doc_dispose(&doc);
	ct_buf_dispose(&hex);
	return res;
}
