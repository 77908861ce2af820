/*
 * cli.h - the `contrast` command line: one entry point per subcommand.
 *
 * Exit codes are shared by every subcommand: 0 success, 1 a check failed
 * (verification refused, policy mismatch), 2 usage error or unreadable input.
 * Each subcommand lives in its own cmd_<name>.c and parses its own options.
 */
#ifndef CT_CLI_H
#define CT_CLI_H

enum {
	CT_EXIT_OK = 0,
	CT_EXIT_FAILED = 1,
	CT_EXIT_USAGE = 2,
};

int ct_cli_attest(int argc, char **argv);
int ct_cli_attest_get(int argc, char **argv);
int ct_cli_policy(int argc, char **argv);
int ct_cli_policy_eval(int argc, char **argv);
int ct_cli_policy_generate(int argc, char **argv);
int ct_cli_policy_check(int argc, char **argv);
int ct_cli_policy_requests(int argc, char **argv);
int ct_cli_generate(int argc, char **argv);
int ct_cli_set(int argc, char **argv);
int ct_cli_verify(int argc, char **argv);
int ct_cli_recover(int argc, char **argv);
int ct_cli_local(int argc, char **argv);

/* Prints "contrast <cmd>: <current error>" to stderr. */
void ct_cli_print_error(const char *cmd);

#endif
