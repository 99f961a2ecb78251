/*
 * report_html.c — `--format html`: one self-contained page (no script,
 * no link, nothing fetched at view time) with charts drawn as inline SVG
 * (svg.c), the numbers in tables, and the result's JSON embedded.
 *
 * Owns the page frame every report shares (style, print stylesheet,
 * notes, the embedded JSON), the compare page (per venue: the loss split
 * beside who paid the deficit, then the exact numbers) and the grid page
 * (a heatmap, liq_grid_render). The replay page is report_replay.c.
 *
 * The page holds nothing that changes from run to run (no date, no
 * path of the build): the same input gives the same bytes. Amounts are
 * the exact decimals of the JSON, in each row's settlement currency.
 */
#include "mem.h"
#include "report_html.h"
#include "result.h"
#include "svg.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Screen and print: print drops colours of the page (not of the charts),
 * keeps each figure on one page and lets wide tables shrink. */
static const char css[] =
    "body{font:14px/1.4 'DejaVu Sans',Arial,sans-serif;margin:1.5em auto;max-width:1320px;"
    "padding:0 1em;color:#111;background:#fff}\n"
    "h1{font-size:1.45em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .5em;"
    "border-bottom:1px solid #ccc}\n"
    ".sub{color:#444;margin:0 0 1em}\n"
    ".notes{background:#fff4d6;border-left:4px solid #e69f00;padding:.4em .8em;margin:1em 0}\n"
    ".notes ul{margin:.2em 0;padding-left:1.2em}\n"
    ".charts{display:flex;flex-wrap:wrap;gap:1em 2em;align-items:flex-start}\n"
    "figure{margin:0 0 1em}figcaption{font-weight:bold;margin-bottom:.3em;max-width:560px}\n"
    "svg.chart{max-width:100%;height:auto;background:#fff}\n"
    "svg text{font:11px 'DejaVu Sans',Arial,sans-serif}\n"
    "svg text.axis{font-weight:bold}\n"
    ".wrap{overflow-x:auto}\n"
    "table{border-collapse:collapse;margin:.4em 0 1em}\n"
    "th,td{border:1px solid #bbb;padding:2px 6px;vertical-align:top}\n"
    "th{background:#f0f0f0;text-align:left}\n"
    "td.n{text-align:right;font-family:'DejaVu Sans Mono',monospace;white-space:nowrap}\n"
    "@media print{body{margin:0;max-width:none;font-size:10pt}"
    "h2{break-after:avoid;page-break-after:avoid}"
    "figure,tr{break-inside:avoid;page-break-inside:avoid}"
    ".charts{display:block}.wrap{overflow:visible}"
    "table{font-size:7.5pt}th{background:none}"
    ".notes{background:none;border:1px solid #000}}\n";

