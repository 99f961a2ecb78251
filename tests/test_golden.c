/*
 * test_golden.c — venues' own documented worked examples, reproduced
 * exactly.
 *
 * The examples are data beside each policy (policies/<name>.examples.yaml),
 * copied from shared/research/worked_examples.yaml with their sources.
 * This runner evaluates every one of them (the same code `liqsim test`
 * runs) and also pins the list: each example the research names for the
 * foundation venues must be present, so deleting one fails here.
 */
#include "support/support.h"

#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "examples.h"

/* From shared/research/worked_examples.yaml: every example that applies
 * to a shipped policy, by id and the policy that must reproduce it. */
static const struct { const char *policy, *id; } required[] = {
    {"binance-usdm", "binance-usdm-maintenance-amount-level3"},
    {"bybit-usdt", "bybit-usdt-isolated-long-lp"},
    {"bybit-usdt", "bybit-usdt-isolated-bankruptcy"},
    {"bybit-usdt", "bybit-insurance-fund-direction"},
    {"bybit-inverse", "bybit-inverse-isolated-bankruptcy-adl"},
    {"bitmex-xbtusd", "bitmex-risk-limit-step"},
    {"kraken-spot-margin", "kraken-spot-margin-call-level"},
    {"deribit", "deribit-linear-perp-margin"},
    {"binance-coinm", "binance-coinm-maintenance-amount-level5"},
    {"dydx-v4", "dydx-bankruptcy-quote-long"},
    {"bybit-usdt", "bybit-adl-bankruptcy-cross-thirdparty"},
};

static size_t run_policy(const char *name, const char *want_id, size_t *found)
{
    char path[512];
    snprintf(path, sizeof path, "policies/%s.yaml", name);
    liq_policy *p = load_policy_or_fail(path);
    liq_diags d = LIQ_DIAGS_INIT;
    char *xpath = liq_examples_path(path);
    liq_example *ex = NULL;
    size_t n = 0;
    assert_int_equal(liq_examples_run(p, xpath, &ex, &n, &d), LIQ_OK);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ex[i].passed) {
            print_error("%s %s: %s\n", name, ex[i].id, ex[i].detail);
            failed++;
        }
        /* The research id, or the id with -<what> where one research
         * entry gives two examples (bitmex-risk-limit-step-180, -230). */
        size_t lw = want_id ? strlen(want_id) : 0;
        if (want_id && strncmp(ex[i].id, want_id, lw) == 0 &&
            (ex[i].id[lw] == 0 || ex[i].id[lw] == '-'))
            (*found)++;
    }
    free(ex);
    free(xpath);
    liq_policy_free(p);
    liq_diags_free(&d);
    return failed;
}

static void test_every_required_worked_example_is_present_and_exact(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        size_t found = 0;
        size_t failed = run_policy(required[i].policy, required[i].id, &found);
        if (found == 0)
            print_error("%s: worked example %s is missing\n", required[i].policy, required[i].id);
        assert_true(found > 0);
        assert_int_equal(failed, 0);
    }
}

/* An id given twice runs twice, and a failure could not say which of the
 * two failed: the runner warns at the second use, naming the first's line
 * (the warning lint gives too: tests/data/lint/duplicate-example-id.yaml). */
static void test_an_example_id_used_twice_is_a_warning_with_both_lines(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail("tests/data/lint/duplicate-example-id.yaml");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_example *ex = NULL;
    size_t n = 0;
    assert_int_equal(liq_examples_run(p, "tests/data/lint/duplicate-example-id.examples.yaml",
                                      &ex, &n, &d),
                     LIQ_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        assert_true(ex[i].passed);
    assert_int_equal(d.n, 1);
    char got[1024];
    format_diag(&d.items[0], got, sizeof got);
    assert_int_equal(d.items[0].severity, LIQ_SEV_WARNING);
    assert_string_equal(got, "tests/data/lint/duplicate-example-id.examples.yaml:23:9: example "
                             "id 'fee-at-50000' is used again (first at line 6): give each "
                             "example its own id");
    free(ex);
    liq_policy_free(p);
    liq_diags_free(&d);
}

static void test_every_shipped_examples_file_passes(void **state)
{
    (void)state;
    DIR *dir = opendir("policies");
    assert_non_null(dir);
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(dir))) {
        const char *suffix = ".examples.yaml";
        size_t len = strlen(e->d_name), sl = strlen(suffix);
        if (len <= sl || strcmp(e->d_name + len - sl, suffix) != 0)
            continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(len - sl), e->d_name);
        size_t found = 0;
        assert_int_equal(run_policy(name, NULL, &found), 0);
        files++;
    }
    closedir(dir);
    assert_true(files >= 5);
}

