/*
 * api.c - the public engine API of rego.h: the compiler (modules + base
 * data), compiled policies, evaluation contexts, queries, the reference
 * fast path and the term parser.
 *
 * Trust boundary: everything passed in is untrusted; sizes are checked
 * here (module size), depth and limits in the parser and evaluator. A
 * compiled policy is immutable: evaluations only read it, so one policy
 * may serve concurrent evaluations on different threads.
 */
#include "rego/eval_impl.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

CT_RESULT ct_rego_compiler_new(struct ct_rego_compiler **out)
{
	struct ct_rego_compiler *c = ct_calloc(1, sizeof(*c));
	if (!c)
		return rg_nomem();
	c->p = ct_calloc(1, sizeof(*c->p));
	if (!c->p) {
		free(c);
		return rg_nomem();
	}
	c->p->data = ct_rego_object_new(0);
	if (!c->p->data) {
		free(c->p);
		free(c);
		return rg_nomem();
	}
	*out = c;
	return CT_OK;
}

void ct_rego_policy_free(struct ct_rego_policy *p)
{
	if (!p)
		return;
	ct_rego_value_unref(p->data);
	free(p->mods);
	rg_arena_destroy(&p->arena);
	free(p);
}

void ct_rego_compiler_free(struct ct_rego_compiler *c)
{
	if (!c)
		return;
	ct_rego_policy_free(c->p);
	free(c);
}

CT_RESULT ct_rego_compiler_add_module(struct ct_rego_compiler *c,
				      const char *filename, const char *text,
				      size_t len, enum ct_rego_syntax syntax)
{
	CT_ENSURE(c && c->p, CT_ERR_USAGE, "rego: compiler already used");
	CT_ENSURE(len <= CT_REGO_MODULE_MAX_BYTES, CT_ERR_LIMIT,
		  "%s: rego module too large (%zu bytes, limit %zu)", filename,
		  len, CT_REGO_MODULE_MAX_BYTES);
	char *fn = rg_strndup(&c->p->arena, filename, strlen(filename));
	CT_ENSURE(fn, CT_ERR_NOMEM, "rego: out of memory");
	struct rg_module *m;
	CT_GUARD(rg_parse_module(&c->p->arena, fn, text, len, syntax, &m));
	struct rg_module **nm = ct_realloc(c->p->mods,
					   (c->p->nmods + 1) * sizeof(*nm));
	CT_ENSURE(nm, CT_ERR_NOMEM, "rego: out of memory");
	nm[c->p->nmods++] = m;
	c->p->mods = nm;
	return CT_OK;
}

static ct_result merge(struct ct_rego_value *a, struct ct_rego_value *b,
		       struct ct_rego_value **out, int depth)
{
	if (depth > 256)
		return CT_FAIL(CT_ERR_LIMIT, "rego: data nesting too deep");
	if (!a || ct_rego_value_kind(a) != CT_REGO_OBJECT ||
	    ct_rego_value_kind(b) != CT_REGO_OBJECT) {
		*out = ct_rego_value_ref(b);
		return CT_OK;
	}
	size_t na = ct_rego_value_length(a), nb = ct_rego_value_length(b);
	struct ct_rego_value *o = ct_rego_object_new(na + nb);
	CT_ENSURE(o, CT_ERR_NOMEM, "rego: out of memory");
	for (size_t i = 0; i < na; i++) {
		ct_result r = ct_rego_object_insert(o,
			ct_rego_value_ref(ct_rego_object_key_at(a, i)),
			ct_rego_value_ref(ct_rego_object_value_at(a, i)));
		if (!ct_ok(r)) {
			ct_rego_value_unref(o);
			return r;
		}
	}
	for (size_t i = 0; i < nb; i++) {
		struct ct_rego_value *k = ct_rego_object_key_at(b, i), *m;
		ct_result r = merge(ct_rego_object_get(a, k),
				    ct_rego_object_value_at(b, i), &m, depth + 1);
		if (ct_ok(r))
			r = ct_rego_object_insert(o, ct_rego_value_ref(k), m);
		if (!ct_ok(r)) {
			ct_rego_value_unref(o);
			return r;
		}
	}
	*out = o;
	return CT_OK;
}

CT_RESULT ct_rego_compiler_add_data(struct ct_rego_compiler *c,
				    const struct ct_rego_value *data)
{
	CT_ENSURE(c && c->p, CT_ERR_USAGE, "rego: compiler already used");
	CT_ENSURE(data && ct_rego_value_kind(data) == CT_REGO_OBJECT, CT_ERR_USAGE,
		  "rego: data must be an object, got %s",
		  data ? ct_rego_value_type_name(data) : "nothing");
	struct ct_rego_value *m;
	CT_GUARD(merge(c->p->data, (struct ct_rego_value *)data, &m, 0));
	ct_rego_value_unref(c->p->data);
	c->p->data = m;
	return CT_OK;
}

