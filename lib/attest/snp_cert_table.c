/*
 * snp_cert_table.c - the extended-report certificate table (GHCB cert
 * table, the configfs-tsm auxblob): parse and build.
 *
 * Trust boundary: the table comes from the host, which is untrusted; it
 * only carries certificates that are themselves verified against a pinned
 * root afterwards. The parser bounds the table size and entry count,
 * requires the all-zero terminator, and checks every (offset, length) lies
 * after the header and inside the buffer, so a hostile table can at worst
 * name the wrong certificate, which the chain check then refuses.
 */
#include "attest/snp.h"

#include <string.h>

const uint8_t CT_SNP_GUID_VCEK[CT_SNP_GUID_LEN] = {
	0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
	0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd,
};
const uint8_t CT_SNP_GUID_VLEK[CT_SNP_GUID_LEN] = {
	0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
	0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1,
};
const uint8_t CT_SNP_GUID_ASK[CT_SNP_GUID_LEN] = {
	0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
	0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82,
};
const uint8_t CT_SNP_GUID_ARK[CT_SNP_GUID_LEN] = {
	0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
	0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae,
};
const uint8_t CT_SNP_GUID_CRL[CT_SNP_GUID_LEN] = {
	0x92, 0xf8, 0x1b, 0xc3, 0x58, 0x11, 0x4d, 0x3d,
	0x97, 0xff, 0xd1, 0x9f, 0x88, 0xdc, 0x67, 0xea,
};

const char *ct_snp_guid_name(const uint8_t guid[CT_SNP_GUID_LEN])
{
	if (memcmp(guid, CT_SNP_GUID_VCEK, CT_SNP_GUID_LEN) == 0)
		return "VCEK";
	if (memcmp(guid, CT_SNP_GUID_VLEK, CT_SNP_GUID_LEN) == 0)
		return "VLEK";
	if (memcmp(guid, CT_SNP_GUID_ASK, CT_SNP_GUID_LEN) == 0)
		return "ASK";
	if (memcmp(guid, CT_SNP_GUID_ARK, CT_SNP_GUID_LEN) == 0)
		return "ARK";
	if (memcmp(guid, CT_SNP_GUID_CRL, CT_SNP_GUID_LEN) == 0)
		return "CRL";
	return NULL;
}

void ct_snp_guid_format(char out[37], const uint8_t g[CT_SNP_GUID_LEN])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < CT_SNP_GUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[g[i] >> 4];
		out[o++] = hex[g[i] & 0xF];
	}
	out[o] = '\0';
}

ct_result ct_snp_cert_table_parse(struct ct_snp_cert_table *out,
				  struct ct_span bytes)
{
	struct ct_snp_cert_table t;
	memset(&t, 0, sizeof(t));
	CT_ENSURE(bytes.len <= CT_SNP_CERT_TABLE_MAX, CT_ERR_LIMIT,
		  "snp: cert table: %zu bytes exceeds the limit of %u",
		  bytes.len, CT_SNP_CERT_TABLE_MAX);
	if (bytes.len == 0) {
		*out = t;
		return CT_OK;
	}

	struct ct_reader r;
	ct_reader_init(&r, bytes);
	bool terminated = false;
	size_t offs[CT_SNP_CERT_TABLE_MAX_ENTRIES];
	/* Entries, up to MAX, then the all-zero terminator. */
	for (size_t i = 0; i <= CT_SNP_CERT_TABLE_MAX_ENTRIES; i++) {
		uint8_t guid[CT_SNP_GUID_LEN];
		uint32_t off, len;
		if (!ct_ok(ct_reader_copy(&r, guid, sizeof(guid))) ||
		    !ct_ok(ct_reader_u32le(&r, &off)) ||
		    !ct_ok(ct_reader_u32le(&r, &len)))
			CT_BAIL(CT_ERR_PROTO,
				"snp: cert table: entry %zu truncated (no "
				"all-zero terminator)", i);
		if (ct_span_is_zero(ct_span_make(guid, sizeof(guid))) &&
		    off == 0 && len == 0) {
			terminated = true;
			break;
		}
		CT_ENSURE(i < CT_SNP_CERT_TABLE_MAX_ENTRIES, CT_ERR_LIMIT,
			  "snp: cert table: more than %u entries",
			  CT_SNP_CERT_TABLE_MAX_ENTRIES);
		memcpy(t.entries[i].guid, guid, sizeof(guid));
		/* Offsets are checked once the header size is known. */
		offs[i] = off;
		t.entries[i].data = ct_span_make(NULL, len);
		t.count++;
	}
	CT_ENSURE(terminated, CT_ERR_PROTO,
		  "snp: cert table: no all-zero terminator");

