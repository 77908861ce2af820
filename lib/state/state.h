/*
 * state.h - the Coordinator's persistent state: a key/value store, the
 * signed manifest history on top of it, the seed engine (seed, salt and
 * everything derived from them) and seed shares (the seed encrypted to the
 * seedshare owners). DESIGN.md §4.6, reference/contrast.md §5-§6,
 * docs/state.md.
 *
 * Layers, bottom up:
 *   store     (ct_state_store_*) bytes under keys "<dir>/<name>"; objects
 *             are immutable, only transitions/latest changes, by
 *             compare-and-swap. Backend: a directory (crash-safe writes,
 *             CAS under an flock).
 *   history   (ct_history_*) content-addressed manifests, policies and
 *             transitions, and the signed head `transitions/latest`.
 *             Every read re-hashes the object; a mismatch, a missing
 *             object or a bad signature is reported as corruption.
 *   seed      (ct_seed_engine_*) 64-byte seed + 32-byte salt, HKDF-SHA256
 *             derivations, deterministic P-384 keys (FIPS 186-5 A.2.1).
 *   shares    (ct_seedshare_*) RSA-OAEP-SHA256 ("seedshare" label) seed
 *             shares and the seed-shares.json document.
 *
 * Ownership: `**out` objects belong to the caller and are freed with the
 * matching _free. EVP_PKEY pointers returned by accessors are borrowed and
 * live as long as their owner. Output ct_bufs must be initialised by the
 * caller; results are appended (use ct_buf_init_secret for secrets).
 *
 * Errors: CT_ERR_IO (the filesystem failed), CT_ERR_PROTO (stored or
 * received bytes are malformed or corrupt: hash mismatch, truncated
 * object, bad JSON), CT_ERR_CRYPTO (signature or key operation failed,
 * e.g. "history: latest: signature does not verify"), CT_ERR_POLICY
 * (a compare-and-swap lost: "has changed since last read"; a share for a
 * key we do not hold), CT_ERR_LIMIT (size or count bounds below),
 * CT_ERR_USAGE (bad key names, bad arguments).
 *
 * Thread safety: a store object is used by one thread at a time; two
 * processes may share one directory (CAS is serialised by a lock file).
 */
#ifndef CT_STATE_H
#define CT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "base/base.h"

struct ct_manifest;

/* ------------------------------------------------------------------ limits */

/* Keys: "<dir>/<name>", each part [A-Za-z0-9-]{1,..}, whole key bounded. */
#define CT_STATE_KEY_MAX 160u
/* Largest object a store reads or writes (manifests and initdata). */
#define CT_STATE_OBJECT_MAX_BYTES (8u << 20)
/* SHA-256 object names. */
#define CT_STATE_HASH_LEN 32u
/* A transition: manifest hash || previous transition hash. */
#define CT_STATE_TRANSITION_LEN 64u
/* DER ECDSA P-384 signature: at most 2 + 2 * (2 + 49) = 104 bytes. */
#define CT_STATE_SIG_MAX 104u
/* transitions/latest: transition hash || DER signature. */
#define CT_STATE_LATEST_MAX (CT_STATE_HASH_LEN + CT_STATE_SIG_MAX)
/* Longest history ct_history_walk will follow. */
#define CT_STATE_HISTORY_MAX 100000u

/* Key names (directories) used by the history. */
#define CT_STATE_DIR_MANIFESTS "manifests"
#define CT_STATE_DIR_POLICIES "policies"
#define CT_STATE_DIR_TRANSITIONS "transitions"
#define CT_STATE_KEY_LATEST "transitions/latest"

/* ------------------------------------------------------------------- store */

struct ct_state_store;

/*
 * The backend interface (a small vtable). Implementations must keep the
 * contracts documented on the ct_state_store_* wrappers below; the
 * wrappers validate keys and sizes before calling them.
 */
