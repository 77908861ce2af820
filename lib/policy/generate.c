/*
 * generate.c - one pod → policy_data (docs/policy-data.md) → policy text.
 * This file assembles containers ([pause, initContainers..., containers...]
 * in pod order), mounts and storages per volume type, Linux settings,
 * exec commands from probes and hooks, and the sandbox section; process
 * details are in gen_process.c.
 *
 * Trust: the pod YAML and settings are the user's; anything the generator
 * does not understand (a volume type, subPath, an unknown container field)
 * is refused with file, document and path rather than guessed, because a
 * guess would either break the pod or widen the policy.
 */
#include "gen_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const container_keys[] = {
	"name", "image", "command", "args", "workingDir", "ports", "env",
	"envFrom", "resources", "volumeMounts", "volumeDevices",
	"livenessProbe", "readinessProbe", "startupProbe", "lifecycle",
	"terminationMessagePath", "terminationMessagePolicy",
	"imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty",
	"restartPolicy", "resizePolicy", NULL,
};

CT_RESULT ct_gen_regex_escape(struct ct_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr("\\.+*?()|[]{}^$", *s) != NULL)
			CT_GUARD(ct_buf_append_byte(b, '\\'));
		CT_GUARD(ct_buf_append_byte(b, (uint8_t)*s));
	}
	return CT_OK;
}

json_t *ct_gen_anchored(const char *s)
{
	struct ct_buf b;
	json_t *j = NULL;

	ct_buf_init(&b, (size_t)1 << 20);
	if (ct_ok(ct_buf_append_byte(&b, '^')) && ct_ok(ct_gen_regex_escape(&b, s)) &&
	    ct_ok(ct_buf_append_byte(&b, '$')))
		j = json_string(ct_buf_cstr(&b));
	ct_buf_dispose(&b);
	return j;
}

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s != NULL && s[1] != '\0' ? s + 1 : p;
}

/* Replaces the mount with the same destination, or appends. */
static void mount_put(json_t *mounts, json_t *m)
{
	const char *d = json_string_value(json_object_get(m, "destination"));
	for (size_t i = 0; i < json_array_size(mounts); i++)
		if (strcmp(json_string_value(json_object_get(
				   json_array_get(mounts, i), "destination")), d) == 0) {
			json_array_set_new(mounts, i, m);
			return;
		}
	json_array_append_new(mounts, m);
}

static bool has_mount(const json_t *mounts, const char *d)
{
	for (size_t i = 0; i < json_array_size(mounts); i++)
		if (strcmp(json_string_value(json_object_get(
				   json_array_get(mounts, i), "destination")), d) == 0)
			return true;
	return false;
}

/* A bind mount of a file the runtime shares into the guest. */
static json_t *shared_mount(const json_t *settings, const char *dest,
			    const char *name, json_t *options)
{
	struct ct_buf b;
	json_t *m = NULL;

	ct_buf_init(&b, 8192);
	if (ct_ok(ct_buf_append_str(&b, json_string_value(json_object_get(
						settings, "shared_source_prefix")))) &&
	    ct_ok(ct_gen_regex_escape(&b, name)) && ct_ok(ct_buf_append_byte(&b, '$')))
		m = json_pack("{s:s, s:s, s:O, s:s}", "destination", dest, "type_",
			      "bind", "options", options, "source_regex",
			      ct_buf_cstr(&b));
	ct_buf_dispose(&b);
	return m;
}

static char *subst(const char *tmpl, const char *var, const char *value)
{
	const char *p = strstr(tmpl, var);
	if (p == NULL)
		return ct_strdup(tmpl);
	return ct_aprintf("%.*s%s%s", (int)(p - tmpl), tmpl, value, p + strlen(var));
}

