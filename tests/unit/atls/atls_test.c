/*
 * atls_test.c - aTLS handshakes between a client and a server SSL joined
 * by an in-memory BIO pair (no sockets), with the fake platform: what is
 * accepted, and that every refusal names its check.
 */
#include "ct_test.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "atls/atls.h"
#include "fake_attest.h"

struct pair {
	SSL_CTX *sctx, *cctx;
	SSL *s, *c;
	int s_ret, c_ret;
};

static struct fake_platform server_platform, client_platform, other_platform;

static void make_ctxs(struct pair *p, const struct ct_atls_config *scfg,
		      const struct ct_atls_config *ccfg)
{
	memset(p, 0, sizeof(*p));
	p->sctx = SSL_CTX_new(TLS_server_method());
	p->cctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(p->sctx);
	assert_non_null(p->cctx);
	if (scfg != NULL)
		assert_ct_ok(ct_atls_server_ctx_configure(p->sctx, scfg));
	if (ccfg != NULL)
		assert_ct_ok(ct_atls_client_ctx_configure(p->cctx, ccfg));
}

/* Runs both handshakes to completion or failure, then one exchange. */
static void run(struct pair *p, SSL *client)
{
	BIO *cb = NULL, *sb = NULL;
	p->c = client != NULL ? client : SSL_new(p->cctx);
	p->s = SSL_new(p->sctx);
	assert_int_equal(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
	SSL_set_bio(p->c, cb, cb);
	SSL_set_bio(p->s, sb, sb);
	SSL_set_connect_state(p->c);
	SSL_set_accept_state(p->s);
	p->c_ret = p->s_ret = 0;
	for (int i = 0; i < 50; i++) {
		if (p->c_ret != 1 && p->c_ret >= 0) {
			int r = SSL_do_handshake(p->c);
			if (r == 1 || SSL_get_error(p->c, r) != SSL_ERROR_WANT_READ)
				p->c_ret = r == 1 ? 1 : -1;
		}
		if (p->s_ret != 1 && p->s_ret >= 0) {
			int r = SSL_do_handshake(p->s);
			if (r == 1 || SSL_get_error(p->s, r) != SSL_ERROR_WANT_READ)
				p->s_ret = r == 1 ? 1 : -1;
		}
		if ((p->c_ret != 0) && (p->s_ret != 0))
			break;
	}
	ERR_clear_error();
}

static void done(struct pair *p)
{
	SSL_free(p->c);
	SSL_free(p->s);
	SSL_CTX_free(p->cctx);
	SSL_CTX_free(p->sctx);
}

static int setup(void **state)
{
	fake_platform_init(&server_platform, 0x11, "server-claims");
	fake_platform_init(&client_platform, 0x22, "client-claims");
	fake_platform_init(&other_platform, 0x33, "other");
	return 0;
}

static void server_only_handshake_verifies_evidence(void **state)
{
	struct ct_atls_issuer iss = fake_issuer(&server_platform);
	struct ct_atls_validator vals[2] = {
		fake_validator(&other_platform, "test[0]"),
		fake_validator(&server_platform, "test[1]"),
	};
	struct ct_atls_outcome outcome = { 0 };
	struct ct_atls_config scfg = { .issuer = &iss };
	struct ct_atls_config ccfg = { .validators = vals, .n_validators = 2,
				       .outcome = &outcome };
	struct pair p;
	make_ctxs(&p, &scfg, &ccfg);
	run(&p, NULL);
	assert_int_equal(p.c_ret, 1);
	assert_int_equal(p.s_ret, 1);
	const struct ct_atls_peer *peer = ct_atls_conn_peer(p.c);
	assert_non_null(peer);
	assert_int_equal(peer->kind, CT_ATLS_PEER_ATTESTED);
	assert_int_equal(peer->validator_index, 1); /* the second matched */
	assert_int_equal(peer->claims_len, strlen("server-claims"));
	assert_memory_equal(peer->claims, "server-claims", peer->claims_len);
	assert_true(outcome.peer_valid);
	assert_string_equal(outcome.error, "");
	/* The server selected http/1.1 and saw no client certificate. */
	const unsigned char *alpn;
	unsigned int alpn_len;
	SSL_get0_alpn_selected(p.c, &alpn, &alpn_len);
	assert_int_equal(alpn_len, 8);
	assert_memory_equal(alpn, "http/1.1", 8);
	assert_null(ct_atls_conn_peer(p.s));
	done(&p);
}

static void foreign_platform_refused_with_reasons(void **state)
{
	struct ct_atls_issuer iss = fake_issuer(&server_platform);
	struct ct_atls_validator vals[1] = { fake_validator(&other_platform, "snp[0]") };
	struct ct_atls_outcome outcome = { 0 };
	struct ct_atls_config scfg = { .issuer = &iss };
	struct ct_atls_config ccfg = { .validators = vals, .n_validators = 1,
				       .outcome = &outcome };
	struct pair p;
	make_ctxs(&p, &scfg, &ccfg);
	run(&p, NULL);
	assert_int_equal(p.c_ret, -1);
	assert_null(ct_atls_conn_peer(p.c));
	assert_non_null(strstr(ct_atls_conn_error(p.c),
			       "no validator accepted the peer's evidence: snp[0]: "
			       "fake: signature does not verify"));
	assert_non_null(strstr(outcome.error, "snp[0]: fake: signature"));
	assert_false(outcome.peer_valid);
	done(&p);
}

static void wrong_report_data_refused(void **state)
{
	struct fake_platform bad = server_platform;
	bad.corrupt_report_data = true;
	struct ct_atls_issuer iss = fake_issuer(&bad);
	struct ct_atls_validator vals[1] = { fake_validator(&server_platform, "t") };
	struct ct_atls_config scfg = { .issuer = &iss };
	struct ct_atls_config ccfg = { .validators = vals, .n_validators = 1 };
	struct pair p;
	make_ctxs(&p, &scfg, &ccfg);
	run(&p, NULL);
	assert_int_equal(p.c_ret, -1);
	assert_non_null(strstr(ct_atls_conn_error(p.c), "REPORT_DATA mismatch"));
	done(&p);
}

/* A server that replays a certificate made for an old nonce. */
static X509 *replay_cert;
static EVP_PKEY *replay_key;

static int replay_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned int inlen, void *arg)
{
	*out = (const unsigned char *)"http/1.1";
	*outlen = 8;
	return SSL_TLSEXT_ERR_OK;
}

