/*
 * util.c - helpers shared by built-in groups: UTF-8 code point handling
 * (Rego strings index by code point, not byte), integer arguments and
 * error wrapping. Inputs are values already validated as UTF-8 by the JSON
 * reader or the lexer; decoding still never reads past `len`.
 */
#include <stdlib.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

/* Go's RuneCountInString: an invalid byte counts as one rune, so byte
 * strings from base64.decode count the way OPA counts them. */
size_t ct_rego_utf8_count(const char *s, size_t len)
{
	size_t i = 0, n = 0;

	while (i < len) {
		if ((uint8_t)s[i] < 0x80)
			i++;
		else
			(void)ct_rego_utf8_next(s, len, &i);
		n++;
	}
	return n;
}

size_t ct_rego_utf8_offset(const char *s, size_t len, size_t cp)
{
	size_t i = 0;

	while (i < len && cp > 0) {
		(void)ct_rego_utf8_next(s, len, &i);
		cp--;
	}
	return i;
}

uint32_t ct_rego_utf8_next(const char *s, size_t len, size_t *i)
{
	const uint8_t *p = (const uint8_t *)s;
	uint8_t c = p[*i];
	size_t n, k;
	uint32_t cp;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		cp = c & 0x07;
	} else {
		(*i)++;
		return 0xfffd;
	}
	if (len - *i <= n) {
		(*i)++;
		return 0xfffd;
	}
	for (k = 1; k <= n; k++) {
		if ((p[*i + k] & 0xc0) != 0x80) {
			(*i)++;
			return 0xfffd;
		}
		cp = (cp << 6) | (p[*i + k] & 0x3f);
	}
	*i += n + 1;
	return cp;
}

ct_result ct_rego_utf8_put(struct ct_buf *b, uint32_t cp)
{
	uint8_t t[4];
	size_t n;

	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		t[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		t[0] = (uint8_t)(0xc0 | (cp >> 6));
		t[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		t[0] = (uint8_t)(0xe0 | (cp >> 12));
		t[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		t[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		t[0] = (uint8_t)(0xf0 | (cp >> 18));
		t[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		t[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		t[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return ct_buf_append(b, t, n);
}

ct_result ct_rego_bret_buf(struct ct_rego_value **out, struct ct_buf *b)
{
	return bi_ret(out, ct_rego_value_string_take_buf(b));
}

ct_result ct_rego_bwrap(struct ct_rego_bctx *ctx, const char *name,
			ct_result r)
{
	if (ct_ok(r))
		return r;
	if (r.err == CT_ERR_LIMIT || r.err == CT_ERR_NOMEM) {
		ctx->err_kind = CT_REGO_BERR_HALT;
		return r;
	}
	ctx->err_kind = CT_REGO_BERR_BUILTIN;
	return ct_error_prefix("%s", name);
}

ct_result ct_rego_barg_int(struct ct_rego_bctx *ctx, const char *name,
			   struct ct_rego_value *const *args, int i,
			   int64_t *out)
{
	CT_GUARD(bi_arg(ctx, name, args, i, K_NUM, "number"));
	if (!ct_rego_number_to_int64(args[i], out)) {
		ctx->err_kind = CT_REGO_BERR_TYPE;
		return CT_FAIL(CT_ERR_POLICY,
			       "%s: operand %d must be integer number but got "
			       "floating-point number",
			       name, i + 1);
	}
	return CT_OK;
}
