/*
 * seedshare_doc_fuzz.c - fuzzes the seed-shares.json decoder: any input
 * decodes or fails cleanly; a decoded document has the promised shape.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_seedshare_doc doc;
	if (ct_ok(ct_seedshare_doc_decode(ct_span_make(data, size), &doc))) {
		if (doc.n_shares > CT_SEEDSHARE_MAX_SHARES)
			abort();
		for (size_t i = 0; i < doc.n_shares; i++)
			if (doc.shares[i].encrypted_len !=
				    CT_SEEDSHARE_CIPHERTEXT_LEN ||
			    doc.shares[i].pubkey_hex == NULL ||
			    strlen(doc.shares[i].pubkey_hex) % 2 != 0)
				abort();
	}
	ct_seedshare_doc_dispose(&doc);
	ct_error_clear();
	return 0;
}
