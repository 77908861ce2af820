#!/bin/sh
# enforce_cli_test.sh CONTRAST RULES DATA_DIR - `contrast policy check`:
# passes a matching case file (exit 0, "N passed, 0 failed"), reports a
# flipped expectation as MISMATCH (exit 1), refuses bad usage (exit 2).
set -eu
contrast=$1 rules=$2 data=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

{ cat "$rules"; printf '\npolicy_data := '; cat "$data/policy/genpolicy/state_execprocess.json"; } >"$tmp/policy.rego"
cases=$data/genpolicy/state/execprocess/testcases.json

"$contrast" policy check --policy "$tmp/policy.rego" --cases "$cases" >"$tmp/out" || {
	cat "$tmp/out"; echo "FAIL: matching cases did not pass"; exit 1; }
grep -q '^18 passed, 0 failed$' "$tmp/out" || { cat "$tmp/out"; echo "FAIL: summary"; exit 1; }
grep -q '^ok  *test exec process in first container with correct args: allowed$' "$tmp/out" || {
	cat "$tmp/out"; echo "FAIL: case line"; exit 1; }

# Flip the expectation of the 3rd case (an allowed exec).
python3 - "$cases" "$tmp/flipped.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c[2]["allowed"] = False
json.dump(c, open(sys.argv[2], "w"))
PY
rc=0
"$contrast" policy check --policy "$tmp/policy.rego" --cases "$tmp/flipped.json" >"$tmp/out2" || rc=$?
[ "$rc" = 1 ] || { cat "$tmp/out2"; echo "FAIL: mismatch exit $rc, want 1"; exit 1; }
grep -q '^MISMATCH test exec process in first container with correct args: allowed, want denied' "$tmp/out2" || {
	cat "$tmp/out2"; echo "FAIL: mismatch line"; exit 1; }
grep -q '^17 passed, 1 failed$' "$tmp/out2" || { cat "$tmp/out2"; echo "FAIL: summary 2"; exit 1; }

rc=0
"$contrast" policy check --policy "$tmp/policy.rego" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || { echo "FAIL: usage exit $rc, want 2"; exit 1; }
printf 'package agent_policy\nx if {' >"$tmp/bad.rego"
rc=0
"$contrast" policy check --policy "$tmp/bad.rego" --cases "$cases" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || { echo "FAIL: bad policy exit $rc, want 2"; exit 1; }
echo "ok"
