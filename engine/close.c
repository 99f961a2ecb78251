/*
 * close.c — the close of one position at one mark: the one sequence that
 * a single evaluation's walk (trigger.c) and a book's replay (replay.c)
 * both call, so that the two can never disagree on an amount.
 *
 * In order: the venue's backstop (a position taken below the backstop
 * line goes over at the mark, with what margin it has left); the size
 * this step closes (all of it, or the venue's partial slice); the fill
 * (the scenario's slippage beyond the mark, widened by the book's depth
 * when the path has it); realized PnL split at the mark (unforced) and
 * at the fill (forced); the bankruptcy price; the fee; and, when the
 * whole position is gone, the margin the venue keeps. A slice whose rest
 * is already past bankruptcy is followed at once, at the same mark, by
 * the close of the rest. Who receives the money and who covers a
 * deficit is the caller's: a single evaluation records it in its result,
 * a replay moves it in its ledger.
 *
 * The trader's own order (a stop-loss, wf_close_order) closes here too,
 * with the same fill and the same realized-PnL rule, and none of the
 * liquidation's steps.
 */
#include "fee.h"

#include <string.h>

static const char *const recv_names[] = {"insurance_fund", "venue", "liquidator",
                                         "liquidity_pool"};

static liq_status backstop_step(wf *w, liq_dec size, liq_dec coll, liq_dec mark, long step,
                                wf_step *o)
{
    const p_backstop *b = &w->pr->liquidation.backstop;
    liq_dec pnl = wf_round_amount(w, wf_pnl(w, size, mark), w->amount_mode);
    liq_dec equity = c_add(&w->c, coll, pnl);
    o->backstop = true;
    o->size = size;
    o->fill = o->close = mark;
    o->pnl_t = o->pnl_f = pnl;
    o->fee = o->rest = o->limit = LIQ_DEC_ZERO;
    if (!wf_bankruptcy_price(w, size, coll, &o->bp))
        o->bp = mark;
    o->kept_to = b->to.v;
    o->kept = liq_dec_max(equity, LIQ_DEC_ZERO);
    o->equity = c_sub(&w->c, equity, o->kept);
    liq_event *e = result_event(w->r, "backstop_takeover", step);
    event_dec(e, "mark", mark);
    event_dec(e, "size", size);
    event_dec(e, "equity", equity);
    event_str(e, "to", recv_names[b->to.v]);
    result_trace(w->r, "backstop", equity, b->below_mm.m, "liquidation.backstop.below_mm",
                 &b->prov, "equity below the backstop line: taken over at the mark");
    return w->c.st;
}

/* The traded price at this tick, where an order fills in the market
 * whatever price triggered it: the path's `last` where it has one, else
 * the mark. (Found once per close: the range proof reads it too.) */
WF_INLINE liq_dec traded_at(const wf *w, liq_dec mark, long step)
{
    return w->fill_px && step >= 0 ? w->fill_px[step] : mark;
}

/* The fill of `close` units at this tick: slippage beyond the traded
 * price (traded_at), and where the path gives the book's depth, the
 * impact of what this tick's earlier closes already took from it. */
WF_INLINE liq_dec fill_at(wf *w, bool pv, liq_dec close, liq_dec traded, liq_dec slip,
                          const wf_book *bk)
{
    calc *c = &w->c;
    liq_dec mark = traded;
    if (bk && bk->depth) {
        /* Average impact 1 % per `depth` of quote notional taken, counted
         * to the middle of the order (linear impact). */
        liq_dec qn = w->ctype == CT_LINEAR ? wf_notional(w, close, mark) : c_mul(c, close, w->csize);
        liq_dec mid = c_add(c, *bk->eaten, c_div(c, qn, c_int(2)));
        liq_dec impact = c_div(c, c_mul(c, mid, WF_IMPACT_PER_DEPTH), *bk->depth);
        slip = liq_dec_min(c_add(c, slip, impact), WF_SLIP_MAX);
        *bk->eaten = c_add(c, *bk->eaten, qn);
    }
    liq_dec one = c_int(1);
    liq_dec factor = w->sgn > 0 ? pv_sub(c, pv, one, slip) : pv_add(c, pv, one, slip);
    return wf_round_price(w, pv_mul(c, pv, mark, factor), 1);
}

