/*
 * cmd_local.c - placeholder until issue #8 lands.
 */
#include "cli.h"

#include <stdio.h>

int ct_cli_local(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "contrast %s: not available yet (issue #8)\n", argv[0]);
	return CT_EXIT_USAGE;
}
