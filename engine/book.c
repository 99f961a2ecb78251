/*
 * book.c — loading a book of accounts: CSV (through csvread.c) or NDJSON
 * (one account per line, through jansson).
 *
 * Owns what a book's rows mean and the rules that make one account of
 * them (book.h, docs/replay.md): an account's rows are adjacent and
 * share its collateral and mode; its positions in one market are netted
 * into one entry, and a netting that would leave an entry price at or
 * below zero is refused rather than replayed. Every number is read as
 * exact decimal text: JSON decimals must be strings or integers (a JSON
 * real would already have passed through a binary float in the parser,
 * so it is refused with a message).
 */
#include "book.h"
#include "calc.h"
#include "csvread.h"
#include "fileio.h"
#include "mem.h"
#include "policy.h"
#include "schema.h"
#include "scenario.h"
#include "strset.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- decimal columns --------------------------------------------------- */

static bool fits64(liq_dec v)
{
    return v.raw >= INT64_MIN && v.raw <= INT64_MAX;
}

static bool grow_arr(void **p, size_t cap, size_t size)
{
    void *q = mem_realloc(*p, cap * size);
    if (!q)
        return false;
    *p = q;
    return true;
}

static bool dec_grow(book_dec *c, size_t cap)
{
    return c->w ? grow_arr((void **)&c->w, cap, sizeof *c->w)
                : grow_arr((void **)&c->n, cap, sizeof *c->n);
}

/* Value i of a column whose first count values are set and room is cap:
 * a value past 64 bits turns the column wide, once. false on ENOMEM
 * (the column unchanged). */
static bool dec_put(book_dec *c, size_t i, liq_dec v, size_t count, size_t cap)
{
    if (c->w) {
        c->w[i] = v;
        return true;
    }
    if (fits64(v)) {
        c->n[i] = (int64_t)v.raw;
        return true;
    }
    liq_dec *w = mem_malloc(cap * sizeof *w);
    if (!w)
        return false;
    for (size_t k = 0; k < count; k++)
        w[k] = (liq_dec){c->n[k]};
    free(c->n);
    c->n = NULL;
    c->w = w;
    w[i] = v;
    return true;
}

static void dec_free(book_dec *c)
{
    free(c->n);
    free(c->w);
}

/* ---- the book ------------------------------------------------------------ */

static const char *market_key(const void *b, size_t i)
{
    return ((const liq_book *)b)->markets[i];
}

static const char *asset_key(const void *b, size_t i)
{
    return ((const liq_book *)b)->assets[i];
}

liq_book *book_new(size_t cap)
{
    liq_book *b = mem_calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->cap = cap ? cap : 16;
    b->idcap = b->cap * 8;
    b->mset = (strset)STRSET_INIT(market_key, b);
    b->aset = (strset)STRSET_INIT(asset_key, b);
    b->idbuf = mem_malloc(b->idcap);
    b->idoff = mem_malloc(b->cap * sizeof *b->idoff);
    b->collateral.n = mem_malloc(b->cap * sizeof(int64_t));
    b->size.n = mem_malloc(b->cap * sizeof(int64_t));
    b->entry.n = mem_malloc(b->cap * sizeof(int64_t));
    b->lev.n = mem_malloc(b->cap * sizeof(int64_t));
    b->mode = mem_malloc(b->cap);
    b->side = mem_malloc(b->cap);
    if (!b->idbuf || !b->idoff || !b->collateral.n || !b->size.n || !b->entry.n || !b->lev.n ||
        !b->mode || !b->side) {
        liq_book_free(b);
        return NULL;
    }
    return b;
}

void liq_book_free(liq_book *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->nmarkets; i++)
        free(b->markets[i]);
    free(b->markets);
    strset_free(&b->mset);
    free(b->path);
    free(b->idbuf);
    free(b->idoff);
    dec_free(&b->collateral);
    dec_free(&b->size);
    dec_free(&b->entry);
    dec_free(&b->lev);
    free(b->mode);
    free(b->side);
    free(b->market);
    free(b->line);
    for (size_t i = 0; i < b->nassets; i++)
        free(b->assets[i]);
    free(b->assets);
    strset_free(&b->aset);
    free(b->ca_entry);
    free(b->ca_off);
    free(b->ca_count);
    free(b->ca_asset);
    free(b->ca_amount);
    free(b);
}

size_t liq_book_accounts(const liq_book *b)
{
    return b->accounts;
}

static bool grow(liq_book *b)
{
    size_t c = b->cap * 2;
    if (!grow_arr((void **)&b->idoff, c, sizeof *b->idoff) || !dec_grow(&b->collateral, c) ||
        !dec_grow(&b->size, c) || !dec_grow(&b->entry, c) || !dec_grow(&b->lev, c) ||
        !grow_arr((void **)&b->mode, c, 1) || !grow_arr((void **)&b->side, c, 1) ||
        (b->market && !grow_arr((void **)&b->market, c, sizeof *b->market)) ||
        (b->line && !grow_arr((void **)&b->line, c, sizeof *b->line)))
        return false;
    b->cap = c;
    return true;
}