/* partial.mode: shortage (Drift's calculate_base_asset_amount_to_cover_
 * margin_shortage): the size whose close brings equity back to
 * maintenance margin plus `buffer` x notional at this mark. Each unit
 * closed frees its share of that requirement, (MM + buffer x N) / size,
 * and costs what the fill gives away below the mark and the fee on it,
 * so size = shortage / (freed - cost) per unit — Drift's shortage /
 * (price x (margin ratio + buffer - liquidator fee) - price x IF fee),
 * its liquidator fee being the fill's discount here. The division is
 * cut down (Drift's integer division), then rounded up to `size_step`
 * (Drift: standardize_base_asset_amount_ceil to the order step). Where
 * no slice covers the shortage (a cost at or above what a unit frees)
 * the whole position goes. A hooked fee's rate is the hook's on the
 * whole position, asked quietly. */
static liq_status shortage_size(wf *w, liq_dec size, liq_dec coll, liq_dec mark, liq_dec slip,
                                long step, liq_dec *out)
{
    const p_partial *pp = &w->pr->liquidation.partial;
    calc *c = &w->c;
    *out = size;
    liq_dec mm;
    liq_status st = wf_mm(w, size, coll, mark, &mm, NULL);
    if (st != LIQ_OK)
        return st;
    liq_dec need = c_add(c, mm, c_mul(c, wf_notional(w, size, mark), pp->buffer.v));
    liq_dec pnl_m = wf_pnl(w, size, mark);
    liq_dec shortage = c_sub(c, need, c_add(c, coll, pnl_m));
    if (!d_pos(shortage) || c->st != LIQ_OK)
        return c->st;
    liq_dec fill = fill_at(w, false, size, traded_at(w, mark, step), slip, NULL);
    liq_dec pnl_f = wf_pnl(w, size, fill);
    liq_dec fee;
    bool quiet = w->r->quiet;
    w->r->quiet = true;
    st = wf_fee(w, size, mark, fill, LIQ_DEC_ZERO, c_add(c, coll, pnl_f), step, &fee);
    w->r->quiet = quiet;
    if (st != LIQ_OK)
        return st;
    /* Per unit, over the whole position: freed requirement less the
     * fill's discount and the fee. */
    liq_dec den = c_sub(c, need, c_add(c, c_sub(c, pnl_m, pnl_f), fee));
    if (!d_pos(den) || c->st != LIQ_OK)
        return c->st;
    liq_dec close = c_divr(c, c_mul(c, shortage, size), den, LIQ_ROUND_FLOOR);
    if (pp->size_step.set)
        close = c_quant(c, close, pp->size_step.v, LIQ_ROUND_CEIL);
    *out = liq_dec_min(close, size);
    return c->st;
}

/* Realized PnL of closing `close` units, split at the mark and at the
 * fill, settled at the venue's amount precision: one rule for the
 * liquidation's sale and the trader's own order. */
WF_INLINE void realize(wf *w, bool pv, liq_dec close, liq_dec mark, liq_dec fill, wf_step *o)
{
    o->pnl_t = wf_round_amount(w, wf_pnl_pv(w, pv, close, mark), w->amount_mode);
    o->pnl_f = wf_round_amount(w, wf_pnl_pv(w, pv, close, fill), w->amount_mode);
}

/* Does the policy's liquidation order carry a limit? (Asked before
 * limit_price, so a close without one pays no call.) */
WF_INLINE bool has_limit_rule(const wf *w)
{
    const p_limit *l = &w->pr->liquidation.limit;
    return l->prov.present && l->price.v != LIMIT_NONE;
}

