/*
 * cmd_eval.c — `liqsim eval POLICY SCENARIO`: one result.
 */
#include "cli.h"
#include "result.h"

#include <stdlib.h>

int cmd_eval(int argc, char **argv)
{
    cli_opts o = {0};
    const cli_option options[] = {
        OPT_RESULT_OPTIONS_(&o),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {"eval", "POLICY SCENARIO [options]",
                           "  One scenario under one policy.\n", options, 2, 2, true};
    int rc = cli_parse(argc, argv, &verb, &o);
    if (rc >= 0)
        goto out;
    rc = EXIT_USAGE;
    if (o.explain && o.format == LIQ_FMT_CSV) {
        fputs(CLI_CSV_EXPLAIN, stderr);
        goto out;
    }
    char ppath[1024], spath[1024];
    if ((rc = cli_find_policy(o.args[0], ppath, sizeof ppath)) != 0 ||
        (rc = cli_find_scenario(o.args[1], spath, sizeof spath)) != 0)
        goto out;
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *p = liq_policy_load(ppath, &d);
    liq_scenario *s = liq_scenario_load(spath, &d);
    liq_result *r = NULL;
    if (p && s) {
        liq_eval_opts eo = {.explain = o.explain, .currency = o.currency};
        r = liq_eval(p, s, &eo, &d);
    }
    rc = cli_print_diags(&d);
    /* A file that does not load is invalid input (3), even when what
     * stopped it was a hook file's top level failing as it ran; but not
     * when memory ran out (1: the first error says so). */
    if ((!p || !s) && !cli_out_of_memory(&d))
        rc = EXIT_INPUT;
    /* A row the venue does not list or would refuse prints as such and
     * exits 0, as in compare (CONTRACT.md, Rows). */
    if (r && rc == 0)
        rc = cli_emit(&r, 1, &o, false);
    else if (rc == 0)
        rc = EXIT_RUN;
    if (rc == 0 && r->status == RS_ERROR)
        rc = EXIT_RUN;
    liq_result_free(r);
    liq_scenario_free(s);
    liq_policy_free(p);
    liq_diags_free(&d);
out:
    free(o.args);
    return rc;
}
