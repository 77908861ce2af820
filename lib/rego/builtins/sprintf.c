/*
 * sprintf.c - the sprintf built-in with Go fmt semantics for the verbs
 * policies use: %v %s %d %b %o %x %X %e %E %f %F %g %G %q %t %%, flags
 * "+- #0", width and precision. Numbers that are integers format as Go's
 * big.Int, others as float64; strings as Go strings; anything else with
 * its Rego term text (what OPA's ast.Value String() prints). Output size
 * is bounded by CT_REGO_BUILTIN_STR_MAX and widths by SPRINTF_WIDTH_MAX.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

#define SPRINTF_WIDTH_MAX 4096

struct spec {
	bool minus, plus, sharp, zero, space;
	int width, prec; /* -1 = unset */
	char verb;
};

static ct_result pad(struct ct_buf *b, const struct spec *sp, const char *s,
		     size_t len, bool numeric)
{
	size_t w = sp->width > 0 ? (size_t)sp->width : 0;
	size_t cps = ct_rego_utf8_count(s, len), i;

	if (cps >= w)
		return ct_buf_append(b, s, len);
	if (sp->minus) {
		CT_GUARD(ct_buf_append(b, s, len));
		for (i = cps; i < w; i++)
			CT_GUARD(ct_buf_append_byte(b, ' '));
		return CT_OK;
	}
	if (sp->zero && numeric) {
		/* zeros go after the sign */
		size_t k = 0;

		if (len > 0 && (s[0] == '-' || s[0] == '+')) {
			CT_GUARD(ct_buf_append_byte(b, (uint8_t)s[0]));
			k = 1;
		}
		for (i = cps; i < w; i++)
			CT_GUARD(ct_buf_append_byte(b, '0'));
		return ct_buf_append(b, s + k, len - k);
	}
	for (i = cps; i < w; i++)
		CT_GUARD(ct_buf_append_byte(b, ' '));
	return ct_buf_append(b, s, len);
}

/* Go %v / %g for a float64: shortest digits, exponent when exp < -4 or
 * exp >= 21 (shortest) or >= precision. */
static void go_g(double d, int prec, bool upper, char *buf, size_t cap)
{
	char tmp[64], *e;
	int p, exp;

	if (prec < 0) {
		for (p = 1; p <= 17; p++) {
			snprintf(tmp, sizeof(tmp), "%.*e", p - 1, d);
			if (strtod(tmp, NULL) == d)
				break;
		}
		e = strchr(tmp, 'e');
		exp = e ? (int)strtol(e + 1, NULL, 10) : 0;
		if (exp < -4 || exp >= 21) {
			snprintf(buf, cap, "%.*e", p - 1, d);
		} else {
			int decimals = p - 1 - exp;

			snprintf(buf, cap, "%.*f", decimals > 0 ? decimals : 0, d);
		}
	} else {
		snprintf(buf, cap, "%.*g", prec == 0 ? 1 : prec, d);
	}
	if (upper)
		for (e = buf; *e; e++)
			if (*e == 'e')
				*e = 'E';
}