/* Under a limit (has_limit_rule), the liquidation order's limit at this
 * mark: the bankruptcy price (Kraken's IOC), or dYdX's fillable price
 * (GetFillablePrice): FP =
 * (PNNV - ABR x SMMR x PMMR) / PS with ABR = clamp(BA x (1 - TNC /
 * TMMR), 0, 1); for one position, the mark less (a long) ABR x SMMR x
 * MM per unit, written on the notional so an inverse contract reads the
 * same: mark x (1 -/+ ABR x SMMR x MM / notional). Rounded against the
 * trader (a long's sell limit up), as dYdX converts it to subticks. */
static liq_status limit_price(wf *w, liq_dec size, liq_dec coll, liq_dec mark, liq_dec bp,
                              bool *has, liq_dec *out)
{
    const p_limit *l = &w->pr->liquidation.limit;
    calc *c = &w->c;
    *has = false;
    if (l->price.v == LIMIT_BANKRUPTCY) {
        *has = d_pos(bp);
        *out = bp;
        return LIQ_OK;
    }
    liq_dec mm;
    liq_status st = wf_mm(w, size, coll, mark, &mm, NULL);
    if (st != LIQ_OK)
        return st;
    liq_dec one = c_int(1);
    liq_dec tnc = c_add(c, coll, wf_pnl(w, size, mark));
    liq_dec abr = d_pos(mm) ? c_mul(c, l->adjustment.v, c_sub(c, one, c_div(c, tnc, mm))) : one;
    abr = liq_dec_min(liq_dec_max(abr, LIQ_DEC_ZERO), one);
    liq_dec spread = c_div(c, c_mul(c, c_mul(c, abr, l->spread.v), mm), wf_notional(w, size, mark));
    liq_dec px = c_mul(c, mark, w->sgn > 0 ? c_sub(c, one, spread) : c_add(c, one, spread));
    *out = wf_round_price(w, liq_dec_max(px, LIQ_DEC_ZERO), 0);
    *has = true;
    return c->st;
}

size_t wf_first_stage(const p_root *pr, bool deleveraged)
{
    const penum *st = pr->shortfall.order.items;
    for (size_t i = 0; deleveraged && i < pr->shortfall.order.n; i++)
        if (st[i].v == STAGE_ADL)
            return i;
    return 0;
}

int wf_rest_stage(const p_root *pr)
{
    /* The promise is the venue's own: what its stages did not cover, it
     * pays (Binance: "the Insurance Fund will balance the account back to
     * 0"; once the fund and the counterparties are spent nobody else is
     * named). Without the promise the trader keeps the debt. */
    return pr->negative_balance.protection.v ? STAGE_VENUE : STAGE_DEBT;
}

/* (Forced inline: LTO left it a call in the walk, for one test.) */
__attribute__((always_inline)) inline void wf_close_note_limit(wf_close *o, const wf_step *t)
{
    /* Most closes: no limit, so nothing refused either (a step is
     * refused, unfilled or deleveraged, only past the limit it has:
     * refused_step follows limit_price's has_limit). One test. */
    if (!t->has_limit)
        return;
    if (!o->has_limit) {
        o->has_limit = true;
        o->limit = t->limit;
    }
    o->refused |= t->unfilled || t->deleveraged;
    o->deleveraged |= t->deleveraged;
}

/* The market would fill beyond the limit: the venue's next step. Retry
 * (dYdX with net collateral still >= 0: the subaccount stays
 * liquidatable, tried again next block) closes nothing; otherwise the
 * position is deleveraged (dYdX: "offset against opposite-side
 * subaccounts ... at the bankruptcy price"; Kraken: assignment, then
 * unwind): realised at the mark, where the counterparties take it, the
 * trader settled at the bankruptcy price; no fee; margin left above it is
 * the counterparties' (received as by a liquidator), a deficit goes to
 * the adl stage. */
