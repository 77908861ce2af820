/*
 * request.c - decoding of Kata agent requests into the policy input.
 *
 * The Kata agent hands its policy the request as serde serialises the Rust
 * protobuf struct: every field present with its default, enums as
 * integers, the proto field `type` spelled `type_`, unknown fields gone.
 * Hosts (and test cases) send partial JSON, so this file rebuilds that shape
 * from a static schema of the messages the rules read.
 *
 * Trust boundary: the bytes come from the untrusted host. They are parsed
 * with the engine's bounded JSON reader (CT_POLICY_REQUEST_MAX_* limits),
 * every array and map is bounded by CT_POLICY_REQUEST_MAX_ITEMS, a field of
 * the wrong JSON type is an error naming its path, and nested messages the
 * rules only require to be null (Hooks, Seccomp, ...) are kept verbatim so
 * that a non-null value still reaches the rules and is denied there.
 */
#include "policy/policy.h"

#include <stdio.h>
#include <string.h>

enum fk {
	F_STR,    /* string, default "" */
	F_NUM,    /* number, default 0 */
	F_BOOL,   /* boolean, default false */
	F_MSG,    /* message, default null */
	F_OPAQUE, /* any JSON, default null, kept verbatim */
	F_OSTR,   /* optional string, default null */
	F_RSTR,   /* repeated string */
	F_RNUM,   /* repeated number */
	F_RMSG,   /* repeated message */
	F_ROPQ,   /* repeated anything */
	F_MAP,    /* map<string, string> */
};

struct msg;

struct field {
	const char *name;
	enum fk kind;
	const struct msg *msg;
};

struct msg {
	const struct field *fields;
};

#define FIELDS(...) ((const struct field[]){ __VA_ARGS__, { NULL, 0, NULL } })

static const struct msg m_user = { FIELDS(
	{ "UID", F_NUM, NULL }, { "GID", F_NUM, NULL },
	{ "AdditionalGids", F_RNUM, NULL }, { "Username", F_STR, NULL }) };

static const struct msg m_caps = { FIELDS(
	{ "Bounding", F_RSTR, NULL }, { "Effective", F_RSTR, NULL },
	{ "Inheritable", F_RSTR, NULL }, { "Permitted", F_RSTR, NULL },
	{ "Ambient", F_RSTR, NULL }) };

static const struct msg m_process = { FIELDS(
	{ "Terminal", F_BOOL, NULL }, { "ConsoleSize", F_OPAQUE, NULL },
	{ "User", F_MSG, &m_user }, { "Args", F_RSTR, NULL },
	{ "Env", F_RSTR, NULL }, { "Cwd", F_STR, NULL },
	{ "Capabilities", F_MSG, &m_caps }, { "Rlimits", F_ROPQ, NULL },
	{ "NoNewPrivileges", F_BOOL, NULL },
	{ "ApparmorProfile", F_STR, NULL }, { "OOMScoreAdj", F_NUM, NULL },
	{ "SelinuxLabel", F_STR, NULL }) };

static const struct msg m_root = { FIELDS(
	{ "Path", F_STR, NULL }, { "Readonly", F_BOOL, NULL }) };

static const struct msg m_mount = { FIELDS(
	{ "destination", F_STR, NULL }, { "source", F_STR, NULL },
	{ "type_", F_STR, NULL }, { "options", F_RSTR, NULL }) };

static const struct msg m_namespace = { FIELDS(
	{ "Type", F_STR, NULL }, { "Path", F_STR, NULL }) };

static const struct msg m_linux_device = { FIELDS(
	{ "Path", F_STR, NULL }, { "Type", F_STR, NULL },
	{ "Major", F_NUM, NULL }, { "Minor", F_NUM, NULL },
	{ "FileMode", F_NUM, NULL }, { "UID", F_NUM, NULL },
	{ "GID", F_NUM, NULL }) };

static const struct msg m_resources = { FIELDS(
	{ "Devices", F_ROPQ, NULL }, { "Memory", F_OPAQUE, NULL },
	{ "CPU", F_OPAQUE, NULL }, { "Pids", F_OPAQUE, NULL },
	{ "BlockIO", F_OPAQUE, NULL }, { "HugepageLimits", F_ROPQ, NULL },
	{ "Network", F_OPAQUE, NULL }) };

