/*
 * registry_parse.h - internal to lib/policy: the parsers registry.c uses
 * on registry input, apart from the network so that a fuzz target
 * (fuzz/policy/registry_fuzz.c) reaches them.
 *
 * Ownership: outputs are caller storage or borrowed from the caller's
 * json_t (valid while it lives). Errors: CT_ERR_PROTO for a malformed
 * response, CT_ERR_USAGE for a malformed reference or no linux/amd64
 * image, CT_ERR_LIMIT past a bound.
 */
#ifndef CT_POLICY_REGISTRY_PARSE_H
#define CT_POLICY_REGISTRY_PARSE_H

#include "policy/policy.h"

#define CT_REGISTRY_TOKEN_MAX 4096

/* An image reference: docker.io defaults applied; digest "" if unpinned,
 * else sha256:<64 hex>; tag "" only when pinned without a tag. */
struct ct_registry_ref {
	char host[256], repo[256], tag[128], digest[80];
};
CT_RESULT ct_registry_ref_parse(const char *ref, struct ct_registry_ref *out);

/* A WWW-Authenticate Bearer challenge; realm is http(s), the others may
 * be "". */
struct ct_registry_challenge {
	char realm[1024], service[256], scope[512];
};
CT_RESULT ct_registry_challenge_parse(const char *header,
				      struct ct_registry_challenge *out);

/* The token service's JSON reply: "token" or "access_token", printable
 * ASCII without spaces (it goes into a header), shorter than `cap`. */
CT_RESULT ct_registry_token_parse(struct ct_span body, char *token, size_t cap);

/* A manifest or an index: a JSON object (*out is the caller's). */
CT_RESULT ct_registry_manifest_parse(struct ct_span body, json_t **out);
bool ct_registry_manifest_is_index(const json_t *doc);

/* An index's linux/amd64 manifest digest (borrowed, well-formed). */
CT_RESULT ct_registry_index_pick(const json_t *index, const char **digest);

/* An image manifest's config and layer digests (borrowed, well-formed,
 * at most CT_IMAGE_LAYERS_MAX layers). */
struct ct_registry_blobs {
	const char *config;
	size_t n_layers;
	const char *layers[CT_IMAGE_LAYERS_MAX];
};
CT_RESULT ct_registry_manifest_blobs(const json_t *man, struct ct_registry_blobs *out);

/* CT_OK if d is "sha256:" and 64 lowercase hex digits. */
CT_RESULT ct_registry_digest_check(const char *d);

#endif /* CT_POLICY_REGISTRY_PARSE_H */
