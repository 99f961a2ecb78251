/*
 * margin.c — maintenance margin, liquidation price and bankruptcy price.
 *
 * Owns the venue formulas for one position in the settlement currency:
 *   linear:  notional = size * csize * P,   pnl = sgn * size * csize * (P - E)
 *   inverse: notional = Q / P (Q = size * csize, in quote),
 *            pnl = sgn * Q * (1/E - 1/P)
 * Maintenance margin is notional * rate - deduction (+ a fee to close), on
 * the notional at the tested price (Binance) or at entry (Bybit's
 * published formula), or whatever the policy's maintenance_margin hook
 * returns. The fee to close is charged on the same notional (OKX: "the
 * required maintenance margin plus any applicable liquidation fees"), or
 * valued at the bankruptcy price (Bybit: "fee to close = bankruptcy price
 * x quantity x taker fee"), a constant of the position whose bankruptcy
 * price then reserves it: equity(BP) = fee(BP). The liquidation price
 * solves equity(P) = MM(P): in closed form for the table model, by
 * bisection when a hook decides MM.
 */
#include "waterfall.h"

#include <string.h>

liq_dec wf_notional(wf *w, liq_dec size, liq_dec px)
{
    return wf_notional_inline(w, size, px);
}

/* The first tier whose cap the notional does not pass (the last when it
 * passes every cap). */
WF_INLINE size_t tier_of(const wf *w, liq_dec notional)
{
    size_t n = root_ntiers(w->pr);
    for (size_t i = 0; i < n; i++) {
        const p_tier *t = root_tier(w->pr, i);
        if (!t->up_to.set || d_le(notional, t->up_to.v))
            return i;
    }
    return n - 1;
}

size_t wf_tier(wf *w, liq_dec notional)
{
    return tier_of(w, notional);
}

/* Does the entry state (en_notional, en_tier) hold for a position of
 * size at w->entry? */
WF_INLINE bool en_hit(const wf *w, liq_dec size)
{
    return w->en_known && d_eq(size, w->en_size) && d_eq(w->entry, w->en_entry);
}

/* The entry state of size at w->entry, computed and kept when it is not
 * the one held: its notional, and the tier that notional falls in. */
static liq_dec en_fill(wf *w, liq_dec size)
{
    liq_dec n = wf_notional_inline(w, size, w->entry);
    if (w->c.st == LIQ_OK) {
        w->en_known = true;
        w->en_size = size;
        w->en_entry = w->entry;
        w->en_notional = n;
        w->en_tier = tier_of(w, n);
    }
    return n;
}

WF_INLINE liq_dec entry_notional(wf *w, liq_dec size)
{
    return en_hit(w, size) ? w->en_notional : en_fill(w, size);
}

/* The tier of the notional at entry (the tier a position opened in). */
WF_INLINE size_t entry_tier(wf *w, liq_dec size)
{
    if (en_hit(w, size))
        return w->en_tier;
    return tier_of(w, en_fill(w, size));
}

/* Both, with one look at the entry state: the notional into *n.
 * opened: size is the position wf_open has just opened, whose entry
 * state it wrote (wf_mm_entry, wf_open_prices), so it holds unlooked. */
WF_INLINE size_t entry_state(wf *w, liq_dec size, liq_dec *n, bool opened)
{
    if (opened || en_hit(w, size)) {
        *n = w->en_notional;
        return w->en_tier;
    }
    *n = en_fill(w, size);
    return tier_of(w, *n);
}

liq_dec wf_entry_notional(wf *w, liq_dec size)
{
    return entry_notional(w, size);
}

liq_dec wf_pnl(wf *w, liq_dec size, liq_dec px)
{
    return wf_pnl_inline(w, size, px);
}

/* Is the fee to close valued at the bankruptcy price (a constant of the
 * position) rather than on the maintenance notional? */
static bool fee_at_bp(const wf *w)
{
    const p_maint *m = &w->pr->margin.maintenance;
    return m->close_fee_at.v == CLOSEFEE_BANKRUPTCY && !d_zero(m->close_fee_rate.v);
}

/* The table model's MM with tier t on `base`, the notional the rate
 * applies to (at the tested price, or at entry), plus `fee`: the fee to
 * close valued at the bankruptcy price (zero unless close_fee_at:
 * bankruptcy), or else the close fee rate on `base`. */
WF_INLINE liq_dec table_mm_plain(wf *w, liq_dec base, size_t t, liq_dec fee, bool plain)
{
    const p_maint *m = &w->pr->margin.maintenance;
    const p_tier *tier = root_tier(w->pr, t);
    liq_dec mm = c_sub(&w->c, c_mul(&w->c, base, tier->rate.v), tier->deduction.v);
    if (plain || d_zero(m->close_fee_rate.v))
        return mm;
    if (fee_at_bp(w))
        return c_add(&w->c, mm, fee);
    return c_add(&w->c, mm, c_mul(&w->c, base, m->close_fee_rate.v));
}

WF_INLINE liq_dec table_mm_on(wf *w, liq_dec base, size_t t, liq_dec fee)
{
    return table_mm_plain(w, base, t, fee, false);
}

static liq_dec table_mm(wf *w, liq_dec size, liq_dec px, size_t t, liq_dec fee)
{
    const p_maint *m = &w->pr->margin.maintenance;
    return table_mm_on(w, m->base.v == MMBASE_ENTRY ? entry_notional(w, size)
                                                    : wf_notional_inline(w, size, px), t, fee);
}

