/*
 * sim_proto.c - encoder and parsers of the contrast-snp-sim socket
 * protocol (see sim_proto.h for the layout).
 *
 * Trust boundary: ct_sim_request_parse reads bytes from a guest (untrusted
 * by the simulator); ct_sim_response_header_parse / ct_sim_response_parse
 * read bytes from the host (untrusted by the guest). Both go through a
 * ct_reader, check every length against a named bound before using it and
 * refuse trailing bytes. fuzz/sim/sim_proto_fuzz.c drives both.
 */
#include "attest/sim_proto.h"

#include <string.h>

static const uint8_t REQ_MAGIC[4] = { 'C', 'T', 'S', 'Q' };
static const uint8_t RESP_MAGIC[4] = { 'C', 'T', 'S', 'A' };

const char *ct_sim_status_name(uint16_t status)
{
	switch (status) {
	case CT_SIM_OK:
		return "ok";
	case CT_SIM_ERR_BAD_REQUEST:
		return "bad request";
	case CT_SIM_ERR_FIRMWARE:
		return "firmware error";
	case CT_SIM_ERR_INTERNAL:
		return "internal error";
	default:
		return "unknown status";
	}
}

ct_result ct_sim_request_encode(struct ct_buf *out,
				const uint8_t inblob[CT_SIM_INBLOB_LEN])
{
	uint8_t req[CT_SIM_REQ_LEN];
	memcpy(req, REQ_MAGIC, 4);
	ct_store_u16le(req + 4, CT_SIM_PROTO_VERSION);
	ct_store_u16le(req + 6, CT_SIM_OP_REPORT);
	ct_store_u32le(req + 8, CT_SIM_INBLOB_LEN);
	memcpy(req + CT_SIM_REQ_HEADER_LEN, inblob, CT_SIM_INBLOB_LEN);
	return ct_buf_append(out, req, sizeof(req));
}

ct_result ct_sim_request_parse(struct ct_span in,
			       uint8_t inblob[CT_SIM_INBLOB_LEN])
{
	struct ct_reader r;
	struct ct_span magic;
	uint16_t version, op;
	uint32_t len;
	ct_reader_init(&r, in);
	CT_ENSURE(in.len <= CT_SIM_REQ_LEN, CT_ERR_PROTO,
		  "sim request: %zu bytes, want %u", in.len, CT_SIM_REQ_LEN);
	if (!ct_ok(ct_reader_bytes(&r, 4, &magic)) ||
	    !ct_ok(ct_reader_u16le(&r, &version)) ||
	    !ct_ok(ct_reader_u16le(&r, &op)) ||
	    !ct_ok(ct_reader_u32le(&r, &len)))
		return CT_FAIL(CT_ERR_PROTO, "sim request: truncated header "
			       "(%zu bytes, want %u)", in.len,
			       CT_SIM_REQ_HEADER_LEN);
	CT_ENSURE(memcmp(magic.ptr, REQ_MAGIC, 4) == 0, CT_ERR_PROTO,
		  "sim request: bad magic");
	CT_ENSURE(version == CT_SIM_PROTO_VERSION, CT_ERR_PROTO,
		  "sim request: version %u, want %u", version,
		  CT_SIM_PROTO_VERSION);
	CT_ENSURE(op == CT_SIM_OP_REPORT, CT_ERR_PROTO,
		  "sim request: op %u, want %u (report)", op, CT_SIM_OP_REPORT);
	CT_ENSURE(len == CT_SIM_INBLOB_LEN, CT_ERR_PROTO,
		  "sim request: inblob length %u, want %u", len,
		  CT_SIM_INBLOB_LEN);
	CT_ENSURE(ct_ok(ct_reader_copy(&r, inblob, CT_SIM_INBLOB_LEN)),
		  CT_ERR_PROTO, "sim request: truncated inblob (%zu of %u "
		  "bytes)", ct_reader_remaining(&r), CT_SIM_INBLOB_LEN);
	return ct_reader_expect_end(&r, "sim request");
}

static ct_result put_header(struct ct_buf *out, uint16_t status,
			    uint32_t outlen, uint32_t auxlen)
{
	uint8_t h[CT_SIM_RESP_HEADER_LEN];
	memcpy(h, RESP_MAGIC, 4);
	ct_store_u16le(h + 4, CT_SIM_PROTO_VERSION);
	ct_store_u16le(h + 6, status);
	ct_store_u32le(h + 8, outlen);
	ct_store_u32le(h + 12, auxlen);
	return ct_buf_append(out, h, sizeof(h));
}

ct_result ct_sim_response_encode_ok(struct ct_buf *out, struct ct_span report,
				    struct ct_span cert_table)
{
	CT_ENSURE(report.len == CT_SNP_REPORT_SIZE, CT_ERR_INTERNAL,
		  "sim response: report is %zu bytes, want %u", report.len,
		  CT_SNP_REPORT_SIZE);
	CT_ENSURE(cert_table.len <= CT_SNP_CERT_TABLE_MAX, CT_ERR_LIMIT,
		  "sim response: cert table is %zu bytes, max %u",
		  cert_table.len, CT_SNP_CERT_TABLE_MAX);
	CT_GUARD(put_header(out, CT_SIM_OK, (uint32_t)report.len,
			    (uint32_t)cert_table.len));
	CT_GUARD(ct_buf_append_span(out, report));
	return ct_buf_append_span(out, cert_table);
}

