/*
 * fuzz_policy.c — libFuzzer harness for the policy loader.
 *
 * The input is a policy file. It is written next to copies of the
 * shipped policies and hooks, so `extends: binance-usdm` and
 * `hooks.file: deribit.lua` reach real files; a policy that
 * loads is also linted. Findings: any sanitizer report, a failure
 * without an error, output on stdout.
 */
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_write("fuzz-policy.yaml", data, size);
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *p = liq_policy_load(path, &d);
    if (p) {
        liq_policy_lint(p, &d);
        liq_policy_free(p);
    }
    fz_check_diags(&d, p == NULL, "liq_policy_load");
    fz_check_stdout();
    return 0;
}
