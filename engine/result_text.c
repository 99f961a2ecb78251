/*
 * result_text.c — side-by-side views of results: an aligned table for a
 * terminal, CSV for spreadsheets, Markdown for reports; and the
 * liq_results_render dispatcher. One row per (policy, scenario).
 *
 * CSV and Markdown carry exact decimals; the terminal table rounds to
 * six decimal places (half-even) to stay readable, and says so.
 */
#include "result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


bool liq_format_parse(const char *name, liq_format *out)
{
    static const char *const names[] = {"table", "json", "csv", "md"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (liq_format)i;
            return true;
        }
    return false;
}

/* A growable string. */
typedef struct sbuf { char *s; size_t n, cap; bool oom; } sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0 || (b->n + (size_t)len + 1 > b->cap)) {
        size_t cap = (b->cap ? b->cap : 256);
        while (cap < b->n + (size_t)len + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)len;
}

enum { COLS = 17 };
static const char *const heads[COLS] = {
    "policy", "ccy", "liq_price", "bankr_price", "trigger", "fill", "unforced", "forced",
    "fees", "total_loss", "collateral", "deficit", "ins_fund", "adl", "socialized", "other",
    "owed"};

static void cell_dec(char *out, liq_dec v, bool round6)
{
    if (round6) {
        liq_dec q;
        liq_dec step = {1000000}; /* 1e-6 */
        if (liq_dec_quantize(v, step, LIQ_ROUND_HALF_EVEN, &q) == LIQ_OK)
            v = q;
    }
    liq_dec_format(v, out);
}

static void row_cells(const liq_result *r, char cells[COLS][LIQ_DEC_STRLEN + 40], bool round6)
{
    snprintf(cells[0], LIQ_DEC_STRLEN + 40, "%s%s", r->policy, r->nwarnings ? " (!)" : "");
    snprintf(cells[1], LIQ_DEC_STRLEN + 40, "%s", r->settlement);
    if (r->has_lp) cell_dec(cells[2], r->liquidation_price, round6); else strcpy(cells[2], "-");
    if (r->has_bp) cell_dec(cells[3], r->bankruptcy_price, round6); else strcpy(cells[3], "-");
    if (r->liquidated) {
        cell_dec(cells[4], r->trigger_price, round6);
        cell_dec(cells[5], r->fill_price, round6);
    } else {
        strcpy(cells[4], "not hit");
        strcpy(cells[5], "-");
    }
    cell_dec(cells[6], r->unforced, round6);
    cell_dec(cells[7], r->forced, round6);
    cell_dec(cells[8], r->fees, round6);
    cell_dec(cells[9], r->total, round6);
    cell_dec(cells[10], r->collateral, round6);
    cell_dec(cells[11], r->deficit, round6);
    cell_dec(cells[12], r->cov[STAGE_IF], round6);
    cell_dec(cells[13], r->cov[STAGE_ADL], round6);
    cell_dec(cells[14], r->cov[STAGE_SOCIALIZED], round6);
    liq_dec other;
    if (liq_dec_add(r->cov[STAGE_POOL], r->cov[STAGE_VENUE], &other) != LIQ_OK)
        other = r->cov[STAGE_POOL];
    cell_dec(cells[15], other, round6);
    cell_dec(cells[16], r->owed, round6);
}

