/*
 * buf.c - borrowed spans and owned, size-capped buffers.
 *
 * Every ct_buf has a maximum size fixed when it is initialised; this is how
 * the project bounds memory per request and per parsed object. A failed
 * append leaves the buffer exactly as it was. Secret buffers never leave
 * old copies of their content behind in freed memory.
 */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ct_span ct_span_str(const char *s)
{
	return ct_span_make(s, strlen(s));
}

bool ct_span_eq(struct ct_span a, struct ct_span b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool ct_span_is_zero(struct ct_span s)
{
	for (size_t i = 0; i < s.len; i++)
		if (s.ptr[i] != 0)
			return false;
	return true;
}

void ct_buf_init(struct ct_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void ct_buf_init_secret(struct ct_buf *b, size_t max)
{
	ct_buf_init(b, max);
	b->secret = true;
}

void ct_buf_dispose(struct ct_buf *b)
{
	if (b->data != NULL && b->secret)
		ct_wipe(b->data, b->cap);
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void ct_buf_reset(struct ct_buf *b)
{
	if (b->data != NULL) {
		if (b->secret)
			ct_wipe(b->data, b->len);
		b->data[0] = '\0';
	}
	b->len = 0;
}

ct_result ct_buf_reserve(struct ct_buf *b, size_t extra)
{
	size_t need;
	CT_GUARD(ct_size_add(&need, b->len, extra));
	CT_ENSURE(need <= b->max, CT_ERR_LIMIT,
		  "buffer limit exceeded: need %zu bytes, maximum %zu", need,
		  b->max);
	if (need + 1 <= b->cap)
		return CT_OK;

	size_t cap = b->cap ? b->cap : 64;
	while (cap < need + 1)
		cap = cap > SIZE_MAX / 2 ? need + 1 : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;

	uint8_t *data;
	if (b->secret) {
		/* Never realloc a secret: the old block would keep a copy. */
		data = ct_alloc(cap);
		if (data == NULL)
			return (ct_result){ CT_ERR_NOMEM };
		if (b->data != NULL) {
			memcpy(data, b->data, b->len + 1);
			ct_wipe(b->data, b->cap);
			free(b->data);
		}
	} else {
		data = ct_realloc(b->data, cap);
		if (data == NULL)
			return (ct_result){ CT_ERR_NOMEM };
	}
	b->data = data;
	b->cap = cap;
	b->data[b->len] = '\0';
	return CT_OK;
}

ct_result ct_buf_append(struct ct_buf *b, const void *data, size_t len)
{
	CT_GUARD(ct_buf_reserve(b, len));
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return CT_OK;
}

ct_result ct_buf_append_span(struct ct_buf *b, struct ct_span s)
{
	return ct_buf_append(b, s.ptr, s.len);
}

ct_result ct_buf_append_byte(struct ct_buf *b, uint8_t c)
{
	return ct_buf_append(b, &c, 1);
}

ct_result ct_buf_append_str(struct ct_buf *b, const char *s)
{
	return ct_buf_append(b, s, strlen(s));
}

ct_result ct_buf_vprintf(struct ct_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	CT_ENSURE(n >= 0, CT_ERR_INTERNAL, "bad format string");
	CT_GUARD(ct_buf_reserve(b, (size_t)n));
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return CT_OK;
}

ct_result ct_buf_printf(struct ct_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ct_result r = ct_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

struct ct_span ct_buf_span(const struct ct_buf *b)
{
	return ct_span_make(b->data, b->len);
}

const char *ct_buf_cstr(const struct ct_buf *b)
{
	return b->data != NULL ? (const char *)b->data : "";
}

uint8_t *ct_buf_take(struct ct_buf *b, size_t *len_out)
{
	if (b->secret)
		abort(); /* a programming error, never input-driven */
	uint8_t *data = b->data;
	if (len_out != NULL)
		*len_out = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return data;
}
