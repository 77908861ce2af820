/*
 * value_num.c - Rego numbers: JSON number parsing, canonical text, exact
 * comparison and arithmetic.
 *
 * Integers that fit int64 take the fast path; larger ones are kept as
 * canonical decimal text and computed with OpenSSL BIGNUM, so big integers
 * add, subtract and multiply exactly as in OPA. Non-integers are doubles
 * (OPA's results print like Go float64: 1/3 -> 0.3333333333333333); the
 * text a number was written with is kept so JSON output repeats it.
 * Input text is bounded by CT_REGO_NUMBER_TEXT_MAX.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>

#include "rego/value_impl.h"

static struct ct_rego_value *num_alloc(void)
{
	struct ct_rego_value *v = ct_calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	v->refs = 1;
	v->kind = CT_REGO_NUMBER;
	return v;
}

/* `digits` is [-]D+ without leading zeros (except "0"). */
struct ct_rego_value *ct_rego_num_from_int_text(const char *digits, size_t len)
{
	struct ct_rego_value *v;
	bool neg = len > 0 && digits[0] == '-';
	size_t nd = len - (neg ? 1 : 0);

	/* int64 holds every 18-digit number; try 19 digits by parsing. */
	if (nd <= 19) {
		char tmp[24];
		char *end;
		long long ll;

		memcpy(tmp, digits, len);
		tmp[len] = '\0';
		errno = 0;
		ll = strtoll(tmp, &end, 10);
		if (errno == 0 && *end == '\0')
			return ct_rego_value_int((int64_t)ll);
	}
	v = num_alloc();
	if (v == NULL)
		return NULL;
	v->numkind = CT_NUM_BIG;
	v->u.num.text = ct_strndup(digits, len);
	if (v->u.num.text == NULL) {
		free(v);
		return NULL;
	}
	v->u.num.d = strtod(v->u.num.text, NULL);
	return v;
}

static struct ct_rego_value *num_from_bn(const BIGNUM *bn)
{
	char *s = BN_bn2dec(bn);
	struct ct_rego_value *v;

	if (s == NULL) {
		CT_RECORD(CT_ERR_NOMEM, "rego: out of memory");
		return NULL;
	}
	v = ct_rego_num_from_int_text(s, strlen(s));
	OPENSSL_free(s);
	return v;
}

struct ct_rego_value *ct_rego_value_double(double d)
{
	struct ct_rego_value *v;

	if (isnan(d) || isinf(d)) {
		CT_RECORD(CT_ERR_USAGE, "rego: number out of range");
		return NULL;
	}
	if (d == floor(d)) {
		if (d >= -9223372036854775808.0 && d < 9223372036854775808.0)
			return ct_rego_value_int((int64_t)d);
		{
			char buf[400];
			int n = snprintf(buf, sizeof(buf), "%.0f", d);

			if (n > 0 && (size_t)n < sizeof(buf))
				return ct_rego_num_from_int_text(buf,
								 (size_t)n);
		}
	}
	v = num_alloc();
	if (v == NULL)
		return NULL;
	v->numkind = CT_NUM_FLOAT;
	v->u.num.d = d;
	return v;
}

/* Checks JSON number syntax; tells whether it is an integer literal. */
static bool number_syntax(const char *s, size_t len, bool *is_int)
{
	size_t i = 0;

	*is_int = true;
	if (i < len && s[i] == '-')
		i++;
	if (i >= len)
		return false;
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		return false;
	}
	if (i < len && s[i] == '.') {
		*is_int = false;
		i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return false;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		*is_int = false;
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return false;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == len;
}

/*
 * A non-integer literal whose value is integral ("2.0", "1e3") stays a
 * FLOAT with its text, as OPA keeps json.Number text; it compares equal
 * to the integer. Integral literals with exponents that overflow a double
 * exactly are rare and handled by the double.
 */
ct_result ct_rego_value_number_parse(const char *text, size_t len,
				     struct ct_rego_value **out)
{
	struct ct_rego_value *v;
	bool is_int;
	char *tmp;
	double d;

