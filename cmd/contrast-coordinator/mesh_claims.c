/*
 * mesh_claims.c - the attestation claims a mesh certificate carries
 * (DESIGN.md §4.4, reference/contrast.md §7): every field of the client's
 * validated SEV-SNP report as an X.509 extension 1.3.9901.2.1.<n>, so a
 * peer can read from the certificate what its holder proved, plus the
 * workload secret id under 1.3.9901.3.1.
 *
 * Trust boundary: the report handed in has already been verified by the
 * aTLS validator (chain, signature, REPORT_DATA, reference values); this
 * file only re-parses it with the bounded parser and encodes values.
 * Encodings: integers as DER INTEGER, flags as DER BOOLEAN, byte strings
 * as DER OCTET STRING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>

#include "attest/snp.h"
#include "mesh_api.h"

struct claims_builder {
	struct mesh_claims *out;
	ct_result res;
};

static void add_der(struct claims_builder *b, unsigned n, const uint8_t *der,
		    int len)
{
	if (!ct_ok(b->res))
		return;
	if (len <= 0 || (size_t)len > MESH_CLAIM_DER_MAX ||
	    b->out->n >= MESH_CLAIMS_MAX) {
		b->res = CT_FAIL(CT_ERR_INTERNAL,
				 "mesh: claim %u does not fit (%d bytes)", n, len);
		return;
	}
	struct mesh_claim *c = &b->out->items[b->out->n++];
	snprintf(c->oid, sizeof(c->oid), "%s.%u", MESH_OID_SNP_CLAIMS, n);
	memcpy(c->der, der, (size_t)len);
	c->der_len = (size_t)len;
}

static void add_uint(struct claims_builder *b, unsigned n, uint64_t v)
{
	ASN1_INTEGER *i = ASN1_INTEGER_new();
	unsigned char *der = NULL;
	int len = -1;
	if (i != NULL && ASN1_INTEGER_set_uint64(i, v) == 1)
		len = i2d_ASN1_INTEGER(i, &der);
	add_der(b, n, der, len);
	OPENSSL_free(der);
	ASN1_INTEGER_free(i);
}

static void add_bool(struct claims_builder *b, unsigned n, bool v)
{
	/* BOOLEAN: tag 1, length 1, 0xff for true (DER). */
	const uint8_t der[3] = { 0x01, 0x01, v ? 0xff : 0x00 };
	add_der(b, n, der, 3);
}

/* DER OCTET STRING of p; *der is OPENSSL_free'd by the caller. -1 on failure. */
static int octets_der(const uint8_t *p, size_t len, unsigned char **der)
{
	ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
	int dlen = -1;
	*der = NULL;
	if (s != NULL && len <= (size_t)INT32_MAX &&
	    ASN1_OCTET_STRING_set(s, p, (int)len) == 1)
		dlen = i2d_ASN1_OCTET_STRING(s, der);
	ASN1_OCTET_STRING_free(s);
	return dlen;
}

static void add_bytes(struct claims_builder *b, unsigned n, const uint8_t *p,
		      size_t len)
{
	unsigned char *der;
	int dlen = octets_der(p, len, &der);
	add_der(b, n, der, dlen);
	OPENSSL_free(der);
}

/* Four TCB claims in contrast.md's order: bootloader, SNP, TEE, microcode. */
static void add_tcb(struct claims_builder *b, unsigned first, uint64_t raw,
		    enum ct_snp_tcb_layout layout)
{
	struct ct_snp_tcb t = ct_snp_tcb_decode(raw, layout);
	add_uint(b, first, t.bootloader);
	add_uint(b, first + 1, t.snp);
	add_uint(b, first + 2, t.tee);
	add_uint(b, first + 3, t.microcode);
}

