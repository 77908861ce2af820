/*
 * regex.c - regex.* built-ins and glob.quote_meta on PCRE2, mapped to the
 * RE2 semantics OPA has: UTF-8 mode, ASCII \d \w \s (no UCP), lookaround
 * and backreferences rejected (RE2 has neither), Go's rules for iterating
 * matches (an empty match right after a previous match is skipped) and for
 * $1 / ${name} expansion in regex.replace.
 *
 * Patterns come from policies and (through input) from untrusted callers:
 * every match runs under a PCRE2 match and depth limit, so a pattern
 * that would backtrack catastrophically fails with an error instead of
 * burning CPU (RE2 is linear-time; PCRE2 is not). Compiled patterns are
 * kept in a small per-thread cache because policies re-match the same
 * constant patterns on every decision.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out
#define S(i) (args[i]->u.str.s)
#define L(i) (args[i]->u.str.len)

#define REGEX_PATTERN_MAX 65536
#define REGEX_MATCH_LIMIT 1000000
#define REGEX_DEPTH_LIMIT 10000
#define REGEX_CACHE_SIZE 32

struct re_entry {
	char *pattern;
	size_t len;
	pcre2_code *code;
};

static __thread struct re_entry cache[REGEX_CACHE_SIZE];
static __thread unsigned cache_next;

/* Constructs RE2 rejects but PCRE2 would accept. */
static const char *re2_unsupported(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (p[i] == '\\') {
			if (p[i + 1] >= '1' && p[i + 1] <= '9')
				return "invalid escape sequence (backreference)";
			i++;
			continue;
		}
		if (p[i] == '(' && p[i + 1] == '?' && i + 2 < len &&
		    (p[i + 2] == '=' || p[i + 2] == '!' ||
		     (p[i + 2] == '<' && i + 3 < len &&
		      (p[i + 3] == '=' || p[i + 3] == '!'))))
			return "invalid or unsupported Perl syntax: lookaround";
	}
	return NULL;
}

/* Borrowed compiled pattern (owned by the cache) or an error. */
static ct_result re_get(struct ct_rego_bctx *ctx, const char *name,
			const char *pat, size_t len, pcre2_code **out)
{
	unsigned i;
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *code;
	const char *why;
	struct re_entry *e;

	for (i = 0; i < REGEX_CACHE_SIZE; i++)
		if (cache[i].code != NULL && cache[i].len == len &&
		    memcmp(cache[i].pattern, pat, len) == 0) {
			*out = cache[i].code;
			return CT_OK;
		}
	if (len > REGEX_PATTERN_MAX)
		return ct_rego_berror(ctx, "%s: error parsing regexp: expression too large", name);
	why = re2_unsupported(pat, len);
	if (why != NULL)
		return ct_rego_berror(ctx, "%s: error parsing regexp: %s", name, why);
	code = pcre2_compile((PCRE2_SPTR)pat, len,
			     PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C |
				     PCRE2_DOLLAR_ENDONLY,
			     &errcode, &erroff, NULL);
	if (code == NULL) {
		PCRE2_UCHAR msg[256];

		size_t k = len;

		/* Go's wording for the common syntax errors. */
		switch (errcode) {
		case PCRE2_ERROR_MISSING_SQUARE_BRACKET:
			while (k > 0 && pat[k - 1] != '[')
				k--;
			k = k > 0 ? k - 1 : 0;
			return ct_rego_berror(ctx, "%s: error parsing regexp: missing closing ]: `%.*s`",
					      name, (int)(len - k), pat + k);
		case PCRE2_ERROR_MISSING_CLOSING_PARENTHESIS:
			return ct_rego_berror(ctx, "%s: error parsing regexp: missing closing ): `%.*s`",
					      name, (int)len, pat);
		case PCRE2_ERROR_UNMATCHED_CLOSING_PARENTHESIS:
			return ct_rego_berror(ctx, "%s: error parsing regexp: unexpected ): `%.*s`",
					      name, (int)len, pat);
		default:
			break;
		}
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		return ct_rego_berror(ctx, "%s: error parsing regexp: %s", name,
				      (const char *)msg);
	}
	e = &cache[cache_next++ % REGEX_CACHE_SIZE];
	if (e->code != NULL) {
		pcre2_code_free(e->code);
		free(e->pattern);
	}
	e->pattern = ct_strndup(pat, len);
	if (e->pattern == NULL) {
		pcre2_code_free(code);
		e->code = NULL;
		return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
	}
	e->len = len;
	e->code = code;
	*out = code;
	return CT_OK;
}

