/*
 * snp_format.c - rendering a parsed SNP report as text or JSON.
 *
 * Trust boundary: the report is already parsed (bounded fields); nothing
 * here is a trust decision. Unknown and reserved bits are shown, not
 * hidden, so an operator can see what newer firmware sets.
 */
#include "attest/snp_verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static json_t *hexj(const uint8_t *b, size_t n)
{
	char s[2 * 128 + 1];
	if (n > 128)
		return json_null();
	ct_hex_format(s, b, n);
	return json_string(s);
}

static json_t *tcb_json(uint64_t raw, enum ct_snp_tcb_layout l)
{
	struct ct_snp_tcb t = ct_snp_tcb_decode(raw, l);
	char rawhex[19];
	snprintf(rawhex, sizeof(rawhex), "0x%016llx", (unsigned long long)raw);
	json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i}", "raw", rawhex,
			      "bootloader", t.bootloader, "tee", t.tee, "snp",
			      t.snp, "microcode", t.microcode);
	if (o != NULL && l == CT_SNP_TCB_LAYOUT_TURIN)
		json_object_set_new(o, "fmc", json_integer(t.fmc));
	return o;
}

static json_t *policy_json(uint64_t p)
{
	return json_pack(
		"{s:i, s:i, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b}",
		"ABIMajor", (int)((p >> 8) & 0xFF), "ABIMinor", (int)(p & 0xFF),
		"SMT", (p & CT_SNP_POLICY_SMT) != 0,
		"ReservedMustBeOne", (p & CT_SNP_POLICY_RESERVED_ONE) != 0,
		"MigrateMA", (p & CT_SNP_POLICY_MIGRATE_MA) != 0,
		"Debug", (p & CT_SNP_POLICY_DEBUG) != 0,
		"SingleSocket", (p & CT_SNP_POLICY_SINGLE_SOCKET) != 0,
		"CXLAllowed", (p & CT_SNP_POLICY_CXL_ALLOW) != 0,
		"MemAES256XTS", (p & CT_SNP_POLICY_MEM_AES_256_XTS) != 0,
		"RAPLDis", (p & CT_SNP_POLICY_RAPL_DIS) != 0,
		"CipherTextHidingDRAM", (p & CT_SNP_POLICY_CIPHERTEXT_HIDING) != 0,
		"PageSwapDisable", (p & CT_SNP_POLICY_PAGE_SWAP_DISABLE) != 0);
}

static json_t *platform_json(uint64_t p)
{
	return json_pack("{s:b, s:b, s:b, s:b, s:b, s:b, s:b}",
			 "SMTEnabled", (p & CT_SNP_PLATFORM_SMT_EN) != 0,
			 "TSMEEnabled", (p & CT_SNP_PLATFORM_TSME_EN) != 0,
			 "ECCEnabled", (p & CT_SNP_PLATFORM_ECC_EN) != 0,
			 "RAPLDisabled", (p & CT_SNP_PLATFORM_RAPL_DIS) != 0,
			 "CiphertextHidingDRAMEnabled",
			 (p & CT_SNP_PLATFORM_CIPHERTEXT_HIDING_EN) != 0,
			 "AliasCheckComplete",
			 (p & CT_SNP_PLATFORM_ALIAS_CHECK_COMPLETE) != 0,
			 "TIOEnabled", (p & CT_SNP_PLATFORM_TIO_EN) != 0);
}

static const char *signing_key_name(enum ct_snp_signing_key k)
{
	switch (k) {
	case CT_SNP_KEY_VCEK:
		return "VCEK";
	case CT_SNP_KEY_VLEK:
		return "VLEK";
	case CT_SNP_KEY_NONE:
		return "none";
	}
	return "reserved";
}

