/*
 * report_replay.c — a replay's report (liq_replay_report, liqsim.h): the
 * series each policy's run left (the insurance fund's balance and the
 * liquidations over time), its summary, and two views of them: the
 * summaries as JSON (what `liqsim replay --format json` prints) and an
 * HTML page (report_html.h's frame, svg.c's charts).
 *
 * It records from liq_replay's own callbacks, so the replay itself knows
 * nothing of reports. Times on the x axis are the path's own: UTC times
 * when every one reads as one, numbers when every one is a number,
 * otherwise the tick index. Amounts stay exact decimals; each chart of
 * money is drawn per settlement currency.
 */
#include "book.h"
#include "mem.h"
#include "policy.h"
#include "replay_json.h"
#include "report_html.h"
#include "result.h"
#include "svg.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct run {
    char *policy, *venue, *settlement, *market;
    liq_replay_summary sum;
    bool done;
    /* fund balance after each tick with liquidations (replay.c's on_fund) */
    size_t *ftick; liq_dec *fbal; size_t nf, capf;
    /* cumulative full liquidations at each tick that had some */
    size_t *ltick, *lcum; size_t nl, capl;
} run;

struct liq_replay_report {
    const liq_book *book;
    const liq_path *path;
    char **notes; size_t nnotes;      /* the input files' leading comments */
    run *runs; size_t nruns, capruns;
    bool oom;
};

static char *dupstr(const char *s)
{
    return mem_strdup(s ? s : "");
}

/* The '#' lines at the top of a file, "# " taken off. */
static void read_comments(liq_replay_report *r, const char *file, const char *what)
{
    FILE *f = file ? fopen(file, "r") : NULL;
    if (!f)
        return;
    char line[1200];
    while (fgets(line, sizeof line, f) && line[0] == '#') {
        line[strcspn(line, "\r\n")] = 0;
        const char *t = line + 1 + (line[1] == ' ');
        size_t len = strlen(what) + strlen(file) + strlen(t) + 8;
        char **g = mem_realloc(r->notes, (r->nnotes + 1) * sizeof *g);
        char *s = mem_malloc(len);
        if (!g || !s) {
            free(s);
            if (g)
                r->notes = g;
            r->oom = true;
            break;
        }
        r->notes = g;
        snprintf(s, len, "%s %s: %s", what, file, t);
        r->notes[r->nnotes++] = s;
    }
    fclose(f);
}

liq_replay_report *liq_replay_report_new(const liq_book *b, const liq_path *path)
{
    liq_replay_report *r = mem_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->book = b;
    r->path = path;
    read_comments(r, path->path, "path");
    read_comments(r, b->path, "book");
    return r;
}

void liq_replay_report_free(liq_replay_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nnotes; i++)
        free(r->notes[i]);
    free(r->notes);
    for (size_t i = 0; i < r->nruns; i++) {
        run *u = &r->runs[i];
        free(u->policy);
        free(u->venue);
        free(u->settlement);
        free(u->market);
        free(u->ftick);
        free(u->fbal);
        free(u->ltick);
        free(u->lcum);
    }
    free(r->runs);
    free(r);
}

bool liq_replay_report_begin(liq_replay_report *r, const liq_policy *p)
{
    if (r->nruns == r->capruns) {
        size_t cap = r->capruns ? r->capruns * 2 : 4;
        run *g = mem_realloc(r->runs, cap * sizeof *g);
        if (!g)
            return !(r->oom = true);
        r->runs = g;
        r->capruns = cap;
    }
    run *u = &r->runs[r->nruns++];
    *u = (run){.policy = dupstr(p->r.name.v), .venue = dupstr(p->r.venue.v),
               .settlement = dupstr(p->r.contract.settlement.v)};
    if (!u->policy || !u->venue || !u->settlement)
        r->oom = true;
    return !r->oom;
}

static run *current(liq_replay_report *r)
{
    return r->nruns && !r->runs[r->nruns - 1].done ? &r->runs[r->nruns - 1] : NULL;
}

