/*
 * compile_scope.c - per-rule (and per-query) compilation: variables get
 * frame slots by scope (rule body, comprehension and `every` bodies nest;
 * `:=`, `some` and function parameters declare), rule names of the package
 * and import aliases become data/input references, calls resolve to user
 * functions or built-ins, `with` targets to paths or functions, and each
 * body's literals are ordered so that every variable is bound before it is
 * needed ("var x is unsafe" otherwise).
 *
 * Trust boundary: works on parsed, untrusted modules; bounded by the
 * parser's depth limit (recursion here follows the AST).
 */
#include "rego/compile_impl.h"

#include <stdlib.h>
#include <string.h>

struct svar {
	const char *name;
	int slot;
	bool assigned;
	int pos; /* literal index from which it is visible (`:=`), or -1 */
	int next; /* next variable of this scope with the same name, or -1 */
};

struct scope {
	struct scope *up;
	int limit; /* literal being resolved at this level */
	struct svar *v;
	size_t n, cap;
	int *ht; /* open addressing: name -> first index in v, -1 empty */
	size_t htcap;
};

struct cc {
	struct ct_rego_policy *p;
	struct rg_module *m;
	struct rg_arena *a;
	struct rg_node *pkg;
	int nslots;
	const char **names;
	size_t capnames;
	bool query;
};

static void scope_free(struct scope *s)
{
	free(s->v);
	free(s->ht);
}

static size_t name_hash(const char *n)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *n; n++)
		h = (h ^ (uint8_t)*n) * 1099511628211ULL;
	return (size_t)h;
}

/* Slot in the hash table for `name` (its chain head or an empty slot). */
static size_t ht_find(const struct scope *s, const char *name)
{
	size_t m = s->htcap - 1, i = name_hash(name) & m;
	while (s->ht[i] >= 0 && strcmp(s->v[s->ht[i]].name, name) != 0)
		i = (i + 1) & m;
	return i;
}

static ct_result ht_grow(struct scope *s)
{
	size_t nc = s->htcap ? s->htcap * 2 : 16;
	int *old = s->ht;
	size_t oc = s->htcap;
	s->ht = malloc(nc * sizeof(*s->ht));
	if (!s->ht) {
		s->ht = old;
		return rg_nomem();
	}
	for (size_t i = 0; i < nc; i++)
		s->ht[i] = -1;
	s->htcap = nc;
	for (size_t i = 0; i < oc; i++)
		if (old[i] >= 0)
			s->ht[ht_find(s, s->v[old[i]].name)] = old[i];
	free(old);
	return CT_OK;
}

static ct_result new_slot(struct cc *c, const char *name, int *out)
{
	if ((size_t)c->nslots == c->capnames) {
		size_t nc = c->capnames ? c->capnames * 2 : 32;
		const char **nn = ct_realloc(c->names, nc * sizeof(*nn));
		if (!nn)
			return rg_nomem();
		c->names = nn;
		c->capnames = nc;
	}
	c->names[c->nslots] = name;
	*out = c->nslots++;
	return CT_OK;
}

static ct_result declare(struct cc *c, struct scope *s, const char *name,
			 int *slot)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		struct svar *nv = ct_realloc(s->v, nc * sizeof(*nv));
		if (!nv)
			return rg_nomem();
		s->v = nv;
		s->cap = nc;
	}
	CT_GUARD(new_slot(c, name, slot));
	if (2 * (s->n + 1) > s->htcap)
		CT_GUARD(ht_grow(s));
	int idx = (int)s->n;
	s->v[s->n++] = (struct svar){ name, *slot, false, -1, -1 };
	size_t h = ht_find(s, name);
	if (s->ht[h] < 0) {
		s->ht[h] = idx;
	} else {
		int j = s->ht[h];
		while (s->v[j].next >= 0)
			j = s->v[j].next;
		s->v[j].next = idx;
	}
	return CT_OK;
}

static struct svar *find_local(struct scope *s, const char *name)
{
	for (; s; s = s->up) {
		if (!s->htcap)
			continue;
		for (int j = s->ht[ht_find(s, name)]; j >= 0; j = s->v[j].next)
			if (s->v[j].pos < 0 || s->v[j].pos <= s->limit)
				return &s->v[j];
	}
	return NULL;
}

