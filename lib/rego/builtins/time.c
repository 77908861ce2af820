/*
 * time.c - time.* built-ins: now_ns (the engine's per-evaluation
 * clock), RFC 3339 and Go-layout parsing (parse_rfc3339_ns, parse_ns),
 * formatting (format), durations, calendar fields, add_date and diff.
 * Timestamps and layouts are policy/input strings: parsers walk them
 * once, bounded by their length, and reject anything outside the ranges
 * Go's UnixNano can represent ("timestamp too big"). Named time zones
 * come from the system tz database (tz.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out
#define S(i) (args[i]->u.str.s)
#define L(i) (args[i]->u.str.len)

static ct_result bi_time_now_ns(ARGS)
{
	(void)args;
	return bi_ret(out, ct_rego_value_int(ctx->now_ns));
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y += *m <= 2;
}

static bool digits(const char *s, size_t n, unsigned *out)
{
	size_t i;
	unsigned v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM). */
static bool parse_rfc3339(const char *s, size_t len, int64_t *ns_out)
{
	unsigned y, mo, d, h, mi, sec, oh, om;
	size_t i = 19;
	int64_t ns = 0, days, total, off = 0;
	int fd = 0;

	if (len < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
	    s[16] != ':' || !digits(s + 17, 2, &sec))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
		return false;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (fd < 9) {
				ns = ns * 10 + (s[i] - '0');
				fd++;
			}
			i++;
		}
		if (fd == 0)
			return false;
		while (fd < 9) {
			ns *= 10;
			fd++;
		}
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i + 6 == len && (s[i] == '+' || s[i] == '-') &&
		   digits(s + i + 1, 2, &oh) && s[i + 3] == ':' &&
		   digits(s + i + 4, 2, &om)) {
		off = ((int64_t)oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
		i += 6;
	} else {
		return false;
	}
	if (i != len)
		return false;
	days = days_from_civil(y, mo, d);
	total = days * 86400 + h * 3600 + mi * 60 + sec - off;
	/* Before 1970 borrow a second so that the earliest instant Go can
	 * represent (INT64_MIN ns) does not overflow on the way there. */
	if (total < 0 && ns > 0) {
		total++;
		ns -= 1000000000;
	}
	/* Go's UnixNano covers 1677-09-21 .. 2262-04-11. */
	if (__builtin_mul_overflow(total, INT64_C(1000000000), &total) ||
	    __builtin_add_overflow(total, ns, &total)) {
		*ns_out = INT64_MIN; /* marks "out of range" for the caller */
		return false;
	}
	*ns_out = total;
	return true;
}

static ct_result bi_time_parse_rfc3339_ns(ARGS)
{
	int64_t ns;

	CT_GUARD(bi_arg(ctx, "time.parse_rfc3339_ns", args, 0, K_STR, "string"));
	ns = 0;
	if (!parse_rfc3339(S(0), L(0), &ns) && ns == INT64_MIN)
		return ct_rego_berror(ctx, "time.parse_rfc3339_ns: time outside of valid range");
	if (!parse_rfc3339(S(0), L(0), &ns))
		return ct_rego_berror(ctx, "time.parse_rfc3339_ns: parsing time \"%s\" as \"2006-01-02T15:04:05Z07:00\": cannot parse", S(0));
	return bi_ret(out, ct_rego_value_int(ns));
}

