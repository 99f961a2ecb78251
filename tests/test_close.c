/*
 * test_close.c — the close's proven path (engine/close.c, close_proven;
 * calc.h's proven arithmetic).
 *
 * The rule: a close whose inputs pass the range proof is computed on the
 * raws' low words, and gives the checked path's answer bit for bit; a
 * close one raw beyond any bound of the proof takes the checked path.
 * Each bound is tried at its last raw inside and its first outside,
 * with every other input small: the size below 2^62, the collateral
 * below 2^60, the mark, the entry and the traded price below 2^61, the
 * slippage at most 1, and size x (3 x the largest price + tick + 1) at
 * most 2^60 x 10^12 (at a mark and entry of 50,000 and no tick: a size
 * of 7.686143364045 is the last inside). Then random closes, their raws
 * of every bit length up to 64 under four linear policies (a plain one,
 * an amount step, partial slices, a fee hook that never proves): every
 * proven close matches the checked one, and both kinds occur.
 */
#include "support/support.h"

#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "waterfall.h"

/* A position opened under the policy as an evaluation opens it, with
 * its result quiet (no events), ready for closes at any inputs. */
typedef struct opened {
    liq_policy *p;
    liq_scenario *s;
    liq_diags d;
    liq_result quiet;
    char refusal[WF_REFUSAL];
    wf w;
} opened;

static void open_long(opened *o, const char *policy)
{
    memset(o, 0, sizeof *o);
    o->p = load_policy_or_fail(policy);
    o->s = parse_scenario_or_fail("close",
                                  "name: close\n"
                                  "account: {collateral: \"5000\", mode: isolated}\n"
                                  "position: {side: long, size: \"0.2\", entry_price: \"50000\", "
                                  "leverage: 2}\n"
                                  "market:\n  mark_path: [\"50000\", \"42500\"]\n");
    o->d = (liq_diags)LIQ_DIAGS_INIT;
    o->quiet.quiet = true;
    const liq_market *mkt = o->p->nmarkets ? &o->p->markets[0] : NULL;
    const p_root *pr = mkt ? &mkt->r : &o->p->r;
    o->w = (wf){.p = o->p, .pr = pr, .mkt = mkt, .s = o->s, .sp = o->s->legs[0].p,
                .px = o->s->legs[0].px, .px_m = o->s->legs[0].px_m, .npx = o->s->npath,
                .r = &o->quiet, .d = &o->d, .c = {LIQ_OK, NULL}, .refusal = o->refusal,
                .fee_mode = (liq_round)pr->rounding.fee.v,
                .amount_mode = (liq_round)pr->rounding.amount.v};
    assert_int_equal(wf_position(&o->w), LIQ_OK);
    assert_false(o->w.refused);
    assert_int_equal(wf_open_prices(&o->w), LIQ_OK);
    /* Every policy here has a contract size of 1 (close_both_ways). */
    assert_true(o->w.csize_one && liq_dec_cmp(o->w.csize, liq_dec_from_int(1)) == 0);
}

static void close_opened(opened *o)
{
    liq_diags_free(&o->d);
    liq_scenario_free(o->s);
    liq_policy_free(o->p);
}

static liq_dec raw(liq_i128 r)
{
    return (liq_dec){r};
}

/* One close of (size, coll) at mark with slip, at the position's entry
 * `entry`, on the path the inputs choose and on the checked path: the
 * same status, steps and amounts. Returns whether the proof held. */
