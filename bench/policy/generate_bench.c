/*
 * generate_bench.c - policy generation for 100 pods from a warm image
 * cache: YAML parse + policy_data + policy text + initdata (TOML, gzip,
 * base64, sha256) per pod, as a ratio to the baseline of only parsing the
 * same YAML, measured in the same run. Not a test: prints numbers.
 *
 * Workload: tests/data/k8s/shop.yaml's four workloads, replicated 25 times
 * under distinct names (100 pods); image facts come from tests/data/oci,
 * read once before timing (the warm cache a second `contrast generate` run
 * has).
 *
 * usage: policy_generate_bench [TESTDATA_DIR] [rounds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/policy.h"

#define PODS 100

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "generate bench: %s: %s\n", what, ct_error_message());
	exit(1);
}

/* 100 single-container Deployments (25 × the shop's web/api/db/cache). */
static void make_yaml(struct ct_buf *b)
{
	static const char *const images[] = {
		"docker.io/library/nginx:1.27", "docker.io/library/python:3.12-slim",
		"docker.io/library/postgres:16", "docker.io/library/redis:7",
	};
	for (int i = 0; i < PODS; i++)
		if (!ct_ok(ct_buf_printf(b,
			"---\napiVersion: apps/v1\nkind: Deployment\n"
			"metadata: {name: app-%d, namespace: bench}\n"
			"spec:\n  template:\n    spec:\n"
			"      runtimeClassName: contrast-cc\n"
			"      securityContext: {runAsUser: 1000, runAsGroup: 1000}\n"
			"      containers:\n      - name: main\n        image: %s\n"
			"        env: [{name: INDEX, value: \"%d\"}, {name: IP, valueFrom: "
			"{fieldRef: {fieldPath: status.podIP}}}]\n"
			"        readinessProbe: {exec: {command: [/bin/true]}}\n"
			"        volumeMounts: [{name: cache, mountPath: /cache}]\n"
			"      volumes: [{name: cache, emptyDir: {}}]\n",
			i, images[i % 4], i)))
			die("yaml");
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/data";
	uint64_t r64 = 5;
	int rounds;
	char store[4096];
	struct ct_image_source *src = NULL;
	struct ct_policy_gen g;
	struct ct_buf yaml;
	double t_parse = 0, t_gen = 0;
	size_t bytes = 0;

	if (argc > 2 && !ct_ok(ct_parse_u64(argv[2], 1000, &r64)))
		die("rounds");
	rounds = r64 > 0 ? (int)r64 : 1;
	snprintf(store, sizeof(store), "%s/oci", dir);
	ct_buf_init(&yaml, (size_t)16 << 20);
	make_yaml(&yaml);
	if (!ct_ok(ct_image_source_new(store, NULL, &src)) ||
	    !ct_ok(ct_policy_settings_load(NULL, &g.settings)))
		die("setup");
	g.images = src;
	for (int warm = 0; warm < 2; warm++) /* warm the cache, then measure */
		for (int r = 0; r < (warm == 0 ? 1 : rounds); r++) {
			struct ct_k8s_set set;
			double t0 = now(), t1;
			ct_k8s_set_init(&set);
			if (!ct_ok(ct_k8s_load(&set, "bench.yaml", ct_buf_span(&yaml), false)))
				die("parse");
			t1 = now();
			g.set = &set;
			for (size_t i = 0; i < set.npods; i++) {
				json_t *pd = NULL;
				struct ct_buf text, toml, anno;
				char hex[65];
				ct_buf_init(&text, (size_t)16 << 20);
				ct_buf_init(&toml, CT_INITDATA_MAX);
				ct_buf_init(&anno, CT_INITDATA_MAX * 2);
				if (!ct_ok(ct_policy_gen_pod(&g, &set.pods[i], &pd)) ||
				    !ct_ok(ct_policy_text(pd, &text)) ||
				    !ct_ok(ct_initdata_toml(ct_buf_span(&text), &toml)) ||
				    !ct_ok(ct_initdata_annotation(ct_buf_span(&toml), &anno)) ||
				    !ct_ok(ct_initdata_hash(ct_buf_span(&toml), hex)))
					die("generate");
				bytes += anno.len;
				json_decref(pd);
				ct_buf_dispose(&text);
				ct_buf_dispose(&toml);
				ct_buf_dispose(&anno);
			}
			if (warm == 1) {
				t_parse += t1 - t0;
				t_gen += now() - t1;
			}
			ct_k8s_set_dispose(&set);
		}
	printf("pods per round:        %d (%d rounds, warm cache)\n", PODS, rounds);
	printf("YAML parse only:       %10.2f ms per round\n", t_parse * 1e3 / rounds);
	printf("generate (100 pods):   %10.2f ms per round (%.3f ms per pod)\n",
	       t_gen * 1e3 / rounds, t_gen * 1e3 / rounds / PODS);
	printf("mean annotation size:  %zu bytes\n", bytes / ((size_t)PODS * (size_t)(rounds + 1)));
	printf("ratio generate/parse:  %.1f\n", t_parse > 0 ? t_gen / t_parse : 0.0);
	json_decref(g.settings);
	ct_image_source_free(src);
	ct_buf_dispose(&yaml);
	return 0;
}
