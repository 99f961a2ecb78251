/*
 * test_fastpaths.c — every fast path of engine/decimal.h and calc.h
 * against its general path, at the exact bounds of the fast path's own
 * tests (the values each guard compares with, one unit either side) and
 * at random values of every bit length around them, in every rounding
 * mode and every sign.
 *
 * The guards: dec_mul_fast's product high word in [-D/2, D/2 - 1) (D =
 * 10^12) for the signed one-division route (dec_unscale64), else the
 * 128-bit finish; dec_small_finish's high word below the divisor for one
 * hardware division; calc.h's proven pv_mul and pv_divr on the products
 * and quotients their callers' proofs allow; dec_parse_plain's 20 bytes,
 * 18 digits and 12 places, and dec_parse_padded's 16 bytes and the
 * point's lane; liq_dec_format's whole part below and above 2^64 and
 * 10^19. (test_decimal.c crosses edge raws and random raws; these are
 * the raws built to land on each guard.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "calc.h"

__extension__ typedef unsigned __int128 u128;

#define N(arr) (sizeof(arr) / sizeof((arr)[0]))
#define SCALE ((liq_i128)DEC_SCALE)
#define SENTINEL_RAW ((liq_i128)424242)

static const liq_round all_modes[] = {
    LIQ_ROUND_HALF_EVEN, LIQ_ROUND_HALF_UP, LIQ_ROUND_DOWN,
    LIQ_ROUND_UP, LIQ_ROUND_FLOOR, LIQ_ROUND_CEIL,
};

static uint64_t xorshift(uint64_t *g)
{
    *g ^= *g << 13;
    *g ^= *g >> 7;
    *g ^= *g << 17;
    return *g;
}

/* A magnitude of exactly b bits (1..63). */
static uint64_t bits_mag(uint64_t *g, unsigned b)
{
    uint64_t top = (uint64_t)1 << (b - 1);
    return top | (xorshift(g) & (top - 1));
}

static const char *raw_text(liq_i128 raw, char buf[LIQ_DEC_STRLEN])
{
    liq_dec_format((liq_dec){raw}, buf);
    return buf;
}

/* The fast path's answer (status and value) must be the wide one's,
 * x op y in the given mode. */
static void same_as_wide(const char *op, int64_t x, int64_t y, liq_round mode, liq_status fs,
                         liq_dec f, liq_status ws, liq_dec w)
{
    char s1[LIQ_DEC_STRLEN], s2[LIQ_DEC_STRLEN], s3[LIQ_DEC_STRLEN], s4[LIQ_DEC_STRLEN];
    if (fs != ws || (fs == LIQ_OK && f.raw != w.raw))
        fail_msg("%s %s, %s (%s): fast %s (%d), wide %s (%d)", op, raw_text(x, s1),
                 raw_text(y, s2), liq_round_name(mode), raw_text(f.raw, s3), (int)fs,
                 raw_text(w.raw, s4), (int)ws);
}

/* ------------------------------------------------------------------ */
/* Products                                                            */
/* ------------------------------------------------------------------ */

/* x x y in every mode: liq_dec_mul (the fast path where both raws fit 64
 * bits) against dec_mul_wide; and where the product lies in
 * dec_unscale64's stated range (-2^63 D <= p < (2^63 - 1) D, what calc.h's
 * proofs guarantee pv_mul), dec_unscale64 itself and pv_mul. */
