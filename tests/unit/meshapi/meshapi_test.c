/*
 * meshapi_test.c - the mesh API wire format: round trips, and every
 * decoder refusing what it must (wrong key types, a CSR without proof of
 * possession, trailing bytes, unknown fields, wrong certificate counts,
 * non-certificate PEM blocks, wrong secret and seed sizes).
 */
#include <string.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ct_test.h"
#include "meshapi/meshapi.h"

static EVP_PKEY *ec_key(const char *curve)
{
	EVP_PKEY *k = EVP_EC_gen(curve);
	assert_non_null(k);
	return k;
}

/* A self-signed certificate for key, as PEM appended to out. */
static void cert_pem(EVP_PKEY *key, const char *cn, struct ct_buf *out)
{
	X509 *x = X509_new();
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, key);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	BIO *b = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_X509(b, x), 1);
	char *p;
	long len = BIO_get_mem_data(b, &p);
	assert_ct_ok(ct_buf_append(out, p, (size_t)len));
	BIO_free(b);
	X509_free(x);
}

/* {"csr": b64(der)} for arbitrary DER. */
static void csr_body(const uint8_t *der, size_t len, struct ct_buf *out)
{
	assert_ct_ok(ct_buf_append_str(out, "{\"csr\":\""));
	assert_ct_ok(ct_base64_encode(out, ct_span_make(der, len)));
	assert_ct_ok(ct_buf_append_str(out, "\"}"));
}

/* The DER CSR inside an encoded request body. */
static void csr_der_of(const struct ct_buf *body, struct ct_buf *der)
{
	json_t *o = json_loadb((const char *)body->data, body->len, 0, NULL);
	assert_non_null(o);
	const char *b64 = json_string_value(json_object_get(o, "csr"));
	assert_non_null(b64);
	assert_ct_ok(ct_base64_decode(der, b64, strlen(b64)));
	json_decref(o);
}

static void test_request_round_trip(void **state)
{
	(void)state;
	const char *curves[] = { "P-256", "P-384" };
	for (size_t i = 0; i < 2; i++) {
		EVP_PKEY *k = ec_key(curves[i]), *got = NULL;
		struct ct_buf body;
		ct_buf_init(&body, CT_MESHAPI_REQUEST_MAX);
		assert_ct_ok(ct_meshapi_cert_request_encode(k, &body));
		assert_ct_ok(ct_meshapi_cert_request_decode(ct_buf_span(&body), &got));
		assert_int_equal(EVP_PKEY_eq(k, got), 1);
		EVP_PKEY_free(got);
		EVP_PKEY_free(k);
		ct_buf_dispose(&body);
	}
}

static void test_request_refusals(void **state)
{
	(void)state;
	EVP_PKEY *k = ec_key("P-256"), *got = NULL;
	struct ct_buf body, der, bad;
	ct_buf_init(&body, CT_MESHAPI_REQUEST_MAX);
	ct_buf_init(&der, CT_MESHAPI_CSR_MAX + 16);
	assert_ct_ok(ct_meshapi_cert_request_encode(k, &body));
	csr_der_of(&body, &der);

	/* Signature byte flipped: no proof of possession. */
	ct_buf_init(&bad, CT_MESHAPI_REQUEST_MAX);
	der.data[der.len - 3] ^= 0x01;
	csr_body(der.data, der.len, &bad);
	ct_result r = ct_meshapi_cert_request_decode(ct_buf_span(&bad), &got);
	assert_false(ct_ok(r));
	assert_null(got);
	der.data[der.len - 3] ^= 0x01;
	ct_buf_dispose(&bad);

	/* Trailing byte after the DER. */
	ct_buf_init(&bad, CT_MESHAPI_REQUEST_MAX);
	assert_ct_ok(ct_buf_append_byte(&der, 0));
	csr_body(der.data, der.len, &bad);
	assert_ct_err(ct_meshapi_cert_request_decode(ct_buf_span(&bad), &got),
		      CT_ERR_PROTO);
	assert_error_contains("trailing");
	ct_buf_dispose(&bad);

	/* Not a CSR at all. */
	ct_buf_init(&bad, CT_MESHAPI_REQUEST_MAX);
	csr_body((const uint8_t *)"\x30\x03\x02\x01\x01", 5, &bad);
	assert_ct_err(ct_meshapi_cert_request_decode(ct_buf_span(&bad), &got),
		      CT_ERR_PROTO);
	ct_buf_dispose(&bad);

	/* Unknown field, missing field, bad base64, empty, not an object. */
	const char *bodies[] = {
		"{\"csr\":\"AAAA\",\"extra\":1}", "{}", "{\"csr\":\"***\"}", "",
		"[\"csr\"]", "{\"csr\":\"AAAA\",\"csr\":\"AAAA\"}", "{\"csr\":5}",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		r = ct_meshapi_cert_request_decode(ct_span_str(bodies[i]), &got);
		assert_false(ct_ok(r));
		assert_null(got);
	}

	/* Oversized body. */
	ct_buf_init(&bad, CT_MESHAPI_REQUEST_MAX * 2);
	for (size_t i = 0; i < CT_MESHAPI_REQUEST_MAX + 1; i++)
		assert_ct_ok(ct_buf_append_byte(&bad, ' '));
	assert_ct_err(ct_meshapi_cert_request_decode(ct_buf_span(&bad), &got),
		      CT_ERR_LIMIT);
	ct_buf_dispose(&bad);

	ct_buf_dispose(&der);
	ct_buf_dispose(&body);
	EVP_PKEY_free(k);
}

