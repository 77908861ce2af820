/*
 * crypto.h - thin OpenSSL 3 helpers shared by the project.
 *
 * Hashes, X.509 loading (PEM or DER, bounded), RFC 3339 time parsing for
 * verification-time options, and ECDSA verification of raw (r, s) pairs as
 * attestation formats store them (little-endian in SEV-SNP). Everything
 * returns ct_result; OpenSSL's error queue is folded into the message and
 * cleared. Objects returned through `**out` are owned by the caller and
 * freed with the matching OpenSSL function (X509_free, EVP_PKEY_free).
 */
#ifndef CT_CRYPTO_H
#define CT_CRYPTO_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/base.h"

#define CT_SHA256_LEN 32u
#define CT_SHA384_LEN 48u
#define CT_SHA512_LEN 64u

/* Largest certificate file we read (PEM or DER). */
#define CT_X509_MAX_BYTES (64u * 1024u)

CT_RESULT ct_sha256(uint8_t out[CT_SHA256_LEN], struct ct_span in);
CT_RESULT ct_sha384(uint8_t out[CT_SHA384_LEN], struct ct_span in);
CT_RESULT ct_sha512(uint8_t out[CT_SHA512_LEN], struct ct_span in);

/*
 * Parses one certificate from PEM (first CERTIFICATE block) or DER (the
 * whole input must be one certificate: no trailing bytes).
 */
CT_RESULT ct_x509_parse(X509 **out, struct ct_span bytes);
/* Reads a PEM or DER certificate file (at most CT_X509_MAX_BYTES). */
CT_RESULT ct_x509_load_file(X509 **out, const char *path);
/*
 * Reads a file of one or more certificates (PEM bundle, e.g. AMD KDS's
 * cert_chain = ASK then ARK, or one DER certificate) and returns the first
 * self-issued one (`self_signed`) or the first one that is not. Fails with
 * CT_ERR_PROTO naming the file when none fits.
 */
CT_RESULT ct_x509_load_file_pick(X509 **out, const char *path, bool self_signed);
/* Reads a PEM or DER X.509 CRL file (at most CT_X509_MAX_BYTES * 16). */
CT_RESULT ct_x509_crl_load_file(X509_CRL **out, const char *path);
/* DER encoding of a certificate appended to out. */
CT_RESULT ct_x509_to_der(struct ct_buf *out, X509 *cert);
/* Byte-exact equality of two certificates' DER encodings. */
bool ct_x509_equal(X509 *a, X509 *b);
/* notBefore / notAfter as Unix time. */
CT_RESULT ct_x509_validity(X509 *cert, time_t *not_before, time_t *not_after);

/*
 * Parses an RFC 3339 UTC-or-offset time ("2026-06-01T00:00:00Z",
 * "2026-06-01T02:00:00+02:00", optional fractional seconds) or "@<epoch>".
 */
CT_RESULT ct_time_parse_rfc3339(const char *s, time_t *out);
/* Formats as "YYYY-MM-DDTHH:MM:SSZ" into a 21-byte buffer. */
void ct_time_format_rfc3339(char out[21], time_t t);

/* True when the key is EC on the named group ("secp384r1"). */
bool ct_pkey_is_ec_group(EVP_PKEY *pkey, const char *group);

/*
 * Verifies an ECDSA signature given as two `len`-byte little-endian
 * integers over `msg` hashed with `digest` ("SHA384"). CT_OK only when
 * OpenSSL answers 1; a wrong signature is CT_ERR_CRYPTO.
 */
CT_RESULT ct_ecdsa_verify_le(EVP_PKEY *pkey, const char *digest,
			     struct ct_span msg, const uint8_t *r_le,
			     const uint8_t *s_le, size_t len);
/* Same, with the digest already computed (EVP_PKEY_verify). */
CT_RESULT ct_ecdsa_verify_digest_le(EVP_PKEY_CTX *ctx, struct ct_span digest,
				    const uint8_t *r_le, const uint8_t *s_le,
				    size_t len);

#endif /* CT_CRYPTO_H */
