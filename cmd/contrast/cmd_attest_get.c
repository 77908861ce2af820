/*
 * cmd_attest_get.c - `contrast attest get`: fetch SEV-SNP evidence for
 * given REPORT_DATA from this machine's platform and write it as DER
 * (DESIGN.md §4.4).
 *
 *   contrast attest get --provider configfs-tsm[:ROOT] | sev-guest[:DEVICE]
 *                       | sim:SOCKET --report-data HEX --out EVIDENCE.der
 *
 * Without --provider, CONTRAST_EVIDENCE_PROVIDER (same syntax) is used,
 * else the platform is probed. REPORT_DATA is 1 to 64 bytes of hex,
 * zero-padded to 64. The evidence is not verified here (that is `attest
 * verify`); the provider only checks it is well-formed and binds the
 * REPORT_DATA asked for.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "attest/evidence.h"
#include "attest/provider.h"
#include "base/base.h"

static void get_usage(FILE *f)
{
	fputs("usage: contrast attest get --provider configfs-tsm[:ROOT] | "
	      "sev-guest[:DEVICE] | sim:SOCKET\n"
	      "                          --report-data HEX --out EVIDENCE.der\n"
	      "  --provider defaults to $CONTRAST_EVIDENCE_PROVIDER, else "
	      "auto-detect\n"
	      "  (configfs-tsm, then sev-guest). REPORT_DATA: 1..64 bytes of "
	      "hex, zero-padded.\n"
	      "exit: 0 written, 1 the platform failed, 2 usage error\n", f);
}

int ct_cli_attest_get(int argc, char **argv)
{
	const char *provider = NULL, *rd_hex = NULL, *out = NULL;
	for (int i = 1; i < argc; i++) {
		const char **slot;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			get_usage(stdout);
			return CT_EXIT_OK;
		} else if (strcmp(argv[i], "--provider") == 0) {
			slot = &provider;
		} else if (strcmp(argv[i], "--report-data") == 0) {
			slot = &rd_hex;
		} else if (strcmp(argv[i], "--out") == 0) {
			slot = &out;
		} else {
			fprintf(stderr, "contrast attest get: unknown option %s\n",
				argv[i]);
			get_usage(stderr);
			return CT_EXIT_USAGE;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "contrast attest get: %s needs a value\n",
				argv[i]);
			return CT_EXIT_USAGE;
		}
		*slot = argv[++i];
	}
	if (rd_hex == NULL || out == NULL) {
		fprintf(stderr, "contrast attest get: --report-data and --out "
			"are required\n");
		get_usage(stderr);
		return CT_EXIT_USAGE;
	}

	uint8_t rd[64] = { 0 };
	struct ct_buf b;
	ct_buf_init(&b, sizeof(rd));
	ct_result r = ct_hex_decode(&b, rd_hex, strlen(rd_hex));
	if (ct_ok(r) && b.len == 0)
		r = CT_FAIL(CT_ERR_USAGE, "want 1 to 64 bytes of hex, got 0");
	if (ct_ok(r))
		memcpy(rd, b.data, b.len);
	ct_buf_dispose(&b);
	if (!ct_ok(r)) {
		fprintf(stderr, "contrast attest get: --report-data: %s\n",
			ct_error_message());
		return CT_EXIT_USAGE;
	}

	struct ct_evidence_provider *p = NULL;
	if (!ct_ok(ct_evidence_provider_open(provider, &p))) {
		ct_cli_print_error("attest get");
		return ct_error_category() == CT_ERR_USAGE ? CT_EXIT_USAGE
							   : CT_EXIT_FAILED;
	}
	int rc = CT_EXIT_FAILED;
	struct ct_buf ev;
	ct_buf_init(&ev, CT_SNP_EVIDENCE_MAX);
	if (!ct_ok(ct_evidence_provider_get(p, rd, &ev))) {
		ct_cli_print_error("attest get");
	} else if (!ct_ok(ct_file_write_atomic(out, ct_buf_span(&ev), 0644))) {
		ct_cli_print_error("attest get");
		rc = CT_EXIT_USAGE;
	} else {
		fprintf(stderr, "wrote %zu bytes of evidence from %s to %s\n",
			ev.len, ct_evidence_provider_name(p), out);
		rc = CT_EXIT_OK;
	}
	ct_buf_dispose(&ev);
	ct_evidence_provider_free(p);
	return rc;
}
