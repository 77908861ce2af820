/*
 * provider_tsm.c - evidence through the Linux configfs-tsm report interface
 * (Documentation/ABI/testing/configfs-tsm-report; attestation.md §7.2).
 *
 * One request = one entry directory under ROOT: mkdir, check `provider`
 * is sev_guest, read `generation`, write the 64-byte `inblob`, read
 * `outblob` (the bare report) and `auxblob` (the certificate table), read
 * `generation` again and rmdir. The kernel bumps `generation` on every
 * write; if it moved by more than our one write, someone else wrote into
 * our entry between our write and our reads, so the blobs may not be ours:
 * we throw them away and retry with a fresh entry (CT_TSM_ATTEMPTS times).
 *
 * Trust boundary: the attribute contents come from the kernel (and through
 * it the host); they are read with fixed bounds and handed to the shared
 * checks in provider.c. ROOT is configurable so tests can run against a
 * prepared directory; the hooks of provider_internal.h let a test act as
 * the kernel at the moments the kernel would.
 */
#include "attest/provider_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TSM_PROVIDER_SEV "sev_guest"

/* Reads a whole attribute (configfs may return it in pieces). */
static ct_result read_attr(const char *dir, const char *attr,
			   struct ct_buf *out, size_t max, bool missing_ok)
{
	char *path = ct_aprintf("%s/%s", dir, attr);
	CT_ENSURE(path != NULL, CT_ERR_NOMEM, "configfs-tsm: out of memory");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err = errno;
	free(path);
	if (fd < 0) {
		if (err == ENOENT && missing_ok)
			return CT_OK;
		return CT_FAIL(CT_ERR_IO, "configfs-tsm: open %s: %s", attr,
			       strerror(err));
	}
	ct_result res = CT_OK;
	uint8_t chunk[4096];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			res = CT_FAIL(CT_ERR_IO, "configfs-tsm: read %s: %s",
				      attr, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max) {
			res = CT_FAIL(CT_ERR_LIMIT, "configfs-tsm: %s is larger "
				      "than %zu bytes", attr, max);
			break;
		}
		res = ct_buf_append(out, chunk, (size_t)n);
		if (!ct_ok(res))
			break;
	}
	close(fd);
	return res;
}

static ct_result write_attr(struct ct_evidence_provider *p, const char *dir,
			    const char *attr, const uint8_t *data, size_t len)
{
	char *path = ct_aprintf("%s/%s", dir, attr);
	CT_ENSURE(path != NULL, CT_ERR_NOMEM, "configfs-tsm: out of memory");
	/* No O_CREAT: the kernel made the attribute with the directory. */
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int err = errno;
	free(path);
	if (fd < 0)
		return CT_FAIL(CT_ERR_IO, "configfs-tsm: open %s: %s", attr,
			       strerror(err));
	ssize_t n;
	do
		n = write(fd, data, len);
	while (n < 0 && errno == EINTR);
	int saved = errno;
	close(fd);
	if (n < 0)
		return CT_FAIL(CT_ERR_IO, "configfs-tsm: write %s: %s", attr,
			       strerror(saved));
	CT_ENSURE((size_t)n == len, CT_ERR_IO, "configfs-tsm: write %s: "
		  "short write (%zd of %zu bytes)", attr, n, len);
	if (p->tsm_hooks.after_write != NULL)
		p->tsm_hooks.after_write(p->tsm_hooks.arg, dir, attr);
	return CT_OK;
}

/* A text attribute without its trailing newline. */
static ct_result read_text(const char *dir, const char *attr,
			   struct ct_buf *out)
{
	ct_buf_reset(out);
	CT_GUARD(read_attr(dir, attr, out, CT_TSM_ATTR_TEXT_MAX, false));
	if (out->len > 0 && out->data[out->len - 1] == '\n') {
		out->len--;
		out->data[out->len] = '\0';
	}
	CT_ENSURE(memchr(out->data, '\0', out->len) == NULL, CT_ERR_PROTO,
		  "configfs-tsm: %s contains a NUL byte", attr);
	return CT_OK;
}

static ct_result read_generation(const char *dir, uint64_t *out)
{
	struct ct_buf b;
	ct_buf_init(&b, CT_TSM_ATTR_TEXT_MAX);
	ct_result res = read_text(dir, "generation", &b);
	if (ct_ok(res) && !ct_ok(ct_parse_u64(ct_buf_cstr(&b), UINT32_MAX, out)))
		res = CT_FAIL(CT_ERR_PROTO, "configfs-tsm: generation \"%.32s\" "
			      "is not a number", ct_buf_cstr(&b));
	ct_buf_dispose(&b);
	return res;
}

