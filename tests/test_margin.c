/*
 * test_margin.c — the liquidation price a maintenance_margin hook
 * decides (engine/margin.c, solve_hooked).
 *
 * The rule: the answer is the bisection's, to the last digit. The
 * bisection halves [entry, bankruptcy] until it is 1e-9 wide and keeps
 * the safe end; for a hook linear in the price (both shipped ones are)
 * the solver predicts most halvings from the secant instead of calling
 * the hook, calls it only near the root and at the two ends of the last
 * bracket. Checked here against the bisection that calls the hook at
 * every halving, for random positions (both sides, every leverage the
 * venue offers, sizes from dust to large, isolated and cross, and the
 * rest of a partial close), under both shipped hooked policies.
 *
 * A replay asks only for a price its marks reach (wf_liq_price_reached):
 * for each position and several ranges of marks around its entry, the
 * answer is the bisection's, or none where the bisection's price lies
 * beyond every mark of the range (a long's below the lowest, a short's
 * above the highest).
 *
 * The table model's prices at open (wf_position, then wf_open_prices),
 * worked by hand: a long in the first tier takes the closed-form root
 * of that tier, whichever side of entry it lies on, with raws inside
 * and beyond 64 bits alike.
 */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "waterfall.h"

static uint64_t next(uint64_t *g)
{
    *g ^= *g << 13;
    *g ^= *g >> 7;
    *g ^= *g << 17;
    return *g;
}

static int64_t between(uint64_t *g, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(next(g) % (uint64_t)(hi - lo + 1));
}

/* The liquidation price of (size, coll) for the position s opens under
 * p, by the model (bisect_every false) or by the plain bisection; then
 * for ranges of marks around the entry, reached or none (counted in
 * unreached when a price exists). */
static void both_prices(liq_policy *p, const liq_scenario *s, bool partial, int *compared,
                        int *unreached)
{
    liq_diags d = LIQ_DIAGS_INIT;
    liq_result quiet;
    memset(&quiet, 0, sizeof quiet);
    quiet.quiet = true;
    char refusal[WF_REFUSAL];
    const liq_market *mkt = p->nmarkets ? &p->markets[0] : NULL;
    const p_root *pr = mkt ? &mkt->r : &p->r;
    wf w = {.p = p, .pr = pr, .mkt = mkt, .s = s, .sp = s->legs[0].p, .px = s->legs[0].px,
            .px_m = s->legs[0].px_m, .npx = s->npath, .r = &quiet, .d = &d,
            .c = {LIQ_OK, NULL}, .refusal = refusal,
            .fee_mode = (liq_round)pr->rounding.fee.v,
            .amount_mode = (liq_round)pr->rounding.amount.v};
    assert_int_equal(wf_position(&w), LIQ_OK);
    if (w.refused) {
        liq_diags_free(&d);
        return;
    }
    liq_dec size = w.size, coll = w.collateral;
    if (partial) {
        /* The rest of a partial close: a third of the size with half the
         * margin, as the walk asks after a slice. */
        assert_int_equal(liq_dec_div(size, liq_dec_from_int(3), LIQ_ROUND_DOWN, &size), LIQ_OK);
        assert_int_equal(liq_dec_div(coll, liq_dec_from_int(2), LIQ_ROUND_DOWN, &coll), LIQ_OK);
    }
    bool has_model = false, has_bisect = false;
    liq_dec by_model = LIQ_DEC_ZERO, by_bisect = LIQ_DEC_ZERO;
    w.bisect_every = false;
    assert_int_equal(wf_liq_price(&w, size, coll, &has_model, &by_model, NULL), LIQ_OK);
    w.bisect_every = true;
    assert_int_equal(wf_liq_price(&w, size, coll, &has_bisect, &by_bisect, NULL), LIQ_OK);
    char a[LIQ_DEC_STRLEN], b[LIQ_DEC_STRLEN];
    liq_dec_format(by_model, a);
    liq_dec_format(by_bisect, b);
    if (has_model != has_bisect || strcmp(a, b) != 0)
        fail_msg("%s, scenario %s%s: model %s (%d), bisection %s (%d)", p->r.name.v,
                 s->r.name.v, partial ? " (rest of a partial close)" : "", a, has_model, b,
                 has_bisect);
    (*compared)++;
    /* Marks from lo% to hi% of the entry. */
    static const int64_t ranges[][2] = {{50, 100}, {90, 110}, {97, 150}, {99, 101}, {20, 500}};
    for (size_t k = 0; k < sizeof ranges / sizeof *ranges; k++) {
        wf_reach reach;
        liq_dec pct = {(liq_i128)10000000000};   /* 0.01 */
        assert_int_equal(liq_dec_mul(w.entry, liq_dec_from_int(ranges[k][0]), LIQ_ROUND_DOWN, &reach.lo), LIQ_OK);
        assert_int_equal(liq_dec_mul(reach.lo, pct, LIQ_ROUND_DOWN, &reach.lo), LIQ_OK);
        assert_int_equal(liq_dec_mul(w.entry, liq_dec_from_int(ranges[k][1]), LIQ_ROUND_DOWN, &reach.hi), LIQ_OK);
        assert_int_equal(liq_dec_mul(reach.hi, pct, LIQ_ROUND_DOWN, &reach.hi), LIQ_OK);
        bool has_reached = false;
        liq_dec by_reach = LIQ_DEC_ZERO;
        w.bisect_every = false;
        assert_int_equal(wf_liq_price_reached(&w, size, coll, &reach, &has_reached, &by_reach), LIQ_OK);
        liq_dec_format(by_reach, a);
        if (has_reached) {
            if (!has_bisect || strcmp(a, b) != 0)
                fail_msg("%s, scenario %s%s, marks %lld%%..%lld%%: reached %s, bisection %s (%d)",
                         p->r.name.v, s->r.name.v, partial ? " (rest of a partial close)" : "", 
                         (long long)ranges[k][0], (long long)ranges[k][1], a, b, has_bisect);
            continue;
        }
        /* none: the bisection's price, if any, is beyond every mark */
        bool beyond = !has_bisect || (w.sgn > 0 ? liq_dec_cmp(by_bisect, reach.lo) < 0
                                                : liq_dec_cmp(by_bisect, reach.hi) > 0);
        if (!beyond)
            fail_msg("%s, scenario %s%s, marks %lld%%..%lld%%: none, but the bisection's %s is "
                     "reached", p->r.name.v, s->r.name.v, partial ? " (rest of a partial close)" : "",
                     (long long)ranges[k][0], (long long)ranges[k][1], b);
        if (has_bisect)
            (*unreached)++;
    }
    liq_diags_free(&d);
}

