/*
 * cmd_diff.c — `liqsim diff OLD NEW [--set KEY=RANGE]... [--scenario S]
 * [--out DIR]`: the money outcomes of two policies (two versions of a
 * venue's rules, or two venues) over a grid of positions, each evaluated
 * under both: the share of positions whose outcome changes, by how much
 * and for whom (the trader, the fund, ADL counterparties, socialization,
 * pool and venue, debt), the smallest position whose outcome changes
 * (written as a scenario file with --out, and checked to evaluate as it
 * did), and where the change comes from: the keys whose values differ
 * between the two policies, each with its file:line on both sides
 * (engine/schema_diff.c).
 *
 * The grid is sweep's (engine/sweep.h): ranges over the numbers of a
 * scenario file and the shock, in sweep's syntax, applied to a variant of
 * the base scenario point by point; one copy of the range rules. The base
 * is --scenario, or a position in OLD's first market: isolated, entered
 * at 50,000, gapped once (the shock) — long and short (--side). Two
 * policies that settle in different currencies are compared in the
 * reporting currency --currency names (each result's amounts at the rates
 * its reporting block uses, engine/currency.c: the loss and what covered
 * it at the event, the debt at the last mark), and refused without it
 * (exit 3): their amounts cannot be compared without a rate.
 */
#include "cli.h"
#include "calc.h"
#include "result.h"
#include "runner.h"
#include "sbuf.h"
#include "schema_diff.h"
#include "sweep.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The grid when no --set is given. */
static const char *const default_sets[] = {
    "position.notional=100,1000,10000,100000,1000000,10000000",
    "position.leverage=1,2,3,5,10,20,25,50,75,100,125",
    "shock=0.01..0.6/0.01",
    "market.liquidation_fill.slippage=0,0.01",
};

/* The base position when no --scenario is given: OLD's first market,
 * isolated (only the initial margin is at risk, whatever the account
 * holds: the account is made large enough for every point), at 50,000. */
static char *base_yaml(const liq_policy *p, const char *side)
{
    const p_root *pr = p->nmarkets ? &p->markets[0].r : &p->r;
    sbuf b = {0};
    char cs[LIQ_DEC_STRLEN];
    liq_dec_format(pr->contract.contract_size.v, cs);
    sb_add(&b, "name: diff\naccount: {collateral: \"1000000000000000\", mode: isolated}\n"
               "position:\n");
    if (p->nmarkets)
        sb_add(&b, "  market: \"%s\"\n", p->markets[0].id->symbol.v);
    sb_add(&b, "  contract: %s\n", liq_contract_names[pr->contract.type.v]);
    if (pr->contract.type.v == CT_INVERSE)
        sb_add(&b, "  contract_size: \"%s\"\n", cs);
    sb_add(&b, "  side: %s\n  notional: \"1000\"\n  entry_price: \"50000\"\n  leverage: 10\n"
               "market:\n  mark_path: [\"50000\", \"47500\"]\n"
               "  liquidation_fill: {slippage: \"0\"}\n", side);
    return sb_take(&b);
}

/* A point's scenario as a file (YAML): what the variant sets, with the
 * collateral given (NULL: the scenario's). Caller frees. */
static char *scenario_yaml(const liq_scenario *s, const liq_dec *collateral, const char *name,
                           const char *note)
{
    const s_position *p = s->legs[0].p;
    const s_market *m = &s->r.market;
    sbuf b = {0};
    char d[LIQ_DEC_STRLEN];
    sb_add(&b, "# %s\nname: %s\naccount:\n", note, name);
    sb_add(&b, "  collateral: \"%s\"\n", dstr(collateral ? *collateral : s->r.account.collateral.v, d));
    sb_add(&b, "  mode: %s\nposition:\n", liq_mode_names[s->r.account.mode.v]);
    if (p->market.v)
        sb_add(&b, "  market: \"%s\"\n", p->market.v);
    sb_add(&b, "  contract: %s\n", liq_contract_names[p->contract.v]);
    if (!d_eq(p->contract_size.v, c_int(1)))
        sb_add(&b, "  contract_size: \"%s\"\n", dstr(p->contract_size.v, d));
    sb_add(&b, "  side: %s\n", p->side.v == SIDE_LONG ? "long" : "short");
    if (p->size.set)
        sb_add(&b, "  size: \"%s\"\n", dstr(p->size.v, d));
    else
        sb_add(&b, "  notional: \"%s\"\n", dstr(p->notional.v, d));
    sb_add(&b, "  entry_price: \"%s\"\n", dstr(p->entry_price.v, d));
    if (p->leverage.set)
        sb_add(&b, "  leverage: \"%s\"\n", dstr(p->leverage.v, d));
    else if (p->margin.set)
        sb_add(&b, "  margin: \"%s\"\n", dstr(p->margin.v, d));
    if (!d_zero(p->extra_margin.v))
        sb_add(&b, "  extra_margin: \"%s\"\n", dstr(p->extra_margin.v, d));
    sb_add(&b, "market:\n  mark_path: [");
    for (size_t i = 0; i < s->npath; i++)
        sb_add(&b, "%s\"%s\"", i ? ", " : "", dstr(s->legs[0].px[i], d));
    sb_add(&b, "]\n  liquidation_fill: {slippage: \"%s\"}\n", dstr(m->liquidation_fill.slippage.v, d));
    if (m->insurance_fund.set)
        sb_add(&b, "  insurance_fund: \"%s\"\n",
               m->insurance_fund.unlimited ? "unlimited" : dstr(m->insurance_fund.v, d));
    return sb_take(&b);
}

