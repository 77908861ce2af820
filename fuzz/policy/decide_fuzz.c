/*
 * decide_fuzz.c - libFuzzer target for whole decisions: hostile agent
 * requests through the decoder, our rules (lib/policy/rules.rego) and the
 * Rego engine, with the policy state carried between requests.
 *
 * Input: up to 8 requests separated by 0xff bytes (never valid inside JSON
 * text); each is one kind byte followed by the request JSON. The policy is
 * the rules plus the policy data of our own test pod, compiled once. The
 * sequence runs twice from an empty state and must give the same decisions
 * (no dependence on uninitialised memory or stale state); nothing may crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

#ifndef CT_POLICY_FUZZ_DATA
#error "CT_POLICY_FUZZ_DATA (path of a policy_data JSON file) must be defined"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REQUESTS 8

static const char *const kinds[] = {
	"CreateContainerRequest", "ExecProcessRequest", "CreateSandboxRequest",
	"RemoveContainerRequest", "UpdateInterfaceRequest",
	"UpdateRoutesRequest", "AddARPNeighborsRequest", "CopyFileRequest",
	"StartContainerRequest", "ReadStreamRequest", "SetPolicyRequest",
};

static struct ct_policy_enforcer *load(void)
{
	struct ct_policy_enforcer *e = NULL;
	struct ct_buf text;
	size_t len;
	const char *rules = ct_policy_rules(&len);

	ct_buf_init(&text, (size_t)16 << 20);
	if (!ct_ok(ct_buf_append(&text, rules, len)) ||
	    !ct_ok(ct_buf_append_str(&text, "\npolicy_data := ")) ||
	    !ct_ok(ct_file_read(&text, CT_POLICY_FUZZ_DATA, (size_t)8 << 20)) ||
	    !ct_ok(ct_policy_enforcer_new("fuzz", ct_buf_cstr(&text), text.len, &e))) {
		fprintf(stderr, "decide_fuzz: %s\n", ct_error_message());
		abort();
	}
	ct_buf_dispose(&text);
	return e;
}

/* Runs the sequence from an empty state; one bit per decision. */
static uint32_t run(struct ct_policy_enforcer *e, const uint8_t *data,
		    size_t size)
{
	uint32_t bits = 0;
	size_t off = 0;

	ct_policy_enforcer_reset(e);
	for (int n = 0; n < MAX_REQUESTS && off < size; n++) {
		const uint8_t *end = memchr(data + off, 0xff, size - off);
		size_t len = end != NULL ? (size_t)(end - (data + off)) : size - off;
		struct ct_policy_decision d;

		if (len > 0) {
			const char *kind = kinds[data[off] % (sizeof(kinds) / sizeof(kinds[0]))];
			if (ct_ok(ct_policy_enforcer_decide(
				    e, kind, ct_span_make(data + off + 1, len - 1), &d)))
				bits |= (uint32_t)d.allowed << (2 * n);
			else
				bits |= (uint32_t)2 << (2 * n);
			ct_error_clear();
		}
		off += len + 1;
	}
	return bits;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ct_policy_enforcer *e;

	if (e == NULL)
		e = load();
	if (run(e, data, size) != run(e, data, size))
		abort();
	return 0;
}
