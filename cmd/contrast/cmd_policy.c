/*
 * cmd_policy.c - `contrast policy`: offline work on runtime policies.
 *
 * Dispatches to eval (the Rego engine), generate and check (the policy
 * generator and enforcer), and requests (the agent request builder).
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

int ct_cli_policy(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		FILE *f = argc < 2 ? stderr : stdout;
		fprintf(f, "usage: contrast policy <eval|generate|check|requests> [options]\n"
			   "  eval      evaluate a Rego query\n"
			   "  generate  print the runtime policy of a pod YAML\n"
			   "  check     run agent-request test cases against a policy\n"
			   "  requests  print the agent requests that start a pod\n");
		return argc < 2 ? CT_EXIT_USAGE : CT_EXIT_OK;
	}
	if (strcmp(argv[1], "eval") == 0)
		return ct_cli_policy_eval(argc - 1, argv + 1);
	if (strcmp(argv[1], "generate") == 0)
		return ct_cli_policy_generate(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return ct_cli_policy_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "requests") == 0)
		return ct_cli_policy_requests(argc - 1, argv + 1);
	fprintf(stderr, "contrast policy: unknown subcommand '%s'\n", argv[1]);
	return CT_EXIT_USAGE;
}