/* Go's time.ParseDuration. */
static ct_result bi_time_parse_duration_ns(ARGS)
{
	const char *s;
	size_t i = 0, len;
	double total = 0;
	bool neg = false;

	CT_GUARD(bi_arg(ctx, "time.parse_duration_ns", args, 0, K_STR, "string"));
	s = S(0);
	len = L(0);
	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (len - i == 1 && s[i] == '0')
		return bi_ret(out, ct_rego_value_int(0));
	if (i >= len)
		goto bad;
	while (i < len) {
		double v = 0, scale = 1, unit;
		size_t st = i;
		bool any = false;

		while (i < len && s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (s[i++] - '0');
			any = true;
		}
		if (i < len && s[i] == '.') {
			i++;
			while (i < len && s[i] >= '0' && s[i] <= '9') {
				scale /= 10;
				v += (s[i++] - '0') * scale;
				any = true;
			}
		}
		if (!any || st == i)
			goto bad;
		if (i + 1 < len + 0 && strncmp(s + i, "ns", 2) == 0) { unit = 1; i += 2; }
		else if (i + 1 < len && strncmp(s + i, "us", 2) == 0) { unit = 1e3; i += 2; }
		else if (i + 1 < len && strncmp(s + i, "\xc2\xb5s", 3) == 0 && i + 2 < len) { unit = 1e3; i += 3; }
		else if (i + 1 < len && strncmp(s + i, "ms", 2) == 0) { unit = 1e6; i += 2; }
		else if (i < len && s[i] == 's') { unit = 1e9; i++; }
		else if (i < len && s[i] == 'm') { unit = 60e9; i++; }
		else if (i < len && s[i] == 'h') { unit = 3600e9; i++; }
		/* OPA extends Go's units with days, weeks and (365-day) years. */
		else if (i < len && s[i] == 'd') { unit = 86400e9; i++; }
		else if (i < len && s[i] == 'w') { unit = 7 * 86400e9; i++; }
		else if (i < len && s[i] == 'y') { unit = 365 * 86400e9; i++; }
		else goto bad;
		total += v * unit;
	}
	if (total > 9.2233720368547758e18)
		goto bad;
	return bi_ret(out, ct_rego_value_int((int64_t)(neg ? -total : total)));
bad:
	return ct_rego_berror(ctx, "time.parse_duration_ns: time: invalid duration \"%s\"", S(0));
}

/* Argument of time.date/clock/weekday/format/diff: ns or [ns, tz]. The
 * zone's offset at that instant goes to *utoff (and its abbreviation to
 * abbr) when those are non-NULL; *secs stays UTC. */
/* Splits nanoseconds since the epoch into floored seconds and a
 * non-negative remainder without overflowing at INT64_MIN. */
static void split_ns(int64_t ns, int64_t *secs, int64_t *nsec)
{
	*secs = ns / 1000000000;
	*nsec = ns % 1000000000;
	if (*nsec < 0) {
		*nsec += 1000000000;
		(*secs)--;
	}
}

static ct_result time_arg_tz(struct ct_rego_bctx *ctx, const char *name,
			     struct ct_rego_value *const *args, int64_t *secs,
			     int64_t *nsec, int32_t *utoff, char *abbr)
{
	struct ct_rego_value *a = args[0], *tz = NULL;
	int32_t off = 0;
	char ab[16];
	int64_t ns;

	if (a->kind == CT_REGO_ARRAY) {
		if (a->u.coll.len != 2 || !ct_rego_number_to_int64(a->u.coll.items[0], &ns))
			return ct_rego_berror(ctx, "%s: operand 1 must be a number or [number, string]", name);
		tz = a->u.coll.items[1];
		if (tz->kind != CT_REGO_STRING)
			return ct_rego_berror(ctx, "%s: unknown time zone", name);
	} else {
		CT_GUARD(bi_arg(ctx, name, args, 0, K_NUM | K_ARR, "one of {number, array}"));
		if (!ct_rego_number_to_int64(a, &ns))
			return ct_rego_berror(ctx, "%s: timestamp too big", name);
	}
	split_ns(ns, secs, nsec);
	if (tz != NULL && !ct_ok(ct_rego_tz_offset(tz->u.str.s, *secs, &off, ab,
						   sizeof(ab)))) {
		ct_error_clear();
		return ct_rego_berror(ctx, "%s: unknown time zone %s", name, tz->u.str.s);
	}
	if (tz == NULL)
		memcpy(ab, "UTC", 4);
	if (utoff != NULL)
		*utoff = off;
	if (abbr != NULL)
		memcpy(abbr, ab, sizeof(ab));
	return CT_OK;
}

/* As time_arg_tz, with *secs moved to the zone's wall clock. */
static ct_result time_arg(struct ct_rego_bctx *ctx, const char *name,
			  struct ct_rego_value *const *args, int64_t *secs,
			  int64_t *nsec)
{
	int32_t off = 0;

	CT_GUARD(time_arg_tz(ctx, name, args, secs, nsec, &off, NULL));
	*secs += off;
	return CT_OK;
}

