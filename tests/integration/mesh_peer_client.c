/*
 * mesh_peer_client.c - a test client of the mesh API that plays a
 * simulated VM: mutual aTLS with evidence from an evidence provider, one
 * POST, then a one-line summary on stdout:
 *
 *   mesh_peer_client HOST:PORT PROVIDER PATH
 *     -> "status <code> <error text>"            on a non-200 answer
 *     -> "recovered seed_sha256=<hex> salt=<hex> manifest_bytes=<n>"
 *        for a 200 answer to /v1/peer/recover (strictly decoded)
 *     -> "ok <n> bytes"                          for other 200 answers
 *
 * For tests only (tests/integration/mesh_test.py): like the initializer it
 * does not verify the Coordinator. Prints a digest of the seed, never the
 * seed. Exit 0 when a request was answered, 1 on transport errors.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "atls/atls.h"
#include "attest/provider.h"
#include "crypto/crypto.h"
#include "http/http.h"
#include "meshapi/meshapi.h"

static int summarise(const char *path, long status, const struct ct_buf *body)
{
	if (status != 200) {
		json_t *v = json_loadb((const char *)body->data, body->len, 0, NULL);
		const char *e = json_string_value(json_object_get(v, "error"));
		printf("status %ld %s\n", status, e ? e : "");
		json_decref(v);
		return 0;
	}
	if (strcmp(path, CT_MESHAPI_PATH_RECOVER) != 0) {
		printf("ok %zu bytes\n", body->len);
		return 0;
	}
	struct ct_meshapi_recover_response r;
	ct_meshapi_recover_response_init(&r);
	int rc = 1;
	if (ct_ok(ct_meshapi_recover_response_decode(ct_buf_span(body), &r))) {
		uint8_t h[32];
		char hex[65], salt[2 * CT_MESHAPI_SALT_LEN + 1];
		if (ct_ok(ct_sha256(h, ct_buf_span(&r.seed)))) {
			ct_hex_format(hex, h, sizeof(h));
			ct_hex_format(salt, r.salt.data, r.salt.len);
			printf("recovered seed_sha256=%s salt=%s manifest_bytes=%zu\n",
			       hex, salt, r.latest_manifest.len);
			rc = 0;
		}
	} else {
		printf("undecodable %s\n", ct_error_message());
	}
	ct_meshapi_recover_response_dispose(&r);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: mesh_peer_client HOST:PORT PROVIDER PATH\n");
		return 2;
	}
	ct_log_init("mesh_peer_client", CT_LOG_WARN);
	struct ct_evidence_provider *p = NULL;
	if (!ct_ok(ct_evidence_provider_open(argv[2], &p))) {
		ct_log_error("provider");
		return 1;
	}
	char url[600];
	snprintf(url, sizeof(url), "https://%s", argv[1]);
	struct ct_atls_issuer issuer;
	ct_evidence_provider_atls_issuer(p, &issuer);
	struct ct_atls_config acfg = { .issuer = &issuer,
				       .insecure_skip_server_check = true };
	struct ct_atls_client_hook hook;
	ct_atls_client_hook_init(&hook, &acfg);
	struct ct_http_tls_hook tls = { ct_atls_client_hook_setup,
					ct_atls_client_hook_check, &hook };
	struct ct_http_client_config cfg = { .base_url = url, .tls = &tls };
	struct ct_buf body;
	ct_buf_init_secret(&body, CT_MESHAPI_RESPONSE_MAX);
	long status = 0;
	int rc = 1;
	if (ct_ok(ct_http_client_request(&cfg, "POST", argv[3], "application/json",
					 ct_span_str("{}"), &status, &body)))
		rc = summarise(argv[3], status, &body);
	else
		ct_log_error("request");
	ct_buf_dispose(&body);
	ct_evidence_provider_free(p);
	return rc;
}
