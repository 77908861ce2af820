/*
 * snp_refvals.c - one `snp` reference-value entry of a manifest
 * (DESIGN.md §4.1): ProductName, TrustedMeasurement, MinimumTCB,
 * GuestPolicy, PlatformInfo, VMPL, MinimumMitigationVector,
 * AllowedChipIDs, SimulatorRootCA.
 *
 * Trust boundary: the JSON comes from the user (a manifest or a file); it
 * is bounded (CT_SNP_REFVALS_JSON_MAX, CT_SNP_MAX_CHIP_IDS), typed
 * strictly, refuses unknown keys (a typo must not silently weaken a
 * check) and reports errors with the path of the offending field.
 */
#include "attest/snp_verify.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "crypto/crypto.h"

void ct_snp_refvals_init(struct ct_snp_refvals *rv)
{
	memset(rv, 0, sizeof(*rv));
	/*
	 * Contrast's shipped defaults: SMT allowed, everything else off. TSME
	 * (transparent memory encryption by the host) weakens nothing for an
	 * SNP guest, and real Genoa hosts report it, so it is allowed too.
	 */
	rv->guest_policy.smt = true;
	rv->platform_info.smt_enabled = true;
	rv->platform_info.tsme_enabled = true;
	rv->vmpl = 0;
}

void ct_snp_refvals_dispose(struct ct_snp_refvals *rv)
{
	free(rv->chip_ids);
	X509_free(rv->simulator_root);
	memset(rv, 0, sizeof(*rv));
}

static ct_result get_uint(const json_t *obj, const char *key, uint64_t max,
			  bool required, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v)) {
		CT_ENSURE(!required, CT_ERR_USAGE, "%s: missing", key);
		return CT_OK;
	}
	CT_ENSURE(json_is_integer(v), CT_ERR_USAGE, "%s: want an integer",
		  key);
	json_int_t i = json_integer_value(v);
	CT_ENSURE(i >= 0 && (uint64_t)i <= max, CT_ERR_USAGE,
		  "%s: %lld out of range 0..%llu", key, (long long)i,
		  (unsigned long long)max);
	*out = (uint64_t)i;
	return CT_OK;
}

static ct_result get_bool(const json_t *obj, const char *key, bool *out)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v))
		return CT_OK;
	CT_ENSURE(json_is_boolean(v), CT_ERR_USAGE, "%s: want true or false",
		  key);
	*out = json_is_true(v);
	return CT_OK;
}

static ct_result check_keys(const json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)obj, key, val) {
		bool ok = false;
		for (size_t i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				ok = true;
		CT_ENSURE(ok, CT_ERR_USAGE, "%.64s: unknown field", key);
		(void)val;
	}
	return CT_OK;
}

static ct_result parse_tcb(struct ct_snp_tcb *t, const json_t *o)
{
	static const char *const keys[] = { "BootloaderVersion", "TEEVersion",
					    "SNPVersion", "MicrocodeVersion",
					    "FMCVersion", NULL };
	CT_ENSURE(json_is_object(o), CT_ERR_USAGE, "want an object");
	CT_GUARD(check_keys(o, keys));
	uint64_t bl = 0, tee = 0, snp = 0, uc = 0, fmc = 0;
	CT_GUARD(get_uint(o, "BootloaderVersion", 255, true, &bl));
	CT_GUARD(get_uint(o, "TEEVersion", 255, true, &tee));
	CT_GUARD(get_uint(o, "SNPVersion", 255, true, &snp));
	CT_GUARD(get_uint(o, "MicrocodeVersion", 255, true, &uc));
	CT_GUARD(get_uint(o, "FMCVersion", 255, false, &fmc));
	t->bootloader = (uint8_t)bl;
	t->tee = (uint8_t)tee;
	t->snp = (uint8_t)snp;
	t->microcode = (uint8_t)uc;
	t->fmc = (uint8_t)fmc;
	return CT_OK;
}

