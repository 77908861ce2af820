/*
 * compile.c - links parsed modules into a policy: the package tree (rules
 * grouped by their full path under data, kinds checked, defaults), then per
 * rule the variable scoping (locals get frame slots; rule names and import
 * aliases become data references), call resolution (user functions, then
 * built-ins) and the safety ordering of body literals (compile_order.c).
 *
 * Trust boundary: modules are untrusted; all errors are CT_ERR_USAGE
 * "FILE:LINE:COL: rego_<kind>_error: ..." and nothing here evaluates code.
 */
#include "rego/compile_impl.h"

#include <stdlib.h>
#include <string.h>

ct_result rg_cerr(struct rg_loc loc, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return CT_FAIL(CT_ERR_USAGE, "%s:%u:%u: %s: %s", loc.file ? loc.file : "query",
		       loc.line, loc.col, code, msg);
}

struct rg_node *rg_node_child(const struct rg_node *n, const char *name,
			      size_t len)
{
	size_t lo = 0, hi = n->nkids;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *k = n->kids[mid]->name;
		size_t kl = strlen(k);
		int c = memcmp(k, name, kl < len ? kl : len);
		if (c == 0)
			c = kl < len ? -1 : kl > len ? 1 : 0;
		if (c == 0)
			return n->kids[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static ct_result node_get(struct ct_rego_policy *p, struct rg_node *n,
			  const char *name, struct rg_node **out)
{
	size_t len = strlen(name);
	struct rg_node *c = rg_node_child(n, name, len);
	if (c) {
		*out = c;
		return CT_OK;
	}
	c = rg_alloc(&p->arena, sizeof(*c));
	if (!c)
		return rg_nomem();
	c->name = name;
	c->key = rg_keep(&p->arena, ct_rego_value_string_new(name, len));
	c->dotted = ct_aprintf("%s.%s", n->dotted, name);
	if (!c->key || !c->dotted)
		return rg_nomem();
	rg_keep(&p->arena, ct_rego_value_string_new(c->dotted, strlen(c->dotted)));
	char *d = rg_strndup(&p->arena, c->dotted, strlen(c->dotted));
	free((char *)c->dotted);
	c->dotted = d;
	if (!d)
		return rg_nomem();
	c->idx = p->nnodes++;
	struct rg_node **nk = rg_alloc(&p->arena, (n->nkids + 1) * sizeof(*nk));
	if (!nk)
		return rg_nomem();
	size_t pos = 0;
	while (pos < n->nkids && strcmp(n->kids[pos]->name, name) < 0)
		pos++;
	if (pos)
		memcpy(nk, n->kids, pos * sizeof(*nk));
	nk[pos] = c;
	if (n->nkids > pos)
		memcpy(nk + pos + 1, n->kids + pos, (n->nkids - pos) * sizeof(*nk));
	n->kids = nk;
	n->nkids++;
	*out = c;
	return CT_OK;
}

static ct_result split_dotted(struct rg_arena *a, const char *s,
			      const char ***out, size_t *n)
{
	size_t cnt = 1;
	for (const char *q = s; *q; q++)
		cnt += *q == '.';
	const char **path = rg_alloc(a, cnt * sizeof(*path));
	if (!path)
		return rg_nomem();
	size_t i = 0;
	const char *st = s;
	for (const char *q = s;; q++) {
		if (*q == '.' || *q == 0) {
			path[i] = rg_strndup(a, st, (size_t)(q - st));
			if (!path[i++])
				return rg_nomem();
			st = q + 1;
			if (*q == 0)
				break;
		}
	}
	*out = path;
	*n = cnt;
	return CT_OK;
}

/* Full ground path and dynamic suffix of a rule head. */
static ct_result rule_path(struct ct_rego_policy *p, struct rg_rule *r)
{
	struct rg_module *m = r->mod;
	const char **head = NULL;
	size_t nhead = 0;
	struct rg_term **segs = NULL;
	size_t nseg = 0;
	if (r->ref->kind == RT_VAR) {
		CT_GUARD(split_dotted(&p->arena, r->ref->name, &head, &nhead));
	} else {
		head = rg_alloc(&p->arena, sizeof(*head));
		if (!head)
			return rg_nomem();
		head[0] = r->ref->items[0]->name;
		nhead = 1;
		segs = r->ref->items + 1;
		nseg = r->ref->n - 1;
	}
	size_t g = 0;
	while (g < nseg && segs[g]->kind == RT_VALUE &&
	       ct_rego_value_kind(segs[g]->val) == CT_REGO_STRING)
		g++;
	bool data_root = strcmp(head[0], "data") == 0 && r->kind == RK_FUNC;
	size_t base = data_root ? 0 : m->npkg;
	size_t total = base + nhead - (data_root ? 1 : 0) + g;
	const char **path = rg_alloc(&p->arena, (total ? total : 1) * sizeof(*path));
	if (!path)
		return rg_nomem();
	size_t k = 0;
	for (size_t i = 0; i < base; i++)
		path[k++] = m->pkg[i];
	for (size_t i = data_root ? 1 : 0; i < nhead; i++)
		path[k++] = head[i];
	for (size_t i = 0; i < g; i++)
		path[k++] = ct_rego_value_str(segs[i]->val);
	r->path = path;
	r->npath = k;
	r->suffix = segs ? segs + g : NULL;
	r->nsuffix = nseg - g;
	if (r->nsuffix > 0) {
		if (r->kind == RK_FUNC)
			return rg_cerr(r->loc, "rego_parse_error",
				       "rule head has a variable reference and is a function");
		r->set_leaf = r->kind == RK_SET;
		r->kind = RK_OBJECT;
	}
	for (struct rg_rule *e = r->els; e; e = e->els) {
		e->path = r->path;
		e->npath = r->npath;
		e->suffix = r->suffix;
		e->nsuffix = r->nsuffix;
		e->kind = r->kind;
		e->set_leaf = r->set_leaf;
	}
	return CT_OK;
}

static const char *kind_name(enum rg_rkind k)
{
	switch (k) {
	case RK_SET: return "multi-value";
	case RK_OBJECT: return "object";
	case RK_FUNC: return "function";
	default: return "single-value";
	}
}

static ct_result add_rule(struct ct_rego_policy *p, struct rg_rule *r)
{
	CT_GUARD(rule_path(p, r));
	struct rg_node *n = p->root;
	for (size_t i = 0; i < r->npath; i++)
		CT_GUARD(node_get(p, n, r->path[i], &n));
	if (n->kind && n->kind != r->kind &&
	    !(n->kind == RK_OBJECT && r->kind == RK_COMPLETE) &&
	    !(n->kind == RK_COMPLETE && r->kind == RK_OBJECT))
		return rg_cerr(r->loc, "rego_type_error",
			       "conflicting rules %s found (%s and %s)",
			       n->dotted, kind_name(n->kind), kind_name(r->kind));
	if (r->kind == RK_FUNC) {
		if (n->kind == RK_FUNC && n->fn_arity != (int)r->nargs)
			return rg_cerr(r->loc, "rego_type_error",
				       "conflicting rules %s found (arity %d and %zu)",
				       n->dotted, n->fn_arity, r->nargs);
		n->fn_arity = (int)r->nargs;
	}
	if (!n->kind || r->kind == RK_OBJECT)
		n->kind = r->kind;
	if (r->is_default) {
		if (n->dflt)
			return rg_cerr(r->loc, "rego_type_error",
				       "multiple default rules %s found", n->dotted);
		n->dflt = r;
		return CT_OK;
	}
	struct rg_rule **nr = rg_alloc(&p->arena, (n->nrules + 1) * sizeof(*nr));
	if (!nr)
		return rg_nomem();
	if (n->nrules)
		memcpy(nr, n->rules, n->nrules * sizeof(*nr));
	nr[n->nrules++] = r;
	n->rules = nr;
	return CT_OK;
}

/* A node below `n` for a dotted path, NULL if absent. */
struct rg_node *rg_node_path(struct rg_node *n, const char *const *path,
			     size_t np)
{
	for (size_t i = 0; i < np && n; i++)
		n = rg_node_child(n, path[i], strlen(path[i]));
	return n;
}

static ct_result check_recursion(struct ct_rego_policy *p);

CT_RESULT rg_compile_policy(struct ct_rego_policy *p)
{
	if (!p->root) {
		p->root = rg_alloc(&p->arena, sizeof(*p->root));
		if (!p->root)
			return rg_nomem();
		p->root->name = "data";
		p->root->dotted = "data";
		p->root->idx = p->nnodes++;
	}
	for (size_t i = 0; i < p->nmods; i++) {
		struct rg_node *n = p->root;
		for (size_t j = 0; j < p->mods[i]->npkg; j++)
			CT_GUARD(node_get(p, n, p->mods[i]->pkg[j], &n));
		for (size_t j = 0; j < p->mods[i]->nrules; j++)
			CT_GUARD(add_rule(p, p->mods[i]->rules[j]));
	}
	for (size_t i = 0; i < p->nmods; i++)
		for (size_t j = 0; j < p->mods[i]->nrules; j++)
			CT_GUARD(rg_resolve_rule(p, p->mods[i], p->mods[i]->rules[j]));
	return check_recursion(p);
}

/* ------------------------------------------------- recursion check */

struct rec_ctx {
	struct ct_rego_policy *p;
	uint8_t *state; /* per node: 0 new, 1 on stack, 2 done */
	struct rg_node **stack;
	size_t depth;
};

static ct_result visit_node(struct rec_ctx *rc, struct rg_node *n);

static ct_result visit_term(struct rec_ctx *rc, struct rg_term *t);

static ct_result visit_body(struct rec_ctx *rc, struct rg_body *b)
{
	if (!b)
		return CT_OK;
	for (size_t i = 0; i < b->n; i++) {
		struct rg_lit *l = b->lits[i];
		if (l->kind == RL_BOOL) {
			struct rg_body two = { .lits = (struct rg_lit *[]){ l->ba, l->bb },
					       .n = 2 };
			CT_GUARD(visit_body(rc, &two));
			continue;
		}
		if (l->expr)
			CT_GUARD(visit_term(rc, l->expr));
		if (l->key)
			CT_GUARD(visit_term(rc, l->key));
		if (l->val)
			CT_GUARD(visit_term(rc, l->val));
		CT_GUARD(visit_body(rc, l->body));
		for (size_t w = 0; w < l->nwith; w++)
			CT_GUARD(visit_term(rc, l->withs[w].value));
	}
	return CT_OK;
}

static ct_result visit_term(struct rec_ctx *rc, struct rg_term *t)
{
	if (!t || t->ground)
		return CT_OK;
	if (t->kind == RT_CALL && t->fn)
		CT_GUARD(visit_node(rc, t->fn));
	if (t->kind == RT_REF && t->items[0]->kind == RT_VAR &&
	    t->items[0]->slot == RG_SLOT_DATA) {
		struct rg_node *n = rc->p->root;
		for (size_t i = 1; i < t->n && n; i++) {
			struct rg_term *s = t->items[i];
			if (s->kind != RT_VALUE ||
			    ct_rego_value_kind(s->val) != CT_REGO_STRING)
				break;
			n = rg_node_child(n, ct_rego_value_str(s->val),
					  ct_rego_value_str_len(s->val));
			if (n && n->kind)
				CT_GUARD(visit_node(rc, n));
		}
	}
	for (size_t i = 0; i < t->n; i++)
		CT_GUARD(visit_term(rc, t->items[i]));
	CT_GUARD(visit_term(rc, t->head));
	CT_GUARD(visit_term(rc, t->key));
	return visit_body(rc, t->body);
}

static ct_result visit_node(struct rec_ctx *rc, struct rg_node *n)
{
	if (rc->state[n->idx] == 2)
		return CT_OK;
	if (rc->state[n->idx] == 1) {
		struct rg_rule *r = n->nrules ? n->rules[0] : n->dflt;
		return rg_cerr(r ? r->loc : (struct rg_loc){ "policy", 1, 1 },
			       "rego_recursion_error",
			       "rule %s is recursive", n->dotted);
	}
	rc->state[n->idx] = 1;
	for (size_t i = 0; i < n->nrules; i++)
		for (struct rg_rule *r = n->rules[i]; r; r = r->els) {
			CT_GUARD(visit_body(rc, r->body));
			CT_GUARD(visit_term(rc, r->value));
			CT_GUARD(visit_term(rc, r->key));
			for (size_t j = 0; j < r->nsuffix; j++)
				CT_GUARD(visit_term(rc, r->suffix[j]));
		}
	rc->state[n->idx] = 2;
	return CT_OK;
}

static ct_result visit_all(struct rec_ctx *rc, struct rg_node *n)
{
	if (n->kind)
		CT_GUARD(visit_node(rc, n));
	for (size_t i = 0; i < n->nkids; i++)
		CT_GUARD(visit_all(rc, n->kids[i]));
	return CT_OK;
}

static ct_result check_recursion(struct ct_rego_policy *p)
{
	struct rec_ctx rc = { .p = p };
	rc.state = ct_calloc((size_t)p->nnodes + 1, 1);
	if (!rc.state)
		return rg_nomem();
	ct_result r = visit_all(&rc, p->root);
	free(rc.state);
	return r;
}
