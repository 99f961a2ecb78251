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
/* posix_openpt and friends: the colour test runs liqsim on a terminal. */
#define _XOPEN_SOURCE 700
#include "support/support.h"
#include "yamltree.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* ---- what the trader lost, in every format -------------------------------- */

/* open-loss.yaml: the mark falls 6% and nothing is liquidated. The loss
 * columns are all 0, and yet the trader lost 0.2 x (50000 - 47000) = 600
 * of 1000: trader_lost and open_loss say 600, final_balance 400. A price
 * never reached is an empty CSV cell, not text. */
static void csv_shows_what_an_open_position_lost(void **state)
{
    (void)state;
    cli_output r = CLI("compare", "tests/data/cli/open-loss.yaml", "binance-usdm", "--format",
                       "csv");
    expect_exit_code(&r, EXIT_OK);
    csv_doc d = parse_csv(r.out);
    assert_int_equal(d.n, 2);
    static const char *const want[][2] = {
        {"total_loss", "0"}, {"owed", "0"}, {"trader_lost", "600"}, {"open_loss", "600"},
        {"final_balance", "400"}, {"collateral", "1000"}, {"trigger", ""}, {"fill", ""},
        {"market", "BTCUSDT"}, {"status", "ok"}, {"reason", ""}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        assert_string_equal(d.rows[1][csv_col(&d, want[i][0])], want[i][1]);
    free_csv(&d);
    cli_output_free(&r);
}

/* A bankrupt account's fee is the fund's: deribit charges 62.475
 * on the default scenario's fill, after the 1000 of collateral is gone.
 * The trader lost the 1000; the fund received the fee and paid the whole
 * deficit, fee included (1670 + 62.475 - 1000). */
static void table_separates_the_fee_the_fund_received_from_the_traders_loss(void **state)
{
    (void)state;
    cli_output r = CLI("compare", "default", "deribit", "--format", "md");
    expect_exit_code(&r, EXIT_OK);
    /* The header names the columns; the row holds them in that order. */
    char *head = r.out, *row = strchr(strchr(r.out, '\n') + 1, '\n') + 1;
    *strchr(head, '\n') = 0;
    *strchr(row, '\n') = 0;
    static const char *const cols[] = {"trader_lost", "final_balance", "fees", "deficit",
                                       "fund_paid", "fund_received", "owed"};
    static const char *const want[] = {"1000", "0", "62.475", "732.475", "732.475", "62.475",
                                       "0"};
    for (size_t k = 0; k < sizeof cols / sizeof *cols; k++) {
        /* Column index of the name, then the row's cell at that index. */
        char name[64];
        snprintf(name, sizeof name, "| %s |", cols[k]);
        const char *at = strstr(head, name);
        assert_non_null(at);
        size_t idx = 0;
        for (const char *p = head; p < at; p++)
            idx += *p == '|';
        const char *cell = row;
        for (size_t i = 0; i <= idx; i++)
            cell = strchr(cell, '|') + 1;
        char got[64];
        snprintf(got, sizeof got, "%.*s", (int)strcspn(cell + 1, " |"), cell + 1);
        if (strcmp(got, want[k]) != 0)
            fail_msg("%s: got %s, expected %s", cols[k], got, want[k]);
    }
    cli_output_free(&r);
}

/* trader_lost is the account's start less its end: in every ok row of the
 * default comparison, loss.total - what others covered - unrealized_pnl. */
static void json_trader_lost_is_the_loss_less_what_others_covered(void **state)
{
    (void)state;
    cli_output r = CLI("compare", "--format", "json");
    expect_exit_code(&r, EXIT_OK);
    json_t *j = parse_json(r.out);
    size_t i, checked = 0;
    json_t *o;
    json_array_foreach(j, i, o) {
        if (strcmp(json_string_value(json_object_get(o, "status")), "ok") != 0) {
            assert_true(json_is_null(json_object_get(o, "trader_lost")));
            continue;
        }
        json_t *cov = json_object_get(o, "covered_by");
        liq_dec want = json_dec(json_object_get(o, "loss"), "total");
        const char *key;
        json_t *v;
        json_object_foreach(cov, key, v)
            if (strcmp(key, "trader_debt") != 0)
                want = dec_sub(want, json_dec(cov, key));
        want = dec_sub(want, json_dec(o, "unrealized_pnl"));
        assert_int_equal(liq_dec_cmp(json_dec(o, "trader_lost"), want), 0);
        checked++;
    }
    assert_true(checked >= 7);
    json_decref(j);
    cli_output_free(&r);
}

/* ---- warnings in every format ------------------------------------------------ */

/* Each row's warnings, from the JSON, joined by "; ". Caller frees. */
static char *joined_warnings(json_t *row)
{
    size_t k;
    json_t *w;
    char *out = calloc(1, 1);
    size_t len = 0;
    json_array_foreach(json_object_get(row, "warnings"), k, w) {
        size_t add = strlen(json_string_value(w)) + 2;
        out = realloc(out, len + add + 1);
        len += (size_t)sprintf(out + len, "%s%s", k ? "; " : "", json_string_value(w));
    }
    return out;
}

/* The CSV's notes column holds every warning the JSON has, row by row;
 * Markdown lists each below the table as "- **policy**: warning". */
static void csv_and_md_carry_every_warning(void **state)
{
    (void)state;
    cli_output js = CLI("compare", "--format", "json");
    cli_output csv = CLI("compare", "--format", "csv");
    cli_output md = CLI("compare", "--format", "md");
    expect_exit_code(&js, EXIT_OK);
    expect_exit_code(&csv, EXIT_OK);
    expect_exit_code(&md, EXIT_OK);
    json_t *j = parse_json(js.out);
    csv_doc d = parse_csv(csv.out);
    assert_int_equal(d.n, json_array_size(j) + 1);
    size_t notes = csv_col(&d, "notes"), warned = 0;
    for (size_t i = 0; i < json_array_size(j); i++) {
        json_t *row = json_array_get(j, i);
        char *want = joined_warnings(row);
        assert_string_equal(d.rows[i + 1][notes], want);
        free(want);
        size_t k;
        json_t *w;
        json_array_foreach(json_object_get(row, "warnings"), k, w) {
            char line[1024];
            snprintf(line, sizeof line, "\n- **%s**: %s\n",
                     json_string_value(json_object_get(row, "policy")), json_string_value(w));
            if (!strstr(md.out, line))
                fail_msg("Markdown lacks the note%s", line);
            warned++;
        }
    }
    assert_true(warned > 0);
    json_decref(j);
    free_csv(&d);
    cli_output_free(&js);
    cli_output_free(&csv);
    cli_output_free(&md);
}

/* --explain has no place in CSV: refused before anything is printed. */
static void explain_with_csv_is_refused(void **state)
{
    (void)state;
    static const char msg[] =
        "liqsim: --explain does not combine with --format csv (the trace would break the CSV);\n"
        "        use --format json or ndjson (the trace inside each row) or md (a table per row)\n";
    cli_output r = CLI("compare", "--format", "csv", "--explain");
    expect_failure(&r, EXIT_USAGE);
    assert_string_equal(r.err, msg);
    cli_output_free(&r);
    r = CLI("eval", "binance-usdm", "default", "--explain", "--format=csv");
    expect_failure(&r, EXIT_USAGE);
    assert_string_equal(r.err, msg);
    cli_output_free(&r);
}

/* Markdown's --explain: a trace table per row after the rows, one line
 * per step of the JSON trace. */
static void md_explain_adds_a_trace_table_per_row(void **state)
{
    (void)state;
    cli_output js = CLI("eval", "binance-usdm", "default", "--format", "json", "--explain");
    cli_output md = CLI("eval", "binance-usdm", "default", "--format", "md", "--explain");
    expect_exit_code(&md, EXIT_OK);
    json_t *j = parse_json(js.out);
    const char *t = strstr(md.out, "\n### Trace: binance-usdm\n\n| step | value | rule | source | note |\n");
    assert_non_null(t);
    size_t i;
    json_t *step;
    json_array_foreach(json_object_get(j, "trace"), i, step) {
        char want[256];
        snprintf(want, sizeof want, "\n| %s | %s | ", json_string_value(json_object_get(step, "step")),
                 json_string_value(json_object_get(step, "value")));
        if (!strstr(t, want))
            fail_msg("the trace table lacks%s", want);
    }
    json_decref(j);
    cli_output_free(&js);
    cli_output_free(&md);
}

/* ndjson: one compact object per line, each equal to the JSON array's
 * element. */
static void compare_ndjson_is_one_row_per_line(void **state)
{
    (void)state;
    cli_output js = CLI("compare", "--format", "json");
    cli_output nd = CLI("compare", "--format", "ndjson");
    expect_exit_code(&nd, EXIT_OK);
    json_t *j = parse_json(js.out);
    assert_int_equal(count_lines(nd.out), json_array_size(j));
    const char *line = nd.out;
    for (size_t i = 0; i < json_array_size(j); i++) {
        size_t len = strcspn(line, "\n");
        json_error_t e;
        json_t *o = json_loadb(line, len, 0, &e);
        if (!o)
            fail_msg("line %zu is not JSON: %s", i + 1, e.text);
        assert_true(json_equal(o, json_array_get(j, i)));
        json_decref(o);
        line += len + 1;
    }
    json_decref(j);
    cli_output_free(&js);
    cli_output_free(&nd);
}

/* ---- the table on a terminal ----------------------------------------------- */

/* liqsim on a pseudo-terminal of cols columns (stdout only; stdin and
 * stderr /dev/null), NO_COLOR set to no_color (NULL: unset), COLUMNS
 * unset. Returns what it printed, "\r\n" read back as "\n". */
static char *run_on_tty(const char *const *args, unsigned cols, const char *no_color)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(m >= 0);
    assert_int_equal(grantpt(m), 0);
    assert_int_equal(unlockpt(m), 0);
    char slave[256];
    snprintf(slave, sizeof slave, "%s", ptsname(m));
    const char *argv[32] = {LIQ_CLI};
    size_t n = 1;
    for (; *args && n < 31; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setsid();
        int s = open(slave, O_RDWR);
        struct winsize ws = {.ws_row = 50, .ws_col = (unsigned short)cols};
        int null = open("/dev/null", O_RDWR);
        if (s < 0 || null < 0 || ioctl(s, TIOCSWINSZ, &ws) != 0 || dup2(null, 0) < 0 ||
            dup2(s, 1) < 0 || dup2(null, 2) < 0 || chdir(LIQ_SOURCE_DIR) != 0)
            _exit(127);
        unsetenv("COLUMNS");
        setenv("TERM", "xterm", 1);
        if (no_color)
            setenv("NO_COLOR", no_color, 1);
        else
            unsetenv("NO_COLOR");
        execv(LIQ_CLI, (char *const *)argv);
        _exit(127);
    }
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    for (;;) {
        if (len + 4096 > cap)
            out = realloc(out, cap *= 2);
        ssize_t got = read(m, out + len, cap - len - 1);
        if (got <= 0)
            break; /* EIO: the terminal's other end is closed */
        len += (size_t)got;
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(m);
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (!(out[i] == '\r' && i + 1 < len && out[i + 1] == '\n'))
            out[k++] = out[i];
    out[k] = 0;
    return out;
}

/* Display width of a line, escapes and all multi-byte tails left out. */
static size_t line_width(const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\033') {
            while (i < len && s[i] != 'm')
                i++;
            continue;
        }
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    }
    return w;
}

