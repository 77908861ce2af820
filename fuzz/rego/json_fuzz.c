/*
 * json_fuzz.c - libFuzzer target for the Rego JSON reader: arbitrary bytes
 * in, and for every accepted document, the writers must reproduce text
 * that parses back to an equal value (round trip), under small limits.
 */
#include <stdint.h>
#include <stdlib.h>

#include "rego/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_rego_json_limits lim = { 1 << 16, 64, 1 << 14 };
	struct ct_rego_value *v = NULL, *w = NULL;
	struct ct_buf b, t;

	if (!ct_ok(ct_rego_json_parse(ct_span_make(data, size), &lim, &v)))
		return 0;
	ct_buf_init(&b, 1 << 20);
	ct_buf_init(&t, 1 << 20);
	if (ct_ok(ct_rego_value_to_json(v, &b))) {
		if (!ct_ok(ct_rego_json_parse(ct_buf_span(&b), &lim, &w)) ||
		    !ct_rego_value_equal(v, w) ||
		    ct_rego_value_hash(v) != ct_rego_value_hash(w))
			abort();
	}
	if (!ct_ok(ct_rego_value_to_term(v, &t)) ||
	    !ct_ok(ct_rego_value_to_json_pretty(v, &t)))
		ct_error_clear(); /* only the buffer limit can fail */
	ct_buf_dispose(&b);
	ct_buf_dispose(&t);
	ct_rego_value_unref(v);
	ct_rego_value_unref(w);
	return 0;
}
