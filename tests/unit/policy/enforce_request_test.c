/*
 * enforce_request_test.c - the agent-request decoder: proto defaults are
 * filled, unknown fields dropped, wrong types and oversized input refused.
 */
#include "ct_test.h"

#include <string.h>

#include "policy/policy.h"

static struct ct_rego_value *decode_ok(const char *kind, const char *json)
{
	struct ct_rego_value *v = NULL;
	assert_ct_ok(ct_policy_request_decode(kind, ct_span_str(json), &v));
	assert_non_null(v);
	return v;
}

/* Follows a dotted path of object keys. */
static const struct ct_rego_value *get(const struct ct_rego_value *v,
				       const char *path)
{
	const char *p = path;

	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		struct ct_rego_value *key = ct_rego_value_string_new(p, n);

		assert_non_null(key);
		assert_int_equal(ct_rego_value_kind(v), CT_REGO_OBJECT);
		v = ct_rego_object_get(v, key);
		ct_rego_value_unref(key);
		if (v == NULL)
			fail_msg("%s: missing at %s", path, p);
		p += n;
		if (*p == '.')
			p++;
	}
	return v;
}

static void test_defaults_filled(void **state)
{
	(void)state;
	struct ct_rego_value *v = decode_ok("CreateContainerRequest",
		"{\"OCI\": {\"Process\": {\"Args\": [\"/pause\"]}, \"Linux\": {}},"
		" \"storages\": [{\"driver\": \"image_guest_pull\"}]}");

	assert_string_equal(ct_rego_value_str(get(v, "container_id")), "");
	assert_int_equal(ct_rego_value_kind(get(v, "string_user")), CT_REGO_NULL);
	assert_int_equal(ct_rego_value_length(get(v, "shared_mounts")), 0);
	assert_false(ct_rego_value_get_bool(get(v, "sandbox_pidns")));
	assert_int_equal(ct_rego_value_kind(get(v, "OCI.Hooks")), CT_REGO_NULL);
	assert_int_equal(ct_rego_value_kind(get(v, "OCI.Annotations")),
			 CT_REGO_OBJECT);
	assert_int_equal(ct_rego_value_kind(get(v, "OCI.Process.User")),
			 CT_REGO_NULL);
	assert_string_equal(ct_rego_value_str(get(v, "OCI.Process.Cwd")), "");
	assert_int_equal(ct_rego_value_length(get(v, "OCI.Linux.MaskedPaths")), 0);
	assert_string_equal(ct_rego_value_str(get(v, "OCI.Linux.MountLabel")), "");

	const struct ct_rego_value *s = ct_rego_value_index(get(v, "storages"), 0);
	assert_non_null(s);
	assert_false(ct_rego_value_get_bool(get(s, "shared")));
	assert_int_equal(ct_rego_value_kind(get(s, "fs_group")), CT_REGO_NULL);
	assert_int_equal(ct_rego_value_length(get(s, "options")), 0);
	ct_rego_value_unref(v);
}

static void test_nested_message_defaults(void **state)
{
	(void)state;
	struct ct_rego_value *v = decode_ok("CreateContainerRequest",
		"{\"storages\": [{\"fs_group\": {\"group_id\": 1000}}]}");
	const struct ct_rego_value *s = ct_rego_value_index(get(v, "storages"), 0);
	int64_t n = -1;

	assert_true(ct_rego_number_to_int64(get(s, "fs_group.group_change_policy"), &n));
	assert_int_equal(n, 0);
	ct_rego_value_unref(v);
}

static void test_unknown_fields_dropped(void **state)
{
	(void)state;
	struct ct_rego_value *v = decode_ok("UpdateInterfaceRequest",
		"{\"interface\": {\"name\": \"eth0\", \"pciPath\": \"x\"},"
		" \"type\": \"AddARPNeighbors\"}");

	assert_null(ct_rego_object_get_str(v, "type"));
	assert_null(ct_rego_object_get_str(get(v, "interface"), "pciPath"));
	assert_string_equal(ct_rego_value_str(get(v, "interface.hwAddr")), "");
	ct_rego_value_unref(v);
}

static void test_copyfile_symlink_target_null(void **state)
{
	(void)state;
	struct ct_rego_value *v = decode_ok("CopyFileRequest",
					    "{\"path\": \"/a\", \"file_type\": \"Regular\"}");

	assert_int_equal(ct_rego_value_kind(get(v, "symlink_target")), CT_REGO_NULL);
	ct_rego_value_unref(v);
}

static void test_opaque_kept(void **state)
{
	(void)state;
	/* A non-null Hooks must reach the rules (which deny it). */
	struct ct_rego_value *v = decode_ok("CreateContainerRequest",
		"{\"OCI\": {\"Hooks\": {\"Prestart\": [{\"Path\": \"/evil\"}]}}}");

	assert_int_equal(ct_rego_value_kind(get(v, "OCI.Hooks")), CT_REGO_OBJECT);
	ct_rego_value_unref(v);
}

