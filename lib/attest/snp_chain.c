/*
 * snp_chain.c - the AMD certificate chain: ARK -> ASK/ASVK -> VCEK/VLEK.
 *
 * Trust boundary: the only trust anchors are the ARKs embedded in
 * amd_roots.c (pinned per product) or a root the caller explicitly trusts
 * (the simulator's ARK). Certificates from the host's cert table or from
 * files are untrusted: an ARK among them must be byte-identical to the
 * trusted root, and every link is checked by signature (RSA-PSS parameters
 * come from the certificates), issuer/subject names, validity at the
 * verification time, and AMD's naming (SEV-<Product>, SEV-VLEK-<Product>)
 * so that an intermediate from another product line is refused.
 *
 * A verifier caches successful chains by (leaf, intermediate, root) digest
 * with their common validity window, so verifying many reports from one
 * chip costs one ECDSA check each (see bench/attest).
 */
#include "attest/snp_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "crypto/crypto.h"

static int product_index(enum ct_snp_product p)
{
	switch (p) {
	case CT_SNP_PRODUCT_MILAN:
		return 0;
	case CT_SNP_PRODUCT_GENOA:
		return 1;
	case CT_SNP_PRODUCT_TURIN:
		return 2;
	case CT_SNP_PRODUCT_UNKNOWN:
		break;
	}
	return -1;
}

static ct_result pem_cert(X509 **out, const char *pem)
{
	return ct_x509_parse(out, ct_span_str(pem));
}

ct_result ct_snp_verifier_new(struct ct_snp_verifier **out)
{
	struct ct_snp_verifier *v = ct_calloc(1, sizeof(*v));
	CT_ENSURE(v != NULL, CT_ERR_NOMEM, "snp: out of memory");
	for (size_t i = 0; i < CT_SNP_AMD_ROOT_COUNT; i++) {
		const struct ct_snp_amd_root *r = &ct_snp_amd_roots[i];
		int k = product_index(r->product);
		ct_result res = pem_cert(&v->ark[k], r->ark_pem);
		if (ct_ok(res))
			res = pem_cert(&v->ask[k], r->ask_pem);
		if (ct_ok(res))
			res = pem_cert(&v->asvk[k], r->asvk_pem);
		if (!ct_ok(res)) {
			ct_snp_verifier_free(v);
			return ct_error_prefix("snp: embedded AMD roots");
		}
	}
	*out = v;
	return CT_OK;
}

static void cache_clear(struct ct_snp_verifier *v)
{
	memset(v->cache, 0, sizeof(v->cache));
	v->next = 0;
}

void ct_snp_verifier_free(struct ct_snp_verifier *v)
{
	if (v == NULL)
		return;
	for (int k = 0; k < 3; k++) {
		X509_free(v->ark[k]);
		X509_free(v->ask[k]);
		X509_free(v->asvk[k]);
	}
	X509_free(v->custom_root);
	cache_clear(v);
	free(v);
}

X509 *ct_snp_verifier_amd_ark(struct ct_snp_verifier *v, enum ct_snp_product p)
{
	int k = product_index(p);
	return k < 0 ? NULL : v->ark[k];
}

ct_result ct_snp_verifier_set_custom_root(struct ct_snp_verifier *v, X509 *ark)
{
	CT_ENSURE(ark != NULL, CT_ERR_USAGE, "snp: custom root missing");
	for (int k = 0; k < 3; k++)
		if (ct_x509_equal(ark, v->ark[k]))
			return CT_OK; /* AMD's own root: nothing changes */
	CT_ENSURE(X509_up_ref(ark) == 1, CT_ERR_INTERNAL, "snp: X509_up_ref");
	X509_free(v->custom_root);
	v->custom_root = ark;
	cache_clear(v);
	return CT_OK;
}

/* "CN" of a name into buf ("?" when absent). */
static const char *cn_of(const X509_NAME *name, char *buf, size_t len)
{
	int n = X509_NAME_get_text_by_NID((X509_NAME *)name, NID_commonName,
					  buf, (int)len);
	if (n < 0)
		snprintf(buf, len, "?");
	return buf;
}

static const char *subject_cn(X509 *c, char *buf, size_t len)
{
	return cn_of(X509_get_subject_name(c), buf, len);
}

