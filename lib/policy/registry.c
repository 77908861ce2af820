/*
 * registry.c - image facts from an OCI distribution (Docker registry v2)
 * server over libcurl: anonymous or bearer-token auth (the token service
 * named by WWW-Authenticate), manifest lists resolved to linux/amd64.
 * Blobs are fetched into a private temporary OCI layout and read with
 * image_store.c, so the store's digest checks and tar scanning apply.
 *
 * Trust: the registry and the network are untrusted. A digest-pinned
 * reference is verified against the bytes received (the manifest or index
 * must hash to the pin); every blob must hash to its digest; every
 * response is bounded (CT_IMAGE_JSON_MAX for JSON, CT_IMAGE_LAYER_MAX for
 * layers); only http(s) is spoken, plain http only for hosts the caller
 * lists; credentials are never sent to a redirect target. What the
 * responses mean is decided in registry_parse.c (fuzzed without a network).
 */
#include "policy/policy.h"
#include "policy/registry_parse.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define TIMEOUT_S 120L
#define HEADER_MAX 8192

static const char *const accept_hdr =
	"Accept: application/vnd.oci.image.index.v1+json, "
	"application/vnd.oci.image.manifest.v1+json, "
	"application/vnd.docker.distribution.manifest.list.v2+json, "
	"application/vnd.docker.distribution.manifest.v2+json";

struct sink {
	struct ct_buf *buf; /* or */
	FILE *file;
	size_t total, max;
	EVP_MD_CTX *md;
	bool over;
	char auth[HEADER_MAX];
};

static size_t on_body(char *p, size_t sz, size_t n, void *user)
{
	struct sink *s = user;
	size_t len = sz * n;

	if (s->total + len > s->max || s->total + len < s->total) {
		s->over = true;
		return 0;
	}
	s->total += len;
	if (s->md != NULL && EVP_DigestUpdate(s->md, p, len) != 1)
		return 0;
	if (s->file != NULL)
		return fwrite(p, 1, len, s->file) == len ? len : 0;
	return ct_ok(ct_buf_append(s->buf, p, len)) ? len : 0;
}

static size_t on_header(char *p, size_t sz, size_t n, void *user)
{
	struct sink *s = user;
	size_t len = sz * n;
	if (len > 17 && strncasecmp(p, "WWW-Authenticate:", 17) == 0 &&
	    len - 17 < sizeof(s->auth)) {
		memcpy(s->auth, p + 17, len - 17);
		s->auth[len - 17] = '\0';
		s->auth[strcspn(s->auth, "\r\n")] = '\0';
	}
	return len;
}

struct client {
	CURL *c;
	const char *scheme;
	char token[CT_REGISTRY_TOKEN_MAX];
};