static struct svar *find_here(struct scope *s, const char *name)
{
	if (!s->htcap)
		return NULL;
	int j = s->ht[ht_find(s, name)];
	return j >= 0 ? &s->v[j] : NULL;
}

static struct rg_term *root_var(struct cc *c, struct rg_loc loc, int slot)
{
	struct rg_term *t = rg_alloc(c->a, sizeof(*t));
	if (t) {
		t->kind = RT_VAR;
		t->loc = loc;
		t->slot = slot;
		t->name = slot == RG_SLOT_DATA ? "data" : "input";
	}
	return t;
}

static struct rg_term *str_term(struct cc *c, struct rg_loc loc, const char *s)
{
	struct rg_term *t = rg_alloc(c->a, sizeof(*t));
	if (!t)
		return NULL;
	t->kind = RT_VALUE;
	t->loc = loc;
	t->ground = true;
	t->val = rg_keep(c->a, ct_rego_value_cstring(s));
	return t->val ? t : NULL;
}

/* If `name` is a rule of this package or an import alias, the ref items
 * it stands for (arena), else NULL. */
static ct_result global_ref(struct cc *c, struct rg_loc loc, const char *name,
			    struct rg_term ***items, size_t *n)
{
	*items = NULL;
	*n = 0;
	if (!c->m)
		return CT_OK;
	for (size_t i = 0; i < c->m->nimports; i++) {
		struct rg_import *im = &c->m->imports[i];
		struct rg_term *r = im->ref;
		const char *alias = im->alias;
		if (!alias)
			alias = r->kind == RT_REF
				? ct_rego_value_str(r->items[r->n - 1]->val)
				: r->name;
		if (strcmp(alias, name) != 0)
			continue;
		size_t cnt = r->kind == RT_REF ? r->n : 1;
		struct rg_term **it = rg_alloc(c->a, cnt * sizeof(*it));
		if (!it)
			return rg_nomem();
		const char *root = r->kind == RT_REF ? r->items[0]->name : r->name;
		it[0] = root_var(c, loc, strcmp(root, "data") == 0
					    ? RG_SLOT_DATA : RG_SLOT_INPUT);
		if (!it[0])
			return rg_nomem();
		for (size_t j = 1; j < cnt; j++)
			it[j] = r->items[j];
		*items = it;
		*n = cnt;
		return CT_OK;
	}
	if (c->pkg && rg_node_child(c->pkg, name, strlen(name))) {
		size_t cnt = c->m->npkg + 2;
		struct rg_term **it = rg_alloc(c->a, cnt * sizeof(*it));
		if (!it)
			return rg_nomem();
		it[0] = root_var(c, loc, RG_SLOT_DATA);
		for (size_t j = 0; j < c->m->npkg; j++)
			it[j + 1] = str_term(c, loc, c->m->pkg[j]);
		it[cnt - 1] = str_term(c, loc, name);
		for (size_t j = 0; j < cnt; j++)
			if (!it[j])
				return rg_nomem();
		*items = it;
		*n = cnt;
	}
	return CT_OK;
}

static ct_result resolve_var(struct cc *c, struct scope *s, struct rg_term *t)
{
	const char *name = t->name;
	if (strcmp(name, "_") == 0) {
		t->generated = true;
		return new_slot(c, NULL, &t->slot);
	}
	if (strcmp(name, "data") == 0) {
		t->slot = RG_SLOT_DATA;
		return CT_OK;
	}
	if (strcmp(name, "input") == 0) {
		t->slot = RG_SLOT_INPUT;
		return CT_OK;
	}
	struct svar *v = find_local(s, name);
	if (v) {
		t->slot = v->slot;
		return CT_OK;
	}
	struct rg_term **items;
	size_t n;
	CT_GUARD(global_ref(c, t->loc, name, &items, &n));
	if (items) {
		if (n == 1) {
			*t = *items[0];
		} else {
			t->kind = RT_REF;
			t->items = items;
			t->n = n;
		}
		return CT_OK;
	}
	return declare(c, s, name, &t->slot);
}

/* -------------------------------------------------------- calls */

static ct_result split(struct rg_arena *a, const char *s, const char ***out,
		       size_t *n)
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
			if (!(path[i++] = rg_strndup(a, st, (size_t)(q - st))))
				return rg_nomem();
			st = q + 1;
			if (!*q)
				break;
		}
	}
	*out = path;
	*n = cnt;
	return CT_OK;
}

