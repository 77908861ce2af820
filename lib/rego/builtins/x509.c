/*
 * x509.c - key and key-pair parsing built-ins on OpenSSL:
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

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

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
