/*
 * snp.h - AMD SEV-SNP attestation: report layout, parsing and verification.
 *
 * A report is 1184 (0x4A0) bytes of untrusted input. ct_snp_report_parse
 * decodes every field into struct ct_snp_report (a faithful field-by-field
 * copy; nothing is trusted until ct_snp_verify says so). Layout constants
 * are public so that the simulator can build byte-exact reports.
 *
 * All multi-byte integers in SNP structures are little-endian. The signed
 * region is bytes [0, 0x2A0); the signature is ECDSA P-384 with SHA-384,
 * R and S stored as 72-byte little-endian integers.
 *
 * Verification (ct_snp_verify) checks the signature with the VCEK/VLEK, the
 * chain ARK -> ASK/ASVK -> VCEK/VLEK against a pinned AMD root (or a caller
 * supplied trusted root, for the simulator), the binding of the VCEK
 * extensions to the report, and the reference values. Every failed check is
 * collected as one line naming the check, what was found and what was wanted.
 */
#ifndef CT_ATTEST_SNP_H
#define CT_ATTEST_SNP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/base.h"

/* ------------------------------------------------------------- layout */

#define CT_SNP_REPORT_SIZE 0x4A0u /* 1184 */
#define CT_SNP_SIGNED_LEN 0x2A0u  /* 672 bytes covered by the signature */

#define CT_SNP_OFF_VERSION 0x000u
#define CT_SNP_OFF_GUEST_SVN 0x004u
#define CT_SNP_OFF_POLICY 0x008u
#define CT_SNP_OFF_FAMILY_ID 0x010u
#define CT_SNP_OFF_IMAGE_ID 0x020u
#define CT_SNP_OFF_VMPL 0x030u
#define CT_SNP_OFF_SIGNATURE_ALGO 0x034u
#define CT_SNP_OFF_CURRENT_TCB 0x038u
#define CT_SNP_OFF_PLATFORM_INFO 0x040u
#define CT_SNP_OFF_SIGNER_INFO 0x048u
#define CT_SNP_OFF_RESERVED0 0x04Cu /* 4 bytes MBZ */
#define CT_SNP_OFF_REPORT_DATA 0x050u
#define CT_SNP_OFF_MEASUREMENT 0x090u
#define CT_SNP_OFF_HOST_DATA 0x0C0u
#define CT_SNP_OFF_ID_KEY_DIGEST 0x0E0u
#define CT_SNP_OFF_AUTHOR_KEY_DIGEST 0x110u
#define CT_SNP_OFF_REPORT_ID 0x140u
#define CT_SNP_OFF_REPORT_ID_MA 0x160u
#define CT_SNP_OFF_REPORTED_TCB 0x180u
#define CT_SNP_OFF_CPUID_FAM_ID 0x188u /* v3+ */
#define CT_SNP_OFF_CPUID_MOD_ID 0x189u /* v3+ */
#define CT_SNP_OFF_CPUID_STEP 0x18Au   /* v3+ */
#define CT_SNP_OFF_RESERVED1 0x18Bu    /* to 0x1A0 MBZ (v2: from 0x188) */
#define CT_SNP_OFF_CHIP_ID 0x1A0u
#define CT_SNP_OFF_COMMITTED_TCB 0x1E0u
#define CT_SNP_OFF_CURRENT_BUILD 0x1E8u
#define CT_SNP_OFF_CURRENT_MINOR 0x1E9u
#define CT_SNP_OFF_CURRENT_MAJOR 0x1EAu
#define CT_SNP_OFF_RESERVED2 0x1EBu /* 1 byte MBZ */
#define CT_SNP_OFF_COMMITTED_BUILD 0x1ECu
#define CT_SNP_OFF_COMMITTED_MINOR 0x1EDu
#define CT_SNP_OFF_COMMITTED_MAJOR 0x1EEu
#define CT_SNP_OFF_RESERVED3 0x1EFu /* 1 byte MBZ */
#define CT_SNP_OFF_LAUNCH_TCB 0x1F0u
#define CT_SNP_OFF_LAUNCH_MIT_VECTOR 0x1F8u  /* v5; reserved before */
#define CT_SNP_OFF_CURRENT_MIT_VECTOR 0x200u /* v5; reserved before */
#define CT_SNP_OFF_RESERVED4 0x208u          /* to 0x2A0 MBZ */
#define CT_SNP_OFF_SIGNATURE 0x2A0u
#define CT_SNP_OFF_SIG_R 0x2A0u
#define CT_SNP_OFF_SIG_S 0x2E8u
#define CT_SNP_OFF_SIG_RESERVED 0x330u /* to 0x4A0 MBZ */

