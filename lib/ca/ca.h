/*
 * ca.h - the Coordinator's certificate authorities (DESIGN.md §4.6,
 * reference/contrast.md §7, docs/state.md "CA").
 *
 *   root CA          key derived from the seed (lib/state
 *                    ct_seed_engine_root_ca_key: same seed => same key),
 *                    self-signed, CN "system:coordinator:root",
 *                    now-1h .. +10y, CA:TRUE, KU certSign+cRLSign+
 *                    digitalSignature. Re-minted (new serial and dates)
 *                    each time a ct_ca is built; the key never changes.
 *   intermediate     the mesh key, CN "system:coordinator:intermediate",
 *                    signed by the root CA.
 *   mesh CA          the same key and subject, self-signed. A leaf issued
 *                    by the mesh key therefore verifies against the root
 *                    CA (via the intermediate) and against the mesh CA.
 *   leaf (mesh cert) a workload's public key, signed by the mesh key,
 *                    now-1h .. +1y, KU digitalSignature, EKU serverAuth+
 *                    clientAuth, SANs split into IP / URI / DNS, optional
 *                    extra extensions (claims 1.3.9901.2.1.<n>, workload
 *                    secret id 1.3.9901.3.1), 128-bit random serial.
 *
 * The mesh key is a fresh random P-384 key per manifest; peers copy it
 * through /v1/peer/recover (ct_ca_mesh_key_pem / ct_ca_key_from_pem).
 *
 * Ownership: ct_ca_new takes its own references on the keys it is given;
 * accessors return borrowed X509 / EVP_PKEY pointers valid until
 * ct_ca_free. X509 returned through `**out` belongs to the caller
 * (X509_free). PEM output is appended to caller-initialised ct_bufs.
 *
 * Errors: CT_ERR_CRYPTO (OpenSSL refused), CT_ERR_USAGE (bad SAN, bad
 * OID, wrong key type), CT_ERR_LIMIT (too many SANs/extensions),
 * CT_ERR_PROTO (a PEM key that does not parse).
 */
#ifndef CT_CA_H
#define CT_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/base.h"

#define CT_CA_ROOT_CN "system:coordinator:root"
#define CT_CA_MESH_CN "system:coordinator:intermediate"

/* Validity: CA certs ten years, leaves one year, all back-dated 1 hour. */
#define CT_CA_CA_VALIDITY_S (10LL * 365 * 24 * 3600)
#define CT_CA_LEAF_VALIDITY_S (365LL * 24 * 3600)
#define CT_CA_BACKDATE_S 3600LL

/* Bounds on a leaf request. */
#define CT_CA_MAX_SANS 64u
#define CT_CA_MAX_SAN_LEN 1024u
#define CT_CA_MAX_EXTENSIONS 64u
#define CT_CA_MAX_EXTENSION_DER 4096u
#define CT_CA_MAX_OID_LEN 64u
/* Largest PEM private key accepted by ct_ca_key_from_pem. */
#define CT_CA_KEY_PEM_MAX (8u << 10)

/* Extension OIDs used by the Coordinator. */
#define CT_CA_OID_SNP_CLAIMS "1.3.9901.2.1" /* + ".<n>" */
#define CT_CA_OID_SECRET_ID "1.3.9901.3.1"

struct ct_ca;

/* An extra leaf extension: dotted OID and its DER-encoded value. */
struct ct_ca_extension {
	const char *oid;  /* "1.3.9901.2.1.22" */
	struct ct_span der; /* the extnValue contents (already DER) */
	bool critical;
};

/*
 * Builds the CAs: root cert from `root_key` (P-384 private key), the
 * intermediate and mesh CA certs from `mesh_key` (P-384 private key), or
 * from a fresh random P-384 key when mesh_key is NULL. *out is owned by
 * the caller (ct_ca_free). CT_ERR_USAGE if a key is not P-384.
 */
CT_RESULT ct_ca_new(EVP_PKEY *root_key, EVP_PKEY *mesh_key, struct ct_ca **out);
void ct_ca_free(struct ct_ca *ca);

/* Borrowed. */
X509 *ct_ca_root_cert(const struct ct_ca *ca);
X509 *ct_ca_intermediate_cert(const struct ct_ca *ca);
X509 *ct_ca_mesh_cert(const struct ct_ca *ca);
EVP_PKEY *ct_ca_mesh_key(const struct ct_ca *ca);

/* PEM ("CERTIFICATE") of one of the CA certs, appended to out. */
CT_RESULT ct_ca_root_pem(const struct ct_ca *ca, struct ct_buf *out);
CT_RESULT ct_ca_intermediate_pem(const struct ct_ca *ca, struct ct_buf *out);
CT_RESULT ct_ca_mesh_pem(const struct ct_ca *ca, struct ct_buf *out);
/* PEM of any certificate, appended to out. */
CT_RESULT ct_ca_cert_pem(X509 *cert, struct ct_buf *out);

/*
 * Issues a leaf for `pub` (any EC or RSA public key; the private half is
 * not needed). sans: DNS names, IP addresses (v4 or v6, anything
 * inet_pton accepts) or URIs (contain "://"); none at all is allowed.
 * The subject CN is the first DNS SAN, else the first SAN, else
 * "contrast-mesh".
 * A SAN with control characters or spaces is CT_ERR_USAGE. ext: extra
 * extensions (CT_ERR_USAGE for a malformed OID or one colliding with a
 * standard extension). *out is the caller's (X509_free).
 */
CT_RESULT ct_ca_issue_leaf(const struct ct_ca *ca, EVP_PKEY *pub,
			   const char *const *sans, size_t n_sans,
			   const struct ct_ca_extension *ext, size_t n_ext,
			   X509 **out);

/* Same, appending PEM of the leaf, then the intermediate, to chain_pem. */
CT_RESULT ct_ca_issue_leaf_pem(const struct ct_ca *ca, EVP_PKEY *pub,
			       const char *const *sans, size_t n_sans,
			       const struct ct_ca_extension *ext, size_t n_ext,
			       struct ct_buf *chain_pem);

/*
 * The mesh CA private key as PKCS#8 PEM ("PRIVATE KEY"), appended to out
 * (use a secret buffer): what /v1/peer/recover hands to a peer.
 */
CT_RESULT ct_ca_mesh_key_pem(const struct ct_ca *ca, struct ct_buf *out);
/*
 * Parses a P-384 private key from PEM (PKCS#8 or SEC1 "EC PRIVATE KEY"),
 * at most CT_CA_KEY_PEM_MAX bytes; CT_ERR_PROTO if it does not parse,
 * CT_ERR_USAGE if it is not P-384. *out is the caller's.
 */
CT_RESULT ct_ca_key_from_pem(struct ct_span pem, EVP_PKEY **out);
/* A fresh random P-384 key. */
CT_RESULT ct_ca_key_generate(EVP_PKEY **out);

#endif /* CT_CA_H */
