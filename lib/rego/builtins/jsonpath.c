/*
 * jsonpath.c - json.filter and json.remove: keep or drop the parts of a
 * document named by paths ("a/b/0" strings or ["a", "b", 0] arrays).
 * Recursion follows the document's nesting, which the JSON reader and the
 * parser bound; the number of paths is bounded by the argument's size.
 */
#include <stdlib.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

#define NOMEM CT_FAIL(CT_ERR_NOMEM, "rego: out of memory")

/* Paths as an array of arrays of segments. */
static ct_result parse_paths(struct ct_rego_bctx *ctx, const char *name,
			     struct ct_rego_value *list,
			     struct ct_rego_value **out)
{
	struct ct_rego_value *r = ct_rego_array_new(list->u.coll.len);
	ct_result res = CT_OK;
	size_t i;

	if (r == NULL)
		return NOMEM;
	for (i = 0; i < list->u.coll.len; i++) {
		struct ct_rego_value *p = list->u.coll.items[i], *segs;

		if (p->kind == CT_REGO_ARRAY) {
			CT_TRY(ct_rego_array_append(r, ct_rego_value_ref(p)));
			continue;
		}
		if (p->kind != CT_REGO_STRING) {
			ctx->err_kind = CT_REGO_BERR_TYPE;
			res = CT_FAIL(CT_ERR_POLICY,
				      "%s: operand 2 must be one of {set, array} containing string paths or array of path segments but got %s",
				      name, ct_rego_value_type_name(p));
			goto out;
		}
		segs = ct_rego_array_new(0);
		CT_TRY_ENSURE(segs != NULL, CT_ERR_NOMEM, "rego: out of memory");
		{
			const char *s = p->u.str.s;
			size_t len = p->u.str.len, a = 0, k;

			if (len > 0 && s[0] == '/')
				a = 1;
			for (k = a; k <= len; k++) {
				if (k == len || s[k] == '/') {
					res = ct_rego_array_append(
						segs, ct_rego_value_string_new(s + a, k - a));
					if (!ct_ok(res)) {
						ct_rego_value_unref(segs);
						goto out;
					}
					a = k + 1;
				}
			}
		}
		CT_TRY(ct_rego_array_append(r, segs));
	}
	*out = r;
	return CT_OK;
out:
	ct_rego_value_unref(r);
	return res;
}

/* Does path segment `seg` name key `key` (index i for arrays)? */
static bool seg_matches(const struct ct_rego_value *seg,
			const struct ct_rego_value *key)
{
	int64_t a, b;

	if (ct_rego_value_equal(seg, key))
		return true;
	if (seg->kind == CT_REGO_STRING && key->kind == CT_REGO_NUMBER &&
	    ct_rego_number_to_int64(key, &b)) {
		char *end;
		long long v = strtoll(seg->u.str.s, &end, 10);

		return seg->u.str.len > 0 && *end == '\0' && v == b;
	}
	if (seg->kind == CT_REGO_NUMBER && key->kind == CT_REGO_NUMBER)
		return ct_rego_number_to_int64(seg, &a) &&
		       ct_rego_number_to_int64(key, &b) && a == b;
	return false;
}

/* Tails of the paths whose first segment matches key; *whole set when a
 * path ends at key. */
static ct_result tails_for(const struct ct_rego_value *paths,
			   const struct ct_rego_value *key, bool *whole,
			   struct ct_rego_value **out)
{
	struct ct_rego_value *t = ct_rego_array_new(0);
	size_t i, k;

	*whole = false;
	if (t == NULL)
		return NOMEM;
	for (i = 0; i < paths->u.coll.len; i++) {
		const struct ct_rego_value *p = paths->u.coll.items[i];
		struct ct_rego_value *tail;
		ct_result r;

		if (p->u.coll.len == 0 || !seg_matches(p->u.coll.items[0], key))
			continue;
		if (p->u.coll.len == 1) {
			*whole = true;
			continue;
		}
		tail = ct_rego_array_new(p->u.coll.len - 1);
		if (tail == NULL) {
			ct_rego_value_unref(t);
			return NOMEM;
		}
		for (k = 1; k < p->u.coll.len; k++)
			tail->u.coll.items[k - 1] = ct_rego_value_ref(p->u.coll.items[k]);
		tail->u.coll.len = p->u.coll.len - 1;
		r = ct_rego_array_append(t, tail);
		if (!ct_ok(r)) {
			ct_rego_value_unref(t);
			return r;
		}
	}
	*out = t;
	return CT_OK;
}

