/*
 * waterfall.h — the state one evaluation carries through the stages, and
 * the stage functions, in the order money flows:
 *   position.c   scenario + policy -> the position the venue sees
 *   margin.c     maintenance margin, liquidation and bankruptcy prices
 *   trigger.c    walking the mark path: margin calls, triggers, slices
 *   fee.c        the liquidation fee and forfeited margin
 *   shortfall.c  who covers the deficit, in the policy's order
 *   debt.c       what a venue does about a trader's debt
 *   eval.c       liq_eval: runs the stages, checks the invariants
 */
#ifndef LIQ_WATERFALL_H
#define LIQ_WATERFALL_H

#include "calc.h"
#include "policy.h"
#include "pricecol.h"
#include "result.h"
#include "scenario.h"

#include <stddef.h>

/* A collateral asset of the account bound to the policy's rule for it
 * (collateral.c); rule NULL: the settlement currency, counted whole. */
typedef struct wf_casset {
    const s_cpath *a;
    const p_casset *rule;
} wf_casset;

/* A stage's own helper inlined into its callers, forced: for the small
 * functions every evaluation runs (the sale, the fill, the closed-form
 * prices), passing their 128-bit arguments costs more than their own
 * arithmetic, and the compiler left alone keeps them as calls. */
#define WF_INLINE static inline __attribute__((always_inline))