/* The header line of a table (the third line, after "scenario: ..." and
 * a blank one), as column names separated by blanks. */
static size_t header_names(const char *table, char names[32][32])
{
    const char *h = strchr(strchr(table, '\n') + 1, '\n') + 1;
    size_t n = 0;
    while (*h && *h != '\n' && n < 32) {
        while (*h == ' ' || *h == '\033') {
            if (*h == '\033')
                while (*h && *h != 'm')
                    h++;
            h++;
        }
        size_t l = strcspn(h, " \n\033");
        if (l == 0)
            break;
        snprintf(names[n++], 32, "%.*s", (int)l, h);
        h += l;
    }
    return n;
}

/* On a 100-column terminal every line of the table's rows fits, and the
 * table says how many columns it left out; COLUMNS does the same when
 * stdout is not a terminal; --wide prints every column. The columns left
 * out go in the order docs/output.md gives: a column is never shown
 * while one of a lower drop group is missing. */
static void table_fits_the_terminal_width(void **state)
{
    (void)state;
    char *t = run_on_tty((const char *const[]){"compare", NULL}, 100, "1");
    char names[32][32];
    size_t shown = header_names(t, names);
    const char *row = strchr(strchr(strchr(t, '\n') + 1, '\n') + 1, '\n') + 1;
    for (int i = 0; i < 8; i++) {
        size_t len = strcspn(row, "\n");
        assert_true(line_width(row, len) <= 100);
        row += len + 1;
    }
    char want[128];
    snprintf(want, sizeof want, "%zu columns left out to fit 100 columns", 23 - shown);
    assert_non_null(strstr(t, want));
    free(t);

    /* The drop order: group of each column (docs/output.md). */
    static const struct { const char *name; int group; } order[] = {
        {"policy", 0}, {"status", 0}, {"ccy", 0}, {"trader_lost", 0}, {"final_balance", 0},
        {"owed", 0}, {"liq_price", 0}, {"open_loss", 1}, {"trigger", 1}, {"collateral", 1},
        {"deficit", 2}, {"fund_paid", 2}, {"fund_received", 2}, {"fees", 3},
        {"total_loss", 3}, {"bankr_price", 4}, {"fill", 4}, {"market", 5}, {"unforced", 6},
        {"forced", 6}, {"adl", 7}, {"socialized", 7}, {"other", 7}};
    size_t ncols = sizeof order / sizeof *order;
    for (unsigned w = 60; w <= 260; w += 20) {
        char cols[16];
        snprintf(cols, sizeof cols, "%u", w);
        setenv("COLUMNS", cols, 1);
        cli_output r = CLI("compare", "--format", "table");
        unsetenv("COLUMNS");
        expect_exit_code(&r, EXIT_OK);
        size_t n = header_names(r.out, names);
        int highest_shown = -1, lowest_missing = 99;
        for (size_t c = 0; c < ncols; c++) {
            bool here = false;
            for (size_t k = 0; k < n; k++)
                here |= strcmp(names[k], order[c].name) == 0;
            if (here && order[c].group > highest_shown)
                highest_shown = order[c].group;
            if (!here && order[c].group < lowest_missing)
                lowest_missing = order[c].group;
        }
        if (highest_shown >= lowest_missing)
            fail_msg("at %u columns, group %d is shown while group %d is left out", w,
                     highest_shown, lowest_missing);
        assert_int_equal(lowest_missing == 99, n == ncols);
        cli_output_free(&r);
    }
    cli_output r = CLI("compare", "--format", "table", "--wide");
    setenv("COLUMNS", "60", 1);
    cli_output narrow_wide = CLI("compare", "--format", "table", "--wide");
    unsetenv("COLUMNS");
    assert_int_equal(header_names(r.out, names), ncols);
    assert_string_equal(r.out, narrow_wide.out);
    assert_null(strstr(r.out, "left out"));
    cli_output_free(&r);
    cli_output_free(&narrow_wide);
}

