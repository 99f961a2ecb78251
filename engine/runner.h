/*
 * runner.h — runs many independent cases (a batch's input lines, a
 * sweep's grid points, an audit's generated positions) over threads, and
 * writes what they produce in case order whatever the thread count, for
 * one shard of the run or all of it; with a summary that merges exactly.
 *
 * How a verb uses it (tools/cmd_batch.c is the worked example):
 *
 *   1. Fill a run_spec: either ncases (cases 0 .. ncases-1: grid points,
 *      generated cases) or a read function that hands the runner blocks of
 *      input records (a stream: batch's stdin); worker_new, which builds a
 *      thread's own state (load the policies there: a policy's Lua state
 *      and caches are one thread's, liqsim.h), worker_free and run_case.
 *   2. run_new(spec, opts) and declare the summary's accumulators with
 *      run_acc_declare (group, e.g. the policy's name; name, e.g. "loss"),
 *      always the same ones in the same order for every shard.
 *   3. run_go: calls run_case(worker, case, out) once per case of the
 *      shard, on some thread. run_case writes its NDJSON lines with
 *      run_emit (the runner puts "case" and "shard" first, so each line
 *      carries them; the object given carries "scenario" and "policy"),
 *      adds to the summary with run_count/run_add/run_min/run_max, and
 *      reports what went wrong for this case with run_diags(out) (the
 *      runner hands those to on_diag in case order). It returns LIQ_OK, or
 *      a status that stops the whole run (out of memory): per-case
 *      problems are rows and diagnostics, not a stop.
 *   4. run_summary_json: the summary line `liqsim merge` combines.
 *
 * Determinism: a case sees only its own input, its id and its seed
 * (run_case_seed: derived from the run seed and the case id, never from a
 * thread or shard). Output is written block after block in case order.
 * Accumulators combine commutatively (counts, exact sums, extremes whose
 * ties go to the lower case id), so every split of the cases over
 * threads or shards gives the same summary, byte for byte.
 *
 * Sharding: shard K of N takes the cases whose id % N == K - 1, so every
 * shard sees a spread of the run and `liqsim merge` interleaves them
 * back by id.
 */
#ifndef LIQ_RUNNER_H
#define LIQ_RUNNER_H

#include "liqsim.h"
#include "sbuf.h"

#include <stdint.h>
#include <string.h>

/* Threads a run may use, and cases per block handed to a thread. */
#define RUN_MAX_JOBS 256
/* A block is about a millisecond of a batch's lines: each one costs the
 * filling thread a wake-up (256 a block was ~9,000 context switches per
 * million lines on two threads, ~6 % of the job's CPU time), and the
 * last one runs alone. */
#define RUN_BLOCK 1024

typedef struct run_opts {
    unsigned jobs;            /* threads; 0: one per online core */
    uint64_t shard_k, shard_n;  /* 1-based shard K of N; 0/0 or 1/1: every case */
    uint64_t seed;            /* the run's seed (run_case_seed) */
} run_opts;

/* Readable bytes before every record's text (zeros or the records
 * before it): a batch line's decimals are read sixteen bytes at a time
 * ending with their last byte (batch.h BATCH_PAD, decimal.h DEC_PAD). */
#define RUN_PAD 16

/* One input record of a stream run: bytes the read function copied in,
 * and where they start in the input (for messages). */
typedef struct run_item {
    const char *text;         /* len bytes, RUN_PAD readable before (NUL-terminated when
                               * added by run_block_add, not by run_block_add_run) */
    size_t len;
    long line;                /* 1-based line of the input it starts on */
} run_item;

typedef struct run_block run_block;
/* Called by a read function: the next record of the input (copied into
 * the block when it is this shard's; another shard's is only counted).
 * False when the block is full (the record was not taken: hand it to the
 * next call) or out of memory; the read function then returns. */
bool run_block_add(run_block *b, const char *text, size_t len, long line);

/* Records that lie one after another in text, record k at text + s[k].off
 * (in order, each after the one before), taken as run_block_add takes
 * them one by one but copied in one go. Returns how many were taken
 * (another shard's only counted); fewer than n when the block is full
 * (hand the rest to the next call) or out of memory. */
