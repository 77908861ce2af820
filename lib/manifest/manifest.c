/*
 * manifest.c - decoding and validation of manifest.json, and the owner-key
 * checks the Coordinator bases its authorisation decisions on.
 *
 * Trust boundary: the input bytes come from a user, the history store or a
 * peer. Parsing is bounded (CT_MANIFEST_MAX_*), duplicate keys and unknown
 * fields are refused, and nothing is returned unless every rule of
 * reference/contrast.md §2.4 holds. The authorisation helpers compare
 * public-key encodings only (no secrets involved).
 */
#include "manifest/manifest.h"
#include "manifest/refvals.h"

#include <openssl/core_names.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

static const char *const top_keys[] = {
	"Policies", "ReferenceValues", "WorkloadOwnerKeyDigests",
	"SeedshareOwnerPubKeys", NULL,
};
static const char *const refval_keys[] = { "snp", "tdx", NULL };
static const char *const policy_keys[] = { "SANs", "WorkloadSecretID",
					   "Role", NULL };

#define RSA_PUB_MAX_HEX 4096 /* PKCS#1 DER of RSA-4096 is 526 bytes */
#define SEEDSHARE_KEY_BITS 4096

static ct_result parse_policy(json_t *val, const char *hex,
			      struct ct_manifest_policy *out)
{
	char path[CT_MJ_PATH_MAX], p[CT_MJ_PATH_MAX];
	const char *s;
	json_t *sans;

	ct_mj_path(path, "Policies", hex, 0);
	CT_GUARD(ct_mj_hex_fixed(path, hex, out->hash, sizeof(out->hash)));
	memcpy(out->hex, hex, sizeof(out->hex) - 1);
	if (!json_is_object(val))
		return ct_mj_fail(path, "must be an object");
	CT_GUARD(ct_mj_known_keys(val, path, policy_keys));

	CT_GUARD(ct_mj_array(val, path, "SANs", CT_MANIFEST_MAX_SANS, &sans));
	size_t n = sans != NULL ? json_array_size(sans) : 0;
	out->sans = ct_calloc(n + 1, sizeof(char *));
	if (out->sans == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "out of memory");
	ct_mj_path(p, path, "SANs", 0);
	for (size_t i = 0; i < n; i++) {
		char q[CT_MJ_PATH_MAX];
		json_t *e = json_array_get(sans, i);
		ct_mj_path(q, p, NULL, i);
		if (!json_is_string(e))
			return ct_mj_fail(q, "must be a string");
		if (json_string_length(e) == 0 ||
		    json_string_length(e) > CT_MANIFEST_MAX_SAN_LEN)
			return ct_mj_fail(q, "length must be 1..%d",
					  CT_MANIFEST_MAX_SAN_LEN);
		if (!ct_mj_printable(json_string_value(e)))
			return ct_mj_fail(q, "must be printable ASCII");
		out->sans[i] = ct_strdup(json_string_value(e));
		if (out->sans[i] == NULL)
			return CT_FAIL(CT_ERR_NOMEM, "out of memory");
		out->n_sans++;
	}

	CT_GUARD(ct_mj_string(val, path, "WorkloadSecretID", false,
			      CT_MANIFEST_MAX_SECRET_ID_LEN, &s));
	ct_mj_path(p, path, "WorkloadSecretID", 0);
	if (s != NULL && !ct_mj_printable(s))
		return ct_mj_fail(p, "must be printable ASCII");
	out->workload_secret_id = ct_strdup(s != NULL ? s : "");
	if (out->workload_secret_id == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "out of memory");

	CT_GUARD(ct_mj_string(val, path, "Role", false, 32, &s));
	ct_mj_path(p, path, "Role", 0);
	if (s == NULL || s[0] == '\0')
		out->role = CT_MANIFEST_ROLE_NONE;
	else if (strcmp(s, "coordinator") == 0)
		out->role = CT_MANIFEST_ROLE_COORDINATOR;
	else
		return ct_mj_fail(p, "must be \"\" or \"coordinator\"");
	return CT_OK;
}

static ct_result parse_policies(json_t *root, struct ct_manifest *m)
{
	json_t *pol;
	const char *key;
	json_t *val;
	bool have_coordinator = false;

	CT_GUARD(ct_mj_member(root, "", "Policies", true, &pol));
	if (!json_is_object(pol))
		return ct_mj_fail("Policies", "must be an object");
	size_t n = json_object_size(pol);
	if (n > CT_MANIFEST_MAX_POLICIES)
		return CT_FAIL(CT_ERR_LIMIT, "Policies: more than %d entries",
			       CT_MANIFEST_MAX_POLICIES);
	m->policies = ct_calloc(n + 1, sizeof(*m->policies));
	if (m->policies == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "out of memory");
	json_object_foreach(pol, key, val) {
		struct ct_manifest_policy *p = &m->policies[m->n_policies++];
		CT_GUARD(parse_policy(val, key, p));
		have_coordinator |= p->role == CT_MANIFEST_ROLE_COORDINATOR;
	}
	if (!have_coordinator)
		return ct_mj_fail("Policies", "no policy with Role "
					      "\"coordinator\"");
	return CT_OK;
}

