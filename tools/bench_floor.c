/*
 * bench_floor.c — the floor `liqsim bench` measures evaluations against:
 * the formulas of one evaluation of the bench's trade (a linear position,
 * isolated, under a table policy: maintenance tier, liquidation price
 * with Binance's re-bracketing, bankruptcy price, the walk to the
 * trigger, the fill, the realized loss, the fee capped at what is left,
 * the deficit to the fund), written straight in C with liqsim's own
 * decimals and their status checks: no stages, no result block, no
 * generality. The bench prints how close liq_eval comes to it, and
 * checks that both give the same answer, so the floor is the same work.
 */
#include "bench.h"

#include "policy.h"
#include "scenario.h"

#include <string.h>

/* The sticky status of the engine's calc.h, with the public API only. */
typedef struct fcalc { liq_status st; } fcalc;

static liq_dec f_mul(fcalc *c, liq_dec a, liq_dec b, liq_round m)
{
    liq_dec r = LIQ_DEC_ZERO;
    if (c->st == LIQ_OK)
        c->st = liq_dec_mul(a, b, m, &r);
    return r;
}

static liq_dec f_div(fcalc *c, liq_dec a, liq_dec b, liq_round m)
{
    liq_dec r = LIQ_DEC_ZERO;
    if (c->st == LIQ_OK)
        c->st = liq_dec_div(a, b, m, &r);
    return r;
}

static liq_dec f_add(fcalc *c, liq_dec a, liq_dec b)
{
    liq_dec r = LIQ_DEC_ZERO;
    if (c->st == LIQ_OK)
        c->st = liq_dec_add(a, b, &r);
    return r;
}

static liq_dec f_sub(fcalc *c, liq_dec a, liq_dec b)
{
    liq_dec r = LIQ_DEC_ZERO;
    if (c->st == LIQ_OK)
        c->st = liq_dec_sub(a, b, &r);
    return r;
}

static size_t tier_of(const p_root *pr, liq_dec notional)
{
    size_t n = root_ntiers(pr);
    for (size_t i = 0; i < n; i++) {
        const p_tier *t = root_tier(pr, i);
        if (!t->up_to.set || liq_dec_cmp(notional, t->up_to.v) <= 0)
            return i;
    }
    return n - 1;
}

/* long:  P = (S*E - C - d) / (S*(1 - r));  short: P = (S*E + C + d) / (S*(1 + r)) */
static liq_dec liq_price(fcalc *c, const bench_floor_in *in, int sgn, liq_dec im, size_t t)
{
    const p_tier *tier = root_tier(in->pr, t);
    liq_dec one = liq_dec_from_int(1);
    liq_dec se = f_mul(c, in->size, in->entry, LIQ_ROUND_HALF_EVEN);
    liq_dec cd = f_add(c, im, tier->deduction.v);
    liq_dec num = sgn > 0 ? f_sub(c, se, cd) : f_add(c, se, cd);
    liq_dec den = f_mul(c, in->size, sgn > 0 ? f_sub(c, one, tier->rate.v)
                                             : f_add(c, one, tier->rate.v), LIQ_ROUND_HALF_EVEN);
    return f_div(c, num, den, sgn > 0 ? LIQ_ROUND_CEIL : LIQ_ROUND_FLOOR);
}

liq_status bench_floor_eval(const bench_floor_in *in, bench_floor_out *o)
{
    fcalc c = {LIQ_OK};
    const p_root *pr = in->pr;
    int sgn = in->sgn;
    liq_dec zero = LIQ_DEC_ZERO, one = liq_dec_from_int(1);
    liq_dec notional = f_mul(&c, in->size, in->entry, LIQ_ROUND_HALF_EVEN);
    liq_dec im = f_div(&c, notional, in->lev, LIQ_ROUND_HALF_EVEN);
    size_t t = tier_of(pr, notional);
    const p_tier *tier = root_tier(pr, t);
    o->mm = liq_dec_max(f_sub(&c, f_mul(&c, notional, tier->rate.v, LIQ_ROUND_HALF_EVEN),
                              tier->deduction.v), zero);
    o->lp = liq_price(&c, in, sgn, im, t);
    for (size_t i = 0; pr->margin.maintenance.rebracket.v && i < root_ntiers(pr); i++) {
        size_t t2 = tier_of(pr, f_mul(&c, in->size, o->lp, LIQ_ROUND_HALF_EVEN));
        if (t2 == t)
            break;
        o->lp = liq_price(&c, in, sgn, im, t = t2);
    }
    liq_dec move = f_div(&c, im, in->size, LIQ_ROUND_FLOOR);
    o->bp = sgn > 0 ? f_sub(&c, in->entry, move) : f_add(&c, in->entry, move);
    o->liquidated = false;
    o->deficit = zero;
    o->final_balance = im;
    for (size_t i = 0; i < in->npx; i++) {
        liq_dec mark = in->px[i];
        if (sgn > 0 ? liq_dec_cmp(mark, o->lp) > 0 : liq_dec_cmp(mark, o->lp) < 0)
            continue;
        o->liquidated = true;
        liq_dec factor = sgn > 0 ? f_sub(&c, one, in->slip) : f_add(&c, one, in->slip);
        o->fill = f_mul(&c, mark, factor, LIQ_ROUND_HALF_EVEN);
        liq_dec pnl_f = f_mul(&c, in->size, f_sub(&c, o->fill, in->entry), LIQ_ROUND_HALF_EVEN);
        if (sgn < 0)
            pnl_f = liq_dec_neg(pnl_f);
        liq_dec equity = f_add(&c, im, pnl_f);
        /* the fee on the fill's notional, capped at what is left */
        liq_dec fee = f_mul(&c, f_mul(&c, in->size, o->fill, LIQ_ROUND_HALF_EVEN),
                            pr->liquidation.fee.rate.v, (liq_round)pr->rounding.fee.v);
        fee = liq_dec_min(fee, liq_dec_max(equity, zero));
        equity = f_sub(&c, equity, fee);
        o->deficit = liq_dec_max(liq_dec_neg(equity), zero);
        /* the fund covers the deficit: the trader ends at zero or above */
        o->final_balance = f_add(&c, equity, o->deficit);
        break;
    }
    return c.st;
}