static ct_result apply(struct ct_rego_value *doc,
		       const struct ct_rego_value *paths, bool keep,
		       struct ct_rego_value **out);

static ct_result child(struct ct_rego_value *key, struct ct_rego_value *val,
		       const struct ct_rego_value *paths, bool keep,
		       struct ct_rego_value **out)
{
	struct ct_rego_value *t = NULL;
	bool whole;
	ct_result r;

	*out = NULL;
	CT_GUARD(tails_for(paths, key, &whole, &t));
	if (whole) {
		*out = keep ? ct_rego_value_ref(val) : NULL;
		ct_rego_value_unref(t);
		return CT_OK;
	}
	if (t->u.coll.len == 0) {
		*out = keep ? NULL : ct_rego_value_ref(val);
		ct_rego_value_unref(t);
		return CT_OK;
	}
	r = apply(val, t, keep, out);
	ct_rego_value_unref(t);
	return r;
}

static ct_result apply(struct ct_rego_value *doc,
		       const struct ct_rego_value *paths, bool keep,
		       struct ct_rego_value **out)
{
	struct ct_rego_value *r, *v;
	ct_result res = CT_OK;
	size_t i;

	switch (doc->kind) {
	case CT_REGO_OBJECT:
		r = ct_rego_object_new(0);
		if (r == NULL)
			return NOMEM;
		for (i = 0; i < doc->u.coll.len; i++) {
			CT_TRY(child(doc->u.coll.items[i], doc->u.coll.vals[i],
				     paths, keep, &v));
			if (v != NULL)
				CT_TRY(ct_rego_object_insert(
					r, ct_rego_value_ref(doc->u.coll.items[i]), v));
		}
		break;
	case CT_REGO_ARRAY:
	case CT_REGO_SET:
		r = doc->kind == CT_REGO_ARRAY ? ct_rego_array_new(0)
					       : ct_rego_set_new(0);
		if (r == NULL)
			return NOMEM;
		for (i = 0; i < doc->u.coll.len; i++) {
			struct ct_rego_value *key =
				doc->kind == CT_REGO_ARRAY
					? ct_rego_value_int((int64_t)i)
					: ct_rego_value_ref(doc->u.coll.items[i]);

			CT_TRY_ENSURE(key != NULL, CT_ERR_NOMEM, "rego: out of memory");
			res = child(key, doc->u.coll.items[i], paths, keep, &v);
			ct_rego_value_unref(key);
			if (!ct_ok(res))
				goto out;
			if (v != NULL)
				CT_TRY(doc->kind == CT_REGO_ARRAY
					       ? ct_rego_array_append(r, v)
					       : ct_rego_set_add(r, v));
		}
		break;
	default:
		*out = ct_rego_value_ref(doc);
		return CT_OK;
	}
	*out = r;
	return CT_OK;
out:
	ct_rego_value_unref(r);
	return res;
}

static ct_result common(struct ct_rego_bctx *ctx, const char *name, bool keep,
			struct ct_rego_value *const *args,
			struct ct_rego_value **out)
{
	struct ct_rego_value *paths = NULL;
	ct_result r;

	CT_GUARD(bi_arg(ctx, name, args, 0, K_OBJ, "object"));
	CT_GUARD(bi_arg(ctx, name, args, 1, K_SET | K_ARR, "one of {set, array}"));
	CT_GUARD(parse_paths(ctx, name, args[1], &paths));
	r = apply(args[0], paths, keep, out);
	ct_rego_value_unref(paths);
	return r;
}

static ct_result bi_json_filter(struct ct_rego_bctx *ctx,
				struct ct_rego_value *const *args,
				struct ct_rego_value **out)
{
	return common(ctx, "json.filter", true, args, out);
}

static ct_result bi_json_remove(struct ct_rego_bctx *ctx,
				struct ct_rego_value *const *args,
				struct ct_rego_value **out)
{
	return common(ctx, "json.remove", false, args, out);
}

CT_BUILTIN(bi_json_filter, "json.filter", 2);
CT_BUILTIN(bi_json_remove, "json.remove", 2);

const struct ct_rego_builtin *const ct_rego_builtins_jsonpath[] = {
	&b_bi_json_filter, &b_bi_json_remove, NULL,
};
