/*
 * agent_requests_test.c - the agent request builder (lib/policy/
 * agent_requests.c) against the generator and the enforcer: for every pod
 * of the apps in tests/data/k8s, the policy generated from the YAML allows
 * every request built from the same YAML (in order, one enforcer, so the
 * state ops apply); requests built from an edited pod are denied at the
 * edited container with a reason naming the failed check. Also: concrete
 * run-time values (downward API, resources, HOSTNAME, TERM, ids), replica
 * names, and refusals.
 */
#include "ct_test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

static const char *const apps[] = { "blog", "chat", "guestbook", "monitoring",
				    "shop" };

struct fixture {
	struct ct_k8s_set set;
	struct ct_image_source *images;
	struct ct_policy_gen g;
};

static void fixture_load(struct fixture *f, const char *file, const char *yaml)
{
	const char *root = getenv("CT_TEST_DATA");
	char path[1024];

	assert_non_null(root);
	ct_k8s_set_init(&f->set);
	if (file != NULL) {
		snprintf(path, sizeof(path), "%s/k8s/%s.yaml", root, file);
		assert_ct_ok(ct_k8s_load_file(&f->set, path, false));
	} else {
		assert_ct_ok(ct_k8s_load(&f->set, "t.yaml", ct_span_str(yaml), false));
	}
	snprintf(path, sizeof(path), "%s/oci", root);
	assert_ct_ok(ct_image_source_new(path, NULL, &f->images));
	f->g.images = f->images;
	f->g.set = &f->set;
	assert_ct_ok(ct_policy_settings_load(NULL, &f->g.settings));
}

static void fixture_dispose(struct fixture *f)
{
	json_decref(f->g.settings);
	ct_image_source_free(f->images);
	ct_k8s_set_dispose(&f->set);
}

static struct ct_policy_enforcer *enforcer_for(struct fixture *f, size_t pod)
{
	struct ct_policy_enforcer *e = NULL;
	struct ct_buf text;
	json_t *pd = NULL;

	ct_buf_init(&text, (size_t)64 << 20);
	assert_ct_ok(ct_policy_gen_pod(&f->g, &f->set.pods[pod], &pd));
	assert_ct_ok(ct_policy_text(pd, &text));
	assert_ct_ok(ct_policy_enforcer_new(f->set.pods[pod].where,
					    ct_buf_cstr(&text), text.len, &e));
	json_decref(pd);
	ct_buf_dispose(&text);
	return e;
}

static json_t *requests_for(struct fixture *f, size_t pod, unsigned replica)
{
	const struct ct_k8s_pod *p = &f->set.pods[pod];
	struct ct_buf name;
	json_t *reqs = NULL;

	ct_buf_init(&name, 512);
	assert_ct_ok(ct_policy_replica_name(p, replica, &name));
	assert_ct_ok(ct_policy_agent_requests(&f->g, p, ct_buf_cstr(&name),
					      p->ns[0] != '\0' ? p->ns : "default",
					      "10.244.1.7", &reqs));
	ct_buf_dispose(&name);
	assert_true(json_is_array(reqs));
	return reqs;
}

/*
 * Decides the requests in order. Returns the index of the first denied
 * one (its reason in `reason`), or the number of requests.
 */
static size_t decide_all(struct ct_policy_enforcer *e, const json_t *reqs,
			 char *reason, size_t reason_len)
{
	for (size_t i = 0; i < json_array_size(reqs); i++) {
		const json_t *r = json_array_get(reqs, i);
		char *js = json_dumps(json_object_get(r, "request"), JSON_COMPACT);
		struct ct_policy_decision d;

		assert_non_null(js);
		assert_ct_ok(ct_policy_enforcer_decide(
			e, json_string_value(json_object_get(r, "kind")),
			ct_span_str(js), &d));
		free(js);
		if (!d.allowed) {
			snprintf(reason, reason_len, "%s", d.reason);
			return i;
		}
	}
	return json_array_size(reqs);
}

static bool is_hex64(const char *s)
{
	if (s == NULL || strlen(s) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL)
			return false;
	return true;
}

static size_t containers_of(const struct ct_k8s_pod *p)
{
	return json_array_size(json_object_get(p->spec, "initContainers")) +
	       json_array_size(json_object_get(p->spec, "containers"));
}