static void test_other_kinds_pass_through(void **state)
{
	(void)state;
	struct ct_rego_value *v = decode_ok("StartContainerRequest",
					    "{\"container_id\": \"x\", \"extra\": 1}");

	assert_non_null(ct_rego_object_get_str(v, "extra"));
	ct_rego_value_unref(v);
}

static void expect_proto(const char *kind, const char *json, const char *msg)
{
	struct ct_rego_value *v = NULL;

	assert_ct_err(ct_policy_request_decode(kind, ct_span_str(json), &v),
		      CT_ERR_PROTO);
	assert_null(v);
	if (strstr(ct_error_message(), msg) == NULL)
		fail_msg("want '%s' in '%s'", msg, ct_error_message());
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_proto("CreateContainerRequest",
		     "{\"OCI\": {\"Process\": {\"Args\": [\"a\", 1]}}}",
		     "OCI.Process.Args[1]: want string, got number");
	expect_proto("CreateContainerRequest", "{\"sandbox_pidns\": \"yes\"}",
		     "sandbox_pidns: want boolean, got string");
	expect_proto("CreateContainerRequest",
		     "{\"OCI\": {\"Annotations\": {\"k\": 1}}}",
		     "OCI.Annotations.k: want string, got number");
	expect_proto("UpdateInterfaceRequest", "{\"interface\": []}",
		     "interface: want object, got array");
	expect_proto("ExecProcessRequest",
		     "{\"process\": {\"User\": {\"AdditionalGids\": [\"0\"]}}}",
		     "process.User.AdditionalGids[0]: want number");
	expect_proto("CreateSandboxRequest", "[]", "(top): want object");
	expect_proto("StartContainerRequest", "\"x\"", "want object");
}

static void test_malformed_json(void **state)
{
	(void)state;
	expect_proto("CreateContainerRequest", "{\"a\": ", "request");
	expect_proto("CreateContainerRequest", "{} trailing", "request");
	expect_proto("CreateContainerRequest", "", "request");
}

static void test_limits(void **state)
{
	(void)state;
	struct ct_rego_value *v = NULL;
	struct ct_buf b;

	/* Nesting beyond the depth limit. */
	ct_buf_init(&b, 1 << 20);
	for (int i = 0; i < CT_POLICY_REQUEST_MAX_DEPTH + 2; i++)
		assert_ct_ok(ct_buf_append_str(&b, "{\"a\":"));
	assert_ct_ok(ct_buf_append_str(&b, "1"));
	for (int i = 0; i < CT_POLICY_REQUEST_MAX_DEPTH + 2; i++)
		assert_ct_ok(ct_buf_append_str(&b, "}"));
	assert_false(ct_ok(ct_policy_request_decode("StartContainerRequest",
						    ct_buf_span(&b), &v)));
	ct_buf_dispose(&b);

	/* Too many elements in one list. */
	ct_buf_init(&b, 1 << 20);
	assert_ct_ok(ct_buf_append_str(&b, "{\"OCI\":{\"Process\":{\"Env\":["));
	for (int i = 0; i <= CT_POLICY_REQUEST_MAX_ITEMS; i++)
		assert_ct_ok(ct_buf_append_str(&b, i > 0 ? ",\"A=1\"" : "\"A=1\""));
	assert_ct_ok(ct_buf_append_str(&b, "]}}}"));
	assert_ct_err(ct_policy_request_decode("CreateContainerRequest",
					       ct_buf_span(&b), &v), CT_ERR_LIMIT);
	ct_buf_dispose(&b);

	/* Whole request too large (no parse attempted). */
	assert_ct_err(ct_policy_request_decode("CreateContainerRequest",
		ct_span_make("{}", CT_POLICY_REQUEST_MAX_BYTES + 1), &v),
		CT_ERR_LIMIT);
	assert_null(v);
}

static void test_kind_names(void **state)
{
	(void)state;
	struct ct_rego_value *v = NULL;

	assert_true(ct_policy_kind_valid("CreateContainerRequest"));
	assert_false(ct_policy_kind_valid(""));
	assert_false(ct_policy_kind_valid("a.b"));
	assert_false(ct_policy_kind_valid("1abc"));
	assert_false(ct_policy_kind_valid("x[\"y\"]"));
	assert_false(ct_policy_kind_valid(
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	assert_ct_err(ct_policy_request_decode("data.x", ct_span_str("{}"), &v),
		      CT_ERR_USAGE);
}

static void test_rules_embedded(void **state)
{
	(void)state;
	size_t len = 0;
	const char *t = ct_policy_rules(&len);

	assert_true(len > 1000);
	assert_int_equal(strlen(t), len);
	assert_non_null(strstr(t, "package agent_policy"));
	assert_null(strstr(t, "\npolicy_data :=")); /* data is appended */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_filled),
		cmocka_unit_test(test_nested_message_defaults),
		cmocka_unit_test(test_unknown_fields_dropped),
		cmocka_unit_test(test_copyfile_symlink_target_null),
		cmocka_unit_test(test_opaque_kept),
		cmocka_unit_test(test_other_kinds_pass_through),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_malformed_json),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_rules_embedded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
