# Contrast-C runtime policy rules (package agent_policy).
#
# These rules decide Kata agent requests. The generator appends
# `policy_data := {...}` (schema: docs/policy-data.md) to this text; the
# enforcer queries data.agent_policy.<RequestName> with the request as input
# and data.pstate as per-sandbox state. A result is `true`/`false` or
# {"allowed": true, "ops": [JSON-patch ops on /pstate]}. Anything not
# allowed here is denied. For each conditional request R, violations_R is the
# set of failed checks (the deny reason). Standard Rego v1 only.
package agent_policy

default AllowRequestsFailingPolicy := false

default SetPolicyRequest := false

# ------------------------------------------------------------------ always

default DestroySandboxRequest := true

default GetOOMEventRequest := true

default GuestDetailsRequest := true

default OnlineCPUMemRequest := true

default RemoveStaleVirtiofsShareMountsRequest := true

default SignalProcessRequest := true

default StartContainerRequest := true

default StatsContainerRequest := true

default TtyWinResizeRequest := true

default WaitProcessRequest := true

# --------------------------------------------------------- opt-in switches

default CloseStdinRequest := false

CloseStdinRequest if {
	policy_data.request_defaults.CloseStdinRequest == true
}

default ReadStreamRequest := false

ReadStreamRequest if {
	policy_data.request_defaults.ReadStreamRequest == true
}

default WriteStreamRequest := false

WriteStreamRequest if {
	policy_data.request_defaults.WriteStreamRequest == true
}

default UpdateEphemeralMountsRequest := false

UpdateEphemeralMountsRequest if {
	policy_data.request_defaults.UpdateEphemeralMountsRequest == true
}

default GetDiagnosticDataRequest := false

GetDiagnosticDataRequest if {
	policy_data.request_defaults.GetDiagnosticDataRequest == true
}

# ----------------------------------------------------------------- helpers

# Escapes regex metacharacters so a run-time value can sit inside a regex.
regex_escape(s) := r if {
	a := replace(s, "\\", "\\\\")
	b := replace(replace(replace(replace(a, ".", "\\."), "+", "\\+"), "*", "\\*"), "?", "\\?")
	c := replace(replace(replace(replace(b, "(", "\\("), ")", "\\)"), "|", "\\|"), "^", "\\^")
	d := replace(replace(replace(replace(c, "[", "\\["), "]", "\\]"), "{", "\\{"), "}", "\\}")
	r := replace(d, "$", "\\$")
}

# JSON pointer token (RFC 6901) for a pstate key.
ptr_token(k) := replace(replace(k, "~", "~0"), "/", "~1")

state_path(k) := concat("", ["/pstate/", ptr_token(k)])

# "add or match": bind a pstate key on first use, then insist on it.
bind_op(k, v) := [] if {
	data.pstate[k] == v
}

bind_op(k, v) := [{"op": "add", "path": state_path(k), "value": v}] if {
	not has_state(k)
}

has_state(k) if {
	data.pstate[k]
}

is_empty(x) if {
	count(x) == 0
}

as_set(a) := {x | some x in a}

container_key(id) := concat("", ["c:", id])

kata_container_type := {"sandbox": "pod_sandbox", "container": "pod_container"}

# Environment: every requested entry must be justified by the policy.
env_ok(e, c, sname, sns) if {
	e in c.OCI.Process.Env
}

env_ok(e, c, sname, sns) if {
	some r in c.OCI.Process.EnvRegex
	regex.match(subst_names(r, sname, sns), e)
}

env_ok(e, c, sname, sns) if {
	some r in policy_data.common.allow_env_regex
	regex.match(r, e)
}

subst_names(r, sname, sns) := replace(replace(r, "$(sandbox-name)", regex_escape(sname)), "$(sandbox-namespace)", regex_escape(sns))

cap_sets := ["Ambient", "Bounding", "Effective", "Inheritable", "Permitted"]

# Data written for another schema version must not be half-understood.
schema_ok if {
	policy_data.version == 1
}

# ========================================================= CreateContainer

