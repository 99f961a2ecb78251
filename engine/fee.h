/*
 * fee.h — the liquidation (clearance) fee, inline in the close that
 * charges it (close.c): rate x the policy's base notional, or the
 * policy's liquidation_fee hook; rounded to the venue's amount precision
 * (up by default: a venue never undercharges by rounding); capped at the
 * trader's remaining margin where the venue says so (Binance: "a portion
 * of the remaining collateral (if any) will go to the insurance fund"),
 * so the fee itself never deepens a deficit there.
 *
 * Every close computes it, and a call passing six 128-bit values cost
 * more than the rule; the hook's call and what the fee records (its
 * events, its trace line) are fee.c's, out of line.
 */
#ifndef LIQ_FEE_H
#define LIQ_FEE_H

#include "waterfall.h"

/* fee.c: the liquidation_fee hook's fee before rounding (*raw), its
 * inputs the close's; an error for a negative fee. */
liq_status wf_fee_hook(wf *w, liq_dec size, liq_dec trigger, liq_dec fill, liq_dec bp,
                       liq_dec notional, liq_dec equity, liq_dec *raw);
/* fee.c: what a charged fee records (a result that is not quiet): the
 * cap's event, the fee's event and, under --explain, its trace line. */
void wf_fee_record(wf *w, liq_dec fee, liq_dec uncapped, bool capped, liq_dec raw,
                   liq_dec notional, liq_dec equity, long step);

/* The fee on a close of `size` at `fill` (trigger: the mark that
 * triggered it; bp: the bankruptcy price, zero when none); equity is
 * the trader's after the close. pv: calc.h's, the close's range proven
 * (close.c; never with a fee hook). */
WF_INLINE liq_status wf_fee_pv(wf *w, bool pv, liq_dec size, liq_dec trigger, liq_dec fill,
                               liq_dec bp, liq_dec equity, long step, liq_dec *fee)
{
    const p_fee *pf = &w->pr->liquidation.fee;
    liq_dec px = pf->base.v == FEEBASE_FILL ? fill
               : pf->base.v == FEEBASE_TRIGGER ? trigger : w->entry;
    liq_dec notional = wf_notional_pv(w, pv, size, px);
    liq_dec raw;
    if (!pv && wf_hooked(w, HOOK_FEE)) {
        liq_status st = wf_fee_hook(w, size, trigger, fill, bp, notional, equity, &raw);
        if (st != LIQ_OK) {
            *fee = LIQ_DEC_ZERO;
            return st;
        }
    } else {
        raw = pv_mul(&w->c, pv, notional, pf->rate.v);
    }
    liq_dec v = wf_round_amount(w, raw, w->fee_mode), uncapped = v;
    bool capped = false;
    if (pf->cap.v == FEECAP_REMAINING) {
        liq_dec room = liq_dec_max(equity, LIQ_DEC_ZERO);
        if (d_gt(v, room)) {
            v = room;
            capped = true;
        }
    }
    if (w->c.st != LIQ_OK) {
        *fee = LIQ_DEC_ZERO;
        return w->c.st;
    }
    *fee = v;
    if (!w->r->quiet)
        wf_fee_record(w, v, uncapped, capped, raw, notional, equity, step);
    return LIQ_OK;
}

WF_INLINE liq_status wf_fee(wf *w, liq_dec size, liq_dec trigger, liq_dec fill, liq_dec bp,
                            liq_dec equity, long step, liq_dec *fee)
{
    return wf_fee_pv(w, false, size, trigger, fill, bp, equity, step, fee);
}

#endif