/* What a position's outcome is, to compare under two policies. */
enum { OC_LOST, OC_FEES, OC_DEFICIT, OC_FUND_PAID, OC_FUND_RECEIVED, OC_ADL, OC_SOCIALIZED,
       OC_POOL, OC_VENUE, OC_OWED, OC_COUNT };
static const char *const oc_names[OC_COUNT] = {
    "trader_lost", "fees", "deficit", "insurance_fund_paid", "insurance_fund_received",
    "adl", "socialized", "liquidity_pool", "venue", "owed"};

typedef struct outcome {
    int status;       /* RS_*, or -1: the evaluation failed */
    liq_dec v[OC_COUNT];
    liq_dec notional, collateral;   /* the position's, in the settlement currency */
} outcome;

/* An outcome in the reporting currency, at the result's reporting
 * rates; false when the result has none (no rate is ever guessed). */
static bool in_currency(liq_result *r, const liq_scenario *s, const char *ccy, outcome *o)
{
    if (!result_report_currency(r, s, ccy) || !r->has_rep)
        return false;
    for (int q = 0; q < OC_COUNT; q++) {
        liq_dec rate = q == OC_OWED ? r->rep_rate_end : r->rep_rate;
        if (liq_dec_mul(o->v[q], rate, LIQ_ROUND_HALF_EVEN, &o->v[q]) != LIQ_OK)
            return false;
    }
    return true;
}

/* status -2: evaluated, but with no rate into the reporting currency. */
static int evaluate(liq_policy *p, const liq_scenario *s, const char *ccy, outcome *o,
                    liq_diags *d)
{
    liq_eval_opts eo = {.quiet = true};
    memset(o, 0, sizeof *o);
    liq_diags mine = LIQ_DIAGS_INIT;
    liq_result *r = liq_eval(p, s, &eo, &mine);
    if (!r) {
        /* A point the scenario file could state but the account cannot
         * open (its margin) is one the venue would refuse, as in sweep. */
        bool refused = mine.n && mine.items[0].code == LIQ_EINPUT;
        for (size_t i = 0; !refused && i < mine.n; i++)
            liq_diags_add(d, mine.items[i].severity, mine.items[i].code, mine.items[i].file,
                          mine.items[i].line, mine.items[i].col, "%s", mine.items[i].msg);
        liq_diags_free(&mine);
        o->status = refused ? RS_NOT_OFFERED : -1;
        return refused ? 0 : EXIT_RUN;
    }
    liq_diags_free(&mine);
    o->status = r->status;
    o->notional = r->notional;
    o->collateral = r->collateral;
    if (r->status == RS_OK) {
        result_trader_lost(r, &o->v[OC_LOST]);
        o->v[OC_FEES] = r->walk.fees;
        o->v[OC_DEFICIT] = r->deficit;
        o->v[OC_FUND_PAID] = r->cov[STAGE_IF];
        o->v[OC_FUND_RECEIVED] = r->if_received;
        o->v[OC_ADL] = r->cov[STAGE_ADL];
        o->v[OC_SOCIALIZED] = r->cov[STAGE_SOCIALIZED];
        o->v[OC_POOL] = r->cov[STAGE_POOL];
        o->v[OC_VENUE] = r->cov[STAGE_VENUE];
        o->v[OC_OWED] = r->owed;
        if (ccy && !in_currency(r, s, ccy, o))
            o->status = -2;
    }
    liq_result_free(r);
    return 0;
}

typedef struct party {
    size_t changed;
    liq_dec sum, lo, hi;
} party;

typedef struct keys_out {
    sbuf *tx;
    json_t *arr;
    sbuf meta;           /* the metadata keys that differ, named only */
    size_t nmeta, nrules;
    sbuf seen;           /* "\nkey\n" for every venue-wide key that differs */
    const char *market;  /* while a market's rules are compared: its symbol */
} keys_out;

/* A key that names or documents the policy rather than a rule of its
 * waterfall: listed by name, after the rules. */
static bool metadata_key(const char *key)
{
    static const char *const meta[] = {"liqsim", "extends", "name", "venue", "product", "version",
                                       "effective", "description", "sources"};
    for (size_t i = 0; i < sizeof meta / sizeof *meta; i++) {
        size_t n = strlen(meta[i]);
        if (strncmp(key, meta[i], n) == 0 && (key[n] == 0 || key[n] == '.' || key[n] == '['))
            return true;
    }
    return false;
}

