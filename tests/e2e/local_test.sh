#!/usr/bin/env bash
# local_test.sh - `contrast local` end to end on the simulated platform:
# the bundled guestbook comes up, its certificates verify with openssl,
# mTLS requests between its pods succeed and unauthenticated ones fail,
# `verify` works as a third party, `status`/`down` see and stop exactly
# what was started, a second `up` cleans up after the first, and every
# scenario ends with the outcome (and reason) it demonstrates.
# Usage: local_test.sh BUILD_ROOT SOURCE_ROOT. Prints TAP.
set -uo pipefail
B=$(cd "${1:?build root}" && pwd)
S=$(cd "${2:?source root}" && pwd)
C=$B/cmd/contrast/contrast
APP=$B/cmd/contrast-demo-app/contrast-demo-app
T=$(mktemp -d)
W=$T/w
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
	"$C" local down --workdir "$W" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "$0")/tap.sh"
js() { python3 -c "import json,sys; d=json.load(open('$W/summary.json')); print($1)"; }
# Runs up; when it fails, its output goes to the TAP stream as comments.
up() {
	"$C" local up --workdir "$W" --coordinator-port "$PORT" "$@" >"$T/up.log" 2>&1 && return 0
	local rc=$?
	sed 's/^/# /' "$T/up.log"
	return $rc
}
# Alive and not a zombie (an init that does not reap leaves those behind).
pid_alive() { [ -r "/proc/$1/stat" ] && ! grep -q ') Z ' "/proc/$1/stat"; }

# --- the whole flow -------------------------------------------------------
check "local up succeeds" up
check "summary: 4 pods admitted, none refused" test "$(js 'd["pods_admitted"], d["pods_refused"]')" = "4 0"
check "summary: 3 mesh certificates issued" test "$(js 'd["certificates_issued"]')" = 3
check "summary: manifest generation 1" test "$(js 'd["manifest_generation"]')" = 1
check "summary: every probe over mTLS served, every anonymous one refused" \
	test "$(js 'd["mtls"]["probes_served"], d["mtls"]["probes_failed"], d["mtls"]["anonymous_refused"], d["mtls"]["anonymous_served"]')" = "3 0 3 0"
check "manifest.json and verify/ are written" test -s "$W/manifest.json" -a -s "$W/verify/manifest.0.json" -a -s "$W/verify/coordinator-root-ca.pem"
pods=$(js '" ".join(p["name"] for p in d["pods"] if p.get("role") != "coordinator")')
for p in $pods; do
	d=$W/pods/$p/contrast
	check "$p: tls-config and workload secret seed written" \
		test -s "$d/tls-config/mesh-ca.pem" -a -s "$d/tls-config/certChain.pem" -a -s "$d/tls-config/key.pem" \
		-a -s "$d/tls-config/coordinator-root-ca.pem" -a -s "$d/secrets/workload-secret-seed"
	check "$p: openssl verifies its mesh certificate against the mesh CA" \
		quiet openssl verify -CAfile "$d/tls-config/mesh-ca.pem" "$d/tls-config/certChain.pem"
	check "$p: its mesh CA is the one contrast set returned" cmp -s "$d/tls-config/mesh-ca.pem" "$W/mesh-ca.pem"
done
web=$(js '[p for p in d["pods"] if p["workload"] == "web"][0]["name"]')
webip=$(js '[p for p in d["pods"] if p["workload"] == "web"][0]["ip"]')
storeid=$(js '[p for p in d["pods"] if p["workload"] == "store"][0]["name"]')
webs=$(js '" ".join(p["name"] for p in d["pods"] if p["workload"] == "web")')
check "two web replicas share a workload secret seed" \
	test "$(for p in $webs; do sha256sum < "$W/pods/$p/contrast/secrets/workload-secret-seed"; done | sort -u | wc -l)" = 1
check "a mesh peer signs the guestbook through web (web -> store over mTLS)" \
	quiet "$APP" call --tls-dir "$W/pods/$storeid/contrast/tls-config" "https://$webip:8443/sign" \
	--post '{"name":"e2e","message":"signed in local mode"}'
check "the entry comes back through web" bash -c \
	"'$APP' call --tls-dir '$W/pods/$storeid/contrast/tls-config' https://$webip:8443/ 2>/dev/null | grep -q 'signed in local mode'"
check "a caller without a client certificate is refused" \
	bash -c "! '$APP' call --anonymous --tls-dir '$W/pods/$web/contrast/tls-config' https://$webip:8443/ >/dev/null 2>&1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$T/k.pem" \
	-subj /CN=stranger -days 1 -out "$T/c.pem" >/dev/null 2>&1
mkdir -p "$T/stranger" && cp "$T/c.pem" "$T/stranger/certChain.pem" && cp "$T/k.pem" "$T/stranger/key.pem" \
	&& cp "$W/mesh-ca.pem" "$T/stranger/mesh-ca.pem"
check "a caller with a certificate from another CA is refused" \
	bash -c "! '$APP' call --tls-dir '$T/stranger' https://$webip:8443/ >/dev/null 2>&1"
