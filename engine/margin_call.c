/*
 * margin_call.c — the venue's margin call (trigger.margin_call_at): the
 * rule, and where on the price axis it can first hold.
 *
 * Owns the test itself, equity at or below margin_call_at x maintenance
 * margin at a mark (Kraken spot: a call at 80 % of used margin, twice
 * the 40 % that liquidates), which a single evaluation's walk (trigger.c)
 * and a book's replay (replay.c) both ask, so the two call the same
 * accounts at the same marks; and, for the replay's index, the price
 * beyond which the test can hold (wf_margin_call_price). That price is a
 * filter, not the rule: the index hands the replay the accounts whose
 * margin call price a mark has reached, and the test at that mark
 * decides, so a price found a hair on the entry's side of the boundary
 * costs a test, never a call. Margin calls are the replay's only use of
 * it, so a policy without margin_call_at never searches.
 */
#include "waterfall.h"

liq_status wf_margin_call_due(wf *w, liq_dec size, liq_dec coll, liq_dec mark, bool *due,
                              liq_dec *equity, liq_dec *mm, liq_dec *line)
{
    *due = false;
    *equity = *mm = *line = LIQ_DEC_ZERO;
    liq_status st = wf_mm(w, size, coll, mark, mm, NULL);
    if (st != LIQ_OK)
        return st;
    *equity = c_add(&w->c, coll, wf_pnl(w, size, mark));
    *line = c_mul(&w->c, *mm, w->pr->trigger.margin_call_at.v);
    *due = w->c.st == LIQ_OK && d_le(*equity, *line);
    return w->c.st;
}

static liq_status due_at(wf *w, liq_dec size, liq_dec coll, liq_dec px, bool *due, liq_dec *gap)
{
    liq_dec equity, mm, line;
    liq_status st = wf_margin_call_due(w, size, coll, px, due, &equity, &mm, &line);
    *gap = c_sub(&w->c, equity, line);
    return st != LIQ_OK ? st : w->c.st;
}

/* The search stops when the bracket is 1e-9 wide, as the liquidation
 * price's bisection does (margin.c): a mark between the boundary and the
 * price found is tested and held, at no cost to the answer. */
#define CALL_EPS ((liq_dec){1000})
#define CALL_MAX_STEPS 200
/* A short whose call no price up to a millionfold its entry reaches is
 * never called (margin.c's bracket for a short's liquidation price). */
#define CALL_SHORT_MULTIPLE 1000000

/* The equity less the call level, g(P), rises from the boundary towards
 * the entry (a long's with the price, a short's against it): the call
 * holds on the far side of one price B. Found: a price `key` where the
 * call does not hold yet, within CALL_EPS of B (every mark at or beyond
 * B is at or beyond key), by the secant through the bracket (exact for
 * the linear table model, checked by testing both sides of it), else by
 * halving. lp (has_lp): the liquidation price, where the call holds
 * (margin_call_at >= 1), the bracket's far end. */
liq_status wf_margin_call_price(wf *w, liq_dec size, liq_dec coll, bool has_lp, liq_dec lp,
                                const wf_reach *reach, bool *has, bool *always, liq_dec *key)
{
    calc *c = &w->c;
    *has = *always = false;
    bool due;
    liq_dec g_near, g_far;
    liq_dec near = w->entry;
    liq_status st = due_at(w, size, coll, near, &due, &g_near);
    if (st != LIQ_OK)
        return st;
    if (due) {
        /* Called as it opens: at its first mark, wherever that is. */
        *has = *always = true;
        return LIQ_OK;
    }
    /* With a reach and no liquidation price inside it (where the call,
     * nearer the entry, would be too), first whether the call can hold at
     * any mark: not at the price just past them all (wf_reach_past, for
     * g monotone) is never (*has false), and otherwise that price is the
     * bracket's far end. A price past them all on the entry's side of it
     * is never, with no question. */
    liq_dec far = LIQ_DEC_ZERO;
    bool asked = false;
    if (reach && (!has_lp || (w->sgn > 0 ? d_lt(lp, reach->lo) : d_gt(lp, reach->hi))) &&
        wf_reach_past(w, reach, &far)) {
        if (w->sgn > 0 ? d_ge(far, near) : d_le(far, near))
            return LIQ_OK;
        if ((st = due_at(w, size, coll, far, &due, &g_far)) != LIQ_OK)
            return st;
        if (!due)
            return LIQ_OK;
        asked = true;
    }
    if (!asked) {
        far = has_lp ? lp
              : w->sgn > 0 ? (liq_dec){1}
                           : c_mul(c, w->entry, c_int(CALL_SHORT_MULTIPLE));
        if ((st = due_at(w, size, coll, far, &due, &g_far)) != LIQ_OK)
            return st;
    }
    if (!due && has_lp) {
        /* Rounding put the liquidation price a hair inside the boundary:
         * the call's lies beyond it, within the far bracket. */
        far = w->sgn > 0 ? (liq_dec){1} : c_mul(c, w->entry, c_int(CALL_SHORT_MULTIPLE));
        if ((st = due_at(w, size, coll, far, &due, &g_far)) != LIQ_OK)
            return st;
    }
    if (!due)
        return LIQ_OK;   /* never called */
    *has = true;
    /* A step towards the entry. */
    liq_dec eps = w->sgn > 0 ? CALL_EPS : liq_dec_neg(CALL_EPS);
    calc probe = {LIQ_OK, NULL};
    liq_dec den = c_sub(&probe, g_near, g_far);
    liq_dec x = c_sub(&probe, far, c_div(&probe, c_mul(&probe, g_far, c_sub(&probe, near, far)), den));
    if (probe.st == LIQ_OK && d_pos(x) && d_pos(den)) {
        liq_dec gx, gy;
        bool dx, dy;
        if ((st = due_at(w, size, coll, x, &dx, &gx)) != LIQ_OK)
            return st;
        /* The boundary lies between a price where the call holds and one
         * a step towards the entry where it does not. */
        liq_dec y = dx ? c_add(&probe, x, eps) : c_sub(&probe, x, eps);
        if (probe.st == LIQ_OK && d_pos(y)) {
            if ((st = due_at(w, size, coll, y, &dy, &gy)) != LIQ_OK)
                return st;
            if (dx != dy) {
                *key = dx ? y : x;
                return c->st;
            }
        }
    }
    for (int i = 0; i < CALL_MAX_STEPS; i++) {
        if (d_le(liq_dec_abs(c_sub(c, near, far)), CALL_EPS))
            break;
        liq_dec mid = c_divr(c, c_add(c, near, far), c_int(2), LIQ_ROUND_FLOOR);
        liq_dec gm;
        bool dm;
        if ((st = due_at(w, size, coll, mid, &dm, &gm)) != LIQ_OK)
            return st;
        if (dm)
            far = mid;
        else
            near = mid;
    }
    *key = near;
    return c->st;
}
