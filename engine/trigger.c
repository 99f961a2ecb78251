/*
 * trigger.c — walking the mark path: margin calls, the liquidation
 * trigger, and the close (whole, or in the venue's partial slices).
 *
 * The trigger is the first mark at or beyond the liquidation price: the
 * mark is the venue's own price (trigger.price), the column of the path
 * that wf_use_columns picks. Under `trigger.compare: strictly_below`
 * (dYdX: liquidatable iff net collateral < maintenance requirement) that
 * mark must also find the equity strictly below maintenance margin, so a
 * mark exactly at the boundary is not a trigger (wf_trigger_due, shared
 * with replay.c and account.c). The close fills `slippage` beyond the
 * traded price of that tick (the path's `last`, else the mark), and
 * the loss splits there: entry -> trigger is unforced (the market did
 * it), trigger -> fill is forced (the liquidation did it). Under
 * `fill: bankruptcy` the venue takes the position over at the bankruptcy
 * price; the trader's account is settled there and the venue realises
 * the market fill, so the economics of the close are the same and the
 * difference shows up as forfeited margin or as a deficit.
 */
#include "waterfall.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static bool beyond(const wf *w, liq_dec mark, liq_dec lp)
{
    return w->sgn > 0 ? d_le(mark, lp) : d_ge(mark, lp);
}

/* The account's equity and maintenance margin at a mark: what margin
 * calls and backstops are measured by. */
static liq_status equity_at(wf *w, liq_dec size, liq_dec coll, liq_dec mark, liq_dec *equity,
                            liq_dec *mm)
{
    liq_status st = wf_mm(w, size, coll, mark, mm, NULL);
    if (st != LIQ_OK)
        return st;
    *equity = c_add(&w->c, coll, wf_pnl(w, size, mark));
    return w->c.st;
}

bool wf_mm_breached(const wf *w, liq_dec equity, liq_dec mm)
{
    return w->pr->trigger.compare.v == TRIGCMP_STRICTLY_BELOW ? d_lt(equity, mm)
                                                               : d_le(equity, mm);
}

/* The liquidation price is where equity equals maintenance, rounded
 * against the trader (a long's up): every mark that breaches the rule is
 * at or beyond it, so the price is the test, and under strictly_below the
 * exact equity at the mark then decides the boundary itself. */
/* wf_trigger_due at a mark already known to be at or beyond the price
 * (the walk's marks short of it passed over): the comparison's part. */
WF_INLINE liq_status trigger_due_beyond(wf *w, liq_dec size, liq_dec coll, liq_dec mark,
                                        bool *due)
{
    *due = true;
    if (w->pr->trigger.compare.v != TRIGCMP_STRICTLY_BELOW)
        return LIQ_OK;
    liq_dec mm, equity;
    liq_status st = equity_at(w, size, coll, mark, &equity, &mm);
    if (st != LIQ_OK)
        return st;
    *due = wf_mm_breached(w, equity, mm);
    return LIQ_OK;
}

liq_status wf_trigger_due(wf *w, liq_dec size, liq_dec coll, liq_dec mark, liq_dec lp, bool *due)
{
    *due = beyond(w, mark, lp);
    if (!*due)
        return LIQ_OK;
    return trigger_due_beyond(w, size, coll, mark, due);
}

static liq_status margin_call_check(wf *w, long i, liq_dec mark, liq_dec size, liq_dec coll,
                                    bool *called)
{
    const p_trigger *t = &w->pr->trigger;
    if (*called || !t->margin_call_at.set)
        return LIQ_OK;
    liq_dec mm, equity, line;
    bool due;
    liq_status st = wf_margin_call_due(w, size, coll, mark, &due, &equity, &mm, &line);
    if (st != LIQ_OK)
        return st;
    if (due) {
        *called = true;
        liq_event *e = result_event(w->r, "margin_call", i);
        event_dec(e, "mark", mark);
        event_dec(e, "equity", equity);
        event_dec(e, "maintenance_margin", mm);
        event_dec(e, "call_level", line);
        result_trace(w->r, "margin_call", equity, t->margin_call_at.m, "trigger.margin_call_at",
                     &t->prov, "equity fell to %s x maintenance margin at step %ld",
                     dstr(t->margin_call_at.v, (char[LIQ_DEC_STRLEN]){0}), i);
    }
    return w->c.st;
}

