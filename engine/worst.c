/*
 * worst.c — the worst case of one position under one venue's rules: the
 * largest loss and the largest debt the trader can end with, the clause
 * of the policy that bounds them, and the path that reaches them.
 *
 * The answer is the engine's, never a formula of this file: the scenario's
 * position is evaluated (liq_eval, through a variant) on gap paths
 * [entry, m], the mark jumping at once from the entry to m (the worst a
 * path can do: no mark in between at which the venue could act earlier),
 * with the scenario's own slippage. m runs over fixed probes, adverse
 * from the entry: for a long 1 % steps down to 1 % of the entry, then
 * decades down to the smallest positive price (10^-12); for a short 1 %
 * steps up to twice the entry, then decades up to 10^6 x the entry.
 * Where the largest loss is first reached, an exact bisection between
 * two probes finds the least adverse mark that reaches it, to the
 * policy's price tick (else a millionth of the entry).
 *
 * What bounds it is read from the policy, and named by its file:line:
 * negative-balance protection (the trader never owes, so the loss is at
 * most the collateral); without it, the contract: a linear long loses at
 * most its notional as the price falls toward zero (an inverse short,
 * its coin value as the price rises without limit), while a linear short
 * (an inverse long, in coin) has no limit, which the answer says, with
 * the loss at two far probes to show the growth. The fee's cap and the
 * shortfall order are named beside it: whether the fee can come on top
 * of the collateral, and who pays a deficit (the trader, as a debt, when
 * the order says trader_debt).
 */
#include "whatif.h"

#include "market.h"
#include "mem.h"

#include <stdio.h>
#include <string.h>

const char *const worst_kind_names[WK_COUNT] = {"negative_balance_protection", "price_floor",
                                                "unbounded"};

extern const char *const liq_stage_names[];

void worst_row_free(worst_row *w)
{
    liq_result_free(w->given);
    w->given = NULL;
}

/* Probes: at most 99 steps, 10 decades and the floor (long), or 100
 * steps and 6 decades (short). */
#define WORST_MAX_PROBES 128

static size_t long_probes(liq_dec entry, liq_dec *out)
{
    size_t n = 0;
    liq_dec hundred = liq_dec_from_int(100), m;
    for (int k = 99; k >= 1; k--)
        if (liq_dec_div(liq_dec_mul(entry, liq_dec_from_int(k), LIQ_ROUND_HALF_EVEN, &m) == LIQ_OK
                            ? m : LIQ_DEC_ZERO,
                        hundred, LIQ_ROUND_HALF_EVEN, &m) == LIQ_OK &&
            liq_dec_sign(m) > 0)
            out[n++] = m;
    liq_dec tenth;
    liq_dec_from_str("0.1", &tenth);
    m = n ? out[n - 1] : entry;
    for (int j = 0; j < 10; j++) {
        if (liq_dec_mul(m, tenth, LIQ_ROUND_HALF_EVEN, &m) != LIQ_OK || liq_dec_sign(m) <= 0)
            break;
        out[n++] = m;
    }
    /* The smallest price a scenario can state. */
    liq_dec floor = {1};
    if (!n || liq_dec_cmp(out[n - 1], floor) > 0)
        out[n++] = floor;
    return n;
}

static size_t short_probes(liq_dec entry, liq_dec *out)
{
    size_t n = 0;
    liq_dec hundred = liq_dec_from_int(100), m;
    for (int k = 101; k <= 200; k++)
        if (liq_dec_mul(entry, liq_dec_from_int(k), LIQ_ROUND_HALF_EVEN, &m) == LIQ_OK &&
            liq_dec_div(m, hundred, LIQ_ROUND_HALF_EVEN, &m) == LIQ_OK)
            out[n++] = m;
    m = n ? out[n - 1] : entry;
    for (int j = 0; j < 6; j++) {
        if (liq_dec_mul(m, liq_dec_from_int(10), LIQ_ROUND_HALF_EVEN, &m) != LIQ_OK)
            break;
        out[n++] = m;
    }
    return n;
}

typedef struct probe {
    liq_policy *p;
    variant *v;
    size_t *evals;
} probe;

/* The position on the gap path [entry, mark]: trader_lost and debt.owed.
 * LIQ_OK, or the evaluation's status with its messages in d. */
static liq_status at(probe *pb, liq_dec mark, liq_dec *lost, liq_dec *owed, liq_diags *d)
{
    if (!variant_gap(pb->v, mark)) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "out of memory");
        return LIQ_ENOMEM;
    }
    liq_eval_opts eo = {.quiet = true};
    (*pb->evals)++;
    liq_result *r = liq_eval(pb->p, &pb->v->s, &eo, d);
    if (!r)
        return liq_diags_count(d, LIQ_SEV_ERROR) ? d->items[d->n - 1].code : LIQ_EINVARIANT;
    liq_status st = result_trader_lost(r, lost);
    *owed = r->owed;
    liq_result_free(r);
    return st;
}

