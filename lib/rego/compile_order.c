/*
 * compile_order.c - the safety check: reorders the literals of a body so
 * that each runs only once the variables it needs are bound (OPA's
 * reordering: `x > 1; x = input.v` is legal), and reports the first
 * variable nothing can bind as "rego_unsafe_var_error: var x is unsafe".
 *
 * A literal needs the variables it reads (call arguments, reference heads,
 * object keys, set elements, free variables of nested bodies) and binds the
 * ones in pattern positions (unification operands, reference segments,
 * output arguments, `some ... in` targets). Slots below the body's
 * slot_start belong to enclosing scopes and count as bound.
 */
#include "rego/compile_impl.h"

#include <stdlib.h>
#include <string.h>

/* A list of slots (duplicates allowed); `oom` sticks once set. */
struct vset {
	int *v;
	size_t n, cap;
	bool *oom;
};

static void body_free(struct rg_body *b, int start, struct vset *need);
static void term_free(struct rg_term *t, int start, struct vset *need);

static void mark(struct vset *set, int slot)
{
	if (slot < 0)
		return;
	if (set->n == set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 4;
		int *nv = realloc(set->v, nc * sizeof(*nv));
		if (!nv) {
			*set->oom = true;
			return;
		}
		set->v = nv;
		set->cap = nc;
	}
	set->v[set->n++] = slot;
}

/* mode 1: pattern position (binds), 0: read */
static void tvars(struct rg_term *t, int mode, struct vset *need,
		  struct vset *bind, int start)
{
	if (!t || t->ground)
		return;
	switch (t->kind) {
	case RT_VAR:
		mark(mode ? bind : need, t->slot);
		return;
	case RT_REF:
		if (t->items[0]->kind == RT_VAR)
			mark(need, t->items[0]->slot);
		else
			tvars(t->items[0], 0, need, bind, start);
		for (size_t i = 1; i < t->n; i++) {
			struct rg_term *s = t->items[i];
			if (s->kind == RT_VAR)
				mark(bind, s->slot);
			else
				tvars(s, s->kind == RT_ARRAY || s->kind == RT_OBJECT ? 1 : 0,
				      need, bind, start);
		}
		return;
	case RT_ARRAY:
		for (size_t i = 0; i < t->n; i++)
			tvars(t->items[i], mode, need, bind, start);
		return;
	case RT_OBJECT:
		for (size_t i = 0; i < t->n; i += 2) {
			tvars(t->items[i], 0, need, bind, start);
			tvars(t->items[i + 1], mode, need, bind, start);
		}
		return;
	case RT_SET:
		for (size_t i = 0; i < t->n; i++)
			tvars(t->items[i], 0, need, bind, start);
		return;
	case RT_CALL:
		for (size_t i = 0; i < t->n; i++)
			tvars(t->items[i], 0, need, bind, start);
		return;
	case RT_ACOMP: case RT_SCOMP: case RT_OCOMP:
		body_free(t->body, t->body->scope_start, need);
		term_free(t->head, t->body->scope_start, need);
		term_free(t->key, t->body->scope_start, need);
		return;
	default:
		return;
	}
}

static void term_free(struct rg_term *t, int start, struct vset *need)
{
	if (!t || t->ground)
		return;
	if (t->kind == RT_VAR && t->slot >= 0 && t->slot < start)
		mark(need, t->slot);
	for (size_t i = 0; i < t->n; i++)
		term_free(t->items[i], start, need);
	term_free(t->head, start, need);
	term_free(t->key, start, need);
	body_free(t->body, start, need);
}

static void body_free(struct rg_body *b, int start, struct vset *need)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		struct rg_lit *l = b->lits[i];
		if (l->kind == RL_BOOL) {
			struct rg_body two = { .lits = (struct rg_lit *[]){ l->ba, l->bb },
					       .n = 2 };
			body_free(&two, start, need);
			continue;
		}
		term_free(l->expr, start, need);
		term_free(l->key, start, need);
		term_free(l->val, start, need);
		for (size_t j = 0; j < l->nvars; j++)
			term_free(l->vars[j], start, need);
		for (size_t j = 0; j < l->nwith; j++)
			term_free(l->withs[j].value, start, need);
		body_free(l->body, start, need);
	}
}

static void comp_heads_free(struct rg_term *t, struct vset *need)
{
	/* comprehension heads read outer variables too */
	if (!t || t->ground)
		return;
	if (t->kind == RT_ACOMP || t->kind == RT_SCOMP || t->kind == RT_OCOMP) {
		term_free(t->head, t->body->scope_start, need);
		term_free(t->key, t->body->scope_start, need);
	}
	for (size_t i = 0; i < t->n; i++)
		comp_heads_free(t->items[i], need);
}

