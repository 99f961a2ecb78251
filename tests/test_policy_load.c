/*
 * test_policy_load.c — tests for engine/policy_load.c (with the schema
 * walker and the YAML tree under it) and engine/policy_lint.c.
 *
 * Every failure path of loading is a small file in tests/data/bad_policies/
 * whose first line is the exact message a user must read:
 *
 *     # expect: tests/data/bad_policies/rate_percent.yaml:15:16: margin...
 *
 * The test loads each file and compares the first error, formatted as the
 * CLI prints it (path:line:col: message; ":col" is left out when the
 * column is unknown, as for an error inside a Lua file). Lint works the
 * same way: each file in tests/data/lint/ loads, and lists every warning
 * lint must give it as "# expect-warning:" lines, no more and no fewer.
 * Adding a case is adding a file; each file is reported as its own test.
 *
 * Paths are relative to the project root, as a user would type them; the
 * runner changes there first.
 */
#include "support/support.h"

#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAD_DIR "tests/data/bad_policies"
#define LINT_DIR "tests/data/lint"
#define SHIPPED_DIR "policies"

/* ---- every bad policy fails with its message ------------------------- */

/* Loading is the only way a policy file can fail. */
static bool policy_fails_to_load(const char *path, liq_diags *d, const char **what)
{
    liq_policy *p = liq_policy_load(path, d);
    bool failed = p == NULL;
    liq_policy_free(p);
    *what = "the policy loaded";
    return failed;
}

static void policy_file_that_does_not_exist(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    assert_null(liq_policy_load(BAD_DIR "/no-such-policy.yaml", &d));
    expect_first_error(&d, BAD_DIR "/no-such-policy.yaml: cannot open: No such file or directory");
    assert_int_equal(first_error(&d)->code, LIQ_EIO);
    liq_diags_free(&d);
}

/* The cases above are only worth as much as their count: the brief asks
 * for every failure path, and an emptied directory must not pass. */
static void every_failure_path_has_a_file(void **state)
{
    (void)state;
    static const char *const required[] = {
        "yaml_syntax_error", "yaml_duplicate_key", "yaml_alias", "empty", "top_level_list",
        "unknown_top_key_did_you_mean", "unknown_nested_key", "missing_margin",
        "missing_tier_rate", "rate_percent", "rate_above_one", "decimal_too_many_places",
        "enum_did_you_mean", "bad_date", "format_version_2", "source_id_did_you_mean",
        "tiers_not_ascending", "tier_without_up_to", "shortfall_order_empty",
        "shortfall_stage_twice", "adl_without_section", "last_stage_finite_fund",
        "protection_with_trader_debt", "no_protection_without_trader_debt",
        "hooks_without_file", "hooks_file_missing", "hook_function_missing",
        "hook_lua_syntax_error", "extends_child_bad_value", "extends_base_error",
        "extends_without_name", "extends_missing_base", "extends_cycle",
        "partial_without_fraction", "backstop_above_one",
    };
    expect_case_files(BAD_DIR, required, sizeof required / sizeof *required);
}

/* ---- shipped policies load cleanly ---------------------------------- */

static void shipped_policies_load_without_error(void **state)
{
    (void)state;
    size_t n;
    char **files = shipped_policy_files(SHIPPED_DIR, &n);
    assert_true(n >= 7);
    for (size_t i = 0; i < n; i++) {
        liq_diags d = LIQ_DIAGS_INIT;
        liq_policy *p = liq_policy_load(files[i], &d);
        if (!p || liq_diags_count(&d, LIQ_SEV_ERROR)) {
            print_message("%s does not load:\n", files[i]);
            print_diags(&d);
        }
        assert_non_null(p);
        assert_int_equal(liq_diags_count(&d, LIQ_SEV_ERROR), 0);
        /* The shipped name is the file name: it is how users call it. */
        const char *base = strrchr(files[i], '/') + 1;
        assert_int_equal(strlen(liq_policy_name(p)) + 5, strlen(base));
        assert_memory_equal(liq_policy_name(p), base, strlen(liq_policy_name(p)));
        assert_string_equal(liq_policy_path(p), files[i]);
        liq_policy_free(p);
        liq_diags_free(&d);
    }
    free_strings(files, n);
}

/* What liq_policy_load derives for the evaluation (policy_load.c's
 * derive) against the keys it comes from, on every root of every shipped
 * policy: the modes offered as bits, contracts of size one, the plain
 * table, and each tier's leverage cap, which is the highest leverage none
 * of the three limits refuses (one raw unit more is above one of them). */