static ct_result fmt_number(struct ct_buf *b, const struct spec *sp,
			    const struct ct_rego_value *v)
{
	char buf[512];
	bool isint = v->numkind != CT_NUM_FLOAT;
	double d = ct_rego_number_to_double(v);
	int n = 0;

	if (isint) {
		struct ct_buf t;
		ct_result r;
		const char *digits;
		bool neg;

		switch (sp->verb) {
		case 'd': case 'v': case 's':
			ct_buf_init(&t, 4096);
			r = ct_rego_number_format(v, &t);
			if (ct_ok(r) && sp->plus && ct_buf_cstr(&t)[0] != '-') {
				struct ct_buf t2;

				ct_buf_init(&t2, 4096);
				r = ct_buf_append_byte(&t2, '+');
				if (ct_ok(r))
					r = ct_buf_append(&t2, t.data, t.len);
				ct_buf_dispose(&t);
				t = t2;
			}
			if (ct_ok(r))
				r = pad(b, sp, ct_buf_cstr(&t), t.len, true);
			ct_buf_dispose(&t);
			return r;
		case 'x': case 'X': case 'o': case 'b':
			if (v->numkind == CT_NUM_BIG)
				break; /* rare: fall through to %v text below */
			neg = v->u.num.i < 0;
			{
				uint64_t u = neg ? (uint64_t)0 - (uint64_t)v->u.num.i
						 : (uint64_t)v->u.num.i;
				char tmp[80];
				size_t p = sizeof(tmp);
				unsigned base = sp->verb == 'o' ? 8 : sp->verb == 'b' ? 2 : 16;

				digits = sp->verb == 'X' ? "0123456789ABCDEF"
							 : "0123456789abcdef";
				tmp[--p] = '\0';
				do {
					tmp[--p] = digits[u % base];
					u /= base;
				} while (u > 0);
				if (sp->sharp && base == 16) {
					tmp[--p] = sp->verb;
					tmp[--p] = '0';
				}
				if (neg)
					tmp[--p] = '-';
				return pad(b, sp, tmp + p, strlen(tmp + p), true);
			}
		case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
			isint = false;
			break;
		default:
			break;
		}
		if (isint) {
			ct_buf_init(&t, 4096);
			r = ct_buf_printf(&t, "%%!%c(big.Int=", sp->verb);
			if (ct_ok(r))
				r = ct_rego_number_format(v, &t);
			if (ct_ok(r))
				r = ct_buf_append_byte(&t, ')');
			if (ct_ok(r))
				r = ct_buf_append(b, t.data, t.len);
			ct_buf_dispose(&t);
			return r;
		}
	}
	if (!isfinite(d) && v->numkind == CT_NUM_FLOAT && v->u.num.text != NULL)
		/* beyond float64: OPA prints the number as written */
		return pad(b, sp, v->u.num.text, strlen(v->u.num.text), true);
	switch (sp->verb) {
	case 'v': case 'g': case 'G': case 's':
		go_g(d, sp->verb == 'v' || sp->verb == 's' ? -1 : sp->prec,
		     sp->verb == 'G', buf, sizeof(buf));
		if (sp->plus && d >= 0) {
			memmove(buf + 1, buf, strlen(buf) + 1);
			buf[0] = '+';
		}
		break;
	case 'e': case 'E': case 'f': case 'F':
		n = sp->prec < 0 ? 6 : sp->prec;
		if (fabs(d) >= 1e300 && (sp->verb == 'f' || sp->verb == 'F'))
			go_g(d, -1, false, buf, sizeof(buf));
		else if (sp->verb == 'e')
			snprintf(buf, sizeof(buf), sp->plus ? "%+.*e" : "%.*e", n, d);
		else if (sp->verb == 'E')
			snprintf(buf, sizeof(buf), sp->plus ? "%+.*E" : "%.*E", n, d);
		else
			snprintf(buf, sizeof(buf), sp->plus ? "%+.*f" : "%.*f", n, d);
		break;
	default:
		go_g(d, -1, false, buf, sizeof(buf));
		return ct_buf_printf(b, "%%!%c(float64=%s)", sp->verb, buf);
	}
	return pad(b, sp, buf, strlen(buf), true);
}

static ct_result fmt_quote(struct ct_buf *b, const char *s, size_t len)
{
	size_t i;

	CT_GUARD(ct_buf_append_byte(b, '"'));
	for (i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c == '"' || c == '\\') {
			CT_GUARD(ct_buf_append_byte(b, '\\'));
			CT_GUARD(ct_buf_append_byte(b, c));
		} else if (c == '\n') {
			CT_GUARD(ct_buf_append_str(b, "\\n"));
		} else if (c == '\t') {
			CT_GUARD(ct_buf_append_str(b, "\\t"));
		} else if (c == '\r') {
			CT_GUARD(ct_buf_append_str(b, "\\r"));
		} else if (c < 0x20 || c == 0x7f) {
			CT_GUARD(ct_buf_printf(b, "\\x%02x", c));
		} else {
			CT_GUARD(ct_buf_append_byte(b, c));
		}
	}
	return ct_buf_append_byte(b, '"');
}

