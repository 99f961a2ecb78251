/*
 * batch_job.h — the job `liqsim batch` runs (tools/cmd_batch.c): lines in,
 * rows and a summary out, over the case runner. `liqsim bench` runs it on
 * generated positions, so the figure it prints is this very job's.
 */
#ifndef LIQ_BATCH_JOB_H
#define LIQ_BATCH_JOB_H

#include "liqsim.h"

#include <stdint.h>
#include <stdio.h>

enum { BATCH_AUTO, BATCH_CSV, BATCH_NDJSON };

typedef struct batch_job_opts {
    const char *const *policies;   /* resolved paths */
    const char *const *names;      /* as the user named them (the rows' groups) */
    size_t npolicies;
    const char *base;              /* a base scenario's path, or NULL */
    int kind;                      /* BATCH_* */
    FILE *input;                   /* NULL: standard input */
    unsigned jobs;                 /* 0: one per core */
    uint64_t shard_k, shard_n;     /* 0/0: every line */
    bool summary_only, explain;
    const char *currency;
    void (*write)(void *ud, const char *text, size_t len);
    void (*on_diag)(void *ud, const liq_diag *g);
    void *ud;
} batch_job_opts;

/* Runs the job; the exit code (0; 1 a row in error or the run failed; 3
 * a line or file that does not load). Errors that stop the job are left
 * in d; a line's messages go to on_diag as the lines are written. */
int batch_job_run(const batch_job_opts *o, liq_diags *d);

typedef struct batch_job batch_job;

#endif
