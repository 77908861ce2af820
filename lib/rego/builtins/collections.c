/*
 * collections.c - array.*, object.*, set intersection/union, walk and
 * graph.reachable(_paths). Inputs are untrusted values: recursion (object.union,
 * flatten, walk) is bounded by the input's own nesting, which the JSON
 * reader and the parser cap; produced element counts are charged to the
 * evaluation budget.
 */
#include <stdlib.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out
#define NOMEM CT_FAIL(CT_ERR_NOMEM, "rego: out of memory")

static ct_result bi_array_concat(ARGS)
{
	struct ct_rego_value *r;
	ct_result res = CT_OK;
	size_t i, k;

	CT_GUARD(bi_arg(ctx, "array.concat", args, 0, K_ARR, "array"));
	CT_GUARD(bi_arg(ctx, "array.concat", args, 1, K_ARR, "array"));
	r = ct_rego_array_new(args[0]->u.coll.len + args[1]->u.coll.len);
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (k = 0; k < 2; k++)
		for (i = 0; i < args[k]->u.coll.len; i++)
			CT_TRY(ct_rego_array_append(
				r, ct_rego_value_ref(args[k]->u.coll.items[i])));
	*out = r;
	return CT_OK;
out:
	ct_rego_value_unref(r);
	return res;
}

static ct_result bi_array_slice(ARGS)
{
	struct ct_rego_value *r;
	ct_result res = CT_OK;
	int64_t a, b, n;

	CT_GUARD(bi_arg(ctx, "array.slice", args, 0, K_ARR, "array"));
	CT_GUARD(ct_rego_barg_int(ctx, "array.slice", args, 1, &a));
	CT_GUARD(ct_rego_barg_int(ctx, "array.slice", args, 2, &b));
	n = (int64_t)args[0]->u.coll.len;
	if (a < 0)
		a = 0;
	if (b > n)
		b = n;
	r = ct_rego_array_new(0);
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (; a < b; a++)
		CT_TRY(ct_rego_array_append(
			r, ct_rego_value_ref(args[0]->u.coll.items[a])));
	*out = r;
	return CT_OK;
out:
	ct_rego_value_unref(r);
	return res;
}

static ct_result bi_array_reverse(ARGS)
{
	struct ct_rego_value *r;
	ct_result res = CT_OK;
	size_t i, n;

	CT_GUARD(bi_arg(ctx, "array.reverse", args, 0, K_ARR, "array"));
	n = args[0]->u.coll.len;
	r = ct_rego_array_new(n);
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (i = n; i > 0; i--)
		CT_TRY(ct_rego_array_append(
			r, ct_rego_value_ref(args[0]->u.coll.items[i - 1])));
	*out = r;
	return CT_OK;
out:
	ct_rego_value_unref(r);
	return res;
}

static ct_result flatten_into(struct ct_rego_value *r,
			      const struct ct_rego_value *a)
{
	size_t i;

	for (i = 0; i < a->u.coll.len; i++) {
		struct ct_rego_value *e = a->u.coll.items[i];

		if (e->kind == CT_REGO_ARRAY) {
			/* One level: elements of a nested array are kept as is. */
			for (size_t j = 0; j < e->u.coll.len; j++)
				CT_GUARD(ct_rego_array_append(
					r, ct_rego_value_ref(e->u.coll.items[j])));
		} else
			CT_GUARD(ct_rego_array_append(r, ct_rego_value_ref(e)));
	}
	return CT_OK;
}

static ct_result bi_array_flatten(ARGS)
{
	struct ct_rego_value *r;
	ct_result res;

	CT_GUARD(bi_arg(ctx, "array.flatten", args, 0, K_ARR, "array"));
	r = ct_rego_array_new(0);
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	res = flatten_into(r, args[0]);
	if (!ct_ok(res)) {
		ct_rego_value_unref(r);
		return res;
	}
	*out = r;
	return CT_OK;
}

/* ---------------------------------------------------------------- objects */

static struct ct_rego_value *obj_copy(const struct ct_rego_value *o)
{
	struct ct_rego_value *r = ct_rego_object_new(o->u.coll.len);
	size_t i;

