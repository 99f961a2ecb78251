/*
 * result_json.c — the contract's JSON result (CONTRACT.md), with jansson.
 *
 * Decimal amounts are JSON strings holding exact decimals, as venues'
 * APIs do. Keys come out in a fixed order (jansson keeps insertion
 * order), so the same input gives byte-identical output.
 */
#include "jout.h"
#include "mem.h"
#include "pricecol.h"
#include "result.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *jdec(liq_dec v)
{
    char b[LIQ_DEC_STRLEN];
    liq_dec_format(v, b);
    return json_string(b);
}

static json_t *jopt(bool has, liq_dec v)
{
    return has ? jdec(v) : json_null();
}

static json_t *jstr_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* Every amount of a row that is not "ok" is null (CONTRACT.md, Rows):
 * the keys stay, so a reader finds the same shape in every row, but no
 * number that was never evaluated can be read as an answer. */
/* liquidation.limit's order: its limit price, whether the market would
 * have filled beyond it, and what the venue did then. */
static json_t *liquidation_order(liq_dec limit, bool refused, bool deleveraged)
{
    return json_pack("{s:o s:b s:o}", "limit_price", jdec(limit), "refused", refused, "next",
                     deleveraged ? json_string("deleveraged")
                     : refused   ? json_string("retried")
                                 : json_null());
}

