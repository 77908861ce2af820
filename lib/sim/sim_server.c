/*
 * sim_server.c - serves one simulated VM on a Unix socket.
 *
 * An accept thread waits on the listening socket and a stop pipe; each
 * connection gets a detached worker thread (at most
 * CT_SIM_MAX_CONNECTIONS; beyond that a connection is answered "busy" and
 * closed) that reads one request with a deadline, applies the `slow` fault
 * while still watching the stop pipe, and writes one response. Stopping
 * wakes everyone through the pipe, waits for the workers, and removes the
 * socket file.
 *
 * Trust boundary: the connecting guest is untrusted. It gets at most
 * CT_SIM_REQ_LEN bytes read and CT_SIM_IO_TIMEOUT_MS of our time, and
 * whatever it sends only reaches ct_sim_vm_handle (a bounded parser). A
 * misbehaving client never stops the server: its connection is dropped.
 */
#include "sim/sim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "attest/sim_proto.h"

struct ct_sim_server {
	struct ct_sim_vm *vm;
	char *path;
	int lfd;
	int stop[2]; /* stop[0] becomes readable when stopping */
	pthread_t acceptor;
	pthread_mutex_t mu;
	pthread_cond_t idle;
	unsigned active;
	atomic_uint_least64_t served;
};

struct conn {
	struct ct_sim_server *s;
	int fd;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits until fd has `events`, the deadline passes (returns 0) or the
 * server stops (returns -1). 1 = ready.
 */
static int wait_ready(struct ct_sim_server *s, int fd, short events,
		      int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p[2] = { { .fd = s->stop[0], .events = POLLIN },
				       { .fd = fd, .events = events } };
		int n = poll(p, fd >= 0 ? 2 : 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (p[0].revents & POLLIN))
			return -1;
		if (n > 0)
			return 1;
	}
}

