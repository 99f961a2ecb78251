/*
 * audit_tally.c — what an audit run counts (audit.h): per property, the
 * cases that checked it and those that failed it, the failing case with
 * the smallest id, the first failing book, and the branches reached.
 *
 * A tally is filled case by case on one worker (its own audit_ctx: its
 * own policy and Lua state) and tallies of several workers are merged;
 * because a case is a function of (seed, id) alone and the first failure
 * kept is the one with the smallest id, the merged tally is the same
 * whatever the split of ids among workers, threads or shards.
 */
#include "audit.h"

#include <string.h>

void audit_tally_init(audit_tally *t, const audit_ctx *c)
{
    memset(t, 0, sizeof *t);
    cov_init(&t->cov, c->p);
    for (size_t i = 0; i < c->p->nmarkets; i++) {
        cov_set m;
        cov_init_root(&m, &c->p->markets[i].r);
        cov_merge(&t->cov, &m);
    }
}

void audit_tally_case(audit_ctx *c, uint64_t seed, uint64_t id, unsigned mask, audit_tally *t)
{
    audit_case k, shows[AP_COUNT];
    audit_case_gen(c, seed, id, &k);
    unsigned checked = 0, failed = audit_check(c, &k, mask, &t->cov, &checked, NULL, shows);
    for (int p = 0; p < AP_COUNT; p++) {
        t->checked[p] += (checked >> p) & 1u;
        if (!((failed >> p) & 1u))
            continue;
        t->failed[p]++;
        if (!t->have[p] || id < t->first_id[p]) {
            t->have[p] = true;
            t->first[p] = shows[p];
            t->first_id[p] = id;
        }
    }
}

void audit_tally_book(audit_ctx *c, uint64_t seed, uint64_t id, audit_tally *t)
{
    audit_book b;
    char why[AUDIT_DETAIL];
    audit_book_gen(c, seed, id, &b);
    t->checked[AP_REPLAY]++;
    if (audit_book_check(c, &b, why, sizeof why))
        return;
    t->failed[AP_REPLAY]++;
    if (!t->have[AP_REPLAY] || id < t->first_id[AP_REPLAY]) {
        t->have[AP_REPLAY] = true;
        t->first_book = b;
        t->first_id[AP_REPLAY] = id;
    }
}

void audit_tally_merge(audit_tally *into, const audit_tally *from)
{
    for (int p = 0; p < AP_COUNT; p++) {
        into->checked[p] += from->checked[p];
        into->failed[p] += from->failed[p];
        if (from->have[p] && (!into->have[p] || from->first_id[p] < into->first_id[p])) {
            into->have[p] = true;
            into->first[p] = from->first[p];
            into->first_id[p] = from->first_id[p];
            if (p == AP_REPLAY)
                into->first_book = from->first_book;
        }
    }
    /* Same policy, same branch list: counts add up. */
    into->cov.results += from->cov.results;
    for (size_t i = 0; i < into->cov.n && i < from->cov.n; i++)
        into->cov.b[i].hits += from->cov.b[i].hits;
}
