/*
 * ca_test.c - lib/ca: root CA from the seed (same seed => same key), the
 * intermediate and mesh CA certificates, leaf issuance (SAN split, EKU,
 * validity, extra extensions), chain verification with X509_verify_cert
 * and with the `openssl verify` CLI against both anchors, key export and
 * import, and the refusals (bad SANs, OIDs, key types).
 */
#include "ct_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca/ca.h"
#include "state/state.h"

static const uint8_t seed[CT_SEED_LEN] = { 42 };
static const uint8_t salt[CT_SEED_SALT_LEN] = { 24 };

struct fx {
	struct ct_seed_engine *e;
	struct ct_ca *ca;
	EVP_PKEY *leaf_key;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_ct_ok(ct_seed_engine_new(ct_span_make(seed, sizeof(seed)),
					ct_span_make(salt, sizeof(salt)), &f->e));
	assert_ct_ok(ct_ca_new(ct_seed_engine_root_ca_key(f->e), NULL, &f->ca));
	f->leaf_key = EVP_EC_gen("P-256");
	assert_non_null(f->leaf_key);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	ct_ca_free(f->ca);
	ct_seed_engine_free(f->e);
	EVP_PKEY_free(f->leaf_key);
	free(f);
	return 0;
}

static const char *const sans[] = { "web", "*", "203.0.113.34",
				    "spiffe://acme.com/web", "2001:db8::1" };
#define N_SANS (sizeof(sans) / sizeof(sans[0]))

/* X509_verify_cert of leaf with `anchor` trusted and `untrusted` chain. */
static int verify(X509 *leaf, X509 *anchor, X509 *untrusted, int purpose)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *chain = sk_X509_new_null();
	assert_true(st && ctx && chain);
	assert_int_equal(X509_STORE_add_cert(st, anchor), 1);
	if (untrusted != NULL)
		sk_X509_push(chain, untrusted);
	assert_int_equal(X509_STORE_CTX_init(ctx, st, leaf, chain), 1);
	if (purpose != 0)
		X509_STORE_CTX_set_purpose(ctx, purpose);
	int ok = X509_verify_cert(ctx);
	if (ok != 1)
		print_message("# verify: %s\n",
			      X509_verify_cert_error_string(
				      X509_STORE_CTX_get_error(ctx)));
	sk_X509_free(chain);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return ok;
}

static void cn_of(X509 *c, char *out, size_t n)
{
	assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(c),
					      NID_commonName, out, (int)n) > 0);
}

static void test_ca_certs(void **state)
{
	struct fx *f = *state;
	char cn[128];
	cn_of(ct_ca_root_cert(f->ca), cn, sizeof(cn));
	assert_string_equal(cn, CT_CA_ROOT_CN);
	cn_of(ct_ca_intermediate_cert(f->ca), cn, sizeof(cn));
	assert_string_equal(cn, CT_CA_MESH_CN);
	cn_of(ct_ca_mesh_cert(f->ca), cn, sizeof(cn));
	assert_string_equal(cn, CT_CA_MESH_CN);
	X509 *certs[] = { ct_ca_root_cert(f->ca), ct_ca_intermediate_cert(f->ca),
			  ct_ca_mesh_cert(f->ca) };
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(X509_check_ca(certs[i]), 1);
	/* Root and mesh CA are self-signed; the intermediate is the root's. */
	assert_int_equal(X509_verify(certs[0], ct_seed_engine_root_ca_key(f->e)), 1);
	assert_int_equal(X509_verify(certs[1], ct_seed_engine_root_ca_key(f->e)), 1);
	assert_int_equal(X509_verify(certs[2], ct_ca_mesh_key(f->ca)), 1);
	assert_int_equal(verify(certs[1], certs[0], NULL, 0), 1);

	/* Same seed => same root key, new serial; new mesh key each time. */
	struct ct_seed_engine *e2 = NULL;
	assert_ct_ok(ct_seed_engine_new(ct_span_make(seed, sizeof(seed)),
					ct_span_make(salt, sizeof(salt)), &e2));
	struct ct_ca *ca2 = NULL;
	assert_ct_ok(ct_ca_new(ct_seed_engine_root_ca_key(e2), NULL, &ca2));
	assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(ct_ca_root_cert(ca2)),
				     X509_get0_pubkey(certs[0])),
			 1);
	assert_int_not_equal(ASN1_INTEGER_cmp(
				     X509_get0_serialNumber(ct_ca_root_cert(ca2)),
				     X509_get0_serialNumber(certs[0])),
			     0);
	assert_int_not_equal(EVP_PKEY_eq(ct_ca_mesh_key(ca2),
					 ct_ca_mesh_key(f->ca)),
			     1);
	/* A re-minted root still anchors the old intermediate. */
	assert_int_equal(verify(certs[1], ct_ca_root_cert(ca2), NULL, 0), 1);
	ct_ca_free(ca2);
	ct_seed_engine_free(e2);

	struct ct_buf pem;
	ct_buf_init(&pem, 1 << 16);
	assert_ct_ok(ct_ca_root_pem(f->ca, &pem));
	assert_ct_ok(ct_ca_mesh_pem(f->ca, &pem));
	assert_non_null(strstr(ct_buf_cstr(&pem), "-----BEGIN CERTIFICATE-----"));
	ct_buf_dispose(&pem);
}

