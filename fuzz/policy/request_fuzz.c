/*
 * request_fuzz.c - libFuzzer target for the agent-request decoder
 * (lib/policy/request.c), which reads JSON from the untrusted host.
 *
 * The first byte picks the request kind, the rest is the JSON. Any input
 * must either fail cleanly or decode into an object; a decoded request must
 * be a fixed point: writing it as JSON and decoding again gives an equal
 * value (normalisation is idempotent, so the rules see one canonical shape).
 */
#include <stdint.h>
#include <stdlib.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kinds[] = {
	"CreateContainerRequest", "ExecProcessRequest", "CreateSandboxRequest",
	"RemoveContainerRequest", "UpdateInterfaceRequest",
	"UpdateRoutesRequest", "AddARPNeighborsRequest", "CopyFileRequest",
	"StartContainerRequest",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_rego_value *v = NULL, *again = NULL;
	struct ct_buf json;
	const char *kind;

	if (size < 1)
		return 0;
	kind = kinds[data[0] % (sizeof(kinds) / sizeof(kinds[0]))];
	if (!ct_ok(ct_policy_request_decode(kind, ct_span_make(data + 1, size - 1),
					    &v))) {
		ct_error_clear();
		return 0;
	}
	if (ct_rego_value_kind(v) != CT_REGO_OBJECT)
		abort();
	ct_buf_init(&json, (size_t)64 << 20);
	if (ct_ok(ct_rego_value_to_json(v, &json))) {
		if (!ct_ok(ct_policy_request_decode(kind, ct_buf_span(&json),
						    &again)))
			abort(); /* our own output must decode */
		if (!ct_rego_value_equal(v, again))
			abort(); /* and be a fixed point */
	}
	ct_error_clear();
	ct_rego_value_unref(again);
	ct_rego_value_unref(v);
	ct_buf_dispose(&json);
	return 0;
}
