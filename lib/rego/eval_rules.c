/*
 * eval_rules.c - the data document: references below `data` walk the
 * package tree and the base documents together; rules produce their
 * values (complete with conflict checks and defaults, multi-value sets,
 * object/ref-head rules, else chains), cached once per evaluation while no
 * `with` is active; user functions are called with pattern-matched
 * arguments.
 *
 * Trust boundary: as eval.c. Rule and function nesting is bounded by
 * max_call_depth; a rule that needs its own value at run time (through a
 * dynamic reference the compiler could not see) is an error, not a loop.
 */
#include "rego/eval_impl.h"

#include <stdlib.h>
#include <string.h>

#define RG_MAX_PATH 64

/* ------------------------------------------------------- overrides */

struct ct_rego_value *rg_data_override(struct rg_ctx *c, const char **path,
				       size_t depth, bool *below)
{
	*below = false;
	for (struct rg_wframe *w = c->wtop; w; w = w->up)
		for (size_t i = w->nov; i-- > 0;) {
			struct rg_override *o = &w->ov[i];
			if (o->w->root != RG_SLOT_DATA || !o->val)
				continue;
			size_t n = o->w->npath;
			size_t m = n < depth ? n : depth;
			bool pre = true;
			for (size_t j = 0; j < m && pre; j++)
				pre = strcmp(o->w->path[j], path[j]) == 0;
			if (!pre)
				continue;
			if (n == depth)
				return o->val;
			if (n > depth)
				*below = true;
			else
				return NULL; /* handled by the walk above us */
		}
	return NULL;
}

static struct ct_rego_value *copy_obj(struct ct_rego_value *o)
{
	size_t n = o && ct_rego_value_kind(o) == CT_REGO_OBJECT ? ct_rego_value_length(o) : 0;
	struct ct_rego_value *r = ct_rego_object_new(n);
	for (size_t i = 0; r && i < n; i++)
		if (!ct_ok(ct_rego_object_insert(r,
				ct_rego_value_ref(ct_rego_object_key_at(o, i)),
				ct_rego_value_ref(ct_rego_object_value_at(o, i))))) {
			ct_rego_value_unref(r);
			return NULL;
		}
	return r;
}

struct ct_rego_value *rg_set_path(struct ct_rego_value *base,
				  const char *const *path, size_t n,
				  struct ct_rego_value *v)
{
	if (n == 0)
		return ct_rego_value_ref(v);
	struct ct_rego_value *o = copy_obj(base);
	if (!o)
		return NULL;
	struct ct_rego_value *key = ct_rego_value_cstring(path[0]);
	struct ct_rego_value *child = base && ct_rego_value_kind(base) == CT_REGO_OBJECT
		? ct_rego_object_get(base, key) : NULL;
	struct ct_rego_value *nc = key ? rg_set_path(child, path + 1, n - 1, v) : NULL;
	if (!nc || !ct_ok(ct_rego_object_insert(o, key, nc))) {
		ct_rego_value_unref(o);
		return NULL;
	}
	return o;
}

int rg_apply_overrides(struct rg_ctx *c, const char **path, size_t depth,
		       struct ct_rego_value **v)
{
	/* oldest first so that inner `with` wins */
	struct rg_wframe *stack[64];
	size_t ns = 0;
	for (struct rg_wframe *w = c->wtop; w && ns < 64; w = w->up)
		stack[ns++] = w;
	while (ns--) {
		struct rg_wframe *w = stack[ns];
		for (size_t i = 0; i < w->nov; i++) {
			struct rg_override *o = &w->ov[i];
			if (o->w->root != RG_SLOT_DATA || !o->val ||
			    o->w->npath <= depth)
				continue;
			bool pre = true;
			for (size_t j = 0; j < depth && pre; j++)
				pre = strcmp(o->w->path[j], path[j]) == 0;
			if (!pre)
				continue;
			struct ct_rego_value *nv = rg_set_path(*v, o->w->path + depth,
							       o->w->npath - depth, o->val);
			if (!nv)
				return rg_fail(c, o->w->target->loc, CT_ERR_NOMEM, NULL,
					       "rego: out of memory");
			ct_rego_value_unref(*v);
			*v = nv;
		}
	}
	return EV_OK;
}

