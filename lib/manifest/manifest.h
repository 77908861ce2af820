/*
 * manifest.h - the Contrast manifest (manifest.json): parse, validate,
 * canonical serialisation, hashing and the owner-key checks built on it.
 *
 * A manifest arrives from the user (`contrast set`), from the history store
 * or from a peer Coordinator: always untrusted bytes. ct_manifest_parse
 * decodes and validates in one step (DESIGN.md §4.1, reference/contrast.md
 * §2.4); a manifest object that exists is a valid one. Errors are
 * CT_ERR_PROTO (or CT_ERR_LIMIT) with a message prefixed by the JSON path of
 * the offending value, e.g.
 *   "ReferenceValues.snp[0].MinimumTCB.SNPVersion: missing".
 * Field names are exact (case-sensitive); unknown fields are refused so that
 * a typo cannot silently drop a check.
 *
 * SNP reference-value entries are kept as their own JSON text (canonical,
 * compact, sorted keys) for lib/attest to turn into a verifier; this module
 * checks only what the manifest rules need.
 */
#ifndef CT_MANIFEST_H
#define CT_MANIFEST_H

#include <openssl/evp.h>

#include "base/base.h"

/* Limits on untrusted manifests. */
#define CT_MANIFEST_MAX_BYTES (4u << 20)
#define CT_MANIFEST_MAX_POLICIES 4096
#define CT_MANIFEST_MAX_SANS 64
#define CT_MANIFEST_MAX_SAN_LEN 1024
#define CT_MANIFEST_MAX_SECRET_ID_LEN 1024
#define CT_MANIFEST_MAX_REFVALS 64
#define CT_MANIFEST_MAX_CHIP_IDS 1024
#define CT_MANIFEST_MAX_OWNER_KEYS 64
#define CT_MANIFEST_MAX_PEM_LEN (64u << 10)

#define CT_MANIFEST_HASH_LEN 32
#define CT_MANIFEST_MEASUREMENT_LEN 48
#define CT_MANIFEST_CHIP_ID_LEN 64

/* Flags for ct_manifest_parse. */
enum {
	/* Accept ProductName "Simulator" entries (CONTRAST_ALLOW_SIMULATED=1). */
	CT_MANIFEST_ALLOW_SIMULATED = 1u << 0,
};

enum ct_manifest_role {
	CT_MANIFEST_ROLE_NONE = 0,
	CT_MANIFEST_ROLE_COORDINATOR,
};

struct ct_manifest_policy {
	uint8_t hash[CT_MANIFEST_HASH_LEN]; /* sha256 of the initdata */
	char hex[2 * CT_MANIFEST_HASH_LEN + 1];
	char **sans;
	size_t n_sans;
	char *workload_secret_id; /* "" when absent */
	enum ct_manifest_role role;
};

struct ct_manifest_snp {
	char *json; /* the entry as canonical JSON, for lib/attest */
	char product_name[16];
	bool simulated; /* ProductName == "Simulator" */
	uint8_t measurement[CT_MANIFEST_MEASUREMENT_LEN];
	uint8_t min_bootloader, min_tee, min_snp, min_microcode, min_fmc;
	bool has_min_fmc;
	char *simulator_root_ca_pem; /* NULL unless simulated */
};

struct ct_manifest_rsa_key {
	char *hex; /* lowercase hex of the PKCS#1 DER, as in the manifest */
	uint8_t *der;
	size_t der_len;
};

struct ct_manifest {
	uint8_t hash[CT_MANIFEST_HASH_LEN]; /* sha256 of `raw` */
	struct ct_buf raw;                 /* the bytes exactly as parsed */
	struct ct_manifest_policy *policies;
	size_t n_policies;
	struct ct_manifest_snp *snp;
	size_t n_snp;
	uint8_t (*owner_key_digests)[CT_MANIFEST_HASH_LEN];
	size_t n_owner_keys;
	struct ct_manifest_rsa_key *seedshare_keys;
	size_t n_seedshare_keys;
	bool simulated; /* every reference-value entry is simulated */
	void *json;     /* the parsed document (json_t *), for serialisation */
};

/*
 * Parses and validates manifest JSON. On success *out is owned by the caller
 * (ct_manifest_free). Fails with CT_ERR_PROTO naming the path and the rule,
 * or CT_ERR_LIMIT for oversized input.
 */
CT_RESULT ct_manifest_parse(struct ct_span json, unsigned flags,
			    struct ct_manifest **out);
void ct_manifest_free(struct ct_manifest *m);

/*
 * Canonical form: compact JSON with sorted keys (appended to out). Two
 * manifests with the same canonical form mean the same thing; the history
 * still stores and hashes the bytes exactly as the user sent them.
 */
CT_RESULT ct_manifest_serialize(const struct ct_manifest *m,
				struct ct_buf *out);

/* The policy entry for an initdata hash, or NULL. */
const struct ct_manifest_policy *
ct_manifest_find_policy(const struct ct_manifest *m,
			const uint8_t hash[CT_MANIFEST_HASH_LEN]);

/*
 * Authorises a manifest update: the SHA-256 of the PKIX DER of `key` must be
 * one of m's WorkloadOwnerKeyDigests. CT_ERR_POLICY otherwise (also when the
 * list is empty: "setting manifest is disabled").
 */
CT_RESULT ct_manifest_check_workload_owner(const struct ct_manifest *m,
					   EVP_PKEY *key);

/*
 * Authorises a recovery: `key` (an RSA public key) must be one of m's
 * SeedshareOwnerPubKeys. CT_ERR_POLICY otherwise.
 */
CT_RESULT ct_manifest_check_seedshare_owner(const struct ct_manifest *m,
					    EVP_PKEY *key);

/* Seedshare owners may never change: CT_ERR_POLICY if the sets differ. */
CT_RESULT ct_manifest_check_seedshare_unchanged(const struct ct_manifest *old,
						const struct ct_manifest *next);

/* Hex of sha256(PKIX DER of key): the WorkloadOwnerKeyDigests form. */
CT_RESULT ct_manifest_key_digest(EVP_PKEY *key,
				 uint8_t out[CT_MANIFEST_HASH_LEN]);
/* Hex of the PKCS#1 DER of an RSA public key (SeedshareOwnerPubKeys form). */
CT_RESULT ct_manifest_rsa_pub_hex(EVP_PKEY *key, struct ct_buf *out);

#endif /* CT_MANIFEST_H */
