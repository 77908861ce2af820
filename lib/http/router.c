/*
 * router.c - route table and dispatch: the socket-free core of the HTTP
 * server, also driven directly by the fuzz target.
 *
 * The request is untrusted. Before a handler runs, the dispatcher fixes
 * what it may see: a known path and method, a body within the route's
 * limit, the declared media type. Whatever happens, the caller gets a
 * complete response; handler failures become {"error": "..."} with a
 * status the handler chose or one derived from the error category.
 * Internal failures answer a generic message so no detail leaks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"

#define JSON_TYPE "application/json"

void ct_http_response_init(struct ct_http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	ct_buf_init(&resp->body, CT_HTTP_RESPONSE_MAX);
	resp->content_type = JSON_TYPE;
}

void ct_http_response_dispose(struct ct_http_response *resp)
{
	ct_buf_dispose(&resp->body);
}

void ct_http_router_init(struct ct_http_router *r)
{
	memset(r, 0, sizeof(*r));
}

CT_RESULT ct_http_router_add(struct ct_http_router *r,
			     const struct ct_http_route *route)
{
	CT_ENSURE(r->n < CT_HTTP_ROUTES_MAX, CT_ERR_LIMIT,
		  "http: more than %u routes", CT_HTTP_ROUTES_MAX);
	CT_ENSURE(route->method != NULL && route->path != NULL &&
			  route->handler != NULL && route->path[0] == '/' &&
			  strlen(route->path) < CT_HTTP_PATH_MAX,
		  CT_ERR_USAGE, "http: incomplete route");
	CT_ENSURE(route->max_body <= CT_HTTP_BODY_MAX_LIMIT, CT_ERR_USAGE,
		  "http: route %s body limit above %u", route->path,
		  CT_HTTP_BODY_MAX_LIMIT);
	for (size_t i = 0; i < r->n; i++)
		CT_ENSURE(strcmp(r->routes[i].path, route->path) != 0 ||
				  strcmp(r->routes[i].method, route->method) != 0,
			  CT_ERR_USAGE, "http: duplicate route %s %s",
			  route->method, route->path);
	r->routes[r->n++] = *route;
	return CT_OK;
}

size_t ct_http_router_max_body(const struct ct_http_router *r)
{
	size_t m = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->routes[i].max_body > m)
			m = r->routes[i].max_body;
	return m;
}

const char *ct_http_status_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

CT_RESULT ct_http_fail(struct ct_http_response *resp, int status,
		       enum ct_err category, const char *fmt, ...)
{
	char msg[CT_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	resp->status = status;
	return CT_FAIL(category, "%s", msg);
}

static int status_for(enum ct_err cat)
{
	switch (cat) {
	case CT_ERR_PROTO:
	case CT_ERR_USAGE:
		return 400;
	case CT_ERR_POLICY:
		return 403;
	case CT_ERR_LIMIT:
		return 413;
	default:
		return 500;
	}
}

/* Replaces the body with {"error": msg}; cannot fail for bounded input. */
static void error_body(struct ct_http_response *resp, int status,
		       const char *msg)
{
	resp->status = status;
	resp->content_type = JSON_TYPE;
	snprintf(resp->error, sizeof(resp->error), "%s", msg);
	ct_buf_reset(&resp->body);
	json_t *o = json_pack("{s:s}", "error", msg);
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	if (text == NULL || !ct_ok(ct_buf_append_str(&resp->body, text))) {
		ct_buf_reset(&resp->body);
		if (!ct_ok(ct_buf_append_str(&resp->body,
					     "{\"error\":\"internal error\"}")))
			resp->body.len = 0;
	}
	free(text);
	json_decref(o);
}

/* Media type of a Content-Type value, without parameters, any case. */
static bool media_type_is(const char *header, const char *want)
{
	if (header == NULL)
		return false;
	while (*header == ' ' || *header == '\t')
		header++;
	size_t n = strlen(want);
	if (strncasecmp(header, want, n) != 0)
		return false;
	const char *rest = header + n;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	return *rest == '\0' || *rest == ';';
}

void ct_http_dispatch(const struct ct_http_router *r,
		      const struct ct_http_request *req,
		      struct ct_http_response *resp)
{
	const struct ct_http_route *route = NULL;
	bool path_known = false;
	char msg[CT_HTTP_ERROR_LOG_MAX];

	resp->status = 0;
	resp->error[0] = '\0';
	ct_buf_reset(&resp->body);
	for (size_t i = 0; i < r->n && req->path != NULL; i++) {
		if (strcmp(r->routes[i].path, req->path) != 0)
			continue;
		path_known = true;
		if (req->method != NULL && strcmp(r->routes[i].method, req->method) == 0) {
			route = &r->routes[i];
			break;
		}
	}
	if (route == NULL) {
		if (path_known)
			error_body(resp, 405, "method not allowed");
		else
			error_body(resp, 404, "not found");
		return;
	}
	if (req->body.len > route->max_body) {
		snprintf(msg, sizeof(msg), "request body of %zu bytes exceeds the limit of %zu",
			 req->body.len, route->max_body);
		error_body(resp, 413, msg);
		return;
	}
	if (req->body.len > 0 && route->content_type != NULL &&
	    !media_type_is(req->content_type, route->content_type)) {
		snprintf(msg, sizeof(msg), "content type must be %s",
			 route->content_type);
		error_body(resp, 415, msg);
		return;
	}
	ct_error_clear();
	ct_result res = route->handler(route->arg, req, resp);
	if (ct_ok(res)) {
		if (resp->status == 0)
			resp->status = 200;
		return;
	}
	int status = resp->status >= 400 && resp->status <= 599
			     ? resp->status
			     : status_for(res.err);
	if (status == 500) {
		/* Details of internal failures stay in the log. */
		snprintf(resp->error, sizeof(resp->error), "%s", ct_error_message());
		ct_log_err("http: %s %s: %s", req->method, req->path,
			   ct_error_message());
		error_body(resp, 500, "internal error");
		snprintf(resp->error, sizeof(resp->error), "%s", ct_error_message());
		return;
	}
	error_body(resp, status, ct_error_message());
}