/* ------------------------------------------------------- rule frames */

struct frame_save {
	struct ct_rego_value **frame;
};

static int push_frame(struct rg_ctx *c, int nslots, struct rg_loc loc,
		      struct frame_save *fs)
{
	if (++c->depth > c->lim.max_call_depth) {
		c->depth--;
		return rg_fail(c, loc, CT_ERR_LIMIT, NULL,
			       "rego: call depth limit exceeded (%u)",
			       c->lim.max_call_depth);
	}
	fs->frame = c->frame;
	c->frame = ct_calloc(nslots > 0 ? (size_t)nslots : 1, sizeof(*c->frame));
	if (!c->frame) {
		c->frame = fs->frame;
		c->depth--;
		return rg_fail(c, loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
	}
	return rg_charge(c, (size_t)(nslots + 1) * sizeof(void *));
}

static void pop_frame(struct rg_ctx *c, struct frame_save *fs)
{
	free(c->frame);
	c->frame = fs->frame;
	c->depth--;
}

/* --------------------------------------------------------- rules */

struct rule_st {
	struct rg_rule *r;
	struct rg_node *n;
	struct ct_rego_value *acc;   /* result (complete/func) or collection */
	bool found;
	const char *conflict;
	struct ct_rego_value **keys; /* object rules: suffix values */
	/* values that object rules placed at their leaves: other rules may
	 * not merge into them */
	const struct ct_rego_value **leaves;
	size_t nleaves, capleaves;
	struct rg_term **args;       /* function: arg terms */
	struct ct_rego_value *const *argv;
	size_t nargs, ai, di;
};

static int insert_path(struct rg_ctx *c, struct rule_st *st,
		       struct ct_rego_value *obj, struct ct_rego_value **keys,
		       size_t n, struct ct_rego_value *v)
{
	struct ct_rego_value *old = ct_rego_object_get(obj, keys[0]);
	if (n == 1 && st->r->set_leaf) {
		if (old && ct_rego_value_kind(old) != CT_REGO_SET)
			return rg_fail(c, st->r->loc, CT_ERR_POLICY, "eval_conflict_error",
				       "object keys must be unique");
		if (!old) {
			old = ct_rego_set_new(0);
			if (!old || !ct_ok(ct_rego_object_insert(obj, ct_rego_value_ref(keys[0]), old)))
				return rg_fail(c, st->r->loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
		}
		if (!ct_ok(ct_rego_set_add(old, ct_rego_value_ref(v))))
			return rg_fail(c, st->r->loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
		return EV_OK;
	}
	if (n == 1) {
		if (old) {
			if (ct_rego_value_equal(old, v))
				return EV_OK;
			return rg_fail(c, st->r->loc, CT_ERR_POLICY, "eval_conflict_error",
				       "object keys must be unique");
		}
		if (st->nleaves == st->capleaves) {
			size_t nc = st->capleaves ? st->capleaves * 2 : 8;
			const struct ct_rego_value **nl =
				ct_realloc(st->leaves, nc * sizeof(*nl));
			if (!nl)
				return rg_fail(c, st->r->loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
			st->leaves = nl;
			st->capleaves = nc;
		}
		st->leaves[st->nleaves++] = v;
		if (!ct_ok(ct_rego_object_insert(obj, ct_rego_value_ref(keys[0]),
						 ct_rego_value_ref(v))))
			return rg_fail(c, st->r->loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
		return EV_OK;
	}
	if (old && ct_rego_value_kind(old) != CT_REGO_OBJECT)
		return rg_fail(c, st->r->loc, CT_ERR_POLICY, "eval_conflict_error",
			       "object keys must be unique");
	if (!old) {
		old = ct_rego_object_new(0);
		if (!old || !ct_ok(ct_rego_object_insert(obj, ct_rego_value_ref(keys[0]), old)))
			return rg_fail(c, st->r->loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
	}
	return insert_path(c, st, old, keys + 1, n - 1, v);
}

static int value_k(struct rg_ctx *c, struct ct_rego_value *v, void *arg)
{
	struct rule_st *st = arg;
	if (rg_charge(c, 32))
		return EV_ERR;
	switch (st->r->kind) {
	case RK_SET:
		if (!ct_ok(ct_rego_set_add(st->acc, ct_rego_value_ref(v))))
			return rg_fail(c, st->r->loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
		st->found = true;
		return EV_OK;
	case RK_OBJECT:
		st->found = true;
		return insert_path(c, st, st->acc, st->keys, st->r->nsuffix, v);
	default:
		if (st->acc) {
			if (ct_rego_value_equal(st->acc, v))
				return EV_OK;
			return rg_fail(c, st->r->loc, CT_ERR_POLICY, "eval_conflict_error",
				       "%s", st->conflict);
		}
		st->acc = ct_rego_value_ref(v);
		st->found = true;
		return EV_OK;
	}
}

static int suffix_done(struct rg_ctx *c, struct ct_rego_value **vals, void *arg)
{
	struct rule_st *st = arg;
	st->keys = vals;
	if (st->r->set_leaf)
		return rg_eval_term(c, st->r->key, value_k, st);
	if (!st->r->value)
		return value_k(c, ct_rego_value_bool(true), st);
	return rg_eval_term(c, st->r->value, value_k, st);
}

static int body_value(struct rg_ctx *c, void *arg)
{
	struct rule_st *st = arg;
	struct rg_rule *r = st->r;
	if (r->kind == RK_SET)
		return rg_eval_term(c, r->key, value_k, st);
	if (r->kind == RK_OBJECT)
		return rg_eval_list(c, r->suffix, r->nsuffix, suffix_done, st);
	if (!r->value)
		return value_k(c, ct_rego_value_bool(true), st);
	return rg_eval_term(c, r->value, value_k, st);
}

/* A function parameter that is a computed term (a call such as a template
 * string) is not a pattern: it is compared after the body ran. */
static bool deferred_arg(const struct rg_term *t)
{
	return t->kind == RT_CALL;
}

static int deferred_step(struct rg_ctx *c, void *arg)
{
	struct rule_st *st = arg;
	while (st->di < st->nargs && !deferred_arg(st->args[st->di]))
		st->di++;
	if (st->di == st->nargs)
		return body_value(c, st);
	size_t i = st->di++;
	int r = rg_unify_tv(c, st->args[i], st->argv[i], deferred_step, st);
	st->di = i;
	return r;
}

static int body_done(struct rg_ctx *c, void *arg)
{
	struct rule_st *st = arg;
	if (st->r->kind == RK_FUNC && st->args) {
		size_t saved = st->di;
		st->di = 0;
		int r = deferred_step(c, st);
		st->di = saved;
		return r;
	}
	return body_value(c, st);
}

static int args_step(struct rg_ctx *c, void *arg)
{
	struct rule_st *st = arg;
	if (st->ai == st->nargs)
		return rg_eval_body(c, st->r->body, 0, body_done, st);
	size_t i = st->ai++;
	int r = deferred_arg(st->args[i])
		? args_step(c, st)
		: rg_unify_tv(c, st->args[i], st->argv[i], args_step, st);
	st->ai = i;
	return r;
}

/* Runs one definition with its else chain. */
static int run_rule(struct rg_ctx *c, struct rule_st *st, struct rg_rule *r)
{
	struct frame_save fs;
	if (push_frame(c, r->nslots, r->loc, &fs))
		return EV_ERR;
	int res = EV_OK;
	for (struct rg_rule *e = r; e; e = e->els) {
		st->r = e;
		bool before = st->found;
		st->found = false;
		if (r->kind == RK_FUNC) {
			st->args = r->args;
			st->ai = 0;
			res = args_step(c, st);
		} else {
			res = rg_eval_body(c, e->body, 0, body_done, st);
		}
		bool got = st->found;
		st->found = before || got;
		if (res == EV_ERR || got)
			break;
	}
	pop_frame(c, &fs);
	return res == EV_ERR ? EV_ERR : EV_OK;
}

static int default_value(struct rg_ctx *c, struct rg_node *n,
			 struct ct_rego_value **out)
{
	struct rule_st st = { .r = n->dflt, .n = n,
			      .conflict = "complete rules must not produce multiple outputs" };
	struct frame_save fs;
	if (push_frame(c, n->dflt->nslots, n->dflt->loc, &fs))
		return EV_ERR;
	int r = rg_eval_term(c, n->dflt->value, value_k, &st);
	pop_frame(c, &fs);
	if (r == EV_ERR) {
		ct_rego_value_unref(st.acc);
		return EV_ERR;
	}
	*out = st.acc;
	return EV_OK;
}

/* Merges two documents defined at one path by different rules: objects
 * key by key, sets by union, equal values; anything else conflicts.
 * *out is a new value (inputs may be shared and are not changed). */
static int merge_docs(struct rg_ctx *c, const struct rule_st *st,
		      struct ct_rego_value *a, struct ct_rego_value *b,
		      struct ct_rego_value **out)
{
	if (!a || ct_rego_value_equal(a, b)) {
		*out = ct_rego_value_ref(b);
		return EV_OK;
	}
	for (size_t i = 0; i < st->nleaves; i++)
		if (st->leaves[i] == a)
			return rg_fail(c, (struct rg_loc){ 0 }, CT_ERR_POLICY,
				       "eval_conflict_error", "object keys must be unique");
	enum ct_rego_kind ka = ct_rego_value_kind(a), kb = ct_rego_value_kind(b);
	struct ct_rego_value *r = NULL;
	bool ok = true;
	if (ka == CT_REGO_SET && kb == CT_REGO_SET) {
		r = ct_rego_set_new(0);
		for (size_t i = 0; r && ok && i < ct_rego_value_length(a); i++)
			ok = ct_ok(ct_rego_set_add(r, ct_rego_value_ref(ct_rego_value_index(a, i))));
		for (size_t i = 0; r && ok && i < ct_rego_value_length(b); i++)
			ok = ct_ok(ct_rego_set_add(r, ct_rego_value_ref(ct_rego_value_index(b, i))));
	} else if (ka == CT_REGO_OBJECT && kb == CT_REGO_OBJECT) {
		r = ct_rego_object_new(0);
		for (size_t i = 0; r && ok && i < ct_rego_value_length(a); i++)
			ok = ct_ok(ct_rego_object_insert(r, ct_rego_value_ref(ct_rego_object_key_at(a, i)),
							 ct_rego_value_ref(ct_rego_object_value_at(a, i))));
		for (size_t i = 0; r && ok && i < ct_rego_value_length(b); i++) {
			struct ct_rego_value *key = ct_rego_object_key_at(b, i), *m;
			if (merge_docs(c, st, ct_rego_object_get(a, key), ct_rego_object_value_at(b, i), &m)) {
				ct_rego_value_unref(r);
				return EV_ERR;
			}
			ok = ct_ok(ct_rego_object_insert(r, ct_rego_value_ref(key), m));
		}
	} else {
		return rg_fail(c, (struct rg_loc){ 0 }, CT_ERR_POLICY, "eval_conflict_error",
			       "object keys must be unique");
	}
	if (!r || !ok) {
		ct_rego_value_unref(r);
		return rg_fail(c, (struct rg_loc){ 0 }, CT_ERR_NOMEM, NULL, "rego: out of memory");
	}
	*out = r;
	return EV_OK;
}

static int compute_node(struct rg_ctx *c, struct rg_node *n,
			struct ct_rego_value **out)
{
	struct rule_st st = { .n = n,
			      .conflict = "complete rules must not produce multiple outputs" };
	if (n->kind == RK_SET)
		st.acc = ct_rego_set_new(0);
	else if (n->kind == RK_OBJECT)
		st.acc = ct_rego_object_new(0);
	if ((n->kind == RK_SET || n->kind == RK_OBJECT) && !st.acc)
		return rg_fail(c, (struct rg_loc){ 0 }, CT_ERR_NOMEM, NULL, "rego: out of memory");
	for (size_t i = 0; i < n->nrules; i++) {
		struct rg_rule *r = n->rules[i];
		if (n->kind == RK_OBJECT && r->kind == RK_COMPLETE) {
			/* `p.q := v` next to `p[x] := ...`: a complete rule at
			 * this node gives the whole object */
			st.r = r;
		}
		if (run_rule(c, &st, r)) {
			ct_rego_value_unref(st.acc);
			free(st.leaves);
			return EV_ERR;
		}
	}
	if (n->kind == RK_OBJECT) {
		/* children defined by other rules (p.a := 1 next to p[x] := ...) */
		for (size_t i = 0; i < n->nkids; i++) {
			struct ct_rego_value *kv = NULL;
			struct rg_node *k = n->kids[i];
			if (k->kind == RK_FUNC && k->fn_arity != 0)
				continue;
			if (rg_doc_at(c, k, NULL, NULL, 0, (struct rg_loc){ 0 }, &kv)) {
				ct_rego_value_unref(st.acc);
				free(st.leaves);
				return EV_ERR;
			}
			if (!kv)
				continue;
			struct ct_rego_value *old = ct_rego_object_get(st.acc, k->key), *m = NULL;
			int mr = merge_docs(c, &st, old, kv, &m);
			ct_rego_value_unref(kv);
			if (mr == EV_OK && !ct_ok(ct_rego_object_insert(st.acc, ct_rego_value_ref(k->key), m)))
				mr = rg_fail(c, (struct rg_loc){ 0 }, CT_ERR_NOMEM, NULL, "rego: out of memory");
			if (mr != EV_OK) {
				ct_rego_value_unref(st.acc);
				free(st.leaves);
				return EV_ERR;
			}
		}
	}
	free(st.leaves);
	if (n->kind == RK_COMPLETE && !st.acc && n->dflt)
		return default_value(c, n, out);
	*out = st.acc;
	return EV_OK;
}

int rg_node_value(struct rg_ctx *c, struct rg_node *n, struct rg_loc loc,
		  struct ct_rego_value **out)
{
	*out = NULL;
	bool cache = c->wtop == NULL;
	if (cache && c->cstate[n->idx] == 2) {
		*out = ct_rego_value_ref(c->cache[n->idx]);
		return EV_OK;
	}
	if (c->cstate[n->idx] == 1 && cache)
		return rg_fail(c, loc, CT_ERR_POLICY, "rego_recursion_error",
			       "rule %s is recursive", n->dotted);
	uint8_t prev = c->cstate[n->idx];
	if (cache)
		c->cstate[n->idx] = 1;
	if (rg_step(c))
		return EV_ERR;
	int r = compute_node(c, n, out);
	if (r == EV_ERR) {
		c->cstate[n->idx] = prev;
		return EV_ERR;
	}
	if (cache) {
		c->cstate[n->idx] = 2;
		c->cache[n->idx] = ct_rego_value_ref(*out);
	}
	return EV_OK;
}

int rg_call_fn(struct rg_ctx *c, struct rg_node *fn, struct rg_loc loc,
	       struct ct_rego_value *const *args, size_t nargs,
	       struct ct_rego_value **out)
{
	(void)loc;
	struct rule_st st = { .n = fn, .argv = args, .nargs = nargs,
			      .conflict = "functions must not produce multiple outputs for same inputs" };
	*out = NULL;
	for (size_t i = 0; i < fn->nrules; i++)
		if (run_rule(c, &st, fn->rules[i])) {
			ct_rego_value_unref(st.acc);
			return EV_ERR;
		}
	if (!st.acc && fn->dflt) {
		struct rg_rule *d = fn->dflt;
		struct frame_save fs;
		if (push_frame(c, d->nslots, d->loc, &fs))
			return EV_ERR;
		st.r = d;
		st.args = d->args;
		st.ai = 0;
		int r = rg_eval_term(c, d->value, value_k, &st);
		pop_frame(c, &fs);
		if (r == EV_ERR) {
			ct_rego_value_unref(st.acc);
			return EV_ERR;
		}
	}
	*out = st.acc;
	return EV_OK;
}

/* ---------------------------------------------------------- documents */

/* Base document `b` over virtual document `v` (new value; NULL on OOM). */
static struct ct_rego_value *merge_base(struct ct_rego_value *b,
					struct ct_rego_value *v)
{
	if (ct_rego_value_kind(b) != CT_REGO_OBJECT ||
	    ct_rego_value_kind(v) != CT_REGO_OBJECT)
		return ct_rego_value_ref(b);
	struct ct_rego_value *o = copy_obj(v);
	for (size_t i = 0; o && i < ct_rego_value_length(b); i++) {
		struct ct_rego_value *k = ct_rego_object_key_at(b, i);
		struct ct_rego_value *old = ct_rego_object_get(v, k);
		struct ct_rego_value *m = old ? merge_base(ct_rego_object_value_at(b, i), old)
					      : ct_rego_value_ref(ct_rego_object_value_at(b, i));
		if (!m || !ct_ok(ct_rego_object_insert(o, ct_rego_value_ref(k), m))) {
			ct_rego_value_unref(o);
			return NULL;
		}
	}
	return o;
}

int rg_doc_at(struct rg_ctx *c, struct rg_node *n, struct ct_rego_value *base,
	      const char **path, size_t depth, struct rg_loc loc,
	      struct ct_rego_value **out)
{
	*out = NULL;
	/* A function is not part of the document, except one of arity 0,
	 * whose value is (as in OPA: `f() = 1` makes data.pkg.f = 1). */
	if (n && n->kind == RK_FUNC)
		return n->fn_arity == 0 ? rg_call_fn(c, n, loc, NULL, 0, out) : EV_OK;
	if (n && n->kind) {
		if (rg_node_value(c, n, loc, out))
			return EV_ERR;
	} else if (!n) {
		*out = ct_rego_value_ref(base);
	} else {
		struct ct_rego_value *o = copy_obj(base);
		if (!o)
			return rg_fail(c, loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
		if (rg_charge(c, 32 * (n->nkids + 1))) {
			ct_rego_value_unref(o);
			return EV_ERR;
		}
		for (size_t i = 0; i < n->nkids; i++) {
			struct rg_node *k = n->kids[i];
			struct ct_rego_value *kb = base && ct_rego_value_kind(base) == CT_REGO_OBJECT
				? ct_rego_object_get(base, k->key) : NULL, *kv;
			if (k->kind == RK_FUNC && k->fn_arity != 0)
				continue;
			if (path && depth < RG_MAX_PATH)
				path[depth] = k->name;
			if (rg_doc_at(c, k, kb, path, depth + 1, loc, &kv)) {
				ct_rego_value_unref(o);
				return EV_ERR;
			}
			if (!kv)
				continue;
			if (kb && k->kind) {
				/* a rule and a base document at one path: the base
				 * document wins, objects merge (as OPA does) */
				struct ct_rego_value *m = merge_base(kb, kv);
				ct_rego_value_unref(kv);
				kv = m;
				if (!kv) {
					ct_rego_value_unref(o);
					return rg_fail(c, loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
				}
			}
			if (!ct_ok(ct_rego_object_insert(o, ct_rego_value_ref(k->key), kv))) {
				ct_rego_value_unref(o);
				return rg_fail(c, loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
			}
		}
		*out = o;
	}
	if (c->wtop && path && depth < RG_MAX_PATH)
		return rg_apply_overrides(c, path, depth, out);
	return EV_OK;
}

struct dref_st {
	struct rg_term *t;
	struct rg_node *n;
	struct ct_rego_value *base;
	const char **path;
	size_t depth, seg;
	rg_k k;
	void *arg;
};

static int data_walk(struct rg_ctx *c, struct dref_st *st);

static int data_key_k(struct rg_ctx *c, struct ct_rego_value *key, void *arg)
{
	struct dref_st *st = arg;
	struct dref_st nx = *st;
	if (ct_rego_value_kind(key) == CT_REGO_NUMBER && ct_rego_number_is_int(key)) {
		/* data keys are strings: data[2] means data["2"] */
		struct ct_buf b;
		ct_buf_init(&b, CT_REGO_NUMBER_TEXT_MAX + 1);
		struct ct_rego_value *sk = NULL;
		if (ct_ok(ct_rego_number_format(key, &b)))
			sk = ct_rego_value_string_new((const char *)b.data, b.len);
		ct_buf_dispose(&b);
		if (!sk)
			return rg_fail(c, st->t->loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
		int r = data_key_k(c, sk, arg);
		ct_rego_value_unref(sk);
		return r;
	}
	nx.seg = st->seg + 1;
	nx.depth = st->depth + 1;
	nx.base = st->base && ct_rego_value_kind(st->base) == CT_REGO_OBJECT
		? ct_rego_object_get(st->base, key) : NULL;
	nx.n = NULL;
	if (ct_rego_value_kind(key) == CT_REGO_STRING) {
		if (st->n)
			nx.n = rg_node_child(st->n, ct_rego_value_str(key),
					     ct_rego_value_str_len(key));
		if (st->depth < RG_MAX_PATH)
			st->path[st->depth] = ct_rego_value_str(key);
	} else if (st->depth < RG_MAX_PATH) {
		st->path[st->depth] = "";
	}
	if (!nx.n && !nx.base && !c->wtop)
		return EV_OK;
	return data_walk(c, &nx);
}

static int data_walk(struct rg_ctx *c, struct dref_st *st)
{
	struct rg_term *t = st->t;
	size_t nseg = t->kind == RT_REF ? t->n : 1;
	struct rg_term **segs = t->kind == RT_REF ? t->items : NULL;
	bool below = false;
	if (c->wtop && st->depth < RG_MAX_PATH) {
		struct ct_rego_value *ov = rg_data_override(c, st->path, st->depth, &below);
		if (ov)
			return rg_walk_value(c, ov, segs ? segs + st->seg : NULL,
					     nseg - st->seg, st->k, st->arg);
	}
	bool rules_here = st->n && st->n->kind;
	bool base_obj = st->base && ct_rego_value_kind(st->base) == CT_REGO_OBJECT;
	if (st->seg == nseg || rules_here || (!st->n && !base_obj && !below)) {
		if (!st->n && !st->base && !below)
			return EV_OK;
		struct ct_rego_value *doc;
		if (rg_doc_at(c, st->n, st->base, st->path, st->depth, t->loc, &doc))
			return EV_ERR;
		if (!doc)
			return EV_OK;
		int r = rg_walk_value(c, doc, segs ? segs + st->seg : NULL,
				      nseg - st->seg, st->k, st->arg);
		ct_rego_value_unref(doc);
		return r;
	}
	struct rg_term *s = segs[st->seg];
	if (s->ground)
		return data_key_k(c, s->val, st);
	if (!rg_has_unbound(c, s))
		return rg_eval_term(c, s, data_key_k, st);
	/* iteration over a package: materialise this level */
	struct ct_rego_value *doc;
	if (rg_doc_at(c, st->n, st->base, st->path, st->depth, t->loc, &doc))
		return EV_ERR;
	if (!doc)
		return EV_OK;
	int r = rg_walk_value(c, doc, segs + st->seg, nseg - st->seg, st->k, st->arg);
	ct_rego_value_unref(doc);
	return r;
}

int rg_eval_data_ref(struct rg_ctx *c, struct rg_term *ref, rg_k k, void *arg)
{
	const char *path[RG_MAX_PATH + 1];
	struct dref_st st = { ref, c->p->root, c->data, path, 0, 1, k, arg };
	return data_walk(c, &st);
}
