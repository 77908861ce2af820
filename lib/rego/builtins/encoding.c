/*
 * encoding.c - base64, base64url, hex, json.*, urlquery.* and units.*
 * built-ins. Decoders read policy-supplied strings: they are bounded by
 * the string's own size (already under the engine's budget) and strict
 * about alphabets; decoded bytes are kept as they are (Go byte strings),
 * see value.h for how invalid UTF-8 is counted and printed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out
#define S(i) (args[i]->u.str.s)
#define L(i) (args[i]->u.str.len)

/* Decoded bytes become a string as they are: Go strings are byte
 * strings, and OPA counts and prints invalid UTF-8 (as U+FFFD) rather
 * than failing, so we keep the bytes and let the writers substitute. */
static ct_result str_from_bytes(struct ct_rego_bctx *ctx, const char *name,
				struct ct_buf *b, struct ct_rego_value **out)
{
	(void)ctx;
	(void)name;
	return ct_rego_bret_buf(out, b);
}

static ct_result bi_b64_encode(ARGS)
{
	struct ct_buf b;
	ct_result r;

	CT_GUARD(bi_arg(ctx, "base64.encode", args, 0, K_STR, "string"));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	r = ct_base64_encode(&b, ct_span_make(S(0), L(0)));
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_bwrap(ctx, "base64.encode", r);
	}
	return ct_rego_bret_buf(out, &b);
}

static ct_result bi_b64_decode(ARGS)
{
	struct ct_buf b;
	ct_result r;

	CT_GUARD(bi_arg(ctx, "base64.decode", args, 0, K_STR, "string"));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	r = ct_base64_decode(&b, S(0), L(0));
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_berror(ctx, "base64.decode: illegal base64 data");
	}
	return str_from_bytes(ctx, "base64.decode", &b, out);
}

static ct_result bi_b64_is_valid(ARGS)
{
	struct ct_buf b;
	ct_result r;

	CT_GUARD(bi_arg(ctx, "base64.is_valid", args, 0, K_STR, "string"));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	r = ct_base64_decode(&b, S(0), L(0));
	ct_buf_dispose(&b);
	ct_error_clear();
	*out = ct_rego_value_bool(ct_ok(r));
	return CT_OK;
}

static ct_result b64url_encode(struct ct_rego_bctx *ctx, const char *name,
			       bool pad, struct ct_rego_value *const *args,
			       struct ct_rego_value **out)
{
	struct ct_buf b;
	ct_result r;

	CT_GUARD(bi_arg(ctx, name, args, 0, K_STR, "string"));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	r = ct_base64url_encode(&b, ct_span_make(S(0), L(0)));
	while (ct_ok(r) && pad && b.len % 4 != 0)
		r = ct_buf_append_byte(&b, '=');
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_bwrap(ctx, name, r);
	}
	return ct_rego_bret_buf(out, &b);
}

static ct_result bi_b64url_encode(ARGS)
{
	return b64url_encode(ctx, "base64url.encode", true, args, out);
}

static ct_result bi_b64url_encode_np(ARGS)
{
	return b64url_encode(ctx, "base64url.encode_no_pad", false, args, out);
}

static ct_result bi_b64url_decode(ARGS)
{
	struct ct_buf b;
	size_t len = L(0);
	ct_result r;

	CT_GUARD(bi_arg(ctx, "base64url.decode", args, 0, K_STR, "string"));
	/* Padded (URLEncoding) or not (RawURLEncoding), as OPA accepts. */
	if (len % 4 == 0) {
		while (len > 0 && S(0)[len - 1] == '=' && L(0) - len < 2)
			len--;
	}
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	r = ct_base64url_decode(&b, S(0), len);
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_berror(ctx, "base64url.decode: illegal base64 data");
	}
	return str_from_bytes(ctx, "base64url.decode", &b, out);
}

static ct_result bi_hex_encode(ARGS)
{
	struct ct_buf b;
	ct_result r;

	CT_GUARD(bi_arg(ctx, "hex.encode", args, 0, K_STR, "string"));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	r = ct_hex_encode(&b, ct_span_make(S(0), L(0)));
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_bwrap(ctx, "hex.encode", r);
	}
	return ct_rego_bret_buf(out, &b);
}

