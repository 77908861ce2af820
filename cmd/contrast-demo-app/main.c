/*
 * contrast-demo-app - the example workload of local mode: a two-service
 * guestbook whose services talk to each other only over mesh mTLS, using
 * nothing but the files `contrast-initializer` wrote for their pod.
 *
 *   contrast-demo-app store --tls-dir DIR --listen ADDR:PORT [--stats FILE]
 *   contrast-demo-app web   --tls-dir DIR --listen ADDR:PORT --store URL [--stats FILE]
 *   contrast-demo-app call  --tls-dir DIR URL [--post JSON] [--anonymous]
 *
 * Servers print "ready port=N" on stdout once listening (PORT may be 0)
 * and stop gracefully on SIGTERM/SIGINT. `call` makes one mTLS request and
 * prints the reply; exit 0 on a 2xx answer, 1 otherwise, 2 on usage.
 * `--anonymous` trusts the mesh CA but shows no certificate (servers must
 * refuse it). The stats file defaults to $CONTRAST_STATS_FILE (set by
 * local mode for its summary).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "mesh_tls.h"
#include "services.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

#define ADDR_MAX 256u
#define REPLY_MAX (1u << 20)

static void usage(FILE *f)
{
	fputs("usage: contrast-demo-app store --tls-dir DIR --listen ADDR:PORT [--stats FILE]\n"
	      "       contrast-demo-app web   --tls-dir DIR --listen ADDR:PORT --store URL [--stats FILE]\n"
	      "       contrast-demo-app call  --tls-dir DIR URL [--post JSON] [--anonymous]\n"
	      "\n"
	      "The example guestbook of `contrast local`. DIR holds mesh-ca.pem,\n"
	      "certChain.pem and key.pem as written by contrast-initializer; peers must\n"
	      "present a certificate from the same mesh CA.\n", f);
}

struct options {
	const char *mode, *tls_dir, *listen, *store_url, *stats, *url, *post;
	bool anonymous;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "tls-dir", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "store", required_argument, NULL, 's' },
		{ "stats", required_argument, NULL, 'S' },
		{ "post", required_argument, NULL, 'p' },
		{ "anonymous", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	memset(o, 0, sizeof(*o));
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	o->mode = argv[1];
	if (strcmp(o->mode, "--help") == 0 || strcmp(o->mode, "-h") == 0) {
		usage(stdout);
		return -1;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->tls_dir = optarg; break;
		case 'l': o->listen = optarg; break;
		case 's': o->store_url = optarg; break;
		case 'S': o->stats = optarg; break;
		case 'p': o->post = optarg; break;
		case 'a': o->anonymous = true; break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	const char *env_stats = getenv("CONTRAST_STATS_FILE");
	if (o->stats == NULL && env_stats != NULL && env_stats[0] != '\0')
		o->stats = env_stats;
	if (strcmp(o->mode, "call") == 0 && optind + 1 == argc)
		o->url = argv[optind++];
	bool server = strcmp(o->mode, "store") == 0 || strcmp(o->mode, "web") == 0;
	bool ok = o->tls_dir && optind == argc &&
		  (server ? o->listen != NULL : (strcmp(o->mode, "call") == 0 && o->url)) &&
		  (strcmp(o->mode, "web") != 0 || o->store_url);
	if (!ok) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Splits "ADDR:PORT" (the last colon separates). */
static CT_RESULT split_listen(const char *spec, char addr[ADDR_MAX], uint16_t *port)
{
	const char *colon = strrchr(spec, ':');
	CT_ENSURE(colon && colon != spec && (size_t)(colon - spec) < ADDR_MAX,
		  CT_ERR_USAGE, "--listen: want ADDR:PORT, got \"%s\"", spec);
	uint64_t p;
	CT_GUARD(ct_parse_u64(colon + 1, 65535, &p));
	memcpy(addr, spec, (size_t)(colon - spec));
	addr[colon - spec] = '\0';
	*port = (uint16_t)p;
	return CT_OK;
}

