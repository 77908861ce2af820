/*
 * ops.c - operators (arithmetic, comparison, set & and |, membership),
 * aggregates (count sum product max min sort), number functions (abs ceil
 * floor round numbers.range rand.intn) and type predicates.
 *
 * Arguments are untrusted values; ranges are charged to the evaluation
 * budget before they are built so `numbers.range(0, 1e12)` hits a limit
 * instead of exhausting memory.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "rego/builtins/builtins_impl.h"

/* ------------------------------------------------------------ arithmetic */

static ct_result set_op(struct ct_rego_value *a, struct ct_rego_value *b,
			int op, struct ct_rego_value **out)
{
	struct ct_rego_value *r = ct_rego_set_new(a->u.coll.len);
	size_t i;

	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (i = 0; i < a->u.coll.len; i++) {
		bool in = ct_rego_set_contains(b, a->u.coll.items[i]);

		if ((op == '&' && in) || (op == '-' && !in) || op == '|') {
			ct_result r2 = ct_rego_set_add(
				r, ct_rego_value_ref(a->u.coll.items[i]));
			if (!ct_ok(r2)) {
				ct_rego_value_unref(r);
				return r2;
			}
		}
	}
	if (op == '|')
		for (i = 0; i < b->u.coll.len; i++) {
			ct_result r2 = ct_rego_set_add(
				r, ct_rego_value_ref(b->u.coll.items[i]));
			if (!ct_ok(r2)) {
				ct_rego_value_unref(r);
				return r2;
			}
		}
	*out = r;
	return CT_OK;
}

typedef ct_result (*numop)(const struct ct_rego_value *,
			   const struct ct_rego_value *,
			   struct ct_rego_value **);

static ct_result arith2(struct ct_rego_bctx *ctx, const char *name, numop f,
			struct ct_rego_value *const *args,
			struct ct_rego_value **out)
{
	CT_GUARD(bi_arg(ctx, name, args, 0, K_NUM, "number"));
	CT_GUARD(bi_arg(ctx, name, args, 1, K_NUM, "number"));
	return ct_rego_bwrap(ctx, name, f(args[0], args[1], out));
}

static ct_result bi_plus(struct ct_rego_bctx *ctx,
			 struct ct_rego_value *const *args,
			 struct ct_rego_value **out)
{
	return arith2(ctx, "plus", ct_rego_number_add, args, out);
}

static ct_result bi_mul(struct ct_rego_bctx *ctx,
			struct ct_rego_value *const *args,
			struct ct_rego_value **out)
{
	return arith2(ctx, "mul", ct_rego_number_mul, args, out);
}

static ct_result bi_div(struct ct_rego_bctx *ctx,
			struct ct_rego_value *const *args,
			struct ct_rego_value **out)
{
	return arith2(ctx, "div", ct_rego_number_div, args, out);
}

static ct_result bi_rem(struct ct_rego_bctx *ctx,
			struct ct_rego_value *const *args,
			struct ct_rego_value **out)
{
	return arith2(ctx, "rem", ct_rego_number_rem, args, out);
}

static ct_result bi_minus(struct ct_rego_bctx *ctx,
			  struct ct_rego_value *const *args,
			  struct ct_rego_value **out)
{
	if (args[0]->kind == CT_REGO_SET) {
		CT_GUARD(bi_arg(ctx, "minus", args, 1, K_SET, "set"));
		return set_op(args[0], args[1], '-', out);
	}
	if (args[0]->kind == CT_REGO_NUMBER) {
		CT_GUARD(bi_arg(ctx, "minus", args, 1, K_NUM, "number"));
		return ct_rego_bwrap(ctx, "minus",
				     ct_rego_number_sub(args[0], args[1], out));
	}
	return ct_rego_btype_error(ctx, "minus", 1, "one of {number, set}",
				   args[0]);
}

