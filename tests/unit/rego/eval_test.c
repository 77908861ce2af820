/* eval_test.c - the Rego engine end to end: rules, functions, with,
 * conflicts, safety errors, limits and the API fast paths. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct_test.h"
#include "rego/rego.h"

struct ecase {
	const char *name;
	const char *mod;   /* one module (NULL: none) */
	const char *data;  /* JSON or NULL */
	const char *input; /* JSON or NULL */
	const char *query;
	const char *want;  /* JSON result set; NULL when an error is wanted */
	enum ct_err err;   /* wanted error category */
	const char *msg;   /* substring of the wanted error */
};

static struct ct_rego_value *J(const char *s)
{
	struct ct_rego_value *v = NULL;
	assert_ct_ok(ct_rego_json_parse(ct_span_str(s), NULL, &v));
	return v;
}

static ct_result build(const char *mod, const char *data,
		       enum ct_rego_syntax syn, struct ct_rego_policy **p)
{
	struct ct_rego_compiler *c;
	assert_ct_ok(ct_rego_compiler_new(&c));
	ct_result r = CT_OK;
	if (mod)
		r = ct_rego_compiler_add_module(c, "t.rego", mod, strlen(mod), syn);
	if (ct_ok(r) && data) {
		struct ct_rego_value *d = J(data);
		r = ct_rego_compiler_add_data(c, d);
		ct_rego_value_unref(d);
	}
	if (ct_ok(r))
		r = ct_rego_compile(c, p);
	ct_rego_compiler_free(c);
	return r;
}

static void run(const struct ecase *t, enum ct_rego_syntax syn,
		const struct ct_rego_limits *lim)
{
	struct ct_rego_policy *p = NULL;
	ct_result r = build(t->mod, t->data, syn, &p);
	struct ct_rego_value *in = t->input ? J(t->input) : NULL, *rs = NULL;
	if (ct_ok(r)) {
		struct ct_rego_eval_opts o = { .input = in, .query_syntax = syn,
					       .strict_builtin_errors = true };
		if (lim)
			o.limits = *lim;
		r = ct_rego_eval(p, t->query, &o, &rs);
	}
	if (t->want) {
		if (!ct_ok(r))
			fail_msg("%s: %s", t->name, ct_error_message());
		struct ct_buf b;
		ct_buf_init(&b, 1 << 20);
		assert_ct_ok(ct_rego_value_to_json(rs, &b));
		if (strcmp(ct_buf_cstr(&b), t->want) != 0)
			fail_msg("%s: got %s, want %s", t->name, ct_buf_cstr(&b), t->want);
		ct_buf_dispose(&b);
	} else {
		if (ct_ok(r))
			fail_msg("%s: succeeded, want error %s", t->name, t->msg);
		if (r.err != t->err)
			fail_msg("%s: category %s, want %s (%s)", t->name,
				 ct_err_name(r.err), ct_err_name(t->err), ct_error_message());
		if (!strstr(ct_error_message(), t->msg))
			fail_msg("%s: error %s lacks %s", t->name, ct_error_message(), t->msg);
	}
	ct_rego_value_unref(rs);
	ct_rego_value_unref(in);
	ct_rego_policy_free(p);
}

