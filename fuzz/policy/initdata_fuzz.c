/*
 * initdata_fuzz.c - libFuzzer target for reading the policy out of an
 * initdata document (lib/policy/initdata_parse.c), whose TOML arrives in a
 * pod annotation from the untrusted host.
 *
 * Any input either fails cleanly or yields a policy no longer than the
 * input. Whatever policy we encode with ct_initdata_toml must read back
 * unchanged, so the input is also used as a policy for a round trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_buf policy, toml;
	struct ct_span in = ct_span_make(data, size);

	ct_buf_init(&policy, CT_INITDATA_MAX);
	if (ct_ok(ct_initdata_policy(in, &policy))) {
		if (policy.len > size)
			abort();
	} else {
		ct_error_clear();
	}
	ct_buf_reset(&policy);
	ct_buf_init(&toml, CT_INITDATA_MAX);
	if (ct_ok(ct_initdata_toml(in, &toml))) {
		if (!ct_ok(ct_initdata_policy(ct_buf_span(&toml), &policy)) ||
		    policy.len != size || memcmp(policy.data, data, size) != 0)
			abort();
	} else {
		ct_error_clear();
	}
	ct_buf_dispose(&toml);
	ct_buf_dispose(&policy);
	return 0;
}