cc_annotations := input.OCI.Annotations

cc_kind := cc_annotations["io.kubernetes.cri.container-type"]

default cc_name := ""

cc_name := n if {
	n := cc_annotations["io.kubernetes.cri.container-name"]
}

cc_sandbox_name := cc_annotations["io.kubernetes.cri.sandbox-name"]

cc_namespace := cc_annotations["io.kubernetes.cri.sandbox-namespace"]

cc_matches := {i |
	some i, c in policy_data.containers
	c.kind == cc_kind
	c.name == cc_name
}

cc_index := i if {
	count(cc_matches) == 1
	some i in cc_matches
}

cc_c := policy_data.containers[cc_index]

cc_root_parts := split(policy_data.common.root_path, "$(bundle-id)")

cc_bundle_id := b if {
	count(cc_root_parts) == 2
	p := input.OCI.Root.Path
	pre := cc_root_parts[0]
	suf := cc_root_parts[1]
	count(p) > count(pre) + count(suf)
	startswith(p, pre)
	endswith(p, suf)
	b := substring(p, count(pre), (count(p) - count(pre)) - count(suf))
	regex.match(policy_data.common.bundle_id_regex, b)
}

cc_sandbox_id := s if {
	s := cc_annotations["io.kubernetes.cri.sandbox-id"]
	regex.match(policy_data.common.sandbox_id_regex, s)
}

# Placeholders in regexes (escaped) and in literals (raw).
cc_subst_re(r) := subst_names(replace(replace(r, "$(bundle-id)", regex_escape(cc_bundle_id)), "$(sandbox-id)", regex_escape(cc_sandbox_id)), cc_sandbox_name, cc_namespace)

cc_subst_lit(s) := replace(replace(s, "$(bundle-id)", cc_bundle_id), "$(sandbox-id)", cc_sandbox_id)

cc_id_ok if {
	input.container_id == ""
}

cc_id_ok if {
	regex.match("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", input.container_id)
}

cc_netns := [n.Path | some n in input.OCI.Linux.Namespaces; n.Type == "network"]

default cc_netns_path := ""

cc_netns_path := p if {
	count(cc_netns) == 1
	p := cc_netns[0]
}

cc_namespaces := [{"Type": n.Type, "Path": n.Path} |
	some n in input.OCI.Linux.Namespaces
	not n.Type in {"network", "cgroup"}
]

cc_storages := [s | some s in input.storages; s.driver != "image_guest_pull"]

cc_guest_pull := [s | some s in input.storages; s.driver == "image_guest_pull"]

default cc_container_op := []

cc_container_op := bind_op(container_key(input.container_id), cc_index) if {
	input.container_id != ""
}

created_key(i) := concat("", ["n:", format_int(i, 10)])

cc_ops := array.concat(
	array.concat(
		array.concat(bind_op("sandbox_name", cc_sandbox_name), bind_op("namespace", cc_namespace)),
		array.concat(bind_op("network_namespace", cc_netns_path), cc_container_op)
	),
	bind_op(created_key(cc_index), true)
)

default CreateContainerRequest := false

CreateContainerRequest := {"allowed": true, "ops": cc_ops} if {
	cc_c
	count(violations_CreateContainerRequest) == 0
}

violations_CreateContainerRequest contains "policy_data.version: want 1" if {
	not schema_ok
}

# --- request shape: fields the host must leave empty
violations_CreateContainerRequest contains "container_id: not a valid id" if {
	not cc_id_ok
}

violations_CreateContainerRequest contains "shared_mounts: must be empty" if {
	not is_empty(input.shared_mounts)
}

violations_CreateContainerRequest contains "string_user: must be null" if {
	not is_null(input.string_user)
}

violations_CreateContainerRequest contains concat("", ["OCI.", f, ": must be null"]) if {
	some f in ["Hooks", "Solaris", "Windows"]
	not is_null(input.OCI[f])
}

violations_CreateContainerRequest contains concat("", ["OCI.Linux.", f, ": must be empty"]) if {
	some f in ["UIDMappings", "GIDMappings", "MountLabel", "RootfsPropagation"]
	not is_empty(input.OCI.Linux[f])
}

