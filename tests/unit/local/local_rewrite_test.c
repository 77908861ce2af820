/*
 * local_rewrite_test.c - what stands in for the pod network and volumes in
 * local mode: 0.0.0.0 becomes the pod's address, Service names become the
 * selected pod's address only where they stand as a host, volume paths
 * become host directories, and images map to commands (the user's maps
 * winning over the defaults).
 */
#include "ct_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../cmd/contrast/local_ctx.h"

static const char yaml[] =
	"apiVersion: v1\nkind: Service\nmetadata: {name: store, namespace: shop}\n"
	"spec: {selector: {app: store}}\n---\n"
	"apiVersion: v1\nkind: Service\nmetadata: {name: nobody}\n"
	"spec: {selector: {app: none}}\n---\n"
	"apiVersion: v1\nkind: Pod\nmetadata: {name: store-pod, namespace: shop, labels: {app: store}}\n"
	"spec:\n  containers:\n  - name: c\n    image: x\n"
	"    volumeMounts:\n    - {name: contrast-secrets, mountPath: /contrast}\n"
	"    - {name: data, mountPath: /var/lib/data/}\n";

static char dir[128];
static struct local_ctx x;
static struct local_replica reps[1];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ct-local-rewrite-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	memset(&x, 0, sizeof(x));
	snprintf(x.dir, sizeof(x.dir), "%s", dir);
	ct_k8s_set_init(&x.set);
	if (!ct_ok(ct_k8s_load(&x.set, "t.yaml", ct_span_str(yaml), false)) || x.set.npods != 1)
		return -1;
	reps[0].pod = &x.set.pods[0];
	reps[0].state = LOCAL_POD_ADMITTED;
	snprintf(reps[0].ip, sizeof(reps[0].ip), "127.9.9.2");
	snprintf(reps[0].dir, sizeof(reps[0].dir), "%s/pods/store-pod", dir);
	x.reps = reps;
	x.nreps = 1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[256];
	ct_k8s_set_dispose(&x.set);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void expect(const char *in, bool env, const char *want)
{
	const json_t *c = json_array_get(json_object_get(reps[0].pod->spec, "containers"), 0);
	char *got = local_rewrite(&x, &reps[0], c, in, env);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_hosts(void **state)
{
	(void)state;
	expect("0.0.0.0:8443", false, "127.9.9.2:8443");
	expect("https://store.shop:8443/x", false, "https://127.9.9.2:8443/x");
	expect("https://store.shop.svc.cluster.local/", false, "https://127.9.9.2/");
	expect("store.shop.svc:7777", false, "127.9.9.2:7777");
	/* Only where a name stands as a host. */
	expect("store", false, "store");
	expect("store.shop", false, "127.9.9.2");      /* a dotted whole argument */
	expect("store.shop", true, "127.9.9.2");
	expect("--mode=store", false, "--mode=store");
	expect("restore.shop:1", false, "restore.shop:1");
	/* Another namespace, or a Service selecting nothing: unchanged. */
	expect("https://store.default:1", false, "https://store.default:1");
	expect("https://nobody:1", false, "https://nobody:1");
}

static void test_volumes(void **state)
{
	(void)state;
	char want[512];
	snprintf(want, sizeof(want), "%s/pods/store-pod/contrast/tls-config", dir);
	expect("/contrast/tls-config", false, want);
	snprintf(want, sizeof(want), "--dir=%s/pods/store-pod/volumes/data/db", dir);
	expect("--dir=/var/lib/data/db", false, want);
	snprintf(want, sizeof(want), "%s/pods/store-pod/volumes/data", dir);
	expect("/var/lib/data", false, want);
	assert_int_equal(access(want, F_OK), 0); /* created on demand */
	expect("/contrastive", false, "/contrastive"); /* not under the mount */
	expect("/etc/passwd", false, "/etc/passwd");
}

static void test_image_maps(void **state)
{
	(void)state;
	const char *maps[] = { "img:v1=/bin/default", "img:v1=/bin/user", "img=/bin/short" };
	memcpy(x.maps, maps, sizeof(maps));
	x.nmaps = 3;
	assert_string_equal(local_image_command(&x, "img:v1"), "/bin/user");
	assert_string_equal(local_image_command(&x, "img"), "/bin/short");
	assert_null(local_image_command(&x, "img:v"));
	assert_null(local_image_command(&x, "other"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_image_maps),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
