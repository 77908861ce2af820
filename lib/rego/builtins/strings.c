/*
 * strings.c - string built-ins: concat contains startswith endswith lower
 * upper trim* split substring indexof(_n) replace strings.* format_int
 * sprintf. Rego strings index by code point; every produced string is
 * bounded by CT_REGO_BUILTIN_STR_MAX and charged to the evaluation budget
 * so replace/repetition cannot blow memory up.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out
#define S(i) (args[i]->u.str.s)
#define L(i) (args[i]->u.str.len)

static ct_result need_str(struct ct_rego_bctx *ctx, const char *name,
			  struct ct_rego_value *const *args, int n)
{
	int i;

	for (i = 0; i < n; i++)
		CT_GUARD(bi_arg(ctx, name, args, i, K_STR, "string"));
	return CT_OK;
}

static const char *memfind(const char *h, size_t hl, const char *n, size_t nl)
{
	if (nl == 0)
		return h;
	if (nl > hl)
		return NULL;
	return memmem(h, hl, n, nl);
}

static ct_result bi_contains(ARGS)
{
	CT_GUARD(need_str(ctx, "contains", args, 2));
	*out = ct_rego_value_bool(memfind(S(0), L(0), S(1), L(1)) != NULL);
	return CT_OK;
}

static ct_result bi_startswith(ARGS)
{
	CT_GUARD(need_str(ctx, "startswith", args, 2));
	*out = ct_rego_value_bool(L(1) <= L(0) &&
				  memcmp(S(0), S(1), L(1)) == 0);
	return CT_OK;
}

static ct_result bi_endswith(ARGS)
{
	CT_GUARD(need_str(ctx, "endswith", args, 2));
	*out = ct_rego_value_bool(L(1) <= L(0) &&
				  memcmp(S(0) + L(0) - L(1), S(1), L(1)) == 0);
	return CT_OK;
}

static ct_result case_map(struct ct_rego_bctx *ctx, const char *name,
			  bool up, struct ct_rego_value *const *args,
			  struct ct_rego_value **out)
{
	struct ct_rego_value *v;
	size_t i;

	CT_GUARD(need_str(ctx, name, args, 1));
	v = ct_rego_value_string_new(S(0), L(0));
	CT_ENSURE(v != NULL, CT_ERR_NOMEM, "rego: out of memory");
	/* ASCII only; non-ASCII letters keep their case (documented gap). */
	for (i = 0; i < L(0); i++) {
		char c = v->u.str.s[i];

		if (up && c >= 'a' && c <= 'z')
			v->u.str.s[i] = (char)(c - 32);
		else if (!up && c >= 'A' && c <= 'Z')
			v->u.str.s[i] = (char)(c + 32);
	}
	*out = v;
	return CT_OK;
}

static ct_result bi_lower(ARGS) { return case_map(ctx, "lower", false, args, out); }
static ct_result bi_upper(ARGS) { return case_map(ctx, "upper", true, args, out); }

/* Is code point at s[i] in cutset? */
static bool in_cutset(const char *cut, size_t cl, uint32_t cp)
{
	size_t i = 0;

	while (i < cl)
		if (ct_rego_utf8_next(cut, cl, &i) == cp)
			return true;
	return false;
}