liq_dec wf_close_fee(wf *w, liq_dec size, liq_dec coll)
{
    liq_dec bp;
    if (!fee_at_bp(w) || !wf_bankruptcy_price(w, size, coll, &bp))
        return LIQ_DEC_ZERO;
    /* Bybit: "Fee to close = Bankruptcy Price x Order Qty x Taker Fee"
     * (inverse: Qty / Bankruptcy Price x taker fee), at the venue's amount
     * precision and its fee rounding. */
    liq_dec fee = c_mul(&w->c, wf_notional(w, size, bp), w->pr->margin.maintenance.close_fee_rate.v);
    return wf_round_amount(w, fee, w->fee_mode);
}

static const char *side_name(const wf *w)
{
    return w->sgn > 0 ? "long" : "short";
}

/* The hook's maintenance margin (wf_mm under a maintenance_margin hook). */
static liq_status mm_hooked(wf *w, liq_dec size, liq_dec coll, liq_dec px, liq_dec *mm,
                            size_t *tier);

/* wf_mm, inlined into wf_mm_entry: at the entry price the notional and
 * tier are the entry state's. plain: solve_table_plain's. */
WF_INLINE liq_status mm_of(wf *w, liq_dec size, liq_dec coll, liq_dec px, liq_dec *mm, size_t *tier,
                           bool opened, bool plain)
{
    const p_maint *m = &w->pr->margin.maintenance;
    if (wf_hooked(w, HOOK_MM))
        return mm_hooked(w, size, coll, px, mm, tier);
    /* The notional the rate applies to: at entry (margin.maintenance.
     * base: entry, or a price that is the entry), else at px. The tier
     * follows the notional at the tested price only where the venue
     * re-brackets (Binance); otherwise the position's tier is the one it
     * opened in, as the closed-form liquidation price assumes. At the
     * entry price both are the entry's, kept (en_tier). */
    liq_dec base;
    size_t t;
    if (m->base.v == MMBASE_ENTRY || d_eq(px, w->entry)) {
        t = entry_state(w, size, &base, opened);
    } else {
        base = wf_notional_inline(w, size, px);
        t = m->rebracket.v ? tier_of(w, base) : entry_tier(w, size);
    }
    if (tier)
        *tier = t;
    /* A tier's deduction is a discount on the rate, never a credit: below
     * the tier's own floor (a notional that fell after the tier was
     * chosen) the requirement is zero, not negative (lint flags tables
     * whose deduction exceeds their floor's requirement). */
    liq_dec fee = !plain && fee_at_bp(w) ? wf_close_fee(w, size, coll) : LIQ_DEC_ZERO;
    *mm = liq_dec_max(table_mm_plain(w, base, t, fee, plain), LIQ_DEC_ZERO);
    return w->c.st;
}

liq_status wf_mm(wf *w, liq_dec size, liq_dec coll, liq_dec px, liq_dec *mm, size_t *tier)
{
    return mm_of(w, size, coll, px, mm, tier, false, false);
}

liq_status wf_mm_entry(wf *w, liq_dec *mm, size_t *tier)
{
    if (w->pr->margin.maintenance.plain)
        return mm_of(w, w->size, w->collateral, w->entry, mm, tier, true, true);
    return mm_of(w, w->size, w->collateral, w->entry, mm, tier, true, false);
}

static liq_status mm_hooked(wf *w, liq_dec size, liq_dec coll, liq_dec px, liq_dec *mm,
                            size_t *tier)
{
    const p_maint *m = &w->pr->margin.maintenance;
    bool on_entry = m->base.v == MMBASE_ENTRY;
    /* The hook sees the notional at px and at entry, and the tier of the
     * one the venue brackets by. */
    liq_dec notional = d_eq(px, w->entry) ? entry_notional(w, size)
                                          : wf_notional_inline(w, size, px);
    liq_dec entry_notional_v = entry_notional(w, size);
    bool at_px = !on_entry && m->rebracket.v;
    size_t t = at_px ? tier_of(w, notional) : entry_tier(w, size);
    if (tier)
        *tier = t;
    const p_tier *pt = root_tier(w->pr, t);
    liq_hook_field f[] = {
        {.key = "side", .kind = LIQ_HF_STR, .str = side_name(w)},
        {.key = "contract", .kind = LIQ_HF_STR, .str = liq_contract_names[w->ctype]},
        {.key = "size", .kind = LIQ_HF_DEC, .dec = size},
        {.key = "entry_price", .kind = LIQ_HF_DEC, .dec = w->entry},
        {.key = "price", .kind = LIQ_HF_DEC, .dec = px},
        {.key = "notional", .kind = LIQ_HF_DEC, .dec = notional},
        {.key = "entry_notional", .kind = LIQ_HF_DEC, .dec = entry_notional_v},
        {.key = "leverage", .kind = LIQ_HF_DEC, .dec = w->lev},
        {.key = "initial_margin", .kind = LIQ_HF_DEC, .dec = w->im},
        {.key = "collateral", .kind = LIQ_HF_DEC, .dec = coll},
        {.key = "tier_rate", .kind = LIQ_HF_DEC, .dec = pt->rate.v},
        {.key = "tier_deduction", .kind = LIQ_HF_DEC, .dec = pt->deduction.v},
        /* One hook may serve several markets whose rules differ by more
         * than the tier (Deribit's per-coin size term). */
        {.key = "market", .kind = LIQ_HF_STR, .str = w->mkt ? w->mkt->id->symbol.v : ""},
    };
    if (w->c.st != LIQ_OK)
        return w->c.st;
    liq_status st = wf_call_hook(w, HOOK_MM, f, sizeof f / sizeof *f);
    if (st != LIQ_OK)
        return st;
    st = liq_hookrt_ret_dec(w->p->rt, NULL, mm, NULL, w->d);
    liq_hookrt_ret_done(w->p->rt);
    if (st == LIQ_OK && d_neg(*mm)) {
        /* A requirement below zero is a bug in the hook, not a rule. */
        liq_mark hm = w->p->hook_mark[HOOK_MM];
        liq_diags_add(w->d, LIQ_SEV_ERROR, LIQ_EHOOK, hm.file, hm.line, hm.col,
                      "hook maintenance_margin: returned a negative maintenance margin %s "
                      "(at a price of %s)", dstr(*mm, (char[LIQ_DEC_STRLEN]){0}),
                      dstr(px, (char[LIQ_DEC_STRLEN]){0}));
        return LIQ_EHOOK;
    }
    return st;
}

