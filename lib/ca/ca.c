/*
 * ca.c - the Coordinator's CAs (reference/contrast.md §7, docs/state.md):
 * the root CA from the seed-derived key, and for each manifest the mesh
 * key with two certificates of the same subject and key - one signed by
 * the root (intermediate), one self-signed (mesh CA) - so that a leaf
 * verifies against either trust anchor. Also the PEM and key helpers.
 *
 * Trust boundary: inputs are our own keys (the root key from lib/state,
 * the mesh key fresh or from an attested peer via ct_ca_key_from_pem,
 * which bounds and type-checks it). Nothing here parses network data
 * except that PEM; certificates are built, never parsed.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "ca_impl.h"
#include "crypto/crypto.h"

#define SERIAL_BYTES 16

static ct_result random_serial(X509 *cert)
{
	uint8_t raw[SERIAL_BYTES];
	CT_ENSURE(RAND_bytes(raw, sizeof(raw)) == 1, CT_ERR_CRYPTO,
		  "ca: random serial failed");
	raw[0] &= 0x7f; /* positive */
	raw[0] |= 0x40; /* and never zero, always 16 bytes */
	BIGNUM *bn = BN_bin2bn(raw, sizeof(raw), NULL);
	ASN1_INTEGER *serial = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	int ok = serial != NULL && X509_set_serialNumber(cert, serial) == 1;
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	CT_ENSURE(ok, CT_ERR_CRYPTO, "ca: setting the serial failed");
	return CT_OK;
}

ct_result ca_cert_start(X509 **out, EVP_PKEY *pub, const char *cn,
			long long lifetime_s)
{
	ct_result res = CT_OK;
	X509 *cert = X509_new();
	X509_NAME *name = X509_NAME_new();
	CT_TRY_ENSURE(cert != NULL && name != NULL, CT_ERR_NOMEM,
		      "out of memory");
	CT_TRY_ENSURE(X509_set_version(cert, X509_VERSION_3) == 1,
		      CT_ERR_CRYPTO, "ca: set version failed");
	CT_TRY(random_serial(cert));
	time_t now = time(NULL);
	CT_TRY_ENSURE(
		X509_time_adj_ex(X509_getm_notBefore(cert), 0,
				 -(long)CT_CA_BACKDATE_S, &now) != NULL &&
			X509_time_adj_ex(X509_getm_notAfter(cert),
					 (int)(lifetime_s / 86400),
					 (long)(lifetime_s % 86400), &now) != NULL,
		CT_ERR_CRYPTO, "ca: setting the validity failed");
	CT_TRY_ENSURE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
						 (const unsigned char *)cn, -1,
						 -1, 0) == 1 &&
			      X509_set_subject_name(cert, name) == 1,
		      CT_ERR_CRYPTO, "ca: setting the subject CN=%s failed", cn);
	CT_TRY_ENSURE(X509_set_pubkey(cert, pub) == 1, CT_ERR_CRYPTO,
		      "ca: setting the public key failed");
	*out = cert;
	cert = NULL;
out:
	X509_NAME_free(name);
	X509_free(cert);
	return res;
}

ct_result ca_add_ext_conf(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : cert, cert, NULL, NULL,
		       0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	int ok = ext != NULL && X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	if (!ok)
		return CT_FAIL_OSSL(CT_ERR_CRYPTO, "ca: adding %s = %s failed",
				    OBJ_nid2sn(nid), value);
	return CT_OK;
}

ct_result ca_cert_finish(X509 *cert, X509 *issuer, EVP_PKEY *issuer_key)
{
	X509_NAME *iname = X509_get_subject_name(issuer != NULL ? issuer : cert);
	CT_ENSURE(X509_set_issuer_name(cert, iname) == 1, CT_ERR_CRYPTO,
		  "ca: setting the issuer failed");
	if (X509_sign(cert, issuer_key, EVP_sha384()) <= 0)
		return CT_FAIL_OSSL(CT_ERR_CRYPTO, "ca: signing failed");
	return CT_OK;
}

