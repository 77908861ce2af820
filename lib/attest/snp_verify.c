/*
 * snp_verify.c - the SEV-SNP verification pipeline.
 *
 * Trust boundary: everything in the report and the certificates is
 * untrusted until the signature has been checked with a VCEK/VLEK that
 * chains to a trusted root; only then do the report's fields say anything
 * about the guest. The order follows attestation.md §6: parse, pick the
 * endorsement key, chain, signature, binding of the certificate to the
 * report (TCB, chip ID, key kind), then policy and reference values.
 *
 * Every failed check adds one line to the findings and verification goes
 * on, so a user sees all reasons at once; any finding means rejection.
 */
#include "attest/snp_internal.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

void ct_snp_findings_add(struct ct_snp_findings *f, const char *fmt, ...)
{
	if (f->count >= CT_SNP_MAX_FINDINGS) {
		f->dropped++;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->line[f->count], CT_SNP_FINDING_MAX, fmt, ap);
	va_end(ap);
	f->count++;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	ct_hex_format(out, b, n);
}

static void tcb_text(char *out, size_t len, const struct ct_snp_tcb *t,
		     enum ct_snp_tcb_layout l)
{
	if (l == CT_SNP_TCB_LAYOUT_TURIN)
		snprintf(out, len, "fmc=%u bl=%u tee=%u snp=%u ucode=%u",
			 t->fmc, t->bootloader, t->tee, t->snp, t->microcode);
	else
		snprintf(out, len, "bl=%u tee=%u snp=%u ucode=%u",
			 t->bootloader, t->tee, t->snp, t->microcode);
}

/* Loads a certificate from a cert-table entry (NULL when absent/bad). */
static X509 *table_cert(const struct ct_snp_cert_table *t, const uint8_t *guid,
			struct ct_snp_findings *f)
{
	const struct ct_snp_cert_entry *e = ct_snp_cert_table_find(t, guid);
	if (e == NULL)
		return NULL;
	X509 *x = NULL;
	if (!ct_ok(ct_x509_parse(&x, e->data))) {
		ct_snp_findings_add(f, "snp: cert table: %s entry: %s",
				    ct_snp_guid_name(guid), ct_error_message());
		ct_error_clear();
		return NULL;
	}
	return x;
}

static void check_binding(const struct ct_snp_report *r,
			  const struct ct_snp_vcek_info *vi,
			  struct ct_snp_findings *f)
{
	enum ct_snp_signing_key sk = ct_snp_report_signing_key(r);
	if ((sk == CT_SNP_KEY_VCEK && vi->is_vlek) ||
	    (sk == CT_SNP_KEY_VLEK && !vi->is_vlek))
		ct_snp_findings_add(f, "snp: signing key mismatch: report "
				    "says %s, certificate is a %s",
				    sk == CT_SNP_KEY_VCEK ? "VCEK" : "VLEK",
				    vi->is_vlek ? "VLEK" : "VCEK");

	struct ct_snp_tcb rt = ct_snp_tcb_decode(r->reported_tcb, r->tcb_layout);
	bool turin = r->tcb_layout == CT_SNP_TCB_LAYOUT_TURIN;
	if (rt.bootloader != vi->tcb.bootloader || rt.tee != vi->tcb.tee ||
	    rt.snp != vi->tcb.snp || rt.microcode != vi->tcb.microcode ||
	    (turin && rt.fmc != vi->tcb.fmc)) {
		char a[96], b[96];
		tcb_text(a, sizeof(a), &rt, r->tcb_layout);
		tcb_text(b, sizeof(b), &vi->tcb, r->tcb_layout);
		ct_snp_findings_add(f, "snp: reported TCB does not match the "
				    "certificate: got %s, want %s", a, b);
	}
	if (vi->is_vlek)
		return;
	struct ct_span chip = ct_span_make(r->chip_id, CT_SNP_CHIP_ID_LEN);
	if (ct_span_is_zero(chip)) {
		ct_snp_findings_add(f, "snp: chip ID is masked (all zero): "
				    "cannot bind the report to the VCEK hwID");
		return;
	}
	bool eq = memcmp(r->chip_id, vi->hwid, vi->hwid_len) == 0 &&
		  ct_span_is_zero(ct_span_make(r->chip_id + vi->hwid_len,
					       CT_SNP_CHIP_ID_LEN - vi->hwid_len));
	if (!eq) {
		char a[2 * CT_SNP_CHIP_ID_LEN + 1], b[2 * CT_SNP_CHIP_ID_LEN + 1];
		hex(a, r->chip_id, CT_SNP_CHIP_ID_LEN);
		hex(b, vi->hwid, vi->hwid_len);
		ct_snp_findings_add(f, "snp: chip ID mismatch: got %s, want "
				    "VCEK hwID %s", a, b);
	}
}

