/*
 * jwt.c - io.jwt.decode and the io.jwt.verify_* built-ins (HS, RS, PS, ES
 * families) on OpenSSL. Tokens are untrusted: each section is bounded by
 * the token string, base64url-decoded strictly, and the header and payload
 * go through the bounded JSON reader. Keys for RS/PS/ES are PEM public keys
 * or certificates; HMAC comparison is constant-time. decode_verify checks
 * the signature, alg, exp/nbf against the evaluation clock, iss and aud,
 * and follows nested (cty JWT) tokens a bounded number of levels. Keys may
 * also be JWKs or JWK sets (jwk.c), which also signs tokens.
 */
#include <string.h>
#include <strings.h>

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

/* Go's base64 error for a section: the offset of the first byte outside
 * the URL-safe alphabet (or the length, for a bad final quantum). */
static ct_result section_b64(struct ct_rego_bctx *ctx, const char *what,
			     const char *s, size_t len, struct ct_buf *out)
{
	size_t i;

	if (ct_ok(b64url(ctx, "io.jwt.decode", s, len, out)))
		return CT_OK;
	ct_error_clear();
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '='))
			break;
	}
	return ct_rego_berror(ctx, "io.jwt.decode: %s had invalid encoding: "
			      "illegal base64 data at input byte %zu", what, i);
}

#define JWT_DECODE_NEST_MAX 8

/* One token: [header, payload, signature hex]; follows cty "JWT". */
static ct_result decode_one(struct ct_rego_bctx *ctx,
			    const struct ct_rego_value *tok, unsigned depth,
			    struct ct_rego_value **out)
{
	struct jwt_parts jp;
	struct ct_rego_value *h = NULL, *p = NULL, *r = NULL;
	const struct ct_rego_value *cty;
	struct ct_buf sig, hex, sec;
	ct_result res = CT_OK;

	CT_GUARD(split_jwt(ctx, "io.jwt.decode", tok, &jp));
	ct_buf_init(&sig, CT_REGO_BUILTIN_STR_MAX);
	ct_buf_init(&hex, CT_REGO_BUILTIN_STR_MAX);
	ct_buf_init(&sec, CT_REGO_BUILTIN_STR_MAX);
	CT_TRY(section_b64(ctx, "JWT header", jp.tok, jp.hlen, &sec));
	if (!ct_ok(ct_rego_json_parse(ct_buf_span(&sec), NULL, &h))) {
		ct_error_clear();
		CT_TRY(ct_rego_berror(ctx, "io.jwt.decode: JWT header is not JSON"));
	}
	if (h->kind == CT_REGO_OBJECT && ct_rego_object_get_str(h, "enc") != NULL)
		CT_TRY(ct_rego_berror(ctx, "io.jwt.decode: JWT is a JWE object, which is not supported"));
	ct_buf_reset(&sec);
	CT_TRY(section_b64(ctx, "JWT payload", jp.tok + jp.p_off, jp.plen, &sec));
	if (!ct_ok(ct_rego_json_parse(ct_buf_span(&sec), NULL, &p))) {
		ct_error_clear();
		CT_TRY(ct_rego_berror(ctx, "io.jwt.decode: type is JWT but payload is not JSON"));
	}
	CT_TRY(section_b64(ctx, "JWT signature", jp.tok + jp.s_off, jp.slen, &sig));
	cty = h->kind == CT_REGO_OBJECT ? ct_rego_object_get_str(h, "cty") : NULL;
	if (cty != NULL && cty->kind == CT_REGO_STRING &&
	    strcmp(cty->u.str.s, "JWT") == 0 && p->kind == CT_REGO_STRING) {
		/* A nested token: the result is the innermost one's. */
		CT_TRY_ENSURE(depth < JWT_DECODE_NEST_MAX, CT_ERR_LIMIT,
			      "io.jwt.decode: JWTs nested deeper than %d", JWT_DECODE_NEST_MAX);
		res = decode_one(ctx, p, depth + 1, out);
		goto out;
	}
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
	ct_buf_dispose(&sec);
	return res;
}

static ct_result bi_jwt_decode(ARGS)
{
	CT_GUARD(bi_arg(ctx, "io.jwt.decode", args, 0, K_STR, "string"));
	return decode_one(ctx, args[0], 0, out);
}

enum jwt_fam { FAM_HS, FAM_RS, FAM_PS, FAM_ES, FAM_ED };

/* Public key from a PEM certificate or PEM public key, checked like
 * OPA: one PEM block, nothing after it; *why names a failure in OPA's
 * words. */
