/* value_test.c - the Rego value model: order, equality, numbers, JSON. */
#include <stdlib.h>
#include <string.h>

#include "ct_test.h"
#include "rego/value.h"

static struct ct_rego_value *J(const char *s)
{
	struct ct_rego_value *v = NULL;

	assert_ct_ok(ct_rego_json_parse(ct_span_str(s), NULL, &v));
	return v;
}

/* JSON text of parsing `in` then writing it out. */
static void roundtrip(const char *in, const char *want)
{
	struct ct_rego_value *v = J(in);
	struct ct_buf b;

	ct_buf_init(&b, 1 << 20);
	assert_ct_ok(ct_rego_value_to_json(v, &b));
	assert_string_equal(ct_buf_cstr(&b), want);
	ct_buf_dispose(&b);
	ct_rego_value_unref(v);
}

static void test_json_roundtrip(void **state)
{
	(void)state;
	roundtrip(" {\"b\": 1, \"a\": [true, false, null], \"c\": \"x\\u00e9\\n\"} ",
		  "{\"a\":[true,false,null],\"b\":1,\"c\":\"xé\\n\"}");
	roundtrip("123456789012345678901234567890", "123456789012345678901234567890");
	roundtrip("-0", "0");
	roundtrip("1.50", "1.50");
	roundtrip("{\"a\":1,\"a\":2}", "{\"a\":2}");
	roundtrip("\"\\ud83d\\ude00<&>\"", "\"😀<&>\"");
	roundtrip("[]", "[]");
}

static void test_json_rejects(void **state)
{
	const char *bad[] = { "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-",
			      "\"\\ud800\"", "\"\x80\"", "\"\xc0\xaf\"", "nul",
			      "[1] x", "\"a\nb\"", "{1:2}", "\"\\x\"", NULL };
	struct ct_rego_value *v;
	size_t i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		v = NULL;
		if (ct_ok(ct_rego_json_parse(ct_span_str(bad[i]), NULL, &v)))
			fail_msg("accepted %s", bad[i]);
		assert_null(v);
	}
	assert_ct_err(ct_rego_json_parse(ct_span_str("[1] x"), NULL, &v),
		      CT_ERR_PROTO);
	assert_error_contains("trailing data");
}

static void test_json_limits(void **state)
{
	struct ct_rego_json_limits lim = { 100, 3, 5 };
	struct ct_rego_value *v = NULL;

	(void)state;
	assert_ct_ok(ct_rego_json_parse(ct_span_str("[[[1]]]"), &lim, &v));
	ct_rego_value_unref(v);
	assert_ct_err(ct_rego_json_parse(ct_span_str("[[[[1]]]]"), &lim, &v),
		      CT_ERR_LIMIT);
	assert_error_contains("nesting deeper than 3");
	assert_ct_err(ct_rego_json_parse(ct_span_str("\"abcdefgh\""), &lim, &v),
		      CT_ERR_LIMIT);
	assert_error_contains("string longer than 5");
	lim.max_bytes = 4;
	assert_ct_err(ct_rego_json_parse(ct_span_str("[1,2,3]"), &lim, &v),
		      CT_ERR_LIMIT);
}

static void test_order(void **state)
{
	/* null < bool < number < string < array < object */
	const char *asc[] = { "null", "false", "true", "-5", "1", "1.5",
			      "99999999999999999999", "\"\"", "\"a\"", "\"b\"",
			      "[]", "[1]", "[1,2]", "[2]", "{}", "{\"a\":1}",
			      "{\"a\":2}", "{\"b\":0}", NULL };
	size_t i, j;

	(void)state;
	for (i = 0; asc[i] != NULL; i++)
		for (j = 0; asc[j] != NULL; j++) {
			struct ct_rego_value *a = J(asc[i]), *b = J(asc[j]);
			int c = ct_rego_value_compare(a, b);

			if ((i < j && c >= 0) || (i > j && c <= 0) ||
			    (i == j && c != 0))
				fail_msg("compare(%s, %s) = %d", asc[i], asc[j], c);
			ct_rego_value_unref(a);
			ct_rego_value_unref(b);
		}
}