static void mul_agrees(int64_t x, int64_t y, size_t *checked)
{
    liq_dec a = {x}, b = {y};
    liq_i128 p = (liq_i128)x * y;
    const liq_i128 lo = -((liq_i128)1 << 63) * SCALE;
    const liq_i128 hi = (((liq_i128)1 << 63) - 1) * SCALE;
    bool in_range = p >= lo && p < hi;
    char s1[LIQ_DEC_STRLEN], s2[LIQ_DEC_STRLEN], s3[LIQ_DEC_STRLEN], s4[LIQ_DEC_STRLEN];
    for (size_t m = 0; m < N(all_modes); m++) {
        liq_round mode = all_modes[m];
        liq_dec f = {SENTINEL_RAW}, w = {SENTINEL_RAW};
        liq_status fs = liq_dec_mul(a, b, mode, &f), ws = dec_mul_wide(a, b, mode, &w);
        same_as_wide("mul", x, y, mode, fs, f, ws, w);
        if (in_range) {
            int64_t ph;
            uint64_t pl;
            dec_imul64(x, y, &ph, &pl);
            int64_t q = dec_unscale64(ph, pl, mode);
            if (ws != LIQ_OK || (liq_i128)q != w.raw)
                fail_msg("dec_unscale64 of %s x %s (%s): %s, wide %s", raw_text(x, s1),
                         raw_text(y, s2), liq_round_name(mode), raw_text(q, s3),
                         raw_text(w.raw, s4));
        }
        (*checked)++;
    }
    if (in_range) {
        calc c = {LIQ_OK, NULL};
        liq_dec pv = pv_mul(&c, true, a, b), ck = pv_mul(&c, false, a, b);
        if (c.st != LIQ_OK || pv.raw != ck.raw)
            fail_msg("pv_mul %s x %s: proven %s, checked %s (%d)", raw_text(x, s1),
                     raw_text(y, s2), raw_text(pv.raw, s3), raw_text(ck.raw, s4), (int)c.st);
    }
}

/* A check of x and y (mul_agrees, div_agrees) under every sign of each. */
typedef void agrees_fn(int64_t x, int64_t y, size_t *checked);
static void agrees_signed(agrees_fn *f, uint64_t x, uint64_t y, size_t *checked)
{
    if (x > (uint64_t)INT64_MAX || y > (uint64_t)INT64_MAX)
        return;
    for (int s = 0; s < 4; s++)
        f(s & 1 ? -(int64_t)x : (int64_t)x, s & 2 ? -(int64_t)y : (int64_t)y, checked);
}

static void mul_agrees_signed(uint64_t x, uint64_t y, size_t *checked)
{
    agrees_signed(mul_agrees, x, y, checked);
}

/* The products the multiply's guard tells apart: a high word at each of
 * -D/2 - 1, -D/2, -D/2 + 1 and D/2 - 2, D/2 - 1, D/2 (its test's bounds,
 * one either side), and the products at (2^63 - 1) D, 2^63 D - 2^64
 * and 2^63 D, where the signed quotient ends: for x of every bit length
 * from 21 to 63, y = T / x and the four raws either side of it. Then ties
 * (a remainder of exactly D/2: x = m D/2, m and y odd) at the same
 * bounds, and the most negative raws. */
static void test_mul_fast_path_at_its_guard_agrees_with_the_wide_path(void **state)
{
    (void)state;
    const u128 half = DEC_SCALE / 2, two64 = (u128)1 << 64, t63 = (u128)1 << 63;
    const u128 targets[] = {
        (half - 2) * two64,     (half - 1) * two64,     half * two64,     (half + 1) * two64,
        (half - 1) * two64 - 1, half * two64 - 1,       t63 * DEC_SCALE,  t63 * DEC_SCALE - 1,
        (t63 - 1) * DEC_SCALE,  (t63 - 1) * DEC_SCALE - 1, (t63 - 1) * DEC_SCALE + DEC_SCALE / 2,
        t63 * DEC_SCALE - two64, t63 * DEC_SCALE - two64 - DEC_SCALE / 2,
    };
    uint64_t g = 0x0123456789abcdefu;
    size_t checked = 0;
    for (size_t t = 0; t < N(targets); t++)
        for (unsigned b = 21; b <= 63; b++)
            for (int r = 0; r < 24; r++) {
                uint64_t x = bits_mag(&g, b);
                u128 y0 = targets[t] / x;
                for (int d = -2; d <= 2; d++) {
                    u128 y = y0 + (u128)(liq_i128)d;
                    if (y >> 63)
                        continue;
                    mul_agrees_signed(x, (uint64_t)y, &checked);
                }
            }
    /* Ties: m odd and y odd, x = m D/2, near each bound. */
    for (size_t t = 0; t < N(targets); t++)
        for (int r = 0; r < 2000; r++) {
            uint64_t m = (xorshift(&g) % 18446744u) | 1;   /* x = m D/2 < 2^63 */
            uint64_t x = m * (DEC_SCALE / 2);
            u128 y = (targets[t] / x) | 1;
            for (int d = -2; d <= 2; d += 2)
                if (!((y + (u128)(liq_i128)d) >> 63))
                    mul_agrees_signed(x, (uint64_t)(y + (u128)(liq_i128)d), &checked);
        }
    /* The int64 ends against every bit length. */
    for (unsigned b = 1; b <= 63; b++)
        for (int r = 0; r < 8; r++) {
            int64_t y = (int64_t)bits_mag(&g, b);
            const int64_t ends[] = {INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1};
            for (size_t e = 0; e < N(ends); e++) {
                mul_agrees(ends[e], y, &checked);
                mul_agrees(ends[e], -y, &checked);
                mul_agrees(y, ends[e], &checked);
            }
        }
    assert_true(checked > 1000000);
}

