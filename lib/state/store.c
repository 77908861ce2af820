/*
 * store.c - the store interface: key validation and the wrappers every
 * caller goes through, so that each backend sees only well-formed keys
 * and bounded values.
 *
 * Trust boundary: keys come from our own code (hex of hashes and fixed
 * directory names), but the wrappers still refuse anything that is not
 * "<dir>/<name>" with [A-Za-z0-9-] parts, so no key can name a path
 * outside the store ("..", "/", NUL) whatever a backend does with it.
 */
#include <string.h>

#include "state/state.h"

static bool part_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

bool ct_state_key_valid(const char *key)
{
	if (key == NULL)
		return false;
	size_t len = strnlen(key, CT_STATE_KEY_MAX + 1);
	if (len == 0 || len > CT_STATE_KEY_MAX)
		return false;
	size_t slashes = 0, part_len = 0;
	for (size_t i = 0; i < len; i++) {
		if (key[i] == '/') {
			if (part_len == 0)
				return false;
			slashes++;
			part_len = 0;
			continue;
		}
		if (!part_char(key[i]))
			return false;
		part_len++;
	}
	return slashes == 1 && part_len > 0;
}

static ct_result check_key(const char *key)
{
	CT_ENSURE(ct_state_key_valid(key), CT_ERR_USAGE,
		  "state: invalid key \"%.*s\" (want <dir>/<name> of "
		  "[A-Za-z0-9-])",
		  key == NULL ? 0 : 64, key == NULL ? "" : key);
	return CT_OK;
}

void ct_state_store_free(struct ct_state_store *s)
{
	if (s != NULL && s->ops != NULL && s->ops->free != NULL)
		s->ops->free(s);
}

ct_result ct_state_store_get(struct ct_state_store *s, const char *key,
			     struct ct_buf *out, bool *found)
{
	CT_ENSURE(s != NULL && out != NULL && found != NULL, CT_ERR_USAGE,
		  "state: get: missing argument");
	CT_GUARD(check_key(key));
	*found = false;
	return s->ops->get(s, key, out, found);
}

ct_result ct_state_store_put(struct ct_state_store *s, const char *key,
			     struct ct_span value)
{
	CT_ENSURE(s != NULL, CT_ERR_USAGE, "state: put: missing store");
	CT_GUARD(check_key(key));
	CT_ENSURE(strcmp(key, CT_STATE_KEY_LATEST) != 0, CT_ERR_USAGE,
		  "state: put: %s moves only by compare-and-swap", key);
	CT_ENSURE(value.len <= CT_STATE_OBJECT_MAX_BYTES, CT_ERR_LIMIT,
		  "state: put %s: %zu bytes exceed the limit of %u", key,
		  value.len, CT_STATE_OBJECT_MAX_BYTES);
	return s->ops->put(s, key, value);
}

ct_result ct_state_store_cas(struct ct_state_store *s, const char *key,
			     const struct ct_span *old, struct ct_span next)
{
	CT_ENSURE(s != NULL, CT_ERR_USAGE, "state: cas: missing store");
	CT_GUARD(check_key(key));
	CT_ENSURE(next.len <= CT_STATE_OBJECT_MAX_BYTES &&
			  (old == NULL || old->len <= CT_STATE_OBJECT_MAX_BYTES),
		  CT_ERR_LIMIT, "state: cas %s: value exceeds the limit of %u",
		  key, CT_STATE_OBJECT_MAX_BYTES);
	return s->ops->cas(s, key, old, next);
}
