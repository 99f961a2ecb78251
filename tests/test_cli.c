/*
 * test_cli.c — the liqsim command line against its contract
 * (CONTRACT.md): exit codes, what goes to stdout and stderr, and the JSON
 * result's keys.
 *
 * Each test runs the built binary (LIQ_CLI) from the project root, with
 * stdout and stderr captured (cli_run, tests/support), and asserts all three:
 * the exit code, stdout and stderr. The contract's rule that nothing on
 * stdout looks like a result when the exit code is not 0 is asserted as
 * "stdout is empty" for every failing run.
 *
 * Exit codes: 0 success; 1 the run failed (a hook error); 2 usage error;
 * 3 invalid input (a policy or scenario that does not load).
 */
#include "support/support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_OK = 0, EXIT_RUN = 1, EXIT_USAGE = 2, EXIT_INPUT = 3 };

/* Exit 3 (invalid input) with nothing on stdout, and on stderr the
 * message the bad case file's "# expect:" line gives. */
static void expect_invalid_input(const cli_output *r, const char *case_file)
{
    char *msg = expected_message(case_file);
    expect_failure(r, EXIT_INPUT);
    expect_err_line(r, msg);
    free(msg);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Shipped policy names (policies/<name>.yaml, not the worked examples),
 * sorted as compare lists them. Caller frees with free_strings. */
static char **shipped_names(size_t *n)
{
    char **names = shipped_policy_files("policies", n);
    assert_non_null(names);
    for (size_t i = 0; i < *n; i++) {
        size_t len = strlen(names[i]) - strlen("policies/") - strlen(".yaml");
        memmove(names[i], names[i] + strlen("policies/"), len);
        names[i][len] = 0;
    }
    /* Sorted again by bare name: "a-b.yaml" sorts before "a.yaml", "a-b" after "a". */
    sort_strings(names, *n);
    return names;
}

/* ---- checking a JSON result ------------------------------------------ */

static liq_dec json_dec(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("\"%s\" is not a decimal string", key);
    liq_dec d;
    if (liq_dec_from_str(json_string_value(v), &d) != LIQ_OK)
        fail_msg("\"%s\": \"%s\" is not an exact decimal", key, json_string_value(v));
    return d;
}

static void expect_dec_or_null(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        fail_msg("result lacks \"%s\"", key);
    if (!json_is_null(v))
        json_dec(o, key);
}

/* Every key of the contract's result, with its type, and its invariants:
 * loss.total - collateral == deficit when positive, and covered_by sums
 * to the deficit exactly. */
static void check_result(json_t *r)
{
    assert_true(json_is_object(r));
    assert_string_equal(json_string_value(json_object_get(r, "status")), "ok");
    assert_true(json_is_null(json_object_get(r, "reason")));
    assert_true(json_is_string(json_object_get(r, "policy")));
    assert_true(json_is_string(json_object_get(r, "venue")));
    assert_true(json_string_length(json_object_get(r, "venue")) > 0);
    json_dec(r, "initial_margin");
    json_dec(r, "maintenance_margin");
    expect_dec_or_null(r, "liquidation_price");
    expect_dec_or_null(r, "bankruptcy_price");
    json_t *liq = json_object_get(r, "liquidated");
    assert_true(json_is_boolean(liq));
    if (json_is_true(liq)) {
        json_dec(r, "trigger_price");
        json_dec(r, "fill_price");
    } else {
        assert_true(json_is_null(json_object_get(r, "trigger_price")));
        expect_dec_or_null(r, "fill_price");
    }

    json_t *loss = json_object_get(r, "loss");
    assert_true(json_is_object(loss));
    liq_dec unforced = json_dec(loss, "unforced"), forced = json_dec(loss, "forced");
    liq_dec fees = json_dec(loss, "fees"), total = json_dec(loss, "total");
    liq_dec sum;
    assert_int_equal(liq_dec_add(unforced, forced, &sum), LIQ_OK);
    assert_int_equal(liq_dec_add(sum, fees, &sum), LIQ_OK);
    assert_int_equal(liq_dec_cmp(sum, total), 0);

    liq_dec collateral = json_dec(r, "collateral"), deficit = json_dec(r, "deficit");
    liq_dec over;
    assert_int_equal(liq_dec_sub(total, collateral, &over), LIQ_OK);
    assert_int_equal(liq_dec_cmp(liq_dec_max(over, LIQ_DEC_ZERO), deficit), 0);

    json_t *cov = json_object_get(r, "covered_by");
    assert_true(json_is_object(cov));
    static const char *const stages[] = {"insurance_fund", "adl", "socialized", "venue",
                                         "trader_debt"};
    for (size_t i = 0; i < sizeof stages / sizeof *stages; i++)
        json_dec(cov, stages[i]);
    liq_dec covered = LIQ_DEC_ZERO;
    const char *key;
    json_t *val;
    json_object_foreach(cov, key, val)
        assert_int_equal(liq_dec_add(covered, json_dec(cov, key), &covered), LIQ_OK);
    assert_int_equal(liq_dec_cmp(covered, deficit), 0);

    json_t *debt = json_object_get(r, "debt");
    assert_true(json_is_object(debt));
    json_dec(debt, "owed");
    assert_true(json_is_array(json_object_get(debt, "actions")));
    json_dec(r, "final_balance");

    json_t *events = json_object_get(r, "events");
    assert_true(json_is_array(events));
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        assert_true(json_is_object(ev));
        assert_true(json_string_length(json_object_get(ev, "type")) > 0);
    }
}