static json_t *result_obj(const liq_result *r)
{
    jout jb = {false}, *b = &jb;
    json_t *o = json_object();
    static const char *const side[] = {"long", "short"};
    const bool ok = r->status == RS_OK;
#define NUM(v) (ok ? jdec(v) : json_null())
#define OPT(has, v) (ok ? jopt((has), (v)) : json_null())
    jout_set(b, o, "policy", json_string(r->policy));
    jout_set(b, o, "venue", json_string(r->venue));
    jout_set(b, o, "scenario", json_string(r->scenario));
    jout_set(b, o, "status", json_string(liq_result_status(r)));
    jout_set(b, o, "reason", jstr_or_null(r->reason));
    jout_set(b, o, "market", jstr_or_null(r->market));
    jout_set(b, o, "product", jstr_or_null(r->product));
    jout_set(b, o, "settlement", jstr_or_null(r->settlement));
    jout_set(b, o, "contract", ok ? json_string(liq_contract_names[r->contract]) : json_null());
    jout_set(b, o, "mode", ok ? json_string(liq_mode_names[r->mode]) : json_null());
    jout_set(b, o, "side", ok ? json_string(side[r->side]) : json_null());
    jout_set(b, o, "size", NUM(r->size));
    jout_set(b, o, "entry_price", NUM(r->entry_price));
    jout_set(b, o, "leverage", NUM(r->leverage));
    jout_set(b, o, "notional", NUM(r->notional));
    jout_set(b, o, "initial_margin", NUM(r->initial_margin));
    jout_set(b, o, "maintenance_margin", NUM(r->maintenance_margin));
    /* An account of several positions has its prices per position. */
    bool one = r->nlegs == 0;
    jout_set(b, o, "liquidation_price", OPT(one && r->has_lp, r->liquidation_price));
    jout_set(b, o, "bankruptcy_price", OPT(one && r->has_bp, r->bankruptcy_price));
    jout_set(b, o, "liquidated", ok ? json_boolean(r->liquidated) : json_null());
    jout_set(b, o, "trigger_price", OPT(one && r->liquidated, r->trigger_price));
    bool filled = r->liquidated && !r->never_filled;
    jout_set(b, o, "fill_price", OPT(one && filled, r->fill_price));
    jout_set(b, o, "close_price", OPT(one && filled, r->close_price));
    if (ok && r->has_limit)
        jout_set(b, o, "liquidation_order",
                 liquidation_order(r->limit_price, r->limit_refused, r->deleveraged));
    if (ok && r->price_cols)
        jout_set(b, o, "price_columns",
                 json_pack("{s:s s:s}", "trigger", pcol_names[r->col_trigger], "fill",
                           pcol_names[r->col_fill]));
    jout_set(b, o, "loss", ok ? json_pack("{s:o s:o s:o s:o}", "unforced", jdec(r->unforced),
                                                  "forced", jdec(r->forced), "fees", jdec(r->fees),
                                                  "total", jdec(r->total))
                                      : json_null());
    if (ok && r->has_funding)
        jout_set(b, o, "funding_paid", jdec(r->funding_paid));
    if (ok && r->has_coll_px)
        jout_set(b, o, "collateral_revalued", jdec(r->collateral_revalued));
    if (ok && r->has_interest)
        jout_set(b, o, "interest_paid", jdec(r->interest_paid));
    if (ok && r->ncassets) {
        json_t *list = json_array();
        for (size_t i = 0; i < r->ncassets; i++) {
            const liq_casset_row *c = &r->cassets[i];
            json_t *a = json_object();
            jout_set(b, a, "asset", json_string(c->asset));
            jout_set(b, a, "amount", jdec(c->amount));
            jout_set(b, a, "price", jdec(c->price));
            jout_set(b, a, "value", jdec(c->value));
            jout_set(b, a, "counted", jdec(c->counted));
            jout_push(b, list, a);
        }
        jout_set(b, o, "collateral_assets", list);
        jout_set(b, o, "collateral_haircut", jdec(r->collateral_haircut));
    }
    jout_set(b, o, "collateral", NUM(r->collateral));
    jout_set(b, o, "deficit", NUM(r->deficit));
    json_t *cov = json_null();
    if (ok) {
        cov = json_object();
        jout_set(b, cov, "insurance_fund", jdec(r->cov[STAGE_IF]));
        jout_set(b, cov, "adl", jdec(r->cov[STAGE_ADL]));
        jout_set(b, cov, "socialized", jdec(r->cov[STAGE_SOCIALIZED]));
        jout_set(b, cov, "liquidity_pool", jdec(r->cov[STAGE_POOL]));
        jout_set(b, cov, "venue", jdec(r->cov[STAGE_VENUE]));
        jout_set(b, cov, "trader_debt", jdec(r->cov[STAGE_DEBT]));
    }
    jout_set(b, o, "covered_by", cov);
    json_t *acts = json_array();
    for (size_t i = 0; i < r->nactions; i++) {
        const liq_action *a = &r->actions[i];
        json_t *ao = json_pack("{s:s}", "type", a->type);
        /* An action is dated where the venue publishes its deadline; where
         * it does not, the result says so rather than guess one. */
        if (a->deadline_hours >= 0)
            jout_set(b, ao, "deadline_hours", json_integer(a->deadline_hours));
        else
            jout_set(b, ao, "when", json_string("unknown"));
        if (a->every_hours >= 0)
            jout_set(b, ao, "every_hours", json_integer(a->every_hours));
        if (a->has_amount)
            jout_set(b, ao, "amount", jdec(a->amount));
        if (a->note[0])
            jout_set(b, ao, "note", json_string(a->note));
        jout_push(b, acts, ao);
    }
    jout_set(b, o, "debt", json_pack("{s:o s:o}", "owed", NUM(r->owed), "actions", acts));
    jout_set(b, o, "final_balance", NUM(r->final_balance));
    liq_dec lost;
    jout_set(b, o, "trader_lost",
                        ok && result_trader_lost(r, &lost) == LIQ_OK ? jdec(lost) : json_null());
    if (ok && r->rep_currency[0]) {
        /* The account's amounts in the reporting currency, with the rate
         * and where it came from; null amounts with the reason when there
         * is no rate (an exchange rate is never guessed). */
        json_t *rep = json_object();
        jout_set(b, rep, "currency", json_string(r->rep_currency));
        jout_set(b, rep, "rate", r->has_rep ? jdec(r->rep_rate) : json_null());
        jout_set(b, rep, "rate_source", json_string(r->rep_source ? r->rep_source : ""));
        bool has_lost = result_trader_lost(r, &lost) == LIQ_OK;
        struct { const char *k; liq_dec v; bool has; liq_dec rate; } amt[] = {
            {"collateral", r->collateral, true, r->rep_rate_entry},
            {"loss_total", r->total, true, r->rep_rate},
            {"deficit", r->deficit, true, r->rep_rate},
            {"trader_lost", lost, has_lost, r->rep_rate},
            {"final_balance", r->final_balance, true, r->rep_rate_end},
            {"owed", r->owed, true, r->rep_rate_end},
        };
        for (size_t i = 0; i < sizeof amt / sizeof *amt; i++) {
            liq_dec x;
            bool okx = r->has_rep && amt[i].has &&
                       liq_dec_mul(amt[i].v, amt[i].rate, LIQ_ROUND_HALF_EVEN, &x) == LIQ_OK;
            jout_set(b, rep, amt[i].k, okx ? jdec(x) : json_null());
        }
        jout_set(b, o, "reporting", rep);
    } else {
        jout_set(b, o, "reporting", json_null());
    }
    jout_set(b, o, "open_size", NUM(r->open_size));
    jout_set(b, o, "unrealized_pnl", NUM(r->unrealized_pnl));
    json_t *fund = json_null();
    if (ok) {
        fund = json_object();
        jout_set(b, fund, "balance_before", r->if_finite ? jdec(r->if_before) : json_string("unlimited"));
        jout_set(b, fund, "received", jdec(r->if_received));
        jout_set(b, fund, "paid", jdec(r->if_paid));
        jout_set(b, fund, "balance_after", r->if_finite ? jdec(r->if_after) : json_string("unlimited"));
    }
    jout_set(b, o, "insurance_fund", fund);
    /* Only a scenario with a stop-loss has the key: other rows keep
     * their shape byte for byte. */
    json_t *stop = result_stop_json(r);
    if (stop)
        jout_set(b, o, "stop_loss", stop);
#undef NUM
#undef OPT
    json_t *ev = json_array();
    for (size_t i = 0; i < r->nevents; i++) {
        const liq_event *e = &r->events[i];
        json_t *eo = json_pack("{s:s}", "type", e->type);
        if (e->step >= 0)
            jout_set(b, eo, "step", json_integer(e->step));
        for (size_t k = 0; k < e->nkv; k++)
            jout_set(b, eo, e->kv[k].key,
                                e->kv[k].str ? json_string(e->kv[k].str) : jdec(e->kv[k].dec));
        jout_push(b, ev, eo);
    }
    jout_set(b, o, "events", ev);
    if (r->nlegs) {
        /* An account of several positions: each with its own prices and
         * loss split (CONTRACT.md, Accounts). */
        json_t *legs = json_array();
        for (size_t i = 0; i < r->nlegs; i++) {
            const liq_leg *g = &r->legs[i];
            json_t *lo = json_object();
            jout_set(b, lo, "market", json_string(g->market));
            jout_set(b, lo, "side", json_string(side[g->side]));
            jout_set(b, lo, "size", jdec(g->size));
            jout_set(b, lo, "entry_price", jdec(g->entry_price));
            jout_set(b, lo, "leverage", jdec(g->leverage));
            jout_set(b, lo, "initial_margin", jdec(g->initial_margin));
            jout_set(b, lo, "maintenance_margin", jdec(g->maintenance_margin));
            jout_set(b, lo, "liquidation_price", jopt(g->has_lp, g->liquidation_price));
            jout_set(b, lo, "bankruptcy_price", jopt(g->has_bp, g->bankruptcy_price));
            jout_set(b, lo, "liquidated", json_boolean(g->liquidated));
            jout_set(b, lo, "trigger_price", jopt(g->liquidated, g->trigger_price));
            bool gfilled = g->liquidated && !g->never_filled;
            jout_set(b, lo, "fill_price", jopt(gfilled, g->fill_price));
            jout_set(b, lo, "close_price", jopt(gfilled, g->close_price));
            if (g->has_limit)
                jout_set(b, lo, "liquidation_order",
                         liquidation_order(g->limit_price, g->limit_refused, g->deleveraged));
            jout_set(b, lo, "loss", json_pack("{s:o s:o s:o}", "unforced",
                                                      jdec(g->unforced), "forced", jdec(g->forced),
                                                      "fees", jdec(g->fees)));
            jout_set(b, lo, "open_size", jdec(g->open_size));
            jout_set(b, lo, "unrealized_pnl", jdec(g->unrealized_pnl));
            jout_push(b, legs, lo);
        }
        jout_set(b, o, "positions", legs);
    }
    json_t *w = json_array();
    for (size_t i = 0; i < r->nwarnings; i++)
        jout_push(b, w, json_string(r->warnings[i]));
    jout_set(b, o, "warnings", w);
    if (r->explain) {
        json_t *tr = json_array();
        for (size_t i = 0; i < r->ntrace; i++) {
            const liq_trace *t = &r->trace[i];
            json_t *to = json_pack("{s:s s:s s:s}", "step", t->step, "value", t->value, "rule", t->rule);
            if (t->source[0])
                jout_set(b, to, "source", json_string(t->source));
            if (t->note[0])
                jout_set(b, to, "note", json_string(t->note));
            if (t->nrefs) {
                json_t *refs = json_array();
                for (size_t k = 0; k < t->nrefs; k++)
                    jout_push(b, refs, json_pack("{s:s s:s s:s}", "id", t->refs[k].id, "url",
                                                 t->refs[k].url, "date", t->refs[k].date));
                jout_set(b, to, "sources", refs);
            }
            jout_push(b, tr, to);
        }
        jout_set(b, o, "trace", tr);
    }
    if (jb.failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *result_render_json(liq_result *const *rs, size_t n, int shape)
{
    if (shape == RJ_NDJSON) {
        /* One line per row, compact: a reader can take rows as they come. */
        char *out = NULL;
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
            json_t *o = result_obj(rs[i]);
            char *line = jout_dump(o, JSON_COMPACT);
            json_decref(o);
            size_t ll = line ? strlen(line) : 0;
            char *g = line ? mem_realloc(out, len + ll + 2) : NULL;
            if (!g) {
                free(line);
                free(out);
                return NULL;
            }
            out = g;
            memcpy(out + len, line, ll);
            out[len + ll] = '\n';
            len += ll + 1;
            out[len] = 0;
            free(line);
        }
        return out ? out : mem_strdup("");
    }
    json_t *root;
    jout b = {false};
    if (shape == RJ_ARRAY) {
        root = json_array();
        for (size_t i = 0; i < n; i++)
            jout_push(&b, root, result_obj(rs[i]));
    } else {
        root = n ? result_obj(rs[0]) : json_object();
    }
    char *s = b.failed ? NULL : jout_dump(root, JSON_INDENT(2));
    json_decref(root);
    if (!s)
        return NULL;
    /* Append a newline: the CLI prints the string as a file. */
    size_t len = strlen(s);
    char *out = mem_realloc(s, len + 2);
    if (!out) {
        free(s);
        return NULL;
    }
    out[len] = '\n';
    out[len + 1] = 0;
    return out;
}