static void test_request_key_types(void **state)
{
	(void)state;
	/* The encoder refuses what the decoder would refuse. */
	EVP_PKEY *p521 = ec_key("P-521");
	EVP_PKEY *rsa = EVP_RSA_gen(2048);
	assert_non_null(rsa);
	struct ct_buf body;
	ct_buf_init(&body, CT_MESHAPI_REQUEST_MAX);
	assert_ct_err(ct_meshapi_cert_request_encode(p521, &body), CT_ERR_POLICY);
	assert_ct_err(ct_meshapi_cert_request_encode(rsa, &body), CT_ERR_POLICY);

	/* A valid RSA CSR made by hand is refused by the decoder. */
	X509_REQ *req = X509_REQ_new();
	X509_REQ_set_pubkey(req, rsa);
	assert_true(X509_REQ_sign(req, rsa, EVP_sha256()) > 0);
	unsigned char *der = NULL;
	int len = i2d_X509_REQ(req, &der);
	assert_true(len > 0);
	csr_body(der, (size_t)len, &body);
	EVP_PKEY *got = NULL;
	assert_ct_err(ct_meshapi_cert_request_decode(ct_buf_span(&body), &got),
		      CT_ERR_POLICY);
	assert_error_contains("want EC");
	OPENSSL_free(der);
	X509_REQ_free(req);
	ct_buf_dispose(&body);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(p521);
}

struct fixture {
	EVP_PKEY *k1, *k2, *k3;
	struct ct_buf one, two, three;
};

static void fixture_make(struct fixture *f)
{
	f->k1 = ec_key("P-256");
	f->k2 = ec_key("P-384");
	f->k3 = ec_key("P-384");
	ct_buf_init(&f->one, CT_MESHAPI_PEM_MAX);
	ct_buf_init(&f->two, CT_MESHAPI_PEM_MAX);
	ct_buf_init(&f->three, CT_MESHAPI_PEM_MAX);
	cert_pem(f->k1, "leaf", &f->one);
	cert_pem(f->k1, "leaf", &f->two);
	cert_pem(f->k2, "intermediate", &f->two);
	cert_pem(f->k1, "a", &f->three);
	cert_pem(f->k2, "b", &f->three);
	cert_pem(f->k3, "c", &f->three);
}

static void fixture_free(struct fixture *f)
{
	EVP_PKEY_free(f->k1);
	EVP_PKEY_free(f->k2);
	EVP_PKEY_free(f->k3);
	ct_buf_dispose(&f->one);
	ct_buf_dispose(&f->two);
	ct_buf_dispose(&f->three);
}

