/*
 * case.c - runs one conformance case through the public rego.h API:
 * modules (named test-0.rego, test-1.rego, ... as upstream does), base data,
 * input or input_term, the query under the case's strictness and the
 * runner's limits, then checks the outcome against want_result /
 * want_error / want_error_code. The engine sees the case text as untrusted
 * input; every call is bounded by the limits in struct conf_opts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"

static void say(struct ct_buf *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct ct_buf *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!ct_ok(ct_buf_vprintf(why, fmt, ap)))
		ct_error_clear();
	va_end(ap);
}

/* Error expectations: the message must contain want_error and the code. */
static bool error_matches(struct fy_node *c, const char *msg, struct ct_buf *why)
{
	size_t wl = 0, cl = 0;
	const char *want = conf_yaml_str(c, "want_error", &wl);
	const char *code = conf_yaml_str(c, "want_error_code", &cl);
	char tmp[256];

	if (want != NULL && wl > 0) {
		if (wl >= sizeof(tmp) - 1) {
			say(why, "want_error too long ");
			return false;
		}
		memcpy(tmp, want, wl);
		tmp[wl] = '\0';
		/* YAML block scalars keep a final newline OPA ignores. */
		while (wl > 0 && tmp[wl - 1] == '\n')
			tmp[--wl] = '\0';
		if (strstr(msg, tmp) == NULL) {
			say(why, "error %s, want it to contain \"%s\"", msg, tmp);
			return false;
		}
	}
	if (code != NULL && cl > 0) {
		if (cl >= sizeof(tmp) - 2) {
			say(why, "want_error_code too long ");
			return false;
		}
		memcpy(tmp, code, cl);
		tmp[cl] = ':';
		tmp[cl + 1] = '\0';
		if (strstr(msg, tmp) == NULL) {
			tmp[cl] = '\0';
			say(why, "error %s, want code %s", msg, tmp);
			return false;
		}
	}
	return true;
}

static bool wants_error(struct fy_node *c)
{
	return conf_yaml_get(c, "want_error") != NULL ||
	       conf_yaml_get(c, "want_error_code") != NULL;
}

/* Loads modules and data and compiles. */
static ct_result build(struct fy_node *c, enum ct_rego_syntax syn,
		       struct ct_rego_policy **out)
{
	struct ct_rego_compiler *comp = NULL;
	struct ct_rego_value *data = NULL;
	struct fy_node *mods = conf_yaml_get(c, "modules"), *m, *d;
	void *it = NULL;
	ct_result res;
	unsigned i = 0;
	char name[32];

	*out = NULL;
	CT_GUARD(ct_rego_compiler_new(&comp));
	if (mods != NULL && fy_node_get_type(mods) == FYNT_SEQUENCE) {
		while ((m = fy_node_sequence_iterate(mods, &it)) != NULL) {
			size_t len = 0;
			const char *text = fy_node_get_scalar(m, &len);

			CT_TRY_ENSURE(text != NULL, CT_ERR_PROTO,
				      "conf: module %u is not a string", i);
			(void)snprintf(name, sizeof(name), "test-%u.rego", i++);
			CT_TRY(ct_rego_compiler_add_module(comp, name, text, len,
							   syn));
		}
	}
	d = conf_yaml_get(c, "data");
	if (!conf_yaml_is_null(d)) {
		CT_TRY(conf_yaml_value(d, &data));
		CT_TRY(ct_rego_compiler_add_data(comp, data));
	}
	CT_TRY(ct_rego_compile(comp, out));
out:
	ct_rego_value_unref(data);
	ct_rego_compiler_free(comp);
	return res;
}

static ct_result load_input(struct fy_node *c, struct ct_rego_value **out)
{
	size_t len = 0;
	const char *term = conf_yaml_str(c, "input_term", &len);
	struct fy_node *in;

	*out = NULL;
	if (term != NULL)
		return ct_rego_parse_term(term, len, out);
	in = conf_yaml_get(c, "input");
	if (in == NULL || conf_yaml_is_null(in))
		return CT_OK;
	return conf_yaml_value(in, out);
}

static void discard_print(void *arg, const char *line, size_t len)
{
	(void)arg;
	(void)line;
	(void)len;
}

bool conf_run_case(struct fy_node *c, enum ct_rego_syntax syn,
		   const struct conf_opts *o, struct ct_buf *why)
{
	struct ct_rego_policy *pol = NULL;
	struct ct_rego_value *input = NULL, *rs = NULL, *want = NULL;
	struct ct_rego_eval_opts eo;
	struct fy_node *wn;
	char query[1 << 14];
	size_t ql = 0;
	const char *q = conf_yaml_str(c, "query", &ql);
	bool pass = false;
	ct_result r;

	if (q == NULL || ql >= sizeof(query)) {
		say(why, "case has no usable query ");
		return false;
	}
	memcpy(query, q, ql);
	query[ql] = '\0';
	r = build(c, syn, &pol);
	if (!ct_ok(r)) {
		if (wants_error(c) && error_matches(c, ct_error_message(), why))
			return true;
		if (why->len == 0)
			say(why, "compile: %s (%s)", ct_error_message(),
			    ct_err_name(ct_error_category()));
		return false;
	}
	r = load_input(c, &input);
	if (!ct_ok(r)) {
		say(why, "input: %s", ct_error_message());
		goto out;
	}
	memset(&eo, 0, sizeof(eo));
	eo.input = input;
	eo.limits = o->limits;
	eo.strict_builtin_errors = conf_yaml_true(c, "strict_error");
	eo.query_syntax = syn;
	eo.print = discard_print;
	r = ct_rego_eval(pol, query, &eo, &rs);
	if (wants_error(c)) {
		if (ct_ok(r)) {
			say(why, "no error, want one (want_error_code/want_error)");
			goto out;
		}
		pass = error_matches(c, ct_error_message(), why);
		goto out;
	}
	if (!ct_ok(r)) {
		say(why, "eval: %s (%s)", ct_error_message(),
		    ct_err_name(ct_error_category()));
		goto out;
	}
	wn = conf_yaml_get(c, "want_result");
	if (wn == NULL) {
		say(why, "case has neither want_result nor an error ");
		goto out;
	}
	if (!ct_ok(conf_yaml_value(wn, &want))) {
		say(why, "want_result: %s", ct_error_message());
		goto out;
	}
	if (ct_rego_value_kind(want) == CT_REGO_NULL) {
		ct_rego_value_unref(want);
		want = ct_rego_array_new(0);
	}
	pass = conf_results_match(rs, want, conf_yaml_true(c, "sort_bindings"),
				  conf_yaml_true(c, "ignore_generated_vars"), why);
out:
	ct_error_clear();
	ct_rego_value_unref(want);
	ct_rego_value_unref(rs);
	ct_rego_value_unref(input);
	ct_rego_policy_free(pol);
	return pass;
}