/* Grow a pair of parallel arrays by one; false when out of memory. */
static bool grow2(void **a, size_t ea, void **b, size_t eb, size_t n, size_t *cap)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 64;
    void *ga = mem_realloc(*a, c * ea);
    if (ga)
        *a = ga;
    void *gb = ga ? mem_realloc(*b, c * eb) : NULL;
    if (gb)
        *b = gb;
    if (!ga || !gb)
        return false;
    *cap = c;
    return true;
}

void liq_replay_report_event(void *report, const char *line)
{
    liq_replay_report *r = report;
    run *u = current(r);
    if (!u)
        return;
    /* The summary counts full closes (a liquidation, or the backstop
     * taking the position over); partial slices are counted apart. */
    json_t *o = json_loads(line, 0, NULL);
    const char *type = json_string_value(json_object_get(o, "type"));
    json_t *tick = json_object_get(o, "tick");
    if (type && json_is_integer(tick) &&
        (strcmp(type, "liquidation") == 0 || strcmp(type, "backstop_takeover") == 0)) {
        size_t t = (size_t)json_integer_value(tick);
        if (u->nl && u->ltick[u->nl - 1] == t) {
            u->lcum[u->nl - 1]++;
        } else if (grow2((void **)&u->ltick, sizeof(size_t), (void **)&u->lcum, sizeof(size_t),
                         u->nl, &u->capl)) {
            u->ltick[u->nl] = t;
            u->lcum[u->nl] = (u->nl ? u->lcum[u->nl - 1] : 0) + 1;
            u->nl++;
        } else {
            r->oom = true;
        }
    }
    json_decref(o);
}

void liq_replay_report_fund(void *report, size_t tick, const char *time, liq_dec balance)
{
    liq_replay_report *r = report;
    run *u = current(r);
    (void)time;
    if (!u)
        return;
    if (!grow2((void **)&u->ftick, sizeof(size_t), (void **)&u->fbal, sizeof(liq_dec), u->nf,
               &u->capf)) {
        r->oom = true;
        return;
    }
    u->ftick[u->nf] = tick;
    u->fbal[u->nf++] = balance;
}

bool liq_replay_report_end(liq_replay_report *r, const liq_replay_summary *s)
{
    run *u = current(r);
    if (!u)
        return false;
    u->sum = *s;
    /* The summary's currency is the policy's string: the run keeps its
     * own copy, so the page renders after the policy is freed. */
    u->sum.settlement = u->settlement;
    if (s->market && !(u->market = dupstr(s->market)))
        r->oom = true;
    u->sum.market = u->market;
    u->done = true;
    return !r->oom;
}

/* ---- JSON ------------------------------------------------------------ */

static json_t *jdec(liq_dec v)
{
    char b[LIQ_DEC_STRLEN];
    return json_string(dstr(v, b));
}

/* The array `liqsim replay --format json` prints: replay_json.c's
 * object per policy. */
static char *summaries_json(const liq_replay_report *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < r->nruns; i++)
        if (json_array_append_new(arr, replay_summary_obj(r->runs[i].policy, &r->runs[i].sum)))
            break;
    char *s = arr && json_array_size(arr) == r->nruns ? json_dumps(arr, JSON_INDENT(2)) : NULL;
    json_decref(arr);
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *out = mem_realloc(s, len + 2);
    if (!out) {
        free(s);
        return NULL;
    }
    memcpy(out + len, "\n", 2);
    return out;
}

/* ---- the time axis ----------------------------------------------------- */

typedef struct timeline {
    liq_dec *x;          /* per tick */
    bool is_time;        /* x in seconds since 1970 */
    const char *label;
} timeline;