/* 1 + the index of name in names (n of them, room for cap; set finds
 * them), added as an owned copy if new; 0 on ENOMEM. One rule for the
 * book's market symbols and its collateral assets: each held once. */
static uint32_t intern_name(char ***names, size_t *n, size_t *cap, strset *set, const char *name)
{
    long k = strset_find(set, name);
    if (k >= 0)
        return (uint32_t)k + 1;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 4;
        if (!grow_arr((void **)names, c, sizeof **names))
            return 0;
        *cap = c;
    }
    char *copy = mem_strdup(name);
    if (!copy)
        return 0;
    (*names)[*n] = copy;
    if (!strset_add(set, *n)) {
        free(copy);
        return 0;
    }
    return (uint32_t)++*n;
}

static uint32_t intern_market(liq_book *b, const char *symbol)
{
    return intern_name(&b->markets, &b->nmarkets, &b->capmarkets, &b->mset, symbol);
}

/* Appends an entry; market may be NULL, line 0 (a built book). */
static bool add_entry(liq_book *b, const char *id, const char *market, int line, liq_dec collateral,
                      int mode, int side, liq_dec size, liq_dec entry, liq_dec lev)
{
    if (b->n == b->cap && !grow(b))
        return false;
    size_t i = b->n;
    bool new_account = i == 0 || strcmp(book_id(b, i - 1), id) != 0;
    if (new_account) {
        size_t len = strlen(id) + 1;
        if (b->idlen + len > UINT32_MAX)
            return false;
        while (b->idlen + len > b->idcap) {
            if (!grow_arr((void **)&b->idbuf, b->idcap * 2, 1))
                return false;
            b->idcap *= 2;
        }
        memcpy(b->idbuf + b->idlen, id, len);
        b->idoff[i] = (uint32_t)b->idlen;
        b->idlen += len;
    } else {
        b->idoff[i] = b->idoff[i - 1];    /* the account's one copy */
    }
    uint32_t mk = 0;
    if (market && *market) {
        if (!b->market && !(b->market = mem_calloc(b->cap, sizeof *b->market)))
            return false;
        if (!(mk = intern_market(b, market)))
            return false;
    }
    if (line && !b->line && !(b->line = mem_calloc(b->cap, sizeof *b->line)))
        return false;
    if (!dec_put(&b->collateral, i, collateral, i, b->cap) || !dec_put(&b->size, i, size, i, b->cap) ||
        !dec_put(&b->entry, i, entry, i, b->cap) || !dec_put(&b->lev, i, lev, i, b->cap))
        return false;
    b->mode[i] = (unsigned char)mode;
    b->side[i] = (signed char)side;
    if (b->market)
        b->market[i] = mk;
    if (b->line)
        b->line[i] = line;
    b->n++;
    b->accounts += new_account;
    return true;
}

bool book_add(liq_book *b, const char *id, liq_dec collateral, int mode, int side, liq_dec size,
              liq_dec entry, liq_dec lev)
{
    return add_entry(b, id, NULL, 0, collateral, mode, side, size, entry, lev);
}

/* ---- collateral assets: the side table ------------------------------- */

static uint32_t intern_asset(liq_book *b, const char *asset)
{
    return intern_name(&b->assets, &b->nassets, &b->capassets, &b->aset, asset);
}

bool book_add_casset(liq_book *b, size_t entry, const char *asset, liq_dec amount)
{
    if (!b->nca || b->ca_entry[b->nca - 1] != entry) {
        if (b->nca == b->capca) {
            size_t c = b->capca ? b->capca * 2 : 16;
            if (!grow_arr((void **)&b->ca_entry, c, sizeof *b->ca_entry) ||
                !grow_arr((void **)&b->ca_off, c, sizeof *b->ca_off) ||
                !grow_arr((void **)&b->ca_count, c, 1))
                return false;
            b->capca = c;
        }
        b->ca_entry[b->nca] = (uint32_t)entry;
        b->ca_off[b->nca] = (uint32_t)b->ncaitems;
        b->ca_count[b->nca] = 0;
        b->nca++;
    }
    if (b->ncaitems == b->capcaitems) {
        size_t c = b->capcaitems ? b->capcaitems * 2 : 32;
        if (!grow_arr((void **)&b->ca_asset, c, sizeof *b->ca_asset) ||
            !grow_arr((void **)&b->ca_amount, c, sizeof *b->ca_amount))
            return false;
        b->capcaitems = c;
    }
    uint32_t a = intern_asset(b, asset);
    if (!a)
        return false;
    b->ca_asset[b->ncaitems] = a;
    b->ca_amount[b->ncaitems] = amount;
    b->ncaitems++;
    b->ca_count[b->nca - 1]++;
    return true;
}

