/*
 * shortfall.c — who covers the deficit, stage by stage, in the order the
 * policy declares (venues differ in the order itself: Deribit socializes
 * after its fund, Binance deleverages, Kraken spot leaves it with the
 * trader). Each stage covers what it can; the rest passes on. A stage's
 * hook may cover less than the rest; it can never cover more.
 */
#include "waterfall.h"

#include <stdio.h>

static liq_dec clamp(liq_dec v, liq_dec lo, liq_dec hi)
{
    return liq_dec_min(liq_dec_max(v, lo), hi);
}

/* Runs hook `which` with the deficit left; reads `covered` from a number
 * or a table {covered=..., close_price=...}. */
liq_status wf_hook_cover(wf *w, int which, const wf_cover_in *in, liq_dec *cover,
                         liq_dec *close_px, bool *has_px)
{
    liq_hookrt *rt = w->p->rt;
    liq_hook_field f[8];
    size_t n = 0;
    f[n++] = (liq_hook_field){.key = "deficit", .kind = LIQ_HF_DEC, .dec = in->deficit};
    f[n++] = (liq_hook_field){.key = "balance", .kind = LIQ_HF_DEC, .dec = in->balance};
    f[n++] = (liq_hook_field){.key = "unlimited", .kind = LIQ_HF_BOOL, .b = in->unlimited};
    f[n++] = (liq_hook_field){.key = "bankruptcy_price", .kind = LIQ_HF_DEC, .dec = in->bp};
    f[n++] = (liq_hook_field){.key = "mark_price", .kind = LIQ_HF_DEC, .dec = in->mark};
    f[n++] = (liq_hook_field){.key = "fill_price", .kind = LIQ_HF_DEC, .dec = in->fill};
    f[n++] = (liq_hook_field){.key = "size", .kind = LIQ_HF_DEC, .dec = in->size};
    liq_status st = wf_call_hook(w, which, f, n);
    if (st != LIQ_OK)
        return st;
    *has_px = false;
    /* A bare number, or a table with `covered` and maybe `close_price`. */
    bool present = false;
    st = liq_hookrt_ret_dec(rt, NULL, cover, &present, NULL);
    if (st != LIQ_OK || !present) {
        st = liq_hookrt_ret_dec(rt, "covered", cover, NULL, w->d);
        if (st == LIQ_OK)
            st = liq_hookrt_ret_dec(rt, "close_price", close_px, has_px, w->d);
    }
    liq_hookrt_ret_done(rt);
    return st;
}

liq_dec wf_adl_price(const wf *w, liq_dec bp, liq_dec mark, long step)
{
    switch (w->pr->adl.close_price.v) {
    case ADLPX_ORACLE:
        /* Hyperliquid closes deleveraged positions at the oracle price, not
         * at its mark: on a path that carries both they differ. */
        if (w->oracle_px && step >= 0 && (size_t)step < w->npx)
            return w->oracle_px[step];
        return mark;
    case ADLPX_MARK:
        return mark;
    default:
        return bp;
    }
}

/* What a stage's hook answered: the cover it returned (before the
 * clamp) and any close price it gave, for the stage's record. */
typedef struct hook_answer {
    liq_dec got, close_px;
    bool has_px;
} hook_answer;

/* What one stage's cover records in a result that is not quiet (out of
 * line: a quiet evaluation, a batch's every row, runs none of it): the
 * stage's event, and under --explain its trace line, with the hook's
 * answer when a hook decided the cover (h; NULL when none did). */
