/*
 * account.c — an account of several positions (a scenario's
 * `positions:`), isolated or in cross margin, each in its own market
 * with its own mark path.
 *
 * Owns what only exists across positions: the account's collateral
 * shared in cross, the account-level liquidation condition (equity of
 * all positions at their marks against the sum of their maintenance
 * margins), each position's liquidation price given the others (Binance:
 * the others' maintenance margin and unrealized PnL held at their marks;
 * dYdX: a share of net collateral in proportion to maintenance margin,
 * `margin.cross_share`), and the order positions are closed in. Each
 * position opens through position.c and closes through close.c, the
 * same steps a single evaluation and a replay take; the account settles
 * through eval.c's shortfall, balance and invariants.
 */
#include "market.h"
#include "mem.h"
#include "waterfall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct leg {
    wf w;
    liq_dec size;            /* open */
    liq_dec coll;            /* isolated: its own margin; cross: unused */
    wf_close cl;             /* what happened to it */
} leg;

static liq_result *row(liq_policy *p, const liq_scenario *s, int status, const char *why,
                       liq_diags *d)
{
    liq_result *r = result_new_row(p->r.name.v, p->r.venue.v, s->r.name.v, status, why);
    if (!r)
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "out of memory");
    return r;
}

/* The account's equity and maintenance margin at tick t, over the open
 * positions: cash plus each one's unrealized PnL at its own mark. */
static liq_status account_at(leg *g, size_t n, liq_dec cash, size_t t, liq_dec *equity,
                             liq_dec *mm)
{
    *equity = cash;
    *mm = LIQ_DEC_ZERO;
    for (size_t k = 0; k < n; k++) {
        if (!d_pos(g[k].size))
            continue;
        wf *w = &g[k].w;
        liq_dec m;
        liq_status st = wf_mm(w, g[k].size, cash, w->px[t], &m, NULL);
        if (st != LIQ_OK)
            return st;
        *equity = c_add(&w->c, *equity, wf_pnl(w, g[k].size, w->px[t]));
        *mm = c_add(&w->c, *mm, m);
        if (w->c.st != LIQ_OK)
            return w->c.st;
    }
    return LIQ_OK;
}

/* Position k's liquidation and bankruptcy prices in cross, the others at
 * their first marks: Binance's TMM1/UPNL1 (the collateral position k can
 * lose is the wallet balance plus the others' PnL minus their
 * maintenance margin), or dYdX's share of net collateral in proportion to
 * maintenance margin. */
static liq_status cross_prices(leg *g, size_t n, size_t k, liq_dec cash, liq_leg *out)
{
    wf *w = &g[k].w;
    liq_dec others_pnl = LIQ_DEC_ZERO, others_mm = LIQ_DEC_ZERO, tmm = LIQ_DEC_ZERO, mine = LIQ_DEC_ZERO;
    for (size_t j = 0; j < n; j++) {
        liq_dec m;
        liq_status st = wf_mm(&g[j].w, g[j].size, cash, g[j].w.px[0], &m, NULL);
        if (st != LIQ_OK)
            return st;
        tmm = c_add(&w->c, tmm, m);
        if (j == k) {
            mine = m;
            continue;
        }
        others_pnl = c_add(&w->c, others_pnl, wf_pnl(&g[j].w, g[j].size, g[j].w.px[0]));
        others_mm = c_add(&w->c, others_mm, m);
    }
    liq_dec lp_coll, bp_coll;
    if (w->pr->margin.cross_share.v == XSHARE_MM) {
        liq_dec tnc = c_add(&w->c, cash, c_add(&w->c, others_pnl, wf_pnl(w, g[k].size, w->px[0])));
        lp_coll = bp_coll = d_pos(tmm) ? c_div(&w->c, c_mul(&w->c, tnc, mine), tmm) : tnc;
    } else {
        bp_coll = c_add(&w->c, cash, others_pnl);
        lp_coll = c_sub(&w->c, bp_coll, others_mm);
    }
    /* Collateral assets count less their haircut for the liquidation
     * price; the bankruptcy price is on their full value. */
    lp_coll = wf_margin_coll(&g[0].w, lp_coll);
    out->has_lp = false;
    liq_status st = LIQ_OK;
    if (d_pos(lp_coll))
        st = wf_liq_price(w, g[k].size, lp_coll, &out->has_lp, &out->liquidation_price, NULL);
    else {
        out->has_lp = true;     /* the others already take it below maintenance */
        out->liquidation_price = w->entry;
    }
    if (st == LIQ_OK)
        out->has_bp = d_pos(bp_coll) && wf_bankruptcy_price(w, g[k].size, bp_coll,
                                                            &out->bankruptcy_price);
    return st == LIQ_OK ? w->c.st : st;
}