static ct_result bi_hex_decode(ARGS)
{
	struct ct_buf b;
	ct_result r;
	size_t i;

	CT_GUARD(bi_arg(ctx, "hex.decode", args, 0, K_STR, "string"));
	for (i = 0; i < L(0); i++) {
		char c = S(0)[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return ct_rego_berror(ctx,
					      "hex.decode: encoding/hex: invalid byte: U+%04X '%c'",
					      (unsigned)(uint8_t)c, c);
	}
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	r = ct_hex_decode(&b, S(0), L(0));
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_berror(ctx, "hex.decode: encoding/hex: odd length hex string");
	}
	return str_from_bytes(ctx, "hex.decode", &b, out);
}

static ct_result bi_json_marshal(ARGS)
{
	struct ct_buf b;
	ct_result r;

	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	r = ct_rego_value_to_json(args[0], &b);
	if (ct_ok(r))
		r = ct_rego_bcharge(ctx, b.len);
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_bwrap(ctx, "json.marshal", r);
	}
	return ct_rego_bret_buf(out, &b);
}

static ct_result bi_json_unmarshal(ARGS)
{
	ct_result r;

	CT_GUARD(bi_arg(ctx, "json.unmarshal", args, 0, K_STR, "string"));
	r = ct_rego_json_parse(ct_span_make(S(0), L(0)), NULL, out);
	if (!ct_ok(r) && r.err == CT_ERR_PROTO)
		return ct_rego_bwrap(ctx, "json.unmarshal", r);
	return r;
}

static ct_result bi_json_is_valid(ARGS)
{
	struct ct_rego_value *v = NULL;
	ct_result r;

	if (args[0]->kind != CT_REGO_STRING) {
		*out = ct_rego_value_bool(false);
		return CT_OK;
	}
	(void)ctx;
	r = ct_rego_json_parse(ct_span_make(S(0), L(0)), NULL, &v);
	ct_rego_value_unref(v);
	ct_error_clear();
	*out = ct_rego_value_bool(ct_ok(r));
	return CT_OK;
}

/* ------------------------------------------- json.marshal_with_options */

/* Go's json.MarshalIndent layout: every line starts with prefix, nesting
 * adds one indent per level, empty collections stay "[]" / "{}". */
static ct_result write_indented(const struct ct_rego_value *v,
				struct ct_buf *b, const char *prefix,
				const char *indent, size_t depth)
{
	size_t i, k, n;
	bool obj = v->kind == CT_REGO_OBJECT;

	if (v->kind != CT_REGO_ARRAY && v->kind != CT_REGO_SET && !obj)
		return ct_rego_value_to_json(v, b);
	n = v->u.coll.len;
	if (n == 0)
		return ct_buf_append_str(b, obj ? "{}" : "[]");
	CT_GUARD(ct_buf_append_byte(b, obj ? '{' : '['));
	for (i = 0; i < n; i++) {
		CT_GUARD(ct_buf_append_byte(b, '\n'));
		CT_GUARD(ct_buf_append_str(b, prefix));
		for (k = 0; k <= depth; k++)
			CT_GUARD(ct_buf_append_str(b, indent));
		if (obj) {
			const struct ct_rego_value *key = v->u.coll.items[i];

			if (key->kind == CT_REGO_STRING) {
				CT_GUARD(ct_rego_value_to_json(key, b));
			} else {
				struct ct_buf kb;
				struct ct_rego_value *ks;
				ct_result r;

				ct_buf_init(&kb, b->max);
				r = ct_rego_value_to_json(key, &kb);
				ks = ct_ok(r) ? ct_rego_value_string_new(ct_buf_cstr(&kb), kb.len) : NULL;
				ct_buf_dispose(&kb);
				CT_GUARD(r);
				CT_ENSURE(ks != NULL, CT_ERR_NOMEM, "rego: out of memory");
				r = ct_rego_value_to_json(ks, b);
				ct_rego_value_unref(ks);
				CT_GUARD(r);
			}
			CT_GUARD(ct_buf_append_str(b, ": "));
			CT_GUARD(write_indented(v->u.coll.vals[i], b, prefix, indent, depth + 1));
		} else {
			CT_GUARD(write_indented(v->u.coll.items[i], b, prefix, indent, depth + 1));
		}
		if (i + 1 < n)
			CT_GUARD(ct_buf_append_byte(b, ','));
	}
	CT_GUARD(ct_buf_append_byte(b, '\n'));
	CT_GUARD(ct_buf_append_str(b, prefix));
	for (k = 0; k < depth; k++)
		CT_GUARD(ct_buf_append_str(b, indent));
	return ct_buf_append_byte(b, obj ? '}' : ']');
}

