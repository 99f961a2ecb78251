/*
 * cmd_test.c — `liqsim test [POLICY...]`: run each policy's worked
 * examples (policies/<name>.examples.yaml) and report, so a policy author
 * tests a policy without writing C. Exit 0 all pass, 1 any fails, 3 a
 * policy or examples file does not load. --format json prints one
 * report of every example (whatever the exit code: it is the report).
 */
#include "cli.h"
#include "examples.h"

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct tally {
    size_t passed, failed;
    int rc;
    json_t *report;   /* --format json: the examples, else NULL */
} tally;

static void test_one(const char *path, void *ud)
{
    tally *t = ud;
    char *xpath = liq_examples_path(path);
    if (!xpath || access(xpath, R_OK) != 0) {
        if (!t->report)
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
            const liq_example *e = &ex[k];
            if (e->passed)
                t->passed++;
            else
                t->failed++;
            if (t->report) {
                json_t *o = json_pack("{s:s s:s s:s s:b s:I}", "policy", liq_policy_name(p),
                                      "file", xpath, "id", e->id, "passed", e->passed, "checks",
                                      (json_int_t)e->checks);
                json_object_set_new(o, "detail", e->passed ? json_null() : json_string(e->detail));
                json_array_append_new(t->report, o);
            } else if (e->passed) {
                printf("ok    %s %s (%zu check%s)\n", liq_policy_name(p), e->id, e->checks,
                       e->checks == 1 ? "" : "s");
            } else {
                printf("FAIL  %s %s\n      %s\n", liq_policy_name(p), e->id, e->detail);
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
    cli_opts o = {0};
    const cli_option options[] = {
        OPT_FORMAT_(&o, FMT(TABLE) | FMT(JSON)),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {
        "test", "[options] [POLICY...]",
        "  Run the worked examples beside each policy (<policy>.examples.yaml);\n"
        "  no POLICY: every shipped one. Exit 1 when an example fails.\n",
        options, 0, -1, false};
    int rc = cli_parse(argc, argv, &verb, &o);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    tally t = {0, 0, 0, o.format == LIQ_FMT_JSON ? json_array() : NULL};
    if (cli_each_policy(&o, test_one, NULL, &t))
        t.rc = EXIT_INPUT;
    free(o.args);
    if (t.report) {
        if (cli_print_json(json_pack("{s:o s:I s:I}", "examples", t.report, "passed",
                                     (json_int_t)t.passed, "failed", (json_int_t)t.failed)) != 0)
            return EXIT_RUN;
    } else {
        printf("%zu passed, %zu failed\n", t.passed, t.failed);
    }
    if (t.rc)
        return t.rc;
    return t.failed ? EXIT_RUN : 0;
}
