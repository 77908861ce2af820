/*
 * cmd_attest.c - placeholder until issue #2 lands.
 */
#include "cli.h"

#include <stdio.h>

int ct_cli_attest(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "contrast %s: not available yet (issue #2)\n", argv[0]);
	return CT_EXIT_USAGE;
}
