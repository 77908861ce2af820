#!/usr/bin/env python3
"""coordinator_test.py - the Coordinator and `contrast set|verify|recover`
end to end on 127.0.0.1 with the simulated SEV-SNP platform.

Starts `contrast-snp-sim launch` (one simulated VM whose HOSTDATA is the
Coordinator's policy hash) and `contrast-coordinator` as subprocesses on
free ports, waiting on their readiness lines (never sleeping), then:
set -> verify -> owner update -> stranger refused -> restart -> sealed
(412) -> wrong seed refused -> recover -> verify (history chain + signed
head); a Coordinator with the wrong measurement or the wrong policy is
refused by set and verify; `openssl s_client` sees the evidence extension;
oversized and malformed requests (JSON and HTTP) get 4xx; metrics count
attestations by reason and latencies by API; and
kill -9 at random points during 200 updates never corrupts the history.

Usage: coordinator_test.py BUILD_ROOT. Prints TAP. Standard library only;
keys and certificates come from the openssl CLI.
"""
import base64
import gzip
import hashlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

BUILD = os.path.abspath(sys.argv[1])
CONTRAST = os.path.join(BUILD, "cmd/contrast/contrast")
COORD = os.path.join(BUILD, "cmd/contrast-coordinator/contrast-coordinator")
SIM = os.path.join(BUILD, "cmd/contrast-snp-sim/contrast-snp-sim")
T = tempfile.mkdtemp(prefix="ct-coord-")
ENV = dict(os.environ, CONTRAST_ALLOW_SIMULATED="1", CONTRAST_SIM_RSA_BITS="2048",
           CONTRAST_COORDINATOR_WAIT_SECONDS="10")
ENV.pop("CONTRAST_EVIDENCE_PROVIDER", None)  # the no-device case must auto-detect
PROCS = []
N = 0
FAILED = 0
READY_TIMEOUT = 30


def tap(ok, name, detail=""):
    global N, FAILED
    N += 1
    if not ok:
        FAILED += 1
    print(("ok" if ok else "not ok"), N, "-", name, flush=True)
    if not ok and detail:
        for line in str(detail).splitlines()[-15:]:
            print("#", line, flush=True)
    return ok


def run(*args, cwd=T, check=False):
    p = subprocess.run(list(args), cwd=cwd, env=ENV, capture_output=True, text=True,
                       timeout=120)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed: %s%s" % (args[0], p.stdout, p.stderr))
    return p


def openssl(*args):
    return subprocess.run(["openssl", *args], cwd=T, check=True,
                          capture_output=True).stdout


def start(args, prefix, log):
    """Starts a daemon and waits for its readiness line on stdout."""
    logf = open(os.path.join(T, log), "ab")
    p = subprocess.Popen(args, cwd=T, env=ENV, stdout=subprocess.PIPE, stderr=logf)
    PROCS.append(p)
    got = []

    def reader():
        got.append(p.stdout.readline().decode())
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    th.join(READY_TIMEOUT)
    line = got[0] if got else ""
    if not line.startswith(prefix):
        raise RuntimeError("%s did not become ready (got %r); log:\n%s" %
                           (args[0], line, open(os.path.join(T, log)).read()[-2000:]))
    return p, line.strip()


def stop(p, sig=signal.SIGTERM):
    if p.poll() is None:
        p.send_signal(sig)
    try:
        return p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


# ------------------------------------------------------------- fixtures

def initdata(name):
    toml = ('version = "0.1.0"\nalgorithm = "sha256"\n[data]\n"policy.rego" = """\n'
            'package agent_policy\n# %s\ndefault CreateContainerRequest := true\n"""\n' % name)
    raw = toml.encode()
    return raw, hashlib.sha256(raw).hexdigest()


def pod_yaml(name, raw, role=None):
    ann = base64.b64encode(gzip.compress(raw, mtime=0)).decode()
    lines = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: %s" % name,
             "spec:", "  template:", "    metadata:", "      annotations:",
             "        io.katacontainers.config.hypervisor.cc_init_data: %s" % ann]
    if role:
        lines.append("        contrast.edgeless.systems/pod-role: %s" % role)
    lines += ["    spec:", "      runtimeClassName: contrast-cc",
              "      containers:", "      - name: %s" % name, "        image: busybox"]
    return "\n".join(lines) + "\n"


