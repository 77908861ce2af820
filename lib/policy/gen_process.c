/*
 * gen_process.c - the expected OCI Process of a container: user and groups
 * (image User resolved through the image's /etc/passwd and /etc/group,
 * then pod and container securityContext), argv (Entrypoint/Cmd vs
 * command/args), environment (image Env, env/envFrom with ConfigMap,
 * Secret and downward-API references, $(VAR) expansion), working
 * directory, capabilities and NoNewPrivileges — following what kubelet
 * and containerd do, so the policy admits exactly the real request.
 *
 * Trust: inputs are the user's YAML, ConfigMaps/Secrets and image facts
 * (digest-verified). Values only known at run time (pod IP, node name, pod
 * name) become anchored regexes, never "anything".
 */
#include "gen_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IPV4 "(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\\.){3}" \
	     "([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])"
#define ENV_MAX 4096

CT_RESULT ct_gen_opt_str(const struct ct_gen_ctx *x, const json_t *obj,
			 const char *key, const char *path, const char **out)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return CT_OK;
	CT_ENSURE(json_is_string(v), CT_ERR_USAGE, "%s: %s.%s: want a string",
		  x->where, path, key);
	*out = json_string_value(v);
	return CT_OK;
}

/* Integer field (uid/gid) or -1 when absent. */
static CT_RESULT opt_id(const struct ct_gen_ctx *x, const json_t *obj,
			const char *key, const char *path, json_int_t *out)
{
	json_t *v = json_object_get(obj, key);
	*out = -1;
	if (v == NULL || json_is_null(v))
		return CT_OK;
	CT_ENSURE(json_is_integer(v) && json_integer_value(v) >= 0 &&
			  json_integer_value(v) <= 0xffffffffLL,
		  CT_ERR_USAGE, "%s: %s.%s: want an integer in [0, 2^32)",
		  x->where, path, key);
	*out = json_integer_value(v);
	return CT_OK;
}

/* Field `idx` (0-based) of the /etc/passwd or /etc/group line whose field
 * `keyidx` equals `key`; copies it into out. */
static bool etc_lookup(const json_t *file, int keyidx, const char *key,
		       int idx, char *out, size_t outlen)
{
	const char *p = json_string_value(file);
	size_t klen = strlen(key);

	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n');
		const char *end = eol != NULL ? eol : p + strlen(p);
		const char *f = p, *fe;
		int i = 0;
		const char *want = NULL, *wante = NULL;
		bool match = false;

		while (f <= end) {
			fe = memchr(f, ':', (size_t)(end - f));
			if (fe == NULL)
				fe = end;
			if (i == keyidx)
				match = (size_t)(fe - f) == klen &&
					memcmp(f, key, klen) == 0;
			if (i == idx) {
				want = f;
				wante = fe;
			}
			i++;
			f = fe + 1;
		}
		if (match && want != NULL && (size_t)(wante - want) < outlen) {
			memcpy(out, want, (size_t)(wante - want));
			out[wante - want] = '\0';
			return true;
		}
		p = eol != NULL ? eol + 1 : NULL;
	}
	return false;
}

static json_int_t parse_id(const char *s)
{
	uint64_t v;
	if (s[0] != '\0' && ct_ok(ct_parse_u64(s, 0xffffffffULL, &v)))
		return (json_int_t)v;
	ct_error_clear();
	return -1;
}

static void gids_add(json_t *gids, json_int_t g)
{
	for (size_t i = 0; i < json_array_size(gids); i++)
		if (json_integer_value(json_array_get(gids, i)) == g)
			return;
	json_array_append_new(gids, json_integer(g));
}

