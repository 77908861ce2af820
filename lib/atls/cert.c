/*
 * cert.c - the aTLS certificate: making one that carries evidence, and
 * judging the one a peer presented.
 *
 * A responder's certificate is self-signed by a fresh P-384 key (or by a
 * supplied owner key); its only meaning comes from the evidence extension,
 * whose REPORT_DATA binds that key to the initiator's nonce. Standard X.509
 * path validation is replaced by ct_atls_cert_check: self-signature, then
 * evidence against the validators. The peer certificate is untrusted input
 * (parsed by OpenSSL; sizes bounded here) until a validator accepted it.
 */
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "atls/atls.h"

/* Contrast's validity window: tolerant of small clock skew, short-lived. */
#define CERT_VALIDITY_SKEW_S (2 * 60 * 60)
#define CERT_SERIAL_LEN 16
#define CERT_CN "Contrast"

static CT_RESULT spki_der(EVP_PKEY *key, struct ct_buf *out)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(key, &der);
	if (len <= 0)
		return CT_FAIL_OSSL(CT_ERR_CRYPTO, "atls: cannot encode public key");
	ct_result res = ct_buf_append(out, der, (size_t)len);
	OPENSSL_free(der);
	if (!ct_ok(res))
		return ct_error_prefix("atls: public key of %d bytes", len);
	return CT_OK;
}

static CT_RESULT add_evidence(X509 *x, const struct ct_atls_issuer *issuer,
			      const uint8_t *nonce, EVP_PKEY *key)
{
	ct_result res = CT_OK;
	struct ct_buf spki, evidence;
	uint8_t report_data[CT_ATLS_REPORT_DATA_LEN];
	ASN1_OBJECT *obj = NULL;
	ASN1_OCTET_STRING *oct = NULL;
	X509_EXTENSION *ext = NULL;

	ct_buf_init(&spki, CT_ATLS_SPKI_MAX);
	ct_buf_init(&evidence, CT_ATLS_EVIDENCE_MAX);
	CT_TRY(spki_der(key, &spki));
	CT_TRY(ct_atls_report_data(ct_buf_span(&spki), nonce, report_data));
	res = issuer->get_evidence(issuer->arg, report_data, &evidence);
	if (!ct_ok(res)) {
		res = ct_error_prefix("atls: getting evidence");
		goto out;
	}
	CT_TRY_ENSURE(evidence.len > 0, CT_ERR_INTERNAL,
		      "atls: issuer returned empty evidence");
	obj = OBJ_txt2obj(issuer->oid, 1);
	CT_TRY_ENSURE(obj != NULL, CT_ERR_USAGE,
		      "atls: invalid evidence OID \"%s\"", issuer->oid);
	oct = ASN1_OCTET_STRING_new();
	CT_TRY_ENSURE(oct != NULL && ASN1_OCTET_STRING_set(oct, evidence.data,
							   (int)evidence.len) == 1,
		      CT_ERR_NOMEM, "atls: out of memory");
	ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, oct);
	CT_TRY_ENSURE(ext != NULL && X509_add_ext(x, ext, -1) == 1,
		      CT_ERR_CRYPTO, "atls: cannot add the evidence extension");
out:
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(oct);
	ASN1_OBJECT_free(obj);
	ct_buf_dispose(&evidence);
	ct_buf_dispose(&spki);
	return res;
}