static void leg_add_steps(leg *g, const wf_step *steps, size_t n, liq_dec mark, long t)
{
    wf *w = &g->w;
    wf_close *o = &g->cl;
    if (!o->liquidated) {
        o->liquidated = true;
        o->trigger = mark;
        o->trigger_step = t;
    }
    wf_close_add_steps(w, o, steps, n, mark, t,
                       w->pr->liquidation.fee.receiver.v == RECV_IF);
    g->size = steps[n - 1].rest;
}

/* What a cross account carries from tick to tick besides its
 * positions' prices: its collateral's revaluation (one asset at weight
 * 1, or several at the policy's ratios), each position's funding at its
 * market's rate, and interest on the venue's loan. */
typedef struct acct_carry {
    liq_dec coll_units;       /* account.collateral_asset: units held (coll_px set) */
    const liq_dec *coll_px;
    liq_dec revalued, interest, funding;
} acct_carry;

/* Interest due at tick t on a cross account: per position on the amount
 * lent (base: loan, Kraken), or once on the account's debit balance (base:
 * debit, IBKR: the longs' cost at entry less the cash), tiered on the
 * whole. Returns what was paid; the positions' own share in their loss. */
static liq_status cross_interest(leg *g, size_t n, liq_dec *cash, size_t t, acct_carry *ac)
{
    wf *w0 = &g[0].w;
    liq_dec periods = wf_interest_periods(w0, t);
    if (!d_pos(periods))
        return w0->c.st;
    bool debit = w0->pr->interest.base.v == INTBASE_DEBIT;
    liq_dec cost = LIQ_DEC_ZERO;
    for (size_t k = 0; k < n; k++) {
        wf *w = &g[k].w;
        if (!d_pos(g[k].size))
            continue;
        if (debit && w->sgn > 0) {
            cost = c_add(&w0->c, cost, wf_entry_notional(w, g[k].size));
            continue;
        }
        /* A loan per position: a long's cost, a short's base at its mark. */
        liq_dec base = wf_interest_base(w, g[k].size, *cash, w->px[t]);
        liq_dec pay = wf_interest_charge(w, base, periods);
        if (!d_pos(pay))
            continue;
        *cash = c_sub(&w0->c, *cash, pay);
        g[k].cl.interest = c_add(&w0->c, g[k].cl.interest, pay);
        g[k].cl.unforced = c_add(&w0->c, g[k].cl.unforced, pay);
        ac->interest = c_add(&w0->c, ac->interest, pay);
        liq_event *e = result_event(w->r, "interest", (long)t);
        event_str(e, "market", w->mkt ? w->mkt->id->symbol.v : "");
        event_dec(e, "periods", periods);
        event_dec(e, "on", base);
        event_dec(e, "paid", pay);
        event_str(e, "to", "venue");
        event_dec(e, "cash", *cash);
    }
    if (debit && d_pos(cost)) {
        liq_dec base = liq_dec_max(c_sub(&w0->c, cost, *cash), LIQ_DEC_ZERO);
        liq_dec pay = wf_interest_charge(w0, base, periods);
        if (d_pos(pay)) {
            *cash = c_sub(&w0->c, *cash, pay);
            ac->interest = c_add(&w0->c, ac->interest, pay);
            liq_event *e = result_event(w0->r, "interest", (long)t);
            event_dec(e, "periods", periods);
            event_dec(e, "on", base);
            event_dec(e, "paid", pay);
            event_str(e, "to", "venue");
            event_dec(e, "cash", *cash);
        }
    }
    return w0->c.st;
}

/* Tick t's carrying steps for a cross account, before its margin test:
 * the collateral revalued, each open position's funding, interest. A
 * position's funding is its own loss; the collateral's change and the
 * account's interest on its debit are the account's (ac). */