typedef struct wf {
    liq_policy *p;
    const p_root *pr;        /* the market's rules: p->r with its overrides */
    const liq_market *mkt;   /* NULL when the policy lists no markets */
    const liq_scenario *s;
    const s_position *sp;    /* the position evaluated (a leg of the scenario's account) */
    const liq_dec *px;       /* its market's venue price (trigger.price), npx of them */
    const liq_mark *px_m;
    size_t npx;
    liq_result *r;
    liq_diags *d;
    calc c;
    char *refusal;           /* WF_REFUSAL bytes the caller provides (not zeroed per
                              * evaluation: it is written only when refused) */
    /* Where liquidation fills start, tick by tick (the path's traded
     * `last` column); NULL: from px. Which column is which: cols.
     * (wf_use_columns sets fill_px, cols and oracle_px.) */
    const liq_dec *fill_px;
    pcol_pick cols;
    /* The path's oracle column, tick by tick (NULL: the path has none):
     * adl.close_price: oracle closes counterparties there. */
    const liq_dec *oracle_px;
    /* The funding rate paid at each tick (NULL: the path has none). */
    const liq_dec *funding;
    /* Rounding, resolved from the policy. */
    liq_round fee_mode, amount_mode;
    /* From coll_px to coll_units: what an evaluation zeroes first (WF_HEAD_FROM,
     * WF_HEAD_TO; eval.c); the fields above it sets itself. */
    /* Collateral held in an asset of its own: its price at each tick (NULL:
     * the collateral is the settlement currency) and the units held. */
    const liq_dec *coll_px;
    /* Interest on the venue's loan (interest.c, wf_interest_setup): on
     * when the policy charges it and the path has a time step; else
     * interest_why says why none accrues (NULL: the policy charges none). */
    bool interest_on, has_benchmark;
    const char *interest_why;
    /* Collateral in several assets (account.collateral_assets): bound to
     * the policy's ratios, and the haircut in force (their full value
     * less what the venue counts), which margin tests subtract. */
    const wf_casset *cassets;
    size_t ncassets;
    /* The position as the venue sees it (after any contract conversion). */
    int sgn;                 /* +1 long, -1 short */
    int ctype;               /* CT_LINEAR / CT_INVERSE */
    int mode;                /* MODE_*, as evaluated */
    bool converted;
    bool csize_one;          /* csize is 1 (most linear contracts): units need no multiply */
    /* Prices at the opening state, computed once by eval.c and reused by
     * the walk until a partial slice changes size or collateral. */
    bool has_lp, has_bp;      /* lp, bp (in the tail below) hold */
    /* The notional at entry of en_size at en_entry and its tier, once
     * computed (wf_open, wf_entry_notional): the margin, the tier and the
     * liquidation price all start from it. Keyed on both, so a replay that points w at
     * another account (replay_load) never reads another's. */
    bool en_known;            /* en_size, en_entry, en_notional (tail) hold */
    /* bp (has_bp) holds for this size and collateral: a close of the
     * opening position need not solve for it again (close.c). */
    bool bp_known;            /* bp_size, bp_coll (tail) hold */
    /* An account of isolated positions: each deficit is its own, so the
     * account's deficit is their sum, not what its loss exceeds. */
    bool legs_isolated;
    /* A cross account's position closed before its others: what is left
     * stays with the account, not forfeited yet (close.c). */
    bool defer_surplus;
    /* What the stages were computing, for a failure said in the user's
     * terms: "closing the position at a mark of 0.000000000001". */
    const char *doing;
    bool doing_has_px;        /* doing_px (tail) holds */
    /* Set by wf_position when the venue would refuse the trade. */
    bool refused;
    /* Tests only: the hooked liquidation price calls the hook at every
     * halving of its bisection, never the linear model (margin.c), so a
     * test can check the model's answer against it. */
    bool bisect_every;
    /* --explain: the inputs of the last hook call, "deficit=670, balance=0"
     * (WF_HOOK_IO bytes the caller provides), for the trace line that
     * shows its output; NULL when nobody reads them. */
    char *hook_io;
    /* The tail, from size on: values each written before it is read (by
     * wf_open, or under the flag beside their comment above), so an
     * evaluation zeroes only the head (WF_HEAD, eval.c), not the ~450
     * bytes here. A compound literal zeroes all of it, which is right
     * too. A field read before it is written belongs above. */
    liq_dec coll_units;      /* coll_px: the units of the collateral asset held */
    liq_dec tick_hours, benchmark;   /* interest_on, has_benchmark (interest.c) */
    liq_dec haircut;         /* ncassets: the collateral assets' haircut in force */
    /* The position as the venue sees it (wf_open). */
    liq_dec size;            /* base units (linear) or contracts (inverse) */
    liq_dec csize;           /* contract size */
    liq_dec entry;
    liq_dec lev;
    liq_dec im;              /* initial margin */
    liq_dec notional;        /* at entry, settlement currency */
    liq_dec collateral;      /* at risk: isolated margin or cross balance */
    liq_dec account;         /* the whole account */
    liq_mark lev_m;          /* where the order's leverage was written (--explain) */
    /* Prices at the opening state, computed once by eval.c and reused by
     * the walk until a partial slice changes size or collateral. */
    liq_dec lp, bp;
    liq_dec en_size, en_entry, en_notional;
    size_t en_tier;          /* the tier en_notional falls in (en_known) */
    liq_dec bp_size, bp_coll;
    liq_dec doing_px;
    /* The maintenance margin at entry and its tier, as wf_open found
     * them deciding whether the position opens liquidatable. */
    liq_dec entry_mm;
    size_t entry_tier;
    /* The position entry_mm is for, until the liquidation price solved
     * next for that position takes it as its probe at entry (margin.c):
     * the maintenance margin at entry is asked of a hook once per open. */
    struct { bool set; int sgn; liq_dec size, coll, lev, im; } entry_mm_for;
} wf;

/* The bytes of a wf an evaluation zeroes before wf_open: from coll_px to
 * coll_units (the tail from there on is written before it is read). */
#define WF_HEAD_FROM offsetof(wf, coll_px)
#define WF_HEAD_TO offsetof(wf, coll_units)

#define WF_REFUSAL 240
#define WF_HOOK_IO 480

/* position.c: an order as the venue sees it. Amounts are in the order's
 * own settlement (quote for linear, coin for inverse); converted when the
 * policy's contract is the other type. */
typedef struct wf_order {
    int side;                /* +1 long, -1 short */
    int contract;            /* CT_* the order is written for */
    liq_dec contract_size;
    bool has_size;
    liq_dec size, notional;  /* size (its units), else the quote notional */
    liq_dec entry;
    bool has_margin;
    liq_dec margin, leverage;
    liq_dec extra_margin;
    liq_dec collateral;      /* the account's */
    int mode;                /* MODE_* requested */
    bool existing;           /* a state, not an order: order limits not checked */
    /* Where each was written, for messages (pointers: an order is read
     * where it lies, its marks copied only into a message). */
    const liq_mark *size_m, *coll_m, *lev_m, *extra_m;
} wf_order;
/* Open the order: fills w's position fields, or sets w->refused with the
 * reason (a leverage the venue does not offer). */
