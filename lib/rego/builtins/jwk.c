/*
 * jwk.c - JSON Web Keys (RFC 7517/7518) for the io.jwt.* built-ins, and
 * token signing: io.jwt.encode_sign (header and payload objects) and
 * io.jwt.encode_sign_raw (header and payload text), for HS, RS, PS, ES
 * and EdDSA on OpenSSL.
 *
 * Trust boundary: keys, headers and payloads come from policies or input.
 * JWK text goes through the bounded JSON reader; each member is strictly
 * base64url-decoded and size-capped (CT_REGO_JWK_PART_MAX) before OpenSSL
 * builds a key from it; unknown key types and curves are refused. A JWK
 * set ({"keys": [...]}) yields its first usable key.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out
#define CT_REGO_JWK_PART_MAX ((size_t)2048)
#define CT_REGO_JWK_TEXT_MAX ((size_t)1 << 20)

/* Decoded member `name` of a JWK object into b (false when absent/bad). */
static bool part(const struct ct_rego_value *jwk, const char *name,
		 struct ct_buf *b)
{
	const struct ct_rego_value *v = ct_rego_object_get_str(jwk, name);

	ct_buf_reset(b);
	if (v == NULL || v->kind != CT_REGO_STRING || v->u.str.len == 0 ||
	    v->u.str.len > CT_REGO_JWK_PART_MAX * 2)
		return false;
	if (!ct_ok(ct_base64url_decode(b, v->u.str.s, v->u.str.len))) {
		ct_error_clear();
		return false;
	}
	return true;
}

static bool push_bn(OSSL_PARAM_BLD *bld, const char *key, const struct ct_buf *b,
		    BIGNUM **keep)
{
	*keep = BN_bin2bn(b->data, (int)b->len, NULL);
	return *keep != NULL && OSSL_PARAM_BLD_push_BN(bld, key, *keep) == 1;
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *bld, bool priv)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *k = NULL;

	if (params != NULL && pc != NULL && EVP_PKEY_fromdata_init(pc) == 1 &&
	    EVP_PKEY_fromdata(pc, &k, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
			      params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	return k;
}

static EVP_PKEY *rsa_key(const struct ct_rego_value *jwk)
{
	static const struct {
		const char *jwk, *ossl;
	} priv[] = {
		{ "d", OSSL_PKEY_PARAM_RSA_D }, { "p", OSSL_PKEY_PARAM_RSA_FACTOR1 },
		{ "q", OSSL_PKEY_PARAM_RSA_FACTOR2 }, { "dp", OSSL_PKEY_PARAM_RSA_EXPONENT1 },
		{ "dq", OSSL_PKEY_PARAM_RSA_EXPONENT2 }, { "qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1 },
	};
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn[8] = { NULL };
	struct ct_buf b;
	EVP_PKEY *k = NULL;
	bool ok, has_priv = false;
	size_t i;

	ct_buf_init(&b, CT_REGO_JWK_PART_MAX);
	ok = bld != NULL && part(jwk, "n", &b) &&
	     push_bn(bld, OSSL_PKEY_PARAM_RSA_N, &b, &bn[0]) && part(jwk, "e", &b) &&
	     push_bn(bld, OSSL_PKEY_PARAM_RSA_E, &b, &bn[1]);
	if (ok && part(jwk, "d", &b)) {
		has_priv = true;
		for (i = 0; ok && i < sizeof(priv) / sizeof(priv[0]); i++) {
			if (!part(jwk, priv[i].jwk, &b)) {
				if (i == 0)
					ok = false;
				break; /* CRT members are optional as a group */
			}
			ok = push_bn(bld, priv[i].ossl, &b, &bn[2 + i]);
		}
	}
	if (ok)
		k = from_params("RSA", bld, has_priv);
	for (i = 0; i < 8; i++)
		BN_clear_free(bn[i]);
	OSSL_PARAM_BLD_free(bld);
	ct_buf_dispose(&b);
	return k;
}

static EVP_PKEY *ec_key(const struct ct_rego_value *jwk)
{
	const struct ct_rego_value *crv = ct_rego_object_get_str(jwk, "crv");
	const char *group = NULL;
	size_t clen = 0;
	OSSL_PARAM_BLD *bld = NULL;
	struct ct_buf x, y, d;
	uint8_t point[1 + 2 * 66];
	BIGNUM *priv = NULL;
	EVP_PKEY *k = NULL;
	bool has_d;

	if (crv == NULL || crv->kind != CT_REGO_STRING)
		return NULL;
	if (strcmp(crv->u.str.s, "P-256") == 0) {
		group = "prime256v1";
		clen = 32;
	} else if (strcmp(crv->u.str.s, "P-384") == 0) {
		group = "secp384r1";
		clen = 48;
	} else if (strcmp(crv->u.str.s, "P-521") == 0) {
		group = "secp521r1";
		clen = 66;
	} else {
		return NULL;
	}
	ct_buf_init(&x, CT_REGO_JWK_PART_MAX);
	ct_buf_init(&y, CT_REGO_JWK_PART_MAX);
	ct_buf_init(&d, CT_REGO_JWK_PART_MAX);
	if (!part(jwk, "x", &x) || !part(jwk, "y", &y) || x.len != clen ||
	    y.len != clen)
		goto out;
	point[0] = 4;
	memcpy(point + 1, x.data, clen);
	memcpy(point + 1 + clen, y.data, clen);
	has_d = part(jwk, "d", &d);
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
					     1 + 2 * clen) != 1 ||
	    (has_d && !push_bn(bld, OSSL_PKEY_PARAM_PRIV_KEY, &d, &priv)))
		goto out;
	k = from_params("EC", bld, has_d);
out:
	BN_clear_free(priv);
	OSSL_PARAM_BLD_free(bld);
	ct_buf_dispose(&x);
	ct_buf_dispose(&y);
	ct_buf_dispose(&d);
	return k;
}

