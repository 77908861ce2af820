/*
 * provider_sevguest_test.c - the /dev/sev-guest provider: the ioctl
 * structures match the kernel's uapi layout, the request is encoded as the
 * kernel reads it, and every error path (firmware status, host busy, the
 * certificate-length protocol, lying lengths) ends in a clear error. The
 * test plays the kernel and firmware through the ioctl seam of
 * provider_internal.h, answering with reports of a simulated VM.
 */
#include "ct_test.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#if __has_include(<linux/sev-guest.h>)
#include <sys/ioctl.h>
#include <linux/sev-guest.h>
#define HAVE_UAPI_SEV_GUEST 1
#endif

#include "attest/evidence.h"
#include "attest/provider_internal.h"
#include "sim/sim.h"

static char g_tmp[64];
static struct ct_sim *g_sim;
static struct ct_sim_vm *g_vm;

enum fw_mode { FW_OK, FW_BUSY, FW_STATUS, FW_HUGE, FW_BAD_SIZE, FW_TWICE_SHORT };

struct fw {
	enum fw_mode mode;
	unsigned calls;
	uint32_t last_certs_len;
};

static int fake_ioctl(void *arg, int fd, unsigned long request,
		      struct ct_snp_guest_request_ioctl *io)
{
	struct fw *f = arg;
	(void)fd;
	f->calls++;
	assert_int_equal(request, 0xC0205302ul);
	assert_int_equal(io->msg_version, 1);
	struct ct_snp_ext_report_req *req = (void *)(uintptr_t)io->req_data;
	struct ct_snp_report_resp *resp = (void *)(uintptr_t)io->resp_data;
	assert_int_equal(req->data.vmpl, 0);
	assert_true(ct_span_is_zero(ct_span_make(req->data.rsvd, 28)));
	assert_int_equal(req->certs_len % 4096, 0);
	f->last_certs_len = req->certs_len;
	struct ct_buf rep, tab;
	ct_buf_init(&rep, CT_SNP_REPORT_SIZE);
	ct_buf_init(&tab, CT_SNP_CERT_TABLE_MAX);
	assert_ct_ok(ct_sim_vm_report(g_vm, req->data.user_data, &rep, &tab));
	/* This host has 5 pages of certificates (more than a first guess). */
	uint32_t need = 5 * 4096;
	assert_true(tab.len <= need);
	int rc = 0;
	switch (f->mode) {
	case FW_BUSY:
		io->u.err.vmm_error = CT_SNP_VMM_ERR_BUSY;
		errno = EIO;
		rc = -1;
		goto out;
	case FW_HUGE:
		req->certs_len = 1u << 30;
		io->u.err.vmm_error = CT_SNP_VMM_ERR_INVALID_LEN;
		errno = EIO;
		rc = -1;
		goto out;
	case FW_TWICE_SHORT:
		need = req->certs_len + 4096;
		CT_FALLTHROUGH;
	default:
		break;
	}
	if (req->certs_len < need) {
		req->certs_len = need;
		io->u.err.vmm_error = CT_SNP_VMM_ERR_INVALID_LEN;
		errno = EIO;
		rc = -1;
		goto out;
	}
	memset(resp, 0, sizeof(*resp));
	ct_store_u32le(resp->data, f->mode == FW_STATUS ? 0x16 : 0);
	ct_store_u32le(resp->data + 4, f->mode == FW_BAD_SIZE ? 1000 : CT_SNP_REPORT_SIZE);
	memcpy(resp->data + 0x20, rep.data, rep.len);
	memcpy((void *)(uintptr_t)req->certs_address, tab.data, tab.len);
out:
	ct_buf_dispose(&rep);
	ct_buf_dispose(&tab);
	return rc;
}