static ct_result int_triplet(int64_t a, int64_t b, int64_t c,
			     struct ct_rego_value **out)
{
	struct ct_rego_value *r = ct_rego_array_new(3);
	ct_result res;

	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	res = ct_rego_array_append(r, ct_rego_value_int(a));
	if (ct_ok(res))
		res = ct_rego_array_append(r, ct_rego_value_int(b));
	if (ct_ok(res))
		res = ct_rego_array_append(r, ct_rego_value_int(c));
	if (!ct_ok(res)) {
		ct_rego_value_unref(r);
		return res;
	}
	*out = r;
	return CT_OK;
}

static int64_t floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && ((a < 0) != (b < 0)));
}

static ct_result bi_time_date(ARGS)
{
	int64_t secs, nsec, y;
	unsigned m, d;

	CT_GUARD(time_arg(ctx, "time.date", args, &secs, &nsec));
	civil_from_days(floordiv(secs, 86400), &y, &m, &d);
	return int_triplet(y, m, d, out);
}

static ct_result bi_time_clock(ARGS)
{
	int64_t secs, nsec, s;

	CT_GUARD(time_arg(ctx, "time.clock", args, &secs, &nsec));
	s = secs - floordiv(secs, 86400) * 86400;
	return int_triplet(s / 3600, (s / 60) % 60, s % 60, out);
}

static ct_result bi_time_weekday(ARGS)
{
	static const char *const names[] = { "Thursday", "Friday", "Saturday",
					     "Sunday", "Monday", "Tuesday",
					     "Wednesday" };
	int64_t secs, nsec, days;

	CT_GUARD(time_arg(ctx, "time.weekday", args, &secs, &nsec));
	days = floordiv(secs, 86400);
	return bi_ret(out, ct_rego_value_cstring(names[((days % 7) + 7) % 7]));
}

static ct_result bi_time_add_date(ARGS)
{
	int64_t ns, dy, dm, dd, secs, nsec, y, days, tod, mm;
	unsigned m, d;

	CT_GUARD(ct_rego_barg_int(ctx, "time.add_date", args, 0, &ns));
	CT_GUARD(ct_rego_barg_int(ctx, "time.add_date", args, 1, &dy));
	CT_GUARD(ct_rego_barg_int(ctx, "time.add_date", args, 2, &dm));
	CT_GUARD(ct_rego_barg_int(ctx, "time.add_date", args, 3, &dd));
	if (dy > 100000 || dy < -100000 || dm > 1200000 || dm < -1200000 ||
	    dd > 40000000 || dd < -40000000)
		return ct_rego_berror(ctx, "time.add_date: time outside of valid range");
	split_ns(ns, &secs, &nsec);
	days = floordiv(secs, 86400);
	tod = secs - days * 86400;
	civil_from_days(days, &y, &m, &d);
	/* Go normalises month/day overflow (Jan 31 + 1 month = Mar 3). */
	mm = (int64_t)m - 1 + dm;
	y += dy + floordiv(mm, 12);
	mm -= floordiv(mm, 12) * 12;
	days = days_from_civil(y, (unsigned)mm + 1, 1) + (int64_t)d - 1 + dd;
	secs = days * 86400 + tod;
	if (secs > INT64_MAX / 1000000000 - 1 || secs < INT64_MIN / 1000000000 + 1)
		return ct_rego_berror(ctx, "time.add_date: time outside of valid range");
	return bi_ret(out, ct_rego_value_int(secs * 1000000000 + nsec));
}


/* ------------------------------------------------------- Go layouts */

static const char *const month_names[] = { "January", "February", "March",
	"April", "May", "June", "July", "August", "September", "October",
	"November", "December" };
static const char *const day_names[] = { "Sunday", "Monday", "Tuesday",
	"Wednesday", "Thursday", "Friday", "Saturday" };

