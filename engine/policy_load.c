/*
 * policy_load.c — liq_policy_load: YAML file -> liq_policy.
 *
 * Owns the rules that span keys (declared source ids, ascending tiers,
 * a shortfall order that can absorb any deficit, a negative-balance
 * promise that the order keeps) and loading the policy's Lua hooks into
 * its own sandbox. Per-key typing is the schema walker's (schema.c);
 * advice that is not an error is lint's (policy_lint.c).
 */
#include "mem.h"
#include "policy.h"
#include "yamltree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An input error at mark m; returns false so checks read ok = ERR(...). */
static bool err_at(liq_diags *d, liq_mark m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool err_at(liq_diags *d, liq_mark m, const char *fmt, ...)
{
    char buf[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, m.file, m.line, m.col, "%s", buf);
    return false;
}
#define ERR(m, ...) err_at(d, (m), __VA_ARGS__)

void liq_policy_free(liq_policy *p)
{
    if (!p)
        return;
    liq_hookrt_free(p->rt);
    for (size_t i = 0; i < p->nmarkets; i++)
        schema_free(&liq_policy_schema, &p->markets[i].r);
    free(p->markets);
    free(p->mkt_cache);
    schema_free(&liq_policy_schema, &p->r);
    free(p->hook_path);
    for (size_t i = 0; i < p->nfiles; i++)
        free(p->files[i]);
    free(p->files);
    free(p->path);
    free(p);
}

const char *liq_policy_name(const liq_policy *p) { return p->r.name.v; }
const char *liq_policy_venue(const liq_policy *p) { return p->r.venue.v; }
const char *liq_policy_path(const liq_policy *p) { return p->path; }

static const p_source *find_source(const liq_policy *p, const char *id)
{
    const p_source *src = p->r.sources.items;
    for (size_t i = 0; i < p->r.sources.n; i++)
        if (strcmp(src[i].id.v, id) == 0)
            return &src[i];
    return NULL;
}

static bool check_prov(const liq_policy *p, const pprov *prov, const char *section, liq_diags *d)
{
    bool ok = true;
    for (size_t i = 0; i < prov->nids; i++) {
        if (find_source(p, prov->ids[i]))
            continue;
        const char *cands[128];
        size_t n = 0;
        const p_source *src = p->r.sources.items;
        for (size_t j = 0; j < p->r.sources.n && n < 128; j++)
            cands[n++] = src[j].id.v;
        const char *sug = schema_suggest(prov->ids[i], cands, n);
        if (sug)
            ok = ERR(prov->ids_m, "%s.source: unknown source id '%s'; did you mean '%s'?", section,
                     prov->ids[i], sug);
        else
            ok = ERR(prov->ids_m, "%s.source: unknown source id '%s'; declare it under sources:",
                     section, prov->ids[i]);
    }
    return ok;
}

/* The source ids of every section of r (the venue-wide root, or a
 * market's merged one) must be declared under the policy's sources:. */
static bool check_sources(const liq_policy *p, const p_root *r, liq_diags *d)
{
    bool ok = true;
    const p_source *src = r->sources.items;
    if (r == &p->r) {
        if (r->sources.n == 0)
            ok = ERR(r->sources.m, "sources: declare at least one source");
        for (size_t i = 0; i < r->sources.n; i++)
            if (!src[i].url.set && !src[i].title.set)
                ok = ERR(src[i].id.m, "sources.%s: give a url or a title", src[i].id.v);
        const p_market *mk = r->markets.items;
        for (size_t i = 0; i < r->markets.n; i++) {
            char name[64];
            snprintf(name, sizeof name, "markets[%zu]", i);
            ok &= check_prov(p, &mk[i].prov, name, d);
        }
    }
    struct { const pprov *prov; const char *name; } sec[] = {
        {&r->contract.prov, "contract"}, {&r->margin.prov, "margin"},
        {&r->margin.maintenance.prov, "margin.maintenance"}, {&r->trigger.prov, "trigger"},
        {&r->liquidation.prov, "liquidation"}, {&r->liquidation.partial.prov, "liquidation.partial"},
        {&r->liquidation.fee.prov, "liquidation.fee"}, {&r->insurance_fund.prov, "insurance_fund"},
        {&r->adl.prov, "adl"}, {&r->socialized_loss.prov, "socialized_loss"},
        {&r->shortfall.prov, "shortfall"}, {&r->negative_balance.prov, "negative_balance"},
        {&r->debt.prov, "debt"}, {&r->rounding.prov, "rounding"}, {&r->hooks.prov, "hooks"},
        {&r->interest.prov, "interest"}, {&r->collateral.prov, "collateral"},
    };
    for (size_t i = 0; i < sizeof sec / sizeof *sec; i++)
        ok &= check_prov(p, sec[i].prov, sec[i].name, d);
    for (size_t i = 0; i < root_ntiers(r); i++) {
        char name[64];
        snprintf(name, sizeof name, "margin.maintenance.tiers[%zu]", i);
        ok &= check_prov(p, &root_tier(r, i)->prov, name, d);
    }
    const p_casset *ca = r->collateral.assets.items;
    for (size_t i = 0; i < r->collateral.assets.n; i++) {
        char name[80];
        snprintf(name, sizeof name, "collateral.assets[%zu]", i);
        ok &= check_prov(p, &ca[i].prov, name, d);
        const p_ctier *ct = ca[i].tiers.items;
        for (size_t k = 0; k < ca[i].tiers.n; k++) {
            snprintf(name, sizeof name, "collateral.assets[%zu].tiers[%zu]", i, k);
            ok &= check_prov(p, &ct[k].prov, name, d);
        }
    }
    const p_itier *it = r->interest.tiers.items;
    for (size_t i = 0; i < r->interest.tiers.n; i++) {
        char name[64];
        snprintf(name, sizeof name, "interest.tiers[%zu]", i);
        ok &= check_prov(p, &it[i].prov, name, d);
    }
    return ok;
}

/* collateral: each asset once, a ratio or tiers (or neither: a ratio the
 * policy does not know), tiers that ascend. */
static bool check_collateral(const p_root *r, liq_diags *d)
{
    const p_casset *a = r->collateral.assets.items;
    bool ok = true;
    for (size_t i = 0; i < r->collateral.assets.n; i++) {
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(a[i].asset.v, a[j].asset.v) == 0)
                ok = ERR(a[i].asset.m, "collateral.assets[%zu]: %s is listed twice (first at "
                                       "collateral.assets[%zu])", i, a[i].asset.v, j);
        if (a[i].ratio.set && a[i].tiers.n)
            ok = ERR(a[i].prov.m, "collateral.assets[%zu]: give either 'ratio' or 'tiers', not "
                                  "both", i);
        const p_ctier *t = a[i].tiers.items;
        for (size_t k = 0; k < a[i].tiers.n; k++) {
            if (k + 1 < a[i].tiers.n && !t[k].up_to.set)
                ok = ERR(t[k].prov.m, "collateral.assets[%zu].tiers[%zu]: missing 'up_to' (only "
                                      "the last tier may leave it open)", i, k);
            if (k > 0 && t[k].up_to.set && t[k - 1].up_to.set &&
                liq_dec_cmp(t[k].up_to.v, t[k - 1].up_to.v) <= 0)
                ok = ERR(t[k].up_to.m, "collateral.assets[%zu].tiers[%zu].up_to: not above the "
                                       "previous tier's; tiers must ascend", i, k);
        }
    }
    return ok;
}