void html_begin(sbuf *b, const char *title, const char *subtitle)
{
    sb_add(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
              "<meta name=\"generator\" content=\"liqsim %s\">\n<title>",
           LIQSIM_VERSION);
    sb_html(b, title);
    sb_add(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", css);
    sb_html(b, title);
    sb_add(b, "</h1>\n");
    if (subtitle) {
        sb_add(b, "<p class=\"sub\">");
        sb_html(b, subtitle);
        sb_add(b, "</p>\n");
    }
    sb_add(b, "</header>\n");
}

void html_notes(sbuf *b, const char *id, const char *heading, const char *const *notes, size_t n)
{
    if (n == 0)
        return;
    sb_add(b, "<section class=\"notes\" id=\"%s\">\n<strong>", id);
    sb_html(b, heading);
    sb_add(b, "</strong>\n<ul>\n");
    for (size_t i = 0; i < n; i++) {
        sb_add(b, "<li>");
        sb_html(b, notes[i]);
        sb_add(b, "</li>\n");
    }
    sb_add(b, "</ul>\n</section>\n");
}

void html_figure(sbuf *b, const char *caption)
{
    sb_add(b, "<figure>\n<figcaption>");
    sb_html(b, caption);
    sb_add(b, "</figcaption>\n");
}

void html_figure_end(sbuf *b)
{
    sb_add(b, "</figure>\n");
}

void html_json(sbuf *b, const char *id, const char *json)
{
    sb_add(b, "<script type=\"application/json\" id=\"%s\">\n", id);
    /* '<' only occurs inside JSON strings, where \u003c means the same. */
    for (const char *run = json;; json++) {
        if (*json == '<' || *json == 0) {
            sb_addn(b, run, (size_t)(json - run));
            if (*json == 0)
                break;
            sb_add(b, "\\u003c");
            run = json + 1;
        }
    }
    sb_add(b, "</script>\n");
}

void html_cell(sbuf *b, size_t row, const char *key, const char *text, bool numeric)
{
    sb_add(b, "<td%s data-row=\"%zu\" data-key=\"%s\">", numeric ? " class=\"n\"" : "", row, key);
    sb_html(b, text);
    sb_add(b, "</td>");
}

void html_end(sbuf *b)
{
    sb_add(b, "</body>\n</html>\n");
}

/* ---- compare ----------------------------------------------------------- */

#define NULL_TEXT "—"

static const char *const loss_parts[] = {"unforced (entry to trigger)", "forced (trigger to fill)",
                                         "fees"};
static const char *const cover_parts[] = {"insurance fund", "ADL", "socialized",
                                          "liquidity pool", "venue", "trader debt"};
static const int cover_stage[] = {STAGE_IF, STAGE_ADL, STAGE_SOCIALIZED, STAGE_POOL,
                                  STAGE_VENUE, STAGE_DEBT};
/* The loss in warm colours, the payers in others; distinct in grey too. */
static const char *const loss_colors[] = {"#E69F00", "#D55E00", "#CC79A7"};
static const char *const cover_colors[] = {"#0072B2", "#56B4E9", "#009E73",
                                           "#F0E442", "#999999", "#000000"};

void html_loss_and_cover(sbuf *b, const char *ccy, size_t group, const char *loss_caption,
                         const char *loss_axis, const char *const *names, size_t nbars,
                         const liq_dec *loss, size_t nloss, const char *const *lparts,
                         const char *const *lcolors, const liq_dec *cover)
{
    char id[32], axis[160], cap[200];
    sb_add(b, "<div class=\"charts\" data-currency=\"");
    sb_html(b, ccy);
    sb_add(b, "\">\n");
    html_figure(b, loss_caption);
    snprintf(id, sizeof id, "loss-%zu", group);
    svg_hbars(b, &(svg_bars){.id = id, .axis = loss_axis, .unit = ccy, .nbars = nbars,
                             .nparts = nloss, .bars = names, .parts = lparts, .v = loss,
                             .colors = lcolors});
    html_figure_end(b);
    snprintf(cap, sizeof cap, "Who paid the deficit, %s", ccy);
    html_figure(b, cap);
    snprintf(id, sizeof id, "cover-%zu", group);
    snprintf(axis, sizeof axis, "deficit covered (%s)", ccy);
    svg_hbars(b, &(svg_bars){.id = id, .axis = axis, .unit = ccy, .nbars = nbars, .nparts = 6,
                             .bars = names, .parts = cover_parts, .v = cover,
                             .colors = cover_colors});
    html_figure_end(b);
    sb_add(b, "</div>\n");
}

/* A row with numbers: rows that are not "ok" (not listed, not offered,
 * failed) have none to draw; the notes say why. */
static bool charted(const liq_result *r)
{
    return r->status == RS_OK && r->settlement && *r->settlement;
}

/* A name the JSON writes as null when missing or empty. */
static const char *text_or_null(const char *s)
{
    return s && *s ? s : NULL_TEXT;
}

/* Per settlement currency: one pair of charts (amounts in two currencies
 * never share an axis). */
static void currency_charts(sbuf *b, liq_result *const *rs, size_t n, const char *ccy, size_t gi)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += charted(rs[i]) && strcmp(rs[i]->settlement, ccy) == 0;
    const char **names = mem_calloc(m, sizeof *names);
    liq_dec *loss = mem_calloc(m * 3, sizeof *loss), *cover = mem_calloc(m * 6, sizeof *cover);
    if (!names || !loss || !cover) {
        b->oom = true;
        goto out;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const liq_result *r = rs[i];
        if (!charted(r) || strcmp(r->settlement, ccy) != 0)
            continue;
        names[k] = r->policy;
        loss[k * 3 + 0] = r->walk.unforced;
        loss[k * 3 + 1] = r->walk.forced;
        loss[k * 3 + 2] = r->walk.fees;
        for (int s = 0; s < 6; s++)
            cover[k * 6 + s] = r->cov[cover_stage[s]];
        k++;
    }
    char cap[200], axis[160];
    snprintf(cap, sizeof cap, "Loss by component, %s", ccy);
    snprintf(axis, sizeof axis, "trader's loss (%s)", ccy);
    html_loss_and_cover(b, ccy, gi, cap, axis, names, m, loss, 3, loss_parts, loss_colors, cover);
out:
    free(names);
    free(loss);
    free(cover);
}

