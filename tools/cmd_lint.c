/*
 * cmd_lint.c — `liqsim lint [--strict] POLICY...`: load each policy and
 * report errors (exit 3) and lint warnings (exit 0; 3 with --strict),
 * every one as path:line:col: message on stderr.
 */
#include "cli.h"

#include <stdlib.h>

static const char usage[] =
    "usage: liqsim lint [--strict] POLICY...\n"
    "  errors exit 3; warnings exit 0, or 3 with --strict. No POLICY: every shipped one.\n";

typedef struct tally { size_t errors, warnings; } tally;

static void lint_one(const char *path, void *ud)
{
    tally *t = ud;
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *p = liq_policy_load(path, &d);
    if (p)
        liq_policy_lint(p, &d);
    cli_print_diags(&d);
    size_t e = liq_diags_count(&d, LIQ_SEV_ERROR), w = liq_diags_count(&d, LIQ_SEV_WARNING);
    t->errors += e;
    t->warnings += w;
    if (e == 0 && w == 0)
        printf("%s: ok\n", path);
    liq_policy_free(p);
    liq_diags_free(&d);
}

int cmd_lint(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, &o, usage);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    tally t = {0, 0};
    t.errors += cli_each_policy(&o, lint_one, &t);
    free(o.args);
    if (t.errors || (o.strict && t.warnings))
        return EXIT_INPUT;
    return 0;
}
