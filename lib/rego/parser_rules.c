/*
 * parser_rules.c - Rego statements: literals (some, every, not, with),
 * bodies, rule heads and else chains, package and imports, queries, and
 * template strings ($"...{expr}...").
 *
 * Trust boundary: untrusted tokens; see parser.c. v0 modules accept the
 * keywords `if`, `contains`, `in` and `every` only after the matching
 * `import future.keywords...` or `import rego.v1`.
 */
#include "rego/parser_impl.h"

#include <string.h>

static ct_result expect(struct rg_parser *p, enum rg_tok k, const char *what)
{
	if (TOK(p)->kind != k)
		return rg_perr(p, TOK(p), "expected %s", what);
	p->i++;
	return CT_OK;
}

/* A keyword used as the head of a reference (`as.foo`, OPA 1.6+). */
static bool ref_next(struct rg_parser *p)
{
	struct rg_token *t = TOK(p), *n = &p->toks[p->i + 1];
	return n->kind == TK_DOT && n->text == t->text + t->len;
}

/* `with target as value` modifiers of a literal. */
static ct_result parse_withs(struct rg_parser *p, struct rg_lit *l)
{
	size_t cap = 0;
	while (rg_is_ident(TOK(p), "with") && !ref_next(p)) {
		p->i++;
		struct rg_with w = { 0 };
		CT_GUARD(rg_parse_term(p, &w.target));
		if (!rg_is_ident(TOK(p), "as"))
			return rg_perr(p, TOK(p), "expected 'as' in with");
		p->i++;
		CT_GUARD(rg_parse_expr(p, &w.value));
		if (l->nwith == cap) {
			cap = cap ? cap * 2 : 2;
			struct rg_with *nw = rg_alloc(p->a, cap * sizeof(*nw));
			if (!nw)
				return rg_nomem();
			if (l->nwith)
				memcpy(nw, l->withs, l->nwith * sizeof(*nw));
			l->withs = nw;
		}
		l->withs[l->nwith++] = w;
	}
	return CT_OK;
}

static ct_result parse_literal_one(struct rg_parser *p, struct rg_lit **out)
{
	struct rg_lit *l = rg_alloc(p->a, sizeof(*l));
	if (!l)
		return rg_nomem();
	struct rg_token *t = TOK(p);
	l->loc = t->loc;
	if (rg_is_ident(t, "some") && !ref_next(p)) {
		p->i++;
		struct rg_term **vs = NULL;
		size_t n = 0, cap = 0;
		for (;;) {
			struct rg_term *v;
			CT_GUARD(rg_parse_term(p, &v));
			CT_GUARD(rg_push_term(p, &vs, &n, &cap, v));
			if (TOK(p)->kind != TK_COMMA)
				break;
			p->i++;
		}
		if (rg_is_kw(p, TOK(p), "in")) {
			p->i++;
			if (n > 2)
				return rg_perr(p, t, "unexpected , in some");
			l->kind = RL_SOME_IN;
			l->key = n == 2 ? vs[0] : NULL;
			l->val = vs[n - 1];
			CT_GUARD(rg_parse_expr(p, &l->expr));
		} else {
			for (size_t i = 0; i < n; i++)
				if (vs[i]->kind != RT_VAR)
					return rg_perr(p, t, "expected var in some declaration");
			l->kind = RL_SOME;
			l->vars = vs;
			l->nvars = n;
		}
		goto withs;
	}
	if (rg_is_kw(p, t, "every") && !ref_next(p)) {
		p->i++;
		struct rg_term *a, *b = NULL;
		CT_GUARD(rg_parse_term(p, &a));
		if (TOK(p)->kind == TK_COMMA) {
			p->i++;
			CT_GUARD(rg_parse_term(p, &b));
		}
		if (!rg_is_kw(p, TOK(p), "in"))
			return rg_perr(p, TOK(p), "expected 'in' in every");
		p->i++;
		l->kind = RL_EVERY;
		l->key = b ? a : NULL;
		l->val = b ? b : a;
		CT_GUARD(rg_parse_expr(p, &l->expr));
		CT_GUARD(expect(p, TK_LBRACE, "'{' after every"));
		CT_GUARD(rg_parse_body_until(p, TK_RBRACE, &l->body));
		goto withs;
	}
	if (rg_is_ident(t, "not") && !ref_next(p)) {
		p->i++;
		l->neg = true;
		if (p->future_not && TOK(p)->kind == TK_LBRACE) {
			/* not { body } (future.keywords.not) */
			p->i++;
			CT_GUARD(rg_parse_body_until(p, TK_RBRACE, &l->body));
			goto withs;
		}
	}
	CT_GUARD(rg_parse_lit_expr(p, &l->expr));
withs:
	CT_GUARD(parse_withs(p, l));
	*out = l;
	return CT_OK;
}

