/*
 * generate_fuzz.c - libFuzzer target for the YAML → policy path: the
 * Kubernetes loader (libfyaml, anchors, Lists), the pod-spec walk, env and
 * volume resolution and policy assembly (lib/policy/k8s.c, generate.c,
 * gen_process.c). The YAML is the user's, but a crash or a hang on odd
 * input would still be a bug; every input must either fail with an error
 * or give policy_data that serialises to a policy text.
 *
 * Image facts come from the committed store tests/data/oci (looked up once
 * per reference, then from memory).
 */
#include <stdint.h>
#include <stdlib.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ct_image_source *images;
static json_t *settings;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_k8s_set set;
	struct ct_policy_gen g;

	if (images == NULL) {
		if (!ct_ok(ct_image_source_new(CT_POLICY_FUZZ_OCI, NULL, &images)) ||
		    !ct_ok(ct_policy_settings_load(NULL, &settings)))
			abort();
	}
	ct_k8s_set_init(&set);
	if (ct_ok(ct_k8s_load(&set, "fuzz.yaml", ct_span_make(data, size), false))) {
		g.settings = settings;
		g.images = images;
		g.set = &set;
		for (size_t i = 0; i < set.npods && i < 8; i++) {
			json_t *pd = NULL;
			struct ct_buf text;
			if (!ct_ok(ct_policy_gen_pod(&g, &set.pods[i], &pd)))
				continue;
			ct_buf_init(&text, (size_t)64 << 20);
			if (!ct_ok(ct_policy_text(pd, &text)) || text.len == 0)
				abort();
			ct_buf_dispose(&text);
			json_decref(pd);
		}
	}
	ct_error_clear();
	ct_k8s_set_dispose(&set);
	return 0;
}