static void replayed_old_nonce_refused(void **state)
{
	uint8_t old_nonce[CT_ATLS_NONCE_LEN];
	memset(old_nonce, 7, sizeof(old_nonce));
	struct ct_atls_issuer iss = fake_issuer(&server_platform);
	assert_ct_ok(ct_atls_cert_make(&iss, old_nonce, NULL, &replay_cert,
				       &replay_key));
	struct ct_atls_validator vals[1] = { fake_validator(&server_platform, "t") };
	struct ct_atls_config ccfg = { .validators = vals, .n_validators = 1 };
	struct pair p;
	make_ctxs(&p, NULL, &ccfg);
	SSL_CTX_use_cert_and_key(p.sctx, replay_cert, replay_key, NULL, 1);
	SSL_CTX_set_alpn_select_cb(p.sctx, replay_alpn, NULL);
	run(&p, NULL);
	assert_int_equal(p.c_ret, -1);
	assert_non_null(strstr(ct_atls_conn_error(p.c), "REPORT_DATA mismatch"));
	done(&p);
	X509_free(replay_cert);
	EVP_PKEY_free(replay_key);
}

/*
 * The mutual direction: a client (a pod) that replays a certificate whose
 * evidence was made for an earlier server nonce is refused by the server.
 */
static void client_replaying_old_nonce_refused(void **state)
{
	uint8_t old_nonce[CT_ATLS_NONCE_LEN], nonce[CT_ATLS_NONCE_LEN];
	memset(old_nonce, 9, sizeof(old_nonce));
	memset(nonce, 3, sizeof(nonce));
	struct ct_atls_issuer siss = fake_issuer(&server_platform);
	struct ct_atls_issuer ciss = fake_issuer(&client_platform);
	struct ct_atls_validator sval[1] = { fake_validator(&client_platform, "c") };
	struct ct_atls_config scfg = { .issuer = &siss, .validators = sval,
				       .n_validators = 1,
				       .client_auth = CT_ATLS_CLIENT_AUTH_ATTESTED };
	struct pair p;
	struct ct_buf alpn;
	make_ctxs(&p, &scfg, NULL);
	/* A plain OpenSSL client: sends a nonce, then the stale certificate. */
	assert_ct_ok(ct_atls_cert_make(&ciss, old_nonce, NULL, &replay_cert,
				       &replay_key));
	assert_int_equal(SSL_CTX_use_cert_and_key(p.cctx, replay_cert, replay_key,
						  NULL, 1), 1);
	ct_buf_init(&alpn, 1024);
	assert_ct_ok(ct_atls_alpn_build(&alpn, nonce));
	assert_int_equal(SSL_CTX_set_alpn_protos(p.cctx, alpn.data,
						 (unsigned int)alpn.len), 0);
	ct_buf_dispose(&alpn);
	run(&p, NULL);
	assert_int_equal(p.s_ret, -1);
	assert_null(ct_atls_conn_peer(p.s));
	assert_non_null(strstr(ct_atls_conn_error(p.s), "REPORT_DATA mismatch"));
	done(&p);
	X509_free(replay_cert);
	EVP_PKEY_free(replay_key);
}