static void check_policy(const struct ct_snp_report *r,
			 const struct ct_snp_guest_policy *gp,
			 struct ct_snp_findings *f)
{
	uint64_t p = r->policy;
	if (!(p & CT_SNP_POLICY_RESERVED_ONE))
		ct_snp_findings_add(f, "snp: guest policy: reserved bit 17 is "
				    "0, want 1 (policy 0x%llx)",
				    (unsigned long long)p);
	static const struct {
		uint64_t bit;
		const char *name;
		size_t off;
		bool allowed; /* true: a maximum; false: a requirement */
	} bits[] = {
		{ CT_SNP_POLICY_SMT, "SMT", offsetof(struct ct_snp_guest_policy, smt), true },
		{ CT_SNP_POLICY_MIGRATE_MA, "MigrateMA", offsetof(struct ct_snp_guest_policy, migrate_ma), true },
		{ CT_SNP_POLICY_DEBUG, "Debug", offsetof(struct ct_snp_guest_policy, debug), true },
		{ CT_SNP_POLICY_CXL_ALLOW, "CXLAllowed", offsetof(struct ct_snp_guest_policy, cxl_allowed), true },
		{ CT_SNP_POLICY_SINGLE_SOCKET, "SingleSocket", offsetof(struct ct_snp_guest_policy, single_socket), false },
		{ CT_SNP_POLICY_MEM_AES_256_XTS, "MemAES256XTS", offsetof(struct ct_snp_guest_policy, mem_aes_256_xts), false },
		{ CT_SNP_POLICY_RAPL_DIS, "RAPLDis", offsetof(struct ct_snp_guest_policy, rapl_dis), false },
		{ CT_SNP_POLICY_CIPHERTEXT_HIDING, "CipherTextHidingDRAM", offsetof(struct ct_snp_guest_policy, ciphertext_hiding_dram), false },
		{ CT_SNP_POLICY_PAGE_SWAP_DISABLE, "PageSwapDisable", offsetof(struct ct_snp_guest_policy, page_swap_disable), false },
	};
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		bool want = *(const bool *)((const char *)gp + bits[i].off);
		bool got = (p & bits[i].bit) != 0;
		if (bits[i].allowed && got && !want)
			ct_snp_findings_add(f, "snp: guest policy: %s is set "
					    "(policy 0x%llx), not allowed",
					    bits[i].name, (unsigned long long)p);
		if (!bits[i].allowed && want && !got)
			ct_snp_findings_add(f, "snp: guest policy: %s is not "
					    "set (policy 0x%llx), required",
					    bits[i].name, (unsigned long long)p);
	}
	unsigned major = (unsigned)((p >> CT_SNP_POLICY_ABI_MAJOR_SHIFT) & 0xFF);
	unsigned minor = (unsigned)(p & CT_SNP_POLICY_ABI_MINOR_MASK);
	if (major < gp->abi_major ||
	    (major == gp->abi_major && minor < gp->abi_minor))
		ct_snp_findings_add(f, "snp: guest policy: ABI %u.%u below "
				    "minimum %u.%u", major, minor,
				    gp->abi_major, gp->abi_minor);
}

