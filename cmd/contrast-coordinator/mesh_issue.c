/*
 * mesh_issue.c - the mesh API's operations on the active state: leaf
 * issuance from the mesh CA, workload secret derivation, and the export
 * for peer recovery (mesh_api.h). Kept apart from mesh_api.c because it
 * is the only part that touches lib/ca and lib/state secrets.
 *
 * Trust boundary: inputs were checked by mesh_api.c (an attested peer
 * whose HOSTDATA is a policy of the active manifest, a CSR that proves
 * possession of its key); outputs are secrets in wiped buffers.
 */
#include "coordinator.h"
#include "mesh_api.h"

_Static_assert(MESH_CLAIMS_MAX + 1 <= CT_CA_MAX_EXTENSIONS,
	       "claims and the secret id must fit in one leaf");

CT_RESULT mesh_issue_leaf(struct ct_coord_active *a, EVP_PKEY *key,
			  const struct ct_manifest_policy *policy,
			  const struct mesh_claims *claims,
			  struct ct_buf *chain_pem)
{
	struct ct_ca_extension ext[MESH_CLAIMS_MAX + 1];
	size_t n = 0;
	CT_ENSURE(claims->n <= MESH_CLAIMS_MAX, CT_ERR_INTERNAL, "mesh: %zu claim extensions", claims->n);
	for (size_t i = 0; i < claims->n; i++)
		ext[n++] = (struct ct_ca_extension){
			claims->items[i].oid,
			ct_span_make(claims->items[i].der, claims->items[i].der_len),
			false,
		};
	if (claims->secret_id_der != NULL)
		ext[n++] = (struct ct_ca_extension){
			MESH_OID_SECRET_ID,
			ct_span_make(claims->secret_id_der, claims->secret_id_der_len),
			false,
		};
	if (!ct_ok(ct_ca_issue_leaf_pem(a->ca, key, (const char *const *)policy->sans,
					policy->n_sans, ext, n, chain_pem)))
		return ct_error_prefix("mesh: issuing the leaf for policy %.16s...",
				       policy->hex);
	return CT_OK;
}

CT_RESULT mesh_workload_secret(struct ct_coord_active *a, const char *id,
			       struct ct_buf *out)
{
	if (!ct_ok(ct_seed_engine_workload_secret(a->seed, id, out)))
		return ct_error_prefix("mesh: workload secret");
	return CT_OK;
}

CT_RESULT mesh_recovery_export(struct ct_coord_active *a,
			       struct ct_meshapi_recover_response *out)
{
	CT_GUARD(ct_buf_append_span(&out->seed, ct_seed_engine_seed(a->seed)));
	CT_GUARD(ct_buf_append_span(&out->salt, ct_seed_engine_salt(a->seed)));
	CT_GUARD(ct_ca_mesh_key_pem(a->ca, &out->mesh_ca_key));
	return ct_buf_append_span(&out->latest_manifest,
				  ct_buf_span(&a->manifest->raw));
}
