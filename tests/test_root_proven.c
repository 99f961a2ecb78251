/*
 * test_root_proven.c — the table solver's proven closed form
 * (engine/margin.c: root_proven, linear_root; calc.h's proven
 * arithmetic).
 *
 * The rule: the liquidation price of a linear contract under a
 * mark-based table, P = (S*E -+ (C + d)) / (S*(1 -+ r)), is computed on
 * the raws' low words when its inputs pass the range proof, and gives the
 * checked path's answer bit for bit; one raw beyond any bound of the
 * proof takes the checked path. The bounds: the units q below 2^62 raw,
 * the entry notional se, the margin C and the deduction d each from 0 to
 * below 2^60 raw (about 1.15 million), the rate r from 0 to 1, and no
 * failure before. Each is tried at its last raw inside and its first
 * outside, with the others small; then the extremes the proof's argument
 * names (den = 2q at a rate of 1 for a short, the largest numerator over
 * the smallest denominator, a quotient beyond 64 bits); then random
 * inputs of every bit length up to 64, both sides, both roundings.
 */
#include "support/support.h"

#include <string.h>

#include "waterfall.h"

static liq_dec raw(liq_i128 r)
{
    return (liq_dec){r};
}

/* The root of (q, se, coll, ded, rate) for side sgn, on the path the
 * inputs choose and on the checked path: the same answer, the same
 * price, the same status. Returns whether the proof held. */
static bool root_both_ways(int sgn, liq_dec q, liq_dec se, liq_dec coll, liq_dec ded,
                           liq_dec rate)
{
    wf w;
    memset(&w, 0, sizeof w);
    w.sgn = sgn;
    w.c = (calc){LIQ_OK, NULL};
    liq_round dir = sgn > 0 ? LIQ_ROUND_CEIL : LIQ_ROUND_FLOOR;
    bool proven = wf_root_proven(&w, q, se, coll, ded, rate);
    liq_dec a = raw(0x5a5a), b = raw(0x5a5a);
    bool ha = wf_linear_root(&w, proven, q, se, coll, ded, rate, dir, &a);
    liq_status sa = w.c.st;
    w.c = (calc){LIQ_OK, NULL};
    bool hb = wf_linear_root(&w, false, q, se, coll, ded, rate, dir, &b);
    liq_status sb = w.c.st;
    if (proven && sb != LIQ_OK)
        fail_msg("proven, but the checked path fails (%d)", (int)sb);
    if (ha != hb || sa != sb || (ha && sa == LIQ_OK && a.raw != b.raw)) {
        char x[LIQ_DEC_STRLEN], y[LIQ_DEC_STRLEN], u[LIQ_DEC_STRLEN], v[LIQ_DEC_STRLEN];
        liq_dec_format(q, x);
        liq_dec_format(se, y);
        liq_dec_format(a, u);
        liq_dec_format(b, v);
        fail_msg("side %d, q %s, se %s (%s): root %d %s, checked %d %s, status %d/%d", sgn, x, y,
                 proven ? "proven" : "checked", ha, u, hb, v, (int)sa, (int)sb);
    }
    return proven;
}

/* Both sides, each bound at its last raw inside and its first outside.
 * Small inputs elsewhere: 0.2 units, an entry notional of 10,000, a
 * margin of 1,000, no deduction, Binance's first rate 0.004. */
