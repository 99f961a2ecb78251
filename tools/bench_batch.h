/*
 * bench_batch.h — `liqsim bench`'s whole-job section (tools/bench_batch.c).
 */
#ifndef LIQ_BENCH_BATCH_H
#define LIQ_BENCH_BATCH_H

#include <stdbool.h>
#include <stddef.h>

/* The table-only policy the section generates, whose numbers
 * tools/batch_peer.py restates. */
extern const char bench_table_yaml[];

/* Writes n positions (CSV and NDJSON) and the policy into keep_dir (NULL:
 * a temporary directory, removed after), times `liqsim batch` on them on
 * one core and on every core and the Python peer on the same CSV, repeat
 * rounds of each, and prints the medians and ratios (bench_stat.h).
 * Returns an exit code. */
int bench_batch(long n, const char *keep_dir, int repeat);

/* The value of accumulator (group, name) in a runner's summary line, as
 * text (a count or a decimal), into out; false when it has none. */
bool bench_summary_value(const char *summary, const char *group, const char *name, char *out,
                         size_t cap);

#endif
