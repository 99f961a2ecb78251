/*
 * test_report_html.c — `--format html` (engine/report_html.c,
 * report_replay.c, svg.c): the page embeds the very JSON `--format json`
 * prints, draws a chart pair per settlement currency with one bar per
 * venue, writes the same bytes for the same input; a replay's page charts
 * the price, the fund and the liquidations over time, its series ending
 * where the summaries do; the grid page's heatmap shows every cell's exact
 * value. What a browser makes of the page is tests/html/check_page.py's
 * (run by ctest as test_html_chromium).
 *
 * Geometry is checked against hand arithmetic: a bar's segments are
 * proportional to their values on an axis widened to whole steps.
 */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "result.h"
#include "svg.h"

/* ---- helpers --------------------------------------------------------- */

/* The text of the <script type="application/json" id="id"> element, with
 * the page's \u003c escapes undone. The caller frees it. */
static char *embedded_json(const char *page, const char *id)
{
    char open[128];
    snprintf(open, sizeof open, "<script type=\"application/json\" id=\"%s\">\n", id);
    const char *a = strstr(page, open);
    assert_non_null(a);
    a += strlen(open);
    const char *e = strstr(a, "</script>");
    assert_non_null(e);
    char *out = malloc((size_t)(e - a) + 1);
    assert_non_null(out);
    size_t n = 0;
    for (const char *p = a; p < e; p++) {
        if (strncmp(p, "\\u003c", 6) == 0) {
            out[n++] = '<';
            p += 5;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = 0;
    return out;
}

/* Leaves text in LIQ_TEST_OUT/name, for a later test to open. */
static void write_test_output(const char *name, const char *text)
{
    mkdir(LIQ_TEST_OUT, 0777);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", LIQ_TEST_OUT, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* The default scenario under the given shipped policies. */
static liq_result **evaluate(const char *const *policies, size_t n, bool explain)
{
    liq_scenario *s = load_scenario_or_fail("scenarios/default.yaml");
    liq_result **rs = calloc(n, sizeof *rs);
    assert_non_null(rs);
    liq_eval_opts eo = {.explain = explain};
    for (size_t i = 0; i < n; i++) {
        char path[256];
        snprintf(path, sizeof path, "policies/%s.yaml", policies[i]);
        liq_policy *p = load_policy_or_fail(path);
        liq_diags d = LIQ_DIAGS_INIT;
        rs[i] = liq_eval(p, s, &eo, &d);
        if (!rs[i])
            fail_with_diags("liq_eval", &d);
        liq_diags_free(&d);
        liq_policy_free(p);
    }
    liq_scenario_free(s);
    return rs;
}

static void free_results(liq_result **rs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        liq_result_free(rs[i]);
    free(rs);
}

/* ---- the compare page -------------------------------------------------- */

/* Two linear venues (USDT, USDC) and one inverse (BTC): three currencies. */
static const char *const three[] = {"binance-usdm", "hyperliquid", "binance-coinm"};

static void test_page_embeds_the_json_result_exactly(void **state)
{
    (void)state;
    liq_result **rs = evaluate(three, 3, false);
    char *page = liq_results_render(rs, 3, LIQ_FMT_HTML, true);
    char *json = liq_results_render(rs, 3, LIQ_FMT_JSON, true);
    assert_non_null(page);
    char *embedded = embedded_json(page, "liqsim-result");
    assert_string_equal(embedded, json);
    free(embedded);
    free(json);
    free(page);
    free_results(rs, 3);
}

static void test_one_chart_pair_per_currency_one_bar_per_venue(void **state)
{
    (void)state;
    liq_result **rs = evaluate(three, 3, false);
    char *page = liq_results_render(rs, 3, LIQ_FMT_HTML, true);
    /* USDT (binance-usdm), USDC (hyperliquid), BTC (binance-coinm):
     * each currency its own loss chart and its own cover chart. */
    assert_int_equal(count_of(page, "<svg "), 6);
    assert_int_equal(count_of(page, "data-currency=\""), 3);
    for (const char *const *id = (const char *const[]){"id=\"loss-0\"", "id=\"cover-0\"",
                                                       "id=\"loss-1\"", "id=\"cover-1\"",
                                                       "id=\"loss-2\"", "id=\"cover-2\"", NULL};
         *id; id++)
        assert_non_null(strstr(page, *id));
    /* Every chart names its currency on the axis. */
    assert_non_null(strstr(page, "trader&#39;s loss (USDT)"));
    assert_non_null(strstr(page, "deficit covered (BTC)"));
    assert_non_null(strstr(page, "trader&#39;s loss (USDC)"));
    /* The liquidated binance-usdm long has an unforced and a forced loss
     * segment; its deficit beyond the 1000 USDT collateral is all the fund's. */
    const char *usdt = strstr(page, "id=\"loss-0\"");
    assert_non_null(strstr(usdt, "binance-usdm — unforced (entry to trigger): "));
    assert_non_null(strstr(usdt, "binance-usdm — forced (trigger to fill): "));
    const char *cover = strstr(page, "id=\"cover-0\"");
    assert_non_null(strstr(cover, "binance-usdm — insurance fund: "));
    assert_null(strstr(cover, "binance-usdm — ADL: "));
    free(page);
    free_results(rs, 3);
}

static void test_same_input_same_bytes(void **state)
{
    (void)state;
    liq_result **a = evaluate(three, 3, true), **b = evaluate(three, 3, true);
    char *pa = liq_results_render(a, 3, LIQ_FMT_HTML, true);
    char *pb = liq_results_render(b, 3, LIQ_FMT_HTML, true);
    assert_string_equal(pa, pb);
    /* With --explain the trace is in the page too, each step in a row. */
    assert_non_null(strstr(pa, "Where each number comes from"));
    assert_non_null(strstr(pa, "<td>liquidation_price</td>"));
    free(pa);
    free(pb);
    free_results(a, 3);
    free_results(b, 3);
}

static void test_page_needs_nothing_from_the_network(void **state)
{
    (void)state;
    liq_result **rs = evaluate(three, 3, false);
    char *page = liq_results_render(rs, 3, LIQ_FMT_HTML, true);
    /* No script that runs, no stylesheet, image or font to fetch. */
    assert_int_equal(count_of(page, "<script"), count_of(page, "<script type=\"application/json\""));
    assert_null(strstr(page, "<link"));
    assert_null(strstr(page, "<img"));
    assert_null(strstr(page, "src="));
    assert_null(strstr(page, "url("));
    assert_null(strstr(page, "@import"));
    /* A print stylesheet. */
    assert_non_null(strstr(page, "@media print"));
    free(page);
    free_results(rs, 3);
}

static void test_warnings_and_rows_without_numbers_show_in_the_page(void **state)
{
    (void)state;
    /* Deribit has no isolated margin: the default isolated long is
     * evaluated in cross, with a warning. Kraken spot margin tops out at
     * 5x: the 10x long is not offered, a row with a reason and no numbers. */
    liq_result **rs = evaluate((const char *const[]){"deribit", "kraken-spot-margin"}, 2,
                               false);
    assert_true(rs[0]->nwarnings > 0);
    assert_string_equal(liq_result_status(rs[1]), "not_offered");
    char *page = liq_results_render(rs, 2, LIQ_FMT_HTML, true);
    const char *notes = strstr(page, "<section class=\"notes\"");
    assert_non_null(notes);
    assert_non_null(strstr(notes, "deribit: Deribit offers no isolated margin"));
    assert_non_null(strstr(notes, "kraken-spot-margin: not_offered — max 5x"));
    /* Only the row with numbers is charted; the other's cells are empty. */
    assert_int_equal(count_of(page, "<svg "), 2);
    assert_null(strstr(page, "kraken-spot-margin — "));
    assert_non_null(strstr(page, "data-row=\"1\" data-key=\"loss.total\">—</td>"));
    assert_non_null(strstr(page, "data-row=\"1\" data-key=\"status\">not_offered</td>"));
    free(page);
    free_results(rs, 2);
}

/* ---- the CLI ------------------------------------------------------------ */

static void test_cli_compare_html(void **state)
{
    (void)state;
    cli_output a = CLI("compare", "--format", "html");
    expect_exit_code(&a, 0);
    assert_true(strncmp(a.out, "<!DOCTYPE html>\n", 16) == 0);
    cli_output b = CLI("compare", "--format=html");
    assert_string_equal(a.out, b.out);
    cli_output j = CLI("compare", "--format", "json");
    char *embedded = embedded_json(a.out, "liqsim-result");
    assert_string_equal(embedded, j.out);
    free(embedded);
    cli_output_free(&a);
    cli_output_free(&b);
    cli_output_free(&j);
}

/* ---- geometry -------------------------------------------------------- */

/* The width attribute of the rect of bar `bar`, part `part`; -1 if none. */
static int seg_width(const char *svg, int bar, int part)
{
    char key[64];
    snprintf(key, sizeof key, "data-bar=\"%d\" data-part=\"%d\"", bar, part);
    const char *p = strstr(svg, key);
    if (!p)
        return -1;
    p = strstr(p, "width=\"");
    return atoi(p + 7);
}

static void test_bar_segments_are_proportional_to_their_values(void **state)
{
    (void)state;
    /* Bar 0 = 1 + 1 (two parts), bar 1 = 2 + 0: both end at 2. The axis
     * is 0..2 (steps of 0.5), so each part of bar 0 is half of bar 1, and
     * a zero part draws nothing. Bar 2 = 3 + (-1): 3 right of zero and 1
     * left of it, on an axis widened to -1..3. */
    liq_dec v[] = {D("1"), D("1"), D("2"), D("0")};
    sbuf b = {0};
    svg_hbars(&b, &(svg_bars){.id = "t", .axis = "loss (USDT)", .unit = "USDT", .nbars = 2,
                              .nparts = 2, .bars = (const char *const[]){"a", "b"},
                              .parts = (const char *const[]){"p", "q"}, .v = v});
    char *svg = sb_take(&b);
    int w00 = seg_width(svg, 0, 0), w01 = seg_width(svg, 0, 1), w10 = seg_width(svg, 1, 0);
    assert_true(w10 > 100);
    assert_int_equal(w00, w10 / 2);
    assert_int_equal(w01, w10 / 2);
    assert_int_equal(seg_width(svg, 1, 1), -1);
    assert_non_null(strstr(svg, ">0.5</text>"));
    assert_non_null(strstr(svg, ">2</text>"));
    assert_non_null(strstr(svg, "a — p: 1 USDT"));
    free(svg);

    liq_dec w[] = {D("3"), D("-1")};
    svg_hbars(&b, &(svg_bars){.id = "t", .axis = "x", .unit = "", .nbars = 1, .nparts = 2,
                              .bars = (const char *const[]){"a"},
                              .parts = (const char *const[]){"p", "q"}, .v = w});
    svg = sb_take(&b);
    assert_int_equal(seg_width(svg, 0, 0), 3 * seg_width(svg, 0, 1));
    assert_non_null(strstr(svg, ">-1</text>"));
    free(svg);
}

static void test_time_axis_reads_utc_times(void **state)
{
    (void)state;
    int64_t s;
    assert_true(svg_time_parse("2020-03-13T02:16Z", &s));
    assert_int_equal(s, 1584065760);   /* date -u -d 2020-03-13T02:16Z +%s */
    assert_true(svg_time_parse("2020-03-12T00:00:00.000Z", &s));
    assert_int_equal(s, 1583971200);
    assert_true(svg_time_parse("2020-02-29 23:59:59", &s));
    assert_int_equal(s, 1583020799);
    assert_false(svg_time_parse("2020-02-30T00:00Z", &s));
    assert_false(svg_time_parse("17", &s));
    assert_false(svg_time_parse("2020-03-12T00:00Zx", &s));
}

/* ---- a grid: what the trader owes over leverage x shock ---------------- */

/* The scenario at one leverage and one shock: a 30000 USD long at 50000
 * with collateral of the initial margin (30000 / leverage); the mark falls
 * by the shock in one step, the fill 2 % beyond. */
static liq_result *owed_at(liq_policy *p, const char *lev, const char *collateral,
                           const char *mark)
{
    char yaml[800];
    snprintf(yaml, sizeof yaml,
             "name: grid\naccount:\n  collateral: \"%s\"\n  mode: isolated\nposition:\n"
             "  market: BTCUSDT\n  contract: linear\n  side: long\n  notional: \"30000\"\n"
             "  entry_price: \"50000\"\n  leverage: %s\nmarket:\n  mark_path: [\"50000\", \"%s\"]\n"
             "  liquidation_fill:\n    slippage: \"0.02\"\n",
             collateral, lev, mark);
    liq_diags d = LIQ_DIAGS_INIT;
    liq_scenario *s = liq_scenario_parse("grid.yaml", yaml, strlen(yaml), &d);
    if (!s)
        fail_with_diags("liq_scenario_parse", &d);
    liq_result *r = liq_eval(p, s, &(liq_eval_opts){0}, &d);
    if (!r)
        fail_with_diags("liq_eval", &d);
    liq_scenario_free(s);
    liq_diags_free(&d);
    return r;
}

static void test_grid_heatmap_of_what_the_trader_owes(void **state)
{
    (void)state;
    /* Kraken spot margin has no insurance fund for margin loans: the
     * deficit is the trader's debt. Leverage 2, 3, 5 (its maximum) by a
     * 10, 30, 60 % fall. */
    liq_policy *p = load_policy_or_fail("policies/kraken-spot-margin.yaml");
    const char *levs[3] = {"2", "3", "5"}, *colls[3] = {"15000", "10000", "6000"};
    const char *marks[3] = {"45000", "35000", "20000"};
    liq_dec ys[3], xs[3] = {D("10"), D("30"), D("60")}, vals[9];
    for (int j = 0; j < 3; j++) {
        ys[j] = D(levs[j]);
        for (int i = 0; i < 3; i++) {
            liq_result *r = owed_at(p, levs[j], colls[j], marks[i]);
            vals[j * 3 + i] = r->owed;
            liq_result_free(r);
        }
    }
    liq_policy_free(p);
    /* What is owed grows with the shock at every leverage, and with the
     * leverage at the deepest shock (the loss is the same, the margin
     * smaller). At 2x a 10 % fall costs less than the margin: nothing owed. */
    char t[LIQ_DEC_STRLEN];
    assert_string_equal(dec_text(vals[0], t), "0");
    for (int j = 0; j < 3; j++)
        for (int i = 1; i < 3; i++)
            assert_true(liq_dec_cmp(vals[j * 3 + i], vals[j * 3 + i - 1]) >= 0);
    assert_true(liq_dec_cmp(vals[2 * 3 + 2], vals[0 * 3 + 2]) > 0);

    bool present[9] = {true, true, true, true, true, true, true, true, false};
    liq_grid g = {.title = "What the trader owes: kraken-spot-margin",
                  .x_name = "price shock", .x_unit = "%", .y_name = "leverage", .y_unit = "x",
                  .value_name = "owed", .value_unit = "USD", .nx = 3, .ny = 3, .xs = xs, .ys = ys,
                  .values = vals, .present = present,
                  .notes = (const char *const[]){"one cell left out, to show how"}, .n_notes = 1};
    char *page = liq_grid_render(&g, LIQ_FMT_HTML);
    char *json = liq_grid_render(&g, LIQ_FMT_JSON);
    assert_non_null(page);
    assert_non_null(json);
    char *embedded = embedded_json(page, "liqsim-result");
    assert_string_equal(embedded, json);
    json_t *o = json_loads(json, 0, NULL);
    assert_non_null(o);
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 3; i++) {
            json_t *cell = json_array_get(json_array_get(json_object_get(o, "cells"), (size_t)j),
                                          (size_t)i);
            char want[128];
            if (!present[j * 3 + i]) {
                assert_true(json_is_null(cell));
                snprintf(want, sizeof want, "data-row=\"%d\" data-col=\"%d\">—</td>", j, i);
            } else {
                assert_string_equal(json_string_value(cell), dec_text(vals[j * 3 + i], t));
                snprintf(want, sizeof want, "data-row=\"%d\" data-col=\"%d\">%s</td>", j, i, t);
            }
            assert_non_null(strstr(page, want));
        }
    json_decref(o);
    /* Axes with their units; the cell left out drawn as such. */
    assert_non_null(strstr(page, ">price shock (%)</text>"));
    assert_non_null(strstr(page, ">leverage (x)</text>"));
    assert_non_null(strstr(page, ">60%</text>"));
    assert_non_null(strstr(page, ">5x</text>"));
    assert_non_null(strstr(page, "5x, 60%: no value"));
    assert_non_null(strstr(page, "one cell left out, to show how"));
    assert_int_equal(count_of(page, "<g class=\"cell\""), 9);
    /* Nothing to draw, or a format a grid has no view in: NULL. */
    /* Kept for the browser test (tests/html/check_page.py). */
    write_test_output("grid.html", page);
    assert_null(liq_grid_render(&g, LIQ_FMT_CSV));
    liq_grid empty = g;
    empty.nx = 0;
    assert_null(liq_grid_render(&empty, LIQ_FMT_HTML));
    free(embedded);
    free(json);
    free(page);
}

/* ---- the replay page -------------------------------------------------- */

#define BTC "scenarios/btc-2020-03-12/"

typedef struct feed { liq_replay_report *report; size_t events, fund_calls; } feed;
static void feed_event(void *ud, const char *line)
{
    feed *f = ud;
    f->events++;
    liq_replay_report_event(f->report, line);
}
static void feed_fund(void *ud, size_t tick, const char *time, liq_dec bal)
{
    feed *f = ud;
    f->fund_calls++;
    liq_replay_report_fund(f->report, tick, time, bal);
}

static void test_replay_page_charts_the_runs_over_time(void **state)
{
    (void)state;
    liq_book *b = load_book_or_fail(BTC "book.csv");
    liq_path *path = load_path_or_fail(BTC "path.csv");
    /* An inverse venue (XBT) and a linear one (USDT): one fund chart each. */
    const char *names[2] = {"bitmex-xbtusd", "binance-usdm"};
    feed f = {.report = liq_replay_report_new(b, path)};
    assert_non_null(f.report);
    liq_replay_summary sums[2];
    for (int i = 0; i < 2; i++) {
        char pp[128];
        snprintf(pp, sizeof pp, "policies/%s.yaml", names[i]);
        liq_policy *p = load_policy_or_fail(pp);
        liq_diags d = LIQ_DIAGS_INIT;
        assert_true(liq_replay_report_begin(f.report, p));
        liq_replay_opts o = {.on_event = feed_event, .on_fund = feed_fund, .ud = &f};
        if (liq_replay(p, b, path, &o, &sums[i], &d) != LIQ_OK)
            fail_with_diags("liq_replay", &d);
        assert_true(liq_replay_report_end(f.report, &sums[i]));
        liq_diags_free(&d);
        liq_policy_free(p);
    }
    char *page = liq_replay_report_render(f.report, LIQ_FMT_HTML);
    char *json = liq_replay_report_render(f.report, LIQ_FMT_JSON);
    assert_non_null(page);
    assert_null(liq_replay_report_render(f.report, LIQ_FMT_CSV));
    char *embedded = embedded_json(page, "liqsim-result");
    assert_string_equal(embedded, json);
    free(embedded);
    /* The price path, the liquidations, a fund chart per currency, and the
     * loss beside who paid it per currency: eight charts. */
    static const char *const ids[] = {"price", "liquidations", "fund-0", "fund-1", "loss-0",
                                      "cover-0", "loss-1", "cover-1"};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        char want[64];
        snprintf(want, sizeof want, "class=\"chart\" id=\"%s\"", ids[i]);
        assert_non_null(strstr(page, want));
    }
    assert_int_equal(count_of(page, "<svg "), 8);
    assert_non_null(strstr(page, "insurance fund (XBT)"));
    assert_non_null(strstr(page, "insurance fund (USDT)"));
    assert_non_null(strstr(page, ">time (UTC)</text>"));
    assert_non_null(strstr(page, ">2020-03-13</text>"));
    /* What the data is travels with it: the path's own first line. */
    assert_non_null(strstr(page, "RECONSTRUCTION - not a recorded price series"));
    assert_non_null(strstr(page, "SYNTHETIC BOOK - not real positions"));
    /* The series end where the summaries do: every full liquidation
     * counted once, the fund's last balance its end. */
    char *series = embedded_json(page, "liqsim-series");
    json_t *o = json_loads(series, 0, NULL);
    assert_non_null(o);
    json_t *runs = json_object_get(o, "runs");
    assert_int_equal(json_array_size(runs), 2);
    char t[LIQ_DEC_STRLEN];
    for (size_t i = 0; i < 2; i++) {
        json_t *liq = json_object_get(json_array_get(runs, i), "liquidations_cumulative");
        json_t *last = json_array_get(liq, json_array_size(liq) - 1);
        assert_true(sums[i].liquidations > 100);
        assert_int_equal(json_integer_value(json_array_get(last, 1)), sums[i].liquidations);
        json_t *fund = json_object_get(json_array_get(runs, i), "fund_after_tick");
        json_t *lf = json_array_get(fund, json_array_size(fund) - 1);
        assert_string_equal(json_string_value(json_array_get(lf, 1)),
                            dec_text(sums[i].fund_end, t));
    }
    json_decref(o);
    free(series);
    free(json);
    free(page);
    liq_replay_report_free(f.report);
    liq_book_free(b);
    liq_path_free(path);
}

static void test_cli_replay_html_and_json(void **state)
{
    (void)state;
    cli_output h1 = CLI("replay", "--book", BTC "book.csv", "--path", BTC "path.csv", "--format",
                        "html", "bitmex-xbtusd", "okx-swap");
    expect_exit_code(&h1, 0);
    cli_output h2 = CLI("replay", "--book", BTC "book.csv", "--path", BTC "path.csv", "--format",
                        "html", "bitmex-xbtusd", "okx-swap");
    assert_string_equal(h1.out, h2.out);
    cli_output j = CLI("replay", "--book", BTC "book.csv", "--path", BTC "path.csv", "--format",
                       "json", "bitmex-xbtusd", "okx-swap");
    expect_exit_code(&j, 0);
    char *embedded = embedded_json(h1.out, "liqsim-result");
    assert_string_equal(embedded, j.out);
    free(embedded);
    cli_output_free(&h1);
    cli_output_free(&h2);
    cli_output_free(&j);
}

/* Every element id on a page is its own: a replay page with both its
 * lists of notes (what the inputs are, and which price column stood in
 * for dYdX's oracle) names them apart, so a link or a script finds one. */
static void test_replay_page_ids_are_unique(void **state)
{
    (void)state;
    cli_output h = CLI("replay", "--book", BTC "book.csv", "--path",
                       "tests/data/scenarios/csv-path.csv", "--format", "html", "dydx-v4");
    expect_exit_code(&h, 0);
    assert_non_null(strstr(h.out, "id=\"inputs\""));
    assert_non_null(strstr(h.out, "id=\"price-columns\""));
    for (const char *at = strstr(h.out, " id=\""); at; at = strstr(at + 1, " id=\"")) {
        const char *end = strchr(at + 5, '"');
        assert_non_null(end);
        char want[80];
        snprintf(want, sizeof want, "%.*s", (int)(end + 1 - at), at);
        if (count_of(h.out, want) != 1)
            fail_msg("%s appears %zu times", want, count_of(h.out, want));
    }
    cli_output_free(&h);
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_embeds_the_json_result_exactly),
        cmocka_unit_test(test_one_chart_pair_per_currency_one_bar_per_venue),
        cmocka_unit_test(test_same_input_same_bytes),
        cmocka_unit_test(test_page_needs_nothing_from_the_network),
        cmocka_unit_test(test_warnings_and_rows_without_numbers_show_in_the_page),
        cmocka_unit_test(test_cli_compare_html),
        cmocka_unit_test(test_bar_segments_are_proportional_to_their_values),
        cmocka_unit_test(test_time_axis_reads_utc_times),
        cmocka_unit_test(test_grid_heatmap_of_what_the_trader_owes),
        cmocka_unit_test(test_replay_page_charts_the_runs_over_time),
        cmocka_unit_test(test_cli_replay_html_and_json),
        cmocka_unit_test(test_replay_page_ids_are_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
