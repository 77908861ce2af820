/*
 * cmd_generate.c - `contrast generate [options] PATHS...`: prepares a
 * deployment for Contrast. For every pod-bearing document whose
 * runtimeClassName starts with "contrast-cc" it injects the initializer
 * (first init container, env COORDINATOR_HOST, shared in-memory volume
 * `contrast-secrets` at /contrast in every container) unless the pod is
 * the Coordinator or opts out, generates the runtime policy and writes it
 * as the initdata annotation; then it writes manifest.json (Policies keyed
 * by policy hash, reference values, owner keys) and creates the owner keys
 * it needs. Running it twice changes nothing.
 *
 * Trust: all input is the user's (YAML, settings, image store, keys); the
 * output is what the user will deploy and what the Coordinator enforces,
 * so anything unexpected is an error rather than a guess. Private keys are
 * written 0600 and never printed.
 */
#include "cli.h"

#include "base/base.h"
#include "manifest/manifest.h"
#include "policy/policy.h"

#include <dirent.h>
#include <libfyaml.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILES_MAX 256
#define KEYS_MAX 64
#define PATH_LEN 4096
#define ROLE_ANNOTATION "contrast.edgeless.systems/pod-role"
#define SKIP_ANNOTATION "contrast.edgeless.systems/skip-initializer"
#define SECRET_ID_ANNOTATION "contrast.edgeless.systems/workload-secret-id"
#define DEFAULT_INITIALIZER "ghcr.io/edgelesssys/contrast/initializer:latest"
#define ZERO_MEASUREMENT "000000000000000000000000000000000000000000000000" \
			 "000000000000000000000000000000000000000000000000"

struct opts {
	const char *store, *settings, *cache, *manifest, *platforms;
	const char *sim_ark, *sim_measurement, *initializer, *plain_http;
	bool registry;
	const char *wkeys[KEYS_MAX], *skeys[KEYS_MAX];
	size_t nw, ns;
	bool skip_init;
	const char *paths[FILES_MAX];
	size_t npaths;
};

struct files {
	char *v[FILES_MAX];
	size_t n;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: contrast generate [--image-store DIR] [--settings FILE] "
		"[--cache FILE] [-m manifest.json]\n"
		"         [--reference-values PLATFORM[,PLATFORM]] "
		"[--simulator-ark PEM] [--simulator-measurement HEX]\n"
		"         [-w KEY.pem]... [--add-seedshare-owner-key KEY.pem]... "
		"[--skip-initializer]\n"
		"         [--initializer-image REF] [--registry] "
		"[--insecure-registry HOST[:PORT],...] PATHS...\n"
		"  PLATFORM: Simulator, Milan, Genoa or Turin. The simulator's "
		"root CA comes from\n  --simulator-ark or $CONTRAST_SIMULATOR_ARK.\n");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_yaml(const char *n)
{
	size_t l = strlen(n);
	return (l > 4 && strcmp(n + l - 4, ".yml") == 0) ||
	       (l > 5 && strcmp(n + l - 5, ".yaml") == 0);
}

static CT_RESULT collect(const char *path, int depth, struct files *f)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	CT_ENSURE(stat(path, &st) == 0, CT_ERR_IO, "%s: cannot stat", path);
	if (!S_ISDIR(st.st_mode)) {
		CT_ENSURE(f->n < FILES_MAX, CT_ERR_LIMIT, "more than %d YAML files",
			  FILES_MAX);
		f->v[f->n] = ct_strdup(path);
		CT_ENSURE(f->v[f->n] != NULL, CT_ERR_NOMEM, "out of memory");
		f->n++;
		return CT_OK;
	}
	CT_ENSURE(depth < 8, CT_ERR_LIMIT, "%s: directories nested too deep", path);
	d = opendir(path);
	CT_ENSURE(d != NULL, CT_ERR_IO, "%s: cannot open directory", path);
	while ((e = readdir(d)) != NULL) {
		char p[PATH_LEN];
		ct_result r;
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (stat(p, &st) != 0 || (!S_ISDIR(st.st_mode) && !is_yaml(e->d_name)))
			continue;
		r = collect(p, depth + 1, f);
		if (!ct_ok(r)) {
			closedir(d);
			return r;
		}
	}
	closedir(d);
	return CT_OK;
}

/* --- YAML edits ---------------------------------------------------------- */

