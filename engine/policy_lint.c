/*
 * policy_lint.c — advice on a policy that loads: what an auditor would
 * flag. Unsourced parameters, tiers that are not monotone, cum /
 * deduction chains that break the venue's recurrence, an uncapped fee
 * above the first tier's maintenance rate, hooks that can never run, a
 * hook that repeats a policy value instead of reading it from ctx, a name
 * that does not match its file, placeholders `liqsim new` left, example
 * ids used twice. Warnings only; `liqsim lint --strict` turns them into a
 * failing exit code.
 */
#include "examples.h"
#include "policy.h"

#include <stdio.h>
#include <string.h>

#define WARN(m, ...) \
    (liq_diags_add(d, LIQ_SEV_WARNING, LIQ_OK, (m).file, (m).line, (m).col, __VA_ARGS__), n++)

static bool has_prov(const pprov *p)
{
    return p->nids > 0 || p->assumed != NULL;
}

/* The marks of the placeholders already reported: a market's merged
 * sections hold copies of the venue-wide ones, with the same mark. */
typedef struct seen_marks {
    liq_mark m[64];
    size_t n;
} seen_marks;

static bool seen_before(seen_marks *sn, liq_mark m)
{
    for (size_t i = 0; i < sn->n; i++)
        if (sn->m[i].line == m.line && sn->m[i].col == m.col &&
            strcmp(sn->m[i].file ? sn->m[i].file : "", m.file ? m.file : "") == 0)
            return true;
    if (sn->n < sizeof sn->m / sizeof *sn->m)
        sn->m[sn->n++] = m;
    return false;
}

/* Every `assumed:` that `liqsim new` wrote and nobody replaced. The walk
 * follows the schema table, so a section added there is covered without
 * a list here. Returns the number of warnings added. */
static size_t placeholders(const schema *s, const char *obj, const char *path, liq_diags *d,
                           seen_marks *sn)
{
    size_t n = 0;
    if (s->has_prov) {
        const pprov *pv = (const pprov *)obj;
        if (pv->assumed && strcmp(pv->assumed, LIQ_SCAFFOLD_PLACEHOLDER) == 0 &&
            !seen_before(sn, pv->assumed_m))
            WARN(pv->assumed_m,
                 "%s: assumed: \"%s\" is not a source: cite one (source: ID) or say why the "
                 "value is assumed",
                 path, LIQ_SCAFFOLD_PLACEHOLDER);
    }
    for (size_t j = 0; j < s->nfields; j++) {
        const field *f = &s->fields[j];
        const char *slot = obj + f->off;
        char sub[256];
        if (f->type == F_MAP) {
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", f->key);
            n += placeholders(f->sub, slot, sub, d, sn);
        } else if (f->type == F_LIST_MAP || f->type == F_DICT_MAP) {
            const plist *pl = (const plist *)slot;
            for (size_t i = 0; i < pl->n; i++) {
                snprintf(sub, sizeof sub, "%s%s%s[%zu]", path, *path ? "." : "", f->key, i);
                n += placeholders(f->sub, (const char *)pl->items + i * f->sub->size, sub, d,
                                  sn);
            }
        }
    }
    return n;
}

/* The checks of one maintenance table (the venue's, or a market's own,
 * its messages prefixed by at: "markets[1]."): rates and maximum
 * leverages in order, a bracket table's deductions keeping MM continuous,
 * no deduction above its tier's floor requirement. Returns the number
 * of warnings added. */
