/*
 * local_scenarios.c - what `contrast local up --scenario NAME` demonstrates
 * on the running deployment, each ending in an event with its outcome:
 *
 *   tampered-pod       one more replica whose initdata carries a policy
 *                      the manifest does not list: the Coordinator refuses
 *                      to certify it.
 *   edited-pod         the YAML is edited after `generate` (an environment
 *                      variable added to a container, the annotation kept)
 *                      and one more replica starts from it: the enforcer
 *                      refuses its CreateContainer request.
 *   wrong-measurement  one more replica launched from another VM image
 *                      (launch measurement): the Coordinator refuses it.
 *   lying-host         one more replica whose VM the host launched with the
 *                      HOSTDATA of another policy in the manifest (the
 *                      Coordinator's): the agent refuses the initdata.
 *   recover            the Coordinator restarts, comes back sealed,
 *                      `contrast recover` unseals it, and every pod is
 *                      restarted to get a certificate from the new mesh CA.
 *   update             a container's environment changes, `generate` and
 *                      `set` make manifest generation 2, and every pod is
 *                      restarted one at a time (rolling) under it.
 * A scenario whose outcome differs from the expected one fails `up`.
 */
#include "local_ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

static void event(struct local_ctx *x, bool as_expected, const char *what,
		  const char *outcome)
{
	json_array_append_new(x->events, json_pack("{s:s, s:s, s:b}", "step", what,
						   "outcome", outcome, "as_expected",
						   as_expected));
	local_step("%s: %s%s", what, outcome, as_expected ? "" : "  (UNEXPECTED)");
	x->scenario_failed |= !as_expected;
}

/* The first pod (not the Coordinator) that was admitted. */
static struct local_replica *target(struct local_ctx *x)
{
	for (size_t i = 0; i < x->nreps; i++)
		if (!x->reps[i].is_coordinator &&
		    (x->reps[i].state == LOCAL_POD_ADMITTED ||
		     x->reps[i].state == LOCAL_POD_ATTESTED_ONLY))
			return &x->reps[i];
	return NULL;
}

/* Launches a scenario's extra replica that must be refused by `by`. */
static CT_RESULT expect_refused(struct local_ctx *x, struct local_replica *r,
				const char *what, const char *measurement,
				const char *by)
{
	char outcome[LOCAL_REASON_MAX + 32];

	r->expect_refusal = true;
	CT_GUARD(local_pod_launch(x, r, measurement));
	bool refused = r->state == LOCAL_POD_REFUSED && strstr(r->reason, by) != NULL;
	snprintf(outcome, sizeof(outcome), "%s: %s", local_pod_state_name(r->state),
		 r->reason[0] ? r->reason : "(no reason)");
	event(x, refused, what, outcome);
	return CT_OK;
}

static CT_RESULT tampered_pod(struct local_ctx *x, struct local_replica *t)
{
	const char *a = local_pod_annotation(t->pod, CT_INITDATA_ANNOTATION);
	struct ct_buf toml, policy, anno;
	struct local_replica *r;
	char what[LOCAL_NAME_MAX + 64];
	ct_result res;

	CT_GUARD(local_pods_add_replica(x, t->pod, &r));
	ct_buf_init(&toml, CT_INITDATA_MAX);
	ct_buf_init(&policy, CT_INITDATA_MAX);
	ct_buf_init(&anno, CT_INITDATA_MAX * 2);
	/* The same policy plus one comment: a different hash, same rules. */
	res = ct_initdata_decode(a, &toml);
	if (ct_ok(res))
		res = ct_initdata_policy(ct_buf_span(&toml), &policy);
	if (ct_ok(res))
		res = ct_buf_append_str(&policy, "\n# tampered after contrast generate\n");
	ct_buf_reset(&toml);
	if (ct_ok(res))
		res = ct_initdata_toml(ct_buf_span(&policy), &toml);
	if (ct_ok(res))
		res = ct_initdata_annotation(ct_buf_span(&toml), &anno);
	if (ct_ok(res) && (r->initdata_override = strdup(ct_buf_cstr(&anno))) == NULL)
		res = CT_FAIL(CT_ERR_NOMEM, "out of memory");
	ct_buf_dispose(&toml);
	ct_buf_dispose(&policy);
	ct_buf_dispose(&anno);
	CT_GUARD(res);
	snprintf(what, sizeof(what), "tampered pod %s (policy not in the manifest)", r->name);
	return expect_refused(x, r, what, NULL, "init container contrast-initializer failed");
}

