/*
 * provider_sevguest.c - evidence through /dev/sev-guest's
 * SNP_GET_EXT_REPORT ioctl (include/uapi/linux/sev-guest.h; attestation.md
 * §7.1), for kernels without configfs-tsm.
 *
 * The request carries REPORT_DATA, VMPL 0 and a page-multiple certificate
 * buffer. If the host's certificates do not fit, the kernel fails with EIO,
 * vmm_error INVALID_LEN and the needed length in certs_len; we grow the
 * buffer (bounded by CT_SNP_CERTS_MAX) and ask once more. Any other
 * firmware error is final: the kernel may have wiped the VMPCK, so we do
 * not hammer it. Requests on one provider are serialised.
 *
 * Trust boundary: the response bytes come from the firmware through the
 * kernel, the certificate table from the host; both are bounded here and
 * parsed by the shared checks in provider.c.
 */
#include "attest/provider_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

_Static_assert(sizeof(struct ct_snp_report_req) == 96, "snp_report_req");
_Static_assert(sizeof(struct ct_snp_ext_report_req) == 112,
	       "snp_ext_report_req");
_Static_assert(sizeof(struct ct_snp_report_resp) == 4000, "snp_report_resp");
_Static_assert(sizeof(struct ct_snp_guest_request_ioctl) == 32,
	       "snp_guest_request_ioctl");

void ct_sevguest_request_encode(struct ct_snp_ext_report_req *req,
				const uint8_t user_data[64], void *certs,
				uint32_t certs_len)
{
	memset(req, 0, sizeof(*req));
	memcpy(req->data.user_data, user_data, 64);
	req->data.vmpl = 0;
	req->certs_address = (uint64_t)(uintptr_t)certs;
	req->certs_len = certs_len;
}

ct_result ct_sevguest_response_decode(const struct ct_snp_report_resp *resp,
				      uint8_t report[CT_SNP_REPORT_SIZE])
{
	uint32_t status = ct_load_u32le(resp->data + CT_SNP_MSG_RSP_STATUS);
	uint32_t size = ct_load_u32le(resp->data + CT_SNP_MSG_RSP_SIZE);
	CT_ENSURE(status == 0, CT_ERR_IO, "sev-guest: firmware status 0x%x%s",
		  status, status == 0x16 ? " (invalid parameter)" :
		  status == 0x27 ? " (invalid key)" : "");
	CT_ENSURE(size == CT_SNP_REPORT_SIZE, CT_ERR_PROTO,
		  "sev-guest: report size %u, want %u", size,
		  CT_SNP_REPORT_SIZE);
	memcpy(report, resp->data + CT_SNP_MSG_RSP_REPORT, CT_SNP_REPORT_SIZE);
	return CT_OK;
}

ct_result ct_sevguest_certs_trim(const uint8_t *certs, size_t len,
				 size_t *used)
{
	struct ct_reader r;
	size_t end = 0;
	ct_reader_init(&r, ct_span_make(certs, len));
	for (unsigned i = 0;; i++) {
		struct ct_span guid;
		uint32_t off, n;
		CT_ENSURE(i <= CT_SNP_CERT_TABLE_MAX_ENTRIES, CT_ERR_PROTO,
			  "sev-guest: cert table has more than %u entries",
			  CT_SNP_CERT_TABLE_MAX_ENTRIES);
		if (!ct_ok(ct_reader_bytes(&r, CT_SNP_GUID_LEN, &guid)) ||
		    !ct_ok(ct_reader_u32le(&r, &off)) ||
		    !ct_ok(ct_reader_u32le(&r, &n)))
			return CT_FAIL(CT_ERR_PROTO, "sev-guest: cert table has "
				       "no terminator within %zu bytes", len);
		if (ct_span_is_zero(guid) && off == 0 && n == 0)
			break;
		size_t e;
		CT_ENSURE(ct_ok(ct_size_add(&e, off, n)) && e <= len,
			  CT_ERR_PROTO, "sev-guest: cert table entry %u "
			  "(offset %u, length %u) beyond %zu bytes", i, off, n,
			  len);
		if (e > end)
			end = e;
	}
	*used = end == 0 ? 0 : (end > r.off ? end : r.off);
	return CT_OK;
}

