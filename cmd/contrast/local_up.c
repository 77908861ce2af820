/*
 * local_up.c - the flow of `contrast local up` (docs/local-mode.md):
 * work dir and lock, generate, simulator, Coordinator, set, pods, probes,
 * verify, scenarios, summary.
 *
 * Everything security-relevant is done by the real programs, run as
 * separate processes exactly as a user would run them (`contrast
 * generate`, `contrast set`, `contrast verify`, `contrast recover`,
 * `contrast-coordinator`, `contrast-initializer`); this file only
 * orchestrates them and records every process it starts, so `down` and a
 * later `up` find them again.
 */
#include "cli.h"
#include "local_ctx.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CT_SOURCE_ROOT
#define CT_SOURCE_ROOT "."
#endif

#define INITIALIZER_IMAGE "ghcr.io/contrast-c/initializer:v0.1.0"

static const char *const scenario_names[] = {
	[LOCAL_SCENARIO_NONE] = "none",
	[LOCAL_SCENARIO_UPDATE] = "update",
	[LOCAL_SCENARIO_RECOVER] = "recover",
	[LOCAL_SCENARIO_TAMPERED_POD] = "tampered-pod",
	[LOCAL_SCENARIO_EDITED_POD] = "edited-pod",
	[LOCAL_SCENARIO_WRONG_MEASUREMENT] = "wrong-measurement",
	[LOCAL_SCENARIO_LYING_HOST] = "lying-host",
};

ct_result local_scenario_parse(const char *name, enum local_scenario *out)
{
	for (size_t i = 0; i < sizeof(scenario_names) / sizeof(scenario_names[0]); i++)
		if (strcmp(name, scenario_names[i]) == 0) {
			*out = (enum local_scenario)i;
			return CT_OK;
		}
	return CT_FAIL(CT_ERR_USAGE,
		       "--scenario: unknown \"%s\" (want update, recover, tampered-pod, "
		       "edited-pod, wrong-measurement or lying-host)", name);
}

const char *local_scenario_name(enum local_scenario s)
{
	return scenario_names[s];
}

