/*
 * provider.c - evidence provider selection and the checks every backend
 * shares (DESIGN.md §4.4, §4.7).
 *
 * A spec names a backend ("configfs-tsm[:ROOT]", "sev-guest[:DEVICE]",
 * "sim:SOCKET"); without one, CONTRAST_EVIDENCE_PROVIDER is consulted and
 * then the platform is probed (configfs-tsm, then sev-guest). Whatever a
 * backend returns is untrusted transport: before wrapping it as DER
 * evidence we check that the report is 1184 bytes, parses, carries the
 * REPORT_DATA we asked for, and that the certificate table parses. The
 * verifier at the other end decides whether to believe it.
 */
#include "attest/provider_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atls/atls.h"
#include "attest/evidence.h"

static const struct {
	const char *name;
	enum ct_provider_kind kind;
	const char *default_path; /* NULL: the path is required */
} backends[] = {
	{ "configfs-tsm", CT_PROVIDER_TSM, CT_PROVIDER_TSM_ROOT_DEFAULT },
	{ "sev-guest", CT_PROVIDER_SEVGUEST, CT_PROVIDER_SEVGUEST_DEFAULT },
	{ "sim", CT_PROVIDER_SIM, NULL },
};
#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))

static const char *kind_name(enum ct_provider_kind k)
{
	for (size_t i = 0; i < N_BACKENDS; i++)
		if (backends[i].kind == k)
			return backends[i].name;
	return "unknown";
}

static ct_result check_path(enum ct_provider_kind kind, const char *path)
{
	struct stat st;
	const char *name = kind_name(kind);
	if (stat(path, &st) != 0)
		return CT_FAIL(CT_ERR_IO, "%s: %s: %s", name, path,
			       strerror(errno));
	switch (kind) {
	case CT_PROVIDER_TSM:
		CT_ENSURE(S_ISDIR(st.st_mode), CT_ERR_IO,
			  "%s: %s: not a directory", name, path);
		break;
	case CT_PROVIDER_SEVGUEST:
		CT_ENSURE(!S_ISDIR(st.st_mode), CT_ERR_IO,
			  "%s: %s: is a directory, want a device", name, path);
		break;
	case CT_PROVIDER_SIM:
		CT_ENSURE(S_ISSOCK(st.st_mode), CT_ERR_IO,
			  "%s: %s: not a Unix socket", name, path);
		break;
	}
	return CT_OK;
}

static unsigned timeout_from_env(void)
{
	const char *s = getenv(CT_PROVIDER_TIMEOUT_ENV);
	uint64_t v;
	if (s == NULL || !ct_ok(ct_parse_u64(s, 3600000, &v)) || v == 0) {
		ct_error_clear();
		return CT_SIM_TIMEOUT_MS_DEFAULT;
	}
	return (unsigned)v;
}

ct_result ct_provider_open_kind(enum ct_provider_kind kind, const char *path,
				struct ct_evidence_provider **out)
{
	CT_ENSURE(path != NULL && path[0] != '\0', CT_ERR_USAGE,
		  "%s: empty path", kind_name(kind));
	CT_ENSURE(strlen(path) < CT_PROVIDER_SPEC_MAX, CT_ERR_USAGE,
		  "%s: path longer than %u bytes", kind_name(kind),
		  CT_PROVIDER_SPEC_MAX);
	CT_GUARD(check_path(kind, path));
	struct ct_evidence_provider *p = ct_calloc(1, sizeof(*p));
	CT_ENSURE(p != NULL, CT_ERR_NOMEM, "provider: out of memory");
	p->kind = kind;
	p->path = ct_strdup(path);
	if (p->path == NULL) {
		free(p);
		return CT_FAIL(CT_ERR_NOMEM, "provider: out of memory");
	}
	pthread_mutex_init(&p->lock, NULL);
	p->timeout_ms = timeout_from_env();
	*out = p;
	return CT_OK;
}

static ct_result open_spec(const char *spec, struct ct_evidence_provider **out)
{
	for (size_t i = 0; i < N_BACKENDS; i++) {
		size_t n = strlen(backends[i].name);
		if (strncmp(spec, backends[i].name, n) != 0 ||
		    (spec[n] != '\0' && spec[n] != ':'))
			continue;
		const char *path = spec[n] == ':' ? spec + n + 1 : NULL;
		if (path == NULL || path[0] == '\0')
			path = backends[i].default_path;
		CT_ENSURE(path != NULL, CT_ERR_USAGE,
			  "evidence provider \"%s\": want %s:PATH", spec,
			  backends[i].name);
		return ct_provider_open_kind(backends[i].kind, path, out);
	}
	return CT_FAIL(CT_ERR_USAGE, "evidence provider \"%s\": unknown, want "
		       "configfs-tsm[:ROOT], sev-guest[:DEVICE] or sim:SOCKET",
		       spec);
}

