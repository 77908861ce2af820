/* report_test.c - SNP report parsing, TCB layouts and evidence DER. */
#include "snp_test_util.h"

#include <string.h>

#include "attest/evidence.h"
#include "attest/snp.h"

static void hex_eq(const uint8_t *b, size_t n, const char *want)
{
	char got[256];
	assert_true(2 * n < sizeof(got));
	ct_hex_format(got, b, n);
	assert_string_equal(got, want);
}

static void parses_milan_v3_ms(void **state)
{
	struct ct_buf b;
	snp_test_load(&b, "snp/reports/milan-v3-ms/report.bin");
	struct ct_snp_report r;
	assert_ct_ok(ct_snp_report_parse(&r, ct_buf_span(&b)));
	assert_int_equal(r.version, 3);
	assert_int_equal(r.vmpl, 0);
	assert_true(r.policy == 0x3001f);
	assert_int_equal(r.signer_info, 0);
	assert_true(r.platform_info == 0x25);
	assert_true(r.reported_tcb == 0xdb18000000000004ull);
	assert_true(r.current_tcb == 0xdb18000000000004ull);
	assert_true(r.committed_tcb == 0xdb18000000000004ull);
	assert_true(r.launch_tcb == 0xdb18000000000004ull);
	assert_int_equal(r.guest_svn, 2);
	assert_int_equal(r.cpuid_fam_id, 0x19);
	assert_int_equal(r.cpuid_mod_id, 1);
	assert_int_equal(r.cpuid_step, 1);
	assert_int_equal(r.product, CT_SNP_PRODUCT_MILAN);
	assert_int_equal(r.current_major, 1);
	assert_int_equal(r.current_minor, 55);
	assert_int_equal(r.current_build, 29);
	assert_int_equal(r.reserved_nonzero, 0);
	hex_eq(r.measurement, 48,
	       "5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887920ab2fa0096903a0c23fca1");
	hex_eq(r.host_data, 32,
	       "4f4448c67f3c8dfc8de8a5e37125d807dadcc41f06cf23f615dbd52eec777d10");
	hex_eq(r.family_id, 16, "01000000000000000000000000000000");
	hex_eq(r.image_id, 16, "02000000000000000000000000000000");
	struct ct_snp_tcb t = ct_snp_tcb_decode(r.reported_tcb, r.tcb_layout);
	assert_int_equal(t.bootloader, 4);
	assert_int_equal(t.tee, 0);
	assert_int_equal(t.snp, 24);
	assert_int_equal(t.microcode, 219);
	assert_true(ct_snp_tcb_encode(&t, r.tcb_layout) == r.reported_tcb);
	ct_buf_dispose(&b);
}

static void parses_v2_and_genoa(void **state)
{
	struct ct_buf b;
	struct ct_snp_report r;
	snp_test_load(&b, "snp/reports/milan-v2-gsg/report.bin");
	assert_ct_ok(ct_snp_report_parse(&r, ct_buf_span(&b)));
	assert_int_equal(r.version, 2);
	assert_int_equal(r.product, CT_SNP_PRODUCT_UNKNOWN);
	assert_true(r.policy == 0xb0000);
	assert_true(r.policy & CT_SNP_POLICY_DEBUG);
	assert_true(r.reported_tcb == 0x4405000000000002ull);
	ct_buf_dispose(&b);

	snp_test_load(&b, "snp/reports/genoa-v3-ms/report.bin");
	assert_ct_ok(ct_snp_report_parse(&r, ct_buf_span(&b)));
	assert_int_equal(r.product, CT_SNP_PRODUCT_GENOA);
	struct ct_snp_tcb t = ct_snp_tcb_decode(r.reported_tcb, r.tcb_layout);
	assert_int_equal(t.bootloader, 10);
	assert_int_equal(t.snp, 23);
	assert_int_equal(t.microcode, 84);
	assert_int_equal(r.current_build, 40);
	ct_buf_dispose(&b);
}