void local_step(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("==> ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
}

/* --- preparation ------------------------------------------------------- */

static bool executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* A sibling program: $CONTRAST_BIN_DIR, the build tree, next to us. */
static CT_RESULT find_bin(const char *name, char *out, size_t len)
{
	char self[LOCAL_DIR_MAX], *slash;
	const char *env = getenv("CONTRAST_BIN_DIR");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (env != NULL && env[0] != '\0') {
		snprintf(out, len, "%s/%s", env, name);
		if (executable(out))
			return CT_OK;
	}
	CT_ENSURE(n > 0, CT_ERR_IO, "/proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	if (snprintf(out, len, "%s/../%s/%s", self, name, name) < (int)len && executable(out))
		return CT_OK;
	CT_ENSURE(snprintf(out, len, "%s/%s", self, name) < (int)len && executable(out), CT_ERR_USAGE,
		  "cannot find %s (looked in $CONTRAST_BIN_DIR, the build tree and %s)",
		  name, self);
	return CT_OK;
}

/* realpath into a buffer of `len` bytes. */
static CT_RESULT real_path(const char *path, char *out, size_t len)
{
	char *p = realpath(path, NULL);
	ct_result r = CT_OK;

	if (p == NULL)
		return CT_FAIL(CT_ERR_USAGE, "%s: %s", path, strerror(errno));
	if (snprintf(out, len, "%s", p) >= (int)len)
		r = CT_FAIL(CT_ERR_LIMIT, "%s: path longer than %zu bytes", p, len - 1);
	free(p);
	return r;
}

static CT_RESULT find_data_dir(struct local_ctx *x)
{
	const char *env = getenv("CONTRAST_DATA_DIR");
	const char *cands[] = { env, CT_SOURCE_ROOT, "." };
	char probe[LOCAL_PATH_MAX + 32];

	for (size_t i = 0; i < 3; i++) {
		if (cands[i] == NULL || cands[i][0] == '\0')
			continue;
		snprintf(probe, sizeof(probe), "%s/deploy/images", cands[i]);
		if (access(probe, R_OK) == 0)
			return real_path(cands[i], x->data_dir, sizeof(x->data_dir));
	}
	return CT_FAIL(CT_ERR_USAGE, "cannot find the project's deploy/ directory "
		       "(set CONTRAST_DATA_DIR to the source tree)");
}

static CT_RESULT prepare(struct local_ctx *x, int *lock_fd)
{
	static const char *const names[] = { "contrast", "contrast-snp-sim",
		"contrast-coordinator", "contrast-initializer", "contrast-demo-app" };
	static char default_maps[3][LOCAL_PATH_MAX + 64];
	char user_store[LOCAL_PATH_MAX];
	uint64_t h = 1469598103934665603ull;

	for (int i = 0; i < 5; i++)
		CT_GUARD(find_bin(names[i], x->bin[i], sizeof(x->bin[i])));
	CT_GUARD(find_data_dir(x));
	if (x->o->image_store != NULL)
		CT_GUARD(real_path(x->o->image_store, user_store, sizeof(user_store)));
	snprintf(default_maps[0], sizeof(default_maps[0]), "ghcr.io/contrast-c/guestbook:v1=%s",
		 x->bin[BIN_DEMO_APP]);
	snprintf(default_maps[1], sizeof(default_maps[1]),
		 "ghcr.io/contrast-c/coordinator:v0.1.0=%s", x->bin[BIN_COORDINATOR]);
	snprintf(default_maps[2], sizeof(default_maps[2]), INITIALIZER_IMAGE "=%s",
		 x->bin[BIN_INITIALIZER]);
	for (int i = 0; i < 3; i++)
		x->maps[x->nmaps++] = default_maps[i];
	for (unsigned i = 0; i < x->o->n_image_maps; i++)
		x->maps[x->nmaps++] = x->o->image_maps[i];

	snprintf(x->user_api, sizeof(x->user_api), "127.0.0.1:%u", x->o->coordinator_port);
	CT_GUARD(ct_mkdir_p(x->o->workdir, 0700));
	CT_GUARD(real_path(x->o->workdir, x->dir, sizeof(x->dir)));
	CT_ENSURE(chdir(x->dir) == 0, CT_ERR_IO, "%s: %s", x->dir, strerror(errno));
	/* One deployment per work dir: its own loopback /24, its own lock. */
	for (const char *p = x->dir; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	snprintf(x->net, sizeof(x->net), "127.%u.%u.", 100 + (unsigned)(h % 100),
		 (unsigned)((h >> 8) % 256));
	CT_GUARD(ct_mkdir_p("state", 0700));
	*lock_fd = open("state/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CT_ENSURE(*lock_fd >= 0, CT_ERR_IO, "%s/state/lock: %s", x->dir, strerror(errno));
	CT_ENSURE(flock(*lock_fd, LOCK_EX | LOCK_NB) == 0, CT_ERR_USAGE,
		  "another `contrast local up` is running on %s", x->dir);
	CT_GUARD(local_clean_earlier_run(x));
	CT_GUARD(local_image_store(x, x->o->image_store != NULL ? user_store : NULL));
	return CT_OK;
}

/* --- the flow ---------------------------------------------------------- */

CT_RESULT local_generate(struct local_ctx *x)
{
	const char *args[] = { "generate", "--image-store", x->image_store,
			       "--reference-values", "Simulator", "--simulator-ark", x->ark,
			       "--initializer-image", INITIALIZER_IMAGE,
			       "-m", "manifest.json", "deployment", NULL };
	return local_run_contrast(x, "contrast-generate", args);
}

static CT_RESULT start_simulator(struct local_ctx *x, char *ark, size_t len)
{
	char *argv[] = { x->bin[BIN_SIM], "init", "--state-dir", "sim", NULL };
	char line[LOCAL_LINE_MAX];
	int status;

	CT_GUARD(local_proc_run(x->dir, "contrast-snp-sim-init", argv, NULL, 120000,
				&status));
	local_proc_log_tail(x->dir, "contrast-snp-sim-init", line, sizeof(line));
	CT_ENSURE(status == 0 && line[0] != '\0', CT_ERR_IO,
		  "contrast-snp-sim init failed: %s", line);
	CT_ENSURE(snprintf(ark, len, "%s%s%s", line[0] == '/' ? "" : x->dir,
			   line[0] == '/' ? "" : "/", line) < (int)len,
		  CT_ERR_LIMIT, "%s: path too long", line);
	return CT_OK;
}

CT_RESULT local_set_manifest(struct local_ctx *x, const char *log_name)
{
	const char *args[] = { "set", "-c", x->user_api, "-m", "manifest.json",
			       "--workload-owner-key", "workload-owner.pem", "deployment",
			       NULL };

	return local_run_contrast(x, log_name, args);
}

static CT_RESULT verify(struct local_ctx *x)
{
	char path[64];
	const char *args[] = { "verify", "-c", x->user_api, "-m", "manifest.json", NULL };

	CT_GUARD(local_run_contrast(x, "contrast-verify", args));
	x->manifest_generation = 0;
	for (;;) {
		snprintf(path, sizeof(path), "verify/manifest.%u.json", x->manifest_generation);
		if (access(path, R_OK) != 0)
			break;
		x->manifest_generation++;
	}
	return CT_OK;
}

CT_RESULT local_launch_pods(struct local_ctx *x)
{
	for (size_t i = 0; i < x->nreps; i++) {
		struct local_replica *r = &x->reps[i];
		if (r->is_coordinator || r->state == LOCAL_POD_NOT_CONFIDENTIAL)
			continue;
		local_step("pod %s (%s): simulated VM, enforcer, initializer, containers", r->name,
		     r->ip);
		CT_GUARD(local_pod_launch(x, r, NULL));
		if (r->state == LOCAL_POD_REFUSED)
			printf("    refused: %s\n", r->reason);
	}
	return CT_OK;
}

int local_up(const struct local_up_opts *o)
{
	struct local_ctx x;
	char **paths = NULL;
	size_t npaths = o->n_paths ? o->n_paths : 1;
	int lock_fd = -1, rc = CT_EXIT_FAILED;
	enum ct_err category = CT_ERR_IO;
	json_t *summary = NULL;
	ct_result res = CT_OK;

	memset(&x, 0, sizeof(x));
	x.o = o;
	x.events = json_array();
	paths = calloc(npaths, sizeof(*paths));
	CT_TRY_ENSURE(paths != NULL && x.events != NULL, CT_ERR_NOMEM, "out of memory");
	/* PATHS are relative to the caller's directory, not the work dir. */
	for (size_t i = 0; i < o->n_paths; i++)
		CT_TRY_ENSURE((paths[i] = realpath(o->paths[i], NULL)) != NULL, CT_ERR_USAGE,
			      "%s: %s", o->paths[i], strerror(errno));
	CT_TRY(prepare(&x, &lock_fd));
	if (o->n_paths == 0)
		CT_TRY_ENSURE((paths[0] = ct_aprintf("%s/deploy/examples/guestbook",
						     x.data_dir)) != NULL,
			      CT_ERR_NOMEM, "out of memory");
	local_step("work dir %s, pod addresses %s0/24", x.dir, x.net);
	CT_TRY(local_copy_yaml(&x, (const char *const *)paths, npaths));
	local_step("simulated SEV-SNP platform: contrast-snp-sim init");
	CT_TRY(start_simulator(&x, x.ark, sizeof(x.ark)));
	local_step("contrast generate (reference values: Simulator)");
	CT_TRY(local_generate(&x));
	CT_TRY(local_pods_load(&x));
	CT_TRY(local_pods_plan(&x));
	local_step("Coordinator in a simulated VM (%s, user API %s)", x.coordinator->ip,
		   x.user_api);
	CT_TRY(local_pod_launch(&x, x.coordinator, NULL));
	CT_TRY_ENSURE(x.coordinator->state == LOCAL_POD_ADMITTED, CT_ERR_POLICY,
		      "the Coordinator's pod was refused: %s", x.coordinator->reason);
	local_step("contrast set");
	CT_TRY(local_set_manifest(&x, "contrast-set"));
	CT_TRY(local_launch_pods(&x));
	CT_TRY(local_scenario_run(&x));
	local_step("traffic: mTLS probes between pods");
	local_probe_traffic(&x);
	local_step("contrast verify (as a third party)");
	CT_TRY(verify(&x));
	CT_TRY(local_write_summary(&x, &summary));
	local_print_summary(&x, summary);
	rc = CT_EXIT_OK;
	for (size_t i = 0; i < x.nreps; i++)
		if (x.reps[i].state == LOCAL_POD_REFUSED && !x.reps[i].expect_refusal)
			rc = CT_EXIT_FAILED;
	if (x.scenario_failed)
		rc = CT_EXIT_FAILED;
	printf("\nThe deployment keeps running. Check it as a third party, then stop it:\n"
	       "  CONTRAST_ALLOW_SIMULATED=1 contrast verify -c %s -m %s/manifest.json\n"
	       "  contrast local down --workdir %s\n", x.user_api, x.dir, x.dir);
out:
	if (!ct_ok(res)) {
		category = ct_error_category();
		ct_cli_print_error("local up");
		if (x.dir[0] != '\0')
			fprintf(stderr, "logs are in %s/logs/; `contrast local down --workdir %s` "
					"stops what was started\n", x.dir, x.dir);
		if (x.nreps > 0 && ct_ok(local_write_summary(&x, NULL)))
			fprintf(stderr, "partial summary: %s/summary.json\n", x.dir);
		ct_error_clear();
		rc = category == CT_ERR_USAGE ? CT_EXIT_USAGE : CT_EXIT_FAILED;
	}
	for (size_t i = 0; paths != NULL && i < npaths; i++)
		free(paths[i]);
	free(paths);
	local_pods_dispose(&x);
	json_decref(summary);
	json_decref(x.events);
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}
