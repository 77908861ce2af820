/* manifest_test.c - manifest.json parsing, validation rules and owner checks. */
#include "ct_test.h"
#include "fixture.h"
#include "manifest/manifest.h"

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

static ct_result parse_json(json_t *j, unsigned flags, struct ct_manifest **m)
{
	char *s = fx_dump(j);
	ct_result r = ct_manifest_parse(ct_span_str(s), flags, m);
	free(s);
	return r;
}

static json_t *snp0(json_t *m)
{
	return json_array_get(
		json_object_get(json_object_get(m, "ReferenceValues"), "snp"),
		0);
}

static json_t *policy_n(json_t *m, size_t n)
{
	json_t *pol = json_object_get(m, "Policies");
	void *it = json_object_iter(pol);
	for (size_t i = 0; i < n; i++)
		it = json_object_iter_next(pol, it);
	return json_object_iter_value(it);
}

/* Parses j (consumed) and expects CT_ERR_PROTO with `needle` in the message. */
static void expect_reject(json_t *j, unsigned flags, const char *needle)
{
	struct ct_manifest *m = NULL;
	ct_result r = parse_json(j, flags, &m);
	json_decref(j);
	if (ct_ok(r))
		fail_msg("accepted, want error '%s'", needle);
	assert_null(m);
	if (strstr(ct_error_message(), needle) == NULL)
		fail_msg("error '%s' lacks '%s'", ct_error_message(), needle);
}

static void valid_manifest(void **state)
{
	json_t *j = fx_manifest();
	char *s = fx_dump(j);
	struct ct_manifest *m;
	assert_ct_ok(ct_manifest_parse(ct_span_str(s), 0, &m));
	assert_int_equal(m->n_policies, 2);
	assert_int_equal(m->n_snp, 1);
	assert_int_equal(m->n_owner_keys, 1);
	assert_int_equal(m->n_seedshare_keys, 1);
	assert_false(m->simulated);
	assert_string_equal(m->snp[0].product_name, "Genoa");
	assert_int_equal(m->snp[0].min_snp, 23);
	assert_int_equal(m->snp[0].min_microcode, 72);
	assert_false(m->snp[0].has_min_fmc);
	assert_non_null(strstr(m->snp[0].json, "\"ProductName\":\"Genoa\""));
	uint8_t h[32];
	SHA256((const uint8_t *)s, strlen(s), h);
	assert_memory_equal(m->hash, h, 32);
	assert_int_equal(m->raw.len, strlen(s));

	char *h1 = fx_sha256_hex(fx_policy_docs[1]);
	uint8_t hb[32];
	assert_ct_ok(ct_hex_decode_fixed(hb, 32, h1));
	const struct ct_manifest_policy *p = ct_manifest_find_policy(m, hb);
	assert_non_null(p);
	assert_int_equal(p->n_sans, 4);
	assert_string_equal(p->sans[3], "spiffe://acme.com/web");
	assert_string_equal(p->workload_secret_id,
			    "apps/v1/Deployment/default/web");
	assert_int_equal(p->role, CT_MANIFEST_ROLE_NONE);
	hb[0] ^= 1;
	assert_null(ct_manifest_find_policy(m, hb));

	/* Canonical form: sorted, compact, and parses to the same canonical form. */
	struct ct_buf c1, c2;
	ct_buf_init(&c1, 1 << 20);
	ct_buf_init(&c2, 1 << 20);
	assert_ct_ok(ct_manifest_serialize(m, &c1));
	assert_true(strncmp(ct_buf_cstr(&c1), "{\"Policies\"", 11) == 0);
	struct ct_manifest *m2;
	assert_ct_ok(ct_manifest_parse(ct_buf_span(&c1), 0, &m2));
	assert_ct_ok(ct_manifest_serialize(m2, &c2));
	assert_string_equal(ct_buf_cstr(&c1), ct_buf_cstr(&c2));
	ct_manifest_free(m2);
	ct_buf_dispose(&c1);
	ct_buf_dispose(&c2);
	free(h1);
	free(s);
	json_decref(j);
	ct_manifest_free(m);
}

