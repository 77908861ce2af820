/*
 * compare.c - result-set comparison for the conformance runner. The engine's
 * result set (an array of binding objects) is brought to the shape the
 * upstream suite expects (JSON: sets become sorted arrays, non-string object
 * keys their text), then compared with want_result as an unordered set of
 * binding objects; numbers compare by value (7 == 7.0). Both sides come from
 * code we trust (the engine, the YAML loader); sizes are bounded by the
 * evaluation limits.
 */
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define CONF_JSON_MAX ((size_t)64 << 20)

static int cmp_values(const void *a, const void *b)
{
	const struct ct_rego_value *const *x = a, *const *y = b;

	return ct_rego_value_compare(*x, *y);
}

/* A sorted copy of an array. */
static ct_result sorted_array(const struct ct_rego_value *arr,
			      struct ct_rego_value **out)
{
	size_t n = ct_rego_value_length(arr), i;
	struct ct_rego_value **el;
	struct ct_rego_value *r;
	ct_result res = CT_OK;

	*out = NULL;
	el = calloc(n ? n : 1, sizeof(*el));
	CT_ENSURE(el != NULL, CT_ERR_NOMEM, "conf: out of memory");
	for (i = 0; i < n; i++)
		el[i] = ct_rego_value_index(arr, i);
	qsort(el, n, sizeof(*el), cmp_values);
	r = ct_rego_array_new(n);
	if (r == NULL) {
		free(el);
		return CT_FAIL(CT_ERR_NOMEM, "conf: out of memory");
	}
	for (i = 0; i < n && ct_ok(res); i++)
		res = ct_rego_array_append(r, ct_rego_value_ref(el[i]));
	free(el);
	if (!ct_ok(res)) {
		ct_rego_value_unref(r);
		return res;
	}
	*out = r;
	return CT_OK;
}

/* One binding object: drop generated vars, sort array values. */
static ct_result fix_binding(const struct ct_rego_value *b, bool sort,
			     bool ignore_generated, struct ct_rego_value **out)
{
	struct ct_rego_value *r, *v = NULL;
	size_t i, n;
	ct_result res = CT_OK;

	*out = NULL;
	if (ct_rego_value_kind(b) != CT_REGO_OBJECT) {
		*out = ct_rego_value_ref((struct ct_rego_value *)b);
		return CT_OK;
	}
	n = ct_rego_value_length(b);
	r = ct_rego_object_new(n);
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "conf: out of memory");
	for (i = 0; i < n; i++) {
		struct ct_rego_value *k = ct_rego_object_key_at(b, i);
		struct ct_rego_value *val = ct_rego_object_value_at(b, i);

		if (ignore_generated && ct_rego_value_kind(k) == CT_REGO_STRING &&
		    strncmp(ct_rego_value_str(k), "__localq", 8) == 0)
			continue;
		if (sort && ct_rego_value_kind(val) == CT_REGO_ARRAY)
			CT_TRY(sorted_array(val, &v));
		else
			v = ct_rego_value_ref(val);
		res = ct_rego_object_insert(r, ct_rego_value_ref(k), v);
		v = NULL;
		if (!ct_ok(res))
			goto out;
	}
	*out = r;
	return CT_OK;
out:
	ct_rego_value_unref(r);
	return res;
}

/* JSON round trip, then every binding fixed, collected into a set. */
static ct_result normalise(const struct ct_rego_value *rs, bool sort,
			   bool ignore_generated, struct ct_rego_value **out)
{
	struct ct_rego_value *j = NULL, *set = NULL, *b = NULL;
	struct ct_buf buf;
	ct_result res;
	size_t i;

	*out = NULL;
	ct_buf_init(&buf, CONF_JSON_MAX);
	CT_TRY(ct_rego_value_to_json(rs, &buf));
	CT_TRY(ct_rego_json_parse(ct_buf_span(&buf), NULL, &j));
	CT_TRY_ENSURE(ct_rego_value_kind(j) == CT_REGO_ARRAY, CT_ERR_PROTO,
		      "conf: result set is a %s, want an array",
		      ct_rego_value_type_name(j));
	set = ct_rego_set_new(0);
	CT_TRY_ENSURE(set != NULL, CT_ERR_NOMEM, "conf: out of memory");
	for (i = 0; i < ct_rego_value_length(j); i++) {
		CT_TRY(fix_binding(ct_rego_value_index(j, i), sort,
				   ignore_generated, &b));
		res = ct_rego_set_add(set, b);
		b = NULL;
		if (!ct_ok(res))
			goto out;
	}
	*out = set;
	set = NULL;
out:
	ct_buf_dispose(&buf);
	ct_rego_value_unref(j);
	ct_rego_value_unref(set);
	return res;
}

static void show(struct ct_buf *why, const char *label,
		 const struct ct_rego_value *v)
{
	struct ct_buf t;

	ct_buf_init(&t, CONF_WHY_MAX);
	if (!ct_ok(ct_rego_value_to_json(v, &t)))
		ct_error_clear();
	if (!ct_ok(ct_buf_printf(why, "%s %.*s", label, (int)t.len,
				 ct_buf_cstr(&t))))
		ct_error_clear();
	ct_buf_dispose(&t);
}

bool conf_results_match(const struct ct_rego_value *got,
			const struct ct_rego_value *want, bool sort_bindings,
			bool ignore_generated, struct ct_buf *why)
{
	struct ct_rego_value *g = NULL, *w = NULL;
	bool same = false;

	if (!ct_ok(normalise(got, sort_bindings, ignore_generated, &g)) ||
	    !ct_ok(normalise(want, sort_bindings, ignore_generated, &w))) {
		if (!ct_ok(ct_buf_printf(why, "cannot normalise results: %s",
					 ct_error_message())))
			ct_error_clear();
		goto out;
	}
	same = ct_rego_value_equal(g, w);
	if (!same) {
		show(why, "got", g);
		show(why, ", want", w);
	}
out:
	ct_rego_value_unref(g);
	ct_rego_value_unref(w);
	return same;
}
