/*
 * provider_sim_test.c - the sim provider (guest side) against hosts that
 * misbehave: each fake host accepts one connection, reads the request and
 * answers with crafted bytes. The provider must turn every lie into a
 * clear error and never hand out evidence it did not check. Also unit
 * tests of the protocol codec (lib/attest/sim_proto.c).
 */
#include "ct_test.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "attest/evidence.h"
#include "attest/provider_internal.h"
#include "attest/sim_proto.h"

struct host {
	int lfd;
	struct ct_buf answer; /* what to send back */
	bool hang;            /* read, then never answer until closed */
	bool check_request;
	bool request_ok;
	pthread_t t;
	char path[108];
};

static void *host_run(void *arg)
{
	struct host *h = arg;
	int fd = accept(h->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	uint8_t req[CT_SIM_REQ_LEN];
	size_t got = 0;
	while (got < sizeof(req)) {
		ssize_t n = read(fd, req + got, sizeof(req) - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	uint8_t inblob[64];
	h->request_ok = ct_ok(ct_sim_request_parse(ct_span_make(req, got), inblob));
	if (h->hang) {
		char c;
		(void)!read(fd, &c, 1); /* until the client gives up */
	} else if (h->answer.len > 0) {
		(void)!write(fd, h->answer.data, h->answer.len);
	}
	close(fd);
	return NULL;
}

static void host_start(struct host *h, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(h->path, sizeof(h->path), "/tmp/ct-simprov-%ld-%s.sock",
		 (long)getpid(), name);
	unlink(h->path);
	memcpy(sa.sun_path, h->path, strlen(h->path));
	h->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(h->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(h->lfd, 4), 0);
	assert_int_equal(pthread_create(&h->t, NULL, host_run, h), 0);
}

static void host_stop(struct host *h)
{
	pthread_join(h->t, NULL);
	close(h->lfd);
	unlink(h->path);
	ct_buf_dispose(&h->answer);
}

/* A syntactically valid report carrying rd. */
static void good_report(uint8_t *r, const uint8_t *rd)
{
	memset(r, 0, CT_SNP_REPORT_SIZE);
	ct_store_u32le(r, 3);
	ct_store_u32le(r + CT_SNP_OFF_SIGNATURE_ALGO, 1);
	memcpy(r + CT_SNP_OFF_REPORT_DATA, rd, 64);
}

/* Runs one exchange against a host answering `answer`. */
static ct_result exchange(struct host *h, const char *name, struct ct_buf *ev)
{
	uint8_t rd[64];
	memset(rd, 0x61, sizeof(rd));
	host_start(h, name);
	struct ct_evidence_provider *p = NULL;
	char *spec = ct_aprintf("sim:%s", h->path);
	setenv("CONTRAST_EVIDENCE_TIMEOUT_MS", "300", 1);
	assert_ct_ok(ct_evidence_provider_open(spec, &p));
	unsetenv("CONTRAST_EVIDENCE_TIMEOUT_MS");
	ct_result r = ct_evidence_provider_get(p, rd, ev);
	ct_evidence_provider_free(p);
	free(spec);
	host_stop(h);
	return r;
}

static void test_codec(void **state)
{
	(void)state;
	struct ct_buf b;
	uint8_t in[64], out[64];
	for (int i = 0; i < 64; i++)
		in[i] = (uint8_t)(i * 3);
	ct_buf_init(&b, CT_SIM_RESP_MAX);
	assert_ct_ok(ct_sim_request_encode(&b, in));
	assert_int_equal(b.len, CT_SIM_REQ_LEN);
	assert_ct_ok(ct_sim_request_parse(ct_buf_span(&b), out));
	assert_memory_equal(in, out, 64);
	/* Truncations, extensions, and each header field. */
	for (size_t n = 0; n < CT_SIM_REQ_LEN; n++)
		assert_ct_err(ct_sim_request_parse(ct_span_make(b.data, n), out),
			      CT_ERR_PROTO);
	uint8_t big[CT_SIM_REQ_LEN + 1];
	memcpy(big, b.data, CT_SIM_REQ_LEN);
	big[CT_SIM_REQ_LEN] = 0;
	assert_ct_err(ct_sim_request_parse(ct_span_make(big, sizeof(big)), out),
		      CT_ERR_PROTO);
	const struct { size_t off; uint8_t v; const char *msg; } bad[] = {
		{ 0, 'X', "bad magic" }, { 4, 2, "version 2" },
		{ 6, 9, "op 9" }, { 8, 63, "inblob length 63" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t c[CT_SIM_REQ_LEN];
		memcpy(c, b.data, sizeof(c));
		c[bad[i].off] = bad[i].v;
		assert_ct_err(ct_sim_request_parse(ct_span_make(c, sizeof(c)), out),
			      CT_ERR_PROTO);
		assert_error_contains(bad[i].msg);
	}
	/* Responses: ok round trip; error with a sanitised message. */
	uint8_t rep[CT_SNP_REPORT_SIZE] = { 3 }, tab[24] = { 0 };
	struct ct_sim_response r;
	ct_buf_reset(&b);
	assert_ct_ok(ct_sim_response_encode_ok(&b, ct_span_make(rep, sizeof(rep)),
					       ct_span_make(tab, sizeof(tab))));
	assert_ct_ok(ct_sim_response_parse(ct_buf_span(&b), &r));
	assert_int_equal(r.status, 0);
	assert_int_equal(r.report.len, CT_SNP_REPORT_SIZE);
	assert_int_equal(r.cert_table.len, 24);
	assert_ct_err(ct_sim_response_parse(ct_span_make(b.data, b.len - 1), &r),
		      CT_ERR_PROTO);
	ct_buf_reset(&b);
	assert_ct_ok(ct_sim_response_encode_err(&b, CT_SIM_ERR_FIRMWARE, "bad\nthing"));
	assert_ct_ok(ct_sim_response_parse(ct_buf_span(&b), &r));
	assert_int_equal(r.status, CT_SIM_ERR_FIRMWARE);
	assert_int_equal(r.message.len, 9);
	assert_memory_equal(r.message.ptr, "bad?thing", 9);
	ct_buf_dispose(&b);
}

static void put_header(struct ct_buf *b, const char *magic, uint16_t ver,
		       uint16_t status, uint32_t outlen, uint32_t auxlen)
{
	uint8_t h[16];
	memcpy(h, magic, 4);
	ct_store_u16le(h + 4, ver);
	ct_store_u16le(h + 6, status);
	ct_store_u32le(h + 8, outlen);
	ct_store_u32le(h + 12, auxlen);
	assert_ct_ok(ct_buf_append(b, h, sizeof(h)));
}

static void test_lying_hosts(void **state)
{
	(void)state;
	uint8_t rd[64], other[64], rep[CT_SNP_REPORT_SIZE];
	memset(rd, 0x61, sizeof(rd));
	memset(other, 0x62, sizeof(other));
	struct {
		const char *name;
		enum ct_err err;
		const char *msg;
	} cases[] = {
		{ "magic", CT_ERR_PROTO, "bad magic" },
		{ "version", CT_ERR_PROTO, "version 7" },
		{ "short-report", CT_ERR_PROTO, "outblob is 1000 bytes, want 1184" },
		{ "huge-aux", CT_ERR_PROTO, "auxblob is 4294967295 bytes" },
		{ "huge-msg", CT_ERR_PROTO, "error message is 100000 bytes" },
		{ "truncated", CT_ERR_PROTO, "connection closed with" },
		{ "closed", CT_ERR_PROTO, "connection closed with 16 bytes missing" },
		{ "binary-msg", CT_ERR_PROTO, "non-printable byte" },
		{ "error", CT_ERR_IO, "firmware error (status 2): no luck" },
		{ "other-rd", CT_ERR_PROTO, "other REPORT_DATA than requested" },
		{ "bad-table", CT_ERR_PROTO, "" },
		{ "bad-version", CT_ERR_PROTO, "" },
		{ "hang", CT_ERR_IO, "no answer within 300 ms" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct host h;
		memset(&h, 0, sizeof(h));
		ct_buf_init(&h.answer, CT_SIM_RESP_MAX + 64);
		const char *n = cases[i].name;
		if (strcmp(n, "magic") == 0)
			put_header(&h.answer, "CTSQ", 1, 0, 1184, 0);
		else if (strcmp(n, "version") == 0)
			put_header(&h.answer, "CTSA", 7, 0, 1184, 0);
		else if (strcmp(n, "short-report") == 0)
			put_header(&h.answer, "CTSA", 1, 0, 1000, 0);
		else if (strcmp(n, "huge-aux") == 0)
			put_header(&h.answer, "CTSA", 1, 0, 1184, 0xFFFFFFFFu);
		else if (strcmp(n, "huge-msg") == 0)
			put_header(&h.answer, "CTSA", 1, 2, 100000, 0);
		else if (strcmp(n, "truncated") == 0) {
			put_header(&h.answer, "CTSA", 1, 0, 1184, 0);
			good_report(rep, rd);
			assert_ct_ok(ct_buf_append(&h.answer, rep, 600));
		} else if (strcmp(n, "closed") == 0) {
			h.answer.len = 0;
		} else if (strcmp(n, "binary-msg") == 0) {
			put_header(&h.answer, "CTSA", 1, 2, 3, 0);
			assert_ct_ok(ct_buf_append(&h.answer, "a\x01z", 3));
		} else if (strcmp(n, "error") == 0) {
			assert_ct_ok(ct_sim_response_encode_err(&h.answer, 2, "no luck"));
		} else if (strcmp(n, "other-rd") == 0) {
			good_report(rep, other);
			assert_ct_ok(ct_sim_response_encode_ok(
				&h.answer, ct_span_make(rep, sizeof(rep)), ct_span_make(NULL, 0)));
		} else if (strcmp(n, "bad-table") == 0) {
			good_report(rep, rd);
			assert_ct_ok(ct_sim_response_encode_ok(
				&h.answer, ct_span_make(rep, sizeof(rep)),
				ct_span_str("no terminator here, just text")));
		} else if (strcmp(n, "bad-version") == 0) {
			good_report(rep, rd);
			ct_store_u32le(rep, 1);
			assert_ct_ok(ct_sim_response_encode_ok(
				&h.answer, ct_span_make(rep, sizeof(rep)), ct_span_make(NULL, 0)));
		} else if (strcmp(n, "hang") == 0) {
			h.hang = true;
		}
		struct ct_buf ev;
		ct_buf_init(&ev, CT_SNP_EVIDENCE_MAX);
		ct_result r = exchange(&h, n, &ev);
		if (r.err != cases[i].err || strstr(ct_error_message(), cases[i].msg) == NULL)
			fail_msg("%s: got %s \"%s\", want %s \"%s\"", n,
				 ct_err_name(r.err), ct_error_message(),
				 ct_err_name(cases[i].err), cases[i].msg);
		assert_true(h.request_ok);
		assert_int_equal(ev.len, 0);
		ct_buf_dispose(&ev);
	}
	/* And the honest answer passes. */
	struct host h;
	memset(&h, 0, sizeof(h));
	ct_buf_init(&h.answer, CT_SIM_RESP_MAX);
	good_report(rep, rd);
	assert_ct_ok(ct_sim_response_encode_ok(&h.answer, ct_span_make(rep, sizeof(rep)),
					       ct_span_make(NULL, 0)));
	struct ct_buf ev;
	ct_buf_init(&ev, CT_SNP_EVIDENCE_MAX);
	assert_ct_ok(exchange(&h, "honest", &ev));
	assert_true(ev.len > CT_SNP_REPORT_SIZE);
	ct_buf_dispose(&ev);
}

static void test_no_server(void **state)
{
	(void)state;
	char path[108];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(path, sizeof(path), "/tmp/ct-simprov-%ld-gone.sock", (long)getpid());
	unlink(path);
	memcpy(sa.sun_path, path, strlen(path));
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	struct ct_evidence_provider *p = NULL;
	char *spec = ct_aprintf("sim:%s", path);
	assert_ct_ok(ct_evidence_provider_open(spec, &p));
	/* The socket file stays, nobody listens any more. */
	close(fd);
	struct ct_buf ev;
	uint8_t rd[64] = { 0 };
	ct_buf_init(&ev, CT_SNP_EVIDENCE_MAX);
	assert_ct_err(ct_evidence_provider_get(p, rd, &ev), CT_ERR_IO);
	assert_error_contains("sim: connect");
	ct_buf_dispose(&ev);
	ct_evidence_provider_free(p);
	unlink(path);
	free(spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_lying_hosts),
		cmocka_unit_test(test_no_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