	*out = NULL;
	CT_ENSURE(len <= CT_REGO_NUMBER_TEXT_MAX, CT_ERR_LIMIT,
		  "rego: number of %zu characters exceeds the limit of %d",
		  len, CT_REGO_NUMBER_TEXT_MAX);
	CT_ENSURE(number_syntax(text, len, &is_int), CT_ERR_PROTO,
		  "rego: invalid number");
	if (is_int) {
		if (len == 2 && text[0] == '-' && text[1] == '0')
			v = ct_rego_value_int(0);
		else
			v = ct_rego_num_from_int_text(text, len);
		CT_ENSURE(v != NULL, CT_ERR_NOMEM, "rego: out of memory");
		*out = v;
		return CT_OK;
	}
	tmp = ct_strndup(text, len);
	CT_ENSURE(tmp != NULL, CT_ERR_NOMEM, "rego: out of memory");
	/* Beyond double range (2e308) the text is kept and the value
	 * saturates to +-inf: it still orders and prints as written. */
	d = strtod(tmp, NULL);
	v = num_alloc();
	if (v == NULL) {
		free(tmp);
		CT_BAIL(CT_ERR_NOMEM, "rego: out of memory");
	}
	v->numkind = CT_NUM_FLOAT;
	v->u.num.d = d;
	v->u.num.text = tmp;
	*out = v;
	return CT_OK;
}

bool ct_rego_number_is_int(const struct ct_rego_value *n)
{
	if (n->kind != CT_REGO_NUMBER)
		return false;
	if (n->numkind != CT_NUM_FLOAT)
		return true;
	return n->u.num.d == floor(n->u.num.d);
}

bool ct_rego_number_to_int64(const struct ct_rego_value *n, int64_t *out)
{
	double d;

	if (n->kind != CT_REGO_NUMBER)
		return false;
	if (n->numkind == CT_NUM_INT) {
		*out = n->u.num.i;
		return true;
	}
	if (n->numkind == CT_NUM_BIG)
		return false;
	d = n->u.num.d;
	if (d != floor(d) || d < -9223372036854775808.0 ||
	    d >= 9223372036854775808.0)
		return false;
	*out = (int64_t)d;
	return true;
}

double ct_rego_number_to_double(const struct ct_rego_value *n)
{
	if (n->kind != CT_REGO_NUMBER)
		return 0;
	return n->numkind == CT_NUM_INT ? (double)n->u.num.i : n->u.num.d;
}

/* Shortest text that reads back as the same double, Go-like exponents. */
static void format_double(double d, char *buf, size_t cap)
{
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
}

ct_result ct_rego_number_format(const struct ct_rego_value *n,
				struct ct_buf *out)
{
	char buf[64];

	CT_ENSURE(n->kind == CT_REGO_NUMBER, CT_ERR_INTERNAL,
		  "rego: not a number");
	switch (n->numkind) {
	case CT_NUM_INT:
		return ct_buf_printf(out, "%lld", (long long)n->u.num.i);
	case CT_NUM_BIG:
		return ct_buf_append_str(out, n->u.num.text);
	default:
		if (n->u.num.text != NULL)
			return ct_buf_append_str(out, n->u.num.text);
		format_double(n->u.num.d, buf, sizeof(buf));
		return ct_buf_append_str(out, buf);
	}
}

static int big_sign(const struct ct_rego_value *n)
{
	return n->u.num.text[0] == '-' ? -1 : 1;
}