/* One link: `child` issued by `parent` at time `at`. */
static bool check_link(struct ct_snp_findings *f, const char *what, X509 *child,
		       X509 *parent, time_t at)
{
	bool ok = true;
	char ccn[128], pcn[128], t1[21], t2[21], tat[21];
	subject_cn(child, ccn, sizeof(ccn));
	subject_cn(parent, pcn, sizeof(pcn));
	if (X509_NAME_cmp(X509_get_issuer_name(child),
			  X509_get_subject_name(parent)) != 0) {
		char icn[128];
		cn_of(X509_get_issuer_name(child), icn, sizeof(icn));
		ct_snp_findings_add(f, "snp: chain: %s issuer mismatch: got "
				    "CN=%s, want CN=%s", what, icn, pcn);
		ok = false;
	}
	EVP_PKEY *pk = X509_get0_pubkey(parent);
	if (pk == NULL || X509_verify(child, pk) != 1) {
		ct_snp_findings_add(f, "snp: chain: %s signature invalid: %s "
				    "is not signed by %s", what, ccn, pcn);
		ok = false;
	}
	ERR_clear_error();
	time_t nb, na;
	if (!ct_ok(ct_x509_validity(child, &nb, &na))) {
		ct_snp_findings_add(f, "snp: chain: %s validity unreadable",
				    what);
		ct_error_clear();
		return false;
	}
	if (at < nb || at > na) {
		ct_time_format_rfc3339(t1, nb);
		ct_time_format_rfc3339(t2, na);
		ct_time_format_rfc3339(tat, at);
		ct_snp_findings_add(f, "snp: chain: %s (%s) not valid at %s: "
				    "valid %s to %s", what, ccn, tat, t1, t2);
		ok = false;
	}
	return ok;
}

static void window(X509 *c, time_t *lo, time_t *hi)
{
	time_t nb, na;
	if (!ct_ok(ct_x509_validity(c, &nb, &na))) {
		ct_error_clear();
		return;
	}
	if (nb > *lo)
		*lo = nb;
	if (na < *hi)
		*hi = na;
}

/* An ASN1_TIME as seconds since the epoch. */
static bool asn1_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;
	if (ASN1_TIME_to_tm(t, &tm) != 1) {
		ERR_clear_error();
		return false;
	}
	*out = timegm(&tm);
	return true;
}

static bool check_crl(struct ct_snp_findings *f, X509_CRL *crl, X509 *root,
		      X509 *ask, time_t at)
{
	char tat[21];
	ct_time_format_rfc3339(tat, at);
	if (X509_CRL_verify(crl, X509_get0_pubkey(root)) != 1) {
		ERR_clear_error();
		ct_snp_findings_add(f, "snp: crl: signature invalid: the CRL "
				    "is not signed by the ARK");
		return false;
	}
	/* thisUpdate after `at`: not issued yet; nextUpdate before: stale. */
	const ASN1_TIME *last = X509_CRL_get0_lastUpdate(crl);
	const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
	time_t tl, tn;
	if (last == NULL || !asn1_time(last, &tl)) {
		ct_snp_findings_add(f, "snp: crl: thisUpdate unreadable");
		return false;
	}
	if (tl > at) {
		char t1[21];
		ct_time_format_rfc3339(t1, tl);
		ct_snp_findings_add(f, "snp: crl: not yet valid: thisUpdate "
				    "%s, want at or before %s", t1, tat);
		return false;
	}
	if (next != NULL && (!asn1_time(next, &tn) || tn < at)) {
		char t2[21] = "unreadable";
		if (asn1_time(next, &tn))
			ct_time_format_rfc3339(t2, tn);
		ct_snp_findings_add(f, "snp: crl: expired: nextUpdate %s, "
				    "want at or after %s", t2, tat);
		return false;
	}
	X509_REVOKED *rev = NULL;
	if (X509_CRL_get0_by_cert(crl, &rev, ask) == 1) {
		char cn[128];
		ct_snp_findings_add(f, "snp: crl: %s is revoked",
				    subject_cn(ask, cn, sizeof(cn)));
		return false;
	}
	return true;
}

