/*
 * value.h - the Rego value model: null, booleans, numbers, strings, arrays,
 * objects and sets, plus JSON in and out.
 *
 * Ownership: values are reference-counted and immutable once shared.
 * Every constructor returns a value with one reference owned by the caller;
 * ct_rego_value_ref adds one, ct_rego_value_unref drops one and frees the
 * value (recursively) at zero. Reference counts are atomic, so a value tree
 * (policy data, a parsed input) may be shared read-only between threads.
 * Builders (`*_append`, `*_insert`, `*_add`) mutate a collection in place and
 * are only allowed while the caller holds the sole reference (before handing
 * it out); they TAKE the reference of the element(s) passed in, even on
 * failure. Accessors return BORROWED pointers valid while the container is.
 *
 * Order: objects and sets keep their keys sorted by the Rego total order
 * (null < boolean < number < string < array < object < set; numbers by
 * value, 1 == 1.0; strings byte-wise; arrays element-wise then by length;
 * objects by sorted key/value pairs; sets by sorted elements). Iteration
 * order is therefore OPA's output order, equality is structural and lookups
 * are binary searches.
 *
 * Numbers are exact: an int64 fast path, arbitrary-size integers kept as
 * canonical decimal text (arithmetic through OpenSSL BIGNUM), and
 * non-integers as a double plus the text they were written with (so JSON
 * round-trips keep the input's digits). Integral results of arithmetic are
 * integers ("2.0 + 1" is 3).
 *
 * Trust boundary: ct_rego_json_parse reads untrusted bytes (policy input,
 * data documents) under explicit limits; everything else works on values
 * that already passed it.
 */
#ifndef CT_REGO_VALUE_H
#define CT_REGO_VALUE_H

#include "base/base.h"

enum ct_rego_kind {
	CT_REGO_NULL = 0,
	CT_REGO_BOOL,
	CT_REGO_NUMBER,
	CT_REGO_STRING,
	CT_REGO_ARRAY,
	CT_REGO_OBJECT,
	CT_REGO_SET,
};

struct ct_rego_value;

/* -------------------------------------------------------- life cycle */

struct ct_rego_value *ct_rego_value_ref(struct ct_rego_value *v);
void ct_rego_value_unref(struct ct_rego_value *v); /* NULL is fine */

/* ------------------------------------------------------------ scalars */

/* null/true/false are shared immortal values; ref/unref are no-ops. */
struct ct_rego_value *ct_rego_value_null(void);
struct ct_rego_value *ct_rego_value_bool(bool b);
/* These return NULL (and record CT_ERR_NOMEM) when allocation fails. */
struct ct_rego_value *ct_rego_value_int(int64_t i);
/* A double as a number (integral values become integers); NULL + USAGE on
 * NaN or infinity. */
struct ct_rego_value *ct_rego_value_double(double d);
/* Copies `len` bytes. Strings are normally UTF-8; decoders (base64.decode)
 * may produce other bytes, as Go's byte strings allow: counting treats each
 * invalid byte as one character and the writers print it as U+FFFD. */
struct ct_rego_value *ct_rego_value_string_new(const char *s, size_t len);
struct ct_rego_value *ct_rego_value_cstring(const char *s);
/* Parses a JSON number ("-12", "1.5e3", 30-digit integers); PROTO on bad
 * syntax, LIMIT beyond CT_REGO_NUMBER_TEXT_MAX characters. */
CT_RESULT ct_rego_value_number_parse(const char *text, size_t len,
				     struct ct_rego_value **out);

#define CT_REGO_NUMBER_TEXT_MAX 1024

/* --------------------------------------------------------- collections */

/* Empty collections with room for `cap_hint` elements (0 is fine). */
struct ct_rego_value *ct_rego_array_new(size_t cap_hint);
struct ct_rego_value *ct_rego_object_new(size_t cap_hint);
struct ct_rego_value *ct_rego_set_new(size_t cap_hint);

/* Appends (takes elem). */
CT_RESULT ct_rego_array_append(struct ct_rego_value *arr,
			       struct ct_rego_value *elem);
/* Inserts key -> val (takes both); an existing equal key is replaced (last
 * wins, as OPA's JSON reader does). */
CT_RESULT ct_rego_object_insert(struct ct_rego_value *obj,
				struct ct_rego_value *key,
				struct ct_rego_value *val);
/* Adds (takes elem); duplicates are dropped. */
CT_RESULT ct_rego_set_add(struct ct_rego_value *set,
			  struct ct_rego_value *elem);

/* ---------------------------------------------------------- accessors */

enum ct_rego_kind ct_rego_value_kind(const struct ct_rego_value *v);
/* "null", "boolean", "number", "string", "array", "object", "set". */
const char *ct_rego_kind_name(enum ct_rego_kind k);
const char *ct_rego_value_type_name(const struct ct_rego_value *v);

bool ct_rego_value_get_bool(const struct ct_rego_value *v);
/* NUL-terminated bytes of a string value and their length. */
const char *ct_rego_value_str(const struct ct_rego_value *v);
size_t ct_rego_value_str_len(const struct ct_rego_value *v);

/* Element count of an array, object or set; byte length of a string. */
size_t ct_rego_value_length(const struct ct_rego_value *v);
/* Borrowed i-th element of an array or set, i-th key / value of an object
 * (in sorted order); NULL when out of range. */
struct ct_rego_value *ct_rego_value_index(const struct ct_rego_value *v,
					  size_t i);
