/*
 * cmd_set.c - `contrast set -c HOST:PORT [-m manifest.json]
 * [--workload-owner-key KEY] [PATHS...]`: verify the Coordinator, then set
 * the manifest (reference/contrast.md §8).
 *
 * Steps: the manifest must validate; the deployment YAML's policy
 * annotations must name exactly the manifest's policies (their initdata
 * documents travel with the manifest); the Coordinator must prove, over
 * aTLS, that it runs with reference values of this manifest and with the
 * policy of Role "coordinator" (HOSTDATA); then the manifest is set and
 * coordinator-root-ca.pem, mesh-ca.pem and (first set only)
 * seed-shares.json are written to the current directory.
 *
 * Trust boundary: the manifest, YAML and key are the user's; the reply is
 * untrusted and only accepted from the verified Coordinator.
 */
#include "cli.h"
#include "coordinator_client.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "http/api.h"
#include "http/http.h"

static void set_usage(FILE *f)
{
	fputs("usage: contrast set -c HOST:PORT [-m manifest.json]\n"
	      "                    [--workload-owner-key KEY] [PATHS...]\n"
	      "\n"
	      "Verifies the Coordinator against the manifest's reference values and\n"
	      "its policy with Role \"coordinator\", then sets the manifest.\n"
	      "\n"
	      "  -c, --coordinator HOST:PORT  the Coordinator's user API (port 1313)\n"
	      "  -m, --manifest FILE          default manifest.json\n"
	      "  --workload-owner-key KEY     PEM key authorising an update (default\n"
	      "                               workload-owner.pem when it exists)\n"
	      "  PATHS                        deployment YAML files or directories\n"
	      "                               (default: the current directory)\n"
	      "\n"
	      "Writes coordinator-root-ca.pem, mesh-ca.pem and, on the first set,\n"
	      "seed-shares.json. Waits up to $" CT_CLI_WAIT_ENV " seconds (default 180)\n"
	      "for an unreachable Coordinator.\n"
	      "exit: 0 set, 1 refused or verification failed, 2 usage error\n",
	      f);
}

/* The YAML's policies must be exactly the manifest's. */
static CT_RESULT check_policies(const struct ct_manifest *m, struct ct_buf *docs,
				size_t n)
{
	bool *seen = ct_calloc(m->n_policies + 1, sizeof(*seen));
	ct_result res = CT_OK;
	CT_ENSURE(seen != NULL, CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		uint8_t h[32];
		char hex[65];
		CT_TRY(ct_sha256(h, ct_buf_span(&docs[i])));
		ct_hex_format(hex, h, 32);
		const struct ct_manifest_policy *p = ct_manifest_find_policy(m, h);
		CT_TRY_ENSURE(p != NULL, CT_ERR_POLICY,
			      "policy %s of the deployment not found in the manifest "
			      "(did you run `contrast generate`?)", hex);
		seen[p - m->policies] = true;
	}
	for (size_t i = 0; i < m->n_policies; i++)
		CT_TRY_ENSURE(seen[i], CT_ERR_POLICY,
			      "policy count mismatch: manifest policy %s has no pod "
			      "in the given YAML (%zu in YAML, %zu in the manifest)",
			      m->policies[i].hex, n, m->n_policies);
out:
	free(seen);
	return res;
}

static CT_RESULT build_request(const struct ct_cc *cc, struct ct_buf *docs, size_t n,
			       json_t **out)
{
	ct_result res = CT_OK;
	json_t *o = json_object(), *arr = json_array();
	CT_TRY_ENSURE(o != NULL && arr != NULL &&
			      json_object_set(o, "policies", arr) == 0,
		      CT_ERR_NOMEM, "out of memory");
	CT_TRY(ct_http_json_set_base64(o, "manifest", ct_buf_span(&cc->manifest_raw)));
	for (size_t i = 0; i < n; i++) {
		struct ct_buf b;
		ct_buf_init(&b, CT_HTTP_BODY_MANIFEST_MAX);
		res = ct_base64_encode(&b, ct_buf_span(&docs[i]));
		if (ct_ok(res) && json_array_append_new(arr, json_string(ct_buf_cstr(&b))) != 0)
			res = CT_FAIL(CT_ERR_NOMEM, "out of memory");
		ct_buf_dispose(&b);
		if (!ct_ok(res))
			goto out;
	}
	*out = o;
	o = NULL;
out:
	json_decref(arr);
	json_decref(o);
	return res;
}

