/* ops_test.c - probes and the Prometheus metrics registry. */
#include "ct_test.h"

#include <string.h>

#include "http/http.h"

static bool ready;

static bool is_ready(void *arg)
{
	return ready;
}

static void probes_answer_per_callback(void **state)
{
	struct ct_http_router r;
	struct ct_http_ops ops = { NULL, NULL, is_ready, NULL, NULL };
	struct ct_http_response resp;
	ct_http_router_init(&r);
	assert_ct_ok(ct_http_ops_register(&r, &ops));
	ct_http_response_init(&resp);
	struct ct_http_request req = { "GET", "/probe/liveness", NULL,
				       ct_span_make(NULL, 0), NULL, "t" };
	ct_http_dispatch(&r, &req, &resp);
	assert_int_equal(resp.status, 200);
	assert_string_equal(ct_buf_cstr(&resp.body), "{\"status\":\"ok\"}");
	req.path = "/probe/readiness";
	ready = false;
	ct_http_dispatch(&r, &req, &resp);
	assert_int_equal(resp.status, 503);
	assert_string_equal(ct_buf_cstr(&resp.body),
			    "{\"error\":\"readiness probe failed\"}");
	ready = true;
	ct_http_dispatch(&r, &req, &resp);
	assert_int_equal(resp.status, 200);
	/* No registry: /metrics is an internal error, not a crash. */
	req.path = "/metrics";
	ct_http_dispatch(&r, &req, &resp);
	assert_int_equal(resp.status, 500);
	ct_http_response_dispose(&resp);
}

static void metrics_render_prometheus_text(void **state)
{
	struct ct_metrics *m;
	struct ct_buf out;
	assert_ct_ok(ct_metrics_new(&m));
	ct_buf_init(&out, 1 << 20);
	assert_ct_ok(ct_metrics_describe(m, "contrast_coordinator_manifest_generation",
					 CT_METRIC_GAUGE, "Current manifest generation."));
	ct_metrics_set(m, "contrast_coordinator_manifest_generation", NULL, 3);
	ct_metrics_add(m, "contrast_meshapi_attestation_failures_total", NULL, 2);
	ct_metrics_add(m, "contrast_meshapi_attestation_failures_total", NULL, 1);
	assert_ct_ok(ct_metrics_render(m, &out));
	assert_string_equal(ct_buf_cstr(&out),
		"# HELP contrast_coordinator_manifest_generation Current manifest generation.\n"
		"# TYPE contrast_coordinator_manifest_generation gauge\n"
		"contrast_coordinator_manifest_generation 3\n"
		"contrast_meshapi_attestation_failures_total 3\n");
	assert_int_equal(ct_metrics_get(m, "contrast_meshapi_attestation_failures_total",
					NULL), 3);
	/* Invalid names and help texts are refused; the table is bounded. */
	assert_ct_err(ct_metrics_describe(m, "9bad", CT_METRIC_GAUGE, "x"), CT_ERR_USAGE);
	assert_ct_err(ct_metrics_describe(m, "ok", CT_METRIC_GAUGE, "a\nb"), CT_ERR_USAGE);
	char labels[64];
	for (unsigned i = 0; i < CT_METRICS_SERIES_MAX + 10; i++) {
		snprintf(labels, sizeof(labels), "i=\"%u\"", i);
		ct_metrics_add(m, "many", labels, 1);
	}
	assert_int_equal(ct_metrics_get(m, "many", "i=\"0\""), 1);
	assert_int_equal(ct_metrics_get(m, "many", "i=\"130\""), 0);
	ct_buf_dispose(&out);
	ct_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probes_answer_per_callback),
		cmocka_unit_test(metrics_render_prometheus_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
