/*
 * policy.h - runtime policies: the rules, the agent-request decoder and the
 * enforcer (this half), and the generator (policy-gen's half, below its
 * marker).
 *
 * A runtime policy is one Rego module `package agent_policy`: our rules
 * (ct_policy_rules(), lib/policy/rules.rego embedded at build time) followed
 * by `policy_data := {...}` (docs/policy-data.md). The enforcer compiles it
 * once and decides Kata agent requests: it queries
 * data.agent_policy.<RequestName> with the request as input and the policy
 * state as data.pstate, accepts `true`/`false` or {"allowed", "ops"}, applies
 * the ops to the state only on allow, and denies everything else.
 *
 * Trust boundary: request bytes come from the untrusted host. They are
 * decoded under CT_POLICY_REQUEST_MAX_* limits, normalised to the protobuf
 * shape the rules expect (every field present, defaults filled, unknown
 * fields dropped, types checked) and only then evaluated. The policy text is
 * trusted (it is what HOSTDATA measures) but still parsed with the engine's
 * limits.
 *
 * Errors: malformed requests are a deny with a reason (not an error);
 * ct_result errors are engine failures (CT_ERR_POLICY eval errors such as
 * rule conflicts, CT_ERR_LIMIT, CT_ERR_NOMEM) and bad policy text
 * (CT_ERR_USAGE). An enforcer is not thread-safe (it owns the state).
 */
#ifndef CT_POLICY_H
#define CT_POLICY_H

#include "base/base.h"
#include "rego/value.h"

/* Request decoding bounds. */
#define CT_POLICY_REQUEST_MAX_BYTES ((size_t)4 << 20)
#define CT_POLICY_REQUEST_MAX_DEPTH 32
#define CT_POLICY_REQUEST_MAX_STRING ((size_t)1 << 20)
#define CT_POLICY_REQUEST_MAX_ITEMS 4096 /* elements of one array or map */
#define CT_POLICY_KIND_MAX 64            /* length of a request name */
/* State bounds: keys and total JSON size of data.pstate. */
#define CT_POLICY_STATE_MAX_KEYS 4096
#define CT_POLICY_STATE_MAX_OPS 64
/* Deny reasons kept per decision. */
#define CT_POLICY_REASON_MAX 4096

/* The embedded rules (NUL-terminated; `len` excludes the NUL). */
const char *ct_policy_rules(size_t *len);

/*
 * Decodes one agent request of type `kind` (e.g. "CreateContainerRequest")
 * from JSON and normalises it: for the known request types every protobuf
 * field is present (strings "", numbers 0, bools false, lists [], maps {},
 * messages null), unknown fields are dropped, a field of the wrong JSON type
 * is an error (CT_ERR_PROTO "request: OCI.Process.Args[1]: want string, got
 * number"); other kinds are passed through as parsed. *out is owned by the
 * caller. `kind` must match [A-Za-z][A-Za-z0-9]* (CT_ERR_USAGE).
 */
CT_RESULT ct_policy_request_decode(const char *kind, struct ct_span json,
				   struct ct_rego_value **out);

/* True when `kind` is a well-formed request name. */
bool ct_policy_kind_valid(const char *kind);

struct ct_policy_enforcer;

/*
 * Compiles a policy (the complete text: rules + policy_data) into an
 * enforcer with empty state. `name` is used in error locations.
 */
CT_RESULT ct_policy_enforcer_new(const char *name, const char *text,
				 size_t len, struct ct_policy_enforcer **out);
void ct_policy_enforcer_free(struct ct_policy_enforcer *e); /* NULL ok */

struct ct_policy_decision {
	bool allowed;
	/* Why it was denied: the violated checks ("; "-joined), "request: ..."
	 * for undecodable requests, or "no rule for <kind>". Empty on allow. */
	char reason[CT_POLICY_REASON_MAX];
};

/*
 * Decides one request (JSON bytes). On allow the returned ops are applied
 * to the state; a failing op (bad path, remove of a missing key, state
 * limits) is an error and leaves the state unchanged.
 */
CT_RESULT ct_policy_enforcer_decide(struct ct_policy_enforcer *e,
				    const char *kind, struct ct_span request,
				    struct ct_policy_decision *out);

/* Same with an already decoded and normalised request (borrowed). */
CT_RESULT ct_policy_enforcer_decide_value(struct ct_policy_enforcer *e,
					  const char *kind,
					  const struct ct_rego_value *input,
					  struct ct_policy_decision *out);

/* The current state object (borrowed; valid until the next decide). */
const struct ct_rego_value *
ct_policy_enforcer_state(const struct ct_policy_enforcer *e);

/* ------------------------------------------------------------------------
 * Generator (owner: policy-gen): declarations go below this line.
 * ---------------------------------------------------------------------- */

#endif /* CT_POLICY_H */
