/*
 * error.c - the thread-local error slot behind ct_result.
 *
 * A failing function records what went wrong (category, source location,
 * a message naming the failed check) and returns a result carrying only the
 * category. Callers add context with ct_error_prefix as the error travels
 * up, so a user finally reads e.g. "manifest: Policies.ab12..: SANs: not an
 * array". Messages never contain secrets: callers must not format them in.
 */
#include "base/base.h"

#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

static _Thread_local struct ct_error last_error;

static const char *const category_names[CT_ERR__MAX] = {
	[CT_ERR_NONE] = "none",         [CT_ERR_IO] = "io",
	[CT_ERR_PROTO] = "protocol",    [CT_ERR_POLICY] = "policy",
	[CT_ERR_CRYPTO] = "crypto",     [CT_ERR_USAGE] = "usage",
	[CT_ERR_LIMIT] = "limit",       [CT_ERR_NOMEM] = "out of memory",
	[CT_ERR_INTERNAL] = "internal",
};

const char *ct_err_name(enum ct_err category)
{
	if ((unsigned)category >= CT_ERR__MAX)
		return "unknown";
	return category_names[category];
}

__attribute__((format(printf, 4, 0)))
static ct_result record(enum ct_err category, const char *file, int line,
			const char *fmt, va_list ap)
{
	if (category == CT_ERR_NONE)
		category = CT_ERR_INTERNAL;
	last_error.category = category;
	last_error.file = file;
	last_error.line = line;
	vsnprintf(last_error.message, sizeof(last_error.message), fmt, ap);
	return (ct_result){ category };
}

ct_result ct_error_set(enum ct_err category, const char *file, int line,
		       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ct_result r = record(category, file, line, fmt, ap);
	va_end(ap);
	return r;
}

void ct_error_record(enum ct_err category, const char *file, int line,
		     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)record(category, file, line, fmt, ap);
	va_end(ap);
}

ct_result ct_error_set_ossl(enum ct_err category, const char *file, int line,
			    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ct_result r = record(category, file, line, fmt, ap);
	va_end(ap);

	unsigned long e = ERR_peek_last_error();
	if (e != 0) {
		char detail[256];
		ERR_error_string_n(e, detail, sizeof(detail));
		size_t used = strlen(last_error.message);
		snprintf(last_error.message + used,
			 sizeof(last_error.message) - used, " (%s)", detail);
	}
	ERR_clear_error();
	return r;
}

ct_result ct_error_prefix(const char *fmt, ...)
{
	char prefix[512];
	char old[CT_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, last_error.message, sizeof(old));
	size_t plen = strlen(prefix);
	if (plen > sizeof(last_error.message) - 3)
		plen = sizeof(last_error.message) - 3;
	memcpy(last_error.message, prefix, plen);
	memcpy(last_error.message + plen, ": ", 2);
	size_t room = sizeof(last_error.message) - plen - 2;
	size_t olen = strnlen(old, room - 1);
	memcpy(last_error.message + plen + 2, old, olen);
	last_error.message[plen + 2 + olen] = '\0';
	if (last_error.category == CT_ERR_NONE)
		last_error.category = CT_ERR_INTERNAL;
	return (ct_result){ last_error.category };
}

const struct ct_error *ct_error_last(void) { return &last_error; }

const char *ct_error_message(void) { return last_error.message; }

enum ct_err ct_error_category(void) { return last_error.category; }

void ct_error_clear(void) { memset(&last_error, 0, sizeof(last_error)); }
