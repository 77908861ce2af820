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
#include "gen_inputs.h"
#include "policy/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: contrast policy generate " GEN_INPUTS_USAGE "\n"
		   "       [--data] POD.yaml\n"
		   "  Prints the runtime policy of the one pod-bearing document "
		   "in POD.yaml.\n");
}

int ct_cli_policy_generate(int argc, char **argv)
{
	const char *pod = NULL;
	bool data_only = false;
	struct gen_inputs in;
	json_t *pd = NULL;
	struct ct_buf text;
	int rc = CT_EXIT_USAGE, took;

	gen_inputs_init(&in);
	ct_buf_init(&text, (size_t)64 << 20);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((took = gen_inputs_option(&in, "contrast policy generate", argc, argv, &i)) != 0) {
			if (took < 0)
				goto out;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			rc = CT_EXIT_OK;
			goto out;
		} else if (strcmp(a, "--data") == 0) {
			data_only = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "contrast policy generate: unknown or "
					"incomplete option '%s'\n", a);
			usage(stderr);
			goto out;
		} else if (pod == NULL) {
			pod = a;
		} else {
			fprintf(stderr, "contrast policy generate: one POD.yaml "
					"only\n");
			goto out;
		}
	}
	if (pod == NULL) {
		usage(stderr);
		goto out;
	}
	if (!ct_ok(gen_inputs_load(&in, pod)))
		goto fail;
	if (in.set.npods != 1) {
		fprintf(stderr, "contrast policy generate: %s: want exactly one "
				"pod-bearing document, found %zu\n", pod, in.set.npods);
		goto out;
	}
	if (!ct_ok(ct_policy_gen_pod(&in.g, &in.set.pods[0], &pd)))
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
	if (!ct_ok(ct_image_source_save(in.src)))
		goto fail;
	rc = fflush(stdout) == 0 ? CT_EXIT_OK : CT_EXIT_FAILED;
	goto out;
fail:
	ct_cli_print_error("policy generate");
out:
	json_decref(pd);
	gen_inputs_dispose(&in);
	ct_buf_dispose(&text);
	return rc;
}
