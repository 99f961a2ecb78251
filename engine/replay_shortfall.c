/*
 * replay_shortfall.c — a bankrupt account's deficit, covered by the book
 * itself, in the policy's shortfall order: the one fund every bankruptcy
 * draws on; ADL of the opposite side's profitable accounts in the venue's
 * ranking, at the venue's price; socialized losses charged at the end of
 * the tick by the policy's method (socialize.c: the tick's winners pro
 * rata to profit, or every open position per base unit); the pool, the
 * venue, or the trader's debt. The hooks that
 * decide a stage see the context a single evaluation's stages see
 * (shortfall.c's wf_hook_cover).
 */
#include "mem.h"
#include "replay.h"

#include <stdlib.h>
#include <string.h>

/* An account with no equity left ranks below every account that has
 * some: PnL% x leverage of a solvent one never falls this low. */
#define RANK_UNDERWATER 1000000000

static liq_dec rank_of(rp *r, size_t j)
{
    wf *w = &r->w;
    calc *c = &w->c;
    replay_load(r, j);
    liq_dec pnl = wf_pnl(w, r->size[j], r->mark);
    liq_dec equity = c_add(c, r->coll[j], pnl);
    liq_dec notional = wf_notional(w, r->size[j], r->mark);
    switch (r->w.pr->adl.ranking.v) {
    case ADLRANK_PNL_LEV: {
        /* BitMEX: PnL% x effective leverage (PnL% / leverage when losing),
         * effective leverage = mark value / (mark value - bankrupt value). */
        if (!d_pos(equity))
            return liq_dec_neg(c_int(RANK_UNDERWATER));
        liq_dec pct = c_div(c, pnl, wf_notional(w, r->size[j], book_entry(r->b, j)));
        liq_dec lev = c_div(c, notional, equity);
        return d_pos(pct) ? c_mul(c, pct, lev) : c_div(c, pct, lev);
    }
    case ADLRANK_PNL_MR: {
        /* Binance: max(0,uPnL)/max(1,WB) x MM/(WB+uPnL). Without a
         * profit the rank is 0 whatever the margin: not asked for. */
        liq_dec mm;
        if (!d_pos(pnl) || !d_pos(equity) ||
            wf_mm(w, r->size[j], r->coll[j], r->mark, &mm, NULL) != LIQ_OK)
            return LIQ_DEC_ZERO;
        liq_dec pct = c_div(c, liq_dec_max(pnl, LIQ_DEC_ZERO), liq_dec_max(r->coll[j], c_int(1)));
        return c_mul(c, pct, c_div(c, mm, equity));
    }
    case ADLRANK_PNL_AND_LEV: {
        /* Hyperliquid (HIP-3 docs): (mark/entry) x (notional/account value). */
        if (!d_pos(equity))
            return LIQ_DEC_ZERO;
        liq_dec ratio = r->side[j] > 0 ? c_div(c, r->mark, book_entry(r->b, j)) : c_div(c, book_entry(r->b, j), r->mark);
        return c_mul(c, ratio, c_div(c, notional, equity));
    }
    case ADLRANK_RANDOM: {
        /* dYdX: no ranking, a pseudo-random start; a hash of (tick,
         * account) gives a fixed order for the same inputs. */
        uint64_t x = ((uint64_t)r->tick << 32) ^ (uint64_t)j ^ 0x9E3779B97F4A7C15ull;
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdull;
        x ^= x >> 33;
        return (liq_dec){(liq_i128)(x >> 1)};
    }
    default:
        return liq_dec_neg((liq_dec){(liq_i128)j}); /* account order */
    }
}

/* The opposite side's ADL queue at this tick, built once per tick: each
 * account's rank at the tick's mark in heap.h's min-heap, keyed by the
 * negated rank (highest rank first, the lower account index first among
 * equals: a total order, so the queue gives the order a full sort would)
 * and heapified in linear time. A tick then pops only the counterparties
 * it uses instead of sorting the whole side. (A rank is a liq_dec
 * result, never the most negative raw, so its negation is exact.) */
static liq_status build_adl(rp *r, int side)
{
    if (r->adl_built && r->adl_tick == r->tick && r->adl_side == side)
        return LIQ_OK;
    heap *h = &r->adl;
    if (!heap_reserve(h, r->n ? r->n : 1))
        return LIQ_ENOMEM;
    h->n = 0;
    for (size_t j = 0; j < r->n; j++)
        if (r->side[j] == side)
            h->a[h->n++] = heap_ent_make(-rank_of(r, j).raw, (uint32_t)j, 0);
    heap_build(h);
    r->adl_side = side;
    r->adl_tick = r->tick;
    r->adl_built = true;
    return r->w.c.st;
}

