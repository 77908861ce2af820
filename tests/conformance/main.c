/*
 * main.c - the OPA conformance runner's driver: walks the YAML files under
 * <data>/{v1,v0}/<topic>/, runs every case in a forked child (a crash,
 * a sanitizer report or a hang fails that case only; an alarm backs up the
 * engine's own wall-clock limit), prints pass/fail per topic, per tier and
 * in total, and implements the two list modes:
 *   --list-passing FILE   write the names of passing cases
 *   --check-passing FILE  exit 1 if a case named in FILE does not pass
 * Case names are "v1/<topic>/<file>.yaml#<index>" (notes are not unique).
 * Inputs are the shipped YAML files and the two lists; the engine is the
 * code under test.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"

#define CONF_CASE_ALARM_S 20
#define CONF_NAME_MAX 1024
#define CONF_LIST_MAX ((size_t)8 << 20)
#define CONF_TOPICS_MAX 256

struct list {
	char **names; /* sorted */
	char **notes; /* reason per name (skip list), may be NULL */
	size_t n, cap;
};

struct tally {
	unsigned pass, fail, skip;
};

struct run {
	struct conf_opts o;
	const char *root;
	const char *topic;   /* only this topic */
	const char *only;    /* only this case */
	struct list skip, tiers, gate;
	bool have_gate, only_gate, fork;
	FILE *passing, *failures;
	struct tally tier[2][5]; /* [dir][T0..T4] (T0: unknown) */
	struct tally total[2];
	unsigned gate_failed;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "name rest-of-line" lines; '#' starts a comment line. */
static bool list_load(struct list *l, const char *path, bool want_notes)
{
	struct ct_buf b;
	char *p, *line, *end;

	ct_buf_init(&b, CONF_LIST_MAX);
	if (!ct_ok(ct_file_read(&b, path, CONF_LIST_MAX))) {
		fprintf(stderr, "conformance: %s\n", ct_error_message());
		ct_buf_dispose(&b);
		return false;
	}
	for (p = (char *)b.data; p < (char *)b.data + b.len; p = end + 1) {
		char *sp, *note = NULL;

		line = p;
		end = memchr(p, '\n', (size_t)((char *)b.data + b.len - p));
		if (end == NULL)
			end = (char *)b.data + b.len;
		*end = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		sp = strpbrk(line, " \t");
		if (sp != NULL) {
			*sp = '\0';
			note = sp + 1;
			while (*note == ' ' || *note == '\t')
				note++;
		}
		if (l->n == l->cap) {
			size_t nc = l->cap ? l->cap * 2 : 256;
			char **nn = realloc(l->names, nc * sizeof(*nn));
			char **no = nn ? realloc(l->notes, nc * sizeof(*no)) : NULL;

			if (nn != NULL)
				l->names = nn;
			if (no == NULL) {
				ct_buf_dispose(&b);
				return false;
			}
			l->notes = no;
			l->cap = nc;
		}
		l->names[l->n] = strdup(line);
		l->notes[l->n] = want_notes && note ? strdup(note) : NULL;
		if (l->names[l->n] == NULL) {
			ct_buf_dispose(&b);
			return false;
		}
		l->n++;
	}
	ct_buf_dispose(&b);
	/* Sort names and notes together: sort an index, then permute. */
	for (size_t i = 1; i < l->n; i++)
		for (size_t j = i; j > 0 && strcmp(l->names[j - 1], l->names[j]) > 0; j--) {
			char *t = l->names[j];

			l->names[j] = l->names[j - 1];
			l->names[j - 1] = t;
			t = l->notes[j];
			l->notes[j] = l->notes[j - 1];
			l->notes[j - 1] = t;
		}
	return true;
}

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->names[i]);
		free(l->notes[i]);
	}
	free(l->names);
	free(l->notes);
}

/* Index of name in the list, or -1. */
static long list_find(const struct list *l, const char *name)
{
	char **hit;

	if (l->n == 0)
		return -1;
	hit = bsearch(&name, l->names, l->n, sizeof(char *), cmp_str);
	return hit ? (long)(hit - l->names) : -1;
}

