/*
 * history.c - the manifest history on a store (reference/contrast.md §5):
 * content-addressed manifests, policies and transitions, and the signed
 * head transitions/latest.
 *
 * Trust boundary: everything read back from the store is untrusted (the
 * directory or etcd may have been tampered with, or a crash may have cut a
 * write short). Each object is re-hashed against its name on every read,
 * a transition must be exactly 64 bytes, and the head must carry a valid
 * ECDSA P-384 signature by the seed-derived transaction signing key
 * before a Coordinator that knows the seed believes it. The chain of
 * previous hashes then authenticates every older object.
 *
 * Crash safety: an update writes objects first and moves the head last
 * (by compare-and-swap), so a kill -9 at any point leaves the previous
 * head, which only names objects that were durable before it was written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ecdsa.h>

#include "crypto/crypto.h"
#include "state/state.h"

static const uint8_t zero_hash[CT_STATE_HASH_LEN];

static void object_key(char out[CT_STATE_KEY_MAX + 1], const char *dir,
		       const uint8_t hash[CT_STATE_HASH_LEN])
{
	char hex[2 * CT_STATE_HASH_LEN + 1];
	ct_hex_format(hex, hash, CT_STATE_HASH_LEN);
	size_t n = strlen(dir);
	memcpy(out, dir, n);
	out[n] = '/';
	memcpy(out + n + 1, hex, sizeof(hex));
}

static ct_result put_object(struct ct_state_store *s, const char *dir,
			    struct ct_span bytes,
			    uint8_t hash_out[CT_STATE_HASH_LEN])
{
	uint8_t hash[CT_STATE_HASH_LEN];
	char key[CT_STATE_KEY_MAX + 1];
	CT_GUARD(ct_sha256(hash, bytes));
	object_key(key, dir, hash);
	CT_GUARD(ct_state_store_put(s, key, bytes));
	if (hash_out != NULL)
		memcpy(hash_out, hash, sizeof(hash));
	return CT_OK;
}

/* Reads dir/<hex(hash)> into out and checks SHA-256(content) == hash. */
static ct_result get_object(struct ct_state_store *s, const char *dir,
			    const uint8_t hash[CT_STATE_HASH_LEN],
			    struct ct_buf *out)
{
	char key[CT_STATE_KEY_MAX + 1];
	object_key(key, dir, hash);
	size_t before = out->len;
	bool found = false;
	ct_result r = ct_state_store_get(s, key, out, &found);
	if (!ct_ok(r))
		return ct_error_prefix("history: %s", key);
	CT_ENSURE(found, CT_ERR_PROTO, "history: %s: missing", key);

	uint8_t got[CT_STATE_HASH_LEN];
	ct_result res = ct_sha256(got, ct_span_make(out->data + before,
						     out->len - before));
	if (ct_ok(res) && memcmp(got, hash, sizeof(got)) != 0) {
		char hex[2 * CT_STATE_HASH_LEN + 1];
		ct_hex_format(hex, got, sizeof(got));
		res = CT_FAIL(CT_ERR_PROTO,
			      "history: %s: hash mismatch: content hashes to %s",
			      key, hex);
	}
	if (!ct_ok(res)) {
		ct_wipe(out->data + before, out->len - before);
		out->len = before;
		out->data[before] = '\0';
	}
	return res;
}

ct_result ct_history_put_manifest(struct ct_state_store *s,
				  struct ct_span bytes,
				  uint8_t hash_out[CT_STATE_HASH_LEN])
{
	return put_object(s, CT_STATE_DIR_MANIFESTS, bytes, hash_out);
}

ct_result ct_history_put_policy(struct ct_state_store *s, struct ct_span bytes,
				uint8_t hash_out[CT_STATE_HASH_LEN])
{
	return put_object(s, CT_STATE_DIR_POLICIES, bytes, hash_out);
}

ct_result ct_history_get_manifest(struct ct_state_store *s,
				  const uint8_t hash[CT_STATE_HASH_LEN],
				  struct ct_buf *out)
{
	return get_object(s, CT_STATE_DIR_MANIFESTS, hash, out);
}

