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
#include "result.h"
#include "whatif_cli.h"

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
    /* Load everything first (whatif_cli.c, as every multi-policy verb
     * does): a file that does not load stops the run before any row is
     * printed. */
    wcli_inputs in;
    if ((rc = wcli_inputs_load(&o, &in)) != 0) {
        free(o.args);
        return rc;
    }
    size_t np = in.np;
    liq_result **rs = calloc(np ? np : 1, sizeof *rs);
    if (!rs) {
        fprintf(stderr, "liqsim: out of memory\n");
        rc = EXIT_RUN;
    } else {
        rc = 0;
        liq_eval_opts eo = {.explain = o.explain, .currency = o.currency};
        liq_diags pd = LIQ_DIAGS_INIT;
        if (liq_compare(in.pols, np, in.s, &eo, rs, &pd) != LIQ_OK) {
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
    for (size_t i = 0; rs && i < np; i++)
        liq_result_free(rs[i]);
    free(rs);
    wcli_inputs_free(&in);
    free(o.args);
    return rc;
}