def write(path, data, mode=0o644):
    full = os.path.join(T, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    os.chmod(full, mode)
    return full


def key_digest(pem):
    der = openssl("pkey", "-in", pem, "-pubout", "-outform", "DER")
    return hashlib.sha256(der).hexdigest()


def pubkey(cert):
    return openssl("x509", "-in", cert, "-noout", "-pubkey")


def rsa_pub_hex(pem):
    return openssl("rsa", "-in", pem, "-RSAPublicKey_out", "-outform", "DER").hex()


def manifest(policies, measurement, ark_pem, owners, seedshare):
    return json.dumps({
        "Policies": {h: {"SANs": [n, "*"], "WorkloadSecretID": "default/" + n,
                         **({"Role": "coordinator"} if n == "coordinator" else {})}
                     for n, h in policies},
        "ReferenceValues": {"snp": [{
            "ProductName": "Simulator",
            "TrustedMeasurement": measurement,
            "MinimumTCB": {"BootloaderVersion": 0, "TEEVersion": 0, "SNPVersion": 0,
                           "MicrocodeVersion": 0},
            "GuestPolicy": {"ABIMajor": 0, "ABIMinor": 0, "SMT": True},
            "SimulatorRootCA": ark_pem}]},
        "WorkloadOwnerKeyDigests": owners,
        "SeedshareOwnerPubKeys": seedshare,
    }, indent=2) + "\n"


# ------------------------------------------------ raw aTLS (unverified)

def atls_request(port, method, path, body=None, ctype="application/json",
                 cert=None, key=None):
    """A request on the user API without verifying the Coordinator (tests
    only): ALPN carries a fresh nonce, the evidence is not checked."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.set_alpn_protocols(["atls:v1:nonce:" + secrets.token_hex(32), "http/1.1"])
    if cert:
        ctx.load_cert_chain(cert, key)
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)
    headers = {"Content-Type": ctype} if body is not None else {}
    try:
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        return r.status, r.read()
    except (ConnectionError, http.client.HTTPException, ssl.SSLError) as e:
        return 0, str(e).encode()
    finally:
        c.close()


def atls_raw(port, data):
    """Raw bytes over aTLS (unverified); what the server answers before it
    closes. For requests http.client will not send (huge Content-Length
    without the body, broken request lines)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.set_alpn_protocols(["atls:v1:nonce:" + secrets.token_hex(32), "http/1.1"])
    out = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
            with ctx.wrap_socket(raw) as s:
                s.sendall(data)
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    out += chunk
                    if b"\r\n\r\n" in out:
                        break
    except (OSError, ssl.SSLError):
        pass
    return out


def plain_request(port, method, path, body=None, ctype="application/json"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": ctype} if body is not None else {}
    try:
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        return r.status, r.read()
    except (ConnectionError, http.client.HTTPException) as e:
        return 0, str(e).encode()
    finally:
        c.close()


# ----------------------------------------------------------------- setup

def sim_launch(name, measurement, host_data):
    sock = os.path.join(T, name + ".sock")
    p, _ = start([SIM, "launch", "--state-dir", os.path.join(T, "sim"), "--socket", sock,
                  "--measurement", measurement, "--host-data", host_data],
                 "ready", name + ".log")
    return p, sock


class Coordinator:
    def __init__(self, sock, state):
        self.sock, self.state = sock, state
        self.start()

    def start(self):
        self.p, line = start([COORD, "--state-dir", self.state, "--evidence", "sim:" + self.sock,
                              "--listen", "127.0.0.1", "--user-port", "0", "--mesh-port", "0",
                              "--attest-port", "0", "--ops-port", "0"],
                             "ready ", "coordinator.log")
        f = dict(kv.split("=") for kv in line.split()[1:])
        self.user, self.attest, self.ops = int(f["user"]), int(f["attest"]), int(f["ops"])
        self.addr = "127.0.0.1:%d" % self.user


def main():
    print("TAP version 13", flush=True)
    for b in (CONTRAST, COORD, SIM):
        if not os.access(b, os.X_OK):
            print("1..0 # SKIP %s not built" % b)
            return 0
    for args, want in (([CONTRAST, "set", "--help"], 0), ([CONTRAST, "verify", "--help"], 0),
                       ([CONTRAST, "recover", "--help"], 0), ([COORD, "--help"], 0),
                       ([CONTRAST, "set"], 2), ([CONTRAST, "verify", "-c", "x:1", "extra"], 2),
                       ([COORD], 2), ([COORD, "--user-port", "70000"], 2),
                       # No --evidence and no TEE device here: names what it tried.
                       ([COORD, "--state-dir", os.path.join(T, "nodev")], 1)):
        p = run(*args)
        tap(p.returncode == want and (want != 0 or "usage:" in p.stdout) and
            (want != 1 or "no evidence provider found: tried configfs-tsm" in p.stderr),
            "%s -> exit %d" % (" ".join(os.path.basename(a) for a in args), want),
            p.stdout + p.stderr)
    ark = run(SIM, "init", "--state-dir", os.path.join(T, "sim"), check=True).stdout.strip()
    ark = ark.split()[-1] if ark else os.path.join(T, "sim", "ark.pem")
    ark_pem = open(ark).read()

    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384",
            "-out", "workload-owner.pem")
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384",
            "-out", "stranger.pem")
    openssl("genrsa", "-traditional", "-out", "seedshare-owner.pem", "4096")
    openssl("genrsa", "-traditional", "-out", "other-seedshare.pem", "4096")
    owners = [key_digest("workload-owner.pem")]
    seedshare = [rsa_pub_hex("seedshare-owner.pem")]

    meas = secrets.token_hex(48)
    c_raw, c_hash = initdata("coordinator")
    w_raw, w_hash = initdata("web")
    x_raw, x_hash = initdata("store")
    write("deploy/coordinator.yml", pod_yaml("coordinator", c_raw, "coordinator"))
    write("deploy/web.yml", pod_yaml("web", w_raw))
    write("deploy2/coordinator.yml", pod_yaml("coordinator", c_raw, "coordinator"))
    write("deploy2/web.yml", pod_yaml("web", w_raw))
    write("deploy2/store.yml", pod_yaml("store", x_raw))
    m1 = manifest([("coordinator", c_hash), ("web", w_hash)], meas, ark_pem, owners, seedshare)
    m2 = manifest([("coordinator", c_hash), ("web", w_hash), ("store", x_hash)], meas,
                  ark_pem, owners, seedshare)
    write("manifest.json", m1)
    write("m2.json", m2)
    write("m2-seedshare.json", manifest([("coordinator", c_hash), ("web", w_hash),
                                         ("store", x_hash)], meas, ark_pem, owners,
                                        seedshare + [rsa_pub_hex("other-seedshare.pem")]))

    sim_p, sock = sim_launch("vm-coordinator", meas, c_hash)
    coord = Coordinator(sock, os.path.join(T, "state"))

    # --- first set (trust on first use) and verify
    code, body = plain_request(coord.ops, "GET", "/probe/readiness")
    tap(code == 503, "not ready before the first manifest (got %d)" % code,
        "coordinator exit status %s" % coord.p.poll())
    code, body = atls_request(coord.user, "GET", "/v1/manifests")
    tap(code == 412 and b"no manifest" in body, "GetManifests before set: 412", body)
    p = run(CONTRAST, "set", "-c", coord.addr, "-m", "manifest.json", "deploy")
    tap(p.returncode == 0, "contrast set: first manifest", p.stdout + p.stderr)
    shares = os.path.join(T, "seed-shares.json")
    tap(os.path.exists(shares) and (os.stat(shares).st_mode & 0o777) == 0o600 and
        os.path.exists(os.path.join(T, "coordinator-root-ca.pem")) and
        os.path.exists(os.path.join(T, "mesh-ca.pem")),
        "set writes coordinator-root-ca.pem, mesh-ca.pem, seed-shares.json (0600)")
    sc = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % coord.user,
                         "-tls1_3", "-alpn", "atls:v1:nonce:" + secrets.token_hex(32)],
                        input=b"", capture_output=True, timeout=60)
    x = subprocess.run(["openssl", "x509", "-noout", "-text"], input=sc.stdout,
                       capture_output=True, timeout=60)
    tap(b"1.3.9901.2.1" in x.stdout and b"TLSv1.3" in sc.stdout,
        "openssl s_client: TLS 1.3, certificate with the SNP evidence extension",
        (sc.stdout[-600:] + x.stdout[-600:] + x.stderr).decode(errors="replace"))
    root1 = pubkey("coordinator-root-ca.pem")
    mesh1 = pubkey("mesh-ca.pem")
    code, _ = plain_request(coord.ops, "GET", "/probe/readiness")
    tap(code == 200, "ready after the first manifest (got %d)" % code)
    p = run(CONTRAST, "verify", "-c", coord.addr, "-m", "manifest.json")
    tap(p.returncode == 0 and
        open(os.path.join(T, "verify/manifest.0.json")).read() == m1 and
        os.path.exists(os.path.join(T, "verify/policy.%s.rego" % c_hash)),
        "contrast verify: writes verify/ and matches", p.stdout + p.stderr)
    p = run(CONTRAST, "verify", "-c", coord.addr, "-m", "m2.json")
    tap(p.returncode == 1 and "differs" in p.stderr,
        "verify fails when the active manifest differs", p.stdout + p.stderr)

    # --- updates: owner yes, stranger / nobody no, seedshare owners frozen
    p = run(CONTRAST, "set", "-c", coord.addr, "-m", "m2.json",
            "--workload-owner-key", "stranger.pem", "deploy2")
    tap(p.returncode == 1 and "403" in p.stderr and "trusted workload owner" in p.stderr,
        "update with a stranger's key refused", p.stdout + p.stderr)
    os.rename(os.path.join(T, "workload-owner.pem"), os.path.join(T, "wo.pem"))
    p = run(CONTRAST, "set", "-c", coord.addr, "-m", "m2.json", "deploy2")
    tap(p.returncode == 1 and "--workload-owner-key" in p.stderr,
        "update without a key refused with a hint", p.stdout + p.stderr)
    os.rename(os.path.join(T, "wo.pem"), os.path.join(T, "workload-owner.pem"))
    # m2-seedshare.json is m2.json plus a seedshare owner, sent with the
    # owner's key: only the seedshare rule can refuse it (the file name must
    # not be what matches, nor a workload-owner refusal).
    p = run(CONTRAST, "set", "-c", coord.addr, "-m", "m2-seedshare.json", "deploy2")
    tap(p.returncode == 1 and "http 403: update refused: SeedshareOwnerPubKeys: seedshare "
        "owners cannot change after the first manifest" in p.stderr and
        "workload owner key" not in p.stderr,
        "update changing the seedshare owners refused", p.stdout + p.stderr)
    p = run(CONTRAST, "set", "-c", coord.addr, "-m", "m2.json", "deploy")
    tap(p.returncode == 1 and "policy count mismatch" in p.stderr,
        "set refuses YAML that lacks a manifest policy", p.stdout + p.stderr)
    p = run(CONTRAST, "set", "-c", coord.addr, "-m", "m2.json",
            "--workload-owner-key", "workload-owner.pem", "deploy2")
    tap(p.returncode == 0 and "Seed shares" not in p.stdout,
        "update by the workload owner", p.stdout + p.stderr)
    tap(pubkey("coordinator-root-ca.pem") == root1 and pubkey("mesh-ca.pem") != mesh1,
        "update keeps the root CA key and makes a new mesh CA key")
    p = run(CONTRAST, "verify", "-c", coord.addr, "-m", "m2.json")
    tap(p.returncode == 0 and os.path.exists(os.path.join(T, "verify/manifest.1.json")) and
        not os.path.exists(os.path.join(T, "verify/manifest.2.json")),
        "verify after the update: two manifests (the refused ones left none)",
        p.stdout + p.stderr)

    # --- missing policy document, oversized and malformed requests
    req = json.dumps({"manifest": base64.b64encode(m2.encode()).decode(),
                      "policies": [base64.b64encode(c_raw).decode()]})
    code, body = atls_request(coord.user, "POST", "/v1/manifest", req, cert=None)
    tap(code in (400, 403), "a manifest without all policy documents is refused (%d)" % code,
        body)
    big = b'{"manifest":"' + b"A" * (17 << 20) + b'"}'
    code, _ = atls_request(coord.user, "POST", "/v1/manifest", big)
    tap(code == 413 or code == 0, "oversized manifest request refused (%d)" % code)
    got = atls_raw(coord.user, b"POST /v1/manifest HTTP/1.1\r\nHost: c\r\n"
                   b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                   % (17 << 20))
    tap(got.startswith(b"HTTP/1.1 413"),
        "oversized Content-Length answered 413 before the body", got[:200])
    for raw in (b"GARBAGE\r\n\r\n", b"GET /v1/manifests HTTP/1.1\r\nHost: c\r\n"
                b"X-Long: " + b"a" * (20 << 10) + b"\r\n\r\n"):  # > 16 KiB
        got = atls_raw(coord.user, raw)
        tap(got.startswith(b"HTTP/1.1 4"),
            "malformed HTTP %r: 4xx, never a crash (%r)" % (raw[:16], got[9:12]),
            got[:200])
    tap(coord.p.poll() is None, "the Coordinator survived the malformed requests")
    for bad in (b"{", b"[]", b'{"manifest":1}', b'{"manifest":"!!"}',
                b'{"manifest":"e30=","policies":[],"x":1}', b"\xff\xfe"):
        code, body = atls_request(coord.user, "POST", "/v1/manifest", bad)
        tap(code == 400, "malformed set request %r -> 400 (%d)" % (bad[:20], code), body)
    code, _ = atls_request(coord.user, "POST", "/v1/manifest", b"{}", ctype="text/plain")
    tap(code == 415, "wrong content type -> 415 (%d)" % code)
    code, _ = atls_request(coord.user, "GET", "/nope")
    tap(code == 404, "unknown path -> 404 (%d)" % code)
    code, _ = atls_request(coord.user, "POST", "/v1/recover",
                           json.dumps({"seed": "AA==", "salt": "AA=="}))
    tap(code in (400, 412), "recover with a bad seed size or when active -> 4xx (%d)" % code)
    code, body = plain_request(coord.attest, "POST", "/v1/attest", b'{"nonce":"AAAA"}')
    tap(code == 400, "attest: short nonce -> 400 (%d)" % code, body)
    code, body = plain_request(coord.attest, "POST", "/v1/attest", b"x" * 4096)
    tap(code == 413 or code == 0, "attest: oversized body refused (%d)" % code, body)
    nonce = secrets.token_bytes(32)
    code, body = plain_request(coord.attest, "POST", "/v1/attest",
                               json.dumps({"nonce": base64.b64encode(nonce).decode()}))
    ok = code == 200
    if ok:
        a = json.loads(body)
        ev = base64.b64decode(a["raw_attestation_doc"])
        want = hashlib.sha256(nonce + base64.b64decode(a["latest_transition"]) +
                              hashlib.sha256(base64.b64decode(a["root_ca"])).digest() +
                              hashlib.sha256(base64.b64decode(a["mesh_ca"])).digest()).digest()
        want += bytes(32)
        # The report sits in the evidence DER; REPORT_DATA at offset 0x50.
        i = ev.find(want)
        ok = i > 0 and len(a["manifests"]) == 2
    tap(ok, "attest API: evidence binds nonce, transition and CAs", body[:200])
    code, body = plain_request(coord.ops, "GET", "/metrics")
    tap(code == 200 and b"contrast_coordinator_manifest_generation 2" in body,
        "metrics: manifest generation 2", body[:400])
    tap(b'contrast_coordinator_attestations_total{result="ok"} 1' in body and
        b'contrast_coordinator_attestations_total{result="failed",reason="bad_request"} 1'
        in body and
        re.search(rb'contrast_coordinator_request_duration_us_count\{api="set_manifest"\} '
                  rb'([1-9]\d*)', body) is not None,
        "metrics: attestations by result/reason, request latencies by api", body[-1500:])

    # --- restart: sealed until recovered
    rc = stop(coord.p)
    tap(rc == 0, "SIGTERM: graceful shutdown (exit %s)" % rc)
    coord.start()
    code, body = atls_request(coord.user, "GET", "/v1/manifests")
    tap(code == 412 and b"sealed" in body, "after restart: GetManifests 412 sealed", body)
    code, body = atls_request(coord.user, "POST", "/v1/manifest", req)
    tap(code == 412, "after restart: SetManifest 412 (%d)" % code, body)
    code, body = plain_request(coord.attest, "POST", "/v1/attest",
                               json.dumps({"nonce": base64.b64encode(nonce).decode()}))
    tap(code == 412, "after restart: attest API 412 (%d)" % code, body)
    p = run(CONTRAST, "verify", "-c", coord.addr, "-m", "m2.json")
    tap(p.returncode == 1 and "sealed" in p.stderr, "verify on a sealed Coordinator fails clearly",
        p.stdout + p.stderr)

    # a wrong seed (encrypted correctly to the owner) is refused
    doc = json.load(open(shares))
    pub = openssl("rsa", "-in", "seedshare-owner.pem", "-pubout")
    write("pub.pem", pub)
    write("wrong-seed.bin", secrets.token_bytes(64))
    enc = openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.pem", "-in", "wrong-seed.bin",
                  "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256",
                  "-pkeyopt", "rsa_mgf1_md:sha256",
                  "-pkeyopt", "rsa_oaep_label:" + b"seedshare".hex())
    share_key = [k for k in doc if k.lower().startswith("seedshare")][0]
    doc[share_key][0][[k for k in doc[share_key][0] if "ncrypt" in k][0]] = \
        base64.b64encode(enc).decode()
    write("wrong-shares.json", json.dumps(doc))
    p = run(CONTRAST, "recover", "-c", coord.addr, "-m", "m2.json", "--seed", "wrong-shares.json")
    tap(p.returncode == 1, "recover with a wrong seed refused", p.stdout + p.stderr)
    code, body = atls_request(coord.user, "GET", "/v1/manifests")
    tap(code == 412, "still sealed after the wrong seed (%d)" % code, body)
    p = run(CONTRAST, "recover", "-c", coord.addr, "-m", "m2.json",
            "--seedshare-owner-key", "other-seedshare.pem")
    tap(p.returncode == 1, "recover with a key that holds no share refused", p.stdout + p.stderr)
    p = run(CONTRAST, "recover", "-c", coord.addr, "-m", "m2.json",
            "--seedshare-owner-key", "seedshare-owner.pem", "--seed", "seed-shares.json")
    tap(p.returncode == 0, "contrast recover unseals", p.stdout + p.stderr)
    p = run(CONTRAST, "verify", "-c", coord.addr, "-m", "m2.json")
    tap(p.returncode == 0 and open(os.path.join(T, "verify/manifest.0.json")).read() == m1 and
        open(os.path.join(T, "verify/manifest.1.json")).read() == m2 and
        pubkey("verify/coordinator-root-ca.pem") == root1,
        "after recovery: history intact, chain matches the signed head, same root CA key",
        p.stdout + p.stderr)
    p = run(CONTRAST, "recover", "-c", coord.addr, "-m", "m2.json")
    tap(p.returncode == 1 and "412" in p.stderr, "recover when active: 412", p.stdout + p.stderr)

    # --- a Coordinator with the wrong measurement / the wrong policy
    for name, m, hd, why in (("vm-wrongmeas", secrets.token_hex(48), c_hash, "measurement"),
                             ("vm-wrongpolicy", meas, w_hash, "HOSTDATA")):
        sp, s2 = sim_launch(name, m, hd)
        other = Coordinator(s2, os.path.join(T, "state-" + name))
        p = run(CONTRAST, "set", "-c", other.addr, "-m", "manifest.json", "deploy")
        tap(p.returncode == 1 and why in p.stderr,
            "set refuses a Coordinator with the wrong %s" % why, p.stdout + p.stderr)
        p = run(CONTRAST, "verify", "-c", other.addr, "-m", "manifest.json")
        tap(p.returncode == 1 and why in p.stderr,
            "verify refuses a Coordinator with the wrong %s" % why, p.stdout + p.stderr)
        code, _ = atls_request(other.user, "GET", "/v1/manifests")
        tap(code == 412, "the refused set never reached it (still uninitialised)")
        stop(other.p)
        stop(sp)

    # --- simulated reference values need CONTRAST_ALLOW_SIMULATED=1
    env_save = dict(ENV)
    del ENV["CONTRAST_ALLOW_SIMULATED"]
    p = run(CONTRAST, "verify", "-c", coord.addr, "-m", "m2.json")
    tap(p.returncode == 2 and "CONTRAST_ALLOW_SIMULATED" in p.stderr,
        "the CLI refuses simulated reference values without the variable", p.stderr)
    plain = Coordinator(sock, os.path.join(T, "state-nosim"))
    full = json.dumps({"manifest": base64.b64encode(m1.encode()).decode(),
                       "policies": [base64.b64encode(d).decode() for d in (c_raw, w_raw)]})
    code, body = atls_request(plain.user, "POST", "/v1/manifest", full)
    tap(code == 400 and b"CONTRAST_ALLOW_SIMULATED" in body,
        "the Coordinator refuses simulated reference values without the variable (%d)" % code,
        body)
    stop(plain.p)
    ENV.clear()
    ENV.update(env_save)

    # --- unreachable: bounded wait
    ENV["CONTRAST_COORDINATOR_WAIT_SECONDS"] = "1"
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    p = run(CONTRAST, "verify", "-c", "127.0.0.1:%d" % dead, "-m", "m2.json")
    tap(p.returncode == 1 and "unreachable" in p.stderr, "unreachable: gives up at the deadline",
        p.stderr)
    ENV["CONTRAST_COORDINATOR_WAIT_SECONDS"] = "10"

    # --- kill -9 during 200 updates
    owner_cert = os.path.join(T, "owner-cert.pem")
    openssl("req", "-x509", "-new", "-key", "workload-owner.pem", "-subj", "/CN=owner",
            "-days", "1", "-out", owner_cert)
    docs = [base64.b64encode(d).decode() for d in (c_raw, w_raw, x_raw)]
    policies = [("coordinator", c_hash), ("web", w_hash), ("store", x_hash)]
    done, kills, errors = 0, 0, []
    rnd = random.Random(int.from_bytes(secrets.token_bytes(4), "big"))
    t_end = time.monotonic() + 120
    sent = {}

    def update(i):
        mi = manifest(policies, meas, ark_pem, owners, seedshare).replace(
            '"web", "*"', '"web", "*", "u%d"' % i)
        body = json.dumps({"manifest": base64.b64encode(mi.encode()).decode(),
                           "policies": docs})
        code, _ = atls_request(coord.user, "POST", "/v1/manifest", body,
                               cert=owner_cert, key=os.path.join(T, "workload-owner.pem"))
        return code, mi

    while done < 200 and time.monotonic() < t_end:
        # A run of acknowledged updates, then one whose request is cut by
        # kill -9 at a random moment (handshake, evidence, commit, reply).
        for _ in range(rnd.randint(10, 40)):
            if done >= 200:
                break
            code, mi = update(done)
            if code != 200:
                errors.append("update %d: %s" % (done, code))
                break
            sent[done] = mi
            done += 1
        if errors or done >= 200:
            break
        killer = threading.Timer(rnd.uniform(0.0, 0.05), lambda pp=coord.p: pp.kill())
        killer.start()
        code, mi = update(done)
        killer.join()
        if code == 200:
            sent[done] = mi
            done += 1
        coord.p.wait()
        kills += 1
        coord.start()
        p = run(CONTRAST, "recover", "-c", coord.addr, "-m", "m2.json")
        if p.returncode != 0:
            errors.append("recover: " + p.stderr)
            break
    tap(not errors and done == 200,
        "kill -9 during updates: %d updates, %d kills, every restart recovered" % (done, kills),
        errors)
    # The last acknowledged manifest is active (or one more that was
    # committed but not acknowledged before the kill).
    code, body = atls_request(coord.user, "GET", "/v1/manifests")
    ok = code == 200
    if ok:
        got = json.loads(body)
        hist = [base64.b64decode(x).decode() for x in got["manifests"]]
        chain = bytes(32)
        for mtext in hist:
            chain = hashlib.sha256(hashlib.sha256(mtext.encode()).digest() + chain).digest()
        ok = (chain == base64.b64decode(got["latest_transition"]["transition_hash"]) and
              hist[:2] == [m1, m2] and (done == 0 or sent[done - 1] in hist[-2:]))
        write("final.json", got["manifests"][-1])
    tap(ok, "history after the kills: a complete chain ending at the signed head", body[:300])
    ENV_M = os.path.join(T, "final-manifest.json")
    if ok:
        with open(ENV_M, "w") as f:
            f.write(hist[-1])
        p = run(CONTRAST, "verify", "-c", coord.addr, "-m", ENV_M)
        tap(p.returncode == 0, "contrast verify accepts the history after the kills",
            p.stdout + p.stderr)

    rc = stop(coord.p)
    stop(sim_p)
    tap(rc == 0, "final SIGTERM: exit 0 (%s)" % rc)
    bad = []
    for name in os.listdir(T):
        if name.endswith(".log"):
            text = open(os.path.join(T, name), errors="replace").read()
            if ("Sanitizer" in text or "runtime error:" in text):
                bad.append(name)
    tap(not bad, "no sanitizer reports in the daemons' logs", " ".join(bad))
    print("1..%d" % N, flush=True)
    return 1 if FAILED else 0


if __name__ == "__main__":
    rc = 1
    try:
        rc = main()
    except Exception as e:  # a crash of the harness is a failure, with detail
        tap(False, "harness: %s" % e)
        print("1..%d" % N)
        rc = 1
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()
        if rc == 0 or not os.environ.get("CT_KEEP_TMP"):
            shutil.rmtree(T, ignore_errors=True)
    sys.exit(rc)
