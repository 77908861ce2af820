/*
 * parser.c - recursive-descent parser for Rego modules, queries and terms
 * (expressions, references, collections, comprehensions, calls).
 *
 * Trust boundary: tokens come from untrusted text. Recursion is bounded by
 * CT_REGO_PARSE_MAX_DEPTH (a CT_ERR_LIMIT error beyond it); every error is
 * "FILE:LINE:COL: rego_parse_error: <what>" at the offending token. Rule
 * structure (heads, bodies, else chains, imports) is in parser_rules.c.
 */
#include "rego/parser_impl.h"

#include <stdlib.h>
#include <string.h>

ct_result rg_perr(struct rg_parser *p, const struct rg_token *t,
		  const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (t->kind == TK_EOF)
		return CT_FAIL(CT_ERR_USAGE,
			       "%s:%u:%u: rego_parse_error: %s (unexpected eof)",
			       t->loc.file, t->loc.line, t->loc.col, msg);
	return CT_FAIL(CT_ERR_USAGE, "%s:%u:%u: rego_parse_error: %s",
		       t->loc.file, t->loc.line, t->loc.col, msg);
}

ct_result rg_nomem(void)
{
	return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
}

bool rg_is_ident(const struct rg_token *t, const char *s)
{
	size_t n = strlen(s);
	return t->kind == TK_IDENT && t->len == n && memcmp(t->text, s, n) == 0;
}

bool rg_is_kw(struct rg_parser *p, const struct rg_token *t, const char *s)
{
	if (!rg_is_ident(t, s))
		return false;
	if (p->syntax == CT_REGO_V1)
		return true;
	if (strcmp(s, "if") == 0)
		return p->kw_if;
	if (strcmp(s, "contains") == 0)
		return p->kw_contains;
	if (strcmp(s, "in") == 0)
		return p->kw_in;
	if (strcmp(s, "every") == 0)
		return p->kw_every;
	return true;
}

struct rg_term *rg_mk(struct rg_parser *p, enum rg_tkind k, struct rg_loc loc)
{
	struct rg_term *t = rg_alloc(p->a, sizeof(*t));
	if (t) {
		t->kind = k;
		t->loc = loc;
		t->slot = RG_SLOT_NONE;
	}
	return t;
}

struct rg_term *rg_mk_value(struct rg_parser *p, struct rg_loc loc,
			    struct ct_rego_value *v)
{
	if (!v || !rg_keep(p->a, v))
		return NULL;
	struct rg_term *t = rg_mk(p, RT_VALUE, loc);
	if (t) {
		t->val = v;
		t->ground = true;
	}
	return t;
}

struct rg_term *rg_mk_call(struct rg_parser *p, struct rg_loc loc,
			   const char *name, struct rg_term *a,
			   struct rg_term *b, struct rg_term *c3)
{
	struct rg_term *t = rg_mk(p, RT_CALL, loc);
	if (!t)
		return NULL;
	t->name = name;
	size_t n = c3 ? 3 : b ? 2 : 1;
	t->items = rg_alloc(p->a, n * sizeof(*t->items));
	if (!t->items)
		return NULL;
	t->items[0] = a;
	if (n > 1)
		t->items[1] = b;
	if (n > 2)
		t->items[2] = c3;
	t->n = n;
	return t;
}

/* Computes the value of a composite term whose items are all ground. */
void rg_fold(struct rg_parser *p, struct rg_term *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (!t->items[i]->ground)
			return;
	struct ct_rego_value *v = NULL;
	if (t->kind == RT_ARRAY)
		v = ct_rego_array_new(t->n);
	else if (t->kind == RT_SET)
		v = ct_rego_set_new(t->n);
	else if (t->kind == RT_OBJECT)
		v = ct_rego_object_new(t->n / 2);
	if (!v)
		return;
	for (size_t i = 0; i < t->n; i++) {
		struct ct_rego_value *e = ct_rego_value_ref(t->items[i]->val);
		ct_result r;
		if (t->kind == RT_ARRAY) {
			r = ct_rego_array_append(v, e);
		} else if (t->kind == RT_SET) {
			r = ct_rego_set_add(v, e);
		} else {
			struct ct_rego_value *ev =
				ct_rego_value_ref(t->items[i + 1]->val);
			/* a repeated key: the last one wins, as in OPA */
			r = ct_rego_object_insert(v, e, ev);
			i++;
		}
		if (!ct_ok(r)) {
			ct_rego_value_unref(v);
			return;
		}
	}
	if (rg_keep(p->a, v)) {
		t->val = v;
		t->ground = true;
	}
}

