/*
 * book.c — loading a book (NDJSON or CSV) and a mark path (CSV).
 *
 * Every number is read as exact decimal text: JSON decimals must be
 * strings or integers (a JSON real would already have passed through a
 * binary float in the parser, so it is refused with a message).
 */
#include "book.h"
#include "calc.h"
#include "policy.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

liq_book *book_new(size_t cap)
{
    liq_book *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->cap = cap ? cap : 16;
    b->idcap = b->cap * 8;
    b->idbuf = malloc(b->idcap);
    b->idoff = malloc(b->cap * sizeof *b->idoff);
    b->collateral = malloc(b->cap * sizeof(liq_dec));
    b->mode = malloc(b->cap);
    b->side = malloc(b->cap);
    b->size = malloc(b->cap * sizeof(liq_dec));
    b->entry = malloc(b->cap * sizeof(liq_dec));
    b->lev = malloc(b->cap * sizeof(liq_dec));
    if (!b->idbuf || !b->idoff || !b->collateral || !b->mode || !b->side || !b->size ||
        !b->entry || !b->lev) {
        liq_book_free(b);
        return NULL;
    }
    return b;
}

void liq_book_free(liq_book *b)
{
    if (!b)
        return;
    free(b->path);
    free(b->idbuf);
    free(b->idoff);
    free(b->collateral);
    free(b->mode);
    free(b->side);
    free(b->size);
    free(b->entry);
    free(b->lev);
    free(b);
}

size_t liq_book_accounts(const liq_book *b)
{
    return b->n;
}

static bool grow_arr(void **p, size_t cap, size_t size)
{
    void *q = realloc(*p, cap * size);
    if (!q)
        return false;
    *p = q;
    return true;
}

bool book_add(liq_book *b, const char *id, liq_dec collateral, int mode, int side, liq_dec size,
              liq_dec entry, liq_dec lev)
{
    if (b->n == b->cap) {
        size_t c = b->cap * 2;
        if (!grow_arr((void **)&b->idoff, c, sizeof *b->idoff) ||
            !grow_arr((void **)&b->collateral, c, sizeof(liq_dec)) ||
            !grow_arr((void **)&b->mode, c, 1) || !grow_arr((void **)&b->side, c, 1) ||
            !grow_arr((void **)&b->size, c, sizeof(liq_dec)) ||
            !grow_arr((void **)&b->entry, c, sizeof(liq_dec)) ||
            !grow_arr((void **)&b->lev, c, sizeof(liq_dec)))
            return false;
        b->cap = c;
    }
    size_t len = strlen(id) + 1;
    while (b->idlen + len > b->idcap) {
        if (!grow_arr((void **)&b->idbuf, b->idcap * 2, 1))
            return false;
        b->idcap *= 2;
    }
    memcpy(b->idbuf + b->idlen, id, len);
    b->idoff[b->n] = b->idlen;
    b->idlen += len;
    b->collateral[b->n] = collateral;
    b->mode[b->n] = (unsigned char)mode;
    b->side[b->n] = (signed char)side;
    b->size[b->n] = size;
    b->entry[b->n] = entry;
    b->lev[b->n] = lev;
    b->n++;
    return true;
}

/* Net a further position into the last account: signed sizes add, and
 * the entry is the size-weighted one, so PnL(P) is unchanged. */
static bool net_into_last(liq_book *b, int side, liq_dec size, liq_dec entry)
{
    size_t i = b->n - 1;
    calc c = {LIQ_OK, NULL};
    liq_dec s1 = b->side[i] < 0 ? liq_dec_neg(b->size[i]) : b->size[i];
    liq_dec s2 = side < 0 ? liq_dec_neg(size) : size;
    liq_dec net = c_add(&c, s1, s2);
    if (d_zero(net)) {
        b->side[i] = 0;
        b->size[i] = LIQ_DEC_ZERO;
        return c.st == LIQ_OK;
    }
    /* sum(s_k * E_k) / net */
    liq_dec num = c_add(&c, c_mul(&c, s1, b->entry[i]), c_mul(&c, s2, entry));
    b->entry[i] = c_div(&c, num, net);
    b->side[i] = d_pos(net) ? 1 : -1;
    b->size[i] = liq_dec_abs(net);
    return c.st == LIQ_OK;
}

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

static int parse_mode(const char *s)
{
    return s && strcmp(s, "cross") == 0 ? MODE_CROSS : s && strcmp(s, "isolated") == 0 ? MODE_ISOLATED : -1;
}

static int parse_side(const char *s)
{
    return s && strcmp(s, "long") == 0 ? 1 : s && strcmp(s, "short") == 0 ? -1 : 0;
}

static bool add_position(liq_book *b, const char *id, bool first, liq_dec coll, int mode, int side,
                         liq_dec size, liq_dec entry, liq_dec lev)
{
    if (first)
        return book_add(b, id, coll, mode, side, size, entry, lev);
    return net_into_last(b, side, size, entry);
}