/* The mark-base closed form of a linear contract (q x entry is the
 * entry notional se, q being size x contract size):
 *   long:  P = (S*E - C - d) / (S*(1 - r))
 *   short: P = (S*E + C + d) / (S*(1 + r))
 * rounded by dir; false when no positive price solves it. pv: calc.h's,
 * the range proven (root_proven). */
WF_INLINE bool linear_root(wf *w, bool pv, liq_dec q, liq_dec se, liq_dec coll, liq_dec ded,
                           liq_dec rate, liq_round dir, liq_dec *out)
{
    liq_dec one = c_int(1);
    liq_dec cd = pv_add(&w->c, pv, coll, ded);
    liq_dec num = w->sgn > 0 ? pv_sub(&w->c, pv, se, cd) : pv_add(&w->c, pv, se, cd);
    liq_dec den = pv_mul(&w->c, pv, q,
                         w->sgn > 0 ? pv_sub(&w->c, pv, one, rate) : pv_add(&w->c, pv, one, rate));
    if (!d_pos(den) || !d_pos(num))
        return false;
    *out = pv_divr(&w->c, pv, num, den, dir);
    return d_pos(*out);
}

/* The range proof of linear_root, on its inputs: q below 2^62 raw, se,
 * coll and ded each from 0 to below 2^60, the rate from 0 to 1, and no
 * failure yet (a failed status makes the checked operations answer
 * zero). Then cd = coll + ded < 2^61 and |num| < 2^62; 1 -+ rate lies in
 * [0, 2], so den = q x (1 -+ rate) <= 2q < 2^63 and its product is below
 * 2^63 x 10^12 (dec_unscale64's range); num and den fit 64 bits and den
 * is positive where it divides: every operation is the checked one's,
 * raw for raw (tests/test_close.c tries each bound at its edge). */
WF_INLINE bool root_proven(const wf *w, liq_dec q, liq_dec se, liq_dec coll, liq_dec ded,
                           liq_dec rate)
{
    if (w->c.st != LIQ_OK || (PV_HI(q) | PV_HI(se) | PV_HI(coll) | PV_HI(ded) | PV_HI(rate)))
        return false;
    return !((PV_LO(q) >> 62) | ((PV_LO(se) | PV_LO(coll) | PV_LO(ded)) >> 60)) &&
           PV_LO(rate) <= DEC_SCALE;
}

bool wf_root_proven(const wf *w, liq_dec q, liq_dec se, liq_dec coll, liq_dec ded, liq_dec rate)
{
    return root_proven(w, q, se, coll, ded, rate);
}

bool wf_linear_root(wf *w, bool pv, liq_dec q, liq_dec se, liq_dec coll, liq_dec ded,
                    liq_dec rate, liq_round dir, liq_dec *out)
{
    return pv ? linear_root(w, true, q, se, coll, ded, rate, dir, out)
              : linear_root(w, false, q, se, coll, ded, rate, dir, out);
}

/* Closed form of equity(P) = MM(P) for the table model with tier t.
 * Returns false when no price satisfies it (never liquidated). plain:
 * the policy's maintenance.plain (no close fee, linear, size one), a
 * constant at each call, so that the copy for such a policy tests none
 * of the three. */