static bool close_both_ways(opened *o, liq_dec entry, liq_dec size, liq_dec coll, liq_dec mark,
                            liq_dec slip)
{
    wf *w = &o->w;
    w->entry = entry;
    w->bp_known = false;   /* the opening's bankruptcy price is not these inputs' */
    wf_step a[2], b[2];
    memset(a, 0x5a, sizeof a);
    memset(b, 0x5a, sizeof b);
    size_t na = 0, nb = 0;
    bool proven = wf_close_proven(w, size, coll, mark, slip, NULL, 1);
    w->c = (calc){LIQ_OK, NULL};
    liq_status sa = wf_close_at(w, size, coll, mark, slip, NULL, 1, a, &na);
    liq_status ca = w->c.st;
    /* The checked path: the same position with its contract size of 1
     * multiplied in (units = size x 1, exact), which the proof leaves
     * to the checked path. */
    w->csize_one = false;
    assert_false(wf_close_proven(w, size, coll, mark, slip, NULL, 1));
    w->c = (calc){LIQ_OK, NULL};
    liq_status sb = wf_close_at(w, size, coll, mark, slip, NULL, 1, b, &nb);
    liq_status cb = w->c.st;
    w->csize_one = true;
    w->c = (calc){LIQ_OK, NULL};
    char x[LIQ_DEC_STRLEN], y[LIQ_DEC_STRLEN], m[LIQ_DEC_STRLEN];
    liq_dec_format(size, x);
    liq_dec_format(coll, y);
    liq_dec_format(mark, m);
    if (proven && (sb != LIQ_OK || cb != LIQ_OK))
        fail_msg("%s: size %s, coll %s, mark %s: proven, but the checked path fails (%d)",
                 o->p->r.name.v, x, y, m, (int)(sb != LIQ_OK ? sb : cb));
    if (sa != sb || ca != cb || na != nb)
        fail_msg("%s: size %s, coll %s, mark %s: status %d/%d, steps %zu/%zu", o->p->r.name.v, x,
                 y, m, (int)sa, (int)sb, na, nb);
    for (size_t k = 0; sa == LIQ_OK && k < na; k++) {
        const wf_step *s = &a[k], *t = &b[k];
        const liq_dec *fa[] = {&s->kept, &s->size, &s->fill, &s->close, &s->bp, &s->pnl_t,
                               &s->pnl_f, &s->fee, &s->equity, &s->rest};
        const liq_dec *fb[] = {&t->kept, &t->size, &t->fill, &t->close, &t->bp, &t->pnl_t,
                               &t->pnl_f, &t->fee, &t->equity, &t->rest};
        static const char *const names[] = {"kept", "size", "fill", "close", "bp", "pnl_t",
                                            "pnl_f", "fee", "equity", "rest"};
        for (size_t f = 0; f < sizeof fa / sizeof *fa; f++)
            if (fa[f]->raw != fb[f]->raw) {
                char u[LIQ_DEC_STRLEN], v[LIQ_DEC_STRLEN];
                liq_dec_format(*fa[f], u);
                liq_dec_format(*fb[f], v);
                fail_msg("%s: size %s, coll %s, mark %s (%s): step %zu's %s is %s, checked %s",
                         o->p->r.name.v, x, y, m, proven ? "proven" : "checked", k, names[f], u,
                         v);
            }
        assert_true(s->sliced == t->sliced && s->takeover == t->takeover &&
                    s->backstop == t->backstop && s->kept_to == t->kept_to);
        /* the first sale step of a proven close (a backstop sells nothing) */
        assert_true(s->proven == (proven && k == 0 && !s->backstop) && !t->proven);
    }
    return proven;
}

#define BINANCE LIQ_SOURCE_DIR "/policies/binance-usdm.yaml"
#define SCALE_RAW ((liq_i128)1000000000000)

/* Each bound at its last raw inside (proven, the checked path's answer)
 * and its first raw outside (the checked path). Small inputs elsewhere:
 * the opening's size 0.2, margin 5000 (2x), entry 50,000, mark 42,500, no
 * slippage. */
