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

#include <stdarg.h>
#include <stdio.h>

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