liq_status wf_open(wf *w, const wf_order *o);
/* wf_open on the scenario's position. */
liq_status wf_position(wf *w);

/* The formulas of a position's value (margin.c's header says them),
 * inline for the close, which asks them several times a close: a call
 * passing three 128-bit values costs as much as their arithmetic.
 * margin.c's wf_notional and wf_pnl are these, called. */
/* size x contract size; most linear contracts have size 1 (skip the mul).
 * The _pv forms take calc.h's pv: true where the caller has proven the
 * formula's range (close.c), false everywhere else (the plain names).
 * The proof holds only for a linear contract of size 1 (close_proven
 * checks both), so pv answers those two tests too. */
WF_INLINE liq_dec wf_units_pv(wf *w, bool pv, liq_dec size)
{
    return pv || w->csize_one ? size : pv_mul(&w->c, pv, size, w->csize);
}
WF_INLINE liq_dec wf_notional_pv(wf *w, bool pv, liq_dec size, liq_dec px)
{
    liq_dec q = wf_units_pv(w, pv, size);
    if (pv || w->ctype == CT_LINEAR)
        return pv_mul(&w->c, pv, q, px);
    return c_div(&w->c, q, px);
}
WF_INLINE liq_dec wf_pnl_pv(wf *w, bool pv, liq_dec size, liq_dec px)
{
    liq_dec q = wf_units_pv(w, pv, size);
    liq_dec diff = pv_sub(&w->c, pv, px, w->entry);
    liq_dec v;
    if (pv || w->ctype == CT_LINEAR) {
        v = pv_mul(&w->c, pv, q, diff);
    } else {
        /* Q*(P-E)/(E*P): one division, so the coin amount rounds once. */
        v = c_div(&w->c, c_mul(&w->c, q, diff), c_mul(&w->c, w->entry, px));
    }
    return w->sgn > 0 ? v : pv_neg(pv, v);
}
WF_INLINE liq_dec wf_units(wf *w, liq_dec size)
{
    return wf_units_pv(w, false, size);
}
WF_INLINE liq_dec wf_notional_inline(wf *w, liq_dec size, liq_dec px)
{
    return wf_notional_pv(w, false, size, px);
}
WF_INLINE liq_dec wf_pnl_inline(wf *w, liq_dec size, liq_dec px)
{
    return wf_pnl_pv(w, false, size, px);
}

/* margin.c */
liq_dec wf_notional(wf *w, liq_dec size, liq_dec px);   /* settlement ccy */
liq_dec wf_entry_notional(wf *w, liq_dec size);         /* wf_notional at w->entry */
liq_dec wf_pnl(wf *w, liq_dec size, liq_dec px);        /* settlement ccy */
size_t wf_tier(wf *w, liq_dec notional);
liq_status wf_mm(wf *w, liq_dec size, liq_dec coll, liq_dec px, liq_dec *mm, size_t *tier);
/* wf_mm of the position wf_open opened (w->size, w->collateral) at its
 * entry, called before anything else changes w: it reads the entry state
 * (en_notional, en_tier) as wf_open left it, without checking it. */
liq_status wf_mm_entry(wf *w, liq_dec *mm, size_t *tier);
liq_status wf_liq_price(wf *w, liq_dec size, liq_dec coll, bool *has, liq_dec *lp, size_t *tier);
/* The lowest and highest marks a walk reaches (a replay's whole path). */
typedef struct wf_reach {
    liq_dec lo, hi;
} wf_reach;
/* wf_liq_price for a caller that needs the price only where a mark in
 * reach triggers it: *has is false also for a price proven beyond every
 * such mark, which a hooked solver then need not find (a replay's book,
 * docs/replay.md); a price it reports is wf_liq_price's. */
liq_status wf_liq_price_reached(wf *w, liq_dec size, liq_dec coll, const wf_reach *reach, bool *has,
                                liq_dec *lp);
/* The price just past every mark in reach, on the side a position's
 * losses lie (below reach->lo for a long, above reach->hi for a short)
 * by the bisection's width and a price tick: where a solver asks the
 * hook whether a price is out of reach, the liquidation price's solver
 * and the margin call's alike (the same question, asked twice, is
 * answered once). False when that is not a positive price. */
