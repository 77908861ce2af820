/*
 * cmd_local.c - `contrast local up|down|status`: the whole product on one
 * machine, on the simulated SEV-SNP platform (docs/local-mode.md).
 *
 * This file parses options and runs `down` and `status`; the flow of `up`
 * lives in local_up.c, process bookkeeping in local_proc.c. Everything
 * local mode starts is recorded under `<workdir>/state/pids/`, so `down`
 * (and a second `up`) can stop exactly those processes and nothing else.
 */
#include "cli.h"
#include "local.h"
#include "local_proc.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STOP_GRACE_MS 5000u

static void local_usage(FILE *f)
{
	fputs("usage: contrast local up [PATHS...] [--workdir DIR] [--coordinator-port PORT]\n"
	      "                         [--image-store DIR] [--map-image REF=COMMAND]...\n"
	      "                         [--scenario NAME]\n"
	      "       contrast local down [--workdir DIR]\n"
	      "       contrast local status [--workdir DIR]\n"
	      "\n"
	      "Runs the real flow on the simulated platform: generate, a Coordinator in\n"
	      "a simulated confidential VM, set, one simulated VM per pod replica with\n"
	      "its policy enforced and its initializer attesting, the pods' containers\n"
	      "as local processes, and a third-party verify. `up` returns once the flow\n"
	      "completed and leaves the deployment running; `down` stops it.\n"
	      "\n"
	      "  PATHS                 Kubernetes YAML (default: deploy/examples/guestbook)\n"
	      "  --workdir DIR         where everything is written (default: ./contrast-local)\n"
	      "  --coordinator-port N  the user API port on 127.0.0.1 (default: 1313)\n"
	      "  --image-store DIR     OCI image layout for policy generation\n"
	      "  --map-image REF=CMD   run containers of image REF as the local command CMD\n"
	      "  --scenario NAME       also demonstrate one of: update, recover,\n"
	      "                        tampered-pod, edited-pod, wrong-measurement,\n"
	      "                        lying-host\n", f);
}

static int local_down(const char *workdir)
{
	struct local_proc *procs = NULL;
	size_t n = 0;
	if (!ct_ok(local_proc_list(workdir, &procs, &n))) {
		ct_cli_print_error("local down");
		return CT_EXIT_USAGE;
	}
	int rc = CT_EXIT_OK;
	/* Reverse name order stops pods ("pod-…") before the Coordinator and
	 * the simulator, which sort first. */
	for (size_t i = n; i-- > 0;) {
		bool was_running = local_proc_alive(&procs[i]);
		if (!ct_ok(local_proc_stop(workdir, &procs[i], STOP_GRACE_MS))) {
			ct_cli_print_error("local down");
			rc = CT_EXIT_FAILED;
			continue;
		}
		printf("%s %s (pid %d)\n", was_running ? "stopped" : "cleaned up",
		       procs[i].name, (int)procs[i].pid);
	}
	if (n == 0)
		printf("nothing is running in %s\n", workdir);
	free(procs);
	return rc;
}

/* One line from the last `up`'s summary.json, if there is one. */
static void print_summary_line(const char *workdir)
{
	char path[4096];
	json_t *s;

	if (snprintf(path, sizeof(path), "%s/summary.json", workdir) >= (int)sizeof(path) ||
	    (s = json_load_file(path, 0, NULL)) == NULL)
		return;
	printf("last up: %d pods admitted, %d refused, manifest generation %d, "
	       "Coordinator user API %s (%s)\n",
	       (int)json_integer_value(json_object_get(s, "pods_admitted")),
	       (int)json_integer_value(json_object_get(s, "pods_refused")),
	       (int)json_integer_value(json_object_get(s, "manifest_generation")),
	       json_string_value(json_object_get(s, "coordinator_user_api"))
		       ? json_string_value(json_object_get(s, "coordinator_user_api")) : "?",
	       path);
	json_decref(s);
}

static int local_status(const char *workdir)
{
	struct local_proc *procs = NULL;
	size_t n = 0, running = 0;
	if (!ct_ok(local_proc_list(workdir, &procs, &n))) {
		ct_cli_print_error("local status");
		return CT_EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++) {
		bool alive = local_proc_alive(&procs[i]);
		running += alive;
		printf("%-40s pid %-8d %s\n", procs[i].name, (int)procs[i].pid,
		       alive ? "running" : "exited");
	}
	printf("%zu of %zu recorded processes running in %s\n", running, n, workdir);
	print_summary_line(workdir);
	free(procs);
	return running == n ? CT_EXIT_OK : CT_EXIT_FAILED;
}

int ct_cli_local(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "workdir", required_argument, NULL, 'w' },
		{ "coordinator-port", required_argument, NULL, 'p' },
		{ "image-store", required_argument, NULL, 'i' },
		{ "map-image", required_argument, NULL, 'm' },
		{ "scenario", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct local_up_opts o = { .workdir = "contrast-local",
				   .coordinator_port = 1313 };
	int c, rc = CT_EXIT_USAGE;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		local_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CT_EXIT_USAGE : CT_EXIT_OK;
	}
	const char *verb = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'w': o.workdir = optarg; break;
		case 'p': {
			uint64_t port;
			if (!ct_ok(ct_parse_u64(optarg, 65535, &port)) || port == 0) {
				fprintf(stderr, "contrast local: --coordinator-port: want 1..65535\n");
				goto out;
			}
			o.coordinator_port = (uint16_t)port;
			break;
		}
		case 'i': o.image_store = optarg; break;
		case 'm':
			if (!strchr(optarg, '=') || o.n_image_maps == LOCAL_IMAGE_MAPS_MAX) {
				fprintf(stderr, "contrast local: --map-image: want REF=COMMAND "
						"(at most %u)\n", LOCAL_IMAGE_MAPS_MAX);
				goto out;
			}
			o.image_maps[o.n_image_maps++] = optarg;
			break;
		case 's':
			if (!ct_ok(local_scenario_parse(optarg, &o.scenario))) {
				ct_cli_print_error("local");
				goto out;
			}
			break;
		case 'h': local_usage(stdout); rc = CT_EXIT_OK; goto out;
		default: local_usage(stderr); goto out;
		}
	}
	o.paths = (const char *const *)argv + optind;
	o.n_paths = (size_t)(argc - optind);
	if (strcmp(verb, "up") == 0)
		return local_up(&o);
	if (o.n_paths != 0) {
		fprintf(stderr, "contrast local %s: takes no paths\n", verb);
		goto out;
	}
	if (strcmp(verb, "down") == 0)
		return local_down(o.workdir);
	if (strcmp(verb, "status") == 0)
		return local_status(o.workdir);
	fprintf(stderr, "contrast local: unknown command '%s'\n", verb);
	local_usage(stderr);
out:
	return rc;
}