/* A number of row r, "—" where the JSON has null (none, or a row that
 * is not "ok"). */
static void dcell(sbuf *b, const liq_result *r, size_t row, const char *key, bool has, liq_dec v)
{
    char t[LIQ_DEC_STRLEN];
    html_cell(b, row, key, has && r->status == RS_OK ? dstr(v, t) : NULL_TEXT, true);
}

static void compare_tables(sbuf *b, liq_result *const *rs, size_t n)
{
    sb_add(b, "<h2>Positions and prices</h2>\n<div class=\"wrap\"><table id=\"prices\">\n<thead><tr>"
              "<th>policy</th><th>venue</th><th>status</th><th>market</th><th>currency</th>"
              "<th>liquidated</th><th>liquidation price</th><th>bankruptcy price</th>"
              "<th>trigger price</th><th>fill price</th><th>collateral</th>"
              "<th>trader lost</th><th>final balance</th><th>owed</th>"
              "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
        const liq_result *r = rs[i];
        sb_add(b, "<tr>");
        html_cell(b, i, "policy", r->policy, false);
        bool ok = r->status == RS_OK;
        html_cell(b, i, "venue", r->venue, false);
        html_cell(b, i, "status", liq_result_status(r), false);
        html_cell(b, i, "market", text_or_null(r->market), false);
        html_cell(b, i, "settlement", text_or_null(r->settlement), false);
        html_cell(b, i, "liquidated", !ok ? NULL_TEXT : r->walk.liquidated ? "yes" : "no", false);
        dcell(b, r, i, "liquidation_price", r->has_lp, r->liquidation_price);
        dcell(b, r, i, "bankruptcy_price", r->has_bp, r->bankruptcy_price);
        dcell(b, r, i, "trigger_price", r->walk.liquidated, r->walk.trigger);
        dcell(b, r, i, "fill_price", r->walk.liquidated && !r->never_filled, r->walk.fill);
        dcell(b, r, i, "collateral", true, r->collateral);
        liq_dec lost;
        bool has_lost = ok && result_trader_lost(r, &lost) == LIQ_OK;
        dcell(b, r, i, "trader_lost", has_lost, has_lost ? lost : LIQ_DEC_ZERO);
        dcell(b, r, i, "final_balance", true, r->final_balance);
        dcell(b, r, i, "debt.owed", true, r->owed);
        sb_add(b, "</tr>\n");
    }
    sb_add(b, "</tbody></table></div>\n");
    sb_add(b, "<h2>Loss and who paid the deficit</h2>\n<div class=\"wrap\"><table id=\"losses\">\n"
              "<thead><tr><th>policy</th><th>unforced</th><th>forced</th><th>fees</th>"
              "<th>total loss</th><th>deficit</th><th>insurance fund</th><th>ADL</th>"
              "<th>socialized</th><th>liquidity pool</th><th>venue</th><th>trader debt</th>"
              "</tr></thead>\n<tbody>\n");
    static const char *const cover_keys[] = {
        "covered_by.insurance_fund", "covered_by.adl", "covered_by.socialized",
        "covered_by.liquidity_pool", "covered_by.venue", "covered_by.trader_debt"};
    for (size_t i = 0; i < n; i++) {
        const liq_result *r = rs[i];
        sb_add(b, "<tr>");
        html_cell(b, i, "policy", r->policy, false);
        dcell(b, r, i, "loss.unforced", true, r->walk.unforced);
        dcell(b, r, i, "loss.forced", true, r->walk.forced);
        dcell(b, r, i, "loss.fees", true, r->walk.fees);
        dcell(b, r, i, "loss.total", true, r->total);
        dcell(b, r, i, "deficit", true, r->deficit);
        for (int s = 0; s < 6; s++)
            dcell(b, r, i, cover_keys[s], true, r->cov[cover_stage[s]]);
        sb_add(b, "</tr>\n");
    }
    sb_add(b, "</tbody></table></div>\n");
}

/* The rows' stop-losses, in the same sentences as the table's
 * (result_stop.c): the stop's fill beside what liquidation would have
 * done. Only when a scenario has a stop. */
static void compare_stops(sbuf *b, liq_result *const *rs, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (!rs[i]->stop.has || rs[i]->status != RS_OK)
            continue;
        if (!any)
            sb_add(b, "<h2>Stop-loss: its fill beside what liquidation would have done</h2>\n"
                      "<ul id=\"stop-loss\">\n");
        any = true;
        sbuf t = {0};
        result_stop_text(&t, rs[i], "");
        b->oom |= t.oom;
        if (t.n && t.s[t.n - 1] == '\n')
            t.s[--t.n] = 0;
        sb_add(b, "<li>");
        sb_html(b, t.s ? t.s : "");
        sb_add(b, "</li>\n");
        free(t.s);
    }
    if (any)
        sb_add(b, "</ul>\n");
}

