/*
 * enforcer.c - deciding Kata agent requests with a compiled runtime policy.
 *
 * The enforcer is what the Kata agent's policy module does, on our Rego
 * engine: it queries data.agent_policy.<RequestName> with the normalised
 * request as input and the policy state as data.pstate; a boolean result is
 * the decision, an object {"allowed": b, "ops": [...]} additionally carries
 * JSON-patch operations on /pstate that are applied only when allowed.
 * Undefined results, other types and anything unexpected deny. On deny the
 * set data.agent_policy.violations_<RequestName> names the failed checks.
 *
 * Trust boundary: the request is untrusted (decoded by request.c); the
 * policy text is what the hardware measured and is trusted for its meaning,
 * but the ops it returns are still validated (only single-level
 * /pstate/<key> paths, bounded key count) before the state changes.
 */
#include "policy/policy.h"
#include "rego/rego.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ct_policy_enforcer {
	struct ct_rego_policy *policy;
	struct ct_rego_value *state; /* object: data.pstate */
	bool allow_failing;          /* AllowRequestsFailingPolicy */
};

#define REF_MAX 128
/* Per-decision evaluation limits (exceeding one is an error: deny). */
#define EVAL_MAX_STEPS ((uint64_t)10 * 1000 * 1000)
#define EVAL_MAX_MEMORY ((size_t)128 << 20)
#define EVAL_MAX_WALL_MS ((uint64_t)10 * 1000)
#define STATE_KEY_MAX 512

static void discard_print(void *arg, const char *line, size_t len)
{
	(void)arg;
	(void)line;
	(void)len;
}

/* Evaluates data.agent_policy.<name> with the current state. */
static ct_result eval_rule(const struct ct_policy_enforcer *e,
			   const char *name,
			   const struct ct_rego_value *input,
			   struct ct_rego_value **out)
{
	struct ct_rego_eval_opts opts;
	struct ct_rego_value *overlay, *key;
	char ref[REF_MAX];
	ct_result res;

	*out = NULL;
	if (snprintf(ref, sizeof(ref), "data.agent_policy.%s", name) >=
	    (int)sizeof(ref))
		return CT_FAIL(CT_ERR_USAGE, "policy: rule name too long");
	overlay = ct_rego_object_new(1);
	key = ct_rego_value_cstring("pstate");
	if (overlay == NULL || key == NULL) {
		ct_rego_value_unref(overlay);
		ct_rego_value_unref(key);
		return CT_FAIL(CT_ERR_NOMEM, "policy: out of memory");
	}
	res = ct_rego_object_insert(overlay, key, ct_rego_value_ref(e->state));
	if (!ct_ok(res)) {
		ct_rego_value_unref(overlay);
		return res;
	}
	memset(&opts, 0, sizeof(opts));
	opts.input = input;
	opts.data_overlay = overlay;
	opts.print = discard_print;
	/* One decision is small; a hostile request must not take the VM's
	 * memory or time (the engine defaults are sized for offline use). */
	opts.limits.max_steps = EVAL_MAX_STEPS;
	opts.limits.max_memory = EVAL_MAX_MEMORY;
	opts.limits.max_wall_ms = EVAL_MAX_WALL_MS;
	res = ct_rego_eval_ref(e->policy, ref, &opts, out);
	ct_rego_value_unref(overlay);
	return res;
}

