/*
 * test_audit.c — `liqsim audit` finds the defects planted in the
 * policies under tests/data/audit/ within its default case count, shrinks
 * each to a counterexample, writes it as a scenario file, and `liqsim
 * eval` run on that file shows the same defect:
 *   fee-creates-money   a fee hook that pays a bankrupt trader his deficit
 *                       (a negative fee): "money conserved" fails;
 *   broken-protection   protection promised, but ADL covers half and
 *                       nothing takes the rest: "protection" fails;
 *   loss-falls-deeper   a fee that takes all the margin left far from
 *                       bankruptcy and none near it: "a deeper shock never
 *                       lowers the trader's loss" fails.
 * And: the same seed gives the same report; a directory that cannot be
 * written is invalid input (exit 3, nothing on stdout); a sound policy
 * passes every property and says which branches its cases reached; diff
 * between a policy and a child that changes one fee rate, checked by
 * hand; test --coverage; and the trace an auditor reads (--explain).
 */
#include "support/support.h"
#include "audit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { EXIT_OK = 0, EXIT_RUN = 1, EXIT_USAGE = 2, EXIT_INPUT = 3 };

/* The property `id` of the first policy in an audit's JSON report. */
static json_t *property(json_t *report, const char *id)
{
    json_t *props = json_object_get(json_array_get(report, 0), "properties"), *p;
    size_t i;
    json_array_foreach(props, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "property")), id) == 0)
            return p;
    }
    fail_msg("no property %s in the report", id);
    return NULL;
}

/* Audits fixture (default cases, seed 1) into dir as JSON; the run must
 * exit 1 with property id failed. Returns the report (caller decrefs). */
static json_t *audit_finds(const char *fixture, const char *dir, const char *id)
{
    mkdir(LIQ_TEST_OUT, 0777);
    cli_output r = CLI("audit", fixture, "--out", dir, "--format", "json");
    expect_exit_code(&r, EXIT_RUN);
    json_error_t err;
    json_t *report = json_loads(r.out, 0, &err);
    if (!report)
        fail_msg("audit's report is not JSON: %s\n%s", err.text, r.out);
    cli_output_free(&r);
    json_t *p = property(report, id);
    assert_true(json_integer_value(json_object_get(p, "failed")) > 0);
    json_t *files = json_object_get(json_object_get(p, "counterexample"), "files");
    assert_true(json_array_size(files) >= 1);
    json_t *f;
    size_t i;
    json_array_foreach(files, i, f)
    {
        /* Loaded back and evaluated again by audit itself, too. */
        assert_true(json_is_true(json_object_get(f, "reproduces")));
    }
    return report;
}

static const char *file_of(json_t *report, const char *id, size_t k)
{
    json_t *files = json_object_get(json_object_get(property(report, id), "counterexample"), "files");
    return json_string_value(json_object_get(json_array_get(files, k), "file"));
}

/* eval on the counterexample fails as the audit said: exit 1, nothing on
 * stdout, stderr naming the defect. */
static void eval_fails_with(const char *fixture, const char *scenario, const char *says)
{
    cli_output r = CLI("eval", fixture, scenario);
    expect_failure(&r, EXIT_RUN);
    if (!strstr(r.err, says))
        fail_msg("eval %s %s: expected \"%s\" on stderr, got:\n%s", fixture, scenario, says, r.err);
    cli_output_free(&r);
}

static void a_fee_hook_that_creates_money_is_found_and_eval_reproduces_it(void **state)
{
    (void)state;
    const char *fx = "tests/data/audit/fee-creates-money.yaml";
    json_t *report = audit_finds(fx, LIQ_TEST_OUT "/audit-fee", "conserved");
    eval_fails_with(fx, file_of(report, "conserved", 0),
                    "fee-creates-money.lua:3: hook liquidation_fee: returned a negative fee -");
    json_decref(report);
}

static void a_broken_protection_promise_is_found_and_eval_reproduces_it(void **state)
{
    (void)state;
    const char *fx = "tests/data/audit/broken-protection.yaml";
    json_t *report = audit_finds(fx, LIQ_TEST_OUT "/audit-protection", "protection");
    /* The trader owes nothing only because the venue absorbs what the
     * ADL hook leaves (wf_rest_stage): eval says so in its warning. */
    cli_output r = CLI("eval", fx, file_of(report, "protection", 0), "--format", "json");
    expect_exit_code(&r, EXIT_OK);
    if (!strstr(r.out, "its last stage leaves") ||
        !strstr(r.out, "the venue absorbs it (negative_balance.protection), a stage the order "
                       "does not name"))
        fail_msg("eval: expected the warning that the venue absorbs the rest, got:\n%s", r.out);
    cli_output_free(&r);
    json_decref(report);
}