struct ct_state_store_ops {
	const char *name; /* "dir" */
	CT_RESULT (*get)(struct ct_state_store *s, const char *key,
			 struct ct_buf *out, bool *found);
	CT_RESULT (*put)(struct ct_state_store *s, const char *key,
			 struct ct_span value);
	CT_RESULT (*cas)(struct ct_state_store *s, const char *key,
			 const struct ct_span *old, struct ct_span next);
	void (*free)(struct ct_state_store *s);
};

/* Every backend object starts with this header. */
struct ct_state_store {
	const struct ct_state_store_ops *ops;
};

/*
 * Opens (creating if missing, mode 0700) a directory store rooted at
 * `dir`. Objects are files `<dir>/<key>` (mode 0600); writes go through
 * ct_file_write_atomic; CAS holds flock(LOCK_EX) on `<dir>/.lock` for the
 * read-compare-write. CT_ERR_IO when the directory cannot be made or used.
 */
CT_RESULT ct_state_store_open_dir(const char *dir, struct ct_state_store **out);
/* Frees any store (NULL allowed). */
void ct_state_store_free(struct ct_state_store *s);

/* True when `key` is "<dir>/<name>" with [A-Za-z0-9-] parts, bounded. */
bool ct_state_key_valid(const char *key);

/*
 * Appends the value of `key` to out (*found = true) or leaves out alone
 * (*found = false). CT_ERR_LIMIT when the value exceeds
 * CT_STATE_OBJECT_MAX_BYTES or out->max.
 */
CT_RESULT ct_state_store_get(struct ct_state_store *s, const char *key,
			     struct ct_buf *out, bool *found);

/*
 * Stores an immutable object. Idempotent: storing the same bytes again is
 * CT_OK; different bytes under an existing key fail with CT_ERR_PROTO
 * ("... exists with different content"). Durable when it returns.
 * Refuses CT_STATE_KEY_LATEST (CT_ERR_USAGE): that key only moves by CAS.
 */
CT_RESULT ct_state_store_put(struct ct_state_store *s, const char *key,
			     struct ct_span value);

/*
 * Compare-and-swap: replaces `key` with `next` only if its current value
 * equals *old (old == NULL: only if the key does not exist). A lost race
 * fails with CT_ERR_POLICY "state: <key> has changed since last read".
 * Atomic against other processes using the same store; durable when it
 * returns; a crash leaves the old or the new value.
 */
CT_RESULT ct_state_store_cas(struct ct_state_store *s, const char *key,
			     const struct ct_span *old, struct ct_span next);

/* ----------------------------------------------------------------- history */

/* The signed head of the history (transitions/latest). */
struct ct_history_latest {
	uint8_t transition[CT_STATE_HASH_LEN];
	uint8_t sig[CT_STATE_SIG_MAX]; /* DER ECDSA over `transition` */
	size_t sig_len;
};

/* One step of the history, as ct_history_walk returns it. */
struct ct_history_entry {
	uint8_t transition[CT_STATE_HASH_LEN]; /* hash of this transition */
	uint8_t manifest[CT_STATE_HASH_LEN];   /* hash of its manifest */
	uint8_t previous[CT_STATE_HASH_LEN];   /* zero for the first one */
};

/*
 * Content-addressed puts: hash = SHA-256(bytes), stored under
 * manifests/<hex> or policies/<hex>; hash_out (may be NULL) receives it.
 * Idempotent. The bytes are stored exactly as given (not re-serialised).
 */
CT_RESULT ct_history_put_manifest(struct ct_state_store *s,
				  struct ct_span bytes,
				  uint8_t hash_out[CT_STATE_HASH_LEN]);
CT_RESULT ct_history_put_policy(struct ct_state_store *s, struct ct_span bytes,
				uint8_t hash_out[CT_STATE_HASH_LEN]);

/*
 * Reads an object and checks that its SHA-256 equals `hash`. Missing:
 * CT_ERR_PROTO "history: manifests/<hex>: missing"; mismatch:
 * CT_ERR_PROTO "history: manifests/<hex>: hash mismatch: got <hex>".
 */
CT_RESULT ct_history_get_manifest(struct ct_state_store *s,
				  const uint8_t hash[CT_STATE_HASH_LEN],
				  struct ct_buf *out);
