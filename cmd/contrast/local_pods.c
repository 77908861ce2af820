/*
 * local_pods.c - the pod replicas of a local deployment: the YAML as
 * generated (DIR/deployment), which replicas it asks for, named as
 * Kubernetes would name them, each with its own loopback address, and the
 * extra replicas scenarios add. Launching one is local_launch.c.
 */
#include "local_ctx.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char suffix_alphabet[] = "bcdfghjklmnpqrstvwxz2456789";

/* --- loading and planning ------------------------------------------------ */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool local_is_yaml(const char *name)
{
	size_t len = strlen(name);
	return (len > 4 && strcmp(name + len - 4, ".yml") == 0) ||
	       (len > 5 && strcmp(name + len - 5, ".yaml") == 0);
}

CT_RESULT local_deployment_load(const char *dir, struct ct_k8s_set *set)
{
	char path[LOCAL_PATH_MAX * 2];
	char *names[1024];
	size_t n = 0;
	struct dirent *e;
	DIR *d;
	ct_result res = CT_OK;

	d = opendir(dir);
	CT_ENSURE(d != NULL, CT_ERR_IO, "%s: cannot open", dir);
	while ((e = readdir(d)) != NULL && n < 1024)
		if (local_is_yaml(e->d_name))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < n; i++) {
		CT_TRY_ENSURE(names[i] != NULL, CT_ERR_NOMEM, "out of memory");
		LOCAL_TRY_PRINT(path, "%s/%s", dir, names[i]);
		CT_TRY(ct_k8s_load_file(set, path, false));
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return res;
}

const char *local_pod_annotation(const struct ct_k8s_pod *p, const char *key)
{
	return json_string_value(json_object_get(json_object_get(p->meta, "annotations"),
						 key));
}

bool local_pod_is_coordinator(const struct ct_k8s_pod *p)
{
	const char *role = local_pod_annotation(p, "contrast.edgeless.systems/pod-role");
	return role != NULL && strcmp(role, "coordinator") == 0;
}

CT_RESULT local_pods_load(struct local_ctx *x)
{
	char dir[LOCAL_PATH_MAX];

	LOCAL_PRINT(dir, "%s/deployment", x->dir);
	ct_k8s_set_init(&x->set);
	CT_GUARD(local_deployment_load(dir, &x->set));
	CT_GUARD(ct_policy_settings_load(NULL, &x->gen.settings));
	CT_GUARD(ct_image_source_new(x->image_store, NULL, &x->images));
	x->gen.images = x->images;
	x->gen.set = &x->set;
	return CT_OK;
}

/* Frees the loaded YAML, settings and image source (not the replicas). */
static void unload(struct local_ctx *x)
{
	ct_k8s_set_dispose(&x->set);
	json_decref(x->gen.settings);
	x->gen.settings = NULL;
	ct_image_source_free(x->images);
	x->images = NULL;
}

ct_result local_pods_reload(struct local_ctx *x)
{
	char (*where)[512] = calloc(x->nreps + 1, sizeof(*where));
	ct_result res;

	CT_ENSURE(where != NULL, CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < x->nreps; i++)
		snprintf(where[i], sizeof(where[i]), "%s", x->reps[i].pod->where);
	unload(x);
	res = local_pods_load(x);
	for (size_t i = 0; ct_ok(res) && i < x->nreps; i++) {
		x->reps[i].pod = NULL;
		for (size_t k = 0; k < x->set.npods; k++)
			if (strcmp(x->set.pods[k].where, where[i]) == 0)
				x->reps[i].pod = &x->set.pods[k];
		if (x->reps[i].pod == NULL)
			res = CT_FAIL(CT_ERR_USAGE, "%s: gone after regenerating", where[i]);
	}
	free(where);
	return res;
}

void local_pods_dispose(struct local_ctx *x)
{
	unload(x);
	for (size_t i = 0; i < x->nreps; i++)
		free(x->reps[i].initdata_override);
	free(x->reps);
	x->reps = NULL;
	x->nreps = 0;
}

/* A deterministic name suffix of `len` characters from Kubernetes' alphabet. */
static void suffix(char *out, size_t len, const char *seed, unsigned index)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (const char *p = seed; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	h = (h ^ index) * 1099511628211ull;
	for (size_t i = 0; i < len; i++) {
		out[i] = suffix_alphabet[h % (sizeof(suffix_alphabet) - 1)];
		h = h / (sizeof(suffix_alphabet) - 1) ^ (h << 29) ^ (index + i);
	}
	out[len] = '\0';
}

