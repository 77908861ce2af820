#!/bin/sh
# agent_requests_cli_test.sh CONTRAST DATA_DIR - `contrast policy requests`:
# the requests of a pod (as --cases) pass `contrast policy check` against
# the policy generated from the same YAML, those of an edited copy do not;
# workload choice with --pod, option errors.
set -u
contrast=$1 data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$tmp/web.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: web-cfg, namespace: web}
data: {MODE: prod}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: web}
spec:
  template:
    spec:
      runtimeClassName: contrast-cc
      containers:
      - name: nginx
        image: docker.io/library/nginx:1.27
        env:
        - {name: MODE, valueFrom: {configMapKeyRef: {name: web-cfg, key: MODE}}}
        - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
YAML
sed 's/MODE: prod/MODE: debug/' "$tmp/web.yaml" >"$tmp/edited.yaml"

"$contrast" policy generate --image-store "$data/oci" "$tmp/web.yaml" >"$tmp/web.rego" || fail "generate"
"$contrast" policy requests --image-store "$data/oci" "$tmp/web.yaml" >"$tmp/reqs.json" || fail "requests"
grep -q '"kind": "CreateSandboxRequest"' "$tmp/reqs.json" || fail "no CreateSandboxRequest"
grep -q '"MODE=prod"' "$tmp/reqs.json" || fail "MODE not resolved"
grep -q '"io.kubernetes.cri.sandbox-namespace": "web"' "$tmp/reqs.json" || fail "namespace"
"$contrast" policy requests --image-store "$data/oci" --cases --replica 3 "$tmp/web.yaml" >"$tmp/cases.json" || fail "--cases"
"$contrast" policy check --policy "$tmp/web.rego" --cases "$tmp/cases.json" >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out"; fail "own requests denied"; }
grep -q '^3 passed, 0 failed$' "$tmp/out" || { cat "$tmp/out"; fail "summary"; }
echo "ok requests of the pod pass its policy"

"$contrast" policy requests --image-store "$data/oci" --cases "$tmp/edited.yaml" >"$tmp/cases2.json" || fail "edited requests"
rc=0; "$contrast" policy check --policy "$tmp/web.rego" --cases "$tmp/cases2.json" >"$tmp/out" 2>&1 || rc=$?
[ $rc = 1 ] || { cat "$tmp/out"; fail "edited pod: exit $rc, want 1"; }
grep -q 'CreateContainerRequest nginx.*MODE=debug not allowed' "$tmp/out" || { cat "$tmp/out"; fail "reason"; }
echo "ok edited pod denied"

# Explicit name/namespace/IP; a name the policy does not admit is denied.
"$contrast" policy requests --image-store "$data/oci" --cases --name other --pod-ip 10.9.8.7 "$tmp/web.yaml" \
	>"$tmp/cases3.json" || fail "--name"
grep -q '"HOSTNAME=other"' "$tmp/cases3.json" || fail "--name not used"
rc=0; "$contrast" policy check --policy "$tmp/web.rego" --cases "$tmp/cases3.json" >"$tmp/out" 2>&1 || rc=$?
if [ $rc != 1 ] || ! grep -q 'sandbox-name: does not match' "$tmp/out"; then
	cat "$tmp/out"; fail "--name other: $rc"
fi
echo "ok names"

rc=0; "$contrast" policy requests --image-store "$data/oci" "$data/k8s/shop.yaml" >/dev/null 2>"$tmp/err" || rc=$?
if [ $rc != 2 ] || ! grep -q 'choose one with --pod' "$tmp/err" ||
	! grep -q 'StatefulSet db' "$tmp/err"; then
	cat "$tmp/err"; fail "several pods: $rc"
fi
"$contrast" policy requests --image-store "$data/oci" --pod db "$data/k8s/shop.yaml" >"$tmp/db.json" || fail "--pod db"
grep -q '"io.kubernetes.cri.sandbox-name": "db-0"' "$tmp/db.json" || fail "db-0"
rc=0; "$contrast" policy requests --image-store "$data/oci" --pod-ip 999.1.1.1 "$tmp/web.yaml" >/dev/null 2>"$tmp/err" || rc=$?
if [ $rc != 2 ] || ! grep -q "pod IP '999.1.1.1'" "$tmp/err"; then
	cat "$tmp/err"; fail "bad IP: $rc"
fi
rc=0; "$contrast" policy requests --bogus "$tmp/web.yaml" >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "unknown option: $rc"
"$contrast" policy requests --help | grep -q '^usage: contrast policy requests' || fail "--help"
echo "ok options"