static struct fy_node *fy_child(struct fy_document *fyd, struct fy_node *map,
				const char *key, bool seq)
{
	struct fy_node *n = fy_node_mapping_lookup_by_string(map, key, FY_NT);
	if (n != NULL)
		return ct_k8s_fy_deref(n);
	n = seq ? fy_node_create_sequence(fyd) : fy_node_create_mapping(fyd);
	if (n == NULL ||
	    fy_node_mapping_append(map, fy_node_create_scalar_copy(fyd, key, FY_NT),
				   n) != 0)
		return NULL;
	return n;
}

static CT_RESULT fy_set(struct fy_document *fyd, struct fy_node *map,
			const char *key, const char *value)
{
	struct fy_node_pair *p = fy_node_mapping_lookup_pair_by_string(map, key, FY_NT);
	struct fy_node *v = fy_node_create_scalar_copy(fyd, value, FY_NT);

	CT_ENSURE(v != NULL, CT_ERR_NOMEM, "out of memory");
	if (p != NULL) {
		size_t len;
		const char *old = fy_node_get_scalar(fy_node_pair_value(p), &len);
		if (old != NULL && len == strlen(value) && memcmp(old, value, len) == 0) {
			fy_node_free(v);
			return CT_OK;
		}
		CT_ENSURE(fy_node_pair_set_value(p, v) == 0, CT_ERR_INTERNAL,
			  "yaml: cannot set %s", key);
		return CT_OK;
	}
	CT_ENSURE(fy_node_mapping_append(map, fy_node_create_scalar_copy(fyd, key, FY_NT),
					 v) == 0,
		  CT_ERR_INTERNAL, "yaml: cannot add %s", key);
	return CT_OK;
}

static bool seq_has(struct fy_node *seq, const char *key, const char *value)
{
	void *it = NULL;
	struct fy_node *n;
	while ((n = fy_node_sequence_iterate(seq, &it)) != NULL) {
		struct fy_node *v;
		n = ct_k8s_fy_deref(n);
		v = n != NULL && fy_node_is_mapping(n)
			? fy_node_mapping_lookup_by_string(n, key, FY_NT) : NULL;
		size_t len;
		const char *s = v != NULL ? fy_node_get_scalar(v, &len) : NULL;
		if (s != NULL && len == strlen(value) && memcmp(s, value, len) == 0)
			return true;
	}
	return false;
}

static CT_RESULT add_mounts(struct fy_document *fyd, struct fy_node *seq)
{
	void *it = NULL;
	struct fy_node *c;
	while ((c = fy_node_sequence_iterate(seq, &it)) != NULL) {
		struct fy_node *vms;
		c = ct_k8s_fy_deref(c);
		if (c == NULL || !fy_node_is_mapping(c))
			continue;
		vms = fy_child(fyd, c, "volumeMounts", true);
		CT_ENSURE(vms != NULL, CT_ERR_NOMEM, "yaml: cannot edit (out of memory)");
		if (seq_has(vms, "mountPath", "/contrast"))
			continue;
		CT_ENSURE(fy_node_sequence_append(vms, fy_node_build_from_string(
				  fyd, "{name: contrast-secrets, mountPath: /contrast}",
				  FY_NT)) == 0, CT_ERR_NOMEM, "yaml: cannot edit (out of memory)");
	}
	return CT_OK;
}

static const char *annotation(const struct ct_k8s_pod *p, const char *key)
{
	json_t *v = json_object_get(json_object_get(p->meta, "annotations"), key);
	if (v == NULL)
		v = json_object_get(json_object_get(json_object_get(p->object, "metadata"),
						    "annotations"), key);
	return json_string_value(v);
}

static bool is_target(const struct ct_k8s_pod *p)
{
	const char *rc = json_string_value(json_object_get(p->spec, "runtimeClassName"));
	return rc != NULL && strncmp(rc, "contrast-cc", 11) == 0;
}

static bool is_coordinator(const struct ct_k8s_pod *p)
{
	const char *r = annotation(p, ROLE_ANNOTATION);
	return r != NULL && strcmp(r, "coordinator") == 0;
}

