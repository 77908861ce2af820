/*
 * state.c - the Coordinator's state machine: uninitialised → active →
 * (restart) sealed → (recover) active, and the two operations that move
 * it: SetManifest and Recover (reference/contrast.md §3.1, §5, §6).
 *
 * Trust boundary: requests were decoded strictly by lib/http; here they
 * are authorised against the manifest (workload-owner key digests for
 * updates, seedshare-owner keys for recovery) and committed through
 * lib/state (objects first, the signed head last by compare-and-swap).
 * After a restart the store is untrusted until the seed supplied by a
 * seedshare owner verifies the head's signature and the whole history
 * re-hashes. Secrets stay inside lib/state / lib/ca objects (wiped on
 * free) and are never logged.
 */
#include "coordinator.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "http/api.h"
#include "state_port.h"

static unsigned manifest_flags(const struct ct_coord *c)
{
	return c->cfg.allow_simulated ? CT_MANIFEST_ALLOW_SIMULATED : 0;
}

static void active_free(struct ct_coord_active *a)
{
	if (a == NULL)
		return;
	ct_manifest_free(a->manifest);
	ct_coord_seed_free(a->seed);
	ct_coord_ca_free(a->ca);
	ct_buf_dispose(&a->root_ca_pem);
	ct_buf_dispose(&a->mesh_ca_pem);
	ct_buf_dispose(&a->latest_sig);
	ct_coord_validators_free(a->mesh_validators);
	free(a);
}

/*
 * A new generation: takes ownership of m and seed (also on failure),
 * makes a fresh mesh CA and the mesh validators.
 */
static CT_RESULT active_new(struct ct_manifest *m, struct ct_seed_engine *seed,
			    struct ct_coord_active **out)
{
	ct_result res = CT_OK;
	struct ct_coord_active *a = ct_calloc(1, sizeof(*a));
	if (a == NULL) {
		ct_manifest_free(m);
		ct_coord_seed_free(seed);
		return CT_FAIL(CT_ERR_NOMEM, "coordinator: out of memory");
	}
	a->manifest = m;
	a->seed = seed;
	ct_buf_init(&a->root_ca_pem, CT_MANIFEST_MAX_PEM_LEN);
	ct_buf_init(&a->mesh_ca_pem, CT_MANIFEST_MAX_PEM_LEN);
	ct_buf_init(&a->latest_sig, CT_HTTP_API_SIGNATURE_MAX);
	CT_TRY(ct_coord_ca_new(seed, &a->ca, &a->root_ca_pem, &a->mesh_ca_pem));
	CT_TRY(ct_coord_validators_new(m, false, &a->mesh_validators));
	*out = a;
	a = NULL;
out:
	active_free(a);
	return res;
}

static void publish(struct ct_coord *c, struct ct_coord_active *a)
{
	if (c->active != NULL) {
		c->active->next_retired = c->retired;
		c->retired = c->active;
	}
	c->active = a;
	c->phase = CT_COORD_ACTIVE;
	ct_result r = ct_coord_mesh_tls_refresh(c);
	if (!ct_ok(r))
		ct_log_error("coordinator: refreshing after a state change");
}

CT_RESULT ct_coord_state_open(struct ct_coord *c)
{
	bool has;
	CT_GUARD(ct_state_store_open_dir(c->cfg.state_dir, &c->store));
	CT_GUARD(ct_coord_store_has_history(c->store, &has));
	c->phase = has ? CT_COORD_SEALED : CT_COORD_UNINITIALIZED;
	return CT_OK;
}

void ct_coord_state_close(struct ct_coord *c)
{
	active_free(c->active);
	c->active = NULL;
	while (c->retired != NULL) {
		struct ct_coord_active *n = c->retired->next_retired;
		active_free(c->retired);
		c->retired = n;
	}
	ct_state_store_free(c->store);
	c->store = NULL;
}

/* ---------------------------------------------------------- SetManifest */

static bool digest_listed(const struct ct_manifest *m, const uint8_t d[32])
{
	for (size_t i = 0; i < m->n_owner_keys; i++)
		if (memcmp(m->owner_key_digests[i], d, 32) == 0)
			return true;
	return false;
}

