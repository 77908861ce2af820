#!/usr/bin/env python3
"""Our own enforcement cases: for each check an allowed request and denied
variants, against the hand-written policy_data of pod.yaml here.

Writes policy_data.json (docs/policy-data.md) and testcases.json (the
genpolicy case format, run in order against one enforcer). Every denied case
is the allowed request with ONE change, so a pass shows that exactly that
check bites. Run: python3 make.py
"""
import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "genpolicy"))
import make as gp  # noqa: E402  (shared building blocks)

APP_IMAGE = ("example.com/shop/app:1.0@sha256:"
             "1111111111111111111111111111111111111111111111111111111111111111")
APP_IMAGE_NOTAG = APP_IMAGE.replace(":1.0@", "@")
SANDBOX_ID = "ab" * 32
POD_ID = "cd" * 32
APP_ID = "ef" * 32
INIT_ID = "0a" * 32
IPV4 = gp.IPV4

BLK = {"driver": "blk",
       "driver_options": ["encryption_key=ephemeral", "create_filesystem"],
       "source_regex": "^[0-9a-f]{2}(/[0-9a-f]{2})*$", "fstype": "ext4",
       "options": [],
       "mount_point": "/run/kata-containers/sandbox/storage/$(b64-source)",
       "fs_group": None, "shared": True}


def policy_data():
    app = gp.workload(
        "app", [APP_IMAGE, APP_IMAGE_NOTAG], 1000, 1000, [1000, 2000],
        ["/app/server", "--port", "8080"],
        [gp.PATH_ENV, "MODE=prod", "DB_PASSWORD=from-secret"],
        cwd="/srv",
        env_regex=["^POD_IP=" + IPV4 + "$", "^MY_POD=$(sandbox-name)$",
                   "^MY_NS=$(sandbox-namespace)$", "^NODE=.*$"],
        mounts=[gp.shared("/etc/app", "config", ["rbind", "rprivate", "ro"]),
                gp.shared("/etc/secret", "secret", ["rbind", "rprivate", "ro"]),
                gp.shared("/etc/podinfo", "podinfo", ["rbind", "rprivate", "ro"]),
                gp.shared("/var/run/projected", "projected",
                          ["rbind", "rprivate", "ro"]),
                gp.m("/cache", "bind", ["rbind", "rprivate", "rw"],
                     storage=True)],
        storages=[BLK], exec_commands=[["/app/health"]],
        sysctl={"net.core.somaxconn": "1024"})
    app["OCI"]["Root"]["Readonly"] = True
    app["OCI"]["Process"]["NoNewPrivileges"] = True
    app["OCI"]["Process"]["Capabilities"] = {
        "Ambient": [], "Bounding": ["CAP_NET_BIND_SERVICE"],
        "Effective": ["CAP_NET_BIND_SERVICE"], "Inheritable": [],
        "Permitted": ["CAP_NET_BIND_SERVICE"]}
    # Kubelet semantics: the pod's supplementalGroups reach every container;
    # the pod's runAsUser/runAsGroup also apply to the sandbox (pause).
    init = gp.workload("init", ["example.com/shop/init:latest"], 0, 0, [0, 2000],
                       ["sh", "-c", "echo ready"], [gp.PATH_ENV],
                       sysctl={"net.core.somaxconn": "1024"})
    init["init_container"] = True
    p = gp.policy("^web-[bcdfghjklmnpqrstvwxz2456789]+$",
                  [gp.pause(uid=1000, gid=1000,
                            sysctl={"net.core.somaxconn": "1024"}), init, app],
                  namespace="shop")
    p["request_defaults"]["ExecProcessRequest"]["allowed_commands"] = [
        ["/bin/date"]]
    p["common"]["cgroup_mount_extras_allowed"] = ["nsdelegate",
                                                  "memory_recursiveprot"]
    return p


def annotations(kind, name=None, bundle=None, image=None):
    a = {
        "io.katacontainers.pkg.oci.bundle_path":
            "/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + bundle,
        "io.katacontainers.pkg.oci.container_type":
            "pod_sandbox" if kind == "sandbox" else "pod_container",
        "io.kubernetes.cri.container-type": kind,
        "io.kubernetes.cri.sandbox-id": SANDBOX_ID,
        "io.kubernetes.cri.sandbox-name": "web-x7k2p",
        "io.kubernetes.cri.sandbox-namespace": "shop",
        "io.kubernetes.cri.sandbox-uid": "9c64c5bf-298f-46c4-ad63-e2270a2ff44c",
    }
    if kind == "sandbox":
        a["nerdctl/network-namespace"] = \
            "/var/run/netns/cni-22190131-6f68-2878-6d7b-418baf176cdf"
    else:
        a["io.kubernetes.cri.container-name"] = name
        a["io.kubernetes.cri.image-name"] = image
    return a