static bool at_bop(struct rg_parser *p, enum rg_bop *op)
{
	struct rg_token *t = TOK(p);
	if (t->nl_before && p->nest == 0)
		return false;
	if (p->kw_and && rg_is_ident(t, "and") && !ref_next(p)) {
		*op = BOP_AND;
		return true;
	}
	if (p->kw_or && rg_is_ident(t, "or") && !ref_next(p)) {
		*op = BOP_OR;
		return true;
	}
	return false;
}

/* Wraps a literal as a body literal (its own scope). */
static ct_result as_leaf(struct rg_parser *p, struct rg_lit *l, bool neg,
			 struct rg_lit **out)
{
	if (l->kind == RL_EXPR && !l->expr && l->body) {
		if (neg)
			l->neg = !l->neg;
		*out = l;
		return CT_OK;
	}
	struct rg_lit *w = rg_alloc(p->a, sizeof(*w));
	struct rg_body *b = rg_alloc(p->a, sizeof(*b));
	if (!w || !b)
		return rg_nomem();
	b->lits = rg_alloc(p->a, sizeof(*b->lits));
	if (!b->lits)
		return rg_nomem();
	b->lits[0] = l;
	b->n = 1;
	w->kind = RL_EXPR;
	w->loc = l->loc;
	w->body = b;
	w->neg = neg;
	*out = w;
	return CT_OK;
}

static ct_result parse_bool_or(struct rg_parser *p, struct rg_lit **out);

/* operand := not operand | { body } | ( or-expr ) | literal */
static ct_result parse_operand(struct rg_parser *p, struct rg_lit **out)
{
	struct rg_token *t = TOK(p);
	if (rg_is_ident(t, "not") && !ref_next(p)) {
		p->i++;
		struct rg_lit *x;
		CT_GUARD(parse_operand(p, &x));
		return as_leaf(p, x, true, out);
	}
	if (t->kind == TK_LBRACE || t->kind == TK_LPAREN) {
		size_t save = p->i;
		unsigned depth = p->depth, nest = p->nest;
		ct_result r;
		struct rg_lit *x = NULL;
		p->i++;
		if (t->kind == TK_LBRACE) {
			struct rg_body *b;
			r = rg_parse_body_until(p, TK_RBRACE, &b);
			if (ct_ok(r)) {
				x = rg_alloc(p->a, sizeof(*x));
				if (!x)
					return rg_nomem();
				x->kind = RL_EXPR;
				x->loc = t->loc;
				x->body = b;
			}
		} else {
			p->nest++;
			r = parse_bool_or(p, &x);
			p->nest = nest;
			if (ct_ok(r) && TOK(p)->kind != TK_RPAREN) {
				r = CT_FAIL(CT_ERR_USAGE, "no group");
			} else if (ct_ok(r)) {
				p->i++;
				x->grouped = true;
			}
		}
		enum rg_bop op;
		struct rg_token *n = TOK(p);
		if (ct_ok(r) && (at_bop(p, &op) || n->kind == TK_RPAREN ||
				 n->kind == TK_RBRACE || n->kind == TK_SEMI ||
				 n->kind == TK_EOF || n->nl_before)) {
			*out = x;
			return CT_OK;
		}
		if (!ct_ok(r) && r.err != CT_ERR_USAGE)
			return r;
		ct_error_clear();
		p->i = save;
		p->depth = depth;
		p->nest = nest;
	}
	return parse_literal_one(p, out);
}