ct_result ct_snp_kds_vcek_url(struct ct_buf *out, const struct ct_snp_report *r)
{
	CT_ENSURE(r->product != CT_SNP_PRODUCT_UNKNOWN, CT_ERR_USAGE,
		  "snp: KDS URL: product unknown");
	bool turin = r->tcb_layout == CT_SNP_TCB_LAYOUT_TURIN;
	size_t idlen = turin ? CT_SNP_TURIN_HWID_LEN : CT_SNP_CHIP_ID_LEN;
	CT_ENSURE(!ct_span_is_zero(ct_span_make(r->chip_id, CT_SNP_CHIP_ID_LEN)),
		  CT_ERR_USAGE, "snp: KDS URL: CHIP_ID is masked");
	struct ct_snp_tcb t = ct_snp_tcb_decode(r->reported_tcb, r->tcb_layout);
	CT_GUARD(ct_buf_printf(out, "https://kdsintf.amd.com/vcek/v1/%s/",
			       ct_snp_product_name(r->product)));
	CT_GUARD(ct_hex_encode(out, ct_span_make(r->chip_id, idlen)));
	if (turin)
		CT_GUARD(ct_buf_printf(out, "?fmcSPL=%u&blSPL=%u", t.fmc, t.bootloader));
	else
		CT_GUARD(ct_buf_printf(out, "?blSPL=%u", t.bootloader));
	return ct_buf_printf(out, "&teeSPL=%u&snpSPL=%u&ucodeSPL=%u", t.tee,
			     t.snp, t.microcode);
}

static void set_kds_url(json_t *o, const struct ct_snp_report *r)
{
	struct ct_buf u;
	ct_buf_init(&u, 512);
	if (ct_ok(ct_snp_kds_vcek_url(&u, r)))
		json_object_set_new(o, "kds_vcek_url", json_string(ct_buf_cstr(&u)));
	else
		ct_error_clear();
	ct_buf_dispose(&u);
}

static json_t *report_json(const struct ct_snp_report *r)
{
	char buf[64];
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	enum ct_snp_tcb_layout l = r->tcb_layout;
	json_object_set_new(o, "version", json_integer(r->version));
	json_object_set_new(o, "guest_svn", json_integer(r->guest_svn));
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)r->policy);
	json_object_set_new(o, "policy", json_string(buf));
	json_object_set_new(o, "policy_decoded", policy_json(r->policy));
	json_object_set_new(o, "family_id", hexj(r->family_id, 16));
	json_object_set_new(o, "image_id", hexj(r->image_id, 16));
	json_object_set_new(o, "vmpl", json_integer(r->vmpl));
	json_object_set_new(o, "signature_algo", json_integer(r->signature_algo));
	json_object_set_new(o, "current_tcb", tcb_json(r->current_tcb, l));
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)r->platform_info);
	json_object_set_new(o, "platform_info", json_string(buf));
	json_object_set_new(o, "platform_info_decoded",
			    platform_json(r->platform_info));
	snprintf(buf, sizeof(buf), "0x%x", r->signer_info);
	json_object_set_new(o, "signer_info", json_string(buf));
	json_object_set_new(o, "author_key_en",
			    json_boolean(r->signer_info & CT_SNP_SIGNER_AUTHOR_KEY_EN));
	json_object_set_new(o, "mask_chip_key",
			    json_boolean(r->signer_info & CT_SNP_SIGNER_MASK_CHIP_KEY));
	json_object_set_new(o, "signing_key",
			    json_string(signing_key_name(ct_snp_report_signing_key(r))));
	json_object_set_new(o, "report_data", hexj(r->report_data, 64));
	json_object_set_new(o, "measurement", hexj(r->measurement, 48));
	json_object_set_new(o, "host_data", hexj(r->host_data, 32));
	json_object_set_new(o, "id_key_digest", hexj(r->id_key_digest, 48));
	json_object_set_new(o, "author_key_digest", hexj(r->author_key_digest, 48));
	json_object_set_new(o, "report_id", hexj(r->report_id, 32));
	json_object_set_new(o, "report_id_ma", hexj(r->report_id_ma, 32));
	json_object_set_new(o, "reported_tcb", tcb_json(r->reported_tcb, l));
	if (r->version >= 3) {
		json_object_set_new(o, "cpuid_fam_id", json_integer(r->cpuid_fam_id));
		json_object_set_new(o, "cpuid_mod_id", json_integer(r->cpuid_mod_id));
		json_object_set_new(o, "cpuid_step", json_integer(r->cpuid_step));
	}
	json_object_set_new(o, "chip_id", hexj(r->chip_id, 64));
	json_object_set_new(o, "committed_tcb", tcb_json(r->committed_tcb, l));
	snprintf(buf, sizeof(buf), "%u.%u.%u", r->current_major,
		 r->current_minor, r->current_build);
	json_object_set_new(o, "current_version", json_string(buf));
	snprintf(buf, sizeof(buf), "%u.%u.%u", r->committed_major,
		 r->committed_minor, r->committed_build);
	json_object_set_new(o, "committed_version", json_string(buf));
	json_object_set_new(o, "launch_tcb", tcb_json(r->launch_tcb, l));
	if (r->version >= 5) {
		snprintf(buf, sizeof(buf), "0x%llx",
			 (unsigned long long)r->launch_mit_vector);
		json_object_set_new(o, "launch_mit_vector", json_string(buf));
		snprintf(buf, sizeof(buf), "0x%llx",
			 (unsigned long long)r->current_mit_vector);
		json_object_set_new(o, "current_mit_vector", json_string(buf));
	}
	json_object_set_new(o, "signature_r", hexj(r->sig_r, 72));
	json_object_set_new(o, "signature_s", hexj(r->sig_s, 72));
	json_object_set_new(o, "product", json_string(ct_snp_product_name(r->product)));
	json_object_set_new(o, "tcb_layout",
			    json_string(l == CT_SNP_TCB_LAYOUT_TURIN ? "turin" : "legacy"));
	set_kds_url(o, r);
	json_t *rsv = json_array();
	for (unsigned bit = 0; bit < 32; bit++)
		if (r->reserved_nonzero & (1u << bit))
			json_array_append_new(rsv, json_string(ct_snp_reserved_name(
						       (enum ct_snp_reserved)(1u << bit))));
	json_object_set_new(o, "reserved_nonzero", rsv);
	return o;
}

