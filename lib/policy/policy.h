/*
 * policy.h - runtime policies: the rules, the agent-request decoder and the
 * enforcer (this half), and the generator (policy-gen's half, below its
 * marker).
 *
 * A runtime policy is one Rego module `package agent_policy`: our rules
 * (ct_policy_rules(), lib/policy/rules.rego embedded at build time) followed
 * by `policy_data := {...}` (docs/policy-data.md). The enforcer compiles it
 * once and decides Kata agent requests: it queries
 * data.agent_policy.<RequestName> with the request as input and the policy
 * state as data.pstate, accepts `true`/`false` or {"allowed", "ops"}, applies
 * the ops to the state only on allow, and denies everything else.
 *
 * Trust boundary: request bytes come from the untrusted host. They are
 * decoded under CT_POLICY_REQUEST_MAX_* limits, normalised to the protobuf
 * shape the rules expect (every field present, defaults filled, unknown
 * fields dropped, types checked) and only then evaluated. The policy text is
 * trusted (it is what HOSTDATA measures) but still parsed with the engine's
 * limits.
 *
 * Errors: malformed requests are a deny with a reason (not an error);
 * ct_result errors are engine failures (CT_ERR_POLICY eval errors such as
 * rule conflicts, CT_ERR_LIMIT, CT_ERR_NOMEM) and bad policy text
 * (CT_ERR_USAGE). An enforcer is not thread-safe (it owns the state).
 */
#ifndef CT_POLICY_H
#define CT_POLICY_H

#include "base/base.h"
#include "rego/value.h"

/* Request decoding bounds. */
#define CT_POLICY_REQUEST_MAX_BYTES ((size_t)4 << 20)
#define CT_POLICY_REQUEST_MAX_DEPTH 32
#define CT_POLICY_REQUEST_MAX_STRING ((size_t)1 << 20)
#define CT_POLICY_REQUEST_MAX_ITEMS 4096 /* elements of one array or map */
#define CT_POLICY_KIND_MAX 64            /* length of a request name */
/* State bounds: keys and total JSON size of data.pstate. */
#define CT_POLICY_STATE_MAX_KEYS 4096
#define CT_POLICY_STATE_MAX_OPS 64
/* Deny reasons kept per decision. */
#define CT_POLICY_REASON_MAX 4096

/* The embedded rules (NUL-terminated; `len` excludes the NUL). */
const char *ct_policy_rules(size_t *len);

/*
 * Decodes one agent request of type `kind` (e.g. "CreateContainerRequest")
 * from JSON and normalises it: for the known request types every protobuf
 * field is present (strings "", numbers 0, bools false, lists [], maps {},
 * messages null), unknown fields are dropped, a field of the wrong JSON type
 * is an error (CT_ERR_PROTO "request: OCI.Process.Args[1]: want string, got
 * number"); other kinds are passed through as parsed. *out is owned by the
 * caller. `kind` must match [A-Za-z][A-Za-z0-9]* (CT_ERR_USAGE).
 */
CT_RESULT ct_policy_request_decode(const char *kind, struct ct_span json,
				   struct ct_rego_value **out);

/* True when `kind` is a well-formed request name. */
bool ct_policy_kind_valid(const char *kind);

struct ct_policy_enforcer;

/*
 * Compiles a policy (the complete text: rules + policy_data) into an
 * enforcer with empty state. `name` is used in error locations.
 */
CT_RESULT ct_policy_enforcer_new(const char *name, const char *text,
				 size_t len, struct ct_policy_enforcer **out);
void ct_policy_enforcer_free(struct ct_policy_enforcer *e); /* NULL ok */

struct ct_policy_decision {
	bool allowed;
	/* Why it was denied: the violated checks ("; "-joined), "request: ..."
	 * for undecodable requests, or "no rule for <kind>". Empty on allow. */
	char reason[CT_POLICY_REASON_MAX];
};

/*
 * Decides one request (JSON bytes). On allow the returned ops are applied
 * to the state; a failing op (bad path, remove of a missing key, state
 * limits) is an error and leaves the state unchanged.
 */
CT_RESULT ct_policy_enforcer_decide(struct ct_policy_enforcer *e,
				    const char *kind, struct ct_span request,
				    struct ct_policy_decision *out);