	if (r == NULL)
		return NULL;
	for (i = 0; i < o->u.coll.len; i++) {
		r->u.coll.items[i] = ct_rego_value_ref(o->u.coll.items[i]);
		r->u.coll.vals[i] = ct_rego_value_ref(o->u.coll.vals[i]);
	}
	r->u.coll.len = o->u.coll.len;
	return r;
}

static ct_result merge(const struct ct_rego_value *a,
		       const struct ct_rego_value *b,
		       struct ct_rego_value **out)
{
	struct ct_rego_value *r = obj_copy(a);
	size_t i;

	if (r == NULL)
		return NOMEM;
	for (i = 0; i < b->u.coll.len; i++) {
		struct ct_rego_value *k = b->u.coll.items[i];
		struct ct_rego_value *bv = b->u.coll.vals[i];
		struct ct_rego_value *av = ct_rego_object_get(a, k), *nv;
		ct_result res;

		if (av != NULL && av->kind == CT_REGO_OBJECT &&
		    bv->kind == CT_REGO_OBJECT) {
			res = merge(av, bv, &nv);
			if (!ct_ok(res)) {
				ct_rego_value_unref(r);
				return res;
			}
		} else {
			nv = ct_rego_value_ref(bv);
		}
		res = ct_rego_object_insert(r, ct_rego_value_ref(k), nv);
		if (!ct_ok(res)) {
			ct_rego_value_unref(r);
			return res;
		}
	}
	*out = r;
	return CT_OK;
}

static ct_result bi_object_union(ARGS)
{
	CT_GUARD(bi_arg(ctx, "object.union", args, 0, K_OBJ, "object"));
	CT_GUARD(bi_arg(ctx, "object.union", args, 1, K_OBJ, "object"));
	return merge(args[0], args[1], out);
}

