/*
 * snp_vcek.c - decoding the AMD KDS extensions of a VCEK or VLEK.
 *
 * Trust boundary: the certificate may come from the host's cert table or
 * a file. Its extensions are only trusted after the chain to a pinned ARK
 * has been checked, but they are decoded first (the product name picks
 * the root), so the decoder is strict: each value must be exactly one DER
 * INTEGER / IA5String (hwID: raw bytes, or an OCTET STRING as some tools
 * write it), no duplicates, no unknown 3704 OIDs, SPLs within 0..255.
 */
#include "attest/snp_verify.h"

#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#define AMD_OID_PREFIX "1.3.6.1.4.1.3704.1."

enum vcek_ext {
	EXT_STRUCT_VERSION,
	EXT_PRODUCT_NAME,
	EXT_BL,
	EXT_TEE,
	EXT_SNP,
	EXT_SPL4,
	EXT_SPL5,
	EXT_SPL6,
	EXT_SPL7,
	EXT_UCODE,
	EXT_FMC,
	EXT_HWID,
	EXT_CSP_ID,
	EXT__COUNT
};

static const char *const ext_suffix[EXT__COUNT] = {
	"1", "2", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8",
	"3.9", "4", "5",
};

static ct_result decode_int(const ASN1_OCTET_STRING *v, const char *oid,
			    long *out)
{
	const unsigned char *p = ASN1_STRING_get0_data(v);
	int len = ASN1_STRING_length(v);
	const unsigned char *start = p;
	ASN1_INTEGER *i = d2i_ASN1_INTEGER(NULL, &p, len);
	int64_t val = 0;
	bool ok = i != NULL && p == start + len &&
		  ASN1_INTEGER_get_int64(&val, i) == 1;
	ASN1_INTEGER_free(i);
	ERR_clear_error();
	CT_ENSURE(ok, CT_ERR_PROTO,
		  "vcek: extension %s%s: not a DER INTEGER", AMD_OID_PREFIX,
		  oid);
	*out = (long)val;
	return CT_OK;
}

static ct_result decode_ia5(const ASN1_OCTET_STRING *v, const char *oid,
			    char *out, size_t max)
{
	const unsigned char *p = ASN1_STRING_get0_data(v);
	int len = ASN1_STRING_length(v);
	const unsigned char *start = p;
	ASN1_IA5STRING *s = d2i_ASN1_IA5STRING(NULL, &p, len);
	bool ok = s != NULL && p == start + len &&
		  (size_t)ASN1_STRING_length(s) < max;
	if (ok) {
		size_t n = (size_t)ASN1_STRING_length(s);
		memcpy(out, ASN1_STRING_get0_data(s), n);
		out[n] = '\0';
		/* Printable ASCII only: the name ends up in messages. */
		for (size_t k = 0; k < n; k++)
			if (out[k] < 0x20 || out[k] > 0x7e)
				ok = false;
	}
	ASN1_IA5STRING_free(s);
	ERR_clear_error();
	CT_ENSURE(ok, CT_ERR_PROTO,
		  "vcek: extension %s%s: not a printable DER IA5String",
		  AMD_OID_PREFIX, oid);
	return CT_OK;
}

static ct_result decode_hwid(const ASN1_OCTET_STRING *v,
			     struct ct_snp_vcek_info *info)
{
	const uint8_t *p = ASN1_STRING_get0_data(v);
	size_t len = (size_t)ASN1_STRING_length(v);
	/* AMD writes the raw bytes; accept an inner OCTET STRING too. */
	if (len == 2 + 64 && p[0] == 0x04 && p[1] == 64) {
		p += 2;
		len -= 2;
	} else if (len == 2 + 8 && p[0] == 0x04 && p[1] == 8) {
		p += 2;
		len -= 2;
	}
	CT_ENSURE(len == CT_SNP_CHIP_ID_LEN || len == CT_SNP_TURIN_HWID_LEN,
		  CT_ERR_PROTO, "vcek: hwID is %zu bytes, want 64 (or 8 on "
		  "Turin)", len);
	memcpy(info->hwid, p, len);
	info->hwid_len = len;
	return CT_OK;
}