CT_RESULT ct_policy_enforcer_new(const char *name, const char *text,
				 size_t len, struct ct_policy_enforcer **out)
{
	struct ct_rego_compiler *c = NULL;
	struct ct_policy_enforcer *e = NULL;
	struct ct_rego_value *v = NULL;
	ct_result res = CT_OK;

	*out = NULL;
	e = ct_calloc(1, sizeof(*e));
	CT_TRY_ENSURE(e != NULL, CT_ERR_NOMEM, "policy: out of memory");
	e->state = ct_rego_object_new(0);
	CT_TRY_ENSURE(e->state != NULL, CT_ERR_NOMEM, "policy: out of memory");
	CT_TRY(ct_rego_compiler_new(&c));
	CT_TRY(ct_rego_compiler_add_module(c, name, text, len, CT_REGO_V1));
	CT_TRY(ct_rego_compile(c, &e->policy));
	CT_TRY(eval_rule(e, "AllowRequestsFailingPolicy", NULL, &v));
	e->allow_failing = v != NULL && ct_rego_value_kind(v) == CT_REGO_BOOL &&
			   ct_rego_value_get_bool(v);
	if (e->allow_failing)
		ct_log_warn("policy %s: AllowRequestsFailingPolicy is set: "
			    "denials are reported but allowed", name);
	*out = e;
	e = NULL;
out:
	ct_rego_value_unref(v);
	ct_rego_compiler_free(c);
	ct_policy_enforcer_free(e);
	return res;
}

void ct_policy_enforcer_free(struct ct_policy_enforcer *e)
{
	if (e == NULL)
		return;
	ct_rego_policy_free(e->policy);
	ct_rego_value_unref(e->state);
	free(e);
}

void ct_policy_enforcer_reset(struct ct_policy_enforcer *e)
{
	struct ct_rego_value *empty = ct_rego_object_new(0);

	if (empty == NULL)
		return; /* keep the old state rather than none; NOMEM recorded */
	ct_rego_value_unref(e->state);
	e->state = empty;
}

const struct ct_rego_value *
ct_policy_enforcer_state(const struct ct_policy_enforcer *e)
{
	return e->state;
}

/* Joins the violations set (strings) into d->reason, bounded. */
static void collect_reasons(const struct ct_policy_enforcer *e,
			    const char *kind,
			    const struct ct_rego_value *input,
			    struct ct_policy_decision *d)
{
	struct ct_rego_value *v = NULL;
	char name[REF_MAX];
	size_t off = 0;

	snprintf(name, sizeof(name), "violations_%s", kind);
	if (!ct_ok(eval_rule(e, name, input, &v)) || v == NULL ||
	    (ct_rego_value_kind(v) != CT_REGO_SET &&
	     ct_rego_value_kind(v) != CT_REGO_ARRAY) ||
	    ct_rego_value_length(v) == 0) {
		ct_error_clear();
		snprintf(d->reason, sizeof(d->reason), "%s: denied by policy", kind);
		ct_rego_value_unref(v);
		return;
	}
	for (size_t i = 0; i < ct_rego_value_length(v); i++) {
		const struct ct_rego_value *s = ct_rego_value_index(v, i);
		int n;

		if (ct_rego_value_kind(s) != CT_REGO_STRING)
			continue;
		n = snprintf(d->reason + off, sizeof(d->reason) - off, "%s%s",
			     off > 0 ? "; " : "", ct_rego_value_str(s));
		if (n < 0 || (size_t)n >= sizeof(d->reason) - off)
			break; /* truncated: the reason stays NUL-terminated */
		off += (size_t)n;
	}
	ct_rego_value_unref(v);
}

/* Decodes one JSON pointer token ("~1" -> "/", "~0" -> "~"). */
static ct_result pointer_token(const char *tok, char *out, size_t cap)
{
	size_t o = 0;

	for (const char *p = tok; *p != '\0'; p++) {
		char c = *p;
		if (c == '/')
			return CT_FAIL(CT_ERR_POLICY,
				       "policy: op path below a pstate key");
		if (c == '~') {
			if (p[1] != '0' && p[1] != '1')
				return CT_FAIL(CT_ERR_POLICY,
					       "policy: bad '~' escape in op path");
			c = p[1] == '0' ? '~' : '/';
			p++;
		}
		if (o + 1 >= cap)
			return CT_FAIL(CT_ERR_LIMIT, "policy: pstate key too long");
		out[o++] = c;
	}
	out[o] = '\0';
	return CT_OK;
}