static ct_result parse_bool_and(struct rg_parser *p, struct rg_lit **out)
{
	struct rg_lit *l;
	enum rg_bop op;
	CT_GUARD(parse_operand(p, &l));
	while (at_bop(p, &op) && op == BOP_AND) {
		struct rg_loc loc = TOK(p)->loc;
		p->i++;
		struct rg_lit *r, *n = rg_alloc(p->a, sizeof(*n));
		if (!n)
			return rg_nomem();
		CT_GUARD(parse_operand(p, &r));
		n->kind = RL_BOOL;
		n->loc = loc;
		n->bop = BOP_AND;
		CT_GUARD(as_leaf(p, l, false, &n->ba));
		CT_GUARD(as_leaf(p, r, false, &n->bb));
		l = n;
	}
	*out = l;
	return CT_OK;
}

static ct_result parse_bool_or(struct rg_parser *p, struct rg_lit **out)
{
	struct rg_lit *l;
	enum rg_bop op;
	if (++p->depth > CT_REGO_PARSE_MAX_DEPTH)
		return CT_FAIL(CT_ERR_LIMIT, "%s:%u:%u: rego_parse_error: nesting deeper than %d",
			       TOK(p)->loc.file, TOK(p)->loc.line, TOK(p)->loc.col,
			       CT_REGO_PARSE_MAX_DEPTH);
	CT_GUARD(parse_bool_and(p, &l));
	while (at_bop(p, &op) && op == BOP_OR) {
		struct rg_loc loc = TOK(p)->loc;
		p->i++;
		struct rg_lit *r, *n = rg_alloc(p->a, sizeof(*n));
		if (!n)
			return rg_nomem();
		CT_GUARD(parse_bool_and(p, &r));
		n->kind = RL_BOOL;
		n->loc = loc;
		n->bop = BOP_OR;
		CT_GUARD(as_leaf(p, l, false, &n->ba));
		CT_GUARD(as_leaf(p, r, false, &n->bb));
		l = n;
	}
	p->depth--;
	*out = l;
	return CT_OK;
}

static ct_result parse_literal(struct rg_parser *p, struct rg_lit **out)
{
	if (!p->kw_and && !p->kw_or)
		return parse_literal_one(p, out);
	CT_GUARD(parse_bool_or(p, out));
	/* `a and b with x as y`: a trailing `with` applies to the whole
	 * expression, unless it sits inside a group */
	struct rg_lit *top = *out, *r = top;
	if (top->kind != RL_BOOL)
		return CT_OK;
	while (r->kind == RL_BOOL)
		r = r->bb;
	struct rg_lit *inner = r->body && r->body->n == 1 ? r->body->lits[0] : NULL;
	if (inner && !inner->grouped && inner->nwith && !r->grouped) {
		top->withs = inner->withs;
		top->nwith = inner->nwith;
		inner->withs = NULL;
		inner->nwith = 0;
	}
	return CT_OK;
}

static ct_result push_lit(struct rg_parser *p, struct rg_body *b, size_t *cap,
			  struct rg_lit *l)
{
	if (b->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct rg_lit **nl = rg_alloc(p->a, nc * sizeof(*nl));
		if (!nl)
			return rg_nomem();
		if (b->n)
			memcpy(nl, b->lits, b->n * sizeof(*nl));
		b->lits = nl;
		*cap = nc;
	}
	b->lits[b->n++] = l;
	return CT_OK;
}