static void random_positions(const char *policy, int max_leverage, bool cross_only)
{
    liq_policy *p = load_policy_or_fail(policy);
    uint64_t g = 0x9e3779b97f4a7c15u;
    int compared = 0, unreached = 0;
    for (int i = 0; i < 150; i++) {
        int64_t lev = between(&g, 1, max_leverage);
        int64_t entry = between(&g, 100, 120000);             /* whole units */
        int64_t size_milli = between(&g, 1, 50000);           /* 0.001 .. 50 */
        bool lng = next(&g) & 1;
        bool cross = cross_only || (next(&g) & 3) == 0;
        /* cross: free margin of up to once the initial margin more */
        int64_t extra_pct = cross ? between(&g, 0, 100) : 0;
        /* collateral in thousandths: the initial margin (plus the free
         * part), one thousandth over so that integer division never
         * leaves it short */
        int64_t coll_milli = size_milli * entry * (100 + extra_pct) / 100 / lev + 1;
        char yaml[600];
        snprintf(yaml, sizeof yaml,
                 "name: solver-%d\n"
                 "account: {collateral: \"%lld.%03lld\", mode: %s}\n"
                 "position: {side: %s, size: \"%lld.%03lld\", entry_price: \"%lld\", leverage: %lld}\n"
                 "market:\n  mark_path: [\"%lld\"]\n",
                 i, (long long)(coll_milli / 1000), (long long)(coll_milli % 1000),
                 cross ? "cross" : "isolated", lng ? "long" : "short",
                 (long long)(size_milli / 1000), (long long)(size_milli % 1000), (long long)entry,
                 (long long)lev, (long long)entry);
        liq_scenario *s = parse_scenario_or_fail("solver", yaml);
        both_prices(p, s, false, &compared, &unreached);
        both_prices(p, s, true, &compared, &unreached);
        liq_scenario_free(s);
    }
    /* Most random trades are within the venue's limits: the check ran. */
    assert_true(compared > 200);
    /* ... and some of their prices lie beyond the narrower ranges. */
    assert_true(unreached > 50);
    liq_policy_free(p);
}

