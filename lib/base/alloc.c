/*
 * alloc.c - allocation, wiping and overflow-checked size arithmetic.
 *
 * All heap allocation in the project goes through these wrappers so that a
 * failure is always recorded as CT_ERR_NOMEM with a location, and so that
 * size computations never wrap silently.
 */
#include "base/base.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ct_result ct_size_add(size_t *out, size_t a, size_t b)
{
	size_t r;
	CT_ENSURE(!__builtin_add_overflow(a, b, &r), CT_ERR_LIMIT,
		  "size overflow: %zu + %zu", a, b);
	*out = r;
	return CT_OK;
}

ct_result ct_size_mul(size_t *out, size_t a, size_t b)
{
	size_t r;
	CT_ENSURE(!__builtin_mul_overflow(a, b, &r), CT_ERR_LIMIT,
		  "size overflow: %zu * %zu", a, b);
	*out = r;
	return CT_OK;
}

void *ct_alloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p == NULL)
		CT_RECORD(CT_ERR_NOMEM, "out of memory allocating %zu bytes",
			      size);
	return p;
}

void *ct_calloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (p == NULL)
		CT_RECORD(CT_ERR_NOMEM,
			      "out of memory allocating %zu x %zu bytes", count,
			      size);
	return p;
}

void *ct_realloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	if (p == NULL)
		CT_RECORD(CT_ERR_NOMEM,
			      "out of memory reallocating %zu bytes", size);
	return p;
}

char *ct_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = ct_alloc(len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *ct_strdup(const char *s) { return ct_strndup(s, strlen(s)); }

char *ct_aprintf(const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = NULL;
	if (n >= 0 && (p = ct_alloc((size_t)n + 1)) != NULL)
		vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

void ct_wipe(void *ptr, size_t len)
{
	if (ptr != NULL && len > 0)
		OPENSSL_cleanse(ptr, len);
}

bool ct_memeq_secret(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}