static const struct {
	const char *name, *layout;
} named_layouts[] = {
	{ "ANSIC", "Mon Jan _2 15:04:05 2006" },
	{ "UnixDate", "Mon Jan _2 15:04:05 MST 2006" },
	{ "RubyDate", "Mon Jan 02 15:04:05 -0700 2006" },
	{ "RFC822", "02 Jan 06 15:04 MST" },
	{ "RFC822Z", "02 Jan 06 15:04 -0700" },
	{ "RFC850", "Monday, 02-Jan-06 15:04:05 MST" },
	{ "RFC1123", "Mon, 02 Jan 2006 15:04:05 MST" },
	{ "RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700" },
	{ "RFC3339", "2006-01-02T15:04:05Z07:00" },
	{ "RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00" },
	{ "Kitchen", "3:04PM" },
	{ "Stamp", "Jan _2 15:04:05" },
	{ "StampMilli", "Jan _2 15:04:05.000" },
	{ "StampMicro", "Jan _2 15:04:05.000000" },
	{ "StampNano", "Jan _2 15:04:05.000000000" },
	{ "DateTime", "2006-01-02 15:04:05" },
	{ "DateOnly", "2006-01-02" },
	{ "TimeOnly", "15:04:05" },
	{ NULL, NULL },
};

static const char *resolve_layout(const char *l)
{
	size_t i;

	for (i = 0; named_layouts[i].name != NULL; i++)
		if (strcmp(named_layouts[i].name, l) == 0)
			return named_layouts[i].layout;
	return l;
}

/* Layout tokens, longest first where prefixes overlap. */
enum tok { T_LIT, T_YEAR4, T_YEAR2, T_MON_LONG, T_MON_SHORT, T_MON2, T_MON1,
	   T_WD_LONG, T_WD_SHORT, T_DAY2, T_DAY_US, T_DAY1, T_H24, T_H12_2,
	   T_H12_1, T_MIN2, T_MIN1, T_SEC2, T_SEC1, T_PM, T_pm, T_TZNAME,
	   T_ZCOLON, T_Z, T_NUMCOLON, T_NUM, T_NUMH, T_FRAC0, T_FRAC9 };

static const struct {
	const char *text;
	enum tok t;
} toks[] = {
	{ "January", T_MON_LONG }, { "Jan", T_MON_SHORT },
	{ "Monday", T_WD_LONG }, { "Mon", T_WD_SHORT }, { "MST", T_TZNAME },
	{ "2006", T_YEAR4 }, { "Z07:00", T_ZCOLON }, { "Z0700", T_Z },
	{ "-07:00", T_NUMCOLON }, { "-0700", T_NUM }, { "-07", T_NUMH },
	{ "01", T_MON2 }, { "02", T_DAY2 }, { "03", T_H12_2 }, { "04", T_MIN2 },
	{ "05", T_SEC2 }, { "06", T_YEAR2 }, { "15", T_H24 }, { "_2", T_DAY_US },
	{ "PM", T_PM }, { "pm", T_pm }, { "1", T_MON1 }, { "2", T_DAY1 },
	{ "3", T_H12_1 }, { "4", T_MIN1 }, { "5", T_SEC1 }, { NULL, T_LIT },
};

/* Next token of layout at *i; *n = fractional digits for T_FRAC*. */
static enum tok next_tok(const char *l, size_t *i, int *n)
{
	size_t k;

	if ((l[*i] == '.' || l[*i] == ',') && (l[*i + 1] == '0' || l[*i + 1] == '9')) {
		char d = l[*i + 1];
		size_t j = *i + 1;

		while (l[j] == d)
			j++;
		/* only a fraction if not followed by another digit */
		if (!(l[j] >= '0' && l[j] <= '9')) {
			*n = (int)(j - *i - 1);
			*i = j;
			return d == '0' ? T_FRAC0 : T_FRAC9;
		}
	}
	for (k = 0; toks[k].text != NULL; k++) {
		size_t len = strlen(toks[k].text);

		if (strncmp(l + *i, toks[k].text, len) == 0) {
			*i += len;
			return toks[k].t;
		}
	}
	(*i)++;
	return T_LIT;
}

/* secs/nsec as time_arg_tz splits them (0 <= nsec < 1e9), UTC; `off`
 * seconds east of UTC and zone abbreviation `abbr` for the zone tokens. */