static int tier_of(const struct run *r, const char *topic)
{
	long i = list_find(&r->tiers, topic);

	if (i < 0 || r->tiers.notes[i] == NULL || r->tiers.notes[i][0] != 'T')
		return 0;
	if (r->tiers.notes[i][1] < '1' || r->tiers.notes[i][1] > '4')
		return 0;
	return r->tiers.notes[i][1] - '0';
}

/* The skip reason for a case (by case name, "<dir>/<topic>" or "*<slash><topic>"). */
static const char *skip_reason(const struct run *r, const char *dir,
			       const char *topic, const char *name)
{
	char key[CONF_NAME_MAX];
	long i = list_find(&r->skip, name);

	if (i >= 0)
		return r->skip.notes[i] ? r->skip.notes[i] : "skipped";
	(void)snprintf(key, sizeof(key), "%s/%s", dir, topic);
	if ((i = list_find(&r->skip, key)) >= 0)
		return r->skip.notes[i] ? r->skip.notes[i] : "skipped";
	(void)snprintf(key, sizeof(key), "*/%s", topic);
	if ((i = list_find(&r->skip, key)) >= 0)
		return r->skip.notes[i] ? r->skip.notes[i] : "skipped";
	return NULL;
}

static void note(struct ct_buf *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct ct_buf *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!ct_ok(ct_buf_vprintf(why, fmt, ap)))
		ct_error_clear();
	va_end(ap);
}

/* Runs a case in a child; true on pass, `why` explains a failure. */
static bool run_forked(const struct run *r, struct fy_node *c,
		       enum ct_rego_syntax syn, struct ct_buf *why)
{
	int fds[2], status = 0;
	pid_t pid;
	char buf[CONF_WHY_MAX];
	size_t got = 0;
	ssize_t n;

