/*
 * coverage.c — the branches of a policy's waterfall, and which of them
 * an evaluated result took (coverage.h).
 *
 * A branch exists only where the policy's own sections make it
 * possible: no "partial liquidation" for a venue that closes whole, no
 * "insurance fund exhausted, then ADL" for one whose order has no ADL.
 * What a result took is read from what it recorded (its events and
 * covered_by), never recomputed, so a branch counts as reached only when
 * the engine itself went there.
 */
#include "coverage.h"
#include "calc.h"

#include <stdio.h>
#include <string.h>

enum {
    COVK_SURVIVES, COVK_MARGIN_CALL, COVK_LIQUIDATED, COVK_PARTIAL, COVK_BACKSTOP,
    COVK_TAKEOVER, COVK_FEE, COVK_FEE_CAPPED, COVK_FORFEIT, COVK_RETURNED, COVK_BANKRUPT,
    COVK_STAGE, COVK_DEBT_ACTIONS, COVK_LIMIT, COVK_INTEREST, COVK_HAIRCUT
};

/* Stage names as an auditor reads them. */
static const char *const stage_words[STAGE_COUNT] = {
    "insurance fund", "ADL", "socialized loss", "liquidity pool", "venue", "trader debt"};

static void add(cov_set *cs, int kind, int stage, const char *label)
{
    if (cs->n >= COV_MAX)
        return;
    cov_branch *b = &cs->b[cs->n++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    b->stage = stage;
    snprintf(b->label, sizeof b->label, "%s", label);
}

void cov_init_root(cov_set *cs, const p_root *pr)
{
    memset(cs, 0, sizeof *cs);
    const p_liquidation *pl = &pr->liquidation;
    add(cs, COVK_SURVIVES, -1, "not liquidated on its path");
    if (pr->interest.prov.present)
        add(cs, COVK_INTEREST, -1, "interest charged on the venue's loan");
    /* A haircut exists where some asset counts less than whole. */
    const p_casset *ca = pr->collateral.assets.items;
    bool haircut = false;
    for (size_t i = 0; i < pr->collateral.assets.n; i++)
        haircut |= ca[i].tiers.n || (ca[i].ratio.set && liq_dec_cmp(ca[i].ratio.v,
                                                                   c_int(1)) < 0);
    if (haircut)
        add(cs, COVK_HAIRCUT, -1, "collateral assets counted at a haircut");
    if (pr->trigger.margin_call_at.set)
        add(cs, COVK_MARGIN_CALL, -1, "margin call");
    add(cs, COVK_LIQUIDATED, -1, "liquidated");
    /* A reduction by `tiers_down` tiers needs a tier that many above the
     * first (wf_slice_size closes the whole position below it): a table
     * of fewer tiers (okx-swap, whose capture has tier 1 only) makes no
     * partial liquidation possible. */
    bool slices = pl->partial.mode.v != PARTIAL_TIERS_DOWN ||
                  (int64_t)root_ntiers(pr) > pl->partial.tiers_down.v;
    if (pl->partial.prov.present && slices)
        add(cs, COVK_PARTIAL, -1, "partial liquidation");
    if (pl->backstop.prov.present)
        add(cs, COVK_BACKSTOP, -1, "backstop takeover at the mark");
    if (pl->fill.v == FILL_BANKRUPTCY)
        add(cs, COVK_TAKEOVER, -1, "taken over at the bankruptcy price");
    if (pl->limit.prov.present && pl->limit.price.v != LIMIT_NONE)
        add(cs, COVK_LIMIT, -1, "the market beyond the order's limit price");
    if (d_pos(pl->fee.rate.v) || pr->hooks.fn[HOOK_FEE].set)
        add(cs, COVK_FEE, -1, "liquidation fee charged");
    if (pl->fee.cap.v == FEECAP_REMAINING)
        add(cs, COVK_FEE_CAPPED, -1, "fee capped at the remaining margin");
    if (pl->surplus.v == SURPLUS_IF)
        add(cs, COVK_FORFEIT, -1, "margin left forfeited to the insurance fund");
    else
        add(cs, COVK_RETURNED, -1, "margin left returned to the trader");
    add(cs, COVK_BANKRUPT, -1, "bankrupt: a deficit beyond the collateral");
    const penum *st = pr->shortfall.order.items;
    char label[80];
    for (size_t i = 0; i < pr->shortfall.order.n; i++) {
        if (i == 0)
            snprintf(label, sizeof label, "%s covers the deficit", stage_words[st[i].v]);
        else
            snprintf(label, sizeof label, "%s exhausted, then %s", stage_words[st[i - 1].v],
                     stage_words[st[i].v]);
        add(cs, COVK_STAGE, st[i].v, label);
    }
    if (pr->debt.prov.present)
        add(cs, COVK_DEBT_ACTIONS, -1, "debt pursued (the venue's actions)");
}

void cov_init(cov_set *cs, const liq_policy *p)
{
    cov_init_root(cs, &p->r);
}

static bool has_event(const liq_result *r, const char *type)
{
    for (size_t i = 0; i < r->nevents; i++)
        if (strcmp(r->events[i].type, type) == 0)
            return true;
    return false;
}

static bool took(const cov_branch *b, const liq_result *r)
{
    switch (b->kind) {
    case COVK_SURVIVES:
        return !r->walk.liquidated;
    case COVK_MARGIN_CALL:
        return has_event(r, "margin_call");
    case COVK_LIQUIDATED:
        return r->walk.liquidated;
    case COVK_PARTIAL:
        return has_event(r, "partial_liquidation");
    case COVK_BACKSTOP:
        return has_event(r, "backstop_takeover");
    case COVK_TAKEOVER:
        return has_event(r, "takeover");
    case COVK_FEE:
        return has_event(r, "liquidation_fee");
    case COVK_FEE_CAPPED:
        return has_event(r, "fee_capped");
    case COVK_FORFEIT:
        return has_event(r, "margin_forfeited");
    case COVK_RETURNED:
        /* Closed whole with margin left, none of it kept. */
        return r->walk.liquidated && !d_pos(r->walk.open_size) && !d_pos(r->deficit) &&
               d_lt(r->total, r->collateral) && !has_event(r, "margin_forfeited");
    case COVK_BANKRUPT:
        return d_pos(r->deficit);
    case COVK_STAGE:
        return d_pos(r->cov[b->stage]);
    case COVK_DEBT_ACTIONS:
        return r->nactions > 0;
    case COVK_LIMIT:
        return r->walk.refused;
    case COVK_INTEREST:
        return has_event(r, "interest");
    case COVK_HAIRCUT:
        return r->ncassets > 0 && d_pos(r->collateral_haircut);
    }
    return false;
}

void cov_count(cov_set *cs, const liq_result *r)
{
    if (!r || r->status != RS_OK)
        return;
    cs->results++;
    for (size_t i = 0; i < cs->n; i++)
        if (took(&cs->b[i], r))
            cs->b[i].hits++;
}

void cov_merge(cov_set *a, const cov_set *b)
{
    a->results += b->results;
    for (size_t j = 0; j < b->n; j++) {
        size_t i = 0;
        while (i < a->n && strcmp(a->b[i].label, b->b[j].label) != 0)
            i++;
        if (i == a->n) {
            if (a->n >= COV_MAX)
                continue;
            a->b[a->n++] = b->b[j];
        } else {
            a->b[i].hits += b->b[j].hits;
        }
    }
}