/* Shape checks that do not need the enforcer. */
static void check_shape(const json_t *reqs, const struct ct_k8s_pod *p)
{
	const json_t *sb = json_object_get(json_array_get(reqs, 0), "request");
	const char *sid = json_string_value(json_object_get(sb, "sandbox_id"));

	assert_int_equal(json_array_size(reqs), 2 + containers_of(p));
	assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 0),
							      "kind")),
			    "CreateSandboxRequest");
	assert_true(is_hex64(sid));
	for (size_t i = 1; i < json_array_size(reqs); i++) {
		const json_t *r = json_object_get(json_array_get(reqs, i), "request");
		const json_t *oci = json_object_get(r, "OCI");
		const char *cid = json_string_value(json_object_get(r, "container_id"));
		const char *root = json_string_value(json_object_get(
			json_object_get(oci, "Root"), "Path"));
		struct ct_rego_value *v = NULL;
		char want[128], *js;

		assert_true(is_hex64(cid));
		if (i == 1)
			assert_string_equal(cid, sid); /* the pause container is the sandbox */
		snprintf(want, sizeof(want), "/run/kata-containers/%s/rootfs", cid);
		assert_string_equal(root, want);
		assert_string_equal(json_string_value(json_object_get(json_object_get(
					    oci, "Annotations"), "io.kubernetes.cri.sandbox-id")),
				    sid);
		/* Concrete values only: nothing for the rules to expand. */
		assert_null(json_object_get(json_object_get(oci, "Process"), "EnvRegex"));
		js = json_dumps(r, JSON_COMPACT);
		assert_non_null(js);
		assert_null(strstr(js, "$("));
		assert_null(strstr(js, "regex"));
		/* Already in the decoder's normal form. */
		assert_ct_ok(ct_policy_request_decode("CreateContainerRequest",
						      ct_span_str(js), &v));
		ct_rego_value_unref(v);
		free(js);
	}
}

static void test_apps_allowed(void **state)
{
	(void)state;
	size_t pods = 0, requests = 0;

	for (size_t a = 0; a < sizeof(apps) / sizeof(apps[0]); a++) {
		struct fixture f;
		fixture_load(&f, apps[a], NULL);
		for (size_t p = 0; p < f.set.npods; p++) {
			struct ct_policy_enforcer *e = enforcer_for(&f, p);
			/* Two replicas: each a new sandbox with a fresh state. */
			for (unsigned rep = 0; rep < 2; rep++) {
				json_t *reqs = requests_for(&f, p, rep);
				char reason[CT_POLICY_REASON_MAX] = "";
				size_t at;
				check_shape(reqs, &f.set.pods[p]);
				ct_policy_enforcer_reset(e);
				at = decide_all(e, reqs, reason, sizeof(reason));
				if (at != json_array_size(reqs))
					fail_msg("%s: %s (%s) denied: %s", f.set.pods[p].where,
						 json_string_value(json_object_get(
							 json_array_get(reqs, at), "container")),
						 json_string_value(json_object_get(
							 json_array_get(reqs, at), "kind")),
						 reason);
				requests += json_array_size(reqs);
				json_decref(reqs);
			}
			ct_policy_enforcer_free(e);
			pods++;
		}
		fixture_dispose(&f);
	}
	printf("# %zu pods, %zu requests allowed\n", pods, requests);
	assert_int_equal(pods, 13);
}

/* --- edited pods ----------------------------------------------------------- */

static json_t *pod_container(struct ct_k8s_pod *p, const char *name)
{
	for (int l = 0; l < 2; l++) {
		json_t *list = json_object_get(p->spec, l == 0 ? "initContainers"
							       : "containers");
		for (size_t i = 0; i < json_array_size(list); i++)
			if (strcmp(json_string_value(json_object_get(json_array_get(list, i),
								     "name")), name) == 0)
				return json_array_get(list, i);
	}
	fail_msg("no container %s", name);
	return NULL;
}

static json_t *env_entry(json_t *c, const char *name)
{
	json_t *env = json_object_get(c, "env");
	for (size_t i = 0; i < json_array_size(env); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(env, i),
							     "name")), name) == 0)
			return json_array_get(env, i);
	fail_msg("no env %s", name);
	return NULL;
}

static void edit_command(struct ct_k8s_set *s, struct ct_k8s_pod *p, json_t *c)
{
	(void)p;
	(void)s;
	json_object_set_new(c, "command", json_pack("[s,s,s,s]", "python3", "-m",
						     "http.server", "8081"));
}

