/*
 * position.c — the position as the venue sees it.
 *
 * Owns turning an order (a scenario's position, or a book row) into the
 * numbers the stages use: size from notional, initial margin from
 * leverage, the collateral at risk (isolated margin or the cross
 * balance), the conversion of an order written for the other contract
 * type (same notional, same leverage, collateral converted at the entry
 * price), and what the venue would refuse (a leverage above the market's
 * or the tier's maximum). A single evaluation and a replay open every
 * position here, so they agree on what a venue accepts and on the
 * margin mode it is held in.
 */
#include "waterfall.h"

#include <stdio.h>
#include <string.h>

#define input_err(w, m, ...) \
    (liq_diags_add((w)->d, LIQ_SEV_ERROR, LIQ_EINPUT, (m).file, (m).line, (m).col, __VA_ARGS__), \
     LIQ_EINPUT)

/* The rare paths below (a refusal, a warning) are out of line: the
 * order the venue takes as it is carries none of their formatting. */
#define COLD static __attribute__((noinline, cold))

/* The market's name in messages. */
static const char *market_name(const wf *w)
{
    return w->mkt ? w->mkt->id->symbol.v : w->pr->product.v;
}

/* The venue's margin mode for a requested one: the same when offered,
 * else the venue's first (Deribit and Kraken spot are cross only). */
static int venue_mode(const p_root *pr, int want, bool *changed)
{
    *changed = !(pr->margin.mode_bits & (1u << want));
    return *changed ? pr->margin.mode_first : want;
}

/* Every venue asks more margin to open a position than to keep it, so
 * one that is liquidatable the moment it opens is an order no venue
 * takes (GMX's increase reverts with LiquidatablePosition; a BitMEX step
 * or a Binance bracket at its maximum leverage still has initial margin
 * above maintenance): refused, with the amounts, under the policy's own
 * trigger comparison. The maintenance margin at entry is kept for the
 * result. An existing position is a state the venue's tests build, not
 * an order: evaluated. */
COLD void refuse_liquidatable(wf *w)
{
    bool strict = w->pr->trigger.compare.v == TRIGCMP_STRICTLY_BELOW;
    w->refused = true;
    snprintf(w->refusal, WF_REFUSAL,
             "liquidatable as it opens on %s at %s: the maintenance margin at entry %s is %s "
             "the margin %s at %sx",
             market_name(w), w->pr->venue.v, dstr(w->entry_mm, (char[LIQ_DEC_STRLEN]){0}),
             strict ? "above" : "at or above", dstr(w->collateral, (char[LIQ_DEC_STRLEN]){0}),
             dstr(w->lev, (char[LIQ_DEC_STRLEN]){0}));
}

WF_INLINE liq_status opens_liquidatable(wf *w, const wf_order *o)
{
    liq_status st = wf_mm_entry(w, &w->entry_mm, &w->entry_tier);
    /* The hooked solver's probe at entry (a table's margin is no call). */
    w->entry_mm_for.set = st == LIQ_OK && wf_hooked(w, HOOK_MM);
    if (w->entry_mm_for.set) {
        w->entry_mm_for.sgn = w->sgn;
        w->entry_mm_for.size = w->size;
        w->entry_mm_for.coll = w->collateral;
        w->entry_mm_for.lev = w->lev;
        w->entry_mm_for.im = w->im;
    }
    if (st != LIQ_OK || o->existing || !wf_mm_breached(w, w->collateral, w->entry_mm))
        return st;
    refuse_liquidatable(w);
    return LIQ_OK;
}

/* A leverage above the tier's cap: the market's maximum, the tier's, or
 * the tier's initial margin rate, refused in that order with the one it
 * passes (true); an existing position is evaluated, with a warning
 * (false). */
COLD bool refuse_leverage(wf *w, bool existing, const p_tier *tier, liq_dec notional)
{
    const p_root *pr = w->pr;
    const char *mname = market_name(w);
    char b1[LIQ_DEC_STRLEN], b2[LIQ_DEC_STRLEN];
    bool over_market = d_gt(w->lev, c_int(pr->margin.max_leverage.v));
    bool over_tier = tier->max_leverage.set && d_gt(w->lev, c_int(tier->max_leverage.v));
    /* A tier's initial margin rate allows at most 1 / rate (BitMEX's
     * second risk-limit step, IM 1.5 %: 66.67x, which no whole number
     * states). A leverage has 12 places, so it is above 1 / rate exactly
     * when it is above 1 / rate cut down to 12 places, the maximum the
     * refusal gives. */
    liq_dec im_max = LIQ_DEC_ZERO;
    if (tier->initial_rate.set)
        im_max = c_divr(&w->c, c_int(1), tier->initial_rate.v, LIQ_ROUND_FLOOR);
    if (existing) {
        /* A state the venue's own tests build (an account already under
         * water), not an order: evaluated, and said so. */
        result_warn(w->r, "leverage %sx is above what %s offers on %s; evaluated as an existing "
                          "position (position.existing), not as an order the venue would take",
                    dstr(w->lev, b1), pr->venue.v, mname);
        liq_event *e = result_event(w->r, "leverage_above_venue_max", -1);
        event_dec(e, "leverage", w->lev);
        event_dec(e, "max_leverage", c_int(pr->margin.max_leverage.v));
        return false;
    }
    w->refused = true;
    if (over_market)
        snprintf(w->refusal, WF_REFUSAL, "max %lldx on %s at %s; the scenario asks %sx",
                 (long long)pr->margin.max_leverage.v, mname, pr->venue.v, dstr(w->lev, b1));
    else if (over_tier)
        snprintf(w->refusal, WF_REFUSAL,
                 "max %lldx on %s at %s for a notional of %s; the scenario asks %sx",
                 (long long)tier->max_leverage.v, mname, pr->venue.v, dstr(notional, b2),
                 dstr(w->lev, b1));
    else
        snprintf(w->refusal, WF_REFUSAL,
                 "max %sx (initial margin rate %s) on %s at %s for a notional of %s; the "
                 "scenario asks %sx",
                 dstr(im_max, (char[LIQ_DEC_STRLEN]){0}),
                 dstr(tier->initial_rate.v, (char[LIQ_DEC_STRLEN]){0}), mname, pr->venue.v,
                 dstr(notional, b2), dstr(w->lev, b1));
    return true;
}

