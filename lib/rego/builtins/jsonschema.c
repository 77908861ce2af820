/*
 * jsonschema.c - json.verify_schema and json.match_schema for a core
 * subset of JSON Schema: type (names or lists, "integer" as integral
 * numbers), properties, required, additionalProperties (boolean or
 * schema), items (one schema), enum, const, minimum/maximum,
 * minLength/maxLength, minItems/maxItems, allOf/anyOf/oneOf/not. Errors are
 * reported in gojsonschema's shape ({error, desc, field, type}) as OPA
 * returns them; keywords outside the subset are ignored.
 *
 * Trust boundary: schema and document come from policy or input (as values
 * or JSON text, read with the bounded JSON reader). Recursion follows the
 * schema and document nesting, capped at JSONSCHEMA_DEPTH_MAX; errors are
 * capped at JSONSCHEMA_ERRORS_MAX; evaluation is charged to the budget.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out
#define JSONSCHEMA_DEPTH_MAX 64
#define JSONSCHEMA_ERRORS_MAX 100
#define TYPES_MSG "Expected valid values are:[array boolean integer number null object string]"

static const char *const type_names[] = { "array", "boolean", "integer", "number",
					  "null", "object", "string" };

static bool type_known(const struct ct_rego_value *t)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (t->kind == CT_REGO_STRING && strcmp(t->u.str.s, type_names[i]) == 0)
			return true;
	return false;
}

/* Checks every "type" in the schema tree; *bad gets the first bad one. */
static bool schema_ok(const struct ct_rego_value *s, size_t depth,
		      const struct ct_rego_value **bad)
{
	const struct ct_rego_value *t;

	if (s->kind != CT_REGO_OBJECT || depth > JSONSCHEMA_DEPTH_MAX)
		return true;
	t = ct_rego_object_get_str(s, "type");
	if (t != NULL) {
		if (t->kind == CT_REGO_ARRAY) {
			for (size_t i = 0; i < t->u.coll.len; i++)
				if (!type_known(t->u.coll.items[i])) {
					*bad = t->u.coll.items[i];
					return false;
				}
		} else if (!type_known(t)) {
			*bad = t;
			return false;
		}
	}
	for (size_t i = 0; i < s->u.coll.len; i++) {
		const struct ct_rego_value *k = s->u.coll.items[i], *v = s->u.coll.vals[i];

		if (k->kind != CT_REGO_STRING)
			continue;
		if (strcmp(k->u.str.s, "properties") == 0 && v->kind == CT_REGO_OBJECT) {
			for (size_t j = 0; j < v->u.coll.len; j++)
				if (!schema_ok(v->u.coll.vals[j], depth + 1, bad))
					return false;
		} else if (strcmp(k->u.str.s, "items") == 0 ||
			   strcmp(k->u.str.s, "additionalProperties") == 0 ||
			   strcmp(k->u.str.s, "not") == 0) {
			if (!schema_ok(v, depth + 1, bad))
				return false;
		} else if ((strcmp(k->u.str.s, "allOf") == 0 || strcmp(k->u.str.s, "anyOf") == 0 ||
			    strcmp(k->u.str.s, "oneOf") == 0) && v->kind == CT_REGO_ARRAY) {
			for (size_t j = 0; j < v->u.coll.len; j++)
				if (!schema_ok(v->u.coll.items[j], depth + 1, bad))
					return false;
		}
	}
	return true;
}

/* A value or JSON text as a value (new reference). */
static ct_result as_value(struct ct_rego_bctx *ctx, const char *nm,
			  struct ct_rego_value *v, struct ct_rego_value **out)
{
	if (v->kind != CT_REGO_STRING) {
		*out = ct_rego_value_ref(v);
		return CT_OK;
	}
	if (!ct_ok(ct_rego_json_parse(ct_span_make(v->u.str.s, v->u.str.len), NULL, out))) {
		ct_error_clear();
		return ct_rego_berror(ctx, "%s: invalid JSON", nm);
	}
	return CT_OK;
}

struct vctx {
	struct ct_rego_bctx *b;
	struct ct_rego_value *errs;
	ct_result res;
};

static const char *json_type(const struct ct_rego_value *v)
{
	switch (v->kind) {
	case CT_REGO_NULL: return "null";
	case CT_REGO_BOOL: return "boolean";
	case CT_REGO_NUMBER: return ct_rego_number_is_int(v) ? "integer" : "number";
	case CT_REGO_STRING: return "string";
	case CT_REGO_ARRAY: case CT_REGO_SET: return "array";
	default: return "object";
	}
}