static CT_RESULT authorise_update(const struct ct_manifest *active,
				  const struct ct_manifest *next,
				  const uint8_t *owner, int *status)
{
	*status = 403;
	CT_ENSURE(active->n_owner_keys > 0, CT_ERR_POLICY,
		  "update refused: setting the manifest is disabled (the active "
		  "manifest lists no WorkloadOwnerKeyDigests)");
	CT_ENSURE(owner != NULL, CT_ERR_POLICY,
		  "update refused: the client presented no workload owner key "
		  "(updates need a key listed in the active manifest)");
	if (!digest_listed(active, owner)) {
		char hex[65];
		ct_hex_format(hex, owner, 32);
		return CT_FAIL(CT_ERR_POLICY,
			       "update refused: the client key (sha256 %s) is not a "
			       "workload owner of the active manifest", hex);
	}
	if (!ct_ok(ct_manifest_check_seedshare_unchanged(active, next)))
		return ct_error_prefix("update refused");
	return CT_OK;
}

/* Every policy of the manifest has its document; no document is a stray. */
static CT_RESULT check_policy_docs(const struct ct_manifest *m,
				   const struct ct_http_api_set_manifest *req)
{
	bool *have = ct_calloc(m->n_policies + 1, sizeof(*have));
	ct_result res = CT_OK;
	CT_ENSURE(have != NULL, CT_ERR_NOMEM, "coordinator: out of memory");
	for (size_t i = 0; i < req->n_policies; i++) {
		uint8_t h[32];
		char hex[65];
		CT_TRY(ct_sha256(h, ct_buf_span(&req->policies[i])));
		const struct ct_manifest_policy *p = ct_manifest_find_policy(m, h);
		ct_hex_format(hex, h, 32);
		CT_TRY_ENSURE(p != NULL, CT_ERR_PROTO,
			      "policies[%zu]: hash %s is not a policy of the manifest",
			      i, hex);
		have[p - m->policies] = true;
	}
	for (size_t i = 0; i < m->n_policies; i++)
		CT_TRY_ENSURE(have[i], CT_ERR_PROTO,
			      "Policies.%s: the request carries no policy document "
			      "with this hash", m->policies[i].hex);
out:
	free(have);
	return res;
}

CT_RESULT ct_coord_set_manifest(struct ct_coord *c,
				const struct ct_http_api_set_manifest *req,
				const uint8_t *owner_key_sha256,
				struct ct_buf *seed_shares_json, int *status)
{
	struct ct_manifest *m = NULL;
	struct ct_seed_engine *seed = NULL;
	struct ct_coord_active *a = NULL;
	ct_result res;
	bool first = c->phase == CT_COORD_UNINITIALIZED;

	*status = 412;
	CT_ENSURE(c->phase != CT_COORD_SEALED, CT_ERR_POLICY,
		  "coordinator is sealed: run `contrast recover`");
	*status = 400;
	res = ct_manifest_parse(ct_buf_span(&req->manifest), manifest_flags(c), &m);
	if (!ct_ok(res))
		return ct_error_prefix("manifest");
	if (!first)
		CT_TRY(authorise_update(c->active->manifest, m, owner_key_sha256, status));
	*status = 400;
	CT_TRY(check_policy_docs(m, req));

	*status = 500;
	if (first) {
		CT_TRY(ct_coord_seed_new_random(&seed));
		CT_TRY(ct_coord_seed_shares(seed, m, seed_shares_json));
	} else {
		CT_TRY(ct_coord_seed_clone(c->active->seed, &seed));
	}
	struct ct_manifest *m_keep = m;
	m = NULL;
	res = active_new(m_keep, seed, &a);
	seed = NULL;
	if (!ct_ok(res))
		goto out;
	CT_TRY(ct_coord_store_commit(c->store, a->seed, req->policies, req->n_policies,
				     ct_buf_span(&a->manifest->raw),
				     first ? NULL : c->active->latest, a->latest,
				     &a->latest_sig));
	a->generation = first ? 1 : c->active->generation + 1;
	ct_log_info("coordinator: manifest %s set (generation %llu, %zu policies%s)",
		    first ? "first" : "update", (unsigned long long)a->generation,
		    a->manifest->n_policies, first ? ", seed created" : "");
	publish(c, a);
	a = NULL;
out:
	if (!ct_ok(res))
		ct_buf_reset(seed_shares_json);
	active_free(a);
	ct_coord_seed_free(seed);
	ct_manifest_free(m);
	return res;
}