typedef struct run_slice {
    size_t off, len;
    long line;
} run_slice;
size_t run_block_add_run(run_block *b, const char *text, const run_slice *s, size_t n);
/* Records the block holds (the read function stops at RUN_BLOCK). */
size_t run_block_count(const run_block *b);

/* What run_case sees. */
typedef struct run_case {
    uint64_t id;              /* 0-based, over the whole run (every shard) */
    uint64_t seed;            /* run_case_seed(run seed, id) */
    const run_item *item;     /* a stream's record, NULL for counted cases */
} run_case;

typedef struct run_out run_out;

/* A verb's own tallies, kept in its worker's state: a row adds to them
 * in place, with no accumulator of the runner's to look up (a batch adds
 * four sums and an extreme per row), and the worker hands them over once,
 * when its last case is done (run_spec.worker_done: run_put_sum,
 * run_put_extreme). The rules are the runner's own: run_add and
 * run_min/run_max keep theirs with these very functions, and the workers
 * are combined with them. */
#define RUN_LABEL 64
typedef struct run_sum {
    liq_dec v;
    bool has;                 /* a value was added */
    bool overflow;            /* an addition overflowed (that value was not added) */
} run_sum;
/* s starts zero ({0}): the first value is 0 + v, which cannot overflow. */
static inline void run_sum_add(run_sum *s, liq_dec v)
{
    liq_dec t;
    if (liq_dec_add(s->v, v, &t) != LIQ_OK)
        s->overflow = true;
    else
        s->v = t;
    s->has = true;
}
typedef struct run_extreme {
    liq_dec v;
    bool has;
    uint64_t at;              /* the case id it was met at */
    char label[RUN_LABEL];    /* its label (the scenario id), cut to RUN_LABEL - 1 bytes */
} run_extreme;
/* v, met at case id with label (may be NULL), kept when it is below
 * (max false) or above (max true) the extreme so far, or equal and id is
 * lower; the label is copied only then. */
static inline void run_extreme_take(run_extreme *e, bool max, liq_dec v, uint64_t id,
                                    const char *label)
{
    int c = e->has ? liq_dec_cmp(v, e->v) : max ? 1 : -1;
    if (!(max ? c > 0 : c < 0) && !(c == 0 && id < e->at))
        return;
    e->v = v;
    e->has = true;
    e->at = id;
    size_t n = label ? strnlen(label, RUN_LABEL - 1) : 0;
    memcpy(e->label, label ? label : "", n);
    e->label[n] = 0;
}

typedef struct run_spec {
    uint64_t ncases;          /* counted cases; ignored when read is set */
    /* A stream: fill b with up to RUN_BLOCK records (run_block_add) on the
     * calling thread, in input order. Returns LIQ_OK (no record added:
     * the end) or a status that stops the run, with the reason in d. */
    liq_status (*read)(void *ud, run_block *b, liq_diags *d);
    /* A thread's own state (worker index 0 .. jobs-1); NULL with an error
     * in d stops the run before any case runs. Freed by worker_free. */
    void *(*worker_new)(void *ud, unsigned index, liq_diags *d);
    void (*worker_free)(void *ud, void *worker);
    liq_status (*run_case)(void *worker, const run_case *c, run_out *out);
    /* Optional: called once per worker after its last case (on the
     * calling thread, before the workers' accumulators are combined), to
     * hand over the tallies the verb kept in the worker (run_count,
     * run_put_sum, run_put_extreme; out has no case: no run_emit or
     * run_diags there). */
    void (*worker_done)(void *ud, void *worker, run_out *out);
    /* Output, in case order, on the thread that called run_go. */
    void (*write)(void *ud, const char *text, size_t len);
    void (*on_diag)(void *ud, const liq_diag *g);
    void *ud;
    /* What identifies the run (a JSON object's text: verb, policies,
     * seed, grid): written in the summary line; merge refuses shards
     * whose run differs. Copied by run_new. */
    const char *run_json;
} run_spec;

typedef struct run run;

