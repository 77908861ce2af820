# tap.sh - TAP helpers the e2e shell tests source:
#   check NAME CMD...   runs CMD; "ok N - NAME" or "not ok N - NAME"
#   quiet CMD...        CMD with its output discarded
#   tap_done            prints the plan; its status is 1 if a check failed
n=0; failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
quiet() { "$@" >/dev/null 2>&1; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }
tap_done() { echo "1..$n"; [ "$failed" -eq 0 ]; }
