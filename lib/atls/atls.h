/*
 * atls.h - attested TLS 1.3 on OpenSSL (DESIGN.md §4.4, docs/atls.md).
 *
 * The responder proves what it runs by presenting a fresh self-signed
 * certificate whose extension (OID per platform, 1.3.9901.2.1 for SNP)
 * carries evidence with REPORT_DATA = SHA-512(SPKI DER || initiator nonce).
 * The client's nonce travels in ALPN ("atls:v1:nonce:<64 hex>"), the
 * server's (mutual mode) as the CN of the one CA name of its
 * CertificateRequest (base64 of 32 bytes).
 *
 * aTLS knows no platform: an *issuer* produces evidence for given report
 * data, a *validator* checks evidence against one set of reference values.
 * A peer is accepted if ANY validator accepts its evidence.
 *
 * Usage: configure an SSL_CTX with ct_atls_server_ctx_configure or
 * ct_atls_client_ctx_configure; every SSL made from it then runs aTLS
 * through callbacks (no per-connection setup is needed on the server). The
 * outcome (peer identity or the reason for refusal) is read with
 * ct_atls_conn_peer / ct_atls_conn_error, or lands in a caller-owned
 * struct ct_atls_outcome that outlives the SSL (for libcurl).
 *
 * Trust boundary: everything in the peer's certificate is untrusted until
 * a validator accepted it (or, for key peers, only the key is trusted as
 * "whoever holds this key", never as attested).
 */
#ifndef CT_ATLS_H
#define CT_ATLS_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "base/base.h"

#define CT_ATLS_NONCE_LEN 32u
#define CT_ATLS_REPORT_DATA_LEN 64u
#define CT_ATLS_ALPN_PREFIX "atls:v1:nonce:"
/* Evidence OIDs (DESIGN.md §4.4). */
#define CT_ATLS_OID_SNP "1.3.9901.2.1"
#define CT_ATLS_OID_TDX "1.3.9901.2.2"
/* Insecure test evidence: never accepted by production validators. */
#define CT_ATLS_OID_TEST "1.3.9901.2.99"

/* Limits on untrusted input. */
#define CT_ATLS_EVIDENCE_MAX (64u * 1024u) /* one evidence extension */
#define CT_ATLS_CLAIMS_MAX 4096u           /* what a validator returns */
#define CT_ATLS_SPKI_MAX 2048u             /* peer public key, DER */
#define CT_ATLS_VALIDATORS_MAX 32u
#define CT_ATLS_ERROR_MAX 1024u
#define CT_ATLS_ALPN_LIST_MAX 1024u /* client ALPN list we build */

/* Produces evidence binding `report_data` (the responder side). */
struct ct_atls_issuer {
	const char *oid; /* dotted OID of the evidence extension */
	ct_result (*get_evidence)(void *arg,
				  const uint8_t report_data[CT_ATLS_REPORT_DATA_LEN],
				  struct ct_buf *evidence_out);
	void *arg;
};

/*
 * Checks untrusted evidence against one set of reference values. On
 * success it may append claims (e.g. the raw report) to `claims_out`
 * (max CT_ATLS_CLAIMS_MAX); on failure it records an error that names the
 * failed check.
 */
struct ct_atls_validator {
	const char *name; /* for messages, e.g. "snp[0]" */
	const char *oid;
	ct_result (*validate)(void *arg, struct ct_span evidence,
			      const uint8_t expected_report_data[CT_ATLS_REPORT_DATA_LEN],
			      struct ct_buf *claims_out);
	void *arg;
};

enum ct_atls_peer_kind {
	CT_ATLS_PEER_NONE = 0, /* no client certificate */
	CT_ATLS_PEER_ATTESTED, /* evidence accepted by a validator */
	CT_ATLS_PEER_KEY,      /* a plain self-signed key certificate */
	CT_ATLS_PEER_UNVERIFIED, /* client with insecure_skip_server_check */
};

/* What the handshake established about the peer (fixed size, copyable). */
struct ct_atls_peer {
	enum ct_atls_peer_kind kind;
	int validator_index; /* -1 unless ATTESTED */
	uint8_t spki[CT_ATLS_SPKI_MAX]; /* SubjectPublicKeyInfo DER */
	size_t spki_len;
	uint8_t spki_sha256[32];
	/*
	 * SHA-256 of the key as Contrast digests owner keys: PKIX DER for EC
	 * keys, PKCS#1 DER for RSA keys (WorkloadOwnerKeyDigests, seedshare).
	 */
	uint8_t key_sha256[32];
	uint8_t claims[CT_ATLS_CLAIMS_MAX];
	size_t claims_len;
};

/* Caller-owned record of one handshake's result, written by callbacks. */
struct ct_atls_outcome {
	bool peer_valid;
	struct ct_atls_peer peer;
	char error[CT_ATLS_ERROR_MAX]; /* first refusal reason, "" if none */
};

enum ct_atls_client_auth {
	CT_ATLS_CLIENT_AUTH_NONE = 0,  /* do not ask for a client certificate */
	CT_ATLS_CLIENT_AUTH_KEY_OPTIONAL, /* accept an optional key cert */
	CT_ATLS_CLIENT_AUTH_ATTESTED,  /* mutual aTLS: client must attest */
};