/* Initializer, shared volume and mounts; returns whether it injected. */
static CT_RESULT patch(const struct opts *o, struct ct_k8s_pod *p, bool *injected)
{
	struct fy_document *fyd = p->doc->fyd;
	struct fy_node *spec = ct_k8s_fy_deref(fy_node_mapping_lookup_by_string(
		p->fy_template, "spec", FY_NT));
	struct fy_node *inits, *vols, *c, *first;
	const char *skip = annotation(p, SKIP_ANNOTATION);
	char *yaml;

	*injected = false;
	CT_ENSURE(spec != NULL && fy_node_is_mapping(spec), CT_ERR_USAGE,
		  "%s: the pod spec comes from a merge key; write it out to let "
		  "contrast generate edit it", p->where);
	if (o->skip_init || is_coordinator(p) || (skip != NULL && strcmp(skip, "true") == 0))
		return CT_OK;
	inits = fy_child(fyd, spec, "initContainers", true);
	vols = fy_child(fyd, spec, "volumes", true);
	CT_ENSURE(inits != NULL && vols != NULL, CT_ERR_NOMEM, "yaml: cannot edit (out of memory)");
	if (!seq_has(inits, "name", "contrast-initializer")) {
		yaml = ct_aprintf("name: contrast-initializer\nimage: \"%s\"\n"
				  "env:\n- name: COORDINATOR_HOST\n  value: "
				  "coordinator-ready%s%s\n",
				  o->initializer, p->ns[0] != '\0' ? "." : "", p->ns);
		CT_ENSURE(yaml != NULL, CT_ERR_NOMEM, "out of memory");
		/* libfyaml keeps pointing into its input: hand it over. */
		c = fy_node_build_from_malloc_string(fyd, yaml, FY_NT);
		CT_ENSURE(c != NULL, CT_ERR_INTERNAL, "%s: cannot build the "
			  "initializer container", p->where);
		first = fy_node_sequence_get_by_index(inits, 0);
		CT_ENSURE((first != NULL ? fy_node_sequence_insert_before(inits, first, c)
					 : fy_node_sequence_append(inits, c)) == 0,
			  CT_ERR_INTERNAL, "%s: cannot insert the initializer", p->where);
		*injected = true;
	}
	if (!seq_has(vols, "name", "contrast-secrets"))
		CT_ENSURE(fy_node_sequence_append(vols, fy_node_build_from_string(
				  fyd, "{name: contrast-secrets, emptyDir: {medium: Memory}}",
				  FY_NT)) == 0, CT_ERR_NOMEM, "yaml: cannot edit (out of memory)");
	CT_GUARD(add_mounts(fyd, inits));
	CT_GUARD(add_mounts(fyd, fy_child(fyd, spec, "containers", true)));
	return CT_OK;
}

/* --- keys ---------------------------------------------------------------- */

static CT_RESULT load_key(const char *path, EVP_PKEY **out)
{
	FILE *f = fopen(path, "r");
	CT_ENSURE(f != NULL, CT_ERR_IO, "%s: cannot open", path);
	*out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	if (*out == NULL) {
		rewind(f);
		*out = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	}
	fclose(f);
	CT_ENSURE(*out != NULL, CT_ERR_USAGE, "%s: not a PEM key", path);
	return CT_OK;
}

static CT_RESULT create_key(const char *path, bool rsa, EVP_PKEY **out)
{
	EVP_PKEY *k = rsa ? EVP_RSA_gen(4096) : EVP_EC_gen("P-384");
	BIO *b;
	BUF_MEM *mem;
	ct_result r;

	if (k == NULL)
		return CT_FAIL_OSSL(CT_ERR_CRYPTO, "%s: key generation failed", path);
	b = BIO_new(BIO_s_mem());
	if (b == NULL || PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0,
							       NULL, NULL) != 1) {
		BIO_free(b);
		EVP_PKEY_free(k);
		return CT_FAIL_OSSL(CT_ERR_CRYPTO, "%s: cannot encode key", path);
	}
	BIO_get_mem_ptr(b, &mem);
	r = ct_file_write_atomic(path, ct_span_make(mem->data, mem->length), 0600);
	BIO_free(b);
	if (!ct_ok(r)) {
		EVP_PKEY_free(k);
		return r;
	}
	printf("created %s (%s)\n", path, rsa ? "RSA-4096 seed share owner key"
					      : "P-384 workload owner key");
	*out = k;
	return CT_OK;
}

