/*
 * cmd_diff.c — `liqsim diff OLD NEW [--grid SPEC] [--out DIR]`: the money
 * outcomes of two policies (two versions of a venue's rules, or two
 * venues) over a grid of positions, each evaluated under both: the share
 * of positions whose outcome changes, by how much and for whom (the
 * trader, the fund, ADL counterparties, socialization, pool and venue,
 * debt), the smallest position whose outcome changes (written as a
 * scenario file with --out), and where the change comes from: the keys
 * whose values differ between the two policies, each with its file:line
 * on both sides (engine/schema_diff.c).
 *
 * The grid's positions are audit cases (engine/audit.h) with one mark:
 * OLD's first market (NEW must list it), isolated margin, collateral the
 * initial margin. Two policies that settle in different currencies are
 * compared in the reporting currency --currency names (each result's
 * amounts at the rates its reporting block uses, engine/currency.c: the
 * loss and what covered it at the event, the debt at the last mark), and
 * refused without it (exit 3): their amounts cannot be compared without
 * a rate.
 */
#include "cli.h"
#include "audit.h"
#include "calc.h"
#include "sbuf.h"
#include "schema_diff.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DIFF_MAX_AXIS 1000
#define DIFF_MAX_POINTS 1000000

/* One axis of the grid: its values ascending. */
typedef struct axis {
    const char *name;
    liq_dec v[DIFF_MAX_AXIS];
    size_t n;
} axis;

enum { AX_SIDE, AX_LEVERAGE, AX_NOTIONAL, AX_SHOCK, AX_SLIPPAGE, AX_ENTRY, AX_COUNT };
static const char *const axis_names[AX_COUNT] = {"side", "leverage", "notional", "shock",
                                                 "slippage", "entry"};
static const char *const default_grid =
    "side=long,short;leverage=1,2,3,5,10,20,25,50,75,100,125;"
    "notional=100,1000,10000,100000,1000000,10000000;shock=0.01:0.6:0.01;slippage=0,0.01;"
    "entry=50000";

static int cmp_dec(const void *a, const void *b)
{
    return liq_dec_cmp(*(const liq_dec *)a, *(const liq_dec *)b);
}

/* "name=a,b,c" or "name=lo:hi:step" per axis, ';'-separated; axes left
 * out keep their defaults. 0 or EXIT_USAGE (said on stderr). */