long book_cassets_of(const liq_book *b, size_t i)
{
    size_t lo = 0, hi = b->nca;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->ca_entry[mid] < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < b->nca && b->ca_entry[lo] == i ? (long)lo : -1;
}

/* ---- one account's positions ----------------------------------------- */

/* The outcome of adding a position to an account. */
typedef enum pos_result { POS_OK, POS_NOMEM, POS_OVERFLOW, POS_ENTRY } pos_result;

/* Net a further position into entry i: signed sizes add, and the entry
 * is the size-weighted one, so PnL(P) is unchanged. A reduction at a
 * better price than the entry moves the net entry past zero (long 2 @100
 * and short 1 @300 net to long 1 @-100): that realized profit has no
 * place in one entry, so it is refused (POS_ENTRY, *net_entry set). */
static pos_result net_into(liq_book *b, size_t i, int side, liq_dec size, liq_dec entry,
                           liq_dec *net_entry)
{
    calc c = {LIQ_OK, NULL};
    liq_dec s1 = b->side[i] < 0 ? liq_dec_neg(book_size(b, i)) : book_size(b, i);
    liq_dec s2 = side < 0 ? liq_dec_neg(size) : size;
    liq_dec net = c_add(&c, s1, s2);
    if (c.st == LIQ_OK && d_zero(net)) {
        b->side[i] = 0;
        return dec_put(&b->size, i, LIQ_DEC_ZERO, b->n, b->cap) ? POS_OK : POS_NOMEM;
    }
    /* sum(s_k * E_k) / net */
    liq_dec num = c_add(&c, c_mul(&c, s1, book_entry(b, i)), c_mul(&c, s2, entry));
    liq_dec e = c_div(&c, num, net);
    if (c.st != LIQ_OK)
        return POS_OVERFLOW;
    if (!d_pos(e)) {
        *net_entry = e;
        return POS_ENTRY;
    }
    if (!dec_put(&b->entry, i, e, b->n, b->cap) ||
        !dec_put(&b->size, i, liq_dec_abs(net), b->n, b->cap))
        return POS_NOMEM;
    b->side[i] = d_pos(net) ? 1 : -1;
    return POS_OK;
}

static bool same_market(const char *a, const char *b)
{
    if (!a || !*a || !b || !*b)
        return (!a || !*a) && (!b || !*b);
    return strcmp(a, b) == 0;
}

/* Adds a position to the account whose entries start at first (a new
 * account when first == b->n): into its entry for market, or as a new
 * entry of the account. */
static pos_result add_position(liq_book *b, size_t first, const char *id, const char *market,
                               int line, liq_dec coll, int mode, int side, liq_dec size,
                               liq_dec entry, liq_dec lev, liq_dec *net_entry)
{
    for (size_t i = first; i < b->n; i++)
        if (same_market(book_market_of(b, i), market))
            return net_into(b, i, side, size, entry, net_entry);
    return add_entry(b, id, market, line, coll, mode, side, size, entry, lev) ? POS_OK
                                                                                : POS_NOMEM;
}

static int parse_mode(const char *s)
{
    return s && strcmp(s, "cross") == 0 ? MODE_CROSS : s && strcmp(s, "isolated") == 0 ? MODE_ISOLATED : -1;
}

static int parse_side(const char *s)
{
    return s && strcmp(s, "long") == 0 ? 1 : s && strcmp(s, "short") == 0 ? -1 : 0;
}

static const char *entry_id(const void *b, size_t i)
{
    return book_id(b, i);
}

/* What both formats share while loading: the book, where messages go,
 * and the accounts seen (an id may begin only one account). */
typedef struct loading {
    liq_book *b;
    liq_diags *d;
    strset seen;        /* the first entry of each account */
} loading;

__attribute__((format(printf, 5, 6))) static bool fail(loading *l, liq_status code, int line,
                                                        int col, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    liq_diags_add(l->d, LIQ_SEV_ERROR, code, l->b->path, line, col, "%s", msg);
    return false;
}

static bool begin_account(loading *l, size_t first)
{
    if (strset_add(&l->seen, first))
        return true;
    return fail(l, LIQ_ENOMEM, 0, 0, "out of memory");
}

/* ---- CSV ------------------------------------------------------------- */

enum { B_ID, B_COLL, B_MODE, B_SIDE, B_SIZE, B_ENTRY, B_LEV, B_MARKET, BNCOL };
static const char *const book_cols[BNCOL] = {"id",   "collateral",  "mode",     "side",
                                             "size", "entry_price", "leverage", "market"};
#define BOOK_HEADER "id,collateral,mode,side,size,entry_price,leverage[,market][,collateral.ASSET...]"
#define ASSET_PREFIX "collateral."

