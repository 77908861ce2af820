/*
 * yaml.c - yaml.unmarshal, yaml.is_valid and yaml.marshal on libfyaml.
 * YAML text is untrusted: libfyaml parses it into a document first, the
 * conversion to values is capped at YAML_DEPTH_MAX nesting and refuses
 * aliases (no billion-laughs expansion), and scalar typing follows the
 * JSON-compatible YAML 1.2 core schema (null, true/false, ints, floats,
 * everything else a string; quoted scalars are always strings). Mapping
 * keys become strings, as in OPA's YAML-to-JSON conversion.
 * yaml.marshal writes JSON text, which is valid YAML (flow style) and
 * round-trips; it does not reproduce Go's block layout.
 */
#include <stdio.h>
#include <string.h>

#include <libfyaml.h>

#include "rego/builtins/builtins_impl.h"

#define ARGS struct ct_rego_bctx *ctx, struct ct_rego_value *const *args, \
	     struct ct_rego_value **out
#define YAML_DEPTH_MAX 128

static void diag_silent(struct fy_diag *diag, void *user, const char *buf,
			size_t len)
{
	(void)diag;
	(void)user;
	(void)buf;
	(void)len;
}

static bool is_num_text(const char *s, size_t len)
{
	size_t i = 0;
	bool digit = false;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digit = true;
		else if (s[i] != '.' && s[i] != 'e' && s[i] != 'E' &&
			 s[i] != '-' && s[i] != '+')
			return false;
	}
	return digit;
}

static ct_result scalar(struct fy_node *n, struct ct_rego_value **out)
{
	size_t len = 0;
	const char *s = fy_node_get_scalar(n, &len);
	enum fy_node_style st = fy_node_get_style(n);

	if (s == NULL)
		s = "";
	if (st == FYNS_PLAIN) {
		if (len == 0 || (len == 1 && s[0] == '~') ||
		    (len == 4 && (memcmp(s, "null", 4) == 0 ||
				  memcmp(s, "Null", 4) == 0 || memcmp(s, "NULL", 4) == 0))) {
			*out = ct_rego_value_null();
			return CT_OK;
		}
		if ((len == 4 && (memcmp(s, "true", 4) == 0 || memcmp(s, "True", 4) == 0)) ||
		    (len == 5 && (memcmp(s, "false", 5) == 0 || memcmp(s, "False", 5) == 0))) {
			*out = ct_rego_value_bool(len == 4);
			return CT_OK;
		}
		if (is_num_text(s, len)) {
			const char *p = s;
			size_t l = len;

			if (p[0] == '+') {
				p++;
				l--;
			}
			if (ct_ok(ct_rego_value_number_parse(p, l, out)))
				return CT_OK;
			ct_error_clear();
		}
	}
	if (!ct_rego_utf8_valid(s, len))
		return CT_FAIL(CT_ERR_PROTO, "yaml: invalid UTF-8 in scalar");
	*out = ct_rego_value_string_new(s, len);
	return *out ? CT_OK : CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
}

static ct_result convert(struct fy_node *n, size_t depth,
			 struct ct_rego_value **out)
{
	struct ct_rego_value *r = NULL, *k = NULL, *v = NULL;
	ct_result res = CT_OK;
	void *it = NULL;

	*out = NULL;
	if (n == NULL) {
		*out = ct_rego_value_null();
		return CT_OK;
	}
	CT_ENSURE(depth < YAML_DEPTH_MAX, CT_ERR_LIMIT,
		  "yaml: nesting deeper than %d", YAML_DEPTH_MAX);
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR:
		if (fy_node_get_style(n) == FYNS_ALIAS)
			return CT_FAIL(CT_ERR_PROTO, "yaml: aliases are not supported");
		return scalar(n, out);
	case FYNT_SEQUENCE: {
		struct fy_node *e;

		r = ct_rego_array_new(0);
		CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
		while ((e = fy_node_sequence_iterate(n, &it)) != NULL) {
			CT_TRY(convert(e, depth + 1, &v));
			CT_TRY(ct_rego_array_append(r, v));
			v = NULL;
		}
		break;
	}
	default: {
		struct fy_node_pair *p;

		r = ct_rego_object_new(0);
		CT_ENSURE(r != NULL, CT_ERR_NOMEM, "rego: out of memory");
		while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
			CT_TRY(convert(fy_node_pair_key(p), depth + 1, &k));
			if (ct_rego_value_kind(k) != CT_REGO_STRING) {
				struct ct_buf b;

				ct_buf_init(&b, 1 << 20);
				res = ct_rego_value_to_json(k, &b);
				ct_rego_value_unref(k);
				k = NULL;
				if (ct_ok(res)) {
					k = ct_rego_value_string_new(ct_buf_cstr(&b), b.len);
					if (k == NULL)
						res = CT_FAIL(CT_ERR_NOMEM, "rego: out of memory");
				}
				ct_buf_dispose(&b);
				if (!ct_ok(res))
					goto out;
			}
			CT_TRY(convert(fy_node_pair_value(p), depth + 1, &v));
			res = ct_rego_object_insert(r, k, v);
			k = v = NULL;
			if (!ct_ok(res))
				goto out;
		}
		break;
	}
	}
	*out = r;
	return CT_OK;