static unsigned replica_count(const struct ct_k8s_pod *p)
{
	const json_t *spec = json_object_get(p->object, "spec");
	json_int_t n = 1;

	if (strcmp(p->kind, "Deployment") == 0 || strcmp(p->kind, "StatefulSet") == 0 ||
	    strcmp(p->kind, "ReplicaSet") == 0 ||
	    strcmp(p->kind, "ReplicationController") == 0)
		n = json_is_integer(json_object_get(spec, "replicas"))
			    ? json_integer_value(json_object_get(spec, "replicas")) : 1;
	else if (strcmp(p->kind, "Job") == 0)
		n = json_is_integer(json_object_get(spec, "parallelism"))
			    ? json_integer_value(json_object_get(spec, "parallelism")) : 1;
	return n < 0 ? 0 : n > (json_int_t)LOCAL_REPLICAS_MAX ? LOCAL_REPLICAS_MAX : (unsigned)n;
}

static void replica_name(const struct ct_k8s_pod *p, unsigned i, char *out, size_t len)
{
	char a[11], b[6];

	suffix(a, 10, p->name, 0);
	suffix(b, 5, p->name, i + 1);
	if (strcmp(p->kind, "Pod") == 0)
		snprintf(out, len, "%s%s", p->name,
			 json_object_get(json_object_get(p->object, "metadata"), "name")
				 ? "" : b);
	else if (strcmp(p->kind, "Deployment") == 0)
		snprintf(out, len, "%s-%s-%s", p->name, a, b);
	else if (strcmp(p->kind, "StatefulSet") == 0)
		snprintf(out, len, "%s-%u", p->name, i);
	else if (strcmp(p->kind, "CronJob") == 0)
		snprintf(out, len, "%s-29000000-%s", p->name, b);
	else
		snprintf(out, len, "%s-%s", p->name, b);
}

static CT_RESULT new_replica(struct local_ctx *x, const struct ct_k8s_pod *p,
			       unsigned index, struct local_replica **out)
{
	struct local_replica *r;

	CT_ENSURE(x->nreps < x->reps_cap, CT_ERR_LIMIT, "too many pod replicas");
	r = &x->reps[x->nreps];
	memset(r, 0, sizeof(*r));
	replica_name(p, index, r->name, sizeof(r->name) - 8);
	for (size_t j = 0; j < x->nreps; j++)
		CT_ENSURE(strcmp(x->reps[j].name, r->name) != 0, CT_ERR_USAGE,
			  "%s: pod name %s is used twice", p->where, r->name);
	r->pod = p;
	LOCAL_PRINT(r->ip, "%s%zu", x->net, x->nreps + 1);
	LOCAL_PRINT(r->dir, "%s/pods/%s", x->dir, r->name);
	LOCAL_PRINT(r->sock, "%s/run/%s.sock", x->dir, r->name);
	x->nreps++;
	*out = r;
	return CT_OK;
}

ct_result local_pods_add_replica(struct local_ctx *x, const struct ct_k8s_pod *pod,
				 struct local_replica **out)
{
	unsigned index = 0;

	for (size_t i = 0; i < x->nreps; i++)
		index += x->reps[i].pod == pod;
	return new_replica(x, pod, index, out);
}

CT_RESULT local_pods_plan(struct local_ctx *x)
{
	size_t total = 0;

	for (size_t i = 0; i < x->set.npods; i++)
		total += replica_count(&x->set.pods[i]);
	CT_ENSURE(total <= LOCAL_REPLICAS_MAX, CT_ERR_LIMIT,
		  "local mode runs at most %u pod replicas (the YAML asks for %zu)",
		  LOCAL_REPLICAS_MAX, total);
	/* Room for the replicas scenarios add. */
	x->reps = calloc(total + LOCAL_EXTRA_REPLICAS, sizeof(*x->reps));
	x->reps_cap = total + LOCAL_EXTRA_REPLICAS;
	CT_ENSURE(x->reps != NULL, CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < x->set.npods; i++) {
		const struct ct_k8s_pod *p = &x->set.pods[i];
		const char *rc = json_string_value(json_object_get(p->spec, "runtimeClassName"));
		for (unsigned k = 0; k < replica_count(p); k++) {
			struct local_replica *r;
			CT_GUARD(new_replica(x, p, k, &r));
			r->is_coordinator = local_pod_is_coordinator(p);
			if (rc == NULL || strncmp(rc, "contrast-cc", 11) != 0) {
				r->state = LOCAL_POD_NOT_CONFIDENTIAL;
				snprintf(r->reason, sizeof(r->reason),
					 "runtimeClassName is not contrast-cc: not a confidential pod");
			}
			if (r->is_coordinator && x->coordinator == NULL &&
			    r->state == LOCAL_POD_PENDING)
				x->coordinator = r;
		}
	}
	CT_ENSURE(x->coordinator != NULL, CT_ERR_USAGE,
		  "no Coordinator in the YAML: a confidential pod with the annotation "
		  "contrast.edgeless.systems/pod-role: coordinator is needed "
		  "(deploy/examples/guestbook/coordinator.yml is one)");
	return CT_OK;
}
