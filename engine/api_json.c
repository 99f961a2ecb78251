/*
 * api_json.c — the library as text in, text out: for callers that
 * cannot declare liq_dec, a 128-bit integer passed by value (neither
 * ctypes nor cffi can), the Python package (python/liqsim) first of all.
 *
 * Each entry point takes file paths (a scenario may also be YAML text),
 * a JSON list of policy paths where there are several, and its options
 * as a JSON object; it makes the same library calls as the CLI verb of
 * the same name and returns the JSON that verb prints with --format json.
 * Diagnostics come back as a JSON array beside the answer. Finding a
 * shipped policy by name is left to the caller (the CLI and the Python
 * package each know where their shipped files are). Every string this
 * file hands out is released with liq_free.
 */
#include "mem.h"
#include "replay_json.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void liq_free(void *p)
{
    free(p);
}

/* ---- options -------------------------------------------------------- */

enum { OPT_BOOL, OPT_DEC };
typedef struct opt_spec {
    const char *key;
    int type;            /* OPT_BOOL: true/false; OPT_DEC: a decimal in a string */
} opt_spec;

/* opts_json parsed and checked against spec: an object whose keys are
 * all in spec, each of its type. Returns a new reference (an empty
 * object for NULL or ""), or NULL with an error in d. */
static json_t *parse_opts(const char *opts_json, const opt_spec *spec, liq_diags *d)
{
    if (!opts_json || !*opts_json)
        return json_object();
    json_error_t e;
    json_t *o = json_loads(opts_json, JSON_REJECT_DUPLICATES, &e);
    if (!o) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, "options", e.line, e.column,
                      "not JSON: %s", e.text);
        return NULL;
    }
    if (!json_is_object(o)) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, "options", 0, 0, "expected a JSON object");
        json_decref(o);
        return NULL;
    }
    const char *key;
    json_t *v;
    bool ok = true;
    json_object_foreach(o, key, v) {
        const opt_spec *s = spec;
        while (s->key && strcmp(s->key, key) != 0)
            s++;
        if (!s->key) {
            char expected[256] = "";
            for (const opt_spec *t = spec; t->key; t++)
                snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s%s",
                         t == spec ? "" : ", ", t->key);
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, "options", 0, 0,
                          "unknown option '%s'; expected one of: %s", key, expected);
            ok = false;
        } else if (s->type == OPT_BOOL ? !json_is_boolean(v) : !json_is_string(v)) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, "options", 0, 0, "%s: expected %s", key,
                          s->type == OPT_BOOL ? "true or false"
                                               : "a decimal in a string (exact, as \"0.02\")");
            ok = false;
        }
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static bool opt_bool(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

/* A decimal option >= 0, as the CLI's --slippage and --insurance-fund.
 * false with an error in d when it is there and not one. */
static bool opt_dec(const json_t *o, const char *key, bool *has, liq_dec *out, liq_diags *d)
{
    const char *s = json_string_value(json_object_get(o, key));
    *has = s != NULL;
    if (!s)
        return true;
    if (liq_dec_from_str(s, out) != LIQ_OK || liq_dec_sign(*out) < 0) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, "options", 0, 0,
                      "%s: expected a decimal >= 0, got \"%s\"", key, s);
        return false;
    }
    return true;
}

/* ---- inputs ---------------------------------------------------------- */

/* A scenario is YAML text when it holds a newline (a path never does in
 * practice, and the Python package always ends its text with one);
 * otherwise a path. Text is named "<scenario>" in messages. */
static liq_scenario *load_scenario(const char *scenario, liq_diags *d)
{
    if (!scenario) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, "", 0, 0, "no scenario given");
        return NULL;
    }
    if (strchr(scenario, '\n'))
        return liq_scenario_parse("<scenario>", scenario, strlen(scenario), d);
    return liq_scenario_load(scenario, d);
}

/* policies_json: a JSON array of paths. Loads each; returns the array of
 * n policies (caller frees each and the array) or NULL with errors in d
 * (every policy is tried, so one call reports every file that fails). */
