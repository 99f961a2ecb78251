/*
 * socialize.c — how a socialized loss is split among the accounts that
 * pay it: the one rule a single evaluation (its per-unit amount) and a
 * replay (each account's charge) both use.
 *
 * A method names the unit the loss is spread over: `clawback` charges
 * the winners pro rata to their unrealized profit (Deribit's "among the
 * winning traders", OKEx 2018's "equal percentage from all profited
 * traders": the unit is one unit of profit, and the per-unit amount the
 * share of profit taken); `funding` charges every open position of the
 * market, long or short, the same amount per base unit (Drift's
 * resolve_perp_bankruptcy moves the cumulative funding rate of both
 * sides by loss / (|long base| + |short base|)).
 *
 * Rounding is the venue's where the policy gives it: the per-unit amount
 * up to `socialized_loss.unit_step` (Drift's safe_div_ceil at its quote
 * precision), each charge down to `charge_step` (Drift's truncating
 * funding payment); the charges then need not sum to the loss, and the
 * difference is the venue's. Without steps the shares are exact: each
 * payer's charge is loss x units / total rounded down, the last payer's
 * the remainder, so they sum to the loss to the last unit.
 */
#include "waterfall.h"

bool wf_soc_venue_rounding(const wf *w)
{
    const p_social *ps = &w->pr->socialized_loss;
    return ps->unit_step.set || ps->charge_step.set;
}

liq_dec wf_soc_per_unit(wf *w, liq_dec loss, liq_dec units)
{
    const p_social *ps = &w->pr->socialized_loss;
    if (!d_pos(units))
        return LIQ_DEC_ZERO;
    /* Up: the venue never spreads less than the loss over the units. */
    if (ps->unit_step.set)
        return c_quant(&w->c, c_divr(&w->c, loss, units, LIQ_ROUND_CEIL), ps->unit_step.v,
                       LIQ_ROUND_CEIL);
    return c_div(&w->c, loss, units);
}

liq_dec wf_soc_charge(wf *w, liq_dec loss, liq_dec per_unit, liq_dec units, liq_dec total,
                      liq_dec charged, bool last)
{
    const p_social *ps = &w->pr->socialized_loss;
    if (!wf_soc_venue_rounding(w))
        return last ? c_sub(&w->c, loss, charged)
                    : c_divr(&w->c, c_mul(&w->c, loss, units), total, LIQ_ROUND_FLOOR);
    liq_dec v = c_mul(&w->c, per_unit, units);
    /* Down: a payer is never charged more than its units' share. */
    if (ps->charge_step.set)
        v = c_quant(&w->c, v, ps->charge_step.v, LIQ_ROUND_FLOOR);
    return v;
}