static liq_status refused_step(wf *w, liq_dec size, liq_dec coll, liq_dec mark, long step,
                               wf_step *o)
{
    const p_limit *l = &w->pr->liquidation.limit;
    calc *c = &w->c;
    liq_dec pnl = wf_round_amount(w, wf_pnl(w, size, mark), w->amount_mode);
    liq_dec equity = c_add(c, coll, pnl);
    liq_event *e = result_event(w->r, "liquidation_unfilled", step);
    event_dec(e, "limit_price", o->limit);
    event_dec(e, "market_fill", o->fill);
    if (l->unfilled.v == UNFILLED_RETRY && !d_neg(equity)) {
        event_str(e, "next", "retried at the next mark");
        o->unfilled = true;
        o->sliced = false;
        o->size = LIQ_DEC_ZERO;
        o->fill = o->close = mark;
        o->pnl_t = o->pnl_f = LIQ_DEC_ZERO;
        o->fee = o->kept = LIQ_DEC_ZERO;
        o->rest = size;
        o->equity = coll;
        return c->st;
    }
    event_str(e, "next", "deleveraged at the bankruptcy price (adl)");
    o->deleveraged = true;
    o->sliced = false;
    o->takeover = false;
    o->size = size;
    o->fill = mark;
    o->close = d_pos(o->bp) ? o->bp : mark;
    o->pnl_t = o->pnl_f = pnl;
    o->fee = LIQ_DEC_ZERO;
    o->rest = LIQ_DEC_ZERO;
    o->kept = LIQ_DEC_ZERO;
    if (d_pos(equity)) {
        o->kept = equity;
        o->kept_to = RECV_LIQUIDATOR;
        equity = LIQ_DEC_ZERO;
    }
    o->equity = equity;
    liq_event *f = result_event(w->r, "deleveraged", step);
    event_dec(f, "size", size);
    event_dec(f, "mark", mark);
    event_dec(f, "bankruptcy_price", o->close);
    event_dec(f, "equity", c_add(c, coll, pnl));
    /* A close like any other: its realized PnL, at the mark. */
    event_dec(f, "realized_pnl", pnl);
    return c->st;
}

/* What a forfeited margin records (a result that is not quiet): its
 * event and trace line. Out of line: GCC otherwise sets up the event's
 * constant strings on every close, forfeited or not. */
__attribute__((noinline, cold)) static void forfeit_record(wf *w, liq_dec equity, long step)
{
    const p_liquidation *pl = &w->pr->liquidation;
    liq_event *f = result_event(w->r, "margin_forfeited", step);
    event_dec(f, "amount", equity);
    event_str(f, "receiver", "insurance_fund");
    result_trace(w->r, "margin_forfeited", equity, pl->surplus.m, "liquidation.surplus",
                 &pl->prov, "equity left after the close goes to the insurance fund");
}

/* same_fill: the rest of a bankrupt slice goes in the same order, at
 * the slice's fill (NULL: a new order, filled from traded: traded_at).
 * known_bp: the bankruptcy price of (size, coll), where the caller has
 * it (NULL: found here).
 * pv: the step's range proven (close_proven), its formulas on the low
 * words (calc.h). */