static liq_status carry_tick(leg *g, size_t n, liq_dec *cash, size_t t, acct_carry *ac)
{
    wf *w0 = &g[0].w;
    calc *c = &w0->c;
    liq_dec dv = LIQ_DEC_ZERO;
    if (t > 0 && ac->coll_px && !d_eq(ac->coll_px[t], ac->coll_px[t - 1]))
        dv = c_sub(c, wf_collateral_value(w0, ac->coll_units, ac->coll_px[t]),
                   wf_collateral_value(w0, ac->coll_units, ac->coll_px[t - 1]));
    if (t > 0 && w0->ncassets) {
        liq_dec hc, hc_before;
        dv = c_sub(c, wf_collateral_worth(w0, t, &hc), wf_collateral_worth(w0, t - 1, &hc_before));
        w0->haircut = hc;
    }
    if (!d_zero(dv)) {
        *cash = c_add(c, *cash, dv);
        ac->revalued = c_add(c, ac->revalued, dv);
        liq_event *e = result_event(w0->r, "collateral_revalued", (long)t);
        if (ac->coll_px)
            event_dec(e, "price", ac->coll_px[t]);
        event_dec(e, "change", dv);
        event_dec(e, "cash", *cash);
        if (w0->ncassets)
            event_dec(e, "haircut", w0->haircut);
    }
    for (size_t k = 0; k < n; k++) {
        wf *w = &g[k].w;
        if (!w->funding || !d_pos(g[k].size) || d_zero(w->funding[t]))
            continue;
        liq_dec pay = wf_funding_payment(w, g[k].size, w->px[t], w->funding[t]);
        *cash = c_sub(c, *cash, pay);
        g[k].cl.funding = c_add(c, g[k].cl.funding, pay);
        g[k].cl.unforced = c_add(c, g[k].cl.unforced, pay);
        ac->funding = c_add(c, ac->funding, pay);
        liq_event *e = result_event(w->r, "funding", (long)t);
        event_str(e, "market", w->mkt ? w->mkt->id->symbol.v : "");
        event_dec(e, "rate", w->funding[t]);
        event_dec(e, "mark", w->px[t]);
        event_dec(e, "paid", pay);
        event_dec(e, "cash", *cash);
    }
    if (c->st == LIQ_OK && w0->interest_on)
        return cross_interest(g, n, cash, t, ac);
    return c->st;
}

/* Cross: one walk of the account. When its equity reaches the sum of
 * the maintenance margins, every open position is closed at its own mark
 * (all at once), one after another: each sees as its collateral the
 * account's cash so far plus the others' unrealized PnL at their marks,
 * so a fee capped at what is left is capped at what the account has
 * left, and the margin the venue keeps is what the account has left
 * after the last one. */
static liq_status walk_cross(leg *g, size_t n, liq_dec *cash, const liq_scenario *s,
                             acct_carry *ac)
{
    liq_dec slip = s->r.market.liquidation_fill.slippage.v;
    calc *c = &g[0].w.c;
    for (size_t t = 0; t < s->npath; t++) {
        size_t last = n;
        for (size_t k = 0; k < n; k++)
            if (d_pos(g[k].size))
                last = k;
        if (last == n)
            break;
        liq_status st = carry_tick(g, n, cash, t, ac);
        liq_dec equity, mm;
        if (st == LIQ_OK)
            st = account_at(g, n, *cash, t, &equity, &mm);
        if (st != LIQ_OK)
            return st;
        /* The venue counts the collateral assets less their haircut. */
        if (!wf_mm_breached(&g[0].w, wf_margin_coll(&g[0].w, equity), mm))
            continue;
        liq_event *e = result_event(g[0].w.r, "account_liquidation", (long)t);
        event_dec(e, "equity", equity);
        event_dec(e, "maintenance_margin", mm);
        liq_dec running = *cash;
        for (size_t k = 0; k < n; k++) {
            if (!d_pos(g[k].size))
                continue;
            wf *w = &g[k].w;
            liq_dec others = LIQ_DEC_ZERO;
            for (size_t j = k + 1; j < n; j++)
                if (d_pos(g[j].size))
                    others = c_add(c, others, wf_pnl(&g[j].w, g[j].size, g[j].w.px[t]));
            w->defer_surplus = k != last;
            wf_step steps[2];
            size_t ns;
            st = wf_close_at(w, g[k].size, c_add(c, running, others), w->px[t], slip, NULL,
                             (long)t, steps, &ns);
            w->defer_surplus = false;
            if (st != LIQ_OK)
                return st;
            leg_add_steps(&g[k], steps, ns, w->px[t], (long)t);
            running = c_sub(c, steps[ns - 1].equity, others);
        }
        *cash = running;
    }
    return c->st;
}

