/*
 * markpath.c — reading a mark path (markpath.h): replay's path file and
 * a scenario's path_file, through the one CSV reader (csvread.c).
 *
 * Owns what a path's columns mean and the checks on their values. The
 * first row decides the layout: a decimal in its second field makes it
 * a headerless path (time,mark[,index,last] by position); a row of
 * column names is a header; anything else is refused without quoting
 * it, because a file that is not a path may be a secret a policy or
 * scenario pointed at (docs/limits.md). A first row with a mistyped
 * mark ("5O000") is therefore an error, not a header to skip: both
 * loaders used to disagree on it.
 */
#include "markpath.h"
#include "calc.h"
#include "csvread.h"
#include "fileio.h"
#include "mem.h"
#include "schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { C_TIME, C_MARK, C_INDEX, C_LAST, C_SLIP, C_DEPTH, C_ORACLE, C_FUNDING, C_COLL, NCOL };
static const char *const col_names[NCOL] = {"time",  "mark",   "index",   "last",      "slippage",
                                            "depth", "oracle", "funding", "collateral"};
#define COLUMNS \
    "time, mark[, oracle][, index][, last][, slippage][, depth][, funding][, collateral | " \
    "collateral.ASSET...]"
#define ASSET_PREFIX "collateral."

typedef struct reading {
    liq_path *p;
    size_t cap;
    const char *file;
    liq_diags *d;
    bool started;
    bool header;
    int col[NCOL];    /* field of each column, -1 when absent */
    int acol[LIQ_PATH_MAX_ASSETS];   /* field of each collateral.ASSET column */
    size_t nf;        /* fields every row has */
} reading;

