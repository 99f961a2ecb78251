/*
 * debt.c — what a venue does when the trader ends below zero.
 *
 * Debt exists only where the policy's shortfall order reaches
 * trader_debt (Kraken spot margin, brokers). The actions are the
 * policy's `debt.actions`, or whatever its debt_pursuit hook lists.
 */
#include "waterfall.h"

#include <stdio.h>
#include <string.h>

static liq_status hook_actions(wf *w, liq_result *r)
{
    liq_hookrt *rt = w->p->rt;
    liq_hook_field f[] = {
        {.key = "owed", .kind = LIQ_HF_DEC, .dec = r->owed},
        {.key = "collateral", .kind = LIQ_HF_DEC, .dec = r->collateral},
        {.key = "loss_total", .kind = LIQ_HF_DEC, .dec = r->total},
        {.key = "deficit", .kind = LIQ_HF_DEC, .dec = r->deficit},
    };
    liq_status st = wf_call_hook(w, HOOK_DEBT, f, sizeof f / sizeof *f);
    if (st != LIQ_OK)
        return st;
    size_t n = liq_hookrt_ret_len(rt);
    for (size_t i = 1; st == LIQ_OK && i <= n; i++) {
        if ((st = liq_hookrt_ret_enter(rt, i, w->d)) != LIQ_OK)
            break;
        char type[32], note[160] = "";
        liq_dec hours = LIQ_DEC_ZERO, amount = LIQ_DEC_ZERO;
        bool has_hours = false, has_amount = false, has_note = false;
        st = liq_hookrt_ret_str(rt, "type", type, sizeof type, NULL, w->d);
        if (st == LIQ_OK)
            st = liq_hookrt_ret_dec(rt, "deadline_hours", &hours, &has_hours, w->d);
        if (st == LIQ_OK)
            st = liq_hookrt_ret_dec(rt, "amount", &amount, &has_amount, w->d);
        if (st == LIQ_OK)
            st = liq_hookrt_ret_str(rt, "note", note, sizeof note, &has_note, w->d);
        liq_hookrt_ret_leave(rt);
        if (st == LIQ_OK) {
            liq_dec whole;
            int64_t h = -1;
            if (has_hours && liq_dec_quantize(hours, c_int(1), LIQ_ROUND_CEIL, &whole) == LIQ_OK)
                h = (int64_t)(whole.raw / c_int(1).raw);
            result_action(r, type, h, has_amount ? &amount : NULL, has_note ? note : NULL);
        }
    }
    liq_hookrt_ret_done(rt);
    return st;
}

/* The venue's own interest on a debit (IBKR charges its debit interest on
 * a negative cash balance): from the debt on, every period, on what is
 * owed. False when the policy's interest cannot price it (a tiered rate
 * without the scenario's benchmark): the action then stays undated. */
__attribute__((noinline)) static bool interest_action(wf *w, liq_result *r)
{
    liq_dec per;
    if (!wf_interest_on_debt(w, r->owed, &per))
        return false;
    const p_interest *in = &w->pr->interest;
    char note[160], b[LIQ_DEC_STRLEN];
    snprintf(note, sizeof note, "every %s hours on the %s owed, at the policy's interest on a "
             "debit", dstr(in->period_hours.v, b), dstr(r->owed, (char[LIQ_DEC_STRLEN]){0}));
    if (!result_action(r, liq_debt_action_names[DEBT_INTEREST], 0, &per, note))
        return true;    /* out of memory: the result is marked incomplete */
    /* Whole hours only: the note gives any other period. */
    liq_dec whole;
    if (liq_dec_quantize(in->period_hours.v, c_int(1), LIQ_ROUND_DOWN, &whole) == LIQ_OK &&
        d_eq(whole, in->period_hours.v))
        r->actions[r->nactions - 1].every_hours = (int64_t)(whole.raw / c_int(1).raw);
    return true;
}

liq_status wf_debt_actions(wf *w, liq_result *r)
{
    const p_debt *pd = &w->pr->debt;
    if (wf_hooked(w, HOOK_DEBT))
        return hook_actions(w, r);
    const penum *acts = pd->actions.items;
    for (size_t i = 0; i < pd->actions.n; i++) {
        int a = acts[i].v;
        bool dated = a == DEBT_MARGIN_CALL && pd->deadline_hours.set;
        bool amount = a == DEBT_MARGIN_CALL || a == DEBT_COLLECTIONS || a == DEBT_LEGAL;
        if (a == DEBT_INTEREST && w->pr->interest.prov.present && interest_action(w, r))
            continue;
        result_action(r, liq_debt_action_names[a], dated ? pd->deadline_hours.v : -1,
                      amount ? &r->owed : NULL, NULL);
    }
    return LIQ_OK;
}

liq_status wf_debt(wf *w)
{
    liq_result *r = w->r;
    const p_debt *pd = &w->pr->debt;
    /* (owed is never negative: eval_settle's max(-final_balance, 0).) */
    if (d_zero(r->owed))
        return LIQ_OK;
    liq_status st = wf_debt_actions(w, r);
    if (st == LIQ_OK) {
        liq_event *e = result_event(r, "debt_owed", -1);
        event_dec(e, "amount", r->owed);
        char b[LIQ_DEC_STRLEN];
        result_trace(r, "debt.owed", r->owed, pd->prov.m, "debt", &pd->prov,
                     "the trader's balance ends at -%s; the venue pursues it", dstr(r->owed, b));
    }
    return st;
}