static void fill(struct ct_meshapi_cert_response *r, const struct ct_buf *mesh,
		 const struct ct_buf *chain, const struct ct_buf *root,
		 size_t secret_len)
{
	ct_meshapi_cert_response_init(r);
	assert_ct_ok(ct_buf_append_span(&r->mesh_ca, ct_buf_span(mesh)));
	assert_ct_ok(ct_buf_append_span(&r->cert_chain, ct_buf_span(chain)));
	assert_ct_ok(ct_buf_append_span(&r->root_ca, ct_buf_span(root)));
	if (secret_len > 0) {
		uint8_t s[CT_MESHAPI_SECRET_MAX];
		for (size_t i = 0; i < sizeof(s); i++)
			s[i] = (uint8_t)i;
		assert_ct_ok(ct_buf_append(&r->workload_secret, s, secret_len));
		r->has_workload_secret = true;
	}
}

static ct_result round_trip(const struct ct_meshapi_cert_response *in,
			    struct ct_meshapi_cert_response *out)
{
	struct ct_buf body;
	ct_buf_init_secret(&body, CT_MESHAPI_RESPONSE_MAX);
	assert_ct_ok(ct_meshapi_cert_response_encode(in, &body));
	ct_meshapi_cert_response_init(out);
	ct_result r = ct_meshapi_cert_response_decode(ct_buf_span(&body), out);
	ct_buf_dispose(&body);
	return r;
}

static void test_response_round_trip(void **state)
{
	(void)state;
	struct fixture f;
	fixture_make(&f);
	struct ct_meshapi_cert_response in, out;

	fill(&in, &f.one, &f.two, &f.one, 32);
	assert_ct_ok(round_trip(&in, &out));
	assert_true(ct_span_eq(ct_buf_span(&in.cert_chain), ct_buf_span(&out.cert_chain)));
	assert_true(ct_span_eq(ct_buf_span(&in.mesh_ca), ct_buf_span(&out.mesh_ca)));
	assert_true(ct_span_eq(ct_buf_span(&in.root_ca), ct_buf_span(&out.root_ca)));
	assert_true(out.has_workload_secret);
	assert_true(out.workload_secret.secret);
	assert_true(ct_span_eq(ct_buf_span(&in.workload_secret),
			       ct_buf_span(&out.workload_secret)));
	ct_meshapi_cert_response_dispose(&in);
	ct_meshapi_cert_response_dispose(&out);

	/* No WorkloadSecretID: no secret field. */
	fill(&in, &f.one, &f.three, &f.one, 0);
	assert_ct_ok(round_trip(&in, &out));
	assert_false(out.has_workload_secret);
	assert_int_equal(out.workload_secret.len, 0);
	ct_meshapi_cert_response_dispose(&in);
	ct_meshapi_cert_response_dispose(&out);
	fixture_free(&f);
}

