/*
 * reader.c - a cursor over untrusted bytes.
 *
 * The one way the project reads binary input (reports, certificate tables,
 * wire messages). Each read checks the remaining length before touching
 * memory, and a failed read neither moves the cursor nor writes the output,
 * so a parser can report exactly where input ended early.
 */
#include "base/base.h"

#include <string.h>

void ct_reader_init(struct ct_reader *r, struct ct_span s)
{
	r->ptr = s.ptr;
	r->len = s.len;
	r->off = 0;
}

size_t ct_reader_remaining(const struct ct_reader *r) { return r->len - r->off; }

static ct_result need(const struct ct_reader *r, size_t n)
{
	CT_ENSURE(n <= ct_reader_remaining(r), CT_ERR_PROTO,
		  "truncated input: need %zu bytes at offset %zu, have %zu", n,
		  r->off, ct_reader_remaining(r));
	return CT_OK;
}

uint16_t ct_load_u16le(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

uint32_t ct_load_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint64_t ct_load_u64le(const uint8_t *p)
{
	return (uint64_t)ct_load_u32le(p) | (uint64_t)ct_load_u32le(p + 4) << 32;
}

void ct_store_u16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void ct_store_u32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void ct_store_u64le(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t load_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

ct_result ct_reader_u8(struct ct_reader *r, uint8_t *out)
{
	CT_GUARD(need(r, 1));
	*out = r->ptr[r->off++];
	return CT_OK;
}

ct_result ct_reader_u16le(struct ct_reader *r, uint16_t *out)
{
	CT_GUARD(need(r, 2));
	*out = ct_load_u16le(r->ptr + r->off);
	r->off += 2;
	return CT_OK;
}

ct_result ct_reader_u32le(struct ct_reader *r, uint32_t *out)
{
	CT_GUARD(need(r, 4));
	*out = ct_load_u32le(r->ptr + r->off);
	r->off += 4;
	return CT_OK;
}

ct_result ct_reader_u64le(struct ct_reader *r, uint64_t *out)
{
	CT_GUARD(need(r, 8));
	*out = ct_load_u64le(r->ptr + r->off);
	r->off += 8;
	return CT_OK;
}

ct_result ct_reader_u16be(struct ct_reader *r, uint16_t *out)
{
	CT_GUARD(need(r, 2));
	*out = (uint16_t)load_be(r->ptr + r->off, 2);
	r->off += 2;
	return CT_OK;
}

ct_result ct_reader_u32be(struct ct_reader *r, uint32_t *out)
{
	CT_GUARD(need(r, 4));
	*out = (uint32_t)load_be(r->ptr + r->off, 4);
	r->off += 4;
	return CT_OK;
}

ct_result ct_reader_u64be(struct ct_reader *r, uint64_t *out)
{
	CT_GUARD(need(r, 8));
	*out = load_be(r->ptr + r->off, 8);
	r->off += 8;
	return CT_OK;
}

ct_result ct_reader_bytes(struct ct_reader *r, size_t n, struct ct_span *out)
{
	CT_GUARD(need(r, n));
	*out = ct_span_make(r->ptr + r->off, n);
	r->off += n;
	return CT_OK;
}

ct_result ct_reader_copy(struct ct_reader *r, void *out, size_t n)
{
	CT_GUARD(need(r, n));
	if (n > 0)
		memcpy(out, r->ptr + r->off, n);
	r->off += n;
	return CT_OK;
}

ct_result ct_reader_skip(struct ct_reader *r, size_t n)
{
	CT_GUARD(need(r, n));
	r->off += n;
	return CT_OK;
}

ct_result ct_reader_sub(struct ct_reader *r, size_t n, struct ct_reader *child)
{
	struct ct_span s;
	CT_GUARD(ct_reader_bytes(r, n, &s));
	ct_reader_init(child, s);
	return CT_OK;
}

ct_result ct_reader_expect_end(const struct ct_reader *r, const char *what)
{
	CT_ENSURE(ct_reader_remaining(r) == 0, CT_ERR_PROTO,
		  "%s: %zu unexpected trailing bytes at offset %zu", what,
		  ct_reader_remaining(r), r->off);
	return CT_OK;
}
