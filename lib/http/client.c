/*
 * client.c - one HTTP/1.1 request with libcurl, TLS configured by a hook.
 *
 * Why libcurl and not a hand-written client: the response is untrusted
 * input from the network and curl's HTTP parser is mature. aTLS needs
 * control of the SSL_CTX: CURLOPT_SSL_CTX_FUNCTION hands us curl's context
 * for each new connection, where the hook (ct_atls_client_hook_*) installs
 * the nonce ALPN, verify and certificate callbacks. curl's own ALPN is
 * off so the aTLS ALPN list is what is sent; hostname checks are off (the
 * evidence, not the name, identifies the server) while peer verification
 * stays on, so a missing hook fails closed on the self-signed certificate.
 * No CA bundle is loaded: trust is the hook's alone.
 * Every request uses a fresh connection and no session cache: each one
 * attests afresh. Response size is capped; retries are the caller's.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http/http.h"

#define DEFAULT_TIMEOUT_S 30L
#define URL_MAX 2048

struct request_state {
	const struct ct_http_client_config *cfg;
	struct ct_buf *body;
	bool too_large;
	bool hook_failed;
	char hook_error[CT_ERROR_MSG_MAX];
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct request_state *st = arg;
	size_t n = size * nmemb;
	if (!ct_ok(ct_buf_append(st->body, ptr, n))) {
		st->too_large = true;
		return 0; /* aborts the transfer */
	}
	return n;
}

