/*
 * x509.c - key and key-pair parsing built-ins on OpenSSL:
 * crypto.x509.parse_certificates / parse_certificate_request (a subset of
 * Go's certificate fields: Subject, Issuer, Version, SerialNumber,
 * NotBefore/NotAfter, DNSNames, EmailAddresses, URIStrings),
 * crypto.x509.parse_rsa_private_key (one RSA key as a JWK object),
 * crypto.parse_private_keys (every private key of a PEM bundle as JWKs)
 * and crypto.x509.parse_keypair (certificate chain + key; the chain as
 * base64 DER like Go's tls.Certificate). Inputs are PEM text or base64 of
 * PEM text, as OPA accepts.
 *
 * Trust boundary: all text is untrusted policy/input data. PEM goes
 * through OpenSSL's PEM reader on a read-only memory BIO, bounded by the
 * string length (CT_REGO_BUILTIN_STR_MAX); at most X509_PEM_BLOCKS_MAX
 * blocks are read; key material returned is what the caller passed in.
 */
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out
#define X509_PEM_BLOCKS_MAX 64

/* PEM text as given, or base64-decoded when it does not look like PEM.
 * Returns false (with *bad_at set) when the base64 is malformed. */
static bool pem_text(const struct ct_rego_value *s, struct ct_buf *b, size_t *bad_at)
{
	size_t i;

	if (memmem(s->u.str.s, s->u.str.len, "-----BEGIN", 10) != NULL)
		return ct_ok(ct_buf_append(b, s->u.str.s, s->u.str.len));
	if (ct_ok(ct_base64_decode(b, s->u.str.s, s->u.str.len)))
		return true;
	ct_error_clear();
	for (i = 0; i < s->u.str.len; i++) {
		char c = s->u.str.s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='))
			break;
	}
	*bad_at = i < s->u.str.len ? i : (s->u.str.len / 4) * 4;
	return false;
}

static ct_result put_bn(struct ct_rego_value *obj, const char *k, const BIGNUM *bn)
{
	int n = BN_num_bytes(bn);
	uint8_t buf[1024];
	struct ct_buf b;
	ct_result r;

	if (n <= 0 || n > (int)sizeof(buf))
		return CT_FAIL(CT_ERR_USAGE, "key component %s out of range", k);
	BN_bn2bin(bn, buf);
	ct_buf_init(&b, 4096);
	r = ct_base64url_encode(&b, ct_span_make(buf, (size_t)n));
	if (ct_ok(r)) {
		struct ct_rego_value *kv = ct_rego_value_cstring(k);
		struct ct_rego_value *vv = ct_rego_value_string_new((const char *)b.data, b.len);

		r = kv && vv ? ct_rego_object_insert(obj, kv, vv)
			     : CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
		if (!(kv && vv)) {
			ct_rego_value_unref(kv);
			ct_rego_value_unref(vv);
		}
	}
	ct_buf_dispose(&b);
	return r;
}