/* The venue's partial step: a fraction of the position (Hyperliquid), or
 * enough to bring its notional down `tiers_down` maintenance tiers (OKX:
 * "reduce by two tiers"); the whole position when it is already within
 * that many tiers of the first. */
liq_dec wf_slice_size(wf *w, liq_dec size, liq_dec mark)
{
    const p_partial *pp = &w->pr->liquidation.partial;
    if (pp->mode.v == PARTIAL_FRACTION)
        return c_mul(&w->c, size, pp->fraction.v);
    size_t t = wf_tier(w, wf_notional(w, size, mark));
    if ((int64_t)t < pp->tiers_down.v)
        return size;
    liq_dec cap = root_tier(w->pr, t - (size_t)pp->tiers_down.v)->up_to.v;
    /* The size whose notional at this mark equals the lower tier's cap. */
    liq_dec keep = w->ctype == CT_LINEAR
                       ? c_divr(&w->c, cap, c_mul(&w->c, mark, w->csize), LIQ_ROUND_FLOOR)
                       : c_divr(&w->c, c_mul(&w->c, cap, mark), w->csize, LIQ_ROUND_FLOOR);
    return d_lt(keep, size) ? c_sub(&w->c, size, keep) : size;
}

/* (Forced inline, as the close it starts is in the walk: LTO left it a
 * call there, for a test most policies answer with one flag.) */
__attribute__((always_inline)) inline liq_status wf_backstop_due(wf *w, liq_dec size,
                                                                 liq_dec coll, liq_dec mark,
                                                                 bool *due)
{
    const p_backstop *b = &w->pr->liquidation.backstop;
    *due = false;
    if (!b->prov.present)
        return LIQ_OK;
    liq_dec mm, equity;
    liq_status st = equity_at(w, size, coll, mark, &equity, &mm);
    if (st != LIQ_OK)
        return st;
    *due = d_lt(equity, c_mul(&w->c, mm, b->below_mm.v));
    return w->c.st;
}

liq_dec wf_funding_payment(wf *w, liq_dec size, liq_dec px, liq_dec rate)
{
    liq_dec pay = c_mul(&w->c, wf_notional(w, size, px), rate);
    return wf_round_amount(w, w->sgn > 0 ? pay : liq_dec_neg(pay), w->amount_mode);
}

liq_dec wf_collateral_value(wf *w, liq_dec units, liq_dec px)
{
    return wf_round_amount(w, c_mul(&w->c, units, px), w->amount_mode);
}

/* After a carrying step moved the margin to coll (a revaluation,
 * funding, interest): the liquidation price solved again on what the
 * venue counts of it, a failure said as `doing` at the mark. */
static liq_status lp_after(wf *w, const char *doing, liq_dec mark, liq_dec size, liq_dec coll,
                           bool *has_lp, liq_dec *lp)
{
    if (w->c.st != LIQ_OK)
        return w->c.st;
    w->doing = doing;
    w->doing_has_px = true;
    w->doing_px = mark;
    return wf_liq_price(w, size, wf_margin_coll(w, coll), has_lp, lp, NULL);
}

/* Collateral held in its own asset: revalued at each tick its price
 * moves, while the position is open, so its fall alone can bring the
 * liquidation price up to the mark (GMX: collateralUsd = collateral
 * amount x token price in isPositionLiquidatable). The change counts in
 * the unforced loss: the market took it. */
static liq_status revalue_collateral(wf *w, long i, liq_dec size, liq_dec *coll, bool *has_lp,
                                     liq_dec *lp, wf_close *o)
{
    if (i == 0 || d_eq(w->coll_px[i], w->coll_px[i - 1]))
        return LIQ_OK;
    liq_dec dv = c_sub(&w->c, wf_collateral_value(w, w->coll_units, w->coll_px[i]),
                       wf_collateral_value(w, w->coll_units, w->coll_px[i - 1]));
    *coll = c_add(&w->c, *coll, dv);
    o->revalued = c_add(&w->c, o->revalued, dv);
    o->unforced = c_sub(&w->c, o->unforced, dv);
    liq_event *e = result_event(w->r, "collateral_revalued", i);
    event_dec(e, "price", w->coll_px[i]);
    event_dec(e, "change", dv);
    event_dec(e, "margin", *coll);
    return lp_after(w,
                    "finding the liquidation price after the collateral's revaluation, at a mark of",
                    w->px[i], size, *coll, has_lp, lp);
}