static void check_derived(const p_root *r)
{
    const p_margin *mg = &r->margin;
    const penum *modes = mg->modes.items;
    for (int mode = MODE_ISOLATED; mode <= MODE_CROSS; mode++) {
        bool offered = mg->modes.n == 0;
        for (size_t i = 0; i < mg->modes.n; i++)
            offered = offered || modes[i].v == mode;
        assert_int_equal((mg->mode_bits >> mode) & 1, offered);
    }
    if (mg->modes.n)
        assert_int_equal(mg->mode_first, modes[0].v);
    bool one = liq_dec_cmp(r->contract.contract_size.v, liq_dec_from_int(1)) == 0;
    assert_int_equal(r->contract.size_one, one);
    assert_int_equal(mg->maintenance.plain, liq_dec_sign(mg->maintenance.close_fee_rate.v) == 0 &&
                                                r->contract.type.v == CT_LINEAR && one);
    for (size_t i = 0; i < root_ntiers(r); i++) {
        const p_tier *t = root_tier(r, i);
        liq_dec cap = t->lev_cap, above = {t->lev_cap.raw + 1}, im_max = LIQ_DEC_ZERO;
        if (t->initial_rate.set)
            assert_int_equal(liq_dec_div(liq_dec_from_int(1), t->initial_rate.v, LIQ_ROUND_FLOOR,
                                         &im_max), LIQ_OK);
        bool cap_refused = liq_dec_cmp(cap, liq_dec_from_int(mg->max_leverage.v)) > 0 ||
                           (t->max_leverage.set &&
                            liq_dec_cmp(cap, liq_dec_from_int(t->max_leverage.v)) > 0) ||
                           (t->initial_rate.set && liq_dec_cmp(cap, im_max) > 0);
        bool above_refused = liq_dec_cmp(above, liq_dec_from_int(mg->max_leverage.v)) > 0 ||
                             (t->max_leverage.set &&
                              liq_dec_cmp(above, liq_dec_from_int(t->max_leverage.v)) > 0) ||
                             (t->initial_rate.set && liq_dec_cmp(above, im_max) > 0);
        assert_false(cap_refused);
        assert_true(above_refused);
    }
}

static void derived_values_follow_their_keys(void **state)
{
    (void)state;
    size_t n;
    char **files = shipped_policy_files(SHIPPED_DIR, &n);
    for (size_t i = 0; i < n; i++) {
        liq_diags d = LIQ_DIAGS_INIT;
        liq_policy *p = liq_policy_load(files[i], &d);
        assert_non_null(p);
        check_derived(&p->r);
        for (size_t m = 0; m < p->nmarkets; m++)
            check_derived(&p->markets[m].r);
        liq_policy_free(p);
        liq_diags_free(&d);
    }
    free_strings(files, n);
    /* BitMEX's second risk-limit step: IM 1.5 %, 1 / 0.015 cut to 12
     * places (the refusal's "max 66.666666666666x"), below its 100x. */
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *p = liq_policy_load(SHIPPED_DIR "/bitmex-2020-03-12.yaml", &d);
    assert_non_null(p);
    const p_root *r = p->nmarkets ? &p->markets[0].r : &p->r;
    char b[LIQ_DEC_STRLEN];
    liq_dec_format(root_tier(r, 1)->lev_cap, b);
    assert_string_equal(b, "66.666666666666");
    liq_dec_format(root_tier(r, 0)->lev_cap, b);
    assert_string_equal(b, "100");
    assert_true(r->margin.maintenance.plain == false);   /* an inverse contract */
    liq_policy_free(p);
    liq_diags_free(&d);
    p = liq_policy_load(SHIPPED_DIR "/binance-usdm.yaml", &d);
    assert_non_null(p);
    assert_true(p->markets[0].r.margin.maintenance.plain);
    liq_policy_free(p);
    liq_diags_free(&d);
}

/* Every shipped policy lints clean: no finding at all, so in particular
 * no hook of ours writes a policy number again instead of reading it from
 * ctx (issue 10, item 11: Drift's maintenance ratio was once both in
 * drift.yaml and in drift.lua, so a child policy changing the YAML left
 * the fee unchanged; policy_lint_dup.c finds such a copy). docs/venues.md,
 * "liqsim lint on the shipped policies", says the same. */
static void shipped_policies_lint_clean(void **state)
{
    (void)state;
    size_t n;
    char **files = shipped_policy_files(SHIPPED_DIR, &n);
    assert_true(n >= 7);
    size_t findings = 0;
    for (size_t i = 0; i < n; i++) {
        liq_diags d = LIQ_DIAGS_INIT;
        liq_policy *p = liq_policy_load(files[i], &d);
        assert_non_null(p);
        size_t before = d.n;
        size_t added = liq_policy_lint(p, &d);
        for (size_t k = before; k < d.n; k++) {
            char got[2048];
            format_diag(&d.items[k], got, sizeof got);
            print_message("%s: lint finding on a shipped policy\n  %s\n", files[i], got);
        }
        findings += added;
        liq_policy_free(p);
        liq_diags_free(&d);
    }
    free_strings(files, n);
    assert_int_equal(findings, 0);
}

