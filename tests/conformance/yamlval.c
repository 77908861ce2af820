/*
 * yamlval.c - turns the YAML of a conformance case (data, input,
 * want_result) into Rego values. The case files are test data we ship, but
 * they are still read defensively: nesting is capped, aliases are refused,
 * and scalar typing follows the YAML 1.2 core schema the way the upstream
 * Go loader sees these files (plain null/~/empty, true/false, numbers;
 * quoted scalars and everything else are strings; mapping keys are strings
 * even when written as numbers).
 */
#include <string.h>

#include "conf.h"

struct fy_node *conf_yaml_get(struct fy_node *m, const char *key)
{
	if (m == NULL || fy_node_get_type(m) != FYNT_MAPPING)
		return NULL;
	return fy_node_mapping_lookup_by_string(m, key, strlen(key));
}

const char *conf_yaml_str(struct fy_node *m, const char *key, size_t *len)
{
	struct fy_node *n = conf_yaml_get(m, key);

	*len = 0;
	if (n == NULL || fy_node_get_type(n) != FYNT_SCALAR)
		return NULL;
	return fy_node_get_scalar(n, len);
}

static bool plain_is(struct fy_node *n, const char *const *words)
{
	size_t len = 0;
	const char *s;

	if (n == NULL || fy_node_get_type(n) != FYNT_SCALAR ||
	    fy_node_get_style(n) != FYNS_PLAIN)
		return false;
	s = fy_node_get_scalar(n, &len);
	if (s == NULL)
		s = "";
	for (; *words != NULL; words++)
		if (strlen(*words) == len && memcmp(*words, s, len) == 0)
			return true;
	return false;
}

static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const true_words[] = { "true", "True", "TRUE", NULL };
static const char *const false_words[] = { "false", "False", "FALSE", NULL };

bool conf_yaml_true(struct fy_node *m, const char *key)
{
	return plain_is(conf_yaml_get(m, key), true_words);
}

bool conf_yaml_is_null(struct fy_node *n)
{
	return n == NULL || plain_is(n, null_words);
}

/* [-+]? digits [. digits*] [e [-+] digits] or [-+]? . digits ... */
static bool looks_numeric(const char *s, size_t len)
{
	size_t i = 0, digits = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		i++;
		digits++;
	}
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			i++;
			digits++;
		}
	}
	if (digits == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp = 0;

		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			i++;
			exp++;
		}
		if (exp == 0)
			return false;
	}
	return i == len;
}

/* JSON number text from a YAML one: no '+', "1." -> "1.0", ".5" -> "0.5". */
static ct_result number(const char *s, size_t len, struct ct_rego_value **out)
{
	struct ct_buf b;
	ct_result r;
	size_t i;

	ct_buf_init(&b, CT_REGO_NUMBER_TEXT_MAX + 8);
	r = CT_OK;
	for (i = 0; i < len && ct_ok(r); i++) {
		if (s[i] == '+' && i == 0)
			continue;
		if (s[i] == '.' && (b.len == 0 || b.data[b.len - 1] == '-'))
			r = ct_buf_append_byte(&b, '0');
		if (ct_ok(r))
			r = ct_buf_append_byte(&b, (uint8_t)s[i]);
		if (ct_ok(r) && s[i] == '.' &&
		    (i + 1 == len || s[i + 1] < '0' || s[i + 1] > '9'))
			r = ct_buf_append_byte(&b, '0');
	}
	if (ct_ok(r))
		r = ct_rego_value_number_parse(ct_buf_cstr(&b), b.len, out);
	ct_buf_dispose(&b);
	return r;
}

static ct_result scalar(struct fy_node *n, bool as_key, struct ct_rego_value **out)
{
	size_t len = 0;
	const char *s = fy_node_get_scalar(n, &len);

	if (s == NULL)
		s = "";
	if (!as_key && fy_node_get_style(n) == FYNS_PLAIN) {
		if (plain_is(n, null_words)) {
			*out = ct_rego_value_null();
			return CT_OK;
		}
		if (plain_is(n, true_words) || plain_is(n, false_words)) {
			*out = ct_rego_value_bool(plain_is(n, true_words));
			return CT_OK;
		}
		if (looks_numeric(s, len))
			return number(s, len, out);
	}
	*out = ct_rego_value_string_new(s, len);
	return *out != NULL ? CT_OK : CT_FAIL(CT_ERR_NOMEM, "conf: out of memory");
}

static ct_result convert(struct fy_node *n, size_t depth, bool as_key,
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
	CT_ENSURE(depth < CONF_YAML_DEPTH_MAX, CT_ERR_LIMIT,
		  "conf: YAML nesting deeper than %d", CONF_YAML_DEPTH_MAX);
	CT_ENSURE(!fy_node_is_alias(n), CT_ERR_PROTO,
		  "conf: YAML aliases are not supported");
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR:
		return scalar(n, as_key, out);
	case FYNT_SEQUENCE: {
		struct fy_node *e;

		CT_ENSURE(!as_key, CT_ERR_PROTO, "conf: YAML key is a sequence");
		r = ct_rego_array_new(0);
		CT_ENSURE(r != NULL, CT_ERR_NOMEM, "conf: out of memory");
		while ((e = fy_node_sequence_iterate(n, &it)) != NULL) {
			CT_TRY(convert(e, depth + 1, false, &v));
			res = ct_rego_array_append(r, v);
			v = NULL;
			if (!ct_ok(res))
				goto out;
		}
		break;
	}
	case FYNT_MAPPING: {
		struct fy_node_pair *p;

		CT_ENSURE(!as_key, CT_ERR_PROTO, "conf: YAML key is a mapping");
		r = ct_rego_object_new(0);
		CT_ENSURE(r != NULL, CT_ERR_NOMEM, "conf: out of memory");
		while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
			CT_TRY(convert(fy_node_pair_key(p), depth + 1, true, &k));
			CT_TRY(convert(fy_node_pair_value(p), depth + 1, false, &v));
			res = ct_rego_object_insert(r, k, v);
			k = v = NULL;
			if (!ct_ok(res))
				goto out;
		}
		break;
	}
	default:
		CT_BAIL(CT_ERR_PROTO, "conf: unexpected YAML node type");
	}
	*out = r;
	return CT_OK;
out:
	ct_rego_value_unref(r);
	ct_rego_value_unref(k);
	ct_rego_value_unref(v);
	return res;
}

ct_result conf_yaml_value(struct fy_node *n, struct ct_rego_value **out)
{
	return convert(n, 0, false, out);
}
