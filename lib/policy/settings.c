/*
 * settings.c - generator settings: the platform-specific parts of a policy
 * (pause container, default mounts, capabilities, sysctls, emptyDir
 * storages, request defaults). Defaults for Kata on SEV-SNP with guest
 * pull are embedded from lib/policy/settings-default.json; a settings file
 * (docs/generate.md) is a JSON object merged over them: objects merge key
 * by key, every other value replaces the default.
 *
 * Trust: settings are the user's input and shape the policy; they are
 * size-bounded, must be a JSON object with "version": 1, and are otherwise
 * taken as written.
 */
#include "policy/policy.h"

#include <stdlib.h>
#include <string.h>

#define MERGE_DEPTH_MAX 16

static CT_RESULT merge(json_t *dst, json_t *src, int depth, const char *path)
{
	const char *key;
	json_t *v;

	CT_ENSURE(depth < MERGE_DEPTH_MAX, CT_ERR_LIMIT,
		  "settings: %s: nested deeper than %d", path, MERGE_DEPTH_MAX);
	json_object_foreach(src, key, v) {
		json_t *d = json_object_get(dst, key);
		if (json_is_object(d) && json_is_object(v)) {
			CT_GUARD(merge(d, v, depth + 1, key));
			continue;
		}
		CT_ENSURE(json_object_set(dst, key, v) == 0, CT_ERR_NOMEM,
			  "settings: out of memory");
	}
	return CT_OK;
}

CT_RESULT ct_policy_settings_load(const char *path, json_t **out)
{
	size_t len;
	const char *text = ct_policy_settings_default(&len);
	json_error_t jerr;
	json_t *def, *user = NULL;
	struct ct_buf b;
	ct_result res = CT_OK;

	def = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	CT_ENSURE(json_is_object(def), CT_ERR_INTERNAL,
		  "settings: embedded defaults: %s", jerr.text);
	ct_buf_init(&b, CT_POLICY_SETTINGS_MAX);
	if (path != NULL) {
		json_t *ver;
		CT_TRY(ct_file_read(&b, path, CT_POLICY_SETTINGS_MAX));
		user = json_loadb((const char *)b.data, b.len,
				  JSON_REJECT_DUPLICATES, &jerr);
		CT_TRY_ENSURE(user != NULL, CT_ERR_PROTO,
			      "settings: %s: line %d: %s", path, jerr.line,
			      jerr.text);
		CT_TRY_ENSURE(json_is_object(user), CT_ERR_PROTO,
			      "settings: %s: want a JSON object", path);
		ver = json_object_get(user, "version");
		CT_TRY_ENSURE(json_is_integer(ver) && json_integer_value(ver) == 1,
			      CT_ERR_PROTO, "settings: %s: version: want 1",
			      path);
		CT_TRY(merge(def, user, 0, "(top)"));
	}
	*out = def;
	def = NULL;
out:
	json_decref(def);
	json_decref(user);
	ct_buf_dispose(&b);
	return res;
}