/* One match at or after `start`; returns 1 on match, 0 on none. */
static ct_result re_exec(struct ct_rego_bctx *ctx, const char *name,
			 pcre2_code *code, const char *s, size_t len,
			 size_t start, pcre2_match_data *md, int *rc_out)
{
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	int rc;

	if (mc == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
	pcre2_set_match_limit(mc, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, REGEX_DEPTH_LIMIT);
	rc = pcre2_match(code, (PCRE2_SPTR)s, len, start, 0, md, mc);
	pcre2_match_context_free(mc);
	if (rc == PCRE2_ERROR_NOMATCH) {
		*rc_out = 0;
		return CT_OK;
	}
	if (rc < 0) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(rc, msg, sizeof(msg));
		return ct_rego_berror(ctx, "%s: regexp match failed: %s", name,
				      (const char *)msg);
	}
	*rc_out = rc;
	return CT_OK;
}

static ct_result regex_match(struct ct_rego_bctx *ctx, const char *nm,
			       struct ct_rego_value *const *args,
			       struct ct_rego_value **out)
{
	pcre2_code *code;
	pcre2_match_data *md;
	ct_result r;
	int rc = 0;

	CT_GUARD(bi_arg(ctx, nm, args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, nm, args, 1, K_STR, "string"));
	CT_GUARD(re_get(ctx, nm, S(0), L(0), &code));
	md = pcre2_match_data_create_from_pattern(code, NULL);
	if (md == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
	r = re_exec(ctx, nm, code, S(1), L(1), 0, md, &rc);
	pcre2_match_data_free(md);
	CT_GUARD(r);
	*out = ct_rego_value_bool(rc > 0);
	return CT_OK;
}

static ct_result bi_regex_match(ARGS)
{
	return regex_match(ctx, "regex.match", args, out);
}

/* v0's deprecated re_match reports errors under its own name. */
static ct_result bi_re_match(ARGS)
{
	return regex_match(ctx, "re_match", args, out);
}

static ct_result bi_regex_is_valid(ARGS)
{
	pcre2_code *code;
	ct_result r;

	if (args[0]->kind != CT_REGO_STRING) {
		*out = ct_rego_value_bool(false);
		return CT_OK;
	}
	r = re_get(ctx, "regex.is_valid", S(0), L(0), &code);
	ctx->err_kind = CT_REGO_BERR_NONE;
	ct_error_clear();
	*out = ct_rego_value_bool(ct_ok(r));
	return CT_OK;
}

/*
 * Calls `each` for up to n matches (n < 0: all) following Go's FindAll:
 * after an empty match the scan moves one code point on, and an empty
 * match that abuts the previous match is dropped.
 */
typedef ct_result (*match_cb)(void *arg, const char *s, PCRE2_SIZE *ov,
			      int groups);

static ct_result for_each_match(struct ct_rego_bctx *ctx, const char *name,
				pcre2_code *code, const char *s, size_t len,
				int64_t n, match_cb each, void *arg)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
	ct_result res = CT_OK;
	size_t pos = 0;
	int64_t count = 0;
	bool have_prev = false;
	size_t prev_end = 0;