ct_result ct_history_get_policy(struct ct_state_store *s,
				const uint8_t hash[CT_STATE_HASH_LEN],
				struct ct_buf *out)
{
	return get_object(s, CT_STATE_DIR_POLICIES, hash, out);
}

ct_result ct_history_put_transition(struct ct_state_store *s,
				    const uint8_t manifest[CT_STATE_HASH_LEN],
				    const uint8_t *previous,
				    uint8_t hash_out[CT_STATE_HASH_LEN])
{
	uint8_t t[CT_STATE_TRANSITION_LEN];
	memcpy(t, manifest, CT_STATE_HASH_LEN);
	memcpy(t + CT_STATE_HASH_LEN, previous != NULL ? previous : zero_hash,
	       CT_STATE_HASH_LEN);
	return put_object(s, CT_STATE_DIR_TRANSITIONS,
			  ct_span_make(t, sizeof(t)), hash_out);
}

ct_result ct_history_get_transition(struct ct_state_store *s,
				    const uint8_t hash[CT_STATE_HASH_LEN],
				    struct ct_history_entry *out)
{
	struct ct_buf b;
	ct_buf_init(&b, CT_STATE_OBJECT_MAX_BYTES);
	ct_result res = CT_OK;
	CT_TRY(get_object(s, CT_STATE_DIR_TRANSITIONS, hash, &b));
	if (b.len != CT_STATE_TRANSITION_LEN) {
		char hex[2 * CT_STATE_HASH_LEN + 1];
		ct_hex_format(hex, hash, CT_STATE_HASH_LEN);
		res = CT_FAIL(CT_ERR_PROTO,
			      "history: transitions/%s: %zu bytes, want %u",
			      hex, b.len, CT_STATE_TRANSITION_LEN);
		goto out;
	}
	memcpy(out->transition, hash, CT_STATE_HASH_LEN);
	memcpy(out->manifest, b.data, CT_STATE_HASH_LEN);
	memcpy(out->previous, b.data + CT_STATE_HASH_LEN, CT_STATE_HASH_LEN);
out:
	ct_buf_dispose(&b);
	return res;
}

/* ------------------------------------------------------------------ head */

/* A DER ECDSA-Sig-Value that re-encodes to the same bytes (canonical). */
static ct_result check_sig_der(const uint8_t *sig, size_t len)
{
	const unsigned char *p = sig;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	ct_result res = CT_OK;
	unsigned char *der = NULL;
	if (es == NULL || p != sig + len) {
		res = CT_FAIL(CT_ERR_PROTO,
			      "history: latest: signature is not DER "
			      "ECDSA-Sig-Value (%zu bytes)", len);
		goto out;
	}
	int n = i2d_ECDSA_SIG(es, &der);
	if (n <= 0 || (size_t)n != len || memcmp(der, sig, len) != 0)
		res = CT_FAIL(CT_ERR_PROTO,
			      "history: latest: signature is not canonical DER");
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	return res;
}

static ct_result verify_head(EVP_PKEY *key, const struct ct_history_latest *l)
{
	CT_ENSURE(ct_pkey_is_ec_group(key, "secp384r1"), CT_ERR_USAGE,
		  "history: latest: verification key is not P-384");
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	CT_ENSURE(ctx != NULL, CT_ERR_NOMEM, "out of memory");
	int ok = -1;
	if (EVP_PKEY_verify_init(ctx) == 1)
		ok = EVP_PKEY_verify(ctx, l->sig, l->sig_len, l->transition,
				     CT_STATE_HASH_LEN);
	EVP_PKEY_CTX_free(ctx);
	if (ok != 1) {
		char hex[2 * CT_STATE_HASH_LEN + 1];
		ct_hex_format(hex, l->transition, CT_STATE_HASH_LEN);
		return CT_FAIL_OSSL(CT_ERR_CRYPTO,
				    "history: latest: signature does not verify "
				    "with the transaction signing key "
				    "(transition %s)", hex);
	}
	return CT_OK;
}