static void edit_env_value(struct ct_k8s_set *s, struct ct_k8s_pod *p, json_t *c)
{
	(void)p;
	(void)s;
	json_object_set_new(env_entry(c, "GET_HOSTS_FROM"), "value", json_string("env"));
}

static void edit_env_extra(struct ct_k8s_set *s, struct ct_k8s_pod *p, json_t *c)
{
	(void)p;
	(void)s;
	json_array_append_new(json_object_get(c, "env"),
			      json_pack("{s:s, s:s}", "name", "DEBUG", "value", "1"));
}

static void edit_image(struct ct_k8s_set *s, struct ct_k8s_pod *p, json_t *c)
{
	(void)p;
	(void)s;
	json_object_set_new(c, "image", json_string("docker.io/library/python:3.12-slim"));
}

static void edit_run_as_user(struct ct_k8s_set *s, struct ct_k8s_pod *p, json_t *c)
{
	(void)p;
	(void)s;
	json_object_set_new(c, "securityContext", json_pack("{s:i}", "runAsUser", 0));
}

static void edit_init_args(struct ct_k8s_set *s, struct ct_k8s_pod *p, json_t *c)
{
	(void)p;
	(void)s;
	json_object_set_new(c, "command", json_pack("[s,s,s]", "sh", "-c",
						     "chmod -R 777 /var/lib/postgresql"));
}

/* The ConfigMap behind a configMapKeyRef, not the pod, is edited. */
static void edit_config_map(struct ct_k8s_set *s, struct ct_k8s_pod *p, json_t *c)
{
	(void)p;
	(void)c;
	for (size_t i = 0; i < s->ndocs; i++)
		if (strcmp(s->docs[i]->kind, "ConfigMap") == 0)
			json_object_set_new(json_object_get(s->docs[i]->json, "data"),
					    "SITE_TITLE", json_string("Pwned"));
}

static void edit_downward_api(struct ct_k8s_set *s, struct ct_k8s_pod *p, json_t *c)
{
	(void)p;
	(void)s;
	json_object_set_new(json_object_get(json_object_get(env_entry(c, "POD_NAME"),
							    "valueFrom"), "fieldRef"),
			    "fieldPath", json_string("spec.nodeName"));
}

static void edit_pod_user(struct ct_k8s_set *s, struct ct_k8s_pod *p, json_t *c)
{
	(void)s;
	(void)c;
	json_object_set_new(json_object_get(p->spec, "securityContext"), "runAsUser",
			    json_integer(0));
}

static void edit_volume_ro(struct ct_k8s_set *s, struct ct_k8s_pod *p, json_t *c)
{
	(void)p;
	(void)s;
	json_object_set_new(json_array_get(json_object_get(c, "volumeMounts"), 1),
			    "readOnly", json_true());
}

struct edit {
	const char *app, *pod, *container;
	void (*fn)(struct ct_k8s_set *s, struct ct_k8s_pod *p, json_t *c);
	const char *denied; /* the container whose request is denied */
	const char *reason; /* substring of the deny reason */
};

static const struct edit edits[] = {
	{ "guestbook", "frontend", "php-redis", edit_command, "php-redis",
	  "OCI.Process.Args: mismatch" },
	{ "guestbook", "frontend", "php-redis", edit_env_value, "php-redis",
	  "OCI.Process.Env: GET_HOSTS_FROM=env not allowed" },
	{ "shop", "api", "api", edit_env_extra, "api",
	  "OCI.Process.Env: DEBUG=1 not allowed" },
	{ "shop", "web", "nginx", edit_image, "nginx",
	  "io.kubernetes.cri.image-name: docker.io/library/python:3.12-slim not allowed" },
	{ "shop", "db", "postgres", edit_run_as_user, "postgres",
	  "OCI.Process.User.UID: mismatch" },
	{ "shop", "db", "init-perms", edit_init_args, "init-perms",
	  "OCI.Process.Args: mismatch" },
	{ "blog", "blog", "nginx", edit_config_map, "nginx",
	  "OCI.Process.Env: SITE_TITLE=Pwned not allowed" },
	{ "blog", "blog", "nginx", edit_downward_api, "nginx",
	  "OCI.Process.Env: POD_NAME=contrast-local not allowed" },
	{ "shop", "web", "nginx", edit_volume_ro, "nginx",
	  "OCI.Mounts: /var/cache/nginx not allowed" },
	/* Pod-level runAsUser: the pause container already differs. */
	{ "guestbook", "redis-leader", "leader", edit_pod_user, "pause",
	  "OCI.Process.User.UID: mismatch" },
};

