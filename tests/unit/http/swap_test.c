/*
 * swap_test.c - replacing a running server's aTLS context (new manifest,
 * new validators or evidence) from a handler on the loop thread, and
 * stopping the loop from a handler.
 */
#include "ct_test.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "atls/atls.h"
#include "http/http.h"
#include "../atls/fake_attest.h"

static struct fake_platform plat_a, plat_b;
static struct ct_atls_issuer iss_a, iss_b;
static struct event_base *base;
static struct ct_http_server *server;
static SSL_CTX *ctx_b;

static CT_RESULT swap(void *arg, const struct ct_http_request *req,
		      struct ct_http_response *resp)
{
	CT_GUARD(ct_http_server_set_tls(server, ctx_b));
	json_t *o = json_pack("{s:b}", "swapped", 1);
	ct_result res = ct_http_reply_json(resp, 200, o);
	json_decref(o);
	return res;
}

static CT_RESULT stop(void *arg, const struct ct_http_request *req,
		      struct ct_http_response *resp)
{
	ct_http_run_stop(base);
	json_t *o = json_pack("{s:b}", "stopping", 1);
	ct_result res = ct_http_reply_json(resp, 200, o);
	json_decref(o);
	return res;
}

static void *loop(void *arg)
{
	ct_result *r = arg;
	*r = ct_http_run(base, &server, 1, 5);
	return NULL;
}

static SSL_CTX *server_ctx(struct ct_atls_issuer *iss)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	struct ct_atls_config cfg = { .issuer = iss };
	assert_ct_ok(ct_atls_server_ctx_configure(ctx, &cfg));
	return ctx;
}

static long get(struct fake_platform *trust, const char *path)
{
	char url[64];
	long st = -1;
	struct ct_buf out;
	struct ct_atls_validator v = fake_validator(trust, "snp[0]");
	struct ct_atls_config c = { .validators = &v, .n_validators = 1 };
	struct ct_atls_client_hook hook;
	struct ct_http_tls_hook tls = { ct_atls_client_hook_setup,
					ct_atls_client_hook_check, &hook };
	ct_atls_client_hook_init(&hook, &c);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u", ct_http_server_port(server));
	struct ct_http_client_config cfg = { url, &tls, 10, 0 };
	ct_buf_init(&out, 4096);
	if (!ct_ok(ct_http_client_request(&cfg, "POST", path, NULL, ct_span_make(NULL, 0),
					  &st, &out)))
		st = -1;
	ct_buf_dispose(&out);
	return st;
}

static void swap_and_stop(void **state)
{
	fake_platform_init(&plat_a, 0x0a, "a");
	fake_platform_init(&plat_b, 0x0b, "b");
	iss_a = fake_issuer(&plat_a);
	iss_b = fake_issuer(&plat_b);
	SSL_CTX *ctx_a = server_ctx(&iss_a);
	ctx_b = server_ctx(&iss_b);
	struct ct_http_router r;
	ct_http_router_init(&r);
	struct ct_http_route r1 = { "POST", "/swap", swap, NULL, 0, NULL };
	struct ct_http_route r2 = { "POST", "/stop", stop, NULL, 0, NULL };
	assert_ct_ok(ct_http_router_add(&r, &r1));
	assert_ct_ok(ct_http_router_add(&r, &r2));
	base = event_base_new();
	struct ct_http_server_config cfg = { .name = "swap", .bind_addr = "127.0.0.1",
					     .tls = ctx_a, .router = &r };
	assert_ct_ok(ct_http_server_start(base, &cfg, &server));
	pthread_t t;
	ct_result loop_res = CT_OK;
	assert_int_equal(pthread_create(&t, NULL, loop, &loop_res), 0);

	assert_int_equal(get(&plat_b, "/swap"), -1); /* still platform A */
	assert_error_contains("fake: signature does not verify");
	assert_int_equal(get(&plat_a, "/swap"), 200);
	assert_int_equal(get(&plat_a, "/stop"), -1); /* now platform B */
	assert_int_equal(get(&plat_b, "/stop"), 200);
	pthread_join(t, NULL);
	assert_ct_ok(loop_res);

	/* A plain server has no TLS to replace. */
	struct ct_http_server *plain;
	cfg.tls = NULL;
	cfg.name = "plain";
	assert_ct_ok(ct_http_server_start(base, &cfg, &plain));
	assert_ct_err(ct_http_server_set_tls(plain, ctx_b), CT_ERR_USAGE);
	ct_http_server_free(plain);
	ct_http_server_free(server);
	event_base_free(base);
	SSL_CTX_free(ctx_a);
	SSL_CTX_free(ctx_b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(swap_and_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