/* Literals up to (and consuming) `end`; TK_EOF for queries. */
ct_result rg_parse_body_until(struct rg_parser *p, enum rg_tok end,
			      struct rg_body **out)
{
	struct rg_body *b = rg_alloc(p->a, sizeof(*b));
	if (!b)
		return rg_nomem();
	unsigned nest = p->nest;
	bool nobar = p->no_bar;
	p->nest = 0;
	p->no_bar = false;
	size_t cap = 0;
	if (++p->depth > CT_REGO_PARSE_MAX_DEPTH)
		return CT_FAIL(CT_ERR_LIMIT,
			       "%s:%u:%u: rego_parse_error: nesting deeper than %d",
			       TOK(p)->loc.file, TOK(p)->loc.line,
			       TOK(p)->loc.col, CT_REGO_PARSE_MAX_DEPTH);
	while (TOK(p)->kind == TK_SEMI)
		p->i++;
	while (TOK(p)->kind != end) {
		if (TOK(p)->kind == TK_EOF)
			return rg_perr(p, TOK(p), "body is not terminated");
		struct rg_lit *l;
		if (b->n >= CT_REGO_MAX_BODY_LITERALS)
			return CT_FAIL(CT_ERR_LIMIT,
				       "%s:%u:%u: rego_parse_error: more than %d literals in one body",
				       TOK(p)->loc.file, TOK(p)->loc.line, TOK(p)->loc.col,
				       CT_REGO_MAX_BODY_LITERALS);
		CT_GUARD(parse_literal(p, &l));
		CT_GUARD(push_lit(p, b, &cap, l));
		struct rg_token *t = TOK(p);
		if (t->kind == TK_SEMI) {
			while (TOK(p)->kind == TK_SEMI)
				p->i++;
			continue;
		}
		if (t->kind == end)
			break;
		if (!t->nl_before)
			return rg_perr(p, t, "unexpected %.*s token: expected end of expression",
				       (int)(t->len ? t->len : 3),
				       t->len ? t->text : "eof");
	}
	if (end != TK_EOF)
		p->i++;
	if (b->n == 0 && end != TK_EOF)
		return rg_perr(p, &p->toks[p->i - 1], "found empty body");
	p->depth--;
	p->nest = nest;
	p->no_bar = nobar;
	*out = b;
	return CT_OK;
}

/* A body after `if`: `{ ... }` or a single literal. */
static ct_result parse_rule_body(struct rg_parser *p, struct rg_body **out)
{
	if (TOK(p)->kind == TK_LBRACE) {
		/* `if {` is a body, unless that fails to parse and the braces
		 * hold one term (`if {x: 1 | ...}`) */
		size_t save = p->i;
		unsigned depth = p->depth, nest = p->nest;
		p->i++;
		ct_result r = rg_parse_body_until(p, TK_RBRACE, out);
		if (ct_ok(r) || r.err != CT_ERR_USAGE ||
		    p->toks[save + 1].kind == TK_RBRACE)
			return r;
		p->i = save;
		p->depth = depth;
		p->nest = nest;
		p->no_bar = false;
		ct_error_clear();
	}
	struct rg_body *b = rg_alloc(p->a, sizeof(*b));
	struct rg_lit *l;
	if (!b)
		return rg_nomem();
	CT_GUARD(parse_literal(p, &l));
	size_t cap = 0;
	CT_GUARD(push_lit(p, b, &cap, l));
	*out = b;
	return CT_OK;
}

static ct_result push_rule(struct rg_parser *p, struct rg_module *m,
			   size_t *cap, struct rg_rule *r)
{
	if (m->nrules == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct rg_rule **nr = rg_alloc(p->a, nc * sizeof(*nr));
		if (!nr)
			return rg_nomem();
		if (m->nrules)
			memcpy(nr, m->rules, m->nrules * sizeof(*nr));
		m->rules = nr;
		*cap = nc;
	}
	m->rules[m->nrules++] = r;
	return CT_OK;
}