/* Deleverage opposite accounts against account i's closed size q at the
 * policy's close price; they cover `rem` in proportion to the size they
 * take. Returns what was covered. */
static liq_status adl_cover(rp *r, size_t i, int side, liq_dec q, liq_dec price, liq_dec rem,
                            liq_dec *covered)
{
    calc *c = &r->w.c;
    *covered = LIQ_DEC_ZERO;
    liq_status st = build_adl(r, -side);
    if (st != LIQ_OK)
        return st;
    liq_dec left = q;
    const heap_ent *top;
    while (d_pos(left) && (top = heap_top(&r->adl))) {
        size_t j = top->idx;
        if (r->side[j] != -side || !d_pos(r->size[j])) {
            heap_pop(&r->adl);
            continue;
        }
        liq_dec x = liq_dec_min(r->size[j], left);
        replay_load(r, j);
        liq_dec pnl = wf_pnl(&r->w, x, price);
        liq_dec forgone = c_sub(c, wf_pnl(&r->w, x, r->mark), pnl);
        left = c_sub(c, left, x);
        /* The last counterparty takes the remainder, so the parts sum to
         * exactly what was covered. */
        liq_dec part = d_zero(left) ? c_sub(c, rem, *covered)
                                    : c_divr(c, c_mul(c, rem, x), q, LIQ_ROUND_FLOOR);
        r->cash[j] = c_add(c, r->cash[j], pnl);
        r->market = c_sub(c, r->market, pnl);
        r->cash[i] = c_add(c, r->cash[i], part);
        r->market = c_sub(c, r->market, part);
        *covered = c_add(c, *covered, part);
        /* The counterparty keeps its remaining position with the margin
         * that belongs to it. */
        liq_dec keep = c_sub(c, r->size[j], x);
        if (d_zero(keep)) {
            r->side[j] = 0;
            r->size[j] = LIQ_DEC_ZERO;
            r->ver[j]++;
            heap_pop(&r->adl);
        } else {
            r->coll[j] = c_divr(c, c_mul(c, r->coll[j], keep), r->size[j], LIQ_ROUND_FLOOR);
            r->size[j] = keep;
            if ((st = replay_index(r, j)) != LIQ_OK)
                return st;
        }
        r->s->adl_events++;
        replay_emit(r, "\"type\":\"adl\",\"account\":\"%s\",\"counterparty\":\"%s\",\"size\":\"%s\","
                "\"price\":\"%s\",\"covered\":\"%s\",\"forgone_profit\":\"%s\"}",
             book_id(r->b, i), book_id(r->b, j), D(x), D(price), D(part), D(forgone));
    }
    return c->st;
}

/* Charge the tick's socialized deficits to the accounts the policy's
 * method names (socialize.c): clawback — the winners, pro rata to
 * unrealized profit at the mark, capped at that profit (Deribit: "among
 * the winning traders"); funding — every open position, long or short,
 * per base unit (Drift's cumulative funding rate). */