static ct_result fmt_time(struct ct_buf *b, const char *layout, int64_t secs,
			  int64_t nsec, int32_t off, const char *abbr)
{
	int32_t aoff = off < 0 ? -off : off;
	char sign = off < 0 ? '-' : '+';

	int64_t days, y, sod;
	unsigned m, d;
	size_t i = 0;

	secs += off;
	days = secs / 86400 - (secs % 86400 < 0);
	sod = secs - days * 86400;
	civil_from_days(days, &y, &m, &d);
	while (layout[i] != '\0') {
		size_t st = i;
		int n = 0, k;
		int64_t h = sod / 3600, mi = (sod / 60) % 60, s = sod % 60;
		int wd = (int)(((days % 7) + 11) % 7);

		switch (next_tok(layout, &i, &n)) {
		case T_LIT: CT_GUARD(ct_buf_append(b, layout + st, 1)); break;
		case T_YEAR4: CT_GUARD(ct_buf_printf(b, "%04lld", (long long)y)); break;
		case T_YEAR2: CT_GUARD(ct_buf_printf(b, "%02lld", (long long)(y % 100))); break;
		case T_MON_LONG: CT_GUARD(ct_buf_append_str(b, month_names[m - 1])); break;
		case T_MON_SHORT: CT_GUARD(ct_buf_append(b, month_names[m - 1], 3)); break;
		case T_MON2: CT_GUARD(ct_buf_printf(b, "%02u", m)); break;
		case T_MON1: CT_GUARD(ct_buf_printf(b, "%u", m)); break;
		case T_WD_LONG: CT_GUARD(ct_buf_append_str(b, day_names[wd])); break;
		case T_WD_SHORT: CT_GUARD(ct_buf_append(b, day_names[wd], 3)); break;
		case T_DAY2: CT_GUARD(ct_buf_printf(b, "%02u", d)); break;
		case T_DAY_US: CT_GUARD(ct_buf_printf(b, "%2u", d)); break;
		case T_DAY1: CT_GUARD(ct_buf_printf(b, "%u", d)); break;
		case T_H24: CT_GUARD(ct_buf_printf(b, "%02lld", (long long)h)); break;
		case T_H12_2: CT_GUARD(ct_buf_printf(b, "%02lld", (long long)(h % 12 ? h % 12 : 12))); break;
		case T_H12_1: CT_GUARD(ct_buf_printf(b, "%lld", (long long)(h % 12 ? h % 12 : 12))); break;
		case T_MIN2: CT_GUARD(ct_buf_printf(b, "%02lld", (long long)mi)); break;
		case T_MIN1: CT_GUARD(ct_buf_printf(b, "%lld", (long long)mi)); break;
		case T_SEC2: CT_GUARD(ct_buf_printf(b, "%02lld", (long long)s)); break;
		case T_SEC1: CT_GUARD(ct_buf_printf(b, "%lld", (long long)s)); break;
		case T_PM: CT_GUARD(ct_buf_append_str(b, h >= 12 ? "PM" : "AM")); break;
		case T_pm: CT_GUARD(ct_buf_append_str(b, h >= 12 ? "pm" : "am")); break;
		case T_TZNAME: CT_GUARD(ct_buf_append_str(b, abbr)); break;
		case T_ZCOLON:
			if (off == 0)
				CT_GUARD(ct_buf_append_byte(b, 'Z'));
			else
				CT_GUARD(ct_buf_printf(b, "%c%02d:%02d", sign, aoff / 3600, aoff / 60 % 60));
			break;
		case T_Z:
			if (off == 0)
				CT_GUARD(ct_buf_append_byte(b, 'Z'));
			else
				CT_GUARD(ct_buf_printf(b, "%c%02d%02d", sign, aoff / 3600, aoff / 60 % 60));
			break;
		case T_NUMCOLON: CT_GUARD(ct_buf_printf(b, "%c%02d:%02d", sign, aoff / 3600, aoff / 60 % 60)); break;
		case T_NUM: CT_GUARD(ct_buf_printf(b, "%c%02d%02d", sign, aoff / 3600, aoff / 60 % 60)); break;
		case T_NUMH: CT_GUARD(ct_buf_printf(b, "%c%02d", sign, aoff / 3600)); break;
		case T_FRAC0: case T_FRAC9: {
			char digits[10];
			bool trim = layout[i - 1] == '9';

			snprintf(digits, sizeof(digits), "%09lld", (long long)nsec);
			k = n > 9 ? 9 : n;
			digits[k] = '\0';
			if (trim)
				while (k > 0 && digits[k - 1] == '0')
					digits[--k] = '\0';
			if (k > 0) {
				CT_GUARD(ct_buf_append_byte(b, (uint8_t)layout[st]));
				CT_GUARD(ct_buf_append_str(b, digits));
			}
			break;
		}
		}
	}
	return CT_OK;
}

