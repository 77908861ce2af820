/*
 * provider_sim.c - evidence from contrast-snp-sim over a Unix socket.
 *
 * The simulator plays the secure processor and the host of one simulated
 * VM; its socket is that VM's configfs-tsm: we send the 64-byte inblob and
 * get the outblob (report) and auxblob (certificate table) back
 * (lib/attest/sim_proto.h). One connection per request, so concurrent
 * callers never share state.
 *
 * Trust boundary: everything the socket returns is untrusted; the response
 * is read against a deadline (CONTRAST_EVIDENCE_TIMEOUT_MS, default 30 s),
 * its header is checked before the body length is believed, and the body
 * goes through ct_sim_response_parse and the shared checks of provider.c.
 */
#include "attest/provider_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "attest/sim_proto.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ct_result wait_fd(int fd, short events, int64_t deadline,
			 unsigned timeout_ms)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		CT_ENSURE(left > 0, CT_ERR_IO, "sim: no answer within %u ms",
			  timeout_ms);
		struct pollfd pfd = { .fd = fd, .events = events };
		int n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		CT_ENSURE(n >= 0, CT_ERR_IO, "sim: poll: %s", strerror(errno));
		if (n > 0)
			return CT_OK;
	}
}

static ct_result send_all(int fd, const uint8_t *p, size_t len,
			  int64_t deadline, unsigned timeout_ms)
{
	while (len > 0) {
		CT_GUARD(wait_fd(fd, POLLOUT, deadline, timeout_ms));
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		CT_ENSURE(n > 0, CT_ERR_IO, "sim: send: %s",
			  n < 0 ? strerror(errno) : "closed");
		p += n;
		len -= (size_t)n;
	}
	return CT_OK;
}

static ct_result recv_exact(int fd, struct ct_buf *out, size_t len,
			    int64_t deadline, unsigned timeout_ms)
{
	uint8_t chunk[4096];
	while (len > 0) {
		CT_GUARD(wait_fd(fd, POLLIN, deadline, timeout_ms));
		size_t want = len < sizeof(chunk) ? len : sizeof(chunk);
		ssize_t n = recv(fd, chunk, want, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		CT_ENSURE(n >= 0, CT_ERR_IO, "sim: recv: %s", strerror(errno));
		CT_ENSURE(n > 0, CT_ERR_PROTO, "sim: connection closed with %zu "
			  "bytes missing", len);
		CT_GUARD(ct_buf_append(out, chunk, (size_t)n));
		len -= (size_t)n;
	}
	return CT_OK;
}

static ct_result sim_connect(const char *path, int *out)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	CT_ENSURE(strlen(path) < sizeof(sa.sun_path), CT_ERR_USAGE,
		  "sim: socket path longer than %zu bytes",
		  sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CT_ENSURE(fd >= 0, CT_ERR_IO, "sim: socket: %s", strerror(errno));
	int rc;
	do
		rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	while (rc != 0 && errno == EINTR);
	if (rc != 0) {
		int e = errno;
		close(fd);
		return CT_FAIL(CT_ERR_IO, "sim: connect: %s", strerror(e));
	}
	*out = fd;
	return CT_OK;
}

ct_result ct_provider_sim_get(struct ct_evidence_provider *p,
			      const uint8_t report_data[64], struct ct_buf *report,
			      struct ct_buf *table)
{
	int fd = -1;
	int64_t deadline = now_ms() + p->timeout_ms;
	struct ct_buf req, resp;
	struct ct_sim_response_header h;
	struct ct_sim_response r;
	size_t body;
	ct_result res;
	ct_buf_init(&req, CT_SIM_REQ_LEN);
	ct_buf_init(&resp, CT_SIM_RESP_MAX);
	CT_TRY(sim_connect(p->path, &fd));
	CT_TRY(ct_sim_request_encode(&req, report_data));
	CT_TRY(send_all(fd, req.data, req.len, deadline, p->timeout_ms));
	CT_TRY(recv_exact(fd, &resp, CT_SIM_RESP_HEADER_LEN, deadline,
			  p->timeout_ms));
	CT_TRY(ct_sim_response_header_parse(ct_buf_span(&resp), &h, &body));
	CT_TRY(recv_exact(fd, &resp, body, deadline, p->timeout_ms));
	CT_TRY(ct_sim_response_parse(ct_buf_span(&resp), &r));
	if (r.status != CT_SIM_OK) {
		res = CT_FAIL(CT_ERR_IO, "sim: %s (status %u): %.*s",
			      ct_sim_status_name(r.status), r.status,
			      (int)r.message.len, (const char *)r.message.ptr);
		goto out;
	}
	CT_TRY(ct_buf_append_span(report, r.report));
	CT_TRY(ct_buf_append_span(table, r.cert_table));
out:
	if (fd >= 0)
		close(fd);
	ct_buf_dispose(&req);
	ct_buf_dispose(&resp);
	return res;
}
