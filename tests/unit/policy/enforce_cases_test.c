/*
 * enforce_cases_test.c - every case file gets its expected decisions from
 * our rules: the upstream genpolicy cases (tests/data/genpolicy/, with the
 * hand-written policy data of tests/data/policy/genpolicy/) and our own
 * per-check cases (tests/data/policy/own/). Cases of one file run in order
 * against one enforcer, so the policy state carries over.
 */
#include "ct_test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

struct suite {
	const char *data;  /* policy_data JSON, relative to CT_TEST_DATA */
	const char *cases; /* testcases.json, relative to CT_TEST_DATA */
};

static const struct suite suites[] = {
	{ "policy/genpolicy/copyfile.json", "genpolicy/copyfile/testcases.json" },
	{ "policy/genpolicy/createsandbox.json",
	  "genpolicy/createsandbox/testcases.json" },
	{ "policy/genpolicy/updateinterface.json",
	  "genpolicy/updateinterface/testcases.json" },
	{ "policy/genpolicy/createcontainer_env_vars.json",
	  "genpolicy/createcontainer/env_vars/testcases.json" },
	{ "policy/genpolicy/createcontainer_generate_name.json",
	  "genpolicy/createcontainer/generate_name/testcases.json" },
	{ "policy/genpolicy/createcontainer_security_context_runas.json",
	  "genpolicy/createcontainer/security_context/runas/testcases.json" },
	{ "policy/genpolicy/createcontainer_sysctls.json",
	  "genpolicy/createcontainer/sysctls/testcases.json" },
	{ "policy/genpolicy/createcontainer_volumes_emptydir.json",
	  "genpolicy/createcontainer/volumes/emptydir/testcases.json" },
	{ "policy/genpolicy/state_execprocess.json",
	  "genpolicy/state/execprocess/testcases.json" },
	{ "policy/own/policy_data.json", "policy/own/testcases.json" },
};

static void read_data(struct ct_buf *b, const char *rel)
{
	const char *root = getenv("CT_TEST_DATA");
	char path[1024];

	assert_non_null(root);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	ct_buf_init(b, (size_t)64 << 20);
	assert_ct_ok(ct_file_read(b, path, (size_t)64 << 20));
}

/* Returns the number of mismatching cases (printed as TAP comments). */
static size_t run_suite(const struct suite *s, size_t *total)
{
	struct ct_policy_enforcer *e = NULL;
	struct ct_buf text, data, cases;
	size_t rules_len, bad = 0;
	const char *rules = ct_policy_rules(&rules_len);
	json_error_t jerr;
	json_t *arr;

	read_data(&data, s->data);
	read_data(&cases, s->cases);
	ct_buf_init(&text, (size_t)64 << 20);
	assert_ct_ok(ct_buf_append(&text, rules, rules_len));
	assert_ct_ok(ct_buf_append_str(&text, "\npolicy_data := "));
	assert_ct_ok(ct_buf_append_span(&text, ct_buf_span(&data)));
	assert_ct_ok(ct_policy_enforcer_new(s->data, ct_buf_cstr(&text),
					    text.len, &e));
	arr = json_loadb((const char *)cases.data, cases.len, 0, &jerr);
	assert_true(json_is_array(arr));
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *c = json_array_get(arr, i);
		const char *kind = json_string_value(json_object_get(c, "kind"));
		bool want = json_is_true(json_object_get(c, "allowed"));
		char *req = json_dumps(json_object_get(c, "request"),
				       JSON_COMPACT);
		struct ct_policy_decision d;

		assert_non_null(kind);
		assert_non_null(req);
		assert_ct_ok(ct_policy_enforcer_decide(e, kind, ct_span_str(req),
						       &d));
		free(req);
		(*total)++;
		if (d.allowed != want) {
			bad++;
			printf("# MISMATCH %s #%zu %s: got %s, want %s (%s)\n",
			       s->cases, i,
			       json_string_value(json_object_get(c, "description")),
			       d.allowed ? "allowed" : "denied",
			       want ? "allowed" : "denied", d.reason);
		} else if (!want && d.reason[0] == '\0') {
			bad++;
			printf("# NO REASON %s #%zu\n", s->cases, i);
		}
	}
	json_decref(arr);
	ct_policy_enforcer_free(e);
	ct_buf_dispose(&text);
	ct_buf_dispose(&data);
	ct_buf_dispose(&cases);
	return bad;
}

static void test_all_cases(void **state)
{
	(void)state;
	size_t bad = 0, total = 0;

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		bad += run_suite(&suites[i], &total);
	printf("# %zu cases, %zu mismatches\n", total, bad);
	assert_true(total >= 165);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