static json_t *parse_json(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j)
        fail_msg("stdout is not JSON (line %d: %s)\n%s", e.line, e.text, text);
    return j;
}

/* ---- options and usage ------------------------------------------------ */

static void version_prints_the_version(void **state)
{
    (void)state;
    cli_output r = CLI("--version");
    expect_exit_code(&r, EXIT_OK);
    assert_string_equal(r.out, "liqsim " LIQSIM_VERSION "\n");
    assert_string_equal(r.err, "");
    cli_output_free(&r);
}

static void help_prints_usage_on_stdout(void **state)
{
    (void)state;
    cli_output r = CLI("--help");
    expect_exit_code(&r, EXIT_OK);
    assert_int_equal(strncmp(r.out, "usage: liqsim", 13), 0);
    cli_output_free(&r);
}

static void no_command_is_a_usage_error(void **state)
{
    (void)state;
    cli_output r = cli_run((const char *const[]){NULL});
    expect_failure(&r, EXIT_USAGE);
    assert_int_equal(strncmp(r.err, "usage: liqsim", 13), 0);
    cli_output_free(&r);
}

static void unknown_command_is_a_usage_error(void **state)
{
    (void)state;
    cli_output r = CLI("frobnicate");
    expect_failure(&r, EXIT_USAGE);
    expect_err_line(&r, "liqsim: unknown command 'frobnicate'");
    cli_output_free(&r);
}

static void unknown_format_is_a_usage_error(void **state)
{
    (void)state;
    cli_output r = CLI("eval", "binance-usdm", "default", "--format", "xml");
    expect_failure(&r, EXIT_USAGE);
    assert_string_equal(r.err, "liqsim: --format takes table, json, csv, md, ndjson or html, got xml\n");
    cli_output_free(&r);
}

static void unknown_option_is_a_usage_error(void **state)
{
    (void)state;
    cli_output r = CLI("compare", "--fast");
    expect_failure(&r, EXIT_USAGE);
    expect_err_line(&r, "liqsim: unknown option '--fast'");
    cli_output_free(&r);
}

static void eval_takes_exactly_two_arguments(void **state)
{
    (void)state;
    cli_output r = CLI("eval", "binance-usdm");
    expect_failure(&r, EXIT_USAGE);
    cli_output_free(&r);
}

/* ---- lint ------------------------------------------------------------- */

static void lint_bad_policy_exits_3_with_the_located_message(void **state)
{
    (void)state;
    const char *bad = "tests/data/bad_policies/enum_did_you_mean.yaml";
    cli_output r = CLI("lint", bad);
    expect_invalid_input(&r, bad);
    cli_output_free(&r);
}

static void lint_good_policy_says_ok(void **state)
{
    (void)state;
    cli_output r = CLI("lint", "tests/data/lint/clean.yaml");
    expect_exit_code(&r, EXIT_OK);
    assert_string_equal(r.out, "tests/data/lint/clean.yaml: ok\n");
    assert_string_equal(r.err, "");
    cli_output_free(&r);
}

