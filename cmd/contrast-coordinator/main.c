/*
 * main.c - `contrast-coordinator`: command line, start-up and shutdown.
 *
 * Opens the evidence provider (the Coordinator's own TEE) and the state
 * directory, starts the four servers on one libevent loop (user API over
 * aTLS, mesh API over mutual aTLS, attest API and ops over plain HTTP),
 * prints one readiness line on stdout and serves until SIGTERM/SIGINT,
 * then stops accepting, lets open requests finish (grace period) and
 * frees everything. Trust boundary: the command line and environment are
 * trusted (the operator's); everything arriving on a port is not.
 */
#include "coordinator.h"
#include "mesh_api.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

static void usage(FILE *f)
{
	fputs("usage: contrast-coordinator --state-dir DIR [--evidence PROVIDER]\n"
	      "           [--listen ADDR] [--user-listen ADDR] [--user-port 1313]\n"
	      "           [--mesh-port 7777] [--attest-port 1314] [--ops-port 9102]\n"
	      "\n"
	      "The Contrast Coordinator: attests itself to users (aTLS), holds the\n"
	      "manifest history, the seed and the CAs, and certifies workloads.\n"
	      "\n"
	      "  --state-dir DIR      history store (created 0700; files 0600)\n"
	      "  --evidence PROVIDER  configfs-tsm[:ROOT] | sev-guest[:DEVICE] | sim:SOCKET\n"
	      "                       (default: $CONTRAST_EVIDENCE_PROVIDER, else\n"
	      "                       auto-detect configfs-tsm, then sev-guest)\n"
	      "  --listen ADDR        bind address of every port (default 0.0.0.0)\n"
	      "  --user-listen ADDR   bind address of the user API (default: --listen)\n"
	      "  --user-port N        user API, aTLS (default 1313)\n"
	      "  --mesh-port N        mesh API, mutual aTLS (default 7777)\n"
	      "  --attest-port N      attest API, plain HTTP (default 1314)\n"
	      "  --ops-port N         probes and metrics, plain HTTP (default 9102)\n"
	      "  -h, --help           this text\n"
	      "\n"
	      "A port of 0 picks a free port. Once every port listens, one line\n"
	      "  ready user=P mesh=P attest=P ops=P\n"
	      "is printed on stdout. Environment: CONTRAST_ALLOW_SIMULATED=1 accepts\n"
	      "manifests with simulated (ProductName \"Simulator\") reference values.\n"
	      "SIGTERM or SIGINT: graceful shutdown. After a restart with existing\n"
	      "history the Coordinator is sealed until `contrast recover`.\n",
	      f);
}

static bool parse_port(const char *name, const char *s, uint16_t *out)
{
	uint64_t v;
	if (!ct_ok(ct_parse_u64(s, 65535, &v))) {
		fprintf(stderr, "contrast-coordinator: --%s: want 0..65535, got \"%s\"\n",
			name, s);
		return false;
	}
	*out = (uint16_t)v;
	return true;
}

/* Returns -1 to continue, else an exit code. */
static int parse_args(int argc, char **argv, struct ct_coord_config *cfg)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "evidence", required_argument, NULL, 'e' },
		{ "listen", required_argument, NULL, 'l' },
		{ "user-listen", required_argument, NULL, 'L' },
		{ "user-port", required_argument, NULL, 'u' },
		{ "mesh-port", required_argument, NULL, 'm' },
		{ "attest-port", required_argument, NULL, 'a' },
		{ "ops-port", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': cfg->state_dir = optarg; break;
		case 'e': cfg->evidence = optarg; break;
		case 'l': cfg->listen = optarg; break;
		case 'L': cfg->user_listen = optarg; break;
		case 'u': if (!parse_port("user-port", optarg, &cfg->user_port)) return 2; break;
		case 'm': if (!parse_port("mesh-port", optarg, &cfg->mesh_port)) return 2; break;
		case 'a': if (!parse_port("attest-port", optarg, &cfg->attest_port)) return 2; break;
		case 'o': if (!parse_port("ops-port", optarg, &cfg->ops_port)) return 2; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "contrast-coordinator: unexpected argument \"%s\"\n",
			argv[optind]);
		return 2;
	}
	if (cfg->state_dir == NULL || cfg->state_dir[0] == '\0') {
		fprintf(stderr, "contrast-coordinator: --state-dir is required\n");
		usage(stderr);
		return 2;
	}
	if (strlen(cfg->state_dir) > CT_COORD_STATE_DIR_MAX) {
		fprintf(stderr, "contrast-coordinator: --state-dir: path too long\n");
		return 2;
	}
	return -1;
}

