/*
 * agent_requests.c - the Kata agent requests that start one pod replica, as
 * containerd's CRI plugin and the Kata runtime would send them: a
 * CreateSandboxRequest, then a CreateContainerRequest for the pause
 * container and for every init container and container in pod order.
 * Local mode (`contrast local up`) decides them with the enforcer before it
 * starts a simulated container, so that a pod edited after its policy was
 * generated is refused the way a real guest would refuse it.
 *
 * The requests come from the pod spec as it is now plus image facts, never
 * from a generated policy. What containerd and kubelet compute from the
 * YAML (argv, env with ConfigMap/Secret/downward-API values, user and
 * groups, cwd, capabilities) is shared with the generator (ct_gen_process,
 * given the replica's run-time values so it writes values, not regexes);
 * the platform layer (default mounts, masked paths, namespaces, sysctls,
 * storage templates, the pause container) comes from the generator
 * settings, which describe that platform. Mounts, storages, annotations
 * and run-time ids are built here as concrete values: container and
 * sandbox ids are 64-hex digests of the replica's name, so the same
 * replica always gets the same requests.
 *
 * Trust: the inputs are the user's YAML and digest-verified image facts;
 * the output is what a host would send, so it is only ever *checked*.
 */
#include "gen_internal.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* containerd's default PATH (oci.WithDefaultPathEnv). */
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define BUNDLE_DIR "/run/containerd/io.containerd.runtime.v2.task/k8s.io/"
#define SHARED_DIR "/run/kata-containers/shared/containers/"
/* The simulated node: local mode runs every pod on this host. */
#define NODE_NAME "contrast-local"
#define NODE_IP "127.0.0.1"
#define NAME_MAX_LEN 253
#define NS_MAX_LEN 63

struct rq {
	const struct ct_policy_gen *g;
	const struct ct_k8s_pod *pod;
	const json_t *s; /* settings */
	struct ct_gen_runtime rt;
	char sandbox_id[65];
	char pod_uid[37];
	char netns[64];
	char hostname[64];
	bool host_network;
};

/* --- small helpers ------------------------------------------------------ */

static CT_RESULT put(json_t *obj, const char *key, json_t *v)
{
	CT_ENSURE(v != NULL && json_object_set_new(obj, key, v) == 0,
		  CT_ERR_NOMEM, "agent requests: out of memory");
	return CT_OK;
}

static CT_RESULT push(json_t *arr, json_t *v)
{
	CT_ENSURE(v != NULL && json_array_append_new(arr, v) == 0,
		  CT_ERR_NOMEM, "agent requests: out of memory");
	return CT_OK;
}

/* Lower-case hex sha256 of "tag\0a\0b\0c". */
static CT_RESULT digest_hex(char out[65], const char *tag, const char *a,
			    const char *b, const char *c)
{
	const char *parts[4] = { tag, a, b, c };
	uint8_t md[32];
	unsigned n = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	for (size_t i = 0; i < 4 && ok; i++)
		ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]) + 1) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, md, &n) == 1 && n == sizeof(md);
	EVP_MD_CTX_free(ctx);
	CT_ENSURE(ok, CT_ERR_CRYPTO, "agent requests: sha256 failed");
	ct_hex_format(out, md, sizeof(md));
	return CT_OK;
}

/* A random-looking (version 4 shaped) UUID derived from a digest. */
static void uuid_from(char out[37], const char hex[65])
{
	snprintf(out, 37, "%.8s-%.4s-4%.3s-a%.3s-%.12s", hex, hex + 8, hex + 12,
		 hex + 16, hex + 20);
}

/* Replaces the NAME=... entry of `env` in place or appends (containerd's
 * replaceOrAppendEnvValues). */
static CT_RESULT env_merge(json_t *env, const char *entry)
{
	size_t nl = strcspn(entry, "=");

	for (size_t i = 0; i < json_array_size(env); i++) {
		const char *s = json_string_value(json_array_get(env, i));
		if (s != NULL && strncmp(s, entry, nl) == 0 && s[nl] == '=') {
			CT_ENSURE(json_array_set_new(env, i, json_string(entry)) == 0,
				  CT_ERR_NOMEM, "agent requests: out of memory");
			return CT_OK;
		}
	}
	return push(env, json_string(entry));
}

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s != NULL && s[1] != '\0' ? s + 1 : p;
}

static char *subst(const char *tmpl, const char *var, const char *value)
{
	const char *p = strstr(tmpl, var);
	if (p == NULL)
		return ct_strdup(tmpl);
	return ct_aprintf("%.*s%s%s", (int)(p - tmpl), tmpl, value, p + strlen(var));
}

/* Where the runtime shares a host file into the guest:
 * <dir><bundle-id>-<16 hex>-<name>. */