static ct_result bi_object_union_n(ARGS)
{
	struct ct_rego_value *acc, *next;
	size_t i;

	CT_GUARD(bi_arg(ctx, "object.union_n", args, 0, K_ARR, "array"));
	for (i = 0; i < args[0]->u.coll.len; i++)
		if (args[0]->u.coll.items[i]->kind != CT_REGO_OBJECT) {
			ctx->err_kind = CT_REGO_BERR_TYPE;
			return CT_FAIL(CT_ERR_POLICY,
				       "object.union_n: operand 1 must be array "
				       "of objects but got array containing %s",
				       ct_rego_value_type_name(args[0]->u.coll.items[i]));
		}
	acc = ct_rego_object_new(0);
	CT_ENSURE(acc != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (i = 0; i < args[0]->u.coll.len; i++) {
		ct_result r = merge(acc, args[0]->u.coll.items[i], &next);

		ct_rego_value_unref(acc);
		CT_GUARD(r);
		acc = next;
	}
	*out = acc;
	return CT_OK;
}

static ct_result bi_object_get(ARGS)
{
	struct ct_rego_value *cur = args[0];
	size_t i;

	CT_GUARD(bi_arg(ctx, "object.get", args, 0, K_OBJ, "object"));
	if (args[1]->kind != CT_REGO_ARRAY) {
		struct ct_rego_value *v = ct_rego_object_get(cur, args[1]);

		*out = ct_rego_value_ref(v ? v : args[2]);
		return CT_OK;
	}
	/* An array key is a path into nested objects and arrays. */
	for (i = 0; i < args[1]->u.coll.len; i++) {
		struct ct_rego_value *seg = args[1]->u.coll.items[i], *nx = NULL;
		int64_t idx;

		if (cur->kind == CT_REGO_OBJECT)
			nx = ct_rego_object_get(cur, seg);
		else if (cur->kind == CT_REGO_ARRAY &&
			 ct_rego_number_to_int64(seg, &idx) && idx >= 0 &&
			 (uint64_t)idx < cur->u.coll.len)
			nx = cur->u.coll.items[idx];
		else if (cur->kind == CT_REGO_SET)
			nx = ct_rego_set_find(cur, seg);
		if (nx == NULL) {
			*out = ct_rego_value_ref(args[2]);
			return CT_OK;
		}
		cur = nx;
	}
	*out = ct_rego_value_ref(cur);
	return CT_OK;
}

static ct_result bi_object_keys(ARGS)
{
	struct ct_rego_value *r;
	size_t i;

	CT_GUARD(bi_arg(ctx, "object.keys", args, 0, K_OBJ, "object"));
	r = ct_rego_set_new(args[0]->u.coll.len);
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (i = 0; i < args[0]->u.coll.len; i++)
		r->u.coll.items[i] = ct_rego_value_ref(args[0]->u.coll.items[i]);
	r->u.coll.len = args[0]->u.coll.len;
	*out = r;
	return CT_OK;
}

/* Keys named by a set, array or object (its keys). */
static bool key_listed(const struct ct_rego_value *ks,
		       const struct ct_rego_value *k)
{
	size_t i;

	if (ks->kind == CT_REGO_SET)
		return ct_rego_set_contains(ks, k);
	if (ks->kind == CT_REGO_OBJECT)
		return ct_rego_object_get(ks, k) != NULL;
	for (i = 0; i < ks->u.coll.len; i++)
		if (ct_rego_value_equal(ks->u.coll.items[i], k))
			return true;
	return false;
}

static ct_result filter_keys(struct ct_rego_bctx *ctx, const char *name,
			     bool keep, struct ct_rego_value *const *args,
			     struct ct_rego_value **out)
{
	struct ct_rego_value *r;
	ct_result res = CT_OK;
	size_t i;

	CT_GUARD(bi_arg(ctx, name, args, 0, K_OBJ, "object"));
	CT_GUARD(bi_arg(ctx, name, args, 1, K_OBJ | K_SET | K_ARR,
			"one of {object, set, array}"));
	r = ct_rego_object_new(0);
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (i = 0; i < args[0]->u.coll.len; i++) {
		struct ct_rego_value *k = args[0]->u.coll.items[i];

		if (key_listed(args[1], k) == keep)
			CT_TRY(ct_rego_object_insert(
				r, ct_rego_value_ref(k),
				ct_rego_value_ref(args[0]->u.coll.vals[i])));
	}
	*out = r;
	return CT_OK;
out:
	ct_rego_value_unref(r);
	return res;
}

static ct_result bi_object_remove(ARGS)
{
	return filter_keys(ctx, "object.remove", false, args, out);
}

static ct_result bi_object_filter(ARGS)
{
	return filter_keys(ctx, "object.filter", true, args, out);
}

static bool subset(const struct ct_rego_value *sup,
		   const struct ct_rego_value *sub)
{
	size_t i, j;

	if (sup->kind == CT_REGO_OBJECT && sub->kind == CT_REGO_OBJECT) {
		for (i = 0; i < sub->u.coll.len; i++) {
			struct ct_rego_value *v =
				ct_rego_object_get(sup, sub->u.coll.items[i]);

			if (v == NULL || !subset(v, sub->u.coll.vals[i]))
				return false;
		}
		return true;
	}
	if (sup->kind == CT_REGO_SET && sub->kind == CT_REGO_SET) {
		for (i = 0; i < sub->u.coll.len; i++)
			if (!ct_rego_set_contains(sup, sub->u.coll.items[i]))
				return false;
		return true;
	}
	if (sup->kind == CT_REGO_ARRAY && sub->kind == CT_REGO_ARRAY) {
		/* sub must appear as a contiguous run in sup. */
		if (sub->u.coll.len == 0)
			return true;
		for (i = 0; i + sub->u.coll.len <= sup->u.coll.len; i++) {
			for (j = 0; j < sub->u.coll.len; j++)
				if (!ct_rego_value_equal(sup->u.coll.items[i + j],
							 sub->u.coll.items[j]))
					break;
			if (j == sub->u.coll.len)
				return true;
		}
		return false;
	}
	if (sup->kind == CT_REGO_ARRAY && sub->kind == CT_REGO_SET) {
		for (i = 0; i < sub->u.coll.len; i++) {
			bool f = false;

			for (j = 0; j < sup->u.coll.len && !f; j++)
				f = ct_rego_value_equal(sup->u.coll.items[j],
							sub->u.coll.items[i]);
			if (!f)
				return false;
		}
		return true;
	}
	return ct_rego_value_equal(sup, sub);
}

static ct_result bi_object_subset(ARGS)
{
	CT_GUARD(bi_arg(ctx, "object.subset", args, 0, K_OBJ | K_SET | K_ARR,
			"one of {object, set, array}"));
	CT_GUARD(bi_arg(ctx, "object.subset", args, 1, K_OBJ | K_SET | K_ARR,
			"one of {object, set, array}"));
	*out = ct_rego_value_bool(subset(args[0], args[1]));
	return CT_OK;
}

/* ------------------------------------------------------------------- sets */

static ct_result set_of_sets(struct ct_rego_bctx *ctx, const char *name,
			     bool inter, struct ct_rego_value *const *args,
			     struct ct_rego_value **out)
{
	struct ct_rego_value *s = args[0], *r;
	ct_result res = CT_OK;
	size_t i, j;

	CT_GUARD(bi_arg(ctx, name, args, 0, K_SET, "set"));
	for (i = 0; i < s->u.coll.len; i++)
		if (s->u.coll.items[i]->kind != CT_REGO_SET) {
			ctx->err_kind = CT_REGO_BERR_TYPE;
			return CT_FAIL(CT_ERR_POLICY,
				       "%s: operand 1 must be set of sets but got "
				       "set containing %s", name,
				       ct_rego_value_type_name(s->u.coll.items[i]));
		}
	r = ct_rego_set_new(0);
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	if (inter) {
		if (s->u.coll.len == 0)
			goto done;
		for (j = 0; j < s->u.coll.items[0]->u.coll.len; j++) {
			struct ct_rego_value *e = s->u.coll.items[0]->u.coll.items[j];
			bool all = true;

			for (i = 1; i < s->u.coll.len && all; i++)
				all = ct_rego_set_contains(s->u.coll.items[i], e);
			if (all)
				CT_TRY(ct_rego_set_add(r, ct_rego_value_ref(e)));
		}
	} else {
		for (i = 0; i < s->u.coll.len; i++)
			for (j = 0; j < s->u.coll.items[i]->u.coll.len; j++)
				CT_TRY(ct_rego_set_add(r, ct_rego_value_ref(
					s->u.coll.items[i]->u.coll.items[j])));
	}
done:
	*out = r;
	return CT_OK;
out:
	ct_rego_value_unref(r);
	return res;
}

static ct_result bi_intersection(ARGS)
{
	return set_of_sets(ctx, "intersection", true, args, out);
}

static ct_result bi_union(ARGS)
{
	return set_of_sets(ctx, "union", false, args, out);
}

/* ------------------------------------------------------------------ walk */

static ct_result walk_rec(struct ct_rego_bctx *ctx, struct ct_rego_value *res,
			  struct ct_rego_value *path, struct ct_rego_value *v)
{
	struct ct_rego_value *pair, *p2;
	size_t i;

	CT_GUARD(ct_rego_bcharge(ctx, 64 + path->u.coll.len * 8));
	pair = ct_rego_array_new(2);
	if (pair == NULL)
		return NOMEM;
	CT_GUARD(ct_rego_array_append(pair, ct_rego_value_ref(path)));
	CT_GUARD(ct_rego_array_append(pair, ct_rego_value_ref(v)));
	CT_GUARD(ct_rego_array_append(res, pair));
	if (v->kind != CT_REGO_ARRAY && v->kind != CT_REGO_OBJECT &&
	    v->kind != CT_REGO_SET)
		return CT_OK;
	for (i = 0; i < v->u.coll.len; i++) {
		struct ct_rego_value *key, *child;
		ct_result r;
		size_t k;

		if (v->kind == CT_REGO_ARRAY) {
			key = ct_rego_value_int((int64_t)i);
			child = v->u.coll.items[i];
		} else if (v->kind == CT_REGO_OBJECT) {
			key = ct_rego_value_ref(v->u.coll.items[i]);
			child = v->u.coll.vals[i];
		} else {
			key = ct_rego_value_ref(v->u.coll.items[i]);
			child = v->u.coll.items[i];
		}
		p2 = ct_rego_array_new(path->u.coll.len + 1);
		if (p2 == NULL) {
			ct_rego_value_unref(key);
			return NOMEM;
		}
		for (k = 0; k < path->u.coll.len; k++)
			p2->u.coll.items[k] = ct_rego_value_ref(path->u.coll.items[k]);
		p2->u.coll.len = path->u.coll.len;
		r = ct_rego_array_append(p2, key);
		if (ct_ok(r))
			r = walk_rec(ctx, res, p2, child);
		ct_rego_value_unref(p2);
		CT_GUARD(r);
	}
	return CT_OK;
}

static ct_result bi_walk(ARGS)
{
	struct ct_rego_value *res = ct_rego_array_new(0);
	struct ct_rego_value *path = ct_rego_array_new(0);
	ct_result r;

	if (res == NULL || path == NULL) {
		ct_rego_value_unref(res);
		ct_rego_value_unref(path);
		return NOMEM;
	}
	r = walk_rec(ctx, res, path, args[0]);
	ct_rego_value_unref(path);
	if (!ct_ok(r)) {
		ct_rego_value_unref(res);
		return ct_rego_bwrap(ctx, "walk", r);
	}
	*out = res;
	return CT_OK;
}

/* graph.reachable(graph, initial): BFS over edges given as arrays/sets. */
static ct_result bi_reachable(ARGS)
{
	struct ct_rego_value *seen, *queue;
	ct_result res = CT_OK;
	size_t head = 0, i;

	CT_GUARD(bi_arg(ctx, "graph.reachable", args, 0, K_OBJ, "object"));
	CT_GUARD(bi_arg(ctx, "graph.reachable", args, 1, K_ARR | K_SET,
			"one of {array, set}"));
	seen = ct_rego_set_new(0);
	queue = ct_rego_array_new(0);
	if (seen == NULL || queue == NULL) {
		res = NOMEM;
		goto out;
	}
	for (i = 0; i < args[1]->u.coll.len; i++)
		CT_TRY(ct_rego_array_append(queue,
					    ct_rego_value_ref(args[1]->u.coll.items[i])));
	while (head < queue->u.coll.len) {
		struct ct_rego_value *n = queue->u.coll.items[head++], *edges;

		if (ct_rego_set_contains(seen, n))
			continue;
		edges = ct_rego_object_get(args[0], n);
		if (edges == NULL)
			continue;
		CT_TRY(ct_rego_set_add(seen, ct_rego_value_ref(n)));
		CT_TRY(ct_rego_bcharge(ctx, 16));
		if (edges->kind != CT_REGO_ARRAY && edges->kind != CT_REGO_SET)
			continue;
		for (i = 0; i < edges->u.coll.len; i++)
			CT_TRY(ct_rego_array_append(
				queue, ct_rego_value_ref(edges->u.coll.items[i])));
	}
	*out = seen;
	seen = NULL;
out:
	ct_rego_value_unref(seen);
	ct_rego_value_unref(queue);
	return res;
}

/* graph.reachable_paths: every path from an initial node until a leaf or
 * a node already on the path. Depth is bounded by the graph size. */
static ct_result paths_rec(struct ct_rego_bctx *ctx,
			   const struct ct_rego_value *graph,
			   struct ct_rego_value *node, struct ct_rego_value *path,
			   struct ct_rego_value *res)
{
	struct ct_rego_value *edges = ct_rego_object_get(graph, node), *np;
	ct_result r = CT_OK;
	size_t i;

	CT_GUARD(ct_rego_bcharge(ctx, 32 + path->u.coll.len * 8));
	if (edges == NULL) {
		if (path->u.coll.len > 0)
			return ct_rego_set_add(res, ct_rego_value_ref(path));
		return CT_OK;
	}
	np = ct_rego_array_new(path->u.coll.len + 1);
	if (np == NULL)
		return NOMEM;
	for (i = 0; i < path->u.coll.len; i++)
		np->u.coll.items[i] = ct_rego_value_ref(path->u.coll.items[i]);
	np->u.coll.len = path->u.coll.len;
	r = ct_rego_array_append(np, ct_rego_value_ref(node));
	if (ct_ok(r) && ((edges->kind != CT_REGO_ARRAY && edges->kind != CT_REGO_SET) ||
			 edges->u.coll.len == 0))
		r = ct_rego_set_add(res, ct_rego_value_ref(np));
	else
		for (i = 0; ct_ok(r) && i < edges->u.coll.len; i++) {
			struct ct_rego_value *e = edges->u.coll.items[i];
			bool on_path = false;
			size_t k;

			for (k = 0; k < np->u.coll.len && !on_path; k++)
				on_path = ct_rego_value_equal(np->u.coll.items[k], e);
			if (on_path)
				r = ct_rego_set_add(res, ct_rego_value_ref(np));
			else
				r = paths_rec(ctx, graph, e, np, res);
		}
	ct_rego_value_unref(np);
	return r;
}

static ct_result bi_reachable_paths(ARGS)
{
	struct ct_rego_value *res, *path;
	ct_result r = CT_OK;
	size_t i;

	CT_GUARD(bi_arg(ctx, "graph.reachable_paths", args, 0, K_OBJ, "object"));
	CT_GUARD(bi_arg(ctx, "graph.reachable_paths", args, 1, K_ARR | K_SET,
			"one of {array, set}"));
	res = ct_rego_set_new(0);
	path = ct_rego_array_new(0);
	if (res == NULL || path == NULL) {
		ct_rego_value_unref(res);
		ct_rego_value_unref(path);
		return NOMEM;
	}
	for (i = 0; ct_ok(r) && i < args[1]->u.coll.len; i++)
		r = paths_rec(ctx, args[0], args[1]->u.coll.items[i], path, res);
	ct_rego_value_unref(path);
	if (!ct_ok(r)) {
		ct_rego_value_unref(res);
		return ct_rego_bwrap(ctx, "graph.reachable_paths", r);
	}
	*out = res;
	return CT_OK;
}

CT_BUILTIN(bi_array_concat, "array.concat", 2);
CT_BUILTIN(bi_array_slice, "array.slice", 3);
CT_BUILTIN(bi_array_reverse, "array.reverse", 1);
CT_BUILTIN(bi_array_flatten, "array.flatten", 1);
CT_BUILTIN(bi_object_union, "object.union", 2);
CT_BUILTIN(bi_object_union_n, "object.union_n", 1);
CT_BUILTIN(bi_object_get, "object.get", 3);
CT_BUILTIN(bi_object_keys, "object.keys", 1);
CT_BUILTIN(bi_object_remove, "object.remove", 2);
CT_BUILTIN(bi_object_filter, "object.filter", 2);
CT_BUILTIN(bi_object_subset, "object.subset", 2);
CT_BUILTIN(bi_intersection, "intersection", 1);
CT_BUILTIN(bi_union, "union", 1);
CT_BUILTIN(bi_reachable, "graph.reachable", 2);
CT_BUILTIN(bi_reachable_paths, "graph.reachable_paths", 2);
static const struct ct_rego_builtin b_bi_walk = {
	.name = "walk", .arity = 1, .fn = bi_walk, .relation = true
};

const struct ct_rego_builtin *const ct_rego_builtins_collections[] = {
	&b_bi_array_concat, &b_bi_array_slice, &b_bi_array_reverse,
	&b_bi_array_flatten, &b_bi_object_union, &b_bi_object_union_n,
	&b_bi_object_get, &b_bi_object_keys, &b_bi_object_remove,
	&b_bi_object_filter, &b_bi_object_subset, &b_bi_intersection,
	&b_bi_union, &b_bi_reachable, &b_bi_reachable_paths, &b_bi_walk,
	NULL,
};