static bool type_matches(const struct ct_rego_value *doc, const char *t)
{
	const char *g = json_type(doc);

	return strcmp(g, t) == 0 || (strcmp(t, "number") == 0 && strcmp(g, "integer") == 0);
}

static void add_err(struct vctx *v, const char *field, const char *type,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void add_err(struct vctx *v, const char *field, const char *type,
		    const char *fmt, ...)
{
	char desc[512], full[1100];
	struct ct_rego_value *o;
	va_list ap;

	if (!ct_ok(v->res) || ct_rego_value_length(v->errs) >= JSONSCHEMA_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	(void)snprintf(full, sizeof(full), "%s: %s", field, desc);
	o = ct_rego_object_new(4);
	if (o == NULL) {
		v->res = CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
		return;
	}
	{
		const char *ks[4] = { "desc", "error", "field", "type" };
		const char *vs[4] = { desc, full, field, type };

		for (int i = 0; i < 4 && ct_ok(v->res); i++)
			v->res = ct_rego_object_insert(o, ct_rego_value_cstring(ks[i]),
						       ct_rego_value_cstring(vs[i]));
	}
	if (ct_ok(v->res))
		v->res = ct_rego_array_append(v->errs, o);
	else
		ct_rego_value_unref(o);
}

static double num(const struct ct_rego_value *n)
{
	return ct_rego_number_to_double(n);
}

static void validate(struct vctx *v, const struct ct_rego_value *s,
		     const struct ct_rego_value *doc, const char *field, size_t depth);

/* Errors a sub-validation would report, without keeping them. */
static size_t count_errors(struct vctx *v, const struct ct_rego_value *s,
			   const struct ct_rego_value *doc, const char *field, size_t depth)
{
	struct vctx sub = { v->b, ct_rego_array_new(2), CT_OK };
	size_t n;

	if (sub.errs == NULL) {
		v->res = CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
		return 1;
	}
	validate(&sub, s, doc, field, depth);
	n = ct_rego_value_length(sub.errs);
	if (!ct_ok(sub.res))
		v->res = sub.res;
	ct_rego_value_unref(sub.errs);
	return n;
}

static void validate(struct vctx *v, const struct ct_rego_value *s,
		     const struct ct_rego_value *doc, const char *field, size_t depth)
{
	const struct ct_rego_value *t, *x;
	char sub[512];

	if (!ct_ok(v->res) || depth > JSONSCHEMA_DEPTH_MAX)
		return;
	v->res = ct_rego_bcharge(v->b, 1);
	if (!ct_ok(v->res))
		return;
	if (s->kind == CT_REGO_BOOL) {
		if (!s->u.b)
			add_err(v, field, "false", "False always fails validation");
		return;
	}
	if (s->kind != CT_REGO_OBJECT)
		return;
	t = ct_rego_object_get_str(s, "type");
	if (t != NULL) {
		bool ok = false;
		char want[256] = "";

		if (t->kind == CT_REGO_ARRAY) {
			size_t l = 0;

			for (size_t i = 0; i < t->u.coll.len; i++) {
				const struct ct_rego_value *e = t->u.coll.items[i];

				if (e->kind != CT_REGO_STRING)
					continue;
				ok = ok || type_matches(doc, e->u.str.s);
				l += (size_t)snprintf(want + l, l < sizeof(want) ? sizeof(want) - l : 0,
						      "%s%s", i ? "," : "", e->u.str.s);
				if (l >= sizeof(want))
					l = sizeof(want) - 1;
			}
		} else if (t->kind == CT_REGO_STRING) {
			ok = type_matches(doc, t->u.str.s);
			(void)snprintf(want, sizeof(want), "%s", t->u.str.s);
		}
		if (!ok) {
			add_err(v, field, "invalid_type", "Invalid type. Expected: %s, given: %s",
				want, json_type(doc));
			return;
		}
	}
	if ((x = ct_rego_object_get_str(s, "enum")) != NULL && x->kind == CT_REGO_ARRAY) {
		bool found = false;

		for (size_t i = 0; i < x->u.coll.len && !found; i++)
			found = ct_rego_value_equal(x->u.coll.items[i], doc);
		if (!found)
			add_err(v, field, "enum", "%s must be one of the enum values", field);
	}
	if ((x = ct_rego_object_get_str(s, "const")) != NULL && !ct_rego_value_equal(x, doc))
		add_err(v, field, "const", "%s does not match", field);
	if (doc->kind == CT_REGO_NUMBER) {
		if ((x = ct_rego_object_get_str(s, "minimum")) && x->kind == CT_REGO_NUMBER &&
		    num(doc) < num(x))
			add_err(v, field, "number_gte", "Must be greater than or equal to %g", num(x));
		if ((x = ct_rego_object_get_str(s, "maximum")) && x->kind == CT_REGO_NUMBER &&
		    num(doc) > num(x))
			add_err(v, field, "number_lte", "Must be less than or equal to %g", num(x));
	}
	if (doc->kind == CT_REGO_STRING) {
		size_t n = ct_rego_utf8_count(doc->u.str.s, doc->u.str.len);

		if ((x = ct_rego_object_get_str(s, "minLength")) && x->kind == CT_REGO_NUMBER &&
		    (double)n < num(x))
			add_err(v, field, "string_gte", "String length must be greater than or equal to %g", num(x));
		if ((x = ct_rego_object_get_str(s, "maxLength")) && x->kind == CT_REGO_NUMBER &&
		    (double)n > num(x))
			add_err(v, field, "string_lte", "String length must be less than or equal to %g", num(x));
	}
	if (doc->kind == CT_REGO_ARRAY) {
		if ((x = ct_rego_object_get_str(s, "minItems")) && x->kind == CT_REGO_NUMBER &&
		    (double)doc->u.coll.len < num(x))
			add_err(v, field, "array_min_items", "Array must have at least %g items", num(x));
		if ((x = ct_rego_object_get_str(s, "maxItems")) && x->kind == CT_REGO_NUMBER &&
		    (double)doc->u.coll.len > num(x))
			add_err(v, field, "array_max_items", "Array must have at most %g items", num(x));
		if ((x = ct_rego_object_get_str(s, "items")) != NULL && x->kind != CT_REGO_ARRAY)
			for (size_t i = 0; i < doc->u.coll.len; i++) {
				(void)snprintf(sub, sizeof(sub), "%s.%zu", field, i);
				validate(v, x, doc->u.coll.items[i], sub, depth + 1);
			}
	}
	if (doc->kind == CT_REGO_OBJECT) {
		const struct ct_rego_value *props = ct_rego_object_get_str(s, "properties");
		const struct ct_rego_value *addl = ct_rego_object_get_str(s, "additionalProperties");

		if ((x = ct_rego_object_get_str(s, "required")) != NULL && x->kind == CT_REGO_ARRAY)
			for (size_t i = 0; i < x->u.coll.len; i++) {
				const struct ct_rego_value *k = x->u.coll.items[i];

				if (k->kind == CT_REGO_STRING && ct_rego_object_get(doc, k) == NULL)
					add_err(v, field, "required", "%s is required", k->u.str.s);
			}
		for (size_t i = 0; i < doc->u.coll.len; i++) {
			const struct ct_rego_value *k = doc->u.coll.items[i];
			const struct ct_rego_value *ps = NULL;

			if (k->kind != CT_REGO_STRING)
				continue;
			if (props != NULL && props->kind == CT_REGO_OBJECT)
				ps = ct_rego_object_get(props, k);
			if (strcmp(field, "(root)") == 0)
				(void)snprintf(sub, sizeof(sub), "%s", k->u.str.s);
			else
				(void)snprintf(sub, sizeof(sub), "%s.%s", field, k->u.str.s);
			if (ps != NULL)
				validate(v, ps, doc->u.coll.vals[i], sub, depth + 1);
			else if (addl != NULL && addl->kind == CT_REGO_BOOL && !addl->u.b)
				add_err(v, field, "additional_property_not_allowed",
					"Additional property %s is not allowed", k->u.str.s);
			else if (addl != NULL && addl->kind == CT_REGO_OBJECT)
				validate(v, addl, doc->u.coll.vals[i], sub, depth + 1);
		}
	}
	if ((x = ct_rego_object_get_str(s, "allOf")) != NULL && x->kind == CT_REGO_ARRAY)
		for (size_t i = 0; i < x->u.coll.len; i++)
			validate(v, x->u.coll.items[i], doc, field, depth + 1);
	if ((x = ct_rego_object_get_str(s, "anyOf")) != NULL && x->kind == CT_REGO_ARRAY) {
		bool any = false;

		for (size_t i = 0; i < x->u.coll.len && !any && ct_ok(v->res); i++)
			any = count_errors(v, x->u.coll.items[i], doc, field, depth + 1) == 0;
		if (!any)
			add_err(v, field, "number_any_of", "Must validate at least one schema (anyOf)");
	}
	if ((x = ct_rego_object_get_str(s, "oneOf")) != NULL && x->kind == CT_REGO_ARRAY) {
		size_t ok = 0;

		for (size_t i = 0; i < x->u.coll.len && ct_ok(v->res); i++)
			ok += count_errors(v, x->u.coll.items[i], doc, field, depth + 1) == 0;
		if (ok != 1)
			add_err(v, field, "number_one_of", "Must validate one and only one schema (oneOf)");
	}
	if ((x = ct_rego_object_get_str(s, "not")) != NULL &&
	    count_errors(v, x, doc, field, depth + 1) == 0)
		add_err(v, field, "number_not", "Must not validate the schema (not)");
}

static ct_result pair(struct ct_rego_value *a, struct ct_rego_value *b,
		      struct ct_rego_value **out)
{
	struct ct_rego_value *r = ct_rego_array_new(2);
	ct_result res;

	if (r == NULL || a == NULL || b == NULL) {
		ct_rego_value_unref(r);
		ct_rego_value_unref(a);
		ct_rego_value_unref(b);
		return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
	}
	res = ct_rego_array_append(r, a);
	if (ct_ok(res))
		res = ct_rego_array_append(r, b);
	else
		ct_rego_value_unref(b);
	if (!ct_ok(res)) {
		ct_rego_value_unref(r);
		return res;
	}
	*out = r;
	return CT_OK;
}

static ct_result bi_verify_schema(ARGS)
{
	struct ct_rego_value *s = NULL;
	const struct ct_rego_value *bad = NULL;
	ct_result r;
	char msg[512];

	CT_GUARD(bi_arg(ctx, "json.verify_schema", args, 0, K_STR | K_OBJ | K_BOOL,
			"one of {boolean, object, string}"));
	CT_GUARD(as_value(ctx, "json.verify_schema", args[0], &s));
	if (schema_ok(s, 0, &bad)) {
		r = pair(ct_rego_value_bool(true), ct_rego_value_null(), out);
	} else {
		(void)snprintf(msg, sizeof(msg),
			       "jsonschema: has a primitive type that is NOT VALID -- given: /%s/ " TYPES_MSG,
			       bad->kind == CT_REGO_STRING ? bad->u.str.s : "?");
		r = pair(ct_rego_value_bool(false), ct_rego_value_cstring(msg), out);
	}
	ct_rego_value_unref(s);
	return r;
}

static ct_result bi_match_schema(ARGS)
{
	struct ct_rego_value *doc = NULL, *s = NULL;
	const struct ct_rego_value *bad = NULL;
	struct vctx v;
	ct_result r;

	CT_GUARD(as_value(ctx, "json.match_schema", args[0], &doc));
	r = as_value(ctx, "json.match_schema", args[1], &s);
	if (!ct_ok(r)) {
		ct_rego_value_unref(doc);
		return r;
	}
	if (!schema_ok(s, 0, &bad)) {
		r = ct_rego_berror(ctx, "json.match_schema: has a primitive type that is NOT VALID -- given: /%s/ " TYPES_MSG,
				   bad->kind == CT_REGO_STRING ? bad->u.str.s : "?");
		goto out;
	}
	v.b = ctx;
	v.errs = ct_rego_array_new(2);
	v.res = v.errs ? CT_OK : CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
	validate(&v, s, doc, "(root)", 0);
	if (!ct_ok(v.res)) {
		ct_rego_value_unref(v.errs);
		r = v.res;
		goto out;
	}
	r = pair(ct_rego_value_bool(ct_rego_value_length(v.errs) == 0), v.errs, out);
out:
	ct_rego_value_unref(doc);
	ct_rego_value_unref(s);
	return r;
}

const struct ct_rego_builtin ct_rego_b_json_verify_schema = {
	.name = "json.verify_schema", .arity = 1, .fn = bi_verify_schema,
};
const struct ct_rego_builtin ct_rego_b_json_match_schema = {
	.name = "json.match_schema", .arity = 2, .fn = bi_match_schema,
};