static void test_edited_pods_denied(void **state)
{
	(void)state;

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const struct edit *x = &edits[i];
		struct fixture f;
		struct ct_policy_enforcer *e;
		char reason[CT_POLICY_REASON_MAX] = "";
		size_t p = SIZE_MAX, at;
		json_t *reqs;

		fixture_load(&f, x->app, NULL);
		for (size_t k = 0; k < f.set.npods; k++)
			if (strcmp(f.set.pods[k].name, x->pod) == 0)
				p = k;
		assert_true(p != SIZE_MAX);
		e = enforcer_for(&f, p);
		x->fn(&f.set, &f.set.pods[p], pod_container(&f.set.pods[p], x->container));
		reqs = requests_for(&f, p, 0);
		at = decide_all(e, reqs, reason, sizeof(reason));
		if (at == json_array_size(reqs))
			fail_msg("edit %zu (%s/%s): every request allowed", i, x->app, x->pod);
		if (strcmp(json_string_value(json_object_get(json_array_get(reqs, at),
							     "container")), x->denied) != 0 ||
		    strcmp(json_string_value(json_object_get(json_array_get(reqs, at),
							     "kind")), "CreateContainerRequest") != 0)
			fail_msg("edit %zu: denied %s, want %s (%s)", i,
				 json_string_value(json_object_get(json_array_get(reqs, at),
								   "container")),
				 x->denied, reason);
		if (strstr(reason, x->reason) == NULL)
			fail_msg("edit %zu: reason '%s' lacks '%s'", i, reason, x->reason);
		json_decref(reqs);
		ct_policy_enforcer_free(e);
		fixture_dispose(&f);
	}
}

/* --- concrete values ------------------------------------------------------- */

static const char *const feature_pod =
	"kind: Pod\n"
	"metadata: {name: feat, labels: {tier: a}}\n"
	"spec:\n"
	"  automountServiceAccountToken: false\n"
	"  securityContext: {runAsUser: 500, fsGroup: 700, sysctls: [{name: kernel.shm_rmid_forced, value: '1'}]}\n"
	"  initContainers:\n"
	"  - name: prep\n"
	"    image: docker.io/library/busybox:1.36\n"
	"    command: [sh, -c, 'echo prep']\n"
	"    env: [{name: POD_NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}]\n"
	"    volumeMounts: [{name: secrets, mountPath: /contrast}]\n"
	"  containers:\n"
	"  - name: app\n"
	"    image: example.com/test/groups:1\n"
	"    tty: true\n"
	"    workingDir: /srv\n"
	"    resources: {limits: {cpu: 500m, memory: 64Mi}}\n"
	"    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,\n"
	"                      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}\n"
	"    env:\n"
	"    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n"
	"    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}\n"
	"    - {name: HOST_IP, valueFrom: {fieldRef: {fieldPath: status.hostIP}}}\n"
	"    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}\n"
	"    - {name: UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}\n"
	"    - {name: TIER, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['tier']\"}}}\n"
	"    - {name: CPU, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}\n"
	"    - {name: MEM_MI, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}\n"
	"    - {name: REQ_MEM, valueFrom: {resourceFieldRef: {resource: requests.memory}}}\n"
	"    - {name: EPH, valueFrom: {resourceFieldRef: {resource: limits.ephemeral-storage, divisor: 1Gi}}}\n"
	"    volumeMounts:\n"
	"    - {name: secrets, mountPath: /contrast}\n"
	"    - {name: data, mountPath: /data}\n"
	"    - {name: info, mountPath: /etc/podinfo}\n"
	"  volumes:\n"
	"  - {name: secrets, emptyDir: {medium: Memory}}\n"
	"  - {name: data, emptyDir: {}}\n"
	"  - {name: info, downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}}\n";

static bool has_string(const json_t *arr, const char *s)
{
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
			return true;
	return false;
}

static const json_t *find_mount(const json_t *oci, const char *dest)
{
	const json_t *ms = json_object_get(oci, "Mounts");
	for (size_t i = 0; i < json_array_size(ms); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(ms, i),
							     "destination")), dest) == 0)
			return json_array_get(ms, i);
	return NULL;
}