CT_RESULT ct_rego_compile(struct ct_rego_compiler *c,
			  struct ct_rego_policy **out)
{
	CT_ENSURE(c && c->p, CT_ERR_USAGE, "rego: compiler already used");
	CT_GUARD(rg_compile_policy(c->p));
	*out = c->p;
	c->p = NULL;
	return CT_OK;
}

/* ---------------------------------------------------------- contexts */

static ct_result charge_hook(void *engine, size_t units)
{
	struct rg_ctx *c = engine;
	c->mem += units;
	if (c->mem > c->lim.max_memory)
		return CT_FAIL(CT_ERR_LIMIT,
			       "rego: evaluation exceeded the memory limit (%zu bytes)",
			       c->lim.max_memory);
	return CT_OK;
}

static void print_hook(void *engine, const char *line, size_t len)
{
	struct rg_ctx *c = engine;
	if (c->print)
		c->print(c->print_arg, line, len);
	else
		fprintf(stderr, "%.*s\n", (int)len, line);
}

CT_RESULT rg_ctx_init(struct rg_ctx *c, const struct ct_rego_policy *p,
		      const struct ct_rego_eval_opts *o)
{
	static const struct ct_rego_eval_opts none;
	if (!o)
		o = &none;
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->lim = o->limits;
	if (!c->lim.max_steps)
		c->lim.max_steps = CT_REGO_DEFAULT_MAX_STEPS;
	if (!c->lim.max_memory)
		c->lim.max_memory = CT_REGO_DEFAULT_MAX_MEMORY;
	if (!c->lim.max_wall_ms)
		c->lim.max_wall_ms = CT_REGO_DEFAULT_MAX_WALL_MS;
	if (!c->lim.max_call_depth)
		c->lim.max_call_depth = CT_REGO_DEFAULT_MAX_CALL_DEPTH;
	if (!c->lim.max_stack)
		c->lim.max_stack = CT_REGO_DEFAULT_MAX_STACK;
	c->stack_base = (uintptr_t)__builtin_frame_address(0);
	c->deadline_ms = rg_now_ms() + c->lim.max_wall_ms;
	c->strict = o->strict_builtin_errors;
	c->print = o->print;
	c->print_arg = o->print_arg;
	c->input = ct_rego_value_ref((struct ct_rego_value *)o->input);
	if (o->data_overlay) {
		CT_GUARD(merge(p->data, (struct ct_rego_value *)o->data_overlay,
			       &c->data, 0));
	} else {
		c->data = ct_rego_value_ref(p->data);
	}
	size_t nn = (size_t)p->nnodes + 1;
	c->cache = ct_calloc(nn, sizeof(*c->cache));
	c->cstate = ct_calloc(nn, 1);
	if (!c->cache || !c->cstate) {
		rg_ctx_fini(c);
		return rg_nomem();
	}
	c->bctx.strict = c->strict;
	int64_t now = o->now_ns;
	if (!now) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	c->bctx.now_ns = now;
	c->bctx.engine = c;
	c->bctx.charge = charge_hook;
	c->bctx.print = print_hook;
	return CT_OK;
}