def shared_src(bundle, name):
    return ("/run/kata-containers/shared/containers/%s-0123456789abcdef-%s"
            % (bundle, name))


def mounts_for(policy_container, bundle, storages):
    out = []
    for pm in policy_container["OCI"]["Mounts"]:
        if "source" in pm:
            src = pm["source"]
        elif pm.get("source_storage"):
            src = storages[0]["mount_point"]
        else:
            name = pm["source_regex"].split("-[a-z0-9]{16}-")[1]
            src = shared_src(bundle, name.rstrip("$").replace("\\.", "."))
        out.append({"destination": pm["destination"], "source": src,
                    "type_": pm["type_"], "options": pm["options"]})
    return out


def create(pd, idx, cid, env=None):
    c = pd["containers"][idx]
    kind = c["kind"]
    image = c["image_names"][-1] if kind == "container" else None
    storages = []
    if idx == 2:
        storages = [{"driver": "blk", "driver_options":
                     ["encryption_key=ephemeral", "create_filesystem"],
                     "source": "00/00", "fstype": "ext4", "options": [],
                     "mount_point": "/run/kata-containers/sandbox/storage/MDAvMDA=",
                     "fs_group": None, "shared": True}]
    guest_pull = {"driver": "image_guest_pull", "driver_options": [],
                  "source": image if image else "pause", "fstype": "overlay",
                  "options": [], "fs_group": None, "shared": False,
                  "mount_point": "/run/kata-containers/%s/rootfs" % cid}
    proc = copy.deepcopy(c["OCI"]["Process"])
    del proc["EnvRegex"]
    proc["Env"] = env if env is not None else proc["Env"]
    return {
        "container_id": cid, "exec_id": cid,
        "storages": storages + [guest_pull],
        "OCI": {
            "Version": "1.1.0", "Annotations": annotations(
                kind, c["name"], cid, image),
            "Root": {"Path": "/run/kata-containers/%s/rootfs" % cid,
                     "Readonly": c["OCI"]["Root"]["Readonly"]},
            "Process": proc,
            "Mounts": mounts_for(c, cid, storages),
            "Linux": {
                "Namespaces": gp.NAMESPACES + [
                    {"Type": "network", "Path": "/run/netns/podns"}],
                "MaskedPaths": gp.MASKED + ["/sys/devices/virtual/powercap"],
                "ReadonlyPaths": gp.READONLY,
                "Sysctl": {"net.core.somaxconn": "1024"},
                "Resources": {"Devices": []},
            },
        },
    }


def case(desc, allowed, kind, request):
    return {"description": desc, "allowed": allowed, "kind": kind,
            "request": request}


def variant(base, desc, fn, kind="CreateContainerRequest", allowed=False):
    r = copy.deepcopy(base)
    fn(r)
    return case(desc, allowed, kind, r)


