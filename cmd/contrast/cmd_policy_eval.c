/*
 * cmd_policy_eval.c - placeholder until issue #4 lands.
 */
#include "cli.h"

#include <stdio.h>

int ct_cli_policy_eval(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "contrast %s: not available yet (issue #4)\n", argv[0]);
	return CT_EXIT_USAGE;
}
