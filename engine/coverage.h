/*
 * coverage.h — which branches of its own waterfall a policy's cases
 * reached: the branches a policy can take (from its sections: a partial
 * step, a backstop, a fee cap, each stage of its shortfall order, ...)
 * and, for each evaluated result, the ones it took. `liqsim audit`
 * counts them over generated cases and `liqsim test --coverage` over a
 * policy's worked examples, through this one list, so both say
 * "never reached: insurance fund exhausted, then ADL" alike.
 */
#ifndef LIQ_COVERAGE_H
#define LIQ_COVERAGE_H

#include "policy.h"
#include "result.h"

#define COV_MAX 24

/* The branches one policy (or one market's rules) can take, in the
 * order money flows, each with how often it was reached. Labels are
 * static strings or held in `text`. */
typedef struct cov_branch {
    int kind;                 /* COVK_* (coverage.c) */
    int stage;                /* the shortfall stage, for stage branches */
    char label[80];
    size_t hits;
} cov_branch;

typedef struct cov_set {
    cov_branch b[COV_MAX];
    size_t n;
    size_t results;           /* evaluated rows counted (status ok) */
} cov_set;

/* The branches the venue-wide rules of p can take (a market's overrides
 * may add some: cov_init_root with its rules, then cov_merge). */
void cov_init(cov_set *cs, const liq_policy *p);
void cov_init_root(cov_set *cs, const p_root *pr);
/* Count the branches result r took (its events, covered_by and
 * balances); a row that is not "ok" counts nothing. r must have been
 * evaluated with events (not quiet). */
void cov_count(cov_set *cs, const liq_result *r);
/* Adds b's counts into a (same policy: branches matched by label; a
 * branch only b has is appended). */
void cov_merge(cov_set *a, const cov_set *b);

#endif
