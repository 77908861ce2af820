#!/bin/sh
# gen_cli_test.sh CONTRAST DATA_DIR - `contrast policy generate`:
#  - for every genpolicy test pod, the generated policy_data equals the
#    hand-written fixture (tests/data/policy/genpolicy/*.json) and, when the
#    build has the Rego evaluator, the generated policy passes the pod's
#    upstream test cases;
#  - refusals (unsupported kind, subPath, missing ConfigMap, malformed YAML,
#    unknown image, several pods) exit 2 naming file, document and path;
#  - a pinned reference whose stored digest differs warns; the cache file
#    makes a second run work without the image store.
set -eu
contrast=$1 data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
store=$data/oci
fail() { echo "FAIL: $*"; exit 1; }

have_check=1
"$contrast" policy check --policy /dev/null --cases /dev/null 2>&1 | grep -q 'no Rego evaluator' && have_check=0

for d in copyfile createcontainer/env_vars createcontainer/generate_name \
	createcontainer/security_context/runas createcontainer/sysctls \
	createcontainer/volumes/emptydir createsandbox state/execprocess updateinterface; do
	f=$(echo "$d" | tr / _)
	"$contrast" policy generate --image-store "$store" --data "$data/genpolicy/$d/pod.yaml" \
		>"$tmp/$f.json" 2>"$tmp/err" || { cat "$tmp/err"; fail "$d: generate"; }
	python3 - "$tmp/$f.json" "$data/policy/genpolicy/$f.json" <<'PY' || fail "$d: policy_data differs from the fixture"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
PY
	"$contrast" policy generate --image-store "$store" "$data/genpolicy/$d/pod.yaml" \
		>"$tmp/$f.rego" 2>/dev/null || fail "$d: generate policy text"
	grep -q '^package agent_policy' "$tmp/$f.rego" || fail "$d: no package line"
	grep -q '^policy_data := {' "$tmp/$f.rego" || fail "$d: no policy_data"
	if [ $have_check = 1 ]; then
		"$contrast" policy check --quiet --policy "$tmp/$f.rego" \
			--cases "$data/genpolicy/$d/testcases.json" >"$tmp/out" ||
			{ cat "$tmp/out"; fail "$d: upstream cases"; }
	fi
done
echo "ok genpolicy pods (evaluated: $have_check)"

# A pinned reference found under its tag warns about the digest.
"$contrast" policy generate --image-store "$store" --data \
	"$data/genpolicy/copyfile/pod.yaml" 2>"$tmp/err" >/dev/null
grep -q 'not the pinned sha256:3d380ca8' "$tmp/err" || { cat "$tmp/err"; fail "no digest warning"; }

# The cache makes a second run store-free.
"$contrast" policy generate --image-store "$store" --cache "$tmp/cache.json" --data \
	"$data/genpolicy/state/execprocess/pod.yaml" >"$tmp/c1.json" 2>/dev/null || fail "cache run 1"
"$contrast" policy generate --cache "$tmp/cache.json" --data \
	"$data/genpolicy/state/execprocess/pod.yaml" >"$tmp/c2.json" || fail "cache run 2"
cmp -s "$tmp/c1.json" "$tmp/c2.json" || fail "cached run differs"
rc=0
"$contrast" policy generate --data "$data/genpolicy/state/execprocess/pod.yaml" \
	>/dev/null 2>"$tmp/err" || rc=$?
[ $rc = 2 ] && grep -q 'not in the cache' "$tmp/err" || { cat "$tmp/err"; fail "no-source exit $rc"; }

# Refusals: exit 2, message names file, document and path.
refuse() { # name want-substring yaml
	printf '%s\n' "$3" >"$tmp/$1.yaml"
	rc=0
	"$contrast" policy generate --image-store "$store" "$tmp/$1.yaml" >/dev/null 2>"$tmp/err" || rc=$?
	[ $rc = 2 ] || { cat "$tmp/err"; fail "$1: exit $rc, want 2"; }
	grep -qF -- "$2" "$tmp/err" || { cat "$tmp/err"; fail "$1: message lacks '$2'"; }
}
POD='apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: quay.io/prometheus/busybox:latest'
refuse kind "kind.yaml: document 1: kind: unsupported kind 'Frobnicator'" \
	"$(printf 'kind: Service\nmetadata: {name: s}\n---\nkind: Frobnicator\nmetadata: {name: f}')"
refuse subpath "document 0: spec.containers[0]: volumeMounts[0].subPath" "$POD
    volumeMounts: [{name: v, mountPath: /x, subPath: y}]
  volumes: [{name: v, emptyDir: {}}]"
refuse volume "unsupported volume type 'nfs'" "$POD
    volumeMounts: [{name: v, mountPath: /x}]
  volumes: [{name: v, nfs: {server: s, path: /}}]"
refuse cm "env[0]: ConfigMap cfg key k: not found" "$POD
    env: [{name: A, valueFrom: {configMapKeyRef: {name: cfg, key: k}}}]"
refuse field "spec.containers[0].frobnicate: unsupported field" "$POD
    frobnicate: true"
refuse image "no image named 'example.com/nope:1'" "apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: 'example.com/nope:1'}]"
printf 'kind: Pod\nmetadata: {name: [}\n' >"$tmp/malformed.yaml"
rc=0
"$contrast" policy generate "$tmp/malformed.yaml" >/dev/null 2>"$tmp/err" || rc=$?
[ $rc = 2 ] && grep -q 'malformed.yaml: document 0: YAML' "$tmp/err" || { cat "$tmp/err"; fail "malformed exit $rc"; }
refuse two "want exactly one pod-bearing document, found 2" "$POD
---
$POD"
refuse hostpid "spec.hostPID: not supported" "$POD
  hostPID: true"

