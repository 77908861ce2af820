/*
 * sim.h - contrast-snp-sim as a library: a simulated AMD secure processor
 * and host (DESIGN.md §4.7, docs/simulator.md).
 *
 * State: a directory (mode 0700) holds the simulator's secret (32 random
 * bytes), its ARK (RSA, self-signed, RSA-PSS SHA-384) and ASK (RSA, signed
 * by the ARK), and the product line. From the secret it derives, the way
 * AMD derives them from a chip's fused secret, one chip ID per simulated
 * chip and one P-384 VCEK per (chip, reported TCB): the same chip and TCB
 * always give the same key, a different TCB a different key. VCEK
 * certificates carry AMD's extensions (TCB SPLs, hwID, productName).
 *
 * A VM is one launch context fixed by the host: measurement, HOST_DATA,
 * guest policy, TCB and VMPL. The guest chooses only REPORT_DATA. Reports
 * are byte-exact SNP reports (v3 for Milan/Genoa, v5 for Turin) signed by
 * the VCEK; the certificate table holds VCEK, ASK and ARK. Fault modes
 * make specific, detectable lies for tests.
 *
 * Ownership: ct_sim_*_new/load hand out objects the caller frees with the
 * matching _free. A VM borrows its ct_sim (free the VM first); a server
 * borrows its VM (stop the server first).
 *
 * Errors: CT_ERR_USAGE for bad options, CT_ERR_IO for the state directory
 * or the socket, CT_ERR_CRYPTO for OpenSSL failures, CT_ERR_PROTO for a
 * corrupted state file. ct_sim_vm_report is thread-safe.
 */
#ifndef CT_SIM_H
#define CT_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest/snp.h"
#include "base/base.h"

#define CT_SIM_SECRET_LEN 32u
#define CT_SIM_RSA_BITS_DEFAULT 4096u
/* Test-speed knob: smaller ARK/ASK keys (2048, 3072 or 4096). */
#define CT_SIM_RSA_BITS_ENV "CONTRAST_SIM_RSA_BITS"
/* How long the `slow` fault delays each answer (ms); env overrides. */
#define CT_SIM_SLOW_MS_DEFAULT 20000u
#define CT_SIM_SLOW_MS_ENV "CONTRAST_SIM_SLOW_MS"
/* Server limits. */
#define CT_SIM_MAX_CONNECTIONS 128u
#define CT_SIM_IO_TIMEOUT_MS 10000u
/* Guest policy when none is given: SMT allowed, reserved bit 17. */
#define CT_SIM_POLICY_DEFAULT 0x30000ull

/* ------------------------------------------------------------ state */

struct ct_sim;

struct ct_sim_init_opts {
	enum ct_snp_product product; /* UNKNOWN = Genoa (or the existing) */
	unsigned rsa_bits;           /* 0 = CT_SIM_RSA_BITS_DEFAULT */
};

/*
 * Creates the key hierarchy in `state_dir` unless it exists (idempotent;
 * an existing state for another product is CT_ERR_USAGE). Returns the
 * path of the ARK PEM in *ark_path (free it).
 */
CT_RESULT ct_sim_init(const char *state_dir, const struct ct_sim_init_opts *o,
		      char **ark_path);
/* Loads an initialised state directory (refuses group/other access). */
CT_RESULT ct_sim_load(const char *state_dir, struct ct_sim **out);
void ct_sim_free(struct ct_sim *sim);

enum ct_snp_product ct_sim_product(const struct ct_sim *sim);
/* Borrowed; valid while sim lives. */
X509 *ct_sim_ark(const struct ct_sim *sim);
X509 *ct_sim_ask(const struct ct_sim *sim);
/* The chip ID of simulated chip `index` (Turin: 8 bytes + 56 zero). */
CT_RESULT ct_sim_chip_id(const struct ct_sim *sim, uint32_t index,
			 uint8_t out[CT_SNP_CHIP_ID_LEN]);
/* The VCEK private key of (chip, TCB): deterministic. */
CT_RESULT ct_sim_vcek_key(const struct ct_sim *sim,
			  const uint8_t chip_id[CT_SNP_CHIP_ID_LEN],
			  const struct ct_snp_tcb *tcb, EVP_PKEY **out);
/*
 * The VCEK certificate for `key`, issued by the ASK, whose extensions
 * claim `cert_tcb` and hwID `chip_id`.
 */