/* A short whose interest the policy cannot price (wf_interest_short_unknown). */
COLD void refuse_short_interest(wf *w)
{
    w->refused = true;
    snprintf(w->refusal, WF_REFUSAL,
             "a short on %s borrows its base asset, and the interest %s charges on it is not "
             "known to this policy (interest.short_rate)", market_name(w), w->pr->venue.v);
}

/* The order asked a mode the venue does not offer: say exactly what
 * changed, which amount is now at risk. */
COLD void note_mode_changed(wf *w, int asked, liq_dec coll)
{
    const p_root *pr = w->pr;
    const char *mname = market_name(w);
    char b1[LIQ_DEC_STRLEN], b2[LIQ_DEC_STRLEN];
    if (w->mode == MODE_ISOLATED)
        result_warn(w->r, "%s offers no %s margin on %s; evaluated in isolated margin: the "
                          "position's initial margin of %s is at risk, not the account's %s",
                    pr->venue.v, liq_mode_names[asked], mname, dstr(w->collateral, b1),
                    dstr(coll, b2));
    else
        result_warn(w->r, "%s offers no %s margin on %s; evaluated in cross margin: the "
                          "whole account of %s is at risk, not only the position's margin %s",
                    pr->venue.v, liq_mode_names[asked], mname, dstr(w->collateral, b1),
                    dstr(w->im, b2));
    liq_event *e = result_event(w->r, "margin_mode_changed", -1);
    event_str(e, "from", liq_mode_names[asked]);
    event_str(e, "to", liq_mode_names[w->mode]);
}

/* wf_open's body, inlined into wf_position so that the scenario's order
 * is read where it lies, not first copied into a wf_order. */