#define CT_SNP_SIG_COMPONENT_LEN 72u
#define CT_SNP_FAMILY_ID_LEN 16u
#define CT_SNP_IMAGE_ID_LEN 16u
#define CT_SNP_REPORT_DATA_LEN 64u
#define CT_SNP_MEASUREMENT_LEN 48u
#define CT_SNP_HOST_DATA_LEN 32u
#define CT_SNP_KEY_DIGEST_LEN 48u
#define CT_SNP_REPORT_ID_LEN 32u
#define CT_SNP_CHIP_ID_LEN 64u
#define CT_SNP_TURIN_HWID_LEN 8u

#define CT_SNP_VERSION_MIN 2u
#define CT_SNP_VERSION_MAX 5u
#define CT_SNP_SIG_ALGO_ECDSA_P384_SHA384 1u

/* POLICY bits (u64 at 0x08). */
#define CT_SNP_POLICY_ABI_MINOR_MASK 0xFFull
#define CT_SNP_POLICY_ABI_MAJOR_SHIFT 8
#define CT_SNP_POLICY_SMT (1ull << 16)
#define CT_SNP_POLICY_RESERVED_ONE (1ull << 17) /* must be 1 */
#define CT_SNP_POLICY_MIGRATE_MA (1ull << 18)
#define CT_SNP_POLICY_DEBUG (1ull << 19)
#define CT_SNP_POLICY_SINGLE_SOCKET (1ull << 20)
#define CT_SNP_POLICY_CXL_ALLOW (1ull << 21)
#define CT_SNP_POLICY_MEM_AES_256_XTS (1ull << 22)
#define CT_SNP_POLICY_RAPL_DIS (1ull << 23)
#define CT_SNP_POLICY_CIPHERTEXT_HIDING (1ull << 24)
#define CT_SNP_POLICY_PAGE_SWAP_DISABLE (1ull << 25)
#define CT_SNP_POLICY_KNOWN_MASK 0x3FFFFFFull /* bits 63:26 MBZ */

/* PLATFORM_INFO bits (u64 at 0x40). */
#define CT_SNP_PLATFORM_SMT_EN (1ull << 0)
#define CT_SNP_PLATFORM_TSME_EN (1ull << 1)
#define CT_SNP_PLATFORM_ECC_EN (1ull << 2)
#define CT_SNP_PLATFORM_RAPL_DIS (1ull << 3)
#define CT_SNP_PLATFORM_CIPHERTEXT_HIDING_EN (1ull << 4)
#define CT_SNP_PLATFORM_ALIAS_CHECK_COMPLETE (1ull << 5)
#define CT_SNP_PLATFORM_TIO_EN (1ull << 7)
#define CT_SNP_PLATFORM_KNOWN_MASK 0xBFull /* bit 6 and 63:8 unknown */

/* SIGNER_INFO (u32 at 0x48). */
#define CT_SNP_SIGNER_AUTHOR_KEY_EN (1u << 0)
#define CT_SNP_SIGNER_MASK_CHIP_KEY (1u << 1)
#define CT_SNP_SIGNER_KEY_SHIFT 2
#define CT_SNP_SIGNER_KEY_MASK 0x7u
#define CT_SNP_SIGNER_KNOWN_MASK 0x1Fu

enum ct_snp_signing_key {
	CT_SNP_KEY_VCEK = 0,
	CT_SNP_KEY_VLEK = 1,
	CT_SNP_KEY_NONE = 7,
};

/* ------------------------------------------------------- products, TCB */

enum ct_snp_product {
	CT_SNP_PRODUCT_UNKNOWN = 0,
	CT_SNP_PRODUCT_MILAN,
	CT_SNP_PRODUCT_GENOA,
	CT_SNP_PRODUCT_TURIN,
};

/* "Milan", "Genoa", "Turin" or "unknown". */
const char *ct_snp_product_name(enum ct_snp_product p);
/*
 * Parses a product name: exact "Milan"/"Genoa"/"Turin" (case-insensitive)
 * or a VCEK productName with a stepping suffix ("Milan-B0", "Genoa-B1").
 */
CT_RESULT ct_snp_product_parse(const char *name, enum ct_snp_product *out);

/*
 * TCB_VERSION layouts: Milan/Genoa (bl, tee, 4 reserved, snp, ucode) and
 * Turin (fmc, bl, tee, snp, 3 reserved, ucode). See attestation.md §2.
 */
