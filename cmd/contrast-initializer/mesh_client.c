/*
 * mesh_client.c - the initializer's side of POST /v1/mesh/cert.
 *
 * Trust boundary: we prove ourselves (mutual aTLS, evidence from the
 * platform provider) but, as Contrast's initializer does, we do not verify
 * the Coordinator: the pod has no manifest to verify it against. What a
 * rogue Coordinator could hand us (a certificate from a CA nobody else
 * trusts, a secret only it knows) gains it nothing; relying parties verify
 * the Coordinator themselves (`contrast verify`). Its answer is still
 * untrusted bytes: decoded strictly (lib/meshapi), and the leaf must
 * certify the key we generated, so a confused or malicious answer cannot
 * make us write a certificate for someone else's key.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "atls/atls.h"
#include "http/http.h"
#include "initializer.h"

CT_RESULT init_base_url(const char *coordinator, char *out, size_t cap)
{
	CT_ENSURE(coordinator != NULL && coordinator[0] != '\0', CT_ERR_USAGE,
		  "no Coordinator address: set COORDINATOR_HOST or --coordinator");
	size_t len = strlen(coordinator);
	CT_ENSURE(len < INIT_HOST_MAX, CT_ERR_USAGE,
		  "Coordinator address longer than %u bytes", INIT_HOST_MAX - 1);
	for (size_t i = 0; i < len; i++) {
		char c = coordinator[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-' ||
			  c == ':' || c == '[' || c == ']' || c == '_';
		CT_ENSURE(ok, CT_ERR_USAGE,
			  "Coordinator address \"%s\": character 0x%02x not "
			  "allowed (want HOST or HOST:PORT)", coordinator,
			  (unsigned char)c);
	}
	/* A port is present after the last ':' unless it is a bare IPv6. */
	const char *colon = strrchr(coordinator, ':');
	const char *bracket = strrchr(coordinator, ']');
	bool has_port = colon != NULL &&
			(coordinator[0] == '[' ? bracket != NULL && colon > bracket
					       : strchr(coordinator, ':') == colon);
	int n;
	if (has_port) {
		uint64_t port;
		CT_GUARD(ct_parse_u64(colon + 1, 65535, &port));
		CT_ENSURE(port > 0, CT_ERR_USAGE, "Coordinator port 0");
		n = snprintf(out, cap, "https://%s", coordinator);
	} else if (strchr(coordinator, ':') != NULL && coordinator[0] != '[') {
		n = snprintf(out, cap, "https://[%s]:%d", coordinator,
			     CT_HTTP_PORT_MESH_API);
	} else {
		n = snprintf(out, cap, "https://%s:%d", coordinator,
			     CT_HTTP_PORT_MESH_API);
	}
	CT_ENSURE(n > 0 && (size_t)n < cap, CT_ERR_USAGE,
		  "Coordinator URL too long");
	return CT_OK;
}

/* The server's {"error": "..."} text, or a placeholder. */
static void error_text(const struct ct_buf *body, char *out, size_t cap)
{
	json_error_t jerr;
	json_t *v = json_loadb((const char *)body->data, body->len,
			       JSON_REJECT_DUPLICATES, &jerr);
	const char *msg = json_string_value(json_object_get(v, "error"));
	snprintf(out, cap, "%s", msg != NULL ? msg : "(no error text)");
	/* Only printable ASCII reaches our log. */
	for (char *p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	json_decref(v);
}

/* The leaf (first certificate of the chain) must certify `key`. */
static CT_RESULT check_leaf_key(const struct ct_buf *chain, EVP_PKEY *key)
{
	BIO *bio = BIO_new_mem_buf(chain->data, (int)chain->len);
	CT_ENSURE(bio != NULL, CT_ERR_NOMEM, "out of memory");
	X509 *leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	CT_ENSURE(leaf != NULL, CT_ERR_PROTO, "cert_chain: no leaf certificate");
	EVP_PKEY *got = X509_get0_pubkey(leaf);
	int eq = got != NULL ? EVP_PKEY_eq(got, key) : 0;
	X509_free(leaf);
	ERR_clear_error();
	CT_ENSURE(eq == 1, CT_ERR_PROTO,
		  "cert_chain: the leaf certifies a different key than ours");
	return CT_OK;
}

CT_RESULT init_request_cert(const char *base_url, unsigned timeout_s,
			    struct ct_evidence_provider *provider,
			    EVP_PKEY *key,
			    struct ct_meshapi_cert_response *out)
{
	ct_result res = CT_OK;
	struct ct_atls_issuer issuer;
	struct ct_atls_client_hook hook;
	struct ct_buf req, body;
	long status = 0;

	ct_buf_init(&req, CT_MESHAPI_REQUEST_MAX);
	ct_buf_init_secret(&body, CT_MESHAPI_RESPONSE_MAX);
	ct_evidence_provider_atls_issuer(provider, &issuer);
	struct ct_atls_config acfg = {
		.issuer = &issuer,
		/* Contrast's initializer mode; see the file comment. */
		.insecure_skip_server_check = true,
	};
	ct_atls_client_hook_init(&hook, &acfg);
	struct ct_http_tls_hook tls = { ct_atls_client_hook_setup,
					ct_atls_client_hook_check, &hook };
	struct ct_http_client_config hcfg = {
		.base_url = base_url,
		.tls = &tls,
		.timeout_s = timeout_s,
		.max_response = CT_MESHAPI_RESPONSE_MAX,
	};
	CT_TRY(ct_meshapi_cert_request_encode(key, &req));
	CT_TRY(ct_http_client_request(&hcfg, "POST", CT_MESHAPI_PATH_CERT,
				      "application/json", ct_buf_span(&req),
				      &status, &body));
	if (status != 200) {
		char msg[512];
		error_text(&body, msg, sizeof(msg));
		res = CT_FAIL(status == 403 ? CT_ERR_POLICY : CT_ERR_PROTO,
			      "http %ld: %s", status, msg);
		goto out;
	}
	res = ct_meshapi_cert_response_decode(ct_buf_span(&body), out);
	if (!ct_ok(res)) {
		res = ct_error_prefix("Coordinator answer");
		goto out;
	}
	CT_TRY(check_leaf_key(&out->cert_chain, key));
out:
	ct_buf_dispose(&req);
	ct_buf_dispose(&body);
	return res;
}