/* Display width of UTF-8 text: code points, not bytes (venue names such
 * as "USDⓈ-M" hold multi-byte characters). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void render_table(sbuf *b, liq_result *const *rs, size_t n)
{
    char (*cells)[COLS][LIQ_DEC_STRLEN + 40] = calloc(n ? n : 1, sizeof *cells);
    if (!cells) {
        b->oom = true;
        return;
    }
    size_t wcol[COLS];
    for (int c = 0; c < COLS; c++)
        wcol[c] = strlen(heads[c]);
    for (size_t i = 0; i < n; i++) {
        row_cells(rs[i], cells[i], true);
        for (int c = 0; c < COLS; c++)
            if (width(cells[i][c]) > wcol[c])
                wcol[c] = width(cells[i][c]);
    }
    if (n)
        sb_add(b, "scenario: %s\n\n", rs[0]->scenario);
    for (int c = 0; c < COLS; c++)
        sb_add(b, "%s%-*s", c ? "  " : "", (int)wcol[c], heads[c]);
    sb_add(b, "\n");
    for (int c = 0; c < COLS; c++) {
        sb_add(b, "%s", c ? "  " : "");
        for (size_t k = 0; k < wcol[c]; k++)
            sb_add(b, "-");
    }
    sb_add(b, "\n");
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < COLS; c++) {
            size_t pad = wcol[c] - width(cells[i][c]);
            if (c < 2)
                sb_add(b, "%s%s%*s", c ? "  " : "", cells[i][c], (int)pad, "");
            else
                sb_add(b, "  %*s%s", (int)pad, "", cells[i][c]);
        }
        sb_add(b, "\n");
    }
    sb_add(b, "\namounts in each row's settlement currency (ccy), rounded to 6 decimals here; "
              "--format json|csv|md for exact values, --explain for where each number comes "
              "from.\nother = liquidity pool + venue; owed = what the trader still owes.\n");
    bool any = false;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < rs[i]->nwarnings; k++) {
            if (!any)
                sb_add(b, "\nnotes:\n");
            any = true;
            sb_add(b, "  (!) %s: %s\n", rs[i]->policy, rs[i]->warnings[k]);
        }
    free(cells);
}

static void csv_field(sbuf *b, const char *s)
{
    if (strpbrk(s, ",\"\n")) {
        sb_add(b, "\"");
        for (; *s; s++)
            sb_add(b, *s == '"' ? "\"\"" : "%c", *s);
        sb_add(b, "\"");
    } else {
        sb_add(b, "%s", s);
    }
}

static void render_csv(sbuf *b, liq_result *const *rs, size_t n, bool md)
{
    char cells[COLS][LIQ_DEC_STRLEN + 40];
    if (md) {
        sb_add(b, "| scenario | venue |");
        for (int c = 0; c < COLS; c++)
            sb_add(b, " %s |", heads[c]);
        sb_add(b, "\n|---|---|");
        for (int c = 0; c < COLS; c++)
            sb_add(b, "%s", c < 2 ? "---|" : "---:|");
        sb_add(b, "\n");
    } else {
        sb_add(b, "scenario,venue");
        for (int c = 0; c < COLS; c++)
            sb_add(b, ",%s", heads[c]);
        sb_add(b, "\n");
    }
    for (size_t i = 0; i < n; i++) {
        row_cells(rs[i], cells, false);
        /* Exact values: no warning marker inside a data cell. */
        snprintf(cells[0], sizeof cells[0], "%s", rs[i]->policy);
        if (md) {
            sb_add(b, "| %s | %s |", rs[i]->scenario, rs[i]->venue);
            for (int c = 0; c < COLS; c++)
                sb_add(b, " %s |", cells[c]);
        } else {
            csv_field(b, rs[i]->scenario);
            sb_add(b, ",");
            csv_field(b, rs[i]->venue);
            for (int c = 0; c < COLS; c++) {
                sb_add(b, ",");
                csv_field(b, cells[c]);
            }
        }
        sb_add(b, "\n");
    }
}

char *liq_results_render(liq_result *const *rs, size_t n, liq_format fmt, bool as_array)
{
    if (fmt == LIQ_FMT_JSON)
        return result_render_json(rs, n, as_array);
    sbuf b = {0};
    if (fmt == LIQ_FMT_TABLE)
        render_table(&b, rs, n);
    else
        render_csv(&b, rs, n, fmt == LIQ_FMT_MD);
    if (b.oom || !b.s) {
        free(b.s);
        return b.oom ? NULL : strdup("");
    }
    return b.s;
}