static liq_dec trader_lost(const char *fixture, const char *scenario)
{
    cli_output r = CLI("eval", fixture, scenario, "--format", "json");
    expect_exit_code(&r, EXIT_OK);
    json_t *res = json_loads(r.out, 0, NULL);
    assert_non_null(res);
    liq_dec v = D(json_string_value(json_object_get(res, "trader_lost")));
    json_decref(res);
    cli_output_free(&r);
    return v;
}

/* Two files: the case and its variant, the same position whose deepest
 * mark lies further from entry. eval gives the deeper one the smaller loss. */
static void a_loss_that_falls_with_a_deeper_shock_is_found_and_eval_reproduces_it(void **state)
{
    (void)state;
    const char *fx = "tests/data/audit/loss-falls-deeper.yaml";
    json_t *report = audit_finds(fx, LIQ_TEST_OUT "/audit-shock", "monotone_shock");
    liq_dec shallow = trader_lost(fx, file_of(report, "monotone_shock", 0));
    liq_dec deeper = trader_lost(fx, file_of(report, "monotone_shock", 1));
    char b1[LIQ_DEC_STRLEN], b2[LIQ_DEC_STRLEN];
    if (liq_dec_cmp(deeper, shallow) >= 0)
        fail_msg("the deeper shock loses %s, the shallower %s", dec_text(deeper, b1),
                 dec_text(shallow, b2));
    /* The files differ in the deepest mark only. */
    char *a = read_file(file_of(report, "monotone_shock", 0));
    char *b = read_file(file_of(report, "monotone_shock", 1));
    assert_non_null(strstr(a, "mark_path:"));
    assert_int_equal(strncmp(strstr(a, "account:"), strstr(b, "account:"),
                             (size_t)(strstr(a, "mark_path:") - strstr(a, "account:"))),
                     0);
    free(a);
    free(b);
    json_decref(report);
}

static void the_same_seed_gives_the_same_report(void **state)
{
    (void)state;
    const char *fx = "tests/data/audit/loss-falls-deeper.yaml";
    cli_output a = CLI("audit", fx, "--cases", "2000", "--seed", "7");
    cli_output b = CLI("audit", fx, "--cases", "2000", "--seed", "7");
    cli_output c = CLI("audit", fx, "--cases", "2000", "--seed", "8");
    assert_string_equal(a.out, b.out);
    assert_true(strcmp(a.out, c.out) != 0);
    cli_output_free(&a);
    cli_output_free(&b);
    cli_output_free(&c);
}

static void an_out_directory_that_cannot_be_made_is_invalid_input(void **state)
{
    (void)state;
    /* audit and diff check their --out the same way, before any case
     * runs: a path that is a file is not a directory. */
    const char *const verbs[][4] = {
        {"audit", "tests/data/audit/fee-creates-money.yaml", NULL, NULL},
        {"diff", "tests/data/diff/parent.yaml", "tests/data/diff/child.yaml", NULL}};
    for (size_t v = 0; v < 2; v++) {
        cli_output f = verbs[v][2] ? CLI(verbs[v][0], verbs[v][1], verbs[v][2], "--out",
                                         "tests/data/diff/parent.yaml")
                                   : CLI(verbs[v][0], verbs[v][1], "--out",
                                         "tests/data/diff/parent.yaml");
        expect_failure(&f, EXIT_INPUT);
        expect_err_line(&f, "liqsim: --out tests/data/diff/parent.yaml: not a directory");
        cli_output_free(&f);
    }
    cli_output r = CLI("audit", "tests/data/audit/fee-creates-money.yaml", "--out",
                       "tests/data/audit/fee-creates-money.yaml/ce");
    expect_failure(&r, EXIT_INPUT);
    expect_err_line(&r, "liqsim: --out tests/data/audit/fee-creates-money.yaml/ce: cannot create "
                        "the directory (Not a directory)");
    cli_output_free(&r);
}

/* Bybit's USDT perpetual keeps every property over 2000 cases, and the
 * report says which branches they reached: its fund is unlimited, so a
 * finite one set by the cases is what reaches ADL. */