def app_cases(app):
    P = lambda r: r["OCI"]["Process"]  # noqa: E731
    A = lambda r: r["OCI"]["Annotations"]  # noqa: E731
    L = lambda r: r["OCI"]["Linux"]  # noqa: E731

    def mount(r, dest):
        return [x for x in r["OCI"]["Mounts"] if x["destination"] == dest][0]

    def gp_storage(r):
        return [s for s in r["storages"] if s["driver"] == "image_guest_pull"][0]

    def setp(path, v):
        def f(r):
            o = r
            for k in path[:-1]:
                o = o[k]
            o[path[-1]] = v
        return f

    return [
        variant(app, "image: other image-name", lambda r: A(r).update(
            {"io.kubernetes.cri.image-name": "evil.com/app:1.0"})),
        variant(app, "image: guest-pull source of another image",
                lambda r: gp_storage(r).update({"source": "evil.com/app:1.0"})),
        variant(app, "image: guest-pull mount point elsewhere",
                lambda r: gp_storage(r).update({"mount_point": "/run/x/rootfs"})),
        variant(app, "image: two guest-pull storages",
                lambda r: r["storages"].append(copy.deepcopy(gp_storage(r)))),
        variant(app, "command: image entrypoint replaced",
                lambda r: P(r)["Args"].__setitem__(0, "/bin/sh")),
        variant(app, "command: prepended", lambda r: P(r)["Args"].insert(0, "/bin/env")),
        variant(app, "args: changed", lambda r: P(r)["Args"].__setitem__(2, "9090")),
        variant(app, "args: appended", lambda r: P(r)["Args"].append("--debug")),
        variant(app, "env: exact value changed",
                lambda r: P(r)["Env"].__setitem__(1, "MODE=debug")),
        variant(app, "env: resolved secret value changed",
                lambda r: P(r)["Env"].__setitem__(2, "DB_PASSWORD=x")),
        variant(app, "env: unknown variable", lambda r: P(r)["Env"].append("LD_PRELOAD=/tmp/x.so")),
        variant(app, "env: downward API pod IP allowed", lambda r: P(r)["Env"].append(
            "POD_IP=10.244.1.7"), allowed=True),
        variant(app, "env: downward API pod IP not an address",
                lambda r: P(r)["Env"].append("POD_IP=10.244.1.7;x")),
        variant(app, "env: downward API pod name allowed",
                lambda r: P(r)["Env"].append("MY_POD=web-x7k2p"), allowed=True),
        variant(app, "env: downward API pod name of another pod",
                lambda r: P(r)["Env"].append("MY_POD=web-zzzzz")),
        variant(app, "env: downward API namespace of another namespace",
                lambda r: P(r)["Env"].append("MY_NS=default")),
        variant(app, "env: service link variable allowed", lambda r: P(r)["Env"].append(
            "DB_SERVICE_HOST=10.0.0.12"), allowed=True),
        variant(app, "env: service link variable with a hostname",
                lambda r: P(r)["Env"].append("DB_SERVICE_HOST=evil.com")),
        variant(app, "cwd: changed", setp(["OCI", "Process", "Cwd"], "/")),
        variant(app, "user: UID 0", lambda r: P(r)["User"].update({"UID": 0})),
        variant(app, "user: GID 0", lambda r: P(r)["User"].update({"GID": 0})),
        variant(app, "user: extra supplementary group 0",
                lambda r: P(r)["User"]["AdditionalGids"].append(0)),
        variant(app, "user: supplementary groups in another order allowed",
                lambda r: P(r)["User"]["AdditionalGids"].reverse(), allowed=True),
        variant(app, "user: Username set",
                lambda r: P(r)["User"].update({"Username": "root"})),
        variant(app, "capabilities: CAP_SYS_ADMIN added",
                lambda r: [P(r)["Capabilities"][k].append("CAP_SYS_ADMIN")
                           for k in ("Bounding", "Effective", "Permitted")]),
        variant(app, "capabilities: ambient capability added",
                lambda r: P(r)["Capabilities"]["Ambient"].append("CAP_NET_BIND_SERVICE")),
        variant(app, "privileged: all capabilities, /sys read-write",
                lambda r: ([P(r)["Capabilities"][k].extend(["CAP_SYS_ADMIN", "CAP_SYS_MODULE"])
                            for k in ("Bounding", "Effective", "Permitted")],
                           mount(r, "/sys").update({"options": ["nosuid", "noexec", "nodev", "rw"]}),
                           L(r).update({"MaskedPaths": [], "ReadonlyPaths": []}))),
        variant(app, "privileged: masked paths dropped",
                lambda r: L(r).update({"MaskedPaths": []})),
        variant(app, "noNewPrivileges: false", setp(["OCI", "Process", "NoNewPrivileges"], False)),
        variant(app, "terminal: true", setp(["OCI", "Process", "Terminal"], True)),
        variant(app, "seccomp: unconfined profile object",
                lambda r: L(r).update({"Seccomp": {"DefaultAction": "SCMP_ACT_ALLOW"}})),
        variant(app, "rootfs: writable", setp(["OCI", "Root", "Readonly"], False)),
        variant(app, "rootfs: path outside the bundle layout",
                setp(["OCI", "Root", "Path"], "/run/kata-containers/../../etc/rootfs")),
        variant(app, "mounts: undeclared hostPath",
                lambda r: r["OCI"]["Mounts"].append({"destination": "/host", "source": "/",
                                                     "type_": "bind", "options": ["rbind", "rw"]})),
        variant(app, "mounts: secret made writable",
                lambda r: mount(r, "/etc/secret").update({"options": ["rbind", "rprivate", "rw"]})),
        variant(app, "mounts: configMap from another container's bundle",
                lambda r: mount(r, "/etc/app").update({"source": shared_src("12" * 32, "config")})),
        variant(app, "mounts: configMap source outside the shared directory",
                lambda r: mount(r, "/etc/app").update({"source": "/etc"})),
        variant(app, "mounts: downwardAPI volume made writable",
                lambda r: mount(r, "/etc/podinfo").update({"options": ["rbind", "rprivate", "rw"]})),
        variant(app, "mounts: downwardAPI volume of another file",
                lambda r: mount(r, "/etc/podinfo").update({"source": shared_src(APP_ID, "hosts")})),
        variant(app, "mounts: projected volume from the sandbox storage",
                lambda r: mount(r, "/var/run/projected").update(
                    {"source": "/run/kata-containers/sandbox/storage/MDAvMDA="})),
        variant(app, "mounts: projected volume mounted elsewhere",
                lambda r: mount(r, "/var/run/projected").update({"destination": "/root/.ssh"})),
        variant(app, "mounts: cgroup with an allowed extra option",
                lambda r: mount(r, "/sys/fs/cgroup")["options"].insert(0, "nsdelegate"),
                allowed=True),
        variant(app, "mounts: cgroup made writable",
                lambda r: mount(r, "/sys/fs/cgroup").update(
                    {"options": ["nosuid", "noexec", "nodev", "relatime", "ro", "rw"]})),
        variant(app, "mounts: cgroup missing an option",
                lambda r: mount(r, "/sys/fs/cgroup")["options"].remove("noexec")),
        variant(app, "mounts: emptyDir not backed by a request storage",
                lambda r: mount(r, "/cache").update({"source": "/run/kata-containers/sandbox/storage/other"})),
        variant(app, "mounts: omitted mount allowed",
                lambda r: r["OCI"]["Mounts"].remove(mount(r, "/etc/app")), allowed=True),
        variant(app, "mounts: duplicate destination",
                lambda r: r["OCI"]["Mounts"].append(copy.deepcopy(mount(r, "/etc/app")))),
        variant(app, "storages: emptyDir fstype changed",
                lambda r: r["storages"][0].update({"fstype": "xfs"})),
        variant(app, "storages: emptyDir without encryption",
                lambda r: r["storages"][0].update({"driver_options": []})),
        variant(app, "storages: emptyDir mount point not derived from its source",
                lambda r: r["storages"][0].update({"mount_point": "/run/kata-containers/sandbox/storage/MDEvMDE="})),
        variant(app, "storages: one more than declared",
                lambda r: r["storages"].insert(0, copy.deepcopy(r["storages"][0]))),
        variant(app, "devices: undeclared device",
                lambda r: r.update({"devices": [{"id": "x", "type_": "blk", "vm_path": "/dev/vdb",
                                                 "container_path": "/dev/xvda", "options": []}]})),
        variant(app, "linux devices: undeclared /dev/mem",
                lambda r: L(r).update({"Devices": [{"Path": "/dev/mem", "Type": "c", "Major": 1, "Minor": 1}]})),
        variant(app, "sysctl: declared value allowed",
                lambda r: L(r).update({"Sysctl": {"net.core.somaxconn": "1024"}}), allowed=True),
        variant(app, "sysctl: declared key, other value",
                lambda r: L(r).update({"Sysctl": {"net.core.somaxconn": "1"}})),
        variant(app, "sysctl: undeclared key",
                lambda r: L(r)["Sysctl"].update({"kernel.core_pattern": "|/evil"})),
        variant(app, "namespaces: pid namespace added",
                lambda r: L(r)["Namespaces"].insert(0, {"Type": "pid", "Path": ""})),
        variant(app, "namespaces: uts namespace shared with the host",
                lambda r: L(r)["Namespaces"].__setitem__(1, {"Type": "uts", "Path": "/proc/1/ns/uts"})),
        variant(app, "namespaces: other network namespace than the sandbox's",
                lambda r: L(r)["Namespaces"].__setitem__(3, {"Type": "network", "Path": "/run/netns/other"})),
        variant(app, "sandbox: other pod name",
                lambda r: A(r).update({"io.kubernetes.cri.sandbox-name": "web-zzzzz"})),
        variant(app, "sandbox: other namespace",
                lambda r: A(r).update({"io.kubernetes.cri.sandbox-namespace": "default"})),
        variant(app, "sandbox: malformed sandbox id",
                lambda r: A(r).update({"io.kubernetes.cri.sandbox-id": "x"})),
        variant(app, "identity: unknown container name",
                lambda r: A(r).update({"io.kubernetes.cri.container-name": "sidecar"})),
        variant(app, "identity: workload posing as the sandbox",
                lambda r: (A(r).update({"io.kubernetes.cri.container-type": "sandbox"}),
                           A(r).pop("io.kubernetes.cri.container-name"))),
        variant(app, "identity: kata container type disagrees",
                lambda r: A(r).update({"io.katacontainers.pkg.oci.container_type": "pod_sandbox"})),
        variant(app, "annotations: unknown annotation",
                lambda r: A(r).update({"io.katacontainers.config.hypervisor.kernel_params": "x"})),
        variant(app, "annotations: bundle path of another bundle",
                lambda r: A(r).update({"io.katacontainers.pkg.oci.bundle_path": "/tmp/x"})),
        variant(app, "hooks: prestart hook", setp(["OCI", "Hooks"], {"Prestart": [{"Path": "/evil"}]})),
        variant(app, "request: shared_mounts set",
                lambda r: r.update({"shared_mounts": [{"name": "x", "src_ctr": "a"}]})),
        variant(app, "request: string_user set",
                lambda r: r.update({"string_user": {"uid": "0"}})),
        variant(app, "request: malformed container id",
                lambda r: r.update({"container_id": "../x"})),
        variant(app, "request: wrong field type", setp(["OCI", "Process", "Args"], "/bin/sh")),
    ]


