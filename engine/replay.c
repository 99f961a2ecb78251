/*
 * replay.c — a book of accounts through a mark path under one policy.
 *
 * Owns what only exists across a book: one insurance fund drawn on by
 * every bankruptcy, ADL of the profitable opposite side in the venue's
 * ranking, socialized losses charged to the tick's winners, debts, and a
 * ledger in which money only ever moves between two parties, so the sum
 * of all balances is what went in at every tick (checked with opts.check).
 * One account's close — fill, PnL split, fee — is the single-position
 * waterfall's own code (margin.c, fee.c), not a copy.
 *
 * Ledger parties: each account's cash; the insurance fund; the venue; the
 * liquidity pool; the liquidator; and "market", the outside counterparty
 * of every position (a position's PnL is realized against it).
 *
 * Trigger: indexed (heap.h) or naive (scan every open account each tick);
 * both process a tick's liquidations in account order, so they produce
 * the same events byte for byte.
 */
#include "book.h"
#include "heap.h"
#include "market.h"
#include "waterfall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct rp {
    liq_policy *p;
    const liq_book *b;
    const liq_path *path;
    const liq_replay_opts *o;
    liq_replay_summary *s;
    liq_diags *d;
    wf w;                     /* template: policy, quiet result, rounding */
    liq_result quiet;
    size_t n;
    signed char *side;        /* 0 once closed */
    liq_dec *size, *entry, *lev, *im, *coll, *cash, *lp;
    bool *has_lp;
    uint32_t *ver;
    heap longs, shorts;
    /* ledger */
    liq_dec fund, venue, pool, liquidator, market, total_in;
    /* per tick */
    size_t tick;
    liq_dec mark;
    liq_dec fill;             /* the fill of the liquidation being settled */
    liq_dec eaten;            /* quote notional the tick's liquidations took from the book */
    liq_dec soc_pending;      /* deficits waiting for the tick's winners */
    uint32_t *soc_from;       /* accounts owed a socialized cover this tick */
    liq_dec *soc_amt;
    size_t nsoc, capsoc;
    uint32_t *adl_rank;       /* opposite-side ranking, built once per tick */
    size_t nadl, adl_pos;
    int adl_side;
    size_t adl_tick;
    bool adl_built;
    char line[1024];
} rp;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Point the template wf at account i. */
static void load(rp *r, size_t i)
{
    wf *w = &r->w;
    w->sgn = r->side[i];
    w->size = r->size[i];
    w->entry = r->entry[i];
    w->lev = r->lev[i];
    w->im = r->im[i];
    w->collateral = r->coll[i];
}

static bool beyond(int side, liq_dec mark, liq_dec lp)
{
    return side > 0 ? d_le(mark, lp) : d_ge(mark, lp);
}

static liq_status index_account(rp *r, size_t i)
{
    load(r, i);
    liq_dec lp;
    bool has;
    liq_status st = wf_liq_price(&r->w, r->size[i], r->coll[i], &has, &lp, NULL);
    if (st != LIQ_OK)
        return st;
    r->has_lp[i] = has;
    r->lp[i] = lp;
    r->ver[i]++;
    if (!has || r->o->naive)
        return LIQ_OK;
    heap_ent e = {.key = r->side[i] > 0 ? -lp.raw : lp.raw, .idx = (uint32_t)i, .ver = r->ver[i]};
    return heap_push(r->side[i] > 0 ? &r->longs : &r->shorts, e) ? LIQ_OK : LIQ_ENOMEM;
}

/* ---- events --------------------------------------------------------- */