static liq_policy **load_policies(const char *policies_json, size_t *n, liq_diags *d)
{
    *n = 0;
    json_error_t e;
    json_t *a = policies_json ? json_loads(policies_json, 0, &e) : NULL;
    if (!json_is_array(a) || json_array_size(a) == 0) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, "policies", 0, 0,
                      "expected a non-empty JSON array of policy paths");
        json_decref(a);
        return NULL;
    }
    size_t np = json_array_size(a);
    liq_policy **ps = mem_calloc(np, sizeof *ps);
    bool ok = ps != NULL;
    if (!ps)
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "out of memory");
    for (size_t i = 0; ps && i < np; i++) {
        const char *path = json_string_value(json_array_get(a, i));
        if (!path) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, "policies", 0, 0,
                          "item %zu: expected a policy path (a string)", i + 1);
            ok = false;
        } else if (!(ps[i] = liq_policy_load(path, d))) {
            ok = false;
        }
    }
    json_decref(a);
    if (!ok) {
        for (size_t i = 0; ps && i < np; i++)
            liq_policy_free(ps[i]);
        free(ps);
        return NULL;
    }
    *n = np;
    return ps;
}

static void free_policies(liq_policy **ps, size_t n)
{
    for (size_t i = 0; ps && i < n; i++)
        liq_policy_free(ps[i]);
    free(ps);
}

/* ---- diagnostics ----------------------------------------------------- */

/* Every diagnostic, as objects: severity, code, file, line, col, message
 * and the line the CLI would print. Stores a string owned by the caller
 * (liq_free) in *out when out is not NULL. */
static void put_diags(const liq_diags *d, char **out)
{
    if (!out)
        return;
    json_t *a = json_array();
    for (size_t i = 0; a && i < d->n; i++) {
        const liq_diag *g = &d->items[i];
        char text[2048];
        liq_diag_text(g, text, sizeof text);
        json_array_append_new(
            a, json_pack("{s:s s:s s:s s:i s:i s:s s:s}", "severity",
                         g->severity == LIQ_SEV_WARNING ? "warning" : "error", "code",
                         liq_status_str(g->code), "file", g->file ? g->file : "", "line", g->line,
                         "col", g->col, "message", g->msg ? g->msg : "", "text", text));
    }
    *out = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
}

/* ---- the verbs ------------------------------------------------------- */

static const opt_spec eval_opts[] = {{"explain", OPT_BOOL}, {NULL, 0}};

char *liq_eval_json(const char *policy, const char *scenario, const char *opts_json,
                    char **diags_json)
{
    liq_diags d = LIQ_DIAGS_INIT;
    char *out = NULL;
    json_t *o = parse_opts(opts_json, eval_opts, &d);
    liq_policy *p = NULL;
    liq_scenario *s = NULL;
    if (o) {
        p = policy ? liq_policy_load(policy, &d) : NULL;
        if (!policy)
            liq_diags_add(&d, LIQ_SEV_ERROR, LIQ_EINPUT, "", 0, 0, "no policy given");
        s = load_scenario(scenario, &d);
    }
    if (p && s) {
        liq_eval_opts eo = {.explain = opt_bool(o, "explain")};
        liq_result *r = liq_eval(p, s, &eo, &d);
        if (r)
            out = liq_results_render(&r, 1, LIQ_FMT_JSON, false);
        liq_result_free(r);
    }
    liq_scenario_free(s);
    liq_policy_free(p);
    json_decref(o);
    put_diags(&d, diags_json);
    liq_diags_free(&d);
    return out;
}

char *liq_compare_json(const char *scenario, const char *policies_json, const char *opts_json,
                       char **diags_json)
{
    liq_diags d = LIQ_DIAGS_INIT;
    char *out = NULL;
    size_t np = 0;
    json_t *o = parse_opts(opts_json, eval_opts, &d);
    liq_scenario *s = o ? load_scenario(scenario, &d) : NULL;
    liq_policy **ps = o ? load_policies(policies_json, &np, &d) : NULL;
    liq_result **rs = s && ps ? mem_calloc(np, sizeof *rs) : NULL;
    /* As the CLI: a file that does not load gives no rows at all; a
     * policy whose evaluation fails gives an "error" row among the rest. */
    if (rs) {
        liq_eval_opts eo = {.explain = opt_bool(o, "explain")};
        if (liq_compare(ps, np, s, &eo, rs, &d) == LIQ_OK)
            out = liq_results_render(rs, np, LIQ_FMT_JSON, true);
        for (size_t i = 0; i < np; i++)
            liq_result_free(rs[i]);
        free(rs);
    }
    free_policies(ps, np);
    liq_scenario_free(s);
    json_decref(o);
    put_diags(&d, diags_json);
    liq_diags_free(&d);
    return out;
}