static ct_result parse_rule(struct rg_parser *p, struct rg_module *m,
			    size_t *cap)
{
	struct rg_rule *r = rg_alloc(p->a, sizeof(*r));
	if (!r)
		return rg_nomem();
	struct rg_token *start = TOK(p);
	r->loc = start->loc;
	r->mod = m;
	r->kind = RK_COMPLETE;
	if (rg_is_ident(start, "default") && !ref_next(p)) {
		r->is_default = true;
		p->i++;
	}
	struct rg_term *h;
	CT_GUARD(rg_parse_term(p, &h));
	if (h->kind == RT_CALL) {
		r->kind = RK_FUNC;
		r->args = h->items;
		r->nargs = h->n;
		r->ref = rg_mk(p, RT_VAR, h->loc);
		if (!r->ref)
			return rg_nomem();
		r->ref->name = h->name;
	} else if (h->kind == RT_VAR ||
		   (h->kind == RT_REF && h->items[0]->kind == RT_VAR)) {
		r->ref = h;
	} else {
		return rg_perr(p, start, "invalid rule head");
	}
	bool has_if = false;
	if (rg_is_kw(p, TOK(p), "contains") && !ref_next(p)) {
		p->i++;
		r->kind = RK_SET;
		CT_GUARD(rg_parse_expr(p, &r->key));
	}
	struct rg_token *t = TOK(p);
	if ((t->kind == TK_ASSIGN || t->kind == TK_UNIFY) && r->kind != RK_SET) {
		p->i++;
		r->assign = t->kind == TK_ASSIGN;
		CT_GUARD(rg_parse_expr(p, &r->value));
	}
	if (r->kind == RK_COMPLETE && !r->value && p->syntax == CT_REGO_V0 &&
	    h->kind == RT_REF && h->n == 2 &&
	    !(rg_is_kw(p, TOK(p), "if") && !ref_next(p))) {
		/* v0 partial set: p[x] { ... } */
		r->kind = RK_SET;
		r->key = h->items[1];
		r->ref = h->items[0];
	}
	if (r->is_default) {
		if (!r->value)
			return rg_perr(p, TOK(p), "default rule must have a value");
		if (r->kind == RK_FUNC)
			r->kind = RK_FUNC;
		CT_GUARD(push_rule(p, m, cap, r));
		return CT_OK;
	}
	if (rg_is_kw(p, TOK(p), "if") && !ref_next(p)) {
		p->i++;
		has_if = true;
		CT_GUARD(parse_rule_body(p, &r->body));
	} else if (TOK(p)->kind == TK_LBRACE) {
		if (p->syntax == CT_REGO_V1)
			return rg_perr(p, TOK(p),
				       "`if` keyword is required before rule body");
		p->i++;
		CT_GUARD(rg_parse_body_until(p, TK_RBRACE, &r->body));
	}
	CT_GUARD(push_rule(p, m, cap, r));
	/* else chain */
	struct rg_rule *prev = r;
	while (rg_is_ident(TOK(p), "else") && !ref_next(p)) {
		struct rg_rule *e = rg_alloc(p->a, sizeof(*e));
		if (!e)
			return rg_nomem();
		*e = *r;
		e->loc = TOK(p)->loc;
		e->value = NULL;
		e->body = NULL;
		e->els = NULL;
		p->i++;
		t = TOK(p);
		if (t->kind == TK_ASSIGN || t->kind == TK_UNIFY) {
			p->i++;
			CT_GUARD(rg_parse_expr(p, &e->value));
		}
		if (rg_is_kw(p, TOK(p), "if") && !ref_next(p)) {
			p->i++;
			CT_GUARD(parse_rule_body(p, &e->body));
		} else if (TOK(p)->kind == TK_LBRACE) {
			if (p->syntax == CT_REGO_V1)
				return rg_perr(p, TOK(p),
					       "`if` keyword is required before rule body");
			p->i++;
			CT_GUARD(rg_parse_body_until(p, TK_RBRACE, &e->body));
		}
		prev->els = e;
		prev = e;
	}
	/* chained bodies: p if { a } { b } */
	while (TOK(p)->kind == TK_LBRACE && !TOK(p)->nl_before &&
	       (has_if || p->syntax == CT_REGO_V0) && r->body) {
		struct rg_rule *c = rg_alloc(p->a, sizeof(*c));
		if (!c)
			return rg_nomem();
		*c = *r;
		c->els = NULL;
		p->i++;
		CT_GUARD(rg_parse_body_until(p, TK_RBRACE, &c->body));
		CT_GUARD(push_rule(p, m, cap, c));
	}
	return CT_OK;
}