static void check_platform(const struct ct_snp_report *r,
			   const struct ct_snp_platform_info *pi,
			   struct ct_snp_findings *f)
{
	static const struct {
		uint64_t bit;
		const char *name;
		size_t off;
		bool allowed;
	} bits[] = {
		{ CT_SNP_PLATFORM_SMT_EN, "SMTEnabled", offsetof(struct ct_snp_platform_info, smt_enabled), true },
		{ CT_SNP_PLATFORM_TSME_EN, "TSMEEnabled", offsetof(struct ct_snp_platform_info, tsme_enabled), true },
		{ CT_SNP_PLATFORM_TIO_EN, "TIOEnabled", offsetof(struct ct_snp_platform_info, tio_enabled), true },
		{ CT_SNP_PLATFORM_ECC_EN, "ECCEnabled", offsetof(struct ct_snp_platform_info, ecc_enabled), false },
		{ CT_SNP_PLATFORM_RAPL_DIS, "RAPLDisabled", offsetof(struct ct_snp_platform_info, rapl_disabled), false },
		{ CT_SNP_PLATFORM_CIPHERTEXT_HIDING_EN, "CiphertextHidingDRAMEnabled", offsetof(struct ct_snp_platform_info, ciphertext_hiding_dram_enabled), false },
		{ CT_SNP_PLATFORM_ALIAS_CHECK_COMPLETE, "AliasCheckComplete", offsetof(struct ct_snp_platform_info, alias_check_complete), false },
	};
	uint64_t p = r->platform_info;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		bool want = *(const bool *)((const char *)pi + bits[i].off);
		bool got = (p & bits[i].bit) != 0;
		if (bits[i].allowed && got && !want)
			ct_snp_findings_add(f, "snp: platform info: %s is set "
					    "(0x%llx), not allowed",
					    bits[i].name, (unsigned long long)p);
		if (!bits[i].allowed && want && !got)
			ct_snp_findings_add(f, "snp: platform info: %s is not "
					    "set (0x%llx), required",
					    bits[i].name, (unsigned long long)p);
	}
}

static void check_min_tcb(const struct ct_snp_report *r, const char *which,
			  uint64_t raw, const struct ct_snp_tcb *min,
			  struct ct_snp_findings *f)
{
	struct ct_snp_tcb t = ct_snp_tcb_decode(raw, r->tcb_layout);
	const struct {
		const char *name;
		unsigned got, want;
	} parts[] = {
		{ "BootloaderVersion", t.bootloader, min->bootloader },
		{ "TEEVersion", t.tee, min->tee },
		{ "SNPVersion", t.snp, min->snp },
		{ "MicrocodeVersion", t.microcode, min->microcode },
		{ "FMCVersion", t.fmc, min->fmc },
	};
	size_t n = r->tcb_layout == CT_SNP_TCB_LAYOUT_TURIN ? 5 : 4;
	for (size_t i = 0; i < n; i++)
		if (parts[i].got < parts[i].want)
			ct_snp_findings_add(f, "snp: %s TCB %s=%u below "
					    "minimum %u", which, parts[i].name,
					    parts[i].got, parts[i].want);
}

