/*
 * result_text.c — side-by-side views of results: an aligned table for a
 * terminal, CSV for spreadsheets, Markdown for reports; and the
 * liq_results_render dispatcher. One row per (policy, scenario).
 *
 * Every view shows the same columns (one table, `cols` below, holds their
 * names, groups and order; CSV and Markdown add the product after the
 * market, too long for a terminal) and the same notes: a row's warnings and, for
 * a row that is not "ok", its status and reason. CSV and Markdown carry
 * exact decimals; the terminal table rounds to six decimal places
 * (half-even) to stay readable, and says so. The table fits a width the
 * caller gives by leaving out whole groups of columns, least needed first
 * (docs/output.md lists the order); it never decides the width itself, nor
 * whether to colour: the CLI knows the terminal, the library does not.
 */
#include "mem.h"
#include "result.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool liq_format_parse(const char *name, liq_format *out)
{
    static const char *const names[] = {"table", "json", "csv", "md", "ndjson", "html"};
    for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (liq_format)i;
            return true;
        }
    return false;
}

/* The columns, in the order printed. group says when the table leaves a
 * column out to fit a narrow terminal: group 7 goes first, then 6, ...,
 * 1; group 0 always stays (who, in what currency, what they lost, what
 * is left, what they owe, where they are liquidated). Keep
 * docs/output.md's list in step with this table. */
enum {
    C_POLICY, C_STATUS, C_MARKET, C_CCY, C_TRADER_LOST, C_FINAL_BALANCE, C_OPEN_LOSS, C_OWED,
    C_LIQ_PRICE, C_BANKR_PRICE, C_TRIGGER, C_FILL, C_UNFORCED, C_FORCED, C_FEES, C_TOTAL_LOSS,
    C_COLLATERAL, C_DEFICIT, C_FUND_PAID, C_FUND_RECEIVED, C_ADL, C_SOCIALIZED, C_OTHER, COLS
};
static const struct { const char *head; int group; } cols[COLS] = {
    [C_POLICY] = {"policy", 0},           [C_STATUS] = {"status", 0},
    [C_MARKET] = {"market", 5},           [C_CCY] = {"ccy", 0},
    [C_TRADER_LOST] = {"trader_lost", 0}, [C_FINAL_BALANCE] = {"final_balance", 0},
    [C_OPEN_LOSS] = {"open_loss", 1},     [C_OWED] = {"owed", 0},
    [C_LIQ_PRICE] = {"liq_price", 0},     [C_BANKR_PRICE] = {"bankr_price", 4},
    [C_TRIGGER] = {"trigger", 1},         [C_FILL] = {"fill", 4},
    [C_UNFORCED] = {"unforced", 6},       [C_FORCED] = {"forced", 6},
    [C_FEES] = {"fees", 3},               [C_TOTAL_LOSS] = {"total_loss", 3},
    [C_COLLATERAL] = {"collateral", 1},   [C_DEFICIT] = {"deficit", 2},
    [C_FUND_PAID] = {"fund_paid", 2},     [C_FUND_RECEIVED] = {"fund_received", 2},
    [C_ADL] = {"adl", 7},                 [C_SOCIALIZED] = {"socialized", 7},
    [C_OTHER] = {"other", 7},
};
enum { GROUPS = 8, CELL = LIQ_DEC_STRLEN + 200 };

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

/* Cells of a row. A row that is not "ok" has only its names and status:
 * its amount cells are empty (CSV, Markdown) and the table prints the
 * reason across them. */
