#!/usr/bin/env python3
"""gen_registry_server.py OCI_DIR PORT_FILE MODE - a tiny distribution-v2
registry on 127.0.0.1 for the generator tests, serving the images of an
OCI layout: /v2/<repo>/manifests/<tag|digest> finds the index.json entry
named "docker.io/<repo>:<tag>" (or any blob by digest), /v2/<repo>/blobs/<d>
serves blobs. MODE: "anon"; "bearer" (401 + WWW-Authenticate pointing to
/token, which hands out one token); "tamper" (anon, but every layer blob is
served with one byte flipped); "badpin" (anon, but a manifest asked for by
digest comes with a trailing space). Writes the chosen port to PORT_FILE and
serves until killed.
"""
import http.server
import json
import os
import sys

DIR, PORT_FILE, MODE = sys.argv[1], sys.argv[2], sys.argv[3]
TOKEN = "t0k3n-for-tests"
MANIFEST_TYPES = ("application/vnd.oci.image.manifest.v1+json",
                  "application/vnd.oci.image.index.v1+json")


def blob(d):
    if not d.startswith("sha256:") or "/" in d:
        return None
    p = os.path.join(DIR, "blobs", "sha256", d[7:])
    return open(p, "rb").read() if os.path.exists(p) else None


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body=b"", ctype="application/json", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        port = self.server.server_address[1]
        if self.path.startswith("/token"):
            return self.send(200, json.dumps({"token": TOKEN}).encode())
        if MODE == "bearer" and self.headers.get("Authorization") != "Bearer " + TOKEN:
            realm = "http://127.0.0.1:%d/token" % port
            return self.send(401, b"{}", extra=[(
                "WWW-Authenticate",
                'Bearer realm="%s",service="test",scope="repository:x:pull"' % realm)])
        parts = self.path.split("/")
        if len(parts) < 5 or parts[1] != "v2":
            return self.send(404)
        repo, kind, ref = "/".join(parts[2:-2]), parts[-2], parts[-1]
        if kind == "manifests":
            if ref.startswith("sha256:"):
                body = blob(ref)
                mt = MANIFEST_TYPES[1] if body and b'"manifests"' in body else MANIFEST_TYPES[0]
            else:
                idx = json.load(open(os.path.join(DIR, "index.json")))
                want = "docker.io/%s:%s" % (repo, ref)
                ent = [m for m in idx["manifests"]
                       if m["annotations"]["org.opencontainers.image.ref.name"] == want]
                body = blob(ent[0]["digest"]) if ent else None
                mt = ent[0]["mediaType"] if ent else ""
            if MODE == "badpin" and body is not None and ref.startswith("sha256:"):
                body += b" "  # same JSON, other bytes: must not match the pin
            return self.send(200, body, mt) if body is not None else self.send(404)
        if kind == "blobs":
            body = blob(ref)
            if body is None:
                return self.send(404)
            if MODE == "tamper" and body[:2] == b"\x1f\x8b":
                body = body[:-1] + bytes([body[-1] ^ 1])
            return self.send(200, body, "application/octet-stream")
        return self.send(404)


srv = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
srv.serve_forever()