static CT_RESULT volume_mount(const struct ct_gen_ctx *x, const json_t *vm,
			      size_t i, json_t *mounts, json_t *storages)
{
	const json_t *s = x->settings;
	const json_t *ed = json_object_get(s, "emptydir");
	const char *name = json_string_value(json_object_get(vm, "name"));
	const char *dest = json_string_value(json_object_get(vm, "mountPath"));
	const char *prop = json_string_value(json_object_get(vm, "mountPropagation"));
	bool ro = json_is_true(json_object_get(vm, "readOnly"));
	const json_t *vols = json_object_get(x->pod->spec, "volumes"), *vol = NULL;
	const char *rw = ro ? "ro" : "rw";
	json_t *m = NULL;

	CT_ENSURE(name != NULL && dest != NULL, CT_ERR_USAGE,
		  "%s: volumeMounts[%zu]: want name and mountPath", x->where, i);
	CT_ENSURE(json_object_get(vm, "subPath") == NULL &&
			  json_object_get(vm, "subPathExpr") == NULL,
		  CT_ERR_USAGE, "%s: volumeMounts[%zu].subPath: not supported by "
		  "Kata confidential containers", x->where, i);
	for (size_t k = 0; k < json_array_size(vols); k++)
		if (json_is_string(json_object_get(json_array_get(vols, k), "name")) &&
		    strcmp(json_string_value(json_object_get(json_array_get(vols, k),
							     "name")), name) == 0)
			vol = json_array_get(vols, k);
	CT_ENSURE(vol != NULL, CT_ERR_USAGE, "%s: volumeMounts[%zu]: no volume "
		  "named '%s' in spec.volumes", x->where, i, name);
	CT_GUARD(ct_gen_mount_propagation(x->where, i, &prop));

	if (json_object_get(vol, "emptyDir") != NULL) {
		const char *medium = json_string_value(json_object_get(
			json_object_get(vol, "emptyDir"), "medium"));
		if (medium != NULL && strcmp(medium, "Memory") == 0) {
			json_t *st = json_deep_copy(json_object_get(ed, "memory"));
			char *mp = subst(json_string_value(json_object_get(
						 json_object_get(ed, "memory"),
						 "mount_point")), "$(volume)", name);
			char *src = subst(json_string_value(json_object_get(
						  ed, "memory_mount_source")),
					  "$(volume)", name);
			json_object_set_new(st, "mount_point", json_string(mp));
			json_array_append_new(storages, st);
			m = json_pack("{s:s, s:s, s:s, s:[s,s,s]}", "destination",
				      dest, "type_", "bind", "source", src, "options",
				      "rbind", prop, rw);
			free(mp);
			free(src);
		} else {
			json_t *st = json_deep_copy(json_object_get(ed, "disk"));
			json_t *opts = json_deep_copy(json_object_get(
				ed, "disk_mount_options"));
			json_t *fsg = json_object_get(json_object_get(
				x->pod->spec, "securityContext"), "fsGroup");
			if (json_is_integer(fsg) && json_integer_value(fsg) > 0)
				json_object_set_new(st, "fs_group", json_pack(
					"{s:O, s:i}", "group_id", fsg,
					"group_change_policy", 0));
			json_array_append_new(opts, json_string(rw));
			json_array_append_new(storages, st);
			m = json_pack("{s:s, s:s, s:o, s:b}", "destination", dest,
				      "type_", "bind", "options", opts,
				      "source_storage", 1);
		}
	} else if (json_object_get(vol, "configMap") != NULL ||
		   json_object_get(vol, "secret") != NULL ||
		   json_object_get(vol, "projected") != NULL ||
		   json_object_get(vol, "downwardAPI") != NULL) {
		/* The runtime names a shared file after the basename of the
		 * host path, which kubelet names after the volume. */
		json_t *o = json_pack("[s,s,s]", "rbind", prop, "ro");
		m = shared_mount(s, dest, name, o);
		json_decref(o);
	} else if (json_object_get(vol, "persistentVolumeClaim") != NULL) {
		json_t *o = json_pack("[s,s,s]", "rbind", prop, rw);
		m = shared_mount(s, dest, name, o);
		json_decref(o);
	} else if (json_object_get(vol, "hostPath") != NULL) {
		const char *hp = json_string_value(json_object_get(
			json_object_get(vol, "hostPath"), "path"));
		json_t *o;
		CT_ENSURE(hp != NULL, CT_ERR_USAGE, "%s: volume '%s': hostPath.path: "
			  "missing", x->where, name);
		o = json_pack("[s,s,s]", "rbind", prop, rw);
		m = shared_mount(s, dest, basename_of(hp), o);
		json_decref(o);
	} else {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)vol, k, v)
			if (strcmp(k, "name") != 0)
				break;
		CT_BAIL(CT_ERR_USAGE, "%s: volume '%s': unsupported volume type "
			"'%s' (emptyDir, configMap, secret, projected, "
			"downwardAPI, hostPath, persistentVolumeClaim are)",
			x->where, name, k != NULL ? k : "(none)");
	}
	CT_ENSURE(m != NULL, CT_ERR_NOMEM, "out of memory");
	mount_put(mounts, m);
	return CT_OK;
}