out:
	ct_rego_value_unref(r);
	ct_rego_value_unref(k);
	ct_rego_value_unref(v);
	return res;
}

static ct_result yaml_parse(const char *s, size_t len, struct ct_rego_value **out)
{
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg pcfg;
	struct fy_diag *diag;
	struct fy_document *doc;
	ct_result r;

	*out = NULL;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = diag_silent;
	diag = fy_diag_create(&dcfg);
	if (diag == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "yaml: cannot create diagnostics");
	fy_diag_set_collect_errors(diag, true);
	memset(&pcfg, 0, sizeof(pcfg));
	pcfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG;
	pcfg.diag = diag;
	doc = fy_document_build_from_string(&pcfg, s, len);
	if (doc == NULL) {
		void *it = NULL;
		struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);

		if (e != NULL) {
			/* libfyaml puts end-of-input errors on the line after
			 * the last one; report the last real line instead. */
			int lines = 1, line = e->line;
			size_t i;

			for (i = 0; i + 1 < len; i++)
				lines += s[i] == '\n';
			if (line > lines)
				line = lines;
			r = CT_FAIL(CT_ERR_PROTO, "yaml: line %d: did not find expected content: %s",
				    line, e->msg ? e->msg : "syntax error");
		}
		else
			r = CT_FAIL(CT_ERR_PROTO, "yaml: invalid document");
		fy_diag_destroy(diag);
		return r;
	}
	r = convert(fy_document_root(doc), 0, out);
	fy_document_destroy(doc);
	fy_diag_destroy(diag);
	return r;
}

static ct_result bi_yaml_unmarshal(ARGS)
{
	ct_result r;

	CT_GUARD(bi_arg(ctx, "yaml.unmarshal", args, 0, K_STR, "string"));
	r = yaml_parse(args[0]->u.str.s, args[0]->u.str.len, out);
	if (!ct_ok(r) && r.err == CT_ERR_PROTO)
		return ct_rego_bwrap(ctx, "yaml.unmarshal", r);
	return r;
}

static ct_result bi_yaml_is_valid(ARGS)
{
	struct ct_rego_value *v = NULL;
	ct_result r;

	(void)ctx;
	if (args[0]->kind != CT_REGO_STRING) {
		*out = ct_rego_value_bool(false);
		return CT_OK;
	}
	r = yaml_parse(args[0]->u.str.s, args[0]->u.str.len, &v);
	ct_rego_value_unref(v);
	if (!ct_ok(r) && r.err != CT_ERR_PROTO && r.err != CT_ERR_LIMIT)
		return r;
	ct_error_clear();
	*out = ct_rego_value_bool(ct_ok(r));
	return CT_OK;
}

static ct_result bi_yaml_marshal(ARGS)
{
	struct ct_buf b;
	ct_result r;

	ct_buf_init(&b, CT_REGO_BUILTIN_STR_MAX);
	r = ct_rego_value_to_json(args[0], &b);
	if (ct_ok(r))
		r = ct_buf_append_byte(&b, '\n');
	if (!ct_ok(r)) {
		ct_buf_dispose(&b);
		return ct_rego_bwrap(ctx, "yaml.marshal", r);
	}
	return ct_rego_bret_buf(out, &b);
}

CT_BUILTIN(bi_yaml_unmarshal, "yaml.unmarshal", 1);
CT_BUILTIN(bi_yaml_is_valid, "yaml.is_valid", 1);
CT_BUILTIN(bi_yaml_marshal, "yaml.marshal", 1);

const struct ct_rego_builtin *const ct_rego_builtins_yaml[] = {
	&b_bi_yaml_unmarshal, &b_bi_yaml_is_valid, &b_bi_yaml_marshal, NULL,
};