bool wf_reach_past(wf *w, const wf_reach *reach, liq_dec *px);
bool wf_bankruptcy_price(wf *w, liq_dec size, liq_dec coll, liq_dec *bp);
/* margin.c, for tests: the linear mark-base closed form of the table
 * solver on its proven path (pv) or checked, and whether its range proof
 * holds for these inputs (q units, se entry notional, coll, ded, rate). */
bool wf_root_proven(const wf *w, liq_dec q, liq_dec se, liq_dec coll, liq_dec ded, liq_dec rate);
bool wf_linear_root(wf *w, bool pv, liq_dec q, liq_dec se, liq_dec coll, liq_dec ded,
                    liq_dec rate, liq_round dir, liq_dec *out);
/* The prices of the position wf_open opened, into w: its liquidation
 * price on the margin a test sees (has_lp, lp) and its bankruptcy price
 * (has_bp, bp, kept for the closes of that size and collateral:
 * bp_known). Called right after wf_open (eval.c): like wf_mm_entry, it
 * reads the entry state as wf_open left it. */
liq_status wf_open_prices(wf *w);
/* The fee to close valued at the bankruptcy price of (size, coll)
 * (margin.maintenance.close_fee_at: bankruptcy), at the amount precision;
 * zero otherwise, or when there is no bankruptcy price. */
liq_dec wf_close_fee(wf *w, liq_dec size, liq_dec coll);
/* purpose: 0 liquidation/bankruptcy price (against the trader: long up),
 * 1 fill price (against the trader: long down). */
liq_dec wf_round_price_tick(wf *w, liq_dec px, int purpose);
static inline liq_dec wf_round_price(wf *w, liq_dec px, int purpose)
{
    const p_rounding *ro = &w->pr->rounding;
    if (!ro->price_tick.set || ro->price.v == PRR_NONE)
        return px;
    return wf_round_price_tick(w, px, purpose);
}
/* v at the venue's amount precision (rounding.amount_step), else v. */
liq_dec wf_round_amount_step(wf *w, liq_dec v, liq_round mode);
static inline liq_dec wf_round_amount(wf *w, liq_dec v, liq_round mode)
{
    return w->pr->rounding.amount_step.set ? wf_round_amount_step(w, v, mode) : v;
}

/* trigger.c: walks the path, closes the position (maybe in slices). */
/* (wf_close, the walk's summary, is in result.h: the result carries it
 * as liq_result.walk, which the walk writes in place.) */
liq_status wf_walk(wf *w, wf_close *out);
/* Point w at a path's price columns (col[c] NULL where absent; col[PCOL_MARK]
 * always set) for its policy's trigger.price: px the venue's price,
 * fill_px the traded one. Shared by eval.c, account.c and replay.c, so
 * that the same path means the same prices to all three. Returns the
 * pick (also in w->cols). Inline: an evaluation chooses once, and the
 * call cost as much as the choice. */
static inline pcol_pick wf_use_columns(wf *w, const liq_dec *const col[PCOL_COUNT])
{
    bool have[PCOL_COUNT];
    for (int c = 0; c < PCOL_COUNT; c++)
        have[c] = col[c] != NULL;
    have[PCOL_MARK] = true;
    w->cols = pcol_choose(w->pr->trigger.price.v,
                          w->pr->liquidation.fill_price.v == FILLPX_TRIGGER, have);
    w->px = col[w->cols.trigger];
    w->fill_px = w->cols.fill != w->cols.trigger ? col[w->cols.fill] : NULL;
    w->oracle_px = col[PCOL_ORACLE];
    return w->cols;
}
/* What a position of `size` pays at a funding tick of `rate`, valued at
 * the venue's price px: sign x notional x rate (longs pay a positive
 * rate), at the venue's amount precision; negative when it receives.
 * Shared with replay.c. */
liq_dec wf_funding_payment(wf *w, liq_dec size, liq_dec px, liq_dec rate);
/* What `units` of the collateral asset are worth at its price px, in the
 * settlement currency at the venue's amount precision (GMX values
 * collateral at the token's price). Shared with replay.c. */
liq_dec wf_collateral_value(wf *w, liq_dec units, liq_dec px);
/* The size a partial liquidation step closes at this mark (the whole
 * size when the venue would close it all). Shared with replay.c. */
