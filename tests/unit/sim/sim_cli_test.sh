#!/usr/bin/env bash
# sim_cli_test.sh - end to end through the real binaries:
#   contrast-snp-sim init -> launch -> contrast attest get -> attest verify
# honest evidence verifies (with --ark and with Simulator reference
# values), every --fault is refused with the reason that names it, usage
# errors exit 2, and SIGTERM removes the socket. TAP output.
#
# Readiness is the "ready socket=PATH" line the simulator prints; we block
# on reading it from a FIFO (no sleeps).
set -u
CONTRAST="$1"
SIM="$2"
TMP=$(mktemp -d /tmp/ct-sim-cli-XXXXXX)
SIM_PID=
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
export CONTRAST_SIM_RSA_BITS=2048
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
	[ -f "$TMP/out" ] && sed 's/^/# /' "$TMP/out" "$TMP/err"
}

# check NAME WANT_RC PATTERN -- command...
check() {
	local name="$1" want="$2" pat="$3"
	shift 4
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" -eq "$want" ] && grep -qE -- "$pat" "$TMP/out" "$TMP/err"; then
		ok "$name"
	else
		not_ok "$name (rc=$rc, want $want, pattern '$pat')"
	fi
}

M=$(printf 'ab%.0s' $(seq 48))
H=$(printf 'cd%.0s' $(seq 32))
RD=00112233445566778899aabbccddeeff
STATE="$TMP/state"
SOCK="$TMP/vm.sock"

# launch [ARGS...]: starts the simulator and waits for its ready line.
launch() {
	rm -f "$TMP/ready"
	mkfifo "$TMP/ready"
	"$SIM" launch --state-dir "$STATE" --socket "$SOCK" --measurement "$M" \
		--host-data "$H" "$@" >"$TMP/ready" 2>>"$TMP/sim.log" &
	SIM_PID=$!
	local line=
	read -r line <"$TMP/ready"
	[ "$line" = "ready socket=$SOCK" ]
}

stop() {
	kill -TERM "$SIM_PID"
	wait "$SIM_PID"
	local rc=$?
	SIM_PID=
	return $rc
}

mkdir -m 0755 "$STATE"
check "init prints the ARK path" 0 "^$STATE/ark.pem$" -- "$SIM" init --state-dir "$STATE" --product Genoa
if [ "$(stat -c %a "$STATE")" = 700 ]; then ok "state dir is 0700"; else not_ok "state dir is 0700"; fi
check "init is idempotent" 0 "^$STATE/ark.pem$" -- "$SIM" init --state-dir "$STATE"
check "init refuses another product" 2 "already initialised for Genoa" -- "$SIM" init --state-dir "$STATE" --product Turin
check "init refuses a bad product" 2 "want Milan, Genoa or Turin" -- "$SIM" init --state-dir "$STATE" --product Rome
check "help" 0 "contrast-snp-sim launch --state-dir" -- "$SIM" --help
check "launch needs the launch context" 2 "are required" -- "$SIM" launch --state-dir "$STATE" --socket "$SOCK"
check "launch refuses a short measurement" 2 "want 96 hex digits" -- "$SIM" launch --state-dir "$STATE" --socket "$SOCK" --measurement abcd --host-data "$H"
check "launch refuses an unknown fault" 2 "unknown fault" -- "$SIM" launch --state-dir "$STATE" --socket "$SOCK" --measurement "$M" --host-data "$H" --fault old-tcb
check "launch refuses a bad TCB" 2 "BL:TEE:SNP:UCODE" -- "$SIM" launch --state-dir "$STATE" --socket "$SOCK" --measurement "$M" --host-data "$H" --tcb 1:2

cat >"$TMP/rv.json" <<JSON
{"ProductName":"Simulator","TrustedMeasurement":"$M",
 "MinimumTCB":{"BootloaderVersion":10,"TEEVersion":0,"SNPVersion":23,"MicrocodeVersion":84}}
JSON

