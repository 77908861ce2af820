/*
 * contrast-snp-sim - a simulated AMD SEV-SNP platform (DESIGN.md §4.7).
 *
 *   contrast-snp-sim init --state-dir DIR [--product Milan|Genoa|Turin]
 *   contrast-snp-sim launch --state-dir DIR --socket PATH --measurement HEX
 *       --host-data HEX [--policy HEX] [--tcb BL:TEE:SNP:UCODE[:FMC]]
 *       [--vmpl N] [--fault debug|wrong-chip|bad-signature|
 *                           vcek-tcb-mismatch|slow|fail]
 *
 * `init` creates the key hierarchy (once) and prints the ARK PEM path.
 * `launch` serves one simulated VM in the foreground: it prints
 * "ready socket=PATH" on stdout when the socket accepts, logs to stderr,
 * and on SIGTERM/SIGINT stops, removes its socket and exits 0.
 *
 * Trust boundary: options come from the host operator (trusted to set the
 * launch context, as a real host is); the socket's clients are guests and
 * untrusted (lib/sim/sim_server.c).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "sim/sim.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static void usage(FILE *f)
{
	fputs("usage: contrast-snp-sim init --state-dir DIR [--product Milan|Genoa|Turin]\n"
	      "       contrast-snp-sim launch --state-dir DIR --socket PATH --measurement HEX\n"
	      "                 --host-data HEX [--policy HEX] [--tcb BL:TEE:SNP:UCODE[:FMC]]\n"
	      "                 [--vmpl N] [--fault debug|wrong-chip|bad-signature|\n"
	      "                                    vcek-tcb-mismatch|slow|fail]\n"
	      "\n"
	      "init creates the simulator's key hierarchy (ARK, ASK; VCEKs are derived\n"
	      "per chip and TCB) in DIR (mode 0700) and prints the ARK PEM path, the\n"
	      "manifest's SimulatorRootCA. launch serves one simulated VM whose launch\n"
	      "context is fixed here; a guest on the socket chooses only REPORT_DATA.\n"
	      "It prints \"ready socket=PATH\" when serving and stops on SIGTERM/SIGINT.\n"
	      "exit: 0 ok, 1 failed, 2 usage error\n", f);
}

/* Next option value or a usage error. */
static const char *value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "contrast-snp-sim: %s needs a value\n", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static int fail(const char *what)
{
	ct_log_error(what);
	enum ct_err c = ct_error_category();
	return c == CT_ERR_USAGE ? EXIT_USAGE : EXIT_FAIL;
}

static int cmd_init(int argc, char **argv)
{
	const char *dir = NULL, *product = NULL;
	for (int i = 1; i < argc; i++) {
		const char **slot = NULL;
		if (strcmp(argv[i], "--state-dir") == 0)
			slot = &dir;
		else if (strcmp(argv[i], "--product") == 0)
			slot = &product;
		else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else {
			fprintf(stderr, "contrast-snp-sim init: unknown option %s\n",
				argv[i]);
			return EXIT_USAGE;
		}
		if ((*slot = value(argc, argv, &i)) == NULL)
			return EXIT_USAGE;
	}
	if (dir == NULL) {
		fprintf(stderr, "contrast-snp-sim init: --state-dir is required\n");
		return EXIT_USAGE;
	}
	struct ct_sim_init_opts o = { 0 };
	if (product != NULL) {
		if (!ct_ok(ct_snp_product_parse(product, &o.product)) ||
		    strchr(product, '-') != NULL) {
			fprintf(stderr, "contrast-snp-sim init: --product %s: want "
				"Milan, Genoa or Turin\n", product);
			return EXIT_USAGE;
		}
	}
	char *ark = NULL;
	if (!ct_ok(ct_sim_init(dir, &o, &ark)))
		return fail("init");
	printf("%s\n", ark);
	free(ark);
	return EXIT_OK;
}

struct launch_args {
	const char *dir, *socket, *measurement, *host_data, *policy, *tcb,
		*vmpl, *fault;
};

