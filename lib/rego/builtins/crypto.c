/*
 * crypto.c - crypto.md5/sha1/sha256, crypto.hmac.* and crypto.hmac.equal
 * through OpenSSL's EVP interfaces. Inputs are arbitrary policy strings;
 * outputs are lowercase hex as OPA returns them. hmac.equal compares in
 * constant time (it exists for comparing MACs).
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out

static ct_result hex_result(const uint8_t *md, unsigned len,
			    struct ct_rego_value **out)
{
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	ct_hex_format(hex, md, len);
	return bi_ret(out, ct_rego_value_cstring(hex));
}

static ct_result digest(struct ct_rego_bctx *ctx, const char *name,
			const char *alg, struct ct_rego_value *const *args,
			struct ct_rego_value **out)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_MD *m;

	CT_GUARD(bi_arg(ctx, name, args, 0, K_STR, "string"));
	m = EVP_MD_fetch(NULL, alg, NULL);
	if (m == NULL)
		return ct_rego_berror(ctx, "%s: digest %s unavailable", name, alg);
	if (EVP_Digest(args[0]->u.str.s, args[0]->u.str.len, md, &len, m,
		       NULL) != 1) {
		EVP_MD_free(m);
		return ct_rego_berror(ctx, "%s: digest failed", name);
	}
	EVP_MD_free(m);
	return hex_result(md, len, out);
}

static ct_result bi_md5(ARGS) { return digest(ctx, "crypto.md5", "MD5", args, out); }
static ct_result bi_sha1(ARGS) { return digest(ctx, "crypto.sha1", "SHA1", args, out); }
static ct_result bi_sha256(ARGS) { return digest(ctx, "crypto.sha256", "SHA256", args, out); }

static ct_result hmac(struct ct_rego_bctx *ctx, const char *name,
		      const char *alg, struct ct_rego_value *const *args,
		      struct ct_rego_value **out)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	size_t len = 0;

	CT_GUARD(bi_arg(ctx, name, args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, name, args, 1, K_STR, "string"));
	/* OpenSSL rejects a NULL key pointer even with length 0. */
	if (EVP_Q_mac(NULL, "HMAC", NULL, alg, NULL,
		      args[1]->u.str.len ? args[1]->u.str.s : "",
		      args[1]->u.str.len, (const unsigned char *)args[0]->u.str.s, args[0]->u.str.len,
		      md, sizeof(md), &len) == NULL)
		return ct_rego_berror(ctx, "%s: HMAC failed", name);
	return hex_result(md, (unsigned)len, out);
}

static ct_result bi_hmac_md5(ARGS) { return hmac(ctx, "crypto.hmac.md5", "MD5", args, out); }
static ct_result bi_hmac_sha1(ARGS) { return hmac(ctx, "crypto.hmac.sha1", "SHA1", args, out); }
static ct_result bi_hmac_sha256(ARGS) { return hmac(ctx, "crypto.hmac.sha256", "SHA256", args, out); }
static ct_result bi_hmac_sha512(ARGS) { return hmac(ctx, "crypto.hmac.sha512", "SHA512", args, out); }

static ct_result bi_hmac_equal(ARGS)
{
	const struct ct_rego_value *a = args[0], *b = args[1];

	CT_GUARD(bi_arg(ctx, "crypto.hmac.equal", args, 0, K_STR, "string"));
	CT_GUARD(bi_arg(ctx, "crypto.hmac.equal", args, 1, K_STR, "string"));
	*out = ct_rego_value_bool(a->u.str.len == b->u.str.len &&
				  CRYPTO_memcmp(a->u.str.s, b->u.str.s,
						a->u.str.len) == 0);
	return CT_OK;
}

CT_BUILTIN(bi_md5, "crypto.md5", 1);
CT_BUILTIN(bi_sha1, "crypto.sha1", 1);
CT_BUILTIN(bi_sha256, "crypto.sha256", 1);
CT_BUILTIN(bi_hmac_md5, "crypto.hmac.md5", 2);
CT_BUILTIN(bi_hmac_sha1, "crypto.hmac.sha1", 2);
CT_BUILTIN(bi_hmac_sha256, "crypto.hmac.sha256", 2);
CT_BUILTIN(bi_hmac_sha512, "crypto.hmac.sha512", 2);
CT_BUILTIN(bi_hmac_equal, "crypto.hmac.equal", 2);

const struct ct_rego_builtin *const ct_rego_builtins_crypto[] = {
	&b_bi_md5, &b_bi_sha1, &b_bi_sha256, &b_bi_hmac_md5, &b_bi_hmac_sha1,
	&b_bi_hmac_sha256, &b_bi_hmac_sha512, &b_bi_hmac_equal, NULL,
};
