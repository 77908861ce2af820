/* file_test.c - bounded reads and atomic, durable writes. */
#include "ct_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/ct-file-test-XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_then_read(void **state)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/a.json", dir);
	assert_ct_ok(ct_file_write_atomic(path, ct_span_str("{\"a\":1}"), 0600));
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	struct ct_buf b;
	ct_buf_init(&b, 100);
	assert_ct_ok(ct_file_read(&b, path, 100));
	assert_string_equal(ct_buf_cstr(&b), "{\"a\":1}");
	ct_buf_dispose(&b);

	/* Replace: the content changes, no temporary file is left behind. */
	assert_ct_ok(ct_file_write_atomic(path, ct_span_str("new"), 0644));
	ct_buf_init(&b, 100);
	assert_ct_ok(ct_file_read(&b, path, 100));
	assert_string_equal(ct_buf_cstr(&b), "new");
	ct_buf_dispose(&b);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
}

static void read_limits(void **state)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/big", dir);
	assert_ct_ok(ct_file_write_atomic(path, ct_span_str("0123456789"), 0600));
	struct ct_buf b;
	ct_buf_init(&b, 100);
	assert_ct_err(ct_file_read(&b, path, 9), CT_ERR_LIMIT);
	assert_error_contains("limit is 9");
	assert_int_equal(b.len, 0);
	assert_ct_err(ct_file_read(&b, "/nonexistent/x", 9), CT_ERR_IO);
	assert_error_contains("/nonexistent/x");
	assert_ct_err(ct_file_read(&b, dir, 9), CT_ERR_IO);
	ct_buf_dispose(&b);
}

static void write_into_missing_dir_fails(void **state)
{
	assert_ct_err(ct_file_write_atomic("/nonexistent/dir/f", ct_span_str("x"),
					   0600),
		      CT_ERR_IO);
}

static void mkdir_p_nested(void **state)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/x/y/z", dir);
	assert_ct_ok(ct_mkdir_p(path, 0700));
	assert_ct_ok(ct_mkdir_p(path, 0700));
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	char file[600];
	snprintf(file, sizeof(file), "%s/f", path);
	assert_ct_ok(ct_file_write_atomic(file, ct_span_str("x"), 0600));
	assert_ct_err(ct_mkdir_p(file, 0700), CT_ERR_IO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(write_then_read),
		cmocka_unit_test(read_limits),
		cmocka_unit_test(write_into_missing_dir_fails),
		cmocka_unit_test(mkdir_p_nested),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
