/*
 * whatif_cli.c — what the what-if verbs (worst, size, sweep) and compare share on the
 * command line: reading `[SCENARIO] [POLICY...]` as compare reads it (the
 * default scenario and every shipped policy when left out), loading them
 * all before anything is printed (a file that does not load is exit 3
 * with nothing on stdout), and releasing them.
 */
#include "whatif_cli.h"

#include <stdlib.h>
#include <string.h>

void wcli_inputs_free(wcli_inputs *in)
{
    for (size_t i = 0; i < in->np; i++) {
        liq_policy_free(in->pols ? in->pols[i] : NULL);
        free(in->paths ? in->paths[i] : NULL);
    }
    free(in->pols);
    free(in->paths);
    liq_scenario_free(in->s);
    memset(in, 0, sizeof *in);
}

int wcli_inputs_load(const cli_opts *o, wcli_inputs *in)
{
    memset(in, 0, sizeof *in);
    char spath[1024], ppath[1024];
    bool is_scenario = false;
    int rc, first = 0;
    if (o->nargs > 0 && (rc = cli_find_compare_first(o->args[0], spath, sizeof spath,
                                                     &is_scenario)) != 0)
        return rc;
    if (is_scenario)
        first = 1;
    else if ((rc = cli_find_scenario("default", spath, sizeof spath)) != 0)
        return rc;
    if (o->nargs > first) {
        in->np = (size_t)(o->nargs - first);
        if (!(in->paths = calloc(in->np, sizeof *in->paths)))
            goto oom;
        for (size_t i = 0; i < in->np; i++) {
            if ((rc = cli_find_policy(o->args[first + (int)i], ppath, sizeof ppath)) != 0) {
                wcli_inputs_free(in);
                return rc;
            }
            if (!(in->paths[i] = strdup(ppath)))
                goto oom;
        }
    } else {
        in->paths = cli_shipped_policies(&in->np);
        if (in->np == 0) {
            fprintf(stderr, "liqsim: no shipped policies in %s\n", cli_policy_dir());
            wcli_inputs_free(in);
            return EXIT_INPUT;
        }
    }
    if (!(in->pols = calloc(in->np, sizeof *in->pols)))
        goto oom;
    liq_diags d = LIQ_DIAGS_INIT;
    in->s = liq_scenario_load(spath, &d);
    bool loaded = in->s != NULL;
    for (size_t i = 0; i < in->np; i++)
        loaded &= (in->pols[i] = liq_policy_load(in->paths[i], &d)) != NULL;
    cli_print_diags(&d);
    rc = loaded ? 0 : cli_out_of_memory(&d) ? EXIT_RUN : EXIT_INPUT;
    liq_diags_free(&d);
    if (rc)
        wcli_inputs_free(in);
    return rc;
oom:
    fprintf(stderr, "liqsim: out of memory\n");
    wcli_inputs_free(in);
    return EXIT_RUN;
}

void wcli_mark_text(liq_mark m, char *buf, size_t cap)
{
    if (m.line)
        snprintf(buf, cap, "%s:%d:%d", m.file ? m.file : "", m.line, m.col);
    else
        snprintf(buf, cap, "%s", m.file ? m.file : "");
}
