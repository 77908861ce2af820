/*
 * aws.c - providers.aws.sign_req: signs an http.send request object with
 * AWS Signature Version 4 the way OPA does (request method and path used
 * as written, the request's own headers signed along with host,
 * x-amz-date, x-amz-content-sha256 and x-amz-security-token; the payload
 * is raw_body, else the JSON of body, else empty, or UNSIGNED-PAYLOAD).
 *
 * Trust boundary: request, credentials and time come from the policy or
 * input. Every field is type-checked with OPA's error texts; the URL is
 * only split (scheme, host, path, query), never fetched; all text is
 * bounded by CT_REGO_BUILTIN_STR_MAX. Credentials never appear in errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out
#define NM "providers.aws.sign_req"
#define AWS_HEADERS_MAX 256

/* OPA reports every sign_req argument problem as eval_type_error. */
static ct_result type_err(struct ct_rego_bctx *ctx, int operand, const char *what)
{
	ct_result r = ct_rego_berror(ctx, NM ": operand %d %s", operand, what);

	ctx->err_kind = CT_REGO_BERR_TYPE;
	return r;
}

/* Checks that `keys` are strings in obj; lists the missing / mistyped
 * ones as a Rego set text ({"a", "b"}) in the error. */
static ct_result need_strings(struct ct_rego_bctx *ctx, int operand,
			      const struct ct_rego_value *obj,
			      const char *const *keys, size_t n, const char *what)
{
	char msg[600];
	char miss[256] = "", bad[256] = "";
	size_t i, ml = 0, bl = 0;

	for (i = 0; i < n; i++) {
		const struct ct_rego_value *v = ct_rego_object_get_str(obj, keys[i]);
		char *dst = v == NULL ? miss : v->kind != CT_REGO_STRING ? bad : NULL;
		size_t *len = v == NULL ? &ml : &bl;
		int w;

		if (dst == NULL)
			continue;
		w = snprintf(dst + *len, 256 - *len, "%s\"%s\"", *len ? ", " : "", keys[i]);
		if (w > 0 && (size_t)w < 256 - *len)
			*len += (size_t)w;
	}
	if (ml > 0) {
		char set[260];

		(void)snprintf(set, sizeof(set), "{%s}", miss);
		(void)snprintf(msg, sizeof(msg), "missing required %s(s): %s", what, set);
		return type_err(ctx, operand, msg);
	}
	if (bl > 0) {
		char set[260];

		(void)snprintf(set, sizeof(set), "{%s}", bad);
		(void)snprintf(msg, sizeof(msg), "invalid values for required %s(s): %s", what, set);
		return type_err(ctx, operand, msg);
	}
	return CT_OK;
}

static const char *str_of(const struct ct_rego_value *obj, const char *key)
{
	const struct ct_rego_value *v = ct_rego_object_get_str(obj, key);

	return v != NULL && v->kind == CT_REGO_STRING ? v->u.str.s : NULL;
}

static void hex_of(const uint8_t *d, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static bool hmac256(const void *key, size_t klen, const char *msg, size_t mlen,
		    uint8_t out[32])
{
	unsigned int n = 32;

	return HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, mlen,
		    out, &n) != NULL;
}

struct hdr {
	const char *name; /* lower-case for the built-in ones */
	const char *value;
};

static int cmp_hdr(const void *a, const void *b)
{
	return strcmp(((const struct hdr *)a)->name, ((const struct hdr *)b)->name);
}

static ct_result add_header(struct ct_rego_value *obj, const char *k, const char *v)
{
	struct ct_rego_value *kv = ct_rego_value_cstring(k), *vv = ct_rego_value_cstring(v);

	if (kv == NULL || vv == NULL) {
		ct_rego_value_unref(kv);
		ct_rego_value_unref(vv);
		return CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
	}
	return ct_rego_object_insert(obj, kv, vv);
}

