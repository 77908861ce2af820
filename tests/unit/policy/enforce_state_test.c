/*
 * enforce_state_test.c - the enforcer's result handling and policy state:
 * bool and {allowed, ops} results, ops applied only on allow and
 * atomically, ops confined to /pstate/<key>, default deny for undefined or
 * malformed results, deny reasons, AllowRequestsFailingPolicy.
 */
#include "ct_test.h"

#include <string.h>

#include "policy/policy.h"

static const char rules[] =
	"package agent_policy\n"
	"default BoolRequest := false\n"
	"BoolRequest if { input.ok == true }\n"
	"violations_BoolRequest contains \"ok: must be true\" if { not input.ok == true }\n"
	"default SetRequest := false\n"
	"SetRequest := {\"allowed\": true, \"ops\": [{\"op\": \"add\", \"path\": concat(\"/\", [\"\", \"pstate\", input.key]), \"value\": input.value}]} if { input.allow == true }\n"
	"SetRequest := {\"allowed\": false, \"ops\": [{\"op\": \"add\", \"path\": \"/pstate/denied\", \"value\": 1}]} if { input.allow == false }\n"
	"RemoveRequest := {\"allowed\": true, \"ops\": [{\"op\": \"remove\", \"path\": concat(\"/\", [\"\", \"pstate\", input.key])}]}\n"
	"TwoRequest := {\"allowed\": true, \"ops\": [{\"op\": \"add\", \"path\": \"/pstate/first\", \"value\": 1}, {\"op\": \"remove\", \"path\": \"/pstate/missing\"}]}\n"
	"EscapeRequest := {\"allowed\": true, \"ops\": [{\"op\": \"add\", \"path\": \"/pstate/a~1b~0c\", \"value\": true}]}\n"
	"DeepRequest := {\"allowed\": true, \"ops\": [{\"op\": \"add\", \"path\": \"/pstate/a/b\", \"value\": 1}]}\n"
	"OutsideRequest := {\"allowed\": true, \"ops\": [{\"op\": \"add\", \"path\": \"/other/x\", \"value\": 1}]}\n"
	"MoveRequest := {\"allowed\": true, \"ops\": [{\"op\": \"move\", \"from\": \"/pstate/x\", \"path\": \"/pstate/y\"}]}\n"
	"StateRequest if { data.pstate.k == \"v\" }\n"
	"NumberRequest := 1\n"
	"NoAllowedRequest := {\"ops\": []}\n"
	"StringAllowedRequest := {\"allowed\": \"true\"}\n"
	"SpinRequest if { count([1 | some a in numbers.range(1, 20000); some b in numbers.range(1, 20000)]) > 0 }\n";

static struct ct_policy_enforcer *load(const char *text)
{
	struct ct_policy_enforcer *e = NULL;
	assert_ct_ok(ct_policy_enforcer_new("test.rego", text, strlen(text), &e));
	return e;
}

static bool decide(struct ct_policy_enforcer *e, const char *kind,
		   const char *json, struct ct_policy_decision *d)
{
	assert_ct_ok(ct_policy_enforcer_decide(e, kind, ct_span_str(json), d));
	return d->allowed;
}

static size_t state_keys(const struct ct_policy_enforcer *e)
{
	return ct_rego_value_length(ct_policy_enforcer_state(e));
}

static void test_bool_and_reasons(void **state)
{
	(void)state;
	struct ct_policy_enforcer *e = load(rules);
	struct ct_policy_decision d;

	assert_true(decide(e, "BoolRequest", "{\"ok\": true}", &d));
	assert_string_equal(d.reason, "");
	assert_false(decide(e, "BoolRequest", "{\"ok\": 1}", &d));
	assert_string_equal(d.reason, "ok: must be true");
	/* No rule at all: default deny with a reason. */
	assert_false(decide(e, "NoSuchRequest", "{}", &d));
	assert_non_null(strstr(d.reason, "NoSuchRequest"));
	/* Undecodable request: a deny, not an error. */
	assert_false(decide(e, "BoolRequest", "{", &d));
	assert_non_null(strstr(d.reason, "request"));
	ct_policy_enforcer_free(e);
}

static void test_ops_applied_on_allow_only(void **state)
{
	(void)state;
	struct ct_policy_enforcer *e = load(rules);
	struct ct_policy_decision d;

	assert_false(decide(e, "StateRequest", "{}", &d));
	assert_false(decide(e, "SetRequest", "{\"allow\": false, \"key\": \"k\", \"value\": \"v\"}", &d));
	assert_int_equal(state_keys(e), 0); /* denied ops are not applied */
	assert_true(decide(e, "SetRequest", "{\"allow\": true, \"key\": \"k\", \"value\": \"v\"}", &d));
	assert_int_equal(state_keys(e), 1);
	assert_true(decide(e, "StateRequest", "{}", &d));
	/* add on an existing key replaces it */
	assert_true(decide(e, "SetRequest", "{\"allow\": true, \"key\": \"k\", \"value\": \"w\"}", &d));
	assert_false(decide(e, "StateRequest", "{}", &d));
	assert_true(decide(e, "RemoveRequest", "{\"key\": \"k\"}", &d));
	assert_int_equal(state_keys(e), 0);
	/* reset forgets everything (a new sandbox) */
	assert_true(decide(e, "SetRequest", "{\"allow\": true, \"key\": \"k\", \"value\": \"v\"}", &d));
	ct_policy_enforcer_reset(e);
	assert_int_equal(state_keys(e), 0);
	assert_false(decide(e, "StateRequest", "{}", &d));
	ct_policy_enforcer_free(e);
}