# Honest VM.
if launch; then ok "launch prints ready"; else not_ok "launch prints ready"; fi
check "attest get" 0 "wrote [0-9]+ bytes of evidence from sim" -- "$CONTRAST" attest get --provider "sim:$SOCK" --report-data "$RD" --out "$TMP/ev.der"
check "honest evidence verifies with --ark" 0 "^verified: SEV-SNP report v3 \(Genoa\), signed by VCEK, chain to custom \(simulator\) root" -- "$CONTRAST" attest verify --evidence "$TMP/ev.der" --ark "$STATE/ark.pem" --report-data "$RD" --host-data "$H"
check "honest evidence verifies with Simulator reference values" 0 "^verified" -- env CONTRAST_ALLOW_SIMULATED=1 "$CONTRAST" attest verify --evidence "$TMP/ev.der" --ark "$STATE/ark.pem" --reference-values "$TMP/rv.json"
check "Simulator reference values need CONTRAST_ALLOW_SIMULATED" 1 "set CONTRAST_ALLOW_SIMULATED=1" -- env -u CONTRAST_ALLOW_SIMULATED "$CONTRAST" attest verify --evidence "$TMP/ev.der" --ark "$STATE/ark.pem" --reference-values "$TMP/rv.json"
check "without the simulator root, refused" 1 "snp: chain" -- "$CONTRAST" attest verify --evidence "$TMP/ev.der"
check "other REPORT_DATA refused" 1 "report data mismatch" -- "$CONTRAST" attest verify --evidence "$TMP/ev.der" --ark "$STATE/ark.pem" --report-data ff
check "other HOST_DATA refused" 1 "host data mismatch" -- "$CONTRAST" attest verify --evidence "$TMP/ev.der" --ark "$STATE/ark.pem" --host-data "$(printf 'ee%.0s' $(seq 32))"
check "env selects the provider" 0 "from sim" -- env CONTRAST_EVIDENCE_PROVIDER="sim:$SOCK" "$CONTRAST" attest get --report-data 01 --out "$TMP/ev2.der"
check "get: bad report data" 2 "report-data" -- "$CONTRAST" attest get --provider "sim:$SOCK" --report-data xyz --out "$TMP/x.der"
check "get: too much report data" 2 "report-data" -- "$CONTRAST" attest get --provider "sim:$SOCK" --report-data "$(printf '00%.0s' $(seq 65))" --out "$TMP/x.der"
check "get: unknown provider" 2 "unknown, want configfs-tsm" -- "$CONTRAST" attest get --provider tpm --report-data 01 --out "$TMP/x.der"
check "get: sim needs a path" 2 "want sim:PATH" -- "$CONTRAST" attest get --provider sim --report-data 01 --out "$TMP/x.der"
check "get: missing socket" 1 "No such file" -- "$CONTRAST" attest get --provider "sim:$TMP/none.sock" --report-data 01 --out "$TMP/x.der"
check "get: missing tsm root" 1 "configfs-tsm" -- "$CONTRAST" attest get --provider "configfs-tsm:$TMP/none" --report-data 01 --out "$TMP/x.der"
check "second simulator on a live socket refused" 1 "in use" -- "$SIM" launch --state-dir "$STATE" --socket "$SOCK" --measurement "$M" --host-data "$H"
if stop; then ok "SIGTERM: exit 0"; else not_ok "SIGTERM: exit 0"; fi
if [ ! -e "$SOCK" ]; then ok "SIGTERM removes the socket"; else not_ok "SIGTERM removes the socket"; fi

# Old TCB: its own VCEK (binding holds), below the reference minimum.
launch --tcb 10:0:20:84
check "old TCB: get" 0 "wrote" -- "$CONTRAST" attest get --provider "sim:$SOCK" --report-data "$RD" --out "$TMP/ev-old.der"
stop
check "old TCB refused" 1 "reported TCB SNPVersion=20 below minimum 23" -- env CONTRAST_ALLOW_SIMULATED=1 "$CONTRAST" attest verify --evidence "$TMP/ev-old.der" --ark "$STATE/ark.pem" --reference-values "$TMP/rv.json"

# Every fault that yields a report is refused with its reason.
for f in "debug:guest policy: Debug is set" \
	 "wrong-chip:chip ID mismatch" \
	 "bad-signature:signature invalid" \
	 "vcek-tcb-mismatch:reported TCB does not match the certificate"; do
	name=${f%%:*}
	reason=${f#*:}
	launch --fault "$name"
	check "fault $name: get" 0 "wrote" -- "$CONTRAST" attest get --provider "sim:$SOCK" --report-data "$RD" --out "$TMP/ev-$name.der"
	stop
	check "fault $name refused" 1 "^snp: $reason" -- "$CONTRAST" attest verify --evidence "$TMP/ev-$name.der" --ark "$STATE/ark.pem"
done

# Faults in the transport: no evidence at all.
launch --fault fail
check "fault fail: get refused" 1 "firmware error.*simulated firmware failure" -- "$CONTRAST" attest get --provider "sim:$SOCK" --report-data "$RD" --out "$TMP/ev-fail.der"
stop
if [ ! -e "$TMP/ev-fail.der" ]; then ok "fault fail: nothing written"; else not_ok "fault fail: nothing written"; fi
CONTRAST_SIM_SLOW_MS=3600000 launch --fault slow
check "fault slow: get times out" 1 "no answer within 300 ms" -- env CONTRAST_EVIDENCE_TIMEOUT_MS=300 "$CONTRAST" attest get --provider "sim:$SOCK" --report-data "$RD" --out "$TMP/ev-slow.der"
if stop; then ok "fault slow: SIGTERM stops a delayed answer"; else not_ok "fault slow: SIGTERM stops a delayed answer"; fi

# Turin: v5 reports.
STATE="$TMP/turin"
"$SIM" init --state-dir "$STATE" --product Turin >/dev/null
launch
check "turin: get" 0 "wrote" -- "$CONTRAST" attest get --provider "sim:$SOCK" --report-data "$RD" --out "$TMP/ev-turin.der"
stop
check "turin: verifies as v5" 0 "^verified: SEV-SNP report v5 \(Turin\)" -- "$CONTRAST" attest verify --evidence "$TMP/ev-turin.der" --ark "$STATE/ark.pem"

if ! grep -q "Sanitizer\|runtime error" "$TMP/sim.log"; then ok "simulator logs: no sanitizer reports"; else not_ok "simulator logs: no sanitizer reports"; sed 's/^/# /' "$TMP/sim.log" | head -40; fi

echo "1..$n"
[ "$fails" -eq 0 ]