/* Collateral in several assets: at each tick their prices move, the
 * collateral takes the change of their full value (a loss the market
 * took, in loss.unforced) and the haircut in force is what the venue
 * does not count of their new value; the liquidation price is solved
 * again on the rest, so a fall of the collateral alone, or a tier its
 * value crosses, can liquidate. */
static liq_status revalue_assets(wf *w, long i, liq_dec size, liq_dec *coll, bool *has_lp,
                                 liq_dec *lp, wf_close *o)
{
    if (i == 0)
        return LIQ_OK;
    liq_dec dv, hc;
    if (!wf_collateral_moved(w, (size_t)i, &dv, &hc))
        return w->c.st;
    *coll = c_add(&w->c, *coll, dv);
    w->haircut = hc;
    o->revalued = c_add(&w->c, o->revalued, dv);
    o->unforced = c_sub(&w->c, o->unforced, dv);
    liq_event *e = result_event(w->r, "collateral_revalued", i);
    event_dec(e, "change", dv);
    event_dec(e, "margin", *coll);
    event_dec(e, "haircut", hc);
    return lp_after(w,
                    "finding the liquidation price after the collateral's revaluation, at a mark of",
                    w->px[i], size, *coll, has_lp, lp);
}

/* A funding tick: the payment comes off (or onto) the position's margin,
 * as Bybit debits it from position margin, so the liquidation price moves
 * with it; counted in the unforced loss (the market's cost, not the
 * liquidation's). */
static liq_status pay_funding(wf *w, long i, liq_dec mark, liq_dec size, liq_dec *coll,
                              bool *has_lp, liq_dec *lp, wf_close *o)
{
    liq_dec rate = w->funding[i];
    if (d_zero(rate))
        return LIQ_OK;
    liq_dec pay = wf_funding_payment(w, size, mark, rate);
    *coll = c_sub(&w->c, *coll, pay);
    o->funding = c_add(&w->c, o->funding, pay);
    o->unforced = c_add(&w->c, o->unforced, pay);
    liq_event *e = result_event(w->r, "funding", i);
    if (w->r->nlegs)   /* a position of an account: which one */
        event_str(e, "market", w->mkt ? w->mkt->id->symbol.v : "");
    event_dec(e, "rate", rate);
    event_dec(e, "mark", mark);
    event_dec(e, "paid", pay);
    event_dec(e, "margin", *coll);
    return lp_after(w,
                    "finding the liquidation price after funding, at a mark of",
                    mark, size, *coll, has_lp, lp);
}

/* Interest falling due at tick i: the charge on the venue's loan comes
 * off the position's margin (Kraken and IBKR post it to the account), so
 * the liquidation price moves with it; counted in the unforced loss (a
 * cost of holding the position, not of its liquidation), paid to the
 * venue. */
static liq_status pay_interest(wf *w, long i, liq_dec mark, liq_dec size, liq_dec *coll,
                               bool *has_lp, liq_dec *lp, wf_close *o)
{
    liq_dec periods = wf_interest_periods(w, (size_t)i);
    if (!d_pos(periods))
        return w->c.st;
    liq_dec base = wf_interest_base(w, size, *coll, mark);
    liq_dec pay = wf_interest_charge(w, base, periods);
    if (!d_pos(pay))
        return w->c.st;
    *coll = c_sub(&w->c, *coll, pay);
    o->interest = c_add(&w->c, o->interest, pay);
    o->unforced = c_add(&w->c, o->unforced, pay);
    liq_event *e = result_event(w->r, "interest", i);
    if (w->r->nlegs)
        event_str(e, "market", w->mkt ? w->mkt->id->symbol.v : "");
    event_dec(e, "periods", periods);
    event_dec(e, "on", base);
    event_dec(e, "paid", pay);
    event_str(e, "to", "venue");
    event_dec(e, "margin", *coll);
    return lp_after(w,
                    "finding the liquidation price after interest, at a mark of",
                    mark, size, *coll, has_lp, lp);
}

/* Tick i's carrying steps, in order: the collateral revalued (one asset,
 * or several with their haircut), then funding, then interest. */
