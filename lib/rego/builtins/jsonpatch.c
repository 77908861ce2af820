/*
 * jsonpatch.c - json.patch: RFC 6902 operations (add remove replace move
 * copy test) on Rego values, with OPA's extensions: paths may be arrays of
 * segments, and sets are addressed by their elements. Values are
 * immutable, so every operation rebuilds the containers along its path.
 * A patch that does not apply makes the result undefined, as in OPA.
 * Patches and documents are untrusted: work is proportional to their
 * size, charged to the evaluation budget per operation.
 */
#include <stdlib.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

enum pmode { P_ADD, P_REPLACE, P_REMOVE };

/* Path segments as an array value (strings, or any values). */
static ct_result parse_path(const struct ct_rego_value *p, struct ct_rego_value **out)
{
	struct ct_rego_value *segs;
	struct ct_buf b;
	const char *s;
	size_t len, i;
	ct_result res = CT_OK;

	*out = NULL;
	if (p->kind == CT_REGO_ARRAY) {
		*out = ct_rego_value_ref((struct ct_rego_value *)p);
		return CT_OK;
	}
	if (p->kind != CT_REGO_STRING)
		return CT_OK; /* not applicable */
	segs = ct_rego_array_new(0);
	CT_ENSURE(segs != NULL, CT_ERR_NOMEM, "rego: out of memory");
	s = p->u.str.s;
	len = p->u.str.len;
	if (len == 0) {
		*out = segs;
		return CT_OK;
	}
	i = s[0] == '/' ? 1 : 0;
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	for (;; i++) {
		if (i == len || s[i] == '/') {
			CT_TRY(ct_rego_array_append(segs, ct_rego_value_string_new(
							   ct_buf_cstr(&b), b.len)));
			ct_buf_reset(&b);
			if (i == len)
				break;
			continue;
		}
		if (s[i] == '~' && i + 1 < len && (s[i + 1] == '0' || s[i + 1] == '1')) {
			CT_TRY(ct_buf_append_byte(&b, s[i + 1] == '0' ? '~' : '/'));
			i++;
			continue;
		}
		CT_TRY(ct_buf_append_byte(&b, (uint8_t)s[i]));
	}
	ct_buf_dispose(&b);
	*out = segs;
	return CT_OK;
out:
	ct_buf_dispose(&b);
	ct_rego_value_unref(segs);
	return res;
}

/* Array index from a segment; -2 = "-", -1 = invalid. */
static int64_t seg_index(const struct ct_rego_value *seg)
{
	int64_t v;
	size_t i;

	if (seg->kind == CT_REGO_NUMBER)
		return ct_rego_number_to_int64(seg, &v) && v >= 0 ? v : -1;
	if (seg->kind != CT_REGO_STRING || seg->u.str.len == 0 || seg->u.str.len > 18)
		return -1;
	if (seg->u.str.len == 1 && seg->u.str.s[0] == '-')
		return -2;
	if (seg->u.str.s[0] == '0' && seg->u.str.len > 1)
		return -1;
	v = 0;
	for (i = 0; i < seg->u.str.len; i++) {
		if (seg->u.str.s[i] < '0' || seg->u.str.s[i] > '9')
			return -1;
		v = v * 10 + (seg->u.str.s[i] - '0');
	}
	return v;
}

static struct ct_rego_value *get_path(struct ct_rego_value *v,
				      const struct ct_rego_value *segs)
{
	size_t i;

	for (i = 0; v != NULL && i < segs->u.coll.len; i++) {
		const struct ct_rego_value *seg = segs->u.coll.items[i];
		int64_t k;

		if (v->kind == CT_REGO_OBJECT)
			v = ct_rego_object_get(v, seg);
		else if (v->kind == CT_REGO_SET)
			v = ct_rego_set_find(v, seg);
		else if (v->kind == CT_REGO_ARRAY) {
			k = seg_index(seg);
			v = k >= 0 && (uint64_t)k < v->u.coll.len ? v->u.coll.items[k] : NULL;
		} else
			v = NULL;
	}
	return v;
}

/* Shallow copy of a collection minus element/key at `skip` (or none). */
static struct ct_rego_value *copy_coll(const struct ct_rego_value *v, size_t skip)
{
	struct ct_rego_value *r;
	size_t i, n = 0;

