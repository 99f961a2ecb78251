/*
 * bench.h — what `liqsim bench` (cmd_bench.c) measures against: the floor
 * of a single evaluation (bench_floor.c), the same formulas in plain C.
 */
#ifndef LIQ_BENCH_H
#define LIQ_BENCH_H

#include "liqsim.h"
#include "policy.h"

#include <stdint.h>
#include <time.h>

/* What the bench's parts share: a monotonic clock in seconds (timing
 * only, never money) and one xorshift generator, so the evaluations, the
 * replay's book and the whole-job batch are drawn the same way from
 * their fixed seeds. */
static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline uint64_t bench_rng(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* A uniform integer in [lo, hi]. */
static inline int64_t bench_rng_int(uint64_t *s, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(bench_rng(s) % (uint64_t)(hi - lo + 1));
}

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
