/*
 * json.c - JSON in and out for Rego values, and the Rego term printer.
 *
 * The reader is our own because policies need exact big integers and the
 * digits of decimals as written (jansson stops at int64). It reads
 * UNTRUSTED bytes (policy input, data documents): the document size,
 * nesting depth and string length are bounded by ct_rego_json_limits,
 * recursion depth equals nesting depth, invalid UTF-8 and lone surrogates
 * are rejected, and trailing bytes are an error. Duplicate keys: last wins.
 *
 * The writers print sets as arrays (JSON) or {a, b} (term), keys in Rego
 * order, and do not escape <, > and & (OPA disables HTML escaping).
 */
#include <stdio.h>
#include <string.h>

#include "rego/value_impl.h"

const struct ct_rego_json_limits ct_rego_json_default_limits = {
	.max_bytes = CT_REGO_JSON_MAX_BYTES,
	.max_depth = CT_REGO_JSON_MAX_DEPTH,
	.max_string = CT_REGO_JSON_MAX_STRING,
};

struct jp {
	const uint8_t *p;
	size_t len, off;
	const struct ct_rego_json_limits *lim;
};

static void skip_ws(struct jp *j)
{
	while (j->off < j->len && (j->p[j->off] == ' ' || j->p[j->off] == '\t' ||
				   j->p[j->off] == '\n' || j->p[j->off] == '\r'))
		j->off++;
}

