/*
 * interest.c — interest on the venue's margin loan, charged along the
 * path (the policy's `interest:` section, docs/waterfall.md "Interest").
 *
 * Owns the two rules every walk applies: how many periods fall due at a
 * tick (the path's time, `market.tick_hours` apart, crossing multiples
 * of `interest.period_hours`, plus Kraken's opening charge), and what one
 * period costs a position (a rate per period on the amount the venue
 * lent, or IBKR's annual benchmark plus a spread per slice of the debit
 * balance over its day count). The walks (trigger.c for an evaluation,
 * replay.c for a book) take the charge off the margin and solve the
 * liquidation price again; who receives it is the venue, the lender.
 */
#include "waterfall.h"

static const liq_dec hours_per_day = {(liq_i128)24 * 1000000000000};   /* 24 */

void wf_interest_setup(wf *w, bool has_hours, liq_dec hours, bool has_bench, liq_dec bench)
{
    const p_interest *in = &w->pr->interest;
    w->interest_on = false;
    w->interest_why = NULL;
    w->has_benchmark = has_bench;
    /* IBKR: "a benchmark rate of 0 for all benchmark rates less than 0". */
    w->benchmark = has_bench && d_neg(bench) ? LIQ_DEC_ZERO : bench;
    if (!in->prov.present)
        return;
    if (!has_hours) {
        w->interest_why = "the path gives no time between its ticks (market.tick_hours; replay --tick-hours)";
        return;
    }
    if (in->tiers.n && !has_bench) {
        w->interest_why = "its rate is an annual benchmark plus a spread, and the scenario gives "
                          "no benchmark (market.interest_benchmark)";
        return;
    }
    w->interest_on = true;
    w->tick_hours = hours;
}

bool wf_interest_on_debt(wf *w, liq_dec owed, liq_dec *per_period)
{
    const p_interest *in = &w->pr->interest;
    if (!in->prov.present || (in->tiers.n && !w->has_benchmark) || !d_pos(owed))
        return false;
    /* A negative balance in the settlement currency is a debit: charged as
     * a long's loan is (the rate, or the tiers over the benchmark). */
    int sgn = w->sgn;
    w->sgn = 1;
    *per_period = wf_interest_charge(w, owed, c_int(1));
    w->sgn = sgn;
    return w->c.st == LIQ_OK;
}

liq_dec wf_interest_periods(wf *w, size_t t)
{
    const p_interest *in = &w->pr->interest;
    if (!w->interest_on)
        return LIQ_DEC_ZERO;
    if (t == 0)
        return in->opening.v ? c_int(1) : LIQ_DEC_ZERO;
    /* Whole periods elapsed at t less those elapsed at t - 1: one charge
     * per boundary crossed (Kraken's rollover "every 4 hours", starting
     * after the first four). */
    liq_dec p = in->period_hours.v, step = c_int(1);
    liq_dec now = c_quant(&w->c, c_divr(&w->c, c_mul(&w->c, c_int((int64_t)t), w->tick_hours), p,
                                        LIQ_ROUND_FLOOR), step, LIQ_ROUND_FLOOR);
    liq_dec before = c_quant(&w->c, c_divr(&w->c, c_mul(&w->c, c_int((int64_t)t - 1),
                                                        w->tick_hours), p, LIQ_ROUND_FLOOR),
                             step, LIQ_ROUND_FLOOR);
    return c_sub(&w->c, now, before);
}

bool wf_interest_short_unknown(const wf *w)
{
    const p_interest *in = &w->pr->interest;
    return w->interest_on && w->sgn < 0 && !in->short_rate.set;
}

liq_dec wf_interest_base(wf *w, liq_dec size, liq_dec coll, liq_dec px)
{
    /* A short borrows the base asset, valued at the venue's price (Kraken:
     * "margin fees are based on the quantity of BTC that is sold"). */
    if (w->sgn < 0)
        return wf_notional(w, size, px);
    liq_dec cost = wf_entry_notional(w, size);
    if (w->pr->interest.base.v == INTBASE_LOAN)
        return cost;    /* Kraken: "Collateral also held in the account is not deducted" */
    /* IBKR: the negative cash balance, the cost less the account's own money. */
    return liq_dec_max(c_sub(&w->c, cost, coll), LIQ_DEC_ZERO);
}

liq_dec wf_interest_charge(wf *w, liq_dec base, liq_dec periods)
{
    const p_interest *in = &w->pr->interest;
    liq_dec per;
    if (!in->tiers.n) {
        per = c_mul(&w->c, base, w->sgn < 0 ? in->short_rate.v : in->rate.v);
    } else {
        /* Each slice of the balance at its tier's spread over the
         * benchmark (IBKR: 100,000 x (5.32% + 1.50%)/360 + 500,000 x
         * (5.32% + 1.00%)/360 = 106.72 a day on 600,000 USD). */
        const p_itier *t = in->tiers.items;
        liq_dec annual = LIQ_DEC_ZERO, below = LIQ_DEC_ZERO;
        for (size_t i = 0; i < in->tiers.n && d_gt(base, below); i++) {
            liq_dec top = t[i].up_to.set ? liq_dec_min(base, t[i].up_to.v) : base;
            liq_dec slice = c_sub(&w->c, top, below);
            annual = c_add(&w->c, annual,
                           c_mul(&w->c, slice, c_add(&w->c, w->benchmark, t[i].spread.v)));
            below = top;
        }
        liq_dec days = c_divr(&w->c, in->period_hours.v, hours_per_day, LIQ_ROUND_HALF_EVEN);
        per = c_div(&w->c, c_mul(&w->c, annual, days), c_int(in->day_count.v));
    }
    return wf_round_amount(w, c_mul(&w->c, per, periods), w->amount_mode);
}
