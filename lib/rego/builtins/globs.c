/*
 * globs.c - regex.globs_match(a, b): whether two "glob-like" regular
 * expressions can match a common string (their languages intersect), as
 * OPA decides it. The supported syntax is OPA's: literal characters, `.`
 * (any character), sets `[a-z0-9]` (ranges, `^` negation), `\` escapes,
 * and the quantifiers `*`, `+` and `?` on the preceding item; both patterns
 * match whole strings.
 *
 * Trust boundary: both patterns come from policies or input. Each is
 * parsed once into at most GLOBS_TOKENS_MAX tokens (longer is an error);
 * the intersection is a breadth-first search over pairs of token
 * positions, so its work is bounded by GLOBS_TOKENS_MAX^2 states times 256
 * byte classes. Matching is byte-wise (a multi-byte character is a
 * sequence of byte literals; `.` matches one byte).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out
#define GLOBS_TOKENS_MAX 512
#define NM "regex.globs_match"

struct gtok {
	uint64_t set[4]; /* byte bitmap */
	bool star;       /* zero or more (x* and the tail of x+) */
	bool opt;        /* zero or one */
};

struct gpat {
	struct gtok t[GLOBS_TOKENS_MAX];
	size_t n;
};

static void set_add(struct gtok *t, unsigned c)
{
	t->set[c >> 6] |= (uint64_t)1 << (c & 63);
}

static ct_result bad(struct ct_rego_bctx *ctx, const char *in, size_t pos,
		     const char *what)
{
	return ct_rego_berror(ctx, NM ": input:%s, pos:%zu, %s: the input provided is invalid",
			      in, pos, what);
}

static ct_result parse(struct ct_rego_bctx *ctx, const char *s, size_t len,
		       struct gpat *p)
{
	size_t i = 0;

	p->n = 0;
	while (i < len) {
		struct gtok *t;
		unsigned char c = (unsigned char)s[i];

		if (c == '*' || c == '+' || c == '?') {
			if (p->n == 0 || p->t[p->n - 1].star || p->t[p->n - 1].opt)
				return bad(ctx, s, i + 1, "quantifier without a preceding item");
			if (c == '*') {
				p->t[p->n - 1].star = true;
			} else if (c == '?') {
				p->t[p->n - 1].opt = true;
			} else {
				if (p->n >= GLOBS_TOKENS_MAX)
					return ct_rego_berror(ctx, NM ": pattern too long");
				p->t[p->n] = p->t[p->n - 1];
				p->t[p->n++].star = true;
			}
			i++;
			continue;
		}
		if (c == ']')
			return bad(ctx, s, i + 1, "set-close ']' with no preceding '['");
		if (p->n >= GLOBS_TOKENS_MAX)
			return ct_rego_berror(ctx, NM ": pattern too long");
		t = &p->t[p->n++];
		memset(t, 0, sizeof(*t));
		if (c == '.') {
			memset(t->set, 0xff, sizeof(t->set));
			i++;
		} else if (c == '\\') {
			if (i + 1 >= len)
				return bad(ctx, s, i + 1, "escape at the end of the input");
			set_add(t, (unsigned char)s[i + 1]);
			i += 2;
		} else if (c == '[') {
			size_t start = i++;
			bool neg = false;

			if (i < len && s[i] == '^') {
				neg = true;
				i++;
			}
			while (i < len && s[i] != ']') {
				unsigned lo = (unsigned char)s[i], hi;

				if (lo == '\\' && i + 1 < len)
					lo = (unsigned char)s[++i];
				hi = lo;
				if (i + 2 < len && s[i + 1] == '-' && s[i + 2] != ']') {
					hi = (unsigned char)s[i + 2];
					if (hi == '\\' && i + 3 < len)
						hi = (unsigned char)s[++i + 2];
					i += 2;
				}
				if (hi < lo)
					return bad(ctx, s, i + 1, "invalid range in set");
				for (unsigned k = lo; k <= hi; k++)
					set_add(t, k);
				i++;
			}
			if (i >= len)
				return bad(ctx, s, start + 1, "set-open '[' with no closing ']'");
			if (neg)
				for (int w = 0; w < 4; w++)
					t->set[w] = ~t->set[w];
			i++;
		} else {
			set_add(t, c);
			i++;
		}
	}
	return CT_OK;
}

/* Marks (i, j) and everything reachable from it without consuming input. */
static void closure(const struct gpat *a, const struct gpat *b, uint8_t *seen,
		    size_t *queue, size_t *qn, size_t i, size_t j)
{
	size_t w = (b->n + 1);

	if (seen[i * w + j])
		return;
	seen[i * w + j] = 1;
	queue[(*qn)++] = i * w + j;
	if (i < a->n && (a->t[i].star || a->t[i].opt))
		closure(a, b, seen, queue, qn, i + 1, j);
	if (j < b->n && (b->t[j].star || b->t[j].opt))
		closure(a, b, seen, queue, qn, i, j + 1);
}

static bool intersects(const struct gpat *a, const struct gpat *b, uint8_t *seen,
		       size_t *queue)
{
	size_t w = b->n + 1, qn = 0, qh = 0;

	closure(a, b, seen, queue, &qn, 0, 0);
	while (qh < qn) {
		size_t st = queue[qh++], i = st / w, j = st % w;

		if (i == a->n && j == b->n)
			return true;
		if (i == a->n || j == b->n)
			continue;
		if (!((a->t[i].set[0] & b->t[j].set[0]) | (a->t[i].set[1] & b->t[j].set[1]) |
		      (a->t[i].set[2] & b->t[j].set[2]) | (a->t[i].set[3] & b->t[j].set[3])))
			continue;
		/* consume one common byte; a star stays (closure leaves it) */
		closure(a, b, seen, queue, &qn, a->t[i].star ? i : i + 1,
			b->t[j].star ? j : j + 1);
	}
	return false;
}

static ct_result bi_globs_match(ARGS)
{
	struct gpat *a, *b;
	uint8_t *seen = NULL;
	size_t *queue = NULL;
	ct_result r;

	CT_GUARD(bi_arg(ctx, NM, args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, NM, args, 1, K_STR, "string"));
	a = ct_calloc(2, sizeof(*a));
	CT_ENSURE(a != NULL, CT_ERR_NOMEM, "rego: out of memory");
	b = a + 1;
	r = parse(ctx, args[0]->u.str.s, args[0]->u.str.len, a);
	if (ct_ok(r))
		r = parse(ctx, args[1]->u.str.s, args[1]->u.str.len, b);
	if (ct_ok(r)) {
		size_t states = (a->n + 1) * (b->n + 1);

		r = ct_rego_bcharge(ctx, states);
		seen = ct_calloc(states, 1);
		queue = ct_calloc(states, sizeof(*queue));
		if (ct_ok(r) && (seen == NULL || queue == NULL))
			r = CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
		if (ct_ok(r))
			*out = ct_rego_value_bool(intersects(a, b, seen, queue));
	}
	free(seen);
	free(queue);
	free(a);
	return r;
}

const struct ct_rego_builtin ct_rego_b_regex_globs_match = {
	.name = NM, .arity = 2, .fn = bi_globs_match,
};
