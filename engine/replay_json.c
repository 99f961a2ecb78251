/*
 * replay_json.c — a replay's summary as JSON, one object per policy: the
 * shape `liqsim replay --format json` prints and liq_replay_json returns
 * (docs/replay.md). Amounts are strings holding exact decimals; keys
 * come out in a fixed order, so the same replay gives the same bytes.
 */
#include "jout.h"
#include "replay_json.h"

#include <stdlib.h>

static json_t *jdec(liq_dec v)
{
    char b[LIQ_DEC_STRLEN];
    liq_dec_format(v, b);
    return json_string(b);
}

static json_t *jcount(size_t n)
{
    return json_integer((json_int_t)n);
}

json_t *replay_summary_obj(const char *policy, const liq_replay_summary *s)
{
    static const char *const stages[] = {"insurance_fund", "adl", "socialized", "liquidity_pool",
                                         "venue", "trader_debt"};
    jout jb = {false}, *b = &jb;
    json_t *o = json_object();
    if (!o)
        return NULL;
    jout_set(b, o, "policy", json_string(policy));
    jout_set(b, o, "settlement", json_string(s->settlement ? s->settlement : ""));
    /* The market walked, as eval's result names the one it evaluated. */
    jout_set(b, o, "market", s->market ? json_string(s->market) : json_null());
    jout_set(b, o, "accounts", jcount(s->accounts));
    /* Accounts the venue would not have opened (a leverage it does not
     * offer): out of the book, their cash counted. */
    jout_set(b, o, "refused", jcount(s->refused));
    jout_set(b, o, "ticks", jcount(s->ticks));
    jout_set(b, o, "liquidations", jcount(s->liquidations));
    jout_set(b, o, "partial_liquidations", jcount(s->partials));
    jout_set(b, o, "adl_events", jcount(s->adl_events));
    jout_set(b, o, "socialized_events", jcount(s->socialized_events));
    jout_set(b, o, "debtors", jcount(s->debtors));
    jout_set(b, o, "loss_total", jdec(s->loss_total));
    jout_set(b, o, "fees", jdec(s->fees));
    jout_set(b, o, "deficit", jdec(s->deficit));
    json_t *cov = json_object();
    for (int i = 0; i < 6; i++)
        jout_set(b, cov, stages[i], jdec(s->covered[i]));
    jout_set(b, o, "covered_by", cov);
    jout_set(b, o, "debt_total", jdec(s->debt_total));
    /* An unlimited fund has no balance to report: what it paid, and what
     * it took in net of payouts. */
    json_t *fund = s->fund_finite
                       ? json_pack("{s:o s:o s:o}", "start", jdec(s->fund_start), "end",
                                   jdec(s->fund_end), "min", jdec(s->fund_min))
                       : json_pack("{s:s s:o s:o}", "start", "unlimited", "paid",
                                   jdec(s->covered[0]), "received_net", jdec(s->fund_end));
    jout_set(b, o, "insurance_fund", fund);
    json_t *tenths = json_array();
    for (int i = 0; i < 10; i++)
        jout_push(b, tenths, jcount(s->buckets[i]));
    jout_set(b, o, "liquidations_by_tenth", tenths);
    /* Only for a path of several price columns (or a note to carry): a
     * path of one gives the bytes it always gave. */
    if (s->trigger_column)
        jout_set(b, o, "price_columns", json_pack("{s:s s:s}", "trigger", s->trigger_column,
                                                  "fill", s->fill_column));
    if (s->has_funding)
        jout_set(b, o, "funding_paid", jdec(s->funding_paid));
    if (s->has_collateral)
        jout_set(b, o, "collateral_revalued", jdec(s->collateral_revalued));
    if (s->has_interest)
        jout_set(b, o, "interest_paid", jdec(s->interest_paid));
    if (s->has_margin_calls)
        jout_set(b, o, "margin_calls", jcount(s->margin_calls));
    if (s->price_note[0]) {
        json_t *notes = json_array();
        jout_push(b, notes, json_string(s->price_note));
        jout_set(b, o, "notes", notes);
    }
    if (jb.failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *liq_replay_summary_json(const char *policy, const liq_replay_summary *s)
{
    json_t *o = replay_summary_obj(policy, s);
    char *text = o ? jout_dump(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return text;
}