static CT_RESULT resolve_user(const struct ct_gen_ctx *x, const json_t *c,
			      const json_t *facts, json_t *process)
{
	const json_t *passwd = json_object_get(facts, "passwd");
	const json_t *group = json_object_get(facts, "group");
	const char *user = json_string_value(json_object_get(facts, "User"));
	const json_t *psc = json_object_get(x->pod->spec, "securityContext");
	const json_t *csc = json_object_get(c, "securityContext");
	json_int_t uid = 0, gid = 0, v;
	json_t *gids = json_array(), *sg;
	char ubuf[256], tmp[256], uname[256] = "";
	ct_result res = CT_OK;

	CT_ENSURE(gids != NULL, CT_ERR_NOMEM, "out of memory");
	/* Image User: "uid", "name", "uid:group" (group ignored for
	 * workloads, as kubelet and containerd do). */
	snprintf(ubuf, sizeof(ubuf), "%s", user != NULL ? user : "");
	ubuf[strcspn(ubuf, ":")] = '\0';
	if (ubuf[0] != '\0') {
		uid = parse_id(ubuf);
		if (uid < 0)
			uid = etc_lookup(passwd, 0, ubuf, 2, tmp, sizeof(tmp))
				      ? parse_id(tmp) : 0;
		if (uid < 0)
			uid = 0;
	}
#define GID_OF(u)                                                           \
	(snprintf(ubuf, sizeof(ubuf), "%lld", (long long)(u)),             \
	 etc_lookup(passwd, 2, ubuf, 3, tmp, sizeof(tmp)) ? parse_id(tmp) : -1)
	v = GID_OF(uid);
	gid = v >= 0 ? v : 0;
	/*
	 * What kubelet hands containerd: runAsUser/runAsGroup of the container
	 * override the pod's; a uid without a group takes its /etc/passwd
	 * group (else 0); the pod's fsGroup and supplementalGroups apply to
	 * every container.
	 */
	{
		json_int_t pu, pg, cu, cg;
		CT_TRY(opt_id(x, psc, "runAsUser", "spec.securityContext", &pu));
		CT_TRY(opt_id(x, psc, "runAsGroup", "spec.securityContext", &pg));
		CT_TRY(opt_id(x, csc, "runAsUser", "securityContext", &cu));
		CT_TRY(opt_id(x, csc, "runAsGroup", "securityContext", &cg));
		if (cu >= 0 || pu >= 0) {
			uid = cu >= 0 ? cu : pu;
			v = GID_OF(uid);
			gid = v >= 0 ? v : 0;
		}
		if (cg >= 0 || pg >= 0)
			gid = cg >= 0 ? cg : pg;
	}
	gids_add(gids, gid);
	CT_TRY(opt_id(x, psc, "fsGroup", "spec.securityContext", &v));
	if (v >= 0)
		gids_add(gids, v);
	sg = json_object_get(psc, "supplementalGroups");
	for (size_t i = 0; i < json_array_size(sg); i++) {
		json_t *g = json_array_get(sg, i);
		CT_TRY_ENSURE(json_is_integer(g) && json_integer_value(g) >= 0,
			      CT_ERR_USAGE, "%s: spec.securityContext."
			      "supplementalGroups[%zu]: want an integer",
			      x->where, i);
		gids_add(gids, json_integer_value(g));
	}
#undef GID_OF
	/* Groups of the image's /etc/group listing the user by name, except
	 * the user's own-named group (containerd behaviour). */
	snprintf(ubuf, sizeof(ubuf), "%lld", (long long)uid);
	if (etc_lookup(passwd, 2, ubuf, 0, uname, sizeof(uname)) &&
	    json_is_string(group)) {
		const char *p = json_string_value(group);
		while (*p != '\0') {
			char line[1024], *f[4] = { 0 }, *s = line;
			size_t n = strcspn(p, "\n");
			int k = 0;
			if (n < sizeof(line)) {
				memcpy(line, p, n);
				line[n] = '\0';
				for (; k < 4 && s != NULL; k++) {
					f[k] = s;
					s = strchr(s, ':');
					if (s != NULL)
						*s++ = '\0';
				}
				if (k == 4 && strcmp(f[0], uname) != 0) {
					char *m = f[3];
					while (m != NULL && *m != '\0') {
						size_t ml = strcspn(m, ",");
						if (ml == strlen(uname) &&
						    memcmp(m, uname, ml) == 0 &&
						    parse_id(f[2]) >= 0)
							gids_add(gids, parse_id(f[2]));
						m = m[ml] == ',' ? m + ml + 1 : NULL;
					}
				}
			}
			p += n;
			if (*p == '\n')
				p++;
		}
	}
	json_object_set_new(process, "User",
			    json_pack("{s:I, s:I, s:O}", "UID", uid, "GID", gid,
				      "AdditionalGids", gids));
out:
	json_decref(gids);
	return res;
}

