/*
 * validators.h - aTLS validators built from a manifest's reference values.
 *
 * One SEV-SNP validator per ReferenceValues.snp entry, each with its own
 * verifier (a simulated entry trusts only its SimulatorRootCA). Used by
 * the Coordinator for the mesh API (a client must attest) and by the CLI
 * (`contrast set|verify|recover`) to verify the Coordinator, where the
 * validators additionally require HOSTDATA to be the hash of a policy with
 * Role "coordinator" (reference/contrast.md §4, "CoordinatorValidator").
 *
 * Ownership: a set owns its verifiers, reference values and names; the
 * validators point into the set, so the set must outlive every SSL_CTX
 * configured with them. Not thread-safe (SNP verifiers are per thread).
 *
 * Errors: building fails with the entry named ("snp[1]: ..."); validation
 * failures name the check, e.g. "coordinator: HOSTDATA 00.. is not the
 * hash of a policy with Role coordinator".
 */
#ifndef CT_COORD_VALIDATORS_H
#define CT_COORD_VALIDATORS_H

#include "atls/atls.h"
#include "atls/atls_snp.h"
#include "manifest/manifest.h"

struct ct_coord_validator_entry {
	struct ct_snp_refvals refvals;
	struct ct_snp_verifier *verifier;
	struct ct_atls_snp_validator_ctx snp_ctx;
	struct ct_atls_validator inner; /* the plain SNP validator */
	char name[32];
	/* HOSTDATA values accepted in addition to the SNP checks (NULL: any). */
	const uint8_t (*host_data)[CT_MANIFEST_HASH_LEN];
	size_t n_host_data;
};

struct ct_coord_validators {
	struct ct_coord_validator_entry *entries;
	struct ct_atls_validator *validators; /* n entries, for ct_atls_config */
	size_t n;
	uint8_t (*coordinator_hashes)[CT_MANIFEST_HASH_LEN];
	size_t n_coordinator_hashes;
};

/*
 * Builds one validator per snp entry of m. With `coordinator_only`, a
 * report is accepted only if its HOSTDATA is the hash of a policy with
 * Role "coordinator" (fails when the manifest has none). *out is the
 * caller's (ct_coord_validators_free).
 */
CT_RESULT ct_coord_validators_new(const struct ct_manifest *m,
				  bool coordinator_only,
				  struct ct_coord_validators **out);
void ct_coord_validators_free(struct ct_coord_validators *v);

#endif /* CT_COORD_VALIDATORS_H */
