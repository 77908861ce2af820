/*
 * leaf.c - mesh (leaf) certificate issuance (reference/contrast.md §7):
 * a workload's public key signed by the mesh key, valid for one year,
 * EKU serverAuth+clientAuth, SANs split into IP / URI / DNS, plus the
 * caller's extra extensions (attestation claims, workload secret id).
 *
 * Trust boundary: SANs come from the manifest (validated there, but we
 * check again: printable ASCII, no spaces, bounded) and are encoded as
 * GENERAL_NAMEs directly, never through OpenSSL's config-string parser,
 * so a comma or a colon in a SAN cannot smuggle in another name. Extra
 * extensions are DER values built by the Coordinator from a verified
 * report; we only check their OIDs (numeric, not a standard 2.5.29.x
 * extension, no duplicates) and sizes.
 */
#include <arpa/inet.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "ca_impl.h"

#define LEAF_DEFAULT_CN "contrast-mesh"

enum san_kind { SAN_DNS, SAN_IP, SAN_URI };

static ct_result classify_san(const char *san, size_t index,
			      enum san_kind *kind, uint8_t ip[16],
			      size_t *ip_len)
{
	CT_ENSURE(san != NULL, CT_ERR_USAGE, "ca: SAN %zu is NULL", index);
	size_t len = strnlen(san, CT_CA_MAX_SAN_LEN + 1);
	CT_ENSURE(len > 0, CT_ERR_USAGE, "ca: SAN %zu is empty", index);
	CT_ENSURE(len <= CT_CA_MAX_SAN_LEN, CT_ERR_LIMIT,
		  "ca: SAN %zu longer than %u bytes", index, CT_CA_MAX_SAN_LEN);
	for (size_t i = 0; i < len; i++)
		CT_ENSURE(san[i] > 0x20 && san[i] < 0x7f, CT_ERR_USAGE,
			  "ca: SAN %zu has a space, control or non-ASCII byte "
			  "at %zu", index, i);
	if (inet_pton(AF_INET, san, ip) == 1) {
		*kind = SAN_IP;
		*ip_len = 4;
	} else if (inet_pton(AF_INET6, san, ip) == 1) {
		*kind = SAN_IP;
		*ip_len = 16;
	} else if (strstr(san, "://") != NULL) {
		/* A URL with a scheme: scheme = ALPHA *(ALPHA/DIGIT/+/-/.) */
		const char *colon = strstr(san, "://");
		bool scheme_ok = colon > san &&
				 ((san[0] | 0x20) >= 'a' && (san[0] | 0x20) <= 'z');
		for (const char *p = san; scheme_ok && p < colon; p++) {
			char c = (char)(*p | 0x20);
			scheme_ok = (c >= 'a' && c <= 'z') ||
				    (*p >= '0' && *p <= '9') || *p == '+' ||
				    *p == '-' || *p == '.';
		}
		CT_ENSURE(scheme_ok, CT_ERR_USAGE,
			  "ca: SAN %zu \"%.64s\": bad URI scheme", index, san);
		*kind = SAN_URI;
	} else {
		*kind = SAN_DNS;
	}
	return CT_OK;
}

