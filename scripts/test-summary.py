#!/usr/bin/env python3
"""Summarise meson test logs of one or more build dirs.

Counts TAP subtests (each `ok`/`not ok` line) for TAP tests and one case for
other tests, lists every failure with its build and name, and prints the
closing line `N passed, N failed` that CI reads.
"""
import json
import re
import sys

passed = failed = skipped = 0
failures = []
for build in sys.argv[1:]:
    try:
        lines = open(f"{build}/meson-logs/testlog.json").read().splitlines()
    except OSError:
        failures.append(f"{build}: no test log (build failed?)")
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        ok_lines = re.findall(r"^(ok|not ok)\b(.*)$", t.get("stdout") or "", re.M)
        if ok_lines and re.search(r"^1\.\.\d+", t.get("stdout") or "", re.M):
            for verdict, rest in ok_lines:
                if "# SKIP" in rest:
                    skipped += 1
                elif verdict == "ok":
                    passed += 1
                else:
                    failed += 1
                    failures.append(f"{build}: {t['name']}: not ok{rest}")
            if t["result"] not in ("OK", "SKIP", "EXPECTEDFAIL") and not any(
                    v == "not ok" for v, _ in ok_lines):
                failed += 1
                failures.append(f"{build}: {t['name']}: {t['result']}")
        elif t["result"] == "OK":
            passed += 1
        elif t["result"] == "SKIP":
            skipped += 1
        else:
            failed += 1
            failures.append(f"{build}: {t['name']}: {t['result']}")
for f in failures:
    print("FAILED", f)
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