static bool get_num(const char *v, size_t len, size_t *j, int min, int max, int64_t *out)
{
	int64_t x = 0;
	int n = 0;

	while (*j < len && v[*j] >= '0' && v[*j] <= '9' && n < max) {
		x = x * 10 + (v[*j] - '0');
		(*j)++;
		n++;
	}
	if (n < min)
		return false;
	*out = x;
	return true;
}

static bool get_name(const char *v, size_t len, size_t *j,
		     const char *const *names, int count, bool abbrev, int64_t *out)
{
	int k;

	for (k = 0; k < count; k++) {
		size_t nl = abbrev ? 3 : strlen(names[k]);

		if (len - *j >= nl && strncasecmp(v + *j, names[k], nl) == 0) {
			*j += nl;
			*out = k;
			return true;
		}
	}
	return false;
}

/* Go's time.Parse for the tokens above; returns false on mismatch. */
static bool parse_time(const char *layout, const char *v, size_t len, int64_t *ns)
{
	int64_t y = 1, mo = 1, d = 1, h = 0, mi = 0, s = 0, frac = 0, off = 0, x;
	bool pm = false, have_pm = false;
	size_t i = 0, j = 0;

	while (layout[i] != '\0') {
		size_t st = i;
		int n = 0;
		enum tok t = next_tok(layout, &i, &n);

		switch (t) {
		case T_LIT:
			if (j >= len || v[j] != layout[st])
				return false;
			j++;
			break;
		case T_YEAR4:
			if (!get_num(v, len, &j, 4, 4, &y)) return false;
			break;
		case T_YEAR2:
			if (!get_num(v, len, &j, 2, 2, &x)) return false;
			y = x >= 69 ? 1900 + x : 2000 + x;
			break;
		case T_MON_LONG: case T_MON_SHORT:
			if (!get_name(v, len, &j, month_names, 12, t == T_MON_SHORT, &x)) return false;
			mo = x + 1;
			break;
		case T_WD_LONG: case T_WD_SHORT:
			if (!get_name(v, len, &j, day_names, 7, t == T_WD_SHORT, &x)) return false;
			break;
		case T_MON2: case T_MON1:
			if (!get_num(v, len, &j, t == T_MON2 ? 2 : 1, 2, &mo) || mo < 1 || mo > 12) return false;
			break;
		case T_DAY_US:
			if (j < len && v[j] == ' ')
				j++;
			CT_FALLTHROUGH;
		case T_DAY2: case T_DAY1:
			if (!get_num(v, len, &j, t == T_DAY2 ? 2 : 1, 2, &d) || d < 1 || d > 31) return false;
			break;
		case T_H24:
			if (!get_num(v, len, &j, 2, 2, &h) || h > 23) return false;
			break;
		case T_H12_2: case T_H12_1:
			if (!get_num(v, len, &j, t == T_H12_2 ? 2 : 1, 2, &h) || h > 12) return false;
			break;
		case T_MIN2: case T_MIN1:
			if (!get_num(v, len, &j, t == T_MIN2 ? 2 : 1, 2, &mi) || mi > 59) return false;
			break;
		case T_SEC2: case T_SEC1:
			if (!get_num(v, len, &j, t == T_SEC2 ? 2 : 1, 2, &s) || s > 59) return false;
			/* Go accepts a fraction after seconds even if unlisted. */
			if (j < len && (v[j] == '.' || v[j] == ',') && j + 1 < len &&
			    v[j + 1] >= '0' && v[j + 1] <= '9' && layout[i] != '.' && layout[i] != ',') {
				int nd = 0;

				j++;
				while (j < len && v[j] >= '0' && v[j] <= '9') {
					if (nd < 9) {
						frac = frac * 10 + (v[j] - '0');
						nd++;
					}
					j++;
				}
				while (nd++ < 9)
					frac *= 10;
			}
			break;
		case T_PM: case T_pm:
			if (len - j < 2) return false;
			if (strncasecmp(v + j, "PM", 2) == 0) pm = true;
			else if (strncasecmp(v + j, "AM", 2) != 0) return false;
			have_pm = true;
			j += 2;
			break;
		case T_TZNAME:
			while (j < len && ((v[j] >= 'A' && v[j] <= 'Z')))
				j++;
			break;
		case T_ZCOLON: case T_Z: case T_NUMCOLON: case T_NUM: case T_NUMH: {
			int64_t oh = 0, om = 0;
			int sign;

			if ((t == T_ZCOLON || t == T_Z) && j < len && v[j] == 'Z') {
				j++;
				break;
			}
			if (j >= len || (v[j] != '+' && v[j] != '-'))
				return false;
			sign = v[j++] == '-' ? -1 : 1;
			if (!get_num(v, len, &j, 2, 2, &oh))
				return false;
			if (t != T_NUMH) {
				if (t == T_ZCOLON || t == T_NUMCOLON) {
					if (j >= len || v[j] != ':')
						return false;
					j++;
				}
				if (!get_num(v, len, &j, 2, 2, &om))
					return false;
			}
			off = sign * (oh * 3600 + om * 60);
			break;
		}
		case T_FRAC0: case T_FRAC9: {
			int nd = 0;

			if (j >= len || (v[j] != '.' && v[j] != ',')) {
				if (t == T_FRAC9)
					break;
				return false;
			}
			j++;
			while (j < len && v[j] >= '0' && v[j] <= '9') {
				if (nd < 9) {
					frac = frac * 10 + (v[j] - '0');
					nd++;
				}
				j++;
			}
			while (nd++ < 9)
				frac *= 10;
			break;
		}
		}
	}
	if (j != len)
		return false;
	if (have_pm) {
		if (h == 12)
			h = 0;
		if (pm)
			h += 12;
	}
	{
		int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
		int64_t total = days * 86400 + h * 3600 + mi * 60 + s - off;
		int64_t full;

		if (total < 0 && frac > 0) { /* see parse_rfc3339 */
			total++;
			frac -= 1000000000;
		}
		if (__builtin_mul_overflow(total, INT64_C(1000000000), &full) ||
		    __builtin_add_overflow(full, frac, &full)) {
			*ns = INT64_MIN; /* out of range */
			return false;
		}
		*ns = full;
	}
	return true;
}