static void plain_certificate_without_evidence_refused(void **state)
{
	struct ct_atls_validator vals[1] = { fake_validator(&server_platform, "t") };
	struct ct_atls_config ccfg = { .validators = vals, .n_validators = 1 };
	struct pair p;
	make_ctxs(&p, NULL, &ccfg);
	assert_ct_ok(ct_atls_cert_make(NULL, NULL, NULL, &replay_cert, &replay_key));
	SSL_CTX_use_cert_and_key(p.sctx, replay_cert, replay_key, NULL, 1);
	run(&p, NULL);
	assert_int_equal(p.c_ret, -1);
	assert_non_null(strstr(ct_atls_conn_error(p.c),
			       "carries no evidence for " CT_ATLS_OID_TEST));
	done(&p);
	X509_free(replay_cert);
	EVP_PKEY_free(replay_key);
}

static void mutual_mode_both_attest(void **state)
{
	struct ct_atls_issuer siss = fake_issuer(&server_platform);
	struct ct_atls_issuer ciss = fake_issuer(&client_platform);
	struct ct_atls_validator sval[1] = { fake_validator(&client_platform, "c") };
	struct ct_atls_validator cval[1] = { fake_validator(&server_platform, "s") };
	struct ct_atls_config scfg = { .issuer = &siss, .validators = sval,
				       .n_validators = 1,
				       .client_auth = CT_ATLS_CLIENT_AUTH_ATTESTED };
	struct ct_atls_config ccfg = { .issuer = &ciss, .validators = cval,
				       .n_validators = 1 };
	struct pair p;
	make_ctxs(&p, &scfg, &ccfg);
	SSL *c = NULL;
	assert_ct_ok(ct_atls_client_ssl_new(p.cctx, &c));
	run(&p, c);
	assert_int_equal(p.c_ret, 1);
	assert_int_equal(p.s_ret, 1);
	const struct ct_atls_peer *sp = ct_atls_conn_peer(p.s);
	assert_non_null(sp);
	assert_int_equal(sp->kind, CT_ATLS_PEER_ATTESTED);
	assert_memory_equal(sp->claims, "client-claims", sp->claims_len);
	assert_non_null(ct_atls_conn_peer(p.c));
	done(&p);
}

