/* snp_test_util.h - loading SNP test vectors for the attest unit tests. */
#ifndef CT_SNP_TEST_UTIL_H
#define CT_SNP_TEST_UTIL_H

#include "ct_test.h"

#include <stdio.h>
#include <stdlib.h>

/* Reads tests/data/<rel> into a fresh buffer (fails the test if missing). */
static inline void snp_test_load(struct ct_buf *out, const char *rel)
{
	const char *root = getenv("CT_TEST_DATA");
	assert_non_null(root);
	char path[1024];
	int n = snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	ct_buf_init(out, 1u << 20);
	assert_ct_ok(ct_file_read(out, path, 1u << 20));
}

static inline char *snp_test_path(const char *rel)
{
	const char *root = getenv("CT_TEST_DATA");
	assert_non_null(root);
	char *p = ct_aprintf("%s/%s", root, rel);
	assert_non_null(p);
	return p;
}

#endif