static int parse_grid(const char *spec, axis ax[AX_COUNT])
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(tok, '=');
        int a = -1;
        for (int i = 0; eq && i < AX_COUNT; i++)
            if (strlen(axis_names[i]) == (size_t)(eq - tok) && strncmp(tok, axis_names[i], (size_t)(eq - tok)) == 0)
                a = i;
        if (a < 0) {
            fprintf(stderr, "liqsim: --grid: \"%s\": expected AXIS=VALUES, AXIS one of side, "
                            "leverage, notional, shock, slippage, entry\n", tok);
            return EXIT_USAGE;
        }
        axis *x = &ax[a];
        x->n = 0;
        const char *vals = eq + 1;
        if (a == AX_SIDE) {
            if (strstr(vals, "long"))
                x->v[x->n++] = liq_dec_from_int(0);
            if (strstr(vals, "short"))
                x->v[x->n++] = liq_dec_from_int(1);
        } else if (strchr(vals, ':')) {
            char lo[64] = "", hi[64] = "", st[64] = "";
            liq_dec l, h, s;
            if (sscanf(vals, "%63[^:]:%63[^:]:%63s", lo, hi, st) != 3 ||
                liq_dec_from_str(lo, &l) || liq_dec_from_str(hi, &h) || liq_dec_from_str(st, &s) ||
                liq_dec_sign(s) <= 0) {
                fprintf(stderr, "liqsim: --grid: %s=%s: expected LOW:HIGH:STEP, three decimals "
                                "and a step above 0\n", axis_names[a], vals);
                return EXIT_USAGE;
            }
            for (liq_dec v = l; liq_dec_cmp(v, h) <= 0; liq_dec_add(v, s, &v)) {
                if (x->n == DIFF_MAX_AXIS) {
                    fprintf(stderr, "liqsim: --grid: %s has more than %d values\n",
                            axis_names[a], DIFF_MAX_AXIS);
                    return EXIT_USAGE;
                }
                x->v[x->n++] = v;
            }
        } else {
            char vb[4096];
            snprintf(vb, sizeof vb, "%s", vals);
            for (char *s2 = NULL, *t = strtok_r(vb, ",", &s2); t; t = strtok_r(NULL, ",", &s2)) {
                liq_dec v;
                if (liq_dec_from_str(t, &v) != LIQ_OK || liq_dec_sign(v) < 0 ||
                    x->n == DIFF_MAX_AXIS) {
                    fprintf(stderr, "liqsim: --grid: %s: \"%s\" is not a decimal >= 0 (or too many "
                                    "values, at most %d)\n", axis_names[a], t, DIFF_MAX_AXIS);
                    return EXIT_USAGE;
                }
                x->v[x->n++] = v;
            }
        }
        if (x->n == 0) {
            fprintf(stderr, "liqsim: --grid: %s is empty\n", axis_names[a]);
            return EXIT_USAGE;
        }
        qsort(x->v, x->n, sizeof *x->v, cmp_dec);
    }
    return 0;
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
    liq_result *r = liq_eval(p, s, &eo, d);
    if (!r) {
        o->status = -1;
        return EXIT_RUN;
    }
    o->status = r->status;
    if (r->status == RS_OK) {
        result_trader_lost(r, &o->v[OC_LOST]);
        o->v[OC_FEES] = r->fees;
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

int cmd_diff(int argc, char **argv)
{
    cli_opts co = {0};
    const char *grid = NULL, *out = NULL;
    const cli_option options[] = {
        OPT_FORMAT_(&co, FMT(TABLE) | FMT(JSON)),
        OPT_STRING_("grid", 0, "SPEC",
                    &grid, "the positions: AXIS=a,b,c or AXIS=lo:hi:step, ';'-separated; axes "
                           "side, leverage, notional, shock, slippage, entry (docs/audit.md)"),
        OPT_STRING_("out", 'o', "DIR", &out,
                    "write the smallest changed position there as a scenario file"),
        OPT_STRING_("currency", 0, "CCY", &co.currency,
                    "compare in this currency, at each result's reporting rates (needed when "
                    "the two settle in different currencies)"),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {
        "diff", "OLD NEW [options]",
        "  The money outcomes of two policies over a grid of positions: the share\n"
        "  that changes, by how much and for whom, the smallest changed position\n"
        "  (a scenario file), and the keys that differ between the two files.\n",
        options, 2, 2, false};
    int rc = cli_parse(argc, argv, &verb, &co);
    if (rc >= 0)
        goto done;
    static axis ax[AX_COUNT];
    for (int i = 0; i < AX_COUNT; i++)
        ax[i].n = 0;
    if ((rc = parse_grid(default_grid, ax)) != 0 || (grid && (rc = parse_grid(grid, ax)) != 0))
        goto done;
    size_t points = 1;
    for (int i = 0; i < AX_COUNT; i++)
        points *= ax[i].n;
    if (points > DIFF_MAX_POINTS) {
        fprintf(stderr, "liqsim: --grid: %zu positions, more than the limit of %d\n", points,
                DIFF_MAX_POINTS);
        rc = EXIT_USAGE;
        goto done;
    }
    char pa[1024], pb[1024];
    if ((rc = cli_find_policy(co.args[0], pa, sizeof pa)) != 0 ||
        (rc = cli_find_policy(co.args[1], pb, sizeof pb)) != 0)
        goto done;
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *old = liq_policy_load(pa, &d), *nw = old ? liq_policy_load(pb, &d) : NULL;
    audit_ctx *c = nw ? audit_ctx_new(old) : NULL;
    if (!c) {
        rc = cli_print_diags(&d);
        rc = cli_out_of_memory(&d) || (old && nw) ? EXIT_RUN : EXIT_INPUT;
        goto free_all;
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
        goto free_all;
    }
    party pt[OC_COUNT];
    memset(pt, 0, sizeof pt);
    size_t compared = 0, changed = 0, status_changed = 0, no_rate = 0;
    bool have_smallest = false;
    audit_case smallest;
    liq_dec smallest_notional = LIQ_DEC_ZERO;
    outcome so = {0}, sn = {0};
    /* Notional outermost, so the first change met is the smallest position. */
    for (size_t in = 0; in < ax[AX_NOTIONAL].n && rc == 0; in++)
        for (size_t il = 0; il < ax[AX_LEVERAGE].n && rc == 0; il++)
            for (size_t is = 0; is < ax[AX_SHOCK].n && rc == 0; is++)
                for (size_t ip = 0; ip < ax[AX_SLIPPAGE].n && rc == 0; ip++)
                    for (size_t ie = 0; ie < ax[AX_ENTRY].n && rc == 0; ie++)
                        for (size_t id = 0; id < ax[AX_SIDE].n && rc == 0; id++) {
                            audit_case k;
                            memset(&k, 0, sizeof k);
                            calc cc = {LIQ_OK, NULL};
                            k.side = d_zero(ax[AX_SIDE].v[id]) ? SIDE_LONG : SIDE_SHORT;
                            k.mode = MODE_ISOLATED;
                            k.entry = ax[AX_ENTRY].v[ie];
                            k.leverage = ax[AX_LEVERAGE].v[il];
                            k.size = audit_case_size(c, &k, ax[AX_NOTIONAL].v[in]);
                            liq_dec f = ax[AX_SHOCK].v[is];
                            liq_dec one = c_int(1);
                            k.marks[0] = c_mul(&cc, k.entry, k.side == SIDE_LONG ? c_sub(&cc, one, f)
                                                                                 : c_add(&cc, one, f));
                            k.nmarks = 1;
                            k.slippage = ax[AX_SLIPPAGE].v[ip];
                            if (!d_pos(k.marks[0]) || !d_pos(k.entry) || d_lt(k.leverage, one))
                                continue;
                            liq_scenario *s = audit_case_apply(c, &k);
                            outcome a, b;
                            if ((rc = evaluate(old, s, co.currency, &a, &d)) ||
                                (rc = evaluate(nw, s, co.currency, &b, &d)))
                                break;
                            if (a.status == -2 || b.status == -2) {
                                no_rate++;
                                continue;
                            }
                            if (a.status != RS_OK || b.status != RS_OK) {
                                status_changed += a.status != b.status;
                                continue;
                            }
                            compared++;
                            bool diff = false;
                            for (int q = 0; q < OC_COUNT; q++) {
                                liq_dec dv;
                                if (liq_dec_sub(b.v[q], a.v[q], &dv) != LIQ_OK || d_zero(dv))
                                    continue;
                                diff = true;
                                party *y = &pt[q];
                                if (!y->changed || d_lt(dv, y->lo))
                                    y->lo = dv;
                                if (!y->changed || d_gt(dv, y->hi))
                                    y->hi = dv;
                                y->changed++;
                                liq_dec_add(y->sum, dv, &y->sum);
                            }
                            if (diff) {
                                changed++;
                                if (!have_smallest) {
                                    have_smallest = true;
                                    smallest = k;
                                    smallest_notional = ax[AX_NOTIONAL].v[in];
                                    so = a;
                                    sn = b;
                                }
                            }
                        }
    if (rc) {
        cli_print_diags(&d);
        goto free_all;
    }
    sbuf tx = {0};
    json_t *jo = json_object();
    const char *na = liq_policy_name(old), *nb = liq_policy_name(nw);
    sb_add(&tx, "diff %s -> %s: %zu positions (", na, nb, points);
    for (int i = 0; i < AX_COUNT; i++)
        sb_add(&tx, "%s%s %zu", i ? " x " : "", axis_names[i], ax[i].n);
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
                    "reporting)%s\n", co.currency, no_rate ? "" : "");
    if (no_rate)
        sb_add(&tx, "  left out, no rate into %s: %zu\n", co.currency, no_rate);
    json_object_set_new(jo, "old", json_string(na));
    json_object_set_new(jo, "new", json_string(nb));
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
        char *yaml = audit_case_yaml(c, &smallest, "diff-smallest",
                                     "the smallest position whose outcome changes (liqsim diff)");
        sb_add(&tx, "  smallest changed position: %s, notional about %s at %sx, entry %s, mark %s, "
                    "slippage %s:\n", smallest.side == SIDE_LONG ? "long" : "short",
               DS(smallest_notional), DS(smallest.leverage), DS(smallest.entry),
               DS(smallest.marks[0]), DS(smallest.slippage));
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
            mkdir(out, 0777);
            FILE *fo = fopen(path, "w");
            bool ok = fo && fputs(yaml, fo) >= 0;
            if (fo && fclose(fo) != 0)
                ok = false;
            if (!ok) {
                fprintf(stderr, "liqsim: --out %s: cannot write %s (%s)\n", out, path,
                        strerror(errno));
                rc = EXIT_INPUT;
            } else {
                sb_add(&tx, "    written: %s\n", path);
                json_object_set_new(jsm, "file", json_string(path));
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
free_all:
    audit_ctx_free(c);
    liq_policy_free(old);
    liq_policy_free(nw);
    liq_diags_free(&d);
done:
    free(co.args);
    return rc;
}