static void emit(rp *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(rp *r, const char *fmt, ...)
{
    if (!r->o->on_event)
        return;
    int k = snprintf(r->line, sizeof r->line, "{\"tick\":%zu,\"time\":\"%s\",", r->tick,
                     r->path->time[r->tick]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->line + k, sizeof r->line - (size_t)k, fmt, ap);
    va_end(ap);
    r->o->on_event(r->o->ud, r->line);
}

#define D(v) dstr((v), (char[LIQ_DEC_STRLEN]){0})

/* ---- shortfall across the book ------------------------------------- */

static liq_dec rank_of(rp *r, size_t j)
{
    wf *w = &r->w;
    calc *c = &w->c;
    load(r, j);
    liq_dec pnl = wf_pnl(w, r->size[j], r->mark);
    liq_dec equity = c_add(c, r->coll[j], pnl);
    liq_dec notional = wf_notional(w, r->size[j], r->mark);
    switch (r->w.pr->adl.ranking.v) {
    case ADLRANK_PNL_LEV: {
        /* BitMEX: PnL% x effective leverage (PnL% / leverage when losing),
         * effective leverage = mark value / (mark value - bankrupt value). */
        if (!d_pos(equity))
            return liq_dec_neg(c_int(1000000000));
        liq_dec pct = c_div(c, pnl, wf_notional(w, r->size[j], r->entry[j]));
        liq_dec lev = c_div(c, notional, equity);
        return d_pos(pct) ? c_mul(c, pct, lev) : c_div(c, pct, lev);
    }
    case ADLRANK_PNL_MR: {
        /* Binance: max(0,uPnL)/max(1,WB) x MM/(WB+uPnL). */
        liq_dec mm;
        if (wf_mm(w, r->size[j], r->coll[j], r->mark, &mm, NULL) != LIQ_OK || !d_pos(equity))
            return LIQ_DEC_ZERO;
        liq_dec pct = c_div(c, liq_dec_max(pnl, LIQ_DEC_ZERO), liq_dec_max(r->coll[j], c_int(1)));
        return c_mul(c, pct, c_div(c, mm, equity));
    }
    case ADLRANK_PNL_AND_LEV: {
        /* Hyperliquid (HIP-3 docs): (mark/entry) x (notional/account value). */
        if (!d_pos(equity))
            return LIQ_DEC_ZERO;
        liq_dec ratio = r->side[j] > 0 ? c_div(c, r->mark, r->entry[j]) : c_div(c, r->entry[j], r->mark);
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

typedef struct ranked { liq_i128 key; uint32_t idx; } ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1; /* highest rank first */
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The opposite side's ADL queue at this tick, built once per tick. */
static liq_status build_adl(rp *r, int side)
{
    if (r->adl_built && r->adl_tick == r->tick && r->adl_side == side)
        return LIQ_OK;
    ranked *rk = malloc((r->n ? r->n : 1) * sizeof *rk);
    if (!rk)
        return LIQ_ENOMEM;
    size_t k = 0;
    for (size_t j = 0; j < r->n; j++)
        if (r->side[j] == side)
            rk[k++] = (ranked){rank_of(r, j).raw, (uint32_t)j};
    qsort(rk, k, sizeof *rk, cmp_ranked);
    free(r->adl_rank);
    r->adl_rank = malloc((k ? k : 1) * sizeof *r->adl_rank);
    if (!r->adl_rank) {
        free(rk);
        return LIQ_ENOMEM;
    }
    for (size_t q = 0; q < k; q++)
        r->adl_rank[q] = rk[q].idx;
    free(rk);
    r->nadl = k;
    r->adl_pos = 0;
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
    while (d_pos(left) && r->adl_pos < r->nadl) {
        size_t j = r->adl_rank[r->adl_pos];
        if (r->side[j] != -side || !d_pos(r->size[j])) {
            r->adl_pos++;
            continue;
        }
        liq_dec x = liq_dec_min(r->size[j], left);
        load(r, j);
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
            r->adl_pos++;
        } else {
            r->coll[j] = c_divr(c, c_mul(c, r->coll[j], keep), r->size[j], LIQ_ROUND_FLOOR);
            r->size[j] = keep;
            if ((st = index_account(r, j)) != LIQ_OK)
                return st;
        }
        r->s->adl_events++;
        emit(r, "\"type\":\"adl\",\"account\":\"%s\",\"counterparty\":\"%s\",\"size\":\"%s\","
                "\"price\":\"%s\",\"covered\":\"%s\",\"forgone_profit\":\"%s\"}",
             book_id(r->b, i), book_id(r->b, j), D(x), D(price), D(part), D(forgone));
    }
    return c->st;
}

/* Charge the tick's socialized deficits to its winners, pro rata to
 * unrealized profit at the mark (Deribit: "among the winning traders"). */
static liq_status socialize_tick(rp *r)
{
    calc *c = &r->w.c;
    if (!r->nsoc)
        return LIQ_OK;
    liq_dec total_profit = LIQ_DEC_ZERO;
    liq_dec *profit = calloc(r->n ? r->n : 1, sizeof *profit);
    if (!profit)
        return LIQ_ENOMEM;
    for (size_t j = 0; j < r->n; j++) {
        if (!r->side[j])
            continue;
        load(r, j);
        liq_dec pnl = wf_pnl(&r->w, r->size[j], r->mark);
        if (d_pos(pnl)) {
            profit[j] = pnl;
            total_profit = c_add(c, total_profit, pnl);
        }
    }
    liq_dec want = r->soc_pending;
    liq_dec charge = liq_dec_min(want, total_profit);
    liq_dec charged = LIQ_DEC_ZERO;
    size_t winners = 0, last = r->n;
    for (size_t j = 0; j < r->n; j++)
        if (d_pos(profit[j]))
            last = j;
    for (size_t j = 0; j < r->n && d_pos(total_profit); j++) {
        if (!d_pos(profit[j]))
            continue;
        liq_dec part = j == last ? c_sub(c, charge, charged)
                                 : c_divr(c, c_mul(c, charge, profit[j]), total_profit,
                                          LIQ_ROUND_FLOOR);
        r->cash[j] = c_sub(c, r->cash[j], part);
        charged = c_add(c, charged, part);
        winners++;
        emit(r, "\"type\":\"socialized_charge\",\"account\":\"%s\",\"amount\":\"%s\","
                "\"profit\":\"%s\"}",
             book_id(r->b, j), D(part), D(profit[j]));
    }
    free(profit);
    /* Hand the charge to the bankrupt accounts in proportion to what each
     * was owed. What winners could not pay stays with the trader, unless
     * the venue promises no negative balance: then the venue pays it, as
     * when the shortfall stages run dry. */
    liq_dec uncovered = c_sub(c, want, charged);
    bool venue_pays = r->w.pr->negative_balance.protection.v && d_pos(uncovered);
    liq_dec handed = venue_pays ? want : charged;
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
    r->s->covered[STAGE_SOCIALIZED] = c_add(c, r->s->covered[STAGE_SOCIALIZED], charged);
    int rest = venue_pays ? STAGE_VENUE : STAGE_DEBT;
    r->s->covered[rest] = c_add(c, r->s->covered[rest], uncovered);
    r->s->socialized_events++;
    emit(r, "\"type\":\"socialized_loss\",\"amount\":\"%s\",\"winners\":%zu,\"uncovered\":\"%s\"}",
         D(charged), winners, D(uncovered));
    r->nsoc = 0;
    r->soc_pending = LIQ_DEC_ZERO;
    return c->st;
}

static liq_status shortfall(rp *r, size_t i, int side, liq_dec q, liq_dec bp, liq_dec deficit)
{
    calc *c = &r->w.c;
    const p_root *pr = r->w.pr;
    const penum *order = pr->shortfall.order.items;
    liq_dec rem = deficit, cov[STAGE_COUNT] = {{0}};
    for (size_t k = 0; k < pr->shortfall.order.n && d_pos(rem); k++) {
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
                load(r, i);
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
            liq_dec cap = rem, px = wf_adl_price(&r->w, bp, r->mark);
            if (wf_hooked(&r->w, HOOK_ADL)) {
                wf_cover_in in = {rem, r->fund, !r->s->fund_finite, bp, r->mark, r->fill, q};
                bool has_px;
                liq_status st = wf_hook_cover(&r->w, HOOK_ADL, &in, &cap, &px, &has_px);
                if (st != LIQ_OK)
                    return st;
                cap = liq_dec_min(liq_dec_max(cap, LIQ_DEC_ZERO), rem);
                /* The hook's close_price stands, as in a single evaluation. */
                if (!has_px)
                    px = wf_adl_price(&r->w, bp, r->mark);
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
                uint32_t *f = realloc(r->soc_from, cap * sizeof *f);
                liq_dec *a = f ? realloc(r->soc_amt, cap * sizeof *a) : NULL;
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
         * deleverage). A venue that promises no negative balance eats the
         * rest; otherwise it stays the trader's debt. */
        int stg = pr->negative_balance.protection.v ? STAGE_VENUE : STAGE_DEBT;
        if (stg == STAGE_VENUE) {
            r->venue = c_sub(c, r->venue, rem);
            r->cash[i] = c_add(c, r->cash[i], rem);
        }
        r->s->covered[stg] = c_add(c, r->s->covered[stg], rem);
        cov[stg] = c_add(c, cov[stg], rem);
    }
    emit(r, "\"type\":\"shortfall\",\"account\":\"%s\",\"deficit\":\"%s\",\"insurance_fund\":\"%s\","
            "\"adl\":\"%s\",\"socialized\":\"%s\",\"liquidity_pool\":\"%s\",\"venue\":\"%s\","
            "\"trader_debt\":\"%s\",\"fund_balance\":\"%s\"}",
         book_id(r->b, i), D(deficit), D(cov[STAGE_IF]), D(cov[STAGE_ADL]), D(cov[STAGE_SOCIALIZED]),
         D(cov[STAGE_POOL]), D(cov[STAGE_VENUE]), D(cov[STAGE_DEBT]),
         r->s->fund_finite ? D(r->fund) : "unlimited");
    return c->st;
}

/* ---- one account's liquidation at this tick -------------------------- */

/* Money paid to a receiver of fees or forfeited margin (RECV_*). */
static void credit(rp *r, int receiver, liq_dec amount)
{
    calc *c = &r->w.c;
    switch (receiver) {
    case RECV_IF: r->fund = c_add(c, r->fund, amount); break;
    case RECV_VENUE: r->venue = c_add(c, r->venue, amount); break;
    case RECV_POOL: r->pool = c_add(c, r->pool, amount); break;
    default: r->liquidator = c_add(c, r->liquidator, amount); break;
    }
}

/* Account i's close at this tick: the single-position close itself
 * (close.c), then each step's money moved in the ledger. */
static liq_status liquidate(rp *r, size_t i, liq_dec slip)
{
    wf *w = &r->w;
    calc *c = &w->c;
    const p_liquidation *pl = &r->w.pr->liquidation;
    liq_dec m = r->mark;
    load(r, i);
    int side = r->side[i];
    liq_dec size = r->size[i];
    wf_step steps[2];
    size_t n;
    wf_book bk = {r->path->has_depth ? &r->path->depth[r->tick] : NULL, &r->eaten};
    liq_status st = wf_close_at(w, size, r->coll[i], m, slip, &bk, (long)r->tick, steps, &n);
    if (st != LIQ_OK)
        return st;
    liq_dec closed = LIQ_DEC_ZERO, pnl_t = LIQ_DEC_ZERO, pnl_f = LIQ_DEC_ZERO;
    liq_dec fees = LIQ_DEC_ZERO, kept = LIQ_DEC_ZERO;
    for (size_t k = 0; k < n; k++) {
        const wf_step *t = &steps[k];
        r->cash[i] = c_add(c, r->cash[i], c_sub(c, c_sub(c, t->pnl_f, t->fee), t->kept));
        r->market = c_sub(c, r->market, t->pnl_f);
        credit(r, pl->fee.receiver.v, t->fee);
        credit(r, t->kept_to, t->kept);
        r->s->fees = c_add(c, r->s->fees, c_add(c, t->fee, t->kept));
        r->s->loss_total = c_add(c, r->s->loss_total,
                                 c_add(c, c_sub(c, t->fee, t->pnl_f), t->kept));
        closed = c_add(c, closed, t->size);
        pnl_t = c_add(c, pnl_t, t->pnl_t);
        pnl_f = c_add(c, pnl_f, t->pnl_f);
        fees = c_add(c, fees, t->fee);
        kept = c_add(c, kept, t->kept);
    }
    const wf_step *last = &steps[n - 1];
    r->fill = last->fill;
    size_t bucket = r->path->n ? r->tick * 10 / r->path->n : 0;
    r->s->buckets[bucket < 10 ? bucket : 9]++;
    if (last->sliced) {
        r->size[i] = last->rest;
        r->coll[i] = last->equity;
        r->s->partials++;
        emit(r, "\"type\":\"partial_liquidation\",\"account\":\"%s\",\"size\":\"%s\",\"fill\":\"%s\","
                "\"remaining\":\"%s\",\"fee\":\"%s\",\"unforced\":\"%s\",\"forced\":\"%s\","
                "\"trigger\":\"%s\"}",
             book_id(r->b, i), D(last->size), D(last->fill), D(last->rest), D(last->fee),
             D(liq_dec_neg(pnl_t)), D(c_sub(c, pnl_t, pnl_f)), D(m));
        return index_account(r, i);
    }
    liq_dec deficit = liq_dec_max(liq_dec_neg(last->equity), LIQ_DEC_ZERO);
    r->side[i] = 0;
    r->size[i] = LIQ_DEC_ZERO;
    r->ver[i]++;
    r->s->liquidations++;
    r->s->deficit = c_add(c, r->s->deficit, deficit);
    if (last->backstop && n == 1)
        emit(r, "\"type\":\"backstop_takeover\",\"account\":\"%s\",\"side\":\"%s\",\"size\":\"%s\","
                "\"mark\":\"%s\",\"equity\":\"%s\",\"forfeited\":\"%s\",\"deficit\":\"%s\","
                "\"unforced\":\"%s\"}",
             book_id(r->b, i), side > 0 ? "long" : "short", D(size), D(m),
             D(c_add(c, r->coll[i], pnl_f)), D(kept), D(deficit), D(liq_dec_neg(pnl_t)));
    else
        emit(r, "\"type\":\"liquidation\",\"account\":\"%s\",\"side\":\"%s\",\"size\":\"%s\","
                "\"liquidation_price\":\"%s\",\"trigger\":\"%s\",\"fill\":\"%s\",\"unforced\":\"%s\","
                "\"forced\":\"%s\",\"fee\":\"%s\",\"forfeited\":\"%s\",\"deficit\":\"%s\"}",
             book_id(r->b, i), side > 0 ? "long" : "short", D(closed), D(r->lp[i]), D(m),
             D(last->fill), D(liq_dec_neg(pnl_t)), D(c_sub(c, pnl_t, pnl_f)), D(fees), D(kept),
             D(deficit));
    if (d_pos(deficit)) {
        liq_dec bp = d_pos(steps[0].bp) ? steps[0].bp : last->fill;
        return shortfall(r, i, side, closed, bp, deficit);
    }
    return c->st;
}

/* ---- the walk --------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static liq_dec ledger_sum(rp *r)
{
    calc *c = &r->w.c;
    liq_dec t = c_add(c, c_add(c, r->fund, r->venue), c_add(c, r->pool, r->liquidator));
    t = c_add(c, t, r->market);
    for (size_t i = 0; i < r->n; i++)
        t = c_add(c, t, r->cash[i]);
    return t;
}

static liq_status walk(rp *r)
{
    uint32_t *due = malloc((r->n ? r->n : 1) * sizeof *due);
    if (!due)
        return LIQ_ENOMEM;
    liq_status st = LIQ_OK;
    size_t step = r->path->n / 100 ? r->path->n / 100 : 1;
    for (r->tick = 0; st == LIQ_OK && r->tick < r->path->n; r->tick++) {
        r->mark = r->path->mark[r->tick];
        liq_dec slip = r->path->has_slippage ? r->path->slippage[r->tick] : r->o->slippage;
        r->eaten = LIQ_DEC_ZERO;
        size_t nd = 0;
        if (r->o->naive) {
            for (size_t i = 0; i < r->n; i++) {
                if (!r->side[i])
                    continue;
                r->s->trigger_checks++;
                if (r->has_lp[i] && beyond(r->side[i], r->mark, r->lp[i]))
                    due[nd++] = (uint32_t)i;
            }
        } else {
            /* Pop what the mark has reached; every entry popped is one
             * check, so checks count liquidations (and stale entries). */
            heap *hs[2] = {&r->longs, &r->shorts};
            for (int k = 0; k < 2; k++) {
                const heap_ent *e;
                while ((e = heap_top(hs[k]))) {
                    liq_i128 lp = k == 0 ? -e->key : e->key;
                    if (!beyond(k == 0 ? 1 : -1, r->mark, (liq_dec){lp}))
                        break;
                    r->s->trigger_checks++;
                    uint32_t i = e->idx;
                    bool live = r->ver[i] == e->ver && r->side[i] != 0;
                    heap_pop(hs[k]);
                    if (live)
                        due[nd++] = i;
                }
            }
            qsort(due, nd, sizeof *due, cmp_u32);
        }
        for (size_t k = 0; st == LIQ_OK && k < nd; k++)
            if (r->side[due[k]])
                st = liquidate(r, due[k], slip);
        if (st == LIQ_OK)
            st = socialize_tick(r);
        if (st == LIQ_OK && r->w.c.st != LIQ_OK)
            st = r->w.c.st;
        if (st == LIQ_OK && nd && r->o->on_fund)
            r->o->on_fund(r->o->ud, r->tick, r->path->time[r->tick], r->fund);
        if (st == LIQ_OK && r->o->check && !d_eq(ledger_sum(r), r->total_in)) {
            liq_diags_add(r->d, LIQ_SEV_ERROR, LIQ_EINVARIANT, r->path->path, (int)r->tick + 1, 0,
                          "invariant broken: money created or lost at tick %zu (policy %s)",
                          r->tick, r->w.pr->name.v);
            st = LIQ_EINVARIANT;
        }
        if (r->o->on_progress && r->tick % step == 0)
            r->o->on_progress(r->o->ud, r->tick, r->path->n);
    }
    free(due);
    return st;
}