static void turin_tcb_layout(void **state)
{
	struct ct_snp_tcb t = ct_snp_tcb_decode(0x5100000004010101ull,
						CT_SNP_TCB_LAYOUT_TURIN);
	assert_int_equal(t.fmc, 1);
	assert_int_equal(t.bootloader, 1);
	assert_int_equal(t.tee, 1);
	assert_int_equal(t.snp, 4);
	assert_int_equal(t.microcode, 81);
	assert_true(ct_snp_tcb_encode(&t, CT_SNP_TCB_LAYOUT_TURIN) ==
		    0x5100000004010101ull);
	assert_int_equal(ct_snp_product_from_cpuid(0x1A, 0x02),
			 CT_SNP_PRODUCT_TURIN);
	assert_int_equal(ct_snp_product_tcb_layout(CT_SNP_PRODUCT_TURIN),
			 CT_SNP_TCB_LAYOUT_TURIN);
	enum ct_snp_product p;
	assert_ct_ok(ct_snp_product_parse("Milan-B0", &p));
	assert_int_equal(p, CT_SNP_PRODUCT_MILAN);
	assert_ct_err(ct_snp_product_parse("Milanx", &p), CT_ERR_USAGE);
}

static void rejects_bad_size_and_version(void **state)
{
	struct ct_buf b;
	struct ct_snp_report r;
	snp_test_load(&b, "snp/reports/milan-v3-ms/report.bin");
	assert_ct_err(ct_snp_report_parse(&r, ct_span_make(b.data, b.len - 1)),
		      CT_ERR_PROTO);
	assert_error_contains("report size: got 1183 bytes, want 1184");
	uint8_t big[CT_SNP_REPORT_SIZE + 1];
	memcpy(big, b.data, b.len);
	big[CT_SNP_REPORT_SIZE] = 0;
	assert_ct_err(ct_snp_report_parse(&r, ct_span_make(big, sizeof(big))),
		      CT_ERR_PROTO);
	assert_error_contains("got 1185 bytes");
	b.data[0] = 1;
	assert_ct_err(ct_snp_report_parse(&r, ct_buf_span(&b)), CT_ERR_PROTO);
	assert_error_contains("report version: got 1");
	b.data[0] = 6;
	assert_ct_err(ct_snp_report_parse(&r, ct_buf_span(&b)), CT_ERR_PROTO);
	b.data[0] = 3;
	/* A reserved byte is recorded, not fatal. */
	b.data[0x330] = 1;
	assert_ct_ok(ct_snp_report_parse(&r, ct_buf_span(&b)));
	assert_true(r.reserved_nonzero & CT_SNP_RSV_SIG_TAIL);
	ct_buf_dispose(&b);
}

static void cert_table_round_trip(void **state)
{
	struct ct_buf vcek, ask, tab;
	snp_test_load(&vcek, "snp/reports/milan-v3-ms/vcek.der");
	snp_test_load(&ask, "snp/amd-roots/milan/ask.der");
	struct ct_snp_cert_blob blobs[] = {
		{ CT_SNP_GUID_VCEK, ct_buf_span(&vcek) },
		{ CT_SNP_GUID_ASK, ct_buf_span(&ask) },
	};
	ct_buf_init(&tab, CT_SNP_CERT_TABLE_MAX);
	assert_ct_ok(ct_snp_cert_table_build(&tab, blobs, 2));
	struct ct_snp_cert_table t;
	assert_ct_ok(ct_snp_cert_table_parse(&t, ct_buf_span(&tab)));
	assert_int_equal(t.count, 2);
	const struct ct_snp_cert_entry *e =
		ct_snp_cert_table_find(&t, CT_SNP_GUID_VCEK);
	assert_non_null(e);
	assert_true(ct_span_eq(e->data, ct_buf_span(&vcek)));
	assert_null(ct_snp_cert_table_find(&t, CT_SNP_GUID_ARK));
	assert_string_equal(ct_snp_guid_name(CT_SNP_GUID_ASK), "ASK");
	char g[37];
	ct_snp_guid_format(g, CT_SNP_GUID_VCEK);
	assert_string_equal(g, "63da758d-e664-4564-adc5-f4b93be8accd");

	/* Empty table is valid. */
	assert_ct_ok(ct_snp_cert_table_parse(&t, ct_span_make(NULL, 0)));
	assert_int_equal(t.count, 0);

	/* Malformed: length past the end. */
	ct_store_u32le(tab.data + 20, (uint32_t)tab.len);
	assert_ct_err(ct_snp_cert_table_parse(&t, ct_buf_span(&tab)),
		      CT_ERR_PROTO);
	assert_error_contains("exceeds");
	ct_store_u32le(tab.data + 20, (uint32_t)vcek.len);
	/* Offset into the header. */
	ct_store_u32le(tab.data + 16, 8);
	assert_ct_err(ct_snp_cert_table_parse(&t, ct_buf_span(&tab)),
		      CT_ERR_PROTO);
	assert_error_contains("header");
	/* No terminator. */
	assert_ct_err(ct_snp_cert_table_parse(&t, ct_span_make(tab.data, 40)),
		      CT_ERR_PROTO);
	assert_error_contains("terminator");
	/* Duplicate known GUID. */
	ct_store_u32le(tab.data + 16, 72);
	memcpy(tab.data + 24, CT_SNP_GUID_VCEK, 16);
	assert_ct_err(ct_snp_cert_table_parse(&t, ct_buf_span(&tab)),
		      CT_ERR_PROTO);
	assert_error_contains("duplicate VCEK");
	ct_buf_dispose(&tab);
	ct_buf_dispose(&vcek);
	ct_buf_dispose(&ask);
}