violations_CreateContainerRequest contains concat("", ["OCI.Linux.", f, ": must be null"]) if {
	some f in ["IntelRdt"]
	not is_null(input.OCI.Linux[f])
}

violations_CreateContainerRequest contains "OCI.Linux.Resources.Devices: must be empty" if {
	r := input.OCI.Linux.Resources
	r != null
	not is_empty(r.Devices)
}

violations_CreateContainerRequest contains concat("", ["OCI.Linux.Resources.", f, ": must be null"]) if {
	some f in ["BlockIO", "Network", "Pids"]
	input.OCI.Linux.Resources != null
	not is_null(input.OCI.Linux.Resources[f])
}

violations_CreateContainerRequest contains "OCI.Process.SelinuxLabel: must be empty" if {
	not is_empty(input.OCI.Process.SelinuxLabel)
}

violations_CreateContainerRequest contains "OCI.Process.User.Username: must be empty" if {
	not is_empty(input.OCI.Process.User.Username)
}

# --- pod identity
violations_CreateContainerRequest contains "sandbox-name: does not match sandbox.name_regex" if {
	not regex.match(policy_data.sandbox.name_regex, cc_sandbox_name)
}

violations_CreateContainerRequest contains "sandbox-name: differs from the pod's first container" if {
	s := data.pstate.sandbox_name
	s != cc_sandbox_name
}

violations_CreateContainerRequest contains "sandbox-namespace: missing" if {
	not cc_namespace
}

violations_CreateContainerRequest contains "sandbox-namespace: does not match sandbox.namespace" if {
	policy_data.sandbox.namespace != ""
	policy_data.sandbox.namespace != cc_namespace
}

violations_CreateContainerRequest contains "sandbox-namespace: differs from the pod's first container" if {
	s := data.pstate.namespace
	s != cc_namespace
}

violations_CreateContainerRequest contains "sandbox-id: missing or malformed" if {
	not cc_sandbox_id
}

# --- container identity
violations_CreateContainerRequest contains "container: no policy container with this container-type and container-name" if {
	not cc_c
}

violations_CreateContainerRequest contains "container_id: already bound to another policy container" if {
	input.container_id != ""
	i := data.pstate[container_key(input.container_id)]
	i != cc_index
}

# Kubernetes starts init containers one by one, in order, before the app
# containers: a container may only be created once every init container
# listed before it was created in this pod.
violations_CreateContainerRequest contains concat("", ["container order: init container ", o.name, " not created yet"]) if {
	some j, o in policy_data.containers
	o.init_container == true
	j < cc_index
	not has_state(created_key(j))
}

violations_CreateContainerRequest contains "io.katacontainers.pkg.oci.container_type: does not match container-type" if {
	cc_c
	not cc_annotations["io.katacontainers.pkg.oci.container_type"] == kata_container_type[cc_c.kind]
}

violations_CreateContainerRequest contains concat("", ["io.kubernetes.cri.image-name: ", n, " not allowed"]) if {
	cc_c
	n := cc_annotations["io.kubernetes.cri.image-name"]
	not n in cc_c.image_names
}

violations_CreateContainerRequest contains concat("", ["annotation ", k, ": not allowed"]) if {
	cc_c
	some k, v in cc_annotations
	not cc_annotation_ok(k, v)
}

cc_annotation_ok(k, _) if {
	some p in policy_data.common.annotation_prefixes
	startswith(k, p)
}

cc_annotation_ok(k, v) if {
	r := cc_c.OCI.Annotations[k]
	regex.match(cc_subst_re(r), v)
}

violations_CreateContainerRequest contains "sandbox_pidns: mismatch" if {
	cc_c
	not input.sandbox_pidns == cc_c.sandbox_pidns
}

# --- root
violations_CreateContainerRequest contains "OCI.Version: mismatch" if {
	cc_c
	not input.OCI.Version == cc_c.OCI.Version
}

