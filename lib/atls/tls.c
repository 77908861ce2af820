/*
 * tls.c - aTLS wired into OpenSSL's handshake callbacks.
 *
 * Server order in TLS 1.3 (reference/atls-openssl.md): client_hello_cb
 * (mutual: put our nonce in the CA list, demand a certificate) -> ALPN
 * select (take the client's nonce) -> cert_cb (make the evidence
 * certificate for that nonce). Client: verify_cb judges the server's
 * certificate; cert_cb runs when the server asked for a certificate and
 * makes ours (evidence for the server's nonce, or a plain owner-key cert).
 *
 * State: the configuration lives in the SSL_CTX's ex_data (copied, freed
 * with the context), per-connection state (nonces, outcome) in the SSL's
 * ex_data, never in globals. Everything received is untrusted until
 * ct_atls_cert_check accepted it. Resumption is off on both sides, so
 * every connection attests afresh. TLS 1.3 only.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "atls/atls.h"

#define OID_MAX 64
#define NAME_MAX_LEN 64

struct atls_validator_copy {
	struct ct_atls_validator v;
	char oid[OID_MAX];
	char name[NAME_MAX_LEN];
};

struct atls_cfg {
	bool is_server;
	bool has_issuer;
	struct ct_atls_issuer issuer;
	char issuer_oid[OID_MAX];
	struct atls_validator_copy validators[CT_ATLS_VALIDATORS_MAX];
	struct ct_atls_validator flat[CT_ATLS_VALIDATORS_MAX];
	size_t n_validators;
	enum ct_atls_client_auth client_auth;
	EVP_PKEY *client_key;
	bool insecure_skip_server_check;
	struct ct_atls_outcome *outcome;
	/* Client contexts configured without ct_atls_client_ssl_new. */
	uint8_t ctx_nonce[CT_ATLS_NONCE_LEN];
	int ctx_nonce_used; /* atomic */
};

struct atls_conn {
	struct atls_cfg *cfg;
	uint8_t my_nonce[CT_ATLS_NONCE_LEN]; /* we sent it: the peer proves */
	bool have_my_nonce;
	uint8_t peer_nonce[CT_ATLS_NONCE_LEN]; /* the peer sent it: we prove */
	bool have_peer_nonce;
	bool checked;
	bool peer_ok;
	struct ct_atls_peer peer;
	char error[CT_ATLS_ERROR_MAX];
};

static int ctx_index = -1;
static int ssl_index = -1;
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void cfg_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
		     long argl, void *argp)
{
	struct atls_cfg *cfg = ptr;
	if (cfg == NULL)
		return;
	EVP_PKEY_free(cfg->client_key);
	free(cfg);
}

static void conn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
		      long argl, void *argp)
{
	struct atls_conn *c = ptr;
	if (c == NULL)
		return;
	ct_wipe(c, sizeof(*c));
	free(c);
}

static void make_indices(void)
{
	ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, cfg_free);
	ssl_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_free);
}

static CT_RESULT indices(void)
{
	pthread_once(&index_once, make_indices);
	CT_ENSURE(ctx_index >= 0 && ssl_index >= 0, CT_ERR_INTERNAL,
		  "atls: cannot allocate OpenSSL ex_data indices");
	return CT_OK;
}

static void conn_fail(struct atls_conn *c, const char *msg)
{
	if (c->error[0] == '\0')
		snprintf(c->error, sizeof(c->error), "%s", msg);
	if (c->cfg->outcome != NULL && c->cfg->outcome->error[0] == '\0')
		snprintf(c->cfg->outcome->error, sizeof(c->cfg->outcome->error),
			 "%s", msg);
	ct_log_debug("atls: handshake refused: %s", msg);
}

/* The connection state, created on first use. NULL only without memory. */
static struct atls_conn *conn_get(SSL *ssl)
{
	struct atls_conn *c = SSL_get_ex_data(ssl, ssl_index);
	if (c != NULL)
		return c;
	struct atls_cfg *cfg = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index);
	if (cfg == NULL)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->cfg = cfg;
	c->peer.validator_index = -1;
	if (SSL_set_ex_data(ssl, ssl_index, c) != 1) {
		free(c);
		return NULL;
	}
	return c;
}

