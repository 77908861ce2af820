/* fixture.c - keys and a valid manifest for the manifest/state/ca tests. */
#include "ct_test.h"
#include "fixture.h"

#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const fx_policy_docs[2] = {
	"version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n"
	"\"policy.rego\" = \"package agent_policy # coordinator\"\n",
	"version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n"
	"\"policy.rego\" = \"package agent_policy # web\"\n",
};

static char *data_path(const char *name)
{
	const char *dir = getenv("CT_TEST_DATA");
	if (dir == NULL)
		dir = "tests/data";
	char *p = ct_aprintf("%s/state/%s", dir, name);
	assert_non_null(p);
	return p;
}

EVP_PKEY *fx_load_key(const char *name)
{
	char *p = data_path(name);
	FILE *f = fopen(p, "r");
	if (f == NULL)
		fail_msg("cannot open %s", p);
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL)
		fail_msg("cannot parse %s", p);
	free(p);
	return k;
}

char *fx_read_data(const char *name)
{
	char *p = data_path(name);
	struct ct_buf b;
	ct_buf_init(&b, 1 << 20);
	assert_ct_ok(ct_file_read(&b, p, 1 << 20));
	free(p);
	size_t n;
	return (char *)ct_buf_take(&b, &n);
}

static char *hex_of(const uint8_t *d, size_t n)
{
	char *s = malloc(2 * n + 1);
	assert_non_null(s);
	ct_hex_format(s, d, n);
	return s;
}

char *fx_rsa_hex(EVP_PKEY *key)
{
	unsigned char *der = NULL;
	int n = i2d_PublicKey(key, &der);
	assert_true(n > 0);
	char *s = hex_of(der, (size_t)n);
	OPENSSL_free(der);
	return s;
}

char *fx_key_digest_hex(EVP_PKEY *key)
{
	unsigned char *der = NULL;
	uint8_t d[32];
	int n = i2d_PUBKEY(key, &der);
	assert_true(n > 0);
	SHA256(der, (size_t)n, d);
	OPENSSL_free(der);
	return hex_of(d, sizeof(d));
}

char *fx_sha256_hex(const char *s)
{
	uint8_t d[32];
	SHA256((const uint8_t *)s, strlen(s), d);
	return hex_of(d, sizeof(d));
}

json_t *fx_manifest(void)
{
	EVP_PKEY *wo = fx_load_key("workload-owner.pem");
	EVP_PKEY *ss = fx_load_key("seedshare-owner-1.pem");
	char *wo_hex = fx_key_digest_hex(wo);
	char *ss_hex = fx_rsa_hex(ss);
	char *h0 = fx_sha256_hex(fx_policy_docs[0]);
	char *h1 = fx_sha256_hex(fx_policy_docs[1]);
	char meas[97];
	memset(meas, 'a', 96);
	meas[96] = '\0';

	json_t *m = json_pack(
		"{s:{s:{s:[s,s],s:s,s:s},s:{s:[s,s,s,s],s:s}},"
		"s:{s:[{s:s,s:s,s:s,s:{s:i,s:i,s:i,s:i},"
		"s:{s:i,s:i,s:b,s:b,s:b},s:{s:b},s:n}]},"
		"s:[s],s:[s]}",
		"Policies", h0, "SANs", "coordinator", "*",
		"WorkloadSecretID", "apps/v1/StatefulSet/default/coordinator",
		"Role", "coordinator", h1, "SANs", "web", "*", "203.0.113.34",
		"spiffe://acme.com/web", "WorkloadSecretID",
		"apps/v1/Deployment/default/web",
		"ReferenceValues", "snp", "Platform", "Metal-QEMU-SNP",
		"ProductName", "Genoa", "TrustedMeasurement", meas,
		"MinimumTCB", "BootloaderVersion", 9, "TEEVersion", 0,
		"SNPVersion", 23, "MicrocodeVersion", 72, "GuestPolicy",
		"ABIMinor", 0, "ABIMajor", 0, "SMT", 1, "Debug", 0,
		"MigrateMA", 0, "PlatformInfo", "SMTEnabled", 1,
		"AllowedChipIDs", "WorkloadOwnerKeyDigests", wo_hex,
		"SeedshareOwnerPubKeys", ss_hex);
	assert_non_null(m);
	free(wo_hex);
	free(ss_hex);
	free(h0);
	free(h1);
	EVP_PKEY_free(wo);
	EVP_PKEY_free(ss);
	return m;
}

char *fx_dump(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	assert_non_null(s);
	return s;
}