/* interest: one way to the rate per period (a rate, or tiers over a
 * benchmark divided by a day count), and tiers that ascend. */
static bool check_interest(const p_root *r, liq_diags *d)
{
    const p_interest *in = &r->interest;
    if (!in->prov.present)
        return true;
    const p_itier *t = in->tiers.items;
    size_t n = in->tiers.n;
    if (in->rate.set == (n > 0))
        return ERR(in->prov.m, "interest: give either 'rate' (per period) or 'tiers' (annual "
                               "benchmark + spread by slice), not %s",
                   in->rate.set ? "both" : "neither");
    if (n > 0 && !in->day_count.set)
        return ERR(in->tiers.m, "interest.tiers: give 'day_count' (the days an annual rate is "
                                "divided by: IBKR USD 360)");
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && !t[i].up_to.set)
            ok = ERR(t[i].prov.m, "interest.tiers[%zu]: missing 'up_to' (only the last tier may "
                                  "leave it open)", i);
        if (i > 0 && t[i].up_to.set && t[i - 1].up_to.set &&
            liq_dec_cmp(t[i].up_to.v, t[i - 1].up_to.v) <= 0)
            ok = ERR(t[i].up_to.m, "interest.tiers[%zu].up_to: not above the previous tier's; "
                                   "tiers must ascend", i);
    }
    return ok;
}