struct ct_atls_config {
	/* Own evidence. Required for a server; for a client only in mutual. */
	const struct ct_atls_issuer *issuer;
	/* Peer evidence is accepted if any of these validates (copied). */
	const struct ct_atls_validator *validators;
	size_t n_validators;
	/* Server only. */
	enum ct_atls_client_auth client_auth;
	/*
	 * Client only: a key (workload owner, seedshare owner) presented in a
	 * plain self-signed certificate when the server asks without a nonce.
	 * Up-referenced; the caller keeps its own reference.
	 */
	EVP_PKEY *client_key;
	/*
	 * Client only, dangerous: accept a server that shows no evidence
	 * (Contrast's initializer mode). The peer becomes UNVERIFIED.
	 */
	bool insecure_skip_server_check;
	/* Optional: also record the outcome here (must outlive the SSL_CTX). */
	struct ct_atls_outcome *outcome;
};

/*
 * Makes `ctx` an aTLS server context: TLS 1.3 only, ALPN nonce, per
 * connection evidence certificate, client authentication per config. The
 * configuration is copied into the context.
 */
CT_RESULT ct_atls_server_ctx_configure(SSL_CTX *ctx,
				       const struct ct_atls_config *cfg);

/*
 * Makes `ctx` an aTLS client context: TLS 1.3 only, server evidence is
 * verified against the validators. A fresh nonce is put in the context's
 * ALPN list, so an SSL made directly with SSL_new serves ONE connection
 * (a second SSL_new on the context is refused during the handshake); use
 * ct_atls_client_ssl_new for contexts shared by many connections.
 */
CT_RESULT ct_atls_client_ctx_configure(SSL_CTX *ctx,
				       const struct ct_atls_config *cfg);

/* A client SSL with its own fresh nonce (for a shared client context). */
CT_RESULT ct_atls_client_ssl_new(SSL_CTX *ctx, SSL **out);

/* After the handshake: the peer, or NULL if none was established. */
const struct ct_atls_peer *ct_atls_conn_peer(const SSL *ssl);
/* The first refusal reason recorded on this connection ("" if none). */
const char *ct_atls_conn_error(const SSL *ssl);

/*
 * For HTTP clients that create the SSL_CTX themselves (libcurl through
 * struct ct_http_tls_hook): `setup` configures each new context with cfg
 * and records into `outcome`; `check` returns CT_OK once the server was
 * verified, else the refusal reason. The hook must outlive the request.
 */
struct ct_atls_client_hook {
	struct ct_atls_config cfg;
	struct ct_atls_outcome outcome;
};

void ct_atls_client_hook_init(struct ct_atls_client_hook *h,
			      const struct ct_atls_config *cfg);
CT_RESULT ct_atls_client_hook_setup(void *hook, SSL_CTX *ctx);
CT_RESULT ct_atls_client_hook_check(void *hook);

/* ---------------------------------------------------------- building blocks */

/* REPORT_DATA = SHA-512(spki_der || nonce). */
CT_RESULT ct_atls_report_data(struct ct_span spki_der,
			      const uint8_t nonce[CT_ATLS_NONCE_LEN],
			      uint8_t out[CT_ATLS_REPORT_DATA_LEN]);

/* Appends the ALPN wire list: the nonce entry, then http/1.1. */
CT_RESULT ct_atls_alpn_build(struct ct_buf *out,
			     const uint8_t nonce[CT_ATLS_NONCE_LEN]);

/*
 * Parses an untrusted ALPN wire list (as the client sent it): exactly one
 * well-formed atls nonce entry must be present. `*offers_http11` tells
 * whether "http/1.1" was offered too.
 */
CT_RESULT ct_atls_alpn_parse(struct ct_span wire,
			     uint8_t nonce_out[CT_ATLS_NONCE_LEN],
			     bool *offers_http11);

/* The CertificateRequest CA name carrying a server nonce. */
CT_RESULT ct_atls_ca_name_build(const uint8_t nonce[CT_ATLS_NONCE_LEN],
				X509_NAME **out);
/* Extracts the nonce from an untrusted CA name (CN = base64(32 bytes)). */
CT_RESULT ct_atls_ca_name_parse(const X509_NAME *name,
				uint8_t nonce_out[CT_ATLS_NONCE_LEN]);

/*
 * A fresh P-384 key and a self-signed certificate for it; with `issuer`
 * and `nonce`, the certificate carries evidence for REPORT_DATA over the
 * new key and nonce. With `key` non-NULL that key is used instead of a
 * fresh one (plain key certificate when issuer is NULL).
 */
CT_RESULT ct_atls_cert_make(const struct ct_atls_issuer *issuer,
			    const uint8_t *nonce, EVP_PKEY *key,
			    X509 **cert_out, EVP_PKEY **key_out);

/*
 * Checks an untrusted peer certificate: self-signature, then the evidence
 * extension against the validators with `nonce`. With n_validators == 0
 * only the key is recorded (kind KEY). Fills `peer` on success.
 */
CT_RESULT ct_atls_cert_check(X509 *cert, const uint8_t nonce[CT_ATLS_NONCE_LEN],
			     const struct ct_atls_validator *validators,
			     size_t n_validators, struct ct_atls_peer *peer);

/* Peer key identity only (self-signature checked), kind KEY. */
CT_RESULT ct_atls_cert_key_identity(X509 *cert, struct ct_atls_peer *peer);

#endif /* CT_ATLS_H */