static void test_each_bound_inside_proven_and_one_raw_past_checked(void **state)
{
    (void)state;
    opened o;
    open_long(&o, BINANCE);
    liq_dec e = D("50000"), s = D("0.2"), c = D("1000"), mk = D("42500");
    liq_dec zero = LIQ_DEC_ZERO;
    /* The plain close itself, and the slippage at 1 (a fill at 0). */
    assert_true(close_both_ways(&o, e, s, c, mk, D("0.02")));
    assert_true(close_both_ways(&o, e, s, c, mk, D("1")));
    assert_false(close_both_ways(&o, e, s, c, mk, raw(1000000000001)));
    assert_false(close_both_ways(&o, e, s, c, mk, raw(-1)));
    /* Collateral: 2^60 - 1 raw (1152921.504606846975), then 2^60; a
     * negative margin is not proven either. */
    assert_true(close_both_ways(&o, e, s, raw(((liq_i128)1 << 60) - 1), mk, zero));
    assert_false(close_both_ways(&o, e, s, raw((liq_i128)1 << 60), mk, zero));
    assert_false(close_both_ways(&o, e, s, D("-1"), mk, zero));
    /* The mark, the entry: 2^61 - 1 raw (2305843.009213693951), then
     * 2^61, for a size of 0.000001 (its product far inside). */
    liq_dec tiny = D("0.000001");
    liq_dec p_in = raw(((liq_i128)1 << 61) - 1), p_out = raw((liq_i128)1 << 61);
    assert_true(close_both_ways(&o, e, tiny, c, p_in, zero));
    assert_false(close_both_ways(&o, e, tiny, c, p_out, zero));
    assert_true(close_both_ways(&o, p_in, tiny, c, mk, zero));
    assert_false(close_both_ways(&o, p_out, tiny, c, mk, zero));
    /* The size: 2^62 - 1 raw at a price of one raw unit (G = 4), then 2^62. */
    liq_dec unit = raw(1);
    assert_true(close_both_ways(&o, unit, raw(((liq_i128)1 << 62) - 1), c, unit, zero));
    assert_false(close_both_ways(&o, unit, raw((liq_i128)1 << 62), c, unit, zero));
    /* The product: at mark = entry = 50,000, G = 150000000000000001 and
     * floor(2^60 x 10^12 / G) = 7686143364045 raw is the last size in. */
    assert_true(close_both_ways(&o, e, raw(7686143364045), c, e, zero));
    assert_false(close_both_ways(&o, e, raw(7686143364046), c, e, zero));
    /* Beyond 64 bits the checked path still answers, or says overflow. */
    assert_false(close_both_ways(&o, e, D("100000000"), D("1000000000000"), mk, zero));
    close_opened(&o);
}

/* The bounds the proof reads from the policy, each at its last raw in
 * and its first out, with every other input at its largest together:
 * the price tick and the amount step (below 2^56 raw), the fee rate (at
 * most 1) under each fee base (the fill, the trigger, the entry), every
 * price rounding, with the mark, traded price and entry at 2^61 - 1 raw
 * and the size at the product's bound for that tick (floor(2^60 x 10^12
 * / (3P + T + 1)) and one raw more), the collateral at 2^60 - 1, slippage
 * 0 and 1, both sides. The policy's rounding and fee are changed in
 * place (the opened position's copy; nothing else reads it). */