/* Warnings are advice: exit 0, unless --strict. */
static void lint_warnings_fail_only_with_strict(void **state)
{
    (void)state;
    static const char *const warning =
        "tests/data/lint/fee-above-first-tier.yaml:22:15: warning: liquidation.fee.rate: 0.012 "
        "is above the first tier's maintenance rate 0.004: a small position is bankrupt the "
        "moment it is liquidated";
    cli_output r = CLI("lint", "tests/data/lint/fee-above-first-tier.yaml");
    expect_exit_code(&r, EXIT_OK);
    expect_err_line(&r, warning);
    cli_output_free(&r);
    r = CLI("lint", "--strict", "tests/data/lint/fee-above-first-tier.yaml");
    expect_failure(&r, EXIT_INPUT);
    expect_err_line(&r, warning);
    cli_output_free(&r);
}

/* ---- eval: input errors ----------------------------------------------- */

static void eval_missing_policy_exits_3(void **state)
{
    (void)state;
    cli_output r = CLI("eval", "tests/data/no-such-policy.yaml", "default");
    expect_failure(&r, EXIT_INPUT);
    assert_string_equal(r.err, "tests/data/no-such-policy.yaml: no such policy file or shipped policy\n");
    cli_output_free(&r);
}

static void eval_missing_scenario_exits_3(void **state)
{
    (void)state;
    cli_output r = CLI("eval", "binance-usdm", "no-such-scenario");
    expect_failure(&r, EXIT_INPUT);
    assert_string_equal(r.err, "no-such-scenario: no such scenario file or shipped scenario\n");
    cli_output_free(&r);
}

static void eval_bad_policy_exits_3(void **state)
{
    (void)state;
    const char *bad = "tests/data/bad_policies/rate_percent.yaml";
    cli_output r = CLI("eval", bad, "default");
    expect_invalid_input(&r, bad);
    cli_output_free(&r);
}

/* A hook file whose top level fails while the policy loads: the policy
 * does not load, so this is invalid input, not a failed run. */
static void eval_policy_whose_hook_file_fails_to_load_exits_3(void **state)
{
    (void)state;
    const char *bad = "tests/data/bad_policies/hook_lua_main_chunk_error.yaml";
    cli_output r = CLI("eval", bad, "default");
    expect_invalid_input(&r, bad);
    cli_output_free(&r);
}

static void eval_bad_scenario_exits_3(void **state)
{
    (void)state;
    const char *bad = "tests/data/bad_scenarios/bad_side.yaml";
    cli_output r = CLI("eval", "binance-usdm", bad);
    expect_invalid_input(&r, bad);
    cli_output_free(&r);
}

/* Collateral below the initial margin is found while evaluating, but it
 * is still the scenario's fault: exit 3. */
static void eval_collateral_below_margin_exits_3(void **state)
{
    (void)state;
    const char *bad = "tests/data/bad_scenarios/collateral_below_margin.yaml";
    cli_output r = CLI("eval", "policies/binance-usdm.yaml", bad);
    expect_invalid_input(&r, bad);
    cli_output_free(&r);
}

/* ---- eval: a hook that fails while evaluating -------------------------- */

static void eval_hook_error_exits_1_at_the_lua_line(void **state)
{
    (void)state;
    cli_output r = CLI("eval", "tests/data/cli/hook-boom.yaml", "default");
    expect_failure(&r, EXIT_RUN);
    expect_err_line(&r, "tests/data/cli/hook-boom.lua:3: hook maintenance_margin: boom");
    cli_output_free(&r);
}

/* ---- eval: the JSON result -------------------------------------------- */

static void eval_json_holds_every_contract_key(void **state)
{
    (void)state;
    cli_output r = CLI("eval", "policies/binance-usdm.yaml", "scenarios/default.yaml", "--format",
                       "json");
    expect_exit_code(&r, EXIT_OK);
    assert_string_equal(r.err, "");
    json_t *j = parse_json(r.out);
    check_result(j);
    /* A path names the policy by the name the file declares. */
    assert_string_equal(json_string_value(json_object_get(j, "policy")), "binance-usdm");
    assert_string_equal(json_string_value(json_object_get(j, "venue")), "Binance USDⓈ-M Futures");
    /* The default scenario gaps through the liquidation price. */
    assert_true(json_is_true(json_object_get(j, "liquidated")));
    assert_null(json_object_get(j, "trace"));
    json_decref(j);
    cli_output_free(&r);
}

