/*
 * sim_state.c - the simulator's key hierarchy on disk: create, load, check.
 *
 * The state directory is the simulated AMD: `secret` (the root of every
 * chip ID and VCEK), `ark.key`/`ark.pem` (self-signed root),
 * `ask.key`/`ask.pem` (intermediate) and `product`. Secrets are written
 * 0600 in a 0700 directory, atomically, and the loader refuses a
 * directory that others can read. The ARK PEM is what a manifest puts in
 * SimulatorRootCA; it is public.
 *
 * Trust boundary: the files are ours, but a damaged or swapped file must
 * not give a working but wrong hierarchy: the loader checks the ARK is
 * self-signed, the ASK is signed by it, and each key matches its cert.
 */
#include "sim/sim_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "crypto/crypto.h"

#define KEY_PEM_MAX (16u * 1024u)
#define CERT_PEM_MAX (16u * 1024u)
#define ROOT_YEARS 25

static const struct {
	const char *name;
	enum ct_snp_product p;
} products[] = {
	{ "Milan", CT_SNP_PRODUCT_MILAN },
	{ "Genoa", CT_SNP_PRODUCT_GENOA },
	{ "Turin", CT_SNP_PRODUCT_TURIN },
};

X509_NAME *ct_sim_amd_name(const char *cn)
{
	static const char *const rdn[][2] = {
		{ "OU", "Engineering" }, { "C", "US" }, { "L", "Santa Clara" },
		{ "ST", "CA" }, { "O", "Advanced Micro Devices" },
	};
	X509_NAME *n = X509_NAME_new();
	if (n == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(rdn) / sizeof(rdn[0]); i++)
		if (X509_NAME_add_entry_by_txt(n, rdn[i][0], MBSTRING_ASC,
					       (const unsigned char *)rdn[i][1],
					       -1, -1, 0) != 1)
			goto fail;
	if (X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				       (const unsigned char *)cn, -1, -1, 0) == 1)
		return n;
fail:
	X509_NAME_free(n);
	return NULL;
}

ct_result ct_sim_pss_sign(X509 *x, EVP_PKEY *key)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	ct_result res = CT_OK;
	if (ctx == NULL ||
	    EVP_DigestSignInit(ctx, &pctx, EVP_sha384(), NULL, key) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) <= 0 ||
	    X509_sign_ctx(x, ctx) <= 0)
		res = CT_FAIL_OSSL(CT_ERR_CRYPTO, "sim: RSA-PSS certificate "
				   "signature");
	EVP_MD_CTX_free(ctx);
	return res;
}

ct_result ct_sim_add_raw_ext(X509 *x, const char *oid, const uint8_t *der,
			     size_t len)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e = NULL;
	ct_result res = CT_OK;
	if (o == NULL || v == NULL || ASN1_OCTET_STRING_set(v, der, (int)len) != 1 ||
	    (e = X509_EXTENSION_create_by_OBJ(NULL, o, 0, v)) == NULL ||
	    X509_add_ext(x, e, -1) != 1)
		res = CT_FAIL_OSSL(CT_ERR_CRYPTO, "sim: extension %s", oid);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(v);
	ASN1_OBJECT_free(o);
	return res;
}

static ct_result add_conf_ext(X509 *x, X509 *issuer, int nid, const char *val)
{
	X509V3_CTX v3;
	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, val);
	bool ok = e != NULL && X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	CT_ENSURE(ok, CT_ERR_CRYPTO, "sim: extension %s", val);
	return CT_OK;
}

