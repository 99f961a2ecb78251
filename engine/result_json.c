/*
 * result_json.c — the contract's JSON result (CONTRACT.md): the one
 * writer of a result's members, for every view that prints it as JSON
 * (eval's indented object, compare's array, NDJSON rows, batch's case
 * lines, which append it straight to their output: result_json_append).
 *
 * Decimal amounts are JSON strings holding exact decimals, as venues'
 * APIs do. Keys come out in a fixed order, so the same input gives
 * byte-identical output. The text is written directly (jwrite.c), in the
 * bytes jansson wrote when each row was first built as a tree.
 */
#include "jwrite.h"
#include "mem.h"
#include "pricecol.h"
#include "result.h"

#include <stdlib.h>
#include <string.h>

/* A string member, or null for none or "" (a reason, a market). */
static void str_or_null(jwrite *w, const char *key, const char *s)
{
    if (s && *s)
        jw_string(w, key, s);
    else
        jw_null(w, key);
}

static void opt(jwrite *w, const char *key, bool has, liq_dec v)
{
    if (has)
        jw_dec(w, key, v);
    else
        jw_null(w, key);
}

/* liquidation.limit's order: its limit price, whether the market would
 * have filled beyond it, and what the venue did then. */
static void liquidation_order(jwrite *w, liq_dec limit, bool refused, bool deleveraged)
{
    jw_object(w, "liquidation_order");
    jw_dec(w, "limit_price", limit);
    jw_bool(w, "refused", refused);
    if (deleveraged || refused)
        jw_string(w, "next", deleveraged ? "deleveraged" : "retried");
    else
        jw_null(w, "next");
    jw_end_object(w);
}

/* An event: its type and step, then its numbers. An event names each
 * key once, but as a JSON object it is a set: a key again (or a key
 * "type" or "step") replaces the value where the key first came, as
 * jansson's json_object_set_new did when the rows were built as trees. */
static void event(jwrite *w, const liq_event *e)
{
    enum { MAXK = LIQ_EVENT_KVS + 2 };
    const char *keys[MAXK];
    const liq_kv *val[MAXK];   /* NULL: type or step */
    size_t n = 0;
    keys[n] = "type";
    val[n++] = NULL;
    if (e->step >= 0) {
        keys[n] = "step";
        val[n++] = NULL;
    }
    for (size_t k = 0; k < e->nkv; k++) {
        size_t j = 0;
        while (j < n && keys[j] != e->kv[k].key &&
               (keys[j][0] != e->kv[k].key[0] || strcmp(keys[j], e->kv[k].key) != 0))
            j++;
        keys[j] = e->kv[k].key;
        val[j] = &e->kv[k];
        n += j == n;
    }
    jw_object(w, NULL);
    for (size_t j = 0; j < n; j++) {
        const liq_kv *kv = val[j];
        if (!kv && strcmp(keys[j], "type") == 0)
            jw_string(w, "type", e->type);
        else if (!kv)
            jw_int(w, "step", e->step);
        else if (kv->str)
            jw_string(w, keys[j], kv->str);
        else
            jw_dec(w, keys[j], kv->dec);
    }
    jw_end_object(w);
}

/* Every amount of a row that is not "ok" is null (CONTRACT.md, Rows):
 * the keys stay, so a reader finds the same shape in every row, but no
 * number that was never evaluated can be read as an answer. */