static CT_RESULT key_entries(const char *const *given, size_t n,
			     const char *default_path, bool rsa, json_t *list)
{
	for (size_t i = 0; i < (n > 0 ? n : 1); i++) {
		const char *path = n > 0 ? given[i] : default_path;
		EVP_PKEY *k = NULL;
		char hex[2 * CT_MANIFEST_HASH_LEN + 1];
		struct ct_buf b;
		ct_result r;

		if (n == 0 && access(path, F_OK) != 0)
			CT_GUARD(create_key(path, rsa, &k));
		else
			CT_GUARD(load_key(path, &k));
		ct_buf_init(&b, 8192);
		if (rsa) {
			r = ct_manifest_rsa_pub_hex(k, &b);
		} else {
			uint8_t d[CT_MANIFEST_HASH_LEN];
			r = ct_manifest_key_digest(k, d);
			if (ct_ok(r)) {
				ct_hex_format(hex, d, sizeof(d));
				hex[sizeof(hex) - 1] = '\0';
				r = ct_buf_append_str(&b, hex);
			}
		}
		EVP_PKEY_free(k);
		if (ct_ok(r)) {
			bool have = false;
			for (size_t j = 0; j < json_array_size(list); j++)
				have = have || strcmp(json_string_value(json_array_get(list, j)),
						      ct_buf_cstr(&b)) == 0;
			if (!have)
				json_array_append_new(list, json_string(ct_buf_cstr(&b)));
		}
		ct_buf_dispose(&b);
		if (!ct_ok(r))
			return ct_error_prefix("%s", path);
	}
	return CT_OK;
}