/*
 * OPA built-ins this engine does not implement (network, GraphQL, x509,
 * JWT signing, ...). Policies that call them still compile, `with` can
 * replace them, and a real call is an eval_builtin_error (undefined unless
 * strict).
 */
static ct_result bi_unsupported(struct ct_rego_bctx *ctx,
				struct ct_rego_value *const *args,
				struct ct_rego_value **out)
{
	(void)args;
	*out = NULL;
	return ct_rego_berror(ctx, "built-in function not supported by this engine");
}

#define UNSUP(n, a) { .name = n, .arity = a, .fn = bi_unsupported }
static const struct ct_rego_builtin unsupported[] = {
	UNSUP("http.send", 1), UNSUP("opa.runtime", 0),
	UNSUP("net.lookup_ip_addr", 1), UNSUP("rego.metadata.chain", 0),
	UNSUP("rego.metadata.rule", 0), UNSUP("rego.parse_module", 2),
	UNSUP("graphql.parse", 2), UNSUP("graphql.parse_query", 1),
	UNSUP("graphql.parse_schema", 1), UNSUP("graphql.is_valid", 2),
	UNSUP("graphql.schema_is_valid", 1), UNSUP("graphql.parse_and_verify", 2),
	UNSUP("providers.aws.sign_req", 3),
	UNSUP("crypto.x509.parse_certificates", 1),
	UNSUP("crypto.x509.parse_and_verify_certificates", 1),
	UNSUP("crypto.x509.parse_and_verify_certificates_with_options", 2),
	UNSUP("crypto.x509.parse_certificate_request", 1),
	UNSUP("crypto.x509.parse_keypair", 2),
	UNSUP("crypto.x509.parse_rsa_private_key", 1),
	UNSUP("crypto.parse_private_keys", 1), UNSUP("io.jwt.encode_sign", 3),
	UNSUP("io.jwt.encode_sign_raw", 3), UNSUP("json.match_schema", 2),
	UNSUP("json.verify_schema", 1), UNSUP("strings.render_template", 2),
	UNSUP("regex.globs_match", 2),
};

static const struct ct_rego_builtin *builtin_lookup(const char *name)
{
	const struct ct_rego_builtin *b = ct_rego_builtin_lookup(name);
	if (b)
		return b;
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (strcmp(unsupported[i].name, name) == 0)
			return &unsupported[i];
	return NULL;
}

/* Finds the user function or built-in called `name`; NULL both if none. */
static ct_result find_fn(struct cc *c, const char *name, struct rg_node **fn,
			 const struct ct_rego_builtin **bi, bool *is_rule)
{
	*fn = NULL;
	*bi = NULL;
	*is_rule = false;
	const char **path;
	size_t n;
	CT_GUARD(split(c->a, name, &path, &n));
	struct rg_node *node = NULL;
	if (strcmp(path[0], "data") == 0) {
		node = rg_node_path(c->p->root, path + 1, n - 1);
	} else if (c->m) {
		struct rg_term **items;
		size_t ni;
		CT_GUARD(global_ref(c, (struct rg_loc){ 0 }, path[0], &items, &ni));
		if (items && items[0]->slot == RG_SLOT_DATA) {
			struct rg_node *x = c->p->root;
			for (size_t i = 1; i < ni && x; i++)
				x = rg_node_child(x, ct_rego_value_str(items[i]->val),
						  ct_rego_value_str_len(items[i]->val));
			node = x ? rg_node_path(x, path + 1, n - 1) : NULL;
		}
	}
	if (node && node->kind == RK_FUNC) {
		*fn = node;
		return CT_OK;
	}
	if (node && node->kind) {
		*is_rule = true;
		return CT_OK;
	}
	const struct ct_rego_builtin *b = builtin_lookup(name);
	if (b && b->deprecated && c->m && c->m->syntax == CT_REGO_V1)
		b = NULL;
	*bi = b;
	return CT_OK;
}

