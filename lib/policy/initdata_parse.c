/*
 * initdata_parse.c - reads the policy back out of an initdata document:
 * what the Kata agent does inside the VM before it enforces anything, and
 * what local mode does for each simulated pod.
 *
 * Trust: the TOML comes from a pod annotation, i.e. from the host. Whatever
 * it says, the VM's HOSTDATA pins its sha256, so a host cannot substitute
 * another document; the parser still treats it as hostile: bounded by
 * CT_INITDATA_MAX, every string checked, nothing but the subset below
 * accepted. The subset is what initdata producers write: top-level string
 * keys (`version`, `algorithm`), one `[data]` table of string values
 * (basic, literal, and their multi-line forms), comments and blank lines.
 * `algorithm` must be "sha256" (the hash HOSTDATA carries).
 */
#include "policy/policy.h"

#include <stdio.h>
#include <string.h>

struct toml_cursor {
	const char *p, *end;
	unsigned line;
};

static CT_RESULT toml_fail(const struct toml_cursor *c, const char *what)
{
	return CT_FAIL(CT_ERR_PROTO, "initdata: line %u: %s", c->line, what);
}

static void skip_blank(struct toml_cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* Skips blanks and a comment, then wants the end of the line. */
static CT_RESULT end_of_line(struct toml_cursor *c)
{
	skip_blank(c);
	if (c->p < c->end && *c->p == '#')
		while (c->p < c->end && *c->p != '\n')
			c->p++;
	if (c->p < c->end && *c->p == '\r')
		c->p++;
	if (c->p == c->end)
		return CT_OK;
	if (*c->p != '\n')
		return toml_fail(c, "unexpected text after a value");
	c->p++;
	c->line++;
	return CT_OK;
}

static bool starts(const struct toml_cursor *c, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(c->end - c->p) >= n && memcmp(c->p, s, n) == 0;
}

static CT_RESULT hex_escape(struct toml_cursor *c, unsigned digits,
			    struct ct_buf *out)
{
	uint32_t cp = 0;

	if ((size_t)(c->end - c->p) < digits)
		return toml_fail(c, "truncated \\u escape");
	for (unsigned i = 0; i < digits; i++) {
		char h = *c->p++;
		int v = h >= '0' && h <= '9' ? h - '0' :
			h >= 'a' && h <= 'f' ? h - 'a' + 10 :
			h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
		if (v < 0)
			return toml_fail(c, "bad hex digit in a \\u escape");
		cp = cp << 4 | (uint32_t)v;
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return toml_fail(c, "escape is not a Unicode scalar value");
	if (cp < 0x80)
		return ct_buf_append_byte(out, (uint8_t)cp);
	if (cp < 0x800) {
		CT_GUARD(ct_buf_append_byte(out, (uint8_t)(0xC0 | cp >> 6)));
	} else if (cp < 0x10000) {
		CT_GUARD(ct_buf_append_byte(out, (uint8_t)(0xE0 | cp >> 12)));
		CT_GUARD(ct_buf_append_byte(out, (uint8_t)(0x80 | ((cp >> 6) & 0x3F))));
	} else {
		CT_GUARD(ct_buf_append_byte(out, (uint8_t)(0xF0 | cp >> 18)));
		CT_GUARD(ct_buf_append_byte(out, (uint8_t)(0x80 | ((cp >> 12) & 0x3F))));
		CT_GUARD(ct_buf_append_byte(out, (uint8_t)(0x80 | ((cp >> 6) & 0x3F))));
	}
	return ct_buf_append_byte(out, (uint8_t)(0x80 | (cp & 0x3F)));
}

static CT_RESULT basic_escape(struct toml_cursor *c, bool multiline,
			      struct ct_buf *out)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const char *hit;

	if (c->p == c->end)
		return toml_fail(c, "unterminated string");
	char e = *c->p++;
	if (e == 'u' || e == 'U')
		return hex_escape(c, e == 'u' ? 4 : 8, out);
	if (multiline && (e == '\n' || e == ' ' || e == '\t' || e == '\r')) {
		/* Line-ending backslash: trims the newline and leading blanks. */
		while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
					 *c->p == '\n' || *c->p == '\r'))
			c->line += *c->p++ == '\n';
		c->line += e == '\n';
		return CT_OK;
	}
	hit = e != '\0' ? strchr(from, e) : NULL;
	if (hit == NULL)
		return toml_fail(c, "unknown escape in a string");
	return ct_buf_append_byte(out, (uint8_t)to[hit - from]);
}

