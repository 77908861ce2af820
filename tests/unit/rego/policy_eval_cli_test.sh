#!/bin/sh
# policy_eval_cli_test.sh CONTRAST - `contrast policy eval` end to end:
# modules, data, input files and terms, directories, exit codes, errors.
set -u
C="$1"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
n=0
check() { # name want got
	n=$((n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1: got '$3', want '$2'"
		fail=1
	fi
}

mkdir "$T/dir"
cat > "$T/dir/p.rego" <<'R'
package p

default allow := false

allow if input.user == data.admin

names contains n if some n in data.users
R
echo '{"admin": "alice", "users": ["b", "a"]}' > "$T/dir/d.json"
echo '{"user": "alice"}' > "$T/in.json"
cat > "$T/v0.rego" <<'R'
package q
r[x] { x := 1 }
R
cat > "$T/bad.rego" <<'R'
package p
q if {
R

echo 1..9
out=$("$C" policy eval -d "$T/dir" --input "$T/in.json" 'x := data.p.allow; y := data.p.names')
check "directory, input file" '[{"x":true,"y":["a","b"]}]' "$out"
out=$("$C" policy eval -d "$T/dir/p.rego" --data "$T/dir/d.json" --input-term '{"user": "bob"}' 'x := data.p.allow')
check "module, data, input term" '[{"x":false}]' "$out"
out=$("$C" policy eval 'x := 1; x == 2'); rc=$?
check "undefined is an empty array, exit 0" '[] 0' "$out $rc"
out=$("$C" policy eval --v0 -d "$T/v0.rego" 'x := data.q.r')
check "v0 partial set" '[{"x":[1]}]' "$out"
err=$("$C" policy eval -d "$T/bad.rego" 'true' 2>&1 >/dev/null); rc=$?
case "$err" in *"bad.rego:3:1: rego_parse_error"*) e=yes ;; *) e="$err" ;; esac
check "parse error with location, exit 2" 'yes 2' "$e $rc"
err=$("$C" policy eval --strict-builtin-errors 'x := 1 / 0' 2>&1 >/dev/null); rc=$?
case "$err" in *"eval_builtin_error: div: divide by zero"*) e=yes ;; *) e="$err" ;; esac
check "strict builtin error, exit 2" 'yes 2' "$e $rc"
out=$("$C" policy eval 'x := 1 / 0'); rc=$?
check "non-strict builtin error is undefined" '[] 0' "$out $rc"
"$C" policy eval --help | grep -q 'usage: contrast policy eval'; rc=$?
check "help" '0' "$rc"
"$C" policy eval --bogus 'true' 2>/dev/null; rc=$?
check "unknown option" '2' "$rc"
exit $fail
