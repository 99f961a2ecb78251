/*
 * audit.h — property audits of a policy (`liqsim audit`): cases
 * generated within the policy's own limits, the properties every case
 * must keep, and the shrinking of a failure to its smallest
 * counterexample, written as a scenario file `liqsim eval` reproduces.
 *
 *   audit_case.c   a case from (seed, case id): market, side, mode,
 *                  size inside a tier, a leverage the tier offers, a
 *                  path around the position's own margin, slippage, the
 *                  fund; applied to a scenario in place; as YAML text
 *   audit_check.c  the properties (AP_*), one case at a time
 *   audit_shrink.c a failing case made smallest, property kept
 *   audit_replay.c books of such cases replayed, the ledger checked at
 *                  every tick; a failing book shrunk and written
 *   audit_tally.c  what a run counts, as the case runner's accumulators
 *
 * A case depends only on the run's seed and its id (not on the cases
 * before it), so shards and threads of one run check the same cases,
 * and the first failure of each property is the one with the smallest
 * id whatever the order they ran in.
 */
#ifndef LIQ_AUDIT_H
#define LIQ_AUDIT_H

#include "coverage.h"
#include "policy.h"
#include "result.h"
#include "runner.h"
#include "scenario.h"

#define AUDIT_MAX_MARKS 4          /* marks after the entry mark */
#define AUDIT_DEFAULT_CASES 10000

/* The properties, in the order the report lists them. */
enum {
    AP_EVALUATES,       /* the evaluation completes (no hook error, no overflow) */
    AP_CONSERVED,       /* money conserved: the events add up to the totals */
    AP_PROTECTION,      /* negative-balance protection => nothing owed */
    AP_MONO_FILL,       /* a worse fill never lowers the trader's loss */
    AP_MONO_SHOCK,      /* a deeper shock never lowers it */
    AP_MONO_SIZE,       /* a larger size never lowers it */
    AP_LIQ_PRICE,       /* liquidation price between entry and bankruptcy */
    AP_FEE_CAP,         /* every fee within its cap */
    AP_FUND,            /* the fund never below what the policy allows */
    AP_ADL_PRICE,       /* ADL fills at the declared price */
    AP_HOOK_SAME,       /* a hook returns the same for the same inputs */
    AP_REPLAY,          /* money conserved at every tick of a replay (audit_replay.c) */
    AP_COUNT
};
extern const char *const audit_prop_names[AP_COUNT];   /* "money conserved", ... */
extern const char *const audit_prop_ids[AP_COUNT];     /* "conserved", ... (JSON) */

/* Which variant of a case a monotonicity property compares it with. */
enum { AV_NONE, AV_FILL, AV_SHOCK, AV_SIZE };

typedef struct audit_case {
    uint64_t id;
    size_t market;             /* index in the policy's markets (0 when it lists none) */
    int side;                  /* SIDE_LONG / SIDE_SHORT */
    int mode;                  /* MODE_ISOLATED / MODE_CROSS */
    liq_dec entry, size, leverage;
    liq_dec extra;             /* collateral beyond the initial margin (cross) */
    liq_dec marks[AUDIT_MAX_MARKS];
    size_t nmarks;             /* marks after the entry mark, >= 1 */
    liq_dec slippage;
    bool has_fund;
    liq_dec fund;              /* the scenario's insurance fund balance */
    /* The steps of the variants the monotonicity checks compare with:
     * delta[AV_FILL - 1] and so on. */
    liq_dec delta[3];
} audit_case;

/* One worker's state: the policy (its own Lua state) and one scenario
 * per market that cases are written into. Caller owns; audit_ctx_free. */
typedef struct audit_ctx {
    liq_policy *p;
    liq_scenario **tmpl;       /* per market, parsed once */
    size_t ntmpl;
    liq_diags d;               /* the last evaluation's messages */
} audit_ctx;

/* NULL when out of memory (or a template does not parse: a bug). */
audit_ctx *audit_ctx_new(liq_policy *p);
void audit_ctx_free(audit_ctx *c);

/* The rules a case is evaluated under (its market's). */
const p_root *audit_case_rules(const audit_ctx *c, const audit_case *k);

/* audit_case.c */
void audit_case_gen(const audit_ctx *c, uint64_t seed, uint64_t id, audit_case *k);
/* The variant of k of kind AV_* by delta (a rate: the fill's slippage
 * plus delta; the deepest mark delta further from entry; the size times
 * 1 + delta). false when it cannot be made (a mark would reach zero). */
bool audit_case_vary(const audit_ctx *c, const audit_case *k, int kind, liq_dec delta,
                     audit_case *out);
/* The index of k's deepest mark (the last of equals). */
size_t audit_case_deepest(const audit_case *k);
/* The size (in k's market's contracts) whose notional at k's entry is
 * about notional (settlement currency). */