static EVP_PKEY *okp_key(const struct ct_rego_value *jwk)
{
	const struct ct_rego_value *crv = ct_rego_object_get_str(jwk, "crv");
	struct ct_buf x, d;
	EVP_PKEY *k = NULL;

	if (crv == NULL || crv->kind != CT_REGO_STRING ||
	    strcmp(crv->u.str.s, "Ed25519") != 0)
		return NULL;
	ct_buf_init(&x, CT_REGO_JWK_PART_MAX);
	ct_buf_init(&d, CT_REGO_JWK_PART_MAX);
	if (part(jwk, "d", &d) && d.len == 32)
		k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, d.data, 32);
	else if (part(jwk, "x", &x) && x.len == 32)
		k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x.data, 32);
	ct_buf_dispose(&x);
	ct_buf_dispose(&d);
	return k;
}

/* One JWK object: an asymmetric key in *pk, or an oct secret in *secret;
 * only of key type `want` when that is non-NULL. */
static bool jwk_one(const struct ct_rego_value *jwk, const char *want,
		    EVP_PKEY **pk, struct ct_buf *secret)
{
	const struct ct_rego_value *kty;

	if (jwk->kind != CT_REGO_OBJECT)
		return false;
	kty = ct_rego_object_get_str(jwk, "kty");
	if (kty == NULL || kty->kind != CT_REGO_STRING ||
	    (want != NULL && strcmp(kty->u.str.s, want) != 0))
		return false;
	if (strcmp(kty->u.str.s, "RSA") == 0)
		*pk = rsa_key(jwk);
	else if (strcmp(kty->u.str.s, "EC") == 0)
		*pk = ec_key(jwk);
	else if (strcmp(kty->u.str.s, "OKP") == 0)
		*pk = okp_key(jwk);
	else if (strcmp(kty->u.str.s, "oct") == 0 && secret != NULL)
		return part(jwk, "k", secret);
	ERR_clear_error();
	return *pk != NULL;
}

bool ct_rego_jwk_load(const struct ct_rego_value *jwk, const char *want,
		      EVP_PKEY **pk, struct ct_buf *secret)
{
	const struct ct_rego_value *keys;

	*pk = NULL;
	if (jwk->kind == CT_REGO_STRING) {
		struct ct_rego_value *v = NULL;
		bool ok;

		if (jwk->u.str.len > CT_REGO_JWK_TEXT_MAX ||
		    !ct_ok(ct_rego_json_parse(ct_span_make(jwk->u.str.s, jwk->u.str.len),
					      NULL, &v))) {
			ct_error_clear();
			return false;
		}
		ok = ct_rego_jwk_load(v, want, pk, secret);
		ct_rego_value_unref(v);
		return ok;
	}
	if (jwk->kind != CT_REGO_OBJECT)
		return false;
	keys = ct_rego_object_get_str(jwk, "keys");
	if (keys != NULL && keys->kind == CT_REGO_ARRAY) {
		for (size_t i = 0; i < keys->u.coll.len; i++)
			if (jwk_one(keys->u.coll.items[i], want, pk, secret))
				return true;
		return false;
	}
	return jwk_one(jwk, want, pk, secret);
}

