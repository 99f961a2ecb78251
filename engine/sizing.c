/*
 * sizing.c — the largest position whose loss on the scenario's own path
 * (and its stop-loss, when it has one) stays within a budget: a share of
 * the account (`--risk 2%`), or an amount read as that share of
 * account.collateral.
 *
 * The answer is the engine's: the scenario's position.size is changed
 * (a variant; the leverage, or the margin, stays what the scenario says)
 * and evaluated by liq_eval. Sizes are whole multiples of a step (the
 * resolution, stated in the answer); the search doubles the size until a
 * loss exceeds the budget or the position cannot be opened (the venue
 * refuses it: a leverage its tier does not offer; or the account does not
 * hold its margin), then bisects exactly on the multiples. It assumes a
 * larger position never loses less on the same path (the property audit
 * checks monotonicity); the answer shows the loss at its size and what
 * happens one step above, so a reader can see the edge was found.
 */
#include "whatif.h"

#include "mem.h"

#include <stdio.h>
#include <string.h>

const char *const size_stop_names[SZ_COUNT] = {"", "budget", "not_offered", "account",
                                               "search_limit"};

void size_row_free(size_row *z)
{
    liq_result_free(z->given);
    z->given = NULL;
}

/* One evaluation at size k x step: 0 and *lost filled when it opens;
 * SZ_* why not otherwise (with the reason in why); -1 on a failure. */
typedef struct sz_ctx {
    liq_policy *p;
    variant *v;
    variant_key key;
    liq_dec step;
    size_t evals;
    liq_diags *d;
} sz_ctx;

static int at_size(sz_ctx *c, liq_i128 k, liq_dec *lost, char *why, size_t cap, liq_status *st)
{
    liq_dec size;
    *st = LIQ_OK;
    if (liq_dec_mul(c->step, (liq_dec){k * (liq_i128)1000000000000}, LIQ_ROUND_HALF_EVEN, &size) !=
        LIQ_OK) {
        snprintf(why, cap, "the size does not fit the decimal type");
        return SZ_LIMIT;
    }
    char err[300];
    if (!variant_set(c->v, &c->key, size, err, sizeof err)) {
        snprintf(why, cap, "%s", err);
        return SZ_LIMIT;
    }
    liq_eval_opts eo = {.quiet = true};
    liq_diags pd = LIQ_DIAGS_INIT;
    c->evals++;
    liq_result *r = liq_eval(c->p, &c->v->s, &eo, &pd);
    int out = 0;
    if (!r) {
        /* The base opened, so an input error here is the size's: the
         * account does not hold the margin. Anything else is a failure. */
        const liq_diag *g = pd.n ? &pd.items[0] : NULL;
        if (g && g->code == LIQ_EINPUT) {
            snprintf(why, cap, "%s", g->msg);
            out = SZ_ACCOUNT;
        } else {
            for (size_t i = 0; i < pd.n; i++)
                liq_diags_add(c->d, pd.items[i].severity, pd.items[i].code, pd.items[i].file,
                              pd.items[i].line, pd.items[i].col, "%s", pd.items[i].msg);
            *st = g ? g->code : LIQ_EINVARIANT;
            out = -1;
        }
    } else if (r->status != RS_OK) {
        snprintf(why, cap, "%s", r->reason ? r->reason : liq_result_status(r));
        out = SZ_REFUSED;
    } else if ((*st = result_trader_lost(r, lost)) != LIQ_OK) {
        out = -1;
    }
    liq_result_free(r);
    liq_diags_free(&pd);
    return out;
}

/* The budget in the row's settlement currency: the share of its account. */
static liq_status row_budget(const liq_result *g, const size_budget *b, const liq_scenario *s,
                             liq_dec *out)
{
    liq_dec share = b->share;
    if (!b->is_share) {
        liq_dec coll = s->r.account.collateral.v;
        if (liq_dec_sign(coll) <= 0)
            return LIQ_EDIVZERO;
        liq_status st = liq_dec_div(b->amount, coll, LIQ_ROUND_DOWN, &share);
        if (st != LIQ_OK)
            return st;
    }
    /* Rounded down: a budget is never more than it says. */
    return liq_dec_mul(g->account, share, LIQ_ROUND_DOWN, out);
}

