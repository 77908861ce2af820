/*
 * tz.c - named time zones for the time.* built-ins: the UTC offset and
 * abbreviation of a zone at an instant, read from the system's compiled
 * tz database (TZif files under CT_REGO_TZ_DIR, RFC 8536).
 *
 * Trust boundary: the zone name comes from policy input (untrusted): it is
 * checked to be a plain relative name (letters, digits, "_+-/", no "..",
 * at most CT_REGO_TZ_NAME_MAX bytes) before it touches the file system. The
 * TZif file is a system file but is still parsed defensively: its size is
 * capped, every count is checked against the bytes present. Instants after
 * the last transition keep the last transition's offset (the POSIX TZ
 * footer rule is not evaluated); Debian's "fat" files list transitions to
 * 2037.
 */
#include <stdio.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

#define CT_REGO_TZ_DIR "/usr/share/zoneinfo/"
#define CT_REGO_TZ_NAME_MAX 64
#define CT_REGO_TZ_FILE_MAX ((size_t)512 << 10)
#define TZIF_HEADER 44

static bool name_ok(const char *n)
{
	size_t len = strlen(n), i;

	if (len == 0 || len > CT_REGO_TZ_NAME_MAX || n[0] == '/' ||
	    strstr(n, "..") != NULL)
		return false;
	for (i = 0; i < len; i++) {
		char c = n[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '+' ||
		      c == '-' || c == '/'))
			return false;
	}
	return true;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_counts {
	uint32_t isut, isstd, leap, time, type, chars;
};

static bool header(const uint8_t *p, size_t left, struct tzif_counts *c)
{
	if (left < TZIF_HEADER || memcmp(p, "TZif", 4) != 0)
		return false;
	c->isut = be32(p + 20);
	c->isstd = be32(p + 24);
	c->leap = be32(p + 28);
	c->time = be32(p + 32);
	c->type = be32(p + 36);
	c->chars = be32(p + 40);
	return c->type > 0 && c->type <= 256 && c->time <= 100000 &&
	       c->leap <= 10000 && c->chars <= 65536 && c->isut <= 256 &&
	       c->isstd <= 256;
}

/* Size of a data block with `tsz`-byte times. */
static size_t block_size(const struct tzif_counts *c, size_t tsz)
{
	return (size_t)c->time * (tsz + 1) + (size_t)c->type * 6 + c->chars +
	       (size_t)c->leap * (tsz + 4) + c->isstd + c->isut;
}

static ct_result lookup(const uint8_t *p, size_t len, int64_t t,
			int32_t *utoff, char *abbr, size_t abbr_len)
{
	struct tzif_counts c;
	const uint8_t *d, *idx, *types, *chars;
	size_t tsz = 4, off = 0, type = 0, i;

	if (!header(p, len, &c))
		return CT_FAIL(CT_ERR_PROTO, "bad TZif header");
	if (p[4] >= '2') {
		/* Skip the 32-bit block; use the 64-bit one. */
		off = TZIF_HEADER + block_size(&c, 4);
		if (off > len || !header(p + off, len - off, &c))
			return CT_FAIL(CT_ERR_PROTO, "bad TZif v2 header");
		tsz = 8;
	}
	d = p + off + TZIF_HEADER;
	if (block_size(&c, tsz) > len - off - TZIF_HEADER)
		return CT_FAIL(CT_ERR_PROTO, "truncated TZif data");
	idx = d + (size_t)c.time * tsz;
	types = idx + c.time;
	chars = types + (size_t)c.type * 6;
	/* Before the first transition: the first standard-time type. */
	for (i = 0; i < c.type; i++)
		if (types[i * 6 + 4] == 0) {
			type = i;
			break;
		}
	for (i = 0; i < c.time; i++) {
		int64_t at = tsz == 8 ? be64(d + i * 8) : (int32_t)be32(d + i * 4);

		if (at > t)
			break;
		type = idx[i];
	}
	if (type >= c.type)
		return CT_FAIL(CT_ERR_PROTO, "TZif type index out of range");
	*utoff = (int32_t)be32(types + type * 6);
	if (*utoff < -86400 || *utoff > 86400)
		return CT_FAIL(CT_ERR_PROTO, "TZif offset out of range");
	i = types[type * 6 + 5];
	if (i < c.chars) {
		size_t n = strnlen((const char *)chars + i, c.chars - i);

		if (n >= abbr_len)
			n = abbr_len - 1;
		memcpy(abbr, chars + i, n);
		abbr[n] = '\0';
	}
	return CT_OK;
}

ct_result ct_rego_tz_offset(const char *name, int64_t utc_secs,
			    int32_t *utoff, char *abbr, size_t abbr_len)
{
	char path[sizeof(CT_REGO_TZ_DIR) + CT_REGO_TZ_NAME_MAX];
	struct ct_buf b;
	ct_result r;

	*utoff = 0;
	if (abbr_len > 0)
		(void)snprintf(abbr, abbr_len, "UTC");
	if (name[0] == '\0' || strcmp(name, "UTC") == 0 || strcmp(name, "Local") == 0)
		return CT_OK;
	if (!name_ok(name))
		return CT_FAIL(CT_ERR_USAGE, "unknown time zone %s", name);
	(void)snprintf(path, sizeof(path), "%s%s", CT_REGO_TZ_DIR, name);
	ct_buf_init(&b, CT_REGO_TZ_FILE_MAX);
	r = ct_file_read(&b, path, CT_REGO_TZ_FILE_MAX);
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return CT_FAIL(CT_ERR_USAGE, "unknown time zone %s", name);
	}
	r = lookup(b.data, b.len, utc_secs, utoff, abbr, abbr_len);
	ct_buf_dispose(&b);
	if (!ct_ok(r))
		return CT_FAIL(CT_ERR_USAGE, "unknown time zone %s", name);
	return CT_OK;
}
