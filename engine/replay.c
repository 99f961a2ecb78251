/*
 * replay.c — a book of accounts through a mark path under one policy:
 * the walk.
 *
 * Owns what only exists across a book: one insurance fund drawn on by
 * every bankruptcy, ADL of the profitable opposite side in the venue's
 * ranking, socialized losses charged to the tick's winners, debts, and a
 * ledger in which money only ever moves between two parties, so the sum
 * of all balances is what went in at every tick (checked with opts.check).
 * Every account opens as a single evaluation opens its position
 * (position.c) and closes as it closes (close.c); this file moves what a
 * close realized through the ledger (replay_ledger.c) and hands a
 * deficit to the book's shortfall stages (replay_shortfall.c).
 *
 * Trigger: indexed (heap.h) or naive (scan every open account each tick);
 * both process a tick's liquidations in account order, so they produce
 * the same events byte for byte.
 */
#include "market.h"
#include "mem.h"
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PROGRESS_STEPS 100

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Cold: only a book with collateral assets, or a policy that makes
 * margin calls, asks (the walk's hot calls stay as small as they were). */
#define RP_COLD __attribute__((noinline, cold))

/* Point the template wf at account i: its position, what a close and the
 * carrying steps read. */
void replay_load(rp *r, size_t i)
{
    wf *w = &r->w;
    w->sgn = r->side[i];
    w->size = r->size[i];
    w->entry = book_entry(r->b, i);
    w->lev = book_lev(r->b, i);
    w->im = r->im ? r->im[i] : LIQ_DEC_ZERO;
    w->collateral = r->coll[i];
}

/* Account i's collateral assets and haircut, or none. */
RP_COLD static void load_cassets(rp *r, size_t i)
{
    wf *w = &r->w;
    long k = book_cassets_of(r->b, i);
    if (k < 0) {
        w->cassets = NULL;
        w->ncassets = 0;
        w->haircut = LIQ_DEC_ZERO;
        return;
    }
    w->cassets = &r->ca_bound[r->ca_first[k]];
    w->ncassets = r->ca_n[k];
    w->haircut = r->ca_haircut[k];
}

/* replay_load and what the venue's margin tests see of account i (its
 * collateral assets' haircut, wf_margin_coll): before any margin test. */
static inline void load_margin(rp *r, size_t i)
{
    replay_load(r, i);
    if (r->nca)
        load_cassets(r, i);
}

RP_COLD static liq_status index_call(rp *r, size_t i, bool has_lp, liq_dec lp);

static bool beyond(int side, liq_dec mark, liq_dec lp)
{
    return side > 0 ? d_le(mark, lp) : d_ge(mark, lp);
}

/* Account i's liquidation price lp (has) into its side's index, under
 * the version just given (naive: kept per account). */
static inline liq_status index_lp(rp *r, size_t i, bool has, liq_dec lp)
{
    if (r->o->naive) {
        r->has_lp[i] = has;
        r->lp[i] = lp;
        return LIQ_OK;
    }
    if (!has)
        return LIQ_OK;
    return tindex_add(r->side[i] > 0 ? &r->longs : &r->shorts, r->side[i] > 0 ? -lp.raw : lp.raw,
                      (uint32_t)i, r->ver[i]) ? LIQ_OK : LIQ_ENOMEM;
}

/* replay_index with collateral assets (the liquidation price on the
 * margin the venue counts) or margin calls (their price indexed too).
 * Without collateral assets, only prices the path's marks reach are
 * solved for, as replay_index does: the margin call's search has its own
 * proof for a call beyond them (wf_margin_call_price). */
RP_COLD static liq_status index_extras(rp *r, size_t i)
{
    load_margin(r, i);
    liq_dec lp;
    bool has;
    liq_dec coll = wf_margin_coll(&r->w, r->coll[i]);
    liq_status st = r->reach_of && !r->nca
                        ? wf_liq_price_reached(&r->w, r->size[i], coll, r->reach_of, &has, &lp)
                        : wf_liq_price(&r->w, r->size[i], coll, &has, &lp, NULL);
    if (st != LIQ_OK)
        return st;
    r->ver[i]++;
    if (!r->o->naive && r->mc_done && !r->mc_done[i] && (st = index_call(r, i, has, lp)) != LIQ_OK)
        return st;
    return index_lp(r, i, has, lp);
}

liq_status replay_index(rp *r, size_t i)
{
    if (r->extras)
        return index_extras(r, i);
    replay_load(r, i);
    liq_dec lp;
    bool has;
    /* Only a price the path's marks reach is solved for (the hooked
     * solver's shortcut, wf_liq_price_reached). */
    liq_status st = r->reach_of ? wf_liq_price_reached(&r->w, r->size[i], r->coll[i], r->reach_of,
                                                       &has, &lp)
                                : wf_liq_price(&r->w, r->size[i], r->coll[i], &has, &lp, NULL);
    if (st != LIQ_OK)
        return st;
    r->ver[i]++;
    return index_lp(r, i, has, lp);
}

/* Index account i's margin call price, under the version replay_index
 * just gave it: an account called as it opens is keyed to be reached by
 * any mark. */
RP_COLD static liq_status index_call(rp *r, size_t i, bool has_lp, liq_dec lp)
{
    bool has, always;
    liq_dec key = LIQ_DEC_ZERO;
    liq_status st = wf_margin_call_price(&r->w, r->size[i], wf_margin_coll(&r->w, r->coll[i]),
                                         has_lp, lp, r->nca ? NULL : r->reach_of, &has, &always,
                                         &key);
    if (st != LIQ_OK || !has)
        return st;
    liq_i128 k = r->side[i] > 0 ? -key.raw : key.raw;
    if (always)
        k = r->side[i] > 0 ? LIQ_RAW_MIN + 1 : 0;
    return tindex_add(r->side[i] > 0 ? &r->mc_longs : &r->mc_shorts, k, (uint32_t)i, r->ver[i])
               ? LIQ_OK
               : LIQ_ENOMEM;
}


/* Account i's close at this tick: the single-position close itself
 * (close.c), then each step's money moved in the ledger. */
static liq_status liquidate(rp *r, size_t i, liq_dec lp, liq_dec slip)
{
    wf *w = &r->w;
    calc *c = &w->c;
    const p_liquidation *pl = &r->w.pr->liquidation;
    liq_dec m = r->mark;
    if (r->mc_done)
        r->mc_done[i] = 1;   /* triggered: no margin call after (eval's walk) */
    replay_load(r, i);
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
        replay_credit(r, pl->fee.receiver.v, t->fee);
        replay_credit(r, t->kept_to, t->kept);
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
    if (last->unfilled) {
        /* The market would fill beyond the order's limit and the venue
         * tries again at a later mark (liquidation.limit.unfilled). */
        replay_emit(r, "\"type\":\"liquidation_unfilled\",\"account\":\"%s\",\"limit_price\":\"%s\","
                "\"trigger\":\"%s\",\"next\":\"retried\"}",
             book_id(r->b, i), D(last->limit), D(m));
        return replay_index(r, i);
    }
    if (last->deleveraged)
        /* Refused by the limit and deleveraged instead (Kraken's assignment
         * and unwind; dYdX below zero): the liquidation event that follows
         * is that close, at the mark, as eval's liquidation_order says. */
        replay_emit(r, "\"type\":\"liquidation_unfilled\",\"account\":\"%s\",\"limit_price\":\"%s\","
                "\"trigger\":\"%s\",\"next\":\"deleveraged\"}",
             book_id(r->b, i), D(last->limit), D(m));
    /* What the close's event says the forced part cost (computed here:
     * replay_emit evaluates nothing when no one reads the events). */
    liq_dec forced = c_sub(c, pnl_t, pnl_f);
    r->fill = last->fill;
    size_t bucket = r->path->n ? r->tick * 10 / r->path->n : 0;
    r->s->buckets[bucket < 10 ? bucket : 9]++;
    if (last->sliced) {
        r->size[i] = last->rest;
        r->coll[i] = last->equity;
        r->s->partials++;
        replay_emit(r, "\"type\":\"partial_liquidation\",\"account\":\"%s\",\"size\":\"%s\",\"fill\":\"%s\","
                "\"remaining\":\"%s\",\"fee\":\"%s\",\"unforced\":\"%s\",\"forced\":\"%s\","
                "\"trigger\":\"%s\"}",
             book_id(r->b, i), D(last->size), D(last->fill), D(last->rest), D(last->fee),
             D(liq_dec_neg(pnl_t)), D(forced), D(m));
        return replay_index(r, i);
    }
    liq_dec deficit = liq_dec_max(liq_dec_neg(last->equity), LIQ_DEC_ZERO);
    r->side[i] = 0;
    r->size[i] = LIQ_DEC_ZERO;
    r->ver[i]++;
    r->s->liquidations++;
    r->s->deficit = c_add(c, r->s->deficit, deficit);
    bool takeover = last->backstop && n == 1;
    liq_dec equity_at_mark = takeover ? c_add(c, r->coll[i], pnl_f) : LIQ_DEC_ZERO;
    if (takeover)
        replay_emit(r, "\"type\":\"backstop_takeover\",\"account\":\"%s\",\"side\":\"%s\",\"size\":\"%s\","
                "\"mark\":\"%s\",\"equity\":\"%s\",\"forfeited\":\"%s\",\"deficit\":\"%s\","
                "\"unforced\":\"%s\"}",
             book_id(r->b, i), side > 0 ? "long" : "short", D(size), D(m),
             D(equity_at_mark), D(kept), D(deficit), D(liq_dec_neg(pnl_t)));
    else if (last->takeover || last->deleveraged)
        /* Settled elsewhere than the market fill: the venue took the
         * position over at the bankruptcy price (liquidation.fill:
         * bankruptcy), or deleveraged it there (liquidation.limit) —
         * eval's close_price, and which of the two. */
        replay_emit(r, "\"type\":\"liquidation\",\"account\":\"%s\",\"side\":\"%s\",\"size\":\"%s\","
                "\"liquidation_price\":\"%s\",\"trigger\":\"%s\",\"fill\":\"%s\",\"unforced\":\"%s\","
                "\"forced\":\"%s\",\"fee\":\"%s\",\"forfeited\":\"%s\",\"deficit\":\"%s\","
                "\"close_price\":\"%s\",\"settled\":\"%s\"}",
             book_id(r->b, i), side > 0 ? "long" : "short", D(closed), D(lp), D(m),
             D(last->fill), D(liq_dec_neg(pnl_t)), D(forced), D(fees), D(kept),
             D(deficit), D(last->close), last->takeover ? "takeover" : "deleveraged");
    else
        replay_emit(r, "\"type\":\"liquidation\",\"account\":\"%s\",\"side\":\"%s\",\"size\":\"%s\","
                "\"liquidation_price\":\"%s\",\"trigger\":\"%s\",\"fill\":\"%s\",\"unforced\":\"%s\","
                "\"forced\":\"%s\",\"fee\":\"%s\",\"forfeited\":\"%s\",\"deficit\":\"%s\"}",
             book_id(r->b, i), side > 0 ? "long" : "short", D(closed), D(lp), D(m),
             D(last->fill), D(liq_dec_neg(pnl_t)), D(forced), D(fees), D(kept),
             D(deficit));
    if (d_pos(deficit)) {
        liq_dec bp = d_pos(steps[0].bp) ? steps[0].bp : last->fill;
        return replay_shortfall(r, i, side, closed, bp, deficit, last->deleveraged);
    }
    return c->st;
}

/* A funding tick: every open account pays (or receives) its funding at
 * this tick's venue price, as a single evaluation's walk does
 * (wf_funding_payment); the money moves against the market, and the
 * account's liquidation price is indexed again. */
static liq_status pay_funding(rp *r, liq_dec rate)
{
    calc *c = &r->w.c;
    for (size_t i = 0; i < r->n; i++) {
        if (!r->side[i])
            continue;
        replay_load(r, i);
        liq_dec pay = wf_funding_payment(&r->w, r->size[i], r->mark, rate);
        r->coll[i] = c_sub(c, r->coll[i], pay);
        r->cash[i] = c_sub(c, r->cash[i], pay);
        r->market = c_add(c, r->market, pay);
        r->s->funding_paid = c_add(c, r->s->funding_paid, pay);
        replay_emit(r, "\"type\":\"funding\",\"account\":\"%s\",\"rate\":\"%s\",\"paid\":\"%s\","
                       "\"margin\":\"%s\"}",
                    book_id(r->b, i), D(rate), D(pay), D(r->coll[i]));
        liq_status st = c->st != LIQ_OK ? c->st : replay_index(r, i);
        if (st != LIQ_OK)
            return st;
    }
    return LIQ_OK;
}

/* The path prices the collateral asset: every open account's collateral
 * is revalued at this tick's price, as a single evaluation's walk
 * revalues it (wf_collateral_value); the change moves against the
 * market, and the account is indexed again. */
static liq_status revalue_collateral(rp *r)
{
    calc *c = &r->w.c;
    const liq_dec *cp = r->path->collateral;
    size_t t = r->tick;
    if (t == 0 || d_eq(cp[t], cp[t - 1]))
        return LIQ_OK;
    for (size_t i = 0; i < r->n; i++) {
        if (!r->side[i])
            continue;
        replay_load(r, i);
        liq_dec dv = c_sub(c, wf_collateral_value(&r->w, r->cunits[i], cp[t]),
                           wf_collateral_value(&r->w, r->cunits[i], cp[t - 1]));
        r->coll[i] = c_add(c, r->coll[i], dv);
        r->cash[i] = c_add(c, r->cash[i], dv);
        r->market = c_sub(c, r->market, dv);
        r->s->collateral_revalued = c_add(c, r->s->collateral_revalued, dv);
        replay_emit(r, "\"type\":\"collateral_revalued\",\"account\":\"%s\",\"price\":\"%s\","
                       "\"change\":\"%s\",\"margin\":\"%s\"}",
                    book_id(r->b, i), D(cp[t]), D(dv), D(r->coll[i]));
        liq_status st = c->st != LIQ_OK ? c->st : replay_index(r, i);
        if (st != LIQ_OK)
            return st;
    }
    return LIQ_OK;
}

/* Collateral in several assets: every open account that holds some is
 * revalued at this tick's prices, as a single evaluation's walk revalues
 * them (wf_collateral_moved: the change of their full value, and the
 * haircut in force); the change moves against the market, the margin
 * tests see the new haircut, and the account is indexed again. */
RP_COLD static liq_status revalue_assets(rp *r)
{
    calc *c = &r->w.c;
    if (r->tick == 0)
        return LIQ_OK;
    for (size_t k = 0; k < r->nca; k++) {
        size_t i = r->b->ca_entry[k];
        if (!r->side[i])
            continue;
        load_margin(r, i);
        liq_dec dv, hc;
        if (!wf_collateral_moved(&r->w, r->tick, &dv, &hc))
            continue;
        r->coll[i] = c_add(c, r->coll[i], dv);
        r->cash[i] = c_add(c, r->cash[i], dv);
        r->market = c_sub(c, r->market, dv);
        r->ca_haircut[k] = hc;
        r->s->collateral_revalued = c_add(c, r->s->collateral_revalued, dv);
        replay_emit(r, "\"type\":\"collateral_revalued\",\"account\":\"%s\",\"change\":\"%s\","
                       "\"margin\":\"%s\",\"haircut\":\"%s\"}",
                    book_id(r->b, i), D(dv), D(r->coll[i]), D(hc));
        liq_status st = c->st != LIQ_OK ? c->st : replay_index(r, i);
        if (st != LIQ_OK)
            return st;
    }
    return c->st;
}

/* Interest falling due at this tick: every open account pays the venue
 * on its loan, as a single evaluation's walk pays (wf_interest_base and
 * wf_interest_charge); the account is indexed again. */
static liq_status pay_interest(rp *r)
{
    calc *c = &r->w.c;
    liq_dec periods = wf_interest_periods(&r->w, r->tick);
    if (!d_pos(periods))
        return c->st;
    for (size_t i = 0; i < r->n; i++) {
        if (!r->side[i])
            continue;
        replay_load(r, i);
        liq_dec base = wf_interest_base(&r->w, r->size[i], r->coll[i], r->mark);
        liq_dec pay = wf_interest_charge(&r->w, base, periods);
        if (!d_pos(pay))
            continue;
        r->coll[i] = c_sub(c, r->coll[i], pay);
        r->cash[i] = c_sub(c, r->cash[i], pay);
        r->venue = c_add(c, r->venue, pay);
        r->s->interest_paid = c_add(c, r->s->interest_paid, pay);
        replay_emit(r, "\"type\":\"interest\",\"account\":\"%s\",\"periods\":\"%s\",\"on\":\"%s\","
                       "\"paid\":\"%s\",\"to\":\"venue\",\"margin\":\"%s\"}",
                    book_id(r->b, i), D(periods), D(base), D(pay), D(r->coll[i]));
        liq_status st = c->st != LIQ_OK ? c->st : replay_index(r, i);
        if (st != LIQ_OK)
            return st;
    }
    return c->st;
}

/* ---- the walk --------------------------------------------------------- */

/* Under trigger.compare: strictly_below the mark at or beyond an
 * account's liquidation price is a candidate, and the exact equity at the
 * mark decides (wf_trigger_due, as a single evaluation's walk decides):
 * a candidate still at maintenance stays open, and goes back in its
 * index to be tested again at the next tick. */
static liq_status confirm_due(rp *r, size_t *nd)
{
    if (r->w.pr->trigger.compare.v != TRIGCMP_STRICTLY_BELOW)
        return LIQ_OK;
    size_t kept = 0;
    for (size_t k = 0; k < *nd; k++) {
        due_ent e = r->due[k];
        uint32_t i = e.idx;
        bool ok;
        load_margin(r, i);
        liq_status st = wf_trigger_due(&r->w, r->size[i], wf_margin_coll(&r->w, r->coll[i]),
                                       r->mark, e.lp, &ok);
        if (st != LIQ_OK)
            return st;
        if (ok) {
            r->due[kept++] = e;
            continue;
        }
        if (r->o->naive)
            continue;
        if (!tindex_add(r->side[i] > 0 ? &r->longs : &r->shorts,
                        r->side[i] > 0 ? -e.lp.raw : e.lp.raw, i, r->ver[i]))
            return LIQ_ENOMEM;
    }
    *nd = kept;
    return LIQ_OK;
}

/* Room for one more of the tick's due accounts: the list grows with the
 * largest tick's liquidations, not with the book. */
static bool due_room(rp *r, size_t nd)
{
    if (nd < r->capdue)
        return true;
    size_t c = r->capdue ? r->capdue * 2 : 64;
    due_ent *a = mem_realloc(r->due, c * sizeof *a);
    if (!a)
        return false;
    r->due = a;
    due_ent *t = mem_realloc(r->due_tmp, c * sizeof *t);
    if (!t)
        return false;
    r->due_tmp = t;
    r->capdue = c;
    return true;
}

/* How many accounts ahead of the one being closed the walk asks for. */
#define PREFETCH_AHEAD 8

/* The lines a close of account i reads and writes. A tick's accounts lie
 * anywhere in a book of millions, each a cache miss in every array: asked
 * for a few accounts ahead, the misses overlap instead of queueing.
 * Always inlined: GCC finds a function made only of prefetches "pure"
 * (it writes nothing) and deletes every call to it, which it did to this
 * one until 2026-12-01 (no prefetch instruction in the binary). */
__attribute__((always_inline)) static inline void prefetch_account(const rp *r, uint32_t i)
{
    const liq_book *b = r->b;
    __builtin_prefetch(&r->side[i]);
    __builtin_prefetch(&r->ver[i]);
    __builtin_prefetch(&r->size[i]);
    __builtin_prefetch(&r->coll[i]);
    __builtin_prefetch(&r->cash[i]);
    __builtin_prefetch(b->entry.w ? (const void *)&b->entry.w[i] : (const void *)&b->entry.n[i]);
    __builtin_prefetch(b->lev.w ? (const void *)&b->lev.w[i] : (const void *)&b->lev.n[i]);
    if (r->im)
        __builtin_prefetch(&r->im[i]);
}

/* The popped entries still live (the account's current version, still
 * open), in the order they are in; returns how many. */
static size_t live_due(rp *r, size_t nd)
{
    size_t kept = 0;
    for (size_t k = 0; k < nd && k < PREFETCH_AHEAD; k++)
        prefetch_account(r, r->due[k].idx);
    for (size_t k = 0; k < nd; k++) {
        if (k + PREFETCH_AHEAD < nd)
            prefetch_account(r, r->due[k + PREFETCH_AHEAD].idx);
        uint32_t i = r->due[k].idx;
        if (r->ver[i] == r->due[k].ver && r->side[i] != 0)
            r->due[kept++] = r->due[k];
    }
    return kept;
}

/* A tick's liquidations in account order: insertion sort for the handful
 * of most ticks; for a crash tick's thousands, a radix sort on the
 * account index (a byte at a time, low first; a byte every entry shares
 * is skipped), linear in the tick's accounts. */
__attribute__((always_inline)) static inline void sort_due(rp *r, size_t n)
{
    due_ent *a = r->due, *b = r->due_tmp;
    if (n <= 32) {
        for (size_t i = 1; i < n; i++) {
            due_ent v = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1].idx > v.idx; j--)
                a[j] = a[j - 1];
            a[j] = v;
        }
        return;
    }
    for (unsigned shift = 0; shift < 32; shift += 8) {
        size_t cnt[256] = {0};
        for (size_t i = 0; i < n; i++)
            cnt[(a[i].idx >> shift) & 255]++;
        if (cnt[(a[0].idx >> shift) & 255] == n)
            continue;
        size_t sum = 0;
        for (size_t d = 0; d < 256; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            b[cnt[(a[i].idx >> shift) & 255]++] = a[i];
        due_ent *t = a;
        a = b;
        b = t;
    }
    if (a != r->due)
        memcpy(r->due, a, n * sizeof *a);
}

