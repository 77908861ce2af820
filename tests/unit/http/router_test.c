/*
 * router_test.c - dispatch without sockets: routing, limits, content
 * types, error mapping, and the JSON helpers' refusals.
 */
#include "ct_test.h"

#include <string.h>

#include "http/http.h"

static CT_RESULT echo_nonce(void *arg, const struct ct_http_request *req,
			    struct ct_http_response *resp)
{
	static const char *const keys[] = { "nonce", "force", NULL };
	json_t *in = NULL, *out = NULL;
	struct ct_buf nonce;
	bool force;
	ct_result res = CT_OK;
	ct_buf_init(&nonce, 64);
	CT_TRY(ct_http_json_parse(req->body, &in));
	CT_TRY(ct_http_json_only_keys(in, keys));
	CT_TRY(ct_http_json_base64(in, "nonce", &nonce));
	CT_TRY_ENSURE(nonce.len == 32, CT_ERR_PROTO, "nonce: %zu bytes, want 32",
		      nonce.len);
	CT_TRY(ct_http_json_bool(in, "force", false, &force));
	out = json_object();
	CT_TRY(ct_http_json_set_base64(out, "nonce", ct_buf_span(&nonce)));
	json_object_set_new(out, "force", json_boolean(force));
	CT_TRY(ct_http_reply_json(resp, 200, out));
out:
	json_decref(in);
	json_decref(out);
	ct_buf_dispose(&nonce);
	return res;
}

static CT_RESULT precondition(void *arg, const struct ct_http_request *req,
			      struct ct_http_response *resp)
{
	return ct_http_fail(resp, 412, CT_ERR_POLICY, "no manifest configured");
}

static CT_RESULT denied(void *arg, const struct ct_http_request *req,
			struct ct_http_response *resp)
{
	CT_BAIL(CT_ERR_POLICY, "caller key not in WorkloadOwnerKeyDigests");
}

static CT_RESULT broken(void *arg, const struct ct_http_request *req,
			struct ct_http_response *resp)
{
	CT_BAIL(CT_ERR_INTERNAL, "secret detail /var/lib/state");
}

static struct ct_http_router router;