static void sort_strings(json_t *a)
{
	size_t n = json_array_size(a);
	const char **v = ct_calloc(n + 1, sizeof(*v));
	json_t *copy = json_copy(a);
	if (v == NULL || copy == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		v[i] = json_string_value(json_array_get(copy, i));
	qsort(v, n, sizeof(*v), cmp_str);
	json_array_clear(a);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
out:
	json_decref(copy);
	free(v);
}

/* --- reference values and manifest --------------------------------------- */

static CT_RESULT refvals(const struct opts *o, json_t **out)
{
	json_t *snp = json_array();
	char *list = ct_strdup(o->platforms), *p, *next;
	ct_result res = CT_OK;

	CT_TRY_ENSURE(snp != NULL && list != NULL, CT_ERR_NOMEM, "out of memory");
	for (p = list; p != NULL; p = next) {
		json_t *e = NULL;
		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		if (strcmp(p, "Simulator") == 0) {
			const char *ark = o->sim_ark != NULL ? o->sim_ark
							     : getenv("CONTRAST_SIMULATOR_ARK");
			struct ct_buf pem;
			CT_TRY_ENSURE(ark != NULL && ark[0] != '\0', CT_ERR_USAGE,
				      "--reference-values Simulator needs the simulator's "
				      "root CA: --simulator-ark PEM or "
				      "CONTRAST_SIMULATOR_ARK=PEM");
			ct_buf_init(&pem, CT_MANIFEST_MAX_PEM_LEN);
			res = ct_file_read(&pem, ark, CT_MANIFEST_MAX_PEM_LEN);
			if (ct_ok(res) && strstr(ct_buf_cstr(&pem), "-----BEGIN CERTIFICATE-----") == NULL)
				res = CT_FAIL(CT_ERR_USAGE, "%s: not a PEM certificate", ark);
			e = ct_ok(res) ? json_pack(
				"{s:s, s:s, s:{s:i, s:i, s:i, s:i}, s:{s:i, s:i, s:b}, s:s}",
				"ProductName", "Simulator", "TrustedMeasurement",
				o->sim_measurement != NULL ? o->sim_measurement : ZERO_MEASUREMENT,
				"MinimumTCB", "BootloaderVersion", 0, "TEEVersion", 0,
				"SNPVersion", 0, "MicrocodeVersion", 0, "GuestPolicy",
				"ABIMajor", 0, "ABIMinor", 0, "SMT", 1, "SimulatorRootCA",
				ct_buf_cstr(&pem)) : NULL;
			ct_buf_dispose(&pem);
			CT_TRY(res);
		} else if (strcmp(p, "Milan") == 0 || strcmp(p, "Genoa") == 0 ||
			   strcmp(p, "Turin") == 0) {
			/* Documented defaults (docs/generate.md): minimum TCB from
			 * AMD's example firmware; the measurement must be filled in. */
			e = json_pack("{s:s, s:s, s:{s:i, s:i, s:i, s:i}, s:{s:i, s:i, s:b}}",
				      "ProductName", p, "TrustedMeasurement",
				      ZERO_MEASUREMENT, "MinimumTCB", "BootloaderVersion", 9,
				      "TEEVersion", 0, "SNPVersion", 23, "MicrocodeVersion",
				      72, "GuestPolicy", "ABIMajor", 0, "ABIMinor", 0, "SMT", 1);
			if (e != NULL && strcmp(p, "Turin") == 0)
				json_object_set_new(json_object_get(e, "MinimumTCB"),
						    "FMCVersion", json_integer(0));
			printf("hint: fill in ReferenceValues.snp[%zu].TrustedMeasurement "
			       "(%s launch digest) in the manifest\n", json_array_size(snp), p);
		} else {
			CT_TRY(CT_FAIL(CT_ERR_USAGE, "--reference-values: unknown platform "
				       "'%s' (Simulator, Milan, Genoa, Turin)", p));
		}
		CT_TRY_ENSURE(e != NULL, CT_ERR_NOMEM, "out of memory");
		json_array_append_new(snp, e);
	}
	*out = json_pack("{s:O}", "snp", snp);
out:
	json_decref(snp);
	free(list);
	return res;
}

static CT_RESULT write_manifest(const struct opts *o, json_t *policies)
{
	json_t *m = NULL, *wk, *sk;
	struct ct_buf b, w, s;
	char dir[PATH_LEN], wpath[PATH_LEN + 32], spath[PATH_LEN + 32], *slash;
	struct ct_manifest *parsed = NULL;
	char *text = NULL;
	ct_result res = CT_OK;

	ct_buf_init(&b, CT_MANIFEST_MAX_BYTES);
	ct_buf_init(&w, 0);
	ct_buf_init(&s, 0);
	snprintf(dir, sizeof(dir), "%.4000s", o->manifest);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	CT_TRY_ENSURE((size_t)snprintf(wpath, sizeof(wpath), "%.4000s/workload-owner.pem",
				       dir) < sizeof(wpath) &&
			      (size_t)snprintf(spath, sizeof(spath),
					       "%.4000s/seedshare-owner.pem", dir) < sizeof(spath),
		      CT_ERR_LIMIT, "%s: path too long", o->manifest);
	if (access(o->manifest, F_OK) == 0) {
		json_error_t jerr;
		CT_TRY(ct_file_read(&b, o->manifest, CT_MANIFEST_MAX_BYTES));
		m = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, &jerr);
		CT_TRY_ENSURE(json_is_object(m), CT_ERR_PROTO, "%s: %s", o->manifest,
			      m == NULL ? jerr.text : "want a JSON object");
	} else {
		CT_TRY_ENSURE(o->platforms != NULL, CT_ERR_USAGE,
			      "%s does not exist: give --reference-values PLATFORM",
			      o->manifest);
		m = json_object();
	}
	if (o->platforms != NULL) {
		json_t *rv = NULL;
		CT_TRY(refvals(o, &rv));
		json_object_set_new(m, "ReferenceValues", rv);
	}
	json_object_set(m, "Policies", policies);
	wk = json_object_get(m, "WorkloadOwnerKeyDigests");
	if (!json_is_array(wk)) {
		wk = json_array();
		json_object_set_new(m, "WorkloadOwnerKeyDigests", wk);
	}
	sk = json_object_get(m, "SeedshareOwnerPubKeys");
	if (!json_is_array(sk)) {
		sk = json_array();
		json_object_set_new(m, "SeedshareOwnerPubKeys", sk);
	}
	CT_TRY(key_entries(o->wkeys, o->nw, wpath, false, wk));
	CT_TRY(key_entries(o->skeys, o->ns, spath, true, sk));
	sort_strings(wk);
	sort_strings(sk);
	text = json_dumps(m, JSON_INDENT(2) | JSON_SORT_KEYS);
	CT_TRY_ENSURE(text != NULL, CT_ERR_NOMEM, "out of memory");
	ct_buf_reset(&b);
	CT_TRY(ct_buf_printf(&b, "%s\n", text));
	res = ct_manifest_parse(ct_buf_span(&b), CT_MANIFEST_ALLOW_SIMULATED, &parsed);
	if (!ct_ok(res)) {
		res = ct_error_prefix("generated manifest");
		goto out;
	}
	CT_TRY(ct_file_write_atomic(o->manifest, ct_buf_span(&b), 0644));
	printf("updated manifest %s (%zu policies)\n", o->manifest,
	       json_object_size(policies));
out:
	ct_manifest_free(parsed);
	free(text);
	json_decref(m);
	ct_buf_dispose(&b);
	ct_buf_dispose(&w);
	ct_buf_dispose(&s);
	return res;
}