CT_RESULT ct_gen_pause_process(const struct ct_gen_ctx *x, json_t *process)
{
	const json_t *p = json_object_get(x->settings, "pause");
	const json_t *psc = json_object_get(x->pod->spec, "securityContext");
	json_int_t uid = json_integer_value(json_object_get(p, "uid"));
	json_int_t gid = json_integer_value(json_object_get(p, "gid"));
	json_int_t v;

	CT_GUARD(opt_id(x, psc, "runAsUser", "spec.securityContext", &v));
	if (v >= 0) {
		uid = v;
		gid = 0; /* the pause image has no /etc/passwd */
	}
	CT_GUARD(opt_id(x, psc, "runAsGroup", "spec.securityContext", &v));
	if (v >= 0)
		gid = v;
	json_object_set_new(process, "Terminal", json_false());
	json_object_set_new(process, "User",
			    json_pack("{s:I, s:I, s:[I]}", "UID", uid, "GID", gid,
				      "AdditionalGids", gid));
	json_object_set(process, "Args", json_object_get(p, "args"));
	json_object_set(process, "Env", json_object_get(p, "env"));
	json_object_set_new(process, "EnvRegex", json_array());
	json_object_set(process, "Cwd", json_object_get(p, "cwd"));
	json_object_set_new(process, "Capabilities",
			    json_pack("{s:O, s:O, s:[], s:O, s:[]}", "Bounding",
				      json_object_get(x->settings, "default_caps"),
				      "Effective",
				      json_object_get(x->settings, "default_caps"),
				      "Inheritable", "Permitted",
				      json_object_get(x->settings, "default_caps"),
				      "Ambient"));
	json_object_set_new(process, "NoNewPrivileges", json_true());
	return CT_OK;
}

/* --- environment -------------------------------------------------------- */

struct env {
	json_t *lit;   /* "NAME=VALUE" */
	json_t *regex; /* anchored regexes */
	json_t *vars;  /* NAME -> value, for $(VAR) expansion (YAML env only) */
	json_t *var_re; /* NAME -> value regex, for variables known only at run time */
};

/* Sets NAME=VALUE, replacing an earlier literal of the same name. */
static void env_set(struct env *e, const char *name, const char *value)
{
	size_t nl = strlen(name);
	char *entry = ct_aprintf("%s=%s", name, value);

	for (size_t i = 0; i < json_array_size(e->lit); i++) {
		const char *s = json_string_value(json_array_get(e->lit, i));
		if (strncmp(s, name, nl) == 0 && s[nl] == '=') {
			json_array_set_new(e->lit, i, json_string(entry));
			free(entry);
			return;
		}
	}
	json_array_append_new(e->lit, json_string(entry));
	free(entry);
}

#define VAR_NAME_MAX 256

/* When `s` starts a $(NAME) reference: NAME into `name`, and the text after
 * it is returned; else NULL. */
static const char *var_ref(const char *s, char name[VAR_NAME_MAX])
{
	const char *end = s[0] == '$' && s[1] == '(' ? strchr(s + 2, ')') : NULL;
	size_t n = end != NULL ? (size_t)(end - s - 2) : 0;

	if (end == NULL || n >= VAR_NAME_MAX)
		return NULL;
	memcpy(name, s + 2, n);
	name[n] = '\0';
	return end + 1;
}

/* Kubernetes $(VAR) expansion: defined vars replaced, $$ → $, else kept. */
static char *expand(const json_t *vars, const char *s)
{
	struct ct_buf b;
	char *out;
	bool ok = true;

	ct_buf_init(&b, (size_t)1 << 20);
	while (*s != '\0' && ok) {
		char name[VAR_NAME_MAX];
		const char *after = var_ref(s, name);
		const json_t *v = after != NULL ? json_object_get(vars, name) : NULL;
		if (s[0] == '$' && s[1] == '$') {
			ok = ct_ok(ct_buf_append_byte(&b, '$'));
			s += 2;
		} else if (json_is_string(v)) {
			ok = ct_ok(ct_buf_append_str(&b, json_string_value(v)));
			s = after;
		} else {
			ok = ct_ok(ct_buf_append_byte(&b, (uint8_t)*s++));
		}
	}
	if (!ok) {
		ct_buf_dispose(&b);
		return NULL;
	}
	out = (char *)ct_buf_take(&b, NULL);
	ct_buf_dispose(&b);
	return out != NULL ? out : ct_strdup("");
}

