/*
 * eval_lit.c - literals (expressions, not, some ... in, every, with) and
 * calls (built-ins, user functions, print, replacements installed by
 * `with`).
 *
 * Trust boundary: as eval.c. Built-in failures become undefined unless
 * strict mode is on; budget failures (CT_REGO_BERR_HALT) always abort.
 * `with` replacements live on a stack of frames owned by the C stack of
 * the literal that installed them and are hidden again while the rest of
 * the body runs.
 */
#include "rego/eval_impl.h"

#include <stdlib.h>
#include <string.h>

struct ct_rego_value *rg_input(struct rg_ctx *c)
{
	for (struct rg_wframe *w = c->wtop; w; w = w->up)
		if (w->has_input)
			return w->input;
	return c->input;
}

const struct rg_override *rg_fn_override(struct rg_ctx *c,
					 const struct ct_rego_builtin *bi,
					 const struct rg_node *fn,
					 struct rg_wframe **frame)
{
	for (struct rg_wframe *w = c->wtop; w; w = w->up) {
		if (c->in_mock && w == c->mock_barrier)
			break;
		for (size_t i = w->nov; i-- > 0;) {
			const struct rg_override *o = &w->ov[i];
			if (o->w->root)
				continue;
			if ((bi && o->w->bi == bi) || (fn && o->w->fn == fn)) {
				*frame = w;
				return o;
			}
		}
	}
	return NULL;
}

/* ------------------------------------------------------------ calls */

static int builtin_error(struct rg_ctx *c, struct rg_loc loc, ct_result r)
{
	enum ct_rego_berr kind = c->bctx.err_kind;
	if (kind == CT_REGO_BERR_HALT || r.err == CT_ERR_LIMIT)
		return rg_fail(c, loc, CT_ERR_LIMIT, NULL, "%s", ct_error_message());
	if (kind == CT_REGO_BERR_TYPE || kind == CT_REGO_BERR_BUILTIN) {
		if (!c->strict)
			return EV_OK;
		return rg_fail(c, loc, CT_ERR_POLICY,
			       kind == CT_REGO_BERR_TYPE ? "eval_type_error"
							 : "eval_builtin_error",
			       "%s", ct_error_message());
	}
	return rg_fail(c, loc, r.err ? r.err : CT_ERR_INTERNAL, NULL, "%s",
		       ct_error_message());
}

/* Calls what `t` names (or its replacement) with vals; *out NULL when
 * undefined. Returns EV_ERR on errors. */
static int invoke(struct rg_ctx *c, struct rg_term *t,
		  const struct ct_rego_builtin *bi, struct rg_node *fn,
		  struct ct_rego_value **vals, size_t nargs,
		  struct ct_rego_value **out);

static int invoke(struct rg_ctx *c, struct rg_term *t,
		  const struct ct_rego_builtin *bi, struct rg_node *fn,
		  struct ct_rego_value **vals, size_t nargs,
		  struct ct_rego_value **out)
{
	*out = NULL;
	if (rg_step(c))
		return EV_ERR;
	if (c->wtop) {
		struct rg_wframe *wf = NULL;
		const struct rg_override *o = rg_fn_override(c, bi, fn, &wf);
		if (o) {
			if (o->val) {
				*out = ct_rego_value_ref(o->val);
				return EV_OK;
			}
			/* the replacement runs without function mocks, so it
			 * calls the originals (and never another mock) */
			(void)wf;
			struct rg_wframe *sb = c->mock_barrier;
			bool sm = c->in_mock;
			c->mock_barrier = c->wtop;
			c->in_mock = true;
			int r = invoke(c, t, o->bi, o->fn, vals, nargs, out);
			c->mock_barrier = sb;
			c->in_mock = sm;
			return r;
		}
	}
	if (fn)
		return rg_call_fn(c, fn, t->loc, vals, nargs, out);
	if (!bi)
		return EV_OK;
	if ((int)nargs != bi->arity)
		return rg_fail(c, t->loc, CT_ERR_POLICY, "eval_type_error",
			       "%s: arity mismatch", bi->name);
	c->bctx.err_kind = CT_REGO_BERR_NONE;
	ct_result r = bi->fn(&c->bctx, vals, out);
	if (!ct_ok(r)) {
		*out = NULL;
		return builtin_error(c, t->loc, r);
	}
	return EV_OK;
}

struct call_st {
	struct rg_term *t;
	rg_k k;
	void *arg;
	bool out_arg; /* f(x, out): unify the result with the last arg */
	rg_kb kb;     /* literal form: continue the body */
	void *kbarg;
};

static int true_k(struct rg_ctx *c, void *arg)
{
	struct call_st *st = arg;
	if (st->kb)
		return st->kb(c, st->kbarg);
	return st->k(c, ct_rego_value_bool(true), st->arg);
}