static bool timeline_make(const liq_path *p, timeline *t)
{
    t->x = mem_calloc(p->n ? p->n : 1, sizeof *t->x);
    if (!t->x)
        return false;
    bool ok = true;
    for (size_t i = 0; i < p->n && ok; i++) {
        int64_t s;
        if ((ok = svg_time_parse(p->time[i], &s)))
            t->x[i] = liq_dec_from_int(s);
    }
    if (ok) {
        t->is_time = true;
        t->label = "time (UTC)";
        return true;
    }
    /* A number column is an axis only when every row is one, in order. */
    ok = true;
    for (size_t i = 0; i < p->n && ok; i++)
        ok = liq_dec_from_str(p->time[i], &t->x[i]) == LIQ_OK &&
             (i == 0 || liq_dec_cmp(t->x[i], t->x[i - 1]) >= 0);
    if (ok) {
        t->label = "time (as in the path file)";
        return true;
    }
    for (size_t i = 0; i < p->n; i++)
        t->x[i] = liq_dec_from_int((int64_t)i);
    t->label = "tick (row of the path)";
    return true;
}

/* ---- the page ---------------------------------------------------------- */

static void price_chart(sbuf *b, const liq_path *p, const timeline *tl)
{
    html_figure(b, "Price path: the mark the replay walked");
    svg_line ln = {.name = NULL, .n = p->n, .x = tl->x, .y = p->mark, .step = false};
    svg_lines(b, &(svg_plot){.id = "price", .x_axis = tl->label,
                             .y_axis = "mark (quote per base unit)",
                             .x_time = tl->is_time, .x_lo = tl->x[0], .x_hi = tl->x[p->n - 1],
                             .nlines = 1, .lines = &ln});
    html_figure_end(b);
}

/* Each run's fund as a step line from its start; per settlement currency. */
static void fund_charts(sbuf *b, const liq_replay_report *r, const timeline *tl)
{
    const liq_path *p = r->path;
    for (size_t i = 0; i < r->nruns; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(r->runs[j].settlement, r->runs[i].settlement) == 0;
        if (seen)
            continue;
        const char *ccy = r->runs[i].settlement;
        size_t m = 0;
        for (size_t k = i; k < r->nruns; k++)
            m += strcmp(r->runs[k].settlement, ccy) == 0;
        svg_line *lines = mem_calloc(m, sizeof *lines);
        liq_dec **xs = mem_calloc(m, sizeof *xs), **ys = mem_calloc(m, sizeof *ys);
        char **names = mem_calloc(m, sizeof *names);
        bool unlimited = false;   /* any of the group's funds */
        size_t n = 0;
        for (size_t k = i; lines && xs && ys && names && k < r->nruns; k++) {
            const run *u = &r->runs[k];
            if (strcmp(u->settlement, ccy) != 0)
                continue;
            xs[n] = mem_calloc(u->nf + 1, sizeof **xs);
            ys[n] = mem_calloc(u->nf + 1, sizeof **ys);
            size_t len = strlen(u->policy) + 40;
            names[n] = mem_malloc(len);
            if (!xs[n] || !ys[n] || !names[n]) {
                b->oom = true;
                n++;
                break;
            }
            snprintf(names[n], len, "%s%s", u->policy,
                     u->sum.fund_finite ? "" : " (unlimited: net flow)");
            unlimited |= !u->sum.fund_finite;
            xs[n][0] = tl->x[0];
            ys[n][0] = u->sum.fund_start;
            for (size_t f = 0; f < u->nf; f++) {
                xs[n][f + 1] = tl->x[u->ftick[f]];
                ys[n][f + 1] = u->fbal[f];
            }
            lines[n] = (svg_line){.name = names[n], .n = u->nf + 1, .x = xs[n], .y = ys[n],
                                  .step = true};
            n++;
        }
        if (!lines || !xs || !ys || !names)
            b->oom = true;
        if (!b->oom) {
            char cap[200], id[32], axis[120];
            /* An unlimited fund has no balance: its net flow is drawn. */
            snprintf(cap, sizeof cap, "Insurance fund, %s%s", ccy,
                     unlimited ? ": net of fees received and payouts, from 0" : "");
            snprintf(id, sizeof id, "fund-%zu", i);
            snprintf(axis, sizeof axis, "insurance fund (%s)", ccy);
            html_figure(b, cap);
            svg_lines(b, &(svg_plot){.id = id, .x_axis = tl->label, .y_axis = axis,
                                     .x_time = tl->is_time, .x_lo = tl->x[0],
                                     .x_hi = tl->x[p->n - 1], .nlines = n, .lines = lines});
            html_figure_end(b);
        }
        for (size_t k = 0; k < n; k++) {
            free(xs[k]);
            free(ys[k]);
            free(names[k]);
        }
        free(lines);
        free(xs);
        free(ys);
        free(names);
    }
}

