/*
 * glob.c - glob.match with the semantics OPA inherits from gobwas/glob:
 * `*` any run of non-delimiter characters, `**` any run at all, `?` one
 * non-delimiter character, `[abc]` `[!a-z]` character classes, `{a,b}`
 * alternatives (nestable), `\` escapes. Delimiters default to "." when the
 * list is empty and to none when it is null.
 *
 * Pattern and subject are policy/input strings: matching backtracks, so
 * every call has a step budget (GLOB_STEPS_MAX) and a pattern size cap;
 * exhausting either is an error rather than unbounded CPU.
 */
#include <stdlib.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

#define GLOB_PATTERN_MAX 4096
#define GLOB_STEPS_MAX 1000000
#define GLOB_DELIMS_MAX 64

struct gm {
	uint32_t delims[GLOB_DELIMS_MAX];
	size_t ndelims;
	const char *s;
	size_t slen;
	long steps;
	bool overflow;
};

static bool is_delim(const struct gm *g, uint32_t c)
{
	size_t i;

	for (i = 0; i < g->ndelims; i++)
		if (g->delims[i] == c)
			return true;
	return false;
}

/* End of the `{...}` group starting at p[i] == '{', or 0 if unbalanced. */
static size_t group_end(const char *p, size_t len, size_t i)
{
	int depth = 0;

	for (; i < len; i++) {
		if (p[i] == '\\') {
			i++;
			continue;
		}
		if (p[i] == '{')
			depth++;
		else if (p[i] == '}' && --depth == 0)
			return i;
	}
	return 0;
}

static bool match(struct gm *g, const char *p, size_t plen, size_t pi,
		  size_t si);

/* Replace the group p[gs..ge] with each alternative and match on. */
static bool match_alts(struct gm *g, const char *p, size_t plen, size_t gs,
		       size_t ge, size_t si)
{
	size_t a = gs + 1, i;
	int depth = 0;

	for (i = gs + 1; i <= ge; i++) {
		if (i < ge && p[i] == '\\') {
			i++;
			continue;
		}
		if (i < ge && p[i] == '{')
			depth++;
		else if (i < ge && p[i] == '}')
			depth--;
		if (i == ge || (p[i] == ',' && depth == 0)) {
			size_t alen = i - a, nlen = gs + alen + (plen - ge - 1);
			char *np = malloc(nlen + 1);
			bool ok;

			if (np == NULL) {
				g->overflow = true;
				return false;
			}
			memcpy(np, p, gs);
			memcpy(np + gs, p + a, alen);
			memcpy(np + gs + alen, p + ge + 1, plen - ge - 1);
			np[nlen] = '\0';
			ok = match(g, np, nlen, gs, si);
			free(np);
			if (ok || g->overflow)
				return ok;
			a = i + 1;
		}
	}
	return false;
}

static bool class_match(const char *p, size_t plen, size_t *pi, uint32_t c,
			bool *ok)
{
	size_t i = *pi + 1;
	bool neg = false, hit = false;

	if (i < plen && p[i] == '!') {
		neg = true;
		i++;
	}
	while (i < plen && p[i] != ']') {
		uint32_t lo = ct_rego_utf8_next(p, plen, &i), hi = lo;

		if (i + 1 < plen && p[i] == '-' && p[i + 1] != ']') {
			i++;
			hi = ct_rego_utf8_next(p, plen, &i);
		}
		if (c >= lo && c <= hi)
			hit = true;
	}
	if (i >= plen) {
		*ok = false; /* unterminated class */
		return false;
	}
	*pi = i + 1;
	*ok = true;
	return hit != neg;
}

static bool match(struct gm *g, const char *p, size_t plen, size_t pi,
		  size_t si)
{
	while (pi < plen) {
		uint32_t c;
		size_t sj;

		if (++g->steps > GLOB_STEPS_MAX) {
			g->overflow = true;
			return false;
		}
		switch (p[pi]) {
		case '*': {
			bool super = pi + 1 < plen && p[pi + 1] == '*';
			size_t np = pi + (super ? 2 : 1);

			for (sj = si;; ) {
				if (match(g, p, plen, np, sj))
					return true;
				if (g->overflow || sj >= g->slen)
					return false;
				{
					size_t k = sj;

					c = ct_rego_utf8_next(g->s, g->slen, &k);
					if (!super && is_delim(g, c))
						return false;
					sj = k;
				}
			}
		}
		case '?':
			if (si >= g->slen)
				return false;
			c = ct_rego_utf8_next(g->s, g->slen, &si);
			if (is_delim(g, c))
				return false;
			pi++;
			break;
		case '[': {
			bool ok;

			if (si >= g->slen)
				return false;
			c = ct_rego_utf8_next(g->s, g->slen, &si);
			if (!class_match(p, plen, &pi, c, &ok))
				return false;
			break;
		}
		case '{': {
			size_t ge = group_end(p, plen, pi);

			if (ge == 0)
				return false;
			return match_alts(g, p, plen, pi, ge, si);
		}
		default: {
			uint32_t pc;

			if (p[pi] == '\\' && pi + 1 < plen)
				pi++;
			pc = ct_rego_utf8_next(p, plen, &pi);
			if (si >= g->slen)
				return false;
			c = ct_rego_utf8_next(g->s, g->slen, &si);
			if (c != pc)
				return false;
		}
		}
	}
	return si == g->slen;
}

static ct_result bi_glob_match(struct ct_rego_bctx *ctx,
			       struct ct_rego_value *const *args,
			       struct ct_rego_value **out)
{
	struct gm g;
	struct ct_rego_value *d = args[1];
	size_t i;
	bool ok;

	CT_GUARD(bi_arg(ctx, "glob.match", args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, "glob.match", args, 1, K_ARR | K_NULL,
			"one of {array, null}"));
	CT_GUARD(bi_arg(ctx, "glob.match", args, 2, K_STR, "string"));
	memset(&g, 0, sizeof(g));
	if (d->kind == CT_REGO_ARRAY && d->u.coll.len == 0) {
		g.delims[g.ndelims++] = '.';
	} else if (d->kind == CT_REGO_ARRAY) {
		for (i = 0; i < d->u.coll.len; i++) {
			struct ct_rego_value *e = d->u.coll.items[i];
			size_t k = 0;

			if (e->kind != CT_REGO_STRING) {
				ctx->err_kind = CT_REGO_BERR_TYPE;
				return CT_FAIL(CT_ERR_POLICY,
					       "glob.match: operand 2 must be array of strings but got array containing %s",
					       ct_rego_value_type_name(e));
			}
			if (g.ndelims < GLOB_DELIMS_MAX && e->u.str.len > 0)
				g.delims[g.ndelims++] = ct_rego_utf8_next(
					e->u.str.s, e->u.str.len, &k);
		}
	}
	if (args[0]->u.str.len > GLOB_PATTERN_MAX)
		return ct_rego_berror(ctx, "glob.match: pattern longer than %d bytes",
				      GLOB_PATTERN_MAX);
	g.s = args[2]->u.str.s;
	g.slen = args[2]->u.str.len;
	ok = match(&g, args[0]->u.str.s, args[0]->u.str.len, 0, 0);
	if (g.overflow)
		return ct_rego_berror(ctx, "glob.match: pattern too complex");
	CT_GUARD(ct_rego_bcharge(ctx, (size_t)g.steps));
	*out = ct_rego_value_bool(ok);
	return CT_OK;
}

CT_BUILTIN(bi_glob_match, "glob.match", 3);

const struct ct_rego_builtin *const ct_rego_builtins_glob[] = {
	&b_bi_glob_match, NULL,
};
