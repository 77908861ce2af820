/*
 * local_proc_test.c - the process bookkeeping of `contrast local`: records,
 * readiness lines, foreground runs, and that a PID whose start time differs
 * from the record is never signalled.
 */
#include "ct_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../cmd/contrast/local_proc.h"

static char workdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(workdir, sizeof(workdir), "/tmp/ct-local-proc-XXXXXX");
	return mkdtemp(workdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	struct local_proc *procs;
	size_t n;
	if (ct_ok(local_proc_list(workdir, &procs, &n))) {
		for (size_t i = 0; i < n; i++)
			if (!ct_ok(local_proc_stop(workdir, &procs[i], 1000)))
				fprintf(stderr, "# cleanup: %s\n", ct_error_message());
		free(procs);
	}
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void spawn_wait_list_stop(void **state)
{
	(void)state;
	char *argv[] = { "sh", "-c", "echo starting; echo 'ready port=42'; exec sleep 60", NULL };
	char *env[] = { "CT_LOCAL_TEST=1", NULL };
	struct local_proc p;
	char line[128];
	assert_ct_ok(local_proc_spawn(workdir, "svc-a", argv, env, &p));
	assert_ct_ok(local_proc_wait_line(workdir, &p, "ready ", 10000, line, sizeof(line)));
	assert_string_equal(line, "ready port=42");
	assert_true(local_proc_alive(&p));

	struct local_proc *procs;
	size_t n;
	assert_ct_ok(local_proc_list(workdir, &procs, &n));
	assert_int_equal(n, 1);
	assert_string_equal(procs[0].name, "svc-a");
	assert_int_equal(procs[0].pid, p.pid);
	assert_true(procs[0].start_time == p.start_time);
	free(procs);

	assert_ct_ok(local_proc_stop(workdir, &p, 5000));
	assert_false(local_proc_alive(&p));
	assert_ct_ok(local_proc_list(workdir, &procs, &n));
	assert_int_equal(n, 0);
	free(procs);
}

static void exit_before_ready_is_named(void **state)
{
	(void)state;
	char *argv[] = { "sh", "-c", "echo 'bind: address in use' >&2; exit 3", NULL };
	struct local_proc p;
	assert_ct_ok(local_proc_spawn(workdir, "svc-b", argv, NULL, &p));
	assert_ct_err(local_proc_wait_line(workdir, &p, "ready", 10000, NULL, 0),
		      CT_ERR_IO);
	assert_error_contains("svc-b exited before it was ready: bind: address in use");
	assert_ct_ok(local_proc_stop(workdir, &p, 1000));
}

static void wait_times_out(void **state)
{
	(void)state;
	char *argv[] = { "sh", "-c", "echo working; exec sleep 60", NULL };
	struct local_proc p;
	assert_ct_ok(local_proc_spawn(workdir, "svc-c", argv, NULL, &p));
	assert_ct_err(local_proc_wait_line(workdir, &p, "ready", 200, NULL, 0), CT_ERR_IO);
	assert_error_contains("svc-c not ready after 200 ms: working");
	assert_ct_ok(local_proc_stop(workdir, &p, 5000));
}

static void foreground_run(void **state)
{
	(void)state;
	char *ok[] = { "sh", "-c", "exit 0", NULL };
	char *fail[] = { "sh", "-c", "printf 'first\\nlast line\\r\\n\\n'; exit 7", NULL };
	char *hang[] = { "sleep", "60", NULL };
	char *missing[] = { "/nonexistent/program", NULL };
	int status = -1;
	assert_ct_ok(local_proc_run(workdir, "run-ok", ok, NULL, 10000, &status));
	assert_int_equal(status, 0);
	assert_ct_ok(local_proc_run(workdir, "run-fail", fail, NULL, 10000, &status));
	assert_int_equal(status, 7);
	char tail[64];
	local_proc_log_tail(workdir, "run-fail", tail, sizeof(tail));
	assert_string_equal(tail, "last line");
	local_proc_log_tail(workdir, "never-ran", tail, sizeof(tail));
	assert_string_equal(tail, "");
	assert_ct_ok(local_proc_run(workdir, "run-missing", missing, NULL, 10000, &status));
	assert_int_equal(status, 127);
	assert_ct_err(local_proc_run(workdir, "run-hang", hang, NULL, 200, &status),
		      CT_ERR_IO);
	assert_error_contains("run-hang: still running after 200 ms, killed");
}

/* A record naming our own PID with another start time: a reused PID. */
static void reused_pid_is_not_signalled(void **state)
{
	(void)state;
	char dir[512], path[600], text[128];
	snprintf(dir, sizeof(dir), "%s/state/pids", workdir);
	assert_ct_ok(ct_mkdir_p(dir, 0700));
	snprintf(path, sizeof(path), "%s/stale.pid", dir);
	int n = snprintf(text, sizeof(text), "%d 1 stale\n", (int)getpid());
	assert_ct_ok(ct_file_write_atomic(path, (struct ct_span){ (uint8_t *)text, (size_t)n }, 0600));
	snprintf(path, sizeof(path), "%s/garbage.pid", dir);
	assert_ct_ok(ct_file_write_atomic(path, (struct ct_span){ (uint8_t *)"x y", 3 }, 0600));

	struct local_proc *procs;
	size_t count;
	assert_ct_ok(local_proc_list(workdir, &procs, &count));
	assert_int_equal(count, 1); /* the garbage record is ignored */
	assert_false(local_proc_alive(&procs[0]));
	/* Stopping it must not signal us (we would die of SIGTERM here). */
	assert_ct_ok(local_proc_stop(workdir, &procs[0], 100));
	free(procs);
	unlink(path);
}

static void bad_names_refused(void **state)
{
	(void)state;
	char *argv[] = { "true", NULL };
	struct local_proc p;
	assert_ct_err(local_proc_spawn(workdir, "../escape", argv, NULL, &p), CT_ERR_USAGE);
	assert_ct_err(local_proc_spawn(workdir, ".hidden", argv, NULL, &p), CT_ERR_USAGE);
	assert_ct_err(local_proc_spawn(workdir, "", argv, NULL, &p), CT_ERR_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(spawn_wait_list_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(exit_before_ready_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(wait_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(foreground_run, setup, teardown),
		cmocka_unit_test_setup_teardown(reused_pid_is_not_signalled, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_names_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
