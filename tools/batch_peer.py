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
"""
import csv
import decimal
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
    side = row["side"]
    sgn = 1 if side == "long" else -1
    size = Decimal(row["size"])
    entry = Decimal(row["entry_price"])
    lev = Decimal(row["leverage"])
    slip = Decimal(row["slippage"])
    marks = [Decimal(m) for m in row["mark_path"].split()]
    notional = q(size * entry)
    coll = q(notional / lev)                      # isolated: the initial margin
    if Decimal(row["collateral"]) < coll:
        raise ValueError("%s: collateral below the initial margin" % row["id"])
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


def main():
    rows = "--rows" in sys.argv[1:]
    n = liquidated = 0
    loss = fees = deficit = Decimal(0)
    worst = None
    worst_id = None
    out = sys.stdout
    for row in csv.DictReader(line for line in sys.stdin if line.strip() and line[0] != "#"):
        lp, liq, total, fee, dfc = evaluate(row)
        n += 1
        liquidated += liq
        loss += total
        fees += fee
        deficit += dfc
        if liq and (worst is None or total > worst):
            worst, worst_id = total, row["id"]
        if rows:
            out.write("%s %s %s %s %s %s\n" % (row["id"], text(lp), "true" if liq else "false",
                                              text(total), text(fee), text(dfc)))
    out.write("rows %d liquidated %d loss_total %s fees %s deficit %s largest_loss %s %s\n"
              % (n, liquidated, text(loss), text(fees), text(deficit), text(worst), worst_id))


if __name__ == "__main__":
    main()