/* Colour only on a terminal, never with NO_COLOR set, never in a pipe. */
static void table_colour_only_on_a_terminal_without_no_color(void **state)
{
    (void)state;
    const char *const args[] = {"compare", "--wide", NULL};
    char *tty = run_on_tty(args, 300, NULL);
    assert_non_null(strstr(tty, "\033[1m"));      /* the header, bold */
    assert_non_null(strstr(tty, "\033[33mnot_listed\033[0m"));
    char *no_colour = run_on_tty(args, 300, "1");
    assert_null(strchr(no_colour, '\033'));
    cli_output piped = CLI("compare", "--format", "table", "--wide");
    assert_null(strchr(piped.out, '\033'));
    /* The same table apart from the colour. */
    assert_string_equal(no_colour, piped.out);
    free(tty);
    free(no_colour);
    cli_output_free(&piped);
}

/* ---- options: one table per verb --------------------------------------------- */

/* Every verb's --help is written from its option table: each option the
 * verb parses is listed, and nothing else. */
static void every_verb_has_help_from_its_table(void **state)
{
    (void)state;
    static const char *const verbs[][17] = {
        {"compare", "--format", "--explain", "--wide", "--currency", NULL},
        {"eval", "--format", "--explain", "--wide", "--currency", NULL},
        {"lint", "--strict", "--format", NULL},
        {"test", "--format", "--coverage", NULL},
        {"audit", "--format", "--cases", "--seed", "--out", "--jobs", "--shard", NULL},
        {"diff", "--format", "--set", "--scenario", "--side", "--max-points", "--out",
         "--currency", "--jobs", "--shard", NULL},
        {"schema", "--format", NULL},
        {"new", "--from", "--output", NULL},
        {"bench", "--evals", "--accounts", "--ticks", "--naive-accounts", "--hooked-accounts",
         "--big-accounts", "--batch", "--batch-only", "--sweep", "--sweep-only", "--audit",
         "--audit-policies", "--audit-only", "--repeat", "--keep", NULL},
        {"batch", "--scenario", "--input", "--jobs", "--shard", "--summary-only", "--explain",
         "--currency", NULL},
        {"merge", NULL},
        {"replay", "--book", "--path", "--events", "--fund-csv", "--slippage", "--insurance-fund",
         "--tick-hours", "--benchmark-rate", "--market", "--naive", "--check", "--format", NULL},
    };
    for (size_t v = 0; v < sizeof verbs / sizeof *verbs; v++) {
        cli_output r = CLI(verbs[v][0], "--help");
        expect_exit_code(&r, EXIT_OK);
        char want[64];
        snprintf(want, sizeof want, "usage: liqsim %s ", verbs[v][0]);
        assert_int_equal(strncmp(r.out, want, strlen(want)), 0);
        /* One line per option between "options:" and "Exit:". */
        const char *opts = strstr(r.out, "\noptions:\n"), *end = strstr(r.out, "\nExit: ");
        assert_non_null(opts);
        assert_non_null(end);
        size_t listed = 0;
        for (const char *p = opts + 1; p < end; p = strchr(p, '\n') + 1)
            listed++;
        listed--; /* the "options:" line itself */
        size_t n = 0;
        for (; verbs[v][n + 1]; n++) {
            snprintf(want, sizeof want, " %s", verbs[v][n + 1]);
            if (!strstr(r.out, want))
                fail_msg("liqsim %s --help lacks %s", verbs[v][0], verbs[v][n + 1]);
        }
        /* Its own options, --help and --version. */
        assert_int_equal(listed, n + 2); /* and -h, --help and --version */
        cli_output_free(&r);
    }
    /* A number's help gives its bounds, read from the file key. */
    cli_output r = CLI("replay", "--help");
    expect_exit_code(&r, EXIT_OK);
    assert_non_null(strstr(r.out, "--slippage X"));
    assert_non_null(strstr(r.out, "; a decimal from 0 to 1, as market.liquidation_fill.slippage)"));
    assert_non_null(strstr(r.out, "; a decimal >= 0, as insurance_fund.balance)"));
    cli_output_free(&r);
}

