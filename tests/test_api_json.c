/*
 * test_api_json.c — the text-in, text-out API (engine/api_json.c) that
 * the Python package calls through ctypes.
 *
 * Its promise is to answer exactly what the CLI verb of the same name
 * prints with --format json, so most cases run both and compare bytes:
 * the library's answer is never checked against numbers copied from
 * itself. The rest are the failures a caller in another language meets:
 * a file that does not load, a scenario given as text, an option that
 * does not exist, each with the diagnostic (file:line:col: message) the
 * caller gets back as JSON.
 */
#include "support/support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCENARIO "scenarios/default.yaml"
#define BINANCE "policies/binance-usdm.yaml"
#define DERIBIT "policies/deribit.yaml"   /* Lua hooks on the path */
#define BOOK "scenarios/btc-2020-03-12/book.csv"
#define PATH "scenarios/btc-2020-03-12/path.csv"

/* The diagnostics array the API returned, parsed; fails the test when it
 * is not a JSON array. */
static json_t *diags_array(const char *diags_json)
{
    assert_non_null(diags_json);
    json_t *a = json_loads(diags_json, 0, NULL);
    assert_true(json_is_array(a));
    return a;
}

/* The "text" of the first error in diags_json: the line the CLI prints. */
static const char *first_error_text(json_t *a)
{
    size_t i;
    json_t *d;
    json_array_foreach(a, i, d) {
        if (strcmp(json_string_value(json_object_get(d, "severity")), "error") == 0)
            return json_string_value(json_object_get(d, "text"));
    }
    fail_msg("no error among the diagnostics");
    return NULL;
}

/* ---- the same answer as the CLI -------------------------------------- */

static void eval_answers_what_liqsim_eval_prints(void **state)
{
    const char *policies[] = {BINANCE, DERIBIT};
    for (size_t i = 0; i < 2; i++) {
        cli_output cli = CLI("eval", policies[i], DEFAULT_SCENARIO, "--format", "json");
        expect_exit_code(&cli, 0);
        char *diags = NULL;
        char *got = liq_eval_json(policies[i], DEFAULT_SCENARIO, NULL, &diags);
        assert_non_null(got);
        assert_string_equal(got, cli.out);
        /* A clean run has no diagnostics, but the array is still there. */
        assert_string_equal(diags, "[]");
        liq_free(got);
        liq_free(diags);
        cli_output_free(&cli);
    }
}

static void explain_adds_the_trace_as_liqsim_eval_explain_does(void **state)
{
    cli_output cli = CLI("eval", BINANCE, DEFAULT_SCENARIO, "--format", "json", "--explain");
    expect_exit_code(&cli, 0);
    char *got = liq_eval_json(BINANCE, DEFAULT_SCENARIO, "{\"explain\": true}", NULL);
    assert_non_null(got);
    assert_string_equal(got, cli.out);
    assert_non_null(strstr(got, "\"trace\""));
    liq_free(got);
    cli_output_free(&cli);
}

static void a_scenario_given_as_yaml_text_evaluates_as_its_file(void **state)
{
    char *yaml = read_file(DEFAULT_SCENARIO);
    char *from_file = liq_eval_json(BINANCE, DEFAULT_SCENARIO, "", NULL);
    char *from_text = liq_eval_json(BINANCE, yaml, "", NULL);
    assert_non_null(from_file);
    assert_non_null(from_text);
    assert_string_equal(from_text, from_file);
    liq_free(from_file);
    liq_free(from_text);
    free(yaml);
}

static void compare_answers_what_liqsim_compare_prints(void **state)
{
    cli_output cli = CLI("compare", DEFAULT_SCENARIO, BINANCE, DERIBIT, "--format", "json");
    expect_exit_code(&cli, 0);
    char *got = liq_compare_json(DEFAULT_SCENARIO, "[\"" BINANCE "\", \"" DERIBIT "\"]", NULL, NULL);
    assert_non_null(got);
    assert_string_equal(got, cli.out);
    liq_free(got);
    cli_output_free(&cli);
}

