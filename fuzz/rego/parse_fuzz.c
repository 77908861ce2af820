/*
 * parse_fuzz.c - libFuzzer target for the Rego lexer and parser: arbitrary
 * bytes as a module (first byte picks v1 or v0 syntax) and as a Rego term
 * (the --input-term path). Both are untrusted text; the parser must accept
 * or reject them with an error, within CT_REGO_PARSE_MAX_DEPTH, without
 * crashing or leaking. Accepted modules are also compiled (linking, safety
 * and recursion checks see hostile ASTs too).
 */
#include <stdint.h>
#include <stdlib.h>

#include "rego/rego.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_rego_compiler *c = NULL;
	struct ct_rego_policy *p = NULL;
	struct ct_rego_value *t = NULL;
	enum ct_rego_syntax syn;

	if (size < 1 || size > (1u << 16))
		return 0;
	syn = (data[0] & 1) ? CT_REGO_V0 : CT_REGO_V1;
	data++;
	size--;
	if (ct_ok(ct_rego_parse_term((const char *)data, size, &t)))
		ct_rego_value_unref(t);
	if (!ct_ok(ct_rego_compiler_new(&c)))
		abort();
	if (ct_ok(ct_rego_compiler_add_module(c, "fuzz.rego", (const char *)data,
					      size, syn)) &&
	    ct_ok(ct_rego_compile(c, &p)))
		ct_rego_policy_free(p);
	ct_rego_compiler_free(c);
	ct_error_clear();
	return 0;
}
