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
 *   mesh_peer_client --hold HOST:PORT PROVIDER PATH
 *     attests (handshake) first, prints "connected", waits for a line on
 *     stdin, then sends the request on that same connection and prints
 *     "status <code> <error text>": a connection kept open across a
 *     manifest update.
 *
 * For tests only (tests/integration/mesh_test.py): like the initializer it
 * does not verify the Coordinator. Prints a digest of the seed, never the
 * seed. Exit 0 when a request was answered, 1 on transport errors.
 */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

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

/* "host:port" -> connected TCP socket, or -1. */
static int dial(const char *addr)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	if (colon == NULL || (size_t)(colon - addr) >= sizeof(host))
		return -1;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		return -1;
	int fd = socket(res->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Handshake now, request after a line on stdin, on the same connection. */
static int hold(const char *addr, struct ct_evidence_provider *p, const char *path)
{
	struct ct_atls_issuer issuer;
	ct_evidence_provider_atls_issuer(p, &issuer);
	struct ct_atls_config acfg = { .issuer = &issuer,
				       .insecure_skip_server_check = true };
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = NULL;
	int fd = dial(addr), rc = 1;
	if (ctx == NULL || fd < 0 ||
	    !ct_ok(ct_atls_client_ctx_configure(ctx, &acfg)) ||
	    (ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1 ||
	    SSL_connect(ssl) != 1) {
		fprintf(stderr, "mesh_peer_client: handshake failed\n");
		goto out;
	}
	/* TLS 1.3: the server judges our certificate after our Finished,
	 * i.e. after SSL_connect returned here. Give it that moment before
	 * saying "connected" (the test updates the manifest next and wants
	 * this connection judged under the old one): read post-handshake
	 * messages (session tickets, sent once it is done) for up to 1 s. */
	struct timeval tv = { .tv_sec = 1 }, none = { 0 };
	char peek;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)SSL_peek(ssl, &peek, 1);
	ERR_clear_error();
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	printf("connected\n");
	fflush(stdout);
	char line[16];
	if (fgets(line, sizeof(line), stdin) == NULL)
		goto out;
	char req[512];
	int n = snprintf(req, sizeof(req),
			 "POST %s HTTP/1.1\r\nHost: coordinator\r\n"
			 "Content-Type: application/json\r\nContent-Length: 2\r\n"
			 "Connection: close\r\n\r\n{}", path);
	if (n <= 0 || SSL_write(ssl, req, n) != n)
		goto out;
	struct ct_buf resp;
	ct_buf_init(&resp, 1u << 20);
	char buf[4096];
	int got;
	while ((got = SSL_read(ssl, buf, sizeof(buf))) > 0)
		if (!ct_ok(ct_buf_append(&resp, buf, (size_t)got)))
			break;
	const char *text = ct_buf_cstr(&resp);
	const char *body = strstr(text, "\r\n\r\n");
	long status = 0;
	if (strncmp(text, "HTTP/1.1 ", 9) == 0) {
		uint64_t v;
		char code[4] = { 0 };
		memcpy(code, text + 9, 3);
		if (ct_ok(ct_parse_u64(code, 999, &v)))
			status = (long)v;
	}
	if (body != NULL) {
		struct ct_buf b;
		ct_buf_init(&b, 1u << 20);
		if (ct_ok(ct_buf_append_str(&b, body + 4)))
			rc = summarise(path, status, &b);
		ct_buf_dispose(&b);
	}
	ct_buf_dispose(&resp);
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	bool held = argc == 5 && strcmp(argv[1], "--hold") == 0;
	if (held) {
		argv++;
		argc--;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: mesh_peer_client [--hold] HOST:PORT PROVIDER PATH\n");
		return 2;
	}
	ct_log_init("mesh_peer_client", CT_LOG_WARN);
	struct ct_evidence_provider *p = NULL;
	if (!ct_ok(ct_evidence_provider_open(argv[2], &p))) {
		ct_log_error("provider");
		return 1;
	}
	if (held) {
		int hrc = hold(argv[1], p, argv[3]);
		ct_evidence_provider_free(p);
		return hrc;
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