static CT_RESULT env_regex(struct env *e, const char *name, const char *value_re)
{
	struct ct_buf b;
	ct_result r;

	ct_buf_init(&b, 4096);
	r = ct_buf_append_byte(&b, '^');
	if (ct_ok(r))
		r = ct_gen_regex_escape(&b, name);
	if (ct_ok(r))
		r = ct_buf_printf(&b, "=%s$", value_re);
	if (ct_ok(r))
		json_array_append_new(e->regex, json_string(ct_buf_cstr(&b)));
	/* $(NAME) in command or args now stands for this regex. */
	json_object_del(e->vars, name);
	if (ct_ok(r) && json_object_set_new(e->var_re, name, json_string(value_re)) != 0)
		r = CT_FAIL(CT_ERR_NOMEM, "out of memory");
	ct_buf_dispose(&b);
	return r;
}

/* The value of key `key` in a ConfigMap or Secret (Secret data decoded). */
static CT_RESULT config_value(const struct ct_gen_ctx *x, const char *kind,
			      const json_t *ref, const char *path, bool *found,
			      char **out)
{
	const char *name = json_string_value(json_object_get(ref, "name"));
	const char *key = json_string_value(json_object_get(ref, "key"));
	const json_t *obj, *v;
	char tmp[32];

	*found = false;
	*out = NULL;
	CT_ENSURE(name != NULL && key != NULL, CT_ERR_USAGE,
		  "%s: %s: want name and key", x->where, path);
	obj = ct_k8s_find_config(x->g->set, kind, name, x->pod->ns);
	if (obj == NULL)
		goto missing;
	v = json_object_get(json_object_get(obj, "data"), key);
	if (v != NULL && strcmp(kind, "Secret") == 0 && json_is_string(v)) {
		struct ct_buf b;
		ct_result r;
		ct_buf_init(&b, (size_t)1 << 20);
		r = ct_base64_decode(&b, json_string_value(v),
				     strlen(json_string_value(v)));
		if (!ct_ok(r)) {
			ct_buf_dispose(&b);
			CT_BAIL(CT_ERR_USAGE, "%s: %s: Secret %s key %s: not "
				"base64", x->where, path, name, key);
		}
		*out = ct_strdup(ct_buf_cstr(&b));
		ct_buf_dispose(&b);
		*found = true;
		return CT_OK;
	}
	if (v == NULL)
		v = json_object_get(json_object_get(obj, "stringData"), key);
	if (v != NULL && ct_k8s_text(v, tmp) != NULL) {
		*out = ct_strdup(ct_k8s_text(v, tmp));
		*found = true;
		return CT_OK;
	}
missing:
	CT_ENSURE(json_is_true(json_object_get(ref, "optional")), CT_ERR_USAGE,
		  "%s: %s: %s %s key %s: not found in the given files "
		  "(add it or use --config-file)", x->where, path, kind, name, key);
	return CT_OK;
}

/* A value only known at run time, when it is known (request builder):
 * set and usable in later $(VAR) expansion, as kubelet does. */
static CT_RESULT env_runtime(struct env *e, const char *name, const char *value)
{
	env_set(e, name, value);
	CT_ENSURE(json_object_set_new(e->vars, name, json_string(value)) == 0,
		  CT_ERR_NOMEM, "out of memory");
	return CT_OK;
}

/* The run-time value of a downward-API field, or NULL if it has none. */
static const char *runtime_field(const struct ct_gen_runtime *rt, const char *fp)
{
	if (strcmp(fp, "metadata.name") == 0)
		return rt->sandbox_name;
	if (strcmp(fp, "metadata.namespace") == 0)
		return rt->ns;
	if (strcmp(fp, "metadata.uid") == 0)
		return rt->pod_uid;
	if (strcmp(fp, "status.podIP") == 0 || strcmp(fp, "status.podIPs") == 0)
		return rt->pod_ip;
	if (strcmp(fp, "status.hostIP") == 0 || strcmp(fp, "status.hostIPs") == 0)
		return rt->host_ip;
	if (strcmp(fp, "spec.nodeName") == 0)
		return rt->node_name;
	return NULL;
}

