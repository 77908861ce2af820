#!/usr/bin/env bash
# cli_test.sh - `contrast attest inspect|verify`: exit codes (0 verified,
# 1 one line per failed check, 2 usage/unreadable) and messages, on the
# real vectors and on adversarial inputs. TAP output.
set -u
BIN="$1"
FAKE="$2"
D="${CT_TEST_DATA:?}/snp"
AT=2026-06-01T00:00:00Z
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
fails=0

# check NAME WANT_RC GREP_PATTERN -- command...
check() {
	local name="$1" want="$2" pat="$3"
	shift 4
	n=$((n + 1))
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -qE -- "$pat" "$TMP/out" "$TMP/err"; then
		echo "not ok $n - $name (rc=$rc, want $want, pattern '$pat')"
		sed 's/^/# /' "$TMP/out" "$TMP/err"
		fails=$((fails + 1))
	else
		echo "ok $n - $name"
	fi
}

V() { "$BIN" attest verify "$@"; }

for v in milan-v2-virtee milan-v3-ms milan-v3-azure-a genoa-v3-ms; do
	check "$v verifies" 0 '^verified' -- V --report "$D/reports/$v/report.bin" --vcek "$D/reports/$v/vcek.der" --at $AT
done
check "reissued VCEK verifies" 0 '^verified' -- V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/vcek-reissued.pem" --at $AT
check "genoa with explicit product" 0 '^verified: SEV-SNP report v3 \(Genoa\)' -- V --report "$D/reports/genoa-v3-ms/report.bin" --vcek "$D/reports/genoa-v3-ms/vcek.pem" --product Genoa --at $AT
check "debug policy refused" 1 '^snp: guest policy: Debug is set' -- V --report "$D/reports/milan-v2-gsg/report.bin" --vcek "$D/reports/milan-v2-gsg/vcek.der" --at $AT
check "evidence with full table" 0 '^verified' -- V --evidence "$D/evidence/genoa-v3-ms.der" --at $AT
check "evidence with VCEK only" 0 '^verified' -- V --evidence "$D/evidence/milan-v3-ms.der" --at $AT
check "cert table file" 0 '^verified' -- V --report "$D/reports/genoa-v3-ms/report.bin" --cert-table "$D/evidence/genoa-v3-ms.certtable" --at $AT
check "KDS cert_chain bundles as --ask/--ark" 0 '^verified.*AMD root' -- V --report "$D/reports/genoa-v3-ms/report.bin" --vcek "$D/reports/genoa-v3-ms/vcek.der" --ask "$D/amd-roots/genoa/cert_chain_vcek.pem" --ark "$D/amd-roots/genoa/cert_chain_vcek.pem" --at $AT
check "genoa report against milan roots" 1 'product mismatch: report CPUID is Genoa, want Milan' -- V --report "$D/reports/genoa-v3-ms/report.bin" --vcek "$D/reports/genoa-v3-ms/vcek.der" --product Milan --at $AT
check "ASK of another product" 1 'intermediate is CN=SEV-Genoa, want CN=SEV-Milan' -- V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --ask "$D/amd-roots/genoa/ask.der" --at $AT
check "VCEK of another chip" 1 '^snp: chip ID mismatch' -- V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-azure-a/vcek.der" --at $AT
check "expired at 2050" 1 'not valid at 2050-01-01T00:00:00Z' -- V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at 2050-01-01T00:00:00Z