liq_status replay_socialize_tick(rp *r)
{
    calc *c = &r->w.c;
    if (!r->nsoc)
        return LIQ_OK;
    bool funding = r->w.pr->socialized_loss.method.v == SOC_FUNDING;
    /* Each account's units: its profit (clawback) or its open size. */
    liq_dec total = LIQ_DEC_ZERO;
    liq_dec *units = mem_calloc(r->n ? r->n : 1, sizeof *units);
    if (!units)
        return LIQ_ENOMEM;
    for (size_t j = 0; j < r->n; j++) {
        if (!r->side[j])
            continue;
        replay_load(r, j);
        liq_dec u = funding ? r->size[j] : wf_pnl(&r->w, r->size[j], r->mark);
        if (d_pos(u)) {
            units[j] = u;
            total = c_add(c, total, u);
        }
    }
    liq_dec want = r->soc_pending;
    /* A clawback takes at most the winners' profit; funding charges the
     * whole loss whatever the payers' equity. */
    liq_dec charge = funding ? (d_pos(total) ? want : LIQ_DEC_ZERO) : liq_dec_min(want, total);
    liq_dec per_unit = wf_soc_per_unit(&r->w, charge, total);
    liq_dec charged = LIQ_DEC_ZERO;
    size_t payers = 0, last = r->n;
    for (size_t j = 0; j < r->n; j++)
        if (d_pos(units[j]))
            last = j;
    for (size_t j = 0; j < r->n && d_pos(total); j++) {
        if (!d_pos(units[j]))
            continue;
        liq_dec part = wf_soc_charge(&r->w, charge, per_unit, units[j], total, charged, j == last);
        if (!funding)
            part = liq_dec_min(part, units[j]);
        r->cash[j] = c_sub(c, r->cash[j], part);
        charged = c_add(c, charged, part);
        payers++;
        if (funding)
            replay_emit(r, "\"type\":\"socialized_charge\",\"account\":\"%s\",\"amount\":\"%s\","
                    "\"size\":\"%s\"}",
                 book_id(r->b, j), D(part), D(units[j]));
        else
            replay_emit(r, "\"type\":\"socialized_charge\",\"account\":\"%s\",\"amount\":\"%s\","
                    "\"profit\":\"%s\"}",
                 book_id(r->b, j), D(part), D(units[j]));
    }
    free(units);
    /* The payers' charges next to what the bankrupt accounts are handed
     * (the loss they covered): with the venue's rounding they differ, and
     * the difference is the venue's. */
    liq_dec rounding = c_sub(c, charged, charge);
    r->venue = c_add(c, r->venue, rounding);
    /* Hand the charge to the bankrupt accounts in proportion to what each
     * was owed. What the payers could not pay stays with the trader,
     * unless the venue promises no negative balance: then the venue pays
     * it, as when the shortfall stages run dry. */
    liq_dec uncovered = c_sub(c, want, charge);
    bool venue_pays = wf_rest_stage(r->w.pr) == STAGE_VENUE && d_pos(uncovered);
    liq_dec handed = venue_pays ? want : charge;
    if (venue_pays)
        r->venue = c_sub(c, r->venue, uncovered);
    liq_dec paid = LIQ_DEC_ZERO;
    for (size_t k = 0; k < r->nsoc; k++) {
        size_t i = r->soc_from[k];
        liq_dec part = k + 1 == r->nsoc ? c_sub(c, handed, paid)
                                        : c_divr(c, c_mul(c, handed, r->soc_amt[k]), want,
                                                 LIQ_ROUND_FLOOR);
        r->cash[i] = c_add(c, r->cash[i], part);
        paid = c_add(c, paid, part);
    }
    r->s->covered[STAGE_SOCIALIZED] = c_add(c, r->s->covered[STAGE_SOCIALIZED], charge);
    int rest = wf_rest_stage(r->w.pr);
    r->s->covered[rest] = c_add(c, r->s->covered[rest], uncovered);
    r->s->socialized_events++;
    if (funding)
        replay_emit(r, "\"type\":\"socialized_loss\",\"method\":\"funding\",\"amount\":\"%s\","
                "\"per_base_unit\":\"%s\",\"open_base\":\"%s\",\"accounts\":%zu,"
                "\"charged\":\"%s\",\"rounding\":\"%s\",\"uncovered\":\"%s\"}",
             D(charge), D(per_unit), D(total), payers, D(charged), D(rounding), D(uncovered));
    else if (wf_soc_venue_rounding(&r->w))
        replay_emit(r, "\"type\":\"socialized_loss\",\"amount\":\"%s\",\"winners\":%zu,"
                "\"uncovered\":\"%s\",\"rate_of_winners_profit\":\"%s\",\"charged\":\"%s\","
                "\"rounding\":\"%s\"}",
             D(charge), payers, D(uncovered), D(per_unit), D(charged), D(rounding));
    else
        replay_emit(r, "\"type\":\"socialized_loss\",\"amount\":\"%s\",\"winners\":%zu,"
                "\"uncovered\":\"%s\"}",
             D(charge), payers, D(uncovered));
    r->nsoc = 0;
    r->soc_pending = LIQ_DEC_ZERO;
    return c->st;
}