static const struct msg m_linux = { FIELDS(
	{ "UIDMappings", F_ROPQ, NULL }, { "GIDMappings", F_ROPQ, NULL },
	{ "Sysctl", F_MAP, NULL }, { "Resources", F_MSG, &m_resources },
	{ "CgroupsPath", F_STR, NULL },
	{ "Namespaces", F_RMSG, &m_namespace },
	{ "Devices", F_RMSG, &m_linux_device }, { "Seccomp", F_OPAQUE, NULL },
	{ "RootfsPropagation", F_STR, NULL },
	{ "MaskedPaths", F_RSTR, NULL }, { "ReadonlyPaths", F_RSTR, NULL },
	{ "MountLabel", F_STR, NULL }, { "IntelRdt", F_OPAQUE, NULL }) };

static const struct msg m_spec = { FIELDS(
	{ "Version", F_STR, NULL }, { "Process", F_MSG, &m_process },
	{ "Root", F_MSG, &m_root }, { "Hostname", F_STR, NULL },
	{ "Mounts", F_RMSG, &m_mount }, { "Hooks", F_OPAQUE, NULL },
	{ "Annotations", F_MAP, NULL }, { "Linux", F_MSG, &m_linux },
	{ "Solaris", F_OPAQUE, NULL }, { "Windows", F_OPAQUE, NULL }) };

static const struct msg m_fsgroup = { FIELDS(
	{ "group_id", F_NUM, NULL }, { "group_change_policy", F_NUM, NULL }) };

static const struct msg m_storage = { FIELDS(
	{ "driver", F_STR, NULL }, { "driver_options", F_RSTR, NULL },
	{ "source", F_STR, NULL }, { "fstype", F_STR, NULL },
	{ "options", F_RSTR, NULL }, { "mount_point", F_STR, NULL },
	{ "fs_group", F_MSG, &m_fsgroup }, { "shared", F_BOOL, NULL }) };

static const struct msg m_device = { FIELDS(
	{ "id", F_STR, NULL }, { "type_", F_STR, NULL },
	{ "vm_path", F_STR, NULL }, { "container_path", F_STR, NULL },
	{ "options", F_RSTR, NULL }) };

static const struct msg m_string_user = { FIELDS(
	{ "uid", F_STR, NULL }, { "gid", F_STR, NULL },
	{ "additionalGids", F_RSTR, NULL }) };

static const struct msg m_shared_mount = { FIELDS(
	{ "name", F_STR, NULL }, { "src_ctr", F_STR, NULL },
	{ "src_path", F_STR, NULL }, { "dst_ctr", F_STR, NULL },
	{ "dst_path", F_STR, NULL }) };

static const struct msg m_create_container = { FIELDS(
	{ "container_id", F_STR, NULL }, { "exec_id", F_STR, NULL },
	{ "string_user", F_MSG, &m_string_user },
	{ "devices", F_RMSG, &m_device }, { "storages", F_RMSG, &m_storage },
	{ "OCI", F_MSG, &m_spec }, { "sandbox_pidns", F_BOOL, NULL },
	{ "shared_mounts", F_RMSG, &m_shared_mount },
	{ "stdin_port", F_NUM, NULL }, { "stdout_port", F_NUM, NULL },
	{ "stderr_port", F_NUM, NULL }) };

static const struct msg m_exec_process = { FIELDS(
	{ "container_id", F_STR, NULL }, { "exec_id", F_STR, NULL },
	{ "string_user", F_MSG, &m_string_user },
	{ "process", F_MSG, &m_process }, { "stdin_port", F_NUM, NULL },
	{ "stdout_port", F_NUM, NULL }, { "stderr_port", F_NUM, NULL }) };

static const struct msg m_kernel_module = { FIELDS(
	{ "name", F_STR, NULL }, { "parameters", F_RSTR, NULL }) };