static ct_result bi_json_marshal_opts(ARGS)
{
	struct ct_rego_value *o = args[1];
	const char *prefix = "", *indent = "\t";
	bool pretty = false, pretty_set = false;
	struct ct_buf b;
	ct_result r;
	size_t i;

	CT_GUARD(bi_arg(ctx, "json.marshal_with_options", args, 1, K_OBJ, "object"));
	for (i = 0; i < o->u.coll.len; i++) {
		const struct ct_rego_value *k = o->u.coll.items[i], *v = o->u.coll.vals[i];
		const char *ks = k->kind == CT_REGO_STRING ? k->u.str.s : "";

		if (strcmp(ks, "pretty") == 0 && v->kind == CT_REGO_BOOL) {
			pretty = v->u.b;
			pretty_set = true;
		} else if (strcmp(ks, "indent") == 0 && v->kind == CT_REGO_STRING) {
			indent = v->u.str.s;
			if (!pretty_set)
				pretty = true;
		} else if (strcmp(ks, "prefix") == 0 && v->kind == CT_REGO_STRING) {
			prefix = v->u.str.s;
			if (!pretty_set)
				pretty = true;
		} else {
			/* OPA reports a bad option as an operand type error. */
			ct_result e = ct_rego_berror(ctx, "json.marshal_with_options: object contained unknown key \"%s\"", ks);

			ctx->err_kind = CT_REGO_BERR_TYPE;
			return e;
		}
	}
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	if (pretty) {
		r = ct_buf_append_str(&b, prefix);
		if (ct_ok(r))
			r = write_indented(args[0], &b, prefix, indent, 0);
	} else {
		r = ct_rego_value_to_json(args[0], &b);
	}
	if (ct_ok(r))
		r = ct_rego_bcharge(ctx, b.len);
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_bwrap(ctx, "json.marshal_with_options", r);
	}
	return ct_rego_bret_buf(out, &b);
}

/* ------------------------------------------------------------- urlquery */

static ct_result url_escape(struct ct_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
		    c == '~')
			CT_GUARD(ct_buf_append_byte(b, c));
		else if (c == ' ')
			CT_GUARD(ct_buf_append_byte(b, '+'));
		else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			CT_GUARD(ct_buf_append(b, e, 3));
		}
	}
	return CT_OK;
}

static ct_result bi_urlquery_encode(ARGS)
{
	struct ct_buf b;
	ct_result r;

	CT_GUARD(bi_arg(ctx, "urlquery.encode", args, 0, K_STR, "string"));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	r = url_escape(&b, S(0), L(0));
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_bwrap(ctx, "urlquery.encode", r);
	}
	return ct_rego_bret_buf(out, &b);
}

static int hv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static ct_result bi_urlquery_decode(ARGS)
{
	struct ct_buf b;
	ct_result r = CT_OK;
	size_t i;

	CT_GUARD(bi_arg(ctx, "urlquery.decode", args, 0, K_STR, "string"));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	for (i = 0; i < L(0) && ct_ok(r); i++) {
		char c = S(0)[i];

		if (c == '+') {
			r = ct_buf_append_byte(&b, ' ');
		} else if (c == '%') {
			if (i + 2 >= L(0) || hv(S(0)[i + 1]) < 0 ||
			    hv(S(0)[i + 2]) < 0) {
				ct_buf_dispose(&b);
				return ct_rego_berror(ctx, "urlquery.decode: invalid URL escape \"%.3s\"",
						      S(0) + i);
			}
			r = ct_buf_append_byte(&b, (uint8_t)(hv(S(0)[i + 1]) * 16 +
							     hv(S(0)[i + 2])));
			i += 2;
		} else {
			r = ct_buf_append_byte(&b, (uint8_t)c);
		}
	}
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_bwrap(ctx, "urlquery.decode", r);
	}
	return str_from_bytes(ctx, "urlquery.decode", &b, out);
}

