/*
 * snp_verify.h - verification of SEV-SNP reports: VCEK/VLEK extensions,
 * the AMD certificate chain, the report signature, and reference values.
 *
 * Ownership: X509 / X509_CRL pointers passed in options are borrowed; the
 * verifier takes its own references where it keeps them. Results are plain
 * structs owned by the caller.
 *
 * Errors: ct_snp_verify returns CT_OK only when every check holds. When a
 * check fails it keeps going where that makes sense and records every
 * failure as one line in `findings` ("snp: measurement mismatch: got ...,
 * want ..."); the returned error (CT_ERR_POLICY or CT_ERR_CRYPTO) carries
 * the first line. CT_ERR_PROTO means the report itself could not be parsed,
 * CT_ERR_USAGE an invalid option.
 */
#ifndef CT_ATTEST_SNP_VERIFY_H
#define CT_ATTEST_SNP_VERIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "attest/snp.h"
#include "base/base.h"

/* ------------------------------------------------------ embedded roots */

struct ct_snp_amd_root {
	enum ct_snp_product product;
	const char *ark_pem;
	const char *ask_pem;  /* VCEK intermediate */
	const char *asvk_pem; /* VLEK intermediate */
};
#define CT_SNP_AMD_ROOT_COUNT 3
extern const struct ct_snp_amd_root ct_snp_amd_roots[CT_SNP_AMD_ROOT_COUNT];

/* ---------------------------------------------------- VCEK/VLEK fields */

#define CT_SNP_PRODUCT_NAME_MAX 64
#define CT_SNP_CSP_ID_MAX 256

/* The AMD extensions (OID 1.3.6.1.4.1.3704.1.x) of a VCEK or VLEK. */
struct ct_snp_vcek_info {
	bool is_vlek;              /* has csp_id and no hwID */
	long struct_version;       /* .1: 0 Milan/Genoa, 1 Turin */
	char product_name[CT_SNP_PRODUCT_NAME_MAX]; /* .2, e.g. "Milan-B0" */
	enum ct_snp_product product; /* parsed from product_name */
	struct ct_snp_tcb tcb;     /* .3.1 bl, .3.2 tee, .3.3 snp, .3.8 ucode, .3.9 fmc */
	bool has_fmc;
	uint8_t hwid[CT_SNP_CHIP_ID_LEN]; /* .4 (VCEK only) */
	size_t hwid_len;           /* 64, or 8 on Turin */
	char csp_id[CT_SNP_CSP_ID_MAX]; /* .5 (VLEK only) */
};

/*
 * Decodes the AMD extensions. Fails (CT_ERR_PROTO) on a malformed value, a
 * duplicate, an unknown 3704 OID, a missing productName/SPL, or a cert that
 * is both or neither VCEK (hwID) and VLEK (csp_id).
 */
CT_RESULT ct_snp_vcek_parse(struct ct_snp_vcek_info *out, X509 *cert);

/* ------------------------------------------------------ reference values */

/*
 * GuestPolicy: SMT, MigrateMA, Debug and CXLAllowed say what is allowed (a
 * report with the bit set fails when false); SingleSocket, MemAES256XTS,
 * RAPLDis, CipherTextHidingDRAM and PageSwapDisable say what is required (a
 * report without the bit fails when true); ABIMajor.ABIMinor is a minimum.
 */
struct ct_snp_guest_policy {
	uint8_t abi_major, abi_minor;
	bool smt, migrate_ma, debug, cxl_allowed;
	bool single_socket, mem_aes_256_xts, rapl_dis, ciphertext_hiding_dram,
		page_swap_disable;
};

/*
 * PlatformInfo: SMTEnabled, TSMEEnabled and TIOEnabled are allowed-if-true;
 * ECCEnabled, RAPLDisabled, CiphertextHidingDRAMEnabled and
 * AliasCheckComplete are required-if-true.
 */
struct ct_snp_platform_info {
	bool smt_enabled, tsme_enabled, tio_enabled;
	bool ecc_enabled, rapl_disabled, ciphertext_hiding_dram_enabled,
		alias_check_complete;
};

#define CT_SNP_MAX_CHIP_IDS 256
#define CT_SNP_REFVALS_JSON_MAX (256u * 1024u)

/* One `snp` entry of a manifest's ReferenceValues (DESIGN.md §4.1). */
struct ct_snp_refvals {
	enum ct_snp_product product;
	bool simulator;                  /* ProductName "Simulator" */
	uint8_t measurement[CT_SNP_MEASUREMENT_LEN];
	struct ct_snp_tcb minimum_tcb;   /* fmc only meaningful on Turin */
	struct ct_snp_guest_policy guest_policy;
	struct ct_snp_platform_info platform_info;
	uint32_t vmpl;                   /* "VMPL", default 0 */
	uint64_t minimum_mitigation_vector;
	size_t chip_id_count;            /* 0 = any chip */
	uint8_t (*chip_ids)[CT_SNP_CHIP_ID_LEN];
	X509 *simulator_root;            /* SimulatorRootCA, owned */
};