ct_result ct_snp_report_format_json(struct ct_buf *out,
				    const struct ct_snp_report *r)
{
	json_t *o = report_json(r);
	CT_ENSURE(o != NULL, CT_ERR_NOMEM, "snp: out of memory");
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	CT_ENSURE(s != NULL, CT_ERR_NOMEM, "snp: out of memory");
	ct_result res = ct_buf_append_str(out, s);
	free(s);
	if (ct_ok(res))
		res = ct_buf_append_byte(out, '\n');
	return res;
}

static ct_result text_tcb(struct ct_buf *out, const char *name, uint64_t raw,
			  enum ct_snp_tcb_layout l)
{
	struct ct_snp_tcb t = ct_snp_tcb_decode(raw, l);
	if (l == CT_SNP_TCB_LAYOUT_TURIN)
		return ct_buf_printf(out, "%-20s 0x%016llx (fmc=%u bl=%u tee=%u snp=%u ucode=%u)\n",
				     name, (unsigned long long)raw, t.fmc,
				     t.bootloader, t.tee, t.snp, t.microcode);
	return ct_buf_printf(out, "%-20s 0x%016llx (bl=%u tee=%u snp=%u ucode=%u)\n",
			     name, (unsigned long long)raw, t.bootloader,
			     t.tee, t.snp, t.microcode);
}

static ct_result text_hex(struct ct_buf *out, const char *name,
			  const uint8_t *b, size_t n)
{
	CT_GUARD(ct_buf_printf(out, "%-20s ", name));
	CT_GUARD(ct_hex_encode(out, ct_span_make(b, n)));
	return ct_buf_append_byte(out, '\n');
}

static ct_result text_flags(struct ct_buf *out, json_t *decoded)
{
	const char *key;
	json_t *v;
	const char *sep = " [";
	json_object_foreach(decoded, key, v) {
		if (json_is_true(v)) {
			CT_GUARD(ct_buf_printf(out, "%s%s", sep, key));
			sep = " ";
		}
	}
	return ct_buf_append_str(out, sep[0] == ' ' && sep[1] == '[' ? "\n" : "]\n");
}