static void eval_explain_adds_a_trace_with_rules(void **state)
{
    (void)state;
    cli_output r = CLI("eval", "binance-usdm", "default", "--format", "json", "--explain");
    expect_exit_code(&r, EXIT_OK);
    json_t *j = parse_json(r.out);
    check_result(j);
    json_t *trace = json_object_get(j, "trace");
    assert_true(json_is_array(trace));
    assert_true(json_array_size(trace) > 0);
    size_t i;
    json_t *t;
    json_array_foreach(trace, i, t) {
        assert_true(json_string_length(json_object_get(t, "step")) > 0);
        assert_true(json_is_string(json_object_get(t, "value")));
        assert_true(json_string_length(json_object_get(t, "rule")) > 0);
    }
    json_decref(j);
    cli_output_free(&r);
}

/* ---- compare ------------------------------------------------------------ */

static void compare_json_has_one_result_per_shipped_policy(void **state)
{
    (void)state;
    size_t n;
    char **names = shipped_names(&n);
    assert_true(n >= 7);
    cli_output r = CLI("compare", "--format", "json");
    expect_exit_code(&r, EXIT_OK);
    json_t *j = parse_json(r.out);
    assert_true(json_is_array(j));
    assert_int_equal(json_array_size(j), n);
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(j, i);
        const char *st = json_string_value(json_object_get(o, "status"));
        /* A venue that does not list BTC, or would refuse 10x, has a row
         * that says why and carries no numbers. */
        if (strcmp(st, "ok") != 0) {
            assert_true(strcmp(st, "not_listed") == 0 || strcmp(st, "not_offered") == 0);
            assert_true(json_string_length(json_object_get(o, "reason")) > 0);
            assert_true(json_is_null(json_object_get(o, "liquidation_price")));
        } else {
            check_result(o);
            ok++;
        }
        assert_string_equal(json_string_value(json_object_get(o, "policy")), names[i]);
    }
    assert_true(ok >= 7);
    json_decref(j);
    cli_output_free(&r);
    free_strings(names, n);
}

static void compare_is_byte_identical_run_to_run(void **state)
{
    (void)state;
    /* csv has no place for the trace: it is refused with --explain. */
    static const char *const formats[] = {"json", "table", "csv", "md", "ndjson"};
    for (size_t f = 0; f < sizeof formats / sizeof *formats; f++) {
        const char *explain = f == 2 ? "--wide" : "--explain";
        cli_output a = CLI("compare", "--format", formats[f], explain);
        cli_output b = CLI("compare", "--format", formats[f], explain);
        expect_exit_code(&a, EXIT_OK);
        expect_exit_code(&b, EXIT_OK);
        assert_true(strlen(a.out) > 0);
        assert_string_equal(a.out, b.out);
        cli_output_free(&a);
        cli_output_free(&b);
    }
}

/* All or nothing: one policy that does not load, and nothing is printed. */
static void compare_with_a_bad_policy_prints_nothing(void **state)
{
    (void)state;
    const char *bad = "tests/data/bad_policies/tiers_not_ascending.yaml";
    cli_output r = CLI("compare", "default", "binance-usdm", bad, "bybit-usdt", "--format", "json");
    expect_invalid_input(&r, bad);
    cli_output_free(&r);

    r = CLI("compare", "default", "binance-usdm", "tests/data/no-such-policy.yaml");
    expect_failure(&r, EXIT_INPUT);
    cli_output_free(&r);
}

/* ---- CSV as a spreadsheet reads it ------------------------------------ */

/* RFC 4180 records of text: fields split at commas outside quotes, a
 * quoted field's "" read as ". Fails the test on a quote left open.
 * rows[i][j] is field j of record i; the caller frees with free_csv. */
typedef struct csv_doc { char ***rows; size_t *nf; size_t n; } csv_doc;