	size_t header = r.off;
	for (size_t i = 0; i < t.count; i++) {
		size_t off = offs[i];
		size_t len = t.entries[i].data.len;
		char g[37];
		ct_snp_guid_format(g, t.entries[i].guid);
		size_t end;
		CT_ENSURE(len > 0, CT_ERR_PROTO,
			  "snp: cert table: entry %zu (%s) has length 0", i, g);
		CT_ENSURE(off >= header, CT_ERR_PROTO,
			  "snp: cert table: entry %zu (%s) offset %zu points "
			  "into the %zu-byte header", i, g, off, header);
		CT_ENSURE(ct_ok(ct_size_add(&end, off, len)) &&
				  end <= bytes.len,
			  CT_ERR_PROTO,
			  "snp: cert table: entry %zu (%s) [%zu,+%zu) exceeds "
			  "the %zu-byte table", i, g, off, len, bytes.len);
		t.entries[i].data = ct_span_make(bytes.ptr + off, len);
		const char *name = ct_snp_guid_name(t.entries[i].guid);
		for (size_t j = 0; name != NULL && j < i; j++)
			CT_ENSURE(memcmp(t.entries[j].guid, t.entries[i].guid,
					 CT_SNP_GUID_LEN) != 0,
				  CT_ERR_PROTO,
				  "snp: cert table: duplicate %s entry", name);
	}
	*out = t;
	return CT_OK;
}

const struct ct_snp_cert_entry *ct_snp_cert_table_find(
	const struct ct_snp_cert_table *t, const uint8_t guid[CT_SNP_GUID_LEN])
{
	for (size_t i = 0; i < t->count; i++)
		if (memcmp(t->entries[i].guid, guid, CT_SNP_GUID_LEN) == 0)
			return &t->entries[i];
	return NULL;
}

ct_result ct_snp_cert_table_build(struct ct_buf *out,
				  const struct ct_snp_cert_blob *blobs,
				  size_t count)
{
	CT_ENSURE(count <= CT_SNP_CERT_TABLE_MAX_ENTRIES, CT_ERR_LIMIT,
		  "snp: cert table: %zu entries exceeds %u", count,
		  CT_SNP_CERT_TABLE_MAX_ENTRIES);
	size_t off = (count + 1) * CT_SNP_CERT_ENTRY_SIZE;
	size_t total = off;
	for (size_t i = 0; i < count; i++) {
		CT_ENSURE(blobs[i].data.len > 0 && blobs[i].data.len <= UINT32_MAX,
			  CT_ERR_USAGE, "snp: cert table: blob %zu is empty or "
			  "too large", i);
		CT_GUARD(ct_size_add(&total, total, blobs[i].data.len));
	}
	CT_ENSURE(total <= CT_SNP_CERT_TABLE_MAX, CT_ERR_LIMIT,
		  "snp: cert table: %zu bytes exceeds the limit of %u", total,
		  CT_SNP_CERT_TABLE_MAX);
	CT_GUARD(ct_buf_reserve(out, total));
	for (size_t i = 0; i < count; i++) {
		uint8_t e[CT_SNP_CERT_ENTRY_SIZE];
		memcpy(e, blobs[i].guid, CT_SNP_GUID_LEN);
		ct_store_u32le(e + 16, (uint32_t)off);
		ct_store_u32le(e + 20, (uint32_t)blobs[i].data.len);
		CT_GUARD(ct_buf_append(out, e, sizeof(e)));
		off += blobs[i].data.len;
	}
	uint8_t zero[CT_SNP_CERT_ENTRY_SIZE] = { 0 };
	CT_GUARD(ct_buf_append(out, zero, sizeof(zero)));
	for (size_t i = 0; i < count; i++)
		CT_GUARD(ct_buf_append_span(out, blobs[i].data));
	return CT_OK;
}
