/* snp_fake.c - see snp_fake.h. Test-only key hierarchy and signer. */
#include "snp_fake.h"

#include "ct_test.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

static X509_NAME *amd_name(const char *cn)
{
	X509_NAME *n = X509_NAME_new();
	X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_ASC, (const unsigned char *)"Engineering", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "L", MBSTRING_ASC, (const unsigned char *)"Santa Clara", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "ST", MBSTRING_ASC, (const unsigned char *)"CA", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Advanced Micro Devices", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	return n;
}

static void pss_sign(X509 *x, EVP_PKEY *key)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	assert_int_equal(EVP_DigestSignInit(ctx, &pctx, EVP_sha384(), NULL, key), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0);
	assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) > 0);
	assert_true(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) > 0);
	assert_true(X509_sign_ctx(x, ctx) > 0);
	EVP_MD_CTX_free(ctx);
}

static X509 *make_cert(const char *subject, const char *issuer, EVP_PKEY *pub,
		       EVP_PKEY *signer, bool ca, long serial)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME *s = amd_name(subject), *i = amd_name(issuer);
	X509_set_subject_name(x, s);
	X509_set_issuer_name(x, i);
	X509_NAME_free(s);
	X509_NAME_free(i);
	/* Valid 2020-01-01 .. 2040-01-01. */
	ASN1_TIME_set(X509_getm_notBefore(x), 1577836800);
	ASN1_TIME_set(X509_getm_notAfter(x), 2208988800);
	X509_set_pubkey(x, pub);
	if (ca) {
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	pss_sign(x, signer);
	return x;
}

static void add_raw_ext(X509 *x, const char *oid, const uint8_t *der, size_t len)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
	ASN1_OCTET_STRING_set(v, der, (int)len);
	X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, o, 0, v);
	assert_non_null(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(v);
	ASN1_OBJECT_free(o);
}

static void add_int_ext(X509 *x, const char *oid, long v)
{
	ASN1_INTEGER *i = ASN1_INTEGER_new();
	ASN1_INTEGER_set(i, v);
	unsigned char *der = NULL;
	int n = i2d_ASN1_INTEGER(i, &der);
	add_raw_ext(x, oid, der, (size_t)n);
	OPENSSL_free(der);
	ASN1_INTEGER_free(i);
}

static void add_ia5_ext(X509 *x, const char *oid, const char *s)
{
	ASN1_IA5STRING *a = ASN1_IA5STRING_new();
	ASN1_STRING_set(a, s, -1);
	unsigned char *der = NULL;
	int n = i2d_ASN1_IA5STRING(a, &der);
	add_raw_ext(x, oid, der, (size_t)n);
	OPENSSL_free(der);
	ASN1_IA5STRING_free(a);
}

void snp_fake_new_leaf(struct snp_fake *f, const struct snp_fake_leaf *l)
{
	X509_free(f->leaf);
	EVP_PKEY_free(f->leaf_key);
	f->leaf_key = EVP_EC_gen("secp384r1");
	assert_non_null(f->leaf_key);
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 0);
	X509_NAME *s = amd_name(l->vlek ? "SEV-VLEK" : "SEV-VCEK");
	X509_set_subject_name(x, s);
	X509_NAME_free(s);
	X509_set_issuer_name(x, X509_get_subject_name(f->ask));
	ASN1_TIME_set(X509_getm_notBefore(x), 1577836800);
	ASN1_TIME_set(X509_getm_notAfter(x), 2208988800);
	X509_set_pubkey(x, f->leaf_key);
	add_int_ext(x, "1.3.6.1.4.1.3704.1.1", l->turin ? 1 : 0);
	add_ia5_ext(x, "1.3.6.1.4.1.3704.1.2", l->product_name);
	add_int_ext(x, "1.3.6.1.4.1.3704.1.3.1", l->tcb.bootloader);
	add_int_ext(x, "1.3.6.1.4.1.3704.1.3.2", l->tcb.tee);
	add_int_ext(x, "1.3.6.1.4.1.3704.1.3.3", l->tcb.snp);
	add_int_ext(x, "1.3.6.1.4.1.3704.1.3.8", l->tcb.microcode);
	if (l->turin)
		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.9", l->tcb.fmc);
	if (l->vlek)
		add_ia5_ext(x, "1.3.6.1.4.1.3704.1.5", "CN=test-csp");
	else
		add_raw_ext(x, "1.3.6.1.4.1.3704.1.4", l->hwid, l->turin ? 8 : 64);
	pss_sign(x, f->ask_key);
	f->leaf = x;
}

void snp_fake_init(struct snp_fake *f, const char *product,
		   const struct snp_fake_leaf *leaf)
{
	char ark_cn[64], ask_cn[64];
	memset(f, 0, sizeof(*f));
	snprintf(ark_cn, sizeof(ark_cn), "ARK-%s", product);
	snprintf(ask_cn, sizeof(ask_cn), "SEV-%s%s", leaf->vlek ? "VLEK-" : "", product);
	/* RSA-2048 keeps tests fast; the verifier does not depend on size. */
	f->ark_key = EVP_RSA_gen(2048);
	f->ask_key = EVP_RSA_gen(2048);
	assert_non_null(f->ark_key);
	assert_non_null(f->ask_key);
	f->ark = make_cert(ark_cn, ark_cn, f->ark_key, f->ark_key, true, 0x10000);
	f->ask = make_cert(ask_cn, ark_cn, f->ask_key, f->ark_key, true, 0x10001);
	snp_fake_new_leaf(f, leaf);
}

void snp_fake_free(struct snp_fake *f)
{
	X509_free(f->ark);
	X509_free(f->ask);
	X509_free(f->leaf);
	EVP_PKEY_free(f->ark_key);
	EVP_PKEY_free(f->ask_key);
	EVP_PKEY_free(f->leaf_key);
	memset(f, 0, sizeof(*f));
}

void snp_fake_sign(const struct snp_fake *f, uint8_t report[CT_SNP_REPORT_SIZE])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char der[160];
	size_t der_len = sizeof(der);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, f->leaf_key), 1);
	assert_int_equal(EVP_DigestSign(ctx, der, &der_len, report, CT_SNP_SIGNED_LEN), 1);
	EVP_MD_CTX_free(ctx);
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	assert_non_null(sig);
	memset(report + CT_SNP_OFF_SIGNATURE, 0, CT_SNP_REPORT_SIZE - CT_SNP_OFF_SIGNATURE);
	BN_bn2lebinpad(ECDSA_SIG_get0_r(sig), report + CT_SNP_OFF_SIG_R, 72);
	BN_bn2lebinpad(ECDSA_SIG_get0_s(sig), report + CT_SNP_OFF_SIG_S, 72);
	ECDSA_SIG_free(sig);
}

uint8_t *snp_fake_der(X509 *x, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	assert_true(n > 0);
	*len = (size_t)n;
	return der;
}
