/*
 * main.c - `contrast`, the user's command line.
 *
 * Dispatches to the subcommands; everything of substance lives in lib/ and
 * in the cmd_<name>.c files, so this file only knows names and help text.
 */
#include "base/base.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "generate", ct_cli_generate,
	  "generate runtime policies and the manifest from Kubernetes YAML" },
	{ "set", ct_cli_set, "set the manifest at the Coordinator" },
	{ "verify", ct_cli_verify,
	  "verify the Coordinator and the deployment's manifest history" },
	{ "recover", ct_cli_recover, "unseal a restarted Coordinator" },
	{ "policy", ct_cli_policy,
	  "evaluate, generate and check runtime policies offline" },
	{ "attest", ct_cli_attest, "get, inspect and verify attestation evidence" },
	{ "local", ct_cli_local,
	  "run the whole product on this machine on the simulated platform" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: contrast <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'contrast <command> --help' for a command's options.\n");
}

void ct_cli_print_error(const char *cmd)
{
	fprintf(stderr, "contrast %s: %s\n", cmd, ct_error_message());
}

int main(int argc, char **argv)
{
	ct_log_init("contrast", CT_LOG_WARN);
	if (argc < 2) {
		usage(stderr);
		return CT_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CT_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("contrast 0.1.0\n");
		return CT_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "contrast: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return CT_EXIT_USAGE;
}
