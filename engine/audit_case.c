/*
 * audit_case.c — the cases of a property audit (audit.h): generated
 * from the run's seed and the case's id, within the policy's own limits,
 * written into a scenario in memory for evaluation, and written out as
 * a scenario file when one fails.
 *
 * Within the policy's limits: a market it lists, a margin mode it
 * offers, a notional inside one of the market's tiers and a leverage
 * that tier allows (so a case is never a trade the venue refuses), and
 * prices on its tick. The path is drawn around the position's own
 * margin (a mark moved by up to 1.6 times the collateral's share of the
 * notional), so cases land on every side of the liquidation and
 * bankruptcy prices rather than far from both. A finite insurance fund
 * is tried only where the policy's shortfall order has a stage after
 * the fund to take what it cannot.
 *
 * A case is evaluated by writing its numbers into one scenario per
 * market, parsed once: a million cases parse no YAML. The file written
 * for a counterexample carries the same numbers, and the audit loads it
 * back and checks it again before it says the file reproduces.
 */
#include "audit.h"
#include "calc.h"
#include "mem.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64: a case's stream from (seed, id), nothing shared. */
static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A uniform integer in [lo, hi]. */
static int64_t pick(uint64_t *s, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(mix(s) % (uint64_t)(hi - lo + 1));
}

/* n / 10^places, exactly. */
static liq_dec frac(int64_t n, int places)
{
    liq_i128 v = n;
    for (int i = places; i < LIQ_DEC_SCALE; i++)
        v *= 10;
    return (liq_dec){v};
}

static liq_dec quant(liq_dec v, liq_dec step, liq_round mode)
{
    liq_dec out;
    return liq_dec_quantize(v, step, mode, &out) == LIQ_OK ? out : v;
}

static const p_root *rules_at(const liq_policy *p, size_t market)
{
    return p->nmarkets ? &p->markets[market].r : &p->r;
}

const p_root *audit_case_rules(const audit_ctx *c, const audit_case *k)
{
    return rules_at(c->p, k->market);
}

/* Units of the settlement currency behind `size` contracts at px. */
static liq_dec notional_at(const p_root *pr, liq_dec size, liq_dec px)
{
    calc cc = {LIQ_OK, NULL};
    liq_dec units = c_mul(&cc, size, pr->contract.contract_size.v);
    return pr->contract.type.v == CT_LINEAR ? c_mul(&cc, units, px) : c_div(&cc, units, px);
}

/* The size whose notional at px is about n: whole contracts unless the
 * contract is one unit of a linear market (then 6 decimals). */
static liq_dec size_for(const p_root *pr, liq_dec n, liq_dec px)
{
    calc cc = {LIQ_OK, NULL};
    liq_dec cs = pr->contract.contract_size.v;
    bool linear = pr->contract.type.v == CT_LINEAR;
    liq_dec units = linear ? c_div(&cc, n, px) : c_mul(&cc, n, px);
    liq_dec size = c_div(&cc, units, cs);
    bool whole = !linear || !d_eq(cs, c_int(1));
    liq_dec step = whole ? c_int(1) : frac(1, 6);
    size = quant(size, step, LIQ_ROUND_HALF_EVEN);
    return d_pos(size) && cc.st == LIQ_OK ? size : step;
}

liq_dec audit_case_notional(const audit_ctx *c, const audit_case *k)
{
    return notional_at(audit_case_rules(c, k), k->size, k->entry);
}

liq_dec audit_case_size(const audit_ctx *c, const audit_case *k, liq_dec notional)
{
    return size_for(audit_case_rules(c, k), notional, k->entry);
}

liq_dec audit_case_collateral(const audit_ctx *c, const audit_case *k)
{
    const p_root *pr = audit_case_rules(c, k);
    calc cc = {LIQ_OK, NULL};
    liq_dec im = c_div(&cc, notional_at(pr, k->size, k->entry), k->leverage);
    /* Up to 1e-8: never below the initial margin the engine computes. */
    return c_add(&cc, quant(im, frac(1, 8), LIQ_ROUND_CEIL), k->extra);
}

/* A price on the market's tick (when it has one), above zero. */
static liq_dec on_tick(const p_root *pr, liq_dec px)
{
    const pdec *tick = &pr->rounding.price_tick;
    liq_dec step = tick->set && d_pos(tick->v) ? tick->v : frac(1, 6);
    liq_dec q = quant(px, step, LIQ_ROUND_HALF_EVEN);
    return d_pos(q) ? q : step;
}

