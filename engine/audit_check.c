/*
 * audit_check.c — the properties a property audit checks on each case
 * (audit.h), read from the outside of the engine: from the case's own
 * inputs and what the result recorded (its totals, its events in order,
 * its prices), never from the stage code's variables, so a stage that
 * goes wrong cannot also vouch for itself.
 *
 * An evaluation that fails is a failure of the property its error
 * breaks: the engine's own invariant checks (eval.c) stop an evaluation
 * that loses money or leaves a deficit uncovered, and the sandbox stops
 * a fee hook that returns a negative fee (a fee paid to the trader out
 * of nobody's money); the audit names the property and keeps the case.
 * Monotonicity compares the case with a variant (a worse fill, a deeper
 * shock, a larger size at the same leverage) by what the trader lost.
 */
#include "audit.h"
#include "calc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const audit_prop_names[AP_COUNT] = {
    "evaluates without error",
    "money conserved",
    "protection promise kept (nothing owed)",
    "a worse fill never lowers the trader's loss",
    "a deeper shock never lowers the trader's loss",
    "a larger size never lowers the trader's loss",
    "liquidation price between entry and bankruptcy",
    "every fee within its cap",
    "fund never below what the policy allows",
    "ADL fills at the declared price",
    "a hook returns the same for the same inputs",
    "money conserved at every tick of a replay",
};
const char *const audit_prop_ids[AP_COUNT] = {
    "evaluates", "conserved", "protection", "monotone_fill", "monotone_shock", "monotone_size",
    "liquidation_price", "fee_cap", "fund", "adl_price", "hook_deterministic", "replay_conserved",
};

int audit_prop_vary(int prop)
{
    return prop == AP_MONO_FILL ? AV_FILL : prop == AP_MONO_SHOCK ? AV_SHOCK
         : prop == AP_MONO_SIZE ? AV_SIZE : AV_NONE;
}

static bool order_has(const p_root *pr, int stage)
{
    const penum *st = pr->shortfall.order.items;
    for (size_t i = 0; i < pr->shortfall.order.n; i++)
        if (st[i].v == stage)
            return true;
    return false;
}

unsigned audit_applicable(const audit_ctx *c)
{
    unsigned m = (1u << AP_COUNT) - 1;
    const liq_policy *p = c->p;
    bool protect = false, adl = false, fund = false;
    for (size_t i = 0; i < (p->nmarkets ? p->nmarkets : 1); i++) {
        const p_root *pr = p->nmarkets ? &p->markets[i].r : &p->r;
        const penum *st = pr->shortfall.order.items;
        protect |= pr->negative_balance.protection.v;
        adl |= order_has(pr, STAGE_ADL);
        /* A finite fund: the policy's, or one the cases set (where a
         * stage after the fund takes what it cannot). */
        fund |= order_has(pr, STAGE_IF) && (!pr->insurance_fund.balance.unlimited ||
                                             st[pr->shortfall.order.n - 1].v != STAGE_IF);
    }
    if (!fund)
        m &= ~(1u << AP_FUND);
    if (!protect)
        m &= ~(1u << AP_PROTECTION);
    if (!adl)
        m &= ~(1u << AP_ADL_PRICE);
    if (!p->rt)
        m &= ~(1u << AP_HOOK_SAME);
    return m;
}

typedef struct chk {
    unsigned mask, failed, checked;
    char (*detail)[AUDIT_DETAIL];
    const audit_case *cur;     /* the case a failure is shown by */
    audit_case *failing;       /* per property, or NULL */
} chk;

/* Property prop was checked here; failed when !ok (the first detail kept). */
static bool verdict(chk *k, int prop, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool verdict(chk *k, int prop, bool ok, const char *fmt, ...)
{
    if (!(k->mask & (1u << prop)))
        return true;
    k->checked |= 1u << prop;
    if (ok || (k->failed & (1u << prop)))
        return ok;
    k->failed |= 1u << prop;
    if (k->failing)
        k->failing[prop] = *k->cur;
    if (k->detail) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(k->detail[prop], AUDIT_DETAIL, fmt, ap);
        va_end(ap);
    }
    return false;
}

