/*
 * layer_fuzz.c - libFuzzer target for the image-layer scanner
 * (lib/policy/image_store.c): tar streams, gzip-compressed or not, from
 * image blobs that anyone may have built. Every input must either fail
 * with an error or leave passwd/group as strings or null.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/ct-layer-fuzz-XXXXXX";
	int fd = mkstemp(path);
	json_t *pw = json_null(), *gr = json_null();

	if (fd < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (ct_ok(ct_image_layer_etc(path, &pw, &gr))) {
		if (!(json_is_null(pw) || json_is_string(pw)) ||
		    !(json_is_null(gr) || json_is_string(gr)))
			abort();
	}
	ct_error_clear();
	json_decref(pw);
	json_decref(gr);
	unlink(path);
	return 0;
}