static ct_result resolve_call(struct cc *c, struct rg_term *t)
{
	if (t->op == OP_UNIFY || t->op == OP_ASSIGN)
		return CT_OK;
	if (strcmp(t->name, "print") == 0) {
		t->op = OP_PRINT;
		return CT_OK;
	}
	bool is_rule;
	CT_GUARD(find_fn(c, t->name, &t->fn, &t->bi, &is_rule));
	if (t->fn) {
		t->op = OP_FUNC;
		if ((int)t->n != t->fn->fn_arity && (int)t->n != t->fn->fn_arity + 1)
			return rg_cerr(t->loc, "rego_type_error",
				       "function %s has arity %d, got %zu arguments",
				       t->fn->dotted, t->fn->fn_arity, t->n);
		return CT_OK;
	}
	if (t->bi) {
		t->op = OP_BUILTIN;
		if ((int)t->n != t->bi->arity && (int)t->n != t->bi->arity + 1)
			return rg_cerr(t->loc, "rego_type_error",
				       "%s: arity mismatch\n\thave: %zu arguments\n\twant: %d arguments",
				       t->name, t->n, t->bi->arity);
		return CT_OK;
	}
	return rg_cerr(t->loc, "rego_type_error", "undefined function %s", t->name);
}

/* -------------------------------------------------------- walking */

struct pend {
	struct rg_term **t;
	int *pos;
	size_t n, cap;
	int cur;
};

static ct_result pend_push(struct pend *p, struct rg_term *t)
{
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 8;
		struct rg_term **nt = ct_realloc(p->t, nc * sizeof(*nt));
		if (!nt)
			return rg_nomem();
		p->t = nt;
		int *np = ct_realloc(p->pos, nc * sizeof(*np));
		if (!np)
			return rg_nomem();
		p->pos = np;
		p->cap = nc;
	}
	p->pos[p->n] = p->cur;
	p->t[p->n++] = t;
	return CT_OK;
}

static ct_result walk(struct cc *c, struct scope *s, struct rg_term *t,
		      struct pend *pd)
{
	if (!t || (t->ground && t->kind != RT_CALL))
		return CT_OK;
	switch (t->kind) {
	case RT_VALUE:
		return CT_OK;
	case RT_VAR:
		return resolve_var(c, s, t);
	case RT_REF: {
		struct rg_term *h = t->items[0];
		if (h->kind == RT_VAR) {
			CT_GUARD(resolve_var(c, s, h));
			if (h->kind == RT_REF) {
				size_t n = h->n + t->n - 1;
				struct rg_term **it = rg_alloc(c->a, n * sizeof(*it));
				if (!it)
					return rg_nomem();
				memcpy(it, h->items, h->n * sizeof(*it));
				memcpy(it + h->n, t->items + 1, (t->n - 1) * sizeof(*it));
				t->items = it;
				t->n = n;
			}
		} else {
			CT_GUARD(walk(c, s, h, pd));
		}
		for (size_t i = 1; i < t->n; i++)
			CT_GUARD(walk(c, s, t->items[i], pd));
		return CT_OK;
	}
	case RT_ACOMP: case RT_SCOMP: case RT_OCOMP:
		return pend_push(pd, t);
	case RT_CALL:
		CT_GUARD(resolve_call(c, t));
		CT_FALLTHROUGH;
	default:
		for (size_t i = 0; i < t->n; i++)
			CT_GUARD(walk(c, s, t->items[i], pd));
		return CT_OK;
	}
}

/* Declares the variables of an assignment/iteration pattern. */
static ct_result declare_pattern(struct cc *c, struct scope *s,
				 struct rg_term *t, bool assign)
{
	if (!t)
		return CT_OK;
	if (t->kind == RT_VAR) {
		if (strcmp(t->name, "_") == 0)
			return CT_OK;
		struct svar *v = find_here(s, t->name);
		if (v) {
			if (assign && v->assigned)
				return rg_cerr(t->loc, "rego_compile_error",
					       "var %s assigned above", t->name);
			v->assigned = v->assigned || assign;
			return CT_OK;
		}
		if (assign && (strcmp(t->name, "input") == 0 ||
			       strcmp(t->name, "data") == 0))
			return rg_cerr(t->loc, "rego_compile_error",
				       "variables must not shadow %s (use a different variable name)",
				       t->name);
		int slot;
		CT_GUARD(declare(c, s, t->name, &slot));
		s->v[s->n - 1].assigned = assign;
		s->v[s->n - 1].pos = assign ? s->limit : -1;
		return CT_OK;
	}
	if (t->kind == RT_ARRAY)
		for (size_t i = 0; i < t->n; i++)
			CT_GUARD(declare_pattern(c, s, t->items[i], assign));
	if (t->kind == RT_OBJECT)
		for (size_t i = 1; i < t->n; i += 2)
			CT_GUARD(declare_pattern(c, s, t->items[i], assign));
	return CT_OK;
}