def exec_req(cid, args, **kw):
    proc = {"Args": args, "Cwd": "/srv", "Env": [gp.PATH_ENV, "HOSTNAME=web-x7k2p"],
            "NoNewPrivileges": True, "Terminal": False,
            "User": {"UID": 1000, "GID": 1000, "AdditionalGids": [1000, 2000]}}
    proc.update(kw)
    return {"container_id": cid, "exec_id": "e1", "process": proc}


def cases(pd):
    sandbox = {"hostname": "web-x7k2p", "sandbox_id": SANDBOX_ID,
               "storages": [copy.deepcopy(pd["sandbox"]["storages"][0])]}
    pause = create(pd, 0, POD_ID)
    init = create(pd, 1, INIT_ID)
    app = create(pd, 2, APP_ID)
    out = [
        case("sandbox: create", True, "CreateSandboxRequest", sandbox),
        variant(sandbox, "sandbox: undeclared storage",
                lambda r: r["storages"].append({"driver": "local", "source": "/", "mount_point": "/x"}),
                kind="CreateSandboxRequest"),
        variant(sandbox, "sandbox: shared pid namespace",
                lambda r: r.update({"sandbox_pidns": True}), kind="CreateSandboxRequest"),
        # Before anything is bound: a wrong name must not bind the state.
        variant(pause, "sandbox container: other pod name first",
                lambda r: r["OCI"]["Annotations"].update({"io.kubernetes.cri.sandbox-name": "evil"})),
        case("sandbox container: create", True, "CreateContainerRequest", pause),
        case("order: app container before the init container", False,
             "CreateContainerRequest", app),
        case("init container: create", True, "CreateContainerRequest", init),
        case("app container: create", True, "CreateContainerRequest", app),
        case("app container: create again (restart) with the same id", True,
             "CreateContainerRequest", app),
        variant(app, "app container: id already bound to the init container",
                lambda r: r.update({"container_id": INIT_ID})),
    ]
    out += app_cases(app)
    out += [
        case("exec: probe command", True, "ExecProcessRequest",
             exec_req(APP_ID, ["/app/health"])),
        case("exec: command allowed in every container", True,
             "ExecProcessRequest", exec_req(APP_ID, ["/bin/date"])),
        case("exec: shell denied", False, "ExecProcessRequest",
             exec_req(APP_ID, ["/bin/sh"])),
        case("exec: probe command with extra argument", False,
             "ExecProcessRequest", exec_req(APP_ID, ["/app/health", "-x"])),
        case("exec: other user", False, "ExecProcessRequest",
             exec_req(APP_ID, ["/app/health"], User={"UID": 0, "GID": 0, "AdditionalGids": [0]})),
        case("exec: extra env", False, "ExecProcessRequest",
             exec_req(APP_ID, ["/app/health"], Env=[gp.PATH_ENV, "LD_PRELOAD=/x"])),
        case("exec: capabilities", False, "ExecProcessRequest",
             exec_req(APP_ID, ["/app/health"], Capabilities={"Bounding": []})),
        case("exec: probe of the app not allowed in the init container", False,
             "ExecProcessRequest", exec_req(INIT_ID, ["/app/health"], Cwd="/",
                                            User={"UID": 0, "GID": 0, "AdditionalGids": [0]},
                                            NoNewPrivileges=False)),
        case("exec: unknown container", False, "ExecProcessRequest",
             exec_req("99" * 32, ["/app/health"])),
        case("copyfile: shared file of a container", True, "CopyFileRequest",
             {"path": shared_src(APP_ID, "config/app.yaml"), "file_type": "Regular"}),
        case("copyfile: into the rootfs", False, "CopyFileRequest",
             {"path": "/run/kata-containers/%s/rootfs/bin/sh" % APP_ID, "file_type": "Regular"}),
        case("copyfile: traversal", False, "CopyFileRequest",
             {"path": shared_src(APP_ID, "x/../../../../etc/passwd"), "file_type": "Regular"}),
        case("network: interface", True, "UpdateInterfaceRequest",
             {"interface": {"name": "eth0", "hwAddr": "66:74:9f:6a:96:01", "raw_flags": 0}}),
        case("network: loopback interface", False, "UpdateInterfaceRequest",
             {"interface": {"name": "lo", "hwAddr": "66:74:9f:6a:96:01"}}),
        case("network: route", True, "UpdateRoutesRequest",
             {"routes": {"Routes": [{"dest": "0.0.0.0/0", "gateway": "10.244.0.1",
                                     "device": "eth0", "source": "10.244.0.14"}]}}),
        case("network: route over lo", False, "UpdateRoutesRequest",
             {"routes": {"Routes": [{"dest": "0.0.0.0/0", "device": "lo", "source": ""}]}}),
        case("network: route from a loopback source", False, "UpdateRoutesRequest",
             {"routes": {"Routes": [{"device": "eth0", "source": "127.0.0.1"}]}}),
        case("network: ARP neighbour", True, "AddARPNeighborsRequest",
             {"neighbors": {"ARPNeighbors": [{"toIPAddress": {"address": "10.244.0.1", "mask": ""},
                                              "device": "eth0", "lladdr": "aa:bb:cc:dd:ee:ff",
                                              "state": 128, "flags": 0}]}}),
        case("network: ARP neighbour on lo", False, "AddARPNeighborsRequest",
             {"neighbors": {"ARPNeighbors": [{"toIPAddress": {"address": "10.244.0.1", "mask": ""},
                                              "device": "lo", "state": 128}]}}),
        case("network: ARP neighbour loopback address", False, "AddARPNeighborsRequest",
             {"neighbors": {"ARPNeighbors": [{"toIPAddress": {"address": "127.0.0.2", "mask": ""},
                                              "device": "eth0", "state": 128}]}}),
        case("network: ARP neighbour bad state", False, "AddARPNeighborsRequest",
             {"neighbors": {"ARPNeighbors": [{"toIPAddress": {"address": "10.244.0.1", "mask": ""},
                                              "device": "eth0", "state": 4}]}}),
        case("network: ARP neighbour bad flags", False, "AddARPNeighborsRequest",
             {"neighbors": {"ARPNeighbors": [{"toIPAddress": {"address": "10.244.0.1", "mask": ""},
                                              "device": "eth0", "state": 128, "flags": 1}]}}),
        case("streams: stdin write denied", False, "WriteStreamRequest", {"container_id": APP_ID}),
        case("unknown request denied", False, "SetGuestDateTimeRequest", {}),
        case("start container allowed", True, "StartContainerRequest", {"container_id": APP_ID}),
        case("remove app container", True, "RemoveContainerRequest", {"container_id": APP_ID}),
        case("exec: after remove", False, "ExecProcessRequest",
             exec_req(APP_ID, ["/app/health"])),
        case("remove unknown container (no state change)", True,
             "RemoveContainerRequest", {"container_id": APP_ID}),
    ]
    return out


def main():
    pd = policy_data()
    with open(os.path.join(HERE, "policy_data.json"), "w") as f:
        json.dump(pd, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(os.path.join(HERE, "testcases.json"), "w") as f:
        json.dump(cases(pd), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