WF_INLINE liq_status sale_step(wf *w, bool pv, liq_dec size, liq_dec coll, liq_dec mark,
                               liq_dec traded, liq_dec slip, const wf_book *bk, long step,
                               const liq_dec *same_fill, const liq_dec *known_bp, wf_step *o)
{
    bool force_full = same_fill != NULL;
    const p_liquidation *pl = &w->pr->liquidation;
    liq_dec close = size;
    liq_status st;
    if (pl->partial.prov.present && !force_full &&
        d_gt(wf_notional(w, size, mark), pl->partial.above_notional.v)) {
        if (pl->partial.mode.v != PARTIAL_SHORTAGE)
            close = wf_slice_size(w, size, mark);
        else if ((st = shortage_size(w, size, coll, mark, slip, step, &close)) != LIQ_OK)
            return st;
        o->sliced = d_lt(close, size) && d_pos(close);
        if (!o->sliced)
            close = size;
    }
    o->size = close;
    /* The fill and the bankruptcy price kept in locals as well as in o:
     * read back from o, each costs a reload of 16 bytes. */
    liq_dec fill = same_fill ? *same_fill : fill_at(w, pv, close, traded, slip, bk);
    o->fill = o->close = fill;
    if (!pv && w->ctype == CT_INVERSE && !d_pos(fill) && w->c.st == LIQ_OK) {
        /* Said in the trader's terms, not as the division that fails. */
        char b1[LIQ_DEC_STRLEN], b2[LIQ_DEC_STRLEN];
        liq_diags_add(w->d, LIQ_SEV_ERROR, LIQ_EDIVZERO, w->px_m ? w->px_m[step >= 0 ? step : 0].file : w->p->path,
                      w->px_m ? w->px_m[step >= 0 ? step : 0].line : 0,
                      w->px_m ? w->px_m[step >= 0 ? step : 0].col : 0,
                      "the price path reaches %s, where the liquidation fill rounds to %s and an "
                      "inverse contract has no value (it is worth 1/price)",
                      dstr(mark, b1), dstr(o->fill, b2));
        return LIQ_EDIVZERO;
    }
    realize(w, pv, close, mark, fill, o);
    liq_dec equity = pv_add(&w->c, pv, coll, o->pnl_f);
    liq_dec bp;
    if (known_bp)
        bp = *known_bp;
    else if (w->bp_known && d_eq(size, w->bp_size) && d_eq(coll, w->bp_coll))
        bp = w->has_bp ? w->bp : LIQ_DEC_ZERO;
    else if (!wf_bankruptcy_price(w, size, coll, &bp))
        bp = LIQ_DEC_ZERO;
    o->bp = bp;
    if (!force_full && has_limit_rule(w)) {
        if ((st = limit_price(w, size, coll, mark, o->bp, &o->has_limit, &o->limit)) != LIQ_OK)
            return st;
        if (o->has_limit && (w->sgn > 0 ? d_lt(o->fill, o->limit) : d_gt(o->fill, o->limit)))
            return refused_step(w, size, coll, mark, step, o);
    }
    bool sliced = o->sliced;
    if (!sliced && pl->fill.v == FILL_BANKRUPTCY && d_pos(bp)) {
        o->takeover = true;
        o->close = bp;
        liq_event *e = result_event(w->r, "takeover", step);
        event_dec(e, "bankruptcy_price", bp);
        event_dec(e, "size", close);
        event_dec(e, "market_fill", fill);
    }
    if (w->c.st != LIQ_OK)
        return w->c.st;
    liq_dec fee;
    st = wf_fee_pv(w, pv, close, mark, fill, bp, equity, step, &fee);
    o->fee = fee;
    if (st != LIQ_OK)
        return st;
    equity = pv_sub(&w->c, pv, equity, fee);
    o->rest = pv_sub(&w->c, pv, size, close);
    liq_event *e = result_event(w->r, sliced ? "partial_liquidation" : "position_closed", step);
    event_dec(e, "size", close);
    event_dec(e, "fill_price", fill);
    event_dec(e, "realized_pnl", o->pnl_f);
    if (sliced)
        event_dec(e, "remaining_size", o->rest);
    /* Whole position closed: what is left above zero goes to the trader,
     * or to the fund where the venue keeps it (BitMEX, Bybit: closed at
     * bankruptcy, the margin is forfeited). */
    if (!sliced && d_pos(equity) && pl->surplus.v == SURPLUS_IF && !w->defer_surplus) {
        o->kept = equity;
        o->kept_to = RECV_IF;
        if (!w->r->quiet)
            forfeit_record(w, equity, step);
        equity = LIQ_DEC_ZERO;
    }
    o->equity = equity;
    return w->c.st;
}

