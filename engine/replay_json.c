/*
 * replay_json.c — a replay's summary as JSON, one object per policy: the
 * shape `liqsim replay --format json` prints and liq_replay_json returns
 * (docs/replay.md). Amounts are strings holding exact decimals; keys
 * come out in a fixed order, so the same replay gives the same bytes.
 */
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
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "policy", json_string(policy));
    json_object_set_new(o, "accounts", jcount(s->accounts));
    json_object_set_new(o, "ticks", jcount(s->ticks));
    json_object_set_new(o, "liquidations", jcount(s->liquidations));
    json_object_set_new(o, "partial_liquidations", jcount(s->partials));
    json_object_set_new(o, "adl_events", jcount(s->adl_events));
    json_object_set_new(o, "socialized_events", jcount(s->socialized_events));
    json_object_set_new(o, "debtors", jcount(s->debtors));
    json_object_set_new(o, "loss_total", jdec(s->loss_total));
    json_object_set_new(o, "fees", jdec(s->fees));
    json_object_set_new(o, "deficit", jdec(s->deficit));
    json_t *cov = json_object();
    for (int i = 0; i < 6; i++)
        json_object_set_new(cov, stages[i], jdec(s->covered[i]));
    json_object_set_new(o, "covered_by", cov);
    json_object_set_new(o, "debt_total", jdec(s->debt_total));
    /* An unlimited fund has no balance to report: what it paid, and what
     * it took in net of payouts. */
    json_t *fund = s->fund_finite
                       ? json_pack("{s:o s:o s:o}", "start", jdec(s->fund_start), "end",
                                   jdec(s->fund_end), "min", jdec(s->fund_min))
                       : json_pack("{s:s s:o s:o}", "start", "unlimited", "paid",
                                   jdec(s->covered[0]), "received_net", jdec(s->fund_end));
    json_object_set_new(o, "insurance_fund", fund);
    json_t *tenths = json_array();
    for (int i = 0; i < 10; i++)
        json_array_append_new(tenths, jcount(s->buckets[i]));
    json_object_set_new(o, "liquidations_by_tenth", tenths);
    return o;
}

char *liq_replay_summary_json(const char *policy, const liq_replay_summary *s)
{
    json_t *o = replay_summary_obj(policy, s);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return text;
}
