/*
 * book.h — a book of accounts in memory, for replay (its mark path is
 * markpath.h's).
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
#include "markpath.h"

/* Entries: one per account and market. Rows (CSV) or positions (NDJSON)
 * of one account in one market are netted into one entry; an account
 * with positions in several markets has one entry per market, adjacent
 * and with the same id (docs/replay.md, "The book"). */
struct liq_book {
    char *path;
    size_t n, cap;           /* entries */
    size_t accounts;         /* distinct ids */
    char *idbuf;             /* all ids, NUL-separated */
    size_t idlen, idcap;
    size_t *idoff;           /* offset of entry i's id in idbuf */
    liq_dec *collateral;     /* quote units; the account's, on each of its entries */
    unsigned char *mode;     /* MODE_*; the account's, on each of its entries */
    signed char *side;       /* +1 long, -1 short, 0 flat after netting */
    liq_dec *size;           /* base units, > 0 unless flat */
    liq_dec *entry;          /* > 0: netting that would make it <= 0 is refused */
    liq_dec *lev;
    /* The entry's market as the book writes it (the CSV market column,
     * the NDJSON position's "market"); NULL: the path's market. Owned. */
    char **market;
    int *line;               /* where the entry's first row is written; 0 when built */
};

#define BOOK_MAX_ID 255       /* bytes in an account id (docs/limits.md) */
#define BOOK_MAX_MARKET 64    /* bytes in a market symbol */

/* Building a book in memory (bench, tests): caller owns; liq_book_free. */
liq_book *book_new(size_t cap);
/* Append an entry: an account with one position in the path's market
 * (a new account unless id is the last entry's); false on out of memory. */
bool book_add(liq_book *b, const char *id, liq_dec collateral, int mode, int side, liq_dec size,
              liq_dec entry, liq_dec lev);
static inline const char *book_id(const liq_book *b, size_t i) { return b->idbuf + b->idoff[i]; }

#endif