static const struct msg m_create_sandbox = { FIELDS(
	{ "hostname", F_STR, NULL }, { "dns", F_RSTR, NULL },
	{ "storages", F_RMSG, &m_storage }, { "sandbox_pidns", F_BOOL, NULL },
	{ "sandbox_id", F_STR, NULL }, { "guest_hook_path", F_STR, NULL },
	{ "kernel_modules", F_RMSG, &m_kernel_module }) };

static const struct msg m_remove_container = { FIELDS(
	{ "container_id", F_STR, NULL }, { "timeout", F_NUM, NULL }) };

static const struct msg m_ip_address = { FIELDS(
	{ "family", F_NUM, NULL }, { "address", F_STR, NULL },
	{ "mask", F_STR, NULL }) };

static const struct msg m_interface = { FIELDS(
	{ "device", F_STR, NULL }, { "name", F_STR, NULL },
	{ "IPAddresses", F_RMSG, &m_ip_address }, { "mtu", F_NUM, NULL },
	{ "hwAddr", F_STR, NULL }, { "devicePath", F_STR, NULL },
	{ "type_", F_STR, NULL }, { "raw_flags", F_NUM, NULL }) };

static const struct msg m_update_interface = { FIELDS(
	{ "interface", F_MSG, &m_interface }) };

static const struct msg m_route = { FIELDS(
	{ "dest", F_STR, NULL }, { "gateway", F_STR, NULL },
	{ "device", F_STR, NULL }, { "source", F_STR, NULL },
	{ "scope", F_NUM, NULL }, { "family", F_NUM, NULL },
	{ "flags", F_NUM, NULL }, { "mtu", F_NUM, NULL }) };

static const struct msg m_routes = { FIELDS(
	{ "Routes", F_RMSG, &m_route }) };

static const struct msg m_update_routes = { FIELDS(
	{ "routes", F_MSG, &m_routes }) };

static const struct msg m_arp_neighbor = { FIELDS(
	{ "toIPAddress", F_MSG, &m_ip_address }, { "device", F_STR, NULL },
	{ "lladdr", F_STR, NULL }, { "state", F_NUM, NULL },
	{ "flags", F_NUM, NULL }) };

static const struct msg m_arp_neighbors = { FIELDS(
	{ "ARPNeighbors", F_RMSG, &m_arp_neighbor }) };

static const struct msg m_add_arp_neighbors = { FIELDS(
	{ "neighbors", F_MSG, &m_arp_neighbors }) };

/* The agent's pre-processed CopyFile input (file data never included). */
static const struct msg m_copy_file = { FIELDS(
	{ "path", F_STR, NULL }, { "file_type", F_STR, NULL },
	{ "symlink_target", F_OSTR, NULL }, { "file_size", F_NUM, NULL },
	{ "file_mode", F_NUM, NULL }, { "dir_mode", F_NUM, NULL },
	{ "uid", F_NUM, NULL }, { "gid", F_NUM, NULL },
	{ "offset", F_NUM, NULL }) };

static const struct {
	const char *kind;
	const struct msg *msg;
} requests[] = {
	{ "CreateContainerRequest", &m_create_container },
	{ "ExecProcessRequest", &m_exec_process },
	{ "CreateSandboxRequest", &m_create_sandbox },
	{ "RemoveContainerRequest", &m_remove_container },
	{ "UpdateInterfaceRequest", &m_update_interface },
	{ "UpdateRoutesRequest", &m_update_routes },
	{ "AddARPNeighborsRequest", &m_add_arp_neighbors },
	{ "CopyFileRequest", &m_copy_file },
};

#define PATH_MAX_LEN 256

