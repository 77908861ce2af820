/*
 * state_port_test.c - cmd/contrast-coordinator/state_port.c: building the
 * CAs, including the failure paths where the CA exists but its PEM export
 * does not fit (nothing may be left behind; ASan's leak check and the
 * assertions on *out and the buffers would see it).
 */
#include "ct_test.h"

#include <string.h>

#include "state_port.h"

static void test_ca_new(void **state)
{
	struct ct_seed_engine *seed = NULL;
	struct ct_ca *ca = NULL;
	struct ct_buf root, mesh;

	(void)state;
	assert_ct_ok(ct_coord_seed_new_random(&seed));
	ct_buf_init(&root, 1 << 16);
	ct_buf_init(&mesh, 1 << 16);
	assert_ct_ok(ct_coord_ca_new(seed, &ca, &root, &mesh));
	assert_non_null(ca);
	assert_non_null(strstr(ct_buf_cstr(&root), "-----BEGIN CERTIFICATE-----"));
	assert_non_null(strstr(ct_buf_cstr(&mesh), "-----BEGIN CERTIFICATE-----"));
	assert_true(strcmp(ct_buf_cstr(&root), ct_buf_cstr(&mesh)) != 0);
	ct_coord_ca_free(ca);
	ct_buf_dispose(&root);
	ct_buf_dispose(&mesh);
	ct_coord_seed_free(seed);
}

/* The root PEM (first) or the mesh PEM (second) exceeds its buffer. */
static void ca_new_pem_fails(size_t root_max, size_t mesh_max)
{
	struct ct_seed_engine *seed = NULL;
	struct ct_ca *ca = NULL;
	struct ct_buf root, mesh;

	assert_ct_ok(ct_coord_seed_new_random(&seed));
	ct_buf_init(&root, root_max);
	ct_buf_init(&mesh, mesh_max);
	assert_ct_err(ct_coord_ca_new(seed, &ca, &root, &mesh), CT_ERR_LIMIT);
	assert_null(ca);
	assert_int_equal(root.len, 0);
	assert_int_equal(mesh.len, 0);
	assert_string_equal(ct_buf_cstr(&root), "");
	ct_buf_dispose(&root);
	ct_buf_dispose(&mesh);
	ct_coord_seed_free(seed);
}

static void test_ca_new_root_pem_too_large(void **state)
{
	(void)state;
	ca_new_pem_fails(16, 1 << 16);
}

static void test_ca_new_mesh_pem_too_large(void **state)
{
	(void)state;
	ca_new_pem_fails(1 << 16, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ca_new),
		cmocka_unit_test(test_ca_new_root_pem_too_large),
		cmocka_unit_test(test_ca_new_mesh_pem_too_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
