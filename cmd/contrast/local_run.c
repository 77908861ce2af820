/*
 * local_run.c - running the programs local mode drives: a fresh log per
 * start (so a ready line is this run's), `contrast` subcommands in the work
 * dir with their output shown when they fail, and log tails for messages.
 */
#include "local_ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONTRAST_CLI_MS 600000u
#define ARGV_MAX 256u

/* Starts a process with a fresh log (so a ready line is this run's). */
CT_RESULT local_spawn_fresh(struct local_ctx *x, const char *name,
			     char *const argv[], char *const env[],
			     struct local_proc *out)
{
	char log[LOCAL_PATH_MAX];

	CT_GUARD(local_proc_log_path(x->dir, name, log, sizeof(log)));
	unlink(log);
	return local_proc_spawn(x->dir, name, argv, env, out);
}

/* Copies a failed command's output to stderr (its first 8 KiB) and its
 * first line that reads as an error (else its last line) to `first`. */
static void show_log(const char *log, char *first, size_t len)
{
	struct ct_buf b;
	const char *p, *err = NULL, *last = NULL;

	first[0] = '\0';
	ct_buf_init(&b, (size_t)16 << 20);
	if (!ct_ok(ct_file_read(&b, log, (size_t)16 << 20))) {
		ct_error_clear();
		ct_buf_dispose(&b);
		return;
	}
	fprintf(stderr, "%.*s%s", (int)(b.len < 8192 ? b.len : 8192), ct_buf_cstr(&b),
		b.len > 8192 ? "\n[...]\n" : "");
	for (p = ct_buf_cstr(&b); *p != '\0'; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "") {
		if (*p != '\n')
			last = p;
		if (err == NULL && (strstr(p, "error") == p || strncmp(p, "contrast", 8) == 0))
			err = p;
	}
	p = err != NULL ? err : last;
	if (p != NULL)
		snprintf(first, len, "%.*s", (int)strcspn(p, "\n"), p);
	ct_buf_dispose(&b);
}

CT_RESULT local_run_contrast(struct local_ctx *x, const char *log_name,
			     const char *const *args)
{
	char *argv[ARGV_MAX];
	char *env[] = { "CONTRAST_ALLOW_SIMULATED=1",
			"CONTRAST_COORDINATOR_WAIT_SECONDS=60", NULL };
	char log[LOCAL_PATH_MAX], tail[1024];
	size_t n = 0;
	int status;

	argv[n++] = x->bin[BIN_CONTRAST];
	for (; args[n - 1] != NULL && n < ARGV_MAX - 1; n++)
		argv[n] = (char *)args[n - 1];
	argv[n] = NULL;
	CT_GUARD(local_proc_log_path(x->dir, log_name, log, sizeof(log)));
	unlink(log);
	CT_GUARD(local_proc_run(x->dir, log_name, argv, env, CONTRAST_CLI_MS, &status));
	if (status != 0) {
		show_log(log, tail, sizeof(tail));
		return CT_FAIL(CT_ERR_POLICY, "contrast %s failed (exit %d): %s (all of its "
			       "output is above and in logs/%s.log)", args[0], status, tail,
			       log_name);
	}
	return CT_OK;
}
