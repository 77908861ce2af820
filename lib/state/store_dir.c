/*
 * store_dir.c - the directory backend of the state store (the default):
 * each key "<dir>/<name>" is the file <root>/<dir>/<name>.
 *
 * Crash safety: every write is ct_file_write_atomic (temporary file in
 * the same directory, fsync, rename over the target, fsync the
 * directory), so a reader - or a Coordinator restarted after kill -9 -
 * sees the old or the new bytes of a file, never a mix. New directories
 * are fsynced into their parent before anything is written in them.
 * A crash may leave "<name>.tmp.XXXXXX" files behind; their names are not
 * valid keys, so they are never read, and they are harmless.
 *
 * Concurrency: immutable objects need no lock (two writers of one key
 * write the same bytes). Compare-and-swap takes flock(LOCK_EX) on
 * <root>/.lock around read-compare-write, so two processes on the same
 * directory cannot interleave; the lock dies with its holder, so a
 * killed process never leaves it held.
 *
 * Trust boundary: the files are ours, but the directory may have been
 * tampered with; reads are bounded (CT_STATE_OBJECT_MAX_BYTES), refuse
 * anything but a regular file (O_NOFOLLOW) and the history layer re-hashes
 * whatever it reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"

#define DIR_MODE 0700
#define FILE_MODE 0600
#define LOCK_NAME ".lock"

struct dir_store {
	struct ct_state_store base; /* first: the ops header */
	char *root;
};

static struct dir_store *dir_of(struct ct_state_store *s)
{
	return (struct dir_store *)s;
}

static char *key_path(const struct dir_store *d, const char *key)
{
	char *p = ct_aprintf("%s/%s", d->root, key);
	return p;
}

/* Reads a whole regular file, bounded; *found false on ENOENT. */
static ct_result read_file(const char *path, struct ct_buf *out, bool *found)
{
	ct_result res = CT_OK;
	*found = false;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return CT_OK;
		return CT_FAIL(CT_ERR_IO, "state: open %s: %s", path,
			       strerror(errno));
	}
	struct stat st;
	CT_TRY_ENSURE(fstat(fd, &st) == 0, CT_ERR_IO, "state: stat %s: %s",
		      path, strerror(errno));
	CT_TRY_ENSURE(S_ISREG(st.st_mode), CT_ERR_PROTO,
		      "state: %s: not a regular file", path);
	CT_TRY_ENSURE(st.st_size >= 0 &&
			      (uint64_t)st.st_size <= CT_STATE_OBJECT_MAX_BYTES,
		      CT_ERR_LIMIT, "state: %s: %lld bytes exceed the limit of %u",
		      path, (long long)st.st_size, CT_STATE_OBJECT_MAX_BYTES);
	size_t start = out->len;
	CT_TRY(ct_buf_reserve(out, (size_t)st.st_size));
	for (;;) {
		uint8_t chunk[4096];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		CT_TRY_ENSURE(n >= 0, CT_ERR_IO, "state: read %s: %s", path,
			      strerror(errno));
		if (n == 0)
			break;
		CT_TRY_ENSURE(out->len - start + (size_t)n <=
				      CT_STATE_OBJECT_MAX_BYTES,
			      CT_ERR_LIMIT, "state: %s: grew beyond %u bytes",
			      path, CT_STATE_OBJECT_MAX_BYTES);
		CT_TRY(ct_buf_append(out, chunk, (size_t)n));
		ct_wipe(chunk, sizeof(chunk));
	}
	*found = true;
out:
	close(fd);
	return res;
}

static ct_result dir_get(struct ct_state_store *s, const char *key,
			 struct ct_buf *out, bool *found)
{
	char *path = key_path(dir_of(s), key);
	CT_ENSURE(path != NULL, CT_ERR_NOMEM, "out of memory");
	size_t before = out->len;
	ct_result res = read_file(path, out, found);
	if (!ct_ok(res)) {
		/* Leave out as it was: no half object reaches the caller. */
		if (out->len > before) {
			ct_wipe(out->data + before, out->len - before);
			out->len = before;
			out->data[before] = '\0';
		}
		*found = false;
	}
	free(path);
	return res;
}

/* Creates <root>/<dir> (0700) and makes the creation durable. */
static ct_result ensure_subdir(const struct dir_store *d, const char *key)
{
	const char *slash = strchr(key, '/');
	char *sub = ct_aprintf("%s/%.*s", d->root, (int)(slash - key), key);
	CT_ENSURE(sub != NULL, CT_ERR_NOMEM, "out of memory");
	struct stat st;
	ct_result res = CT_OK;
	if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
		goto out;
	CT_TRY(ct_mkdir_p(sub, DIR_MODE));
	CT_TRY(ct_dir_fsync(d->root));
out:
	free(sub);
	return res;
}