static void a_sound_policy_keeps_every_property(void **state)
{
    (void)state;
    cli_output r = CLI("audit", "bybit-usdt", "--cases", "2000");
    expect_exit_code(&r, EXIT_OK);
    assert_non_null(strstr(r.out, "audit bybit-usdt: 2000 cases, seed 1\n"));
    assert_null(strstr(r.out, "FAIL"));
    assert_non_null(strstr(r.out, "  ok    money conserved "));
    assert_non_null(strstr(r.out, "insurance fund exhausted, then ADL ("));
    /* 20 books of a few accounts each, replayed with the ledger checked
     * at every tick. */
    assert_non_null(strstr(r.out, "  ok    money conserved at every tick of a replay          20 checked\n"));
    cli_output_free(&r);
}

/* test --coverage: the branches the worked examples reached, and those
 * none reached (tests/data/diff/parent.examples.yaml: one gap through
 * bankruptcy, the fund pays). */
static void test_coverage_names_the_branches_no_example_reached(void **state)
{
    (void)state;
    cli_output r = CLI("test", "--coverage", "tests/data/diff/parent.yaml");
    expect_exit_code(&r, EXIT_OK);
    assert_string_equal(r.out,
                        "ok    diff-parent diff-parent-gap-to-bankruptcy (3 checks)\n"
                        "coverage diff-parent (1 examples evaluated):\n"
                        "  reached: liquidated (1), liquidation fee charged (1), bankrupt: a "
                        "deficit beyond the collateral (1), insurance fund covers the deficit (1)\n"
                        "  never reached: not liquidated on its path, margin left returned to the "
                        "trader\n"
                        "1 passed, 0 failed\n");
    cli_output_free(&r);
}

/* The trace line of step `step` in an --explain JSON result. */
static json_t *trace_step(json_t *res, const char *step)
{
    json_t *t;
    size_t i;
    json_array_foreach(json_object_get(res, "trace"), i, t)
    {
        if (strcmp(json_string_value(json_object_get(t, "step")), step) == 0)
            return t;
    }
    fail_msg("no trace step %s", step);
    return NULL;
}

/* --explain for an auditor: each source id with its URL and date; the
 * fee before the cap that changed it; a hook's inputs and output. */
static void explain_resolves_sources_shows_the_fee_before_its_cap_and_hook_inputs(void **state)
{
    (void)state;
    cli_output r = CLI("eval", "binance-usdm", "default", "--explain", "--format", "json");
    expect_exit_code(&r, EXIT_OK);
    json_t *res = json_loads(r.out, 0, NULL);
    assert_non_null(res);
    json_t *bp = trace_step(res, "bankruptcy_price");
    json_t *src = json_array_get(json_object_get(bp, "sources"), 0);
    assert_string_equal(json_string_value(json_object_get(src, "id")), "bn-liq-price-faq");
    assert_string_equal(json_string_value(json_object_get(src, "url")),
                        "https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93");
    assert_string_equal(json_string_value(json_object_get(src, "date")), "2020-08-14");
    /* Binance's clearance fee, 1.2 % of the 8,330 fill notional, capped
     * at the margin left after the close: none (the close is past
     * bankruptcy). */
    assert_string_equal(json_string_value(json_object_get(trace_step(res, "fee"), "note")),
                        "0.012 x fill notional 8330; 99.96 before the cap at the remaining "
                        "margin of 0");
    json_decref(res);
    cli_output_free(&r);

    r = CLI("eval", "tests/data/waterfall/policies/lin-hook-adl.yaml", "default", "--explain",
            "--format", "json");
    expect_exit_code(&r, EXIT_OK);
    res = json_loads(r.out, 0, NULL);
    assert_non_null(res);
    assert_string_equal(json_string_value(json_object_get(trace_step(res, "adl"), "note")),
                        "covers 500 of the deficit; 170 left; hook adl(deficit=670, balance=0, "
                        "unlimited=true, bankruptcy_price=45000, mark_price=42500, "
                        "fill_price=41650, size=0.2) returned 500");
    json_decref(res);
    cli_output_free(&r);
}

/* diff between tests/data/diff/parent.yaml and its child, which changes
 * the fee rate from 0.5 % to 1 % (uncapped, on the fill notional), over
 * 10x longs and shorts of 1,000 and 2,000 USDT at 50,000 and shocks of
 * 5 %, 9.5 % and 20 %, no slippage. By hand: the maintenance margin is
 * 1 %, so a 10x long is liquidated at 50000 x 0.9 / 0.99 = 45454.55 and a
 * short at 50000 x 1.1 / 1.01 = 54455.45: the 5 % shocks are not (no fee,
 * no change), the 9.5 % and 20 % ones are, and their fee doubles: 8 of 12
 * change (66.6667 %). The smallest: the 1,000 long (0.02 BTC, 100 margin)
 * at 45,250: it lost 95 to the market and paid 0.005 x 905 = 4.525,
 * keeping 0.475 (lost 99.525); at 1 % the fee is 9.05, past its 5 of
 * equity, so it loses the whole 100 and the fund pays the 4.05 beyond. */