/* What liq_replay streams, collected per policy. */
typedef struct collect {
    json_t *events, *fund;   /* arrays, or NULL when not asked for */
    bool failed;             /* out of memory or a line that is not JSON (a bug) */
} collect;

static void on_event(void *ud, const char *line)
{
    collect *c = ud;
    json_t *e = json_loads(line, 0, NULL);
    if (!e || json_array_append_new(c->events, e) != 0)
        c->failed = true;
}

static void on_fund(void *ud, size_t tick, const char *time, liq_dec balance)
{
    collect *c = ud;
    char b[LIQ_DEC_STRLEN];
    liq_dec_format(balance, b);
    json_t *row = json_pack("{s:I s:s s:s}", "tick", (json_int_t)tick, "time", time ? time : "",
                            "balance", b);
    if (!row || json_array_append_new(c->fund, row) != 0)
        c->failed = true;
}

static const opt_spec replay_opts[] = {
    {"slippage", OPT_DEC}, {"insurance_fund", OPT_DEC}, {"naive", OPT_BOOL},
    {"check", OPT_BOOL},   {"events", OPT_BOOL},        {"fund_series", OPT_BOOL},
    {"tick_hours", OPT_DEC}, {"benchmark_rate", OPT_DEC}, {NULL, 0}};

char *liq_replay_json(const char *book, const char *path, const char *policies_json,
                      const char *opts_json, char **diags_json)
{
    liq_diags d = LIQ_DIAGS_INIT;
    char *out = NULL;
    size_t np = 0;
    liq_replay_opts ro = {0};
    bool has_slip = false;
    json_t *o = parse_opts(opts_json, replay_opts, &d);
    bool ok = o && opt_dec(o, "slippage", &has_slip, &ro.slippage, &d) &&
              opt_dec(o, "insurance_fund", &ro.has_fund, &ro.fund, &d) &&
              opt_dec(o, "tick_hours", &ro.has_tick_hours, &ro.tick_hours, &d) &&
              opt_dec(o, "benchmark_rate", &ro.has_benchmark, &ro.benchmark, &d);
    liq_book *b = NULL;
    liq_path *p = NULL;
    liq_policy **ps = NULL;
    if (ok) {
        b = book ? liq_book_load(book, &d) : NULL;
        p = path ? liq_path_load(path, &d) : NULL;
        if (!book || !path)
            liq_diags_add(&d, LIQ_SEV_ERROR, LIQ_EINPUT, "", 0, 0, "no %s given",
                          book ? "path" : "book");
        ps = load_policies(policies_json, &np, &d);
        ok = b && p && ps;
    }
    json_t *all = ok ? json_array() : NULL;
    ro.naive = opt_bool(o, "naive");
    ro.check = opt_bool(o, "check");
    /* As the CLI: every policy runs, and the summaries come back only
     * when all of them did. */
    for (size_t i = 0; all && i < np; i++) {
        collect c = {.events = opt_bool(o, "events") ? json_array() : NULL,
                     .fund = opt_bool(o, "fund_series") ? json_array() : NULL};
        ro.on_event = c.events ? on_event : NULL;
        ro.on_fund = c.fund ? on_fund : NULL;
        ro.ud = &c;
        liq_replay_summary sum;
        json_t *obj = NULL;
        if (liq_replay(ps[i], b, p, &ro, &sum, &d) == LIQ_OK)
            obj = replay_summary_obj(liq_policy_name(ps[i]), &sum);
        if (obj && c.events)
            json_object_set_new(obj, "events", json_incref(c.events));
        if (obj && c.fund)
            json_object_set_new(obj, "fund_series", json_incref(c.fund));
        if (c.failed && obj) {
            liq_diags_add(&d, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0,
                          "out of memory collecting the replay's events");
            json_decref(obj);
            obj = NULL;
        }
        json_decref(c.events);
        json_decref(c.fund);
        if (!obj || json_array_append_new(all, obj) != 0) {
            json_decref(all);
            all = NULL;
        }
    }
    if (all)
        out = json_dumps(all, JSON_COMPACT);
    json_decref(all);
    free_policies(ps, np);
    liq_book_free(b);
    liq_path_free(p);
    json_decref(o);
    put_diags(&d, diags_json);
    liq_diags_free(&d);
    return out;
}