static ct_result dir_put(struct ct_state_store *s, const char *key,
			 struct ct_span value)
{
	struct dir_store *d = dir_of(s);
	ct_result res = CT_OK;
	struct ct_buf cur;
	ct_buf_init(&cur, CT_STATE_OBJECT_MAX_BYTES);
	char *path = key_path(d, key);
	CT_TRY_ENSURE(path != NULL, CT_ERR_NOMEM, "out of memory");

	bool found = false;
	CT_TRY(read_file(path, &cur, &found));
	if (found) {
		CT_TRY_ENSURE(ct_span_eq(ct_buf_span(&cur), value),
			      CT_ERR_PROTO,
			      "state: %s exists with different content "
			      "(%zu bytes stored, %zu bytes given)",
			      key, cur.len, value.len);
		goto out; /* idempotent */
	}
	CT_TRY(ensure_subdir(d, key));
	CT_TRY(ct_file_write_atomic(path, value, FILE_MODE));
out:
	ct_buf_dispose(&cur);
	free(path);
	return res;
}

static ct_result lock_store(const struct dir_store *d, int *fd_out)
{
	char *path = ct_aprintf("%s/%s", d->root, LOCK_NAME);
	CT_ENSURE(path != NULL, CT_ERR_NOMEM, "out of memory");
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		      FILE_MODE);
	ct_result res = CT_OK;
	if (fd < 0) {
		res = CT_FAIL(CT_ERR_IO, "state: open %s: %s", path,
			      strerror(errno));
		goto out;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		res = CT_FAIL(CT_ERR_IO, "state: lock %s: %s", path,
			      strerror(errno));
		close(fd);
		goto out;
	}
	*fd_out = fd;
out:
	free(path);
	return res;
}

static ct_result dir_cas(struct ct_state_store *s, const char *key,
			 const struct ct_span *old, struct ct_span next)
{
	struct dir_store *d = dir_of(s);
	ct_result res = CT_OK;
	int lock_fd = -1;
	struct ct_buf cur;
	ct_buf_init(&cur, CT_STATE_OBJECT_MAX_BYTES);
	char *path = key_path(d, key);
	CT_TRY_ENSURE(path != NULL, CT_ERR_NOMEM, "out of memory");

	CT_TRY(lock_store(d, &lock_fd));
	bool found = false;
	CT_TRY(read_file(path, &cur, &found));
	bool same = old == NULL ? !found
				: found && ct_span_eq(ct_buf_span(&cur), *old);
	CT_TRY_ENSURE(same, CT_ERR_POLICY,
		      "state: %s has changed since last read (%s)", key,
		      old == NULL ? "want absent, found a value"
		      : found     ? "value differs"
				  : "want a value, found none");
	CT_TRY(ensure_subdir(d, key));
	CT_TRY(ct_file_write_atomic(path, next, FILE_MODE));
out:
	if (lock_fd >= 0)
		close(lock_fd); /* releases the flock */
	ct_buf_dispose(&cur);
	free(path);
	return res;
}

static void dir_free(struct ct_state_store *s)
{
	struct dir_store *d = dir_of(s);
	free(d->root);
	free(d);
}

static const struct ct_state_store_ops dir_ops = {
	.name = "dir",
	.get = dir_get,
	.put = dir_put,
	.cas = dir_cas,
	.free = dir_free,
};

ct_result ct_state_store_open_dir(const char *dir, struct ct_state_store **out)
{
	CT_ENSURE(dir != NULL && dir[0] != '\0' && out != NULL, CT_ERR_USAGE,
		  "state: open: no directory given");
	CT_ENSURE(strlen(dir) < 3000, CT_ERR_LIMIT,
		  "state: directory path too long");
	CT_GUARD(ct_mkdir_p(dir, DIR_MODE));
	struct stat st;
	CT_ENSURE(stat(dir, &st) == 0, CT_ERR_IO, "state: stat %s: %s", dir,
		  strerror(errno));
	if ((st.st_mode & 077) != 0 && st.st_uid == geteuid())
		CT_ENSURE(chmod(dir, DIR_MODE) == 0, CT_ERR_IO,
			  "state: chmod %s: %s", dir, strerror(errno));
	struct dir_store *d = ct_calloc(1, sizeof(*d));
	CT_ENSURE(d != NULL, CT_ERR_NOMEM, "out of memory");
	d->root = ct_strdup(dir);
	if (d->root == NULL) {
		free(d);
		return CT_FAIL(CT_ERR_NOMEM, "out of memory");
	}
	/* Strip trailing slashes so paths stay canonical. */
	size_t n = strlen(d->root);
	while (n > 1 && d->root[n - 1] == '/')
		d->root[--n] = '\0';
	d->base.ops = &dir_ops;
	*out = &d->base;
	return CT_OK;
}