violations_CreateContainerRequest contains "OCI.Root.Path: does not match common.root_path" if {
	not cc_bundle_id
}

violations_CreateContainerRequest contains "OCI.Root.Readonly: mismatch" if {
	cc_c
	not input.OCI.Root.Readonly == cc_c.OCI.Root.Readonly
}

# --- process
violations_CreateContainerRequest contains concat("", ["OCI.Process.", f, ": mismatch"]) if {
	cc_c
	some f in ["Cwd", "Terminal", "NoNewPrivileges"]
	not input.OCI.Process[f] == cc_c.OCI.Process[f]
}

violations_CreateContainerRequest contains "OCI.Process.Args: mismatch" if {
	cc_c
	not cc_args_ok
}

# Exact argv, unless the policy gives ArgsRegex (one anchored regex per
# argument, "" for exact ones): arguments that name a variable known only at
# run time, like $(POD_NAME) from the downward API.
cc_args_ok if {
	not cc_c.OCI.Process.ArgsRegex
	input.OCI.Process.Args == cc_c.OCI.Process.Args
}

cc_args_ok if {
	res := cc_c.OCI.Process.ArgsRegex
	want := cc_c.OCI.Process.Args
	count(input.OCI.Process.Args) == count(want)
	count(res) == count(want)
	every i, a in input.OCI.Process.Args {
		cc_arg_ok(a, want[i], res[i])
	}
}

cc_arg_ok(a, want, "") if a == want

cc_arg_ok(a, _, re) if {
	re != ""
	regex.match(cc_subst_re(re), a)
}

violations_CreateContainerRequest contains concat("", ["OCI.Process.User.", f, ": mismatch"]) if {
	cc_c
	some f in ["UID", "GID"]
	not input.OCI.Process.User[f] == cc_c.OCI.Process.User[f]
}

violations_CreateContainerRequest contains "OCI.Process.User.AdditionalGids: mismatch" if {
	cc_c
	not as_set(input.OCI.Process.User.AdditionalGids) == as_set(cc_c.OCI.Process.User.AdditionalGids)
}

violations_CreateContainerRequest contains concat("", ["OCI.Process.Env: ", e, " not allowed"]) if {
	cc_c
	some e in input.OCI.Process.Env
	not env_ok(e, cc_c, cc_sandbox_name, cc_namespace)
}

violations_CreateContainerRequest contains "OCI.Process.Env: malformed" if {
	not is_array(input.OCI.Process.Env)
}

violations_CreateContainerRequest contains concat("", ["OCI.Process.Capabilities.", f, ": mismatch"]) if {
	cc_c
	some f in cap_sets
	not as_set(input.OCI.Process.Capabilities[f]) == as_set(cc_c.OCI.Process.Capabilities[f])
}

# --- mounts
violations_CreateContainerRequest contains "OCI.Mounts: duplicate destination" if {
	count({m.destination | some m in input.OCI.Mounts}) != count(input.OCI.Mounts)
}

violations_CreateContainerRequest contains concat("", ["OCI.Mounts: ", object.get(m, "destination", "?"), " not allowed"]) if {
	cc_c
	some m in input.OCI.Mounts
	not cc_mount_ok(m)
}

cc_mount_ok(m) if {
	some p in cc_c.OCI.Mounts
	p.destination == m.destination
	p.type_ == m.type_
	p.options == m.options
	cc_mount_source_ok(p, m)
}

# cgroup mounts: the runtime may add options of the cgroup2 superblock
# (nsdelegate, memory_recursiveprot); those listed in
# common.cgroup_mount_extras_allowed are accepted in any order.
cc_mount_ok(m) if {
	some p in cc_c.OCI.Mounts
	p.type_ == "cgroup"
	m.type_ == "cgroup"
	p.destination == m.destination
	is_array(m.options)
	count(as_set(p.options) - as_set(m.options)) == 0
	extras := object.get(policy_data.common, "cgroup_mount_extras_allowed", [])
	count((as_set(m.options) - as_set(p.options)) - as_set(extras)) == 0
	cc_mount_source_ok(p, m)
}

