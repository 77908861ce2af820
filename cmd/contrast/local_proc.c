/*
 * local_proc.c - start, find, watch and stop the processes of local mode.
 *
 * Trust boundary: the pid records live in the user's own work directory;
 * a corrupted record can at worst name a PID, and a PID is only signalled
 * when its /proc start time equals the recorded one, so `down` cannot hit
 * a process local mode did not start.
 */
#include "local_proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PATH_LEN 4096u
#define STAT_MAX 4096u
#define RECORD_MAX 512u
#define LOG_TAIL_MAX ((size_t)1 << 20)
#define LOG_FILE_MAX ((size_t)16 << 20) /* a whole log, for its last line */
#define POLL_MS 50u

static CT_RESULT join(char *out, size_t len, const char *a, const char *b,
		      const char *c)
{
	int n = snprintf(out, len, "%s/%s%s", a, b, c);
	CT_ENSURE(n > 0 && (size_t)n < len, CT_ERR_USAGE, "path too long: %s/%s%s",
		  a, b, c);
	return CT_OK;
}

ct_result local_proc_log_path(const char *workdir, const char *name,
			      char *out, size_t len)
{
	char dir[PATH_LEN];
	CT_GUARD(join(dir, sizeof(dir), workdir, "logs", ""));
	CT_GUARD(join(out, len, dir, name, ".log"));
	return CT_OK;
}

static CT_RESULT record_path(const char *workdir, const char *name, char *out,
			     size_t len)
{
	char dir[PATH_LEN];
	CT_GUARD(join(dir, sizeof(dir), workdir, "state/pids", ""));
	CT_GUARD(join(out, len, dir, name, ".pid"));
	return CT_OK;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000u, (long)(ms % 1000u) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Start time (clock ticks since boot) and state letter of a PID. */
static bool read_stat(pid_t pid, unsigned long long *start, char *state)
{
	char path[64], text[STAT_MAX];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return false;
	text[n] = '\0';
	char *p = strrchr(text, ')'); /* comm may hold spaces and parens */
	if (!p || p[1] != ' ')
		return false;
	p += 2;
	*state = *p;
	/* Fields after ")": state is field 3, starttime is field 22. */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return false;
		p++;
	}
	char *end;
	errno = 0;
	*start = strtoull(p, &end, 10);
	return errno == 0 && end != p;
}

bool local_proc_alive(const struct local_proc *p)
{
	unsigned long long start;
	char state;
	if (p->pid <= 0 || !read_stat(p->pid, &start, &state))
		return false;
	return start == p->start_time && state != 'Z' && state != 'X';
}

static CT_RESULT write_record(const char *workdir, const struct local_proc *p)
{
	char dir[PATH_LEN], path[PATH_LEN], text[RECORD_MAX];
	CT_GUARD(join(dir, sizeof(dir), workdir, "state/pids", ""));
	CT_GUARD(ct_mkdir_p(dir, 0700));
	CT_GUARD(record_path(workdir, p->name, path, sizeof(path)));
	int n = snprintf(text, sizeof(text), "%d %llu %s\n", (int)p->pid,
			 p->start_time, p->name);
	CT_ENSURE(n > 0 && (size_t)n < sizeof(text), CT_ERR_USAGE, "name too long");
	return ct_file_write_atomic(path, (struct ct_span){ (const uint8_t *)text,
							    (size_t)n }, 0600);
}

static CT_RESULT check_name(const char *name)
{
	size_t len = strlen(name);
	CT_ENSURE(len > 0 && len < LOCAL_NAME_MAX, CT_ERR_USAGE,
		  "process name must have 1..%u bytes", LOCAL_NAME_MAX - 1);
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		CT_ENSURE((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.',
			  CT_ERR_USAGE, "process name \"%s\": only [A-Za-z0-9._-]", name);
	}
	CT_ENSURE(name[0] != '.', CT_ERR_USAGE, "process name \"%s\" starts with '.'",
		  name);
	return CT_OK;
}

