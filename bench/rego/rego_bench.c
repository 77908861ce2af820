/*
 * rego_bench.c - Rego engine cost for an agent-policy-sized workload: the
 * time to compile ~60 KB of rules plus ~5 KB of data per container, and
 * the time of one decision against a ~20 KB input, as a ratio to parsing
 * that input as JSON in the same run (goals: compile <= 20 ms, decision
 * <= 10x parse). Not a test: prints numbers only.
 *
 * The policy is synthetic but shaped like a Kata agent policy: a default
 * deny, one allow rule that finds a container in data whose image,
 * command, environment, mounts and annotations match the request, and
 * ~290 helper rules of per-request checks (string built-ins, regex,
 * every/some loops, object.get). It is generated here so its size can be
 * tuned and no third-party policy text is needed.
 *
 * usage: rego_bench [rounds]   (default 200 decisions; capped at 100000)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rego/rego.h"

#define BENCH_CHECKS 290
#define BENCH_CONTAINERS 3
#define BENCH_ENV 34
#define BENCH_MOUNTS 20
#define BENCH_ANNOT 40
#define BENCH_INPUT_EXTRA 270
#define BENCH_COMPILE_ROUNDS 5
#define BENCH_ALTERNATIONS 3
#define BENCH_ROUNDS_MAX 100000
#define BENCH_TEXT_MAX ((size_t)4 << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "rego bench: %s: %s\n", what, ct_error_message());
	exit(2);
}

static void put(struct ct_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct ct_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!ct_ok(ct_buf_vprintf(b, fmt, ap)))
		die("text buffer");
	va_end(ap);
}

static void gen_policy(struct ct_buf *b)
{
	int i;

	put(b, "package agent_policy\n\n"
	       "default CreateContainerRequest := {\"allowed\": false}\n\n"
	       "CreateContainerRequest := {\"allowed\": true} if {\n"
	       "\tsome c in data.containers\n"
	       "\tcontainer_matches(c, input)\n"
	       "\tall_checks(input)\n"
	       "}\n\n"
	       "container_matches(c, i) if {\n"
	       "\tc.image == i.image\n"
	       "\tc.args == i.OCI.Process.Args\n"
	       "\tevery e in i.OCI.Process.Env { env_allowed(e, c) }\n"
	       "\tevery m in i.OCI.Mounts { mount_allowed(m, c) }\n"
	       "\tevery k, v in c.annotations { i.OCI.Annotations[k] == v }\n"
	       "}\n\n"
	       "env_allowed(e, c) if e in c.env\n"
	       "env_allowed(e, c) if {\n"
	       "\tsome p in c.env_patterns\n"
	       "\tregex.match(p, e)\n"
	       "}\n\n"
	       "mount_allowed(m, c) if {\n"
	       "\tsome cm in c.mounts\n"
	       "\tcm.destination == m.destination\n"
	       "\tcm.type == m.type\n"
	       "\tstartswith(m.source, cm.source_prefix)\n"
	       "\tevery o in m.options { o in cm.options }\n"
	       "}\n\n");
	put(b, "all_checks(i) if {\n");
	for (i = 0; i < BENCH_CHECKS; i++)
		put(b, "\tcheck_%d(i)\n", i);
	put(b, "}\n\n");
	for (i = 0; i < BENCH_CHECKS; i++) {
		switch (i % 5) {
		case 0:
			put(b, "# check %d: process arguments stay within bounds.\n"
			       "check_%d(i) if {\n"
			       "\tp := i.OCI.Process\n"
			       "\tcount(p.Args) < %d\n"
			       "\tevery a in p.Args { not contains(a, \"forbidden-%d\") }\n"
			       "\tp.Cwd == \"/\"\n}\n\n", i, i, 10 + i, i);
			break;
		case 1:
			put(b, "# check %d: the PATH variable is well formed.\n"
			       "check_%d(i) if {\n"
			       "\tsome e in i.OCI.Process.Env\n"
			       "\tstartswith(e, \"PATH=\")\n"
			       "\tparts := split(trim_prefix(e, \"PATH=\"), \":\")\n"
			       "\tcount(parts) >= 2\n"
			       "\tnot \"/tmp/evil%d\" in parts\n}\n\n", i, i, i);
			break;
		case 2:
			put(b, "# check %d: annotation %d is absent or harmless.\n"
			       "check_%d(i) if {\n"
			       "\tv := object.get(i.OCI.Annotations, \"io.katacontainers.pkg.%d\", \"none\")\n"
			       "\tv != \"evil\"\n"
			       "\tlower(v) == v\n}\n\n", i, i, i, i);
			break;
		case 3:
			put(b, "# check %d: mount destinations are clean paths.\n"
			       "check_%d(i) if {\n"
			       "\tevery m in i.OCI.Mounts {\n"
			       "\t\tstartswith(m.destination, \"/\")\n"
			       "\t\tnot contains(m.destination, \"..\")\n"
			       "\t\tcount(m.options) <= %d\n"
			       "\t}\n}\n\n", i, i, 8 + i);
			break;
		default:
			put(b, "# check %d: the hostname matches the sandbox naming scheme.\n"
			       "check_%d(i) if {\n"
			       "\tregex.match(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, i.OCI.Hostname)\n"
			       "\tconcat(\"-\", [i.OCI.Hostname, \"%d\"]) != \"\"\n"
			       "\tto_number(\"%d\") == %d\n}\n\n", i, i, i, i, i);
			break;
		}
	}
}

static void gen_env(struct ct_buf *b, int c)
{
	put(b, "[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"");
	for (int e = 1; e < BENCH_ENV; e++)
		put(b, ",\"SERVICE_%d_PORT_%d=tcp://10.0.%d.%d:%d\"", c, e, c, e,
		    8000 + e);
	put(b, "]");
}

static void gen_mounts(struct ct_buf *b, bool policy)
{
	put(b, "[");
	for (int m = 0; m < BENCH_MOUNTS; m++)
		put(b, "%s{\"destination\":\"/var/lib/data/vol%d\",\"type\":\"bind\","
		       "\"%s\":\"/run/kata-containers/shared/containers/vol%d%s\","
		       "\"options\":[\"rbind\",\"rprivate\",\"rw\"]}",
		    m ? "," : "", m, policy ? "source_prefix" : "source", m,
		    policy ? "" : "-abcdef0123456789");
	put(b, "]");
}

static void gen_annotations(struct ct_buf *b, int c, int extra)
{
	put(b, "{");
	for (int a = 0; a < BENCH_ANNOT; a++)
		put(b, "%s\"io.kubernetes.cri.key%d\":\"value-%d-%d\"", a ? "," : "",
		    a, c, a);
	for (int a = 0; a < extra; a++)
		put(b, ",\"io.katacontainers.config.extra%d\":\"sandbox-%d\"", a, a);
	put(b, "}");
}

static void gen_data(struct ct_buf *b)
{
	put(b, "{\"containers\":[");
	for (int c = 0; c < BENCH_CONTAINERS; c++) {
		put(b, "%s{\"image\":\"registry.example/app%d@sha256:%064d\","
		       "\"args\":[\"/bin/app\",\"--serve\",\"--port=%d\"],\"env\":",
		    c ? "," : "", c, c, 8080 + c);
		gen_env(b, c);
		put(b, ",\"env_patterns\":[\"^HOSTNAME=[a-z0-9-]+$\",\"^POD_IP=[0-9.]+$\"],"
		       "\"mounts\":");
		gen_mounts(b, true);
		put(b, ",\"annotations\":");
		gen_annotations(b, c, 0);
		put(b, "}");
	}
	put(b, "]}");
}

/* The request of the last container (so the search visits all). */
static void gen_input(struct ct_buf *b)
{
	int c = BENCH_CONTAINERS - 1;

	put(b, "{\"image\":\"registry.example/app%d@sha256:%064d\",\"OCI\":{"
	       "\"Hostname\":\"app-7d9f8c-x2x9q\",\"Process\":{\"Cwd\":\"/\","
	       "\"Args\":[\"/bin/app\",\"--serve\",\"--port=%d\"],\"Env\":",
	    c, c, 8080 + c);
	gen_env(b, c);
	put(b, "},\"Mounts\":");
	gen_mounts(b, false);
	put(b, ",\"Annotations\":");
	gen_annotations(b, c, BENCH_INPUT_EXTRA);
	put(b, ",\"Linux\":{\"Namespaces\":[{\"Type\":\"ipc\"},{\"Type\":\"uts\"},"
	       "{\"Type\":\"mount\"}],\"MaskedPaths\":[\"/proc/acpi\",\"/proc/kcore\","
	       "\"/proc/keys\",\"/proc/latency_stats\",\"/proc/timer_list\"]}}}");
}

