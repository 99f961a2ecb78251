/*
 * fuzz_eval.c — libFuzzer harness for an evaluation under policies with
 * Lua hooks.
 *
 * The input is a scenario; one that loads is evaluated under each
 * shipped policy that runs hooks (the maintenance margin, fee and debt
 * hooks of Deribit, Drift and Kraken spot margin), with the trace on,
 * and each result is rendered in every format. The policies are loaded
 * once: a hook's state must not carry one evaluation's input into the
 * next, and a fuzzer that reuses them is the test of that too.
 * Findings: any sanitizer report, an evaluation that fails without an
 * error, a broken accounting invariant, output on stdout.
 */
#include "fuzz_support.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const hooked[] = {"deribit", "drift", "kraken-spot-margin"};
#define N_POLICIES (sizeof hooked / sizeof *hooked)
static liq_policy *policies[N_POLICIES];

static void load_policies(void)
{
    for (size_t i = 0; i < N_POLICIES; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s.yaml", fz_dir(), hooked[i]);
        liq_diags d = LIQ_DIAGS_INIT;
        policies[i] = liq_policy_load(path, &d);
        if (!policies[i]) {
            fprintf(stderr, "liqsim fuzz: the shipped policy %s does not load: %s\n", path,
                    d.n ? d.items[0].msg : "(no message)");
            abort();
        }
        liq_diags_free(&d);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!policies[0])
        load_policies();
    char name[300];
    snprintf(name, sizeof name, "%s/fuzz-scenario.yaml", fz_dir());
    liq_diags d = LIQ_DIAGS_INIT;
    liq_scenario *s = liq_scenario_parse(name, (const char *)data, size, &d);
    fz_check_diags(&d, s == NULL, "liq_scenario_parse");
    if (!s)
        return 0;
    liq_eval_opts opts = {.explain = true};
    for (size_t i = 0; i < N_POLICIES; i++) {
        liq_result *r = liq_eval(policies[i], s, &opts, &d);
        if (r) {
            for (int f = LIQ_FMT_TABLE; f <= LIQ_FMT_MD; f++)
                free(liq_results_render(&r, 1, (liq_format)f, false));
            liq_result_free(r);
        }
        fz_check_diags(&d, r == NULL, hooked[i]);
    }
    liq_scenario_free(s);
    fz_check_stdout();
    return 0;
}