static void test_numbers(void **state)
{
	struct ct_rego_value *a = J("1"), *b = J("1.0"), *r = NULL;
	struct ct_rego_value *big = J("18446744073709551616"), *three = J("3");
	struct ct_buf buf;

	(void)state;
	assert_true(ct_rego_value_equal(a, b));
	assert_int_equal(ct_rego_value_hash(a), ct_rego_value_hash(b));
	ct_buf_init(&buf, 4096);

	assert_ct_ok(ct_rego_number_div(a, three, &r));
	assert_ct_ok(ct_rego_number_format(r, &buf));
	assert_string_equal(ct_buf_cstr(&buf), "0.3333333333333333");
	ct_rego_value_unref(r);
	ct_buf_reset(&buf);

	assert_ct_ok(ct_rego_number_mul(big, big, &r));
	assert_ct_ok(ct_rego_number_format(r, &buf));
	assert_string_equal(ct_buf_cstr(&buf),
			    "340282366920938463463374607431768211456");
	ct_rego_value_unref(r);
	ct_buf_reset(&buf);

	{
		struct ct_rego_value *two = J("2.0");

		assert_ct_ok(ct_rego_number_add(b, two, &r));
		ct_rego_value_unref(two);
	}
	assert_true(ct_rego_number_is_int(r));
	assert_ct_ok(ct_rego_number_format(r, &buf));
	assert_string_equal(ct_buf_cstr(&buf), "3");
	ct_rego_value_unref(r);
	ct_buf_reset(&buf);

	{
		struct ct_rego_value *m = J("9223372036854775807");

		assert_ct_ok(ct_rego_number_add(m, a, &r));
		assert_ct_ok(ct_rego_number_format(r, &buf));
		assert_string_equal(ct_buf_cstr(&buf), "9223372036854775808");
		ct_rego_value_unref(r);
		ct_rego_value_unref(m);
	}

	{
		struct ct_rego_value *z = J("0"), *f = J("1.5");

		assert_ct_err(ct_rego_number_div(a, z, &r), CT_ERR_USAGE);
		assert_error_contains("divide by zero");
		assert_ct_err(ct_rego_number_rem(f, a, &r), CT_ERR_USAGE);
		assert_error_contains("modulo on floating-point number");
		ct_rego_value_unref(z);
		ct_rego_value_unref(f);
	}
	ct_buf_dispose(&buf);
	ct_rego_value_unref(a);
	ct_rego_value_unref(b);
	ct_rego_value_unref(big);
	ct_rego_value_unref(three);
}

static void test_collections(void **state)
{
	struct ct_rego_value *s = ct_rego_set_new(0), *o = ct_rego_object_new(0);
	struct ct_buf b;

	(void)state;
	assert_ct_ok(ct_rego_set_add(s, ct_rego_value_cstring("b")));
	assert_ct_ok(ct_rego_set_add(s, ct_rego_value_int(2)));
	assert_ct_ok(ct_rego_set_add(s, ct_rego_value_cstring("b")));
	assert_ct_ok(ct_rego_set_add(s, ct_rego_value_null()));
	assert_int_equal(ct_rego_value_length(s), 3);
	assert_ct_ok(ct_rego_object_insert(o, ct_rego_value_int(7), ct_rego_value_ref(s)));
	assert_ct_ok(ct_rego_object_insert(o, ct_rego_value_cstring("a"),
					   ct_rego_set_new(0)));
	ct_buf_init(&b, 4096);
	assert_ct_ok(ct_rego_value_to_json(o, &b));
	assert_string_equal(ct_buf_cstr(&b), "{\"7\":[null,2,\"b\"],\"a\":[]}");
	ct_buf_reset(&b);
	assert_ct_ok(ct_rego_value_to_term(o, &b));
	assert_string_equal(ct_buf_cstr(&b), "{7: {null, 2, \"b\"}, \"a\": set()}");
	assert_non_null(ct_rego_object_get_str(o, "a"));
	assert_null(ct_rego_object_get_str(o, "zz"));
	ct_buf_dispose(&b);
	ct_rego_value_unref(s);
	ct_rego_value_unref(o);
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(ct_rego_utf8_valid("h\xc3\xa9", 3));
	assert_false(ct_rego_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
	assert_false(ct_rego_utf8_valid("\xe0\x80\xaf", 3)); /* overlong */
	assert_false(ct_rego_utf8_valid("\xf4\x90\x80\x80", 4)); /* > 10FFFF */
	assert_false(ct_rego_utf8_valid("\xc3", 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_json_rejects),
		cmocka_unit_test(test_json_limits),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_collections),
		cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