static int do_ioctl(struct ct_evidence_provider *p, int fd,
		    struct ct_snp_guest_request_ioctl *io)
{
	if (p->ioctl_fn != NULL)
		return p->ioctl_fn(p->ioctl_arg, fd, CT_SNP_GET_EXT_REPORT, io);
	return ioctl(fd, CT_SNP_GET_EXT_REPORT, io);
}

static ct_result request(struct ct_evidence_provider *p, int fd,
			 const uint8_t report_data[64], struct ct_buf *report,
			 struct ct_buf *table)
{
	uint32_t certs_len = 4 * CT_SNP_CERTS_PAGE;
	ct_result res = CT_OK;
	struct ct_snp_ext_report_req req;
	struct ct_snp_report_resp *resp = ct_calloc(1, sizeof(*resp));
	uint8_t *certs = NULL;
	CT_ENSURE(resp != NULL, CT_ERR_NOMEM, "sev-guest: out of memory");
	for (int attempt = 0; attempt < 2; attempt++) {
		free(certs);
		certs = ct_calloc(1, certs_len);
		CT_TRY_ENSURE(certs != NULL, CT_ERR_NOMEM,
			      "sev-guest: out of memory");
		ct_sevguest_request_encode(&req, report_data, certs, certs_len);
		struct ct_snp_guest_request_ioctl io;
		memset(&io, 0, sizeof(io));
		io.msg_version = 1;
		io.req_data = (uint64_t)(uintptr_t)&req;
		io.resp_data = (uint64_t)(uintptr_t)resp;
		if (do_ioctl(p, fd, &io) == 0) {
			uint8_t rep[CT_SNP_REPORT_SIZE];
			size_t used;
			CT_TRY(ct_sevguest_response_decode(resp, rep));
			CT_TRY(ct_buf_append(report, rep, sizeof(rep)));
			CT_TRY(ct_sevguest_certs_trim(certs, certs_len, &used));
			CT_TRY(ct_buf_append(table, certs, used));
			goto out;
		}
		int err = errno;
		if (err == EIO && io.u.err.vmm_error == CT_SNP_VMM_ERR_INVALID_LEN &&
		    attempt == 0) {
			uint32_t need = req.certs_len;
			CT_TRY_ENSURE(need > certs_len && need <= CT_SNP_CERTS_MAX &&
				      need % CT_SNP_CERTS_PAGE == 0, CT_ERR_PROTO,
				      "sev-guest: host wants a %u-byte cert "
				      "buffer (had %u, max %u, page multiple)",
				      need, certs_len, CT_SNP_CERTS_MAX);
			certs_len = need;
			continue;
		}
		if (err == EIO && io.u.err.vmm_error == CT_SNP_VMM_ERR_BUSY)
			res = CT_FAIL(CT_ERR_IO, "sev-guest: SNP_GET_EXT_REPORT: "
				      "host busy (vmm_error 2)");
		else
			res = CT_FAIL(CT_ERR_IO, "sev-guest: SNP_GET_EXT_REPORT: "
				      "%s (fw_error 0x%x, vmm_error 0x%x)",
				      strerror(err), io.u.err.fw_error,
				      io.u.err.vmm_error);
		goto out;
	}
	res = CT_FAIL(CT_ERR_PROTO, "sev-guest: cert buffer still too small "
		      "after growing to %u bytes", certs_len);
out:
	free(certs);
	free(resp);
	return res;
}

ct_result ct_provider_sevguest_get(struct ct_evidence_provider *p,
				   const uint8_t report_data[64],
				   struct ct_buf *report, struct ct_buf *table)
{
	pthread_mutex_lock(&p->lock);
	ct_result res;
	int fd = open(p->path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		res = CT_FAIL(CT_ERR_IO, "sev-guest: open %s: %s", p->path,
			      strerror(errno));
	} else {
		res = request(p, fd, report_data, report, table);
		close(fd);
	}
	pthread_mutex_unlock(&p->lock);
	return res;
}
