/*
 * provider_internal.h - what the evidence-provider backends share, and the
 * seams tests use to play the kernel or the firmware.
 *
 * Not part of the public interface (provider.h). Tests include it to
 * open a backend with hooks: the configfs-tsm backend calls `tsm_hooks`
 * at the moments the kernel would act on the directory (after mkdir, after
 * a write, before rmdir), so a test can run the provider against a real,
 * prepared directory and fill in the attributes itself; the sev-guest
 * backend calls `ioctl_fn` in place of ioctl(2) so a test can play the
 * firmware and the kernel's length protocol.
 */
#ifndef CT_ATTEST_PROVIDER_INTERNAL_H
#define CT_ATTEST_PROVIDER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "attest/provider.h"
#include "attest/snp.h"
#include "base/base.h"

enum ct_provider_kind {
	CT_PROVIDER_TSM = 1,
	CT_PROVIDER_SEVGUEST,
	CT_PROVIDER_SIM,
};

/* The test seam of the configfs-tsm backend (all optional). */
struct ct_tsm_hooks {
	void (*after_mkdir)(void *arg, const char *dir);
	void (*after_write)(void *arg, const char *dir, const char *attr);
	void (*before_rmdir)(void *arg, const char *dir);
	void *arg;
};

/* ------------------------------------------------ sev-guest structures */

/* include/uapi/linux/sev-guest.h, written out so the layout is checked. */
struct ct_snp_report_req {
	uint8_t user_data[64];
	uint32_t vmpl;
	uint8_t rsvd[28];
};

struct ct_snp_ext_report_req {
	struct ct_snp_report_req data;
	uint64_t certs_address;
	uint32_t certs_len;
};

struct ct_snp_report_resp {
	uint8_t data[4000];
};

struct ct_snp_guest_request_ioctl {
	uint8_t msg_version;
	uint64_t req_data;
	uint64_t resp_data;
	union {
		uint64_t exitinfo2;
		struct {
			uint32_t fw_error;
			uint32_t vmm_error;
		} err;
	} u;
};

/* _IOWR('S', 0x2, struct snp_guest_request_ioctl) */
#define CT_SNP_GET_EXT_REPORT 0xC0205302ul
#define CT_SNP_VMM_ERR_INVALID_LEN 1u
#define CT_SNP_VMM_ERR_BUSY 2u
/* MSG_REPORT_RSP inside snp_report_resp.data. */
#define CT_SNP_MSG_RSP_STATUS 0x00u
#define CT_SNP_MSG_RSP_SIZE 0x04u
#define CT_SNP_MSG_RSP_REPORT 0x20u
/* Certificate buffer: pages, bounded (SEV_FW_BLOB_MAX_SIZE is 16 KiB
 * pages; we accept up to the cert table bound). */
#define CT_SNP_CERTS_PAGE 4096u
#define CT_SNP_CERTS_MAX CT_SNP_CERT_TABLE_MAX

typedef int (*ct_sevguest_ioctl_fn)(void *arg, int fd, unsigned long request,
				    struct ct_snp_guest_request_ioctl *io);

/* Fills the request for user_data at VMPL 0 (pure; tests check it). */
void ct_sevguest_request_encode(struct ct_snp_ext_report_req *req,
				const uint8_t user_data[64], void *certs,
				uint32_t certs_len);
/*
 * Decodes a response: status must be 0, report_size 0x4A0; copies the
 * report. CT_ERR_IO naming the firmware status otherwise.
 */
CT_RESULT ct_sevguest_response_decode(const struct ct_snp_report_resp *resp,
				      uint8_t report[CT_SNP_REPORT_SIZE]);
/*
 * The length of a certificate table inside a page-rounded buffer: the
 * largest offset+length over the entries (0 when the first entry is the
 * terminator). CT_ERR_PROTO if it does not parse within `len`.
 */
CT_RESULT ct_sevguest_certs_trim(const uint8_t *certs, size_t len,
				 size_t *used);

/* ----------------------------------------------------------- provider */

struct ct_evidence_provider {
	enum ct_provider_kind kind;
	char *path; /* tsm root, device, or socket */
	pthread_mutex_t lock; /* sev-guest: one ioctl at a time */
	unsigned long seq;    /* tsm: entry names (under lock) */
	unsigned timeout_ms;  /* sim: per request */
	struct ct_tsm_hooks tsm_hooks;
	ct_sevguest_ioctl_fn ioctl_fn;
	void *ioctl_arg;
};

/* Opens one backend directly (no auto-detection). */
CT_RESULT ct_provider_open_kind(enum ct_provider_kind kind, const char *path,
				struct ct_evidence_provider **out);

/* Backends: fill `report` (exactly 1184 bytes) and `table` (may stay empty). */
CT_RESULT ct_provider_tsm_get(struct ct_evidence_provider *p,
			      const uint8_t report_data[64], struct ct_buf *report,
			      struct ct_buf *table);
CT_RESULT ct_provider_sevguest_get(struct ct_evidence_provider *p,
				   const uint8_t report_data[64],
				   struct ct_buf *report, struct ct_buf *table);
CT_RESULT ct_provider_sim_get(struct ct_evidence_provider *p,
			      const uint8_t report_data[64], struct ct_buf *report,
			      struct ct_buf *table);

/* Attempts of the configfs-tsm backend when the generation moves. */
#define CT_TSM_ATTEMPTS 3u
/* Bound of a configfs attribute we read as text (provider, generation). */
#define CT_TSM_ATTR_TEXT_MAX 64u
/* Default sim request timeout; CONTRAST_EVIDENCE_TIMEOUT_MS overrides. */
#define CT_SIM_TIMEOUT_MS_DEFAULT 30000u
#define CT_PROVIDER_TIMEOUT_ENV "CONTRAST_EVIDENCE_TIMEOUT_MS"

#endif /* CT_ATTEST_PROVIDER_INTERNAL_H */