static csv_doc parse_csv(const char *text)
{
    csv_doc d = {0};
    const char *p = text;
    while (*p) {
        d.rows = realloc(d.rows, (d.n + 1) * sizeof *d.rows);
        d.nf = realloc(d.nf, (d.n + 1) * sizeof *d.nf);
        assert_non_null(d.rows);
        assert_non_null(d.nf);
        char **fields = NULL;
        size_t nf = 0;
        for (;;) {
            char *f = malloc(strlen(p) + 1);
            size_t len = 0;
            assert_non_null(f);
            if (*p == '"') {
                for (p++;; p++) {
                    if (*p == 0)
                        fail_msg("CSV: a quoted field is not closed\n%s", text);
                    if (*p == '"' && p[1] == '"')
                        f[len++] = '"', p++;
                    else if (*p == '"')
                        break;
                    else
                        f[len++] = *p;
                }
                p++;
            } else {
                while (*p && *p != ',' && *p != '\n')
                    f[len++] = *p++;
            }
            f[len] = 0;
            fields = realloc(fields, (nf + 1) * sizeof *fields);
            fields[nf++] = f;
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '\n')
                p++;
            else if (*p)
                fail_msg("CSV: text after a quoted field\n%s", text);
            break;
        }
        d.rows[d.n] = fields;
        d.nf[d.n++] = nf;
    }
    return d;
}

static void free_csv(csv_doc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        for (size_t k = 0; k < d->nf[i]; k++)
            free(d->rows[i][k]);
        free(d->rows[i]);
    }
    free(d->rows);
    free(d->nf);
}

/* Index of the header's column named name; fails the test if none. */
static size_t csv_col(const csv_doc *d, const char *name)
{
    for (size_t k = 0; d->n && k < d->nf[0]; k++)
        if (strcmp(d->rows[0][k], name) == 0)
            return k;
    fail_msg("CSV has no column %s", name);
    return 0;
}

/* ---- rows that failed: one failing venue hides no other ------------------ */

/* hook-boom's maintenance_margin hook raises: its row is an "error" row
 * carrying the message stderr shows, the rows before and after it are
 * evaluated, and the exit code (1) says a row failed. */
static void compare_failing_hook_is_an_error_row_between_the_others(void **state)
{
    (void)state;
    static const char *const msg = "tests/data/cli/hook-boom.lua:3: hook maintenance_margin: boom";
    cli_output r = CLI("compare", "default", "binance-usdm", "tests/data/cli/hook-boom.yaml",
                       "bybit-usdt", "--format", "csv");
    expect_exit_code(&r, EXIT_RUN);
    assert_string_equal(r.err, "tests/data/cli/hook-boom.lua:3: hook maintenance_margin: boom\n");
    csv_doc d = parse_csv(r.out);
    assert_int_equal(d.n, 4);
    size_t pol = csv_col(&d, "policy"), st = csv_col(&d, "status"), why = csv_col(&d, "reason");
    size_t lost = csv_col(&d, "trader_lost"), lp = csv_col(&d, "liq_price");
    static const char *const want[3][3] = {
        {"binance-usdm", "ok", ""}, {"hook-boom", "error", NULL}, {"bybit-usdt", "ok", ""}};
    for (size_t i = 0; i < 3; i++) {
        char **row = d.rows[i + 1];
        assert_int_equal(d.nf[i + 1], d.nf[0]);
        assert_string_equal(row[pol], want[i][0]);
        assert_string_equal(row[st], want[i][1]);
        assert_string_equal(row[why], want[i][2] ? want[i][2] : msg);
        /* An error row has no numbers; an ok row has them all. */
        assert_int_equal(row[lost][0] == 0, want[i][2] == NULL);
        assert_int_equal(row[lp][0] == 0, want[i][2] == NULL);
    }
    free_csv(&d);
    cli_output_free(&r);
}

/* In JSON the error row keeps every key, its amounts null, so no number
 * that was never evaluated reads as an answer. */