WF_INLINE bool solve_table_plain(wf *w, liq_dec size, liq_dec coll, size_t t, bool zero_mm,
                                 const liq_dec *se_known, bool plain, liq_dec *out)
{
    const p_maint *m = &w->pr->margin.maintenance;
    const p_tier *tier = root_tier(w->pr, t);
    liq_dec one = c_int(1);
    bool at_bp = !plain && fee_at_bp(w);
    bool linear = plain || w->ctype == CT_LINEAR;
    /* The fee to close valued at the bankruptcy price is a constant F of
     * the position: MM = notional x rate - (deduction - F). The
     * bankruptcy price itself reserves it: equity(BP) = BP's notional x
     * the fee rate, the mark-base equation with that rate and no
     * deduction. */
    liq_dec fee = at_bp && !zero_mm ? wf_close_fee(w, size, coll) : LIQ_DEC_ZERO;
    /* (A zero fee or rate is not added: the same sum, one test.) */
    liq_dec rate = zero_mm ? (at_bp ? m->close_fee_rate.v : LIQ_DEC_ZERO)
                 : plain || at_bp || d_zero(m->close_fee_rate.v)
                     ? tier->rate.v : c_add(&w->c, tier->rate.v, m->close_fee_rate.v);
    liq_dec ded = zero_mm ? LIQ_DEC_ZERO
                : plain || d_zero(fee) ? tier->deduction.v : c_sub(&w->c, tier->deduction.v, fee);
    liq_dec q = plain ? size : wf_units(w, size);
    /* Conservative rounding of the division itself (long up, short down),
     * so the unrounded price already errs against the trader. */
    liq_round dir = w->sgn > 0 ? LIQ_ROUND_CEIL : LIQ_ROUND_FLOOR;
    if ((m->base.v == MMBASE_ENTRY && !zero_mm) || (zero_mm && !at_bp)) {
        /* MM is a constant M: linear P = E - sgn*(C - M)/S;
         * inverse P = Q / (Q/E + sgn*(C - M)). */
        liq_dec M = zero_mm ? LIQ_DEC_ZERO
                  : se_known ? table_mm_plain(w, *se_known, t, fee, plain)
                             : table_mm(w, size, w->entry, t, fee);
        liq_dec slack = d_zero(M) ? coll : c_sub(&w->c, coll, M);
        if (linear) {
            liq_dec move = c_divr(&w->c, slack, q, LIQ_ROUND_FLOOR);
            *out = w->sgn > 0 ? c_sub(&w->c, w->entry, move) : c_add(&w->c, w->entry, move);
            return d_pos(*out);
        }
        liq_dec qe = c_div(&w->c, q, w->entry);
        liq_dec den = w->sgn > 0 ? c_add(&w->c, qe, slack) : c_sub(&w->c, qe, slack);
        if (!d_pos(den))
            return false;
        *out = c_divr(&w->c, q, den, dir);
        return d_pos(*out);
    }
    if (linear) {
        liq_dec se = se_known ? *se_known : entry_notional(w, size);
        if (root_proven(w, q, se, coll, ded, rate))
            return linear_root(w, true, q, se, coll, ded, rate, dir, out);
        return linear_root(w, false, q, se, coll, ded, rate, dir, out);
    }
    /* long:  P = Q*(1 + r) / (C + Q/E + d)
     * short: P = Q*(1 - r) / (Q/E - C - d) */
    liq_dec qe = c_div(&w->c, q, w->entry);
    liq_dec cd = c_add(&w->c, coll, ded);
    liq_dec num = c_mul(&w->c, q, w->sgn > 0 ? c_add(&w->c, one, rate) : c_sub(&w->c, one, rate));
    liq_dec den = w->sgn > 0 ? c_add(&w->c, cd, qe) : c_sub(&w->c, qe, cd);
    if (!d_pos(den) || !d_pos(num))
        return false;
    *out = c_divr(&w->c, num, den, dir);
    return d_pos(*out);
}

WF_INLINE bool solve_table(wf *w, liq_dec size, liq_dec coll, size_t t, bool zero_mm,
                           const liq_dec *se_known, liq_dec *out)
{
    return solve_table_plain(w, size, coll, t, zero_mm, se_known, false, out);
}

WF_INLINE bool bankruptcy_price_plain(wf *w, liq_dec size, liq_dec coll, bool plain, liq_dec *bp)
{
    liq_dec raw;
    if (!solve_table_plain(w, size, coll, 0, true, NULL, plain, &raw))
        return false;
    *bp = wf_round_price(w, raw, 0);
    return w->c.st == LIQ_OK;
}

WF_INLINE bool bankruptcy_price(wf *w, liq_dec size, liq_dec coll, liq_dec *bp)
{
    return bankruptcy_price_plain(w, size, coll, false, bp);
}

bool wf_bankruptcy_price(wf *w, liq_dec size, liq_dec coll, liq_dec *bp)
{
    return bankruptcy_price(w, size, coll, bp);
}

/* f(P) = equity(P) - MM(P); liquidated where f <= 0. */
static liq_status excess(wf *w, liq_dec size, liq_dec coll, liq_dec px, liq_dec *out)
{
    liq_dec mm;
    liq_status st = wf_mm(w, size, coll, px, &mm, NULL);
    if (st != LIQ_OK)
        return st;
    *out = c_sub(&w->c, c_add(&w->c, coll, wf_pnl(w, size, px)), mm);
    return w->c.st;
}

/* A short's liquidation price has no bankruptcy price to bracket it when
 * the hook decides MM (an inverse short can have none): the search starts
 * a millionfold above entry, past any price a path of a real market
 * reaches, and a position still above maintenance there is never
 * liquidated. */
#define SHORT_BRACKET_MULTIPLE 1000000
/* The bisection stops when the bracket is 1e-9 wide (1000 raw units at
 * 12 places): far below any venue's tick, so the tick rounding after it
 * decides the printed price. */
#define BISECT_EPS ((liq_dec){1000})
/* Halvings from a bracket as wide as 1.7e26 to 1e-9 take under 120: the
 * limit only stops a hook that is not monotone from looping. */
#define BISECT_MAX_STEPS 200

/* The bisection's own steps, each decision taken by `positive`: f(mid)
 * > 0 keeps mid as `good`, else as `bad`. Halvings are floor((good +
 * bad) / 2) until the bracket is BISECT_EPS wide, the same on every
 * machine. */
typedef struct bisect_probe bisect_probe;
typedef liq_status (*bisect_sign)(wf *w, bisect_probe *bp, liq_dec mid, bool *positive);
struct bisect_probe {
    liq_dec size, coll;
    /* A linear model of f: its root x, and how far from it a prediction
     * may be wrong (band); decisions inside the band call the hook. */
    liq_dec x, band;
    /* The nearest prices the hook has answered on either side: f(pos) >
     * 0 and f(nonpos) <= 0. For f monotone (which the bisection assumes)
     * every price beyond pos, away from bad, is positive, and every price
     * beyond nonpos, away from good, is not: decided by what the hook
     * already said, with no call. */
    liq_dec pos, nonpos;
    bool long_good;          /* good is above bad (a long) */
    bool real;               /* the last decision is the hook's own answer */
};