static size_t lint_tiers(const p_root *r, const char *where, liq_diags *d)
{
    size_t n = 0, nt = root_ntiers(r);
    char a[LIQ_DEC_STRLEN], b[LIQ_DEC_STRLEN];
    for (size_t i = 1; i < nt; i++) {
        const p_tier *t = root_tier(r, i), *pv = root_tier(r, i - 1);
        if (liq_dec_cmp(t->rate.v, pv->rate.v) < 0)
            WARN(t->rate.m, "%smargin.maintenance.tiers[%zu].rate: %s is below the previous tier's "
                            "%s; maintenance rates should not fall as notional grows",
                 where, i, (liq_dec_format(t->rate.v, a), a), (liq_dec_format(pv->rate.v, b), b));
        if (t->max_leverage.set && pv->max_leverage.set && t->max_leverage.v > pv->max_leverage.v)
            WARN(t->max_leverage.m, "%smargin.maintenance.tiers[%zu].max_leverage: %lld is above "
                                    "the previous tier's %lld",
                 where, i, (long long)t->max_leverage.v, (long long)pv->max_leverage.v);
        /* Binance cum / Bybit deduction: d_n = cap_{n-1} * (r_n - r_{n-1}) + d_{n-1},
         * which keeps MM continuous at each tier boundary. */
        if (pv->up_to.set && r->margin.maintenance.model.v == MMODEL_BRACKET) {
            liq_dec diff, prod, want;
            if (liq_dec_sub(t->rate.v, pv->rate.v, &diff) == LIQ_OK &&
                liq_dec_mul(pv->up_to.v, diff, LIQ_ROUND_HALF_EVEN, &prod) == LIQ_OK &&
                liq_dec_add(prod, pv->deduction.v, &want) == LIQ_OK &&
                liq_dec_cmp(want, t->deduction.v) != 0)
                WARN(t->deduction.set ? t->deduction.m : t->prov.m,
                     "%smargin.maintenance.tiers[%zu].deduction: %s breaks the recurrence "
                     "up_to[%zu] x (rate[%zu] - rate[%zu]) + deduction[%zu] = %s",
                     where, i, (liq_dec_format(t->deduction.v, a), a), i - 1, i, i - 1, i - 1,
                     (liq_dec_format(want, b), b));
        }
    }
    /* A deduction larger than the tier's requirement at its own floor
     * would make the maintenance margin negative there (the engine then
     * takes it as zero). */
    for (size_t i = 0; i < nt; i++) {
        char c1[LIQ_DEC_STRLEN], c2[LIQ_DEC_STRLEN];
        const p_tier *t = root_tier(r, i);
        liq_dec floor = i ? root_tier(r, i - 1)->up_to.v : LIQ_DEC_ZERO, at;
        if (liq_dec_mul(floor, t->rate.v, LIQ_ROUND_HALF_EVEN, &at) == LIQ_OK &&
            liq_dec_cmp(t->deduction.v, at) > 0)
            WARN(t->deduction.set ? t->deduction.m : t->prov.m,
                 "%smargin.maintenance.tiers[%zu].deduction: %s is more than the tier's "
                 "requirement at its floor (%s x %s = %s): the maintenance margin would be "
                 "negative there",
                 where, i, (liq_dec_format(t->deduction.v, a), a), (liq_dec_format(floor, b), b),
                 (liq_dec_format(t->rate.v, c1), c1), (liq_dec_format(at, c2), c2));
    }
    return n;
}

static bool same_mark(liq_mark x, liq_mark y)
{
    return x.line == y.line && x.col == y.col &&
           (x.file == y.file || (x.file && y.file && strcmp(x.file, y.file) == 0));
}