static int setup(void **state)
{
	ct_http_router_init(&router);
	struct ct_http_route routes[] = {
		{ "POST", "/v1/attest", echo_nonce, NULL, 1024, "application/json" },
		{ "GET", "/v1/manifests", precondition, NULL, 0, NULL },
		{ "POST", "/v1/manifest", denied, NULL, 1 << 20, "application/json" },
		{ "GET", "/broken", broken, NULL, 0, NULL },
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (!ct_ok(ct_http_router_add(&router, &routes[i])))
			return -1;
	return 0;
}

static int call(const char *method, const char *path, const char *ctype,
		const char *body, struct ct_http_response *resp)
{
	struct ct_http_request req = { method, path, ctype,
				       ct_span_make(body, body ? strlen(body) : 0),
				       NULL, "test" };
	ct_http_dispatch(&router, &req, resp);
	return resp->status;
}

static json_t *body_json(struct ct_http_response *resp)
{
	json_t *j = json_loadb((const char *)resp->body.data, resp->body.len, 0, NULL);
	assert_non_null(j);
	return j;
}

static void assert_error_body(struct ct_http_response *resp, const char *needle)
{
	json_t *j = body_json(resp);
	const char *e = json_string_value(json_object_get(j, "error"));
	assert_non_null(e);
	if (strstr(e, needle) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", e, needle);
	json_decref(j);
}

static void success_and_json(void **state)
{
	struct ct_http_response resp;
	ct_http_response_init(&resp);
	const char *body = "{\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}";
	assert_int_equal(call("POST", "/v1/attest", "application/json; charset=utf-8",
			      body, &resp), 200);
	json_t *j = body_json(&resp);
	assert_string_equal(json_string_value(json_object_get(j, "nonce")),
			    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	assert_true(json_is_false(json_object_get(j, "force")));
	json_decref(j);
	assert_string_equal(resp.error, "");
	ct_http_response_dispose(&resp);
}

static void routing_errors(void **state)
{
	struct ct_http_response resp;
	ct_http_response_init(&resp);
	assert_int_equal(call("GET", "/nope", NULL, NULL, &resp), 404);
	assert_error_body(&resp, "not found");
	assert_int_equal(call("GET", "/v1/attest", NULL, NULL, &resp), 405);
	assert_error_body(&resp, "method not allowed");
	/* A body on a route that takes none. */
	assert_int_equal(call("GET", "/v1/manifests", NULL, "x", &resp), 413);
	assert_error_body(&resp, "exceeds the limit of 0");
	ct_http_response_dispose(&resp);
}

static void limits_and_content_type(void **state)
{
	struct ct_http_response resp;
	char big[1100];
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ct_http_response_init(&resp);
	assert_int_equal(call("POST", "/v1/attest", "application/json", big, &resp), 413);
	assert_error_body(&resp, "1099 bytes exceeds the limit of 1024");
	assert_int_equal(call("POST", "/v1/attest", "text/plain", "{}", &resp), 415);
	assert_error_body(&resp, "content type must be application/json");
	assert_int_equal(call("POST", "/v1/attest", NULL, "{}", &resp), 415);
	assert_int_equal(call("POST", "/v1/attest", "application/jsonx", "{}", &resp), 415);
	ct_http_response_dispose(&resp);
}

static void handler_errors_map_to_status(void **state)
{
	struct ct_http_response resp;
	ct_http_response_init(&resp);
	assert_int_equal(call("GET", "/v1/manifests", NULL, NULL, &resp), 412);
	assert_error_body(&resp, "no manifest configured");
	assert_int_equal(call("POST", "/v1/manifest", "application/json", "{}", &resp), 403);
	assert_error_body(&resp, "WorkloadOwnerKeyDigests");
	/* Internal details are logged, not sent. */
	assert_int_equal(call("GET", "/broken", NULL, NULL, &resp), 500);
	assert_error_body(&resp, "internal error");
	assert_null(memmem(resp.body.data, resp.body.len, "/var/lib", 8));
	assert_non_null(strstr(resp.error, "secret detail"));
	ct_http_response_dispose(&resp);
}

static void json_refusals_name_the_field(void **state)
{
	struct ct_http_response resp;
	ct_http_response_init(&resp);
	struct { const char *body; const char *needle; } cases[] = {
		{ "{\"nonce\":\"AA==\",\"nonce\":\"AA==\"}", "duplicate" },
		{ "[1,2]", "must be an object" },
		{ "{\"nonce\":5}", "nonce: must be a string" },
		{ "{}", "nonce: missing" },
		{ "{\"nonce\":\"!!\"}", "nonce: not valid base64" },
		{ "{\"nonce\":\"AAAA\"}", "nonce: 3 bytes, want 32" },
		{ "{\"nonce\":\"AA==\",\"extra\":1}", "unknown field \\\"extra\\\"" },
		{ "{\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"force\":1}",
		  "force: must be a boolean" },
		{ "{\"nonce\":\"AA==\"} trailing", "end of file expected" },
		{ "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
		  "nesting deeper than 32" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = call("POST", "/v1/attest", "application/json", cases[i].body, &resp);
		if (st != 400 && st != 413)
			fail_msg("case %zu: status %d", i, st);
		if (memmem(resp.body.data, resp.body.len, cases[i].needle,
			   strlen(cases[i].needle)) == NULL)
			fail_msg("case %zu: body %s lacks %s", i,
				 ct_buf_cstr(&resp.body), cases[i].needle);
	}
	ct_http_response_dispose(&resp);
}

static void router_add_checks(void **state)
{
	struct ct_http_router r;
	ct_http_router_init(&r);
	struct ct_http_route ok = { "GET", "/a", broken, NULL, 0, NULL };
	assert_ct_ok(ct_http_router_add(&r, &ok));
	assert_ct_err(ct_http_router_add(&r, &ok), CT_ERR_USAGE);
	assert_error_contains("duplicate route GET /a");
	struct ct_http_route rel = { "GET", "a", broken, NULL, 0, NULL };
	assert_ct_err(ct_http_router_add(&r, &rel), CT_ERR_USAGE);
	struct ct_http_route huge = { "POST", "/b", broken, NULL,
				      (size_t)CT_HTTP_BODY_MAX_LIMIT + 1, NULL };
	assert_ct_err(ct_http_router_add(&r, &huge), CT_ERR_USAGE);
	assert_int_equal(ct_http_router_max_body(&router), 1 << 20);
}

int main(void)
{
	ct_log_init("router_test", CT_LOG_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(success_and_json),
		cmocka_unit_test(routing_errors),
		cmocka_unit_test(limits_and_content_type),
		cmocka_unit_test(handler_errors_map_to_status),
		cmocka_unit_test(json_refusals_name_the_field),
		cmocka_unit_test(router_add_checks),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
