/*
 * encoding.c - hex, base64, decimal numbers and UTF-8 validation.
 *
 * Decoders are strict: they accept exactly one spelling of each value
 * (canonical base64 padding, no whitespace, no sign or leading '+' on
 * numbers), because every one of them reads untrusted text somewhere.
 */
#include "base/base.h"

#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

void ct_hex_format(char *out, const uint8_t *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_digits[in[i] >> 4];
		out[2 * i + 1] = hex_digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

ct_result ct_hex_encode(struct ct_buf *out, struct ct_span in)
{
	size_t n;
	CT_GUARD(ct_size_mul(&n, in.len, 2));
	CT_GUARD(ct_buf_reserve(out, n));
	ct_hex_format((char *)out->data + out->len, in.ptr, in.len);
	out->len += n;
	return CT_OK;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static ct_result hex_decode_into(uint8_t *dst, const char *hex, size_t hex_len)
{
	for (size_t i = 0; i < hex_len; i += 2) {
		int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
		CT_ENSURE(hi >= 0 && lo >= 0, CT_ERR_PROTO,
			  "invalid hex digit at position %zu",
			  hi < 0 ? i : i + 1);
		dst[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return CT_OK;
}

ct_result ct_hex_decode(struct ct_buf *out, const char *hex, size_t hex_len)
{
	CT_ENSURE(hex_len % 2 == 0, CT_ERR_PROTO,
		  "hex string has odd length %zu", hex_len);
	CT_GUARD(ct_buf_reserve(out, hex_len / 2));
	CT_GUARD(hex_decode_into(out->data + out->len, hex, hex_len));
	out->len += hex_len / 2;
	out->data[out->len] = '\0';
	return CT_OK;
}

ct_result ct_hex_decode_fixed(uint8_t *out, size_t len, const char *hex)
{
	size_t hex_len = strlen(hex);
	CT_ENSURE(hex_len == 2 * len, CT_ERR_PROTO,
		  "hex string has %zu digits, want %zu", hex_len, 2 * len);
	uint8_t tmp[512];
	CT_ENSURE(len <= sizeof(tmp), CT_ERR_LIMIT, "hex value too long");
	/* Decode into scratch first so `out` is untouched on failure. */
	CT_GUARD(hex_decode_into(tmp, hex, hex_len));
	memcpy(out, tmp, len);
	return CT_OK;
}

static const char b64_std[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static ct_result b64_encode(struct ct_buf *out, struct ct_span in,
			    const char *alphabet, bool pad)
{
	size_t groups = in.len / 3 + (in.len % 3 != 0), n;
	CT_GUARD(ct_size_mul(&n, groups, 4));
	CT_GUARD(ct_buf_reserve(out, n));
	char *dst = (char *)out->data + out->len;
	size_t o = 0;
	for (size_t i = 0; i < in.len; i += 3) {
		size_t rem = in.len - i;
		uint32_t v = (uint32_t)in.ptr[i] << 16;
		if (rem > 1)
			v |= (uint32_t)in.ptr[i + 1] << 8;
		if (rem > 2)
			v |= in.ptr[i + 2];
		dst[o++] = alphabet[v >> 18 & 63];
		dst[o++] = alphabet[v >> 12 & 63];
		if (rem > 1)
			dst[o++] = alphabet[v >> 6 & 63];
		else if (pad)
			dst[o++] = '=';
		if (rem > 2)
			dst[o++] = alphabet[v & 63];
		else if (pad)
			dst[o++] = '=';
	}
	out->len += o;
	out->data[out->len] = '\0';
	return CT_OK;
}

static int b64_value(const char *alphabet, char c)
{
	const char *p = c != '\0' ? strchr(alphabet, c) : NULL;
	return p != NULL ? (int)(p - alphabet) : -1;
}

static ct_result b64_decode(struct ct_buf *out, const char *s, size_t len,
			    const char *alphabet, bool pad)
{
	size_t data_len = len;
	if (pad) {
		CT_ENSURE(len % 4 == 0, CT_ERR_PROTO,
			  "base64 length %zu is not a multiple of 4", len);
		while (data_len > 0 && len - data_len < 2 &&
		       s[data_len - 1] == '=')
			data_len--;
	}
	CT_ENSURE(data_len % 4 != 1, CT_ERR_PROTO, "base64 has a stray digit");
	size_t start = out->len;
	CT_GUARD(ct_buf_reserve(out, data_len / 4 * 3 + 2));
	uint8_t *dst = out->data + out->len;
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < data_len; i++) {
		int v = b64_value(alphabet, s[i]);
		CT_ENSURE(v >= 0, CT_ERR_PROTO,
			  "invalid base64 character at position %zu", i);
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dst[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Canonical form: the unused low bits of the last digit are zero. */
	CT_ENSURE(acc == 0, CT_ERR_PROTO, "base64 is not canonical");
	out->len = start + o;
	out->data[out->len] = '\0';
	return CT_OK;
}

ct_result ct_base64_encode(struct ct_buf *out, struct ct_span in)
{
	return b64_encode(out, in, b64_std, true);
}

ct_result ct_base64_decode(struct ct_buf *out, const char *b64, size_t len)
{
	return b64_decode(out, b64, len, b64_std, true);
}

ct_result ct_base64url_encode(struct ct_buf *out, struct ct_span in)
{
	return b64_encode(out, in, b64_url, false);
}

ct_result ct_base64url_decode(struct ct_buf *out, const char *b64, size_t len)
{
	return b64_decode(out, b64, len, b64_url, false);
}

ct_result ct_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	CT_ENSURE(s != NULL && *s != '\0', CT_ERR_USAGE, "empty number");
	uint64_t v = 0;
	for (const char *p = s; *p != '\0'; p++) {
		CT_ENSURE(*p >= '0' && *p <= '9', CT_ERR_USAGE,
			  "not a decimal number: '%s'", s);
		unsigned d = (unsigned)(*p - '0');
		CT_ENSURE(v <= (max - d) / 10, CT_ERR_USAGE,
			  "number %s is larger than %llu", s,
			  (unsigned long long)max);
		v = v * 10 + d;
	}
	*out = v;
	return CT_OK;
}

size_t ct_utf8_valid_prefix(struct ct_span s)
{
	const uint8_t *p = s.ptr;
	size_t i = 0;

	while (i < s.len) {
		uint8_t c = p[i];
		uint32_t cp;
		size_t n;

		if (c < 0x80) {
			i++;
			continue;
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
			return i;
		}
		if (s.len - i <= n)
			return i;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return s.len;
}
