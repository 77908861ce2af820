/*
 * cmd_verify.c - `contrast verify -c HOST:PORT [-m manifest.json]`: attest
 * the Coordinator and fetch the deployment's manifest history.
 *
 * The Coordinator must satisfy the local manifest's reference values and
 * run its Role "coordinator" policy. The history it returns is checked
 * for consistency: re-hashing the manifests oldest→newest as transitions
 * (SHA-256(manifest hash || previous transition), DESIGN.md §4.6) must
 * give exactly the signed latest transition it reports, so no manifest
 * was left out or reordered. Writes verify/ (root CA, mesh CA,
 * manifest.<i>.json with 0 = oldest, policy.<hash>.rego = the initdata
 * document of each policy, latest-transition) and fails unless the active
 * manifest is byte-identical to the local one.
 */
#include "cli.h"
#include "coordinator_client.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "http/api.h"

#define VERIFY_HISTORY_MAX 100000u

static void verify_usage(FILE *f)
{
	fputs("usage: contrast verify -c HOST:PORT [-m manifest.json]\n"
	      "\n"
	      "Verifies the Coordinator against the manifest's reference values and\n"
	      "its policy with Role \"coordinator\", fetches the manifest history and\n"
	      "writes it to verify/: coordinator-root-ca.pem, mesh-ca.pem,\n"
	      "manifest.<i>.json (0 = oldest), policy.<sha256>.rego (initdata),\n"
	      "latest-transition. Fails unless the active manifest equals the local one.\n"
	      "\n"
	      "  -c, --coordinator HOST:PORT  the Coordinator's user API (port 1313)\n"
	      "  -m, --manifest FILE          default manifest.json\n"
	      "exit: 0 verified, 1 verification failed or manifest differs, 2 usage\n",
	      f);
}

static CT_RESULT b64_item(const json_t *arr, size_t i, const char *what,
			  struct ct_buf *out)
{
	const json_t *s = json_array_get(arr, i);
	CT_ENSURE(json_is_string(s), CT_ERR_PROTO,
		  "coordinator reply: %s[%zu]: want a base64 string", what, i);
	if (!ct_ok(ct_base64_decode(out, json_string_value(s), json_string_length(s))))
		return ct_error_prefix("coordinator reply: %s[%zu]", what, i);
	return CT_OK;
}

