#!/usr/bin/env python3
"""batch_peer.py - the script a user would write instead of `liqsim batch`:
the same linear waterfall, with decimal.Decimal, over the same CSV.

`liqsim bench` runs it beside `liqsim batch` on the same million
positions and prints the ratio of their times (docs/batch.md, README,
Performance); tests/test_batch.c checks that it gives the same numbers as
liqsim on a small batch, so the ratio compares two programs that compute
the same thing.

The venue is the bench's generated table-only policy (tools/cmd_bench.c,
bench_table_yaml): linear, settled in USDT, isolated margin, maintenance
margin 0.5 % of the notional at the mark, a liquidation fee of 0.1 % of
the fill's notional paid to an unlimited insurance fund, negative-balance
protection. Each row of the CSV (header id,collateral,side,size,
entry_price,leverage,mark_path,slippage; mark_path the marks separated by
spaces) is one position; as liqsim does, with twelve decimal places and
the rounding against the trader where a division is inexact.

  python3 tools/batch_peer.py < positions.csv           # the summary
  python3 tools/batch_peer.py --rows < positions.csv    # and a line per row
  python3 tools/batch_peer.py --ndjson < positions.ndjson   # the same, NDJSON

With --ndjson each line is one JSON object of the same keys (mark_path a
list; leverage may be a number), read with json.loads into Decimals, as a
user reading liqsim's NDJSON input would.

It is also the peer of `liqsim sweep` (`liqsim bench --sweep`, tools/
bench_sweep.c): with --sweep KEY=RANGE... it makes the grid itself (the
ranges in sweep's syntax, LO..HI/STEP or a,b,c, the first slowest) over the
bench's sweep scenario (BASE below: a long entered at 50,000 with 1 %
slippage, gapped once by `shock` from the entry), each point through the
same evaluate(), and prints the same summary line:

  python3 tools/batch_peer.py --sweep position.leverage=1..100/1 shock=0.003..0.3/0.003
"""
import csv
import decimal
import itertools
import json
import sys
from decimal import Decimal

MMR = Decimal("0.005")
FEE_RATE = Decimal("0.001")
PLACES = Decimal("0.000000000001")

decimal.getcontext().prec = 60


def q(x, rounding=decimal.ROUND_HALF_EVEN):
    return x.quantize(PLACES, rounding=rounding)


def text(x):
    """liqsim's canonical text: no exponent, no trailing zeros."""
    if x is None:
        return "null"
    s = format(x.normalize(), "f")
    return "0" if s in ("-0", "0") else s


def evaluate(row):
    return evaluate_values(row["id"], Decimal(row["collateral"]), row["side"], Decimal(row["size"]),
                           Decimal(row["entry_price"]), Decimal(row["leverage"]),
                           Decimal(row["slippage"]), [Decimal(m) for m in row["mark_path"].split()])


def evaluate_object(o):
    """A line of NDJSON; numbers become Decimals, never floats."""
    return evaluate_values(o["id"], Decimal(o["collateral"]), o["side"], Decimal(o["size"]),
                           Decimal(o["entry_price"]), Decimal(o["leverage"]),
                           Decimal(o["slippage"]), [Decimal(m) for m in o["mark_path"]])