static ct_result enter(struct rg_parser *p)
{
	if (++p->depth > CT_REGO_PARSE_MAX_DEPTH)
		return CT_FAIL(CT_ERR_LIMIT,
			       "%s:%u:%u: rego_parse_error: nesting deeper than %d",
			       TOK(p)->loc.file, TOK(p)->loc.line,
			       TOK(p)->loc.col, CT_REGO_PARSE_MAX_DEPTH);
	return CT_OK;
}

/* [ items ] or [ head | body ]; p->i is at '['. */
static ct_result parse_bracket(struct rg_parser *p, struct rg_term **out)
{
	struct rg_loc loc = TOK(p)->loc;
	p->i++;
	unsigned nest = p->nest++;
	bool nobar = p->no_bar;
	struct rg_term *t = rg_mk(p, RT_ARRAY, loc);
	struct rg_term **items = NULL;
	size_t n = 0, cap = 0;
	if (!t)
		return rg_nomem();
	while (TOK(p)->kind != TK_RBRACK) {
		struct rg_term *e;
		p->no_bar = n == 0;
		CT_GUARD(rg_parse_expr(p, &e));
		p->no_bar = false;
		if (n == 0 && TOK(p)->kind == TK_BAR) {
			p->i++;
			t->kind = RT_ACOMP;
			t->head = e;
			CT_GUARD(rg_parse_body_until(p, TK_RBRACK, &t->body));
			p->i--; /* the ']' is consumed below */
			break;
		}
		CT_GUARD(rg_push_term(p, &items, &n, &cap, e));
		if (TOK(p)->kind == TK_COMMA) {
			p->i++;
			continue;
		}
		if (TOK(p)->kind != TK_RBRACK)
			return rg_perr(p, TOK(p), "expected ']' or ','");
	}
	p->i++;
	p->nest = nest;
	p->no_bar = nobar;
	if (t->kind == RT_ARRAY) {
		t->items = items;
		t->n = n;
		rg_fold(p, t);
	}
	*out = t;
	return CT_OK;
}

/* { }, {k: v, ...}, {a, b}, {h | body}, {k: v | body}. */
static ct_result parse_brace(struct rg_parser *p, struct rg_term **out)
{
	struct rg_loc loc = TOK(p)->loc;
	p->i++;
	unsigned nest = p->nest++;
	bool nobar = p->no_bar;
	struct rg_term *t = rg_mk(p, RT_OBJECT, loc);
	struct rg_term **items = NULL;
	size_t n = 0, cap = 0;
	int kind = 0; /* 0 unknown, 1 object, 2 set */
	if (!t)
		return rg_nomem();
	while (TOK(p)->kind != TK_RBRACE) {
		struct rg_term *e, *v = NULL;
		p->no_bar = n == 0;
		CT_GUARD(rg_parse_expr(p, &e));
		if (TOK(p)->kind == TK_COLON && kind != 2) {
			p->i++;
			kind = 1;
			CT_GUARD(rg_parse_expr(p, &v));
		} else if (kind == 1) {
			return rg_perr(p, TOK(p), "expected ':' in object");
		} else {
			kind = 2;
		}
		p->no_bar = false;
		if (n == 0 && TOK(p)->kind == TK_BAR) {
			p->i++;
			t->kind = kind == 1 ? RT_OCOMP : RT_SCOMP;
			t->key = kind == 1 ? e : NULL;
			t->head = kind == 1 ? v : e;
			CT_GUARD(rg_parse_body_until(p, TK_RBRACE, &t->body));
			p->i--; /* the '}' is consumed below */
			break;
		}
		CT_GUARD(rg_push_term(p, &items, &n, &cap, e));
		if (v)
			CT_GUARD(rg_push_term(p, &items, &n, &cap, v));
		if (TOK(p)->kind == TK_COMMA) {
			p->i++;
			continue;
		}
		if (TOK(p)->kind != TK_RBRACE)
			return rg_perr(p, TOK(p), "expected '}' or ','");
	}
	p->i++;
	p->nest = nest;
	p->no_bar = nobar;
	if (t->kind == RT_OBJECT) {
		if (kind == 2)
			t->kind = RT_SET;
		t->items = items;
		t->n = n;
		rg_fold(p, t);
	}
	*out = t;
	return CT_OK;
}