static const char *D(liq_dec v, char b[LIQ_DEC_STRLEN])
{
    liq_dec_format(v, b);
    return b;
}
#define DS(v) D((v), (char[LIQ_DEC_STRLEN]){0})

/* The property an evaluation's error breaks. */
static int classify(const p_root *pr, const liq_diag *g)
{
    if (!g)
        return AP_EVALUATES;
    if (g->code == LIQ_EINVARIANT) {
        if (strstr(g->msg, "uncovered") || strstr(g->msg, "protection"))
            return pr->negative_balance.protection.v ? AP_PROTECTION : AP_CONSERVED;
        if (strstr(g->msg, "insurance fund"))
            return AP_FUND;
        return AP_CONSERVED;
    }
    if (g->code == LIQ_EHOOK && strstr(g->msg, "negative fee"))
        return AP_CONSERVED;
    return AP_EVALUATES;
}

static const liq_diag *first_error(const liq_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->items[i].severity == LIQ_SEV_ERROR)
            return &d->items[i];
    return NULL;
}

/* Evaluate k; NULL with c->d holding why. */
static liq_result *eval_case(audit_ctx *c, const audit_case *k, bool quiet)
{
    liq_diags_free(&c->d);
    c->d = (liq_diags)LIQ_DIAGS_INIT;
    liq_scenario *s = audit_case_apply(c, k);
    liq_eval_opts o = {.quiet = quiet};
    return liq_eval(c->p, s, &o, &c->d);
}

static bool eval_failed(audit_ctx *c, const p_root *pr, chk *ck, const char *what)
{
    const liq_diag *g = first_error(&c->d);
    char text[AUDIT_DETAIL - 40] = "evaluation failed";
    if (g)
        liq_diag_text(g, text, sizeof text);
    int prop = classify(pr, g);
    if (!(ck->mask & (1u << prop)))
        prop = AP_EVALUATES;
    return verdict(ck, prop, false, "%s%s", what, text);
}

static liq_dec ev_dec(const liq_event *e, const char *key, bool *found)
{
    for (size_t i = 0; i < e->nkv; i++)
        if (!e->kv[i].str && strcmp(e->kv[i].key, key) == 0) {
            if (found)
                *found = true;
            return e->kv[i].dec;
        }
    if (found)
        *found = false;
    return LIQ_DEC_ZERO;
}

static bool ev_is(const liq_event *e, const char *type)
{
    return strcmp(e->type, type) == 0;
}

/* Money conserved: what the events moved adds up to the totals, and the
 * trader's final balance is the account's start less the loss plus
 * what others covered. */
