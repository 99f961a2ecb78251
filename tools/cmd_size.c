/*
 * cmd_size.c — `liqsim size [SCENARIO] [POLICY...] --risk 2%|AMOUNT`: per
 * venue, the largest position whose loss on the scenario's path (and its
 * stop-loss) stays within the budget, by exact search (engine/sizing.c);
 * this file reads the budget and prints the rows.
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

/* "2%" (a share of the account) or "20" (an amount): exact decimals, the
 * share above 0 and at most 100 %, the amount above 0. */
static bool parse_risk(const char *arg, size_budget *b)
{
    size_t n = strlen(arg);
    memset(b, 0, sizeof *b);
    if (n > 1 && arg[n - 1] == '%') {
        liq_dec pct;
        b->is_share = true;
        return liq_dec_parse(arg, n - 1, &pct) == LIQ_OK && liq_dec_sign(pct) > 0 &&
               liq_dec_cmp(pct, liq_dec_from_int(100)) <= 0 &&
               liq_dec_div(pct, liq_dec_from_int(100), LIQ_ROUND_HALF_EVEN, &b->share) == LIQ_OK;
    }
    return liq_dec_from_str(arg, &b->amount) == LIQ_OK && liq_dec_sign(b->amount) > 0;
}

static json_t *row_json(const char *policy, const size_row *z)
{
    const liq_result *g = z->given;
    json_t *o = json_pack("{s:s s:s s:s}", "policy", policy, "venue", g->venue ? g->venue : "",
                          "status", liq_result_status(g));
    json_object_set_new(o, "reason", g->reason ? json_string(g->reason) : json_null());
    json_object_set_new(o, "market", g->market ? json_string(g->market) : json_null());
    if (!z->answered) {
        json_object_set_new(o, "size", json_null());
        return o;
    }
    json_object_set_new(o, "settlement", json_string(g->settlement));
    json_object_set_new(o, "budget", jd(z->budget));
    json_object_set_new(o, "step", jd(z->step));
    json_object_set_new(o, "size", jd(z->size));
    bool some = liq_dec_sign(z->size) > 0;
    json_object_set_new(o, "notional", some ? jd(z->notional) : json_null());
    json_object_set_new(o, "initial_margin", some ? jd(z->margin) : json_null());
    json_object_set_new(o, "leverage", some ? jd(z->leverage) : json_null());
    json_object_set_new(o, "trader_lost", jd(z->loss));
    json_t *nx = json_object();
    json_object_set_new(nx, "size", jd(z->next_size));
    json_object_set_new(nx, "trader_lost", z->stop == SZ_BUDGET ? jd(z->next_loss) : json_null());
    json_object_set_new(nx, "stopped_by", json_string(size_stop_names[z->stop]));
    json_object_set_new(nx, "reason", z->next_reason[0] ? json_string(z->next_reason) : json_null());
    json_object_set_new(o, "next", nx);
    json_object_set_new(o, "evaluations", json_integer((json_int_t)z->evals));
    return o;
}

static const char *s_at(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "-";
}

static void print_table(json_t *rows, const liq_scenario *s, const char *risk)
{
    printf("scenario: %s — the largest position whose loss on this path stays within %s of "
           "the account, per venue\n\n",
           liq_scenario_name(s), risk);
    printf("%-26s %-11s %-5s %-12s %-14s %-14s %-12s %-12s %s\n", "policy", "status", "ccy",
           "budget", "size", "notional", "margin", "trader_lost", "one step more");
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        if (json_is_null(json_object_get(r, "size"))) {
            printf("%-26s %-11s %s\n", s_at(r, "policy"), s_at(r, "status"), s_at(r, "reason"));
            continue;
        }
        json_t *nx = json_object_get(r, "next");
        char more[400];
        const char *by = s_at(nx, "stopped_by");
        if (strcmp(by, "budget") == 0)
            snprintf(more, sizeof more, "%s loses %s", s_at(nx, "size"), s_at(nx, "trader_lost"));
        else
            snprintf(more, sizeof more, "%s: %s (%s)", s_at(nx, "size"), by, s_at(nx, "reason"));
        printf("%-26s %-11s %-5s %-12s %-14s %-14s %-12s %-12s %s\n", s_at(r, "policy"),
               s_at(r, "status"), s_at(r, "settlement"), s_at(r, "budget"), s_at(r, "size"),
               s_at(r, "notional"), s_at(r, "initial_margin"), s_at(r, "trader_lost"), more);
    }
    printf("\nsize in the scenario's units (base units, or contracts), a whole multiple of the "
           "step %s;\nthe leverage (or margin) as the scenario states it; trader_lost on the "
           "scenario's own path (and its stop-loss).\n",
           json_array_size(rows) ? s_at(json_array_get(rows, 0), "step") : "");
}