static ct_result add_sans(X509 *cert, const char *const *sans, size_t n,
			  const char **cn_out)
{
	if (n == 0)
		return CT_OK;
	ct_result res = CT_OK;
	GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
	CT_TRY_ENSURE(names != NULL, CT_ERR_NOMEM, "out of memory");
	const char *first_dns = NULL;
	for (size_t i = 0; i < n; i++) {
		enum san_kind kind;
		uint8_t ip[16];
		size_t ip_len = 0;
		CT_TRY(classify_san(sans[i], i, &kind, ip, &ip_len));
		GENERAL_NAME *gn = GENERAL_NAME_new();
		ASN1_IA5STRING *ia5 = NULL;
		ASN1_OCTET_STRING *oct = NULL;
		bool ok = gn != NULL;
		if (ok && kind == SAN_IP) {
			oct = ASN1_OCTET_STRING_new();
			ok = oct != NULL &&
			     ASN1_OCTET_STRING_set(oct, ip, (int)ip_len) == 1;
			if (ok)
				GENERAL_NAME_set0_value(gn, GEN_IPADD, oct);
		} else if (ok) {
			ia5 = ASN1_IA5STRING_new();
			ok = ia5 != NULL &&
			     ASN1_STRING_set(ia5, sans[i], -1) == 1;
			if (ok)
				GENERAL_NAME_set0_value(
					gn, kind == SAN_DNS ? GEN_DNS : GEN_URI,
					ia5);
		}
		if (!ok || sk_GENERAL_NAME_push(names, gn) <= 0) {
			if (ok) {
				GENERAL_NAME_free(gn); /* owns the value */
			} else {
				GENERAL_NAME_free(gn);
				ASN1_IA5STRING_free(ia5);
				ASN1_OCTET_STRING_free(oct);
			}
			res = CT_FAIL(CT_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (kind == SAN_DNS && first_dns == NULL)
			first_dns = sans[i];
	}
	CT_TRY_ENSURE(X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 0,
					X509V3_ADD_APPEND) == 1,
		      CT_ERR_CRYPTO, "ca: adding the SAN extension failed");
	*cn_out = first_dns != NULL ? first_dns : sans[0];
out:
	GENERAL_NAMES_free(names);
	return res;
}

static ct_result add_extra(X509 *cert, const struct ct_ca_extension *ext,
			   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *oid = ext[i].oid;
		CT_ENSURE(oid != NULL && strnlen(oid, CT_CA_MAX_OID_LEN + 1) <=
						 CT_CA_MAX_OID_LEN,
			  CT_ERR_USAGE, "ca: extension %zu: missing or long OID",
			  i);
		CT_ENSURE(strncmp(oid, "2.5.29.", 7) != 0, CT_ERR_USAGE,
			  "ca: extension %zu: %s is a standard X.509 extension",
			  i, oid);
		CT_ENSURE(ext[i].der.len > 0 &&
				  ext[i].der.len <= CT_CA_MAX_EXTENSION_DER,
			  CT_ERR_LIMIT,
			  "ca: extension %s: %zu bytes (1..%u allowed)", oid,
			  ext[i].der.len, CT_CA_MAX_EXTENSION_DER);
		for (size_t j = 0; j < i; j++)
			CT_ENSURE(strcmp(ext[j].oid, oid) != 0, CT_ERR_USAGE,
				  "ca: extension %s given twice", oid);
		ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
		CT_ENSURE(obj != NULL, CT_ERR_USAGE,
			  "ca: extension %zu: \"%s\" is not a dotted OID", i,
			  oid);
		ASN1_OCTET_STRING *val = ASN1_OCTET_STRING_new();
		X509_EXTENSION *x = NULL;
		bool ok = val != NULL &&
			  ASN1_OCTET_STRING_set(val, ext[i].der.ptr,
						(int)ext[i].der.len) == 1;
		if (ok)
			x = X509_EXTENSION_create_by_OBJ(NULL, obj,
							 ext[i].critical, val);
		ok = x != NULL && X509_add_ext(cert, x, -1) == 1;
		X509_EXTENSION_free(x);
		ASN1_OCTET_STRING_free(val);
		ASN1_OBJECT_free(obj);
		if (!ok)
			return CT_FAIL_OSSL(CT_ERR_CRYPTO,
					    "ca: adding extension %s failed",
					    oid);
	}
	return CT_OK;
}