/* After a HelloRetryRequest every server callback runs again. */
static void mutual_mode_survives_hello_retry(void **state)
{
	struct ct_atls_issuer siss = fake_issuer(&server_platform);
	struct ct_atls_issuer ciss = fake_issuer(&client_platform);
	struct ct_atls_validator sval[1] = { fake_validator(&client_platform, "c") };
	struct ct_atls_validator cval[1] = { fake_validator(&server_platform, "s") };
	struct ct_atls_config scfg = { .issuer = &siss, .validators = sval,
				       .n_validators = 1,
				       .client_auth = CT_ATLS_CLIENT_AUTH_ATTESTED };
	struct ct_atls_config ccfg = { .issuer = &ciss, .validators = cval,
				       .n_validators = 1 };
	struct pair p;
	make_ctxs(&p, &scfg, &ccfg);
	/* The client's first key share (X25519) is not acceptable: HRR. */
	assert_int_equal(SSL_CTX_set1_groups_list(p.sctx, "P-384"), 1);
	assert_int_equal(SSL_CTX_set1_groups_list(p.cctx, "X25519:P-384"), 1);
	run(&p, NULL);
	assert_int_equal(p.c_ret, 1);
	assert_int_equal(p.s_ret, 1);
	assert_int_equal(SSL_get_negotiated_group(p.s), NID_secp384r1);
	assert_non_null(ct_atls_conn_peer(p.s));
	assert_non_null(ct_atls_conn_peer(p.c));
	done(&p);
}

static void mutual_mode_refuses_unattested_client(void **state)
{
	struct ct_atls_issuer siss = fake_issuer(&server_platform);
	struct ct_atls_issuer ciss = fake_issuer(&other_platform);
	struct ct_atls_validator sval[1] = { fake_validator(&client_platform, "snp[0]") };
	struct ct_atls_validator cval[1] = { fake_validator(&server_platform, "s") };
	struct ct_atls_config scfg = { .issuer = &siss, .validators = sval,
				       .n_validators = 1,
				       .client_auth = CT_ATLS_CLIENT_AUTH_ATTESTED };
	struct ct_atls_config ccfg = { .issuer = &ciss, .validators = cval,
				       .n_validators = 1 };
	struct pair p;
	make_ctxs(&p, &scfg, &ccfg);
	run(&p, NULL);
	/* TLS 1.3: the client finishes first; the server refuses after. */
	assert_int_equal(p.s_ret, -1);
	assert_null(ct_atls_conn_peer(p.s));
	assert_non_null(strstr(ct_atls_conn_error(p.s),
			       "snp[0]: fake: signature does not verify"));
	done(&p);

	/* A client without any certificate is refused too. */
	struct ct_atls_config nocert = { .validators = cval, .n_validators = 1 };
	make_ctxs(&p, &scfg, &nocert);
	run(&p, NULL);
	assert_int_equal(p.s_ret, -1);
	assert_null(ct_atls_conn_peer(p.s));
	done(&p);
}

static void key_client_certificate_identifies_owner(void **state)
{
	struct ct_atls_issuer siss = fake_issuer(&server_platform);
	struct ct_atls_validator cval[1] = { fake_validator(&server_platform, "s") };
	EVP_PKEY *owner = EVP_EC_gen("P-384");
	assert_non_null(owner);
	struct ct_atls_config scfg = { .issuer = &siss,
				       .client_auth = CT_ATLS_CLIENT_AUTH_KEY_OPTIONAL };
	struct ct_atls_config ccfg = { .validators = cval, .n_validators = 1,
				       .client_key = owner };
	struct pair p;
	make_ctxs(&p, &scfg, &ccfg);
	run(&p, NULL);
	assert_int_equal(p.c_ret, 1);
	assert_int_equal(p.s_ret, 1);
	const struct ct_atls_peer *sp = ct_atls_conn_peer(p.s);
	assert_non_null(sp);
	assert_int_equal(sp->kind, CT_ATLS_PEER_KEY);
	/* The digest is SHA-256 of the owner's PKIX DER. */
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(owner, &der);
	uint8_t want[32];
	assert_int_equal(EVP_Digest(der, (size_t)n, want, NULL, EVP_sha256(), NULL), 1);
	OPENSSL_free(der);
	assert_memory_equal(sp->key_sha256, want, 32);
	assert_memory_equal(sp->spki_sha256, want, 32);
	done(&p);

	/* Without a key the connection still works, with no peer. */
	struct ct_atls_config anon = { .validators = cval, .n_validators = 1 };
	make_ctxs(&p, &scfg, &anon);
	run(&p, NULL);
	assert_int_equal(p.s_ret, 1);
	assert_null(ct_atls_conn_peer(p.s));
	done(&p);
	EVP_PKEY_free(owner);
}