/* The least adverse mark between lo (which does not reach target on
 * metric `which`: 0 loss, 1 debt) and hi (which does), to res. */
static liq_status bisect(probe *pb, liq_dec lo, liq_dec hi, liq_dec target, int which,
                         liq_dec res, liq_dec *out, liq_diags *d)
{
    liq_dec two = liq_dec_from_int(2);
    for (;;) {
        liq_dec gap, mid, lost, owed;
        if (liq_dec_sub(hi, lo, &gap) != LIQ_OK)
            return LIQ_EOVERFLOW;
        if (liq_dec_cmp(liq_dec_abs(gap), res) <= 0)
            break;
        if (liq_dec_add(lo, hi, &mid) != LIQ_OK ||
            liq_dec_div(mid, two, LIQ_ROUND_HALF_EVEN, &mid) != LIQ_OK)
            return LIQ_EOVERFLOW;
        if (liq_dec_cmp(mid, lo) == 0 || liq_dec_cmp(mid, hi) == 0)
            break;
        liq_status st = at(pb, mid, &lost, &owed, d);
        if (st != LIQ_OK)
            return st;
        if (liq_dec_cmp(which ? owed : lost, target) >= 0)
            hi = mid;
        else
            lo = mid;
    }
    *out = hi;
    return LIQ_OK;
}

static bool wf_hooked_policy(const liq_policy *p, int which)
{
    return p->rt && p->hook_ref[which] >= 0;
}

static void clause(worst_clause *c, const char *key, liq_mark m, liq_mark section,
                   const char *says)
{
    c->key = key;
    c->m = mark_or(m, section);
    snprintf(c->says, sizeof c->says, "%s", says);
}

static void clauses(worst_row *w, const liq_policy *p, const p_root *pr)
{
    const p_nbp *nb = &pr->negative_balance;
    clause(&w->bound, "negative_balance.protection", nb->protection.m, nb->prov.m,
           nb->protection.v ? "true" : "false");
    const p_fee *f = &pr->liquidation.fee;
    char rate[LIQ_DEC_STRLEN], says[160];
    snprintf(says, sizeof says, "rate %s, cap %s%s", dstr(f->rate.v, rate),
             f->cap.v == FEECAP_REMAINING ? "remaining_margin (never more than what is left)"
                                          : "none (may come on top of the collateral)",
             wf_hooked_policy(p, HOOK_FEE) ? "; the fee hook decides the amount" : "");
    clause(&w->fee, "liquidation.fee.cap", f->cap.m, f->prov.m, says);
    const p_shortfall *sf = &pr->shortfall;
    char order[120] = "";
    size_t used = 0;
    for (size_t i = 0; i < sf->order.n && used < sizeof order; i++)
        used += (size_t)snprintf(order + used, sizeof order - used, "%s%s", i ? ", " : "",
                                 liq_stage_names[((const penum *)sf->order.items)[i].v]);
    snprintf(says, sizeof says, "[%s]", order);
    clause(&w->cover, "shortfall.order", sf->order.m, sf->prov.m, says);
}

/* The policy's rules for the scenario's market, as eval.c picks them. */
static const p_root *rules_for(liq_policy *p, const liq_scenario *s)
{
    const s_position *sp = s->legs[0].p;
    mkt_match mm;
    if (!sp->market.v)
        return p->nmarkets ? &p->markets[0].r : &p->r;
    if (!market_find(p, sp->market.v, sp->contract.v, &mm))
        return &p->r;
    return mm.m ? &mm.m->r : &p->r;
}

