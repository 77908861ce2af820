/*
 * eval_fuzz.c - libFuzzer target for the whole Rego engine: an arbitrary
 * policy and query (and optionally an input document) are compiled and
 * evaluated under small limits (steps, memory, wall time, call depth).
 * Input layout, so seeds stay readable Rego:
 *     <module text>\n#query\n<query text>[\n#input\n<JSON>]
 * Without "#query" the whole input is a module and the query is "data".
 * Everything is untrusted; evaluation must finish with a result, undefined
 * or an error (CT_ERR_LIMIT when a limit trips) - never crash, leak or run
 * past the limits. Each accepted run is evaluated twice to check the result
 * is deterministic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rego/rego.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define QUERY_SEP "\n#query\n"
#define INPUT_SEP "\n#input\n"
#define FUZZ_QUERY_MAX 4096

static void discard(void *arg, const char *line, size_t len)
{
	(void)arg;
	(void)line;
	(void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *q, *in;
	size_t mlen = size, qlen = 0, ilen = 0;
	char query[FUZZ_QUERY_MAX + 1];
	struct ct_rego_compiler *c = NULL;
	struct ct_rego_policy *p = NULL;
	struct ct_rego_value *input = NULL, *r1 = NULL, *r2 = NULL;
	struct ct_rego_eval_opts o;
	struct ct_rego_json_limits jl = { 1 << 14, 32, 1 << 12 };

	if (size > (1u << 16))
		return 0;
	q = memmem(text, size, QUERY_SEP, strlen(QUERY_SEP));
	if (q != NULL) {
		mlen = (size_t)(q - text);
		q += strlen(QUERY_SEP);
		qlen = size - (size_t)(q - text);
		in = memmem(q, qlen, INPUT_SEP, strlen(INPUT_SEP));
		if (in != NULL) {
			qlen = (size_t)(in - q);
			in += strlen(INPUT_SEP);
			ilen = size - (size_t)(in - text);
			if (!ct_ok(ct_rego_json_parse(ct_span_make(in, ilen), &jl,
						      &input)))
				input = NULL;
		}
	} else {
		q = "data";
		qlen = 4;
	}
	if (qlen > FUZZ_QUERY_MAX || memchr(q, '\0', qlen) != NULL)
		goto out;
	memcpy(query, q, qlen);
	query[qlen] = '\0';
	if (!ct_ok(ct_rego_compiler_new(&c)))
		abort();
	if (!ct_ok(ct_rego_compiler_add_module(c, "fuzz.rego", text, mlen,
					       CT_REGO_V1)) ||
	    !ct_ok(ct_rego_compile(c, &p)))
		goto out;
	memset(&o, 0, sizeof(o));
	o.input = input;
	o.limits.max_steps = 20000;
	o.limits.max_memory = (size_t)16 << 20;
	o.limits.max_wall_ms = 2000;
	o.limits.max_call_depth = 64;
	o.strict_builtin_errors = (size & 1) != 0;
	o.print = discard;
	o.now_ns = 1700000000000000000;
	if (ct_ok(ct_rego_eval(p, query, &o, &r1))) {
		if (!ct_ok(ct_rego_eval(p, query, &o, &r2))) {
			/* only a limit may differ between two identical runs */
			if (ct_error_category() != CT_ERR_LIMIT)
				abort();
		} else if (!ct_rego_value_equal(r1, r2)) {
			abort();
		}
	}
out:
	ct_error_clear();
	ct_rego_value_unref(r1);
	ct_rego_value_unref(r2);
	ct_rego_value_unref(input);
	ct_rego_policy_free(p);
	ct_rego_compiler_free(c);
	return 0;
}
