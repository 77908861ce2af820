/*
 * json_util.c - path-aware accessors over jansson values for lib/manifest.
 *
 * The manifest is untrusted input; these helpers make every type, range
 * and length check produce a message that starts with the JSON path of the
 * offending value, so that a user can find and fix it.
 */
#include "manifest/json_util.h"

#include <stdio.h>
#include <string.h>

ct_result ct_mj_fail(const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return CT_FAIL(CT_ERR_PROTO, "%s: %s", path, msg);
}

void ct_mj_path(char out[CT_MJ_PATH_MAX], const char *parent, const char *key,
		size_t index)
{
	if (key == NULL)
		snprintf(out, CT_MJ_PATH_MAX, "%s[%zu]", parent, index);
	else if (parent[0] == '\0')
		snprintf(out, CT_MJ_PATH_MAX, "%s", key);
	else
		snprintf(out, CT_MJ_PATH_MAX, "%s.%s", parent, key);
}

ct_result ct_mj_known_keys(json_t *obj, const char *path,
			   const char *const *known)
{
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		bool ok = false;
		for (size_t i = 0; known[i] != NULL && !ok; i++)
			ok = strcmp(key, known[i]) == 0;
		if (!ok) {
			char p[CT_MJ_PATH_MAX];
			char shown[65];
			/* Keys are attacker-chosen: show a bounded, safe prefix. */
			size_t n = 0;
			for (; key[n] != '\0' && n < 64; n++)
				shown[n] = (key[n] >= 0x20 && key[n] < 0x7f) ?
						   key[n] : '?';
			shown[n] = '\0';
			ct_mj_path(p, path, shown, 0);
			return ct_mj_fail(p, "unknown field");
		}
	}
	return CT_OK;
}

ct_result ct_mj_member(json_t *obj, const char *path, const char *key,
		       bool required, json_t **out)
{
	char p[CT_MJ_PATH_MAX];
	json_t *v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v)) {
		ct_mj_path(p, path, key, 0);
		if (required)
			return ct_mj_fail(p, "missing");
		*out = NULL;
		return CT_OK;
	}
	*out = v;
	return CT_OK;
}

ct_result ct_mj_string(json_t *obj, const char *path, const char *key,
		       bool required, size_t max_len, const char **out)
{
	char p[CT_MJ_PATH_MAX];
	json_t *v;
	CT_GUARD(ct_mj_member(obj, path, key, required, &v));
	*out = NULL;
	if (v == NULL)
		return CT_OK;
	ct_mj_path(p, path, key, 0);
	if (!json_is_string(v))
		return ct_mj_fail(p, "must be a string");
	if (json_string_length(v) > max_len)
		return ct_mj_fail(p, "longer than %zu bytes", max_len);
	*out = json_string_value(v);
	return CT_OK;
}

ct_result ct_mj_uint(json_t *obj, const char *path, const char *key,
		     bool required, uint64_t max, uint64_t *out, bool *present)
{
	char p[CT_MJ_PATH_MAX];
	json_t *v;
	CT_GUARD(ct_mj_member(obj, path, key, required, &v));
	if (present != NULL)
		*present = v != NULL;
	*out = 0;
	if (v == NULL)
		return CT_OK;
	ct_mj_path(p, path, key, 0);
	if (!json_is_integer(v))
		return ct_mj_fail(p, "must be an integer");
	json_int_t n = json_integer_value(v);
	if (n < 0 || (uint64_t)n > max)
		return ct_mj_fail(p, "%lld out of range 0..%llu", (long long)n,
				  (unsigned long long)max);
	*out = (uint64_t)n;
	return CT_OK;
}

ct_result ct_mj_bool(json_t *obj, const char *path, const char *key, bool *out)
{
	char p[CT_MJ_PATH_MAX];
	json_t *v;
	CT_GUARD(ct_mj_member(obj, path, key, false, &v));
	*out = false;
	if (v == NULL)
		return CT_OK;
	ct_mj_path(p, path, key, 0);
	if (!json_is_boolean(v))
		return ct_mj_fail(p, "must be true or false");
	*out = json_is_true(v);
	return CT_OK;
}

ct_result ct_mj_array(json_t *obj, const char *path, const char *key,
		      size_t max, json_t **out)
{
	char p[CT_MJ_PATH_MAX];
	json_t *v;
	CT_GUARD(ct_mj_member(obj, path, key, false, &v));
	*out = NULL;
	if (v == NULL)
		return CT_OK;
	ct_mj_path(p, path, key, 0);
	if (!json_is_array(v))
		return ct_mj_fail(p, "must be an array");
	if (json_array_size(v) > max)
		return CT_FAIL(CT_ERR_LIMIT, "%s: more than %zu entries", p,
			       max);
	*out = v;
	return CT_OK;
}

ct_result ct_mj_hex_fixed(const char *path, const char *hex, uint8_t *out,
			  size_t len)
{
	size_t n = strlen(hex);
	if (n != 2 * len)
		return ct_mj_fail(path, "want %zu hex characters, got %zu",
				  2 * len, n);
	for (size_t i = 0; i < n; i++) {
		char c = hex[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return ct_mj_fail(path,
					  "not lowercase hex at offset %zu", i);
	}
	if (!ct_ok(ct_hex_decode_fixed(out, len, hex)))
		return ct_mj_fail(path, "not hex");
	return CT_OK;
}

bool ct_mj_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}
