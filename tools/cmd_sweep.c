/*
 * cmd_sweep.c — `liqsim sweep [SCENARIO] [POLICY...] --set KEY=RANGE...`:
 * the scenario over a grid of its numbers (engine/sweep.c) under every
 * policy: every point streamed as one NDJSON line, then a summary per
 * venue (where the trader starts to owe, where the fund runs dry, the
 * largest loss), or the summaries alone as a table.
 *
 * Everything that can be refused is refused before the first line: the
 * ranges (empty, not numeric, out of bounds), the grid's size against
 * --max-points (the count in the message), the files. A point the venue
 * does not list or would not open is a row that says why (not_listed,
 * not_offered); a point whose evaluation fails is an "error" row and the
 * exit code is 1, the other points still printed.
 */
#include "sweep.h"
#include "whatif_cli.h"

#include "result.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *jd(liq_dec v)
{
    char b[LIQ_DEC_STRLEN];
    liq_dec_format(v, b);
    return json_string(b);
}

/* One venue's tally over the grid. */
typedef struct tally {
    uint64_t status[RS_COUNT];
    uint64_t owes, dry;
    bool has_owes, has_dry, has_max;
    uint64_t first_owes, first_dry, max_at;
    liq_dec first_owed, max_lost;
} tally;

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

static void point_line(const sweep_grid *g, uint64_t i, const char *policy, const liq_result *r,
                       const char *reason, int status)
{
    json_t *o = json_pack("{s:s s:I}", "type", "point", "point", (json_int_t)i);
    json_object_set_new(o, "set", set_json(g, i));
    json_object_set_new(o, "policy", json_string(policy));
    json_object_set_new(o, "status", json_string(result_status_names[status]));
    json_object_set_new(o, "reason", reason ? json_string(reason) : json_null());
    bool ok = status == RS_OK;
    liq_dec lost = LIQ_DEC_ZERO;
    bool has_lost = ok && result_trader_lost(r, &lost) == LIQ_OK;
    json_object_set_new(o, "liquidated", ok ? json_boolean(r->liquidated) : json_null());
    json_object_set_new(o, "trader_lost", has_lost ? jd(lost) : json_null());
    json_object_set_new(o, "owed", ok ? jd(r->owed) : json_null());
    json_object_set_new(o, "final_balance", ok ? jd(r->final_balance) : json_null());
    json_object_set_new(o, "deficit", ok ? jd(r->deficit) : json_null());
    json_object_set_new(o, "fund_paid", ok ? jd(r->cov[STAGE_IF]) : json_null());
    json_object_set_new(o, "fund_after", !ok           ? json_null()
                                         : r->if_finite ? jd(r->if_after)
                                                        : json_string("unlimited"));
    json_object_set_new(o, "fund_dry", ok ? json_boolean(fund_dry(r)) : json_null());
    char *line = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (line)
        puts(line);
    free(line);
}

static void count(tally *t, uint64_t i, const liq_result *r, int status)
{
    t->status[status]++;
    if (status != RS_OK)
        return;
    if (liq_dec_sign(r->owed) > 0) {
        if (!t->has_owes) {
            t->has_owes = true;
            t->first_owes = i;
            t->first_owed = r->owed;
        }
        t->owes++;
    }
    if (fund_dry(r)) {
        if (!t->has_dry) {
            t->has_dry = true;
            t->first_dry = i;
        }
        t->dry++;
    }
    liq_dec lost;
    if (result_trader_lost(r, &lost) == LIQ_OK && (!t->has_max || liq_dec_cmp(lost, t->max_lost) > 0)) {
        t->has_max = true;
        t->max_lost = lost;
        t->max_at = i;
    }
}