static void row_cells(const liq_result *r, char cells[COLS][CELL], bool round6)
{
    for (int c = 0; c < COLS; c++)
        cells[c][0] = 0;
    snprintf(cells[C_POLICY], CELL, "%s", r->policy);
    snprintf(cells[C_STATUS], CELL, "%s", liq_result_status(r));
    snprintf(cells[C_MARKET], CELL, "%s", r->market ? r->market : "-");
    snprintf(cells[C_CCY], CELL, "%s", r->settlement && *r->settlement ? r->settlement : "-");
    if (r->status != RS_OK)
        return;
    liq_dec lost;
    if (result_trader_lost(r, &lost) == LIQ_OK)
        cell_dec(cells[C_TRADER_LOST], lost, round6);
    else
        snprintf(cells[C_TRADER_LOST], CELL, "overflow");
    cell_dec(cells[C_FINAL_BALANCE], r->final_balance, round6);
    cell_dec(cells[C_OPEN_LOSS], liq_dec_neg(r->walk.unrealized), round6);
    cell_dec(cells[C_OWED], r->owed, round6);
    if (r->has_lp) cell_dec(cells[C_LIQ_PRICE], r->liquidation_price, round6);
    else strcpy(cells[C_LIQ_PRICE], "-");
    if (r->has_bp) cell_dec(cells[C_BANKR_PRICE], r->bankruptcy_price, round6);
    else strcpy(cells[C_BANKR_PRICE], "-");
    if (r->walk.liquidated) {
        cell_dec(cells[C_TRIGGER], r->walk.trigger, round6);
        /* Triggered, but its order's limit refused every fill. */
        if (r->never_filled)
            strcpy(cells[C_FILL], "unfilled");
        else
            cell_dec(cells[C_FILL], r->walk.fill, round6);
    } else {
        strcpy(cells[C_TRIGGER], "not hit");
        strcpy(cells[C_FILL], "-");
    }
    cell_dec(cells[C_UNFORCED], r->walk.unforced, round6);
    cell_dec(cells[C_FORCED], r->walk.forced, round6);
    cell_dec(cells[C_FEES], r->walk.fees, round6);
    cell_dec(cells[C_TOTAL_LOSS], r->total, round6);
    cell_dec(cells[C_COLLATERAL], r->collateral, round6);
    cell_dec(cells[C_DEFICIT], r->deficit, round6);
    cell_dec(cells[C_FUND_PAID], r->if_paid, round6);
    cell_dec(cells[C_FUND_RECEIVED], r->if_received, round6);
    cell_dec(cells[C_ADL], r->cov[STAGE_ADL], round6);
    cell_dec(cells[C_SOCIALIZED], r->cov[STAGE_SOCIALIZED], round6);
    liq_dec other;
    if (liq_dec_add(r->cov[STAGE_POOL], r->cov[STAGE_VENUE], &other) != LIQ_OK)
        snprintf(cells[C_OTHER], CELL, "overflow");
    else
        cell_dec(cells[C_OTHER], other, round6);
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

/* ANSI colours, used only when the caller says the output is a terminal
 * that wants them. */
#define BOLD "\033[1m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define RESET "\033[0m"

static const char *status_colour(int status)
{
    return status == RS_OK ? "" : status == RS_ERROR ? RED : YELLOW;
}

/* The notes every view carries: each row's warnings, and what a row that
 * is not "ok" is (its reason), one per line after "prefix". */
static void notes_list(sbuf *b, liq_result *const *rs, size_t n, const char *title,
                       const char *prefix)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        const liq_result *r = rs[i];
        for (size_t k = 0; k < r->nwarnings; k++) {
            if (!any)
                sb_add(b, "%s", title);
            any = true;
            sb_add(b, "%s%s: %s\n", prefix, r->policy, r->warnings[k]);
        }
    }
}

/* The rows' stop-losses (result_stop.c), after the notes, when a
 * scenario has one: its fill beside what liquidation would have done. */
static void stops_list(sbuf *b, liq_result *const *rs, size_t n, const char *title,
                       const char *prefix)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (!rs[i]->stop.has || rs[i]->status != RS_OK)
            continue;
        if (!any)
            sb_add(b, "%s", title);
        any = true;
        result_stop_text(b, rs[i], prefix);
    }
}

/* Text in a table row: a control character (a line break or an escape
 * from a hook's message) would break the row or the terminal. */