# Mutations of a real report.
cp "$D/reports/milan-v3-ms/report.bin" "$TMP/flip.bin"
printf '\x01' | dd of="$TMP/flip.bin" bs=1 seek=$((0x90)) conv=notrunc status=none
check "flipped measurement bit" 1 '^snp: signature invalid' -- V --report "$TMP/flip.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at $AT
cp "$D/reports/milan-v3-ms/report.bin" "$TMP/sig.bin"
printf '\x00' | dd of="$TMP/sig.bin" bs=1 seek=$((0x2A0)) conv=notrunc status=none
check "flipped signature" 1 '^snp: signature invalid' -- V --report "$TMP/sig.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at $AT
cp "$D/reports/milan-v3-ms/report.bin" "$TMP/tail.bin"
printf '\x01' | dd of="$TMP/tail.bin" bs=1 seek=$((0x330)) conv=notrunc status=none
check "reserved unsigned byte: shown, not fatal" 0 'note: non-zero reserved signature bytes' -- V --report "$TMP/tail.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at $AT
head -c 1183 "$D/reports/milan-v3-ms/report.bin" >"$TMP/short.bin"
check "truncated report" 1 '^snp: report size: got 1183 bytes, want 1184' -- V --report "$TMP/short.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at $AT
{ cat "$D/reports/milan-v3-ms/report.bin"; printf 'x'; } >"$TMP/long.bin"
check "over-long report" 1 '^snp: report size: got 1185 bytes' -- V --report "$TMP/long.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at $AT
head -c 600 "$D/evidence/genoa-v3-ms.der" >"$TMP/ev.der"
check "truncated evidence" 1 'snp evidence' -- V --evidence "$TMP/ev.der" --at $AT

# Expected values: every failed check on its own line.
RD=$(printf '%0128d' 1)
check "report data mismatch" 1 '^snp: report data mismatch: got 0{128}, want 0{127}1' -- V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at $AT --report-data "$RD"
check "host data mismatch" 1 '^snp: host data mismatch: got 4f4448c6' -- V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at $AT --host-data "$(printf '%064d' 0)"
check "host data matches" 0 '^verified' -- V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at $AT --host-data 4f4448c67f3c8dfc8de8a5e37125d807dadcc41f06cf23f615dbd52eec777d10 --report-data 00
n=$((n + 1))
V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at $AT --report-data 01 --host-data "$(printf '%064d' 0)" >"$TMP/out"
if [ "$?" -eq 1 ] && [ "$(wc -l <"$TMP/out")" -eq 2 ]; then echo "ok $n - two failed checks, two lines"; else echo "not ok $n - two failed checks, two lines"; fails=$((fails + 1)); fi

cat >"$TMP/rv.json" <<JSON
{"ProductName": "Milan",
 "TrustedMeasurement": "5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887920ab2fa0096903a0c23fca1",
 "MinimumTCB": {"BootloaderVersion": 4, "TEEVersion": 0, "SNPVersion": 24, "MicrocodeVersion": 219},
 "GuestPolicy": {"SMT": true, "Debug": false},
 "PlatformInfo": {"SMTEnabled": true}}
JSON
check "reference values hold" 0 '^verified' -- V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at $AT --reference-values "$TMP/rv.json"
sed 's/"SNPVersion": 24/"SNPVersion": 25/; s/5feee30d/00000000/' "$TMP/rv.json" >"$TMP/rv2.json"
check "TCB below minimum" 1 '^snp: reported TCB SNPVersion=24 below minimum 25' -- V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at $AT --reference-values "$TMP/rv2.json"
check "wrong measurement" 1 '^snp: measurement mismatch: got 5feee30d.*, want 00000000' -- V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at $AT --reference-values "$TMP/rv2.json"
sed 's/"Milan"/"Simulator"/' "$TMP/rv.json" >"$TMP/rv3.json"
check "simulated values need opt-in" 1 'CONTRAST_ALLOW_SIMULATED=1' -- env -u CONTRAST_ALLOW_SIMULATED "$BIN" attest verify --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at $AT --reference-values "$TMP/rv3.json"
echo '{"ProductName": "Milan"}' >"$TMP/rv4.json"
check "bad reference values" 2 'TrustedMeasurement: missing' -- V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --reference-values "$TMP/rv4.json"