static CT_RESULT build_mounts(const struct ct_gen_ctx *x, const json_t *c,
			      const json_t *facts, json_t *oci, json_t *storages,
			      bool privileged)
{
	const json_t *s = x->settings, *cs = json_object_get(s, "container");
	const json_t *sfm = json_object_get(cs, "shared_file_mounts");
	const json_t *vms = json_object_get(c, "volumeMounts");
	const json_t *ivols = json_object_get(facts, "Volumes");
	const char *tml = json_string_value(json_object_get(c, "terminationMessagePath"));
	json_t *mounts = json_deep_copy(json_object_get(cs, "mounts"));
	json_t *am;

	CT_ENSURE(mounts != NULL, CT_ERR_PROTO, "settings: container.mounts: missing");
	if (privileged)
		for (size_t i = 0; i < json_array_size(mounts); i++) {
			json_t *o = json_object_get(json_array_get(mounts, i), "options");
			for (size_t k = 0; k < json_array_size(o); k++)
				if (strcmp(json_string_value(json_array_get(o, k)), "ro") == 0)
					json_array_set_new(o, k, json_string("rw"));
		}
	for (size_t i = 0; i < json_array_size(sfm); i++) {
		const json_t *f = json_array_get(sfm, i);
		const char *d = json_string_value(json_object_get(f, "destination"));
		if (strcmp(d, "$(termination-log)") == 0)
			d = tml != NULL ? tml : "/dev/termination-log";
		mount_put(mounts, shared_mount(s, d, json_string_value(json_object_get(
						     f, "name")), json_object_get(f, "options")));
	}
	mount_put(mounts, json_deep_copy(json_object_get(cs, "shm_mount")));
	am = json_object_get(x->pod->spec, "automountServiceAccountToken");
	if (!json_is_false(am)) {
		const json_t *sa = json_object_get(cs, "service_account_mount");
		mount_put(mounts, shared_mount(
			s, json_string_value(json_object_get(sa, "destination")),
			json_string_value(json_object_get(sa, "name")),
			json_object_get(sa, "options")));
	}
	for (size_t i = 0; i < json_array_size(vms); i++) {
		ct_result r = volume_mount(x, json_array_get(vms, i), i, mounts,
					   storages);
		if (!ct_ok(r)) {
			json_decref(mounts);
			return r;
		}
	}
	for (size_t i = 0; i < json_array_size(ivols); i++) {
		const char *d = json_string_value(json_array_get(ivols, i));
		json_t *o;
		if (d == NULL || has_mount(mounts, d))
			continue;
		o = json_pack("[s,s,s]", "rbind", "rprivate", "rw");
		mount_put(mounts, shared_mount(s, d, basename_of(d), o));
		json_decref(o);
	}
	json_object_set_new(oci, "Mounts", mounts);
	return CT_OK;
}