static CURLcode on_ssl_ctx(CURL *curl, void *sslctx, void *arg)
{
	struct request_state *st = arg;
	const struct ct_http_tls_hook *hook = st->cfg->tls;
	if (!ct_ok(hook->setup(hook->arg, sslctx))) {
		st->hook_failed = true;
		snprintf(st->hook_error, sizeof(st->hook_error), "%s",
			 ct_error_message());
		return CURLE_ABORTED_BY_CALLBACK;
	}
	return CURLE_OK;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode init_rc = CURLE_FAILED_INIT;

static void init_curl(void)
{
	/* CURLOPT_NOSIGNAL (for threads) leaves SIGPIPE to us. */
	signal(SIGPIPE, SIG_IGN);
	init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static CT_RESULT global_init(void)
{
	pthread_once(&init_once, init_curl);
	CT_ENSURE(init_rc == CURLE_OK, CT_ERR_INTERNAL,
		  "http: curl_global_init failed");
	return CT_OK;
}

CT_RESULT ct_http_client_request(const struct ct_http_client_config *cfg,
				 const char *method, const char *path,
				 const char *content_type, struct ct_span body,
				 long *status_out, struct ct_buf *body_out)
{
	ct_result res = CT_OK;
	char url[URL_MAX];
	char errbuf[CURL_ERROR_SIZE] = "";
	char ctype[128];
	struct curl_slist *headers = NULL;
	struct request_state st = { cfg, body_out, false, false, "" };
	struct ct_buf limited;
	bool https = strncmp(cfg->base_url, "https://", 8) == 0;

	CT_GUARD(global_init());
	CT_ENSURE(https || strncmp(cfg->base_url, "http://", 7) == 0, CT_ERR_USAGE,
		  "http: unsupported URL %s", cfg->base_url);
	CT_ENSURE(!https || (cfg->tls != NULL && cfg->tls->setup != NULL),
		  CT_ERR_USAGE, "http: https needs a TLS hook");
	CT_ENSURE((size_t)snprintf(url, sizeof(url), "%s%s", cfg->base_url, path) <
			  sizeof(url),
		  CT_ERR_USAGE, "http: URL too long");
	/* Cap the response independently of the caller's buffer. */
	size_t max = cfg->max_response ? cfg->max_response : CT_HTTP_RESPONSE_MAX;
	ct_buf_init(&limited, max);
	st.body = &limited;

	CURL *c = curl_easy_init();
	CT_ENSURE(c != NULL, CT_ERR_NOMEM, "http: curl_easy_init failed");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, cfg->timeout_s ? (long)cfg->timeout_s
							     : DEFAULT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, https ? "https" : "http");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	/* curl's default since 7.50.2; without it delayed ACKs add ~40 ms. */
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
	if (body.len > 0 || strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.len ? (const char *)body.ptr : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
	}
	headers = curl_slist_append(headers, "Expect:");
	if (content_type != NULL) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
		headers = curl_slist_append(headers, ctype);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (https) {
		curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_3);
		curl_easy_setopt(c, CURLOPT_SSL_ENABLE_ALPN, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_SESSIONID_CACHE, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		/* The hook decides trust (aTLS's verify callback, or a store of
		 * its own). With no CA file or path curl loads nothing; the
		 * system bundle cost 60-170 ms per connection, unused. */
		curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
		curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, &st);
	}

	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		if (st.too_large)
			res = CT_FAIL(CT_ERR_LIMIT, "http: %s %s: response exceeds %zu bytes",
				      method, url, max);
		else if (st.hook_failed)
			res = CT_FAIL(CT_ERR_USAGE, "http: %s %s: TLS setup: %s", method,
				      url, st.hook_error);
		else if (https && cfg->tls->check != NULL &&
			 (rc == CURLE_PEER_FAILED_VERIFICATION ||
			  rc == CURLE_SSL_CONNECT_ERROR) &&
			 !ct_ok(cfg->tls->check(cfg->tls->arg)))
			/* The handshake failed: the hook knows why. */
			res = ct_error_prefix("http: %s %s", method, url);
		else
			res = CT_FAIL(CT_ERR_IO, "http: %s %s: %s", method, url,
				      errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	if (https && cfg->tls->check != NULL) {
		res = cfg->tls->check(cfg->tls->arg);
		if (!ct_ok(res)) {
			res = ct_error_prefix("http: %s %s", method, url);
			goto out;
		}
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status_out);
	CT_TRY(ct_buf_append_span(body_out, ct_buf_span(&limited)));
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	ct_buf_dispose(&limited);
	return res;
}

CT_RESULT ct_http_client_json(const struct ct_http_client_config *cfg,
			      const char *method, const char *path,
			      const json_t *request, long *status_out,
			      json_t **response_out)
{
	ct_result res = CT_OK;
	char *text = NULL;
	json_t *reply = NULL;
	struct ct_buf body;
	long status = 0;
	size_t max = cfg->max_response ? cfg->max_response : CT_HTTP_RESPONSE_MAX;

	ct_buf_init(&body, max);
	if (request != NULL) {
		text = json_dumps(request, JSON_COMPACT);
		CT_TRY_ENSURE(text != NULL, CT_ERR_NOMEM, "http: cannot encode the request");
	}
	CT_TRY(ct_http_client_request(cfg, method, path,
				      text ? "application/json" : NULL,
				      ct_span_str(text ? text : ""), &status, &body));
	*status_out = status;
	if (body.len > 0) {
		json_error_t jerr;
		reply = json_loadb((const char *)body.data, body.len,
				   JSON_REJECT_DUPLICATES, &jerr);
	}
	if (status < 200 || status > 299) {
		const char *msg = json_string_value(json_object_get(reply, "error"));
		enum ct_err cat = status == 403 ? CT_ERR_POLICY
				  : status >= 500 ? CT_ERR_IO : CT_ERR_PROTO;
		res = CT_FAIL(cat, "http %ld: %.512s", status,
			      msg ? msg : "(no error message)");
		goto out;
	}
	CT_TRY_ENSURE(json_is_object(reply), CT_ERR_PROTO,
		      "http: %s %s: reply is not a JSON object", method, path);
	*response_out = reply;
	reply = NULL;
out:
	json_decref(reply);
	free(text);
	ct_buf_dispose(&body);
	return res;
}