static bool err(reading *r, const csvr_field *f, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool err(reading *r, const csvr_field *f, int line, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    liq_diags_add(r->d, LIQ_SEV_ERROR, LIQ_EINPUT, r->file, f ? f->line : line, f ? f->col : 1,
                  "%s", msg);
    return false;
}

static bool grow(void **p, size_t cap, size_t size)
{
    void *q = mem_realloc(*p, cap * size);
    if (!q)
        return false;
    *p = q;
    return true;
}

/* A header row: every field a column name, none twice, time and mark
 * among them. Returns false with an error when the row tries to be one
 * (it names at least one column) and fails. */
/* A collateral.ASSET column: the asset's price (book.h's collateral
 * assets), its symbol checked. */
static bool asset_column(reading *r, const csvr_field *f, size_t i)
{
    liq_path *p = r->p;
    char q[200];
    const char *asset = f->text + strlen(ASSET_PREFIX);
    size_t len = f->len - strlen(ASSET_PREFIX);
    csvr_quote(f->text, f->len, q);
    if (len == 0)
        return err(r, f, 0, "column \"%s\": name the collateral asset after the dot "
                   "(collateral.ETH)", q);
    if (len > LIQ_PATH_ASSET_LEN)
        return err(r, f, 0, "column \"%s\": an asset's symbol is at most %d bytes "
                   "(docs/limits.md)", q, LIQ_PATH_ASSET_LEN);
    for (size_t k = 0; k < p->nassets; k++)
        if (strcasecmp(p->asset[k], asset) == 0)
            return err(r, f, 0, "column \"%s\" prices the asset of column \"" ASSET_PREFIX
                       "%s\" again", q, p->asset[k]);
    if (p->nassets == LIQ_PATH_MAX_ASSETS)
        return err(r, f, 0, "column \"%s\": more than %d collateral assets; a path prices at "
                   "most %d (docs/limits.md)", q, LIQ_PATH_MAX_ASSETS, LIQ_PATH_MAX_ASSETS);
    memcpy(p->asset[p->nassets], asset, len + 1);
    r->acol[p->nassets++] = (int)i;
    return true;
}

static bool read_header(reading *r, const csvr_row *row)
{
    for (size_t i = 0; i < row->n; i++) {
        const csvr_field *f = &row->f[i];
        if (strncmp(f->text, ASSET_PREFIX, strlen(ASSET_PREFIX)) == 0) {
            if (!asset_column(r, f, i))
                return false;
            continue;
        }
        int k = 0;
        while (k < NCOL && strcmp(f->text, col_names[k]) != 0)
            k++;
        char q[200];
        if (k == NCOL) {
            const char *s = schema_suggest(f->text, col_names, NCOL);
            return err(r, f, 0, "unknown column \"%s\"%s%s%s; a path's columns are " COLUMNS,
                       csvr_quote(f->text, f->len, q), s ? " (did you mean \"" : "",
                       s ? s : "", s ? "\"?)" : "");
        }
        if (r->col[k] >= 0)
            return err(r, f, 0, "column \"%s\" is named twice", col_names[k]);
        r->col[k] = (int)i;
    }
    for (int k = C_TIME; k <= C_MARK; k++)
        if (r->col[k] < 0)
            return err(r, &row->f[0], 0, "the header names no \"%s\" column; a path's columns "
                       "are " COLUMNS, col_names[k]);
    if (r->col[C_COLL] >= 0 && r->p->nassets)
        return err(r, &row->f[r->acol[0]], 0, "a path prices the collateral as one asset that "
                   "every account holds (collateral) or per asset (collateral.ASSET), not both");
    r->header = true;
    r->nf = row->n;
    return true;
}

static bool names_a_column(const csvr_row *row)
{
    for (size_t i = 0; i < row->n; i++)
        if (strncmp(row->f[i].text, ASSET_PREFIX, strlen(ASSET_PREFIX)) == 0)
            return true;
    for (size_t i = 0; i < row->n; i++)
        for (int k = 0; k < NCOL; k++)
            if (strcmp(row->f[i].text, col_names[k]) == 0)
                return true;
    return false;
}

/* The first row: a header, or the first tick of a headerless path. */
static bool read_layout(reading *r, const csvr_row *row)
{
    liq_dec v;
    if (row->n >= 2 && liq_dec_parse(row->f[1].text, row->f[1].len, &v) == LIQ_OK) {
        if (row->n > 4)
            return err(r, &row->f[4], 0, "a path without a header has the columns time, "
                       "mark[, index, last]; name the columns in a header row (" COLUMNS
                       ") to give oracle, slippage, depth, funding or collateral");
        for (int k = 0; k < NCOL; k++)
            r->col[k] = k < (int)row->n && k <= C_LAST ? k : -1;
        r->nf = row->n;
        return true;
    }
    if (names_a_column(row))
        return read_header(r, row);
    return err(r, &row->f[row->n >= 2 ? 1 : 0], 0,
               "not a mark path: the first row is neither a header naming the columns (" COLUMNS
               ") nor time,mark with a decimal mark");
}

/* The value of column k of row, checked against its rule. */
static bool read_value(reading *r, const csvr_row *row, int k, liq_dec *out)
{
    const csvr_field *f = &row->f[r->col[k]];
    char q[200];
    csvr_quote(f->text, f->len, q);
    bool dec = liq_dec_parse(f->text, f->len, out) == LIQ_OK;
    switch (k) {
    case C_MARK:
        if (!dec)
            return err(r, f, 0, "mark: expected a decimal price, got \"%s\"", q);
        if (!d_pos(*out))
            return err(r, f, 0, "mark: expected a price > 0, got \"%s\"", q);
        return true;
    case C_INDEX:
    case C_LAST:
    case C_ORACLE:
    case C_COLL:
        if (!dec || !d_pos(*out))
            return err(r, f, 0, "%s: expected a decimal price > 0, got \"%s\"", col_names[k], q);
        return true;
    case C_SLIP:
        if (!dec || d_neg(*out) || d_gt(*out, liq_dec_from_int(1)))
            return err(r, f, 0, "slippage: expected a decimal between 0 and 1, got \"%s\"", q);
        return true;
    case C_FUNDING:
        /* The rate paid at this tick on the position's value (longs pay
         * when positive); 0 where no funding falls due. */
        if (!dec || d_lt(*out, liq_dec_from_int(-1)) || d_gt(*out, liq_dec_from_int(1)))
            return err(r, f, 0, "funding: expected the rate paid at this tick, a decimal "
                       "between -1 and 1 (0 where none is due), got \"%s\"", q);
        return true;
    case C_DEPTH:
        if (!dec || !d_pos(*out))
            return err(r, f, 0, "depth: expected the quote notional that moves the price 1%%, "
                       "> 0, got \"%s\"", q);
        return true;
    }
    return false;
}

static bool push_tick(reading *r, const csvr_row *row, const liq_dec v[NCOL],
                      const liq_dec *av)
{
    liq_path *p = r->p;
    if (p->n == r->cap) {
        size_t c = r->cap ? r->cap * 2 : 256;
        for (size_t k = 0; k < p->nassets; k++)
            if (!grow((void **)&p->asset_px[k], c, sizeof *p->asset_px[k]))
                return false;
        if (!grow((void **)&p->time, c, sizeof *p->time) ||
            !grow((void **)&p->mark, c, sizeof *p->mark) ||
            !grow((void **)&p->line, c, sizeof *p->line) ||
            !grow((void **)&p->col, c, sizeof *p->col) ||
            !grow((void **)&p->index, c, sizeof *p->index) ||
            !grow((void **)&p->last, c, sizeof *p->last) ||
            !grow((void **)&p->oracle, c, sizeof *p->oracle) ||
            !grow((void **)&p->funding, c, sizeof *p->funding) ||
            !grow((void **)&p->collateral, c, sizeof *p->collateral) ||
            !grow((void **)&p->slippage, c, sizeof *p->slippage) ||
            !grow((void **)&p->depth, c, sizeof *p->depth))
            return false;
        r->cap = c;
    }
    const csvr_field *t = &row->f[r->col[C_TIME]], *m = &row->f[r->col[C_MARK]];
    if (!(p->time[p->n] = mem_strdup(t->text)))
        return false;
    p->mark[p->n] = v[C_MARK];
    p->line[p->n] = m->line;
    p->col[p->n] = m->col;
    p->index[p->n] = v[C_INDEX];
    p->last[p->n] = v[C_LAST];
    p->oracle[p->n] = v[C_ORACLE];
    p->funding[p->n] = v[C_FUNDING];
    p->collateral[p->n] = v[C_COLL];
    p->slippage[p->n] = v[C_SLIP];
    p->depth[p->n] = v[C_DEPTH];
    for (size_t k = 0; k < p->nassets; k++)
        p->asset_px[k][p->n] = av[k];
    p->n++;
    return true;
}

static bool on_row(void *ud, const csvr_row *row)
{
    reading *r = ud;
    if (!r->started) {
        r->started = true;
        if (!read_layout(r, row))
            return false;
        if (r->header)
            return true;
    }
    if (row->n != r->nf) {
        char cols[720] = "";
        size_t used = 0;
        for (size_t i = 0; i < r->nf; i++) {
            for (int k = 0; k < NCOL; k++)
                if (r->col[k] == (int)i)
                    used += (size_t)snprintf(cols + used, sizeof cols - used, "%s%s",
                                             used ? "," : "", col_names[k]);
            for (size_t k = 0; k < r->p->nassets; k++)
                if (r->acol[k] == (int)i)
                    used += (size_t)snprintf(cols + used, sizeof cols - used, "%s" ASSET_PREFIX "%s",
                                             used ? "," : "", r->p->asset[k]);
        }
        return err(r, row->n > r->nf ? &row->f[r->nf] : NULL, row->line,
                   "expected %zu fields (%s), got %zu", r->nf, cols, row->n);
    }
    if (row->f[r->col[C_TIME]].len == 0)
        return err(r, &row->f[r->col[C_TIME]], 0, "time: expected a time label, got an empty field");
    liq_dec v[NCOL] = {LIQ_DEC_ZERO};
    for (int k = C_MARK; k < NCOL; k++)
        if (r->col[k] >= 0 && !read_value(r, row, k, &v[k]))
            return false;
    liq_dec av[LIQ_PATH_MAX_ASSETS];
    for (size_t k = 0; k < r->p->nassets; k++) {
        const csvr_field *f = &row->f[r->acol[k]];
        char q[200];
        if (liq_dec_parse(f->text, f->len, &av[k]) != LIQ_OK || !d_pos(av[k]))
            return err(r, f, 0, ASSET_PREFIX "%s: expected a decimal price > 0, got \"%s\"",
                       r->p->asset[k], csvr_quote(f->text, f->len, q));
    }
    if (!push_tick(r, row, v, av)) {
        liq_diags_add(r->d, LIQ_SEV_ERROR, LIQ_ENOMEM, r->file, row->line, 1, "out of memory");
        return false;
    }
    return true;
}

liq_path *markpath_parse(const char *file, const char *text, size_t len, liq_diags *d)
{
    liq_path *p = mem_calloc(1, sizeof *p);
    if (!p || !(p->path = mem_strdup(file))) {
        free(p);
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, file, 0, 0, "out of memory");
        return NULL;
    }
    reading r = {.p = p, .file = p->path, .d = d};
    for (int k = 0; k < NCOL; k++)
        r.col[k] = -1;
    bool ok = csvr_read(p->path, text, len, on_row, &r, d);
    if (ok && p->n == 0) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, p->path, 1, 1, "the path holds no mark");
        ok = false;
    }
    if (!ok) {
        liq_path_free(p);
        return NULL;
    }
    p->has_index = r.col[C_INDEX] >= 0;
    p->has_last = r.col[C_LAST] >= 0;
    p->has_oracle = r.col[C_ORACLE] >= 0;
    p->has_funding = r.col[C_FUNDING] >= 0;
    p->has_collateral = r.col[C_COLL] >= 0;
    p->has_slippage = r.col[C_SLIP] >= 0;
    p->has_depth = r.col[C_DEPTH] >= 0;
    return p;
}