/* An RSA private key as a JWK object (kty, n, e, d, p, q, dp, dq, qi). */
static ct_result rsa_jwk(EVP_PKEY *k, struct ct_rego_value **out)
{
	static const struct {
		const char *jwk, *ossl;
	} parts[] = {
		{ "n", OSSL_PKEY_PARAM_RSA_N }, { "e", OSSL_PKEY_PARAM_RSA_E },
		{ "d", OSSL_PKEY_PARAM_RSA_D }, { "p", OSSL_PKEY_PARAM_RSA_FACTOR1 },
		{ "q", OSSL_PKEY_PARAM_RSA_FACTOR2 }, { "dp", OSSL_PKEY_PARAM_RSA_EXPONENT1 },
		{ "dq", OSSL_PKEY_PARAM_RSA_EXPONENT2 }, { "qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1 },
	};
	struct ct_rego_value *o = ct_rego_object_new(9), *kv, *vv;
	ct_result r = CT_OK;
	size_t i;

	CT_ENSURE(o != NULL, CT_ERR_NOMEM, "rego: out of memory");
	kv = ct_rego_value_cstring("kty");
	vv = ct_rego_value_cstring("RSA");
	if (kv == NULL || vv == NULL) {
		ct_rego_value_unref(kv);
		ct_rego_value_unref(vv);
		ct_rego_value_unref(o);
		return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
	}
	r = ct_rego_object_insert(o, kv, vv);
	for (i = 0; ct_ok(r) && i < sizeof(parts) / sizeof(parts[0]); i++) {
		BIGNUM *bn = NULL;

		if (EVP_PKEY_get_bn_param(k, parts[i].ossl, &bn) != 1) {
			r = CT_FAIL(CT_ERR_USAGE, "RSA key lacks %s", parts[i].jwk);
			break;
		}
		r = put_bn(o, parts[i].jwk, bn);
		BN_clear_free(bn);
	}
	ERR_clear_error();
	if (!ct_ok(r)) {
		ct_rego_value_unref(o);
		return r;
	}
	*out = o;
	return CT_OK;
}

static ct_result bi_parse_rsa_private_key(ARGS)
{
	static const char *const nm = "crypto.x509.parse_rsa_private_key";
	struct ct_buf b;
	EVP_PKEY *k = NULL;
	BIO *bio;
	size_t bad = 0;
	ct_result r;

	CT_GUARD(bi_arg(ctx, nm, args, 0, K_STR, "string"));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	if (!pem_text(args[0], &b, &bad)) {
		ct_buf_dispose(&b);
		return ct_rego_berror(ctx, "%s: illegal base64 data at input byte %zu", nm, bad);
	}
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	if (bio != NULL)
		k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ct_buf_dispose(&b);
	ERR_clear_error();
	if (k == NULL || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
		EVP_PKEY_free(k);
		return ct_rego_berror(ctx, "%s: failed to parse PEM block containing the key", nm);
	}
	r = rsa_jwk(k, out);
	EVP_PKEY_free(k);
	return ct_rego_bwrap(ctx, nm, r);
}

static ct_result bi_parse_private_keys(ARGS)
{
	static const char *const nm = "crypto.parse_private_keys";
	struct ct_rego_value *arr;
	struct ct_buf b;
	BIO *bio;
	size_t bad = 0;
	ct_result r = CT_OK;

	CT_GUARD(bi_arg(ctx, nm, args, 0, K_STR, "string"));
	if (args[0]->u.str.len == 0)
		return bi_ret(out, ct_rego_value_null());
	arr = ct_rego_array_new(1);
	CT_ENSURE(arr != NULL, CT_ERR_NOMEM, "rego: out of memory");
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	if (!pem_text(args[0], &b, &bad)) {
		ct_buf_dispose(&b);
		*out = arr; /* not PEM and not base64: no keys */
		return CT_OK;
	}
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	for (int n = 0; bio != NULL && ct_ok(r) && n < X509_PEM_BLOCKS_MAX; n++) {
		EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		struct ct_rego_value *j = NULL;

		if (k == NULL)
			break;
		if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) {
			r = rsa_jwk(k, &j);
			if (ct_ok(r))
				r = ct_rego_array_append(arr, j);
		}
		EVP_PKEY_free(k);
	}
	ERR_clear_error();
	BIO_free(bio);
	ct_buf_dispose(&b);
	if (!ct_ok(r)) {
		ct_rego_value_unref(arr);
		return ct_rego_bwrap(ctx, nm, r);
	}
	*out = arr;
	return CT_OK;
}

