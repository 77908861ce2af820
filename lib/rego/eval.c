/*
 * eval.c - the top-down evaluator: terms, unification and bodies, written
 * in continuation-passing style. Every producer enumerates its solutions
 * by calling a continuation; bindings go on a trail and are undone when the
 * continuation returns, so backtracking is a plain C return. Continuations
 * return EV_OK (keep going), EV_STOP (a caller found what it needed) or
 * EV_ERR (c->res holds the error).
 *
 * Trust boundary: evaluates untrusted policies over untrusted input. Each
 * literal and call is a step (max_steps, wall time checked every 1024
 * steps), collections built here are charged to max_memory, and call depth
 * is bounded (eval_rules.c). Limits fail with CT_ERR_LIMIT.
 */
#include "rego/eval_impl.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int rg_fail(struct rg_ctx *c, struct rg_loc loc, enum ct_err cat,
	    const char *code, const char *fmt, ...)
{
	if (c->failed)
		return EV_ERR;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (code)
		c->res = CT_FAIL(cat, "%s:%u: %s: %s", loc.file ? loc.file : "query",
				 loc.line, code, msg);
	else
		c->res = CT_FAIL(cat, "%s", msg);
	c->failed = true;
	return EV_ERR;
}

uint64_t rg_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int rg_step(struct rg_ctx *c)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	if (c->stack_base > here && c->stack_base - here > c->lim.max_stack)
		return rg_fail(c, (struct rg_loc){ 0 }, CT_ERR_LIMIT, NULL,
			       "rego: evaluation exceeded the stack limit (%zu bytes): body or call chain too deep",
			       c->lim.max_stack);
	if (++c->steps > c->lim.max_steps)
		return rg_fail(c, (struct rg_loc){ 0 }, CT_ERR_LIMIT, NULL,
			       "rego: evaluation exceeded the step limit (%llu)",
			       (unsigned long long)c->lim.max_steps);
	if ((c->steps & 1023) == 0 && rg_now_ms() > c->deadline_ms)
		return rg_fail(c, (struct rg_loc){ 0 }, CT_ERR_LIMIT, NULL,
			       "rego: evaluation exceeded the time limit (%llu ms)",
			       (unsigned long long)c->lim.max_wall_ms);
	return EV_OK;
}

int rg_charge(struct rg_ctx *c, size_t bytes)
{
	c->mem += bytes;
	if (c->mem > c->lim.max_memory)
		return rg_fail(c, (struct rg_loc){ 0 }, CT_ERR_LIMIT, NULL,
			       "rego: evaluation exceeded the memory limit (%zu bytes)",
			       c->lim.max_memory);
	return EV_OK;
}

int rg_bind(struct rg_ctx *c, int slot, struct ct_rego_value *v)
{
	if (c->ntrail == c->captrail) {
		size_t nc = c->captrail ? c->captrail * 2 : 64;
		struct ct_rego_value ***nt = ct_realloc(c->trail, nc * sizeof(*nt));
		if (!nt)
			return rg_fail(c, (struct rg_loc){ 0 }, CT_ERR_NOMEM, NULL,
				       "rego: out of memory");
		c->trail = nt;
		c->captrail = nc;
	}
	c->frame[slot] = ct_rego_value_ref(v);
	c->trail[c->ntrail++] = &c->frame[slot];
	return EV_OK;
}

void rg_undo(struct rg_ctx *c, size_t mark)
{
	while (c->ntrail > mark) {
		struct ct_rego_value **p = c->trail[--c->ntrail];
		ct_rego_value_unref(*p);
		*p = NULL;
	}
}

/* ------------------------------------------------------------ lists */

struct list_st {
	struct rg_term **terms;
	size_t n, i;
	struct ct_rego_value **vals;
	rg_klist done;
	void *arg;
	const uint8_t *order; /* evaluation order (NULL: as written) */
};

static int list_step(struct rg_ctx *c, struct list_st *st);

static int list_k(struct rg_ctx *c, struct ct_rego_value *v, void *arg)
{
	struct list_st *st = arg;
	size_t i = st->i;
	st->vals[st->order ? st->order[i] : i] = v;
	st->i = i + 1;
	int r = list_step(c, st);
	st->i = i;
	return r;
}

static int list_step(struct rg_ctx *c, struct list_st *st)
{
	if (st->i == st->n)
		return st->done(c, st->vals, st->arg);
	size_t j = st->order ? st->order[st->i] : st->i;
	return rg_eval_term(c, st->terms[j], list_k, st);
}