static void result_write(jwrite *w, const liq_result *r)
{
    static const char *const side[] = {"long", "short"};
    const bool ok = r->status == RS_OK;
#define NUM(k, v) (ok ? jw_dec(w, (k), (v)) : jw_null(w, (k)))
#define OPT(k, has, v) (ok ? opt(w, (k), (has), (v)) : jw_null(w, (k)))
    jw_object(w, NULL);
    jw_string(w, "policy", r->policy);
    jw_string(w, "venue", r->venue);
    jw_string(w, "scenario", r->scenario);
    jw_string(w, "status", liq_result_status(r));
    str_or_null(w, "reason", r->reason);
    str_or_null(w, "market", r->market);
    str_or_null(w, "product", r->product);
    str_or_null(w, "settlement", r->settlement);
    if (ok) {
        jw_string(w, "contract", liq_contract_names[r->contract]);
        jw_string(w, "mode", liq_mode_names[r->mode]);
        jw_string(w, "side", side[r->side]);
    } else {
        jw_null(w, "contract");
        jw_null(w, "mode");
        jw_null(w, "side");
    }
    NUM("size", r->size);
    NUM("entry_price", r->entry_price);
    NUM("leverage", r->leverage);
    NUM("notional", r->notional);
    NUM("initial_margin", r->initial_margin);
    NUM("maintenance_margin", r->maintenance_margin);
    /* An account of several positions has its prices per position. */
    bool one = r->nlegs == 0;
    OPT("liquidation_price", one && r->has_lp, r->liquidation_price);
    OPT("bankruptcy_price", one && r->has_bp, r->bankruptcy_price);
    if (ok)
        jw_bool(w, "liquidated", r->walk.liquidated);
    else
        jw_null(w, "liquidated");
    OPT("trigger_price", one && r->walk.liquidated, r->walk.trigger);
    bool filled = r->walk.liquidated && !r->never_filled;
    OPT("fill_price", one && filled, r->walk.fill);
    OPT("close_price", one && filled, r->walk.close);
    if (ok && r->walk.has_limit)
        liquidation_order(w, r->walk.limit, r->walk.refused, r->walk.deleveraged);
    if (ok && r->price_cols) {
        jw_object(w, "price_columns");
        jw_string(w, "trigger", pcol_names[r->col_trigger]);
        jw_string(w, "fill", pcol_names[r->col_fill]);
        jw_end_object(w);
    }
    if (ok) {
        jw_object(w, "loss");
        jw_dec(w, "unforced", r->walk.unforced);
        jw_dec(w, "forced", r->walk.forced);
        jw_dec(w, "fees", r->walk.fees);
        jw_dec(w, "total", r->total);
        jw_end_object(w);
    } else {
        jw_null(w, "loss");
    }
    if (ok && r->has_funding)
        jw_dec(w, "funding_paid", r->walk.funding);
    if (ok && r->has_coll_px)
        jw_dec(w, "collateral_revalued", r->walk.revalued);
    if (ok && r->has_interest)
        jw_dec(w, "interest_paid", r->walk.interest);
    if (ok && r->ncassets) {
        jw_array(w, "collateral_assets");
        for (size_t i = 0; i < r->ncassets; i++) {
            const liq_casset_row *c = &r->cassets[i];
            jw_object(w, NULL);
            jw_string(w, "asset", c->asset);
            jw_dec(w, "amount", c->amount);
            jw_dec(w, "price", c->price);
            jw_dec(w, "value", c->value);
            jw_dec(w, "counted", c->counted);
            jw_end_object(w);
        }
        jw_end_array(w);
        jw_dec(w, "collateral_haircut", r->collateral_haircut);
    }
    NUM("collateral", r->collateral);
    NUM("deficit", r->deficit);
    if (ok) {
        jw_object(w, "covered_by");
        jw_dec(w, "insurance_fund", r->cov[STAGE_IF]);
        jw_dec(w, "adl", r->cov[STAGE_ADL]);
        jw_dec(w, "socialized", r->cov[STAGE_SOCIALIZED]);
        jw_dec(w, "liquidity_pool", r->cov[STAGE_POOL]);
        jw_dec(w, "venue", r->cov[STAGE_VENUE]);
        jw_dec(w, "trader_debt", r->cov[STAGE_DEBT]);
        jw_end_object(w);
    } else {
        jw_null(w, "covered_by");
    }
    jw_object(w, "debt");
    NUM("owed", r->owed);
    jw_array(w, "actions");
    for (size_t i = 0; i < r->nactions; i++) {
        const liq_action *a = &r->actions[i];
        jw_object(w, NULL);
        jw_string(w, "type", a->type);
        /* An action is dated where the venue publishes its deadline; where
         * it does not, the result says so rather than guess one. */
        if (a->deadline_hours >= 0)
            jw_int(w, "deadline_hours", a->deadline_hours);
        else
            jw_string(w, "when", "unknown");
        if (a->every_hours >= 0)
            jw_int(w, "every_hours", a->every_hours);
        if (a->has_amount)
            jw_dec(w, "amount", a->amount);
        if (a->note[0])
            jw_string(w, "note", a->note);
        jw_end_object(w);
    }
    jw_end_array(w);
    jw_end_object(w);
    NUM("final_balance", r->final_balance);
    liq_dec lost;
    OPT("trader_lost", result_trader_lost(r, &lost) == LIQ_OK, lost);
    if (ok && r->rep_currency[0]) {
        /* The account's amounts in the reporting currency, with the rate
         * and where it came from; null amounts with the reason when there
         * is no rate (an exchange rate is never guessed). */
        jw_object(w, "reporting");
        jw_string(w, "currency", r->rep_currency);
        opt(w, "rate", r->has_rep, r->rep_rate);
        jw_string(w, "rate_source", r->rep_source ? r->rep_source : "");
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
            opt(w, amt[i].k, okx, x);
        }
        jw_end_object(w);
    } else {
        jw_null(w, "reporting");
    }
    NUM("open_size", r->walk.open_size);
    NUM("unrealized_pnl", r->walk.unrealized);
    if (ok) {
        jw_object(w, "insurance_fund");
        if (r->if_finite)
            jw_dec(w, "balance_before", r->if_before);
        else
            jw_string(w, "balance_before", "unlimited");
        jw_dec(w, "received", r->if_received);
        jw_dec(w, "paid", r->if_paid);
        if (r->if_finite)
            jw_dec(w, "balance_after", r->if_after);
        else
            jw_string(w, "balance_after", "unlimited");
        jw_end_object(w);
    } else {
        jw_null(w, "insurance_fund");
    }
    /* Only a scenario with a stop-loss has the key: other rows keep
     * their shape byte for byte. */
    result_stop_write(w, r);
