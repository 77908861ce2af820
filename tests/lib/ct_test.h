/* test.h - common includes for cmocka unit tests. */
#ifndef CT_TEST_H
#define CT_TEST_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/base.h"

#define assert_ct_ok(expr)                                              \
	do {                                                            \
		ct_result r_ = (expr);                                  \
		if (!ct_ok(r_))                                         \
			fail_msg("%s failed: %s", #expr, ct_error_message()); \
	} while (0)

#define assert_ct_err(expr, cat)                                          \
	do {                                                              \
		ct_result r_ = (expr);                                    \
		if (r_.err != (cat))                                      \
			fail_msg("%s: want %s, got %s (%s)", #expr,       \
				 ct_err_name(cat), ct_err_name(r_.err),   \
				 ct_error_message());                     \
	} while (0)

#define assert_error_contains(needle) \
	assert_non_null(strstr(ct_error_message(), (needle)))

#endif
