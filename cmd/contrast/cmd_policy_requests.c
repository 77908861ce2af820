/*
 * cmd_policy_requests.c - `contrast policy requests FILE.yaml`: prints the
 * Kata agent requests that start one replica of a pod (what local mode
 * decides before it starts a container), for debugging a policy refusal.
 *
 * The requests come from the YAML and the image facts only
 * (ct_policy_agent_requests); with --cases they are printed as test cases
 * for `contrast policy check --cases`, each expected to be allowed. Inputs
 * are the user's local files, read with the generator's limits.
 */
#include "cli.h"

#include "base/base.h"
#include "gen_inputs.h"
#include "policy/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLICA_MAX 100000u

static void usage(FILE *f)
{
	fprintf(f, "usage: contrast policy requests " GEN_INPUTS_USAGE "\n"
		   "       [--pod NAME] [--replica N] [--name POD] [--namespace NS] "
		   "[--pod-ip IP] [--cases] FILE.yaml\n"
		   "  Prints the agent requests (CreateSandbox, then CreateContainer "
		   "for the pause\n  container and every container) that start one "
		   "replica of the pod in FILE.yaml.\n");
}

/* The one pod of the set, or the one named `name`. */
static const struct ct_k8s_pod *pick(const struct ct_k8s_set *set, const char *file,
				     const char *name)
{
	const struct ct_k8s_pod *found = NULL;
	size_t n = 0;

	for (size_t i = 0; i < set->npods; i++)
		if (name == NULL || strcmp(set->pods[i].name, name) == 0) {
			found = &set->pods[i];
			n++;
		}
	if (n == 1)
		return found;
	if (name != NULL)
		fprintf(stderr, "contrast policy requests: %s: %s workload named "
				"'%s'\n", file, n == 0 ? "no" : "more than one", name);
	else
		fprintf(stderr, "contrast policy requests: %s: %zu pod-bearing "
				"documents; choose one with --pod\n", file, set->npods);
	for (size_t i = 0; i < set->npods; i++)
		fprintf(stderr, "  %s %s\n", set->pods[i].kind, set->pods[i].name);
	return NULL;
}

/* {description, allowed: true, kind, request} for `contrast policy check`. */
static json_t *as_cases(const json_t *reqs)
{
	json_t *cases = json_array();

	for (size_t i = 0; cases != NULL && i < json_array_size(reqs); i++) {
		const json_t *r = json_array_get(reqs, i);
		char *d = ct_aprintf("%s %s", json_string_value(json_object_get(r, "kind")),
				     json_string_value(json_object_get(r, "container")));
		json_t *c = d == NULL ? NULL
			: json_pack("{s:s, s:b, s:O, s:O}", "description", d, "allowed", 1,
				    "kind", json_object_get(r, "kind"), "request",
				    json_object_get(r, "request"));
		free(d);
		if (c == NULL || json_array_append_new(cases, c) != 0) {
			json_decref(cases);
			return NULL;
		}
	}
	return cases;
}

int ct_cli_policy_requests(int argc, char **argv)
{
	const char *file = NULL;
	const char *pod_name = NULL, *name = NULL, *ns = NULL, *ip = "10.244.0.2";
	unsigned replica = 0;
	bool cases = false;
	struct gen_inputs in;
	const struct ct_k8s_pod *pod;
	struct ct_buf sname;
	json_t *reqs = NULL, *shown = NULL;
	char *js = NULL;
	int rc = CT_EXIT_USAGE, took;

	gen_inputs_init(&in);
	ct_buf_init(&sname, 512);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has = i + 1 < argc;
		if ((took = gen_inputs_option(&in, "contrast policy requests", argc, argv, &i)) != 0) {
			if (took < 0)
				goto out;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			rc = CT_EXIT_OK;
			goto out;
		} else if (strcmp(a, "--pod") == 0 && has) {
			pod_name = argv[++i];
		} else if (strcmp(a, "--name") == 0 && has) {
			name = argv[++i];
		} else if (strcmp(a, "--namespace") == 0 && has) {
			ns = argv[++i];
		} else if (strcmp(a, "--pod-ip") == 0 && has) {
			ip = argv[++i];
		} else if (strcmp(a, "--replica") == 0 && has) {
			uint64_t v;
			if (!ct_ok(ct_parse_u64(argv[++i], REPLICA_MAX, &v))) {
				fprintf(stderr, "contrast policy requests: --replica: "
						"want 0-%u\n", REPLICA_MAX);
				goto out;
			}
			replica = (unsigned)v;
		} else if (strcmp(a, "--cases") == 0) {
			cases = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "contrast policy requests: unknown or incomplete "
					"option '%s'\n", a);
			usage(stderr);
			goto out;
		} else if (file == NULL) {
			file = a;
		} else {
			fprintf(stderr, "contrast policy requests: one FILE.yaml only\n");
			goto out;
		}
	}
	if (file == NULL) {
		usage(stderr);
		goto out;
	}
	if (!ct_ok(gen_inputs_load(&in, file)))
		goto fail;
	pod = pick(&in.set, file, pod_name);
	if (pod == NULL)
		goto out;
	if (name == NULL) {
		if (!ct_ok(ct_policy_replica_name(pod, replica, &sname)))
			goto fail;
		name = ct_buf_cstr(&sname);
	}
	if (ns == NULL)
		ns = pod->ns[0] != '\0' ? pod->ns : "default";
	if (!ct_ok(ct_policy_agent_requests(&in.g, pod, name, ns, ip, &reqs)))
		goto fail;
	shown = cases ? as_cases(reqs) : json_incref(reqs);
	js = shown != NULL ? json_dumps(shown, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	if (js == NULL) {
		fprintf(stderr, "contrast policy requests: out of memory\n");
		rc = CT_EXIT_FAILED;
		goto out;
	}
	printf("%s\n", js);
	if (!ct_ok(ct_image_source_save(in.src)))
		goto fail;
	rc = fflush(stdout) == 0 ? CT_EXIT_OK : CT_EXIT_FAILED;
	goto out;
fail:
	ct_cli_print_error("policy requests");
out:
	free(js);
	json_decref(shown);
	json_decref(reqs);
	gen_inputs_dispose(&in);
	ct_buf_dispose(&sname);
	return rc;
}