static void test_concrete_values(void **state)
{
	(void)state;
	struct fixture f;
	struct ct_policy_enforcer *e;
	char reason[CT_POLICY_REASON_MAX] = "", *uidenv;
	const json_t *app, *oci, *proc, *env, *prep, *anno;
	json_t *reqs = NULL, *again = NULL;

	fixture_load(&f, NULL, feature_pod);
	assert_ct_ok(ct_policy_agent_requests(&f.g, &f.set.pods[0], "feat", "default",
					      "10.1.2.3", &reqs));
	check_shape(reqs, &f.set.pods[0]);
	e = enforcer_for(&f, 0);
	if (decide_all(e, reqs, reason, sizeof(reason)) != 4)
		fail_msg("denied: %s", reason);

	prep = json_object_get(json_object_get(json_array_get(reqs, 2), "request"), "OCI");
	assert_true(has_string(json_object_get(json_object_get(prep, "Process"), "Env"),
			       "POD_NS=default"));
	app = json_object_get(json_array_get(reqs, 3), "request");
	oci = json_object_get(app, "OCI");
	proc = json_object_get(oci, "Process");
	env = json_object_get(proc, "Env");
	assert_string_equal(json_string_value(json_array_get(env, 0)),
			    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	assert_true(has_string(env, "TERM=xterm"));
	assert_true(has_string(env, "HOSTNAME=feat"));
	assert_true(has_string(env, "POD_NAME=feat"));
	assert_true(has_string(env, "POD_IP=10.1.2.3"));
	assert_true(has_string(env, "HOST_IP=127.0.0.1"));
	assert_true(has_string(env, "NODE=contrast-local"));
	assert_true(has_string(env, "TIER=a"));
	assert_true(has_string(env, "CPU=1"));
	assert_true(has_string(env, "MEM_MI=64"));
	assert_true(has_string(env, "REQ_MEM=67108864"));
	assert_true(has_string(env, "EPH=20"));
	anno = json_object_get(oci, "Annotations");
	uidenv = ct_aprintf("UID=%s", json_string_value(json_object_get(
						anno, "io.kubernetes.cri.sandbox-uid")));
	assert_true(has_string(env, uidenv));
	free(uidenv);
	assert_string_equal(json_string_value(json_object_get(anno,
							      "io.kubernetes.cri.sandbox-namespace")),
			    "default");
	assert_string_equal(json_string_value(json_object_get(anno,
							      "io.kubernetes.cri.image-name")),
			    "example.com/test/groups:1");
	/* User from runAsUser (no passwd entry for 500 → gid 0) + fsGroup;
	 * the image's membership of `extra` (700) is by name "app" = uid 500. */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(proc, "User"),
							    "UID")), 500);
	assert_true(json_is_true(json_object_get(proc, "Terminal")));
	assert_true(json_is_true(json_object_get(proc, "NoNewPrivileges")));
	assert_string_equal(json_string_value(json_object_get(proc, "Cwd")), "/srv");
	assert_int_equal(json_array_size(json_object_get(json_object_get(proc, "Capabilities"),
							 "Bounding")), 1);
	assert_true(json_is_true(json_object_get(json_object_get(oci, "Root"), "Readonly")));
	/* No service account; memory emptyDir, block emptyDir with fsGroup,
	 * downwardAPI as a read-only shared file. */
	assert_null(find_mount(oci, "/var/run/secrets/kubernetes.io/serviceaccount"));
	assert_string_equal(json_string_value(json_object_get(find_mount(oci, "/contrast"),
							      "source")),
			    "/run/kata-containers/sandbox/ephemeral/secrets");
	assert_string_equal(json_string_value(json_object_get(find_mount(oci, "/data"),
							      "source")),
			    "/run/kata-containers/sandbox/storage/MDMvMDA=");
	assert_non_null(strstr(json_string_value(json_object_get(find_mount(oci,
		"/etc/podinfo"), "source")), "-info"));
	assert_int_equal(json_array_size(json_object_get(app, "storages")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_array_get(
		json_object_get(app, "storages"), 1), "fs_group"), "group_id")), 700);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
				    json_object_get(oci, "Linux"), "Sysctl"),
				    "kernel.shm_rmid_forced")), "1");

	/* Deterministic per replica; another replica gets other ids. */
	assert_ct_ok(ct_policy_agent_requests(&f.g, &f.set.pods[0], "feat", "default",
					      "10.1.2.3", &again));
	assert_true(json_equal(reqs, again));
	json_decref(again);
	assert_ct_ok(ct_policy_agent_requests(&f.g, &f.set.pods[0], "feat", "other",
					      "10.1.2.3", &again));
	assert_false(json_equal(json_object_get(json_array_get(reqs, 0), "request"),
				json_object_get(json_array_get(again, 0), "request")));
	/* The policy pins nothing about the namespace here (none in the
	 * YAML), but every request of one sandbox must agree. */
	ct_policy_enforcer_reset(e);
	assert_int_equal(decide_all(e, again, reason, sizeof(reason)), 4);
	json_decref(again);

	ct_policy_enforcer_free(e);
	json_decref(reqs);
	fixture_dispose(&f);
}