static ct_result parse_refvals(json_t *root, unsigned flags,
			       struct ct_manifest *m)
{
	json_t *rv, *snp, *tdx;
	char p[CT_MJ_PATH_MAX];

	CT_GUARD(ct_mj_member(root, "", "ReferenceValues", true, &rv));
	if (!json_is_object(rv))
		return ct_mj_fail("ReferenceValues", "must be an object");
	CT_GUARD(ct_mj_known_keys(rv, "ReferenceValues", refval_keys));
	CT_GUARD(ct_mj_array(rv, "ReferenceValues", "tdx",
			     CT_MANIFEST_MAX_REFVALS, &tdx));
	if (tdx != NULL && json_array_size(tdx) > 0)
		return ct_mj_fail("ReferenceValues.tdx",
				  "TDX reference values are not supported yet");
	CT_GUARD(ct_mj_array(rv, "ReferenceValues", "snp",
			     CT_MANIFEST_MAX_REFVALS, &snp));
	size_t n = snp != NULL ? json_array_size(snp) : 0;
	if (n == 0)
		return ct_mj_fail("ReferenceValues",
				  "reference values in manifest cannot be "
				  "empty");
	m->snp = ct_calloc(n, sizeof(*m->snp));
	if (m->snp == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "out of memory");
	size_t n_sim = 0;
	for (size_t i = 0; i < n; i++) {
		ct_mj_path(p, "ReferenceValues.snp", NULL, i);
		struct ct_manifest_snp *e = &m->snp[m->n_snp++];
		CT_GUARD(ct_manifest_snp_parse(json_array_get(snp, i), p, e));
		if (e->simulated) {
			n_sim++;
			if (!(flags & CT_MANIFEST_ALLOW_SIMULATED))
				return ct_mj_fail(
					p, "simulated reference values are "
					   "refused (set "
					   "CONTRAST_ALLOW_SIMULATED=1 to "
					   "allow them)");
		}
	}
	if (n_sim != 0 && n_sim != n)
		return ct_mj_fail("ReferenceValues.snp",
				  "a manifest may not mix simulated and real "
				  "entries");
	m->simulated = n_sim == n;
	return CT_OK;
}

static ct_result parse_owner_digests(json_t *root, struct ct_manifest *m)
{
	json_t *arr;
	char p[CT_MJ_PATH_MAX];
	CT_GUARD(ct_mj_array(root, "", "WorkloadOwnerKeyDigests",
			     CT_MANIFEST_MAX_OWNER_KEYS, &arr));
	size_t n = arr != NULL ? json_array_size(arr) : 0;
	m->owner_key_digests = ct_calloc(n + 1, CT_MANIFEST_HASH_LEN);
	if (m->owner_key_digests == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(arr, i);
		ct_mj_path(p, "WorkloadOwnerKeyDigests", NULL, i);
		if (!json_is_string(s))
			return ct_mj_fail(p, "must be a string");
		CT_GUARD(ct_mj_hex_fixed(p, json_string_value(s),
					 m->owner_key_digests[i],
					 CT_MANIFEST_HASH_LEN));
		for (size_t j = 0; j < i; j++)
			if (memcmp(m->owner_key_digests[j],
				   m->owner_key_digests[i],
				   CT_MANIFEST_HASH_LEN) == 0)
				return ct_mj_fail(p, "duplicate of entry %zu",
						  j);
		m->n_owner_keys++;
	}
	return CT_OK;
}

static ct_result parse_rsa_key(const char *path, const char *hex,
			       struct ct_manifest_rsa_key *out)
{
	struct ct_buf der;
	ct_result res = CT_OK;
	EVP_PKEY *key = NULL;

