/*
 * fuzz_support.h — what every liqsim fuzz harness shares: a scratch
 * folder holding copies of the shipped policies, hooks and paths (so a
 * fuzzed file can `extends:` a shipped policy, name a shipped .lua or a
 * shipped path CSV), writing one input there, and the promises every
 * loader makes about its diagnostics and about stdout.
 *
 * A promise broken here is a finding: the harness aborts, and libFuzzer
 * saves the input that did it.
 */
#ifndef LIQ_FUZZ_SUPPORT_H
#define LIQ_FUZZ_SUPPORT_H

#include "liqsim.h"

#include <stddef.h>
#include <stdint.h>

/* The scratch folder (made at the first call, removed at exit). */
const char *fz_dir(void);

/* Write data to fz_dir()/name; returns the file's path (a static buffer,
 * valid until the next call). */
const char *fz_write(const char *name, const uint8_t *data, size_t size);

/* The loaders' contract (include/liqsim.h): a NULL or failed result comes
 * with at least one error; every diagnostic has a file and a non-empty
 * message; none says an accounting invariant broke (that is a bug, even
 * when reported cleanly). Frees d. */
void fz_check_diags(liq_diags *d, int failed, const char *what);

/* The library never prints: fd 1 points at an empty scratch file from the
 * first fz_dir() call, and anything written to it is a finding. */
void fz_check_stdout(void);

#endif