/* Test-only variants of shipped policies (tests/data/golden/) reproduce
 * venues' own unit-test vectors that need parameters the shipped policy
 * does not carry (dYdX's 10%-maintenance test perpetual, OKX's contract
 * tiers, Kraken's coin-margined example). */
static void test_every_golden_variant_passes(void **state)
{
    (void)state;
    glob_t g;
    int rc = glob("tests/data/golden/*.examples.yaml", 0, NULL, &g);
    rc = glob("tests/data/golden/*/*.examples.yaml", rc == 0 ? GLOB_APPEND : 0, NULL, &g);
    assert_true(g.gl_pathc > 0);
    for (size_t f = 0; f < g.gl_pathc; f++) {
        const char *xpath = g.gl_pathv[f];
        char path[512];
        snprintf(path, sizeof path, "%.*s.yaml",
                 (int)(strlen(xpath) - strlen(".examples.yaml")), xpath);
        liq_policy *p = load_policy_or_fail(path);
        liq_diags d = LIQ_DIAGS_INIT;
        liq_example *ex = NULL;
        size_t n = 0;
        assert_int_equal(liq_examples_run(p, xpath, &ex, &n, &d), LIQ_OK);
        for (size_t i = 0; i < n; i++) {
            if (!ex[i].passed)
                print_error("%s %s: %s\n", path, ex[i].id, ex[i].detail);
            assert_true(ex[i].passed);
        }
        assert_true(n > 0);
        free(ex);
        liq_policy_free(p);
        liq_diags_free(&d);
    }
    globfree(&g);
}

/* The runner must be able to fail: a wrong expectation is reported with
 * the example file's line and both numbers. */
static void test_a_wrong_expectation_fails_with_both_numbers(void **state)
{
    (void)state;
    char xpath[128];
    snprintf(xpath, sizeof xpath, "/tmp/liqsim-golden-%ld.examples.yaml", (long)getpid());
    FILE *f = fopen(xpath, "w");
    assert_non_null(f);
    fputs("examples:\n"
          "  - id: wrong-on-purpose\n"
          "    scenario:\n"
          "      name: w\n"
          "      account: {collateral: \"400\", mode: isolated}\n"
          "      position: {side: long, size: \"1\", entry_price: \"20000\", leverage: 50}\n"
          "      market: {mark_path: [\"20000\"]}\n"
          "    expect:\n"
          "      liquidation_price: \"19701\"\n",
          f);
    fclose(f);
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *p = liq_policy_load("policies/bybit-usdt.yaml", &d);
    assert_non_null(p);
    liq_example *ex = NULL;
    size_t n = 0;
    assert_int_equal(liq_examples_run(p, xpath, &ex, &n, &d), LIQ_OK);
    assert_int_equal(n, 1);
    assert_false(ex[0].passed);
    char want[256];
    snprintf(want, sizeof want, "%s:9:26: liquidation_price: expected 19701, got 19700", xpath);
    assert_string_equal(ex[0].detail, want);
    free(ex);
    liq_policy_free(p);
    liq_diags_free(&d);
    remove(xpath);
}

/* An example that expects a liquidation's numbers, on a scenario that
 * never reaches liquidation, says so before the first number, and where
 * the venue's price path went against the liquidation price (lowest for a
 * long, highest for a short; the oracle path where the venue triggers on
 * it). An example that expects no liquidation fails on its numbers alone. */
