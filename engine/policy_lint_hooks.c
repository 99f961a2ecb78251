/*
 * policy_lint_hooks.c — lint runs a policy's hooks before a user does.
 *
 * A hook bug shows only when an evaluation reaches its branch: a typo in
 * a ctx field, a nil compared in the short branch, a division by a zero
 * notional. Lint evaluates a few representative positions built from the
 * policy's own limits, through the engine's own stages (so each hook gets
 * exactly the ctx an evaluation gives it): for each market, a long and a
 * short, at a small notional (inside the first tier) and a large one
 * (past the last tier boundary), each at the highest leverage the venue
 * allows there, on a mark path that gaps far past the bankruptcy price so
 * that the fee, insurance-fund, ADL and debt hooks all run. A hook error
 * becomes a lint warning at the hook's own file:line, once. What a hook
 * returns is not judged here: only that it runs.
 */
#include "policy.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_LEVERAGE 10      /* when a venue states no maximum */
#define DEFAULT_SMALL "1000"     /* a notional for a table with no tier cap */
#define SCALE_LARGE 1000         /* the large notional, relative to the small */

/* The highest leverage allowed for a notional of the market r. */
static int64_t max_leverage_at(const p_root *r, liq_dec notional)
{
    int64_t lev = r->margin.max_leverage.set ? r->margin.max_leverage.v : DEFAULT_LEVERAGE;
    for (size_t i = 0; i < root_ntiers(r); i++) {
        const p_tier *t = root_tier(r, i);
        if (t->up_to.set && liq_dec_cmp(notional, t->up_to.v) > 0)
            continue;
        lev = tier_whole_leverage(t, lev);
        break;
    }
    return lev > 0 ? lev : 1;
}

/* Half the first tier's cap, or a default; and past the last boundary. */
static void notionals(const p_root *r, liq_dec *small, liq_dec *large)
{
    size_t nt = root_ntiers(r);
    if (nt && root_tier(r, 0)->up_to.set)
        liq_dec_div(root_tier(r, 0)->up_to.v, liq_dec_from_int(2), LIQ_ROUND_DOWN, small);
    else
        liq_dec_from_str(DEFAULT_SMALL, small);
    if (nt > 1 && root_tier(r, nt - 2)->up_to.set)
        liq_dec_mul(root_tier(r, nt - 2)->up_to.v, liq_dec_from_int(2), LIQ_ROUND_DOWN, large);
    else if (liq_dec_mul(*small, liq_dec_from_int(SCALE_LARGE), LIQ_ROUND_DOWN, large) != LIQ_OK)
        *large = *small;
}

/* Whether diags already hold this finding (a hook that fails on every
 * representative position is reported once). */
static bool seen(const liq_diags *d, size_t from, const liq_diag *g)
{
    for (size_t i = from; d && i < d->n; i++)
        if (d->items[i].line == g->line && strcmp(d->items[i].file, g->file) == 0 &&
            strstr(d->items[i].msg, g->msg))
            return true;
    return false;
}

/* Evaluate one representative position; turn its hook errors into
 * warnings. Returns the number of warnings added. */
static size_t try_case(liq_policy *p, const char *symbol, bool is_long, liq_dec notional,
                       int64_t lev, size_t first, liq_diags *d)
{
    char n[LIQ_DEC_STRLEN], coll[LIQ_DEC_STRLEN], yaml[768], label[192];
    liq_dec c;
    liq_dec_format(notional, n);
    if (liq_dec_div(notional, liq_dec_from_int(lev), LIQ_ROUND_UP, &c) != LIQ_OK)
        return 0;
    liq_dec_format(c, coll);
    const char *far = is_long ? "50" : "150";   /* from 100: far past bankruptcy either way */
    char market[160] = "";
    if (symbol)
        snprintf(market, sizeof market, "market: \"%s\", ", symbol);
    snprintf(yaml, sizeof yaml,
             "name: lint\n"
             "account: {collateral: \"%s\", mode: isolated}\n"
             "position: {%scontract: linear, side: %s, notional: \"%s\", entry_price: \"100\", "
             "leverage: %lld}\n"
             "market: {mark_path: [\"100\", \"%s\"], liquidation_fill: {slippage: \"0.02\"}}\n",
             coll, market, is_long ? "long" : "short", n, (long long)lev, far);
    snprintf(label, sizeof label, "%s%s%s, notional %s, %lldx, mark 100 to %s",
             symbol ? symbol : "", symbol ? " " : "", is_long ? "long" : "short", n,
             (long long)lev, far);

    liq_diags run = LIQ_DIAGS_INIT;
    liq_scenario *s = liq_scenario_parse("(lint)", yaml, strlen(yaml), &run);
    size_t added = 0;
    if (s) {
        liq_eval_opts o = {.quiet = true};
        liq_result *res = liq_eval(p, s, &o, &run);
        liq_result_free(res);
        liq_scenario_free(s);
    }
    for (size_t i = 0; i < run.n; i++) {
        const liq_diag *g = &run.items[i];
        if (g->severity != LIQ_SEV_ERROR || g->code != LIQ_EHOOK || seen(d, first, g))
            continue;
        liq_diags_add(d, LIQ_SEV_WARNING, LIQ_OK, g->file, g->line, g->col,
                      "%s (lint ran the hooks on a %s)", g->msg, label);
        added++;
    }
    liq_diags_free(&run);
    return added;
}

size_t policy_lint_hooks(const liq_policy *cp, liq_diags *d)
{
    if (!cp->rt)
        return 0;
    /* Running a hook changes nothing lint reports on, but the Lua state
     * runs: evaluation takes the policy as mutable. */
    liq_policy *p = (liq_policy *)cp;
    size_t added = 0, first = d ? d->n : 0;
    size_t nm = p->nmarkets ? p->nmarkets : 1;
    for (size_t m = 0; m < nm; m++) {
        const p_root *r = p->nmarkets ? &p->markets[m].r : &p->r;
        const char *symbol = p->nmarkets ? p->markets[m].id->symbol.v : NULL;
        liq_dec size[2];
        notionals(r, &size[0], &size[1]);
        for (int side = 0; side < 2; side++)
            for (int k = 0; k < 2; k++)
                added += try_case(p, symbol, side == 0, size[k], max_leverage_at(r, size[k]),
                                  first, d);
    }
    return added;
}
