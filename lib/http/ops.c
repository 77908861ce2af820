/*
 * ops.c - the operations port (DESIGN.md §4.5, port 9102): startup,
 * liveness and readiness probes and Prometheus text metrics.
 *
 * The metrics registry is a small bounded table of series (name + label
 * string) guarded by a mutex, so the daemon's threads can count while the
 * loop thread renders. Names, labels and help texts come from our own
 * code, never from requests; the HTTP server only adds a fixed set of
 * request-count series per server and status.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

#define METRIC_NAME_MAX 96
#define METRIC_LABELS_MAX 160
#define METRIC_HELP_MAX 160

struct ct_metric_series {
	char name[METRIC_NAME_MAX];
	char labels[METRIC_LABELS_MAX]; /* `a="b",c="d"` or "" */
	int64_t value;
};

struct ct_metric_desc {
	char name[METRIC_NAME_MAX];
	char help[METRIC_HELP_MAX];
	enum ct_metric_type type;
};

struct ct_metrics {
	pthread_mutex_t lock;
	struct ct_metric_series series[CT_METRICS_SERIES_MAX];
	size_t n_series;
	struct ct_metric_desc descs[CT_METRICS_SERIES_MAX];
	size_t n_descs;
	unsigned dropped;
};

CT_RESULT ct_metrics_new(struct ct_metrics **out)
{
	struct ct_metrics *m = ct_calloc(1, sizeof(*m));
	CT_ENSURE(m != NULL, CT_ERR_NOMEM, "metrics: out of memory");
	pthread_mutex_init(&m->lock, NULL);
	*out = m;
	return CT_OK;
}

void ct_metrics_free(struct ct_metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static bool valid_name(const char *name)
{
	if (name == NULL || name[0] == '\0' || strlen(name) >= METRIC_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9' && p != name) || *p == '_' || *p == ':'))
			return false;
	return true;
}

CT_RESULT ct_metrics_describe(struct ct_metrics *m, const char *name,
			      enum ct_metric_type type, const char *help)
{
	CT_ENSURE(valid_name(name) && help != NULL && strlen(help) < METRIC_HELP_MAX &&
			  strpbrk(help, "\n\\") == NULL,
		  CT_ERR_USAGE, "metrics: invalid name or help for \"%s\"",
		  name ? name : "");
	ct_result res = CT_OK;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n_descs; i++)
		if (strcmp(m->descs[i].name, name) == 0)
			goto out;
	if (m->n_descs >= CT_METRICS_SERIES_MAX) {
		res = CT_FAIL(CT_ERR_LIMIT, "metrics: more than %u metrics",
			      CT_METRICS_SERIES_MAX);
		goto out;
	}
	struct ct_metric_desc *d = &m->descs[m->n_descs++];
	memcpy(d->name, name, strlen(name) + 1);
	memcpy(d->help, help, strlen(help) + 1);
	d->type = type;
out:
	pthread_mutex_unlock(&m->lock);
	return res;
}

/* Find or create a series; NULL when the table is full (counted). */
static struct ct_metric_series *series_get(struct ct_metrics *m,
					   const char *name, const char *labels)
{
	for (size_t i = 0; i < m->n_series; i++)
		if (strcmp(m->series[i].name, name) == 0 &&
		    strcmp(m->series[i].labels, labels) == 0)
			return &m->series[i];
	if (m->n_series >= CT_METRICS_SERIES_MAX || !valid_name(name) ||
	    strlen(labels) >= METRIC_LABELS_MAX) {
		m->dropped++;
		return NULL;
	}
	struct ct_metric_series *s = &m->series[m->n_series++];
	memcpy(s->name, name, strlen(name) + 1);
	memcpy(s->labels, labels, strlen(labels) + 1);
	s->value = 0;
	return s;
}

void ct_metrics_add(struct ct_metrics *m, const char *name, const char *labels,
		    int64_t delta)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	struct ct_metric_series *s = series_get(m, name, labels ? labels : "");
	if (s != NULL)
		s->value += delta;
	pthread_mutex_unlock(&m->lock);
}

void ct_metrics_set(struct ct_metrics *m, const char *name, const char *labels,
		    int64_t value)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	struct ct_metric_series *s = series_get(m, name, labels ? labels : "");
	if (s != NULL)
		s->value = value;
	pthread_mutex_unlock(&m->lock);
}

