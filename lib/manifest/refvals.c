/*
 * refvals.c - validation of the manifest's SNP reference-value entries.
 *
 * Input: one untrusted JSON object per entry of ReferenceValues.snp. The
 * rules are reference/contrast.md §2.4 rule 4 plus the simulator rules of
 * DESIGN.md §4.1: a "Simulator" entry must carry its own SimulatorRootCA (a
 * PEM certificate) and is the only kind of entry that may. The full entry is
 * kept as canonical JSON; lib/attest turns it into a verifier.
 */
#include "manifest/manifest.h"
#include "manifest/refvals.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

static const char *const snp_keys[] = {
	"Platform", "ProductName", "TrustedMeasurement", "APEIP",
	"MinimumTCB", "GuestPolicy", "PlatformInfo",
	"MinimumMitigationVector", "AllowedChipIDs", "CPUs",
	"SimulatorRootCA", NULL,
};
static const char *const tcb_keys[] = {
	"BootloaderVersion", "TEEVersion", "SNPVersion", "MicrocodeVersion",
	"FMCVersion", NULL,
};
static const char *const guest_policy_keys[] = {
	"ABIMinor", "ABIMajor", "SMT", "MigrateMA", "Debug", "SingleSocket",
	"CXLAllowed", "MemAES256XTS", "RAPLDis", "CipherTextHidingDRAM",
	"PageSwapDisable", NULL,
};
/* Guest-policy bits that weaken isolation and must stay off. */
static const char *const guest_policy_false[] = {
	"MigrateMA", "Debug", "SingleSocket", "CXLAllowed", "MemAES256XTS",
	"RAPLDis", "CipherTextHidingDRAM", NULL,
};
static const char *const platform_info_keys[] = {
	"SMTEnabled", "TSMEEnabled", "ECCEnabled", "RAPLDisabled",
	"CiphertextHidingDRAMEnabled", "AliasCheckComplete", "TIOEnabled",
	NULL,
};
static const char *const products[] = { "Milan", "Genoa", "Turin",
					"Simulator", NULL };

static ct_result check_tcb(json_t *entry, const char *path,
			   struct ct_manifest_snp *out)
{
	char p[CT_MJ_PATH_MAX];
	json_t *tcb;
	uint64_t v;
	ct_mj_path(p, path, "MinimumTCB", 0);
	CT_GUARD(ct_mj_member(entry, path, "MinimumTCB", true, &tcb));
	if (!json_is_object(tcb))
		return ct_mj_fail(p, "must be an object");
	CT_GUARD(ct_mj_known_keys(tcb, p, tcb_keys));
	CT_GUARD(ct_mj_uint(tcb, p, "BootloaderVersion", true, 255, &v, NULL));
	out->min_bootloader = (uint8_t)v;
	CT_GUARD(ct_mj_uint(tcb, p, "TEEVersion", true, 255, &v, NULL));
	out->min_tee = (uint8_t)v;
	CT_GUARD(ct_mj_uint(tcb, p, "SNPVersion", true, 255, &v, NULL));
	out->min_snp = (uint8_t)v;
	CT_GUARD(ct_mj_uint(tcb, p, "MicrocodeVersion", true, 255, &v, NULL));
	out->min_microcode = (uint8_t)v;
	CT_GUARD(ct_mj_uint(tcb, p, "FMCVersion", false, 255, &v,
			    &out->has_min_fmc));
	out->min_fmc = (uint8_t)v;
	return CT_OK;
}

static ct_result check_guest_policy(json_t *entry, const char *path)
{
	char p[CT_MJ_PATH_MAX], q[CT_MJ_PATH_MAX];
	json_t *gp;
	uint64_t v;
	bool b;
	ct_mj_path(p, path, "GuestPolicy", 0);
	CT_GUARD(ct_mj_member(entry, path, "GuestPolicy", true, &gp));
	if (!json_is_object(gp))
		return ct_mj_fail(p, "must be an object");
	CT_GUARD(ct_mj_known_keys(gp, p, guest_policy_keys));
	CT_GUARD(ct_mj_uint(gp, p, "ABIMajor", false, 255, &v, NULL));
	ct_mj_path(q, p, "ABIMajor", 0);
	if (v != 0)
		return ct_mj_fail(q, "must be 0, got %llu",
				  (unsigned long long)v);
	CT_GUARD(ct_mj_uint(gp, p, "ABIMinor", false, 255, &v, NULL));
	ct_mj_path(q, p, "ABIMinor", 0);
	if (v != 0 && v != 31)
		return ct_mj_fail(q, "must be 0 or 31, got %llu",
				  (unsigned long long)v);
	CT_GUARD(ct_mj_bool(gp, p, "SMT", &b));
	ct_mj_path(q, p, "SMT", 0);
	if (!b)
		return ct_mj_fail(q, "must be true");
	for (size_t i = 0; guest_policy_false[i] != NULL; i++) {
		CT_GUARD(ct_mj_bool(gp, p, guest_policy_false[i], &b));
		ct_mj_path(q, p, guest_policy_false[i], 0);
		if (b)
			return ct_mj_fail(q, "must be false");
	}
	CT_GUARD(ct_mj_bool(gp, p, "PageSwapDisable", &b));
	return CT_OK;
}