/* ------------------------------------------------------------- signing */

static const struct {
	const char *alg, *md;
	char fam; /* H(MAC) R(SA) P(SS) E(CDSA) D (EdDSA) */
	size_t ec_len;
} algs[] = {
	{ "HS256", "SHA256", 'H', 0 }, { "HS384", "SHA384", 'H', 0 },
	{ "HS512", "SHA512", 'H', 0 }, { "RS256", "SHA256", 'R', 0 },
	{ "RS384", "SHA384", 'R', 0 }, { "RS512", "SHA512", 'R', 0 },
	{ "PS256", "SHA256", 'P', 0 }, { "PS384", "SHA384", 'P', 0 },
	{ "PS512", "SHA512", 'P', 0 }, { "ES256", "SHA256", 'E', 32 },
	{ "ES384", "SHA384", 'E', 48 }, { "ES512", "SHA512", 'E', 66 },
	{ "EdDSA", NULL, 'D', 0 },
};

/* Signs `in` with the JWK; appends the raw JOSE signature to sig. */
static ct_result sign(struct ct_rego_bctx *ctx, const char *name, size_t a,
		      const struct ct_rego_value *jwk, const struct ct_buf *in,
		      struct ct_buf *sig)
{
	struct ct_buf secret;
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *der = NULL;
	size_t dlen = 0;
	ct_result res = CT_OK;

	ct_buf_init_secret(&secret, CT_REGO_JWK_PART_MAX);
	if (!ct_rego_jwk_load(jwk, NULL, &pk, algs[a].fam == 'H' ? &secret : NULL)) {
		res = ct_rego_berror(ctx, "%s: failed to parse a JWK key (set)", name);
		goto out;
	}
	if (algs[a].fam == 'H') {
		uint8_t mac[EVP_MAX_MD_SIZE];
		size_t mlen = 0;

		if (EVP_Q_mac(NULL, "HMAC", NULL, algs[a].md, NULL, secret.data,
			      secret.len, in->data, in->len, mac, sizeof(mac),
			      &mlen) == NULL)
			res = ct_rego_berror(ctx, "%s: HMAC failed", name);
		else
			res = ct_buf_append(sig, mac, mlen);
		goto out;
	}
	mctx = EVP_MD_CTX_new();
	if (mctx == NULL ||
	    EVP_DigestSignInit_ex(mctx, &pctx, algs[a].md, NULL, NULL, pk, NULL) != 1 ||
	    (algs[a].fam == 'P' &&
	     (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) ||
	    EVP_DigestSign(mctx, NULL, &dlen, in->data, in->len) != 1 ||
	    (der = OPENSSL_malloc(dlen)) == NULL ||
	    EVP_DigestSign(mctx, der, &dlen, in->data, in->len) != 1) {
		res = ct_rego_berror(ctx, "%s: signing with %s failed (wrong key type?)",
				     name, algs[a].alg);
		goto out;
	}
	if (algs[a].fam == 'E') {
		/* DER ECDSA-Sig-Value -> fixed-size r || s */
		const uint8_t *p = der;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
		uint8_t rs[2 * 66];
		size_t n = algs[a].ec_len;

		if (es == NULL ||
		    BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, (int)n) < 0 ||
		    BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + n, (int)n) < 0)
			res = ct_rego_berror(ctx, "%s: bad ECDSA signature", name);
		else
			res = ct_buf_append(sig, rs, 2 * n);
		ECDSA_SIG_free(es);
	} else {
		res = ct_buf_append(sig, der, dlen);
	}
out:
	ERR_clear_error();
	OPENSSL_free(der);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pk);
	ct_buf_dispose(&secret);
	return res;
}