/* Outer variables read by the operands of an `and`/`or` literal. */
static void bool_free(struct rg_lit *l, struct vset *need)
{
	if (l->kind == RL_BOOL) {
		bool_free(l->ba, need);
		bool_free(l->bb, need);
		return;
	}
	body_free(l->body, l->body->scope_start, need);
}

static void lit_vars(struct rg_lit *l, struct vset *need, struct vset *bind, int start)
{
	switch (l->kind) {
	case RL_SOME:
		return;
	case RL_BOOL:
		bool_free(l, need);
		break;
	case RL_SOME_IN:
		tvars(l->expr, 0, need, bind, start);
		comp_heads_free(l->expr, need);
		tvars(l->key, 1, need, bind, start);
		tvars(l->val, 1, need, bind, start);
		break;
	case RL_EVERY:
		tvars(l->expr, 0, need, bind, start);
		comp_heads_free(l->expr, need);
		body_free(l->body, l->body->scope_start, need);
		break;
	case RL_EXPR: {
		struct rg_term *e = l->expr;
		if (!e) {
			body_free(l->body, l->body->scope_start, need);
			break;
		}
		if (e->kind == RT_CALL && (e->op == OP_UNIFY || e->op == OP_ASSIGN)) {
			tvars(e->items[0], 1, need, bind, start);
			tvars(e->items[1], 1, need, bind, start);
		} else if (e->kind == RT_CALL &&
			   ((e->op == OP_BUILTIN && (int)e->n == e->bi->arity + 1) ||
			    (e->op == OP_FUNC && (int)e->n == e->fn->fn_arity + 1))) {
			for (size_t i = 0; i + 1 < e->n; i++)
				tvars(e->items[i], 0, need, bind, start);
			tvars(e->items[e->n - 1], 1, need, bind, start);
		} else {
			tvars(e, 0, need, bind, start);
		}
		comp_heads_free(e, need);
		break;
	}
	}
	for (size_t j = 0; j < l->nwith; j++) {
		tvars(l->withs[j].value, 0, need, bind, start);
		comp_heads_free(l->withs[j].value, need);
	}
}

/* Min-heap of literal indices that are ready to run. */
struct heap {
	size_t *v;
	size_t n;
};

static void heap_push(struct heap *h, size_t x)
{
	size_t i = h->n++;
	h->v[i] = x;
	while (i > 0 && h->v[(i - 1) / 2] > h->v[i]) {
		size_t p = (i - 1) / 2, t = h->v[p];
		h->v[p] = h->v[i];
		h->v[i] = t;
		i = p;
	}
}

static size_t heap_pop(struct heap *h)
{
	size_t top = h->v[0], i = 0;
	h->v[0] = h->v[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && h->v[l] < h->v[m])
			m = l;
		if (r < h->n && h->v[r] < h->v[m])
			m = r;
		if (m == i)
			break;
		size_t t = h->v[m];
		h->v[m] = h->v[i];
		h->v[i] = t;
		i = m;
	}
	return top;
}

/*
 * Orders b->lits: repeatedly runs the first literal (in source order)
 * whose needed variables are all bound. Sparse: each literal keeps the
 * list of slots it needs; each slot the literals waiting for it; so the
 * work is linear in the body size (plus a heap).
 */