/* The tick's margin calls, before its triggers (eval tests the call
 * before the trigger at each mark): the accounts whose margin call price
 * the mark has reached (indexed), or every open account not yet called
 * (naive), in account order, each tested at the mark by eval's own rule
 * (wf_margin_call_due). A candidate the test holds back goes into its
 * index again, to be tested at the next mark that reaches it. */
RP_COLD static liq_status margin_calls(rp *r)
{
    size_t nd = 0;
    if (r->o->naive) {
        for (size_t i = 0; i < r->n; i++) {
            if (!r->side[i] || r->mc_done[i])
                continue;
            if (!due_room(r, nd))
                return LIQ_ENOMEM;
            r->due[nd++] = (due_ent){LIQ_DEC_ZERO, (uint32_t)i, r->ver[i]};
        }
    } else {
        tindex *ts[2] = {&r->mc_longs, &r->mc_shorts};
        for (int k = 0; k < 2; k++) {
            heap_ent e;
            while (tindex_top(ts[k], &e)) {
                liq_i128 px = k == 0 ? -heap_key(&e) : heap_key(&e);
                if (!beyond(k == 0 ? 1 : -1, r->mark, (liq_dec){px}))
                    break;
                tindex_pop(ts[k]);
                if (!due_room(r, nd))
                    return LIQ_ENOMEM;
                r->due[nd++] = (due_ent){{px}, e.idx, e.ver};
            }
        }
        sort_due(r, nd);
        nd = live_due(r, nd);
    }
    for (size_t k = 0; k < nd; k++) {
        uint32_t i = r->due[k].idx;
        load_margin(r, i);
        liq_dec equity, mm, line;
        bool due;
        liq_status st = wf_margin_call_due(&r->w, r->size[i], wf_margin_coll(&r->w, r->coll[i]),
                                           r->mark, &due, &equity, &mm, &line);
        if (st != LIQ_OK)
            return st;
        if (due) {
            r->mc_done[i] = 1;
            r->s->margin_calls++;
            replay_emit(r, "\"type\":\"margin_call\",\"account\":\"%s\",\"mark\":\"%s\","
                           "\"equity\":\"%s\",\"maintenance_margin\":\"%s\",\"call_level\":\"%s\"}",
                        book_id(r->b, i), D(r->mark), D(equity), D(mm), D(line));
        } else if (!r->o->naive) {
            liq_dec px = r->due[k].lp;
            if (!tindex_add(r->side[i] > 0 ? &r->mc_longs : &r->mc_shorts,
                            r->side[i] > 0 ? -px.raw : px.raw, i, r->due[k].ver))
                return LIQ_ENOMEM;
        }
    }
    return r->w.c.st;
}