static void replay_answers_what_liqsim_replay_prints(void **state)
{
    cli_output cli = CLI("replay", "--book", BOOK, "--path", PATH, "--slippage", "0.02",
                         "--insurance-fund", "250000", "--format", "json", "binance-usdm",
                         "deribit");
    expect_exit_code(&cli, 0);
    char *got = liq_replay_json(BOOK, PATH, "[\"" BINANCE "\", \"" DERIBIT "\"]",
                                "{\"slippage\": \"0.02\", \"insurance_fund\": \"250000\"}", NULL);
    assert_non_null(got);
    /* The CLI puts a newline between policies and after the array. */
    json_t *a = json_loads(got, 0, NULL), *b = json_loads(cli.out, 0, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    liq_free(got);
    cli_output_free(&cli);
}

/* With events on, each summary carries the events the CLI streams for
 * its policy (--events -: one line each, tagged with the policy). */
static void replay_events_are_the_cli_event_stream_per_policy(void **state)
{
    cli_output cli = CLI("replay", "--book", BOOK, "--path", PATH, "--slippage", "0.02",
                         "--insurance-fund", "250000", "--events", "-", "deribit");
    expect_exit_code(&cli, 0);
    char *got = liq_replay_json(BOOK, PATH, "[\"" DERIBIT "\"]",
                                "{\"slippage\": \"0.02\", \"insurance_fund\": \"250000\", "
                                "\"events\": true, \"fund_series\": true}",
                                NULL);
    assert_non_null(got);
    json_t *a = json_loads(got, 0, NULL);
    json_t *events = json_object_get(json_array_get(a, 0), "events");
    assert_true(json_is_array(events));
    size_t n = 0;
    for (char *line = strtok(cli.out, "\n"); line; line = strtok(NULL, "\n"), n++) {
        json_t *want = json_loads(line, 0, NULL);
        assert_non_null(want);
        assert_string_equal(json_string_value(json_object_get(want, "policy")), "deribit");
        json_object_del(want, "policy");
        assert_true(json_equal(json_array_get(events, n), want));
        json_decref(want);
    }
    assert_true(n > 0);
    assert_int_equal(json_array_size(events), n);
    /* The fund's series ends at the summary's end balance. */
    json_t *fund = json_object_get(json_array_get(a, 0), "fund_series");
    assert_true(json_array_size(fund) > 0);
    json_t *last = json_array_get(fund, json_array_size(fund) - 1);
    json_t *summary_fund = json_object_get(json_array_get(a, 0), "insurance_fund");
    assert_string_equal(json_string_value(json_object_get(last, "balance")),
                        json_string_value(json_object_get(summary_fund, "end")));
    json_decref(a);
    liq_free(got);
    cli_output_free(&cli);
}

/* hook-boom's maintenance_margin hook raises: as in `liqsim compare`, its
 * row is an "error" row with the hook's message, and the other rows are
 * answered; the error is among the diagnostics too. */
static void compare_a_failing_evaluation_is_an_error_row_among_the_others(void **state)
{
    const char *msg = "tests/data/cli/hook-boom.lua:3: hook maintenance_margin: boom";
    cli_output cli = CLI("compare", DEFAULT_SCENARIO, BINANCE, "tests/data/cli/hook-boom.yaml",
                         "--format", "json");
    expect_exit_code(&cli, 1);
    char *diags = NULL;
    char *got = liq_compare_json(DEFAULT_SCENARIO,
                                 "[\"" BINANCE "\", \"tests/data/cli/hook-boom.yaml\"]", NULL,
                                 &diags);
    assert_non_null(got);
    assert_string_equal(got, cli.out);
    json_t *rows = json_loads(got, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "status")), "ok");
    json_t *e = json_array_get(rows, 1);
    assert_string_equal(json_string_value(json_object_get(e, "status")), "error");
    assert_string_equal(json_string_value(json_object_get(e, "reason")), msg);
    json_t *a = diags_array(diags);
    assert_string_equal(first_error_text(a), msg);
    json_decref(a);
    json_decref(rows);
    liq_free(diags);
    liq_free(got);
    cli_output_free(&cli);
}

/* ---- failures come back as diagnostics ------------------------------- */

static void a_policy_that_does_not_load_gives_no_answer_and_its_message(void **state)
{
    const char *bad = "tests/data/bad_policies/rate_above_one.yaml";
    char *want = expected_message(bad);
    char *diags = NULL;
    char *got = liq_eval_json(bad, DEFAULT_SCENARIO, NULL, &diags);
    assert_null(got);
    json_t *a = diags_array(diags);
    assert_string_equal(first_error_text(a), want);
    /* The parts are there too, for a caller that points at the line. */
    json_t *d = json_array_get(a, 0);
    assert_string_equal(json_string_value(json_object_get(d, "file")), bad);
    assert_true(json_integer_value(json_object_get(d, "line")) > 0);
    assert_true(json_integer_value(json_object_get(d, "col")) > 0);
    assert_string_equal(json_string_value(json_object_get(d, "code")), "invalid input");
    json_decref(a);
    liq_free(diags);
    free(want);
}

static void compare_gives_no_rows_when_one_policy_does_not_load(void **state)
{
    const char *bad = "tests/data/bad_policies/rate_above_one.yaml";
    char *want = expected_message(bad);
    char *diags = NULL;
    char *got = liq_compare_json(DEFAULT_SCENARIO, "[\"" BINANCE "\", \"tests/data/bad_policies/rate_above_one.yaml\"]",
                                 NULL, &diags);
    assert_null(got);
    json_t *a = diags_array(diags);
    assert_string_equal(first_error_text(a), want);
    json_decref(a);
    liq_free(diags);
    free(want);
}

