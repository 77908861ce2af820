/*
 * initializer.h - internals of contrast-initializer (the pod's init
 * container): one attestation attempt against the Coordinator's mesh API,
 * and writing what it returned to the pod's file system
 * (docs/workload-attestation.md).
 */
#ifndef CT_INITIALIZER_H
#define CT_INITIALIZER_H

#include <openssl/evp.h>

#include "attest/provider.h"
#include "base/base.h"
#include "meshapi/meshapi.h"

#define INIT_HOST_MAX 512u
#define INIT_PATH_MAX 4096u

struct init_options {
	const char *coordinator;  /* HOST or HOST:PORT (COORDINATOR_HOST) */
	const char *evidence;     /* provider spec, NULL = env/auto-detect */
	const char *out_dir;      /* default /contrast */
	unsigned max_attempts;    /* 0: retry until admitted */
	unsigned retry_max_ms;    /* backoff cap */
	unsigned timeout_s;       /* one request */
};

/* "host" -> https://host:7777; "host:port", "[v6]:port" kept. */
CT_RESULT init_base_url(const char *coordinator, char *out, size_t cap);

/*
 * One attempt: mutual aTLS to the Coordinator (our evidence from
 * `provider`), POST /v1/mesh/cert with a CSR for `key`, strict decoding
 * of the answer and a check that the leaf certifies `key`. On refusal the
 * error carries the Coordinator's reason ("http 403: ...").
 */
CT_RESULT init_request_cert(const char *base_url, unsigned timeout_s,
			    struct ct_evidence_provider *provider,
			    EVP_PKEY *key,
			    struct ct_meshapi_cert_response *out);

/*
 * Writes tls-config/{mesh-ca.pem,certChain.pem,coordinator-root-ca.pem}
 * (0444), tls-config/key.pem (PKCS#8, 0400) and, when present,
 * secrets/workload-secret-seed (hex, 0400) under out_dir; directories
 * 0755. Each file is replaced atomically.
 */
CT_RESULT init_write_outputs(const char *out_dir, EVP_PKEY *key,
			     const struct ct_meshapi_cert_response *resp);

#endif /* CT_INITIALIZER_H */