static int run_server(const struct options *o, const struct mesh_identity *id)
{
	struct demo_service svc = {
		.name = o->mode, .id = id, .store_url = o->store_url,
		.stats_path = o->stats,
	};
	struct ct_http_router router;
	struct event_base *base = NULL;
	struct ct_http_server *server = NULL;
	SSL_CTX *tls = NULL;
	char addr[ADDR_MAX];
	uint16_t port = 0;
	ct_result res = CT_OK;

	ct_http_router_init(&router);
	CT_TRY(split_listen(o->listen, addr, &port));
	CT_TRY(demo_service_routes(&svc, &router));
	CT_TRY(mesh_server_ctx(id, &tls));
	base = event_base_new();
	CT_TRY_ENSURE(base, CT_ERR_NOMEM, "event_base_new failed");
	struct ct_http_server_config cfg = {
		.name = svc.name, .bind_addr = addr, .port = port, .tls = tls,
		.router = &router,
	};
	CT_TRY(ct_http_server_start(base, &cfg, &server));
	demo_service_write_stats(&svc);
	printf("ready port=%u\n", (unsigned)ct_http_server_port(server));
	fflush(stdout);
	ct_log_info("%s: serving on %s:%u", svc.name, addr,
		    (unsigned)ct_http_server_port(server));
	CT_TRY(ct_http_run(base, &server, 1, 5));
	demo_service_write_stats(&svc);
out:
	if (!ct_ok(res))
		ct_log_error(o->mode);
	ct_http_server_free(server);
	if (base)
		event_base_free(base);
	SSL_CTX_free(tls);
	json_decref(svc.entries);
	return ct_ok(res) ? EXIT_OK : EXIT_FAILED;
}

static int run_call(const struct options *o, const struct mesh_identity *id)
{
	struct ct_http_tls_hook hook;
	struct ct_buf reply;
	long status = 0;
	struct mesh_identity anonymous = { .mesh_ca = id->mesh_ca };
	mesh_client_hook(o->anonymous ? &anonymous : id, &hook);

	/* The URL is split into base and path at the first '/' after "//". */
	const char *scheme_end = strstr(o->url, "//");
	const char *path = scheme_end ? strchr(scheme_end + 2, '/') : NULL;
	char base_url[ADDR_MAX];
	size_t base_len = path ? (size_t)(path - o->url) : strlen(o->url);
	if (!scheme_end || base_len >= sizeof(base_url)) {
		fprintf(stderr, "contrast-demo-app call: bad URL \"%s\"\n", o->url);
		return EXIT_USAGE;
	}
	memcpy(base_url, o->url, base_len);
	base_url[base_len] = '\0';

	struct ct_http_client_config cfg = { .base_url = base_url, .tls = &hook,
					     .timeout_s = 10 };
	ct_buf_init(&reply, REPLY_MAX);
	struct ct_span body = { (const uint8_t *)(o->post ? o->post : ""),
				o->post ? strlen(o->post) : 0 };
	ct_result res = ct_http_client_request(&cfg, o->post ? "POST" : "GET",
					       path ? path : "/",
					       o->post ? "application/json" : NULL,
					       body, &status, &reply);
	if (!ct_ok(res)) {
		fprintf(stderr, "contrast-demo-app call: %s\n", ct_error_message());
		ct_buf_dispose(&reply);
		return EXIT_FAILED;
	}
	fwrite(reply.data, 1, reply.len, stdout);
	if (reply.len == 0 || reply.data[reply.len - 1] != '\n')
		putchar('\n');
	ct_buf_dispose(&reply);
	if (status < 200 || status > 299) {
		fprintf(stderr, "contrast-demo-app call: HTTP %ld\n", status);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct options o;
	struct mesh_identity id;
	int rc = parse_options(argc, argv, &o);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	ct_log_init("contrast-demo-app", CT_LOG_INFO);
	if (!ct_ok(mesh_identity_load(&id, o.tls_dir))) {
		fprintf(stderr, "contrast-demo-app: %s: %s\n", o.tls_dir,
			ct_error_message());
		return EXIT_USAGE;
	}
	rc = strcmp(o.mode, "call") == 0 ? run_call(&o, &id) : run_server(&o, &id);
	mesh_identity_dispose(&id);
	return rc;
}
