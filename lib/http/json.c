/*
 * json.c - bounded JSON decoding of request bodies and JSON replies.
 *
 * Request bodies are untrusted: the dispatcher has already capped their
 * size; here the parse refuses duplicate keys, NUL in strings, trailing
 * bytes and nesting deeper than CT_HTTP_JSON_DEPTH_MAX, and the getters
 * check type, length and encoding of each member, naming the member in
 * every error ("nonce: not valid base64").
 */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

static CT_RESULT check_depth(const json_t *v, unsigned depth)
{
	CT_ENSURE(depth <= CT_HTTP_JSON_DEPTH_MAX, CT_ERR_LIMIT,
		  "json: nesting deeper than %u", CT_HTTP_JSON_DEPTH_MAX);
	if (json_is_object(v)) {
		const char *k;
		json_t *m;
		json_object_foreach((json_t *)v, k, m)
			CT_GUARD(check_depth(m, depth + 1));
	} else if (json_is_array(v)) {
		size_t i;
		json_t *m;
		json_array_foreach(v, i, m)
			CT_GUARD(check_depth(m, depth + 1));
	}
	return CT_OK;
}

CT_RESULT ct_http_json_parse(struct ct_span body, json_t **out)
{
	json_error_t jerr;
	CT_ENSURE(body.len > 0, CT_ERR_PROTO, "json: empty body");
	json_t *v = json_loadb((const char *)body.ptr, body.len,
			       JSON_REJECT_DUPLICATES, &jerr);
	CT_ENSURE(v != NULL, CT_ERR_PROTO, "json: %s at line %d column %d",
		  jerr.text, jerr.line, jerr.column);
	if (!json_is_object(v)) {
		json_decref(v);
		CT_BAIL(CT_ERR_PROTO, "json: body must be an object");
	}
	ct_result res = check_depth(v, 1);
	if (!ct_ok(res)) {
		json_decref(v);
		return res;
	}
	*out = v;
	return CT_OK;
}

CT_RESULT ct_http_json_only_keys(const json_t *obj, const char *const *allowed)
{
	const char *k;
	json_t *m;
	json_object_foreach((json_t *)obj, k, m) {
		bool ok = false;
		for (size_t i = 0; allowed[i] != NULL && !ok; i++)
			ok = strcmp(allowed[i], k) == 0;
		CT_ENSURE(ok, CT_ERR_PROTO, "json: unknown field \"%.64s\"", k);
	}
	return CT_OK;
}

CT_RESULT ct_http_json_string(const json_t *obj, const char *key,
			      size_t max_len, const char **out)
{
	const json_t *v = json_object_get(obj, key);
	CT_ENSURE(v != NULL, CT_ERR_PROTO, "%s: missing", key);
	CT_ENSURE(json_is_string(v), CT_ERR_PROTO, "%s: must be a string", key);
	CT_ENSURE(json_string_length(v) <= max_len, CT_ERR_LIMIT,
		  "%s: %zu bytes exceed the limit of %zu", key,
		  json_string_length(v), max_len);
	*out = json_string_value(v);
	return CT_OK;
}

CT_RESULT ct_http_json_base64(const json_t *obj, const char *key,
			      struct ct_buf *out)
{
	const char *s;
	CT_GUARD(ct_http_json_string(obj, key, CT_HTTP_JSON_STRING_MAX, &s));
	if (!ct_ok(ct_base64_decode(out, s, strlen(s))))
		return ct_error_prefix("%s: not valid base64", key);
	return CT_OK;
}

CT_RESULT ct_http_json_hex(const json_t *obj, const char *key,
			   struct ct_buf *out)
{
	const char *s;
	CT_GUARD(ct_http_json_string(obj, key, CT_HTTP_JSON_STRING_MAX, &s));
	if (!ct_ok(ct_hex_decode(out, s, strlen(s))))
		return ct_error_prefix("%s: not valid hex", key);
	return CT_OK;
}

CT_RESULT ct_http_json_bool(const json_t *obj, const char *key, bool dflt,
			    bool *out)
{
	const json_t *v = json_object_get(obj, key);
	if (v == NULL) {
		*out = dflt;
		return CT_OK;
	}
	CT_ENSURE(json_is_boolean(v), CT_ERR_PROTO, "%s: must be a boolean", key);
	*out = json_is_true(v);
	return CT_OK;
}

CT_RESULT ct_http_reply_json(struct ct_http_response *resp, int status,
			     const json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT);
	CT_ENSURE(text != NULL, CT_ERR_NOMEM, "json: cannot encode the reply");
	ct_buf_reset(&resp->body);
	ct_result res = ct_buf_append_str(&resp->body, text);
	free(text);
	CT_GUARD(res);
	resp->status = status != 0 ? status : 200;
	resp->content_type = "application/json";
	return CT_OK;
}

CT_RESULT ct_http_json_set_base64(json_t *obj, const char *key,
				  struct ct_span s)
{
	struct ct_buf b;
	size_t cap;
	CT_GUARD(ct_size_mul(&cap, s.len / 3 + 2, 4));
	ct_buf_init(&b, cap + 1);
	ct_result res = ct_base64_encode(&b, s);
	if (ct_ok(res) && json_object_set_new(obj, key,
					      json_string(ct_buf_cstr(&b))) != 0)
		res = CT_FAIL(CT_ERR_NOMEM, "json: cannot set %s", key);
	ct_buf_dispose(&b);
	return res;
}