ct_result ct_snp_report_format_text(struct ct_buf *out,
				    const struct ct_snp_report *r)
{
	enum ct_snp_tcb_layout l = r->tcb_layout;
	CT_GUARD(ct_buf_printf(out, "%-20s %u\n", "version", r->version));
	CT_GUARD(ct_buf_printf(out, "%-20s %s (%s TCB layout)\n", "product",
			       ct_snp_product_name(r->product),
			       l == CT_SNP_TCB_LAYOUT_TURIN ? "Turin" : "Milan/Genoa"));
	CT_GUARD(ct_buf_printf(out, "%-20s %u\n", "guest_svn", r->guest_svn));
	CT_GUARD(ct_buf_printf(out, "%-20s 0x%llx ABI %u.%u", "policy",
			       (unsigned long long)r->policy,
			       (unsigned)((r->policy >> 8) & 0xFF),
			       (unsigned)(r->policy & 0xFF)));
	json_t *pj = policy_json(r->policy);
	ct_result res = text_flags(out, pj);
	json_decref(pj);
	CT_GUARD(res);
	CT_GUARD(text_hex(out, "family_id", r->family_id, 16));
	CT_GUARD(text_hex(out, "image_id", r->image_id, 16));
	CT_GUARD(ct_buf_printf(out, "%-20s %u\n", "vmpl", r->vmpl));
	CT_GUARD(ct_buf_printf(out, "%-20s %u\n", "signature_algo",
			       r->signature_algo));
	CT_GUARD(text_tcb(out, "current_tcb", r->current_tcb, l));
	CT_GUARD(ct_buf_printf(out, "%-20s 0x%llx", "platform_info",
			       (unsigned long long)r->platform_info));
	json_t *pl = platform_json(r->platform_info);
	res = text_flags(out, pl);
	json_decref(pl);
	CT_GUARD(res);
	CT_GUARD(ct_buf_printf(out, "%-20s 0x%x (signing key %s%s%s)\n",
			       "signer_info", r->signer_info,
			       signing_key_name(ct_snp_report_signing_key(r)),
			       r->signer_info & CT_SNP_SIGNER_AUTHOR_KEY_EN ? ", author key" : "",
			       r->signer_info & CT_SNP_SIGNER_MASK_CHIP_KEY ? ", chip key masked" : ""));
	CT_GUARD(text_hex(out, "report_data", r->report_data, 64));
	CT_GUARD(text_hex(out, "measurement", r->measurement, 48));
	CT_GUARD(text_hex(out, "host_data", r->host_data, 32));
	CT_GUARD(text_hex(out, "id_key_digest", r->id_key_digest, 48));
	CT_GUARD(text_hex(out, "author_key_digest", r->author_key_digest, 48));
	CT_GUARD(text_hex(out, "report_id", r->report_id, 32));
	CT_GUARD(text_hex(out, "report_id_ma", r->report_id_ma, 32));
	CT_GUARD(text_tcb(out, "reported_tcb", r->reported_tcb, l));
	if (r->version >= 3)
		CT_GUARD(ct_buf_printf(out, "%-20s family 0x%02x model 0x%02x stepping %u\n",
				       "cpuid", r->cpuid_fam_id, r->cpuid_mod_id,
				       r->cpuid_step));
	CT_GUARD(text_hex(out, "chip_id", r->chip_id, 64));
	CT_GUARD(text_tcb(out, "committed_tcb", r->committed_tcb, l));
	CT_GUARD(ct_buf_printf(out, "%-20s %u.%u.%u\n", "current_version",
			       r->current_major, r->current_minor,
			       r->current_build));
	CT_GUARD(ct_buf_printf(out, "%-20s %u.%u.%u\n", "committed_version",
			       r->committed_major, r->committed_minor,
			       r->committed_build));
	CT_GUARD(text_tcb(out, "launch_tcb", r->launch_tcb, l));
	if (r->version >= 5) {
		CT_GUARD(ct_buf_printf(out, "%-20s 0x%llx\n", "launch_mit_vector",
				       (unsigned long long)r->launch_mit_vector));
		CT_GUARD(ct_buf_printf(out, "%-20s 0x%llx\n", "current_mit_vector",
				       (unsigned long long)r->current_mit_vector));
	}
	CT_GUARD(text_hex(out, "signature_r", r->sig_r, 72));
	CT_GUARD(text_hex(out, "signature_s", r->sig_s, 72));
	struct ct_buf u;
	ct_buf_init(&u, 512);
	if (ct_ok(ct_snp_kds_vcek_url(&u, r)))
		res = ct_buf_printf(out, "%-20s %s\n", "kds_vcek_url", ct_buf_cstr(&u));
	else
		ct_error_clear();
	ct_buf_dispose(&u);
	CT_GUARD(res);
	for (unsigned bit = 0; bit < 32; bit++)
		if (r->reserved_nonzero & (1u << bit))
			CT_GUARD(ct_buf_printf(out, "%-20s non-zero %s\n", "warning",
					       ct_snp_reserved_name((enum ct_snp_reserved)(1u << bit))));
	return CT_OK;
}