static CT_RESULT field_ref(const struct ct_gen_ctx *x, struct env *e,
			   const char *name, const json_t *fr, const char *path)
{
	const char *fp = json_string_value(json_object_get(fr, "fieldPath"));
	char key[512];

	CT_ENSURE(fp != NULL, CT_ERR_USAGE, "%s: %s.fieldPath: missing",
		  x->where, path);
	if (x->rt != NULL && runtime_field(x->rt, fp) != NULL)
		return env_runtime(e, name, runtime_field(x->rt, fp));
	if (strcmp(fp, "metadata.name") == 0)
		return env_regex(e, name, "$(sandbox-name)");
	if (strcmp(fp, "metadata.namespace") == 0) /* checked against sandbox.namespace */
		return env_regex(e, name, "$(sandbox-namespace)");
	if (strcmp(fp, "metadata.uid") == 0)
		return env_regex(e, name, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
					  "[0-9a-f]{4}-[0-9a-f]{12}");
	if (strcmp(fp, "status.podIP") == 0 || strcmp(fp, "status.hostIP") == 0)
		return env_regex(e, name, IPV4);
	if (strcmp(fp, "status.podIPs") == 0 || strcmp(fp, "status.hostIPs") == 0)
		return env_regex(e, name, "[0-9a-fA-F.:,]+");
	if (strcmp(fp, "spec.nodeName") == 0)
		return env_regex(e, name, ".*"); /* host-chosen anyway */
	if (strcmp(fp, "spec.serviceAccountName") == 0) {
		const char *sa = json_string_value(
			json_object_get(x->pod->spec, "serviceAccountName"));
		env_set(e, name, sa != NULL ? sa : "default");
		return CT_OK;
	}
	if ((strncmp(fp, "metadata.labels['", 17) == 0 ||
	     strncmp(fp, "metadata.annotations['", 22) == 0) &&
	    strlen(fp) > 2 && strcmp(fp + strlen(fp) - 2, "']") == 0) {
		bool labels = fp[9] == 'l';
		const char *k = fp + (labels ? 17 : 22);
		size_t kl = strlen(k) - 2;
		json_t *v;
		char tmp[32];
		CT_ENSURE(kl < sizeof(key), CT_ERR_LIMIT, "%s: %s: key too long",
			  x->where, path);
		memcpy(key, k, kl);
		key[kl] = '\0';
		v = json_object_get(json_object_get(x->pod->meta, labels
						    ? "labels" : "annotations"), key);
		CT_ENSURE(v != NULL || !labels, CT_ERR_USAGE,
			  "%s: %s: the pod has no label '%s'", x->where, path, key);
		env_set(e, name, v != NULL && ct_k8s_text(v, tmp) != NULL
					 ? ct_k8s_text(v, tmp) : "");
		return CT_OK;
	}
	CT_BAIL(CT_ERR_USAGE, "%s: %s.fieldPath: unsupported field '%s'",
		x->where, path, fp);
}

static CT_RESULT env_from(const struct ct_gen_ctx *x, struct env *e,
			  const json_t *list)
{
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *ef = json_array_get(list, i);
		const json_t *cm = json_object_get(ef, "configMapRef");
		const json_t *sec = json_object_get(ef, "secretRef");
		const char *prefix = json_string_value(json_object_get(ef, "prefix"));
		const char *kind = cm != NULL ? "ConfigMap" : "Secret";
		const json_t *ref = cm != NULL ? cm : sec;
		const char *name = json_string_value(json_object_get(ref, "name"));
		const json_t *obj;
		const char *k;
		json_t *v;

		CT_ENSURE(name != NULL, CT_ERR_USAGE, "%s: envFrom[%zu]: want "
			  "configMapRef or secretRef with a name", x->where, i);
		obj = ct_k8s_find_config(x->g->set, kind, name, x->pod->ns);
		if (obj == NULL) {
			CT_ENSURE(json_is_true(json_object_get(ref, "optional")),
				  CT_ERR_USAGE, "%s: envFrom[%zu]: %s %s: not "
				  "found in the given files", x->where, i, kind, name);
			continue;
		}
		for (int pass = 0; pass < 2; pass++) {
			json_object_foreach(json_object_get(obj, pass == 0 ? "data"
								   : "stringData"),
					    k, v) {
				char tmp[32], path[64];
				char *val = NULL, *full;
				bool found;
				json_t *r = json_pack("{s:s, s:s}", "name", name,
						      "key", k);
				snprintf(path, sizeof(path), "envFrom[%zu]", i);
				ct_result res = config_value(x, kind, r, path,
							     &found, &val);
				json_decref(r);
				CT_GUARD(res);
				(void)tmp;
				full = ct_aprintf("%s%s", prefix != NULL ? prefix : "", k);
				env_set(e, full, val != NULL ? val : "");
				json_object_set_new(e->vars, full,
						    json_string(val != NULL ? val : ""));
				free(full);
				free(val);
			}
			if (strcmp(kind, "ConfigMap") == 0 && pass == 0)
				continue;
		}
	}
	return CT_OK;
}