	if (!r->fork) {
		return conf_run_case(c, syn, &r->o, why);
	}
	if (pipe(fds) != 0) {
		note(why, "pipe: %s", strerror(errno));
		return false;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		note(why, "fork: %s", strerror(errno));
		return false;
	}
	if (pid == 0) {
		bool ok;

		close(fds[0]);
		alarm(CONF_CASE_ALARM_S);
		ok = conf_run_case(c, syn, &r->o, why);
		buf[0] = ok ? 'P' : 'F';
		if (write(fds[1], buf, 1) == 1 && why->len > 0 &&
		    write(fds[1], why->data, why->len) < 0)
			ok = false;
		close(fds[1]);
		ct_buf_dispose(why);
		exit(0); /* through atexit: LeakSanitizer checks the case */
	}
	close(fds[1]);
	while (got < sizeof(buf) - 1 &&
	       (n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[got] = '\0';
	if (got > 1)
		note(why, "%s", buf + 1);
	if (WIFSIGNALED(status)) {
		note(why, "%skilled by signal %d%s",
				    why->len ? "; " : "", WTERMSIG(status),
				    WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
		return false;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		note(why, "%schild exit %d (sanitizer report?)",
				    why->len ? "; " : "", WEXITSTATUS(status));
		return false;
	}
	return got >= 1 && buf[0] == 'P';
}

static void run_file(struct run *r, int d, const char *dir, const char *topic,
		     const char *file, struct tally *t)
{
	char path[CONF_NAME_MAX * 4], name[CONF_NAME_MAX];
	struct fy_document *doc;
	struct fy_node *cases, *c;
	void *it = NULL;
	unsigned idx = 0;
	enum ct_rego_syntax syn = d == 0 ? CT_REGO_V1 : CT_REGO_V0;

	(void)snprintf(path, sizeof(path), "%s/%s/%s/%s", r->root, dir, topic, file);
	doc = fy_document_build_from_file(NULL, path);
	if (doc == NULL) {
		fprintf(stderr, "conformance: cannot parse %s\n", path);
		t->fail++;
		return;
	}
	cases = conf_yaml_get(fy_document_root(doc), "cases");
	while (cases != NULL && (c = fy_node_sequence_iterate(cases, &it)) != NULL) {
		struct ct_buf why;
		const char *skip;
		long gi;
		bool ok;

		(void)snprintf(name, sizeof(name), "%s/%s/%s#%u", dir, topic, file, idx++);
		if (r->only != NULL && strcmp(r->only, name) != 0)
			continue;
		gi = r->have_gate ? list_find(&r->gate, name) : -1;
		if (r->only_gate && gi < 0)
			continue;
		skip = skip_reason(r, dir, topic, name);
		if (skip != NULL && gi < 0) {
			t->skip++;
			if (r->o.verbose)
				printf("  SKIP %s: %s\n", name, skip);
			continue;
		}
		ct_buf_init(&why, CONF_WHY_MAX);
		ok = run_forked(r, c, syn, &why);
		if (ok) {
			t->pass++;
			if (r->passing != NULL)
				fprintf(r->passing, "%s\n", name);
		} else {
			size_t nl = 0;
			const char *note = conf_yaml_str(c, "note", &nl);

			t->fail++;
			if (gi >= 0) {
				r->gate_failed++;
				printf("  REGRESSION %s: %s\n", name, ct_buf_cstr(&why));
			} else if (r->o.verbose || r->only != NULL) {
				printf("  FAIL %s (%.*s): %s\n", name, (int)nl,
				       note ? note : "", ct_buf_cstr(&why));
			}
			if (r->failures != NULL)
				fprintf(r->failures, "%s\t%.*s\t%s\n", name, (int)nl,
					note ? note : "", ct_buf_cstr(&why));
		}
		ct_buf_dispose(&why);
	}
	fy_document_destroy(doc);
}

static int yaml_only(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0;
}

static int no_dots(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static void run_dir(struct run *r, int d)
{
	const char *dir = d == 0 ? "v1" : "v0";
	char path[CONF_NAME_MAX * 4];
	struct dirent **topics = NULL;
	int nt, i;

	(void)snprintf(path, sizeof(path), "%s/%s", r->root, dir);
	nt = scandir(path, &topics, no_dots, alphasort);
	if (nt < 0) {
		fprintf(stderr, "conformance: cannot read %s: %s\n", path, strerror(errno));
		r->total[d].fail++;
		return;
	}
	for (i = 0; i < nt; i++) {
		const char *topic = topics[i]->d_name;
		struct dirent **files = NULL;
		struct tally t = { 0, 0, 0 };
		int nf, j, tier;

		if (r->topic != NULL && strcmp(r->topic, topic) != 0)
			goto next;
		(void)snprintf(path, sizeof(path), "%s/%s/%s", r->root, dir, topic);
		nf = scandir(path, &files, yaml_only, alphasort);
		for (j = 0; j < nf; j++) {
			run_file(r, d, dir, topic, files[j]->d_name, &t);
			free(files[j]);
		}
		free(files);
		tier = tier_of(r, topic);
		if (t.pass + t.fail + t.skip > 0)
			printf("%s/%-36s T%d %4u/%-4u%s%s\n", dir, topic, tier, t.pass,
			       t.pass + t.fail + t.skip,
			       t.skip ? "  (skipped " : "",
			       t.skip ? (t.fail ? "some)" : "all failing)") : "");
		r->tier[d][tier].pass += t.pass;
		r->tier[d][tier].fail += t.fail;
		r->tier[d][tier].skip += t.skip;
		r->total[d].pass += t.pass;
		r->total[d].fail += t.fail;
		r->total[d].skip += t.skip;
next:
		free(topics[i]);
	}
	free(topics);
}

static double pct(unsigned a, unsigned b)
{
	return b ? 100.0 * a / b : 0.0;
}

static void summary(const struct run *r, int d)
{
	const char *dir = d == 0 ? "v1" : "v0";
	const struct tally *t = &r->total[d];
	unsigned all = t->pass + t->fail + t->skip, cum_p = 0, cum_n = 0;

	if (all == 0)
		return;
	printf("%s: %u/%u passed (%.1f%%), %u failed, %u skipped%s\n", dir,
	       t->pass, all, pct(t->pass, all), t->fail, t->skip,
	       r->only_gate ? " (only the listed cases ran)" : "");
	for (int k = 1; k <= 4; k++) {
		const struct tally *x = &r->tier[d][k];
		unsigned n = x->pass + x->fail + x->skip;

		cum_p += x->pass;
		cum_n += n;
		printf("%s T%d: %u/%u passed (%.1f%%); T1..T%d %u/%u (%.1f%%)\n",
		       dir, k, x->pass, n, pct(x->pass, n), k, cum_p, cum_n,
		       pct(cum_p, cum_n));
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: conformance_runner [options] DATA_DIR\n"
		"  --dir v1|v0            only this directory (default: both)\n"
		"  --topic NAME           only this topic\n"
		"  --case NAME            only this case (v1/topic/file.yaml#N), verbose\n"
		"  --skip FILE            skip list (name or dir/topic or */topic, reason)\n"
		"  --tiers FILE           topic tier table\n"
		"  --list-passing FILE    write names of passing cases\n"
		"  --failures FILE        write name, note, reason of failing cases\n"
		"  --check-passing FILE   exit 1 if a listed case fails\n"
		"  --only-listed          with --check-passing: run only listed cases\n"
		"  --no-fork              run cases in-process (debugging)\n"
		"  --max-steps N --max-wall-ms N --max-memory-mb N\n"
		"  -v                     print every failure\n");
}

static bool num_arg(const char *s, uint64_t *out)
{
	if (!ct_ok(ct_parse_u64(s, UINT64_MAX, out))) {
		fprintf(stderr, "conformance: bad number %s\n", s);
		ct_error_clear();
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct run r;
	int dirs = 3, rc = 0, i;
	uint64_t v;

	memset(&r, 0, sizeof(r));
	r.fork = true;
	r.o.limits.max_steps = 5 * 1000 * 1000;
	r.o.limits.max_memory = (size_t)256 << 20;
	r.o.limits.max_wall_ms = 10 * 1000;
	r.o.limits.max_call_depth = 256;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool need = true;

		if (strcmp(a, "-v") == 0) {
			r.o.verbose = true;
			need = false;
		} else if (strcmp(a, "--no-fork") == 0) {
			r.fork = false;
			need = false;
		} else if (strcmp(a, "--only-listed") == 0) {
			r.only_gate = true;
			need = false;
		} else if (a[0] != '-') {
			r.root = a;
			need = false;
		} else if (val == NULL) {
			usage();
			return 2;
		} else if (strcmp(a, "--dir") == 0) {
			dirs = strcmp(val, "v1") == 0 ? 1 : strcmp(val, "v0") == 0 ? 2 : 0;
		} else if (strcmp(a, "--topic") == 0) {
			r.topic = val;
		} else if (strcmp(a, "--case") == 0) {
			r.only = val;
		} else if (strcmp(a, "--skip") == 0) {
			if (!list_load(&r.skip, val, true))
				return 2;
		} else if (strcmp(a, "--tiers") == 0) {
			if (!list_load(&r.tiers, val, true))
				return 2;
		} else if (strcmp(a, "--check-passing") == 0) {
			if (!list_load(&r.gate, val, false))
				return 2;
			r.have_gate = true;
		} else if (strcmp(a, "--list-passing") == 0) {
			if ((r.passing = fopen(val, "w")) == NULL) {
				perror(val);
				return 2;
			}
		} else if (strcmp(a, "--failures") == 0) {
			if ((r.failures = fopen(val, "w")) == NULL) {
				perror(val);
				return 2;
			}
		} else if (strcmp(a, "--max-steps") == 0) {
			if (!num_arg(val, &v))
				return 2;
			r.o.limits.max_steps = v;
		} else if (strcmp(a, "--max-wall-ms") == 0) {
			if (!num_arg(val, &v))
				return 2;
			r.o.limits.max_wall_ms = v;
		} else if (strcmp(a, "--max-memory-mb") == 0) {
			if (!num_arg(val, &v) || v > 65536)
				return 2;
			r.o.limits.max_memory = (size_t)v << 20;
		} else {
			usage();
			return 2;
		}
		if (need)
			i++;
	}
	if (r.root == NULL || dirs == 0) {
		usage();
		return 2;
	}
	if (r.only != NULL)
		r.o.verbose = true;
	if (dirs & 1)
		run_dir(&r, 0);
	if (dirs & 2)
		run_dir(&r, 1);
	summary(&r, 0);
	summary(&r, 1);
	if (r.have_gate) {
		printf("regression gate: %u of %zu listed cases failed\n",
		       r.gate_failed, r.gate.n);
		if (r.gate_failed > 0)
			rc = 1;
	}
	if (r.passing != NULL && fclose(r.passing) != 0)
		rc = 2;
	if (r.failures != NULL && fclose(r.failures) != 0)
		rc = 2;
	list_free(&r.skip);
	list_free(&r.tiers);
	list_free(&r.gate);
	return rc;
}
