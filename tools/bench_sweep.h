/*
 * bench_sweep.h — `liqsim bench`'s sweep and audit sections
 * (tools/bench_sweep.c).
 */
#ifndef LIQ_BENCH_SWEEP_H
#define LIQ_BENCH_SWEEP_H

#include <stddef.h>

/* The scenario the bench's sweep varies (tools/batch_peer.py restates it). */
extern const char bench_sweep_yaml[];

/* Runs argv (argv[0] found on PATH) with stdin from input (NULL:
 * /dev/null) and stdout
 * into out (cap bytes, NUL-terminated; the rest read and dropped) or, out
 * NULL, to /dev/null; its wall time in seconds (< 0: could not run it)
 * and *status its exit code (-1: it did not exit). */
double bench_run(const char *const *argv, const char *input, char *out, size_t cap, int *status);

/* The directory a section writes its files in: keep_dir (made when
 * missing) or a new one under /tmp named for what; into dir. 0, or the
 * exit code with the message printed. */
int bench_dir(const char *keep_dir, const char *what, char *dir, size_t cap);

/* The sweep of about n points (rounded down to a multiple of 10,000, at
 * least 10,000) against the peer; files in keep_dir (NULL: a temporary
 * directory, removed after). An exit code. */
int bench_sweep(long n, const char *keep_dir);
/* The audit of n cases under each policy of the comma-separated list. */
int bench_audit(long n, const char *policies);

#endif