static json_t *linux_section(const struct ct_gen_ctx *x, bool privileged,
			     bool pause)
{
	const json_t *s = x->settings;
	json_t *sysctl = json_deep_copy(json_object_get(s, "sysctls"));
	json_t *ns = json_deep_copy(json_object_get(s, "namespaces"));
	const json_t *ps = json_object_get(json_object_get(x->pod->spec,
							   "securityContext"), "sysctls");

	for (size_t i = 0; i < json_array_size(ps); i++) {
		char tmp[32];
		const char *n = json_string_value(json_object_get(json_array_get(ps, i), "name"));
		const char *v = ct_k8s_text(json_object_get(json_array_get(ps, i), "value"), tmp);
		if (n != NULL && v != NULL)
			json_object_set_new(sysctl, n, json_string(v));
	}
	if (pause && json_is_true(json_object_get(x->pod->spec, "hostNetwork")))
		for (size_t i = json_array_size(ns); i-- > 0;)
			if (strcmp(json_string_value(json_object_get(json_array_get(ns, i),
								     "Type")), "uts") == 0)
				json_array_remove(ns, i);
	return json_pack("{s:o, s:o, s:o, s:o, s:[], s:n}", "Namespaces", ns,
			 "MaskedPaths", privileged ? json_array()
				 : json_deep_copy(json_object_get(s, "masked_paths")),
			 "ReadonlyPaths", privileged ? json_array()
				 : json_deep_copy(json_object_get(s, "readonly_paths")),
			 "Sysctl", sysctl, "Devices", "Seccomp");
}

/* Pod annotations as extra allowed annotation regexes. */
static json_t *annotations(const struct ct_gen_ctx *x, const json_t *base)
{
	json_t *a = json_deep_copy(base);
	const char *k;
	json_t *v;

	json_object_foreach(json_object_get(x->pod->meta, "annotations"), k, v) {
		char tmp[32];
		const char *t = ct_k8s_text(v, tmp);
		if (strcmp(k, CT_INITDATA_ANNOTATION) == 0 || t == NULL ||
		    json_object_get(a, k) != NULL)
			continue;
		json_object_set_new(a, k, ct_gen_anchored(t));
	}
	return a;
}

static void add_exec(json_t *out, const json_t *handler)
{
	const json_t *cmd = json_object_get(json_object_get(handler, "exec"), "command");
	if (json_is_array(cmd) && json_array_size(cmd) > 0)
		json_array_append(out, (json_t *)cmd);
}

static CT_RESULT image_names(const char *ref, json_t **out)
{
	const char *at = strstr(ref, "@sha256:");
	const char *slash = strrchr(ref, '/');
	const char *last = slash != NULL ? slash + 1 : ref;
	const char *colon = strchr(last, ':');
	json_t *a = json_pack("[s]", ref);

	CT_ENSURE(a != NULL, CT_ERR_NOMEM, "out of memory");
	if (at != NULL && colon != NULL && colon < at) {
		char *alt = ct_aprintf("%.*s%s", (int)(colon - ref), ref, at);
		json_array_append_new(a, json_string(alt));
		free(alt);
	} else if (at == NULL && (colon == NULL)) {
		char *alt = ct_aprintf("%s:latest", ref);
		json_array_append_new(a, json_string(alt));
		free(alt);
	}
	*out = a;
	return CT_OK;
}

static CT_RESULT check_keys(const struct ct_gen_ctx *x, const json_t *c)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)c, k, v) {
		bool ok = false;
		for (size_t i = 0; container_keys[i] != NULL && !ok; i++)
			ok = strcmp(k, container_keys[i]) == 0;
		CT_ENSURE(ok, CT_ERR_USAGE, "%s.%s: unsupported field", x->where, k);
	}
	return CT_OK;
}