int ct_rego_number_compare(const struct ct_rego_value *a,
			   const struct ct_rego_value *b)
{
	if (a->numkind == CT_NUM_INT && b->numkind == CT_NUM_INT)
		return a->u.num.i < b->u.num.i ? -1 : a->u.num.i > b->u.num.i;
	if (a->numkind == CT_NUM_BIG && b->numkind == CT_NUM_BIG) {
		int sa = big_sign(a), sb = big_sign(b), c;
		size_t la = strlen(a->u.num.text), lb = strlen(b->u.num.text);

		if (sa != sb)
			return sa < sb ? -1 : 1;
		if (la != lb)
			c = la < lb ? -1 : 1;
		else
			c = strcmp(a->u.num.text, b->u.num.text);
		c = c < 0 ? -1 : c > 0;
		return sa < 0 ? -c : c;
	}
	if (a->numkind == CT_NUM_BIG && b->numkind == CT_NUM_INT)
		return big_sign(a);
	if (a->numkind == CT_NUM_INT && b->numkind == CT_NUM_BIG)
		return -big_sign(b);
	{
		double x = ct_rego_number_to_double(a);
		double y = ct_rego_number_to_double(b);

		return x < y ? -1 : x > y;
	}
}

static ct_result to_bn(const struct ct_rego_value *n, BIGNUM **out)
{
	BIGNUM *bn = NULL;
	char buf[32];
	const char *s = buf;

	if (n->numkind == CT_NUM_INT)
		snprintf(buf, sizeof(buf), "%lld", (long long)n->u.num.i);
	else
		s = n->u.num.text;
	if (BN_dec2bn(&bn, s) == 0)
		return CT_FAIL_OSSL(CT_ERR_NOMEM, "rego: big integer");
	*out = bn;
	return CT_OK;
}

enum arith_op { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_REM };

static ct_result big_arith(enum arith_op op, const struct ct_rego_value *a,
			   const struct ct_rego_value *b,
			   struct ct_rego_value **out)
{
	ct_result res = CT_OK;
	BIGNUM *x = NULL, *y = NULL, *r = BN_new(), *rem = BN_new();
	BN_CTX *ctx = BN_CTX_new();

	CT_TRY_ENSURE(r != NULL && ctx != NULL && rem != NULL, CT_ERR_NOMEM,
		      "rego: out of memory");
	CT_TRY(to_bn(a, &x));
	CT_TRY(to_bn(b, &y));
	switch (op) {
	case OP_ADD:
		CT_TRY_ENSURE(BN_add(r, x, y), CT_ERR_NOMEM, "rego: bignum");
		break;
	case OP_SUB:
		CT_TRY_ENSURE(BN_sub(r, x, y), CT_ERR_NOMEM, "rego: bignum");
		break;
	case OP_MUL:
		CT_TRY_ENSURE(BN_num_bits(x) + BN_num_bits(y) < 100000,
			      CT_ERR_LIMIT, "rego: integer product too large");
		CT_TRY_ENSURE(BN_mul(r, x, y, ctx), CT_ERR_NOMEM,
			      "rego: bignum");
		break;
	case OP_DIV:
		CT_TRY_ENSURE(BN_div(r, rem, x, y, ctx), CT_ERR_NOMEM,
			      "rego: bignum");
		if (!BN_is_zero(rem)) {
			/* Not exact: fall back to doubles as OPA's big.Float
			 * division does for a printed result. */
			*out = ct_rego_value_double(
				ct_rego_number_to_double(a) /
				ct_rego_number_to_double(b));
			CT_TRY_ENSURE(*out != NULL, CT_ERR_USAGE,
				      "rego: number out of range");
			goto out;
		}
		break;
	case OP_REM:
		/* Go's big.Int Rem truncates toward zero like C. */
		CT_TRY_ENSURE(BN_div(NULL, r, x, y, ctx), CT_ERR_NOMEM,
			      "rego: bignum");
		break;
	}
	*out = num_from_bn(r);
	CT_TRY_ENSURE(*out != NULL, CT_ERR_NOMEM, "rego: out of memory");
out:
	BN_free(x);
	BN_free(y);
	BN_free(r);
	BN_free(rem);
	BN_CTX_free(ctx);
	return res;
}

static bool is_zero(const struct ct_rego_value *n)
{
	return n->numkind != CT_NUM_BIG && ct_rego_number_to_double(n) == 0;
}

static bool both_exact_ints(const struct ct_rego_value *a,
			    const struct ct_rego_value *b)
{
	return a->numkind != CT_NUM_FLOAT && b->numkind != CT_NUM_FLOAT;
}