def evaluate_values(pid, collateral, side, size, entry, lev, slip, marks):
    sgn = 1 if side == "long" else -1
    notional = q(size * entry)
    coll = q(notional / lev)                      # isolated: the initial margin
    if collateral < coll:
        raise ValueError("%s: collateral below the initial margin" % pid)
    # equity(P) = MM(P): the price where the margin is used up.
    if sgn > 0:
        num, den = notional - coll, q(size * (1 - MMR))
    else:
        num, den = notional + coll, q(size * (1 + MMR))
    lp = None
    if num > 0 and den > 0:
        lp = q(num / den, decimal.ROUND_CEILING if sgn > 0 else decimal.ROUND_FLOOR)
        if lp <= 0:
            lp = None
    trigger = None
    if lp is not None:
        for m in marks:
            if (sgn > 0 and m <= lp) or (sgn < 0 and m >= lp):
                trigger = m
                break
    if trigger is None:
        return lp, False, Decimal(0), Decimal(0), Decimal(0)
    fill = q(trigger * (1 - sgn * slip), decimal.ROUND_FLOOR if sgn > 0 else decimal.ROUND_CEILING)
    unforced = q(sgn * size * (entry - trigger))
    forced = q(sgn * size * (trigger - fill))
    fee = q(FEE_RATE * q(size * fill))
    total = unforced + forced + fee
    deficit = max(Decimal(0), total - coll)
    return lp, True, total, fee, deficit


# The bench's sweep scenario (tools/bench_sweep.c, sweep_scenario_yaml).
BASE = {"collateral": Decimal("1000000000"), "side": "long", "position.size": Decimal("0.2"),
        "position.entry_price": Decimal("50000"), "position.leverage": Decimal("10"),
        "market.liquidation_fill.slippage": Decimal("0.01"), "shock": Decimal("0.1")}


def axis(arg):
    """KEY=LO..HI/STEP or KEY=a,b,c, as liqsim sweep reads it."""
    key, rng = arg.split("=", 1)
    if key not in BASE:
        raise SystemExit("batch_peer.py: --sweep takes %s, got %s" % (", ".join(BASE), key))
    if ".." in rng:
        lo, rest = rng.split("..", 1)
        hi, step = rest.split("/", 1)
        lo, hi, step = Decimal(lo), Decimal(hi), Decimal(step)
        vals, v = [], lo
        while v <= hi:
            vals.append(v)
            v += step
        return key, vals
    return key, [Decimal(v) for v in rng.split(",")]


def sweep_points(args):
    """(id, evaluate_values' arguments) for each point, the first axis slowest."""
    axes = [axis(a) for a in args]
    for i, vals in enumerate(itertools.product(*[v for _, v in axes])):
        p = dict(BASE)
        p.update(zip([k for k, _ in axes], vals))
        entry = p["position.entry_price"]
        # The gap from the entry, rounded half-even (liqsim's variant.c).
        mark = q(entry * (1 - p["shock"]) if p["side"] == "long" else entry * (1 + p["shock"]))
        yield i, (str(i), p["collateral"], p["side"], p["position.size"], entry,
                  p["position.leverage"], p["market.liquidation_fill.slippage"], [entry, mark])


def main():
    argv = sys.argv[1:]
    rows = "--rows" in argv
    n = liquidated = 0
    loss = fees = deficit = Decimal(0)
    worst = None
    worst_id = None
    out = sys.stdout
    if "--sweep" in argv:
        cases = ((i, evaluate_values(*a)) for i, a in
                 sweep_points([a for a in argv[argv.index("--sweep") + 1:] if a != "--rows"]))
    elif "--ndjson" in argv:
        cases = ((o["id"], evaluate_object(o)) for o in
                 (json.loads(line, parse_float=Decimal) for line in sys.stdin if line.strip()))
    else:
        cases = ((row["id"], evaluate(row)) for row in
                 csv.DictReader(line for line in sys.stdin if line.strip() and line[0] != "#"))
    for pid, (lp, liq, total, fee, dfc) in cases:
        n += 1
        liquidated += liq
        loss += total
        fees += fee
        deficit += dfc
        if liq and (worst is None or total > worst):
            worst, worst_id = total, pid
        if rows:
            out.write("%s %s %s %s %s %s\n" % (pid, text(lp), "true" if liq else "false",
                                              text(total), text(fee), text(dfc)))
    out.write("rows %d liquidated %d loss_total %s fees %s deficit %s largest_loss %s %s\n"
              % (n, liquidated, text(loss), text(fees), text(deficit), text(worst), worst_id))


if __name__ == "__main__":
    main()
