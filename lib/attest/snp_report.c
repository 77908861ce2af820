/*
 * snp_report.c - decoding of the SEV-SNP ATTESTATION_REPORT.
 *
 * Trust boundary: the input is untrusted bytes from a file, the network or
 * the hypervisor. The parser only checks structure (exact size, a known
 * VERSION); it decodes every field, copies the raw bytes for the signature
 * check and records non-zero reserved regions and unknown bits as flags
 * instead of failing, because a genuine report from newer firmware may use
 * them and the signature covers them anyway. Whether the values are
 * acceptable is decided by verification, never here.
 */
#include "attest/snp.h"

#include <string.h>
#include <strings.h>

const char *ct_snp_product_name(enum ct_snp_product p)
{
	switch (p) {
	case CT_SNP_PRODUCT_MILAN:
		return "Milan";
	case CT_SNP_PRODUCT_GENOA:
		return "Genoa";
	case CT_SNP_PRODUCT_TURIN:
		return "Turin";
	case CT_SNP_PRODUCT_UNKNOWN:
		break;
	}
	return "unknown";
}

ct_result ct_snp_product_parse(const char *name, enum ct_snp_product *out)
{
	static const struct {
		const char *name;
		enum ct_snp_product p;
	} table[] = {
		{ "Milan", CT_SNP_PRODUCT_MILAN },
		{ "Genoa", CT_SNP_PRODUCT_GENOA },
		{ "Turin", CT_SNP_PRODUCT_TURIN },
	};
	CT_ENSURE(name != NULL, CT_ERR_USAGE, "snp: product name missing");
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		size_t n = strlen(table[i].name);
		if (strncasecmp(name, table[i].name, n) != 0)
			continue;
		/* "Milan" or a VCEK productName with a stepping: "Milan-B0". */
		if (name[n] == '\0' || name[n] == '-') {
			*out = table[i].p;
			return CT_OK;
		}
	}
	CT_BAIL(CT_ERR_USAGE,
		"snp: unknown product \"%.64s\" (want Milan, Genoa or Turin)",
		name);
}

enum ct_snp_product ct_snp_product_from_cpuid(uint8_t family, uint8_t model)
{
	if (family == 0x19) {
		if (model <= 0x0F)
			return CT_SNP_PRODUCT_MILAN;
		if ((model >= 0x10 && model <= 0x1F) ||
		    (model >= 0xA0 && model <= 0xAF))
			return CT_SNP_PRODUCT_GENOA;
	} else if (family == 0x1A) {
		if (model <= 0x11)
			return CT_SNP_PRODUCT_TURIN;
	}
	return CT_SNP_PRODUCT_UNKNOWN;
}

enum ct_snp_tcb_layout ct_snp_product_tcb_layout(enum ct_snp_product p)
{
	return p == CT_SNP_PRODUCT_TURIN ? CT_SNP_TCB_LAYOUT_TURIN
					 : CT_SNP_TCB_LAYOUT_LEGACY;
}

struct ct_snp_tcb ct_snp_tcb_decode(uint64_t raw, enum ct_snp_tcb_layout l)
{
	struct ct_snp_tcb t;
	memset(&t, 0, sizeof(t));
	if (l == CT_SNP_TCB_LAYOUT_TURIN) {
		t.fmc = (uint8_t)(raw & 0xFF);
		t.bootloader = (uint8_t)((raw >> 8) & 0xFF);
		t.tee = (uint8_t)((raw >> 16) & 0xFF);
		t.snp = (uint8_t)((raw >> 24) & 0xFF);
	} else {
		t.bootloader = (uint8_t)(raw & 0xFF);
		t.tee = (uint8_t)((raw >> 8) & 0xFF);
		t.snp = (uint8_t)((raw >> 48) & 0xFF);
	}
	t.microcode = (uint8_t)((raw >> 56) & 0xFF);
	return t;
}

uint64_t ct_snp_tcb_encode(const struct ct_snp_tcb *t, enum ct_snp_tcb_layout l)
{
	uint64_t v = (uint64_t)t->microcode << 56;
	if (l == CT_SNP_TCB_LAYOUT_TURIN)
		v |= (uint64_t)t->fmc | (uint64_t)t->bootloader << 8 |
		     (uint64_t)t->tee << 16 | (uint64_t)t->snp << 24;
	else
		v |= (uint64_t)t->bootloader | (uint64_t)t->tee << 8 |
		     (uint64_t)t->snp << 48;
	return v;
}

bool ct_snp_tcb_reserved_zero(uint64_t raw, enum ct_snp_tcb_layout l)
{
	uint64_t mask = l == CT_SNP_TCB_LAYOUT_TURIN ? 0x00FFFFFF00000000ull
						     : 0x0000FFFFFFFF0000ull;
	return (raw & mask) == 0;
}

