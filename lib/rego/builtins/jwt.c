/*
 * jwt.c - io.jwt.decode and the io.jwt.verify_* built-ins (HS, RS, PS, ES
 * families) on OpenSSL. Tokens are untrusted: each section is bounded by
 * the token string, base64url-decoded strictly, and the header and payload
 * go through the bounded JSON reader. Keys for RS/PS/ES are PEM public keys
 * or certificates; HMAC comparison is constant-time. JWK keys and
 * decode_verify's constraint object are not implemented yet.
 */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out

struct jwt_parts {
	const char *tok;
	size_t hlen, plen, slen; /* section lengths */
	size_t p_off, s_off;
};

static ct_result split_jwt(struct ct_rego_bctx *ctx, const char *name,
			   const struct ct_rego_value *t, struct jwt_parts *jp)
{
	const char *s = t->u.str.s, *d1, *d2;
	size_t len = t->u.str.len, dots = 0, i;

	for (i = 0; i < len; i++)
		dots += s[i] == '.';
	if (dots == 0)
		return ct_rego_berror(ctx, "%s: encoded JWT had no period separators", name);
	if (dots == 4)
		return ct_rego_berror(ctx, "%s: JWT is a JWE object, which is not supported", name);
	if (dots != 2)
		return ct_rego_berror(ctx, "%s: encoded JWT must have 3 sections, found %zu",
				      name, dots + 1);
	d1 = memchr(s, '.', len);
	d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - s));
	jp->tok = s;
	jp->hlen = (size_t)(d1 - s);
	jp->p_off = jp->hlen + 1;
	jp->plen = (size_t)(d2 - d1 - 1);
	jp->s_off = (size_t)(d2 - s) + 1;
	jp->slen = len - jp->s_off;
	return CT_OK;
}

static ct_result b64url(struct ct_rego_bctx *ctx, const char *name,
			const char *s, size_t len, struct ct_buf *out)
{
	while (len > 0 && s[len - 1] == '=')
		len--;
	if (!ct_ok(ct_base64url_decode(out, s, len)))
		return ct_rego_berror(ctx, "%s: illegal base64 data in JWT", name);
	return CT_OK;
}

static ct_result json_section(struct ct_rego_bctx *ctx, const char *name,
			      const char *what, const char *s, size_t len,
			      struct ct_rego_value **out)
{
	struct ct_buf b;
	ct_result r;

	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	r = b64url(ctx, name, s, len, &b);
	if (ct_ok(r)) {
		r = ct_rego_json_parse(ct_buf_span(&b), NULL, out);
		if (!ct_ok(r))
			r = ct_rego_berror(ctx, "%s: %s is not JSON", name, what);
	}
	ct_buf_dispose(&b);
	return r;
}

static ct_result bi_jwt_decode(ARGS)
{
	struct jwt_parts jp;
	struct ct_rego_value *h = NULL, *p = NULL, *r = NULL;
	struct ct_buf sig, hex;
	ct_result res = CT_OK;

	CT_GUARD(bi_arg(ctx, "io.jwt.decode", args, 0, K_STR, "string"));
	CT_GUARD(split_jwt(ctx, "io.jwt.decode", args[0], &jp));
	ct_buf_init(&sig, CT_REGO_BUILTIN_STR_MAX);
	ct_buf_init(&hex, CT_REGO_BUILTIN_STR_MAX);
	CT_TRY(json_section(ctx, "io.jwt.decode", "JWT header", jp.tok, jp.hlen, &h));
	CT_TRY(json_section(ctx, "io.jwt.decode", "type is JWT but payload",
			    jp.tok + jp.p_off, jp.plen, &p));
	CT_TRY(b64url(ctx, "io.jwt.decode", jp.tok + jp.s_off, jp.slen, &sig));
	CT_TRY(ct_hex_encode(&hex, ct_buf_span(&sig)));
	r = ct_rego_array_new(3);
	CT_TRY_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
	CT_TRY(ct_rego_array_append(r, h));
	h = NULL;
	CT_TRY(ct_rego_array_append(r, p));
	p = NULL;
	CT_TRY(ct_rego_array_append(r, ct_rego_value_string_new(
					       (const char *)ct_buf_cstr(&hex), hex.len)));
	*out = r;
	r = NULL;
out:
	ct_rego_value_unref(h);
	ct_rego_value_unref(p);
	ct_rego_value_unref(r);
	ct_buf_dispose(&sig);
	ct_buf_dispose(&hex);
	return res;
}

enum jwt_fam { FAM_HS, FAM_RS, FAM_PS, FAM_ES };

static EVP_PKEY *load_key(const char *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *k = NULL;
	X509 *x;

	if (bio == NULL)
		return NULL;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (x != NULL) {
		k = X509_get_pubkey(x);
		X509_free(x);
	} else {
		(void)BIO_reset(bio);
		k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	}
	BIO_free(bio);
	return k;
}