/* Is a at or beyond b in the good direction (above it, for a long)? */
static bool at_or_past(const bisect_probe *bp, liq_dec a, liq_dec b)
{
    return bp->long_good ? d_ge(a, b) : d_le(a, b);
}

/* The hook answered f(px) > 0 (positive) or not: px becomes the nearest
 * known price on its side when it is nearer than the one known. Only a
 * price inside the bracket [nonpos, pos] moves either. */
static void learn(bisect_probe *bp, liq_dec px, bool positive)
{
    if (at_or_past(bp, px, bp->pos) || at_or_past(bp, bp->nonpos, px))
        return;
    if (positive)
        bp->pos = px;
    else
        bp->nonpos = px;
}

static liq_status sign_by_hook(wf *w, bisect_probe *bp, liq_dec mid, bool *positive)
{
    liq_dec f = LIQ_DEC_ZERO;
    liq_status st = excess(w, bp->size, bp->coll, mid, &f);
    *positive = d_pos(f);
    bp->real = true;
    learn(bp, mid, *positive);
    return st;
}

static liq_status sign_by_model(wf *w, bisect_probe *bp, liq_dec mid, bool *positive)
{
    bool pos = at_or_past(bp, mid, bp->pos);
    if (pos || at_or_past(bp, bp->nonpos, mid)) {
        /* what the hook answered at pos or nonpos decides mid too */
        *positive = pos;
        bp->real = true;
        return LIQ_OK;
    }
    calc probe = {LIQ_OK, NULL};
    liq_dec off = c_sub(&probe, mid, bp->x);
    if (probe.st != LIQ_OK || d_le(liq_dec_abs(off), bp->band))
        return sign_by_hook(w, bp, mid, positive);
    *positive = bp->long_good ? d_pos(off) : d_neg(off);
    bp->real = false;
    return LIQ_OK;
}

static liq_status bisect(wf *w, bisect_probe *bp, bisect_sign sign, liq_dec *good, liq_dec *bad,
                         bool *good_real, bool *bad_real)
{
    liq_dec eps = BISECT_EPS;
    for (int i = 0; i < BISECT_MAX_STEPS; i++) {
        liq_dec gap = liq_dec_abs(c_sub(&w->c, *good, *bad));
        if (d_le(gap, eps))
            break;
        liq_dec mid = c_divr(&w->c, c_add(&w->c, *good, *bad), c_int(2), LIQ_ROUND_FLOOR);
        bool pos;
        liq_status st = sign(w, bp, mid, &pos);
        if (st != LIQ_OK)
            return st;
        if (pos) {
            *good = mid;
            *good_real = bp->real;
        } else {
            *bad = mid;
            *bad_real = bp->real;
        }
    }
    return w->c.st;
}

/* Whether a liquidation price the solver answers is beyond every mark in
 * reach, given a price pos where the hook says f > 0. For f monotone, f
 * is not positive on the bad side of the answer: the bisection's good end
 * lies within BISECT_EPS of pos on its bad side at most (its bad end is
 * short of pos), a secant root with f = 0 short of pos, so a long's price
 * rounds to at most R(pos + eps), a short's to at least R(pos - eps). */
static bool beyond_reach(wf *w, const wf_reach *reach, liq_dec pos)
{
    calc kept = w->c;
    bool beyond;
    if (w->sgn > 0)
        beyond = d_lt(wf_round_price(w, c_add(&w->c, pos, BISECT_EPS), 0), reach->lo);
    else
        beyond = d_gt(wf_round_price(w, c_sub(&w->c, pos, BISECT_EPS), 0), reach->hi);
    beyond = beyond && w->c.st == LIQ_OK;
    w->c = kept;
    return beyond;
}

bool wf_reach_past(wf *w, const wf_reach *reach, liq_dec *px)
{
    const p_rounding *ro = &w->pr->rounding;
    liq_dec tick = ro->price_tick.set && ro->price.v != PRR_NONE ? ro->price_tick.v : LIQ_DEC_ZERO;
    calc c = {LIQ_OK, NULL};
    liq_dec past = c_add(&c, c_add(&c, BISECT_EPS, tick), (liq_dec){1});
    *px = w->sgn > 0 ? c_sub(&c, reach->lo, past) : c_add(&c, reach->hi, past);
    return c.st == LIQ_OK && d_pos(*px);
}

/* The price the solver asks the hook about to prove a position out of
 * reach (wf_reach_past): just past the reached marks by the bisection's
 * width and a tick, so that f > 0 there proves it (beyond_reach). False
 * when that price is not strictly inside the bracket (good, bad) or
 * proves nothing. */
static bool reach_probe(wf *w, const wf_reach *reach, liq_dec good, liq_dec bad, liq_dec *px)
{
    if (!wf_reach_past(w, reach, px))
        return false;
    liq_dec p = *px;
    bool inside = w->sgn > 0 ? d_gt(p, bad) && d_lt(p, good) : d_lt(p, bad) && d_gt(p, good);
    return inside && beyond_reach(w, reach, p);
}