cc_mount_source_ok(p, m) if {
	p.source == m.source
}

cc_mount_source_ok(p, m) if {
	regex.match(cc_subst_re(p.source_regex), m.source)
}

cc_mount_source_ok(p, m) if {
	p.source_storage == true
	some s in cc_storages
	s.mount_point == m.source
}

# --- storages
violations_CreateContainerRequest contains "storages: count differs from the policy" if {
	cc_c
	count(cc_storages) != count(cc_c.storages)
}

violations_CreateContainerRequest contains concat("", ["storages: ", object.get(s, "mount_point", "?"), " not allowed"]) if {
	cc_c
	some s in cc_storages
	not cc_storage_ok(s)
}

cc_storage_ok(s) if {
	some p in cc_c.storages
	p.driver == s.driver
	p.driver_options == s.driver_options
	p.fstype == s.fstype
	p.options == s.options
	p.fs_group == s.fs_group
	p.shared == s.shared
	cc_storage_source_ok(p, s)
	replace(cc_subst_lit(p.mount_point), "$(b64-source)", base64url.encode(s.source)) == s.mount_point
}

cc_storage_source_ok(p, s) if {
	p.source == s.source
}

cc_storage_source_ok(p, s) if {
	regex.match(p.source_regex, s.source)
}

violations_CreateContainerRequest contains "storages: more than one image_guest_pull storage" if {
	count(cc_guest_pull) > 1
}

violations_CreateContainerRequest contains "storages: image_guest_pull storage not allowed" if {
	cc_c
	some s in cc_guest_pull
	not cc_guest_pull_ok(s)
}

cc_guest_pull_ok(s) if {
	s.fstype == "overlay"
	s.options == []
	s.fs_group == null
	s.shared == false
	s.mount_point == input.OCI.Root.Path
	s.source in cc_c.image_names
}

# --- devices
violations_CreateContainerRequest contains "devices: device not allowed" if {
	cc_c
	some d in input.devices
	not cc_device_ok(d)
}

cc_device_ok(d) if {
	some p in cc_c.devices
	p.container_path == d.container_path
}

violations_CreateContainerRequest contains "OCI.Linux.Devices: device not allowed" if {
	cc_c
	some d in input.OCI.Linux.Devices
	not {"Path": d.Path, "Type": d.Type} in cc_c.OCI.Linux.Devices
}

# --- linux
violations_CreateContainerRequest contains "OCI.Linux.Namespaces: mismatch" if {
	cc_c
	not cc_namespaces == cc_c.OCI.Linux.Namespaces
}

violations_CreateContainerRequest contains "OCI.Linux.Namespaces: more than one network namespace" if {
	count(cc_netns) > 1
}

violations_CreateContainerRequest contains "OCI.Linux.Namespaces: network namespace differs from the pod's first container" if {
	s := data.pstate.network_namespace
	s != cc_netns_path
}

violations_CreateContainerRequest contains concat("", ["OCI.Linux.MaskedPaths: ", p, " missing"]) if {
	cc_c
	some p in cc_c.OCI.Linux.MaskedPaths
	not p in input.OCI.Linux.MaskedPaths
}

violations_CreateContainerRequest contains concat("", ["OCI.Linux.ReadonlyPaths: ", p, " missing"]) if {
	cc_c
	some p in cc_c.OCI.Linux.ReadonlyPaths
	not p in input.OCI.Linux.ReadonlyPaths
	not p in input.OCI.Linux.MaskedPaths
}

violations_CreateContainerRequest contains concat("", ["OCI.Linux.Sysctl: ", k, " not allowed"]) if {
	cc_c
	some k, v in input.OCI.Linux.Sysctl
	not cc_c.OCI.Linux.Sysctl[k] == v
}

violations_CreateContainerRequest contains "OCI.Linux.Seccomp: mismatch" if {
	cc_c
	not input.OCI.Linux.Seccomp == cc_c.OCI.Linux.Seccomp
}

# =========================================================== CreateSandbox

default CreateSandboxRequest := false

