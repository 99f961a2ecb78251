#!/usr/bin/env python3
"""gen_book.py — a deterministic SYNTHETIC book for `liqsim replay`.

The books under scenarios/*/book.csv are made by this script. They are not
real positions: no venue publishes its accounts. Every number is drawn from
a seeded generator (Python's random.Random, Mersenne Twister, which is
stable across Python 3 versions for the calls used here), so the same
arguments always give the same file, byte for byte.

Model (one market, one position per account):
  - side: long with probability --long-share, else short;
  - leverage: drawn from --leverage "L:weight,..." (shorts use --short-leverage
    when given: hedgers and market makers run lower leverage);
  - entry price: uniform over [--entry-lo, --entry-hi] (the pre-crash range),
    cut so that no account is already near liquidation at the first mark of
    the path (--start): at --start an account (judged isolated) must keep
    equity of at least --buffer of its notional AND at least --keep of its
    initial margin (the second covers venues whose maintenance is a share of
    the initial margin, e.g. Kraken spot margin's 40 % margin level);
  - notional: log-normal around --notional-median (sigma --notional-sigma),
    clipped to [--notional-min, --notional-max];
  - open interest is balanced: short sizes are scaled so that total short
    size equals total long size (to the size precision), as a perpetual's
    two sides are;
  - mode: cross with probability --cross-share, else isolated;
  - collateral: isolated = the initial margin (size x entry / leverage)
    rounded up to the cent plus one cent; cross = the initial margin times
    a uniform factor in [1.05, 3.0] (free margin held in the account).

Output: CSV id,collateral,mode,side,size,entry_price,leverage (sizes in base
units, prices and collateral in quote), preceded by '#' comment lines that
record the command line. Python 3 standard library only.
"""
import argparse
import math
import random
import shlex
import sys
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal


def parse_weights(s):
    out = []
    for part in s.split(","):
        lev, w = part.split(":")
        out.append((int(lev), float(w)))
    return out


def pick(rng, weighted):
    total = sum(w for _, w in weighted)
    x = rng.random() * total
    for v, w in weighted:
        x -= w
        if x < 0:
            return v
    return weighted[-1][0]


def q(x, dp, rounding=ROUND_HALF_EVEN):
    return Decimal(repr(x)).quantize(Decimal(1).scaleb(-dp), rounding=rounding)


def entry_bounds(side, lev, start, lo, hi, buf, keep):
    """Entries for which, at `start`, per unit of size (isolated: equity =
    entry/lev + side*(start-entry)): equity >= buf*start and
    equity >= keep*entry/lev."""
    if side > 0:
        # E/L - E + S >= buf*S      ->  E <= S(1-buf)/(1-1/L)
        # E/L - E + S >= keep*E/L   ->  E <= S/(1-(1-keep)/L)
        top = start / (1 - (1 - keep) / lev)
        if lev > 1:
            top = min(top, start * (1 - buf) / (1 - 1 / lev))
        return lo, min(hi, top)
    # E/L + E - S >= buf*S      ->  E >= S(1+buf)/(1+1/L)
    # E/L + E - S >= keep*E/L   ->  E >= S/(1+(1-keep)/L)
    bottom = max(start * (1 + buf) / (1 + 1 / lev), start / (1 + (1 - keep) / lev))
    return max(lo, bottom), hi


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--accounts", type=int, default=2000)
    ap.add_argument("--start", type=float, required=True, help="first mark of the path")
    ap.add_argument("--entry-lo", type=float, required=True)
    ap.add_argument("--entry-hi", type=float, required=True)
    ap.add_argument("--leverage", required=True, help='"L:weight,..." for longs (and shorts)')
    ap.add_argument("--short-leverage", help='"L:weight,..." for shorts (default: --leverage)')
    ap.add_argument("--long-share", type=float, default=0.6)
    ap.add_argument("--cross-share", type=float, default=0.6)
    ap.add_argument("--notional-median", type=float, required=True)
    ap.add_argument("--notional-sigma", type=float, default=1.2)
    ap.add_argument("--notional-min", type=float, required=True)
    ap.add_argument("--notional-max", type=float, required=True)
    ap.add_argument("--buffer", type=float, default=0.015)
    ap.add_argument("--keep", type=float, default=0.6)
    ap.add_argument("--size-dp", type=int, required=True)
    ap.add_argument("--price-dp", type=int, required=True)
    ap.add_argument("--label", default="", help="a comment line naming the scenario")
    ap.add_argument("-o", "--out", default="-")
    a = ap.parse_args(argv)

    rng = random.Random(a.seed)
    lev_long = parse_weights(a.leverage)
    lev_short = parse_weights(a.short_leverage) if a.short_leverage else lev_long

    rows = []
    for i in range(a.accounts):
        side = 1 if rng.random() < a.long_share else -1
        lev = pick(rng, lev_long if side > 0 else lev_short)
        lo, hi = entry_bounds(side, lev, a.start, a.entry_lo, a.entry_hi, a.buffer, a.keep)
        u = rng.random()
        entry = lo + u * (hi - lo) if hi > lo else (hi if side > 0 else lo)
        notional = a.notional_median * math.exp(a.notional_sigma * rng.gauss(0.0, 1.0))
        notional = min(max(notional, a.notional_min), a.notional_max)
        cross = rng.random() < a.cross_share
        free = 1.05 + 1.95 * rng.random()
        rows.append([i, side, lev, entry, notional, cross, free])

    # Balance open interest: total short size = total long size.
    def raw_size(r):
        return r[4] / r[3]

    longs = sum(raw_size(r) for r in rows if r[1] > 0)
    shorts = sum(raw_size(r) for r in rows if r[1] < 0)
    scale = longs / shorts if shorts > 0 else 1.0

    out = sys.stdout if a.out == "-" else open(a.out, "w", encoding="ascii", newline="\n")
    cmd = shlex.join(["scenarios/gen_book.py"] + [x for x in argv if x not in ("-o", a.out)])
    out.write("# SYNTHETIC BOOK - not real positions. %s\n" % a.label)
    out.write("# generated by: %s\n" % cmd)
    out.write("id,collateral,mode,side,size,entry_price,leverage\n")
    step = Decimal(1).scaleb(-a.size_dp)
    width = len(str(a.accounts))
    for i, side, lev, entry, notional, cross, free in rows:
        e = q(entry, a.price_dp)
        size = raw_size([i, side, lev, entry, notional]) * (scale if side < 0 else 1.0)
        s = max(q(size, a.size_dp), step)
        im = s * e / Decimal(lev)
        if cross:
            coll = (im * Decimal(repr(free))).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
        else:
            coll = im.quantize(Decimal("0.01"), rounding=ROUND_CEILING) + Decimal("0.01")
        out.write("a%0*d,%s,%s,%s,%s,%s,%d\n" % (
            width, i + 1, coll, "cross" if cross else "isolated",
            "long" if side > 0 else "short", s, e, lev))
    if out is not sys.stdout:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