static int rm_all(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(g_tmp, sizeof(g_tmp), "/tmp/ct-sevguest-test-XXXXXX");
	if (mkdtemp(g_tmp) == NULL)
		return -1;
	char *sd = ct_aprintf("%s/state", g_tmp), *ark = NULL;
	struct ct_sim_init_opts o = { .product = CT_SNP_PRODUCT_MILAN, .rsa_bits = 2048 };
	struct ct_sim_launch l;
	ct_sim_launch_init(&l);
	if (!ct_ok(ct_sim_init(sd, &o, &ark)) || !ct_ok(ct_sim_load(sd, &g_sim)) ||
	    !ct_ok(ct_sim_vm_new(g_sim, &l, &g_vm)))
		return -1;
	free(ark);
	free(sd);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	ct_sim_vm_free(g_vm);
	ct_sim_free(g_sim);
	nftw(g_tmp, rm_all, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct ct_snp_report_req), 96);
	assert_int_equal(offsetof(struct ct_snp_report_req, vmpl), 64);
	assert_int_equal(offsetof(struct ct_snp_report_req, rsvd), 68);
	assert_int_equal(sizeof(struct ct_snp_ext_report_req), 112);
	assert_int_equal(offsetof(struct ct_snp_ext_report_req, certs_address), 96);
	assert_int_equal(offsetof(struct ct_snp_ext_report_req, certs_len), 104);
	assert_int_equal(sizeof(struct ct_snp_guest_request_ioctl), 32);
	assert_int_equal(offsetof(struct ct_snp_guest_request_ioctl, req_data), 8);
	assert_int_equal(offsetof(struct ct_snp_guest_request_ioctl, resp_data), 16);
	assert_int_equal(offsetof(struct ct_snp_guest_request_ioctl, u), 24);
	/* _IOWR('S', 0x2, 32 bytes) */
	assert_int_equal(CT_SNP_GET_EXT_REPORT,
			 (3ul << 30) | (32ul << 16) | ('S' << 8) | 0x2);

#ifdef HAVE_UAPI_SEV_GUEST
	/* Cross-check with the kernel's own header where it is installed. */
	assert_int_equal(CT_SNP_GET_EXT_REPORT, (unsigned long)SNP_GET_EXT_REPORT);
	assert_int_equal(sizeof(struct ct_snp_ext_report_req),
			 sizeof(struct snp_ext_report_req));
	assert_int_equal(offsetof(struct ct_snp_ext_report_req, certs_len),
			 offsetof(struct snp_ext_report_req, certs_len));
	assert_int_equal(sizeof(struct ct_snp_guest_request_ioctl),
			 sizeof(struct snp_guest_request_ioctl));
	assert_int_equal(sizeof(struct ct_snp_report_resp),
			 sizeof(struct snp_report_resp));
#endif
	struct ct_snp_ext_report_req req;
	uint8_t ud[64], certs[16];
	memset(&req, 0xFF, sizeof(req));
	for (int i = 0; i < 64; i++)
		ud[i] = (uint8_t)i;
	ct_sevguest_request_encode(&req, ud, certs, 8192);
	assert_memory_equal(req.data.user_data, ud, 64);
	assert_int_equal(req.data.vmpl, 0);
	assert_true(ct_span_is_zero(ct_span_make(req.data.rsvd, 28)));
	assert_int_equal(req.certs_address, (uint64_t)(uintptr_t)certs);
	assert_int_equal(req.certs_len, 8192);
}

static void test_response_decode(void **state)
{
	(void)state;
	struct ct_snp_report_resp *r = calloc(1, sizeof(*r));
	uint8_t rep[CT_SNP_REPORT_SIZE];
	ct_store_u32le(r->data + 4, CT_SNP_REPORT_SIZE);
	r->data[0x20] = 0x03;
	assert_ct_ok(ct_sevguest_response_decode(r, rep));
	assert_int_equal(rep[0], 0x03);
	ct_store_u32le(r->data, 0x16);
	assert_ct_err(ct_sevguest_response_decode(r, rep), CT_ERR_IO);
	assert_error_contains("firmware status 0x16 (invalid parameter)");
	ct_store_u32le(r->data, 0);
	ct_store_u32le(r->data + 4, 4000);
	assert_ct_err(ct_sevguest_response_decode(r, rep), CT_ERR_PROTO);
	assert_error_contains("report size 4000, want 1184");
	free(r);
}

static void test_certs_trim(void **state)
{
	(void)state;
	uint8_t buf[4096];
	size_t used = 99;
	memset(buf, 0, sizeof(buf));
	/* Only the terminator: no certificates. */
	assert_ct_ok(ct_sevguest_certs_trim(buf, sizeof(buf), &used));
	assert_int_equal(used, 0);
	/* One entry at 48, 100 bytes long: the table ends at 148. */
	memcpy(buf, CT_SNP_GUID_VCEK, 16);
	ct_store_u32le(buf + 16, 48);
	ct_store_u32le(buf + 20, 100);
	assert_ct_ok(ct_sevguest_certs_trim(buf, sizeof(buf), &used));
	assert_int_equal(used, 148);
	/* Past the buffer. */
	ct_store_u32le(buf + 20, 5000);
	assert_ct_err(ct_sevguest_certs_trim(buf, sizeof(buf), &used), CT_ERR_PROTO);
	ct_store_u32le(buf + 16, 0xFFFFFFFFu);
	assert_ct_err(ct_sevguest_certs_trim(buf, sizeof(buf), &used), CT_ERR_PROTO);
	/* No terminator anywhere. */
	memset(buf, 0xAA, sizeof(buf));
	assert_ct_err(ct_sevguest_certs_trim(buf, 24 * 3, &used), CT_ERR_PROTO);
}