static int result_k(struct rg_ctx *c, struct call_st *st,
		    struct ct_rego_value *v)
{
	if (st->out_arg)
		return rg_unify_tv(c, st->t->items[st->t->n - 1], v, true_k, st);
	if (st->kb) {
		if (ct_rego_value_kind(v) == CT_REGO_BOOL && !ct_rego_value_get_bool(v))
			return EV_OK;
		return st->kb(c, st->kbarg);
	}
	return st->k(c, v, st->arg);
}

static int call_done(struct rg_ctx *c, struct ct_rego_value **vals, void *arg)
{
	struct call_st *st = arg;
	struct rg_term *t = st->t;
	size_t nargs = t->n - (st->out_arg ? 1 : 0);
	struct ct_rego_value *out;
	if (invoke(c, t, t->bi, t->fn, vals, nargs, &out))
		return EV_ERR;
	if (!out)
		return EV_OK;
	int r = EV_OK;
	if (t->bi && t->bi->relation && !t->fn &&
	    ct_rego_value_kind(out) == CT_REGO_ARRAY) {
		size_t n = ct_rego_value_length(out);
		for (size_t i = 0; i < n && r == EV_OK; i++)
			r = result_k(c, st, ct_rego_value_index(out, i));
	} else {
		r = result_k(c, st, out);
	}
	ct_rego_value_unref(out);
	return r;
}

/* print(a, b, ...): always succeeds; undefined prints <undefined>. */
struct print_st {
	struct ct_buf *b;
	size_t count;
	struct ct_rego_value *set;
};

static int print_arg_k(struct rg_ctx *c, struct ct_rego_value *v, void *arg)
{
	struct print_st *st = arg;
	(void)c;
	st->count++;
	if (ct_ok(ct_rego_set_add(st->set, ct_rego_value_ref(v))))
		return EV_OK;
	return EV_OK;
}

static int do_print(struct rg_ctx *c, struct rg_term *t)
{
	struct ct_buf b;
	ct_buf_init(&b, (size_t)1 << 20);
	ct_result r = CT_OK;
	for (size_t i = 0; i < t->n && ct_ok(r); i++) {
		struct print_st st = { &b, 0, ct_rego_set_new(0) };
		if (!st.set)
			break;
		int e = rg_eval_term(c, t->items[i], print_arg_k, &st);
		if (e == EV_ERR) {
			ct_rego_value_unref(st.set);
			ct_buf_dispose(&b);
			return EV_ERR;
		}
		if (i)
			r = ct_buf_append_byte(&b, ' ');
		size_t n = ct_rego_value_length(st.set);
		if (!ct_ok(r)) {
		} else if (n == 0) {
			r = ct_buf_append_str(&b, "<undefined>");
		} else if (n == 1) {
			struct ct_rego_value *v = ct_rego_value_index(st.set, 0);
			if (ct_rego_value_kind(v) == CT_REGO_STRING)
				r = ct_buf_append(&b, ct_rego_value_str(v),
						  ct_rego_value_str_len(v));
			else
				r = ct_rego_value_to_term(v, &b);
		} else {
			r = ct_rego_value_to_term(st.set, &b);
		}
		ct_rego_value_unref(st.set);
	}
	if (c->print) {
		c->print(c->print_arg, ct_buf_cstr(&b), b.len);
	} else {
		fprintf(stderr, "%s:%u: %s\n", t->loc.file ? t->loc.file : "query",
			t->loc.line, ct_buf_cstr(&b));
	}
	ct_buf_dispose(&b);
	return EV_OK;
}

static int call_common(struct rg_ctx *c, struct rg_term *t, struct call_st *st)
{
	if (t->op == OP_PRINT) {
		if (do_print(c, t))
			return EV_ERR;
		return st->kb ? st->kb(c, st->kbarg)
			      : st->k(c, ct_rego_value_bool(true), st->arg);
	}
	if (t->op == OP_UNIFY || t->op == OP_ASSIGN) {
		if (st->kb)
			return rg_unify_tt(c, t->items[0], t->items[1], st->kb, st->kbarg);
		return rg_unify_tt(c, t->items[0], t->items[1], true_k, st);
	}
	int arity = t->fn ? t->fn->fn_arity : t->bi ? t->bi->arity : (int)t->n;
	st->out_arg = (int)t->n == arity + 1;
	return rg_eval_list(c, t->items, t->n - (st->out_arg ? 1 : 0), call_done, st);
}

int rg_eval_call(struct rg_ctx *c, struct rg_term *t, rg_k k, void *arg)
{
	struct call_st st = { .t = t, .k = k, .arg = arg };
	return call_common(c, t, &st);
}

/* ---------------------------------------------------------- literals */

static int stop_kb(struct rg_ctx *c, void *arg)
{
	(void)c;
	*(bool *)arg = true;
	return EV_STOP;
}