static ct_result auto_detect(struct ct_evidence_provider **out)
{
	char tried[2][CT_ERROR_MSG_MAX / 2];
	const enum ct_provider_kind order[2] = { CT_PROVIDER_TSM,
						 CT_PROVIDER_SEVGUEST };
	const char *paths[2] = { CT_PROVIDER_TSM_ROOT_DEFAULT,
				 CT_PROVIDER_SEVGUEST_DEFAULT };
	for (size_t i = 0; i < 2; i++) {
		if (ct_ok(ct_provider_open_kind(order[i], paths[i], out)))
			return CT_OK;
		if (ct_error_category() == CT_ERR_NOMEM)
			return ct_error_prefix("provider");
		snprintf(tried[i], sizeof(tried[i]), "%s", ct_error_message());
	}
	return CT_FAIL(CT_ERR_IO, "no evidence provider found: tried %s; %s "
		       "(name one explicitly or set %s)", tried[0], tried[1],
		       CT_PROVIDER_ENV);
}

ct_result ct_evidence_provider_open(const char *spec,
				    struct ct_evidence_provider **out)
{
	*out = NULL;
	if (spec == NULL || spec[0] == '\0')
		spec = getenv(CT_PROVIDER_ENV);
	if (spec == NULL || spec[0] == '\0')
		return auto_detect(out);
	return open_spec(spec, out);
}

void ct_evidence_provider_free(struct ct_evidence_provider *p)
{
	if (p == NULL)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p->path);
	free(p);
}

const char *ct_evidence_provider_name(const struct ct_evidence_provider *p)
{
	return kind_name(p->kind);
}

/* What every backend's answer must satisfy before we hand it on. */
static ct_result check_answer(struct ct_span report, struct ct_span table,
			      const uint8_t report_data[64])
{
	struct ct_snp_report *r = ct_alloc(sizeof(*r));
	CT_ENSURE(r != NULL, CT_ERR_NOMEM, "provider: out of memory");
	ct_result res = ct_snp_report_parse(r, report);
	if (ct_ok(res) && memcmp(r->report_data, report_data,
				 CT_SNP_REPORT_DATA_LEN) != 0)
		res = CT_FAIL(CT_ERR_PROTO, "report carries other REPORT_DATA "
			      "than requested");
	free(r);
	CT_GUARD(res);
	if (table.len > 0) {
		struct ct_snp_cert_table t;
		CT_GUARD(ct_snp_cert_table_parse(&t, table));
	}
	return CT_OK;
}

ct_result ct_evidence_provider_get(struct ct_evidence_provider *p,
				   const uint8_t report_data[64],
				   struct ct_buf *evidence_der)
{
	struct ct_buf report, table;
	ct_buf_init(&report, CT_SNP_REPORT_SIZE);
	ct_buf_init(&table, CT_SNP_CERT_TABLE_MAX);
	ct_result res;
	switch (p->kind) {
	case CT_PROVIDER_TSM:
		res = ct_provider_tsm_get(p, report_data, &report, &table);
		break;
	case CT_PROVIDER_SEVGUEST:
		res = ct_provider_sevguest_get(p, report_data, &report, &table);
		break;
	case CT_PROVIDER_SIM:
		res = ct_provider_sim_get(p, report_data, &report, &table);
		break;
	default:
		res = CT_FAIL(CT_ERR_INTERNAL, "provider: bad kind %d",
			      (int)p->kind);
	}
	if (ct_ok(res))
		res = check_answer(ct_buf_span(&report), ct_buf_span(&table),
				   report_data);
	if (ct_ok(res))
		res = ct_snp_evidence_encode(evidence_der, ct_buf_span(&report),
					     ct_buf_span(&table));
	ct_buf_dispose(&report);
	ct_buf_dispose(&table);
	if (!ct_ok(res))
		return ct_error_prefix("%s %s", kind_name(p->kind), p->path);
	return CT_OK;
}

static ct_result issuer_get(void *arg,
			    const uint8_t report_data[CT_ATLS_REPORT_DATA_LEN],
			    struct ct_buf *evidence_out)
{
	return ct_evidence_provider_get(arg, report_data, evidence_out);
}

void ct_evidence_provider_atls_issuer(struct ct_evidence_provider *p,
				      struct ct_atls_issuer *out)
{
	memset(out, 0, sizeof(*out));
	out->oid = CT_ATLS_OID_SNP;
	out->get_evidence = issuer_get;
	out->arg = p;
}
