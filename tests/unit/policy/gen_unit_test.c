/*
 * gen_unit_test.c - generator building blocks: YAML loading (kinds, Lists,
 * anchors and merge keys, sandbox name regexes, limits and error paths),
 * the initdata encoding (TOML shape, deterministic gzip, round trip, hash)
 * and settings merging.
 */
#include "ct_test.h"

#include "policy/policy.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void load(struct ct_k8s_set *s, const char *yaml)
{
	ct_k8s_set_init(s);
	assert_ct_ok(ct_k8s_load(s, "t.yaml", ct_span_str(yaml), false));
}

static void test_kinds_and_regexes(void **state)
{
	(void)state;
	struct ct_k8s_set s;
	static const char *const yaml =
		"kind: Pod\nmetadata: {name: a.b}\nspec: {containers: []}\n---\n"
		"kind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: []}}}\n---\n"
		"kind: StatefulSet\nmetadata: {name: s}\nspec: {template: {spec: {containers: []}}}\n---\n"
		"kind: Job\nmetadata: {name: j}\nspec: {template: {spec: {containers: []}}}\n---\n"
		"kind: CronJob\nmetadata: {name: c}\nspec: {jobTemplate: {spec: {template: {spec: {containers: []}}}}}\n---\n"
		"kind: DaemonSet\nmetadata: {name: ds}\nspec: {template: {spec: {containers: []}}}\n---\n"
		"kind: Pod\nmetadata: {generateName: g-}\nspec: {containers: []}\n---\n"
		"kind: ReplicationController\nmetadata: {name: rc}\nspec: {template: {spec: {containers: []}}}\n---\n"
		"kind: Service\nmetadata: {name: svc}\n---\n"
		"kind: List\nitems:\n- kind: ReplicaSet\n  metadata: {name: r, namespace: n}\n  spec: {template: {spec: {containers: []}}}\n";
	static const char *const want[] = {
		"^a\\.b$",
		"^d-[bcdfghjklmnpqrstvwxz2456789]+-[bcdfghjklmnpqrstvwxz2456789]+$",
		"^s-[0-9]+$",
		"^j(-[0-9]+)?-[bcdfghjklmnpqrstvwxz2456789]+$",
		"^c-[0-9]+(-[0-9]+)?-[bcdfghjklmnpqrstvwxz2456789]+$",
		"^ds-[bcdfghjklmnpqrstvwxz2456789]+$",
		"^g-[bcdfghjklmnpqrstvwxz2456789]+$",
		"^rc-[bcdfghjklmnpqrstvwxz2456789]+$",
		"^r-[bcdfghjklmnpqrstvwxz2456789]+$",
	};
	load(&s, yaml);
	assert_int_equal(s.ndocs, 10);
	assert_int_equal(s.npods, 9);
	for (size_t i = 0; i < 9; i++)
		assert_string_equal(s.pods[i].name_regex, want[i]);
	assert_string_equal(s.pods[8].ns, "n");
	assert_non_null(strstr(s.pods[8].where, "document 9: items[0]"));
	ct_k8s_set_dispose(&s);
}

static void test_anchors_merge_and_types(void **state)
{
	(void)state;
	struct ct_k8s_set s;
	json_t *c;
	char tmp[32];

	load(&s, "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
		 "  - &b {name: a, image: x, tty: true, args: [1, '2', 007]}\n"
		 "  - <<: *b\n    name: b\n");
	c = json_array_get(json_object_get(s.pods[0].spec, "containers"), 1);
	assert_string_equal(json_string_value(json_object_get(c, "name")), "b");
	assert_string_equal(json_string_value(json_object_get(c, "image")), "x");
	assert_true(json_is_true(json_object_get(c, "tty")));
	assert_string_equal(ct_k8s_text(json_array_get(json_object_get(c, "args"), 0), tmp), "1");
	assert_true(json_is_string(json_array_get(json_object_get(c, "args"), 1)));
	/* Leading zeros are not integers: kept as written. */
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "args"), 2)), "007");
	ct_k8s_set_dispose(&s);
}