/* A new state object: `old` with `key` set to `val` (NULL = removed). */
static ct_result state_with(const struct ct_rego_value *old, const char *key,
			    const struct ct_rego_value *val,
			    struct ct_rego_value **out)
{
	size_t n = ct_rego_value_length(old);
	struct ct_rego_value *obj = ct_rego_object_new(n + 1);
	ct_result res = CT_OK;

	*out = NULL;
	if (obj == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "policy: out of memory");
	for (size_t i = 0; i < n && ct_ok(res); i++) {
		struct ct_rego_value *k = ct_rego_object_key_at(old, i);
		if (ct_rego_value_kind(k) == CT_REGO_STRING &&
		    strcmp(ct_rego_value_str(k), key) == 0)
			continue;
		res = ct_rego_object_insert(obj, ct_rego_value_ref(k),
					    ct_rego_value_ref(
						    ct_rego_object_value_at(old, i)));
	}
	if (ct_ok(res) && val != NULL) {
		struct ct_rego_value *k = ct_rego_value_cstring(key);
		if (k == NULL)
			res = CT_FAIL(CT_ERR_NOMEM, "policy: out of memory");
		else
			res = ct_rego_object_insert(
				obj, k,
				ct_rego_value_ref((struct ct_rego_value *)val));
	}
	if (!ct_ok(res)) {
		ct_rego_value_unref(obj);
		return res;
	}
	*out = obj;
	return CT_OK;
}

/* Applies the ops to a copy of the state; replaces it only if all apply. */
static ct_result apply_ops(struct ct_policy_enforcer *e,
			   const struct ct_rego_value *ops)
{
	struct ct_rego_value *st = ct_rego_value_ref(e->state);
	ct_result res = CT_OK;
	size_t n;

	CT_TRY_ENSURE(ct_rego_value_kind(ops) == CT_REGO_ARRAY, CT_ERR_POLICY,
		      "policy: ops must be an array, got %s",
		      ct_rego_value_type_name(ops));
	n = ct_rego_value_length(ops);
	CT_TRY_ENSURE(n <= CT_POLICY_STATE_MAX_OPS, CT_ERR_LIMIT,
		      "policy: %zu ops, limit %d", n, CT_POLICY_STATE_MAX_OPS);
	for (size_t i = 0; i < n; i++) {
		const struct ct_rego_value *op = ct_rego_value_index(ops, i);
		const struct ct_rego_value *verb, *path, *val;
		struct ct_rego_value *next = NULL;
		char key[STATE_KEY_MAX];
		const char *v, *p;
		bool present;

		CT_TRY_ENSURE(ct_rego_value_kind(op) == CT_REGO_OBJECT,
			      CT_ERR_POLICY, "policy: ops[%zu] is not an object", i);
		verb = ct_rego_object_get_str(op, "op");
		path = ct_rego_object_get_str(op, "path");
		val = ct_rego_object_get_str(op, "value");
		CT_TRY_ENSURE(verb != NULL && path != NULL &&
				      ct_rego_value_kind(verb) == CT_REGO_STRING &&
				      ct_rego_value_kind(path) == CT_REGO_STRING,
			      CT_ERR_POLICY, "policy: ops[%zu] lacks op or path", i);
		v = ct_rego_value_str(verb);
		p = ct_rego_value_str(path);
		CT_TRY_ENSURE(strncmp(p, "/pstate/", 8) == 0, CT_ERR_POLICY,
			      "policy: ops[%zu] path %s outside /pstate", i, p);
		CT_TRY(pointer_token(p + 8, key, sizeof(key)));
		present = ct_rego_object_get_str(st, key) != NULL;
		if (strcmp(v, "add") == 0 || strcmp(v, "replace") == 0) {
			CT_TRY_ENSURE(val != NULL, CT_ERR_POLICY,
				      "policy: ops[%zu] %s without value", i, v);
			CT_TRY_ENSURE(v[0] == 'a' || present, CT_ERR_POLICY,
				      "policy: ops[%zu] replaces missing %s", i, key);
			CT_TRY_ENSURE(present || ct_rego_value_length(st) <
							 CT_POLICY_STATE_MAX_KEYS,
				      CT_ERR_LIMIT, "policy: more than %d pstate keys",
				      CT_POLICY_STATE_MAX_KEYS);
			CT_TRY(state_with(st, key, val, &next));
		} else if (strcmp(v, "remove") == 0) {
			CT_TRY_ENSURE(present, CT_ERR_POLICY,
				      "policy: ops[%zu] removes missing %s", i, key);
			CT_TRY(state_with(st, key, NULL, &next));
		} else {
			CT_TRY_ENSURE(false, CT_ERR_POLICY,
				      "policy: ops[%zu] unsupported op %s", i, v);
		}
		ct_rego_value_unref(st);
		st = next;
	}
	ct_rego_value_unref(e->state);
	e->state = st;
	st = NULL;
out:
	ct_rego_value_unref(st);
	return res;
}