/* ------------------------------------------------------------------ */
/* Quotients                                                           */
/* ------------------------------------------------------------------ */

/* x / y in every mode: liq_dec_div against dec_div_wide, and calc.h's
 * proven pv_divr (both raws within 64 bits, y not zero) against the
 * checked c_divr. */
static void div_agrees(int64_t x, int64_t y, size_t *checked)
{
    if (y == 0)
        return;
    liq_dec a = {x}, b = {y};
    char s1[LIQ_DEC_STRLEN], s2[LIQ_DEC_STRLEN], s3[LIQ_DEC_STRLEN], s4[LIQ_DEC_STRLEN];
    for (size_t m = 0; m < N(all_modes); m++) {
        liq_round mode = all_modes[m];
        liq_dec f = {SENTINEL_RAW}, w = {SENTINEL_RAW};
        liq_status fs = liq_dec_div(a, b, mode, &f), ws = dec_div_wide(a, b, mode, &w);
        same_as_wide("div", x, y, mode, fs, f, ws, w);
        calc c = {LIQ_OK, NULL};
        liq_dec pv = pv_divr(&c, true, a, b, mode), ck = pv_divr(&c, false, a, b, mode);
        if (c.st != LIQ_OK || pv.raw != ck.raw)
            fail_msg("pv_divr %s / %s (%s): proven %s, checked %s (%d)", raw_text(x, s1),
                     raw_text(y, s2), liq_round_name(mode), raw_text(pv.raw, s3),
                     raw_text(ck.raw, s4), (int)c.st);
        (*checked)++;
    }
}

static void div_agrees_signed(uint64_t x, uint64_t y, size_t *checked)
{
    agrees_signed(div_agrees, x, y, checked);
}

/* dec_small_finish divides |x| D by |y| in one hardware division when
 * the high word of |x| D is below |y|: for |y| of every bit length up to
 * 39 (above, no 64-bit x reaches the bound), x at |y| 2^64 / D and the
 * four raws either side, where the high word goes from |y| - 1 to |y|;
 * ties there (|y| = 2^j, x with j - 13 factors of two, so that |x| D is
 * |y|/2 past a multiple of |y|); and every bit length of x and y crossed. */
static void test_div_fast_path_at_its_guard_agrees_with_the_wide_path(void **state)
{
    (void)state;
    const u128 two64 = (u128)1 << 64;
    uint64_t g = 0xfedcba9876543210u;
    size_t checked = 0;
    for (unsigned b = 1; b <= 39; b++)
        for (int r = 0; r < 60; r++) {
            uint64_t y = bits_mag(&g, b);
            u128 x0 = (u128)y * two64 / DEC_SCALE;
            for (int d = -2; d <= 2; d++)
                div_agrees_signed((uint64_t)(x0 + (u128)(liq_i128)d), y, &checked);
        }
    for (unsigned j = 13; j <= 38; j++)
        for (int r = 0; r < 200; r++) {
            uint64_t y = (uint64_t)1 << j;
            uint64_t x0 = (uint64_t)((u128)y * two64 / DEC_SCALE);
            /* an odd multiple of 2^(j - 13) near x0 */
            uint64_t unit = (uint64_t)1 << (j - 13);
            uint64_t x = ((x0 / unit) | 1) * unit + (uint64_t)(r % 5) * 2 * unit;
            div_agrees_signed(x, y, &checked);
            div_agrees_signed(x - 2 * unit, y, &checked);
        }
    for (unsigned bx = 1; bx <= 63; bx++)
        for (unsigned by = 1; by <= 63; by++)
            for (int r = 0; r < 3; r++)
                div_agrees_signed(bits_mag(&g, bx), bits_mag(&g, by), &checked);
    const int64_t ends[] = {INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1, 1, -1, 2, -2};
    for (size_t i = 0; i < N(ends); i++)
        for (size_t j = 0; j < N(ends); j++)
            div_agrees(ends[i], ends[j], &checked);
    assert_true(checked > 100000);
}