CT_RESULT mesh_claims_build(struct ct_span report, const char *secret_id,
			    struct mesh_claims *out)
{
	struct ct_snp_report *r = ct_calloc(1, sizeof(*r));
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "mesh: out of memory");
	ct_result res = ct_snp_report_parse(r, report);
	if (!ct_ok(res)) {
		free(r);
		return res;
	}
	struct claims_builder b = { out, CT_OK };
	out->n = 0;
	enum ct_snp_tcb_layout l = r->tcb_layout;
	add_uint(&b, 1, r->version);
	add_uint(&b, 2, r->guest_svn);
	add_uint(&b, 3, (r->policy >> 8) & 0xff);
	add_uint(&b, 4, r->policy & 0xff);
	add_bool(&b, 5, (r->policy & CT_SNP_POLICY_DEBUG) != 0);
	add_bool(&b, 6, (r->policy & CT_SNP_POLICY_MIGRATE_MA) != 0);
	add_bool(&b, 7, (r->policy & CT_SNP_POLICY_SMT) != 0);
	add_bool(&b, 8, (r->policy & CT_SNP_POLICY_SINGLE_SOCKET) != 0);
	add_bytes(&b, 9, r->family_id, sizeof(r->family_id));
	add_bytes(&b, 10, r->image_id, sizeof(r->image_id));
	add_uint(&b, 11, r->vmpl);
	add_tcb(&b, 12, r->current_tcb, l);
	add_bool(&b, 16, (r->platform_info & CT_SNP_PLATFORM_SMT_EN) != 0);
	add_bool(&b, 17, (r->platform_info & CT_SNP_PLATFORM_TSME_EN) != 0);
	add_uint(&b, 18, (r->signer_info >> 2) & 0x7);   /* signing key */
	add_bool(&b, 19, (r->signer_info & 0x2) != 0);   /* mask chip key */
	add_bool(&b, 20, (r->signer_info & 0x1) != 0);   /* author key en */
	add_bytes(&b, 21, r->report_data, sizeof(r->report_data));
	add_bytes(&b, 22, r->measurement, sizeof(r->measurement));
	add_bytes(&b, 23, r->host_data, sizeof(r->host_data));
	add_bytes(&b, 24, r->id_key_digest, sizeof(r->id_key_digest));
	add_bytes(&b, 25, r->author_key_digest, sizeof(r->author_key_digest));
	add_bytes(&b, 26, r->report_id, sizeof(r->report_id));
	add_bytes(&b, 27, r->report_id_ma, sizeof(r->report_id_ma));
	add_tcb(&b, 28, r->reported_tcb, l);
	add_bytes(&b, 32, r->chip_id, sizeof(r->chip_id));
	add_tcb(&b, 33, r->committed_tcb, l);
	add_uint(&b, 37, r->current_build);
	add_uint(&b, 38, r->current_minor);
	add_uint(&b, 39, r->current_major);
	add_uint(&b, 40, r->committed_build);
	add_uint(&b, 41, r->committed_minor);
	add_uint(&b, 42, r->committed_major);
	add_tcb(&b, 43, r->launch_tcb, l);
	free(r);
	CT_GUARD(b.res);
	if (secret_id != NULL && secret_id[0] != '\0') {
		size_t len = strlen(secret_id);
		CT_ENSURE(len <= MESH_SECRET_ID_MAX, CT_ERR_USAGE,
			  "mesh: workload secret id longer than %u bytes",
			  MESH_SECRET_ID_MAX);
		unsigned char *der;
		int dlen = octets_der((const uint8_t *)secret_id, len, &der);
		if (dlen <= 0) {
			OPENSSL_free(der);
			CT_BAIL(CT_ERR_NOMEM, "mesh: cannot encode the secret id");
		}
		out->secret_id_der = der;
		out->secret_id_der_len = (size_t)dlen;
	}
	return CT_OK;
}

void mesh_claims_dispose(struct mesh_claims *c)
{
	OPENSSL_free(c->secret_id_der);
	c->secret_id_der = NULL;
	c->secret_id_der_len = 0;
	c->n = 0;
}
