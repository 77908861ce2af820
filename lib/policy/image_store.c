/*
 * image_store.c - image facts from an OCI image layout directory (as
 * `skopeo copy ... oci:DIR:REF` or umoci write it): index.json names each
 * image with the annotation org.opencontainers.image.ref.name; blobs live
 * under blobs/sha256/. From the config we take User, Env, Entrypoint, Cmd,
 * WorkingDir, Tty and Volumes; from the layers only the effective
 * /etc/passwd and /etc/group (later layers and whiteouts win).
 *
 * Trust: the directory is the user's, but its blobs may come from anyone,
 * so every blob is checked against its sha256 digest before use, JSON
 * blobs are bounded by CT_IMAGE_JSON_MAX, layers by CT_IMAGE_LAYER_MAX,
 * the files we keep by CT_IMAGE_ETC_FILE_MAX, and tar headers are parsed
 * field by field without trusting their sizes.
 */
#include "policy/policy.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define REF_ANNOTATION "org.opencontainers.image.ref.name"

/* Path of a blob after checking the digest's form. */
static CT_RESULT blob_path(const char *dir, const char *digest, char *out,
			   size_t outlen)
{
	size_t n;

	CT_ENSURE(digest != NULL && strncmp(digest, "sha256:", 7) == 0,
		  CT_ERR_PROTO, "image store: digest '%s': want sha256:<hex>",
		  digest != NULL ? digest : "(none)");
	n = strspn(digest + 7, "0123456789abcdef");
	CT_ENSURE(n == 64 && digest[71] == '\0', CT_ERR_PROTO,
		  "image store: digest '%s': want 64 lower-case hex digits",
		  digest);
	CT_ENSURE((size_t)snprintf(out, outlen, "%s/blobs/sha256/%s", dir,
				   digest + 7) < outlen,
		  CT_ERR_LIMIT, "image store: path too long");
	return CT_OK;
}

/* sha256 of a whole file, compared with `digest`. */
static CT_RESULT verify_file(const char *path, const char *digest,
			     size_t max)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t buf[65536], md[32];
	char hex[65];
	size_t n, total = 0;
	FILE *f;
	ct_result res = CT_OK;

	CT_ENSURE(ctx != NULL, CT_ERR_NOMEM, "image store: out of memory");
	f = fopen(path, "rb");
	if (f == NULL) {
		EVP_MD_CTX_free(ctx);
		CT_BAIL(CT_ERR_IO, "image store: %s: %s", path, strerror(errno));
	}
	CT_TRY_ENSURE(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1,
		      CT_ERR_CRYPTO, "image store: sha256 init failed");
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		total += n;
		CT_TRY_ENSURE(total <= max, CT_ERR_LIMIT,
			      "image store: %s: larger than %zu bytes", path, max);
		CT_TRY_ENSURE(EVP_DigestUpdate(ctx, buf, n) == 1, CT_ERR_CRYPTO,
			      "image store: sha256 failed");
	}
	CT_TRY_ENSURE(!ferror(f), CT_ERR_IO, "image store: %s: read error", path);
	CT_TRY_ENSURE(EVP_DigestFinal_ex(ctx, md, NULL) == 1, CT_ERR_CRYPTO,
		      "image store: sha256 failed");
	ct_hex_format(hex, md, 32);
	hex[64] = '\0';
	CT_TRY_ENSURE(strcmp(hex, digest + 7) == 0, CT_ERR_PROTO,
		      "image store: blob %s: content hashes to sha256:%s",
		      digest, hex);
out:
	fclose(f);
	EVP_MD_CTX_free(ctx);
	return res;
}

