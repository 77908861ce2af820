/*
 * initdata_parse_test.c - reading the policy back out of initdata TOML:
 * round trips through our own encoder (literal and escaped forms), the
 * other TOML string forms a producer may use, and refusals of hostile or
 * malformed documents, each naming what is wrong.
 */
#include "ct_test.h"

#include "policy/policy.h"

#include <string.h>

/* Extracts the policy of `toml`; returns it (static buffer) or NULL. */
static const char *extract(const char *toml)
{
	static char out[4096];
	struct ct_buf b;
	ct_result r;

	ct_buf_init(&b, CT_INITDATA_MAX);
	r = ct_initdata_policy(ct_span_str(toml), &b);
	snprintf(out, sizeof(out), "%s", ct_buf_cstr(&b));
	ct_buf_dispose(&b);
	return ct_ok(r) ? out : NULL;
}

static void round_trip(const char *policy)
{
	struct ct_buf toml, back;

	ct_buf_init(&toml, CT_INITDATA_MAX);
	ct_buf_init(&back, CT_INITDATA_MAX);
	assert_ct_ok(ct_initdata_toml(ct_span_str(policy), &toml));
	assert_ct_ok(ct_initdata_policy(ct_buf_span(&toml), &back));
	assert_string_equal(ct_buf_cstr(&back), policy);
	ct_buf_dispose(&toml);
	ct_buf_dispose(&back);
}

static void test_round_trip(void **state)
{
	(void)state;
	round_trip("package agent_policy\nx := \"a\\\\b\"\n");
	round_trip("a'''b\"c\\ and a tab\there");        /* basic-string fallback */
	round_trip("ctl\x01 char and del \x7f end\n");    /* \u escapes */
	round_trip("ends with quotes ''");
	round_trip("");
}

static void test_other_forms(void **state)
{
	(void)state;
	const char *p;

	p = extract("# comment\nversion = '0.1.0'  # trailing\r\nalgorithm=\"sha256\"\n"
		    "\n[data]\n\"aa.toml\" = '''\nignored'''\n'policy.rego' = \"x\\u00e9\\n\"\n");
	assert_non_null(p);
	assert_string_equal(p, "x\xc3\xa9\n");
	p = extract("version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n"
		    "\"policy.rego\" = \"\"\"\nline one \\\n    continued\\U0001F600\"\"\"\n");
	assert_non_null(p);
	assert_string_equal(p, "line one continued\xf0\x9f\x98\x80");
}

static void expect_refused(const char *toml, const char *why)
{
	struct ct_buf b;

	ct_buf_init(&b, CT_INITDATA_MAX);
	assert_ct_err(ct_initdata_policy(ct_span_str(toml), &b), CT_ERR_PROTO);
	if (strstr(ct_error_message(), why) == NULL)
		fail_msg("\"%s\" does not mention \"%s\"", ct_error_message(), why);
	ct_buf_dispose(&b);
}

static void test_refusals(void **state)
{
	(void)state;
	const char *head = "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n";
	char doc[512];

	expect_refused("algorithm = \"sha256\"\n[data]\n\"policy.rego\" = 'x'\n", "no version");
	expect_refused("version = \"1\"\nalgorithm = \"sha384\"\n[data]\n\"policy.rego\" = 'x'\n",
		       "algorithm \"sha384\" is not sha256");
	expect_refused("version = \"1\"\nalgorithm = \"sha256\"\n", "no [data] \"policy.rego\"");
	/* policy.rego outside [data] is not the policy. */
	expect_refused("version = \"1\"\nalgorithm = \"sha256\"\n\"policy.rego\" = 'x'\n[data]\n",
		       "no [data]");
	expect_refused("version = \"1\"\nalgorithm = \"sha256\\u0000x\"\n", "unknown algorithm");
	expect_refused("version = \"1\"\n[other]\n", "line 2: unknown table");
	expect_refused("version = \"1\"\n[data]\n[data]\n", "line 3: [data] given twice");
	snprintf(doc, sizeof(doc), "%s\"policy.rego\" = 'a'\n\"policy.rego\" = 'b'\n", head);
	expect_refused(doc, "given twice");
	snprintf(doc, sizeof(doc), "%s\"policy.rego\" = '''never closed\n", head);
	expect_refused(doc, "unterminated string");
	snprintf(doc, sizeof(doc), "%s\"policy.rego\" = \"bad \\q escape\"\n", head);
	expect_refused(doc, "unknown escape");
	snprintf(doc, sizeof(doc), "%s\"policy.rego\" = \"\\ud800\"\n", head);
	expect_refused(doc, "not a Unicode scalar value");
	snprintf(doc, sizeof(doc), "%s\"policy.rego\" = \"\\u12\"\n", head);
	expect_refused(doc, "bad hex digit");
	snprintf(doc, sizeof(doc), "%s\"policy.rego\" = 'a\x01'\n", head);
	expect_refused(doc, "control character");
	snprintf(doc, sizeof(doc), "%s\"policy.rego\" = 'a\nb'\n", head);
	expect_refused(doc, "newline in a single-line string");
	snprintf(doc, sizeof(doc), "%s\"policy.rego\" = 'a' extra\n", head);
	expect_refused(doc, "unexpected text after a value");
	snprintf(doc, sizeof(doc), "%s\"policy.rego\" = 42\n", head);
	expect_refused(doc, "want a string value");
	snprintf(doc, sizeof(doc), "%s\"policy.rego\" 'x'\n", head);
	expect_refused(doc, "want '='");
	expect_refused("= 'x'\n", "want a key");
	expect_refused("version = \"1\"\n\"a\\u0000b\" = 'x'\n", "not text");
}

static void test_limit(void **state)
{
	(void)state;
	struct ct_buf b;
	struct ct_span big = { (const uint8_t *)"", CT_INITDATA_MAX + 1 };

	ct_buf_init(&b, CT_INITDATA_MAX);
	assert_ct_err(ct_initdata_policy(big, &b), CT_ERR_LIMIT);
	ct_buf_dispose(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_other_forms),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