static int parse_launch(int argc, char **argv, struct launch_args *a)
{
	static const struct {
		const char *flag;
		size_t off;
	} opts[] = {
		{ "--state-dir", offsetof(struct launch_args, dir) },
		{ "--socket", offsetof(struct launch_args, socket) },
		{ "--measurement", offsetof(struct launch_args, measurement) },
		{ "--host-data", offsetof(struct launch_args, host_data) },
		{ "--policy", offsetof(struct launch_args, policy) },
		{ "--tcb", offsetof(struct launch_args, tcb) },
		{ "--vmpl", offsetof(struct launch_args, vmpl) },
		{ "--fault", offsetof(struct launch_args, fault) },
	};
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return -1;
		}
		size_t k = 0;
		while (k < sizeof(opts) / sizeof(opts[0]) &&
		       strcmp(argv[i], opts[k].flag) != 0)
			k++;
		if (k == sizeof(opts) / sizeof(opts[0])) {
			fprintf(stderr, "contrast-snp-sim launch: unknown option "
				"%s\n", argv[i]);
			return EXIT_USAGE;
		}
		const char *v = value(argc, argv, &i);
		if (v == NULL)
			return EXIT_USAGE;
		*(const char **)((char *)a + opts[k].off) = v;
	}
	if (a->dir == NULL || a->socket == NULL || a->measurement == NULL ||
	    a->host_data == NULL) {
		fprintf(stderr, "contrast-snp-sim launch: --state-dir, --socket, "
			"--measurement and --host-data are required\n");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static ct_result hex_exact(uint8_t *out, size_t len, const char *name,
			   const char *hex)
{
	CT_ENSURE(strlen(hex) == 2 * len, CT_ERR_USAGE, "%s: want %zu hex "
		  "digits (%zu bytes), got %zu", name, 2 * len, len, strlen(hex));
	if (!ct_ok(ct_hex_decode_fixed(out, len, hex)))
		return ct_error_prefix("%s", name);
	return CT_OK;
}

static ct_result to_launch(const struct launch_args *a, struct ct_sim_launch *l)
{
	ct_sim_launch_init(l);
	CT_GUARD(hex_exact(l->measurement, sizeof(l->measurement),
			   "--measurement", a->measurement));
	CT_GUARD(hex_exact(l->host_data, sizeof(l->host_data), "--host-data",
			   a->host_data));
	if (a->policy != NULL) {
		const char *h = a->policy;
		if (strncmp(h, "0x", 2) == 0 || strncmp(h, "0X", 2) == 0)
			h += 2;
		char *end = NULL;
		CT_ENSURE(h[0] != '\0' && strlen(h) <= 16, CT_ERR_USAGE,
			  "--policy: want up to 16 hex digits");
		unsigned long long v = strtoull(h, &end, 16);
		CT_ENSURE(end != NULL && *end == '\0' && h[0] != '-' &&
			  h[0] != '+' && h[0] != ' ', CT_ERR_USAGE,
			  "--policy: \"%s\" is not hex", a->policy);
		l->policy = v;
	}
	if (a->tcb != NULL) {
		CT_GUARD(ct_sim_tcb_parse(a->tcb, &l->tcb));
		l->has_tcb = true;
	}
	if (a->vmpl != NULL) {
		uint64_t v;
		if (!ct_ok(ct_parse_u64(a->vmpl, 3, &v)))
			return ct_error_prefix("--vmpl (0..3)");
		l->vmpl = (uint32_t)v;
	}
	if (a->fault != NULL)
		CT_GUARD(ct_sim_fault_parse(a->fault, &l->fault));
	const char *slow = getenv(CT_SIM_SLOW_MS_ENV);
	if (slow != NULL) {
		uint64_t v;
		if (!ct_ok(ct_parse_u64(slow, 3600000, &v)))
			return ct_error_prefix("%s", CT_SIM_SLOW_MS_ENV);
		l->slow_ms = (unsigned)v;
	}
	return CT_OK;
}

static int cmd_launch(int argc, char **argv)
{
	struct launch_args a;
	struct ct_sim_launch l;
	struct ct_sim *sim = NULL;
	struct ct_sim_vm *vm = NULL;
	struct ct_sim_server *srv = NULL;
	int rc = parse_launch(argc, argv, &a);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if (!ct_ok(to_launch(&a, &l)))
		return fail("launch");

	/* Signals are taken synchronously by this thread only. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	char *ark = NULL;
	if (!ct_ok(ct_sim_init(a.dir, NULL, &ark)) ||
	    !ct_ok(ct_sim_load(a.dir, &sim)) || !ct_ok(ct_sim_vm_new(sim, &l, &vm)) ||
	    !ct_ok(ct_sim_server_start(vm, a.socket, &srv))) {
		rc = fail("launch");
		goto out;
	}
	ct_log_info("serving a %s VM on %s (fault %s, root %s)",
		    ct_snp_product_name(ct_sim_product(sim)), a.socket,
		    ct_sim_fault_name(l.fault), ark);
	printf("ready socket=%s\n", a.socket);
	fflush(stdout);
	int sig = 0;
	while (sigwait(&set, &sig) != 0)
		;
	ct_log_info("signal %d: stopping after %llu requests", sig,
		    (unsigned long long)ct_sim_server_served(srv));
	ct_sim_server_stop(srv);
	rc = EXIT_OK;
out:
	free(ark);
	ct_sim_vm_free(vm);
	ct_sim_free(sim);
	return rc;
}

int main(int argc, char **argv)
{
	ct_log_init("contrast-snp-sim", CT_LOG_INFO);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "init") == 0)
		return cmd_init(argc - 1, argv + 1);
	if (strcmp(argv[1], "launch") == 0)
		return cmd_launch(argc - 1, argv + 1);
	fprintf(stderr, "contrast-snp-sim: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
