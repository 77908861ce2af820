/*
 * value.c - construction, reference counting, accessors, total order,
 * equality and hashing of Rego values.
 *
 * Collections are sorted arrays of pointers: objects and sets are kept in
 * Rego order as they are built, so lookups are binary searches and
 * iteration is OPA's output order. Nothing here reads untrusted bytes; the
 * only growth limit is the caller's (the JSON reader and the engine budget).
 */
#include <stdlib.h>
#include <string.h>

#include "rego/value_impl.h"

static struct ct_rego_value v_null = { 0, CT_REGO_NULL, 0, { .b = false } };
static struct ct_rego_value v_true = { 0, CT_REGO_BOOL, 0, { .b = true } };
static struct ct_rego_value v_false = { 0, CT_REGO_BOOL, 0, { .b = false } };

struct ct_rego_value *ct_rego_value_ref(struct ct_rego_value *v)
{
	/* immortal values have refs == 0 forever; the load is atomic so
	 * that concurrent evaluations sharing a value do not race */
	if (v != NULL && __atomic_load_n(&v->refs, __ATOMIC_RELAXED) != 0)
		__atomic_fetch_add(&v->refs, 1, __ATOMIC_RELAXED);
	return v;
}

static void value_free(struct ct_rego_value *v)
{
	size_t i;

	switch (v->kind) {
	case CT_REGO_NUMBER:
		free(v->u.num.text);
		break;
	case CT_REGO_ARRAY:
	case CT_REGO_SET:
		for (i = 0; i < v->u.coll.len; i++)
			ct_rego_value_unref(v->u.coll.items[i]);
		free(v->u.coll.items);
		break;
	case CT_REGO_OBJECT:
		for (i = 0; i < v->u.coll.len; i++) {
			ct_rego_value_unref(v->u.coll.items[i]);
			ct_rego_value_unref(v->u.coll.vals[i]);
		}
		free(v->u.coll.items);
		free(v->u.coll.vals);
		break;
	default:
		break;
	}
	free(v);
}

void ct_rego_value_unref(struct ct_rego_value *v)
{
	if (v == NULL || __atomic_load_n(&v->refs, __ATOMIC_RELAXED) == 0)
		return;
	if (__atomic_sub_fetch(&v->refs, 1, __ATOMIC_ACQ_REL) == 0)
		value_free(v);
}

struct ct_rego_value *ct_rego_value_null(void) { return &v_null; }

struct ct_rego_value *ct_rego_value_bool(bool b)
{
	return b ? &v_true : &v_false;
}

static struct ct_rego_value *value_alloc(enum ct_rego_kind kind, size_t extra)
{
	struct ct_rego_value *v;
	size_t sz;

	if (!ct_ok(ct_size_add(&sz, sizeof(*v), extra)))
		return NULL;
	v = ct_calloc(1, sz);
	if (v == NULL)
		return NULL;
	v->refs = 1;
	v->kind = (uint8_t)kind;
	return v;
}

struct ct_rego_value *ct_rego_value_int(int64_t i)
{
	struct ct_rego_value *v = value_alloc(CT_REGO_NUMBER, 0);

	if (v == NULL)
		return NULL;
	v->numkind = CT_NUM_INT;
	v->u.num.i = i;
	v->u.num.d = (double)i;
	return v;
}

struct ct_rego_value *ct_rego_value_string_new(const char *s, size_t len)
{
	struct ct_rego_value *v;
	size_t extra;

	if (!ct_ok(ct_size_add(&extra, len, 1)))
		return NULL;
	v = value_alloc(CT_REGO_STRING, extra);
	if (v == NULL)
		return NULL;
	v->u.str.s = (char *)(v + 1);
	if (len > 0)
		memcpy(v->u.str.s, s, len);
	v->u.str.s[len] = '\0';
	v->u.str.len = len;
	return v;
}

struct ct_rego_value *ct_rego_value_cstring(const char *s)
{
	return ct_rego_value_string_new(s, strlen(s));
}

struct ct_rego_value *ct_rego_value_string_take_buf(struct ct_buf *b)
{
	struct ct_rego_value *v =
		ct_rego_value_string_new((const char *)b->data, b->len);

	ct_buf_dispose(b);
	return v;
}

static struct ct_rego_value *coll_new(enum ct_rego_kind kind, size_t cap)
{
	struct ct_rego_value *v = value_alloc(kind, 0);