struct expr_st {
	rg_kb kb;
	void *arg;
};

static int expr_val_k(struct rg_ctx *c, struct ct_rego_value *v, void *arg)
{
	struct expr_st *st = arg;
	if (ct_rego_value_kind(v) == CT_REGO_BOOL && !ct_rego_value_get_bool(v))
		return EV_OK;
	return st->kb(c, st->arg);
}

struct in_st {
	struct rg_lit *l;
	rg_kb kb;
	void *arg;
	struct ct_rego_value *elem;
};

static int in_key_done(struct rg_ctx *c, void *arg)
{
	struct in_st *st = arg;
	return rg_unify_tv(c, st->l->val, st->elem, st->kb, st->arg);
}

static int iterate(struct rg_ctx *c, struct ct_rego_value *coll,
		   struct in_st *st)
{
	enum ct_rego_kind kind = ct_rego_value_kind(coll);
	size_t n = ct_rego_value_length(coll);
	if (kind != CT_REGO_ARRAY && kind != CT_REGO_OBJECT && kind != CT_REGO_SET)
		return EV_OK;
	for (size_t i = 0; i < n; i++) {
		struct ct_rego_value *key = NULL, *owned = NULL;
		if (kind == CT_REGO_ARRAY) {
			st->elem = ct_rego_value_index(coll, i);
			if (st->l->key)
				key = owned = ct_rego_value_int((int64_t)i);
		} else if (kind == CT_REGO_OBJECT) {
			st->elem = ct_rego_object_value_at(coll, i);
			key = ct_rego_object_key_at(coll, i);
		} else {
			st->elem = key = ct_rego_value_index(coll, i);
		}
		int r;
		if (st->l->key) {
			if (!key)
				return rg_fail(c, st->l->loc, CT_ERR_NOMEM, NULL,
					       "rego: out of memory");
			r = rg_unify_tv(c, st->l->key, key, in_key_done, st);
		} else {
			r = in_key_done(c, st);
		}
		ct_rego_value_unref(owned);
		if (r != EV_OK)
			return r;
	}
	return EV_OK;
}

static int some_in_k(struct rg_ctx *c, struct ct_rego_value *coll, void *arg)
{
	return iterate(c, coll, arg);
}

struct every_st {
	struct rg_lit *l;
	bool ok;
};

static int every_elem_k(struct rg_ctx *c, void *arg)
{
	struct every_st *st = arg;
	bool found = false;
	int r = rg_eval_body(c, st->l->body, 0, stop_kb, &found);
	if (r == EV_ERR)
		return EV_ERR;
	if (!found) {
		st->ok = false;
		return EV_STOP;
	}
	return EV_OK;
}

struct every_dom {
	struct rg_lit *l;
	rg_kb kb;
	void *arg;
};

static int every_dom_k(struct rg_ctx *c, struct ct_rego_value *coll, void *arg)
{
	struct every_dom *d = arg;
	enum ct_rego_kind kind = ct_rego_value_kind(coll);
	if (kind != CT_REGO_ARRAY && kind != CT_REGO_OBJECT && kind != CT_REGO_SET)
		return EV_OK;
	struct every_st es = { d->l, true };
	struct in_st st = { d->l, every_elem_k, &es, NULL };
	int r = iterate(c, coll, &st);
	if (r == EV_ERR)
		return EV_ERR;
	if (!es.ok)
		return EV_OK;
	return d->kb(c, d->arg);
}

static int eval_lit_plain(struct rg_ctx *c, struct rg_lit *l, rg_kb kb,
			  void *arg);

/* `and` / `or` trees: 1 when the tree holds, 0 when not, EV_ERR. */
static int bool_holds(struct rg_ctx *c, struct rg_lit *l)
{
	if (l->kind == RL_BOOL) {
		int a = bool_holds(c, l->ba);
		if (a < 0)
			return a;
		if ((l->bop == BOP_AND && !a) || (l->bop == BOP_OR && a))
			return a;
		return bool_holds(c, l->bb);
	}
	bool found = false;
	if (rg_step(c))
		return EV_ERR;
	if (eval_lit_plain(c, l, stop_kb, &found) == EV_ERR)
		return EV_ERR;
	return found;
}

