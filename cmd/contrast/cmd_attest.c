/*
 * cmd_attest.c - `contrast attest inspect|verify|get`.
 *
 * inspect prints every field of a report (or of the report inside an
 * evidence blob); verify runs the full SEV-SNP verification and prints
 * `verified ...` (exit 0) or one line per failed check (exit 1); usage
 * errors and unreadable input exit 2. `get` lives in cmd_attest_get.c.
 *
 * Trust boundary: all files named on the command line are untrusted
 * input; the only trust decisions are the embedded AMD roots, an `--ark`
 * the user names explicitly (the simulator's root), and
 * CONTRAST_ALLOW_SIMULATED=1 for simulated reference values.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "attest/evidence.h"
#include "attest/snp_verify.h"
#include "base/base.h"
#include "crypto/crypto.h"

#define ATTEST_INPUT_MAX (CT_SNP_EVIDENCE_MAX + 1024u)

static void attest_usage(FILE *f)
{
	fprintf(f,
		"usage: contrast attest inspect REPORT|EVIDENCE [--json]\n"
		"       contrast attest verify (--report REPORT (--vcek CERT | --cert-table FILE)\n"
		"                              | --evidence EVIDENCE.der)\n"
		"                 [--product Milan|Genoa|Turin] [--ask CERT] [--ark CERT]\n"
		"                 [--crl FILE] [--reference-values FILE.json]\n"
		"                 [--report-data HEX] [--host-data HEX] [--at RFC3339-time]\n"
		"       contrast attest get --provider P --report-data HEX --out EVIDENCE.der\n"
		"exit: 0 verified, 1 a check failed, 2 usage error or unreadable input\n");
}

/* Adds context to the current error (the result is only a copy of it). */
static void add_context(const char *what)
{
	ct_result r = ct_error_prefix("%s", what);
	(void)r;
}

/* Reads a report file; an evidence blob is unwrapped to its report. */
static ct_result read_report_or_evidence(struct ct_buf *report,
					 struct ct_buf *table, const char *path,
					 bool *was_evidence)
{
	struct ct_buf b;
	ct_buf_init(&b, ATTEST_INPUT_MAX);
	ct_result res = ct_file_read(&b, path, ATTEST_INPUT_MAX);
	*was_evidence = false;
	if (ct_ok(res) && b.len > 0 && b.data[0] == 0x30 &&
	    b.len != CT_SNP_REPORT_SIZE) {
		struct ct_snp_evidence ev;
		res = ct_snp_evidence_decode(&ev, ct_buf_span(&b));
		if (ct_ok(res)) {
			*was_evidence = true;
			res = ct_buf_append(report, ev.report, CT_SNP_REPORT_SIZE);
			if (ct_ok(res) && table != NULL)
				res = ct_buf_append_span(table,
							 ct_buf_span(&ev.cert_table));
			ct_snp_evidence_dispose(&ev);
		}
	} else if (ct_ok(res)) {
		res = ct_buf_append_span(report, ct_buf_span(&b));
	}
	ct_buf_dispose(&b);
	if (!ct_ok(res) && ct_error_category() != CT_ERR_IO)
		return ct_error_prefix("%s", path); /* IO errors name it already */
	return res;
}

static int cmd_inspect(int argc, char **argv)
{
	bool json = false;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			attest_usage(stdout);
			return CT_EXIT_OK;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "contrast attest inspect: unknown option %s\n", argv[i]);
			return CT_EXIT_USAGE;
		} else if (path == NULL)
			path = argv[i];
		else {
			fprintf(stderr, "contrast attest inspect: one REPORT only\n");
			return CT_EXIT_USAGE;
		}
	}
	if (path == NULL) {
		attest_usage(stderr);
		return CT_EXIT_USAGE;
	}
	struct ct_buf rep, out;
	ct_buf_init(&rep, ATTEST_INPUT_MAX);
	ct_buf_init(&out, 1u << 20);
	int rc = CT_EXIT_USAGE;
	bool ev;
	struct ct_snp_report r;
	if (!ct_ok(read_report_or_evidence(&rep, NULL, path, &ev)) ||
	    !ct_ok(ct_snp_report_parse(&r, ct_buf_span(&rep))) ||
	    !ct_ok(json ? ct_snp_report_format_json(&out, &r)
			: ct_snp_report_format_text(&out, &r))) {
		ct_cli_print_error("attest inspect");
		goto out;
	}
	fputs(ct_buf_cstr(&out), stdout);
	rc = CT_EXIT_OK;
