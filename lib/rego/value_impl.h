/*
 * value_impl.h - private layout of struct ct_rego_value, shared by the
 * value, number and JSON files of lib/rego (and the built-ins, which read
 * collections directly for speed). Not part of the public API: the engine
 * uses the accessors of value.h.
 */
#ifndef CT_REGO_VALUE_IMPL_H
#define CT_REGO_VALUE_IMPL_H

#include "rego/value.h"

enum ct_rego_numkind {
	CT_NUM_INT = 0, /* fits int64 */
	CT_NUM_BIG,     /* integer beyond int64: canonical decimal text */
	CT_NUM_FLOAT,   /* not an integer: double + optional source text */
};

struct ct_rego_value {
	uint32_t refs; /* 0 = immortal */
	uint8_t kind;
	uint8_t numkind;
	union {
		bool b;
		struct {
			int64_t i;
			double d;
			char *text; /* BIG: always; FLOAT: may be NULL */
		} num;
		struct {
			size_t len;
			char *s; /* points into the same allocation */
		} str;
		struct {
			size_t len, cap;
			struct ct_rego_value **items;
			struct ct_rego_value **vals; /* objects only */
		} coll;
	} u;
};

/* Makes a number from an owned decimal integer text (possibly big). */
struct ct_rego_value *ct_rego_num_from_int_text(const char *digits,
						size_t len);
/* Binary search in a sorted item array: index of equal element or the
 * insertion point (with *found=false). */
size_t ct_rego_value_bsearch(struct ct_rego_value *const *items, size_t len,
			     const struct ct_rego_value *key, bool *found);
/* A string value taking `len` bytes from `s` without UTF-8 checks, helper
 * for builders that produce bytes incrementally. */
struct ct_rego_value *ct_rego_value_string_take_buf(struct ct_buf *b);

#endif
