/*
 * cmd_test.c — `liqsim test [POLICY...]`: run each policy's worked
 * examples (policies/<name>.examples.yaml) and report, so a policy author
 * tests a policy without writing C. Exit 0 all pass, 1 any fails, 3 a
 * policy or examples file does not load. --format json prints one
 * report of every example (whatever the exit code: it is the report).
 */
#include "cli.h"
#include "coverage.h"
#include "examples.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct tally {
    size_t passed, failed;
    int rc;
    json_t *report;   /* --format json: the examples, else NULL */
    bool coverage;    /* --coverage: the branches the examples reached */
    json_t *cov;      /* ... as JSON, one object per policy */
} tally;

static void count_branches(void *ud, const liq_result *r)
{
    cov_count(ud, r);
}

/* The branches of the policy (each market's rules included) its
 * examples reached, those no venue example reaches (the examples file's
 * no_venue_example: list, with why) and those never reached, in text or
 * as JSON. A listed branch the examples reach after all, or one the
 * policy's waterfall does not have, is a warning at its line: the list
 * must stay true. */
static void report_coverage(tally *t, const liq_policy *p, const cov_set *cs,
                            const examples_gap *ne, size_t nne, const char *xpath, liq_diags *d)
{
    json_t *reached = json_array(), *never = json_array(), *none = json_array();
    for (size_t k = 0; k < nne; k++) {
        size_t i = 0;
        while (i < cs->n && strcmp(cs->b[i].label, ne[k].branch) != 0)
            i++;
        if (i == cs->n)
            liq_diags_add(d, LIQ_SEV_WARNING, LIQ_OK, xpath, ne[k].line, 0,
                          "no_venue_example: '%s' is not a branch of %s's waterfall",
                          ne[k].branch, liq_policy_name(p));
        else if (cs->b[i].hits)
            liq_diags_add(d, LIQ_SEV_WARNING, LIQ_OK, xpath, ne[k].line, 0,
                          "no_venue_example: '%s' is reached by %zu example%s; remove it from "
                          "the list",
                          ne[k].branch, cs->b[i].hits, cs->b[i].hits == 1 ? "" : "s");
    }
    for (size_t i = 0; i < cs->n; i++) {
        const examples_gap *why = NULL;
        for (size_t k = 0; k < nne && !why; k++)
            if (strcmp(cs->b[i].label, ne[k].branch) == 0)
                why = &ne[k];
        if (cs->b[i].hits)
            json_array_append_new(reached, json_pack("{s:s s:I}", "branch", cs->b[i].label,
                                                     "examples", (json_int_t)cs->b[i].hits));
        else if (why)
            json_array_append_new(none, json_pack("{s:s s:s}", "branch", cs->b[i].label, "why",
                                                  why->why));
        else
            json_array_append_new(never, json_string(cs->b[i].label));
    }
    if (t->cov) {
        json_array_append_new(t->cov, json_pack("{s:s s:I s:o s:o s:o}", "policy",
                                                liq_policy_name(p), "evaluated",
                                                (json_int_t)cs->results, "reached", reached,
                                                "no_venue_example", none, "never_reached",
                                                never));
        return;
    }
    printf("coverage %s (%zu examples evaluated):\n  reached:", liq_policy_name(p), cs->results);
    size_t k = 0;
    json_t *v;
    json_array_foreach(reached, k, v)
    {
        printf("%s %s (%lld)", k ? "," : "", json_string_value(json_object_get(v, "branch")),
               (long long)json_integer_value(json_object_get(v, "examples")));
    }
    printf("%s\n", k ? "" : " none");
    json_array_foreach(none, k, v)
    {
        printf("  no venue example: %s (%s)\n", json_string_value(json_object_get(v, "branch")),
               json_string_value(json_object_get(v, "why")));
    }
    json_array_foreach(never, k, v)
    {
        printf("%s%s", k ? ", " : "  never reached: ", json_string_value(v));
    }
    if (json_array_size(never))
        printf("\n");
    json_decref(reached);
    json_decref(none);
    json_decref(never);
}

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
    cov_set cs;
    if (p && t->coverage) {
        cov_init(&cs, p);
        for (size_t i = 0; i < p->nmarkets; i++) {
            cov_set m;
            cov_init_root(&m, &p->markets[i].r);
            cov_merge(&cs, &m);
        }
    }
    liq_status st = p ? liq_examples_run_each(p, xpath, &ex, &n, &d,
                                              t->coverage ? count_branches : NULL, &cs)
                      : LIQ_EINPUT;
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
    if (st == LIQ_OK && t->coverage) {
        examples_gap *ne = NULL;
        size_t nne = 0;
        if (examples_no_venue_example(xpath, &ne, &nne, &d) != LIQ_OK)
            t->rc = EXIT_INPUT;
        report_coverage(t, p, &cs, ne, nne, xpath, &d);
        free(ne);
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
    bool coverage = false;
    const cli_option options[] = {
        OPT_FORMAT_(&o, FMT(TABLE) | FMT(JSON)),
        OPT_FLAG_("coverage", &coverage,
                  "say which branches of each policy's waterfall its examples reached "
                  "(docs/audit.md)"),
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
    tally t = {0, 0, 0, o.format == LIQ_FMT_JSON ? json_array() : NULL, coverage,
               coverage && o.format == LIQ_FMT_JSON ? json_array() : NULL};
    if (cli_each_policy(&o, test_one, NULL, &t))
        t.rc = EXIT_INPUT;
    free(o.args);
    if (t.report) {
        json_t *root = json_pack("{s:o s:I s:I}", "examples", t.report, "passed",
                                 (json_int_t)t.passed, "failed", (json_int_t)t.failed);
        if (t.cov)
            json_object_set_new(root, "coverage", t.cov);
        if (cli_print_json(root) != 0)
            return EXIT_RUN;
    } else {
        printf("%zu passed, %zu failed\n", t.passed, t.failed);
    }
    if (t.rc)
        return t.rc;
    return t.failed ? EXIT_RUN : 0;
}