static void check_refvals(const struct ct_snp_report *r,
			  const struct ct_snp_refvals *rv,
			  struct ct_snp_findings *f)
{
	if (memcmp(r->measurement, rv->measurement, CT_SNP_MEASUREMENT_LEN) != 0) {
		char a[97], b[97];
		hex(a, r->measurement, CT_SNP_MEASUREMENT_LEN);
		hex(b, rv->measurement, CT_SNP_MEASUREMENT_LEN);
		ct_snp_findings_add(f, "snp: measurement mismatch: got %s, "
				    "want %s", a, b);
	}
	check_min_tcb(r, "current", r->current_tcb, &rv->minimum_tcb, f);
	check_min_tcb(r, "committed", r->committed_tcb, &rv->minimum_tcb, f);
	check_min_tcb(r, "reported", r->reported_tcb, &rv->minimum_tcb, f);
	check_min_tcb(r, "launch", r->launch_tcb, &rv->minimum_tcb, f);
	if (rv->chip_id_count > 0) {
		bool found = false;
		for (size_t i = 0; i < rv->chip_id_count; i++)
			if (memcmp(rv->chip_ids[i], r->chip_id,
				   CT_SNP_CHIP_ID_LEN) == 0)
				found = true;
		if (!found) {
			char a[129];
			hex(a, r->chip_id, CT_SNP_CHIP_ID_LEN);
			ct_snp_findings_add(f, "snp: chip ID %s not in "
					    "AllowedChipIDs (%zu entries)", a,
					    rv->chip_id_count);
		}
	}
	uint64_t need = rv->minimum_mitigation_vector;
	if (need != 0) {
		if ((r->launch_mit_vector & need) != need)
			ct_snp_findings_add(f, "snp: launch mitigation vector "
					    "0x%llx lacks required 0x%llx",
					    (unsigned long long)r->launch_mit_vector,
					    (unsigned long long)need);
		if ((r->current_mit_vector & need) != need)
			ct_snp_findings_add(f, "snp: current mitigation vector "
					    "0x%llx lacks required 0x%llx",
					    (unsigned long long)r->current_mit_vector,
					    (unsigned long long)need);
	}
}

static void check_signature(const struct ct_snp_report *r, X509 *cert,
			    const char *kind, struct ct_snp_findings *f)
{
	if (r->signature_algo != CT_SNP_SIG_ALGO_ECDSA_P384_SHA384) {
		ct_snp_findings_add(f, "snp: signature algorithm: got %u, want "
				    "1 (ECDSA P-384 with SHA-384)",
				    r->signature_algo);
		return;
	}
	EVP_PKEY *pk = X509_get0_pubkey(cert);
	if (!ct_pkey_is_ec_group(pk, "secp384r1")) {
		ERR_clear_error();
		ct_snp_findings_add(f, "snp: signature: %s key is not EC "
				    "P-384", kind);
		return;
	}
	if (!ct_ok(ct_ecdsa_verify_le(pk, "SHA384",
				      ct_span_make(r->raw, CT_SNP_SIGNED_LEN),
				      r->sig_r, r->sig_s,
				      CT_SNP_SIG_COMPONENT_LEN))) {
		ct_snp_findings_add(f, "snp: signature invalid: the report "
				    "is not signed by this %s (%s)", kind,
				    ct_error_message());
		ct_error_clear();
	}
}

static enum ct_snp_product pick_product(const struct ct_snp_verify_opts *o,
					const struct ct_snp_report *r,
					const struct ct_snp_vcek_info *vi,
					bool have_vcek)
{
	if (o->product != CT_SNP_PRODUCT_UNKNOWN)
		return o->product;
	if (o->refvals != NULL && !o->refvals->simulator &&
	    o->refvals->product != CT_SNP_PRODUCT_UNKNOWN)
		return o->refvals->product;
	if (r->product != CT_SNP_PRODUCT_UNKNOWN)
		return r->product;
	return have_vcek ? vi->product : CT_SNP_PRODUCT_UNKNOWN;
}