static ct_result make_ca(X509 **out, const char *cn, X509 *issuer,
			 EVP_PKEY *pub, EVP_PKEY *signer, long serial,
			 time_t nb, time_t na, bool root)
{
	X509 *x = X509_new();
	X509_NAME *s = ct_sim_amd_name(cn);
	ct_result res = CT_OK;
	CT_TRY_ENSURE(x != NULL && s != NULL, CT_ERR_NOMEM, "sim: out of memory");
	CT_TRY_ENSURE(X509_set_version(x, 2) == 1 &&
		      ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1 &&
		      X509_set_subject_name(x, s) == 1 &&
		      X509_set_issuer_name(x, issuer != NULL ?
					   X509_get_subject_name(issuer) : s) == 1 &&
		      ASN1_TIME_set(X509_getm_notBefore(x), nb) != NULL &&
		      ASN1_TIME_set(X509_getm_notAfter(x), na) != NULL &&
		      X509_set_pubkey(x, pub) == 1,
		      CT_ERR_CRYPTO, "sim: building %s", cn);
	CT_TRY(add_conf_ext(x, issuer != NULL ? issuer : x, NID_key_usage,
			    "critical,keyCertSign,cRLSign"));
	CT_TRY(add_conf_ext(x, issuer != NULL ? issuer : x,
			    NID_basic_constraints,
			    root ? "critical,CA:TRUE" : "critical,CA:TRUE,pathlen:0"));
	CT_TRY(ct_sim_pss_sign(x, signer));
	*out = x;
	x = NULL;
out:
	X509_NAME_free(s);
	X509_free(x);
	return res;
}

static char *state_path(const char *dir, const char *name)
{
	return ct_aprintf("%s/%s", dir, name);
}

static ct_result write_file(const char *dir, const char *name,
			    struct ct_span data, mode_t mode)
{
	char *p = state_path(dir, name);
	CT_ENSURE(p != NULL, CT_ERR_NOMEM, "sim: out of memory");
	ct_result res = ct_file_write_atomic(p, data, mode);
	free(p);
	return res;
}

static ct_result read_file(const char *dir, const char *name,
			   struct ct_buf *out, size_t max)
{
	char *p = state_path(dir, name);
	CT_ENSURE(p != NULL, CT_ERR_NOMEM, "sim: out of memory");
	ct_result res = ct_file_read(out, p, max);
	free(p);
	return res;
}

static ct_result write_key(const char *dir, const char *name, EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	CT_ENSURE(b != NULL, CT_ERR_NOMEM, "sim: out of memory");
	ct_result res = CT_OK;
	char *data;
	if (PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) != 1)
		res = CT_FAIL_OSSL(CT_ERR_CRYPTO, "sim: encoding %s", name);
	long n = BIO_get_mem_data(b, &data);
	if (ct_ok(res))
		res = write_file(dir, name, ct_span_make(data, (size_t)n), 0600);
	if (n > 0)
		ct_wipe(data, (size_t)n);
	BIO_free(b);
	return res;
}

static ct_result write_cert(const char *dir, const char *name, X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	CT_ENSURE(b != NULL, CT_ERR_NOMEM, "sim: out of memory");
	ct_result res = CT_OK;
	char *data;
	if (PEM_write_bio_X509(b, x) != 1)
		res = CT_FAIL_OSSL(CT_ERR_CRYPTO, "sim: encoding %s", name);
	long n = BIO_get_mem_data(b, &data);
	if (ct_ok(res))
		res = write_file(dir, name, ct_span_make(data, (size_t)n), 0644);
	BIO_free(b);
	return res;
}

static ct_result load_key(const char *dir, const char *name, EVP_PKEY **out)
{
	struct ct_buf b;
	ct_buf_init_secret(&b, KEY_PEM_MAX);
	ct_result res = read_file(dir, name, &b, KEY_PEM_MAX);
	if (ct_ok(res)) {
		BIO *bio = BIO_new_mem_buf(b.data, (int)b.len);
		*out = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
				   : NULL;
		BIO_free(bio);
		if (*out == NULL)
			res = CT_FAIL_OSSL(CT_ERR_PROTO, "sim: %s/%s: not a PEM "
					   "private key", dir, name);
	}
	ct_buf_dispose(&b);
	return res;
}

static ct_result load_cert(const char *dir, const char *name, X509 **out)
{
	char *p = state_path(dir, name);
	CT_ENSURE(p != NULL, CT_ERR_NOMEM, "sim: out of memory");
	ct_result res = ct_x509_load_file(out, p);
	free(p);
	return res;
}