/* urlquery.encode_object: Go url.Values.Encode (keys sorted, arrays and
 * sets repeat the key). */
static ct_result bi_urlquery_encode_object(ARGS)
{
	struct ct_rego_value *o = args[0];
	struct ct_buf b;
	ct_result r = CT_OK;
	size_t i, k;
	bool first = true;

	CT_GUARD(bi_arg(ctx, "urlquery.encode_object", args, 0, K_OBJ, "object"));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	for (i = 0; i < o->u.coll.len && ct_ok(r); i++) {
		const struct ct_rego_value *key = o->u.coll.items[i], *v = o->u.coll.vals[i];
		struct ct_rego_value *const *vals = &o->u.coll.vals[i];
		size_t nv = 1;

		if (key->kind != CT_REGO_STRING) {
			ct_buf_dispose(&b);
			return ct_rego_btype_error(ctx, "urlquery.encode_object", 1,
						   "object[string: string|array|set]", key);
		}
		if (v->kind == CT_REGO_ARRAY || v->kind == CT_REGO_SET) {
			vals = v->u.coll.items;
			nv = v->u.coll.len;
		}
		for (k = 0; k < nv && ct_ok(r); k++) {
			if (vals[k]->kind != CT_REGO_STRING) {
				ct_buf_dispose(&b);
				return ct_rego_btype_error(ctx, "urlquery.encode_object", 1,
							   "object[string: string|array|set]", vals[k]);
			}
			if (!first)
				r = ct_buf_append_byte(&b, '&');
			first = false;
			if (ct_ok(r))
				r = url_escape(&b, key->u.str.s, key->u.str.len);
			if (ct_ok(r))
				r = ct_buf_append_byte(&b, '=');
			if (ct_ok(r))
				r = url_escape(&b, vals[k]->u.str.s, vals[k]->u.str.len);
		}
	}
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_bwrap(ctx, "urlquery.encode_object", r);
	}
	return ct_rego_bret_buf(out, &b);
}

static ct_result unescape(const char *s, size_t len, struct ct_rego_value **out)
{
	struct ct_buf b;
	ct_result r = CT_OK;
	size_t i;

	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	for (i = 0; i < len && ct_ok(r); i++) {
		if (s[i] == '+') {
			r = ct_buf_append_byte(&b, ' ');
		} else if (s[i] == '%') {
			if (i + 2 >= len + 0 || hv(s[i + 1]) < 0 || hv(s[i + 2]) < 0) {
				ct_buf_dispose(&b);
				return CT_FAIL(CT_ERR_PROTO, "invalid URL escape \"%.3s\"", s + i);
			}
			r = ct_buf_append_byte(&b, (uint8_t)(hv(s[i + 1]) * 16 + hv(s[i + 2])));
			i += 2;
		} else {
			r = ct_buf_append_byte(&b, (uint8_t)s[i]);
		}
	}
	if (ct_ok(r) && !ct_rego_utf8_valid(ct_buf_cstr(&b), b.len))
		r = CT_FAIL(CT_ERR_PROTO, "decoded bytes are not valid UTF-8");
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return r;
	}
	return ct_rego_bret_buf(out, &b);
}