static void test_an_example_never_liquidated_says_so_and_where_the_path_went(void **state)
{
    (void)state;
#define NL "tests/data/examples/never-liquidated.examples.yaml"
#define NLD "tests/data/examples/never-liquidated-dydx.examples.yaml"
    static const struct { const char *policy, *file, *id, *detail; } cases[] = {
        {"policies/bybit-usdt.yaml", NL, "long-path-stays-above",
         NL ":15:18: not liquidated: the mark path goes no lower than 19800 (it ends at 19900), "
            "above the long's liquidation price 19700; loss.fees: expected 5, got 0"},
        {"policies/bybit-usdt.yaml", NL, "short-path-stays-below",
         NL ":23:19: not liquidated: the mark path goes no higher than 20250 (where it ends), "
            "below the short's liquidation price 20300; liquidated: expected true, got false"},
        {"policies/bybit-usdt.yaml", NL, "expects-no-liquidation",
         NL ":32:18: loss.fees: expected 5, got 0"},
        {"policies/dydx-v4.yaml", NLD, "oracle-ends-at-the-liquidation-price",
         NLD ":14:18: not liquidated, although the oracle path reaches 18218.623481781377 "
             "(where it ends), at or below the long's liquidation price 18218.623481781377; "
             "loss.fees: expected 5, got 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        liq_policy *p = load_policy_or_fail(cases[i].policy);
        liq_diags d = LIQ_DIAGS_INIT;
        liq_example *ex = NULL;
        size_t n = 0;
        assert_int_equal(liq_examples_run(p, cases[i].file, &ex, &n, &d), LIQ_OK);
        size_t k = 0;
        while (k < n && strcmp(ex[k].id, cases[i].id) != 0)
            k++;
        assert_true(k < n);
        assert_false(ex[k].passed);
        assert_string_equal(ex[k].detail, cases[i].detail);
        free(ex);
        liq_policy_free(p);
        liq_diags_free(&d);
    }
#undef NL
#undef NLD
}

/* `liqsim test` covers every shipped policy's mechanisms (issue 10): each
 * branch of a policy's waterfall (engine/coverage.c) is reached by one of
 * its worked examples, or its examples file lists it under
 * no_venue_example: with why — never silently unreached. The list stays
 * true: a listed branch an example reaches, or one the waterfall does not
 * have, is a warning, and there must be none. */
static void test_every_shipped_policy_reaches_its_branches_or_says_why(void **state)
{
    (void)state;
    cli_output r = CLI("test", "--coverage", "--format", "json");
    expect_exit_code(&r, 0);
    if (strstr(r.err, "no_venue_example"))
        fail_msg("the no_venue_example lists are not true:\n%s", r.err);
    json_t *root = json_loads(r.out, 0, NULL);
    assert_non_null(root);
    json_t *cov = json_object_get(root, "coverage");
    size_t np = 0, i, k;
    json_t *pc, *b;
    size_t unreached = 0;
    json_array_foreach(cov, i, pc)
    {
        np++;
        json_array_foreach(json_object_get(pc, "never_reached"), k, b)
        {
            print_error("%s: never reached: %s (add a worked example of the venue's, or list "
                        "it under no_venue_example: in its examples file with why)\n",
                        json_string_value(json_object_get(pc, "policy")), json_string_value(b));
            unreached++;
        }
        json_array_foreach(json_object_get(pc, "no_venue_example"), k, b)
        {
            const char *why = json_string_value(json_object_get(b, "why"));
            assert_true(why && strlen(why) > 20);
        }
    }
    size_t nfiles = 0;
    char **files = shipped_policy_files("policies", &nfiles);
    assert_int_equal(np, nfiles);
    free_strings(files, nfiles);
    json_decref(root);
    cli_output_free(&r);
    assert_int_equal(unreached, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_required_worked_example_is_present_and_exact),
        cmocka_unit_test(test_every_shipped_examples_file_passes),
        cmocka_unit_test(test_an_example_id_used_twice_is_a_warning_with_both_lines),
        cmocka_unit_test(test_every_golden_variant_passes),
        cmocka_unit_test(test_a_wrong_expectation_fails_with_both_numbers),
        cmocka_unit_test(test_an_example_never_liquidated_says_so_and_where_the_path_went),
        cmocka_unit_test(test_every_shipped_policy_reaches_its_branches_or_says_why),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