static ct_result read_product(const char *dir, enum ct_snp_product *out)
{
	struct ct_buf b;
	ct_buf_init(&b, 64);
	ct_result res = read_file(dir, "product", &b, 64);
	if (ct_ok(res)) {
		while (b.len > 0 && b.data[b.len - 1] == '\n')
			b.data[--b.len] = '\0';
		res = CT_FAIL(CT_ERR_PROTO, "sim: %s/product: \"%.16s\" is not "
			      "Milan, Genoa or Turin", dir, ct_buf_cstr(&b));
		for (size_t i = 0; i < sizeof(products) / sizeof(products[0]); i++)
			if (strcmp(ct_buf_cstr(&b), products[i].name) == 0) {
				*out = products[i].p;
				ct_error_clear();
				res = CT_OK;
			}
	}
	ct_buf_dispose(&b);
	return res;
}

static unsigned rsa_bits(const struct ct_sim_init_opts *o)
{
	if (o != NULL && o->rsa_bits != 0)
		return o->rsa_bits;
	const char *e = getenv(CT_SIM_RSA_BITS_ENV);
	if (e != NULL && (strcmp(e, "2048") == 0 || strcmp(e, "3072") == 0))
		return (unsigned)strtoul(e, NULL, 10);
	return CT_SIM_RSA_BITS_DEFAULT;
}

static ct_result create(const char *dir, enum ct_snp_product p, unsigned bits)
{
	uint8_t secret[CT_SIM_SECRET_LEN];
	EVP_PKEY *ark_key = NULL, *ask_key = NULL;
	X509 *ark = NULL, *ask = NULL;
	ct_result res = CT_OK;
	char cn[32];
	const char *pname = ct_snp_product_name(p);
	time_t nb = time(NULL) - 24 * 3600;
	time_t na = nb + (time_t)ROOT_YEARS * 365 * 24 * 3600;

	CT_TRY_ENSURE(bits >= 2048 && bits <= 4096, CT_ERR_USAGE,
		      "sim: RSA key size %u, want 2048..4096", bits);
	CT_TRY_ENSURE(RAND_bytes(secret, sizeof(secret)) == 1, CT_ERR_CRYPTO,
		      "sim: RAND_bytes failed");
	ark_key = EVP_RSA_gen(bits);
	ask_key = EVP_RSA_gen(bits);
	CT_TRY_ENSURE(ark_key != NULL && ask_key != NULL, CT_ERR_CRYPTO,
		      "sim: RSA-%u key generation failed", bits);
	snprintf(cn, sizeof(cn), "ARK-%s", pname);
	CT_TRY(make_ca(&ark, cn, NULL, ark_key, ark_key, 0x10000, nb, na, true));
	snprintf(cn, sizeof(cn), "SEV-%s", pname);
	CT_TRY(make_ca(&ask, cn, ark, ask_key, ark_key, 0x10001, nb, na, false));
	/* Secret first, product last: `product` marks a complete state. */
	CT_TRY(write_file(dir, "secret", ct_span_make(secret, sizeof(secret)),
			  0600));
	CT_TRY(write_key(dir, "ark.key", ark_key));
	CT_TRY(write_key(dir, "ask.key", ask_key));
	CT_TRY(write_cert(dir, "ark.pem", ark));
	CT_TRY(write_cert(dir, "ask.pem", ask));
	CT_TRY(write_file(dir, "product", ct_span_str(pname), 0644));
out:
	ct_wipe(secret, sizeof(secret));
	EVP_PKEY_free(ark_key);
	EVP_PKEY_free(ask_key);
	X509_free(ark);
	X509_free(ask);
	return res;
}

static ct_result check_dir(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0)
		return CT_FAIL(CT_ERR_IO, "sim: state dir %s: %s", dir,
			       strerror(errno));
	CT_ENSURE(S_ISDIR(st.st_mode), CT_ERR_IO, "sim: state dir %s: not a "
		  "directory", dir);
	CT_ENSURE((st.st_mode & 077) == 0, CT_ERR_IO, "sim: state dir %s: mode "
		  "%03o, want 0700 (it holds the simulator's secrets)", dir,
		  (unsigned)(st.st_mode & 0777));
	return CT_OK;
}

