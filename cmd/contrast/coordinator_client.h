/*
 * coordinator_client.h - what `contrast set`, `verify` and `recover` share:
 * an aTLS connection to the Coordinator's user API that verifies its
 * evidence against the local manifest's reference values AND its HOSTDATA
 * against the manifest's policy with Role "coordinator"; retries while the
 * Coordinator is unreachable (spinner, deadline); key and file helpers;
 * the policy documents (initdata) named by the deployment YAML.
 *
 * Trust boundary: the local manifest and keys are the user's (trusted);
 * everything the Coordinator sends is untrusted until aTLS verified it,
 * and even then its JSON is decoded with bounds.
 */
#ifndef CT_CLI_COORDINATOR_CLIENT_H
#define CT_CLI_COORDINATOR_CLIENT_H

#include <jansson.h>
#include <openssl/evp.h>

#include "base/base.h"
#include "manifest/manifest.h"

/* Default file names (reference/contrast.md §8). */
#define CT_CLI_MANIFEST_FILE "manifest.json"
#define CT_CLI_WORKLOAD_OWNER_KEY "workload-owner.pem"
#define CT_CLI_SEEDSHARE_OWNER_KEY "seedshare-owner.pem"
#define CT_CLI_SEED_SHARES_FILE "seed-shares.json"
#define CT_CLI_ROOT_CA_FILE "coordinator-root-ca.pem"
#define CT_CLI_MESH_CA_FILE "mesh-ca.pem"
#define CT_CLI_VERIFY_DIR "verify"

/* How long to wait for an unreachable Coordinator (env overrides). */
#define CT_CLI_WAIT_DEFAULT_S 180u
#define CT_CLI_WAIT_ENV "CONTRAST_COORDINATOR_WAIT_SECONDS"
#define CT_CLI_WAIT_MAX_S 86400u
#define CT_CLI_KEY_FILE_MAX (64u * 1024u)
#define CT_CLI_HOSTPORT_MAX 256u

struct ct_coord_validators;

struct ct_cc {
	char base_url[CT_CLI_HOSTPORT_MAX + 16];
	struct ct_buf manifest_raw;        /* the local manifest's bytes */
	struct ct_manifest *manifest;      /* parsed */
	struct ct_coord_validators *validators;
	EVP_PKEY *client_key;              /* optional owner key (borrowed ref held) */
	unsigned wait_s;
	const char *cmd;                   /* "set", for messages */
};

/*
 * Reads and validates the manifest (CONTRAST_ALLOW_SIMULATED=1 allows
 * simulated reference values), builds the Coordinator validators and the
 * URL from HOST:PORT. Usage errors are CT_ERR_USAGE.
 */
CT_RESULT ct_cc_open(struct ct_cc *cc, const char *cmd, const char *host_port,
		     const char *manifest_path);
void ct_cc_close(struct ct_cc *cc);

/*
 * One JSON request over a fresh, verified aTLS connection. Retries with a
 * spinner (stderr) while the Coordinator cannot be reached, until the
 * deadline; never retries a verification failure or an HTTP error.
 * On success *resp is the caller's (json_decref).
 */
CT_RESULT ct_cc_call(struct ct_cc *cc, const char *method, const char *path,
		     const json_t *req, json_t **resp);

/* Re-records the current error under another category (and a prefix). */
CT_RESULT ct_cc_fail_as(enum ct_err cat, const char *prefix);

/* Reads a PEM private key file (EC or RSA). */
CT_RESULT ct_cc_load_key(const char *path, EVP_PKEY **out);

/* A required base64 string member of an untrusted reply, decoded. */
CT_RESULT ct_cc_json_b64(const json_t *o, const char *key, struct ct_buf *out);

/* Writes dir/name (dir may be NULL or "") atomically with `mode`. */
CT_RESULT ct_cc_write(const char *dir, const char *name, struct ct_span data,
		      mode_t mode);

/*
 * The policy documents of the deployment: every value of the annotation
 * io.katacontainers.config.hypervisor.cc_init_data in the YAML files
 * under `paths` (files or directories; .yml and .yaml files), decoded
 * (base64 → gunzip → initdata TOML). Duplicates are dropped. `docs` gets
 * n buffers (caller disposes each and frees the array).
 */
CT_RESULT ct_cc_collect_policies(char **paths, size_t n_paths,
				 struct ct_buf **docs, size_t *n_docs);

#endif /* CT_CLI_COORDINATOR_CLIENT_H */