static ct_result resolve_with(struct cc *c, struct scope *s, struct rg_with *w,
			      struct pend *pd)
{
	struct rg_term *t = w->target;
	struct ct_buf b;
	ct_buf_init(&b, 4096);
	ct_result r = CT_OK;
	size_t n = t->kind == RT_REF ? t->n : 1;
	for (size_t i = 0; i < n && ct_ok(r); i++) {
		struct rg_term *seg = t->kind == RT_REF ? t->items[i] : t;
		if (i)
			r = ct_buf_append_byte(&b, '.');
		if (!ct_ok(r))
			break;
		if (seg->kind == RT_VAR && i == 0)
			r = ct_buf_append_str(&b, seg->name);
		else if (seg->kind == RT_VALUE &&
			 ct_rego_value_kind(seg->val) == CT_REGO_STRING)
			r = ct_buf_append_str(&b, ct_rego_value_str(seg->val));
		else
			r = rg_cerr(t->loc, "rego_type_error",
				    "with keyword target must reference existing input, data, or a function");
	}
	char *name = ct_ok(r) ? rg_strndup(c->a, ct_buf_cstr(&b), b.len) : NULL;
	ct_buf_dispose(&b);
	CT_GUARD(r);
	if (!name)
		return rg_nomem();
	const char **path;
	size_t np;
	CT_GUARD(split(c->a, name, &path, &np));
	/* an import alias or package rule name first */
	if (strcmp(path[0], "data") != 0 && strcmp(path[0], "input") != 0) {
		bool is_rule;
		CT_GUARD(find_fn(c, name, &w->fn, &w->bi, &is_rule));
		if (!w->fn && !w->bi) {
			struct rg_term **items;
			size_t ni;
			CT_GUARD(global_ref(c, t->loc, path[0], &items, &ni));
			if (!items)
				return rg_cerr(t->loc, "rego_compile_error",
					       "with keyword target must reference existing input, data, or a function");
			const char **full = rg_alloc(c->a, (ni + np) * sizeof(*full));
			if (!full)
				return rg_nomem();
			full[0] = items[0]->slot == RG_SLOT_DATA ? "data" : "input";
			for (size_t i = 1; i < ni; i++)
				full[i] = ct_rego_value_str(items[i]->val);
			for (size_t i = 1; i < np; i++)
				full[ni + i - 1] = path[i];
			path = full;
			np = ni + np - 1;
		}
	}
	if (!w->fn && !w->bi) {
		w->root = strcmp(path[0], "data") == 0 ? RG_SLOT_DATA : RG_SLOT_INPUT;
		w->path = path + 1;
		w->npath = np - 1;
		if (w->root == RG_SLOT_DATA) {
			struct rg_node *fnode = rg_node_path(c->p->root, w->path, w->npath);
			if (fnode && fnode->kind == RK_FUNC) {
				w->fn = fnode;
				w->root = 0;
			}
		}
	}
	/* the value may name a function (a replacement) */
	struct rg_term *v = w->value;
	if (w->root == 0 && (v->kind == RT_VAR || v->kind == RT_REF)) {
		struct ct_buf vb;
		bool ok = true;
		ct_buf_init(&vb, 4096);
		size_t vn = v->kind == RT_REF ? v->n : 1;
		for (size_t i = 0; i < vn && ok; i++) {
			struct rg_term *seg = v->kind == RT_REF ? v->items[i] : v;
			if (i && !ct_ok(ct_buf_append_byte(&vb, '.')))
				ok = false;
			if (seg->kind == RT_VAR && i == 0)
				ok = ok && ct_ok(ct_buf_append_str(&vb, seg->name));
			else if (seg->kind == RT_VALUE &&
				 ct_rego_value_kind(seg->val) == CT_REGO_STRING)
				ok = ok && ct_ok(ct_buf_append_str(&vb, ct_rego_value_str(seg->val)));
			else
				ok = false;
		}
		if (ok && !find_local(s, ct_buf_cstr(&vb))) {
			struct rg_node *fn;
			const struct ct_rego_builtin *bi;
			bool is_rule;
			char *vname = rg_strndup(c->a, ct_buf_cstr(&vb), vb.len);
			r = vname ? find_fn(c, vname, &fn, &bi, &is_rule) : rg_nomem();
			if (ct_ok(r) && (fn || bi)) {
				struct rg_term *ct = rg_alloc(c->a, sizeof(*ct));
				if (!ct) {
					r = rg_nomem();
				} else {
					ct->kind = RT_CALL;
					ct->loc = v->loc;
					ct->name = vname;
					ct->fn = fn;
					ct->bi = bi;
					ct->op = fn ? OP_FUNC : OP_BUILTIN;
					w->value = ct; /* marker: a function value */
				}
			}
		}
		ct_buf_dispose(&vb);
		CT_GUARD(r);
		if (w->value->kind == RT_CALL && w->value->n == 0 &&
		    (w->value->fn || w->value->bi))
			return CT_OK;
	}
	return walk(c, s, w->value, pd);
}