/* JOSE ECDSA signatures are r||s; OpenSSL wants DER. */
static bool ecdsa_raw_to_der(const uint8_t *raw, size_t len, struct ct_buf *der)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)(len / 2), NULL);
	BIGNUM *s = BN_bin2bn(raw + len / 2, (int)(len / 2), NULL);
	unsigned char *p = NULL;
	int n;
	bool ok = false;

	if (sig == NULL || r == NULL || s == NULL || len % 2 != 0 ||
	    ECDSA_SIG_set0(sig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return false;
	}
	n = i2d_ECDSA_SIG(sig, &p);
	if (n > 0)
		ok = ct_ok(ct_buf_append(der, p, (size_t)n));
	OPENSSL_free(p);
	ECDSA_SIG_free(sig);
	return ok;
}

static ct_result verify(struct ct_rego_bctx *ctx, const char *name,
			enum jwt_fam fam, const char *md,
			struct ct_rego_value *const *args,
			struct ct_rego_value **out)
{
	struct jwt_parts jp;
	struct ct_buf sig, der;
	bool ok = false;
	ct_result res = CT_OK;

	CT_GUARD(bi_arg(ctx, name, args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, name, args, 1, K_STR, "string"));
	CT_GUARD(split_jwt(ctx, name, args[0], &jp));
	ct_buf_init(&sig, CT_REGO_BUILTIN_STR_MAX);
	ct_buf_init(&der, 4096);
	CT_TRY(b64url(ctx, name, jp.tok + jp.s_off, jp.slen, &sig));
	if (fam == FAM_HS) {
		uint8_t mac[EVP_MAX_MD_SIZE];
		size_t mlen = 0;
		const struct ct_rego_value *key = args[1];

		if (EVP_Q_mac(NULL, "HMAC", NULL, md, NULL,
			      key->u.str.len ? key->u.str.s : "", key->u.str.len,
			      (const unsigned char *)jp.tok, jp.s_off - 1, mac,
			      sizeof(mac), &mlen) != NULL)
			ok = mlen == sig.len && CRYPTO_memcmp(mac, sig.data, mlen) == 0;
	} else {
		EVP_PKEY *k = load_key(args[1]->u.str.s, args[1]->u.str.len);
		EVP_MD_CTX *mctx;
		EVP_PKEY_CTX *pctx = NULL;
		const uint8_t *sp = sig.data;
		size_t sl = sig.len;

		if (k == NULL) {
			res = ct_rego_berror(ctx, "%s: failed to parse a PEM certificate or public key", name);
			goto out;
		}
		if (fam == FAM_ES) {
			if (!ecdsa_raw_to_der(sig.data, sig.len, &der)) {
				EVP_PKEY_free(k);
				*out = ct_rego_value_bool(false);
				goto out;
			}
			sp = der.data;
			sl = der.len;
		}
		mctx = EVP_MD_CTX_new();
		if (mctx != NULL &&
		    EVP_DigestVerifyInit_ex(mctx, &pctx, md, NULL, NULL, k, NULL) == 1) {
			if (fam == FAM_PS) {
				EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
				EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO);
			}
			ok = EVP_DigestVerify(mctx, sp, sl,
					      (const unsigned char *)jp.tok,
					      jp.s_off - 1) == 1;
		}
		ERR_clear_error();
		EVP_MD_CTX_free(mctx);
		EVP_PKEY_free(k);
	}
	*out = ct_rego_value_bool(ok);
out:
	ct_buf_dispose(&sig);
	ct_buf_dispose(&der);
	return res;
}

#define VERIFY(fn, nm, fam, md)                                   \
	static ct_result fn(ARGS)                                 \
	{                                                         \
		return verify(ctx, nm, fam, md, args, out);       \
	}                                                         \
	CT_BUILTIN(fn, nm, 2);
VERIFY(bi_v_hs256, "io.jwt.verify_hs256", FAM_HS, "SHA256")
VERIFY(bi_v_hs384, "io.jwt.verify_hs384", FAM_HS, "SHA384")
VERIFY(bi_v_hs512, "io.jwt.verify_hs512", FAM_HS, "SHA512")
VERIFY(bi_v_rs256, "io.jwt.verify_rs256", FAM_RS, "SHA256")
VERIFY(bi_v_rs384, "io.jwt.verify_rs384", FAM_RS, "SHA384")
VERIFY(bi_v_rs512, "io.jwt.verify_rs512", FAM_RS, "SHA512")
VERIFY(bi_v_ps256, "io.jwt.verify_ps256", FAM_PS, "SHA256")
VERIFY(bi_v_ps384, "io.jwt.verify_ps384", FAM_PS, "SHA384")
VERIFY(bi_v_ps512, "io.jwt.verify_ps512", FAM_PS, "SHA512")
VERIFY(bi_v_es256, "io.jwt.verify_es256", FAM_ES, "SHA256")
VERIFY(bi_v_es384, "io.jwt.verify_es384", FAM_ES, "SHA384")
VERIFY(bi_v_es512, "io.jwt.verify_es512", FAM_ES, "SHA512")
CT_BUILTIN(bi_jwt_decode, "io.jwt.decode", 1);

const struct ct_rego_builtin *const ct_rego_builtins_jwt[] = {
	&b_bi_jwt_decode, &b_bi_v_hs256, &b_bi_v_hs384, &b_bi_v_hs512,
	&b_bi_v_rs256, &b_bi_v_rs384, &b_bi_v_rs512, &b_bi_v_ps256,
	&b_bi_v_ps384, &b_bi_v_ps512, &b_bi_v_es256, &b_bi_v_es384,
	&b_bi_v_es512, NULL,
};
