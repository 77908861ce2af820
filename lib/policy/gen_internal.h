/*
 * gen_internal.h - helpers shared by the generator's files (generate.c,
 * gen_process.c) and the agent request builder (agent_requests.c); not
 * part of the module's interface.
 */
#ifndef CT_POLICY_GEN_INTERNAL_H
#define CT_POLICY_GEN_INTERNAL_H

#include "policy/policy.h"

/* Regex-escapes `s` (RE2 metacharacters) onto `b`. */
CT_RESULT ct_gen_regex_escape(struct ct_buf *b, const char *s);
/* "^" + escape(s) + "$" as a new JSON string. */
json_t *ct_gen_anchored(const char *s);

/*
 * Run-time values of one pod replica, for the agent request builder
 * (agent_requests.c): with them ct_gen_process fills downward-API env
 * values in (and $(VAR)-expands them) as kubelet does, instead of writing
 * EnvRegex entries.
 */
struct ct_gen_runtime {
	const char *sandbox_name, *ns, *pod_ip, *host_ip, *node_name, *pod_uid;
};

/* Everything the per-container code needs. */
struct ct_gen_ctx {
	const struct ct_policy_gen *g;
	const struct ct_k8s_pod *pod;
	const json_t *settings;
	char where[1024]; /* "FILE: document N: spec.containers[i]" */
	const struct ct_gen_runtime *rt; /* NULL when generating a policy */
};

/*
 * Fills OCI.Process of a workload container from the YAML container `c`
 * and the image facts: User, Args, Env/EnvRegex, Cwd, Capabilities,
 * NoNewPrivileges, Terminal. `process` is an empty object.
 */
CT_RESULT ct_gen_process(const struct ct_gen_ctx *x, const json_t *c,
			 const json_t *facts, json_t *process);
/* The pause container's process (settings + pod securityContext). */
CT_RESULT ct_gen_pause_process(const struct ct_gen_ctx *x, json_t *process);

/*
 * The value kubelet gives a resourceFieldRef env var of container `c`
 * (agent_requests.c): ceil(quantity / divisor), where a limit without a
 * value is the node's allocatable (2 CPUs, 4 GiB memory, 20 GiB ephemeral
 * storage) and a request without a value is the limit's value, else 0.
 */
CT_RESULT ct_gen_resource_value(const struct ct_gen_ctx *x, const json_t *c,
				const json_t *ref, const char *path,
				char out[32]);

/* Maps a volumeMount's mountPropagation (NULL = None) to the OCI option
 * (rprivate, rshared, rslave) in place; errors name where[i]. */
CT_RESULT ct_gen_mount_propagation(const char *where, size_t i, const char **prop);

/* The string value of a field or NULL; errors when present but not a
 * string. */
CT_RESULT ct_gen_opt_str(const struct ct_gen_ctx *x, const json_t *obj,
			 const char *key, const char *path, const char **out);

#endif
