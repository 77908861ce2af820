/*
 * rego.h - the embeddable Rego engine: compile modules and data once,
 * evaluate many queries against different inputs.
 *
 * Life cycle: ct_rego_compiler_new → add modules (Rego text) and base
 * documents (JSON values) → ct_rego_compile → an immutable, thread-safe
 * ct_rego_policy. Each evaluation (ct_rego_eval / ct_rego_eval_value) takes
 * the policy, an optional input value and optional per-call data overlay and
 * returns a result set. A compiled policy is shared read-only by any number
 * of concurrent evaluations; all mutable state lives in the evaluation.
 *
 * Trust boundary: modules, queries, data and input are untrusted. Parsing is
 * bounded by CT_REGO_LIMIT_* (depth, size), evaluation by the limits in
 * struct ct_rego_limits (steps, memory, wall time). Exceeding a limit is a
 * CT_ERR_LIMIT error naming the limit; nothing aborts the process.
 *
 * Errors: parse and compile errors are CT_ERR_USAGE with the message
 * "FILE:LINE:COL: rego_parse_error: ..." (or rego_compile_error,
 * rego_type_error, rego_recursion_error) as OPA words them; evaluation errors
 * are CT_ERR_POLICY with "FILE:LINE:COL: eval_conflict_error: ..." (or
 * eval_builtin_error, eval_type_error); limits are CT_ERR_LIMIT.
 *
 * Ownership: values passed in are borrowed (the engine takes its own
 * references); results are owned by the caller.
 */
#ifndef CT_REGO_H
#define CT_REGO_H

#include "base/base.h"
#include "rego/value.h"

/* Parser bounds (fixed). */
#define CT_REGO_MODULE_MAX_BYTES ((size_t)16 << 20)
#define CT_REGO_PARSE_MAX_DEPTH 256

/* Evaluation limits; zero fields take the defaults below. */
struct ct_rego_limits {
	uint64_t max_steps;      /* evaluation steps (rule/expr/builtin calls) */
	size_t max_memory;       /* bytes allocated by one evaluation */
	uint64_t max_wall_ms;    /* wall-clock time of one evaluation */
	unsigned max_call_depth; /* nested rule/function calls */
	size_t max_stack;        /* C stack the evaluation may use (bytes);
				  * the calling thread needs this much plus a
				  * margin (default pthread stacks: 8 MiB) */
};
#define CT_REGO_DEFAULT_MAX_STEPS ((uint64_t)50 * 1000 * 1000)
#define CT_REGO_DEFAULT_MAX_MEMORY ((size_t)512 << 20)
#define CT_REGO_DEFAULT_MAX_WALL_MS ((uint64_t)30 * 1000)
#define CT_REGO_DEFAULT_MAX_CALL_DEPTH 512
#define CT_REGO_DEFAULT_MAX_STACK ((size_t)4 << 20)
/* Literals in one body (compile-time bound on the safety ordering). */
#define CT_REGO_MAX_BODY_LITERALS 100000

enum ct_rego_syntax {
	CT_REGO_V1 = 0, /* Rego v1 (OPA 1.x default) */
	CT_REGO_V0,     /* Rego v0: `if`/`contains` optional, future.keywords */
};

struct ct_rego_compiler;
struct ct_rego_policy;

/* ---------------------------------------------------------- compiling */

CT_RESULT ct_rego_compiler_new(struct ct_rego_compiler **out);
void ct_rego_compiler_free(struct ct_rego_compiler *c); /* NULL is fine */

/* Parses one module; `filename` appears in error locations. */
CT_RESULT ct_rego_compiler_add_module(struct ct_rego_compiler *c,
				      const char *filename, const char *text,
				      size_t len, enum ct_rego_syntax syntax);

/* Merges an object into the base document `data` at the root (objects
 * merge recursively; a conflicting non-object leaf is an error). */
CT_RESULT ct_rego_compiler_add_data(struct ct_rego_compiler *c,
				    const struct ct_rego_value *data);

/* Checks and links all modules (refs, arity, recursion, safety, conflicts
 * between rule kinds) into a policy the caller owns. The compiler may be
 * freed afterwards. */
CT_RESULT ct_rego_compile(struct ct_rego_compiler *c,
			  struct ct_rego_policy **out);

void ct_rego_policy_free(struct ct_rego_policy *p); /* NULL is fine */

/* ---------------------------------------------------------- evaluating */

struct ct_rego_eval_opts {
	const struct ct_rego_value *input; /* NULL: input is undefined */
	/* Extra data merged over the base document for this call only (the
	 * enforcer's data.pstate); NULL for none. */
	const struct ct_rego_value *data_overlay;
	struct ct_rego_limits limits;
	bool strict_builtin_errors;
	enum ct_rego_syntax query_syntax;
	/* print() output; NULL writes "FILE:LINE: text" lines to stderr. */
	void (*print)(void *arg, const char *line, size_t len);
	void *print_arg;
	int64_t now_ns; /* 0: the real clock, read once per evaluation */
};

/*
 * Evaluates a query (Rego body text, e.g. "data.p.allow == true; x := 1")
 * and returns its result set as an array of objects, one per solution,
 * binding each variable named in the query (not `_` nor generated ones) to
 * its value, in the order OPA would print them. Undefined: an empty array.
 */
CT_RESULT ct_rego_eval(const struct ct_rego_policy *p, const char *query,
		       const struct ct_rego_eval_opts *opts,
		       struct ct_rego_value **result_set);

/*
 * Evaluates a reference such as "data.agent_policy.CreateContainerRequest"
 * and returns its value (*out = NULL when undefined). This is the fast path
 * the enforcer uses: the ref is resolved without parsing a query.
 */
CT_RESULT ct_rego_eval_ref(const struct ct_rego_policy *p, const char *ref,
			   const struct ct_rego_eval_opts *opts,
			   struct ct_rego_value **out);

/* Parses a Rego term (an --input-term argument) into a value. */
CT_RESULT ct_rego_parse_term(const char *text, size_t len,
			     struct ct_rego_value **out);

#endif /* CT_REGO_H */
