/*
 * book.h — a book of accounts and a mark path, in memory, for replay.
 *
 * Struct of arrays: a million accounts are walked in tight loops, so
 * each field is its own array. Several positions of one account are
 * netted into one (same market): PnL is linear in the price, so a net
 * size with a size-weighted entry has the same PnL at every price;
 * maintenance margin is then charged on the net, not the gross (a
 * documented approximation for hedged accounts).
 */
#ifndef LIQ_BOOK_H
#define LIQ_BOOK_H

#include "liqsim.h"

struct liq_book {
    char *path;
    size_t n, cap;
    char *idbuf;             /* all ids, NUL-separated */
    size_t idlen, idcap;
    size_t *idoff;           /* offset of account i's id in idbuf */
    liq_dec *collateral;     /* quote units */
    unsigned char *mode;     /* MODE_* */
    signed char *side;       /* +1 long, -1 short, 0 flat after netting */
    liq_dec *size;           /* base units, > 0 unless flat */
    liq_dec *entry;
    liq_dec *lev;
};

struct liq_path {
    char *path;
    size_t n;
    char **time;             /* as written */
    liq_dec *mark;
    liq_dec *slippage;       /* when has_slippage */
    bool has_slippage;
    /* Order-book depth: the quote notional that moves the price 1 %. A
     * liquidation's fill then slips further by its size against it. */
    liq_dec *depth;          /* when has_depth */
    bool has_depth;
};

/* Building a book in memory (bench, tests): caller owns; liq_book_free. */
liq_book *book_new(size_t cap);
/* Append an account with one position; false on out of memory. */
bool book_add(liq_book *b, const char *id, liq_dec collateral, int mode, int side, liq_dec size,
              liq_dec entry, liq_dec lev);
liq_path *path_new(size_t n);   /* n ticks, times "0".."n-1"; fill mark[] */
static inline const char *book_id(const liq_book *b, size_t i) { return b->idbuf + b->idoff[i]; }

#endif