static ct_result parse_policy(struct ct_snp_guest_policy *p, const json_t *o)
{
	static const char *const keys[] = {
		"ABIMinor", "ABIMajor", "SMT", "MigrateMA", "Debug",
		"SingleSocket", "CXLAllowed", "MemAES256XTS", "RAPLDis",
		"CipherTextHidingDRAM", "PageSwapDisable", NULL
	};
	CT_ENSURE(json_is_object(o), CT_ERR_USAGE, "want an object");
	CT_GUARD(check_keys(o, keys));
	uint64_t minor = p->abi_minor, major = p->abi_major;
	CT_GUARD(get_uint(o, "ABIMinor", 255, false, &minor));
	CT_GUARD(get_uint(o, "ABIMajor", 255, false, &major));
	p->abi_minor = (uint8_t)minor;
	p->abi_major = (uint8_t)major;
	CT_GUARD(get_bool(o, "SMT", &p->smt));
	CT_GUARD(get_bool(o, "MigrateMA", &p->migrate_ma));
	CT_GUARD(get_bool(o, "Debug", &p->debug));
	CT_GUARD(get_bool(o, "SingleSocket", &p->single_socket));
	CT_GUARD(get_bool(o, "CXLAllowed", &p->cxl_allowed));
	CT_GUARD(get_bool(o, "MemAES256XTS", &p->mem_aes_256_xts));
	CT_GUARD(get_bool(o, "RAPLDis", &p->rapl_dis));
	CT_GUARD(get_bool(o, "CipherTextHidingDRAM", &p->ciphertext_hiding_dram));
	CT_GUARD(get_bool(o, "PageSwapDisable", &p->page_swap_disable));
	return CT_OK;
}

static ct_result parse_platform(struct ct_snp_platform_info *p, const json_t *o)
{
	static const char *const keys[] = {
		"SMTEnabled", "TSMEEnabled", "ECCEnabled", "RAPLDisabled",
		"CiphertextHidingDRAMEnabled", "AliasCheckComplete",
		"TIOEnabled", NULL
	};
	CT_ENSURE(json_is_object(o), CT_ERR_USAGE, "want an object");
	CT_GUARD(check_keys(o, keys));
	CT_GUARD(get_bool(o, "SMTEnabled", &p->smt_enabled));
	CT_GUARD(get_bool(o, "TSMEEnabled", &p->tsme_enabled));
	CT_GUARD(get_bool(o, "ECCEnabled", &p->ecc_enabled));
	CT_GUARD(get_bool(o, "RAPLDisabled", &p->rapl_disabled));
	CT_GUARD(get_bool(o, "CiphertextHidingDRAMEnabled",
			  &p->ciphertext_hiding_dram_enabled));
	CT_GUARD(get_bool(o, "AliasCheckComplete", &p->alias_check_complete));
	CT_GUARD(get_bool(o, "TIOEnabled", &p->tio_enabled));
	return CT_OK;
}

static ct_result parse_chip_ids(struct ct_snp_refvals *rv, const json_t *a)
{
	if (a == NULL || json_is_null(a))
		return CT_OK;
	CT_ENSURE(json_is_array(a), CT_ERR_USAGE, "want an array of hex");
	size_t n = json_array_size(a);
	CT_ENSURE(n <= CT_SNP_MAX_CHIP_IDS, CT_ERR_LIMIT,
		  "%zu entries exceeds %u", n, CT_SNP_MAX_CHIP_IDS);
	if (n == 0)
		return CT_OK;
	rv->chip_ids = ct_calloc(n, CT_SNP_CHIP_ID_LEN);
	CT_ENSURE(rv->chip_ids != NULL, CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		CT_ENSURE(s != NULL && strlen(s) == 2 * CT_SNP_CHIP_ID_LEN &&
				  ct_ok(ct_hex_decode_fixed(rv->chip_ids[i],
							    CT_SNP_CHIP_ID_LEN,
							    s)),
			  CT_ERR_USAGE, "[%zu]: want 128 hex digits", i);
		rv->chip_id_count = i + 1;
	}
	return CT_OK;
}