static void check_conserved(const audit_ctx *c, const audit_case *k, const liq_result *r, chk *ck)
{
    calc cc = {LIQ_OK, NULL};
    static const char *const payout[STAGE_COUNT] = {
        "insurance_fund_payout", "adl", "socialized_loss", "liquidity_pool_absorbed",
        "venue_absorbed", "debt_recorded"};
    liq_dec kept = LIQ_DEC_ZERO, pnl = LIQ_DEC_ZERO, paid[STAGE_COUNT] = {{0}};
    bool backstop = false;
    for (size_t i = 0; i < r->nevents; i++) {
        const liq_event *e = &r->events[i];
        if (ev_is(e, "liquidation_fee") || ev_is(e, "margin_forfeited"))
            kept = c_add(&cc, kept, ev_dec(e, "amount", NULL));
        else if (ev_is(e, "backstop_takeover")) {
            backstop = true;
            kept = c_add(&cc, kept, liq_dec_max(ev_dec(e, "equity", NULL), LIQ_DEC_ZERO));
        } else if (ev_is(e, "deleveraged")) {
            /* Closed against counterparties at the mark; margin left above
             * bankruptcy is theirs, counted in loss.fees. */
            pnl = c_add(&cc, pnl, ev_dec(e, "realized_pnl", NULL));
            kept = c_add(&cc, kept, liq_dec_max(ev_dec(e, "equity", NULL), LIQ_DEC_ZERO));
        } else if (ev_is(e, "position_closed") || ev_is(e, "partial_liquidation"))
            pnl = c_add(&cc, pnl, ev_dec(e, "realized_pnl", NULL));
        for (int s = 0; s < STAGE_COUNT; s++)
            if (ev_is(e, payout[s]))
                paid[s] = c_add(&cc, paid[s], ev_dec(e, "amount", NULL));
    }
    if (!verdict(ck, AP_CONSERVED, d_eq(kept, r->walk.fees),
                 "the fees and margin the events give to others sum to %s, but the trader was "
                 "charged fees of %s", DS(kept), DS(r->walk.fees)))
        return;
    liq_dec trade = c_add(&cc, r->walk.unforced, r->walk.forced);
    if (!backstop &&
        !verdict(ck, AP_CONSERVED, d_eq(c_add(&cc, pnl, trade), LIQ_DEC_ZERO),
                 "the closes realized %s, but the loss counts %s unforced + %s forced",
                 DS(pnl), DS(r->walk.unforced), DS(r->walk.forced)))
        return;
    liq_dec others = LIQ_DEC_ZERO;
    for (int s = 0; s < STAGE_COUNT; s++) {
        if (!verdict(ck, AP_CONSERVED, d_eq(paid[s], r->cov[s]),
                     "the %s events pay %s, but covered_by.%s is %s", payout[s], DS(paid[s]),
                     liq_stage_names[s], DS(r->cov[s])))
            return;
        if (s != STAGE_DEBT)
            others = c_add(&cc, others, r->cov[s]);
    }
    liq_dec account = audit_case_collateral(c, k);
    liq_dec want = c_add(&cc, c_add(&cc, c_sub(&cc, account, r->total), others), r->walk.unrealized);
    verdict(ck, AP_CONSERVED, cc.st == LIQ_OK && d_eq(want, r->final_balance),
            "the account started at %s, lost %s, others covered %s and %s is open PnL: %s, but "
            "the final balance is %s", DS(account), DS(r->total), DS(others),
            DS(r->walk.unrealized), DS(want), DS(r->final_balance));
}

static void check_fee_cap(const audit_ctx *c, const p_root *pr, const liq_result *r, chk *ck)
{
    const p_fee *pf = &pr->liquidation.fee;
    bool hooked = c->p->rt && c->p->hook_ref[HOOK_FEE] >= 0;
    calc cc = {LIQ_OK, NULL};
    liq_dec equity = r->collateral, fee = LIQ_DEC_ZERO;
    liq_dec step = pr->rounding.amount_step.set ? pr->rounding.amount_step.v : LIQ_DEC_ZERO;
    for (size_t i = 0; i < r->nevents; i++) {
        const liq_event *e = &r->events[i];
        if (ev_is(e, "liquidation_fee")) {
            fee = ev_dec(e, "amount", NULL);
            if (!verdict(ck, AP_FEE_CAP, !d_neg(fee), "a liquidation fee of %s", DS(fee)))
                return;
            if (!hooked) {
                /* rate x base, up by at most one amount step of rounding */
                liq_dec cap = c_add(&cc, c_mul(&cc, pf->rate.v, ev_dec(e, "base_notional", NULL)),
                                    step);
                if (!verdict(ck, AP_FEE_CAP, d_le(fee, cap),
                             "a fee of %s exceeds the rate %s x %s notional (%s with rounding)",
                             DS(fee), DS(pf->rate.v), DS(ev_dec(e, "base_notional", NULL)),
                             DS(cap)))
                    return;
            }
        } else if (ev_is(e, "position_closed") || ev_is(e, "partial_liquidation")) {
            liq_dec before = c_add(&cc, equity, ev_dec(e, "realized_pnl", NULL));
            if (pf->cap.v == FEECAP_REMAINING &&
                !verdict(ck, AP_FEE_CAP, d_le(fee, liq_dec_max(before, LIQ_DEC_ZERO)),
                         "a fee of %s, capped at the remaining margin, exceeds the %s left "
                         "after the close", DS(fee), DS(before)))
                return;
            equity = c_sub(&cc, before, fee);
            fee = LIQ_DEC_ZERO;
        } else if (ev_is(e, "margin_forfeited")) {
            equity = c_sub(&cc, equity, ev_dec(e, "amount", NULL));
        } else if (ev_is(e, "backstop_takeover")) {
            return;
        }
    }
}

