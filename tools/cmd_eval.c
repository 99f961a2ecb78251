/*
 * cmd_eval.c — `liqsim eval POLICY SCENARIO`: one result.
 */
#include "cli.h"
#include "result.h"

#include <stdlib.h>

static const char usage[] =
    "usage: liqsim eval POLICY SCENARIO [--format table|json|csv|md] [--explain]\n";

int cmd_eval(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, &o, usage);
    if (rc >= 0)
        goto out;
    rc = EXIT_USAGE;
    if (o.nargs != 2) {
        fputs(usage, stderr);
        goto out;
    }
    char ppath[1024], spath[1024];
    if (!cli_policy_path(o.args[0], ppath, sizeof ppath)) {
        fprintf(stderr, "%s: no such policy file or shipped policy\n", o.args[0]);
        rc = EXIT_INPUT;
        goto out;
    }
    if (!cli_scenario_path(o.args[1], spath, sizeof spath)) {
        fprintf(stderr, "%s: no such scenario file or shipped scenario\n", o.args[1]);
        rc = EXIT_INPUT;
        goto out;
    }
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *p = liq_policy_load(ppath, &d);
    liq_scenario *s = liq_scenario_load(spath, &d);
    liq_result *r = NULL;
    if (p && s) {
        liq_eval_opts eo = {.explain = o.explain};
        r = liq_eval(p, s, &eo, &d);
    }
    rc = cli_print_diags(&d);
    /* A file that does not load is invalid input (3), even when what
     * stopped it was a hook file's top level failing as it ran. */
    if (!p || !s)
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
