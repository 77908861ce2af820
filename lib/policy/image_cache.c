/*
 * image_cache.c - where image facts come from: a cache file (JSON,
 * {"version": 1, "images": {REF: facts}}) consulted first, then the OCI
 * layout directory. Facts found in the store are added to the cache, which
 * ct_image_source_save writes back atomically, so a second run needs
 * neither the store nor a registry.
 *
 * Trust: the cache is the user's file; it is bounded, its records must
 * have the facts' shape, and a record only answers for the exact
 * reference it was stored under. A digest-pinned reference answers only
 * from a record whose digest matches the pin.
 */
#include "policy/policy.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CACHE_MAX ((size_t)64 << 20)

struct ct_image_source {
	char *store;
	char *cache_path;
	json_t *images; /* ref -> facts */
	bool dirty;
	bool registry;
	char *plain_http;
};

CT_RESULT ct_image_source_set_registry(struct ct_image_source *s, bool on,
				       const char *plain_http_hosts)
{
	free(s->plain_http);
	s->plain_http = NULL;
	s->registry = on;
	if (plain_http_hosts != NULL) {
		s->plain_http = ct_strdup(plain_http_hosts);
		CT_ENSURE(s->plain_http != NULL, CT_ERR_NOMEM, "out of memory");
	}
	return CT_OK;
}

CT_RESULT ct_image_source_new(const char *store_dir, const char *cache_path,
			      struct ct_image_source **out)
{
	struct ct_image_source *s = ct_calloc(1, sizeof(*s));
	struct ct_buf b;
	ct_result res = CT_OK;

	CT_ENSURE(s != NULL, CT_ERR_NOMEM, "image source: out of memory");
	ct_buf_init(&b, CACHE_MAX);
	s->images = json_object();
	s->store = store_dir != NULL ? ct_strdup(store_dir) : NULL;
	s->cache_path = cache_path != NULL ? ct_strdup(cache_path) : NULL;
	CT_TRY_ENSURE(s->images != NULL && (store_dir == NULL || s->store != NULL) &&
			      (cache_path == NULL || s->cache_path != NULL),
		      CT_ERR_NOMEM, "image source: out of memory");
	if (cache_path != NULL && access(cache_path, F_OK) == 0) {
		json_error_t jerr;
		json_t *root, *imgs;
		CT_TRY(ct_file_read(&b, cache_path, CACHE_MAX));
		root = json_loadb((const char *)b.data, b.len, 0, &jerr);
		imgs = json_object_get(root, "images");
		if (!json_is_object(imgs) ||
		    json_integer_value(json_object_get(root, "version")) != 1) {
			json_decref(root);
			CT_TRY(CT_FAIL(CT_ERR_PROTO, "image cache: %s: want "
				       "{\"version\": 1, \"images\": {...}}%s%s",
				       cache_path, root == NULL ? ": " : "",
				       root == NULL ? jerr.text : ""));
		}
		json_decref(s->images);
		s->images = json_incref(imgs);
		json_decref(root);
	}
	*out = s;
	s = NULL;
out:
	ct_buf_dispose(&b);
	ct_image_source_free(s);
	return res;
}

void ct_image_source_free(struct ct_image_source *s)
{
	if (s == NULL)
		return;
	json_decref(s->images);
	free(s->store);
	free(s->cache_path);
	free(s->plain_http);
	free(s);
}

static bool facts_valid(const json_t *f)
{
	static const char *const strs[] = { "ref", "digest", "User",
					    "WorkingDir", NULL };
	for (size_t i = 0; strs[i] != NULL; i++)
		if (!json_is_string(json_object_get(f, strs[i])))
			return false;
	return json_is_array(json_object_get(f, "Volumes")) &&
	       json_is_boolean(json_object_get(f, "Tty"));
}

CT_RESULT ct_image_lookup(struct ct_image_source *s, const char *ref,
			  json_t **out)
{
	json_t *f = json_object_get(s->images, ref);
	const char *at = strstr(ref, "@sha256:");

	if (f != NULL) {
		CT_ENSURE(facts_valid(f), CT_ERR_PROTO,
			  "image cache: %s: record for %s is malformed",
			  s->cache_path != NULL ? s->cache_path : "(memory)", ref);
		/* A pinned reference needs a record of that digest, unless
		 * there is nowhere else to look (then the store's warning
		 * was given when the record was made). */
		if (at == NULL ||
		    strcmp(json_string_value(json_object_get(f, "digest")),
			   at + 1) == 0 ||
		    (s->store == NULL && !s->registry)) {
			*out = json_incref(f);
			return CT_OK;
		}
	}
	f = NULL;
	CT_ENSURE(s->store != NULL || s->registry, CT_ERR_USAGE,
		  "image %s: not in the cache, and neither --image-store nor "
		  "--registry given", ref);
	if (s->store != NULL) {
		ct_result r = ct_image_store_read(s->store, ref, &f);
		if (!ct_ok(r) && (!s->registry || ct_error_category() != CT_ERR_USAGE))
			return r;
		if (!ct_ok(r))
			ct_error_clear();
	}
	if (f == NULL)
		CT_GUARD(ct_registry_pull(ref, s->plain_http, &f));
	if (json_object_set(s->images, ref, f) != 0) {
		json_decref(f);
		CT_BAIL(CT_ERR_NOMEM, "image cache: out of memory");
	}
	s->dirty = true;
	*out = f;
	return CT_OK;
}

CT_RESULT ct_image_source_save(struct ct_image_source *s)
{
	json_t *root;
	char *text;
	ct_result r;

	if (s->cache_path == NULL || !s->dirty)
		return CT_OK;
	root = json_pack("{s:i, s:O}", "version", 1, "images", s->images);
	CT_ENSURE(root != NULL, CT_ERR_NOMEM, "image cache: out of memory");
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(root);
	CT_ENSURE(text != NULL, CT_ERR_NOMEM, "image cache: out of memory");
	r = ct_file_write_atomic(s->cache_path, ct_span_str(text), 0644);
	free(text);
	CT_GUARD(r);
	s->dirty = false;
	return CT_OK;
}