	r = v->kind == CT_REGO_OBJECT ? ct_rego_object_new(v->u.coll.len)
	    : v->kind == CT_REGO_SET  ? ct_rego_set_new(v->u.coll.len)
				      : ct_rego_array_new(v->u.coll.len);
	if (r == NULL)
		return NULL;
	for (i = 0; i < v->u.coll.len; i++) {
		if (i == skip)
			continue;
		r->u.coll.items[n] = ct_rego_value_ref(v->u.coll.items[i]);
		if (v->kind == CT_REGO_OBJECT)
			r->u.coll.vals[n] = ct_rego_value_ref(v->u.coll.vals[i]);
		n++;
	}
	r->u.coll.len = n;
	return r;
}

/* *out = patched copy, or NULL when the operation does not apply. */
static ct_result upd(struct ct_rego_value *v, const struct ct_rego_value *segs,
		     size_t i, enum pmode mode, struct ct_rego_value *val,
		     struct ct_rego_value **out)
{
	const struct ct_rego_value *seg;
	struct ct_rego_value *r = NULL, *child = NULL, *nc = NULL;
	bool last;
	int64_t k;
	ct_result res = CT_OK;

	*out = NULL;
	if (i == segs->u.coll.len) { /* root */
		if (mode != P_REMOVE)
			*out = ct_rego_value_ref(val);
		return CT_OK;
	}
	seg = segs->u.coll.items[i];
	last = i + 1 == segs->u.coll.len;
	switch (v->kind) {
	case CT_REGO_OBJECT: {
		bool found;
		size_t at = ct_rego_value_bsearch(v->u.coll.items, v->u.coll.len, seg, &found);

		if (!last) {
			if (!found)
				return CT_OK;
			CT_GUARD(upd(v->u.coll.vals[at], segs, i + 1, mode, val, &nc));
			if (nc == NULL)
				return CT_OK;
			r = copy_coll(v, SIZE_MAX);
			CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
			ct_rego_value_unref(r->u.coll.vals[at]);
			r->u.coll.vals[at] = nc;
			nc = NULL;
		} else if (mode == P_REMOVE) {
			if (!found)
				return CT_OK;
			r = copy_coll(v, at);
		} else {
			if (mode == P_REPLACE && !found)
				return CT_OK;
			r = copy_coll(v, SIZE_MAX);
			CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
			CT_TRY(ct_rego_object_insert(r, ct_rego_value_ref((struct ct_rego_value *)seg),
						     ct_rego_value_ref(val)));
		}
		break;
	}
	case CT_REGO_SET: {
		struct ct_rego_value *e = ct_rego_set_find(v, seg);

		if (!last) {
			if (e == NULL)
				return CT_OK;
			CT_GUARD(upd(e, segs, i + 1, mode, val, &nc));
			if (nc == NULL)
				return CT_OK;
			r = copy_coll(v, SIZE_MAX);
			CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
			{
				bool f;
				size_t at = ct_rego_value_bsearch(r->u.coll.items, r->u.coll.len, e, &f);
				struct ct_rego_value *tmp = copy_coll(r, at);

				ct_rego_value_unref(r);
				r = tmp;
				CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
			}
			CT_TRY(ct_rego_set_add(r, nc));
			nc = NULL;
		} else if (mode == P_REMOVE) {
			bool f;
			size_t at;

			if (e == NULL)
				return CT_OK;
			at = ct_rego_value_bsearch(v->u.coll.items, v->u.coll.len, e, &f);
			r = copy_coll(v, at);
		} else {
			/* a set element is its own key */
			if (!ct_rego_value_equal(seg, val) || (mode == P_REPLACE && e == NULL))
				return CT_OK;
			r = copy_coll(v, SIZE_MAX);
			CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
			CT_TRY(ct_rego_set_add(r, ct_rego_value_ref(val)));
		}
		break;
	}
	case CT_REGO_ARRAY:
		k = seg_index(seg);
		if (k == -2 && last && mode == P_ADD)
			k = (int64_t)v->u.coll.len;
		if (k < 0)
			return CT_OK;
		if (!last || mode != P_ADD) {
			if ((uint64_t)k >= v->u.coll.len)
				return CT_OK;
		} else if ((uint64_t)k > v->u.coll.len) {
			return CT_OK;
		}
		if (!last) {
			CT_GUARD(upd(v->u.coll.items[k], segs, i + 1, mode, val, &nc));
			if (nc == NULL)
				return CT_OK;
			r = copy_coll(v, SIZE_MAX);
			CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
			ct_rego_value_unref(r->u.coll.items[k]);
			r->u.coll.items[k] = nc;
			nc = NULL;
		} else if (mode == P_REMOVE) {
			r = copy_coll(v, (size_t)k);
		} else if (mode == P_REPLACE) {
			r = copy_coll(v, SIZE_MAX);
			CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
			ct_rego_value_unref(r->u.coll.items[k]);
			r->u.coll.items[k] = ct_rego_value_ref(val);
		} else {
			size_t n = v->u.coll.len, j;

			r = ct_rego_array_new(n + 1);
			CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
			for (j = 0; j <= n; j++) {
				if (j == (size_t)k)
					CT_TRY(ct_rego_array_append(r, ct_rego_value_ref(val)));
				if (j < n)
					CT_TRY(ct_rego_array_append(r, ct_rego_value_ref(v->u.coll.items[j])));
			}
		}
		break;
	default:
		return CT_OK;
	}
	CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	*out = r;
	return CT_OK;
out:
	ct_rego_value_unref(r);
	ct_rego_value_unref(child);
	ct_rego_value_unref(nc);
	return res;
}