ct_result rg_order_body(struct rg_body *b, int nslots, const char **names,
			struct rg_term **heads, size_t nheads)
{
	size_t ns = nslots > 0 ? (size_t)nslots : 1;
	size_t n = b->n;
	bool oom = false;
	ct_result r = CT_OK;
	struct vset *need = ct_calloc(n + 1, sizeof(*need));
	struct vset *bind = ct_calloc(n + 1, sizeof(*bind));
	uint8_t *bound = ct_calloc(ns, 1), *anybind = ct_calloc(ns, 1);
	size_t *stamp = ct_calloc(ns, sizeof(*stamp));
	size_t *cnt = ct_calloc(n + 1, sizeof(*cnt));
	size_t *wstart = ct_calloc(ns + 1, sizeof(*wstart));
	size_t *watch = NULL, *wfill = NULL;
	struct heap h = { ct_calloc(n + 1, sizeof(size_t)), 0 };
	struct rg_lit **order = ct_calloc(n + 1, sizeof(*order));
	if (!need || !bind || !bound || !anybind || !stamp || !cnt || !wstart ||
	    !h.v || !order) {
		r = rg_nomem();
		goto out;
	}
	for (int i = 0; i < b->slot_start && i < nslots; i++)
		bound[i] = 1;
	for (size_t i = 0; i < n; i++) {
		need[i].oom = bind[i].oom = &oom;
		lit_vars(b->lits[i], &need[i], &bind[i], b->slot_start);
		if (!b->lits[i]->neg)
			for (size_t j = 0; j < bind[i].n; j++)
				anybind[bind[i].v[j]] = 1;
	}
	if (oom) {
		r = rg_nomem();
		goto out;
	}
	/* final need lists: distinct, not bound on entry, not bound by the
	 * literal itself; negated literals bind nothing */
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		struct vset *ni = &need[i], *bi = &bind[i];
		size_t tag = 2 * i + 1, k = 0;
		if (b->lits[i]->neg) {
			for (size_t j = 0; j < bi->n; j++)
				mark(ni, bi->v[j]);
			bi->n = 0;
		} else {
			for (size_t j = 0; j < bi->n; j++)
				stamp[bi->v[j]] = tag;
		}
		for (size_t j = 0; j < ni->n; j++) {
			int s = ni->v[j];
			if (bound[s] || stamp[s] == tag || stamp[s] == tag + 1)
				continue;
			if (b->lits[i]->neg && !anybind[s])
				continue; /* local to the negation */
			stamp[s] = tag + 1;
			ni->v[k++] = s;
		}
		ni->n = k;
		cnt[i] = k;
		total += k;
		for (size_t j = 0; j < k; j++)
			wstart[ni->v[j] + 1]++;
	}
	if (oom) {
		r = rg_nomem();
		goto out;
	}
	for (size_t s = 0; s < ns; s++)
		wstart[s + 1] += wstart[s];
	watch = ct_calloc(total + 1, sizeof(*watch));
	wfill = ct_calloc(ns + 1, sizeof(*wfill));
	if (!watch || !wfill) {
		r = rg_nomem();
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < need[i].n; j++) {
			int s = need[i].v[j];
			watch[wstart[s] + wfill[s]++] = i;
		}
	for (size_t i = 0; i < n; i++)
		if (cnt[i] == 0)
			heap_push(&h, i);
	size_t k = 0;
	while (h.n > 0) {
		size_t i = heap_pop(&h);
		order[k++] = b->lits[i];
		for (size_t j = 0; j < bind[i].n; j++) {
			int s = bind[i].v[j];
			if (bound[s])
				continue;
			bound[s] = 1;
			for (size_t w = wstart[s]; w < wstart[s + 1]; w++)
				if (--cnt[watch[w]] == 0)
					heap_push(&h, watch[w]);
		}
	}
	if (k < n) {
		for (size_t i = 0; i < n; i++) {
			if (cnt[i] == 0)
				continue;
			for (size_t j = 0; j < need[i].n; j++) {
				int s = need[i].v[j];
				if (!bound[s]) {
					r = rg_cerr(b->lits[i]->loc, "rego_unsafe_var_error",
						    "var %s is unsafe",
						    names[s] ? names[s] : "_");
					goto out;
				}
			}
		}
		r = CT_FAIL(CT_ERR_INTERNAL, "rego: ordering failed");
		goto out;
	}
	if (n)
		memcpy(b->lits, order, n * sizeof(*order));
	/* head variables must be bound by the body */
	for (size_t i = 0; i < nheads; i++) {
		if (!heads[i])
			continue;
		struct vset hn = { .oom = &oom }, hb = { .oom = &oom };
		tvars(heads[i], 0, &hn, &hb, b->slot_start);
		comp_heads_free(heads[i], &hn);
		int bad = -1;
		for (size_t j = 0; j < hn.n && bad < 0; j++)
			if (!bound[hn.v[j]])
				bad = hn.v[j];
		free(hn.v);
		free(hb.v);
		if (oom) {
			r = rg_nomem();
			goto out;
		}
		if (bad >= 0) {
			r = rg_cerr(heads[i]->loc, "rego_unsafe_var_error",
				    "var %s is unsafe", names[bad] ? names[bad] : "_");
			goto out;
		}
	}
out:
	for (size_t i = 0; need && bind && i < n; i++) {
		free(need[i].v);
		free(bind[i].v);
	}
	free(need);
	free(bind);
	free(bound);
	free(anybind);
	free(stamp);
	free(cnt);
	free(wstart);
	free(watch);
	free(wfill);
	free(h.v);
	free(order);
	return r;
}