static json_t *summary_json(const sweep_grid *g, const char *policy, const tally *t)
{
    json_t *o = json_pack("{s:s s:s s:I}", "type", "summary", "policy", policy, "points",
                          (json_int_t)g->points);
    for (int s = 0; s < RS_COUNT; s++)
        json_object_set_new(o, result_status_names[s], json_integer((json_int_t)t->status[s]));
    json_t *ow = json_pack("{s:I}", "points", (json_int_t)t->owes);
    json_object_set_new(ow, "first", t->has_owes ? json_pack("{s:I s:o s:o}", "point",
                                                             (json_int_t)t->first_owes, "set",
                                                             set_json(g, t->first_owes), "owed",
                                                             jd(t->first_owed))
                                                 : json_null());
    json_object_set_new(o, "trader_owes", ow);
    json_t *dr = json_pack("{s:I}", "points", (json_int_t)t->dry);
    json_object_set_new(dr, "first", t->has_dry ? json_pack("{s:I s:o}", "point",
                                                            (json_int_t)t->first_dry, "set",
                                                            set_json(g, t->first_dry))
                                                : json_null());
    json_object_set_new(o, "fund_dry", dr);
    json_object_set_new(o, "max_trader_lost",
                        t->has_max ? json_pack("{s:o s:I s:o}", "value", jd(t->max_lost), "point",
                                               (json_int_t)t->max_at, "set", set_json(g, t->max_at))
                                   : json_null());
    return o;
}

static void summary_row(const sweep_grid *g, const char *policy, const tally *t)
{
    char owes[400] = "never", dry[400] = "never", mx[460] = "-", at[360];
    if (t->has_owes) {
        set_text(g, t->first_owes, at, sizeof at);
        snprintf(owes, sizeof owes, "%llu, first at %s", (unsigned long long)t->owes, at);
    }
    if (t->has_dry) {
        set_text(g, t->first_dry, at, sizeof at);
        snprintf(dry, sizeof dry, "%llu, first at %s", (unsigned long long)t->dry, at);
    }
    if (t->has_max) {
        char b[LIQ_DEC_STRLEN];
        set_text(g, t->max_at, at, sizeof at);
        snprintf(mx, sizeof mx, "%s at %s", dstr(t->max_lost, b), at);
    }
    printf("%-26s %-8llu %-8llu %-11llu %-32s %-32s %s\n", policy,
           (unsigned long long)t->status[RS_OK],
           (unsigned long long)(t->status[RS_NOT_LISTED] + t->status[RS_NOT_OFFERED]),
           (unsigned long long)t->status[RS_ERROR], owes, dry, mx);
}