ct_result ct_snp_verify(struct ct_snp_verifier *v,
			struct ct_snp_verify_result *res, struct ct_span report,
			const struct ct_snp_verify_opts *opts)
{
	memset(res, 0, sizeof(*res));
	struct ct_snp_findings *f = &res->findings;
	struct ct_snp_report *r = &res->report;
	X509 *t_leaf = NULL, *t_ask = NULL, *t_ark = NULL;
	bool crypto_failed = false;

	CT_GUARD(ct_snp_report_parse(r, report));
	res->parsed = true;

	/* Endorsement certificates: explicit options win over the table. */
	enum ct_snp_signing_key sk = ct_snp_report_signing_key(r);
	if (opts->cert_table.len > 0) {
		struct ct_snp_cert_table t;
		if (ct_ok(ct_snp_cert_table_parse(&t, opts->cert_table))) {
			t_leaf = table_cert(&t, sk == CT_SNP_KEY_VLEK
						? CT_SNP_GUID_VLEK
						: CT_SNP_GUID_VCEK, f);
			t_ask = table_cert(&t, CT_SNP_GUID_ASK, f);
			t_ark = table_cert(&t, CT_SNP_GUID_ARK, f);
		} else {
			ct_snp_findings_add(f, "%s", ct_error_message());
			ct_error_clear();
		}
	}
	X509 *leaf = opts->vcek != NULL ? opts->vcek : t_leaf;
	X509 *ask = opts->ask != NULL ? opts->ask : t_ask;
	X509 *ark = opts->ark != NULL ? opts->ark : t_ark;

	if (r->signer_info & CT_SNP_SIGNER_MASK_CHIP_KEY)
		ct_snp_findings_add(f, "snp: signer info: MASK_CHIP_KEY is set: "
				    "the report is not signed by a chip key");
	if (sk != CT_SNP_KEY_VCEK && sk != CT_SNP_KEY_VLEK)
		ct_snp_findings_add(f, "snp: signer info: signing key %u, want "
				    "0 (VCEK) or 1 (VLEK)", (unsigned)sk);
	if (leaf == NULL)
		ct_snp_findings_add(f, "snp: endorsement: no %s certificate "
				    "(give --vcek or a cert table)",
				    sk == CT_SNP_KEY_VLEK ? "VLEK" : "VCEK");
	else if (ct_ok(ct_snp_vcek_parse(&res->vcek, leaf)))
		res->have_vcek = true;
	else {
		ct_snp_findings_add(f, "snp: %s", ct_error_message());
		ct_error_clear();
	}

	enum ct_snp_product p = pick_product(opts, r, &res->vcek,
					     res->have_vcek);
	res->product = p;
	if (r->product == CT_SNP_PRODUCT_UNKNOWN && p != CT_SNP_PRODUCT_UNKNOWN &&
	    r->version < 3)
		ct_snp_report_set_product(r, p);
	if (r->version >= 3 && r->product != CT_SNP_PRODUCT_UNKNOWN &&
	    r->product != p)
		ct_snp_findings_add(f, "snp: product mismatch: report CPUID is "
				    "%s, want %s", ct_snp_product_name(r->product),
				    ct_snp_product_name(p));
	if (res->have_vcek && res->vcek.product != CT_SNP_PRODUCT_UNKNOWN &&
	    res->vcek.product != p)
		ct_snp_findings_add(f, "snp: product mismatch: certificate is "
				    "for %s (\"%s\"), want %s",
				    ct_snp_product_name(res->vcek.product),
				    res->vcek.product_name,
				    ct_snp_product_name(p));

	/* Simulated and real reference values need the matching root. */
	if (opts->refvals != NULL && opts->refvals->simulator &&
	    v->custom_root == NULL)
		ct_snp_findings_add(f, "snp: reference values are for the "
				    "Simulator, but no simulator root is "
				    "trusted");
	if (opts->refvals != NULL && !opts->refvals->simulator &&
	    v->custom_root != NULL)
		ct_snp_findings_add(f, "snp: reference values for %s require "
				    "AMD's root, but a custom root is trusted",
				    ct_snp_product_name(opts->refvals->product));

	size_t before = f->count;
	if (res->have_vcek) {
		struct ct_snp_chain_in in = {
			.product = p,
			.vlek = res->vcek.is_vlek,
			.leaf = leaf,
			.ask = ask,
			.ark = ark,
			.ark_source = opts->ark != NULL ? "supplied" : "cert table",
			.crl = opts->crl,
			.at = opts->at != 0 ? opts->at : time(NULL),
		};
		struct ct_snp_chain_out out;
		ct_result cr = ct_snp_chain_check(v, &in, &out, f);
		if (!ct_ok(cr)) {
			X509_free(t_leaf);
			X509_free(t_ask);
			X509_free(t_ark);
			return cr;
		}
		res->custom_root = out.custom_root;
		res->chain_cached = out.cached;
		check_signature(r, leaf, res->vcek.is_vlek ? "VLEK" : "VCEK", f);
		check_binding(r, &res->vcek, f);
	}
	crypto_failed = f->count > before || leaf == NULL || !res->have_vcek;

	struct ct_snp_refvals defaults;
	ct_snp_refvals_init(&defaults);
	const struct ct_snp_refvals *rv =
		opts->refvals != NULL ? opts->refvals : &defaults;
	check_policy(r, &rv->guest_policy, f);
	check_platform(r, &rv->platform_info, f);
	if (r->vmpl != rv->vmpl)
		ct_snp_findings_add(f, "snp: VMPL mismatch: got %u, want %u",
				    r->vmpl, rv->vmpl);
	if (opts->refvals != NULL)
		check_refvals(r, opts->refvals, f);
	if (opts->report_data != NULL &&
	    memcmp(r->report_data, opts->report_data, CT_SNP_REPORT_DATA_LEN) != 0) {
		char a[129], b[129];
		hex(a, r->report_data, CT_SNP_REPORT_DATA_LEN);
		hex(b, opts->report_data, CT_SNP_REPORT_DATA_LEN);
		ct_snp_findings_add(f, "snp: report data mismatch: got %s, "
				    "want %s", a, b);
	}
	if (opts->host_data != NULL &&
	    memcmp(r->host_data, opts->host_data, CT_SNP_HOST_DATA_LEN) != 0) {
		char a[65], b[65];
		hex(a, r->host_data, CT_SNP_HOST_DATA_LEN);
		hex(b, opts->host_data, CT_SNP_HOST_DATA_LEN);
		ct_snp_findings_add(f, "snp: host data mismatch: got %s, want "
				    "%s", a, b);
	}

	X509_free(t_leaf);
	X509_free(t_ask);
	X509_free(t_ark);
	if (f->count == 0)
		return CT_OK;
	size_t more = f->count - 1 + f->dropped;
	if (more > 0)
		return CT_FAIL(crypto_failed ? CT_ERR_CRYPTO : CT_ERR_POLICY,
			       "%s (and %zu more)", f->line[0], more);
	return CT_FAIL(crypto_failed ? CT_ERR_CRYPTO : CT_ERR_POLICY, "%s",
		       f->line[0]);
}