	ct_buf_init(&der, RSA_PUB_MAX_HEX / 2);
	size_t n = strlen(hex);
	CT_TRY_ENSURE(n > 0 && n <= RSA_PUB_MAX_HEX, CT_ERR_PROTO,
		      "%s: length must be 1..%d hex characters", path,
		      RSA_PUB_MAX_HEX);
	for (size_t i = 0; i < n; i++)
		CT_TRY_ENSURE((hex[i] >= '0' && hex[i] <= '9') ||
				      (hex[i] >= 'a' && hex[i] <= 'f'),
			      CT_ERR_PROTO, "%s: not lowercase hex", path);
	CT_TRY_ENSURE(ct_ok(ct_hex_decode(&der, hex, n)), CT_ERR_PROTO,
		      "%s: not hex", path);
	const unsigned char *p = der.data;
	key = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)der.len);
	CT_TRY_ENSURE(key != NULL, CT_ERR_PROTO,
		      "%s: not a PKCS#1 DER RSA public key", path);
	CT_TRY_ENSURE(p == der.data + der.len, CT_ERR_PROTO,
		      "%s: trailing bytes after the RSA public key", path);
	CT_TRY_ENSURE(EVP_PKEY_get_bits(key) == SEEDSHARE_KEY_BITS,
		      CT_ERR_PROTO, "%s: RSA key has %d bits, want %d", path,
		      EVP_PKEY_get_bits(key), SEEDSHARE_KEY_BITS);
	out->hex = ct_strdup(hex);
	CT_TRY_ENSURE(out->hex != NULL, CT_ERR_NOMEM, "out of memory");
	out->der = ct_buf_take(&der, &out->der_len);
out:
	EVP_PKEY_free(key);
	ct_buf_dispose(&der);
	return res;
}

static ct_result parse_seedshare_keys(json_t *root, struct ct_manifest *m)
{
	json_t *arr;
	char p[CT_MJ_PATH_MAX];
	CT_GUARD(ct_mj_array(root, "", "SeedshareOwnerPubKeys",
			     CT_MANIFEST_MAX_OWNER_KEYS, &arr));
	size_t n = arr != NULL ? json_array_size(arr) : 0;
	m->seedshare_keys = ct_calloc(n + 1, sizeof(*m->seedshare_keys));
	if (m->seedshare_keys == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(arr, i);
		ct_mj_path(p, "SeedshareOwnerPubKeys", NULL, i);
		if (!json_is_string(s))
			return ct_mj_fail(p, "must be a string");
		CT_GUARD(parse_rsa_key(p, json_string_value(s),
				       &m->seedshare_keys[i]));
		m->n_seedshare_keys++;
		for (size_t j = 0; j < i; j++)
			if (strcmp(m->seedshare_keys[j].hex,
				   m->seedshare_keys[i].hex) == 0)
				return ct_mj_fail(p, "duplicate of entry %zu",
						  j);
	}
	return CT_OK;
}

ct_result ct_manifest_parse(struct ct_span bytes, unsigned flags,
			    struct ct_manifest **out)
{
	ct_result res = CT_OK;
	json_error_t jerr;
	struct ct_manifest *m = NULL;

	*out = NULL;
	CT_ENSURE(bytes.len <= CT_MANIFEST_MAX_BYTES, CT_ERR_LIMIT,
		  "manifest: %zu bytes, limit is %u", bytes.len,
		  CT_MANIFEST_MAX_BYTES);
	m = ct_calloc(1, sizeof(*m));
	CT_ENSURE(m != NULL, CT_ERR_NOMEM, "out of memory");
	ct_buf_init(&m->raw, CT_MANIFEST_MAX_BYTES);
	CT_TRY(ct_buf_append_span(&m->raw, bytes));
	SHA256(bytes.ptr != NULL ? bytes.ptr : (const uint8_t *)"",
	       bytes.len, m->hash);

	json_t *root = json_loadb((const char *)bytes.ptr, bytes.len,
				  JSON_REJECT_DUPLICATES, &jerr);
	m->json = root;
	CT_TRY_ENSURE(root != NULL, CT_ERR_PROTO,
		      "manifest: invalid JSON at line %d column %d: %s",
		      jerr.line, jerr.column, jerr.text);
	CT_TRY_ENSURE(json_is_object(root), CT_ERR_PROTO,
		      "manifest: must be a JSON object");
	CT_TRY(ct_mj_known_keys(root, "", top_keys));
	CT_TRY(parse_policies(root, m));
	CT_TRY(parse_refvals(root, flags, m));
	CT_TRY(parse_owner_digests(root, m));
	CT_TRY(parse_seedshare_keys(root, m));
	*out = m;
	m = NULL;
out:
	ct_manifest_free(m);
	return res;
}

void ct_manifest_free(struct ct_manifest *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n_policies; i++) {
		struct ct_manifest_policy *p = &m->policies[i];
		for (size_t j = 0; p->sans != NULL && p->sans[j] != NULL; j++)
			free(p->sans[j]);
		free(p->sans);
		free(p->workload_secret_id);
	}
	/* A policy that failed half-way is counted; its parts are NULL-safe. */
	free(m->policies);
	for (size_t i = 0; i < m->n_snp; i++)
		ct_manifest_snp_dispose(&m->snp[i]);
	free(m->snp);
	free(m->owner_key_digests);
	for (size_t i = 0; i < m->n_seedshare_keys; i++) {
		free(m->seedshare_keys[i].hex);
		free(m->seedshare_keys[i].der);
	}
	free(m->seedshare_keys);
	json_decref((json_t *)m->json);
	ct_buf_dispose(&m->raw);
	free(m);
}

