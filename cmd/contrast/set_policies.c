/*
 * set_policies.c - the policy documents `contrast set` sends with the
 * manifest: the initdata of every pod in the deployment YAML, found as the
 * value of the annotation io.katacontainers.config.hypervisor.cc_init_data
 * (base64 of gzip of the initdata TOML, DESIGN.md §4.2).
 *
 * The YAML files are the user's own, but they are parsed defensively:
 * bounded file size, nesting depth, annotation size and decompressed
 * size, so a stray huge or hostile file cannot exhaust memory.
 */
#include "coordinator_client.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libfyaml.h>
#include <zlib.h>

#include "crypto/crypto.h"
#include "http/api.h"

#define INITDATA_ANNOTATION "io.katacontainers.config.hypervisor.cc_init_data"
#define YAML_FILE_MAX (16u << 20)
#define YAML_DEPTH_MAX 64
#define YAML_FILES_MAX 4096u
#define POLICY_DOCS_MAX CT_HTTP_API_POLICIES_MAX
#define ANNOTATION_MAX (4u << 20)

struct collect {
	struct ct_buf *docs;
	size_t n;
	const char *file;
	size_t files;
};

static CT_RESULT gunzip(struct ct_span in, struct ct_buf *out)
{
	z_stream zs;
	uint8_t chunk[16384];
	int zrc;
	ct_result res = CT_OK;

	memset(&zs, 0, sizeof(zs));
	CT_ENSURE(inflateInit2(&zs, 16 + MAX_WBITS) == Z_OK, CT_ERR_INTERNAL,
		  "zlib: inflateInit2 failed");
	zs.next_in = (Bytef *)(uintptr_t)in.ptr;
	zs.avail_in = (uInt)in.len;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zrc = inflate(&zs, Z_NO_FLUSH);
		CT_TRY_ENSURE(zrc == Z_OK || zrc == Z_STREAM_END, CT_ERR_PROTO,
			      "not valid gzip (zlib %d)", zrc);
		CT_TRY(ct_buf_append(out, chunk, sizeof(chunk) - zs.avail_out));
		CT_TRY_ENSURE(zrc == Z_STREAM_END || zs.avail_in > 0 || zs.avail_out == 0,
			      CT_ERR_PROTO, "truncated gzip");
	} while (zrc != Z_STREAM_END);
	CT_TRY_ENSURE(zs.avail_in == 0, CT_ERR_PROTO, "bytes after the gzip stream");
out:
	inflateEnd(&zs);
	return res;
}

static CT_RESULT add_annotation(struct collect *c, const char *val, size_t len)
{
	struct ct_buf gz, doc;
	ct_result res = CT_OK;
	uint8_t h[32];

	CT_ENSURE(len <= ANNOTATION_MAX, CT_ERR_LIMIT, "%s: %s: larger than %u bytes",
		  c->file, INITDATA_ANNOTATION, ANNOTATION_MAX);
	ct_buf_init(&gz, ANNOTATION_MAX);
	ct_buf_init(&doc, CT_HTTP_API_POLICY_MAX);
	res = ct_base64_decode(&gz, val, len);
	if (ct_ok(res))
		res = gunzip(ct_buf_span(&gz), &doc);
	if (!ct_ok(res)) {
		res = ct_error_prefix("%s: %s", c->file, INITDATA_ANNOTATION);
		goto out;
	}
	CT_TRY(ct_sha256(h, ct_buf_span(&doc)));
	for (size_t i = 0; i < c->n; i++) {
		uint8_t o[32];
		CT_TRY(ct_sha256(o, ct_buf_span(&c->docs[i])));
		if (memcmp(o, h, 32) == 0)
			goto out; /* replicas of one pod share a policy */
	}
	CT_TRY_ENSURE(c->n < POLICY_DOCS_MAX, CT_ERR_LIMIT,
		      "more than %u distinct policies", POLICY_DOCS_MAX);
	struct ct_buf *grown = ct_realloc(c->docs, (c->n + 1) * sizeof(*grown));
	CT_TRY_ENSURE(grown != NULL, CT_ERR_NOMEM, "out of memory");
	c->docs = grown;
	c->docs[c->n++] = doc;
	ct_buf_init(&doc, 0);
out:
	ct_buf_dispose(&gz);
	ct_buf_dispose(&doc);
	return res;
}