enum ct_snp_tcb_layout {
	CT_SNP_TCB_LAYOUT_LEGACY = 0, /* Milan, Genoa */
	CT_SNP_TCB_LAYOUT_TURIN = 1,
};

struct ct_snp_tcb {
	uint8_t bootloader;
	uint8_t tee;
	uint8_t snp;
	uint8_t microcode;
	uint8_t fmc; /* Turin only; always 0 in the legacy layout */
};

enum ct_snp_tcb_layout ct_snp_product_tcb_layout(enum ct_snp_product p);
struct ct_snp_tcb ct_snp_tcb_decode(uint64_t raw, enum ct_snp_tcb_layout l);
/* Encodes; reserved bytes are zero. In the legacy layout `fmc` is ignored. */
uint64_t ct_snp_tcb_encode(const struct ct_snp_tcb *tcb,
			   enum ct_snp_tcb_layout l);
/* Raw bytes of the legacy layout's reserved SPLs (non-zero = unusual). */
bool ct_snp_tcb_reserved_zero(uint64_t raw, enum ct_snp_tcb_layout l);

/* ---------------------------------------------------------------- report */

/* Bit flags naming reserved (MBZ) regions that were found non-zero. */
enum ct_snp_reserved {
	CT_SNP_RSV_0x04C = 1u << 0,        /* [0x04C,0x050) */
	CT_SNP_RSV_0x188 = 1u << 1,        /* [0x18B or 0x188 (v2), 0x1A0) */
	CT_SNP_RSV_0x1EB = 1u << 2,        /* 0x1EB */
	CT_SNP_RSV_0x1EF = 1u << 3,        /* 0x1EF */
	CT_SNP_RSV_0x1F8 = 1u << 4,        /* [0x1F8,0x208) before v5 */
	CT_SNP_RSV_0x208 = 1u << 5,        /* [0x208,0x2A0) */
	CT_SNP_RSV_SIG_TAIL = 1u << 6,     /* [0x330,0x4A0) */
	CT_SNP_RSV_SIG_HIGH = 1u << 7,     /* upper 24 bytes of R or S */
	CT_SNP_RSV_POLICY_BITS = 1u << 8,  /* POLICY bits 63:26 */
	CT_SNP_RSV_PLATFORM_BITS = 1u << 9, /* unknown PLATFORM_INFO bits */
	CT_SNP_RSV_SIGNER_BITS = 1u << 10, /* SIGNER_INFO bits 31:5 */
};

/*
 * A faithful decode of every field. `raw` holds a copy of the input so the
 * signature can be checked over the exact bytes received.
 */
struct ct_snp_report {
	uint8_t raw[CT_SNP_REPORT_SIZE];

	uint32_t version;
	uint32_t guest_svn;
	uint64_t policy;
	uint8_t family_id[CT_SNP_FAMILY_ID_LEN];
	uint8_t image_id[CT_SNP_IMAGE_ID_LEN];
	uint32_t vmpl;
	uint32_t signature_algo;
	uint64_t current_tcb;
	uint64_t platform_info;
	uint32_t signer_info;
	uint8_t report_data[CT_SNP_REPORT_DATA_LEN];
	uint8_t measurement[CT_SNP_MEASUREMENT_LEN];
	uint8_t host_data[CT_SNP_HOST_DATA_LEN];
	uint8_t id_key_digest[CT_SNP_KEY_DIGEST_LEN];
	uint8_t author_key_digest[CT_SNP_KEY_DIGEST_LEN];
	uint8_t report_id[CT_SNP_REPORT_ID_LEN];
	uint8_t report_id_ma[CT_SNP_REPORT_ID_LEN];
	uint64_t reported_tcb;
	uint8_t cpuid_fam_id; /* v3+, else 0 */
	uint8_t cpuid_mod_id;
	uint8_t cpuid_step;
	uint8_t chip_id[CT_SNP_CHIP_ID_LEN];
	uint64_t committed_tcb;
	uint8_t current_build, current_minor, current_major;
	uint8_t committed_build, committed_minor, committed_major;
	uint64_t launch_tcb;
	uint64_t launch_mit_vector;  /* v5, else 0 */
	uint64_t current_mit_vector; /* v5, else 0 */
	uint8_t sig_r[CT_SNP_SIG_COMPONENT_LEN]; /* little-endian */
	uint8_t sig_s[CT_SNP_SIG_COMPONENT_LEN]; /* little-endian */

	/* Derived, not fields. */
	enum ct_snp_product product;     /* from CPUID (v3+), else UNKNOWN */
	enum ct_snp_tcb_layout tcb_layout; /* from product; legacy if unknown */
	uint32_t reserved_nonzero;       /* enum ct_snp_reserved flags */
};