/* --- the command ---------------------------------------------------------- */

static int parse_args(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->manifest = "manifest.json";
	o->initializer = DEFAULT_INITIALIZER;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has = i + 1 < argc;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return CT_EXIT_OK;
		}
#define OPT(name, field)                                   \
	if (strcmp(a, name) == 0 && has) {                 \
		o->field = argv[++i];                      \
		continue;                                  \
	}
		OPT("--image-store", store)
		OPT("--settings", settings)
		OPT("--cache", cache)
		OPT("-m", manifest)
		OPT("--manifest", manifest)
		OPT("--reference-values", platforms)
		OPT("--simulator-ark", sim_ark)
		OPT("--simulator-measurement", sim_measurement)
		OPT("--initializer-image", initializer)
		OPT("--insecure-registry", plain_http)
#undef OPT
		if ((strcmp(a, "-w") == 0 || strcmp(a, "--add-workload-owner-key") == 0) &&
		    has && o->nw < KEYS_MAX) {
			o->wkeys[o->nw++] = argv[++i];
		} else if (strcmp(a, "--add-seedshare-owner-key") == 0 && has &&
			   o->ns < KEYS_MAX) {
			o->skeys[o->ns++] = argv[++i];
		} else if (strcmp(a, "--registry") == 0) {
			o->registry = true;
		} else if (strcmp(a, "--skip-initializer") == 0) {
			o->skip_init = true;
		} else if (a[0] == '-' || o->npaths == FILES_MAX) {
			fprintf(stderr, "contrast generate: unknown, incomplete or "
					"repeated-too-often option '%s'\n", a);
			usage(stderr);
			return CT_EXIT_USAGE;
		} else {
			o->paths[o->npaths++] = a;
		}
	}
	if (o->npaths == 0) {
		usage(stderr);
		return CT_EXIT_USAGE;
	}
	return -1;
}

