/*
 * services.h - the two services of the demo guestbook: `store` keeps
 * entries in memory, `web` serves them by calling `store`. Both speak
 * HTTP/1.1 + JSON over mesh mTLS and answer 403 to peers without a mesh
 * certificate.
 */
#ifndef CT_DEMO_SERVICES_H
#define CT_DEMO_SERVICES_H

#include "http/http.h"
#include "mesh_tls.h"

#define DEMO_ENTRIES_MAX 64u
#define DEMO_FIELD_MAX 256u

struct demo_stats {
	unsigned long served;          /* requests answered 2xx to a mesh peer */
	unsigned long refused;         /* requests without a mesh certificate */
	unsigned long upstream_ok;     /* web → store calls that succeeded */
	unsigned long upstream_failed; /* web → store calls that failed */
};

struct demo_service {
	const char *name;              /* "store" or "web" */
	const struct mesh_identity *id;
	const char *store_url;         /* web only: "https://127.0.0.1:PORT" */
	const char *stats_path;        /* optional JSON stats file */
	struct demo_stats stats;
	json_t *entries;               /* store only: array of entry objects */
};

/* Adds the service's routes; `svc` must outlive the router. */
CT_RESULT demo_service_routes(struct demo_service *svc,
			      struct ct_http_router *router);

/* Writes the stats file (if configured). Best effort: logs failures. */
void demo_service_write_stats(const struct demo_service *svc);

#endif
