/*
 * crash_test.c - kill -9 at random points of history updates.
 *
 * A child process commits manifests in a loop; the parent waits until
 * the child reports a random number of finished updates through a pipe,
 * lets it run on for a random fraction of a millisecond (so the kill
 * lands anywhere inside the next update: policy, manifest, transition,
 * temp file, rename, lock) and sends SIGKILL. After every kill the
 * history must reopen, its head must verify, the whole chain must walk,
 * and the generation must never go back; the next child continues from
 * there. Bounded: at most CRASH_ROUNDS kills and CRASH_TARGET updates.
 */
#include "ct_test.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "state/state.h"

#define CRASH_TARGET 200u
#define CRASH_ROUNDS 80u

static char root[64];

static struct ct_seed_engine *engine(void)
{
	uint8_t seed[CT_SEED_LEN], salt[CT_SEED_SALT_LEN];
	memset(seed, 0x5a, sizeof(seed));
	memset(salt, 0xa5, sizeof(salt));
	struct ct_seed_engine *e = NULL;
	if (!ct_ok(ct_seed_engine_new(ct_span_make(seed, sizeof(seed)),
				      ct_span_make(salt, sizeof(salt)), &e)))
		return NULL;
	return e;
}

/* The child: commit forever, one byte to `fd` after each update. */
static void child(int fd)
{
	struct ct_seed_engine *e = engine();
	struct ct_state_store *s = NULL;
	if (e == NULL || !ct_ok(ct_state_store_open_dir(root, &s)))
		_exit(2);
	EVP_PKEY *k = ct_seed_engine_signing_key(e);
	for (;;) {
		struct ct_history_latest head;
		bool found = false;
		uint64_t gen = 0;
		if (!ct_ok(ct_history_get_latest(s, k, &head, &found)) ||
		    !ct_ok(ct_history_verify(s, k, 0, &gen)))
			_exit(3);
		char m[96], pol[64];
		snprintf(m, sizeof(m), "{\"generation\":%llu,\"pid\":%d}",
			 (unsigned long long)gen, (int)getpid());
		snprintf(pol, sizeof(pol), "policy for %llu",
			 (unsigned long long)gen);
		struct ct_span p = ct_span_str(pol);
		if (!ct_ok(ct_history_commit(s, ct_span_str(m), &p, 1,
					     found ? &head : NULL, k, NULL)))
			_exit(4);
		uint8_t one = 1;
		if (write(fd, &one, 1) != 1)
			_exit(5);
	}
}

static void test_crash(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/ct-crash-test.XXXXXX");
	assert_non_null(mkdtemp(root));
	struct ct_seed_engine *e = engine();
	assert_non_null(e);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	uint64_t gen = 0, kills = 0;
	for (unsigned round = 0; round < CRASH_ROUNDS && gen < CRASH_TARGET;
	     round++) {
		int p[2];
		assert_int_equal(pipe(p), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			child(p[1]);
		}
		close(p[1]);
		/* Wait for 0..4 finished updates, then a random delay. */
		int want = rand() % 5;
		for (int got = 0; got < want;) {
			uint8_t b;
			ssize_t n = read(p[0], &b, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n != 1)
				break; /* child died: reported below */
			got++;
		}
		struct timespec ts = { 0, (long)(rand() % 3000) * 1000L };
		nanosleep(&ts, NULL); /* crash injection, not synchronisation */
		kill(pid, SIGKILL);
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		close(p[0]);
		if (WIFEXITED(st))
			fail_msg("child exited with %d before the kill",
				 WEXITSTATUS(st));
		kills++;

		/* Reopen, verify the head and the whole chain. */
		struct ct_state_store *s = NULL;
		assert_ct_ok(ct_state_store_open_dir(root, &s));
		uint64_t now = 0;
		ct_result r = ct_history_verify(s, ct_seed_engine_signing_key(e),
						0, &now);
		if (!ct_ok(r))
			fail_msg("round %u: history does not verify after kill: %s",
				 round, ct_error_message());
		assert_true(now >= gen);
		gen = now;
		ct_state_store_free(s);
	}
	/* Finish the last stretch without kills, then a final check. */
	struct ct_state_store *s = NULL;
	assert_ct_ok(ct_state_store_open_dir(root, &s));
	EVP_PKEY *k = ct_seed_engine_signing_key(e);
	while (gen < CRASH_TARGET) {
		struct ct_history_latest head;
		bool found = false;
		assert_ct_ok(ct_history_get_latest(s, k, &head, &found));
		char m[64];
		snprintf(m, sizeof(m), "{\"tail\":%llu}", (unsigned long long)gen);
		assert_ct_ok(ct_history_commit(s, ct_span_str(m), NULL, 0,
					       found ? &head : NULL, k, NULL));
		gen++;
	}
	uint64_t final = 0;
	assert_ct_ok(ct_history_verify(s, k, 0, &final));
	assert_int_equal(final, gen);
	print_message("# %llu kills, %llu transitions verified\n",
		      (unsigned long long)kills, (unsigned long long)final);
	ct_state_store_free(s);
	ct_seed_engine_free(e);
	char *cmd = ct_aprintf("rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