/* The proof that a sale step's formulas stay inside 64 bits (calc.h's
 * proven arithmetic), taken once before the step on its inputs: a
 * linear contract of size 1, no fee hook and no book depth; with P the
 * largest of the mark, the traded price and the entry (raws in [0,
 * 2^61)), T the price tick the fill is rounded to (0 if none) and A the
 * amount step (each below 2^56), the slippage in [0, 1], the fee rate
 * in [0, 1], size in [0, 2^62) and coll in [0, 2^60):
 *   factor 1 -+ slip in [0, 2]; fill = mark x factor, to the tick:
 *     |fill| <= 2P + T + 1 (a fill rounded to nothing is one tick);
 *   |price - entry| <= G = 3P + T + 1 < 2^63, an operand that fits;
 *   size x G <= 2^60 x 10^12 (checked): every PnL and notional of the
 *     step (at the mark, the fill or entry) is within 2^60 + 1, and
 *     with the amount step 2^60 + 2^56 + 1; the fee, at most that;
 *   equity = coll + PnL within 2^62, less the fee within 2^63;
 *   the rest = size - close, 0 < close <= size (or 0).
 * Every product's quotient then fits 64 bits, every sum does, and the
 * checked operations (which would fail only on overflow) give the same
 * raws. Anything else (an inverse contract, a contract size, a fee
 * hook, the book's depth, a negative or larger amount) closes on the
 * checked path. The bounds are tested on the raws' words: every high
 * word zero (so no raw is negative), then each low word's top bits. */
#define PV_STEP_MAX ((liq_i128)1 << 56)
WF_INLINE bool close_proven(const wf *w, liq_dec size, liq_dec coll, liq_dec mark,
                            liq_dec traded, liq_dec slip, const wf_book *bk)
{
    const p_root *pr = w->pr;
    const p_rounding *ro = &pr->rounding;
    if (w->ctype != CT_LINEAR || !w->csize_one || (bk && bk->depth) || wf_hooked(w, HOOK_FEE))
        return false;
    liq_dec rate = pr->liquidation.fee.rate.v;
    if (PV_HI(size) | PV_HI(coll) | PV_HI(mark) | PV_HI(traded) | PV_HI(w->entry) | PV_HI(slip) |
        PV_HI(rate))
        return false;
    uint64_t u = PV_LO(size), m = PV_LO(mark), t = PV_LO(traded), e = PV_LO(w->entry);
    /* P, the largest of the three prices: each is below 2^61 when it is. */
    uint64_t p = m > t ? m : t;
    p = p > e ? p : e;
    if ((u >> 62) | (PV_LO(coll) >> 60) | (p >> 61) || PV_LO(slip) > DEC_SCALE ||
        PV_LO(rate) > DEC_SCALE)
        return false;
    uint64_t tick = 0;
    if (ro->price_tick.set && ro->price.v != PRR_NONE) {
        if ((liq_u128)ro->price_tick.v.raw >= (liq_u128)PV_STEP_MAX)
            return false;
        tick = PV_LO(ro->price_tick.v);
    }
    if (ro->amount_step.set && (liq_u128)ro->amount_step.v.raw >= (liq_u128)PV_STEP_MAX)
        return false;
    /* G = 3P + T + 1 < 3 x 2^61 + 2^56 + 1: no wrap. */
    return (liq_u128)u * (3 * p + tick + 1) <= (liq_u128)((uint64_t)1 << 60) * DEC_SCALE;
}

bool wf_close_proven(const wf *w, liq_dec size, liq_dec coll, liq_dec mark, liq_dec slip,
                     const wf_book *bk, long step)
{
    return close_proven(w, size, coll, mark, traded_at(w, mark, step), slip, bk);
}