static void rp_free(rp *r)
{
    free(r->side);
    free(r->size);
    free(r->entry);
    free(r->lev);
    free(r->im);
    free(r->coll);
    free(r->cash);
    free(r->lp);
    free(r->has_lp);
    free(r->ver);
    free(r->soc_from);
    free(r->soc_amt);
    free(r->adl_rank);
    heap_free(&r->longs);
    heap_free(&r->shorts);
}

/* Book positions are written in linear quote terms; a policy for an
 * inverse contract sees them converted at entry, as a single scenario is. */
static liq_status setup(rp *r)
{
    const liq_book *b = r->b;
    const p_root *pr = r->w.pr;
    calc *c = &r->w.c;
    size_t n = r->n = b->n;
    r->side = malloc(n ? n : 1);
    r->size = malloc((n ? n : 1) * sizeof(liq_dec));
    r->entry = malloc((n ? n : 1) * sizeof(liq_dec));
    r->lev = malloc((n ? n : 1) * sizeof(liq_dec));
    r->im = malloc((n ? n : 1) * sizeof(liq_dec));
    r->coll = malloc((n ? n : 1) * sizeof(liq_dec));
    r->cash = malloc((n ? n : 1) * sizeof(liq_dec));
    r->lp = malloc((n ? n : 1) * sizeof(liq_dec));
    r->has_lp = calloc(n ? n : 1, sizeof(bool));
    r->ver = calloc(n ? n : 1, sizeof(uint32_t));
    if (!r->side || !r->size || !r->entry || !r->lev || !r->im || !r->coll || !r->cash ||
        !r->lp || !r->has_lp || !r->ver)
        return LIQ_ENOMEM;
    r->total_in = r->s->fund_start;
    for (size_t i = 0; i < n; i++) {
        /* Each book row is opened as a single evaluation opens a
         * scenario's position (position.c): the same conversion, margin
         * mode and limits. Book rows are written in linear quote terms. */
        wf_order o = {.side = b->side[i], .contract = CT_LINEAR, .contract_size = c_int(1),
                      .has_size = true, .size = b->size[i], .entry = b->entry[i],
                      .leverage = b->lev[i], .collateral = b->collateral[i], .mode = b->mode[i]};
        liq_mark at = {b->path ? b->path : "book", 0, 0};
        o.size_m = o.coll_m = o.lev_m = o.extra_m = at;
        r->side[i] = b->side[i];
        r->entry[i] = b->entry[i];
        if (!r->side[i]) {
            /* Flat after netting: only its cash takes part. */
            r->lev[i] = b->lev[i];
            r->size[i] = r->im[i] = r->coll[i] = LIQ_DEC_ZERO;
            r->cash[i] = pr->contract.type.v == CT_INVERSE
                             ? c_div(c, b->collateral[i], b->entry[i]) : b->collateral[i];
            r->total_in = c_add(c, r->total_in, r->cash[i]);
            continue;
        }
        liq_diags od = LIQ_DIAGS_INIT;
        r->w.d = &od;
        liq_status st = wf_open(&r->w, &o);
        r->w.d = r->d;
        if (st != LIQ_OK) {
            /* The single-position rule's message, for this account. */
            const char *why = od.n ? od.items[0].msg : liq_status_str(st);
            liq_diags_add(r->d, LIQ_SEV_ERROR, st, b->path ? b->path : "book", 0, 0,
                          "account %s: %s", book_id(b, i), why);
            liq_diags_free(&od);
            return st;
        }
        liq_diags_free(&od);
        r->cash[i] = r->w.account;
        r->total_in = c_add(c, r->total_in, r->cash[i]);
        if (r->w.refused) {
            /* The venue would not have taken this position: it stays out
             * of the book, with its cash, and the summary counts it. */
            r->side[i] = 0;
            r->size[i] = r->im[i] = r->coll[i] = LIQ_DEC_ZERO;
            r->lev[i] = b->lev[i];
            r->s->refused++;
            if (r->path->n)
                emit(r, "\"type\":\"not_offered\",\"account\":\"%s\",\"reason\":\"%s\"}",
                 book_id(b, i), r->w.refusal);
            continue;
        }
        r->size[i] = r->w.size;
        r->lev[i] = r->w.lev;
        r->im[i] = r->w.im;
        r->coll[i] = r->w.collateral;
        st = index_account(r, i);
        if (st != LIQ_OK)
            return st;
    }
    return c->st;
}

