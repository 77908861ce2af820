#!/bin/sh
# gen_generate_test.sh CONTRAST DATA_DIR SCRIPTS_DIR - `contrast generate`
# end to end on the apps in tests/data/k8s: patches every contrast-cc
# workload (initializer first, /contrast everywhere, not for the
# Coordinator), writes initdata annotations whose sha256 keys the manifest,
# creates the owner keys, is idempotent (byte-identical second run), and
# each generated policy admits the CreateContainer requests of its pod and
# denies changed variants. Also: refusals for bad reference values.
set -eu
contrast=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") data=$2 here=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir "$tmp/app"
cp "$data"/k8s/*.yaml "$tmp/app/"
printf '# only a Service: left alone\nkind: Service\nmetadata: {name: extra}\n' >"$tmp/app/zz-service.yaml"
cp "$tmp/app/zz-service.yaml" "$tmp/zz-service.orig"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes \
	-keyout "$tmp/ark.key" -out "$tmp/ark.pem" -subj /CN=sim-ark -days 30 2>/dev/null
cd "$tmp/app"
"$contrast" generate --image-store "$data/oci" --reference-values Simulator \
	--simulator-ark "$tmp/ark.pem" . >"$tmp/out1" 2>&1 || { cat "$tmp/out1"; fail "generate"; }
grep -q '^patched 13 workloads (initializer injected into 12)$' "$tmp/out1" || { cat "$tmp/out1"; fail "summary"; }
grep -q '^created ./workload-owner.pem' "$tmp/out1" || fail "no workload owner key created"
grep -q '^updated manifest manifest.json (13 policies)$' "$tmp/out1" || fail "manifest line"
[ "$(stat -c %a workload-owner.pem)" = 600 ] || fail "workload-owner.pem mode"
openssl pkey -in workload-owner.pem -noout -text 2>/dev/null | grep -q 'NIST CURVE: P-384' || fail "not P-384"
openssl pkey -in seedshare-owner.pem -noout -text 2>/dev/null | grep -q 'Private-Key: (4096 bit' || fail "not RSA-4096"

cmp -s zz-service.yaml "$tmp/zz-service.orig" || fail "a file without workloads was rewritten"
mkdir "$tmp/snap"
cp ./*.yaml manifest.json ./*.pem "$tmp/snap/"
"$contrast" generate --image-store "$data/oci" --reference-values Simulator \
	--simulator-ark "$tmp/ark.pem" . >"$tmp/out2" 2>&1 || { cat "$tmp/out2"; fail "second generate"; }
for f in ./*.yaml manifest.json ./*.pem; do
	cmp -s "$f" "$tmp/snap/$f" || fail "second run changed $f"
done
grep -q '^rewrote' "$tmp/out2" && fail "second run rewrote a file"
echo "ok generate + idempotent"

# Every annotation: hash keys the manifest; its policy admits the pod.
python3 - "$tmp" <<'PY' || fail "annotations/manifest"
import base64, glob, gzip, hashlib, json, os, sys
tmp = sys.argv[1]
m = json.load(open(os.path.join(tmp, "app", "manifest.json")))
pol = m["Policies"]
assert len(pol) == 13, len(pol)
assert [h for h, p in pol.items() if p["Role"] == "coordinator"], "no coordinator"
assert len(m["WorkloadOwnerKeyDigests"]) == 1 and len(m["SeedshareOwnerPubKeys"]) == 1
assert m["ReferenceValues"]["snp"][0]["ProductName"] == "Simulator"
n = 0
for f in sorted(glob.glob(os.path.join(tmp, "app", "*.yaml"))):
    for line in open(f):
        line = line.strip()
        key = "io.katacontainers.config.hypervisor.cc_init_data: "
        if not line.startswith(key):
            continue
        toml = gzip.decompress(base64.b64decode(line[len(key):]))
        h = hashlib.sha256(toml).hexdigest()
        assert h in pol, (f, h)
        text = toml.decode()
        assert text.startswith('version = "0.1.0"\nalgorithm = "sha256"\n'), text[:80]
        policy = text.split("'''\n", 1)[1].rsplit("'''", 1)[0]
        data = policy.split("\npolicy_data := ", 1)[1]
        open(os.path.join(tmp, "p%02d.rego" % n), "w").write(policy)
        open(os.path.join(tmp, "p%02d.json" % n), "w").write(data)
        n += 1
assert n == 13, n
PY
for p in "$tmp"/p*.json; do
	python3 "$here/gen_requests.py" "$p" "${p%.json}.cases.json"
	"$contrast" policy check --quiet --policy "${p%.json}.rego" --cases "${p%.json}.cases.json" \
		>"$tmp/check" 2>&1 || { cat "$tmp/check"; fail "$p: generated requests"; }
done
echo "ok policies admit their pods"

# Initializer placement and the Coordinator exception.
python3 - "$tmp/app" <<'PY' || fail "initializer placement"
import glob, os, sys
for f in glob.glob(os.path.join(sys.argv[1], "*.yaml")):
    for doc in open(f).read().split("\n---\n"):
        if "runtimeClassName: contrast-cc" not in doc:
            continue
        coord = "pod-role: coordinator" in doc
        assert ("name: contrast-initializer" in doc) != coord, (f, doc[:200])
        assert coord or "value: coordinator-ready" in doc
        assert coord or doc.count("mountPath: /contrast") >= 2
PY
echo "ok initializer"

# Refusals.
rc=0; CONTRAST_SIMULATOR_ARK= "$contrast" generate --image-store "$data/oci" -m "$tmp/m2.json" \
	--reference-values Simulator . >"$tmp/err" 2>&1 || rc=$?
[ $rc = 2 ] && grep -q 'simulator-ark' "$tmp/err" || { cat "$tmp/err"; fail "sim without ark: $rc"; }
rc=0; "$contrast" generate --image-store "$data/oci" -m "$tmp/m3.json" \
	--reference-values Rome . >"$tmp/err" 2>&1 || rc=$?
[ $rc = 2 ] && grep -q "unknown platform 'Rome'" "$tmp/err" || { cat "$tmp/err"; fail "bad platform: $rc"; }
rc=0; "$contrast" generate --image-store "$data/oci" -m "$tmp/m4.json" . >"$tmp/err" 2>&1 || rc=$?
[ $rc = 2 ] && grep -q 'give --reference-values' "$tmp/err" || { cat "$tmp/err"; fail "no refvals: $rc"; }
mkdir "$tmp/nocoord"
cp "$data/k8s/chat.yaml" "$tmp/nocoord/"
rc=0; "$contrast" generate --image-store "$data/oci" -m "$tmp/nocoord/manifest.json" \
	--reference-values Genoa -w "$tmp/app/workload-owner.pem" \
	--add-seedshare-owner-key "$tmp/app/seedshare-owner.pem" "$tmp/nocoord" >"$tmp/err" 2>&1 || rc=$?
[ $rc = 2 ] && grep -q 'no policy with Role "coordinator"' "$tmp/err" || { cat "$tmp/err"; fail "no coordinator: $rc"; }
grep -q 'TrustedMeasurement' "$tmp/err" || fail "no measurement hint for Genoa"
[ -e "$tmp/nocoord/workload-owner.pem" ] && fail "created a key although -w was given"
echo "ok"
