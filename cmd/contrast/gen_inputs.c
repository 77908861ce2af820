/*
 * gen_inputs.c - the generator inputs shared by `contrast policy generate`
 * and `contrast policy requests` (gen_inputs.h). Everything read is the
 * user's own local input; the limits are lib/policy's.
 */
#include "gen_inputs.h"

#include <stdio.h>
#include <string.h>

void gen_inputs_init(struct gen_inputs *in)
{
	memset(in, 0, sizeof(*in));
	ct_k8s_set_init(&in->set);
}

int gen_inputs_option(struct gen_inputs *in, const char *cmd, int argc,
		      char **argv, int *i)
{
	const char *a = argv[*i];
	bool has = *i + 1 < argc;

	if (strcmp(a, "--registry") == 0) {
		in->registry = true;
		return 1;
	}
	if (!has)
		return 0;
	if (strcmp(a, "--settings") == 0)
		in->settings = argv[++*i];
	else if (strcmp(a, "--image-store") == 0)
		in->store = argv[++*i];
	else if (strcmp(a, "--cache") == 0)
		in->cache = argv[++*i];
	else if (strcmp(a, "--insecure-registry") == 0)
		in->plain_http = argv[++*i], in->registry = true;
	else if (strcmp(a, "--config-file") == 0) {
		if (in->nconfigs == GEN_INPUTS_CONFIG_FILES_MAX) {
			fprintf(stderr, "%s: more than %d --config-file\n", cmd,
				GEN_INPUTS_CONFIG_FILES_MAX);
			return -1;
		}
		in->configs[in->nconfigs++] = argv[++*i];
	} else {
		return 0;
	}
	return 1;
}

ct_result gen_inputs_load(struct gen_inputs *in, const char *file)
{
	CT_GUARD(ct_policy_settings_load(in->settings, &in->g.settings));
	CT_GUARD(ct_image_source_new(in->store, in->cache, &in->src));
	CT_GUARD(ct_image_source_set_registry(in->src, in->registry, in->plain_http));
	CT_GUARD(ct_k8s_load_file(&in->set, file, false));
	for (size_t i = 0; i < in->nconfigs; i++)
		CT_GUARD(ct_k8s_load_file(&in->set, in->configs[i], true));
	in->g.images = in->src;
	in->g.set = &in->set;
	return CT_OK;
}

void gen_inputs_dispose(struct gen_inputs *in)
{
	json_decref(in->g.settings);
	ct_image_source_free(in->src);
	ct_k8s_set_dispose(&in->set);
}