static void test_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *yaml, *msg;
		enum ct_err err;
	} cases[] = {
		{ "kind: Gadget\n", "document 0: kind: unsupported kind 'Gadget'", CT_ERR_USAGE },
		{ "metadata: {name: x}\n", "document 0: kind: missing", CT_ERR_USAGE },
		{ "kind: Deployment\nmetadata: {name: d}\nspec: {}\n", "Deployment without a pod spec", CT_ERR_USAGE },
		{ "kind: Pod\nspec: {containers: []}\n", "metadata.name: missing", CT_ERR_USAGE },
		{ "kind: Pod\nmetadata: {name: [}\n", "YAML", CT_ERR_PROTO },
		{ "- 1\n- 2\n", "want a mapping", CT_ERR_USAGE },
		{ "kind: List\nitems: 3\n", "items: want a list", CT_ERR_USAGE },
		/* libfyaml 0.7 hangs on this one; we never hand it over. */
		{ "%-\xff", "byte 2: not valid UTF-8", CT_ERR_PROTO },
		{ "kind: Pod\nx: \xed\xa0\x80\n", "not valid UTF-8", CT_ERR_PROTO },
		{ "kind: Pod\nx: \xc3\n", "not valid UTF-8", CT_ERR_PROTO },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ct_k8s_set s;
		ct_k8s_set_init(&s);
		assert_ct_err(ct_k8s_load(&s, "t.yaml", ct_span_str(cases[i].yaml), false),
			      cases[i].err);
		if (strstr(ct_error_message(), cases[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, ct_error_message(), cases[i].msg);
		ct_k8s_set_dispose(&s);
	}
}

static void test_depth_limit(void **state)
{
	(void)state;
	struct ct_buf b;
	struct ct_k8s_set s;

	ct_buf_init(&b, 1 << 20);
	assert_ct_ok(ct_buf_append_str(&b, "kind: Pod\nx: "));
	for (int i = 0; i < CT_K8S_DEPTH_MAX + 8; i++)
		assert_ct_ok(ct_buf_append_byte(&b, '['));
	for (int i = 0; i < CT_K8S_DEPTH_MAX + 8; i++)
		assert_ct_ok(ct_buf_append_byte(&b, ']'));
	ct_k8s_set_init(&s);
	assert_ct_err(ct_k8s_load(&s, "deep.yaml", ct_buf_span(&b), false), CT_ERR_LIMIT);
	ct_k8s_set_dispose(&s);
	ct_buf_dispose(&b);
}

static void test_alias_bomb_and_merge(void **state)
{
	(void)state;
	struct ct_buf b;
	struct ct_k8s_set s;
	json_t *c;

	/* 10^9 nodes if expanded: refused by the node budget, quickly. */
	ct_buf_init(&b, 1 << 20);
	assert_ct_ok(ct_buf_append_str(&b, "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n"));
	for (int i = 1; i < 9; i++) {
		assert_ct_ok(ct_buf_printf(&b, "a%d: &a%d [", i, i));
		for (int k = 0; k < 10; k++)
			assert_ct_ok(ct_buf_printf(&b, "%s*a%d", k ? "," : "", i - 1));
		assert_ct_ok(ct_buf_append_str(&b, "]\n"));
	}
	ct_k8s_set_init(&s);
	assert_ct_err(ct_k8s_load(&s, "bomb.yaml", ct_buf_span(&b), false), CT_ERR_LIMIT);
	assert_error_contains("once aliases are expanded");
	ct_k8s_set_dispose(&s);
	ct_buf_dispose(&b);

	/* Merge keys: explicit keys win wherever they appear. */
	load(&s, "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
		 "  - &b {name: a, image: x, tty: true}\n"
		 "  - {image: y, <<: *b, name: b}\n");
	c = json_array_get(json_object_get(s.pods[0].spec, "containers"), 1);
	assert_string_equal(json_string_value(json_object_get(c, "name")), "b");
	assert_string_equal(json_string_value(json_object_get(c, "image")), "y");
	assert_true(json_is_true(json_object_get(c, "tty")));
	ct_k8s_set_dispose(&s);
	ct_k8s_set_init(&s);
	assert_ct_err(ct_k8s_load(&s, "m.yaml", ct_span_str("kind: Pod\n<<: 3\n"), false),
		      CT_ERR_USAGE);
	assert_error_contains("merge key");
	ct_k8s_set_dispose(&s);
}

static void test_config_lookup(void **state)
{
	(void)state;
	struct ct_k8s_set s;

	ct_k8s_set_init(&s);
	assert_ct_ok(ct_k8s_load(&s, "c.yaml", ct_span_str(
		"kind: ConfigMap\nmetadata: {name: c, namespace: a}\n---\n"
		"kind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n"), true));
	assert_int_equal(s.npods, 0); /* config files never contribute pods */
	assert_non_null(ct_k8s_find_config(&s, "ConfigMap", "c", "a"));
	assert_non_null(ct_k8s_find_config(&s, "ConfigMap", "c", ""));
	assert_null(ct_k8s_find_config(&s, "ConfigMap", "c", "b"));
	assert_null(ct_k8s_find_config(&s, "Secret", "c", "a"));
	ct_k8s_set_dispose(&s);
}

static void test_initdata(void **state)
{
	(void)state;
	struct ct_buf toml, a1, a2, back;
	char hex[65];
	const char *policy = "package agent_policy\nx := \"a\\\\b\"\n";

	ct_buf_init(&toml, CT_INITDATA_MAX);
	ct_buf_init(&a1, CT_INITDATA_MAX * 2);
	ct_buf_init(&a2, CT_INITDATA_MAX * 2);
	ct_buf_init(&back, CT_INITDATA_MAX);
	assert_ct_ok(ct_initdata_toml(ct_span_str(policy), &toml));
	assert_non_null(strstr(ct_buf_cstr(&toml), "version = \"0.1.0\"\nalgorithm = \"sha256\"\n"));
	assert_non_null(strstr(ct_buf_cstr(&toml), "\"policy.rego\" = '''\npackage agent_policy\n"));
	assert_ct_ok(ct_initdata_annotation(ct_buf_span(&toml), &a1));
	assert_ct_ok(ct_initdata_annotation(ct_buf_span(&toml), &a2));
	assert_string_equal(ct_buf_cstr(&a1), ct_buf_cstr(&a2)); /* deterministic */
	assert_ct_ok(ct_initdata_decode(ct_buf_cstr(&a1), &back));
	assert_true(ct_span_eq(ct_buf_span(&back), ct_buf_span(&toml)));
	assert_ct_ok(ct_initdata_hash(ct_span_str("abc"), hex));
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* A policy containing ''' falls back to an escaped basic string. */
	ct_buf_reset(&toml);
	assert_ct_ok(ct_initdata_toml(ct_span_str("a'''b\"c\\"), &toml));
	assert_non_null(strstr(ct_buf_cstr(&toml), "\"\"\"\na'''b\\\"c\\\\\"\"\"\n"));
	/* Garbage is refused, not crashed on. */
	ct_buf_reset(&back);
	assert_ct_err(ct_initdata_decode("bm90IGd6aXA=", &back), CT_ERR_PROTO);
	ct_buf_reset(&back);
	assert_ct_err(ct_initdata_decode("%%%", &back), ct_error_category());
	ct_buf_dispose(&toml);
	ct_buf_dispose(&a1);
	ct_buf_dispose(&a2);
	ct_buf_dispose(&back);
}