check "a third party verifies the running Coordinator" \
	bash -c "cd '$T' && cp '$W/manifest.json' . && CONTRAST_ALLOW_SIMULATED=1 '$C' verify -c 127.0.0.1:$PORT -m manifest.json >verify.log 2>&1 || { sed 's/^/# /' verify.log >&2; false; }"
check "status: every recorded process runs" quiet "$C" local status --workdir "$W"
first_pids=$(cat "$W"/state/pids/*.pid | cut -d' ' -f1)

# --- a second up replaces the first without orphans -------------------------
check "a second up (no down in between) succeeds" up
orphans=0
for p in $first_pids; do pid_alive "$p" && orphans=$((orphans + 1)); done
check "no process of the first up survives the second ($orphans left)" test "$orphans" = 0
check "a concurrent up on the same work dir is refused" bash -c \
	"exec 9>'$W/state/lock'; flock -n 9 && ! '$C' local up --workdir '$W' --coordinator-port $PORT 2>&1 | grep -q running; true" # lock held by nobody now
second_pids=$(cat "$W"/state/pids/*.pid | cut -d' ' -f1)
check "down stops everything" quiet "$C" local down --workdir "$W"
left=0
for p in $second_pids; do pid_alive "$p" && left=$((left + 1)); done
check "no recorded process runs after down ($left left)" test "$left" = 0
check "status after down reports nothing running" bash -c "'$C' local status --workdir '$W' | grep -q 'nothing\|0 of 0'"

# --- kill -9 of up in the middle, then up again: nothing is orphaned ---------
# Every live process whose command line names the work dir (ours all do).
ours() {
	local n=0 p
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] && continue
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- "$W/" && pid_alive "${p#/proc/}" && n=$((n + 1))
	done
	echo "$n"
}
"$C" local up --workdir "$W" --coordinator-port "$PORT" >"$T/killed.log" 2>&1 &
upid=$!
for i in $(seq 300); do [ "$(ls "$W/state/pids" 2>/dev/null | wc -l)" -ge 4 ] && break; sleep 0.05; done
kill -9 "$upid"; wait "$upid" 2>/dev/null
check "up was killed in the middle of starting pods" bash -c "! grep -q 'contrast verify' '$T/killed.log'"
check "a second up after kill -9 of the first succeeds" up
quiet "$C" local down --workdir "$W"
sleep 0.2
check "after down, no process refers to the work dir ($(ours) left)" test "$(ours)" = 0

# --- scenarios --------------------------------------------------------------
scenario() { # name, expected text in the refusal / event
	local s=$1 want=$2
	up --scenario "$s"
	local rc=$?
	check "scenario $s: up exits 0 (outcome as expected)" test "$rc" = 0
	check "scenario $s: $want" bash -c "python3 -c \"import json; d=json.load(open('$W/summary.json')); print(json.dumps(d['events']), json.dumps(d['refused']))\" | grep -q -- \"$want\""
	quiet "$C" local down --workdir "$W"
}
scenario tampered-pod "HOSTDATA is not a policy of the active manifest"
scenario edited-pod "enforcer: CreateContainerRequest for container store denied: OCI.Process.Env"
scenario wrong-measurement "measurement mismatch"
scenario lying-host "agent: the initdata's hash"
scenario recover "3 of 3 pods admitted again"
check "recover: the Coordinator came back sealed and was unsealed" bash -c \
	"grep -q 'unsealed with the seed share' '$T/up.log'"
scenario update "3 of 3 pods admitted again"
check "update: manifest generation 2" bash -c "grep -q 'manifest generation 2' '$T/up.log'"

# --- your own YAML: no Coordinator in it, images from your own store ---------
check "own YAML with its own image store comes up" \
	up --image-store "$S/tests/data/oci" "$S/tests/data/k8s/blog.yaml"
check "the bundled Coordinator was added" grep -q "has no Coordinator" "$T/up.log"
check "pods without mapped images are attested-only" \
	test "$(js '" ".join(sorted(p["state"] for p in d["pods"]))')" = "admitted attested-only attested-only"
check "attested-only pods got their mesh identity" bash -c \
	"ls '$W'/pods/blog-*/contrast/tls-config/certChain.pem >/dev/null"
quiet "$C" local down --workdir "$W"
check "YAML whose image is in no store: generate's error is shown, exit 1" bash -c \
	"'$C' local up --workdir '$W' --coordinator-port $PORT '$S/tests/data/k8s/blog.yaml' 2>&1 | grep -q 'docker.io/library/nginx'"
quiet "$C" local down --workdir "$W"

# --- usage errors -------------------------------------------------------------
check "unknown scenario: exit 2" bash -c "'$C' local up --scenario nope >/dev/null 2>&1; [ \$? -eq 2 ]"
check "a missing path is named: exit 2" bash -c \
	"'$C' local up --workdir '$T/x' /nonexistent.yml 2>&1 | grep -q nonexistent"

tap_done