static void text_cell(sbuf *b, const char *s)
{
    for (; *s; s++)
        sb_add(b, "%c", (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

static void render_table(sbuf *b, liq_result *const *rs, size_t n, const liq_render_opts *o)
{
    char (*cells)[COLS][CELL] = mem_calloc(n ? n : 1, sizeof *cells);
    if (!cells) {
        b->oom = true;
        return;
    }
    size_t wcol[COLS];
    for (int c = 0; c < COLS; c++)
        wcol[c] = strlen(cols[c].head);
    bool any_ok = false;
    for (size_t i = 0; i < n; i++) {
        row_cells(rs[i], cells[i], true);
        if (rs[i]->nwarnings)
            snprintf(cells[i][C_POLICY], CELL, "%s (!)", rs[i]->policy);
        any_ok |= rs[i]->status == RS_OK;
        for (int c = 0; c < COLS; c++)
            if ((rs[i]->status == RS_OK || c <= C_STATUS) && width(cells[i][c]) > wcol[c])
                wcol[c] = width(cells[i][c]);
    }
    /* Leave out whole groups, least needed first, until the row fits. */
    bool shown[COLS];
    int hidden = 0;
    for (int c = 0; c < COLS; c++)
        shown[c] = true;
    for (int g = GROUPS - 1; o->width && g > 0; g--) {
        size_t total = 0;
        for (int c = 0; c < COLS; c++)
            if (shown[c])
                total += wcol[c] + (total ? 2 : 0);
        if (total <= o->width)
            break;
        for (int c = 0; c < COLS; c++)
            if (cols[c].group == g && shown[c]) {
                shown[c] = false;
                hidden++;
            }
    }
    const bool colour = o->color;
    if (n)
        sb_add(b, "scenario: %s\n\n", rs[0]->scenario);
    bool first = true;
    sb_add(b, "%s", colour ? BOLD : "");
    for (int c = 0; c < COLS; c++)
        if (shown[c]) {
            sb_add(b, "%s%-*s", first ? "" : "  ", (int)wcol[c], cols[c].head);
            first = false;
        }
    while (b->n && b->s[b->n - 1] == ' ')
        b->s[--b->n] = 0;
    sb_add(b, "%s\n", colour ? RESET : "");
    first = true;
    for (int c = 0; c < COLS; c++)
        if (shown[c]) {
            sb_add(b, "%s", first ? "" : "  ");
            for (size_t k = 0; k < wcol[c]; k++)
                sb_add(b, "-");
            first = false;
        }
    sb_add(b, "\n");
    for (size_t i = 0; i < n; i++) {
        const liq_result *r = rs[i];
        first = true;
        for (int c = 0; c < COLS; c++) {
            if (!shown[c])
                continue;
            const char *sep = first ? "" : "  ";
            first = false;
            size_t pad = wcol[c] - width(cells[i][c]);
            if (c == C_STATUS) {
                sb_add(b, "%s%s%s%s%*s", sep, colour ? status_colour(r->status) : "",
                       cells[i][c], colour && r->status != RS_OK ? RESET : "", (int)pad, "");
                if (r->status != RS_OK) {
                    /* The reason stands where the numbers would. */
                    sb_add(b, "  ");
                    text_cell(b, r->reason ? r->reason : "");
                    break;
                }
            } else if (c <= C_CCY) {
                sb_add(b, "%s%s%*s", sep, cells[i][c], (int)pad, "");
            } else {
                sb_add(b, "%s%*s%s", sep, (int)pad, "", cells[i][c]);
            }
        }
        /* Left-aligned cells are padded; strip what trails the row. */
        while (b->n && b->s[b->n - 1] == ' ')
            b->s[--b->n] = 0;
        sb_add(b, "\n");
    }
    if (any_ok)
        sb_add(b, "\namounts in each row's settlement currency (ccy), rounded to 6 decimals here; "
                  "--format json|csv|md for exact values, --explain for where each number comes "
                  "from.\ntrader_lost = what the trader lost: collateral lost, plus what is owed, "
                  "plus open_loss (the unrealized loss of what is still open);\nfund_paid = the "
                  "deficit the insurance fund paid; fund_received = fees and margin it received "
                  "(not a cost to a bankrupt trader);\nother = liquidity pool + venue; owed = "
                  "what the trader still owes.\n");
    if (hidden)
        sb_add(b, "%d columns left out to fit %u columns (docs/output.md says which): --wide "
                  "shows all.\n", hidden, o->width);
    notes_list(b, rs, n, "\nnotes:\n", "  (!) ");
    stops_list(b, rs, n, "\nstop-loss:\n", "  ");
    free(cells);
}

/* RFC 4180: a field holding a comma, quote or line break is quoted, its
 * quotes doubled. */
static void csv_field(sbuf *b, const char *s)
{
    if (strpbrk(s, ",\"\r\n")) {
        sb_add(b, "\"");
        for (; *s; s++)
            sb_add(b, *s == '"' ? "\"\"" : "%c", *s);
        sb_add(b, "\"");
    } else {
        sb_add(b, "%s", s);
    }
}

/* Markdown cell text: a '|' would end the cell, a line break the row. */
static void md_cell(sbuf *b, const char *s)
{
    for (; *s; s++)
        sb_add(b, *s == '|' ? "\\|" : *s == '\n' ? " " : "%c", *s);
}

static void render_csv(sbuf *b, liq_result *const *rs, size_t n)
{
    char cells[COLS][CELL];
    sb_add(b, "scenario,venue");
    for (int c = 0; c < COLS; c++)
        sb_add(b, ",%s%s", cols[c].head, c == C_MARKET ? ",product" : "");
    sb_add(b, ",reason,notes\n");
    for (size_t i = 0; i < n; i++) {
        const liq_result *r = rs[i];
        row_cells(r, cells, false);
        csv_field(b, r->scenario);
        sb_add(b, ",");
        csv_field(b, r->venue);
        for (int c = 0; c < COLS; c++) {
            sb_add(b, ",");
            /* Exact values only: a price that does not exist, or was
             * not reached, and a market not known are empty cells, so a
             * spreadsheet reads every amount column as numbers. */
            bool none = strcmp(cells[c], "-") == 0 || strcmp(cells[c], "not hit") == 0;
            csv_field(b, none ? "" : cells[c]);
            if (c == C_MARKET) {
                sb_add(b, ",");
                csv_field(b, r->product ? r->product : "");
            }
        }
        sb_add(b, ",");
        csv_field(b, r->reason ? r->reason : "");
        /* Every warning of the row, in one cell, "; " between them. */
        sbuf notes = {0};
        for (size_t k = 0; k < r->nwarnings; k++)
            sb_add(&notes, "%s%s", k ? "; " : "", r->warnings[k]);
        b->oom |= notes.oom;
        sb_add(b, ",");
        csv_field(b, notes.s ? notes.s : "");
        free(notes.s);
        sb_add(b, "\n");
    }
}

static void render_md(sbuf *b, liq_result *const *rs, size_t n)
{
    char cells[COLS][CELL];
    sb_add(b, "| scenario | venue |");
    for (int c = 0; c < COLS; c++)
        sb_add(b, " %s |%s", cols[c].head, c == C_MARKET ? " product |" : "");
    sb_add(b, " reason |\n|---|---|");
    for (int c = 0; c < COLS; c++)
        sb_add(b, "%s%s", c <= C_CCY ? "---|" : "---:|", c == C_MARKET ? "---|" : "");
    sb_add(b, "---|\n");
    for (size_t i = 0; i < n; i++) {
        const liq_result *r = rs[i];
        row_cells(r, cells, false);
        sb_add(b, "| ");
        md_cell(b, r->scenario);
        sb_add(b, " | ");
        md_cell(b, r->venue);
        sb_add(b, " |");
        for (int c = 0; c < COLS; c++) {
            sb_add(b, " ");
            md_cell(b, cells[c]);
            sb_add(b, " |");
            if (c == C_MARKET) {
                sb_add(b, " ");
                md_cell(b, r->product ? r->product : "-");
                sb_add(b, " |");
            }
        }
        sb_add(b, " ");
        md_cell(b, r->reason ? r->reason : "");
        sb_add(b, " |\n");
    }
    /* A list after the table: Markdown has no place for notes inside. */
    bool any = false;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < rs[i]->nwarnings; k++) {
            sb_add(b, "%s- **%s**: ", any ? "" : "\nNotes:\n\n", rs[i]->policy);
            md_cell(b, rs[i]->warnings[k]);
            sb_add(b, "\n");
            any = true;
        }
    stops_list(b, rs, n, "\nStop-loss:\n\n", "- ");
}

/* The trace (--explain) in the table's and Markdown's way: after the
 * rows, per policy. JSON and NDJSON carry it inside each result; CSV has
 * no place for it (the CLI refuses the pair). */
static void render_trace(sbuf *b, liq_result *const *rs, size_t n, bool md)
{
    for (size_t i = 0; i < n; i++) {
        const liq_result *r = rs[i];
        if (!r->explain)
            continue;
        if (md) {
            sb_add(b, "\n### Trace: ");
            md_cell(b, r->policy);
            sb_add(b, "\n\n| step | value | rule | source | note |\n|---|---:|---|---|---|\n");
            for (size_t k = 0; k < r->ntrace; k++) {
                const liq_trace *t = &r->trace[k];
                char src[1400];
                snprintf(src, sizeof src, "%s", t->source);
                if (t->nrefs) {
                    size_t l = strlen(src);
                    snprintf(src + l, sizeof src - l, " — ");
                    l = strlen(src);
                    result_trace_refs_text(t, src + l, sizeof src - l);
                }
                const char *f[5] = {t->step, t->value, t->rule, src, t->note};
                sb_add(b, "|");
                for (int c = 0; c < 5; c++) {
                    sb_add(b, " ");
                    md_cell(b, f[c]);
                    sb_add(b, " |");
                }
                sb_add(b, "\n");
            }
            continue;
        }
        sb_add(b, "\ntrace: %s\n", r->policy);
        for (size_t k = 0; k < r->ntrace; k++) {
            const liq_trace *t = &r->trace[k];
            sb_add(b, "  %-20s %-22s %s", t->step, t->value, t->rule);
            if (t->source[0])
                sb_add(b, "  [%s]", t->source);
            if (t->note[0])
                sb_add(b, "\n  %-20s %-22s %s", "", "", t->note);
            if (t->nrefs) {
                char refs[1100];
                result_trace_refs_text(t, refs, sizeof refs);
                sb_add(b, "\n  %-20s %-22s sources: %s", "", "", refs);
            }
            sb_add(b, "\n");
        }
    }
}

char *liq_results_render_opts(liq_result *const *rs, size_t n, const liq_render_opts *o)
{
    if (o->format == LIQ_FMT_JSON || o->format == LIQ_FMT_NDJSON)
        return result_render_json(rs, n, o->format == LIQ_FMT_NDJSON ? RJ_NDJSON
                                         : o->as_array          ? RJ_ARRAY
                                                                : RJ_OBJECT);
    if (o->format == LIQ_FMT_HTML)
        return report_html_compare(rs, n);
    sbuf b = {0};
    if (o->format == LIQ_FMT_TABLE)
        render_table(&b, rs, n, o);
    else if (o->format == LIQ_FMT_CSV)
        render_csv(&b, rs, n);
    else
        render_md(&b, rs, n);
    if (o->format != LIQ_FMT_CSV)
        render_trace(&b, rs, n, o->format == LIQ_FMT_MD);
    return sb_take(&b);
}

char *liq_results_render(liq_result *const *rs, size_t n, liq_format fmt, bool as_array)
{
    liq_render_opts o = {.format = fmt, .as_array = as_array};
    return liq_results_render_opts(rs, n, &o);
}