/* Seedshare owners use RSA keys: digest over PKCS#1, as Contrast does. */
static void rsa_owner_key_digest_is_pkcs1(void **state)
{
	struct ct_atls_issuer siss = fake_issuer(&server_platform);
	struct ct_atls_validator cval[1] = { fake_validator(&server_platform, "s") };
	EVP_PKEY *owner = EVP_RSA_gen(2048);
	assert_non_null(owner);
	struct ct_atls_config scfg = { .issuer = &siss,
				       .client_auth = CT_ATLS_CLIENT_AUTH_KEY_OPTIONAL };
	struct ct_atls_config ccfg = { .validators = cval, .n_validators = 1,
				       .client_key = owner };
	struct pair p;
	make_ctxs(&p, &scfg, &ccfg);
	run(&p, NULL);
	assert_int_equal(p.s_ret, 1);
	const struct ct_atls_peer *sp = ct_atls_conn_peer(p.s);
	assert_non_null(sp);
	assert_int_equal(sp->kind, CT_ATLS_PEER_KEY);
	unsigned char *der = NULL;
	int n = i2d_PublicKey(owner, &der);
	uint8_t want[32];
	assert_int_equal(EVP_Digest(der, (size_t)n, want, NULL, EVP_sha256(), NULL), 1);
	OPENSSL_free(der);
	assert_memory_equal(sp->key_sha256, want, 32);
	assert_memory_not_equal(sp->spki_sha256, want, 32);
	done(&p);
	EVP_PKEY_free(owner);
}