static bool check_tiers(const p_root *r, liq_diags *d)
{
    size_t n = root_ntiers(r);
    bool ok = true;
    if (n == 0)
        return ERR(r->margin.maintenance.tiers.m, "margin.maintenance.tiers: give at least one tier");
    for (size_t i = 0; i < n; i++) {
        const p_tier *t = root_tier(r, i);
        if (i + 1 < n && !t->up_to.set)
            ok = ERR(t->prov.m, "margin.maintenance.tiers[%zu]: missing 'up_to' (only the last "
                                "tier may leave it open)", i);
        /* A step table (BitMEX risk limits, OKX tiers) moves the whole
         * position to the tier's rate: a deduction would make it a
         * bracket table, and the margin would not be the venue's. */
        if (r->margin.maintenance.model.v == MMODEL_STEP && liq_dec_sign(t->deduction.v) != 0) {
            char a[LIQ_DEC_STRLEN];
            liq_dec_format(t->deduction.v, a);
            ok = ERR(t->deduction.m, "margin.maintenance.tiers[%zu].deduction: %s, but "
                                     "margin.maintenance.model is step, where the whole position "
                                     "takes its tier's rate with no deduction; remove it or use "
                                     "model: bracket", i, a);
        }
        if (i > 0) {
            const p_tier *prev = root_tier(r, i - 1);
            if (t->up_to.set && prev->up_to.set && liq_dec_cmp(t->up_to.v, prev->up_to.v) <= 0) {
                char a[LIQ_DEC_STRLEN], b[LIQ_DEC_STRLEN];
                liq_dec_format(t->up_to.v, a);
                liq_dec_format(prev->up_to.v, b);
                ok = ERR(t->up_to.m, "margin.maintenance.tiers[%zu].up_to: %s is not above the "
                                     "previous tier's %s; tiers must ascend", i, a, b);
            }
        }
    }
    return ok;
}

/* What the evaluation would otherwise work out from the policy on every
 * order (position.c, margin.c): the modes offered as bits, whether
 * contracts are of size one, whether the table's formulas are plain, and
 * each tier's leverage cap. Run on a root its checks have
 * passed, the venue's and each market's; nothing changes a policy after
 * its load, so these stay true. */
static void derive(p_root *r)
{
    p_margin *mg = &r->margin;
    const penum *modes = mg->modes.items;
    mg->mode_bits = mg->modes.n ? 0 : ~0u;
    mg->mode_first = mg->modes.n ? modes[0].v : 0;
    for (size_t i = 0; i < mg->modes.n; i++)
        mg->mode_bits |= 1u << modes[i].v;
    r->contract.size_one = liq_dec_cmp(r->contract.contract_size.v, liq_dec_from_int(1)) == 0;
    mg->maintenance.plain = liq_dec_sign(mg->maintenance.close_fee_rate.v) == 0 &&
                            r->contract.type.v == CT_LINEAR && r->contract.size_one;
    for (size_t i = 0; i < root_ntiers(r); i++) {
        p_tier *t = &((p_tier *)mg->maintenance.tiers.items)[i];
        liq_dec cap = liq_dec_from_int(mg->max_leverage.v), im_max;
        if (t->max_leverage.set && t->max_leverage.v < mg->max_leverage.v)
            cap = liq_dec_from_int(t->max_leverage.v);
        /* initial_rate is at least 10^-12 (the schema's), so 1 / rate
         * is at most 10^12 and the division cannot fail. */
        if (t->initial_rate.set &&
            liq_dec_div(liq_dec_from_int(1), t->initial_rate.v, LIQ_ROUND_FLOOR, &im_max) == LIQ_OK &&
            liq_dec_cmp(im_max, cap) < 0)
            cap = im_max;
        t->lev_cap = cap;
    }
}