static CT_RESULT wrong_measurement(struct local_ctx *x, struct local_replica *t)
{
	char m[97], what[LOCAL_NAME_MAX + 64];
	struct local_replica *r;

	memset(m, 'f', 96);
	m[96] = '\0';
	CT_GUARD(local_pods_add_replica(x, t->pod, &r));
	snprintf(what, sizeof(what), "pod %s from another VM image (measurement ff..ff)",
		 r->name);
	return expect_refused(x, r, what, m, "init container contrast-initializer failed");
}

static CT_RESULT lying_host(struct local_ctx *x, struct local_replica *t)
{
	char what[LOCAL_NAME_MAX + 96];
	struct local_replica *r;

	CT_GUARD(local_pods_add_replica(x, t->pod, &r));
	snprintf(r->hostdata_override, sizeof(r->hostdata_override), "%s",
		 x->coordinator->policy_hash);
	snprintf(what, sizeof(what), "pod %s in a VM launched with the Coordinator's "
		 "HOSTDATA", r->name);
	return expect_refused(x, r, what, NULL, "agent: the initdata's hash");
}

/* Restarts every pod but the Coordinator, one at a time. */
static CT_RESULT rolling_restart(struct local_ctx *x, const char *why)
{
	unsigned ok = 0, total = 0;
	char outcome[128];

	for (size_t i = 0; i < x->nreps; i++) {
		struct local_replica *r = &x->reps[i];
		if (r->is_coordinator || r->expect_refusal ||
		    r->state == LOCAL_POD_NOT_CONFIDENTIAL)
			continue;
		total++;
		local_pod_stop(x, r);
		CT_GUARD(local_pod_launch(x, r, NULL));
		ok += r->state == LOCAL_POD_ADMITTED || r->state == LOCAL_POD_ATTESTED_ONLY;
	}
	snprintf(outcome, sizeof(outcome), "%u of %u pods admitted again", ok, total);
	event(x, ok == total, why, outcome);
	return CT_OK;
}

static CT_RESULT recover(struct local_ctx *x)
{
	const char *args[] = { "recover", "-c", x->user_api, "--seedshare-owner-key",
			       "seedshare-owner.pem", "--seed", "seed-shares.json",
			       "-m", "manifest.json", NULL };
	struct local_replica *c = x->coordinator;

	local_pod_stop(x, c);
	CT_GUARD(local_pod_launch(x, c, NULL));
	event(x, c->state == LOCAL_POD_ADMITTED, "Coordinator restarted",
	      c->state == LOCAL_POD_ADMITTED ? "running, sealed (its state dir survived)"
					     : c->reason);
	CT_GUARD(local_run_contrast(x, "contrast-recover", args));
	event(x, true, "contrast recover", "unsealed with the seed share");
	return rolling_restart(x, "rolling restart after recovery (new mesh CA)");
}

/* Adds the environment variable `var` (e.g. "{name: X, value: \"1\"}") to
 * the first container of t's pod in its deployment file, as a user editing
 * the YAML would. */