	if (md == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
	while (pos <= len && (n < 0 || count < n)) {
		PCRE2_SIZE *ov;
		int rc;

		CT_TRY(re_exec(ctx, name, code, s, len, pos, md, &rc));
		if (rc == 0)
			break;
		ov = pcre2_get_ovector_pointer(md);
		if (ov[1] == ov[0] && have_prev && ov[0] == prev_end) {
			/* skip empty match abutting the previous one */
		} else {
			CT_TRY(each(arg, s, ov, rc));
			count++;
		}
		have_prev = true;
		prev_end = ov[1];
		if (ov[1] > ov[0]) {
			pos = ov[1];
		} else {
			size_t j = ov[0];

			if (j >= len)
				break;
			ct_rego_utf8_next(s, len, &j);
			pos = j;
		}
		CT_TRY(ct_rego_bcharge(ctx, 16));
	}
out:
	pcre2_match_data_free(md);
	return res;
}

static ct_result add_full(void *arg, const char *s, PCRE2_SIZE *ov, int groups)
{
	(void)groups;
	return ct_rego_array_append(arg, ct_rego_value_string_new(
						 s + ov[0], ov[1] - ov[0]));
}

static ct_result add_submatches(void *arg, const char *s, PCRE2_SIZE *ov,
				int groups)
{
	struct ct_rego_value *m;
	uint32_t i, total;

	/* all capture groups, unset ones as "" (Go's behaviour) */
	total = (uint32_t)groups;
	m = ct_rego_array_new(total);
	if (m == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
	for (i = 0; i < total; i++) {
		ct_result r;

		if (ov[2 * i] == PCRE2_UNSET)
			r = ct_rego_array_append(m, ct_rego_value_string_new("", 0));
		else
			r = ct_rego_array_append(m, ct_rego_value_string_new(
							    s + ov[2 * i],
							    ov[2 * i + 1] - ov[2 * i]));
		if (!ct_ok(r)) {
			ct_rego_value_unref(m);
			return r;
		}
	}
	return ct_rego_array_append(arg, m);
}

static ct_result find_common(struct ct_rego_bctx *ctx, const char *name,
			     bool sub, struct ct_rego_value *const *args,
			     struct ct_rego_value **out)
{
	pcre2_code *code;
	struct ct_rego_value *arr;
	int64_t n;
	ct_result r;

	CT_GUARD(bi_arg(ctx, name, args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, name, args, 1, K_STR, "string"));
	CT_GUARD(ct_rego_barg_int(ctx, name, args, 2, &n));
	CT_GUARD(re_get(ctx, name, S(0), L(0), &code));
	arr = ct_rego_array_new(0);
	CT_ENSURE(arr != NULL, CT_ERR_NOMEM, "rego: out of memory");
	r = for_each_match(ctx, name, code, S(1), L(1), n,
			   sub ? add_submatches : add_full, arr);
	if (!ct_ok(r)) {
		ct_rego_value_unref(arr);
		return r;
	}
	/* Fix up the submatch group count: pcre2 reports only up to the
	 * highest set group; Go returns every group. */
	if (sub) {
		uint32_t cap = 0;
		size_t i;

		pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &cap);
		for (i = 0; i < arr->u.coll.len; i++) {
			struct ct_rego_value *m = arr->u.coll.items[i];

			while (m->u.coll.len < (size_t)cap + 1) {
				r = ct_rego_array_append(m, ct_rego_value_string_new("", 0));
				if (!ct_ok(r)) {
					ct_rego_value_unref(arr);
					return r;
				}
			}
		}
	}
	*out = arr;
	return CT_OK;
}

static ct_result bi_regex_find_n(ARGS)
{
	return find_common(ctx, "regex.find_n", false, args, out);
}

static ct_result bi_regex_find_sub(ARGS)
{
	return find_common(ctx, "regex.find_all_string_submatch_n", true, args,
			   out);
}

struct split_state {
	struct ct_rego_value *arr;
	size_t last;
	size_t len;
};

static ct_result split_cb(void *arg, const char *s, PCRE2_SIZE *ov, int groups)
{
	struct split_state *st = arg;

	(void)groups;
	/* Go's Split: an empty match at 0 on a non-empty string adds nothing */
	if (ov[1] == 0 && st->len > 0)
		return CT_OK;
	CT_GUARD(ct_rego_array_append(st->arr, ct_rego_value_string_new(
						       s + st->last, ov[0] - st->last)));
	st->last = ov[1];
	return CT_OK;
}

static ct_result bi_regex_split(ARGS)
{
	pcre2_code *code;
	struct split_state st;
	ct_result r;

	CT_GUARD(bi_arg(ctx, "regex.split", args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, "regex.split", args, 1, K_STR, "string"));
	CT_GUARD(re_get(ctx, "regex.split", S(0), L(0), &code));
	st.arr = ct_rego_array_new(0);
	st.last = 0;
	st.len = L(1);
	CT_ENSURE(st.arr != NULL, CT_ERR_NOMEM, "rego: out of memory");
	r = for_each_match(ctx, "regex.split", code, S(1), L(1), -1, split_cb, &st);
	if (ct_ok(r))
		r = ct_rego_array_append(st.arr, ct_rego_value_string_new(
							 S(1) + st.last, L(1) - st.last));
	if (!ct_ok(r)) {
		ct_rego_value_unref(st.arr);
		return r;
	}
	*out = st.arr;
	return CT_OK;
}

struct repl_state {
	struct ct_buf *b;
	pcre2_code *code;
	const char *tmpl;
	size_t tlen;
	size_t last;
};

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* Go's Regexp.Expand for one match. */
static ct_result expand(struct repl_state *st, const char *s, PCRE2_SIZE *ov,
			int groups)
{
	size_t i = 0;

	while (i < st->tlen) {
		const char *t = st->tmpl;
		size_t a, e;
		char nm[64];
		long idx = -1;

		if (t[i] != '$') {
			CT_GUARD(ct_buf_append_byte(st->b, (uint8_t)t[i]));
			i++;
			continue;
		}
		i++;
		if (i < st->tlen && t[i] == '$') {
			CT_GUARD(ct_buf_append_byte(st->b, '$'));
			i++;
			continue;
		}
		if (i < st->tlen && t[i] == '{') {
			a = i + 1;
			e = a;
			while (e < st->tlen && name_char(t[e]))
				e++;
			if (e >= st->tlen || t[e] != '}' || e == a) {
				CT_GUARD(ct_buf_append_byte(st->b, '$'));
				continue;
			}
			i = e + 1;
		} else {
			a = i;
			e = a;
			while (e < st->tlen && name_char(t[e]))
				e++;
			if (e == a) {
				CT_GUARD(ct_buf_append_byte(st->b, '$'));
				continue;
			}
			i = e;
		}
		if (e - a >= sizeof(nm))
			continue;
		memcpy(nm, t + a, e - a);
		nm[e - a] = '\0';
		if (strspn(nm, "0123456789") == e - a)
			idx = strtol(nm, NULL, 10);
		else
			idx = pcre2_substring_number_from_name(st->code,
							       (PCRE2_SPTR)nm);
		if (idx >= 0 && idx < groups && ov[2 * idx] != PCRE2_UNSET)
			CT_GUARD(ct_buf_append(st->b, s + ov[2 * idx],
					       ov[2 * idx + 1] - ov[2 * idx]));
	}
	return CT_OK;
}

static ct_result repl_cb(void *arg, const char *s, PCRE2_SIZE *ov, int groups)
{
	struct repl_state *st = arg;

	CT_GUARD(ct_buf_append(st->b, s + st->last, ov[0] - st->last));
	CT_GUARD(expand(st, s, ov, groups));
	st->last = ov[1];
	return CT_OK;
}

static ct_result bi_regex_replace(ARGS)
{
	pcre2_code *code;
	struct ct_buf b;
	struct repl_state st;
	ct_result r;

	CT_GUARD(bi_arg(ctx, "regex.replace", args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, "regex.replace", args, 1, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, "regex.replace", args, 2, K_STR, "string"));
	CT_GUARD(re_get(ctx, "regex.replace", S(1), L(1), &code));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	st.b = &b;
	st.code = code;
	st.tmpl = S(2);
	st.tlen = L(2);
	st.last = 0;
	r = for_each_match(ctx, "regex.replace", code, S(0), L(0), -1, repl_cb, &st);
	if (ct_ok(r))
		r = ct_buf_append(&b, S(0) + st.last, L(0) - st.last);
	if (ct_ok(r))
		r = ct_rego_bcharge(ctx, b.len);
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_bwrap(ctx, "regex.replace", r);
	}
	return ct_rego_bret_buf(out, &b);
}