static CT_RESULT write_results(const json_t *reply, bool *got_shares)
{
	struct ct_buf root, mesh;
	ct_result res = CT_OK;
	char *shares = NULL;
	ct_buf_init(&root, CT_HTTP_API_POLICY_MAX);
	ct_buf_init(&mesh, CT_HTTP_API_POLICY_MAX);
	CT_TRY(ct_cc_json_b64(reply, "root_ca", &root));
	CT_TRY(ct_cc_json_b64(reply, "mesh_ca", &mesh));
	CT_TRY(ct_cc_write(NULL, CT_CLI_ROOT_CA_FILE, ct_buf_span(&root), 0644));
	CT_TRY(ct_cc_write(NULL, CT_CLI_MESH_CA_FILE, ct_buf_span(&mesh), 0644));
	const json_t *doc = json_object_get(reply, "seed_shares_doc");
	*got_shares = doc != NULL;
	if (doc != NULL) {
		CT_TRY_ENSURE(json_is_object(doc), CT_ERR_PROTO,
			      "coordinator reply: seed_shares_doc: want an object");
		shares = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
		CT_TRY_ENSURE(shares != NULL, CT_ERR_NOMEM, "out of memory");
		size_t len = strlen(shares);
		struct ct_buf b;
		ct_buf_init(&b, len + 2);
		res = ct_buf_append(&b, shares, len);
		if (ct_ok(res))
			res = ct_buf_append_byte(&b, '\n');
		if (ct_ok(res))
			res = ct_cc_write(NULL, CT_CLI_SEED_SHARES_FILE, ct_buf_span(&b),
					  0600);
		ct_buf_dispose(&b);
	}
out:
	free(shares);
	ct_buf_dispose(&root);
	ct_buf_dispose(&mesh);
	return res;
}

static void print_hints(bool have_key)
{
	const char *msg = ct_error_message();
	/* Not for seedshare owners: no workload owner key changes those. */
	if (strstr(msg, "http 403") != NULL && strstr(msg, "workload owner") != NULL)
		fprintf(stderr, "%s\n", have_key
				? "Ensure you are using a trusted workload owner key."
				: "Specify a workload owner key with --workload-owner-key.");
	if (strstr(msg, "HOSTDATA") != NULL || strstr(msg, "measurement") != NULL)
		fputs("The coordinator did not match the expectations: is the version "
		      "correct and did you run `contrast generate`?\n", stderr);
}

int ct_cli_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "coordinator", required_argument, NULL, 'c' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "workload-owner-key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *coord = NULL, *mpath = CT_CLI_MANIFEST_FILE, *key = NULL;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:m:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': coord = optarg; break;
		case 'm': mpath = optarg; break;
		case 'k': key = optarg; break;
		case 'h': set_usage(stdout); return CT_EXIT_OK;
		default: set_usage(stderr); return CT_EXIT_USAGE;
		}
	}
	if (coord == NULL) {
		fputs("contrast set: -c HOST:PORT is required\n", stderr);
		set_usage(stderr);
		return CT_EXIT_USAGE;
	}

	struct ct_cc cc;
	struct ct_buf *docs = NULL;
	size_t n_docs = 0;
	json_t *req = NULL, *reply = NULL;
	int rc = CT_EXIT_USAGE;
	char *dot[] = { (char *)"." };
	char **paths = optind < argc ? argv + optind : dot;
	size_t n_paths = optind < argc ? (size_t)(argc - optind) : 1;

	if (!ct_ok(ct_cc_open(&cc, "set", coord, mpath)) ||
	    !ct_ok(ct_cc_collect_policies(paths, n_paths, &docs, &n_docs)))
		goto fail;
	if (key == NULL && access(CT_CLI_WORKLOAD_OWNER_KEY, R_OK) == 0)
		key = CT_CLI_WORKLOAD_OWNER_KEY;
	if (key != NULL) {
		if (!ct_ok(ct_cc_load_key(key, &cc.client_key)))
			goto fail;
		if (!ct_ok(ct_manifest_check_workload_owner(cc.manifest, cc.client_key)))
			fprintf(stderr, "Warning: the workload owner key %s is not in the "
				"manifest; setting it may lock you out of future updates\n",
				key);
	}
	rc = CT_EXIT_FAILED;
	if (!ct_ok(check_policies(cc.manifest, docs, n_docs)) ||
	    !ct_ok(build_request(&cc, docs, n_docs, &req)))
		goto fail;
	if (!ct_ok(ct_cc_call(&cc, "POST", "/v1/manifest", req, &reply))) {
		ct_cli_print_error("set");
		print_hints(key != NULL);
		goto out;
	}
	printf("Successfully verified the Coordinator\n");
	printf("Manifest set successfully\n");
	bool shares = false;
	if (!ct_ok(write_results(reply, &shares)))
		goto fail;
	if (shares)
		printf("Seed shares received: wrote %s (keep it safe)\n",
		       CT_CLI_SEED_SHARES_FILE);
	printf("Wrote %s and %s\n", CT_CLI_ROOT_CA_FILE, CT_CLI_MESH_CA_FILE);
	rc = CT_EXIT_OK;
	goto out;
fail:
	ct_cli_print_error("set");
out:
	for (size_t i = 0; i < n_docs; i++)
		ct_buf_dispose(&docs[i]);
	free(docs);
	json_decref(req);
	json_decref(reply);
	ct_cc_close(&cc);
	return rc;
}