liq_dec wf_slice_size(wf *w, liq_dec size, liq_dec mark);
/* Is the position (size, coll) liquidated at this mark, given its
 * liquidation price lp (trigger.compare)? And the rule itself on an
 * account's equity and maintenance margin. Shared with replay.c and
 * account.c. */
liq_status wf_trigger_due(wf *w, liq_dec size, liq_dec coll, liq_dec mark, liq_dec lp, bool *due);
bool wf_mm_breached(const wf *w, liq_dec equity, liq_dec mm);
/* margin_call.c: is a margin call due for (size, coll) at this mark
 * (equity at or below trigger.margin_call_at x maintenance margin)? The
 * equity, margin and call level the event reports. Shared by trigger.c
 * and replay.c. */
liq_status wf_margin_call_due(wf *w, liq_dec size, liq_dec coll, liq_dec mark, bool *due,
                              liq_dec *equity, liq_dec *mm, liq_dec *line);
/* margin_call.c: a price at or short of where the call first holds
 * (*has false: no price calls it; *always: called at any mark, as it
 * opens), for a replay's index; the test at the mark decides. lp
 * (has_lp): its liquidation price, the search's far end. reach (or
 * NULL): the marks the replay's path reaches; *has is false also for a
 * call proven beyond every one of them. */
liq_status wf_margin_call_price(wf *w, liq_dec size, liq_dec coll, bool has_lp, liq_dec lp,
                                const wf_reach *reach, bool *has, bool *always, liq_dec *key);
/* Does the venue's backstop take this position over at this mark (equity
 * below backstop.below_mm x maintenance margin)? Shared with replay.c. */
liq_status wf_backstop_due(wf *w, liq_dec size, liq_dec coll, liq_dec mark, bool *due);

/* close.c: the close of one position at one mark, shared by the
 * single-position walk and the book replay. */
typedef struct wf_step {
    /* wf_close_at zeroes this head of a step (WF_STEP_HEAD); every close
     * writes the tail, from size on, itself. */
    bool backstop;           /* taken over at the mark with its margin (no sale) */
    bool sliced;             /* a partial step: `rest` stays open */
    bool takeover;           /* fill: bankruptcy — the trader is settled at bp */
    /* liquidation.limit: the order's limit price; a market fill beyond it
     * is refused, and then the step is either unfilled (nothing closed,
     * retried at the next mark) or deleveraged (realised at the mark,
     * settled at the bankruptcy price, its deficit to the adl stage). */
    bool has_limit, unfilled, deleveraged;
    /* Closed on the proven path (close.c's close_proven): every amount
     * of the step within 2^62, which the walk's summary relies on. */
    bool proven;
    int kept_to;             /* RECV_* of kept */
    liq_dec kept;            /* margin the venue keeps (surplus, or what a backstop takes) */
    liq_dec size;            /* closed by this step */
    liq_dec fill;            /* where the market order filled (the mark for a backstop) */
    liq_dec close;           /* where the trader was settled (fill, or bp on takeover) */
    liq_dec bp;              /* bankruptcy price before the step; 0 when there is none */
    liq_dec pnl_t, pnl_f;    /* realized PnL at the mark and at the fill (amount precision) */
    liq_dec fee;             /* to liquidation.fee.receiver */
    liq_dec equity;          /* the trader's equity after the step */
    liq_dec rest;            /* size left open */
    liq_dec limit;           /* has_limit */
} wf_step;
#define WF_STEP_HEAD offsetof(wf_step, size)
/* The book a replay's fills walk: its depth at this tick and the quote
 * notional this tick's earlier closes already took (updated). */
typedef struct wf_book {
    const liq_dec *depth;
    liq_dec *eaten;
} wf_book;
/* 1 % of price impact per `depth` of quote notional taken. */
#define WF_IMPACT_PER_DEPTH ((liq_dec){(liq_i128)10000000000})
/* Slippage and impact never take a fill past 99 % of the mark: a long's
 * fill stays above zero. */
#define WF_SLIP_MAX ((liq_dec){(liq_i128)990000000000})
/* Close the position (size, coll) at mark: one step, or two when a slice
 * leaves a rest already past bankruptcy (closed at once). bk is NULL
 * without depth. */