static void test_leaf(void **state)
{
	struct fx *f = *state;
	uint8_t claim_der[] = { 0x04, 0x03, 'a', 'b', 'c' };
	uint8_t id_der[] = { 0x04, 0x03, 'w', 'e', 'b' };
	struct ct_ca_extension ext[] = {
		{ "1.3.9901.2.1.22", ct_span_make(claim_der, sizeof(claim_der)), false },
		{ CT_CA_OID_SECRET_ID, ct_span_make(id_der, sizeof(id_der)), false },
	};
	X509 *leaf = NULL;
	assert_ct_ok(ct_ca_issue_leaf(f->ca, f->leaf_key, sans, N_SANS, ext, 2,
				      &leaf));
	char cn[128];
	cn_of(leaf, cn, sizeof(cn));
	assert_string_equal(cn, "web");
	assert_int_equal(X509_check_ca(leaf), 0);
	assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(leaf), f->leaf_key), 1);

	/* EKU client + server auth, KU digitalSignature. */
	uint32_t xku = X509_get_extended_key_usage(leaf);
	assert_true(xku & XKU_SSL_SERVER);
	assert_true(xku & XKU_SSL_CLIENT);
	assert_true(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE);

	/* Validity: one year plus the one-hour back-dating. */
	int days = 0, secs = 0;
	assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(leaf),
					X509_get0_notAfter(leaf)), 1);
	assert_int_equal((long long)days * 86400 + secs,
			 CT_CA_LEAF_VALIDITY_S + CT_CA_BACKDATE_S);

	/* SANs split into DNS / IP / URI. */
	GENERAL_NAMES *gns = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL,
					      NULL);
	assert_non_null(gns);
	assert_int_equal(sk_GENERAL_NAME_num(gns), N_SANS);
	int want_type[] = { GEN_DNS, GEN_DNS, GEN_IPADD, GEN_URI, GEN_IPADD };
	for (int i = 0; i < (int)N_SANS; i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gns, i);
		assert_int_equal(g->type, want_type[i]);
	}
	assert_int_equal(ASN1_STRING_length(sk_GENERAL_NAME_value(gns, 2)->d.ip), 4);
	assert_int_equal(ASN1_STRING_length(sk_GENERAL_NAME_value(gns, 4)->d.ip), 16);
	GENERAL_NAMES_free(gns);

	/* Extra extensions carried verbatim. */
	ASN1_OBJECT *obj = OBJ_txt2obj(CT_CA_OID_SECRET_ID, 1);
	int idx = X509_get_ext_by_OBJ(leaf, obj, -1);
	assert_true(idx >= 0);
	ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(leaf, idx));
	assert_int_equal(ASN1_STRING_length(v), sizeof(id_der));
	assert_memory_equal(ASN1_STRING_get0_data(v), id_der, sizeof(id_der));
	ASN1_OBJECT_free(obj);

	/* Verifies against the root (via the intermediate) and the mesh CA,
	 * also for TLS client and server purposes. */
	X509 *root = ct_ca_root_cert(f->ca), *inter = ct_ca_intermediate_cert(f->ca),
	     *mesh = ct_ca_mesh_cert(f->ca);
	assert_int_equal(verify(leaf, root, inter, 0), 1);
	assert_int_equal(verify(leaf, mesh, NULL, 0), 1);
	assert_int_equal(verify(leaf, root, inter, X509_PURPOSE_SSL_SERVER), 1);
	assert_int_equal(verify(leaf, mesh, NULL, X509_PURPOSE_SSL_CLIENT), 1);
	/* Root alone (no intermediate) is not enough. */
	assert_int_not_equal(verify(leaf, root, NULL, 0), 1);

	/* A leaf of another CA does not verify against ours. */
	EVP_PKEY *other_root = NULL;
	struct ct_ca *other = NULL;
	assert_ct_ok(ct_ca_key_generate(&other_root));
	assert_ct_ok(ct_ca_new(other_root, NULL, &other));
	X509 *foreign = NULL;
	assert_ct_ok(ct_ca_issue_leaf(other, f->leaf_key, sans, 1, NULL, 0,
				      &foreign));
	assert_int_not_equal(verify(foreign, mesh, NULL, 0), 1);
	assert_int_not_equal(verify(foreign, root, inter, 0), 1);
	assert_int_not_equal(verify(leaf, ct_ca_root_cert(other),
				    ct_ca_intermediate_cert(other), 0), 1);
	X509_free(foreign);
	ct_ca_free(other);
	EVP_PKEY_free(other_root);

	/* Random serials. */
	X509 *leaf2 = NULL;
	assert_ct_ok(ct_ca_issue_leaf(f->ca, f->leaf_key, NULL, 0, NULL, 0,
				      &leaf2));
	assert_int_not_equal(ASN1_INTEGER_cmp(X509_get0_serialNumber(leaf),
					      X509_get0_serialNumber(leaf2)),
			     0);
	cn_of(leaf2, cn, sizeof(cn));
	assert_string_equal(cn, "contrast-mesh");
	X509_free(leaf2);
	X509_free(leaf);
}