int cmd_sweep(int argc, char **argv)
{
    cli_opts o = {0};
    long max_points = 1000000;
    cli_strings sets = {{0}, 0};
    const cli_option options[] = {
        {OPT_STRINGS, "set", 0, "KEY=RANGE", &sets, NULL,
         "a range over a number of the scenario file, or shock: LO..HI/STEP, a,b,c or one "
         "value (repeat for more axes; docs/whatif.md)",
         NULL, NULL, NULL, NULL, 0},
        {OPT_COUNT, "max-points", 0, "N", &max_points, NULL,
         "refuse a grid of more points than this (default 1000000)", "1", "100000000", NULL,
         NULL, 0},
        OPT_FORMAT_(&o, FMT(TABLE) | FMT(NDJSON)),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {
        "sweep", "[SCENARIO] [POLICY...] --set KEY=RANGE... [options]",
        "  The scenario over a grid of its numbers (the first --set slowest, the last fastest)\n"
        "  under every policy: ndjson, every point as one line, then one summary line per\n"
        "  venue; table, the summaries (where the trader starts to owe, where the fund runs\n"
        "  dry, the largest loss). SCENARIO defaults to 'default', POLICY to every shipped\n"
        "  policy (docs/whatif.md).\n",
        options, 0, -1, false};
    int rc = cli_parse(argc, argv, &verb, &o);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    if (!o.format_set)
        o.format = LIQ_FMT_NDJSON;
    int nsets = sets.n;
    if (nsets == 0) {
        fprintf(stderr, "liqsim: sweep needs at least one --set KEY=RANGE "
                        "(position.leverage=5..50/5)\n");
        free(o.args);
        return EXIT_USAGE;
    }
    if (nsets > SWEEP_MAX_AXES) {
        fprintf(stderr, "liqsim: sweep takes at most %d --set ranges, got %d\n", SWEEP_MAX_AXES,
                nsets);
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
    for (int k = 0; rc == 0 && k < nsets; k++) {
        char err[2048];
        bool too_many;
        if (!sweep_axis_add(&g, sets.v[k], in.s, (uint64_t)max_points, err, sizeof err, &too_many)) {
            fprintf(stderr, "liqsim: %s\n", err);
            rc = EXIT_USAGE;
        }
    }
    if (rc != 0) {
        sweep_grid_free(&g);
        wcli_inputs_free(&in);
        free(o.args);
        return rc;
    }
    tally *ts = calloc(in.np, sizeof *ts);
    variant v;
    liq_diags vd = LIQ_DIAGS_INIT;
    if (!ts || !variant_init(&v, in.s, &vd)) {
        fprintf(stderr, "liqsim: out of memory\n");
        free(ts);
        liq_diags_free(&vd);
        sweep_grid_free(&g);
        wcli_inputs_free(&in);
        free(o.args);
        return EXIT_RUN;
    }
    bool failed = false;
    liq_eval_opts eo = {.quiet = true};
    for (uint64_t i = 0; i < g.points && rc == 0; i++) {
        char err[600];
        if (!sweep_apply(&g, i, &v, err, sizeof err)) {
            fprintf(stderr, "liqsim: point %llu: %s\n", (unsigned long long)i, err);
            rc = EXIT_RUN;
            break;
        }
        for (size_t k = 0; k < in.np; k++) {
            liq_diags d = LIQ_DIAGS_INIT;
            liq_result *r = liq_eval(in.pols[k], &v.s, &eo, &d);
            int status = r ? r->status : RS_ERROR;
            char why[2048] = "";
            if (!r && d.n) {
                /* A point the scenario file could state but the account
                 * cannot open (its margin): the venue would refuse it. */
                cli_diag_text(&d.items[0], why, sizeof why);
                status = d.items[0].code == LIQ_EINPUT ? RS_NOT_OFFERED : RS_ERROR;
            }
            if (status == RS_ERROR)
                failed = true;
            if (o.format == LIQ_FMT_NDJSON)
                point_line(&g, i, liq_policy_name(in.pols[k]), r,
                           r ? r->reason : why[0] ? why : NULL, status);
            count(&ts[k], i, r, status);
            liq_result_free(r);
            liq_diags_free(&d);
        }
    }
    if (rc == 0 && o.format == LIQ_FMT_TABLE) {
        char dims[600] = "";
        size_t used = 0;
        for (size_t a = 0; a < g.nax && used < sizeof dims; a++)
            used += (size_t)snprintf(dims + used, sizeof dims - used, "%s%s (%zu)", a ? " x " : "",
                                     g.ax[a].name, g.ax[a].n);
        printf("scenario: %s over %llu points: %s\n\n", liq_scenario_name(in.s),
               (unsigned long long)g.points, dims);
        printf("%-26s %-8s %-8s %-11s %-32s %-32s %s\n", "policy", "ok", "refused", "error",
               "trader owes (points)", "fund runs dry (points)", "largest trader_lost");
        for (size_t k = 0; k < in.np; k++)
            summary_row(&g, liq_policy_name(in.pols[k]), &ts[k]);
        printf("\nrefused = not_listed + not_offered; --format ndjson for every point.\n");
    } else if (rc == 0) {
        for (size_t k = 0; k < in.np; k++) {
            json_t *sj = summary_json(&g, liq_policy_name(in.pols[k]), &ts[k]);
            char *line = json_dumps(sj, JSON_COMPACT);
            json_decref(sj);
            if (line)
                puts(line);
            free(line);
        }
    }
    if (rc == 0 && failed)
        rc = EXIT_RUN;
    variant_free(&v);
    liq_diags_free(&vd);
    free(ts);
    sweep_grid_free(&g);
    wcli_inputs_free(&in);
    free(o.args);
    return rc;
}