void rg_ctx_fini(struct rg_ctx *c)
{
	if (c->cache)
		for (int i = 0; i <= c->p->nnodes; i++)
			ct_rego_value_unref(c->cache[i]);
	free(c->cache);
	free(c->cstate);
	free(c->trail);
	ct_rego_value_unref(c->input);
	ct_rego_value_unref(c->data);
	ct_rego_value_unref(c->bctx.memo);
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------ queries */

struct q_st {
	const char **names;
	int nslots;
	struct ct_rego_value *rs;
};

static int query_done(struct rg_ctx *c, void *arg)
{
	struct q_st *q = arg;
	struct ct_rego_value *o = ct_rego_object_new(4);
	if (!o)
		return rg_fail(c, (struct rg_loc){ 0 }, CT_ERR_NOMEM, NULL, "rego: out of memory");
	for (int i = 0; i < q->nslots; i++) {
		if (!q->names || !q->names[i] || !c->frame[i])
			continue;
		struct ct_rego_value *k = ct_rego_value_cstring(q->names[i]);
		if (!k || !ct_ok(ct_rego_object_insert(o, k, ct_rego_value_ref(c->frame[i])))) {
			ct_rego_value_unref(o);
			return rg_fail(c, (struct rg_loc){ 0 }, CT_ERR_NOMEM, NULL,
				       "rego: out of memory");
		}
	}
	if (rg_charge(c, 64))
		return EV_ERR;
	if (!ct_ok(ct_rego_array_append(q->rs, o)))
		return rg_fail(c, (struct rg_loc){ 0 }, CT_ERR_NOMEM, NULL, "rego: out of memory");
	return EV_OK;
}

CT_RESULT ct_rego_eval(const struct ct_rego_policy *p, const char *query,
		       const struct ct_rego_eval_opts *opts,
		       struct ct_rego_value **result_set)
{
	struct rg_arena a = { 0 };
	struct rg_body *body;
	struct q_st q = { 0 };
	struct rg_ctx c;
	ct_result res = CT_OK;
	bool ctx = false;
	CT_ENSURE(p && query, CT_ERR_USAGE, "rego: no policy or query");
	CT_TRY(rg_parse_query(&a, query, strlen(query),
			      opts ? opts->query_syntax : CT_REGO_V1, &body));
	CT_TRY(rg_compile_query((struct ct_rego_policy *)p, &a, body, &q.nslots, &q.names));
	CT_TRY(rg_ctx_init(&c, p, opts));
	ctx = true;
	q.rs = ct_rego_array_new(1);
	c.frame = ct_calloc((size_t)q.nslots + 1, sizeof(*c.frame));
	CT_TRY_ENSURE(q.rs && c.frame, CT_ERR_NOMEM, "rego: out of memory");
	if (rg_eval_body(&c, body, 0, query_done, &q) == EV_ERR) {
		res = c.res;
		goto out;
	}
	*result_set = q.rs;
	q.rs = NULL;
out:
	if (ctx) {
		rg_undo(&c, 0);
		free(c.frame);
		rg_ctx_fini(&c);
	}
	ct_rego_value_unref(q.rs);
	rg_arena_destroy(&a);
	return res;
}

CT_RESULT ct_rego_eval_ref(const struct ct_rego_policy *p, const char *ref,
			   const struct ct_rego_eval_opts *opts,
			   struct ct_rego_value **out)
{
	CT_ENSURE(p && ref, CT_ERR_USAGE, "rego: no policy or ref");
	CT_ENSURE(strncmp(ref, "data", 4) == 0 && (ref[4] == 0 || ref[4] == '.'),
		  CT_ERR_USAGE, "rego: reference must start with data: %s", ref);
	struct rg_ctx c;
	CT_GUARD(rg_ctx_init(&c, p, opts));
	struct rg_node *n = p->root;
	struct ct_rego_value *base = c.data, *v = NULL;
	const char *s = ref + 4;
	ct_result res = CT_OK;
	struct ct_rego_value *cur = NULL; /* owned value once we left the tree */
	while (*s == '.') {
		s++;
		const char *e = strchr(s, '.');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (cur) {
			struct ct_rego_value *k = ct_rego_value_string_new(s, len);
			CT_TRY_ENSURE(k, CT_ERR_NOMEM, "rego: out of memory");
			struct ct_rego_value *nx = ct_rego_value_kind(cur) == CT_REGO_OBJECT
				? ct_rego_object_get(cur, k) : NULL;
			ct_rego_value_unref(k);
			nx = ct_rego_value_ref(nx);
			ct_rego_value_unref(cur);
			cur = nx;
			if (!cur)
				goto out;
		} else {
			struct ct_rego_value *k = ct_rego_value_string_new(s, len);
			CT_TRY_ENSURE(k, CT_ERR_NOMEM, "rego: out of memory");
			base = base && ct_rego_value_kind(base) == CT_REGO_OBJECT
				? ct_rego_object_get(base, k) : NULL;
			ct_rego_value_unref(k);
			n = n ? rg_node_child(n, s, len) : NULL;
			if (!n && !base)
				goto out;
			if (!n || n->kind) {
				if (rg_doc_at(&c, n, base, NULL, 0, (struct rg_loc){ 0 }, &cur)) {
					res = c.res;
					goto out;
				}
				if (!cur)
					goto out;
			}
		}
		s += len;
	}
	if (cur) {
		v = cur;
		cur = NULL;
	} else if (rg_doc_at(&c, n, base, NULL, 0, (struct rg_loc){ 0 }, &v)) {
		res = c.res;
		goto out;
	}
	*out = v;
out:
	if (ct_ok(res) && !v)
		*out = NULL;
	ct_rego_value_unref(cur);
	rg_ctx_fini(&c);
	return res;
}

CT_RESULT ct_rego_parse_term(const char *text, size_t len,
			     struct ct_rego_value **out)
{
	struct rg_arena a = { 0 };
	struct rg_term *t;
	ct_result res = rg_parse_term_only(&a, text, len, &t);
	if (ct_ok(res)) {
		if (!t->ground)
			res = CT_FAIL(CT_ERR_USAGE,
				      "term:%u:%u: rego_parse_error: term is not a constant",
				      t->loc.line, t->loc.col);
		else
			*out = ct_rego_value_ref(t->val);
	}
	rg_arena_destroy(&a);
	return res;
}
