/*
 * cmd_policy_generate.c - placeholder until issue #5 lands.
 */
#include "cli.h"

#include <stdio.h>

int ct_cli_policy_generate(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "contrast %s: not available yet (issue #5)\n", argv[0]);
	return CT_EXIT_USAGE;
}
