/*
 * uri.c - uri.parse and uri.is_valid with Go net/url's parsing rules
 * (what OPA uses): fragment, scheme, query, opaque form, authority with
 * userinfo validation, bracketed IPv6 hosts, numeric ports, and percent
 * decoding that is strict in hosts. URLs are untrusted strings: one pass,
 * bounded by their length, no allocation beyond the decoded parts.
 */
#include <stdio.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out

struct url {
	char scheme[64];
	const char *host, *port, *user, *rawq, *frag, *path, *opaque;
	size_t host_len, port_len, user_len, rawq_len, frag_len, path_len,
	       opaque_len;
	bool has_port, has_query, has_frag;
	char err[256];
};

static int hexv(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Percent-decoding; in hosts only escapes of non-ASCII bytes or %25. */
static bool unescape(const char *s, size_t len, bool host, struct ct_buf *b,
		     char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (i + 2 >= len) {
				snprintf(err, errlen, "invalid URL escape \"%.*s\"",
					 (int)(len - i), s + i);
				return false;
			}
			if (hexv(s[i + 1]) < 0 || hexv(s[i + 2]) < 0 ||
			    (host && hexv(s[i + 1]) < 8 && strncmp(s + i, "%25", 3) != 0)) {
				snprintf(err, errlen, "invalid URL escape \"%.3s\"", s + i);
				return false;
			}
			if (!ct_ok(ct_buf_append_byte(b, (uint8_t)(hexv(s[i + 1]) * 16 + hexv(s[i + 2])))))
				return false;
			i += 2;
		} else if (!ct_ok(ct_buf_append_byte(b, (uint8_t)s[i]))) {
			return false;
		}
	}
	return true;
}

static bool userinfo_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._:~!$&'()*+,;=%@", c) != NULL)
			continue;
		return false;
	}
	return true;
}