void ct_snp_report_set_product(struct ct_snp_report *r, enum ct_snp_product p)
{
	r->product = p;
	r->tcb_layout = ct_snp_product_tcb_layout(p);
}

const char *ct_snp_reserved_name(enum ct_snp_reserved flag)
{
	switch (flag) {
	case CT_SNP_RSV_0x04C:
		return "reserved bytes [0x4C,0x50)";
	case CT_SNP_RSV_0x188:
		return "reserved bytes before CHIP_ID [0x18B,0x1A0)";
	case CT_SNP_RSV_0x1EB:
		return "reserved byte 0x1EB";
	case CT_SNP_RSV_0x1EF:
		return "reserved byte 0x1EF";
	case CT_SNP_RSV_0x1F8:
		return "reserved bytes [0x1F8,0x208) (mitigation vectors before v5)";
	case CT_SNP_RSV_0x208:
		return "reserved bytes [0x208,0x2A0)";
	case CT_SNP_RSV_SIG_TAIL:
		return "reserved signature bytes [0x330,0x4A0)";
	case CT_SNP_RSV_SIG_HIGH:
		return "upper 24 bytes of signature R or S";
	case CT_SNP_RSV_POLICY_BITS:
		return "POLICY reserved bits 63:26";
	case CT_SNP_RSV_PLATFORM_BITS:
		return "unknown PLATFORM_INFO bits";
	case CT_SNP_RSV_SIGNER_BITS:
		return "SIGNER_INFO reserved bits 31:5";
	}
	return "reserved";
}

static bool zero_range(const uint8_t *raw, size_t from, size_t to)
{
	return ct_span_is_zero(ct_span_make(raw + from, to - from));
}

static uint32_t reserved_flags(const struct ct_snp_report *r)
{
	const uint8_t *raw = r->raw;
	uint32_t f = 0;
	if (!zero_range(raw, CT_SNP_OFF_RESERVED0, CT_SNP_OFF_REPORT_DATA))
		f |= CT_SNP_RSV_0x04C;
	if (!zero_range(raw,
			r->version >= 3 ? CT_SNP_OFF_RESERVED1
					: CT_SNP_OFF_CPUID_FAM_ID,
			CT_SNP_OFF_CHIP_ID))
		f |= CT_SNP_RSV_0x188;
	if (raw[CT_SNP_OFF_RESERVED2] != 0)
		f |= CT_SNP_RSV_0x1EB;
	if (raw[CT_SNP_OFF_RESERVED3] != 0)
		f |= CT_SNP_RSV_0x1EF;
	if (r->version < 5 && !zero_range(raw, CT_SNP_OFF_LAUNCH_MIT_VECTOR,
					  CT_SNP_OFF_RESERVED4))
		f |= CT_SNP_RSV_0x1F8;
	if (!zero_range(raw, CT_SNP_OFF_RESERVED4, CT_SNP_OFF_SIGNATURE))
		f |= CT_SNP_RSV_0x208;
	if (!zero_range(raw, CT_SNP_OFF_SIG_RESERVED, CT_SNP_REPORT_SIZE))
		f |= CT_SNP_RSV_SIG_TAIL;
	/* P-384 scalars are 48 bytes; the upper 24 of each 72-byte field are 0. */
	if (!zero_range(raw, CT_SNP_OFF_SIG_R + 48, CT_SNP_OFF_SIG_S) ||
	    !zero_range(raw, CT_SNP_OFF_SIG_S + 48, CT_SNP_OFF_SIG_RESERVED))
		f |= CT_SNP_RSV_SIG_HIGH;
	if (r->policy & ~CT_SNP_POLICY_KNOWN_MASK)
		f |= CT_SNP_RSV_POLICY_BITS;
	if (r->platform_info & ~CT_SNP_PLATFORM_KNOWN_MASK)
		f |= CT_SNP_RSV_PLATFORM_BITS;
	if (r->signer_info & ~CT_SNP_SIGNER_KNOWN_MASK)
		f |= CT_SNP_RSV_SIGNER_BITS;
	return f;
}

