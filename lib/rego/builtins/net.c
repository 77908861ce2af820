/*
 * net.c - net.cidr_* built-ins. Addresses and prefixes come from policies
 * and inputs; they are parsed with inet_pton into fixed 16-byte buffers,
 * prefix lengths are range-checked, and expansions are bounded
 * (CIDR_EXPAND_MAX hosts) and charged to the evaluation budget.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out
#define S(i) (args[i]->u.str.s)
#define L(i) (args[i]->u.str.len)
#define CIDR_EXPAND_MAX 65536

struct cidr {
	int fam;
	uint8_t a[16];
	int bits;
};

static bool parse_cidr(const char *s, size_t len, bool need_prefix, struct cidr *c)
{
	char buf[64];
	const char *slash;
	unsigned long p;
	char *end;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash != NULL)
		buf[slash - buf] = '\0';
	else if (need_prefix)
		return false;
	if (inet_pton(AF_INET, buf, c->a) == 1) {
		c->fam = 4;
		c->bits = 32;
	} else if (inet_pton(AF_INET6, buf, c->a) == 1) {
		c->fam = 6;
		c->bits = 128;
	} else {
		return false;
	}
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return false;
		p = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || p > (unsigned long)c->bits)
			return false;
		c->bits = (int)p;
	}
	return true;
}

static bool prefix_eq(const uint8_t *a, const uint8_t *b, int bits)
{
	int i;

	for (i = 0; i < bits; i++)
		if (((a[i / 8] >> (7 - i % 8)) & 1) != ((b[i / 8] >> (7 - i % 8)) & 1))
			return false;
	return true;
}

static ct_result bi_cidr_contains(ARGS)
{
	struct cidr net, x;

	CT_GUARD(bi_arg(ctx, "net.cidr_contains", args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, "net.cidr_contains", args, 1, K_STR, "string"));
	if (!parse_cidr(S(0), L(0), true, &net))
		return ct_rego_berror(ctx, "net.cidr_contains: invalid CIDR address: %s", S(0));
	if (!parse_cidr(S(1), L(1), false, &x))
		return ct_rego_berror(ctx, "net.cidr_contains: invalid IP or CIDR: %s", S(1));
	*out = ct_rego_value_bool(net.fam == x.fam && x.bits >= net.bits &&
				  prefix_eq(net.a, x.a, net.bits));
	return CT_OK;
}

/* v0's deprecated net.cidr_overlap: net.cidr_contains under its old name. */
static ct_result bi_cidr_overlap(ARGS)
{
	struct cidr net, x;

	CT_GUARD(bi_arg(ctx, "net.cidr_overlap", args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, "net.cidr_overlap", args, 1, K_STR, "string"));
	if (!parse_cidr(S(0), L(0), true, &net))
		return ct_rego_berror(ctx, "net.cidr_overlap: invalid CIDR address: %s", S(0));
	if (!parse_cidr(S(1), L(1), false, &x))
		return ct_rego_berror(ctx, "net.cidr_overlap: invalid IP or CIDR: %s", S(1));
	*out = ct_rego_value_bool(net.fam == x.fam && x.bits >= net.bits &&
				  prefix_eq(net.a, x.a, net.bits));
	return CT_OK;
}

static ct_result bi_cidr_intersects(ARGS)
{
	struct cidr a, b;
	int bits;

	CT_GUARD(bi_arg(ctx, "net.cidr_intersects", args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, "net.cidr_intersects", args, 1, K_STR, "string"));
	if (!parse_cidr(S(0), L(0), true, &a) || !parse_cidr(S(1), L(1), true, &b))
		return ct_rego_berror(ctx, "net.cidr_intersects: invalid CIDR address");
	bits = a.bits < b.bits ? a.bits : b.bits;
	*out = ct_rego_value_bool(a.fam == b.fam && prefix_eq(a.a, b.a, bits));
	return CT_OK;
}

static ct_result bi_cidr_is_valid(ARGS)
{
	struct cidr c;

	(void)ctx;
	*out = ct_rego_value_bool(args[0]->kind == CT_REGO_STRING &&
				  parse_cidr(S(0), L(0), true, &c));
	return CT_OK;
}


static void mask_host(struct cidr *c)
{
	int i;
	int total = c->fam == 4 ? 32 : 128;

	for (i = c->bits; i < total; i++)
		c->a[i / 8] &= (uint8_t)~(1u << (7 - i % 8));
}

static ct_result cidr_string(const struct cidr *c, struct ct_rego_value **out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t n;

	if (inet_ntop(c->fam == 4 ? AF_INET : AF_INET6, c->a, buf,
		      INET6_ADDRSTRLEN) == NULL)
		return CT_FAIL(CT_ERR_INTERNAL, "net: cannot format address");
	n = strlen(buf);
	snprintf(buf + n, sizeof(buf) - n, "/%d", c->bits);
	return bi_ret(out, ct_rego_value_cstring(buf));
}

static int cidr_cmp(const void *x, const void *y)
{
	const struct cidr *a = x, *b = y;
	int c;

	if (a->fam != b->fam)
		return a->fam < b->fam ? -1 : 1;
	c = memcmp(a->a, b->a, 16);
	if (c != 0)
		return c;
	return a->bits - b->bits;
}