liq_status wf_close_at(wf *w, liq_dec size, liq_dec coll, liq_dec mark, liq_dec slip,
                       const wf_book *bk, long step, wf_step out[2], size_t *nsteps);
/* wf_close_at for the walk (trigger.c): the same close, inlined there by
 * LTO; known_bp: the bankruptcy price of (size, coll) where the walk
 * has it (its opening position's), else NULL. */
liq_status wf_close_at_inline(wf *w, liq_dec size, liq_dec coll, liq_dec mark, liq_dec slip,
                              const wf_book *bk, long step, const liq_dec *known_bp,
                              wf_step out[2], size_t *nsteps);

/* close.c, for tests: would wf_close_at take the proven path (calc.h)
 * for these inputs? */
bool wf_close_proven(const wf *w, liq_dec size, liq_dec coll, liq_dec mark, liq_dec slip,
                     const wf_book *bk, long step);

/* close.c: the trader's own order closing the whole position at this
 * mark (a stop-loss): filled `slip` beyond the mark, as a liquidation's
 * fill is, but never worse than *limit when given (a stop-limit), and
 * not at all while the mark is beyond the limit (*filled false). No
 * backstop, slice, liquidation fee or forfeited margin: those are the
 * venue's liquidation, not the trader's order; trading fees are not
 * modelled. Fills out's size, fill, close, pnl_t, pnl_f, equity, rest. */
liq_status wf_close_order(wf *w, liq_dec size, liq_dec coll, liq_dec mark, liq_dec slip,
                          const liq_dec *limit, long step, wf_step *out, bool *filled);
/* close.c: where the shortfall stages start: at the adl stage for a
 * deleveraged close (liquidation.limit), else at the first. Shared with
 * replay_shortfall.c. */
size_t wf_first_stage(const p_root *pr, bool deleveraged);
/* close.c: who bears what the policy's shortfall stages leave of a
 * deficit (a finite fund ending the order, a stage hook that covers
 * less, a book with no counterparty left to deleverage or winner to
 * charge): STAGE_VENUE where the venue promises no negative balance,
 * else STAGE_DEBT. One rule for a single evaluation (shortfall.c) and a
 * replay (replay_shortfall.c). */
int wf_rest_stage(const p_root *pr);
/* close.c: record a step's limit in the walk's summary (trigger.c,
 * account.c). */
void wf_close_note_limit(wf_close *o, const wf_step *t);

/* A close's step in a walk's summary: the loss split at the mark
 * (unforced) and at the fill (forced), what the venue charged and kept,
 * and where the order filled. (last_size is wf_close_add_steps'.) pv:
 * the walk's first step, proven (wf_close_add_steps_fresh): the sums
 * are still zero, so each starts from zero rather than from o. */
WF_INLINE void wf_close_add_step_pv(wf *w, bool pv, wf_close *o, const wf_step *t,
                                    bool fee_to_if)
{
    wf_close_note_limit(o, t);
    o->unforced = pv_sub(&w->c, pv, pv ? LIQ_DEC_ZERO : o->unforced, t->pnl_t);
    o->forced = pv_add(&w->c, pv, pv ? LIQ_DEC_ZERO : o->forced,
                       pv_sub(&w->c, pv, t->pnl_t, t->pnl_f));
    /* What the venue keeps is charged as a fee: the trader's cost.
     * (Most closes keep nothing: a zero is not added.) */
    o->fees = pv_add(&w->c, pv, pv ? LIQ_DEC_ZERO : o->fees, t->fee);
    if (fee_to_if)
        o->if_received = pv_add(&w->c, pv, pv ? LIQ_DEC_ZERO : o->if_received, t->fee);
    if (!d_zero(t->kept)) {
        o->fees = pv_add(&w->c, pv, o->fees, t->kept);
        if (t->kept_to == RECV_IF)
            o->if_received = pv_add(&w->c, pv, o->if_received, t->kept);
    }
    if (!t->unfilled) {
        o->filled = true;
        o->fill = t->fill;
        o->close = t->close;
    }
}

/* The n (1 or 2) steps wf_close_at wrote for a close at mark on step t,
 * into the summary o: the one rule for a position's walk (trigger.c) and
 * an account's legs (account.c). fee_to_if: the policy's fee goes to
 * the insurance fund (liquidation.fee.receiver), tested once by the
 * caller. The first step is written, a second (a bankrupt slice's rest)
 * added: no loop for the one step of most closes. */