/* One attempt in one entry; *moved is set when the generation moved. */
static ct_result one_entry(struct ct_evidence_provider *p, const char *dir,
			   const uint8_t report_data[64], struct ct_buf *report,
			   struct ct_buf *table, bool *moved)
{
	struct ct_buf name;
	uint64_t g0, g1;
	*moved = false;
	ct_buf_init(&name, CT_TSM_ATTR_TEXT_MAX);
	ct_result res = read_text(dir, "provider", &name);
	if (ct_ok(res) && strcmp(ct_buf_cstr(&name), TSM_PROVIDER_SEV) != 0)
		res = CT_FAIL(CT_ERR_IO, "configfs-tsm: provider is \"%.32s\", "
			      "want \"%s\" (not an SEV-SNP guest)",
			      ct_buf_cstr(&name), TSM_PROVIDER_SEV);
	ct_buf_dispose(&name);
	CT_GUARD(res);
	CT_GUARD(read_generation(dir, &g0));
	CT_GUARD(write_attr(p, dir, "inblob", report_data, 64));
	ct_buf_reset(report);
	ct_buf_reset(table);
	CT_GUARD(read_attr(dir, "outblob", report, CT_SNP_REPORT_SIZE, false));
	CT_ENSURE(report->len == CT_SNP_REPORT_SIZE, CT_ERR_PROTO,
		  "configfs-tsm: outblob is %zu bytes, want %u", report->len,
		  CT_SNP_REPORT_SIZE);
	CT_GUARD(read_attr(dir, "auxblob", table, CT_SNP_CERT_TABLE_MAX, true));
	CT_GUARD(read_generation(dir, &g1));
	if (g1 != g0 + 1) {
		*moved = true;
		return CT_FAIL(CT_ERR_IO, "configfs-tsm: generation moved from "
			       "%llu to %llu, want %llu (a concurrent writer)",
			       (unsigned long long)g0, (unsigned long long)g1,
			       (unsigned long long)g0 + 1);
	}
	return CT_OK;
}

static ct_result make_entry(struct ct_evidence_provider *p, char *dir,
			    size_t len)
{
	for (int tries = 0; tries < 16; tries++) {
		pthread_mutex_lock(&p->lock);
		unsigned long seq = p->seq++;
		pthread_mutex_unlock(&p->lock);
		snprintf(dir, len, "%s/contrast-%ld-%lu", p->path,
			 (long)getpid(), seq);
		if (mkdir(dir, 0700) == 0) {
			if (p->tsm_hooks.after_mkdir != NULL)
				p->tsm_hooks.after_mkdir(p->tsm_hooks.arg, dir);
			return CT_OK;
		}
		if (errno != EEXIST)
			return CT_FAIL(CT_ERR_IO, "configfs-tsm: mkdir %s: %s",
				       dir, strerror(errno));
	}
	return CT_FAIL(CT_ERR_IO, "configfs-tsm: no free entry name under %s",
		       p->path);
}

static void remove_entry(struct ct_evidence_provider *p, const char *dir)
{
	if (p->tsm_hooks.before_rmdir != NULL)
		p->tsm_hooks.before_rmdir(p->tsm_hooks.arg, dir);
	if (rmdir(dir) != 0)
		ct_log_warn("configfs-tsm: rmdir %s: %s", dir, strerror(errno));
}

ct_result ct_provider_tsm_get(struct ct_evidence_provider *p,
			      const uint8_t report_data[64], struct ct_buf *report,
			      struct ct_buf *table)
{
	char dir[CT_PROVIDER_SPEC_MAX + 64];
	ct_result res = CT_OK;
	for (unsigned attempt = 0; attempt < CT_TSM_ATTEMPTS; attempt++) {
		bool moved = false;
		CT_GUARD(make_entry(p, dir, sizeof(dir)));
		res = one_entry(p, dir, report_data, report, table, &moved);
		remove_entry(p, dir);
		if (ct_ok(res) || !moved)
			return res;
		ct_log_debug("%s; retrying", ct_error_message());
	}
	return ct_error_prefix("configfs-tsm: gave up after %u attempts",
			       CT_TSM_ATTEMPTS);
}