static void syntax_and_limits(void **state)
{
	struct ct_manifest *m = NULL;
	assert_ct_err(ct_manifest_parse(ct_span_str("{"), 0, &m),
		      CT_ERR_PROTO);
	assert_error_contains("invalid JSON");
	assert_ct_err(ct_manifest_parse(ct_span_str("[]"), 0, &m),
		      CT_ERR_PROTO);
	assert_ct_err(ct_manifest_parse(ct_span_str(""), 0, &m), CT_ERR_PROTO);
	assert_ct_err(ct_manifest_parse(
			      ct_span_str("{\"Policies\":{},\"Policies\":{}}"),
			      0, &m),
		      CT_ERR_PROTO);
	assert_ct_err(ct_manifest_parse(ct_span_make("x", CT_MANIFEST_MAX_BYTES + 1),
					0, &m),
		      CT_ERR_LIMIT);
	assert_null(m);
}

static void missing_fields(void **state)
{
	json_t *j = fx_manifest();
	json_object_del(json_object_get(snp0(j), "MinimumTCB"), "SNPVersion");
	expect_reject(j, 0, "ReferenceValues.snp[0].MinimumTCB.SNPVersion: missing");

	j = fx_manifest();
	json_object_del(snp0(j), "TrustedMeasurement");
	expect_reject(j, 0, "ReferenceValues.snp[0].TrustedMeasurement: missing");

	j = fx_manifest();
	json_object_del(j, "Policies");
	expect_reject(j, 0, "Policies: missing");

	j = fx_manifest();
	json_array_clear(json_object_get(json_object_get(j, "ReferenceValues"), "snp"));
	expect_reject(j, 0, "reference values in manifest cannot be empty");

	j = fx_manifest();
	json_object_del(snp0(j), "GuestPolicy");
	expect_reject(j, 0, "ReferenceValues.snp[0].GuestPolicy: missing");
}

static void bad_values(void **state)
{
	json_t *j = fx_manifest();
	json_object_set_new(snp0(j), "TrustedMeasurement", json_string("abcd"));
	expect_reject(j, 0, "TrustedMeasurement: want 96 hex characters, got 4");

	j = fx_manifest();
	json_object_set_new(json_object_get(snp0(j), "MinimumTCB"), "TEEVersion",
			    json_integer(256));
	expect_reject(j, 0, "MinimumTCB.TEEVersion: 256 out of range 0..255");

	j = fx_manifest();
	json_object_set_new(json_object_get(snp0(j), "MinimumTCB"), "TEEVersion",
			    json_real(1.5));
	expect_reject(j, 0, "MinimumTCB.TEEVersion: must be an integer");

	j = fx_manifest();
	json_object_set_new(snp0(j), "ProductName", json_string("Rome"));
	expect_reject(j, 0, "ReferenceValues.snp[0].ProductName: must be Milan");

	j = fx_manifest();
	json_object_set_new(json_object_get(snp0(j), "GuestPolicy"), "Debug",
			    json_true());
	expect_reject(j, 0, "GuestPolicy.Debug: must be false");

	j = fx_manifest();
	json_object_set_new(json_object_get(snp0(j), "GuestPolicy"), "SMT",
			    json_false());
	expect_reject(j, 0, "GuestPolicy.SMT: must be true");

	j = fx_manifest();
	json_object_set_new(json_object_get(snp0(j), "GuestPolicy"), "ABIMajor",
			    json_integer(1));
	expect_reject(j, 0, "GuestPolicy.ABIMajor: must be 0");

	j = fx_manifest();
	json_object_set_new(json_object_get(snp0(j), "GuestPolicy"), "ABIMinor",
			    json_integer(31));
	struct ct_manifest *m;
	assert_ct_ok(parse_json(j, 0, &m)); /* AKS uses ABI minor 31 */
	ct_manifest_free(m);
	json_decref(j);

	j = fx_manifest();
	json_object_set_new(snp0(j), "AllowedChipIDs",
			    json_pack("[s]", "00ff"));
	expect_reject(j, 0, "AllowedChipIDs[0]: want 128 hex characters");

	j = fx_manifest();
	json_t *tdx = json_pack("[{}]");
	json_object_set_new(json_object_get(j, "ReferenceValues"), "tdx", tdx);
	expect_reject(j, 0, "ReferenceValues.tdx: TDX reference values are not supported");

	j = fx_manifest();
	json_object_set_new(snp0(j), "MinimumTcb", json_object());
	expect_reject(j, 0, "ReferenceValues.snp[0].MinimumTcb: unknown field");

	j = fx_manifest();
	json_object_set_new(j, "SeedshareOwnerKeys", json_array());
	expect_reject(j, 0, "SeedshareOwnerKeys: unknown field");
}