static ct_result bi_parse_keypair(ARGS)
{
	static const char *const nm = "crypto.x509.parse_keypair";
	struct ct_rego_value *certs = NULL, *obj = NULL, *key;
	struct ct_buf cb, kb, der;
	EVP_PKEY *k = NULL;
	BIO *bio = NULL;
	size_t bad = 0;
	ct_result res = CT_OK;
	int n;

	CT_GUARD(bi_arg(ctx, nm, args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, nm, args, 1, K_STR, "string"));
	ct_buf_init(&cb, CT_REGO_BUILTIN_STR_MAX);
	ct_buf_init(&kb, CT_REGO_BUILTIN_STR_MAX);
	ct_buf_init(&der, CT_REGO_BUILTIN_STR_MAX);
	if (!pem_text(args[0], &cb, &bad) || !pem_text(args[1], &kb, &bad)) {
		res = ct_rego_berror(ctx, "%s: illegal base64 data at input byte %zu", nm, bad);
		goto out;
	}
	bio = BIO_new_mem_buf(kb.data, (int)kb.len);
	k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	bio = NULL;
	if (k == NULL) {
		res = ct_rego_berror(ctx, "%s: tls: failed to find any PEM data in key input", nm);
		goto out;
	}
	certs = ct_rego_array_new(2);
	CT_TRY_ENSURE(certs != NULL, CT_ERR_NOMEM, "rego: out of memory");
	bio = BIO_new_mem_buf(cb.data, (int)cb.len);
	for (n = 0; bio != NULL && n < X509_PEM_BLOCKS_MAX; n++) {
		X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		unsigned char *d = NULL;
		int dl;

		if (x == NULL)
			break;
		if (n == 0 && X509_check_private_key(x, k) != 1) {
			X509_free(x);
			res = ct_rego_berror(ctx, "%s: tls: private key does not match public key", nm);
			goto out;
		}
		dl = i2d_X509(x, &d);
		X509_free(x);
		ct_buf_reset(&der);
		if (dl > 0)
			res = ct_base64_encode(&der, ct_span_make(d, (size_t)dl));
		OPENSSL_free(d);
		if (!ct_ok(res))
			goto out;
		CT_TRY(ct_rego_array_append(certs, ct_rego_value_string_new(
						(const char *)der.data, der.len)));
	}
	if (ct_rego_value_length(certs) == 0) {
		res = ct_rego_berror(ctx, "%s: tls: failed to find any PEM data in certificate input", nm);
		goto out;
	}
	obj = ct_rego_object_new(1);
	key = ct_rego_value_cstring("Certificate");
	CT_TRY_ENSURE(obj != NULL && key != NULL, CT_ERR_NOMEM, "rego: out of memory");
	res = ct_rego_object_insert(obj, key, certs);
	certs = NULL;
	if (!ct_ok(res))
		goto out;
	*out = obj;
	obj = NULL;
out:
	ERR_clear_error();
	BIO_free(bio);
	EVP_PKEY_free(k);
	ct_rego_value_unref(certs);
	ct_rego_value_unref(obj);
	ct_buf_dispose(&cb);
	ct_buf_dispose(&kb);
	ct_buf_dispose(&der);
	return res;
}

const struct ct_rego_builtin ct_rego_b_x509_parse_rsa_private_key = {
	.name = "crypto.x509.parse_rsa_private_key", .arity = 1, .fn = bi_parse_rsa_private_key,
};
const struct ct_rego_builtin ct_rego_b_parse_private_keys = {
	.name = "crypto.parse_private_keys", .arity = 1, .fn = bi_parse_private_keys,
};
const struct ct_rego_builtin ct_rego_b_x509_parse_keypair = {
	.name = "crypto.x509.parse_keypair", .arity = 2, .fn = bi_parse_keypair,
};

/* ---------------------------------------------- certificates and CSRs */

static ct_result put_str(struct ct_rego_value *o, const char *k, const char *v, size_t n)
{
	struct ct_rego_value *kv = ct_rego_value_cstring(k);
	struct ct_rego_value *vv = v ? ct_rego_value_string_new(v, n) : ct_rego_value_null();

	if (kv == NULL || vv == NULL) {
		ct_rego_value_unref(kv);
		ct_rego_value_unref(vv);
		return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
	}
	return ct_rego_object_insert(o, kv, vv);
}

static ct_result put_val(struct ct_rego_value *o, const char *k, struct ct_rego_value *v)
{
	struct ct_rego_value *kv = ct_rego_value_cstring(k);

	if (kv == NULL || v == NULL) {
		ct_rego_value_unref(kv);
		ct_rego_value_unref(v);
		return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
	}
	return ct_rego_object_insert(o, kv, v);
}

/* Go's pkix.Name: CommonName plus the multi-valued attributes (null when
 * absent, as Go's nil slices marshal). */
