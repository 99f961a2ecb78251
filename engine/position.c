/*
 * position.c — the position as the venue sees it.
 *
 * Owns turning a scenario into the numbers the stages use: size from
 * notional, initial margin from leverage, the collateral at risk
 * (isolated margin or the cross balance), and the conversion of a
 * scenario written for the other contract type (same notional, same
 * leverage, collateral converted at the entry price). Checks what the
 * policy allows: margin modes and maximum leverage (a warning: comparing
 * venues on the same trade is the point, so an over-limit trade is still
 * evaluated, and the result says so).
 */
#include "waterfall.h"

#include <stdio.h>
#include <string.h>

#define input_err(w, m, ...) \
    (liq_diags_add((w)->d, LIQ_SEV_ERROR, LIQ_EINPUT, (m).file, (m).line, (m).col, __VA_ARGS__), \
     LIQ_EINPUT)

liq_status wf_position(wf *w)
{
    const s_position *sp = &w->s->r.position;
    const s_account *sa = &w->s->r.account;
    const p_root *pr = w->pr;
    char b1[LIQ_DEC_STRLEN], b2[LIQ_DEC_STRLEN];

    w->sgn = sp->side.v == SIDE_LONG ? 1 : -1;
    w->ctype = pr->contract.type.v;
    w->csize = pr->contract.contract_size.v;
    w->entry = sp->entry_price.v;
    w->size_m = sp->size.set ? sp->size.m : sp->notional.m;
    w->coll_m = sa->collateral.m;
    w->lev_m = sp->leverage.set ? sp->leverage.m : sp->margin.m;
    w->conv = c_int(1);

    /* Mode supported? If not, the venue's own mode stands in (Deribit is
     * cross only): comparing venues on one trade is the point, and the
     * result says what was changed. */
    w->mode = sa->mode.v;
    const plist *modes = &pr->margin.modes;
    if (modes->n) {
        bool found = false;
        for (size_t i = 0; i < modes->n; i++)
            found |= ((const penum *)modes->items)[i].v == sa->mode.v;
        if (!found) {
            w->mode = ((const penum *)modes->items)[0].v;
            result_warn(w->r, "%s offers no %s margin for this product; evaluated in %s margin "
                              "with the account's collateral",
                        pr->venue.v, liq_mode_names[sa->mode.v], liq_mode_names[w->mode]);
            liq_event *e = result_event(w->r, "margin_mode_changed", -1);
            event_str(e, "from", liq_mode_names[sa->mode.v]);
            event_str(e, "to", liq_mode_names[w->mode]);
        }
    }

    /* Quote notional of the scenario's position, in the scenario's own
     * contract terms. */
    int sct = sp->contract.v;
    liq_dec scs = sp->contract_size.v;
    liq_dec qnotional; /* in quote currency */
    liq_dec ssize;     /* scenario size in its own units */
    bool unit = d_eq(scs, c_int(1));
    if (sp->size.set) {
        ssize = sp->size.v;
        liq_dec units = unit ? ssize : c_mul(&w->c, ssize, scs);
        qnotional = sct == CT_LINEAR ? c_mul(&w->c, units, w->entry) : units;
    } else {
        qnotional = sp->notional.v;
        ssize = sct == CT_LINEAR ? c_div(&w->c, qnotional, c_mul(&w->c, w->entry, scs))
                                 : c_div(&w->c, qnotional, scs);
    }

    /* Settlement-currency amounts of the scenario (collateral, margin)
     * are in the scenario's settlement: quote for linear, coin for
     * inverse. Convert when the policy settles in the other. */
    liq_dec coll = sa->collateral.v;
    liq_dec margin = sp->margin.v, extra = sp->extra_margin.v;
    if (sct != w->ctype) {
        w->converted = true;
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
        event_str(e, "from", liq_contract_names[sct]);
        event_str(e, "to", liq_contract_names[w->ctype]);
        event_dec(e, "size", w->size);
        event_dec(e, "collateral", coll);
        event_dec(e, "at_price", w->entry);
    } else {
        w->size = ssize;
        if (!d_eq(scs, w->csize))
            w->size = c_div(&w->c, c_mul(&w->c, ssize, scs), w->csize);
    }
    if (w->c.st != LIQ_OK)
        return w->c.st;
    if (!d_pos(w->size))
        return input_err(w, w->size_m, "position: the size is zero after conversion");

    /* Same contract terms and unit contracts: the notional is the quote
     * notional already computed. */
    liq_dec notional = !w->converted && w->ctype == CT_LINEAR && unit && d_eq(w->csize, scs)
                           ? qnotional
                           : wf_notional(w, w->size, w->entry);
    w->notional = notional;
    if (sp->margin.set) {
        w->im = margin;
        w->lev = c_div(&w->c, notional, margin);
    } else {
        w->lev = sp->leverage.v;
        w->im = c_div(&w->c, notional, w->lev);
    }
    if (w->c.st != LIQ_OK)
        return w->c.st;

    /* A leverage the venue does not offer is refused, as the venue would
     * refuse the order: the market's maximum, and the maximum of the tier
     * the position's notional falls in. */
    const char *mname = w->mkt ? w->mkt->id->symbol.v : pr->product.v;
    const p_tier *tier = root_tier(pr, wf_tier(w, notional));
    bool over = d_gt(w->lev, c_int(pr->margin.max_leverage.v)) ||
                (tier->max_leverage.set && d_gt(w->lev, c_int(tier->max_leverage.v)));
    if (over && sp->existing.v) {
        /* A state the venue's own tests build (an account already under
         * water), not an order: evaluated, and said so. */
        result_warn(w->r, "leverage %sx is above what %s offers on %s; evaluated as an existing "
                          "position (position.existing), not as an order the venue would take",
                    dstr(w->lev, b1), pr->venue.v, mname);
        liq_event *e = result_event(w->r, "leverage_above_venue_max", -1);
        event_dec(e, "leverage", w->lev);
        event_dec(e, "max_leverage", c_int(pr->margin.max_leverage.v));
    } else if (d_gt(w->lev, c_int(pr->margin.max_leverage.v))) {
        w->refused = true;
        snprintf(w->refusal, sizeof w->refusal, "max %lldx on %s at %s; the scenario asks %sx",
                 (long long)pr->margin.max_leverage.v, mname, pr->venue.v, dstr(w->lev, b1));
        return LIQ_OK;
    } else if (tier->max_leverage.set && d_gt(w->lev, c_int(tier->max_leverage.v))) {
        w->refused = true;
        snprintf(w->refusal, sizeof w->refusal,
                 "max %lldx on %s at %s for a notional of %s; the scenario asks %sx",
                 (long long)tier->max_leverage.v, mname, pr->venue.v, dstr(notional, b2),
                 dstr(w->lev, b1));
        return LIQ_OK;
    }

    if (w->mode == MODE_ISOLATED) {
        if (d_lt(coll, w->im))
            return input_err(w, sa->collateral.m,
                             "account.collateral: %s is less than the position's initial "
                             "margin %s",
                             dstr(coll, b1), dstr(w->im, b2));
        w->collateral = c_add(&w->c, w->im, extra);
        w->account = coll;
    } else {
        if (d_lt(coll, w->im))
            return input_err(w, sa->collateral.m,
                             "account.collateral: %s does not cover the initial margin %s",
                             dstr(coll, b1), dstr(w->im, b2));
        w->collateral = c_add(&w->c, coll, extra);
        w->account = c_add(&w->c, coll, extra);
    }
    if (!d_pos(w->collateral))
        return input_err(w, sp->extra_margin.m,
                         "position.extra_margin: leaves no margin (collateral %s)",
                         dstr(w->collateral, b1));
    (void)b2;
    return w->c.st;
}
