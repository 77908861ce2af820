/*
 * compile_impl.h - internals shared by compile.c (package tree, recursion
 * check) and compile_scope.c (scoping, call resolution, ordering). Private.
 */
#ifndef CT_REGO_COMPILE_IMPL_H
#define CT_REGO_COMPILE_IMPL_H

#include "rego/ast.h"

#include <stdarg.h>
#include <stdio.h>

ct_result rg_cerr(struct rg_loc loc, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
ct_result rg_nomem(void);
struct rg_node *rg_node_path(struct rg_node *n, const char *const *path,
			     size_t np);
ct_result rg_resolve_rule(struct ct_rego_policy *p, struct rg_module *m,
			  struct rg_rule *r);
ct_result rg_order_body(struct rg_body *b, int nslots, const char **names,
			struct rg_term **heads, size_t nheads);

#endif