liq_result *account_eval(liq_policy *p, const liq_scenario *s, const liq_eval_opts *opts,
                         liq_diags *d)
{
    size_t n = s->nlegs;
    char why[400];
    mkt_match mm;
    leg *g = mem_calloc(n, sizeof *g);
    if (!g) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "out of memory");
        return NULL;
    }
    liq_result *r = NULL;
    char refusal[WF_REFUSAL];
    /* Every position's market, all in one settlement currency. */
    for (size_t k = 0; k < n; k++) {
        const s_position *sp = s->legs[k].p;
        if (!market_find(p, sp->market.v ? sp->market.v : "", sp->contract.v, &mm)) {
            snprintf(why, sizeof why, "positions[%zu]: %s", k, mm.reason);
            free(g);
            return row(p, s, RS_NOT_LISTED, why, d);
        }
        const p_root *pr = mm.m ? &mm.m->r : &p->r;
        g[k].w = (wf){.p = p, .pr = pr, .mkt = mm.m, .s = s, .sp = sp, .px = s->legs[k].px,
                      .px_m = s->legs[k].px_m, .npx = s->npath, .d = d, .c = {LIQ_OK, NULL},
                      .refusal = refusal,
                      .fee_mode = (liq_round)pr->rounding.fee.v,
                      .amount_mode = (liq_round)pr->rounding.amount.v};
        const char *ccy = pr->contract.settlement.v, *ccy0 = g[0].w.pr->contract.settlement.v;
        if (k > 0 && strcmp(ccy, ccy0) != 0) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, sp->market.m.line,
                          sp->market.m.col,
                          "positions[%zu].market: %s settles in %s, positions[0] in %s; one "
                          "account's positions must settle in one currency", k,
                          sp->market.v, ccy, ccy0);
            free(g);
            return NULL;
        }
    }
    r = eval_result_new(p, g[0].w.pr, s, d);
    if (!r) {
        free(g);
        return NULL;
    }
    r->explain = opts && opts->explain;
    r->quiet = opts && opts->quiet;
    r->legs = mem_calloc(n, sizeof *r->legs);
    r->nlegs = n;
    liq_status st = r->legs ? LIQ_OK : LIQ_ENOMEM;
    const s_account *sa = &s->r.account;
    liq_dec im_total = LIQ_DEC_ZERO, mm_total = LIQ_DEC_ZERO;
    for (size_t k = 0; st == LIQ_OK && k < n; k++) {
        wf *w = &g[k].w;
        w->r = r;
        /* The price columns, as a single evaluation picks them; the
         * account's result names the first position's. */
        if (k == 0)
            eval_use_columns(w, s->legs[k].col);
        else
            wf_use_columns(w, s->legs[k].col);
        /* Funding at its market's rate; interest as the policy charges it
         * (the account's result warns once when none can accrue). */
        w->funding = s->legs[k].funding;
        r->has_funding |= w->funding != NULL;
        if (k == 0)
            eval_interest_setup(w, s);
        else
            wf_interest_setup(w, s->r.market.tick_hours.set, s->r.market.tick_hours.v,
                              s->r.market.interest_benchmark.set,
                              s->r.market.interest_benchmark.v);
        st = wf_position(w);
        if (st == LIQ_OK && w->refused) {
            snprintf(why, sizeof why, "positions[%zu]: %s", k, w->refusal);
            liq_result_free(r);
            free(g);
            return row(p, s, RS_NOT_OFFERED, why, d);
        }
        if (st != LIQ_OK)
            break;
        g[k].size = w->size;
        g[k].coll = w->collateral;
        g[k].cl.trigger_step = -1;
        if (s->legs[k].coll_px && w->mode == MODE_ISOLATED) {
            /* Each isolated margin held in the collateral asset. */
            w->coll_px = s->legs[k].coll_px;
            w->coll_units = c_div(&w->c, w->collateral, w->coll_px[0]);
            r->has_coll_px = true;
        }
        im_total = c_add(&w->c, im_total, w->im);
        liq_dec m = w->entry_mm;   /* wf_open's, at entry */
        mm_total = c_add(&w->c, mm_total, m);
        liq_leg *out = &r->legs[k];
        snprintf(out->market, sizeof out->market, "%s",
                 w->mkt ? w->mkt->id->symbol.v : (w->sp->market.v ? w->sp->market.v : ""));
        out->side = w->sgn > 0 ? 0 : 1;
        out->size = w->size;
        out->entry_price = w->entry;
        out->leverage = w->lev;
        out->initial_margin = w->im;
        out->maintenance_margin = m;
    }
    wf *w0 = &g[0].w;
    bool cross = st == LIQ_OK && w0->mode == MODE_CROSS;
    liq_dec cash = sa->collateral.v;
    if (st == LIQ_OK && d_lt(cash, im_total)) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, sa->collateral.m.line,
                      sa->collateral.m.col,
                      "account.collateral: %s does not cover the positions' initial margins %s",
                      dstr(cash, (char[LIQ_DEC_STRLEN]){0}), dstr(im_total, (char[LIQ_DEC_STRLEN]){0}));
        st = LIQ_EINPUT;
    }
    acct_carry ac = {0};
    wf_casset cassets[LIQ_MAX_COLLATERAL_ASSETS];
    if (st == LIQ_OK && s->ncassets) {
        /* The assets back the account as a whole, through its first
         * position's rules (one account settles in one currency). */
        st = eval_cassets(w0, cassets);
        if (st == LIQ_OK && w0->refused) {
            snprintf(why, sizeof why, "%s", w0->refusal);
            liq_result_free(r);
            free(g);
            return row(p, s, RS_NOT_OFFERED, why, d);
        }
    }
    if (st == LIQ_OK && cross && s->path_coll) {
        /* The account's collateral held in the asset the path prices. */
        ac.coll_px = s->path_coll;
        ac.coll_units = c_div(&w0->c, cash, s->path_coll[0]);
        r->has_coll_px = true;
    }
    if (st == LIQ_OK && cross) {
        for (size_t k = 0; st == LIQ_OK && k < n; k++)
            st = cross_prices(g, n, k, cash, &r->legs[k]);
        if (st == LIQ_OK)
            st = walk_cross(g, n, &cash, s, &ac);
    } else if (st == LIQ_OK) {
        /* Isolated: each position on its own margin and path, as a single
         * evaluation walks it; the account adds them up. */
        for (size_t k = 0; st == LIQ_OK && k < n; k++) {
            wf *w = &g[k].w;
            liq_leg *out = &r->legs[k];
            if ((st = wf_liq_price(w, w->size, w->collateral, &w->has_lp, &w->lp, NULL)) != LIQ_OK)
                break;
            w->has_bp = wf_bankruptcy_price(w, w->size, w->collateral, &w->bp);
            out->has_lp = w->has_lp;
            out->liquidation_price = w->lp;
            out->has_bp = w->has_bp;
            out->bankruptcy_price = w->bp;
            if ((st = wf_walk(w, &g[k].cl)) != LIQ_OK)
                break;
            g[k].size = g[k].cl.open_size;
        }
    }
    /* The account's totals, and the close the shortfall stages see (the
     * last position liquidated). */
    wf_close acc = {.trigger_step = -1};
    size_t lastk = 0;
    long last_t = -1, first_limit_t = -1;
    for (size_t k = 0; st == LIQ_OK && k < n; k++) {
        wf *w = &g[k].w;
        wf_close *cl = &g[k].cl;
        liq_leg *out = &r->legs[k];
        if (cross)
            cl->open_size = g[k].size;
        if (cross && d_pos(g[k].size) && s->npath)
            cl->unrealized = wf_pnl(w, g[k].size, w->px[s->npath - 1]);
        out->liquidated = cl->liquidated;
        out->trigger_price = cl->trigger;
        out->fill_price = cl->fill;
        out->unforced = cl->unforced;
        out->forced = cl->forced;
        out->fees = cl->fees;
        out->open_size = cl->open_size;
        out->unrealized_pnl = cl->unrealized;
        out->close_price = cl->close;
        out->has_limit = cl->has_limit;
        out->limit_price = cl->limit;
        out->limit_refused = cl->refused;
        out->deleveraged = cl->deleveraged;
        out->never_filled = cl->liquidated && !cl->filled;
        /* The account's order is its first position's to meet a limit,
         * by trigger; any refusal or deleveraging is the account's. */
        if (cl->has_limit && (!r->walk.has_limit || cl->trigger_step < first_limit_t)) {
            r->walk.has_limit = true;
            r->walk.limit = cl->limit;
            first_limit_t = cl->trigger_step;
        }
        r->walk.refused |= cl->refused;
        r->walk.deleveraged |= cl->deleveraged;
        calc *c = &w0->c;
        acc.liquidated |= cl->liquidated;
        acc.deleveraged |= cl->deleveraged;
        acc.unforced = c_add(c, acc.unforced, cl->unforced);
        acc.forced = c_add(c, acc.forced, cl->forced);
        acc.fees = c_add(c, acc.fees, cl->fees);
        acc.if_received = c_add(c, acc.if_received, cl->if_received);
        acc.unrealized = c_add(c, acc.unrealized, cl->unrealized);
        acc.funding = c_add(c, acc.funding, cl->funding);
        acc.interest = c_add(c, acc.interest, cl->interest);
        acc.revalued = c_add(c, acc.revalued, cl->revalued);
        if (cl->liquidated && cl->trigger_step >= last_t) {
            last_t = cl->trigger_step;
            lastk = k;
        }
        if (!cross) {
            /* An isolated position's deficit is its own: one position's
             * margin left over never pays for another's shortfall. */
            acc.equity = c_sub(c, acc.equity, liq_dec_max(liq_dec_neg(cl->equity), LIQ_DEC_ZERO));
        }
        if (w->c.st != LIQ_OK)
            st = w->c.st;
    }
    if (st == LIQ_OK) {
        wf *w = &g[lastk].w;
        const wf_close *lc = &g[lastk].cl;
        acc.last_mark = lc->last_mark;
        acc.last_step = lc->last_step;
        acc.last_size = lc->last_size;
        acc.last_bp = lc->last_bp;
        acc.last_fill = lc->last_fill;
        if (cross) {
            acc.equity = cash;
            /* What the account carried itself: its collateral's change and
             * the interest on its debit (beyond the positions' own). */
            liq_dec own = c_sub(&w0->c, ac.interest, acc.interest);
            acc.unforced = c_sub(&w0->c, c_add(&w0->c, acc.unforced, own), ac.revalued);
            acc.interest = ac.interest;
            acc.revalued = ac.revalued;
        }
        r->walk.funding = acc.funding;
        r->walk.interest = acc.interest;
        r->walk.revalued = acc.revalued;
        r->contract = w0->ctype;
        r->mode = w0->mode;
        r->walk.liquidated = acc.liquidated;
        r->walk.unforced = acc.unforced;
        r->walk.forced = acc.forced;
        r->walk.fees = acc.fees;
        r->walk.unrealized = acc.unrealized;
        r->initial_margin = im_total;
        r->maintenance_margin = mm_total;
        r->total = c_add(&w0->c, c_add(&w0->c, acc.unforced, acc.forced), acc.fees);
        r->deficit = liq_dec_max(liq_dec_neg(acc.equity), LIQ_DEC_ZERO);
        liq_dec coll = LIQ_DEC_ZERO;
        for (size_t k = 0; k < n; k++)
            coll = c_add(&w0->c, coll, g[k].coll);
        r->collateral = cross ? sa->collateral.v : coll;
        /* Settle through the last liquidated position's rules and the
         * account's balance. */
        w->account = sa->collateral.v;
        w->legs_isolated = !cross;
        st = eval_settle(w, &acc);
    }
    if (st != LIQ_OK) {
        if (liq_diags_count(d, LIQ_SEV_ERROR) == 0)
            liq_diags_add(d, LIQ_SEV_ERROR, st, p->path, 0, 0, "%s while evaluating %s under %s",
                          liq_status_str(st), s->r.name.v, p->r.name.v);
        liq_result_free(r);
        r = NULL;
    }
    if (r && !r->quiet && !result_report_currency(r, s, opts ? opts->currency : NULL)) {
        liq_result_free(r);
        r = NULL;
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "out of memory");
    }
    free(g);
    return r;
}
