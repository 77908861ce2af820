/* parser_test.c - the Rego lexer and parser: accepted syntax (v1, v0,
 * keywords as refs, template strings) and adversarial input (locations of
 * parse errors, nesting and size limits, bad strings and numbers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct_test.h"
#include "rego/rego.h"

static ct_result add(const char *text, enum ct_rego_syntax syn)
{
	struct ct_rego_compiler *c;
	assert_ct_ok(ct_rego_compiler_new(&c));
	ct_result r = ct_rego_compiler_add_module(c, "m.rego", text, strlen(text), syn);
	ct_rego_compiler_free(c);
	return r;
}

static void test_accepts(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"package a.b.c\n",
		"package p\nimport rego.v1\nimport data.x.y as z\nimport input.q\n",
		"package p\nq := 1\nr = {1, 2}\ns := {\"a\": [1, -2.5e3, null]}\n",
		"package p\nf(x, [y, _]) := z if { z := x + y }\n",
		"package p\ns contains x if some x in [1]\n",
		"package p\no[k] := v if { some k, v in {\"a\": 1}\n\tk != \"b\"; v > 0 }\n",
		"package p\nq if {\n\tx := [y |\n\t\tsome y in [1, 2]\n\t\ty > 1\n\t]\n\tcount(x) == 1\n}\n",
		"package p\nq if { every k, v in {\"a\": 1} { v == 1 } }\n",
		"package p\nq if { not input.x with input as {} }\n",
		"package p\ne := 1 if { false }\nelse := 2\n",
		"package p\nas.if := 1\nq if as.if == 1\n",
		"package p\nt := $\"x={input.x} \\{literal}\"\n",
		"package p\nr := `raw\nstring`\n",
		"package p\n# comment only\nq if { true } # trailing\n",
		"package p\nq if {\n\tx := 1 +\n\t\t2\n\tx == 3\n}\n",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ct_result r = add(ok[i], CT_REGO_V1);
		if (!ct_ok(r))
			fail_msg("case %zu: %s", i, ct_error_message());
	}
	assert_ct_ok(add("package p\nq { true }\ns[x] { x := 1 }\nf(x) = y { y := x }\n", CT_REGO_V0));
	assert_ct_ok(add("package p\nimport future.keywords\nq contains 1 if { true }\n", CT_REGO_V0));
}

struct bad {
	const char *text;
	const char *msg; /* substring, with location */
};

static void test_rejects(void **state)
{
	(void)state;
	static const struct bad bad[] = {
		{ "q := 1\n", "m.rego:1:1: rego_parse_error: package expected" },
		{ "package p\nq if {\n", "rego_parse_error" },
		{ "package p\nq := \"abc\n", "m.rego:2:6: rego_parse_error: non-terminated string" },
		{ "package p\nq := \"\\x\"\n", "invalid escape" },
		{ "package p\nq := 01x\n", "invalid number" },
		{ "package p\nq := [1, 2\n", "rego_parse_error" },
		{ "package p\nq if { }\n", "found empty body" },
		{ "package p\nq := 1 2\n", "rego_parse_error" },
		{ "package p\nq { true }\n", "m.rego:2:3: rego_parse_error: `if` keyword is required before rule body" },
		{ "package p\nimport foo.bar\n", "invalid import" },
		{ "package p\nq := `open\n", "non-terminated raw string" },
		{ "package p\nq := $\"{1\"\n", "template" },
		{ "package p\nq := 1 ! 2\n", "unexpected '!'" },
		{ "package p\nq := some\n", "unexpected some keyword" },
		{ "package p\nq := \"a\0b\"\n", "non-terminated string" },
		{ "package p\n\"x\".y := 1\n", "invalid rule head" },
		{ "package p\n[1][0] := 2\n", "invalid rule head" },
		{ "package p\nf(1)[0] := 2\n", "invalid rule head" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ct_result r = add(bad[i].text, CT_REGO_V1);
		if (ct_ok(r))
			fail_msg("case %zu accepted: %s", i, bad[i].text);
		if (!strstr(ct_error_message(), bad[i].msg))
			fail_msg("case %zu: %s lacks %s", i, ct_error_message(), bad[i].msg);
	}
	/* in v0 without imports, `if` is not a keyword */
	assert_false(ct_ok(add("package p\nq if { true }\n", CT_REGO_V0)));
}

static void test_depth_limit(void **state)
{
	(void)state;
	size_t n = 5000;
	char *s = malloc(2 * n + 64);
	assert_non_null(s);
	size_t k = (size_t)snprintf(s, 64, "package p\nq := ");
	for (size_t i = 0; i < n; i++)
		s[k++] = '[';
	for (size_t i = 0; i < n; i++)
		s[k++] = ']';
	s[k] = 0;
	assert_ct_err(add(s, CT_REGO_V1), CT_ERR_LIMIT);
	assert_error_contains("nesting deeper than");
	/* deep parentheses and unary minus too */
	k = (size_t)snprintf(s, 64, "package p\nq := ");
	for (size_t i = 0; i < n; i++)
		s[k++] = '-';
	s[k++] = 'x';
	s[k] = 0;
	assert_ct_err(add(s, CT_REGO_V1), CT_ERR_LIMIT);
	k = (size_t)snprintf(s, 64, "package p\nq := ");
	for (size_t i = 0; i < n; i++)
		s[k++] = '(';
	s[k] = 0;
	assert_ct_err(add(s, CT_REGO_V1), CT_ERR_LIMIT);
	free(s);
}

static void test_size_limit(void **state)
{
	(void)state;
	size_t n = CT_REGO_MAX_BODY_LITERALS + 1;
	char *s = malloc(6 * n + 64);
	assert_non_null(s);
	size_t k = (size_t)snprintf(s, 64, "package p\nq if {");
	for (size_t i = 0; i < n; i++) {
		memcpy(s + k, "true;", 5);
		k += 5;
	}
	memcpy(s + k, "}\n", 3);
	assert_ct_err(add(s, CT_REGO_V1), CT_ERR_LIMIT);
	assert_error_contains("literals in one body");
	free(s);

	struct ct_rego_compiler *c;
	assert_ct_ok(ct_rego_compiler_new(&c));
	assert_ct_err(ct_rego_compiler_add_module(c, "big.rego", "package p\n",
						  CT_REGO_MODULE_MAX_BYTES + 1, CT_REGO_V1),
		      CT_ERR_LIMIT);
	ct_rego_compiler_free(c);
}

static void test_query_errors(void **state)
{
	(void)state;
	struct ct_rego_compiler *c;
	struct ct_rego_policy *p;
	struct ct_rego_value *rs;
	assert_ct_ok(ct_rego_compiler_new(&c));
	assert_ct_ok(ct_rego_compile(c, &p));
	ct_rego_compiler_free(c);
	assert_ct_err(ct_rego_eval(p, "", NULL, &rs), CT_ERR_USAGE);
	assert_ct_err(ct_rego_eval(p, "x := ", NULL, &rs), CT_ERR_USAGE);
	assert_error_contains("query:1:");
	assert_ct_err(ct_rego_eval(p, "x := [1 | ]", NULL, &rs), CT_ERR_USAGE);
	ct_rego_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_query_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