static void tls12_refused(void **state)
{
	struct ct_atls_issuer siss = fake_issuer(&server_platform);
	struct ct_atls_config scfg = { .issuer = &siss };
	struct pair p;
	make_ctxs(&p, &scfg, NULL);
	SSL_CTX_set_max_proto_version(p.cctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(p.cctx, SSL_VERIFY_NONE, NULL);
	run(&p, NULL);
	assert_int_equal(p.s_ret, -1);
	assert_int_equal(p.c_ret, -1);
	done(&p);
}

static void client_without_nonce_refused(void **state)
{
	struct ct_atls_issuer siss = fake_issuer(&server_platform);
	struct ct_atls_config scfg = { .issuer = &siss };
	struct pair p;
	make_ctxs(&p, &scfg, NULL);
	SSL_CTX_set_verify(p.cctx, SSL_VERIFY_NONE, NULL);
	run(&p, NULL);
	assert_int_equal(p.s_ret, -1);
	assert_non_null(strstr(ct_atls_conn_error(p.s), "client sent no nonce"));
	done(&p);
}

static void context_nonce_serves_one_connection(void **state)
{
	struct ct_atls_issuer iss = fake_issuer(&server_platform);
	struct ct_atls_validator vals[1] = { fake_validator(&server_platform, "t") };
	struct ct_atls_config scfg = { .issuer = &iss };
	struct ct_atls_config ccfg = { .validators = vals, .n_validators = 1 };
	struct pair p;
	make_ctxs(&p, &scfg, &ccfg);
	run(&p, NULL);
	assert_int_equal(p.c_ret, 1);
	SSL_free(p.c);
	SSL_free(p.s);
	run(&p, NULL);
	assert_int_equal(p.c_ret, -1);
	assert_non_null(strstr(ct_atls_conn_error(p.c), "nonce already used"));
	done(&p);
}

static void alpn_parser_is_strict(void **state)
{
	uint8_t nonce[CT_ATLS_NONCE_LEN], got[CT_ATLS_NONCE_LEN];
	bool http = false;
	struct ct_buf b;
	memset(nonce, 0xab, sizeof(nonce));
	ct_buf_init(&b, 1024);
	assert_ct_ok(ct_atls_alpn_build(&b, nonce));
	assert_ct_ok(ct_atls_alpn_parse(ct_buf_span(&b), got, &http));
	assert_memory_equal(got, nonce, sizeof(nonce));
	assert_true(http);

	/* Two nonces are ambiguous. */
	assert_ct_ok(ct_atls_alpn_build(&b, nonce));
	assert_ct_err(ct_atls_alpn_parse(ct_buf_span(&b), got, &http), CT_ERR_PROTO);
	assert_error_contains("more than one nonce");
	/* Truncated list. */
	ct_buf_reset(&b);
	assert_ct_ok(ct_atls_alpn_build(&b, nonce));
	assert_ct_err(ct_atls_alpn_parse(ct_span_make(b.data, 20), got, &http),
		      CT_ERR_PROTO);
	assert_error_contains("overruns");
	/* Uppercase hex is not canonical. */
	b.data[1 + 14] = 'A';
	assert_ct_err(ct_atls_alpn_parse(ct_buf_span(&b), got, &http), CT_ERR_PROTO);
	assert_error_contains("lowercase hex");
	/* Only other protocols. */
	static const uint8_t h2[] = { 2, 'h', '2' };
	assert_ct_err(ct_atls_alpn_parse(ct_span_make(h2, sizeof(h2)), got, &http),
		      CT_ERR_PROTO);
	assert_error_contains("no \"atls:v1:nonce:<hex>\" nonce");
	ct_buf_dispose(&b);
}

static void ca_name_round_trip_and_rejects(void **state)
{
	uint8_t nonce[CT_ATLS_NONCE_LEN], got[CT_ATLS_NONCE_LEN];
	X509_NAME *name = NULL;
	assert_int_equal(RAND_bytes(nonce, sizeof(nonce)), 1);
	assert_ct_ok(ct_atls_ca_name_build(nonce, &name));
	assert_ct_ok(ct_atls_ca_name_parse(name, got));
	assert_memory_equal(got, nonce, sizeof(nonce));
	X509_NAME_free(name);

	name = X509_NAME_new();
	X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_ASC,
				   (const unsigned char *)"AAAA", -1, -1, 0);
	assert_ct_err(ct_atls_ca_name_parse(name, got), CT_ERR_PROTO);
	assert_error_contains("nonce in CA name is 3 bytes");
	X509_NAME_free(name);
	name = X509_NAME_new();
	X509_NAME_add_entry_by_NID(name, NID_organizationName, MBSTRING_ASC,
				   (const unsigned char *)"AAAA", -1, -1, 0);
	assert_ct_err(ct_atls_ca_name_parse(name, got), CT_ERR_PROTO);
	assert_error_contains("not a CN");
	X509_NAME_free(name);
}

static void add_test_ext(X509 *x, size_t len)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(CT_ATLS_OID_TEST, 1);
	ASN1_OCTET_STRING *oct = ASN1_OCTET_STRING_new();
	uint8_t *buf = calloc(1, len);
	assert_non_null(buf);
	assert_int_equal(ASN1_OCTET_STRING_set(oct, buf, (int)len), 1);
	X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, oct);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(oct);
	ASN1_OBJECT_free(obj);
	free(buf);
}

