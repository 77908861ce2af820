/*
 * parser_impl.h - state shared by parser.c (terms, expressions) and
 * parser_rules.c (literals, bodies, rules, modules). Private.
 */
#ifndef CT_REGO_PARSER_IMPL_H
#define CT_REGO_PARSER_IMPL_H

#include "rego/ast.h"

#include <stdarg.h>
#include <stdio.h>

struct rg_parser {
	struct rg_arena *a;
	struct rg_token *toks;
	size_t ntoks, i;
	const char *file;
	enum ct_rego_syntax syntax;
	unsigned depth;
	unsigned nest;  /* bracket nesting: newlines do not end a literal */
	bool no_bar;    /* first element of a collection: '|' ends it */
	bool kw_if, kw_contains, kw_in, kw_every; /* v0 future keywords */
	bool future_not;
	bool kw_and, kw_or; /* experimental logic operators (imports) */
};

#define TOK(p) (&(p)->toks[(p)->i])

ct_result rg_perr(struct rg_parser *p, const struct rg_token *t,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
ct_result rg_nomem(void);
bool rg_is_ident(const struct rg_token *t, const char *s);
bool rg_is_kw(struct rg_parser *p, const struct rg_token *t, const char *s);
struct rg_term *rg_mk(struct rg_parser *p, enum rg_tkind k, struct rg_loc loc);
struct rg_term *rg_mk_value(struct rg_parser *p, struct rg_loc loc,
			    struct ct_rego_value *v);
struct rg_term *rg_mk_call(struct rg_parser *p, struct rg_loc loc,
			   const char *name, struct rg_term *a,
			   struct rg_term *b, struct rg_term *c3);
void rg_fold(struct rg_parser *p, struct rg_term *t);
ct_result rg_push_term(struct rg_parser *p, struct rg_term ***items,
		       size_t *n, size_t *cap, struct rg_term *t);
ct_result rg_parse_term(struct rg_parser *p, struct rg_term **out);
ct_result rg_parse_expr(struct rg_parser *p, struct rg_term **out);
ct_result rg_parse_member3(struct rg_parser *p, struct rg_term *k,
			   struct rg_loc loc, struct rg_term **out);
ct_result rg_parse_lit_expr(struct rg_parser *p, struct rg_term **out);
ct_result rg_parse_body_until(struct rg_parser *p, enum rg_tok end,
			      struct rg_body **out);
ct_result rg_parse_template(struct rg_parser *p, const struct rg_token *t,
			    struct rg_term **out);

#endif