static void a_scenario_text_error_points_at_the_text(void **state)
{
    char *diags = NULL;
    char *got = liq_eval_json(BINANCE, "name: t\naccount: [1, 2]\n", NULL, &diags);
    assert_null(got);
    json_t *a = diags_array(diags);
    const char *text = first_error_text(a);
    assert_true(strncmp(text, "<scenario>:2:", 13) == 0);
    json_decref(a);
    liq_free(diags);
}

static void an_unknown_option_is_an_error_naming_the_known_ones(void **state)
{
    char *diags = NULL;
    assert_null(liq_eval_json(BINANCE, DEFAULT_SCENARIO, "{\"explian\": true}", &diags));
    json_t *a = diags_array(diags);
    assert_string_equal(first_error_text(a),
                        "options: unknown option 'explian'; expected one of: explain");
    json_decref(a);
    liq_free(diags);
}

static void a_decimal_option_must_be_an_exact_string(void **state)
{
    char *diags = NULL;
    assert_null(liq_replay_json(BOOK, PATH, "[\"" BINANCE "\"]", "{\"slippage\": 0.02}", &diags));
    json_t *a = diags_array(diags);
    assert_string_equal(first_error_text(a),
                        "options: slippage: expected a decimal in a string (exact, as \"0.02\")");
    json_decref(a);
    liq_free(diags);

    assert_null(liq_replay_json(BOOK, PATH, "[\"" BINANCE "\"]", "{\"slippage\": \"-1\"}", &diags));
    a = diags_array(diags);
    assert_string_equal(first_error_text(a),
                        "options: slippage: expected a decimal >= 0, got \"-1\"");
    json_decref(a);
    liq_free(diags);
}

static void options_that_are_not_an_object_are_refused(void **state)
{
    char *diags = NULL;
    assert_null(liq_eval_json(BINANCE, DEFAULT_SCENARIO, "[true]", &diags));
    json_t *a = diags_array(diags);
    assert_string_equal(first_error_text(a), "options: expected a JSON object");
    json_decref(a);
    liq_free(diags);

    assert_null(liq_eval_json(BINANCE, DEFAULT_SCENARIO, "{explain", &diags));
    a = diags_array(diags);
    assert_true(strncmp(first_error_text(a), "options:1:", 10) == 0);
    json_decref(a);
    liq_free(diags);
}

static void policies_must_be_a_non_empty_list_of_paths(void **state)
{
    const char *lists[] = {"[]", "\"" BINANCE "\"", "not json", NULL};
    for (size_t i = 0; i < 4; i++) {
        char *diags = NULL;
        assert_null(liq_compare_json(DEFAULT_SCENARIO, lists[i], NULL, &diags));
        json_t *a = diags_array(diags);
        assert_string_equal(first_error_text(a),
                            "policies: expected a non-empty JSON array of policy paths");
        json_decref(a);
        liq_free(diags);
    }
    char *diags = NULL;
    assert_null(liq_compare_json(DEFAULT_SCENARIO, "[\"" BINANCE "\", 7]", NULL, &diags));
    json_t *a = diags_array(diags);
    assert_string_equal(first_error_text(a), "policies: item 2: expected a policy path (a string)");
    json_decref(a);
    liq_free(diags);
}

static void liq_free_takes_null(void **state)
{
    liq_free(NULL);
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eval_answers_what_liqsim_eval_prints),
        cmocka_unit_test(explain_adds_the_trace_as_liqsim_eval_explain_does),
        cmocka_unit_test(a_scenario_given_as_yaml_text_evaluates_as_its_file),
        cmocka_unit_test(compare_answers_what_liqsim_compare_prints),
        cmocka_unit_test(replay_answers_what_liqsim_replay_prints),
        cmocka_unit_test(replay_events_are_the_cli_event_stream_per_policy),
        cmocka_unit_test(compare_a_failing_evaluation_is_an_error_row_among_the_others),
        cmocka_unit_test(a_policy_that_does_not_load_gives_no_answer_and_its_message),
        cmocka_unit_test(compare_gives_no_rows_when_one_policy_does_not_load),
        cmocka_unit_test(a_scenario_text_error_points_at_the_text),
        cmocka_unit_test(an_unknown_option_is_an_error_naming_the_known_ones),
        cmocka_unit_test(a_decimal_option_must_be_an_exact_string),
        cmocka_unit_test(options_that_are_not_an_object_are_refused),
        cmocka_unit_test(policies_must_be_a_non_empty_list_of_paths),
        cmocka_unit_test(liq_free_takes_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
