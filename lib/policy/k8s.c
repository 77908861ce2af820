/*
 * k8s.c - Kubernetes YAML for the policy generator: parse multi-document
 * files with libfyaml, mirror
 * each document as JSON for reading (aliases and merge keys expanded under
 * a node budget, CT_K8S_NODES_MAX), and find the pod-bearing objects
 * (Pod, the pod template of Deployment, ReplicaSet, ReplicationController,
 * StatefulSet, DaemonSet, Job, CronJob, and the items of a List).
 *
 * Trust: the YAML is the user's own input, but it may be large or odd, so
 * parsing is bounded (CT_K8S_FILE_MAX, CT_K8S_DOCS_MAX, CT_K8S_DEPTH_MAX)
 * and every refusal names the file, the document index and the path. The
 * fy_document stays alive so `contrast generate` can edit and re-emit it.
 */
#include "policy/policy.h"

#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Kinds without a pod that are kept as they are. */
static const char *const passthrough_kinds[] = {
	"ConfigMap", "Secret", "Service", "ServiceAccount", "Namespace",
	"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
	"LimitRange", "PersistentVolume", "PersistentVolumeClaim",
	"PodDisruptionBudget", "PriorityClass", "ResourceQuota", "Ingress",
	"NetworkPolicy", "HorizontalPodAutoscaler", "StorageClass",
	"RuntimeClass", NULL,
};

#define SUFFIX "[bcdfghjklmnpqrstvwxz2456789]+"

const char *ct_k8s_text(const json_t *v, char tmp[32])
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, 32, "%lld", (long long)json_integer_value(v));
		return tmp;
	}
	if (json_is_true(v))
		return "true";
	if (json_is_false(v))
		return "false";
	return NULL;
}

/* A plain scalar's JSON type, as Kubernetes' YAML decoder would see it. */
static json_t *plain_scalar(const char *s, size_t n)
{
	char buf[32];
	uint64_t u;

	if ((n == 4 && memcmp(s, "true", 4) == 0) ||
	    (n == 4 && memcmp(s, "True", 4) == 0))
		return json_true();
	if ((n == 5 && memcmp(s, "false", 5) == 0) ||
	    (n == 5 && memcmp(s, "False", 5) == 0))
		return json_false();
	if (n == 0 || (n == 1 && s[0] == '~') ||
	    (n == 4 && memcmp(s, "null", 4) == 0))
		return json_null();
	if (n > 0 && n < 20) {
		bool neg = s[0] == '-';
		memcpy(buf, s + neg, n - neg);
		buf[n - neg] = '\0';
		if (buf[0] != '\0' && (buf[0] != '0' || buf[1] == '\0') &&
		    ct_ok(ct_parse_u64(buf, (uint64_t)INT64_MAX, &u)))
			return json_integer(neg ? -(json_int_t)u : (json_int_t)u);
		ct_error_clear();
	}
	return json_stringn(s, n);
}

/* Conversion state: aliases are expanded here, under a node budget, so
 * an alias bomb ("billion laughs") ends in an error, not in memory
 * exhaustion. */
struct conv {
	const char *where;
	size_t budget;
};

static CT_RESULT to_json(struct conv *cv, struct fy_node *n, int depth,
			 json_t **out);

static bool is_merge_key(struct fy_node *k)
{
	size_t len;
	const char *s = fy_node_get_scalar(k, &len);
	return s != NULL && fy_node_get_style(k) == FYNS_PLAIN && len == 2 &&
	       memcmp(s, "<<", 2) == 0;
}

/* Adds the keys of a merged mapping (or list of them) that j lacks. */
static CT_RESULT merge_into(struct conv *cv, json_t *j, struct fy_node *v,
			    int depth)
{
	json_t *m = NULL;
	const char *k;
	json_t *x;

	CT_GUARD(to_json(cv, v, depth + 1, &m));
	if (json_is_array(m)) {
		for (size_t i = 0; i < json_array_size(m); i++) {
			json_t *e = json_array_get(m, i);
			if (!json_is_object(e))
				break;
			json_object_foreach(e, k, x)
				if (json_object_get(j, k) == NULL)
					json_object_set(j, k, x);
		}
	} else if (json_is_object(m)) {
		json_object_foreach(m, k, x)
			if (json_object_get(j, k) == NULL)
				json_object_set(j, k, x);
	} else {
		json_decref(m);
		CT_BAIL(CT_ERR_USAGE, "%s: merge key '<<': want a mapping or a list "
			"of mappings", cv->where);
	}
	json_decref(m);
	return CT_OK;
}