static bool load_ndjson(liq_book *b, FILE *f, liq_diags *d)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int ln = 0;
    bool ok = true;
    while (ok && (len = getline(&line, &cap, f)) >= 0) {
        ln++;
        if (len <= 1 || line[0] == '#')
            continue;
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)len, 0, &je);
        const char *why = NULL, *key = NULL;
        liq_dec coll, size, entry, lev;
        if (!o || !json_is_object(o)) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, b->path, ln, o ? 1 : je.column,
                          "expected a JSON object per line%s%s", o ? "" : ": ", o ? "" : je.text);
            json_decref(o);
            ok = false;
            break;
        }
        const char *id = json_string_value(json_object_get(o, "id"));
        int mode = parse_mode(json_string_value(json_object_get(o, "mode")));
        json_t *ps = json_object_get(o, "positions");
        if (!id)
            key = "id", why = "missing (a string)";
        else if (!id[0])
            key = "id", why = "expected an account id, got an empty string";
        else if (!json_dec(json_object_get(o, "collateral"), &coll, &why))
            key = "collateral";
        else if (mode < 0)
            key = "mode", why = "expected \"isolated\" or \"cross\"";
        else if (!json_is_array(ps) || json_array_size(ps) == 0)
            key = "positions", why = "expected a non-empty list";
        for (size_t k = 0; !key && k < json_array_size(ps); k++) {
            json_t *p = json_array_get(ps, k);
            int side = parse_side(json_string_value(json_object_get(p, "side")));
            if (!side)
                key = "positions[].side", why = "expected \"long\" or \"short\"";
            else if (!json_dec(json_object_get(p, "size"), &size, &why))
                key = "positions[].size";
            else if (!json_dec(json_object_get(p, "entry_price"), &entry, &why))
                key = "positions[].entry_price";
            else if (!json_dec(json_object_get(p, "leverage"), &lev, &why))
                key = "positions[].leverage";
            else if (!d_pos(size) || !d_pos(entry) || liq_dec_cmp(lev, liq_dec_from_int(1)) < 0)
                key = "positions[]", why = "size and entry_price must be > 0, leverage >= 1";
            else if (!add_position(b, id, k == 0, coll, mode, side, size, entry, lev))
                key = "positions[]", why = "out of memory or overflow while netting";
        }
        json_decref(o);
        if (key) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, b->path, ln, 1, "%s: %s", key, why);
            ok = false;
        }
    }
    free(line);
    return ok;
}

/* Split a CSV line in place (no quoting: ids and numbers only). */
static size_t split(char *s, char **f, size_t max)
{
    size_t n = 0;
    f[n++] = s;
    for (char *c = s; *c && n < max; c++)
        if (*c == ',') {
            *c = 0;
            f[n++] = c + 1;
        }
    return n;
}

static bool load_csv(liq_book *b, FILE *f, liq_diags *d)
{
    char line[1024];
    int ln = 0;
    char prev[256] = "";
    static const char *const header = "id,collateral,mode,side,size,entry_price,leverage";
    while (fgets(line, sizeof line, f)) {
        ln++;
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        if (ln == 1 || (b->n == 0 && strncmp(line, "id,", 3) == 0)) {
            if (strcmp(line, header) != 0) {
                liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, b->path, ln, 1,
                              "expected the header \"%s\"", header);
                return false;
            }
            continue;
        }
        char *fl[8];
        size_t nf = split(line, fl, 8);
        liq_dec v[4];
        const char *names[] = {"collateral", "size", "entry_price", "leverage"};
        int cols[] = {1, 4, 5, 6};
        if (nf != 7) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, b->path, ln, 1,
                          "expected 7 fields (%s), got %zu", header, nf);
            return false;
        }
        for (int k = 0; k < 4; k++)
            if (liq_dec_from_str(fl[cols[k]], &v[k]) != LIQ_OK) {
                liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, b->path, ln,
                              (int)(fl[cols[k]] - line) + 1, "%s: expected a decimal, got \"%s\"",
                              names[k], fl[cols[k]]);
                return false;
            }
        int mode = parse_mode(fl[2]), side = parse_side(fl[3]);
        if (mode < 0 || !side) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, b->path, ln, (int)(fl[mode < 0 ? 2 : 3] - line) + 1,
                          mode < 0 ? "mode: expected isolated or cross" : "side: expected long or short");
            return false;
        }
        /* The NDJSON loader's rule: size and entry_price > 0, leverage >= 1. */
        for (int k = 1; k < 4; k++)
            if (k < 3 ? !d_pos(v[k]) : liq_dec_cmp(v[k], liq_dec_from_int(1)) < 0) {
                liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, b->path, ln,
                              (int)(fl[cols[k]] - line) + 1, "%s: expected a decimal %s, got \"%s\"",
                              names[k], k < 3 ? "> 0" : ">= 1", fl[cols[k]]);
                return false;
            }
        /* An empty id would read as the previous row's account: with no
         * account before it, netting wrote before the arrays. */
        if (!fl[0][0]) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, b->path, ln, 1,
                          "id: expected an account id, got an empty field");
            return false;
        }
        bool first = b->n == 0 || strcmp(prev, fl[0]) != 0;
        snprintf(prev, sizeof prev, "%s", fl[0]);
        if (!add_position(b, fl[0], first, v[0], mode, side, v[1], v[2], v[3])) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, b->path, ln, 1, "out of memory or overflow");
            return false;
        }
    }
    return true;
}