/* fork + exec with stdio to the log; `detach` starts a new session. */
static CT_RESULT start_child(const char *workdir, const char *name,
			     char *const argv[], char *const env[], bool detach,
			     pid_t *pid_out)
{
	char logdir[PATH_LEN], log[PATH_LEN];
	CT_GUARD(check_name(name));
	CT_GUARD(join(logdir, sizeof(logdir), workdir, "logs", ""));
	CT_GUARD(ct_mkdir_p(logdir, 0700));
	CT_GUARD(local_proc_log_path(workdir, name, log, sizeof(log)));
	int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	CT_ENSURE(logfd >= 0, CT_ERR_IO, "%s: %s", log, strerror(errno));
	int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nullfd < 0) {
		close(logfd);
		return CT_FAIL(CT_ERR_IO, "/dev/null: %s", strerror(errno));
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (detach) {
			/* The child records itself: even if `up` is killed right
			 * after fork, nothing it started goes unrecorded. */
			struct local_proc self = { .pid = getpid() };
			char state;
			setsid();
			snprintf(self.name, sizeof(self.name), "%s", name);
			if (!read_stat(self.pid, &self.start_time, &state) ||
			    !ct_ok(write_record(workdir, &self))) {
				dprintf(2, "contrast local: cannot record %s\n", name);
				_exit(127);
			}
		}
		dup2(nullfd, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		for (size_t i = 0; env && env[i]; i++)
			putenv(env[i]);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		dprintf(2, "contrast local: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	int fork_errno = errno;
	close(logfd);
	close(nullfd);
	CT_ENSURE(pid > 0, CT_ERR_IO, "fork: %s", strerror(fork_errno));
	*pid_out = pid;
	return CT_OK;
}

ct_result local_proc_spawn(const char *workdir, const char *name,
			   char *const argv[], char *const env[],
			   struct local_proc *out)
{
	memset(out, 0, sizeof(*out));
	CT_GUARD(start_child(workdir, name, argv, env, true, &out->pid));
	snprintf(out->name, sizeof(out->name), "%s", name);
	char state;
	if (!read_stat(out->pid, &out->start_time, &state))
		return CT_FAIL(CT_ERR_IO, "%s: exited at once (see its log)", name);
	/* The child wrote the same record before exec (it survives our being
	 * killed); writing it here as well means it exists when we return. */
	return write_record(workdir, out);
}

/* Copies the last non-empty line of text into out. */
static void last_line(struct ct_span text, char *out, size_t len)
{
	size_t end = text.len;
	while (end > 0 && (text.ptr[end - 1] == '\n' || text.ptr[end - 1] == '\r'))
		end--;
	size_t start = end;
	while (start > 0 && text.ptr[start - 1] != '\n')
		start--;
	size_t n = end - start < len - 1 ? end - start : len - 1;
	if (n > 0) /* text.ptr is NULL for an empty log */
		memcpy(out, text.ptr + start, n);
	out[n] = '\0';
}

void local_proc_log_tail(const char *workdir, const char *name, char *out,
			 size_t len)
{
	char log[PATH_LEN];
	struct ct_buf text;

	out[0] = '\0';
	ct_buf_init(&text, LOG_FILE_MAX);
	if (ct_ok(local_proc_log_path(workdir, name, log, sizeof(log))) &&
	    ct_ok(ct_file_read(&text, log, LOG_FILE_MAX)))
		last_line(ct_buf_span(&text), out, len);
	else
		ct_error_clear();
	ct_buf_dispose(&text);
}

/* Finds a line starting with prefix; copies it (without newline). */
static bool find_line(struct ct_span text, const char *prefix, char *out,
		      size_t len)
{
	size_t plen = strlen(prefix);
	size_t i = 0;
	while (i < text.len) {
		const uint8_t *nl = memchr(text.ptr + i, '\n', text.len - i);
		size_t end = nl ? (size_t)(nl - text.ptr) : text.len;
		if (!nl)
			return false; /* an unfinished line may still grow */
		if (end - i >= plen && memcmp(text.ptr + i, prefix, plen) == 0) {
			if (out) {
				size_t n = end - i < len - 1 ? end - i : len - 1;
				memcpy(out, text.ptr + i, n);
				out[n] = '\0';
			}
			return true;
		}
		i = end + 1;
	}
	return false;
}

/* True once our child has exited (reaps it); false for a non-child. */
static bool child_exited(pid_t pid)
{
	int status;
	return waitpid(pid, &status, WNOHANG) == pid;
}

ct_result local_proc_wait_line(const char *workdir, const struct local_proc *p,
			       const char *prefix, unsigned timeout_ms,
			       char *line_out, size_t line_len)
{
	char log[PATH_LEN], last[LOCAL_LINE_MAX] = "";
	struct ct_buf text;
	uint64_t deadline = now_ms() + timeout_ms;
	ct_result res = CT_OK;

	CT_GUARD(local_proc_log_path(workdir, p->name, log, sizeof(log)));
	ct_buf_init(&text, LOG_TAIL_MAX);
	for (;;) {
		text.len = 0;
		bool exited = child_exited(p->pid) || !local_proc_alive(p);
		if (ct_ok(ct_file_read(&text, log, LOG_TAIL_MAX)) &&
		    find_line(ct_buf_span(&text), prefix, line_out, line_len))
			break;
		last_line(ct_buf_span(&text), last, sizeof(last));
		CT_TRY_ENSURE(!exited, CT_ERR_IO, "%s exited before it was ready: %s",
			      p->name, last[0] ? last : "(no output)");
		CT_TRY_ENSURE(now_ms() < deadline, CT_ERR_IO,
			      "%s not ready after %u ms: %s", p->name, timeout_ms,
			      last[0] ? last : "(no output)");
		sleep_ms(POLL_MS);
	}
out:
	ct_buf_dispose(&text);
	return res;
}

ct_result local_proc_run(const char *workdir, const char *name,
			 char *const argv[], char *const env[],
			 unsigned timeout_ms, int *exit_status)
{
	pid_t pid;
	int status;
	uint64_t deadline = now_ms() + timeout_ms;
	CT_GUARD(start_child(workdir, name, argv, env, false, &pid));
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return CT_FAIL(CT_ERR_IO, "%s: waitpid: %s", name, strerror(errno));
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return CT_FAIL(CT_ERR_IO, "%s: still running after %u ms, killed",
				       name, timeout_ms);
		}
		sleep_ms(POLL_MS);
	}
	*exit_status = WIFEXITED(status) ? WEXITSTATUS(status)
					 : 128 + WTERMSIG(status);
	return CT_OK;
}

