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
#include "strset.h"

/* A column of decimals held in 64 bits while every value fits (prices,
 * sizes and leverages of real books do: 9,223,372.036854775807 at 12
 * places), in full 128 bits from the first value that does not: exact
 * either way, half the bytes in the common case. */
typedef struct book_dec {
    int64_t *n;              /* the raws, while narrow */
    liq_dec *w;              /* non-NULL once wide (n freed then) */
} book_dec;

static inline liq_dec book_dec_get(const book_dec *c, size_t i)
{
    return c->w ? c->w[i] : (liq_dec){c->n[i]};
}

/* Entries: one per account and market. Rows (CSV) or positions (NDJSON)
 * of one account in one market are netted into one entry; an account
 * with positions in several markets has one entry per market, adjacent
 * and with the same id (docs/replay.md, "The book"). A replay reads the
 * entries in place (replay.c keeps only what a close changes), so each
 * is small: about 45 bytes and its id. */
struct liq_book {
    char *path;
    size_t n, cap;           /* entries */
    size_t accounts;         /* distinct ids */
    char *idbuf;             /* all ids, NUL-separated, one copy per account */
    size_t idlen, idcap;
    /* Offset of entry i's id in idbuf. 32 bits: a loaded book's ids lie
     * within its file (at most 512 MiB, docs/limits.md), and book_add
     * refuses a built book's past 4 GiB. */
    uint32_t *idoff;
    book_dec collateral;     /* quote units; the account's, on each of its entries */
    book_dec size;           /* base units, > 0 unless flat */
    book_dec entry;          /* > 0: netting that would make it <= 0 is refused */
    book_dec lev;
    unsigned char *mode;     /* MODE_*; the account's, on each of its entries */
    signed char *side;       /* +1 long, -1 short, 0 flat after netting */
    /* The entry's market as the book writes it (the CSV market column,
     * the NDJSON position's "market"): 1 + its index in markets, 0 for
     * the path's market. NULL while no entry names one. Each distinct
     * symbol is held once (markets, owned; mset finds it). */
    uint32_t *market;
    char **markets;
    size_t nmarkets, capmarkets;
    strset mset;
    int *line;               /* where the entry's first row is written; NULL when built */
    /* Collateral assets, for the accounts that hold them (the CSV's
     * collateral.ASSET columns, the NDJSON account's collateral_assets;
     * docs/replay.md): a side table, empty (nca 0) when no account holds
     * one, so the common account costs nothing. Account k of it begins at
     * entry ca_entry[k] (increasing) and holds ca_count[k] assets from
     * ca_off[k]: ca_asset[] (1 + an index in assets, each symbol held
     * once) and ca_amount[] (> 0, in the asset's own units). Its
     * `collateral` is then what it holds in the settlement currency. */
    size_t nca, capca;
    uint32_t *ca_entry, *ca_off;
    unsigned char *ca_count;
    size_t ncaitems, capcaitems;
    uint32_t *ca_asset;
    liq_dec *ca_amount;
    char **assets;
    size_t nassets, capassets;
    strset aset;
};

#define BOOK_MAX_ID 255       /* bytes in an account id (docs/limits.md) */
#define BOOK_MAX_MARKET 64    /* bytes in a market symbol */
#define BOOK_MAX_ASSET 23     /* bytes in a collateral asset's symbol (the result's asset field) */

/* The side table's account for entry i (the first of its account), or
 * -1: a search, asked only of a book that has collateral assets. */
long book_cassets_of(const liq_book *b, size_t i);
static inline const char *book_asset_name(const liq_book *b, size_t item)
{
    return b->assets[b->ca_asset[item] - 1];
}
/* Give the account whose first entry is `entry` (the last account
 * added) the asset `asset` (amount > 0): false on ENOMEM. Building a
 * book in memory (tests) and loading one go through it. */
bool book_add_casset(liq_book *b, size_t entry, const char *asset, liq_dec amount);

/* Building a book in memory (bench, tests): caller owns; liq_book_free. */
liq_book *book_new(size_t cap);
/* Append an entry: an account with one position in the path's market
 * (a new account unless id is the last entry's); false on out of memory. */
bool book_add(liq_book *b, const char *id, liq_dec collateral, int mode, int side, liq_dec size,
              liq_dec entry, liq_dec lev);
static inline const char *book_id(const liq_book *b, size_t i) { return b->idbuf + b->idoff[i]; }
static inline liq_dec book_collateral(const liq_book *b, size_t i) { return book_dec_get(&b->collateral, i); }
static inline liq_dec book_size(const liq_book *b, size_t i) { return book_dec_get(&b->size, i); }
static inline liq_dec book_entry(const liq_book *b, size_t i) { return book_dec_get(&b->entry, i); }
static inline liq_dec book_lev(const liq_book *b, size_t i) { return book_dec_get(&b->lev, i); }
/* Entry i's market symbol as the book writes it; NULL: the path's. */
static inline const char *book_market_of(const liq_book *b, size_t i)
{
    return b->market && b->market[i] ? b->markets[b->market[i] - 1] : NULL;
}
/* The line entry i begins on; 0 for a built book. */
static inline int book_line(const liq_book *b, size_t i) { return b->line ? b->line[i] : 0; }

#endif