static void compare_trace(sbuf *b, liq_result *const *rs, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++)
        any |= rs[i]->explain && rs[i]->ntrace > 0;
    if (!any)
        return;
    sb_add(b, "<h2>Where each number comes from</h2>\n");
    for (size_t i = 0; i < n; i++) {
        const liq_result *r = rs[i];
        if (!r->explain || r->ntrace == 0)
            continue;
        sb_add(b, "<h3>");
        sb_html(b, r->policy);
        sb_add(b, "</h3>\n<div class=\"wrap\"><table class=\"trace\">\n<thead><tr><th>step</th>"
                  "<th>value</th><th>rule</th><th>source</th><th>note</th></tr></thead>\n<tbody>\n");
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
            const char *cells[5] = {t->step, t->value, t->rule, src, t->note};
            sb_add(b, "<tr>");
            for (int c = 0; c < 5; c++) {
                sb_add(b, c == 1 ? "<td class=\"n\">" : "<td>");
                sb_html(b, cells[c]);
                sb_add(b, "</td>");
            }
            sb_add(b, "</tr>\n");
        }
        sb_add(b, "</tbody></table></div>\n");
    }
}

char *report_html_compare(liq_result *const *rs, size_t n)
{
    char *json = result_render_json(rs, n, RJ_ARRAY);
    if (!json)
        return NULL;
    sbuf b = {0};
    char title[300], sub[300];
    snprintf(title, sizeof title, "Liquidation compared: %s", n ? rs[0]->scenario : "no policy");
    snprintf(sub, sizeof sub, "%zu %s, evaluated by liqsim %s. Amounts are exact decimals in each "
                              "row's settlement currency.",
             n, n == 1 ? "policy" : "policies", LIQSIM_VERSION);
    html_begin(&b, title, sub);
    size_t nw = 0;
    for (size_t i = 0; i < n; i++)
        nw += rs[i]->nwarnings + (rs[i]->status != RS_OK);
    char **notes = mem_calloc(nw ? nw : 1, sizeof *notes);
    size_t k = 0;
    for (size_t i = 0; notes && i < n; i++) {
        if (rs[i]->status != RS_OK) {
            const char *why = rs[i]->reason ? rs[i]->reason : "";
            size_t len = strlen(rs[i]->policy) + strlen(why) + 40;
            if ((notes[k] = mem_malloc(len)))
                snprintf(notes[k++], len, "%s: %s — %s", rs[i]->policy, liq_result_status(rs[i]),
                         why);
        }
        for (size_t w = 0; w < rs[i]->nwarnings; w++) {
            size_t len = strlen(rs[i]->policy) + strlen(rs[i]->warnings[w]) + 3;
            if ((notes[k] = mem_malloc(len)))
                snprintf(notes[k++], len, "%s: %s", rs[i]->policy, rs[i]->warnings[w]);
        }
    }
    if (!notes || k < nw)
        b.oom = true;
    html_notes(&b, "notes", "Notes", (const char *const *)notes, k);
    for (size_t i = 0; i < k; i++)
        free(notes[i]);
    free(notes);
    sb_add(&b, "<h2>Loss and who paid the deficit, per venue</h2>\n"
               "<p>The trader's loss split into its parts (from entry to the liquidation "
               "trigger, from trigger to fill, fees) beside who covered the loss beyond the "
               "collateral. One pair of charts per settlement currency.</p>\n");
    for (size_t i = 0; i < n; i++) {
        bool seen = !charted(rs[i]);
        for (size_t j = 0; j < i && !seen; j++)
            seen = charted(rs[j]) && strcmp(rs[j]->settlement, rs[i]->settlement) == 0;
        if (!seen)
            currency_charts(&b, rs, n, rs[i]->settlement, i);
    }
    compare_tables(&b, rs, n);
    compare_stops(&b, rs, n);
    compare_trace(&b, rs, n);
    html_json(&b, "liqsim-result", json);
    free(json);
    html_end(&b);
    return sb_take(&b);
}

/* ---- a grid -------------------------------------------------------------- */

static json_t *grid_axis(const char *name, const char *unit, const liq_dec *v, size_t n)
{
    json_t *vals = json_array();
    char t[LIQ_DEC_STRLEN];
    for (size_t i = 0; i < n; i++)
        json_array_append_new(vals, json_string(dstr(v[i], t)));
    return json_pack("{s:s s:s s:o}", "name", name, "unit", unit, "values", vals);
}

