/*
 * ca_leaf_fuzz.c - fuzzes leaf issuance with arbitrary SANs (newline-
 * separated input; the manifest is where SANs come from): every SAN is
 * classified as IP, URI or DNS and encoded, or refused cleanly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ca/ca.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ct_ca *ca;
static EVP_PKEY *leaf_key;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ca == NULL) {
		EVP_PKEY *root = NULL;
		if (!ct_ok(ct_ca_key_generate(&root)) ||
		    !ct_ok(ct_ca_new(root, NULL, &ca)))
			abort();
		EVP_PKEY_free(root);
		leaf_key = EVP_EC_gen("P-256");
		if (leaf_key == NULL)
			abort();
	}
	if (size > 4096)
		return 0;
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	const char *sans[CT_CA_MAX_SANS + 1];
	size_t n = 0;
	for (char *p = text; n <= CT_CA_MAX_SANS;) {
		sans[n++] = p;
		char *nl = strchr(p, '\n');
		if (nl == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	X509 *leaf = NULL;
	if (ct_ok(ct_ca_issue_leaf(ca, leaf_key, sans, n, NULL, 0, &leaf))) {
		if (X509_verify(leaf, ct_ca_mesh_key(ca)) != 1)
			abort();
		X509_free(leaf);
	}
	ct_error_clear();
	free(text);
	return 0;
}