static bool read_request(struct conn *c, uint8_t *buf, size_t *len)
{
	int64_t deadline = now_ms() + CT_SIM_IO_TIMEOUT_MS;
	*len = 0;
	while (*len < CT_SIM_REQ_LEN) {
		if (wait_ready(c->s, c->fd, POLLIN, deadline) != 1)
			return false;
		ssize_t n = recv(c->fd, buf + *len, CT_SIM_REQ_LEN - *len,
				 MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break; /* EOF: parse what came (an error response) */
		*len += (size_t)n;
	}
	return true;
}

static void send_response(struct conn *c, struct ct_span r)
{
	int64_t deadline = now_ms() + CT_SIM_IO_TIMEOUT_MS;
	size_t off = 0;
	/* Counted before sending: a guest that has its answer sees the count. */
	atomic_fetch_add(&c->s->served, 1);
	while (off < r.len) {
		if (wait_ready(c->s, c->fd, POLLOUT, deadline) != 1)
			return;
		ssize_t n = send(c->fd, r.ptr + off, r.len - off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

static void serve(struct conn *c)
{
	uint8_t req[CT_SIM_REQ_LEN];
	size_t len;
	struct ct_buf resp;
	const struct ct_sim_launch *l = ct_sim_vm_launch(c->s->vm);
	if (!read_request(c, req, &len))
		return;
	if (l->fault == CT_SIM_FAULT_SLOW &&
	    wait_ready(c->s, -1, 0, now_ms() + l->slow_ms) < 0)
		return; /* stopping */
	ct_buf_init(&resp, CT_SIM_RESP_MAX);
	if (ct_ok(ct_sim_vm_handle(c->s->vm, ct_span_make(req, len), &resp)))
		send_response(c, ct_buf_span(&resp));
	else
		ct_log_error("sim: building a response");
	ct_buf_dispose(&resp);
}

static void conn_done(struct ct_sim_server *s)
{
	pthread_mutex_lock(&s->mu);
	s->active--;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->mu);
}

static void *worker(void *arg)
{
	struct conn *c = arg;
	struct ct_sim_server *s = c->s;
	serve(c);
	close(c->fd);
	free(c);
	ct_error_clear();
	conn_done(s);
	return NULL;
}

static void refuse_busy(int fd)
{
	struct ct_buf b;
	ct_buf_init(&b, CT_SIM_RESP_HEADER_LEN + CT_SIM_MSG_MAX);
	if (ct_ok(ct_sim_response_encode_err(&b, CT_SIM_ERR_INTERNAL,
					     "sim: too many connections")))
		(void)!send(fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	ct_buf_dispose(&b);
	close(fd);
}

static void *acceptor(void *arg)
{
	struct ct_sim_server *s = arg;
	for (;;) {
		struct pollfd p[2] = { { .fd = s->stop[0], .events = POLLIN },
				       { .fd = s->lfd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ct_log_err("sim: poll: %s", strerror(errno));
			return NULL;
		}
		if (p[0].revents & POLLIN)
			return NULL;
		int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue; /* EAGAIN, ECONNABORTED, EMFILE: keep serving */
		pthread_mutex_lock(&s->mu);
		bool full = s->active >= CT_SIM_MAX_CONNECTIONS;
		if (!full)
			s->active++;
		pthread_mutex_unlock(&s->mu);
		if (full) {
			refuse_busy(fd);
			continue;
		}
		struct conn *c = malloc(sizeof(*c));
		pthread_t t;
		pthread_attr_t a;
		bool started = false;
		if (c != NULL) {
			c->s = s;
			c->fd = fd;
			pthread_attr_init(&a);
			pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
			pthread_attr_setstacksize(&a, 256 * 1024);
			started = pthread_create(&t, &a, worker, c) == 0;
			pthread_attr_destroy(&a);
		}
		if (!started) {
			free(c);
			close(fd);
			conn_done(s);
		}
	}
}

/* Replaces a stale socket file; refuses a live one or a non-socket. */
static ct_result claim_path(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return CT_OK;
	CT_ENSURE(S_ISSOCK(st.st_mode), CT_ERR_IO, "sim: %s exists and is not "
		  "a socket", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CT_ENSURE(fd >= 0, CT_ERR_IO, "sim: socket: %s", strerror(errno));
	int rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int e = errno;
	close(fd);
	CT_ENSURE(rc != 0, CT_ERR_IO, "sim: %s is in use by a running "
		  "simulator", path);
	CT_ENSURE(e == ECONNREFUSED, CT_ERR_IO, "sim: %s: %s", path, strerror(e));
	CT_ENSURE(unlink(path) == 0, CT_ERR_IO, "sim: removing stale %s: %s",
		  path, strerror(errno));
	return CT_OK;
}

ct_result ct_sim_server_start(struct ct_sim_vm *vm, const char *socket_path,
			      struct ct_sim_server **out)
{
	struct sockaddr_un sa;
	ct_result res = CT_OK;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	CT_ENSURE(socket_path[0] != '\0' &&
		  strlen(socket_path) < sizeof(sa.sun_path), CT_ERR_USAGE,
		  "sim: socket path must be 1..%zu bytes",
		  sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, socket_path, strlen(socket_path));
	struct ct_sim_server *s = ct_calloc(1, sizeof(*s));
	CT_ENSURE(s != NULL, CT_ERR_NOMEM, "sim: out of memory");
	s->vm = vm;
	s->lfd = s->stop[0] = s->stop[1] = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->idle, NULL);
	s->path = ct_strdup(socket_path);
	CT_TRY_ENSURE(s->path != NULL, CT_ERR_NOMEM, "sim: out of memory");
	CT_TRY_ENSURE(pipe2(s->stop, O_CLOEXEC) == 0, CT_ERR_IO, "sim: pipe: %s",
		      strerror(errno));
	CT_TRY(claim_path(socket_path, &sa));
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	CT_TRY_ENSURE(s->lfd >= 0, CT_ERR_IO, "sim: socket: %s", strerror(errno));
	mode_t old = umask(077);
	int rc = bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	umask(old);
	CT_TRY_ENSURE(rc == 0, CT_ERR_IO, "sim: bind %s: %s", socket_path,
		      strerror(e));
	CT_TRY_ENSURE(listen(s->lfd, (int)CT_SIM_MAX_CONNECTIONS) == 0,
		      CT_ERR_IO, "sim: listen: %s", strerror(errno));
	if (pthread_create(&s->acceptor, NULL, acceptor, s) != 0) {
		unlink(socket_path);
		CT_TRY_ENSURE(false, CT_ERR_IO, "sim: cannot start a thread");
	}
	*out = s;
	return CT_OK;
out:
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->stop[0] >= 0) {
		close(s->stop[0]);
		close(s->stop[1]);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->idle);
	free(s->path);
	free(s);
	return res;
}

void ct_sim_server_stop(struct ct_sim_server *s)
{
	if (s == NULL)
		return;
	(void)!write(s->stop[1], "x", 1);
	pthread_join(s->acceptor, NULL);
	close(s->lfd);
	if (unlink(s->path) != 0 && errno != ENOENT)
		ct_log_warn("sim: removing %s: %s", s->path, strerror(errno));
	pthread_mutex_lock(&s->mu);
	while (s->active > 0)
		pthread_cond_wait(&s->idle, &s->mu);
	pthread_mutex_unlock(&s->mu);
	close(s->stop[0]);
	close(s->stop[1]);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->idle);
	free(s->path);
	free(s);
}

uint64_t ct_sim_server_served(const struct ct_sim_server *s)
{
	return atomic_load(&((struct ct_sim_server *)s)->served);
}
