/*
 * sim_proto_fuzz.c - fuzzes both sides of the contrast-snp-sim socket
 * protocol (lib/attest/sim_proto.c): the first input byte picks the
 * simulator's request parser (even) or the guest's response parsers (odd).
 * Accepted requests must re-encode to the exact input; accepted responses
 * must borrow only bytes inside the input and respect the length bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attest/sim_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_request(const uint8_t *data, size_t size)
{
	uint8_t inblob[CT_SIM_INBLOB_LEN];
	if (!ct_ok(ct_sim_request_parse(ct_span_make(data, size), inblob)))
		return;
	struct ct_buf b;
	ct_buf_init(&b, CT_SIM_REQ_LEN);
	if (!ct_ok(ct_sim_request_encode(&b, inblob)) || b.len != size ||
	    memcmp(b.data, data, size) != 0)
		abort();
	ct_buf_dispose(&b);
}

static bool inside(struct ct_span s, const uint8_t *data, size_t size)
{
	return s.len == 0 || (s.ptr >= data && s.ptr + s.len <= data + size);
}

static void fuzz_response(const uint8_t *data, size_t size)
{
	struct ct_sim_response_header h;
	size_t body;
	if (size >= CT_SIM_RESP_HEADER_LEN &&
	    ct_ok(ct_sim_response_header_parse(ct_span_make(data, CT_SIM_RESP_HEADER_LEN),
					       &h, &body)) &&
	    body > CT_SNP_REPORT_SIZE + CT_SNP_CERT_TABLE_MAX)
		abort();
	struct ct_sim_response r;
	if (!ct_ok(ct_sim_response_parse(ct_span_make(data, size), &r)))
		return;
	if (!inside(r.report, data, size) || !inside(r.cert_table, data, size) ||
	    !inside(r.message, data, size))
		abort();
	if (r.status == CT_SIM_OK &&
	    (r.report.len != CT_SNP_REPORT_SIZE || r.cert_table.len > CT_SNP_CERT_TABLE_MAX))
		abort();
	if (r.status != CT_SIM_OK && r.message.len > CT_SIM_MSG_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		fuzz_request(data + 1, size - 1);
	else
		fuzz_response(data + 1, size - 1);
	ct_error_clear();
	return 0;
}
