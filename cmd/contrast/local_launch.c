/*
 * local_launch.c - launching one pod replica as a simulated confidential
 * pod, in the order of a real node:
 *   1. the host starts a VM whose HOSTDATA is the policy hash of the pod's
 *      initdata annotation (`contrast-snp-sim launch`);
 *   2. the agent checks that the initdata's hash is its VM's HOSTDATA (read
 *      from its own attestation report), reads the policy out of it and
 *      enforces it: the CreateSandbox and CreateContainer requests the Kata
 *      runtime would send for this pod spec are put to the enforcer, and
 *      the first denial stops the pod (nothing of it runs);
 *   3. init containers run to completion in order (the initializer
 *      attests the pod to the Coordinator and writes its mesh identity);
 *   4. containers start, each as the local command its image maps to,
 *      with exactly the argv and environment the enforcer allowed (after
 *      the rewrites of local_rewrite.c).
 */
#include "local_ctx.h"

#include "attest/evidence.h"
#include "attest/provider.h"
#include "attest/snp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VM_READY_MS 20000u
#define COORDINATOR_READY_MS 60000u
#define CONTAINER_READY_MS 5000u
#define INIT_CONTAINER_MS 120000u
#define ARGV_MAX 256u

/* --- launching ------------------------------------------------------------ */

