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
 * lists; credentials are never sent to a redirect target.
 */
#include "policy/policy.h"

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

struct ref {
	char host[256], repo[256], tag[128], digest[80];
};

static CT_RESULT parse_ref(const char *ref, struct ref *r)
{
	const char *at = strstr(ref, "@sha256:");
	const char *slash = strchr(ref, '/');
	char rest[CT_IMAGE_REF_MAX];
	char *colon;

	memset(r, 0, sizeof(*r));
	CT_ENSURE(strlen(ref) < sizeof(rest), CT_ERR_LIMIT, "registry: reference too long");
	if (slash != NULL && (memchr(ref, '.', (size_t)(slash - ref)) != NULL ||
			      memchr(ref, ':', (size_t)(slash - ref)) != NULL ||
			      strncmp(ref, "localhost/", 10) == 0)) {
		CT_ENSURE((size_t)(slash - ref) < sizeof(r->host), CT_ERR_LIMIT,
			  "registry: host too long");
		memcpy(r->host, ref, (size_t)(slash - ref));
		ref = slash + 1;
	} else {
		snprintf(r->host, sizeof(r->host), "registry-1.docker.io");
	}
	snprintf(rest, sizeof(rest), "%.*s", at != NULL ? (int)(at - ref) : (int)strlen(ref), ref);
	if (at != NULL)
		snprintf(r->digest, sizeof(r->digest), "%s", at + 1);
	colon = strrchr(rest, ':');
	if (colon != NULL && strchr(colon, '/') == NULL) {
		*colon = '\0';
		CT_ENSURE(strlen(colon + 1) < sizeof(r->tag), CT_ERR_LIMIT,
			  "registry: tag too long");
		snprintf(r->tag, sizeof(r->tag), "%.127s", colon + 1);
	} else if (at == NULL) {
		snprintf(r->tag, sizeof(r->tag), "latest");
	}
	CT_ENSURE(strlen(rest) + 8 < sizeof(r->repo) && strlen(r->tag) + 1 < sizeof(r->tag),
		  CT_ERR_LIMIT, "registry: repository or tag too long");
	if (strcmp(r->host, "registry-1.docker.io") == 0 && strchr(rest, '/') == NULL)
		snprintf(r->repo, sizeof(r->repo), "library/%.240s", rest);
	else
		snprintf(r->repo, sizeof(r->repo), "%.250s", rest);
	for (const char *c = r->repo; *c != '\0'; c++)
		CT_ENSURE(strchr("abcdefghijklmnopqrstuvwxyz0123456789._-/", *c) != NULL,
			  CT_ERR_USAGE, "registry: repository '%s': invalid character", r->repo);
	for (const char *c = r->tag; *c != '\0'; c++)
		CT_ENSURE(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789._-", *c) != NULL,
			  CT_ERR_USAGE, "registry: tag '%s': invalid character", r->tag);
	return CT_OK;
}

struct client {
	CURL *c;
	const char *scheme;
	char token[4096];
};

/* Extracts key="value" from a WWW-Authenticate Bearer challenge. */
static bool challenge_param(const char *h, const char *key, char *out, size_t n)
{
	char pat[64];
	const char *p, *e;
	snprintf(pat, sizeof(pat), "%s=\"", key);
	p = strstr(h, pat);
	if (p == NULL)
		return false;
	p += strlen(pat);
	e = strchr(p, '"');
	if (e == NULL || (size_t)(e - p) >= n)
		return false;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return true;
}

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
	char realm[1024], service[256] = "", scope[512] = "", url[2048];
	struct ct_buf b;
	struct sink s;
	long status = 0;
	json_t *j = NULL, *t;
	json_error_t jerr;
	ct_result res = CT_OK;
	char *es = NULL, *esc = NULL;

	CT_ENSURE(strncasecmp(challenge + strspn(challenge, " "), "Bearer ", 7) == 0 &&
			  challenge_param(challenge, "realm", realm, sizeof(realm)),
		  CT_ERR_PROTO, "registry: unsupported auth challenge '%s'", challenge);
	challenge_param(challenge, "service", service, sizeof(service));
	challenge_param(challenge, "scope", scope, sizeof(scope));
	CT_ENSURE(strncmp(realm, "https://", 8) == 0 || strncmp(realm, "http://", 7) == 0,
		  CT_ERR_PROTO, "registry: token realm '%s' is not http(s)", realm);
	es = curl_easy_escape(cl->c, service, 0);
	esc = curl_easy_escape(cl->c, scope, 0);
	snprintf(url, sizeof(url), "%s?service=%s&scope=%s", realm, es != NULL ? es : "",
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
		      realm, status);
	j = json_loadb((const char *)b.data, b.len, 0, &jerr);
	t = json_object_get(j, "token");
	if (!json_is_string(t))
		t = json_object_get(j, "access_token");
	CT_TRY_ENSURE(json_is_string(t) && json_string_length(t) < sizeof(cl->token) &&
			      strpbrk(json_string_value(t), "\r\n") == NULL,
		      CT_ERR_PROTO, "registry: token service %s: no usable token", realm);
	snprintf(cl->token, sizeof(cl->token), "%s", json_string_value(t));