liq_book *liq_book_load(const char *path, liq_diags *d)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EIO, path, 0, 0, "cannot open the book");
        return NULL;
    }
    liq_book *b = book_new(1024);
    if (!b || !(b->path = strdup(path))) {
        fclose(f);
        liq_book_free(b);
        return NULL;
    }
    size_t len = strlen(path);
    bool csv = len > 4 && strcmp(path + len - 4, ".csv") == 0;
    bool ok = csv ? load_csv(b, f, d) : load_ndjson(b, f, d);
    fclose(f);
    if (ok && b->n == 0) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, 1, 1, "the book holds no account");
        ok = false;
    }
    if (!ok) {
        liq_book_free(b);
        return NULL;
    }
    return b;
}

liq_path *path_new(size_t n)
{
    liq_path *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->n = n;
    p->time = calloc(n ? n : 1, sizeof *p->time);
    p->mark = calloc(n ? n : 1, sizeof *p->mark);
    p->slippage = calloc(n ? n : 1, sizeof *p->slippage);
    p->depth = calloc(n ? n : 1, sizeof *p->depth);
    if (!p->time || !p->mark || !p->slippage || !p->depth) {
        liq_path_free(p);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        char buf[24];
        snprintf(buf, sizeof buf, "%zu", i);
        p->time[i] = strdup(buf);
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
    free(p->slippage);
    free(p->depth);
    free(p->path);
    free(p);
}

size_t liq_path_ticks(const liq_path *p)
{
    return p->n;
}

liq_path *liq_path_load(const char *path, liq_diags *d)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EIO, path, 0, 0, "cannot open the path");
        return NULL;
    }
    liq_path *p = calloc(1, sizeof *p);
    size_t cap = 0;
    char line[1024];
    int ln = 0, slip_col = -1, depth_col = -1;
    bool header = false;
    bool ok = p != NULL && (p->path = strdup(path)) != NULL;
    while (ok && fgets(line, sizeof line, f)) {
        ln++;
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        char *fl[8];
        size_t nf = split(line, fl, 8);
        liq_dec mark, slip = LIQ_DEC_ZERO, depth = LIQ_DEC_ZERO;
        if (nf < 2 || liq_dec_from_str(fl[1], &mark) != LIQ_OK) {
            /* A header is the first row, and its mark column is a name: a
             * first row with a mistyped number ("5O000") is an error, not
             * a header to skip. */
            if (p->n == 0 && !header && nf >= 2 && isalpha((unsigned char)fl[1][0])) {
                header = true; /* find the slippage and depth columns */
                for (size_t k = 0; k < nf; k++) {
                    if (strcmp(fl[k], "slippage") == 0)
                        slip_col = (int)k;
                    if (strcmp(fl[k], "depth") == 0)
                        depth_col = (int)k;
                }
                continue;
            }
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, ln, nf >= 2 ? (int)(fl[1] - line) + 1 : 1,
                          "mark: expected time,mark[,index,last][,slippage][,depth] with a decimal mark");
            ok = false;
            break;
        }
        if (!d_pos(mark)) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, ln, (int)(fl[1] - line) + 1,
                          "mark: expected a price > 0");
            ok = false;
            break;
        }
        if (slip_col >= 0 && (size_t)slip_col < nf &&
            (liq_dec_from_str(fl[slip_col], &slip) != LIQ_OK || d_neg(slip) ||
             d_gt(slip, liq_dec_from_int(1)))) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, ln, (int)(fl[slip_col] - line) + 1,
                          "slippage: expected a decimal between 0 and 1");
            ok = false;
            break;
        }
        if (depth_col >= 0 && (size_t)depth_col < nf &&
            (liq_dec_from_str(fl[depth_col], &depth) != LIQ_OK || !d_pos(depth))) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, ln, (int)(fl[depth_col] - line) + 1,
                          "depth: expected the quote notional that moves the price 1%%, > 0");
            ok = false;
            break;
        }
        if (p->n == cap) {
            cap = cap ? cap * 2 : 256;
            ok = grow_arr((void **)&p->time, cap, sizeof *p->time) &&
                 grow_arr((void **)&p->mark, cap, sizeof *p->mark) &&
                 grow_arr((void **)&p->slippage, cap, sizeof *p->slippage) &&
                 grow_arr((void **)&p->depth, cap, sizeof *p->depth);
            if (!ok)
                break;
        }
        p->time[p->n] = strdup(fl[0]);
        p->mark[p->n] = mark;
        p->slippage[p->n] = slip;
        p->depth[p->n] = depth;
        p->n++;
    }
    fclose(f);
    if (ok && p->n == 0) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, 1, 1, "the path holds no mark");
        ok = false;
    }
    if (!ok) {
        liq_path_free(p);
        return NULL;
    }
    p->has_slippage = slip_col >= 0;
    p->has_depth = depth_col >= 0;
    return p;
}