bool ct_policy_kind_valid(const char *kind)
{
	size_t n = kind != NULL ? strnlen(kind, CT_POLICY_KIND_MAX + 1) : 0;

	if (n == 0 || n > CT_POLICY_KIND_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = kind[i];
		bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

static ct_result type_err(const char *path, const char *want,
			  const struct ct_rego_value *got)
{
	return CT_FAIL(CT_ERR_PROTO, "request: %s: want %s, got %s",
		       path[0] != '\0' ? path : "(top)", want,
		       ct_rego_value_type_name(got));
}

/* Error paths are for messages only: a long one is cut, not an error. */
static void path_field(char *dst, const char *base, const char *name)
{
	if (snprintf(dst, PATH_MAX_LEN, "%s%s%s", base,
		     base[0] != '\0' ? "." : "", name) >= PATH_MAX_LEN)
		dst[PATH_MAX_LEN - 1] = '\0';
}

static void path_index(char *dst, const char *base, size_t i)
{
	if (snprintf(dst, PATH_MAX_LEN, "%s[%zu]", base, i) >= PATH_MAX_LEN)
		dst[PATH_MAX_LEN - 1] = '\0';
}

static ct_result check_count(const char *path, const struct ct_rego_value *v)
{
	CT_ENSURE(ct_rego_value_length(v) <= CT_POLICY_REQUEST_MAX_ITEMS,
		  CT_ERR_LIMIT, "request: %s: more than %d elements", path,
		  CT_POLICY_REQUEST_MAX_ITEMS);
	return CT_OK;
}

static ct_result build_msg(const struct msg *m, const struct ct_rego_value *in,
			   const char *path, struct ct_rego_value **out);

/* Builds the normalised value of one field; `in` NULL or null = absent. */
static ct_result build_field(const struct field *f,
			     const struct ct_rego_value *in, const char *path,
			     struct ct_rego_value **out)
{
	bool absent = in == NULL || ct_rego_value_kind(in) == CT_REGO_NULL;
	enum ct_rego_kind k = absent ? CT_REGO_NULL : ct_rego_value_kind(in);
	struct ct_rego_value *v = NULL;
	ct_result res = CT_OK;

	*out = NULL;
	switch (f->kind) {
	case F_STR:
	case F_OSTR:
		if (absent) {
			v = f->kind == F_STR ? ct_rego_value_cstring("")
					     : ct_rego_value_null();
			break;
		}
		if (k != CT_REGO_STRING)
			return type_err(path, "string", in);
		v = ct_rego_value_ref((struct ct_rego_value *)in);
		break;
	case F_NUM:
		if (absent) {
			v = ct_rego_value_int(0);
			break;
		}
		if (k != CT_REGO_NUMBER)
			return type_err(path, "number", in);
		v = ct_rego_value_ref((struct ct_rego_value *)in);
		break;
	case F_BOOL:
		if (absent) {
			v = ct_rego_value_bool(false);
			break;
		}
		if (k != CT_REGO_BOOL)
			return type_err(path, "boolean", in);
		v = ct_rego_value_ref((struct ct_rego_value *)in);
		break;
	case F_OPAQUE:
		v = absent ? ct_rego_value_null()
			   : ct_rego_value_ref((struct ct_rego_value *)in);
		break;
	case F_MSG:
		if (absent) {
			v = ct_rego_value_null();
			break;
		}
		return build_msg(f->msg, in, path, out);
	case F_MAP: {
		if (absent) {
			v = ct_rego_object_new(0);
			break;
		}
		if (k != CT_REGO_OBJECT)
			return type_err(path, "object", in);
		CT_GUARD(check_count(path, in));
		size_t n = ct_rego_value_length(in);
		for (size_t i = 0; i < n; i++) {
			const struct ct_rego_value *key = ct_rego_object_key_at(in, i);
			const struct ct_rego_value *val = ct_rego_object_value_at(in, i);
			if (ct_rego_value_kind(key) != CT_REGO_STRING ||
			    ct_rego_value_kind(val) != CT_REGO_STRING) {
				char p[PATH_MAX_LEN];
				path_field(p, path,
					   ct_rego_value_kind(key) == CT_REGO_STRING
						   ? ct_rego_value_str(key) : "?");
				return type_err(p, "string", val);
			}
		}
		v = ct_rego_value_ref((struct ct_rego_value *)in);
		break;
	}
	case F_RSTR:
	case F_RNUM:
	case F_RMSG:
	case F_ROPQ: {
		if (absent) {
			v = ct_rego_array_new(0);
			break;
		}
		if (k != CT_REGO_ARRAY)
			return type_err(path, "array", in);
		CT_GUARD(check_count(path, in));
		size_t n = ct_rego_value_length(in);
		v = ct_rego_array_new(n);
		if (v == NULL)
			return CT_FAIL(CT_ERR_NOMEM, "request: out of memory");
		for (size_t i = 0; i < n; i++) {
			const struct ct_rego_value *e = ct_rego_value_index(in, i);
			enum ct_rego_kind ek = ct_rego_value_kind(e);
			struct ct_rego_value *ne = NULL;
			char p[PATH_MAX_LEN];

			path_index(p, path, i);
			if (f->kind == F_RSTR && ek != CT_REGO_STRING)
				res = type_err(p, "string", e);
			else if (f->kind == F_RNUM && ek != CT_REGO_NUMBER)
				res = type_err(p, "number", e);
			else if (f->kind == F_RMSG)
				res = build_msg(f->msg, e, p, &ne);
			else
				ne = ct_rego_value_ref((struct ct_rego_value *)e);
			if (ct_ok(res) && ne == NULL)
				res = CT_FAIL(CT_ERR_NOMEM, "request: out of memory");
			if (ct_ok(res))
				res = ct_rego_array_append(v, ne);
			if (!ct_ok(res)) {
				ct_rego_value_unref(v);
				return res;
			}
		}
		break;
	}
	}
	if (v == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "request: out of memory");
	*out = v;
	return CT_OK;
}

static ct_result build_msg(const struct msg *m, const struct ct_rego_value *in,
			   const char *path, struct ct_rego_value **out)
{
	struct ct_rego_value *obj;

	*out = NULL;
	if (ct_rego_value_kind(in) != CT_REGO_OBJECT)
		return type_err(path, "object", in);
	obj = ct_rego_object_new(8);
	if (obj == NULL)
		return CT_FAIL(CT_ERR_NOMEM, "request: out of memory");
	for (const struct field *f = m->fields; f->name != NULL; f++) {
		char p[PATH_MAX_LEN];
		struct ct_rego_value *v = NULL, *key;
		ct_result res;

		path_field(p, path, f->name);
		res = build_field(f, ct_rego_object_get_str(in, f->name), p, &v);
		if (ct_ok(res)) {
			key = ct_rego_value_cstring(f->name);
			if (key == NULL) {
				ct_rego_value_unref(v);
				res = CT_FAIL(CT_ERR_NOMEM, "request: out of memory");
			} else {
				res = ct_rego_object_insert(obj, key, v);
			}
		}
		if (!ct_ok(res)) {
			ct_rego_value_unref(obj);
			return res;
		}
	}
	*out = obj;
	return CT_OK;
}

CT_RESULT ct_policy_request_decode(const char *kind, struct ct_span json,
				   struct ct_rego_value **out)
{
	static const struct ct_rego_json_limits lim = {
		.max_bytes = CT_POLICY_REQUEST_MAX_BYTES,
		.max_depth = CT_POLICY_REQUEST_MAX_DEPTH,
		.max_string = CT_POLICY_REQUEST_MAX_STRING,
	};
	struct ct_rego_value *raw = NULL;
	ct_result res;

	*out = NULL;
	CT_ENSURE(ct_policy_kind_valid(kind), CT_ERR_USAGE,
		  "request: invalid request kind");
	CT_ENSURE(json.len <= CT_POLICY_REQUEST_MAX_BYTES, CT_ERR_LIMIT,
		  "request: %zu bytes, limit %zu", json.len,
		  CT_POLICY_REQUEST_MAX_BYTES);
	res = ct_rego_json_parse(json, &lim, &raw);
	if (!ct_ok(res))
		return ct_error_prefix("request");
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		if (strcmp(requests[i].kind, kind) == 0) {
			res = build_msg(requests[i].msg, raw, "", out);
			ct_rego_value_unref(raw);
			return res;
		}
	}
	if (ct_rego_value_kind(raw) != CT_REGO_OBJECT) {
		res = type_err("", "object", raw);
		ct_rego_value_unref(raw);
		return res;
	}
	*out = raw;
	return CT_OK;
}