static CT_RESULT run(const struct opts *o)
{
	struct files files = { { 0 }, 0 };
	struct ct_k8s_set set;
	struct ct_image_source *src = NULL;
	struct ct_policy_gen g = { NULL, NULL, NULL };
	json_t *policies = json_object();
	size_t targets = 0, injected = 0;
	bool coordinator = false;
	ct_result res = CT_OK;

	ct_k8s_set_init(&set);
	CT_TRY_ENSURE(policies != NULL, CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < o->npaths; i++)
		CT_TRY(collect(o->paths[i], 0, &files));
	qsort(files.v, files.n, sizeof(files.v[0]), cmp_str);
	for (size_t i = 0; i < files.n; i++)
		CT_TRY(ct_k8s_load_file(&set, files.v[i], false));
	for (size_t i = 0; i < set.npods; i++) {
		bool inj;
		if (!is_target(&set.pods[i]))
			continue;
		CT_TRY(patch(o, &set.pods[i], &inj));
		injected += inj;
	}
	CT_TRY(ct_k8s_reindex(&set));
	CT_TRY(ct_policy_settings_load(o->settings, &g.settings));
	CT_TRY(ct_image_source_new(o->store, o->cache, &src));
	CT_TRY(ct_image_source_set_registry(src, o->registry || o->plain_http != NULL,
					    o->plain_http));
	g.images = src;
	g.set = &set;
	for (size_t i = 0; i < set.npods; i++) {
		struct ct_k8s_pod *p = &set.pods[i];
		struct ct_buf text, toml, anno;
		json_t *pd = NULL, *entry;
		char hash[65], sid[1024];
		const char *secret = annotation(p, SECRET_ID_ANNOTATION);
		struct fy_node *meta, *annos;

		if (!is_target(p))
			continue;
		targets++;
		coordinator = coordinator || is_coordinator(p);
		ct_buf_init(&text, (size_t)64 << 20);
		ct_buf_init(&toml, CT_INITDATA_MAX);
		ct_buf_init(&anno, CT_INITDATA_MAX * 2);
		res = ct_policy_gen_pod(&g, p, &pd);
		if (ct_ok(res))
			res = ct_policy_text(pd, &text);
		if (ct_ok(res))
			res = ct_initdata_toml(ct_buf_span(&text), &toml);
		if (ct_ok(res))
			res = ct_initdata_annotation(ct_buf_span(&toml), &anno);
		if (ct_ok(res))
			res = ct_initdata_hash(ct_buf_span(&toml), hash);
		json_decref(pd);
		meta = fy_child(p->doc->fyd, p->fy_template, "metadata", false);
		annos = meta != NULL ? fy_child(p->doc->fyd, meta, "annotations", false) : NULL;
		if (ct_ok(res) && annos == NULL)
			res = CT_FAIL(CT_ERR_NOMEM, "out of memory");
		if (ct_ok(res))
			res = fy_set(p->doc->fyd, annos, CT_INITDATA_ANNOTATION,
				     ct_buf_cstr(&anno));
		ct_buf_dispose(&text);
		ct_buf_dispose(&toml);
		ct_buf_dispose(&anno);
		CT_TRY(res);
		CT_TRY_ENSURE(json_object_get(policies, hash) == NULL, CT_ERR_USAGE,
			      "%s: its policy equals another workload's (hash %s); "
			      "give them distinct names or annotations", p->where, hash);
		snprintf(sid, sizeof(sid), "%s/%s/%s", p->kind,
			 p->ns[0] != '\0' ? p->ns : "default", p->name);
		entry = json_pack("{s:[s,s], s:s, s:s}", "SANs", p->name, "*",
				  "WorkloadSecretID", secret != NULL ? secret : sid,
				  "Role", is_coordinator(p) ? "coordinator" : "");
		CT_TRY_ENSURE(entry != NULL, CT_ERR_NOMEM, "out of memory");
		json_object_set_new(policies, hash, entry);
		printf("policy %s for %s %s%s%s\n", hash, p->kind, p->name,
		       is_coordinator(p) ? " (coordinator)" : "", "");
	}
	CT_TRY_ENSURE(targets > 0, CT_ERR_USAGE, "no workload with a runtimeClassName "
		      "starting with contrast-cc in the given files");
	printf("patched %zu workloads (initializer injected into %zu)\n", targets, injected);
	if (!coordinator)
		printf("warning: no Coordinator resource found (annotation %s: "
		       "coordinator); did you forget to add it?\n", ROLE_ANNOTATION);
	CT_TRY(ct_image_source_save(src));
	CT_TRY(write_manifest(o, policies));
	for (size_t i = 0; i < files.n; i++) {
		struct ct_buf out, old;
		bool has_target = false;
		/* Files without a target stay untouched (comments and all). */
		for (size_t k = 0; k < set.npods && !has_target; k++)
			has_target = is_target(&set.pods[k]) &&
				     strcmp(set.pods[k].doc->file, files.v[i]) == 0;
		if (!has_target)
			continue;
		ct_buf_init(&out, CT_K8S_FILE_MAX * 2);
		ct_buf_init(&old, CT_K8S_FILE_MAX);
		res = ct_k8s_emit_file(&set, files.v[i], &out);
		if (ct_ok(res))
			res = ct_file_read(&old, files.v[i], CT_K8S_FILE_MAX);
		if (ct_ok(res) && !ct_span_eq(ct_buf_span(&out), ct_buf_span(&old))) {
			res = ct_file_write_atomic(files.v[i], ct_buf_span(&out), 0644);
			if (ct_ok(res))
				printf("rewrote %s\n", files.v[i]);
		}
		ct_buf_dispose(&out);
		ct_buf_dispose(&old);
		CT_TRY(res);
	}
out:
	for (size_t i = 0; i < files.n; i++)
		free(files.v[i]);
	json_decref(policies);
	json_decref(g.settings);
	ct_image_source_free(src);
	ct_k8s_set_dispose(&set);
	return res;
}

int ct_cli_generate(int argc, char **argv)
{
	struct opts o;
	int rc = parse_args(argc, argv, &o);

	if (rc >= 0)
		return rc;
	if (!ct_ok(run(&o))) {
		ct_cli_print_error("generate");
		return ct_error_category() == CT_ERR_POLICY ? CT_EXIT_FAILED : CT_EXIT_USAGE;
	}
	return CT_EXIT_OK;
}