ct_result ct_sim_response_encode_err(struct ct_buf *out, uint16_t status,
				     const char *message)
{
	CT_ENSURE(status != CT_SIM_OK, CT_ERR_INTERNAL,
		  "sim response: error with status 0");
	size_t n = strlen(message);
	if (n > CT_SIM_MSG_MAX)
		n = CT_SIM_MSG_MAX;
	CT_GUARD(put_header(out, status, (uint32_t)n, 0));
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)message[i];
		CT_GUARD(ct_buf_append_byte(out, c >= 0x20 && c < 0x7F ? c : '?'));
	}
	return CT_OK;
}

ct_result ct_sim_response_header_parse(struct ct_span in,
				       struct ct_sim_response_header *out,
				       size_t *body_len)
{
	struct ct_reader r;
	struct ct_span magic;
	uint16_t version;
	ct_reader_init(&r, in);
	if (!ct_ok(ct_reader_bytes(&r, 4, &magic)) ||
	    !ct_ok(ct_reader_u16le(&r, &version)) ||
	    !ct_ok(ct_reader_u16le(&r, &out->status)) ||
	    !ct_ok(ct_reader_u32le(&r, &out->outblob_len)) ||
	    !ct_ok(ct_reader_u32le(&r, &out->auxblob_len)))
		return CT_FAIL(CT_ERR_PROTO, "sim response: truncated header "
			       "(%zu bytes, want %u)", in.len,
			       CT_SIM_RESP_HEADER_LEN);
	CT_ENSURE(memcmp(magic.ptr, RESP_MAGIC, 4) == 0, CT_ERR_PROTO,
		  "sim response: bad magic");
	CT_ENSURE(version == CT_SIM_PROTO_VERSION, CT_ERR_PROTO,
		  "sim response: version %u, want %u", version,
		  CT_SIM_PROTO_VERSION);
	if (out->status == CT_SIM_OK) {
		CT_ENSURE(out->outblob_len == CT_SNP_REPORT_SIZE, CT_ERR_PROTO,
			  "sim response: outblob is %u bytes, want %u",
			  out->outblob_len, CT_SNP_REPORT_SIZE);
		CT_ENSURE(out->auxblob_len <= CT_SNP_CERT_TABLE_MAX,
			  CT_ERR_PROTO, "sim response: auxblob is %u bytes, "
			  "max %u", out->auxblob_len, CT_SNP_CERT_TABLE_MAX);
	} else {
		CT_ENSURE(out->outblob_len <= CT_SIM_MSG_MAX, CT_ERR_PROTO,
			  "sim response: error message is %u bytes, max %u",
			  out->outblob_len, CT_SIM_MSG_MAX);
		CT_ENSURE(out->auxblob_len == 0, CT_ERR_PROTO,
			  "sim response: error with a %u-byte auxblob",
			  out->auxblob_len);
	}
	/* Both lengths are bounded above, so the sum cannot overflow. */
	*body_len = (size_t)out->outblob_len + out->auxblob_len;
	return CT_OK;
}

ct_result ct_sim_response_parse(struct ct_span in, struct ct_sim_response *out)
{
	struct ct_sim_response_header h;
	size_t body;
	struct ct_reader r;
	struct ct_span outblob, auxblob;
	memset(out, 0, sizeof(*out));
	CT_ENSURE(in.len >= CT_SIM_RESP_HEADER_LEN, CT_ERR_PROTO,
		  "sim response: truncated header (%zu bytes, want %u)",
		  in.len, CT_SIM_RESP_HEADER_LEN);
	CT_GUARD(ct_sim_response_header_parse(
		ct_span_make(in.ptr, CT_SIM_RESP_HEADER_LEN), &h, &body));
	ct_reader_init(&r, in);
	CT_GUARD(ct_reader_skip(&r, CT_SIM_RESP_HEADER_LEN));
	CT_ENSURE(ct_reader_remaining(&r) >= body, CT_ERR_PROTO,
		  "sim response: truncated body (%zu of %zu bytes)",
		  ct_reader_remaining(&r), body);
	CT_GUARD(ct_reader_bytes(&r, h.outblob_len, &outblob));
	CT_GUARD(ct_reader_bytes(&r, h.auxblob_len, &auxblob));
	CT_GUARD(ct_reader_expect_end(&r, "sim response"));
	out->status = h.status;
	if (h.status == CT_SIM_OK) {
		out->report = outblob;
		out->cert_table = auxblob;
		return CT_OK;
	}
	for (size_t i = 0; i < outblob.len; i++)
		CT_ENSURE(outblob.ptr[i] >= 0x20 && outblob.ptr[i] < 0x7F,
			  CT_ERR_PROTO, "sim response: error message has a "
			  "non-printable byte 0x%02x at %zu", outblob.ptr[i], i);
	out->message = outblob;
	return CT_OK;
}