static CT_RESULT walk(struct collect *c, struct fy_node *n, int depth)
{
	void *it = NULL;
	CT_ENSURE(depth <= YAML_DEPTH_MAX, CT_ERR_LIMIT, "%s: nesting deeper than %d",
		  c->file, YAML_DEPTH_MAX);
	if (n == NULL)
		return CT_OK;
	switch (fy_node_get_type(n)) {
	case FYNT_MAPPING: {
		struct fy_node_pair *p;
		while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
			struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
			size_t klen = 0, vlen = 0;
			const char *ks = k && fy_node_is_scalar(k) ? fy_node_get_scalar(k, &klen)
								  : NULL;
			if (ks != NULL && klen == strlen(INITDATA_ANNOTATION) &&
			    memcmp(ks, INITDATA_ANNOTATION, klen) == 0 && v != NULL &&
			    fy_node_is_scalar(v)) {
				const char *vs = fy_node_get_scalar(v, &vlen);
				if (vs != NULL && vlen > 0)
					CT_GUARD(add_annotation(c, vs, vlen));
				continue;
			}
			CT_GUARD(walk(c, v, depth + 1));
		}
		return CT_OK;
	}
	case FYNT_SEQUENCE: {
		struct fy_node *e;
		while ((e = fy_node_sequence_iterate(n, &it)) != NULL)
			CT_GUARD(walk(c, e, depth + 1));
		return CT_OK;
	}
	default:
		return CT_OK;
	}
}

static CT_RESULT scan_file(struct collect *c, const char *path)
{
	struct ct_buf text;
	ct_result res = CT_OK;
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET };
	struct fy_parser *fyp = NULL;
	struct fy_document *fyd;

	CT_ENSURE(++c->files <= YAML_FILES_MAX, CT_ERR_LIMIT,
		  "more than %u YAML files", YAML_FILES_MAX);
	c->file = path;
	ct_buf_init(&text, YAML_FILE_MAX);
	CT_TRY(ct_file_read(&text, path, YAML_FILE_MAX));
	fyp = fy_parser_create(&cfg);
	CT_TRY_ENSURE(fyp != NULL, CT_ERR_NOMEM, "yaml: cannot create a parser");
	CT_TRY_ENSURE(fy_parser_set_string(fyp, (const char *)text.data, text.len) == 0,
		      CT_ERR_INTERNAL, "%s: yaml: cannot set input", path);
	while ((fyd = fy_parse_load_document(fyp)) != NULL) {
		res = walk(c, fy_document_root(fyd), 0);
		fy_parse_document_destroy(fyp, fyd);
		if (!ct_ok(res))
			goto out;
	}
	CT_TRY_ENSURE(!fy_parser_get_stream_error(fyp), CT_ERR_USAGE,
		      "%s: not valid YAML", path);
out:
	fy_parser_destroy(fyp);
	ct_buf_dispose(&text);
	return res;
}

static bool is_yaml(const char *name)
{
	size_t n = strlen(name);
	return (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
	       (n > 5 && strcmp(name + n - 5, ".yaml") == 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static CT_RESULT scan_path(struct collect *c, const char *path, int depth)
{
	struct stat st;
	CT_ENSURE(stat(path, &st) == 0, CT_ERR_USAGE, "%s: cannot read", path);
	if (!S_ISDIR(st.st_mode))
		return scan_file(c, path);
	CT_ENSURE(depth < 16, CT_ERR_LIMIT, "%s: directories nested too deep", path);
	DIR *d = opendir(path);
	CT_ENSURE(d != NULL, CT_ERR_USAGE, "%s: cannot open directory", path);
	char **names = NULL;
	size_t n = 0;
	ct_result res = CT_OK;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *full = ct_aprintf("%s/%s", path, de->d_name);
		char **grown = full ? ct_realloc(names, (n + 1) * sizeof(*names)) : NULL;
		if (grown == NULL) {
			free(full);
			res = CT_FAIL(CT_ERR_NOMEM, "out of memory");
			break;
		}
		names = grown;
		names[n++] = full;
		if (n > YAML_FILES_MAX) {
			res = CT_FAIL(CT_ERR_LIMIT, "%s: too many entries", path);
			break;
		}
	}
	closedir(d);
	if (ct_ok(res) && n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; ct_ok(res) && i < n; i++) {
		struct stat es;
		if (stat(names[i], &es) != 0)
			continue;
		if (S_ISDIR(es.st_mode))
			res = scan_path(c, names[i], depth + 1);
		else if (is_yaml(names[i]))
			res = scan_file(c, names[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return res;
}

CT_RESULT ct_cc_collect_policies(char **paths, size_t n_paths,
				 struct ct_buf **docs, size_t *n_docs)
{
	struct collect c = { 0 };
	ct_result res = CT_OK;
	for (size_t i = 0; i < n_paths && ct_ok(res); i++)
		res = scan_path(&c, paths[i], 0);
	if (!ct_ok(res)) {
		for (size_t i = 0; i < c.n; i++)
			ct_buf_dispose(&c.docs[i]);
		free(c.docs);
		return res;
	}
	*docs = c.docs;
	*n_docs = c.n;
	return CT_OK;
}
