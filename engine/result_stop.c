/*
 * result_stop.c — how a result shows a scenario's stop-loss: the stop's
 * fill beside what liquidation would have done without it, as the
 * result's "stop_loss" member (result_json.c's writer) and as sentences (the
 * table's and Markdown's notes, the HTML page). Only a result whose
 * scenario has a stop carries it, so every other output is unchanged.
 */
#include "jwrite.h"
#include "result.h"
#include "sbuf.h"

static void dn(jwrite *w, const char *key, bool has, liq_dec v)
{
    if (has)
        jw_dec(w, key, v);
    else
        jw_null(w, key);
}

void result_stop_write(jwrite *w, const liq_result *r)
{
    const liq_stop_view *v = &r->stop;
    if (!v->has || r->status != RS_OK)
        return;
    bool filled = v->outcome == STOP_FILLED, trig = v->step >= 0;
    liq_dec lost = LIQ_DEC_ZERO, saved = LIQ_DEC_ZERO;
    bool has_lost = result_trader_lost(r, &lost) == LIQ_OK;
    bool has_saved = has_lost && v->has_without && liq_dec_sub(v->w_lost, lost, &saved) == LIQ_OK;
    jw_object(w, "stop_loss");
    jw_dec(w, "price", v->price);
    dn(w, "limit", v->has_limit, v->limit);
    jw_dec(w, "slippage", v->slippage);
    jw_string(w, "outcome", result_stop_names[v->outcome]);
    if (trig)
        jw_int(w, "trigger_step", v->step);
    else
        jw_null(w, "trigger_step");
    dn(w, "trigger_mark", trig, v->mark);
    if (filled)
        jw_int(w, "fill_step", v->fill_step);
    else
        jw_null(w, "fill_step");
    dn(w, "fill_mark", filled, v->fill_mark);
    dn(w, "fill_price", filled, v->fill);
    dn(w, "slippage_cost", filled, v->slip_cost);
    jw_bool(w, "beyond_liquidation_price", v->beyond_lp);
    dn(w, "trader_lost", has_lost, lost);
    if (v->has_without) {
        jw_object(w, "without_stop");
        jw_bool(w, "liquidated", v->w_liquidated);
        dn(w, "trigger_price", v->w_liquidated, v->w_trigger);
        dn(w, "fill_price", v->w_liquidated, v->w_fill);
        jw_dec(w, "loss_total", v->w_total);
        jw_dec(w, "trader_lost", v->w_lost);
        jw_dec(w, "final_balance", v->w_final);
        jw_dec(w, "owed", v->w_owed);
        jw_end_object(w);
    } else {
        jw_null(w, "without_stop");
    }
    dn(w, "saved", has_saved, saved);
    jw_end_object(w);
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
