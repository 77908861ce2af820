/*
 * coordinator.h - the Coordinator daemon's shared state (internal to
 * cmd/contrast-coordinator/).
 *
 * One event loop thread serves every port (user API 1313 over aTLS, mesh
 * API 7777 over mutual aTLS, attest API 1314 and ops 9102 over plain
 * HTTP), so handlers read and replace the state without locks.
 *
 * Phases (reference/contrast.md §5):
 *   UNINITIALIZED  no history in the store: the first SetManifest is
 *                  trust-on-first-use and creates the seed.
 *   ACTIVE         `active` holds the manifest, seed engine, CAs and the
 *                  signed head; SetManifest needs a workload-owner key.
 *   SEALED         history exists but the seed is not known (after a
 *                  restart): every user API but recover answers 412 until
 *                  `contrast recover` supplies the seed.
 *
 * An active state is immutable once published: an update builds a new
 * one and swaps the pointer; the old one stays alive (on `retired`) until
 * shutdown, because open connections' validators may still point into it.
 *
 * Secrets (seed, CA keys) live only inside lib/state and lib/ca objects,
 * which wipe them on free; nothing here logs them.
 */
#ifndef CT_COORDINATOR_H
#define CT_COORDINATOR_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "atls/atls.h"
#include "attest/provider.h"
#include "base/base.h"
#include "ca/ca.h"
#include "http/http.h"
#include "manifest/manifest.h"
#include "state/state.h"
#include "validators.h"

#define CT_COORD_STATE_DIR_MAX 3000u
#define CT_COORD_GRACE_S 5u
#define CT_COORD_TIMEOUT_S 30u
#define CT_COORD_MAX_CONNECTIONS 256u
/* Bound on the history walked for GetManifests and recovery. */
#define CT_COORD_HISTORY_MAX 100000u

struct ct_coord_config {
	const char *state_dir;
	const char *evidence;   /* provider spec, see attest/provider.h */
	const char *listen;     /* bind address, default 0.0.0.0 */
	const char *user_listen; /* the user API's (--listen unless given) */
	uint16_t user_port, mesh_port, attest_port, ops_port; /* 0: ephemeral */
	bool allow_simulated;   /* CONTRAST_ALLOW_SIMULATED=1 */
};

enum ct_coord_phase {
	CT_COORD_UNINITIALIZED = 0,
	CT_COORD_ACTIVE,
	CT_COORD_SEALED,
};

/* Everything that belongs to one manifest generation. */
struct ct_coord_active {
	struct ct_manifest *manifest;        /* the active (latest) manifest */
	struct ct_seed_engine *seed;         /* seed, salt and derived keys */
	struct ct_ca *ca;                    /* root CA + this manifest's mesh CA */
	struct ct_buf root_ca_pem;           /* PEM of the root CA cert */
	struct ct_buf mesh_ca_pem;           /* PEM of the mesh CA cert */
	uint8_t latest[32];                  /* hash of the latest transition */
	struct ct_buf latest_sig;            /* its signature (DER ECDSA) */
	uint64_t generation;                 /* number of manifests in history */
	struct ct_coord_validators *mesh_validators; /* for the mesh API */
	struct ct_coord_active *next_retired;
};

struct ct_coord {
	struct ct_coord_config cfg;
	struct event_base *base;
	struct ct_evidence_provider *provider;
	struct ct_atls_issuer issuer;
	struct ct_metrics *metrics;
	struct ct_state_store *store;
	enum ct_coord_phase phase;
	struct ct_coord_active *active;   /* NULL unless ACTIVE */
	struct ct_coord_active *retired;  /* superseded generations */
	SSL_CTX *user_tls;
	struct ct_http_ops ops; /* probe callbacks: must outlive the ops router */
	struct ct_http_server *user_srv, *mesh_srv, *attest_srv, *ops_srv;
	bool started;
};

/* ---------------------------------------------------------------- state.c */

/* Opens the store; SEALED if it has history, else UNINITIALIZED. */
CT_RESULT ct_coord_state_open(struct ct_coord *c);
void ct_coord_state_close(struct ct_coord *c);

/*
 * Validates and commits a SetManifest request. `owner_key_sha256` is the
 * client's key digest (NULL when the client showed no key). On success
 * `*seed_shares_json` (first set only, else left empty) holds the seed
 * share document. Errors carry the HTTP status in *status.
 */
struct ct_http_api_set_manifest;
CT_RESULT ct_coord_set_manifest(struct ct_coord *c,
				const struct ct_http_api_set_manifest *req,
				const uint8_t *owner_key_sha256,
				struct ct_buf *seed_shares_json, int *status);

/* Unseals with seed and salt from a seedshare owner (key digest given). */
CT_RESULT ct_coord_recover(struct ct_coord *c, struct ct_span seed,
			   struct ct_span salt, const uint8_t *seedshare_key_sha256,
			   int *status);

/*
 * The history oldest→newest: manifests and the policies they name
 * (each appended as a separate buffer to the JSON arrays as base64).
 */
CT_RESULT ct_coord_history_json(struct ct_coord *c, json_t *manifests,
				json_t *policies);

/*
 * main.c: after a phase change, publishes the generation/sealed metrics.
 * (The mesh server's TLS context reads c->active at each handshake.)
 */
CT_RESULT ct_coord_mesh_tls_refresh(struct ct_coord *c);

/* ------------------------------------------------------------- the APIs */

/* user_api.c: POST /v1/manifest, GET /v1/manifests, POST /v1/recover. */
CT_RESULT ct_coord_user_api_register(struct ct_coord *c,
				     struct ct_http_router *r);
/* attest_api.c: POST /v1/attest. */
CT_RESULT ct_coord_attest_api_register(struct ct_coord *c,
				       struct ct_http_router *r);

/*
 * mesh_api.c (owned by the mesh API work, issue #7): registers
 * POST /v1/mesh/cert and POST /v1/peer/recover on the mutual-aTLS server
 * of the mesh port, whose TLS context comes from ct_coord_mesh_tls_new
 * (mesh_api.h): it validates the client's evidence with
 * `c->active->mesh_validators` at handshake time. Handlers look the
 * report's HOSTDATA up in c->active->manifest themselves.
 */
CT_RESULT ct_coord_mesh_api_register(struct ct_coord *c,
				     struct ct_http_router *r);

/* Metric names (also documented in docs/coordinator.md). */
#define CT_COORD_METRIC_GENERATION "contrast_coordinator_manifest_generation"
#define CT_COORD_METRIC_SEALED "contrast_coordinator_sealed"
#define CT_COORD_METRIC_ATTEST "contrast_coordinator_attestations_total"
#define CT_COORD_METRIC_LATENCY_SUM "contrast_coordinator_request_duration_us_sum"
#define CT_COORD_METRIC_LATENCY_COUNT "contrast_coordinator_request_duration_us_count"

/* Counts one request's duration under `api` (our constant label text). */
void ct_coord_observe(struct ct_coord *c, const char *api, int64_t micros);
int64_t ct_coord_now_us(void);

#endif /* CT_COORDINATOR_H */
