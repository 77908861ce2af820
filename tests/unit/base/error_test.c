/* error_test.c - error recording, prefixing and propagation macros. */
#include "ct_test.h"

#include <pthread.h>
#include <string.h>

static CT_RESULT check_positive(int v)
{
	CT_ENSURE(v > 0, CT_ERR_POLICY, "value %d is not positive", v);
	return CT_OK;
}

static CT_RESULT check_both(int a, int b)
{
	CT_GUARD(check_positive(a));
	CT_GUARD(check_positive(b));
	return CT_OK;
}

static void ensure_records_message_and_location(void **state)
{
	assert_ct_ok(check_both(1, 2));
	assert_ct_err(check_both(1, -3), CT_ERR_POLICY);
	assert_string_equal(ct_error_message(), "value -3 is not positive");
	assert_non_null(strstr(ct_error_last()->file, "error_test.c"));
	assert_true(ct_error_last()->line > 0);
	assert_string_equal(ct_err_name(ct_error_category()), "policy");
}

static void prefix_adds_context(void **state)
{
	assert_ct_err(check_positive(0), CT_ERR_POLICY);
	assert_ct_err(ct_error_prefix("ReferenceValues.snp[%d]", 0), CT_ERR_POLICY);
	assert_string_equal(ct_error_message(),
			    "ReferenceValues.snp[0]: value 0 is not positive");
}

static void *other_thread(void *arg)
{
	CT_RECORD(CT_ERR_IO, "from another thread");
	return NULL;
}

static void errors_are_thread_local(void **state)
{
	CT_RECORD(CT_ERR_USAGE, "mine");
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
	pthread_join(t, NULL);
	assert_string_equal(ct_error_message(), "mine");
	assert_int_equal(ct_error_category(), CT_ERR_USAGE);
}

static void messages_are_truncated_not_overflowed(void **state)
{
	char big[5000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CT_RECORD(CT_ERR_PROTO, "%s", big);
	assert_int_equal(strlen(ct_error_message()), CT_ERROR_MSG_MAX - 1);
	assert_ct_err(ct_error_prefix("ctx"), CT_ERR_PROTO);
	assert_int_equal(strncmp(ct_error_message(), "ctx: xxx", 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ensure_records_message_and_location),
		cmocka_unit_test(prefix_adds_context),
		cmocka_unit_test(errors_are_thread_local),
		cmocka_unit_test(messages_are_truncated_not_overflowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
