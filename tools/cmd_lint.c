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

int cmd_lint(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, &o, usage);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    size_t np = 0;
    char **shipped = NULL;
    if (o.nargs == 0)
        shipped = cli_shipped_policies(&np);
    else
        np = (size_t)o.nargs;
    size_t errors = 0, warnings = 0;
    rc = 0;
    for (size_t i = 0; i < np; i++) {
        const char *arg = shipped ? shipped[i] : o.args[i];
        char path[1024];
        if (!cli_policy_path(arg, path, sizeof path)) {
            fprintf(stderr, "%s: no such policy file or shipped policy\n", arg);
            errors++;
            continue;
        }
        liq_diags d = LIQ_DIAGS_INIT;
        liq_policy *p = liq_policy_load(path, &d);
        if (p)
            liq_policy_lint(p, &d);
        cli_print_diags(&d);
        size_t e = liq_diags_count(&d, LIQ_SEV_ERROR), w = liq_diags_count(&d, LIQ_SEV_WARNING);
        errors += e;
        warnings += w;
        if (e == 0 && w == 0)
            printf("%s: ok\n", path);
        liq_policy_free(p);
        liq_diags_free(&d);
    }
    for (size_t i = 0; shipped && i < np; i++)
        free(shipped[i]);
    free(shipped);
    free(o.args);
    if (errors || (o.strict && warnings))
        return EXIT_INPUT;
    return 0;
}