static EVP_PKEY *load_key(const char *pem, size_t len, const char **why)
{
	BIO *bio;
	EVP_PKEY *k = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	const unsigned char *dp;
	long dlen = 0;
	const char *end = NULL, *p;
	size_t i;

	*why = "failed to extract a Key from the PEM certificate";
	for (p = pem; (p = memmem(p, len - (size_t)(p - pem), "-----END ", 9)) != NULL; p++)
		end = p;
	if (end != NULL)
		end = memmem(end + 9, len - (size_t)(end + 9 - pem), "-----", 5);
	if (end == NULL)
		return NULL;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL)
		return NULL;
	if (PEM_read_bio(bio, &name, &header, &der, &dlen) != 1)
		goto out;
	for (i = (size_t)(end + 5 - pem); i < len; i++)
		if (pem[i] != ' ' && pem[i] != '\n' && pem[i] != '\r' && pem[i] != '\t') {
			*why = "extra data after a PEM certificate block";
			goto out;
		}
	dp = der;
	if (strcmp(name, "CERTIFICATE") == 0) {
		X509 *x = d2i_X509(NULL, &dp, dlen);

		*why = "failed to parse a PEM certificate";
		if (x != NULL) {
			k = X509_get_pubkey(x);
			X509_free(x);
		}
	} else if (strcmp(name, "PUBLIC KEY") == 0) {
		*why = "failed to parse a PEM public key";
		k = d2i_PUBKEY(NULL, &dp, dlen);
	}
out:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(bio);
	ERR_clear_error();
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

/* Checks the signature of jp with `key` (secret or PEM); *ok = result.
 * Fails only for unusable keys and internal errors. */
static ct_result sig_check(struct ct_rego_bctx *ctx, const char *name,
			   enum jwt_fam fam, const char *md,
			   const struct jwt_parts *jp, const char *key,
			   size_t key_len, bool *ok)
{
	struct ct_buf sig, der;
	ct_result res = CT_OK;

	*ok = false;
	ct_buf_init(&sig, CT_REGO_BUILTIN_STR_MAX);
	ct_buf_init(&der, 4096);
	if (!ct_ok(b64url(ctx, name, jp->tok + jp->s_off, jp->slen, &sig))) {
		/* an undecodable signature does not verify */
		ctx->err_kind = CT_REGO_BERR_NONE;
		ct_error_clear();
		goto out;
	}
	if (fam == FAM_HS) {
		uint8_t mac[EVP_MAX_MD_SIZE];
		size_t mlen = 0;

		if (EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, key_len ? key : "",
			      key_len, (const unsigned char *)jp->tok,
			      jp->s_off - 1, mac, sizeof(mac), &mlen) != NULL)
			*ok = mlen == sig.len && CRYPTO_memcmp(mac, sig.data, mlen) == 0;
	} else {
		const char *why = "failed to parse a JWK key (set)";
		EVP_PKEY *k = NULL;

		if (key_len > 0 && key[0] == '{') {
			struct ct_rego_value *kv = ct_rego_value_string_new(key, key_len);

			if (kv != NULL && !ct_rego_jwk_load(kv, fam == FAM_ES ? "EC" : fam == FAM_ED ? "OKP" : "RSA", &k, NULL))
				k = NULL;
			ct_rego_value_unref(kv);
		} else {
			k = load_key(key, key_len, &why);
		}
		EVP_MD_CTX *mctx;
		EVP_PKEY_CTX *pctx = NULL;
		const uint8_t *sp = sig.data;
		size_t sl = sig.len;

		if (k == NULL) {
			ERR_clear_error();
			res = ct_rego_berror(ctx, "%s: %s", name, why);
			goto out;
		}
		if (fam == FAM_ES) {
			if (!ecdsa_raw_to_der(sig.data, sig.len, &der)) {
				EVP_PKEY_free(k);
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
			*ok = EVP_DigestVerify(mctx, sp, sl,
					       (const unsigned char *)jp->tok,
					       jp->s_off - 1) == 1;
		}
		ERR_clear_error();
		EVP_MD_CTX_free(mctx);
		EVP_PKEY_free(k);
	}
out:
	ct_buf_dispose(&sig);
	ct_buf_dispose(&der);
	return res;
}

static ct_result verify(struct ct_rego_bctx *ctx, const char *name,
			enum jwt_fam fam, const char *md,
			struct ct_rego_value *const *args,
			struct ct_rego_value **out)
{
	struct jwt_parts jp;
	bool ok;

	CT_GUARD(bi_arg(ctx, name, args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, name, args, 1, K_STR, "string"));
	CT_GUARD(split_jwt(ctx, name, args[0], &jp));
	CT_GUARD(sig_check(ctx, name, fam, md, &jp, args[1]->u.str.s,
			   args[1]->u.str.len, &ok));
	*out = ct_rego_value_bool(ok);
	return CT_OK;
}