ct_result ct_snp_chain_check(struct ct_snp_verifier *v,
			     const struct ct_snp_chain_in *in,
			     struct ct_snp_chain_out *out,
			     struct ct_snp_findings *f)
{
	memset(out, 0, sizeof(*out));
	int k = product_index(in->product);
	X509 *root = v->custom_root;
	out->custom_root = root != NULL;
	if (root == NULL) {
		if (k < 0) {
			ct_snp_findings_add(f, "snp: chain: product unknown: "
					    "cannot pick an AMD root (use "
					    "--product)");
			return CT_OK;
		}
		root = v->ark[k];
	}
	/* An ARK from the caller or the cert table must be the trusted one. */
	if (in->ark != NULL && !ct_x509_equal(in->ark, root)) {
		char cn[128];
		ct_snp_findings_add(f, "snp: chain: %s ARK (CN=%s) is not the "
				    "trusted %s root", in->ark_source,
				    subject_cn(in->ark, cn, sizeof(cn)),
				    out->custom_root ? "custom" :
				    ct_snp_product_name(in->product));
		return CT_OK;
	}
	X509 *ask = in->ask;
	if (ask == NULL && !out->custom_root)
		ask = in->vlek ? v->asvk[k] : v->ask[k];
	if (ask == NULL) {
		ct_snp_findings_add(f, "snp: chain: no %s given (cert table "
				    "or --ask) for the custom root",
				    in->vlek ? "ASVK" : "ASK");
		return CT_OK;
	}

	/* Cache lookup. */
	uint8_t key[CT_SHA256_LEN];
	bool cacheable = in->crl == NULL;
	if (cacheable) {
		struct ct_buf b;
		ct_buf_init(&b, 3 * CT_X509_MAX_BYTES);
		bool ok = ct_ok(ct_x509_to_der(&b, in->leaf)) &&
			  ct_ok(ct_x509_to_der(&b, ask)) &&
			  ct_ok(ct_x509_to_der(&b, root)) &&
			  ct_ok(ct_buf_append_byte(&b, (uint8_t)in->product)) &&
			  ct_ok(ct_sha256(key, ct_buf_span(&b)));
		ct_buf_dispose(&b);
		if (!ok)
			return ct_error_prefix("snp: chain cache key");
		for (size_t i = 0; i < CT_SNP_CHAIN_CACHE; i++) {
			struct ct_snp_chain_cache *c = &v->cache[i];
			if (c->used && memcmp(c->key, key, sizeof(key)) == 0 &&
			    in->at >= c->not_before && in->at <= c->not_after) {
				out->ok = true;
				out->cached = true;
				return CT_OK;
			}
		}
	}

	size_t before = f->count;
	char cn[128];
	/* Root: self-signed and valid. */
	check_link(f, "ARK", root, root, in->at);
	/* Intermediate: AMD names it SEV-<Product> / SEV-VLEK-<Product>. */
	if (!out->custom_root) {
		char want[64];
		snprintf(want, sizeof(want), "SEV-%s%s", in->vlek ? "VLEK-" : "",
			 ct_snp_product_name(in->product));
		subject_cn(ask, cn, sizeof(cn));
		if (strcmp(cn, want) != 0)
			ct_snp_findings_add(f, "snp: chain: intermediate is "
					    "CN=%s, want CN=%s (%s product line)",
					    cn, want,
					    ct_snp_product_name(in->product));
	}
	check_link(f, in->vlek ? "ASVK" : "ASK", ask, root, in->at);
	check_link(f, in->vlek ? "VLEK" : "VCEK", in->leaf, ask, in->at);
	subject_cn(in->leaf, cn, sizeof(cn));
	const char *want_leaf = in->vlek ? "SEV-VLEK" : "SEV-VCEK";
	if (strcmp(cn, want_leaf) != 0)
		ct_snp_findings_add(f, "snp: chain: leaf is CN=%s, want CN=%s",
				    cn, want_leaf);
	if (in->crl != NULL)
		check_crl(f, in->crl, root, ask, in->at);
	out->ok = f->count == before;

	if (out->ok && cacheable) {
		struct ct_snp_chain_cache *c = &v->cache[v->next];
		v->next = (v->next + 1) % CT_SNP_CHAIN_CACHE;
		memset(c, 0, sizeof(*c));
		c->used = true;
		memcpy(c->key, key, sizeof(key));
		c->not_before = 0;
		c->not_after = (time_t)INT64_MAX;
		window(root, &c->not_before, &c->not_after);
		window(ask, &c->not_before, &c->not_after);
		window(in->leaf, &c->not_before, &c->not_after);
	}
	return CT_OK;
}