/* Same with an already decoded and normalised request (borrowed). */
CT_RESULT ct_policy_enforcer_decide_value(struct ct_policy_enforcer *e,
					  const char *kind,
					  const struct ct_rego_value *input,
					  struct ct_policy_decision *out);

/* Forgets the policy state (a new pod sandbox starts with none). */
void ct_policy_enforcer_reset(struct ct_policy_enforcer *e);

/* The current state object (borrowed; valid until the next decide). */
const struct ct_rego_value *
ct_policy_enforcer_state(const struct ct_policy_enforcer *e);

/* ------------------------------------------------------------------------
 * Generator (owner: policy-gen): declarations go below this line.
 * ---------------------------------------------------------------------- */

/*
 * The generator turns Kubernetes YAML plus image facts plus settings into
 * policy_data (docs/policy-data.md), the policy text, initdata and the
 * policy hash (DESIGN.md §4.2). Its inputs are the user's own files and
 * image metadata; the YAML is parsed under CT_K8S_* limits and every
 * refusal names file, document and path. Image facts come from an OCI
 * layout directory (image_store.c) or a cache file (image_cache.c); the
 * registry client (registry.c) is not part of this build yet.
 *
 * Ownership: every `**out` is the caller's (json_decref / the matching
 * free). Errors: CT_ERR_USAGE for YAML the generator does not accept
 * (unsupported kind or field, missing ConfigMap key), CT_ERR_PROTO for
 * malformed YAML, image layouts or settings, CT_ERR_IO, CT_ERR_LIMIT.
 */
#include <jansson.h>

struct fy_document;
struct fy_node;

#define CT_K8S_FILE_MAX ((size_t)16 << 20) /* one YAML file */
#define CT_K8S_DOCS_MAX 1024               /* documents in one set */
#define CT_K8S_DEPTH_MAX 48                /* YAML nesting (libfyaml stops at 64) */
#define CT_K8S_LIST_DEPTH_MAX 4            /* List in List */
#define CT_K8S_NODES_MAX ((size_t)1 << 18)  /* per document, aliases expanded */

/* One YAML document of a file. */
struct ct_k8s_doc {
	char *file;
	size_t index;            /* 0-based position in its file */
	struct fy_document *fyd; /* owned; NULL for an empty document */
	json_t *json;            /* the document as JSON (owned; NULL if empty) */
	const char *kind;        /* in json; "" when absent */
	bool config_only;        /* from --config-file: never rewritten */
};

/* One pod-bearing object (a Pod or the pod template of a workload). */
struct ct_k8s_pod {
	struct ct_k8s_doc *doc;   /* borrowed */
	char *where;              /* "FILE: document N" (+ ": items[i]") */
	char *kind;               /* the workload kind (Pod, Deployment, ...) */
	char *name;               /* workload name (or generateName prefix) */
	char *name_regex;         /* sandbox name regex (policy-data.md) */
	char *ns;                 /* YAML namespace or "" */
	json_t *object;           /* the workload object (borrowed) */
	json_t *meta;             /* pod (template) metadata, borrowed, may be NULL */
	json_t *spec;             /* pod spec (borrowed) */
	struct fy_node *fy_object; /* the workload object node in doc->fyd */
	struct fy_node *fy_template; /* the node holding metadata+spec */
};

struct ct_k8s_set {
	struct ct_k8s_doc **docs;
	size_t ndocs;
	struct ct_k8s_pod *pods;
	size_t npods;
	char **texts; /* the YAML inputs: libfyaml nodes point into them */
	size_t ntexts;
};

void ct_k8s_set_init(struct ct_k8s_set *s);
void ct_k8s_set_dispose(struct ct_k8s_set *s);
/*
 * Parses every document of `yaml` (anchors and merge keys resolved) and
 * appends them; pod-bearing documents also become pods unless
 * `config_only` (then only ConfigMaps and Secrets matter).
 */
CT_RESULT ct_k8s_load(struct ct_k8s_set *s, const char *file,
		      struct ct_span yaml, bool config_only);
/* Reads and loads a file (CT_K8S_FILE_MAX). */
CT_RESULT ct_k8s_load_file(struct ct_k8s_set *s, const char *path,
			   bool config_only);
