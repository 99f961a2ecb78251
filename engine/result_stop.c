/*
 * result_stop.c — how a result shows a scenario's stop-loss: the stop's
 * fill beside what liquidation would have done without it, as a JSON
 * object (result_json.c puts it under "stop_loss") and as sentences (the
 * table's and Markdown's notes, the HTML page). Only a result whose
 * scenario has a stop carries it, so every other output is unchanged.
 */
#include "result.h"
#include "sbuf.h"

#include <jansson.h>

static json_t *jd(liq_dec v)
{
    char b[LIQ_DEC_STRLEN];
    liq_dec_format(v, b);
    return json_string(b);
}

static json_t *jdn(bool has, liq_dec v)
{
    return has ? jd(v) : json_null();
}

void *result_stop_json(const liq_result *r)
{
    const liq_stop_view *v = &r->stop;
    if (!v->has || r->status != RS_OK)
        return NULL;
    bool filled = v->outcome == STOP_FILLED, trig = v->step >= 0;
    liq_dec lost = LIQ_DEC_ZERO, saved = LIQ_DEC_ZERO;
    bool has_lost = result_trader_lost(r, &lost) == LIQ_OK;
    bool has_saved = has_lost && v->has_without && liq_dec_sub(v->w_lost, lost, &saved) == LIQ_OK;
    json_t *o = json_object();
    json_object_set_new(o, "price", jd(v->price));
    json_object_set_new(o, "limit", jdn(v->has_limit, v->limit));
    json_object_set_new(o, "slippage", jd(v->slippage));
    json_object_set_new(o, "outcome", json_string(result_stop_names[v->outcome]));
    json_object_set_new(o, "trigger_step", trig ? json_integer(v->step) : json_null());
    json_object_set_new(o, "trigger_mark", jdn(trig, v->mark));
    json_object_set_new(o, "fill_step", filled ? json_integer(v->fill_step) : json_null());
    json_object_set_new(o, "fill_mark", jdn(filled, v->fill_mark));
    json_object_set_new(o, "fill_price", jdn(filled, v->fill));
    json_object_set_new(o, "slippage_cost", jdn(filled, v->slip_cost));
    json_object_set_new(o, "beyond_liquidation_price", json_boolean(v->beyond_lp));
    json_object_set_new(o, "trader_lost", jdn(has_lost, lost));
    json_t *w = json_null();
    if (v->has_without) {
        w = json_object();
        json_object_set_new(w, "liquidated", json_boolean(v->w_liquidated));
        json_object_set_new(w, "trigger_price", jdn(v->w_liquidated, v->w_trigger));
        json_object_set_new(w, "fill_price", jdn(v->w_liquidated, v->w_fill));
        json_object_set_new(w, "loss_total", jd(v->w_total));
        json_object_set_new(w, "trader_lost", jd(v->w_lost));
        json_object_set_new(w, "final_balance", jd(v->w_final));
        json_object_set_new(w, "owed", jd(v->w_owed));
    }
    json_object_set_new(o, "without_stop", w);
    json_object_set_new(o, "saved", jdn(has_saved, saved));
    return o;
}

void result_stop_text(sbuf *b, const liq_result *r, const char *prefix)
{
    const liq_stop_view *v = &r->stop;
    if (!v->has || r->status != RS_OK)
        return;
    char p[LIQ_DEC_STRLEN], l[LIQ_DEC_STRLEN], m[LIQ_DEC_STRLEN], f[LIQ_DEC_STRLEN],
        x[LIQ_DEC_STRLEN];
    sb_add(b, "%s%s: stop-loss at %s", prefix, r->policy, dstr(v->price, p));
    if (v->has_limit)
        sb_add(b, " (limit %s)", dstr(v->limit, l));
    switch (v->outcome) {
    case STOP_NOT_TRIGGERED:
        sb_add(b, ": never triggered (no mark reached it)");
        break;
    case STOP_FILLED:
        sb_add(b, ": triggered at the mark %s, filled at %s", dstr(v->mark, m), dstr(v->fill, f));
        if (v->fill_step != v->step)
            sb_add(b, " at the later mark %s", dstr(v->fill_mark, x));
        sb_add(b, " (slippage %s)", dstr(v->slippage, x));
        if (v->beyond_lp)
            sb_add(b, ", beyond the liquidation price %s",
                   dstr(r->liquidation_price, (char[LIQ_DEC_STRLEN]){0}));
        break;
    case STOP_LIQUIDATED_FIRST:
        sb_add(b, ": the mark %s was beyond the stop and the liquidation price at once; the "
                  "venue liquidated first and cancelled the stop", dstr(v->mark, m));
        break;
    default:
        sb_add(b, ": triggered at the mark %s, but the mark stayed beyond the limit; not filled",
               dstr(v->mark, m));
        break;
    }
    liq_dec lost, saved;
    if (result_trader_lost(r, &lost) == LIQ_OK)
        sb_add(b, "; the trader lost %s", dstr(lost, m));
    if (v->has_without) {
        if (v->w_liquidated)
            sb_add(b, ". Without the stop: liquidated at %s, filled at %s",
                   dstr(v->w_trigger, p), dstr(v->w_fill, f));
        else
            sb_add(b, ". Without the stop: not liquidated");
        sb_add(b, ", the trader would have lost %s", dstr(v->w_lost, l));
        if (liq_dec_sub(v->w_lost, lost, &saved) == LIQ_OK)
            sb_add(b, liq_dec_sign(saved) > 0   ? "; the stop saved %s"
                      : liq_dec_sign(saved) < 0 ? "; the stop cost %s more"
                                                : "; the stop saved nothing%s",
                   liq_dec_sign(saved) ? dstr(liq_dec_abs(saved), x) : "");
    }
    sb_add(b, "\n");
}