CT_RESULT ct_history_get_policy(struct ct_state_store *s,
				const uint8_t hash[CT_STATE_HASH_LEN],
				struct ct_buf *out);

/*
 * Stores the 64-byte transition manifest || previous (previous NULL = the
 * first transition, all-zero) under transitions/<hex>; hash_out receives
 * its SHA-256.
 */
CT_RESULT ct_history_put_transition(struct ct_state_store *s,
				    const uint8_t manifest[CT_STATE_HASH_LEN],
				    const uint8_t *previous,
				    uint8_t hash_out[CT_STATE_HASH_LEN]);
/* Reads and hash-checks a transition (CT_ERR_PROTO if not 64 bytes). */
CT_RESULT ct_history_get_transition(struct ct_state_store *s,
				    const uint8_t hash[CT_STATE_HASH_LEN],
				    struct ct_history_entry *out);

/*
 * Reads transitions/latest. *found = false when there is no history yet.
 * With `verify_key` (the transaction signing key or its public half) the
 * signature must verify (CT_ERR_CRYPTO "history: latest: signature does
 * not verify ..." otherwise); with NULL the head is returned unverified
 * (for a sealed Coordinator that does not know the seed yet). A value
 * that is too short, too long or not a DER signature is CT_ERR_PROTO.
 */
CT_RESULT ct_history_get_latest(struct ct_state_store *s, EVP_PKEY *verify_key,
				struct ct_history_latest *out, bool *found);

/*
 * Signs `transition` with `sign_key` (P-384; the 32-byte hash is signed
 * as the digest, no further hashing) and moves transitions/latest from
 * *old (NULL: no history yet) to it by CAS. The transition object must
 * already be stored (CT_ERR_USAGE otherwise), so a crash never leaves a
 * head that points at nothing. new_out (may be NULL) receives the head.
 */
CT_RESULT ct_history_set_latest(struct ct_state_store *s,
				const struct ct_history_latest *old,
				const uint8_t transition[CT_STATE_HASH_LEN],
				EVP_PKEY *sign_key,
				struct ct_history_latest *new_out);

/*
 * One whole update, in crash-safe order: the policies, the manifest, the
 * transition (previous = old's transition, or zero when old is NULL),
 * then the head by CAS. A crash (or kill -9) at any point leaves the old
 * head valid; orphaned objects are harmless and reused on retry.
 */
CT_RESULT ct_history_commit(struct ct_state_store *s,
			    struct ct_span manifest,
			    const struct ct_span *policies, size_t n_policies,
			    const struct ct_history_latest *old,
			    EVP_PKEY *sign_key,
			    struct ct_history_latest *new_out);

/*
 * Follows the chain back from `head` and returns it oldest→newest in
 * *out (free() it; *n_out entries). Every transition and manifest object
 * is read and hash-checked (policies are not: pass them to
 * ct_history_verify_policies if wanted). Fails with CT_ERR_LIMIT beyond
 * `max` entries (at most CT_STATE_HISTORY_MAX), CT_ERR_PROTO naming the
 * broken object otherwise.
 */
CT_RESULT ct_history_walk(struct ct_state_store *s,
			  const uint8_t head[CT_STATE_HASH_LEN], size_t max,
			  struct ct_history_entry **out, size_t *n_out);

/*
 * Full check: latest verifies with `verify_key` and the walk succeeds
 * (every transition and manifest present and matching its hash; the
 * manifests are not parsed here). *generation receives the number of
 * transitions (0 with no history). Intended for startup and tests.
 */
CT_RESULT ct_history_verify(struct ct_state_store *s, EVP_PKEY *verify_key,
			    size_t max, uint64_t *generation);

/* -------------------------------------------------------------- seed engine */

#define CT_SEED_LEN 64u
#define CT_SEED_SALT_LEN 32u
/* Workload secrets are 32 bytes (HKDF output length). */
#define CT_SEED_WORKLOAD_SECRET_LEN 32u
/* Bound on a workload secret id (matches the manifest's limit). */
#define CT_SEED_SECRET_ID_MAX 1024u