/* The one market a replay walks (its path is one market's): the one the
 * options name, else the one the book's rows name, else the policy's
 * first. A row in another market is an input error at its line: the
 * replay does not walk several markets at once (docs/replay.md). */
static liq_status book_market(const liq_policy *p, const liq_book *b, const char *want,
                              const liq_market **out, liq_diags *d)
{
    *out = p->nmarkets ? &p->markets[0] : NULL;
    const char *first = NULL;
    for (size_t i = 0; i < b->n && !first; i++)
        if (b->market && b->market[i])
            first = b->market[i];
    const char *name = want ? want : first;
    if (!name || !p->nmarkets)
        return LIQ_OK;
    mkt_match mm;
    if (!market_find(p, name, CT_LINEAR, &mm)) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, want ? p->path : b->path, 0, 0, "%s",
                      mm.reason);
        return LIQ_EINPUT;
    }
    *out = mm.m;
    for (size_t i = 0; b->market && i < b->n; i++) {
        mkt_match other;
        if (!b->market[i])
            continue;
        if (!market_find(p, b->market[i], CT_LINEAR, &other) || other.m != mm.m) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, b->path ? b->path : "book",
                          b->line ? b->line[i] : 0, 0,
                          "account %s: market %s is not the market this replay walks (%s); the "
                          "path is one market's, so a book replays one market at a time",
                          book_id(b, i), b->market[i], mm.m->id->symbol.v);
            return LIQ_EINPUT;
        }
    }
    return LIQ_OK;
}