/* Hooked maintenance margin: keeps `bad` (f <= 0) and `good` (f > 0)
 * bracketing the boundary until they are BISECT_EPS apart.
 *
 * Shipped hooks are linear in the price (Kraken's used margin, Deribit's
 * size-scaled rate on a fixed size), so the bisection need not call the
 * hook at every halving: the secant through the bracket is the root of
 * f up to rounding, and a halving far from it goes the way the line
 * says. The halvings are the bisection's own; only those within `band`
 * of the secant root (where rounding could decide) call the hook, and
 * the two ends of the final bracket are checked by calling it: f(good) >
 * 0 and f(bad) <= 0 there mean, for f monotone in the bracket (which the
 * bisection assumes too), that every predicted halving went the way the
 * hook would have sent it, so the answer is the bisection's to the last
 * digit in a handful of calls instead of about sixty. A halving at or
 * beyond a price the hook has already answered (entry, bad, the secant
 * root, an earlier halving) goes the way that answer says, for f
 * monotone, without a call. When the line is not there (|f(x)| not small
 * next to f's span) or a check fails, the bisection calls the hook at
 * every halving, as it always did.
 *
 * With a reach (a replay's marks), a position whose price is proven
 * beyond every reached mark is answered "none" without being solved:
 * from the entry alone, or from one question just past the marks
 * (beyond_reach). The walk then never triggers it, as it never triggers
 * the price a full solve would have found. */
/* Worth a question to the hook (reach_probe)? Only a guess, which never
 * decides an answer: the price where f, at fe above zero at entry, would
 * reach zero were the maintenance margin constant (a long's nearest
 * guess) or proportional to the notional (a short's), linear contracts
 * only; beyond the marks by that guess, the question is likely a yes. */

static bool likely_beyond(wf *w, liq_dec size, liq_dec coll, liq_dec fe, const wf_reach *reach)
{
    if (w->ctype != CT_LINEAR)
        return true;
    calc c = {LIQ_OK, NULL};
    liq_dec q = wf_units(w, size);
    liq_dec guess;
    if (w->sgn > 0) {
        guess = c_sub(&c, w->entry, c_div(&c, fe, q));
        return c.st != LIQ_OK || d_lt(guess, reach->lo);
    }
    liq_dec mm = c_sub(&c, coll, fe);
    guess = c_add(&c, w->entry, c_div(&c, fe, c_add(&c, q, c_div(&c, mm, w->entry))));
    return c.st != LIQ_OK || d_gt(guess, reach->hi);
}

/* Out of line: the table solvers below are inlined into each caller, and
 * a hook's bisection is the rare path beside them. */
__attribute__((noinline)) static liq_status solve_hooked(wf *w, liq_dec size, liq_dec coll,
                                                          const wf_reach *reach, bool *has,
                                                          liq_dec *out)
{
    liq_dec f, good = w->entry, bad;
    liq_status st;
    if (w->entry_mm_for.set && w->entry_mm_for.sgn == w->sgn && d_eq(w->entry_mm_for.size, size) &&
        d_eq(w->entry_mm_for.coll, coll) && d_eq(w->entry_mm_for.lev, w->lev) &&
        d_eq(w->entry_mm_for.im, w->im)) {
        /* The position wf_open just opened: its maintenance margin at
         * entry is the probe at entry, asked of the hook once. */
        w->entry_mm_for.set = false;
        f = c_sub(&w->c, c_add(&w->c, coll, wf_pnl(w, size, good)), w->entry_mm);
        st = w->c.st;
    } else {
        st = excess(w, size, coll, good, &f);
    }
    if (st != LIQ_OK)
        return st;
    if (!d_pos(f)) {
        *has = true;
        *out = w->entry;   /* below maintenance from the start */
        return LIQ_OK;
    }
    liq_dec fg = f, fb;
    liq_dec bp;
    if (reach && beyond_reach(w, reach, good)) {
        *has = false;   /* past every mark from the entry on */
        return LIQ_OK;
    }
    if (wf_bankruptcy_price(w, size, coll, &bp)) {
        bad = bp;
    } else if (w->sgn > 0) {
        bad = (liq_dec){1};   /* the smallest positive price */
    } else {
        bad = c_mul(&w->c, w->entry, c_int(SHORT_BRACKET_MULTIPLE));
    }
    bisect_probe pb = {.size = size, .coll = coll, .pos = good, .nonpos = bad,
                       .long_good = d_gt(good, bad)};
    liq_dec px;
    if (reach && reach_probe(w, reach, good, bad, &px) && likely_beyond(w, size, coll, fg, reach)) {
        /* One question decides whether the walk needs the price at all;
         * a no is a price on the bad side, nearer than bad. */
        if ((st = excess(w, size, coll, px, &f)) != LIQ_OK)
            return st;
        if (d_pos(f)) {
            *has = false;
            return LIQ_OK;
        }
        learn(&pb, px, false);
    }
    if ((st = excess(w, size, coll, bad, &fb)) != LIQ_OK)
        return st;
    if (d_pos(fb)) {
        *has = false;
        return LIQ_OK;
    }
    /* First the secant through the whole bracket: for a linear hook it
     * lands on the exact root (47000, not 46999.99999999988) when the
     * rounding allows. Otherwise bisect far below any tick (1e-9) and
     * keep the safe side, which errs against the trader (a long
     * liquidates a hair higher); the tick rounding after is conservative
     * too. */
    bool model = false;
    liq_dec den = c_sub(&w->c, fg, fb);
    if (d_pos(den) && w->c.st == LIQ_OK) {
        calc probe = w->c;
        liq_dec span = c_sub(&probe, good, bad);
        liq_dec x = c_sub(&probe, bad, c_div(&probe, c_mul(&probe, fb, span), den));
        liq_dec fx = LIQ_DEC_ZERO;
        if (probe.st == LIQ_OK && d_pos(x) && (st = excess(w, size, coll, x, &fx)) != LIQ_OK)
            return st;
        if (probe.st == LIQ_OK && d_pos(x) && d_zero(fx)) {
            *has = true;
            *out = x;
            return w->c.st;
        }
        if (probe.st == LIQ_OK && d_pos(x))
            learn(&pb, x, d_pos(fx));
        /* The line holds where f(x) is a rounding's worth next to f's
         * span (2^-20 of it); how far x may be from the true root is
         * |f(x)| / slope, and within that (and a unit) of x the hook
         * decides. On x's own side its answer at x already does, so the
         * band is one-sided; a prediction the last bracket's check finds
         * wrong costs a bisection with a call at every halving, never a
         * wrong price (in 40,000 solves of the bench's books, none). */
        liq_dec afx = liq_dec_abs(fx);
        if (probe.st == LIQ_OK && d_pos(x) && !w->bisect_every &&
            d_le(c_mul(&probe, afx, c_int(1 << 20)), den)) {
            liq_dec off = c_div(&probe, c_mul(&probe, afx, liq_dec_abs(span)), den);
            pb.x = x;
            pb.band = c_add(&probe, off, (liq_dec){1});
            model = probe.st == LIQ_OK;
        }
    }
    if (model) {
        liq_dec g = good, b = bad;
        bool g_real = true, b_real = true;
        if ((st = bisect(w, &pb, sign_by_model, &g, &b, &g_real, &b_real)) != LIQ_OK)
            return st;
        bool ok = true;
        if (!g_real) {
            if ((st = excess(w, size, coll, g, &f)) != LIQ_OK)
                return st;
            ok = d_pos(f);
        }
        if (ok && !b_real) {
            if ((st = excess(w, size, coll, b, &f)) != LIQ_OK)
                return st;
            ok = !d_pos(f);
        }
        if (ok) {
            *has = true;
            *out = g;
            return w->c.st;
        }
    }
    bool gr = true, br = true;
    if ((st = bisect(w, &pb, sign_by_hook, &good, &bad, &gr, &br)) != LIQ_OK)
        return st;
    *has = true;
    *out = good;
    return w->c.st;
}