static liq_status walk(rp *r)
{
    liq_status st = LIQ_OK;
    /* Progress is reported every hundredth of the path: often enough for
     * a progress bar, rare enough to cost nothing. */
    size_t step = r->path->n / PROGRESS_STEPS ? r->path->n / PROGRESS_STEPS : 1;
    for (r->tick = 0; st == LIQ_OK && r->tick < r->path->n; r->tick++) {
        r->mark = r->w.px[r->tick];
        liq_dec slip = r->path->has_slippage ? r->path->slippage[r->tick] : r->o->slippage;
        r->eaten = LIQ_DEC_ZERO;
        if (r->path->has_collateral && (st = revalue_collateral(r)) != LIQ_OK)
            break;
        if (r->nca && (st = revalue_assets(r)) != LIQ_OK)
            break;
        if (r->path->has_funding && !d_zero(r->path->funding[r->tick]) &&
            (st = pay_funding(r, r->path->funding[r->tick])) != LIQ_OK)
            break;
        if (r->w.interest_on && (st = pay_interest(r)) != LIQ_OK)
            break;
        if (r->mc_done && (st = margin_calls(r)) != LIQ_OK)
            break;
        size_t nd = 0;
        if (r->o->naive) {
            for (size_t i = 0; i < r->n; i++) {
                if (!r->side[i])
                    continue;
                r->s->trigger_checks++;
                if (r->has_lp[i] && beyond(r->side[i], r->mark, r->lp[i])) {
                    if (!due_room(r, nd)) {
                        st = LIQ_ENOMEM;
                        break;
                    }
                    r->due[nd++] = (due_ent){r->lp[i], (uint32_t)i, r->ver[i]};
                }
            }
        } else {
            /* Pop what the mark has reached; every entry popped is one
             * check, so checks count liquidations (and stale entries). */
            tindex *ts[2] = {&r->longs, &r->shorts};
            for (int k = 0; k < 2 && st == LIQ_OK; k++) {
                heap_ent e;
                while (tindex_top(ts[k], &e)) {
                    liq_i128 lp = k == 0 ? -heap_key(&e) : heap_key(&e);
                    if (!beyond(k == 0 ? 1 : -1, r->mark, (liq_dec){lp}))
                        break;
                    r->s->trigger_checks++;
                    tindex_pop(ts[k]);
                    if (!due_room(r, nd)) {
                        st = LIQ_ENOMEM;
                        break;
                    }
                    r->due[nd++] = (due_ent){{lp}, e.idx, e.ver};
                }
            }
            sort_due(r, nd);
            nd = live_due(r, nd);
        }
        if (st == LIQ_OK)
            st = confirm_due(r, &nd);
        for (size_t k = 0; st == LIQ_OK && k < nd; k++) {
            if (k + PREFETCH_AHEAD < nd)
                prefetch_account(r, r->due[k + PREFETCH_AHEAD].idx);
            if (r->side[r->due[k].idx])
                st = liquidate(r, r->due[k].idx, r->due[k].lp, slip);
        }
        if (st == LIQ_OK)
            st = replay_socialize_tick(r);
        if (st == LIQ_OK && r->w.c.st != LIQ_OK)
            st = r->w.c.st;
        if (st == LIQ_OK && nd && r->o->on_fund)
            r->o->on_fund(r->o->ud, r->tick, r->path->time[r->tick], r->fund);
        if (st == LIQ_OK && r->o->check && !d_eq(replay_ledger_sum(r), r->total_in)) {
            liq_diags_add(r->d, LIQ_SEV_ERROR, LIQ_EINVARIANT, r->path->path, (int)r->tick + 1, 0,
                          "invariant broken: money created or lost at tick %zu (policy %s)",
                          r->tick, r->w.pr->name.v);
            st = LIQ_EINVARIANT;
        }
        if (r->o->on_progress && r->tick % step == 0)
            r->o->on_progress(r->o->ud, r->tick, r->path->n);
    }
    return st;
}

