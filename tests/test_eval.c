/*
 * test_eval.c — liq_eval and liq_eval_reuse (engine/eval.c).
 *
 * The rule: evaluating into a reused result block gives what a fresh
 * liq_eval gives, byte for byte in every view, whatever the block held
 * before — an evaluated row, a row the venue does not list or would not
 * open, an account of several positions, with and without the trace.
 * Checked over every shipped scenario under policies of every kind
 * (table, hooked, inverse, partial liquidation), one block for all of
 * them in turn, in JSON with the trace on and off.
 */
#include "support/support.h"

#include <stdlib.h>
#include <string.h>

static const char *const policies[] = {
    "binance-usdm", "deribit", "kraken-spot-margin", "bybit-inverse", "hyperliquid", "drift",
    "okx-swap",
};
static const char *const scenarios[] = {"default", "eth-10x", "sol-10x", "crash-2020-03-12"};

static char *render(liq_result *r)
{
    char *s = liq_results_render(&r, 1, LIQ_FMT_JSON, false);
    assert_non_null(s);
    return s;
}

static void test_a_reused_block_renders_as_a_fresh_result(void **state)
{
    (void)state;
    liq_result *reused = NULL;
    size_t compared = 0;
    for (int explain = 0; explain <= 1; explain++) {
        liq_eval_opts o = {.explain = explain};
        for (size_t i = 0; i < sizeof policies / sizeof *policies; i++) {
            char path[512];
            snprintf(path, sizeof path, "%s/policies/%s.yaml", LIQ_SOURCE_DIR, policies[i]);
            liq_policy *p = load_policy_or_fail(path);
            for (size_t j = 0; j < sizeof scenarios / sizeof *scenarios; j++) {
                snprintf(path, sizeof path, "%s/scenarios/%s.yaml", LIQ_SOURCE_DIR, scenarios[j]);
                liq_scenario *s = load_scenario_or_fail(path);
                liq_diags d1 = LIQ_DIAGS_INIT, d2 = LIQ_DIAGS_INIT;
                liq_result *fresh = liq_eval(p, s, &o, &d1);
                liq_status st = liq_eval_reuse(p, s, &o, &reused, &d2);
                assert_int_equal(st, fresh ? LIQ_OK : first_error(&d1)->code);
                if (fresh) {
                    char *a = render(fresh), *b = render(reused);
                    if (strcmp(a, b) != 0)
                        fail_msg("%s under %s (explain %d): the reused block renders "
                                 "differently", scenarios[j], policies[i], explain);
                    free(a);
                    free(b);
                    compared++;
                } else {
                    assert_null(reused);
                }
                liq_result_free(fresh);
                liq_diags_free(&d1);
                liq_diags_free(&d2);
                liq_scenario_free(s);
            }
            /* The block's names point into the policy: evaluate again with
             * the next one before this one is freed. */
            liq_result_free(reused);
            reused = NULL;
            liq_policy_free(p);
        }
    }
    assert_true(compared >= 40);
}

/* An account of several positions (a multi-leg scenario) and a market
 * the venue does not list are other kinds of rows: the block is replaced,
 * not reused, and the caller still frees only what it holds. */
static void test_other_rows_replace_the_block(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/binance-usdm.yaml");
    liq_scenario *listed = load_scenario_or_fail(LIQ_SOURCE_DIR "/scenarios/default.yaml");
    liq_scenario *unlisted = parse_scenario_or_fail(
        "unlisted", "name: unlisted\naccount: {collateral: \"1000\", mode: isolated}\n"
                    "position: {market: NOSUCH-PERP, side: long, size: \"1\", entry_price: "
                    "\"100\", leverage: 5}\nmarket:\n  mark_path: [\"100\", \"50\"]\n");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_result *r = NULL;
    assert_int_equal(liq_eval_reuse(p, listed, NULL, &r, &d), LIQ_OK);
    assert_string_equal(liq_result_status(r), "ok");
    assert_int_equal(liq_eval_reuse(p, unlisted, NULL, &r, &d), LIQ_OK);
    assert_string_equal(liq_result_status(r), "not_listed");
    assert_int_equal(liq_eval_reuse(p, listed, NULL, &r, &d), LIQ_OK);
    assert_string_equal(liq_result_status(r), "ok");
    liq_result_free(r);
    liq_diags_free(&d);
    liq_scenario_free(unlisted);
    liq_scenario_free(listed);
    liq_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_reused_block_renders_as_a_fresh_result),
        cmocka_unit_test(test_other_rows_replace_the_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