static void liquidation_chart(sbuf *b, const liq_replay_report *r, const timeline *tl)
{
    const liq_path *p = r->path;
    svg_line *lines = mem_calloc(r->nruns ? r->nruns : 1, sizeof *lines);
    liq_dec **xs = mem_calloc(r->nruns ? r->nruns : 1, sizeof *xs);
    liq_dec **ys = mem_calloc(r->nruns ? r->nruns : 1, sizeof *ys);
    size_t n = 0;
    for (; lines && xs && ys && n < r->nruns; n++) {
        const run *u = &r->runs[n];
        xs[n] = mem_calloc(u->nl + 1, sizeof **xs);
        ys[n] = mem_calloc(u->nl + 1, sizeof **ys);
        if (!xs[n] || !ys[n]) {
            n++;
            b->oom = true;
            break;
        }
        xs[n][0] = tl->x[0];
        ys[n][0] = LIQ_DEC_ZERO;
        for (size_t k = 0; k < u->nl; k++) {
            xs[n][k + 1] = tl->x[u->ltick[k]];
            ys[n][k + 1] = liq_dec_from_int((int64_t)u->lcum[k]);
        }
        lines[n] = (svg_line){.name = u->policy, .n = u->nl + 1, .x = xs[n], .y = ys[n],
                              .step = true};
    }
    if (!lines || !xs || !ys)
        b->oom = true;
    if (!b->oom) {
        html_figure(b, "Liquidations over time, per policy (accounts closed, cumulative)");
        svg_lines(b, &(svg_plot){.id = "liquidations", .x_axis = tl->label,
                                 .y_axis = "accounts liquidated (count)", .x_time = tl->is_time,
                                 .x_lo = tl->x[0], .x_hi = tl->x[p->n - 1], .nlines = n,
                                 .lines = lines});
        html_figure_end(b);
    }
    for (size_t k = 0; k < n; k++) {
        free(xs[k]);
        free(ys[k]);
    }
    free(lines);
    free(xs);
    free(ys);
}

/* Per currency: the loss (before fees, fees) beside who paid the deficit. */
static void loss_charts(sbuf *b, const liq_replay_report *r)
{
    static const char *const loss_parts[] = {"loss before fees", "fees and forfeited margin"};
    static const char *const loss_colors[] = {"#E69F00", "#CC79A7"};
    for (size_t i = 0; i < r->nruns; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(r->runs[j].settlement, r->runs[i].settlement) == 0;
        if (seen)
            continue;
        const char *ccy = r->runs[i].settlement;
        size_t m = 0;
        for (size_t k = i; k < r->nruns; k++)
            m += strcmp(r->runs[k].settlement, ccy) == 0;
        const char **names = mem_calloc(m, sizeof *names);
        liq_dec *loss = mem_calloc(m * 2, sizeof *loss), *cover = mem_calloc(m * 6, sizeof *cover);
        if (!names || !loss || !cover) {
            b->oom = true;
        } else {
            size_t n = 0;
            for (size_t k = i; k < r->nruns; k++) {
                const run *u = &r->runs[k];
                if (strcmp(u->settlement, ccy) != 0)
                    continue;
                names[n] = u->policy;
                if (liq_dec_sub(u->sum.loss_total, u->sum.fees, &loss[n * 2]) != LIQ_OK)
                    b->oom = true;   /* cannot happen: fees are part of the loss */
                loss[n * 2 + 1] = u->sum.fees;
                for (int s = 0; s < 6; s++)
                    cover[n * 6 + s] = u->sum.covered[s];
                n++;
            }
            char cap[160], axis[120];
            snprintf(cap, sizeof cap, "Traders' loss across the book, %s", ccy);
            snprintf(axis, sizeof axis, "traders' loss (%s)", ccy);
            html_loss_and_cover(b, ccy, i, cap, axis, names, m, loss, 2, loss_parts, loss_colors,
                                cover);
        }
        free(names);
        free(loss);
        free(cover);
    }
}

