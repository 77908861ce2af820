/*
 * http_dispatch_fuzz.c - the request path of the HTTP server without
 * sockets: arbitrary method, path, content type and body go through route
 * lookup, the size and media-type checks, and handlers that use every
 * JSON decoder of lib/http. Input: "<method> <path>\n<content-type>\n<body>".
 * Invariant checked: every request gets a status and a JSON body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static CT_RESULT decode_all(void *arg, const struct ct_http_request *req,
			    struct ct_http_response *resp)
{
	static const char *const keys[] = { "nonce", "key", "name", "force", NULL };
	json_t *in = NULL, *out = NULL;
	struct ct_buf b64, hex;
	const char *name = NULL;
	bool force = false;
	ct_result res = CT_OK;
	ct_buf_init(&b64, 1024);
	ct_buf_init(&hex, 1024);
	CT_TRY(ct_http_json_parse(req->body, &in));
	CT_TRY(ct_http_json_only_keys(in, keys));
	CT_TRY(ct_http_json_base64(in, "nonce", &b64));
	if (json_object_get(in, "key") != NULL)
		CT_TRY(ct_http_json_hex(in, "key", &hex));
	if (json_object_get(in, "name") != NULL)
		CT_TRY(ct_http_json_string(in, "name", 64, &name));
	CT_TRY(ct_http_json_bool(in, "force", false, &force));
	if (b64.len == 0)
		CT_TRY(ct_http_fail(resp, 412, CT_ERR_POLICY, "empty nonce"));
	out = json_object();
	CT_TRY(ct_http_json_set_base64(out, "nonce", ct_buf_span(&b64)));
	CT_TRY(ct_http_reply_json(resp, 200, out));
out:
	json_decref(in);
	json_decref(out);
	ct_buf_dispose(&b64);
	ct_buf_dispose(&hex);
	return res;
}

static CT_RESULT internal(void *arg, const struct ct_http_request *req,
			  struct ct_http_response *resp)
{
	CT_BAIL(CT_ERR_INTERNAL, "boom");
}

static struct ct_http_router router;
static bool ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready) {
		ct_log_init("fuzz", CT_LOG_ERROR);
		ct_log_set_level(CT_LOG_ERROR);
		ct_http_router_init(&router);
		struct ct_http_route r1 = { "POST", "/v1/attest", decode_all, NULL,
					    4096, "application/json" };
		struct ct_http_route r2 = { "GET", "/probe", internal, NULL, 0, NULL };
		if (!ct_ok(ct_http_router_add(&router, &r1)) ||
		    !ct_ok(ct_http_router_add(&router, &r2)))
			abort();
		ready = true;
	}
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* Split at the first two newlines; the body may contain NULs. */
	char *nl1 = memchr(text, '\n', size);
	char *nl2 = nl1 ? memchr(nl1 + 1, '\n', size - (size_t)(nl1 + 1 - text)) : NULL;
	if (nl2 != NULL) {
		*nl1 = '\0';
		*nl2 = '\0';
		char *sp = strchr(text, ' ');
		const char *path = "/";
		if (sp != NULL) {
			*sp = '\0';
			path = sp + 1;
		}
		struct ct_http_request req = {
			text, path, nl1[1] ? nl1 + 1 : NULL,
			ct_span_make(nl2 + 1, size - (size_t)(nl2 + 1 - text)),
			NULL, "fuzz" };
		struct ct_http_response resp;
		ct_http_response_init(&resp);
		ct_http_dispatch(&router, &req, &resp);
		if (resp.status < 200 || resp.status > 599)
			abort();
		json_t *j = json_loadb((const char *)resp.body.data, resp.body.len, 0, NULL);
		if (j == NULL)
			abort();
		json_decref(j);
		ct_http_response_dispose(&resp);
	}
	free(text);
	ct_error_clear();
	return 0;
}
