#!/usr/bin/env python3
"""Our own cases for what only a declared privileged container may do:
privileged (all capabilities, /sys and cgroups read-write, no masked
paths), declared hostPath volumes, the seccomp profile the policy pins.

The allowed requests are those `contrast policy requests --cases` builds
from pod.yaml (CreateSandbox, pause, agent, app); every denied case is one
of them with ONE change. The cases run in order against the policy
`contrast policy generate --image-store tests/data/oci pod.yaml` makes
(tests/unit/policy/enforce_generated_test.sh).

Run: python3 make.py CONTRAST   (the built contrast binary)
"""
import copy
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OCI = os.path.join(HERE, "..", "..", "oci")

ALL_CAP_SETS = ("Bounding", "Effective", "Permitted")


def requests(contrast):
    out = subprocess.run([contrast, "policy", "requests", "--image-store", OCI,
                          "--cases", "pod.yaml"], cwd=HERE, check=True,
                         stdout=subprocess.PIPE).stdout
    return json.loads(out)


def mount(r, dest):
    return next(m for m in r["OCI"]["Mounts"] if m["destination"] == dest)


def variant(base, desc, fn, allowed=False):
    c = copy.deepcopy(base)
    c["description"] = desc
    c["allowed"] = allowed
    fn(c["request"])
    return c


def main():
    reqs = requests(sys.argv[1])
    sandbox, pause, agent, app = reqs
    names = {"sandbox": "sandbox: create", "pause": "pause container: create",
             "agent": "privileged agent with declared hostPaths: create",
             "app": "app container: create"}
    for c, n in zip(reqs, ("sandbox", "pause", "agent", "app")):
        c["description"] = names[n]
        assert c["allowed"] is True
    a_caps = agent["request"]["OCI"]["Process"]["Capabilities"]
    assert "CAP_SYS_ADMIN" in a_caps["Bounding"], "agent is not privileged"
    assert agent["request"]["OCI"]["Linux"]["MaskedPaths"] == []

    def P(r):
        return r["OCI"]["Process"]

    def L(r):
        return r["OCI"]["Linux"]

    def host_root(r):
        r["OCI"]["Mounts"].append({"destination": "/host", "source": "/",
                                   "type_": "bind",
                                   "options": ["rbind", "rprivate", "rw"]})

    def privileged_like_agent(r):
        for k in ALL_CAP_SETS:
            P(r)["Capabilities"][k] = list(a_caps[k])
        mount(r, "/sys")["options"] = mount(agent["request"], "/sys")["options"]
        L(r)["MaskedPaths"] = []
        L(r)["ReadonlyPaths"] = []

    logs_src = mount(agent["request"], "/host/logs")["source"]
    cases = [sandbox, pause]
    # Denied agent variants first (a denied request leaves no state).
    cases += [
        variant(agent, "hostPath: undeclared host root mounted", host_root),
        variant(agent, "hostPath: declared read-only volume made writable",
                lambda r: mount(r, "/host/logs").update(
                    {"options": ["rbind", "rprivate", "rw"]})),
        variant(agent, "hostPath: declared volume at another destination",
                lambda r: mount(r, "/host/logs").update({"destination": "/etc"})),
        variant(agent, "hostPath: declared volume from another host file",
                lambda r: mount(r, "/host/logs").update(
                    {"source": logs_src.rsplit("-", 1)[0] + "-shadow"})),
        variant(agent, "hostPath: source outside the shared directory",
                lambda r: mount(r, "/host/logs").update({"source": "/var/log"})),
        variant(agent, "seccomp: a profile object instead of the pinned one",
                lambda r: L(r).update({"Seccomp": {"DefaultAction": "SCMP_ACT_ALLOW"}})),
        variant(agent, "privileged: a device beyond the declared ones",
                lambda r: L(r)["Devices"].append(
                    {"Path": "/dev/mem", "Type": "c", "Major": 1, "Minor": 1})),
        variant(agent, "privileged: host pid namespace",
                lambda r: [ns.update({"Path": "/proc/1/ns/pid"})
                           for ns in L(r)["Namespaces"] if ns["Type"] == "pid"]
                or L(r)["Namespaces"].append({"Type": "pid", "Path": "/proc/1/ns/pid"})),
        agent,
    ]
    cases += [
        variant(app, "privileged: the undeclared app container privileged",
                privileged_like_agent),
        variant(app, "privileged: the app container with all capabilities",
                lambda r: [P(r)["Capabilities"].__setitem__(k, list(a_caps[k]))
                           for k in ALL_CAP_SETS]),
        variant(app, "hostPath: the agent's declared hostPath in the app container",
                lambda r: r["OCI"]["Mounts"].append(copy.deepcopy(
                    mount(agent["request"], "/host/logs")))),
        app,
    ]
    with open(os.path.join(HERE, "testcases.json"), "w") as f:
        json.dump(cases, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
