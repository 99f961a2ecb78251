/*
 * bench.h — what `liqsim bench` (cmd_bench.c) measures against: the floor
 * of a single evaluation (bench_floor.c), the same formulas in plain C.
 */
#ifndef LIQ_BENCH_H
#define LIQ_BENCH_H

#include "liqsim.h"
#include "policy.h"

/* A linear position, isolated, under a table policy's rules pr: its
 * side (+1 long, -1 short), size, entry, leverage, the liquidation
 * fill's slippage and the mark path. */
typedef struct bench_floor_in {
    const p_root *pr;
    int sgn;
    liq_dec size, entry, lev, slip;
    const liq_dec *px;
    size_t npx;
} bench_floor_in;

typedef struct bench_floor_out {
    liq_dec mm, lp, bp, fill, deficit, final_balance;
    bool liquidated;
} bench_floor_out;

/* One evaluation's formulas straight in C; LIQ_OK or the first
 * arithmetic failure. */
liq_status bench_floor_eval(const bench_floor_in *in, bench_floor_out *o);

#endif