out:
	ct_buf_dispose(&rep);
	ct_buf_dispose(&out);
	return rc;
}

struct verify_args {
	const char *report, *evidence, *vcek, *cert_table, *product, *ask, *ark,
		*crl, *refvals, *report_data, *host_data, *at;
};

static int parse_verify_args(int argc, char **argv, struct verify_args *a)
{
	enum { O_REPORT = 1, O_EVIDENCE, O_VCEK, O_TABLE, O_PRODUCT, O_ASK,
	       O_ARK, O_CRL, O_REFVALS, O_RDATA, O_HDATA, O_AT, O_HELP };
	static const struct option opts[] = {
		{ "report", required_argument, NULL, O_REPORT },
		{ "evidence", required_argument, NULL, O_EVIDENCE },
		{ "vcek", required_argument, NULL, O_VCEK },
		{ "cert-table", required_argument, NULL, O_TABLE },
		{ "product", required_argument, NULL, O_PRODUCT },
		{ "ask", required_argument, NULL, O_ASK },
		{ "ark", required_argument, NULL, O_ARK },
		{ "crl", required_argument, NULL, O_CRL },
		{ "reference-values", required_argument, NULL, O_REFVALS },
		{ "report-data", required_argument, NULL, O_RDATA },
		{ "host-data", required_argument, NULL, O_HDATA },
		{ "at", required_argument, NULL, O_AT },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_REPORT: a->report = optarg; break;
		case O_EVIDENCE: a->evidence = optarg; break;
		case O_VCEK: a->vcek = optarg; break;
		case O_TABLE: a->cert_table = optarg; break;
		case O_PRODUCT: a->product = optarg; break;
		case O_ASK: a->ask = optarg; break;
		case O_ARK: a->ark = optarg; break;
		case O_CRL: a->crl = optarg; break;
		case O_REFVALS: a->refvals = optarg; break;
		case O_RDATA: a->report_data = optarg; break;
		case O_HDATA: a->host_data = optarg; break;
		case O_AT: a->at = optarg; break;
		case O_HELP:
			attest_usage(stdout);
			return -1;
		default:
			fprintf(stderr, "contrast attest verify: unknown or "
				"incomplete option %s\n", argv[optind - 1]);
			return CT_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "contrast attest verify: unexpected argument %s\n",
			argv[optind]);
		return CT_EXIT_USAGE;
	}
	if ((a->report == NULL) == (a->evidence == NULL)) {
		fprintf(stderr, "contrast attest verify: give exactly one of "
			"--report and --evidence\n");
		return CT_EXIT_USAGE;
	}
	if (a->report != NULL && a->vcek == NULL && a->cert_table == NULL) {
		fprintf(stderr, "contrast attest verify: --report needs --vcek "
			"or --cert-table\n");
		return CT_EXIT_USAGE;
	}
	if (a->evidence != NULL && a->cert_table != NULL) {
		fprintf(stderr, "contrast attest verify: --evidence carries its "
			"own cert table\n");
		return CT_EXIT_USAGE;
	}
	return CT_EXIT_OK;
}

/* Hex of at most `max` bytes, zero-padded to `max` when `pad`. */
static ct_result parse_hex_opt(uint8_t *out, size_t max, bool pad,
			       const char *name, const char *hex)
{
	struct ct_buf b;
	ct_buf_init(&b, max);
	ct_result res = ct_hex_decode(&b, hex, strlen(hex));
	if (ct_ok(res) && (b.len == 0 || (pad ? b.len > max : b.len != max)))
		res = CT_FAIL(CT_ERR_USAGE, "want %s%zu bytes of hex, got %zu",
			      pad ? "1 to " : "", max, b.len);
	if (ct_ok(res)) {
		memset(out, 0, max);
		memcpy(out, b.data, b.len);
	}
	ct_buf_dispose(&b);
	if (!ct_ok(res))
		return ct_error_prefix("--%s", name);
	return res;
}

