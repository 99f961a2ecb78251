/*
 * cmd_lint.c — `liqsim lint [--strict] POLICY...`: load each policy and
 * report errors (exit 3) and lint warnings (exit 0; 3 with --strict),
 * every one as path:line:col: message on stderr; on stdout "PATH: ok"
 * per clean policy, or with --format json one report of every policy
 * and its diagnostics (printed whatever the exit code: it is the
 * report, not a result).
 */
#include "cli.h"

#include <jansson.h>
#include <stdlib.h>

typedef struct tally {
    size_t errors, warnings;
    json_t *report;   /* --format json: the array being built, else NULL */
} tally;

static json_t *diag_json(const liq_diag *g)
{
    json_t *o = json_pack("{s:s s:s}", "severity",
                          g->severity == LIQ_SEV_WARNING ? "warning" : "error", "file",
                          g->file ? g->file : "");
    json_object_set_new(o, "line", g->line > 0 ? json_integer(g->line) : json_null());
    json_object_set_new(o, "col", g->col > 0 ? json_integer(g->col) : json_null());
    json_object_set_new(o, "message", json_string(g->msg));
    return o;
}

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
    if (t->report) {
        json_t *ds = json_array();
        for (size_t i = 0; i < d.n; i++)
            json_array_append_new(ds, diag_json(&d.items[i]));
        json_array_append_new(t->report,
                              json_pack("{s:s s:s s:o}", "policy", path, "status",
                                        e ? "errors" : w ? "warnings" : "ok", "diagnostics", ds));
    } else if (e == 0 && w == 0) {
        printf("%s: ok\n", path);
    }
    liq_policy_free(p);
    liq_diags_free(&d);
}

/* An argument that names no policy, in the JSON report as on stderr. */
static void missing_one(const char *arg, const char *why, void *ud)
{
    tally *t = ud;
    if (t->report)
        json_array_append_new(
            t->report, json_pack("{s:s s:s s:[{s:s s:s s:n s:n s:s}]}", "policy", arg, "status",
                                 "errors", "diagnostics", "severity", "error", "file", arg,
                                 "line", "col", "message", why));
}

int cmd_lint(int argc, char **argv)
{
    cli_opts o = {0};
    const cli_option options[] = {
        OPT_FLAG_("strict", &o.strict, "warnings fail too (exit 3)"),
        OPT_FORMAT_(&o, FMT(TABLE) | FMT(JSON)),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {
        "lint", "[--strict] [options] [POLICY...]",
        "  Check policy files: errors exit 3; warnings exit 0, or 3 with --strict.\n"
        "  No POLICY: every shipped one. table: \"PATH: ok\" per clean policy, each\n"
        "  diagnostic on stderr; json: one report on stdout (and the same on stderr).\n",
        options, 0, -1, false};
    int rc = cli_parse(argc, argv, &verb, &o);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    tally t = {0, 0, o.format == LIQ_FMT_JSON ? json_array() : NULL};
    t.errors += cli_each_policy(&o, lint_one, missing_one, &t);
    free(o.args);
    if (t.report && cli_print_json(json_pack("{s:o s:I s:I}", "policies", t.report, "errors",
                                             (json_int_t)t.errors, "warnings",
                                             (json_int_t)t.warnings)) != 0)
        return EXIT_RUN;
    if (t.errors || (o.strict && t.warnings))
        return EXIT_INPUT;
    return 0;
}