/* The defaults: Contrast's shipped GuestPolicy/PlatformInfo, VMPL 0. */
void ct_snp_refvals_init(struct ct_snp_refvals *rv);
void ct_snp_refvals_dispose(struct ct_snp_refvals *rv);
/*
 * Parses one `snp` entry given as JSON text (or a jansson object through
 * ct_snp_refvals_from_json in snp_refvals.c). Errors are path-prefixed:
 * "MinimumTCB.SNPVersion: missing". Unknown keys are refused except the
 * informational "APEIP" and "CPUs".
 */
CT_RESULT ct_snp_refvals_parse(struct ct_snp_refvals *out,
			       struct ct_span json);
/* Same, from a jansson json_t* object (declared void* to keep jansson out). */
CT_RESULT ct_snp_refvals_from_json(struct ct_snp_refvals *out,
				   const void *json_object);

/* ---------------------------------------------------------- verifier */

#define CT_SNP_MAX_FINDINGS 48
#define CT_SNP_FINDING_MAX 400

struct ct_snp_findings {
	size_t count;
	size_t dropped; /* beyond CT_SNP_MAX_FINDINGS */
	char line[CT_SNP_MAX_FINDINGS][CT_SNP_FINDING_MAX];
};

void ct_snp_findings_add(struct ct_snp_findings *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A verifier holds the trusted roots (embedded AMD ARKs, or a caller's
 * trusted ARK for the simulator) and a small cache of chains already
 * verified, so repeated reports from the same chip skip the RSA work.
 * Not thread-safe: use one per thread.
 */
struct ct_snp_verifier;

CT_RESULT ct_snp_verifier_new(struct ct_snp_verifier **out);
void ct_snp_verifier_free(struct ct_snp_verifier *v);
/*
 * Trust `ark` (a reference is taken) in place of the embedded AMD ARK for
 * every product: for the simulator. A certificate byte-identical to one of
 * AMD's pinned ARKs is accepted too and changes nothing.
 */
CT_RESULT ct_snp_verifier_set_custom_root(struct ct_snp_verifier *v, X509 *ark);
/* The pinned AMD ARK of a product (borrowed; NULL for UNKNOWN). */
X509 *ct_snp_verifier_amd_ark(struct ct_snp_verifier *v,
			      enum ct_snp_product p);

struct ct_snp_verify_opts {
	time_t at;            /* verification time; 0 = now */
	enum ct_snp_product product; /* UNKNOWN = infer (CPUID, then VCEK) */
	X509 *vcek;           /* VCEK or VLEK; NULL = from cert_table */
	X509 *ask;            /* ASK/ASVK; NULL = cert table, else embedded */
	X509 *ark;            /* must equal the trusted root when given */
	X509_CRL *crl;        /* optional, signed by the ARK */
	struct ct_span cert_table; /* optional extended-report table */
	const struct ct_snp_refvals *refvals; /* optional */
	const uint8_t *report_data; /* optional, 64 bytes */
	const uint8_t *host_data;   /* optional, 32 bytes */
};

struct ct_snp_verify_result {
	struct ct_snp_report report;
	enum ct_snp_product product;
	bool parsed;
	bool have_vcek;
	bool custom_root; /* chained to a caller-supplied (simulator) root */
	bool chain_cached;
	struct ct_snp_vcek_info vcek;
	struct ct_snp_findings findings;
};

CT_RESULT ct_snp_verify(struct ct_snp_verifier *v,
			struct ct_snp_verify_result *res, struct ct_span report,
			const struct ct_snp_verify_opts *opts);

/*
 * Verifies against a manifest's list of `snp` entries: CT_OK when the
 * report satisfies at least one (`*matched` = its index). Otherwise the
 * findings hold every entry's failures, each line prefixed "snp[<i>]: "
 * when there is more than one entry. `opts->refvals` is ignored. The chain
 * cache makes the extra entries cost one ECDSA verification each.
 */
CT_RESULT ct_snp_verify_any(struct ct_snp_verifier *v,
			    struct ct_snp_verify_result *res,
			    struct ct_span report,
			    const struct ct_snp_verify_opts *opts,
			    const struct ct_snp_refvals *entries, size_t count,
			    size_t *matched);

/* ---------------------------------------------------------- rendering */

/* Appends a human-readable listing of every field (one per line). */
CT_RESULT ct_snp_report_format_text(struct ct_buf *out,
				    const struct ct_snp_report *r);
/* Appends a JSON object with every field (hex strings, numbers, bools). */
CT_RESULT ct_snp_report_format_json(struct ct_buf *out,
				    const struct ct_snp_report *r);

/*
 * Appends AMD KDS's URL for the VCEK that signs this report (product from
 * the report, CHIP_ID, REPORTED_TCB; Turin: 8-byte hwID and fmcSPL). Fails
 * (CT_ERR_USAGE) when the product is unknown or CHIP_ID is masked.
 */
CT_RESULT ct_snp_kds_vcek_url(struct ct_buf *out, const struct ct_snp_report *r);

#endif /* CT_ATTEST_SNP_VERIFY_H */