/* A CA certificate for `key` named `cn`, signed by issuer (NULL: self). */
static ct_result make_ca_cert(X509 **out, EVP_PKEY *key, const char *cn,
			      X509 *issuer, EVP_PKEY *issuer_key)
{
	X509 *cert = NULL;
	ct_result res = CT_OK;
	CT_TRY(ca_cert_start(&cert, key, cn, CT_CA_CA_VALIDITY_S));
	/* The issuer name must be set before the AKI is computed. */
	X509_NAME *iname = X509_get_subject_name(issuer != NULL ? issuer : cert);
	CT_TRY_ENSURE(X509_set_issuer_name(cert, iname) == 1, CT_ERR_CRYPTO,
		      "ca: setting the issuer failed");
	CT_TRY(ca_add_ext_conf(cert, issuer, NID_basic_constraints,
			       "critical,CA:TRUE"));
	CT_TRY(ca_add_ext_conf(cert, issuer, NID_key_usage,
			       "critical,digitalSignature,keyCertSign,cRLSign"));
	CT_TRY(ca_add_ext_conf(cert, issuer, NID_subject_key_identifier,
			       "hash"));
	CT_TRY(ca_add_ext_conf(cert, issuer, NID_authority_key_identifier,
			       "keyid:always"));
	CT_TRY(ca_cert_finish(cert, issuer, issuer != NULL ? issuer_key : key));
	*out = cert;
	cert = NULL;
out:
	X509_free(cert);
	return res;
}

static ct_result check_p384_private(EVP_PKEY *k, const char *what)
{
	CT_ENSURE(k != NULL, CT_ERR_USAGE, "ca: %s key missing", what);
	CT_ENSURE(ct_pkey_is_ec_group(k, "secp384r1"), CT_ERR_USAGE,
		  "ca: %s key is not an EC P-384 key", what);
	BIGNUM *d = NULL;
	int has = EVP_PKEY_get_bn_param(k, "priv", &d);
	BN_clear_free(d);
	CT_ENSURE(has == 1, CT_ERR_USAGE, "ca: %s key has no private half",
		  what);
	return CT_OK;
}

void ct_ca_free(struct ct_ca *ca)
{
	if (ca == NULL)
		return;
	EVP_PKEY_free(ca->root_key);
	EVP_PKEY_free(ca->mesh_key);
	X509_free(ca->root);
	X509_free(ca->intermediate);
	X509_free(ca->mesh);
	free(ca);
}

ct_result ct_ca_new(EVP_PKEY *root_key, EVP_PKEY *mesh_key, struct ct_ca **out)
{
	CT_ENSURE(out != NULL, CT_ERR_USAGE, "ca: missing output");
	CT_GUARD(check_p384_private(root_key, "root CA"));
	if (mesh_key != NULL)
		CT_GUARD(check_p384_private(mesh_key, "mesh CA"));
	struct ct_ca *ca = ct_calloc(1, sizeof(*ca));
	CT_ENSURE(ca != NULL, CT_ERR_NOMEM, "out of memory");
	ct_result res = CT_OK;
	CT_TRY_ENSURE(EVP_PKEY_up_ref(root_key) == 1, CT_ERR_INTERNAL,
		      "ca: up_ref failed");
	ca->root_key = root_key;
	if (mesh_key != NULL) {
		CT_TRY_ENSURE(EVP_PKEY_up_ref(mesh_key) == 1, CT_ERR_INTERNAL,
			      "ca: up_ref failed");
		ca->mesh_key = mesh_key;
	} else {
		CT_TRY(ct_ca_key_generate(&ca->mesh_key));
	}
	CT_TRY(make_ca_cert(&ca->root, ca->root_key, CT_CA_ROOT_CN, NULL, NULL));
	CT_TRY(make_ca_cert(&ca->intermediate, ca->mesh_key, CT_CA_MESH_CN,
			    ca->root, ca->root_key));
	CT_TRY(make_ca_cert(&ca->mesh, ca->mesh_key, CT_CA_MESH_CN, NULL, NULL));
	*out = ca;
	ca = NULL;
out:
	ct_ca_free(ca);
	return res;
}