/* a contains b */
static bool cidr_has(const struct cidr *a, const struct cidr *b)
{
	return a->fam == b->fam && b->bits >= a->bits &&
	       prefix_eq(a->a, b->a, a->bits);
}

static ct_result bi_cidr_merge(ARGS)
{
	struct ct_rego_value *list = args[0], *r = NULL, *v = NULL;
	struct cidr *cs;
	size_t n = 0, i, j;
	bool changed = true;
	ct_result res = CT_OK;

	CT_GUARD(bi_arg(ctx, "net.cidr_merge", args, 0, K_ARR | K_SET,
			"one of {array, set}"));
	cs = calloc(list->u.coll.len + 1, sizeof(*cs));
	CT_ENSURE(cs != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (i = 0; i < list->u.coll.len; i++) {
		struct ct_rego_value *e = list->u.coll.items[i];

		if (e->kind != CT_REGO_STRING) {
			res = ct_rego_btype_error(ctx, "net.cidr_merge", 1,
						  "array of strings", e);
			goto out;
		}
		if (!parse_cidr(e->u.str.s, e->u.str.len, false, &cs[n])) {
			res = ct_rego_berror(ctx, "net.cidr_merge: invalid CIDR address: %s",
					     e->u.str.s);
			goto out;
		}
		if (strchr(e->u.str.s, '/') == NULL) {
			if (cs[n].fam == 6) {
				res = ct_rego_berror(ctx, "net.cidr_merge: IPv6 invalid: needs prefix length");
				goto out;
			}
			/* a bare IPv4 address takes its classful default mask,
			 * as Go's IP.DefaultMask gives OPA */
			cs[n].bits = cs[n].a[0] < 128 ? 8 : cs[n].a[0] < 192 ? 16
				   : cs[n].a[0] < 224 ? 24 : 32;
		}
		mask_host(&cs[n]);
		n++;
	}
	CT_TRY(ct_rego_bcharge(ctx, n * 64));
	/* Drop covered networks, then merge sibling pairs until stable. */
	while (changed) {
		changed = false;
		qsort(cs, n, sizeof(*cs), cidr_cmp);
		for (i = 0, j = 0; i < n; i++) {
			if (j > 0 && cidr_has(&cs[j - 1], &cs[i]))
				continue;
			cs[j++] = cs[i];
		}
		n = j;
		for (i = 0; i + 1 < n; i++) {
			struct cidr a = cs[i], b = cs[i + 1];

			if (a.fam == b.fam && a.bits == b.bits && a.bits > 0) {
				a.bits--;
				b.bits--;
				mask_host(&a);
				mask_host(&b);
				if (memcmp(a.a, b.a, 16) == 0) {
					cs[i] = a;
					memmove(&cs[i + 1], &cs[i + 2],
						(n - i - 2) * sizeof(*cs));
					n--;
					changed = true;
				}
			}
		}
	}
	r = ct_rego_set_new(n);
	CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (i = 0; i < n; i++) {
		CT_TRY(cidr_string(&cs[i], &v));
		CT_TRY(ct_rego_set_add(r, v));
	}
	*out = r;
	r = NULL;
out:
	ct_rego_value_unref(r);
	free(cs);
	return res;
}

static ct_result bi_cidr_expand(ARGS)
{
	struct cidr c;
	struct ct_rego_value *r, *v;
	uint64_t count, k;
	int host;
	ct_result res = CT_OK;

	CT_GUARD(bi_arg(ctx, "net.cidr_expand", args, 0, K_STR, "string"));
	if (!parse_cidr(S(0), L(0), true, &c))
		return ct_rego_berror(ctx, "net.cidr_expand: invalid CIDR address: %s", S(0));
	host = (c.fam == 4 ? 32 : 128) - c.bits;
	if (host > 16)
		return ct_rego_berror(ctx, "net.cidr_expand: %s has more than %d addresses",
				      S(0), CIDR_EXPAND_MAX);
	count = UINT64_C(1) << host;
	CT_GUARD(ct_rego_bcharge(ctx, (size_t)count * 64));
	mask_host(&c);
	r = ct_rego_set_new((size_t)count);
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (k = 0; k < count; k++) {
		struct cidr h = c;
		char buf[INET6_ADDRSTRLEN];
		uint64_t carry = k;
		int i;

		for (i = (c.fam == 4 ? 3 : 15); i >= 0 && carry > 0; i--) {
			uint32_t sum = h.a[i] + (uint32_t)(carry & 0xff);

			h.a[i] = (uint8_t)sum;
			carry = (carry >> 8) + (sum >> 8);
		}
		if (inet_ntop(c.fam == 4 ? AF_INET : AF_INET6, h.a, buf, sizeof(buf)) == NULL) {
			res = CT_FAIL(CT_ERR_INTERNAL, "net: cannot format address");
			goto out;
		}
		v = ct_rego_value_cstring(buf);
		CT_TRY(ct_rego_set_add(r, v));
	}
	*out = r;
	return CT_OK;
out:
	ct_rego_value_unref(r);
	return res;
}

/* Entries of a cidr_contains_matches operand: (key, address text). */
struct cm_entry {
	struct ct_rego_value *key; /* borrowed */
	const struct ct_rego_value *addr;
};

static ct_result cm_entries(struct ct_rego_bctx *ctx, struct ct_rego_value *const *args,
			    int i, struct cm_entry **out, size_t *n)
{
	struct ct_rego_value *a = args[i];
	struct cm_entry *e;
	size_t k, cnt;

	if (a->kind == CT_REGO_STRING) {
		e = calloc(1, sizeof(*e));
		CT_ENSURE(e != NULL, CT_ERR_NOMEM, "rego: out of memory");
		e->key = a;
		e->addr = a;
		*out = e;
		*n = 1;
		return CT_OK;
	}
	CT_GUARD(bi_arg(ctx, "net.cidr_contains_matches", args, i,
			K_STR | K_ARR | K_SET | K_OBJ, "one of {string, array, set, object}"));
	cnt = a->u.coll.len;
	e = calloc(cnt + 1, sizeof(*e));
	CT_ENSURE(e != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (k = 0; k < cnt; k++) {
		const struct ct_rego_value *v = a->kind == CT_REGO_OBJECT ? a->u.coll.vals[k]
									  : a->u.coll.items[k];

		if (v->kind == CT_REGO_ARRAY && v->u.coll.len > 0 &&
		    v->u.coll.items[0]->kind == CT_REGO_STRING)
			e[k].addr = v->u.coll.items[0];
		else if (v->kind == CT_REGO_STRING)
			e[k].addr = v;
		else {
			free(e);
			return ct_rego_berror(ctx, "net.cidr_contains_matches: operand %d: element must be string or non-empty array", i + 1);
		}
		e[k].key = a->kind == CT_REGO_ARRAY ? NULL : a->u.coll.items[k];
	}
	*out = e;
	*n = cnt;
	return CT_OK;
}

static ct_result bi_cidr_contains_matches(ARGS)
{
	struct cm_entry *a = NULL, *b = NULL;
	size_t na = 0, nb = 0, i, j;
	struct ct_rego_value *r = NULL, *pair;
	ct_result res = CT_OK;

	CT_TRY(cm_entries(ctx, args, 0, &a, &na));
	CT_TRY(cm_entries(ctx, args, 1, &b, &nb));
	CT_TRY(ct_rego_bcharge(ctx, na * nb));
	r = ct_rego_set_new(0);
	CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (i = 0; i < na; i++) {
		struct cidr net;

		if (!parse_cidr(a[i].addr->u.str.s, a[i].addr->u.str.len, false, &net)) {
			res = ct_rego_berror(ctx, "net.cidr_contains_matches: invalid CIDR address: %s",
					     a[i].addr->u.str.s);
			goto out;
		}
		for (j = 0; j < nb; j++) {
			struct cidr x;

			if (!parse_cidr(b[j].addr->u.str.s, b[j].addr->u.str.len, false, &x)) {
				res = ct_rego_berror(ctx, "net.cidr_contains_matches: invalid IP or CIDR: %s",
						     b[j].addr->u.str.s);
				goto out;
			}
			if (!cidr_has(&net, &x))
				continue;
			pair = ct_rego_array_new(2);
			CT_TRY_ENSURE(pair != NULL, CT_ERR_NOMEM, "rego: out of memory");
			res = ct_rego_array_append(pair, a[i].key ? ct_rego_value_ref(a[i].key)
								 : ct_rego_value_int((int64_t)i));
			if (ct_ok(res))
				res = ct_rego_array_append(pair, b[j].key ? ct_rego_value_ref(b[j].key)
									 : ct_rego_value_int((int64_t)j));
			if (!ct_ok(res)) {
				ct_rego_value_unref(pair);
				goto out;
			}
			CT_TRY(ct_rego_set_add(r, pair));
		}
	}
	*out = r;
	r = NULL;
out:
	ct_rego_value_unref(r);
	free(a);
	free(b);
	return res;
}

CT_BUILTIN(bi_cidr_contains, "net.cidr_contains", 2);
CT_BUILTIN(bi_cidr_intersects, "net.cidr_intersects", 2);
CT_BUILTIN(bi_cidr_is_valid, "net.cidr_is_valid", 1);
CT_BUILTIN(bi_cidr_merge, "net.cidr_merge", 1);
CT_BUILTIN(bi_cidr_expand, "net.cidr_expand", 1);
CT_BUILTIN(bi_cidr_contains_matches, "net.cidr_contains_matches", 2);

static const struct ct_rego_builtin b_bi_cidr_overlap = {
	.name = "net.cidr_overlap", .arity = 2, .fn = bi_cidr_overlap, .deprecated = true
};

const struct ct_rego_builtin *const ct_rego_builtins_net[] = {
	&b_bi_cidr_contains, &b_bi_cidr_intersects, &b_bi_cidr_is_valid,
	&b_bi_cidr_merge, &b_bi_cidr_expand, &b_bi_cidr_contains_matches,
	&b_bi_cidr_overlap, NULL,
};