static struct ct_evidence_provider *open_fake(struct fw *f)
{
	struct ct_evidence_provider *p = NULL;
	assert_ct_ok(ct_evidence_provider_open("sev-guest:/dev/null", &p));
	assert_string_equal(ct_evidence_provider_name(p), "sev-guest");
	p->ioctl_fn = fake_ioctl;
	p->ioctl_arg = f;
	return p;
}

static void test_get_with_length_protocol(void **state)
{
	(void)state;
	struct fw f = { .mode = FW_OK };
	struct ct_evidence_provider *p = open_fake(&f);
	struct ct_buf ev;
	uint8_t rd[64];
	memset(rd, 0x5C, sizeof(rd));
	ct_buf_init(&ev, CT_SNP_EVIDENCE_MAX);
	assert_ct_ok(ct_evidence_provider_get(p, rd, &ev));
	/* 16 KiB was too small for our fake's 5-page demand: one retry. */
	assert_int_equal(f.calls, 2);
	struct ct_snp_evidence e;
	assert_ct_ok(ct_snp_evidence_decode(&e, ct_buf_span(&ev)));
	assert_memory_equal(e.report + CT_SNP_OFF_REPORT_DATA, rd, 64);
	assert_true(e.has_cert_table);
	struct ct_snp_cert_table t;
	assert_ct_ok(ct_snp_cert_table_parse(&t, ct_buf_span(&e.cert_table)));
	assert_int_equal(t.count, 3);
	ct_snp_evidence_dispose(&e);
	ct_buf_dispose(&ev);
	ct_evidence_provider_free(p);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		enum fw_mode mode;
		enum ct_err err;
		const char *msg;
	} cases[] = {
		{ FW_BUSY, CT_ERR_IO, "host busy" },
		{ FW_STATUS, CT_ERR_IO, "firmware status 0x16" },
		{ FW_HUGE, CT_ERR_PROTO, "host wants a 1073741824-byte cert buffer" },
		{ FW_BAD_SIZE, CT_ERR_PROTO, "report size 1000" },
		{ FW_TWICE_SHORT, CT_ERR_IO, "Input/output error" },
	};
	uint8_t rd[64] = { 0 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fw f = { .mode = cases[i].mode };
		struct ct_evidence_provider *p = open_fake(&f);
		struct ct_buf ev;
		ct_buf_init(&ev, CT_SNP_EVIDENCE_MAX);
		assert_ct_err(ct_evidence_provider_get(p, rd, &ev), cases[i].err);
		if (strstr(ct_error_message(), cases[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i,
				 ct_error_message(), cases[i].msg);
		assert_int_equal(ev.len, 0);
		/* Never more than one retry: a failing firmware is not hammered. */
		assert_true(f.calls <= 2);
		ct_buf_dispose(&ev);
		ct_evidence_provider_free(p);
	}
}

static void test_real_ioctl_error_paths(void **state)
{
	(void)state;
	struct ct_evidence_provider *p = NULL;
	struct ct_buf ev;
	uint8_t rd[64] = { 0 };
	ct_buf_init(&ev, CT_SNP_EVIDENCE_MAX);
	/* A device that is not sev-guest: the kernel says ENOTTY. */
	assert_ct_ok(ct_evidence_provider_open("sev-guest:/dev/null", &p));
	assert_ct_err(ct_evidence_provider_get(p, rd, &ev), CT_ERR_IO);
	assert_error_contains("SNP_GET_EXT_REPORT");
	ct_evidence_provider_free(p);
	/* Missing device, directory instead of a device. */
	assert_ct_err(ct_evidence_provider_open("sev-guest:/nonexistent/sev", &p),
		      CT_ERR_IO);
	assert_ct_err(ct_evidence_provider_open("sev-guest:/tmp", &p), CT_ERR_IO);
	assert_error_contains("is a directory");
	ct_buf_dispose(&ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_response_decode),
		cmocka_unit_test(test_certs_trim),
		cmocka_unit_test(test_get_with_length_protocol),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_real_ioctl_error_paths),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
