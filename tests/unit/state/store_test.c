/*
 * store_test.c - lib/state store (directory backend) and history: keys,
 * immutability, compare-and-swap (also across processes), file modes,
 * and the corruption cases a restarted Coordinator must detect
 * (tampered object, missing object, wrong key, truncated head).
 */
#include "ct_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "crypto/crypto.h"
#include "state/state.h"

struct fx {
	char dir[64];
	struct ct_state_store *s;
	struct ct_seed_engine *e;
};

static void rm_rf(const char *dir)
{
	char *cmd = ct_aprintf("rm -rf '%s'", dir);
	assert_non_null(cmd);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ct-state-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	char *sub = ct_aprintf("%s/store", f->dir);
	assert_ct_ok(ct_state_store_open_dir(sub, &f->s));
	free(sub);
	uint8_t seed[CT_SEED_LEN], salt[CT_SEED_SALT_LEN];
	memset(seed, 7, sizeof(seed));
	memset(salt, 9, sizeof(salt));
	assert_ct_ok(ct_seed_engine_new(ct_span_make(seed, sizeof(seed)),
					ct_span_make(salt, sizeof(salt)), &f->e));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	ct_state_store_free(f->s);
	ct_seed_engine_free(f->e);
	rm_rf(f->dir);
	free(f);
	return 0;
}

static char *path_of(struct fx *f, const char *key)
{
	char *p = ct_aprintf("%s/store/%s", f->dir, key);
	assert_non_null(p);
	return p;
}

static void write_raw(struct fx *f, const char *key, const void *d, size_t n)
{
	char *p = path_of(f, key);
	FILE *fp = fopen(p, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(d, 1, n, fp), n);
	fclose(fp);
	free(p);
}

static char *hex_key(const char *dir, const uint8_t h[32])
{
	char hex[65];
	ct_hex_format(hex, h, 32);
	char *k = ct_aprintf("%s/%s", dir, hex);
	assert_non_null(k);
	return k;
}

static EVP_PKEY *signer(struct fx *f)
{
	return ct_seed_engine_signing_key(f->e);
}

/* Commits manifests "m0".."m<n-1>" and returns the head. */
static struct ct_history_latest commit_n(struct fx *f, int n)
{
	struct ct_history_latest head, *old = NULL;
	for (int i = 0; i < n; i++) {
		char m[32], pol[32];
		snprintf(m, sizeof(m), "{\"m\":%d}", i);
		snprintf(pol, sizeof(pol), "policy %d", i);
		struct ct_span p = ct_span_str(pol);
		assert_ct_ok(ct_history_commit(f->s, ct_span_str(m), &p, 1, old,
					       signer(f), &head));
		old = &head;
	}
	return head;
}

/* ------------------------------------------------------------------ keys */