static ct_result bi_and(struct ct_rego_bctx *ctx,
			struct ct_rego_value *const *args,
			struct ct_rego_value **out)
{
	CT_GUARD(bi_arg(ctx, "and", args, 0, K_SET, "set"));
	CT_GUARD(bi_arg(ctx, "and", args, 1, K_SET, "set"));
	return set_op(args[0], args[1], '&', out);
}

static ct_result bi_or(struct ct_rego_bctx *ctx,
		       struct ct_rego_value *const *args,
		       struct ct_rego_value **out)
{
	CT_GUARD(bi_arg(ctx, "or", args, 0, K_SET, "set"));
	CT_GUARD(bi_arg(ctx, "or", args, 1, K_SET, "set"));
	return set_op(args[0], args[1], '|', out);
}

/* ------------------------------------------------------------ comparison */

#define CMP_BUILTIN(fn, expr)                                               \
	static ct_result fn(struct ct_rego_bctx *ctx,                       \
			    struct ct_rego_value *const *args,              \
			    struct ct_rego_value **out)                     \
	{                                                                   \
		int c = ct_rego_value_compare(args[0], args[1]);            \
		(void)ctx;                                                  \
		*out = ct_rego_value_bool(expr);                            \
		return CT_OK;                                               \
	}
CMP_BUILTIN(bi_equal, c == 0)
CMP_BUILTIN(bi_neq, c != 0)
CMP_BUILTIN(bi_lt, c < 0)
CMP_BUILTIN(bi_lte, c <= 0)
CMP_BUILTIN(bi_gt, c > 0)
CMP_BUILTIN(bi_gte, c >= 0)

static ct_result bi_member2(struct ct_rego_bctx *ctx,
			   struct ct_rego_value *const *args,
			   struct ct_rego_value **out)
{
	struct ct_rego_value *c = args[1];
	bool found = false;
	size_t i;

	(void)ctx;
	switch (c->kind) {
	case CT_REGO_SET:
		found = ct_rego_set_contains(c, args[0]);
		break;
	case CT_REGO_ARRAY:
		for (i = 0; i < c->u.coll.len && !found; i++)
			found = ct_rego_value_equal(c->u.coll.items[i], args[0]);
		break;
	case CT_REGO_OBJECT:
		for (i = 0; i < c->u.coll.len && !found; i++)
			found = ct_rego_value_equal(c->u.coll.vals[i], args[0]);
		break;
	default:
		break;
	}
	*out = ct_rego_value_bool(found);
	return CT_OK;
}

static ct_result bi_member3(struct ct_rego_bctx *ctx,
			   struct ct_rego_value *const *args,
			   struct ct_rego_value **out)
{
	struct ct_rego_value *c = args[2], *v;
	bool found = false;
	int64_t i;

	(void)ctx;
	switch (c->kind) {
	case CT_REGO_ARRAY:
		if (ct_rego_number_to_int64(args[0], &i) && i >= 0 &&
		    (uint64_t)i < c->u.coll.len)
			found = ct_rego_value_equal(c->u.coll.items[i], args[1]);
		break;
	case CT_REGO_OBJECT:
		v = ct_rego_object_get(c, args[0]);
		found = v != NULL && ct_rego_value_equal(v, args[1]);
		break;
	case CT_REGO_SET:
		found = ct_rego_value_equal(args[0], args[1]) &&
			ct_rego_set_contains(c, args[0]);
		break;
	default:
		break;
	}
	*out = ct_rego_value_bool(found);
	return CT_OK;
}

/* ------------------------------------------------------------ aggregates */

static ct_result bi_count(struct ct_rego_bctx *ctx,
			  struct ct_rego_value *const *args,
			  struct ct_rego_value **out)
{
	struct ct_rego_value *a = args[0];
	size_t n;