liq_status replay_shortfall(rp *r, size_t i, int side, liq_dec q, liq_dec bp, liq_dec deficit,
                            bool deleveraged)
{
    calc *c = &r->w.c;
    const p_root *pr = r->w.pr;
    const penum *order = pr->shortfall.order.items;
    liq_dec rem = deficit, cov[STAGE_COUNT] = {{0}};
    for (size_t k = wf_first_stage(pr, deleveraged); k < pr->shortfall.order.n && d_pos(rem);
         k++) {
        int stg = order[k].v;
        liq_dec take = rem;
        switch (stg) {
        case STAGE_IF:
            if (r->s->fund_finite)
                take = liq_dec_min(rem, liq_dec_max(r->fund, LIQ_DEC_ZERO));
            if (wf_hooked(&r->w, HOOK_IF)) {
                /* The policy's insurance_fund hook may pay less. */
                wf_cover_in in = {rem, r->fund, !r->s->fund_finite, bp, r->mark, r->fill, q};
                liq_dec got, px;
                bool has_px;
                replay_load(r, i);
                r->w.sgn = side;
                liq_status st = wf_hook_cover(&r->w, HOOK_IF, &in, &got, &px, &has_px);
                if (st != LIQ_OK)
                    return st;
                take = liq_dec_min(liq_dec_max(got, LIQ_DEC_ZERO), take);
            }
            r->fund = c_sub(c, r->fund, take);
            r->cash[i] = c_add(c, r->cash[i], take);
            if (d_lt(r->fund, r->s->fund_min))
                r->s->fund_min = r->fund;
            break;
        case STAGE_ADL: {
            /* The policy's adl hook may cap what deleveraging covers. */
            liq_dec cap = rem, px = wf_adl_price(&r->w, bp, r->mark, (long)r->tick);
            if (wf_hooked(&r->w, HOOK_ADL)) {
                wf_cover_in in = {rem, r->fund, !r->s->fund_finite, bp, r->mark, r->fill, q};
                bool has_px;
                liq_status st = wf_hook_cover(&r->w, HOOK_ADL, &in, &cap, &px, &has_px);
                if (st != LIQ_OK)
                    return st;
                cap = liq_dec_min(liq_dec_max(cap, LIQ_DEC_ZERO), rem);
                /* The hook's close_price stands, as in a single evaluation. */
                if (!has_px)
                    px = wf_adl_price(&r->w, bp, r->mark, (long)r->tick);
            }
            take = LIQ_DEC_ZERO;
            if (d_pos(cap)) {
                liq_status st = adl_cover(r, i, side, q, px, cap, &take);
                if (st != LIQ_OK)
                    return st;
            }
            break;
        }
        case STAGE_SOCIALIZED:
            /* Charged at the end of the tick, to that tick's winners. */
            if (r->nsoc == r->capsoc) {
                size_t cap = r->capsoc ? r->capsoc * 2 : 64;
                uint32_t *f = mem_realloc(r->soc_from, cap * sizeof *f);
                liq_dec *a = f ? mem_realloc(r->soc_amt, cap * sizeof *a) : NULL;
                if (f)
                    r->soc_from = f;
                if (!f || !a)
                    return LIQ_ENOMEM;
                r->soc_amt = a;
                r->capsoc = cap;
            }
            r->soc_from[r->nsoc] = (uint32_t)i;
            r->soc_amt[r->nsoc++] = rem;
            r->soc_pending = c_add(c, r->soc_pending, rem);
            cov[stg] = rem;
            rem = LIQ_DEC_ZERO;
            continue;
        case STAGE_POOL:
            r->pool = c_sub(c, r->pool, take);
            r->cash[i] = c_add(c, r->cash[i], take);
            break;
        case STAGE_VENUE:
            r->venue = c_sub(c, r->venue, take);
            r->cash[i] = c_add(c, r->cash[i], take);
            break;
        case STAGE_DEBT:
            /* Nobody pays: the account's cash stays below zero. */
            break;
        }
        cov[stg] = c_add(c, cov[stg], take);
        rem = c_sub(c, rem, take);
        if (stg != STAGE_SOCIALIZED)
            r->s->covered[stg] = c_add(c, r->s->covered[stg], take);
    }
    if (d_pos(rem)) {
        /* The stages ran dry (a finite fund, no counterparty left to
         * deleverage): the rule a single evaluation applies too. */
        int stg = wf_rest_stage(pr);
        if (stg == STAGE_VENUE) {
            r->venue = c_sub(c, r->venue, rem);
            r->cash[i] = c_add(c, r->cash[i], rem);
        }
        r->s->covered[stg] = c_add(c, r->s->covered[stg], rem);
        cov[stg] = c_add(c, cov[stg], rem);
    }
    replay_emit(r, "\"type\":\"shortfall\",\"account\":\"%s\",\"deficit\":\"%s\",\"insurance_fund\":\"%s\","
            "\"adl\":\"%s\",\"socialized\":\"%s\",\"liquidity_pool\":\"%s\",\"venue\":\"%s\","
            "\"trader_debt\":\"%s\",\"fund_balance\":\"%s\"}",
         book_id(r->b, i), D(deficit), D(cov[STAGE_IF]), D(cov[STAGE_ADL]), D(cov[STAGE_SOCIALIZED]),
         D(cov[STAGE_POOL]), D(cov[STAGE_VENUE]), D(cov[STAGE_DEBT]),
         r->s->fund_finite ? D(r->fund) : "unlimited");
    return c->st;
}