static ct_result bi_urlquery_decode_object(ARGS)
{
	const char *s;
	size_t len, i = 0;
	struct ct_rego_value *o;
	ct_result res = CT_OK;

	CT_GUARD(bi_arg(ctx, "urlquery.decode_object", args, 0, K_STR, "string"));
	s = args[0]->u.str.s;
	len = args[0]->u.str.len;
	o = ct_rego_object_new(0);
	CT_ENSURE(o != NULL, CT_ERR_NOMEM, "rego: out of memory");
	while (i < len) {
		size_t e = i, eq;
		struct ct_rego_value *k = NULL, *v = NULL, *arr;

		while (e < len && s[e] != '&')
			e++;
		if (e > i) {
			eq = i;
			while (eq < e && s[eq] != '=')
				eq++;
			res = unescape(s + i, eq - i, &k);
			if (ct_ok(res))
				res = unescape(s + (eq < e ? eq + 1 : e), eq < e ? e - eq - 1 : 0, &v);
			if (!ct_ok(res)) {
				ct_rego_value_unref(k);
				ct_rego_value_unref(o);
				return ct_rego_bwrap(ctx, "urlquery.decode_object", res);
			}
			arr = ct_rego_object_get(o, k);
			if (arr == NULL) {
				arr = ct_rego_array_new(1);
				res = ct_rego_array_append(arr, v);
				if (ct_ok(res))
					res = ct_rego_object_insert(o, k, arr);
				else {
					ct_rego_value_unref(k);
					ct_rego_value_unref(arr);
				}
			} else {
				/* only this builder holds the array: append in place */
				res = ct_rego_array_append(arr, v);
				ct_rego_value_unref(k);
			}
			CT_TRY(res);
		}
		i = e + 1;
	}
	*out = o;
	return CT_OK;
out:
	ct_rego_value_unref(o);
	return res;
}

/* ---------------------------------------------------------------- units */

struct unit {
	const char *suffix;
	double mult;
};

static const struct unit byte_units[] = {
	{ "kib", 1024.0 }, { "mib", 1048576.0 }, { "gib", 1073741824.0 },
	{ "tib", 1099511627776.0 }, { "pib", 1125899906842624.0 },
	{ "eib", 1152921504606846976.0 },
	{ "ki", 1024.0 }, { "mi", 1048576.0 }, { "gi", 1073741824.0 },
	{ "ti", 1099511627776.0 }, { "pi", 1125899906842624.0 },
	{ "ei", 1152921504606846976.0 },
	{ "kb", 1e3 }, { "mb", 1e6 }, { "gb", 1e9 }, { "tb", 1e12 },
	{ "pb", 1e15 }, { "eb", 1e18 },
	{ "k", 1e3 }, { "m", 1e6 }, { "g", 1e9 }, { "t", 1e12 },
	{ "p", 1e15 }, { "e", 1e18 }, { "b", 1 }, { NULL, 0 },
};

/* units.parse ignores case except for the lone "m" (milli) / "M" (mega);
 * mult < 0 means divide by -mult (exact for milli). */
static const struct unit si_units[] = {
	{ "ki", 1024.0 }, { "mi", 1048576.0 }, { "gi", 1073741824.0 },
	{ "ti", 1099511627776.0 }, { "pi", 1125899906842624.0 },
	{ "ei", 1152921504606846976.0 },
	{ "k", 1e3 }, { "g", 1e9 }, { "t", 1e12 }, { "p", 1e15 }, { "e", 1e18 },
	{ NULL, 0 },
};

static ct_result units_common(struct ct_rego_bctx *ctx, const char *name,
			      bool bytes, struct ct_rego_value *const *args,
			      struct ct_rego_value **out)
{
	const struct unit *units = bytes ? byte_units : si_units;
	const char *what = bytes ? "byte amount" : "amount";
	char num[128], low[16];
	const char *s;
	size_t len, nl, i, sl;
	double mult = 1, d;
	char *end;