/* Finds a ConfigMap or Secret by kind, name and namespace ("" = any). */
const json_t *ct_k8s_find_config(const struct ct_k8s_set *s, const char *kind,
				 const char *name, const char *ns);
/* Emits the (possibly edited) documents of `file` as multi-document YAML. */
CT_RESULT ct_k8s_emit_file(const struct ct_k8s_set *s, const char *file,
			   struct ct_buf *out);
/* The node an alias points to (n itself if not an alias; NULL if broken). */
struct fy_node *ct_k8s_fy_deref(struct fy_node *n);
/* Re-reads doc->json from doc->fyd after an edit (pods of it stay valid
 * only after ct_k8s_reindex). */
CT_RESULT ct_k8s_reindex(struct ct_k8s_set *s);

/* The scalar text of a JSON string or integer (NULL otherwise); `tmp`
 * holds the digits of an integer. */
const char *ct_k8s_text(const json_t *v, char tmp[32]);

/* --- image facts ------------------------------------------------------ */

#define CT_IMAGE_REF_MAX 512
#define CT_IMAGE_JSON_MAX ((size_t)4 << 20)     /* index, manifest, config */
#define CT_IMAGE_LAYER_MAX ((size_t)512 << 20)  /* one compressed layer */
#define CT_IMAGE_ETC_FILE_MAX ((size_t)1 << 20) /* /etc/passwd, /etc/group */
#define CT_IMAGE_LAYERS_MAX 256

struct ct_image_source;

/*
 * Image facts are a JSON object: {"ref", "digest" ("sha256:..." of the
 * manifest), "User", "Env", "Entrypoint", "Cmd", "WorkingDir", "Tty",
 * "Volumes" (array of paths), "passwd", "group" (file text or null)}.
 * `store_dir` (OCI image layout) and `cache_path` may each be NULL.
 */
CT_RESULT ct_image_source_new(const char *store_dir, const char *cache_path,
			      struct ct_image_source **out);
void ct_image_source_free(struct ct_image_source *src);
/* Looks `ref` up: cache, then the store (as written, then without its
 * @sha256 digest, warning when the stored digest differs). *out is a new
 * reference. */
CT_RESULT ct_image_lookup(struct ct_image_source *src, const char *ref,
			  json_t **out);
/*
 * Enables registry pulls for images neither the cache nor the store has.
 * `plain_http_hosts`: comma-separated registry hosts (host[:port]) spoken
 * to over plain HTTP (tests, local registries); NULL for none.
 */
CT_RESULT ct_image_source_set_registry(struct ct_image_source *src, bool on,
				       const char *plain_http_hosts);
/* Pulls the facts of one image from its registry (registry.c): anonymous
 * or bearer auth, pinned digests and all blobs verified. */
CT_RESULT ct_registry_pull(const char *ref, const char *plain_http_hosts,
			   json_t **out);
/* Writes the cache file if it changed (no-op without a cache path). */
CT_RESULT ct_image_source_save(struct ct_image_source *src);
/*
 * Applies one layer (tar, gzip or not) to the effective /etc/passwd and
 * /etc/group: a file replaces *passwd or *group (a JSON string), a whiteout
 * sets JSON null; others are kept. Both must be valid JSON values on
 * entry and stay owned by the caller.
 */
CT_RESULT ct_image_layer_etc(const char *path, json_t **passwd, json_t **group);
/* Reads the facts of one image from an OCI layout (image_store.c). */
CT_RESULT ct_image_store_read(const char *dir, const char *ref, json_t **out);

/* --- settings, generation, initdata ----------------------------------- */

#define CT_POLICY_SETTINGS_MAX ((size_t)1 << 20)

/* The embedded default settings (Kata on SEV-SNP, guest pull). */
const char *ct_policy_settings_default(size_t *len);
/* Defaults merged with the file at `path` (NULL: defaults only). */
CT_RESULT ct_policy_settings_load(const char *path, json_t **out);

struct ct_policy_gen {
	json_t *settings;               /* owned */
	struct ct_image_source *images; /* borrowed */
	const struct ct_k8s_set *set;   /* ConfigMaps/Secrets; borrowed */
};

