/*
 * cmd_recover.c - `contrast recover -c HOST:PORT [--seedshare-owner-key
 * KEY] [--seed seed-shares.json]`: unseal a restarted Coordinator.
 *
 * Decrypts the seed share addressed to the seedshare owner key (RSA-OAEP,
 * lib/state), verifies the Coordinator against the local manifest (-m,
 * default manifest.json) exactly as `set` does, and sends seed and salt
 * with the seedshare key as the TLS client key, so the Coordinator can
 * check it against the manifest's SeedshareOwnerPubKeys. The seed is held
 * only in secret (wiped) buffers and is never printed.
 */
#include "cli.h"
#include "coordinator_client.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "state/state.h"

static void recover_usage(FILE *f)
{
	fputs("usage: contrast recover -c HOST:PORT [--seedshare-owner-key KEY]\n"
	      "                        [--seed seed-shares.json] [-m manifest.json]\n"
	      "\n"
	      "Unseals a Coordinator that restarted with existing history.\n"
	      "\n"
	      "  -c, --coordinator HOST:PORT  the Coordinator's user API (port 1313)\n"
	      "  --seedshare-owner-key KEY    RSA key of a seedshare owner\n"
	      "                               (default seedshare-owner.pem)\n"
	      "  --seed FILE                  the seed shares written by `contrast set`\n"
	      "                               (default seed-shares.json)\n"
	      "  -m, --manifest FILE          reference values to verify the Coordinator\n"
	      "                               (default manifest.json)\n"
	      "exit: 0 recovered, 1 refused or verification failed, 2 usage error\n",
	      f);
}

static CT_RESULT build_request(EVP_PKEY *key, const char *shares_path, json_t **out)
{
	struct ct_buf doc, seed, salt;
	ct_result res = CT_OK;
	json_t *o = NULL;

	ct_buf_init(&doc, CT_SEEDSHARE_DOC_MAX_BYTES);
	ct_buf_init_secret(&seed, CT_SEED_LEN);
	ct_buf_init_secret(&salt, CT_SEED_SALT_LEN);
	res = ct_file_read(&doc, shares_path, CT_SEEDSHARE_DOC_MAX_BYTES);
	if (!ct_ok(res)) {
		res = ct_cc_fail_as(CT_ERR_USAGE, NULL);
		goto out;
	}
	res = ct_seedshare_recover(ct_buf_span(&doc), key, &seed, &salt);
	if (!ct_ok(res)) {
		res = ct_error_prefix("%s", shares_path);
		goto out;
	}
	o = json_object();
	CT_TRY_ENSURE(o != NULL, CT_ERR_NOMEM, "out of memory");
	CT_TRY(ct_http_json_set_base64(o, "seed", ct_buf_span(&seed)));
	CT_TRY(ct_http_json_set_base64(o, "salt", ct_buf_span(&salt)));
	*out = o;
	o = NULL;
out:
	json_decref(o);
	ct_buf_dispose(&doc);
	ct_buf_dispose(&seed);
	ct_buf_dispose(&salt);
	return res;
}

int ct_cli_recover(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "coordinator", required_argument, NULL, 'c' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "seedshare-owner-key", required_argument, NULL, 'k' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *coord = NULL, *mpath = CT_CLI_MANIFEST_FILE;
	const char *key = CT_CLI_SEEDSHARE_OWNER_KEY, *shares = CT_CLI_SEED_SHARES_FILE;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:m:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': coord = optarg; break;
		case 'm': mpath = optarg; break;
		case 'k': key = optarg; break;
		case 's': shares = optarg; break;
		case 'h': recover_usage(stdout); return CT_EXIT_OK;
		default: recover_usage(stderr); return CT_EXIT_USAGE;
		}
	}
	if (coord == NULL || optind != argc) {
		fputs(coord == NULL ? "contrast recover: -c HOST:PORT is required\n"
				    : "contrast recover: unexpected argument\n", stderr);
		recover_usage(stderr);
		return CT_EXIT_USAGE;
	}
	struct ct_cc cc;
	json_t *req = NULL, *reply = NULL;
	int rc = CT_EXIT_USAGE;
	if (!ct_ok(ct_cc_open(&cc, "recover", coord, mpath)) ||
	    !ct_ok(ct_cc_load_key(key, &cc.client_key))) {
		ct_cli_print_error("recover");
		goto out;
	}
	rc = CT_EXIT_FAILED;
	if (!ct_ok(build_request(cc.client_key, shares, &req))) {
		if (ct_error_category() == CT_ERR_USAGE)
			rc = CT_EXIT_USAGE;
		ct_cli_print_error("recover");
		goto out;
	}
	if (!ct_ok(ct_cc_call(&cc, "POST", "/v1/recover", req, &reply))) {
		ct_cli_print_error("recover");
		goto out;
	}
	printf("Successfully verified the Coordinator\n");
	printf("Successfully recovered the Coordinator\n");
	printf("The mesh CA changed: restart your workloads to get new certificates\n");
	rc = CT_EXIT_OK;
out:
	json_decref(req);
	json_decref(reply);
	ct_cc_close(&cc);
	return rc;
}