ct_result rg_push_term(struct rg_parser *p, struct rg_term ***items,
		       size_t *n, size_t *cap, struct rg_term *t)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct rg_term **ni = rg_alloc(p->a, nc * sizeof(*ni));
		if (!ni)
			return rg_nomem();
		if (*n)
			memcpy(ni, *items, *n * sizeof(*ni));
		*items = ni;
		*cap = nc;
	}
	(*items)[(*n)++] = t;
	return CT_OK;
}

static ct_result parse_primary(struct rg_parser *p, struct rg_term **out)
{
	struct rg_token *t = TOK(p);
	struct ct_rego_value *v;
	switch (t->kind) {
	case TK_NUMBER: {
		ct_result r = ct_rego_value_number_parse(t->text, t->len, &v);
		if (!ct_ok(r))
			return rg_perr(p, t, "invalid number");
		p->i++;
		*out = rg_mk_value(p, t->loc, v);
		return *out ? CT_OK : rg_nomem();
	}
	case TK_STRING:
		p->i++;
		*out = rg_mk_value(p, t->loc,
				   ct_rego_value_string_new(t->str, t->str_len));
		return *out ? CT_OK : rg_nomem();
	case TK_TEMPLATE:
		p->i++;
		return rg_parse_template(p, t, out);
	case TK_LBRACK:
		return parse_bracket(p, out);
	case TK_LBRACE:
		return parse_brace(p, out);
	case TK_LPAREN: {
		p->i++;
		unsigned nest = p->nest++;
		bool nobar = p->no_bar;
		p->no_bar = false;
		CT_GUARD(rg_parse_expr(p, out));
		if (TOK(p)->kind == TK_COMMA) {
			struct rg_loc cl = TOK(p)->loc;
			p->i++;
			CT_GUARD(rg_parse_member3(p, *out, cl, out));
		}
		if (TOK(p)->kind != TK_RPAREN)
			return rg_perr(p, TOK(p), "expected ')'");
		p->i++;
		p->nest = nest;
		p->no_bar = nobar;
		return CT_OK;
	}
	case TK_IDENT:
		break;
	default:
		return rg_perr(p, t, "unexpected %.*s token",
			       (int)(t->len ? t->len : 3),
			       t->len ? t->text : "eof");
	}
	p->i++;
	bool dotted_next = TOK(p)->kind == TK_DOT && !TOK(p)->nl_before &&
			   TOK(p)->text == t->text + t->len;
	if (!dotted_next && (rg_is_ident(t, "true") || rg_is_ident(t, "false"))) {
		*out = rg_mk_value(p, t->loc,
				   ct_rego_value_bool(rg_is_ident(t, "true")));
		return *out ? CT_OK : rg_nomem();
	}
	if (!dotted_next && rg_is_ident(t, "null")) {
		*out = rg_mk_value(p, t->loc, ct_rego_value_null());
		return *out ? CT_OK : rg_nomem();
	}
	if (rg_is_ident(t, "set") && TOK(p)->kind == TK_LPAREN &&
	    p->toks[p->i + 1].kind == TK_RPAREN) {
		p->i += 2;
		*out = rg_mk_value(p, t->loc, ct_rego_set_new(0));
		return *out ? CT_OK : rg_nomem();
	}
	static const char *const reserved[] = {
		"as", "default", "else", "import", "not", "package", "some",
		"with", "if", "contains", "in", "every", NULL,
	};
	bool call_next = TOK(p)->kind == TK_LPAREN && TOK(p)->text == t->text + t->len &&
			 rg_is_ident(t, "contains");
	for (size_t i = 0; reserved[i] && !dotted_next && !call_next; i++)
		if (rg_is_kw(p, t, reserved[i]))
			return rg_perr(p, t, "unexpected %s keyword", reserved[i]);
	struct rg_term *var = rg_mk(p, RT_VAR, t->loc);
	if (!var || !(var->name = rg_strndup(p->a, t->text, t->len)))
		return rg_nomem();
	*out = var;
	return CT_OK;
}