static void write_file(const char *path, struct ct_buf *b)
{
	assert_ct_ok(ct_file_write_atomic(path, ct_buf_span(b), 0600));
}

static int run_openssl_verify(const char *ca, const char *untrusted,
			      const char *leaf)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", 1);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		if (untrusted != NULL)
			execlp("openssl", "openssl", "verify", "-CAfile", ca,
			       "-untrusted", untrusted, leaf, (char *)NULL);
		else
			execlp("openssl", "openssl", "verify", "-CAfile", ca,
			       leaf, (char *)NULL);
		_exit(127);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_openssl_cli(void **state)
{
	struct fx *f = *state;
	char dir[] = "/tmp/ct-ca-test.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *root = ct_aprintf("%s/root.pem", dir), *inter = ct_aprintf("%s/inter.pem", dir),
	     *mesh = ct_aprintf("%s/mesh.pem", dir), *leaf = ct_aprintf("%s/leaf.pem", dir),
	     *other = ct_aprintf("%s/other.pem", dir);
	struct ct_buf b;
	ct_buf_init(&b, 1 << 16);
	assert_ct_ok(ct_ca_root_pem(f->ca, &b));
	write_file(root, &b);
	ct_buf_reset(&b);
	assert_ct_ok(ct_ca_intermediate_pem(f->ca, &b));
	write_file(inter, &b);
	ct_buf_reset(&b);
	assert_ct_ok(ct_ca_mesh_pem(f->ca, &b));
	write_file(mesh, &b);
	ct_buf_reset(&b);
	uint8_t claim_der[] = { 0x02, 0x01, 0x05 };
	struct ct_ca_extension ext[] = {
		{ "1.3.9901.2.1.1", ct_span_make(claim_der, sizeof(claim_der)), false },
	};
	assert_ct_ok(ct_ca_issue_leaf_pem(f->ca, f->leaf_key, sans, N_SANS, ext,
					  1, &b));
	write_file(leaf, &b); /* leaf then intermediate: openssl reads the first */
	ct_buf_reset(&b);
	EVP_PKEY *ok = NULL;
	struct ct_ca *ca2 = NULL;
	assert_ct_ok(ct_ca_key_generate(&ok));
	assert_ct_ok(ct_ca_new(ok, NULL, &ca2));
	assert_ct_ok(ct_ca_root_pem(ca2, &b));
	write_file(other, &b);

	assert_int_equal(run_openssl_verify(root, inter, leaf), 0);
	assert_int_equal(run_openssl_verify(mesh, NULL, leaf), 0);
	assert_int_not_equal(run_openssl_verify(root, NULL, leaf), 0);
	assert_int_not_equal(run_openssl_verify(other, inter, leaf), 0);

	ct_ca_free(ca2);
	EVP_PKEY_free(ok);
	ct_buf_dispose(&b);
	char *cmd = ct_aprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(root);
	free(inter);
	free(mesh);
	free(leaf);
	free(other);
}