static void test_keys(void **state)
{
	(void)state;
	assert_true(ct_state_key_valid("manifests/abc-DEF-09"));
	assert_true(ct_state_key_valid(CT_STATE_KEY_LATEST));
	const char *bad[] = { "", "manifests", "manifests/", "/x", "a/b/c",
			      "../x", "a/..", "a/b c", "a/b.c", "a/b\n",
			      "a//b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ct_state_key_valid(bad[i]));
	char longkey[CT_STATE_KEY_MAX + 8];
	memset(longkey, 'a', sizeof(longkey));
	longkey[1] = '/';
	longkey[sizeof(longkey) - 1] = '\0';
	assert_false(ct_state_key_valid(longkey));
}

static void test_bad_key_refused(void **state)
{
	struct fx *f = *state;
	assert_ct_err(ct_state_store_put(f->s, "../escape", ct_span_str("x")),
		      CT_ERR_USAGE);
	struct ct_buf b;
	ct_buf_init(&b, 64);
	bool found;
	assert_ct_err(ct_state_store_get(f->s, "a/../../etc", &b, &found),
		      CT_ERR_USAGE);
	ct_buf_dispose(&b);
}

/* ---------------------------------------------------------------- store */

static void test_put_get_idempotent(void **state)
{
	struct fx *f = *state;
	struct ct_buf b;
	ct_buf_init(&b, 1024);
	bool found = true;
	assert_ct_ok(ct_state_store_get(f->s, "test/a", &b, &found));
	assert_false(found);
	assert_ct_ok(ct_state_store_put(f->s, "test/a", ct_span_str("hello")));
	assert_ct_ok(ct_state_store_put(f->s, "test/a", ct_span_str("hello")));
	assert_ct_ok(ct_state_store_get(f->s, "test/a", &b, &found));
	assert_true(found);
	assert_string_equal(ct_buf_cstr(&b), "hello");
	/* Immutable: different bytes under an existing key are refused. */
	assert_ct_err(ct_state_store_put(f->s, "test/a", ct_span_str("other")),
		      CT_ERR_PROTO);
	assert_error_contains("different content");
	/* The head only moves by CAS. */
	assert_ct_err(ct_state_store_put(f->s, CT_STATE_KEY_LATEST,
					 ct_span_str("x")),
		      CT_ERR_USAGE);
	ct_buf_dispose(&b);
}

static void test_modes(void **state)
{
	struct fx *f = *state;
	assert_ct_ok(ct_state_store_put(f->s, "test/m", ct_span_str("x")));
	struct stat st;
	char *p = path_of(f, "test/m");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(p);
	p = path_of(f, "test");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	free(p);
	char *root = ct_aprintf("%s/store", f->dir);
	assert_int_equal(stat(root, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	free(root);
}

static void test_get_bounded(void **state)
{
	struct fx *f = *state;
	assert_ct_ok(ct_state_store_put(f->s, "test/big",
					ct_span_str("0123456789")));
	struct ct_buf b;
	ct_buf_init(&b, 4); /* caller's bound is smaller than the object */
	bool found = true;
	ct_result r = ct_state_store_get(f->s, "test/big", &b, &found);
	assert_int_equal(r.err, CT_ERR_LIMIT);
	assert_false(found);
	assert_int_equal(b.len, 0);
	ct_buf_dispose(&b);
	/* A symlink planted in the store is not followed. */
	char *p = path_of(f, "test/link");
	assert_int_equal(symlink("/etc/hostname", p), 0);
	ct_buf_init(&b, 1024);
	assert_ct_err(ct_state_store_get(f->s, "test/link", &b, &found),
		      CT_ERR_IO);
	ct_buf_dispose(&b);
	free(p);
	/* A directory where an object should be is not an object. */
	p = path_of(f, "test/dir");
	assert_int_equal(mkdir(p, 0700), 0);
	ct_buf_init(&b, 1024);
	assert_ct_err(ct_state_store_get(f->s, "test/dir", &b, &found),
		      CT_ERR_PROTO);
	assert_error_contains("not a regular file");
	ct_buf_dispose(&b);
	free(p);
	/* A store rooted at a file cannot be opened. */
	p = path_of(f, "test/big");
	struct ct_state_store *s2 = NULL;
	assert_ct_err(ct_state_store_open_dir(p, &s2), CT_ERR_IO);
	assert_null(s2);
	free(p);
}

static void test_cas(void **state)
{
	struct fx *f = *state;
	struct ct_span a = ct_span_str("A"), b = ct_span_str("B");
	assert_ct_ok(ct_state_store_cas(f->s, "test/head", NULL, a));
	/* Expecting "absent" when it exists: conflict. */
	assert_ct_err(ct_state_store_cas(f->s, "test/head", NULL, b),
		      CT_ERR_POLICY);
	assert_error_contains("has changed since last read");
	/* Stale old value: conflict, value unchanged. */
	assert_ct_err(ct_state_store_cas(f->s, "test/head", &b, b),
		      CT_ERR_POLICY);
	assert_ct_ok(ct_state_store_cas(f->s, "test/head", &a, b));
	struct ct_buf v;
	ct_buf_init(&v, 16);
	bool found;
	assert_ct_ok(ct_state_store_get(f->s, "test/head", &v, &found));
	assert_string_equal(ct_buf_cstr(&v), "B");
	ct_buf_dispose(&v);
}

/* N processes increment a counter by read + CAS; none may be lost. */
static void test_cas_processes(void **state)
{
	struct fx *f = *state;
	enum { PROCS = 4, INCS = 40 };
	assert_ct_ok(ct_state_store_cas(f->s, "test/counter", NULL,
					ct_span_str("0")));
	pid_t pids[PROCS];
	for (int i = 0; i < PROCS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] != 0)
			continue;
		struct ct_state_store *s = NULL;
		char *root = ct_aprintf("%s/store", f->dir);
		if (!ct_ok(ct_state_store_open_dir(root, &s)))
			_exit(2);
		for (int n = 0; n < INCS;) {
			struct ct_buf cur;
			ct_buf_init(&cur, 32);
			bool found;
			if (!ct_ok(ct_state_store_get(s, "test/counter", &cur,
						      &found)) || !found)
				_exit(3);
			uint64_t v;
			if (!ct_ok(ct_parse_u64(ct_buf_cstr(&cur), 1000000, &v)))
				_exit(4);
			char next[32];
			snprintf(next, sizeof(next), "%llu",
				 (unsigned long long)v + 1);
			struct ct_span old = ct_buf_span(&cur);
			ct_result r = ct_state_store_cas(s, "test/counter", &old,
							 ct_span_str(next));
			ct_buf_dispose(&cur);
			if (ct_ok(r))
				n++;
			else if (r.err != CT_ERR_POLICY)
				_exit(5);
		}
		ct_state_store_free(s);
		free(root);
		_exit(0);
	}
	for (int i = 0; i < PROCS; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	struct ct_buf v;
	ct_buf_init(&v, 32);
	bool found;
	assert_ct_ok(ct_state_store_get(f->s, "test/counter", &v, &found));
	char want[16];
	snprintf(want, sizeof(want), "%d", PROCS * INCS);
	assert_string_equal(ct_buf_cstr(&v), want);
	ct_buf_dispose(&v);
}

/* -------------------------------------------------------------- history */

static void test_history_roundtrip(void **state)
{
	struct fx *f = *state;
	struct ct_history_latest l;
	bool found = true;
	assert_ct_ok(ct_history_get_latest(f->s, signer(f), &l, &found));
	assert_false(found);
	uint64_t gen = 99;
	assert_ct_ok(ct_history_verify(f->s, signer(f), 0, &gen));
	assert_int_equal(gen, 0);

	struct ct_history_latest head = commit_n(f, 3);
	assert_ct_ok(ct_history_get_latest(f->s, signer(f), &l, &found));
	assert_true(found);
	assert_memory_equal(l.transition, head.transition, 32);

	struct ct_history_entry *v = NULL;
	size_t n = 0;
	assert_ct_ok(ct_history_walk(f->s, l.transition, 0, &v, &n));
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		char m[32];
		snprintf(m, sizeof(m), "{\"m\":%zu}", i);
		uint8_t h[32];
		assert_ct_ok(ct_sha256(h, ct_span_str(m)));
		assert_memory_equal(v[i].manifest, h, 32);
		struct ct_buf b;
		ct_buf_init(&b, 1024);
		assert_ct_ok(ct_history_get_manifest(f->s, h, &b));
		assert_string_equal(ct_buf_cstr(&b), m);
		ct_buf_dispose(&b);
		if (i == 0)
			assert_true(ct_span_is_zero(ct_span_make(v[0].previous, 32)));
		else
			assert_memory_equal(v[i].previous, v[i - 1].transition,
					    32);
	}
	free(v);
	/* The policy objects are there and hash-checked. */
	uint8_t ph[32];
	assert_ct_ok(ct_sha256(ph, ct_span_str("policy 1")));
	struct ct_buf b;
	ct_buf_init(&b, 64);
	assert_ct_ok(ct_history_get_policy(f->s, ph, &b));
	assert_string_equal(ct_buf_cstr(&b), "policy 1");
	ct_buf_dispose(&b);

	assert_ct_ok(ct_history_verify(f->s, signer(f), 0, &gen));
	assert_int_equal(gen, 3);
	/* A bound below the length is a limit error, not a silent cut. */
	assert_ct_err(ct_history_verify(f->s, signer(f), 2, &gen), CT_ERR_LIMIT);
}

static void test_history_tampered_manifest(void **state)
{
	struct fx *f = *state;
	commit_n(f, 2);
	uint8_t h[32];
	assert_ct_ok(ct_sha256(h, ct_span_str("{\"m\":0}")));
	char *key = hex_key("manifests", h);
	write_raw(f, key, "{\"m\":9}", 7);
	struct ct_buf b;
	ct_buf_init(&b, 64);
	assert_ct_err(ct_history_get_manifest(f->s, h, &b), CT_ERR_PROTO);
	assert_error_contains("hash mismatch");
	assert_error_contains(key);
	assert_int_equal(b.len, 0);
	ct_buf_dispose(&b);
	uint64_t gen;
	assert_ct_err(ct_history_verify(f->s, signer(f), 0, &gen), CT_ERR_PROTO);
	assert_error_contains("hash mismatch");
	free(key);
}

static void test_history_missing_transition(void **state)
{
	struct fx *f = *state;
	struct ct_history_latest head = commit_n(f, 3);
	struct ct_history_entry e;
	assert_ct_ok(ct_history_get_transition(f->s, head.transition, &e));
	char *key = hex_key("transitions", e.previous);
	char *p = path_of(f, key);
	assert_int_equal(unlink(p), 0);
	uint64_t gen;
	assert_ct_err(ct_history_verify(f->s, signer(f), 0, &gen), CT_ERR_PROTO);
	assert_error_contains("missing");
	assert_error_contains(key);
	free(p);
	free(key);
}

static void test_history_short_transition(void **state)
{
	struct fx *f = *state;
	/* A 63-byte object stored under its own hash is still refused. */
	uint8_t t[63] = { 1 };
	uint8_t h[32];
	assert_ct_ok(ct_sha256(h, ct_span_make(t, sizeof(t))));
	char *key = hex_key("transitions", h);
	assert_ct_ok(ct_state_store_put(f->s, key, ct_span_make(t, sizeof(t))));
	struct ct_history_entry e;
	assert_ct_err(ct_history_get_transition(f->s, h, &e), CT_ERR_PROTO);
	assert_error_contains("want 64");
	free(key);
}

static void test_history_wrong_key(void **state)
{
	struct fx *f = *state;
	commit_n(f, 1);
	uint8_t seed[CT_SEED_LEN], salt[CT_SEED_SALT_LEN];
	memset(seed, 1, sizeof(seed));
	memset(salt, 9, sizeof(salt));
	struct ct_seed_engine *other = NULL;
	assert_ct_ok(ct_seed_engine_new(ct_span_make(seed, sizeof(seed)),
					ct_span_make(salt, sizeof(salt)), &other));
	struct ct_history_latest l;
	bool found = true;
	assert_ct_err(ct_history_get_latest(f->s,
					    ct_seed_engine_signing_key(other),
					    &l, &found),
		      CT_ERR_CRYPTO);
	assert_error_contains("signature does not verify");
	assert_false(found);
	/* Unverified read still works (sealed Coordinator). */
	assert_ct_ok(ct_history_get_latest(f->s, NULL, &l, &found));
	assert_true(found);
	/* A head signed by someone else is refused with the right key. */
	uint8_t mh[32], th[32];
	assert_ct_ok(ct_history_put_manifest(f->s, ct_span_str("{}"), mh));
	assert_ct_ok(ct_history_put_transition(f->s, mh, l.transition, th));
	assert_ct_ok(ct_history_set_latest(f->s, &l, th,
					   ct_seed_engine_signing_key(other),
					   NULL));
	assert_ct_err(ct_history_get_latest(f->s, signer(f), &l, &found),
		      CT_ERR_CRYPTO);
	ct_seed_engine_free(other);
}

static void test_history_bad_latest(void **state)
{
	struct fx *f = *state;
	struct ct_history_latest head = commit_n(f, 1);
	uint8_t v[CT_STATE_LATEST_MAX + 8];
	memcpy(v, head.transition, 32);
	memcpy(v + 32, head.sig, head.sig_len);
	struct ct_history_latest l;
	bool found;
	/* Truncated: hash only, and hash + half a signature. */
	size_t cuts[] = { 0, 10, 32, 32 + head.sig_len / 2,
			  32 + head.sig_len - 1 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		write_raw(f, CT_STATE_KEY_LATEST, v, cuts[i]);
		assert_ct_err(ct_history_get_latest(f->s, signer(f), &l, &found),
			      CT_ERR_PROTO);
		assert_false(found);
	}
	/* Trailing garbage after the DER signature. */
	v[32 + head.sig_len] = 0;
	write_raw(f, CT_STATE_KEY_LATEST, v, 32 + head.sig_len + 1);
	assert_ct_err(ct_history_get_latest(f->s, signer(f), &l, &found),
		      CT_ERR_PROTO);
	/* Too long. */
	memset(v + 32, 0x30, sizeof(v) - 32);
	write_raw(f, CT_STATE_KEY_LATEST, v, sizeof(v));
	assert_ct_err(ct_history_get_latest(f->s, signer(f), &l, &found),
		      CT_ERR_PROTO);
	/* Flipped hash byte with the original signature: does not verify. */
	memcpy(v + 32, head.sig, head.sig_len);
	v[0] ^= 1;
	write_raw(f, CT_STATE_KEY_LATEST, v, 32 + head.sig_len);
	assert_ct_err(ct_history_get_latest(f->s, signer(f), &l, &found),
		      CT_ERR_CRYPTO);
}

static void test_history_cas_conflict(void **state)
{
	struct fx *f = *state;
	struct ct_history_latest h1 = commit_n(f, 1);
	struct ct_history_latest h2;
	assert_ct_ok(ct_history_commit(f->s, ct_span_str("{\"x\":1}"), NULL, 0,
				       &h1, signer(f), &h2));
	/* A second writer still holding h1 loses. */
	assert_ct_err(ct_history_commit(f->s, ct_span_str("{\"x\":2}"), NULL, 0,
					&h1, signer(f), NULL),
		      CT_ERR_POLICY);
	assert_error_contains("has changed since last read");
	/* And "no history yet" loses too. */
	assert_ct_err(ct_history_commit(f->s, ct_span_str("{\"x\":3}"), NULL, 0,
					NULL, signer(f), NULL),
		      CT_ERR_POLICY);
	struct ct_history_latest l;
	bool found;
	assert_ct_ok(ct_history_get_latest(f->s, signer(f), &l, &found));
	assert_memory_equal(l.transition, h2.transition, 32);
}

static void test_history_latest_needs_object(void **state)
{
	struct fx *f = *state;
	uint8_t nothing[32];
	memset(nothing, 0xab, sizeof(nothing));
	assert_ct_err(ct_history_set_latest(f->s, NULL, nothing, signer(f),
					    NULL),
		      CT_ERR_USAGE);
	assert_error_contains("missing");
	struct ct_history_latest l;
	bool found = true;
	assert_ct_ok(ct_history_get_latest(f->s, NULL, &l, &found));
	assert_false(found);
}

static void test_history_wrong_key_type(void **state)
{
	struct fx *f = *state;
	EVP_PKEY *p256 = EVP_EC_gen("P-256");
	assert_non_null(p256);
	assert_ct_err(ct_history_commit(f->s, ct_span_str("{}"), NULL, 0, NULL,
					p256, NULL),
		      CT_ERR_USAGE);
	EVP_PKEY_free(p256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test_setup_teardown(test_bad_key_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_get_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_processes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_tampered_manifest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_missing_transition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_short_transition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_bad_latest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_cas_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_latest_needs_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_wrong_key_type, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