# ConfigMaps/Secrets from --config-file, anchors and merge keys.
cat >"$tmp/cfg.yaml" <<'Y'
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {MODE: prod, LEVEL: "3"}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
data: {PASSWORD: aHVudGVyMg==}
Y
cat >"$tmp/app.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - &base
        name: a
        image: quay.io/prometheus/busybox:latest
        command: [sh, -c, "echo $(MODE) $(PASSWORD)"]
        securityContext: {runAsUser: 0, runAsGroup: 0}
        envFrom: [{configMapRef: {name: cfg}, prefix: CFG_}]
        env:
        - {name: MODE, valueFrom: {configMapKeyRef: {name: cfg, key: MODE}}}
        - {name: PASSWORD, valueFrom: {secretKeyRef: {name: sec, key: PASSWORD}}}
        - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
        - {name: ME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
      - <<: *base
        name: b
Y
"$contrast" policy generate --image-store "$store" --config-file "$tmp/cfg.yaml" --data \
	"$tmp/app.yaml" >"$tmp/app.json" || fail "deployment with config file"
python3 - "$tmp/app.json" <<'PY' || fail "deployment policy_data"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["sandbox"]["name_regex"] == "^web-[bcdfghjklmnpqrstvwxz2456789]+-[bcdfghjklmnpqrstvwxz2456789]+$", p["sandbox"]
assert p["sandbox"]["namespace"] == "shop"
a, b = p["containers"][1], p["containers"][2]
assert (a["name"], b["name"]) == ("a", "b")
env = a["OCI"]["Process"]["Env"]
for want in ["CFG_MODE=prod", "CFG_LEVEL=3", "MODE=prod", "PASSWORD=hunter2", ]:
    assert want in env, (want, env)
assert a["OCI"]["Process"]["EnvRegex"] == ["^NS=$(sandbox-namespace)$", "^ME=$(sandbox-name)$"], a["OCI"]["Process"]["EnvRegex"]
assert a["OCI"]["Process"]["Args"] == ["sh", "-c", "echo prod hunter2"], a["OCI"]["Process"]["Args"]
assert b["OCI"]["Process"]["Args"] == a["OCI"]["Process"]["Args"]
PY
# Image layers: /etc/group membership counts, a later whiteout removes it.
for img in groups whiteout; do
	printf 'kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: "example.com/test/%s:1"}]\n' $img >"$tmp/$img.yaml"
	"$contrast" policy generate --image-store "$store" --data "$tmp/$img.yaml" >"$tmp/$img.json" || fail "$img"
done
python3 - "$tmp/groups.json" "$tmp/whiteout.json" <<'PY' || fail "layer semantics"
import json, sys
g, w = (json.load(open(p))["containers"][1]["OCI"]["Process"]["User"] for p in sys.argv[1:3])
assert (g["UID"], g["GID"], sorted(g["AdditionalGids"])) == (500, 500, [500, 700]), g
assert (w["UID"], w["GID"], w["AdditionalGids"]) == (500, 500, [500]), w
PY

# A store whose blob does not match its digest is refused.
cp -r "$store" "$tmp/bad-store"
chmod -R u+w "$tmp/bad-store"
python3 - "$tmp/bad-store" <<'PY'
import json, os, sys
d = sys.argv[1]
for m in json.load(open(os.path.join(d, "index.json")))["manifests"]:
    if m["annotations"]["org.opencontainers.image.ref.name"] == "quay.io/prometheus/busybox:latest":
        man = json.load(open(os.path.join(d, "blobs", m["digest"].replace(":", "/"))))
        p = os.path.join(d, "blobs", man["layers"][0]["digest"].replace(":", "/"))
        b = bytearray(open(p, "rb").read()); b[-1] ^= 1
        open(p, "wb").write(bytes(b))
PY
rc=0
"$contrast" policy generate --image-store "$tmp/bad-store" --data \
	"$data/genpolicy/state/execprocess/pod.yaml" >/dev/null 2>"$tmp/err" || rc=$?
[ $rc = 2 ] && grep -q 'content hashes to' "$tmp/err" || { cat "$tmp/err"; fail "tampered store: exit $rc"; }
# The policy-rules' own pod: generated policy_data equals their hand-written
# one (mount order aside) and passes all their per-check cases.
printf '{"version": 1, "request_defaults": {"ExecProcessRequest": {"allowed_commands": [["/bin/date"]]}}}\n' >"$tmp/own-settings.json"
"$contrast" policy generate --settings "$tmp/own-settings.json" --image-store "$store" --data \
	"$data/policy/own/pod.yaml" >"$tmp/own.json" 2>/dev/null || fail "own pod"
python3 - "$tmp/own.json" "$data/policy/own/policy_data.json" <<'PY' || fail "own pod: policy_data differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for x in (a, b):
    for c in x["containers"]:
        c["OCI"]["Mounts"].sort(key=lambda m: m["destination"])
sys.exit(0 if a == b else 1)
PY
if [ $have_check = 1 ]; then
	"$contrast" policy generate --settings "$tmp/own-settings.json" --image-store "$store" \
		"$data/policy/own/pod.yaml" >"$tmp/own.rego" 2>/dev/null
	"$contrast" policy check --quiet --policy "$tmp/own.rego" \
		--cases "$data/policy/own/testcases.json" >"$tmp/out" || { cat "$tmp/out"; fail "own cases"; }
fi
echo "ok own pod"
echo "ok"