static const struct ecase positive[] = {
	/* Functions of arity 0 are part of their package's document (as in
	 * OPA); others are not. */
	{ "zero-arity function in data", "package p\nf() := 1\ng(x) := x\nq := 2\n", NULL, NULL,
	  "x := data.p; y := data.p.f; z := data.p.f()", "[{\"x\":{\"f\":1,\"q\":2},\"y\":1,\"z\":1}]",
	  CT_ERR_NONE, NULL },
	{ "arith", NULL, NULL, NULL, "x := 1 + 2 * 3; y := x / 2", "[{\"x\":7,\"y\":3.5}]", CT_ERR_NONE, NULL },
	{ "unify", NULL, NULL, NULL, "[a, 2] = [1, b]", "[{\"a\":1,\"b\":2}]", CT_ERR_NONE, NULL },
	{ "undefined", NULL, NULL, NULL, "x := 1; x == 2", "[]", CT_ERR_NONE, NULL },
	{ "iterate", NULL, NULL, NULL, "x := [1, 2, 3][i]; x > 1", "[{\"i\":1,\"x\":2},{\"i\":2,\"x\":3}]", CT_ERR_NONE, NULL },
	{ "complete", "package p\nq := 7 if { input.a == 1 }\n", NULL, "{\"a\":1}",
	  "x := data.p.q", "[{\"x\":7}]", CT_ERR_NONE, NULL },
	{ "default", "package p\ndefault q := false\nq if input.a == 2\n", NULL, "{\"a\":1}",
	  "x := data.p.q", "[{\"x\":false}]", CT_ERR_NONE, NULL },
	{ "partial set", "package p\ns contains x if { some x in [3, 1, 2]; x > 1 }\n", NULL, NULL,
	  "x := data.p.s", "[{\"x\":[2,3]}]", CT_ERR_NONE, NULL },
	{ "empty set is defined", "package p\ns contains x if { some x in []; }\n", NULL, NULL,
	  "x := data.p.s", "[{\"x\":[]}]", CT_ERR_NONE, NULL },
	{ "partial object", "package p\no[k] := v if { some k, v in {\"a\": 1, \"b\": 2} }\n", NULL, NULL,
	  "x := data.p.o.b", "[{\"x\":2}]", CT_ERR_NONE, NULL },
	{ "ref head", "package p\na.b[x].c := 1 if { some x in [\"m\"] }\n", NULL, NULL,
	  "x := data.p.a", "[{\"x\":{\"b\":{\"m\":{\"c\":1}}}}]", CT_ERR_NONE, NULL },
	{ "function", "package p\nf(x) := x * 2\nf2([a, b]) := a + b\n", NULL, NULL,
	  "x := data.p.f(3); y := data.p.f2([1, 2])", "[{\"x\":6,\"y\":3}]", CT_ERR_NONE, NULL },
	{ "else", "package p\ne := 1 if { false } else := 2 if { false } else := 3\n", NULL, NULL,
	  "x := data.p.e", "[{\"x\":3}]", CT_ERR_NONE, NULL },
	{ "not", "package p\nq if not input.missing\n", NULL, "{}", "x := data.p.q", "[{\"x\":true}]", CT_ERR_NONE, NULL },
	{ "every", "package p\nok if { every x in [1, 2] { x > 0 } }\nbad if { every x in [1, 2] { x > 1 } }\n",
	  NULL, NULL, "x := data.p.ok; not data.p.bad", "[{\"x\":true}]", CT_ERR_NONE, NULL },
	{ "comprehensions", NULL, NULL, NULL,
	  "a := [x | some x in [1, 2]]; s := {x | some x in [1, 1]}; o := {k: v | some k, v in [\"q\"]}",
	  "[{\"a\":[1,2],\"o\":{\"0\":\"q\"},\"s\":[1]}]", CT_ERR_NONE, NULL },
	{ "with input", "package p\nq := input.a\n", NULL, "{\"a\":1}",
	  "x := data.p.q with input.a as 5; y := data.p.q", "[{\"x\":5,\"y\":1}]", CT_ERR_NONE, NULL },
	{ "with data and function", "package p\nf(x) := x + 1\nq := f(1)\nr := data.p.q\n", NULL, NULL,
	  "x := data.p.r with data.p.q as 9; y := data.p.q with data.p.f as 100", "[{\"x\":9,\"y\":100}]", CT_ERR_NONE, NULL },
	{ "base and virtual", "package a\nq := 2\n", "{\"a\": {\"base\": 1}}", NULL,
	  "x := data.a", "[{\"x\":{\"base\":1,\"q\":2}}]", CT_ERR_NONE, NULL },
	{ "reordering", "package p\nq := y if { y > 1; y = input.v }\n", NULL, "{\"v\":3}",
	  "x := data.p.q", "[{\"x\":3}]", CT_ERR_NONE, NULL },
	{ "membership", NULL, NULL, NULL, "x := 2 in [1, 2]; \"k\", 1 in {\"k\": 1}", "[{\"x\":true}]", CT_ERR_NONE, NULL },
	{ "builtin output arg", NULL, NULL, NULL, "count([1, 2], n)", "[{\"n\":2}]", CT_ERR_NONE, NULL },
	{ "template string", NULL, NULL, NULL, "x := $\"a{1 + 1}b\"", "[{\"x\":\"a2b\"}]", CT_ERR_NONE, NULL },
	{ "dynamic dispatch", "package p.a\nallow := 1\n", NULL, NULL,
	  "x := data.p[k].allow", "[{\"k\":\"a\",\"x\":1}]", CT_ERR_NONE, NULL },
};