__attribute__((noinline)) static void stage_record(wf *w, const wf_close *cl, size_t i, int stg,
                                                   liq_dec cover, liq_dec rem,
                                                   const hook_answer *h)
{
    const p_root *pr = w->pr;
    liq_result *r = w->r;
    char b[LIQ_DEC_STRLEN];
    const pprov *prov = &pr->shortfall.prov;
    liq_event *e = NULL;
    bool hooked = h != NULL;
    switch (stg) {
    case STAGE_IF:
        e = result_event(r, "insurance_fund_payout", -1);
        event_dec(e, "amount", cover);
        prov = &pr->insurance_fund.prov;
        break;
    case STAGE_ADL:
        e = result_event(r, "adl", -1);
        event_dec(e, "amount", cover);
        event_dec(e, "close_price", h && h->has_px ? h->close_px : wf_adl_price(w, cl->last_bp, cl->last_mark, cl->last_step));
        event_dec(e, "size", cl->last_size);
        prov = &pr->adl.prov;
        break;
    case STAGE_SOCIALIZED: {
        /* The per-unit amount the payers are charged (socialize.c),
         * where the scenario says how many units there are. */
        static const char *const meth[] = {"clawback", "funding"};
        bool funding = pr->socialized_loss.method.v == SOC_FUNDING;
        e = result_event(r, "socialized_loss", -1);
        event_dec(e, "amount", cover);
        event_str(e, "method", meth[pr->socialized_loss.method.v]);
        const pdec *units = funding ? &w->s->r.market.open_interest
                                    : &w->s->r.market.winners_profit;
        if (units->set && d_pos(units->v))
            event_dec(e, funding ? "per_base_unit" : "rate_of_winners_profit",
                      wf_soc_per_unit(w, cover, units->v));
        else
            result_warn(r, "%s of the deficit is socialized %s; the scenario gives no "
                           "market.%s, so what each payer is charged %s is not known",
                        dstr(cover, b), funding ? "per open base unit (funding)"
                                                : "among the winners (clawback)",
                        funding ? "open_interest" : "winners_profit",
                        funding ? "per base unit" : "per unit of profit");
        prov = &pr->socialized_loss.prov;
        break;
    }
    case STAGE_POOL:
        e = result_event(r, "liquidity_pool_absorbed", -1);
        event_dec(e, "amount", cover);
        break;
    case STAGE_VENUE:
        e = result_event(r, "venue_absorbed", -1);
        event_dec(e, "amount", cover);
        break;
    case STAGE_DEBT:
        e = result_event(r, "debt_recorded", -1);
        event_dec(e, "amount", cover);
        prov = &pr->debt.prov;
        break;
    }
    if (!r->explain)
        return;
    int hook = stg == STAGE_IF ? HOOK_IF : HOOK_ADL;
    liq_mark rule = hooked ? w->p->hook_mark[hook] : ((const penum *)pr->shortfall.order.items)[i].m;
    char rulekey[64], hooknote[WF_HOOK_IO + 200];
    hooknote[0] = 0;
    if (hooked)
        snprintf(rulekey, sizeof rulekey, "hook %s", liq_hook_names[hook]);
    else
        snprintf(rulekey, sizeof rulekey, "shortfall.order[%zu]", i);
    if (hooked && w->hook_io)
        snprintf(hooknote, sizeof hooknote, "; hook %s(%s) returned %s%s%s",
                 liq_hook_names[hook], w->hook_io, dstr(h->got, b),
                 d_eq(h->got, cover) ? "" : ", clamped to what the stage may cover: ",
                 d_eq(h->got, cover) ? "" : dstr(cover, (char[LIQ_DEC_STRLEN]){0}));
    result_trace(r, liq_stage_names[stg], cover, rule, rulekey, prov,
                 "covers %s of the deficit; %s left%s", dstr(cover, b),
                 dstr(rem, (char[LIQ_DEC_STRLEN]){0}), hooknote);
}

/* A stage whose hook decides its cover: the hook asked with what is
 * left (rem) and what the fund can pay (avail), its answer clamped to
 * what the stage may cover (*cover, in and out). Out of line: a table
 * policy's stages never call it. */
