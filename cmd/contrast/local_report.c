/*
 * local_report.c - what `contrast local up` shows for itself: traffic
 * probes against the running pods, and the summary (DIR/summary.json and
 * the printed table).
 *
 * Probes: every container that printed "ready port=N" is called once over
 * mesh mTLS with another admitted pod's identity (GET /whoami, through
 * `contrast-demo-app call`) and once without a client certificate, which
 * it must refuse. Request counts come from the containers' stats files
 * ($CONTRAST_STATS_FILE: {"served", "refused", "refused_handshakes"}).
 */
#include "local_ctx.h"

#include <stdio.h>
#include <string.h>

#define PROBE_MS 30000u

const char *local_pod_state_name(enum local_pod_state s)
{
	switch (s) {
	case LOCAL_POD_ADMITTED: return "admitted";
	case LOCAL_POD_ATTESTED_ONLY: return "attested-only";
	case LOCAL_POD_REFUSED: return "refused";
	case LOCAL_POD_NOT_CONFIDENTIAL: return "not-confidential";
	case LOCAL_POD_PENDING: break;
	}
	return "pending";
}

static bool has_identity(const struct local_replica *r)
{
	return (r->state == LOCAL_POD_ADMITTED || r->state == LOCAL_POD_ATTESTED_ONLY) &&
	       !r->is_coordinator;
}

/* Another admitted pod whose identity calls r (r itself if it is alone). */
static const struct local_replica *peer_of(const struct local_ctx *x,
					   const struct local_replica *r)
{
	for (size_t i = 0; i < x->nreps; i++)
		if (&x->reps[i] != r && has_identity(&x->reps[i]) &&
		    x->reps[i].pod != r->pod)
			return &x->reps[i];
	return has_identity(r) ? r : NULL;
}

static bool call(struct local_ctx *x, const char *name, const char *tls_dir,
		 const char *url, bool anonymous)
{
	char *argv[] = { x->bin[BIN_DEMO_APP], "call", "--tls-dir", (char *)tls_dir,
			 (char *)url, anonymous ? "--anonymous" : NULL, NULL };
	int status = -1;

	if (!ct_ok(local_proc_run(x->dir, name, argv, NULL, PROBE_MS, &status)))
		ct_error_clear();
	return status == 0;
}

void local_probe_traffic(struct local_ctx *x)
{
	for (size_t i = 0; i < x->nreps; i++) {
		struct local_replica *r = &x->reps[i];
		const struct local_replica *peer = peer_of(x, r);
		if (r->state != LOCAL_POD_ADMITTED || peer == NULL)
			continue;
		for (unsigned k = 0; k < r->ncontainers; k++) {
			const struct local_container *c = &r->containers[k];
			char url[128], tls[LOCAL_PATH_MAX + 32], name[LOCAL_NAME_MAX];
			if (!c->running || c->port == 0)
				continue;
			snprintf(url, sizeof(url), "https://%s:%u/whoami", r->ip, c->port);
			snprintf(tls, sizeof(tls), "%s/contrast/tls-config", peer->dir);
			for (int anonymous = 0; anonymous < 2; anonymous++) {
				if (snprintf(name, sizeof(name), "probe-%s-%s%s", r->name, c->name,
					     anonymous ? "-anon" : "") >= (int)sizeof(name))
					continue;
				bool served = call(x, name, tls, url, anonymous);
				unsigned *count = anonymous
					? (served ? &x->anonymous_served : &x->anonymous_refused)
					: (served ? &x->probes_ok : &x->probes_failed);
				(*count)++;
			}
		}
	}
}

static json_int_t stat_of(const json_t *stats, const char *key)
{
	return json_integer_value(json_object_get(stats, key));
}

static json_t *pod_json(const struct local_replica *r, json_int_t totals[2])
{
	json_t *cs = json_array();
	for (unsigned k = 0; k < r->ncontainers; k++) {
		const struct local_container *c = &r->containers[k];
		json_t *stats = json_load_file(c->stats, 0, NULL);
		json_t *cj = json_pack("{s:s, s:b}", "name", c->name, "running", c->running);
		if (c->port != 0)
			json_object_set_new(cj, "port", json_integer(c->port));
		if (stats != NULL) {
			totals[0] += stat_of(stats, "served");
			totals[1] += stat_of(stats, "refused") + stat_of(stats, "refused_handshakes");
			json_object_set(cj, "stats", stats);
		}
		json_decref(stats);
		json_array_append_new(cs, cj);
	}
	json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "name", r->name,
			      "workload", r->pod->name, "kind", r->pod->kind, "ip", r->ip,
			      "state", local_pod_state_name(r->state), "containers", cs);
	if (r->policy_hash[0] != '\0')
		json_object_set_new(p, "policy_hash", json_string(r->policy_hash));
	if (r->reason[0] != '\0')
		json_object_set_new(p, "reason", json_string(r->reason));
	if (r->is_coordinator)
		json_object_set_new(p, "role", json_string("coordinator"));
	return p;
}