static CT_RESULT edit_deployment(struct local_replica *t, const char *var_yaml)
{
	struct ct_k8s_set s;
	struct ct_buf out;
	const char *file = t->pod->doc->file;
	ct_result res;

	ct_k8s_set_init(&s);
	ct_buf_init(&out, CT_K8S_FILE_MAX);
	res = ct_k8s_load_file(&s, file, false);
	for (size_t i = 0; ct_ok(res) && i < s.npods; i++) {
		const struct ct_k8s_pod *p = &s.pods[i];
		if (strcmp(p->where, t->pod->where) != 0)
			continue;
		struct fy_document *fyd = p->doc->fyd;
		struct fy_node *spec = fy_node_mapping_lookup_by_string(p->fy_template, "spec", FY_NT);
		struct fy_node *cs = spec ? fy_node_mapping_lookup_by_string(spec, "containers", FY_NT) : NULL;
		struct fy_node *c = cs ? fy_node_sequence_get_by_index(cs, 0) : NULL;
		struct fy_node *env = c ? fy_node_mapping_lookup_by_string(c, "env", FY_NT) : NULL;
		struct fy_node *var = fy_node_build_from_string(fyd, var_yaml, FY_NT);
		if (c == NULL || var == NULL) {
			res = CT_FAIL(CT_ERR_USAGE, "%s: cannot edit its first container", p->where);
		} else if (env == NULL) {
			struct fy_node *seq = fy_node_create_sequence(fyd);
			if (seq == NULL || fy_node_sequence_append(seq, var) != 0 ||
			    fy_node_mapping_append(c, fy_node_build_from_string(fyd, "env", FY_NT),
						   seq) != 0)
				res = CT_FAIL(CT_ERR_NOMEM, "yaml: cannot edit");
		} else if (fy_node_sequence_append(env, var) != 0) {
			res = CT_FAIL(CT_ERR_NOMEM, "yaml: cannot edit");
		}
		if (ct_ok(res))
			res = ct_k8s_emit_file(&s, file, &out);
		if (ct_ok(res))
			res = ct_file_write_atomic(file, ct_buf_span(&out), 0644);
		break;
	}
	ct_buf_dispose(&out);
	ct_k8s_set_dispose(&s);
	return res;
}

static CT_RESULT edited_pod(struct local_ctx *x, struct local_replica *t)
{
	char what[LOCAL_NAME_MAX * 2 + 96];
	struct local_replica *r;

	CT_GUARD(edit_deployment(t, "{name: DEBUG_SHELL, value: \"1\"}"));
	CT_GUARD(local_pods_reload(x));
	CT_GUARD(local_pods_add_replica(x, t->pod, &r));
	snprintf(what, sizeof(what), "edited pod %s (env DEBUG_SHELL=1 added to the YAML of "
		 "%s after generate)", r->name, t->pod->name);
	return expect_refused(x, r, what, NULL, "enforcer");
}

static CT_RESULT update(struct local_ctx *x, struct local_replica *t)
{
	char what[LOCAL_NAME_MAX + 96];

	CT_GUARD(edit_deployment(t, "{name: CONTRAST_LOCAL_UPDATE, value: \"2\"}"));
	snprintf(what, sizeof(what), "deployment edited (%s: env CONTRAST_LOCAL_UPDATE=2)",
		 t->pod->name);
	event(x, true, what, "contrast generate again");
	CT_GUARD(local_generate(x));
	CT_GUARD(local_pods_reload(x));
	CT_GUARD(local_set_manifest(x, "contrast-set-update"));
	event(x, true, "contrast set (update)", "the new manifest is active");
	return rolling_restart(x, "rolling restart under the new manifest");
}

CT_RESULT local_scenario_run(struct local_ctx *x)
{
	struct local_replica *t = target(x);

	if (x->o->scenario == LOCAL_SCENARIO_NONE)
		return CT_OK;
	CT_ENSURE(t != NULL, CT_ERR_USAGE, "scenario %s needs an admitted pod",
		  local_scenario_name(x->o->scenario));
	local_step("scenario %s", local_scenario_name(x->o->scenario));
	switch (x->o->scenario) {
	case LOCAL_SCENARIO_TAMPERED_POD: return tampered_pod(x, t);
	case LOCAL_SCENARIO_EDITED_POD: return edited_pod(x, t);
	case LOCAL_SCENARIO_WRONG_MEASUREMENT: return wrong_measurement(x, t);
	case LOCAL_SCENARIO_LYING_HOST: return lying_host(x, t);
	case LOCAL_SCENARIO_RECOVER: return recover(x);
	case LOCAL_SCENARIO_UPDATE: return update(x, t);
	case LOCAL_SCENARIO_NONE: break;
	}
	return CT_OK;
}
