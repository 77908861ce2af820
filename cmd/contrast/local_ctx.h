/*
 * local_ctx.h - the state one `contrast local up` works on, shared by its
 * files: local_up.c (the flow), local_workdir.c (the work dir),
 * local_pods.c (pod replicas), local_launch.c (launching and stopping
 * one), local_run.c (running programs), local_rewrite.c (what stands in
 * for the pod network and volumes), local_scenarios.c, local_report.c
 * (traffic probes and the summary).
 */
#ifndef CT_LOCAL_CTX_H
#define CT_LOCAL_CTX_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "local.h"
#include "local_proc.h"
#include "policy/policy.h"

#define LOCAL_PATH_MAX 1024u
#define LOCAL_REPLICAS_MAX 250u /* one loopback /24 per deployment */
#define LOCAL_REASON_MAX 1024u
#define LOCAL_CONTAINERS_MAX 32u
#define LOCAL_EXTRA_REPLICAS 8u /* added by scenarios */
#define LOCAL_DIR_MAX 512u      /* the work dir, so that paths below it fit */

/* snprintf into an array, failing (CT_ERR_LIMIT) instead of truncating. */
#define LOCAL_PRINT(buf, ...)                                               \
	CT_ENSURE(snprintf((buf), sizeof(buf), __VA_ARGS__) < (int)sizeof(buf), \
		  CT_ERR_LIMIT, "local: %s too long", #buf)
/* The same inside functions that clean up at `out:` with `res`. */
#define LOCAL_TRY_PRINT(buf, ...)                                               \
	CT_TRY_ENSURE(snprintf((buf), sizeof(buf), __VA_ARGS__) < (int)sizeof(buf), \
		      CT_ERR_LIMIT, "local: %s too long", #buf)

enum local_pod_state {
	LOCAL_POD_PENDING = 0,
	LOCAL_POD_ADMITTED,      /* attested; its mapped containers run */
	LOCAL_POD_ATTESTED_ONLY, /* attested; no container image is mapped */
	LOCAL_POD_REFUSED,       /* enforcer or Coordinator said no */
	LOCAL_POD_NOT_CONFIDENTIAL, /* no contrast-cc runtime class */
};

struct local_container {
	char name[LOCAL_NAME_MAX];
	uint16_t port;       /* from its "ready port=N" line, 0 if none */
	bool running;
	char stats[LOCAL_PATH_MAX];
};

struct local_replica {
	char name[LOCAL_NAME_MAX];     /* the pod name, e.g. store-0 */
	const struct ct_k8s_pod *pod;  /* in ctx->set */
	char ip[16];
	char dir[LOCAL_PATH_MAX];      /* DIR/pods/<name> */
	char sock[LOCAL_PATH_MAX];     /* its simulated VM's socket */
	char policy_hash[65];
	bool is_coordinator;
	bool expect_refusal;            /* a scenario's deliberately bad pod */
	char *initdata_override;        /* a scenario's tampered annotation */
	char hostdata_override[65];     /* a scenario's lying host */
	enum local_pod_state state;
	char reason[LOCAL_REASON_MAX];
	struct local_container containers[LOCAL_CONTAINERS_MAX];
	unsigned ncontainers;
	struct local_proc procs[LOCAL_CONTAINERS_MAX + 1]; /* VM + containers */
	unsigned nprocs;
};

struct local_ctx {
	const struct local_up_opts *o;
	char dir[LOCAL_DIR_MAX];         /* absolute work dir (also our cwd) */
	char data_dir[LOCAL_DIR_MAX];    /* the project's deploy/ files */
	char bin[5][LOCAL_PATH_MAX];     /* see enum local_bin */
	char image_store[LOCAL_PATH_MAX];
	const char *maps[LOCAL_IMAGE_MAPS_MAX + 3]; /* "REF=COMMAND" */
	unsigned nmaps;
	char net[16];                    /* "127.A.B." */
	char user_api[32];               /* "127.0.0.1:PORT", the Coordinator's */
	struct ct_k8s_set set;           /* DIR/deployment as generated */
	struct ct_policy_gen gen;        /* to build agent requests */
	struct ct_image_source *images;
	struct local_replica *reps;
	size_t nreps, reps_cap;
	struct local_replica *coordinator;
	unsigned certificates_issued;
	unsigned manifest_generation;
	unsigned probes_ok, probes_failed, anonymous_refused, anonymous_served;
	json_t *events;                  /* scenario steps, for the summary */
	bool scenario_failed;
	char ark[LOCAL_PATH_MAX];        /* the simulator's root certificate */
};

enum local_bin { BIN_CONTRAST, BIN_SIM, BIN_COORDINATOR, BIN_INITIALIZER, BIN_DEMO_APP };

/* local_run.c */
/* Starts a detached, recorded process with a fresh log. */
CT_RESULT local_spawn_fresh(struct local_ctx *x, const char *name,
			    char *const argv[], char *const env[],
			    struct local_proc *out);
/* Runs `contrast ARGS...` (NULL-terminated) in the work dir; on a non-zero
 * exit shows its output and fails quoting its first error line. */
CT_RESULT local_run_contrast(struct local_ctx *x, const char *log_name,
			     const char *const *args);

/* local_pods.c */
/* True for a .yml or .yaml file name. */
bool local_is_yaml(const char *name);
/* Loads every .yml/.yaml file of `dir` (in name order) into `set`. */
CT_RESULT local_deployment_load(const char *dir, struct ct_k8s_set *set);
/* An annotation of the pod (template), or NULL. */
const char *local_pod_annotation(const struct ct_k8s_pod *p, const char *key);
/* True for the Coordinator's pod (annotation pod-role: coordinator). */
bool local_pod_is_coordinator(const struct ct_k8s_pod *p);
CT_RESULT local_pods_load(struct local_ctx *x);
CT_RESULT local_pods_plan(struct local_ctx *x);
/* Reloads DIR/deployment after a new generate; replicas keep their pods. */
CT_RESULT local_pods_reload(struct local_ctx *x);
void local_pods_dispose(struct local_ctx *x);
/* Adds one more replica of `pod` (for scenarios); *out points into x->reps. */
CT_RESULT local_pods_add_replica(struct local_ctx *x, const struct ct_k8s_pod *pod,
				 struct local_replica **out);

/* local_launch.c */
/* Launches one replica: its VM (measurement NULL = the default), the
 * agent's checks and the enforcer's decisions, the init containers, the
 * containers. A refusal is not an error: it sets r->state and r->reason. */
CT_RESULT local_pod_launch(struct local_ctx *x, struct local_replica *r,
			   const char *measurement);
/* Stops a replica's processes (containers and VM). */
void local_pod_stop(struct local_ctx *x, struct local_replica *r);

/* local_up.c */
void local_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
CT_RESULT local_generate(struct local_ctx *x);
CT_RESULT local_set_manifest(struct local_ctx *x, const char *log_name);
CT_RESULT local_launch_pods(struct local_ctx *x);

/* local_workdir.c (all relative to the work dir, our cwd) */
CT_RESULT local_clean_earlier_run(struct local_ctx *x);
CT_RESULT local_copy_yaml(struct local_ctx *x, const char *const *paths, size_t n);
/* Sets x->image_store: the project's, or `user_store` merged with it. */
CT_RESULT local_image_store(struct local_ctx *x, const char *user_store);

/* local_scenarios.c: runs o->scenario on the running deployment. */
CT_RESULT local_scenario_run(struct local_ctx *x);

/* local_rewrite.c */
/* The command an image maps to, or NULL. */
const char *local_image_command(const struct local_ctx *x, const char *image);
/* Rewrites one argument or (env) environment value of a container of r. */
char *local_rewrite(const struct local_ctx *x, const struct local_replica *r,
		    const json_t *container, const char *value, bool env);
/* The host directory standing in for a volume mounted at `path` in
 * `container` (NULL if none); created on demand. */
char *local_volume_dir(const struct local_ctx *x, const struct local_replica *r,
		       const json_t *container, const char *path);

/* local_report.c */
void local_probe_traffic(struct local_ctx *x);
/* Writes DIR/summary.json; *out (may be NULL) gets the summary written. */
CT_RESULT local_write_summary(struct local_ctx *x, json_t **out);
/* The table and totals of a summary local_write_summary returned. */
void local_print_summary(const struct local_ctx *x, const json_t *summary);
const char *local_pod_state_name(enum local_pod_state s);

#endif
