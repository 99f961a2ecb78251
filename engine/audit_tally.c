/*
 * audit_tally.c — what an audit run counts (audit.h), as accumulators of
 * the case runner (engine/runner.h): per policy and property, the cases
 * that checked it, those that failed it and the smallest id of a failing
 * one; the evaluated cases and the branches they reached; the same for
 * the replayed books. After the run, the totals are read back into an
 * audit_tally, and the first failing case of each property is generated
 * again from (seed, id) for the report to shrink.
 *
 * A case is a function of (seed, id) alone and every accumulator
 * combines exactly (counts; the smallest id), so the tally is the same
 * whatever the split of ids among threads or shards, and the shards'
 * summaries merge into the unsharded run's (`liqsim merge`).
 */
#include "audit.h"

#include <stdio.h>
#include <string.h>

/* 10^LIQ_DEC_SCALE: the raw value of 1. */
#define ONE_RAW ((liq_i128)1000000000000)
_Static_assert(LIQ_DEC_SCALE == 12, "ONE_RAW is 10^LIQ_DEC_SCALE");

/* The branches a policy's cases can reach: the venue-wide rules', then
 * each market's own. */
static void cov_of(cov_set *cs, const audit_ctx *c)
{
    cov_init(cs, c->p);
    for (size_t i = 0; i < c->p->nmarkets; i++) {
        cov_set m;
        cov_init_root(&m, &c->p->markets[i].r);
        cov_merge(cs, &m);
    }
}

bool audit_accs_declare(run *r, const audit_ctx *c, audit_accs *a)
{
    const char *g = liq_policy_name(c->p);
    char name[128];
    bool ok = true;
    memset(a, 0, sizeof *a);
    cov_of(&a->tmpl, c);
    for (int p = 0; p < AP_COUNT; p++) {
        snprintf(name, sizeof name, "checked:%s", audit_prop_ids[p]);
        ok &= (a->checked[p] = run_acc_declare(r, g, name, RUN_COUNT)) >= 0;
        snprintf(name, sizeof name, "failed:%s", audit_prop_ids[p]);
        ok &= (a->failed[p] = run_acc_declare(r, g, name, RUN_COUNT)) >= 0;
        snprintf(name, sizeof name, "first_failed:%s", audit_prop_ids[p]);
        ok &= (a->first[p] = run_acc_declare(r, g, name, RUN_MIN)) >= 0;
    }
    ok &= (a->evaluated = run_acc_declare(r, g, "evaluated", RUN_COUNT)) >= 0;
    for (size_t i = 0; i < a->tmpl.n; i++) {
        snprintf(name, sizeof name, "reached:%s", a->tmpl.b[i].label);
        ok &= (a->reached[i] = run_acc_declare(r, g, name, RUN_COUNT)) >= 0;
    }
    return ok;
}

/* A failure of property p by the case (or book) numbered id, named
 * "case-ID" ("book-ID") as its case line names it. */
static void failed(const audit_accs *a, run_out *out, int p, uint64_t id, const char *what)
{
    char label[48];
    snprintf(label, sizeof label, "%s-%llu", what, (unsigned long long)id);
    run_count(out, a->failed[p], 1);
    run_min(out, a->first[p], liq_dec_from_int((int64_t)id), label);
}

unsigned audit_tally_case(audit_ctx *c, const audit_accs *a, uint64_t seed, uint64_t id,
                          unsigned mask, run_out *out, char (*detail)[AUDIT_DETAIL])
{
    audit_case k;
    cov_set cov = a->tmpl;
    audit_case_gen(c, seed, id, &k);
    unsigned checked = 0, bad = audit_check(c, &k, mask, &cov, &checked, detail, NULL);
    for (int p = 0; p < AP_COUNT; p++) {
        run_count(out, a->checked[p], (checked >> p) & 1u);
        if ((bad >> p) & 1u)
            failed(a, out, p, id, "case");
    }
    run_count(out, a->evaluated, cov.results);
    for (size_t i = 0; i < cov.n; i++)
        run_count(out, a->reached[i], cov.b[i].hits);
    return bad;
}

bool audit_tally_book(audit_ctx *c, const audit_accs *a, uint64_t seed, uint64_t id,
                      run_out *out, char *why, size_t cap)
{
    audit_book b;
    audit_book_gen(c, seed, id, &b);
    run_count(out, a->checked[AP_REPLAY], 1);
    if (audit_book_check(c, &b, why, cap))
        return true;
    failed(a, out, AP_REPLAY, id, "book");
    return false;
}

void audit_tally_read(audit_ctx *c, const audit_accs *a, const run *r, uint64_t seed,
                      unsigned mask, audit_tally *t)
{
    memset(t, 0, sizeof *t);
    t->cov = a->tmpl;
    t->cov.results = (size_t)run_acc_total(r, a->evaluated);
    for (size_t i = 0; i < t->cov.n; i++)
        t->cov.b[i].hits = (size_t)run_acc_total(r, a->reached[i]);
    for (int p = 0; p < AP_COUNT; p++) {
        t->checked[p] = (size_t)run_acc_total(r, a->checked[p]);
        t->failed[p] = (size_t)run_acc_total(r, a->failed[p]);
        liq_dec v;
        if (!run_acc_extreme(r, a->first[p], &v, NULL))
            continue;
        /* A whole number of cases, below 2^63 (--cases is bounded). */
        int64_t id = (int64_t)(v.raw / ONE_RAW);
        t->have[p] = true;
        t->first_id[p] = (uint64_t)id;
        if (p == AP_REPLAY) {
            audit_book_gen(c, seed, (uint64_t)id, &t->first_book);
            continue;
        }
        /* The case that shows the failure, as the run's check saw it:
         * the case itself, or its variant whose own evaluation failed. */
        audit_case k, shows[AP_COUNT];
        cov_set cov = a->tmpl;
        audit_case_gen(c, seed, (uint64_t)id, &k);
        shows[p] = k;
        audit_check(c, &k, mask, &cov, NULL, NULL, shows);
        t->first[p] = shows[p];
    }
}
