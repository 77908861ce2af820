/*
 * misc.c - bits.*, semver.*, uuid.rfc4122/parse, the v0-only deprecated built-ins (any all set_diff
 * cast_*), and the environment built-ins the engine only names: http.send
 * (always an error: the engine never does network I/O; policies mock it
 * with `with`) and opa.runtime (an empty object: no runtime to describe). Strings parsed here (versions, UUIDs)
 * come from policies and inputs: every parser is bounded by the string
 * length and rejects anything outside its grammar.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/rand.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out
#define S(i) (args[i]->u.str.s)
#define L(i) (args[i]->u.str.len)

/* ------------------------------------------------------------------ bits */

static ct_result bits2(struct ct_rego_bctx *ctx, const char *name, char op,
		       struct ct_rego_value *const *args,
		       struct ct_rego_value **out)
{
	int64_t a, b;

	CT_GUARD(ct_rego_barg_int(ctx, name, args, 0, &a));
	CT_GUARD(ct_rego_barg_int(ctx, name, args, 1, &b));
	switch (op) {
	case '&': return bi_ret(out, ct_rego_value_int(a & b));
	case '|': return bi_ret(out, ct_rego_value_int(a | b));
	case '^': return bi_ret(out, ct_rego_value_int(a ^ b));
	default: break;
	}
	if (b < 0) {
		ctx->err_kind = CT_REGO_BERR_TYPE;
		return CT_FAIL(CT_ERR_POLICY, "%s: operand 2 must be an unsigned "
					      "integer number but got a negative integer",
			       name);
	}
	if (op == '>')
		return bi_ret(out, ct_rego_value_int(b >= 63 ? (a < 0 ? -1 : 0)
							     : a >> b));
	/* left shift: exact through big arithmetic when it overflows */
	if (b < 62 && a > -(INT64_C(1) << (62 - b)) && a < (INT64_C(1) << (62 - b)))
		return bi_ret(out, ct_rego_value_int(a * (INT64_C(1) << b)));
	{
		struct ct_rego_value *acc, *two, *next;
		ct_result r = CT_OK;
		int64_t i;

		if (a == 0)
			return bi_ret(out, ct_rego_value_int(0));
		if (b > 4096)
			return ct_rego_berror(ctx, "%s: shift too large", name);
		two = ct_rego_value_int(2);
		CT_ENSURE(two != NULL, CT_ERR_NOMEM, "rego: out of memory");
		acc = ct_rego_value_ref(args[0]);
		for (i = 0; i < b && ct_ok(r); i++) {
			r = ct_rego_number_mul(acc, two, &next);
			ct_rego_value_unref(acc);
			acc = ct_ok(r) ? next : NULL;
		}
		ct_rego_value_unref(two);
		CT_GUARD(r);
		*out = acc;
		return CT_OK;
	}
}

static ct_result bi_bits_and(ARGS) { return bits2(ctx, "bits.and", '&', args, out); }
static ct_result bi_bits_or(ARGS) { return bits2(ctx, "bits.or", '|', args, out); }
static ct_result bi_bits_xor(ARGS) { return bits2(ctx, "bits.xor", '^', args, out); }
static ct_result bi_bits_lsh(ARGS) { return bits2(ctx, "bits.lsh", '<', args, out); }
static ct_result bi_bits_rsh(ARGS) { return bits2(ctx, "bits.rsh", '>', args, out); }

static ct_result bi_bits_negate(ARGS)
{
	int64_t a;

	CT_GUARD(ct_rego_barg_int(ctx, "bits.negate", args, 0, &a));
	return bi_ret(out, ct_rego_value_int(~a));
}

/* ---------------------------------------------------------------- semver */

struct semver {
	uint64_t v[3];
	const char *pre;
	size_t pre_len;
};

static bool parse_num(const char *s, size_t len, size_t *i, uint64_t *out)
{
	size_t st = *i;
	uint64_t v = 0;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[*i] - '0');
		(*i)++;
	}
	if (*i == st || (s[st] == '0' && *i - st > 1))
		return false;
	*out = v;
	return true;
}