__attribute__((noinline)) static liq_status hook_stage(wf *w, const wf_close *cl, int hook,
                                                       liq_dec rem, liq_dec avail,
                                                       liq_dec *cover, hook_answer *h)
{
    wf_cover_in in = {rem, avail, !w->r->if_finite, cl->last_bp, cl->last_mark, cl->last_fill,
                      cl->last_size};
    h->close_px = LIQ_DEC_ZERO;
    h->got = LIQ_DEC_ZERO;
    h->has_px = false;
    liq_status st = wf_hook_cover(w, hook, &in, &h->got, &h->close_px, &h->has_px);
    if (st == LIQ_OK)
        *cover = clamp(h->got, LIQ_DEC_ZERO, *cover);
    return st;
}

/* What the policy's stages left of the deficit (rem > 0): covered by
 * the one rule a replay applies too, and said, because the policy's
 * order does not name who pays it. Out of line: most deficits end
 * inside the order. */
__attribute__((noinline)) static liq_status rest_stage(wf *w, liq_dec rem)
{
    const p_root *pr = w->pr;
    liq_result *r = w->r;
    const plist *order = &pr->shortfall.order;
    const penum *stages = order->items;
    char b[LIQ_DEC_STRLEN];
    int stg = wf_rest_stage(pr);
    bool venue = stg == STAGE_VENUE;
    liq_event *e = result_event(r, venue ? "venue_absorbed" : "debt_recorded", -1);
    event_dec(e, "amount", rem);
    r->cov[stg] = c_add(&w->c, r->cov[stg], rem);
    const char *why = venue ? "the venue absorbs it (negative_balance.protection)"
                            : "the trader owes it";
    if (w->s->r.market.insurance_fund.set && stages[order->n - 1].v == STAGE_IF)
        result_warn(r, "market.insurance_fund: a fund of %s leaves %s of the deficit "
                       "uncovered under %s, whose shortfall.order ends with the insurance "
                       "fund; %s",
                    dstr(r->if_before, (char[LIQ_DEC_STRLEN]){0}), dstr(rem, b),
                    w->pr->name.v, why);
    else
        result_warn(r, "shortfall.order (%s:%d): its last stage leaves %s of the deficit "
                       "uncovered; %s, a stage the order does not name",
                    order->m.file, order->m.line, dstr(rem, b), why);
    result_trace(r, liq_stage_names[stg], rem, order->m, "shortfall.order",
                 &pr->shortfall.prov, "covers the %s the stages left: %s", dstr(rem, b), why);
    return w->c.st;
}

/* A stage's cover into the result: the fund's payout (and what is left
 * of a finite one in *avail), the stage's amount, what is left of the
 * deficit (*rem), and the record of a result that is not quiet. One
 * copy for the first stage's fast path and the loop. */
WF_INLINE void stage_cover(wf *w, const wf_close *cl, size_t i, int stg, liq_dec cover,
                           liq_dec *rem, liq_dec *avail, const hook_answer *h)
{
    liq_result *r = w->r;
    /* Set, not added: the order names each stage once (policy_load's
     * check_shortfall), and only rest_stage adds to a stage. */
    if (stg == STAGE_IF) {
        /* An unlimited fund keeps no balance (every view says
         * "unlimited", and the invariants reconcile only a finite
         * one): nothing to draw down. */
        if (r->if_finite)
            *avail = c_sub(&w->c, *avail, cover);
        r->if_paid = cover;
    }
    r->cov[stg] = cover;
    /* A stage that covers all that is left (most do) leaves nothing. */
    *rem = d_eq(cover, *rem) ? LIQ_DEC_ZERO : c_sub(&w->c, *rem, cover);
    if (!r->quiet)
        stage_record(w, cl, i, stg, cover, *rem, h);
}

/* The hook that decides stage stg's cover (-1: none may). */
WF_INLINE int stage_hook(int stg)
{
    return stg == STAGE_IF ? HOOK_IF : stg == STAGE_ADL ? HOOK_ADL : -1;
}

/* What stage stg may cover of rem before any hook: all of it, but a
 * finite fund no more than it holds (avail). */
WF_INLINE liq_dec stage_limit(int stg, bool finite, liq_dec rem, liq_dec avail)
{
    if (stg == STAGE_IF && finite)
        return liq_dec_min(rem, liq_dec_max(avail, LIQ_DEC_ZERO));
    return rem;
}

