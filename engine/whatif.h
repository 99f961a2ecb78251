/*
 * whatif.h — the questions a trader asks of one position under one
 * venue's rules, answered by evaluating variants of the scenario
 * (variant.h) through liq_eval, never by a formula of their own:
 *   worst.c   the largest loss and debt the position can end with, the
 *             clause of the policy that bounds it, and the path to it;
 *   sizing.c  the largest size whose loss on the scenario's path (and its
 *             stop-loss) stays within a budget.
 * The verbs' front ends (tools/cmd_worst.c, cmd_size.c) print these.
 */
#ifndef LIQ_WHATIF_H
#define LIQ_WHATIF_H

#include "policy.h"
#include "result.h"
#include "variant.h"

/* ---- worst.c --------------------------------------------------------------- */

/* What bounds the worst case. */
enum {
    WK_PROTECTION = 0,   /* negative-balance protection: never more than the collateral */
    WK_PRICE_FLOOR,      /* no protection, a linear long (or an inverse short): the price
                          * cannot pass zero (or infinity), so the loss approaches a limit */
    WK_UNBOUNDED,        /* no protection, a linear short (or an inverse long): no limit */
    WK_COUNT
};
extern const char *const worst_kind_names[WK_COUNT];  /* "negative_balance_protection", ... */

/* One clause of the policy, where it is written. */
typedef struct worst_clause {
    const char *key;         /* "negative_balance.protection" (static) */
    liq_mark m;              /* its file:line:col in the policy (or its extends base) */
    char says[160];          /* the clause's value in words: "true", "cap: remaining_margin" */
} worst_clause;

typedef struct worst_row {
    liq_result *given;       /* the scenario as given (owned: worst_row_free); its status
                              * says whether the venue answers at all */
    bool answered;           /* given is "ok" and the search ran */
    int kind;                /* WK_* */
    bool bounded;            /* a largest loss exists (kind != WK_UNBOUNDED) */
    bool attained;           /* reached at a mark (else approached: WK_PRICE_FLOOR) */
    liq_dec loss, debt;      /* the largest trader_lost and debt.owed found */
    liq_dec mark;            /* the least adverse gap mark that reaches them (bounded),
                              * or the probe mark (unbounded) */
    liq_dec resolution;      /* of the search for mark */
    liq_dec probe_mark[2], probe_loss[2];   /* unbounded: two far marks and their loss */
    worst_clause bound;      /* the clause that bounds it (protection, or its absence) */
    worst_clause fee;        /* liquidation.fee: capped at what is left, or on top */
    worst_clause cover;      /* shortfall.order: who pays a deficit (a debt when trader_debt) */
    size_t evals;            /* evaluations the search made */
} worst_row;

/* The worst case of s's position under p: gap paths [entry, m] with the
 * scenario's slippage, m over a fixed set of probes from the entry to
 * the price's floor (a long) or to 10^6 x the entry (a short), then an
 * exact bisection to `resolution` (the policy's price tick, else a
 * millionth of the entry) for the least adverse m that reaches the
 * largest loss. Returns LIQ_OK with out filled (out->answered false when
 * the venue does not list the market or refuses the trade: out->given
 * says why), or the evaluation's error in d. */
liq_status worst_eval(liq_policy *p, const liq_scenario *s, worst_row *out, liq_diags *d);
void worst_row_free(worst_row *w);

/* ---- sizing.c --------------------------------------------------------------- */

/* What stops the size from growing one more step. */
enum {
    SZ_BUDGET = 1,       /* one step more loses more than the budget */
    SZ_REFUSED,          /* the venue would refuse one step more (a tier's leverage) */
    SZ_ACCOUNT,          /* the account does not hold one step more's margin */
    SZ_LIMIT,            /* the search's own limit (2^60 steps, or the decimal type) */
    SZ_COUNT
};
extern const char *const size_stop_names[SZ_COUNT];   /* [SZ_BUDGET] "budget", ... */

/* A risk budget: a share of the account (0.02 for 2 %), or an amount in
 * the scenario's collateral currency, read as that share of
 * account.collateral (so 20 of 1,000 is 2 % at every venue, whatever it
 * settles in). */
typedef struct size_budget {
    bool is_share;
    liq_dec share, amount;
} size_budget;

typedef struct size_row {
    liq_result *given;       /* the scenario as given (owned: size_row_free) */
    bool answered;           /* given is "ok" and the search ran */
    liq_dec budget;          /* in the row's settlement currency */
    liq_dec step;            /* the resolution: sizes are whole multiples of it */
    liq_dec size, loss;      /* the largest size within the budget, and its loss (0, 0:
                              * not even one step) */
    liq_dec notional, margin, leverage;   /* the position at that size */
    int stop;                /* SZ_*: what one step more runs into */
    liq_dec next_size, next_loss;   /* one step more, and its loss (SZ_BUDGET) */
    char next_reason[320];   /* why one step more cannot be opened (else "") */
    size_t evals;
} size_row;

/* The largest multiple of step (in position.size's units: base units or
 * contracts) whose trader_lost on s's path stays within the budget under
 * p, the leverage (or the margin) kept as s states it. LIQ_OK with out
 * filled (out->answered false when the venue does not list the market or
 * refuses the trade as given), or the failure in d. */
liq_status size_eval(liq_policy *p, const liq_scenario *s, const size_budget *b, liq_dec step,
                     size_row *out, liq_diags *d);
void size_row_free(size_row *z);

#endif
