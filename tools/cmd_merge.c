/*
 * cmd_merge.c — `liqsim merge SHARD...`: the NDJSON outputs of every
 * shard of one run (`--shard K/N` of batch, sweep, audit, diff) written
 * as the unsharded run writes them, byte for byte (engine/runner_merge.c
 * owns the rules).
 */
#include "cli.h"
#include "runner.h"

#include <stdlib.h>

static void to_stdout(void *ud, const char *text, size_t len)
{
    (void)ud;
    fwrite(text, 1, len, stdout);
}

int cmd_merge(int argc, char **argv)
{
    cli_opts o = {0};
    const cli_option options[] = {OPT_END_OF_TABLE};
    const cli_verb verb = {
        "merge", "SHARD...",
        "  The outputs of every shard of one run (--shard K/N), each a file, written as\n"
        "  the run without --shard writes them: case lines in case order, then the\n"
        "  summary line, the shards' summaries combined exactly. Every file is checked\n"
        "  before anything is written.\n",
        options, 1, -1, false};
    int rc = cli_parse(argc, argv, &verb, &o);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    liq_diags d = LIQ_DIAGS_INIT;
    char *summary = NULL;
    liq_status st = run_merge((const char *const *)o.args, (size_t)o.nargs, to_stdout, NULL,
                              &summary, &d);
    free(o.args);
    if (st == LIQ_OK) {
        printf("%s\n", summary);
        free(summary);
        rc = fflush(stdout) == 0 ? 0 : EXIT_RUN;
    } else {
        rc = cli_print_diags(&d);
        if (!rc)
            rc = EXIT_RUN;
    }
    liq_diags_free(&d);
    return rc;
}
