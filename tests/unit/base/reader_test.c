/* reader_test.c - the untrusted-bytes cursor never moves on failure. */
#include "ct_test.h"

#include <string.h>

static const uint8_t bytes[] = { 0x01, 0x02, 0x03, 0x04, 0x05,
				 0x06, 0x07, 0x08, 0x09 };

static void reads_little_and_big_endian(void **state)
{
	struct ct_reader r;
	ct_reader_init(&r, ct_span_make(bytes, sizeof(bytes)));
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	assert_ct_ok(ct_reader_u8(&r, &u8));
	assert_int_equal(u8, 0x01);
	assert_ct_ok(ct_reader_u16le(&r, &u16));
	assert_int_equal(u16, 0x0302);
	assert_ct_ok(ct_reader_u16be(&r, &u16));
	assert_int_equal(u16, 0x0405);
	assert_ct_ok(ct_reader_u32le(&r, &u32));
	assert_int_equal(u32, 0x09080706);
	assert_int_equal(ct_reader_remaining(&r), 0);
	assert_ct_ok(ct_reader_expect_end(&r, "test"));

	uint64_t u64;
	ct_reader_init(&r, ct_span_make(bytes, sizeof(bytes)));
	assert_ct_ok(ct_reader_u64le(&r, &u64));
	assert_true(u64 == 0x0807060504030201ull);
	ct_reader_init(&r, ct_span_make(bytes, sizeof(bytes)));
	assert_ct_ok(ct_reader_u64be(&r, &u64));
	assert_true(u64 == 0x0102030405060708ull);
}

static void failed_read_does_not_move(void **state)
{
	struct ct_reader r;
	ct_reader_init(&r, ct_span_make(bytes, 3));
	uint32_t u32 = 0xdeadbeef;
	assert_ct_ok(ct_reader_skip(&r, 1));
	assert_ct_err(ct_reader_u32le(&r, &u32), CT_ERR_PROTO);
	assert_error_contains("need 4 bytes at offset 1, have 2");
	assert_int_equal(u32, 0xdeadbeef);
	assert_int_equal(r.off, 1);
	struct ct_span s = { NULL, 77 };
	assert_ct_err(ct_reader_bytes(&r, 3, &s), CT_ERR_PROTO);
	assert_int_equal(s.len, 77);
	assert_ct_err(ct_reader_skip(&r, SIZE_MAX), CT_ERR_PROTO);
	assert_int_equal(r.off, 1);
}

static void trailing_bytes_named(void **state)
{
	struct ct_reader r;
	ct_reader_init(&r, ct_span_make(bytes, sizeof(bytes)));
	assert_ct_ok(ct_reader_skip(&r, 5));
	assert_ct_err(ct_reader_expect_end(&r, "snp report"), CT_ERR_PROTO);
	assert_error_contains("snp report: 4 unexpected trailing bytes");
}

static void sub_reader_is_bounded(void **state)
{
	struct ct_reader r, child;
	ct_reader_init(&r, ct_span_make(bytes, sizeof(bytes)));
	assert_ct_ok(ct_reader_sub(&r, 4, &child));
	assert_int_equal(r.off, 4);
	uint8_t tmp[5];
	assert_ct_err(ct_reader_copy(&child, tmp, 5), CT_ERR_PROTO);
	assert_ct_ok(ct_reader_copy(&child, tmp, 4));
	assert_memory_equal(tmp, bytes, 4);
	assert_ct_err(ct_reader_sub(&r, 6, &child), CT_ERR_PROTO);
	assert_int_equal(r.off, 4);
}

static void load_store_roundtrip(void **state)
{
	uint8_t b[8];
	ct_store_u64le(b, 0x1122334455667788ull);
	assert_int_equal(b[0], 0x88);
	assert_true(ct_load_u64le(b) == 0x1122334455667788ull);
	ct_store_u32le(b, 0xa1b2c3d4);
	assert_int_equal(ct_load_u32le(b), 0xa1b2c3d4);
	ct_store_u16le(b, 0xbeef);
	assert_int_equal(ct_load_u16le(b), 0xbeef);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_little_and_big_endian),
		cmocka_unit_test(failed_read_does_not_move),
		cmocka_unit_test(trailing_bytes_named),
		cmocka_unit_test(sub_reader_is_bounded),
		cmocka_unit_test(load_store_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