static void test_positive(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(positive) / sizeof(positive[0]); i++)
		run(&positive[i], CT_REGO_V1, NULL);
}

static const struct ecase v0cases[] = {
	{ "v0 rules", "package p\nq { true }\ns[x] { x := 1 }\no[k] = v { k := \"a\"; v := 2 }\nf(x) = y { y := x }\n",
	  NULL, NULL, "a := data.p.q; b := data.p.s; c := data.p.o; d := data.p.f(4)",
	  "[{\"a\":true,\"b\":[1],\"c\":{\"a\":2},\"d\":4}]", CT_ERR_NONE, NULL },
	{ "v0 and/or", "package p\nimport future.keywords\nimport future.keywords.and\nimport future.keywords.or\n"
	  "q := [1 | some x in [1, 2]; x > 5 or { x > 1; x < 3 } and not x == 3] if true\n",
	  NULL, NULL, "a := data.p.q", "[{\"a\":[1]}]", CT_ERR_NONE, NULL },
	{ "v0 future keywords", "package p\nimport future.keywords.in\nimport future.keywords.if\nq if 1 in [1]\n",
	  NULL, NULL, "a := data.p.q", "[{\"a\":true}]", CT_ERR_NONE, NULL },
};

static void test_v0(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(v0cases) / sizeof(v0cases[0]); i++)
		run(&v0cases[i], CT_REGO_V0, NULL);
}