static void evidence_round_trip(void **state)
{
	struct ct_buf rep, der;
	snp_test_load(&rep, "snp/reports/genoa-v3-ms/report.bin");
	uint8_t table[48] = { 0 };
	memcpy(table, CT_SNP_GUID_ARK, 16);
	ct_store_u32le(table + 16, 48);
	ct_store_u32le(table + 20, 0);

	ct_buf_init(&der, CT_SNP_EVIDENCE_MAX);
	assert_ct_ok(ct_snp_evidence_encode(&der, ct_buf_span(&rep),
					    ct_span_make(table, sizeof(table))));
	struct ct_snp_evidence ev;
	assert_ct_ok(ct_snp_evidence_decode(&ev, ct_buf_span(&der)));
	assert_memory_equal(ev.report, rep.data, CT_SNP_REPORT_SIZE);
	assert_true(ev.has_cert_table);
	assert_int_equal(ev.cert_table.len, sizeof(table));
	ct_snp_evidence_dispose(&ev);

	/* Trailing byte. */
	assert_ct_ok(ct_buf_append_byte(&der, 0));
	assert_ct_err(ct_snp_evidence_decode(&ev, ct_buf_span(&der)),
		      CT_ERR_PROTO);
	assert_error_contains("trailing");
	/* Truncated. */
	assert_ct_err(ct_snp_evidence_decode(&ev, ct_span_make(der.data, 100)),
		      CT_ERR_PROTO);

	/* Without a table. */
	ct_buf_reset(&der);
	assert_ct_ok(ct_snp_evidence_encode(&der, ct_buf_span(&rep),
					    ct_span_make(NULL, 0)));
	assert_ct_ok(ct_snp_evidence_decode(&ev, ct_buf_span(&der)));
	assert_false(ev.has_cert_table);
	ct_snp_evidence_dispose(&ev);
	/* Non-canonical: long-form length for the SEQUENCE. */
	struct ct_buf bad;
	ct_buf_init(&bad, CT_SNP_EVIDENCE_MAX);
	assert_int_equal(der.data[0], 0x30);
	assert_int_equal(der.data[1], 0x82);
	assert_ct_ok(ct_buf_append(&bad, "\x30\x83\x00", 3));
	assert_ct_ok(ct_buf_append(&bad, der.data + 2, der.len - 2));
	assert_ct_err(ct_snp_evidence_decode(&ev, ct_buf_span(&bad)),
		      CT_ERR_PROTO);
	/* Wrong report size. */
	assert_ct_err(ct_snp_evidence_encode(&der, ct_span_make(rep.data, 10),
					     ct_span_make(NULL, 0)),
		      CT_ERR_USAGE);
	ct_buf_dispose(&bad);
	ct_buf_dispose(&der);
	ct_buf_dispose(&rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_milan_v3_ms),
		cmocka_unit_test(parses_v2_and_genoa),
		cmocka_unit_test(turin_tcb_layout),
		cmocka_unit_test(rejects_bad_size_and_version),
		cmocka_unit_test(cert_table_round_trip),
		cmocka_unit_test(evidence_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
