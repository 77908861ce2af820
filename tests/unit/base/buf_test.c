/* buf_test.c - ct_buf and ct_span: limits, failure atomicity, secrets. */
#include "ct_test.h"

#include <stdlib.h>
#include <string.h>

static void append_within_limit(void **state)
{
	struct ct_buf b;
	ct_buf_init(&b, 8);
	assert_ct_ok(ct_buf_append_str(&b, "abcd"));
	assert_ct_ok(ct_buf_append_str(&b, "efgh"));
	assert_int_equal(b.len, 8);
	assert_string_equal(ct_buf_cstr(&b), "abcdefgh");
	ct_buf_dispose(&b);
}

static void append_over_limit_leaves_buffer_unchanged(void **state)
{
	struct ct_buf b;
	ct_buf_init(&b, 6);
	assert_ct_ok(ct_buf_append_str(&b, "abcd"));
	assert_ct_err(ct_buf_append_str(&b, "efg"), CT_ERR_LIMIT);
	assert_error_contains("maximum 6");
	assert_int_equal(b.len, 4);
	assert_string_equal(ct_buf_cstr(&b), "abcd");
	ct_buf_dispose(&b);
}

static void printf_appends(void **state)
{
	struct ct_buf b;
	ct_buf_init(&b, 100);
	assert_ct_ok(ct_buf_printf(&b, "%s=%d", "x", 42));
	assert_ct_ok(ct_buf_printf(&b, ";%03u", 7u));
	assert_string_equal(ct_buf_cstr(&b), "x=42;007");
	assert_ct_err(ct_buf_printf(&b, "%0200d", 1), CT_ERR_LIMIT);
	assert_string_equal(ct_buf_cstr(&b), "x=42;007");
	ct_buf_dispose(&b);
}

static void grows_many_times(void **state)
{
	struct ct_buf b;
	ct_buf_init(&b, 1 << 20);
	for (int i = 0; i < 10000; i++)
		assert_ct_ok(ct_buf_append_byte(&b, (uint8_t)i));
	assert_int_equal(b.len, 10000);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(b.data[i], (uint8_t)i);
	assert_int_equal(b.data[b.len], 0);
	ct_buf_dispose(&b);
}

static void secret_reset_and_dispose(void **state)
{
	struct ct_buf b;
	ct_buf_init_secret(&b, 4096);
	for (int i = 0; i < 100; i++)
		assert_ct_ok(ct_buf_append_str(&b, "secret!"));
	ct_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(ct_buf_cstr(&b), "");
	/* The block is kept by reset: every byte that held the secret is 0. */
	for (size_t i = 0; i < 700; i++)
		assert_int_equal(b.data[i], 0);
	ct_buf_dispose(&b);
	assert_null(b.data);
}

static void take_transfers_ownership(void **state)
{
	struct ct_buf b;
	ct_buf_init(&b, 16);
	assert_ct_ok(ct_buf_append_str(&b, "hi"));
	size_t len = 0;
	uint8_t *p = ct_buf_take(&b, &len);
	assert_int_equal(len, 2);
	assert_string_equal((char *)p, "hi");
	assert_null(b.data);
	free(p);
	ct_buf_dispose(&b);
}

static void span_helpers(void **state)
{
	uint8_t z[4] = { 0 };
	assert_true(ct_span_is_zero(ct_span_make(z, 4)));
	z[3] = 1;
	assert_false(ct_span_is_zero(ct_span_make(z, 4)));
	assert_true(ct_span_eq(ct_span_str("ab"), ct_span_str("ab")));
	assert_false(ct_span_eq(ct_span_str("ab"), ct_span_str("abc")));
	assert_true(ct_span_eq(ct_span_make(NULL, 0), ct_span_str("")));
}

static void size_overflow_detected(void **state)
{
	size_t out = 7;
	assert_ct_err(ct_size_add(&out, SIZE_MAX, 1), CT_ERR_LIMIT);
	assert_int_equal(out, 7);
	assert_ct_err(ct_size_mul(&out, SIZE_MAX / 2, 3), CT_ERR_LIMIT);
	assert_ct_ok(ct_size_mul(&out, 1000, 1000));
	assert_int_equal(out, 1000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(append_within_limit),
		cmocka_unit_test(append_over_limit_leaves_buffer_unchanged),
		cmocka_unit_test(printf_appends),
		cmocka_unit_test(grows_many_times),
		cmocka_unit_test(secret_reset_and_dispose),
		cmocka_unit_test(take_transfers_ownership),
		cmocka_unit_test(span_helpers),
		cmocka_unit_test(size_overflow_detected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