CreateSandboxRequest if {
	count(violations_CreateSandboxRequest) == 0
}

violations_CreateSandboxRequest contains "policy_data.version: want 1" if {
	not schema_ok
}

violations_CreateSandboxRequest contains "guest_hook_path: must be empty" if {
	not is_empty(input.guest_hook_path)
}

violations_CreateSandboxRequest contains "kernel_modules: must be empty" if {
	not is_empty(input.kernel_modules)
}

violations_CreateSandboxRequest contains "sandbox_pidns: must be false" if {
	not input.sandbox_pidns == false
}

violations_CreateSandboxRequest contains "storages: malformed" if {
	not is_array(input.storages)
}

violations_CreateSandboxRequest contains concat("", ["storages: ", object.get(s, "mount_point", "?"), " not allowed"]) if {
	some s in input.storages
	not s in policy_data.sandbox.storages
}

# ============================================================= ExecProcess

ep_index := data.pstate[container_key(input.container_id)]

ep_c := policy_data.containers[ep_index]

ep_args := input.process.Args

default ExecProcessRequest := false

ExecProcessRequest if {
	ep_c
	count(violations_ExecProcessRequest) == 0
}

violations_ExecProcessRequest contains "container_id: not a created container of this pod" if {
	not ep_c
}

violations_ExecProcessRequest contains "policy_data.version: want 1" if {
	not schema_ok
}

violations_ExecProcessRequest contains "string_user: must be null" if {
	not is_null(input.string_user)
}

violations_ExecProcessRequest contains concat("", ["process.", f, ": must be empty"]) if {
	some f in ["SelinuxLabel", "ApparmorProfile"]
	not is_empty(input.process[f])
}

violations_ExecProcessRequest contains "process.Capabilities: must be null" if {
	not is_null(input.process.Capabilities)
}

violations_ExecProcessRequest contains "process.Args: command not allowed" if {
	ep_c
	not ep_command_ok
}

ep_command_ok if {
	is_array(ep_args)
	ep_args in ep_c.exec_commands
}

ep_command_ok if {
	is_array(ep_args)
	ep_args in policy_data.request_defaults.ExecProcessRequest.allowed_commands
}

ep_command_ok if {
	is_array(ep_args)
	some r in policy_data.request_defaults.ExecProcessRequest.regex
	regex.match(r, concat(" ", ep_args))
}

violations_ExecProcessRequest contains concat("", ["process.", f, ": mismatch"]) if {
	ep_c
	some f in ["Cwd", "Terminal", "NoNewPrivileges"]
	not input.process[f] == ep_c.OCI.Process[f]
}

violations_ExecProcessRequest contains concat("", ["process.User.", f, ": mismatch"]) if {
	ep_c
	some f in ["UID", "GID"]
	not input.process.User[f] == ep_c.OCI.Process.User[f]
}

violations_ExecProcessRequest contains "process.User.AdditionalGids: mismatch" if {
	ep_c
	not as_set(input.process.User.AdditionalGids) == as_set(ep_c.OCI.Process.User.AdditionalGids)
}

violations_ExecProcessRequest contains "process.User.Username: must be empty" if {
	not is_empty(input.process.User.Username)
}

violations_ExecProcessRequest contains concat("", ["process.Env: ", e, " not allowed"]) if {
	ep_c
	some e in input.process.Env
	not env_ok(e, ep_c, object.get(data.pstate, "sandbox_name", ""), object.get(data.pstate, "namespace", ""))
}

violations_ExecProcessRequest contains "process.Env: malformed" if {
	not is_array(input.process.Env)
}

# ========================================================= RemoveContainer

default RemoveContainerRequest := false

RemoveContainerRequest := {"allowed": true, "ops": rc_ops}

default rc_ops := []

rc_ops := [{"op": "remove", "path": state_path(k)}] if {
	k := container_key(input.container_id)
	has_state(k)
}

# ================================================================ CopyFile

cf_defaults := policy_data.request_defaults.CopyFileRequest

default CopyFileRequest := false

