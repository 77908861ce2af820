/*
 * state_port.c - the Coordinator's use of lib/state and lib/ca: commits,
 * head and history reads, seed engines, seed shares and CA construction
 * (state_port.h). No authorisation happens here; state.c decides.
 *
 * Trust boundary: objects read from the store are re-hashed by lib/state
 * on every read; the head is only trusted after its signature verified
 * with the seed-derived key (ct_coord_store_verify_head).
 */
#include "state_port.h"

#include <stdlib.h>
#include <string.h>

#include "http/http.h"

CT_RESULT ct_coord_store_has_history(struct ct_state_store *s, bool *out)
{
	struct ct_history_latest l;
	return ct_history_get_latest(s, NULL, &l, out);
}

CT_RESULT ct_coord_store_commit(struct ct_state_store *s,
				const struct ct_seed_engine *seed,
				const struct ct_buf *policies, size_t n_policies,
				struct ct_span manifest, const uint8_t *prev,
				uint8_t head_out[32], struct ct_buf *sig_out)
{
	struct ct_history_latest old, next;
	bool found = false;
	ct_result res = CT_OK;
	struct ct_span *spans = ct_calloc(n_policies + 1, sizeof(*spans));

	CT_ENSURE(spans != NULL, CT_ERR_NOMEM, "state: out of memory");
	for (size_t i = 0; i < n_policies; i++)
		spans[i] = ct_buf_span(&policies[i]);
	if (prev != NULL) {
		/* The head must still be ours (nobody else writes the store). */
		CT_TRY(ct_history_get_latest(s, ct_seed_engine_signing_key(seed), &old,
					     &found));
		CT_TRY_ENSURE(found && memcmp(old.transition, prev, 32) == 0,
			      CT_ERR_POLICY,
			      "state: transitions/latest has changed since last read");
	}
	CT_TRY(ct_history_commit(s, manifest, spans, n_policies, prev ? &old : NULL,
				 ct_seed_engine_signing_key(seed), &next));
	memcpy(head_out, next.transition, 32);
	ct_buf_reset(sig_out);
	CT_TRY(ct_buf_append(sig_out, next.sig, next.sig_len));
out:
	free(spans);
	return res;
}

CT_RESULT ct_coord_store_latest_manifest(struct ct_state_store *s,
					 uint8_t head_out[32], struct ct_buf *raw)
{
	struct ct_history_latest l;
	struct ct_history_entry e;
	bool found;
	CT_GUARD(ct_history_get_latest(s, NULL, &l, &found));
	CT_ENSURE(found, CT_ERR_PROTO, "state: no history");
	CT_GUARD(ct_history_get_transition(s, l.transition, &e));
	CT_GUARD(ct_history_get_manifest(s, e.manifest, raw));
	memcpy(head_out, l.transition, 32);
	return CT_OK;
}

CT_RESULT ct_coord_store_verify_head(struct ct_state_store *s,
				     const struct ct_seed_engine *seed,
				     const uint8_t head[32])
{
	struct ct_history_latest l;
	bool found;
	CT_GUARD(ct_history_get_latest(s, ct_seed_engine_signing_key(seed), &l, &found));
	CT_ENSURE(found && memcmp(l.transition, head, 32) == 0, CT_ERR_POLICY,
		  "state: transitions/latest has changed since last read");
	return CT_OK;
}

CT_RESULT ct_coord_store_head_signature(struct ct_state_store *s,
					struct ct_buf *sig_out)
{
	struct ct_history_latest l;
	bool found;
	CT_GUARD(ct_history_get_latest(s, NULL, &l, &found));
	CT_ENSURE(found, CT_ERR_PROTO, "state: no history");
	ct_buf_reset(sig_out);
	return ct_buf_append(sig_out, l.sig, l.sig_len);
}

CT_RESULT ct_coord_store_check_history(struct ct_state_store *s,
				       const uint8_t head[32], uint64_t *count)
{
	struct ct_history_entry *e = NULL;
	size_t n = 0;
	CT_GUARD(ct_history_walk(s, head, CT_STATE_HISTORY_MAX, &e, &n));
	free(e);
	*count = n;
	return CT_OK;
}

static CT_RESULT append_b64(json_t *arr, struct ct_span bytes)
{
	struct ct_buf b;
	ct_buf_init(&b, CT_HTTP_RESPONSE_MAX);
	ct_result res = ct_base64_encode(&b, bytes);
	if (ct_ok(res) && json_array_append_new(arr, json_stringn(
				  (const char *)b.data, b.len)) != 0)
		res = CT_FAIL(CT_ERR_NOMEM, "state: out of memory");
	ct_buf_dispose(&b);
	return res;
}