static void print_verified(const struct ct_snp_verify_result *res,
			   time_t at)
{
	char t[21], m[2 * CT_SNP_MEASUREMENT_LEN + 1];
	ct_time_format_rfc3339(t, at);
	ct_hex_format(m, res->report.measurement, CT_SNP_MEASUREMENT_LEN);
	printf("verified: SEV-SNP report v%u (%s), signed by %s, chain to %s "
	       "root at %s, measurement %s\n",
	       res->report.version, ct_snp_product_name(res->product),
	       res->vcek.is_vlek ? "VLEK" : "VCEK",
	       res->custom_root ? "custom (simulator)" : "AMD", t, m);
}

static int cmd_verify(int argc, char **argv)
{
	struct verify_args a;
	int rc = parse_verify_args(argc, argv, &a);
	if (rc != CT_EXIT_OK)
		return rc < 0 ? CT_EXIT_OK : rc;

	rc = CT_EXIT_USAGE;
	struct ct_buf report, table;
	ct_buf_init(&report, ATTEST_INPUT_MAX);
	ct_buf_init(&table, CT_SNP_CERT_TABLE_MAX);
	struct ct_snp_verify_opts o;
	memset(&o, 0, sizeof(o));
	struct ct_snp_refvals rv;
	bool have_rv = false;
	X509 *vcek = NULL, *ask = NULL, *ark = NULL;
	X509_CRL *crl = NULL;
	struct ct_snp_verifier *v = NULL;
	struct ct_snp_verify_result *res = NULL;
	uint8_t rdata[CT_SNP_REPORT_DATA_LEN], hdata[CT_SNP_HOST_DATA_LEN];
	bool ev = false;

	if (a.evidence != NULL) {
		if (!ct_ok(read_report_or_evidence(&report, &table, a.evidence, &ev))) {
			if (ct_error_category() == CT_ERR_IO)
				goto fail;
			goto refused; /* the content is malformed: a failed check */
		}
		if (!ev) {
			CT_RECORD(CT_ERR_PROTO, "snp evidence: %s: not DER evidence",
				  a.evidence);
			goto refused;
		}
	} else {
		if (!ct_ok(ct_file_read(&report, a.report, ATTEST_INPUT_MAX))) {
			add_context(a.report);
			goto fail;
		}
		if (a.cert_table != NULL &&
		    !ct_ok(ct_file_read(&table, a.cert_table, CT_SNP_CERT_TABLE_MAX))) {
			add_context(a.cert_table);
			goto fail;
		}
	}
	if ((a.vcek != NULL && !ct_ok(ct_x509_load_file(&vcek, a.vcek))) ||
	    (a.ask != NULL && !ct_ok(ct_x509_load_file_pick(&ask, a.ask, false))) ||
	    (a.ark != NULL && !ct_ok(ct_x509_load_file_pick(&ark, a.ark, true))) ||
	    (a.crl != NULL && !ct_ok(ct_x509_crl_load_file(&crl, a.crl))))
		goto fail;
	if (a.product != NULL && !ct_ok(ct_snp_product_parse(a.product, &o.product)))
		goto fail;
	if (a.at != NULL && !ct_ok(ct_time_parse_rfc3339(a.at, &o.at))) {
		add_context("--at");
		goto fail;
	}
	if (o.at == 0)
		o.at = time(NULL);
	if (a.report_data != NULL) {
		if (!ct_ok(parse_hex_opt(rdata, sizeof(rdata), true, "report-data",
					 a.report_data)))
			goto fail;
		o.report_data = rdata;
	}
	if (a.host_data != NULL) {
		if (!ct_ok(parse_hex_opt(hdata, sizeof(hdata), false, "host-data",
					 a.host_data)))
			goto fail;
		o.host_data = hdata;
	}
	if (a.refvals != NULL) {
		struct ct_buf j;
		ct_buf_init(&j, CT_SNP_REFVALS_JSON_MAX);
		ct_result r = ct_file_read(&j, a.refvals, CT_SNP_REFVALS_JSON_MAX);
		if (ct_ok(r))
			r = ct_snp_refvals_parse(&rv, ct_buf_span(&j));
		ct_buf_dispose(&j);
		if (!ct_ok(r)) {
			add_context(a.refvals);
			goto fail;
		}
		have_rv = true;
		o.refvals = &rv;
	}
	if (!ct_ok(ct_snp_verifier_new(&v)))
		goto fail;
	res = ct_calloc(1, sizeof(*res));
	if (res == NULL)
		goto fail;

	/*
	 * Roots: simulated reference values bring their own root (or use
	 * --ark) and need CONTRAST_ALLOW_SIMULATED=1. Otherwise an --ark that
	 * is not one of AMD's pinned ARKs is a root the user explicitly
	 * trusts (the simulator's); verification says so in its verdict.
	 */
	if (have_rv && rv.simulator) {
		const char *allow = getenv("CONTRAST_ALLOW_SIMULATED");
		if (allow == NULL || strcmp(allow, "1") != 0) {
			printf("snp: reference values are for the Simulator: "
			       "refused (set CONTRAST_ALLOW_SIMULATED=1)\n");
			rc = CT_EXIT_FAILED;
			goto done;
		}
		X509 *root = rv.simulator_root != NULL ? rv.simulator_root : ark;
		if (root != NULL && !ct_ok(ct_snp_verifier_set_custom_root(v, root)))
			goto fail;
	} else if (ark != NULL) {
		if (!ct_ok(ct_snp_verifier_set_custom_root(v, ark)))
			goto fail;
	}
	o.vcek = vcek;
	o.ask = ask;
	o.ark = ark;
	o.crl = crl;
	o.cert_table = ct_buf_span(&table);

	ct_result vr = ct_snp_verify(v, res, ct_buf_span(&report), &o);
	if (!res->parsed) {
		(void)vr;
		goto refused;
	}
	/* Unknown bits never decide; they are shown so operators notice. */
	for (unsigned bit = 0; bit < 32; bit++)
		if (res->report.reserved_nonzero & (1u << bit))
			fprintf(stderr, "note: non-zero %s (signed; not a failure)\n",
				ct_snp_reserved_name((enum ct_snp_reserved)(1u << bit)));
	if (ct_ok(vr)) {
		print_verified(res, o.at);
		rc = CT_EXIT_OK;
	} else {
		for (size_t i = 0; i < res->findings.count; i++)
			printf("%s\n", res->findings.line[i]);
		if (res->findings.dropped > 0)
			printf("snp: %zu more failed checks not shown\n",
			       res->findings.dropped);
		rc = CT_EXIT_FAILED;
	}
	goto done;
refused:
	/* Malformed report or evidence: one line naming what is wrong. */
	printf("%s\n", ct_error_message());
	rc = CT_EXIT_FAILED;
	goto done;
fail:
	ct_cli_print_error("attest verify");
	rc = CT_EXIT_USAGE;
done:
	free(res);
	ct_snp_verifier_free(v);
	if (have_rv)
		ct_snp_refvals_dispose(&rv);
	X509_free(vcek);
	X509_free(ask);
	X509_free(ark);
	X509_CRL_free(crl);
	ct_buf_dispose(&report);
	ct_buf_dispose(&table);
	return rc;
}

int ct_cli_attest(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		attest_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CT_EXIT_USAGE : CT_EXIT_OK;
	}
	if (strcmp(argv[1], "inspect") == 0)
		return cmd_inspect(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "get") == 0)
		return ct_cli_attest_get(argc - 1, argv + 1);
	fprintf(stderr, "contrast attest: unknown subcommand '%s'\n", argv[1]);
	attest_usage(stderr);
	return CT_EXIT_USAGE;
}