ct_result ct_manifest_serialize(const struct ct_manifest *m,
				struct ct_buf *out)
{
	char *s = json_dumps((const json_t *)m->json,
			     JSON_COMPACT | JSON_SORT_KEYS);
	CT_ENSURE(s != NULL, CT_ERR_NOMEM, "out of memory");
	ct_result r = ct_buf_append_str(out, s);
	free(s);
	return r;
}

const struct ct_manifest_policy *
ct_manifest_find_policy(const struct ct_manifest *m,
			const uint8_t hash[CT_MANIFEST_HASH_LEN])
{
	for (size_t i = 0; i < m->n_policies; i++)
		if (memcmp(m->policies[i].hash, hash, CT_MANIFEST_HASH_LEN) ==
		    0)
			return &m->policies[i];
	return NULL;
}

ct_result ct_manifest_key_digest(EVP_PKEY *key,
				 uint8_t out[CT_MANIFEST_HASH_LEN])
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(key, &der);
	CT_ENSURE(n > 0, CT_ERR_CRYPTO, "cannot encode public key");
	SHA256(der, (size_t)n, out);
	OPENSSL_free(der);
	return CT_OK;
}

ct_result ct_manifest_rsa_pub_hex(EVP_PKEY *key, struct ct_buf *out)
{
	CT_ENSURE(EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA, CT_ERR_USAGE,
		  "seedshare owner key is not an RSA key");
	unsigned char *der = NULL;
	int n = i2d_PublicKey(key, &der);
	CT_ENSURE(n > 0, CT_ERR_CRYPTO, "cannot encode RSA public key");
	ct_result r = ct_hex_encode(out, ct_span_make(der, (size_t)n));
	OPENSSL_free(der);
	return r;
}

ct_result ct_manifest_check_workload_owner(const struct ct_manifest *m,
					   EVP_PKEY *key)
{
	uint8_t d[CT_MANIFEST_HASH_LEN];
	char hex[2 * CT_MANIFEST_HASH_LEN + 1];
	CT_ENSURE(m->n_owner_keys > 0, CT_ERR_POLICY,
		  "workload owner check: setting manifest is disabled (the "
		  "active manifest lists no WorkloadOwnerKeyDigests)");
	CT_ENSURE(key != NULL, CT_ERR_POLICY,
		  "workload owner check: no client key presented");
	CT_GUARD(ct_manifest_key_digest(key, d));
	for (size_t i = 0; i < m->n_owner_keys; i++)
		if (memcmp(m->owner_key_digests[i], d, sizeof(d)) == 0)
			return CT_OK;
	ct_hex_format(hex, d, sizeof(d));
	return CT_FAIL(CT_ERR_POLICY,
		       "workload owner check: key digest %s is not in the "
		       "active manifest's WorkloadOwnerKeyDigests",
		       hex);
}

ct_result ct_manifest_check_seedshare_owner(const struct ct_manifest *m,
					    EVP_PKEY *key)
{
	struct ct_buf hex;
	CT_ENSURE(key != NULL, CT_ERR_POLICY,
		  "seedshare owner check: no client key presented");
	ct_buf_init(&hex, 2 * RSA_PUB_MAX_HEX);
	ct_result r = ct_manifest_rsa_pub_hex(key, &hex);
	if (!ct_ok(r)) {
		ct_buf_dispose(&hex);
		return CT_FAIL(CT_ERR_POLICY, "seedshare owner check: %s",
			       ct_error_message());
	}
	bool found = false;
	for (size_t i = 0; i < m->n_seedshare_keys && !found; i++)
		found = strcmp(m->seedshare_keys[i].hex, ct_buf_cstr(&hex)) ==
			0;
	ct_buf_dispose(&hex);
	CT_ENSURE(found, CT_ERR_POLICY,
		  "seedshare owner check: key is not in the manifest's "
		  "SeedshareOwnerPubKeys");
	return CT_OK;
}

ct_result ct_manifest_check_seedshare_unchanged(const struct ct_manifest *old,
						const struct ct_manifest *next)
{
	bool same = old->n_seedshare_keys == next->n_seedshare_keys;
	for (size_t i = 0; same && i < old->n_seedshare_keys; i++) {
		bool found = false;
		for (size_t j = 0; j < next->n_seedshare_keys && !found; j++)
			found = strcmp(old->seedshare_keys[i].hex,
				       next->seedshare_keys[j].hex) == 0;
		same = found;
	}
	CT_ENSURE(same, CT_ERR_POLICY,
		  "SeedshareOwnerPubKeys: seedshare owners cannot change "
		  "after the first manifest");
	return CT_OK;
}