static bool check_shortfall(const p_root *r, liq_diags *d)
{
    const penum *st = r->shortfall.order.items;
    size_t n = r->shortfall.order.n;
    bool ok = true, seen[STAGE_COUNT] = {0};
    if (n == 0)
        return ERR(r->shortfall.order.m, "shortfall.order: name at least one stage");
    for (size_t i = 0; i < n; i++) {
        if (seen[st[i].v])
            ok = ERR(st[i].m, "shortfall.order[%zu]: '%s' appears twice", i,
                     liq_stage_names[st[i].v]);
        seen[st[i].v] = true;
    }
    if (seen[STAGE_ADL] && !r->adl.prov.present)
        ok = ERR(r->shortfall.order.m, "shortfall.order names 'adl' but there is no adl: section");
    if (seen[STAGE_SOCIALIZED] && !r->socialized_loss.prov.present)
        ok = ERR(r->shortfall.order.m,
                 "shortfall.order names 'socialized' but there is no socialized_loss: section");
    if (seen[STAGE_IF] && !r->insurance_fund.prov.present)
        ok = ERR(r->shortfall.order.m,
                 "shortfall.order names 'insurance_fund' but there is no insurance_fund: section");
    if (seen[STAGE_DEBT] && !r->debt.prov.present)
        ok = ERR(r->shortfall.order.m,
                 "shortfall.order names 'trader_debt' but there is no debt: section");
    if (seen[STAGE_DEBT] && r->negative_balance.protection.v)
        ok = ERR(r->negative_balance.protection.m,
                 "negative_balance.protection: true promises the trader never owes, but "
                 "shortfall.order ends in trader_debt");
    if (!seen[STAGE_DEBT] && !r->negative_balance.protection.v)
        ok = ERR(r->negative_balance.protection.m,
                 "negative_balance.protection: false, but shortfall.order never reaches "
                 "trader_debt; add it or set protection: true");
    int last = st[n - 1].v;
    if (last == STAGE_IF && !r->insurance_fund.balance.unlimited)
        ok = ERR(st[n - 1].m, "shortfall.order: the last stage 'insurance_fund' has a finite "
                              "balance and cannot absorb any deficit; add a stage after it");
    return ok;
}

/* Symbols and aliases name one market each, whatever the case: a
 * scenario's "btcusdt" must not find two. */
static bool check_market_names(const p_root *r, liq_diags *d)
{
    const p_market *mk = r->markets.items;
    bool ok = true;
    for (size_t i = 0; i < r->markets.n; i++) {
        size_t na = mk[i].aliases.n;
        for (size_t a = 0; a <= na; a++) {
            const pstr *name = a == 0 ? &mk[i].symbol : &((const pstr *)mk[i].aliases.items)[a - 1];
            for (size_t j = 0; j <= i; j++) {
                size_t nb = j == i ? a : mk[j].aliases.n + 1;
                for (size_t b = 0; b < nb; b++) {
                    const pstr *other = b == 0 ? &mk[j].symbol
                                               : &((const pstr *)mk[j].aliases.items)[b - 1];
                    if (strcasecmp(name->v, other->v) == 0)
                        ok = ERR(name->m, "markets[%zu]: '%s' is listed twice (also at line %d, "
                                          "markets[%zu] %s); a symbol or alias names one market",
                                 i, name->v, other->m.line, j, mk[j].symbol.v);
                }
            }
        }
    }
    return ok;
}

/* Each market is the venue-wide tree with the market's override keys
 * merged in (as extends: merges), loaded through the same schema and
 * checked by the same rules as the venue-wide policy. */
static bool load_markets(liq_policy *p, const ynode *root, liq_diags *d)
{
    const ynode *ms = ynode_get(root, "markets");
    size_t n = p->r.markets.n;
    if (!ms || ms->kind != YN_SEQ || n == 0)
        return true;
    if (!check_market_names(&p->r, d))
        return false;
    p->markets = mem_calloc(n, sizeof *p->markets);
    if (!p->markets)
        return ERR(p->r.markets.m, "out of memory");
    p->nmarkets = n;
    const p_market *mk = p->r.markets.items;
    bool ok = true;
    for (size_t i = 0; i < n && i < ms->n; i++) {
        liq_market *m = &p->markets[i];
        m->id = &mk[i];
        ynode *t = ynode_clone(root);
        ynode *ov = t ? ynode_map_new(ms->items[i]) : NULL;
        bool built = t && ov;
        for (size_t k = 0; built && k < ms->items[i]->n; k++) {
            const char *key = ms->items[i]->keys[k]->text;
            for (size_t o = 0; liq_market_override_keys[o]; o++)
                if (strcmp(key, liq_market_override_keys[o]) == 0)
                    built = ynode_map_add_clone(ov, ms->items[i]->keys[k], ms->items[i]->items[k]);
        }
        if (built) {
            ynode_remove(t, "markets");
            built = ynode_merge(t, ov);
        }
        if (!built) {
            ynode_free(t);
            ynode_free(ov);
            return ERR(mk[i].prov.m, "out of memory");
        }
        /* Messages name the market: "markets[1].margin.max_leverage: ...". */
        char at[48];
        snprintf(at, sizeof at, "markets[%zu]", i);
        ok &= schema_load(&liq_policy_schema, t, &m->r, p->path, at, d);
        ynode_free(t);
        ynode_free(ov);
        if (ok) {
            /* Every rule, so that one market's errors are all reported. */
            bool sources = check_sources(p, &m->r, d);
            bool tiers = check_tiers(&m->r, d);
            bool order = check_shortfall(&m->r, d);
            bool interest = check_interest(&m->r, d);
            ok = sources && tiers && order && interest;
            if (ok)
                derive(&m->r);
        }
    }
    return ok;
}