/* Term with reference segments and calls. */
ct_result rg_parse_term(struct rg_parser *p, struct rg_term **out)
{
	CT_GUARD(enter(p));
	struct rg_term *t;
	CT_GUARD(parse_primary(p, &t));
	struct rg_term **segs = NULL;
	size_t n = 0, cap = 0;
	bool dotted = t->kind == RT_VAR;
	for (;;) {
		struct rg_token *k = TOK(p);
		if (k->kind == TK_DOT && p->toks[p->i + 1].kind == TK_IDENT &&
		    !p->toks[p->i + 1].nl_before) {
			struct rg_token *id = &p->toks[p->i + 1];
			p->i += 2;
			struct rg_term *s = rg_mk_value(p, id->loc,
				ct_rego_value_string_new(id->text, id->len));
			if (!s)
				return rg_nomem();
			if (n == 0)
				CT_GUARD(rg_push_term(p, &segs, &n, &cap, t));
			CT_GUARD(rg_push_term(p, &segs, &n, &cap, s));
			continue;
		}
		if (k->kind == TK_LBRACK && !k->nl_before) {
			p->i++;
			unsigned nest = p->nest++;
			bool nobar = p->no_bar;
			p->no_bar = false;
			struct rg_term *s;
			CT_GUARD(rg_parse_expr(p, &s));
			if (TOK(p)->kind != TK_RBRACK)
				return rg_perr(p, TOK(p), "expected ']'");
			p->i++;
			p->nest = nest;
			p->no_bar = nobar;
			if (n == 0)
				CT_GUARD(rg_push_term(p, &segs, &n, &cap, t));
			CT_GUARD(rg_push_term(p, &segs, &n, &cap, s));
			if (!(s->kind == RT_VALUE &&
			      ct_rego_value_kind(s->val) == CT_REGO_STRING))
				dotted = false;
			continue;
		}
		if (k->kind == TK_LPAREN && !k->nl_before && dotted) {
			/* a call: name is the dotted reference */
			struct ct_buf nb;
			ct_buf_init(&nb, 4096);
			ct_result r = ct_buf_append_str(&nb, t->name);
			for (size_t i = 1; i < n && ct_ok(r); i++) {
				r = ct_buf_append_byte(&nb, '.');
				if (ct_ok(r))
					r = ct_buf_append_str(&nb,
						ct_rego_value_str(segs[i]->val));
			}
			char *name = ct_ok(r) ? rg_strndup(p->a, ct_buf_cstr(&nb), nb.len)
					      : NULL;
			ct_buf_dispose(&nb);
			if (!name)
				return rg_nomem();
			struct rg_term *c = rg_mk(p, RT_CALL, t->loc);
			if (!c)
				return rg_nomem();
			c->name = name;
			p->i++;
			unsigned nest = p->nest++;
			bool nobar = p->no_bar;
			p->no_bar = false;
			size_t acap = 0;
			while (TOK(p)->kind != TK_RPAREN) {
				struct rg_term *a;
				CT_GUARD(rg_parse_expr(p, &a));
				CT_GUARD(rg_push_term(p, &c->items, &c->n, &acap, a));
				if (TOK(p)->kind == TK_COMMA)
					p->i++;
				else if (TOK(p)->kind != TK_RPAREN)
					return rg_perr(p, TOK(p), "expected ')' or ','");
			}
			p->i++;
			p->nest = nest;
			p->no_bar = nobar;
			t = c;
			segs = NULL;
			n = cap = 0;
			dotted = false;
			continue;
		}
		break;
	}
	if (n > 0) {
		struct rg_term *r = rg_mk(p, RT_REF, t->loc);
		if (!r)
			return rg_nomem();
		r->items = segs;
		r->n = n;
		t = r;
	}
	p->depth--;
	*out = t;
	return CT_OK;
}