typedef struct csv_loading {
    loading l;
    bool header;
    int col[BNCOL];
    size_t nf;
    size_t first;       /* the current account's first entry */
    /* collateral.ASSET columns: their fields and assets */
    size_t nasset;
    int acol[LIQ_MAX_COLLATERAL_ASSETS];
    char aname[LIQ_MAX_COLLATERAL_ASSETS][BOOK_MAX_ASSET + 1];
} csv_loading;

/* A collateral.ASSET column of the header: its asset, checked. */
static bool csv_asset_column(csv_loading *c, const csvr_field *f, size_t i)
{
    loading *l = &c->l;
    char q[200];
    const char *asset = f->text + strlen(ASSET_PREFIX);
    size_t len = f->len - strlen(ASSET_PREFIX);
    csvr_quote(f->text, f->len, q);
    if (len == 0)
        return fail(l, LIQ_EINPUT, f->line, f->col,
                    "column \"%s\": name the collateral asset after the dot (collateral.ETH)", q);
    if (len > BOOK_MAX_ASSET)
        return fail(l, LIQ_EINPUT, f->line, f->col,
                    "column \"%s\": an asset's symbol is at most %d bytes (docs/limits.md)", q,
                    BOOK_MAX_ASSET);
    for (size_t k = 0; k < c->nasset; k++)
        if (strcasecmp(c->aname[k], asset) == 0)
            return fail(l, LIQ_EINPUT, f->line, f->col,
                        "column \"%s\" names the asset of column \"" ASSET_PREFIX "%s\" again", q,
                        c->aname[k]);
    if (c->nasset == LIQ_MAX_COLLATERAL_ASSETS)
        return fail(l, LIQ_EINPUT, f->line, f->col,
                    "column \"%s\": more than %d collateral assets; a book names at most %d "
                    "(docs/limits.md)", q, LIQ_MAX_COLLATERAL_ASSETS, LIQ_MAX_COLLATERAL_ASSETS);
    memcpy(c->aname[c->nasset], asset, len + 1);
    c->acol[c->nasset++] = (int)i;
    return true;
}

static bool csv_header(csv_loading *c, const csvr_row *row)
{
    loading *l = &c->l;
    if (strcmp(row->f[0].text, "id") != 0)
        return fail(l, LIQ_EINPUT, row->line, 1, "expected the header \"" BOOK_HEADER "\"");
    for (int k = 0; k < BNCOL; k++)
        c->col[k] = -1;
    for (size_t i = 0; i < row->n; i++) {
        const csvr_field *f = &row->f[i];
        if (strncmp(f->text, ASSET_PREFIX, strlen(ASSET_PREFIX)) == 0) {
            if (!csv_asset_column(c, f, i))
                return false;
            continue;
        }
        int k = 0;
        while (k < BNCOL && strcmp(f->text, book_cols[k]) != 0)
            k++;
        char q[200];
        if (k == BNCOL) {
            const char *s = schema_suggest(f->text, book_cols, BNCOL);
            return fail(l, LIQ_EINPUT, f->line, f->col,
                        "unknown column \"%s\"%s%s%s; a book's columns are " BOOK_HEADER,
                        csvr_quote(f->text, f->len, q), s ? " (did you mean \"" : "",
                        s ? s : "", s ? "\"?)" : "");
        }
        if (c->col[k] >= 0)
            return fail(l, LIQ_EINPUT, f->line, f->col, "column \"%s\" is named twice",
                        book_cols[k]);
        c->col[k] = (int)i;
    }
    for (int k = 0; k < B_MARKET; k++)
        if (c->col[k] < 0)
            return fail(l, LIQ_EINPUT, row->line, 1,
                        "the header lacks the column \"%s\"; a book's columns are " BOOK_HEADER,
                        book_cols[k]);
    c->header = true;
    c->nf = row->n;
    return true;
}

static const csvr_field *col_field(const csv_loading *c, const csvr_row *row, int k)
{
    return c->col[k] >= 0 ? &row->f[c->col[k]] : NULL;
}

