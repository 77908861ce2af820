/*
 * cmd_attest_get.c - placeholder until issue #3 lands.
 */
#include "cli.h"

#include <stdio.h>

int ct_cli_attest_get(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "contrast %s: not available yet (issue #3)\n", argv[0]);
	return CT_EXIT_USAGE;
}
