/*
 * json_util.h - small, path-aware accessors over jansson values, private to
 * lib/manifest. Every failure is CT_ERR_PROTO with the JSON path first.
 */
#ifndef CT_MANIFEST_JSON_UTIL_H
#define CT_MANIFEST_JSON_UTIL_H

#include <jansson.h>

#include "base/base.h"

#define CT_MJ_PATH_MAX 192

/* Fails with "<path>: <message>". */
CT_RESULT ct_mj_fail(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Writes "<parent>.<key>" (or "<parent>[<i>]" with key NULL) into out. */
void ct_mj_path(char out[CT_MJ_PATH_MAX], const char *parent,
		const char *key, size_t index);
/* Refuses any key of obj not listed in the NULL-terminated `known`. */
CT_RESULT ct_mj_known_keys(json_t *obj, const char *path,
			   const char *const *known);
/* Object member `key`: missing (or null when !required) gives *out NULL. */
CT_RESULT ct_mj_member(json_t *obj, const char *path, const char *key,
		       bool required, json_t **out);
CT_RESULT ct_mj_string(json_t *obj, const char *path, const char *key,
		       bool required, size_t max_len, const char **out);
CT_RESULT ct_mj_uint(json_t *obj, const char *path, const char *key,
		     bool required, uint64_t max, uint64_t *out,
		     bool *present);
CT_RESULT ct_mj_bool(json_t *obj, const char *path, const char *key,
		     bool *out);
/* Array member (null or missing = empty) with at most max elements. */
CT_RESULT ct_mj_array(json_t *obj, const char *path, const char *key,
		      size_t max, json_t **out);
/* Lowercase hex of exactly len bytes. */
CT_RESULT ct_mj_hex_fixed(const char *path, const char *hex, uint8_t *out,
			  size_t len);
/* Printable ASCII (0x20..0x7e) only. */
bool ct_mj_printable(const char *s);

#endif