static ct_result resolve_level(struct cc *c, struct scope *s,
			       struct rg_body *b, struct rg_term **heads,
			       size_t nheads);


static ct_result resolve_nested(struct cc *c, struct scope *up,
				struct rg_body *b, struct rg_term **heads,
				size_t nheads, struct rg_term *k,
				struct rg_term *v)
{
	struct scope s = { .up = up, .limit = INT32_MAX };
	b->scope_start = c->nslots;
	ct_result r = declare_pattern(c, &s, k, false);
	if (ct_ok(r))
		r = declare_pattern(c, &s, v, false);
	b->slot_start = c->nslots;
	struct pend pd = { 0 };
	if (ct_ok(r) && k)
		r = walk(c, &s, k, &pd);
	if (ct_ok(r) && v)
		r = walk(c, &s, v, &pd);
	free(pd.t);
	free(pd.pos);
	if (ct_ok(r))
		r = resolve_level(c, &s, b, heads, nheads);
	scope_free(&s);
	return r;
}

static ct_result resolve_bool(struct cc *c, struct scope *s, struct rg_lit *l)
{
	if (l->kind == RL_BOOL) {
		CT_GUARD(resolve_bool(c, s, l->ba));
		return resolve_bool(c, s, l->bb);
	}
	return resolve_nested(c, s, l->body, NULL, 0, NULL, NULL);
}

static ct_result resolve_level(struct cc *c, struct scope *s,
			       struct rg_body *b, struct rg_term **heads,
			       size_t nheads)
{
	struct pend pd = { 0 };
	ct_result r = CT_OK;
	/* declarations first */
	for (size_t i = 0; b && i < b->n && ct_ok(r); i++) {
		struct rg_lit *l = b->lits[i];
		s->limit = (int)i;
		if (l->kind == RL_SOME) {
			for (size_t j = 0; j < l->nvars && ct_ok(r); j++) {
				int slot;
				if (strcmp(l->vars[j]->name, "_") == 0)
					continue;
				r = declare(c, s, l->vars[j]->name, &slot);
			}
		} else if (l->kind == RL_SOME_IN) {
			r = declare_pattern(c, s, l->key, false);
			if (ct_ok(r))
				r = declare_pattern(c, s, l->val, false);
		} else if (l->kind == RL_EXPR && l->expr && l->expr->kind == RT_CALL &&
			   l->expr->op == OP_ASSIGN) {
			r = declare_pattern(c, s, l->expr->items[0], true);
		}
	}
	for (size_t i = 0; b && i < b->n && ct_ok(r); i++) {
		struct rg_lit *l = b->lits[i];
		s->limit = (int)i;
		pd.cur = (int)i;
		if (l->kind == RL_SOME) {
			for (size_t j = 0; j < l->nvars && ct_ok(r); j++)
				r = resolve_var(c, s, l->vars[j]);
			continue;
		}
		r = walk(c, s, l->expr, &pd);
		if (ct_ok(r) && l->kind == RL_SOME_IN) {
			r = walk(c, s, l->key, &pd);
			if (ct_ok(r))
				r = walk(c, s, l->val, &pd);
		}
		for (size_t w = 0; w < l->nwith && ct_ok(r); w++)
			r = resolve_with(c, s, &l->withs[w], &pd);
	}
	s->limit = INT32_MAX;
	pd.cur = INT32_MAX;
	for (size_t i = 0; i < nheads && ct_ok(r); i++)
		r = walk(c, s, heads[i], &pd);
	/* nested bodies */
	for (size_t i = 0; b && i < b->n && ct_ok(r); i++) {
		struct rg_lit *l = b->lits[i];
		s->limit = (int)i;
		if (l->kind == RL_EVERY || (l->kind == RL_EXPR && l->body))
			r = resolve_nested(c, s, l->body, NULL, 0, l->key, l->val);
		else if (l->kind == RL_BOOL)
			r = resolve_bool(c, s, l);
	}
	for (size_t i = 0; i < pd.n && ct_ok(r); i++) {
		struct rg_term *t = pd.t[i];
		s->limit = pd.pos[i];
		struct rg_term *hs[2] = { t->key, t->head };
		if (!t->key) {
			hs[0] = t->head;
			hs[1] = NULL;
		}
		r = resolve_nested(c, s, t->body, hs, t->key ? 2 : 1, NULL, NULL);
	}
	free(pd.t);
	free(pd.pos);
	s->limit = INT32_MAX;
	if (ct_ok(r) && b)
		r = rg_order_body(b, c->nslots, c->names, heads, nheads);
	return r;
}