static CT_RESULT container(struct ct_gen_ctx *x, const json_t *c, bool init,
			   json_t *out)
{
	const json_t *csc = json_object_get(c, "securityContext");
	bool privileged = json_is_true(json_object_get(csc, "privileged"));
	const char *name, *ref;
	json_t *facts = NULL, *entry = NULL, *oci, *process, *storages, *execs, *devs;
	const json_t *vd = json_object_get(c, "volumeDevices");
	ct_result res = CT_OK;

	CT_GUARD(check_keys(x, c));
	CT_GUARD(ct_gen_opt_str(x, c, "name", "container", &name));
	CT_GUARD(ct_gen_opt_str(x, c, "image", "container", &ref));
	CT_ENSURE(name != NULL && ref != NULL, CT_ERR_USAGE,
		  "%s: want name and image", x->where);
	res = ct_image_lookup(x->g->images, ref, &facts);
	if (!ct_ok(res))
		return ct_error_prefix("%s", x->where);
	entry = json_pack("{s:s, s:s, s:b, s:{}, s:[], s:[], s:[]}", "name", name,
			  "kind", "container", "sandbox_pidns",
			  json_is_true(json_object_get(x->pod->spec,
						       "shareProcessNamespace")),
			  "OCI", "storages", "devices", "exec_commands");
	CT_TRY_ENSURE(entry != NULL, CT_ERR_NOMEM, "out of memory");
	if (init)
		json_object_set_new(entry, "init_container", json_true());
	{
		json_t *names = NULL;
		CT_TRY(image_names(ref, &names));
		json_object_set_new(entry, "image_names", names);
	}
	oci = json_object_get(entry, "OCI");
	storages = json_object_get(entry, "storages");
	execs = json_object_get(entry, "exec_commands");
	devs = json_object_get(entry, "devices");
	process = json_object();
	json_object_set_new(oci, "Version",
			    json_copy(json_object_get(x->settings, "oci_version")));
	json_object_set_new(oci, "Root", json_pack("{s:b}", "Readonly",
		json_is_true(json_object_get(csc, "readOnlyRootFilesystem"))));
	json_object_set_new(oci, "Annotations", annotations(x, json_object_get(
		json_object_get(x->settings, "container"), "annotations")));
	json_object_set_new(oci, "Process", process);
	CT_TRY(ct_gen_process(x, c, facts, process));
	CT_TRY(build_mounts(x, c, facts, oci, storages, privileged));
	json_object_set_new(oci, "Linux", linux_section(x, privileged, false));
	add_exec(execs, json_object_get(c, "livenessProbe"));
	add_exec(execs, json_object_get(c, "readinessProbe"));
	add_exec(execs, json_object_get(c, "startupProbe"));
	add_exec(execs, json_object_get(json_object_get(c, "lifecycle"), "postStart"));
	add_exec(execs, json_object_get(json_object_get(c, "lifecycle"), "preStop"));
	for (size_t i = 0; i < json_array_size(vd); i++) {
		const char *p = json_string_value(json_object_get(json_array_get(vd, i),
								  "devicePath"));
		CT_TRY_ENSURE(p != NULL, CT_ERR_USAGE, "%s: volumeDevices[%zu]."
			      "devicePath: missing", x->where, i);
		json_array_append_new(devs, json_pack("{s:s}", "container_path", p));
	}
	CT_TRY_ENSURE(json_array_append(out, entry) == 0, CT_ERR_NOMEM,
		      "out of memory");
out:
	json_decref(facts);
	json_decref(entry);
	return res;
}

static json_t *pause_container(struct ct_gen_ctx *x)
{
	const json_t *p = json_object_get(x->settings, "pause");
	json_t *process = json_object();
	json_t *e;

	if (!ct_ok(ct_gen_pause_process(x, process))) {
		json_decref(process);
		return NULL;
	}
	e = json_pack("{s:s, s:s, s:O, s:b, s:{s:O, s:{s:b}, s:o, s:o, s:O, s:o},"
		      " s:[], s:[], s:[]}",
		      "name", "", "kind", "sandbox", "image_names",
		      json_object_get(p, "image_names"), "sandbox_pidns", 0, "OCI",
		      "Version", json_object_get(x->settings, "oci_version"), "Root",
		      "Readonly", 1, "Annotations",
		      annotations(x, json_object_get(p, "annotations")), "Process",
		      process, "Mounts", json_object_get(p, "mounts"), "Linux",
		      linux_section(x, false, true), "storages", "devices",
		      "exec_commands");
	return e;
}