liq_status worst_eval(liq_policy *p, const liq_scenario *s, worst_row *out, liq_diags *d)
{
    memset(out, 0, sizeof *out);
    variant v;
    if (!variant_init(&v, s, d)) {
        variant_free(&v);
        return liq_diags_count(d, LIQ_SEV_ERROR) ? d->items[d->n - 1].code : LIQ_EINPUT;
    }
    liq_eval_opts eo = {0};
    out->given = liq_eval(p, s, &eo, d);
    out->evals = 1;
    if (!out->given) {
        variant_free(&v);
        return liq_diags_count(d, LIQ_SEV_ERROR) ? d->items[d->n - 1].code : LIQ_EINVARIANT;
    }
    if (out->given->status != RS_OK) {
        variant_free(&v);
        return LIQ_OK;
    }
    const liq_result *g = out->given;
    const p_root *pr = rules_for(p, s);
    clauses(out, p, pr);
    bool lng = g->side == 0, lin = g->contract == CT_LINEAR;
    out->kind = pr->negative_balance.protection.v ? WK_PROTECTION
                : lng == lin                      ? WK_PRICE_FLOOR
                                                  : WK_UNBOUNDED;
    /* Probes in the position's own price terms: the scenario's entry. */
    liq_dec entry = v.pos.entry_price.v;
    liq_dec marks[WORST_MAX_PROBES], lost[WORST_MAX_PROBES], owed[WORST_MAX_PROBES];
    size_t n = v.pos.side.v == SIDE_LONG ? long_probes(entry, marks) : short_probes(entry, marks);
    probe pb = {p, &v, &out->evals};
    size_t ok = 0;
    liq_status st = LIQ_OK;
    for (size_t i = 0; i < n; i++) {
        /* A far probe the engine cannot evaluate (an inverse contract's
         * value at a price that rounds to zero) ends the probes there; the
         * first one failing is the answer's failure. */
        liq_diags pd = LIQ_DIAGS_INIT;
        st = at(&pb, marks[i], &lost[i], &owed[i], &pd);
        if (st != LIQ_OK && i == 0)
            for (size_t k = 0; k < pd.n; k++)
                liq_diags_add(d, pd.items[k].severity, pd.items[k].code, pd.items[k].file,
                              pd.items[k].line, pd.items[k].col, "%s", pd.items[k].msg);
        liq_diags_free(&pd);
        if (st != LIQ_OK)
            break;
        ok = i + 1;
    }
    if (ok == 0) {
        variant_free(&v);
        return st;
    }
    st = LIQ_OK;
    liq_dec max_l = lost[0], max_o = owed[0];
    for (size_t i = 1; i < ok; i++) {
        max_l = liq_dec_max(max_l, lost[i]);
        max_o = liq_dec_max(max_o, owed[i]);
    }
    if (out->kind == WK_UNBOUNDED && ok >= 2 && liq_dec_cmp(lost[ok - 1], lost[ok - 2]) <= 0)
        out->kind = WK_PRICE_FLOOR;   /* the engine's numbers stop growing: not unbounded */
    out->bounded = out->kind != WK_UNBOUNDED;
    out->loss = max_l;
    out->debt = max_o;
    if (!out->bounded) {
        for (int k = 0; k < 2; k++) {
            out->probe_mark[k] = marks[ok - 2 + (size_t)k];
            out->probe_loss[k] = lost[ok - 2 + (size_t)k];
        }
        out->mark = marks[ok - 1];
        out->answered = true;
        variant_free(&v);
        return LIQ_OK;
    }
    /* The resolution of the mark: the venue's price tick, else a
     * millionth of the entry (never below the smallest decimal). */
    liq_dec res;
    if (pr->rounding.price_tick.set)
        res = pr->rounding.price_tick.v;
    else if (liq_dec_mul(entry, (liq_dec){1000000}, LIQ_ROUND_DOWN, &res) != LIQ_OK ||
             liq_dec_sign(res) <= 0)
        res = (liq_dec){1};
    out->resolution = res;
    size_t first = 0;
    while (first < ok && liq_dec_cmp(lost[first], max_l) < 0)
        first++;
    out->attained = first + 1 < ok || out->kind == WK_PROTECTION;
    liq_dec lo = first ? marks[first - 1] : entry;
    st = bisect(&pb, lo, marks[first], max_l, 0, res, &out->mark, d);
    /* Said on the resolution's grid: the least adverse grid mark that
     * still reaches the largest loss (bisection left hi within res of lo,
     * so one grid mark at most lies between them). */
    liq_dec l2, o2, q;
    bool lng_pos = v.pos.side.v == SIDE_LONG;
    for (int pass = 0; st == LIQ_OK && pass < 2; pass++) {
        liq_round toward = (pass == 0) == lng_pos ? LIQ_ROUND_CEIL : LIQ_ROUND_FLOOR;
        if (liq_dec_quantize(out->mark, res, toward, &q) != LIQ_OK || liq_dec_sign(q) <= 0)
            continue;
        if (pass == 0 && (lng_pos ? liq_dec_cmp(q, lo) >= 0 : liq_dec_cmp(q, lo) <= 0))
            continue;
        if ((st = at(&pb, q, &l2, &o2, d)) == LIQ_OK && liq_dec_cmp(l2, max_l) >= 0) {
            out->mark = q;
            break;
        }
    }
    /* The debt there; its own largest value may lie further out. */
    if (st == LIQ_OK && (st = at(&pb, out->mark, &l2, &o2, d)) == LIQ_OK)
        out->debt = liq_dec_max(o2, max_o);
    out->answered = st == LIQ_OK;
    variant_free(&v);
    return st;
}
