/*
 * conf.h - the OPA conformance runner: YAML case files in, one verdict per
 * case out. Internal to tests/conformance (not a library).
 *
 * Ownership: values returned are owned by the caller; YAML nodes are
 * borrowed from the libfyaml document the caller keeps alive.
 * Errors: ct_result with the failed check in the message.
 * Limits: CONF_YAML_DEPTH_MAX nesting when turning YAML into values; every
 * evaluation runs under the limits in struct conf_opts.
 */
#ifndef CT_CONF_H
#define CT_CONF_H

#include <libfyaml.h>

#include "base/base.h"
#include "rego/rego.h"

#define CONF_YAML_DEPTH_MAX 128
#define CONF_WHY_MAX ((size_t)4096)

struct conf_opts {
	struct ct_rego_limits limits;
	bool verbose;
};

/* The scalar text of `key` in mapping `m` (NULL when absent or not a
 * scalar); *len gets its length. */
const char *conf_yaml_str(struct fy_node *m, const char *key, size_t *len);
/* True when `key` is present with a plain true value. */
bool conf_yaml_true(struct fy_node *m, const char *key);
/* The YAML node under `key` (NULL when absent). */
struct fy_node *conf_yaml_get(struct fy_node *m, const char *key);
/* True when the node is a plain null scalar (null, ~, empty). */
bool conf_yaml_is_null(struct fy_node *n);
/* YAML -> value with the YAML 1.2 core schema; mapping keys become strings. */
CT_RESULT conf_yaml_value(struct fy_node *n, struct ct_rego_value **out);

/*
 * Compares an engine result set with the case's want_result as OPA's runner
 * does: JSON-normalised bindings (sets as sorted arrays, non-string keys as
 * text), optionally sorted array values, optionally without __localq vars,
 * as an unordered set of binding objects. On mismatch writes both sides to
 * `why` and returns false.
 */
bool conf_results_match(const struct ct_rego_value *got,
			const struct ct_rego_value *want, bool sort_bindings,
			bool ignore_generated, struct ct_buf *why);

/* Runs one case (a YAML mapping) with the given syntax; true when it
 * passes, otherwise `why` says what differed. */
bool conf_run_case(struct fy_node *c, enum ct_rego_syntax syn,
		   const struct conf_opts *o, struct ct_buf *why);

#endif /* CT_CONF_H */