static liq_path *load_path(const char *path, liq_diags *d)
{
    fio_buf buf;
    if (fio_read(path, FIO_PATH, NULL, &buf, d) != LIQ_OK)
        return NULL;
    liq_path *p = markpath_parse(fio_display_name(path), buf.data, buf.len, d);
    free(buf.data);
    return p;
}

liq_path *path_new(size_t n)
{
    liq_path *p = mem_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    size_t c = n ? n : 1;
    p->time = mem_calloc(c, sizeof *p->time);
    p->mark = mem_calloc(c, sizeof *p->mark);
    p->line = mem_calloc(c, sizeof *p->line);
    p->col = mem_calloc(c, sizeof *p->col);
    p->index = mem_calloc(c, sizeof *p->index);
    p->last = mem_calloc(c, sizeof *p->last);
    p->oracle = mem_calloc(c, sizeof *p->oracle);
    p->funding = mem_calloc(c, sizeof *p->funding);
    p->collateral = mem_calloc(c, sizeof *p->collateral);
    p->slippage = mem_calloc(c, sizeof *p->slippage);
    p->depth = mem_calloc(c, sizeof *p->depth);
    if (!p->time || !p->mark || !p->line || !p->col || !p->index || !p->last || !p->oracle ||
        !p->funding || !p->collateral || !p->slippage || !p->depth) {
        liq_path_free(p);
        return NULL;
    }
    for (; p->n < n; p->n++) {
        char buf[24];
        snprintf(buf, sizeof buf, "%zu", p->n);
        if (!(p->time[p->n] = mem_strdup(buf))) {
            liq_path_free(p);
            return NULL;
        }
    }
    return p;
}