static void count_cell(sbuf *b, size_t row, const char *key, size_t v)
{
    char t[32];
    snprintf(t, sizeof t, "%zu", v);
    html_cell(b, row, key, t, true);
}

static void dec_cell(sbuf *b, size_t row, const char *key, liq_dec v)
{
    char t[LIQ_DEC_STRLEN];
    html_cell(b, row, key, dstr(v, t), true);
}

static void summary_table(sbuf *b, const liq_replay_report *r)
{
    sb_add(b, "<h2>Summary per policy</h2>\n<div class=\"wrap\"><table id=\"summary\">\n"
              "<thead><tr><th>policy</th><th>currency</th><th>accounts</th><th>liquidated</th>"
              "<th>partial slices</th><th>ADL fills</th><th>socialization rounds</th>"
              "<th>in debt</th><th>loss</th><th>fees</th><th>deficit</th><th>insurance fund</th>"
              "<th>ADL</th><th>socialized</th><th>liquidity pool</th><th>venue</th>"
              "<th>trader debt</th><th>debt owed</th><th>fund start</th><th>fund end</th>"
              "<th>fund low</th></tr></thead>\n<tbody>\n");
    static const char *const cov_keys[6] = {
        "covered_by.insurance_fund", "covered_by.adl", "covered_by.socialized",
        "covered_by.liquidity_pool", "covered_by.venue", "covered_by.trader_debt"};
    for (size_t i = 0; i < r->nruns; i++) {
        const run *u = &r->runs[i];
        const liq_replay_summary *s = &u->sum;
        sb_add(b, "<tr>");
        html_cell(b, i, "policy", u->policy, false);
        sb_add(b, "<td>");
        sb_html(b, u->settlement);
        sb_add(b, "</td>");
        count_cell(b, i, "accounts", s->accounts);
        count_cell(b, i, "liquidations", s->liquidations);
        count_cell(b, i, "partial_liquidations", s->partials);
        count_cell(b, i, "adl_events", s->adl_events);
        count_cell(b, i, "socialized_events", s->socialized_events);
        count_cell(b, i, "debtors", s->debtors);
        dec_cell(b, i, "loss_total", s->loss_total);
        dec_cell(b, i, "fees", s->fees);
        dec_cell(b, i, "deficit", s->deficit);
        for (int k = 0; k < 6; k++)
            dec_cell(b, i, cov_keys[k], s->covered[k]);
        dec_cell(b, i, "debt_total", s->debt_total);
        if (s->fund_finite) {
            dec_cell(b, i, "insurance_fund.start", s->fund_start);
            dec_cell(b, i, "insurance_fund.end", s->fund_end);
            dec_cell(b, i, "insurance_fund.min", s->fund_min);
        } else {
            html_cell(b, i, "insurance_fund.start", "unlimited", true);
            sb_add(b, "<td colspan=\"2\">net of fees received and payouts: ");
            char t[LIQ_DEC_STRLEN];
            sb_add(b, "<span data-row=\"%zu\" data-key=\"insurance_fund.received_net\">%s</span>"
                      "</td>",
                   i, dstr(s->fund_end, t));
        }
        sb_add(b, "</tr>\n");
    }
    sb_add(b, "</tbody></table></div>\n");
}