static bool csv_row(void *ud, const csvr_row *row)
{
    csv_loading *c = ud;
    loading *l = &c->l;
    liq_book *b = l->b;
    if (!c->header)
        return csv_header(c, row);
    char q[200];
    if (row->n != c->nf)
        return fail(l, LIQ_EINPUT, row->line, row->n > c->nf ? row->f[c->nf].col : 1,
                    "expected %zu fields (as the header), got %zu", c->nf, row->n);
    const csvr_field *fid = col_field(c, row, B_ID), *fmk = col_field(c, row, B_MARKET);
    /* An empty id would read as the previous row's account: with no
     * account before it, netting wrote before the arrays. */
    if (fid->len == 0)
        return fail(l, LIQ_EINPUT, fid->line, fid->col,
                    "id: expected an account id, got an empty field");
    if (fid->len > BOOK_MAX_ID)
        return fail(l, LIQ_EINPUT, fid->line, fid->col,
                    "id: longer than %d bytes (docs/limits.md)", BOOK_MAX_ID);
    if (fmk && fmk->len > BOOK_MAX_MARKET)
        return fail(l, LIQ_EINPUT, fmk->line, fmk->col,
                    "market: longer than %d bytes (docs/limits.md)", BOOK_MAX_MARKET);
    static const int dcols[] = {B_COLL, B_SIZE, B_ENTRY, B_LEV};
    liq_dec v[BNCOL];
    for (size_t k = 0; k < 4; k++) {
        int col = dcols[k];
        const csvr_field *f = col_field(c, row, col);
        csvr_quote(f->text, f->len, q);
        if (liq_dec_parse(f->text, f->len, &v[col]) != LIQ_OK)
            return fail(l, LIQ_EINPUT, f->line, f->col, "%s: expected a decimal, got \"%s\"",
                        book_cols[col], q);
    }
    const csvr_field *fmo = col_field(c, row, B_MODE), *fsi = col_field(c, row, B_SIDE);
    int mode = parse_mode(fmo->text), side = parse_side(fsi->text);
    if (mode < 0)
        return fail(l, LIQ_EINPUT, fmo->line, fmo->col,
                    "mode: expected isolated or cross, got \"%s\"",
                    csvr_quote(fmo->text, fmo->len, q));
    if (!side)
        return fail(l, LIQ_EINPUT, fsi->line, fsi->col, "side: expected long or short, got \"%s\"",
                    csvr_quote(fsi->text, fsi->len, q));
    /* The NDJSON loader's rule: size and entry_price > 0, leverage >= 1,
     * collateral >= 0. */
    for (size_t k = 0; k < 4; k++) {
        int col = dcols[k];
        const csvr_field *f = col_field(c, row, col);
        bool ok = col == B_COLL    ? !d_neg(v[col])
                  : col == B_LEV   ? liq_dec_cmp(v[col], liq_dec_from_int(1)) >= 0
                                   : d_pos(v[col]);
        if (!ok)
            return fail(l, LIQ_EINPUT, f->line, f->col, "%s: expected a decimal %s, got \"%s\"",
                        book_cols[col], col == B_COLL ? ">= 0" : col == B_LEV ? ">= 1" : "> 0",
                        csvr_quote(f->text, f->len, q));
    }
    /* Collateral assets: an amount per column, empty (or 0) where the
     * account holds none of it; held ones back a cross account. */
    liq_dec amt[LIQ_MAX_COLLATERAL_ASSETS];
    for (size_t k = 0; k < c->nasset; k++) {
        const csvr_field *f = &row->f[c->acol[k]];
        amt[k] = LIQ_DEC_ZERO;
        if (f->len == 0)
            continue;
        if (liq_dec_parse(f->text, f->len, &amt[k]) != LIQ_OK || d_neg(amt[k]))
            return fail(l, LIQ_EINPUT, f->line, f->col,
                        ASSET_PREFIX "%s: expected the amount of %s held, a decimal >= 0 (empty: "
                        "none), got \"%s\"", c->aname[k], c->aname[k],
                        csvr_quote(f->text, f->len, q));
        if (d_pos(amt[k]) && mode != MODE_CROSS)
            return fail(l, LIQ_EINPUT, f->line, f->col,
                        ASSET_PREFIX "%s: collateral assets back a cross account; account \"%s\" "
                        "is isolated", c->aname[k], csvr_quote(fid->text, fid->len, q));
    }
    const char *market = fmk && fmk->len ? fmk->text : NULL;
    bool continues = b->n > 0 && strcmp(book_id(b, c->first), fid->text) == 0;
    if (continues) {
        /* One account, one collateral and one mode: a row that says
         * otherwise is a mistake to show, not a value to ignore. */
        char had[LIQ_DEC_STRLEN], got[LIQ_DEC_STRLEN];
        const csvr_field *fc = col_field(c, row, B_COLL);
        if (liq_dec_cmp(v[B_COLL], book_collateral(b, c->first)) != 0) {
            liq_dec_format(book_collateral(b, c->first), had);
            liq_dec_format(v[B_COLL], got);
            return fail(l, LIQ_EINPUT, fc->line, fc->col,
                        "collateral: %s differs from %s on line %d, where account \"%s\" "
                        "begins; an account has one collateral, given on each of its rows",
                        got, had, book_line(b, c->first), csvr_quote(fid->text, fid->len, q));
        }
        if (mode != b->mode[c->first])
            return fail(l, LIQ_EINPUT, fmo->line, fmo->col,
                        "mode: %s differs from %s on line %d, where account \"%s\" begins; an "
                        "account has one margin mode",
                        fmo->text, b->mode[c->first] == MODE_CROSS ? "cross" : "isolated",
                        book_line(b, c->first), csvr_quote(fid->text, fid->len, q));
        long ca = c->nasset ? book_cassets_of(b, c->first) : -1;
        for (size_t k = 0; k < c->nasset; k++) {
            liq_dec was = LIQ_DEC_ZERO;
            for (size_t j = 0; ca >= 0 && j < b->ca_count[ca]; j++)
                if (strcmp(book_asset_name(b, b->ca_off[ca] + j), c->aname[k]) == 0)
                    was = b->ca_amount[b->ca_off[ca] + j];
            if (liq_dec_cmp(was, amt[k]) != 0) {
                const csvr_field *f = &row->f[c->acol[k]];
                liq_dec_format(was, had);
                liq_dec_format(amt[k], got);
                return fail(l, LIQ_EINPUT, f->line, f->col,
                            ASSET_PREFIX "%s: %s differs from %s on line %d, where account \"%s\" "
                            "begins; an account's collateral assets are given on each of its rows",
                            c->aname[k], got, had, book_line(b, c->first),
                            csvr_quote(fid->text, fid->len, q));
            }
        }
    } else {
        long was = strset_find(&l->seen, fid->text);
        if (was >= 0)
            return fail(l, LIQ_EINPUT, fid->line, fid->col,
                        "id: account \"%s\" began on line %d and other accounts' rows came "
                        "between; an account's rows must be adjacent",
                        csvr_quote(fid->text, fid->len, q), book_line(b, (size_t)was));
        c->first = b->n;
    }
    liq_dec e;
    pos_result r = add_position(b, c->first, fid->text, market, row->line, v[B_COLL], mode, side,
                                v[B_SIZE], v[B_ENTRY], v[B_LEV], &e);
    if (r == POS_ENTRY) {
        const csvr_field *fe = col_field(c, row, B_ENTRY);
        char es[LIQ_DEC_STRLEN];
        liq_dec_format(e, es);
        return fail(l, LIQ_EINPUT, fe->line, fe->col,
                    "entry_price: netted with the account's earlier rows this position leaves "
                    "an entry price of %s, not > 0 (a profit realized by the reduction); write "
                    "the account's net position as one row",
                    es);
    }
    if (r == POS_OVERFLOW)
        return fail(l, LIQ_EOVERFLOW, row->line, 1, "overflow while netting the account's rows");
    if (r == POS_NOMEM)
        return fail(l, LIQ_ENOMEM, row->line, 1, "out of memory");
    for (size_t k = 0; !continues && k < c->nasset; k++)
        if (d_pos(amt[k]) && !book_add_casset(b, c->first, c->aname[k], amt[k]))
            return fail(l, LIQ_ENOMEM, row->line, 1, "out of memory");
    return continues || begin_account(l, c->first);
}

