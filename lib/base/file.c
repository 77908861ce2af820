/*
 * file.c - bounded file reads and crash-safe file writes.
 *
 * Reads refuse files larger than the caller's limit before allocating.
 * Writes follow the classic durable-replace sequence (temp file in the same
 * directory, fsync, rename, fsync the directory), so state on disk is never
 * half-written, whatever moment a crash or kill -9 strikes.
 */
#include "base/base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ct_result ct_file_read(struct ct_buf *out, const char *path, size_t max)
{
	ct_result res = CT_OK;
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	CT_ENSURE(fd >= 0, CT_ERR_IO, "%s: %s", path, strerror(errno));

	struct stat st;
	if (!is_stdin && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		CT_TRY_ENSURE((uint64_t)st.st_size <= max, CT_ERR_LIMIT,
			      "%s: file is %lld bytes, limit is %zu", path,
			      (long long)st.st_size, max);
	if (!is_stdin && fstat(fd, &st) == 0)
		CT_TRY_ENSURE(!S_ISDIR(st.st_mode), CT_ERR_IO,
			      "%s: is a directory", path);

	size_t total = 0;
	for (;;) {
		uint8_t chunk[16384];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		CT_TRY_ENSURE(n >= 0, CT_ERR_IO, "%s: %s", path,
			      strerror(errno));
		if (n == 0)
			break;
		total += (size_t)n;
		CT_TRY_ENSURE(total <= max, CT_ERR_LIMIT,
			      "%s: file is larger than the limit of %zu bytes",
			      path, max);
		res = ct_buf_append(out, chunk, (size_t)n);
		ct_wipe(chunk, sizeof(chunk));
		if (!ct_ok(res))
			goto out;
	}
out:
	if (!is_stdin)
		close(fd);
	return res;
}

ct_result ct_dir_fsync(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CT_ENSURE(fd >= 0, CT_ERR_IO, "%s: %s", path, strerror(errno));
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	CT_ENSURE(rc == 0, CT_ERR_IO, "fsync %s: %s", path, strerror(saved));
	return CT_OK;
}

static ct_result write_all(int fd, struct ct_span data, const char *path)
{
	size_t off = 0;
	while (off < data.len) {
		ssize_t n = write(fd, data.ptr + off, data.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		CT_ENSURE(n > 0, CT_ERR_IO, "write %s: %s", path,
			  strerror(errno));
		off += (size_t)n;
	}
	return CT_OK;
}

ct_result ct_file_write_atomic(const char *path, struct ct_span data,
			       mode_t mode)
{
	ct_result res = CT_OK;
	char *tmp = NULL, *dir = NULL;
	int fd = -1;

	tmp = ct_aprintf("%s.tmp.XXXXXX", path);
	CT_TRY_ENSURE(tmp != NULL, CT_ERR_NOMEM, "out of memory");
	fd = mkstemp(tmp);
	CT_TRY_ENSURE(fd >= 0, CT_ERR_IO, "create %s: %s", tmp,
		      strerror(errno));
	CT_TRY_ENSURE(fchmod(fd, mode) == 0, CT_ERR_IO, "chmod %s: %s", tmp,
		      strerror(errno));
	CT_TRY(write_all(fd, data, tmp));
	CT_TRY_ENSURE(fsync(fd) == 0, CT_ERR_IO, "fsync %s: %s", tmp,
		      strerror(errno));
	CT_TRY_ENSURE(close(fd) == 0, CT_ERR_IO, "close %s: %s", tmp,
		      strerror(errno));
	fd = -1;
	CT_TRY_ENSURE(rename(tmp, path) == 0, CT_ERR_IO, "rename %s to %s: %s",
		      tmp, path, strerror(errno));
	free(tmp);
	tmp = NULL;

	dir = ct_strdup(path);
	CT_TRY_ENSURE(dir != NULL, CT_ERR_NOMEM, "out of memory");
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		CT_TRY(ct_dir_fsync("."));
	else if (slash == dir)
		CT_TRY(ct_dir_fsync("/"));
	else {
		*slash = '\0';
		CT_TRY(ct_dir_fsync(dir));
	}
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	return res;
}

ct_result ct_mkdir_p(const char *path, mode_t mode)
{
	ct_result res = CT_OK;
	char *copy = ct_strdup(path);
	CT_ENSURE(copy != NULL, CT_ERR_NOMEM, "out of memory");
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, mode) != 0 && errno != EEXIST) {
			res = CT_FAIL(CT_ERR_IO, "mkdir %s: %s", copy,
				      strerror(errno));
			break;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(copy);
	if (ct_ok(res)) {
		struct stat st;
		CT_ENSURE(stat(path, &st) == 0 && S_ISDIR(st.st_mode), CT_ERR_IO,
			  "%s: not a directory", path);
	}
	return res;
}
