/*
 * x509.c - loading certificates from PEM or DER.
 *
 * Trust boundary: certificate bytes come from files, cert tables or the
 * network; parsing is OpenSSL's, bounded by CT_X509_MAX_BYTES, and DER
 * input must be exactly one certificate. Loading says nothing about trust:
 * chain checks happen in the modules that use the certificate.
 */
#include "crypto/crypto.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>

static bool looks_pem(struct ct_span b)
{
	static const char tag[] = "-----BEGIN ";
	for (size_t i = 0; i + sizeof(tag) - 1 <= b.len && i < 4096; i++)
		if (memcmp(b.ptr + i, tag, sizeof(tag) - 1) == 0)
			return true;
	return false;
}

ct_result ct_x509_parse(X509 **out, struct ct_span bytes)
{
	X509 *x = NULL;
	*out = NULL;
	CT_ENSURE(bytes.len > 0, CT_ERR_PROTO, "x509: empty input");
	CT_ENSURE(bytes.len <= CT_X509_MAX_BYTES, CT_ERR_LIMIT,
		  "x509: %zu bytes exceeds %u", bytes.len, CT_X509_MAX_BYTES);
	if (looks_pem(bytes)) {
		BIO *bio = BIO_new_mem_buf(bytes.ptr, (int)bytes.len);
		if (bio == NULL)
			return CT_FAIL_OSSL(CT_ERR_NOMEM, "x509: BIO");
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
		if (x == NULL)
			return CT_FAIL_OSSL(CT_ERR_PROTO,
					    "x509: no PEM certificate");
	} else {
		const unsigned char *p = bytes.ptr;
		x = d2i_X509(NULL, &p, (long)bytes.len);
		if (x == NULL)
			return CT_FAIL_OSSL(CT_ERR_PROTO,
					    "x509: not a DER certificate");
		if (p != bytes.ptr + bytes.len) {
			X509_free(x);
			CT_BAIL(CT_ERR_PROTO,
				"x509: %zu trailing bytes after the certificate",
				(size_t)(bytes.ptr + bytes.len - p));
		}
	}
	ERR_clear_error();
	*out = x;
	return CT_OK;
}

ct_result ct_x509_load_file(X509 **out, const char *path)
{
	struct ct_buf b;
	ct_buf_init(&b, CT_X509_MAX_BYTES);
	ct_result res = ct_file_read(&b, path, CT_X509_MAX_BYTES);
	if (ct_ok(res))
		res = ct_x509_parse(out, ct_buf_span(&b));
	ct_buf_dispose(&b);
	if (!ct_ok(res))
		return ct_error_prefix("%s", path);
	return res;
}

ct_result ct_x509_to_der(struct ct_buf *out, X509 *cert)
{
	unsigned char *der = NULL;
	int n = i2d_X509(cert, &der);
	if (n <= 0)
		return CT_FAIL_OSSL(CT_ERR_INTERNAL, "x509: DER encoding");
	ct_result res = ct_buf_append(out, der, (size_t)n);
	OPENSSL_free(der);
	return res;
}

bool ct_x509_equal(X509 *a, X509 *b)
{
	unsigned char *da = NULL, *db = NULL;
	int na = i2d_X509(a, &da);
	int nb = i2d_X509(b, &db);
	bool eq = na > 0 && na == nb && memcmp(da, db, (size_t)na) == 0;
	OPENSSL_free(da);
	OPENSSL_free(db);
	return eq;
}

static ct_result asn1_time_to_unix(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return CT_FAIL_OSSL(CT_ERR_PROTO, "x509: bad validity time");
	*out = timegm(&tm);
	return CT_OK;
}

ct_result ct_x509_validity(X509 *cert, time_t *not_before, time_t *not_after)
{
	CT_GUARD(asn1_time_to_unix(X509_get0_notBefore(cert), not_before));
	CT_GUARD(asn1_time_to_unix(X509_get0_notAfter(cert), not_after));
	return CT_OK;
}

ct_result ct_x509_crl_load_file(X509_CRL **out, const char *path)
{
	struct ct_buf b;
	size_t max = 16u * CT_X509_MAX_BYTES;
	ct_result res;
	*out = NULL;
	ct_buf_init(&b, max);
	res = ct_file_read(&b, path, max);
	if (!ct_ok(res))
		goto out;
	X509_CRL *crl = NULL;
	if (looks_pem(ct_buf_span(&b))) {
		BIO *bio = BIO_new_mem_buf(b.data, (int)b.len);
		if (bio != NULL)
			crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else {
		const unsigned char *p = b.data;
		crl = d2i_X509_CRL(NULL, &p, (long)b.len);
		if (crl != NULL && p != b.data + b.len) {
			X509_CRL_free(crl);
			crl = NULL;
		}
	}
	if (crl == NULL) {
		res = CT_FAIL_OSSL(CT_ERR_PROTO, "%s: not a PEM or DER CRL", path);
		goto out;
	}
	*out = crl;
out:
	ct_buf_dispose(&b);
	return res;
}

static bool is_self_issued(X509 *x)
{
	return X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
}

ct_result ct_x509_load_file_pick(X509 **out, const char *path, bool self_signed)
{
	struct ct_buf b;
	ct_result res = CT_OK;
	*out = NULL;
	ct_buf_init(&b, 4 * CT_X509_MAX_BYTES);
	CT_TRY(ct_file_read(&b, path, 4 * CT_X509_MAX_BYTES));
	if (!looks_pem(ct_buf_span(&b))) {
		X509 *x = NULL;
		res = ct_x509_parse(&x, ct_buf_span(&b));
		if (!ct_ok(res)) {
			res = ct_error_prefix("%s", path);
			goto out;
		}
		*out = x;
		goto out;
	}
	BIO *bio = BIO_new_mem_buf(b.data, (int)b.len);
	CT_TRY_ENSURE(bio != NULL, CT_ERR_NOMEM, "x509: BIO");
	X509 *x;
	/* A bounded bundle: at most 8 certificates are looked at. */
	for (int i = 0; i < 8 && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL; i++) {
		if (is_self_issued(x) == self_signed) {
			*out = x;
			break;
		}
		X509_free(x);
	}
	BIO_free(bio);
	ERR_clear_error();
	CT_TRY_ENSURE(*out != NULL, CT_ERR_PROTO, "%s: no %s certificate", path,
		      self_signed ? "self-signed (root)" : "non-root");
out:
	ct_buf_dispose(&b);
	return res;
}
