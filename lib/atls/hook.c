/*
 * hook.c - aTLS for HTTP clients that own the SSL_CTX (libcurl's
 * CURLOPT_SSL_CTX_FUNCTION): configure each fresh context, then tell the
 * caller whether the server was verified and, if not, why. The outcome is
 * kept in the caller's hook because the client library frees the SSL (and
 * its per-connection state) before control returns.
 */
#include <string.h>

#include "atls/atls.h"

void ct_atls_client_hook_init(struct ct_atls_client_hook *h,
			      const struct ct_atls_config *cfg)
{
	memset(h, 0, sizeof(*h));
	h->cfg = *cfg;
	h->cfg.outcome = &h->outcome;
}

CT_RESULT ct_atls_client_hook_setup(void *hook, SSL_CTX *ctx)
{
	struct ct_atls_client_hook *h = hook;
	memset(&h->outcome, 0, sizeof(h->outcome));
	h->cfg.outcome = &h->outcome;
	return ct_atls_client_ctx_configure(ctx, &h->cfg);
}

CT_RESULT ct_atls_client_hook_check(void *hook)
{
	const struct ct_atls_client_hook *h = hook;
	if (h->outcome.peer_valid)
		return CT_OK;
	if (h->outcome.error[0] != '\0')
		CT_BAIL(CT_ERR_POLICY, "%s", h->outcome.error);
	CT_BAIL(CT_ERR_POLICY, "atls: the server was not verified");
}
