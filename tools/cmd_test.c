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

typedef struct tally { size_t passed, failed; int rc; } tally;

static void test_one(const char *path, void *ud)
{
    tally *t = ud;
    char *xpath = liq_examples_path(path);
    if (!xpath || access(xpath, R_OK) != 0) {
        printf("%s: no worked examples (%s)\n", path, xpath ? xpath : "?");
        free(xpath);
        return;
    }
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *p = liq_policy_load(path, &d);
    liq_example *ex = NULL;
    size_t n = 0;
    liq_status st = p ? liq_examples_run(p, xpath, &ex, &n, &d) : LIQ_EINPUT;
    if (st != LIQ_OK) {
        /* A run that could not happen is a failure even when nothing
         * more specific was said (out of memory): never a silent pass. */
        t->rc = st == LIQ_EINPUT ? EXIT_INPUT : EXIT_RUN;
        if (d.n == 0)
            fprintf(stderr, "%s: the examples could not be run (%s)\n", xpath,
                    liq_status_str(st));
    } else {
        for (size_t k = 0; k < n; k++) {
            if (ex[k].passed) {
                t->passed++;
                printf("ok    %s %s (%zu checks)\n", liq_policy_name(p), ex[k].id, ex[k].checks);
            } else {
                t->failed++;
                printf("FAIL  %s %s\n      %s\n", liq_policy_name(p), ex[k].id, ex[k].detail);
            }
        }
    }
    if (cli_print_diags(&d))
        t->rc = EXIT_INPUT;
    free(ex);
    liq_policy_free(p);
    liq_diags_free(&d);
    free(xpath);
}

int cmd_test(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, &o, usage);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    tally t = {0, 0, 0};
    if (cli_each_policy(&o, test_one, &t))
        t.rc = EXIT_INPUT;
    printf("%zu passed, %zu failed\n", t.passed, t.failed);
    free(o.args);
    if (t.rc)
        return t.rc;
    return t.failed ? EXIT_RUN : 0;
}