	if (v == NULL)
		return NULL;
	if (cap > 0) {
		v->u.coll.items = ct_calloc(cap, sizeof(*v->u.coll.items));
		if (v->u.coll.items == NULL)
			goto fail;
		if (kind == CT_REGO_OBJECT) {
			v->u.coll.vals = ct_calloc(cap, sizeof(*v->u.coll.vals));
			if (v->u.coll.vals == NULL)
				goto fail;
		}
		v->u.coll.cap = cap;
	}
	return v;
fail:
	free(v->u.coll.items);
	free(v);
	return NULL;
}

struct ct_rego_value *ct_rego_array_new(size_t cap_hint)
{
	return coll_new(CT_REGO_ARRAY, cap_hint);
}

struct ct_rego_value *ct_rego_object_new(size_t cap_hint)
{
	return coll_new(CT_REGO_OBJECT, cap_hint);
}

struct ct_rego_value *ct_rego_set_new(size_t cap_hint)
{
	return coll_new(CT_REGO_SET, cap_hint);
}

static ct_result coll_grow(struct ct_rego_value *c)
{
	size_t ncap, bytes;
	struct ct_rego_value **items, **vals;

	if (c->u.coll.len < c->u.coll.cap)
		return CT_OK;
	ncap = c->u.coll.cap < 4 ? 4 : c->u.coll.cap;
	CT_GUARD(ct_size_mul(&ncap, ncap, 2));
	CT_GUARD(ct_size_mul(&bytes, ncap, sizeof(*items)));
	items = ct_realloc(c->u.coll.items, bytes);
	CT_ENSURE(items != NULL, CT_ERR_NOMEM, "rego: out of memory");
	c->u.coll.items = items;
	if (c->kind == CT_REGO_OBJECT) {
		vals = ct_realloc(c->u.coll.vals, bytes);
		CT_ENSURE(vals != NULL, CT_ERR_NOMEM, "rego: out of memory");
		c->u.coll.vals = vals;
	}
	c->u.coll.cap = ncap;
	return CT_OK;
}

ct_result ct_rego_array_append(struct ct_rego_value *arr,
			       struct ct_rego_value *elem)
{
	ct_result res = CT_OK;

	CT_TRY_ENSURE(elem != NULL, CT_ERR_NOMEM, "rego: out of memory");
	CT_TRY_ENSURE(arr != NULL && arr->kind == CT_REGO_ARRAY,
		      CT_ERR_INTERNAL, "rego: append to a non-array");
	CT_TRY(coll_grow(arr));
	arr->u.coll.items[arr->u.coll.len++] = elem;
	return CT_OK;
out:
	ct_rego_value_unref(elem);
	return res;
}

