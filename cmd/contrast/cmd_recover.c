/*
 * cmd_recover.c - placeholder until issue #6 lands.
 */
#include "cli.h"

#include <stdio.h>

int ct_cli_recover(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "contrast %s: not available yet (issue #6)\n", argv[0]);
	return CT_EXIT_USAGE;
}