static void check_adl(const audit_ctx *c, const p_root *pr, const liq_result *r, chk *ck)
{
    if (c->p->rt && c->p->hook_ref[HOOK_ADL] >= 0)
        return;   /* the hook may declare its own close price */
    for (size_t i = 0; i < r->nevents; i++)
        if (ev_is(&r->events[i], "partial_liquidation") ||
            ev_is(&r->events[i], "backstop_takeover"))
            return;   /* one close only: its prices are the result's */
    for (size_t i = 0; i < r->nevents; i++) {
        const liq_event *e = &r->events[i];
        if (!ev_is(e, "adl"))
            continue;
        int how = pr->adl.close_price.v;
        liq_dec want = how == ADLPX_BANKRUPTCY
                           ? (r->has_bp && d_pos(r->bankruptcy_price) ? r->bankruptcy_price
                                                                      : r->walk.fill)
                           : r->walk.trigger;
        liq_dec got = ev_dec(e, "close_price", NULL);
        verdict(ck, AP_ADL_PRICE, d_eq(got, want),
                "ADL closed counterparties at %s; adl.close_price: %s declares %s", DS(got),
                how == ADLPX_BANKRUPTCY ? "bankruptcy" : how == ADLPX_MARK ? "mark" : "oracle",
                DS(want));
    }
}

static liq_dec lost_by(const liq_result *r)
{
    liq_dec v = LIQ_DEC_ZERO;
    result_trader_lost(r, &v);
    return v;
}

/* The numbers two evaluations of one case must share. */
static bool same_numbers(const liq_result *a, const liq_result *b, const char **which)
{
    struct { const char *name; liq_dec x, y; } f[] = {
        {"maintenance_margin", a->maintenance_margin, b->maintenance_margin},
        {"liquidation_price", a->liquidation_price, b->liquidation_price},
        {"fill_price", a->walk.fill, b->walk.fill},
        {"loss.fees", a->walk.fees, b->walk.fees},
        {"loss.total", a->total, b->total},
        {"deficit", a->deficit, b->deficit},
        {"covered_by.insurance_fund", a->cov[STAGE_IF], b->cov[STAGE_IF]},
        {"covered_by.adl", a->cov[STAGE_ADL], b->cov[STAGE_ADL]},
        {"final_balance", a->final_balance, b->final_balance},
    };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if (!d_eq(f[i].x, f[i].y)) {
            *which = f[i].name;
            return false;
        }
    *which = a->walk.liquidated != b->walk.liquidated ? "liquidated" : NULL;
    return a->walk.liquidated == b->walk.liquidated;
}