int64_t ct_metrics_get(struct ct_metrics *m, const char *name, const char *labels)
{
	int64_t v = 0;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n_series; i++)
		if (strcmp(m->series[i].name, name) == 0 &&
		    strcmp(m->series[i].labels, labels ? labels : "") == 0)
			v = m->series[i].value;
	pthread_mutex_unlock(&m->lock);
	return v;
}

static CT_RESULT render_series(struct ct_buf *out, const struct ct_metric_series *s)
{
	if (s->labels[0] != '\0')
		return ct_buf_printf(out, "%s{%s} %lld\n", s->name, s->labels,
				     (long long)s->value);
	return ct_buf_printf(out, "%s %lld\n", s->name, (long long)s->value);
}

CT_RESULT ct_metrics_render(struct ct_metrics *m, struct ct_buf *out)
{
	ct_result res = CT_OK;
	bool *done = ct_calloc(CT_METRICS_SERIES_MAX, sizeof(bool));
	CT_ENSURE(done != NULL, CT_ERR_NOMEM, "metrics: out of memory");
	pthread_mutex_lock(&m->lock);
	/* Described metrics first, each with its HELP and TYPE, then the rest. */
	for (size_t d = 0; d < m->n_descs; d++) {
		const struct ct_metric_desc *desc = &m->descs[d];
		CT_TRY(ct_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", desc->name,
				     desc->help, desc->name,
				     desc->type == CT_METRIC_COUNTER ? "counter" : "gauge"));
		for (size_t i = 0; i < m->n_series; i++) {
			if (done[i] || strcmp(m->series[i].name, desc->name) != 0)
				continue;
			CT_TRY(render_series(out, &m->series[i]));
			done[i] = true;
		}
	}
	for (size_t i = 0; i < m->n_series; i++)
		if (!done[i])
			CT_TRY(render_series(out, &m->series[i]));
out:
	pthread_mutex_unlock(&m->lock);
	free(done);
	return res;
}

/* ------------------------------------------------------------------ probes */

static CT_RESULT probe(const struct ct_http_ops *ops, bool (*check)(void *),
		       const char *what, struct ct_http_response *resp)
{
	if (check != NULL && !check(ops->arg))
		return ct_http_fail(resp, 503, CT_ERR_POLICY, "%s probe failed", what);
	json_t *o = json_pack("{s:s}", "status", "ok");
	CT_ENSURE(o != NULL, CT_ERR_NOMEM, "ops: out of memory");
	ct_result res = ct_http_reply_json(resp, 200, o);
	json_decref(o);
	return res;
}

static CT_RESULT on_startup(void *arg, const struct ct_http_request *req,
			    struct ct_http_response *resp)
{
	const struct ct_http_ops *ops = arg;
	return probe(ops, ops->startup, "startup", resp);
}

static CT_RESULT on_liveness(void *arg, const struct ct_http_request *req,
			     struct ct_http_response *resp)
{
	const struct ct_http_ops *ops = arg;
	return probe(ops, ops->liveness, "liveness", resp);
}

static CT_RESULT on_readiness(void *arg, const struct ct_http_request *req,
			      struct ct_http_response *resp)
{
	const struct ct_http_ops *ops = arg;
	return probe(ops, ops->readiness, "readiness", resp);
}

static CT_RESULT on_metrics(void *arg, const struct ct_http_request *req,
			    struct ct_http_response *resp)
{
	const struct ct_http_ops *ops = arg;
	CT_ENSURE(ops->metrics != NULL, CT_ERR_INTERNAL, "ops: no metrics registry");
	ct_buf_reset(&resp->body);
	CT_GUARD(ct_metrics_render(ops->metrics, &resp->body));
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return CT_OK;
}

CT_RESULT ct_http_ops_register(struct ct_http_router *r,
			       const struct ct_http_ops *ops)
{
	const struct ct_http_route routes[] = {
		{ "GET", "/probe/startup", on_startup, (void *)ops, 0, NULL },
		{ "GET", "/probe/liveness", on_liveness, (void *)ops, 0, NULL },
		{ "GET", "/probe/readiness", on_readiness, (void *)ops, 0, NULL },
		{ "GET", "/metrics", on_metrics, (void *)ops, 0, NULL },
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		CT_GUARD(ct_http_router_add(r, &routes[i]));
	return CT_OK;
}
