/*
 * history_fuzz.c - fuzzes the history's reading of stored bytes through
 * an in-memory store backend (which also exercises the store vtable).
 *
 * Input: byte 0 = length L of the transitions/latest value, then L bytes
 * of it, then the rest split in 64-byte-or-shorter chunks, each stored
 * as a transition and as a manifest object under its own SHA-256 (so
 * chains can form).
 * The head is read unverified and walked with a small bound: every
 * outcome must be a clean result.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "state/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM_MAX 64

struct mem_store {
	struct ct_state_store base;
	char keys[MEM_MAX][CT_STATE_KEY_MAX + 1];
	struct ct_span vals[MEM_MAX];
	size_t n;
};

static ct_result mem_get(struct ct_state_store *s, const char *key,
			 struct ct_buf *out, bool *found)
{
	struct mem_store *m = (struct mem_store *)s;
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0) {
			*found = true;
			return ct_buf_append_span(out, m->vals[i]);
		}
	*found = false;
	return CT_OK;
}

static ct_result mem_set(struct mem_store *m, const char *key,
			 struct ct_span v)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0) {
			m->vals[i] = v;
			return CT_OK;
		}
	if (m->n == MEM_MAX)
		return CT_FAIL(CT_ERR_LIMIT, "mem store full");
	snprintf(m->keys[m->n], sizeof(m->keys[m->n]), "%s", key);
	m->vals[m->n++] = v;
	return CT_OK;
}

static ct_result mem_put(struct ct_state_store *s, const char *key,
			 struct ct_span v)
{
	(void)s;
	(void)key;
	(void)v;
	return CT_FAIL(CT_ERR_USAGE, "read-only");
}

static ct_result mem_cas(struct ct_state_store *s, const char *key,
			 const struct ct_span *old, struct ct_span next)
{
	(void)s;
	(void)key;
	(void)old;
	(void)next;
	return CT_FAIL(CT_ERR_USAGE, "read-only");
}

static void mem_free(struct ct_state_store *s) { (void)s; }

static const struct ct_state_store_ops mem_ops = {
	"mem", mem_get, mem_put, mem_cas, mem_free,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct mem_store *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return 0;
	m->base.ops = &mem_ops;
	size_t l = data[0];
	if (l > size - 1)
		l = size - 1;
	(void)mem_set(m, CT_STATE_KEY_LATEST, ct_span_make(data + 1, l));
	for (size_t off = 1 + l; off < size;) {
		size_t n = size - off < 64 ? size - off : 64;
		uint8_t h[CT_SHA256_LEN];
		char hex[2 * CT_SHA256_LEN + 1], key[CT_STATE_KEY_MAX + 1];
		if (!ct_ok(ct_sha256(h, ct_span_make(data + off, n))))
			break;
		ct_hex_format(hex, h, sizeof(h));
		/* Each chunk is both a transition and a manifest object. */
		snprintf(key, sizeof(key), "transitions/%s", hex);
		(void)mem_set(m, key, ct_span_make(data + off, n));
		snprintf(key, sizeof(key), "manifests/%s", hex);
		(void)mem_set(m, key, ct_span_make(data + off, n));
		off += n;
	}
	struct ct_history_latest head;
	bool found = false;
	if (ct_ok(ct_history_get_latest(&m->base, NULL, &head, &found)) &&
	    found) {
		if (head.sig_len == 0 || head.sig_len > CT_STATE_SIG_MAX)
			abort();
		struct ct_history_entry *v = NULL;
		size_t n = 0;
		if (ct_ok(ct_history_walk(&m->base, head.transition, 8, &v, &n)) &&
		    (n == 0 || n > 8))
			abort();
		free(v);
	}
	ct_error_clear();
	ct_state_store_free(&m->base);
	free(m);
	return 0;
}
