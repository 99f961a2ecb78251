/*
 * replay_ledger.c — the replay's ledger and its event lines.
 *
 * Parties: each account's cash; the insurance fund; the venue; the
 * liquidity pool; the liquidator; and "market", the outside counterparty
 * of every position (a position's PnL is realized against it). Money
 * only ever moves between two parties, so the sum of all balances is what
 * went in at every tick (checked with opts.check and at the end).
 */
#include "replay.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Money paid to a receiver of fees or forfeited margin (RECV_*). */
void replay_credit(rp *r, int receiver, liq_dec amount)
{
    calc *c = &r->w.c;
    switch (receiver) {
    case RECV_IF: r->fund = c_add(c, r->fund, amount); break;
    case RECV_VENUE: r->venue = c_add(c, r->venue, amount); break;
    case RECV_POOL: r->pool = c_add(c, r->pool, amount); break;
    default: r->liquidator = c_add(c, r->liquidator, amount); break;
    }
}

liq_dec replay_ledger_sum(rp *r)
{
    calc *c = &r->w.c;
    liq_dec t = c_add(c, c_add(c, r->fund, r->venue), c_add(c, r->pool, r->liquidator));
    t = c_add(c, t, r->market);
    for (size_t i = 0; i < r->n; i++)
        t = c_add(c, t, r->cash[i]);
    return t;
}

void replay_emit_line(rp *r, const char *fmt, ...)
{
    int k = snprintf(r->line, sizeof r->line, "{\"tick\":%zu,\"time\":\"%s\",", r->tick,
                     r->path->time[r->tick]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->line + k, sizeof r->line - (size_t)k, fmt, ap);
    va_end(ap);
    r->o->on_event(r->o->ud, r->line);
}

liq_status replay_debt_actions(rp *r, size_t i, liq_dec owed)
{
    if (!r->o->on_event || !r->path->n)
        return LIQ_OK;
    r->tick = r->path->n - 1;   /* the debt stands at the last mark */
    /* What eval's result would hold for this account (the hook's ctx):
     * what it owes, what it posted, and its loss as the book left it. */
    liq_result debt = {0};
    debt.owed = owed;
    debt.collateral = book_collateral(r->b, i);
    debt.total = c_add(&r->w.c, debt.collateral, owed);
    debt.deficit = owed;
    liq_status st = wf_debt_actions(&r->w, &debt);
    for (size_t k = 0; st == LIQ_OK && k < debt.nactions; k++) {
        const liq_action *a = &debt.actions[k];
        char when[96], amount[LIQ_DEC_STRLEN + 16] = "";   /* two 64-bit counts fit */
        if (a->deadline_hours >= 0 && a->every_hours >= 0)   /* recurring: interest */
            snprintf(when, sizeof when, "\"deadline_hours\":%lld,\"every_hours\":%lld",
                     (long long)a->deadline_hours, (long long)a->every_hours);
        else if (a->deadline_hours >= 0)
            snprintf(when, sizeof when, "\"deadline_hours\":%lld", (long long)a->deadline_hours);
        else
            snprintf(when, sizeof when, "\"when\":\"unknown\"");
        if (a->has_amount)
            snprintf(amount, sizeof amount, ",\"amount\":\"%s\"", D(a->amount));
        /* A hook's note is its own text: escaped as JSON. */
        char *note = NULL;
        if (a->note[0]) {
            json_t *js = json_string(a->note);
            note = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;
            json_decref(js);
            if (!note)
                st = LIQ_ENOMEM;
        }
        if (st == LIQ_OK)
            replay_emit(r, "\"type\":\"debt_action\",\"account\":\"%s\",\"action\":\"%s\",%s%s%s%s}",
                        book_id(r->b, i), a->type, when, amount, note ? ",\"note\":" : "",
                        note ? note : "");
        free(note);
    }
    if (debt.incomplete && st == LIQ_OK)
        st = LIQ_ENOMEM;
    result_clear(&debt);
    return st;
}
