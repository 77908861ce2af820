/*
 * local_rewrite.c - what stands in for the pod network, the volumes and
 * the images when local mode runs a container as a local process
 * (docs/local-mode.md, "Containers as local processes").
 *
 * A container's argv and environment are exactly what the enforcer allowed
 * for it; only these rewrites are applied on the way to exec:
 *   - a path under a volume mount becomes the volume's host directory
 *     (the contrast-secrets volume at /contrast becomes DIR/pods/<pod>/contrast);
 *   - the host `0.0.0.0` becomes the pod's own loopback address;
 *   - a Service name (svc, svc.ns, svc.ns.svc, svc.ns.svc.cluster.local)
 *     standing as a host becomes the address of the first admitted pod
 *     the Service selects.
 * Images map to local commands with REF=COMMAND pairs.
 */
#include "local_ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *local_image_command(const struct local_ctx *x, const char *image)
{
	size_t n = strlen(image);

	/* Later maps (the user's) win over the defaults. */
	for (unsigned i = x->nmaps; i-- > 0;)
		if (strncmp(x->maps[i], image, n) == 0 && x->maps[i][n] == '=')
			return x->maps[i] + n + 1;
	return NULL;
}

char *local_volume_dir(const struct local_ctx *x, const struct local_replica *r,
		       const json_t *container, const char *path)
{
	const json_t *m;
	size_t i;

	(void)x;
	json_array_foreach(json_object_get(container, "volumeMounts"), i, m) {
		const char *mp = json_string_value(json_object_get(m, "mountPath"));
		const char *name = json_string_value(json_object_get(m, "name"));
		size_t n = mp != NULL ? strlen(mp) : 0;
		while (n > 1 && mp[n - 1] == '/')
			n--;
		if (name == NULL || n == 0 || strncmp(path, mp, n) != 0 ||
		    (path[n] != '\0' && path[n] != '/'))
			continue;
		char *base = strcmp(name, "contrast-secrets") == 0
				     ? ct_aprintf("%s/contrast", r->dir)
				     : ct_aprintf("%s/volumes/%s", r->dir, name);
		if (base == NULL || strchr(name, '/') != NULL ||
		    !ct_ok(ct_mkdir_p(base, 0700))) {
			ct_error_clear();
			free(base);
			return NULL;
		}
		char *out = ct_aprintf("%s%s", base, path + n);
		free(base);
		return out;
	}
	return NULL;
}

static bool labels_match(const json_t *selector, const json_t *labels)
{
	const char *k;
	const json_t *v;

	if (!json_is_object(selector) || json_object_size(selector) == 0)
		return false;
	json_object_foreach((json_t *)selector, k, v) {
		const char *have = json_string_value(json_object_get(labels, k));
		if (have == NULL || !json_is_string(v) ||
		    strcmp(have, json_string_value(v)) != 0)
			return false;
	}
	return true;
}

/* The address of the pod the Service named by `host` selects, or NULL. */
static const char *service_address(const struct local_ctx *x, const char *host,
				   size_t len)
{
	for (size_t d = 0; d < x->set.ndocs; d++) {
		const json_t *doc = x->set.docs[d]->json;
		if (doc == NULL || strcmp(x->set.docs[d]->kind, "Service") != 0)
			continue;
		const json_t *meta = json_object_get(doc, "metadata");
		const char *name = json_string_value(json_object_get(meta, "name"));
		const char *ns = json_string_value(json_object_get(meta, "namespace"));
		char forms[4][300];
		bool hit = false;
		if (name == NULL)
			continue;
		ns = ns != NULL && ns[0] != '\0' ? ns : "default";
		snprintf(forms[0], sizeof(forms[0]), "%s", name);
		snprintf(forms[1], sizeof(forms[1]), "%s.%s", name, ns);
		snprintf(forms[2], sizeof(forms[2]), "%s.%s.svc", name, ns);
		snprintf(forms[3], sizeof(forms[3]), "%s.%s.svc.cluster.local", name, ns);
		for (int f = 0; f < 4; f++)
			hit |= strlen(forms[f]) == len && strncmp(forms[f], host, len) == 0;
		if (!hit)
			continue;
		const json_t *sel = json_object_get(json_object_get(doc, "spec"), "selector");
		const struct local_replica *first = NULL;
		for (size_t i = 0; i < x->nreps; i++) {
			const struct local_replica *r = &x->reps[i];
			const char *pns = r->pod->ns[0] != '\0' ? r->pod->ns : "default";
			if (strcmp(pns, ns) != 0 ||
			    !labels_match(sel, json_object_get(r->pod->meta, "labels")))
				continue;
			if (r->state == LOCAL_POD_ADMITTED || r->state == LOCAL_POD_ATTESTED_ONLY)
				return r->ip;
			if (first == NULL)
				first = r;
		}
		return first != NULL ? first->ip : NULL;
	}
	return NULL;
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* Replaces host-like tokens: 0.0.0.0, and Service names where they stand
 * as a host: after "//", before ":PORT", or as a whole environment value
 * or a whole argument with a dot (so the argument "store" stays a word). */
static char *rewrite_hosts(const struct local_ctx *x, const struct local_replica *r,
			   const char *value, bool env)
{
	struct ct_buf b;
	const char *p = value;

	ct_buf_init(&b, (size_t)1 << 20);
	while (*p != '\0') {
		size_t n = 0;
		while (host_char(p[n]))
			n++;
		if (n == 0) {
			if (!ct_ok(ct_buf_append_byte(&b, (uint8_t)*p)))
				goto fail;
			p++;
			continue;
		}
		const char *to = NULL;
		bool whole = p == value && p[n] == '\0';
		bool host = (p - value >= 2 && p[-1] == '/' && p[-2] == '/') ||
			    (p[n] == ':' && p[n + 1] >= '0' && p[n + 1] <= '9') ||
			    (whole && (env || memchr(p, '.', n) != NULL));
		if (n == 7 && strncmp(p, "0.0.0.0", 7) == 0)
			to = r->ip;
		else if (host)
			to = service_address(x, p, n);
		if (!ct_ok(to != NULL ? ct_buf_append_str(&b, to)
				      : ct_buf_append(&b, p, n)))
			goto fail;
		p += n;
	}
	char *out = strdup(ct_buf_cstr(&b));
	ct_buf_dispose(&b);
	return out;
fail:
	ct_error_clear();
	ct_buf_dispose(&b);
	return NULL;
}

char *local_rewrite(const struct local_ctx *x, const struct local_replica *r,
		    const json_t *container, const char *value, bool env)
{
	const char *eq = strchr(value, '=');
	char *dir;

	if (value[0] == '/' && (dir = local_volume_dir(x, r, container, value)) != NULL)
		return dir;
	/* "--flag=/path" and "KEY=/path" */
	if (eq != NULL && eq[1] == '/' &&
	    (dir = local_volume_dir(x, r, container, eq + 1)) != NULL) {
		char *out = ct_aprintf("%.*s=%s", (int)(eq - value), value, dir);
		free(dir);
		return out;
	}
	return rewrite_hosts(x, r, value, env);
}