static void policy_rules(void **state)
{
	json_t *j = fx_manifest();
	json_object_set_new(json_object_get(j, "Policies"), "abc",
			    json_object());
	expect_reject(j, 0, "Policies.abc: want 64 hex characters");

	j = fx_manifest();
	char upper[65];
	memset(upper, 'A', 64);
	upper[64] = '\0';
	json_object_set_new(json_object_get(j, "Policies"), upper,
			    json_object());
	expect_reject(j, 0, "not lowercase hex");

	j = fx_manifest();
	json_object_set_new(policy_n(j, 0), "Role", json_string("admin"));
	expect_reject(j, 0, "Role: must be \"\" or \"coordinator\"");

	j = fx_manifest();
	json_object_del(policy_n(j, 0), "Role");
	expect_reject(j, 0, "Policies: no policy with Role \"coordinator\"");

	j = fx_manifest();
	json_object_set_new(policy_n(j, 1), "SANs", json_pack("[s]", "a\nb"));
	expect_reject(j, 0, "SANs[0]: must be printable ASCII");

	j = fx_manifest();
	json_object_set_new(policy_n(j, 1), "SANs", json_pack("[i]", 1));
	expect_reject(j, 0, "SANs[0]: must be a string");
}

static void owner_keys(void **state)
{
	json_t *j = fx_manifest();
	json_object_set_new(j, "WorkloadOwnerKeyDigests", json_pack("[s]", "12"));
	expect_reject(j, 0, "WorkloadOwnerKeyDigests[0]: want 64 hex");

	j = fx_manifest();
	json_array_append(json_object_get(j, "WorkloadOwnerKeyDigests"),
			  json_array_get(json_object_get(j, "WorkloadOwnerKeyDigests"), 0));
	expect_reject(j, 0, "WorkloadOwnerKeyDigests[1]: duplicate");

	j = fx_manifest();
	json_object_set_new(j, "SeedshareOwnerPubKeys", json_pack("[s]", "3082"));
	expect_reject(j, 0, "SeedshareOwnerPubKeys[0]: not a PKCS#1 DER RSA public key");

	EVP_PKEY *small = fx_load_key("rsa-2048.pem");
	char *hex = fx_rsa_hex(small);
	j = fx_manifest();
	json_object_set_new(j, "SeedshareOwnerPubKeys", json_pack("[s]", hex));
	expect_reject(j, 0, "SeedshareOwnerPubKeys[0]: RSA key has 2048 bits, want 4096");
	free(hex);

	/* Authorisation checks against a parsed manifest. */
	j = fx_manifest();
	struct ct_manifest *m;
	assert_ct_ok(parse_json(j, 0, &m));
	EVP_PKEY *wo = fx_load_key("workload-owner.pem");
	EVP_PKEY *wo2 = fx_load_key("workload-owner-2.pem");
	EVP_PKEY *ss1 = fx_load_key("seedshare-owner-1.pem");
	EVP_PKEY *ss2 = fx_load_key("seedshare-owner-2.pem");
	assert_ct_ok(ct_manifest_check_workload_owner(m, wo));
	assert_ct_err(ct_manifest_check_workload_owner(m, wo2), CT_ERR_POLICY);
	assert_error_contains("not in the active manifest's WorkloadOwnerKeyDigests");
	assert_ct_err(ct_manifest_check_workload_owner(m, NULL), CT_ERR_POLICY);
	assert_ct_ok(ct_manifest_check_seedshare_owner(m, ss1));
	assert_ct_err(ct_manifest_check_seedshare_owner(m, ss2), CT_ERR_POLICY);
	assert_error_contains("not in the manifest's SeedshareOwnerPubKeys");
	assert_ct_err(ct_manifest_check_seedshare_owner(m, wo), CT_ERR_POLICY);

	/* Seedshare owners may never change. */
	struct ct_manifest *m2;
	char *h2 = fx_rsa_hex(ss2);
	json_array_append_new(json_object_get(j, "SeedshareOwnerPubKeys"),
			      json_string(h2));
	assert_ct_ok(parse_json(j, 0, &m2));
	assert_ct_ok(ct_manifest_check_seedshare_unchanged(m, m));
	assert_ct_err(ct_manifest_check_seedshare_unchanged(m, m2), CT_ERR_POLICY);
	assert_error_contains("seedshare owners cannot change");
	ct_manifest_free(m2);

	/* Empty owner list: updates are disabled. */
	json_object_set_new(j, "WorkloadOwnerKeyDigests", json_null());
	assert_ct_ok(parse_json(j, 0, &m2));
	assert_ct_err(ct_manifest_check_workload_owner(m2, wo), CT_ERR_POLICY);
	assert_error_contains("setting manifest is disabled");
	ct_manifest_free(m2);

	free(h2);
	json_decref(j);
	ct_manifest_free(m);
	EVP_PKEY_free(wo);
	EVP_PKEY_free(wo2);
	EVP_PKEY_free(ss1);
	EVP_PKEY_free(ss2);
	EVP_PKEY_free(small);
}

