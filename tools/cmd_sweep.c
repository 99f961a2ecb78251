/*
 * cmd_sweep.c — `liqsim sweep [SCENARIO] [POLICY...] --set KEY=RANGE...`:
 * the scenario over a grid of its numbers (engine/sweep.c) under every
 * policy, one case per grid point on the case runner (engine/runner.h):
 * threads over points (--jobs), a deterministic share of them (--shard
 * K/N), every point's rows as case lines in point order whatever the
 * thread count, then the summary line that `liqsim merge` combines (per
 * venue: the points by status, where the trader starts to owe, where the
 * fund runs dry, the largest loss); --format table prints the summary.
 *
 * Everything that can be refused is refused before the first line: the
 * ranges (empty, not numeric, out of bounds), the grid's size against
 * --max-points (the count in the message), the files. A point the venue
 * does not list or would not open is a row that says why (not_listed,
 * not_offered); a point whose evaluation fails is an "error" row and the
 * exit code is 1, the other points still printed.
 */
#include "runner.h"
#include "sweep.h"
#include "whatif_cli.h"

#include "result.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The summary's accumulators of each policy, in this order (one group
 * per policy, named by the policy). */
enum { A_OK, A_NOT_LISTED, A_NOT_OFFERED, A_ERROR, A_OWES, A_FIRST_OWES, A_DRY, A_FIRST_DRY,
       A_MAX_LOST, A_LIQUIDATED, A_LOSS, A_N };
static const char *const acc_names[A_N] = {"ok", "not_listed", "not_offered", "error",
                                           "trader_owes", "first_owes", "fund_dry", "first_dry",
                                           "max_trader_lost", "liquidated", "loss_total"};
static const run_acc_kind acc_kinds[A_N] = {RUN_COUNT, RUN_COUNT, RUN_COUNT, RUN_COUNT,
                                            RUN_COUNT, RUN_MIN,   RUN_COUNT, RUN_MIN,
                                            RUN_MAX,   RUN_COUNT, RUN_SUM};

/* What every thread reads; set before the run starts, never written in it. */
typedef struct sweep_ctx {
    const sweep_grid *g;
    const wcli_inputs *in;
    int *acc;                 /* np x A_N accumulator indexes */
    bool lines;               /* write the case lines (ndjson), else only count */
} sweep_ctx;

/* A thread's own: its policies (a policy's Lua state is one thread's)
 * and the variant it evaluates. */
typedef struct sweep_worker {
    const sweep_ctx *c;
    liq_policy **pols;
    variant v;
    bool v_ok;
} sweep_worker;

static void worker_free(void *ud, void *wp)
{
    (void)ud;
    sweep_worker *w = wp;
    if (!w)
        return;
    for (size_t k = 0; w->pols && k < w->c->in->np; k++)
        liq_policy_free(w->pols[k]);
    free(w->pols);
    if (w->v_ok)
        variant_free(&w->v);
    free(w);
}

static void *worker_new(void *ud, unsigned index, liq_diags *d)
{
    (void)index;
    const sweep_ctx *c = ud;
    sweep_worker *w = calloc(1, sizeof *w);
    if (!w || !(w->pols = calloc(c->in->np, sizeof *w->pols))) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "out of memory");
        free(w);
        return NULL;
    }
    w->c = c;
    bool ok = true;
    for (size_t k = 0; ok && k < c->in->np; k++)
        ok = (w->pols[k] = liq_policy_load(c->in->paths[k], d)) != NULL;
    if (ok)
        ok = w->v_ok = variant_init(&w->v, c->in->s, d);
    if (!ok) {
        worker_free(NULL, w);
        return NULL;
    }
    return w;
}

static json_t *jd(liq_dec v)
{
    char b[LIQ_DEC_STRLEN];
    liq_dec_format(v, b);
    return json_string(b);
}

static json_t *set_json(const sweep_grid *g, uint64_t i)
{
    json_t *o = json_object();
    for (size_t a = 0; a < g->nax; a++)
        json_object_set_new(o, g->ax[a].name, jd(sweep_value(g, i, a)));
    return o;
}