/* A ref of identifiers and string segments as a path array. */
static ct_result ref_path(struct rg_parser *p, struct rg_term *t,
			  const char ***out, size_t *n)
{
	size_t cnt = t->kind == RT_REF ? t->n : 1;
	const char **path = rg_alloc(p->a, cnt * sizeof(*path));
	if (!path)
		return rg_nomem();
	for (size_t i = 0; i < cnt; i++) {
		struct rg_term *s = t->kind == RT_REF ? t->items[i] : t;
		if (s->kind == RT_VAR)
			path[i] = s->name;
		else if (s->kind == RT_VALUE &&
			 ct_rego_value_kind(s->val) == CT_REGO_STRING)
			path[i] = ct_rego_value_str(s->val);
		else
			return CT_FAIL(CT_ERR_USAGE,
				       "%s:%u:%u: rego_parse_error: invalid path",
				       s->loc.file, s->loc.line, s->loc.col);
	}
	*out = path;
	*n = cnt;
	return CT_OK;
}

static void enable_all(struct rg_parser *p)
{
	p->kw_if = p->kw_contains = p->kw_in = p->kw_every = true;
}

CT_RESULT rg_parse_module(struct rg_arena *a, const char *file,
			  const char *text, size_t len,
			  enum ct_rego_syntax syntax, struct rg_module **out)
{
	struct rg_parser p = { .a = a, .file = file, .syntax = syntax };
	CT_GUARD(rg_lex(a, file, text, len, &p.toks, &p.ntoks));
	struct rg_module *m = rg_alloc(a, sizeof(*m));
	if (!m)
		return rg_nomem();
	m->file = file;
	if (!rg_is_ident(TOK(&p), "package"))
		return rg_perr(&p, TOK(&p), "package expected");
	p.i++;
	struct rg_term *pk;
	CT_GUARD(rg_parse_term(&p, &pk));
	CT_GUARD(ref_path(&p, pk, &m->pkg, &m->npkg));
	size_t icap = 0;
	while (rg_is_ident(TOK(&p), "import")) {
		struct rg_import im = { .loc = TOK(&p)->loc };
		p.i++;
		CT_GUARD(rg_parse_term(&p, &im.ref));
		if (rg_is_ident(TOK(&p), "as")) {
			p.i++;
			if (TOK(&p)->kind != TK_IDENT)
				return rg_perr(&p, TOK(&p), "expected alias");
			im.alias = rg_strndup(a, TOK(&p)->text, TOK(&p)->len);
			p.i++;
		}
		const char **path;
		size_t n;
		CT_GUARD(ref_path(&p, im.ref, &path, &n));
		if (strcmp(path[0], "future") == 0) {
			if (n < 2 || strcmp(path[1], "keywords") != 0)
				return rg_perr(&p, TOK(&p), "invalid import %s", path[0]);
			if (n == 2) {
				enable_all(&p);
			} else if (strcmp(path[2], "if") == 0) {
				p.kw_if = true;
			} else if (strcmp(path[2], "contains") == 0) {
				p.kw_contains = true;
			} else if (strcmp(path[2], "in") == 0) {
				p.kw_in = true;
			} else if (strcmp(path[2], "every") == 0) {
				p.kw_every = p.kw_in = true;
			} else if (strcmp(path[2], "not") == 0) {
				p.future_not = true;
			} else if (strcmp(path[2], "and") == 0) {
				p.kw_and = true;
			} else if (strcmp(path[2], "or") == 0) {
				p.kw_or = true;
			}
			continue;
		}
		if (strcmp(path[0], "rego") == 0) {
			if (n == 2 && strcmp(path[1], "v1") == 0) {
				enable_all(&p);
				p.syntax = CT_REGO_V1;
				continue;
			}
			return rg_perr(&p, TOK(&p), "invalid import rego");
		}
		if (strcmp(path[0], "data") != 0 && strcmp(path[0], "input") != 0)
			return CT_FAIL(CT_ERR_USAGE,
				       "%s:%u:%u: rego_parse_error: invalid import path %s: path must begin with input or data",
				       file, im.loc.line, im.loc.col, path[0]);
		if (m->nimports == icap) {
			icap = icap ? icap * 2 : 4;
			struct rg_import *ni = rg_alloc(a, icap * sizeof(*ni));
			if (!ni)
				return rg_nomem();
			if (m->nimports)
				memcpy(ni, m->imports, m->nimports * sizeof(*ni));
			m->imports = ni;
		}
		m->imports[m->nimports++] = im;
	}
	size_t rcap = 0;
	while (TOK(&p)->kind != TK_EOF) {
		if (!TOK(&p)->nl_before && m->nrules > 0)
			return rg_perr(&p, TOK(&p), "unexpected %.*s token",
				       (int)TOK(&p)->len, TOK(&p)->text);
		CT_GUARD(parse_rule(&p, m, &rcap));
	}
	m->syntax = p.syntax;
	m->future_not = p.future_not;
	*out = m;
	return CT_OK;
}