static CT_RESULT set_basics(X509 *x, EVP_PKEY *key)
{
	uint8_t serial[CERT_SERIAL_LEN];
	BIGNUM *bn = NULL;
	X509_NAME *name = X509_get_subject_name(x);
	time_t now = time(NULL);

	CT_ENSURE(RAND_bytes(serial, sizeof(serial)) == 1, CT_ERR_CRYPTO,
		  "atls: no randomness for the serial");
	serial[0] &= 0x7f; /* a positive INTEGER */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	bool ok = bn != NULL && X509_set_version(x, X509_VERSION_3) == 1 &&
		  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
		  X509_time_adj_ex(X509_getm_notBefore(x), 0,
				   -CERT_VALIDITY_SKEW_S, &now) != NULL &&
		  X509_time_adj_ex(X509_getm_notAfter(x), 0,
				   CERT_VALIDITY_SKEW_S, &now) != NULL &&
		  X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_ASC,
					     (const unsigned char *)CERT_CN, -1,
					     -1, 0) == 1 &&
		  X509_set_issuer_name(x, name) == 1 &&
		  X509_set_pubkey(x, key) == 1;
	BN_free(bn);
	if (!ok)
		return CT_FAIL_OSSL(CT_ERR_CRYPTO, "atls: cannot fill the certificate");
	return CT_OK;
}

CT_RESULT ct_atls_cert_make(const struct ct_atls_issuer *issuer,
			    const uint8_t *nonce, EVP_PKEY *key,
			    X509 **cert_out, EVP_PKEY **key_out)
{
	ct_result res = CT_OK;
	X509 *x = NULL;
	EVP_PKEY *k = NULL;

	CT_ENSURE(issuer == NULL || nonce != NULL, CT_ERR_USAGE,
		  "atls: evidence needs a nonce");
	if (key != NULL) {
		CT_ENSURE(EVP_PKEY_up_ref(key) == 1, CT_ERR_INTERNAL,
			  "atls: cannot reference the key");
		k = key;
	} else {
		k = EVP_EC_gen("P-384");
		CT_ENSURE(k != NULL, CT_ERR_CRYPTO, "atls: P-384 key generation failed");
	}
	x = X509_new();
	CT_TRY_ENSURE(x != NULL, CT_ERR_NOMEM, "atls: out of memory");
	CT_TRY(set_basics(x, k));
	if (issuer != NULL)
		CT_TRY(add_evidence(x, issuer, nonce, k));
	CT_TRY_ENSURE(X509_sign(x, k, EVP_sha384()) > 0, CT_ERR_CRYPTO,
		      "atls: cannot self-sign the certificate");
	*cert_out = x;
	*key_out = k;
	return CT_OK;
out:
	X509_free(x);
	EVP_PKEY_free(k);
	return res;
}

static CT_RESULT sha256(const void *p, size_t n, uint8_t out[32])
{
	CT_ENSURE(EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL) == 1,
		  CT_ERR_CRYPTO, "atls: SHA-256 failed");
	return CT_OK;
}

CT_RESULT ct_atls_cert_key_identity(X509 *cert, struct ct_atls_peer *peer)
{
	ct_result res = CT_OK;
	struct ct_buf spki;
	unsigned char *pkcs1 = NULL;

	memset(peer, 0, sizeof(*peer));
	peer->validator_index = -1;
	EVP_PKEY *key = X509_get0_pubkey(cert);
	CT_ENSURE(key != NULL, CT_ERR_PROTO,
		  "atls: peer certificate has an unusable public key");
	CT_ENSURE(X509_verify(cert, key) == 1, CT_ERR_CRYPTO,
		  "atls: peer certificate self-signature is invalid");
	ERR_clear_error();
	ct_buf_init(&spki, CT_ATLS_SPKI_MAX);
	CT_TRY(spki_der(key, &spki));
	memcpy(peer->spki, spki.data, spki.len);
	peer->spki_len = spki.len;
	CT_TRY(sha256(spki.data, spki.len, peer->spki_sha256));
	if (EVP_PKEY_base_id(key) == EVP_PKEY_RSA) {
		int n = i2d_PublicKey(key, &pkcs1);
		CT_TRY_ENSURE(n > 0, CT_ERR_CRYPTO, "atls: cannot encode RSA key");
		CT_TRY(sha256(pkcs1, (size_t)n, peer->key_sha256));
	} else {
		memcpy(peer->key_sha256, peer->spki_sha256, 32);
	}
	peer->kind = CT_ATLS_PEER_KEY;
out:
	OPENSSL_free(pkcs1);
	ct_buf_dispose(&spki);
	return res;
}

