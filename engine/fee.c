/*
 * fee.c — the liquidation (clearance) fee's hook call and its record.
 *
 * The rule itself (rate x base notional or the hook's answer, rounded,
 * capped at the remaining margin) is fee.h's, inline in the close that
 * charges it; here are the parts a table-only quiet close never runs:
 * calling the liquidation_fee hook, and the events and trace line a
 * charged fee leaves in a result.
 */
#include "fee.h"

#include <stdio.h>

liq_status wf_fee_hook(wf *w, liq_dec size, liq_dec trigger, liq_dec fill, liq_dec bp,
                       liq_dec notional, liq_dec equity, liq_dec *raw)
{
    const p_fee *pf = &w->pr->liquidation.fee;
    liq_hook_field f[] = {
        {.key = "side", .kind = LIQ_HF_STR, .str = w->sgn > 0 ? "long" : "short"},
        {.key = "size_closed", .kind = LIQ_HF_DEC, .dec = size},
        {.key = "fill_price", .kind = LIQ_HF_DEC, .dec = fill},
        {.key = "trigger_price", .kind = LIQ_HF_DEC, .dec = trigger},
        {.key = "bankruptcy_price", .kind = LIQ_HF_DEC, .dec = bp},
        {.key = "notional", .kind = LIQ_HF_DEC, .dec = notional},
        {.key = "remaining_margin", .kind = LIQ_HF_DEC, .dec = equity},
        {.key = "rate", .kind = LIQ_HF_DEC, .dec = pf->rate.v},
        /* The maintenance rate of the tier the closed notional falls
         * in: a fee that is a formula of it (Drift's IF fee) reads it
         * here, so a policy that changes the tier changes the fee. */
        {.key = "maintenance_rate", .kind = LIQ_HF_DEC,
         .dec = root_tier(w->pr, wf_tier(w, notional))->rate.v},
    };
    liq_status st = wf_call_hook(w, HOOK_FEE, f, sizeof f / sizeof *f);
    if (st != LIQ_OK)
        return st;
    st = liq_hookrt_ret_dec(w->p->rt, NULL, raw, NULL, w->d);
    liq_hookrt_ret_done(w->p->rt);
    if (st != LIQ_OK)
        return st;
    if (d_neg(*raw)) {
        liq_mark rule = w->p->hook_mark[HOOK_FEE];
        char b[LIQ_DEC_STRLEN];
        liq_diags_add(w->d, LIQ_SEV_ERROR, LIQ_EHOOK, rule.file, rule.line, rule.col,
                      "hook liquidation_fee: returned a negative fee %s", dstr(*raw, b));
        return LIQ_EHOOK;
    }
    return LIQ_OK;
}

void wf_fee_record(wf *w, liq_dec v, liq_dec uncapped, bool capped, liq_dec raw,
                   liq_dec notional, liq_dec equity, long step)
{
    const p_fee *pf = &w->pr->liquidation.fee;
    if (capped) {
        liq_event *e = result_event(w->r, "fee_capped", step);
        event_dec(e, "fee", uncapped);
        event_dec(e, "charged", v);
    }
    if (d_pos(v)) {
        static const char *const recv[] = {"insurance_fund", "venue", "liquidator",
                                           "liquidity_pool"};
        liq_event *e = result_event(w->r, "liquidation_fee", step);
        event_dec(e, "amount", v);
        event_dec(e, "base_notional", notional);
        event_str(e, "receiver", recv[pf->receiver.v]);
    }
    if (!w->r->explain || w->r->quiet)
        return;
    char b[LIQ_DEC_STRLEN], b2[LIQ_DEC_STRLEN], cap[160] = "";
    /* The fee before its cap, when the cap changed it. */
    if (capped)
        snprintf(cap, sizeof cap, "; %s before the cap at the remaining margin of %s",
                 dstr(uncapped, b2), dstr(liq_dec_max(equity, LIQ_DEC_ZERO), b));
    else if (pf->cap.v == FEECAP_REMAINING)
        snprintf(cap, sizeof cap, ", capped at remaining margin (not reached)");
    if (wf_hooked(w, HOOK_FEE))
        result_trace(w->r, "fee", v, w->p->hook_mark[HOOK_FEE], "hook liquidation_fee", &pf->prov,
                     "decided by the liquidation_fee hook: liquidation_fee(%s) returned %s%s",
                     w->hook_io ? w->hook_io : "", dstr(raw, b2), cap);
    else
        result_trace(w->r, "fee", v, pf->rate.m, "liquidation.fee.rate", &pf->prov,
                 "%s x %s notional %s%s", dstr(pf->rate.v, b),
                 pf->base.v == FEEBASE_FILL ? "fill" : pf->base.v == FEEBASE_TRIGGER ? "trigger"
                                                                                      : "entry",
                 dstr(notional, (char[LIQ_DEC_STRLEN]){0}), cap);
}