static bool load_csv(loading *l, const fio_buf *buf)
{
    csv_loading c = {.l = *l};
    bool ok = csvr_read(l->b->path, buf->data, buf->len, csv_row, &c, l->d);
    l->seen = c.l.seen;
    return ok;
}

/* ---- NDJSON ---------------------------------------------------------- */

static bool json_dec(json_t *v, liq_dec *out, const char **why)
{
    if (json_is_string(v)) {
        if (liq_dec_from_str(json_string_value(v), out) == LIQ_OK)
            return true;
        *why = "not a decimal";
        return false;
    }
    if (json_is_integer(v)) {
        *out = liq_dec_from_int((int64_t)json_integer_value(v));
        return true;
    }
    *why = json_is_real(v) ? "a JSON real is not exact; write the decimal as a string"
                           : "expected a decimal string";
    return false;
}

/* The first key of o not in allowed (NULL-terminated), or NULL. */
static const char *unknown_key(json_t *o, const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], k) != 0)
            i++;
        if (!allowed[i])
            return k;
    }
    return NULL;
}

static const char *const account_keys[] = {"id", "collateral", "mode", "positions",
                                           "collateral_assets", NULL};
static const char *const casset_keys[] = {"asset", "amount", NULL};

/* An account's collateral_assets: [{asset, amount}], as a scenario's
 * account.collateral_assets (at most 16, each asset once, amounts > 0),
 * checked into names and amounts. NULL when fine, else what is wrong. */