CT_RESULT ct_policy_enforcer_decide_value(struct ct_policy_enforcer *e,
					  const char *kind,
					  const struct ct_rego_value *input,
					  struct ct_policy_decision *d)
{
	struct ct_rego_value *r = NULL;
	const struct ct_rego_value *allowed, *ops = NULL;
	ct_result res = CT_OK;

	memset(d, 0, sizeof(*d));
	CT_ENSURE(ct_policy_kind_valid(kind), CT_ERR_USAGE,
		  "policy: invalid request kind");
	CT_TRY(eval_rule(e, kind, input, &r));
	if (r == NULL) {
		snprintf(d->reason, sizeof(d->reason),
			 "%s: no rule allows this request", kind);
		goto denied;
	}
	switch (ct_rego_value_kind(r)) {
	case CT_REGO_BOOL:
		d->allowed = ct_rego_value_get_bool(r);
		break;
	case CT_REGO_OBJECT:
		allowed = ct_rego_object_get_str(r, "allowed");
		ops = ct_rego_object_get_str(r, "ops");
		CT_TRY_ENSURE(allowed != NULL &&
				      ct_rego_value_kind(allowed) == CT_REGO_BOOL,
			      CT_ERR_POLICY,
			      "policy: %s result lacks a boolean 'allowed'", kind);
		d->allowed = ct_rego_value_get_bool(allowed);
		break;
	default:
		CT_TRY_ENSURE(false, CT_ERR_POLICY,
			      "policy: %s result is a %s, want boolean or object",
			      kind, ct_rego_value_type_name(r));
	}
	if (d->allowed) {
		if (ops != NULL && ct_rego_value_kind(ops) != CT_REGO_NULL)
			CT_TRY(apply_ops(e, ops));
		goto out;
	}
	collect_reasons(e, kind, input, d);
denied:
	if (e->allow_failing)
		d->allowed = true;
out:
	if (!ct_ok(res))
		d->allowed = false; /* an error never reads as an allow */
	ct_rego_value_unref(r);
	return res;
}

CT_RESULT ct_policy_enforcer_decide(struct ct_policy_enforcer *e,
				    const char *kind, struct ct_span request,
				    struct ct_policy_decision *d)
{
	struct ct_rego_value *input = NULL;
	ct_result res;

	memset(d, 0, sizeof(*d));
	res = ct_policy_request_decode(kind, request, &input);
	if (!ct_ok(res)) {
		if (ct_error_category() == CT_ERR_USAGE)
			return res;
		/* A request the agent could not even decode is denied. */
		snprintf(d->reason, sizeof(d->reason), "%s", ct_error_message());
		ct_error_clear();
		d->allowed = false;
		return CT_OK;
	}
	res = ct_policy_enforcer_decide_value(e, kind, input, d);
	ct_rego_value_unref(input);
	return res;
}