static CT_RESULT to_json(struct conv *cv, struct fy_node *n, int depth,
			 json_t **out)
{
	void *it = NULL;
	json_t *j;

	CT_ENSURE(depth < CT_K8S_DEPTH_MAX, CT_ERR_LIMIT,
		  "%s: nesting deeper than %d (aliases included)", cv->where,
		  CT_K8S_DEPTH_MAX);
	CT_ENSURE(cv->budget > 0, CT_ERR_LIMIT, "%s: more than %zu YAML nodes "
		  "once aliases are expanded", cv->where, (size_t)CT_K8S_NODES_MAX);
	cv->budget--;
	if (n == NULL) {
		*out = json_null();
		return CT_OK;
	}
	if (fy_node_is_alias(n)) {
		struct fy_node *t = fy_node_resolve_alias(n);
		CT_ENSURE(t != NULL, CT_ERR_USAGE, "%s: alias to an unknown anchor",
			  cv->where);
		return to_json(cv, t, depth + 1, out);
	}
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR: {
		size_t len;
		const char *s = fy_node_get_scalar(n, &len);
		CT_ENSURE(s != NULL, CT_ERR_PROTO, "%s: unreadable scalar", cv->where);
		j = fy_node_get_style(n) == FYNS_PLAIN ? plain_scalar(s, len)
						       : json_stringn(s, len);
		break;
	}
	case FYNT_SEQUENCE: {
		struct fy_node *item;
		j = json_array();
		while (j != NULL && (item = fy_node_sequence_iterate(n, &it)) != NULL) {
			json_t *c;
			ct_result r = to_json(cv, item, depth + 1, &c);
			if (!ct_ok(r)) {
				json_decref(j);
				return r;
			}
			if (json_array_append_new(j, c) != 0) {
				json_decref(j);
				j = NULL;
			}
		}
		break;
	}
	case FYNT_MAPPING: {
		struct fy_node_pair *p;
		j = json_object();
		/* Explicit keys first; merge keys fill in what is missing. */
		for (int pass = 0; pass < 2 && j != NULL; pass++) {
			it = NULL;
			while (j != NULL && (p = fy_node_mapping_iterate(n, &it)) != NULL) {
				struct fy_node *k = fy_node_pair_key(p);
				size_t klen;
				const char *ks;
				char *key;
				json_t *c;
				ct_result r;

				if (k == NULL || !fy_node_is_scalar(k) || fy_node_is_alias(k) ||
				    (ks = fy_node_get_scalar(k, &klen)) == NULL) {
					json_decref(j);
					CT_BAIL(CT_ERR_USAGE, "%s: mapping keys must be "
						"scalars", cv->where);
				}
				if (is_merge_key(k) != (pass == 1))
					continue;
				if (pass == 1) {
					r = merge_into(cv, j, fy_node_pair_value(p), depth);
					if (!ct_ok(r)) {
						json_decref(j);
						return r;
					}
					continue;
				}
				r = to_json(cv, fy_node_pair_value(p), depth + 1, &c);
				if (!ct_ok(r)) {
					json_decref(j);
					return r;
				}
				key = ct_strndup(ks, klen);
				if (key == NULL || json_object_set_new(j, key, c) != 0) {
					free(key);
					json_decref(j);
					CT_BAIL(CT_ERR_NOMEM, "%s: out of memory", cv->where);
				}
				free(key);
			}
		}
		break;
	}
	default:
		CT_BAIL(CT_ERR_PROTO, "%s: unknown YAML node type", cv->where);
	}
	CT_ENSURE(j != NULL, CT_ERR_NOMEM, "%s: out of memory", cv->where);
	*out = j;
	return CT_OK;
}

void ct_k8s_set_init(struct ct_k8s_set *s)
{
	memset(s, 0, sizeof(*s));
}

static void pods_clear(struct ct_k8s_set *s)
{
	for (size_t i = 0; i < s->npods; i++) {
		struct ct_k8s_pod *p = &s->pods[i];
		free(p->where);
		free(p->kind);
		free(p->name);
		free(p->name_regex);
		free(p->ns);
	}
	free(s->pods);
	s->pods = NULL;
	s->npods = 0;
}