X509 *ct_ca_root_cert(const struct ct_ca *ca) { return ca->root; }
X509 *ct_ca_intermediate_cert(const struct ct_ca *ca) { return ca->intermediate; }
X509 *ct_ca_mesh_cert(const struct ct_ca *ca) { return ca->mesh; }
EVP_PKEY *ct_ca_mesh_key(const struct ct_ca *ca) { return ca->mesh_key; }

/* ------------------------------------------------------------------ PEM */

/* Appends a memory BIO's content to out. */
static ct_result bio_append(BIO *bio, struct ct_buf *out)
{
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);
	CT_ENSURE(n >= 0, CT_ERR_INTERNAL, "ca: memory BIO failed");
	return ct_buf_append(out, p, (size_t)n);
}

ct_result ct_ca_cert_pem(X509 *cert, struct ct_buf *out)
{
	CT_ENSURE(cert != NULL && out != NULL, CT_ERR_USAGE,
		  "ca: cert_pem: missing argument");
	BIO *bio = BIO_new(BIO_s_mem());
	CT_ENSURE(bio != NULL, CT_ERR_NOMEM, "out of memory");
	ct_result res = PEM_write_bio_X509(bio, cert) == 1
				? bio_append(bio, out)
				: CT_FAIL_OSSL(CT_ERR_CRYPTO,
					       "ca: PEM encoding failed");
	BIO_free(bio);
	return res;
}

ct_result ct_ca_root_pem(const struct ct_ca *ca, struct ct_buf *out)
{
	return ct_ca_cert_pem(ca->root, out);
}

ct_result ct_ca_intermediate_pem(const struct ct_ca *ca, struct ct_buf *out)
{
	return ct_ca_cert_pem(ca->intermediate, out);
}

ct_result ct_ca_mesh_pem(const struct ct_ca *ca, struct ct_buf *out)
{
	return ct_ca_cert_pem(ca->mesh, out);
}

/* ----------------------------------------------------------------- keys */

ct_result ct_ca_key_generate(EVP_PKEY **out)
{
	EVP_PKEY *k = EVP_EC_gen("secp384r1");
	if (k == NULL)
		return CT_FAIL_OSSL(CT_ERR_CRYPTO,
				    "ca: generating a P-384 key failed");
	*out = k;
	return CT_OK;
}

ct_result ct_ca_mesh_key_pem(const struct ct_ca *ca, struct ct_buf *out)
{
	CT_ENSURE(ca != NULL && out != NULL, CT_ERR_USAGE,
		  "ca: mesh_key_pem: missing argument");
	BIO *bio = BIO_new(BIO_s_secmem());
	CT_ENSURE(bio != NULL, CT_ERR_NOMEM, "out of memory");
	ct_result res = PEM_write_bio_PrivateKey(bio, ca->mesh_key, NULL, NULL,
						 0, NULL, NULL) == 1
				? bio_append(bio, out)
				: CT_FAIL_OSSL(CT_ERR_CRYPTO,
					       "ca: encoding the mesh key failed");
	BIO_free(bio);
	return res;
}

ct_result ct_ca_key_from_pem(struct ct_span pem, EVP_PKEY **out)
{
	CT_ENSURE(out != NULL, CT_ERR_USAGE, "ca: missing output");
	CT_ENSURE(pem.len > 0 && pem.len <= CT_CA_KEY_PEM_MAX, CT_ERR_LIMIT,
		  "ca: key PEM is %zu bytes (limit %u)", pem.len,
		  CT_CA_KEY_PEM_MAX);
	BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
	CT_ENSURE(bio != NULL, CT_ERR_NOMEM, "out of memory");
	/* An empty passphrase: an encrypted PEM fails instead of prompting. */
	EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	if (k == NULL)
		return CT_FAIL_OSSL(CT_ERR_PROTO,
				    "ca: mesh key: not a PEM private key");
	ct_result res = check_p384_private(k, "imported");
	if (!ct_ok(res)) {
		EVP_PKEY_free(k);
		return res;
	}
	*out = k;
	return CT_OK;
}