	CT_GUARD(bi_arg(ctx, "count", args, 0, K_ARR | K_OBJ | K_SET | K_STR,
			"one of {array, object, set, string}"));
	if (a->kind == CT_REGO_STRING)
		n = ct_rego_utf8_count(a->u.str.s, a->u.str.len);
	else
		n = a->u.coll.len;
	return bi_ret(out, ct_rego_value_int((int64_t)n));
}

static ct_result fold(struct ct_rego_bctx *ctx, const char *name, bool mul,
		      struct ct_rego_value *const *args,
		      struct ct_rego_value **out)
{
	struct ct_rego_value *acc, *next;
	size_t i;

	CT_GUARD(bi_arg(ctx, name, args, 0, K_ARR | K_SET,
			"one of {array, set}"));
	for (i = 0; i < args[0]->u.coll.len; i++)
		if (args[0]->u.coll.items[i]->kind != CT_REGO_NUMBER) {
			ctx->err_kind = CT_REGO_BERR_TYPE;
			return CT_FAIL(CT_ERR_POLICY,
				       "%s: operand 1 must be one of {array, "
				       "set} of numbers but got %s containing %s",
				       name, ct_rego_value_type_name(args[0]),
				       ct_rego_value_type_name(
					       args[0]->u.coll.items[i]));
		}
	acc = ct_rego_value_int(mul ? 1 : 0);
	CT_ENSURE(acc != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (i = 0; i < args[0]->u.coll.len; i++) {
		ct_result r = mul ? ct_rego_number_mul(acc, args[0]->u.coll.items[i], &next)
				  : ct_rego_number_add(acc, args[0]->u.coll.items[i], &next);
		ct_rego_value_unref(acc);
		if (!ct_ok(r))
			return ct_rego_bwrap(ctx, name, r);
		acc = next;
	}
	*out = acc;
	return CT_OK;
}

static ct_result bi_sum(struct ct_rego_bctx *ctx,
			struct ct_rego_value *const *args,
			struct ct_rego_value **out)
{
	return fold(ctx, "sum", false, args, out);
}

static ct_result bi_product(struct ct_rego_bctx *ctx,
			    struct ct_rego_value *const *args,
			    struct ct_rego_value **out)
{
	return fold(ctx, "product", true, args, out);
}

static ct_result extreme(struct ct_rego_bctx *ctx, const char *name, int sign,
			 struct ct_rego_value *const *args,
			 struct ct_rego_value **out)
{
	struct ct_rego_value *best = NULL;
	size_t i;

	CT_GUARD(bi_arg(ctx, name, args, 0, K_ARR | K_SET,
			"one of {array, set}"));
	for (i = 0; i < args[0]->u.coll.len; i++) {
		struct ct_rego_value *x = args[0]->u.coll.items[i];

		if (best == NULL || ct_rego_value_compare(x, best) * sign > 0)
			best = x;
	}
	*out = ct_rego_value_ref(best);
	return CT_OK;
}

static ct_result bi_max(struct ct_rego_bctx *ctx,
			struct ct_rego_value *const *args,
			struct ct_rego_value **out)
{
	return extreme(ctx, "max", 1, args, out);
}

static ct_result bi_min(struct ct_rego_bctx *ctx,
			struct ct_rego_value *const *args,
			struct ct_rego_value **out)
{
	return extreme(ctx, "min", -1, args, out);
}

static int cmp_ptr(const void *a, const void *b)
{
	return ct_rego_value_compare(*(struct ct_rego_value *const *)a,
				     *(struct ct_rego_value *const *)b);
}

static ct_result bi_sort(struct ct_rego_bctx *ctx,
			 struct ct_rego_value *const *args,
			 struct ct_rego_value **out)
{
	struct ct_rego_value *r;
	size_t i, n;