ct_result ct_snp_vcek_parse(struct ct_snp_vcek_info *out, X509 *cert)
{
	struct ct_snp_vcek_info info;
	bool seen[EXT__COUNT] = { false };
	long spl[EXT__COUNT] = { 0 };
	memset(&info, 0, sizeof(info));

	int n = X509_get_ext_count(cert);
	for (int i = 0; i < n; i++) {
		X509_EXTENSION *ext = X509_get_ext(cert, i);
		char oid[80];
		if (OBJ_obj2txt(oid, sizeof(oid), X509_EXTENSION_get_object(ext),
				1) <= 0)
			continue;
		if (strncmp(oid, AMD_OID_PREFIX, strlen(AMD_OID_PREFIX)) != 0)
			continue;
		const char *suffix = oid + strlen(AMD_OID_PREFIX);
		int which = -1;
		for (int k = 0; k < EXT__COUNT; k++)
			if (strcmp(suffix, ext_suffix[k]) == 0)
				which = k;
		CT_ENSURE(which >= 0, CT_ERR_PROTO,
			  "vcek: unknown AMD extension %.79s", oid);
		CT_ENSURE(!seen[which], CT_ERR_PROTO,
			  "vcek: duplicate extension %.79s", oid);
		seen[which] = true;
		const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(ext);
		switch (which) {
		case EXT_PRODUCT_NAME:
			CT_GUARD(decode_ia5(v, suffix, info.product_name,
					    sizeof(info.product_name)));
			break;
		case EXT_CSP_ID:
			CT_GUARD(decode_ia5(v, suffix, info.csp_id,
					    sizeof(info.csp_id)));
			break;
		case EXT_HWID:
			CT_GUARD(decode_hwid(v, &info));
			break;
		default:
			CT_GUARD(decode_int(v, suffix, &spl[which]));
			if (which != EXT_STRUCT_VERSION)
				CT_ENSURE(spl[which] >= 0 && spl[which] <= 255,
					  CT_ERR_PROTO,
					  "vcek: extension %.79s: SPL %ld out "
					  "of range 0..255", oid, spl[which]);
			break;
		}
	}

	CT_ENSURE(seen[EXT_PRODUCT_NAME], CT_ERR_PROTO,
		  "vcek: productName extension (%s2) missing", AMD_OID_PREFIX);
	static const int required[] = { EXT_BL, EXT_TEE, EXT_SNP, EXT_UCODE };
	for (size_t k = 0; k < sizeof(required) / sizeof(required[0]); k++)
		CT_ENSURE(seen[required[k]], CT_ERR_PROTO,
			  "vcek: SPL extension %s%s missing", AMD_OID_PREFIX,
			  ext_suffix[required[k]]);
	CT_ENSURE(seen[EXT_HWID] != seen[EXT_CSP_ID], CT_ERR_PROTO,
		  "vcek: certificate must have exactly one of hwID (VCEK) and "
		  "csp_id (VLEK), has %s",
		  seen[EXT_HWID] ? "both" : "neither");

	info.is_vlek = seen[EXT_CSP_ID];
	info.struct_version = seen[EXT_STRUCT_VERSION] ? spl[EXT_STRUCT_VERSION] : 0;
	info.tcb.bootloader = (uint8_t)spl[EXT_BL];
	info.tcb.tee = (uint8_t)spl[EXT_TEE];
	info.tcb.snp = (uint8_t)spl[EXT_SNP];
	info.tcb.microcode = (uint8_t)spl[EXT_UCODE];
	info.has_fmc = seen[EXT_FMC];
	info.tcb.fmc = (uint8_t)spl[EXT_FMC];
	if (!ct_ok(ct_snp_product_parse(info.product_name, &info.product))) {
		/* An unknown name is not fatal here: the caller decides. */
		ct_error_clear();
		info.product = CT_SNP_PRODUCT_UNKNOWN;
	}
	*out = info;
	return CT_OK;
}
