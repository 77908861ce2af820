/*
 * builtins.h - the registry of Rego built-in functions and operators.
 *
 * A built-in is a pure C function from argument values to one result value
 * (or "undefined"). The evaluator looks a name up once at compile time
 * (ct_rego_builtin_lookup) and calls `fn` with exactly `arity` borrowed
 * arguments. Operators are built-ins under OPA's internal names: plus minus
 * mul div rem equal neq lt lte gt gte and (&) or (|), plus
 * internal.member_2 / internal.member_3 for `in`.
 *
 * Results: on success *out is a new reference owned by the caller, or NULL
 * for undefined. On failure the built-in records the OPA error text (e.g.
 * "count: operand 1 must be one of {array, object, set, string} but got
 * number") and sets ctx->err_kind: CT_REGO_BERR_TYPE maps to OPA's
 * eval_type_error, CT_REGO_BERR_BUILTIN to eval_builtin_error. In non-strict
 * mode the engine turns both into undefined, as OPA does. CT_REGO_BERR_HALT
 * (a limit hit through ctx->charge) must always abort the evaluation.
 *
 * Relations: a built-in with `relation` set (walk) returns an array; every
 * element is one solution for the output argument, so the evaluator
 * iterates over it instead of binding the array itself.
 *
 * Trust boundary: arguments come from policies and inputs; every built-in
 * checks types and bounds its work (string sizes, ranges, repetitions) so a
 * hostile policy cannot exhaust memory beyond the engine's budget.
 */
#ifndef CT_REGO_BUILTINS_H
#define CT_REGO_BUILTINS_H

#include "rego/value.h"

enum ct_rego_berr {
	CT_REGO_BERR_NONE = 0,
	CT_REGO_BERR_TYPE,    /* eval_type_error */
	CT_REGO_BERR_BUILTIN, /* eval_builtin_error */
	CT_REGO_BERR_HALT,    /* limit exceeded: always an error */
};

/* What the engine lends a built-in for one call. The engine zeroes it once
 * per evaluation, fills the inputs, and resets err_kind before each call. */
struct ct_rego_bctx {
	/* Inputs set by the engine. */
	bool strict;     /* strict built-in errors requested */
	int64_t now_ns;  /* time.now_ns, fixed for one evaluation */
	void *engine;    /* opaque, passed back to the hooks */
	/* Charges `units` (≈ bytes or steps) to the evaluation's budget; a
	 * failure (CT_ERR_LIMIT) aborts. May be NULL (no budget). */
	ct_result (*charge)(void *engine, size_t units);
	/* Receives one print() line. May be NULL (print to stderr). */
	void (*print)(void *engine, const char *line, size_t len);
	/* Per-evaluation memo owned by the engine (unref it after the
	 * evaluation): rand.intn keeps its answers here so that repeated calls
	 * with the same arguments agree within one query. */
	struct ct_rego_value *memo;

	/* Output of a failed call. */
	enum ct_rego_berr err_kind;
};

typedef ct_result (*ct_rego_builtin_fn)(struct ct_rego_bctx *ctx,
					struct ct_rego_value *const *args,
					struct ct_rego_value **out);

struct ct_rego_builtin {
	const char *name;   /* "count", "strings.replace_n", "plus" ... */
	int arity;          /* number of arguments (not counting the output) */
	ct_rego_builtin_fn fn;
	bool relation;      /* returns an array of solutions (walk) */
	bool deprecated;    /* only available to v0 modules */
	bool nondeterministic; /* rand.intn, time.now_ns, uuid.rfc4122 */
};

/* The built-in named `name`, or NULL when we do not have it. */
const struct ct_rego_builtin *ct_rego_builtin_lookup(const char *name);
/* All built-ins (for listing/capabilities), terminated by a NULL name. */
const struct ct_rego_builtin *ct_rego_builtin_table(void);

/* ---------------------------------------- helpers for built-in authors */

/* "NAME: operand N must be WANT but got TYPE" as eval_type_error. */
CT_RESULT ct_rego_btype_error(struct ct_rego_bctx *ctx, const char *name,
			      int operand, const char *want,
			      const struct ct_rego_value *got);
/* A formatted eval_builtin_error ("NAME: ..." is the caller's job). */
CT_RESULT ct_rego_berror(struct ct_rego_bctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Charges the budget (no-op without a hook); a failure is a HALT. */
CT_RESULT ct_rego_bcharge(struct ct_rego_bctx *ctx, size_t units);

#endif /* CT_REGO_BUILTINS_H */