unsigned audit_check(audit_ctx *c, const audit_case *k, unsigned mask, cov_set *cov,
                     unsigned *checked, char (*detail)[AUDIT_DETAIL], audit_case *failing)
{
    chk ck = {mask & audit_applicable(c), 0, 0, detail, k, failing};
    const p_root *pr = audit_case_rules(c, k);
    bool needs_events = ck.mask & ((1u << AP_CONSERVED) | (1u << AP_FEE_CAP) |
                                   (1u << AP_ADL_PRICE)) || cov;
    liq_result *r = eval_case(c, k, !needs_events);
    if (!r) {
        eval_failed(c, pr, &ck, "");
        goto out;
    }
    verdict(&ck, AP_EVALUATES, true, "%s", "");
    if (r->status != RS_OK)
        goto out;   /* a trade the venue refuses has no numbers to check */
    if (cov)
        cov_count(cov, r);
    calc cc = {LIQ_OK, NULL};
    check_conserved(c, k, r, &ck);
    if (pr->negative_balance.protection.v &&
        verdict(&ck, AP_PROTECTION, !d_pos(r->owed) && !d_pos(r->cov[STAGE_DEBT]) &&
                                        !d_neg(r->final_balance),
                "negative-balance protection is promised (%s:%d), but the trader ends at %s "
                "and owes %s", pr->negative_balance.protection.m.file,
                pr->negative_balance.protection.m.line, DS(r->final_balance), DS(r->owed)))
        /* What the stages leave is the venue's (wf_rest_stage): the
         * promise then holds by a stage the policy's order never names. */
        verdict(&ck, AP_PROTECTION, order_has(pr, STAGE_VENUE) || !d_pos(r->cov[STAGE_VENUE]),
                "the shortfall stages (%s:%d) leave %s of the deficit uncovered: the promise "
                "holds only because the venue absorbs it, a stage the order does not name",
                pr->shortfall.order.m.file, pr->shortfall.order.m.line,
                DS(r->cov[STAGE_VENUE]));
    if (r->has_lp && r->has_bp) {
        bool lng = k->side == SIDE_LONG;
        liq_dec lp = r->liquidation_price, bp = r->bankruptcy_price, e = r->entry_price;
        bool ok = lng ? d_le(bp, lp) && d_lt(lp, e) : d_lt(e, lp) && d_le(lp, bp);
        verdict(&ck, AP_LIQ_PRICE, ok,
                "a %s entered at %s has its liquidation price at %s and its bankruptcy price at "
                "%s", lng ? "long" : "short", DS(e), DS(lp), DS(bp));
    }
    check_fee_cap(c, pr, r, &ck);
    if (r->if_finite) {
        liq_dec room = c_add(&cc, r->if_before, r->if_received);
        verdict(&ck, AP_FUND, !d_neg(r->if_after) && d_le(r->if_paid, room) &&
                                  d_eq(r->if_paid, r->cov[STAGE_IF]),
                "the fund started at %s, received %s and paid %s (covered_by %s): it ends at %s",
                DS(r->if_before), DS(r->if_received), DS(r->if_paid), DS(r->cov[STAGE_IF]),
                DS(r->if_after));
    }
    check_adl(c, pr, r, &ck);

    /* Copy what the comparisons need: the next evaluation reuses c. */
    liq_result base = *r;
    liq_dec lost = lost_by(r);
    base.events = NULL;
    base.nevents = 0;
    liq_result_free(r);
    r = NULL;
    if (ck.mask & (1u << AP_HOOK_SAME)) {
        liq_result *again = eval_case(c, k, true);
        const char *which = NULL;
        if (!again)
            eval_failed(c, pr, &ck, "evaluated a second time: ");
        else
            verdict(&ck, AP_HOOK_SAME, same_numbers(&base, again, &which),
                    "the same case evaluated twice gives two values of %s: the policy's hooks "
                    "keep state between calls", which ? which : "?");
        liq_result_free(again);
    }
    for (int prop = AP_MONO_FILL; prop <= AP_MONO_SIZE; prop++) {
        /* A larger size on a longer path can be liquidated earlier, at
         * a better mark (a higher tier's margin): the venue's rule at
         * work, not a loss that falls. Sizes are compared on one gap. */
        if (!(ck.mask & (1u << prop)) || (prop == AP_MONO_SIZE && k->nmarks > 1))
            continue;
        int kind = audit_prop_vary(prop);
        audit_case v;
        if (!audit_case_vary(c, k, kind, k->delta[kind - 1], &v))
            continue;
        liq_result *rv = eval_case(c, &v, true);
        if (!rv) {
            /* The variant is a case of its own, and it is the one that
             * shows this failure. */
            ck.cur = &v;
            eval_failed(c, audit_case_rules(c, &v), &ck, "");
            ck.cur = k;
            continue;
        }
        /* A liquidation whose every order the venue's limit refused
         * (dYdX's fillable price: retried at each later mark) ends with
         * the position open and its fee not yet paid: beside a case whose
         * order filled, that is a liquidation still to come, not a
         * smaller loss. */
        if (rv->status == RS_OK && base.never_filled == rv->never_filled) {
            liq_dec lv = lost_by(rv);
            static const char *const what[] = {"", "slippage", "the deepest mark at", "size"};
            size_t at = audit_case_deepest(k);
            verdict(&ck, prop, d_ge(lv, lost),
                    "the trader loses %s with %s %s, but %s with %s %s", DS(lost), what[kind],
                    kind == AV_FILL ? DS(k->slippage) : kind == AV_SIZE ? DS(k->size)
                                                                        : DS(k->marks[at]),
                    DS(lv), what[kind],
                    kind == AV_FILL ? DS(v.slippage) : kind == AV_SIZE ? DS(v.size)
                                                                       : DS(v.marks[at]));
        }
        liq_result_free(rv);
    }
out:
    if (r)
        liq_result_free(r);
    if (checked)
        *checked = ck.checked;
    return ck.failed;
}