#define RPB "tests/data/replay/books/adl.csv"
#define RPP "tests/data/replay/paths/gap.csv"
#define RPOL "tests/data/replay/policies/adl-lev-bp.yaml"

/* replay --slippage 5 filled 5x beyond the mark (negative fills): the
 * option takes what the scenario key market.liquidation_fill.slippage
 * takes, 0 to 1, tested at both edges and one past each. */
static void replay_numbers_take_the_bounds_of_their_file_keys(void **state)
{
    (void)state;
    static const char *const ok[] = {"0", "1", "0.02"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        cli_output r = CLI("replay", "--book", RPB, "--path", RPP, "--slippage", ok[i], "--format",
                           "json", RPOL);
        expect_exit_code(&r, EXIT_OK);
        cli_output_free(&r);
    }
    static const char *const bad[][2] = {
        {"5", "liqsim: --slippage takes a decimal from 0 to 1 (as "
              "market.liquidation_fill.slippage), got \"5\""},
        {"1.000000000001", "liqsim: --slippage takes a decimal from 0 to 1 (as "
                           "market.liquidation_fill.slippage), got \"1.000000000001\""},
        {"-0.000000000001", "liqsim: --slippage takes a decimal from 0 to 1 (as "
                            "market.liquidation_fill.slippage), got \"-0.000000000001\""},
        {"2%", "liqsim: --slippage takes a decimal from 0 to 1 (as "
               "market.liquidation_fill.slippage), got \"2%\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cli_output r = CLI("replay", "--book", RPB, "--path", RPP, "--slippage", bad[i][0], RPOL);
        expect_failure(&r, EXIT_USAGE);
        char want[512];
        snprintf(want, sizeof want, "%s\n", bad[i][1]);
        assert_string_equal(r.err, want);
        cli_output_free(&r);
    }
    /* The fund's balance takes what insurance_fund.balance takes: >= 0. */
    cli_output r = CLI("replay", "--book", RPB, "--path", RPP, "--insurance-fund", "-1", RPOL);
    expect_failure(&r, EXIT_USAGE);
    assert_string_equal(r.err, "liqsim: --insurance-fund takes a decimal >= 0 (as "
                               "insurance_fund.balance), got \"-1\"\n");
    cli_output_free(&r);
    /* Counts are whole numbers from 1. */
    r = CLI("bench", "--evals", "0");
    expect_failure(&r, EXIT_USAGE);
    assert_string_equal(r.err, "liqsim: --evals takes a whole number from 1 to 100000000, got \"0\"\n");
    cli_output_free(&r);
    r = CLI("bench", "--ticks", "1.5");
    expect_failure(&r, EXIT_USAGE);
    assert_string_equal(r.err, "liqsim: --ticks takes a whole number from 1 to 100000000, got \"1.5\"\n");
    cli_output_free(&r);
    /* A figure's runs: 1 to 9 (bench_stat.h keeps them in a fixed array). */
    static const char *const repeats[] = {"0", "10"};
    for (size_t i = 0; i < sizeof repeats / sizeof *repeats; i++) {
        r = CLI("bench", "--repeat", repeats[i]);
        expect_failure(&r, EXIT_USAGE);
        char want[128];
        snprintf(want, sizeof want, "liqsim: --repeat takes a whole number from 1 to 9, got \"%s\"\n",
                 repeats[i]);
        assert_string_equal(r.err, want);
        cli_output_free(&r);
    }
}

/* `bench --repeat N` times each figure N times and prints the median with
 * the range of the N runs beside it; one run prints no range. */
static void bench_repeat_prints_the_median_and_the_range_of_its_runs(void **state)
{
    (void)state;
    cli_output r = CLI("bench", "--evals", "1000", "--accounts", "100", "--ticks", "10",
                       "--naive-accounts", "10", "--hooked-accounts", "0", "--big-accounts", "0",
                       "--batch", "1", "--sweep", "0", "--audit", "0", "--repeat", "9");
    expect_exit_code(&r, EXIT_OK);
    assert_non_null(strstr(r.out, "binance-usdm (YAML only)"));
    const char *rate = strstr(r.out, "evals/s [");
    assert_non_null(rate);
    assert_non_null(strstr(rate, " of 9]"));
    assert_non_null(strstr(r.out, "liqsim / floor: "));
    assert_non_null(strstr(r.out, "lines/s ["));
    cli_output_free(&r);
    r = CLI("bench", "--evals", "1000", "--accounts", "100", "--ticks", "10",
            "--naive-accounts", "10", "--hooked-accounts", "0", "--big-accounts", "0",
            "--batch", "1", "--sweep", "0", "--audit", "0");
    expect_exit_code(&r, EXIT_OK);
    assert_non_null(strstr(r.out, "evals/s  ("));
    assert_null(strstr(r.out, "evals/s ["));
    assert_null(strstr(r.out, "lines/s ["));
    cli_output_free(&r);
}

/* An option without its value, and an option the verb does not have
 * (replay has no --explain: refused, not ignored). */
static void options_without_a_value_or_unknown_are_usage_errors(void **state)
{
    (void)state;
    cli_output r = CLI("replay", "--path", RPP, RPOL, "--book");
    expect_failure(&r, EXIT_USAGE);
    static const char head[] = "liqsim: --book needs a value\n\nusage: liqsim replay ";
    assert_int_equal(strncmp(r.err, head, sizeof head - 1), 0);
    cli_output_free(&r);
    r = CLI("replay", "--book", RPB, "--path", RPP, "--explain", RPOL);
    expect_failure(&r, EXIT_USAGE);
    expect_err_line(&r, "liqsim: unknown option '--explain'");
    cli_output_free(&r);
    r = CLI("new", "-x", "foo");
    expect_failure(&r, EXIT_USAGE);
    expect_err_line(&r, "liqsim: unknown option '-x'");
    cli_output_free(&r);
}

/* Every verb honours each format it accepts, and refuses the others. */
static void each_verb_refuses_a_format_it_does_not_write(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"lint", "csv", "liqsim: --format takes table or json, got csv\n"},
        {"test", "md", "liqsim: --format takes table or json, got md\n"},
        {"schema", "table", "liqsim: --format takes json, got table\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cli_output r = CLI(cases[i][0], "--format", cases[i][1]);
        expect_failure(&r, EXIT_USAGE);
        assert_string_equal(r.err, cases[i][2]);
        cli_output_free(&r);
    }
}

