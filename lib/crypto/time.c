/*
 * time.c - RFC 3339 timestamps for "verify as of" options.
 *
 * Trust boundary: the string comes from the command line or a config
 * file; the parser accepts exactly the RFC 3339 date-time grammar (plus
 * "@<epoch>") with range checks, and nothing else.
 */
#include "crypto/crypto.h"

#include <stdio.h>
#include <string.h>

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

ct_result ct_time_parse_rfc3339(const char *s, time_t *out)
{
	CT_ENSURE(s != NULL, CT_ERR_USAGE, "time: missing");
	if (s[0] == '@') {
		uint64_t v;
		CT_GUARD(ct_parse_u64(s + 1, (uint64_t)INT64_MAX / 2, &v));
		*out = (time_t)v;
		return CT_OK;
	}
	size_t n = strlen(s);
	int Y, M, D, h, m, sec;
	CT_ENSURE(n >= 20 && n <= 40 && digits(s, 4, &Y) && s[4] == '-' &&
			  digits(s + 5, 2, &M) && s[7] == '-' &&
			  digits(s + 8, 2, &D) &&
			  (s[10] == 'T' || s[10] == 't' || s[10] == ' ') &&
			  digits(s + 11, 2, &h) && s[13] == ':' &&
			  digits(s + 14, 2, &m) && s[16] == ':' &&
			  digits(s + 17, 2, &sec),
		  CT_ERR_USAGE,
		  "time \"%.40s\": want RFC 3339, e.g. 2026-06-01T00:00:00Z", s);
	CT_ENSURE(M >= 1 && M <= 12 && D >= 1 && D <= 31 && h <= 23 &&
			  m <= 59 && sec <= 60,
		  CT_ERR_USAGE, "time \"%.40s\": field out of range", s);
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		const char *f = p;
		while (*p >= '0' && *p <= '9')
			p++;
		CT_ENSURE(p > f, CT_ERR_USAGE,
			  "time \"%.40s\": empty fraction", s);
	}
	long offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		CT_ENSURE(strlen(p) == 6 && digits(p + 1, 2, &oh) &&
				  p[3] == ':' && digits(p + 4, 2, &om) &&
				  oh <= 23 && om <= 59,
			  CT_ERR_USAGE, "time \"%.40s\": bad offset", s);
		offset = (oh * 3600L + om * 60L) * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		CT_BAIL(CT_ERR_USAGE, "time \"%.40s\": missing zone (Z or "
			"+hh:mm)", s);
	}
	CT_ENSURE(*p == '\0', CT_ERR_USAGE, "time \"%.40s\": trailing text", s);
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	/* timegm normalises 2026-02-31 to March: reject such dates. */
	struct tm back;
	CT_ENSURE(gmtime_r(&t, &back) != NULL && back.tm_mday == D &&
			  back.tm_mon == M - 1,
		  CT_ERR_USAGE, "time \"%.40s\": no such date", s);
	*out = t - offset;
	return CT_OK;
}

void ct_time_format_rfc3339(char out[21], time_t t)
{
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 21, "invalid-time");
}