static ct_result fmt_one(struct ct_buf *b, const struct spec *sp,
			 const struct ct_rego_value *v)
{
	struct ct_buf t;
	ct_result r;

	if (v->kind == CT_REGO_NUMBER)
		return fmt_number(b, sp, v);
	if (v->kind == CT_REGO_STRING) {
		size_t len = v->u.str.len;

		if (sp->verb == 'q')
			return fmt_quote(b, v->u.str.s, len);
		if (sp->verb == 'x' || sp->verb == 'X') {
			size_t i;

			for (i = 0; i < len; i++)
				CT_GUARD(ct_buf_printf(b, sp->verb == 'x' ? "%02x" : "%02X",
						       (uint8_t)v->u.str.s[i]));
			return CT_OK;
		}
		if (sp->verb != 's' && sp->verb != 'v')
			return ct_buf_printf(b, "%%!%c(string=%s)", sp->verb,
					     v->u.str.s);
		if (sp->prec >= 0)
			len = ct_rego_utf8_offset(v->u.str.s, len, (size_t)sp->prec);
		return pad(b, sp, v->u.str.s, len, false);
	}
	if (v->kind == CT_REGO_BOOL && (sp->verb == 't' || sp->verb == 'v')) {
		const char *s = v->u.b ? "true" : "false";

		return pad(b, sp, s, strlen(s), false);
	}
	ct_buf_init(&t, CT_REGO_BUILTIN_STR_MAX);
	r = ct_rego_value_to_term(v, &t);
	if (ct_ok(r))
		r = pad(b, sp, ct_buf_cstr(&t), t.len, false);
	ct_buf_dispose(&t);
	return r;
}

static ct_result bi_sprintf(struct ct_rego_bctx *ctx,
			    struct ct_rego_value *const *args,
			    struct ct_rego_value **out)
{
	const char *f;
	size_t len, i = 0, argi = 0;
	struct ct_rego_value *list = args[1];
	struct ct_buf b;
	ct_result res = CT_OK;

