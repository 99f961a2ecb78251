/*
 * test_scenario_load.c — tests for engine/scenario.c: scenario files
 * (CONTRACT.md) and their mark paths, inline or from a CSV file.
 *
 * Every failure path is a small file in tests/data/bad_scenarios/ whose
 * first line is the exact message a user must read:
 *
 *     # expect: tests/data/bad_scenarios/bad_side.yaml:6:9: position.side: ...
 *
 * formatted as the CLI prints it (path:line:col: message). A few inputs
 * are wrong only against a policy (collateral below the initial margin
 * the policy's leverage implies): those files load, name the policy on a
 * second line "# policy: policies/binance-usdm.yaml", and the expected
 * message is the first error of liq_eval. Adding a case is adding a file;
 * each file is reported as its own test.
 *
 * Paths are relative to the project root; the runner changes there first.
 */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define BAD_DIR "tests/data/bad_scenarios"
#define GOOD_DIR "tests/data/scenarios"

/* ---- helpers --------------------------------------------------------- */

#define assert_dec(d, expect)                   \
    do {                                        \
        char buf_[LIQ_DEC_STRLEN];              \
        liq_dec_format((d), buf_);              \
        assert_string_equal(buf_, (expect));    \
    } while (0)

/* ---- every bad scenario fails with its message ----------------------- */

/* A scenario fails to load; or, when it names a policy ("# policy:"), it
 * loads and fails only when evaluated against that policy. */
static bool scenario_fails_as_its_case_says(const char *path, liq_diags *d, const char **what)
{
    char *policy = header_value(path, "# policy:");
    liq_scenario *s = liq_scenario_load(path, d);
    liq_policy *p = NULL;
    liq_result *r = NULL;
    *what = "the scenario loaded";
    if (policy && s) {
        p = liq_policy_load(policy, d);
        if (!p)
            fail_msg("%s: policy %s does not load", path, policy);
        liq_eval_opts eo = {.explain = false};
        r = liq_eval(p, s, &eo, d);
        *what = "the scenario evaluated";
    } else if (policy) {
        *what = "the scenario was meant to load and fail only when evaluated";
    }
    bool failed_as_meant = policy ? (s != NULL && r == NULL) : s == NULL;
    liq_result_free(r);
    liq_policy_free(p);
    liq_scenario_free(s);
    free(policy);
    return failed_as_meant;
}

static void every_failure_path_has_a_file(void **state)
{
    (void)state;
    static const char *const required[] = {
        "missing_name", "size_and_notional", "neither_leverage_nor_margin",
        "mark_path_empty", "mark_path_and_path_file", "negative_entry_price", "negative_mark",
        "unknown_key", "bad_side", "slippage_above_one", "path_file_bad_mark",
        "collateral_below_margin",
    };
    expect_case_files(BAD_DIR, required, sizeof required / sizeof *required);
}

static void scenario_file_that_does_not_exist(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    assert_null(liq_scenario_load(BAD_DIR "/no-such-scenario.yaml", &d));
    expect_first_error(&d, BAD_DIR "/no-such-scenario.yaml: cannot open: No such file or directory");
    liq_diags_free(&d);
}

/* ---- good scenarios --------------------------------------------------- */

static void default_scenario_loads_its_inline_path(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    liq_scenario *s = liq_scenario_load("scenarios/default.yaml", &d);
    assert_non_null(s);
    assert_int_equal(d.n, 0);
    assert_string_equal(liq_scenario_name(s), "default");
    assert_int_equal(s->npath, 3);
    assert_dec(s->path_px[0], "50000");
    assert_dec(s->path_px[1], "47500");
    assert_dec(s->path_px[2], "42500");
    /* Each mark remembers where it was written. */
    assert_string_equal(s->path_m[2].file, "scenarios/default.yaml");
    assert_true(s->path_m[2].line > 0);
    liq_scenario_free(s);
    liq_diags_free(&d);
}

/* A CSV of time,mark[,index,last]: the header line is skipped, so are
 * comment and blank lines; only the mark column is read, exactly. */
static void path_file_csv_loads_its_marks(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    liq_scenario *s = liq_scenario_load(GOOD_DIR "/csv-path.yaml", &d);
    if (!s)
        print_diags(&d);
    assert_non_null(s);
    assert_int_equal(d.n, 0);
    assert_string_equal(liq_scenario_name(s), "csv-path");
    assert_int_equal(s->npath, 3);
    assert_dec(s->path_px[0], "50000");
    assert_dec(s->path_px[1], "47500");
    assert_dec(s->path_px[2], "42500.5");
    /* Each mark points at its CSV row and column, for --explain. */
    assert_string_equal(s->path_m[0].file, GOOD_DIR "/csv-path.csv");
    assert_int_equal(s->path_m[0].line, 3);
    assert_int_equal(s->path_m[0].col, 3);
    assert_string_equal(s->path_m[2].file, GOOD_DIR "/csv-path.csv");
    assert_int_equal(s->path_m[2].line, 6);
    liq_scenario_free(s);
    liq_diags_free(&d);
}