void ct_k8s_set_dispose(struct ct_k8s_set *s)
{
	pods_clear(s);
	for (size_t i = 0; i < s->ndocs; i++) {
		struct ct_k8s_doc *d = s->docs[i];
		json_decref(d->json);
		if (d->fyd != NULL)
			fy_document_destroy(d->fyd);
		free(d->file);
		free(d);
	}
	free(s->docs);
	for (size_t i = 0; i < s->ntexts; i++)
		free(s->texts[i]);
	free(s->texts);
	memset(s, 0, sizeof(*s));
}

/* Regex-escapes `s` (RE2 metacharacters) onto `b`. */
static CT_RESULT regex_escape(struct ct_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr("\\.+*?()|[]{}^$", *s) != NULL)
			CT_GUARD(ct_buf_append_byte(b, '\\'));
		CT_GUARD(ct_buf_append_byte(b, (uint8_t)*s));
	}
	return CT_OK;
}

static const char *meta_str(const json_t *obj, const char *key)
{
	json_t *m = json_object_get(obj, "metadata");
	json_t *v = json_object_get(m, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Follows aliases: edits through an alias change the anchored node. */
struct fy_node *ct_k8s_fy_deref(struct fy_node *n)
{
	for (int i = 0; i < 8 && n != NULL && fy_node_is_alias(n); i++)
		n = fy_node_resolve_alias(n);
	return n != NULL && fy_node_is_alias(n) ? NULL : n;
}

static struct fy_node *fy_get(struct fy_node *n, const char *key)
{
	n = ct_k8s_fy_deref(n);
	return n != NULL && fy_node_is_mapping(n)
		       ? ct_k8s_fy_deref(fy_node_mapping_lookup_by_string(n, key, FY_NT))
		       : NULL;
}

/* Records one pod: `obj` is the workload, `tmpl` holds metadata + spec. */
static CT_RESULT add_pod(struct ct_k8s_set *s, struct ct_k8s_doc *d,
			 const char *where, const char *kind, json_t *obj,
			 struct fy_node *fy_obj, json_t *tmpl,
			 struct fy_node *fy_tmpl)
{
	struct ct_k8s_pod *p, *np;
	const char *name = meta_str(obj, "name");
	const char *gen = meta_str(obj, "generateName");
	const char *ns = meta_str(obj, "namespace");
	struct ct_buf re;
	ct_result res = CT_OK;

	CT_ENSURE(json_is_object(tmpl) &&
			  json_is_object(json_object_get(tmpl, "spec")),
		  CT_ERR_USAGE, "%s: %s without a pod spec", where, kind);
	CT_ENSURE(name != NULL || (gen != NULL && strcmp(kind, "Pod") == 0),
		  CT_ERR_USAGE, "%s: metadata.name: missing", where);
	np = ct_realloc(s->pods, (s->npods + 1) * sizeof(*np));
	CT_ENSURE(np != NULL, CT_ERR_NOMEM, "k8s: out of memory");
	s->pods = np;
	p = &s->pods[s->npods];
	memset(p, 0, sizeof(*p));
	s->npods++;
	p->doc = d;
	p->object = obj;
	p->fy_object = fy_obj;
	p->meta = json_object_get(tmpl, "metadata");
	p->spec = json_object_get(tmpl, "spec");
	p->fy_template = fy_tmpl;
	p->where = ct_strdup(where);
	p->kind = ct_strdup(kind);
	p->name = ct_strdup(name != NULL ? name : gen);
	p->ns = ct_strdup(ns != NULL ? ns : "");
	ct_buf_init(&re, 4096);
	CT_TRY(ct_buf_append_byte(&re, '^'));
	CT_TRY(regex_escape(&re, p->name != NULL ? p->name : ""));
	if (strcmp(kind, "Pod") == 0)
		CT_TRY(ct_buf_append_str(&re, name != NULL ? "" : SUFFIX));
	else if (strcmp(kind, "Deployment") == 0)
		CT_TRY(ct_buf_append_str(&re, "-" SUFFIX "-" SUFFIX));
	else if (strcmp(kind, "StatefulSet") == 0)
		CT_TRY(ct_buf_append_str(&re, "-[0-9]+"));
	else if (strcmp(kind, "Job") == 0)
		CT_TRY(ct_buf_append_str(&re, "(-[0-9]+)?-" SUFFIX));
	else if (strcmp(kind, "CronJob") == 0)
		CT_TRY(ct_buf_append_str(&re, "-[0-9]+(-[0-9]+)?-" SUFFIX));
	else
		CT_TRY(ct_buf_append_str(&re, "-" SUFFIX));
	CT_TRY(ct_buf_append_byte(&re, '$'));
	p->name_regex = ct_strdup(ct_buf_cstr(&re));
	CT_TRY_ENSURE(p->where != NULL && p->kind != NULL && p->name != NULL &&
			      p->ns != NULL && p->name_regex != NULL,
		      CT_ERR_NOMEM, "k8s: out of memory");
out:
	ct_buf_dispose(&re);
	return res;
}

static CT_RESULT index_object(struct ct_k8s_set *s, struct ct_k8s_doc *d,
			      const char *where, json_t *obj,
			      struct fy_node *fy, int list_depth)
{
	json_t *kv = json_object_get(obj, "kind");
	const char *kind = json_is_string(kv) ? json_string_value(kv) : NULL;
	json_t *spec = json_object_get(obj, "spec");
	struct fy_node *fy_spec = fy_get(fy, "spec");

	CT_ENSURE(json_is_object(obj), CT_ERR_USAGE,
		  "%s: want a mapping (a Kubernetes object)", where);
	CT_ENSURE(kind != NULL, CT_ERR_USAGE, "%s: kind: missing", where);
	if (strcmp(kind, "Pod") == 0)
		return add_pod(s, d, where, kind, obj, fy, obj, fy);
	if (strcmp(kind, "Deployment") == 0 || strcmp(kind, "ReplicaSet") == 0 ||
	    strcmp(kind, "ReplicationController") == 0 ||
	    strcmp(kind, "StatefulSet") == 0 || strcmp(kind, "DaemonSet") == 0 ||
	    strcmp(kind, "Job") == 0)
		return add_pod(s, d, where, kind, obj, fy,
			       json_object_get(spec, "template"),
			       fy_get(fy_spec, "template"));
	if (strcmp(kind, "CronJob") == 0) {
		json_t *jt = json_object_get(json_object_get(spec, "jobTemplate"),
					     "spec");
		struct fy_node *fjt = fy_get(fy_get(fy_spec, "jobTemplate"), "spec");
		return add_pod(s, d, where, kind, obj, fy,
			       json_object_get(jt, "template"),
			       fy_get(fjt, "template"));
	}
	if (strcmp(kind, "List") == 0) {
		json_t *items = json_object_get(obj, "items");
		struct fy_node *fitems = fy_get(fy, "items");
		CT_ENSURE(list_depth < CT_K8S_LIST_DEPTH_MAX, CT_ERR_LIMIT,
			  "%s: Lists nested deeper than %d", where,
			  CT_K8S_LIST_DEPTH_MAX);
		CT_ENSURE(json_is_array(items), CT_ERR_USAGE,
			  "%s: items: want a list", where);
		for (size_t i = 0; i < json_array_size(items); i++) {
			char w[1024];
			snprintf(w, sizeof(w), "%s: items[%zu]", where, i);
			CT_GUARD(index_object(s, d, w, json_array_get(items, i),
					      ct_k8s_fy_deref(fy_node_sequence_get_by_index(
						      fitems, (int)i)),
					      list_depth + 1));
		}
		return CT_OK;
	}
	for (size_t i = 0; passthrough_kinds[i] != NULL; i++)
		if (strcmp(kind, passthrough_kinds[i]) == 0)
			return CT_OK;
	CT_BAIL(CT_ERR_USAGE, "%s: kind: unsupported kind '%s'", where, kind);
}

/* Collects libfyaml's diagnostics so errors can name line and column. */
struct diag_sink {
	char msg[512];
};

static void diag_out(struct fy_diag *diag, void *user, const char *buf,
		     size_t len)
{
	struct diag_sink *ds = user;
	(void)diag;
	if (ds->msg[0] != '\0')
		return; /* keep the first */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	/* Drop libfyaml's "<memory-@0x...>:" input name: we name the file. */
	if (len > 0 && buf[0] == '<') {
		const char *gt = memchr(buf, '>', len);
		if (gt != NULL && (size_t)(gt - buf) + 2 <= len && gt[1] == ':') {
			len -= (size_t)(gt - buf) + 2;
			buf = gt + 2;
		}
	}
	if (len >= sizeof(ds->msg))
		len = sizeof(ds->msg) - 1;
	memcpy(ds->msg, buf, len);
	ds->msg[len] = '\0';
}

static CT_RESULT add_doc(struct ct_k8s_set *s, struct ct_k8s_doc *d)
{
	struct ct_k8s_doc **nd;

	CT_ENSURE(s->ndocs < CT_K8S_DOCS_MAX, CT_ERR_LIMIT,
		  "%s: more than %d YAML documents", d->file, CT_K8S_DOCS_MAX);
	nd = ct_realloc(s->docs, (s->ndocs + 1) * sizeof(*nd));
	CT_ENSURE(nd != NULL, CT_ERR_NOMEM, "k8s: out of memory");
	s->docs = nd;
	s->docs[s->ndocs++] = d;
	return CT_OK;
}

static CT_RESULT doc_mirror(struct ct_k8s_doc *d)
{
	char where[1024];
	json_t *k;

	snprintf(where, sizeof(where), "%s: document %zu", d->file, d->index);
	json_decref(d->json);
	d->json = NULL;
	d->kind = "";
	if (d->fyd == NULL || fy_document_root(d->fyd) == NULL)
		return CT_OK;
	{
		struct conv cv = { where, CT_K8S_NODES_MAX };
		CT_GUARD(to_json(&cv, fy_document_root(d->fyd), 0, &d->json));
	}
	k = json_object_get(d->json, "kind");
	if (json_is_string(k))
		d->kind = json_string_value(k);
	return CT_OK;
}

static CT_RESULT index_doc(struct ct_k8s_set *s, struct ct_k8s_doc *d)
{
	char where[1024];

	if (d->json == NULL || d->config_only)
		return CT_OK;
	snprintf(where, sizeof(where), "%s: document %zu", d->file, d->index);
	return index_object(s, d, where, d->json, fy_document_root(d->fyd), 0);
}

CT_RESULT ct_k8s_load(struct ct_k8s_set *s, const char *file,
		      struct ct_span yaml, bool config_only)
{
	struct diag_sink sink = { "" };
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg pcfg;
	struct fy_diag *diag = NULL;
	struct fy_parser *fyp = NULL;
	struct fy_document *fyd;
	size_t index = 0, first = s->ndocs;
	char *text, **nt;
	ct_result res = CT_OK;

	CT_ENSURE(yaml.len <= CT_K8S_FILE_MAX, CT_ERR_LIMIT,
		  "%s: larger than %zu bytes", file, CT_K8S_FILE_MAX);
	/* YAML input must be UTF-8 here; libfyaml 0.7 can loop forever on some
	 * invalid sequences (found by fuzzing: a directive followed by 0xff). */
	size_t valid = ct_utf8_valid_prefix(yaml);
	CT_ENSURE(valid == yaml.len, CT_ERR_PROTO, "%s: byte %zu: not valid UTF-8", file,
		  valid);
	/* The parser does not copy its input; the set keeps it alive. */
	nt = ct_realloc(s->texts, (s->ntexts + 1) * sizeof(*nt));
	CT_ENSURE(nt != NULL, CT_ERR_NOMEM, "k8s: out of memory");
	s->texts = nt;
	text = ct_alloc(yaml.len + 1);
	CT_ENSURE(text != NULL, CT_ERR_NOMEM, "k8s: out of memory");
	if (yaml.len > 0)
		memcpy(text, yaml.ptr, yaml.len);
	text[yaml.len] = '\0';
	s->texts[s->ntexts++] = text;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = diag_out;
	dcfg.user = &sink;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	CT_ENSURE(diag != NULL, CT_ERR_NOMEM, "k8s: out of memory");
	memset(&pcfg, 0, sizeof(pcfg));
	pcfg.flags = FYPCF_QUIET | FYPCF_DISABLE_MMAP_OPT; /* aliases: to_json */
	pcfg.diag = diag;
	fyp = fy_parser_create(&pcfg);
	CT_TRY_ENSURE(fyp != NULL, CT_ERR_NOMEM, "k8s: out of memory");
	CT_TRY_ENSURE(fy_parser_set_string(fyp, text, yaml.len) == 0,
		      CT_ERR_NOMEM, "k8s: out of memory");
	while ((fyd = fy_parse_load_document(fyp)) != NULL) {
		struct ct_k8s_doc *d = ct_calloc(1, sizeof(*d));
		if (d == NULL) {
			fy_parse_document_destroy(fyp, fyd);
			CT_TRY(CT_FAIL(CT_ERR_NOMEM, "k8s: out of memory"));
		}
		d->fyd = fyd;
		d->index = index++;
		d->config_only = config_only;
		d->file = ct_strdup(file);
		d->kind = "";
		if (d->file == NULL || !ct_ok(res = add_doc(s, d))) {
			fy_document_destroy(fyd);
			free(d->file);
			free(d);
			CT_TRY(ct_ok(res) ? CT_FAIL(CT_ERR_NOMEM, "k8s: out of memory")
					  : res);
		}
		CT_TRY(doc_mirror(d));
	}
	CT_TRY_ENSURE(!fy_parser_get_stream_error(fyp), CT_ERR_PROTO,
		      "%s: document %zu: YAML: %s", file, index,
		      sink.msg[0] != '\0' ? sink.msg : "malformed");
	for (size_t i = first; i < s->ndocs; i++)
		CT_TRY(index_doc(s, s->docs[i]));
out:
	if (fyp != NULL)
		fy_parser_destroy(fyp);
	fy_diag_destroy(diag);
	return res;
}

CT_RESULT ct_k8s_load_file(struct ct_k8s_set *s, const char *path,
			   bool config_only)
{
	struct ct_buf b;
	ct_result res;

	ct_buf_init(&b, CT_K8S_FILE_MAX);
	res = ct_file_read(&b, path, CT_K8S_FILE_MAX);
	if (ct_ok(res))
		res = ct_k8s_load(s, path, ct_buf_span(&b), config_only);
	ct_buf_dispose(&b);
	return res;
}

CT_RESULT ct_k8s_reindex(struct ct_k8s_set *s)
{
	pods_clear(s);
	for (size_t i = 0; i < s->ndocs; i++)
		CT_GUARD(doc_mirror(s->docs[i]));
	for (size_t i = 0; i < s->ndocs; i++)
		CT_GUARD(index_doc(s, s->docs[i]));
	return CT_OK;
}

const json_t *ct_k8s_find_config(const struct ct_k8s_set *s, const char *kind,
				 const char *name, const char *ns)
{
	for (size_t i = 0; i < s->ndocs; i++) {
		const json_t *o = s->docs[i]->json;
		const char *n = meta_str(o, "name");
		const char *dns = meta_str(o, "namespace");

		if (strcmp(s->docs[i]->kind, kind) != 0 || n == NULL ||
		    strcmp(n, name) != 0)
			continue;
		if (ns != NULL && ns[0] != '\0' && dns != NULL &&
		    strcmp(dns, ns) != 0)
			continue;
		return o;
	}
	return NULL;
}

CT_RESULT ct_k8s_emit_file(const struct ct_k8s_set *s, const char *file,
			   struct ct_buf *out)
{
	bool first = true;

	for (size_t i = 0; i < s->ndocs; i++) {
		const struct ct_k8s_doc *d = s->docs[i];
		char *text;
		ct_result r;

		if (strcmp(d->file, file) != 0 || d->fyd == NULL ||
		    fy_document_root(d->fyd) == NULL)
			continue;
		text = fy_emit_document_to_string(
			d->fyd, FYECF_MODE_BLOCK | FYECF_INDENT_2 |
					FYECF_WIDTH_INF |
					FYECF_DOC_START_MARK_OFF);
		CT_ENSURE(text != NULL, CT_ERR_NOMEM,
			  "%s: document %zu: cannot emit YAML", file, d->index);
		r = ct_buf_printf(out, "%s%s%s", first ? "" : "---\n", text,
				  text[0] != '\0' && text[strlen(text) - 1] != '\n'
					  ? "\n" : "");
		free(text);
		CT_GUARD(r);
		first = false;
	}
	return CT_OK;
}