int64_t ct_coord_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void ct_coord_observe(struct ct_coord *c, const char *api, int64_t micros)
{
	ct_metrics_add(c->metrics, CT_COORD_METRIC_LATENCY_SUM, api, micros);
	ct_metrics_add(c->metrics, CT_COORD_METRIC_LATENCY_COUNT, api, 1);
}

static bool probe_started(void *arg)
{
	return ((struct ct_coord *)arg)->started;
}

static bool probe_ready(void *arg)
{
	struct ct_coord *c = arg;
	return c->started && c->phase == CT_COORD_ACTIVE;
}

static CT_RESULT describe_metrics(struct ct_metrics *m)
{
	CT_GUARD(ct_metrics_describe(m, CT_COORD_METRIC_GENERATION, CT_METRIC_GAUGE,
				     "Number of manifests in the active history."));
	CT_GUARD(ct_metrics_describe(m, CT_COORD_METRIC_SEALED, CT_METRIC_GAUGE,
				     "1 while the Coordinator waits for recovery."));
	CT_GUARD(ct_metrics_describe(m, CT_COORD_METRIC_ATTEST, CT_METRIC_COUNTER,
				     "Attest API requests by result and reason."));
	CT_GUARD(ct_metrics_describe(m, CT_COORD_METRIC_LATENCY_SUM, CT_METRIC_COUNTER,
				     "Total handler time of API requests in microseconds."));
	CT_GUARD(ct_metrics_describe(m, CT_COORD_METRIC_LATENCY_COUNT, CT_METRIC_COUNTER,
				     "Number of timed API requests."));
	return CT_OK;
}

CT_RESULT ct_coord_mesh_tls_refresh(struct ct_coord *c)
{
	/*
	 * The mesh server's context (ct_coord_mesh_tls_new, mesh_api.c) reads
	 * c->active at every handshake, so a phase change only needs the
	 * metrics; retired generations stay alive until shutdown because
	 * handshakes in flight may still use their validators.
	 */
	ct_metrics_set(c->metrics, CT_COORD_METRIC_GENERATION, "",
		       c->active ? (int64_t)c->active->generation : 0);
	ct_metrics_set(c->metrics, CT_COORD_METRIC_SEALED, "",
		       c->phase == CT_COORD_SEALED);
	return CT_OK;
}

static CT_RESULT start_server(struct ct_coord *c, const char *name,
			      const char *bind_addr, uint16_t port, SSL_CTX *tls,
			      const struct ct_http_router *r, struct ct_http_server **out)
{
	struct ct_http_server_config sc = {
		.name = name,
		.bind_addr = bind_addr,
		.port = port,
		.tls = tls,
		.router = r,
		.max_connections = CT_COORD_MAX_CONNECTIONS,
		.timeout_s = CT_COORD_TIMEOUT_S,
		.metrics = c->metrics,
	};
	return ct_http_server_start(c->base, &sc, out);
}

