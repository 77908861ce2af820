/*
 * fixture.h - shared test fixtures for the manifest, state and ca unit
 * tests: keys from tests/data/state and a valid manifest to mutate.
 */
#ifndef CT_TEST_MANIFEST_FIXTURE_H
#define CT_TEST_MANIFEST_FIXTURE_H

#include <jansson.h>
#include <openssl/evp.h>

/* The two initdata documents the fixture manifest references. */
extern const char *const fx_policy_docs[2];

/* Loads a PEM private key from $CT_TEST_DATA/state/<name> (fails the test). */
EVP_PKEY *fx_load_key(const char *name);
/* Reads $CT_TEST_DATA/state/<name> as a NUL-terminated string. */
char *fx_read_data(const char *name);
/* Hex of the PKCS#1 DER of an RSA public key (free()). */
char *fx_rsa_hex(EVP_PKEY *key);
/* Hex sha256 of the PKIX DER of a key (free()). */
char *fx_key_digest_hex(EVP_PKEY *key);
/* Hex sha256 of a string (free()). */
char *fx_sha256_hex(const char *s);
/*
 * A valid manifest: policy fx_policy_docs[0] with Role coordinator, [1] a
 * web workload with secret id "apps/v1/Deployment/default/web"; one Genoa
 * SNP entry; workload owner workload-owner.pem; seedshare owner
 * seedshare-owner-1.pem. Caller json_decref()s.
 */
json_t *fx_manifest(void);
/* json_dumps compact (free()). */
char *fx_dump(const json_t *j);

#endif
