/*
 * builtin_fuzz.c - libFuzzer target calling Rego built-ins with hostile
 * arguments: the input is a built-in name, a newline, and a JSON array of
 * arguments (names stay stable when the registry grows). Every built-in must return a value,
 * undefined or an error (never crash, leak or run unbounded) under a
 * small budget.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rego/builtins.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ct_result small_budget(void *engine, size_t units)
{
	size_t *left = engine;

	if (units > *left)
		return CT_FAIL(CT_ERR_LIMIT, "budget exceeded");
	*left -= units;
	return CT_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_rego_json_limits lim = { 1 << 14, 16, 1 << 12 };
	const struct ct_rego_builtin *b;
	const uint8_t *nl = memchr(data, '\n', size < 64 ? size : 64);
	char name[64];
	struct ct_rego_value *args = NULL, *out = NULL;
	struct ct_rego_value *argv[8];
	struct ct_rego_bctx ctx;
	size_t i, budget = 1 << 20, nlen;

	if (nl == NULL)
		return 0;
	nlen = (size_t)(nl - data);
	memcpy(name, data, nlen);
	name[nlen] = '\0';
	b = ct_rego_builtin_lookup(name);
	if (b == NULL)
		return 0;
	if (!ct_ok(ct_rego_json_parse(ct_span_make(nl + 1, size - nlen - 1),
				      &lim, &args)))
		return 0;
	if (ct_rego_value_kind(args) != CT_REGO_ARRAY ||
	    (int)ct_rego_value_length(args) != b->arity || b->arity > 8) {
		ct_rego_value_unref(args);
		return 0;
	}
	for (i = 0; i < ct_rego_value_length(args); i++)
		argv[i] = ct_rego_value_index(args, i);
	memset(&ctx, 0, sizeof(ctx));
	ctx.engine = &budget;
	ctx.charge = small_budget;
	if (ct_ok(b->fn(&ctx, argv, &out))) {
		struct ct_buf buf;

		ct_buf_init(&buf, 1 << 24);
		if (out != NULL && !ct_ok(ct_rego_value_to_term(out, &buf)))
			ct_error_clear();
		ct_buf_dispose(&buf);
	} else if (out != NULL) {
		abort(); /* a failed call must not hand out a value */
	}
	ct_rego_value_unref(out);
	ct_rego_value_unref(ctx.memo);
	ct_rego_value_unref(args);
	return 0;
}
