/*
 * main.c - contrast-initializer: the init container of every confidential
 * pod (reference/contrast.md §9, docs/workload-attestation.md).
 *
 * Generates the workload's mesh key (P-256, never leaves the process but
 * into key.pem), opens the platform's evidence provider, and asks the
 * Coordinator for a mesh certificate until it is admitted, with a bounded
 * exponential backoff and one log line per try. Then it writes the files
 * workloads use and exits 0. Pods stay in Init until a manifest admits
 * them, so refusals are retried by default; --max-attempts bounds that.
 *
 * Trust boundary: flags and environment come from the pod spec, which the
 * runtime policy pins; the Coordinator's answer is untrusted (see
 * mesh_client.c). No secret reaches the log.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "initializer.h"

#define DEFAULT_OUT_DIR "/contrast"
#define DEFAULT_RETRY_MAX_MS 5000u
#define RETRY_FIRST_MS 250u
#define DEFAULT_TIMEOUT_S 30u
#define RETRY_MAX_MS_LIMIT 600000u

static void usage(FILE *f)
{
	fprintf(f,
		"usage: contrast-initializer [options]\n"
		"\n"
		"Attests this pod to the Coordinator's mesh API and writes its mesh\n"
		"identity and workload secret:\n"
		"  OUT/tls-config/{mesh-ca.pem,certChain.pem,key.pem,coordinator-root-ca.pem}\n"
		"  OUT/secrets/workload-secret-seed   (when the policy has a WorkloadSecretID)\n"
		"\n"
		"options:\n"
		"  -c, --coordinator HOST[:PORT]  Coordinator mesh API (env COORDINATOR_HOST;\n"
		"                                 port defaults to 7777)\n"
		"  -e, --evidence PROVIDER        configfs-tsm[:ROOT] | sev-guest[:DEVICE] |\n"
		"                                 sim:SOCKET (env CONTRAST_EVIDENCE_PROVIDER;\n"
		"                                 default: auto-detect)\n"
		"  -o, --out-dir DIR              output root (default " DEFAULT_OUT_DIR ")\n"
		"      --max-attempts N           give up after N refused or failed tries\n"
		"                                 (default 0: retry until admitted)\n"
		"      --retry-max-ms MS          backoff cap between tries (default %u)\n"
		"      --timeout SECONDS          one request (default %u)\n"
		"      --log-level LEVEL          error | warn | info | debug (default info)\n"
		"  -h, --help                     this text\n"
		"\n"
		"Exit status: 0 admitted and files written, 1 gave up or failed, 2 usage.\n",
		DEFAULT_RETRY_MAX_MS, DEFAULT_TIMEOUT_S);
}

static CT_RESULT parse_uint(const char *flag, const char *s, uint64_t max,
			    unsigned *out)
{
	uint64_t v;
	if (!ct_ok(ct_parse_u64(s, max, &v)))
		return ct_error_prefix("%s", flag);
	*out = (unsigned)v;
	return CT_OK;
}

/* Returns 0 to run, 1 for --help, 2 on a usage error. */
static int parse_args(int argc, char **argv, struct init_options *o)
{
	enum { OPT_MAX_ATTEMPTS = 256, OPT_RETRY_MAX, OPT_TIMEOUT, OPT_LOG };
	static const struct option longopts[] = {
		{ "coordinator", required_argument, NULL, 'c' },
		{ "evidence", required_argument, NULL, 'e' },
		{ "out-dir", required_argument, NULL, 'o' },
		{ "max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS },
		{ "retry-max-ms", required_argument, NULL, OPT_RETRY_MAX },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "log-level", required_argument, NULL, OPT_LOG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof(*o));
	o->coordinator = getenv("COORDINATOR_HOST");
	o->evidence = getenv(CT_PROVIDER_ENV);
	o->out_dir = DEFAULT_OUT_DIR;
	o->retry_max_ms = DEFAULT_RETRY_MAX_MS;
	o->timeout_s = DEFAULT_TIMEOUT_S;
	int c;
	ct_result r = CT_OK;
	while ((c = getopt_long(argc, argv, "c:e:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->coordinator = optarg; break;
		case 'e': o->evidence = optarg; break;
		case 'o': o->out_dir = optarg; break;
		case OPT_MAX_ATTEMPTS:
			r = parse_uint("--max-attempts", optarg, 1000000, &o->max_attempts);
			break;
		case OPT_RETRY_MAX:
			r = parse_uint("--retry-max-ms", optarg, RETRY_MAX_MS_LIMIT,
				       &o->retry_max_ms);
			break;
		case OPT_TIMEOUT:
			r = parse_uint("--timeout", optarg, 3600, &o->timeout_s);
			if (ct_ok(r) && o->timeout_s == 0)
				r = CT_FAIL(CT_ERR_USAGE, "--timeout: must be > 0");
			break;
		case OPT_LOG: {
			enum ct_log_level lvl;
			r = ct_log_level_parse(optarg, &lvl);
			if (ct_ok(r))
				ct_log_set_level(lvl);
			break;
		}
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
		if (!ct_ok(r)) {
			ct_log_error("usage");
			return 2;
		}
	}
	if (optind != argc) {
		ct_log_err("unexpected argument \"%s\" (see --help)", argv[optind]);
		return 2;
	}
	if (o->out_dir[0] == '\0') {
		ct_log_err("--out-dir: empty");
		return 2;
	}
	return 0;
}

static CT_RESULT make_key(EVP_PKEY **out)
{
	*out = EVP_EC_gen("P-256");
	if (*out == NULL)
		return CT_FAIL_OSSL(CT_ERR_CRYPTO, "cannot generate the P-256 mesh key");
	return CT_OK;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000u, (long)(ms % 1000u) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int run(const struct init_options *o)
{
	int rc = 1;
	char url[INIT_HOST_MAX + 32];
	EVP_PKEY *key = NULL;
	struct ct_evidence_provider *provider = NULL;

	if (!ct_ok(init_base_url(o->coordinator, url, sizeof(url)))) {
		ct_log_error("configuration");
		return 2;
	}
	if (!ct_ok(ct_evidence_provider_open(o->evidence, &provider))) {
		ct_log_error("evidence provider");
		return ct_error_category() == CT_ERR_USAGE ? 2 : 1;
	}
	if (!ct_ok(make_key(&key))) {
		ct_log_error("key");
		goto out;
	}
	ct_log_info("attesting to %s with evidence from %s; writing to %s", url,
		    ct_evidence_provider_name(provider), o->out_dir);
	unsigned delay = o->retry_max_ms < RETRY_FIRST_MS ? o->retry_max_ms
							  : RETRY_FIRST_MS;
	for (unsigned attempt = 1;; attempt++) {
		struct ct_meshapi_cert_response resp;
		ct_meshapi_cert_response_init(&resp);
		ct_result r = init_request_cert(url, o->timeout_s, provider, key,
						&resp);
		if (ct_ok(r)) {
			r = init_write_outputs(o->out_dir, key, &resp);
			bool secret = resp.has_workload_secret;
			ct_meshapi_cert_response_dispose(&resp);
			if (!ct_ok(r)) {
				ct_log_error("writing the mesh identity");
				goto out;
			}
			ct_log_info("attempt %u: admitted; wrote the mesh identity%s "
				    "to %s", attempt,
				    secret ? " and the workload secret" : "",
				    o->out_dir);
			rc = 0;
			goto out;
		}
		ct_meshapi_cert_response_dispose(&resp);
		bool last = o->max_attempts != 0 && attempt >= o->max_attempts;
		if (last) {
			ct_log_err("attempt %u: not admitted: %s; giving up after %u "
				   "attempt%s", attempt, ct_error_message(), attempt,
				   attempt == 1 ? "" : "s");
			goto out;
		}
		ct_log_warn("attempt %u: not admitted: %s; retrying in %u ms",
			    attempt, ct_error_message(), delay);
		sleep_ms(delay);
		delay = delay * 2 > o->retry_max_ms ? o->retry_max_ms : delay * 2;
	}
out:
	EVP_PKEY_free(key);
	ct_evidence_provider_free(provider);
	return rc;
}

int main(int argc, char **argv)
{
	struct init_options o;
	ct_log_init("contrast-initializer", CT_LOG_INFO);
	int p = parse_args(argc, argv, &o);
	if (p != 0)
		return p == 1 ? 0 : 2;
	return run(&o);
}