static const char *ndjson_cassets(json_t *ca, int mode, const char **name, liq_dec *amount,
                                  size_t *n, char *buf, size_t cap)
{
    const char *why = NULL;
    *n = 0;
    if (!json_is_array(ca))
        return "expected a list of {\"asset\", \"amount\"}";
    if (json_array_size(ca) > LIQ_MAX_COLLATERAL_ASSETS) {
        snprintf(buf, cap, "%zu assets, more than the limit of %d (docs/limits.md)",
                 json_array_size(ca), LIQ_MAX_COLLATERAL_ASSETS);
        return buf;
    }
    if (json_array_size(ca) && mode != MODE_CROSS)
        return "collateral assets back a cross account; set \"mode\": \"cross\"";
    for (size_t k = 0; k < json_array_size(ca); k++) {
        json_t *a = json_array_get(ca, k);
        const char *bad, *asset = json_string_value(json_object_get(a, "asset"));
        char q[200];
        if (!json_is_object(a))
            return "expected an object {\"asset\", \"amount\"}";
        if ((bad = unknown_key(a, casset_keys))) {
            snprintf(buf, cap, "unknown key \"%s\"; expected asset, amount",
                     csvr_quote(bad, strlen(bad), q));
            return buf;
        }
        if (!asset || !asset[0])
            return "asset: expected the asset's symbol (a string)";
        if (strlen(asset) > BOOK_MAX_ASSET)
            return "asset: longer than 23 bytes (docs/limits.md)";
        if (!json_dec(json_object_get(a, "amount"), &amount[k], &why)) {
            snprintf(buf, cap, "amount: %s", why);
            return buf;
        }
        if (!d_pos(amount[k]))
            return "amount: expected a decimal > 0 (the units of the asset held)";
        for (size_t j = 0; j < k; j++)
            if (strcasecmp(name[j], asset) == 0) {
                snprintf(buf, cap, "%s is listed twice", csvr_quote(asset, strlen(asset), q));
                return buf;
            }
        name[k] = asset;
        *n = k + 1;
    }
    return NULL;
}
static const char *const position_keys[] = {"side", "size", "entry_price", "leverage", "market",
                                            NULL};

/* One line, one account. Returns false with an error at line ln. */
static bool ndjson_account(loading *l, json_t *o, int ln)
{
    liq_book *b = l->b;
    char q[200], why_buf[300];
    const char *why = NULL, *key = NULL, *bad;
    liq_dec coll, size, entry, lev;
    const char *id = json_string_value(json_object_get(o, "id"));
    int mode = parse_mode(json_string_value(json_object_get(o, "mode")));
    json_t *ps = json_object_get(o, "positions");
    if ((bad = unknown_key(o, account_keys))) {
        return fail(l, LIQ_EINPUT, ln, 1,
                    "unknown key \"%s\" in an account; expected id, collateral, mode, positions, "
                    "collateral_assets (a position's market goes inside the position)",
                    csvr_quote(bad, strlen(bad), q));
    }
    if (!id)
        key = "id", why = "missing (a string)";
    else if (!id[0])
        key = "id", why = "expected an account id, got an empty string";
    else if (strlen(id) > BOOK_MAX_ID)
        key = "id", why = "longer than 255 bytes (docs/limits.md)";
    else if (!json_dec(json_object_get(o, "collateral"), &coll, &why))
        key = "collateral";
    else if (d_neg(coll))
        key = "collateral", why = "expected a decimal >= 0";
    else if (mode < 0)
        key = "mode", why = "expected \"isolated\" or \"cross\"";
    else if (!json_is_array(ps) || json_array_size(ps) == 0)
        key = "positions", why = "expected a non-empty list";
    const char *aname[LIQ_MAX_COLLATERAL_ASSETS];
    liq_dec aamt[LIQ_MAX_COLLATERAL_ASSETS];
    size_t na = 0;
    json_t *ca = json_object_get(o, "collateral_assets");
    if (!key && ca && (why = ndjson_cassets(ca, mode, aname, aamt, &na, why_buf, sizeof why_buf)))
        key = "collateral_assets";
    if (!key) {
        long was = strset_find(&l->seen, id);
        if (was >= 0) {
            snprintf(why_buf, sizeof why_buf,
                     "account \"%s\" is already on line %d; one line holds all of an account's "
                     "positions",
                     csvr_quote(id, strlen(id), q), book_line(b, (size_t)was));
            key = "id", why = why_buf;
        }
    }
    size_t first = b->n;
    for (size_t k = 0; !key && k < json_array_size(ps); k++) {
        json_t *p = json_array_get(ps, k);
        int side = parse_side(json_string_value(json_object_get(p, "side")));
        json_t *mk = json_object_get(p, "market");
        const char *market = json_string_value(mk);
        liq_dec e;
        if (!json_is_object(p))
            key = "positions[]", why = "expected an object";
        else if ((bad = unknown_key(p, position_keys))) {
            snprintf(why_buf, sizeof why_buf,
                     "unknown key \"%s\"; expected side, size, entry_price, leverage, market",
                     csvr_quote(bad, strlen(bad), q));
            key = "positions[]", why = why_buf;
        } else if (!side)
            key = "positions[].side", why = "expected \"long\" or \"short\"";
        else if (!json_dec(json_object_get(p, "size"), &size, &why))
            key = "positions[].size";
        else if (!json_dec(json_object_get(p, "entry_price"), &entry, &why))
            key = "positions[].entry_price";
        else if (!json_dec(json_object_get(p, "leverage"), &lev, &why))
            key = "positions[].leverage";
        else if (!d_pos(size) || !d_pos(entry) || liq_dec_cmp(lev, liq_dec_from_int(1)) < 0)
            key = "positions[]", why = "size and entry_price must be > 0, leverage >= 1";
        else if (mk && !market)
            key = "positions[].market", why = "expected a market symbol (a string)";
        else if (market && strlen(market) > BOOK_MAX_MARKET)
            key = "positions[].market", why = "longer than 64 bytes (docs/limits.md)";
        else {
            pos_result r = add_position(b, first, id, market, ln, coll, mode, side, size, entry,
                                        lev, &e);
            char es[LIQ_DEC_STRLEN];
            if (r == POS_ENTRY) {
                liq_dec_format(e, es);
                snprintf(why_buf, sizeof why_buf,
                         "netted with the account's earlier positions this one leaves an "
                         "entry price of %s, not > 0 (a profit realized by the reduction); "
                         "give the account's net position",
                         es);
                key = "positions[].entry_price", why = why_buf;
            } else if (r != POS_OK) {
                key = "positions[]";
                why = r == POS_NOMEM ? "out of memory" : "overflow while netting";
            }
        }
    }
    if (key)
        return fail(l, LIQ_EINPUT, ln, 1, "%s: %s", key, why);
    for (size_t k = 0; k < na; k++)
        if (!book_add_casset(b, first, aname[k], aamt[k]))
            return fail(l, LIQ_ENOMEM, ln, 1, "out of memory");
    return begin_account(l, first);
}