static ct_result arith(enum arith_op op, const struct ct_rego_value *a,
		       const struct ct_rego_value *b,
		       struct ct_rego_value **out)
{
	double x, y, r;

	*out = NULL;
	CT_ENSURE(a->kind == CT_REGO_NUMBER && b->kind == CT_REGO_NUMBER,
		  CT_ERR_INTERNAL, "rego: arithmetic on non-numbers");
	if (op == OP_DIV)
		CT_ENSURE(!is_zero(b), CT_ERR_USAGE, "divide by zero");
	if (op == OP_REM) {
		CT_ENSURE(ct_rego_number_is_int(a) && ct_rego_number_is_int(b),
			  CT_ERR_USAGE, "modulo on floating-point number");
		CT_ENSURE(!is_zero(b), CT_ERR_USAGE, "modulo by zero");
	}
	if (a->numkind == CT_NUM_INT && b->numkind == CT_NUM_INT) {
		int64_t i = a->u.num.i, j = b->u.num.i, k;
		bool ok = true;

		switch (op) {
		case OP_ADD:
			ok = !__builtin_add_overflow(i, j, &k);
			break;
		case OP_SUB:
			ok = !__builtin_sub_overflow(i, j, &k);
			break;
		case OP_MUL:
			ok = !__builtin_mul_overflow(i, j, &k);
			break;
		case OP_DIV:
			ok = !(i == INT64_MIN && j == -1) && i % j == 0;
			k = ok ? i / j : 0;
			break;
		case OP_REM:
			ok = !(i == INT64_MIN && j == -1);
			k = ok ? i % j : 0;
			break;
		}
		if (ok) {
			*out = ct_rego_value_int(k);
			CT_ENSURE(*out != NULL, CT_ERR_NOMEM,
				  "rego: out of memory");
			return CT_OK;
		}
		if (op != OP_DIV || (i == INT64_MIN && j == -1))
			return big_arith(op, a, b, out);
	} else if (both_exact_ints(a, b)) {
		return big_arith(op, a, b, out);
	} else if (op == OP_REM) {
		/* Integral floats: compute on integers. */
		int64_t i, j;

		if (ct_rego_number_to_int64(a, &i) &&
		    ct_rego_number_to_int64(b, &j) && j != -1) {
			*out = ct_rego_value_int(i % j);
			CT_ENSURE(*out != NULL, CT_ERR_NOMEM,
				  "rego: out of memory");
			return CT_OK;
		}
	}
	x = ct_rego_number_to_double(a);
	y = ct_rego_number_to_double(b);
	switch (op) {
	case OP_ADD:
		r = x + y;
		break;
	case OP_SUB:
		r = x - y;
		break;
	case OP_MUL:
		r = x * y;
		break;
	case OP_DIV:
		r = x / y;
		break;
	default:
		r = fmod(x, y);
		break;
	}
	*out = ct_rego_value_double(r);
	CT_ENSURE(*out != NULL, CT_ERR_USAGE, "rego: number out of range");
	return CT_OK;
}

ct_result ct_rego_number_add(const struct ct_rego_value *a,
			     const struct ct_rego_value *b,
			     struct ct_rego_value **out)
{
	return arith(OP_ADD, a, b, out);
}

ct_result ct_rego_number_sub(const struct ct_rego_value *a,
			     const struct ct_rego_value *b,
			     struct ct_rego_value **out)
{
	return arith(OP_SUB, a, b, out);
}

ct_result ct_rego_number_mul(const struct ct_rego_value *a,
			     const struct ct_rego_value *b,
			     struct ct_rego_value **out)
{
	return arith(OP_MUL, a, b, out);
}

ct_result ct_rego_number_div(const struct ct_rego_value *a,
			     const struct ct_rego_value *b,
			     struct ct_rego_value **out)
{
	return arith(OP_DIV, a, b, out);
}

ct_result ct_rego_number_rem(const struct ct_rego_value *a,
			     const struct ct_rego_value *b,
			     struct ct_rego_value **out)
{
	return arith(OP_REM, a, b, out);
}