/*
 * $(VAR) references to downward-API variables expand like kubelet does,
 * and the generated policy admits them through ArgsRegex (the value is
 * only known at run time) — but only with this replica's own name.
 */
static void test_downward_expansion(void **state)
{
	(void)state;
	struct fixture f;
	json_t *reqs = NULL;
	const json_t *args;

	fixture_load(&f, NULL,
		     "kind: Pod\nmetadata: {name: x, namespace: n}\nspec: {containers: "
		     "[{name: c, image: docker.io/library/busybox:1.36, command: [echo], args: "
		     "['$(ME)@$(NS)', '$$(ME)', '$(NOPE)'], env: [{name: ME, valueFrom: "
		     "{fieldRef: {fieldPath: metadata.name}}}, {name: NS, valueFrom: "
		     "{fieldRef: {fieldPath: metadata.namespace}}}]}]}\n");
	assert_ct_ok(ct_policy_agent_requests(&f.g, &f.set.pods[0], "x", "n", "10.0.0.9",
					      &reqs));
	args = json_object_get(json_object_get(json_object_get(json_object_get(
		json_array_get(reqs, 2), "request"), "OCI"), "Process"), "Args");
	assert_int_equal(json_array_size(args), 4);
	assert_string_equal(json_string_value(json_array_get(args, 1)), "x@n");
	assert_string_equal(json_string_value(json_array_get(args, 2)), "$(ME)");
	assert_string_equal(json_string_value(json_array_get(args, 3)), "$(NOPE)");

	char reason[CT_POLICY_REASON_MAX];
	struct ct_policy_enforcer *e = enforcer_for(&f, 0);
	assert_int_equal(decide_all(e, reqs, reason, sizeof(reason)), json_array_size(reqs));
	ct_policy_enforcer_free(e);
	/* Another pod's name, or text smuggled after it, is refused. */
	const char *bad[] = { "other@n", "x@n; rm -rf /", "x@other", ".@n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *copy = json_deep_copy(reqs);
		json_t *a = json_object_get(json_object_get(json_object_get(json_object_get(
			json_array_get(copy, 2), "request"), "OCI"), "Process"), "Args");
		json_array_set_new(a, 1, json_string(bad[i]));
		e = enforcer_for(&f, 0);
		assert_int_equal(decide_all(e, copy, reason, sizeof(reason)), 2);
		assert_non_null(strstr(reason, "OCI.Process.Args: mismatch"));
		ct_policy_enforcer_free(e);
		json_decref(copy);
	}
	json_decref(reqs);
	fixture_dispose(&f);
}

