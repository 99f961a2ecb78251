/*
 * cmd_test.c — `liqsim test [POLICY...]`: run each policy's worked
 * examples (policies/<name>.examples.yaml) and report, so a policy author
 * tests a policy without writing C. Exit 0 all pass, 1 any fails, 3 a
 * policy or examples file does not load.
 */
#include "cli.h"
#include "examples.h"

#include <stdlib.h>
#include <unistd.h>

static const char usage[] =
    "usage: liqsim test [POLICY...]\n"
    "  runs the worked examples beside each policy (<policy>.examples.yaml);\n"
    "  no POLICY: every shipped one.\n";

int cmd_test(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, &o, usage);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    size_t np = 0;
    char **shipped = o.nargs ? NULL : cli_shipped_policies(&np);
    if (o.nargs)
        np = (size_t)o.nargs;
    size_t passed = 0, failed = 0;
    rc = 0;
    for (size_t i = 0; i < np; i++) {
        const char *arg = shipped ? shipped[i] : o.args[i];
        char path[1024];
        if (!cli_policy_path(arg, path, sizeof path)) {
            fprintf(stderr, "%s: no such policy file or shipped policy\n", arg);
            rc = EXIT_INPUT;
            continue;
        }
        char *xpath = liq_examples_path(path);
        if (!xpath || access(xpath, R_OK) != 0) {
            printf("%s: no worked examples (%s)\n", path, xpath ? xpath : "?");
            free(xpath);
            continue;
        }
        liq_diags d = LIQ_DIAGS_INIT;
        liq_policy *p = liq_policy_load(path, &d);
        liq_example *ex = NULL;
        size_t n = 0;
        if (p && liq_examples_run(p, xpath, &ex, &n, &d) == LIQ_OK) {
            for (size_t k = 0; k < n; k++) {
                if (ex[k].passed) {
                    passed++;
                    printf("ok    %s %s (%zu checks)\n", liq_policy_name(p), ex[k].id,
                           ex[k].checks);
                } else {
                    failed++;
                    printf("FAIL  %s %s\n      %s\n", liq_policy_name(p), ex[k].id, ex[k].detail);
                }
            }
        }
        int drc = cli_print_diags(&d);
        if (drc)
            rc = EXIT_INPUT;
        free(ex);
        liq_policy_free(p);
        liq_diags_free(&d);
        free(xpath);
    }
    printf("%zu passed, %zu failed\n", passed, failed);
    for (size_t i = 0; shipped && i < np; i++)
        free(shipped[i]);
    free(shipped);
    free(o.args);
    if (rc)
        return rc;
    return failed ? EXIT_RUN : 0;
}