/* The price at which the position's notional is `n`: the cap between
 * two tiers, rounded as the closed form rounds (against the trader). */
static liq_dec price_at_notional(wf *w, liq_dec size, liq_dec n)
{
    liq_round dir = w->sgn > 0 ? LIQ_ROUND_CEIL : LIQ_ROUND_FLOOR;
    liq_dec q = wf_units(w, size);
    return w->ctype == CT_LINEAR ? c_divr(&w->c, n, q, dir) : c_divr(&w->c, q, n, dir);
}

/* Re-bracketing venues (Binance: "recompute with the bracket of the
 * notional at the liquidation price"; Hyperliquid, Kraken) take the tier
 * at the notional at the tested price itself, so the maintenance margin
 * is piecewise linear in the price, one piece per tier, and each tier's
 * closed form is the root of its own piece only: a root outside the
 * tier's own notional range is no liquidation price. Equity less MM is
 * monotone in the price (every rate is below 1), so the liquidation
 * price is the first root met going from entry towards bankruptcy that
 * lies in its own tier. The walk goes tier by tier from the entry's, the
 * way the notional moves as the price goes against the position: a root
 * beyond this tier's far end, or none (this piece stays above
 * maintenance), sends it on to the next tier; a root that falls back
 * before the tier's near end means the requirement jumps up at the cap
 * between the two (a table whose deduction is not the recurrence, which
 * lint flags), and the position is liquidated at that cap's price. At
 * the entry's own tier a root on the entry's side is the answer as it
 * is: the position is liquidatable as it opens.
 *
 * (Following the root's own tier from the entry's instead, as this did
 * before, stops at a tier whose piece has no root and says "never
 * liquidated": a long of 180,000,000 whose entry tier's deduction of
 * 16,728,380 leaves no positive root, though its equity reaches the
 * 5% tier's requirement near 3,429.) */
/* The walk itself, from the entry's tier t (notional se at entry);
 * out of line: most positions are answered before it (solve_rebracket). */
__attribute__((noinline)) static bool rebracket_walk(wf *w, liq_dec size, liq_dec coll, liq_dec se,
                                                     size_t t, size_t *tier, liq_dec *out)
{
    size_t n = root_ntiers(w->pr);
    /* Which way the tiers go as the price moves against the position: a
     * linear long's notional falls with the price, an inverse long's
     * (Q / P) rises; a short the other way round. */
    bool up = (w->sgn > 0) == (w->ctype == CT_INVERSE);
    *tier = t;
    for (size_t i = 0; i < n && w->c.st == LIQ_OK; i++) {
        liq_dec raw;
        *tier = t;
        if (solve_table(w, size, coll, t, false, &se, &raw)) {
            size_t at = tier_of(w, wf_notional_inline(w, size, raw));
            bool before = up ? at < t : at > t;
            if (at == t || (before && i == 0)) {
                *out = raw;
                return true;
            }
            if (before) {
                *tier = up ? t - 1 : t;
                *out = price_at_notional(w, size, root_tier(w->pr, *tier)->up_to.v);
                return true;
            }
        }
        if (up ? t + 1 >= n : t == 0)
            break;
        t = up ? t + 1 : t - 1;
    }
    return false;
}