static void test_the_policys_bounds_at_their_edge_with_every_input_largest(void **state)
{
    (void)state;
    opened o;
    open_long(&o, BINANCE);
    p_root *pr = (p_root *)(void *)o.w.pr;
    const liq_i128 step_in = ((liq_i128)1 << 56) - 1, step_out = (liq_i128)1 << 56;
    const liq_i128 p_max = ((liq_i128)1 << 61) - 1, c_max = ((liq_i128)1 << 60) - 1;
    const liq_dec one = liq_dec_from_int(1);
    size_t proven = 0, checked = 0;
    for (int tk = 0; tk < 3; tk++)
        for (int st = 0; st < 3; st++)
            for (int fr = 0; fr < 2; fr++)
                for (int base = 0; base < 3; base++)
                    for (int prr = 0; prr < 8; prr++) {
                        /* tick / step: none, the last raw in, the first out */
                        liq_i128 tick = tk == 0 ? 0 : tk == 1 ? step_in : step_out;
                        liq_i128 step = st == 0 ? 0 : st == 1 ? step_in : step_out;
                        pr->rounding.price_tick = (pdec){.v = {tick}, .set = tk != 0};
                        pr->rounding.price.v = prr;
                        pr->rounding.amount_step = (pdec){.v = {step}, .set = st != 0};
                        pr->liquidation.fee.rate.v = fr ? (liq_dec){one.raw + 1} : one;
                        pr->liquidation.fee.base.v = base;
                        /* (a tick the price is not rounded to is not read) */
                        bool in = (tk != 2 || prr == PRR_NONE) && st != 2 && fr == 0;
                        /* the size at the product's bound for this tick (no tick
                         * when the price is not rounded) */
                        liq_i128 t = tk != 0 && prr != PRR_NONE ? tick : 0;
                        liq_i128 bound = (((liq_i128)1 << 60) * SCALE_RAW) / (3 * p_max + t + 1);
                        for (int over = 0; over < 2; over++)
                            for (int slip = 0; slip < 2; slip++)
                                for (int sgn = -1; sgn <= 1; sgn += 2) {
                                    o.w.sgn = sgn;
                                    bool pv = close_both_ways(&o, raw(p_max), raw(bound + over),
                                                              raw(c_max), raw(p_max),
                                                              slip ? one : LIQ_DEC_ZERO);
                                    if (pv != (in && !over))
                                        fail_msg("tick %d, step %d, rate %d, base %d, rounding "
                                                 "%d, size %s the bound: proven %d",
                                                 tk, st, fr, base, prr, over ? "past" : "at",
                                                 (int)pv);
                                    pv ? proven++ : checked++;
                                }
                    }
    assert_true(proven > 100 && checked > 100);
    close_opened(&o);
}

static uint64_t next(uint64_t *g)
{
    *g ^= *g << 13;
    *g ^= *g >> 7;
    *g ^= *g << 17;
    return *g;
}

/* A positive raw of a random bit length from lo to hi. */
static liq_i128 bits_raw(uint64_t *g, unsigned lo, unsigned hi)
{
    unsigned b = lo + (unsigned)(next(g) % (hi - lo + 1));
    uint64_t v = b >= 64 ? next(g) : next(g) & ((1ull << b) - 1);
    return (liq_i128)v | ((liq_i128)1 << (b ? b - 1 : 0));
}

static void random_closes(const char *policy, bool expect_proven)
{
    opened o;
    open_long(&o, policy);
    uint64_t g = 0x853c49e6748fea9bu;
    int proven = 0, checked = 0;
    for (int i = 0; i < 20000; i++) {
        liq_dec e = raw(bits_raw(&g, 30, 64));
        liq_dec m = raw(bits_raw(&g, 30, 64));
        liq_dec s = raw(bits_raw(&g, 1, 64));
        liq_dec c = raw(bits_raw(&g, 1, 64));
        liq_dec slip = raw((liq_i128)(next(&g) % 1000000000001u));
        o.w.sgn = (next(&g) & 1) ? 1 : -1;
        if (close_both_ways(&o, e, s, c, m, slip))
            proven++;
        else
            checked++;
    }
    if (expect_proven)
        assert_true(proven > 2000);
    else
        assert_int_equal(proven, 0);
    assert_true(checked > 2000);
    close_opened(&o);
}

static void test_random_proven_closes_match_the_checked_path(void **state)
{
    (void)state;
    random_closes(BINANCE, true);
    /* an amount step of 0.01 */
    random_closes(LIQ_SOURCE_DIR "/policies/interactive-brokers.yaml", true);
    /* partial slices */
    random_closes(LIQ_SOURCE_DIR "/policies/hyperliquid.yaml", true);
    /* a liquidation_fee hook: never proven */
    random_closes(LIQ_SOURCE_DIR "/policies/drift.yaml", false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_bound_inside_proven_and_one_raw_past_checked),
        cmocka_unit_test(test_the_policys_bounds_at_their_edge_with_every_input_largest),
        cmocka_unit_test(test_random_proven_closes_match_the_checked_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
