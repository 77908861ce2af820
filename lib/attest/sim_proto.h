/*
 * sim_proto.h - the wire protocol between a guest and contrast-snp-sim.
 *
 * The simulator plays the secure processor behind a Unix socket. The
 * protocol mirrors configfs-tsm: the guest sends its 64-byte inblob
 * (REPORT_DATA); the host answers with an outblob (the 1184-byte report)
 * and an auxblob (the extended-report certificate table). One request per
 * connection. All integers are little-endian; every length is bounded.
 *
 *   request  (76 bytes): magic "CTSQ" | u16 version=1 | u16 op=1 (REPORT)
 *                        | u32 len=64 | inblob[64]
 *   response (16 + n):   magic "CTSA" | u16 version=1 | u16 status
 *                        | u32 outblob_len | u32 auxblob_len
 *                        | outblob | auxblob
 *
 * status 0 = success: outblob is exactly CT_SNP_REPORT_SIZE bytes and
 * auxblob at most CT_SNP_CERT_TABLE_MAX. Any other status is an error and
 * outblob carries a printable message of at most CT_SIM_MSG_MAX bytes
 * (auxblob empty). The parsers below are the trust boundary on both sides:
 * the simulator does not trust the guest and the guest does not trust the
 * host. Each fails with CT_ERR_PROTO naming the field that is wrong.
 */
#ifndef CT_ATTEST_SIM_PROTO_H
#define CT_ATTEST_SIM_PROTO_H

#include <stdint.h>

#include "attest/snp.h"
#include "base/base.h"

#define CT_SIM_PROTO_VERSION 1u
#define CT_SIM_OP_REPORT 1u
#define CT_SIM_INBLOB_LEN 64u
#define CT_SIM_REQ_HEADER_LEN 12u
#define CT_SIM_REQ_LEN (CT_SIM_REQ_HEADER_LEN + CT_SIM_INBLOB_LEN)
#define CT_SIM_RESP_HEADER_LEN 16u
#define CT_SIM_MSG_MAX 512u
#define CT_SIM_RESP_MAX \
	(CT_SIM_RESP_HEADER_LEN + CT_SNP_REPORT_SIZE + CT_SNP_CERT_TABLE_MAX)

/* Response status codes (the names the guest prints). */
enum ct_sim_status {
	CT_SIM_OK = 0,
	CT_SIM_ERR_BAD_REQUEST = 1, /* the request did not parse */
	CT_SIM_ERR_FIRMWARE = 2,    /* the simulated firmware refused */
	CT_SIM_ERR_INTERNAL = 3,    /* the simulator failed */
};

const char *ct_sim_status_name(uint16_t status);

/* Appends the 76-byte request for `inblob` to out. */
CT_RESULT ct_sim_request_encode(struct ct_buf *out,
				const uint8_t inblob[CT_SIM_INBLOB_LEN]);
/* Parses exactly one request (no trailing bytes). */
CT_RESULT ct_sim_request_parse(struct ct_span in,
			       uint8_t inblob[CT_SIM_INBLOB_LEN]);

/* Appends a success response. */
CT_RESULT ct_sim_response_encode_ok(struct ct_buf *out, struct ct_span report,
				    struct ct_span cert_table);
/* Appends an error response with a message (truncated to CT_SIM_MSG_MAX). */
CT_RESULT ct_sim_response_encode_err(struct ct_buf *out, uint16_t status,
				     const char *message);

/*
 * The 16-byte header alone, so a reader knows how much follows: checks
 * magic, version, status-specific length bounds; `*body_len` is the number
 * of bytes after the header.
 */
struct ct_sim_response_header {
	uint16_t status;
	uint32_t outblob_len;
	uint32_t auxblob_len;
};
CT_RESULT ct_sim_response_header_parse(struct ct_span in,
				       struct ct_sim_response_header *out,
				       size_t *body_len);

/*
 * Parses a whole response (header + body, no trailing bytes). On success
 * with status 0, `report` and `cert_table` borrow from `in`; with another
 * status, `message` borrows the (printable-checked) message and the
 * function returns CT_OK: the caller decides what an error status means.
 */
struct ct_sim_response {
	uint16_t status;
	struct ct_span report;
	struct ct_span cert_table;
	struct ct_span message;
};
CT_RESULT ct_sim_response_parse(struct ct_span in, struct ct_sim_response *out);

#endif /* CT_ATTEST_SIM_PROTO_H */