out:
	json_decref(j);
	ct_buf_dispose(&b);
	return res;
}

/* GET with one bearer retry; the body goes to buf or file; md gets it too. */
static CT_RESULT fetch(struct client *cl, const struct ref *r, const char *kind,
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

static CT_RESULT valid_digest(const char *d)
{
	CT_ENSURE(d != NULL && strncmp(d, "sha256:", 7) == 0 &&
			  strspn(d + 7, "0123456789abcdef") == 64 && d[71] == '\0',
		  CT_ERR_PROTO, "registry: digest '%s': want sha256:<64 hex>", d != NULL ? d : "");
	return CT_OK;
}

static CT_RESULT pull(struct client *cl, const struct ref *r, const char *refstr,
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
	man = json_loadb((const char *)m.data, m.len, 0, NULL);
	CT_TRY_ENSURE(json_is_object(man), CT_ERR_PROTO, "registry: %s: manifest is not "
		      "a JSON object", refstr);
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
	if (json_object_get(man, "manifests") != NULL) {
		json_t *ms = json_object_get(man, "manifests"), *pick = NULL;
		const char *d;
		for (size_t i = 0; i < json_array_size(ms) && pick == NULL; i++) {
			json_t *pl = json_object_get(json_array_get(ms, i), "platform");
			if (json_is_string(json_object_get(pl, "os")) &&
			    strcmp(json_string_value(json_object_get(pl, "os")), "linux") == 0 &&
			    json_is_string(json_object_get(pl, "architecture")) &&
			    strcmp(json_string_value(json_object_get(pl, "architecture")), "amd64") == 0)
				pick = json_array_get(ms, i);
		}
		CT_TRY_ENSURE(pick != NULL, CT_ERR_USAGE, "registry: %s: no linux/amd64 "
			      "image", refstr);
		d = json_string_value(json_object_get(pick, "digest"));
		CT_TRY(valid_digest(d));
		CT_TRY(fetch(cl, r, "manifests", d, &m, NULL, CT_IMAGE_JSON_MAX, NULL));
		CT_TRY(sha256_hex(ct_buf_span(&m), got));
		CT_TRY_ENSURE(strcmp(got, d) == 0, CT_ERR_PROTO, "registry: %s: manifest %s "
			      "hashes to %s", refstr, d, got);
		CT_TRY(write_blob(dir, got, ct_buf_span(&m)));
		json_decref(man);
		man = json_loadb((const char *)m.data, m.len, 0, NULL);
		CT_TRY_ENSURE(json_is_object(man), CT_ERR_PROTO, "registry: %s: manifest "
			      "is not a JSON object", refstr);
	}
	{
		json_t *layers = json_object_get(man, "layers");
		const char *cd = json_string_value(json_object_get(
			json_object_get(man, "config"), "digest"));
		CT_TRY(valid_digest(cd));
		CT_TRY_ENSURE(json_array_size(layers) <= CT_IMAGE_LAYERS_MAX, CT_ERR_LIMIT,
			      "registry: %s: too many layers", refstr);
		CT_TRY(fetch(cl, r, "blobs", cd, &m, NULL, CT_IMAGE_JSON_MAX, NULL));
		CT_TRY(write_blob(dir, cd, ct_buf_span(&m)));
		for (size_t i = 0; i < json_array_size(layers); i++) {
			const char *ld = json_string_value(json_object_get(
				json_array_get(layers, i), "digest"));
			FILE *f;
			CT_TRY(valid_digest(ld));
			snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, ld + 7);
			f = fopen(path, "w+");
			CT_TRY_ENSURE(f != NULL, CT_ERR_IO, "registry: %s: %s", path,
				      strerror(errno));
			res = fetch(cl, r, "blobs", ld, NULL, f, CT_IMAGE_LAYER_MAX, NULL);
			if (fclose(f) != 0 && ct_ok(res))
				res = CT_FAIL(CT_ERR_IO, "registry: %s: write failed", path);
			CT_TRY(res);
		}
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
	struct ref r;
	struct client cl;
	char dir[] = "/tmp/ct-registry-XXXXXX", blobs[64];
	ct_result res = CT_OK;

	*out = NULL;
	CT_GUARD(parse_ref(ref, &r));
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