	CT_GUARD(bi_arg(ctx, "sort", args, 0, K_ARR | K_SET,
			"one of {array, set}"));
	n = args[0]->u.coll.len;
	r = ct_rego_array_new(n);
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (i = 0; i < n; i++)
		r->u.coll.items[i] = ct_rego_value_ref(args[0]->u.coll.items[i]);
	r->u.coll.len = n;
	if (args[0]->kind == CT_REGO_ARRAY && n > 1)
		qsort(r->u.coll.items, n, sizeof(r->u.coll.items[0]), cmp_ptr);
	*out = r;
	return CT_OK;
}

/* --------------------------------------------------------------- numbers */

static ct_result round_op(struct ct_rego_bctx *ctx, const char *name,
			  double (*f)(double), struct ct_rego_value *const *args,
			  struct ct_rego_value **out)
{
	CT_GUARD(bi_arg(ctx, name, args, 0, K_NUM, "number"));
	if (ct_rego_number_is_int(args[0]) &&
	    args[0]->numkind != CT_NUM_FLOAT) {
		*out = ct_rego_value_ref(args[0]);
		return CT_OK;
	}
	if (!isfinite(args[0]->u.num.d))
		return ct_rego_berror(ctx, "%s: number out of range", name);
	return bi_ret(out, ct_rego_value_double(f(args[0]->u.num.d)));
}

static ct_result bi_ceil(struct ct_rego_bctx *ctx,
			 struct ct_rego_value *const *args,
			 struct ct_rego_value **out)
{
	return round_op(ctx, "ceil", ceil, args, out);
}

static ct_result bi_floor(struct ct_rego_bctx *ctx,
			  struct ct_rego_value *const *args,
			  struct ct_rego_value **out)
{
	return round_op(ctx, "floor", floor, args, out);
}

static ct_result bi_round(struct ct_rego_bctx *ctx,
			  struct ct_rego_value *const *args,
			  struct ct_rego_value **out)
{
	/* C round() rounds half away from zero, like Go's math.Round. */
	return round_op(ctx, "round", round, args, out);
}

static ct_result bi_abs(struct ct_rego_bctx *ctx,
			struct ct_rego_value *const *args,
			struct ct_rego_value **out)
{
	struct ct_rego_value *a = args[0];

	CT_GUARD(bi_arg(ctx, "abs", args, 0, K_NUM, "number"));
	if (a->numkind == CT_NUM_INT && a->u.num.i != INT64_MIN)
		return bi_ret(out, ct_rego_value_int(a->u.num.i < 0 ? -a->u.num.i
								    : a->u.num.i));
	if (a->numkind == CT_NUM_FLOAT) {
		if (!isfinite(a->u.num.d))
			return ct_rego_berror(ctx, "abs: number out of range");
		return bi_ret(out, ct_rego_value_double(fabs(a->u.num.d)));
	}
	/* A big integer: drop the sign. */
	if (a->u.num.text[0] != '-') {
		*out = ct_rego_value_ref(a);
		return CT_OK;
	}
	return bi_ret(out, ct_rego_num_from_int_text(a->u.num.text + 1,
						      strlen(a->u.num.text) - 1));
}

static ct_result range_build(struct ct_rego_bctx *ctx, int64_t a, int64_t b,
			     int64_t step, struct ct_rego_value **out)
{
	struct ct_rego_value *r;
	uint64_t n;
	int64_t x;

	n = (a <= b ? (uint64_t)b - (uint64_t)a : (uint64_t)a - (uint64_t)b) /
		    (uint64_t)step + 1;
	CT_GUARD(ct_rego_bcharge(ctx, n > SIZE_MAX / 64 ? SIZE_MAX : n * 64));
	CT_ENSURE(n <= 100000000, CT_ERR_LIMIT,
		  "numbers.range: range of %llu numbers too large",
		  (unsigned long long)n);
	r = ct_rego_array_new((size_t)n);
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (x = a; n > 0; n--) {
		struct ct_rego_value *v = ct_rego_value_int(x);

		if (v == NULL) {
			ct_rego_value_unref(r);
			return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
		}
		r->u.coll.items[r->u.coll.len++] = v;
		if (n > 1)
			x = a <= b ? x + step : x - step;
	}
	*out = r;
	return CT_OK;
}

static ct_result bi_range(struct ct_rego_bctx *ctx,
			  struct ct_rego_value *const *args,
			  struct ct_rego_value **out)
{
	int64_t a, b;