/* The mark `depth` (a rate) of the margin share m away from entry,
 * against the position: down for a long (floored at 2 % of entry), up
 * for a short. */
static liq_dec mark_at(const p_root *pr, int side, liq_dec entry, liq_dec m, liq_dec depth)
{
    calc cc = {LIQ_OK, NULL};
    liq_dec move = c_mul(&cc, c_mul(&cc, entry, m), depth);
    liq_dec px = side == SIDE_LONG ? c_sub(&cc, entry, move) : c_add(&cc, entry, move);
    liq_dec floor = c_mul(&cc, entry, frac(2, 2));
    if (d_lt(px, floor))
        px = floor;
    return on_tick(pr, px);
}

void audit_case_gen(const audit_ctx *c, uint64_t seed, uint64_t id, audit_case *k)
{
    uint64_t s = seed ^ (id * 0xd1b54a32d192ed03ull);
    mix(&s);
    memset(k, 0, sizeof *k);
    k->id = id;
    const liq_policy *p = c->p;
    k->market = p->nmarkets ? (size_t)pick(&s, 0, (int64_t)p->nmarkets - 1) : 0;
    const p_root *pr = rules_at(p, k->market);
    calc cc = {LIQ_OK, NULL};

    const plist *modes = &pr->margin.modes;
    k->mode = modes->n ? ((const penum *)modes->items)[pick(&s, 0, (int64_t)modes->n - 1)].v
                       : (int)pick(&s, 0, 1);
    k->side = (int)pick(&s, 0, 1);

    /* A notional inside one tier, and a leverage that tier offers. */
    size_t nt = root_ntiers(pr), t = (size_t)pick(&s, 0, (int64_t)nt - 1);
    const p_tier *tier = root_tier(pr, t);
    liq_dec lo = t ? root_tier(pr, t - 1)->up_to.v : LIQ_DEC_ZERO;
    liq_dec hi = tier->up_to.set ? tier->up_to.v
                 : d_pos(lo) ? c_mul(&cc, lo, c_int(2)) : c_int(1000000);
    if (!d_pos(lo))
        lo = c_div(&cc, hi, c_int(10000));
    liq_dec n = c_add(&cc, lo, c_mul(&cc, c_sub(&cc, hi, lo), frac(pick(&s, 1, 9999), 4)));
    int64_t maxlev = tier_whole_leverage(tier, pr->margin.max_leverage.v);
    if (maxlev < 1)
        maxlev = 1;
    k->leverage = c_int(pick(&s, 0, 4) == 0 ? maxlev : pick(&s, 1, maxlev));

    /* An entry price of five significant digits, on the tick. */
    bool linear = pr->contract.type.v == CT_LINEAR;
    int places = linear ? (int)pick(&s, 0, 4) : (int)pick(&s, 0, 1);
    k->entry = on_tick(pr, frac(pick(&s, 10000, 99999), places));
    k->size = size_for(pr, n, k->entry);
    /* The size rounded to whole contracts may leave the tier: the
     * leverage is checked against the tier the notional is in. */
    liq_dec notional = notional_at(pr, k->size, k->entry);
    for (size_t i = 0; i < nt; i++) {
        const p_tier *ti = root_tier(pr, i);
        if (!ti->up_to.set || d_le(notional, ti->up_to.v)) {
            int64_t most = tier_whole_leverage(ti, INT64_MAX);
            if (d_gt(k->leverage, c_int(most)))
                k->leverage = c_int(most > 0 ? most : 1);
            break;
        }
    }
    liq_dec im = c_div(&cc, notional, k->leverage);
    if (k->mode == MODE_CROSS && pick(&s, 0, 2))
        k->extra = quant(c_mul(&cc, im, frac(pick(&s, 1, 200), 2)), frac(1, 8), LIQ_ROUND_DOWN);

    /* The path: marks up to 1.6 x the collateral's share of the
     * notional away from entry, the deepest last or followed by a
     * rebound. */
    liq_dec coll = c_add(&cc, im, k->extra);
    liq_dec m = d_pos(notional) ? c_div(&cc, coll, notional) : c_int(1);
    int r = (int)pick(&s, 0, 19);
    k->nmarks = r < 11 ? 1 : r < 17 ? 2 : 3;
    liq_dec deepest = frac(pick(&s, 0, 16000), 4);
    for (size_t i = 0; i + 1 < k->nmarks; i++)
        k->marks[i] = mark_at(pr, k->side, k->entry, m,
                              c_mul(&cc, deepest, frac(pick(&s, 0, 1000), 3)));
    bool rebound = k->nmarks > 1 && pick(&s, 0, 2) == 0;
    if (rebound) {
        k->marks[k->nmarks - 2] = mark_at(pr, k->side, k->entry, m, deepest);
        k->marks[k->nmarks - 1] =
            mark_at(pr, k->side, k->entry, m, c_mul(&cc, deepest, frac(pick(&s, 0, 100), 2)));
    } else {
        k->marks[k->nmarks - 1] = mark_at(pr, k->side, k->entry, m, deepest);
    }
    k->slippage = pick(&s, 0, 9) < 3 ? LIQ_DEC_ZERO : frac(pick(&s, 1, 5000), 5);

    /* A finite fund where a later stage takes what it cannot. */
    const plist *order = &pr->shortfall.order;
    const penum *stages = order->items;
    bool has_if = false;
    for (size_t i = 0; i < order->n; i++)
        has_if |= stages[i].v == STAGE_IF;
    if (has_if && stages[order->n - 1].v != STAGE_IF && pick(&s, 0, 1)) {
        k->has_fund = true;
        k->fund = pick(&s, 0, 2) == 0 ? LIQ_DEC_ZERO
                  : quant(c_mul(&cc, coll, frac(pick(&s, 1, 200), 2)), frac(1, 8), LIQ_ROUND_DOWN);
    }
    k->delta[AV_FILL - 1] = frac(pick(&s, 1, 500), 4);
    k->delta[AV_SHOCK - 1] = frac(pick(&s, 1, 500), 3);
    k->delta[AV_SIZE - 1] = frac(pick(&s, 1, 1000), 3);
}

