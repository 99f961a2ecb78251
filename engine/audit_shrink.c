/*
 * audit_shrink.c — a failing case made as small and as plain as it can
 * be while the property it broke still fails (audit.h), as QuickCheck
 * and Hypothesis shrink: one change at a time, kept when the failure
 * stays, until no change is kept or the budget of evaluations is spent.
 *
 * In the order a reader cares about: fewer marks; no fund override, no
 * extra collateral, no slippage, isolated margin; a smaller size
 * (halved, then in smaller steps); a lower leverage; then every number
 * with as few significant digits as still fail. A case only ever
 * changes into one the venue accepts (a refused one shows no failure).
 */
#include "audit.h"
#include "calc.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

typedef struct shrinker {
    audit_ctx *c;
    int prop;
    size_t spent, budget;
    char want[AUDIT_DETAIL];   /* the failure's message without its numbers */
    char (*detail)[AUDIT_DETAIL];
} shrinker;

/* A failure's message with every number (and the scenario's name, which
 * follows "scenario ") left out: a smaller case must fail the same way,
 * not merely fail (a mark shrunk to 0.5 that breaks an inverse contract
 * is another failure). */
static void skeleton(const char *msg, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *m = msg; *m && n + 1 < cap; m++) {
        if ((*m >= '0' && *m <= '9') || *m == '.' || *m == '-')
            continue;
        out[n++] = *m;
    }
    out[n] = 0;
}

static bool still_fails(shrinker *s, const audit_case *k)
{
    if (s->spent >= s->budget)
        return false;
    s->spent++;
    memset(s->detail[s->prop], 0, AUDIT_DETAIL);
    if (!((audit_check(s->c, k, 1u << s->prop, NULL, NULL, s->detail, NULL) >> s->prop) & 1u))
        return false;
    char got[AUDIT_DETAIL];
    skeleton(s->detail[s->prop], got, sizeof got);
    return strcmp(got, s->want) == 0;
}

/* Keep cand when it still fails. */
static bool try(shrinker *s, audit_case *k, const audit_case *cand)
{
    if (memcmp(cand, k, sizeof *k) == 0 || !still_fails(s, cand))
        return false;
    *k = *cand;
    return true;
}

static liq_dec pow10(int e)
{
    liq_dec v = liq_dec_from_int(1);
    for (int i = 0; i < e; i++)
        v.raw *= 10;
    for (int i = 0; i > e; i--)
        v.raw /= 10;
    return v;
}

/* The decimal exponent of v's leading digit (v > 0). */
static int magnitude(liq_dec v)
{
    int e = -LIQ_DEC_SCALE;
    for (liq_i128 r = v.raw; r >= 10; r /= 10)
        e++;
    return e;
}

/* v with `digits` significant digits (half-even), at least min_step. */
static liq_dec digits_of(liq_dec v, int digits, liq_dec min_step)
{
    int e = magnitude(v) - digits + 1;
    if (e < -LIQ_DEC_SCALE)
        e = -LIQ_DEC_SCALE;
    liq_dec step = liq_dec_max(pow10(e), min_step), out;
    if (liq_dec_quantize(v, step, LIQ_ROUND_HALF_EVEN, &out) != LIQ_OK || !d_pos(out))
        return v;
    return out;
}

/* The plainest value of *slot (fewest significant digits) that still
 * fails. */
static bool plainer(shrinker *s, audit_case *k, liq_dec *slot, liq_dec min_step)
{
    if (!d_pos(*slot))
        return false;
    size_t off = (size_t)((char *)slot - (char *)k);
    for (int dg = 1; dg <= 6; dg++) {
        liq_dec v = digits_of(*slot, dg, min_step);
        if (d_eq(v, *slot))
            return false;
        audit_case cand = *k;
        memcpy((char *)&cand + off, &v, sizeof v);
        if (try(s, k, &cand))
            return true;
    }
    return false;
}