	CT_GUARD(ct_rego_barg_int(ctx, "numbers.range", args, 0, &a));
	CT_GUARD(ct_rego_barg_int(ctx, "numbers.range", args, 1, &b));
	return range_build(ctx, a, b, 1, out);
}

static ct_result bi_range_step(struct ct_rego_bctx *ctx,
			       struct ct_rego_value *const *args,
			       struct ct_rego_value **out)
{
	int64_t a, b, s;

	CT_GUARD(ct_rego_barg_int(ctx, "numbers.range_step", args, 0, &a));
	CT_GUARD(ct_rego_barg_int(ctx, "numbers.range_step", args, 1, &b));
	CT_GUARD(bi_arg(ctx, "numbers.range_step", args, 2, K_NUM, "number"));
	if (args[2]->numkind == CT_NUM_BIG && args[2]->u.num.text[0] != '-')
		s = INT64_MAX; /* a step beyond int64 only reaches the start */
	else
		CT_GUARD(ct_rego_barg_int(ctx, "numbers.range_step", args, 2, &s));
	if (s <= 0)
		return ct_rego_berror(ctx, "numbers.range_step: step must be a "
					   "positive integer");
	return range_build(ctx, a, b, s, out);
}

static ct_result bi_rand_intn(struct ct_rego_bctx *ctx,
			      struct ct_rego_value *const *args,
			      struct ct_rego_value **out)
{
	struct ct_rego_value *key = NULL, *cached;
	uint64_t r = 0;
	int64_t n;
	ct_result res = CT_OK;

	CT_GUARD(bi_arg(ctx, "rand.intn", args, 0, K_STR, "string"));
	CT_GUARD(ct_rego_barg_int(ctx, "rand.intn", args, 1, &n));
	if (n == 0)
		return bi_ret(out, ct_rego_value_int(0));
	if (n < 0)
		n = -n;
	/* Same (str, n) within one evaluation gives the same number. */
	key = ct_rego_array_new(2);
	CT_ENSURE(key != NULL, CT_ERR_NOMEM, "rego: out of memory");
	CT_TRY(ct_rego_array_append(key, ct_rego_value_ref(args[0])));
	CT_TRY(ct_rego_array_append(key, ct_rego_value_int(n)));
	if (ctx->memo == NULL) {
		ctx->memo = ct_rego_object_new(0);
		CT_TRY_ENSURE(ctx->memo != NULL, CT_ERR_NOMEM,
			      "rego: out of memory");
	}
	cached = ct_rego_object_get(ctx->memo, key);
	if (cached != NULL) {
		*out = ct_rego_value_ref(cached);
		goto out;
	}
	CT_TRY_ENSURE(RAND_bytes((unsigned char *)&r, sizeof(r)) == 1,
		      CT_ERR_CRYPTO, "rand.intn: no randomness");
	*out = ct_rego_value_int((int64_t)(r % (uint64_t)n));
	CT_TRY_ENSURE(*out != NULL, CT_ERR_NOMEM, "rego: out of memory");
	CT_TRY(ct_rego_object_insert(ctx->memo, key, ct_rego_value_ref(*out)));
	return CT_OK;
out:
	ct_rego_value_unref(key);
	return res;
}

/* ----------------------------------------------------------------- types */

#define IS_BUILTIN(fn, k)                                                   \
	static ct_result fn(struct ct_rego_bctx *ctx,                       \
			    struct ct_rego_value *const *args,              \
			    struct ct_rego_value **out)                     \
	{                                                                   \
		(void)ctx;                                                  \
		*out = ct_rego_value_bool(args[0]->kind == (k));            \
		return CT_OK;                                               \
	}
IS_BUILTIN(bi_is_null, CT_REGO_NULL)
IS_BUILTIN(bi_is_boolean, CT_REGO_BOOL)
IS_BUILTIN(bi_is_number, CT_REGO_NUMBER)
IS_BUILTIN(bi_is_string, CT_REGO_STRING)
IS_BUILTIN(bi_is_array, CT_REGO_ARRAY)
IS_BUILTIN(bi_is_object, CT_REGO_OBJECT)
IS_BUILTIN(bi_is_set, CT_REGO_SET)

static ct_result bi_type_name(struct ct_rego_bctx *ctx,
			      struct ct_rego_value *const *args,
			      struct ct_rego_value **out)
{
	(void)ctx;
	return bi_ret(out, ct_rego_value_cstring(
				   ct_rego_value_type_name(args[0])));
}

static ct_result bi_to_number(struct ct_rego_bctx *ctx,
			      struct ct_rego_value *const *args,
			      struct ct_rego_value **out)
{
	struct ct_rego_value *a = args[0];
	const char *s;
	size_t len;
	ct_result r;

