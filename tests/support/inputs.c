/*
 * inputs.c — loading the files a test stands on (policies, scenarios,
 * books, paths) and showing the library's diagnostics the way the CLI
 * prints them. An input that must load and does not fails the test with
 * every diagnostic printed, so the cause is on screen, not a bare NULL.
 *
 * Inputs that must fail, and the exact message they must fail with, are
 * the business of cases.c.
 */
#include "support/support.h"

#include <stdio.h>
#include <string.h>

void format_diag(const liq_diag *g, char *buf, size_t cap)
{
    if (g->line > 0 && g->col > 0)
        snprintf(buf, cap, "%s:%d:%d: %s", g->file, g->line, g->col, g->msg);
    else if (g->line > 0)
        snprintf(buf, cap, "%s:%d: %s", g->file, g->line, g->msg);
    else
        snprintf(buf, cap, "%s: %s", g->file, g->msg);
}

const liq_diag *first_error(const liq_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->items[i].severity == LIQ_SEV_ERROR)
            return &d->items[i];
    return NULL;
}

void expect_first_error(const liq_diags *d, const char *message)
{
    const liq_diag *e = first_error(d);
    if (!e)
        fail_msg("no error, expected %s", message);
    char got[2048];
    format_diag(e, got, sizeof got);
    assert_string_equal(got, message);
}

void print_diags(const liq_diags *d)
{
    char buf[2048];
    for (size_t i = 0; i < d->n; i++) {
        format_diag(&d->items[i], buf, sizeof buf);
        print_message("    %s%s\n", d->items[i].severity == LIQ_SEV_WARNING ? "warning: " : "",
                      buf);
    }
}

void fail_with_diags(const char *what, const liq_diags *d)
{
    print_diags(d);
    fail_msg("%s failed", what);
}

/* The four kinds of input a test loads. */
typedef enum input_kind { AS_POLICY, AS_SCENARIO, AS_BOOK, AS_PATH } input_kind;

static void *load_or_fail(const char *path, input_kind kind)
{
    liq_diags d = LIQ_DIAGS_INIT;
    void *loaded = NULL;
    switch (kind) {
    case AS_POLICY: loaded = liq_policy_load(path, &d); break;
    case AS_SCENARIO: loaded = liq_scenario_load(path, &d); break;
    case AS_BOOK: loaded = liq_book_load(path, &d); break;
    case AS_PATH: loaded = liq_path_load(path, &d); break;
    }
    if (!loaded)
        fail_with_diags(path, &d);
    liq_diags_free(&d);
    return loaded;
}

liq_policy *load_policy_or_fail(const char *path) { return load_or_fail(path, AS_POLICY); }
liq_scenario *load_scenario_or_fail(const char *path) { return load_or_fail(path, AS_SCENARIO); }
liq_scenario *parse_scenario_or_fail(const char *name, const char *yaml)
{
    liq_diags d = LIQ_DIAGS_INIT;
    liq_scenario *s = liq_scenario_parse(name, yaml, strlen(yaml), &d);
    if (!s)
        fail_with_diags("liq_scenario_parse", &d);
    liq_diags_free(&d);
    return s;
}
liq_book *load_book_or_fail(const char *path) { return load_or_fail(path, AS_BOOK); }
liq_path *load_path_or_fail(const char *path) { return load_or_fail(path, AS_PATH); }
