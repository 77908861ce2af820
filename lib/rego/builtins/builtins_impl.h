/*
 * builtins_impl.h - private helpers shared by the built-in group files:
 * argument checks that produce OPA's error texts, result constructors that
 * turn allocation failures into errors, and the per-group tables the
 * registry merges.
 */
#ifndef CT_REGO_BUILTINS_IMPL_H
#define CT_REGO_BUILTINS_IMPL_H

#include <pthread.h>

#include "rego/builtins.h"
#include "rego/value_impl.h"

/* Each group file defines one NULL-terminated table. */
extern const struct ct_rego_builtin *const ct_rego_builtins_ops[];
extern const struct ct_rego_builtin *const ct_rego_builtins_strings[];
extern const struct ct_rego_builtin *const ct_rego_builtins_collections[];
extern const struct ct_rego_builtin *const ct_rego_builtins_encoding[];
extern const struct ct_rego_builtin *const ct_rego_builtins_sprintf[];
extern const struct ct_rego_builtin *const ct_rego_builtins_regex[];
extern const struct ct_rego_builtin *const ct_rego_builtins_misc[];
extern const struct ct_rego_builtin *const ct_rego_builtins_crypto[];
extern const struct ct_rego_builtin *const ct_rego_builtins_glob[];
extern const struct ct_rego_builtin *const ct_rego_builtins_jsonpath[];
extern const struct ct_rego_builtin *const ct_rego_builtins_net[];
extern const struct ct_rego_builtin *const ct_rego_builtins_jwt[];
extern const struct ct_rego_builtin *const ct_rego_builtins_yaml[];
extern const struct ct_rego_builtin *const ct_rego_builtins_time[];
extern const struct ct_rego_builtin *const ct_rego_builtins_jsonpatch[];
extern const struct ct_rego_builtin *const ct_rego_builtins_uri[];

/* Declares `static const struct ct_rego_builtin b_<fn>` for `fn`. */
#define CT_BUILTIN(f, nm, ar) \
	static const struct ct_rego_builtin b_##f = { .name = nm, .arity = ar, .fn = f }

/* Kind bit masks for arg checks. */
#define K_NULL (1u << CT_REGO_NULL)
#define K_BOOL (1u << CT_REGO_BOOL)
#define K_NUM (1u << CT_REGO_NUMBER)
#define K_STR (1u << CT_REGO_STRING)
#define K_ARR (1u << CT_REGO_ARRAY)
#define K_OBJ (1u << CT_REGO_OBJECT)
#define K_SET (1u << CT_REGO_SET)
#define K_ANY 0x7fu

/*
 * Fails with OPA's type error unless args[i]'s kind is in `mask`; `want`
 * is the phrase after "must be" ("string", "one of {array, set}").
 */
static inline ct_result bi_arg(struct ct_rego_bctx *ctx, const char *name,
			       struct ct_rego_value *const *args, int i,
			       unsigned mask, const char *want)
{
	if ((1u << args[i]->kind) & mask)
		return CT_OK;
	return ct_rego_btype_error(ctx, name, i + 1, want, args[i]);
}

/* Stores a freshly built value; NULL (allocation failed) is an error. */
static inline ct_result bi_ret(struct ct_rego_value **out,
			       struct ct_rego_value *v)
{
	*out = v;
	if (v == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
	return CT_OK;
}

/* Wraps a failed value/number operation as an eval_builtin_error
 * prefixed with the built-in's name ("div: divide by zero"). */
ct_result ct_rego_bwrap(struct ct_rego_bctx *ctx, const char *name,
			ct_result r);

/* Integer argument check: "operand N must be integer but got ...". */
ct_result ct_rego_barg_int(struct ct_rego_bctx *ctx, const char *name,
			   struct ct_rego_value *const *args, int i,
			   int64_t *out);

/* UTF-8 helpers: number of code points; byte offset of code point `cp`. */
size_t ct_rego_utf8_count(const char *s, size_t len);
size_t ct_rego_utf8_offset(const char *s, size_t len, size_t cp);
/* Decodes one code point at s[*i] (advancing *i); invalid -> U+FFFD. */
uint32_t ct_rego_utf8_next(const char *s, size_t len, size_t *i);
/* Appends the UTF-8 encoding of cp. */
ct_result ct_rego_utf8_put(struct ct_buf *b, uint32_t cp);

/* A string result from a buffer (disposes the buffer). */
ct_result ct_rego_bret_buf(struct ct_rego_value **out, struct ct_buf *b);

/* Byte limit for strings that built-ins produce. */
/* jwk.c: a JWK / JWK set (object or JSON text) as an OpenSSL key in *pk
 * (caller frees), or for kty "oct" the secret in `secret` (when non-NULL);
 * from a set, the first usable key of type `kty` (NULL: any). False when
 * no usable key is found. */
struct evp_pkey_st;
bool ct_rego_jwk_load(const struct ct_rego_value *jwk, const char *kty,
		      struct evp_pkey_st **pk, struct ct_buf *secret);
extern const struct ct_rego_builtin ct_rego_b_jwt_encode_sign;
extern const struct ct_rego_builtin ct_rego_b_jwt_encode_sign_raw;
extern const struct ct_rego_builtin ct_rego_b_aws_sign_req; /* aws.c */
/* x509.c */
extern const struct ct_rego_builtin ct_rego_b_x509_parse_rsa_private_key;
extern const struct ct_rego_builtin ct_rego_b_parse_private_keys;
extern const struct ct_rego_builtin ct_rego_b_x509_parse_keypair;
extern const struct ct_rego_builtin ct_rego_b_x509_parse_certificates;
extern const struct ct_rego_builtin ct_rego_b_x509_parse_certificate_request;
extern const struct ct_rego_builtin ct_rego_b_x509_parse_and_verify;
extern const struct ct_rego_builtin ct_rego_b_regex_globs_match; /* globs.c */
extern const struct ct_rego_builtin ct_rego_b_json_verify_schema; /* jsonschema.c */
extern const struct ct_rego_builtin ct_rego_b_json_match_schema;

/* UTC offset (seconds east) and abbreviation of zone `name` at the
 * instant utc_secs ("", "UTC" and "Local" are UTC); USAGE "unknown time
 * zone NAME" when the zone does not exist (tz.c). */
ct_result ct_rego_tz_offset(const char *name, int64_t utc_secs,
			    int32_t *utoff, char *abbr, size_t abbr_len);

#define CT_REGO_BUILTIN_STR_MAX ((size_t)64 << 20)

#endif