static CT_RESULT build_env(const struct ct_gen_ctx *x, const json_t *c,
			   const json_t *facts, struct env *e)
{
	const json_t *ienv = json_object_get(facts, "Env");
	const json_t *yenv = json_object_get(c, "env");

	if (json_is_array(ienv))
		json_array_extend(e->lit, (json_t *)ienv);
	else
		json_array_extend(e->lit, json_object_get(
			json_object_get(x->settings, "container"), "default_env"));
	CT_GUARD(env_from(x, e, json_object_get(c, "envFrom")));
	CT_ENSURE(json_array_size(yenv) <= ENV_MAX, CT_ERR_LIMIT,
		  "%s: more than %d env entries", x->where, ENV_MAX);
	for (size_t i = 0; i < json_array_size(yenv); i++) {
		const json_t *ev = json_array_get(yenv, i);
		const char *name = json_string_value(json_object_get(ev, "name"));
		const json_t *val = json_object_get(ev, "value");
		const json_t *vf = json_object_get(ev, "valueFrom");
		char path[64], tmp[32];

		snprintf(path, sizeof(path), "env[%zu]", i);
		CT_ENSURE(name != NULL, CT_ERR_USAGE, "%s: %s.name: missing",
			  x->where, path);
		if (vf == NULL) {
			const char *s = val != NULL ? ct_k8s_text(val, tmp) : "";
			char *ex;
			CT_ENSURE(s != NULL, CT_ERR_USAGE, "%s: %s.value: want a "
				  "string", x->where, path);
			ex = expand(e->vars, s);
			CT_ENSURE(ex != NULL, CT_ERR_NOMEM, "out of memory");
			env_set(e, name, ex);
			json_object_set_new(e->vars, name, json_string(ex));
			free(ex);
		} else if (json_object_get(vf, "fieldRef") != NULL) {
			CT_GUARD(field_ref(x, e, name, json_object_get(vf, "fieldRef"),
					   path));
		} else if (json_object_get(vf, "resourceFieldRef") != NULL) {
			if (x->rt != NULL) {
				char v[32];
				CT_GUARD(ct_gen_resource_value(
					x, c, json_object_get(vf, "resourceFieldRef"),
					path, v));
				CT_GUARD(env_runtime(e, name, v));
			} else {
				CT_GUARD(env_regex(e, name, "[0-9]+"));
			}
		} else {
			const json_t *cm = json_object_get(vf, "configMapKeyRef");
			const json_t *sk = json_object_get(vf, "secretKeyRef");
			char *v = NULL;
			bool found;
			CT_ENSURE(cm != NULL || sk != NULL, CT_ERR_USAGE,
				  "%s: %s.valueFrom: unsupported source", x->where,
				  path);
			CT_GUARD(config_value(x, cm != NULL ? "ConfigMap" : "Secret",
					      cm != NULL ? cm : sk, path, &found, &v));
			if (found) {
				env_set(e, name, v);
				json_object_set_new(e->vars, name, json_string(v));
			}
			free(v);
		}
	}
	return CT_OK;
}

/* --- argv, capabilities ------------------------------------------------- */

/*
 * The anchored regex an argument must match when it refers to a variable
 * known only at run time (downward API: $(POD_NAME), $(POD_IP), ...), as
 * kubelet expands it; "" when the argument is exact (then *out is "").
 */
