/*
 * initdata.c - the initdata document that carries a policy into the
 * confidential VM (DESIGN.md §4.2): TOML with version, algorithm and
 * [data]."policy.rego"; the pod annotation base64(gzip(TOML)); and the
 * policy hash, sha256 of the TOML bytes (HOSTDATA, the manifest key).
 *
 * Trust: encoding is over our own output. Decoding (used by `contrast
 * generate` to read back what it wrote, and by tests) takes annotation
 * text from YAML files and is bounded by CT_INITDATA_MAX after inflation.
 * gzip output is deterministic (no name, mtime 0, fixed level), so the
 * same policy always yields the same annotation.
 */
#include "policy/policy.h"

#include <openssl/evp.h>
#include <string.h>
#include <zlib.h>

CT_RESULT ct_initdata_toml(struct ct_span policy, struct ct_buf *toml)
{
	bool literal = true;

	for (size_t i = 0; i + 2 < policy.len; i++)
		if (memcmp(policy.ptr + i, "'''", 3) == 0)
			literal = false;
	for (size_t i = 0; i < policy.len; i++)
		if ((policy.ptr[i] < 0x20 && policy.ptr[i] != '\n' &&
		     policy.ptr[i] != '\t') || policy.ptr[i] == 0x7f)
			literal = false;
	CT_GUARD(ct_buf_append_str(toml, "version = \"0.1.0\"\n"
					 "algorithm = \"sha256\"\n\n[data]\n"
					 "\"policy.rego\" = "));
	if (literal) {
		/* A newline right after the opening quotes is trimmed by TOML. */
		CT_GUARD(ct_buf_append_str(toml, "'''\n"));
		CT_GUARD(ct_buf_append_span(toml, policy));
		return ct_buf_append_str(toml, "'''\n");
	}
	CT_GUARD(ct_buf_append_str(toml, "\"\"\"\n"));
	for (size_t i = 0; i < policy.len; i++) {
		uint8_t c = policy.ptr[i];
		if (c == '\\' || c == '"')
			CT_GUARD(ct_buf_printf(toml, "\\%c", c));
		else if ((c < 0x20 && c != '\n') || c == 0x7f)
			CT_GUARD(ct_buf_printf(toml, "\\u%04x", c));
		else
			CT_GUARD(ct_buf_append_byte(toml, c));
	}
	return ct_buf_append_str(toml, "\"\"\"\n");
}

CT_RESULT ct_initdata_annotation(struct ct_span toml, struct ct_buf *out)
{
	z_stream z;
	struct ct_buf gz;
	uint8_t chunk[16384];
	gz_header hdr;
	int zr;
	ct_result res = CT_OK;

	CT_ENSURE(toml.len <= CT_INITDATA_MAX, CT_ERR_LIMIT,
		  "initdata: %zu bytes, limit %zu", toml.len, CT_INITDATA_MAX);
	memset(&z, 0, sizeof(z));
	CT_ENSURE(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9,
			       Z_DEFAULT_STRATEGY) == Z_OK,
		  CT_ERR_NOMEM, "initdata: deflateInit2 failed");
	memset(&hdr, 0, sizeof(hdr));
	hdr.os = 255; /* unknown: no dependence on the building host */
	ct_buf_init(&gz, CT_INITDATA_MAX + 65536);
	CT_TRY_ENSURE(deflateSetHeader(&z, &hdr) == Z_OK, CT_ERR_INTERNAL,
		      "initdata: deflateSetHeader failed");
	z.next_in = (Bytef *)toml.ptr;
	z.avail_in = (uInt)toml.len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zr = deflate(&z, Z_FINISH);
		CT_TRY_ENSURE(zr == Z_OK || zr == Z_STREAM_END || zr == Z_BUF_ERROR,
			      CT_ERR_INTERNAL, "initdata: deflate failed (%d)", zr);
		CT_TRY(ct_buf_append(&gz, chunk, sizeof(chunk) - z.avail_out));
	} while (zr != Z_STREAM_END);
	CT_TRY(ct_base64_encode(out, ct_buf_span(&gz)));
out:
	deflateEnd(&z);
	ct_buf_dispose(&gz);
	return res;
}

CT_RESULT ct_initdata_decode(const char *annotation, struct ct_buf *toml)
{
	struct ct_buf gz;
	z_stream z;
	uint8_t chunk[16384];
	int zr;
	ct_result res = CT_OK;

	ct_buf_init(&gz, CT_INITDATA_MAX);
	memset(&z, 0, sizeof(z));
	CT_TRY(ct_base64_decode(&gz, annotation, strlen(annotation)));
	CT_TRY_ENSURE(inflateInit2(&z, 15 + 16) == Z_OK, CT_ERR_NOMEM,
		      "initdata: inflateInit2 failed");
	z.next_in = gz.data;
	z.avail_in = (uInt)gz.len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			inflateEnd(&z);
			CT_TRY(CT_FAIL(CT_ERR_PROTO, "initdata: not gzip data "
				       "(zlib %d)", zr));
		}
		res = ct_buf_append(toml, chunk, sizeof(chunk) - z.avail_out);
		if (!ct_ok(res)) {
			inflateEnd(&z);
			goto out;
		}
	} while (zr != Z_STREAM_END && (z.avail_in > 0 || z.avail_out == 0));
	inflateEnd(&z);
	CT_TRY_ENSURE(zr == Z_STREAM_END, CT_ERR_PROTO,
		      "initdata: truncated gzip data");
out:
	ct_buf_dispose(&gz);
	return res;
}

CT_RESULT ct_initdata_hash(struct ct_span toml, char hex[65])
{
	uint8_t md[32];
	unsigned int mdlen = 0;

	CT_ENSURE(EVP_Digest(toml.ptr, toml.len, md, &mdlen, EVP_sha256(),
			     NULL) == 1 && mdlen == 32,
		  CT_ERR_CRYPTO, "initdata: sha256 failed");
	ct_hex_format(hex, md, 32);
	hex[64] = '\0';
	return CT_OK;
}