WF_INLINE bool solve_rebracket(wf *w, liq_dec size, liq_dec coll, size_t *tier, liq_dec *out,
                               bool opened, bool plain)
{
    bool linear = plain || w->ctype == CT_LINEAR;
    liq_dec se;
    size_t t = entry_state(w, size, &se, opened);
    /* Where the notional falls as the price moves against the position
     * (a linear long's, an inverse short's) and the entry's tier is the
     * first, no tier lies beyond it: the walk's first root is the answer
     * whichever tier it lies in (the entry's, or one before it). On the
     * losing side of entry (at or below a linear long's, at or above an
     * inverse short's) its notional is at most the entry's, so it cannot
     * fail where the entry's did not and need not be computed. Anything
     * else is the walk's, which solves this tier again (a root on the
     * other side: a position already under water). */
    bool falls = (w->sgn > 0) == linear;
    if (falls && t == 0) {
        liq_dec raw;
        *tier = t;
        if (solve_table_plain(w, size, coll, t, false, &se, plain, &raw) &&
            (linear ? d_le(raw, w->entry) : d_ge(raw, w->entry))) {
            *out = raw;
            return true;
        }
    }
    return rebracket_walk(w, size, coll, se, t, tier, out);
}

WF_INLINE liq_status solve_price(wf *w, liq_dec size, liq_dec coll, const wf_reach *reach, bool *has,
                                 liq_dec *lp, size_t *tier, bool opened, bool plain)
{
    const p_maint *m = &w->pr->margin.maintenance;
    liq_dec raw;
    *has = false;
    if (wf_hooked(w, HOOK_MM)) {
        liq_status st = solve_hooked(w, size, coll, reach, has, &raw);
        if (st != LIQ_OK)
            return st;
        if (tier)
            *tier = tier_of(w, wf_notional(w, size, *has ? raw : w->entry));
    } else if (m->rebracket.v && m->base.v != MMBASE_ENTRY) {
        size_t t;
        *has = solve_rebracket(w, size, coll, &t, &raw, opened, plain);
        if (tier)
            *tier = t;
    } else {
        liq_dec se;
        size_t t = entry_state(w, size, &se, opened);
        *has = solve_table_plain(w, size, coll, t, false, &se, plain, &raw);
        if (tier)
            *tier = t;
    }
    if (*has)
        *lp = wf_round_price(w, raw, 0);
    return w->c.st;
}

liq_status wf_liq_price(wf *w, liq_dec size, liq_dec coll, bool *has, liq_dec *lp, size_t *tier)
{
    return solve_price(w, size, coll, NULL, has, lp, tier, false, false);
}

WF_INLINE liq_status open_prices(wf *w, bool plain)
{
    liq_status st = solve_price(w, w->size, wf_margin_coll(w, w->collateral), NULL, &w->has_lp,
                                &w->lp, NULL, true, plain);
    if (st != LIQ_OK)
        return st;
    if (!w->has_lp)
        w->lp = LIQ_DEC_ZERO;
    w->has_bp = bankruptcy_price_plain(w, w->size, w->collateral, plain, &w->bp);
    if (!w->has_bp)
        w->bp = LIQ_DEC_ZERO;
    w->bp_known = true;
    w->bp_size = w->size;
    w->bp_coll = w->collateral;
    return w->c.st;
}

liq_status wf_open_prices(wf *w)
{
    return w->pr->margin.maintenance.plain ? open_prices(w, true) : open_prices(w, false);
}

liq_status wf_liq_price_reached(wf *w, liq_dec size, liq_dec coll, const wf_reach *reach, bool *has,
                                liq_dec *lp)
{
    return solve_price(w, size, coll, reach, has, lp, NULL, false, false);
}

liq_dec wf_round_price_tick(wf *w, liq_dec px, int purpose)
{
    const p_rounding *ro = &w->pr->rounding;
    liq_round mode;
    switch (ro->price.v) {
    case PRR_CONSERVATIVE:
        /* Against the trader: a long is liquidated (and bankrupt) higher
         * and filled lower; a short the other way round. */
        if (purpose == 0)
            mode = w->sgn > 0 ? LIQ_ROUND_CEIL : LIQ_ROUND_FLOOR;
        else
            mode = w->sgn > 0 ? LIQ_ROUND_FLOOR : LIQ_ROUND_CEIL;
        break;
    case PRR_HALF_UP: mode = LIQ_ROUND_HALF_UP; break;
    case PRR_DOWN: mode = LIQ_ROUND_DOWN; break;
    case PRR_UP: mode = LIQ_ROUND_UP; break;
    case PRR_FLOOR: mode = LIQ_ROUND_FLOOR; break;
    case PRR_CEIL: mode = LIQ_ROUND_CEIL; break;
    default: mode = LIQ_ROUND_HALF_EVEN; break;
    }
    liq_dec q = c_quant(&w->c, px, ro->price_tick.v, mode);
    /* An order fills at a price the venue's book can hold: a positive
     * multiple of its tick. A fill rounded down to 0 (a long's, against
     * the trader, at a mark under two ticks) fills at one tick instead;
     * at 0 an inverse contract, worth 1/price, would have no value. */
    if (purpose == 1 && !d_pos(q) && d_pos(px))
        q = ro->price_tick.v;
    return q;
}

liq_dec wf_round_amount_step(wf *w, liq_dec v, liq_round mode)
{
    return c_quant(&w->c, v, w->pr->rounding.amount_step.v, mode);
}