/* ------------------------------------------------------------------ */
/* Formatting                                                          */
/* ------------------------------------------------------------------ */

/* The digits of raw, one 128-bit division by ten at a time. */
static void format_by_hand(liq_i128 raw, char *out)
{
    u128 m = raw < 0 ? (u128)0 - (u128)raw : (u128)raw;
    char digits[64];
    size_t n = 0, o = 0;
    for (u128 ip = m / DEC_SCALE; ip || n == 0; ip /= 10)
        digits[n++] = (char)('0' + (int)(ip % 10));
    if (raw < 0)
        out[o++] = '-';
    while (n)
        out[o++] = digits[--n];
    u128 fp = m % DEC_SCALE;
    if (fp) {
        out[o++] = '.';
        for (u128 p = DEC_SCALE / 10; fp; p /= 10) {
            out[o++] = (char)('0' + (int)(fp / p));
            fp %= p;
        }
    }
    out[o] = 0;
}

/* liq_dec_format splits the magnitude at 2^64 (64-bit division below,
 * hardware division above) and the whole part at 2^64 (then at 10^19,
 * nineteen digits below): whole parts at 2^64, 10^19, k x 10^19 and
 * 10^19 - 1 below 2^64 bits, and one either side, with fractions of
 * every count of trailing zeros; magnitudes at 2^64 and one either side. */
static void test_format_at_its_splits_writes_the_digits(void **state)
{
    (void)state;
    const u128 two64 = (u128)1 << 64, e19 = (u128)10000000000000000000ull;
    const u128 wholes[] = {0, 1, 18446744, 18446743, 18446745, e19 - 1, e19, e19 + 1, two64 - 1,
                           two64, two64 + 1, 2 * e19 - 1, 2 * e19, 2 * e19 + 1, 99 * e19,
                           e19 * e19 - 1, e19 * e19, (u128)1 << 80,
                           ((u128)1 << 127) / DEC_SCALE - 1, ((u128)1 << 127) / DEC_SCALE};
    const uint64_t fracs[] = {0, 1, 10, 100000000000ull, 999999999999ull, 500000000000ull,
                              1000, 1000000, 120000000000ull, 123456789012ull, 100000};
    size_t n = 0;
    for (size_t i = 0; i < N(wholes); i++)
        for (size_t f = 0; f < N(fracs); f++)
            for (int s = 0; s < 2; s++) {
                u128 m = wholes[i] * DEC_SCALE + fracs[f];
                if (m > (((u128)1 << 127) - 1) + (u128)s)
                    continue;
                liq_i128 raw = s ? (liq_i128)((u128)0 - m) : (liq_i128)m;
                char got[LIQ_DEC_STRLEN], want[LIQ_DEC_STRLEN + 8];
                liq_dec_format((liq_dec){raw}, got);
                format_by_hand(raw, want);
                if (strcmp(got, want) != 0)
                    fail_msg("liq_dec_format wrote %s, the digits are %s", got, want);
                n++;
            }
    for (int d = -3; d <= 3; d++)
        for (int s = 0; s < 2; s++) {
            u128 m = two64 + (u128)(liq_i128)d;
            liq_i128 raw = s ? -(liq_i128)m : (liq_i128)m;
            char got[LIQ_DEC_STRLEN], want[LIQ_DEC_STRLEN + 8];
            liq_dec_format((liq_dec){raw}, got);
            format_by_hand(raw, want);
            assert_string_equal(got, want);
        }
    assert_true(n > 350);
}

/* ------------------------------------------------------------------ */
/* Quantize                                                            */
/* ------------------------------------------------------------------ */

/* a to a multiple of step by mode, worked the other way round from
 * liq_dec_quantize (which rounds the magnitude's quotient): the two
 * multiples of step either side of a on the number line, lo <= a < hi,
 * and the mode's choice between them; |a| < 2^125 and step < 2^125 keep
 * every sum here within 128 bits. */