static ct_result decode_head(struct ct_span v, struct ct_history_latest *out)
{
	CT_ENSURE(v.len > CT_STATE_HASH_LEN && v.len <= CT_STATE_LATEST_MAX,
		  CT_ERR_PROTO,
		  "history: %s: %zu bytes, want %u + a signature of at most %u",
		  CT_STATE_KEY_LATEST, v.len, CT_STATE_HASH_LEN,
		  CT_STATE_SIG_MAX);
	memset(out, 0, sizeof(*out));
	memcpy(out->transition, v.ptr, CT_STATE_HASH_LEN);
	out->sig_len = v.len - CT_STATE_HASH_LEN;
	memcpy(out->sig, v.ptr + CT_STATE_HASH_LEN, out->sig_len);
	return check_sig_der(out->sig, out->sig_len);
}

ct_result ct_history_get_latest(struct ct_state_store *s, EVP_PKEY *verify_key,
				struct ct_history_latest *out, bool *found)
{
	CT_ENSURE(out != NULL && found != NULL, CT_ERR_USAGE,
		  "history: get_latest: missing argument");
	struct ct_buf b;
	/* Read a little more than a valid head so an overlong one is reported
	 * as malformed (by decode_head) rather than as a limit. */
	ct_buf_init(&b, 4 * CT_STATE_LATEST_MAX);
	*found = false;
	ct_result res = ct_state_store_get(s, CT_STATE_KEY_LATEST, &b, found);
	if (!ct_ok(res)) {
		res = ct_error_prefix("history");
		goto out;
	}
	if (!*found)
		goto out;
	CT_TRY(decode_head(ct_buf_span(&b), out));
	if (verify_key != NULL)
		CT_TRY(verify_head(verify_key, out));
out:
	if (!ct_ok(res))
		*found = false;
	ct_buf_dispose(&b);
	return res;
}

static ct_result sign_head(EVP_PKEY *key, struct ct_history_latest *l)
{
	CT_ENSURE(key != NULL && ct_pkey_is_ec_group(key, "secp384r1"),
		  CT_ERR_USAGE, "history: signing key is not P-384");
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	CT_ENSURE(ctx != NULL, CT_ERR_NOMEM, "out of memory");
	size_t len = sizeof(l->sig);
	int ok = EVP_PKEY_sign_init(ctx) == 1 &&
		 EVP_PKEY_sign(ctx, l->sig, &len, l->transition,
			       CT_STATE_HASH_LEN) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (!ok)
		return CT_FAIL_OSSL(CT_ERR_CRYPTO,
				    "history: signing the transition failed");
	l->sig_len = len;
	return CT_OK;
}

ct_result ct_history_set_latest(struct ct_state_store *s,
				const struct ct_history_latest *old,
				const uint8_t transition[CT_STATE_HASH_LEN],
				EVP_PKEY *sign_key,
				struct ct_history_latest *new_out)
{
	struct ct_history_entry t;
	ct_result r = ct_history_get_transition(s, transition, &t);
	if (!ct_ok(r)) {
		/* The head must never name an object that is not durable. */
		char why[CT_ERROR_MSG_MAX];
		snprintf(why, sizeof(why), "%s", ct_error_message());
		return CT_FAIL(CT_ERR_USAGE,
			       "history: refusing to set latest: %s", why);
	}
	struct ct_history_latest next;
	memset(&next, 0, sizeof(next));
	memcpy(next.transition, transition, CT_STATE_HASH_LEN);
	CT_GUARD(sign_head(sign_key, &next));

	uint8_t newv[CT_STATE_LATEST_MAX], oldv[CT_STATE_LATEST_MAX];
	memcpy(newv, next.transition, CT_STATE_HASH_LEN);
	memcpy(newv + CT_STATE_HASH_LEN, next.sig, next.sig_len);
	struct ct_span old_span, *old_p = NULL;
	if (old != NULL) {
		CT_ENSURE(old->sig_len <= CT_STATE_SIG_MAX, CT_ERR_USAGE,
			  "history: old head has an oversized signature");
		memcpy(oldv, old->transition, CT_STATE_HASH_LEN);
		memcpy(oldv + CT_STATE_HASH_LEN, old->sig, old->sig_len);
		old_span = ct_span_make(oldv, CT_STATE_HASH_LEN + old->sig_len);
		old_p = &old_span;
	}
	CT_GUARD(ct_state_store_cas(
		s, CT_STATE_KEY_LATEST, old_p,
		ct_span_make(newv, CT_STATE_HASH_LEN + next.sig_len)));
	if (new_out != NULL)
		*new_out = next;
	return CT_OK;
}

