/*
 * cmd_policy_eval.c - `contrast policy eval`: evaluates a Rego query
 * against modules, data documents and an input, like `opa eval`, and prints
 * the result set as one JSON array of binding objects.
 *
 * Trust boundary: every file and the query are untrusted user input; they
 * are read with size limits and handed to the engine, whose limits bound
 * the evaluation. Exit codes: 0 success (also an undefined result), 2 on a
 * usage, parse or evaluation error (message on stderr).
 */
#include "cli.h"

#include "base/base.h"
#include "rego/rego.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EVAL_MAX_FILE ((size_t)64 << 20)
#define EVAL_MAX_DIR_ENTRIES 4096

static void usage(FILE *f)
{
	fprintf(f,
		"usage: contrast policy eval [-d FILE.rego|FILE.json|DIR]... [--data FILE.json]...\n"
		"                            [--input FILE.json | --input-term TERM]\n"
		"                            [--strict-builtin-errors] [--v0] QUERY\n"
		"Evaluates QUERY and prints the result set as a JSON array of binding\n"
		"objects ([] when undefined). A directory loads its *.rego and *.json files.\n");
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

static ct_result load_json(struct ct_rego_compiler *c, const char *path)
{
	struct ct_buf b;
	struct ct_rego_value *v = NULL;
	ct_buf_init(&b, EVAL_MAX_FILE);
	ct_result r = ct_file_read(&b, path, EVAL_MAX_FILE);
	if (ct_ok(r))
		r = ct_rego_json_parse(ct_buf_span(&b), NULL, &v);
	if (ct_ok(r))
		r = ct_rego_compiler_add_data(c, v);
	ct_rego_value_unref(v);
	ct_buf_dispose(&b);
	if (!ct_ok(r))
		return ct_error_prefix("%s", path);
	return r;
}

static ct_result load_rego(struct ct_rego_compiler *c, const char *path,
			   enum ct_rego_syntax syn)
{
	struct ct_buf b;
	ct_buf_init(&b, CT_REGO_MODULE_MAX_BYTES);
	ct_result r = ct_file_read(&b, path, CT_REGO_MODULE_MAX_BYTES);
	if (ct_ok(r))
		r = ct_rego_compiler_add_module(c, path, (const char *)b.data, b.len, syn);
	ct_buf_dispose(&b);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static ct_result load_dir(struct ct_rego_compiler *c, const char *dir,
			  enum ct_rego_syntax syn)
{
	DIR *d = opendir(dir);
	if (!d)
		return CT_FAIL(CT_ERR_IO, "%s: cannot open directory", dir);
	char *names[EVAL_MAX_DIR_ENTRIES];
	size_t n = 0;
	ct_result r = CT_OK;
	struct dirent *e;
	while ((e = readdir(d)) && ct_ok(r)) {
		if (e->d_name[0] == '.')
			continue;
		if (!ends_with(e->d_name, ".rego") && !ends_with(e->d_name, ".json"))
			continue;
		if (n == EVAL_MAX_DIR_ENTRIES) {
			r = CT_FAIL(CT_ERR_LIMIT, "%s: more than %d files", dir,
				    EVAL_MAX_DIR_ENTRIES);
			break;
		}
		names[n] = ct_aprintf("%s/%s", dir, e->d_name);
		if (!names[n])
			r = CT_FAIL(CT_ERR_NOMEM, "out of memory");
		else
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (ct_ok(r))
			r = ends_with(names[i], ".rego") ? load_rego(c, names[i], syn)
							 : load_json(c, names[i]);
		free(names[i]);
	}
	return r;
}

static ct_result load_path(struct ct_rego_compiler *c, const char *path,
			   enum ct_rego_syntax syn)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return load_dir(c, path, syn);
	if (ends_with(path, ".json"))
		return load_json(c, path);
	return load_rego(c, path, syn);
}

int ct_cli_policy_eval(int argc, char **argv)
{
	const char *mods[256], *datas[256];
	size_t nmods = 0, ndatas = 0;
	const char *input_file = NULL, *input_term = NULL, *query = NULL;
	bool strict = false;
	enum ct_rego_syntax syn = CT_REGO_V1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_next = i + 1 < argc;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return CT_EXIT_OK;
		} else if ((strcmp(a, "-d") == 0 || strcmp(a, "--data") == 0) && has_next) {
			const char *v = argv[++i];
			if (strcmp(a, "--data") == 0 && ends_with(v, ".json")) {
				if (ndatas == 256)
					goto too_many;
				datas[ndatas++] = v;
			} else {
				if (nmods == 256)
					goto too_many;
				mods[nmods++] = v;
			}
		} else if (strcmp(a, "--input") == 0 && has_next) {
			input_file = argv[++i];
		} else if (strcmp(a, "--input-term") == 0 && has_next) {
			input_term = argv[++i];
		} else if (strcmp(a, "--strict-builtin-errors") == 0) {
			strict = true;
		} else if (strcmp(a, "--v0") == 0) {
			syn = CT_REGO_V0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "contrast policy eval: unknown option %s\n", a);
			usage(stderr);
			return CT_EXIT_USAGE;
		} else if (!query) {
			query = a;
		} else {
			fprintf(stderr, "contrast policy eval: more than one query\n");
			return CT_EXIT_USAGE;
		}
	}
	if (!query || (input_file && input_term)) {
		usage(stderr);
		return CT_EXIT_USAGE;
	}

	struct ct_rego_compiler *c = NULL;
	struct ct_rego_policy *p = NULL;
	struct ct_rego_value *input = NULL, *rs = NULL;
	struct ct_buf out;
	int rc = CT_EXIT_USAGE;
	ct_buf_init(&out, (size_t)256 << 20);
	ct_result r = ct_rego_compiler_new(&c);
	for (size_t i = 0; i < nmods && ct_ok(r); i++)
		r = load_path(c, mods[i], syn);
	for (size_t i = 0; i < ndatas && ct_ok(r); i++)
		r = load_json(c, datas[i]);
	if (ct_ok(r))
		r = ct_rego_compile(c, &p);
	if (ct_ok(r) && input_file) {
		struct ct_buf b;
		ct_buf_init(&b, EVAL_MAX_FILE);
		r = ct_file_read(&b, input_file, EVAL_MAX_FILE);
		if (ct_ok(r))
			r = ct_rego_json_parse(ct_buf_span(&b), NULL, &input);
		if (!ct_ok(r))
			r = ct_error_prefix("%s", input_file);
		ct_buf_dispose(&b);
	}
	if (ct_ok(r) && input_term)
		r = ct_rego_parse_term(input_term, strlen(input_term), &input);
	if (ct_ok(r)) {
		struct ct_rego_eval_opts o = { .input = input,
					       .strict_builtin_errors = strict,
					       .query_syntax = syn };
		r = ct_rego_eval(p, query, &o, &rs);
	}
	if (ct_ok(r))
		r = ct_rego_value_to_json(rs, &out);
	if (ct_ok(r)) {
		fwrite(out.data, 1, out.len, stdout);
		fputc('\n', stdout);
		rc = CT_EXIT_OK;
	} else {
		fprintf(stderr, "%s\n", ct_error_message());
	}
	ct_buf_dispose(&out);
	ct_rego_value_unref(rs);
	ct_rego_value_unref(input);
	ct_rego_policy_free(p);
	ct_rego_compiler_free(c);
	return rc;
too_many:
	fprintf(stderr, "contrast policy eval: too many files\n");
	return CT_EXIT_USAGE;
}