int rg_eval_list(struct rg_ctx *c, struct rg_term **terms, size_t n,
		 rg_klist done, void *arg)
{
	struct ct_rego_value *small[8];
	struct ct_rego_value **vals = small;
	if (n > 8) {
		vals = ct_calloc(n, sizeof(*vals));
		if (!vals)
			return rg_fail(c, (struct rg_loc){ 0 }, CT_ERR_NOMEM, NULL,
				       "rego: out of memory");
	}
	struct list_st st = { terms, n, 0, vals, done, arg, NULL };
	/* plain variables last: `x == xs[x]` binds x through the reference
	 * before reading it */
	uint8_t order[8];
	bool vars_first = false;
	for (size_t i = 0; i + 1 < n && n <= 8; i++)
		if (terms[i]->kind == RT_VAR && terms[i]->slot >= 0 &&
		    !c->frame[terms[i]->slot])
			vars_first = true;
	if (vars_first) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (!(terms[i]->kind == RT_VAR && terms[i]->slot >= 0))
				order[k++] = (uint8_t)i;
		for (size_t i = 0; i < n; i++)
			if (terms[i]->kind == RT_VAR && terms[i]->slot >= 0)
				order[k++] = (uint8_t)i;
		st.order = order;
	}
	int r = list_step(c, &st);
	if (vals != small)
		free(vals);
	return r;
}

/* ------------------------------------------------------- collections */

struct coll_st {
	struct rg_term *t;
	rg_k k;
	void *arg;
};

