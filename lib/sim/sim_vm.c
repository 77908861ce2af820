/*
 * sim_vm.c - a simulated VM: its launch context and the reports it gets.
 *
 * The host fixes the launch context (measurement, HOST_DATA, policy, TCB,
 * VMPL) when the VM is created; after that the only input is the guest's
 * REPORT_DATA. Each report is built the way the secure processor builds
 * one: every reserved byte zero, CPUID and TCB layout of the product, the
 * VM's constant REPORT_ID, REPORT_ID_MA all 0xFF (no migration agent),
 * CHIP_ID of the simulated chip, and an ECDSA P-384 / SHA-384 signature
 * over bytes [0, 0x2A0) by the VCEK of (chip, reported TCB), stored as
 * little-endian R and S.
 *
 * Fault modes lie in one specific way each, so a test can check that the
 * verifier names exactly that lie. Trust boundary: ct_sim_vm_handle
 * receives bytes from the guest; they only pass through
 * ct_sim_request_parse, and any failure becomes an error response.
 */
#include "sim/sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "attest/sim_proto.h"
#include "crypto/crypto.h"

struct ct_sim_vm {
	struct ct_sim *sim;
	struct ct_sim_launch launch;
	EVP_PKEY *vcek_key;
	struct ct_buf table;                 /* VCEK, ASK, ARK */
	uint8_t tmpl[CT_SNP_REPORT_SIZE];    /* all but REPORT_DATA, signature */
};

static const struct {
	const char *name;
	enum ct_sim_fault f;
} faults[] = {
	{ "none", CT_SIM_FAULT_NONE },
	{ "debug", CT_SIM_FAULT_DEBUG },
	{ "wrong-chip", CT_SIM_FAULT_WRONG_CHIP },
	{ "bad-signature", CT_SIM_FAULT_BAD_SIGNATURE },
	{ "vcek-tcb-mismatch", CT_SIM_FAULT_VCEK_TCB_MISMATCH },
	{ "slow", CT_SIM_FAULT_SLOW },
	{ "fail", CT_SIM_FAULT_FAIL },
};

ct_result ct_sim_fault_parse(const char *name, enum ct_sim_fault *out)
{
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		if (strcmp(name, faults[i].name) == 0) {
			*out = faults[i].f;
			return CT_OK;
		}
	return CT_FAIL(CT_ERR_USAGE, "sim: unknown fault \"%s\", want debug, "
		       "wrong-chip, bad-signature, vcek-tcb-mismatch, slow or "
		       "fail", name);
}

const char *ct_sim_fault_name(enum ct_sim_fault f)
{
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		if (faults[i].f == f)
			return faults[i].name;
	return "unknown";
}

void ct_sim_launch_init(struct ct_sim_launch *l)
{
	memset(l, 0, sizeof(*l));
	l->policy = CT_SIM_POLICY_DEFAULT;
	l->slow_ms = CT_SIM_SLOW_MS_DEFAULT;
}

