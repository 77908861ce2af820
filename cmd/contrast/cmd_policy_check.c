/*
 * cmd_policy_check.c - `contrast policy check --policy P --cases C`: runs
 * agent-request test cases against one enforcer, in order.
 *
 * The cases file is a JSON array of {description, allowed, kind, request}
 * (the format of Kata's genpolicy test data). All cases share one enforcer,
 * so the policy state (data.pstate) carries over from case to case, as it
 * does in a pod. Prints one line per case and "N passed, N failed"; exits 0
 * iff every decision matched. Both files are local input of the user's
 * choosing, read with size limits; requests go through the same bounded
 * decoder the agent-side enforcer uses.
 */
#include "cli.h"

#include "base/base.h"
#include "policy/policy.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLICY_FILE_MAX ((size_t)16 << 20)
#define CASES_FILE_MAX ((size_t)64 << 20)
#define CASES_MAX 100000

static void usage(FILE *f)
{
	fprintf(f, "usage: contrast policy check --policy POLICY.rego "
		   "--cases TESTCASES.json [--quiet]\n"
		   "  Runs each case in order against one enforcer and prints\n"
		   "  ok/MISMATCH per case, then 'N passed, N failed'.\n");
}

struct tally {
	size_t passed, failed;
};

/* Runs one case; returns false when the case itself is malformed. */
static bool run_case(struct ct_policy_enforcer *e, json_t *c, size_t i,
		     bool quiet, struct tally *t)
{
	json_t *desc = json_object_get(c, "description");
	json_t *want = json_object_get(c, "allowed");
	json_t *kind = json_object_get(c, "kind");
	json_t *req = json_object_get(c, "request");
	struct ct_policy_decision d;
	const char *dstr;
	char *text;
	ct_result res;

	if (!json_is_object(c) || !json_is_boolean(want) ||
	    !json_is_string(kind) || req == NULL) {
		fprintf(stderr, "contrast policy check: case %zu: needs "
				"'allowed' (boolean), 'kind' (string) and "
				"'request'\n", i);
		return false;
	}
	dstr = json_is_string(desc) ? json_string_value(desc) : "(no description)";
	text = json_dumps(req, JSON_COMPACT | JSON_ENCODE_ANY);
	if (text == NULL) {
		fprintf(stderr, "contrast policy check: case %zu: out of memory\n", i);
		return false;
	}
	res = ct_policy_enforcer_decide(e, json_string_value(kind),
					ct_span_str(text), &d);
	free(text);
	if (!ct_ok(res)) {
		printf("MISMATCH %s: error: %s\n", dstr, ct_error_message());
		ct_error_clear();
		t->failed++;
		return true;
	}
	if (d.allowed == json_is_true(want)) {
		t->passed++;
		if (!quiet)
			printf("ok       %s: %s%s%s%s\n", dstr,
			       d.allowed ? "allowed" : "denied",
			       d.reason[0] != '\0' ? " (" : "", d.reason,
			       d.reason[0] != '\0' ? ")" : "");
	} else {
		t->failed++;
		printf("MISMATCH %s: %s, want %s%s%s%s\n", dstr,
		       d.allowed ? "allowed" : "denied",
		       json_is_true(want) ? "allowed" : "denied",
		       d.reason[0] != '\0' ? " (" : "", d.reason,
		       d.reason[0] != '\0' ? ")" : "");
	}
	return true;
}

int ct_cli_policy_check(int argc, char **argv)
{
	const char *policy_path = NULL, *cases_path = NULL;
	struct ct_policy_enforcer *e = NULL;
	struct ct_buf policy, cases;
	struct tally t = { 0, 0 };
	json_t *root = NULL;
	json_error_t jerr;
	bool quiet = false;
	int rc = CT_EXIT_USAGE;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return CT_EXIT_OK;
		} else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc) {
			policy_path = argv[++i];
		} else if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
			cases_path = argv[++i];
		} else if (strcmp(argv[i], "--quiet") == 0) {
			quiet = true;
		} else {
			fprintf(stderr, "contrast policy check: unknown or "
					"incomplete option '%s'\n", argv[i]);
			usage(stderr);
			return CT_EXIT_USAGE;
		}
	}
	if (policy_path == NULL || cases_path == NULL) {
		usage(stderr);
		return CT_EXIT_USAGE;
	}
	ct_buf_init(&policy, POLICY_FILE_MAX);
	ct_buf_init(&cases, CASES_FILE_MAX);
	if (!ct_ok(ct_file_read(&policy, policy_path, POLICY_FILE_MAX)) ||
	    !ct_ok(ct_file_read(&cases, cases_path, CASES_FILE_MAX))) {
		ct_cli_print_error("policy check");
		goto out;
	}
	if (!ct_ok(ct_policy_enforcer_new(policy_path, ct_buf_cstr(&policy),
					  policy.len, &e))) {
		ct_cli_print_error("policy check");
		goto out;
	}
	root = json_loadb((const char *)cases.data, cases.len, JSON_REJECT_DUPLICATES,
			  &jerr);
	if (!json_is_array(root) || json_array_size(root) > CASES_MAX) {
		fprintf(stderr, "contrast policy check: %s: %s\n", cases_path,
			root == NULL ? jerr.text
				     : "want a JSON array of at most 100000 cases");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(root); i++)
		if (!run_case(e, json_array_get(root, i), i, quiet, &t))
			goto out;
	printf("%zu passed, %zu failed\n", t.passed, t.failed);
	rc = t.failed == 0 ? CT_EXIT_OK : CT_EXIT_FAILED;
out:
	json_decref(root);
	ct_policy_enforcer_free(e);
	ct_buf_dispose(&policy);
	ct_buf_dispose(&cases);
	return rc;
}