liq_status size_eval(liq_policy *p, const liq_scenario *s, const size_budget *b, liq_dec step,
                     size_row *out, liq_diags *d)
{
    memset(out, 0, sizeof *out);
    out->step = step;
    variant v;
    if (!variant_init(&v, s, d)) {
        variant_free(&v);
        return LIQ_EINPUT;
    }
    liq_eval_opts eo = {0};
    out->given = liq_eval(p, s, &eo, d);
    if (!out->given) {
        variant_free(&v);
        return liq_diags_count(d, LIQ_SEV_ERROR) ? d->items[d->n - 1].code : LIQ_EINVARIANT;
    }
    if (out->given->status != RS_OK) {
        variant_free(&v);
        return LIQ_OK;
    }
    liq_status st = row_budget(out->given, b, s, &out->budget);
    if (st != LIQ_OK) {
        liq_diags_add(d, LIQ_SEV_ERROR, st, s->path, s->r.account.collateral.m.line,
                      s->r.account.collateral.m.col,
                      "account.collateral: a risk budget given as an amount needs a positive "
                      "collateral");
        variant_free(&v);
        return st;
    }
    sz_ctx c = {p, &v, {0}, step, 1, d};
    char err[300];
    variant_key_find("position.size", &c.key, err, sizeof err);
    /* Doubling: the first k (a power of two) that is over the budget or
     * cannot be opened. Bounded so a loss that never grows cannot loop. */
    liq_i128 lo = 0, hi = 1;
    liq_dec lost = LIQ_DEC_ZERO, lo_lost = LIQ_DEC_ZERO;
    char why[320] = "";
    int why_hi = 0;
    for (int i = 0;; i++) {
        int r = at_size(&c, hi, &lost, why, sizeof why, &st);
        if (r < 0) {
            variant_free(&v);
            return st;
        }
        if (r > 0 || liq_dec_cmp(lost, out->budget) > 0) {
            why_hi = r > 0 ? r : SZ_BUDGET;
            break;
        }
        lo = hi;
        lo_lost = lost;
        if (i == 60) {
            why_hi = SZ_LIMIT;
            snprintf(why, sizeof why, "2^60 steps still lose within the budget");
            break;
        }
        hi *= 2;
    }
    liq_dec hi_lost = lost;
    while (why_hi != SZ_LIMIT && hi - lo > 1) {
        liq_i128 mid = lo + (hi - lo) / 2;
        char w2[320];
        int r = at_size(&c, mid, &lost, w2, sizeof w2, &st);
        if (r < 0) {
            variant_free(&v);
            return st;
        }
        if (r > 0 || liq_dec_cmp(lost, out->budget) > 0) {
            hi = mid;
            hi_lost = lost;
            why_hi = r > 0 ? r : SZ_BUDGET;
            snprintf(why, sizeof why, "%s", w2);
        } else {
            lo = mid;
            lo_lost = lost;
        }
    }
    liq_dec_mul(step, (liq_dec){lo * (liq_i128)1000000000000}, LIQ_ROUND_HALF_EVEN, &out->size);
    liq_dec_mul(step, (liq_dec){hi * (liq_i128)1000000000000}, LIQ_ROUND_HALF_EVEN,
                &out->next_size);
    out->loss = lo_lost;
    out->stop = why_hi;
    out->next_loss = why_hi == SZ_BUDGET ? hi_lost : LIQ_DEC_ZERO;
    snprintf(out->next_reason, sizeof out->next_reason, "%s", why_hi == SZ_BUDGET ? "" : why);
    /* The position at the answer, for its notional and margin. */
    if (lo > 0) {
        if (variant_set(&v, &c.key, out->size, err, sizeof err)) {
            liq_diags pd = LIQ_DIAGS_INIT;
            liq_result *r = liq_eval(p, &v.s, &(liq_eval_opts){.quiet = true}, &pd);
            if (r && r->status == RS_OK) {
                out->notional = r->notional;
                out->margin = r->initial_margin;
                out->leverage = r->leverage;
            }
            liq_result_free(r);
            liq_diags_free(&pd);
        }
    }
    out->evals = c.evals;
    out->answered = true;
    variant_free(&v);
    return LIQ_OK;
}