static ct_result bi_glob_quote_meta(ARGS)
{
	struct ct_buf b;
	ct_result r = CT_OK;
	size_t i;

	CT_GUARD(bi_arg(ctx, "glob.quote_meta", args, 0, K_STR, "string"));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	for (i = 0; i < L(0) && ct_ok(r); i++) {
		if (strchr("*?\\[]{}", S(0)[i]) != NULL && S(0)[i] != '\0')
			r = ct_buf_append_byte(&b, '\\');
		if (ct_ok(r))
			r = ct_buf_append_byte(&b, (uint8_t)S(0)[i]);
	}
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_bwrap(ctx, "glob.quote_meta", r);
	}
	return ct_rego_bret_buf(out, &b);
}

/* regex.template_match(template, value, start, end): the template's
 * delimited parts are regexes, the rest literal; anchored full match. */
static ct_result bi_regex_template_match(ARGS)
{
	struct ct_buf re;
	pcre2_code *code;
	pcre2_match_data *md;
	const char *t;
	size_t tl, i = 0;
	char ds, de;
	int rc = 0;
	ct_result r = CT_OK;

	for (i = 0; i < 4; i++)
		CT_GUARD(bi_arg(ctx, "regex.template_match", args, (int)i, K_STR, "string"));
	if (L(2) != 1 || L(3) != 1)
		return ct_rego_berror(ctx, "regex.template_match: delimiters must be single characters");
	t = S(0);
	tl = L(0);
	ds = S(2)[0];
	de = S(3)[0];
	ct_buf_init(&re, CT_REGO_BUILTIN_STR_MAX);
	r = ct_buf_append_str(&re, "^");
	for (i = 0; i < tl && ct_ok(r);) {
		if (t[i] == ds) {
			size_t e = i + 1;
			int depth = 1;

			while (e < tl && depth > 0) {
				if (t[e] == ds && ds != de)
					depth++;
				else if (t[e] == de)
					depth--;
				if (depth > 0)
					e++;
			}
			if (e >= tl) {
				ct_buf_dispose(&re);
				return ct_rego_berror(ctx, "regex.template_match: unbalanced delimiters in template");
			}
			r = ct_buf_append_str(&re, "(?:");
			if (ct_ok(r))
				r = ct_buf_append(&re, t + i + 1, e - i - 1);
			if (ct_ok(r))
				r = ct_buf_append_byte(&re, ')');
			i = e + 1;
		} else {
			if (strchr("\\.+*?()|[]{}^$", t[i]) != NULL)
				r = ct_buf_append_byte(&re, '\\');
			if (ct_ok(r))
				r = ct_buf_append_byte(&re, (uint8_t)t[i]);
			i++;
		}
	}
	if (ct_ok(r))
		r = ct_buf_append_byte(&re, '$');
	if (ct_ok(r))
		r = re_get(ctx, "regex.template_match", ct_buf_cstr(&re), re.len, &code);
	ct_buf_dispose(&re);
	CT_GUARD(r);
	md = pcre2_match_data_create_from_pattern(code, NULL);
	if (md == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
	r = re_exec(ctx, "regex.template_match", code, S(1), L(1), 0, md, &rc);
	pcre2_match_data_free(md);
	CT_GUARD(r);
	*out = ct_rego_value_bool(rc > 0);
	return CT_OK;
}

CT_BUILTIN(bi_regex_match, "regex.match", 2);
CT_BUILTIN(bi_regex_is_valid, "regex.is_valid", 1);
CT_BUILTIN(bi_regex_find_n, "regex.find_n", 3);
CT_BUILTIN(bi_regex_find_sub, "regex.find_all_string_submatch_n", 3);
CT_BUILTIN(bi_regex_split, "regex.split", 2);
CT_BUILTIN(bi_regex_replace, "regex.replace", 3);
CT_BUILTIN(bi_glob_quote_meta, "glob.quote_meta", 1);
CT_BUILTIN(bi_regex_template_match, "regex.template_match", 4);
static const struct ct_rego_builtin b_re_match = {
	.name = "re_match", .arity = 2, .fn = bi_re_match, .deprecated = true
};

const struct ct_rego_builtin *const ct_rego_builtins_regex[] = {
	&b_bi_regex_match, &b_bi_regex_is_valid, &b_bi_regex_find_n,
	&b_bi_regex_find_sub, &b_bi_regex_split, &b_bi_regex_replace,
	&b_bi_glob_quote_meta, &b_bi_regex_template_match, &b_re_match,
	&ct_rego_b_regex_globs_match, NULL,
};