static void cert_check_refusals(void **state)
{
	uint8_t nonce[CT_ATLS_NONCE_LEN] = { 0 };
	struct ct_atls_issuer iss = fake_issuer(&server_platform);
	struct ct_atls_validator v = fake_validator(&server_platform, "t");
	struct ct_atls_peer *peer = calloc(1, sizeof(*peer));
	X509 *x;
	EVP_PKEY *k;
	assert_non_null(peer);

	/* The genuine certificate passes. */
	assert_ct_ok(ct_atls_cert_make(&iss, nonce, NULL, &x, &k));
	assert_ct_ok(ct_atls_cert_check(x, nonce, &v, 1, peer));
	assert_int_equal(peer->kind, CT_ATLS_PEER_ATTESTED);
	/* Another nonce: the binding fails. */
	nonce[0] = 1;
	assert_ct_err(ct_atls_cert_check(x, nonce, &v, 1, peer), CT_ERR_POLICY);
	assert_error_contains("t: fake: REPORT_DATA mismatch");
	assert_int_equal(peer->kind, CT_ATLS_PEER_NONE);
	nonce[0] = 0;

	/* Signed by another key than the one it carries. */
	EVP_PKEY *other = EVP_EC_gen("P-384");
	assert_true(X509_sign(x, other, EVP_sha384()) > 0);
	assert_ct_err(ct_atls_cert_check(x, nonce, &v, 1, peer), CT_ERR_CRYPTO);
	assert_error_contains("self-signature is invalid");
	assert_ct_err(ct_atls_cert_key_identity(x, peer), CT_ERR_CRYPTO);

	/* Two evidence extensions of one OID are ambiguous. */
	add_test_ext(x, 96);
	assert_true(X509_sign(x, k, EVP_sha384()) > 0);
	assert_ct_err(ct_atls_cert_check(x, nonce, &v, 1, peer), CT_ERR_PROTO);
	assert_error_contains("two evidence extensions");
	X509_free(x);
	EVP_PKEY_free(k);

	/* Oversized evidence is refused before any validator sees it. */
	assert_ct_ok(ct_atls_cert_make(NULL, NULL, NULL, &x, &k));
	add_test_ext(x, CT_ATLS_EVIDENCE_MAX + 1);
	assert_true(X509_sign(x, k, EVP_sha384()) > 0);
	assert_ct_err(ct_atls_cert_check(x, nonce, &v, 1, peer), CT_ERR_LIMIT);
	assert_error_contains("limit 65536");
	X509_free(x);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
	free(peer);
}

static void config_errors(void **state)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	struct ct_atls_config none = { 0 };
	assert_ct_err(ct_atls_server_ctx_configure(ctx, &none), CT_ERR_USAGE);
	assert_error_contains("needs an evidence issuer");
	struct ct_atls_issuer iss = fake_issuer(&server_platform);
	struct ct_atls_config mutual = { .issuer = &iss,
					 .client_auth = CT_ATLS_CLIENT_AUTH_ATTESTED };
	assert_ct_err(ct_atls_server_ctx_configure(ctx, &mutual), CT_ERR_USAGE);
	assert_error_contains("at least one validator");
	SSL_CTX_free(ctx);
	ctx = SSL_CTX_new(TLS_client_method());
	assert_ct_err(ct_atls_client_ctx_configure(ctx, &none), CT_ERR_USAGE);
	assert_error_contains("needs validators");
	SSL_CTX_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(server_only_handshake_verifies_evidence),
		cmocka_unit_test(foreign_platform_refused_with_reasons),
		cmocka_unit_test(wrong_report_data_refused),
		cmocka_unit_test(replayed_old_nonce_refused),
		cmocka_unit_test(client_replaying_old_nonce_refused),
		cmocka_unit_test(plain_certificate_without_evidence_refused),
		cmocka_unit_test(mutual_mode_both_attest),
		cmocka_unit_test(mutual_mode_survives_hello_retry),
		cmocka_unit_test(mutual_mode_refuses_unattested_client),
		cmocka_unit_test(key_client_certificate_identifies_owner),
		cmocka_unit_test(rsa_owner_key_digest_is_pkcs1),
		cmocka_unit_test(tls12_refused),
		cmocka_unit_test(client_without_nonce_refused),
		cmocka_unit_test(context_nonce_serves_one_connection),
		cmocka_unit_test(alpn_parser_is_strict),
		cmocka_unit_test(ca_name_round_trip_and_rejects),
		cmocka_unit_test(cert_check_refusals),
		cmocka_unit_test(config_errors),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
