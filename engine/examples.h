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

/* Run every example in path under policy p. *out (caller frees) gets one
 * entry per example. Returns LIQ_EINPUT with diags when the examples file
 * itself does not load; a failing example is not an error here. */
liq_status liq_examples_run(liq_policy *p, const char *path, liq_example **out, size_t *n,
                            liq_diags *d);

#endif
