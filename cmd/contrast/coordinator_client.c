/*
 * coordinator_client.c - the verified connection to the Coordinator's
 * user API used by `contrast set`, `verify` and `recover`.
 *
 * The Coordinator is accepted only if its aTLS evidence satisfies a
 * reference-value entry of the user's manifest AND its HOSTDATA is the
 * hash of a policy with Role "coordinator" in that manifest. Every request
 * uses a fresh connection, so every request re-attests. Trust boundary:
 * replies are untrusted; JSON is parsed with duplicate keys refused and
 * every decoded field bounded by its buffer's maximum.
 */
#include "coordinator_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "atls/atls.h"
#include "http/http.h"
#include "validators.h"

CT_RESULT ct_cc_fail_as(enum ct_err cat, const char *prefix)
{
	/* Copy first: the message lives in the buffer CT_FAIL writes. */
	char msg[CT_ERROR_MSG_MAX];
	snprintf(msg, sizeof(msg), "%s", ct_error_message());
	if (prefix != NULL)
		return CT_FAIL(cat, "%s: %s", prefix, msg);
	return CT_FAIL(cat, "%s", msg);
}

static unsigned wait_seconds(void)
{
	const char *s = getenv(CT_CLI_WAIT_ENV);
	uint64_t v;
	if (s != NULL && ct_ok(ct_parse_u64(s, CT_CLI_WAIT_MAX_S, &v)))
		return (unsigned)v;
	return CT_CLI_WAIT_DEFAULT_S;
}

CT_RESULT ct_cc_open(struct ct_cc *cc, const char *cmd, const char *host_port,
		     const char *manifest_path)
{
	memset(cc, 0, sizeof(*cc));
	cc->cmd = cmd;
	cc->wait_s = wait_seconds();
	ct_buf_init(&cc->manifest_raw, CT_MANIFEST_MAX_BYTES);
	CT_ENSURE(host_port != NULL && host_port[0] != '\0', CT_ERR_USAGE,
		  "-c HOST:PORT is required (the Coordinator's user API)");
	CT_ENSURE(strlen(host_port) < CT_CLI_HOSTPORT_MAX &&
			  strchr(host_port, ':') != NULL &&
			  strpbrk(host_port, "/?#@ ") == NULL,
		  CT_ERR_USAGE, "-c: want HOST:PORT, got \"%.64s\"", host_port);
	snprintf(cc->base_url, sizeof(cc->base_url), "https://%s", host_port);

	if (!ct_ok(ct_file_read(&cc->manifest_raw, manifest_path,
				CT_MANIFEST_MAX_BYTES)))
		return ct_cc_fail_as(CT_ERR_USAGE, NULL);
	const char *sim = getenv("CONTRAST_ALLOW_SIMULATED");
	unsigned flags = sim != NULL && strcmp(sim, "1") == 0
				 ? CT_MANIFEST_ALLOW_SIMULATED : 0;
	if (!ct_ok(ct_manifest_parse(ct_buf_span(&cc->manifest_raw), flags,
				     &cc->manifest)))
		return ct_cc_fail_as(CT_ERR_USAGE, manifest_path);
	if (!ct_ok(ct_coord_validators_new(cc->manifest, true, &cc->validators)))
		return ct_cc_fail_as(CT_ERR_USAGE, manifest_path);
	return CT_OK;
}

void ct_cc_close(struct ct_cc *cc)
{
	ct_coord_validators_free(cc->validators);
	ct_manifest_free(cc->manifest);
	ct_buf_dispose(&cc->manifest_raw);
	EVP_PKEY_free(cc->client_key);
	memset(cc, 0, sizeof(*cc));
}

static void spin(unsigned tick, bool tty, const char *why)
{
	static const char frames[] = "|/-\\";
	if (tty)
		fprintf(stderr, "\r%c Waiting for coordinator", frames[tick % 4]);
	else if (tick == 0)
		fprintf(stderr, "Waiting for coordinator (%s)\n", why);
}

CT_RESULT ct_cc_call(struct ct_cc *cc, const char *method, const char *path,
		     const json_t *req, json_t **resp)
{
	struct ct_atls_config acfg = {
		.validators = cc->validators->validators,
		.n_validators = cc->validators->n,
		.client_key = cc->client_key,
	};
	struct ct_atls_client_hook hook;
	struct ct_http_tls_hook tls = { ct_atls_client_hook_setup,
					ct_atls_client_hook_check, &hook };
	struct ct_http_client_config hc = { cc->base_url, &tls, 60, 0 };
	bool tty = isatty(STDERR_FILENO) == 1;
	time_t deadline = time(NULL) + (time_t)cc->wait_s;
	unsigned tick = 0;

	for (;;) {
		long status = 0;
		ct_atls_client_hook_init(&hook, &acfg);
		ct_result res = ct_http_client_json(&hc, method, path, req, &status,
						    resp);
		/*
		 * Only a Coordinator we never reached is retried: once a
		 * handshake verified it, the request may have been acted on
		 * (SetManifest is not idempotent), and a refusal is final.
		 */
		bool unreachable = !ct_ok(res) && status == 0 &&
				   ct_error_category() == CT_ERR_IO &&
				   hook.outcome.error[0] == '\0' &&
				   !hook.outcome.peer_valid;
		if (!unreachable || time(NULL) >= deadline) {
			if (tick > 0 && tty)
				fputc('\n', stderr);
			if (ct_ok(res) && tick > 0)
				fprintf(stderr, "Connected to coordinator\n");
			if (unreachable)
				return ct_error_prefix("coordinator unreachable for %u s",
						       cc->wait_s);
			return res;
		}
		spin(tick++, tty, ct_error_message());
		struct timespec ts = { 0, 500 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

CT_RESULT ct_cc_load_key(const char *path, EVP_PKEY **out)
{
	struct ct_buf b;
	ct_result res = CT_OK;
	ct_buf_init_secret(&b, CT_CLI_KEY_FILE_MAX);
	CT_TRY(ct_file_read(&b, path, CT_CLI_KEY_FILE_MAX));
	BIO *bio = BIO_new_mem_buf(b.data, (int)b.len);
	CT_TRY_ENSURE(bio != NULL, CT_ERR_NOMEM, "%s: out of memory", path);
	*out = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (*out == NULL)
		res = CT_FAIL_OSSL(CT_ERR_USAGE, "%s: not a PEM private key", path);
out:
	ct_buf_dispose(&b);
	return res;
}

CT_RESULT ct_cc_json_b64(const json_t *o, const char *key, struct ct_buf *out)
{
	if (!ct_ok(ct_http_json_base64(o, key, out)))
		return ct_error_prefix("coordinator reply");
	return CT_OK;
}

CT_RESULT ct_cc_write(const char *dir, const char *name, struct ct_span data,
		      mode_t mode)
{
	char path[4096];
	if (dir != NULL && dir[0] != '\0') {
		CT_GUARD(ct_mkdir_p(dir, 0755));
		CT_ENSURE((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) <
				  sizeof(path),
			  CT_ERR_USAGE, "path too long: %s/%s", dir, name);
	} else {
		CT_ENSURE((size_t)snprintf(path, sizeof(path), "%s", name) < sizeof(path),
			  CT_ERR_USAGE, "path too long: %s", name);
	}
	return ct_file_write_atomic(path, data, mode);
}