static void test_key_export_import(void **state)
{
	struct fx *f = *state;
	struct ct_buf pem;
	ct_buf_init_secret(&pem, CT_CA_KEY_PEM_MAX);
	assert_ct_ok(ct_ca_mesh_key_pem(f->ca, &pem));
	assert_non_null(strstr(ct_buf_cstr(&pem), "BEGIN PRIVATE KEY"));
	EVP_PKEY *k = NULL;
	assert_ct_ok(ct_ca_key_from_pem(ct_buf_span(&pem), &k));
	assert_int_equal(EVP_PKEY_eq(k, ct_ca_mesh_key(f->ca)), 1);
	/* A peer with the same root and mesh key issues leaves that verify
	 * against this Coordinator's mesh CA. */
	struct ct_ca *peer = NULL;
	assert_ct_ok(ct_ca_new(ct_seed_engine_root_ca_key(f->e), k, &peer));
	X509 *leaf = NULL;
	assert_ct_ok(ct_ca_issue_leaf(peer, f->leaf_key, sans, 1, NULL, 0,
				      &leaf));
	assert_int_equal(verify(leaf, ct_ca_mesh_cert(f->ca), NULL, 0), 1);
	assert_int_equal(verify(leaf, ct_ca_root_cert(f->ca),
				ct_ca_intermediate_cert(f->ca), 0), 1);
	X509_free(leaf);
	ct_ca_free(peer);
	EVP_PKEY_free(k);
	k = NULL;

	assert_ct_err(ct_ca_key_from_pem(ct_span_str("not a key"), &k),
		      CT_ERR_PROTO);
	EVP_PKEY *p256 = EVP_EC_gen("P-256");
	struct ct_buf p;
	ct_buf_init_secret(&p, 4096);
	BIO *bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(bio, p256, NULL, NULL, 0, NULL,
						  NULL), 1);
	char *d = NULL;
	long n = BIO_get_mem_data(bio, &d);
	assert_ct_ok(ct_buf_append(&p, d, (size_t)n));
	BIO_free(bio);
	assert_ct_err(ct_ca_key_from_pem(ct_buf_span(&p), &k), CT_ERR_USAGE);
	assert_null(k);
	struct ct_buf big;
	ct_buf_init(&big, CT_CA_KEY_PEM_MAX + 16);
	while (big.len <= CT_CA_KEY_PEM_MAX)
		assert_ct_ok(ct_buf_append_str(&big, "AAAAAAAA"));
	assert_ct_err(ct_ca_key_from_pem(ct_buf_span(&big), &k), CT_ERR_LIMIT);
	ct_buf_dispose(&big);
	ct_buf_dispose(&p);
	ct_buf_dispose(&pem);
	EVP_PKEY_free(p256);
}

static void test_refusals(void **state)
{
	struct fx *f = *state;
	X509 *leaf = NULL;
	const char *bad_sans[][1] = { { "a b" }, { "" }, { "a\tb" },
				      { "1http://x" }, { "\xc3\xa9" } };
	for (size_t i = 0; i < sizeof(bad_sans) / sizeof(bad_sans[0]); i++) {
		ct_result r = ct_ca_issue_leaf(f->ca, f->leaf_key, bad_sans[i],
					       1, NULL, 0, &leaf);
		assert_int_equal(r.err, CT_ERR_USAGE);
		assert_null(leaf);
	}
	const char *many[CT_CA_MAX_SANS + 1];
	for (size_t i = 0; i <= CT_CA_MAX_SANS; i++)
		many[i] = "x";
	assert_ct_err(ct_ca_issue_leaf(f->ca, f->leaf_key, many,
				       CT_CA_MAX_SANS + 1, NULL, 0, &leaf),
		      CT_ERR_LIMIT);
	uint8_t der[] = { 0x05, 0x00 };
	struct ct_ca_extension bad_ext[][2] = {
		{ { "not.an.oid", ct_span_make(der, 2), false } },
		{ { "2.5.29.17", ct_span_make(der, 2), false } },
		{ { "1.3.9901.3.1", ct_span_make(der, 0), false } },
		{ { "1.3.9901.3.1", ct_span_make(der, 2), false },
		  { "1.3.9901.3.1", ct_span_make(der, 2), false } },
	};
	size_t n_ext[] = { 1, 1, 1, 2 };
	enum ct_err want[] = { CT_ERR_USAGE, CT_ERR_USAGE, CT_ERR_LIMIT,
			       CT_ERR_USAGE };
	for (size_t i = 0; i < 4; i++) {
		ct_result r = ct_ca_issue_leaf(f->ca, f->leaf_key, sans, 1,
					       bad_ext[i], n_ext[i], &leaf);
		if (r.err != want[i])
			fail_msg("extension case %zu: got %s (%s)", i,
				 ct_err_name(r.err), ct_error_message());
	}
	/* Root key must be a P-384 private key. */
	struct ct_ca *ca = NULL;
	EVP_PKEY *p256 = EVP_EC_gen("P-256");
	assert_ct_err(ct_ca_new(p256, NULL, &ca), CT_ERR_USAGE);
	assert_ct_err(ct_ca_new(ct_seed_engine_root_ca_key(f->e), p256, &ca),
		      CT_ERR_USAGE);
	/* A public-only P-384 key cannot sign. */
	unsigned char *pubder = NULL;
	int n = i2d_PUBKEY(ct_seed_engine_root_ca_key(f->e), &pubder);
	const unsigned char *pp = pubder;
	EVP_PKEY *pub = d2i_PUBKEY(NULL, &pp, n);
	assert_non_null(pub);
	assert_ct_err(ct_ca_new(pub, NULL, &ca), CT_ERR_USAGE);
	assert_null(ca);
	OPENSSL_free(pubder);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(p256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ca_certs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_openssl_cli, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_export_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
