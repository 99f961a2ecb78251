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

static const char usage[] =
    "usage: liqsim compare [SCENARIO] [POLICY...] [--format table|json|csv|md] [--explain]\n"
    "  SCENARIO defaults to the shipped 'default'; POLICY to every shipped policy.\n";

int cmd_compare(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, &o, usage);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    char spath[1024], ppath[1024];
    int first_policy = 0;
    if (o.nargs > 0 && cli_scenario_path(o.args[0], spath, sizeof spath) &&
        !(strchr(o.args[0], '/') == NULL && cli_policy_path(o.args[0], ppath, sizeof ppath))) {
        first_policy = 1;
    } else if (!cli_scenario_path("default", spath, sizeof spath)) {
        fprintf(stderr, "liqsim: the shipped default scenario is missing (%s/default.yaml)\n",
                cli_scenario_dir());
        free(o.args);
        return EXIT_INPUT;
    }
    if (o.nargs > 0 && first_policy == 0 && !cli_policy_path(o.args[0], ppath, sizeof ppath)) {
        fprintf(stderr, "%s: no such scenario or policy (file or shipped name)\n", o.args[0]);
        free(o.args);
        return EXIT_INPUT;
    }

    size_t np = 0;
    char **paths = NULL;
    if (o.nargs > first_policy) {
        np = (size_t)(o.nargs - first_policy);
        paths = calloc(np, sizeof *paths);
        for (size_t i = 0; paths && i < np; i++) {
            if (!cli_policy_path(o.args[first_policy + (int)i], ppath, sizeof ppath)) {
                fprintf(stderr, "%s: no such policy file or shipped policy\n",
                        o.args[first_policy + (int)i]);
                for (size_t k = 0; k < i; k++)
                    free(paths[k]);
                free(paths);
                free(o.args);
                return EXIT_INPUT;
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
        liq_eval_opts eo = {.explain = o.explain};
        for (size_t i = 0; rc == 0 && i < np; i++) {
            liq_diags pd = LIQ_DIAGS_INIT;
            rs[i] = liq_eval(pols[i], s, &eo, &pd);
            cli_print_diags(&pd);
            if (!rs[i]) {
                /* The row says why, as stderr did. */
                char why[2048] = "the evaluation failed";
                for (size_t k = 0; k < pd.n; k++)
                    if (pd.items[k].severity == LIQ_SEV_ERROR) {
                        cli_diag_text(&pd.items[k], why, sizeof why);
                        break;
                    }
                rs[i] = cli_error_row(pols[i], s, why);
                if (!rs[i])
                    rc = EXIT_RUN;
            }
            liq_diags_free(&pd);
        }
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