static ct_result bi_time_parse_ns(ARGS)
{
	int64_t ns;

	CT_GUARD(bi_arg(ctx, "time.parse_ns", args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, "time.parse_ns", args, 1, K_STR, "string"));
	ns = 0;
	if (!parse_time(resolve_layout(S(0)), S(1), L(1), &ns) && ns == INT64_MIN)
		return ct_rego_berror(ctx, "time.parse_ns: time outside of valid range");
	if (ns == 0 && !parse_time(resolve_layout(S(0)), S(1), L(1), &ns))
		return ct_rego_berror(ctx, "time.parse_ns: parsing time \"%s\" as \"%s\": cannot parse",
				      S(1), S(0));
	return bi_ret(out, ct_rego_value_int(ns));
}

static ct_result bi_time_format(ARGS)
{
	struct ct_rego_value *a = args[0];
	const char *layout = "2006-01-02T15:04:05.999999999Z07:00";
	struct ct_buf b;
	int64_t secs, nsec;
	int32_t off = 0;
	char abbr[16];
	ct_result r;

	if (a->kind == CT_REGO_ARRAY && a->u.coll.len == 3) {
		struct ct_rego_value *l = a->u.coll.items[2];
		struct ct_rego_value *two[1];

		if (l->kind != CT_REGO_STRING)
			return ct_rego_berror(ctx, "time.format: layout must be a string");
		layout = resolve_layout(l->u.str.s);
		/* reuse the [ns, tz] checks on the first two elements */
		{
			struct ct_rego_value *pair = ct_rego_array_new(2);

			CT_ENSURE(pair != NULL, CT_ERR_NOMEM, "rego: out of memory");
			if (!ct_ok(ct_rego_array_append(pair, ct_rego_value_ref(a->u.coll.items[0]))) ||
			    !ct_ok(ct_rego_array_append(pair, ct_rego_value_ref(a->u.coll.items[1])))) {
				ct_rego_value_unref(pair);
				return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
			}
			two[0] = pair;
			r = time_arg_tz(ctx, "time.format", two, &secs, &nsec, &off, abbr);
			ct_rego_value_unref(pair);
			CT_GUARD(r);
		}
	} else {
		CT_GUARD(time_arg_tz(ctx, "time.format", args, &secs, &nsec, &off, abbr));
	}
	ct_buf_init(&b, 1 << 16);
	r = fmt_time(&b, layout, secs, nsec, off, abbr);
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_bwrap(ctx, "time.format", r);
	}
	return ct_rego_bret_buf(out, &b);
}