static ct_result apply_op(struct ct_rego_value *doc, const struct ct_rego_value *op,
			  struct ct_rego_value **out)
{
	struct ct_rego_value *opn, *pathv, *path = NULL, *from = NULL, *val, *tmp = NULL;
	const char *name;
	ct_result res = CT_OK;

	*out = NULL;
	if (op->kind != CT_REGO_OBJECT)
		return CT_OK;
	opn = ct_rego_object_get_str(op, "op");
	pathv = ct_rego_object_get_str(op, "path");
	if (opn == NULL || opn->kind != CT_REGO_STRING || pathv == NULL)
		return CT_OK;
	CT_GUARD(parse_path(pathv, &path));
	if (path == NULL)
		return CT_OK;
	name = opn->u.str.s;
	val = ct_rego_object_get_str(op, "value");
	if (strcmp(name, "add") == 0 || strcmp(name, "replace") == 0) {
		if (val != NULL)
			CT_TRY(upd(doc, path, 0, name[0] == 'a' ? P_ADD : P_REPLACE, val, out));
	} else if (strcmp(name, "remove") == 0) {
		CT_TRY(upd(doc, path, 0, P_REMOVE, NULL, out));
	} else if (strcmp(name, "test") == 0) {
		struct ct_rego_value *cur = get_path(doc, path);

		if (val != NULL && cur != NULL && ct_rego_value_equal(cur, val))
			*out = ct_rego_value_ref(doc);
	} else if (strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) {
		struct ct_rego_value *fv = ct_rego_object_get_str(op, "from"), *src;

		if (fv == NULL)
			goto out;
		CT_TRY(parse_path(fv, &from));
		if (from == NULL || (src = get_path(doc, from)) == NULL)
			goto out;
		src = ct_rego_value_ref(src);
		if (name[0] == 'm') {
			/* a location cannot be moved into one of its children */
			if (from->u.coll.len < path->u.coll.len) {
				size_t i;
				bool prefix = true;

				for (i = 0; i < from->u.coll.len && prefix; i++)
					prefix = ct_rego_value_equal(from->u.coll.items[i],
								     path->u.coll.items[i]);
				if (prefix) {
					ct_rego_value_unref(src);
					goto out;
				}
			}
			res = upd(doc, from, 0, P_REMOVE, NULL, &tmp);
			if (ct_ok(res) && tmp != NULL)
				res = upd(tmp, path, 0, P_ADD, src, out);
		} else {
			res = upd(doc, path, 0, P_ADD, src, out);
		}
		ct_rego_value_unref(src);
	}
out:
	ct_rego_value_unref(tmp);
	ct_rego_value_unref(path);
	ct_rego_value_unref(from);
	return res;
}

static ct_result bi_json_patch(struct ct_rego_bctx *ctx,
			       struct ct_rego_value *const *args,
			       struct ct_rego_value **out)
{
	struct ct_rego_value *doc, *next;
	size_t i;

	CT_GUARD(bi_arg(ctx, "json.patch", args, 1, K_ARR, "array"));
	doc = ct_rego_value_ref(args[0]);
	for (i = 0; i < args[1]->u.coll.len; i++) {
		ct_result r = ct_rego_bcharge(ctx, 64);

		if (ct_ok(r))
			r = apply_op(doc, args[1]->u.coll.items[i], &next);
		ct_rego_value_unref(doc);
		if (!ct_ok(r))
			return ct_rego_bwrap(ctx, "json.patch", r);
		if (next == NULL) {
			*out = NULL; /* does not apply: undefined */
			return CT_OK;
		}
		doc = next;
	}
	*out = doc;
	return CT_OK;
}

CT_BUILTIN(bi_json_patch, "json.patch", 2);

const struct ct_rego_builtin *const ct_rego_builtins_jsonpatch[] = {
	&b_bi_json_patch, NULL,
};