# Simulator-like evidence from a self-made (test-only) chain.
"$FAKE" "$TMP" || { echo "Bail out! attest_fake_evidence failed"; exit 1; }
check "self-made ARK in cert table refused" 1 'cert table ARK \(CN=ARK-Turin\) is not the trusted Turin root' -- V --evidence "$TMP/evidence.der" --at $AT
check "self-made chain without ARK refused" 1 '^snp: chain: ASK signature invalid: SEV-Turin is not signed by ARK-Turin' -- V --evidence "$TMP/noark.der" --at $AT
check "trusted custom root (--ark)" 0 '^verified: SEV-SNP report v5 \(Turin\).*custom \(simulator\) root' -- V --evidence "$TMP/evidence.der" --ark "$TMP/ark.pem" --at $AT
check "custom root, VMPL 1" 1 '^snp: VMPL mismatch: got 1, want 0' -- V --evidence "$TMP/vmpl1.der" --ark "$TMP/ark.pem" --at $AT
check "custom root, debug" 1 '^snp: guest policy: Debug is set' -- V --evidence "$TMP/debug.der" --ark "$TMP/ark.pem" --at $AT
check "custom root, host data" 1 '^snp: host data mismatch: got 2222' -- V --evidence "$TMP/evidence.der" --ark "$TMP/ark.pem" --at $AT --host-data "$(printf '%064d' 0)"
check "simulated refvals refused without opt-in" 1 'CONTRAST_ALLOW_SIMULATED=1' -- env -u CONTRAST_ALLOW_SIMULATED "$BIN" attest verify --evidence "$TMP/evidence.der" --reference-values "$TMP/refvals-sim.json" --at $AT
check "simulated refvals with opt-in" 0 '^verified.*custom \(simulator\) root' -- env CONTRAST_ALLOW_SIMULATED=1 "$BIN" attest verify --evidence "$TMP/evidence.der" --reference-values "$TMP/refvals-sim.json" --at $AT
sed 's/"FMCVersion": 1/"FMCVersion": 2/' "$TMP/refvals-sim.json" >"$TMP/refvals-sim2.json"
check "simulated refvals, FMC below minimum" 1 '^snp: reported TCB FMCVersion=1 below minimum 2' -- env CONTRAST_ALLOW_SIMULATED=1 "$BIN" attest verify --evidence "$TMP/evidence.der" --reference-values "$TMP/refvals-sim2.json" --at $AT
check "real refvals with a custom root" 1 'require AMD.s root, but a custom root is trusted' -- V --evidence "$TMP/evidence.der" --ark "$TMP/ark.pem" --reference-values "$TMP/rv.json" --at $AT
check "CRL revoking the ASK" 1 '^snp: crl: SEV-Turin is revoked' -- V --evidence "$TMP/evidence.der" --ark "$TMP/ark.pem" --crl "$TMP/crl-revoked.der" --at $AT
check "CRL without revocations" 0 '^verified' -- V --evidence "$TMP/evidence.der" --ark "$TMP/ark.pem" --crl "$TMP/crl-empty.pem" --at $AT
check "unreadable CRL" 2 'not a PEM or DER CRL' -- V --evidence "$TMP/evidence.der" --ark "$TMP/ark.pem" --crl "$TMP/ark.pem" --at $AT
check "inspect Turin v5" 0 '^launch_mit_vector' -- "$BIN" attest inspect "$TMP/evidence.der"

# Usage and unreadable input.
check "no arguments" 2 'usage' -- "$BIN" attest
check "report without vcek" 2 'needs --vcek' -- V --report "$D/reports/milan-v3-ms/report.bin"
check "unknown option" 2 'unknown' -- V --report x --vcek y --bogus
check "missing file" 2 'No such file' -- V --report "$TMP/none.bin" --vcek "$D/reports/milan-v3-ms/vcek.der"
check "bad time" 2 'RFC 3339' -- V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --at yesterday
check "bad product" 2 'unknown product' -- V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/vcek.der" --product Naples
check "garbage vcek" 2 'x509' -- V --report "$D/reports/milan-v3-ms/report.bin" --vcek "$D/reports/milan-v3-ms/report.bin"

# inspect.
check "inspect text" 0 '^measurement +5feee30d6d7e1a29' -- "$BIN" attest inspect "$D/reports/milan-v3-ms/report.bin"
check "inspect json" 0 '"reported_tcb"' -- "$BIN" attest inspect --json "$D/reports/genoa-v3-ms/report.bin"
check "inspect evidence" 0 '^chip_id +b1e24a27' -- "$BIN" attest inspect "$D/evidence/genoa-v3-ms.der"
check "inspect v2 version" 0 '^current_version +1\.52\.4' -- "$BIN" attest inspect "$D/reports/milan-v2-virtee/report.bin"
check "inspect truncated" 2 'report size' -- "$BIN" attest inspect "$TMP/short.bin"

echo "1..$n"
[ "$fails" -eq 0 ]
