#!/usr/bin/env python3
"""gen_requests.py POLICY_DATA.json OUT_CASES.json - agent requests for a
generated policy, built the way containerd + the Kata runtime would send
them for that pod: CreateContainer for the pause container, then every
container in pod order (allowed), each followed by denied variants (changed
argv, an extra env variable, a changed user, an extra mount). Run-time
values the policy expresses as regexes get concrete sample values.
"""
import base64
import copy
import json
import re
import sys

SAMPLES = [  # (regex tail as the generator writes it, sample value)
    (r"\$\(sandbox-name\)", None), (r"\$\(sandbox-namespace\)", None),
    ("IPV4", "10.244.1.7"), (".*", "node-1"), ("[0-9]+", "1"),
    ("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
     "9c64c5bf-298f-46c4-ad63-e2270a2ff44c"),
]
SUFFIX = "[bcdfghjklmnpqrstvwxz2456789]+"


def sandbox_name(rx):
    s = rx[1:-1].replace(SUFFIX, "x7k2p").replace("(-[0-9]+)?", "")
    return s.replace("[0-9]+", "0").replace("\\", "")


def env_from_regex(rx, name, ns):
    m = re.match(r"^\^([A-Za-z_][A-Za-z0-9_.\\-]*)=(.*)\$$", rx)
    var, val = m.group(1).replace("\\", ""), m.group(2)
    if val == "$(sandbox-name)":
        return "%s=%s" % (var, name)
    if val == "$(sandbox-namespace)":
        return "%s=%s" % (var, ns)
    if val.startswith("(([0-9]"):
        return var + "=10.244.1.7"
    for tail, sample in SAMPLES[3:]:
        if val == tail:
            return "%s=%s" % (var, sample)
    raise SystemExit("no sample for env regex " + rx)


def main():
    pd = json.load(open(sys.argv[1]))
    name = sandbox_name(pd["sandbox"]["name_regex"])
    ns = pd["sandbox"]["namespace"] or "default"
    sid = "ab" * 32
    cases = []
    for i, c in enumerate(pd["containers"]):
        cid = "%02x" % (i + 16) * 32
        image = c["image_names"][0]
        sandbox = c["kind"] == "sandbox"
        anno = {
            "io.katacontainers.pkg.oci.bundle_path":
                "/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + cid,
            "io.katacontainers.pkg.oci.container_type":
                "pod_sandbox" if sandbox else "pod_container",
            "io.kubernetes.cri.container-type": c["kind"],
            "io.kubernetes.cri.sandbox-id": sid,
            "io.kubernetes.cri.sandbox-name": name,
            "io.kubernetes.cri.sandbox-namespace": ns,
        }
        if sandbox:
            anno["nerdctl/network-namespace"] = \
                "/var/run/netns/cni-22190131-6f68-2878-6d7b-418baf176cdf"
        else:
            anno["io.kubernetes.cri.container-name"] = c["name"]
            anno["io.kubernetes.cri.image-name"] = image
        storages, blk = [], []
        for n, ps in enumerate(c["storages"]):
            s = {k: v for k, v in ps.items() if k != "source_regex"}
            if "source_regex" in ps:
                s["source"] = "00/%02x" % n
            b64 = base64.urlsafe_b64encode(s["source"].encode()).decode()
            s["mount_point"] = s["mount_point"].replace("$(b64-source)", b64)
            storages.append(s)
            if s["driver"] == "blk":
                blk.append(s)
        storages.append({"driver": "image_guest_pull", "driver_options": [],
                         "source": image, "fstype": "overlay", "options": [],
                         "fs_group": None, "shared": False,
                         "mount_point": "/run/kata-containers/%s/rootfs" % cid})
        mounts = []
        for pm in c["OCI"]["Mounts"]:
            if "source" in pm:
                src = pm["source"]
            elif pm.get("source_storage"):
                src = blk.pop(0)["mount_point"]
            else:
                tail = pm["source_regex"].split("-[a-z0-9]{16}-")[1]
                src = ("/run/kata-containers/shared/containers/%s-0123456789abcdef-%s"
                       % (cid, tail.rstrip("$").replace("\\", "")))
            mounts.append({"destination": pm["destination"], "source": src,
                           "type_": pm["type_"], "options": pm["options"]})
        proc = copy.deepcopy(c["OCI"]["Process"])
        proc["Env"] = proc["Env"] + [env_from_regex(r, name, ns) for r in proc.pop("EnvRegex")]
        req = {"container_id": cid, "exec_id": cid, "storages": storages,
               "OCI": {"Version": c["OCI"]["Version"], "Annotations": anno,
                       "Root": {"Path": "/run/kata-containers/%s/rootfs" % cid,
                                "Readonly": c["OCI"]["Root"]["Readonly"]},
                       "Process": proc, "Mounts": mounts,
                       "Linux": {"Namespaces": c["OCI"]["Linux"]["Namespaces"] + [
                           {"Type": "network", "Path": "/run/netns/podns"}],
                           "MaskedPaths": c["OCI"]["Linux"]["MaskedPaths"],
                           "ReadonlyPaths": c["OCI"]["Linux"]["ReadonlyPaths"],
                           "Sysctl": c["OCI"]["Linux"]["Sysctl"],
                           "Resources": {"Devices": []}}}}
        label = c["name"] or "pause"

        def variant(desc, fn):
            r = copy.deepcopy(req)
            fn(r)
            cases.append({"description": "%s: %s" % (label, desc), "allowed": False,
                          "kind": "CreateContainerRequest", "request": r})
        variant("argv changed", lambda r: r["OCI"]["Process"]["Args"].append("--evil"))
        variant("extra env", lambda r: r["OCI"]["Process"]["Env"].append("LD_PRELOAD=/x.so"))
        variant("other user", lambda r: r["OCI"]["Process"]["User"].update({"UID": 4242}))
        variant("extra mount", lambda r: r["OCI"]["Mounts"].append(
            {"destination": "/host", "source": "/", "type_": "bind",
             "options": ["rbind", "rw"]}))
        cases.append({"description": "%s: create" % label, "allowed": True,
                      "kind": "CreateContainerRequest", "request": req})
    json.dump(cases, open(sys.argv[2], "w"), indent=1)


if __name__ == "__main__":
    main()