static int coll_done(struct rg_ctx *c, struct ct_rego_value **vals, void *arg)
{
	struct coll_st *st = arg;
	struct rg_term *t = st->t;
	struct ct_rego_value *v;
	ct_result r = CT_OK;
	if (rg_charge(c, 32 * (t->n + 1)))
		return EV_ERR;
	if (t->kind == RT_ARRAY) {
		v = ct_rego_array_new(t->n);
		for (size_t i = 0; v && i < t->n && ct_ok(r); i++)
			r = ct_rego_array_append(v, ct_rego_value_ref(vals[i]));
	} else if (t->kind == RT_SET) {
		v = ct_rego_set_new(t->n);
		for (size_t i = 0; v && i < t->n && ct_ok(r); i++)
			r = ct_rego_set_add(v, ct_rego_value_ref(vals[i]));
	} else {
		v = ct_rego_object_new(t->n / 2);
		for (size_t i = 0; v && i < t->n && ct_ok(r); i += 2) {
			/* a repeated key: the last one wins, as in OPA */
			r = ct_rego_object_insert(v, ct_rego_value_ref(vals[i]),
						  ct_rego_value_ref(vals[i + 1]));
		}
	}
	if (!v || !ct_ok(r)) {
		ct_rego_value_unref(v);
		return rg_fail(c, t->loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
	}
	int res = st->k(c, v, st->arg);
	ct_rego_value_unref(v);
	return res;
}

struct comp_st {
	struct rg_term *t;
	struct ct_rego_value *acc;
	struct ct_rego_value *key; /* object comprehension: current key */
};

static int comp_val_k(struct rg_ctx *c, struct ct_rego_value *v, void *arg)
{
	struct comp_st *st = arg;
	ct_result r;
	if (rg_charge(c, 48))
		return EV_ERR;
	if (st->t->kind == RT_ACOMP) {
		r = ct_rego_array_append(st->acc, ct_rego_value_ref(v));
	} else if (st->t->kind == RT_SCOMP) {
		r = ct_rego_set_add(st->acc, ct_rego_value_ref(v));
	} else {
		struct ct_rego_value *old = ct_rego_object_get(st->acc, st->key);
		if (old) {
			if (ct_rego_value_equal(old, v))
				return EV_OK;
			return rg_fail(c, st->t->loc, CT_ERR_POLICY,
				       "eval_conflict_error",
				       "object keys must be unique");
		}
		r = ct_rego_object_insert(st->acc, ct_rego_value_ref(st->key),
					  ct_rego_value_ref(v));
	}
	if (!ct_ok(r))
		return rg_fail(c, st->t->loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
	return EV_OK;
}

static int comp_key_k(struct rg_ctx *c, struct ct_rego_value *v, void *arg)
{
	struct comp_st *st = arg;
	st->key = v;
	return rg_eval_term(c, st->t->head, comp_val_k, st);
}

static int comp_body_k(struct rg_ctx *c, void *arg)
{
	struct comp_st *st = arg;
	if (st->t->kind == RT_OCOMP)
		return rg_eval_term(c, st->t->key, comp_key_k, st);
	return rg_eval_term(c, st->t->head, comp_val_k, st);
}

static int eval_comp(struct rg_ctx *c, struct rg_term *t, rg_k k, void *arg)
{
	struct comp_st st = { .t = t };
	st.acc = t->kind == RT_ACOMP ? ct_rego_array_new(0)
		 : t->kind == RT_SCOMP ? ct_rego_set_new(0)
				       : ct_rego_object_new(0);
	if (!st.acc)
		return rg_fail(c, t->loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
	int r = rg_eval_body(c, t->body, 0, comp_body_k, &st);
	if (r != EV_ERR)
		r = k(c, st.acc, arg);
	ct_rego_value_unref(st.acc);
	return r;
}

/* ------------------------------------------------------------- refs */

struct walk_st {
	struct rg_term **segs;
	size_t n;
	rg_k k;
	void *arg;
	struct ct_rego_value *cur;
	struct rg_term *seg;
};

static int walk_bound_k(struct rg_ctx *c, void *arg);

static int walk_key_k(struct rg_ctx *c, struct ct_rego_value *key, void *arg)
{
	struct walk_st *st = arg;
	struct ct_rego_value *v = st->cur, *next = NULL;
	switch (ct_rego_value_kind(v)) {
	case CT_REGO_OBJECT:
		next = ct_rego_object_get(v, key);
		break;
	case CT_REGO_SET:
		next = ct_rego_set_find(v, key);
		break;
	case CT_REGO_ARRAY: {
		int64_t i;
		if (ct_rego_value_kind(key) == CT_REGO_NUMBER &&
		    ct_rego_number_to_int64(key, &i) && i >= 0)
			next = ct_rego_value_index(v, (size_t)i);
		break;
	}
	default:
		break;
	}
	if (!next)
		return EV_OK;
	return rg_walk_value(c, next, st->segs + 1, st->n - 1, st->k, st->arg);
}

struct iter_st {
	struct walk_st *w;
	struct ct_rego_value *next;
};

static int iter_k(struct rg_ctx *c, void *arg)
{
	struct iter_st *it = arg;
	return rg_walk_value(c, it->next, it->w->segs + 1, it->w->n - 1,
			     it->w->k, it->w->arg);
}

int rg_walk_value(struct rg_ctx *c, struct ct_rego_value *v,
		  struct rg_term **segs, size_t nsegs, rg_k k, void *arg)
{
	if (nsegs == 0)
		return k(c, v, arg);
	struct rg_term *s = segs[0];
	struct walk_st st = { segs, nsegs, k, arg, v, s };
	if (s->ground)
		return walk_key_k(c, s->val, &st);
	if (!rg_has_unbound(c, s))
		return rg_eval_term(c, s, walk_key_k, &st);
	/* iterate */
	enum ct_rego_kind kind = ct_rego_value_kind(v);
	if (kind != CT_REGO_ARRAY && kind != CT_REGO_OBJECT && kind != CT_REGO_SET)
		return EV_OK;
	size_t n = ct_rego_value_length(v);
	for (size_t i = 0; i < n; i++) {
		struct ct_rego_value *key, *owned = NULL;
		struct iter_st it = { &st, NULL };
		if (kind == CT_REGO_ARRAY) {
			key = owned = ct_rego_value_int((int64_t)i);
			if (!key)
				return rg_fail(c, s->loc, CT_ERR_NOMEM, NULL,
					       "rego: out of memory");
			it.next = ct_rego_value_index(v, i);
		} else if (kind == CT_REGO_OBJECT) {
			key = ct_rego_object_key_at(v, i);
			it.next = ct_rego_object_value_at(v, i);
		} else {
			key = it.next = ct_rego_value_index(v, i);
		}
		int r = rg_unify_tv(c, s, key, iter_k, &it);
		ct_rego_value_unref(owned);
		if (r != EV_OK)
			return r;
	}
	return EV_OK;
}

static int walk_head_k(struct rg_ctx *c, struct ct_rego_value *v, void *arg)
{
	struct walk_st *st = arg;
	return rg_walk_value(c, v, st->segs, st->n, st->k, st->arg);
}

static int walk_bound_k(struct rg_ctx *c, void *arg)
{
	(void)c;
	(void)arg;
	return EV_OK;
}

static int eval_ref(struct rg_ctx *c, struct rg_term *t, rg_k k, void *arg)
{
	struct rg_term *h = t->items[0];
	if (h->kind == RT_VAR && h->slot == RG_SLOT_DATA)
		return rg_eval_data_ref(c, t, k, arg);
	struct walk_st st = { t->items + 1, t->n - 1, k, arg, NULL, NULL };
	if (h->kind == RT_VAR && h->slot == RG_SLOT_INPUT) {
		struct ct_rego_value *in = rg_input(c);
		return in ? rg_walk_value(c, in, st.segs, st.n, k, arg) : EV_OK;
	}
	(void)walk_bound_k;
	return rg_eval_term(c, h, walk_head_k, &st);
}

/* ------------------------------------------------------------ terms */

bool rg_has_unbound(struct rg_ctx *c, struct rg_term *t)
{
	if (t->ground)
		return false;
	switch (t->kind) {
	case RT_VAR:
		return t->slot >= 0 && !c->frame[t->slot];
	case RT_ARRAY:
		for (size_t i = 0; i < t->n; i++)
			if (rg_has_unbound(c, t->items[i]))
				return true;
		return false;
	case RT_OBJECT:
		for (size_t i = 1; i < t->n; i += 2)
			if (rg_has_unbound(c, t->items[i]))
				return true;
		return false;
	default:
		return false;
	}
}

int rg_eval_term(struct rg_ctx *c, struct rg_term *t, rg_k k, void *arg)
{
	if (t->ground)
		return k(c, t->val, arg);
	switch (t->kind) {
	case RT_VALUE:
		return k(c, t->val, arg);
	case RT_VAR:
		if (t->slot == RG_SLOT_INPUT) {
			struct ct_rego_value *in = rg_input(c);
			return in ? k(c, in, arg) : EV_OK;
		}
		if (t->slot == RG_SLOT_DATA)
			return rg_eval_data_ref(c, t, k, arg);
		if (t->slot < 0 || !c->frame[t->slot])
			return EV_OK;
		return k(c, c->frame[t->slot], arg);
	case RT_REF:
		return eval_ref(c, t, k, arg);
	case RT_ARRAY: case RT_SET: case RT_OBJECT: {
		struct coll_st st = { t, k, arg };
		return rg_eval_list(c, t->items, t->n, coll_done, &st);
	}
	case RT_ACOMP: case RT_SCOMP: case RT_OCOMP:
		return eval_comp(c, t, k, arg);
	case RT_CALL:
		return rg_eval_call(c, t, k, arg);
	}
	return EV_OK;
}

/* -------------------------------------------------------- unification */

struct utv_st {
	struct rg_term *t;
	struct ct_rego_value *v;
	size_t i;
	rg_kb kb;
	void *arg;
};

static int utv_arr_step(struct rg_ctx *c, void *arg)
{
	struct utv_st *st = arg;
	if (st->i == st->t->n)
		return st->kb(c, st->arg);
	size_t i = st->i++;
	int r = rg_unify_tv(c, st->t->items[i], ct_rego_value_index(st->v, i),
			    utv_arr_step, st);
	st->i = i;
	return r;
}

static int utv_obj_step(struct rg_ctx *c, void *arg);

static int utv_obj_key(struct rg_ctx *c, struct ct_rego_value *key, void *arg)
{
	struct utv_st *st = arg;
	struct ct_rego_value *vv = ct_rego_object_get(st->v, key);
	if (!vv)
		return EV_OK;
	size_t i = st->i;
	st->i = i + 2;
	int r = rg_unify_tv(c, st->t->items[i + 1], vv, utv_obj_step, st);
	st->i = i;
	return r;
}

static int utv_obj_step(struct rg_ctx *c, void *arg)
{
	struct utv_st *st = arg;
	if (st->i >= st->t->n)
		return st->kb(c, st->arg);
	return rg_eval_term(c, st->t->items[st->i], utv_obj_key, st);
}

struct eqk_st {
	struct ct_rego_value *v;
	rg_kb kb;
	void *arg;
};

static int eq_k(struct rg_ctx *c, struct ct_rego_value *x, void *arg)
{
	struct eqk_st *st = arg;
	if (!ct_rego_value_equal(x, st->v))
		return EV_OK;
	return st->kb(c, st->arg);
}

int rg_unify_tv(struct rg_ctx *c, struct rg_term *t, struct ct_rego_value *v,
		rg_kb kb, void *arg)
{
	if (t->ground)
		return ct_rego_value_equal(t->val, v) ? kb(c, arg) : EV_OK;
	if (t->kind == RT_VAR && t->slot >= 0) {
		struct ct_rego_value *cur = c->frame[t->slot];
		if (cur)
			return ct_rego_value_equal(cur, v) ? kb(c, arg) : EV_OK;
		size_t mark = c->ntrail;
		if (rg_bind(c, t->slot, v))
			return EV_ERR;
		int r = kb(c, arg);
		rg_undo(c, mark);
		return r;
	}
	if (t->kind == RT_ARRAY) {
		if (ct_rego_value_kind(v) != CT_REGO_ARRAY ||
		    ct_rego_value_length(v) != t->n)
			return EV_OK;
		struct utv_st st = { t, v, 0, kb, arg };
		return utv_arr_step(c, &st);
	}
	if (t->kind == RT_OBJECT) {
		if (ct_rego_value_kind(v) != CT_REGO_OBJECT ||
		    ct_rego_value_length(v) != t->n / 2)
			return EV_OK;
		struct utv_st st = { t, v, 0, kb, arg };
		return utv_obj_step(c, &st);
	}
	struct eqk_st st = { v, kb, arg };
	return rg_eval_term(c, t, eq_k, &st);
}

struct utt_st {
	struct rg_term *a, *b;
	size_t i;
	rg_kb kb;
	void *arg;
	struct rg_term **as, **bs; /* pairwise: as[i] = bs[i] */
	size_t n;
};

static int utt_val_k(struct rg_ctx *c, struct ct_rego_value *v, void *arg)
{
	struct utt_st *st = arg;
	return rg_unify_tv(c, st->b, v, st->kb, st->arg);
}

static int utt_pair_step(struct rg_ctx *c, void *arg)
{
	struct utt_st *st = arg;
	if (st->i == st->n)
		return st->kb(c, st->arg);
	size_t i = st->i++;
	int r = rg_unify_tt(c, st->as[i], st->bs[i], utt_pair_step, st);
	st->i = i;
	return r;
}

/* Both objects with constant keys: unify the values of equal keys. */
static int unify_objects(struct rg_ctx *c, struct rg_term *a, struct rg_term *b,
			 rg_kb kb, void *arg)
{
	size_t n = a->n / 2;
	if (a->n != b->n)
		return EV_OK;
	struct rg_term **pairs = ct_calloc(2 * n + 1, sizeof(*pairs));
	if (!pairs)
		return rg_fail(c, a->loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
	for (size_t i = 0; i < n; i++) {
		struct rg_term *ka = a->items[2 * i];
		size_t j = 0;
		while (j < n && !ct_rego_value_equal(ka->val, b->items[2 * j]->val))
			j++;
		if (j == n) {
			free(pairs);
			return EV_OK;
		}
		pairs[i] = a->items[2 * i + 1];
		pairs[n + i] = b->items[2 * j + 1];
	}
	struct utt_st st = { .kb = kb, .arg = arg, .as = pairs, .bs = pairs + n, .n = n };
	int r = utt_pair_step(c, &st);
	free(pairs);
	return r;
}

static bool const_keys(struct rg_term *t)
{
	for (size_t i = 0; i < t->n; i += 2)
		if (!t->items[i]->ground)
			return false;
	return true;
}

int rg_unify_tt(struct rg_ctx *c, struct rg_term *a, struct rg_term *b,
		rg_kb kb, void *arg)
{
	if (a->kind == RT_ARRAY && b->kind == RT_ARRAY && !a->ground &&
	    !b->ground) {
		if (a->n != b->n)
			return EV_OK;
		struct utt_st st = { .kb = kb, .arg = arg, .as = a->items,
				     .bs = b->items, .n = a->n };
		return utt_pair_step(c, &st);
	}
	if (a->kind == RT_OBJECT && b->kind == RT_OBJECT && !a->ground &&
	    !b->ground && const_keys(a) && const_keys(b))
		return unify_objects(c, a, b, kb, arg);
	bool ua = rg_has_unbound(c, a);
	struct utt_st st = { .a = ua ? b : a, .b = ua ? a : b, .kb = kb, .arg = arg };
	return rg_eval_term(c, st.a, utt_val_k, &st);
}

/* ------------------------------------------------------------ bodies */

struct body_st {
	struct rg_body *b;
	size_t i;
	rg_kb kb;
	void *arg;
};

static int body_next(struct rg_ctx *c, void *arg)
{
	struct body_st *st = arg;
	return rg_eval_body(c, st->b, st->i, st->kb, st->arg);
}

int rg_eval_body(struct rg_ctx *c, struct rg_body *b, size_t i, rg_kb kb,
		 void *arg)
{
	if (!b || i >= b->n)
		return kb(c, arg);
	struct body_st st = { b, i + 1, kb, arg };
	return rg_eval_lit(c, b->lits[i], body_next, &st);
}