WF_INLINE void wf_close_add_step(wf *w, wf_close *o, const wf_step *t, bool fee_to_if)
{
    wf_close_add_step_pv(w, false, o, t, fee_to_if);
}

/* fresh: nothing has been added to o's loss, fees and fund yet (the
 * walk's first close, with nothing carried before it); a first step
 * closed on the proven path then adds on the low words (its amounts are
 * within 2^62, so are their sums). */
WF_INLINE void wf_close_add_steps_fresh(wf *w, wf_close *o, const wf_step *steps, size_t n,
                                        liq_dec mark, long t, bool fee_to_if, bool fresh)
{
    o->last_mark = mark;
    o->last_step = t;
    o->last_bp = d_pos(steps[0].bp) ? steps[0].bp : steps[n - 1].fill;
    o->last_fill = steps[n - 1].fill;
    o->last_size = steps[0].size;
    if (fresh && steps[0].proven)
        wf_close_add_step_pv(w, true, o, &steps[0], fee_to_if);
    else
        wf_close_add_step(w, o, &steps[0], fee_to_if);
    if (n == 2) {
        o->last_size = c_add(&w->c, o->last_size, steps[1].size);
        wf_close_add_step(w, o, &steps[1], fee_to_if);
    }
}

WF_INLINE void wf_close_add_steps(wf *w, wf_close *o, const wf_step *steps, size_t n,
                                  liq_dec mark, long t, bool fee_to_if)
{
    wf_close_add_steps_fresh(w, o, steps, n, mark, t, fee_to_if, false);
}

/* fee.h: the fee on a close (inline, close.c's). */

/* shortfall.c */
liq_status wf_shortfall(wf *w, const wf_close *cl, liq_dec deficit);
/* What the insurance_fund or adl hook covers (a number, or a table with
 * covered and maybe close_price). Shared with replay.c. */
typedef struct wf_cover_in {
    liq_dec deficit, balance;
    bool unlimited;
    liq_dec bp, mark, fill, size;
} wf_cover_in;
liq_status wf_hook_cover(wf *w, int which, const wf_cover_in *in, liq_dec *cover,
                         liq_dec *close_px, bool *has_px);

/* The price ADL counterparties are closed at (adl.close_price): the
 * bankruptcy price; the mark (the venue's price at the close); or the
 * oracle, the path's oracle column at tick step where it has one, else the
 * venue's price stands for it (a path of one column is the venue's price). */
liq_dec wf_adl_price(const wf *w, liq_dec bp, liq_dec mark, long step);

/* socialize.c: a socialized loss spread over units (of profit for
 * clawback, of open base for funding). The per-unit amount, rounded up to
 * socialized_loss.unit_step when the policy gives one; 0 with no units. */
liq_dec wf_soc_per_unit(wf *w, liq_dec loss, liq_dec units);
/* Whether the policy rounds as its venue does (unit_step or charge_step
 * set): the charges then need not sum to the loss. */
bool wf_soc_venue_rounding(const wf *w);
/* One payer's charge for its units out of total: exact shares (loss x
 * units / total rounded down, the last payer the rest of loss after
 * `charged`), or with the venue's rounding per_unit x units rounded down
 * to charge_step. */
liq_dec wf_soc_charge(wf *w, liq_dec loss, liq_dec per_unit, liq_dec units, liq_dec total,
                      liq_dec charged, bool last);

/* interest.c: interest on the venue's margin loan (the policy's
 * `interest:`). Setup from the path's time step and the annual benchmark
 * (the scenario's, or a replay's options): sets interest_on, or
 * interest_why when the policy charges interest but none can accrue. */
void wf_interest_setup(wf *w, bool has_hours, liq_dec hours, bool has_bench, liq_dec bench);
/* Periods falling due at tick t (0 when interest is off): the opening
 * charge at t = 0, then each period boundary the path's time crosses. */
liq_dec wf_interest_periods(wf *w, size_t t);
/* A short under a policy that gives no short_rate, while interest
 * accrues: the venue's charge on the borrowed base is not known, so the
 * trade is not evaluated (position.c refuses it, for eval and replay). */