static void test_each_bound_inside_proven_and_one_raw_past_checked(void **state)
{
    (void)state;
    liq_dec q = D("0.2"), se = D("10000"), c = D("1000"), d = LIQ_DEC_ZERO;
    liq_dec r = D("0.004");
    liq_dec in60 = raw(((liq_i128)1 << 60) - 1), out60 = raw((liq_i128)1 << 60);
    for (int sgn = -1; sgn <= 1; sgn += 2) {
        assert_true(root_both_ways(sgn, q, se, c, d, r));
        /* The units: 2^62 - 1 raw (4611686.018427387903), then 2^62. */
        assert_true(root_both_ways(sgn, raw(((liq_i128)1 << 62) - 1), se, c, d, r));
        assert_false(root_both_ways(sgn, raw((liq_i128)1 << 62), se, c, d, r));
        /* The entry notional, the margin, the deduction: 2^60 - 1 raw,
         * then 2^60; and below zero. */
        assert_true(root_both_ways(sgn, q, in60, c, d, r));
        assert_false(root_both_ways(sgn, q, out60, c, d, r));
        assert_false(root_both_ways(sgn, q, D("-1"), c, d, r));
        assert_true(root_both_ways(sgn, q, se, in60, d, r));
        assert_false(root_both_ways(sgn, q, se, out60, d, r));
        assert_false(root_both_ways(sgn, q, se, D("-1"), d, r));
        assert_true(root_both_ways(sgn, q, se, c, in60, r));
        assert_false(root_both_ways(sgn, q, se, c, out60, r));
        assert_false(root_both_ways(sgn, q, se, c, D("-50"), r));
        /* The rate: 1, then one raw above; and below zero. */
        assert_true(root_both_ways(sgn, q, se, c, d, D("1")));
        assert_false(root_both_ways(sgn, q, se, c, d, raw(1000000000001)));
        assert_false(root_both_ways(sgn, q, se, c, d, raw(-1)));
        /* Every input at its largest at once: a short's den = 2q at a
         * rate of 1, the sum C + d near 2^61, the numerator near 2^62. */
        liq_dec q_in = raw(((liq_i128)1 << 62) - 1);
        assert_true(root_both_ways(sgn, q_in, in60, in60, in60, D("1")));
        assert_true(root_both_ways(sgn, q_in, in60, in60, in60, LIQ_DEC_ZERO));
        /* The largest numerator over the smallest denominator (one raw
         * unit at no rate): a quotient far beyond 64 bits. */
        assert_true(root_both_ways(sgn, raw(1), in60, LIQ_DEC_ZERO, LIQ_DEC_ZERO, LIQ_DEC_ZERO));
        /* Beyond 64 bits the checked path still answers, or says overflow. */
        assert_false(root_both_ways(sgn, D("100000000"), D("1000000000000"), c, d, r));
    }
    /* A status already failed: the checked operations answer zero, so
     * the proof does not hold. */
    wf w;
    memset(&w, 0, sizeof w);
    w.sgn = 1;
    w.c = (calc){LIQ_EOVERFLOW, "test"};
    assert_false(wf_root_proven(&w, q, se, c, d, r));
}

static uint64_t next(uint64_t *g)
{
    *g ^= *g << 13;
    *g ^= *g >> 7;
    *g ^= *g << 17;
    return *g;
}

/* A raw of a random bit length from lo to hi, positive or (one in
 * eight) negated. */
static liq_i128 bits_raw(uint64_t *g, unsigned lo, unsigned hi)
{
    unsigned b = lo + (unsigned)(next(g) % (hi - lo + 1));
    uint64_t v = b >= 64 ? next(g) : next(g) & ((1ull << b) - 1);
    liq_i128 x = (liq_i128)v | ((liq_i128)1 << (b ? b - 1 : 0));
    return next(g) % 8 == 0 ? -x : x;
}

static void test_random_proven_roots_match_the_checked_path(void **state)
{
    (void)state;
    uint64_t g = 0x9e3779b97f4a7c15u;
    int proven = 0, checked = 0;
    for (int i = 0; i < 100000; i++) {
        liq_dec q = raw(bits_raw(&g, 1, 64)), se = raw(bits_raw(&g, 1, 64));
        liq_dec c = raw(bits_raw(&g, 1, 64)), d = raw(bits_raw(&g, 0, 64));
        /* rates from 0 to 1.2: mostly inside the proof's [0, 1] */
        liq_dec r = raw((liq_i128)(next(&g) % 1200000000001u));
        if (root_both_ways((next(&g) & 1) ? 1 : -1, q, se, c, d, r))
            proven++;
        else
            checked++;
    }
    assert_true(proven > 10000);
    assert_true(checked > 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_bound_inside_proven_and_one_raw_past_checked),
        cmocka_unit_test(test_random_proven_roots_match_the_checked_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