/* header/payload JSON text -> compact JWS. */
static ct_result encode(struct ct_rego_bctx *ctx, const char *name,
			const char *hdr, size_t hlen, const char *pay, size_t plen,
			const struct ct_rego_value *jwk, struct ct_rego_value **out)
{
	struct ct_rego_value *h = NULL;
	const struct ct_rego_value *alg;
	struct ct_buf tok, sig;
	ct_result res;
	size_t a, n = sizeof(algs) / sizeof(algs[0]);

	if (hlen == 0)
		return ct_rego_berror(ctx, "%s: missing or invalid 'alg' header: "
				      "cannot parse JSON: cannot parse empty string", name);
	if (!ct_ok(ct_rego_json_parse(ct_span_make(hdr, hlen), NULL, &h))) {
		ct_error_clear();
		h = NULL;
		/* OPA: broken JSON objects fail to parse; other text has no alg */
		if (hdr[0] == '{')
			return ct_rego_berror(ctx, "%s: missing or invalid 'alg' header: cannot parse JSON", name);
	}
	alg = h != NULL && h->kind == CT_REGO_OBJECT ? ct_rego_object_get_str(h, "alg") : NULL;
	if (alg == NULL || alg->kind != CT_REGO_STRING) {
		ct_rego_value_unref(h);
		return ct_rego_berror(ctx, "%s: missing or invalid 'alg' header: jwsbb: header \"alg\" not found", name);
	}
	{
		/* A JWT-typed token must carry a JSON payload. */
		const struct ct_rego_value *typ = ct_rego_object_get_str(h, "typ");
		struct ct_rego_value *pv = NULL;

		if (typ != NULL && typ->kind == CT_REGO_STRING &&
		    strcmp(typ->u.str.s, "JWT") == 0) {
			if (plen == 0 ||
			    !ct_ok(ct_rego_json_parse(ct_span_make(pay, plen), NULL, &pv))) {
				ct_error_clear();
				ct_rego_value_unref(h);
				return ct_rego_berror(ctx, "%s: type is JWT but payload is not JSON", name);
			}
			ct_rego_value_unref(pv);
		}
	}
	for (a = 0; a < n && strcmp(algs[a].alg, alg->u.str.s) != 0; a++)
		;
	if (a == n) {
		res = ct_rego_berror(ctx, "%s: unknown JWS algorithm: %s", name, alg->u.str.s);
		ct_rego_value_unref(h);
		return res;
	}
	ct_rego_value_unref(h);
	ct_buf_init(&tok, CT_REGO_BUILTIN_STR_MAX);
	ct_buf_init(&sig, 4096);
	res = ct_base64url_encode(&tok, ct_span_make(hdr, hlen));
	if (ct_ok(res))
		res = ct_buf_append_byte(&tok, '.');
	if (ct_ok(res))
		res = ct_base64url_encode(&tok, ct_span_make(pay, plen));
	if (ct_ok(res))
		res = sign(ctx, name, a, jwk, &tok, &sig);
	if (ct_ok(res))
		res = ct_buf_append_byte(&tok, '.');
	if (ct_ok(res))
		res = ct_base64url_encode(&tok, ct_buf_span(&sig));
	ct_buf_dispose(&sig);
	if (!ct_ok(res)) {
		ct_buf_dispose(&tok);
		return res;
	}
	return ct_rego_bret_buf(out, &tok);
}

static ct_result bi_encode_sign_raw(ARGS)
{
	static const char *const nm = "io.jwt.encode_sign_raw";

	for (int i = 0; i < 3; i++)
		CT_GUARD(bi_arg(ctx, nm, args, i, K_STR, "string"));
	return encode(ctx, nm, args[0]->u.str.s, args[0]->u.str.len,
		      args[1]->u.str.s, args[1]->u.str.len, args[2], out);
}

static ct_result bi_encode_sign(ARGS)
{
	static const char *const nm = "io.jwt.encode_sign";
	struct ct_buf h, p;
	ct_result res;

	for (int i = 0; i < 3; i++)
		CT_GUARD(bi_arg(ctx, nm, args, i, K_OBJ, "object"));
	ct_buf_init(&h, CT_REGO_BUILTIN_STR_MAX);
	ct_buf_init(&p, CT_REGO_BUILTIN_STR_MAX);
	res = ct_rego_value_to_json(args[0], &h);
	if (ct_ok(res))
		res = ct_rego_value_to_json(args[1], &p);
	if (ct_ok(res))
		res = encode(ctx, nm, (const char *)h.data, h.len,
			     (const char *)p.data, p.len, args[2], out);
	ct_buf_dispose(&h);
	ct_buf_dispose(&p);
	return res;
}

const struct ct_rego_builtin ct_rego_b_jwt_encode_sign = {
	.name = "io.jwt.encode_sign", .arity = 3, .fn = bi_encode_sign,
	.nondeterministic = true, /* PS/ES signatures are randomised */
};
const struct ct_rego_builtin ct_rego_b_jwt_encode_sign_raw = {
	.name = "io.jwt.encode_sign_raw", .arity = 3, .fn = bi_encode_sign_raw,
	.nondeterministic = true,
};