static ct_result check_platform_info(json_t *entry, const char *path)
{
	char p[CT_MJ_PATH_MAX];
	json_t *pi;
	bool b;
	ct_mj_path(p, path, "PlatformInfo", 0);
	CT_GUARD(ct_mj_member(entry, path, "PlatformInfo", false, &pi));
	if (pi == NULL)
		return CT_OK;
	if (!json_is_object(pi))
		return ct_mj_fail(p, "must be an object");
	CT_GUARD(ct_mj_known_keys(pi, p, platform_info_keys));
	for (size_t i = 0; platform_info_keys[i] != NULL; i++)
		CT_GUARD(ct_mj_bool(pi, p, platform_info_keys[i], &b));
	return CT_OK;
}

static ct_result check_chip_ids(json_t *entry, const char *path)
{
	char p[CT_MJ_PATH_MAX], q[CT_MJ_PATH_MAX];
	json_t *arr;
	uint8_t id[CT_MANIFEST_CHIP_ID_LEN];
	ct_mj_path(p, path, "AllowedChipIDs", 0);
	CT_GUARD(ct_mj_array(entry, path, "AllowedChipIDs",
			     CT_MANIFEST_MAX_CHIP_IDS, &arr));
	for (size_t i = 0; arr != NULL && i < json_array_size(arr); i++) {
		json_t *s = json_array_get(arr, i);
		ct_mj_path(q, p, NULL, i);
		if (!json_is_string(s))
			return ct_mj_fail(q, "must be a string");
		CT_GUARD(ct_mj_hex_fixed(q, json_string_value(s), id,
					 sizeof(id)));
	}
	return CT_OK;
}

static ct_result check_simulator_ca(json_t *entry, const char *path,
				    struct ct_manifest_snp *out)
{
	char p[CT_MJ_PATH_MAX];
	const char *pem;
	ct_mj_path(p, path, "SimulatorRootCA", 0);
	CT_GUARD(ct_mj_string(entry, path, "SimulatorRootCA", out->simulated,
			      CT_MANIFEST_MAX_PEM_LEN, &pem));
	if (!out->simulated) {
		if (pem != NULL)
			return ct_mj_fail(p, "only allowed with ProductName "
					     "\"Simulator\"");
		return CT_OK;
	}
	BIO *bio = BIO_new_mem_buf(pem, (int)strlen(pem));
	if (bio == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "out of memory");
	X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (cert == NULL)
		return CT_FAIL_OSSL(CT_ERR_PROTO,
				    "%s: not a PEM certificate", p);
	X509_free(cert);
	out->simulator_root_ca_pem = ct_strdup(pem);
	if (out->simulator_root_ca_pem == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "out of memory");
	return CT_OK;
}

ct_result ct_manifest_snp_parse(json_t *entry, const char *path,
				struct ct_manifest_snp *out)
{
	char p[CT_MJ_PATH_MAX];
	const char *s;
	uint64_t v;
	uint8_t apeip[4];

	if (!json_is_object(entry))
		return ct_mj_fail(path, "must be an object");
	CT_GUARD(ct_mj_known_keys(entry, path, snp_keys));
	CT_GUARD(ct_mj_string(entry, path, "Platform", false, 64, &s));

	CT_GUARD(ct_mj_string(entry, path, "ProductName", true, 15, &s));
	ct_mj_path(p, path, "ProductName", 0);
	bool known = false;
	for (size_t i = 0; products[i] != NULL && !known; i++)
		known = strcmp(s, products[i]) == 0;
	if (!known)
		return ct_mj_fail(p, "must be Milan, Genoa, Turin or "
				     "Simulator");
	snprintf(out->product_name, sizeof(out->product_name), "%s", s);
	out->simulated = strcmp(s, "Simulator") == 0;

	CT_GUARD(ct_mj_string(entry, path, "TrustedMeasurement", true, 256,
			      &s));
	ct_mj_path(p, path, "TrustedMeasurement", 0);
	CT_GUARD(ct_mj_hex_fixed(p, s, out->measurement,
				 sizeof(out->measurement)));
	CT_GUARD(ct_mj_string(entry, path, "APEIP", false, 16, &s));
	if (s != NULL) {
		ct_mj_path(p, path, "APEIP", 0);
		CT_GUARD(ct_mj_hex_fixed(p, s, apeip, sizeof(apeip)));
	}
	CT_GUARD(check_tcb(entry, path, out));
	CT_GUARD(check_guest_policy(entry, path));
	CT_GUARD(check_platform_info(entry, path));
	CT_GUARD(ct_mj_uint(entry, path, "MinimumMitigationVector", false,
			    UINT64_MAX, &v, NULL));
	CT_GUARD(ct_mj_uint(entry, path, "CPUs", false, 65535, &v, NULL));
	CT_GUARD(check_chip_ids(entry, path));
	CT_GUARD(check_simulator_ca(entry, path, out));

	out->json = json_dumps(entry, JSON_COMPACT | JSON_SORT_KEYS);
	if (out->json == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "out of memory");
	return CT_OK;
}

void ct_manifest_snp_dispose(struct ct_manifest_snp *e)
{
	free(e->json);
	free(e->simulator_root_ca_pem);
	memset(e, 0, sizeof(*e));
}