static void test_response_refusals(void **state)
{
	(void)state;
	struct fixture f;
	fixture_make(&f);
	struct ct_meshapi_cert_response in, out;

	/* A chain of one: the intermediate is missing. */
	fill(&in, &f.one, &f.one, &f.one, 0);
	assert_ct_err(round_trip(&in, &out), CT_ERR_PROTO);
	assert_error_contains("cert_chain");
	ct_meshapi_cert_response_dispose(&in);
	ct_meshapi_cert_response_dispose(&out);

	/* Two certificates where one belongs. */
	fill(&in, &f.two, &f.two, &f.one, 0);
	assert_ct_err(round_trip(&in, &out), CT_ERR_LIMIT);
	assert_error_contains("mesh_ca");
	ct_meshapi_cert_response_dispose(&in);
	ct_meshapi_cert_response_dispose(&out);
	fill(&in, &f.one, &f.two, &f.three, 0);
	assert_ct_err(round_trip(&in, &out), CT_ERR_LIMIT);
	assert_error_contains("root_ca");
	ct_meshapi_cert_response_dispose(&in);
	ct_meshapi_cert_response_dispose(&out);

	/* A secret too short to be a workload secret. */
	fill(&in, &f.one, &f.two, &f.one, 16);
	assert_ct_err(round_trip(&in, &out), CT_ERR_PROTO);
	assert_error_contains("workload_secret");
	ct_meshapi_cert_response_dispose(&in);
	ct_meshapi_cert_response_dispose(&out);

	/* A private key where a certificate belongs. */
	struct ct_buf keypem;
	ct_buf_init(&keypem, CT_MESHAPI_PEM_MAX);
	BIO *b = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(b, f.k1, NULL, NULL, 0, NULL, NULL), 1);
	char *p;
	long len = BIO_get_mem_data(b, &p);
	assert_ct_ok(ct_buf_append(&keypem, p, (size_t)len));
	BIO_free(b);
	fill(&in, &keypem, &f.two, &f.one, 0);
	assert_ct_err(round_trip(&in, &out), CT_ERR_PROTO);
	assert_error_contains("not a CERTIFICATE");
	ct_meshapi_cert_response_dispose(&in);
	ct_meshapi_cert_response_dispose(&out);
	ct_buf_dispose(&keypem);

	/* Text that is not PEM at all, unknown fields, wrong types. */
	const char *bodies[] = {
		"{\"mesh_ca\":\"aGVsbG8=\",\"cert_chain\":\"aGVsbG8=\",\"root_ca\":\"aGVsbG8=\"}",
		"{\"mesh_ca\":\"\",\"cert_chain\":\"\",\"root_ca\":\"\",\"x\":1}",
		"{\"mesh_ca\":1,\"cert_chain\":\"\",\"root_ca\":\"\"}",
		"{}", "null", "{\"error\":\"denied\"}",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		ct_meshapi_cert_response_init(&out);
		assert_false(ct_ok(ct_meshapi_cert_response_decode(
			ct_span_str(bodies[i]), &out)));
		ct_meshapi_cert_response_dispose(&out);
	}
	fixture_free(&f);
}

static void test_recover_round_trip(void **state)
{
	(void)state;
	struct ct_meshapi_recover_response in, out;
	ct_meshapi_recover_response_init(&in);
	uint8_t seed[CT_MESHAPI_SEED_LEN], salt[CT_MESHAPI_SALT_LEN];
	memset(seed, 0xab, sizeof(seed));
	memset(salt, 0xcd, sizeof(salt));
	assert_ct_ok(ct_buf_append(&in.seed, seed, sizeof(seed)));
	assert_ct_ok(ct_buf_append(&in.salt, salt, sizeof(salt)));
	assert_ct_ok(ct_buf_append_str(&in.latest_manifest, "{\"Policies\":{}}"));
	EVP_PKEY *k = ec_key("P-384");
	BIO *b = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), 1);
	char *p;
	long len = BIO_get_mem_data(b, &p);
	assert_ct_ok(ct_buf_append(&in.mesh_ca_key, p, (size_t)len));
	BIO_free(b);

	struct ct_buf body;
	ct_buf_init_secret(&body, CT_MESHAPI_RESPONSE_MAX);
	assert_ct_ok(ct_meshapi_recover_response_encode(&in, &body));
	ct_meshapi_recover_response_init(&out);
	assert_ct_ok(ct_meshapi_recover_response_decode(ct_buf_span(&body), &out));
	assert_true(ct_span_eq(ct_buf_span(&in.seed), ct_buf_span(&out.seed)));
	assert_true(ct_span_eq(ct_buf_span(&in.mesh_ca_key), ct_buf_span(&out.mesh_ca_key)));
	assert_true(out.seed.secret && out.mesh_ca_key.secret);
	ct_meshapi_recover_response_dispose(&out);

	/* A short seed is refused. */
	in.seed.len = 32;
	ct_buf_reset(&body);
	assert_ct_ok(ct_meshapi_recover_response_encode(&in, &body));
	ct_meshapi_recover_response_init(&out);
	assert_ct_err(ct_meshapi_recover_response_decode(ct_buf_span(&body), &out),
		      CT_ERR_PROTO);
	assert_error_contains("seed");
	ct_meshapi_recover_response_dispose(&out);

	ct_buf_dispose(&body);
	ct_meshapi_recover_response_dispose(&in);
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_request_refusals),
		cmocka_unit_test(test_request_key_types),
		cmocka_unit_test(test_response_round_trip),
		cmocka_unit_test(test_response_refusals),
		cmocka_unit_test(test_recover_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
