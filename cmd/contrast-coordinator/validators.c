/*
 * validators.c - aTLS validators from a manifest's SNP reference values.
 *
 * Trust boundary: the manifest is trusted here (it is either the user's
 * own file, in the CLI, or the active manifest the Coordinator accepted);
 * the evidence handed to the validators is not. Each entry gets its own
 * SNP verifier so that a simulated entry's SimulatorRootCA is trusted for
 * that entry alone. The HOSTDATA check runs only after the SNP validator
 * accepted the evidence (chain, signature, REPORT_DATA, reference values),
 * so the HOSTDATA it reads is genuine.
 */
#include "validators.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CT_RESULT validate_with_host_data(void *arg, struct ct_span evidence,
					 const uint8_t expected[CT_ATLS_REPORT_DATA_LEN],
					 struct ct_buf *claims)
{
	struct ct_coord_validator_entry *e = arg;
	size_t before = claims->len;

	CT_GUARD(e->inner.validate(e->inner.arg, evidence, expected, claims));
	if (e->host_data == NULL)
		return CT_OK;
	CT_ENSURE(claims->len - before == CT_SNP_REPORT_SIZE, CT_ERR_INTERNAL,
		  "coordinator: SNP validator returned no report");
	const uint8_t *hd = claims->data + before + CT_SNP_OFF_HOST_DATA;
	for (size_t i = 0; i < e->n_host_data; i++)
		if (memcmp(hd, e->host_data[i], CT_MANIFEST_HASH_LEN) == 0)
			return CT_OK;
	char got[2 * CT_MANIFEST_HASH_LEN + 1];
	ct_hex_format(got, hd, CT_MANIFEST_HASH_LEN);
	claims->len = before;
	return CT_FAIL(CT_ERR_POLICY,
		       "coordinator: HOSTDATA %s is not the hash of a policy "
		       "with Role \"coordinator\" in the manifest (the "
		       "Coordinator runs a different policy; did you run "
		       "`contrast generate`?)", got);
}

void ct_coord_validators_free(struct ct_coord_validators *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++) {
		ct_snp_verifier_free(v->entries[i].verifier);
		ct_snp_refvals_dispose(&v->entries[i].refvals);
	}
	free(v->entries);
	free(v->validators);
	free(v->coordinator_hashes);
	free(v);
}

static CT_RESULT entry_init(struct ct_coord_validator_entry *e, size_t i,
			    const struct ct_manifest_snp *snp)
{
	ct_snp_refvals_init(&e->refvals);
	CT_GUARD(ct_snp_refvals_parse(&e->refvals, ct_span_str(snp->json)));
	CT_GUARD(ct_snp_verifier_new(&e->verifier));
	if (e->refvals.simulator) {
		CT_ENSURE(e->refvals.simulator_root != NULL, CT_ERR_USAGE,
			  "simulated entry without SimulatorRootCA");
		CT_GUARD(ct_snp_verifier_set_custom_root(e->verifier,
							 e->refvals.simulator_root));
	}
	e->snp_ctx.verifier = e->verifier;
	e->snp_ctx.refvals = &e->refvals;
	snprintf(e->name, sizeof(e->name), "snp[%u]", (unsigned)(i % 1000u));
	e->inner = ct_atls_snp_validator(e->name, &e->snp_ctx);
	return CT_OK;
}

CT_RESULT ct_coord_validators_new(const struct ct_manifest *m,
				  bool coordinator_only,
				  struct ct_coord_validators **out)
{
	ct_result res = CT_OK;
	struct ct_coord_validators *v = ct_calloc(1, sizeof(*v));

	*out = NULL;
	CT_ENSURE(v != NULL, CT_ERR_NOMEM, "validators: out of memory");
	CT_TRY_ENSURE(m->n_snp > 0 && m->n_snp <= CT_ATLS_VALIDATORS_MAX,
		      CT_ERR_USAGE,
		      "manifest: want 1..%u SNP reference-value entries, got %zu",
		      CT_ATLS_VALIDATORS_MAX, m->n_snp);
	if (coordinator_only) {
		v->coordinator_hashes = ct_calloc(m->n_policies + 1,
						  CT_MANIFEST_HASH_LEN);
		CT_TRY_ENSURE(v->coordinator_hashes != NULL, CT_ERR_NOMEM,
			      "validators: out of memory");
		for (size_t i = 0; i < m->n_policies; i++)
			if (m->policies[i].role == CT_MANIFEST_ROLE_COORDINATOR)
				memcpy(v->coordinator_hashes[v->n_coordinator_hashes++],
				       m->policies[i].hash, CT_MANIFEST_HASH_LEN);
		CT_TRY_ENSURE(v->n_coordinator_hashes > 0, CT_ERR_USAGE,
			      "manifest: no policy with Role \"coordinator\"");
	}
	v->entries = ct_calloc(m->n_snp, sizeof(*v->entries));
	v->validators = ct_calloc(m->n_snp, sizeof(*v->validators));
	CT_TRY_ENSURE(v->entries != NULL && v->validators != NULL,
		      CT_ERR_NOMEM, "validators: out of memory");
	for (size_t i = 0; i < m->n_snp; i++) {
		struct ct_coord_validator_entry *e = &v->entries[i];
		v->n = i + 1;
		res = entry_init(e, i, &m->snp[i]);
		if (!ct_ok(res)) {
			res = ct_error_prefix("ReferenceValues.snp[%zu]", i);
			goto out;
		}
		e->host_data = coordinator_only ? (const uint8_t(*)[CT_MANIFEST_HASH_LEN])
							  v->coordinator_hashes
						: NULL;
		e->n_host_data = v->n_coordinator_hashes;
		v->validators[i] = (struct ct_atls_validator){
			e->name, CT_ATLS_OID_SNP, validate_with_host_data, e
		};
	}
	*out = v;
	v = NULL;
out:
	ct_coord_validators_free(v);
	return res;
}
