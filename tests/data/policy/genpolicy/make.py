#!/usr/bin/env python3
"""Hand-written policy_data (docs/policy-data.md) for the genpolicy test pods.

Each function below writes down, per tests/data/genpolicy/<dir>/pod.yaml,
what our generator is meant to produce for that pod with the default
settings (Kata on SEV-SNP, guest pull, block-encrypted emptyDir). The values
follow the pod YAML and the image facts of reference/genpolicy.md §6.4; they
are fixtures for the enforcer tests until `contrast policy generate` makes
them. Run: python3 make.py (rewrites the *.json files next to it).
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
                "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
                "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
                "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
MASKED = ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
          "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
          "/proc/sched_debug", "/sys/firmware", "/proc/scsi"]
READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger"]
NAMESPACES = [{"Type": "ipc", "Path": ""}, {"Type": "uts", "Path": ""},
              {"Type": "mount", "Path": ""}]
SYSCTL = {"net.ipv4.ip_unprivileged_port_start": "0",
          "net.ipv4.ping_group_range": "0 2147483647"}
SHARED = ("^/run/kata-containers/shared/containers(?:/passthrough)?/"
          "(watchable/)?$(bundle-id)-[a-z0-9]{16}-")
BUNDLE_ANNO = ("^/run/containerd/io\\.containerd\\.runtime\\.v2\\.task/"
               "k8s\\.io/$(bundle-id)$")
SVC = "[A-Z](?:[A-Z0-9_]{0,61}[A-Z0-9])?"
PORT = "[0-9]{1,5}"
IPV4 = ("(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\\.){3}"
        "([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])")
DNS = "[a-zA-Z0-9_.-]+"
PAUSE_IMAGE = ("registry.k8s.io/pause:3.6@sha256:"
               "3d380ca8864549e74af4b29c10f9cb0956236dfb01c40ca076fb6c37253234db")


def caps(lst=DEFAULT_CAPS):
    return {"Ambient": [], "Bounding": lst, "Effective": lst,
            "Inheritable": [], "Permitted": lst}


def m(dest, typ, opts, source=None, regex=None, storage=False):
    r = {"destination": dest, "type_": typ, "options": opts}
    if source is not None:
        r["source"] = source
    if regex is not None:
        r["source_regex"] = regex
    if storage:
        r["source_storage"] = True
    return r


BASE_MOUNTS = [
    m("/proc", "proc", ["nosuid", "noexec", "nodev"], source="proc"),
    m("/dev", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"],
      source="tmpfs"),
    m("/dev/pts", "devpts", ["nosuid", "noexec", "newinstance",
                             "ptmxmode=0666", "mode=0620", "gid=5"],
      source="devpts"),
    m("/dev/mqueue", "mqueue", ["nosuid", "noexec", "nodev"], source="mqueue"),
    m("/sys", "sysfs", ["nosuid", "noexec", "nodev", "ro"], source="sysfs"),
]
SHM = m("/dev/shm", "bind", ["rbind"],
        source="/run/kata-containers/sandbox/shm")


def shared(dest, name, opts):
    return m(dest, "bind", opts, regex=SHARED + name.replace(".", "\\.") + "$")


WORKLOAD_MOUNTS = BASE_MOUNTS + [
    m("/sys/fs/cgroup", "cgroup",
      ["nosuid", "noexec", "nodev", "relatime", "ro"], source="cgroup"),
    shared("/etc/hosts", "hosts", ["rbind", "rprivate", "rw"]),
    shared("/dev/termination-log", "termination-log",
           ["rbind", "rprivate", "rw"]),
    shared("/etc/hostname", "hostname", ["rbind", "rprivate", "rw"]),
    shared("/etc/resolv.conf", "resolv.conf", ["rbind", "rprivate", "rw"]),
    SHM,
    shared("/var/run/secrets/kubernetes.io/serviceaccount", "serviceaccount",
           ["rbind", "rprivate", "ro"]),
]


def linux(sysctl=None):
    s = dict(SYSCTL)
    s.update(sysctl or {})
    return {"Namespaces": NAMESPACES, "MaskedPaths": MASKED,
            "ReadonlyPaths": READONLY, "Sysctl": s, "Devices": [],
            "Seccomp": None}


def pause(uid=65535, gid=65535, sysctl=None):
    return {
        "name": "", "kind": "sandbox", "image_names": ["pause"],
        "sandbox_pidns": False,
        "OCI": {
            "Version": "1.1.0", "Root": {"Readonly": True},
            "Annotations": {
                "io.katacontainers.pkg.oci.bundle_path": BUNDLE_ANNO,
                "io.katacontainers.pkg.oci.container_type": "^pod_sandbox$",
                "nerdctl/network-namespace":
                    "^/var/run/netns/cni-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
                    "[0-9a-f]{4}-[0-9a-f]{12}$",
            },
            "Process": {
                "Terminal": False,
                "User": {"UID": uid, "GID": gid, "AdditionalGids": [gid]},
                "Args": ["/pause"], "Env": [PATH_ENV], "EnvRegex": [],
                "Cwd": "/", "Capabilities": caps(), "NoNewPrivileges": True,
            },
            "Mounts": BASE_MOUNTS + [SHM, m(
                "/etc/resolv.conf", "bind",
                ["rbind", "ro", "nosuid", "nodev", "noexec"],
                regex=SHARED + "resolv\\.conf$")],
            "Linux": linux(sysctl),
        },
        "storages": [], "devices": [], "exec_commands": [],
    }


def workload(name, images, uid, gid, gids, args, env, cwd="/", mounts=(),
             storages=(), env_regex=(), exec_commands=(), sysctl=None):
    return {
        "name": name, "kind": "container", "image_names": images,
        "sandbox_pidns": False,
        "OCI": {
            "Version": "1.1.0", "Root": {"Readonly": False},
            "Annotations": {
                "io.katacontainers.pkg.oci.bundle_path": BUNDLE_ANNO,
                "io.katacontainers.pkg.oci.container_type": "^pod_container$",
            },
            "Process": {
                "Terminal": False,
                "User": {"UID": uid, "GID": gid, "AdditionalGids": gids},
                "Args": args, "Env": env, "EnvRegex": list(env_regex),
                "Cwd": cwd, "Capabilities": caps(), "NoNewPrivileges": False,
            },
            "Mounts": WORKLOAD_MOUNTS + list(mounts),
            "Linux": linux(sysctl),
        },
        "storages": list(storages), "devices": [],
        "exec_commands": list(exec_commands),
    }


def policy(name_regex, containers, namespace=""):
    return {
        "version": 1,
        "sandbox": {
            "name_regex": name_regex, "namespace": namespace,
            "storages": [{
                "driver": "ephemeral", "driver_options": [], "source": "shm",
                "fstype": "tmpfs",
                "options": ["noexec", "nosuid", "nodev", "mode=1777",
                            "size=67108864"],
                "mount_point": "/run/kata-containers/sandbox/shm",
                "fs_group": None, "shared": False}],
        },
        "containers": containers,
        "common": {
            "root_path": "/run/kata-containers/$(bundle-id)/rootfs",
            "bundle_id_regex": "^[a-z0-9][a-z0-9._-]{0,127}$",
            "sandbox_id_regex": "^[a-z0-9]{64}$",
            "annotation_prefixes": ["io.kubernetes.cri."],
            "cgroup_mount_extras_allowed": ["nsdelegate", "memory_recursiveprot"],
            "allow_env_regex": [
                "^HOSTNAME=" + DNS + "$",
                "^" + SVC + "_PORT_" + PORT + "_(TCP|UDP)=(tcp|udp)://" + IPV4 + ":" + PORT + "$",
                "^" + SVC + "_PORT_" + PORT + "_(TCP|UDP)_PROTO=(tcp|udp)$",
                "^" + SVC + "_PORT_" + PORT + "_(TCP|UDP)_PORT=" + PORT + "$",
                "^" + SVC + "_PORT_" + PORT + "_(TCP|UDP)_ADDR=" + IPV4 + "$",
                "^" + SVC + "_SERVICE_HOST=" + IPV4 + "$",
                "^" + SVC + "_SERVICE_PORT=" + PORT + "$",
                "^" + SVC + "_SERVICE_PORT_" + DNS + "=" + PORT + "$",
                "^" + SVC + "_PORT=(tcp|udp)://" + IPV4 + ":" + PORT + "$",
                "^TERM=xterm$",
            ],
        },
        "request_defaults": {
            "ExecProcessRequest": {"allowed_commands": [], "regex": []},
            "CopyFileRequest": {"path_regex": [
                "^/run/kata-containers/shared/containers(?:/passthrough)?/"
                "(watchable/)?[a-z0-9]{64}-[a-z0-9]{16}-"]},
            "UpdateInterfaceRequest": {
                "allow_raw_flags": 128, "forbidden_names": ["lo"],
                "forbidden_hw_addrs": ["00:00:00:00:00:00"]},
            "UpdateRoutesRequest": {
                "forbidden_device_names": ["lo"],
                "forbidden_source_regex": [
                    "^(?:0{0,4}:){0,7}0{0,3}1$",
                    "^127\\.(?:[0-9]{1,3}\\.){2}[0-9]{1,3}$"]},
            "AddARPNeighborsRequest": {
                "forbidden_device_names": ["lo"],
                "forbidden_cidrs_regex": [
                    "^127\\.(?:[0-9]{1,3}\\.){2}[0-9]{1,3}$"],
                "allowed_states": [2, 128], "allowed_flags": 136},
            "CloseStdinRequest": False, "ReadStreamRequest": False,
            "WriteStreamRequest": False,
            "UpdateEphemeralMountsRequest": False,
            "GetDiagnosticDataRequest": False,
        },
    }


def pause_pod(name_regex, sysctl=None, mounts=(), storages=()):
    """A pod whose only workload is registry.k8s.io/pause:3.6 as 65535:0."""
    images = [PAUSE_IMAGE, PAUSE_IMAGE.replace(":3.6@", "@")]
    return policy(name_regex, [
        pause(sysctl=sysctl),
        workload("dummy" if not sysctl else "redis", images, 65535, 0, [0],
                 ["/pause"], [PATH_ENV], mounts=mounts, storages=storages,
                 sysctl=sysctl)])


def emptydir():
    blk = {"driver": "blk",
           "driver_options": ["encryption_key=ephemeral", "create_filesystem"],
           "source_regex": "^[0-9a-f]{2}(/[0-9a-f]{2})*$", "fstype": "ext4",
           "options": [],
           "mount_point": "/run/kata-containers/sandbox/storage/$(b64-source)",
           "fs_group": None, "shared": True}
    # Kata's block emptyDir mounts are always rprivate (no Bidirectional).
    mounts = [m("/mnt/test", "bind", ["rbind", "rprivate", "rw"], storage=True),
              m("/mnt/test2", "bind", ["rbind", "rprivate", "rw"], storage=True),
              m("/mnt/test3", "bind", ["rbind", "rprivate", "ro"], storage=True),
              m("/mnt/test4", "bind", ["rbind", "rprivate", "rw"], storage=True)]
    return pause_pod("^dummy$", mounts=mounts, storages=[blk] * 4)


def env_vars():
    img = ("ghcr.io/burgerdev/weird-images/gid:latest@sha256:"
           "bdbb485bb9e3baf381a2957b9369b6051c6113097a5f8dcee27faff17624a2c0")
    return policy("^gid-experiment$", [
        pause(),
        workload("gid", [img, img.replace(":latest@", "@")], 2, 1, [1],
                 ["/entrypoint.sh"], [PATH_ENV, "TEST_VAR1=test-value1"])])


def runas():
    img = ("quay.io/kata-containers/test-images/opstree/redis:sha256-"
           "2642c7b07713df6897fa88cbe6db85170690cf3650018ceb2ab16cfa0b4f8d48")
    vols = [shared("/data", "data", ["rbind", "rprivate", "rw"]),
            shared("/node-conf", "node-conf", ["rbind", "rprivate", "rw"])]
    return policy("^dummy$", [
        pause(uid=65534, gid=65534),
        workload("dummy", [img], 65534, 65534, [65534],
                 ["/usr/bin/entrypoint.sh"], [PATH_ENV, "REDIS_PORT=6379"],
                 cwd="/data", mounts=vols)])


def execprocess():
    img = "quay.io/prometheus/busybox:latest"
    return policy("^busybox$", [
        pause(uid=0, gid=0),
        workload("first-test-container", [img], 0, 0, [0, 10],
                 ["sleep", "3600"],
                 [PATH_ENV, "CONTAINER_NAME=first-test-container"],
                 exec_commands=[["test1"]]),
        workload("second-test-container", [img], 0, 0, [0, 10],
                 ["sleep", "3600"],
                 [PATH_ENV, "CONTAINER_NAME=second-test-container"],
                 exec_commands=[["test2"]])])


FIXTURES = {
    "copyfile": lambda: pause_pod("^dummy$"),
    "createsandbox": lambda: pause_pod("^dummy$"),
    "updateinterface": lambda: pause_pod("^dummy$"),
    "createcontainer_env_vars": env_vars,
    "createcontainer_generate_name":
        lambda: pause_pod("^dummy[bcdfghjklmnpqrstvwxz2456789]+$"),
    "createcontainer_security_context_runas": runas,
    "createcontainer_sysctls": lambda: pause_pod(
        "^policy-redis-deployment-6674f9448-xjrzf$",
        sysctl={"net.ipv4.ip_forward": "1"}),
    "createcontainer_volumes_emptydir": emptydir,
    "state_execprocess": execprocess,
}


def main():
    for name, fn in FIXTURES.items():
        with open(os.path.join(HERE, name + ".json"), "w") as f:
            json.dump(fn(), f, indent=1, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
