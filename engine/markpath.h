/*
 * markpath.h — a mark path in memory: what a replay walks, and what a
 * scenario's path_file holds. One reader (markpath.c) serves both, so a
 * file means the same thing to `eval` and to `replay`.
 *
 * Columns: time, mark, and optionally oracle, index, last (what traded),
 * slippage, depth, funding, collateral. With a header row they are found by name, in any
 * order; without one they are time,mark[,index,last] by position. Which
 * price column triggers and which fills is pricecol.h's.
 */
#ifndef LIQ_MARKPATH_H
#define LIQ_MARKPATH_H

#include "liqsim.h"
#include "pricecol.h"

/* A path's collateral.ASSET columns (docs/limits.md): as many as an
 * account may hold, each symbol at most 23 bytes (book.h). */
#define LIQ_PATH_MAX_ASSETS 16
#define LIQ_PATH_ASSET_LEN 23

struct liq_path {
    char *path;              /* the file, as messages name it */
    size_t n;
    char **time;             /* as written */
    liq_dec *mark;
    int *line, *col;         /* where each tick's mark is written (0 when built) */
    liq_dec *index, *last;   /* when has_index, has_last */
    bool has_index, has_last;
    liq_dec *oracle;         /* when has_oracle */
    bool has_oracle;
    /* Funding: the rate paid at this tick on each position's value at the
     * venue's price, longs paying shorts when positive (0 where none falls
     * due); it comes off the position's margin (waterfall.md). */
    liq_dec *funding;        /* when has_funding */
    bool has_funding;
    /* The price of the collateral asset in the settlement currency: the
     * collateral at risk is held in it and revalued at each tick. */
    liq_dec *collateral;     /* when has_collateral */
    bool has_collateral;
    liq_dec *slippage;       /* when has_slippage */
    bool has_slippage;
    /* Order-book depth: the quote notional that moves the price 1 %. A
     * liquidation's fill then slips further by its size against it. */
    liq_dec *depth;          /* when has_depth */
    bool has_depth;
    /* collateral.ASSET columns: each asset's price in the settlement
     * currency, one per tick, for a book's accounts that hold it
     * (book.h's collateral assets). At most LIQ_PATH_MAX_ASSETS. */
    size_t nassets;
    char asset[LIQ_PATH_MAX_ASSETS][LIQ_PATH_ASSET_LEN + 1];
    liq_dec *asset_px[LIQ_PATH_MAX_ASSETS];
};

/* Reads a path from CSV text (file names it in messages and in p->path).
 * Returns a path owned by the caller (liq_path_free) or NULL with one
 * error in d. */
liq_path *markpath_parse(const char *file, const char *text, size_t len, liq_diags *d);

/* The prices of column c (PCOL_*), one per tick, or NULL when the path
 * has no such column; and which columns it has. Owned by the path. */
const liq_dec *path_prices(const liq_path *p, int c);
void path_columns(const liq_path *p, bool have[PCOL_COUNT]);

/* Building a path in memory (bench, tests): n ticks, times "0".."n-1",
 * marks zero for the caller to fill. Caller owns; liq_path_free. */
liq_path *path_new(size_t n);

#endif