static struct ct_rego_policy *compile(const struct ct_buf *pol,
				      const struct ct_rego_value *data)
{
	struct ct_rego_compiler *c = NULL;
	struct ct_rego_policy *p = NULL;

	if (!ct_ok(ct_rego_compiler_new(&c)) ||
	    !ct_ok(ct_rego_compiler_add_module(c, "bench.rego", ct_buf_cstr(pol),
					       pol->len, CT_REGO_V1)) ||
	    !ct_ok(ct_rego_compiler_add_data(c, data)) ||
	    !ct_ok(ct_rego_compile(c, &p)))
		die("compile");
	ct_rego_compiler_free(c);
	return p;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 200;
	struct ct_buf pol, dat, inp, out;
	struct ct_rego_value *data = NULL, *input = NULL, *res = NULL;
	struct ct_rego_policy *p = NULL;
	struct ct_rego_eval_opts o;
	double t0, t_compile = 1e9, t_parse, t_decide;
	long i, parse_rounds;

	if (rounds < 1 || rounds > BENCH_ROUNDS_MAX)
		rounds = 200;
	ct_buf_init(&pol, BENCH_TEXT_MAX);
	ct_buf_init(&dat, BENCH_TEXT_MAX);
	ct_buf_init(&inp, BENCH_TEXT_MAX);
	ct_buf_init(&out, BENCH_TEXT_MAX);
	gen_policy(&pol);
	gen_data(&dat);
	gen_input(&inp);
	if (!ct_ok(ct_rego_json_parse(ct_buf_span(&dat), NULL, &data)) ||
	    !ct_ok(ct_rego_json_parse(ct_buf_span(&inp), NULL, &input)))
		die("generated JSON");
	printf("rego bench: policy %zu bytes, data %zu bytes (%zu per container), "
	       "input %zu bytes\n", pol.len, dat.len, dat.len / BENCH_CONTAINERS,
	       inp.len);

	/* Compile: best of a few rounds. */
	for (i = 0; i < BENCH_COMPILE_ROUNDS; i++) {
		t0 = now();
		p = compile(&pol, data);
		t0 = now() - t0;
		if (t0 < t_compile)
			t_compile = t0;
		if (i + 1 < BENCH_COMPILE_ROUNDS)
			ct_rego_policy_free(p);
	}

	/* Baseline: JSON parse of the input, same process, same run; the two
	 * are measured in alternating rounds and the best round of each is
	 * kept, so load from other processes skews both alike. */
	parse_rounds = rounds * 10;
	memset(&o, 0, sizeof(o));
	o.input = input;
	t_parse = t_decide = 1e9;
	for (int r = 0; r < BENCH_ALTERNATIONS; r++) {
		double t;

		t0 = now();
		for (i = 0; i < parse_rounds; i++) {
			struct ct_rego_value *v = NULL;

			if (!ct_ok(ct_rego_json_parse(ct_buf_span(&inp), NULL, &v)))
				die("json parse");
			ct_rego_value_unref(v);
		}
		t = (now() - t0) / (double)parse_rounds;
		if (t < t_parse)
			t_parse = t;
		t0 = now();
		for (i = 0; i < rounds; i++) {
			ct_rego_value_unref(res);
			res = NULL;
			if (!ct_ok(ct_rego_eval_ref(p, "data.agent_policy.CreateContainerRequest",
						    &o, &res)))
				die("decision");
		}
		t = (now() - t0) / (double)rounds;
		if (t < t_decide)
			t_decide = t;
	}
	if (res == NULL || !ct_ok(ct_rego_value_to_json(res, &out)))
		die("decision result");
	printf("decision: %s\n", ct_buf_cstr(&out));
	printf("compile: %.2f ms (goal <= 20 ms)\n", t_compile * 1e3);
	printf("json parse of input: %.1f us\n", t_parse * 1e6);
	printf("decision: %.1f us (best of %d x %ld rounds)\n", t_decide * 1e6,
	       BENCH_ALTERNATIONS, rounds);
	printf("ratio decision/parse: %.1f (goal <= 10)\n", t_decide / t_parse);
	ct_rego_value_unref(res);
	ct_rego_value_unref(data);
	ct_rego_value_unref(input);
	ct_rego_policy_free(p);
	ct_buf_dispose(&pol);
	ct_buf_dispose(&dat);
	ct_buf_dispose(&inp);
	ct_buf_dispose(&out);
	return 0;
}