static CT_RESULT load_blob_json(const char *dir, const char *digest,
				json_t **out)
{
	char path[4096];
	struct ct_buf b;
	json_error_t jerr;
	ct_result res = CT_OK;

	CT_GUARD(blob_path(dir, digest, path, sizeof(path)));
	CT_GUARD(verify_file(path, digest, CT_IMAGE_JSON_MAX));
	ct_buf_init(&b, CT_IMAGE_JSON_MAX);
	CT_TRY(ct_file_read(&b, path, CT_IMAGE_JSON_MAX));
	*out = json_loadb((const char *)b.data, b.len, 0, &jerr);
	CT_TRY_ENSURE(json_is_object(*out), CT_ERR_PROTO,
		      "image store: blob %s: not a JSON object (%s)", digest,
		      jerr.text);
out:
	if (!ct_ok(res) && *out != NULL) {
		json_decref(*out);
		*out = NULL;
	}
	ct_buf_dispose(&b);
	return res;
}

/* --- tar scanning ------------------------------------------------------ */

struct etc_files {
	json_t *passwd, *group; /* string, or null after a whiteout */
};

static CT_RESULT gz_read_exact(gzFile gz, void *buf, size_t n, bool *eof)
{
	int r = gzread(gz, buf, (unsigned)n);
	*eof = false;
	if (r == 0) {
		*eof = true;
		return CT_OK;
	}
	CT_ENSURE(r > 0 && (size_t)r == n, CT_ERR_PROTO,
		  "image store: layer: truncated tar stream");
	return CT_OK;
}

static CT_RESULT gz_skip(gzFile gz, uint64_t n)
{
	uint8_t buf[8192];
	while (n > 0) {
		size_t k = n > sizeof(buf) ? sizeof(buf) : (size_t)n;
		int r = gzread(gz, buf, (unsigned)k);
		CT_ENSURE(r > 0 && (size_t)r == k, CT_ERR_PROTO,
			  "image store: layer: truncated tar stream");
		n -= k;
	}
	return CT_OK;
}

static CT_RESULT tar_size(const uint8_t *h, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (h[124] & 0x80) /* base-256: only for > 8 GiB entries */
		CT_BAIL(CT_ERR_LIMIT, "image store: layer: tar entry too large");
	while (i < 12 && h[124 + i] == ' ')
		i++;
	for (; i < 12 && h[124 + i] >= '0' && h[124 + i] <= '7'; i++)
		v = v * 8 + (uint64_t)(h[124 + i] - '0');
	CT_ENSURE(v <= CT_IMAGE_LAYER_MAX * (uint64_t)8, CT_ERR_LIMIT,
		  "image store: layer: tar entry of %llu bytes",
		  (unsigned long long)v);
	*out = v;
	return CT_OK;
}

/* "./etc/passwd", "etc/passwd", "/etc/passwd" → "etc/passwd". */
static const char *norm_path(const char *p)
{
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (p[0] == '/')
		p++;
	return p;
}

static CT_RESULT take_file(gzFile gz, uint64_t size, json_t **slot)
{
	char *buf;
	ct_result r;

	CT_ENSURE(size <= CT_IMAGE_ETC_FILE_MAX, CT_ERR_LIMIT,
		  "image store: layer: /etc file of %llu bytes",
		  (unsigned long long)size);
	buf = ct_alloc((size_t)size + 1);
	CT_ENSURE(buf != NULL, CT_ERR_NOMEM, "image store: out of memory");
	r = gz_skip(gz, 0);
	if (size > 0 && gzread(gz, buf, (unsigned)size) != (int)size)
		r = CT_FAIL(CT_ERR_PROTO, "image store: layer: truncated tar");
	if (ct_ok(r)) {
		json_decref(*slot);
		*slot = json_stringn_nocheck(buf, (size_t)size);
		if (*slot == NULL)
			r = CT_FAIL(CT_ERR_NOMEM, "image store: out of memory");
	}
	free(buf);
	CT_GUARD(r);
	return gz_skip(gz, (512 - size % 512) % 512);
}

static CT_RESULT scan_layer(const char *path, struct etc_files *ef)