size_t audit_case_deepest(const audit_case *k)
{
    size_t at = 0;
    for (size_t i = 1; i < k->nmarks; i++)
        if (k->side == SIDE_LONG ? d_le(k->marks[i], k->marks[at]) : d_ge(k->marks[i], k->marks[at]))
            at = i;
    return at;
}

bool audit_case_vary(const audit_ctx *c, const audit_case *k, int kind, liq_dec delta,
                     audit_case *out)
{
    const p_root *pr = audit_case_rules(c, k);
    calc cc = {LIQ_OK, NULL};
    *out = *k;
    switch (kind) {
    case AV_FILL:
        out->slippage = c_add(&cc, k->slippage, delta);
        return cc.st == LIQ_OK && d_le(out->slippage, frac(5, 1));
    case AV_SHOCK: {
        /* The shock is the deepest mark: moved further from entry. The
         * marks before it stay (moving them all could trigger the
         * liquidation earlier, at a better price: a different path, not
         * a deeper shock). */
        size_t at = audit_case_deepest(k);
        liq_dec away = c_sub(&cc, k->marks[at], k->entry);
        liq_dec px = on_tick(pr, c_add(&cc, k->entry, c_mul(&cc, away, c_add(&cc, c_int(1), delta))));
        bool further = k->side == SIDE_LONG ? d_lt(px, k->marks[at]) : d_gt(px, k->marks[at]);
        if (!d_pos(px) || !further || cc.st != LIQ_OK)
            return false;
        out->marks[at] = px;
        return true;
    }
    case AV_SIZE: {
        liq_dec bigger = c_mul(&cc, k->size, c_add(&cc, c_int(1), delta));
        out->size = size_for(pr, notional_at(pr, bigger, k->entry), k->entry);
        if (!d_gt(out->size, k->size))
            out->size = c_add(&cc, k->size, size_for(pr, LIQ_DEC_ZERO, k->entry));
        /* The same leverage: the margin grows with the size; extra too. */
        if (d_pos(k->extra))
            out->extra = quant(c_mul(&cc, k->extra, c_div(&cc, out->size, k->size)), frac(1, 8),
                               LIQ_ROUND_DOWN);
        return cc.st == LIQ_OK;
    }
    }
    return false;
}

/* ---- scenarios ---------------------------------------------------------- */

static char *template_yaml(const liq_policy *p, size_t market)
{
    const p_root *pr = rules_at(p, market);
    sbuf b = {0};
    char cs[LIQ_DEC_STRLEN];
    liq_dec_format(pr->contract.contract_size.v, cs);
    sb_add(&b, "name: audit\naccount: {collateral: \"1\", mode: isolated}\nposition:\n");
    if (p->nmarkets)
        sb_add(&b, "  market: \"%s\"\n", p->markets[market].id->symbol.v);
    sb_add(&b, "  contract: %s\n  contract_size: \"%s\"\n", liq_contract_names[pr->contract.type.v], cs);
    sb_add(&b, "  side: long\n  size: \"1\"\n  entry_price: \"1\"\n  leverage: 1\n");
    sb_add(&b, "market:\n  mark_path: [");
    for (int i = 0; i <= AUDIT_MAX_MARKS; i++)
        sb_add(&b, "%s\"1\"", i ? ", " : "");
    sb_add(&b, "]\n  liquidation_fill: {slippage: \"0\"}\n");
    return sb_take(&b);
}