/* HKDF-SHA256 info labels (exact bytes, no NUL). */
#define CT_SEED_LABEL_ROOT_CA "ROOT CA SEED"
#define CT_SEED_LABEL_SIGNING "TRANSACTION SIGNING SECRET"
#define CT_SEED_LABEL_POD_STATE "POD STATE SECRET"
#define CT_SEED_LABEL_WORKLOAD "WORKLOAD SECRET ID: " /* + id */

/* Length of the candidate c in FIPS 186-5 A.2.1 for P-384: 384/8 + 8. */
#define CT_SEED_P384_CANDIDATE_LEN 56u

/*
 * Holds the seed, the salt (both secret, wiped on free) and the two
 * derived private keys: the root CA key and the transaction signing key.
 */
struct ct_seed_engine;

/* A fresh random seed and salt (RAND_priv_bytes). */
CT_RESULT ct_seed_engine_generate(struct ct_seed_engine **out);
/*
 * From a known seed and salt (recovery). Exactly CT_SEED_LEN and
 * CT_SEED_SALT_LEN bytes, else CT_ERR_PROTO naming the length. The
 * same seed and salt always give the same keys.
 */
CT_RESULT ct_seed_engine_new(struct ct_span seed, struct ct_span salt,
			     struct ct_seed_engine **out);
void ct_seed_engine_free(struct ct_seed_engine *e);

/* Borrowed views of the secret seed and the salt. */
struct ct_span ct_seed_engine_seed(const struct ct_seed_engine *e);
struct ct_span ct_seed_engine_salt(const struct ct_seed_engine *e);

/* Borrowed P-384 private keys (verify with them, too). */
EVP_PKEY *ct_seed_engine_root_ca_key(const struct ct_seed_engine *e);
EVP_PKEY *ct_seed_engine_signing_key(const struct ct_seed_engine *e);

/*
 * HKDF-SHA256(HKDF(seed, salt, "POD STATE SECRET"), salt,
 * "WORKLOAD SECRET ID: " + id), CT_SEED_WORKLOAD_SECRET_LEN bytes,
 * appended to out (use a secret buffer). id must be non-empty, printable
 * and at most CT_SEED_SECRET_ID_MAX bytes (CT_ERR_USAGE).
 */
CT_RESULT ct_seed_engine_workload_secret(const struct ct_seed_engine *e,
					 const char *id, struct ct_buf *out);

/*
 * Building blocks, exposed for tests and docs/state.md:
 * HKDF-SHA256(secret, salt, info) of out_len bytes into out.
 */
CT_RESULT ct_seed_hkdf(struct ct_span secret, struct ct_span salt,
		       const char *info, uint8_t *out, size_t out_len);
/*
 * A P-384 private key determined by `secret` (FIPS 186-5 A.2.1, "extra
 * random bits"): c = HKDF-SHA256(secret, no salt, "P-384 KEY", 56 bytes)
 * read big-endian, d = (c mod (n - 1)) + 1, Q = d*G.
 */
CT_RESULT ct_seed_p384_from_bytes(struct ct_span secret, EVP_PKEY **out);

/* ------------------------------------------------------------- seed shares */

#define CT_SEEDSHARE_LABEL "seedshare"
/* Owner keys are RSA-4096 (the manifest's SeedshareOwnerPubKeys). */
#define CT_SEEDSHARE_RSA_BITS 4096
/* An encrypted share: one RSA-4096 block. */
#define CT_SEEDSHARE_CIPHERTEXT_LEN 512u
/* Bounds on seed-shares.json. */
#define CT_SEEDSHARE_DOC_MAX_BYTES (256u << 10)
#define CT_SEEDSHARE_MAX_SHARES 64u
/* Hex PKCS#1 DER of an RSA-4096 public key is ~1052 chars; be generous. */
#define CT_SEEDSHARE_PUBKEY_HEX_MAX 4096u
/* Largest owner private key PEM we read. */
#define CT_SEEDSHARE_KEY_PEM_MAX (16u << 10)