{
	uint8_t h[512];
	char name[4097];
	bool eof, have_long = false;
	gzFile gz = gzopen(path, "rb");
	ct_result res = CT_OK;

	CT_ENSURE(gz != NULL, CT_ERR_IO, "image store: %s: cannot open", path);
	for (;;) {
		uint64_t size = 0;
		const char *p;
		bool zero = true;

		CT_TRY(gz_read_exact(gz, h, sizeof(h), &eof));
		if (eof)
			break;
		for (size_t i = 0; i < sizeof(h); i++)
			zero = zero && h[i] == 0;
		if (zero)
			break;
		CT_TRY(tar_size(h, &size));
		if (h[156] == 'L' || h[156] == 'x') {
			/* GNU long name or PAX header: read it for the path. */
			char *ext;
			CT_TRY_ENSURE(size < 65536, CT_ERR_LIMIT,
				      "image store: layer: extended header of "
				      "%llu bytes", (unsigned long long)size);
			ext = ct_alloc((size_t)size + 1);
			CT_TRY_ENSURE(ext != NULL, CT_ERR_NOMEM, "out of memory");
			if (size > 0 && gzread(gz, ext, (unsigned)size) != (int)size) {
				free(ext);
				CT_TRY(CT_FAIL(CT_ERR_PROTO, "image store: layer: "
					       "truncated tar"));
			}
			ext[size] = '\0';
			if (h[156] == 'L') {
				snprintf(name, sizeof(name), "%s", ext);
				have_long = true;
			} else {
				char *q = strstr(ext, " path=");
				if (q != NULL) {
					q += 6;
					size_t k = strcspn(q, "\n");
					if (k >= sizeof(name))
						k = sizeof(name) - 1;
					memcpy(name, q, k);
					name[k] = '\0';
					have_long = true;
				}
			}
			free(ext);
			CT_TRY(gz_skip(gz, (512 - size % 512) % 512));
			continue;
		}
		if (!have_long) {
			char base[101], prefix[156];
			memcpy(base, h, 100);
			base[100] = '\0';
			memcpy(prefix, h + 345, 155);
			prefix[155] = '\0';
			if (memcmp(h + 257, "ustar", 5) == 0 && prefix[0] != '\0')
				snprintf(name, sizeof(name), "%s/%s", prefix, base);
			else
				snprintf(name, sizeof(name), "%s", base);
		}
		have_long = false;
		p = norm_path(name);
		if ((h[156] == '0' || h[156] == '\0') &&
		    strcmp(p, "etc/passwd") == 0) {
			CT_TRY(take_file(gz, size, &ef->passwd));
			continue;
		}
		if ((h[156] == '0' || h[156] == '\0') &&
		    strcmp(p, "etc/group") == 0) {
			CT_TRY(take_file(gz, size, &ef->group));
			continue;
		}
		if (strcmp(p, "etc/.wh.passwd") == 0 || strcmp(p, "etc/.wh.group") == 0) {
			json_t **slot = p[8] == 'p' ? &ef->passwd : &ef->group;
			json_decref(*slot);
			*slot = json_null();
		}
		CT_TRY(gz_skip(gz, size + (512 - size % 512) % 512));
	}
out:
	gzclose(gz);
	return res;
}

CT_RESULT ct_image_layer_etc(const char *path, json_t **passwd, json_t **group)
{
	struct etc_files ef = { json_incref(*passwd), json_incref(*group) };
	ct_result r = scan_layer(path, &ef);

	json_decref(*passwd);
	json_decref(*group);
	*passwd = ef.passwd;
	*group = ef.group;
	return r;
}

/* --- index and manifest ------------------------------------------------ */

static bool is_index(const char *mt)
{
	return mt != NULL &&
	       (strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0 ||
		strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0);
}