static void simulated(void **state)
{
	char *ca = fx_read_data("sim-root-ca.pem");
	json_t *j = fx_manifest();
	json_object_set_new(snp0(j), "ProductName", json_string("Simulator"));
	json_object_set_new(snp0(j), "SimulatorRootCA", json_string(ca));
	expect_reject(json_incref(j), 0, "simulated reference values are refused");

	struct ct_manifest *m;
	assert_ct_ok(parse_json(j, CT_MANIFEST_ALLOW_SIMULATED, &m));
	assert_true(m->simulated);
	assert_true(m->snp[0].simulated);
	assert_string_equal(m->snp[0].simulator_root_ca_pem, ca);
	ct_manifest_free(m);

	/* Mixing simulated and real entries. */
	json_t *real = json_deep_copy(snp0(j));
	json_object_set_new(real, "ProductName", json_string("Milan"));
	json_object_del(real, "SimulatorRootCA");
	json_array_append_new(
		json_object_get(json_object_get(j, "ReferenceValues"), "snp"),
		real);
	expect_reject(json_incref(j), CT_MANIFEST_ALLOW_SIMULATED,
		      "may not mix simulated and real entries");
	json_decref(j);

	/* Simulator without its root, a root without the simulator, bad PEM. */
	j = fx_manifest();
	json_object_set_new(snp0(j), "ProductName", json_string("Simulator"));
	expect_reject(j, CT_MANIFEST_ALLOW_SIMULATED,
		      "ReferenceValues.snp[0].SimulatorRootCA: missing");
	j = fx_manifest();
	json_object_set_new(snp0(j), "SimulatorRootCA", json_string(ca));
	expect_reject(j, 0, "SimulatorRootCA: only allowed with ProductName");
	j = fx_manifest();
	json_object_set_new(snp0(j), "ProductName", json_string("Simulator"));
	json_object_set_new(snp0(j), "SimulatorRootCA", json_string("-----BEGIN"));
	expect_reject(j, CT_MANIFEST_ALLOW_SIMULATED,
		      "SimulatorRootCA: not a PEM certificate");
	free(ca);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_manifest),
		cmocka_unit_test(syntax_and_limits),
		cmocka_unit_test(missing_fields),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(policy_rules),
		cmocka_unit_test(owner_keys),
		cmocka_unit_test(simulated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
