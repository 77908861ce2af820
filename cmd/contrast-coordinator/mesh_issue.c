/*
 * mesh_issue.c - the mesh API's operations on the active state: leaf
 * issuance from the mesh CA, workload secret derivation, and the export
 * for peer recovery (mesh_api.h). Kept apart from mesh_api.c because it
 * is the only part that touches lib/ca and lib/state secrets.
 *
 * Trust boundary: inputs were checked by mesh_api.c (an attested peer
 * whose HOSTDATA is a policy of the active manifest, a CSR that proves
 * possession of its key); outputs are secrets in wiped buffers.
 *
 * Placeholder until lib/ca and lib/state land: every operation fails with
 * an internal error (HTTP 500), so nothing is issued by accident.
 */
#include "coordinator.h"
#include "mesh_api.h"

CT_RESULT mesh_issue_leaf(struct ct_coord_active *a, EVP_PKEY *key,
			  const struct ct_manifest_policy *policy,
			  const struct mesh_claims *claims,
			  struct ct_buf *chain_pem)
{
	(void)a; (void)key; (void)policy; (void)claims; (void)chain_pem;
	return CT_FAIL(CT_ERR_INTERNAL, "mesh: leaf issuance not wired yet");
}

CT_RESULT mesh_workload_secret(struct ct_coord_active *a, const char *id,
			       struct ct_buf *out)
{
	(void)a; (void)id; (void)out;
	return CT_FAIL(CT_ERR_INTERNAL, "mesh: workload secrets not wired yet");
}

CT_RESULT mesh_recovery_export(struct ct_coord_active *a,
			       struct ct_meshapi_recover_response *out)
{
	(void)a; (void)out;
	return CT_FAIL(CT_ERR_INTERNAL, "mesh: peer recovery not wired yet");
}
