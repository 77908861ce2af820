/*
 * local_workdir.c - the work dir of `contrast local up`: cleaning up after
 * an earlier run, the copy of the user's YAML that `generate` rewrites
 * (with the bundled Coordinator added when the YAML has none), and the
 * image store `generate` reads (the user's merged with the project's own
 * images).
 *
 * Only the outputs local mode writes are ever removed from the work dir;
 * other files there are left alone.
 */
#include "local_ctx.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static CT_RESULT rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return CT_OK;
	CT_ENSURE(nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS) == 0, CT_ERR_IO,
		  "cannot remove %s: %s", path, strerror(errno));
	return CT_OK;
}

/* Stops what an earlier `up` left and removes its outputs (not the
 * user's other files). */
CT_RESULT local_clean_earlier_run(struct local_ctx *x)
{
	static const char *const outputs[] = {
		"deployment", "pods", "run", "verify", "sim", "logs", "state/pids",
		"images", "manifest.json", "summary.json", "workload-owner.pem",
		"seedshare-owner.pem", "seed-shares.json", "coordinator-root-ca.pem",
		"mesh-ca.pem",
	};
	struct local_proc *procs = NULL;
	size_t n = 0;

	CT_GUARD(local_proc_list(x->dir, &procs, &n));
	if (n > 0)
		local_step("stopping %zu processes of an earlier run in %s", n, x->dir);
	for (size_t i = n; i-- > 0;)
		if (!ct_ok(local_proc_stop(x->dir, &procs[i], 5000)))
			ct_error_clear();
	free(procs);
	for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++)
		CT_GUARD(rm_rf(outputs[i]));
	return CT_OK;
}

static CT_RESULT copy_file(const char *from, const char *to)
{
	struct ct_buf b;
	ct_result r;

	ct_buf_init(&b, CT_K8S_FILE_MAX);
	r = ct_file_read(&b, from, CT_K8S_FILE_MAX);
	if (ct_ok(r))
		r = ct_file_write_atomic(to, ct_buf_span(&b), 0644);
	ct_buf_dispose(&b);
	return r;
}

static unsigned copied_files;

/* Copies one YAML file into deployment/ under the next number. */
static CT_RESULT copy_to_deployment(const char *path)
{
	char to[LOCAL_PATH_MAX];
	const char *base = strrchr(path, '/');

	LOCAL_PRINT(to, "deployment/%03u-%s", copied_files++, base ? base + 1 : path);
	return copy_file(path, to);
}

static int copy_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)f;
	if (flag != FTW_F || !local_is_yaml(path))
		return 0;
	return ct_ok(copy_to_deployment(path)) ? 0 : -1;
}

/* True when the copied YAML declares the Coordinator's pod (YAML that does
 * not load is left for generate to report). */
static bool has_coordinator(void)
{
	struct ct_k8s_set s;
	bool found = false;

	ct_k8s_set_init(&s);
	if (!ct_ok(local_deployment_load("deployment", &s)))
		ct_error_clear();
	for (size_t i = 0; i < s.npods && !found; i++)
		found = local_pod_is_coordinator(&s.pods[i]);
	ct_k8s_set_dispose(&s);
	return found;
}

static CT_RESULT add_coordinator(struct local_ctx *x)
{
	char from[LOCAL_PATH_MAX];

	if (has_coordinator())
		return CT_OK;
	LOCAL_PRINT(from, "%s/deploy/examples/guestbook/coordinator.yml", x->data_dir);
	local_step("the YAML has no Coordinator: adding %s", from);
	return copy_file(from, "deployment/000-coordinator.yml");
}

/* Copies the YAML (files, or directories searched recursively). */
CT_RESULT local_copy_yaml(struct local_ctx *x, const char *const *paths, size_t n)
{
	CT_GUARD(ct_mkdir_p("deployment", 0700));
	copied_files = 1; /* 000- is kept for the Coordinator */
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		CT_ENSURE(stat(paths[i], &st) == 0, CT_ERR_USAGE, "%s: %s", paths[i],
			  strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			CT_ENSURE(nftw(paths[i], copy_entry, 32, FTW_PHYS) == 0, CT_ERR_IO,
				  "%s: cannot copy: %s", paths[i], ct_error_message());
		} else {
			CT_GUARD(copy_to_deployment(paths[i]));
		}
	}
	CT_ENSURE(copied_files > 1, CT_ERR_USAGE, "no .yml or .yaml files in the given paths");
	return add_coordinator(x);
}


/* Links every blob of an OCI layout into DIR/images and returns its
 * index's manifests (new reference). */
static CT_RESULT merge_store(const char *store, json_t *manifests)
{
	char path[LOCAL_PATH_MAX], to[LOCAL_PATH_MAX];
	json_error_t jerr;
	json_t *index;
	struct dirent *e;
	DIR *d;

	LOCAL_PRINT(path, "%s/index.json", store);
	index = json_load_file(path, 0, &jerr);
	CT_ENSURE(index != NULL && json_is_array(json_object_get(index, "manifests")),
		  CT_ERR_USAGE, "%s: not an OCI image layout index: %s", path, jerr.text);
	json_array_extend(manifests, json_object_get(index, "manifests"));
	json_decref(index);
	LOCAL_PRINT(path, "%s/blobs/sha256", store);
	d = opendir(path);
	CT_ENSURE(d != NULL, CT_ERR_USAGE, "%s: %s", path, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char from[LOCAL_PATH_MAX * 2];
		if (e->d_name[0] == '.' ||
		    snprintf(from, sizeof(from), "%s/%s", path, e->d_name) >= (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "images/blobs/sha256/%s", e->d_name) >= (int)sizeof(to))
			continue;
		if (symlink(from, to) != 0 && errno != EEXIST) {
			closedir(d);
			return CT_FAIL(CT_ERR_IO, "%s: %s", to, strerror(errno));
		}
	}
	closedir(d);
	return CT_OK;
}

CT_RESULT local_image_store(struct local_ctx *x, const char *user_store)
{
	char own[LOCAL_PATH_MAX];
	json_t *manifests, *index;
	char *text;
	ct_result res = CT_OK;

	LOCAL_PRINT(own, "%s/deploy/images", x->data_dir);
	if (user_store == NULL) {
		LOCAL_PRINT(x->image_store, "%s", own);
		return CT_OK;
	}
	/* The user's images first: its references win over ours. */
	CT_GUARD(ct_mkdir_p("images/blobs/sha256", 0700));
	manifests = json_array();
	CT_ENSURE(manifests != NULL, CT_ERR_NOMEM, "out of memory");
	CT_TRY(merge_store(user_store, manifests));
	CT_TRY(merge_store(own, manifests));
	index = json_pack("{s:i, s:O}", "schemaVersion", 2, "manifests", manifests);
	text = index ? json_dumps(index, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	json_decref(index);
	CT_TRY_ENSURE(text != NULL, CT_ERR_NOMEM, "out of memory");
	res = ct_file_write_atomic("images/index.json", ct_span_str(text), 0644);
	free(text);
	CT_TRY(res);
	CT_TRY(ct_file_write_atomic("images/oci-layout",
				    ct_span_str("{\"imageLayoutVersion\": \"1.0.0\"}"), 0644));
	LOCAL_PRINT(x->image_store, "%s/images", x->dir);
out:
	json_decref(manifests);
	return res;
}
