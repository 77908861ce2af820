/* api_test.c - the Coordinator request decoders: accepted shapes and the
 * refusals, each naming its field. */
#include "ct_test.h"

#include <string.h>

#include "http/api.h"

#define N32 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define N64 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="

static void attest_nonce(void **state)
{
	uint8_t nonce[32];
	memset(nonce, 0xff, sizeof(nonce));
	assert_ct_ok(ct_http_api_attest_decode(ct_span_str("{\"nonce\":\"" N32 "\"}"), nonce));
	assert_true(ct_span_is_zero(ct_span_make(nonce, sizeof(nonce))));
	assert_ct_err(ct_http_api_attest_decode(ct_span_str("{\"nonce\":\"AAAA\"}"), nonce),
		      CT_ERR_PROTO);
	assert_error_contains("nonce: 3 bytes, want 32");
	assert_ct_err(ct_http_api_attest_decode(ct_span_str("{}"), nonce), CT_ERR_PROTO);
	assert_error_contains("nonce: missing");
	assert_ct_err(ct_http_api_attest_decode(
			      ct_span_str("{\"nonce\":\"" N32 "\",\"x\":1}"), nonce),
		      CT_ERR_PROTO);
	assert_error_contains("unknown field \"x\"");
}

static void set_manifest(void **state)
{
	struct ct_http_api_set_manifest m;
	assert_ct_ok(ct_http_api_set_manifest_decode(
		ct_span_str("{\"manifest\":\"e30=\",\"policies\":[\"YQ==\",\"YmM=\"],"
			    "\"signatures\":[\"MEU=\"]}"), &m));
	assert_int_equal(m.manifest.len, 2);
	assert_memory_equal(m.manifest.data, "{}", 2);
	assert_int_equal(m.n_policies, 2);
	assert_memory_equal(m.policies[1].data, "bc", 2);
	assert_true(m.has_signature);
	assert_int_equal(m.signature.len, 2);
	ct_http_api_set_manifest_dispose(&m);

	assert_ct_ok(ct_http_api_set_manifest_decode(
		ct_span_str("{\"manifest\":\"e30=\",\"policies\":[]}"), &m));
	assert_false(m.has_signature);
	assert_int_equal(m.n_policies, 0);
	ct_http_api_set_manifest_dispose(&m);

	struct { const char *body; const char *needle; } bad[] = {
		{ "{\"manifest\":\"\",\"policies\":[]}", "manifest: empty" },
		{ "{\"manifest\":\"e30=\"}", "policies: missing" },
		{ "{\"manifest\":\"e30=\",\"policies\":{}}", "policies: must be an array" },
		{ "{\"manifest\":\"e30=\",\"policies\":[\"YQ==\",\"!\"]}",
		  "policies[1]: not valid base64" },
		{ "{\"manifest\":\"e30=\",\"policies\":[1]}", "policies[0]: must be a string" },
		{ "{\"manifest\":\"e30=\",\"policies\":[],\"signatures\":[\"YQ==\",\"YQ==\"]}",
		  "at most one signature" },
		{ "{\"manifest\":7,\"policies\":[]}", "manifest: must be a string" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ct_result r = ct_http_api_set_manifest_decode(ct_span_str(bad[i].body), &m);
		if (ct_ok(r) || strstr(ct_error_message(), bad[i].needle) == NULL)
			fail_msg("case %zu: %s", i, ct_error_message());
		/* Dispose after failure is safe (and a no-op). */
		ct_http_api_set_manifest_dispose(&m);
	}
}

static void recover(void **state)
{
	struct ct_http_api_recover r;
	assert_ct_ok(ct_http_api_recover_decode(
		ct_span_str("{\"seed\":\"" N64 "\",\"salt\":\"" N32 "\",\"force\":true}"), &r));
	assert_int_equal(r.seed.len, 64);
	assert_true(r.seed.secret);
	assert_int_equal(r.salt.len, 32);
	assert_true(r.force);
	ct_http_api_recover_dispose(&r);
	assert_ct_err(ct_http_api_recover_decode(
			      ct_span_str("{\"seed\":\"" N32 "\",\"salt\":\"" N32 "\"}"), &r),
		      CT_ERR_PROTO);
	assert_error_contains("seed: 32 bytes, want 64");
	ct_http_api_recover_dispose(&r);
	assert_ct_err(ct_http_api_recover_decode(
			      ct_span_str("{\"seed\":\"" N64 "\",\"salt\":\"" N32
					  "\",\"force\":\"yes\"}"), &r),
		      CT_ERR_PROTO);
	assert_error_contains("force: must be a boolean");
	ct_http_api_recover_dispose(&r);
}

static void attest_report_data_vector(void **state)
{
	uint8_t nonce[32], transition[32], out[64], want[32];
	for (int i = 0; i < 32; i++)
		nonce[i] = (uint8_t)i;
	memset(transition, 0xaa, sizeof(transition));
	/* Computed independently with Python's hashlib. */
	assert_ct_ok(ct_hex_decode_fixed(want, 32,
		"3f173fe79d4bc8c91324fc933333f5b2406527e3f3edc82035e5e4e5dafc56e4"));
	assert_ct_ok(ct_http_api_attest_report_data(nonce, transition,
						    ct_span_str("ROOT"),
						    ct_span_str("MESH"), out));
	assert_memory_equal(out, want, 32);
	assert_true(ct_span_is_zero(ct_span_make(out + 32, 32)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attest_nonce),
		cmocka_unit_test(set_manifest),
		cmocka_unit_test(recover),
		cmocka_unit_test(attest_report_data_vector),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