CT_RESULT rg_parse_query(struct rg_arena *a, const char *text, size_t len,
			 enum ct_rego_syntax syntax, struct rg_body **out)
{
	struct rg_parser p = { .a = a, .file = "query", .syntax = syntax };
	CT_GUARD(rg_lex(a, "query", text, len, &p.toks, &p.ntoks));
	enable_all(&p);
	CT_GUARD(rg_parse_body_until(&p, TK_EOF, out));
	if ((*out)->n == 0)
		return CT_FAIL(CT_ERR_USAGE, "query:1:1: rego_parse_error: empty query");
	return CT_OK;
}

CT_RESULT rg_parse_term_only(struct rg_arena *a, const char *text,
			     size_t len, struct rg_term **out)
{
	struct rg_parser p = { .a = a, .file = "term", .syntax = CT_REGO_V1 };
	CT_GUARD(rg_lex(a, "term", text, len, &p.toks, &p.ntoks));
	enable_all(&p);
	p.nest = 1;
	CT_GUARD(rg_parse_expr(&p, out));
	if (TOK(&p)->kind != TK_EOF)
		return rg_perr(&p, TOK(&p), "unexpected trailing token");
	return CT_OK;
}

/* ------------------------------------------------ template strings */

static ct_result add_lit(struct rg_parser *p, struct rg_term *arr, size_t *cap,
			 struct ct_buf *b, struct rg_loc loc)
{
	if (b->len == 0)
		return CT_OK;
	struct rg_term *s = rg_mk_value(p, loc,
		ct_rego_value_string_new((const char *)b->data, b->len));
	ct_buf_reset(b);
	if (!s)
		return rg_nomem();
	return rg_push_term(p, &arr->items, &arr->n, cap, s);
}

