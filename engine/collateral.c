/*
 * collateral.c — an account's collateral held in several assets
 * (`account.collateral_assets`), each priced along its own path and
 * counted as margin at the policy's ratio for it (`collateral.assets`).
 *
 * Owns binding the scenario's assets to the policy's rules (an asset the
 * venue does not count, or counts at a ratio the policy does not know,
 * is a refusal that says so), and what the assets are worth at a tick:
 * their full value, and the part of it the venue counts (Binance's
 * collateral value ratio: BNB worth $1,000 counts $950; Bybit's tiered
 * ratio, slice by slice of the quantity held). The walk (trigger.c)
 * keeps the full value in the collateral, so that losses, fees and
 * debts are what the assets are worth, and subtracts the haircut (full
 * value less what is counted) wherever it compares the account with
 * maintenance margin: a fall of the collateral's price alone can
 * liquidate.
 */
#include "waterfall.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const p_casset *rule_for(const p_root *pr, const char *asset)
{
    const p_casset *a = pr->collateral.assets.items;
    for (size_t i = 0; i < pr->collateral.assets.n; i++)
        if (strcasecmp(a[i].asset.v, asset) == 0)
            return &a[i];
    return NULL;
}

liq_status wf_collateral_bind(wf *w, wf_casset *out)
{
    return wf_collateral_bind_list(w, w->s->cassets, w->s->ncassets, out);
}

liq_status wf_collateral_bind_list(wf *w, const s_cpath *list, size_t n, wf_casset *out)
{
    const p_root *pr = w->pr;
    const char *ccy = pr->contract.settlement.v;
    w->cassets = out;
    w->ncassets = n;
    if (w->mode != MODE_CROSS && !w->refused) {
        /* The venue chose isolated margin (it offers no cross): one
         * position's margin, not the account's assets, is at risk. */
        w->refused = true;
        snprintf(w->refusal, WF_REFUSAL, "%s holds this position in isolated margin, where the "
                 "account's collateral assets do not back it (they back a cross account)",
                 pr->venue.v);
    }
    for (size_t i = 0; i < n; i++) {
        const s_cpath *a = &list[i];
        const p_casset *rule = rule_for(pr, a->asset);
        bool settlement = strcasecmp(a->asset, ccy) == 0;
        out[i] = (wf_casset){a, rule};
        if (!a->px && !settlement) {
            liq_diags_add(w->d, LIQ_SEV_ERROR, LIQ_EINPUT, a->m.file, a->m.line, a->m.col,
                          "account.collateral_assets: %s has no prices; give "
                          "market.collateral_paths.%s (only %s, the settlement currency of %s, "
                          "goes without)", a->asset, a->asset, ccy, pr->name.v);
            return LIQ_EINPUT;
        }
        if (!w->refused && !rule && !settlement) {
            w->refused = true;
            snprintf(w->refusal, WF_REFUSAL,
                     "%s does not count %s as collateral in this policy (collateral.assets "
                     "lists %s%s)", pr->venue.v, a->asset,
                     pr->collateral.assets.n ? "its assets" : "none",
                     pr->collateral.assets.n ? "" : "; only the settlement currency counts");
        } else if (!w->refused && rule && !rule->ratio.set && !rule->tiers.n) {
            w->refused = true;
            snprintf(w->refusal, WF_REFUSAL,
                     "%s counts %s as collateral at a ratio this policy does not know "
                     "(collateral.assets gives none for it)", pr->venue.v, a->asset);
        }
    }
    return LIQ_OK;
}

/* Slice by slice: each part of `held` between two tiers' bounds at its
 * tier's ratio. */
static liq_dec tiered(wf *w, const p_casset *r, liq_dec held)
{
    const p_ctier *t = r->tiers.items;
    liq_dec counted = LIQ_DEC_ZERO, below = LIQ_DEC_ZERO;
    for (size_t k = 0; k < r->tiers.n && d_gt(held, below); k++) {
        liq_dec top = t[k].up_to.set ? liq_dec_min(held, t[k].up_to.v) : held;
        counted = c_add(&w->c, counted, c_mul(&w->c, c_sub(&w->c, top, below), t[k].ratio.v));
        below = top;
    }
    return counted;
}

liq_dec wf_casset_value(wf *w, const wf_casset *a, size_t t, liq_dec *counted)
{
    liq_dec px = a->a->px ? a->a->px[t] : c_int(1);
    liq_dec value = wf_collateral_value(w, a->a->amount, px);
    const p_casset *r = a->rule;
    if (!r || (!r->ratio.set && !r->tiers.n))
        *counted = value;
    else if (r->ratio.set)
        *counted = wf_round_amount(w, c_mul(&w->c, value, r->ratio.v), w->amount_mode);
    else if (r->tier_by.v == CTIER_QUANTITY)
        *counted = wf_collateral_value(w, tiered(w, r, a->a->amount), px);
    else
        *counted = wf_round_amount(w, tiered(w, r, value), w->amount_mode);
    return value;
}

liq_dec wf_collateral_worth(wf *w, size_t t, liq_dec *haircut)
{
    liq_dec value = LIQ_DEC_ZERO, counted = LIQ_DEC_ZERO;
    for (size_t i = 0; i < w->ncassets; i++) {
        liq_dec c;
        value = c_add(&w->c, value, wf_casset_value(w, &w->cassets[i], t, &c));
        counted = c_add(&w->c, counted, c);
    }
    *haircut = c_sub(&w->c, value, counted);
    return value;
}

bool wf_collateral_moved(wf *w, size_t t, liq_dec *change, liq_dec *haircut)
{
    liq_dec before;
    *change = c_sub(&w->c, wf_collateral_worth(w, t, haircut), wf_collateral_worth(w, t - 1, &before));
    return !(d_zero(*change) && d_eq(*haircut, before));
}