/* lint --format json: one report, each policy with its status and every
 * diagnostic as stderr gives it. */
static void lint_json_reports_each_policy_and_diagnostic(void **state)
{
    (void)state;
    cli_output r = CLI("lint", "--format", "json", "tests/data/lint/clean.yaml",
                       "tests/data/lint/fee-above-first-tier.yaml");
    expect_exit_code(&r, EXIT_OK);
    json_t *j = parse_json(r.out);
    json_t *ps = json_object_get(j, "policies");
    assert_int_equal(json_array_size(ps), 2);
    json_t *a = json_array_get(ps, 0), *b = json_array_get(ps, 1);
    assert_string_equal(json_string_value(json_object_get(a, "status")), "ok");
    assert_int_equal(json_array_size(json_object_get(a, "diagnostics")), 0);
    assert_string_equal(json_string_value(json_object_get(b, "status")), "warnings");
    json_t *g = json_array_get(json_object_get(b, "diagnostics"), 0);
    assert_string_equal(json_string_value(json_object_get(g, "severity")), "warning");
    assert_string_equal(json_string_value(json_object_get(g, "file")),
                        "tests/data/lint/fee-above-first-tier.yaml");
    assert_int_equal(json_integer_value(json_object_get(g, "line")), 22);
    assert_int_equal(json_integer_value(json_object_get(g, "col")), 15);
    assert_int_equal(json_integer_value(json_object_get(j, "errors")), 0);
    assert_true(json_integer_value(json_object_get(j, "warnings")) >= 1);
    json_decref(j);
    cli_output_free(&r);
    /* A policy that does not load: exit 3, and the report says why. */
    const char *bad = "tests/data/bad_policies/enum_did_you_mean.yaml";
    r = CLI("lint", "--format", "json", bad);
    expect_exit_code(&r, EXIT_INPUT);
    j = parse_json(r.out);
    a = json_array_get(json_object_get(j, "policies"), 0);
    assert_string_equal(json_string_value(json_object_get(a, "status")), "errors");
    char *msg = expected_message(bad);
    g = json_array_get(json_object_get(a, "diagnostics"), 0);
    char got[1024];
    snprintf(got, sizeof got, "%s:%lld:%lld: %s", json_string_value(json_object_get(g, "file")),
             json_integer_value(json_object_get(g, "line")),
             json_integer_value(json_object_get(g, "col")),
             json_string_value(json_object_get(g, "message")));
    assert_string_equal(got, msg);
    free(msg);
    json_decref(j);
    cli_output_free(&r);
}

/* test --format json: every example with its result, and the totals the
 * text output ends with. */
static void test_json_reports_every_example(void **state)
{
    (void)state;
    cli_output txt = CLI("test", "binance-usdm");
    cli_output r = CLI("test", "--format", "json", "binance-usdm");
    expect_exit_code(&r, EXIT_OK);
    json_t *j = parse_json(r.out);
    json_t *ex = json_object_get(j, "examples");
    assert_true(json_array_size(ex) > 0);
    assert_int_equal(json_integer_value(json_object_get(j, "passed")), json_array_size(ex));
    assert_int_equal(json_integer_value(json_object_get(j, "failed")), 0);
    size_t i;
    json_t *e;
    json_array_foreach(ex, i, e) {
        assert_true(json_is_true(json_object_get(e, "passed")));
        json_int_t n = json_integer_value(json_object_get(e, "checks"));
        /* The same line in the text output, its plural right. */
        char line[256];
        snprintf(line, sizeof line, "ok    binance-usdm %s (%lld check%s)\n",
                 json_string_value(json_object_get(e, "id")), (long long)n, n == 1 ? "" : "s");
        if (!strstr(txt.out, line))
            fail_msg("text output lacks: %s", line);
    }
    json_decref(j);
    cli_output_free(&r);
    cli_output_free(&txt);
}

/* "(1 check)", never "(1 checks)". */
static void test_output_says_1_check(void **state)
{
    (void)state;
    cli_output r = CLI("test");
    expect_exit_code(&r, EXIT_OK);
    assert_null(strstr(r.out, "(1 checks)"));
    assert_null(strstr(r.out, " 0 checks)"));
    cli_output_free(&r);
}

/* ---- replay's formats and streams ----------------------------------------------- */