/* The descriptor of `ref` in index.json (borrowed from idx), or NULL. */
static json_t *find_ref(json_t *idx, const char *ref)
{
	json_t *ms = json_object_get(idx, "manifests");
	for (size_t i = 0; i < json_array_size(ms); i++) {
		json_t *d = json_array_get(ms, i);
		json_t *n = json_object_get(json_object_get(d, "annotations"),
					    REF_ANNOTATION);
		if (json_is_string(n) && strcmp(json_string_value(n), ref) == 0)
			return d;
	}
	return NULL;
}

static CT_RESULT strings_or_null(json_t *v, const char *what, json_t **out)
{
	if (v == NULL || json_is_null(v)) {
		*out = json_null();
		return CT_OK;
	}
	CT_ENSURE(json_is_array(v), CT_ERR_PROTO,
		  "image store: config %s: want a list of strings", what);
	for (size_t i = 0; i < json_array_size(v); i++)
		CT_ENSURE(json_is_string(json_array_get(v, i)), CT_ERR_PROTO,
			  "image store: config %s[%zu]: want a string", what, i);
	*out = json_incref(v);
	return CT_OK;
}

static CT_RESULT facts_from(const char *dir, const char *ref,
			    const char *digest, json_t *manifest, json_t **out)
{
	json_t *cfgd = json_object_get(manifest, "config");
	json_t *layers = json_object_get(manifest, "layers");
	json_t *config = NULL, *c, *f = NULL, *vols, *v;
	struct etc_files ef = { json_null(), json_null() };
	const char *key;
	ct_result res = CT_OK;

	CT_TRY_ENSURE(json_is_object(cfgd) && json_is_array(layers),
		      CT_ERR_PROTO, "image store: %s: manifest without config "
		      "or layers", ref);
	CT_TRY_ENSURE(json_array_size(layers) <= CT_IMAGE_LAYERS_MAX,
		      CT_ERR_LIMIT, "image store: %s: more than %d layers", ref,
		      CT_IMAGE_LAYERS_MAX);
	CT_TRY(load_blob_json(dir, json_string_value(json_object_get(cfgd, "digest")),
			      &config));
	c = json_object_get(config, "config");
	f = json_pack("{s:s, s:s}", "ref", ref, "digest", digest);
	CT_TRY_ENSURE(f != NULL, CT_ERR_NOMEM, "image store: out of memory");
#define STR(k)                                                              \
	do {                                                                \
		json_t *s_ = json_object_get(c, k);                         \
		CT_TRY_ENSURE(s_ == NULL || json_is_string(s_), CT_ERR_PROTO, \
			      "image store: %s: config %s: want a string",  \
			      ref, k);                                      \
		json_object_set_new(f, k, json_string(s_ != NULL ? json_string_value(s_) : "")); \
	} while (0)
	STR("User");
	STR("WorkingDir");
#undef STR
	for (const char *const *k = (const char *const[]){ "Env", "Entrypoint",
							   "Cmd", NULL };
	     *k != NULL; k++) {
		json_t *a = NULL;
		CT_TRY(strings_or_null(json_object_get(c, *k), *k, &a));
		json_object_set_new(f, *k, a);
	}
	json_object_set_new(f, "Tty", json_boolean(json_is_true(json_object_get(c, "Tty"))));
	vols = json_array();
	json_object_foreach(json_object_get(c, "Volumes"), key, v)
		json_array_append_new(vols, json_string(key));
	json_object_set_new(f, "Volumes", vols);
	for (size_t i = 0; i < json_array_size(layers); i++) {
		json_t *l = json_array_get(layers, i);
		const char *ld = json_string_value(json_object_get(l, "digest"));
		const char *mt = json_string_value(json_object_get(l, "mediaType"));
		char path[4096];

		if (mt != NULL && strstr(mt, "zstd") != NULL) {
			ct_log_warn("image store: %s: layer %zu is zstd-compressed; "
				    "not scanned for /etc/passwd", ref, i);
			continue;
		}
		CT_TRY(blob_path(dir, ld, path, sizeof(path)));
		CT_TRY(verify_file(path, ld, CT_IMAGE_LAYER_MAX));
		res = scan_layer(path, &ef);
		if (!ct_ok(res)) {
			res = ct_error_prefix("%s: layer %zu", ref, i);
			goto out;
		}
	}
	json_object_set(f, "passwd", ef.passwd);
	json_object_set(f, "group", ef.group);
	*out = f;
	f = NULL;
out:
	json_decref(ef.passwd);
	json_decref(ef.group);
	json_decref(config);
	json_decref(f);
	return res;
}

