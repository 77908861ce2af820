#!/usr/bin/env python3
"""Build the small synthetic OCI image layout in tests/data/oci.

Usage: scripts/make-oci-store.py [OUTDIR]   (default: tests/data/oci)
       scripts/make-oci-store.py --example [OUTDIR]   (default: deploy/images)

--example builds the store of Contrast-C's own images instead: the ones
the bundled example application (deploy/examples/guestbook) and local mode
use, so `contrast local up` generates policies without a registry.

Each image is made from tiny synthetic layers (tar + gzip, deterministic:
mtime 0, owner 0) holding only what the generator reads: /etc/passwd and
/etc/group, plus a marker file. The image configs carry the facts the
genpolicy test pods and our Kubernetes apps need (User, Env, Entrypoint,
Cmd, WorkingDir, Volumes). index.json names every manifest with
org.opencontainers.image.ref.name = the reference as written in the YAML,
like `skopeo copy docker://REF oci:DIR:REF` does. Running the script twice
gives byte-identical output.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ROOT_PW = "root:x:0:0:root:/root:/bin/sh\n"
NOBODY_PW = "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"


def layer(files):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name in sorted(files):
            data = files[name].encode()
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode = len(data), 0, 0o644
            t.addfile(ti, io.BytesIO(data))
    tar = raw.getvalue()
    gz = io.BytesIO()
    with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0, filename="") as g:
        g.write(tar)
    return tar, gz.getvalue()


class Store:
    def __init__(self, out):
        self.out = out
        self.index = []
        os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)

    def blob(self, data):
        d = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.out, "blobs", "sha256", d), "wb") as f:
            f.write(data)
        return "sha256:" + d

    def image(self, refs, config, layers):
        diff_ids, descs = [], []
        for files in layers:
            tar, gz = layer(files)
            diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
            descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                          "digest": self.blob(gz), "size": len(gz)})
        cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": config,
                          "rootfs": {"type": "layers", "diff_ids": diff_ids}},
                         sort_keys=True).encode()
        man = json.dumps({"schemaVersion": 2,
                          "mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                     "digest": self.blob(cfg), "size": len(cfg)},
                          "layers": descs}, sort_keys=True).encode()
        md = self.blob(man)
        for ref in refs:
            ref = ref.replace("@SELF", "@" + md)
            self.index.append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "digest": md, "size": len(man),
                               "annotations": {"org.opencontainers.image.ref.name": ref}})

    def finish(self):
        with open(os.path.join(self.out, "oci-layout"), "w") as f:
            f.write('{"imageLayoutVersion": "1.0.0"}')
        with open(os.path.join(self.out, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": self.index}, f, indent=1,
                      sort_keys=True)
            f.write("\n")


EXAMPLE_PW = ROOT_PW + "contrast:x:1000:1000::/home/contrast:/bin/sh\n" + NOBODY_PW
EXAMPLE_GR = "root:x:0:\ncontrast:x:1000:\nnobody:x:65534:\n"


def example(out):
    """Contrast-C's images (facts as their Containerfiles would give)."""
    s = Store(out)
    s.image(["ghcr.io/contrast-c/coordinator:v0.1.0"],
            {"Entrypoint": ["/usr/bin/contrast-coordinator"], "Env": [PATH],
             "WorkingDir": "/"},
            [{"etc/passwd": EXAMPLE_PW, "etc/group": EXAMPLE_GR,
              "usr/bin/contrast-coordinator": "synthetic\n"}])
    s.image(["ghcr.io/contrast-c/initializer:v0.1.0"],
            {"Entrypoint": ["/usr/bin/contrast-initializer"], "Env": [PATH],
             "WorkingDir": "/"},
            [{"etc/passwd": EXAMPLE_PW, "etc/group": EXAMPLE_GR,
              "usr/bin/contrast-initializer": "synthetic\n"}])
    s.image(["ghcr.io/contrast-c/guestbook:v1"],
            {"Entrypoint": ["/usr/bin/contrast-demo-app"], "Env": [PATH],
             "User": "1000:1000", "WorkingDir": "/home/contrast"},
            [{"etc/passwd": EXAMPLE_PW, "etc/group": EXAMPLE_GR,
              "usr/bin/contrast-demo-app": "synthetic\n"}])
    s.finish()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    if len(sys.argv) > 1 and sys.argv[1] == "--example":
        example(sys.argv[2] if len(sys.argv) > 2 else
                os.path.join(here, "..", "deploy", "images"))
        return
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "data", "oci")
    s = Store(out)
    # genpolicy test pods (facts: reference/genpolicy.md §6.4).
    s.image(["registry.k8s.io/pause:3.6"],
            {"User": "65535:65535", "Entrypoint": ["/pause"], "Env": [PATH]},
            [{"pause": "synthetic\n"}])
    s.image(["ghcr.io/burgerdev/weird-images/gid:latest"],
            {"User": "name", "Entrypoint": ["/entrypoint.sh"], "Env": [PATH]},
            [{"etc/passwd": ROOT_PW, "etc/group": "root:x:0:\n"},
             {"etc/passwd": ROOT_PW + "name:x:2:1::/home/name:/bin/sh\n",
              "etc/group": "root:x:0:\ndaemon:x:1:\nname:x:2:name\n",
              "entrypoint.sh": "#!/bin/sh\n"}])
    s.image(["quay.io/kata-containers/test-images/opstree/redis:sha256-"
             "2642c7b07713df6897fa88cbe6db85170690cf3650018ceb2ab16cfa0b4f8d48"],
            {"User": "1000", "Entrypoint": ["/usr/bin/entrypoint.sh"],
             "WorkingDir": "/data", "Env": [PATH, "REDIS_PORT=6379"],
             "Volumes": {"/data": {}, "/node-conf": {}}},
            [{"etc/passwd": ROOT_PW + NOBODY_PW + "redis:x:1000:1000::/data:/bin/sh\n",
              "etc/group": "root:x:0:\nnobody:x:65534:\nredis:x:1000:redis\n"}])
    s.image(["quay.io/prometheus/busybox:latest"],
            {"Cmd": ["sh"], "Env": [PATH]},
            [{"etc/passwd": ROOT_PW + NOBODY_PW,
              "etc/group": "root:x:0:\nwheel:x:10:root\nnobody:x:65534:\n"}])
    # Images of the apps in tests/data/k8s.
    s.image(["docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36@SELF"],
            {"Cmd": ["sh"], "Env": [PATH]},
            [{"etc/passwd": ROOT_PW + NOBODY_PW,
              "etc/group": "root:x:0:\nwheel:x:10:root\nnobody:x:65534:\n"}])
    s.image(["docker.io/library/nginx:1.27"],
            {"Entrypoint": ["/docker-entrypoint.sh"], "Cmd": ["nginx", "-g", "daemon off;"],
             "Env": [PATH, "NGINX_VERSION=1.27.0"]},
            [{"etc/passwd": ROOT_PW + "nginx:x:101:101:nginx:/nonexistent:/bin/false\n",
              "etc/group": "root:x:0:\nnginx:x:101:\n"}])
    s.image(["docker.io/library/postgres:16"],
            {"Entrypoint": ["docker-entrypoint.sh"], "Cmd": ["postgres"],
             "Env": [PATH, "PGDATA=/var/lib/postgresql/data"],
             "Volumes": {"/var/lib/postgresql/data": {}}},
            [{"etc/passwd": ROOT_PW + "postgres:x:999:999::/var/lib/postgresql:/bin/bash\n",
              "etc/group": "root:x:0:\npostgres:x:999:\n"}])
    s.image(["docker.io/library/redis:7"],
            {"Entrypoint": ["docker-entrypoint.sh"], "Cmd": ["redis-server"],
             "WorkingDir": "/data", "Env": [PATH], "Volumes": {"/data": {}}},
            [{"etc/passwd": ROOT_PW + "redis:x:999:1000::/home/redis:/bin/sh\n",
              "etc/group": "root:x:0:\nredis:x:1000:\n"}])
    s.image(["docker.io/library/python:3.12-slim"],
            {"Cmd": ["python3"], "Env": [PATH, "LANG=C.UTF-8"]},
            [{"etc/passwd": ROOT_PW + NOBODY_PW, "etc/group": "root:x:0:\n"}])
    s.image(["ghcr.io/edgelesssys/contrast/initializer:latest"],
            {"Entrypoint": ["/bin/initializer"], "Env": [PATH]}, [{"bin/initializer": "x\n"}])
    s.image(["ghcr.io/edgelesssys/contrast/coordinator:latest"],
            {"Entrypoint": ["/bin/coordinator"], "Env": [PATH]}, [{"bin/coordinator": "x\n"}])
    # The pod of the policy-rules' own cases (tests/data/policy/own).
    s.image(["example.com/shop/app:1.0"],
            {"User": "1000", "Entrypoint": ["/app/server"], "Env": [PATH]}, [{"app/server": "x\n"}])
    s.image(["example.com/shop/init:latest"], {"Env": [PATH]}, [{"bin/sh": "x\n"}])
    # Layer semantics: group membership, and a whiteout that removes it.
    base = {"etc/passwd": ROOT_PW + "app:x:500:500::/home/app:/bin/sh\n",
            "etc/group": "root:x:0:\napp:x:500:app\nextra:x:700:root,app\n"}
    s.image(["example.com/test/groups:1"], {"User": "app", "Cmd": ["run"], "Env": [PATH]},
            [base])
    s.image(["example.com/test/whiteout:1"], {"User": "app", "Cmd": ["run"], "Env": [PATH]},
            [base, {"etc/.wh.group": ""}])
    s.finish()


if __name__ == "__main__":
    main()