size_t ct_rego_value_bsearch(struct ct_rego_value *const *items, size_t len,
			     const struct ct_rego_value *key, bool *found)
{
	size_t lo = 0, hi = len;

	*found = false;
	/* Builders mostly append in order: check the end first. */
	if (len > 0) {
		int c = ct_rego_value_compare(items[len - 1], key);

		if (c < 0)
			return len;
		if (c == 0) {
			*found = true;
			return len - 1;
		}
		hi = len - 1;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = ct_rego_value_compare(items[mid], key);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

ct_result ct_rego_object_insert(struct ct_rego_value *obj,
				struct ct_rego_value *key,
				struct ct_rego_value *val)
{
	ct_result res = CT_OK;
	bool found;
	size_t at, n;

	CT_TRY_ENSURE(key != NULL && val != NULL, CT_ERR_NOMEM,
		      "rego: out of memory");
	CT_TRY_ENSURE(obj != NULL && obj->kind == CT_REGO_OBJECT,
		      CT_ERR_INTERNAL, "rego: insert into a non-object");
	at = ct_rego_value_bsearch(obj->u.coll.items, obj->u.coll.len, key,
				   &found);
	if (found) {
		ct_rego_value_unref(obj->u.coll.vals[at]);
		obj->u.coll.vals[at] = val;
		ct_rego_value_unref(key);
		return CT_OK;
	}
	CT_TRY(coll_grow(obj));
	n = obj->u.coll.len - at;
	memmove(obj->u.coll.items + at + 1, obj->u.coll.items + at,
		n * sizeof(*obj->u.coll.items));
	memmove(obj->u.coll.vals + at + 1, obj->u.coll.vals + at,
		n * sizeof(*obj->u.coll.vals));
	obj->u.coll.items[at] = key;
	obj->u.coll.vals[at] = val;
	obj->u.coll.len++;
	return CT_OK;
out:
	ct_rego_value_unref(key);
	ct_rego_value_unref(val);
	return res;
}

ct_result ct_rego_set_add(struct ct_rego_value *set, struct ct_rego_value *elem)
{
	ct_result res = CT_OK;
	bool found;
	size_t at;

	CT_TRY_ENSURE(elem != NULL, CT_ERR_NOMEM, "rego: out of memory");
	CT_TRY_ENSURE(set != NULL && set->kind == CT_REGO_SET,
		      CT_ERR_INTERNAL, "rego: add to a non-set");
	at = ct_rego_value_bsearch(set->u.coll.items, set->u.coll.len, elem,
				   &found);
	if (found) {
		ct_rego_value_unref(elem);
		return CT_OK;
	}
	CT_TRY(coll_grow(set));
	memmove(set->u.coll.items + at + 1, set->u.coll.items + at,
		(set->u.coll.len - at) * sizeof(*set->u.coll.items));
	set->u.coll.items[at] = elem;
	set->u.coll.len++;
	return CT_OK;
out:
	ct_rego_value_unref(elem);
	return res;
}

enum ct_rego_kind ct_rego_value_kind(const struct ct_rego_value *v)
{
	return (enum ct_rego_kind)v->kind;
}

const char *ct_rego_kind_name(enum ct_rego_kind k)
{
	static const char *const names[] = { "null", "boolean", "number",
					     "string", "array", "object",
					     "set" };

	return (unsigned)k < 7 ? names[k] : "unknown";
}

const char *ct_rego_value_type_name(const struct ct_rego_value *v)
{
	return ct_rego_kind_name((enum ct_rego_kind)v->kind);
}

bool ct_rego_value_get_bool(const struct ct_rego_value *v)
{
	return v->kind == CT_REGO_BOOL && v->u.b;
}

const char *ct_rego_value_str(const struct ct_rego_value *v)
{
	return v->kind == CT_REGO_STRING ? v->u.str.s : "";
}

size_t ct_rego_value_str_len(const struct ct_rego_value *v)
{
	return v->kind == CT_REGO_STRING ? v->u.str.len : 0;
}

size_t ct_rego_value_length(const struct ct_rego_value *v)
{
	switch (v->kind) {
	case CT_REGO_STRING:
		return v->u.str.len;
	case CT_REGO_ARRAY:
	case CT_REGO_OBJECT:
	case CT_REGO_SET:
		return v->u.coll.len;
	default:
		return 0;
	}
}

struct ct_rego_value *ct_rego_value_index(const struct ct_rego_value *v,
					  size_t i)
{
	if ((v->kind != CT_REGO_ARRAY && v->kind != CT_REGO_SET) ||
	    i >= v->u.coll.len)
		return NULL;
	return v->u.coll.items[i];
}

struct ct_rego_value *ct_rego_object_key_at(const struct ct_rego_value *obj,
					    size_t i)
{
	if (obj->kind != CT_REGO_OBJECT || i >= obj->u.coll.len)
		return NULL;
	return obj->u.coll.items[i];
}

struct ct_rego_value *ct_rego_object_value_at(const struct ct_rego_value *obj,
					      size_t i)
{
	if (obj->kind != CT_REGO_OBJECT || i >= obj->u.coll.len)
		return NULL;
	return obj->u.coll.vals[i];
}

struct ct_rego_value *ct_rego_object_get(const struct ct_rego_value *obj,
					 const struct ct_rego_value *key)
{
	bool found;
	size_t at;

	if (obj->kind != CT_REGO_OBJECT)
		return NULL;
	at = ct_rego_value_bsearch(obj->u.coll.items, obj->u.coll.len, key,
				   &found);
	return found ? obj->u.coll.vals[at] : NULL;
}

struct ct_rego_value *ct_rego_object_get_str(const struct ct_rego_value *obj,
					     const char *key)
{
	struct ct_rego_value k;
	size_t len = strlen(key);

	memset(&k, 0, sizeof(k));
	k.kind = CT_REGO_STRING;
	k.u.str.s = (char *)key;
	k.u.str.len = len;
	return ct_rego_object_get(obj, &k);
}

struct ct_rego_value *ct_rego_set_find(const struct ct_rego_value *set,
				       const struct ct_rego_value *elem)
{
	bool found;
	size_t at;

	if (set->kind != CT_REGO_SET)
		return NULL;
	at = ct_rego_value_bsearch(set->u.coll.items, set->u.coll.len, elem,
				   &found);
	return found ? set->u.coll.items[at] : NULL;
}

bool ct_rego_set_contains(const struct ct_rego_value *set,
			  const struct ct_rego_value *elem)
{
	return ct_rego_set_find(set, elem) != NULL;
}

static int cmp_size(size_t a, size_t b)
{
	return a < b ? -1 : (a > b ? 1 : 0);
}

int ct_rego_value_compare(const struct ct_rego_value *a,
			  const struct ct_rego_value *b)
{
	size_t i, n;
	int c;

	if (a == b)
		return 0;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	switch (a->kind) {
	case CT_REGO_NULL:
		return 0;
	case CT_REGO_BOOL:
		return (int)a->u.b - (int)b->u.b;
	case CT_REGO_NUMBER:
		return ct_rego_number_compare(a, b);
	case CT_REGO_STRING:
		n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
		c = n > 0 ? memcmp(a->u.str.s, b->u.str.s, n) : 0;
		if (c != 0)
			return c < 0 ? -1 : 1;
		return cmp_size(a->u.str.len, b->u.str.len);
	case CT_REGO_OBJECT:
		n = a->u.coll.len < b->u.coll.len ? a->u.coll.len
						  : b->u.coll.len;
		for (i = 0; i < n; i++) {
			c = ct_rego_value_compare(a->u.coll.items[i],
						  b->u.coll.items[i]);
			if (c != 0)
				return c;
			c = ct_rego_value_compare(a->u.coll.vals[i],
						  b->u.coll.vals[i]);
			if (c != 0)
				return c;
		}
		return cmp_size(a->u.coll.len, b->u.coll.len);
	default: /* arrays and sets: element-wise, then length */
		n = a->u.coll.len < b->u.coll.len ? a->u.coll.len
						  : b->u.coll.len;
		for (i = 0; i < n; i++) {
			c = ct_rego_value_compare(a->u.coll.items[i],
						  b->u.coll.items[i]);
			if (c != 0)
				return c;
		}
		return cmp_size(a->u.coll.len, b->u.coll.len);
	}
}

bool ct_rego_value_equal(const struct ct_rego_value *a,
			 const struct ct_rego_value *b)
{
	if (a == b)
		return true;
	if (a->kind != b->kind)
		return false;
	if (a->kind == CT_REGO_STRING)
		return a->u.str.len == b->u.str.len &&
		       memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
	if ((a->kind == CT_REGO_ARRAY || a->kind == CT_REGO_OBJECT ||
	     a->kind == CT_REGO_SET) &&
	    a->u.coll.len != b->u.coll.len)
		return false;
	return ct_rego_value_compare(a, b) == 0;
}

static uint64_t mix(uint64_t h, uint64_t x)
{
	h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

uint64_t ct_rego_value_hash(const struct ct_rego_value *v)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ v->kind;
	int64_t i;
	size_t k;

	switch (v->kind) {
	case CT_REGO_BOOL:
		return mix(h, v->u.b);
	case CT_REGO_NUMBER:
		if (ct_rego_number_to_int64(v, &i))
			return mix(h, (uint64_t)i);
		if (v->numkind == CT_NUM_BIG) {
			for (k = 0; v->u.num.text[k] != '\0'; k++)
				h = (h ^ (uint8_t)v->u.num.text[k]) *
				    0x100000001b3ULL;
			return h;
		} else {
			uint64_t bits;
			double d = v->u.num.d;

			memcpy(&bits, &d, sizeof(bits));
			return mix(h, bits);
		}
	case CT_REGO_STRING:
		for (k = 0; k < v->u.str.len; k++)
			h = (h ^ (uint8_t)v->u.str.s[k]) * 0x100000001b3ULL;
		return h;
	case CT_REGO_ARRAY:
	case CT_REGO_SET:
		for (k = 0; k < v->u.coll.len; k++)
			h = mix(h, ct_rego_value_hash(v->u.coll.items[k]));
		return h;
	case CT_REGO_OBJECT:
		for (k = 0; k < v->u.coll.len; k++) {
			h = mix(h, ct_rego_value_hash(v->u.coll.items[k]));
			h = mix(h, ct_rego_value_hash(v->u.coll.vals[k]));
		}
		return h;
	default:
		return h;
	}
}

bool ct_rego_utf8_valid(const char *s, size_t len)
{
	return ct_utf8_valid_prefix(ct_span_make(s, len)) == len;
}