static void rp_free(rp *r)
{
    free(r->side);
    free(r->size);
    free(r->im);
    free(r->coll);
    free(r->cash);
    free(r->lp);
    free(r->has_lp);
    free(r->due);
    free(r->due_tmp);
    free(r->ver);
    free(r->cunits);
    free(r->soc_from);
    free(r->soc_amt);
    heap_free(&r->adl);
    free(r->mc_done);
    free(r->ca_list);
    free(r->ca_bound);
    free(r->ca_first);
    free(r->ca_n);
    free(r->ca_haircut);
    tindex_free(&r->longs);
    tindex_free(&r->shorts);
    tindex_free(&r->mc_longs);
    tindex_free(&r->mc_shorts);
}

/* The book's collateral assets, as the walk values them: per account
 * its cash in the settlement currency (priced 1), then each asset it
 * holds, priced by the path's column of that name (the settlement
 * currency may go without). An asset the path does not price is an
 * input error at the account's row; so is a path that holds every
 * account's collateral in one asset (its collateral column). */
RP_COLD static liq_status setup_cassets(rp *r)
{
    const liq_book *b = r->b;
    const liq_path *pa = r->path;
    const char *ccy = r->w.pr->contract.settlement.v;
    const char *file = b->path ? b->path : "book";
    size_t n = r->nca = b->nca, items = b->ncaitems + b->nca;
    r->ca_list = mem_calloc(items, sizeof *r->ca_list);
    r->ca_bound = mem_calloc(items, sizeof *r->ca_bound);
    r->ca_first = mem_malloc(n * sizeof *r->ca_first);
    r->ca_n = mem_malloc(n);
    r->ca_haircut = mem_calloc(n, sizeof *r->ca_haircut);
    if (!r->ca_list || !r->ca_bound || !r->ca_first || !r->ca_n || !r->ca_haircut)
        return LIQ_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        size_t i = b->ca_entry[k], f = b->ca_off[k] + k;
        liq_mark at = {file, book_line(b, i), 0};
        if (pa->has_collateral) {
            liq_diags_add(r->d, LIQ_SEV_ERROR, LIQ_EINPUT, file, book_line(b, i), 1,
                          "account %s: holds collateral assets, priced by a path's "
                          "collateral.ASSET columns, but %s has a collateral column, which holds "
                          "every account's collateral in one asset", book_id(b, i),
                          pa->path ? pa->path : "the path");
            return LIQ_EINPUT;
        }
        r->ca_first[k] = (uint32_t)f;
        r->ca_n[k] = (unsigned char)(1 + b->ca_count[k]);
        r->ca_list[f] = (s_cpath){ccy, book_collateral(b, i), NULL, at};
        for (size_t j = 0; j < b->ca_count[k]; j++) {
            const char *asset = book_asset_name(b, b->ca_off[k] + j);
            liq_dec *px = NULL;
            for (size_t a = 0; a < pa->nassets && !px; a++)
                if (strcasecmp(pa->asset[a], asset) == 0)
                    px = pa->asset_px[a];
            if (!px && strcasecmp(asset, ccy) != 0) {
                liq_diags_add(r->d, LIQ_SEV_ERROR, LIQ_EINPUT, file, book_line(b, i), 1,
                              "account %s: holds %s as collateral, and the path has no "
                              "collateral.%s column to price it (only %s, the settlement "
                              "currency of %s, goes without)", book_id(b, i), asset, asset, ccy,
                              r->w.pr->name.v);
                return LIQ_EINPUT;
            }
            r->ca_list[f + 1 + j] = (s_cpath){asset, b->ca_amount[b->ca_off[k] + j], px, at};
        }
    }
    return LIQ_OK;
}