CT_RESULT local_write_summary(struct local_ctx *x, json_t **out)
{
	json_int_t totals[2] = { 0, 0 };
	unsigned admitted = 0, refused = 0;
	json_t *pods = json_array(), *refusals = json_array();
	char path[LOCAL_PATH_MAX + 16], *text;
	ct_result res;

	for (size_t i = 0; i < x->nreps; i++) {
		const struct local_replica *r = &x->reps[i];
		admitted += r->state == LOCAL_POD_ADMITTED || r->state == LOCAL_POD_ATTESTED_ONLY;
		if (r->state == LOCAL_POD_REFUSED) {
			refused++;
			json_array_append_new(refusals, json_pack("{s:s, s:s}", "name", r->name,
								  "reason", r->reason));
		}
		json_array_append_new(pods, pod_json(r, totals));
	}
	json_t *s = json_pack(
		"{s:s, s:s, s:o, s:i, s:i, s:i, s:o, s:o, s:i, s:{s:I, s:I, s:i, s:i, s:i, s:i}, s:O}",
		"workdir", x->dir, "scenario", local_scenario_name(x->o->scenario),
		"coordinator_user_api", json_string(x->user_api),
		"manifest_generation", (int)x->manifest_generation,
		"pods_admitted", (int)admitted, "pods_refused", (int)refused,
		"refused", refusals, "pods", pods,
		"certificates_issued", (int)x->certificates_issued,
		"mtls", "requests_served", totals[0], "requests_refused", totals[1],
		"probes_served", (int)x->probes_ok, "probes_failed", (int)x->probes_failed,
		"anonymous_refused", (int)x->anonymous_refused,
		"anonymous_served", (int)x->anonymous_served,
		"events", x->events);
	CT_ENSURE(s != NULL, CT_ERR_NOMEM, "summary: out of memory");
	text = json_dumps(s, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (text == NULL) {
		json_decref(s);
		return CT_FAIL(CT_ERR_NOMEM, "summary: out of memory");
	}
	snprintf(path, sizeof(path), "%s/summary.json", x->dir);
	size_t n = strlen(text);
	text[n] = '\n'; /* replaces the NUL; written with its length */
	res = ct_file_write_atomic(path, ct_span_make((const uint8_t *)text, n + 1), 0644);
	free(text);
	if (ct_ok(res) && out != NULL)
		*out = s;
	else
		json_decref(s);
	return res;
}

void local_print_summary(const struct local_ctx *x, const json_t *s)
{
	printf("\n%-34s %-16s %-16s %s\n", "POD", "ADDRESS", "STATE", "DETAIL");
	for (size_t i = 0; i < x->nreps; i++) {
		const struct local_replica *r = &x->reps[i];
		char detail[LOCAL_REASON_MAX + 64] = "";
		if (r->reason[0] != '\0')
			snprintf(detail, sizeof(detail), "%s", r->reason);
		else if (r->is_coordinator)
			snprintf(detail, sizeof(detail), "Coordinator, user API %s", x->user_api);
		else
			for (unsigned k = 0; k < r->ncontainers; k++) {
				size_t l = strlen(detail);
				snprintf(detail + l, sizeof(detail) - l, "%s%s%s",
					 l ? ", " : "", r->containers[k].name,
					 r->containers[k].running ? " running" : " done");
			}
		printf("%-34s %-16s %-16s %s\n", r->name, r->ip,
		       local_pod_state_name(r->state), detail);
	}
	const json_t *m = json_object_get(s, "mtls");
	printf("\nmanifest generation %d; pods admitted %d, refused %d; mesh certificates "
	       "issued %d\nmTLS: %d requests served, %d refused (probes: %d of %d served "
	       "with a mesh certificate, %d of %d refused without)\nsummary: %s/summary.json\n",
	       (int)json_integer_value(json_object_get(s, "manifest_generation")),
	       (int)json_integer_value(json_object_get(s, "pods_admitted")),
	       (int)json_integer_value(json_object_get(s, "pods_refused")),
	       (int)json_integer_value(json_object_get(s, "certificates_issued")),
	       (int)json_integer_value(json_object_get(m, "requests_served")),
	       (int)json_integer_value(json_object_get(m, "requests_refused")),
	       x->probes_ok, x->probes_ok + x->probes_failed, x->anonymous_refused,
	       x->anonymous_refused + x->anonymous_served, x->dir);
}
