/*
 * state_port.h - the Coordinator's narrow use of lib/state (store,
 * history, seed engine, seed shares) and lib/ca (root and mesh CA),
 * implemented in state_port.c. state.c holds the policy (who may do what,
 * in which phase); this layer only moves bytes and keys.
 *
 * Ownership: *out objects are the caller's (free with the matching
 * function; NULL is fine). Errors: CT_ERR_IO for the store, CT_ERR_PROTO
 * for corrupted objects (hash mismatch, missing object, bad chain),
 * CT_ERR_CRYPTO for a signature that does not verify, CT_ERR_POLICY for a
 * compare-and-swap conflict.
 */
#ifndef CT_COORD_STATE_PORT_H
#define CT_COORD_STATE_PORT_H

#include <jansson.h>

#include "base/base.h"
#include "manifest/manifest.h"

#include "ca/ca.h"
#include "state/state.h"

CT_RESULT ct_coord_store_has_history(struct ct_state_store *s, bool *out);

/*
 * Stores the policies and the manifest, the transition (manifest hash ||
 * prev, zero prev when NULL) and the head signed with the seed's
 * transaction key, swapped in only if the head is still `prev`. Writes the
 * new head hash and its signature.
 */
CT_RESULT ct_coord_store_commit(struct ct_state_store *s,
				const struct ct_seed_engine *seed,
				const struct ct_buf *policies, size_t n_policies,
				struct ct_span manifest, const uint8_t *prev,
				uint8_t head_out[32], struct ct_buf *sig_out);

/* The head (unverified) and the bytes of the manifest it names. */
CT_RESULT ct_coord_store_latest_manifest(struct ct_state_store *s,
					 uint8_t head_out[32], struct ct_buf *raw);
/* The head still equals `head` and its signature verifies under the seed. */
CT_RESULT ct_coord_store_verify_head(struct ct_state_store *s,
				     const struct ct_seed_engine *seed,
				     const uint8_t head[32]);
/* The signature stored with the head. */
CT_RESULT ct_coord_store_head_signature(struct ct_state_store *s,
					struct ct_buf *sig_out);
/* Walks and re-hashes the whole history from `head`; counts manifests. */
CT_RESULT ct_coord_store_check_history(struct ct_state_store *s,
				       const uint8_t head[32], uint64_t *count);
/*
 * Appends base64 strings: every manifest oldest→newest, and every policy
 * document referenced by any of them (once each).
 */
CT_RESULT ct_coord_store_history_json(struct ct_state_store *s,
				      const uint8_t head[32], json_t *manifests,
				      json_t *policies);

CT_RESULT ct_coord_seed_new_random(struct ct_seed_engine **out);
CT_RESULT ct_coord_seed_from(struct ct_span seed, struct ct_span salt,
			     struct ct_seed_engine **out);
CT_RESULT ct_coord_seed_clone(const struct ct_seed_engine *s,
			      struct ct_seed_engine **out);
void ct_coord_seed_free(struct ct_seed_engine *s);
/* The seed-shares.json document for m's SeedshareOwnerPubKeys. */
CT_RESULT ct_coord_seed_shares(const struct ct_seed_engine *s,
			       const struct ct_manifest *m, struct ct_buf *json_out);

/* Root CA from the seed and a fresh mesh CA; PEMs appended. On failure
 * *out is untouched and both buffers keep their old content. */
CT_RESULT ct_coord_ca_new(const struct ct_seed_engine *s, struct ct_ca **out,
			  struct ct_buf *root_pem, struct ct_buf *mesh_pem);
void ct_coord_ca_free(struct ct_ca *ca);

#endif /* CT_COORD_STATE_PORT_H */