static char *series_json(const liq_replay_report *r, const timeline *tl)
{
    json_t *runs = json_array();
    for (size_t i = 0; i < r->nruns; i++) {
        const run *u = &r->runs[i];
        json_t *fund = json_array(), *liq = json_array();
        for (size_t k = 0; k < u->nf; k++)
            json_array_append_new(fund, json_pack("[I o]", (json_int_t)u->ftick[k],
                                                  jdec(u->fbal[k])));
        for (size_t k = 0; k < u->nl; k++)
            json_array_append_new(liq, json_pack("[I I]", (json_int_t)u->ltick[k],
                                                 (json_int_t)u->lcum[k]));
        json_array_append_new(runs, json_pack("{s:s s:s s:s s:o s:o}", "policy", u->policy,
                                              "venue", u->venue, "settlement", u->settlement,
                                              "fund_after_tick", fund,
                                              "liquidations_cumulative", liq));
    }
    json_t *o = json_pack("{s:s s:s s:I s:s s:o}", "path", r->path->path ? r->path->path : "",
                          "book", r->book->path ? r->book->path : "",
                          "ticks", (json_int_t)r->path->n, "x_axis", tl->label, "runs", runs);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

static char *replay_html(const liq_replay_report *r, const char *json)
{
    timeline tl = {0};
    if (r->path->n == 0 || !timeline_make(r->path, &tl)) {
        free(tl.x);
        return NULL;
    }
    char *series = series_json(r, &tl);
    if (!series) {
        free(tl.x);
        return NULL;
    }
    sbuf b = {0};
    char title[400], sub[400];
    snprintf(title, sizeof title, "Replay: %s", r->path->path ? r->path->path : "path");
    snprintf(sub, sizeof sub, "%zu accounts (%s) through %zu ticks under %zu %s, by liqsim %s. "
                              "Amounts are exact decimals in each policy's settlement currency.",
             r->book->n, r->book->path ? r->book->path : "book", r->path->n, r->nruns,
             r->nruns == 1 ? "policy" : "policies", LIQSIM_VERSION);
    html_begin(&b, title, sub);
    html_notes(&b, "inputs", "What the inputs are (from their files)", (const char *const *)r->notes,
               r->nnotes);
    /* Which path column stood for each venue's price (a path of several):
     * each run's note, prefixed with its policy. */
    char **pn = mem_calloc(r->nruns ? r->nruns : 1, sizeof *pn);
    size_t npn = 0;
    for (size_t i = 0; pn && i < r->nruns; i++)
        if (r->runs[i].sum.price_note[0]) {
            size_t len = strlen(r->runs[i].policy) + strlen(r->runs[i].sum.price_note) + 3;
            if (!(pn[npn] = mem_malloc(len))) {
                b.oom = true;
                break;
            }
            snprintf(pn[npn++], len, "%s: %s", r->runs[i].policy, r->runs[i].sum.price_note);
        }
    b.oom |= pn == NULL;
    html_notes(&b, "price-columns", "Which price triggered and which filled", (const char *const *)pn, npn);
    for (size_t i = 0; i < npn; i++)
        free(pn[i]);
    free(pn);
    sb_add(&b, "<h2>Over time</h2>\n<div class=\"charts\">\n");
    price_chart(&b, r->path, &tl);
    liquidation_chart(&b, r, &tl);
    sb_add(&b, "</div>\n<div class=\"charts\">\n");
    fund_charts(&b, r, &tl);
    sb_add(&b, "</div>\n<h2>Loss and who paid the deficit, per policy</h2>\n");
    loss_charts(&b, r);
    summary_table(&b, r);
    html_json(&b, "liqsim-result", json);
    html_json(&b, "liqsim-series", series);
    html_end(&b);
    free(series);
    free(tl.x);
    return sb_take(&b);
}

char *liq_replay_report_render(const liq_replay_report *r, liq_format fmt)
{
    if (!r || r->oom || (fmt != LIQ_FMT_JSON && fmt != LIQ_FMT_HTML))
        return NULL;
    for (size_t i = 0; i < r->nruns; i++)
        if (!r->runs[i].done)
            return NULL;
    char *json = summaries_json(r);
    if (!json || fmt == LIQ_FMT_JSON)
        return json;
    char *page = replay_html(r, json);
    free(json);
    return page;
}