static bool parse_url(const char *s, size_t len, struct url *u)
{
	size_t i, e;

	memset(u, 0, sizeof(*u));
	for (i = 0; i < len; i++)
		if ((uint8_t)s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(u->err, sizeof(u->err), "net/url: invalid control character in URL");
			return false;
		}
	/* fragment */
	for (i = 0; i < len && s[i] != '#'; i++)
		;
	if (i < len) {
		u->has_frag = true;
		u->frag = s + i + 1;
		u->frag_len = len - i - 1;
		len = i;
	}
	/* scheme */
	for (i = 0; i < len; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			continue;
		if (((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') && i > 0)
			continue;
		if (c == ':') {
			if (i == 0) {
				snprintf(u->err, sizeof(u->err), "missing protocol scheme");
				return false;
			}
			if (i < sizeof(u->scheme)) {
				size_t k;

				for (k = 0; k < i; k++)
					u->scheme[k] = (char)((s[k] >= 'A' && s[k] <= 'Z') ? s[k] + 32 : s[k]);
				u->scheme[i] = '\0';
				s += i + 1;
				len -= i + 1;
			}
		}
		break;
	}
	/* query */
	for (i = 0; i < len && s[i] != '?'; i++)
		;
	if (i < len) {
		u->has_query = true;
		u->rawq = s + i + 1;
		u->rawq_len = len - i - 1;
		len = i;
	}
	if (u->scheme[0] != '\0' && (len == 0 || s[0] != '/')) {
		u->opaque = s;
		u->opaque_len = len;
		return true;
	}
	if (len >= 2 && s[0] == '/' && s[1] == '/') {
		const char *a = s + 2, *at = NULL, *h;
		size_t alen, hl, k;

		for (e = 2; e < len && s[e] != '/'; e++)
			;
		alen = e - 2;
		for (k = 0; k < alen; k++)
			if (a[k] == '@')
				at = a + k;
		h = a;
		if (at != NULL) {
			if (!userinfo_ok(a, (size_t)(at - a))) {
				snprintf(u->err, sizeof(u->err), "net/url: invalid userinfo");
				return false;
			}
			u->user = a;
			u->user_len = (size_t)(at - a);
			h = at + 1;
		}
		hl = (size_t)(a + alen - h);
		if (hl > 0 && h[0] == '[') {
			const char *rb = memchr(h, ']', hl);

			if (rb == NULL) {
				snprintf(u->err, sizeof(u->err), "missing ']' in host");
				return false;
			}
			u->host = h + 1;
			u->host_len = (size_t)(rb - h - 1);
			if (rb + 1 < h + hl) {
				if (rb[1] != ':') {
					snprintf(u->err, sizeof(u->err), "invalid port \"%.*s\" after host",
						 (int)(h + hl - rb - 1), rb + 1);
					return false;
				}
				u->has_port = true;
				u->port = rb + 2;
				u->port_len = (size_t)(h + hl - rb - 2);
			}
		} else {
			const char *colon = NULL;

			for (k = 0; k < hl; k++)
				if (h[k] == ':')
					colon = h + k;
			u->host = h;
			u->host_len = hl;
			if (colon != NULL) {
				u->host_len = (size_t)(colon - h);
				u->has_port = true;
				u->port = colon + 1;
				u->port_len = (size_t)(h + hl - colon - 1);
			}
		}
		for (k = 0; u->has_port && k < u->port_len; k++)
			if (u->port[k] < '0' || u->port[k] > '9') {
				snprintf(u->err, sizeof(u->err), "invalid port \":%.*s\" after host",
					 (int)u->port_len, u->port);
				return false;
			}
		s += e;
		len -= e;
	}
	u->path = s;
	u->path_len = len;
	return true;
}

static ct_result put_str(struct ct_rego_value *o, const char *k, const char *v, size_t n)
{
	return ct_rego_object_insert(o, ct_rego_value_cstring(k), ct_rego_value_string_new(v, n));
}

/* Go's path escaping leaves these alone; only an escaped '/' (or other
 * reserved byte) makes the raw form differ from a re-escape. */
static bool path_char_plain(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("-._~!$&'()*+,;=:@/", c) != NULL;
}

static ct_result bi_uri_parse(ARGS)
{
	struct url u;
	struct ct_rego_value *o;
	struct ct_buf b;
	ct_result res = CT_OK;
	char err[128] = "";
	const char *s;
	size_t len;

	CT_GUARD(bi_arg(ctx, "uri.parse", args, 0, K_STR, "string"));
	s = args[0]->u.str.s;
	len = args[0]->u.str.len;
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	if (!parse_url(s, len, &u) ||
	    (u.host && !unescape(u.host, u.host_len, true, &b, err, sizeof(err)))) {
		ct_buf_dispose(&b);
		return ct_rego_berror(ctx, "uri.parse: parse \"%s\": %s", s, u.err[0] ? u.err : err);
	}
	o = ct_rego_object_new(0);
	CT_TRY_ENSURE(o != NULL, CT_ERR_NOMEM, "rego: out of memory");
	if (u.scheme[0])
		CT_TRY(put_str(o, "scheme", u.scheme, strlen(u.scheme)));
	if (u.host && u.host_len > 0)
		CT_TRY(put_str(o, "hostname", ct_buf_cstr(&b), b.len));
	if (u.has_port && u.port_len > 0)
		CT_TRY(put_str(o, "port", u.port, u.port_len));
	if (u.path_len > 0) {
		size_t i;
		bool keep_raw = false;

		ct_buf_reset(&b);
		if (!unescape(u.path, u.path_len, false, &b, err, sizeof(err))) {
			res = ct_rego_berror(ctx, "uri.parse: parse \"%s\": %s", s, err);
			goto out;
		}
		CT_TRY(put_str(o, "path", ct_buf_cstr(&b), b.len));
		for (i = 0; i + 2 < u.path_len; i++)
			if (u.path[i] == '%' && (hexv(u.path[i + 1]) * 16 + hexv(u.path[i + 2])) == '/')
				keep_raw = true;
		if (keep_raw) {
			CT_TRY(put_str(o, "raw_path", u.path, u.path_len));
		} else {
			/* Go's EscapedPath of the decoded path */
			struct ct_buf r;
			const uint8_t *p = (const uint8_t *)ct_buf_cstr(&b);

			ct_buf_init(&r, CT_REGO_BUILTIN_STR_MAX);
			for (i = 0; i < b.len && ct_ok(res); i++)
				res = path_char_plain(p[i]) ? ct_buf_append_byte(&r, p[i])
							    : ct_buf_printf(&r, "%%%02X", p[i]);
			if (ct_ok(res))
				res = put_str(o, "raw_path", ct_buf_cstr(&r), r.len);
			ct_buf_dispose(&r);
			CT_TRY(res);
		}
	}
	if (u.has_query && u.rawq_len > 0)
		CT_TRY(put_str(o, "raw_query", u.rawq, u.rawq_len));
	if (u.has_frag && u.frag_len > 0) {
		ct_buf_reset(&b);
		if (!unescape(u.frag, u.frag_len, false, &b, err, sizeof(err))) {
			res = ct_rego_berror(ctx, "uri.parse: parse \"%s\": %s", s, err);
			goto out;
		}
		CT_TRY(put_str(o, "fragment", ct_buf_cstr(&b), b.len));
	}
	ct_buf_dispose(&b);
	*out = o;
	return CT_OK;
out:
	ct_buf_dispose(&b);
	ct_rego_value_unref(o);
	return res;
}

static ct_result bi_uri_is_valid(ARGS)
{
	struct url u;
	struct ct_buf b;
	char err[128];
	bool ok;

	(void)ctx;
	if (args[0]->kind != CT_REGO_STRING) {
		*out = ct_rego_value_bool(false);
		return CT_OK;
	}
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	ok = parse_url(args[0]->u.str.s, args[0]->u.str.len, &u) &&
	     u.scheme[0] != '\0' &&
	     (u.host == NULL || unescape(u.host, u.host_len, true, &b, err, sizeof(err)));
	ct_buf_dispose(&b);
	*out = ct_rego_value_bool(ok);
	return CT_OK;
}

CT_BUILTIN(bi_uri_parse, "uri.parse", 1);
CT_BUILTIN(bi_uri_is_valid, "uri.is_valid", 1);

const struct ct_rego_builtin *const ct_rego_builtins_uri[] = {
	&b_bi_uri_parse, &b_bi_uri_is_valid, NULL,
};
