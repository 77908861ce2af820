/*
 * registry_fuzz.c - libFuzzer target for the OCI registry client's parsers
 * (lib/policy/registry_parse.c): each input is tried as an image
 * reference, a WWW-Authenticate challenge, a token-service reply and a
 * manifest or index. Whatever a parser accepts must be well-formed:
 * digests sha256:<64 hex>, realms http(s), tokens bounded and printable,
 * at most CT_IMAGE_LAYERS_MAX layers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/registry_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TEXT_MAX 8192

static void digest_ok(const char *d)
{
	if (!ct_ok(ct_registry_digest_check(d)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[FUZZ_TEXT_MAX + 1];
	size_t n = size < FUZZ_TEXT_MAX ? size : FUZZ_TEXT_MAX;
	struct ct_registry_ref ref;
	struct ct_registry_challenge ch;
	char token[CT_REGISTRY_TOKEN_MAX];
	json_t *doc = NULL;

	memcpy(text, data, n);
	text[n] = '\0';
	if (ct_ok(ct_registry_ref_parse(text, &ref))) {
		if (ref.host[0] == '\0' || ref.repo[0] == '\0' ||
		    (ref.digest[0] == '\0' && ref.tag[0] == '\0'))
			abort();
		if (ref.digest[0] != '\0')
			digest_ok(ref.digest);
	}
	if (ct_ok(ct_registry_challenge_parse(text, &ch)) &&
	    strncmp(ch.realm, "http://", 7) != 0 && strncmp(ch.realm, "https://", 8) != 0)
		abort();
	if (ct_ok(ct_registry_token_parse(ct_span_make(data, size), token, sizeof(token))) &&
	    (token[0] == '\0' || strpbrk(token, " \r\n") != NULL))
		abort();
	if (ct_ok(ct_registry_manifest_parse(ct_span_make(data, size), &doc))) {
		if (ct_registry_manifest_is_index(doc)) {
			const char *d = NULL;
			if (ct_ok(ct_registry_index_pick(doc, &d)))
				digest_ok(d);
		} else {
			struct ct_registry_blobs *b = calloc(1, sizeof(*b));
			if (b == NULL)
				abort();
			if (ct_ok(ct_registry_manifest_blobs(doc, b))) {
				digest_ok(b->config);
				if (b->n_layers > CT_IMAGE_LAYERS_MAX)
					abort();
				for (size_t i = 0; i < b->n_layers; i++)
					digest_ok(b->layers[i]);
			}
			free(b);
		}
		json_decref(doc);
	}
	ct_error_clear();
	return 0;
}