ct_result ct_sim_init(const char *state_dir, const struct ct_sim_init_opts *o,
		      char **ark_path)
{
	enum ct_snp_product want = o != NULL ? o->product : CT_SNP_PRODUCT_UNKNOWN;
	enum ct_snp_product have;
	*ark_path = NULL;
	CT_GUARD(ct_mkdir_p(state_dir, 0700));
	char *pp = state_path(state_dir, "product");
	CT_ENSURE(pp != NULL, CT_ERR_NOMEM, "sim: out of memory");
	struct stat st;
	bool exists = stat(pp, &st) == 0;
	free(pp);
	/* A directory without state yet (say, made by a script): make it ours. */
	if (!exists && chmod(state_dir, 0700) != 0)
		return CT_FAIL(CT_ERR_IO, "sim: chmod 0700 %s: %s", state_dir,
			       strerror(errno));
	CT_GUARD(check_dir(state_dir));
	if (exists) {
		CT_GUARD(read_product(state_dir, &have));
		CT_ENSURE(want == CT_SNP_PRODUCT_UNKNOWN || want == have,
			  CT_ERR_USAGE, "sim: state dir %s is already "
			  "initialised for %s, not %s", state_dir,
			  ct_snp_product_name(have), ct_snp_product_name(want));
	} else {
		CT_GUARD(create(state_dir, want == CT_SNP_PRODUCT_UNKNOWN ?
				CT_SNP_PRODUCT_GENOA : want, rsa_bits(o)));
	}
	*ark_path = state_path(state_dir, "ark.pem");
	CT_ENSURE(*ark_path != NULL, CT_ERR_NOMEM, "sim: out of memory");
	return CT_OK;
}

static ct_result check_pair(X509 *x, EVP_PKEY *k, const char *what)
{
	CT_ENSURE(X509_check_private_key(x, k) == 1, CT_ERR_PROTO,
		  "sim: %s key does not match its certificate", what);
	return CT_OK;
}

ct_result ct_sim_load(const char *state_dir, struct ct_sim **out)
{
	struct ct_buf secret;
	ct_result res = CT_OK;
	struct ct_sim *s = ct_calloc(1, sizeof(*s));
	CT_ENSURE(s != NULL, CT_ERR_NOMEM, "sim: out of memory");
	ct_buf_init_secret(&secret, CT_SIM_SECRET_LEN + 1);
	CT_TRY(check_dir(state_dir));
	CT_TRY(read_product(state_dir, &s->product));
	CT_TRY(read_file(state_dir, "secret", &secret, CT_SIM_SECRET_LEN + 1));
	CT_TRY_ENSURE(secret.len == CT_SIM_SECRET_LEN, CT_ERR_PROTO,
		      "sim: %s/secret is %zu bytes, want %u", state_dir,
		      secret.len, CT_SIM_SECRET_LEN);
	memcpy(s->secret, secret.data, CT_SIM_SECRET_LEN);
	CT_TRY(load_key(state_dir, "ark.key", &s->ark_key));
	CT_TRY(load_key(state_dir, "ask.key", &s->ask_key));
	CT_TRY(load_cert(state_dir, "ark.pem", &s->ark));
	CT_TRY(load_cert(state_dir, "ask.pem", &s->ask));
	CT_TRY(check_pair(s->ark, s->ark_key, "ARK"));
	CT_TRY(check_pair(s->ask, s->ask_key, "ASK"));
	CT_TRY_ENSURE(X509_verify(s->ark, s->ark_key) == 1 &&
		      X509_verify(s->ask, s->ark_key) == 1, CT_ERR_PROTO,
		      "sim: %s: ARK/ASK signatures do not check", state_dir);
	CT_TRY(ct_x509_validity(s->ask, &s->not_before, &s->not_after));
	*out = s;
	s = NULL;
out:
	ERR_clear_error();
	ct_buf_dispose(&secret);
	ct_sim_free(s);
	if (!ct_ok(res))
		return ct_error_prefix("sim: loading %s", state_dir);
	return res;
}

void ct_sim_free(struct ct_sim *sim)
{
	if (sim == NULL)
		return;
	EVP_PKEY_free(sim->ark_key);
	EVP_PKEY_free(sim->ask_key);
	X509_free(sim->ark);
	X509_free(sim->ask);
	ct_wipe(sim->secret, sizeof(sim->secret));
	free(sim);
}

enum ct_snp_product ct_sim_product(const struct ct_sim *sim)
{
	return sim->product;
}

X509 *ct_sim_ark(const struct ct_sim *sim)
{
	return sim->ark;
}

X509 *ct_sim_ask(const struct ct_sim *sim)
{
	return sim->ask;
}
