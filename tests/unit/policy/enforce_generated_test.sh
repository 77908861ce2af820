#!/bin/sh
# enforce_generated_test.sh CONTRAST DATA_DIR - the end-to-end policy test:
# for every tests/data/genpolicy/<dir>/pod.yaml, `contrast policy generate`
# (offline, from the image store tests/data/oci) makes the policy and
# `contrast policy check` runs that directory's testcases.json against it.
# Every case must get its expected decision. The same for our own cases
# (tests/data/policy/own: pod.yaml + settings.json -> testcases.json;
# tests/data/policy/own-host: privileged, hostPath, seccomp).
# Exit 77 (skip) while the generator is not built yet.
set -u
contrast=$1 data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
store=
[ -d "$data/oci" ] && store="--image-store $data/oci"

fail=0 n=0
for cases in $(find "$data/genpolicy" -name testcases.json | sort); do
	dir=$(dirname "$cases")
	name=${dir#"$data/genpolicy/"}
	extra=
	[ -f "$dir/config_map.yaml" ] && extra="--config-file $dir/config_map.yaml"
	# shellcheck disable=SC2086
	if ! "$contrast" policy generate $store $extra "$dir/pod.yaml" >"$tmp/policy.rego" 2>"$tmp/err"; then
		if grep -q "not available yet" "$tmp/err"; then
			echo "SKIP: contrast policy generate is not built yet"
			exit 77
		fi
		echo "FAIL $name: generate: $(cat "$tmp/err")"
		fail=$((fail + 1))
		continue
	fi
	if "$contrast" policy check --quiet --policy "$tmp/policy.rego" --cases "$cases" >"$tmp/out" 2>&1; then
		echo "ok   $name: $(tail -1 "$tmp/out")"
	else
		echo "FAIL $name:"
		sed 's/^/    /' "$tmp/out"
		fail=$((fail + 1))
	fi
	n=$((n + 1))
done
for own in "$data/policy/own" "$data/policy/own-host"; do
	settings=
	[ -f "$own/settings.json" ] && settings="--settings $own/settings.json"
	# shellcheck disable=SC2086
	if "$contrast" policy generate $settings $store "$own/pod.yaml" \
		>"$tmp/own.rego" 2>"$tmp/err" &&
		"$contrast" policy check --quiet --policy "$tmp/own.rego" --cases "$own/testcases.json" >"$tmp/out" 2>&1; then
		echo "ok   ${own#"$data/"}: $(tail -1 "$tmp/out")"
	else
		echo "FAIL ${own#"$data/"}:"
		sed 's/^/    /' "$tmp/err" "$tmp/out" 2>/dev/null
		fail=$((fail + 1))
	fi
	n=$((n + 1))
done
echo "$n directories, $fail failed"
[ "$fail" = 0 ] && [ "$n" -gt 0 ]
