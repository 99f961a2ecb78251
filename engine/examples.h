/*
 * examples.h — running a policy's worked examples (the venue's own
 * documented numbers) as golden tests: `liqsim test` and
 * tests/test_golden.c share this, as `opa test` runs Rego's.
 *
 * An examples file sits beside its policy (<name>.examples.yaml):
 *   examples:
 *     - id: ...            (the id in shared/research/worked_examples.yaml)
 *       source: ...
 *       scenario: {...}    (a scenario, inline)
 *       expect: {dotted.key: "exact decimal" | true | false | null}
 *       events_include: [type, ...]
 *   no_venue_example:      (optional: branches no venue example reaches)
 *     - branch: "insurance fund exhausted, then ADL"   (a coverage label)
 *       why: ...           (why no example of the venue's can show it)
 */
#ifndef LIQ_EXAMPLES_H
#define LIQ_EXAMPLES_H

#include "liqsim.h"

typedef struct liq_example {
    char id[96];
    int line;             /* where the example starts in its file */
    bool passed;
    size_t checks;        /* expectations checked */
    char detail[600];     /* the first mismatch, or the error */
} liq_example;

/* The examples file that belongs to a policy path; caller frees. */
char *liq_examples_path(const char *policy_path);

/* Lint's look at the examples file beside policy_path, when there is
 * one: an id used twice is a warning at its second use naming the first's
 * line (liq_examples_run gives the same warnings); a file that does not
 * load is one warning. Returns the number of warnings added to d. */
size_t examples_lint(const char *policy_path, liq_diags *d);

/* Run every example in path under policy p. *out (caller frees) gets one
 * entry per example. Returns LIQ_EINPUT with diags when the examples file
 * itself does not load; a failing example is not an error here. An id
 * used twice adds a warning to d (as examples_lint). */
liq_status liq_examples_run(liq_policy *p, const char *path, liq_example **out, size_t *n,
                            liq_diags *d);
/* The same, calling on_result (when not NULL) with each example's
 * evaluated result, events included, before it is freed: `liqsim test
 * --coverage` counts the branches the examples reached. */
struct liq_result;
liq_status liq_examples_run_each(liq_policy *p, const char *path, liq_example **out, size_t *n,
                                 liq_diags *d,
                                 void (*on_result)(void *ud, const struct liq_result *r),
                                 void *ud);

/* A branch of the policy's waterfall that no worked example of the
 * venue reaches, and why (`liqsim test --coverage` reports it as "no
 * venue example" instead of "never reached"). */
typedef struct examples_gap {
    char branch[80];
    char why[400];
    int line;
} examples_gap;

/* The no_venue_example: list of the examples file at path. *out (caller
 * frees) gets one entry per item, *n the count (0 when the file has no
 * such list). LIQ_EINPUT with a diagnostic at the item when an item has
 * no branch: or no why:, or the file does not load. */
liq_status examples_no_venue_example(const char *path, examples_gap **out, size_t *n,
                                   liq_diags *d);

#endif
