/* report_test.c - SNP report parsing, TCB layouts and evidence DER. */
#include "snp_test_util.h"

#include <stdio.h>
#include <string.h>

#include "attest/evidence.h"
#include "attest/snp.h"
#include "attest/snp_verify.h"

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

/* Value of "- `key` = `value`" in the first section of a README, or NULL. */
static bool readme_value(const char *text, const char *key, char *out, size_t max)
{
	char pat[96];
	snprintf(pat, sizeof(pat), "- `%s` = `", key);
	const char *p = strstr(text, pat);
	if (p == NULL)
		return false;
	p += strlen(pat);
	const char *e = strchr(p, '`');
	if (e == NULL || (size_t)(e - p) >= max)
		return false;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return true;
}

static void fmt_hex(char *out, const uint8_t *b, size_t n)
{
	ct_hex_format(out, b, n);
}

/* Every field the vector READMEs list matches what the parser decodes. */
static void fields_match_readmes(void **state)
{
	static const char *const ids[] = { "milan-v2-virtee", "milan-v2-gsg",
					   "milan-v3-ms", "milan-v3-azure-a",
					   "genoa-v3-ms" };
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char rel[128];
		struct ct_buf rep, md;
		snprintf(rel, sizeof(rel), "snp/reports/%s/report.bin", ids[i]);
		snp_test_load(&rep, rel);
		snprintf(rel, sizeof(rel), "snp/reports/%s/README.md", ids[i]);
		snp_test_load(&md, rel);
		const char *t = ct_buf_cstr(&md);
		struct ct_snp_report r;
		assert_ct_ok(ct_snp_report_parse(&r, ct_buf_span(&rep)));
		if (r.product == CT_SNP_PRODUCT_UNKNOWN)
			ct_snp_report_set_product(&r, CT_SNP_PRODUCT_MILAN);
		char want[256], got[256];
		size_t checked = 0;
#define CHECK(key, ...)                                                     \
	do {                                                                \
		if (readme_value(t, key, want, sizeof(want))) {             \
			snprintf(got, sizeof(got), __VA_ARGS__);            \
			if (strcmp(got, want) != 0)                         \
				fail_msg("%s %s: got %s, want %s", ids[i],  \
					 key, got, want);                   \
			checked++;                                          \
		}                                                           \
	} while (0)
#define CHECK_HEX(key, field)                                               \
	do {                                                                \
		if (readme_value(t, key, want, sizeof(want))) {             \
			fmt_hex(got, field, sizeof(field));                 \
			if (strcmp(got, want) != 0)                         \
				fail_msg("%s %s: got %s, want %s", ids[i],  \
					 key, got, want);                   \
			checked++;                                          \
		}                                                           \
	} while (0)
		CHECK("version", "%u", r.version);
		CHECK("vmpl", "%u", r.vmpl);
		CHECK("policy", "0x%llx", (unsigned long long)r.policy);
		CHECK("signer_info", "0x%x", r.signer_info);
		CHECK("signing_key", "%s", ct_snp_report_signing_key(&r) == CT_SNP_KEY_VCEK ? "VCEK" : "other");
		CHECK("platform_info", "0x%llx", (unsigned long long)r.platform_info);
		CHECK("reported_tcb", "0x%016llx", (unsigned long long)r.reported_tcb);
		CHECK("current_tcb", "0x%016llx", (unsigned long long)r.current_tcb);
		CHECK("committed_tcb", "0x%016llx", (unsigned long long)r.committed_tcb);
		CHECK("launch_tcb", "0x%016llx", (unsigned long long)r.launch_tcb);
		struct ct_snp_tcb tc = ct_snp_tcb_decode(r.reported_tcb, r.tcb_layout);
		CHECK("reported_tcb_parts", "{\"bl\": %u, \"tee\": %u, \"snp\": %u, \"ucode\": %u}",
		      tc.bootloader, tc.tee, tc.snp, tc.microcode);
		CHECK("tcb_layout", "%s", r.tcb_layout == CT_SNP_TCB_LAYOUT_LEGACY ? "legacy" : "turin");
		CHECK_HEX("measurement", r.measurement);
		CHECK_HEX("report_data", r.report_data);
		CHECK_HEX("host_data", r.host_data);
		CHECK_HEX("chip_id", r.chip_id);
		CHECK_HEX("id_key_digest", r.id_key_digest);
		CHECK_HEX("family_id", r.family_id);
		CHECK_HEX("image_id", r.image_id);
		CHECK("guest_svn", "%u", r.guest_svn);
		CHECK("current_version", "%u.%u.%u", r.current_major, r.current_minor, r.current_build);
		CHECK("committed_version", "%u.%u.%u", r.committed_major, r.committed_minor, r.committed_build);
		CHECK("cpuid_fam_mod_step", "[%u, %u, %u]", r.cpuid_fam_id, r.cpuid_mod_id, r.cpuid_step);
		CHECK("policy_decoded",
		      "{\"abi_major\": %u, \"abi_minor\": %u, \"smt\": %s, \"migrate_ma\": %s, \"debug\": %s, \"single_socket\": %s}",
		      (unsigned)((r.policy >> 8) & 0xFF), (unsigned)(r.policy & 0xFF),
		      r.policy & CT_SNP_POLICY_SMT ? "true" : "false",
		      r.policy & CT_SNP_POLICY_MIGRATE_MA ? "true" : "false",
		      r.policy & CT_SNP_POLICY_DEBUG ? "true" : "false",
		      r.policy & CT_SNP_POLICY_SINGLE_SOCKET ? "true" : "false");
		struct ct_buf url;
		ct_buf_init(&url, 512);
		assert_ct_ok(ct_snp_kds_vcek_url(&url, &r));
		CHECK("kds_vcek_url", "%s", ct_buf_cstr(&url));
		ct_buf_dispose(&url);
#undef CHECK
#undef CHECK_HEX
		/* v2 READMEs have no cpuid line; all others have 24 fields. */
		assert_true(checked >= 24);
		assert_int_equal(r.reserved_nonzero, 0);
		ct_buf_dispose(&rep);
		ct_buf_dispose(&md);
	}
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
		cmocka_unit_test(fields_match_readmes),
		cmocka_unit_test(turin_tcb_layout),
		cmocka_unit_test(rejects_bad_size_and_version),
		cmocka_unit_test(cert_table_round_trip),
		cmocka_unit_test(evidence_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
