/*
 * mesh_tls.h - TLS contexts for a workload from the files the initializer
 * wrote (`<tls-dir>/{mesh-ca.pem,certChain.pem,key.pem}`).
 *
 * The demo application trusts exactly one thing: the mesh CA the
 * Coordinator handed its pod after attesting it. Peers must present a chain
 * to that CA (mutual TLS 1.3 both ways); hostnames are not checked, because
 * in the mesh the certificate, not the address, names the workload.
 */
#ifndef CT_DEMO_MESH_TLS_H
#define CT_DEMO_MESH_TLS_H

#include <stdbool.h>

#include <openssl/ssl.h>

#include "base/base.h"
#include "http/http.h"

/* The workload's own identity and trust anchor, loaded once. */
struct mesh_identity {
	X509 *leaf;
	STACK_OF(X509) *chain; /* intermediates after the leaf */
	EVP_PKEY *key;
	X509 *mesh_ca;
};

CT_RESULT mesh_identity_load(struct mesh_identity *id, const char *tls_dir);
void mesh_identity_dispose(struct mesh_identity *id);

/*
 * A server context: TLS 1.3, our chain, client certificates requested and
 * verified against the mesh CA. A client that shows none still completes
 * the handshake so that the handler can answer 403 and count it
 * (mesh_peer_name returns false for it).
 */
CT_RESULT mesh_server_ctx(const struct mesh_identity *id, SSL_CTX **out);

/* A client hook for lib/http that presents our chain (none when id->leaf
 * is NULL) and trusts only the mesh CA. `id` must outlive every request
 * made with the hook. */
void mesh_client_hook(const struct mesh_identity *id,
		      struct ct_http_tls_hook *hook);

/* The verified peer's subject CN (or "(no CN)"); false when the peer
 * presented no certificate that chains to the mesh CA. */
bool mesh_peer_name(SSL *ssl, char *out, size_t out_len);

/* Handshakes the server refused (bad or foreign certificate). */
unsigned long mesh_refused_handshakes(void);

#endif