static CT_RESULT arg_regex(const struct env *e, const char *s, char **out)
{
	struct ct_buf b;
	bool runtime = false;
	ct_result r = CT_OK;

	*out = NULL;
	ct_buf_init(&b, (size_t)1 << 20);
	r = ct_buf_append_byte(&b, '^');
	while (ct_ok(r) && *s != '\0') {
		char name[VAR_NAME_MAX], one[2] = { *s, '\0' };
		const char *after = var_ref(s, name);
		const json_t *v = after != NULL ? json_object_get(e->vars, name) : NULL;
		const json_t *re = after != NULL ? json_object_get(e->var_re, name) : NULL;
		if (s[0] == '$' && s[1] == '$') {
			r = ct_gen_regex_escape(&b, "$");
			s += 2;
		} else if (json_is_string(v)) {
			r = ct_gen_regex_escape(&b, json_string_value(v));
			s = after;
		} else if (json_is_string(re)) {
			runtime = true;
			r = ct_buf_append_str(&b, json_string_value(re));
			s = after;
		} else {
			r = ct_gen_regex_escape(&b, one);
			s++;
		}
	}
	if (ct_ok(r))
		r = ct_buf_append_byte(&b, '$');
	if (ct_ok(r))
		*out = ct_strdup(runtime ? ct_buf_cstr(&b) : "");
	ct_buf_dispose(&b);
	CT_GUARD(r);
	CT_ENSURE(*out != NULL, CT_ERR_NOMEM, "out of memory");
	return CT_OK;
}

/*
 * Appends a list of strings to `out` ($(VAR)-expanded with `e` unless it
 * is NULL) and, to `regexes`, each one's arg_regex.
 */
static CT_RESULT strings(const struct ct_gen_ctx *x, const json_t *v,
			 const char *what, const struct env *e, json_t *out,
			 json_t *regexes)
{
	char tmp[32];
	if (json_is_null(v))
		return CT_OK;
	CT_ENSURE(v == NULL || json_is_array(v), CT_ERR_USAGE,
		  "%s: %s: want a list of strings", x->where, what);
	for (size_t i = 0; i < json_array_size(v); i++) {
		const char *s = ct_k8s_text(json_array_get(v, i), tmp);
		char *ex, *re = NULL;
		CT_ENSURE(s != NULL, CT_ERR_USAGE, "%s: %s[%zu]: want a string",
			  x->where, what, i);
		ex = e != NULL ? expand(e->vars, s) : ct_strdup(s);
		CT_ENSURE(ex != NULL, CT_ERR_NOMEM, "out of memory");
		json_array_append_new(out, json_string(ex));
		free(ex);
		if (e != NULL)
			CT_GUARD(arg_regex(e, s, &re));
		json_array_append_new(regexes, json_string(re != NULL ? re : ""));
		free(re);
	}
	return CT_OK;
}

static char *cap_name(const char *s)
{
	return strncmp(s, "CAP_", 4) == 0 ? ct_strdup(s) : ct_aprintf("CAP_%s", s);
}

static CT_RESULT build_caps(const struct ct_gen_ctx *x, const json_t *c,
			    bool privileged, json_t **out)
{
	const json_t *caps = json_object_get(json_object_get(c, "securityContext"),
					     "capabilities");
	const json_t *add = json_object_get(caps, "add");
	const json_t *drop = json_object_get(caps, "drop");
	json_t *set = json_deep_copy(json_object_get(
		x->settings, privileged ? "privileged_caps" : "default_caps"));
	ct_result res = CT_OK;

	*out = NULL;
	CT_TRY_ENSURE(set != NULL, CT_ERR_PROTO, "settings: capability list missing");
	for (size_t i = 0; i < json_array_size(drop); i++)
		if (json_is_string(json_array_get(drop, i)) &&
		    strcmp(json_string_value(json_array_get(drop, i)), "ALL") == 0)
			json_array_clear(set);
	for (size_t i = 0; i < json_array_size(add); i++) {
		const char *s = json_string_value(json_array_get(add, i));
		char *n;
		bool have = false;
		CT_TRY_ENSURE(s != NULL, CT_ERR_USAGE, "%s: securityContext."
			      "capabilities.add[%zu]: want a string", x->where, i);
		if (strcmp(s, "ALL") == 0) {
			json_decref(set);
			set = json_deep_copy(json_object_get(x->settings,
							     "privileged_caps"));
			CT_TRY_ENSURE(set != NULL, CT_ERR_PROTO,
				      "settings: privileged_caps missing");
			continue;
		}
		n = cap_name(s);
		CT_TRY_ENSURE(n != NULL, CT_ERR_NOMEM, "out of memory");
		for (size_t j = 0; j < json_array_size(set); j++)
			have = have || strcmp(json_string_value(json_array_get(set, j)), n) == 0;
		if (!have)
			json_array_append_new(set, json_string(n));
		free(n);
	}
	for (size_t i = 0; i < json_array_size(drop); i++) {
		const char *s = json_string_value(json_array_get(drop, i));
		char *n;
		CT_TRY_ENSURE(s != NULL, CT_ERR_USAGE, "%s: securityContext."
			      "capabilities.drop[%zu]: want a string", x->where, i);
		n = cap_name(s);
		CT_TRY_ENSURE(n != NULL, CT_ERR_NOMEM, "out of memory");
		for (size_t j = json_array_size(set); j-- > 0;)
			if (strcmp(json_string_value(json_array_get(set, j)), n) == 0)
				json_array_remove(set, j);
		free(n);
	}
	*out = json_pack("{s:O, s:O, s:[], s:O, s:[]}", "Bounding", set,
			 "Effective", set, "Inheritable", "Permitted", set,
			 "Ambient");
	CT_TRY_ENSURE(*out != NULL, CT_ERR_NOMEM, "out of memory");
out:
	json_decref(set);
	return res;
}