/* Finds the single extension with `oid`; *found=false if absent. */
static CT_RESULT find_evidence(X509 *cert, const char *oid, bool *found,
			       struct ct_span *out)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	*found = false;
	CT_ENSURE(obj != NULL, CT_ERR_USAGE, "atls: invalid validator OID \"%s\"",
		  oid);
	int loc = X509_get_ext_by_OBJ(cert, obj, -1);
	int again = loc >= 0 ? X509_get_ext_by_OBJ(cert, obj, loc) : -1;
	ASN1_OBJECT_free(obj);
	if (loc < 0)
		return CT_OK;
	CT_ENSURE(again < 0, CT_ERR_PROTO,
		  "atls: peer certificate has two evidence extensions %s", oid);
	const ASN1_OCTET_STRING *data =
		X509_EXTENSION_get_data(X509_get_ext(cert, loc));
	int len = ASN1_STRING_length(data);
	CT_ENSURE(len > 0 && (size_t)len <= CT_ATLS_EVIDENCE_MAX, CT_ERR_LIMIT,
		  "atls: evidence of %d bytes (limit %u)", len,
		  CT_ATLS_EVIDENCE_MAX);
	*out = ct_span_make(ASN1_STRING_get0_data(data), (size_t)len);
	*found = true;
	return CT_OK;
}

CT_RESULT ct_atls_cert_check(X509 *cert, const uint8_t nonce[CT_ATLS_NONCE_LEN],
			     const struct ct_atls_validator *validators,
			     size_t n_validators, struct ct_atls_peer *peer)
{
	ct_result res = CT_OK;
	struct ct_buf reasons, claims;
	uint8_t report_data[CT_ATLS_REPORT_DATA_LEN];

	CT_GUARD(ct_atls_cert_key_identity(cert, peer));
	if (n_validators == 0)
		return CT_OK;
	CT_GUARD(ct_atls_report_data(ct_span_make(peer->spki, peer->spki_len),
				     nonce, report_data));
	ct_buf_init(&reasons, CT_ATLS_ERROR_MAX);
	ct_buf_init(&claims, CT_ATLS_CLAIMS_MAX);
	bool any_evidence = false;
	for (size_t i = 0; i < n_validators; i++) {
		const struct ct_atls_validator *v = &validators[i];
		struct ct_span ev;
		bool found;
		CT_TRY(find_evidence(cert, v->oid, &found, &ev));
		if (!found)
			continue;
		any_evidence = true;
		ct_buf_reset(&claims);
		if (ct_ok(v->validate(v->arg, ev, report_data, &claims))) {
			memcpy(peer->claims, claims.data, claims.len);
			peer->claims_len = claims.len;
			peer->kind = CT_ATLS_PEER_ATTESTED;
			peer->validator_index = (int)i;
			goto out;
		}
		/* Keep every reason; dropping what exceeds the limit is fine. */
		if (!ct_ok(ct_buf_printf(&reasons, "%s%s: %s",
					 reasons.len ? "; " : "", v->name,
					 ct_error_message())))
			ct_log_debug("atls: validator reasons truncated");
	}
	if (!any_evidence)
		res = CT_FAIL(CT_ERR_POLICY,
			      "atls: peer certificate carries no evidence for %s%s",
			      validators[0].oid,
			      n_validators > 1 ? " (or the other validators' OIDs)" : "");
	else
		res = CT_FAIL(CT_ERR_POLICY,
			      "atls: no validator accepted the peer's evidence: %s",
			      ct_buf_cstr(&reasons));
out:
	if (!ct_ok(res))
		peer->kind = CT_ATLS_PEER_NONE;
	ct_buf_dispose(&claims);
	ct_buf_dispose(&reasons);
	return res;
}