static size_t utf8_prev(const char *s, size_t end)
{
	size_t i = end;

	if (i == 0)
		return 0;
	i--;
	while (i > 0 && ((uint8_t)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

static ct_result trim_impl(const char *s, size_t len, const char *cut,
			   size_t cl, bool left, bool right,
			   struct ct_rego_value **out)
{
	size_t a = 0, b = len;

	if (left)
		while (a < b) {
			size_t j = a;
			uint32_t cp = ct_rego_utf8_next(s, b, &j);

			if (!in_cutset(cut, cl, cp))
				break;
			a = j;
		}
	if (right)
		while (b > a) {
			size_t p = utf8_prev(s, b), j = p;
			uint32_t cp = ct_rego_utf8_next(s, b, &j);

			if (!in_cutset(cut, cl, cp))
				break;
			b = p;
		}
	return bi_ret(out, ct_rego_value_string_new(s + a, b - a));
}

static ct_result bi_trim(ARGS)
{
	CT_GUARD(need_str(ctx, "trim", args, 2));
	return trim_impl(S(0), L(0), S(1), L(1), true, true, out);
}

static ct_result bi_trim_left(ARGS)
{
	CT_GUARD(need_str(ctx, "trim_left", args, 2));
	return trim_impl(S(0), L(0), S(1), L(1), true, false, out);
}

static ct_result bi_trim_right(ARGS)
{
	CT_GUARD(need_str(ctx, "trim_right", args, 2));
	return trim_impl(S(0), L(0), S(1), L(1), false, true, out);
}

static const char ws[] = " \t\n\v\f\r";

static ct_result bi_trim_space(ARGS)
{
	CT_GUARD(need_str(ctx, "trim_space", args, 1));
	return trim_impl(S(0), L(0), ws, sizeof(ws) - 1, true, true, out);
}

static ct_result bi_trim_prefix(ARGS)
{
	CT_GUARD(need_str(ctx, "trim_prefix", args, 2));
	if (L(1) <= L(0) && memcmp(S(0), S(1), L(1)) == 0)
		return bi_ret(out, ct_rego_value_string_new(S(0) + L(1),
							    L(0) - L(1)));
	*out = ct_rego_value_ref(args[0]);
	return CT_OK;
}

static ct_result bi_trim_suffix(ARGS)
{
	CT_GUARD(need_str(ctx, "trim_suffix", args, 2));
	if (L(1) <= L(0) && memcmp(S(0) + L(0) - L(1), S(1), L(1)) == 0)
		return bi_ret(out, ct_rego_value_string_new(S(0), L(0) - L(1)));
	*out = ct_rego_value_ref(args[0]);
	return CT_OK;
}

/* Go strings.SplitN semantics; n < 0 = all. */
static ct_result split_impl(struct ct_rego_bctx *ctx, const char *s,
			    size_t len, const char *sep, size_t sl, int64_t n,
			    struct ct_rego_value **out)
{
	struct ct_rego_value *arr;
	ct_result res = CT_OK;
	size_t i = 0;

	arr = ct_rego_array_new(0);
	CT_ENSURE(arr != NULL, CT_ERR_NOMEM, "rego: out of memory");
	if (n == 0)
		goto done;
	CT_TRY(ct_rego_bcharge(ctx, len));
	if (sl == 0) {
		/* explode into code points */
		while (i < len) {
			size_t j = i;

			if (n > 0 && (int64_t)arr->u.coll.len == n - 1) {
				CT_TRY(ct_rego_array_append(
					arr, ct_rego_value_string_new(s + i, len - i)));
				goto done;
			}
			ct_rego_utf8_next(s, len, &j);
			CT_TRY(ct_rego_array_append(
				arr, ct_rego_value_string_new(s + i, j - i)));
			i = j;
		}
		goto done;
	}
	for (;;) {
		const char *hit;

		if (n > 0 && (int64_t)arr->u.coll.len == n - 1)
			hit = NULL;
		else
			hit = memfind(s + i, len - i, sep, sl);
		if (hit == NULL) {
			CT_TRY(ct_rego_array_append(
				arr, ct_rego_value_string_new(s + i, len - i)));
			break;
		}
		CT_TRY(ct_rego_array_append(
			arr, ct_rego_value_string_new(s + i,
						      (size_t)(hit - (s + i)))));
		i = (size_t)(hit - s) + sl;
	}
done:
	*out = arr;
	return CT_OK;
out:
	ct_rego_value_unref(arr);
	return res;
}

static ct_result bi_split(ARGS)
{
	CT_GUARD(need_str(ctx, "split", args, 2));
	return split_impl(ctx, S(0), L(0), S(1), L(1), -1, out);
}

static ct_result bi_split_n(ARGS)
{
	int64_t n;

	struct ct_rego_value *all = NULL, *r;
	size_t cnt, from, k;
	ct_result res = CT_OK;

	CT_GUARD(need_str(ctx, "strings.split_n", args, 2));
	CT_GUARD(ct_rego_barg_int(ctx, "strings.split_n", args, 2, &n));
	/* OPA keeps the first n parts (n > 0) or the last -n (n < 0). */
	CT_GUARD(split_impl(ctx, S(0), L(0), S(1), L(1), -1, &all));
	cnt = all->u.coll.len;
	if (n >= 0) {
		from = 0;
		cnt = (uint64_t)n < cnt ? (size_t)n : cnt;
	} else {
		uint64_t m = (uint64_t)0 - (uint64_t)n;

		from = m < cnt ? cnt - (size_t)m : 0;
		cnt -= from;
	}
	r = ct_rego_array_new(cnt);
	CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (k = 0; k < cnt; k++)
		r->u.coll.items[k] = ct_rego_value_ref(all->u.coll.items[from + k]);
	r->u.coll.len = cnt;
	*out = r;
out:
	ct_rego_value_unref(all);
	return res;
}

static ct_result bi_concat(ARGS)
{
	struct ct_rego_value *c = args[1];
	struct ct_buf b;
	ct_result res = CT_OK;
	size_t i;

	CT_GUARD(bi_arg(ctx, "concat", args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, "concat", args, 1, K_ARR | K_SET,
			"one of {array, set}"));
	for (i = 0; i < c->u.coll.len; i++)
		if (c->u.coll.items[i]->kind != CT_REGO_STRING) {
			ctx->err_kind = CT_REGO_BERR_TYPE;
			return CT_FAIL(CT_ERR_POLICY,
				       "concat: operand 2 must be one of {array, "
				       "set} of strings but got %s containing %s",
				       ct_rego_value_type_name(c),
				       ct_rego_value_type_name(c->u.coll.items[i]));
		}
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	for (i = 0; i < c->u.coll.len; i++) {
		if (i > 0)
			CT_TRY(ct_buf_append(&b, S(0), L(0)));
		CT_TRY(ct_buf_append(&b, c->u.coll.items[i]->u.str.s,
				     c->u.coll.items[i]->u.str.len));
	}
	CT_TRY(ct_rego_bcharge(ctx, b.len));
	return ct_rego_bret_buf(out, &b);
out:
	ct_buf_dispose(&b);
	return ct_rego_bwrap(ctx, "concat", res);
}

static ct_result replace_impl(struct ct_rego_bctx *ctx, const char *name,
			      const char *s, size_t len, const char *old,
			      size_t ol, const char *nw, size_t nl, int64_t n,
			      struct ct_rego_value **out)
{
	struct ct_buf b;
	ct_result res = CT_OK;
	size_t i = 0;
	int64_t done = 0;

	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	if (ol == 0) {
		/* Go: insert `new` before each code point and at the end. */
		while (n < 0 || done < n) {
			CT_TRY(ct_buf_append(&b, nw, nl));
			done++;
			if (i >= len)
				break;
			{
				size_t j = i;

				ct_rego_utf8_next(s, len, &j);
				CT_TRY(ct_buf_append(&b, s + i, j - i));
				i = j;
			}
		}
		CT_TRY(ct_buf_append(&b, s + i, len - i));
	} else {
		while (n < 0 || done < n) {
			const char *hit = memfind(s + i, len - i, old, ol);

			if (hit == NULL)
				break;
			CT_TRY(ct_buf_append(&b, s + i, (size_t)(hit - (s + i))));
			CT_TRY(ct_buf_append(&b, nw, nl));
			i = (size_t)(hit - s) + ol;
			done++;
		}
		CT_TRY(ct_buf_append(&b, s + i, len - i));
	}
	CT_TRY(ct_rego_bcharge(ctx, b.len));
	return ct_rego_bret_buf(out, &b);
out:
	ct_buf_dispose(&b);
	return ct_rego_bwrap(ctx, name, res);
}

static ct_result bi_replace(ARGS)
{
	CT_GUARD(need_str(ctx, "replace", args, 3));
	return replace_impl(ctx, "replace", S(0), L(0), S(1), L(1), S(2), L(2),
			    -1, out);
}

/* strings.replace_n(patterns, string): Go's strings.NewReplacer, keys in
 * sorted order, leftmost match wins, earlier (sorted) key on ties. */
static ct_result bi_replace_n(ARGS)
{
	struct ct_rego_value *p = args[0];
	struct ct_buf b;
	ct_result res = CT_OK;
	size_t i = 0, k;

	CT_GUARD(bi_arg(ctx, "strings.replace_n", args, 0, K_OBJ, "object"));
	CT_GUARD(bi_arg(ctx, "strings.replace_n", args, 1, K_STR, "string"));
	for (k = 0; k < p->u.coll.len; k++) {
		const char *bad = p->u.coll.items[k]->kind != CT_REGO_STRING ? "key"
				  : p->u.coll.vals[k]->kind != CT_REGO_STRING ? "value"
				  : NULL;

		if (bad != NULL) {
			/* OPA: an operand type error (eval_type_error). */
			res = ct_rego_berror(ctx, "strings.replace_n: operand 1 "
					     "non-string %s found in pattern object", bad);
			ctx->err_kind = CT_REGO_BERR_TYPE;
			return res;
		}
	}
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	while (i <= L(1)) {
		bool matched = false;

		for (k = 0; k < p->u.coll.len; k++) {
			const struct ct_rego_value *key = p->u.coll.items[k];

			if (key->u.str.len <= L(1) - i &&
			    memcmp(S(1) + i, key->u.str.s, key->u.str.len) == 0 &&
			    (key->u.str.len > 0)) {
				CT_TRY(ct_buf_append(&b, p->u.coll.vals[k]->u.str.s,
						     p->u.coll.vals[k]->u.str.len));
				i += key->u.str.len;
				matched = true;
				break;
			}
		}
		if (matched)
			continue;
		if (i == L(1))
			break;
		CT_TRY(ct_buf_append_byte(&b, (uint8_t)S(1)[i]));
		i++;
	}
	CT_TRY(ct_rego_bcharge(ctx, b.len));
	return ct_rego_bret_buf(out, &b);
out:
	ct_buf_dispose(&b);
	return ct_rego_bwrap(ctx, "strings.replace_n", res);
}

static ct_result bi_substring(ARGS)
{
	int64_t off, n;
	size_t cps, a, b;

	CT_GUARD(bi_arg(ctx, "substring", args, 0, K_STR, "string"));
	CT_GUARD(ct_rego_barg_int(ctx, "substring", args, 1, &off));
	CT_GUARD(ct_rego_barg_int(ctx, "substring", args, 2, &n));
	if (off < 0)
		return ct_rego_berror(ctx, "substring: negative offset");
	cps = ct_rego_utf8_count(S(0), L(0));
	if ((uint64_t)off >= cps)
		return bi_ret(out, ct_rego_value_string_new("", 0));
	a = ct_rego_utf8_offset(S(0), L(0), (size_t)off);
	if (n < 0 || (uint64_t)off + (uint64_t)n >= cps)
		b = L(0);
	else
		b = a + ct_rego_utf8_offset(S(0) + a, L(0) - a, (size_t)n);
	return bi_ret(out, ct_rego_value_string_new(S(0) + a, b - a));
}

static ct_result bi_indexof(ARGS)
{
	const char *hit;

	CT_GUARD(need_str(ctx, "indexof", args, 2));
	hit = memfind(S(0), L(0), S(1), L(1));
	if (hit == NULL)
		return bi_ret(out, ct_rego_value_int(-1));
	return bi_ret(out, ct_rego_value_int((int64_t)ct_rego_utf8_count(
				   S(0), (size_t)(hit - S(0)))));
}

static ct_result bi_indexof_n(ARGS)
{
	struct ct_rego_value *arr;
	ct_result res = CT_OK;
	size_t i = 0;

	CT_GUARD(need_str(ctx, "indexof_n", args, 2));
	arr = ct_rego_array_new(0);
	CT_ENSURE(arr != NULL, CT_ERR_NOMEM, "rego: out of memory");
	while (i <= L(0)) {
		const char *hit = memfind(S(0) + i, L(0) - i, S(1), L(1));

		if (hit == NULL)
			break;
		CT_TRY(ct_rego_array_append(
			arr, ct_rego_value_int((int64_t)ct_rego_utf8_count(
				     S(0), (size_t)(hit - S(0))))));
		i = (size_t)(hit - S(0)) + (L(1) ? L(1) : 1);
	}
	*out = arr;
	return CT_OK;
out:
	ct_rego_value_unref(arr);
	return res;
}

static ct_result bi_reverse(ARGS)
{
	struct ct_buf b;
	ct_result res = CT_OK;
	size_t end;

	CT_GUARD(bi_arg(ctx, "strings.reverse", args, 0, K_STR, "string"));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	end = L(0);
	while (end > 0) {
		size_t p = utf8_prev(S(0), end);

		CT_TRY(ct_buf_append(&b, S(0) + p, end - p));
		end = p;
	}
	return ct_rego_bret_buf(out, &b);
out:
	ct_buf_dispose(&b);
	return res;
}

static ct_result bi_count_str(ARGS)
{
	size_t i = 0, n = 0;

	CT_GUARD(need_str(ctx, "strings.count", args, 2));
	if (L(1) == 0)
		return bi_ret(out, ct_rego_value_int(
					   (int64_t)ct_rego_utf8_count(S(0), L(0)) + 1));
	for (;;) {
		const char *hit = memfind(S(0) + i, L(0) - i, S(1), L(1));

		if (hit == NULL)
			break;
		n++;
		i = (size_t)(hit - S(0)) + L(1);
	}
	return bi_ret(out, ct_rego_value_int((int64_t)n));
}

/* operand may be string, or array/set of strings. */
static ct_result str_list(struct ct_rego_bctx *ctx, const char *name,
			  struct ct_rego_value *const *args, int i,
			  struct ct_rego_value *const **items, size_t *n)
{
	struct ct_rego_value *a = args[i];
	size_t k;

	CT_GUARD(bi_arg(ctx, name, args, i, K_STR | K_SET | K_ARR,
			"one of {string, set, array}"));
	if (a->kind == CT_REGO_STRING) {
		*items = &args[i];
		*n = 1;
		return CT_OK;
	}
	for (k = 0; k < a->u.coll.len; k++)
		if (a->u.coll.items[k]->kind != CT_REGO_STRING) {
			ctx->err_kind = CT_REGO_BERR_TYPE;
			return CT_FAIL(CT_ERR_POLICY,
				       "%s: operand %d must be %s of strings but "
				       "got %s containing %s",
				       name, i + 1, ct_rego_value_type_name(a),
				       ct_rego_value_type_name(a),
				       ct_rego_value_type_name(a->u.coll.items[k]));
		}
	*items = a->u.coll.items;
	*n = a->u.coll.len;
	return CT_OK;
}

static ct_result any_match(struct ct_rego_bctx *ctx, const char *name,
			   bool prefix, struct ct_rego_value *const *args,
			   struct ct_rego_value **out)
{
	struct ct_rego_value *const *xs, *const *ps;
	size_t nx, np, i, j;

	CT_GUARD(str_list(ctx, name, args, 0, &xs, &nx));
	CT_GUARD(str_list(ctx, name, args, 1, &ps, &np));
	for (i = 0; i < nx; i++)
		for (j = 0; j < np; j++) {
			const struct ct_rego_value *x = xs[i], *p = ps[j];

			if (p->u.str.len <= x->u.str.len &&
			    memcmp(prefix ? x->u.str.s
					  : x->u.str.s + x->u.str.len - p->u.str.len,
				   p->u.str.s, p->u.str.len) == 0) {
				*out = ct_rego_value_bool(true);
				return CT_OK;
			}
		}
	*out = ct_rego_value_bool(false);
	return CT_OK;
}

static ct_result bi_any_prefix(ARGS)
{
	return any_match(ctx, "strings.any_prefix_match", true, args, out);
}

static ct_result bi_any_suffix(ARGS)
{
	return any_match(ctx, "strings.any_suffix_match", false, args, out);
}

/* format_int of an integer beyond int64 (canonical decimal text): exact,
 * through OpenSSL's BIGNUM, lower-case digits, '-' for negatives. */
static ct_result format_big(struct ct_rego_bctx *ctx, const char *dec,
			    unsigned base, struct ct_rego_value **out)
{
	static const char digits[] = "0123456789abcdef";
	BIGNUM *n = NULL;
	struct ct_buf b;
	ct_result res = CT_OK;
	bool neg = dec[0] == '-';
	size_t i;

	if (base == 10)
		return bi_ret(out, ct_rego_value_cstring(dec));
	if (BN_dec2bn(&n, neg ? dec + 1 : dec) == 0)
		return ct_rego_berror(ctx, "format_int: invalid integer %s", dec);
	ct_buf_init(&b, CT_REGO_NUMBER_TEXT_MAX * 4 + 2);
	while (ct_ok(res) && !BN_is_zero(n)) {
		BN_ULONG d = BN_div_word(n, base);

		if (d == (BN_ULONG)-1)
			res = CT_FAIL(CT_ERR_INTERNAL, "format_int: BN_div_word failed");
		else
			res = ct_buf_append_byte(&b, (uint8_t)digits[d]);
	}
	if (ct_ok(res) && neg)
		res = ct_buf_append_byte(&b, '-');
	BN_free(n);
	if (ct_ok(res)) {
		for (i = 0; i < b.len / 2; i++) {
			uint8_t t = b.data[i];

			b.data[i] = b.data[b.len - 1 - i];
			b.data[b.len - 1 - i] = t;
		}
		res = bi_ret(out, ct_rego_value_string_new((const char *)b.data, b.len));
	}
	ct_buf_dispose(&b);
	return res;
}

static ct_result bi_format_int(ARGS)
{
	static const char digits[] = "0123456789abcdef";
	char buf[80];
	size_t p = sizeof(buf);
	int64_t base;
	double d;
	uint64_t u;
	bool neg;

	CT_GUARD(bi_arg(ctx, "format_int", args, 0, K_NUM, "number"));
	CT_GUARD(bi_arg(ctx, "format_int", args, 1, K_NUM, "number"));
	if (!ct_rego_number_to_int64(args[1], &base) ||
	    (base != 2 && base != 8 && base != 10 && base != 16)) {
		ct_result e = ct_rego_berror(ctx, "format_int: operand 2 must be one of {2, 8, 10, 16}");

		ctx->err_kind = CT_REGO_BERR_TYPE;
		return e;
	}
	if (args[0]->numkind == CT_NUM_BIG)
		return format_big(ctx, args[0]->u.num.text, (unsigned)base, out);
	d = ct_rego_number_to_double(args[0]);
	if (args[0]->numkind == CT_NUM_INT) {
		neg = args[0]->u.num.i < 0;
		u = neg ? (uint64_t)0 - (uint64_t)args[0]->u.num.i
			: (uint64_t)args[0]->u.num.i;
	} else {
		/* OPA truncates toward zero. */
		neg = d < 0;
		d = neg ? -d : d;
		if (d >= 18446744073709551616.0)
			return ct_rego_berror(ctx, "format_int: number too large");
		u = (uint64_t)d;
	}
	buf[--p] = '\0';
	do {
		buf[--p] = digits[u % (uint64_t)base];
		u /= (uint64_t)base;
	} while (u > 0);
	if (neg && !(buf[p] == '0' && buf[p + 1] == '\0'))
		buf[--p] = '-';
	return bi_ret(out, ct_rego_value_cstring(buf + p));
}

CT_BUILTIN(bi_contains, "contains", 2);
CT_BUILTIN(bi_startswith, "startswith", 2);
CT_BUILTIN(bi_endswith, "endswith", 2);
CT_BUILTIN(bi_lower, "lower", 1);
CT_BUILTIN(bi_upper, "upper", 1);
CT_BUILTIN(bi_trim, "trim", 2);
CT_BUILTIN(bi_trim_left, "trim_left", 2);
CT_BUILTIN(bi_trim_right, "trim_right", 2);
CT_BUILTIN(bi_trim_space, "trim_space", 1);
CT_BUILTIN(bi_trim_prefix, "trim_prefix", 2);
CT_BUILTIN(bi_trim_suffix, "trim_suffix", 2);
CT_BUILTIN(bi_split, "split", 2);
CT_BUILTIN(bi_split_n, "strings.split_n", 3);
CT_BUILTIN(bi_concat, "concat", 2);
CT_BUILTIN(bi_replace, "replace", 3);
CT_BUILTIN(bi_replace_n, "strings.replace_n", 2);
CT_BUILTIN(bi_substring, "substring", 3);
CT_BUILTIN(bi_indexof, "indexof", 2);
CT_BUILTIN(bi_indexof_n, "indexof_n", 2);
CT_BUILTIN(bi_reverse, "strings.reverse", 1);
CT_BUILTIN(bi_count_str, "strings.count", 2);
CT_BUILTIN(bi_any_prefix, "strings.any_prefix_match", 2);
CT_BUILTIN(bi_any_suffix, "strings.any_suffix_match", 2);
CT_BUILTIN(bi_format_int, "format_int", 2);

const struct ct_rego_builtin *const ct_rego_builtins_strings[] = {
	&b_bi_contains, &b_bi_startswith, &b_bi_endswith, &b_bi_lower,
	&b_bi_upper, &b_bi_trim, &b_bi_trim_left, &b_bi_trim_right,
	&b_bi_trim_space, &b_bi_trim_prefix, &b_bi_trim_suffix, &b_bi_split,
	&b_bi_split_n, &b_bi_concat, &b_bi_replace, &b_bi_replace_n,
	&b_bi_substring, &b_bi_indexof, &b_bi_indexof_n, &b_bi_reverse,
	&b_bi_count_str, &b_bi_any_prefix, &b_bi_any_suffix, &b_bi_format_int,
	NULL,
};