/* What account k of the side table holds at the first tick: its cash and
 * each asset at its first price (a scenario's account.collateral_assets
 * are summed the same way, scenario.c). */
RP_COLD static liq_dec cassets_value(rp *r, size_t k)
{
    calc *c = &r->w.c;
    liq_dec total = LIQ_DEC_ZERO;
    for (size_t j = 0; j < r->ca_n[k]; j++) {
        const s_cpath *a = &r->ca_list[r->ca_first[k] + j];
        total = c_add(c, total, a->px && r->path->n ? c_mul(c, a->amount, a->px[0]) : a->amount);
    }
    return total;
}

/* Book positions are written in linear quote terms; a policy for an
 * inverse contract sees them converted at entry, as a single scenario is. */
static liq_status setup(rp *r)
{
    const liq_book *b = r->b;
    const p_root *pr = r->w.pr;
    calc *c = &r->w.c;
    size_t n = r->n = b->n;
    r->side = mem_malloc(n ? n : 1);
    r->size = mem_malloc((n ? n : 1) * sizeof(liq_dec));
    /* The initial margin is read only by a maintenance_margin hook (its
     * ctx.initial_margin): kept per account only for such a policy. */
    bool keep_im = wf_hooked(&r->w, HOOK_MM);
    r->im = keep_im ? mem_malloc((n ? n : 1) * sizeof(liq_dec)) : NULL;
    r->coll = mem_malloc((n ? n : 1) * sizeof(liq_dec));
    r->cash = mem_malloc((n ? n : 1) * sizeof(liq_dec));
    /* The naive trigger reads each account's liquidation price at every
     * tick; the index keeps it in its entries. */
    bool naive = r->o->naive;
    r->lp = naive ? mem_malloc((n ? n : 1) * sizeof(liq_dec)) : NULL;
    r->has_lp = naive ? mem_calloc(n ? n : 1, sizeof(bool)) : NULL;
    r->ver = mem_calloc(n ? n : 1, sizeof(uint32_t));
    /* Collateral held in the asset the path prices (docs/replay.md). */
    if (r->path->has_collateral && r->path->n &&
        !(r->cunits = mem_calloc(n ? n : 1, sizeof(liq_dec))))
        return LIQ_ENOMEM;
    if (!r->side || !r->size || (keep_im && !r->im) || !r->coll || !r->cash ||
        (naive && (!r->lp || !r->has_lp)) || !r->ver)
        return LIQ_ENOMEM;
    /* Each side's sorted run sized once for its accounts (an array that
     * doubles as it fills holds up to twice what it needs). */
    size_t nlong = 0;
    for (size_t i = 0; i < n; i++)
        nlong += b->side[i] > 0;
    if (!r->o->naive && (!tindex_reserve(&r->longs, nlong) || !tindex_reserve(&r->shorts, n - nlong)))
        return LIQ_ENOMEM;
    /* Margin calls: watched only under a policy that makes them. */
    if (pr->trigger.margin_call_at.set) {
        r->s->has_margin_calls = true;
        if (!(r->mc_done = mem_calloc(n ? n : 1, 1)) ||
            (!r->o->naive && (!tindex_reserve(&r->mc_longs, nlong) ||
                              !tindex_reserve(&r->mc_shorts, n - nlong))))
            return LIQ_ENOMEM;
    }
    liq_status cst = b->nca ? setup_cassets(r) : LIQ_OK;
    if (cst != LIQ_OK)
        return cst;
    r->extras = r->nca || r->mc_done;
    r->total_in = r->s->fund_start;
    size_t ka = 0;   /* the next account of the collateral assets' side table */
    for (size_t i = 0; i < n; i++) {
        /* Each book row is opened as a single evaluation opens a
         * scenario's position (position.c): the same conversion, margin
         * mode and limits. Book rows are written in linear quote terms. */
        wf_order o = {.side = b->side[i], .contract = CT_LINEAR, .contract_size = c_int(1),
                      .has_size = true, .size = book_size(b, i), .entry = book_entry(b, i),
                      .leverage = book_lev(b, i), .collateral = book_collateral(b, i),
                      .mode = b->mode[i]};
        /* An account of collateral assets opens with what they are worth
         * at the first tick (a scenario's account.collateral_assets). */
        long ca = -1;
        if (r->nca) {
            ca = ka < r->nca && b->ca_entry[ka] == i ? (long)ka++ : -1;
            r->w.cassets = NULL;
            r->w.ncassets = 0;
            r->w.haircut = LIQ_DEC_ZERO;
            if (ca >= 0)
                o.collateral = cassets_value(r, (size_t)ca);
        }
        liq_mark at = {b->path ? b->path : "book", 0, 0};
        o.size_m = o.coll_m = o.lev_m = o.extra_m = &at;
        r->side[i] = b->side[i];
        if (!r->side[i]) {
            /* Flat after netting: only its cash takes part. */
            r->size[i] = r->coll[i] = LIQ_DEC_ZERO;
            if (r->im)
                r->im[i] = LIQ_DEC_ZERO;
            r->cash[i] = pr->contract.type.v == CT_INVERSE
                             ? c_div(c, o.collateral, book_entry(b, i))
                             : o.collateral;
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
        if (ca >= 0 && !r->w.refused) {
            /* Bound to the policy's ratios as eval binds a scenario's
             * (a venue that does not count an asset refuses the account),
             * and the haircut at the first tick. */
            size_t f = r->ca_first[ca];
            st = wf_collateral_bind_list(&r->w, &r->ca_list[f], r->ca_n[ca], &r->ca_bound[f]);
            if (st != LIQ_OK)
                return st;
            if (!r->w.refused && r->path->n)
                wf_collateral_worth(&r->w, 0, &r->ca_haircut[ca]);
        }
        if (r->w.refused) {
            /* The venue would not have taken this position: it stays out
             * of the book, with its cash, and the summary counts it. */
            r->side[i] = 0;
            r->size[i] = r->coll[i] = LIQ_DEC_ZERO;
            if (r->im)
                r->im[i] = LIQ_DEC_ZERO;
            r->s->refused++;
            if (r->path->n)
                replay_emit(r, "\"type\":\"not_offered\",\"account\":\"%s\",\"reason\":\"%s\"}",
                 book_id(b, i), r->w.refusal);
            continue;
        }
        r->size[i] = r->w.size;
        if (r->im)
            r->im[i] = r->w.im;
        r->coll[i] = r->w.collateral;
        if (r->cunits)
            r->cunits[i] = c_div(c, r->coll[i], r->path->collateral[0]);
        st = replay_index(r, i);
        if (st != LIQ_OK)
            return st;
    }
    return c->st;
}

/* The one market a replay walks (its path is one market's): the one the
 * options name, else the one the book's rows name, else the policy's
 * first. A row in another market is an input error at its line: the
 * replay does not walk several markets at once (docs/replay.md). */
static liq_status book_market(liq_policy *p, const liq_book *b, const char *want,
                              const liq_market **out, liq_diags *d)
{
    *out = p->nmarkets ? &p->markets[0] : NULL;
    const char *first = NULL;
    for (size_t i = 0; b->market && i < b->n && !first; i++)
        first = book_market_of(b, i);
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
    if (!b->market)
        return LIQ_OK;
    /* Each symbol the book holds is looked up once, however many rows
     * name it; the error is at the first row in another market. */
    unsigned char *ok = mem_calloc(b->nmarkets ? b->nmarkets : 1, 1);
    if (!ok)
        return LIQ_ENOMEM;
    for (size_t k = 0; k < b->nmarkets; k++) {
        mkt_match other;
        ok[k] = market_find(p, b->markets[k], CT_LINEAR, &other) && other.m == mm.m;
    }
    liq_status st = LIQ_OK;
    for (size_t i = 0; i < b->n && st == LIQ_OK; i++) {
        if (!b->market[i] || ok[b->market[i] - 1])
            continue;
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, b->path ? b->path : "book", book_line(b, i), 0,
                      "account %s: market %s is not the market this replay walks (%s); the "
                      "path is one market's, so a book replays one market at a time",
                      book_id(b, i), book_market_of(b, i), mm.m->id->symbol.v);
        st = LIQ_EINPUT;
    }
    free(ok);
    return st;
}

