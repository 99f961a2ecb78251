/*
 * cmd_worst.c — `liqsim worst [SCENARIO] [POLICY...]`: per venue, the
 * largest loss and debt the scenario's position can end with, the
 * clause of the policy that bounds it (file:line), and the gap path that
 * reaches it (engine/worst.c finds them; this file prints them).
 *
 * Every venue is searched on its own: one that fails gives an "error"
 * row and exit 1, the others still print (as compare). A file that does
 * not load: exit 3, nothing on stdout.
 */
#include "whatif_cli.h"
#include "whatif.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *jd(liq_dec v)
{
    char b[LIQ_DEC_STRLEN];
    liq_dec_format(v, b);
    return json_string(b);
}

static json_t *clause_json(const worst_clause *c)
{
    char at[1200];
    wcli_mark_text(c->m, at, sizeof at);
    return json_pack("{s:s s:s s:s}", "key", c->key, "at", at, "says", c->says);
}

/* What the bound means, in the user's terms. */
static const char *kind_words(const worst_row *w, const liq_result *g)
{
    bool lng = g->side == 0;
    switch (w->kind) {
    case WK_PROTECTION:
        return "negative-balance protection: the trader never owes, so the loss is at most "
               "the collateral";
    case WK_PRICE_FLOOR:
        return lng ? "no protection: a long loses at most about its notional (the price "
                     "cannot fall below zero), plus fees"
                   : "no protection: an inverse short loses at most its coin value at entry "
                     "(the price rising without limit), plus fees";
    default:
        return lng ? "no protection: an inverse long's loss in coin has no limit as the price "
                     "falls (each contract is worth 1/price)"
                   : "no protection: a short's loss has no limit as the price rises";
    }
}

static json_t *row_json(const char *policy, const worst_row *w, liq_dec slip)
{
    const liq_result *g = w->given;
    json_t *o = json_pack("{s:s s:s s:s}", "policy", policy, "venue", g->venue ? g->venue : "",
                          "status", liq_result_status(g));
    json_object_set_new(o, "reason", g->reason ? json_string(g->reason) : json_null());
    json_object_set_new(o, "market", g->market ? json_string(g->market) : json_null());
    if (!w->answered) {
        json_object_set_new(o, "worst", json_null());
        return o;
    }
    json_object_set_new(o, "settlement", json_string(g->settlement));
    json_object_set_new(o, "side", json_string(g->side == 0 ? "long" : "short"));
    json_object_set_new(o, "contract", json_string(liq_contract_names[g->contract]));
    json_object_set_new(o, "collateral", jd(g->collateral));
    json_object_set_new(o, "notional", jd(g->notional));
    json_object_set_new(o, "liquidation_price", g->has_lp ? jd(g->liquidation_price) : json_null());
    json_object_set_new(o, "bankruptcy_price", g->has_bp ? jd(g->bankruptcy_price) : json_null());
    json_t *wo = json_object();
    json_object_set_new(wo, "bounded", json_boolean(w->bounded));
    json_object_set_new(wo, "kind", json_string(worst_kind_names[w->kind]));
    json_object_set_new(wo, "says", json_string(kind_words(w, g)));
    json_object_set_new(wo, "loss", w->bounded ? jd(w->loss) : json_null());
    json_object_set_new(wo, "debt", w->bounded ? jd(w->debt) : json_null());
    json_object_set_new(wo, "attained", json_boolean(w->bounded && w->attained));
    json_t *path = json_pack("{s:[o,o] s:o}", "mark_path", jd(g->entry_price), jd(w->mark),
                             "slippage", jd(slip));
    json_object_set_new(wo, "path", path);
    if (w->bounded) {
        json_object_set_new(wo, "resolution", jd(w->resolution));
    } else {
        json_t *pr = json_array();
        for (int k = 0; k < 2; k++)
            json_array_append_new(pr, json_pack("{s:o s:o}", "mark", jd(w->probe_mark[k]),
                                                "loss", jd(w->probe_loss[k])));
        json_object_set_new(wo, "probes", pr);
    }
    json_object_set_new(o, "worst", wo);
    json_object_set_new(o, "clauses", json_pack("[o,o,o]", clause_json(&w->bound),
                                                clause_json(&w->fee), clause_json(&w->cover)));
    json_object_set_new(o, "evaluations", json_integer((json_int_t)w->evals));
    return o;
}

static json_t *error_row(const char *policy, const liq_policy *p, const liq_diags *d)
{
    char why[2048] = "the search failed";
    for (size_t i = 0; i < d->n; i++)
        if (d->items[i].severity == LIQ_SEV_ERROR) {
            cli_diag_text(&d->items[i], why, sizeof why);
            break;
        }
    json_t *o = json_pack("{s:s s:s s:s s:s s:n s:n}", "policy", policy, "venue",
                          liq_policy_venue(p), "status", "error", "reason", why, "market",
                          "worst");
    return o;
}