WF_INLINE liq_status close_at(wf *w, liq_dec size, liq_dec coll, liq_dec mark, liq_dec slip,
                              const wf_book *bk, long step, const liq_dec *known_bp,
                              wf_step out[2], size_t *nsteps)
{
    /* The second step is cleared only when there is one; the first only
     * in its head (the tail is every close's to write). */
    memset(&out[0], 0, WF_STEP_HEAD);
    *nsteps = 1;
    bool backstop;
    liq_status st = wf_backstop_due(w, size, coll, mark, &backstop);
    if (st != LIQ_OK)
        return st;
    if (__builtin_expect(backstop, 0))   /* (rare: laid out aside) */
        return backstop_step(w, size, coll, mark, step, &out[0]);
    liq_dec traded = traded_at(w, mark, step);
    out[0].proven = close_proven(w, size, coll, mark, traded, slip, bk);
    /* (Most closes are proven: said to the compiler, which then lays the
     * proven sale out straight in the walk it is inlined into; left to
     * guess, it laid the walk's close out slower in time than the call,
     * though in fewer instructions.) */
    st = __builtin_expect(out[0].proven, 1)
             ? sale_step(w, true, size, coll, mark, traded, slip, bk, step, NULL, known_bp,
                         &out[0])
             : sale_step(w, false, size, coll, mark, traded, slip, bk, step, NULL, known_bp,
                         &out[0]);
    if (st != LIQ_OK)
        return st;
    if (!out[0].sliced)
        return LIQ_OK;
    /* What is left is judged on the whole account at this mark: the
     * slice's realized result and the rest's unrealized one. A rest
     * already past bankruptcy goes at once, at this mark. */
    liq_dec rest_equity = c_add(&w->c, out[0].equity, wf_pnl(w, out[0].rest, mark));
    if (w->c.st != LIQ_OK || d_pos(rest_equity))
        return w->c.st;
    *nsteps = 2;
    memset(&out[1], 0, sizeof out[1]);
    return sale_step(w, false, out[0].rest, out[0].equity, mark, traded, slip, bk, step,
                     &out[0].fill, NULL, &out[1]);
}

liq_status wf_close_at(wf *w, liq_dec size, liq_dec coll, liq_dec mark, liq_dec slip,
                       const wf_book *bk, long step, wf_step out[2], size_t *nsteps)
{
    return close_at(w, size, coll, mark, slip, bk, step, NULL, out, nsteps);
}

/* The same close, inlined into the walk of a single evaluation by the
 * release build's link-time optimisation (always_inline), where the call
 * and its ten arguments cost some forty instructions of a close;
 * elsewhere (a build without LTO) it is called. The replay's and the
 * account's closes call wf_close_at, so the close's code is not copied
 * into them too. */
__attribute__((always_inline)) inline liq_status
wf_close_at_inline(wf *w, liq_dec size, liq_dec coll, liq_dec mark, liq_dec slip,
                   const wf_book *bk, long step, const liq_dec *known_bp, wf_step out[2],
                   size_t *nsteps)
{
    return close_at(w, size, coll, mark, slip, bk, step, known_bp, out, nsteps);
}

liq_status wf_close_order(wf *w, liq_dec size, liq_dec coll, liq_dec mark, liq_dec slip,
                          const liq_dec *limit, long step, wf_step *o, bool *filled)
{
    memset(o, 0, sizeof *o);
    *filled = false;
    /* A limit order never fills beyond its limit: while the price it
     * meets in the market (the traded price where the path has one, as
     * fill_at takes it) is past it (a long's sell below, a short's buy
     * above), the order rests. */
    liq_dec traded = traded_at(w, mark, step);
    if (limit && (w->sgn > 0 ? d_lt(traded, *limit) : d_gt(traded, *limit)))
        return LIQ_OK;
    o->size = size;
    o->fill = fill_at(w, false, size, traded, slip, NULL);
    if (limit)
        o->fill = w->sgn > 0 ? liq_dec_max(o->fill, *limit) : liq_dec_min(o->fill, *limit);
    o->close = o->fill;
    realize(w, false, size, mark, o->fill, o);
    o->equity = c_add(&w->c, coll, o->pnl_f);
    o->rest = LIQ_DEC_ZERO;
    *filled = w->c.st == LIQ_OK;
    liq_event *e = result_event(w->r, "stop_filled", step);
    event_dec(e, "mark", mark);
    event_dec(e, "size", size);
    event_dec(e, "fill_price", o->fill);
    event_dec(e, "realized_pnl", o->pnl_f);
    return w->c.st;
}