/* One string value (any of the four forms) appended to out. */
static CT_RESULT string_value(struct toml_cursor *c, struct ct_buf *out)
{
	bool literal = c->p < c->end && *c->p == '\'';
	bool multiline = starts(c, literal ? "'''" : "\"\"\"");
	const char *close = multiline ? (literal ? "'''" : "\"\"\"")
				      : (literal ? "'" : "\"");

	if (c->p == c->end || (*c->p != '\'' && *c->p != '"'))
		return toml_fail(c, "want a string value");
	c->p += strlen(close);
	if (multiline && starts(c, "\n"))
		c->p++, c->line++;
	else if (multiline && starts(c, "\r\n"))
		c->p += 2, c->line++;
	for (;;) {
		if (c->p == c->end)
			return toml_fail(c, "unterminated string");
		if (starts(c, close)) {
			c->p += strlen(close);
			/* Up to two more quotes belong to a multi-line string. */
			for (int i = 0; multiline && i < 2 && c->p < c->end &&
					*c->p == close[0]; i++)
				CT_GUARD(ct_buf_append_byte(out, (uint8_t)*c->p++));
			return CT_OK;
		}
		uint8_t ch = (uint8_t)*c->p;
		if (ch == '\n') {
			if (!multiline)
				return toml_fail(c, "newline in a single-line string");
			c->line++;
		} else if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f) {
			return toml_fail(c, "control character in a string");
		}
		c->p++;
		if (ch == '\\' && !literal)
			CT_GUARD(basic_escape(c, multiline, out));
		else
			CT_GUARD(ct_buf_append_byte(out, ch));
	}
}

/* A bare or quoted key, copied to key (NUL-terminated). */
static CT_RESULT key_name(struct toml_cursor *c, char *key, size_t len)
{
	struct ct_buf b;
	ct_result r = CT_OK;

	ct_buf_init(&b, 256);
	if (c->p < c->end && (*c->p == '"' || *c->p == '\'')) {
		r = string_value(c, &b);
	} else {
		while (c->p < c->end && ((*c->p >= 'a' && *c->p <= 'z') ||
					 (*c->p >= 'A' && *c->p <= 'Z') ||
					 (*c->p >= '0' && *c->p <= '9') ||
					 *c->p == '_' || *c->p == '-') && ct_ok(r))
			r = ct_buf_append_byte(&b, (uint8_t)*c->p++);
		if (ct_ok(r) && b.len == 0)
			r = toml_fail(c, "want a key");
	}
	if (ct_ok(r) && (b.len >= len || memchr(b.data, '\0', b.len) != NULL))
		r = toml_fail(c, "key too long or not text");
	if (ct_ok(r)) {
		memcpy(key, b.data, b.len);
		key[b.len] = '\0';
	}
	ct_buf_dispose(&b);
	return r;
}

struct initdata_fields {
	bool in_data, have_version, have_policy;
	char algorithm[16];
};

static CT_RESULT key_value(struct toml_cursor *c, struct initdata_fields *f,
			   struct ct_buf *policy)
{
	char key[128];
	struct ct_buf value;
	ct_result r;

	CT_GUARD(key_name(c, key, sizeof(key)));
	skip_blank(c);
	if (c->p == c->end || *c->p != '=')
		return toml_fail(c, "want '=' after a key");
	c->p++;
	skip_blank(c);
	ct_buf_init(&value, CT_INITDATA_MAX);
	r = string_value(c, &value);
	if (ct_ok(r) && f->in_data && strcmp(key, "policy.rego") == 0) {
		r = f->have_policy ? toml_fail(c, "\"policy.rego\" given twice")
				   : ct_buf_append_span(policy, ct_buf_span(&value));
		f->have_policy = true;
	} else if (ct_ok(r) && !f->in_data && strcmp(key, "version") == 0) {
		f->have_version = true;
	} else if (ct_ok(r) && !f->in_data && strcmp(key, "algorithm") == 0) {
		if (value.len >= sizeof(f->algorithm) ||
		    memchr(value.data, '\0', value.len) != NULL)
			r = toml_fail(c, "unknown algorithm");
		else
			snprintf(f->algorithm, sizeof(f->algorithm), "%s", ct_buf_cstr(&value));
	}
	ct_buf_dispose(&value);
	return ct_ok(r) ? end_of_line(c) : r;
}

CT_RESULT ct_initdata_policy(struct ct_span toml, struct ct_buf *policy)
{
	struct toml_cursor c = { (const char *)toml.ptr,
				 (const char *)toml.ptr + toml.len, 1 };
	struct initdata_fields f = { 0 };

	CT_ENSURE(toml.len <= CT_INITDATA_MAX, CT_ERR_LIMIT,
		  "initdata: %zu bytes exceed the limit of %zu", toml.len,
		  CT_INITDATA_MAX);
	while (c.p < c.end) {
		skip_blank(&c);
		if (c.p < c.end && *c.p == '[') {
			if (!starts(&c, "[data]"))
				return toml_fail(&c, "unknown table (only [data] is read)");
			if (f.in_data)
				return toml_fail(&c, "[data] given twice");
			c.p += 6;
			f.in_data = true;
			CT_GUARD(end_of_line(&c));
		} else if (c.p < c.end && *c.p != '#' && *c.p != '\n' && *c.p != '\r') {
			CT_GUARD(key_value(&c, &f, policy));
		} else {
			CT_GUARD(end_of_line(&c));
		}
	}
	CT_ENSURE(f.have_version, CT_ERR_PROTO, "initdata: no version");
	CT_ENSURE(strcmp(f.algorithm, "sha256") == 0, CT_ERR_PROTO,
		  "initdata: algorithm \"%s\" is not sha256", f.algorithm);
	CT_ENSURE(f.have_policy, CT_ERR_PROTO,
		  "initdata: no [data] \"policy.rego\"");
	return CT_OK;
}