static ct_result name_obj(const X509_NAME *n, struct ct_rego_value **out)
{
	static const struct {
		const char *key;
		int nid;
	} attrs[] = {
		{ "Country", NID_countryName }, { "Organization", NID_organizationName },
		{ "OrganizationalUnit", NID_organizationalUnitName },
		{ "Locality", NID_localityName }, { "Province", NID_stateOrProvinceName },
		{ "StreetAddress", NID_streetAddress }, { "PostalCode", NID_postalCode },
	};
	struct ct_rego_value *o = ct_rego_object_new(8);
	ct_result r = CT_OK;
	int i;

	CT_ENSURE(o != NULL, CT_ERR_NOMEM, "rego: out of memory");
	i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
	if (i >= 0) {
		const ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
		unsigned char *u = NULL;
		int ul = ASN1_STRING_to_UTF8(&u, d);

		r = put_str(o, "CommonName", ul >= 0 ? (const char *)u : "", ul >= 0 ? (size_t)ul : 0);
		OPENSSL_free(u);
	} else {
		r = put_str(o, "CommonName", "", 0);
	}
	for (size_t a = 0; ct_ok(r) && a < sizeof(attrs) / sizeof(attrs[0]); a++) {
		struct ct_rego_value *arr = NULL;

		for (i = -1; (i = X509_NAME_get_index_by_NID(n, attrs[a].nid, i)) >= 0;) {
			const ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
			unsigned char *u = NULL;
			int ul = ASN1_STRING_to_UTF8(&u, d);

			if (arr == NULL && (arr = ct_rego_array_new(1)) == NULL) {
				OPENSSL_free(u);
				r = CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
				break;
			}
			if (ul >= 0)
				r = ct_rego_array_append(arr, ct_rego_value_string_new((const char *)u, (size_t)ul));
			OPENSSL_free(u);
			if (!ct_ok(r))
				break;
		}
		if (ct_ok(r))
			r = put_val(o, attrs[a].key, arr ? arr : ct_rego_value_null());
		else
			ct_rego_value_unref(arr);
	}
	if (!ct_ok(r)) {
		ct_rego_value_unref(o);
		return r;
	}
	*out = o;
	return CT_OK;
}

/* DNSNames, EmailAddresses, URIStrings from subjectAltName (null when
 * there are none, like Go). */
static ct_result san_fields(struct ct_rego_value *o, GENERAL_NAMES *gens)
{
	static const struct {
		const char *key;
		int type;
	} kinds[] = { { "DNSNames", GEN_DNS }, { "EmailAddresses", GEN_EMAIL },
		      { "URIStrings", GEN_URI } };
	ct_result r = CT_OK;

	for (size_t k = 0; ct_ok(r) && k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct ct_rego_value *arr = NULL;

		for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
			const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

			if (g->type != kinds[k].type)
				continue;
			if (arr == NULL && (arr = ct_rego_array_new(1)) == NULL) {
				r = CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
				break;
			}
			r = ct_rego_array_append(arr, ct_rego_value_string_new(
				(const char *)ASN1_STRING_get0_data(g->d.ia5),
				(size_t)ASN1_STRING_length(g->d.ia5)));
			if (!ct_ok(r))
				break;
		}
		if (ct_ok(r))
			r = put_val(o, kinds[k].key, arr ? arr : ct_rego_value_null());
		else
			ct_rego_value_unref(arr);
	}
	return r;
}

static ct_result time_str(struct ct_rego_value *o, const char *k, const ASN1_TIME *t)
{
	struct tm tm;
	char buf[32];

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return put_str(o, k, "", 0);
	(void)strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return put_str(o, k, buf, strlen(buf));
}

static ct_result cert_obj(X509 *x, struct ct_rego_value **out)
{
	struct ct_rego_value *o = ct_rego_object_new(12), *nm = NULL, *serial = NULL;
	GENERAL_NAMES *gens;
	BIGNUM *bn;
	ct_result r;

	CT_ENSURE(o != NULL, CT_ERR_NOMEM, "rego: out of memory");
	r = name_obj(X509_get_subject_name(x), &nm);
	if (ct_ok(r))
		r = put_val(o, "Subject", nm);
	if (ct_ok(r) && ct_ok(r = name_obj(X509_get_issuer_name(x), &nm)))
		r = put_val(o, "Issuer", nm);
	if (ct_ok(r))
		r = put_val(o, "Version", ct_rego_value_int(X509_get_version(x) + 1));
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	if (ct_ok(r) && bn != NULL) {
		char *dec = BN_bn2dec(bn);

		if (dec != NULL && ct_ok(ct_rego_value_number_parse(dec, strlen(dec), &serial)))
			r = put_val(o, "SerialNumber", serial);
		else
			ct_error_clear();
		OPENSSL_free(dec);
	}
	BN_free(bn);
	if (ct_ok(r))
		r = time_str(o, "NotBefore", X509_get0_notBefore(x));
	if (ct_ok(r))
		r = time_str(o, "NotAfter", X509_get0_notAfter(x));
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (ct_ok(r))
		r = san_fields(o, gens);
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
	if (!ct_ok(r)) {
		ct_rego_value_unref(o);
		return r;
	}
	*out = o;
	return CT_OK;
}