static void on_key(void *ud, const char *key, const char *a, liq_mark am, const char *b,
                   liq_mark bm)
{
    keys_out *k = ud;
    bool meta = metadata_key(key);
    char mkey[300];
    if (k->market) {
        /* A market's rules are the venue's with its overrides: what the
         * venue-wide comparison said already is not said again. */
        char probe[300];
        snprintf(probe, sizeof probe, "\n%s\n", key);
        if (meta || (k->seen.s && strstr(k->seen.s, probe)))
            return;
        snprintf(mkey, sizeof mkey, "markets[%s].%s", k->market, key);
        key = mkey;
    } else {
        sb_add(&k->seen, "%s%s\n", k->seen.n ? "" : "\n", key);
    }
    char wa[300], wb[300];
    if (am.line)
        snprintf(wa, sizeof wa, "%s:%d:%d", am.file, am.line, am.col);
    else
        snprintf(wa, sizeof wa, "default");
    if (bm.line)
        snprintf(wb, sizeof wb, "%s:%d:%d", bm.file, bm.line, bm.col);
    else
        snprintf(wb, sizeof wb, "default");
    if (meta) {
        /* "sources[3].url" is listed as "sources" once. */
        char top[64];
        snprintf(top, sizeof top, "%.*s", (int)strcspn(key, ".["), key);
        if (!k->meta.s || !strstr(k->meta.s, top))
            sb_add(&k->meta, "%s%s", k->nmeta ? ", " : "", top);
        k->nmeta++;
    } else {
        sb_add(k->tx, "    %s: %s (%s) -> %s (%s)\n", key, a, wa, b, wb);
        k->nrules++;
    }
    json_array_append_new(k->arr, json_pack("{s:s s:s s:s s:s s:s s:s}", "key", key, "kind",
                                            meta ? "metadata" : "rule", "old", a, "old_at", wa,
                                            "new", b, "new_at", wb));
}

static const char *D(liq_dec v, char b[LIQ_DEC_STRLEN])
{
    liq_dec_format(v, b);
    return b;
}
#define DS(v) D((v), (char[LIQ_DEC_STRLEN]){0})

/* One side's grid: the base scenario and the sweep over it. */
typedef struct side_grid {
    liq_scenario *base;
    sweep_grid g;
    variant v;
    bool have_v;
} side_grid;

/* The summary's accumulators: the run's counts (group "diff"), then four
 * per party (group: the party's amount, e.g. "trader_lost"). */
enum { D_COMPARED, D_CHANGED, D_STATUS_CHANGED, D_NO_RATE, D_SMALLEST, D_N };
static const char *const d_names[D_N] = {"compared", "changed", "status_changed", "no_rate",
                                         "smallest_changed_notional"};
static const run_acc_kind d_kinds[D_N] = {RUN_COUNT, RUN_COUNT, RUN_COUNT, RUN_COUNT, RUN_MIN};
enum { P_CHANGED, P_TOTAL, P_MIN, P_MAX, P_N };
static const char *const p_names[P_N] = {"changed", "total", "min", "max"};
static const run_acc_kind p_kinds[P_N] = {RUN_COUNT, RUN_SUM, RUN_MIN, RUN_MAX};

/* What every thread reads; set before the run, never written in it. */
typedef struct diff_ctx {
    const char *pa, *pb, *ccy;     /* the policies' files; the reporting currency */
    const char *na, *nb;           /* their names */
    side_grid *sg;
    size_t nsides;
    int acc[D_N], pacc[OC_COUNT][P_N];
    bool lines;                    /* ndjson: a case line per changed position */
} diff_ctx;

/* A thread's own: both policies (a policy's Lua state is one thread's)
 * and a variant of each side's base. */
typedef struct diff_worker {
    const diff_ctx *x;
    liq_policy *old, *nw;
    variant v[2];
    bool have_v[2];
} diff_worker;

static void worker_free(void *ud, void *wp)
{
    (void)ud;
    diff_worker *w = wp;
    if (!w)
        return;
    for (size_t k = 0; k < 2; k++)
        if (w->have_v[k])
            variant_free(&w->v[k]);
    liq_policy_free(w->old);
    liq_policy_free(w->nw);
    free(w);
}

static void *worker_new(void *ud, unsigned index, liq_diags *d)
{
    (void)index;
    const diff_ctx *x = ud;
    diff_worker *w = calloc(1, sizeof *w);
    if (!w) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "out of memory");
        return NULL;
    }
    w->x = x;
    bool ok = (w->old = liq_policy_load(x->pa, d)) && (w->nw = liq_policy_load(x->pb, d));
    for (size_t k = 0; ok && k < x->nsides; k++)
        ok = w->have_v[k] = variant_init(&w->v[k], x->sg[k].base, d);
    if (!ok) {
        worker_free(ud, w);
        return NULL;
    }
    return w;
}

/* Case id: the side (the first side's points come first) and the point. */
static size_t side_of(const diff_ctx *x, uint64_t id, uint64_t *i)
{
    size_t k = id < x->sg[0].g.points ? 0 : 1;
    *i = k ? id - x->sg[0].g.points : id;
    return k;
}

static json_t *jdec(liq_dec v)
{
    char b[LIQ_DEC_STRLEN];
    liq_dec_format(v, b);
    return json_string(b);
}