/* One decoded share. */
struct ct_seedshare {
	char *pubkey_hex;         /* lowercase hex of PKCS#1 DER */
	uint8_t *encrypted;       /* CT_SEEDSHARE_CIPHERTEXT_LEN bytes */
	size_t encrypted_len;
};

/* A decoded seed-shares.json. */
struct ct_seedshare_doc {
	struct ct_seedshare *shares;
	size_t n_shares;
	uint8_t salt[CT_SEED_SALT_LEN];
};

/*
 * Builds seed-shares.json (docs/state.md):
 *   {"SeedShares":[{"PublicKey":"<hex PKCS#1 DER>",
 *                   "EncryptedSeed":"<base64 RSA-OAEP>"}, ...],
 *    "salt":"<base64 salt>"}
 * one share per m->seedshare_keys entry, in manifest order, each the
 * whole seed encrypted with RSA-OAEP (SHA-256, MGF1-SHA-256, label
 * "seedshare"). Appended to out. A manifest without owners gives an empty
 * SeedShares array. CT_ERR_CRYPTO if a key is not RSA-4096.
 */
CT_RESULT ct_seedshare_doc_create(const struct ct_seed_engine *e,
				  const struct ct_manifest *m,
				  struct ct_buf *out);

/*
 * Strict decoder: at most CT_SEEDSHARE_DOC_MAX_BYTES, exactly the keys
 * above (unknown or duplicate keys refused), at most
 * CT_SEEDSHARE_MAX_SHARES shares, lowercase-or-uppercase hex public keys,
 * canonical base64, CT_SEEDSHARE_CIPHERTEXT_LEN-byte ciphertexts and a
 * CT_SEED_SALT_LEN-byte salt. CT_ERR_PROTO (or CT_ERR_LIMIT) naming the
 * field. *out must be zeroed or disposed; dispose after failure too.
 */
CT_RESULT ct_seedshare_doc_decode(struct ct_span json,
				  struct ct_seedshare_doc *out);
void ct_seedshare_doc_dispose(struct ct_seedshare_doc *doc);

/* Encrypts / decrypts one share (RSA-OAEP-SHA256, label "seedshare"). */
CT_RESULT ct_seedshare_encrypt(EVP_PKEY *pub, struct ct_span seed,
			       struct ct_buf *out);
CT_RESULT ct_seedshare_decrypt(EVP_PKEY *priv, struct ct_span encrypted,
			       struct ct_buf *seed_out);

/*
 * Loads a seedshare owner private key (PEM "RSA PRIVATE KEY" or PKCS#8,
 * at most CT_SEEDSHARE_KEY_PEM_MAX bytes, RSA only).
 */
CT_RESULT ct_seedshare_load_private_key(struct ct_span pem, EVP_PKEY **out);
/* Generates an RSA-4096 owner key; ct_seedshare_private_key_pem writes
 * it as PKCS#1 PEM "RSA PRIVATE KEY" (append to a secret buffer). */
CT_RESULT ct_seedshare_generate_key(EVP_PKEY **out);
CT_RESULT ct_seedshare_private_key_pem(EVP_PKEY *priv, struct ct_buf *out);

/*
 * Recovery from a document: finds the share whose PublicKey is the
 * public half of `priv` (CT_ERR_POLICY "seedshare: no share for this
 * key" otherwise), decrypts it and appends the seed (CT_SEED_LEN bytes)
 * and the salt to the (secret) output buffers.
 */
CT_RESULT ct_seedshare_recover(struct ct_span json, EVP_PKEY *priv,
			       struct ct_buf *seed_out,
			       struct ct_buf *salt_out);

/* Other spellings callers already use (kept working). */
#define CT_SEED_SHARES_JSON_MAX CT_SEEDSHARE_DOC_MAX_BYTES
static inline CT_RESULT ct_seed_shares_decrypt(struct ct_span json,
					       EVP_PKEY *priv,
					       struct ct_buf *seed_out,
					       struct ct_buf *salt_out)
{
	return ct_seedshare_recover(json, priv, seed_out, salt_out);
}

#endif /* CT_STATE_H */