static void diff_reports_the_changed_share_and_the_smallest_changed_position(void **state)
{
    (void)state;
    cli_output r = CLI("diff", "tests/data/diff/parent.yaml", "tests/data/diff/child.yaml",
                       "--set", "position.leverage=10", "--set", "position.notional=1000,2000",
                       "--set", "shock=0.05,0.095,0.2", "--set",
                       "market.liquidation_fill.slippage=0", "--format", "json");
    expect_exit_code(&r, EXIT_OK);
    json_t *j = json_loads(r.out, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "positions")), 12);
    assert_int_equal(json_integer_value(json_object_get(j, "compared")), 12);
    assert_int_equal(json_integer_value(json_object_get(j, "changed")), 8);
    assert_string_equal(json_string_value(json_object_get(j, "changed_percent")), "66.6667");
    json_t *sm = json_object_get(j, "smallest_changed");
    const char *yaml = json_string_value(json_object_get(sm, "scenario"));
    assert_non_null(strstr(yaml, "  collateral: \"100\"\n"));
    assert_non_null(strstr(yaml, "  side: long\n  notional: \"1000\"\n  entry_price: \"50000\"\n"));
    assert_non_null(strstr(yaml, "mark_path: [\"50000\", \"45250\"]"));
    json_t *lost = json_object_get(json_object_get(sm, "changes"), "trader_lost");
    assert_string_equal(json_string_value(json_object_get(lost, "old")), "99.525");
    assert_string_equal(json_string_value(json_object_get(lost, "new")), "100");
    json_t *paid = json_object_get(json_object_get(sm, "changes"), "insurance_fund_paid");
    assert_string_equal(json_string_value(json_object_get(paid, "new")), "4.05");
    /* The one rule that differs, with its line in each file. */
    json_t *keys = json_object_get(j, "keys"), *k;
    size_t i;
    bool found = false;
    json_array_foreach(keys, i, k)
    {
        if (strcmp(json_string_value(json_object_get(k, "key")), "liquidation.fee.rate") == 0) {
            found = true;
            assert_string_equal(json_string_value(json_object_get(k, "old_at")),
                                "tests/data/diff/parent.yaml:24:15");
            assert_string_equal(json_string_value(json_object_get(k, "new_at")),
                                "tests/data/diff/child.yaml:7:15");
        }
    }
    assert_true(found);
    json_decref(j);
    cli_output_free(&r);
}

/* The grid is sweep's: its ranges and limit, refused before anything is
 * evaluated (exit 2, nothing on stdout). The default grid has 6 x 11 x
 * 60 x 2 positions a side. */
static void diff_refuses_a_grid_past_max_points_and_an_empty_range(void **state)
{
    (void)state;
    cli_output r = CLI("diff", "tests/data/diff/parent.yaml", "tests/data/diff/child.yaml",
                       "--max-points", "10000");
    expect_failure(&r, EXIT_USAGE);
    expect_err_line(&r, "liqsim: the grid has 15840 positions (7920 for each side), more than "
                        "--max-points 10000");
    cli_output_free(&r);
    r = CLI("diff", "tests/data/diff/parent.yaml", "tests/data/diff/child.yaml", "--set",
            "shock=0.5..0.1/0.1");
    expect_failure(&r, EXIT_USAGE);
    expect_err_line(&r, "liqsim: --set shock=0.5..0.1/0.1: the range is empty (0.5 is above 0.1)");
    cli_output_free(&r);
}

