/*
 * eval_impl.h - internals shared by the evaluator files (eval.c terms and
 * unification, eval_lit.c literals/calls/with, eval_rules.c documents and
 * rules). Private.
 */
#ifndef CT_REGO_EVAL_IMPL_H
#define CT_REGO_EVAL_IMPL_H

#include "rego/ast.h"

#include <stdarg.h>
#include <stdio.h>

typedef int (*rg_klist)(struct rg_ctx *c, struct ct_rego_value **vals,
			void *arg);

/* One active `with` literal: its overrides and the input it installs. */
struct rg_wframe {
	struct rg_wframe *up;
	struct rg_override *ov;
	size_t nov;
	struct ct_rego_value *input; /* replacement input or NULL */
	bool has_input;
};

uint64_t rg_now_ms(void);
int rg_eval_list(struct rg_ctx *c, struct rg_term **terms, size_t n,
		 rg_klist done, void *arg);
bool rg_has_unbound(struct rg_ctx *c, struct rg_term *t);
int rg_eval_call(struct rg_ctx *c, struct rg_term *t, rg_k k, void *arg);
int rg_eval_lit(struct rg_ctx *c, struct rg_lit *l, rg_kb kb, void *arg);
struct ct_rego_value *rg_input(struct rg_ctx *c);
/* The innermost data override exactly at path (NULL if none); *below is
 * set when an override lies strictly below path. */
struct ct_rego_value *rg_data_override(struct rg_ctx *c, const char **path,
				       size_t depth, bool *below);
/* Replaces, in a copy of v, the values of overrides below path. */
int rg_apply_overrides(struct rg_ctx *c, const char **path, size_t depth,
		       struct ct_rego_value **v);
/* Sets path inside a copy of base (objects created as needed). */
struct ct_rego_value *rg_set_path(struct ct_rego_value *base,
				  const char *const *path, size_t n,
				  struct ct_rego_value *v);
const struct rg_override *rg_fn_override(struct rg_ctx *c,
					 const struct ct_rego_builtin *bi,
					 const struct rg_node *fn,
					 struct rg_wframe **frame);

#endif