CT_RESULT ct_gen_process(const struct ct_gen_ctx *x, const json_t *c,
			 const json_t *facts, json_t *process)
{
	const json_t *csc = json_object_get(c, "securityContext");
	const json_t *cmd = json_object_get(c, "command");
	const json_t *args = json_object_get(c, "args");
	bool privileged = json_is_true(json_object_get(csc, "privileged"));
	const json_t *ape = json_object_get(csc, "allowPrivilegeEscalation");
	struct env e = { json_array(), json_array(), json_object(), json_object() };
	json_t *argv = json_array(), *argre = json_array(), *caps = NULL;
	const char *wd;
	ct_result res = CT_OK;

	CT_TRY_ENSURE(e.lit != NULL && e.regex != NULL && e.vars != NULL &&
			      e.var_re != NULL && argv != NULL && argre != NULL,
		      CT_ERR_NOMEM, "out of memory");
	json_object_set_new(process, "Terminal",
			    json_boolean(json_is_true(json_object_get(c, "tty"))));
	CT_TRY(resolve_user(x, c, facts, process));
	CT_TRY(build_env(x, c, facts, &e));
	if (cmd != NULL) {
		CT_TRY(strings(x, cmd, "command", &e, argv, argre));
	} else {
		CT_TRY(strings(x, json_object_get(facts, "Entrypoint"),
			       "image Entrypoint", NULL, argv, argre));
		if (args == NULL)
			CT_TRY(strings(x, json_object_get(facts, "Cmd"),
				       "image Cmd", NULL, argv, argre));
	}
	CT_TRY(strings(x, args, "args", &e, argv, argre));
	CT_TRY_ENSURE(json_array_size(argv) > 0, CT_ERR_USAGE,
		      "%s: no command: neither the YAML nor the image gives one",
		      x->where);
	json_object_set(process, "Args", argv);
	for (size_t i = 0; i < json_array_size(argre); i++)
		if (json_string_length(json_array_get(argre, i)) > 0) {
			/* Only when needed: other policies stay as they were. */
			json_object_set(process, "ArgsRegex", argre);
			break;
		}
	json_object_set(process, "Env", e.lit);
	json_object_set(process, "EnvRegex", e.regex);
	CT_TRY(ct_gen_opt_str(x, c, "workingDir", "container", &wd));
	if (wd == NULL || wd[0] == '\0')
		wd = json_string_value(json_object_get(facts, "WorkingDir"));
	json_object_set_new(process, "Cwd",
			    json_string(wd != NULL && wd[0] != '\0' ? wd : "/"));
	CT_TRY(build_caps(x, c, privileged, &caps));
	json_object_set_new(process, "Capabilities", caps);
	json_object_set_new(process, "NoNewPrivileges",
			    json_boolean(!privileged && json_is_false(ape)));
out:
	json_decref(e.lit);
	json_decref(e.regex);
	json_decref(e.vars);
	json_decref(e.var_re);
	json_decref(argv);
	json_decref(argre);
	return res;
}

ct_result ct_gen_mount_propagation(const char *where, size_t i, const char **prop)
{
	const char *p = *prop;

	if (p == NULL || strcmp(p, "None") == 0)
		*prop = "rprivate";
	else if (strcmp(p, "Bidirectional") == 0)
		*prop = "rshared";
	else if (strcmp(p, "HostToContainer") == 0)
		*prop = "rslave";
	else
		CT_BAIL(CT_ERR_USAGE, "%s: volumeMounts[%zu].mountPropagation: "
			"unknown value '%s'", where, i, p);
	return CT_OK;
}