ct_result rg_parse_template(struct rg_parser *p, const struct rg_token *t,
			    struct rg_term **out)
{
	bool raw = t->text[0] == '`';
	const char *s = t->str;
	size_t n = strlen(s);
	struct rg_term *arr = rg_mk(p, RT_ARRAY, t->loc);
	size_t cap = 0;
	struct ct_buf b;
	ct_result res = CT_OK;
	if (!arr)
		return rg_nomem();
	ct_buf_init(&b, CT_REGO_MODULE_MAX_BYTES);
	for (size_t i = 0; i < n && ct_ok(res);) {
		char c = s[i];
		if (raw && c == '\\' && i + 1 < n && s[i + 1] == '{') {
			res = ct_buf_append_byte(&b, '{');
			i += 2;
			continue;
		}
		if (!raw && c == '\\' && i + 1 < n) {
			char e = s[i + 1];
			char o = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' :
				 e == 'b' ? '\b' : e == 'f' ? '\f' : e;
			res = ct_buf_append_byte(&b, (uint8_t)o);
			i += 2;
			continue;
		}
		if (c != '{') {
			res = ct_buf_append_byte(&b, (uint8_t)c);
			i++;
			continue;
		}
		size_t j = i + 1;
		int depth = 1;
		bool instr = false;
		for (; j < n; j++) {
			if (instr) {
				if (s[j] == '\\')
					j++;
				else if (s[j] == '"')
					instr = false;
				continue;
			}
			if (s[j] == '"')
				instr = true;
			else if (s[j] == '{')
				depth++;
			else if (s[j] == '}' && --depth == 0)
				break;
		}
		if (j >= n) {
			res = rg_perr(p, t, "unterminated expression in template string");
			break;
		}
		res = add_lit(p, arr, &cap, &b, t->loc);
		if (!ct_ok(res))
			break;
		struct rg_parser sub = { .a = p->a, .file = p->file,
					 .syntax = CT_REGO_V1, .nest = 1,
					 .depth = p->depth };
		res = rg_lex(p->a, p->file, s + i + 1, j - i - 1, &sub.toks,
			     &sub.ntoks);
		struct rg_term *e = NULL;
		if (ct_ok(res)) {
			enable_all(&sub);
			res = rg_parse_expr(&sub, &e);
		}
		struct rg_lit *wl = NULL;
		if (ct_ok(res) && rg_is_ident(TOK(&sub), "with")) {
			/* {x | x = expr with ...}: the modifiers apply to expr */
			wl = rg_alloc(p->a, sizeof(*wl));
			struct rg_term *v = rg_mk(p, RT_VAR, e->loc);
			if (!wl || !v) {
				res = rg_nomem();
				break;
			}
			v->name = "__template__";
			wl->kind = RL_EXPR;
			wl->loc = e->loc;
			wl->expr = rg_mk_call(p, e->loc, "=", v, e, NULL);
			if (!wl->expr) {
				res = rg_nomem();
				break;
			}
			wl->expr->op = OP_UNIFY;
			res = parse_withs(&sub, wl);
			e = rg_mk(p, RT_VAR, v->loc);
			if (!e) {
				res = rg_nomem();
				break;
			}
			e->name = v->name;
		}
		if (ct_ok(res) && TOK(&sub)->kind != TK_EOF)
			res = rg_perr(&sub, TOK(&sub), "unexpected token in template expression");
		if (!ct_ok(res))
			break;
		struct rg_term *comp = rg_mk(p, RT_SCOMP, e->loc);
		struct rg_body *body = rg_alloc(p->a, sizeof(*body));
		if (!comp || !body) {
			res = rg_nomem();
			break;
		}
		if (wl) {
			body->lits = rg_alloc(p->a, sizeof(*body->lits));
			if (!body->lits) {
				res = rg_nomem();
				break;
			}
			body->lits[0] = wl;
			body->n = 1;
		}
		comp->head = e;
		comp->body = body;
		res = rg_push_term(p, &arr->items, &arr->n, &cap, comp);
		i = j + 1;
	}
	if (ct_ok(res))
		res = add_lit(p, arr, &cap, &b, t->loc);
	ct_buf_dispose(&b);
	CT_GUARD(res);
	rg_fold(p, arr);
	*out = rg_mk_call(p, t->loc, "internal.template_string", arr, NULL, NULL);
	return *out ? CT_OK : rg_nomem();
}