ct_result ct_snp_report_parse(struct ct_snp_report *out, struct ct_span bytes)
{
	CT_ENSURE(bytes.ptr != NULL || bytes.len == 0, CT_ERR_USAGE,
		  "snp: report: no input");
	CT_ENSURE(bytes.len == CT_SNP_REPORT_SIZE, CT_ERR_PROTO,
		  "snp: report size: got %zu bytes, want %u", bytes.len,
		  CT_SNP_REPORT_SIZE);

	struct ct_snp_report r;
	memset(&r, 0, sizeof(r));
	memcpy(r.raw, bytes.ptr, CT_SNP_REPORT_SIZE);
	const uint8_t *p = r.raw;

	r.version = ct_load_u32le(p + CT_SNP_OFF_VERSION);
	CT_ENSURE(r.version >= CT_SNP_VERSION_MIN &&
			  r.version <= CT_SNP_VERSION_MAX,
		  CT_ERR_PROTO, "snp: report version: got %u, want %u..%u",
		  r.version, CT_SNP_VERSION_MIN, CT_SNP_VERSION_MAX);
	r.guest_svn = ct_load_u32le(p + CT_SNP_OFF_GUEST_SVN);
	r.policy = ct_load_u64le(p + CT_SNP_OFF_POLICY);
	memcpy(r.family_id, p + CT_SNP_OFF_FAMILY_ID, sizeof(r.family_id));
	memcpy(r.image_id, p + CT_SNP_OFF_IMAGE_ID, sizeof(r.image_id));
	r.vmpl = ct_load_u32le(p + CT_SNP_OFF_VMPL);
	r.signature_algo = ct_load_u32le(p + CT_SNP_OFF_SIGNATURE_ALGO);
	r.current_tcb = ct_load_u64le(p + CT_SNP_OFF_CURRENT_TCB);
	r.platform_info = ct_load_u64le(p + CT_SNP_OFF_PLATFORM_INFO);
	r.signer_info = ct_load_u32le(p + CT_SNP_OFF_SIGNER_INFO);
	memcpy(r.report_data, p + CT_SNP_OFF_REPORT_DATA, sizeof(r.report_data));
	memcpy(r.measurement, p + CT_SNP_OFF_MEASUREMENT, sizeof(r.measurement));
	memcpy(r.host_data, p + CT_SNP_OFF_HOST_DATA, sizeof(r.host_data));
	memcpy(r.id_key_digest, p + CT_SNP_OFF_ID_KEY_DIGEST,
	       sizeof(r.id_key_digest));
	memcpy(r.author_key_digest, p + CT_SNP_OFF_AUTHOR_KEY_DIGEST,
	       sizeof(r.author_key_digest));
	memcpy(r.report_id, p + CT_SNP_OFF_REPORT_ID, sizeof(r.report_id));
	memcpy(r.report_id_ma, p + CT_SNP_OFF_REPORT_ID_MA,
	       sizeof(r.report_id_ma));
	r.reported_tcb = ct_load_u64le(p + CT_SNP_OFF_REPORTED_TCB);
	if (r.version >= 3) {
		r.cpuid_fam_id = p[CT_SNP_OFF_CPUID_FAM_ID];
		r.cpuid_mod_id = p[CT_SNP_OFF_CPUID_MOD_ID];
		r.cpuid_step = p[CT_SNP_OFF_CPUID_STEP];
	}
	memcpy(r.chip_id, p + CT_SNP_OFF_CHIP_ID, sizeof(r.chip_id));
	r.committed_tcb = ct_load_u64le(p + CT_SNP_OFF_COMMITTED_TCB);
	r.current_build = p[CT_SNP_OFF_CURRENT_BUILD];
	r.current_minor = p[CT_SNP_OFF_CURRENT_MINOR];
	r.current_major = p[CT_SNP_OFF_CURRENT_MAJOR];
	r.committed_build = p[CT_SNP_OFF_COMMITTED_BUILD];
	r.committed_minor = p[CT_SNP_OFF_COMMITTED_MINOR];
	r.committed_major = p[CT_SNP_OFF_COMMITTED_MAJOR];
	r.launch_tcb = ct_load_u64le(p + CT_SNP_OFF_LAUNCH_TCB);
	if (r.version >= 5) {
		r.launch_mit_vector = ct_load_u64le(p + CT_SNP_OFF_LAUNCH_MIT_VECTOR);
		r.current_mit_vector =
			ct_load_u64le(p + CT_SNP_OFF_CURRENT_MIT_VECTOR);
	}
	memcpy(r.sig_r, p + CT_SNP_OFF_SIG_R, sizeof(r.sig_r));
	memcpy(r.sig_s, p + CT_SNP_OFF_SIG_S, sizeof(r.sig_s));

	enum ct_snp_product prod = CT_SNP_PRODUCT_UNKNOWN;
	if (r.version >= 3)
		prod = ct_snp_product_from_cpuid(r.cpuid_fam_id, r.cpuid_mod_id);
	ct_snp_report_set_product(&r, prod);
	/* Family 1Ah without a known model still uses the Turin layout. */
	if (r.version >= 3 && r.cpuid_fam_id == 0x1A)
		r.tcb_layout = CT_SNP_TCB_LAYOUT_TURIN;
	r.reserved_nonzero = reserved_flags(&r);

	memcpy(out, &r, sizeof(r));
	return CT_OK;
}