/* The table: one line per venue, then each venue's clauses. */
static void print_table(json_t *rows, const liq_scenario *s)
{
    printf("scenario: %s — the worst the position can end with, per venue (gap paths from "
           "the entry)\n\n",
           liq_scenario_name(s));
    printf("%-26s %-11s %-5s %-14s %-14s %s\n", "policy", "status", "ccy", "worst_loss",
           "worst_debt", "bounded by / reached on");
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        const char *st = json_string_value(json_object_get(r, "status"));
        json_t *w = json_object_get(r, "worst");
        if (!json_is_object(w)) {
            const char *why = json_string_value(json_object_get(r, "reason"));
            printf("%-26s %-11s %s\n", json_string_value(json_object_get(r, "policy")), st,
                   why ? why : "");
            continue;
        }
        bool bounded = json_is_true(json_object_get(w, "bounded"));
        json_t *cl = json_array_get(json_object_get(r, "clauses"), 0);
        json_t *mp = json_object_get(json_object_get(w, "path"), "mark_path");
        char loss[64], debt[64];
        snprintf(loss, sizeof loss, "%s%s", bounded && !json_is_true(json_object_get(w, "attained")) ? "~" : "",
                 bounded ? json_string_value(json_object_get(w, "loss")) : "unbounded");
        snprintf(debt, sizeof debt, "%s", bounded ? json_string_value(json_object_get(w, "debt"))
                                                  : "unbounded");
        printf("%-26s %-11s %-5s %-14s %-14s %s (%s); gap %s -> %s\n",
               json_string_value(json_object_get(r, "policy")), st,
               json_string_value(json_object_get(r, "settlement")), loss, debt,
               json_string_value(json_object_get(w, "kind")),
               json_string_value(json_object_get(cl, "at")),
               json_string_value(json_array_get(mp, 0)), json_string_value(json_array_get(mp, 1)));
    }
    printf("\nworst_loss = the largest trader_lost on any gap path (collateral lost + owed); "
           "~ = approached as the mark goes to the price's floor;\nworst_debt = the largest "
           "debt.owed. The clauses that decide it:\n");
    json_array_foreach(rows, i, r) {
        json_t *w = json_object_get(r, "worst");
        if (!json_is_object(w))
            continue;
        printf("  %s: %s\n", json_string_value(json_object_get(r, "policy")),
               json_string_value(json_object_get(w, "says")));
        size_t k;
        json_t *c;
        json_array_foreach(json_object_get(r, "clauses"), k, c)
            printf("    %-28s %s  %s\n", json_string_value(json_object_get(c, "key")),
                   json_string_value(json_object_get(c, "says")),
                   json_string_value(json_object_get(c, "at")));
        json_t *pr = json_object_get(w, "probes");
        size_t j;
        json_t *q;
        json_array_foreach(pr, j, q)
            printf("    at a mark of %s the loss is %s\n",
                   json_string_value(json_object_get(q, "mark")),
                   json_string_value(json_object_get(q, "loss")));
    }
}

int cmd_worst(int argc, char **argv)
{
    cli_opts o = {0};
    const cli_option options[] = {
        OPT_FORMAT_(&o, FMT(TABLE) | FMT(JSON) | FMT(NDJSON)),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {
        "worst", "[SCENARIO] [POLICY...] [options]",
        "  Per venue, the largest loss and debt the scenario's position can end with: its\n"
        "  position on gap paths from the entry to the price's floor (a long) or to 10^6 x\n"
        "  the entry (a short), with the scenario's slippage; the clause of the policy that\n"
        "  bounds it (negative-balance protection, or the contract without it) by\n"
        "  file:line; the least adverse gap that reaches it, to the price tick. SCENARIO\n"
        "  defaults to 'default', POLICY to every shipped policy (docs/whatif.md).\n",
        options, 0, -1, true};
    int rc = cli_parse(argc, argv, &verb, &o);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    wcli_inputs in;
    if ((rc = wcli_inputs_load(&o, &in)) != 0) {
        free(o.args);
        return rc;
    }
    json_t *rows = json_array();
    bool failed = false;
    for (size_t i = 0; i < in.np; i++) {
        worst_row w;
        liq_diags d = LIQ_DIAGS_INIT;
        const char *name = liq_policy_name(in.pols[i]);
        if (worst_eval(in.pols[i], in.s, &w, &d) != LIQ_OK) {
            if (d.n && d.items[0].code == LIQ_EINPUT && in.s->nlegs != 1) {
                /* A scenario the verb cannot take: invalid input, for every venue alike. */
                cli_print_diags(&d);
                liq_diags_free(&d);
                worst_row_free(&w);
                json_decref(rows);
                wcli_inputs_free(&in);
                free(o.args);
                return EXIT_INPUT;
            }
            cli_print_diags(&d);
            json_array_append_new(rows, error_row(name, in.pols[i], &d));
            failed = true;
        } else {
            json_array_append_new(rows, row_json(name, &w,
                                                 in.s->r.market.liquidation_fill.slippage.v));
        }
        worst_row_free(&w);
        liq_diags_free(&d);
    }
    if (o.format == LIQ_FMT_TABLE) {
        print_table(rows, in.s);
        json_decref(rows);
    } else if (o.format == LIQ_FMT_NDJSON) {
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r) {
            char *line = json_dumps(r, JSON_COMPACT);
            if (line)
                puts(line);
            free(line);
        }
        json_decref(rows);
    } else {
        rc = cli_print_json(rows);
    }
    if (rc == 0 && failed)
        rc = EXIT_RUN;
    wcli_inputs_free(&in);
    free(o.args);
    return rc;
}