liq_dec audit_case_size(const audit_ctx *c, const audit_case *k, liq_dec notional);
/* The notional of k at its entry, in its settlement currency. */
liq_dec audit_case_notional(const audit_ctx *c, const audit_case *k);
/* The collateral a case posts: its initial margin (rounded up) plus extra. */
liq_dec audit_case_collateral(const audit_ctx *c, const audit_case *k);
/* Write k into its market's template scenario; returns it (owned by c). */
liq_scenario *audit_case_apply(audit_ctx *c, const audit_case *k);
/* k as a scenario file (YAML text, the same numbers), named name, with
 * comment lines `note` (may be NULL) on top. Caller frees. */
char *audit_case_yaml(const audit_ctx *c, const audit_case *k, const char *name,
                      const char *note);

/* audit_check.c: evaluate k and check the properties in mask. Returns
 * the mask of those that failed; *checked (may be NULL) gets the mask of
 * those the case exercised (a fee cap is checked only where a fee was
 * charged); detail[prop] (AP_COUNT strings of AUDIT_DETAIL bytes, may be
 * NULL) says how each failed, and failing[prop] (AP_COUNT cases, may be
 * NULL) gets the case that shows it: k, or the variant of k whose own
 * evaluation failed. Counts the branches the base evaluation reached in
 * cov (may be NULL). */
#define AUDIT_DETAIL 480
unsigned audit_check(audit_ctx *c, const audit_case *k, unsigned mask, cov_set *cov,
                     unsigned *checked, char (*detail)[AUDIT_DETAIL], audit_case *failing);
/* The properties that apply to c's policy (protection only where it is
 * promised, ADL only where the order has it, hooks only where it has
 * them). */
unsigned audit_applicable(const audit_ctx *c);
/* The variant kind (AV_*) a monotonicity property compares with, or
 * AV_NONE. */
int audit_prop_vary(int prop);

/* audit_shrink.c: make k smaller and simpler while property prop still
 * fails (at most budget evaluations). Returns the evaluations spent. */
size_t audit_shrink(audit_ctx *c, audit_case *k, int prop, size_t budget);

/* audit_replay.c: a book of a few accounts in one market through one
 * path (the path's case gives the market, entry, marks, slippage and
 * fund; each account its side, mode, notional and leverage). */
#define AUDIT_BOOK_MAX 8
typedef struct audit_book {
    audit_case path;
    size_t n;
    audit_case acct[AUDIT_BOOK_MAX];
} audit_book;
void audit_book_gen(const audit_ctx *c, uint64_t seed, uint64_t id, audit_book *b);
/* Replay b with the ledger checked at every tick: true when it held;
 * detail gets the failure. */
bool audit_book_check(audit_ctx *c, const audit_book *b, char *detail, size_t cap);
/* Fewer accounts and marks while it still fails; the replays spent. */
size_t audit_book_shrink(audit_ctx *c, audit_book *b, size_t budget);
/* The book (NDJSON) and path (CSV) files `liqsim replay --check` reads;
 * caller frees. */
char *audit_book_ndjson(const audit_ctx *c, const audit_book *b);
char *audit_book_path_csv(const audit_ctx *c, const audit_book *b);

/* audit_tally.c: what a run counts, as accumulators of the case runner
 * (engine/runner.h). Declare one policy's (its group is the policy's
 * name) before run_go; count each case or book inside run_case; after
 * run_go, read the totals back. The totals do not depend on how the ids
 * were split among threads or shards. */
typedef struct audit_accs {
    int checked[AP_COUNT], failed[AP_COUNT], first[AP_COUNT];   /* first: the smallest failing id */
    int evaluated, reached[COV_MAX];
    cov_set tmpl;                    /* the policy's branches, none reached */
} audit_accs;
bool audit_accs_declare(run *r, const audit_ctx *c, audit_accs *a);
/* Case id of the run seed: generated, checked for the properties in mask,
 * counted into out. Returns the mask of those it failed; detail (may be
 * NULL) as audit_check's. */
unsigned audit_tally_case(audit_ctx *c, const audit_accs *a, uint64_t seed, uint64_t id,
                          unsigned mask, run_out *out, char (*detail)[AUDIT_DETAIL]);
/* Book id of the run seed: generated and replayed, the ledger checked;
 * false (why says how) when it failed. */
bool audit_tally_book(audit_ctx *c, const audit_accs *a, uint64_t seed, uint64_t id,
                      run_out *out, char *why, size_t cap);

/* A run's totals for one policy, after run_go. */
typedef struct audit_tally {
    size_t checked[AP_COUNT], failed[AP_COUNT];
    bool have[AP_COUNT];
    uint64_t first_id[AP_COUNT];     /* the smallest id of a case (or book) that failed */
    audit_case first[AP_COUNT];      /* the case that shows it (audit_check's failing[]) */
    audit_book first_book;           /* AP_REPLAY's */
    cov_set cov;
} audit_tally;
/* The totals of a's accumulators in r; each property's first failing
 * case (book) generated again from (seed, id) with c, checked under mask
 * as the run checked it. */
void audit_tally_read(audit_ctx *c, const audit_accs *a, const run *r, uint64_t seed,
                      unsigned mask, audit_tally *t);

#endif