/* The case line of a position whose outcome changes. */
static liq_status emit_point(run_out *out, const diff_ctx *x, size_t k, uint64_t i,
                             const liq_scenario *s, const outcome *a, const outcome *b)
{
    const sweep_grid *g = &x->sg[k].g;
    json_t *o = json_pack("{s:s s:[s,s] s:s}", "scenario", liq_scenario_name(x->sg[k].base),
                          "policy", x->na, x->nb, "side",
                          s->legs[0].p->side.v == SIDE_LONG ? "long" : "short");
    json_t *set = json_object(), *ch = json_object();
    for (size_t ax = 0; ax < g->nax; ax++)
        json_object_set_new(set, g->ax[ax].name, jdec(sweep_value(g, i, ax)));
    json_object_set_new(o, "set", set);
    json_object_set_new(o, "status", json_pack("[s,s]", result_status_names[a->status],
                                               result_status_names[b->status]));
    for (int q = 0; a->status == RS_OK && b->status == RS_OK && q < OC_COUNT; q++)
        if (!d_eq(a->v[q], b->v[q]))
            json_object_set_new(ch, oc_names[q], json_pack("{s:o s:o}", "old", jdec(a->v[q]),
                                                           "new", jdec(b->v[q])));
    json_object_set_new(o, "changes", ch);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!text)
        return LIQ_ENOMEM;
    run_emit(out, text, strlen(text));
    free(text);
    return LIQ_OK;
}

/* The status that stops the run after an evaluation failed: its first
 * error's. */
static liq_status first_error(const liq_diags *d)
{
    for (size_t m = 0; m < d->n; m++)
        if (d->items[m].severity == LIQ_SEV_ERROR)
            return d->items[m].code;
    return LIQ_EINVARIANT;
}

static liq_status diff_point(void *wp, const run_case *rc, run_out *out)
{
    diff_worker *w = wp;
    const diff_ctx *x = w->x;
    uint64_t i;
    size_t k = side_of(x, rc->id, &i);
    char err[600];
    liq_diags *d = run_diags(out);
    if (!sweep_apply(&x->sg[k].g, i, &w->v[k], err, sizeof err)) {
        /* Every value was tried on the base before the run: only memory
         * can fail here. */
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "position %llu: %s",
                      (unsigned long long)i, err);
        return LIQ_ENOMEM;
    }
    outcome a, b;
    if (evaluate(w->old, &w->v[k].s, x->ccy, &a, d) || evaluate(w->nw, &w->v[k].s, x->ccy, &b, d))
        return first_error(d);
    if (a.status == -2 || b.status == -2) {
        run_count(out, x->acc[D_NO_RATE], 1);
        return LIQ_OK;
    }
    if (a.status != RS_OK || b.status != RS_OK) {
        if (a.status == b.status)
            return LIQ_OK;
        run_count(out, x->acc[D_STATUS_CHANGED], 1);
        return x->lines ? emit_point(out, x, k, i, &w->v[k].s, &a, &b) : LIQ_OK;
    }
    run_count(out, x->acc[D_COMPARED], 1);
    bool diff = false;
    for (int q = 0; q < OC_COUNT; q++) {
        liq_dec dv;
        if (liq_dec_sub(b.v[q], a.v[q], &dv) != LIQ_OK || d_zero(dv))
            continue;
        diff = true;
        const int *pa = x->pacc[q];
        run_count(out, pa[P_CHANGED], 1);
        run_add(out, pa[P_TOTAL], dv);
        run_min(out, pa[P_MIN], dv, NULL);
        run_max(out, pa[P_MAX], dv, NULL);
    }
    if (!diff)
        return LIQ_OK;
    /* The smallest: by OLD's notional, the lowest case among equals. */
    run_count(out, x->acc[D_CHANGED], 1);
    run_min(out, x->acc[D_SMALLEST], a.notional, NULL);
    return x->lines ? emit_point(out, x, k, i, &w->v[k].s, &a, &b) : LIQ_OK;
}

static void write_out(void *ud, const char *text, size_t len)
{
    const diff_ctx *x = ud;
    if (x->lines)
        fwrite(text, 1, len, stdout);
}

/* The run's identity for merge: the verb, both policies, the base, the
 * sides, the currency and the grid. Caller frees. */
static char *run_identity(const diff_ctx *x)
{
    json_t *o = json_pack("{s:s s:s s:s}", "verb", "diff", "old", x->na, "new", x->nb);
    json_t *sides = json_array(), *ax = json_array();
    for (size_t k = 0; k < x->nsides; k++)
        json_array_append_new(sides, json_pack("{s:s s:I}", "scenario",
                                               liq_scenario_name(x->sg[k].base), "points",
                                               (json_int_t)x->sg[k].g.points));
    const sweep_grid *g = &x->sg[0].g;
    for (size_t a = 0; a < g->nax; a++) {
        json_t *vals = json_array();
        for (size_t v = 0; v < g->ax[a].n; v++)
            json_array_append_new(vals, jdec(g->ax[a].vals[v]));
        json_array_append_new(ax, json_pack("{s:s s:o}", "key", g->ax[a].name, "values", vals));
    }
    json_object_set_new(o, "sides", sides);
    json_object_set_new(o, "grid", ax);
    json_object_set_new(o, "currency", x->ccy ? json_string(x->ccy) : json_null());
    char *t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return t;
}