/* The CSV scenario evaluates like the same path written inline. */
static void path_file_scenario_evaluates(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *p = liq_policy_load("policies/binance-usdm.yaml", &d);
    liq_scenario *s = liq_scenario_load(GOOD_DIR "/csv-path.yaml", &d);
    assert_non_null(p);
    assert_non_null(s);
    liq_eval_opts eo = {.explain = true};
    liq_result *r = liq_eval(p, s, &eo, &d);
    assert_non_null(r);
    liq_result *one[] = {r};
    char *json = liq_results_render(one, 1, LIQ_FMT_JSON, false);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"trigger_price\": \"42500.5\""));
    assert_non_null(strstr(json, "\"rule\": \"" GOOD_DIR "/csv-path.csv:6:3"));
    free(json);
    liq_result_free(r);
    liq_scenario_free(s);
    liq_policy_free(p);
    liq_diags_free(&d);
}

/* From text in memory: the name stands for the path, and the marks of
 * the values stay valid after the text and its parse tree are gone (an
 * error found at evaluation still names the line). */
static void scenario_parsed_from_memory_keeps_its_marks(void **state)
{
    (void)state;
    static const char yaml[] =
        "name: in-memory\n"
        "account: {collateral: \"500\"}\n"
        "position: {side: long, size: \"0.2\", entry_price: \"50000\", leverage: 10}\n"
        "market: {mark_path: [\"50000\", \"42500\"]}\n";
    char *text = strdup(yaml);
    assert_non_null(text);
    liq_diags d = LIQ_DIAGS_INIT;
    liq_scenario *s = liq_scenario_parse("in-memory.yaml", text, strlen(text), &d);
    free(text);
    assert_non_null(s);
    assert_string_equal(liq_scenario_name(s), "in-memory");
    liq_policy *p = liq_policy_load("policies/binance-usdm.yaml", &d);
    assert_non_null(p);
    liq_eval_opts eo = {.explain = false};
    assert_null(liq_eval(p, s, &eo, &d));
    expect_first_error(&d, "in-memory.yaml:2:23: account.collateral: 500 is less than the "
                           "position's initial margin 1000");
    liq_policy_free(p);
    liq_scenario_free(s);
    liq_diags_free(&d);

    assert_null(liq_scenario_parse("empty.yaml", "", 0, &d));
    expect_first_error(&d, "empty.yaml:1:1: the file is empty; a scenario gives name, "
                           "account, position and market");
    liq_diags_free(&d);
}

/* An account holds at most 16 collateral assets (docs/limits.md): 16
 * load, the 17th is refused at the list's mark. */
static void collateral_assets_at_the_limit_and_one_past(void **state)
{
    (void)state;
    for (int n = 16; n <= 17; n++) {
        char yaml[4096];
        int at = snprintf(yaml, sizeof yaml,
                          "name: many\naccount:\n  mode: cross\n  collateral_assets:\n");
        for (int i = 0; i < n; i++)
            at += snprintf(yaml + at, sizeof yaml - (size_t)at,
                           "    - {asset: A%d, amount: \"1\"}\n", i);
        at += snprintf(yaml + at, sizeof yaml - (size_t)at,
                       "position: {side: long, size: \"0.2\", entry_price: \"50000\", "
                       "leverage: 10}\nmarket:\n  mark_path: [\"50000\"]\n  collateral_paths: {");
        for (int i = 0; i < n; i++)
            at += snprintf(yaml + at, sizeof yaml - (size_t)at, "%sA%d: [\"100\"]",
                           i ? ", " : "", i);
        snprintf(yaml + at, sizeof yaml - (size_t)at, "}\n");
        liq_diags d = LIQ_DIAGS_INIT;
        liq_scenario *s = liq_scenario_parse("many.yaml", yaml, strlen(yaml), &d);
        if (n == 16) {
            assert_non_null(s);
            liq_scenario_free(s);
        } else {
            assert_null(s);
            expect_first_error(&d, "many.yaml:5:5: account.collateral_assets: 17 assets, more "
                                   "than the limit of 16");
        }
        liq_diags_free(&d);
    }
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_failure_path_has_a_file),
        cmocka_unit_test(scenario_file_that_does_not_exist),
        cmocka_unit_test(default_scenario_loads_its_inline_path),
        cmocka_unit_test(path_file_csv_loads_its_marks),
        cmocka_unit_test(path_file_scenario_evaluates),
        cmocka_unit_test(scenario_parsed_from_memory_keeps_its_marks),
        cmocka_unit_test(collateral_assets_at_the_limit_and_one_past),
    };
    int failed = cmocka_run_group_tests_name("scenario_load", tests, NULL, NULL);
    failed += run_bad_input_files("bad_scenarios", BAD_DIR, scenario_fails_as_its_case_says, 12);
    return failed ? 1 : 0;
}
