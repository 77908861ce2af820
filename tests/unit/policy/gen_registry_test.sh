#!/bin/sh
# gen_registry_test.sh CONTRAST DATA_DIR HERE - registry pulls against a
# local registry (gen_registry_server.py on 127.0.0.1): anonymous and
# bearer-token auth give the same policy as the image store; a pinned
# digest that does not match, a manifest whose bytes differ from its pin
# and a tampered layer are refused; the cache
# file makes a second run registry-free.
set -eu
contrast=$1 data=$2 here=$3
tmp=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

start() { # mode -> sets $port
	rm -f "$tmp/port.$1"
	python3 "$here/gen_registry_server.py" "$data/oci" "$tmp/port.$1" "$1" &
	pids="$pids $!"
	while [ ! -s "$tmp/port.$1" ]; do
		kill -0 $! 2>/dev/null || fail "registry server ($1) died"
		python3 -c 'import time; time.sleep(0.05)'
	done
	port=$(cat "$tmp/port.$1")
}
pod() { # image
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsUser: 0, runAsGroup: 0}\n  containers:\n  - {name: c, image: "%s", command: [sleep, "1"]}\n' "$1"
}

# Reference data: the same image from the store.
pod "docker.io/library/busybox:1.36" >"$tmp/store.yaml"
"$contrast" policy generate --image-store "$data/oci" --data "$tmp/store.yaml" >"$tmp/store.json"

for mode in anon bearer; do
	start $mode
	pod "127.0.0.1:$port/library/busybox:1.36" >"$tmp/$mode.yaml"
	"$contrast" policy generate --insecure-registry "127.0.0.1:$port" --data \
		--cache "$tmp/cache-$mode.json" "$tmp/$mode.yaml" >"$tmp/$mode.json" 2>"$tmp/err" ||
		{ cat "$tmp/err"; fail "$mode pull"; }
	python3 - "$tmp/store.json" "$tmp/$mode.json" <<'PY' || fail "$mode: facts differ from the store"
import json, sys
a, b = (json.load(open(p))["containers"][1] for p in sys.argv[1:3])
for k in ("User", "Args", "Env", "Cwd"):
    assert a["OCI"]["Process"][k] == b["OCI"]["Process"][k], k
PY
	echo "ok $mode"
done

# Pinned digest: the right one works, a wrong one is refused.
digest=$(python3 -c "
import json,sys
for m in json.load(open('$data/oci/index.json'))['manifests']:
    if m['annotations']['org.opencontainers.image.ref.name']=='docker.io/library/busybox:1.36': print(m['digest'])" | head -1)
pod "127.0.0.1:$port/library/busybox:1.36@$digest" >"$tmp/pinned.yaml"
"$contrast" policy generate --insecure-registry "127.0.0.1:$port" --data "$tmp/pinned.yaml" \
	>/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "pinned pull"; }
pod "127.0.0.1:$port/library/busybox:1.36@sha256:$(printf '%064d' 7)" >"$tmp/wrong.yaml"
rc=0
"$contrast" policy generate --insecure-registry "127.0.0.1:$port" --data "$tmp/wrong.yaml" \
	>/dev/null 2>"$tmp/err" || rc=$?
[ $rc = 2 ] || { cat "$tmp/err"; fail "wrong pin: exit $rc"; }
grep -q 'HTTP 404\|not the pinned' "$tmp/err" || { cat "$tmp/err"; fail "wrong pin message"; }
# A registry answering a pinned request with other bytes is refused.
start badpin
pod "127.0.0.1:$port/library/busybox:1.36@$digest" >"$tmp/badpin.yaml"
rc=0
"$contrast" policy generate --insecure-registry "127.0.0.1:$port" --data "$tmp/badpin.yaml" \
	>/dev/null 2>"$tmp/err" || rc=$?
[ $rc = 2 ] && grep -q "manifest hashes to sha256:[0-9a-f]*, not the pinned $digest" "$tmp/err" ||
	{ cat "$tmp/err"; fail "badpin: exit $rc"; }
echo "ok pinned"

# A tampered layer is refused.
start tamper
pod "127.0.0.1:$port/library/busybox:1.36" >"$tmp/tamper.yaml"
rc=0
"$contrast" policy generate --insecure-registry "127.0.0.1:$port" --data "$tmp/tamper.yaml" \
	>/dev/null 2>"$tmp/err" || rc=$?
[ $rc = 2 ] && grep -q 'content hashes to' "$tmp/err" || { cat "$tmp/err"; fail "tamper: exit $rc"; }
echo "ok tamper"

# Second run from the cache, with every registry gone.
for p in $pids; do kill "$p" 2>/dev/null || true; done
pids=""
"$contrast" policy generate --data --cache "$tmp/cache-bearer.json" "$tmp/bearer.yaml" \
	>"$tmp/again.json" || fail "cached run"
cmp -s "$tmp/again.json" "$tmp/bearer.json" || fail "cached run differs"
echo "ok"