	CT_GUARD(bi_arg(ctx, name, args, 0, K_STR, "string"));
	s = S(0);
	len = L(0);
	/* Strip surrounding double quotes, as OPA does. */
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	for (i = 0; i < len; i++)
		if (s[i] == ' ')
			return ct_rego_berror(ctx, "%s: spaces not allowed in resource strings", name);
	nl = 0;
	while (nl < len && strchr("0123456789.eE+-", s[nl]) != NULL && s[nl] != '\0') {
		/* 'e'/'E' belong to the number only when followed by a digit
		 * or sign; otherwise they start the suffix (E = exa). */
		if ((s[nl] == 'e' || s[nl] == 'E') &&
		    (nl + 1 >= len || strchr("0123456789+-", s[nl + 1]) == NULL))
			break;
		nl++;
	}
	if (nl == 0)
		return ct_rego_berror(ctx, "%s: no %s provided", name, what);
	sl = len - nl;
	if (sl > 0) {
		if (sl >= sizeof(low))
			return ct_rego_berror(ctx, "%s: could not parse %s to a number", name, what);
		for (i = 0; i < sl; i++)
			low[i] = s[nl + i] >= 'A' && s[nl + i] <= 'Z'
					 ? (char)(s[nl + i] + 32) : s[nl + i];
		low[sl] = '\0';
		if (!bytes && sl == 1 && s[nl] == 'm') {
			mult = -1000; /* milli */
		} else if (!bytes && sl == 1 && s[nl] == 'M') {
			mult = 1e6;
		} else {
			for (i = 0; units[i].suffix != NULL; i++)
				if (strcmp(units[i].suffix, low) == 0)
					break;
			if (units[i].suffix == NULL)
				return ct_rego_berror(ctx, "%s: could not parse %s to a number", name, what);
			mult = units[i].mult;
		}
	}
	if (nl >= sizeof(num))
		return ct_rego_berror(ctx, "%s: could not parse %s to a number", name, what);
	memcpy(num, s, nl);
	num[nl] = '\0';
	{
		const char *e = strpbrk(num, "eE");

		if (e != NULL && labs(strtol(e + 1, NULL, 10)) > 300)
			return ct_rego_berror(ctx, "%s: exponent too large", name);
	}
	d = strtod(num, &end);
	if (*end != '\0' || end == num)
		return ct_rego_berror(ctx, "%s: could not parse %s to a number", name, what);
	d = mult < 0 ? d / -mult : d * mult;
	if (isinf(d))
		return ct_rego_berror(ctx, "%s: exponent too large", name);
	if (bytes)
		d = trunc(d);
	return bi_ret(out, ct_rego_value_double(d));
}

static ct_result bi_units_parse_bytes(ARGS)
{
	return units_common(ctx, "units.parse_bytes", true, args, out);
}

static ct_result bi_units_parse(ARGS)
{
	return units_common(ctx, "units.parse", false, args, out);
}

CT_BUILTIN(bi_b64_encode, "base64.encode", 1);
CT_BUILTIN(bi_b64_decode, "base64.decode", 1);
CT_BUILTIN(bi_b64_is_valid, "base64.is_valid", 1);
CT_BUILTIN(bi_b64url_encode, "base64url.encode", 1);
CT_BUILTIN(bi_b64url_encode_np, "base64url.encode_no_pad", 1);
CT_BUILTIN(bi_b64url_decode, "base64url.decode", 1);
CT_BUILTIN(bi_hex_encode, "hex.encode", 1);
CT_BUILTIN(bi_hex_decode, "hex.decode", 1);
CT_BUILTIN(bi_json_marshal, "json.marshal", 1);
CT_BUILTIN(bi_json_unmarshal, "json.unmarshal", 1);
CT_BUILTIN(bi_json_is_valid, "json.is_valid", 1);
CT_BUILTIN(bi_json_marshal_opts, "json.marshal_with_options", 2);
CT_BUILTIN(bi_urlquery_encode, "urlquery.encode", 1);
CT_BUILTIN(bi_urlquery_decode, "urlquery.decode", 1);
CT_BUILTIN(bi_urlquery_encode_object, "urlquery.encode_object", 1);
CT_BUILTIN(bi_urlquery_decode_object, "urlquery.decode_object", 1);
CT_BUILTIN(bi_units_parse_bytes, "units.parse_bytes", 1);
CT_BUILTIN(bi_units_parse, "units.parse", 1);

const struct ct_rego_builtin *const ct_rego_builtins_encoding[] = {
	&b_bi_b64_encode, &b_bi_b64_decode, &b_bi_b64_is_valid,
	&b_bi_b64url_encode, &b_bi_b64url_encode_np, &b_bi_b64url_decode,
	&b_bi_hex_encode, &b_bi_hex_decode, &b_bi_json_marshal,
	&b_bi_json_unmarshal, &b_bi_json_is_valid, &b_bi_json_marshal_opts, &b_bi_urlquery_encode,
	&b_bi_urlquery_decode, &b_bi_urlquery_encode_object,
	&b_bi_urlquery_decode_object, &b_bi_units_parse_bytes, &b_bi_units_parse,
	NULL,
};