ct_result ct_history_commit(struct ct_state_store *s,
			    struct ct_span manifest,
			    const struct ct_span *policies, size_t n_policies,
			    const struct ct_history_latest *old,
			    EVP_PKEY *sign_key,
			    struct ct_history_latest *new_out)
{
	CT_ENSURE(n_policies == 0 || policies != NULL, CT_ERR_USAGE,
		  "history: commit: policies missing");
	for (size_t i = 0; i < n_policies; i++)
		CT_GUARD(ct_history_put_policy(s, policies[i], NULL));
	uint8_t mhash[CT_STATE_HASH_LEN], thash[CT_STATE_HASH_LEN];
	CT_GUARD(ct_history_put_manifest(s, manifest, mhash));
	CT_GUARD(ct_history_put_transition(
		s, mhash, old != NULL ? old->transition : NULL, thash));
	return ct_history_set_latest(s, old, thash, sign_key, new_out);
}

/* ------------------------------------------------------------------ walk */

ct_result ct_history_walk(struct ct_state_store *s,
			  const uint8_t head[CT_STATE_HASH_LEN], size_t max,
			  struct ct_history_entry **out, size_t *n_out)
{
	CT_ENSURE(out != NULL && n_out != NULL && head != NULL, CT_ERR_USAGE,
		  "history: walk: missing argument");
	*out = NULL;
	*n_out = 0;
	if (max == 0 || max > CT_STATE_HISTORY_MAX)
		max = CT_STATE_HISTORY_MAX;
	ct_result res = CT_OK;
	struct ct_history_entry *v = NULL;
	size_t n = 0, cap = 0;
	struct ct_buf m;
	ct_buf_init(&m, CT_STATE_OBJECT_MAX_BYTES);
	uint8_t cur[CT_STATE_HASH_LEN];
	memcpy(cur, head, sizeof(cur));
	for (;;) {
		CT_TRY_ENSURE(n < max, CT_ERR_LIMIT,
			      "history: longer than %zu transitions", max);
		if (n == cap) {
			size_t ncap = cap == 0 ? 16 : cap * 2, bytes;
			if (ncap > max)
				ncap = max;
			CT_TRY(ct_size_mul(&bytes, ncap, sizeof(*v)));
			struct ct_history_entry *nv = ct_realloc(v, bytes);
			CT_TRY_ENSURE(nv != NULL, CT_ERR_NOMEM, "out of memory");
			v = nv;
			cap = ncap;
		}
		CT_TRY(ct_history_get_transition(s, cur, &v[n]));
		ct_buf_reset(&m);
		CT_TRY(ct_history_get_manifest(s, v[n].manifest, &m));
		memcpy(cur, v[n].previous, sizeof(cur));
		n++;
		if (memcmp(cur, zero_hash, sizeof(cur)) == 0)
			break;
	}
	/* Newest first so far: reverse into oldest→newest. */
	for (size_t i = 0; i < n / 2; i++) {
		struct ct_history_entry tmp = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = tmp;
	}
	*out = v;
	*n_out = n;
	v = NULL;
out:
	free(v);
	ct_buf_dispose(&m);
	return res;
}

ct_result ct_history_verify(struct ct_state_store *s, EVP_PKEY *verify_key,
			    size_t max, uint64_t *generation)
{
	CT_ENSURE(verify_key != NULL && generation != NULL, CT_ERR_USAGE,
		  "history: verify: missing argument");
	*generation = 0;
	struct ct_history_latest l;
	bool found = false;
	CT_GUARD(ct_history_get_latest(s, verify_key, &l, &found));
	if (!found)
		return CT_OK;
	struct ct_history_entry *v = NULL;
	size_t n = 0;
	CT_GUARD(ct_history_walk(s, l.transition, max, &v, &n));
	free(v);
	*generation = n;
	return CT_OK;
}
