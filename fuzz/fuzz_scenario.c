/*
 * fuzz_scenario.c — libFuzzer harness for the scenario loader
 * (liq_scenario_parse, from memory).
 *
 * The name given stands in the scratch folder, beside copies of the
 * shipped path CSVs, so a `path_file:` the fuzzer keeps from a seed is
 * read too. Findings: any sanitizer report, a failure without an error,
 * output on stdout.
 */
#include "fuzz_support.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char name[300];
    snprintf(name, sizeof name, "%s/fuzz-scenario.yaml", fz_dir());
    liq_diags d = LIQ_DIAGS_INIT;
    liq_scenario *s = liq_scenario_parse(name, (const char *)data, size, &d);
    liq_scenario_free(s);
    fz_check_diags(&d, s == NULL, "liq_scenario_parse");
    fz_check_stdout();
    return 0;
}