static liq_status replay_run(liq_policy *p, const liq_book *b, const liq_path *path,
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
    char refusal[WF_REFUSAL];
    r.w = (wf){.p = p, .pr = pr, .mkt = mkt, .r = &r.quiet, .d = d, .c = {LIQ_OK, NULL},
               .refusal = refusal, .fee_mode = (liq_round)pr->rounding.fee.v,
               .amount_mode = (liq_round)pr->rounding.amount.v};
    /* The path's columns, picked as a single evaluation picks them. */
    const liq_dec *col[PCOL_COUNT];
    for (int c = 0; c < PCOL_COUNT; c++)
        col[c] = path_prices(path, c);
    pcol_pick pk = wf_use_columns(&r.w, col);
    r.w.npx = path->n;   /* the columns' length, as in eval (wf_adl_price reads it) */
    for (size_t t = 0; t < path->n; t++) {
        r.reach.lo = t && d_lt(r.reach.lo, r.w.px[t]) ? r.reach.lo : r.w.px[t];
        r.reach.hi = t && d_gt(r.reach.hi, r.w.px[t]) ? r.reach.hi : r.w.px[t];
    }
    r.reach_of = path->n ? &r.reach : NULL;
    if (pk.several) {
        out->trigger_column = pcol_names[pk.trigger];
        out->fill_column = pcol_names[pk.fill];
    }
    pcol_note(&pk, p->r.venue.v, out->price_note, sizeof out->price_note);
    wf_interest_setup(&r.w, r.o->has_tick_hours, r.o->tick_hours, r.o->has_benchmark,
                      r.o->benchmark);
    out->has_interest = r.w.interest_on;
    if (r.w.interest_why) {
        size_t at = strlen(out->price_note);
        snprintf(out->price_note + at, sizeof out->price_note - at,
                 "%s%s charges interest on its margin loan, but none accrued: %s",
                 at ? "; " : "", p->r.venue.v, r.w.interest_why);
    }
    out->settlement = pr->contract.settlement.v;
    out->market = mkt ? mkt->id->symbol.v : NULL;
    out->has_funding = path->has_funding;
    out->has_collateral = path->has_collateral || b->nca;
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
        tindex_seal(&r.longs);
        tindex_seal(&r.shorts);
        tindex_seal(&r.mc_longs);
        tindex_seal(&r.mc_shorts);
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
                replay_load(&r, i);
                eq = c_add(&r.w.c, eq, wf_pnl(&r.w, r.size[i], r.w.px[path->n - 1]));
            }
            if (d_neg(eq)) {
                out->debtors++;
                out->debt_total = c_sub(&r.w.c, out->debt_total, eq);
                if (st == LIQ_OK)
                    st = replay_debt_actions(&r, i, liq_dec_neg(eq));
            }
        }
        if (!d_eq(replay_ledger_sum(&r), r.total_in)) {
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

/* Under mem.h's rule: a call that fails for want of memory says so first. */
liq_status liq_replay(liq_policy *p, const liq_book *b, const liq_path *path,
                      const liq_replay_opts *opts, liq_replay_summary *out, liq_diags *d)
{
    mem_watch w = mem_watch_start(d);
    liq_status r = replay_run(p, b, path, opts, out, d);
    if (mem_watch_end(&w, d, r != LIQ_OK, p->path))
        r = LIQ_ENOMEM;
    return r;
}
