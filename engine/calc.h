/*
 * calc.h — exact arithmetic with a sticky status, for the waterfall.
 *
 * The stage code reads like the venues' formulas (c_mul(c, size, price))
 * instead of a status check per operation: the first failure (overflow,
 * division by zero) sticks in c->st, later operations return zero, and
 * the caller checks c->st once per stage. Same idea as Lua's lauxlib: a
 * thin helper layer over the core API, kept apart from it.
 */
#ifndef LIQ_CALC_H
#define LIQ_CALC_H

#include "decimal.h"

typedef struct calc {
    liq_status st;
    const char *where;   /* the formula that failed first, for messages */
} calc;

static inline liq_dec c_fail(calc *c, liq_status st, const char *where)
{
    if (c->st == LIQ_OK) {
        c->st = st;
        c->where = where;
    }
    return LIQ_DEC_ZERO;
}

/* Addition and subtraction inline: they are most of the waterfall's
 * operations. Same rule as liq_dec_add: the most negative raw value is
 * treated as overflow, so negation stays exact. */
#define LIQ_RAW_MIN (-(liq_i128)(((liq_u128)1 << 127) - 1) - 1)
/* r == LIQ_RAW_MIN, tested on the high half first: that half alone rules
 * out every other value but one in 2^64, so the hot path is one compare. */
static inline bool c_raw_is_min(liq_i128 r)
{
    if (__builtin_expect((uint64_t)((liq_u128)r >> 64) != 0x8000000000000000ULL, 1))
        return false;
    return (uint64_t)r == 0;
}
static inline liq_dec c_add(calc *c, liq_dec a, liq_dec b)
{
    liq_i128 r;
    if (c->st != LIQ_OK)
        return LIQ_DEC_ZERO;
    /* Two tests, not one ||: the compiler then branches on the overflow
     * flag itself instead of first copying it into a register. */
    if (__builtin_expect(__builtin_add_overflow(a.raw, b.raw, &r), 0))
        return c_fail(c, LIQ_EOVERFLOW, "c_add");
    if (c_raw_is_min(r))
        return c_fail(c, LIQ_EOVERFLOW, "c_add");
    return (liq_dec){r};
}
static inline liq_dec c_sub(calc *c, liq_dec a, liq_dec b)
{
    liq_i128 r;
    if (c->st != LIQ_OK)
        return LIQ_DEC_ZERO;
    if (__builtin_expect(__builtin_sub_overflow(a.raw, b.raw, &r), 0))
        return c_fail(c, LIQ_EOVERFLOW, "c_sub");
    if (c_raw_is_min(r))
        return c_fail(c, LIQ_EOVERFLOW, "c_sub");
    return (liq_dec){r};
}
/* Products and quotients: liq_dec_mul and liq_dec_div, their 64-bit
 * path inline (decimal.h), the wide one called. */
static inline __attribute__((always_inline)) liq_dec c_mulr(calc *c, liq_dec a, liq_dec b, liq_round mode, const char *where)
{
    liq_dec r;
    if (c->st != LIQ_OK)
        return LIQ_DEC_ZERO;
    if (__builtin_expect(dec_mul_fast(a, b, mode, &r), 1))
        return r;
    liq_status st = dec_mul_wide(a, b, mode, &r);
    return st == LIQ_OK ? r : c_fail(c, st, where);
}
static inline __attribute__((always_inline)) liq_dec c_divw(calc *c, liq_dec a, liq_dec b, liq_round mode, const char *where)
{
    liq_dec r;
    if (c->st != LIQ_OK)
        return LIQ_DEC_ZERO;
    if (__builtin_expect(dec_div_fast(a, b, mode, &r), 1))
        return r;
    liq_status st = dec_div_wide(a, b, mode, &r);
    return st == LIQ_OK ? r : c_fail(c, st, where);
}
/* Intermediate products and quotients round half-even at 12 places; the
 * venue's own rounding (tick, fee precision) is applied explicitly. */
static inline __attribute__((always_inline)) liq_dec c_mul(calc *c, liq_dec a, liq_dec b)
{
    return c_mulr(c, a, b, LIQ_ROUND_HALF_EVEN, "c_mul");
}
static inline __attribute__((always_inline)) liq_dec c_div(calc *c, liq_dec a, liq_dec b)
{
    return c_divw(c, a, b, LIQ_ROUND_HALF_EVEN, "c_div");
}
static inline __attribute__((always_inline)) liq_dec c_divr(calc *c, liq_dec a, liq_dec b, liq_round mode)
{
    return c_divw(c, a, b, mode, "division");
}