/* -------------------------------------------------------------- Recover */

static bool seedshare_listed(const struct ct_manifest *m, const uint8_t d[32])
{
	for (size_t i = 0; i < m->n_seedshare_keys; i++) {
		uint8_t h[32];
		if (ct_ok(ct_sha256(h, ct_span_make(m->seedshare_keys[i].der,
						    m->seedshare_keys[i].der_len))) &&
		    memcmp(h, d, 32) == 0)
			return true;
	}
	return false;
}

CT_RESULT ct_coord_recover(struct ct_coord *c, struct ct_span seed_bytes,
			   struct ct_span salt, const uint8_t *key, int *status)
{
	struct ct_buf raw;
	struct ct_manifest *m = NULL;
	struct ct_seed_engine *seed = NULL;
	struct ct_coord_active *a = NULL;
	uint8_t head[32];
	uint64_t generation = 0;
	ct_result res = CT_OK;

	*status = 412;
	CT_ENSURE(c->phase == CT_COORD_SEALED, CT_ERR_POLICY, "%s",
		  c->phase == CT_COORD_ACTIVE ? "coordinator is already recovered (active)"
					      : "no state to recover from");
	*status = 403;
	CT_ENSURE(key != NULL, CT_ERR_POLICY,
		  "recovery refused: the client presented no seedshare owner key");
	ct_buf_init(&raw, CT_MANIFEST_MAX_BYTES);
	*status = 500;
	/* Unverified until the seed checks the head's signature. */
	CT_TRY(ct_coord_store_latest_manifest(c->store, head, &raw));
	res = ct_manifest_parse(ct_buf_span(&raw), manifest_flags(c), &m);
	if (!ct_ok(res)) {
		res = ct_error_prefix("recovery: the latest manifest in the store");
		goto out;
	}
	*status = 403;
	CT_TRY_ENSURE(seedshare_listed(m, key), CT_ERR_POLICY,
		      "recovery refused: the client key is not a seedshare owner of "
		      "the latest manifest");
	*status = 400;
	CT_TRY(ct_coord_seed_from(seed_bytes, salt, &seed));
	*status = 403;
	res = ct_coord_store_verify_head(c->store, seed, head);
	if (!ct_ok(res)) {
		res = ct_error_prefix("recovery refused: the latest transition's "
				      "signature does not verify with the key derived "
				      "from this seed (wrong seed?)");
		goto out;
	}
	*status = 500;
	CT_TRY(ct_coord_store_check_history(c->store, head, &generation));
	struct ct_manifest *m_keep = m;
	m = NULL;
	res = active_new(m_keep, seed, &a);
	seed = NULL;
	if (!ct_ok(res))
		goto out;
	memcpy(a->latest, head, 32);
	CT_TRY(ct_coord_store_head_signature(c->store, &a->latest_sig));
	a->generation = generation;
	ct_log_info("coordinator: recovered by a seedshare owner (generation %llu); "
		    "new mesh CA", (unsigned long long)generation);
	publish(c, a);
	a = NULL;
out:
	active_free(a);
	ct_coord_seed_free(seed);
	ct_manifest_free(m);
	ct_buf_dispose(&raw);
	return res;
}

/* ------------------------------------------------------------- history */

CT_RESULT ct_coord_history_json(struct ct_coord *c, json_t *manifests,
				json_t *policies)
{
	CT_ENSURE(c->active != NULL, CT_ERR_INTERNAL, "history: not active");
	return ct_coord_store_history_json(c->store, c->active->latest, manifests,
					   policies);
}