static void dir_join(char *out, size_t cap, const char *base, const char *rel)
{
    const char *slash = strrchr(base, '/');
    if (rel[0] == '/' || !slash)
        snprintf(out, cap, "%s", rel);
    else
        snprintf(out, cap, "%.*s/%s", (int)(slash - base), base, rel);
}

static bool load_hooks(liq_policy *p, liq_diags *d)
{
    const p_hooks *h = &p->r.hooks;
    bool any = false;
    for (int i = 0; i < HOOK_COUNT; i++) {
        p->hook_ref[i] = -1;
        any |= h->fn[i].set;
    }
    if (!any) {
        if (h->file.set)
            liq_diags_add(d, LIQ_SEV_WARNING, LIQ_OK, h->file.m.file, h->file.m.line,
                          h->file.m.col, "hooks.file: no hook names a function in this file");
        return true;
    }
    if (!h->file.set)
        return ERR(h->prov.m, "hooks: name the Lua file with 'file:'");
    char path[1024];
    /* Relative to the file that named it (which, with extends:, may be
     * the base policy's). */
    dir_join(path, sizeof path, h->file.m.file ? h->file.m.file : p->path, h->file.v);
    /* Point a missing file at the YAML line that names it; the Lua
     * runtime's own message could only name the file it cannot read. */
    if (!fio_allowed(path, FIO_HOOK, &(fio_ref){"hooks.file", h->file.m.file ? h->file.m.file : p->path,
                                                h->file.m.line, h->file.m.col}, d))
        return false;
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return ERR(h->file.m, "hooks.file: cannot open \"%s\": %s", path, strerror(errno));
    fclose(probe);
    p->hook_path = mem_strdup(path);
    p->rt = liq_hookrt_new((size_t)h->memory_limit.v, (uint64_t)h->instruction_limit.v);
    if (!p->rt || !p->hook_path)
        return ERR(h->prov.m, "out of memory");
    if (liq_hookrt_load(p->rt, p->hook_path, d) != LIQ_OK) {
        /* The Lua error has the .lua file:line; add where the YAML named it. */
        return ERR(h->file.m, "hooks.file: \"%s\" does not load (see the error above)", h->file.v);
    }
    bool ok = true;
    for (int i = 0; i < HOOK_COUNT; i++) {
        if (!h->fn[i].set)
            continue;
        p->hook_ref[i] = liq_hookrt_ref(p->rt, h->fn[i].v);
        if (p->hook_ref[i] < 0) {
            ok = ERR(h->fn[i].m, "hooks.%s: \"%s\" defines no function '%s'", liq_hook_names[i],
                     h->file.v, h->fn[i].v);
            continue;
        }
        const char *file = NULL;
        int line = 0;
        liq_hookrt_where(p->rt, p->hook_ref[i], &file, &line);
        p->hook_mark[i] = (liq_mark){file ? file : p->hook_path, line, 0};
    }
    return ok;
}

static bool keep_file(liq_policy *p, char *file)
{
    char **f = mem_realloc(p->files, (p->nfiles + 1) * sizeof *f);
    if (f)
        p->files = f;
    if (!f || !file) {
        free(file);
        return false;
    }
    p->files[p->nfiles++] = file;
    return true;
}

/* Load path and, through `extends:`, the policies it builds on, merged
 * into one tree whose nodes remember their own file. */