static CT_RESULT coord_start(struct ct_coord *c)
{
	struct ct_http_router user_r, mesh_r, attest_r, ops_r;
	SSL_CTX *mesh_tls = NULL;
	ct_result res = CT_OK;

	CT_GUARD(ct_metrics_new(&c->metrics));
	CT_GUARD(describe_metrics(c->metrics));
	CT_GUARD(ct_evidence_provider_open(c->cfg.evidence, &c->provider));
	ct_evidence_provider_atls_issuer(c->provider, &c->issuer);
	CT_GUARD(ct_coord_state_open(c));

	c->user_tls = SSL_CTX_new(TLS_server_method());
	CT_ENSURE(c->user_tls != NULL, CT_ERR_CRYPTO, "coordinator: SSL_CTX_new failed");
	struct ct_atls_config ucfg = { .issuer = &c->issuer,
				       .client_auth = CT_ATLS_CLIENT_AUTH_KEY_OPTIONAL };
	CT_GUARD(ct_atls_server_ctx_configure(c->user_tls, &ucfg));
	CT_GUARD(ct_coord_mesh_tls_new(c, &mesh_tls));

	ct_http_router_init(&user_r);
	ct_http_router_init(&mesh_r);
	ct_http_router_init(&attest_r);
	ct_http_router_init(&ops_r);
	CT_TRY(ct_coord_user_api_register(c, &user_r));
	CT_TRY(ct_coord_mesh_api_register(c, &mesh_r));
	CT_TRY(ct_coord_attest_api_register(c, &attest_r));
	c->ops = (struct ct_http_ops){ probe_started, probe_started, probe_ready, c,
				       c->metrics };
	CT_TRY(ct_http_ops_register(&ops_r, &c->ops));

	CT_TRY(start_server(c, "userapi", c->cfg.user_listen, c->cfg.user_port, c->user_tls,
			    &user_r, &c->user_srv));
	CT_TRY(start_server(c, "meshapi", c->cfg.listen, c->cfg.mesh_port, mesh_tls,
			    &mesh_r, &c->mesh_srv));
	CT_TRY(start_server(c, "attestapi", c->cfg.listen, c->cfg.attest_port, NULL,
			    &attest_r, &c->attest_srv));
	CT_TRY(start_server(c, "ops", c->cfg.listen, c->cfg.ops_port, NULL, &ops_r,
			    &c->ops_srv));
	CT_TRY(ct_coord_mesh_tls_refresh(c));
	c->started = true;
out:
	SSL_CTX_free(mesh_tls);
	return res;
}

static void coord_free(struct ct_coord *c)
{
	ct_http_server_free(c->user_srv);
	ct_http_server_free(c->mesh_srv);
	ct_http_server_free(c->attest_srv);
	ct_http_server_free(c->ops_srv);
	SSL_CTX_free(c->user_tls);
	ct_coord_state_close(c);
	ct_evidence_provider_free(c->provider);
	ct_metrics_free(c->metrics);
	if (c->base != NULL)
		event_base_free(c->base);
}

int main(int argc, char **argv)
{
	struct ct_coord c = { 0 };
	c.cfg.listen = "0.0.0.0";
	c.cfg.user_port = CT_HTTP_PORT_USER_API;
	c.cfg.mesh_port = CT_HTTP_PORT_MESH_API;
	c.cfg.attest_port = CT_HTTP_PORT_ATTEST_API;
	c.cfg.ops_port = CT_HTTP_PORT_OPS;

	ct_log_init("contrast-coordinator", CT_LOG_INFO);
	int rc = parse_args(argc, argv, &c.cfg);
	if (rc >= 0)
		return rc;
	if (c.cfg.user_listen == NULL)
		c.cfg.user_listen = c.cfg.listen;
	const char *sim = getenv("CONTRAST_ALLOW_SIMULATED");
	c.cfg.allow_simulated = sim != NULL && strcmp(sim, "1") == 0;

	c.base = event_base_new();
	if (c.base == NULL) {
		fprintf(stderr, "contrast-coordinator: cannot create the event loop\n");
		return 1;
	}
	if (!ct_ok(coord_start(&c))) {
		ct_log_error("start-up failed");
		coord_free(&c);
		return 1;
	}
	ct_log_info("coordinator: %s, evidence from %s%s",
		    c.phase == CT_COORD_SEALED ? "sealed (history found; waiting "
						 "for `contrast recover`)"
		    : c.phase == CT_COORD_ACTIVE ? "active"
						 : "waiting for the first manifest",
		    ct_evidence_provider_name(c.provider),
		    c.cfg.allow_simulated ? ", simulated reference values allowed" : "");
	printf("ready user=%u mesh=%u attest=%u ops=%u\n",
	       ct_http_server_port(c.user_srv), ct_http_server_port(c.mesh_srv),
	       ct_http_server_port(c.attest_srv), ct_http_server_port(c.ops_srv));
	fflush(stdout);

	struct ct_http_server *servers[] = { c.user_srv, c.mesh_srv, c.attest_srv,
					     c.ops_srv };
	rc = 0;
	if (!ct_ok(ct_http_run(c.base, servers, 4, CT_COORD_GRACE_S))) {
		ct_log_error("event loop");
		rc = 1;
	}
	ct_log_info("coordinator: shut down");
	coord_free(&c);
	return rc;
}