/* ------------------------------------------------------------ verification */

static bool accepted_x509_error(int err)
{
	switch (err) {
	case X509_V_OK:
	/* Self-signed by design; the evidence check replaces the path. */
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	/* Freshness comes from the nonce, not from the validity window. */
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return true;
	default:
		return false;
	}
}

static CT_RESULT conn_check_peer(struct atls_conn *c, X509 *cert)
{
	const struct atls_cfg *cfg = c->cfg;
	if (cfg->is_server && cfg->client_auth != CT_ATLS_CLIENT_AUTH_ATTESTED)
		return ct_atls_cert_key_identity(cert, &c->peer);
	if (!cfg->is_server && cfg->insecure_skip_server_check) {
		if (!ct_ok(ct_atls_cert_key_identity(cert, &c->peer)))
			memset(&c->peer, 0, sizeof(c->peer));
		c->peer.kind = CT_ATLS_PEER_UNVERIFIED;
		return CT_OK;
	}
	CT_ENSURE(c->have_my_nonce, CT_ERR_INTERNAL,
		  "atls: no nonce of ours to check the peer against");
	return ct_atls_cert_check(cert, c->my_nonce, cfg->flat,
				  cfg->n_validators, &c->peer);
}

static int verify_cb(int preverify_ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store,
					      SSL_get_ex_data_X509_STORE_CTX_idx());
	struct atls_conn *c = ssl != NULL ? conn_get(ssl) : NULL;
	if (c == NULL) {
		X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
		return 0;
	}
	if (!c->cfg->is_server && !c->have_my_nonce) {
		/* A context-level nonce serves exactly one connection. */
		if (__atomic_exchange_n(&c->cfg->ctx_nonce_used, 1,
					__ATOMIC_SEQ_CST) == 0) {
			memcpy(c->my_nonce, c->cfg->ctx_nonce, CT_ATLS_NONCE_LEN);
			c->have_my_nonce = true;
		}
	}
	if (!c->checked) {
		c->checked = true;
		if (!c->cfg->is_server && !c->have_my_nonce &&
		    !c->cfg->insecure_skip_server_check) {
			conn_fail(c, "atls: client context nonce already used by "
				     "another connection (use ct_atls_client_ssl_new)");
		} else if (ct_ok(conn_check_peer(c, X509_STORE_CTX_get0_cert(store)))) {
			c->peer_ok = true;
			if (c->cfg->outcome != NULL) {
				c->cfg->outcome->peer = c->peer;
				c->cfg->outcome->peer_valid = true;
			}
		} else {
			conn_fail(c, ct_error_message());
		}
		ERR_clear_error();
	}
	if (!c->peer_ok) {
		X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
		return 0;
	}
	if (preverify_ok)
		return 1;
	int err = X509_STORE_CTX_get_error(store);
	if (accepted_x509_error(err)) {
		X509_STORE_CTX_set_error(store, X509_V_OK);
		return 1;
	}
	char msg[256];
	snprintf(msg, sizeof(msg), "atls: peer certificate refused: %s",
		 X509_verify_cert_error_string(err));
	conn_fail(c, msg);
	c->peer_ok = false;
	if (c->cfg->outcome != NULL)
		c->cfg->outcome->peer_valid = false;
	X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
	return 0;
}

/* ------------------------------------------------------------ server side */