static liq_i128 quantize_by_hand(liq_i128 a, liq_i128 step, liq_round mode)
{
    liq_i128 q = a / step, r = a % step;
    if (r < 0)
        q--, r += step;   /* floor */
    liq_i128 lo = q * step, hi = lo + step;
    if (r == 0)
        return a;
    liq_i128 dlo = a - lo, dhi = hi - a;
    switch (mode) {
    case LIQ_ROUND_DOWN: return a >= 0 ? lo : hi;
    case LIQ_ROUND_UP: return a >= 0 ? hi : lo;
    case LIQ_ROUND_FLOOR: return lo;
    case LIQ_ROUND_CEIL: return hi;
    case LIQ_ROUND_HALF_UP:
        if (dlo != dhi)
            return dlo < dhi ? lo : hi;
        return a >= 0 ? hi : lo;
    case LIQ_ROUND_HALF_EVEN:
        if (dlo != dhi)
            return dlo < dhi ? lo : hi;
        return (q & 1) == 0 ? lo : hi;
    }
    return 0;
}

/* Random raws of every bit length up to 124 and steps of every bit
 * length up to 124, ties made on purpose (a an odd multiple of half an
 * even step), both signs, every mode; then the largest raws, where
 * rounding away from zero overflows and must say so. */
static void test_quantize_agrees_with_the_multiples_either_side(void **state)
{
    (void)state;
    uint64_t g = 0x13198a2e03707344u;
    char s1[LIQ_DEC_STRLEN], s2[LIQ_DEC_STRLEN], s3[LIQ_DEC_STRLEN], s4[LIQ_DEC_STRLEN];
    size_t n = 0;
    for (int i = 0; i < 200000; i++) {
        unsigned ba = (unsigned)(xorshift(&g) % 125), bs = 1 + (unsigned)(xorshift(&g) % 124);
        u128 ua = ((u128)xorshift(&g) << 64 | xorshift(&g)) & (((u128)1 << ba) - 1);
        u128 us = ((u128)xorshift(&g) << 64 | xorshift(&g)) & (((u128)1 << bs) - 1);
        us |= (u128)1 << (bs - 1);
        if (i % 4 == 0 && us > 1) {
            /* a tie: an odd multiple of half of an even step */
            us &= ~(u128)1;
            u128 k = ua / us;
            ua = k * us + us / 2;
            if (ua >> 124)
                continue;
        }
        liq_i128 a = (xorshift(&g) & 1) ? -(liq_i128)ua : (liq_i128)ua, st = (liq_i128)us;
        for (size_t m = 0; m < N(all_modes); m++) {
            liq_dec out = {SENTINEL_RAW};
            liq_status rs = liq_dec_quantize((liq_dec){a}, (liq_dec){st}, all_modes[m], &out);
            liq_i128 want = quantize_by_hand(a, st, all_modes[m]);
            if (rs != LIQ_OK || out.raw != want)
                fail_msg("quantize %s to %s (%s): %s (%d), the multiples say %s",
                         raw_text(a, s1), raw_text(st, s2), liq_round_name(all_modes[m]),
                         raw_text(out.raw, s3), (int)rs, raw_text(want, s4));
            n++;
        }
    }
    /* 2^127 - 1 and -(2^127 - 1) to a step of 2: away from zero is 2^127,
     * past the largest raw (overflow); towards zero is the raw one in. */
    const liq_i128 max = (liq_i128)(((u128)1 << 127) - 1);
    for (size_t m = 0; m < N(all_modes); m++)
        for (int sg = -1; sg <= 1; sg += 2) {
            liq_round mode = all_modes[m];
            liq_dec out = {SENTINEL_RAW};
            liq_status rs = liq_dec_quantize((liq_dec){sg * max}, (liq_dec){2}, mode, &out);
            bool away = mode == LIQ_ROUND_UP || mode == LIQ_ROUND_HALF_UP ||
                        mode == LIQ_ROUND_HALF_EVEN ||   /* 2^126 - 1 is odd: the tie goes up */
                        (mode == LIQ_ROUND_FLOOR && sg < 0) || (mode == LIQ_ROUND_CEIL && sg > 0);
            if (away) {
                assert_int_equal(rs, LIQ_EOVERFLOW);
                assert_true(out.raw == SENTINEL_RAW);
            } else {
                assert_int_equal(rs, LIQ_OK);
                assert_true(out.raw == sg * (max - 1));
            }
        }
    assert_true(n > 1000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mul_fast_path_at_its_guard_agrees_with_the_wide_path),
        cmocka_unit_test(test_div_fast_path_at_its_guard_agrees_with_the_wide_path),
        cmocka_unit_test(test_format_at_its_splits_writes_the_digits),
        cmocka_unit_test(test_quantize_agrees_with_the_multiples_either_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
