/* encoding_test.c - hex, base64 and numbers: round trips and strictness. */
#include "ct_test.h"

#include <string.h>

static void hex_roundtrip(void **state)
{
	struct ct_buf b, d;
	ct_buf_init(&b, 64);
	ct_buf_init(&d, 64);
	const uint8_t in[] = { 0x00, 0xab, 0xff, 0x10 };
	assert_ct_ok(ct_hex_encode(&b, ct_span_make(in, sizeof(in))));
	assert_string_equal(ct_buf_cstr(&b), "00abff10");
	assert_ct_ok(ct_hex_decode(&d, "00ABff10", 8));
	assert_memory_equal(d.data, in, sizeof(in));
	ct_buf_dispose(&b);
	ct_buf_dispose(&d);
}

static void hex_rejects_bad_input(void **state)
{
	struct ct_buf d;
	ct_buf_init(&d, 64);
	assert_ct_err(ct_hex_decode(&d, "abc", 3), CT_ERR_PROTO);
	assert_error_contains("odd length");
	assert_ct_err(ct_hex_decode(&d, "zz", 2), CT_ERR_PROTO);
	assert_error_contains("invalid hex digit at position 0");
	assert_int_equal(d.len, 0);
	uint8_t out[2] = { 7, 7 };
	assert_ct_err(ct_hex_decode_fixed(out, 2, "aabbcc"), CT_ERR_PROTO);
	assert_error_contains("6 digits, want 4");
	assert_ct_err(ct_hex_decode_fixed(out, 2, "aag0"), CT_ERR_PROTO);
	assert_int_equal(out[0], 7);
	assert_ct_ok(ct_hex_decode_fixed(out, 2, "aabb"));
	assert_int_equal(out[1], 0xbb);
	ct_buf_dispose(&d);
}

static void base64_vectors(void **state)
{
	/* RFC 4648 §10 test vectors. */
	const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char *enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
			      "Zm9vYmFy" };
	for (size_t i = 0; i < 7; i++) {
		struct ct_buf b, d;
		ct_buf_init(&b, 64);
		ct_buf_init(&d, 64);
		assert_ct_ok(ct_base64_encode(&b, ct_span_str(plain[i])));
		assert_string_equal(ct_buf_cstr(&b), enc[i]);
		assert_ct_ok(ct_base64_decode(&d, enc[i], strlen(enc[i])));
		assert_string_equal(ct_buf_cstr(&d), plain[i]);
		ct_buf_dispose(&b);
		ct_buf_dispose(&d);
	}
}

static void base64_strict(void **state)
{
	struct ct_buf d;
	ct_buf_init(&d, 64);
	assert_ct_err(ct_base64_decode(&d, "Zg=", 3), CT_ERR_PROTO);
	assert_ct_err(ct_base64_decode(&d, "Zh==", 4), CT_ERR_PROTO);
	assert_error_contains("not canonical");
	assert_ct_err(ct_base64_decode(&d, "Zm 9", 4), CT_ERR_PROTO);
	assert_ct_err(ct_base64_decode(&d, "Z===", 4), CT_ERR_PROTO);
	assert_ct_err(ct_base64_decode(&d, "=Zm9", 4), CT_ERR_PROTO);
	assert_int_equal(d.len, 0);
	ct_buf_dispose(&d);
}

static void base64url_roundtrip(void **state)
{
	const uint8_t in[] = { 0xfb, 0xff, 0xbf };
	struct ct_buf b, d;
	ct_buf_init(&b, 64);
	ct_buf_init(&d, 64);
	assert_ct_ok(ct_base64url_encode(&b, ct_span_make(in, 3)));
	assert_string_equal(ct_buf_cstr(&b), "-_-_");
	assert_ct_ok(ct_base64url_decode(&d, "-_-_", 4));
	assert_memory_equal(d.data, in, 3);
	assert_ct_err(ct_base64url_decode(&d, "+/", 2), CT_ERR_PROTO);
	ct_buf_dispose(&b);
	ct_buf_dispose(&d);
}

static void parse_u64(void **state)
{
	uint64_t v = 5;
	assert_ct_ok(ct_parse_u64("18446744073709551615", UINT64_MAX, &v));
	assert_true(v == UINT64_MAX);
	assert_ct_err(ct_parse_u64("18446744073709551616", UINT64_MAX, &v),
		      CT_ERR_USAGE);
	assert_ct_err(ct_parse_u64("256", 255, &v), CT_ERR_USAGE);
	assert_ct_ok(ct_parse_u64("255", 255, &v));
	assert_int_equal(v, 255);
	assert_ct_err(ct_parse_u64("-1", 255, &v), CT_ERR_USAGE);
	assert_ct_err(ct_parse_u64("", 255, &v), CT_ERR_USAGE);
	assert_ct_err(ct_parse_u64("12a", 255, &v), CT_ERR_USAGE);
	assert_int_equal(v, 255);
}

static void utf8_prefix(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t want;
	} cases[] = {
		{ "plain", 5 },
		{ "caf\xc3\xa9 \xf0\x9f\x98\x80", 10 },
		{ "ab\xff", 2 },              /* never a UTF-8 byte */
		{ "a\xc0\x80", 1 },           /* overlong NUL */
		{ "a\xe0\x80\x80", 1 },       /* overlong */
		{ "a\xed\xa0\x80", 1 },       /* surrogate */
		{ "a\xf4\x90\x80\x80", 1 },   /* above U+10FFFF */
		{ "ab\xe2\x82", 2 },          /* truncated */
		{ "a\xc3(", 1 },              /* bad continuation */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(ct_utf8_valid_prefix(ct_span_str(cases[i].s)), cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hex_roundtrip),
		cmocka_unit_test(hex_rejects_bad_input),
		cmocka_unit_test(base64_vectors),
		cmocka_unit_test(base64_strict),
		cmocka_unit_test(base64url_roundtrip),
		cmocka_unit_test(parse_u64),
		cmocka_unit_test(utf8_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