int cmd_size(int argc, char **argv)
{
    cli_opts o = {0};
    const char *risk = NULL;
    liq_dec step;
    liq_dec_from_str("0.0001", &step);
    const cli_option options[] = {
        OPT_STRING_("risk", 0, "R", &risk,
                    "the budget: a share of the account (2%) or an amount in the scenario's "
                    "collateral currency (20); required"),
        {OPT_DECIMAL, "step", 0, "S", &step, NULL,
         "the resolution: sizes are whole multiples of it (default 0.0001)", "0.000000000001",
         "1000000", NULL, NULL, 0},
        OPT_FORMAT_(&o, FMT(TABLE) | FMT(JSON) | FMT(NDJSON)),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {
        "size", "[SCENARIO] [POLICY...] --risk R [options]",
        "  Per venue, the largest position (position.size, a whole multiple of --step) whose\n"
        "  loss on the scenario's own path, and its stop-loss, stays within the budget:\n"
        "  exact search by doubling, then bisection; the leverage (or the margin) kept as\n"
        "  the scenario states it. SCENARIO defaults to 'default', POLICY to every shipped\n"
        "  policy (docs/whatif.md).\n",
        options, 0, -1, true};
    int rc = cli_parse(argc, argv, &verb, &o);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    size_budget b;
    if (!risk) {
        fprintf(stderr, "liqsim: size needs --risk: a share of the account (2%%) or an amount "
                        "(20)\n");
        free(o.args);
        return EXIT_USAGE;
    }
    if (!parse_risk(risk, &b)) {
        fprintf(stderr, "liqsim: --risk takes a share of the account above 0%% and at most "
                        "100%% (2%%) or an amount above 0 (20), got \"%s\"\n",
                risk);
        free(o.args);
        return EXIT_USAGE;
    }
    wcli_inputs in;
    if ((rc = wcli_inputs_load(&o, &in)) != 0) {
        free(o.args);
        return rc;
    }
    json_t *rows = json_array();
    bool failed = false;
    for (size_t i = 0; i < in.np && rc == 0; i++) {
        size_row z;
        liq_diags d = LIQ_DIAGS_INIT;
        const char *name = liq_policy_name(in.pols[i]);
        if (size_eval(in.pols[i], in.s, &b, step, &z, &d) != LIQ_OK) {
            cli_print_diags(&d);
            if (in.s->nlegs != 1) {
                rc = EXIT_INPUT;
            } else {
                char why[2048] = "the search failed";
                for (size_t k = 0; k < d.n; k++)
                    if (d.items[k].severity == LIQ_SEV_ERROR) {
                        cli_diag_text(&d.items[k], why, sizeof why);
                        break;
                    }
                json_array_append_new(rows, json_pack("{s:s s:s s:s s:s s:n s:n}", "policy", name,
                                                      "venue", liq_policy_venue(in.pols[i]),
                                                      "status", "error", "reason", why, "market",
                                                      "size"));
                failed = true;
            }
        } else {
            json_array_append_new(rows, row_json(name, &z));
        }
        size_row_free(&z);
        liq_diags_free(&d);
    }
    if (rc == 0 && o.format == LIQ_FMT_TABLE) {
        print_table(rows, in.s, risk);
    } else if (rc == 0 && o.format == LIQ_FMT_NDJSON) {
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r) {
            char *line = json_dumps(r, JSON_COMPACT);
            if (line)
                puts(line);
            free(line);
        }
    } else if (rc == 0) {
        rc = cli_print_json(json_incref(rows));
    }
    json_decref(rows);
    if (rc == 0 && failed)
        rc = EXIT_RUN;
    wcli_inputs_free(&in);
    free(o.args);
    return rc;
}