static liq_dec size_step(const audit_ctx *c, const audit_case *k)
{
    const p_root *pr = audit_case_rules(c, k);
    bool whole = pr->contract.type.v != CT_LINEAR ||
                 !d_eq(pr->contract.contract_size.v, liq_dec_from_int(1));
    return whole ? liq_dec_from_int(1) : (liq_dec){(liq_i128)1000000};   /* 1e-6 */
}

static bool pass(shrinker *s, audit_case *k)
{
    bool changed = false;
    audit_case cand;
    for (size_t i = 0; k->nmarks > 1 && i < k->nmarks; i++) {
        cand = *k;
        memmove(&cand.marks[i], &cand.marks[i + 1], (cand.nmarks - i - 1) * sizeof *cand.marks);
        cand.nmarks--;
        cand.marks[cand.nmarks] = LIQ_DEC_ZERO;
        if (try(s, k, &cand)) {
            changed = true;
            i--;
        }
    }
    if (k->has_fund) {
        cand = *k;
        cand.has_fund = false;
        cand.fund = LIQ_DEC_ZERO;
        changed |= try(s, k, &cand);
    }
    if (k->has_fund && d_pos(k->fund)) {
        cand = *k;
        cand.fund = LIQ_DEC_ZERO;
        changed |= try(s, k, &cand);
    }
    if (d_pos(k->extra)) {
        cand = *k;
        cand.extra = LIQ_DEC_ZERO;
        changed |= try(s, k, &cand);
    }
    if (d_pos(k->slippage)) {
        cand = *k;
        cand.slippage = LIQ_DEC_ZERO;
        changed |= try(s, k, &cand);
    }
    if (k->mode != MODE_ISOLATED) {
        cand = *k;
        cand.mode = MODE_ISOLATED;
        changed |= try(s, k, &cand);
    }
    /* Smaller: halve while it fails, then step down by tenths. */
    liq_dec step = size_step(s->c, k);
    for (bool go = true; go;) {
        cand = *k;
        liq_dec_quantize((liq_dec){k->size.raw / 2}, step, LIQ_ROUND_DOWN, &cand.size);
        go = d_pos(cand.size) && try(s, k, &cand);
        changed |= go;
    }
    for (int tenths = 1; tenths <= 9; tenths++) {
        cand = *k;
        liq_dec_quantize((liq_dec){k->size.raw / 10 * (10 - tenths)}, step, LIQ_ROUND_DOWN,
                         &cand.size);
        if (d_pos(cand.size) && try(s, k, &cand)) {
            changed = true;
            break;
        }
    }
    for (int64_t lev = 1; d_gt(k->leverage, liq_dec_from_int(lev)); lev *= 2) {
        cand = *k;
        cand.leverage = liq_dec_from_int(lev);
        if (try(s, k, &cand)) {
            changed = true;
            break;
        }
    }
    changed |= plainer(s, k, &k->size, step);
    changed |= plainer(s, k, &k->entry, (liq_dec){1});
    for (size_t i = 0; i < k->nmarks; i++)
        changed |= plainer(s, k, &k->marks[i], (liq_dec){1});
    changed |= plainer(s, k, &k->slippage, (liq_dec){1});
    changed |= plainer(s, k, &k->extra, (liq_dec){10000});
    changed |= plainer(s, k, &k->fund, (liq_dec){10000});
    int kind = audit_prop_vary(s->prop);
    if (kind != AV_NONE)
        changed |= plainer(s, k, &k->delta[kind - 1], (liq_dec){1});
    return changed;
}

size_t audit_shrink(audit_ctx *c, audit_case *k, int prop, size_t budget)
{
    char (*detail)[AUDIT_DETAIL] = mem_calloc(AP_COUNT, AUDIT_DETAIL);
    if (!detail)
        return 0;
    shrinker s = {c, prop, 0, budget, "", detail};
    audit_check(c, k, 1u << prop, NULL, NULL, detail, NULL);
    skeleton(detail[prop], s.want, sizeof s.want);
    while (s.spent < s.budget && pass(&s, k))
        ;
    free(detail);
    return s.spent;
}