void liq_path_free(liq_path *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->time[i]);
    free(p->time);
    free(p->mark);
    free(p->line);
    free(p->col);
    free(p->index);
    free(p->last);
    free(p->oracle);
    free(p->funding);
    free(p->collateral);
    free(p->slippage);
    free(p->depth);
    for (size_t k = 0; k < p->nassets; k++)
        free(p->asset_px[k]);
    free(p->path);
    free(p);
}

const liq_dec *path_prices(const liq_path *p, int c)
{
    switch (c) {
    case PCOL_MARK:
        return p->mark;
    case PCOL_ORACLE:
        return p->has_oracle ? p->oracle : NULL;
    case PCOL_INDEX:
        return p->has_index ? p->index : NULL;
    case PCOL_LAST:
        return p->has_last ? p->last : NULL;
    }
    return NULL;
}

void path_columns(const liq_path *p, bool have[PCOL_COUNT])
{
    for (int c = 0; c < PCOL_COUNT; c++)
        have[c] = path_prices(p, c) != NULL;
}

size_t liq_path_ticks(const liq_path *p)
{
    return p->n;
}

/* Under mem.h's rule: a call that fails for want of memory says so first. */
liq_path *liq_path_load(const char *path, liq_diags *d)
{
    mem_watch w = mem_watch_start(d);
    liq_path *r = load_path(path, d);
    mem_watch_end(&w, d, r == NULL, path);
    return r;
}
