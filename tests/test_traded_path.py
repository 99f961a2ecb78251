#!/usr/bin/env python3
"""test_traded_path.py — scenarios/gen_traded_path.py, the script that derives
a traded path from one-minute trade bins (scenarios/btc-2020-03-12-bitmex/).

  rules    three hand-made minutes (tests/data/traded/bins.csv) give exactly
           tests/data/traded/path.csv, worked out by hand:
             02:15 closed above its open: open 100, low 99, high 102, close 101;
                   range 3 on a mid of 100.5 is 2.98507…%, so with a window of
                   2 minutes depth = 3000 / 2.98507… = 1005
             02:16 closed below its open: open 101 and high 101 repeat the last
                   tick and are left out; low 95, close 96; range 6 on 98 is
                   6.12244…%: depth = (3000 + 6000) / (2.98507… + 6.12244…)
                   = 988.19…, rounded 988
             02:17 traded nothing: every price repeats 96, no tick
  shared   the committed scenarios/btc-2020-03-12-bitmex/path.csv is what the
           script derives from the BitMEX CSV in the project's shared data,
           with the arguments its own header names (exit 77, ctest's skip,
           when the shared data is not there: a fresh clone has only the
           derived path)

usage: test_traded_path.py rules|shared
"""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scenarios", "gen_traded_path.py")
COMMITTED = os.path.join(ROOT, "scenarios", "btc-2020-03-12-bitmex", "path.csv")
DATA = "bitmex-xbtusd-1m-2020-03-12_13.csv"


def derive(bins, args):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "path.csv")
        r = subprocess.run([sys.executable, SCRIPT, bins] + args + ["-o", out],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print("gen_traded_path.py failed:\n" + r.stderr)
            return None
        with open(out, "rb") as f:
            return f.read()


def same(got, want_path):
    with open(want_path, "rb") as f:
        want = f.read()
    if got == want:
        return True
    g, w = got.decode().splitlines(), want.decode().splitlines()
    for i, (a, b) in enumerate(zip(g, w)):
        if a != b:
            print("line %d differs:\n  derived:   %s\n  committed: %s" % (i + 1, a, b))
            break
    else:
        print("derived %d lines, committed %d" % (len(g), len(w)))
    return False


def rules():
    data = os.path.join(ROOT, "tests", "data", "traded")
    got = derive(os.path.join(data, "bins.csv"),
                 ["--window", "2", "--tick", "0.5", "--source", "bins.csv",
                  "--label", "three hand-made minutes"])
    return 0 if got is not None and same(got, os.path.join(data, "path.csv")) else 1


def shared():
    # The shared data sits beside the main checkout (../shared) or, from a
    # worktree under wt/, two levels up; LIQSIM_SHARED_DATA names it outright.
    candidates = [os.environ.get("LIQSIM_SHARED_DATA", ""),
                  os.path.join(ROOT, "..", "shared", "data"),
                  os.path.join(ROOT, "..", "..", "shared", "data")]
    found = [c for c in candidates if c and os.path.exists(os.path.join(c, DATA))]
    if not found:
        print("no shared data (%s): skipped; the committed path is used as it is" % DATA)
        return 77
    with open(COMMITTED, encoding="ascii") as f:
        head = [next(f) for _ in range(2)]
    label = head[0].split("not a mark price. ", 1)[1].rstrip("\n")
    argv = head[1].split("scenarios/gen_traded_path.py ", 1)[1].split()
    source, args = argv[0], argv[1:]
    got = derive(os.path.join(found[0], DATA), args + ["--source", source, "--label", label])
    if got is None or not same(got, COMMITTED):
        return 1
    print("%s: %d bytes, as derived from %s" % (COMMITTED, len(got), os.path.join(found[0], DATA)))
    return 0


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) == 2 else ""
    sys.exit(rules() if what == "rules" else shared() if what == "shared" else 2)
