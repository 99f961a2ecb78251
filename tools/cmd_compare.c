/*
 * cmd_compare.c — `liqsim compare [SCENARIO] [POLICY...]`: the same
 * scenario under several venues, side by side. With no arguments: the
 * shipped default scenario under every shipped policy.
 *
 * Each policy is evaluated on its own (CONTRACT.md, Rows): one whose
 * evaluation fails becomes an "error" row carrying the first error's
 * message, the other rows still print, and the exit code is 1. A file
 * that does not load (the scenario, any policy) is invalid input: exit
 * 3 and nothing on stdout, since no row could be trusted to be the one
 * the user meant.
 */
#include "cli.h"
#include "result.h"

#include <stdlib.h>
#include <string.h>

int cmd_compare(int argc, char **argv)
{
    cli_opts o = {0};
    const cli_option options[] = {
        OPT_RESULT_OPTIONS_(&o),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {
        "compare", "[SCENARIO] [POLICY...] [options]",
        "  The same scenario under several venues, one row each. SCENARIO defaults to the\n"
        "  shipped 'default'; POLICY to every shipped policy. A row whose evaluation fails\n"
        "  says why and the exit code is 1; the other rows still print.\n",
        options, 0, -1, true};
    int rc = cli_parse(argc, argv, &verb, &o);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    if (o.explain && o.format == LIQ_FMT_CSV) {
        fputs(CLI_CSV_EXPLAIN, stderr);
        free(o.args);
        return EXIT_USAGE;
    }
    char spath[1024], ppath[1024];
    int first_policy = 0;
    bool is_scenario = false;
    if (o.nargs > 0 &&
        (rc = cli_find_compare_first(o.args[0], spath, sizeof spath, &is_scenario)) != 0) {
        free(o.args);
        return rc;
    }
    if (is_scenario)
        first_policy = 1;
    else if ((rc = cli_find_scenario("default", spath, sizeof spath)) != 0) {
        free(o.args);
        return rc;
    }

    size_t np = 0;
    char **paths = NULL;
    if (o.nargs > first_policy) {
        np = (size_t)(o.nargs - first_policy);
        paths = calloc(np, sizeof *paths);
        for (size_t i = 0; paths && i < np; i++) {
            if ((rc = cli_find_policy(o.args[first_policy + (int)i], ppath, sizeof ppath)) != 0) {
                for (size_t k = 0; k < i; k++)
                    free(paths[k]);
                free(paths);
                free(o.args);
                return rc;
            }
            paths[i] = strdup(ppath);
        }
    } else {
        paths = cli_shipped_policies(&np);
        if (np == 0) {
            fprintf(stderr, "liqsim: no shipped policies in %s\n", cli_policy_dir());
            free(paths);
            free(o.args);
            return EXIT_INPUT;
        }
    }

    /* Load everything first: a file that does not load stops the run
     * before any row is printed. */
    liq_diags d = LIQ_DIAGS_INIT;
    liq_scenario *s = liq_scenario_load(spath, &d);
    liq_policy **pols = calloc(np ? np : 1, sizeof *pols);
    liq_result **rs = calloc(np ? np : 1, sizeof *rs);
    bool loaded = s != NULL;
    for (size_t i = 0; pols && i < np; i++)
        loaded &= (pols[i] = liq_policy_load(paths[i], &d)) != NULL;
    rc = cli_print_diags(&d);
    if (!pols || !rs) {
        fprintf(stderr, "liqsim: out of memory\n");
        rc = EXIT_RUN;
    } else if (!loaded) {
        rc = EXIT_INPUT;
    } else {
        rc = 0;
        liq_eval_opts eo = {.explain = o.explain, .currency = o.currency};
        liq_diags pd = LIQ_DIAGS_INIT;
        if (liq_compare(pols, np, s, &eo, rs, &pd) != LIQ_OK) {
            fprintf(stderr, "liqsim: out of memory\n");
            rc = EXIT_RUN;
        }
        cli_print_diags(&pd);
        liq_diags_free(&pd);
        if (rc == 0)
            rc = cli_emit(rs, np, &o, true);
        for (size_t i = 0; rc == 0 && i < np; i++)
            if (rs[i]->status == RS_ERROR)
                rc = EXIT_RUN;
    }
    for (size_t i = 0; i < np; i++) {
        liq_result_free(rs ? rs[i] : NULL);
        liq_policy_free(pols ? pols[i] : NULL);
        free(paths[i]);
    }
    free(rs);
    free(pols);
    free(paths);
    liq_scenario_free(s);
    liq_diags_free(&d);
    free(o.args);
    return rc;
}