ct_result ct_ca_issue_leaf(const struct ct_ca *ca, EVP_PKEY *pub,
			   const char *const *sans, size_t n_sans,
			   const struct ct_ca_extension *ext, size_t n_ext,
			   X509 **out)
{
	CT_ENSURE(ca != NULL && pub != NULL && out != NULL, CT_ERR_USAGE,
		  "ca: issue_leaf: missing argument");
	CT_ENSURE(n_sans == 0 || sans != NULL, CT_ERR_USAGE,
		  "ca: issue_leaf: SANs missing");
	CT_ENSURE(n_ext == 0 || ext != NULL, CT_ERR_USAGE,
		  "ca: issue_leaf: extensions missing");
	CT_ENSURE(n_sans <= CT_CA_MAX_SANS, CT_ERR_LIMIT,
		  "ca: %zu SANs (limit %u)", n_sans, CT_CA_MAX_SANS);
	CT_ENSURE(n_ext <= CT_CA_MAX_EXTENSIONS, CT_ERR_LIMIT,
		  "ca: %zu extensions (limit %u)", n_ext, CT_CA_MAX_EXTENSIONS);
	int base = EVP_PKEY_get_base_id(pub);
	CT_ENSURE(base == EVP_PKEY_EC || base == EVP_PKEY_RSA, CT_ERR_USAGE,
		  "ca: leaf key must be EC or RSA");

	ct_result res = CT_OK;
	X509 *cert = NULL, *tmp = NULL;
	const char *cn = LEAF_DEFAULT_CN;
	/* SANs first (into a scratch cert) so the CN can be chosen. */
	tmp = X509_new();
	CT_TRY_ENSURE(tmp != NULL, CT_ERR_NOMEM, "out of memory");
	CT_TRY(add_sans(tmp, sans, n_sans, &cn));
	CT_TRY(ca_cert_start(&cert, pub, cn, CT_CA_LEAF_VALIDITY_S));
	CT_TRY_ENSURE(X509_set_issuer_name(cert, X509_get_subject_name(
							 ca->intermediate)) == 1,
		      CT_ERR_CRYPTO, "ca: setting the issuer failed");
	int idx = X509_get_ext_by_NID(tmp, NID_subject_alt_name, -1);
	if (idx >= 0)
		CT_TRY_ENSURE(X509_add_ext(cert, X509_get_ext(tmp, idx), -1) ==
				      1,
			      CT_ERR_CRYPTO, "ca: copying SANs failed");
	CT_TRY(ca_add_ext_conf(cert, ca->intermediate, NID_basic_constraints,
			       "critical,CA:FALSE"));
	CT_TRY(ca_add_ext_conf(cert, ca->intermediate, NID_key_usage,
			       "critical,digitalSignature"));
	CT_TRY(ca_add_ext_conf(cert, ca->intermediate, NID_ext_key_usage,
			       "serverAuth,clientAuth"));
	CT_TRY(ca_add_ext_conf(cert, ca->intermediate,
			       NID_subject_key_identifier, "hash"));
	CT_TRY(ca_add_ext_conf(cert, ca->intermediate,
			       NID_authority_key_identifier, "keyid:always"));
	CT_TRY(add_extra(cert, ext, n_ext));
	CT_TRY(ca_cert_finish(cert, ca->intermediate, ca->mesh_key));
	*out = cert;
	cert = NULL;
out:
	X509_free(tmp);
	X509_free(cert);
	return res;
}

ct_result ct_ca_issue_leaf_pem(const struct ct_ca *ca, EVP_PKEY *pub,
			       const char *const *sans, size_t n_sans,
			       const struct ct_ca_extension *ext, size_t n_ext,
			       struct ct_buf *chain_pem)
{
	CT_ENSURE(chain_pem != NULL, CT_ERR_USAGE, "ca: missing output");
	X509 *leaf = NULL;
	CT_GUARD(ct_ca_issue_leaf(ca, pub, sans, n_sans, ext, n_ext, &leaf));
	size_t before = chain_pem->len;
	ct_result res = ct_ca_cert_pem(leaf, chain_pem);
	if (ct_ok(res))
		res = ct_ca_intermediate_pem(ca, chain_pem);
	if (!ct_ok(res) && chain_pem->len > before) {
		chain_pem->len = before;
		chain_pem->data[before] = '\0';
	}
	X509_free(leaf);
	return res;
}