static bool ident_ok(const char *s, size_t len)
{
	size_t i, a = 0;

	if (len == 0)
		return false;
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (i == a)
				return false;
			a = i + 1;
			continue;
		}
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-'))
			return false;
	}
	return true;
}

static bool semver_parse(const char *s, size_t len, struct semver *sv)
{
	size_t i = 0, k, st;

	memset(sv, 0, sizeof(*sv));
	for (k = 0; k < 3; k++) {
		if (k > 0) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
		if (!parse_num(s, len, &i, &sv->v[k]))
			return false;
	}
	if (i < len && s[i] == '-') {
		st = ++i;
		while (i < len && s[i] != '+')
			i++;
		if (!ident_ok(s + st, i - st))
			return false;
		sv->pre = s + st;
		sv->pre_len = i - st;
	}
	if (i < len && s[i] == '+') {
		st = ++i;
		if (!ident_ok(s + st, len - st))
			return false;
		i = len;
	}
	return i == len;
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

static int semver_cmp(const struct semver *a, const struct semver *b)
{
	size_t i = 0, j = 0;
	int k;

	for (k = 0; k < 3; k++)
		if (a->v[k] != b->v[k])
			return a->v[k] < b->v[k] ? -1 : 1;
	if (a->pre_len == 0 || b->pre_len == 0)
		return a->pre_len == b->pre_len ? 0 : (a->pre_len == 0 ? 1 : -1);
	while (i < a->pre_len && j < b->pre_len) {
		size_t ea = i, eb = j;
		bool na, nb;
		int c;

		while (ea < a->pre_len && a->pre[ea] != '.')
			ea++;
		while (eb < b->pre_len && b->pre[eb] != '.')
			eb++;
		na = all_digits(a->pre + i, ea - i);
		nb = all_digits(b->pre + j, eb - j);
		if (na && nb) {
			if (ea - i != eb - j)
				return ea - i < eb - j ? -1 : 1;
			c = memcmp(a->pre + i, b->pre + j, ea - i);
		} else if (na || nb) {
			return na ? -1 : 1;
		} else {
			size_t n = ea - i < eb - j ? ea - i : eb - j;

			c = memcmp(a->pre + i, b->pre + j, n);
			if (c == 0 && ea - i != eb - j)
				c = ea - i < eb - j ? -1 : 1;
		}
		if (c != 0)
			return c < 0 ? -1 : 1;
		i = ea + 1;
		j = eb + 1;
	}
	if (i < a->pre_len)
		return 1;
	if (j < b->pre_len)
		return -1;
	return 0;
}

static ct_result bi_semver_is_valid(ARGS)
{
	struct semver sv;

	(void)ctx;
	*out = ct_rego_value_bool(args[0]->kind == CT_REGO_STRING &&
				  semver_parse(S(0), L(0), &sv));
	return CT_OK;
}

static ct_result bi_semver_compare(ARGS)
{
	struct semver a, b;
	int i;

	for (i = 0; i < 2; i++)
		CT_GUARD(bi_arg(ctx, "semver.compare", args, i, K_STR, "string"));
	if (!semver_parse(S(0), L(0), &a))
		return ct_rego_berror(ctx, "semver.compare: operand 1: string \"%s\" is not a valid SemVer", S(0));
	if (!semver_parse(S(1), L(1), &b))
		return ct_rego_berror(ctx, "semver.compare: operand 2: string \"%s\" is not a valid SemVer", S(1));
	return bi_ret(out, ct_rego_value_int(semver_cmp(&a, &b)));
}

/* ------------------------------------------------------------------ uuid */

static ct_result bi_uuid_rfc4122(ARGS)
{
	struct ct_rego_value *key, *cached;
	uint8_t u[16];
	char buf[37];
	ct_result res = CT_OK;

	CT_GUARD(bi_arg(ctx, "uuid.rfc4122", args, 0, K_STR, "string"));
	/* One evaluation: same seed string, same UUID. */
	key = ct_rego_array_new(2);
	CT_ENSURE(key != NULL, CT_ERR_NOMEM, "rego: out of memory");
	CT_TRY(ct_rego_array_append(key, ct_rego_value_cstring("uuid")));
	CT_TRY(ct_rego_array_append(key, ct_rego_value_ref(args[0])));
	if (ctx->memo == NULL) {
		ctx->memo = ct_rego_object_new(0);
		CT_TRY_ENSURE(ctx->memo != NULL, CT_ERR_NOMEM, "rego: out of memory");
	}
	cached = ct_rego_object_get(ctx->memo, key);
	if (cached != NULL) {
		*out = ct_rego_value_ref(cached);
		goto out;
	}
	CT_TRY_ENSURE(RAND_bytes(u, sizeof(u)) == 1, CT_ERR_CRYPTO,
		      "uuid.rfc4122: no randomness");
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	snprintf(buf, sizeof(buf),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
	*out = ct_rego_value_cstring(buf);
	CT_TRY_ENSURE(*out != NULL, CT_ERR_NOMEM, "rego: out of memory");
	CT_TRY(ct_rego_object_insert(ctx->memo, key, ct_rego_value_ref(*out)));
	return CT_OK;
out:
	ct_rego_value_unref(key);
	return res;
}

/* uuid.parse: the forms google/uuid accepts (36 chars, 38 with any
 * wrapping pair, urn:uuid: prefix, 32 hex digits); undefined otherwise. */
static bool uuid_bytes(const char *s, size_t len, uint8_t u[16])
{
	static const size_t dash[] = { 8, 13, 18, 23 };
	char hex[33];
	size_t i, k = 0;

	if (len == 45 && strncasecmp(s, "urn:uuid:", 9) == 0) {
		s += 9;
		len = 36;
	} else if (len == 38) {
		s++;
		len = 36;
	}
	if (len == 36) {
		for (i = 0; i < 4; i++)
			if (s[dash[i]] != '-')
				return false;
		for (i = 0; i < 36; i++)
			if (i != 8 && i != 13 && i != 18 && i != 23)
				hex[k++] = s[i];
	} else if (len == 32) {
		memcpy(hex, s, 32);
		k = 32;
	} else {
		return false;
	}
	hex[k] = '\0';
	return ct_ok(ct_hex_decode_fixed(u, 16, hex)) || (ct_error_clear(), false);
}

static ct_result put(struct ct_rego_value *o, const char *k, struct ct_rego_value *v)
{
	return ct_rego_object_insert(o, ct_rego_value_cstring(k), v);
}

static ct_result bi_uuid_parse(ARGS)
{
	uint8_t u[16];
	struct ct_rego_value *o;
	const char *variant;
	int version;
	ct_result res = CT_OK;

	CT_GUARD(bi_arg(ctx, "uuid.parse", args, 0, K_STR, "string"));
	if (!uuid_bytes(S(0), L(0), u)) {
		*out = NULL;
		return CT_OK;
	}
	if ((u[8] & 0xc0) == 0x80)
		variant = "RFC4122";
	else if ((u[8] & 0xe0) == 0xc0)
		variant = "Microsoft";
	else if ((u[8] & 0xe0) == 0xe0)
		variant = "Future";
	else
		variant = "Reserved";
	version = u[6] >> 4;
	o = ct_rego_object_new(0);
	CT_ENSURE(o != NULL, CT_ERR_NOMEM, "rego: out of memory");
	CT_TRY(put(o, "variant", ct_rego_value_cstring(variant)));
	CT_TRY(put(o, "version", ct_rego_value_int(version)));
	if (version == 1 || version == 2) {
		int64_t t = (int64_t)(((uint64_t)u[0] << 24) | ((uint64_t)u[1] << 16) |
				      ((uint64_t)u[2] << 8) | u[3]) +
			    ((int64_t)((u[4] << 8) | u[5]) << 32) +
			    ((int64_t)(((u[6] << 8) | u[7]) & 0xfff) << 48);
		char node[18];

		/* 100 ns ticks since 1582-10-15 -> Unix nanoseconds */
		CT_TRY(put(o, "time", ct_rego_value_int((t - INT64_C(122192928000000000)) * 100)));
		CT_TRY(put(o, "clocksequence",
			   ct_rego_value_int(((u[8] & 0x3f) << 8) | u[9])));
		snprintf(node, sizeof(node), "%02x-%02x-%02x-%02x-%02x-%02x",
			 u[10], u[11], u[12], u[13], u[14], u[15]);
		CT_TRY(put(o, "nodeid", ct_rego_value_cstring(node)));
		CT_TRY(put(o, "macvariables",
			   ct_rego_value_cstring((u[10] & 2) ? ((u[10] & 1) ? "local:multicast" : "local:unicast")
							     : ((u[10] & 1) ? "global:multicast" : "global:unicast"))));
		if (version == 2) {
			static const char *const dom[] = { "Person", "Group", "Org" };
			char dn[16];

			if (u[9] < 3)
				CT_TRY(put(o, "domain", ct_rego_value_cstring(dom[u[9]])));
			else {
				snprintf(dn, sizeof(dn), "Domain%u", u[9]);
				CT_TRY(put(o, "domain", ct_rego_value_cstring(dn)));
			}
			CT_TRY(put(o, "id", ct_rego_value_int(
						   ((int64_t)u[0] << 24) | (u[1] << 16) | (u[2] << 8) | u[3])));
		}
	}
	*out = o;
	return CT_OK;
out:
	ct_rego_value_unref(o);
	return res;
}

/* ------------------------------------------------------ v0 deprecated */

static ct_result any_all(struct ct_rego_bctx *ctx, const char *name, bool all,
			 struct ct_rego_value *const *args,
			 struct ct_rego_value **out)
{
	size_t i;

	CT_GUARD(bi_arg(ctx, name, args, 0, K_ARR | K_SET, "one of {array, set}"));
	for (i = 0; i < args[0]->u.coll.len; i++) {
		bool t = args[0]->u.coll.items[i]->kind == CT_REGO_BOOL &&
			 args[0]->u.coll.items[i]->u.b;

		if (t != all) {
			*out = ct_rego_value_bool(!all);
			return CT_OK;
		}
	}
	*out = ct_rego_value_bool(all);
	return CT_OK;
}

static ct_result bi_any(ARGS) { return any_all(ctx, "any", false, args, out); }
static ct_result bi_all(ARGS) { return any_all(ctx, "all", true, args, out); }

static ct_result bi_set_diff(ARGS)
{
	const struct ct_rego_builtin *minus = ct_rego_builtin_lookup("minus");

	CT_GUARD(bi_arg(ctx, "set_diff", args, 0, K_SET, "set"));
	CT_GUARD(bi_arg(ctx, "set_diff", args, 1, K_SET, "set"));
	return minus->fn(ctx, args, out);
}

static ct_result bi_cast_array(ARGS)
{
	struct ct_rego_value *r;
	size_t i;

	CT_GUARD(bi_arg(ctx, "cast_array", args, 0, K_ARR | K_SET, "one of {array, set}"));
	if (args[0]->kind == CT_REGO_ARRAY) {
		*out = ct_rego_value_ref(args[0]);
		return CT_OK;
	}
	r = ct_rego_array_new(args[0]->u.coll.len);
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (i = 0; i < args[0]->u.coll.len; i++)
		r->u.coll.items[i] = ct_rego_value_ref(args[0]->u.coll.items[i]);
	r->u.coll.len = args[0]->u.coll.len;
	*out = r;
	return CT_OK;
}

static ct_result bi_cast_set(ARGS)
{
	struct ct_rego_value *r;
	size_t i;

	CT_GUARD(bi_arg(ctx, "cast_set", args, 0, K_ARR | K_SET, "one of {array, set}"));
	r = ct_rego_set_new(0);
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (i = 0; i < args[0]->u.coll.len; i++) {
		ct_result res = ct_rego_set_add(r, ct_rego_value_ref(args[0]->u.coll.items[i]));

		if (!ct_ok(res)) {
			ct_rego_value_unref(r);
			return res;
		}
	}
	*out = r;
	return CT_OK;
}

#define CAST_SAME(fn, nm, mask, want)                                     \
	static ct_result fn(ARGS)                                         \
	{                                                                 \
		CT_GUARD(bi_arg(ctx, nm, args, 0, mask, want));           \
		*out = ct_rego_value_ref(args[0]);                        \
		return CT_OK;                                             \
	}
CAST_SAME(bi_cast_string, "cast_string", K_STR, "string")
CAST_SAME(bi_cast_boolean, "cast_boolean", K_BOOL, "boolean")
CAST_SAME(bi_cast_null, "cast_null", K_NULL, "null")
CAST_SAME(bi_cast_object, "cast_object", K_OBJ, "object")

#define DEP(f, nm, ar) \
	static const struct ct_rego_builtin b_##f = { .name = nm, .arity = ar, .fn = f, .deprecated = true }

CT_BUILTIN(bi_bits_and, "bits.and", 2);
CT_BUILTIN(bi_bits_or, "bits.or", 2);
CT_BUILTIN(bi_bits_xor, "bits.xor", 2);
CT_BUILTIN(bi_bits_lsh, "bits.lsh", 2);
CT_BUILTIN(bi_bits_rsh, "bits.rsh", 2);
CT_BUILTIN(bi_bits_negate, "bits.negate", 1);
CT_BUILTIN(bi_semver_is_valid, "semver.is_valid", 1);
CT_BUILTIN(bi_semver_compare, "semver.compare", 2);
static const struct ct_rego_builtin b_bi_uuid_rfc4122 = {
	.name = "uuid.rfc4122", .arity = 1, .fn = bi_uuid_rfc4122,
	.nondeterministic = true
};
CT_BUILTIN(bi_uuid_parse, "uuid.parse", 1);
DEP(bi_any, "any", 1);
DEP(bi_all, "all", 1);
DEP(bi_set_diff, "set_diff", 2);
DEP(bi_cast_array, "cast_array", 1);
DEP(bi_cast_set, "cast_set", 1);
DEP(bi_cast_string, "cast_string", 1);
DEP(bi_cast_boolean, "cast_boolean", 1);
DEP(bi_cast_null, "cast_null", 1);
DEP(bi_cast_object, "cast_object", 1);

static ct_result bi_http_send(ARGS)
{
	(void)args;
	(void)out;
	return ct_rego_berror(ctx, "http.send: network access is not available in this engine");
}

static ct_result bi_opa_runtime(ARGS)
{
	(void)ctx;
	(void)args;
	return bi_ret(out, ct_rego_object_new(0));
}

static const struct ct_rego_builtin b_bi_http_send = {
	.name = "http.send", .arity = 1, .fn = bi_http_send, .nondeterministic = true
};
static const struct ct_rego_builtin b_bi_opa_runtime = {
	.name = "opa.runtime", .arity = 0, .fn = bi_opa_runtime
};

const struct ct_rego_builtin *const ct_rego_builtins_misc[] = {
	&b_bi_bits_and, &b_bi_bits_or, &b_bi_bits_xor, &b_bi_bits_lsh,
	&b_bi_bits_rsh, &b_bi_bits_negate, &b_bi_semver_is_valid,
	&b_bi_semver_compare,
	&b_bi_uuid_rfc4122, &b_bi_uuid_parse, &b_bi_any, &b_bi_all, &b_bi_set_diff,
	&b_bi_cast_array, &b_bi_cast_set, &b_bi_cast_string,
	&b_bi_cast_boolean, &b_bi_cast_null, &b_bi_cast_object,
	&b_bi_http_send, &b_bi_opa_runtime, &ct_rego_b_aws_sign_req,
	&ct_rego_b_x509_parse_rsa_private_key, &ct_rego_b_parse_private_keys,
	&ct_rego_b_x509_parse_keypair, &ct_rego_b_x509_parse_certificates,
	&ct_rego_b_x509_parse_certificate_request, &ct_rego_b_x509_parse_and_verify,
	&ct_rego_b_json_verify_schema, &ct_rego_b_json_match_schema, NULL,
};
