/*
 * output.c - what the initializer leaves in the pod (reference/contrast.md
 * §9): the mesh identity under tls-config/ and the workload secret under
 * secrets/, with the modes workloads expect (certificates world-readable
 * but immutable, private material owner-read-only).
 *
 * Trust boundary: the content was decoded and checked by mesh_client.c;
 * here only paths we compose from the operator's --out-dir are used. Each
 * file is replaced atomically, the private key first and the certificate
 * chain after it, so a reader never sees a chain without its key.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "initializer.h"

#define MODE_DIR 0755
#define MODE_PUBLIC 0444
#define MODE_PRIVATE 0400
#define KEY_PEM_MAX (8u * 1024u)

static CT_RESULT join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	CT_ENSURE(n > 0 && (size_t)n < cap, CT_ERR_USAGE,
		  "output path %s/%s too long", dir, name);
	return CT_OK;
}

static CT_RESULT make_dir(const char *path)
{
	CT_GUARD(ct_mkdir_p(path, MODE_DIR));
	/* An existing directory keeps its mode unless we fix it. */
	CT_ENSURE(chmod(path, MODE_DIR) == 0, CT_ERR_IO, "chmod %s: %s", path,
		  strerror(errno));
	return CT_OK;
}

static CT_RESULT put(const char *dir, const char *name, struct ct_span data,
		     mode_t mode)
{
	char path[INIT_PATH_MAX];
	CT_GUARD(join(path, sizeof(path), dir, name));
	if (!ct_ok(ct_file_write_atomic(path, data, mode)))
		return ct_error_prefix("write %s", path);
	return CT_OK;
}

/* PKCS#8 PEM of the private key in a wiped buffer. */
static CT_RESULT key_pem(EVP_PKEY *key, struct ct_buf *out)
{
	ct_result res = CT_OK;
	BUF_MEM *mem = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	CT_ENSURE(bio != NULL, CT_ERR_NOMEM, "out of memory");
	if (PEM_write_bio_PKCS8PrivateKey(bio, key, NULL, NULL, 0, NULL,
					  NULL) != 1) {
		res = CT_FAIL_OSSL(CT_ERR_CRYPTO, "cannot encode the private key");
		goto out;
	}
	BIO_get_mem_ptr(bio, &mem);
	CT_TRY_ENSURE(mem != NULL, CT_ERR_INTERNAL, "no key PEM");
	CT_TRY(ct_buf_append(out, mem->data, mem->length));
	ct_wipe(mem->data, mem->length);
out:
	BIO_free(bio);
	return res;
}

CT_RESULT init_write_outputs(const char *out_dir, EVP_PKEY *key,
			     const struct ct_meshapi_cert_response *resp)
{
	ct_result res = CT_OK;
	char tls_dir[INIT_PATH_MAX], sec_dir[INIT_PATH_MAX];
	struct ct_buf pem, hex;
	ct_buf_init_secret(&pem, KEY_PEM_MAX);
	ct_buf_init_secret(&hex, 2 * CT_MESHAPI_SECRET_MAX + 1);

	CT_TRY(join(tls_dir, sizeof(tls_dir), out_dir, "tls-config"));
	CT_TRY(join(sec_dir, sizeof(sec_dir), out_dir, "secrets"));
	CT_TRY(make_dir(out_dir));
	CT_TRY(make_dir(tls_dir));
	CT_TRY(key_pem(key, &pem));
	CT_TRY(put(tls_dir, "key.pem", ct_buf_span(&pem), MODE_PRIVATE));
	CT_TRY(put(tls_dir, "mesh-ca.pem", ct_buf_span(&resp->mesh_ca),
		   MODE_PUBLIC));
	CT_TRY(put(tls_dir, "coordinator-root-ca.pem",
		   ct_buf_span(&resp->root_ca), MODE_PUBLIC));
	CT_TRY(put(tls_dir, "certChain.pem", ct_buf_span(&resp->cert_chain),
		   MODE_PUBLIC));
	if (resp->has_workload_secret) {
		CT_TRY(make_dir(sec_dir));
		CT_TRY(ct_hex_encode(&hex, ct_buf_span(&resp->workload_secret)));
		CT_TRY(put(sec_dir, "workload-secret-seed", ct_buf_span(&hex),
			   MODE_PRIVATE));
	}
out:
	ct_buf_dispose(&pem);
	ct_buf_dispose(&hex);
	ERR_clear_error();
	return res;
}