/* Two loads of one policy share nothing: each frees on its own. */
static void a_policy_loads_twice_independently(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *a = liq_policy_load(SHIPPED_DIR "/deribit.yaml", &d);
    liq_policy *b = liq_policy_load(SHIPPED_DIR "/deribit.yaml", &d);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    liq_policy_free(a);
    assert_string_equal(liq_policy_venue(b), "Deribit");
    liq_policy_free(b);
    liq_diags_free(&d);
}

/* ---- lint flags exactly what each lint file lists ------------------- */

static void lint_gives_exactly_the_expected_warnings(void **state)
{
    const char *path = *state;
    size_t nexp;
    char **expect = header_values(path, "# expect-warning:", &nexp);
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *p = liq_policy_load(path, &d);
    if (!p || liq_diags_count(&d, LIQ_SEV_ERROR)) {
        print_message("%s must load (lint files are good but flawed):\n", path);
        print_diags(&d);
    }
    assert_non_null(p);
    assert_int_equal(liq_diags_count(&d, LIQ_SEV_ERROR), 0);
    size_t before = d.n;
    size_t added = liq_policy_lint(p, &d);
    assert_int_equal(added, d.n - before);

    bool ok = true;
    bool *seen = calloc(nexp + 1, sizeof *seen);
    assert_non_null(seen);
    for (size_t i = 0; i < d.n; i++) {
        if (d.items[i].severity != LIQ_SEV_WARNING)
            continue;
        char got[2048];
        format_diag(&d.items[i], got, sizeof got);
        size_t k = 0;
        while (k < nexp && (seen[k] || strcmp(expect[k], got) != 0))
            k++;
        if (k < nexp) {
            seen[k] = true;
        } else {
            print_message("%s: unexpected warning\n  %s\n", path, got);
            ok = false;
        }
    }
    for (size_t k = 0; k < nexp; k++)
        if (!seen[k]) {
            print_message("%s: expected warning not given\n  %s\n", path, expect[k]);
            ok = false;
        }
    if (!ok) {
        print_message("  all diagnostics:\n");
        print_diags(&d);
    }
    free(seen);
    liq_policy_free(p);
    liq_diags_free(&d);
    free_strings(expect, nexp);
    assert_true(ok);
}

/* The flaws the lint files must cover (one file each). */
static void every_lint_rule_has_a_file(void **state)
{
    (void)state;
    static const char *const required[] = {
        "clean", "tier-rate-falls", "cum-recurrence-broken", "fee-above-first-tier",
        "unreachable-hook", "unsourced-section", "hook-fails-on-some-positions",
        "hook-repeats-parameter", "placeholder-left", "duplicate-example-id",
        "fee-above-first-tier-capped",
    };
    expect_case_files(LINT_DIR, required, sizeof required / sizeof *required);
}

/* The broken cum recurrence names the value the venue's rule gives. */
static void lint_cum_message_names_the_expected_deduction(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *p = liq_policy_load(LINT_DIR "/cum-recurrence-broken.yaml", &d);
    assert_non_null(p);
    assert_int_equal(liq_policy_lint(p, &d), 1);
    assert_non_null(strstr(d.items[d.n - 1].msg, "= 1300"));
    assert_non_null(strstr(d.items[d.n - 1].msg, "1250 breaks the recurrence"));
    liq_policy_free(p);
    liq_diags_free(&d);
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy_file_that_does_not_exist),
        cmocka_unit_test(every_failure_path_has_a_file),
        cmocka_unit_test(shipped_policies_load_without_error),
        cmocka_unit_test(shipped_policies_lint_clean),
        cmocka_unit_test(derived_values_follow_their_keys),
        cmocka_unit_test(a_policy_loads_twice_independently),
        cmocka_unit_test(every_lint_rule_has_a_file),
        cmocka_unit_test(lint_cum_message_names_the_expected_deduction),
    };
    int failed = cmocka_run_group_tests_name("policy_load", tests, NULL, NULL);
    failed += run_bad_input_files("bad_policies", BAD_DIR, policy_fails_to_load, 28);
    failed += run_one_test_per_file("lint", LINT_DIR, ".examples.",
                                    lint_gives_exactly_the_expected_warnings, 7);
    return failed ? 1 : 0;
}