static void refuse(struct local_replica *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void refuse(struct local_replica *r, const char *fmt, ...)
{
	va_list ap;

	r->state = LOCAL_POD_REFUSED;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

static CT_RESULT add_proc(struct local_replica *r, const struct local_proc *p)
{
	CT_ENSURE(r->nprocs < LOCAL_CONTAINERS_MAX + 1, CT_ERR_LIMIT,
		  "%s: more than %u containers", r->name, LOCAL_CONTAINERS_MAX);
	r->procs[r->nprocs++] = *p;
	return CT_OK;
}

static CT_RESULT launch_vm(struct local_ctx *x, struct local_replica *r,
			   const char *measurement)
{
	char state_dir[LOCAL_PATH_MAX], run_dir[LOCAL_PATH_MAX], name[LOCAL_NAME_MAX];
	char zero[97];
	struct local_proc p;

	memset(zero, '0', 96);
	zero[96] = '\0';
	LOCAL_PRINT(state_dir, "%s/sim", x->dir);
	LOCAL_PRINT(run_dir, "%s/run", x->dir);
	LOCAL_PRINT(name, "%s.vm", r->is_coordinator ? "coordinator" : r->name);
	CT_GUARD(ct_mkdir_p(run_dir, 0700));
	CT_ENSURE(strlen(r->sock) < 100, CT_ERR_USAGE,
		  "%s: socket path too long for a Unix socket; use a shorter --workdir",
		  r->sock);
	unlink(r->sock);
	char *argv[] = { x->bin[BIN_SIM], "launch", "--state-dir", state_dir,
			 "--socket", r->sock, "--measurement",
			 (char *)(measurement != NULL ? measurement : zero),
			 "--host-data",
			 r->hostdata_override[0] != '\0' ? r->hostdata_override : r->policy_hash,
			 NULL };
	CT_GUARD(local_spawn_fresh(x, name, argv, NULL, &p));
	CT_GUARD(add_proc(r, &p));
	return local_proc_wait_line(x->dir, &p, "ready socket=", VM_READY_MS, NULL, 0);
}

/* The pod's policy from its initdata annotation; sets r->policy_hash. */
static CT_RESULT read_policy(struct local_replica *r, struct ct_buf *policy)
{
	const char *a = r->initdata_override != NULL
				? r->initdata_override
				: local_pod_annotation(r->pod, CT_INITDATA_ANNOTATION);
	struct ct_buf toml;
	ct_result res;

	CT_ENSURE(a != NULL, CT_ERR_USAGE,
		  "%s: no %s annotation (run contrast generate)", r->pod->where,
		  CT_INITDATA_ANNOTATION);
	ct_buf_init(&toml, CT_INITDATA_MAX);
	res = ct_initdata_decode(a, &toml);
	if (ct_ok(res))
		res = ct_initdata_hash(ct_buf_span(&toml), r->policy_hash);
	if (ct_ok(res))
		res = ct_initdata_policy(ct_buf_span(&toml), policy);
	ct_buf_dispose(&toml);
	return res;
}

/*
 * What the agent does before it trusts initdata: the hash of the initdata
 * it was given must be the HOSTDATA in its own attestation report (which
 * the host fixed at launch and cannot change afterwards).
 */
static CT_RESULT agent_check_hostdata(struct local_replica *r, bool *match,
				      char hostdata[65])
{
	struct ct_evidence_provider *p = NULL;
	struct ct_snp_evidence ev;
	struct ct_snp_report rep;
	struct ct_buf der;
	uint8_t report_data[64] = { 0 };
	char spec[LOCAL_PATH_MAX + 8];
	ct_result res;

	LOCAL_PRINT(spec, "sim:%s", r->sock);
	CT_GUARD(ct_evidence_provider_open(spec, &p));
	ct_buf_init(&der, CT_SNP_EVIDENCE_MAX);
	res = ct_evidence_provider_get(p, report_data, &der);
	if (ct_ok(res))
		res = ct_snp_evidence_decode(&ev, ct_buf_span(&der));
	if (ct_ok(res)) {
		res = ct_snp_report_parse(&rep, ct_span_make(ev.report, sizeof(ev.report)));
		ct_snp_evidence_dispose(&ev);
	}
	if (ct_ok(res)) {
		ct_hex_format(hostdata, rep.host_data, sizeof(rep.host_data));
		*match = strcmp(hostdata, r->policy_hash) == 0;
	}
	ct_buf_dispose(&der);
	ct_evidence_provider_free(p);
	return res;
}

/* The spec container named `name` and whether it is an init container. */
static const json_t *spec_container(const struct ct_k8s_pod *p, const char *name,
				    bool *init)
{
	const char *lists[] = { "initContainers", "containers" };
	const json_t *c;
	size_t i;

	for (int l = 0; l < 2; l++)
		json_array_foreach(json_object_get(p->spec, lists[l]), i, c) {
			const char *n = json_string_value(json_object_get(c, "name"));
			if (n != NULL && strcmp(n, name) == 0) {
				*init = l == 0;
				return c;
			}
		}
	return NULL;
}

/* Puts every request to the enforcer; keeps the allowed ones in *out. */
static CT_RESULT enforce(struct local_ctx *x, struct local_replica *r,
			 const struct ct_buf *policy, json_t **out)
{
	struct ct_policy_enforcer *e = NULL;
	struct ct_policy_decision *dec = NULL;
	const char *ns = r->pod->ns[0] != '\0' ? r->pod->ns : "default";
	json_t *reqs = NULL, *q;
	ct_result res;
	size_t i;

	*out = NULL;
	CT_GUARD(ct_policy_enforcer_new(r->name, (const char *)policy->data, policy->len, &e));
	CT_TRY(ct_policy_agent_requests(&x->gen, r->pod, r->name, ns, r->ip, &reqs));
	dec = calloc(1, sizeof(*dec));
	CT_TRY_ENSURE(dec != NULL, CT_ERR_NOMEM, "out of memory");
	json_array_foreach(reqs, i, q) {
		const char *kind = json_string_value(json_object_get(q, "kind"));
		const char *cname = json_string_value(json_object_get(q, "container"));
		char *text = json_dumps(json_object_get(q, "request"), JSON_COMPACT);
		CT_TRY_ENSURE(kind != NULL && text != NULL, CT_ERR_NOMEM, "out of memory");
		res = ct_policy_enforcer_decide(e, kind, ct_span_str(text), dec);
		free(text);
		CT_TRY(res);
		if (!dec->allowed) {
			refuse(r, "enforcer: %s for container %s denied: %s", kind,
			       cname != NULL ? cname : "?", dec->reason);
			goto out;
		}
	}
	*out = reqs;
	reqs = NULL;
out:
	free(dec);
	json_decref(reqs);
	ct_policy_enforcer_free(e);
	return res;
}

struct argv_env {
	char *argv[ARGV_MAX];
	char *env[ARGV_MAX];
	size_t argc, envc;
};

static void argv_env_dispose(struct argv_env *a)
{
	for (size_t i = 1; i < a->argc; i++)
		free(a->argv[i]);
	for (size_t i = 0; i < a->envc; i++)
		free(a->env[i]);
}

static CT_RESULT push(char **list, size_t *n, char *s)
{
	CT_ENSURE(s != NULL, CT_ERR_NOMEM, "out of memory");
	if (*n >= ARGV_MAX - 1) {
		free(s);
		return CT_FAIL(CT_ERR_LIMIT, "more than %u arguments or variables", ARGV_MAX - 1);
	}
	list[(*n)++] = s;
	list[*n] = NULL;
	return CT_OK;
}

static bool is_binary(const char *cmd, const char *name)
{
	const char *base = strrchr(cmd, '/');
	return strcmp(base != NULL ? base + 1 : cmd, name) == 0;
}

/* argv and env of a container: what the enforcer allowed, rewritten. */
static CT_RESULT build_process(struct local_ctx *x, struct local_replica *r,
			       const json_t *req, const json_t *c, const char *cmd,
			       const char *cname, struct argv_env *a)
{
	const json_t *proc = json_object_get(json_object_get(req, "OCI"), "Process");
	const json_t *v;
	size_t i;

	a->argv[0] = (char *)cmd;
	a->argc = 1;
	a->envc = 0;
	json_array_foreach(json_object_get(proc, "Args"), i, v)
		if (i > 0)
			CT_GUARD(push(a->argv, &a->argc,
				      local_rewrite(x, r, c, json_string_value(v), false)));
	json_array_foreach(json_object_get(proc, "Env"), i, v) {
		const char *kv = json_string_value(v), *eq = kv ? strchr(kv, '=') : NULL;
		if (eq == NULL)
			continue;
		char *val = local_rewrite(x, r, c, eq + 1, true);
		CT_GUARD(push(a->env, &a->envc, val ? ct_aprintf("%.*s=%s", (int)(eq - kv),
								  kv, val) : NULL));
		free(val);
	}
	CT_GUARD(push(a->env, &a->envc, ct_aprintf("CONTRAST_EVIDENCE_PROVIDER=sim:%s", r->sock)));
	CT_GUARD(push(a->env, &a->envc, ct_aprintf("CONTRAST_STATS_FILE=%s/stats/%s.json",
						   r->dir, cname)));
	/* Local-mode adaptations of the project's own images. */
	if (is_binary(cmd, "contrast-coordinator")) {
		CT_GUARD(push(a->env, &a->envc, strdup("CONTRAST_ALLOW_SIMULATED=1")));
		CT_GUARD(push(a->argv, &a->argc, strdup("--listen")));
		CT_GUARD(push(a->argv, &a->argc, strdup(r->ip)));
		CT_GUARD(push(a->argv, &a->argc, strdup("--user-listen")));
		CT_GUARD(push(a->argv, &a->argc, strdup("127.0.0.1")));
		CT_GUARD(push(a->argv, &a->argc, strdup("--user-port")));
		CT_GUARD(push(a->argv, &a->argc, ct_aprintf("%u", x->o->coordinator_port)));
	} else if (is_binary(cmd, "contrast-initializer")) {
		char *out = local_volume_dir(x, r, c, "/contrast");
		CT_ENSURE(out != NULL, CT_ERR_USAGE,
			  "%s: the initializer has no volume at /contrast", r->pod->where);
		CT_GUARD(push(a->argv, &a->argc, strdup("--out-dir")));
		CT_GUARD(push(a->argv, &a->argc, out));
		CT_GUARD(push(a->argv, &a->argc, strdup("--max-attempts")));
		CT_GUARD(push(a->argv, &a->argc, strdup("1")));
	}
	return CT_OK;
}

static CT_RESULT start_container(struct local_ctx *x, struct local_replica *r,
				 const json_t *req, const json_t *c, bool init,
				 const char *cname, const char *cmd)
{
	struct argv_env a;
	struct local_container *lc;
	struct local_proc p;
	char name[LOCAL_NAME_MAX], line[LOCAL_LINE_MAX], stats_dir[LOCAL_PATH_MAX];
	ct_result res;
	int status;

	CT_ENSURE(r->ncontainers < LOCAL_CONTAINERS_MAX, CT_ERR_LIMIT,
		  "%s: more than %u containers", r->name, LOCAL_CONTAINERS_MAX);
	lc = &r->containers[r->ncontainers++];
	memset(lc, 0, sizeof(*lc));
	snprintf(lc->name, sizeof(lc->name), "%s", cname);
	LOCAL_PRINT(stats_dir, "%s/stats", r->dir);
	CT_GUARD(ct_mkdir_p(stats_dir, 0700));
	LOCAL_PRINT(lc->stats, "%s/%s.json", stats_dir, cname);
	if (r->is_coordinator && !init)
		snprintf(name, sizeof(name), "coordinator");
	else
		LOCAL_PRINT(name, "pod-%s-%s", r->name, cname);
	res = build_process(x, r, req, c, cmd, cname, &a);
	if (ct_ok(res) && init) {
		char log[LOCAL_PATH_MAX];
		res = local_proc_log_path(x->dir, name, log, sizeof(log));
		if (ct_ok(res))
			unlink(log);
		if (ct_ok(res))
			res = local_proc_run(x->dir, name, a.argv, a.env, INIT_CONTAINER_MS,
					     &status);
		if (ct_ok(res) && status != 0) {
			local_proc_log_tail(x->dir, name, line, sizeof(line));
			refuse(r, "init container %s failed (exit %d): %s", cname, status, line);
		} else if (ct_ok(res) && is_binary(cmd, "contrast-initializer")) {
			x->certificates_issued++;
		}
	} else if (ct_ok(res)) {
		res = local_spawn_fresh(x, name, a.argv, a.env, &p);
		if (ct_ok(res))
			res = add_proc(r, &p);
		if (ct_ok(res)) {
			unsigned wait = r->is_coordinator ? COORDINATOR_READY_MS : CONTAINER_READY_MS;
			const char *prefix = r->is_coordinator ? "ready user=" : "ready port=";
			ct_result w = local_proc_wait_line(x->dir, &p, prefix, wait, line,
							   sizeof(line));
			lc->running = local_proc_alive(&p);
			uint64_t port;
			if (ct_ok(w) && !r->is_coordinator &&
			    ct_ok(ct_parse_u64(line + strlen(prefix), 65535, &port)))
				lc->port = (uint16_t)port;
			if (!lc->running) {
				refuse(r, "container %s exited: %s", cname, ct_error_message());
			} else if (r->is_coordinator && !ct_ok(w)) {
				res = w;
			}
			ct_error_clear();
		}
	}
	argv_env_dispose(&a);
	return res;
}

ct_result local_pod_launch(struct local_ctx *x, struct local_replica *r,
			   const char *measurement)
{
	struct ct_buf policy;
	json_t *reqs = NULL, *q;
	char hostdata[65];
	bool match = false;
	unsigned mapped = 0;
	ct_result res = CT_OK;
	size_t i;

	r->state = LOCAL_POD_PENDING;
	r->reason[0] = '\0';
	r->ncontainers = 0;
	CT_GUARD(ct_mkdir_p(r->dir, 0700));
	ct_buf_init(&policy, CT_INITDATA_MAX);
	if (!ct_ok(read_policy(r, &policy))) {
		refuse(r, "initdata: %s", ct_error_message());
		ct_error_clear();
		goto out;
	}
	CT_TRY(launch_vm(x, r, measurement));
	CT_TRY(agent_check_hostdata(r, &match, hostdata));
	if (!match) {
		refuse(r, "agent: the initdata's hash %s is not the VM's HOSTDATA %s",
		       r->policy_hash, hostdata);
		goto out;
	}
	CT_TRY(enforce(x, r, &policy, &reqs));
	if (reqs == NULL)
		goto out; /* refused by the enforcer */
	json_array_foreach(reqs, i, q) {
		const char *cname = json_string_value(json_object_get(q, "container"));
		bool init = false;
		const json_t *c;
		const char *image, *cmd;

		if (r->state == LOCAL_POD_REFUSED)
			break;
		if (strcmp(json_string_value(json_object_get(q, "kind")),
			   "CreateContainerRequest") != 0 || cname == NULL ||
		    (c = spec_container(r->pod, cname, &init)) == NULL)
			continue; /* the sandbox and the pause container */
		image = json_string_value(json_object_get(c, "image"));
		cmd = image != NULL ? local_image_command(x, image) : NULL;
		if (cmd == NULL)
			continue; /* no local command: attested only */
		mapped += !init;
		CT_TRY(start_container(x, r, json_object_get(q, "request"), c, init, cname, cmd));
	}
	if (r->state == LOCAL_POD_PENDING)
		r->state = mapped > 0 ? LOCAL_POD_ADMITTED : LOCAL_POD_ATTESTED_ONLY;
out:
	if (r->state == LOCAL_POD_REFUSED || !ct_ok(res))
		local_pod_stop(x, r);
	json_decref(reqs);
	ct_buf_dispose(&policy);
	return res;
}

void local_pod_stop(struct local_ctx *x, struct local_replica *r)
{
	for (unsigned i = r->nprocs; i-- > 0;)
		if (!ct_ok(local_proc_stop(x->dir, &r->procs[i], 5000)))
			ct_error_clear();
	r->nprocs = 0;
	for (unsigned i = 0; i < r->ncontainers; i++)
		r->containers[i].running = false;
}