CT_RESULT ct_image_store_read(const char *dir, const char *ref, json_t **out)
{
	char path[4096];
	struct ct_buf b;
	json_t *idx = NULL, *desc, *manifest = NULL;
	json_error_t jerr;
	const char *at = strstr(ref, "@sha256:");
	const char *digest;
	char *plain = NULL;
	ct_result res = CT_OK;

	*out = NULL;
	CT_ENSURE(strlen(ref) < CT_IMAGE_REF_MAX, CT_ERR_LIMIT,
		  "image store: reference longer than %d", CT_IMAGE_REF_MAX);
	CT_ENSURE((size_t)snprintf(path, sizeof(path), "%s/index.json", dir) <
			  sizeof(path), CT_ERR_LIMIT, "image store: path too long");
	ct_buf_init(&b, CT_IMAGE_JSON_MAX);
	CT_TRY(ct_file_read(&b, path, CT_IMAGE_JSON_MAX));
	idx = json_loadb((const char *)b.data, b.len, 0, &jerr);
	CT_TRY_ENSURE(json_is_object(idx), CT_ERR_PROTO, "image store: %s: %s",
		      path, idx == NULL ? jerr.text : "want a JSON object");
	desc = find_ref(idx, ref);
	if (desc == NULL && at != NULL) {
		plain = ct_strndup(ref, (size_t)(at - ref));
		CT_TRY_ENSURE(plain != NULL, CT_ERR_NOMEM, "out of memory");
		desc = find_ref(idx, plain);
	}
	CT_TRY_ENSURE(desc != NULL, CT_ERR_USAGE,
		      "image store: %s: no image named '%s'%s%s", dir, ref,
		      plain != NULL ? " or " : "", plain != NULL ? plain : "");
	digest = json_string_value(json_object_get(desc, "digest"));
	CT_TRY(load_blob_json(dir, digest, &manifest));
	if (is_index(json_string_value(json_object_get(desc, "mediaType"))) ||
	    json_object_get(manifest, "manifests") != NULL) {
		json_t *ms = json_object_get(manifest, "manifests"), *pick = NULL;
		for (size_t i = 0; i < json_array_size(ms) && pick == NULL; i++) {
			json_t *pl = json_object_get(json_array_get(ms, i), "platform");
			const char *os = json_string_value(json_object_get(pl, "os"));
			const char *ar = json_string_value(json_object_get(pl, "architecture"));
			if (os != NULL && ar != NULL && strcmp(os, "linux") == 0 &&
			    strcmp(ar, "amd64") == 0)
				pick = json_array_get(ms, i);
		}
		CT_TRY_ENSURE(pick != NULL, CT_ERR_USAGE,
			      "image store: %s: no linux/amd64 manifest", ref);
		if (at == NULL || strcmp(at + 1, digest) != 0)
			digest = json_string_value(json_object_get(pick, "digest"));
		{
			json_t *m2 = NULL;
			CT_TRY(load_blob_json(dir, json_string_value(json_object_get(
							   pick, "digest")), &m2));
			json_decref(manifest);
			manifest = m2;
		}
	}
	if (plain != NULL && strcmp(at + 1, digest) != 0)
		ct_log_warn("image store: %s: found as %s with manifest digest "
			    "%s, not the pinned %s", ref, plain, digest, at + 1);
	CT_TRY(facts_from(dir, ref, digest, manifest, out));
out:
	json_decref(idx);
	json_decref(manifest);
	free(plain);
	ct_buf_dispose(&b);
	return res;
}