CT_RESULT ct_sim_vcek_cert(const struct ct_sim *sim, EVP_PKEY *key,
			   const uint8_t chip_id[CT_SNP_CHIP_ID_LEN],
			   const struct ct_snp_tcb *cert_tcb, X509 **out);
/* The product's default TCB (what a fresh launch reports). */
struct ct_snp_tcb ct_sim_default_tcb(enum ct_snp_product p);

/* ------------------------------------------------------------- VMs */

enum ct_sim_fault {
	CT_SIM_FAULT_NONE = 0,
	CT_SIM_FAULT_DEBUG,             /* POLICY.DEBUG set */
	CT_SIM_FAULT_WRONG_CHIP,        /* CHIP_ID of another chip */
	CT_SIM_FAULT_BAD_SIGNATURE,     /* a bit of R flipped after signing */
	CT_SIM_FAULT_VCEK_TCB_MISMATCH, /* VCEK extensions claim another TCB */
	CT_SIM_FAULT_SLOW,              /* answers after slow_ms */
	CT_SIM_FAULT_FAIL,              /* answers with a firmware error */
};

/* "debug", "wrong-chip", "bad-signature", "vcek-tcb-mismatch", "slow", "fail". */
CT_RESULT ct_sim_fault_parse(const char *name, enum ct_sim_fault *out);
const char *ct_sim_fault_name(enum ct_sim_fault f);

struct ct_sim_launch {
	uint8_t measurement[CT_SNP_MEASUREMENT_LEN];
	uint8_t host_data[CT_SNP_HOST_DATA_LEN];
	uint64_t policy;
	bool has_tcb;          /* false: ct_sim_default_tcb */
	struct ct_snp_tcb tcb;
	uint32_t vmpl;         /* 0..3 */
	enum ct_sim_fault fault;
	unsigned slow_ms;      /* for CT_SIM_FAULT_SLOW */
};

/* Zero measurement/host data, CT_SIM_POLICY_DEFAULT, default TCB, VMPL 0. */
void ct_sim_launch_init(struct ct_sim_launch *l);
/* Parses "BL:TEE:SNP:UCODE[:FMC]" (each 0..255). */
CT_RESULT ct_sim_tcb_parse(const char *s, struct ct_snp_tcb *out);

struct ct_sim_vm;

/* Launches a VM: derives its VCEK, issues its certificate, fixes its REPORT_ID. */
CT_RESULT ct_sim_vm_new(struct ct_sim *sim, const struct ct_sim_launch *l,
			struct ct_sim_vm **out);
void ct_sim_vm_free(struct ct_sim_vm *vm);
const struct ct_sim_launch *ct_sim_vm_launch(const struct ct_sim_vm *vm);

/*
 * The guest's request: appends the signed 1184-byte report for
 * `report_data` to `report` and the certificate table to `table`. Applies
 * every fault except `slow` (a transport fault, applied by the server);
 * `fail` returns CT_ERR_IO. Thread-safe.
 */
CT_RESULT ct_sim_vm_report(struct ct_sim_vm *vm,
			   const uint8_t report_data[CT_SNP_REPORT_DATA_LEN],
			   struct ct_buf *report, struct ct_buf *table);

/*
 * One protocol exchange: parses an untrusted request and appends the
 * response (an error response for a malformed request or a failing
 * report). Fails only when no response could be built (memory).
 */
CT_RESULT ct_sim_vm_handle(struct ct_sim_vm *vm, struct ct_span request,
			   struct ct_buf *response);

/* ---------------------------------------------------------- server */

struct ct_sim_server;

/*
 * Serves `vm` on a Unix socket (mode 0600) until stopped: one thread per
 * connection, at most CT_SIM_MAX_CONNECTIONS at once. A stale socket file
 * is replaced; a live one (something answers) is CT_ERR_IO.
 */
CT_RESULT ct_sim_server_start(struct ct_sim_vm *vm, const char *socket_path,
			      struct ct_sim_server **out);
/* Stops accepting, waits for open connections, removes the socket file. */
void ct_sim_server_stop(struct ct_sim_server *s);
/* Responses (of any status) built and sent so far. */
uint64_t ct_sim_server_served(const struct ct_sim_server *s);

#endif /* CT_SIM_H */