static ydoc *load_tree(liq_policy *p, const char *path, int depth, liq_diags *d)
{
    ydoc *doc = ydoc_load_file(path, d);
    if (!doc)
        return NULL;
    if (!keep_file(p, ydoc_steal_path(doc))) {
        ydoc_free(doc);
        return NULL;
    }
    const ynode *ext = doc->root ? ynode_get(doc->root, "extends") : NULL;
    if (!ext)
        return doc;
    liq_mark m = {ext->file, ext->line, ext->col};
    if (ext->kind != YN_SCALAR || doc->root->kind != YN_MAP) {
        ERR(m, "extends: expected a policy name or path");
        ydoc_free(doc);
        return NULL;
    }
    if (depth >= 8) {
        ERR(m, "extends: more than 8 levels of extends (is there a cycle?)");
        ydoc_free(doc);
        return NULL;
    }
    if (!ynode_get(doc->root, "name")) {
        ERR(m, "extends: a policy that extends another must set its own name");
        ydoc_free(doc);
        return NULL;
    }
    char bpath[1024], rel[600];
    size_t len = strlen(ext->text);
    bool is_path = strchr(ext->text, '/') || (len > 5 && strcmp(ext->text + len - 5, ".yaml") == 0);
    snprintf(rel, sizeof rel, is_path ? "%s" : "%s.yaml", ext->text);
    dir_join(bpath, sizeof bpath, path, rel);
    if (!fio_allowed(bpath, FIO_POLICY, &(fio_ref){"extends", m.file, m.line, m.col}, d)) {
        ydoc_free(doc);
        return NULL;
    }
    size_t before = d ? d->n : 0;
    ydoc *base = load_tree(p, bpath, depth + 1, d);
    if (!base || !base->root || base->root->kind != YN_MAP) {
        if (d && d->n == before)
            ERR(m, "extends: \"%s\" is not a policy mapping", ext->text);
        else
            ERR(m, "extends: cannot load \"%s\" (see above)", bpath);
        ydoc_free(base);
        ydoc_free(doc);
        return NULL;
    }
    ynode_remove(base->root, "extends");
    bool ok = ynode_merge(base->root, doc->root);
    ydoc_free(doc);
    if (!ok) {
        ydoc_free(base);
        return NULL;
    }
    return base;
}

static liq_policy *load_policy(const char *path, liq_diags *d)
{
    liq_policy *p = mem_calloc(1, sizeof *p);
    if (!p || !(p->path = mem_strdup(path))) {
        free(p);
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    for (int i = 0; i < HOOK_COUNT; i++)
        p->hook_ref[i] = -1;
    size_t before = liq_diags_count(d, LIQ_SEV_ERROR);
    ydoc *doc = load_tree(p, path, 0, d);
    bool ok = doc != NULL;
    if (ok && !doc->root) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, 1, 1, "the file is empty; a policy "
                      "starts with 'liqsim: 1' (see docs/policy-format.md)");
        ok = false;
    }
    if (ok)
        ok = schema_load(&liq_policy_schema, doc->root, &p->r, p->path, "", d);
    if (ok && p->r.liquidation.partial.prov.present &&
        p->r.liquidation.partial.mode.v == PARTIAL_FRACTION && !p->r.liquidation.partial.fraction.set)
        ok = ERR(p->r.liquidation.partial.prov.m,
                 "liquidation.partial: missing required key 'fraction' (mode: fraction)");
    if (ok) {
        ok &= check_sources(p, &p->r, d);
        ok &= check_tiers(&p->r, d);
        ok &= check_shortfall(&p->r, d);
        ok &= check_interest(&p->r, d);
        ok &= check_collateral(&p->r, d);
        if (ok)
            derive(&p->r);
    }
    if (ok)
        ok = load_markets(p, doc->root, d);
    ydoc_free(doc);
    if (ok)
        ok = load_hooks(p, d);
    if (!ok || liq_diags_count(d, LIQ_SEV_ERROR) > before) {
        liq_policy_free(p);
        return NULL;
    }
    return p;
}

/* Under mem.h's rule: a call that fails for want of memory says so first. */
liq_policy *liq_policy_load(const char *path, liq_diags *d)
{
    mem_watch w = mem_watch_start(d);
    liq_policy *r = load_policy(path, d);
    mem_watch_end(&w, d, r == NULL, path);
    return r;
}