	CT_GUARD(bi_arg(ctx, "sprintf", args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, "sprintf", args, 1, K_ARR, "array"));
	f = args[0]->u.str.s;
	len = args[0]->u.str.len;
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	while (i < len) {
		struct spec sp;

		if (f[i] != '%') {
			size_t j = i;

			while (j < len && f[j] != '%')
				j++;
			CT_TRY(ct_buf_append(&b, f + i, j - i));
			i = j;
			continue;
		}
		i++;
		memset(&sp, 0, sizeof(sp));
		sp.prec = -1;
		for (; i < len; i++) {
			if (f[i] == '-') sp.minus = true;
			else if (f[i] == '+') sp.plus = true;
			else if (f[i] == '#') sp.sharp = true;
			else if (f[i] == '0') sp.zero = true;
			else if (f[i] == ' ') sp.space = true;
			else break;
		}
		while (i < len && f[i] >= '0' && f[i] <= '9') {
			sp.width = sp.width * 10 + (f[i] - '0');
			if (sp.width > SPRINTF_WIDTH_MAX)
				sp.width = SPRINTF_WIDTH_MAX;
			i++;
		}
		if (i < len && f[i] == '.') {
			i++;
			sp.prec = 0;
			while (i < len && f[i] >= '0' && f[i] <= '9') {
				sp.prec = sp.prec * 10 + (f[i] - '0');
				if (sp.prec > SPRINTF_WIDTH_MAX)
					sp.prec = SPRINTF_WIDTH_MAX;
				i++;
			}
		}
		if (i >= len) {
			CT_TRY(ct_buf_append_str(&b, "%!(NOVERB)"));
			break;
		}
		sp.verb = f[i++];
		if (sp.verb == '%') {
			CT_TRY(ct_buf_append_byte(&b, '%'));
			continue;
		}
		if (argi >= list->u.coll.len) {
			CT_TRY(ct_buf_printf(&b, "%%!%c(MISSING)", sp.verb));
			continue;
		}
		CT_TRY(fmt_one(&b, &sp, list->u.coll.items[argi++]));
	}
	if (argi < list->u.coll.len) {
		CT_TRY(ct_buf_append_str(&b, "%!(EXTRA "));
		for (; argi < list->u.coll.len; argi++) {
			struct spec sp = { .verb = 'v', .prec = -1 };
			const struct ct_rego_value *v = list->u.coll.items[argi];

			CT_TRY(ct_buf_printf(&b, "%s=", v->kind == CT_REGO_STRING ? "string"
							: v->kind == CT_REGO_NUMBER ? "json.Number"
							: "ast.Value"));
			CT_TRY(fmt_one(&b, &sp, v));
			if (argi + 1 < list->u.coll.len)
				CT_TRY(ct_buf_append_str(&b, ", "));
		}
		CT_TRY(ct_buf_append_byte(&b, ')'));
	}
	CT_TRY(ct_rego_bcharge(ctx, b.len));
	return ct_rego_bret_buf(out, &b);
out:
	ct_buf_dispose(&b);
	return ct_rego_bwrap(ctx, "sprintf", res);
}

/*
 * internal.template_string(parts): what $"..." compiles to. Each part is
 * either a literal string, or a SET holding the values the embedded
 * expression produced (the compiler wraps it in a set comprehension):
 * empty prints "<undefined>", one value prints as a string (raw) or its
 * Rego term text, several values are an error.
 */
static ct_result bi_template_string(struct ct_rego_bctx *ctx,
				    struct ct_rego_value *const *args,
				    struct ct_rego_value **out)
{
	struct ct_rego_value *parts = args[0];
	struct ct_buf b;
	ct_result res = CT_OK;
	size_t i;

	CT_GUARD(bi_arg(ctx, "internal.template_string", args, 0, K_ARR, "array"));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	for (i = 0; i < parts->u.coll.len; i++) {
		struct ct_rego_value *p = parts->u.coll.items[i], *v;

		if (p->kind == CT_REGO_STRING) {
			CT_TRY(ct_buf_append(&b, p->u.str.s, p->u.str.len));
			continue;
		}
		if (p->kind != CT_REGO_SET) {
			CT_TRY(ct_rego_value_to_term(p, &b));
			continue;
		}
		if (p->u.coll.len == 0) {
			CT_TRY(ct_buf_append_str(&b, "<undefined>"));
			continue;
		}
		if (p->u.coll.len > 1) {
			ct_buf_dispose(&b);
			return ct_rego_berror(ctx, "internal.template_string: template expression "
						   "produced multiple outputs");
		}
		v = p->u.coll.items[0];
		if (v->kind == CT_REGO_STRING)
			CT_TRY(ct_buf_append(&b, v->u.str.s, v->u.str.len));
		else
			CT_TRY(ct_rego_value_to_term(v, &b));
	}
	CT_TRY(ct_rego_bcharge(ctx, b.len));
	return ct_rego_bret_buf(out, &b);
out:
	ct_buf_dispose(&b);
	return ct_rego_bwrap(ctx, "internal.template_string", res);
}

CT_BUILTIN(bi_sprintf, "sprintf", 2);
CT_BUILTIN(bi_template_string, "internal.template_string", 1);

const struct ct_rego_builtin *const ct_rego_builtins_sprintf[] = {
	&b_bi_sprintf, &b_bi_template_string, NULL,
};
