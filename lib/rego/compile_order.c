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

static void body_free(struct rg_body *b, int start, uint8_t *need);
static void term_free(struct rg_term *t, int start, uint8_t *need);

static void mark(uint8_t *set, int slot)
{
	if (slot >= 0)
		set[slot] = 1;
}

/* mode 1: pattern position (binds), 0: read */
static void tvars(struct rg_term *t, int mode, uint8_t *need, uint8_t *bind,
		  int start)
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

static void term_free(struct rg_term *t, int start, uint8_t *need)
{
	if (!t || t->ground)
		return;
	if (t->kind == RT_VAR && t->slot >= 0 && t->slot < start)
		need[t->slot] = 1;
	for (size_t i = 0; i < t->n; i++)
		term_free(t->items[i], start, need);
	term_free(t->head, start, need);
	term_free(t->key, start, need);
	body_free(t->body, start, need);
}

static void body_free(struct rg_body *b, int start, uint8_t *need)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		struct rg_lit *l = b->lits[i];
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

static void comp_heads_free(struct rg_term *t, uint8_t *need)
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

static void lit_vars(struct rg_lit *l, uint8_t *need, uint8_t *bind, int start)
{
	switch (l->kind) {
	case RL_SOME:
		return;
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

ct_result rg_order_body(struct rg_body *b, int nslots, const char **names,
			struct rg_term **heads, size_t nheads)
{
	size_t ns = nslots > 0 ? (size_t)nslots : 1;
	size_t n = b->n;
	uint8_t *need = ct_calloc((n + 2) * ns, 1);
	uint8_t *bind = ct_calloc((n + 2) * ns, 1);
	uint8_t *bound = ct_calloc(ns, 1);
	uint8_t *done = ct_calloc(n + 1, 1);
	struct rg_lit **order = ct_calloc(n + 1, sizeof(*order));
	ct_result r = CT_OK;
	if (!need || !bind || !bound || !done || !order) {
		r = rg_nomem();
		goto out;
	}
	for (int i = 0; i < b->slot_start && i < nslots; i++)
		bound[i] = 1;
	uint8_t *anybind = bind + n * ns;
	for (size_t i = 0; i < n; i++) {
		uint8_t *ni = need + i * ns, *bi = bind + i * ns;
		lit_vars(b->lits[i], ni, bi, b->slot_start);
		if (!b->lits[i]->neg)
			for (size_t s = 0; s < ns; s++)
				anybind[s] |= bi[s];
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t *ni = need + i * ns, *bi = bind + i * ns;
		if (b->lits[i]->neg) {
			for (size_t s = 0; s < ns; s++) {
				ni[s] = (uint8_t)((ni[s] | bi[s]) &
						  (anybind[s] | bound[s]));
				bi[s] = 0;
			}
		} else {
			for (size_t s = 0; s < ns; s++)
				if (bi[s])
					ni[s] = 0;
		}
	}
	for (size_t k = 0; k < n; k++) {
		size_t pick = n;
		for (size_t i = 0; i < n && pick == n; i++) {
			if (done[i])
				continue;
			uint8_t *ni = need + i * ns;
			bool ok = true;
			for (size_t s = 0; s < ns && ok; s++)
				if (ni[s] && !bound[s])
					ok = false;
			if (ok)
				pick = i;
		}
		if (pick == n) {
			for (size_t i = 0; i < n; i++) {
				if (done[i])
					continue;
				uint8_t *ni = need + i * ns;
				for (size_t s = 0; s < ns; s++)
					if (ni[s] && !bound[s]) {
						r = rg_cerr(b->lits[i]->loc,
							    "rego_unsafe_var_error",
							    "var %s is unsafe",
							    names[s] ? names[s] : "_");
						goto out;
					}
			}
			r = CT_FAIL(CT_ERR_INTERNAL, "rego: ordering failed");
			goto out;
		}
		done[pick] = 1;
		order[k] = b->lits[pick];
		uint8_t *bi = bind + pick * ns;
		for (size_t s = 0; s < ns; s++)
			bound[s] |= bi[s];
	}
	if (n)
		memcpy(b->lits, order, n * sizeof(*order));
	/* head variables must be bound by the body */
	uint8_t *hn = need + (n + 1) * ns;
	memset(hn, 0, ns);
	for (size_t i = 0; i < nheads; i++) {
		if (!heads[i])
			continue;
		uint8_t *hb = bind + (n + 1) * ns;
		memset(hb, 0, ns);
		tvars(heads[i], 0, hn, hb, b->slot_start);
		comp_heads_free(heads[i], hn);
	}
	for (size_t s = 0; s < ns; s++)
		if (hn[s] && !bound[s]) {
			struct rg_loc loc = heads[0] ? heads[0]->loc : (struct rg_loc){ 0 };
			r = rg_cerr(loc, "rego_unsafe_var_error", "var %s is unsafe",
				    names[s] ? names[s] : "_");
			goto out;
		}
out:
	free(need);
	free(bind);
	free(bound);
	free(done);
	free(order);
	return r;
}