static void test_replica_names(void **state)
{
	(void)state;
	struct fixture f;
	static const char *const yaml =
		"kind: Pod\nmetadata: {name: a}\nspec: {containers: []}\n---\n"
		"kind: Pod\nmetadata: {generateName: g-}\nspec: {containers: []}\n---\n"
		"kind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: []}}}\n---\n"
		"kind: StatefulSet\nmetadata: {name: s}\nspec: {template: {spec: {containers: []}}}\n---\n"
		"kind: CronJob\nmetadata: {name: c}\nspec: {jobTemplate: {spec: {template: {spec: {containers: []}}}}}\n---\n"
		"kind: DaemonSet\nmetadata: {name: ds}\nspec: {template: {spec: {containers: []}}}\n";
	static const size_t lens[] = { 1, 7, 18, 3, 16, 8 };
	char first[6][64];

	fixture_load(&f, NULL, yaml);
	assert_int_equal(f.set.npods, 6);
	for (unsigned rep = 0; rep < 2; rep++)
		for (size_t i = 0; i < 6; i++) {
			struct ct_buf b;
			ct_buf_init(&b, 256);
			assert_ct_ok(ct_policy_replica_name(&f.set.pods[i], rep, &b));
			assert_int_equal(b.len, lens[i]);
			assert_true(strspn(ct_buf_cstr(&b) + strlen(f.set.pods[i].name),
					   "-0123456789bcdfghjklmnpqrstvwxz") ==
				    b.len - strlen(f.set.pods[i].name));
			if (rep == 0)
				snprintf(first[i], sizeof(first[i]), "%s", ct_buf_cstr(&b));
			else if (i == 0)
				assert_string_equal(first[i], ct_buf_cstr(&b));
			else
				assert_string_not_equal(first[i], ct_buf_cstr(&b));
			ct_buf_dispose(&b);
		}
	assert_string_equal(first[3], "s-0");
	/* A Deployment's replicas share the pod-template hash. */
	assert_memory_equal(first[2], "d-", 2);
	fixture_dispose(&f);
}

static void test_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *name, *ns, *ip, *msg;
	} bad[] = {
		{ "", "default", "10.0.0.1", "pod name" },
		{ "a/b", "default", "10.0.0.1", "pod name" },
		{ "a", "", "10.0.0.1", "namespace" },
		{ "a", "x y", "10.0.0.1", "namespace" },
		{ "a", "default", "10.0.0.256", "pod IP" },
		{ "a", "default", "::1", "pod IP" },
		{ "a", "default", NULL, "pod IP" },
	};
	static const struct {
		const char *yaml, *msg;
	} pods[] = {
		{ "kind: Pod\nmetadata: {name: p}\nspec: {hostPID: true, containers: "
		  "[{name: c, image: docker.io/library/busybox:1.36}]}\n",
		  "spec.hostPID: not supported" },
		{ "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: "
		  "docker.io/library/busybox:1.36, volumeMounts: [{name: v, mountPath: /v}]}],"
		  " volumes: [{name: v, nfs: {server: x, path: /}}]}\n",
		  "unsupported volume type" },
		{ "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: "
		  "docker.io/library/busybox:1.36, volumeMounts: [{name: v, mountPath: /v, "
		  "subPath: x}]}], volumes: [{name: v, emptyDir: {}}]}\n",
		  "subPath: not supported" },
		{ "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: "
		  "docker.io/library/busybox:1.36, env: [{name: X, valueFrom: {configMapKeyRef: "
		  "{name: nope, key: k}}}]}]}\n",
		  "ConfigMap nope key k: not found" },
		{ "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: "
		  "docker.io/library/busybox:1.36, resources: {limits: {cpu: lots}}, env: "
		  "[{name: X, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}]}]}\n",
		  "quantity 'lots': malformed" },
		{ "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: "
		  "example.com/no/such:1}]}\n", "spec.containers[0]" },
	};
	struct fixture f;
	json_t *out = NULL;

	fixture_load(&f, NULL, pods[0].yaml);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = json_true();
		assert_ct_err(ct_policy_agent_requests(&f.g, &f.set.pods[0], bad[i].name,
						       bad[i].ns, bad[i].ip, &out),
			      CT_ERR_USAGE);
		assert_null(out);
		assert_error_contains(bad[i].msg);
	}
	fixture_dispose(&f);
	for (size_t i = 0; i < sizeof(pods) / sizeof(pods[0]); i++) {
		fixture_load(&f, NULL, pods[i].yaml);
		out = NULL;
		if (ct_ok(ct_policy_agent_requests(&f.g, &f.set.pods[0], "p", "default",
						   "10.0.0.1", &out)))
			fail_msg("pod %zu: built requests", i);
		assert_null(out);
		if (strstr(ct_error_message(), pods[i].msg) == NULL)
			fail_msg("pod %zu: '%s' lacks '%s'", i, ct_error_message(), pods[i].msg);
		fixture_dispose(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apps_allowed),
		cmocka_unit_test(test_edited_pods_denied),
		cmocka_unit_test(test_concrete_values),
		cmocka_unit_test(test_downward_expansion),
		cmocka_unit_test(test_replica_names),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