static void set_text(const sweep_grid *g, uint64_t i, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t a = 0; a < g->nax && used < cap; a++) {
        char b[LIQ_DEC_STRLEN];
        used += (size_t)snprintf(buf + used, cap - used, "%s%s=%s", a ? " " : "", g->ax[a].name,
                                 dstr(sweep_value(g, i, a), b));
    }
}

/* A fund that could not cover the deficit: finite, left at zero, and
 * some of the deficit passed on to the next stage. */
static bool fund_dry(const liq_result *r)
{
    return r->if_finite && liq_dec_sign(r->if_after) == 0 &&
           liq_dec_cmp(r->cov[STAGE_IF], r->deficit) < 0;
}

/* One point's row under one policy, as the case line's members. */
static char *point_json(const sweep_ctx *c, uint64_t i, const char *policy, const liq_result *r,
                        const char *reason, int status)
{
    json_t *o = json_pack("{s:s}", "scenario", liq_scenario_name(c->in->s));
    json_object_set_new(o, "set", set_json(c->g, i));
    json_object_set_new(o, "policy", json_string(policy));
    json_object_set_new(o, "status", json_string(result_status_names[status]));
    json_object_set_new(o, "reason", reason ? json_string(reason) : json_null());
    bool ok = status == RS_OK;
    liq_dec lost = LIQ_DEC_ZERO;
    bool has_lost = ok && result_trader_lost(r, &lost) == LIQ_OK;
    json_object_set_new(o, "liquidated", ok ? json_boolean(r->walk.liquidated) : json_null());
    json_object_set_new(o, "trader_lost", has_lost ? jd(lost) : json_null());
    json_object_set_new(o, "owed", ok ? jd(r->owed) : json_null());
    json_object_set_new(o, "final_balance", ok ? jd(r->final_balance) : json_null());
    json_object_set_new(o, "deficit", ok ? jd(r->deficit) : json_null());
    json_object_set_new(o, "fund_paid", ok ? jd(r->cov[STAGE_IF]) : json_null());
    json_object_set_new(o, "fund_after", !ok           ? json_null()
                                         : r->if_finite ? jd(r->if_after)
                                                        : json_string("unlimited"));
    json_object_set_new(o, "fund_dry", ok ? json_boolean(fund_dry(r)) : json_null());
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static liq_status run_point(void *wp, const run_case *rc, run_out *out)
{
    sweep_worker *w = wp;
    const sweep_ctx *c = w->c;
    uint64_t i = rc->id;
    char err[600], label[400];
    if (!sweep_apply(c->g, i, &w->v, err, sizeof err)) {
        /* Every value was tried on the scenario before the run: only
         * memory can fail here. */
        liq_diags_add(run_diags(out), LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "point %llu: %s",
                      (unsigned long long)i, err);
        return LIQ_ENOMEM;
    }
    set_text(c->g, i, label, sizeof label);
    liq_eval_opts eo = {.quiet = true};
    for (size_t k = 0; k < c->in->np; k++) {
        liq_diags d = LIQ_DIAGS_INIT;
        liq_result *r = liq_eval(w->pols[k], &w->v.s, &eo, &d);
        int status = r ? r->status : RS_ERROR;
        char why[2048] = "";
        if (!r && d.n) {
            /* A point the scenario file could state but the account
             * cannot open (its margin): the venue would refuse it. */
            cli_diag_text(&d.items[0], why, sizeof why);
            status = d.items[0].code == LIQ_EINPUT ? RS_NOT_OFFERED : RS_ERROR;
            if (status == RS_ERROR)
                for (size_t m = 0; m < d.n; m++)
                    liq_diags_add(run_diags(out), d.items[m].severity, d.items[m].code,
                                  d.items[m].file, d.items[m].line, d.items[m].col, "%s",
                                  d.items[m].msg);
        }
        const char *name = liq_policy_name(w->pols[k]);
        if (c->lines) {
            char *line = point_json(c, i, name, r, r ? r->reason : why[0] ? why : NULL, status);
            if (!line) {
                liq_result_free(r);
                liq_diags_free(&d);
                return LIQ_ENOMEM;
            }
            run_emit(out, line, strlen(line));
            free(line);
        }
        const int *acc = &c->acc[k * A_N];
        run_count(out, acc[A_OK + status], 1);
        if (status == RS_OK) {
            liq_dec id = liq_dec_from_int((int64_t)i), lost;
            if (liq_dec_sign(r->owed) > 0) {
                run_count(out, acc[A_OWES], 1);
                run_min(out, acc[A_FIRST_OWES], id, label);
            }
            if (fund_dry(r)) {
                run_count(out, acc[A_DRY], 1);
                run_min(out, acc[A_FIRST_DRY], id, label);
            }
            if (result_trader_lost(r, &lost) == LIQ_OK)
                run_max(out, acc[A_MAX_LOST], lost, label);
            /* As batch's summary: the liquidated points, the sum of
             * each one's loss (the result's total). */
            run_count(out, acc[A_LIQUIDATED], r->walk.liquidated);
            run_add(out, acc[A_LOSS], r->total);
        }
        liq_result_free(r);
        liq_diags_free(&d);
    }
    return LIQ_OK;
}

static void write_out(void *ud, const char *text, size_t len)
{
    const sweep_ctx *c = ud;
    if (c->lines)
        fwrite(text, 1, len, stdout);
}

/* The run's identity for merge: the verb, the scenario, the policies and
 * the grid's axes. Caller frees. */
static char *run_identity(const sweep_grid *g, const wcli_inputs *in)
{
    json_t *o = json_pack("{s:s s:s}", "verb", "sweep", "scenario", liq_scenario_name(in->s));
    json_t *ps = json_array(), *ax = json_array();
    for (size_t k = 0; k < in->np; k++)
        json_array_append_new(ps, json_string(liq_policy_name(in->pols[k])));
    for (size_t a = 0; a < g->nax; a++) {
        json_t *vals = json_array();
        for (size_t v = 0; v < g->ax[a].n; v++)
            json_array_append_new(vals, jd(g->ax[a].vals[v]));
        json_array_append_new(ax, json_pack("{s:s s:o}", "key", g->ax[a].name, "values", vals));
    }
    json_object_set_new(o, "policies", ps);
    json_object_set_new(o, "grid", ax);
    char *t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return t;
}

/* The table from the summary line: a line per policy. Returns whether
 * any point was an error. */
static bool print_table(const char *summary, const sweep_grid *g, const wcli_inputs *in)
{
    json_t *s = json_loads(summary, 0, NULL);
    json_t *acc = json_object_get(json_object_get(s, "summary"), "acc");
    char dims[600] = "";
    size_t used = 0;
    for (size_t a = 0; a < g->nax && used < sizeof dims; a++)
        used += (size_t)snprintf(dims + used, sizeof dims - used, "%s%s (%zu)", a ? " x " : "",
                                 g->ax[a].name, g->ax[a].n);
    printf("scenario: %s over %llu points: %s\n\n", liq_scenario_name(in->s),
           (unsigned long long)g->points, dims);
    printf("%-26s %-8s %-8s %-11s %-32s %-32s %s\n", "policy", "ok", "refused", "error",
           "trader owes (points)", "fund runs dry (points)", "largest trader_lost");
    bool errors = false;
    for (size_t k = 0; k < in->np; k++) {
        json_t *v[A_N];
        for (int a = 0; a < A_N; a++)
            v[a] = json_array_get(acc, k * A_N + (size_t)a);
        json_int_t n[A_N];
        for (int a = 0; a < A_N; a++)
            n[a] = json_integer_value(json_object_get(v[a], "value"));
        errors |= n[A_ERROR] > 0;
        char owes[400] = "never", dry[400] = "never", mx[460] = "-";
        const char *at;
        if (n[A_OWES] && (at = json_string_value(json_object_get(v[A_FIRST_OWES], "scenario"))))
            snprintf(owes, sizeof owes, "%lld, first at %s", (long long)n[A_OWES], at);
        if (n[A_DRY] && (at = json_string_value(json_object_get(v[A_FIRST_DRY], "scenario"))))
            snprintf(dry, sizeof dry, "%lld, first at %s", (long long)n[A_DRY], at);
        const char *ml = json_string_value(json_object_get(v[A_MAX_LOST], "value"));
        if (ml)
            snprintf(mx, sizeof mx, "%s at %s", ml,
                     json_string_value(json_object_get(v[A_MAX_LOST], "scenario")));
        printf("%-26s %-8lld %-8lld %-11lld %-32s %-32s %s\n", liq_policy_name(in->pols[k]),
               (long long)n[A_OK], (long long)(n[A_NOT_LISTED] + n[A_NOT_OFFERED]),
               (long long)n[A_ERROR], owes, dry, mx);
    }
    printf("\nrefused = not_listed + not_offered; --format ndjson for every point.\n");
    json_decref(s);
    return errors;
}

/* Whether the summary counts an error row. */
static bool summary_has_errors(const char *summary, size_t np)
{
    json_t *s = json_loads(summary, 0, NULL);
    json_t *acc = json_object_get(json_object_get(s, "summary"), "acc");
    bool e = false;
    for (size_t k = 0; k < np; k++)
        e |= json_integer_value(json_object_get(json_array_get(acc, k * A_N + A_ERROR), "value")) >
             0;
    json_decref(s);
    return e;
}

int cmd_sweep(int argc, char **argv)
{
    cli_opts o = {0};
    long max_points = 1000000, jobs = 0;
    const char *shard = NULL;
    bool summary_only = false;
    cli_strings sets = {{0}, 0};
    const cli_option options[] = {
        {OPT_STRINGS, "set", 0, "KEY=RANGE", &sets, NULL,
         "a range over a number of the scenario file, or shock: LO..HI/STEP, a,b,c or one "
         "value (repeat for more axes; docs/whatif.md)",
         NULL, NULL, NULL, NULL, 0},
        {OPT_COUNT, "max-points", 0, "N", &max_points, NULL,
         "refuse a grid of more points than this (default 1000000)", "1", "100000000", NULL,
         NULL, 0},
        {OPT_COUNT, "jobs", 'j', "N", &jobs, NULL,
         "threads over the points (default 0: one per core); the output is the same", "0",
         "256", NULL, NULL, 0},
        OPT_STRING_("shard", 0, "K/N", &shard,
                    "only the points whose number % N == K - 1 (liqsim merge joins the shards)"),
        OPT_FLAG_("summary-only", &summary_only, "ndjson: the summary line only, no case lines"),
        OPT_FORMAT_(&o, FMT(TABLE) | FMT(NDJSON)),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {
        "sweep", "[SCENARIO] [POLICY...] --set KEY=RANGE... [options]",
        "  The scenario over a grid of its numbers (the first --set slowest, the last fastest)\n"
        "  under every policy: ndjson, each point's rows as case lines in point order, then\n"
        "  the summary line (liqsim merge combines shards); table, the summary per venue\n"
        "  (where the trader starts to owe, where the fund runs dry, the largest loss).\n"
        "  SCENARIO defaults to 'default', POLICY to every shipped policy (docs/whatif.md).\n",
        options, 0, -1, false};
    int rc = cli_parse(argc, argv, &verb, &o);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    if (!o.format_set)
        o.format = LIQ_FMT_NDJSON;
    run_opts ro = {.jobs = (unsigned)jobs};
    if (shard && !run_shard_parse(shard, &ro.shard_k, &ro.shard_n)) {
        fprintf(stderr, "liqsim: --shard takes K/N with 1 <= K <= N <= 1000000, got \"%s\"\n",
                shard);
        free(o.args);
        return EXIT_USAGE;
    }
    if (sets.n > SWEEP_MAX_AXES) {
        fprintf(stderr, "liqsim: sweep takes at most %d --set ranges, got %d\n", SWEEP_MAX_AXES,
                sets.n);
        free(o.args);
        return EXIT_USAGE;
    }
    wcli_inputs in;
    if ((rc = wcli_inputs_load(&o, &in)) != 0) {
        free(o.args);
        return rc;
    }
    sweep_grid g;
    memset(&g, 0, sizeof g);
    if (in.s->nlegs != 1) {
        liq_diags d = LIQ_DIAGS_INIT;
        variant v;
        variant_init(&v, in.s, &d);
        variant_free(&v);
        cli_print_diags(&d);
        liq_diags_free(&d);
        rc = EXIT_INPUT;
    }
    if (rc == 0 && sets.n == 0 && in.s->r.ranges.n == 0) {
        fprintf(stderr, "liqsim: sweep needs at least one --set KEY=RANGE "
                        "(position.leverage=5..50/5) or a scenario with ranges:\n");
        rc = EXIT_USAGE;
    }
    char err[2048];
    bool too_many;
    liq_mark at;
    if (rc == 0 && !sweep_grid_build(&g, in.s, (const char *const *)sets.v, (size_t)sets.n,
                                     (uint64_t)max_points, err, sizeof err, &too_many, &at)) {
        /* A file's range is input (exit 3, at its line), a --set or the
         * grid's size a usage error. */
        if (at.line)
            fprintf(stderr, "%s:%d:%d: %s\n", at.file, at.line, at.col, err);
        else
            fprintf(stderr, "liqsim: %s\n", err);
        rc = at.line && !too_many ? EXIT_INPUT : EXIT_USAGE;
    }
    int *acc = rc == 0 ? calloc(in.np * A_N, sizeof *acc) : NULL;
    char *ident = rc == 0 ? run_identity(&g, &in) : NULL;
    if (rc == 0 && (!acc || !ident)) {
        fprintf(stderr, "liqsim: out of memory\n");
        rc = EXIT_RUN;
    }
    sweep_ctx c = {&g, &in, acc, o.format == LIQ_FMT_NDJSON && !summary_only};
    run_spec spec = {.ncases = g.points, .worker_new = worker_new, .worker_free = worker_free,
                     .run_case = run_point, .write = write_out, .on_diag = cli_diag_print, .ud = &c,
                     .run_json = ident};
    run *r = rc == 0 ? run_new(&spec, &ro) : NULL;
    if (rc == 0 && !r) {
        fprintf(stderr, "liqsim: out of memory\n");
        rc = EXIT_RUN;
    }
    for (size_t k = 0; rc == 0 && k < in.np; k++)
        for (int a = 0; a < A_N; a++)
            if ((acc[k * A_N + a] =
                     run_acc_declare(r, liq_policy_name(in.pols[k]), acc_names[a], acc_kinds[a])) <
                0)
                rc = EXIT_RUN;
    if (rc == 0) {
        liq_diags d = LIQ_DIAGS_INIT;
        if (run_go(r, &d) != LIQ_OK) {
            cli_print_diags(&d);
            rc = EXIT_RUN;
        }
        liq_diags_free(&d);
    }
    if (rc == 0) {
        bool overflow;
        char *summary = run_summary_json(r, &overflow);
        if (!summary) {
            fprintf(stderr, overflow ? "liqsim: a sum of the summary overflowed\n"
                                     : "liqsim: out of memory\n");
            rc = EXIT_RUN;
        } else if (o.format == LIQ_FMT_TABLE) {
            if (print_table(summary, &g, &in))
                rc = EXIT_RUN;
        } else {
            puts(summary);
            if (summary_has_errors(summary, in.np))
                rc = EXIT_RUN;
        }
        free(summary);
    }
    run_free(r);
    free(ident);
    free(acc);
    sweep_grid_free(&g);
    wcli_inputs_free(&in);
    free(o.args);
    return rc;
}
