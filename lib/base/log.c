/*
 * log.c - leveled logging to stderr.
 *
 * One line per event: "time program[pid]: level: message". Daemons log
 * every request with its outcome here; secrets must never be formatted
 * into a log line (callers log identifiers and hashes instead).
 */
#include "base/base.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_program = "contrast";
static enum ct_log_level log_level = CT_LOG_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void ct_log_init(const char *program, enum ct_log_level level)
{
	log_program = program;
	log_level = level;
}

void ct_log_set_level(enum ct_log_level level) { log_level = level; }

enum ct_log_level ct_log_get_level(void) { return log_level; }

ct_result ct_log_level_parse(const char *name, enum ct_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum ct_log_level)i;
			return CT_OK;
		}
	}
	CT_BAIL(CT_ERR_USAGE,
		"unknown log level '%s' (want error, warn, info or debug)",
		name);
}

void ct_log(enum ct_log_level level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	char line[4096];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line),
			 "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%ld]: %s: ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec,
			 ts.tv_nsec / 1000000, log_program, (long)getpid(),
			 level_names[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line keeps concurrent writers from interleaving. */
	size_t len = strlen(line);
	if (len + 1 < sizeof(line))
		line[len++] = '\n';
	else
		line[len - 1] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

void ct_log_error(const char *context)
{
	ct_log(CT_LOG_ERROR, "%s: %s", context, ct_error_message());
}