static void compare_error_row_in_json_has_a_reason_and_null_amounts(void **state)
{
    (void)state;
    cli_output r = CLI("compare", "default", "binance-usdm", "tests/data/cli/hook-boom.yaml",
                       "--format", "json");
    expect_exit_code(&r, EXIT_RUN);
    json_t *j = parse_json(r.out);
    assert_int_equal(json_array_size(j), 2);
    check_result(json_array_get(j, 0));
    json_t *e = json_array_get(j, 1);
    assert_string_equal(json_string_value(json_object_get(e, "policy")), "hook-boom");
    assert_string_equal(json_string_value(json_object_get(e, "venue")), "Test Venue");
    assert_string_equal(json_string_value(json_object_get(e, "status")), "error");
    assert_string_equal(json_string_value(json_object_get(e, "reason")),
                        "tests/data/cli/hook-boom.lua:3: hook maintenance_margin: boom");
    static const char *const nulls[] = {
        "initial_margin", "maintenance_margin", "liquidation_price", "bankruptcy_price",
        "liquidated", "trigger_price", "fill_price", "loss", "collateral", "deficit",
        "covered_by", "final_balance", "trader_lost", "unrealized_pnl", "insurance_fund"};
    for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
        if (!json_is_null(json_object_get(e, nulls[i])))
            fail_msg("an error row's \"%s\" is not null", nulls[i]);
    assert_true(json_is_null(json_object_get(json_object_get(e, "debt"), "owed")));
    json_decref(j);
    cli_output_free(&r);
}

/* The table prints an error row's reason where its numbers would be. */
static void compare_table_prints_the_reason_of_an_error_row(void **state)
{
    (void)state;
    cli_output r = CLI("compare", "default", "binance-usdm", "tests/data/cli/hook-boom.yaml",
                       "--format", "table");
    expect_exit_code(&r, EXIT_RUN);
    const char *row = strstr(r.out, "\nhook-boom ");
    assert_non_null(row);
    const char *end = strchr(row + 1, '\n');
    char line[256];
    snprintf(line, sizeof line, "%.*s", (int)(end - row - 1), row + 1);
    /* policy, status and the reason, padded to the columns above them */
    char want[256];
    snprintf(want, sizeof want, "%-12s  %-6s  %s", "hook-boom", "error",
             "tests/data/cli/hook-boom.lua:3: hook maintenance_margin: boom");
    assert_string_equal(line, want);
    cli_output_free(&r);
}

static void compare_csv_has_a_header_and_a_row_per_policy(void **state)
{
    (void)state;
    size_t n;
    char **names = shipped_names(&n);
    cli_output r = CLI("compare", "--format", "csv");
    expect_exit_code(&r, EXIT_OK);
    assert_int_equal(count_lines(r.out), 1 + n);
    assert_int_equal(strncmp(r.out, "scenario,venue,policy,", 22), 0);
    const char *row = strchr(r.out, '\n') + 1;
    for (size_t i = 0; i < n; i++) {
        char cell[128];
        snprintf(cell, sizeof cell, ",%s,", names[i]);
        const char *end = strchr(row, '\n');
        assert_int_equal(strncmp(row, "default,", 8), 0);
        assert_non_null(strstr(row, cell));
        assert_true(strstr(row, cell) < end);
        row = end + 1;
    }
    cli_output_free(&r);
    free_strings(names, n);
}

static void compare_md_has_a_header_and_a_row_per_policy(void **state)
{
    (void)state;
    size_t n;
    char **names = shipped_names(&n);
    cli_output r = CLI("compare", "--format", "md");
    expect_exit_code(&r, EXIT_OK);
    /* header, the |---| rule under it, one row per policy; then the notes */
    const char *notes = strstr(r.out, "\n\nNotes:\n");
    assert_non_null(notes);
    *(char *)(notes + 1) = 0;
    assert_int_equal(count_lines(r.out), 2 + n);
    assert_int_equal(strncmp(r.out, "| scenario | venue | policy |", 29), 0);
    const char *rule = strchr(r.out, '\n') + 1;
    assert_int_equal(strncmp(rule, "|---|", 5), 0);
    const char *row = strchr(rule, '\n') + 1;
    for (size_t i = 0; i < n; i++) {
        char cell[128];
        snprintf(cell, sizeof cell, "| %s |", names[i]);
        const char *end = strchr(row, '\n');
        assert_int_equal(strncmp(row, "| default |", 11), 0);
        assert_non_null(strstr(row, cell));
        assert_true(strstr(row, cell) < end);
        row = end + 1;
    }
    cli_output_free(&r);
    free_strings(names, n);
}

