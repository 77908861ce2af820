/*
 * local_proc.h - the processes `contrast local` starts, and how it finds
 * them again.
 *
 * Local mode leaves a deployment running after `up` returns, so every
 * process it starts is detached (own session, stdio to a log file) and
 * recorded in `<workdir>/state/pids/<name>.pid` as "PID STARTTIME NAME".
 * STARTTIME (field 22 of /proc/PID/stat) tells our process apart from an
 * unrelated one that later got the same PID: `down` and `status` never
 * signal a PID whose start time differs.
 */
#ifndef CT_LOCAL_PROC_H
#define CT_LOCAL_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/base.h"

#define LOCAL_NAME_MAX 128u
#define LOCAL_PROCS_MAX 1024u
#define LOCAL_LINE_MAX 512u

struct local_proc {
	char name[LOCAL_NAME_MAX];
	pid_t pid;
	unsigned long long start_time;
};

/*
 * Starts argv detached, stdout and stderr appended to
 * `<workdir>/logs/<name>.log`, and records it. `env` entries
 * ("KEY=VALUE", NULL-terminated, may be NULL) are added to the
 * environment.
 */
CT_RESULT local_proc_spawn(const char *workdir, const char *name,
			   char *const argv[], char *const env[],
			   struct local_proc *out);

/*
 * Waits until the process's log has a line starting with `prefix` (copied
 * to line_out, may be NULL) or fails when the process exits or timeout_ms
 * passes; the failure quotes the log's last line.
 */
CT_RESULT local_proc_wait_line(const char *workdir, const struct local_proc *p,
			       const char *prefix, unsigned timeout_ms,
			       char *line_out, size_t line_len);

/*
 * Runs argv in the foreground to completion (stdio to the named log) and
 * stores its exit status (128+signal when killed). Fails only when it could
 * not be started or outlived timeout_ms (then it is killed).
 */
CT_RESULT local_proc_run(const char *workdir, const char *name,
			 char *const argv[], char *const env[],
			 unsigned timeout_ms, int *exit_status);

/* True if the recorded process still runs (same PID and start time). */
bool local_proc_alive(const struct local_proc *p);

/* SIGTERM, then SIGKILL after grace_ms; removes the record. */
CT_RESULT local_proc_stop(const char *workdir, const struct local_proc *p,
			  unsigned grace_ms);

/* All records in the workdir (caller frees *out). */
CT_RESULT local_proc_list(const char *workdir, struct local_proc **out,
			  size_t *n);

/* The last non-empty line of a process's log ("" if none or unreadable). */
void local_proc_log_tail(const char *workdir, const char *name, char *out,
			 size_t len);

/* The log path of a process name. */
CT_RESULT local_proc_log_path(const char *workdir, const char *name,
			      char *out, size_t len);

#endif