/* Proven arithmetic. A stage whose caller has shown, once before its
 * first operation, that every operand and every result of its formulas
 * lies well inside 64 bits (close.c's close_proven says how) computes
 * them on the raws' low words: a sum is one 64-bit addition, a product
 * one signed multiply and one division (dec_unscale64, the same rounding
 * as c_mul's), with no overflow, mode or status test. pv false: the
 * checked c_ operations, so one copy of a formula, written with these,
 * serves both the proven and the general case (pv a constant at each
 * call, the compiler keeps one of the two). Results are the checked
 * operations' bit for bit wherever the proof holds (tests/test_close.c
 * checks the edges). */
static inline __attribute__((always_inline)) liq_dec pv_add(calc *c, bool pv, liq_dec a, liq_dec b)
{
    if (pv)
        return (liq_dec){(int64_t)a.raw + (int64_t)b.raw};
    return c_add(c, a, b);
}
static inline __attribute__((always_inline)) liq_dec pv_sub(calc *c, bool pv, liq_dec a, liq_dec b)
{
    if (pv)
        return (liq_dec){(int64_t)a.raw - (int64_t)b.raw};
    return c_sub(c, a, b);
}
static inline __attribute__((always_inline)) liq_dec pv_mul(calc *c, bool pv, liq_dec a, liq_dec b)
{
    if (pv) {
        int64_t hi;
        uint64_t lo;
        dec_imul64((int64_t)a.raw, (int64_t)b.raw, &hi, &lo);
        return (liq_dec){dec_unscale64(hi, lo, LIQ_ROUND_HALF_EVEN)};
    }
    return c_mul(c, a, b);
}
static inline __attribute__((always_inline)) liq_dec pv_neg(bool pv, liq_dec a)
{
    if (pv)
        return (liq_dec){-(int64_t)a.raw};
    return liq_dec_neg(a);
}
/* a / b rounded with mode, proven: both raws within 64 bits and b not
 * zero (the caller's test), so dec_div_fast's arithmetic without its
 * tests, the same rounding (dec_small_finish handles a quotient beyond
 * 64 bits, which the proof need not bound). */
static inline __attribute__((always_inline)) liq_dec pv_divr(calc *c, bool pv, liq_dec a,
                                                             liq_dec b, liq_round mode)
{
    if (pv) {
        int64_t x = (int64_t)a.raw, y = (int64_t)b.raw;
        return dec_small_finish((x < 0) != (y < 0), (liq_u128)dec_mag64(x) * DEC_SCALE,
                                dec_mag64(y), mode);
    }
    return c_divr(c, a, b, mode);
}
/* A raw's two words, for the range proofs' tests: a raw in [0, 2^k)
 * (k < 64) has its high word zero and its low word's top 64 - k bits. */
#define PV_HI(v) ((uint64_t)((liq_u128)(v).raw >> 64))
#define PV_LO(v) ((uint64_t)(v).raw)

static inline liq_dec c_quant(calc *c, liq_dec a, liq_dec step, liq_round mode)
{
    liq_dec r;
    if (c->st != LIQ_OK)
        return LIQ_DEC_ZERO;
    liq_status st = liq_dec_quantize(a, step, mode, &r);
    return st == LIQ_OK ? r : c_fail(c, st, "rounding");
}

static inline liq_dec c_int(int64_t v) { return liq_dec_from_int(v); }
/* Comparisons inline on the raw integers: one scale, so raw order is
 * value order (the hot path compares far more than it computes). */
static inline bool d_lt(liq_dec a, liq_dec b) { return a.raw < b.raw; }
static inline bool d_le(liq_dec a, liq_dec b) { return a.raw <= b.raw; }
static inline bool d_gt(liq_dec a, liq_dec b) { return a.raw > b.raw; }
static inline bool d_ge(liq_dec a, liq_dec b) { return a.raw >= b.raw; }
static inline bool d_eq(liq_dec a, liq_dec b) { return a.raw == b.raw; }
static inline bool d_pos(liq_dec a) { return a.raw > 0; }
static inline bool d_neg(liq_dec a) { return a.raw < 0; }
static inline bool d_zero(liq_dec a) { return a.raw == 0; }

#endif
