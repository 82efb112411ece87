#!/usr/bin/python3
"""Helper of bench/slow_backend.sh (not run on its own).

  slow_backend.py field FILE KEY.KEY...   prints one value of an echo_load JSON result
  slow_backend.py slow-ms FILE            the slow backend's delay for a fast p50 in FILE:
                                          10 x p50, rounded up to whole ms
  slow_backend.py table SLOW_ID FILE...   the markdown table over per-policy echo_load
                                          results (FILE named POLICY.json; the same file
                                          with .rc holds echo_load's exit status)
"""
import json
import math
import os
import sys


def load(path):
    with open(path) as f:
        text = f.read().strip()
    if not text:
        raise SystemExit(f"slow_backend.py: {path} is empty (echo_load printed nothing)")
    return json.loads(text.splitlines()[-1])


def field(path, keys):
    v = load(path)
    for k in keys.split("."):
        v = v[k]
    print(v)


def slow_ms(path):
    p50_us = load(path)["lat_us"]["p50"]
    print(max(1, math.ceil(10 * p50_us / 1000.0)))


def table(slow_id, paths):
    rows = ["| policy | calls/s | mean µs | p50 µs | p90 µs | p99 µs | max µs "
            "| slow backend share | spread (calls per backend) | errors |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for path in paths:
        policy = os.path.splitext(os.path.basename(path))[0]
        r = load(path)
        lat = r["lat_us"]
        backends = r.get("backends", {})
        ok = r["ok"]
        slow = backends.get(slow_id, 0)
        share = f"{100.0 * slow / ok:.2f}% ({slow}/{ok})" if ok else "–"
        spread = " ".join(f"{k}:{backends[k]}" for k in sorted(backends))
        errors = r["failed"] + r["bad_replies"]
        if r.get("status_codes"):
            errors = f"{errors} {json.dumps(r['status_codes'], separators=(',', ':'))}"
        try:
            with open(path + ".rc") as f:
                rc = f.read().strip()
            if rc != "0" and errors == 0:
                errors = f"0 (echo_load exit {rc})"
        except OSError:
            pass
        rows.append(f"| {policy} | {r['rps']:.0f} | {lat['mean']:.0f} | {lat['p50']} "
                    f"| {lat['p90']} | {lat['p99']} | {lat['max']} | {share} | {spread} "
                    f"| {errors} |")
    print("\n".join(rows))


def main(argv):
    if len(argv) >= 3 and argv[0] == "field":
        field(argv[1], argv[2])
    elif len(argv) == 2 and argv[0] == "slow-ms":
        slow_ms(argv[1])
    elif len(argv) >= 3 and argv[0] == "table":
        table(argv[1], argv[2:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