ct_result rg_resolve_rule(struct ct_rego_policy *p, struct rg_module *m,
			  struct rg_rule *r)
{
	struct cc c = { .p = p, .m = m, .a = &p->arena };
	c.pkg = rg_node_path(p->root, m->pkg, m->npkg);
	struct scope top = { .limit = INT32_MAX };
	ct_result res = CT_OK;
	struct pend pd = { 0 };
	for (size_t i = 0; i < r->nargs && ct_ok(res); i++) {
		if (r->args[i]->kind == RT_CALL)
			continue; /* computed parameter: checked after the body */
		res = declare_pattern(&c, &top, r->args[i], false);
		if (ct_ok(res))
			res = walk(&c, &top, r->args[i], &pd);
	}
	for (struct rg_rule *e = r; e && ct_ok(res); e = e->els) {
		struct scope s = { .up = &top, .limit = INT32_MAX };
		struct rg_term *heads[64];
		size_t nh = 0;
		if (e->key)
			heads[nh++] = e->key;
		if (e->value)
			heads[nh++] = e->value;
		for (size_t i = 0; i < e->nsuffix && nh < 64; i++)
			heads[nh++] = e->suffix[i];
		for (size_t i = 0; i < r->nargs && nh < 64; i++)
			if (r->args[i]->kind == RT_CALL)
				heads[nh++] = r->args[i];
		if (e->body) {
			e->body->slot_start = e->body->scope_start = c.nslots;
			res = resolve_level(&c, &s, e->body, heads, nh);
		} else {
			struct rg_body empty = { .slot_start = c.nslots, .scope_start = c.nslots };
			res = resolve_level(&c, &s, &empty, heads, nh);
		}
		scope_free(&s);
	}
	scope_free(&top);
	free(pd.t);
	free(pd.pos);
	for (struct rg_rule *e = r; e; e = e->els)
		e->nslots = c.nslots;
	free(c.names);
	return res;
}

CT_RESULT rg_compile_query(struct ct_rego_policy *p, struct rg_arena *a,
			   struct rg_body *body, int *nslots,
			   const char ***names)
{
	struct cc c = { .p = p, .a = a, .query = true };
	struct scope s = { .limit = INT32_MAX };
	body->slot_start = 0;
	ct_result r = resolve_level(&c, &s, body, NULL, 0);
	const char **out = NULL;
	if (ct_ok(r) && c.nslots > 0) {
		out = rg_alloc(a, (size_t)c.nslots * sizeof(*out));
		if (!out)
			r = rg_nomem();
		for (size_t i = 0; out && i < s.n; i++)
			out[s.v[i].slot] = s.v[i].name;
	}
	scope_free(&s);
	free(c.names);
	CT_GUARD(r);
	*nslots = c.nslots;
	*names = out;
	return CT_OK;
}