ct_result ct_snp_refvals_from_json(struct ct_snp_refvals *out,
				   const void *json_object)
{
	static const char *const keys[] = {
		"ProductName", "TrustedMeasurement", "MinimumTCB",
		"GuestPolicy", "PlatformInfo", "VMPL",
		"MinimumMitigationVector", "AllowedChipIDs",
		"SimulatorRootCA", "APEIP", "CPUs", NULL
	};
	const json_t *o = json_object;
	struct ct_snp_refvals rv;
	ct_snp_refvals_init(&rv);
	ct_result res = CT_OK;

	CT_TRY_ENSURE(json_is_object(o), CT_ERR_USAGE,
		      "snp reference values: want a JSON object");
	CT_TRY(check_keys(o, keys));

	const char *name = json_string_value(json_object_get(o, "ProductName"));
	CT_TRY_ENSURE(name != NULL, CT_ERR_USAGE, "ProductName: missing");
	if (strcmp(name, "Simulator") == 0) {
		rv.simulator = true;
	} else {
		res = ct_snp_product_parse(name, &rv.product);
		if (!ct_ok(res)) {
			res = ct_error_prefix("ProductName");
			goto out;
		}
	}

	const char *m = json_string_value(json_object_get(o, "TrustedMeasurement"));
	CT_TRY_ENSURE(m != NULL, CT_ERR_USAGE, "TrustedMeasurement: missing");
	CT_TRY_ENSURE(strlen(m) == 2 * CT_SNP_MEASUREMENT_LEN &&
			      ct_ok(ct_hex_decode_fixed(rv.measurement,
							CT_SNP_MEASUREMENT_LEN,
							m)),
		      CT_ERR_USAGE, "TrustedMeasurement: want 96 hex digits");

	json_t *tcb = json_object_get(o, "MinimumTCB");
	CT_TRY_ENSURE(tcb != NULL && !json_is_null(tcb), CT_ERR_USAGE,
		      "MinimumTCB: missing");
	res = parse_tcb(&rv.minimum_tcb, tcb);
	if (!ct_ok(res)) {
		res = ct_error_prefix("MinimumTCB");
		goto out;
	}
	json_t *gp = json_object_get(o, "GuestPolicy");
	if (gp != NULL && !json_is_null(gp) &&
	    !ct_ok(res = parse_policy(&rv.guest_policy, gp))) {
		res = ct_error_prefix("GuestPolicy");
		goto out;
	}
	json_t *pi = json_object_get(o, "PlatformInfo");
	if (pi != NULL && !json_is_null(pi) &&
	    !ct_ok(res = parse_platform(&rv.platform_info, pi))) {
		res = ct_error_prefix("PlatformInfo");
		goto out;
	}
	uint64_t vmpl = 0, mit = 0;
	CT_TRY(get_uint(o, "VMPL", 3, false, &vmpl));
	rv.vmpl = (uint32_t)vmpl;
	CT_TRY(get_uint(o, "MinimumMitigationVector", (uint64_t)INT64_MAX,
			false, &mit));
	rv.minimum_mitigation_vector = mit;
	res = parse_chip_ids(&rv, json_object_get(o, "AllowedChipIDs"));
	if (!ct_ok(res)) {
		res = ct_error_prefix("AllowedChipIDs");
		goto out;
	}
	json_t *ca = json_object_get(o, "SimulatorRootCA");
	if (ca != NULL && !json_is_null(ca)) {
		CT_TRY_ENSURE(rv.simulator, CT_ERR_USAGE,
			      "SimulatorRootCA: only allowed with ProductName "
			      "\"Simulator\"");
		const char *pem = json_string_value(ca);
		CT_TRY_ENSURE(pem != NULL, CT_ERR_USAGE,
			      "SimulatorRootCA: want a PEM string");
		res = ct_x509_parse(&rv.simulator_root, ct_span_str(pem));
		if (!ct_ok(res)) {
			res = ct_error_prefix("SimulatorRootCA");
			goto out;
		}
	}
	*out = rv;
	return CT_OK;
out:
	ct_snp_refvals_dispose(&rv);
	return res;
}

ct_result ct_snp_refvals_parse(struct ct_snp_refvals *out, struct ct_span json)
{
	CT_ENSURE(json.len <= CT_SNP_REFVALS_JSON_MAX, CT_ERR_LIMIT,
		  "snp reference values: %zu bytes exceeds %u", json.len,
		  CT_SNP_REFVALS_JSON_MAX);
	json_error_t err;
	json_t *o = json_loadb((const char *)json.ptr, json.len,
			       JSON_REJECT_DUPLICATES, &err);
	CT_ENSURE(o != NULL, CT_ERR_USAGE,
		  "snp reference values: invalid JSON at line %d: %s",
		  err.line, err.text);
	ct_result res = ct_snp_refvals_from_json(out, o);
	json_decref(o);
	return res;
}