static const struct ecase errors[] = {
	{ "conflict complete", "package p\nq := 1\nq := 2\n", NULL, NULL, "x := data.p.q", NULL,
	  CT_ERR_POLICY, "eval_conflict_error: complete rules must not produce multiple outputs" },
	{ "conflict function", "package p\nf(_) := 1\nf(_) := 2\n", NULL, NULL, "x := data.p.f(1)", NULL,
	  CT_ERR_POLICY, "functions must not produce multiple outputs" },
	{ "conflict object", "package p\no[k] := v if { k := \"a\"; v := [1, 2][_] }\n", NULL, NULL,
	  "x := data.p.o", NULL, CT_ERR_POLICY, "object keys must be unique" },
	{ "unsafe", "package p\nq if { x > 1 }\n", NULL, NULL, "true", NULL,
	  CT_ERR_USAGE, "t.rego:2:8: rego_unsafe_var_error: var x is unsafe" },
	{ "unsafe head", "package p\nq := y if { true }\n", NULL, NULL, "true", NULL,
	  CT_ERR_USAGE, "var y is unsafe" },
	{ "recursion", "package p\na if b\nb if a\n", NULL, NULL, "true", NULL,
	  CT_ERR_USAGE, "rego_recursion_error" },
	{ "arity", NULL, NULL, NULL, "x := count(1, 2, 3)", NULL, CT_ERR_USAGE, "rego_type_error" },
	{ "unknown function", NULL, NULL, NULL, "x := nope(1)", NULL, CT_ERR_USAGE,
	  "rego_type_error: undefined function nope" },
	{ "reassigned", NULL, NULL, NULL, "x := 1; x := 2", NULL, CT_ERR_USAGE,
	  "var x assigned above" },
	{ "strict builtin", NULL, NULL, NULL, "x := 1 / 0", NULL, CT_ERR_POLICY,
	  "eval_builtin_error: div: divide by zero" },
	{ "kinds clash", "package p\nq := 1\nq contains 2\n", NULL, NULL, "true", NULL,
	  CT_ERR_USAGE, "conflicting rules" },
	{ "v1 needs if", "package p\nq { true }\n", NULL, NULL, "true", NULL, CT_ERR_USAGE,
	  "t.rego:2:3: rego_parse_error: `if` keyword is required" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		run(&errors[i], CT_REGO_V1, NULL);
}

static void test_limits(void **state)
{
	(void)state;
	struct ct_rego_limits steps = { .max_steps = 10000 };
	struct ecase big = { "steps", NULL, NULL, NULL,
			     "x := count([y | some a in numbers.range(1, 1000); some b in numbers.range(1, 1000); y := a * b])",
			     NULL, CT_ERR_LIMIT, "step limit" };
	run(&big, CT_REGO_V1, &steps);
	struct ct_rego_limits mem = { .max_memory = 1 << 16 };
	struct ecase hog = { "memory", NULL, NULL, NULL,
			     "x := [y | some y in numbers.range(1, 100000)]", NULL,
			     CT_ERR_LIMIT, "memory limit" };
	run(&hog, CT_REGO_V1, &mem);
	struct ct_rego_limits depth = { .max_call_depth = 8 };
	struct ecase deep = { "depth",
			      "package p\nf0(x) := x\nf1(x) := f0(x)\nf2(x) := f1(x)\nf3(x) := f2(x)\n"
			      "f4(x) := f3(x)\nf5(x) := f4(x)\nf6(x) := f5(x)\nf7(x) := f6(x)\n"
			      "f8(x) := f7(x)\nf9(x) := f8(x)\ng(x) := f9(f9(x))\nh(x) := g(g(x))\n",
			      NULL, NULL, "x := data.p.h(data.p.h(1))", NULL, CT_ERR_LIMIT, "call depth" };
	run(&deep, CT_REGO_V1, &depth);
	struct ct_rego_limits wall = { .max_wall_ms = 1 };
	struct ecase slow = { "time", NULL, NULL, NULL,
			      "x := count([y | some a in numbers.range(1, 3000); some b in numbers.range(1, 3000); y := a])",
			      NULL, CT_ERR_LIMIT, "limit" };
	run(&slow, CT_REGO_V1, &wall);

	/* a long chain of literals nests continuations: bounded by max_stack */
	size_t n = 3000, cap = n * 32;
	char *q = malloc(cap);
	assert_non_null(q);
	size_t k = (size_t)snprintf(q, cap, "x0 := 1");
	for (size_t i = 1; i < n; i++)
		k += (size_t)snprintf(q + k, cap - k, "; x%zu := x%zu", i, i - 1);
	struct ct_rego_limits stack = { .max_stack = 64 << 10 };
	struct ecase chain = { "stack", NULL, NULL, NULL, q, NULL, CT_ERR_LIMIT, "stack limit" };
	run(&chain, CT_REGO_V1, &stack);
	free(q);
}

static void test_eval_ref_and_overlay(void **state)
{
	(void)state;
	struct ct_rego_policy *p;
	assert_ct_ok(build("package p\ndefault allow := false\nallow if { input.u == data.pstate.u }\n"
			   "obj := {\"k\": input.u}\n", "{\"pstate\": {\"u\": \"x\"}}", CT_REGO_V1, &p));
	struct ct_rego_value *in = J("{\"u\": \"y\"}"), *ov = J("{\"pstate\": {\"u\": \"y\"}}"), *out;
	struct ct_rego_eval_opts o = { .input = in };
	assert_ct_ok(ct_rego_eval_ref(p, "data.p.allow", &o, &out));
	assert_false(ct_rego_value_get_bool(out));
	ct_rego_value_unref(out);
	o.data_overlay = ov;
	assert_ct_ok(ct_rego_eval_ref(p, "data.p.allow", &o, &out));
	assert_true(ct_rego_value_get_bool(out));
	ct_rego_value_unref(out);
	assert_ct_ok(ct_rego_eval_ref(p, "data.p.obj.k", &o, &out));
	assert_string_equal(ct_rego_value_str(out), "y");
	ct_rego_value_unref(out);
	assert_ct_ok(ct_rego_eval_ref(p, "data.p.nothing", &o, &out));
	assert_null(out);
	assert_ct_err(ct_rego_eval_ref(p, "input.x", &o, &out), CT_ERR_USAGE);
	ct_rego_value_unref(in);
	ct_rego_value_unref(ov);
	ct_rego_policy_free(p);
}

struct lines {
	char buf[256];
	int n;
};

static void on_print(void *arg, const char *line, size_t len)
{
	struct lines *l = arg;
	l->n++;
	snprintf(l->buf, sizeof(l->buf), "%.*s", (int)len, line);
}

static void test_print(void **state)
{
	(void)state;
	struct ct_rego_policy *p;
	assert_ct_ok(build("package p\nq if { print(\"v\", input.x, input.none, {1}); true }\n",
			   NULL, CT_REGO_V1, &p));
	struct ct_rego_value *in = J("{\"x\": [1, \"a\"]}"), *out;
	struct lines l = { .n = 0 };
	struct ct_rego_eval_opts o = { .input = in, .print = on_print, .print_arg = &l };
	assert_ct_ok(ct_rego_eval_ref(p, "data.p.q", &o, &out));
	assert_true(ct_rego_value_get_bool(out));
	assert_int_equal(l.n, 1);
	assert_string_equal(l.buf, "v [1, \"a\"] <undefined> {1}");
	ct_rego_value_unref(out);
	ct_rego_value_unref(in);
	ct_rego_policy_free(p);
}

static void test_parse_term(void **state)
{
	(void)state;
	struct ct_rego_value *v;
	struct ct_buf b;
	assert_ct_ok(ct_rego_parse_term("{\"a\": {1, 2}, \"b\": [null, -3]}", 30, &v));
	ct_buf_init(&b, 4096);
	assert_ct_ok(ct_rego_value_to_term(v, &b));
	assert_string_equal(ct_buf_cstr(&b), "{\"a\": {1, 2}, \"b\": [null, -3]}");
	ct_buf_dispose(&b);
	ct_rego_value_unref(v);
	assert_ct_err(ct_rego_parse_term("[x]", 3, &v), CT_ERR_USAGE);
	assert_ct_err(ct_rego_parse_term("[1,", 3, &v), CT_ERR_USAGE);
	/* (NULL, 0) is empty text: a parse error, not NULL + 0 in the lexer
	 * (UBSan "applying zero offset to null pointer" under clang). */
	assert_ct_err(ct_rego_parse_term(NULL, 0, &v), CT_ERR_USAGE);
	assert_error_contains("unexpected eof");
	struct ct_rego_compiler *c;
	assert_ct_ok(ct_rego_compiler_new(&c));
	assert_ct_err(ct_rego_compiler_add_module(c, "empty.rego", NULL, 0, CT_REGO_V1),
		      CT_ERR_USAGE);
	assert_error_contains("package expected");
	ct_rego_compiler_free(c);
}

/* One compiled policy, many concurrent evaluations (read-only sharing). */
struct thr {
	const struct ct_rego_policy *p;
	int id;
	int bad;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	for (int i = 0; i < 200; i++) {
		char in[64];
		snprintf(in, sizeof(in), "{\"n\": %d}", t->id * 1000 + i);
		struct ct_rego_value *iv = NULL, *out = NULL;
		if (!ct_ok(ct_rego_json_parse(ct_span_str(in), NULL, &iv))) {
			t->bad++;
			continue;
		}
		struct ct_rego_eval_opts o = { .input = iv };
		int64_t got;
		if (!ct_ok(ct_rego_eval_ref(t->p, "data.p.double", &o, &out)) || !out ||
		    !ct_rego_number_to_int64(out, &got) || got != 2 * (t->id * 1000 + i))
			t->bad++;
		ct_rego_value_unref(out);
		ct_rego_value_unref(iv);
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	(void)state;
	struct ct_rego_policy *p;
	assert_ct_ok(build("package p\nk := {\"two\": 2}\ndouble := input.n * k.two\n",
			   NULL, CT_REGO_V1, &p));
	pthread_t th[4];
	struct thr t[4];
	for (int i = 0; i < 4; i++) {
		t[i] = (struct thr){ p, i, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, thr_main, &t[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(t[i].bad, 0);
	}
	ct_rego_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positive),
		cmocka_unit_test(test_v0),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_eval_ref_and_overlay),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_parse_term),
		cmocka_unit_test(test_concurrent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