/* ------------------------------------------------- io.jwt.decode_verify */

static bool alg_params(const char *alg, enum jwt_fam *fam, const char **md)
{
	static const struct {
		const char *alg;
		enum jwt_fam fam;
		const char *md;
	} algs[] = {
		{ "HS256", FAM_HS, "SHA256" }, { "HS384", FAM_HS, "SHA384" },
		{ "HS512", FAM_HS, "SHA512" }, { "RS256", FAM_RS, "SHA256" },
		{ "RS384", FAM_RS, "SHA384" }, { "RS512", FAM_RS, "SHA512" },
		{ "PS256", FAM_PS, "SHA256" }, { "PS384", FAM_PS, "SHA384" },
		{ "PS512", FAM_PS, "SHA512" }, { "ES256", FAM_ES, "SHA256" },
		{ "ES384", FAM_ES, "SHA384" }, { "ES512", FAM_ES, "SHA512" },
		{ "EdDSA", FAM_ED, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(algs[i].alg, alg) == 0) {
			*fam = algs[i].fam;
			*md = algs[i].md;
			return true;
		}
	return false;
}

#define JWT_NEST_MAX 8

/* *valid, and on success new refs in *hdr / *pay. */
static ct_result decode_verify(struct ct_rego_bctx *ctx,
			       const struct ct_rego_value *token,
			       const struct ct_rego_value *cons, int depth,
			       bool *valid, struct ct_rego_value **hdr,
			       struct ct_rego_value **pay)
{
	static const char *const name = "io.jwt.decode_verify";
	struct ct_rego_value *h = NULL, *p = NULL, *v, *cert, *secret, *want_alg;
	struct ct_rego_value *iss, *aud, *tm;
	struct jwt_parts jp;
	enum jwt_fam fam;
	const char *md;
	double now;
	bool ok = false;
	ct_result res = CT_OK;
	size_t i;

	*valid = false;
	*hdr = *pay = NULL;
	CT_ENSURE(depth < JWT_NEST_MAX, CT_ERR_POLICY, "%s: nested too deeply", name);
	for (i = 0; i < cons->u.coll.len; i++) {
		const struct ct_rego_value *k = cons->u.coll.items[i];
		const char *ks = k->kind == CT_REGO_STRING ? k->u.str.s : "";

		if (strcmp(ks, "cert") && strcmp(ks, "secret") && strcmp(ks, "alg") &&
		    strcmp(ks, "iss") && strcmp(ks, "aud") && strcmp(ks, "time"))
			return ct_rego_berror(ctx, "%s: unknown token validation constraint: %s", name, ks);
	}
	cert = ct_rego_object_get_str(cons, "cert");
	secret = ct_rego_object_get_str(cons, "secret");
	want_alg = ct_rego_object_get_str(cons, "alg");
	iss = ct_rego_object_get_str(cons, "iss");
	aud = ct_rego_object_get_str(cons, "aud");
	tm = ct_rego_object_get_str(cons, "time");
	if ((cert == NULL) == (secret == NULL) ||
	    (cert != NULL && cert->kind != CT_REGO_STRING) ||
	    (secret != NULL && secret->kind != CT_REGO_STRING))
		return ct_rego_berror(ctx, "%s: exactly one of 'cert' or 'secret' must be a string", name);
	now = tm != NULL && tm->kind == CT_REGO_NUMBER ? ct_rego_number_to_double(tm)
						       : (double)ctx->now_ns;
	CT_GUARD(split_jwt(ctx, name, token, &jp));
	CT_TRY(json_section(ctx, name, "JWT header", jp.tok, jp.hlen, &h));
	if (h->kind != CT_REGO_OBJECT)
		goto out; /* invalid */
	v = ct_rego_object_get_str(h, "alg");
	if (v == NULL || v->kind != CT_REGO_STRING || !alg_params(v->u.str.s, &fam, &md))
		goto out;
	if (want_alg != NULL && !ct_rego_value_equal(want_alg, v))
		goto out;
	if ((fam == FAM_HS) != (secret != NULL))
		goto out;
	/* a critical header we do not understand makes the token invalid */
	if (ct_rego_object_get_str(h, "crit") != NULL)
		goto out;
	CT_TRY(sig_check(ctx, name, fam, md, &jp,
			 fam == FAM_HS ? secret->u.str.s : cert->u.str.s,
			 fam == FAM_HS ? secret->u.str.len : cert->u.str.len, &ok));
	if (!ok)
		goto out;
	v = ct_rego_object_get_str(h, "cty");
	if (v != NULL && v->kind == CT_REGO_STRING && strcasecmp(v->u.str.s, "JWT") == 0) {
		/* nested token: the payload is the inner JWT, checked alike */
		struct ct_buf inner;
		struct ct_rego_value *itok;

		ct_buf_init(&inner, CT_REGO_BUILTIN_STR_MAX);
		res = b64url(ctx, name, jp.tok + jp.p_off, jp.plen, &inner);
		itok = ct_ok(res) ? ct_rego_value_string_new(ct_buf_cstr(&inner), inner.len) : NULL;
		ct_buf_dispose(&inner);
		CT_TRY(res);
		CT_TRY_ENSURE(itok != NULL, CT_ERR_NOMEM, "rego: out of memory");
		res = decode_verify(ctx, itok, cons, depth + 1, valid, hdr, pay);
		ct_rego_value_unref(itok);
		goto out;
	}
	CT_TRY(json_section(ctx, name, "type is JWT but payload", jp.tok + jp.p_off, jp.plen, &p));
	if (p->kind != CT_REGO_OBJECT)
		goto out;
	v = ct_rego_object_get_str(p, "exp");
	if (v != NULL) {
		if (v->kind != CT_REGO_NUMBER) {
			res = ct_rego_berror(ctx, "%s: exp value must be a number", name);
			goto out;
		}
		if (now >= ct_rego_number_to_double(v) * 1e9)
			goto out;
	}
	v = ct_rego_object_get_str(p, "nbf");
	if (v != NULL) {
		if (v->kind != CT_REGO_NUMBER) {
			res = ct_rego_berror(ctx, "%s: nbf value must be a number", name);
			goto out;
		}
		if (now < ct_rego_number_to_double(v) * 1e9)
			goto out;
	}
	if (iss != NULL) {
		v = ct_rego_object_get_str(p, "iss");
		if (v == NULL || !ct_rego_value_equal(v, iss))
			goto out;
	}
	v = ct_rego_object_get_str(p, "aud");
	if (aud != NULL || v != NULL) {
		bool hit = false;

		if (aud == NULL || v == NULL)
			goto out;
		if (v->kind == CT_REGO_STRING)
			hit = ct_rego_value_equal(v, aud);
		else if (v->kind == CT_REGO_ARRAY)
			for (i = 0; i < v->u.coll.len && !hit; i++)
				hit = ct_rego_value_equal(v->u.coll.items[i], aud);
		if (!hit)
			goto out;
	}
	*valid = true;
	*hdr = h;
	*pay = p;
	return CT_OK;
out:
	ct_rego_value_unref(h);
	ct_rego_value_unref(p);
	return res;
}

static ct_result bi_jwt_decode_verify(ARGS)
{
	struct ct_rego_value *h = NULL, *p = NULL, *r;
	bool valid = false;
	ct_result res;

	CT_GUARD(bi_arg(ctx, "io.jwt.decode_verify", args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, "io.jwt.decode_verify", args, 1, K_OBJ, "object"));
	CT_GUARD(decode_verify(ctx, args[0], args[1], 0, &valid, &h, &p));
	r = ct_rego_array_new(3);
	if (r == NULL) {
		ct_rego_value_unref(h);
		ct_rego_value_unref(p);
		return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
	}
	res = ct_rego_array_append(r, ct_rego_value_bool(valid));
	if (ct_ok(res))
		res = ct_rego_array_append(r, valid ? h : ct_rego_object_new(0));
	else
		ct_rego_value_unref(h);
	if (ct_ok(res))
		res = ct_rego_array_append(r, valid ? p : ct_rego_object_new(0));
	else
		ct_rego_value_unref(p);
	if (!ct_ok(res)) {
		ct_rego_value_unref(r);
		return res;
	}
	*out = r;
	return CT_OK;
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
VERIFY(bi_v_eddsa, "io.jwt.verify_eddsa", FAM_ED, NULL)
CT_BUILTIN(bi_jwt_decode, "io.jwt.decode", 1);
CT_BUILTIN(bi_jwt_decode_verify, "io.jwt.decode_verify", 2);

const struct ct_rego_builtin *const ct_rego_builtins_jwt[] = {
	&b_bi_jwt_decode, &b_bi_jwt_decode_verify, &b_bi_v_hs256, &b_bi_v_hs384, &b_bi_v_hs512,
	&b_bi_v_rs256, &b_bi_v_rs384, &b_bi_v_rs512, &b_bi_v_ps256,
	&b_bi_v_ps384, &b_bi_v_ps512, &b_bi_v_es256, &b_bi_v_es384,
	&b_bi_v_es512, &b_bi_v_eddsa, &ct_rego_b_jwt_encode_sign, &ct_rego_b_jwt_encode_sign_raw,
	NULL,
};
