#!/usr/bin/env python3
"""attest_bench.py - sets up a Coordinator with a manifest and one simulated
pod VM on 127.0.0.1 (fixtures of tests/integration/mesh_test.py), then runs
coordinator_attest_bench: N initializers at once (default 200, all in
parallel) against the baseline of fetching the same evidence alone.

usage: attest_bench.py BUILD_ROOT [N] [PARALLEL]
Prints the bench's numbers; not a test.
"""
import base64
import http.client
import json
import os
import secrets
import ssl
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
BUILD = os.path.abspath(sys.argv[1])
sys.argv = [sys.argv[0], BUILD] + sys.argv[2:]
import mesh_test as mt  # noqa: E402  (reads sys.argv[1] as the build root)

BENCH = os.path.join(BUILD, "bench/coordinator/coordinator_attest_bench")


def set_manifest(port, manifest, policies):
    """The first (trust-on-first-use) set over aTLS without verifying the
    Coordinator: a bench needs no CLI."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.set_alpn_protocols(["atls:v1:nonce:" + secrets.token_hex(32), "http/1.1"])
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=60)
    body = json.dumps({"manifest": base64.b64encode(manifest.encode()).decode(),
                       "policies": [base64.b64encode(p).decode() for p in policies]})
    c.request("POST", "/v1/manifest", body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    if r.status != 200:
        raise RuntimeError("set manifest: %d %s" % (r.status, r.read()[:300]))
    c.close()


def main():
    n = sys.argv[2] if len(sys.argv) > 2 else "200"
    parallel = sys.argv[3] if len(sys.argv) > 3 else n
    ark = mt.run(mt.SIM, "init", "--state-dir", os.path.join(mt.T, "sim"),
                 check=True).stdout.strip().split()[-1]
    mt.openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384",
               "-out", "workload-owner.pem")
    mt.openssl("genrsa", "-traditional", "-out", "seedshare-owner.pem", "4096")
    meas = secrets.token_hex(48)
    c_raw, c_hash = mt.initdata("coordinator")
    a_raw, a_hash = mt.initdata("pod-a")
    manifest = mt.manifest(
        [(c_hash, {"SANs": ["coordinator"], "Role": "coordinator"}),
         (a_hash, {"SANs": ["pod-a", "127.0.0.1"], "WorkloadSecretID": "default/pod-a"})],
        meas, open(ark).read(), [mt.key_digest("workload-owner.pem")],
        [mt.rsa_pub_hex("seedshare-owner.pem")])
    sims = mt.Sims()
    coord = mt.Coordinator(sims.sock("coordinator", meas, c_hash, "--tcb", mt.GOOD_TCB),
                           os.path.join(mt.T, "state"))
    set_manifest(coord.user, manifest, [c_raw, a_raw])
    sock = sims.sock("pod-a", meas, a_hash, "--tcb", mt.GOOD_TCB)
    p = subprocess.run([BENCH, coord.mesh_addr, "sim:" + sock, n, parallel],
                       capture_output=True, text=True, timeout=600)
    sys.stdout.write(p.stdout + p.stderr)
    return p.returncode


if __name__ == "__main__":
    rc = 1
    try:
        rc = main()
    finally:
        for pr in mt.PROCS:
            mt.stop(pr)
        mt.shutil.rmtree(mt.T, ignore_errors=True)
    sys.exit(rc)
