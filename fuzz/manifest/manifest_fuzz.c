/*
 * manifest_fuzz.c - libFuzzer target for the manifest.json decoder and
 * validator (untrusted input from users, peers and the history store).
 * Any input must either parse into a manifest that serialises and reparses,
 * or fail cleanly.
 */
#include <stdint.h>
#include <stdlib.h>

#include "manifest/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_manifest *m = NULL;
	if (!ct_ok(ct_manifest_parse(ct_span_make(data, size),
				     CT_MANIFEST_ALLOW_SIMULATED, &m)))
		return 0;
	struct ct_buf canon;
	ct_buf_init(&canon, 2 * CT_MANIFEST_MAX_BYTES);
	if (ct_ok(ct_manifest_serialize(m, &canon))) {
		struct ct_manifest *again = NULL;
		if (!ct_ok(ct_manifest_parse(ct_buf_span(&canon),
					     CT_MANIFEST_ALLOW_SIMULATED,
					     &again)))
			abort(); /* the canonical form must stay valid */
		ct_manifest_free(again);
	}
	ct_buf_dispose(&canon);
	ct_manifest_free(m);
	return 0;
}