/* Adds the policy hashes a stored manifest names to `seen` (an object). */
static CT_RESULT note_policies(struct ct_span manifest, json_t *seen)
{
	json_error_t jerr;
	json_t *m = json_loadb((const char *)manifest.ptr, manifest.len,
			       JSON_REJECT_DUPLICATES, &jerr);
	CT_ENSURE(json_is_object(m), CT_ERR_PROTO,
		  "state: a stored manifest is not a JSON object");
	json_t *p = json_object_get(m, "Policies");
	const char *k;
	json_t *v;
	ct_result res = CT_OK;
	if (json_is_object(p))
		json_object_foreach(p, k, v)
			if (json_object_set_new(seen, k, json_true()) != 0)
				res = CT_FAIL(CT_ERR_NOMEM, "state: out of memory");
	json_decref(m);
	return res;
}

CT_RESULT ct_coord_store_history_json(struct ct_state_store *s,
				      const uint8_t head[32], json_t *manifests,
				      json_t *policies)
{
	struct ct_history_entry *e = NULL;
	size_t n = 0;
	struct ct_buf b;
	ct_result res = CT_OK;
	json_t *seen = json_object();
	const char *k;
	json_t *v;

	CT_ENSURE(seen != NULL, CT_ERR_NOMEM, "state: out of memory");
	ct_buf_init(&b, CT_STATE_OBJECT_MAX_BYTES);
	CT_TRY(ct_history_walk(s, head, CT_STATE_HISTORY_MAX, &e, &n));
	for (size_t i = 0; i < n; i++) {
		ct_buf_reset(&b);
		CT_TRY(ct_history_get_manifest(s, e[i].manifest, &b));
		CT_TRY(append_b64(manifests, ct_buf_span(&b)));
		CT_TRY(note_policies(ct_buf_span(&b), seen));
	}
	json_object_foreach(seen, k, v) {
		uint8_t h[32];
		CT_TRY_ENSURE(strlen(k) == 64 && ct_ok(ct_hex_decode_fixed(h, 32, k)),
			      CT_ERR_PROTO, "state: a stored manifest names a bad policy hash");
		ct_buf_reset(&b);
		CT_TRY(ct_history_get_policy(s, h, &b));
		CT_TRY(append_b64(policies, ct_buf_span(&b)));
	}
out:
	json_decref(seen);
	free(e);
	ct_buf_dispose(&b);
	return res;
}

CT_RESULT ct_coord_seed_new_random(struct ct_seed_engine **out)
{
	return ct_seed_engine_generate(out);
}

CT_RESULT ct_coord_seed_from(struct ct_span seed, struct ct_span salt,
			     struct ct_seed_engine **out)
{
	return ct_seed_engine_new(seed, salt, out);
}

CT_RESULT ct_coord_seed_clone(const struct ct_seed_engine *s,
			      struct ct_seed_engine **out)
{
	return ct_seed_engine_new(ct_seed_engine_seed(s), ct_seed_engine_salt(s), out);
}

void ct_coord_seed_free(struct ct_seed_engine *s)
{
	ct_seed_engine_free(s);
}

CT_RESULT ct_coord_seed_shares(const struct ct_seed_engine *s,
			       const struct ct_manifest *m, struct ct_buf *json_out)
{
	return ct_seedshare_doc_create(s, m, json_out);
}

/* Back to `len` bytes: undoes appends made before a later step failed. */
static void buf_truncate(struct ct_buf *b, size_t len)
{
	if (b->data != NULL)
		b->data[len] = '\0';
	b->len = len;
}

CT_RESULT ct_coord_ca_new(const struct ct_seed_engine *s, struct ct_ca **out,
			  struct ct_buf *root_pem, struct ct_buf *mesh_pem)
{
	ct_result res = CT_OK;
	struct ct_ca *ca = NULL;
	size_t root_len = root_pem->len, mesh_len = mesh_pem->len;

	CT_TRY(ct_ca_new(ct_seed_engine_root_ca_key(s), NULL, &ca));
	CT_TRY(ct_ca_root_pem(ca, root_pem));
	CT_TRY(ct_ca_mesh_pem(ca, mesh_pem));
	*out = ca;
	ca = NULL;
out:
	/* On failure nothing is left behind: no CA, no half of the PEMs. */
	if (!ct_ok(res)) {
		buf_truncate(root_pem, root_len);
		buf_truncate(mesh_pem, mesh_len);
	}
	ct_ca_free(ca);
	return res;
}

void ct_coord_ca_free(struct ct_ca *ca)
{
	ct_ca_free(ca);
}