/* A run; owned by the caller (run_free). NULL when out of memory. */
run *run_new(const run_spec *spec, const run_opts *opts);
void run_free(run *r);

typedef enum run_acc_kind { RUN_COUNT, RUN_SUM, RUN_MIN, RUN_MAX } run_acc_kind;
/* An accumulator of the summary: its index, for run_count and the rest,
 * or -1 when out of memory. Declare before run_go. group and name are
 * copied. */
int run_acc_declare(run *r, const char *group, const char *name, run_acc_kind kind);

/* Runs every case of the shard. LIQ_OK, or the status that stopped it
 * (worker_new, read or run_case failed; out of memory) with the reason in
 * d; the output written before a stop is whole lines, each complete. */
liq_status run_go(run *r, liq_diags *d);

/* Inside run_case. */
/* One NDJSON line: object is a JSON object's text, "{...}" (no newline);
 * the line written is {"case":ID,"shard":"K/N",...the object's members}. */
void run_emit(run_out *o, const char *object, size_t len);
/* This case's diagnostics list (messages for on_diag, in case order). */
liq_diags *run_diags(run_out *o);
void run_count(run_out *o, int acc, uint64_t n);
void run_add(run_out *o, int acc, liq_dec v);
/* v is kept when it is below (above) the extreme so far, or equal and
 * this case's id is lower; label (the scenario id, may be NULL) is kept
 * with it. */
void run_min(run_out *o, int acc, liq_dec v, const char *label);
void run_max(run_out *o, int acc, liq_dec v, const char *label);
/* In worker_done: a worker's own sum (RUN_SUM) or extreme (RUN_MIN or
 * RUN_MAX, as acc was declared) into accumulator acc, as the runner
 * combines two workers'. */
void run_put_sum(run_out *o, int acc, const run_sum *s);
void run_put_extreme(run_out *o, int acc, const run_extreme *e);

/* After run_go: cases run, and the summary line (no newline): {"summary":
 * {"cases":N,"acc":[...]},"shard":"K/N","run":RUN_JSON}; amounts are
 * exact decimal strings. Caller frees. NULL when out of memory or when a
 * sum overflowed (then *overflow is set). */
uint64_t run_cases_done(const run *r);
/* A counter's total over every thread (run_count), after run_go. */
uint64_t run_acc_total(const run *r, int acc);
/* An extreme's value and the case id it was met at (run_min/run_max),
 * after run_go; false when no case set it. at may be NULL. */
bool run_acc_extreme(const run *r, int acc, liq_dec *v, uint64_t *at);
char *run_summary_json(const run *r, bool *overflow);

/* The seed of case id in a run seeded seed (splitmix64 of both): the same
 * on every machine, thread and shard. */
uint64_t run_case_seed(uint64_t seed, uint64_t id);

/* `liqsim merge` (runner_merge.c): the files of every shard of one run
 * (each a shard's output, its summary line last) written as the unsharded
 * run writes them: case lines in case order with "shard":"1/1", through
 * write; *summary is the merged summary line (the caller writes it after
 * them; caller frees). Every file is checked before anything is written
 * (so a bad set writes nothing): each is read twice, so they must be
 * files, not pipes. LIQ_OK, LIQ_EINPUT (not one run's complete set of
 * shards, a malformed line) or LIQ_EIO/LIQ_ENOMEM, with the reason in d. */
liq_status run_merge(const char *const *paths, size_t n,
                     void (*write)(void *ud, const char *text, size_t len), void *ud,
                     char **summary, liq_diags *d);

/* For run_merge: accumulator i of r is (group, name, kind), combined with
 * one shard's value (false: a different declaration); the cases of a
 * shard; how many accumulators r declares. */
bool run_merge_acc(run *r, size_t i, const char *group, const char *name, run_acc_kind kind,
                   uint64_t count, bool has, liq_dec v, uint64_t at, const char *label);
void run_merge_cases(run *r, uint64_t cases);
size_t run_acc_count(const run *r);

/* Parse "K/N" (1 <= K <= N <= 1000000) for --shard; false when it is
 * not one. */
bool run_shard_parse(const char *text, uint64_t *k, uint64_t *n);

#endif
