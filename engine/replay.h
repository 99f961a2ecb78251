/*
 * replay.h — what the three files of a replay share (internal): the
 * state of one replay (rp), and the helpers each file needs of the
 * others. replay.c walks the path and closes accounts through close.c;
 * replay_ledger.c moves money between the ledger's parties and writes
 * the event lines; replay_shortfall.c covers a bankrupt account's deficit
 * with the book itself (fund, ADL of ranked counterparties, socialization
 * among the tick's winners, venue or debt).
 */
#ifndef LIQ_REPLAY_H
#define LIQ_REPLAY_H

#include "book.h"
#include "heap.h"
#include "waterfall.h"

/* An account the tick's mark has reached: the liquidation price reached
 * and the version of the index entry that held it. */
typedef struct due_ent {
    liq_dec lp;
    uint32_t idx;
    uint32_t ver;
} due_ent;

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
    /* Per account: what a close changes. Entry and leverage never
     * change, so they are read from the book (b->entry, b->lev); im is
     * NULL unless a maintenance_margin hook reads it. */
    liq_dec *size, *im, *coll, *cash;
    liq_dec *cunits;          /* collateral units held, when the path prices a collateral asset */
    /* Each account's liquidation price, for the naive trigger only (NULL
     * when indexed: the index's entries hold it). */
    liq_dec *lp;
    bool *has_lp;
    uint32_t *ver;
    tindex longs, shorts;
    /* Margin calls (trigger.margin_call_at; NULL and empty without):
     * per account 1 once called or triggered (eval calls once, and not
     * after a liquidation began), and indexed, each side's margin call
     * prices (wf_margin_call_price) beside its liquidation prices, with
     * the same versions. */
    unsigned char *mc_done;
    tindex mc_longs, mc_shorts;
    /* Collateral assets (the book's side table, book.h; nca 0 when no
     * account holds one): for its account k, the assets as the walk
     * values them from ca_first[k], ca_n[k] of them (ca_list: the
     * settlement currency's cash, then the book's), bound to the policy's
     * ratios (ca_bound), and the haircut in force (ca_haircut), which
     * every margin test subtracts (wf_margin_coll). */
    size_t nca;
    bool extras;              /* nca or mc_done: replay_index's slower path */
    s_cpath *ca_list;
    wf_casset *ca_bound;
    uint32_t *ca_first;
    unsigned char *ca_n;
    liq_dec *ca_haircut;
    /* The lowest and highest trigger price of the whole path: a
     * liquidation price beyond both is never reached, and need not be
     * found (wf_liq_price_reached). Unset (NULL) on an empty path. */
    wf_reach reach;
    const wf_reach *reach_of;
    /* ledger */
    liq_dec fund, venue, pool, liquidator, market, total_in;
    /* per tick */
    due_ent *due, *due_tmp;   /* the tick's accounts to liquidate (and the sort's scratch) */
    size_t capdue;
    size_t tick;
    liq_dec mark;
    liq_dec fill;             /* the fill of the liquidation being settled */
    liq_dec eaten;            /* quote notional the tick's liquidations took from the book */
    liq_dec soc_pending;      /* deficits waiting for the tick's winners */
    uint32_t *soc_from;       /* accounts owed a socialized cover this tick */
    liq_dec *soc_amt;
    size_t nsoc, capsoc;
    /* The opposite side's ADL queue, ranked once per tick and popped as
     * counterparties are used up (replay_shortfall.c). */
    heap adl;
    int adl_side;
    size_t adl_tick;
    bool adl_built;
    char line[1024];
} rp;

#define D(v) dstr((v), (char[LIQ_DEC_STRLEN]){0})

/* replay.c: point r->w at account i's position (its collateral assets,
 * for margin tests, are replay.c's load_margin); (re)index its
 * liquidation price. */
void replay_load(rp *r, size_t i);
liq_status replay_index(rp *r, size_t i);

/* replay_ledger.c: money paid to a receiver of fees or kept margin
 * (RECV_*); the sum of every party's balance; one NDJSON event line to
 * opts.on_event. */
void replay_credit(rp *r, int receiver, liq_dec amount);
liq_dec replay_ledger_sum(rp *r);
void replay_emit_line(rp *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A macro, as result_trace: when nobody listens the arguments (formatted
 * decimals, most of a replay's time otherwise) are never evaluated, so
 * they must not compute anything the replay needs. */
#define replay_emit(r, ...)                                                  \
    do {                                                                     \
        if ((r)->o->on_event)                                                \
            replay_emit_line((r), __VA_ARGS__);                              \
    } while (0)

/* replay_ledger.c: the venue's actions on account i's debt at the end of
 * the path (wf_debt_actions, eval's own), one debt_action event line each;
 * nothing when nobody listens. */
liq_status replay_debt_actions(rp *r, size_t i, liq_dec owed);

/* replay_shortfall.c: cover account i's deficit after it closed q at
 * bankruptcy price bp; socialize the tick's pending deficits among its
 * winners (at the end of each tick). */
/* deleveraged: the close went to the adl stage (liquidation.limit), so the
 * stages start there (wf_first_stage). */
liq_status replay_shortfall(rp *r, size_t i, int side, liq_dec q, liq_dec bp, liq_dec deficit,
                            bool deleveraged);
liq_status replay_socialize_tick(rp *r);

#endif