ct_result ct_snp_verify_any(struct ct_snp_verifier *v,
			    struct ct_snp_verify_result *res,
			    struct ct_span report,
			    const struct ct_snp_verify_opts *opts,
			    const struct ct_snp_refvals *entries, size_t count,
			    size_t *matched)
{
	CT_ENSURE(count > 0, CT_ERR_USAGE, "snp: no reference values");
	struct ct_snp_findings *all = ct_calloc(1, sizeof(*all));
	CT_ENSURE(all != NULL, CT_ERR_NOMEM, "snp: out of memory");
	ct_result r = CT_OK;
	bool crypto = false;
	for (size_t i = 0; i < count; i++) {
		struct ct_snp_verify_opts o = *opts;
		o.refvals = &entries[i];
		r = ct_snp_verify(v, res, report, &o);
		if (ct_ok(r)) {
			*matched = i;
			free(all);
			return r;
		}
		if (!res->parsed) {
			free(all);
			return r;
		}
		crypto = crypto || r.err == CT_ERR_CRYPTO;
		for (size_t k = 0; k < res->findings.count; k++) {
			if (count > 1)
				ct_snp_findings_add(all, "snp[%zu]: %s", i,
						    res->findings.line[k]);
			else
				ct_snp_findings_add(all, "%s",
						    res->findings.line[k]);
		}
		all->dropped += res->findings.dropped;
	}
	res->findings = *all;
	free(all);
	size_t more = res->findings.count - 1 + res->findings.dropped;
	if (more > 0)
		return CT_FAIL(crypto ? CT_ERR_CRYPTO : CT_ERR_POLICY,
			       "%s (and %zu more)", res->findings.line[0], more);
	return CT_FAIL(crypto ? CT_ERR_CRYPTO : CT_ERR_POLICY, "%s",
		       res->findings.line[0]);
}
