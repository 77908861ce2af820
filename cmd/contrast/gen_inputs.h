/*
 * gen_inputs.h - the inputs of the policy generator as `contrast policy
 * generate` and `contrast policy requests` take them: settings, image
 * store, image cache, registry access and extra ConfigMap/Secret files,
 * plus the one YAML file they work on.
 */
#ifndef CT_CLI_GEN_INPUTS_H
#define CT_CLI_GEN_INPUTS_H

#include <stdbool.h>

#include "policy/policy.h"

#define GEN_INPUTS_CONFIG_FILES_MAX 64

struct gen_inputs {
	const char *settings, *store, *cache, *plain_http;
	const char *configs[GEN_INPUTS_CONFIG_FILES_MAX];
	size_t nconfigs;
	bool registry;
	/* After gen_inputs_load: */
	struct ct_k8s_set set;
	struct ct_image_source *src;
	struct ct_policy_gen g;
};

#define GEN_INPUTS_USAGE                                                     \
	"[--settings FILE] [--image-store DIR] [--config-file FILE]...\n"    \
	"       [--cache FILE] [--registry] [--insecure-registry HOST[:PORT],...]"

void gen_inputs_init(struct gen_inputs *in);

/*
 * Takes the option at argv[*i] if it is one of ours (advancing *i past
 * its value): returns 1 when taken, 0 when not ours, -1 on a usage error
 * (already printed, prefixed with `cmd`).
 */
int gen_inputs_option(struct gen_inputs *in, const char *cmd, int argc,
		      char **argv, int *i);

/* Loads the settings, the image source and `file` (+ the config files). */
CT_RESULT gen_inputs_load(struct gen_inputs *in, const char *file);

void gen_inputs_dispose(struct gen_inputs *in);

#endif