/* ------------------------------------------------------- operators */

static ct_result parse_level(struct rg_parser *p, int lv, struct rg_term **out);

static ct_result parse_unary(struct rg_parser *p, struct rg_term **out)
{
	struct rg_token *t = TOK(p);
	if (t->kind == TK_MINUS) {
		struct rg_token *n = &p->toks[p->i + 1];
		p->i++;
		if (n->kind == TK_NUMBER && n->text == t->text + 1) {
			struct ct_rego_value *v;
			struct ct_buf b;
			ct_buf_init(&b, CT_REGO_NUMBER_TEXT_MAX + 2);
			ct_result r = ct_buf_append_byte(&b, '-');
			if (ct_ok(r))
				r = ct_buf_append(&b, n->text, n->len);
			if (ct_ok(r))
				r = ct_rego_value_number_parse(ct_buf_cstr(&b),
							       b.len, &v);
			ct_buf_dispose(&b);
			if (!ct_ok(r))
				return rg_perr(p, n, "invalid number");
			p->i++;
			*out = rg_mk_value(p, t->loc, v);
			if (!*out)
				return rg_nomem();
			/* allow a reference on it? no: numbers take none */
			return CT_OK;
		}
		struct rg_term *x;
		CT_GUARD(enter(p));
		CT_GUARD(parse_unary(p, &x));
		p->depth--;
		struct rg_term *zero = rg_mk_value(p, t->loc, ct_rego_value_int(0));
		*out = zero ? rg_mk_call(p, t->loc, "minus", zero, x, NULL) : NULL;
		return *out ? CT_OK : rg_nomem();
	}
	return rg_parse_term(p, out);
}

struct binop {
	enum rg_tok tok;
	const char *name;
};

static const struct binop lv_mul[] = { { TK_STAR, "mul" }, { TK_SLASH, "div" },
				       { TK_PERCENT, "rem" }, { 0, NULL } };
static const struct binop lv_add[] = { { TK_PLUS, "plus" }, { TK_MINUS, "minus" },
				       { 0, NULL } };
static const struct binop lv_amp[] = { { TK_AMP, "and" }, { 0, NULL } };
static const struct binop lv_bar[] = { { TK_BAR, "or" }, { 0, NULL } };
static const struct binop lv_cmp[] = {
	{ TK_EQ, "equal" }, { TK_NEQ, "neq" }, { TK_LT, "lt" },
	{ TK_LTE, "lte" }, { TK_GT, "gt" }, { TK_GTE, "gte" }, { 0, NULL } };
static const struct binop *const levels[] = { lv_cmp, lv_bar, lv_amp,
					       lv_add, lv_mul };

