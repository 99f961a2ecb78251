/*
 * fuzz_path.c — libFuzzer harness for the mark-path reader
 * (liq_path_load). The input is written as a CSV file and read back.
 * Findings: any sanitizer report, a failure without an error, a path
 * that loads with no tick, output on stdout.
 */
#include "fuzz_support.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_write("path.csv", data, size);
    liq_diags d = LIQ_DIAGS_INIT;
    liq_path *p = liq_path_load(path, &d);
    if (p && liq_path_ticks(p) == 0) {
        fprintf(stderr, "liqsim fuzz: a path loaded with no tick\n");
        abort();
    }
    liq_path_free(p);
    fz_check_diags(&d, p == NULL, "liq_path_load");
    fz_check_stdout();
    return 0;
}