static int eval_lit_inner(struct rg_ctx *c, struct rg_lit *l, rg_kb kb,
			  void *arg)
{
	switch (l->kind) {
	case RL_BOOL: {
		int h = bool_holds(c, l);
		if (h < 0)
			return EV_ERR;
		return h ? kb(c, arg) : EV_OK;
	}
	case RL_SOME:
		return kb(c, arg);
	case RL_SOME_IN: {
		struct in_st st = { l, kb, arg, NULL };
		return rg_eval_term(c, l->expr, some_in_k, &st);
	}
	case RL_EVERY: {
		struct every_dom d = { l, kb, arg };
		return rg_eval_term(c, l->expr, every_dom_k, &d);
	}
	case RL_EXPR:
		break;
	}
	struct rg_term *e = l->expr;
	if (!e)
		return rg_eval_body(c, l->body, 0, kb, arg);
	if (e->kind == RT_CALL) {
		struct call_st st = { .t = e, .kb = kb, .kbarg = arg };
		return call_common(c, e, &st);
	}
	struct expr_st st = { kb, arg };
	return rg_eval_term(c, e, expr_val_k, &st);
}

static int eval_lit_plain(struct rg_ctx *c, struct rg_lit *l, rg_kb kb,
			  void *arg)
{
	if (!l->neg)
		return eval_lit_inner(c, l, kb, arg);
	bool found = false;
	int r = eval_lit_inner(c, l, stop_kb, &found);
	if (r == EV_ERR)
		return EV_ERR;
	return found ? EV_OK : kb(c, arg);
}

/* ------------------------------------------------------------- with */

struct with_st {
	struct rg_lit *l;
	struct rg_wframe *frame;
	size_t i;
	rg_kb kb;
	void *arg;
};

static int with_cont(struct rg_ctx *c, void *arg)
{
	struct with_st *st = arg;
	struct rg_wframe *saved = c->wtop;
	c->wtop = st->frame->up;
	int r = st->kb(c, st->arg);
	c->wtop = saved;
	return r;
}

static int with_value_k(struct rg_ctx *c, struct ct_rego_value *v, void *arg);

static int with_next(struct rg_ctx *c, struct with_st *st)
{
	struct rg_lit *l = st->l;
	if (st->i == l->nwith) {
		struct rg_wframe *saved = c->wtop;
		c->wtop = st->frame;
		int r = eval_lit_plain(c, l, with_cont, st);
		c->wtop = saved;
		return r;
	}
	struct rg_with *w = &l->withs[st->i];
	struct rg_override *o = &st->frame->ov[st->i];
	o->w = w;
	if (w->root == 0 && w->value->kind == RT_CALL && w->value->n == 0 &&
	    (w->value->fn || w->value->bi) && w->value->op != OP_PRINT) {
		o->fn = w->value->fn;
		o->bi = w->value->bi;
		st->i++;
		st->frame->nov = st->i;
		int r = with_next(c, st);
		st->i--;
		st->frame->nov = st->i;
		return r;
	}
	/* evaluate the value outside this literal's own replacements */
	return rg_eval_term(c, w->value, with_value_k, st);
}

static int with_value_k(struct rg_ctx *c, struct ct_rego_value *v, void *arg)
{
	struct with_st *st = arg;
	struct rg_with *w = &st->l->withs[st->i];
	struct rg_override *o = &st->frame->ov[st->i];
	struct ct_rego_value *old_in = st->frame->input;
	bool old_has = st->frame->has_input;
	o->val = v;
	o->fn = NULL;
	o->bi = NULL;
	if (w->root == RG_SLOT_INPUT) {
		struct ct_rego_value *base = st->frame->has_input ? st->frame->input
								  : rg_input(c);
		struct ct_rego_value *ni = w->npath == 0
			? ct_rego_value_ref(v)
			: rg_set_path(base, w->path, w->npath, v);
		if (!ni)
			return rg_fail(c, w->target->loc, CT_ERR_NOMEM, NULL,
				       "rego: out of memory");
		st->frame->input = ni;
		st->frame->has_input = true;
	}
	st->i++;
	st->frame->nov = st->i;
	int r = with_next(c, st);
	st->i--;
	st->frame->nov = st->i;
	if (w->root == RG_SLOT_INPUT) {
		ct_rego_value_unref(st->frame->input);
		st->frame->input = old_in;
		st->frame->has_input = old_has;
	}
	return r;
}

int rg_eval_lit(struct rg_ctx *c, struct rg_lit *l, rg_kb kb, void *arg)
{
	if (rg_step(c))
		return EV_ERR;
	if (!l->nwith)
		return eval_lit_plain(c, l, kb, arg);
	struct rg_override small[4];
	struct rg_override *ov = small;
	if (l->nwith > 4) {
		ov = ct_calloc(l->nwith, sizeof(*ov));
		if (!ov)
			return rg_fail(c, l->loc, CT_ERR_NOMEM, NULL, "rego: out of memory");
	}
	memset(ov, 0, (l->nwith > 4 ? l->nwith : 4) * sizeof(*ov));
	struct rg_wframe f = { .up = c->wtop, .ov = ov, .nov = 0 };
	struct with_st st = { l, &f, 0, kb, arg };
	int r = with_next(c, &st);
	if (ov != small)
		free(ov);
	return r;
}