/* csv and md: a header and a row per policy, the JSON summary's numbers. */
static void replay_csv_and_md_have_a_row_per_policy(void **state)
{
    (void)state;
    const char *pol2 = "tests/data/replay/policies/adl-mr-bp.yaml";
    cli_output js = CLI("replay", "--book", RPB, "--path", RPP, "--insurance-fund", "100",
                        "--format", "json", RPOL, pol2);
    cli_output csv = CLI("replay", "--book", RPB, "--path", RPP, "--insurance-fund", "100",
                         "--format", "csv", RPOL, pol2);
    cli_output md = CLI("replay", "--book", RPB, "--path", RPP, "--insurance-fund", "100",
                        "--format", "md", RPOL, pol2);
    expect_exit_code(&csv, EXIT_OK);
    expect_exit_code(&md, EXIT_OK);
    json_t *j = parse_json(js.out);
    csv_doc d = parse_csv(csv.out);
    assert_int_equal(d.n, 3);
    assert_int_equal(count_lines(md.out), 4);
    for (size_t i = 0; i < 2; i++) {
        json_t *s = json_array_get(j, i);
        assert_int_equal(d.nf[i + 1], d.nf[0]);
        assert_string_equal(d.rows[i + 1][csv_col(&d, "policy")],
                            json_string_value(json_object_get(s, "policy")));
        assert_string_equal(d.rows[i + 1][csv_col(&d, "loss_total")],
                            json_string_value(json_object_get(s, "loss_total")));
        assert_string_equal(d.rows[i + 1][csv_col(&d, "covered_by.adl")],
                            json_string_value(json_object_get(json_object_get(s, "covered_by"), "adl")));
        assert_string_equal(d.rows[i + 1][csv_col(&d, "insurance_fund.end")],
                            json_string_value(json_object_get(json_object_get(s, "insurance_fund"), "end")));
        char cell[128];
        assert_string_equal(d.rows[i + 1][csv_col(&d, "settlement")],
                            json_string_value(json_object_get(s, "settlement")));
        const char *mk = json_string_value(json_object_get(s, "market"));
        assert_string_equal(d.rows[i + 1][csv_col(&d, "market")], mk ? mk : "");
        snprintf(cell, sizeof cell, "\n| %s | %s | %s | %lld | ",
                 json_string_value(json_object_get(s, "policy")),
                 json_string_value(json_object_get(s, "settlement")),
                 mk ? mk : "",
                 json_integer_value(json_object_get(s, "accounts")));
        assert_non_null(strstr(md.out, cell));
    }
    json_decref(j);
    free_csv(&d);
    cli_output_free(&js);
    cli_output_free(&csv);
    cli_output_free(&md);
}

/* --format ndjson: the same event lines as --events -, each policy's
 * followed by its summary as a line of type "summary". */
static void replay_ndjson_streams_events_then_each_summary(void **state)
{
    (void)state;
    cli_output ev = CLI("replay", "--book", RPB, "--path", RPP, "--insurance-fund", "100",
                        "--events", "-", RPOL);
    cli_output js = CLI("replay", "--book", RPB, "--path", RPP, "--insurance-fund", "100",
                        "--format", "json", RPOL);
    cli_output nd = CLI("replay", "--book", RPB, "--path", RPP, "--insurance-fund", "100",
                        "--format", "ndjson", RPOL);
    expect_exit_code(&nd, EXIT_OK);
    assert_string_equal(nd.err, "");
    size_t evlen = strlen(ev.out);
    assert_true(evlen > 0);
    assert_int_equal(strncmp(nd.out, ev.out, evlen), 0);
    const char *last = nd.out + evlen;
    assert_int_equal(count_lines(last), 1);
    json_t *s = json_loads(last, 0, NULL);
    assert_non_null(s);
    assert_string_equal(json_string_value(json_object_get(s, "type")), "summary");
    json_object_del(s, "type");
    json_t *j = parse_json(js.out);
    assert_true(json_equal(s, json_array_get(j, 0)));
    json_decref(s);
    json_decref(j);
    cli_output_free(&ev);
    cli_output_free(&js);
    cli_output_free(&nd);
    /* Two streams to stdout at once: refused. */
    cli_output r = CLI("replay", "--book", RPB, "--path", RPP, "--events", "-", "--format",
                       "ndjson", RPOL);
    expect_failure(&r, EXIT_USAGE);
    cli_output_free(&r);
}

/* A hook fails on the second account (fee-fails-big.lua: above 1 BTC)
 * after the first one's events are written: the stream's last line says
 * it failed and why, with the message stderr gives; exit 1; no summary. */
static void replay_stream_cut_by_a_failure_ends_in_a_failed_line(void **state)
{
    (void)state;
    static const char *const msg = "tests/data/cli/fee-fails-big.lua:4: hook liquidation_fee: too big";
    static const char *const fmts[][2] = {{"--events", "-"}, {"--format", "ndjson"}};
    for (size_t f = 0; f < 2; f++) {
        cli_output r = CLI("replay", "--book", "tests/data/cli/two-liquidations.csv", "--path",
                           "tests/data/cli/fall.csv", fmts[f][0], fmts[f][1],
                           "tests/data/cli/fee-fails-big.yaml");
        expect_exit_code(&r, EXIT_RUN);
        expect_err_line(&r, msg);
        assert_null(strstr(r.err, "accounts 2"));
        size_t n = count_lines(r.out);
        assert_true(n >= 2);
        /* Every line is JSON of this policy; the first is account A's
         * liquidation, the last the failure. */
        const char *line = r.out;
        json_t *o = NULL;
        for (size_t i = 0; i < n; i++) {
            size_t len = strcspn(line, "\n");
            json_decref(o);
            o = json_loadb(line, len, 0, NULL);
            assert_non_null(o);
            assert_string_equal(json_string_value(json_object_get(o, "policy")), "fee-fails-big");
            if (i == 0)
                assert_string_equal(json_string_value(json_object_get(o, "account")), "A");
            line += len + 1;
        }
        assert_string_equal(json_string_value(json_object_get(o, "type")), "failed");
        assert_string_equal(json_string_value(json_object_get(o, "reason")), msg);
        json_decref(o);
        cli_output_free(&r);
    }
}

/* ---- what a file argument names ------------------------------------------------ */

/* From inside tests/data/cli, `compare open-loss.yaml binance-usdm`: a bare
 * name that is a file here is that file, and a scenario (it has no
 * `liqsim:` key), not a policy name. */
static void compare_bare_file_name_here_is_the_scenario(void **state)
{
    (void)state;
    cli_output r = cli_run_at("tests/data/cli", "/dev/null",
                              (const char *const[]){"compare", "open-loss.yaml", "binance-usdm",
                                                    "--format", "csv", NULL});
    expect_exit_code(&r, EXIT_OK);
    csv_doc d = parse_csv(r.out);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.rows[1][csv_col(&d, "scenario")], "open-loss");
    assert_string_equal(d.rows[1][csv_col(&d, "policy")], "binance-usdm");
    free_csv(&d);
    cli_output_free(&r);
    /* A policy file as the first argument is a policy: default scenario. */
    r = CLI("compare", "tests/data/cli/hook-boom.yaml", "--format", "csv");
    expect_exit_code(&r, EXIT_RUN);
    d = parse_csv(r.out);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.rows[1][csv_col(&d, "scenario")], "default");
    free_csv(&d);
    cli_output_free(&r);
}