__attribute__((noinline)) static liq_status carry(wf *w, long i, liq_dec mark, liq_dec size,
                                                   liq_dec *coll, bool *has_lp,
                        liq_dec *lp, wf_close *o)
{
    liq_status st = LIQ_OK;
    if (w->coll_px)
        st = revalue_collateral(w, i, size, coll, has_lp, lp, o);
    if (st == LIQ_OK && w->ncassets)
        st = revalue_assets(w, i, size, coll, has_lp, lp, o);
    if (st == LIQ_OK && w->funding)
        st = pay_funding(w, i, mark, size, coll, has_lp, lp, o);
    if (st == LIQ_OK && w->interest_on)
        st = pay_interest(w, i, mark, size, coll, has_lp, lp, o);
    return st;
}

/* The scenario's stop-loss at mark i: triggered at the first mark at or
 * beyond its price; at a mark where the venue liquidates (due), the
 * liquidation comes first and cancels the order (a gap through the stop
 * and the liquidation price at once: the stop does not save the trader);
 * else it fills through close.c, as the trader's own order. A fill
 * leaves the trader's equity in o->equity and the loss split in o: the
 * market took entry -> fill (unforced), nothing was forced, no fee. */
static liq_status stop_check(wf *w, const s_stop *stop, liq_dec slip, long i, liq_dec mark,
                             liq_dec size, liq_dec coll, bool due, wf_close *o, bool *filled)
{
    *filled = false;
    bool hit = w->sgn > 0 ? d_le(mark, stop->price.v) : d_ge(mark, stop->price.v);
    if (o->stop_step < 0) {
        if (!hit)
            return LIQ_OK;
        o->stop_step = i;
        o->stop_mark = mark;
        o->stop_outcome = STOP_LIMIT_UNFILLED;
        liq_event *e = result_event(w->r, "stop_triggered", i);
        event_dec(e, "mark", mark);
        event_dec(e, "stop_price", stop->price.v);
    }
    if (due) {
        o->stop_outcome = STOP_LIQUIDATED_FIRST;
        liq_event *e = result_event(w->r, "stop_cancelled", i);
        event_dec(e, "mark", mark);
        event_str(e, "by", "liquidation");
        return LIQ_OK;
    }
    wf_step t;
    w->doing = "filling the stop-loss at a mark of";
    w->doing_has_px = true;
    w->doing_px = mark;
    liq_status st = wf_close_order(w, size, coll, mark, slip,
                                   stop->limit.set ? &stop->limit.v : NULL, i, &t, filled);
    if (st != LIQ_OK || !*filled)
        return st;
    o->stop_outcome = STOP_FILLED;
    o->stop_fill_step = i;
    o->stop_fill_mark = mark;
    o->stop_fill = t.fill;
    o->stop_slip_cost = c_sub(&w->c, t.pnl_t, t.pnl_f);
    o->unforced = c_sub(&w->c, o->unforced, t.pnl_f);
    o->fill = t.fill;
    o->close = t.fill;
    o->equity = t.equity;
    return w->c.st;
}