static CT_RESULT write_history(const json_t *reply, const struct ct_cc *cc,
			       bool *matches)
{
	const json_t *manifests = json_object_get(reply, "manifests");
	const json_t *policies = json_object_get(reply, "policies");
	const json_t *latest = json_object_get(reply, "latest_transition");
	struct ct_buf b, sig, want;
	ct_result res = CT_OK;
	uint8_t chain[32] = { 0 };
	char name[128];

	CT_ENSURE(json_is_array(manifests) && json_array_size(manifests) > 0 &&
			  json_array_size(manifests) <= VERIFY_HISTORY_MAX &&
			  json_is_array(policies) && json_is_object(latest),
		  CT_ERR_PROTO, "coordinator reply: want manifests (1..%u), policies "
		  "and latest_transition", VERIFY_HISTORY_MAX);
	ct_buf_init(&b, CT_HTTP_API_MANIFEST_MAX);
	ct_buf_init(&sig, CT_HTTP_API_SIGNATURE_MAX);
	ct_buf_init(&want, 64);
	for (size_t i = 0; i < json_array_size(manifests); i++) {
		uint8_t mh[32], t[64];
		ct_buf_reset(&b);
		CT_TRY(b64_item(manifests, i, "manifests", &b));
		snprintf(name, sizeof(name), "manifest.%zu.json", i);
		CT_TRY(ct_cc_write(CT_CLI_VERIFY_DIR, name, ct_buf_span(&b), 0644));
		CT_TRY(ct_sha256(mh, ct_buf_span(&b)));
		memcpy(t, mh, 32);
		memcpy(t + 32, chain, 32);
		CT_TRY(ct_sha256(chain, ct_span_make(t, 64)));
		if (i + 1 == json_array_size(manifests))
			*matches = ct_span_eq(ct_buf_span(&b), ct_buf_span(&cc->manifest_raw));
	}
	for (size_t i = 0; i < json_array_size(policies); i++) {
		uint8_t h[32];
		char hex[65];
		ct_buf_reset(&b);
		CT_TRY(b64_item(policies, i, "policies", &b));
		CT_TRY(ct_sha256(h, ct_buf_span(&b)));
		ct_hex_format(hex, h, 32);
		snprintf(name, sizeof(name), "policy.%s.rego", hex);
		CT_TRY(ct_cc_write(CT_CLI_VERIFY_DIR, name, ct_buf_span(&b), 0644));
	}
	CT_TRY(ct_cc_json_b64(latest, "transition_hash", &want));
	CT_TRY(ct_cc_json_b64(latest, "signature", &sig));
	CT_TRY_ENSURE(want.len == 32 && memcmp(want.data, chain, 32) == 0,
		      CT_ERR_POLICY,
		      "history: the manifests do not hash to the latest transition "
		      "the Coordinator signed (history incomplete or reordered)");
	char hex[65];
	ct_hex_format(hex, chain, 32);
	ct_buf_reset(&b);
	CT_TRY(ct_buf_printf(&b, "%s\n", hex));
	CT_TRY(ct_cc_write(CT_CLI_VERIFY_DIR, "latest-transition", ct_buf_span(&b), 0644));
	CT_TRY(ct_cc_write(CT_CLI_VERIFY_DIR, "latest-transition.sig", ct_buf_span(&sig),
			   0644));
	for (int i = 0; i < 2; i++) {
		const char *key = i == 0 ? "root_ca" : "mesh_ca";
		ct_buf_reset(&b);
		CT_TRY(ct_cc_json_b64(reply, key, &b));
		CT_TRY(ct_cc_write(CT_CLI_VERIFY_DIR,
				   i == 0 ? CT_CLI_ROOT_CA_FILE : CT_CLI_MESH_CA_FILE,
				   ct_buf_span(&b), 0644));
	}
out:
	ct_buf_dispose(&b);
	ct_buf_dispose(&sig);
	ct_buf_dispose(&want);
	return res;
}

int ct_cli_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "coordinator", required_argument, NULL, 'c' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *coord = NULL, *mpath = CT_CLI_MANIFEST_FILE;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:m:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': coord = optarg; break;
		case 'm': mpath = optarg; break;
		case 'h': verify_usage(stdout); return CT_EXIT_OK;
		default: verify_usage(stderr); return CT_EXIT_USAGE;
		}
	}
	if (coord == NULL || optind != argc) {
		fputs(coord == NULL ? "contrast verify: -c HOST:PORT is required\n"
				    : "contrast verify: unexpected argument\n", stderr);
		verify_usage(stderr);
		return CT_EXIT_USAGE;
	}
	struct ct_cc cc;
	json_t *reply = NULL;
	int rc = CT_EXIT_USAGE;
	bool matches = false;
	if (!ct_ok(ct_cc_open(&cc, "verify", coord, mpath))) {
		ct_cli_print_error("verify");
		goto out;
	}
	rc = CT_EXIT_FAILED;
	if (!ct_ok(ct_cc_call(&cc, "GET", "/v1/manifests", NULL, &reply))) {
		ct_cli_print_error("verify");
		goto out;
	}
	printf("Successfully verified the Coordinator CVM based on reference values "
	       "from the manifest\n");
	if (!ct_ok(write_history(reply, &cc, &matches))) {
		ct_cli_print_error("verify");
		goto out;
	}
	printf("Wrote the Coordinator configuration and keys to %s/\n",
	       CT_CLI_VERIFY_DIR);
	if (!matches) {
		fprintf(stderr, "contrast verify: the manifest active at the Coordinator "
			"differs from %s (see %s/)\n", mpath, CT_CLI_VERIFY_DIR);
		goto out;
	}
	printf("Manifest active at the Coordinator matches the expected manifest\n");
	printf("Please verify the manifest history and policies in %s/\n",
	       CT_CLI_VERIFY_DIR);
	rc = CT_EXIT_OK;
out:
	json_decref(reply);
	ct_cc_close(&cc);
	return rc;
}
