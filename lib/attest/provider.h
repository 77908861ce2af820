/*
 * provider.h - guest-side SEV-SNP evidence providers (DESIGN.md §4.4, §4.7).
 *
 * One interface: given 64 bytes of REPORT_DATA, return evidence (the DER
 * SnpEvidence of attest/evidence.h: report + certificate table). Backends:
 *
 *   "configfs-tsm[:ROOT]"  Linux TSM reports; ROOT defaults to
 *                          /sys/kernel/config/tsm/report (testable against
 *                          a prepared directory).
 *   "sev-guest[:DEVICE]"   SNP_GET_EXT_REPORT ioctl; DEVICE defaults to
 *                          /dev/sev-guest.
 *   "sim:SOCKET"           contrast-snp-sim over a Unix socket.
 *   NULL or ""             $CONTRAST_EVIDENCE_PROVIDER (same syntax) if
 *                          set, else auto-detect: configfs-tsm, then
 *                          sev-guest, else CT_ERR_IO naming everything that
 *                          was tried.
 *
 * Ownership: ct_evidence_provider_open hands the caller a provider that it
 * frees with ct_evidence_provider_free. `evidence_der` must be initialised
 * by the caller (its max is respected; CT_SNP_EVIDENCE_MAX suffices); the
 * evidence is appended.
 *
 * The sim backend waits at most $CONTRAST_EVIDENCE_TIMEOUT_MS (default
 * 30000) per request. Test seams: attest/provider_internal.h.
 *
 * Errors: CT_ERR_USAGE for a malformed spec, CT_ERR_IO when the platform
 * interface fails, CT_ERR_PROTO when it returns malformed bytes (a report
 * that is not 1184 bytes, a certificate table that does not parse),
 * CT_ERR_LIMIT when a response exceeds its bound.
 *
 * Trust: a provider only transports; the evidence is verified by whoever
 * receives it. The provider does check that the returned report carries
 * the REPORT_DATA asked for, so a confused backend cannot hand out someone
 * else's report unnoticed.
 *
 * Thread safety: ct_evidence_provider_get may be called concurrently on one
 * provider (configfs-tsm uses one entry per call, sev-guest serialises
 * ioctls, sim uses one connection per call).
 */
#ifndef CT_ATTEST_PROVIDER_H
#define CT_ATTEST_PROVIDER_H

#include <stdint.h>

#include "base/base.h"

struct ct_atls_issuer;
struct ct_evidence_provider;

/* Defaults and limits. */
#define CT_PROVIDER_TSM_ROOT_DEFAULT "/sys/kernel/config/tsm/report"
#define CT_PROVIDER_SEVGUEST_DEFAULT "/dev/sev-guest"
#define CT_PROVIDER_SPEC_MAX 4096u
/* Environment variable holding a spec when no flag names one. */
#define CT_PROVIDER_ENV "CONTRAST_EVIDENCE_PROVIDER"

/*
 * spec: "configfs-tsm[:ROOT]" | "sev-guest[:DEVICE]" | "sim:SOCKET" |
 * NULL/"" = environment, then auto-detect. Opening checks that the interface exists (the
 * directory, the device node, the socket path) but sends no request.
 */
CT_RESULT ct_evidence_provider_open(const char *spec,
				    struct ct_evidence_provider **out);
void ct_evidence_provider_free(struct ct_evidence_provider *p);

/* Evidence DER (DESIGN §4.4) binding report_data; thread-safe. */
CT_RESULT ct_evidence_provider_get(struct ct_evidence_provider *p,
				   const uint8_t report_data[64],
				   struct ct_buf *evidence_der);

/* "configfs-tsm", "sev-guest" or "sim". */
const char *ct_evidence_provider_name(const struct ct_evidence_provider *p);

/*
 * An aTLS issuer (lib/atls/atls.h struct ct_atls_issuer, OID 1.3.9901.2.1)
 * backed by p. `p` must outlive every use of the issuer.
 */
void ct_evidence_provider_atls_issuer(struct ct_evidence_provider *p,
				      struct ct_atls_issuer *out);

#endif /* CT_ATTEST_PROVIDER_H */