ct_result local_proc_stop(const char *workdir, const struct local_proc *p,
			  unsigned grace_ms)
{
	char path[PATH_LEN];
	CT_GUARD(record_path(workdir, p->name, path, sizeof(path)));
	if (local_proc_alive(p)) {
		kill(p->pid, SIGTERM);
		uint64_t deadline = now_ms() + grace_ms;
		while ((local_proc_alive(p) && !child_exited(p->pid)) &&
		       now_ms() < deadline)
			sleep_ms(POLL_MS);
		if (local_proc_alive(p) && !child_exited(p->pid)) {
			ct_log_warn("%s (pid %d) ignored SIGTERM for %u ms; killing",
				    p->name, (int)p->pid, grace_ms);
			kill(p->pid, SIGKILL);
			for (int i = 0; i < 40 && local_proc_alive(p) &&
					!child_exited(p->pid); i++)
				sleep_ms(POLL_MS);
		}
	}
	if (unlink(path) != 0 && errno != ENOENT)
		return CT_FAIL(CT_ERR_IO, "%s: %s", path, strerror(errno));
	return CT_OK;
}

/* Parses "PID STARTTIME NAME\n". */
static CT_RESULT parse_record(struct ct_span text, struct local_proc *p)
{
	char line[RECORD_MAX];
	CT_ENSURE(text.len > 0 && text.len < sizeof(line), CT_ERR_PROTO,
		  "pid record: bad size %zu", text.len);
	memcpy(line, text.ptr, text.len);
	line[text.len] = '\0';
	char *nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	CT_ENSURE(sp2, CT_ERR_PROTO, "pid record: want \"PID STARTTIME NAME\"");
	*sp1 = '\0';
	*sp2 = '\0';
	uint64_t pid, start;
	CT_GUARD(ct_parse_u64(line, 4194304, &pid));
	CT_GUARD(ct_parse_u64(sp1 + 1, UINT64_MAX, &start));
	CT_GUARD(check_name(sp2 + 1));
	CT_ENSURE(pid > 1, CT_ERR_PROTO, "pid record: PID %llu",
		  (unsigned long long)pid);
	p->pid = (pid_t)pid;
	p->start_time = start;
	snprintf(p->name, sizeof(p->name), "%s", sp2 + 1);
	return CT_OK;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct local_proc *)a)->name,
		      ((const struct local_proc *)b)->name);
}

ct_result local_proc_list(const char *workdir, struct local_proc **out,
			  size_t *n)
{
	char dir[PATH_LEN], path[PATH_LEN];
	struct local_proc *procs = NULL;
	size_t count = 0;
	*out = NULL;
	*n = 0;
	CT_GUARD(join(dir, sizeof(dir), workdir, "state/pids", ""));
	DIR *d = opendir(dir);
	if (!d) {
		CT_ENSURE(errno == ENOENT, CT_ERR_IO, "%s: %s", dir, strerror(errno));
		return CT_OK;
	}
	procs = calloc(LOCAL_PROCS_MAX, sizeof(*procs));
	if (!procs) {
		closedir(d);
		return CT_FAIL(CT_ERR_NOMEM, "out of memory");
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL && count < LOCAL_PROCS_MAX) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".pid") != 0)
			continue;
		struct ct_buf text;
		ct_buf_init(&text, RECORD_MAX);
		if (ct_ok(join(path, sizeof(path), dir, e->d_name, "")) &&
		    ct_ok(ct_file_read(&text, path, RECORD_MAX)) &&
		    ct_ok(parse_record(ct_buf_span(&text), &procs[count])))
			count++;
		else
			ct_log_warn("ignoring pid record %s: %s", e->d_name,
				    ct_error_message());
		ct_buf_dispose(&text);
	}
	closedir(d);
	qsort(procs, count, sizeof(*procs), by_name);
	*out = procs;
	*n = count;
	return CT_OK;
}