static void test_deribit_liquidation_price_is_the_bisections(void **state)
{
    (void)state;
    random_positions(LIQ_SOURCE_DIR "/policies/deribit.yaml", 50, false);
}

static void test_kraken_spot_margin_liquidation_price_is_the_bisections(void **state)
{
    (void)state;
    random_positions(LIQ_SOURCE_DIR "/policies/kraken-spot-margin.yaml", 5, true);
}

/* Open the scenario's position under binance-usdm as an evaluation does
 * and format its liquidation and bankruptcy prices into lp and bp. */
static void open_prices(const char *yaml, char *lp, char *bp)
{
    liq_policy *p = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/binance-usdm.yaml");
    liq_scenario *s = parse_scenario_or_fail("open", yaml);
    liq_diags d = LIQ_DIAGS_INIT;
    liq_result quiet;
    memset(&quiet, 0, sizeof quiet);
    quiet.quiet = true;
    char refusal[WF_REFUSAL];
    const p_root *pr = &p->markets[0].r;
    wf w = {.p = p, .pr = pr, .mkt = &p->markets[0], .s = s, .sp = s->legs[0].p,
            .px = s->legs[0].px, .px_m = s->legs[0].px_m, .npx = s->npath, .r = &quiet,
            .d = &d, .c = {LIQ_OK, NULL}, .refusal = refusal,
            .fee_mode = (liq_round)pr->rounding.fee.v,
            .amount_mode = (liq_round)pr->rounding.amount.v};
    assert_int_equal(wf_position(&w), LIQ_OK);
    assert_false(w.refused);
    assert_int_equal(wf_open_prices(&w), LIQ_OK);
    assert_true(w.has_lp && w.has_bp);
    liq_dec_format(w.lp, lp);
    liq_dec_format(w.bp, bp);
    liq_diags_free(&d);
    liq_scenario_free(s);
    liq_policy_free(p);
}

/* Binance's first bracket (rate 0.4 %, no deduction), a long at 10x:
 * C = S x E / 10, so P = (S x E - C) / (S x (1 - r)) = E x 0.9 / 0.996
 * = 0.000903614457831... at E = 0.001, rounded up (against the long):
 * 0.000903614458; the bankruptcy price E - C / S = 0.0009. The same for
 * a size whose raw (9e18) fits in 64 bits and one whose raw (1e19) does
 * not. */
static void test_first_tier_long_price_at_64_bit_edge(void **state)
{
    (void)state;
    static const char *const sizes[][2] = {{"9000000", "900"}, {"10000000", "1000"}};
    for (size_t i = 0; i < 2; i++) {
        char yaml[300], lp[LIQ_DEC_STRLEN], bp[LIQ_DEC_STRLEN];
        snprintf(yaml, sizeof yaml,
                 "name: edge\n"
                 "account: {collateral: \"%s\", mode: isolated}\n"
                 "position: {side: long, size: \"%s\", entry_price: \"0.001\", leverage: 10}\n"
                 "market:\n  mark_path: [\"0.001\"]\n",
                 sizes[i][1], sizes[i][0]);
        open_prices(yaml, lp, bp);
        assert_string_equal(lp, "0.000903614458");
        assert_string_equal(bp, "0.0009");
    }
}

/* An existing long already under water in the first bracket: size 1 at
 * 1000 with a margin of 2 (500x) against a maintenance margin of 4. Its
 * root P = (1000 - 2) / 0.996 = 1002.008032128514... lies above entry
 * and is still the answer (the position is liquidatable as it stands),
 * rounded up: 1002.008032128515; bankrupt at 1000 - 2 = 998. */
static void test_first_tier_long_under_water_price_above_entry(void **state)
{
    (void)state;
    char lp[LIQ_DEC_STRLEN], bp[LIQ_DEC_STRLEN];
    open_prices("name: under-water\n"
                "account: {collateral: \"2\", mode: isolated}\n"
                "position: {side: long, size: \"1\", entry_price: \"1000\", leverage: 500, "
                "existing: true}\n"
                "market:\n  mark_path: [\"1000\"]\n",
                lp, bp);
    assert_string_equal(lp, "1002.008032128515");
    assert_string_equal(bp, "998");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deribit_liquidation_price_is_the_bisections),
        cmocka_unit_test(test_kraken_spot_margin_liquidation_price_is_the_bisections),
        cmocka_unit_test(test_first_tier_long_price_at_64_bit_edge),
        cmocka_unit_test(test_first_tier_long_under_water_price_above_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