ct_result ct_sim_tcb_parse(const char *s, struct ct_snp_tcb *out)
{
	uint8_t v[5] = { 0 };
	size_t n = 0;
	const char *p = s;
	for (;;) {
		char part[8];
		const char *colon = strchr(p, ':');
		size_t len = colon != NULL ? (size_t)(colon - p) : strlen(p);
		uint64_t x;
		CT_ENSURE(n < 5 && len > 0 && len < sizeof(part), CT_ERR_USAGE,
			  "sim: TCB \"%s\": want BL:TEE:SNP:UCODE[:FMC]", s);
		memcpy(part, p, len);
		part[len] = '\0';
		if (!ct_ok(ct_parse_u64(part, 255, &x)))
			return CT_FAIL(CT_ERR_USAGE, "sim: TCB \"%s\": \"%s\" is "
				       "not a number in 0..255", s, part);
		v[n++] = (uint8_t)x;
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	CT_ENSURE(n >= 4, CT_ERR_USAGE, "sim: TCB \"%s\": want "
		  "BL:TEE:SNP:UCODE[:FMC]", s);
	out->bootloader = v[0];
	out->tee = v[1];
	out->snp = v[2];
	out->microcode = v[3];
	out->fmc = v[4];
	return CT_OK;
}

static void cpuid_of(enum ct_snp_product p, uint8_t *fam, uint8_t *mod,
		     uint8_t *step)
{
	switch (p) {
	case CT_SNP_PRODUCT_MILAN:
		*fam = 0x19, *mod = 0x01, *step = 0x01;
		break;
	case CT_SNP_PRODUCT_TURIN:
		*fam = 0x1A, *mod = 0x02, *step = 0x01;
		break;
	default:
		*fam = 0x19, *mod = 0x11, *step = 0x01;
		break;
	}
}

/* Everything of the report that does not depend on the request. */
static ct_result build_template(struct ct_sim_vm *vm, const uint8_t *chip_id,
				uint64_t tcb_raw)
{
	uint8_t *r = vm->tmpl;
	const struct ct_sim_launch *l = &vm->launch;
	enum ct_snp_product p = vm->sim->product;
	uint64_t policy = l->policy;
	uint8_t fam, mod, step;
	memset(r, 0, CT_SNP_REPORT_SIZE);
	if (l->fault == CT_SIM_FAULT_DEBUG)
		policy |= CT_SNP_POLICY_DEBUG;
	ct_store_u32le(r + CT_SNP_OFF_VERSION, p == CT_SNP_PRODUCT_TURIN ? 5 : 3);
	ct_store_u32le(r + CT_SNP_OFF_GUEST_SVN, 0);
	ct_store_u64le(r + CT_SNP_OFF_POLICY, policy);
	ct_store_u32le(r + CT_SNP_OFF_VMPL, l->vmpl);
	ct_store_u32le(r + CT_SNP_OFF_SIGNATURE_ALGO,
		       CT_SNP_SIG_ALGO_ECDSA_P384_SHA384);
	ct_store_u64le(r + CT_SNP_OFF_CURRENT_TCB, tcb_raw);
	ct_store_u64le(r + CT_SNP_OFF_PLATFORM_INFO,
		       CT_SNP_PLATFORM_SMT_EN | CT_SNP_PLATFORM_ECC_EN |
		       CT_SNP_PLATFORM_ALIAS_CHECK_COMPLETE);
	ct_store_u32le(r + CT_SNP_OFF_SIGNER_INFO,
		       (uint32_t)CT_SNP_KEY_VCEK << CT_SNP_SIGNER_KEY_SHIFT);
	memcpy(r + CT_SNP_OFF_MEASUREMENT, l->measurement, CT_SNP_MEASUREMENT_LEN);
	memcpy(r + CT_SNP_OFF_HOST_DATA, l->host_data, CT_SNP_HOST_DATA_LEN);
	/* REPORT_ID: random per VM, constant for its life. */
	CT_ENSURE(RAND_bytes(r + CT_SNP_OFF_REPORT_ID, CT_SNP_REPORT_ID_LEN) == 1,
		  CT_ERR_CRYPTO, "sim: RAND_bytes failed");
	memset(r + CT_SNP_OFF_REPORT_ID_MA, 0xFF, CT_SNP_REPORT_ID_LEN);
	ct_store_u64le(r + CT_SNP_OFF_REPORTED_TCB, tcb_raw);
	cpuid_of(p, &fam, &mod, &step);
	r[CT_SNP_OFF_CPUID_FAM_ID] = fam;
	r[CT_SNP_OFF_CPUID_MOD_ID] = mod;
	r[CT_SNP_OFF_CPUID_STEP] = step;
	memcpy(r + CT_SNP_OFF_CHIP_ID, chip_id, CT_SNP_CHIP_ID_LEN);
	ct_store_u64le(r + CT_SNP_OFF_COMMITTED_TCB, tcb_raw);
	/* Firmware 1.55 build 29, committed = current. */
	r[CT_SNP_OFF_CURRENT_BUILD] = 29;
	r[CT_SNP_OFF_CURRENT_MINOR] = 55;
	r[CT_SNP_OFF_CURRENT_MAJOR] = 1;
	r[CT_SNP_OFF_COMMITTED_BUILD] = 29;
	r[CT_SNP_OFF_COMMITTED_MINOR] = 55;
	r[CT_SNP_OFF_COMMITTED_MAJOR] = 1;
	ct_store_u64le(r + CT_SNP_OFF_LAUNCH_TCB, tcb_raw);
	/* v5 mitigation vectors stay 0: none claimed. */
	return CT_OK;
}

static ct_result build_table(struct ct_sim_vm *vm, X509 *vcek)
{
	struct ct_buf ders;
	size_t lens[3];
	X509 *certs[3] = { vcek, vm->sim->ask, vm->sim->ark };
	const uint8_t *guids[3] = { CT_SNP_GUID_VCEK, CT_SNP_GUID_ASK,
				    CT_SNP_GUID_ARK };
	ct_buf_init(&ders, 3 * CT_X509_MAX_BYTES);
	ct_result res = CT_OK;
	for (size_t i = 0; i < 3; i++) {
		size_t before = ders.len;
		CT_TRY(ct_x509_to_der(&ders, certs[i]));
		lens[i] = ders.len - before;
	}
	struct ct_snp_cert_blob blobs[3];
	size_t off = 0;
	for (size_t i = 0; i < 3; i++) {
		blobs[i].guid = guids[i];
		blobs[i].data = ct_span_make(ders.data + off, lens[i]);
		off += lens[i];
	}
	CT_TRY(ct_snp_cert_table_build(&vm->table, blobs, 3));
out:
	ct_buf_dispose(&ders);
	return res;
}

ct_result ct_sim_vm_new(struct ct_sim *sim, const struct ct_sim_launch *l,
			struct ct_sim_vm **out)
{
	uint8_t chip[CT_SNP_CHIP_ID_LEN], other[CT_SNP_CHIP_ID_LEN];
	X509 *vcek = NULL;
	ct_result res = CT_OK;
	CT_ENSURE(l->vmpl <= 3, CT_ERR_USAGE, "sim: VMPL %u, want 0..3", l->vmpl);
	struct ct_sim_vm *vm = ct_calloc(1, sizeof(*vm));
	CT_ENSURE(vm != NULL, CT_ERR_NOMEM, "sim: out of memory");
	vm->sim = sim;
	vm->launch = *l;
	ct_buf_init(&vm->table, CT_SNP_CERT_TABLE_MAX);
	if (!l->has_tcb) {
		vm->launch.tcb = ct_sim_default_tcb(sim->product);
		vm->launch.has_tcb = true;
	}
	struct ct_snp_tcb tcb = vm->launch.tcb;
	enum ct_snp_tcb_layout layout = ct_snp_product_tcb_layout(sim->product);
	if (layout != CT_SNP_TCB_LAYOUT_TURIN)
		tcb.fmc = vm->launch.tcb.fmc = 0;
	CT_TRY(ct_sim_chip_id(sim, 0, chip));
	CT_TRY(ct_sim_vcek_key(sim, chip, &tcb, &vm->vcek_key));
	struct ct_snp_tcb cert_tcb = tcb;
	if (l->fault == CT_SIM_FAULT_VCEK_TCB_MISMATCH)
		cert_tcb.snp = tcb.snp < 127 ? (uint8_t)(tcb.snp + 1)
					     : (uint8_t)(tcb.snp - 1);
	CT_TRY(ct_sim_vcek_cert(sim, vm->vcek_key, chip, &cert_tcb, &vcek));
	CT_TRY(build_table(vm, vcek));
	if (l->fault == CT_SIM_FAULT_WRONG_CHIP) {
		/* The report names chip 1; the VCEK is chip 0's. */
		CT_TRY(ct_sim_chip_id(sim, 1, other));
		CT_TRY(build_template(vm, other, ct_snp_tcb_encode(&tcb, layout)));
	} else {
		CT_TRY(build_template(vm, chip, ct_snp_tcb_encode(&tcb, layout)));
	}
	*out = vm;
	vm = NULL;
out:
	X509_free(vcek);
	ct_sim_vm_free(vm);
	return res;
}

void ct_sim_vm_free(struct ct_sim_vm *vm)
{
	if (vm == NULL)
		return;
	EVP_PKEY_free(vm->vcek_key);
	ct_buf_dispose(&vm->table);
	free(vm);
}

const struct ct_sim_launch *ct_sim_vm_launch(const struct ct_sim_vm *vm)
{
	return &vm->launch;
}

static ct_result sign(EVP_PKEY *key, uint8_t *report)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char der[160];
	size_t der_len = sizeof(der);
	ECDSA_SIG *sig = NULL;
	ct_result res = CT_OK;
	CT_TRY_ENSURE(ctx != NULL &&
		      EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, key) == 1 &&
		      EVP_DigestSign(ctx, der, &der_len, report,
				     CT_SNP_SIGNED_LEN) == 1,
		      CT_ERR_CRYPTO, "sim: ECDSA signature failed");
	const unsigned char *p = der;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	CT_TRY_ENSURE(sig != NULL, CT_ERR_CRYPTO, "sim: ECDSA signature decode");
	CT_TRY_ENSURE(BN_bn2lebinpad(ECDSA_SIG_get0_r(sig),
				     report + CT_SNP_OFF_SIG_R,
				     CT_SNP_SIG_COMPONENT_LEN) > 0 &&
		      BN_bn2lebinpad(ECDSA_SIG_get0_s(sig),
				     report + CT_SNP_OFF_SIG_S,
				     CT_SNP_SIG_COMPONENT_LEN) > 0,
		      CT_ERR_CRYPTO, "sim: ECDSA R/S encoding");