static CT_RESULT get(struct client *cl, const char *url, struct sink *s, long *status,
		     bool send_accept)
{
	struct curl_slist *h = NULL;
	char authz[4200];
	CURLcode rc;

	curl_easy_reset(cl->c);
	curl_easy_setopt(cl->c, CURLOPT_URL, url);
	curl_easy_setopt(cl->c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(cl->c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(cl->c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(cl->c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(cl->c, CURLOPT_TIMEOUT, TIMEOUT_S);
	curl_easy_setopt(cl->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cl->c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cl->c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(cl->c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(cl->c, CURLOPT_HEADERDATA, s);
	if (send_accept)
		h = curl_slist_append(h, accept_hdr);
	if (cl->token[0] != '\0') {
		snprintf(authz, sizeof(authz), "Authorization: Bearer %s", cl->token);
		h = curl_slist_append(h, authz);
	}
	curl_easy_setopt(cl->c, CURLOPT_HTTPHEADER, h);
	rc = curl_easy_perform(cl->c);
	curl_slist_free_all(h);
	CT_ENSURE(!s->over, CT_ERR_LIMIT, "registry: %s: response larger than %zu bytes",
		  url, s->max);
	CT_ENSURE(rc == CURLE_OK, CT_ERR_IO, "registry: %s: %s", url, curl_easy_strerror(rc));
	curl_easy_getinfo(cl->c, CURLINFO_RESPONSE_CODE, status);
	return CT_OK;
}

/* Fetches a bearer token for the challenge in s->auth. */
static CT_RESULT fetch_token(struct client *cl, const char *challenge)
{
	struct ct_registry_challenge ch;
	char url[2048];
	struct ct_buf b;
	struct sink s;
	long status = 0;
	ct_result res = CT_OK;
	char *es = NULL, *esc = NULL;

	CT_GUARD(ct_registry_challenge_parse(challenge, &ch));
	es = curl_easy_escape(cl->c, ch.service, 0);
	esc = curl_easy_escape(cl->c, ch.scope, 0);
	snprintf(url, sizeof(url), "%s?service=%s&scope=%s", ch.realm, es != NULL ? es : "",
		 esc != NULL ? esc : "");
	curl_free(es);
	curl_free(esc);
	ct_buf_init(&b, 65536);
	memset(&s, 0, sizeof(s));
	s.buf = &b;
	s.max = 65536;
	cl->token[0] = '\0';
	CT_TRY(get(cl, url, &s, &status, false));
	CT_TRY_ENSURE(status == 200, CT_ERR_IO, "registry: token service %s: HTTP %ld",
		      ch.realm, status);
	res = ct_registry_token_parse(ct_buf_span(&b), cl->token, sizeof(cl->token));
	if (!ct_ok(res))
		res = ct_error_prefix("registry: token service %s", ch.realm);
out:
	ct_buf_dispose(&b);
	return res;
}

/* GET with one bearer retry; the body goes to buf or file; md gets it too. */
static CT_RESULT fetch(struct client *cl, const struct ct_registry_ref *r, const char *kind,
		       const char *what, struct ct_buf *buf, FILE *file, size_t max,
		       EVP_MD_CTX *md)
{
	char url[2048];
	struct sink s;
	long status = 0;

	snprintf(url, sizeof(url), "%s://%s/v2/%s/%s/%s", cl->scheme, r->host, r->repo,
		 kind, what);
	for (int attempt = 0; attempt < 2; attempt++) {
		memset(&s, 0, sizeof(s));
		s.buf = buf;
		s.file = file;
		s.max = max;
		s.md = md;
		if (buf != NULL)
			ct_buf_reset(buf);
		if (file != NULL)
			CT_ENSURE(fseek(file, 0, SEEK_SET) == 0 && ftruncate(fileno(file), 0) == 0,
				  CT_ERR_IO, "registry: temp file: %s", strerror(errno));
		if (md != NULL)
			CT_ENSURE(EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1, CT_ERR_CRYPTO,
				  "registry: sha256 init failed");
		CT_GUARD(get(cl, url, &s, &status, strcmp(kind, "manifests") == 0));
		if (status == 401 && attempt == 0 && s.auth[0] != '\0') {
			CT_GUARD(fetch_token(cl, s.auth));
			continue;
		}
		break;
	}
	CT_ENSURE(status == 200, status == 401 || status == 403 ? CT_ERR_POLICY : CT_ERR_IO,
		  "registry: %s: HTTP %ld", url, status);
	return CT_OK;
}

static CT_RESULT write_blob(const char *dir, const char *digest, struct ct_span data)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, digest + 7);
	return ct_file_write_atomic(path, data, 0600);
}

static CT_RESULT sha256_hex(struct ct_span d, char out[72])
{
	uint8_t md[32];
	unsigned int n = 0;
	CT_ENSURE(EVP_Digest(d.ptr, d.len, md, &n, EVP_sha256(), NULL) == 1, CT_ERR_CRYPTO,
		  "registry: sha256 failed");
	memcpy(out, "sha256:", 7);
	ct_hex_format(out + 7, md, 32);
	out[71] = '\0';
	return CT_OK;
}

static CT_RESULT pull(struct client *cl, const struct ct_registry_ref *r, const char *refstr,
		      const char *dir, json_t **out)
{
	struct ct_buf m;
	char got[72], path[4096];
	json_t *man = NULL, *idx = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ct_result res = CT_OK;

	ct_buf_init(&m, CT_IMAGE_JSON_MAX);
	CT_TRY_ENSURE(md != NULL, CT_ERR_NOMEM, "out of memory");
	CT_TRY(fetch(cl, r, "manifests", r->digest[0] != '\0' ? r->digest : r->tag, &m,
		     NULL, CT_IMAGE_JSON_MAX, NULL));
	CT_TRY(sha256_hex(ct_buf_span(&m), got));
	CT_TRY_ENSURE(r->digest[0] == '\0' || strcmp(got, r->digest) == 0, CT_ERR_PROTO,
		      "registry: %s: manifest hashes to %s, not the pinned %s", refstr, got,
		      r->digest);
	res = ct_registry_manifest_parse(ct_buf_span(&m), &man);
	if (!ct_ok(res)) {
		res = ct_error_prefix("%s", refstr);
		goto out;
	}
	CT_TRY(write_blob(dir, got, ct_buf_span(&m)));
	{
		/* The layout's index names the top manifest as the reference. */
		json_t *mt = json_object_get(man, "mediaType");
		idx = json_pack("{s:i, s:[{s:s, s:s, s:I, s:{s:s}}]}", "schemaVersion", 2,
				"manifests", "mediaType",
				json_is_string(mt) ? json_string_value(mt)
				: "application/vnd.oci.image.manifest.v1+json",
				"digest", got, "size", (json_int_t)m.len, "annotations",
				"org.opencontainers.image.ref.name", refstr);
	}
	if (ct_registry_manifest_is_index(man)) {
		const char *d;
		res = ct_registry_index_pick(man, &d);
		if (!ct_ok(res)) {
			res = ct_error_prefix("%s", refstr);
			goto out;
		}
		CT_TRY(fetch(cl, r, "manifests", d, &m, NULL, CT_IMAGE_JSON_MAX, NULL));
		CT_TRY(sha256_hex(ct_buf_span(&m), got));
		CT_TRY_ENSURE(strcmp(got, d) == 0, CT_ERR_PROTO, "registry: %s: manifest %s "
			      "hashes to %s", refstr, d, got);
		CT_TRY(write_blob(dir, got, ct_buf_span(&m)));
		json_decref(man); /* d pointed into it: not used below */
		man = NULL;
		res = ct_registry_manifest_parse(ct_buf_span(&m), &man);
		if (!ct_ok(res)) {
			res = ct_error_prefix("%s", refstr);
			goto out;
		}
	}
	{
		struct ct_registry_blobs *bl = ct_calloc(1, sizeof(*bl));
		CT_TRY_ENSURE(bl != NULL, CT_ERR_NOMEM, "out of memory");
		res = ct_registry_manifest_blobs(man, bl);
		if (!ct_ok(res))
			res = ct_error_prefix("%s", refstr);
		if (ct_ok(res))
			res = fetch(cl, r, "blobs", bl->config, &m, NULL, CT_IMAGE_JSON_MAX, NULL);
		if (ct_ok(res))
			res = write_blob(dir, bl->config, ct_buf_span(&m));
		for (size_t i = 0; ct_ok(res) && i < bl->n_layers; i++) {
			FILE *f;
			snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, bl->layers[i] + 7);
			f = fopen(path, "w+");
			if (f == NULL) {
				res = CT_FAIL(CT_ERR_IO, "registry: %s: %s", path, strerror(errno));
				break;
			}
			res = fetch(cl, r, "blobs", bl->layers[i], NULL, f, CT_IMAGE_LAYER_MAX, NULL);
			if (fclose(f) != 0 && ct_ok(res))
				res = CT_FAIL(CT_ERR_IO, "registry: %s: write failed", path);
		}
		free(bl);
		CT_TRY(res);
	}
	snprintf(path, sizeof(path), "%s/index.json", dir);
	{
		char *t = json_dumps(idx, JSON_COMPACT);
		CT_TRY_ENSURE(t != NULL, CT_ERR_NOMEM, "out of memory");
		res = ct_file_write_atomic(path, ct_span_str(t), 0600);
		free(t);
		CT_TRY(res);
	}
	/* Reading it back verifies every blob against its digest. */
	CT_TRY(ct_image_store_read(dir, refstr, out));
out:
	EVP_MD_CTX_free(md);
	json_decref(man);
	json_decref(idx);
	ct_buf_dispose(&m);
	return res;
}

/* Removes what pull() wrote: flat files in dir/blobs/sha256 and dir. */
static void rm_flat(const char *d)
{
	DIR *dh = opendir(d);
	struct dirent *e;

	if (dh == NULL)
		return;
	while ((e = readdir(dh)) != NULL) {
		char f[4400];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(f, sizeof(f), "%s/%s", d, e->d_name);
		(void)unlink(f);
	}
	closedir(dh);
}

static void rm_tree(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/blobs/sha256", dir);
	rm_flat(path);
	(void)rmdir(path);
	snprintf(path, sizeof(path), "%s/blobs", dir);
	(void)rmdir(path);
	rm_flat(dir);
	(void)rmdir(dir);
}

CT_RESULT ct_registry_pull(const char *ref, const char *plain_http_hosts,
			   json_t **out)
{
	struct ct_registry_ref r;
	struct client cl;
	char dir[] = "/tmp/ct-registry-XXXXXX", blobs[64];
	ct_result res = CT_OK;

	*out = NULL;
	CT_GUARD(ct_registry_ref_parse(ref, &r));
	memset(&cl, 0, sizeof(cl));
	cl.scheme = "https";
	if (plain_http_hosts != NULL) {
		const char *p = plain_http_hosts;
		size_t hl = strlen(r.host);
		while ((p = strstr(p, r.host)) != NULL) {
			if ((p == plain_http_hosts || p[-1] == ',') && (p[hl] == '\0' || p[hl] == ','))
				cl.scheme = "http";
			p += hl;
		}
	}
	CT_ENSURE(mkdtemp(dir) != NULL, CT_ERR_IO, "registry: mkdtemp: %s", strerror(errno));
	snprintf(blobs, sizeof(blobs), "%s/blobs", dir);
	CT_TRY_ENSURE(mkdir(blobs, 0700) == 0, CT_ERR_IO, "registry: %s: %s", blobs,
		      strerror(errno));
	snprintf(blobs, sizeof(blobs), "%s/blobs/sha256", dir);
	CT_TRY_ENSURE(mkdir(blobs, 0700) == 0, CT_ERR_IO, "registry: %s: %s", blobs,
		      strerror(errno));
	cl.c = curl_easy_init();
	CT_TRY_ENSURE(cl.c != NULL, CT_ERR_NOMEM, "registry: curl_easy_init failed");
	res = pull(&cl, &r, ref, dir, out);
out:
	if (cl.c != NULL)
		curl_easy_cleanup(cl.c);
	rm_tree(dir);
	ct_wipe(cl.token, sizeof(cl.token));
	return res;
}
