#!/usr/bin/env bash
# demo_app_test.sh - the example guestbook's mesh mTLS, with certificates
# made by the openssl CLI in the layout contrast-initializer writes:
# mesh peers are served, callers without a mesh certificate get 403, and
# callers with a certificate from another CA fail the handshake.
# Usage: demo_app_test.sh BUILD_ROOT. Prints TAP.
set -uo pipefail
B=${1:?build root}
APP=$B/cmd/contrast-demo-app/contrast-demo-app
T=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "$0")/tap.sh"

# --- a root CA, a mesh CA (self-signed + intermediate with the same key),
# leaves for web, store and a client; a foreign CA and its leaf.
cd "$T"
ossl() { openssl "$@" 2>/dev/null; }
ec() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1"; }
ec root.key; ec mesh.key; ec foreign.key
ossl req -x509 -new -key root.key -subj /CN=root -days 2 -out root.pem \
	-addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign
ossl req -x509 -new -key mesh.key -subj /CN=mesh -days 2 -out mesh-ca.pem \
	-addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign
ossl req -new -key mesh.key -subj /CN=mesh -out mesh.csr
printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign\n' > ca.ext
ossl x509 -req -in mesh.csr -CA root.pem -CAkey root.key -CAcreateserial -days 2 \
	-extfile ca.ext -out mesh-int.pem
ossl req -x509 -new -key foreign.key -subj /CN=foreign -days 2 -out foreign-ca.pem \
	-addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign
printf 'extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1\n' > leaf.ext
leaf() { # name ca-cert ca-key [intermediate]
	mkdir -p "$1"
	ec "$1/key.pem"
	ossl req -new -key "$1/key.pem" -subj "/CN=$1" -out "$1.csr"
	ossl x509 -req -in "$1.csr" -CA "$2" -CAkey "$3" -CAcreateserial -days 2 \
		-extfile leaf.ext -out "$1/leaf.pem"
	cat "$1/leaf.pem" ${4:+"$4"} > "$1/certChain.pem"
	cp mesh-ca.pem "$1/mesh-ca.pem"
}
leaf web mesh-int.pem mesh.key mesh-int.pem
leaf store mesh-int.pem mesh.key mesh-int.pem
leaf client mesh-int.pem mesh.key mesh-int.pem
leaf stranger foreign-ca.pem foreign.key
check "openssl builds the mesh chain" quiet openssl verify -CAfile mesh-ca.pem -untrusted mesh-int.pem web/leaf.pem

start() { # name args... ; sets PORT
	local name=$1; shift
	exec {fd}< <(exec "$APP" "$@" 2>"$T/$name.log")
	pids+=($!)
	local line=""
	read -r -t 20 line <&"$fd" || true
	PORT=${line#ready port=}
	[[ $line == "ready port="* ]]
}
check "store starts" start store store --tls-dir store --listen 127.0.0.1:0 --stats store.stats
STORE_PORT=$PORT
check "web starts" start web web --tls-dir web --listen 127.0.0.1:0 \
	--store "https://127.0.0.1:$STORE_PORT" --stats web.stats
WEB_PORT=$PORT

check "a mesh client signs the guestbook through web" quiet "$APP" call --tls-dir client "https://127.0.0.1:$WEB_PORT/sign" \
	--post '{"name":"alice","message":"hello"}'
out=$("$APP" call --tls-dir client "https://127.0.0.1:$WEB_PORT/" 2>&1)
check "web returns the store's entries, written via web's identity" \
	grep -q '"message":"hello","via":"web"' <<<"$out"
check "web sees the client's identity" grep -q '"peer":"client"' <<<"$out"
# contrast-demo-app always presents its certificate: curl plays the caller
# without one.
code=$(curl -sk -o /dev/null -w '%{http_code}' --tlsv1.3 "https://127.0.0.1:$STORE_PORT/entries")
check "no client certificate: 403 (got $code)" test "$code" = 403
check "call --anonymous (no client certificate) is refused" \
	bash -c "! '$APP' call --anonymous --tls-dir '$T/client' https://127.0.0.1:$STORE_PORT/entries >/dev/null 2>&1"
check "the stats file defaults to \$CONTRAST_STATS_FILE" bash -c "
	CONTRAST_STATS_FILE='$T/env.stats' '$APP' call --tls-dir '$T/client' https://127.0.0.1:$STORE_PORT/entries >/dev/null 2>&1
	CONTRAST_STATS_FILE='$T/env.stats' timeout 5 '$APP' store --tls-dir '$T/store' --listen 127.0.0.1:0 >/dev/null 2>&1 &
	for i in \$(seq 50); do [ -s '$T/env.stats' ] && break; sleep 0.1; done; kill %1 2>/dev/null; wait; test -s '$T/env.stats'"
check "a certificate from another CA is refused in the handshake" \
	bash -c "! '$APP' call --tls-dir '$T/stranger' https://127.0.0.1:$STORE_PORT/entries >/dev/null 2>&1"
check "web refuses a server cert from another CA as its store" bash -c "
	exec {fd}< <(exec '$APP' store --tls-dir '$T/stranger' --listen 127.0.0.1:0 2>/dev/null)
	read -r -t 20 line <&\$fd; p=\${line#ready port=}
	! '$APP' call --tls-dir '$T/client' https://127.0.0.1:\$p/whoami >/dev/null 2>&1
	rc=\$?; kill \$! 2>/dev/null; exit \$rc"
check "the store counted served and refused requests" \
	grep -qE '"served":[1-9][0-9]*,"refused":[1-9]' store.stats
check "bad usage exits 2" bash -c "'$APP' web --tls-dir web >/dev/null 2>&1; [ \$? -eq 2 ]"
check "a missing tls dir is named" bash -c "'$APP' store --tls-dir /nonexistent --listen 127.0.0.1:0 2>&1 | grep -q nonexistent"
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
pids=()
check "graceful shutdown writes final stats" grep -q '"service":"web"' web.stats
tap_done