#undef NUM
#undef OPT
    jw_array(w, "events");
    for (size_t i = 0; i < r->nevents; i++)
        event(w, &r->events[i]);
    jw_end_array(w);
    if (r->nlegs) {
        /* An account of several positions: each with its own prices and
         * loss split (CONTRACT.md, Accounts). */
        jw_array(w, "positions");
        for (size_t i = 0; i < r->nlegs; i++) {
            const liq_leg *g = &r->legs[i];
            jw_object(w, NULL);
            jw_string(w, "market", g->market);
            jw_string(w, "side", side[g->side]);
            jw_dec(w, "size", g->size);
            jw_dec(w, "entry_price", g->entry_price);
            jw_dec(w, "leverage", g->leverage);
            jw_dec(w, "initial_margin", g->initial_margin);
            jw_dec(w, "maintenance_margin", g->maintenance_margin);
            opt(w, "liquidation_price", g->has_lp, g->liquidation_price);
            opt(w, "bankruptcy_price", g->has_bp, g->bankruptcy_price);
            jw_bool(w, "liquidated", g->liquidated);
            opt(w, "trigger_price", g->liquidated, g->trigger_price);
            bool gfilled = g->liquidated && !g->never_filled;
            opt(w, "fill_price", gfilled, g->fill_price);
            opt(w, "close_price", gfilled, g->close_price);
            if (g->has_limit)
                liquidation_order(w, g->limit_price, g->limit_refused, g->deleveraged);
            jw_object(w, "loss");
            jw_dec(w, "unforced", g->unforced);
            jw_dec(w, "forced", g->forced);
            jw_dec(w, "fees", g->fees);
            jw_end_object(w);
            jw_dec(w, "open_size", g->open_size);
            jw_dec(w, "unrealized_pnl", g->unrealized_pnl);
            jw_end_object(w);
        }
        jw_end_array(w);
    }
    jw_array(w, "warnings");
    for (size_t i = 0; i < r->nwarnings; i++)
        jw_string(w, NULL, r->warnings[i]);
    jw_end_array(w);
    if (r->explain) {
        jw_array(w, "trace");
        for (size_t i = 0; i < r->ntrace; i++) {
            const liq_trace *t = &r->trace[i];
            jw_object(w, NULL);
            jw_string(w, "step", t->step);
            jw_string(w, "value", t->value);
            jw_string(w, "rule", t->rule);
            if (t->source[0])
                jw_string(w, "source", t->source);
            if (t->note[0])
                jw_string(w, "note", t->note);
            if (t->nrefs) {
                jw_array(w, "sources");
                for (size_t k = 0; k < t->nrefs; k++) {
                    jw_object(w, NULL);
                    jw_string(w, "id", t->refs[k].id);
                    jw_string(w, "url", t->refs[k].url);
                    jw_string(w, "date", t->refs[k].date);
                    jw_end_object(w);
                }
                jw_end_array(w);
            }
            jw_end_object(w);
        }
        jw_end_array(w);
    }
    jw_end_object(w);
}

bool result_json_append(sbuf *b, const liq_result *r)
{
    size_t at = b->n;
    jwrite w = jw_new(b, 0);
    result_write(&w, r);
    if (jw_failed(&w)) {
        /* Nothing of a row that failed: the text before it stays whole. */
        if (!b->oom && b->s) {
            b->n = at;
            b->s[at] = 0;
        }
        return false;
    }
    return true;
}

char *result_render_json(liq_result *const *rs, size_t n, int shape)
{
    sbuf b = {0};
    bool ok = true;
    if (shape == RJ_NDJSON) {
        /* One line per row, compact: a reader can take rows as they come. */
        for (size_t i = 0; i < n && ok; i++) {
            ok = result_json_append(&b, rs[i]);
            sb_addn(&b, "\n", 1);
        }
    } else {
        /* Indented as jansson's JSON_INDENT(2), and a newline: the CLI
         * prints the string as a file. */
        jwrite w = jw_new(&b, 2);
        if (shape == RJ_ARRAY) {
            jw_array(&w, NULL);
            for (size_t i = 0; i < n; i++)
                result_write(&w, rs[i]);
            jw_end_array(&w);
        } else if (n) {
            result_write(&w, rs[0]);
        } else {
            jw_object(&w, NULL);
            jw_end_object(&w);
        }
        ok = !jw_failed(&w);
        sb_addn(&b, "\n", 1);
    }
    if (!ok) {
        free(b.s);
        return NULL;
    }
    return sb_take(&b);
}