bool wf_interest_short_unknown(const wf *w);
/* What interest is charged on, for a position of size with margin coll
 * at the venue's price px (interest.base). */
liq_dec wf_interest_base(wf *w, liq_dec size, liq_dec coll, liq_dec px);
/* The charge for `periods` periods on base, at the amount precision. */
liq_dec wf_interest_charge(wf *w, liq_dec base, liq_dec periods);
/* What a debt of `owed` (a negative balance in the settlement currency)
 * costs per interest.period_hours under the policy's interest (as a
 * long's loan); false when the policy charges none or its tiered rate
 * has no benchmark. */
bool wf_interest_on_debt(wf *w, liq_dec owed, liq_dec *per_period);

/* collateral.c: the account's collateral assets. Bind them to the
 * policy's rules into out (s->ncassets entries, the caller's): an asset
 * the venue does not count, or at a ratio the policy does not know, or a
 * position the venue holds isolated, sets w->refused with the reason; an
 * asset without prices that is not the settlement currency is an input
 * error. */
liq_status wf_collateral_bind(wf *w, wf_casset *out);
/* The same for n assets of a list (a book's account: replay.c). */
liq_status wf_collateral_bind_list(wf *w, const s_cpath *list, size_t n, wf_casset *out);
/* One asset's full value at tick t (at the amount precision), and in
 * *counted the part the venue counts. */
liq_dec wf_casset_value(wf *w, const wf_casset *a, size_t t, liq_dec *counted);
/* Every asset's full value at tick t, and the haircut (full less counted). */
liq_dec wf_collateral_worth(wf *w, size_t t, liq_dec *haircut);
/* From tick t - 1 to t (t > 0): the change of the assets' full value and
 * the haircut at t; false when neither moved (nothing to revalue). One
 * step for the walk (trigger.c) and the replay. */
bool wf_collateral_moved(wf *w, size_t t, liq_dec *change, liq_dec *haircut);
/* The collateral a margin test sees: coll less the haircut in force
 * (inline: the walk asks at every tick, and most accounts have none). */
static inline liq_dec wf_margin_coll(wf *w, liq_dec coll)
{
    return w->ncassets ? c_sub(&w->c, coll, w->haircut) : coll;
}

/* debt.c */
/* The venue's actions on what r owes (r->owed, with r->collateral,
 * r->total and r->deficit for a debt_pursuit hook): the hook's list, else
 * the policy's debt.actions, appended to r->actions. Eval (wf_debt) and
 * replay (each debtor at the end of its path) share it, so one debt gets
 * the same actions in both. */
liq_status wf_debt_actions(wf *w, liq_result *r);
liq_status wf_debt(wf *w);

/* eval.c: shared with account.c. A result block with the policy's,
 * market's and scenario's names (caller owns it); and the settling of a
 * closed position or account: shortfall stages, final balance, debt and
 * the invariants. */
liq_result *eval_result_new(const liq_policy *p, const p_root *pr, const liq_scenario *s,
                            liq_diags *diags);
liq_status eval_settle(wf *w, const wf_close *cl);
/* wf_use_columns for an evaluation: the result names the columns and
 * carries pcol_note's note. */
void eval_use_columns(wf *w, const liq_dec *const col[PCOL_COUNT]);
/* The scenario's collateral assets bound into out (wf_collateral_bind),
 * the haircut at the first tick, and the result's collateral_assets. */
liq_status eval_cassets(wf *w, wf_casset *out);
/* wf_interest_setup from the scenario's market.tick_hours and
 * interest_benchmark; the result says when the policy charges interest
 * and none could accrue. */
void eval_interest_setup(wf *w, const liq_scenario *s);
/* An arithmetic failure of w (w->c) as a diagnostic in the user's terms. */
void eval_fail_calc(wf *w, liq_status st);
/* account.c: a scenario of several positions in one account. */
liq_result *account_eval(liq_policy *p, const liq_scenario *s, const liq_eval_opts *opts,
                         liq_diags *diags);

/* Hook helper (eval.c): call hook `which` with fields; on success a value
 * is pending in the policy's runtime. */
bool wf_hooked(const wf *w, int which);
liq_status wf_call_hook(wf *w, int which, const liq_hook_field *f, size_t n);

#endif