CopyFileRequest if {
	input.file_type in {"Regular", "Directory", "Symlink"}
	cf_path_ok
	count(violations_CopyFileRequest) == 0
}

violations_CopyFileRequest contains "file_type: not Regular, Directory or Symlink" if {
	not input.file_type in {"Regular", "Directory", "Symlink"}
}

violations_CopyFileRequest contains "path: contains a '..' component" if {
	has_dotdot(input.path)
}

violations_CopyFileRequest contains "path: outside the allowed shared directories" if {
	not cf_path_ok
}

cf_suffix := ".*/.+" if {
	input.file_type == "Symlink"
} else := ""

cf_path_ok if {
	some r in cf_defaults.path_regex
	regex.match(concat("", [r, cf_suffix]), input.path)
}

violations_CopyFileRequest contains "symlink_target: must be a relative path without '..'" if {
	input.file_type == "Symlink"
	not cf_symlink_target_ok
}

cf_symlink_target_ok if {
	t := input.symlink_target
	is_string(t)
	t != ""
	not startswith(t, "/")
	not has_dotdot(t)
}

# (Written with `not`/`some` rather than `every`: the same meaning on every
# Rego engine we run on.)
has_dotdot(path) if {
	some part in split(path, "/")
	part == ".."
}

# ========================================================= network requests

ui_defaults := policy_data.request_defaults.UpdateInterfaceRequest

default UpdateInterfaceRequest := false

UpdateInterfaceRequest if {
	is_number(input.interface.raw_flags)
	count(violations_UpdateInterfaceRequest) == 0
}

violations_UpdateInterfaceRequest contains "interface.raw_flags: flag not allowed" if {
	not bits.and(input.interface.raw_flags, bits.negate(ui_defaults.allow_raw_flags)) == 0
}

violations_UpdateInterfaceRequest contains "interface.name: forbidden" if {
	input.interface.name in ui_defaults.forbidden_names
}

violations_UpdateInterfaceRequest contains "interface.hwAddr: forbidden" if {
	input.interface.hwAddr in ui_defaults.forbidden_hw_addrs
}

violations_UpdateInterfaceRequest contains "interface: missing" if {
	not is_object(input.interface)
}

ur_defaults := policy_data.request_defaults.UpdateRoutesRequest

default UpdateRoutesRequest := false

UpdateRoutesRequest if {
	is_array(input.routes.Routes)
	count(violations_UpdateRoutesRequest) == 0
}

violations_UpdateRoutesRequest contains "routes.Routes: missing" if {
	not is_array(input.routes.Routes)
}

violations_UpdateRoutesRequest contains "routes: route not allowed" if {
	some r in input.routes.Routes
	not ur_route_ok(r)
}

ur_route_ok(r) if {
	is_string(r.device)
	not r.device in ur_defaults.forbidden_device_names
	is_string(r.source)
	not matches_any(ur_defaults.forbidden_source_regex, r.source)
}

matches_any(regexes, s) if {
	some x in regexes
	regex.match(x, s)
}

an_defaults := policy_data.request_defaults.AddARPNeighborsRequest

default AddARPNeighborsRequest := false

AddARPNeighborsRequest if {
	is_array(input.neighbors.ARPNeighbors)
	count(violations_AddARPNeighborsRequest) == 0
}

violations_AddARPNeighborsRequest contains "neighbors.ARPNeighbors: missing" if {
	not is_array(input.neighbors.ARPNeighbors)
}

violations_AddARPNeighborsRequest contains "neighbors: neighbor not allowed" if {
	some n in input.neighbors.ARPNeighbors
	not an_neighbor_ok(n)
}

an_neighbor_ok(n) if {
	is_string(n.device)
	not n.device in an_defaults.forbidden_device_names
	n.toIPAddress.mask == ""
	is_string(n.toIPAddress.address)
	not matches_any(an_defaults.forbidden_cidrs_regex, n.toIPAddress.address)
	n.state in an_defaults.allowed_states
	bits.or(n.flags, an_defaults.allowed_flags) == an_defaults.allowed_flags
}
