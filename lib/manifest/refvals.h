/* refvals.h - SNP reference-value entries of a manifest (lib/manifest internal). */
#ifndef CT_MANIFEST_REFVALS_H
#define CT_MANIFEST_REFVALS_H

#include "manifest/json_util.h"
#include "manifest/manifest.h"

/* Validates one ReferenceValues.snp entry at `path` and fills out. */
CT_RESULT ct_manifest_snp_parse(json_t *entry, const char *path,
				struct ct_manifest_snp *out);
void ct_manifest_snp_dispose(struct ct_manifest_snp *e);

#endif