/* tests/data/cli/ambiguous/binance-usdm is a file, and binance-usdm is a
 * shipped policy: which one is meant is not guessed. ./binance-usdm is
 * the file. */
static void a_name_that_is_a_file_and_a_shipped_name_is_refused(void **state)
{
    (void)state;
    cli_output r = cli_run_at("tests/data/cli/ambiguous", "/dev/null",
                              (const char *const[]){"compare", "binance-usdm", NULL});
    expect_failure(&r, EXIT_USAGE);
    assert_string_equal(r.err, "binance-usdm: both a file here and the name of a shipped policy; "
                               "write ./binance-usdm for the file\n");
    cli_output_free(&r);
    r = cli_run_at("tests/data/cli/ambiguous", "/dev/null",
                   (const char *const[]){"compare", "./binance-usdm", "bybit-usdt", "--format",
                                         "json", NULL});
    expect_exit_code(&r, EXIT_OK);
    json_t *j = parse_json(r.out);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "scenario")),
                        "ambiguous-name");
    json_decref(j);
    cli_output_free(&r);
    r = cli_run_at("tests/data/cli/ambiguous", "/dev/null",
                   (const char *const[]){"eval", "binance-usdm", "default", NULL});
    expect_failure(&r, EXIT_USAGE);
    cli_output_free(&r);
}

/* tests/data/cli/aliased is a policy folder whose aliases.yaml renames
 * old-venue to new-venue: the old name evaluates the new policy, and
 * compare with no policies lists new-venue once. */
static void an_alias_resolves_to_its_target_listed_once(void **state)
{
    (void)state;
    setenv("LIQSIM_POLICY_DIR", LIQ_SOURCE_DIR "/tests/data/cli/aliased", 1);
    cli_output r = CLI("eval", "old-venue", "default", "--format", "json");
    cli_output all = CLI("compare", "--format", "csv");
    cli_output none = CLI("eval", "no-venue", "default");
    unsetenv("LIQSIM_POLICY_DIR");
    expect_exit_code(&r, EXIT_OK);
    json_t *j = parse_json(r.out);
    assert_string_equal(json_string_value(json_object_get(j, "policy")), "new-venue");
    json_decref(j);
    expect_exit_code(&all, EXIT_OK);
    csv_doc d = parse_csv(all.out);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.rows[1][csv_col(&d, "policy")], "new-venue");
    free_csv(&d);
    expect_failure(&none, EXIT_INPUT);
    assert_string_equal(none.err, "no-venue: no such policy file or shipped policy\n");
    cli_output_free(&r);
    cli_output_free(&all);
    cli_output_free(&none);
}

/* The shipped aliases: each old name is no file of its own (it would be
 * ambiguous) and each target is a shipped policy that evaluates. */
static void shipped_aliases_name_shipped_policies(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    ydoc *doc = ydoc_load_file("policies/aliases.yaml", &d);
    if (!doc)
        fail_with_diags("policies/aliases.yaml", &d);
    const ynode *root = doc->root;
    /* Empty (a comment and {}) is valid. */
    assert_true(!root || root->kind == YN_MAP);
    for (size_t i = 0; root && i < root->n; i++) {
        char path[512];
        snprintf(path, sizeof path, "policies/%s.yaml", root->keys[i]->text);
        if (access(path, F_OK) == 0)
            fail_msg("%s is an alias and a file", root->keys[i]->text);
        snprintf(path, sizeof path, "policies/%s.yaml", root->items[i]->text);
        assert_int_equal(access(path, F_OK), 0);
        cli_output r = CLI("eval", root->keys[i]->text, "default", "--format", "json");
        expect_exit_code(&r, EXIT_OK);
        json_t *j = parse_json(r.out);
        assert_string_equal(json_string_value(json_object_get(j, "policy")), root->items[i]->text);
        json_decref(j);
        cli_output_free(&r);
    }
    ydoc_free(doc);
    liq_diags_free(&d);
}


/* "-" is stdin: a scenario, or replay's book or path (not both at once);
 * the answer is the same as from the file. */
static void dash_reads_the_scenario_or_the_book_from_stdin(void **state)
{
    (void)state;
    cli_output file = CLI("eval", "binance-usdm", "scenarios/default.yaml", "--format", "json");
    cli_output in = cli_run_at(".", "scenarios/default.yaml",
                               (const char *const[]){"eval", "binance-usdm", "-", "--format",
                                                     "json", NULL});
    expect_exit_code(&in, EXIT_OK);
    assert_string_equal(in.out, file.out);
    cli_output_free(&file);
    cli_output_free(&in);
    file = CLI("replay", "--book", RPB, "--path", RPP, "--format", "json", RPOL);
    in = cli_run_at(".", RPB,
                    (const char *const[]){"replay", "--book", "-", "--path", RPP, "--format",
                                          "json", RPOL, NULL});
    expect_exit_code(&in, EXIT_OK);
    assert_string_equal(in.out, file.out);
    cli_output_free(&file);
    cli_output_free(&in);
    cli_output r = CLI("replay", "--book", "-", "--path", "-", RPOL);
    expect_failure(&r, EXIT_USAGE);
    assert_string_equal(r.err, "liqsim replay: --book and --path cannot both be - (stdin)\n");
    cli_output_free(&r);
}

/* ---- the manual page and the bash completion ----------------------------------- */

/* The commands `liqsim --help` lists ("  NAME ..." lines), in its order.
 * The caller frees with free_strings. */