/*
 * Parses exactly CT_SNP_REPORT_SIZE bytes. Fails (CT_ERR_PROTO) on another
 * length or a VERSION outside [2,5]. Non-zero reserved fields and unknown
 * bits do not fail the parse: they are recorded in `reserved_nonzero` (the
 * signature covers them; inspect shows them).
 */
CT_RESULT ct_snp_report_parse(struct ct_snp_report *out, struct ct_span bytes);

/* Fixes the product (e.g. learned from the VCEK for a v2 report). */
void ct_snp_report_set_product(struct ct_snp_report *r,
			       enum ct_snp_product p);

/* Product line from CPUID family/model (attestation.md §2). */
enum ct_snp_product ct_snp_product_from_cpuid(uint8_t family, uint8_t model);

static inline enum ct_snp_signing_key ct_snp_report_signing_key(
	const struct ct_snp_report *r)
{
	return (enum ct_snp_signing_key)((r->signer_info >>
					  CT_SNP_SIGNER_KEY_SHIFT) &
					 CT_SNP_SIGNER_KEY_MASK);
}

/* Human-readable name of a reserved flag ("reserved [0x4C,0x50)"). */
const char *ct_snp_reserved_name(enum ct_snp_reserved flag);

/* ------------------------------------------------- certificate table */

/*
 * The extended-report certificate table (GHCB; the configfs-tsm auxblob):
 * 24-byte entries {guid[16], u32 offset, u32 length}, ending with an
 * all-zero entry; offsets count from the table start. GUID bytes are in
 * textual order.
 */
#define CT_SNP_CERT_TABLE_MAX (64u * 1024u)
#define CT_SNP_CERT_TABLE_MAX_ENTRIES 16u
#define CT_SNP_CERT_ENTRY_SIZE 24u
#define CT_SNP_GUID_LEN 16u

extern const uint8_t CT_SNP_GUID_VCEK[CT_SNP_GUID_LEN]; /* 63da758d-e664-4564-adc5-f4b93be8accd */
extern const uint8_t CT_SNP_GUID_VLEK[CT_SNP_GUID_LEN]; /* a8074bc2-a25a-483e-aae6-39c045a0b8a1 */
extern const uint8_t CT_SNP_GUID_ASK[CT_SNP_GUID_LEN];  /* 4ab7b379-bbac-4fe4-a02f-05aef327c782 (also ASVK) */
extern const uint8_t CT_SNP_GUID_ARK[CT_SNP_GUID_LEN];  /* c0b406a4-a803-4952-9743-3fb6014cd0ae */
extern const uint8_t CT_SNP_GUID_CRL[CT_SNP_GUID_LEN];  /* 92f81bc3-5811-4d3d-97ff-d19f88dc67ea */

struct ct_snp_cert_entry {
	uint8_t guid[CT_SNP_GUID_LEN];
	struct ct_span data; /* borrowed from the table bytes */
};

struct ct_snp_cert_table {
	struct ct_snp_cert_entry entries[CT_SNP_CERT_TABLE_MAX_ENTRIES];
	size_t count;
};

/*
 * Parses a table (borrowing `bytes`). Fails (CT_ERR_PROTO) on a missing
 * terminator, an entry pointing into the header or past the end, a zero
 * length, a duplicated known GUID, more than MAX_ENTRIES entries or a table
 * larger than CT_SNP_CERT_TABLE_MAX. Unknown GUIDs are kept. Empty = valid.
 */
CT_RESULT ct_snp_cert_table_parse(struct ct_snp_cert_table *out,
				  struct ct_span bytes);
/* The entry with this GUID, or NULL. */
const struct ct_snp_cert_entry *ct_snp_cert_table_find(
	const struct ct_snp_cert_table *t, const uint8_t guid[CT_SNP_GUID_LEN]);

struct ct_snp_cert_blob {
	const uint8_t *guid;
	struct ct_span data;
};
/* Builds a table (entries, zero terminator, blobs) appended to out. */
CT_RESULT ct_snp_cert_table_build(struct ct_buf *out,
				  const struct ct_snp_cert_blob *blobs,
				  size_t count);
/* "VCEK", "VLEK", "ASK", "ARK", "CRL" or NULL for an unknown GUID. */
const char *ct_snp_guid_name(const uint8_t guid[CT_SNP_GUID_LEN]);
/* Formats a GUID as 36 characters + NUL. */
void ct_snp_guid_format(char out[37], const uint8_t guid[CT_SNP_GUID_LEN]);

#endif /* CT_ATTEST_SNP_H */
