/*
 * trigger.c — walking the mark path: margin calls, the liquidation
 * trigger, and the close (whole, or in the venue's partial slices).
 *
 * The trigger is the first mark at or beyond the liquidation price. The
 * close fills `slippage` beyond that mark (the scenario's market), and
 * the loss splits there: entry -> trigger is unforced (the market did
 * it), trigger -> fill is forced (the liquidation did it). Under
 * `fill: bankruptcy` the venue takes the position over at the bankruptcy
 * price; the trader's account is settled there and the venue realises
 * the market fill, so the economics of the close are the same and the
 * difference shows up as forfeited margin or as a deficit.
 */
#include "waterfall.h"

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

static liq_status margin_call_check(wf *w, long i, liq_dec mark, liq_dec size, liq_dec coll,
                                    bool *called)
{
    const p_trigger *t = &w->pr->trigger;
    if (*called || !t->margin_call_at.set)
        return LIQ_OK;
    liq_dec mm, equity;
    liq_status st = equity_at(w, size, coll, mark, &equity, &mm);
    if (st != LIQ_OK)
        return st;
    liq_dec line = c_mul(&w->c, mm, t->margin_call_at.v);
    if (w->c.st == LIQ_OK && d_le(equity, line)) {
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

liq_status wf_backstop_due(wf *w, liq_dec size, liq_dec coll, liq_dec mark, bool *due)
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

liq_status wf_walk(wf *w, wf_close *o)
{
    const p_liquidation *pl = &w->pr->liquidation;
    const liq_scenario *s = w->s;
    liq_dec slip = s->r.market.liquidation_fill.slippage.v;
    liq_dec size = w->size, coll = w->collateral;
    bool has_lp = false, called = false, force_full = false;
    liq_dec lp = LIQ_DEC_ZERO;
    liq_status st;

    memset(o, 0, sizeof *o);
    o->trigger_step = -1;
    has_lp = w->has_lp;
    lp = w->lp;
    bool has_bp = w->has_bp, bp_fresh = true;
    liq_dec bp = w->bp;

    for (size_t i = 0; i < s->npath && d_pos(size); i++) {
        liq_dec mark = s->path_px[i];
        if (!o->liquidated && (st = margin_call_check(w, (long)i, mark, size, coll, &called)))
            return st;
        if (!has_lp || !beyond(w, mark, lp))
            continue;
        if (!o->liquidated) {
            o->liquidated = true;
            o->trigger = mark;
            o->trigger_step = (long)i;
            liq_event *e = result_event(w->r, "liquidation_triggered", (long)i);
            event_dec(e, "mark", mark);
            event_dec(e, "liquidation_price", lp);
        }
        /* Hyperliquid: a position the mark has taken below the backstop
         * line is not sold in the book: the vault takes it over at the
         * mark, with whatever margin is left. */
        bool backstop;
        if ((st = wf_backstop_due(w, size, coll, mark, &backstop)) != LIQ_OK)
            return st;
        if (backstop) {
            const p_backstop *b = &pl->backstop;
            static const char *const recv[] = {"insurance_fund", "venue", "liquidator",
                                               "liquidity_pool"};
            liq_dec pnl = wf_round_amount(w, wf_pnl(w, size, mark), w->amount_mode);
            o->unforced = c_sub(&w->c, o->unforced, pnl);
            liq_dec equity = c_add(&w->c, coll, pnl);
            o->fill = o->close = mark;
            liq_event *e = result_event(w->r, "backstop_takeover", (long)i);
            event_dec(e, "mark", mark);
            event_dec(e, "size", size);
            event_dec(e, "equity", equity);
            event_str(e, "to", recv[b->to.v]);
            result_trace(w->r, "backstop", equity, b->below_mm.m, "liquidation.backstop.below_mm",
                         &b->prov, "equity below the backstop line: taken over at the mark");
            if (d_pos(equity)) {
                o->fees = c_add(&w->c, o->fees, equity);
                if (b->to.v == RECV_IF)
                    o->if_received = c_add(&w->c, o->if_received, equity);
                equity = LIQ_DEC_ZERO;
            }
            size = LIQ_DEC_ZERO;
            coll = equity;
            break;
        }
        /* How much closes now: all of it, or the venue's slice. */
        liq_dec close = size;
        bool sliced = false;
        if (pl->partial.prov.present && !force_full &&
            d_gt(wf_notional(w, size, mark), pl->partial.above_notional.v)) {
            close = wf_slice_size(w, size, mark);
            sliced = d_lt(close, size) && d_pos(close);
            if (!sliced)
                close = size;
        }
        liq_dec one = c_int(1);
        liq_dec factor = w->sgn > 0 ? c_sub(&w->c, one, slip) : c_add(&w->c, one, slip);
        liq_dec fill = wf_round_price(w, c_mul(&w->c, mark, factor), 1);
        /* Realized PnL is settled at the venue's amount precision. */
        liq_dec pnl_t = wf_round_amount(w, wf_pnl(w, close, mark), w->amount_mode);
        liq_dec pnl_f = wf_round_amount(w, wf_pnl(w, close, fill), w->amount_mode);
        o->unforced = c_sub(&w->c, o->unforced, pnl_t);
        o->forced = c_add(&w->c, o->forced, c_sub(&w->c, pnl_t, pnl_f));
        liq_dec equity = c_add(&w->c, coll, pnl_f);
        o->fill = fill;
        o->close = fill;
        if (!bp_fresh) {
            has_bp = wf_bankruptcy_price(w, size, coll, &bp);
            bp_fresh = true;
        }
        if (!has_bp)
            bp = LIQ_DEC_ZERO;
        if (!sliced && pl->fill.v == FILL_BANKRUPTCY && has_bp) {
            o->close = bp;
            liq_event *e = result_event(w->r, "takeover", (long)i);
            event_dec(e, "bankruptcy_price", bp);
            event_dec(e, "size", close);
            event_dec(e, "market_fill", fill);
        }
        if (w->c.st != LIQ_OK)
            return w->c.st;
        liq_dec fee;
        if ((st = wf_fee(w, close, mark, fill, bp, equity, (long)i, &fee)) != LIQ_OK)
            return st;
        equity = c_sub(&w->c, equity, fee);
        o->fees = c_add(&w->c, o->fees, fee);
        if (pl->fee.receiver.v == RECV_IF)
            o->if_received = c_add(&w->c, o->if_received, fee);
        liq_event *e = result_event(w->r, sliced ? "partial_liquidation" : "position_closed",
                                    (long)i);
        event_dec(e, "size", close);
        event_dec(e, "fill_price", fill);
        event_dec(e, "realized_pnl", pnl_f);
        if (sliced) {
            size = c_sub(&w->c, size, close);
            coll = equity;
            event_dec(e, "remaining_size", size);
            /* What is left is judged on the whole account at this mark:
             * the slice's realized loss and the rest's unrealized one. A
             * remainder already past bankruptcy goes at once. */
            liq_dec rest_equity = c_add(&w->c, coll, wf_pnl(w, size, mark));
            if (!d_pos(rest_equity)) {
                i--;
                force_full = true;
                has_lp = true;
                lp = mark;
                bp_fresh = false;
                continue;
            }
            if ((st = wf_liq_price(w, size, coll, &has_lp, &lp, NULL)) != LIQ_OK)
                return st;
            bp_fresh = false;
            continue;
        }
        /* Whole position closed. What is left above zero goes to the
         * trader, or to the fund when the venue keeps it (BitMEX, Bybit:
         * closed at bankruptcy, the margin is forfeited). */
        if (d_pos(equity) && pl->surplus.v == SURPLUS_IF) {
            liq_event *f = result_event(w->r, "margin_forfeited", (long)i);
            event_dec(f, "amount", equity);
            event_str(f, "receiver", "insurance_fund");
            result_trace(w->r, "margin_forfeited", equity, pl->surplus.m, "liquidation.surplus",
                         &pl->prov, "equity left after the close goes to the insurance fund");
            o->fees = c_add(&w->c, o->fees, equity);
            o->if_received = c_add(&w->c, o->if_received, equity);
            equity = LIQ_DEC_ZERO;
        }
        size = LIQ_DEC_ZERO;
        coll = equity;
    }
    o->equity = coll;
    o->open_size = size;
    if (d_pos(size) && s->npath)
        o->unrealized = wf_pnl(w, size, s->path_px[s->npath - 1]);
    return w->c.st;
}
