/*
 * meshapi.c - encode and strictly decode the mesh API's bodies (meshapi.h).
 *
 * Trust boundary: the Coordinator decodes CSRs sent by workloads that have
 * attested but may still be malicious; the initializer decodes answers of
 * a Coordinator it did not verify. Every length is bounded before it is
 * used, JSON goes through lib/http's bounded parser (duplicate keys,
 * trailing bytes and deep nesting refused), ASN.1 only through OpenSSL,
 * and every error names the field.
 */
#include <string.h>

#include <jansson.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "http/http.h"
#include "meshapi/meshapi.h"

/* The base64 decoder works in 3-byte groups: room for the last one. */
#define B64_SLACK 3u

/* ------------------------------------------------------------- helpers */

CT_RESULT ct_meshapi_pem_count_certs(struct ct_span pem, const char *what,
				     size_t max, size_t *count_out)
{
	ct_result res = CT_OK;
	size_t n = 0;
	CT_ENSURE(pem.len > 0 && pem.len <= CT_MESHAPI_PEM_MAX, CT_ERR_PROTO,
		  "%s: %zu bytes of PEM, want 1..%u", what, pem.len,
		  CT_MESHAPI_PEM_MAX);
	BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
	CT_ENSURE(bio != NULL, CT_ERR_NOMEM, "%s: out of memory", what);
	for (;;) {
		char *name = NULL, *header = NULL;
		unsigned char *data = NULL;
		long len = 0;
		if (PEM_read_bio(bio, &name, &header, &data, &len) != 1) {
			unsigned long e = ERR_peek_last_error();
			ERR_clear_error();
			/* The normal end: no further BEGIN line. */
			CT_TRY_ENSURE(ERR_GET_REASON(e) == PEM_R_NO_START_LINE,
				      CT_ERR_PROTO, "%s: malformed PEM block",
				      what);
			break;
		}
		bool is_cert = strcmp(name, PEM_STRING_X509) == 0;
		bool parsed = false;
		if (is_cert) {
			const unsigned char *p = data;
			X509 *x = d2i_X509(NULL, &p, len);
			parsed = x != NULL && p == data + len;
			X509_free(x);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		ERR_clear_error();
		CT_TRY_ENSURE(is_cert, CT_ERR_PROTO,
			      "%s: block %zu is not a CERTIFICATE", what, n + 1);
		CT_TRY_ENSURE(parsed, CT_ERR_PROTO,
			      "%s: certificate %zu does not parse", what, n + 1);
		n++;
		CT_TRY_ENSURE(n <= max, CT_ERR_LIMIT,
			      "%s: more than %zu certificates", what, max);
	}
	CT_TRY_ENSURE(n > 0, CT_ERR_PROTO, "%s: no certificate", what);
	*count_out = n;
out:
	BIO_free(bio);
	return res;
}

static CT_RESULT set_b64(json_t *obj, const char *key, const struct ct_buf *b)
{
	return ct_http_json_set_base64(obj, key, ct_buf_span(b));
}

/* Serialises obj compactly into a (secret) buffer and frees obj. */
static CT_RESULT dump_into(json_t *obj, struct ct_buf *out)
{
	ct_result res = CT_OK;
	size_t need = json_dumpb(obj, NULL, 0, JSON_COMPACT);
	CT_TRY_ENSURE(need > 0, CT_ERR_INTERNAL, "meshapi: cannot encode JSON");
	CT_TRY(ct_buf_reserve(out, need));
	size_t wrote = json_dumpb(obj, (char *)out->data + out->len,
				  out->cap - out->len, JSON_COMPACT);
	CT_TRY_ENSURE(wrote == need, CT_ERR_INTERNAL,
		      "meshapi: JSON size changed while encoding");
	out->len += wrote;
	out->data[out->len] = '\0';
out:
	json_decref(obj);
	return res;
}

/* Never prompt for a passphrase: an encrypted key is simply refused. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return 0;
}

/* ----------------------------------------------------------- cert request */

static CT_RESULT check_mesh_key(EVP_PKEY *key, const char *what)
{
	CT_ENSURE(EVP_PKEY_base_id(key) == EVP_PKEY_EC, CT_ERR_POLICY,
		  "%s: key type %s, want EC P-256 or P-384", what,
		  OBJ_nid2sn(EVP_PKEY_base_id(key)));
	char group[64];
	size_t glen = 0;
	CT_ENSURE(EVP_PKEY_get_utf8_string_param(key, "group", group,
						 sizeof(group), &glen) == 1,
		  CT_ERR_PROTO, "%s: EC key without a named group", what);
	CT_ENSURE(strcmp(group, "prime256v1") == 0 ||
			  strcmp(group, "secp384r1") == 0,
		  CT_ERR_POLICY, "%s: EC group %s, want P-256 or P-384", what,
		  group);
	return CT_OK;
}

CT_RESULT ct_meshapi_cert_request_encode(EVP_PKEY *key, struct ct_buf *body_out)
{
	ct_result res = CT_OK;
	X509_REQ *req = NULL;
	unsigned char *der = NULL;
	struct ct_buf raw;
	json_t *obj = NULL;
	ct_buf_init(&raw, CT_MESHAPI_CSR_MAX);

	CT_TRY(check_mesh_key(key, "csr"));
	req = X509_REQ_new();
	CT_TRY_ENSURE(req != NULL, CT_ERR_NOMEM, "csr: out of memory");
	X509_NAME *name = X509_REQ_get_subject_name(req);
	CT_TRY_ENSURE(X509_REQ_set_version(req, 0) == 1 &&
			      X509_NAME_add_entry_by_txt(
				      name, "CN", MBSTRING_ASC,
				      (const unsigned char *)"contrast-workload",
				      -1, -1, 0) == 1 &&
			      X509_REQ_set_pubkey(req, key) == 1,
		      CT_ERR_CRYPTO, "csr: cannot fill the request");
	if (X509_REQ_sign(req, key, EVP_sha256()) <= 0) {
		res = CT_FAIL_OSSL(CT_ERR_CRYPTO, "csr: cannot sign");
		goto out;
	}
	int len = i2d_X509_REQ(req, &der);
	CT_TRY_ENSURE(len > 0, CT_ERR_CRYPTO, "csr: cannot encode");
	CT_TRY(ct_buf_append(&raw, der, (size_t)len));
	obj = json_object();
	CT_TRY_ENSURE(obj != NULL, CT_ERR_NOMEM, "csr: out of memory");
	CT_TRY(set_b64(obj, "csr", &raw));
	res = dump_into(obj, body_out);
	obj = NULL;
out:
	json_decref(obj);
	OPENSSL_free(der);
	X509_REQ_free(req);
	ct_buf_dispose(&raw);
	ERR_clear_error();
	return res;
}

CT_RESULT ct_meshapi_cert_request_decode(struct ct_span body, EVP_PKEY **key_out)
{
	static const char *const keys[] = { "csr", NULL };
	ct_result res = CT_OK;
	json_t *obj = NULL;
	X509_REQ *req = NULL;
	EVP_PKEY *key = NULL;
	struct ct_buf der;
	ct_buf_init(&der, CT_MESHAPI_CSR_MAX);

	CT_TRY_ENSURE(body.len <= CT_MESHAPI_REQUEST_MAX, CT_ERR_LIMIT,
		      "request: %zu bytes exceed the limit of %u", body.len,
		      CT_MESHAPI_REQUEST_MAX);
	CT_TRY(ct_http_json_parse(body, &obj));
	CT_TRY(ct_http_json_only_keys(obj, keys));
	CT_TRY(ct_http_json_base64(obj, "csr", &der));
	const unsigned char *p = der.data;
	req = d2i_X509_REQ(NULL, &p, (long)der.len);
	CT_TRY_ENSURE(req != NULL, CT_ERR_PROTO, "csr: not a DER PKCS#10 request");
	CT_TRY_ENSURE(p == der.data + der.len, CT_ERR_PROTO,
		      "csr: %zu trailing bytes", (size_t)(der.data + der.len - p));
	key = X509_REQ_get_pubkey(req);
	CT_TRY_ENSURE(key != NULL, CT_ERR_PROTO, "csr: no usable public key");
	CT_TRY(check_mesh_key(key, "csr"));
	CT_TRY_ENSURE(X509_REQ_verify(req, key) == 1, CT_ERR_CRYPTO,
		      "csr: signature does not verify under its own key "
		      "(no proof of possession)");
	*key_out = key;
	key = NULL;
out:
	EVP_PKEY_free(key);
	X509_REQ_free(req);
	json_decref(obj);
	ct_buf_dispose(&der);
	ERR_clear_error();
	return res;
}

/* ---------------------------------------------------------- cert response */

void ct_meshapi_cert_response_init(struct ct_meshapi_cert_response *r)
{
	memset(r, 0, sizeof(*r));
	ct_buf_init(&r->mesh_ca, CT_MESHAPI_PEM_MAX);
	ct_buf_init(&r->cert_chain, CT_MESHAPI_PEM_MAX);
	ct_buf_init(&r->root_ca, CT_MESHAPI_PEM_MAX);
	ct_buf_init_secret(&r->workload_secret, CT_MESHAPI_SECRET_MAX + B64_SLACK);
}

void ct_meshapi_cert_response_dispose(struct ct_meshapi_cert_response *r)
{
	ct_buf_dispose(&r->mesh_ca);
	ct_buf_dispose(&r->cert_chain);
	ct_buf_dispose(&r->root_ca);
	ct_buf_dispose(&r->workload_secret);
	r->has_workload_secret = false;
}

CT_RESULT ct_meshapi_cert_response_encode(const struct ct_meshapi_cert_response *r,
					  struct ct_buf *body_out)
{
	ct_result res = CT_OK;
	json_t *obj = json_object();
	CT_ENSURE(obj != NULL, CT_ERR_NOMEM, "meshapi: out of memory");
	CT_TRY(set_b64(obj, "mesh_ca", &r->mesh_ca));
	CT_TRY(set_b64(obj, "cert_chain", &r->cert_chain));
	CT_TRY(set_b64(obj, "root_ca", &r->root_ca));
	if (r->has_workload_secret)
		CT_TRY(set_b64(obj, "workload_secret", &r->workload_secret));
	res = dump_into(obj, body_out);
	obj = NULL;
out:
	/* jansson keeps copies of the strings: the secret's base64 copy
	 * cannot be wiped, so the object lives only for this call. */
	json_decref(obj);
	return res;
}

CT_RESULT ct_meshapi_cert_response_decode(struct ct_span body,
					  struct ct_meshapi_cert_response *out)
{
	static const char *const keys[] = { "mesh_ca", "cert_chain", "root_ca",
					    "workload_secret", NULL };
	ct_result res = CT_OK;
	json_t *obj = NULL;
	size_t n = 0;

	CT_ENSURE(body.len <= CT_MESHAPI_RESPONSE_MAX, CT_ERR_LIMIT,
		  "response: %zu bytes exceed the limit of %u", body.len,
		  CT_MESHAPI_RESPONSE_MAX);
	CT_TRY(ct_http_json_parse(body, &obj));
	CT_TRY(ct_http_json_only_keys(obj, keys));
	CT_TRY(ct_http_json_base64(obj, "mesh_ca", &out->mesh_ca));
	CT_TRY(ct_http_json_base64(obj, "cert_chain", &out->cert_chain));
	CT_TRY(ct_http_json_base64(obj, "root_ca", &out->root_ca));
	CT_TRY(ct_meshapi_pem_count_certs(ct_buf_span(&out->mesh_ca), "mesh_ca",
					  1, &n));
	CT_TRY(ct_meshapi_pem_count_certs(ct_buf_span(&out->root_ca), "root_ca",
					  1, &n));
	CT_TRY(ct_meshapi_pem_count_certs(ct_buf_span(&out->cert_chain),
					  "cert_chain",
					  CT_MESHAPI_CHAIN_CERTS_MAX, &n));
	CT_TRY_ENSURE(n >= 2, CT_ERR_PROTO,
		      "cert_chain: %zu certificate, want the leaf and the "
		      "intermediate", n);
	if (json_object_get(obj, "workload_secret") != NULL) {
		CT_TRY(ct_http_json_base64(obj, "workload_secret",
					   &out->workload_secret));
		CT_TRY_ENSURE(out->workload_secret.len >= CT_MESHAPI_SECRET_MIN &&
				      out->workload_secret.len <= CT_MESHAPI_SECRET_MAX,
			      CT_ERR_PROTO,
			      "workload_secret: %zu bytes, want %u..%u",
			      out->workload_secret.len, CT_MESHAPI_SECRET_MIN,
			      CT_MESHAPI_SECRET_MAX);
		out->has_workload_secret = true;
	}
out:
	json_decref(obj);
	return res;
}

/* ------------------------------------------------------- recover response */

void ct_meshapi_recover_response_init(struct ct_meshapi_recover_response *r)
{
	memset(r, 0, sizeof(*r));
	ct_buf_init_secret(&r->seed, CT_MESHAPI_SEED_LEN + B64_SLACK);
	ct_buf_init(&r->salt, CT_MESHAPI_SALT_LEN + B64_SLACK);
	ct_buf_init_secret(&r->mesh_ca_key, CT_MESHAPI_PEM_MAX);
	ct_buf_init(&r->latest_manifest, CT_MESHAPI_MANIFEST_MAX);
}

void ct_meshapi_recover_response_dispose(struct ct_meshapi_recover_response *r)
{
	ct_buf_dispose(&r->seed);
	ct_buf_dispose(&r->salt);
	ct_buf_dispose(&r->mesh_ca_key);
	ct_buf_dispose(&r->latest_manifest);
}

CT_RESULT ct_meshapi_recover_response_encode(
	const struct ct_meshapi_recover_response *r, struct ct_buf *body_out)
{
	ct_result res = CT_OK;
	json_t *obj = json_object();
	CT_ENSURE(obj != NULL, CT_ERR_NOMEM, "meshapi: out of memory");
	CT_TRY(set_b64(obj, "seed", &r->seed));
	CT_TRY(set_b64(obj, "salt", &r->salt));
	CT_TRY(set_b64(obj, "mesh_ca_key", &r->mesh_ca_key));
	CT_TRY(set_b64(obj, "latest_manifest", &r->latest_manifest));
	res = dump_into(obj, body_out);
	obj = NULL;
out:
	json_decref(obj);
	return res;
}

CT_RESULT ct_meshapi_recover_response_decode(
	struct ct_span body, struct ct_meshapi_recover_response *out)
{
	static const char *const keys[] = { "seed", "salt", "mesh_ca_key",
					    "latest_manifest", NULL };
	ct_result res = CT_OK;
	json_t *obj = NULL;
	EVP_PKEY *key = NULL;

	CT_ENSURE(body.len <= CT_MESHAPI_RESPONSE_MAX, CT_ERR_LIMIT,
		  "response: %zu bytes exceed the limit of %u", body.len,
		  CT_MESHAPI_RESPONSE_MAX);
	CT_TRY(ct_http_json_parse(body, &obj));
	CT_TRY(ct_http_json_only_keys(obj, keys));
	CT_TRY(ct_http_json_base64(obj, "seed", &out->seed));
	CT_TRY(ct_http_json_base64(obj, "salt", &out->salt));
	CT_TRY(ct_http_json_base64(obj, "mesh_ca_key", &out->mesh_ca_key));
	CT_TRY(ct_http_json_base64(obj, "latest_manifest",
				   &out->latest_manifest));
	CT_TRY_ENSURE(out->seed.len == CT_MESHAPI_SEED_LEN, CT_ERR_PROTO,
		      "seed: %zu bytes, want %u", out->seed.len,
		      CT_MESHAPI_SEED_LEN);
	CT_TRY_ENSURE(out->salt.len == CT_MESHAPI_SALT_LEN, CT_ERR_PROTO,
		      "salt: %zu bytes, want %u", out->salt.len,
		      CT_MESHAPI_SALT_LEN);
	CT_TRY_ENSURE(out->latest_manifest.len > 0, CT_ERR_PROTO,
		      "latest_manifest: empty");
	BIO *bio = BIO_new_mem_buf(out->mesh_ca_key.data,
				   (int)out->mesh_ca_key.len);
	CT_TRY_ENSURE(bio != NULL, CT_ERR_NOMEM, "mesh_ca_key: out of memory");
	key = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
	BIO_free(bio);
	CT_TRY_ENSURE(key != NULL, CT_ERR_PROTO,
		      "mesh_ca_key: not a PEM private key");
out:
	EVP_PKEY_free(key);
	json_decref(obj);
	ERR_clear_error();
	return res;
}