size_t liq_policy_lint(const liq_policy *p, liq_diags *d)
{
    const p_root *r = &p->r;
    size_t n = 0;
    char a[LIQ_DEC_STRLEN], b[LIQ_DEC_STRLEN];

    /* The name is how users call a shipped policy; it must be the file's. */
    const char *base = strrchr(p->path, '/');
    base = base ? base + 1 : p->path;
    size_t blen = strcspn(base, ".");
    if (strlen(r->name.v) != blen || strncmp(base, r->name.v, blen) != 0)
        WARN(r->name.m, "name: '%s' differs from the file name '%s'", r->name.v, base);
    for (const char *c = r->name.v; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')) {
            WARN(r->name.m, "name: use lowercase letters, digits and '-' only");
            break;
        }

    /* Scaffold leftovers (liqsim new): TODO text and placeholder sources. */
    const pstr *texts[] = {&r->venue, &r->product, &r->description};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        if (texts[i]->set && strstr(texts[i]->v, "TODO"))
            WARN(texts[i]->m, "TODO left in the policy: \"%s\"", texts[i]->v);
    const p_source *src = r->sources.items;
    for (size_t i = 0; i < r->sources.n; i++)
        if ((src[i].url.set && strstr(src[i].url.v, "example.invalid")) ||
            (src[i].title.set && strstr(src[i].title.v, "TODO")))
            WARN(src[i].id.m, "sources.%s: a placeholder, not a source", src[i].id.v);
    for (size_t i = 0; i < r->sources.n; i++) {
        if (!src[i].date.set)
            WARN(src[i].id.m, "sources.%s: no date: give the page's own date (or 'unknown')",
                 src[i].id.v);
        if (!src[i].retrieved.set)
            WARN(src[i].id.m, "sources.%s: no retrieved: date", src[i].id.v);
    }

    /* A scaffold's placeholders are not sources (`liqsim new` promises
     * that lint --strict fails until each is replaced). */
    seen_marks sn = {.n = 0};
    n += placeholders(&liq_policy_schema, (const char *)r, "", d, &sn);
    for (size_t k = 0; k < p->nmarkets; k++) {
        char where[96];
        snprintf(where, sizeof where, "markets[%zu]", k);
        n += placeholders(&liq_policy_schema, (const char *)&p->markets[k].r, where, d, &sn);
    }

    /* Sections that hold venue parameters must say where they come from. */
    struct { const pprov *prov; const char *name; bool used; } sec[] = {
        {&r->contract.prov, "contract", true},
        {&r->margin.maintenance.prov, "margin.maintenance", true},
        {&r->liquidation.prov, "liquidation", true},
        {&r->liquidation.fee.prov, "liquidation.fee", r->liquidation.fee.prov.present},
        {&r->liquidation.partial.prov, "liquidation.partial", r->liquidation.partial.prov.present},
        {&r->insurance_fund.prov, "insurance_fund", r->insurance_fund.prov.present},
        {&r->adl.prov, "adl", r->adl.prov.present},
        {&r->socialized_loss.prov, "socialized_loss", r->socialized_loss.prov.present},
        {&r->shortfall.prov, "shortfall", true},
        {&r->negative_balance.prov, "negative_balance", true},
        {&r->debt.prov, "debt", r->debt.prov.present},
    };
    for (size_t i = 0; i < sizeof sec / sizeof *sec; i++) {
        if (!sec[i].used || has_prov(sec[i].prov))
            continue;
        /* A subsection inherits its parent's source. */
        if (strcmp(sec[i].name, "liquidation.fee") == 0 || strcmp(sec[i].name, "liquidation.partial") == 0)
            if (has_prov(&r->liquidation.prov))
                continue;
        if (strcmp(sec[i].name, "margin.maintenance") == 0 && has_prov(&r->margin.prov))
            continue;
        WARN(sec[i].prov->m, "%s: unsourced parameters; add source: ID or assumed: \"why\"",
             sec[i].name);
    }

    n += lint_tiers(r, "", d);
    /* A market with a table of its own (margin: overridden) is checked
     * by its own model; one that inherits the venue's has nothing new. */
    for (size_t k = 0; k < p->nmarkets; k++) {
        const p_root *mr = &p->markets[k].r;
        if (root_ntiers(mr) && root_ntiers(r) && root_ntiers(mr) == root_ntiers(r) &&
            same_mark(root_tier(mr, 0)->prov.m, root_tier(r, 0)->prov.m) &&
            same_mark(mr->margin.maintenance.model.m, r->margin.maintenance.model.m))
            continue;
        char where[48];
        snprintf(where, sizeof where, "markets[%zu].", k);
        n += lint_tiers(mr, where, d);
    }
    size_t nt = policy_ntiers(p);
    /* Capped at the remaining margin, the fee cannot create a deficit;
     * uncapped, a fee above the first maintenance rate always does. */
    if (nt && r->liquidation.fee.rate.set && r->liquidation.fee.cap.v != FEECAP_REMAINING &&
        liq_dec_cmp(r->liquidation.fee.rate.v, policy_tier(p, 0)->rate.v) > 0)
        WARN(r->liquidation.fee.rate.m,
             "liquidation.fee.rate: %s is above the first tier's maintenance rate %s: a small "
             "position is bankrupt the moment it is liquidated",
             (liq_dec_format(r->liquidation.fee.rate.v, a), a),
             (liq_dec_format(policy_tier(p, 0)->rate.v, b), b));

    /* Hooks for stages the order never reaches can never run. */
    bool in_order[STAGE_COUNT] = {0};
    const penum *st = r->shortfall.order.items;
    for (size_t i = 0; i < r->shortfall.order.n; i++)
        in_order[st[i].v] = true;
    struct { int hook, stage; } reach[] = {
        {HOOK_IF, STAGE_IF}, {HOOK_ADL, STAGE_ADL}, {HOOK_DEBT, STAGE_DEBT}};
    for (size_t i = 0; i < sizeof reach / sizeof *reach; i++)
        if (r->hooks.fn[reach[i].hook].set && !in_order[reach[i].stage])
            WARN(r->hooks.fn[reach[i].hook].m,
                 "hooks.%s: unreachable: shortfall.order has no '%s' stage",
                 liq_hook_names[reach[i].hook], liq_stage_names[reach[i].stage]);
    /* The worked examples beside the policy: each id once. */
    n += examples_lint(p->path, d);
    /* And the hooks themselves, run on a few positions. */
    n += policy_lint_hooks(p, d);
    /* And their text: a number the YAML holds, written again. */
    n += policy_lint_dup(p, d);
    return n;
}
