/*
 * mesh_tls.c - mutual TLS for the demo workloads, from initializer files.
 *
 * Trust boundary: everything a peer sends in its handshake is checked by
 * OpenSSL against the mesh CA alone (a fresh X509_STORE, never the system
 * store). The key file is read with the process's own permissions; the
 * initializer wrote it 0600.
 */
#include "mesh_tls.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define PEM_MAX (256u * 1024u)

static atomic_ulong refused_handshakes;

static CT_RESULT read_pem_file(const char *dir, const char *name,
			       struct ct_buf *out)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	CT_ENSURE(n > 0 && (size_t)n < sizeof(path), CT_ERR_USAGE,
		  "tls dir path too long");
	return ct_file_read(out, path, PEM_MAX);
}

static CT_RESULT load_chain(struct mesh_identity *id, struct ct_span pem)
{
	BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
	CT_ENSURE(bio, CT_ERR_NOMEM, "out of memory");
	id->chain = sk_X509_new_null();
	X509 *cert;
	while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (!id->leaf)
			id->leaf = cert;
		else if (!sk_X509_push(id->chain, cert))
			X509_free(cert);
	}
	ERR_clear_error(); /* the read that ends the loop leaves an error */
	BIO_free(bio);
	CT_ENSURE(id->leaf, CT_ERR_PROTO,
		  "certChain.pem: no certificate found");
	return CT_OK;
}

static CT_RESULT load_one_cert(X509 **out, struct ct_span pem, const char *what)
{
	BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
	CT_ENSURE(bio, CT_ERR_NOMEM, "out of memory");
	*out = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!*out)
		return CT_FAIL_OSSL(CT_ERR_PROTO, "%s: not a PEM certificate", what);
	return CT_OK;
}

static CT_RESULT load_key(EVP_PKEY **out, struct ct_span pem)
{
	BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
	CT_ENSURE(bio, CT_ERR_NOMEM, "out of memory");
	*out = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!*out)
		return CT_FAIL_OSSL(CT_ERR_PROTO, "key.pem: not a PEM private key");
	return CT_OK;
}

ct_result mesh_identity_load(struct mesh_identity *id, const char *tls_dir)
{
	struct ct_buf chain, key, ca;
	ct_result res = CT_OK;

	memset(id, 0, sizeof(*id));
	ct_buf_init(&chain, PEM_MAX);
	ct_buf_init_secret(&key, PEM_MAX);
	ct_buf_init(&ca, PEM_MAX);
	CT_TRY(read_pem_file(tls_dir, "certChain.pem", &chain));
	CT_TRY(read_pem_file(tls_dir, "key.pem", &key));
	CT_TRY(read_pem_file(tls_dir, "mesh-ca.pem", &ca));
	CT_TRY(load_chain(id, ct_buf_span(&chain)));
	CT_TRY(load_key(&id->key, ct_buf_span(&key)));
	CT_TRY(load_one_cert(&id->mesh_ca, ct_buf_span(&ca), "mesh-ca.pem"));
	CT_TRY_ENSURE(X509_check_private_key(id->leaf, id->key) == 1,
		      CT_ERR_USAGE, "key.pem does not match the leaf in certChain.pem");
out:
	ct_buf_dispose(&chain);
	ct_buf_dispose(&key);
	ct_buf_dispose(&ca);
	if (!ct_ok(res))
		mesh_identity_dispose(id);
	return res;
}

void mesh_identity_dispose(struct mesh_identity *id)
{
	X509_free(id->leaf);
	sk_X509_pop_free(id->chain, X509_free);
	EVP_PKEY_free(id->key);
	X509_free(id->mesh_ca);
	memset(id, 0, sizeof(*id));
}

static int count_refusals(int preverify_ok, X509_STORE_CTX *store)
{
	(void)store;
	if (!preverify_ok)
		atomic_fetch_add(&refused_handshakes, 1);
	return preverify_ok;
}

/* Installs our chain, key and a store holding only the mesh CA. */
static CT_RESULT configure(SSL_CTX *ctx, const struct mesh_identity *id)
{
	X509_STORE *store = X509_STORE_new();
	CT_ENSURE(store, CT_ERR_NOMEM, "out of memory");
	if (X509_STORE_add_cert(store, id->mesh_ca) != 1) {
		X509_STORE_free(store);
		return CT_FAIL_OSSL(CT_ERR_CRYPTO, "mesh CA: cannot add to store");
	}
	SSL_CTX_set_cert_store(ctx, store); /* takes ownership */
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    (id->leaf != NULL &&
	     SSL_CTX_use_cert_and_key(ctx, id->leaf, id->key, id->chain, 1) != 1))
		return CT_FAIL_OSSL(CT_ERR_CRYPTO, "cannot install the mesh certificate");
	return CT_OK;
}

ct_result mesh_server_ctx(const struct mesh_identity *id, SSL_CTX **out)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	CT_ENSURE(ctx, CT_ERR_NOMEM, "out of memory");
	ct_result res = configure(ctx, id);
	if (!ct_ok(res)) {
		SSL_CTX_free(ctx);
		return res;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE,
			   count_refusals);
	*out = ctx;
	return CT_OK;
}

static ct_result hook_setup(void *arg, SSL_CTX *ctx)
{
	const struct mesh_identity *id = arg;
	CT_GUARD(configure(ctx, id));
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return CT_OK;
}

static ct_result hook_check(void *arg)
{
	(void)arg;
	return CT_OK; /* OpenSSL already refused an unverified server */
}

void mesh_client_hook(const struct mesh_identity *id,
		      struct ct_http_tls_hook *hook)
{
	hook->setup = hook_setup;
	hook->check = hook_check;
	hook->arg = (void *)id;
}

bool mesh_peer_name(SSL *ssl, char *out, size_t out_len)
{
	X509 *peer = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
	if (!peer || SSL_get_verify_result(ssl) != X509_V_OK)
		return false;
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName,
				      out, (int)out_len) < 0)
		snprintf(out, out_len, "(no CN)");
	return true;
}

unsigned long mesh_refused_handshakes(void)
{
	return atomic_load(&refused_handshakes);
}