/* policy_data for one pod. */
CT_RESULT ct_policy_gen_pod(const struct ct_policy_gen *g,
			    const struct ct_k8s_pod *pod, json_t **out);
/* The policy text: rules + "policy_data := " + JSON (appended to out). */
CT_RESULT ct_policy_text(const json_t *policy_data, struct ct_buf *out);

#define CT_INITDATA_ANNOTATION "io.katacontainers.config.hypervisor.cc_init_data"
#define CT_INITDATA_MAX ((size_t)8 << 20)

/* The initdata TOML for a policy text (appended to toml). */
CT_RESULT ct_initdata_toml(struct ct_span policy, struct ct_buf *toml);
/* base64(gzip(toml)), deterministic (appended to out). */
CT_RESULT ct_initdata_annotation(struct ct_span toml, struct ct_buf *out);
/* Reverses ct_initdata_annotation (bounded by CT_INITDATA_MAX). */
CT_RESULT ct_initdata_decode(const char *annotation, struct ct_buf *toml);
/*
 * The policy text of an initdata TOML ([data]."policy.rego"), appended to
 * `policy`; what the agent enforces. The TOML is untrusted: bounded by
 * CT_INITDATA_MAX, only the initdata subset of TOML is accepted (string
 * values, one [data] table) and `algorithm` must be "sha256"; errors are
 * CT_ERR_PROTO naming the line.
 */
CT_RESULT ct_initdata_policy(struct ct_span toml, struct ct_buf *policy);
/* Lower-case hex sha256 of the TOML: the policy hash / HOSTDATA. */
CT_RESULT ct_initdata_hash(struct ct_span toml, char hex[65]);

/* --- agent requests (local mode) ---------------------------------------- */

/*
 * The agent requests the Kata runtime (driven by containerd) sends to start
 * one replica of `pod`, derived from the pod spec as it is now (not from any
 * policy) plus image facts: a CreateSandboxRequest, then a
 * CreateContainerRequest for the pause container and for every init
 * container and container in pod order. *out is a JSON array of
 * {"kind": "CreateSandboxRequest"|"CreateContainerRequest",
 *  "container": "<name>" ("pause" for the pause container),
 *  "request": {...}}.
 * `sandbox_name` is the replica's pod name (e.g. "web-7c9d8f-x7k2p" or
 * "store-0"), `ns` its namespace ("default" when the YAML has none),
 * `pod_ip` its IPv4 address.
 *
 * Values containerd/kubelet compute from the YAML (argv, env incl.
 * ConfigMap/Secret/downward-API values and HOSTNAME, user and groups, cwd,
 * capabilities, mounts and storages per volume) follow the pod; the
 * platform layer (default mounts, paths, namespaces, sysctls, storage
 * templates, the pause container) follows g->settings. Run-time values are
 * concrete and deterministic per (ns, sandbox_name): sandbox and container
 * ids are 64-hex digests, the pod UID and netns are UUID-shaped digests,
 * the node is "contrast-local" at 127.0.0.1. Every request is in the shape
 * ct_policy_request_decode() normalises to (all fields present).
 *
 * Errors: CT_ERR_USAGE for a bad name, namespace or IP and for pods the
 * generator would refuse too (unsupported volume type, subPath, hostPID,
 * missing ConfigMap key...); image lookup errors as ct_image_lookup;
 * CT_ERR_PROTO for incomplete settings. *out (caller's, json_decref) is
 * NULL on error.
 */
CT_RESULT ct_policy_agent_requests(const struct ct_policy_gen *g,
				   const struct ct_k8s_pod *pod,
				   const char *sandbox_name, const char *ns,
				   const char *pod_ip, json_t **out);

/*
 * A name for replica `n` of `pod` as its controller makes them (matching
 * pod->name_regex), appended to `out`: a Pod's name (generateName + 5
 * random-looking characters), Deployment name-<10>-<5>, StatefulSet
 * name-<n>, CronJob name-<minutes>-<5>, others name-<5>. Deterministic.
 */
CT_RESULT ct_policy_replica_name(const struct ct_k8s_pod *pod, unsigned n,
				 struct ct_buf *out);

#endif /* CT_POLICY_H */