liq_status wf_walk(wf *w, wf_close *o)
{
    const liq_scenario *s = w->s;
    bool fee_to_if = w->pr->liquidation.fee.receiver.v == RECV_IF;
    liq_dec slip = s->r.market.liquidation_fill.slippage.v;
    liq_dec size = w->size, coll = w->collateral;
    bool has_lp = w->has_lp, called = false;
    liq_dec lp = w->lp;
    liq_status st = LIQ_OK;   /* (every failure below returns at once) */

    const s_stop *stop = &w->sp->stop_loss;
    bool stop_open = stop->price.set;
    /* Zeroed: what the walk accumulates, and the stop-loss's part when
     * there is a stop; equity and open_size are written at the end, and
     * the trigger and the last close's fields by the first close (a walk
     * that closes nothing zeroes them at its end). Field by field, not a
     * memset of the block: a 16-byte store a field, where the memset is
     * a string instruction over every word. */
    o->liquidated = o->has_limit = o->refused = o->deleveraged = o->filled = false;
    o->fill = o->close = LIQ_DEC_ZERO;
    o->unforced = o->forced = o->fees = o->if_received = LIQ_DEC_ZERO;
    o->unrealized = o->funding = o->limit = o->revalued = o->interest = LIQ_DEC_ZERO;
    if (stop_open)
        memset(&o->stop_outcome, 0, offsetof(wf_close, equity) - offsetof(wf_close, stop_outcome));
    o->stop_step = -1;
    const p_trigger *pt = &w->pr->trigger;
    /* What a tick carries before its margin tests (collateral, funding,
     * interest): most positions carry none, and test one flag, found by
     * or-ing the four words (one test, not a branch for each). */
    bool carries = ((uintptr_t)w->coll_px | w->ncassets | (uintptr_t)w->funding |
                    (size_t)w->interest_on) != 0;
    /* Nothing added to the loss, fees or fund yet: no carrying step and
     * no stop-loss writes them before the first close. */
    bool fresh = !carries && !stop_open;
    for (size_t i = 0; i < w->npx && d_pos(size); i++) {
        /* With nothing to do at a tick short of the trigger (nothing
         * carried: no funding, interest or collateral priced apart; no
         * margin call to watch, no stop open), the marks before the first at or beyond the liquidation
         * price (wf_trigger_due's first test) are passed over at once;
         * the mark found is beyond it, and no margin call is watched. */
        bool passed = false;
        if (!carries && !stop_open &&
            (o->liquidated || called || !pt->margin_call_at.set)) {
            if (!has_lp)
                break;
            /* (The side tested once, not at every mark: beyond's test.) */
            if (w->sgn > 0)
                while (i < w->npx && d_gt(w->px[i], lp))
                    i++;
            else
                while (i < w->npx && d_lt(w->px[i], lp))
                    i++;
            if (i == w->npx)
                break;
            passed = true;
        }
        liq_dec mark = w->px[i];
        if (carries && (st = carry(w, (long)i, mark, size, &coll, &has_lp, &lp, o)) != LIQ_OK)
            return st;
        liq_dec mcoll = wf_margin_coll(w, coll);
        if (!passed && !o->liquidated &&
            (st = margin_call_check(w, (long)i, mark, size, mcoll, &called)))
            return st;
        bool due = false;
        if (passed)
            st = trigger_due_beyond(w, size, mcoll, mark, &due);
        else if (has_lp)
            st = wf_trigger_due(w, size, mcoll, mark, lp, &due);
        if (st != LIQ_OK)
            return st;
        if (stop_open) {
            bool filled = false;
            /* The stop's own slippage, else the liquidation's. */
            liq_dec stop_slip = stop->slippage.set ? stop->slippage.v : slip;
            if ((st = stop_check(w, stop, stop_slip, (long)i, mark, size, coll, due, o, &filled)) !=
                LIQ_OK)
                return st;
            stop_open = o->stop_outcome == STOP_NOT_TRIGGERED ||
                        o->stop_outcome == STOP_LIMIT_UNFILLED;
            if (filled) {
                size = LIQ_DEC_ZERO;
                coll = o->equity;
                break;
            }
        }
        if (!due)
            continue;
        if (!o->liquidated) {
            o->liquidated = true;
            o->trigger = mark;
            o->trigger_step = (long)i;
            liq_event *e = result_event(w->r, "liquidation_triggered", (long)i);
            event_dec(e, "mark", mark);
            event_dec(e, "liquidation_price", lp);
            if (w->cols.several)
                event_str(e, "column", pcol_names[w->cols.trigger]);
        }
        wf_step steps[2];
        size_t n;
        w->doing = "closing the position at a mark of";
        w->doing_has_px = true;
        w->doing_px = mark;
        /* The first close of a walk that carried nothing and had no stop
         * closes the position as it opened: wf_open_prices found its
         * bankruptcy price (w->bp, zero when none) when it set bp_known. */
        if ((st = wf_close_at_inline(w, size, coll, mark, slip, NULL, (long)i,
                                     fresh && w->bp_known ? &w->bp : NULL, steps, &n)) != LIQ_OK)
            return st;
        wf_close_add_steps_fresh(w, o, steps, n, mark, (long)i, fee_to_if, fresh);
        fresh = false;
        size = steps[n - 1].rest;
        coll = steps[n - 1].equity;
        w->doing = "finding the liquidation price of what is left, after a mark of";
        if (d_pos(size) &&
            (st = wf_liq_price(w, size, wf_margin_coll(w, coll), &has_lp, &lp, NULL)) != LIQ_OK)
            return st;
    }
    if (!o->liquidated) {
        /* No close: what a close would have written. */
        o->trigger_step = -1;
        o->last_step = 0;
        o->trigger = LIQ_DEC_ZERO;
        o->last_mark = o->last_size = o->last_bp = o->last_fill = LIQ_DEC_ZERO;
    }
    o->equity = coll;
    o->open_size = size;
    if (d_pos(size) && w->npx)
        o->unrealized = wf_pnl(w, size, w->px[w->npx - 1]);
    return w->c.st;
}