/* PEM or base64 (of PEM or of concatenated DER) -> decoded bytes; *pem says
 * which. */
static ct_result cert_input(struct ct_rego_bctx *ctx, const char *nm,
			    const struct ct_rego_value *s, struct ct_buf *b, bool *pem)
{
	size_t bad = 0;

	if (!pem_text(s, b, &bad))
		return ct_rego_berror(ctx, "%s: illegal base64 data at input byte %zu", nm, bad);
	*pem = memmem(b->data, b->len, "-----BEGIN", 10) != NULL;
	return CT_OK;
}

static ct_result bi_parse_certificates(ARGS)
{
	static const char *const nm = "crypto.x509.parse_certificates";
	struct ct_rego_value *arr = NULL, *c = NULL;
	struct ct_buf b;
	bool pem = false;
	ct_result res;
	int n;

	CT_GUARD(bi_arg(ctx, nm, args, 0, K_STR, "string"));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	CT_TRY(cert_input(ctx, nm, args[0], &b, &pem));
	arr = ct_rego_array_new(2);
	CT_TRY_ENSURE(arr != NULL, CT_ERR_NOMEM, "rego: out of memory");
	if (pem) {
		BIO *bio = BIO_new_mem_buf(b.data, (int)b.len);

		for (n = 0; bio != NULL && n < X509_PEM_BLOCKS_MAX; n++) {
			X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);

			if (x == NULL)
				break;
			res = cert_obj(x, &c);
			X509_free(x);
			if (ct_ok(res))
				res = ct_rego_array_append(arr, c);
			if (!ct_ok(res)) {
				BIO_free(bio);
				goto out;
			}
		}
		BIO_free(bio);
	} else {
		const unsigned char *p = b.data, *end = b.data + b.len;

		for (n = 0; p < end && n < X509_PEM_BLOCKS_MAX; n++) {
			X509 *x = d2i_X509(NULL, &p, (long)(end - p));

			if (x == NULL) {
				res = ct_rego_berror(ctx, "%s: x509: malformed certificate", nm);
				goto out;
			}
			res = cert_obj(x, &c);
			X509_free(x);
			if (ct_ok(res))
				res = ct_rego_array_append(arr, c);
			if (!ct_ok(res))
				goto out;
		}
	}
	if (ct_rego_value_length(arr) == 0) {
		res = ct_rego_berror(ctx, "%s: x509: malformed certificate", nm);
		goto out;
	}
	*out = arr;
	arr = NULL;
out:
	ERR_clear_error();
	ct_rego_value_unref(arr);
	ct_buf_dispose(&b);
	return res;
}

static ct_result bi_parse_certificate_request(ARGS)
{
	static const char *const nm = "crypto.x509.parse_certificate_request";
	struct ct_rego_value *o = NULL, *name = NULL;
	X509_REQ *req = NULL;
	struct ct_buf b;
	bool pem = false;
	ct_result res;

	CT_GUARD(bi_arg(ctx, nm, args, 0, K_STR, "string"));
	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	CT_TRY(cert_input(ctx, nm, args[0], &b, &pem));
	if (pem) {
		BIO *bio = BIO_new_mem_buf(b.data, (int)b.len);

		req = bio ? PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
	} else {
		const unsigned char *p = b.data;

		req = d2i_X509_REQ(NULL, &p, (long)b.len);
	}
	if (req == NULL) {
		res = ct_rego_berror(ctx, "%s: asn1: structure error: invalid certificate request", nm);
		goto out;
	}
	o = ct_rego_object_new(4);
	CT_TRY_ENSURE(o != NULL, CT_ERR_NOMEM, "rego: out of memory");
	CT_TRY(name_obj(X509_REQ_get_subject_name(req), &name));
	res = put_val(o, "Subject", name);
	if (!ct_ok(res))
		goto out;
	CT_TRY(put_val(o, "Version", ct_rego_value_int(X509_REQ_get_version(req))));
	*out = o;
	o = NULL;
out:
	ERR_clear_error();
	X509_REQ_free(req);
	ct_rego_value_unref(o);
	ct_buf_dispose(&b);
	return res;
}