liq_status liq_replay(liq_policy *p, const liq_book *b, const liq_path *path,
                      const liq_replay_opts *opts, liq_replay_summary *out, liq_diags *d)
{
    static const liq_replay_opts none = {0};
    rp r = {.p = p, .b = b, .path = path, .o = opts ? opts : &none, .s = out, .d = d};
    memset(out, 0, sizeof *out);
    r.quiet.quiet = true;
    const liq_market *mkt = NULL;
    liq_status mst = book_market(p, b, r.o->market, &mkt, d);
    if (mst != LIQ_OK)
        return mst;
    const p_root *pr = mkt ? &mkt->r : &p->r;
    r.w = (wf){.p = p, .pr = pr, .mkt = mkt, .r = &r.quiet, .d = d, .c = {LIQ_OK, NULL},
               .fee_mode = (liq_round)pr->rounding.fee.v,
               .amount_mode = (liq_round)pr->rounding.amount.v};
    const pdec *bal = &pr->insurance_fund.balance;
    out->fund_finite = r.o->has_fund || !bal->unlimited;
    out->fund_start = r.o->has_fund ? r.o->fund : bal->unlimited ? LIQ_DEC_ZERO : bal->v;
    r.fund = out->fund_start;
    out->fund_min = r.fund;
    out->accounts = b->n;
    out->ticks = path->n;
    double t0 = now_s();
    liq_status st = setup(&r);
    if (st == LIQ_OK && !r.o->naive) {
        heap_build(&r.longs);
        heap_build(&r.shorts);
    }
    double t1 = now_s();
    if (st == LIQ_OK)
        st = walk(&r);
    out->seconds_setup = t1 - t0;
    out->seconds_walk = now_s() - t1;
    if (st == LIQ_OK) {
        out->fund_end = r.fund;
        /* In debt: an account whose equity is below zero at the last mark.
         * An open position's unrealized PnL counts, so a winner charged a
         * socialized loss beyond its cash is not a debtor. */
        for (size_t i = 0; i < r.n; i++) {
            liq_dec eq = r.cash[i];
            if (r.side[i] && path->n) {
                load(&r, i);
                eq = c_add(&r.w.c, eq, wf_pnl(&r.w, r.size[i], path->mark[path->n - 1]));
            }
            if (d_neg(eq)) {
                out->debtors++;
                out->debt_total = c_sub(&r.w.c, out->debt_total, eq);
            }
        }
        if (!d_eq(ledger_sum(&r), r.total_in)) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINVARIANT, path->path ? path->path : "path", 0, 0,
                          "invariant broken: the ledger does not sum to what went in (policy %s)",
                          p->r.name.v);
            st = LIQ_EINVARIANT;
        }
    }
    if (st != LIQ_OK && r.w.c.st != LIQ_OK && liq_diags_count(d, LIQ_SEV_ERROR) == 0)
        liq_diags_add(d, LIQ_SEV_ERROR, r.w.c.st, p->path, 0, 0, "%s during replay (%s)",
                      liq_status_str(r.w.c.st), r.w.c.where ? r.w.c.where : "arithmetic");
    rp_free(&r);
    return st;
}
