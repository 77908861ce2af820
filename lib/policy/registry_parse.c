/*
 * registry_parse.c - the parsers behind registry.c: image references,
 * WWW-Authenticate Bearer challenges, token-service replies, manifests
 * and indexes (registry_parse.h). No network here: registry.c fetches,
 * these decide what the bytes mean, and fuzz/policy/registry_fuzz.c
 * feeds them arbitrary input.
 *
 * Trust: responses come from the registry and its token service, both
 * untrusted; references come from pod YAML. Every field is bounded by its
 * buffer, and a digest is checked for form (sha256:<64 hex>) before it
 * reaches a URL or a file name.
 */
#include "policy/registry_parse.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

CT_RESULT ct_registry_digest_check(const char *d)
{
	CT_ENSURE(d != NULL && strncmp(d, "sha256:", 7) == 0 &&
			  strspn(d + 7, "0123456789abcdef") == 64 && d[71] == '\0',
		  CT_ERR_PROTO, "registry: digest '%.80s': want sha256:<64 hex>",
		  d != NULL ? d : "");
	return CT_OK;
}

static bool only(const char *s, const char *allowed)
{
	return strspn(s, allowed) == strlen(s);
}

CT_RESULT ct_registry_ref_parse(const char *ref, struct ct_registry_ref *r)
{
	const char *slash = strchr(ref, '/'), *at;
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
		/* It becomes the authority of a URL: no userinfo, no path. */
		CT_ENSURE(only(r->host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789.-:[]"),
			  CT_ERR_USAGE, "registry: host '%s': invalid character", r->host);
		ref = slash + 1;
	} else {
		snprintf(r->host, sizeof(r->host), "registry-1.docker.io");
	}
	/* Searched after the host is split off, so `at` is never before ref. */
	at = strstr(ref, "@sha256:");
	snprintf(rest, sizeof(rest), "%.*s", at != NULL ? (int)(at - ref) : (int)strlen(ref), ref);
	if (at != NULL) {
		CT_ENSURE(strlen(at + 1) < sizeof(r->digest), CT_ERR_USAGE,
			  "registry: digest too long");
		snprintf(r->digest, sizeof(r->digest), "%s", at + 1);
		if (!ct_ok(ct_registry_digest_check(r->digest)))
			return CT_FAIL(CT_ERR_USAGE, "registry: reference '%.*s': digest "
				       "must be sha256:<64 hex>", 200, ref);
	}
	colon = strrchr(rest, ':');
	if (colon != NULL && strchr(colon, '/') == NULL) {
		*colon = '\0';
		CT_ENSURE(strlen(colon + 1) < sizeof(r->tag), CT_ERR_LIMIT,
			  "registry: tag too long");
		snprintf(r->tag, sizeof(r->tag), "%.127s", colon + 1);
	} else if (at == NULL) {
		snprintf(r->tag, sizeof(r->tag), "latest");
	}
	CT_ENSURE(strlen(rest) + 8 < sizeof(r->repo), CT_ERR_LIMIT,
		  "registry: repository too long");
	if (strcmp(r->host, "registry-1.docker.io") == 0 && strchr(rest, '/') == NULL)
		snprintf(r->repo, sizeof(r->repo), "library/%.240s", rest);
	else
		snprintf(r->repo, sizeof(r->repo), "%.250s", rest);
	CT_ENSURE(r->repo[0] != '\0', CT_ERR_USAGE, "registry: reference without a repository");
	CT_ENSURE(only(r->repo, "abcdefghijklmnopqrstuvwxyz0123456789._-/"), CT_ERR_USAGE,
		  "registry: repository '%s': invalid character", r->repo);
	CT_ENSURE(only(r->tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789._-"),
		  CT_ERR_USAGE, "registry: tag '%s': invalid character", r->tag);
	return CT_OK;
}

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

CT_RESULT ct_registry_challenge_parse(const char *h, struct ct_registry_challenge *c)
{
	memset(c, 0, sizeof(*c));
	CT_ENSURE(strncasecmp(h + strspn(h, " "), "Bearer ", 7) == 0 &&
			  challenge_param(h, "realm", c->realm, sizeof(c->realm)),
		  CT_ERR_PROTO, "registry: unsupported auth challenge '%.200s'", h);
	if (!challenge_param(h, "service", c->service, sizeof(c->service)))
		c->service[0] = '\0';
	if (!challenge_param(h, "scope", c->scope, sizeof(c->scope)))
		c->scope[0] = '\0';
	CT_ENSURE(strncmp(c->realm, "https://", 8) == 0 || strncmp(c->realm, "http://", 7) == 0,
		  CT_ERR_PROTO, "registry: token realm '%.200s' is not http(s)", c->realm);
	return CT_OK;
}

CT_RESULT ct_registry_token_parse(struct ct_span body, char *token, size_t cap)
{
	ct_result res = CT_OK;
	json_error_t jerr;
	json_t *j = json_loadb((const char *)body.ptr, body.len, 0, &jerr), *t;
	const char *s;

	t = json_object_get(j, "token");
	if (!json_is_string(t))
		t = json_object_get(j, "access_token");
	s = json_string_value(t);
	/* It goes into an Authorization header: b64token-like characters. */
	CT_TRY_ENSURE(s != NULL && s[0] != '\0' && json_string_length(t) < cap &&
			      strlen(s) == json_string_length(t) &&
			      only(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789-._~+/=!#$%&'*^`|"),
		      CT_ERR_PROTO, "registry: token service reply: no usable token");
	snprintf(token, cap, "%s", s);
out:
	json_decref(j);
	return res;
}

CT_RESULT ct_registry_manifest_parse(struct ct_span body, json_t **out)
{
	json_error_t jerr;
	json_t *j = json_loadb((const char *)body.ptr, body.len, 0, &jerr);
	if (!json_is_object(j)) {
		json_decref(j);
		return CT_FAIL(CT_ERR_PROTO, "registry: manifest is not a JSON object");
	}
	*out = j;
	return CT_OK;
}

bool ct_registry_manifest_is_index(const json_t *doc)
{
	return json_object_get(doc, "manifests") != NULL;
}

static bool str_is(const json_t *o, const char *key, const char *want)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s != NULL && strcmp(s, want) == 0;
}

CT_RESULT ct_registry_index_pick(const json_t *index, const char **digest)
{
	const json_t *ms = json_object_get(index, "manifests"), *pick = NULL;
	for (size_t i = 0; i < json_array_size(ms) && pick == NULL; i++) {
		const json_t *pl = json_object_get(json_array_get(ms, i), "platform");
		if (str_is(pl, "os", "linux") && str_is(pl, "architecture", "amd64"))
			pick = json_array_get(ms, i);
	}
	CT_ENSURE(pick != NULL, CT_ERR_USAGE, "registry: no linux/amd64 image in the index");
	*digest = json_string_value(json_object_get(pick, "digest"));
	return ct_registry_digest_check(*digest);
}

CT_RESULT ct_registry_manifest_blobs(const json_t *man, struct ct_registry_blobs *out)
{
	const json_t *layers = json_object_get(man, "layers");

	memset(out, 0, sizeof(*out));
	out->config = json_string_value(json_object_get(json_object_get(man, "config"),
							"digest"));
	CT_GUARD(ct_registry_digest_check(out->config));
	CT_ENSURE(json_array_size(layers) <= CT_IMAGE_LAYERS_MAX, CT_ERR_LIMIT,
		  "registry: %zu layers, at most %d", json_array_size(layers),
		  CT_IMAGE_LAYERS_MAX);
	for (size_t i = 0; i < json_array_size(layers); i++) {
		const char *d = json_string_value(json_object_get(json_array_get(layers, i),
								  "digest"));
		CT_GUARD(ct_registry_digest_check(d));
		out->layers[out->n_layers++] = d;
	}
	return CT_OK;
}