/* A sum or extreme of the run (zero when no case set it). */
static liq_dec total_of(const run *r, int acc)
{
    liq_dec v = LIQ_DEC_ZERO;
    (void)run_acc_extreme(r, acc, &v, NULL);
    return v;
}

int cmd_diff(int argc, char **argv)
{
    cli_opts co = {0};
    const char *out = NULL, *scen = NULL, *side = NULL, *shard = NULL;
    long max_points = 1000000, jobs = 0;
    cli_strings sets = {{0}, 0};
    const cli_option options[] = {
        OPT_FORMAT_(&co, FMT(TABLE) | FMT(JSON) | FMT(NDJSON)),
        {OPT_STRINGS, "set", 0, "KEY=RANGE", &sets, NULL,
         "a range over a number of the scenario, or shock, as sweep takes it: LO..HI/STEP, "
         "a,b,c or one value (repeat for more axes; default: notional, leverage, shock and "
         "slippage, docs/audit.md)",
         NULL, NULL, NULL, NULL, 0},
        OPT_STRING_("scenario", 0, "S", &scen,
                    "the base position (default: OLD's first market, isolated, at 50,000)"),
        OPT_STRING_("side", 0, "SIDE",
                    &side, "long, short or both (default: both; with --scenario, its own)"),
        {OPT_COUNT, "max-points", 0, "N", &max_points, NULL,
         "refuse a grid of more positions than this (default 1000000)", "1", "100000000", NULL,
         NULL, 0},
        OPT_STRING_("out", 'o', "DIR", &out,
                    "write the smallest changed position there as a scenario file"),
        OPT_STRING_("currency", 0, "CCY", &co.currency,
                    "compare in this currency, at each result's reporting rates (needed when "
                    "the two settle in different currencies)"),
        {OPT_COUNT, "jobs", 'j', "N", &jobs, NULL,
         "threads over the positions (default 0: one per core); the output is the same", "0",
         "256", NULL, NULL, 0},
        OPT_STRING_("shard", 0, "K/N",
                    &shard, "with --format ndjson: only the positions whose number % N == K - 1 "
                            "(liqsim merge joins the shards)"),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {
        "diff", "OLD NEW [options]",
        "  The money outcomes of two policies over a grid of positions: the share\n"
        "  that changes, by how much and for whom, the smallest changed position\n"
        "  (a scenario file), and the keys that differ between the two files.\n"
        "  --format ndjson: a line per changed position, then the summary line (liqsim\n"
        "  merge combines shards).\n",
        options, 2, 2, false};
    int rc = cli_parse(argc, argv, &verb, &co);
    side_grid sg[2];
    memset(sg, 0, sizeof sg);
    size_t nsides = 0;
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *old = NULL, *nw = NULL;
    if (rc >= 0)
        goto done;
    rc = 0;
    run_opts ro = {.jobs = (unsigned)jobs};
    if (shard && !run_shard_parse(shard, &ro.shard_k, &ro.shard_n)) {
        fprintf(stderr, "liqsim: --shard takes K/N with 1 <= K <= N <= 1000000, got \"%s\"\n",
                shard);
        rc = EXIT_USAGE;
        goto done;
    }
    if (shard && co.format != LIQ_FMT_NDJSON) {
        fprintf(stderr, "liqsim: --shard goes with --format ndjson (liqsim merge joins the "
                        "shards' lines and summaries; a report needs every position)\n");
        rc = EXIT_USAGE;
        goto done;
    }
    if (out && co.format == LIQ_FMT_NDJSON) {
        fprintf(stderr, "liqsim: --out goes with --format table or json (they write the "
                        "smallest changed position; ndjson lists every changed one)\n");
        rc = EXIT_USAGE;
        goto done;
    }
    /* A directory that cannot be written is refused before the run. */
    if (out && (rc = cli_out_dir(out)) != 0)
        goto done;
    if (sets.n > SWEEP_MAX_AXES) {
        fprintf(stderr, "liqsim: diff takes at most %d --set ranges, got %d\n", SWEEP_MAX_AXES,
                sets.n);
        rc = EXIT_USAGE;
        goto done;
    }
    const char *sides[2];
    if (!side || strcmp(side, "both") == 0) {
        sides[nsides++] = "long";
        sides[nsides++] = "short";
    } else if (strcmp(side, "long") == 0 || strcmp(side, "short") == 0) {
        sides[nsides++] = side;
    } else {
        fprintf(stderr, "liqsim: --side takes long, short or both, got %s\n", side);
        rc = EXIT_USAGE;
        goto done;
    }
    if (scen && !side)
        nsides = 1;   /* the scenario's own side */
    char pa[1024], pb[1024], ps[1024];
    if ((rc = cli_find_policy(co.args[0], pa, sizeof pa)) != 0 ||
        (rc = cli_find_policy(co.args[1], pb, sizeof pb)) != 0 ||
        (scen && (rc = cli_find_scenario(scen, ps, sizeof ps)) != 0))
        goto done;
    old = liq_policy_load(pa, &d);
    nw = old ? liq_policy_load(pb, &d) : NULL;
    for (size_t k = 0; nw && k < nsides; k++) {
        if (scen) {
            sg[k].base = liq_scenario_load(ps, &d);
            if (sg[k].base && side) {
                s_position *sp = (s_position *)sg[k].base->legs[0].p;
                sp->side.v = strcmp(sides[k], "long") == 0 ? SIDE_LONG : SIDE_SHORT;
            }
        } else {
            char *y = base_yaml(old, sides[k]);
            sg[k].base = y ? liq_scenario_parse("diff", y, strlen(y), &d) : NULL;
            free(y);
        }
        if (!sg[k].base)
            break;
    }
    if (!nw || !sg[nsides - 1].base) {
        rc = cli_print_diags(&d);
        rc = cli_out_of_memory(&d) ? EXIT_RUN : EXIT_INPUT;
        goto done;
    }
    const p_root *ra = old->nmarkets ? &old->markets[0].r : &old->r;
    const p_root *rb = nw->nmarkets ? &nw->markets[0].r : &nw->r;
    if (!co.currency && (ra->contract.type.v != rb->contract.type.v ||
                         strcmp(ra->contract.settlement.v, rb->contract.settlement.v) != 0)) {
        fprintf(stderr,
                "liqsim: diff: %s settles in %s (%s) and %s in %s (%s): their amounts cannot be "
                "compared without a rate; give --currency USD to compare them in one currency\n",
                liq_policy_name(old), ra->contract.settlement.v, liq_contract_names[ra->contract.type.v],
                liq_policy_name(nw), rb->contract.settlement.v, liq_contract_names[rb->contract.type.v]);
        rc = EXIT_INPUT;
        goto done;
    }
    /* The grid, for each side: sweep's ranges, each checked against the
     * base scenario's bounds, the count against --max-points first. */
    /* The --set ranges, over the scenario's own (ranges:) when it has
     * some, else the default grid. */
    bool file_ranges = sg[0].base->r.ranges.n > 0;
    const char *const *use = sets.n ? (const char *const *)sets.v : file_ranges ? NULL
                                                                             : default_sets;
    size_t nsets = sets.n ? (size_t)sets.n
                          : file_ranges ? 0 : sizeof default_sets / sizeof *default_sets;
    uint64_t points = 0;
    for (size_t k = 0; rc == 0 && k < nsides; k++) {
        char err[2048];
        bool too_many = false;
        liq_mark at;
        if (!sweep_grid_build(&sg[k].g, sg[k].base, use, nsets, (uint64_t)max_points, err,
                              sizeof err, &too_many, &at)) {
            if (at.line)
                fprintf(stderr, "%s:%d:%d: %s\n", at.file, at.line, at.col, err);
            else
                fprintf(stderr, "liqsim: %s\n", err);
            rc = at.line && !too_many ? EXIT_INPUT : EXIT_USAGE;
        }
        if (rc == 0 && k == 1 && sg[0].g.points + sg[1].g.points > (uint64_t)max_points) {
            fprintf(stderr, "liqsim: the grid has %llu positions (%llu for each side), more than "
                            "--max-points %ld\n",
                    (unsigned long long)(sg[0].g.points + sg[1].g.points),
                    (unsigned long long)sg[0].g.points, max_points);
            rc = EXIT_USAGE;
        }
        if (rc == 0) {
            points += sg[k].g.points;
            if (!(sg[k].have_v = variant_init(&sg[k].v, sg[k].base, &d))) {
                rc = cli_print_diags(&d);
                rc = rc ? rc : EXIT_RUN;
            }
        }
    }
    if (rc)
        goto done;
    /* Every position under both policies, on the case runner. */
    diff_ctx x = {pa, pb, co.currency, liq_policy_name(old), liq_policy_name(nw), sg, nsides,
                  {0}, {{0}}, co.format == LIQ_FMT_NDJSON};
    char *ident = run_identity(&x);
    run_spec spec = {.ncases = points, .worker_new = worker_new, .worker_free = worker_free,
                     .run_case = diff_point, .write = write_out, .on_diag = cli_diag_print, .ud = &x,
                     .run_json = ident};
    run *r = ident ? run_new(&spec, &ro) : NULL;
    bool declared = r != NULL;
    for (int a = 0; declared && a < D_N; a++)
        declared = (x.acc[a] = run_acc_declare(r, "diff", d_names[a], d_kinds[a])) >= 0;
    for (int q = 0; declared && q < OC_COUNT; q++)
        for (int a = 0; declared && a < P_N; a++)
            declared = (x.pacc[q][a] = run_acc_declare(r, oc_names[q], p_names[a], p_kinds[a])) >= 0;
    if (!declared) {
        fprintf(stderr, "liqsim: out of memory\n");
        rc = EXIT_RUN;
    } else if (run_go(r, &d) != LIQ_OK) {
        cli_print_diags(&d);
        rc = EXIT_RUN;
    }
    free(ident);
    if (rc == 0 && x.lines) {
        bool overflow;
        char *summary = run_summary_json(r, &overflow);
        if (!summary) {
            fprintf(stderr, overflow ? "liqsim: a sum of the summary overflowed\n"
                                     : "liqsim: out of memory\n");
            rc = EXIT_RUN;
        } else {
            puts(summary);
            free(summary);
        }
    }
    if (rc || x.lines) {
        run_free(r);
        goto done;
    }
    party pt[OC_COUNT];
    for (int q = 0; q < OC_COUNT; q++)
        pt[q] = (party){(size_t)run_acc_total(r, x.pacc[q][P_CHANGED]),
                        total_of(r, x.pacc[q][P_TOTAL]), total_of(r, x.pacc[q][P_MIN]),
                        total_of(r, x.pacc[q][P_MAX])};
    size_t compared = (size_t)run_acc_total(r, x.acc[D_COMPARED]),
           changed = (size_t)run_acc_total(r, x.acc[D_CHANGED]),
           status_changed = (size_t)run_acc_total(r, x.acc[D_STATUS_CHANGED]),
           no_rate = (size_t)run_acc_total(r, x.acc[D_NO_RATE]);
    liq_dec small_notional;
    uint64_t small_id = 0, small_i = 0;
    bool have_smallest = run_acc_extreme(r, x.acc[D_SMALLEST], &small_notional, &small_id);
    run_free(r);
    size_t small_side = have_smallest ? side_of(&x, small_id, &small_i) : 0;
    outcome so = {0}, sn = {0};
    if (have_smallest) {
        /* The smallest changed position evaluated again here, to be
         * written: the same position, the same outcomes. */
        char err[600];
        side_grid *k = &sg[small_side];
        if (!sweep_apply(&k->g, small_i, &k->v, err, sizeof err) ||
            evaluate(old, &k->v.s, co.currency, &so, &d) != 0 ||
            evaluate(nw, &k->v.s, co.currency, &sn, &d) != 0) {
            cli_print_diags(&d);
            fprintf(stderr, "liqsim: position %llu: %s\n", (unsigned long long)small_i,
                    "could not be evaluated again");
            rc = EXIT_RUN;
            goto done;
        }
    }
    sbuf tx = {0};
    json_t *jo = json_object(), *jaxes = json_array();
    const char *na = liq_policy_name(old), *nb = liq_policy_name(nw);
    sb_add(&tx, "diff %s -> %s: %llu positions (", na, nb, (unsigned long long)points);
    for (size_t a = 0; a < sg[0].g.nax; a++) {
        sb_add(&tx, "%s%s %zu", a ? " x " : "", sg[0].g.ax[a].name, sg[0].g.ax[a].n);
        json_array_append_new(jaxes, json_pack("{s:s s:I}", "key", sg[0].g.ax[a].name, "values",
                                               (json_int_t)sg[0].g.ax[a].n));
    }
    sb_add(&tx, " x side %zu", nsides);
    liq_dec share = LIQ_DEC_ZERO;
    if (compared)
        liq_dec_div(liq_dec_from_int((int64_t)changed * 100), liq_dec_from_int((int64_t)compared),
                    LIQ_ROUND_HALF_EVEN, &share);
    liq_dec_quantize(share, (liq_dec){(liq_i128)100000000}, LIQ_ROUND_HALF_EVEN, &share);
    sb_add(&tx, ")\n  outcome changed: %zu of %zu evaluated under both (%s %%)", changed, compared,
           DS(share));
    sb_add(&tx, "; evaluated under one only (not listed or offered under the other): %zu\n",
           status_changed);
    if (co.currency)
        sb_add(&tx, "  amounts in %s, each result's at its reporting rates (docs/output.md, "
                    "reporting)\n", co.currency);
    if (no_rate)
        sb_add(&tx, "  left out, no rate into %s: %zu\n", co.currency, no_rate);
    json_object_set_new(jo, "old", json_string(na));
    json_object_set_new(jo, "new", json_string(nb));
    json_object_set_new(jo, "grid", jaxes);
    json_object_set_new(jo, "sides", json_integer((json_int_t)nsides));
    json_object_set_new(jo, "positions", json_integer((json_int_t)points));
    json_object_set_new(jo, "compared", json_integer((json_int_t)compared));
    json_object_set_new(jo, "changed", json_integer((json_int_t)changed));
    json_object_set_new(jo, "changed_percent", json_string(DS(share)));
    json_object_set_new(jo, "status_changed", json_integer((json_int_t)status_changed));
    json_object_set_new(jo, "currency", co.currency ? json_string(co.currency) : json_null());
    json_object_set_new(jo, "no_rate", json_integer((json_int_t)no_rate));
    json_t *jp = json_object();
    sb_add(&tx, "  by party (new - old):\n");
    for (int q = 0; q < OC_COUNT; q++) {
        if (!pt[q].changed)
            continue;
        sb_add(&tx, "    %-24s changed in %zu, total %s, from %s to %s\n", oc_names[q],
               pt[q].changed, DS(pt[q].sum), DS(pt[q].lo), DS(pt[q].hi));
        json_object_set_new(jp, oc_names[q],
                            json_pack("{s:I s:s s:s s:s}", "changed", (json_int_t)pt[q].changed,
                                      "total", DS(pt[q].sum), "min", DS(pt[q].lo), "max",
                                      DS(pt[q].hi)));
    }
    json_object_set_new(jo, "by_party", jp);
    if (have_smallest) {
        side_grid *k = &sg[small_side];
        /* The built-in base's account is made large for every point;
         * the file states the margin at risk instead (same loss). */
        char *yaml = scenario_yaml(&k->v.s, scen ? NULL : &so.collateral, "diff-smallest",
                                   "the smallest position whose outcome changes (liqsim diff)");
        const s_position *sp = k->v.s.legs[0].p;
        sb_add(&tx, "  smallest changed position: %s, notional %s, entry %s, at %sx, marks to %s:\n",
               sp->side.v == SIDE_LONG ? "long" : "short", DS(so.notional), DS(sp->entry_price.v),
               DS(so.notional.raw && d_pos(so.collateral) ? c_div(&(calc){LIQ_OK, NULL},
                                                                 so.notional, so.collateral)
                                                          : LIQ_DEC_ZERO),
               DS(k->v.s.legs[0].px[k->v.s.npath - 1]));
        json_t *js = json_object();
        for (int q = 0; q < OC_COUNT; q++)
            if (!d_eq(so.v[q], sn.v[q])) {
                sb_add(&tx, "    %s: %s -> %s\n", oc_names[q], DS(so.v[q]), DS(sn.v[q]));
                json_object_set_new(js, oc_names[q], json_pack("{s:s s:s}", "old", DS(so.v[q]),
                                                               "new", DS(sn.v[q])));
            }
        json_t *jsm = json_pack("{s:s s:o}", "scenario", yaml ? yaml : "", "changes", js);
        if (out && yaml) {
            char path[1200];
            snprintf(path, sizeof path, "%s/diff-smallest.yaml", out);
            FILE *fo = fopen(path, "w");
            bool ok = fo && fputs(yaml, fo) >= 0;
            if (fo && fclose(fo) != 0)
                ok = false;
            if (!ok) {
                fprintf(stderr, "liqsim: --out %s: cannot write %s (%s)\n", out, path,
                        strerror(errno));
                rc = EXIT_INPUT;
            } else {
                /* Loaded back, it must evaluate as the point did. */
                liq_diags fd = LIQ_DIAGS_INIT;
                liq_scenario *fs = liq_scenario_load(path, &fd);
                outcome fa, fb;
                bool same = fs && evaluate(old, fs, co.currency, &fa, &fd) == 0 &&
                            evaluate(nw, fs, co.currency, &fb, &fd) == 0 &&
                            !memcmp(fa.v, so.v, sizeof fa.v) && !memcmp(fb.v, sn.v, sizeof fb.v);
                liq_scenario_free(fs);
                liq_diags_free(&fd);
                sb_add(&tx, "    written: %s (%s)\n", path,
                       same ? "eval reproduces it" : "WARNING: eval of the file differs");
                json_object_set_new(jsm, "file", json_string(path));
                json_object_set_new(jsm, "reproduces", json_boolean(same));
            }
        } else if (yaml) {
            for (const char *l = yaml; *l;) {
                const char *nl = strchr(l, '\n');
                size_t len = nl ? (size_t)(nl - l) : strlen(l);
                sb_add(&tx, "      %.*s\n", (int)len, l);
                l += len + (nl ? 1 : 0);
            }
        }
        json_object_set_new(jo, "smallest_changed", jsm);
        free(yaml);
    }
    sb_add(&tx, "  where the change comes from (keys that differ):\n");
    keys_out ko = {&tx, json_array(), {0}, 0, 0, {0}, NULL};
    schema_diff(&liq_policy_schema, &old->r, &nw->r, NULL, on_key, &ko);
    /* Each market both list (by symbol): its overrides. */
    for (size_t i = 0; i < old->nmarkets; i++)
        for (size_t j = 0; j < nw->nmarkets; j++)
            if (strcmp(old->markets[i].id->symbol.v, nw->markets[j].id->symbol.v) == 0) {
                ko.market = old->markets[i].id->symbol.v;
                schema_diff(&liq_policy_schema, &old->markets[i].r, &nw->markets[j].r, NULL,
                            on_key, &ko);
            }
    ko.market = NULL;
    free(sb_take(&ko.seen));
    if (!ko.nrules)
        sb_add(&tx, "    none: the two files set the same rules\n");
    if (ko.nmeta) {
        char *m = sb_take(&ko.meta);
        sb_add(&tx, "    and %zu key%s naming or documenting the policy: %s\n", ko.nmeta,
               ko.nmeta == 1 ? "" : "s", m ? m : "");
        free(m);
    }
    json_object_set_new(jo, "keys", ko.arr);
    char *text = sb_take(&tx);
    if (rc == 0) {
        if (co.format == LIQ_FMT_JSON)
            rc = cli_print_json(jo);
        else {
            json_decref(jo);
            fputs(text ? text : "", stdout);
        }
    } else {
        json_decref(jo);
    }
    free(text);
done:
    for (size_t k = 0; k < 2; k++) {
        if (sg[k].have_v)
            variant_free(&sg[k].v);
        sweep_grid_free(&sg[k].g);
        liq_scenario_free(sg[k].base);
    }
    liq_policy_free(old);
    liq_policy_free(nw);
    liq_diags_free(&d);
    free(co.args);
    return rc;
}
