/*
 * consumer.c — the smallest program a C user writes against an installed
 * liqsim: load a policy and a scenario, evaluate, print the result as
 * JSON. tests/install.sh builds it against a temporary install with
 * pkg-config (shared and --static) and with find_package(liqsim), and
 * checks that it prints what `liqsim eval --format json` prints.
 */
#include <liqsim.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: consumer POLICY.yaml SCENARIO.yaml\n");
        return 2;
    }
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *p = liq_policy_load(argv[1], &d);
    liq_scenario *s = liq_scenario_load(argv[2], &d);
    liq_result *r = NULL;
    if (p && s) {
        liq_eval_opts opts = {.explain = false};
        r = liq_eval(p, s, &opts, &d);
    }
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "%s:%d:%d: %s\n", d.items[i].file, d.items[i].line, d.items[i].col,
                d.items[i].msg);
    int rc = r ? 0 : 1;
    if (r) {
        char *json = liq_results_render(&r, 1, LIQ_FMT_JSON, false);
        if (json)
            fputs(json, stdout);
        else
            rc = 1;
        free(json);
    }
    liq_result_free(r);
    liq_scenario_free(s);
    liq_policy_free(p);
    liq_diags_free(&d);
    return rc;
}
