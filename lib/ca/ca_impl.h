/*
 * ca_impl.h - internals shared by ca.c and leaf.c (private to lib/ca).
 */
#ifndef CT_CA_IMPL_H
#define CT_CA_IMPL_H

#include "ca/ca.h"

struct ct_ca {
	EVP_PKEY *root_key;
	EVP_PKEY *mesh_key;
	X509 *root;
	X509 *intermediate;
	X509 *mesh;
};

/* A fresh certificate with version 3, random serial, subject CN, validity
 * [now - CT_CA_BACKDATE_S, now + lifetime] and public key `pub`. */
CT_RESULT ca_cert_start(X509 **out, EVP_PKEY *pub, const char *cn,
			long long lifetime_s);
/* Adds an extension by NID from an OpenSSL config value (trusted text). */
CT_RESULT ca_add_ext_conf(X509 *cert, X509 *issuer, int nid,
			  const char *value);
/* Sets the issuer name and signs with issuer_key (SHA-384). */
CT_RESULT ca_cert_finish(X509 *cert, X509 *issuer, EVP_PKEY *issuer_key);

#endif