static int client_hello_cb(SSL *ssl, int *alert, void *arg)
{
	struct atls_conn *c = conn_get(ssl);
	if (c == NULL) {
		*alert = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	if (c->cfg->client_auth == CT_ATLS_CLIENT_AUTH_ATTESTED) {
		/* Runs again after a HelloRetryRequest: a new nonce is fine. */
		X509_NAME *name = NULL;
		STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
		if (names == NULL || RAND_bytes(c->my_nonce, CT_ATLS_NONCE_LEN) != 1 ||
		    !ct_ok(ct_atls_ca_name_build(c->my_nonce, &name)) ||
		    sk_X509_NAME_push(names, name) <= 0) {
			X509_NAME_free(name);
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			conn_fail(c, "atls: cannot make the server nonce");
			*alert = SSL_AD_INTERNAL_ERROR;
			return SSL_CLIENT_HELLO_ERROR;
		}
		SSL_set0_CA_list(ssl, names);
		c->have_my_nonce = true;
		SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			       verify_cb);
	} else if (c->cfg->client_auth == CT_ATLS_CLIENT_AUTH_KEY_OPTIONAL) {
		SSL_set_verify(ssl, SSL_VERIFY_PEER, verify_cb);
	} else {
		SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

static int alpn_select_cb(SSL *ssl, const unsigned char **out,
			  unsigned char *outlen, const unsigned char *in,
			  unsigned int inlen, void *arg)
{
	static const unsigned char http11[] = "http/1.1";
	struct atls_conn *c = conn_get(ssl);
	bool http = false;
	if (c == NULL)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	if (!ct_ok(ct_atls_alpn_parse(ct_span_make(in, inlen), c->peer_nonce,
				      &http))) {
		conn_fail(c, ct_error_message());
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	}
	c->have_peer_nonce = true;
	if (http) {
		*out = http11;
		*outlen = (unsigned char)(sizeof(http11) - 1);
		return SSL_TLSEXT_ERR_OK;
	}
	/* Otherwise echo the nonce entry (it was validated above). */
	for (unsigned int i = 0; i < inlen; i += 1u + in[i]) {
		if (in[i] > sizeof(CT_ATLS_ALPN_PREFIX) - 1 && i + 1u + in[i] <= inlen &&
		    memcmp(in + i + 1, CT_ATLS_ALPN_PREFIX,
			   sizeof(CT_ATLS_ALPN_PREFIX) - 1) == 0) {
			*out = in + i + 1;
			*outlen = in[i];
			return SSL_TLSEXT_ERR_OK;
		}
	}
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

static int install_cert(SSL *ssl, struct atls_conn *c,
			const struct ct_atls_issuer *issuer, const uint8_t *nonce,
			EVP_PKEY *key)
{
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	if (!ct_ok(ct_atls_cert_make(issuer, nonce, key, &x, &k))) {
		conn_fail(c, ct_error_message());
		return 0;
	}
	int ok = SSL_use_cert_and_key(ssl, x, k, NULL, 1);
	X509_free(x);
	EVP_PKEY_free(k);
	if (ok != 1)
		conn_fail(c, "atls: OpenSSL refused the certificate");
	return ok == 1;
}

static int cert_cb(SSL *ssl, void *arg)
{
	struct atls_conn *c = conn_get(ssl);
	if (c == NULL)
		return 0;
	if (c->cfg->is_server) {
		if (!c->have_peer_nonce) {
			conn_fail(c, "atls: client sent no nonce (ALPN \""
				     CT_ATLS_ALPN_PREFIX "<hex>\" missing)");
			return 0;
		}
		return install_cert(ssl, c, &c->cfg->issuer, c->peer_nonce, NULL);
	}
	/* Client: the server asked for a certificate. */
	const STACK_OF(X509_NAME) *cas = SSL_get0_peer_CA_list(ssl);
	bool has_ca = cas != NULL && sk_X509_NAME_num(cas) > 0;
	if (c->cfg->has_issuer && has_ca) {
		if (!ct_ok(ct_atls_ca_name_parse(sk_X509_NAME_value(cas, 0),
						 c->peer_nonce))) {
			conn_fail(c, ct_error_message());
			return 0;
		}
		c->have_peer_nonce = true;
		return install_cert(ssl, c, &c->cfg->issuer, c->peer_nonce, NULL);
	}
	if (c->cfg->client_key != NULL)
		return install_cert(ssl, c, NULL, NULL, c->cfg->client_key);
	return 1; /* no certificate; the server decides */
}

/* ------------------------------------------------------------ configuration */

static CT_RESULT copy_str(char *dst, size_t cap, const char *src, const char *what)
{
	CT_ENSURE(src != NULL && strlen(src) < cap, CT_ERR_USAGE,
		  "atls: %s missing or longer than %zu", what, cap - 1);
	memcpy(dst, src, strlen(src) + 1);
	return CT_OK;
}

static CT_RESULT cfg_build(const struct ct_atls_config *in, bool server,
			   struct atls_cfg **out)
{
	ct_result res = CT_OK;
	struct atls_cfg *cfg = ct_calloc(1, sizeof(*cfg));
	CT_ENSURE(cfg != NULL, CT_ERR_NOMEM, "atls: out of memory");
	cfg->is_server = server;
	CT_TRY_ENSURE(in->n_validators <= CT_ATLS_VALIDATORS_MAX, CT_ERR_LIMIT,
		      "atls: %zu validators (limit %u)", in->n_validators,
		      CT_ATLS_VALIDATORS_MAX);
	CT_TRY_ENSURE(in->n_validators == 0 || in->validators != NULL,
		      CT_ERR_USAGE, "atls: validators missing");
	for (size_t i = 0; i < in->n_validators; i++) {
		struct atls_validator_copy *v = &cfg->validators[i];
		v->v = in->validators[i];
		CT_TRY_ENSURE(v->v.validate != NULL, CT_ERR_USAGE,
			      "atls: validator %zu has no function", i);
		CT_TRY(copy_str(v->oid, sizeof(v->oid), in->validators[i].oid,
				"validator OID"));
		CT_TRY(copy_str(v->name, sizeof(v->name),
				in->validators[i].name ? in->validators[i].name
						       : "validator",
				"validator name"));
		v->v.oid = v->oid;
		v->v.name = v->name;
		cfg->flat[i] = v->v;
	}
	cfg->n_validators = in->n_validators;
	if (in->issuer != NULL) {
		CT_TRY_ENSURE(in->issuer->get_evidence != NULL, CT_ERR_USAGE,
			      "atls: issuer has no function");
		cfg->issuer = *in->issuer;
		CT_TRY(copy_str(cfg->issuer_oid, sizeof(cfg->issuer_oid),
				in->issuer->oid, "issuer OID"));
		cfg->issuer.oid = cfg->issuer_oid;
		cfg->has_issuer = true;
	}
	cfg->client_auth = in->client_auth;
	cfg->insecure_skip_server_check = in->insecure_skip_server_check;
	cfg->outcome = in->outcome;
	if (in->client_key != NULL) {
		CT_TRY_ENSURE(EVP_PKEY_up_ref(in->client_key) == 1, CT_ERR_INTERNAL,
			      "atls: cannot reference the client key");
		cfg->client_key = in->client_key;
	}
	*out = cfg;
	return CT_OK;
out:
	cfg_free(NULL, cfg, NULL, 0, 0, NULL);
	return res;
}

static CT_RESULT ctx_common(SSL_CTX *ctx, struct atls_cfg *cfg)
{
	CT_ENSURE(SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) == 1,
		  CT_ERR_CRYPTO, "atls: cannot require TLS 1.3");
	/* Resumption would skip the evidence: every connection attests. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	CT_ENSURE(SSL_CTX_set_num_tickets(ctx, 0) == 1, CT_ERR_CRYPTO,
		  "atls: cannot disable session tickets");
	SSL_CTX_set_cert_cb(ctx, cert_cb, NULL);
	CT_ENSURE(SSL_CTX_set_ex_data(ctx, ctx_index, cfg) == 1, CT_ERR_NOMEM,
		  "atls: cannot attach the configuration");
	return CT_OK;
}

CT_RESULT ct_atls_server_ctx_configure(SSL_CTX *ctx,
				       const struct ct_atls_config *in)
{
	struct atls_cfg *cfg = NULL;
	CT_GUARD(indices());
	CT_ENSURE(SSL_CTX_get_ex_data(ctx, ctx_index) == NULL, CT_ERR_USAGE,
		  "atls: context already configured");
	CT_ENSURE(in->issuer != NULL, CT_ERR_USAGE,
		  "atls: a server needs an evidence issuer");
	CT_ENSURE(in->client_auth != CT_ATLS_CLIENT_AUTH_ATTESTED ||
			  in->n_validators > 0,
		  CT_ERR_USAGE, "atls: mutual mode needs at least one validator");
	CT_GUARD(cfg_build(in, true, &cfg));
	ct_result res = ctx_common(ctx, cfg);
	if (!ct_ok(res)) {
		if (SSL_CTX_get_ex_data(ctx, ctx_index) != cfg)
			cfg_free(NULL, cfg, NULL, 0, 0, NULL);
		return res;
	}
	SSL_CTX_set_client_hello_cb(ctx, client_hello_cb, NULL);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select_cb, NULL);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return CT_OK;
}

CT_RESULT ct_atls_client_ctx_configure(SSL_CTX *ctx,
				       const struct ct_atls_config *in)
{
	ct_result res = CT_OK;
	struct atls_cfg *cfg = NULL;
	struct ct_buf alpn;
	CT_GUARD(indices());
	CT_ENSURE(SSL_CTX_get_ex_data(ctx, ctx_index) == NULL, CT_ERR_USAGE,
		  "atls: context already configured");
	CT_ENSURE(in->n_validators > 0 || in->insecure_skip_server_check,
		  CT_ERR_USAGE,
		  "atls: a client needs validators for the server's evidence");
	CT_GUARD(cfg_build(in, false, &cfg));
	ct_buf_init(&alpn, CT_ATLS_ALPN_LIST_MAX);
	CT_TRY_ENSURE(RAND_bytes(cfg->ctx_nonce, CT_ATLS_NONCE_LEN) == 1,
		      CT_ERR_CRYPTO, "atls: no randomness for the nonce");
	CT_TRY(ct_atls_alpn_build(&alpn, cfg->ctx_nonce));
	CT_TRY(ctx_common(ctx, cfg));
	cfg = NULL; /* owned by the context now */
	/* Returns 0 on success, unlike most of OpenSSL. */
	CT_TRY_ENSURE(SSL_CTX_set_alpn_protos(ctx, alpn.data,
					      (unsigned int)alpn.len) == 0,
		      CT_ERR_CRYPTO, "atls: cannot set ALPN");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
out:
	if (cfg != NULL)
		cfg_free(NULL, cfg, NULL, 0, 0, NULL);
	ct_buf_dispose(&alpn);
	return res;
}

CT_RESULT ct_atls_client_ssl_new(SSL_CTX *ctx, SSL **out)
{
	ct_result res = CT_OK;
	struct ct_buf alpn;
	struct atls_conn *c;
	CT_GUARD(indices());
	SSL *ssl = SSL_new(ctx);
	CT_ENSURE(ssl != NULL, CT_ERR_NOMEM, "atls: SSL_new failed");
	ct_buf_init(&alpn, CT_ATLS_ALPN_LIST_MAX);
	c = conn_get(ssl);
	CT_TRY_ENSURE(c != NULL && !c->cfg->is_server, CT_ERR_USAGE,
		      "atls: not an aTLS client context");
	CT_TRY_ENSURE(RAND_bytes(c->my_nonce, CT_ATLS_NONCE_LEN) == 1,
		      CT_ERR_CRYPTO, "atls: no randomness for the nonce");
	c->have_my_nonce = true;
	CT_TRY(ct_atls_alpn_build(&alpn, c->my_nonce));
	CT_TRY_ENSURE(SSL_set_alpn_protos(ssl, alpn.data,
					  (unsigned int)alpn.len) == 0,
		      CT_ERR_CRYPTO, "atls: cannot set ALPN");
	*out = ssl;
	ssl = NULL;
out:
	SSL_free(ssl);
	ct_buf_dispose(&alpn);
	return res;
}

const struct ct_atls_peer *ct_atls_conn_peer(const SSL *ssl)
{
	if (ssl_index < 0)
		return NULL;
	const struct atls_conn *c = SSL_get_ex_data(ssl, ssl_index);
	if (c == NULL || !c->peer_ok)
		return NULL;
	return &c->peer;
}

const char *ct_atls_conn_error(const SSL *ssl)
{
	if (ssl_index < 0)
		return "";
	const struct atls_conn *c = SSL_get_ex_data(ssl, ssl_index);
	return c != NULL ? c->error : "";
}