/* time.diff: [years, months, days, hours, minutes, seconds] between two
 * instants, earlier first, borrowing like OPA's implementation. */
static ct_result bi_time_diff(ARGS)
{
	int64_t s1, n1, s2, n2, y1, y2, d[6], t;
	unsigned m1, m2, dd1, dd2;
	struct ct_rego_value *r;
	int k;

	CT_GUARD(time_arg_tz(ctx, "time.diff", args, &s1, &n1, NULL, NULL));
	CT_GUARD(time_arg_tz(ctx, "time.diff", args + 1, &s2, &n2, NULL, NULL));
	if (s1 > s2 || (s1 == s2 && n1 > n2)) {
		t = s1; s1 = s2; s2 = t;
		t = n1; n1 = n2; n2 = t;
	}
	civil_from_days(s1 / 86400 - (s1 % 86400 < 0), &y1, &m1, &dd1);
	civil_from_days(s2 / 86400 - (s2 % 86400 < 0), &y2, &m2, &dd2);
	{
		int64_t sod1 = s1 - (s1 / 86400 - (s1 % 86400 < 0)) * 86400;
		int64_t sod2 = s2 - (s2 / 86400 - (s2 % 86400 < 0)) * 86400;

		d[0] = y2 - y1;
		d[1] = (int64_t)m2 - m1;
		d[2] = (int64_t)dd2 - dd1;
		d[3] = sod2 / 3600 - sod1 / 3600;
		d[4] = (sod2 / 60) % 60 - (sod1 / 60) % 60;
		d[5] = sod2 % 60 - sod1 % 60;
	}
	if (d[5] < 0) { d[5] += 60; d[4]--; }
	if (d[4] < 0) { d[4] += 60; d[3]--; }
	if (d[3] < 0) { d[3] += 24; d[2]--; }
	if (d[2] < 0) {
		/* days in the earlier date's month, as OPA borrows */
		int64_t ny = y1 + (m1 == 12), nm = m1 == 12 ? 1 : (int64_t)m1 + 1;

		d[2] += days_from_civil(ny, (unsigned)nm, 1) -
			days_from_civil(y1, m1, 1);
		d[1]--;
	}
	if (d[1] < 0) { d[1] += 12; d[0]--; }
	r = ct_rego_array_new(6);
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (k = 0; k < 6; k++) {
		ct_result res = ct_rego_array_append(r, ct_rego_value_int(d[k]));

		if (!ct_ok(res)) {
			ct_rego_value_unref(r);
			return res;
		}
	}
	*out = r;
	return CT_OK;
}

static const struct ct_rego_builtin b_bi_time_now_ns = {
	.name = "time.now_ns", .arity = 0, .fn = bi_time_now_ns,
	.nondeterministic = true
};
CT_BUILTIN(bi_time_parse_rfc3339_ns, "time.parse_rfc3339_ns", 1);
CT_BUILTIN(bi_time_parse_duration_ns, "time.parse_duration_ns", 1);
CT_BUILTIN(bi_time_parse_ns, "time.parse_ns", 2);
CT_BUILTIN(bi_time_format, "time.format", 1);
CT_BUILTIN(bi_time_date, "time.date", 1);
CT_BUILTIN(bi_time_clock, "time.clock", 1);
CT_BUILTIN(bi_time_weekday, "time.weekday", 1);
CT_BUILTIN(bi_time_add_date, "time.add_date", 4);
CT_BUILTIN(bi_time_diff, "time.diff", 2);

const struct ct_rego_builtin *const ct_rego_builtins_time[] = {
	&b_bi_time_now_ns, &b_bi_time_parse_rfc3339_ns,
	&b_bi_time_parse_duration_ns, &b_bi_time_parse_ns, &b_bi_time_format,
	&b_bi_time_date, &b_bi_time_clock, &b_bi_time_weekday,
	&b_bi_time_add_date, &b_bi_time_diff, NULL,
};