static ct_result parse_level(struct rg_parser *p, int lv, struct rg_term **out)
{
	if (lv == 5)
		return parse_unary(p, out);
	struct rg_term *lhs;
	CT_GUARD(enter(p));
	CT_GUARD(parse_level(p, lv + 1, &lhs));
	for (;;) {
		struct rg_token *t = TOK(p);
		if (t->nl_before && p->nest == 0)
			break;
		if (t->kind == TK_BAR && p->no_bar)
			break;
		const struct binop *op = NULL;
		for (const struct binop *b = levels[lv]; b->name; b++)
			if (b->tok == t->kind)
				op = b;
		if (!op)
			break;
		p->i++;
		struct rg_term *rhs;
		CT_GUARD(parse_level(p, lv + 1, &rhs));
		lhs = rg_mk_call(p, t->loc, op->name, lhs, rhs, NULL);
		if (!lhs)
			return rg_nomem();
	}
	p->depth--;
	*out = lhs;
	return CT_OK;
}

/* Membership: a in b, (k, v in b only at literal level). */
ct_result rg_parse_expr(struct rg_parser *p, struct rg_term **out)
{
	struct rg_term *lhs;
	CT_GUARD(parse_level(p, 0, &lhs));
	while (rg_is_kw(p, TOK(p), "in") && !(TOK(p)->nl_before && p->nest == 0)) {
		struct rg_loc loc = TOK(p)->loc;
		p->i++;
		struct rg_term *rhs;
		CT_GUARD(parse_level(p, 0, &rhs));
		lhs = rg_mk_call(p, loc, "internal.member_2", lhs, rhs, NULL);
		if (!lhs)
			return rg_nomem();
	}
	*out = lhs;
	return CT_OK;
}

/* After `k` and a ',' (consumed): `v in xs [in ys ...]`. */
ct_result rg_parse_member3(struct rg_parser *p, struct rg_term *k,
			   struct rg_loc loc, struct rg_term **out)
{
	struct rg_term *v, *coll;
	CT_GUARD(parse_level(p, 0, &v));
	if (!rg_is_kw(p, TOK(p), "in"))
		return rg_perr(p, TOK(p), "expected 'in'");
	p->i++;
	CT_GUARD(parse_level(p, 0, &coll));
	struct rg_term *t = rg_mk_call(p, loc, "internal.member_3", k, v, coll);
	if (!t)
		return rg_nomem();
	while (rg_is_kw(p, TOK(p), "in") && !(TOK(p)->nl_before && p->nest == 0)) {
		struct rg_loc l2 = TOK(p)->loc;
		p->i++;
		struct rg_term *rhs;
		CT_GUARD(parse_level(p, 0, &rhs));
		t = rg_mk_call(p, l2, "internal.member_2", t, rhs, NULL);
		if (!t)
			return rg_nomem();
	}
	*out = t;
	return CT_OK;
}

/* Top of a literal: expr [(:= | =) expr], or `k, v in xs`. */
ct_result rg_parse_lit_expr(struct rg_parser *p, struct rg_term **out)
{
	struct rg_term *lhs, *rhs;
	CT_GUARD(rg_parse_expr(p, &lhs));
	struct rg_token *t = TOK(p);
	if (t->kind == TK_COMMA && p->nest == 0) {
		p->i++;
		CT_GUARD(rg_parse_member3(p, lhs, t->loc, &lhs));
		t = TOK(p);
	}
	if ((t->kind == TK_ASSIGN || t->kind == TK_UNIFY) &&
	    !(t->nl_before && p->nest == 0)) {
		p->i++;
		CT_GUARD(rg_parse_expr(p, &rhs));
		if (TOK(p)->kind == TK_COMMA && p->nest == 0) {
			/* x := k, v in xs */
			struct rg_loc cl = TOK(p)->loc;
			p->i++;
			CT_GUARD(rg_parse_member3(p, rhs, cl, &rhs));
		}
		lhs = rg_mk_call(p, t->loc, t->kind == TK_ASSIGN ? ":=" : "=",
				 lhs, rhs, NULL);
		if (!lhs)
			return rg_nomem();
		lhs->op = t->kind == TK_ASSIGN ? OP_ASSIGN : OP_UNIFY;
	}
	*out = lhs;
	return CT_OK;
}