static void diff_refuses_two_settlement_currencies(void **state)
{
    (void)state;
    cli_output r = CLI("diff", "binance-usdm", "bitmex-xbtusd");
    expect_failure(&r, EXIT_INPUT);
    expect_err_line(&r, "liqsim: diff: binance-usdm settles in USDT (linear) and bitmex-xbtusd in "
                        "XBT (inverse): their amounts cannot be compared without a rate; give "
                        "--currency USD to compare them in one currency");
    cli_output_free(&r);
    /* In one currency: XBT at the position's own prices, USDT at par
     * (stated as an assumption in each result's reporting block). */
    r = CLI("diff", "binance-usdm", "bitmex-xbtusd", "--currency", "USD", "--set",
            "position.leverage=10", "--set", "position.notional=1000", "--set", "shock=0.05,0.2",
            "--set", "market.liquidation_fill.slippage=0", "--format", "json");
    expect_exit_code(&r, EXIT_OK);
    json_t *j = json_loads(r.out, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "currency")), "USD");
    assert_int_equal(json_integer_value(json_object_get(j, "compared")), 4);
    assert_int_equal(json_integer_value(json_object_get(j, "no_rate")), 0);
    json_decref(j);
    cli_output_free(&r);
}

/* The case runner's promise for audit: a case is a function of (seed,
 * id) alone and the tally is the runner's exact accumulators, so the
 * report, its shrunk counterexample and the files written are the same
 * on 1 or 3 threads; the ndjson run (a line per failing case, then the
 * summary) is the same on 1, 2 or 3 threads, and its three shards merge
 * into it byte for byte. */
static void audit_is_the_same_on_any_thread_count_and_its_shards_merge(void **state)
{
    (void)state;
    const char *fx = "tests/data/audit/loss-falls-deeper.yaml";
    char *d1 = temp_dir(), *d3 = temp_dir();
    cli_output a = CLI("audit", fx, "bybit-usdt", "--cases", "600", "--format", "json", "--out",
                       d1, "--jobs", "1");
    cli_output b = CLI("audit", fx, "bybit-usdt", "--cases", "600", "--format", "json", "--out",
                       d3, "--jobs", "3");
    expect_exit_code(&a, EXIT_RUN);
    expect_exit_code(&b, EXIT_RUN);
    /* The reports differ only in the directory named. */
    assert_int_equal(count_of(a.out, d1), count_of(b.out, d3));
    assert_true(count_of(a.out, d1) > 0);
    char fa[600], fb[600];
    snprintf(fa, sizeof fa, "%s/loss-falls-deeper-monotone_shock.yaml", d1);
    snprintf(fb, sizeof fb, "%s/loss-falls-deeper-monotone_shock.yaml", d3);
    char *ta = read_file(fa), *tb = read_file(fb);
    assert_string_equal(ta, tb);
    free(ta);
    free(tb);
    cli_output_free(&a);
    cli_output_free(&b);
    a = CLI("audit", fx, "--cases", "600", "--jobs", "1");
    b = CLI("audit", fx, "--cases", "600", "--jobs", "3");
    assert_string_equal(a.out, b.out);
    cli_output_free(&a);
    cli_output_free(&b);
    rm_tree(d1);
    rm_tree(d3);
    expect_same_on_any_split((const char *const[]){"audit", fx, "bybit-usdt", "--cases", "600",
                                                   "--format", "ndjson", NULL},
                             EXIT_RUN);
}

/* Each failing case is a line naming its case, shard, scenario (the
 * audit's own case number, which --seed reproduces), policy and what it
 * breaks; the summary counts every property's checks and failures and
 * names the first failing case. */
static void audit_ndjson_lists_each_failing_case_then_the_summary(void **state)
{
    (void)state;
    cli_output r = CLI("audit", "tests/data/audit/loss-falls-deeper.yaml", "--cases", "600",
                       "--format", "ndjson", "--shard", "1/2");
    expect_exit_code(&r, EXIT_RUN);
    size_t failing = 0;
    json_t *summary = NULL;
    for (char *l = strtok(r.out, "\n"); l; l = strtok(NULL, "\n")) {
        json_error_t err;
        json_t *j = json_loads(l, 0, &err);
        assert_non_null(j);
        if (json_object_get(j, "summary")) {
            summary = j;
            continue;
        }
        json_int_t id = json_integer_value(json_object_get(j, "case"));
        assert_int_equal(id % 2, 0);
        assert_string_equal(json_string_value(json_object_get(j, "shard")), "1/2");
        assert_string_equal(json_string_value(json_object_get(j, "policy")), "loss-falls-deeper");
        char scen[40];
        snprintf(scen, sizeof scen, "%s-%lld", id < 600 ? "case" : "book",
                 (long long)(id < 600 ? id : id - 600));
        assert_string_equal(json_string_value(json_object_get(j, "scenario")), scen);
        json_t *f = json_array_get(json_object_get(j, "failed"), 0);
        assert_non_null(json_string_value(json_object_get(f, "property")));
        assert_non_null(strstr(json_string_value(json_object_get(f, "detail")), "the trader loses"));
        failing++;
        json_decref(j);
    }
    assert_true(failing > 0);
    assert_non_null(summary);
    json_t *acc = json_object_get(json_object_get(summary, "summary"), "acc"), *a;
    size_t i;
    bool seen = false;
    json_array_foreach(acc, i, a)
    {
        const char *name = json_string_value(json_object_get(a, "name"));
        if (strcmp(name, "failed:monotone_shock") == 0)
            assert_int_equal(json_integer_value(json_object_get(a, "value")), (json_int_t)failing);
        if (strcmp(name, "first_failed:monotone_shock") == 0) {
            seen = true;
            assert_non_null(strstr(json_string_value(json_object_get(a, "scenario")), "case-"));
        }
    }
    assert_true(seen);
    json_decref(summary);
    cli_output_free(&r);
    r = CLI("audit", "bybit-usdt", "--shard", "1/2");
    expect_failure(&r, EXIT_USAGE);
    expect_err_line(&r, "liqsim: --shard goes with --format ndjson (liqsim merge joins the "
                        "shards' lines and summaries; a report needs every case)");
    cli_output_free(&r);
}