static void expect_error(struct ct_policy_enforcer *e, const char *kind,
			 const char *json, enum ct_err cat)
{
	struct ct_policy_decision d;
	size_t before = state_keys(e);

	assert_ct_err(ct_policy_enforcer_decide(e, kind, ct_span_str(json), &d),
		      cat);
	assert_false(d.allowed);
	assert_int_equal(state_keys(e), before); /* state unchanged */
}

static void test_bad_ops_rejected_atomically(void **state)
{
	(void)state;
	struct ct_policy_enforcer *e = load(rules);
	struct ct_policy_decision d;

	/* The first op would apply, the second fails: nothing changes. */
	expect_error(e, "TwoRequest", "{}", CT_ERR_POLICY);
	expect_error(e, "RemoveRequest", "{\"key\": \"missing\"}", CT_ERR_POLICY);
	expect_error(e, "DeepRequest", "{}", CT_ERR_POLICY);
	expect_error(e, "OutsideRequest", "{}", CT_ERR_POLICY);
	expect_error(e, "MoveRequest", "{}", CT_ERR_POLICY);
	/* A key with "/" and "~" arrives escaped and is stored decoded. */
	assert_true(decide(e, "EscapeRequest", "{}", &d));
	assert_non_null(ct_rego_object_get_str(ct_policy_enforcer_state(e),
					       "a/b~c"));
	ct_policy_enforcer_free(e);
}

static void test_malformed_results(void **state)
{
	(void)state;
	struct ct_policy_enforcer *e = load(rules);

	expect_error(e, "NumberRequest", "{}", CT_ERR_POLICY);
	expect_error(e, "NoAllowedRequest", "{}", CT_ERR_POLICY);
	expect_error(e, "StringAllowedRequest", "{}", CT_ERR_POLICY);
	/* A runaway evaluation hits the per-decision limits: an error (deny). */
	expect_error(e, "SpinRequest", "{}", CT_ERR_LIMIT);
	ct_policy_enforcer_free(e);
}

static void test_bad_policy_and_kind(void **state)
{
	(void)state;
	struct ct_policy_enforcer *e = NULL;
	struct ct_policy_decision d;
	const char *bad = "package agent_policy\nX if {";

	assert_false(ct_ok(ct_policy_enforcer_new("bad.rego", bad, strlen(bad), &e)));
	assert_null(e);
	e = load(rules);
	assert_ct_err(ct_policy_enforcer_decide(e, "a.b", ct_span_str("{}"), &d),
		      CT_ERR_USAGE);
	assert_false(d.allowed);
	ct_policy_enforcer_free(e);
}

static void test_allow_failing(void **state)
{
	(void)state;
	static const char dbg[] =
		"package agent_policy\n"
		"default AllowRequestsFailingPolicy := true\n"
		"default BoolRequest := false\n";
	struct ct_policy_enforcer *e = load(dbg);
	struct ct_policy_decision d;

	assert_true(decide(e, "BoolRequest", "{}", &d));
	assert_true(d.reason[0] != '\0'); /* the denial is still reported */
	ct_policy_enforcer_free(e);
}

static void test_embedded_rules_defaults(void **state)
{
	(void)state;
	struct ct_policy_enforcer *e = NULL;
	struct ct_policy_decision d;
	struct ct_buf text;
	size_t len;
	const char *r = ct_policy_rules(&len);

	/* The rules with empty policy data: everything conditional denies. */
	ct_buf_init(&text, 1 << 20);
	assert_ct_ok(ct_buf_append(&text, r, len));
	assert_ct_ok(ct_buf_append_str(&text, "\npolicy_data := {\"version\": 1, \"containers\": [], "
					      "\"sandbox\": {\"name_regex\": \"^x$\", \"namespace\": \"\", \"storages\": []}, "
					      "\"common\": {}, \"request_defaults\": {}}\n"));
	assert_ct_ok(ct_policy_enforcer_new("rules", ct_buf_cstr(&text), text.len, &e));
	assert_false(decide(e, "CreateContainerRequest", "{}", &d));
	assert_false(decide(e, "ExecProcessRequest", "{}", &d));
	assert_false(decide(e, "SetPolicyRequest", "{}", &d));
	assert_false(decide(e, "ReadStreamRequest", "{}", &d));
	assert_false(decide(e, "UpdateContainerRequest", "{}", &d));
	assert_true(decide(e, "StartContainerRequest", "{}", &d));
	assert_true(decide(e, "CreateSandboxRequest", "{}", &d));
	ct_policy_enforcer_free(e);
	ct_buf_dispose(&text);

	/* Policy data of another schema version: sandbox creation denied. */
	ct_buf_init(&text, 1 << 20);
	assert_ct_ok(ct_buf_append(&text, r, len));
	assert_ct_ok(ct_buf_append_str(&text, "\npolicy_data := {\"version\": 2, \"containers\": [], "
					      "\"sandbox\": {\"name_regex\": \"^x$\", \"namespace\": \"\", \"storages\": []}, "
					      "\"common\": {}, \"request_defaults\": {}}\n"));
	assert_ct_ok(ct_policy_enforcer_new("rules", ct_buf_cstr(&text), text.len, &e));
	assert_false(decide(e, "CreateSandboxRequest", "{}", &d));
	assert_non_null(strstr(d.reason, "policy_data.version"));
	ct_policy_enforcer_free(e);
	ct_buf_dispose(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bool_and_reasons),
		cmocka_unit_test(test_ops_applied_on_allow_only),
		cmocka_unit_test(test_bad_ops_rejected_atomically),
		cmocka_unit_test(test_malformed_results),
		cmocka_unit_test(test_bad_policy_and_kind),
		cmocka_unit_test(test_allow_failing),
		cmocka_unit_test(test_embedded_rules_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