WF_INLINE liq_status open_order(wf *w, const wf_order *o)
{
    const p_root *pr = w->pr;
    char b1[LIQ_DEC_STRLEN], b2[LIQ_DEC_STRLEN];

    w->entry_mm_for.set = false;
    w->sgn = o->side;
    w->ctype = pr->contract.type.v;
    w->csize = pr->contract.contract_size.v;
    w->csize_one = pr->contract.size_one;
    w->entry = o->entry;
    w->lev_m = *o->lev_m;
    w->refused = false;

    bool mode_changed;
    w->mode = venue_mode(pr, o->mode, &mode_changed);

    /* Quote notional of the order, in its own contract terms. */
    liq_dec qnotional; /* in quote currency */
    liq_dec osize;     /* order size in its own units */
    bool unit = d_eq(o->contract_size, c_int(1));
    if (o->has_size) {
        osize = o->size;
        liq_dec units = unit ? osize : c_mul(&w->c, osize, o->contract_size);
        qnotional = o->contract == CT_LINEAR ? c_mul(&w->c, units, w->entry) : units;
    } else {
        qnotional = o->notional;
        osize = o->contract == CT_LINEAR
                    ? c_div(&w->c, qnotional, c_mul(&w->c, w->entry, o->contract_size))
                    : c_div(&w->c, qnotional, o->contract_size);
    }

    /* Settlement-currency amounts of the order (collateral, margin) are
     * in its settlement: quote for linear, coin for inverse. Convert when
     * the policy settles in the other. */
    liq_dec coll = o->collateral, margin = o->margin, extra = o->extra_margin;
    w->converted = o->contract != w->ctype;
    /* The order in the policy's own contract terms (type and size). */
    bool same_terms = false;
    if (w->converted) {
        if (w->ctype == CT_INVERSE) {
            /* quote -> coin at entry */
            coll = c_div(&w->c, coll, w->entry);
            margin = c_div(&w->c, margin, w->entry);
            extra = c_div(&w->c, extra, w->entry);
            w->size = c_div(&w->c, qnotional, w->csize);
        } else {
            coll = c_mul(&w->c, coll, w->entry);
            margin = c_mul(&w->c, margin, w->entry);
            extra = c_mul(&w->c, extra, w->entry);
            w->size = c_div(&w->c, qnotional, c_mul(&w->c, w->entry, w->csize));
        }
        liq_event *e = result_event(w->r, "contract_converted", -1);
        event_str(e, "from", liq_contract_names[o->contract]);
        event_str(e, "to", liq_contract_names[w->ctype]);
        event_dec(e, "size", w->size);
        event_dec(e, "collateral", coll);
        event_dec(e, "at_price", w->entry);
    } else {
        w->size = osize;
        same_terms = d_eq(o->contract_size, w->csize);
        if (!same_terms)
            w->size = c_div(&w->c, c_mul(&w->c, osize, o->contract_size), w->csize);
    }
    if (w->c.st != LIQ_OK)
        return w->c.st;
    if (!d_pos(w->size))
        return input_err(w, *o->size_m, "position: the size is zero after conversion");

    /* Same contract terms and unit contracts: the notional is the quote
     * notional already computed. */
    liq_dec notional = same_terms && w->ctype == CT_LINEAR && w->csize_one
                           ? qnotional
                           : wf_notional(w, w->size, w->entry);
    w->notional = notional;
    w->en_known = w->c.st == LIQ_OK;
    w->en_size = w->size;
    w->en_entry = w->entry;
    w->en_notional = notional;
    w->en_tier = wf_tier(w, notional);
    if (o->has_margin) {
        w->im = margin;
        w->lev = c_div(&w->c, notional, margin);
    } else {
        w->lev = o->leverage;
        w->im = c_div(&w->c, notional, w->lev);
    }
    if (w->c.st != LIQ_OK)
        return w->c.st;

    /* A leverage the venue does not offer is refused, as the venue would
     * refuse the order: the market's maximum, and the maximum of the tier
     * the position's notional falls in. The tier's cap is the least of
     * them (policy_load.c); only an order above it asks which. */
    const p_tier *tier = root_tier(pr, w->en_tier);
    if (d_gt(w->lev, tier->lev_cap) && refuse_leverage(w, o->existing, tier, notional))
        return LIQ_OK;

    /* Interest accrues on what the venue lends; a short borrows the base
     * asset, and a policy that gives no rate for it cannot say what the
     * venue charges (IBKR charges a borrowed currency at that currency's
     * tiers): no answer rather than one without the interest. */
    if (wf_interest_short_unknown(w)) {
        refuse_short_interest(w);
        return LIQ_OK;
    }

    /* Margin added after entry comes out of the account: an isolated
     * position's collateral is its margin plus that, and the account
     * must hold both. */
    if (d_lt(coll, w->im))
        return input_err(w, *o->coll_m,
                         w->mode == MODE_ISOLATED
                             ? "account.collateral: %s is less than the position's initial margin %s"
                             : "account.collateral: %s does not cover the initial margin %s",
                         dstr(coll, b1), dstr(w->im, b2));
    bool isolated = w->mode == MODE_ISOLATED;
    liq_dec at_risk = isolated ? w->im : coll;
    /* (Most positions add no margin: a zero is not added.) */
    w->collateral = d_zero(extra) ? at_risk : c_add(&w->c, at_risk, extra);
    if (isolated && d_pos(extra) && d_lt(coll, w->collateral))
        return input_err(w, *o->extra_m,
                         "position.extra_margin: the account's %s does not cover the initial "
                         "margin %s plus the extra margin %s",
                         dstr(coll, b1), dstr(w->im, b2), dstr(extra, (char[LIQ_DEC_STRLEN]){0}));
    w->account = isolated ? coll : w->collateral;
    if (!d_pos(w->collateral))
        return input_err(w, *o->extra_m, "position.extra_margin: leaves no margin (collateral %s)",
                         dstr(w->collateral, b1));
    if (mode_changed)
        note_mode_changed(w, o->mode, coll);
    return opens_liquidatable(w, o);
}

liq_status wf_open(wf *w, const wf_order *o)
{
    return open_order(w, o);
}

liq_status wf_position(wf *w)
{
    const s_position *sp = w->sp;
    const s_account *sa = &w->s->r.account;
    wf_order o = {
        .side = sp->side.v == SIDE_LONG ? 1 : -1,
        .contract = sp->contract.v,
        .contract_size = sp->contract_size.v,
        .has_size = sp->size.set,
        .size = sp->size.v,
        .notional = sp->notional.v,
        .entry = sp->entry_price.v,
        .has_margin = sp->margin.set,
        .margin = sp->margin.v,
        .leverage = sp->leverage.v,
        .extra_margin = sp->extra_margin.v,
        .collateral = sa->collateral.v,
        .mode = sa->mode.v,
        .existing = sp->existing.v,
        .size_m = sp->size.set ? &sp->size.m : &sp->notional.m,
        .coll_m = &sa->collateral.m,
        .lev_m = sp->leverage.set ? &sp->leverage.m : &sp->margin.m,
        .extra_m = &sp->extra_margin.m,
    };
    return open_order(w, &o);
}