static char *grid_json(const liq_grid *g)
{
    json_t *cells = json_array();
    char t[LIQ_DEC_STRLEN];
    for (size_t j = 0; j < g->ny; j++) {
        json_t *row = json_array();
        for (size_t i = 0; i < g->nx; i++) {
            size_t k = j * g->nx + i;
            json_array_append_new(row, !g->present || g->present[k]
                                           ? json_string(dstr(g->values[k], t))
                                           : json_null());
        }
        json_array_append_new(cells, row);
    }
    json_t *notes = json_array();
    for (size_t i = 0; i < g->n_notes; i++)
        json_array_append_new(notes, json_string(g->notes[i]));
    json_t *o = json_pack("{s:s s:o s:o s:{s:s s:s} s:o s:o}", "title", g->title, "x",
                          grid_axis(g->x_name, g->x_unit, g->xs, g->nx), "y",
                          grid_axis(g->y_name, g->y_unit, g->ys, g->ny), "value", "name",
                          g->value_name, "unit", g->value_unit, "cells", cells, "notes", notes);
    char *s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
    json_decref(o);
    if (!s)
        return NULL;
    /* A newline at the end, as every JSON liqsim prints. */
    size_t len = strlen(s);
    char *out = mem_realloc(s, len + 2);
    if (!out) {
        free(s);
        return NULL;
    }
    memcpy(out + len, "\n", 2);
    return out;
}

static char *grid_html(const liq_grid *g, const char *json)
{
    sbuf b = {0};
    html_begin(&b, g->title, NULL);
    html_notes(&b, "notes", "Notes", g->notes, g->n_notes);
    char cap[400];
    snprintf(cap, sizeof cap, "%s (%s) by %s and %s", g->value_name, g->value_unit, g->y_name,
             g->x_name);
    html_figure(&b, cap);
    svg_heatmap(&b, "heatmap", g);
    html_figure_end(&b);
    sb_add(&b, "<h2>Values</h2>\n<div class=\"wrap\"><table id=\"grid\">\n<thead><tr><th>");
    sb_html(&b, g->y_name);
    sb_add(&b, " (");
    sb_html(&b, g->y_unit);
    sb_add(&b, ") \\ ");
    sb_html(&b, g->x_name);
    sb_add(&b, " (");
    sb_html(&b, g->x_unit);
    sb_add(&b, ")</th>");
    char t[LIQ_DEC_STRLEN];
    for (size_t i = 0; i < g->nx; i++)
        sb_add(&b, "<th>%s</th>", dstr(g->xs[i], t));
    sb_add(&b, "</tr></thead>\n<tbody>\n");
    for (size_t j = 0; j < g->ny; j++) {
        sb_add(&b, "<tr><th>%s</th>", dstr(g->ys[j], t));
        for (size_t i = 0; i < g->nx; i++) {
            size_t k = j * g->nx + i;
            bool has = !g->present || g->present[k];
            sb_add(&b, "<td class=\"n\" data-row=\"%zu\" data-col=\"%zu\">%s</td>", j, i,
                   has ? dstr(g->values[k], t) : NULL_TEXT);
        }
        sb_add(&b, "</tr>\n");
    }
    sb_add(&b, "</tbody></table></div>\n");
    html_json(&b, "liqsim-result", json);
    html_end(&b);
    return sb_take(&b);
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

char *liq_grid_render(const liq_grid *grid, liq_format fmt)
{
    if (!grid || grid->nx == 0 || grid->ny == 0 || !grid->xs || !grid->ys || !grid->values ||
        (fmt != LIQ_FMT_HTML && fmt != LIQ_FMT_JSON))
        return NULL;
    /* Every name may be left NULL by the caller: shown as empty. */
    liq_grid copy = *grid;
    const liq_grid *g = &copy;
    copy.title = grid->title ? grid->title : "liqsim grid";
    copy.x_name = nz(grid->x_name), copy.x_unit = nz(grid->x_unit);
    copy.y_name = nz(grid->y_name), copy.y_unit = nz(grid->y_unit);
    copy.value_name = nz(grid->value_name), copy.value_unit = nz(grid->value_unit);
    if (!grid->notes)
        copy.n_notes = 0;
    char *json = grid_json(g);
    if (!json || fmt == LIQ_FMT_JSON)
        return json;
    char *page = grid_html(g, json);
    free(json);
    return page;
}