static ct_result bi_aws_sign_req(ARGS)
{
	static const char *const req_keys[] = { "method", "url" };
	static const char *const cfg_keys[] = { "aws_access_key", "aws_region",
						"aws_secret_access_key", "aws_service" };
	const struct ct_rego_value *req = args[0], *cfg = args[1], *rh, *dps;
	const char *method, *url, *host, *path, *query, *token, *hsl;
	struct hdr h[AWS_HEADERS_MAX];
	size_t nh = 0, i, hostlen;
	struct ct_buf body, canon, sts, auth;
	struct ct_rego_value *headers = NULL, *res_obj = NULL;
	char amzdate[64], date[9], payload[65], canon_hash[65], sig_hex[65];
	char host_buf[256], path_buf[2048];
	uint8_t dig[32], k[32];
	int64_t ns, secs;
	bool unsigned_payload = false;
	ct_result res = CT_OK;

	CT_GUARD(bi_arg(ctx, NM, args, 0, K_OBJ, "object"));
	CT_GUARD(bi_arg(ctx, NM, args, 1, K_OBJ, "object"));
	CT_GUARD(need_strings(ctx, 1, req, req_keys, 2, "request parameters"));
	CT_GUARD(need_strings(ctx, 2, cfg, cfg_keys, 4, "AWS config parameters"));
	dps = ct_rego_object_get_str(cfg, "disable_payload_signing");
	if (dps != NULL) {
		if (dps->kind != CT_REGO_BOOL)
			return type_err(ctx, 2, "invalid value for 'disable_payload_signing' in AWS config");
		unsigned_payload = dps->u.b;
	}
	if (args[2]->kind != CT_REGO_NUMBER || !ct_rego_number_to_int64(args[2], &ns))
		return type_err(ctx, 3, "could not convert time_ns value into a unix timestamp");
	secs = ns / 1000000000;
	{
		time_t t = (time_t)secs;
		struct tm tm;

		if (ns < 0 || gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999)
			return type_err(ctx, 3, "could not convert time_ns value into a unix timestamp");
		(void)snprintf(amzdate, sizeof(amzdate), "%04d%02d%02dT%02d%02d%02dZ",
			       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			       tm.tm_min, tm.tm_sec);
		memcpy(date, amzdate, 8);
		date[8] = '\0';
	}
	method = str_of(req, "method");
	url = str_of(req, "url");
	token = str_of(cfg, "aws_session_token");
	/* scheme://host[:port][/path][?query] */
	host = strstr(url, "://");
	host = host != NULL ? host + 3 : url;
	hostlen = strcspn(host, "/?#");
	if (hostlen >= sizeof(host_buf))
		return ct_rego_berror(ctx, NM ": URL host too long");
	memcpy(host_buf, host, hostlen);
	host_buf[hostlen] = '\0';
	path = host + hostlen;
	i = strcspn(path, "?#");
	if (i >= sizeof(path_buf))
		return ct_rego_berror(ctx, NM ": URL path too long");
	memcpy(path_buf, path, i);
	path_buf[i] = '\0';
	query = path[i] == '?' ? path + i + 1 : "";

	ct_buf_init(&body, CT_REGO_BUILTIN_STR_MAX);
	ct_buf_init(&canon, CT_REGO_BUILTIN_STR_MAX);
	ct_buf_init(&sts, 4096);
	ct_buf_init(&auth, 4096);
	if (str_of(req, "raw_body") != NULL)
		CT_TRY(ct_buf_append_str(&body, str_of(req, "raw_body")));
	else if (ct_rego_object_get_str(req, "body") != NULL)
		CT_TRY(ct_rego_value_to_json(ct_rego_object_get_str(req, "body"), &body));
	if (unsigned_payload) {
		memcpy(payload, "UNSIGNED-PAYLOAD", 17);
	} else {
		CT_TRY_ENSURE(EVP_Digest(body.data, body.len, dig, NULL, EVP_sha256(), NULL) == 1,
			      CT_ERR_INTERNAL, NM ": sha256 failed");
		hex_of(dig, 32, payload);
	}

	/* The request's headers (string values), then ours unless present. */
	headers = ct_rego_object_new(8);
	CT_TRY_ENSURE(headers != NULL, CT_ERR_NOMEM, "rego: out of memory");
	rh = ct_rego_object_get_str(req, "headers");
	if (rh != NULL && rh->kind == CT_REGO_OBJECT) {
		for (i = 0; i < rh->u.coll.len && nh < AWS_HEADERS_MAX - 4; i++) {
			const struct ct_rego_value *hk = rh->u.coll.items[i], *hv = rh->u.coll.vals[i];

			if (hk->kind != CT_REGO_STRING || hv->kind != CT_REGO_STRING)
				continue;
			h[nh].name = hk->u.str.s;
			h[nh++].value = hv->u.str.s;
			CT_TRY(add_header(headers, hk->u.str.s, hv->u.str.s));
		}
	}
	hsl = NULL;
	for (i = 0; i < nh; i++)
		if (strcmp(h[i].name, "x-amz-content-sha256") == 0)
			hsl = h[i].value;
	h[nh].name = "host";
	h[nh++].value = host_buf;
	h[nh].name = "x-amz-date";
	h[nh++].value = amzdate;
	if (hsl == NULL) {
		h[nh].name = "x-amz-content-sha256";
		h[nh++].value = payload;
	}
	if (token != NULL) {
		h[nh].name = "x-amz-security-token";
		h[nh++].value = token;
	}
	qsort(h, nh, sizeof(h[0]), cmp_hdr);

	CT_TRY(ct_buf_printf(&canon, "%s\n%s\n%s\n", method, path_buf, query));
	for (i = 0; i < nh; i++)
		CT_TRY(ct_buf_printf(&canon, "%s:%s\n", h[i].name, h[i].value));
	CT_TRY(ct_buf_append_byte(&canon, '\n'));
	for (i = 0; i < nh; i++)
		CT_TRY(ct_buf_printf(&auth, "%s%s", i ? ";" : "", h[i].name));
	CT_TRY(ct_buf_printf(&canon, "%s\n%s", ct_buf_cstr(&auth), payload));
	CT_TRY_ENSURE(EVP_Digest(canon.data, canon.len, dig, NULL, EVP_sha256(), NULL) == 1,
		      CT_ERR_INTERNAL, NM ": sha256 failed");
	hex_of(dig, 32, canon_hash);
	CT_TRY(ct_buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
			     amzdate, date, str_of(cfg, "aws_region"),
			     str_of(cfg, "aws_service"), canon_hash));
	{
		struct ct_buf key;
		bool ok;

		ct_buf_init_secret(&key, 4096);
		CT_TRY(ct_buf_printf(&key, "AWS4%s", str_of(cfg, "aws_secret_access_key")));
		ok = hmac256(key.data, key.len, date, strlen(date), k) &&
		     hmac256(k, 32, str_of(cfg, "aws_region"), strlen(str_of(cfg, "aws_region")), k) &&
		     hmac256(k, 32, str_of(cfg, "aws_service"), strlen(str_of(cfg, "aws_service")), k) &&
		     hmac256(k, 32, "aws4_request", 12, k) &&
		     hmac256(k, 32, (const char *)sts.data, sts.len, dig);
		ct_buf_dispose(&key);
		OPENSSL_cleanse(k, sizeof(k));
		CT_TRY_ENSURE(ok, CT_ERR_INTERNAL, NM ": HMAC failed");
	}
	hex_of(dig, 32, sig_hex);
	{
		struct ct_buf a;

		ct_buf_init(&a, 8192);
		res = ct_buf_printf(&a, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request,"
				    "SignedHeaders=%s,Signature=%s",
				    str_of(cfg, "aws_access_key"), date, str_of(cfg, "aws_region"),
				    str_of(cfg, "aws_service"), ct_buf_cstr(&auth), sig_hex);
		if (ct_ok(res))
			res = add_header(headers, "Authorization", ct_buf_cstr(&a));
		ct_buf_dispose(&a);
		if (!ct_ok(res))
			goto out;
	}
	CT_TRY(add_header(headers, "host", host_buf));
	CT_TRY(add_header(headers, "x-amz-date", amzdate));
	CT_TRY(add_header(headers, "x-amz-content-sha256", payload));
	if (token != NULL)
		CT_TRY(add_header(headers, "x-amz-security-token", token));

	/* The request with its headers replaced. */
	res_obj = ct_rego_object_new(req->u.coll.len + 1);
	CT_TRY_ENSURE(res_obj != NULL, CT_ERR_NOMEM, "rego: out of memory");
	for (i = 0; i < req->u.coll.len; i++) {
		struct ct_rego_value *key = req->u.coll.items[i];

		if (key->kind == CT_REGO_STRING && strcmp(key->u.str.s, "headers") == 0)
			continue;
		CT_TRY(ct_rego_object_insert(res_obj, ct_rego_value_ref(key),
					     ct_rego_value_ref(req->u.coll.vals[i])));
	}
	{
		struct ct_rego_value *hk = ct_rego_value_cstring("headers");

		CT_TRY_ENSURE(hk != NULL, CT_ERR_NOMEM, "rego: out of memory");
		res = ct_rego_object_insert(res_obj, hk, headers);
		headers = NULL;
		if (!ct_ok(res))
			goto out;
	}
	*out = res_obj;
	res_obj = NULL;
out:
	ct_rego_value_unref(headers);
	ct_rego_value_unref(res_obj);
	ct_buf_dispose(&body);
	ct_buf_dispose(&canon);
	ct_buf_dispose(&sts);
	ct_buf_dispose(&auth);
	return res;
}

const struct ct_rego_builtin ct_rego_b_aws_sign_req = {
	.name = "providers.aws.sign_req", .arity = 3, .fn = bi_aws_sign_req,
};