struct ct_rego_value *ct_rego_object_key_at(const struct ct_rego_value *obj,
					    size_t i);
struct ct_rego_value *ct_rego_object_value_at(const struct ct_rego_value *obj,
					      size_t i);
/* Borrowed value under `key`, NULL if absent. */
struct ct_rego_value *ct_rego_object_get(const struct ct_rego_value *obj,
					 const struct ct_rego_value *key);
struct ct_rego_value *ct_rego_object_get_str(const struct ct_rego_value *obj,
					     const char *key);
/* The equal element stored in the set (borrowed), NULL if absent. */
struct ct_rego_value *ct_rego_set_find(const struct ct_rego_value *set,
				       const struct ct_rego_value *elem);
bool ct_rego_set_contains(const struct ct_rego_value *set,
			  const struct ct_rego_value *elem);

/* ---------------------------------------------------- order, equality */

/* Rego total order: <0, 0, >0. */
int ct_rego_value_compare(const struct ct_rego_value *a,
			  const struct ct_rego_value *b);
bool ct_rego_value_equal(const struct ct_rego_value *a,
			 const struct ct_rego_value *b);
/* A hash consistent with equality (1 and 1.0 hash alike). */
uint64_t ct_rego_value_hash(const struct ct_rego_value *v);

/* ------------------------------------------------------------ numbers */

/* True when the number is an integer (of any size). */
bool ct_rego_number_is_int(const struct ct_rego_value *n);
/* True and *out set when the number is an integer that fits int64. */
bool ct_rego_number_to_int64(const struct ct_rego_value *n, int64_t *out);
/* Nearest double (huge integers lose precision; +-inf beyond range). */
double ct_rego_number_to_double(const struct ct_rego_value *n);
/* Canonical text of the number as JSON prints it (borrowed or written to
 * buf; the returned pointer is valid while both live). */
CT_RESULT ct_rego_number_format(const struct ct_rego_value *n,
				struct ct_buf *out);

/* Arithmetic as OPA does it: exact on integers of any size, doubles
 * otherwise; integral results become integers. div/rem fail with USAGE
 * "divide by zero" / "modulo by zero"; rem of non-integers fails with
 * "modulo on floating-point number". */
CT_RESULT ct_rego_number_add(const struct ct_rego_value *a,
			     const struct ct_rego_value *b,
			     struct ct_rego_value **out);
CT_RESULT ct_rego_number_sub(const struct ct_rego_value *a,
			     const struct ct_rego_value *b,
			     struct ct_rego_value **out);
CT_RESULT ct_rego_number_mul(const struct ct_rego_value *a,
			     const struct ct_rego_value *b,
			     struct ct_rego_value **out);
CT_RESULT ct_rego_number_div(const struct ct_rego_value *a,
			     const struct ct_rego_value *b,
			     struct ct_rego_value **out);
CT_RESULT ct_rego_number_rem(const struct ct_rego_value *a,
			     const struct ct_rego_value *b,
			     struct ct_rego_value **out);
/* Compare two numbers by value. */
int ct_rego_number_compare(const struct ct_rego_value *a,
			   const struct ct_rego_value *b);

/* --------------------------------------------------------------- JSON */

struct ct_rego_json_limits {
	size_t max_bytes; /* whole document */
	size_t max_depth; /* nesting of arrays/objects */
	size_t max_string; /* one string, bytes after unescaping */
};

/* 64 MiB, depth 256, strings of 16 MiB. */
#define CT_REGO_JSON_MAX_BYTES ((size_t)64 << 20)
#define CT_REGO_JSON_MAX_DEPTH 256
#define CT_REGO_JSON_MAX_STRING ((size_t)16 << 20)
extern const struct ct_rego_json_limits ct_rego_json_default_limits;

/*
 * Parses one JSON document (RFC 8259; surrounding whitespace allowed;
 * trailing bytes rejected). Duplicate object keys: last wins. Invalid UTF-8
 * and lone surrogates are rejected. NULL limits = defaults. Errors are
 * CT_ERR_PROTO ("json: <what> at offset N") or CT_ERR_LIMIT.
 */
CT_RESULT ct_rego_json_parse(struct ct_span in,
			     const struct ct_rego_json_limits *limits,
			     struct ct_rego_value **out);

/*
 * Appends the JSON text of v: compact, object keys and set elements in
 * Rego order, sets as arrays, non-string object keys as their JSON text
 * (7 -> "7"), strings escaped as Go's encoding/json does (<, >, & as
 * \u003c... are NOT escaped: OPA's output disables HTML escaping).
 */
CT_RESULT ct_rego_value_to_json(const struct ct_rego_value *v,
				struct ct_buf *out);
/* As above with indentation (two spaces), for CLI output. */
CT_RESULT ct_rego_value_to_json_pretty(const struct ct_rego_value *v,
				       struct ct_buf *out);

/*
 * Appends the Rego term text of v: like JSON but sets print as {1, 2},
 * the empty set as set(), and object keys keep their type ({1: "a"}).
 * This is what print() and sprintf("%v") show.
 */
CT_RESULT ct_rego_value_to_term(const struct ct_rego_value *v,
				struct ct_buf *out);

/* Validates UTF-8 (no overlongs, no surrogates, max U+10FFFF). */
bool ct_rego_utf8_valid(const char *s, size_t len);

#endif /* CT_REGO_VALUE_H */