out:
	if (!ct_ok(res))
		ERR_clear_error();
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(ctx);
	return res;
}

ct_result ct_sim_vm_report(struct ct_sim_vm *vm,
			   const uint8_t report_data[CT_SNP_REPORT_DATA_LEN],
			   struct ct_buf *report, struct ct_buf *table)
{
	uint8_t r[CT_SNP_REPORT_SIZE];
	CT_ENSURE(vm->launch.fault != CT_SIM_FAULT_FAIL, CT_ERR_IO,
		  "sim: simulated firmware failure (fault \"fail\")");
	memcpy(r, vm->tmpl, sizeof(r));
	memcpy(r + CT_SNP_OFF_REPORT_DATA, report_data, CT_SNP_REPORT_DATA_LEN);
	CT_GUARD(sign(vm->vcek_key, r));
	if (vm->launch.fault == CT_SIM_FAULT_BAD_SIGNATURE)
		r[CT_SNP_OFF_SIG_R] ^= 0x01;
	CT_GUARD(ct_buf_append(report, r, sizeof(r)));
	return ct_buf_append_span(table, ct_buf_span(&vm->table));
}

ct_result ct_sim_vm_handle(struct ct_sim_vm *vm, struct ct_span request,
			   struct ct_buf *response)
{
	uint8_t inblob[CT_SIM_INBLOB_LEN];
	struct ct_buf report, table;
	if (!ct_ok(ct_sim_request_parse(request, inblob)))
		return ct_sim_response_encode_err(response, CT_SIM_ERR_BAD_REQUEST,
						  ct_error_message());
	ct_buf_init(&report, CT_SNP_REPORT_SIZE);
	ct_buf_init(&table, CT_SNP_CERT_TABLE_MAX);
	ct_result res = ct_sim_vm_report(vm, inblob, &report, &table);
	if (ct_ok(res))
		res = ct_sim_response_encode_ok(response, ct_buf_span(&report),
						ct_buf_span(&table));
	else
		res = ct_sim_response_encode_err(response,
						 res.err == CT_ERR_IO ?
						 CT_SIM_ERR_FIRMWARE :
						 CT_SIM_ERR_INTERNAL,
						 ct_error_message());
	ct_buf_dispose(&report);
	ct_buf_dispose(&table);
	return res;
}