static bool load_ndjson(loading *l, const fio_buf *buf)
{
    const char *s = buf->data, *end = buf->data + buf->len;
    for (int ln = 1; s < end; ln++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t len = (size_t)((nl ? nl : end) - s);
        const char *line = s;
        s = nl ? nl + 1 : end;
        size_t blank = 0;
        while (blank < len && (line[blank] == ' ' || line[blank] == '\t' || line[blank] == '\r'))
            blank++;
        if (blank == len || line[0] == '#')
            continue;
        json_error_t je;
        json_t *o = json_loadb(line, len, 0, &je);
        if (!o || !json_is_object(o)) {
            char q[200];
            fail(l, LIQ_EINPUT, ln, o ? 1 : je.column, "expected a JSON object per line%s%s",
                 o ? "" : ": ", o ? "" : csvr_quote(je.text, strlen(je.text), q));
            json_decref(o);
            return false;
        }
        bool ok = ndjson_account(l, o, ln);
        json_decref(o);
        if (!ok)
            return false;
    }
    return true;
}

/* ---- loading ---------------------------------------------------------- */

/* The format: by the file's name, or, for standard input, by its first
 * character that is not blank or in a comment line ('{': NDJSON). */
static bool is_csv(const char *path, const fio_buf *buf)
{
    size_t len = strlen(path);
    if (strcmp(path, "-") != 0)
        return len > 4 && strcmp(path + len - 4, ".csv") == 0;
    for (size_t i = 0; i < buf->len; i++) {
        char c = buf->data[i];
        if (c == '#') {
            const char *nl = memchr(buf->data + i, '\n', buf->len - i);
            if (!nl)
                break;
            i = (size_t)(nl - buf->data);
        } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            return c != '{';
        }
    }
    return true;
}

static liq_book *load_book(const char *path, liq_diags *d)
{
    fio_buf buf;
    if (fio_read(path, FIO_BOOK, NULL, &buf, d) != LIQ_OK)
        return NULL;
    liq_book *b = book_new(1024);
    if (!b || !(b->path = mem_strdup(fio_display_name(path)))) {
        free(buf.data);
        liq_book_free(b);
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, fio_display_name(path), 0, 0, "out of memory");
        return NULL;
    }
    loading l = {b, d, STRSET_INIT(entry_id, b)};
    bool ok = is_csv(path, &buf) ? load_csv(&l, &buf) : load_ndjson(&l, &buf);
    strset_free(&l.seen);
    free(buf.data);
    if (ok && b->n == 0) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, b->path, 1, 1, "the book holds no account");
        ok = false;
    }
    if (!ok) {
        liq_book_free(b);
        return NULL;
    }
    return b;
}

/* Under mem.h's rule: a call that fails for want of memory says so first. */
liq_book *liq_book_load(const char *path, liq_diags *d)
{
    mem_watch w = mem_watch_start(d);
    liq_book *r = load_book(path, d);
    mem_watch_end(&w, d, r == NULL, path);
    return r;
}

