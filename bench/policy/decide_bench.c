/*
 * decide_bench.c - CreateContainer decisions per second with our rules, as
 * a ratio to decoding the same request alone (the fixed per-request cost
 * every enforcer pays) measured in the same run. Not a test: prints numbers.
 *
 * Workload: the genpolicy state/execprocess pod (pause + 2 busybox
 * containers, hand-written policy data) and its first CreateContainer
 * request, decided repeatedly by one enforcer (the state stays bound, as in
 * a running pod whose container restarts).
 *
 * usage: policy_decide_bench [TESTDATA_DIR] [seconds per round]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/policy.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "policy bench: %s: %s\n", what, ct_error_message());
	exit(2);
}

static void read_file(struct ct_buf *b, const char *dir, const char *rel)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ct_buf_init(b, (size_t)16 << 20);
	if (!ct_ok(ct_file_read(b, path, (size_t)16 << 20)))
		die(path);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("CT_TEST_DATA");
	double secs = argc > 2 ? strtod(argv[2], NULL) : 1.0;
	struct ct_buf data, cases, text;
	struct ct_policy_enforcer *e = NULL;
	struct ct_policy_decision d;
	const char *kind = "CreateContainerRequest";
	size_t rules_len, n_dec = 0, n_decide = 0;
	const char *rules = ct_policy_rules(&rules_len);
	json_error_t jerr;
	json_t *arr;
	char *req;
	double t0, t_dec, t_decide;

	if (dir == NULL || secs <= 0) {
		fprintf(stderr, "usage: %s TESTDATA_DIR [seconds]\n", argv[0]);
		return 2;
	}
	read_file(&data, dir, "policy/genpolicy/state_execprocess.json");
	read_file(&cases, dir, "genpolicy/state/execprocess/testcases.json");
	ct_buf_init(&text, (size_t)16 << 20);
	if (!ct_ok(ct_buf_append(&text, rules, rules_len)) ||
	    !ct_ok(ct_buf_append_str(&text, "\npolicy_data := ")) ||
	    !ct_ok(ct_buf_append_span(&text, ct_buf_span(&data))))
		die("policy text");
	t0 = now();
	if (!ct_ok(ct_policy_enforcer_new("bench", ct_buf_cstr(&text), text.len, &e)))
		die("compile");
	printf("compile: %.1f ms (%zu bytes of policy)\n", (now() - t0) * 1e3,
	       text.len);
	arr = json_loadb((const char *)cases.data, cases.len, 0, &jerr);
	if (arr == NULL)
		die("cases");
	req = json_dumps(json_object_get(json_array_get(arr, 0), "request"),
			 JSON_COMPACT);
	if (req == NULL)
		die("request");

	t0 = now();
	do {
		struct ct_rego_value *v = NULL;
		for (int i = 0; i < 100; i++, n_dec++) {
			if (!ct_ok(ct_policy_request_decode(kind, ct_span_str(req), &v)))
				die("decode");
			ct_rego_value_unref(v);
		}
		t_dec = now() - t0;
	} while (t_dec < secs);

	t0 = now();
	do {
		if (!ct_ok(ct_policy_enforcer_decide(e, kind, ct_span_str(req), &d)) ||
		    !d.allowed)
			die(d.reason[0] != '\0' ? d.reason : "decide");
		n_decide++;
		t_decide = now() - t0;
	} while (t_decide < secs);

	printf("decode only:      %10.0f requests/s\n", (double)n_dec / t_dec);
	printf("CreateContainer:  %10.1f decisions/s (%.3f ms each)\n",
	       (double)n_decide / t_decide, t_decide * 1e3 / (double)n_decide);
	printf("ratio decide/decode throughput: %.4f\n",
	       ((double)n_decide / t_decide) / ((double)n_dec / t_dec));
	free(req);
	json_decref(arr);
	ct_policy_enforcer_free(e);
	ct_buf_dispose(&text);
	ct_buf_dispose(&data);
	ct_buf_dispose(&cases);
	return 0;
}