/* The end of the stages: what is left of the fund's avail is the
 * closing balance of a finite fund (only the fund's stage draws on it;
 * check_invariants reconciles it with before + received - paid; no view
 * reads it for an unlimited one), and what the stages left of the
 * deficit (rem) goes to the rest stage. */
WF_INLINE liq_status stages_end(wf *w, liq_dec rem, liq_dec avail)
{
    w->r->if_after = avail;
    if (w->c.st != LIQ_OK)
        return w->c.st;
    if (d_pos(rem))
        return rest_stage(w, rem);
    return LIQ_OK;
}

/* The stages from the i-th on, each covering what it can of what is
 * left (rem) and the fund what it holds (avail), a hook where one
 * decides, until nothing is left. Out of line: most deficits end at
 * their first stage, which wf_shortfall covers itself. */
__attribute__((noinline)) static liq_status stages_from(wf *w, const wf_close *cl, size_t i,
                                                        liq_dec rem, liq_dec avail)
{
    const plist *order = &w->pr->shortfall.order;
    const penum *stages = order->items;
    bool finite = w->r->if_finite;
    /* Hooks only where the policy has a runtime (a table policy has none). */
    bool rt = w->p->rt != NULL;
    for (size_t n = order->n; i < n && d_pos(rem); i++) {
        int stg = stages[i].v;
        liq_dec cover = stage_limit(stg, finite, rem, avail);
        int hook = stage_hook(stg);
        hook_answer h, *hp = NULL;
        if (rt && hook >= 0 && wf_hooked(w, hook)) {
            liq_status st = hook_stage(w, cl, hook, rem, avail, &cover, &h);
            if (st != LIQ_OK)
                return st;
            hp = &h;
        }
        if (d_zero(cover))
            continue;
        stage_cover(w, cl, i, stg, cover, &rem, &avail, hp);
    }
    return stages_end(w, rem, avail);
}

liq_status wf_shortfall(wf *w, const wf_close *cl, liq_dec deficit)
{
    liq_dec if_received = cl->if_received;
    const p_root *pr = w->pr;
    liq_result *r = w->r;
    const plist *order = &pr->shortfall.order;

    /* The fund: the scenario may say how full it is; else the policy. */
    const pdec *bal = w->s->r.market.insurance_fund.set ? &w->s->r.market.insurance_fund
                                                        : &pr->insurance_fund.balance;
    bool finite = !bal->unlimited;
    r->if_finite = finite;
    r->if_before = finite ? bal->v : LIQ_DEC_ZERO;
    r->if_received = if_received;
    /* What the fund can pay: its balance and what this close paid in. */
    liq_dec avail = d_zero(r->if_before) ? if_received : c_add(&w->c, r->if_before, if_received);

    liq_dec rem = deficit;
    if (!d_pos(rem))
        return stages_end(w, rem, avail);
    /* A deleveraged close (liquidation.limit) starts at the adl stage. */
    size_t i = wf_first_stage(pr, cl->deleveraged);
    /* Most deficits end at their first stage: one no hook decides is
     * covered here, without the loop's tests; the stages after it only
     * for what it leaves. */
    if (i < order->n) {
        int stg = ((const penum *)order->items)[i].v;
        int hook = stage_hook(stg);
        if (!(hook >= 0 && wf_hooked(w, hook))) {
            if (!(stg == STAGE_IF && finite)) {
                /* Any stage but a finite fund covers all that is left. */
                stage_cover(w, cl, i, stg, rem, &rem, &avail, NULL);
                return stages_end(w, rem, avail);
            }
            /* A finite fund what it holds; the stages after it, out of
             * line, what it leaves. */
            liq_dec cover = stage_limit(stg, finite, rem, avail);
            if (!d_zero(cover))
                stage_cover(w, cl, i, stg, cover, &rem, &avail, NULL);
            if (!d_pos(rem))
                return stages_end(w, rem, avail);
            i++;
        }
    }
    return stages_from(w, cl, i, rem, avail);
}