audit_ctx *audit_ctx_new(liq_policy *p)
{
    audit_ctx *c = mem_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->p = p;
    c->ntmpl = p->nmarkets ? p->nmarkets : 1;
    c->tmpl = mem_calloc(c->ntmpl, sizeof *c->tmpl);
    if (!c->tmpl) {
        free(c);
        return NULL;
    }
    for (size_t i = 0; i < c->ntmpl; i++) {
        char *y = template_yaml(p, i);
        liq_diags d = LIQ_DIAGS_INIT;
        c->tmpl[i] = y ? liq_scenario_parse("audit", y, strlen(y), &d) : NULL;
        free(y);
        liq_diags_free(&d);
        if (!c->tmpl[i]) {
            audit_ctx_free(c);
            return NULL;
        }
    }
    c->d = (liq_diags)LIQ_DIAGS_INIT;
    return c;
}

void audit_ctx_free(audit_ctx *c)
{
    if (!c)
        return;
    for (size_t i = 0; c->tmpl && i < c->ntmpl; i++)
        liq_scenario_free(c->tmpl[i]);
    free(c->tmpl);
    liq_diags_free(&c->d);
    free(c);
}

liq_scenario *audit_case_apply(audit_ctx *c, const audit_case *k)
{
    liq_scenario *s = c->tmpl[k->market < c->ntmpl ? k->market : 0];
    s->r.account.collateral.v = audit_case_collateral(c, k);
    s->r.account.mode.v = k->mode;
    s_position *sp = &s->r.position;
    sp->side.v = k->side;
    sp->size.v = k->size;
    sp->entry_price.v = k->entry;
    sp->leverage.v = k->leverage;
    s->path_px[0] = k->entry;
    for (size_t i = 0; i < k->nmarks; i++)
        s->path_px[1 + i] = k->marks[i];
    s->npath = 1 + k->nmarks;
    s->r.market.liquidation_fill.slippage.v = k->slippage;
    s->r.market.insurance_fund.set = k->has_fund;
    s->r.market.insurance_fund.unlimited = false;
    s->r.market.insurance_fund.v = k->fund;
    return s;
}

char *audit_case_yaml(const audit_ctx *c, const audit_case *k, const char *name,
                      const char *note)
{
    const liq_policy *p = c->p;
    const p_root *pr = audit_case_rules(c, k);
    sbuf b = {0};
    char d1[LIQ_DEC_STRLEN];
    for (const char *l = note; l && *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        sb_add(&b, "# %.*s\n", (int)len, l);
        l += len + (nl ? 1 : 0);
    }
    sb_add(&b, "name: %s\naccount:\n", name);
    sb_add(&b, "  collateral: \"%s\"\n", dstr(audit_case_collateral(c, k), d1));
    sb_add(&b, "  mode: %s\nposition:\n", liq_mode_names[k->mode]);
    if (p->nmarkets)
        sb_add(&b, "  market: \"%s\"\n", p->markets[k->market].id->symbol.v);
    sb_add(&b, "  contract: %s\n", liq_contract_names[pr->contract.type.v]);
    if (!d_eq(pr->contract.contract_size.v, c_int(1)))
        sb_add(&b, "  contract_size: \"%s\"\n", dstr(pr->contract.contract_size.v, d1));
    sb_add(&b, "  side: %s\n", k->side == SIDE_LONG ? "long" : "short");
    sb_add(&b, "  size: \"%s\"\n", dstr(k->size, d1));
    sb_add(&b, "  entry_price: \"%s\"\n", dstr(k->entry, d1));
    sb_add(&b, "  leverage: \"%s\"\nmarket:\n  mark_path: [\"%s\"", dstr(k->leverage, d1),
                dstr(k->entry, (char[LIQ_DEC_STRLEN]){0}));
    for (size_t i = 0; i < k->nmarks; i++)
        sb_add(&b, ", \"%s\"", dstr(k->marks[i], d1));
    sb_add(&b, "]\n  liquidation_fill: {slippage: \"%s\"}\n", dstr(k->slippage, d1));
    if (k->has_fund)
        sb_add(&b, "  insurance_fund: \"%s\"\n", dstr(k->fund, d1));
    return sb_take(&b);
}
