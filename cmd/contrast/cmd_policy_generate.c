/*
 * cmd_policy_generate.c - `contrast policy generate [--settings FILE]
 * [--image-store DIR] [--config-file FILE]... POD.yaml`: prints the policy
 * text (rules + policy_data) of the single pod-bearing document in POD.yaml.
 *
 * Everything read is the user's local input (YAML, settings, image store,
 * cache); see lib/policy/policy.h for the limits. Extra options:
 * --cache FILE (image facts cache) and --data (print policy_data only).
 */
#include "cli.h"

#include "base/base.h"
#include "policy/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_FILES_MAX 64

static void usage(FILE *f)
{
	fprintf(f, "usage: contrast policy generate [--settings FILE] "
		   "[--image-store DIR] [--config-file FILE]... [--cache FILE]"
		   "\n       [--registry] [--insecure-registry HOST[:PORT],...] "
		   "[--data] POD.yaml\n"
		   "  Prints the runtime policy of the one pod-bearing document "
		   "in POD.yaml.\n");
}

int ct_cli_policy_generate(int argc, char **argv)
{
	const char *settings = NULL, *store = NULL, *cache = NULL, *pod = NULL;
	const char *plain_http = NULL;
	bool registry = false;
	const char *configs[CONFIG_FILES_MAX];
	size_t nconfigs = 0;
	bool data_only = false;
	struct ct_k8s_set set;
	struct ct_image_source *src = NULL;
	struct ct_policy_gen g = { NULL, NULL, NULL };
	json_t *pd = NULL;
	struct ct_buf text;
	int rc = CT_EXIT_USAGE;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has = i + 1 < argc;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return CT_EXIT_OK;
		} else if (strcmp(a, "--settings") == 0 && has) {
			settings = argv[++i];
		} else if (strcmp(a, "--image-store") == 0 && has) {
			store = argv[++i];
		} else if (strcmp(a, "--cache") == 0 && has) {
			cache = argv[++i];
		} else if (strcmp(a, "--config-file") == 0 && has) {
			if (nconfigs == CONFIG_FILES_MAX) {
				fprintf(stderr, "contrast policy generate: more "
						"than %d --config-file\n",
					CONFIG_FILES_MAX);
				return CT_EXIT_USAGE;
			}
			configs[nconfigs++] = argv[++i];
		} else if (strcmp(a, "--registry") == 0) {
			registry = true;
		} else if (strcmp(a, "--insecure-registry") == 0 && has) {
			plain_http = argv[++i];
			registry = true;
		} else if (strcmp(a, "--data") == 0) {
			data_only = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "contrast policy generate: unknown or "
					"incomplete option '%s'\n", a);
			usage(stderr);
			return CT_EXIT_USAGE;
		} else if (pod == NULL) {
			pod = a;
		} else {
			fprintf(stderr, "contrast policy generate: one POD.yaml "
					"only\n");
			return CT_EXIT_USAGE;
		}
	}
	if (pod == NULL) {
		usage(stderr);
		return CT_EXIT_USAGE;
	}
	ct_k8s_set_init(&set);
	ct_buf_init(&text, (size_t)64 << 20);
	if (!ct_ok(ct_policy_settings_load(settings, &g.settings)) ||
	    !ct_ok(ct_image_source_new(store, cache, &src)) ||
	    !ct_ok(ct_image_source_set_registry(src, registry, plain_http)) ||
	    !ct_ok(ct_k8s_load_file(&set, pod, false)))
		goto fail;
	for (size_t i = 0; i < nconfigs; i++)
		if (!ct_ok(ct_k8s_load_file(&set, configs[i], true)))
			goto fail;
	if (set.npods != 1) {
		fprintf(stderr, "contrast policy generate: %s: want exactly one "
				"pod-bearing document, found %zu\n", pod, set.npods);
		goto out;
	}
	g.images = src;
	g.set = &set;
	if (!ct_ok(ct_policy_gen_pod(&g, &set.pods[0], &pd)))
		goto fail;
	if (data_only) {
		char *js = json_dumps(pd, JSON_INDENT(1) | JSON_SORT_KEYS);
		if (js == NULL)
			goto out;
		printf("%s\n", js);
		free(js);
	} else {
		if (!ct_ok(ct_policy_text(pd, &text)))
			goto fail;
		fwrite(text.data, 1, text.len, stdout);
	}
	if (!ct_ok(ct_image_source_save(src)))
		goto fail;
	rc = fflush(stdout) == 0 ? CT_EXIT_OK : CT_EXIT_FAILED;
	goto out;
fail:
	ct_cli_print_error("policy generate");
out:
	json_decref(pd);
	json_decref(g.settings);
	ct_image_source_free(src);
	ct_k8s_set_dispose(&set);
	ct_buf_dispose(&text);
	return rc;
}