/* diff on the case runner: its report is the same on any thread count,
 * its ndjson run (a line per changed position) too, and its shards merge
 * into it byte for byte. */
static void diff_is_the_same_on_any_thread_count_and_its_shards_merge(void **state)
{
    (void)state;
    const char *p = "tests/data/diff/parent.yaml", *c = "tests/data/diff/child.yaml";
    cli_output a = CLI("diff", p, c, "--format", "json", "--jobs", "1");
    cli_output b = CLI("diff", p, c, "--format", "json", "--jobs", "3");
    expect_exit_code(&a, EXIT_OK);
    assert_string_equal(a.out, b.out);
    cli_output_free(&a);
    cli_output_free(&b);
    expect_same_on_any_split((const char *const[]){"diff", p, c, "--set", "shock=0.01..0.6/0.05",
                                                   "--set", "position.leverage=2,10,50",
                                                   "--format", "ndjson", NULL},
                             EXIT_OK);
    cli_output r = CLI("diff", p, c, "--set", "shock=0.11", "--set", "position.leverage=10",
                       "--side", "long", "--format", "ndjson");
    expect_exit_code(&r, EXIT_OK);
    /* The one changed position: the child's fee rate is twice the
     * parent's (tests/data/diff/child.yaml). */
    assert_non_null(strstr(r.out, "{\"case\":0,\"shard\":\"1/1\",\"scenario\":\"diff\","
                                  "\"policy\":[\"diff-parent\",\"diff-child\"],\"side\":\"long\","
                                  "\"set\":{\"shock\":\"0.11\",\"position.leverage\":\"10\"},"
                                  "\"status\":[\"ok\",\"ok\"],\"changes\":{\"fees\":{\"old\":"
                                  "\"4.45\",\"new\":\"8.9\"}"));
    cli_output_free(&r);
}

int main(void)
{
    chdir_to_project_root();
    unsetenv("LIQSIM_POLICY_DIR");
    unsetenv("LIQSIM_SCENARIO_DIR");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_fee_hook_that_creates_money_is_found_and_eval_reproduces_it),
        cmocka_unit_test(a_broken_protection_promise_is_found_and_eval_reproduces_it),
        cmocka_unit_test(a_loss_that_falls_with_a_deeper_shock_is_found_and_eval_reproduces_it),
        cmocka_unit_test(the_same_seed_gives_the_same_report),
        cmocka_unit_test(audit_is_the_same_on_any_thread_count_and_its_shards_merge),
        cmocka_unit_test(audit_ndjson_lists_each_failing_case_then_the_summary),
        cmocka_unit_test(diff_is_the_same_on_any_thread_count_and_its_shards_merge),
        cmocka_unit_test(an_out_directory_that_cannot_be_made_is_invalid_input),
        cmocka_unit_test(a_sound_policy_keeps_every_property),
        cmocka_unit_test(diff_reports_the_changed_share_and_the_smallest_changed_position),
        cmocka_unit_test(diff_refuses_a_grid_past_max_points_and_an_empty_range),
        cmocka_unit_test(diff_refuses_two_settlement_currencies),
        cmocka_unit_test(test_coverage_names_the_branches_no_example_reached),
        cmocka_unit_test(explain_resolves_sources_shows_the_fee_before_its_cap_and_hook_inputs),
    };
    return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