static CT_RESULT check_spec(const struct ct_gen_ctx *x)
{
	static const char *const refused[] = { "hostPID", "hostIPC", NULL };
	for (size_t i = 0; refused[i] != NULL; i++)
		CT_ENSURE(!json_is_true(json_object_get(x->pod->spec, refused[i])),
			  CT_ERR_USAGE, "%s: spec.%s: not supported by confidential "
			  "containers", x->where, refused[i]);
	return CT_OK;
}

CT_RESULT ct_policy_gen_pod(const struct ct_policy_gen *g,
			    const struct ct_k8s_pod *pod, json_t **out)
{
	struct ct_gen_ctx x = { g, pod, g->settings, "", NULL };
	const char *lists[2] = { "initContainers", "containers" };
	json_t *pd = NULL, *cs = json_array(), *pause;
	ct_result res = CT_OK;

	CT_ENSURE(cs != NULL, CT_ERR_NOMEM, "out of memory");
	snprintf(x.where, sizeof(x.where), "%s", pod->where);
	CT_TRY(check_spec(&x));
	pause = pause_container(&x);
	CT_TRY_ENSURE(pause != NULL, ct_error_category() != CT_ERR_NONE
			      ? ct_error_category() : CT_ERR_NOMEM,
		      "%s: pause container: %s", pod->where, ct_error_message());
	json_array_append_new(cs, pause);
	for (size_t l = 0; l < 2; l++) {
		const json_t *list = json_object_get(pod->spec, lists[l]);
		CT_TRY_ENSURE(list == NULL || json_is_array(list), CT_ERR_USAGE,
			      "%s: spec.%s: want a list", pod->where, lists[l]);
		for (size_t i = 0; i < json_array_size(list); i++) {
			snprintf(x.where, sizeof(x.where), "%s: %s%s[%zu]", pod->where,
				 strcmp(pod->kind, "Pod") == 0 ? "spec." : "pod template spec.",
				 lists[l], i);
			CT_TRY(container(&x, json_array_get(list, i), l == 0, cs));
		}
	}
	CT_TRY_ENSURE(json_array_size(cs) > 1, CT_ERR_USAGE,
		      "%s: spec.containers: the pod has no containers", pod->where);
	pd = json_pack("{s:i, s:{s:s, s:s, s:O}, s:O, s:O, s:O}", "version", 1,
		       "sandbox", "name_regex", pod->name_regex, "namespace", pod->ns,
		       "storages", json_object_get(g->settings, "sandbox_storages"),
		       "containers", cs, "common",
		       json_object_get(g->settings, "common"), "request_defaults",
		       json_object_get(g->settings, "request_defaults"));
	CT_TRY_ENSURE(pd != NULL, CT_ERR_PROTO, "settings: sandbox_storages, "
		      "common or request_defaults missing");
	*out = pd;
out:
	json_decref(cs);
	return res;
}

CT_RESULT ct_policy_text(const json_t *policy_data, struct ct_buf *out)
{
	size_t len;
	const char *rules = ct_policy_rules(&len);
	char *js = json_dumps(policy_data, JSON_INDENT(2) | JSON_SORT_KEYS);
	ct_result r;

	CT_ENSURE(js != NULL, CT_ERR_NOMEM, "policy: cannot serialise policy_data");
	r = ct_buf_append(out, rules, len);
	if (ct_ok(r) && len > 0 && rules[len - 1] != '\n')
		r = ct_buf_append_byte(out, '\n');
	if (ct_ok(r))
		r = ct_buf_printf(out, "\npolicy_data := %s\n", js);
	free(js);
	return r;
}