/* ---- test and schema ---------------------------------------------------- */

static void test_runs_every_worked_example(void **state)
{
    (void)state;
    cli_output r = CLI("test");
    expect_exit_code(&r, EXIT_OK);
    /* The summary is the last line: "N passed, 0 failed". */
    size_t len = strlen(r.out);
    assert_true(len > 0 && r.out[len - 1] == '\n');
    r.out[len - 1] = 0;
    const char *last = strrchr(r.out, '\n');
    last = last ? last + 1 : r.out;
    unsigned long passed = 0;
    char tail[64] = "";
    assert_int_equal(sscanf(last, "%lu passed, %63[^\n]", &passed, tail), 2);
    assert_true(passed > 0);
    assert_string_equal(tail, "0 failed");
    char want[64];
    snprintf(want, sizeof want, "%lu passed, 0 failed", passed);
    assert_string_equal(last, want);
    cli_output_free(&r);
}

static void schema_prints_json_schema(void **state)
{
    (void)state;
    cli_output r = CLI("schema");
    expect_exit_code(&r, EXIT_OK);
    json_t *j = parse_json(r.out);
    json_t *props = json_object_get(j, "properties");
    assert_true(json_is_object(props));
    assert_non_null(json_object_get(props, "liqsim"));
    assert_non_null(json_object_get(props, "margin"));
    json_decref(j);
    cli_output_free(&r);

    r = CLI("schema", "scenario");
    expect_exit_code(&r, EXIT_OK);
    j = parse_json(r.out);
    assert_non_null(json_object_get(json_object_get(j, "properties"), "position"));
    json_decref(j);
    cli_output_free(&r);

    r = CLI("schema", "venue");
    expect_failure(&r, EXIT_USAGE);
    cli_output_free(&r);
}

int main(void)
{
    chdir_to_project_root();
    /* The shipped directories the binary was built with, not the caller's. */
    unsetenv("LIQSIM_POLICY_DIR");
    unsetenv("LIQSIM_SCENARIO_DIR");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version_prints_the_version),
        cmocka_unit_test(help_prints_usage_on_stdout),
        cmocka_unit_test(no_command_is_a_usage_error),
        cmocka_unit_test(unknown_command_is_a_usage_error),
        cmocka_unit_test(unknown_format_is_a_usage_error),
        cmocka_unit_test(unknown_option_is_a_usage_error),
        cmocka_unit_test(eval_takes_exactly_two_arguments),
        cmocka_unit_test(lint_bad_policy_exits_3_with_the_located_message),
        cmocka_unit_test(lint_good_policy_says_ok),
        cmocka_unit_test(lint_warnings_fail_only_with_strict),
        cmocka_unit_test(eval_missing_policy_exits_3),
        cmocka_unit_test(eval_missing_scenario_exits_3),
        cmocka_unit_test(eval_bad_policy_exits_3),
        cmocka_unit_test(eval_policy_whose_hook_file_fails_to_load_exits_3),
        cmocka_unit_test(eval_bad_scenario_exits_3),
        cmocka_unit_test(eval_collateral_below_margin_exits_3),
        cmocka_unit_test(eval_hook_error_exits_1_at_the_lua_line),
        cmocka_unit_test(eval_json_holds_every_contract_key),
        cmocka_unit_test(eval_explain_adds_a_trace_with_rules),
        cmocka_unit_test(compare_json_has_one_result_per_shipped_policy),
        cmocka_unit_test(compare_is_byte_identical_run_to_run),
        cmocka_unit_test(compare_with_a_bad_policy_prints_nothing),
        cmocka_unit_test(compare_failing_hook_is_an_error_row_between_the_others),
        cmocka_unit_test(compare_error_row_in_json_has_a_reason_and_null_amounts),
        cmocka_unit_test(compare_table_prints_the_reason_of_an_error_row),
        cmocka_unit_test(compare_csv_has_a_header_and_a_row_per_policy),
        cmocka_unit_test(compare_md_has_a_header_and_a_row_per_policy),
        cmocka_unit_test(test_runs_every_worked_example),
        cmocka_unit_test(schema_prints_json_schema),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
