/*
 * attest_bench.c - workload attestations per second against a running
 * Coordinator: N simulated initializers at once (threads), each doing what
 * contrast-initializer does (P-256 key, mutual aTLS with sim evidence,
 * CSR, POST /v1/mesh/cert, strict decoding, leaf-key check). The baseline,
 * measured in the same run with the same parallelism, is fetching the
 * same number of reports from the evidence provider alone: the ratio says
 * how much the Coordinator (handshake, verification, issuance) costs on
 * top of producing evidence. Not a test: prints numbers only.
 *
 * usage: attest_bench MESH_HOST:PORT PROVIDER [N=200] [PARALLEL=N]
 * (bench/coordinator/attest_bench.py sets up the Coordinator, a manifest
 * and the simulated VM, then runs this.)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "initializer.h"

struct job {
	const char *url;
	struct ct_evidence_provider *provider;
	unsigned n;
	atomic_uint next, ok, failed;
	bool evidence_only;
	char first_error[512];
	pthread_mutex_t mu;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool one(struct job *j)
{
	if (j->evidence_only) {
		uint8_t rd[64];
		struct ct_buf ev;
		ct_buf_init(&ev, 64u * 1024u);
		bool ok = RAND_bytes(rd, sizeof(rd)) == 1 &&
			  ct_ok(ct_evidence_provider_get(j->provider, rd, &ev));
		ct_buf_dispose(&ev);
		return ok;
	}
	EVP_PKEY *key = EVP_EC_gen("P-256");
	if (key == NULL)
		return false;
	struct ct_meshapi_cert_response resp;
	ct_meshapi_cert_response_init(&resp);
	bool ok = ct_ok(init_request_cert(j->url, 60, j->provider, key, &resp));
	ct_meshapi_cert_response_dispose(&resp);
	EVP_PKEY_free(key);
	return ok;
}

static void *worker(void *arg)
{
	struct job *j = arg;
	for (;;) {
		unsigned i = atomic_fetch_add(&j->next, 1);
		if (i >= j->n)
			break;
		if (one(j)) {
			atomic_fetch_add(&j->ok, 1);
		} else {
			atomic_fetch_add(&j->failed, 1);
			pthread_mutex_lock(&j->mu);
			if (j->first_error[0] == '\0')
				snprintf(j->first_error, sizeof(j->first_error), "%s",
					 ct_error_message());
			pthread_mutex_unlock(&j->mu);
		}
	}
	return NULL;
}

static double round_run(struct job *j, unsigned parallel)
{
	pthread_t *t = calloc(parallel, sizeof(*t));
	if (t == NULL)
		exit(2);
	atomic_store(&j->next, 0);
	atomic_store(&j->ok, 0);
	atomic_store(&j->failed, 0);
	double t0 = now();
	unsigned started = 0;
	for (; started < parallel; started++)
		if (pthread_create(&t[started], NULL, worker, j) != 0)
			break;
	for (unsigned i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	return now() - t0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s MESH_HOST:PORT PROVIDER [N] [PARALLEL]\n",
			argv[0]);
		return 2;
	}
	ct_log_init("attest_bench", CT_LOG_ERROR);
	uint64_t n = 200, parallel = 0;
	if (argc > 3 && !ct_ok(ct_parse_u64(argv[3], 100000, &n)))
		return 2;
	if (argc > 4 && !ct_ok(ct_parse_u64(argv[4], 4096, &parallel)))
		return 2;
	if (parallel == 0 || parallel > n)
		parallel = n;
	char url[INIT_HOST_MAX + 32];
	struct job j;
	memset(&j, 0, sizeof(j));
	pthread_mutex_init(&j.mu, NULL);
	if (!ct_ok(init_base_url(argv[1], url, sizeof(url))) ||
	    !ct_ok(ct_evidence_provider_open(argv[2], &j.provider))) {
		fprintf(stderr, "attest bench: %s\n", ct_error_message());
		return 2;
	}
	j.url = url;
	j.n = (unsigned)n;

	j.evidence_only = true;
	double base = round_run(&j, (unsigned)parallel);
	unsigned base_ok = atomic_load(&j.ok);
	j.evidence_only = false;
	double att = round_run(&j, (unsigned)parallel);
	unsigned att_ok = atomic_load(&j.ok), att_failed = atomic_load(&j.failed);

	double base_rate = base_ok / base, att_rate = att_ok / att;
	printf("evidence baseline: %u reports in %.2f s = %.1f/s (parallel %llu)\n",
	       base_ok, base, base_rate, (unsigned long long)parallel);
	printf("attestations:      %u admitted, %u failed in %.2f s = %.1f/s "
	       "(parallel %llu)\n", att_ok, att_failed, att, att_rate,
	       (unsigned long long)parallel);
	printf("ratio attestations/evidence: %.3f\n",
	       base_rate > 0 ? att_rate / base_rate : 0.0);
	if (j.first_error[0] != '\0')
		printf("first failure: %s\n", j.first_error);
	ct_evidence_provider_free(j.provider);
	pthread_mutex_destroy(&j.mu);
	return att_failed == 0 ? 0 : 1;
}