static char **listed_verbs(size_t *n)
{
    cli_output r = CLI("--help");
    expect_exit_code(&r, EXIT_OK);
    char **v = NULL;
    *n = 0;
    for (const char *p = r.out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        size_t len = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz");
        if (strncmp(p, "  ", 2) != 0 || len == 0 || p[2 + len] != ' ')
            continue;
        v = realloc(v, (*n + 1) * sizeof *v);
        v[*n] = strndup(p + 2, len);
        (*n)++;
    }
    cli_output_free(&r);
    assert_true(*n >= 8);
    return v;
}

/* docs/liqsim.1 describes every option each verb's --help lists (roff
 * writes "--" as "\-\-"), and every verb. */
static void man_page_describes_every_option_of_every_verb(void **state)
{
    (void)state;
    char *man = read_file("docs/liqsim.1");
    size_t nv;
    char **all_verbs = listed_verbs(&nv);
    for (size_t v = 0; v < nv; v++) {
        char want[128];
        snprintf(want, sizeof want, "\n.B %s\n", all_verbs[v]);
        if (!strstr(man, want))
            fail_msg("docs/liqsim.1 lacks the command %s", all_verbs[v]);
        cli_output r = CLI(all_verbs[v], "--help");
        expect_exit_code(&r, EXIT_OK);
        for (const char *p = r.out; (p = strstr(p, " --")); p += 3) {
            char name[64], roff[160];
            snprintf(name, sizeof name, "%.*s", (int)strspn(p + 3, "abcdefghijklmnopqrstuvwxyz-"),
                     p + 3);
            /* \-\-name, each '-' inside escaped too */
            size_t k = (size_t)snprintf(roff, sizeof roff, "\\-\\-");
            for (const char *c = name; *c && k + 3 < sizeof roff; c++)
                k += (size_t)snprintf(roff + k, sizeof roff - k, *c == '-' ? "\\-" : "%c", *c);
            if (!strstr(man, roff))
                fail_msg("docs/liqsim.1 lacks %s's option --%s", all_verbs[v], name);
        }
        cli_output_free(&r);
    }
    free_strings(all_verbs, nv);
    free(man);
}

/* Runs bash with the completion loaded, completing the words given (the
 * last one being completed), liqsim on PATH; returns COMPREPLY joined by
 * spaces. */
static char *complete(const char *words)
{
    char bin[1024], script[2048];
    snprintf(bin, sizeof bin, "%s", LIQ_CLI);
    *strrchr(bin, '/') = 0;
    snprintf(script, sizeof script,
             "cd '%s' && PATH='%s':$PATH && source tools/liqsim.bash-completion && "
             "COMP_WORDS=(%s); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _liqsim; "
             "echo \"${COMPREPLY[*]}\"",
             LIQ_SOURCE_DIR, bin, words);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl("/bin/bash", "bash", "--norc", "-c", script, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[4096];
    size_t n = 0;
    ssize_t got;
    while ((got = read(fds[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)got;
    buf[n] = 0;
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (n && buf[n - 1] == '\n')
        buf[n - 1] = 0;
    return strdup(buf);
}

/* The completion reads each verb's --help: the verbs, their options,
 * the formats a verb writes, and the shipped names. */
static void bash_completion_completes_from_the_help(void **state)
{
    (void)state;
    /* Every command `liqsim --help` lists, then --help and --version. */
    size_t nv;
    char **verbs = listed_verbs(&nv);
    char all[512] = "";
    for (size_t i = 0; i < nv; i++)
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s ", verbs[i]);
    strcat(all, "--help --version");
    free_strings(verbs, nv);
    char *got = complete("liqsim \"\"");
    assert_string_equal(got, all);
    free(got);
    static const char *const cases[][2] = {
        {"liqsim replay --sl", "--slippage"},
        {"liqsim replay --in", "--insurance-fund"},
        {"liqsim compare --format \"\"", "table json csv md ndjson html"},
        {"liqsim lint --format \"\"", "table json"},
        {"liqsim schema \"\"", "policy scenario"},
        {"liqsim eval binance-us", "binance-usdm"},
        {"liqsim compare defa", "default"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        got = complete(cases[i][0]);
        if (strcmp(got, cases[i][1]) != 0)
            fail_msg("completing %s: got \"%s\", expected \"%s\"", cases[i][0], got, cases[i][1]);
        free(got);
    }
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
        cmocka_unit_test(csv_shows_what_an_open_position_lost),
        cmocka_unit_test(table_separates_the_fee_the_fund_received_from_the_traders_loss),
        cmocka_unit_test(json_trader_lost_is_the_loss_less_what_others_covered),
        cmocka_unit_test(csv_and_md_carry_every_warning),
        cmocka_unit_test(explain_with_csv_is_refused),
        cmocka_unit_test(md_explain_adds_a_trace_table_per_row),
        cmocka_unit_test(compare_ndjson_is_one_row_per_line),
        cmocka_unit_test(table_fits_the_terminal_width),
        cmocka_unit_test(table_colour_only_on_a_terminal_without_no_color),
        cmocka_unit_test(every_verb_has_help_from_its_table),
        cmocka_unit_test(replay_numbers_take_the_bounds_of_their_file_keys),
        cmocka_unit_test(bench_repeat_prints_the_median_and_the_range_of_its_runs),
        cmocka_unit_test(options_without_a_value_or_unknown_are_usage_errors),
        cmocka_unit_test(each_verb_refuses_a_format_it_does_not_write),
        cmocka_unit_test(lint_json_reports_each_policy_and_diagnostic),
        cmocka_unit_test(test_json_reports_every_example),
        cmocka_unit_test(test_output_says_1_check),
        cmocka_unit_test(replay_csv_and_md_have_a_row_per_policy),
        cmocka_unit_test(replay_ndjson_streams_events_then_each_summary),
        cmocka_unit_test(replay_stream_cut_by_a_failure_ends_in_a_failed_line),
        cmocka_unit_test(compare_bare_file_name_here_is_the_scenario),
        cmocka_unit_test(a_name_that_is_a_file_and_a_shipped_name_is_refused),
        cmocka_unit_test(an_alias_resolves_to_its_target_listed_once),
        cmocka_unit_test(shipped_aliases_name_shipped_policies),
        cmocka_unit_test(dash_reads_the_scenario_or_the_book_from_stdin),
        cmocka_unit_test(man_page_describes_every_option_of_every_verb),
        cmocka_unit_test(bash_completion_completes_from_the_help),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