static ct_result jerr(struct jp *j, const char *what)
{
	return CT_FAIL(CT_ERR_PROTO, "json: %s at offset %zu", what, j->off);
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static ct_result read_u4(struct jp *j, uint32_t *out)
{
	uint32_t v = 0;
	int k;

	if (j->len - j->off < 4)
		return jerr(j, "truncated \\u escape");
	for (k = 0; k < 4; k++) {
		int h = hexval(j->p[j->off + (size_t)k]);

		if (h < 0)
			return jerr(j, "invalid \\u escape");
		v = (v << 4) | (uint32_t)h;
	}
	j->off += 4;
	*out = v;
	return CT_OK;
}

static ct_result put_utf8(struct ct_buf *b, uint32_t cp)
{
	uint8_t t[4];
	size_t n;

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

static ct_result read_string(struct jp *j, struct ct_rego_value **out)
{
	ct_result res = CT_OK;
	struct ct_buf b;
	size_t start;

	ct_buf_init(&b, j->lim->max_string);
	j->off++; /* opening quote */
	for (;;) {
		uint8_t c;

		start = j->off;
		while (j->off < j->len && j->p[j->off] != '"' &&
		       j->p[j->off] != '\\' && j->p[j->off] >= 0x20)
			j->off++;
		if (j->off > start) {
			CT_TRY_ENSURE(ct_rego_utf8_valid((const char *)j->p + start,
							 j->off - start),
				      CT_ERR_PROTO,
				      "json: invalid UTF-8 in string near offset %zu",
				      start);
			res = ct_buf_append(&b, j->p + start, j->off - start);
			if (!ct_ok(res)) {
				res = CT_FAIL(CT_ERR_LIMIT,
					      "json: string longer than %zu bytes",
					      j->lim->max_string);
				goto out;
			}
		}
		if (j->off >= j->len) {
			res = jerr(j, "unterminated string");
			goto out;
		}
		c = j->p[j->off];
		if (c == '"') {
			j->off++;
			break;
		}
		if (c < 0x20) {
			res = jerr(j, "control character in string");
			goto out;
		}
		/* backslash */
		j->off++;
		if (j->off >= j->len) {
			res = jerr(j, "unterminated escape");
			goto out;
		}
		c = j->p[j->off++];
		switch (c) {
		case '"': case '\\': case '/':
			CT_TRY(ct_buf_append_byte(&b, c));
			break;
		case 'b': CT_TRY(ct_buf_append_byte(&b, '\b')); break;
		case 'f': CT_TRY(ct_buf_append_byte(&b, '\f')); break;
		case 'n': CT_TRY(ct_buf_append_byte(&b, '\n')); break;
		case 'r': CT_TRY(ct_buf_append_byte(&b, '\r')); break;
		case 't': CT_TRY(ct_buf_append_byte(&b, '\t')); break;
		case 'u': {
			uint32_t cp, lo;

			CT_TRY(read_u4(j, &cp));
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (j->len - j->off < 6 || j->p[j->off] != '\\' ||
				    j->p[j->off + 1] != 'u') {
					res = jerr(j, "lone surrogate in \\u escape");
					goto out;
				}
				j->off += 2;
				CT_TRY(read_u4(j, &lo));
				if (lo < 0xdc00 || lo > 0xdfff) {
					res = jerr(j, "invalid surrogate pair");
					goto out;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				res = jerr(j, "lone surrogate in \\u escape");
				goto out;
			}
			CT_TRY(put_utf8(&b, cp));
			break;
		}
		default:
			j->off--;
			res = jerr(j, "invalid escape");
			goto out;
		}
	}
	*out = ct_rego_value_string_new((const char *)b.data, b.len);
	CT_TRY_ENSURE(*out != NULL, CT_ERR_NOMEM, "json: out of memory");
out:
	ct_buf_dispose(&b);
	return res;
}

static ct_result read_value(struct jp *j, size_t depth,
			    struct ct_rego_value **out);

static ct_result read_literal(struct jp *j, const char *word,
			      struct ct_rego_value *v, struct ct_rego_value **out)
{
	size_t n = strlen(word);

	if (j->len - j->off < n || memcmp(j->p + j->off, word, n) != 0)
		return jerr(j, "invalid literal");
	j->off += n;
	*out = v;
	return CT_OK;
}

static ct_result read_number(struct jp *j, struct ct_rego_value **out)
{
	size_t start = j->off;
	ct_result r;

	while (j->off < j->len &&
	       strchr("0123456789+-.eE", j->p[j->off]) != NULL &&
	       j->p[j->off] != '\0')
		j->off++;
	r = ct_rego_value_number_parse((const char *)j->p + start,
				       j->off - start, out);
	if (!ct_ok(r) && r.err == CT_ERR_PROTO) {
		j->off = start;
		return jerr(j, "invalid number");
	}
	return r;
}

static ct_result read_array(struct jp *j, size_t depth,
			    struct ct_rego_value **out)
{
	ct_result res = CT_OK;
	struct ct_rego_value *arr = ct_rego_array_new(0), *elem;

	CT_ENSURE(arr != NULL, CT_ERR_NOMEM, "json: out of memory");
	j->off++;
	skip_ws(j);
	if (j->off < j->len && j->p[j->off] == ']') {
		j->off++;
		*out = arr;
		return CT_OK;
	}
	for (;;) {
		CT_TRY(read_value(j, depth + 1, &elem));
		CT_TRY(ct_rego_array_append(arr, elem));
		skip_ws(j);
		if (j->off < j->len && j->p[j->off] == ',') {
			j->off++;
			continue;
		}
		if (j->off < j->len && j->p[j->off] == ']') {
			j->off++;
			break;
		}
		res = jerr(j, "expected ',' or ']'");
		goto out;
	}
	*out = arr;
	return CT_OK;
out:
	ct_rego_value_unref(arr);
	return res;
}

static ct_result read_object(struct jp *j, size_t depth,
			     struct ct_rego_value **out)
{
	ct_result res = CT_OK;
	struct ct_rego_value *obj = ct_rego_object_new(0), *key = NULL, *val;

	CT_ENSURE(obj != NULL, CT_ERR_NOMEM, "json: out of memory");
	j->off++;
	skip_ws(j);
	if (j->off < j->len && j->p[j->off] == '}') {
		j->off++;
		*out = obj;
		return CT_OK;
	}
	for (;;) {
		skip_ws(j);
		if (j->off >= j->len || j->p[j->off] != '"') {
			res = jerr(j, "expected string key");
			goto out;
		}
		CT_TRY(read_string(j, &key));
		skip_ws(j);
		if (j->off >= j->len || j->p[j->off] != ':') {
			res = jerr(j, "expected ':'");
			goto out;
		}
		j->off++;
		CT_TRY(read_value(j, depth + 1, &val));
		res = ct_rego_object_insert(obj, key, val);
		key = NULL;
		if (!ct_ok(res))
			goto out;
		skip_ws(j);
		if (j->off < j->len && j->p[j->off] == ',') {
			j->off++;
			continue;
		}
		if (j->off < j->len && j->p[j->off] == '}') {
			j->off++;
			break;
		}
		res = jerr(j, "expected ',' or '}'");
		goto out;
	}
	*out = obj;
	return CT_OK;
out:
	ct_rego_value_unref(key);
	ct_rego_value_unref(obj);
	return res;
}

static ct_result read_value(struct jp *j, size_t depth,
			    struct ct_rego_value **out)
{
	*out = NULL;
	skip_ws(j);
	if (j->off >= j->len)
		return jerr(j, "unexpected end of input");
	switch (j->p[j->off]) {
	case '{':
	case '[':
		CT_ENSURE(depth < j->lim->max_depth, CT_ERR_LIMIT,
			  "json: nesting deeper than %zu at offset %zu",
			  j->lim->max_depth, j->off);
		return j->p[j->off] == '{' ? read_object(j, depth, out)
					   : read_array(j, depth, out);
	case '"':
		return read_string(j, out);
	case 't':
		return read_literal(j, "true", ct_rego_value_bool(true), out);
	case 'f':
		return read_literal(j, "false", ct_rego_value_bool(false), out);
	case 'n':
		return read_literal(j, "null", ct_rego_value_null(), out);
	default:
		if (j->p[j->off] == '-' ||
		    (j->p[j->off] >= '0' && j->p[j->off] <= '9'))
			return read_number(j, out);
		return jerr(j, "unexpected character");
	}
}

ct_result ct_rego_json_parse(struct ct_span in,
			     const struct ct_rego_json_limits *limits,
			     struct ct_rego_value **out)
{
	struct jp j = { in.ptr, in.len, 0,
			limits ? limits : &ct_rego_json_default_limits };
	struct ct_rego_value *v;

	*out = NULL;
	CT_ENSURE(in.len <= j.lim->max_bytes, CT_ERR_LIMIT,
		  "json: document of %zu bytes exceeds the limit of %zu",
		  in.len, j.lim->max_bytes);
	CT_GUARD(read_value(&j, 0, &v));
	skip_ws(&j);
	if (j.off != j.len) {
		ct_rego_value_unref(v);
		return jerr(&j, "trailing data");
	}
	*out = v;
	return CT_OK;
}

/* ----------------------------------------------------------------- output */

/* Length of the valid UTF-8 sequence at s[i], 0 if invalid. */
static size_t utf8_seq(const char *s, size_t len, size_t i)
{
	size_t n;

	for (n = 2; n <= 4 && i + n <= len; n++)
		if (ct_rego_utf8_valid(s + i, n))
			return n;
	return 0;
}

static ct_result write_string(struct ct_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;

	CT_GUARD(ct_buf_append_byte(b, '"'));
	for (i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];
		const char *esc = NULL;
		char u[7];

		if (c >= 0x80) {
			/* byte strings (base64.decode) may hold invalid UTF-8:
			 * print U+FFFD for each bad byte, as Go's encoder does */
			size_t n = utf8_seq(s, len, i);

			if (n > 0) {
				i += n - 1;
				continue;
			}
			CT_GUARD(ct_buf_append(b, s + start, i - start));
			CT_GUARD(ct_buf_append_str(b, "\xef\xbf\xbd"));
			start = i + 1;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		CT_GUARD(ct_buf_append(b, s + start, i - start));
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
			u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = '\0';
			esc = u;
			break;
		}
		CT_GUARD(ct_buf_append_str(b, esc));
		start = i + 1;
	}
	CT_GUARD(ct_buf_append(b, s + start, len - start));
	return ct_buf_append_byte(b, '"');
}

enum wmode { W_JSON, W_PRETTY, W_TERM };

static ct_result indent(struct ct_buf *b, enum wmode m, size_t depth)
{
	size_t i;

	if (m != W_PRETTY)
		return CT_OK;
	CT_GUARD(ct_buf_append_byte(b, '\n'));
	for (i = 0; i < depth; i++)
		CT_GUARD(ct_buf_append_str(b, "  "));
	return CT_OK;
}

static ct_result write_value(const struct ct_rego_value *v, struct ct_buf *b,
			     enum wmode m, size_t depth)
{
	size_t i, n;

	CT_ENSURE(depth <= 10000, CT_ERR_LIMIT, "json: value nested too deeply");
	switch (v->kind) {
	case CT_REGO_NULL:
		return ct_buf_append_str(b, "null");
	case CT_REGO_BOOL:
		return ct_buf_append_str(b, v->u.b ? "true" : "false");
	case CT_REGO_NUMBER:
		return ct_rego_number_format(v, b);
	case CT_REGO_STRING:
		return write_string(b, v->u.str.s, v->u.str.len);
	case CT_REGO_SET:
		if (m == W_TERM && v->u.coll.len == 0)
			return ct_buf_append_str(b, "set()");
		CT_FALLTHROUGH;
	case CT_REGO_ARRAY:
		n = v->u.coll.len;
		CT_GUARD(ct_buf_append_byte(
			b, (m == W_TERM && v->kind == CT_REGO_SET) ? '{' : '['));
		for (i = 0; i < n; i++) {
			if (i > 0)
				CT_GUARD(ct_buf_append_str(b, m == W_TERM ? ", " : ","));
			CT_GUARD(indent(b, m, depth + 1));
			CT_GUARD(write_value(v->u.coll.items[i], b, m, depth + 1));
		}
		if (n > 0)
			CT_GUARD(indent(b, m, depth));
		return ct_buf_append_byte(
			b, (m == W_TERM && v->kind == CT_REGO_SET) ? '}' : ']');
	case CT_REGO_OBJECT:
		n = v->u.coll.len;
		CT_GUARD(ct_buf_append_byte(b, '{'));
		for (i = 0; i < n; i++) {
			const struct ct_rego_value *k = v->u.coll.items[i];

			if (i > 0)
				CT_GUARD(ct_buf_append_str(b, m == W_TERM ? ", " : ","));
			CT_GUARD(indent(b, m, depth + 1));
			if (k->kind == CT_REGO_STRING || m == W_TERM) {
				CT_GUARD(write_value(k, b, m, depth + 1));
			} else {
				struct ct_buf kb;
				ct_result r;

				ct_buf_init(&kb, b->max);
				r = write_value(k, &kb, W_JSON, depth + 1);
				if (ct_ok(r))
					r = write_string(b, (const char *)kb.data ? (const char *)kb.data : "", kb.len);
				ct_buf_dispose(&kb);
				CT_GUARD(r);
			}
			CT_GUARD(ct_buf_append_str(b, m == W_JSON ? ":" : ": "));
			CT_GUARD(write_value(v->u.coll.vals[i], b, m, depth + 1));
		}
		if (n > 0)
			CT_GUARD(indent(b, m, depth));
		return ct_buf_append_byte(b, '}');
	default:
		return CT_FAIL(CT_ERR_INTERNAL, "json: unknown value kind");
	}
}

ct_result ct_rego_value_to_json(const struct ct_rego_value *v,
				struct ct_buf *out)
{
	return write_value(v, out, W_JSON, 0);
}

ct_result ct_rego_value_to_json_pretty(const struct ct_rego_value *v,
				       struct ct_buf *out)
{
	return write_value(v, out, W_PRETTY, 0);
}

ct_result ct_rego_value_to_term(const struct ct_rego_value *v,
				struct ct_buf *out)
{
	return write_value(v, out, W_TERM, 0);
}