	CT_GUARD(bi_arg(ctx, "to_number", args, 0,
			K_NULL | K_BOOL | K_NUM | K_STR,
			"one of {null, boolean, number, string}"));
	switch (a->kind) {
	case CT_REGO_NULL:
		return bi_ret(out, ct_rego_value_int(0));
	case CT_REGO_BOOL:
		return bi_ret(out, ct_rego_value_int(a->u.b ? 1 : 0));
	case CT_REGO_NUMBER:
		*out = ct_rego_value_ref(a);
		return CT_OK;
	default:
		break;
	}
	s = a->u.str.s;
	len = a->u.str.len;
	{
		/* Go parses NaN and infinities; OPA then rejects them as a
		 * type error. */
		const char *t = s;
		size_t tl = len;

		if (tl > 0 && (t[0] == '+' || t[0] == '-')) {
			t++;
			tl--;
		}
		if ((tl == 3 && (strncasecmp(t, "nan", 3) == 0 || strncasecmp(t, "inf", 3) == 0)) ||
		    (tl == 8 && strncasecmp(t, "infinity", 8) == 0)) {
			ctx->err_kind = CT_REGO_BERR_TYPE;
			return CT_FAIL(CT_ERR_POLICY,
				       "to_number: operand 1 must be a finite number but got %s",
				       a->u.str.s);
		}
	}
	/* Go's ParseFloat also takes a leading '+', "Inf", "NaN" and hex;
	 * OPA rejects Inf/NaN; accept the JSON forms plus a leading '+'. */
	if (len > 0 && s[0] == '+') {
		s++;
		len--;
	}
	r = ct_rego_value_number_parse(s, len, out);
	if (!ct_ok(r) && len > 1 && s[0] != '-' && (s[0] == '.' || s[len - 1] == '.' ||
						    (s[0] == '0' && s[1] != '.'))) {
		/* ".5", "5.", "007": valid for Go's ParseFloat. */
		char tmp[CT_REGO_NUMBER_TEXT_MAX + 1];
		char *end;
		double d;

		if (len < sizeof(tmp)) {
			memcpy(tmp, s, len);
			tmp[len] = '\0';
			d = strtod(tmp, &end);
			if (*end == '\0' && strspn(tmp, "0123456789.eE+-") == len) {
				ct_error_clear();
				return bi_ret(out, ct_rego_value_double(d));
			}
		}
	}
	if (!ct_ok(r)) {
		ctx->err_kind = CT_REGO_BERR_BUILTIN;
		return CT_FAIL(CT_ERR_POLICY,
			       "to_number: strconv.ParseFloat: parsing %.*s: "
			       "invalid syntax",
			       (int)(a->u.str.len > 64 ? 64 : a->u.str.len),
			       a->u.str.s);
	}
	return CT_OK;
}

/* trace(note): OPA records the note in an explain trace we do not keep;
 * the call always succeeds. */
static ct_result bi_trace(struct ct_rego_bctx *ctx,
			  struct ct_rego_value *const *args,
			  struct ct_rego_value **out)
{
	CT_GUARD(bi_arg(ctx, "trace", args, 0, K_STR, "string"));
	*out = ct_rego_value_bool(true);
	return CT_OK;
}

CT_BUILTIN(bi_trace, "trace", 1);
CT_BUILTIN(bi_plus, "plus", 2);
CT_BUILTIN(bi_minus, "minus", 2);
CT_BUILTIN(bi_mul, "mul", 2);
CT_BUILTIN(bi_div, "div", 2);
CT_BUILTIN(bi_rem, "rem", 2);
CT_BUILTIN(bi_and, "and", 2);
CT_BUILTIN(bi_or, "or", 2);
CT_BUILTIN(bi_equal, "equal", 2);
CT_BUILTIN(bi_neq, "neq", 2);
CT_BUILTIN(bi_lt, "lt", 2);
CT_BUILTIN(bi_lte, "lte", 2);
CT_BUILTIN(bi_gt, "gt", 2);
CT_BUILTIN(bi_gte, "gte", 2);
CT_BUILTIN(bi_member2, "internal.member_2", 2);
CT_BUILTIN(bi_member3, "internal.member_3", 3);
CT_BUILTIN(bi_count, "count", 1);
CT_BUILTIN(bi_sum, "sum", 1);
CT_BUILTIN(bi_product, "product", 1);
CT_BUILTIN(bi_max, "max", 1);
CT_BUILTIN(bi_min, "min", 1);
CT_BUILTIN(bi_sort, "sort", 1);
CT_BUILTIN(bi_ceil, "ceil", 1);
CT_BUILTIN(bi_floor, "floor", 1);
CT_BUILTIN(bi_round, "round", 1);
CT_BUILTIN(bi_abs, "abs", 1);
CT_BUILTIN(bi_range, "numbers.range", 2);
CT_BUILTIN(bi_range_step, "numbers.range_step", 3);
static const struct ct_rego_builtin b_bi_rand_intn = {
	.name = "rand.intn", .arity = 2, .fn = bi_rand_intn,
	.nondeterministic = true
};
CT_BUILTIN(bi_is_null, "is_null", 1);
CT_BUILTIN(bi_is_boolean, "is_boolean", 1);
CT_BUILTIN(bi_is_number, "is_number", 1);
CT_BUILTIN(bi_is_string, "is_string", 1);
CT_BUILTIN(bi_is_array, "is_array", 1);
CT_BUILTIN(bi_is_object, "is_object", 1);
CT_BUILTIN(bi_is_set, "is_set", 1);
CT_BUILTIN(bi_type_name, "type_name", 1);
CT_BUILTIN(bi_to_number, "to_number", 1);

const struct ct_rego_builtin *const ct_rego_builtins_ops[] = {
	&b_bi_plus, &b_bi_minus, &b_bi_mul, &b_bi_div, &b_bi_rem,
	&b_bi_and, &b_bi_or, &b_bi_equal, &b_bi_neq, &b_bi_lt, &b_bi_lte,
	&b_bi_gt, &b_bi_gte, &b_bi_member2, &b_bi_member3, &b_bi_count,
	&b_bi_sum, &b_bi_product, &b_bi_max, &b_bi_min, &b_bi_sort,
	&b_bi_ceil, &b_bi_floor, &b_bi_round, &b_bi_abs, &b_bi_range,
	&b_bi_range_step, &b_bi_rand_intn, &b_bi_is_null, &b_bi_is_boolean,
	&b_bi_is_number, &b_bi_is_string, &b_bi_is_array, &b_bi_is_object,
	&b_bi_is_set, &b_bi_type_name, &b_bi_to_number, &b_bi_trace, NULL,
};