const struct ct_rego_builtin ct_rego_b_x509_parse_certificates = {
	.name = "crypto.x509.parse_certificates", .arity = 1, .fn = bi_parse_certificates,
};
const struct ct_rego_builtin ct_rego_b_x509_parse_certificate_request = {
	.name = "crypto.x509.parse_certificate_request", .arity = 1,
	.fn = bi_parse_certificate_request,
};

/* [valid, certs]: the PEM list is root first, leaf last (OPA's order); the
 * root is the only trust anchor, the rest are untrusted intermediates; the
 * time is the real clock, as OPA's verifier uses. certs is the verified
 * chain, leaf first. Invalid chains give [false, []]. */
static ct_result bi_parse_and_verify(ARGS)
{
	static const char *const nm = "crypto.x509.parse_and_verify_certificates";
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *sctx = X509_STORE_CTX_new();
	struct ct_rego_value *certs = NULL, *r = NULL, *c = NULL;
	struct ct_buf b;
	bool pem = false, valid = false;
	ct_result res;
	BIO *bio = NULL;
	int n;

	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	CT_TRY_ENSURE(chain != NULL && store != NULL && sctx != NULL, CT_ERR_NOMEM,
		      "rego: out of memory");
	CT_TRY(bi_arg(ctx, nm, args, 0, K_STR, "string"));
	CT_TRY(cert_input(ctx, nm, args[0], &b, &pem));
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	for (n = 0; pem && bio != NULL && n < X509_PEM_BLOCKS_MAX; n++) {
		X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);

		if (x == NULL)
			break;
		if (sk_X509_push(chain, x) <= 0) {
			X509_free(x);
			break;
		}
	}
	certs = ct_rego_array_new(4);
	CT_TRY_ENSURE(certs != NULL, CT_ERR_NOMEM, "rego: out of memory");
	if (sk_X509_num(chain) >= 2) {
		X509 *root = sk_X509_value(chain, 0);
		X509 *leaf = sk_X509_value(chain, sk_X509_num(chain) - 1);
		STACK_OF(X509) *mid = sk_X509_new_null();

		for (n = 1; mid != NULL && n < sk_X509_num(chain) - 1; n++)
			(void)sk_X509_push(mid, sk_X509_value(chain, n));
		valid = mid != NULL && X509_STORE_add_cert(store, root) == 1 &&
			X509_STORE_CTX_init(sctx, store, leaf, mid) == 1 &&
			X509_verify_cert(sctx) == 1;
		sk_X509_free(mid);
	}
	if (valid) {
		STACK_OF(X509) *vc = X509_STORE_CTX_get0_chain(sctx);

		for (n = 0; vc != NULL && n < sk_X509_num(vc); n++) {
			CT_TRY(cert_obj(sk_X509_value(vc, n), &c));
			CT_TRY(ct_rego_array_append(certs, c));
		}
	}
	r = ct_rego_array_new(2);
	CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	CT_TRY(ct_rego_array_append(r, ct_rego_value_bool(valid)));
	res = ct_rego_array_append(r, certs);
	certs = NULL;
	if (!ct_ok(res))
		goto out;
	*out = r;
	r = NULL;
out:
	ERR_clear_error();
	BIO_free(bio);
	X509_STORE_CTX_free(sctx);
	X509_STORE_free(store);
	sk_X509_pop_free(chain, X509_free);
	ct_rego_value_unref(certs);
	ct_rego_value_unref(r);
	ct_buf_dispose(&b);
	return res;
}

const struct ct_rego_builtin ct_rego_b_x509_parse_and_verify = {
	.name = "crypto.x509.parse_and_verify_certificates", .arity = 1,
	.fn = bi_parse_and_verify,
	.nondeterministic = true, /* validity periods are checked against the clock */
};