static CT_RESULT shared_source(const char *cid, const char *name, json_t **out)
{
	char h[65];
	char *s;

	CT_GUARD(digest_hex(h, "share", cid, name, ""));
	s = ct_aprintf("%s%s-%.16s-%s", SHARED_DIR, cid, h, name);
	CT_ENSURE(s != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
	*out = json_string(s);
	free(s);
	CT_ENSURE(*out != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
	return CT_OK;
}

/* A mount; replaces one with the same destination (later wins). */
static CT_RESULT mount_put(json_t *mounts, const char *dest, const char *type,
			   json_t *source, json_t *options)
{
	json_t *m = json_pack("{s:s, s:o, s:s, s:o}", "destination", dest,
			      "source", source, "type_", type, "options", options);

	CT_ENSURE(m != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
	for (size_t i = 0; i < json_array_size(mounts); i++) {
		const char *d = json_string_value(json_object_get(
			json_array_get(mounts, i), "destination"));
		if (d != NULL && strcmp(d, dest) == 0) {
			CT_ENSURE(json_array_set_new(mounts, i, m) == 0, CT_ERR_NOMEM,
				  "agent requests: out of memory");
			return CT_OK;
		}
	}
	return push(mounts, m);
}

/* A shared-file bind mount with options copied from the settings. */
static CT_RESULT shared_mount(json_t *mounts, const char *cid, const char *dest,
			      const char *name, const json_t *options)
{
	json_t *src;
	CT_ENSURE(json_is_array(options), CT_ERR_PROTO, "settings: shared mount %s: "
		  "options missing", dest);
	CT_GUARD(shared_source(cid, name, &src));
	return mount_put(mounts, dest, "bind", src, json_deep_copy(options));
}

/* The literal settings mounts (`source`), and `source_regex` ones (runtime
 * shared files) as shared files named after their destination. */
static CT_RESULT settings_mounts(json_t *mounts, const json_t *list,
				 const char *cid, bool privileged)
{
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *m = json_array_get(list, i);
		const char *d = json_string_value(json_object_get(m, "destination"));
		const char *t = json_string_value(json_object_get(m, "type_"));
		const char *src = json_string_value(json_object_get(m, "source"));
		json_t *o = json_deep_copy(json_object_get(m, "options"));

		CT_ENSURE(d != NULL && t != NULL && o != NULL, CT_ERR_PROTO,
			  "settings: mounts[%zu]: want destination, type_, options", i);
		if (privileged)
			for (size_t k = 0; k < json_array_size(o); k++)
				if (strcmp(json_string_value(json_array_get(o, k)), "ro") == 0)
					json_array_set_new(o, k, json_string("rw"));
		if (src != NULL) {
			CT_GUARD(mount_put(mounts, d, t, json_string(src), o));
		} else {
			json_t *s;
			ct_result r = shared_source(cid, basename_of(d), &s);
			if (!ct_ok(r)) {
				json_decref(o);
				return r;
			}
			CT_GUARD(mount_put(mounts, d, t, s, o));
		}
	}
	return CT_OK;
}

/* --- per-container parts ------------------------------------------------ */

/* The block device of an emptyDir: one per pod volume, named by its PCI
 * path (as the Kata runtime does). */
static CT_RESULT disk_storage(const struct rq *q, size_t volidx, json_t **out)
{
	const json_t *tmpl = json_object_get(json_object_get(q->s, "emptydir"), "disk");
	const json_t *fsg = json_object_get(json_object_get(q->pod->spec,
							    "securityContext"), "fsGroup");
	const char *mp = json_string_value(json_object_get(tmpl, "mount_point"));
	char src[16];
	struct ct_buf b;
	json_t *st;
	char *p;
	ct_result res = CT_OK;

	CT_ENSURE(json_is_object(tmpl) && mp != NULL, CT_ERR_PROTO,
		  "settings: emptydir.disk: missing or without mount_point");
	snprintf(src, sizeof(src), "%02zx/00", (volidx + 2) & 0xff);
	ct_buf_init(&b, 64);
	st = json_deep_copy(tmpl);
	CT_TRY_ENSURE(st != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
	json_object_del(st, "source_regex");
	CT_TRY(ct_base64url_encode(&b, ct_span_str(src)));
	while (b.len % 4 != 0)
		CT_TRY(ct_buf_append_byte(&b, '='));
	p = subst(mp, "$(b64-source)", ct_buf_cstr(&b));
	CT_TRY_ENSURE(p != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
	res = put(st, "mount_point", json_string(p));
	free(p);
	CT_TRY(res);
	CT_TRY(put(st, "source", json_string(src)));
	if (json_is_integer(fsg) && json_integer_value(fsg) > 0)
		CT_TRY(put(st, "fs_group", json_pack("{s:O, s:i}", "group_id", fsg,
						     "group_change_policy", 0)));
	*out = st;
	st = NULL;
out:
	json_decref(st);
	ct_buf_dispose(&b);
	return res;
}

static CT_RESULT volume_mount(const struct rq *q, const char *where,
			      const char *cid, const json_t *vm, size_t i,
			      json_t *mounts, json_t *storages)
{
	const json_t *ed = json_object_get(q->s, "emptydir");
	const char *name = json_string_value(json_object_get(vm, "name"));
	const char *dest = json_string_value(json_object_get(vm, "mountPath"));
	const char *prop = json_string_value(json_object_get(vm, "mountPropagation"));
	const char *rw = json_is_true(json_object_get(vm, "readOnly")) ? "ro" : "rw";
	const json_t *vols = json_object_get(q->pod->spec, "volumes"), *vol = NULL;
	size_t volidx = 0;

	CT_ENSURE(name != NULL && dest != NULL, CT_ERR_USAGE,
		  "%s: volumeMounts[%zu]: want name and mountPath", where, i);
	CT_ENSURE(json_object_get(vm, "subPath") == NULL &&
			  json_object_get(vm, "subPathExpr") == NULL,
		  CT_ERR_USAGE, "%s: volumeMounts[%zu].subPath: not supported by "
		  "Kata confidential containers", where, i);
	for (size_t k = 0; k < json_array_size(vols) && vol == NULL; k++) {
		const char *n = json_string_value(json_object_get(json_array_get(vols, k),
								  "name"));
		if (n != NULL && strcmp(n, name) == 0) {
			vol = json_array_get(vols, k);
			volidx = k;
		}
	}
	CT_ENSURE(vol != NULL, CT_ERR_USAGE, "%s: volumeMounts[%zu]: no volume "
		  "named '%s' in spec.volumes", where, i, name);
	CT_GUARD(ct_gen_mount_propagation(where, i, &prop));

	if (json_object_get(vol, "emptyDir") != NULL) {
		const char *medium = json_string_value(json_object_get(
			json_object_get(vol, "emptyDir"), "medium"));
		if (medium != NULL && strcmp(medium, "Memory") == 0) {
			const json_t *tmpl = json_object_get(ed, "memory");
			const char *mp = json_string_value(json_object_get(tmpl, "mount_point"));
			const char *ms = json_string_value(json_object_get(ed, "memory_mount_source"));
			json_t *st;
			char *p, *src;
			ct_result r;
			CT_ENSURE(mp != NULL && ms != NULL, CT_ERR_PROTO,
				  "settings: emptydir.memory: incomplete");
			st = json_deep_copy(tmpl);
			CT_ENSURE(st != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
			p = subst(mp, "$(volume)", name);
			src = subst(ms, "$(volume)", name);
			r = p != NULL && src != NULL ? put(st, "mount_point", json_string(p))
				: CT_FAIL(CT_ERR_NOMEM, "agent requests: out of memory");
			free(p);
			if (ct_ok(r))
				r = push(storages, st);
			else
				json_decref(st);
			if (ct_ok(r))
				r = mount_put(mounts, dest, "bind", json_string(src),
					      json_pack("[s,s,s]", "rbind", prop, rw));
			free(src);
			return r;
		} else {
			json_t *st = NULL, *opts;
			ct_result r;
			CT_GUARD(disk_storage(q, volidx, &st));
			opts = json_deep_copy(json_object_get(ed, "disk_mount_options"));
			if (opts == NULL || json_array_append_new(opts, json_string(rw)) != 0) {
				json_decref(st);
				json_decref(opts);
				CT_BAIL(CT_ERR_PROTO, "settings: emptydir.disk_mount_options: "
					"missing");
			}
			r = mount_put(mounts, dest, "bind",
				      json_copy(json_object_get(st, "mount_point")), opts);
			if (!ct_ok(r)) {
				json_decref(st);
				return r;
			}
			return push(storages, st);
		}
	}
	if (json_object_get(vol, "configMap") != NULL ||
	    json_object_get(vol, "secret") != NULL ||
	    json_object_get(vol, "projected") != NULL ||
	    json_object_get(vol, "downwardAPI") != NULL) {
		json_t *src;
		CT_GUARD(shared_source(cid, name, &src));
		return mount_put(mounts, dest, "bind", src,
				 json_pack("[s,s,s]", "rbind", prop, "ro"));
	}
	if (json_object_get(vol, "persistentVolumeClaim") != NULL) {
		json_t *src;
		CT_GUARD(shared_source(cid, name, &src));
		return mount_put(mounts, dest, "bind", src,
				 json_pack("[s,s,s]", "rbind", prop, rw));
	}
	if (json_object_get(vol, "hostPath") != NULL) {
		const char *hp = json_string_value(json_object_get(
			json_object_get(vol, "hostPath"), "path"));
		json_t *src;
		CT_ENSURE(hp != NULL, CT_ERR_USAGE, "%s: volume '%s': hostPath.path: "
			  "missing", where, name);
		CT_GUARD(shared_source(cid, basename_of(hp), &src));
		return mount_put(mounts, dest, "bind", src,
				 json_pack("[s,s,s]", "rbind", prop, rw));
	}
	CT_BAIL(CT_ERR_USAGE, "%s: volume '%s': unsupported volume type (emptyDir, "
		"configMap, secret, projected, downwardAPI, hostPath, "
		"persistentVolumeClaim are)", where, name);
}

static bool has_mount(const json_t *mounts, const char *d)
{
	for (size_t i = 0; i < json_array_size(mounts); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(mounts, i),
							     "destination")), d) == 0)
			return true;
	return false;
}

/* OCI.Mounts and storages of a workload container. */
static CT_RESULT container_mounts(const struct rq *q, const char *where,
				  const json_t *c, const json_t *facts,
				  const char *cid, bool privileged,
				  json_t *mounts, json_t *storages)
{
	const json_t *cs = json_object_get(q->s, "container");
	const json_t *sfm = json_object_get(cs, "shared_file_mounts");
	const json_t *shm = json_object_get(cs, "shm_mount");
	const json_t *vms = json_object_get(c, "volumeMounts");
	const json_t *ivols = json_object_get(facts, "Volumes");
	const char *tml = json_string_value(json_object_get(c, "terminationMessagePath"));

	CT_GUARD(settings_mounts(mounts, json_object_get(cs, "mounts"), cid, privileged));
	for (size_t i = 0; i < json_array_size(sfm); i++) {
		const json_t *f = json_array_get(sfm, i);
		const char *d = json_string_value(json_object_get(f, "destination"));
		const char *n = json_string_value(json_object_get(f, "name"));
		CT_ENSURE(d != NULL && n != NULL, CT_ERR_PROTO, "settings: container."
			  "shared_file_mounts[%zu]: want destination and name", i);
		if (strcmp(d, "$(termination-log)") == 0)
			d = tml != NULL ? tml : "/dev/termination-log";
		CT_GUARD(shared_mount(mounts, cid, d, n, json_object_get(f, "options")));
	}
	CT_ENSURE(json_is_string(json_object_get(shm, "destination")) &&
			  json_is_string(json_object_get(shm, "source")),
		  CT_ERR_PROTO, "settings: container.shm_mount: incomplete");
	CT_GUARD(mount_put(mounts, json_string_value(json_object_get(shm, "destination")),
			   json_string_value(json_object_get(shm, "type_")) != NULL
				   ? json_string_value(json_object_get(shm, "type_")) : "bind",
			   json_copy(json_object_get(shm, "source")),
			   json_deep_copy(json_object_get(shm, "options"))));
	if (!json_is_false(json_object_get(q->pod->spec, "automountServiceAccountToken"))) {
		const json_t *sa = json_object_get(cs, "service_account_mount");
		const char *d = json_string_value(json_object_get(sa, "destination"));
		const char *n = json_string_value(json_object_get(sa, "name"));
		CT_ENSURE(d != NULL && n != NULL, CT_ERR_PROTO, "settings: container."
			  "service_account_mount: want destination and name");
		CT_GUARD(shared_mount(mounts, cid, d, n, json_object_get(sa, "options")));
	}
	CT_ENSURE(vms == NULL || json_is_array(vms), CT_ERR_USAGE,
		  "%s: volumeMounts: want a list", where);
	for (size_t i = 0; i < json_array_size(vms); i++)
		CT_GUARD(volume_mount(q, where, cid, json_array_get(vms, i), i, mounts,
				      storages));
	/* Image VOLUMEs the YAML does not mount: containerd creates them as
	 * host directories, which the runtime shares. */
	for (size_t i = 0; i < json_array_size(ivols); i++) {
		const char *d = json_string_value(json_array_get(ivols, i));
		json_t *src;
		if (d == NULL || has_mount(mounts, d))
			continue;
		CT_GUARD(shared_source(cid, basename_of(d), &src));
		CT_GUARD(mount_put(mounts, d, "bind", src,
				   json_pack("[s,s,s]", "rbind", "rprivate", "rw")));
	}
	return CT_OK;
}

/* OCI.Linux. */
static CT_RESULT linux_section(const struct rq *q, const char *cid, bool pause,
			       bool privileged, json_t **out)
{
	const json_t *ps = json_object_get(json_object_get(q->pod->spec,
							   "securityContext"), "sysctls");
	json_t *l = NULL, *ns = json_deep_copy(json_object_get(q->s, "namespaces"));
	json_t *sysctl = json_deep_copy(json_object_get(q->s, "sysctls"));
	char *cg = NULL;
	bool best_effort = true;
	ct_result res = CT_OK;

	CT_TRY_ENSURE(json_is_array(ns) && json_is_object(sysctl), CT_ERR_PROTO,
		      "settings: namespaces or sysctls missing");
	for (size_t i = 0; i < json_array_size(ps); i++) {
		char tmp[32];
		const char *n = json_string_value(json_object_get(json_array_get(ps, i), "name"));
		const char *v = ct_k8s_text(json_object_get(json_array_get(ps, i), "value"), tmp);
		if (n != NULL && v != NULL)
			CT_TRY(put(sysctl, n, json_string(v)));
	}
	if (pause && q->host_network)
		for (size_t i = json_array_size(ns); i-- > 0;)
			if (strcmp(json_string_value(json_object_get(json_array_get(ns, i),
								     "Type")), "uts") == 0)
				json_array_remove(ns, i);
	if (!q->host_network)
		CT_TRY(push(ns, json_pack("{s:s, s:s}", "Type", "network", "Path",
					  q->netns)));
	for (int l2 = 0; l2 < 2; l2++) {
		const json_t *list = json_object_get(q->pod->spec, l2 == 0
						     ? "initContainers" : "containers");
		for (size_t i = 0; i < json_array_size(list); i++)
			if (json_object_size(json_object_get(json_array_get(list, i),
							     "resources")) > 0)
				best_effort = false;
	}
	cg = ct_aprintf("/kubepods/%spod%s/%s", best_effort ? "besteffort/" : "burstable/",
			q->pod_uid, cid);
	CT_TRY_ENSURE(cg != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
	l = json_pack("{s:[], s:[], s:o, s:{s:[], s:{s:i, s:i, s:i}, s:n, s:n, s:n,"
		      " s:n, s:[]}, s:s, s:o, s:[], s:n, s:s, s:o, s:o, s:s, s:n}",
		      "UIDMappings", "GIDMappings", "Sysctl", sysctl, "Resources",
		      "Devices", "CPU", "Shares", 2, "Period", 100000, "Quota", 0,
		      "Memory", "Pids", "BlockIO", "Network", "HugepageLimits",
		      "CgroupsPath", cg, "Namespaces", ns, "Devices",
		      "Seccomp", "RootfsPropagation", "", "MaskedPaths",
		      privileged ? json_array()
				 : json_deep_copy(json_object_get(q->s, "masked_paths")),
		      "ReadonlyPaths",
		      privileged ? json_array()
				 : json_deep_copy(json_object_get(q->s, "readonly_paths")),
		      "MountLabel", "", "IntelRdt");
	sysctl = ns = NULL; /* stolen by json_pack */
	CT_TRY_ENSURE(l != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
	*out = l;
out:
	json_decref(ns);
	json_decref(sysctl);
	free(cg);
	return res;
}

/* Annotations containerd (CRI) and the Kata shim put on a container. */
static CT_RESULT annotations(const struct rq *q, const char *cid, const char *name,
			     const char *image, json_t **out)
{
	json_t *a = json_object();
	char *bundle = ct_aprintf(BUNDLE_DIR "%s", cid);
	ct_result res = CT_OK;

	CT_TRY_ENSURE(a != NULL && bundle != NULL, CT_ERR_NOMEM,
		      "agent requests: out of memory");
	CT_TRY(put(a, "io.katacontainers.pkg.oci.bundle_path", json_string(bundle)));
	CT_TRY(put(a, "io.katacontainers.pkg.oci.container_type",
		   json_string(name == NULL ? "pod_sandbox" : "pod_container")));
	CT_TRY(put(a, "io.kubernetes.cri.container-type",
		   json_string(name == NULL ? "sandbox" : "container")));
	CT_TRY(put(a, "io.kubernetes.cri.sandbox-id", json_string(q->sandbox_id)));
	CT_TRY(put(a, "io.kubernetes.cri.sandbox-name", json_string(q->rt.sandbox_name)));
	CT_TRY(put(a, "io.kubernetes.cri.sandbox-namespace", json_string(q->rt.ns)));
	CT_TRY(put(a, "io.kubernetes.cri.sandbox-uid", json_string(q->pod_uid)));
	CT_TRY(put(a, "io.kubernetes.cri.sandbox-cpu-period", json_string("100000")));
	CT_TRY(put(a, "io.kubernetes.cri.sandbox-cpu-quota", json_string("0")));
	CT_TRY(put(a, "io.kubernetes.cri.sandbox-cpu-shares", json_string("2")));
	CT_TRY(put(a, "io.kubernetes.cri.sandbox-memory", json_string("0")));
	if (name == NULL) {
		char *logdir = ct_aprintf("/var/log/pods/%s_%s_%s", q->rt.ns,
					  q->rt.sandbox_name, q->pod_uid);
		CT_TRY_ENSURE(logdir != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
		res = put(a, "io.kubernetes.cri.sandbox-log-directory", json_string(logdir));
		free(logdir);
		CT_TRY(res);
		if (!q->host_network)
			CT_TRY(put(a, "nerdctl/network-namespace", json_string(q->netns)));
	} else {
		CT_TRY(put(a, "io.kubernetes.cri.container-name", json_string(name)));
		CT_TRY(put(a, "io.kubernetes.cri.image-name", json_string(image)));
	}
	*out = a;
	a = NULL;
out:
	json_decref(a);
	free(bundle);
	return res;
}

/* The storage through which the guest pulls the image (mounted as the
 * container's root). */
static json_t *guest_pull(const char *image, const char *root)
{
	return json_pack("{s:s, s:[], s:s, s:s, s:[], s:s, s:n, s:b}", "driver",
			 "image_guest_pull", "driver_options", "source", image,
			 "fstype", "overlay", "options", "mount_point", root,
			 "fs_group", "shared", 0);
}

/* Fills the request fields every CreateContainerRequest has. */
static CT_RESULT request_common(const struct rq *q, const char *cid,
				const char *name, const char *image, bool readonly,
				json_t *process, json_t *mounts, json_t *lx,
				json_t *storages, json_t *devices, json_t **out)
{
	char *root = ct_aprintf("/run/kata-containers/%s/rootfs", cid);
	json_t *anno = NULL, *r = NULL;
	ct_result res = CT_OK;

	CT_TRY_ENSURE(root != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
	CT_TRY(annotations(q, cid, name, image, &anno));
	CT_TRY(push(storages, guest_pull(image, root)));
	r = json_pack("{s:s, s:s, s:n, s:O, s:O, s:{s:O, s:O, s:{s:s, s:b}, s:s,"
		      " s:O, s:n, s:O, s:O, s:n, s:n}, s:b, s:[], s:i, s:i, s:i}",
		      "container_id", cid, "exec_id", cid, "string_user", "devices",
		      devices, "storages", storages, "OCI", "Version",
		      json_object_get(q->s, "oci_version"), "Process", process,
		      "Root", "Path", root, "Readonly", readonly, "Hostname",
		      name == NULL ? q->hostname : "", "Mounts", mounts, "Hooks",
		      "Annotations", anno, "Linux", lx, "Solaris", "Windows",
		      "sandbox_pidns",
		      name != NULL && json_is_true(json_object_get(
				      q->pod->spec, "shareProcessNamespace")),
		      "shared_mounts", "stdin_port", 0, "stdout_port", 0,
		      "stderr_port", 0);
	CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
	*out = r;
out:
	json_decref(anno);
	free(root);
	return res;
}

/* Process fields containerd always sets that the generator does not
 * compute. */
static CT_RESULT process_extras(json_t *p, int oom)
{
	json_t *user = json_object_get(p, "User");
	json_object_del(p, "EnvRegex");
	CT_ENSURE(json_is_object(user), CT_ERR_INTERNAL, "agent requests: no User");
	CT_GUARD(put(user, "Username", json_string("")));
	CT_GUARD(put(p, "ConsoleSize", json_null()));
	CT_GUARD(put(p, "Rlimits", json_array()));
	CT_GUARD(put(p, "ApparmorProfile", json_string("")));
	CT_GUARD(put(p, "OOMScoreAdj", json_integer(oom)));
	return put(p, "SelinuxLabel", json_string(""));
}

/* The environment as containerd assembles it: its default PATH, TERM for a
 * tty, HOSTNAME, then the image's and the container's variables (each
 * replacing an earlier one of the same name). */
static CT_RESULT containerd_env(const struct rq *q, json_t *process)
{
	json_t *gen = json_object_get(process, "Env"), *env = json_array();
	char *hn = ct_aprintf("HOSTNAME=%s", q->hostname);
	ct_result res = CT_OK;

	CT_TRY_ENSURE(env != NULL && hn != NULL, CT_ERR_NOMEM,
		      "agent requests: out of memory");
	CT_TRY(push(env, json_string(DEFAULT_PATH)));
	if (json_is_true(json_object_get(process, "Terminal")))
		CT_TRY(env_merge(env, "TERM=xterm"));
	CT_TRY(env_merge(env, hn));
	for (size_t i = 0; i < json_array_size(gen); i++)
		CT_TRY(env_merge(env, json_string_value(json_array_get(gen, i))));
	CT_TRY(put(process, "Env", env));
	env = NULL;
out:
	json_decref(env);
	free(hn);
	return res;
}

static CT_RESULT container_request(const struct rq *q, const json_t *c,
				   const char *where, size_t index, json_t **out)
{
	struct ct_gen_ctx x = { q->g, q->pod, q->s, "", &q->rt };
	const json_t *csc = json_object_get(c, "securityContext");
	bool privileged = json_is_true(json_object_get(csc, "privileged"));
	const json_t *vd = json_object_get(c, "volumeDevices");
	const char *name, *image;
	char cid[65], idx[24];
	json_t *facts = NULL, *process = json_object(), *mounts = json_array();
	json_t *storages = json_array(), *devices = json_array(), *lx = NULL;
	ct_result res = CT_OK;

	snprintf(x.where, sizeof(x.where), "%s", where);
	CT_TRY_ENSURE(process != NULL && mounts != NULL && storages != NULL &&
			      devices != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
	CT_TRY(ct_gen_opt_str(&x, c, "name", "container", &name));
	CT_TRY(ct_gen_opt_str(&x, c, "image", "container", &image));
	CT_TRY_ENSURE(name != NULL && image != NULL, CT_ERR_USAGE,
		      "%s: want name and image", where);
	res = ct_image_lookup(q->g->images, image, &facts);
	if (!ct_ok(res)) {
		res = ct_error_prefix("%s", where);
		goto out;
	}
	snprintf(idx, sizeof(idx), "%zu", index);
	CT_TRY(digest_hex(cid, "container", q->sandbox_id, idx, name));
	CT_TRY(ct_gen_process(&x, c, facts, process));
	CT_TRY(containerd_env(q, process));
	CT_TRY(process_extras(process, 1000));
	CT_TRY(container_mounts(q, where, c, facts, cid, privileged, mounts, storages));
	for (size_t i = 0; i < json_array_size(vd); i++) {
		const char *p = json_string_value(json_object_get(json_array_get(vd, i),
								  "devicePath"));
		char vm[32];
		CT_TRY_ENSURE(p != NULL, CT_ERR_USAGE, "%s: volumeDevices[%zu]."
			      "devicePath: missing", where, i);
		snprintf(vm, sizeof(vm), "/dev/vd%c", (char)('b' + (i % 24)));
		CT_TRY(push(devices, json_pack("{s:s, s:s, s:s, s:s, s:[]}", "id", "",
					       "type_", "blk", "vm_path", vm,
					       "container_path", p, "options")));
	}
	CT_TRY(linux_section(q, cid, false, privileged, &lx));
	CT_TRY(request_common(q, cid, name, image,
			      json_is_true(json_object_get(csc, "readOnlyRootFilesystem")),
			      process, mounts, lx, storages, devices, out));
out:
	json_decref(facts);
	json_decref(process);
	json_decref(mounts);
	json_decref(storages);
	json_decref(devices);
	json_decref(lx);
	return res;
}

static CT_RESULT pause_request(const struct rq *q, json_t **out)
{
	struct ct_gen_ctx x = { q->g, q->pod, q->s, "", &q->rt };
	json_t *process = json_object(), *mounts = json_array();
	json_t *storages = json_array(), *devices = json_array(), *lx = NULL;
	const json_t *names = json_object_get(json_object_get(q->s, "pause"),
					      "image_names");
	const char *image = json_string_value(json_array_get(names, 0));
	ct_result res = CT_OK;

	snprintf(x.where, sizeof(x.where), "%s: pause container", q->pod->where);
	CT_TRY_ENSURE(process != NULL && mounts != NULL && storages != NULL &&
			      devices != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
	CT_TRY_ENSURE(image != NULL, CT_ERR_PROTO, "settings: pause.image_names: "
		      "missing");
	CT_TRY(ct_gen_pause_process(&x, process));
	CT_TRY(process_extras(process, -998));
	CT_TRY(settings_mounts(mounts, json_object_get(json_object_get(q->s, "pause"),
						       "mounts"),
			       q->sandbox_id, false));
	CT_TRY(linux_section(q, q->sandbox_id, true, false, &lx));
	CT_TRY(request_common(q, q->sandbox_id, NULL, image, true, process, mounts,
			      lx, storages, devices, out));
out:
	json_decref(process);
	json_decref(mounts);
	json_decref(storages);
	json_decref(devices);
	json_decref(lx);
	return res;
}

static CT_RESULT sandbox_request(const struct rq *q, json_t **out)
{
	const json_t *st = json_object_get(q->s, "sandbox_storages");

	CT_ENSURE(json_is_array(st), CT_ERR_PROTO, "settings: sandbox_storages: "
		  "missing");
	*out = json_pack("{s:s, s:[], s:O, s:b, s:s, s:s, s:[]}", "hostname",
			 q->hostname, "dns", "storages", st, "sandbox_pidns", 0,
			 "sandbox_id", q->sandbox_id, "guest_hook_path", "",
			 "kernel_modules");
	CT_ENSURE(*out != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
	return CT_OK;
}

static CT_RESULT append(json_t *list, const char *kind, const char *container,
			json_t *request)
{
	return push(list, json_pack("{s:s, s:s, s:o}", "kind", kind, "container",
				    container, "request", request));
}

static bool name_ok(const char *s, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0;
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789.-_", s[i]) == NULL)
			return false;
	return true;
}

/* Kubelet's pod hostname: spec.hostname, else the pod name cut to 63
 * characters without a trailing '-' or '.'; the node's with hostNetwork. */
static void pod_hostname(struct rq *q)
{
	const char *h = json_string_value(json_object_get(q->pod->spec, "hostname"));
	size_t n;

	if (q->host_network)
		h = q->rt.node_name;
	else if (h == NULL || h[0] == '\0')
		h = q->rt.sandbox_name;
	snprintf(q->hostname, sizeof(q->hostname), "%s", h);
	n = strlen(q->hostname);
	while (n > 0 && (q->hostname[n - 1] == '-' || q->hostname[n - 1] == '.'))
		q->hostname[--n] = '\0';
}

CT_RESULT ct_policy_agent_requests(const struct ct_policy_gen *g,
				   const struct ct_k8s_pod *pod,
				   const char *sandbox_name, const char *ns,
				   const char *pod_ip, json_t **out)
{
	static const char *const lists[2] = { "initContainers", "containers" };
	struct rq q;
	struct in_addr ip;
	const char *node;
	char h[65];
	json_t *list = NULL, *r = NULL;
	size_t index = 1;
	ct_result res = CT_OK;

	*out = NULL;
	CT_ENSURE(g != NULL && g->settings != NULL && g->images != NULL &&
			  pod != NULL && pod->spec != NULL,
		  CT_ERR_USAGE, "agent requests: generator or pod missing");
	CT_ENSURE(json_is_string(json_object_get(g->settings, "oci_version")),
		  CT_ERR_PROTO, "settings: oci_version: missing");
	CT_ENSURE(name_ok(sandbox_name, NAME_MAX_LEN), CT_ERR_USAGE,
		  "agent requests: pod name '%s': want 1-%d of [A-Za-z0-9._-]",
		  sandbox_name != NULL ? sandbox_name : "", NAME_MAX_LEN);
	CT_ENSURE(name_ok(ns, NS_MAX_LEN), CT_ERR_USAGE, "agent requests: "
		  "namespace '%s': want 1-%d of [A-Za-z0-9._-]",
		  ns != NULL ? ns : "", NS_MAX_LEN);
	CT_ENSURE(pod_ip != NULL && inet_pton(AF_INET, pod_ip, &ip) == 1,
		  CT_ERR_USAGE, "agent requests: pod IP '%s': want an IPv4 address",
		  pod_ip != NULL ? pod_ip : "");
	for (size_t i = 0; i < 2; i++)
		CT_ENSURE(!json_is_true(json_object_get(pod->spec, i == 0 ? "hostPID"
							: "hostIPC")),
			  CT_ERR_USAGE, "%s: spec.%s: not supported by confidential "
			  "containers", pod->where, i == 0 ? "hostPID" : "hostIPC");

	memset(&q, 0, sizeof(q));
	q.g = g;
	q.pod = pod;
	q.s = g->settings;
	q.host_network = json_is_true(json_object_get(pod->spec, "hostNetwork"));
	CT_GUARD(digest_hex(q.sandbox_id, "sandbox", ns, sandbox_name, ""));
	CT_GUARD(digest_hex(h, "pod-uid", ns, sandbox_name, ""));
	uuid_from(q.pod_uid, h);
	CT_GUARD(digest_hex(h, "netns", ns, sandbox_name, ""));
	memcpy(q.netns, "/var/run/netns/cni-", 20);
	uuid_from(q.netns + 19, h);
	node = json_string_value(json_object_get(pod->spec, "nodeName"));
	q.rt = (struct ct_gen_runtime){
		.sandbox_name = sandbox_name, .ns = ns,
		.pod_ip = q.host_network ? NODE_IP : pod_ip, .host_ip = NODE_IP,
		.node_name = node != NULL && node[0] != '\0' ? node : NODE_NAME,
		.pod_uid = q.pod_uid,
	};
	pod_hostname(&q);

	list = json_array();
	CT_TRY_ENSURE(list != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
	CT_TRY(sandbox_request(&q, &r));
	CT_TRY(append(list, "CreateSandboxRequest", "pause", r));
	r = NULL;
	CT_TRY(pause_request(&q, &r));
	CT_TRY(append(list, "CreateContainerRequest", "pause", r));
	r = NULL;
	for (size_t l = 0; l < 2; l++) {
		const json_t *cs = json_object_get(pod->spec, lists[l]);
		CT_TRY_ENSURE(cs == NULL || json_is_array(cs), CT_ERR_USAGE,
			      "%s: spec.%s: want a list", pod->where, lists[l]);
		for (size_t i = 0; i < json_array_size(cs); i++, index++) {
			const json_t *c = json_array_get(cs, i);
			char where[1024];
			snprintf(where, sizeof(where), "%s: %s%s[%zu]", pod->where,
				 strcmp(pod->kind, "Pod") == 0 ? "spec." : "pod template spec.",
				 lists[l], i);
			CT_TRY(container_request(&q, c, where, index, &r));
			CT_TRY(append(list, "CreateContainerRequest",
				      json_string_value(json_object_get(c, "name")), r));
			r = NULL;
		}
	}
	/* A deep copy: the parts share nodes with each other and with the
	 * settings, and the caller may edit its result. */
	*out = json_deep_copy(list);
	CT_TRY_ENSURE(*out != NULL, CT_ERR_NOMEM, "agent requests: out of memory");
out:
	json_decref(r);
	json_decref(list);
	return res;
}

/* --- replica names ------------------------------------------------------ */

/* The alphabet of Kubernetes' random name suffixes (no vowels, no 0/1/3). */
static const char suffix_chars[] = "bcdfghjklmnpqrstvwxz2456789";

static unsigned hexval(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

/* `len` (<= 32) suffix characters from a hex digest. */
static void suffix(char *out, size_t len, const char hex[65])
{
	for (size_t i = 0; i < len; i++)
		out[i] = suffix_chars[(hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1])) %
				      (sizeof(suffix_chars) - 1)];
	out[len] = '\0';
}

CT_RESULT ct_policy_replica_name(const struct ct_k8s_pod *pod, unsigned n,
				 struct ct_buf *out)
{
	const json_t *meta = json_object_get(pod->object, "metadata");
	char h[65], num[24], tmpl[11], rnd[6];

	snprintf(num, sizeof(num), "%u", n);
	CT_GUARD(digest_hex(h, "replica", pod->kind, pod->name, ""));
	suffix(tmpl, 10, h); /* pod-template-hash: one per template */
	CT_GUARD(digest_hex(h, "replica", pod->kind, pod->name, num));
	suffix(rnd, 5, h);
	if (strcmp(pod->kind, "Pod") == 0)
		return json_is_string(json_object_get(meta, "name"))
			       ? ct_buf_append_str(out, pod->name)
			       : ct_buf_printf(out, "%s%s", pod->name, rnd);
	if (strcmp(pod->kind, "Deployment") == 0)
		return ct_buf_printf(out, "%s-%s-%s", pod->name, tmpl, rnd);
	if (strcmp(pod->kind, "StatefulSet") == 0)
		return ct_buf_printf(out, "%s-%u", pod->name, n);
	if (strcmp(pod->kind, "CronJob") == 0)
		return ct_buf_printf(out, "%s-%u-%s", pod->name, 28939680u + n, rnd);
	return ct_buf_printf(out, "%s-%s", pod->name, rnd);
}

/* --- resourceFieldRef ----------------------------------------------------- */

/* A Kubernetes quantity in thousandths ("500m" → 500, "1" → 1000,
 * "64Mi" → 67108864000); fractions beyond 1/1000 round up. */
static bool quantity_milli(const char *s, uint64_t *out)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} sfx[] = {
		{ "", 1 }, { "k", 1000ULL }, { "M", 1000000ULL }, { "G", 1000000000ULL },
		{ "T", 1000000000000ULL }, { "Ki", 1ULL << 10 }, { "Mi", 1ULL << 20 },
		{ "Gi", 1ULL << 30 }, { "Ti", 1ULL << 40 },
	};
	uint64_t base = 0;
	int frac = 0;
	bool digits = false, roundup = false;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++, digits = true)
		if (__builtin_mul_overflow(base, 10, &base) ||
		    __builtin_add_overflow(base, (uint64_t)(*p - '0'), &base))
			return false;
	if (__builtin_mul_overflow(base, 1000, &base))
		return false;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits = true) {
			if (frac < 3) {
				uint64_t f = (uint64_t)(*p - '0') * (frac == 0 ? 100 : frac == 1 ? 10 : 1);
				if (__builtin_add_overflow(base, f, &base))
					return false;
			} else if (*p != '0')
				roundup = true;
			frac++;
		}
	}
	if (!digits)
		return false;
	if (strcmp(p, "m") == 0) {
		*out = base / 1000 + (base % 1000 != 0 || roundup);
		return true;
	}
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if (strcmp(p, sfx[i].suffix) == 0)
			return !__builtin_add_overflow(base, (uint64_t)roundup, &base) &&
			       !__builtin_mul_overflow(base, sfx[i].mult, out);
	return false;
}

CT_RESULT ct_gen_resource_value(const struct ct_gen_ctx *x, const json_t *c,
				const json_t *ref, const char *path, char out[32])
{
	const char *res = json_string_value(json_object_get(ref, "resource"));
	const char *cname = json_string_value(json_object_get(ref, "containerName"));
	const json_t *div = json_object_get(ref, "divisor");
	const char *dot, *kind, *v = NULL;
	char tmp[32], tmp2[32];
	uint64_t val = 0, d = 1000, alloc;
	bool limits;

	CT_ENSURE(res != NULL, CT_ERR_USAGE, "%s: %s.valueFrom.resourceFieldRef."
		  "resource: missing", x->where, path);
	if (cname != NULL && cname[0] != '\0') {
		const json_t *found = NULL;
		for (int l = 0; l < 2 && found == NULL; l++) {
			const json_t *list = json_object_get(x->pod->spec, l == 0
							     ? "containers" : "initContainers");
			for (size_t i = 0; i < json_array_size(list); i++) {
				const char *n = json_string_value(json_object_get(
					json_array_get(list, i), "name"));
				if (n != NULL && strcmp(n, cname) == 0)
					found = json_array_get(list, i);
			}
		}
		CT_ENSURE(found != NULL, CT_ERR_USAGE, "%s: %s: resourceFieldRef."
			  "containerName '%s': no such container", x->where, path, cname);
		c = found;
	}
	dot = strchr(res, '.');
	limits = strncmp(res, "limits.", 7) == 0;
	CT_ENSURE(dot != NULL && (limits || strncmp(res, "requests.", 9) == 0),
		  CT_ERR_USAGE, "%s: %s: resourceFieldRef.resource '%s': want "
		  "limits.* or requests.*", x->where, path, res);
	kind = dot + 1;
	if (strcmp(kind, "cpu") == 0)
		alloc = 2000;
	else if (strcmp(kind, "memory") == 0)
		alloc = (4ULL << 30) * 1000;
	else if (strcmp(kind, "ephemeral-storage") == 0)
		alloc = (20ULL << 30) * 1000;
	else
		CT_BAIL(CT_ERR_USAGE, "%s: %s: resourceFieldRef.resource '%s': "
			"unsupported", x->where, path, res);
	if (!limits)
		v = ct_k8s_text(json_object_get(json_object_get(json_object_get(
					c, "resources"), "requests"), kind), tmp);
	if (v == NULL)
		v = ct_k8s_text(json_object_get(json_object_get(json_object_get(
					c, "resources"), "limits"), kind), tmp);
	if (v == NULL)
		val = limits ? alloc : 0;
	else
		CT_ENSURE(quantity_milli(v, &val), CT_ERR_USAGE, "%s: %s: resource "
			  "quantity '%s': malformed", x->where, path, v);
	if (div != NULL) {
		const char *ds = ct_k8s_text(div, tmp2);
		CT_ENSURE(ds != NULL && quantity_milli(ds, &d) && d > 0, CT_ERR_USAGE,
			  "%s: %s: resourceFieldRef.divisor: malformed", x->where, path);
	}
	snprintf(out, 32, "%llu", (unsigned long long)(val / d + (val % d != 0)));
	return CT_OK;
}