static void test_settings(void **state)
{
	(void)state;
	json_t *s = NULL;
	char path[] = "/tmp/ct-gen-settingsXXXXXX";
	int fd = mkstemp(path);
	const char *body = "{\"version\": 1, \"sysctls\": {\"kernel.x\": \"1\"}, \"oci_version\": \"1.2.0\"}";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	close(fd);
	assert_ct_ok(ct_policy_settings_load(NULL, &s));
	assert_string_equal(json_string_value(json_object_get(s, "oci_version")), "1.1.0");
	json_decref(s);
	assert_ct_ok(ct_policy_settings_load(path, &s));
	assert_string_equal(json_string_value(json_object_get(s, "oci_version")), "1.2.0");
	/* Objects merge: the default sysctls stay, the new one is added. */
	assert_non_null(json_object_get(json_object_get(s, "sysctls"), "kernel.x"));
	assert_non_null(json_object_get(json_object_get(s, "sysctls"),
					"net.ipv4.ip_unprivileged_port_start"));
	json_decref(s);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "{\"version\": 2}", 14), 14);
	close(fd);
	assert_ct_err(ct_policy_settings_load(path, &s), CT_ERR_PROTO);
	assert_error_contains("version: want 1");
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds_and_regexes),
		cmocka_unit_test(test_anchors_merge_and_types),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_alias_bomb_and_merge),
		cmocka_unit_test(test_config_lookup),
		cmocka_unit_test(test_initdata),
		cmocka_unit_test(test_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
