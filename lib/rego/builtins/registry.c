/*
 * registry.c - the table of Rego built-ins and the error helpers every
 * built-in uses. Names are sorted once at first lookup; lookups are binary
 * searches. Each group file exports its table through builtins_impl.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/builtins/builtins_impl.h"

static const struct ct_rego_builtin *const *groups[] = {
	ct_rego_builtins_ops,
	ct_rego_builtins_strings,
	ct_rego_builtins_collections,
	ct_rego_builtins_encoding,
	ct_rego_builtins_sprintf,
	ct_rego_builtins_regex,
	ct_rego_builtins_misc,
	ct_rego_builtins_crypto,
	ct_rego_builtins_glob,
	ct_rego_builtins_jsonpath,
	ct_rego_builtins_net,
	ct_rego_builtins_jwt,
	ct_rego_builtins_yaml,
	ct_rego_builtins_time,
	ct_rego_builtins_jsonpatch,
	ct_rego_builtins_uri,
	NULL,
};

#define MAX_BUILTINS 512
static const struct ct_rego_builtin *sorted[MAX_BUILTINS];
static struct ct_rego_builtin flat[MAX_BUILTINS + 1];
static size_t nsorted;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int by_name(const void *a, const void *b)
{
	const struct ct_rego_builtin *x = *(const struct ct_rego_builtin *const *)a;
	const struct ct_rego_builtin *y = *(const struct ct_rego_builtin *const *)b;

	return strcmp(x->name, y->name);
}

static void build(void)
{
	size_t g, i;

	for (g = 0; groups[g] != NULL; g++)
		for (i = 0; groups[g][i] != NULL && nsorted < MAX_BUILTINS; i++)
			sorted[nsorted++] = groups[g][i];
	qsort(sorted, nsorted, sizeof(sorted[0]), by_name);
	for (i = 0; i < nsorted; i++)
		flat[i] = *sorted[i];
}

const struct ct_rego_builtin *ct_rego_builtin_lookup(const char *name)
{
	size_t lo = 0, hi;

	pthread_once(&once, build);
	hi = nsorted;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(sorted[mid]->name, name);

		if (c == 0)
			return sorted[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct ct_rego_builtin *ct_rego_builtin_table(void)
{
	pthread_once(&once, build);
	return flat;
}

ct_result ct_rego_btype_error(struct ct_rego_bctx *ctx, const char *name,
			      int operand, const char *want,
			      const struct ct_rego_value *got)
{
	ctx->err_kind = CT_REGO_BERR_TYPE;
	return CT_FAIL(CT_ERR_POLICY, "%s: operand %d must be %s but got %s",
		       name, operand, want, ct_rego_value_type_name(got));
}

ct_result ct_rego_berror(struct ct_rego_bctx *ctx, const char *fmt, ...)
{
	char msg[CT_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->err_kind = CT_REGO_BERR_BUILTIN;
	return CT_FAIL(CT_ERR_POLICY, "%s", msg);
}

ct_result ct_rego_bcharge(struct ct_rego_bctx *ctx, size_t units)
{
	ct_result r;

	if (ctx->charge == NULL)
		return CT_OK;
	r = ctx->charge(ctx->engine, units);
	if (!ct_ok(r))
		ctx->err_kind = CT_REGO_BERR_HALT;
	return r;
}
