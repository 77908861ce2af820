/*
 * user_api_fuzz.c - the Coordinator's user API handlers (user_api.c,
 * state.c) end to end in process: the first byte picks the route
 * (POST /v1/manifest, POST /v1/recover, GET /v1/manifests) and the client
 * identity (none, a workload-owner digest, a seedshare digest), the rest
 * is the body. The Coordinator keeps its state across inputs in a
 * temporary directory store, so a successful set moves it to "active" and
 * later inputs exercise updates. Every answer must be a complete response
 * with a status in 200..599; leaks show under ASan.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "coordinator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What main.c provides in the daemon. */
CT_RESULT ct_coord_mesh_tls_refresh(struct ct_coord *c)
{
	(void)c;
	return CT_OK;
}

void ct_coord_observe(struct ct_coord *c, const char *api, int64_t micros)
{
	(void)c; (void)api; (void)micros;
}

int64_t ct_coord_now_us(void)
{
	return 0;
}

static struct ct_coord coord;
static struct ct_http_router router;
static char dir[] = "/tmp/ct-fuzz-coord-XXXXXX";

static void cleanup(void)
{
	ct_coord_state_close(&coord);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static void setup(void)
{
	ct_log_init("user_api_fuzz", CT_LOG_ERROR);
	if (mkdtemp(dir) == NULL)
		abort();
	coord.cfg.state_dir = dir;
	coord.cfg.allow_simulated = true;
	ct_http_router_init(&router);
	if (!ct_ok(ct_coord_state_open(&coord)) ||
	    !ct_ok(ct_coord_user_api_register(&coord, &router)))
		abort();
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 1)
		return 0;
	static const char *const paths[] = { "/v1/manifest", "/v1/recover",
					     "/v1/manifests" };
	unsigned route = data[0] % 3;
	struct ct_http_request req = {
		.method = route == 2 ? "GET" : "POST",
		.path = paths[route],
		.content_type = "application/json",
		.body = ct_span_make(data + 1, size - 1),
		.peer_addr = "fuzz",
	};
	struct ct_http_response resp;
	ct_http_response_init(&resp);
	ct_http_dispatch(&router, &req, &resp);
	if (resp.status < 200 || resp.status > 599)
		abort();
	ct_http_response_dispose(&resp);
	return 0;
}
