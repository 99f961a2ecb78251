/*
 * cmd_batch.c — `liqsim batch POLICY... < lines`: many scenarios on
 * standard input, one per line (CSV with a header, or NDJSON), each
 * evaluated under every policy, a result row per line and policy out as
 * NDJSON, then the summary line (docs/batch.md).
 *
 * Owns the verb: its options, splitting the input into lines on the
 * runner's calling thread, what a case writes and adds to the summary.
 * The lines become scenarios in engine/batch.c, the cases run on
 * engine/runner.c, which also writes them in order. `liqsim bench` runs
 * the same job (batch_job) on generated positions.
 */
#include "cli.h"
#include "batch.h"
#include "batch_job.h"
#include "policy.h"
#include "result.h"
#include "runner.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Splitting the input into lines                                       */
/* ------------------------------------------------------------------ */

/* The input, read in chunks: a line is handed to the runner whole. */
typedef struct splitter {
    int fd;
    FILE *file;               /* or, for bench, a file read through stdio */
    char *buf;
    size_t cap, start, end;   /* buf[start, end) not yet handed out */
    bool eof;
    long line;                /* the line buf[start] is on */
    bool csv;
    size_t peek_len;          /* the line next_line gave, not yet taken */
    long peek_breaks;
} splitter;

/* Past the line next_line gave. */
static void take_line(splitter *sp)
{
    sp->start += sp->peek_len;
    sp->line += sp->peek_breaks;
    sp->peek_len = 0;
    sp->peek_breaks = 0;
}

static bool fill_more(splitter *sp)
{
    if (sp->start > 0) {
        memmove(sp->buf, sp->buf + sp->start, sp->end - sp->start);
        sp->end -= sp->start;
        sp->start = 0;
    }
    if (sp->end == sp->cap) {
        size_t cap = sp->cap ? sp->cap * 2 : 1 << 20;
        char *b = realloc(sp->buf, cap);
        if (!b)
            return false;
        sp->buf = b;
        sp->cap = cap;
    }
    size_t got;
    if (sp->file) {
        got = fread(sp->buf + sp->end, 1, sp->cap - sp->end, sp->file);
        if (got == 0)
            sp->eof = true;
    } else {
        ssize_t r;
        do
            r = read(sp->fd, sp->buf + sp->end, sp->cap - sp->end);
        while (r < 0 && errno == EINTR);
        if (r <= 0)
            sp->eof = true;
        got = r > 0 ? (size_t)r : 0;
    }
    sp->end += got;
    return true;
}

/* The first line break in p[0, n) (n when none), *quoted flipped at
 * each quote before it (a CSV record's): one scan sixteen bytes at a time
 * (SSE2, every x86-64; the tail the last sixteen, shifted), where a
 * memchr for the break and one per quote were two calls a line. */
#if defined(__SSE2__)
#include <emmintrin.h>
static unsigned stop_in(__m128i v, unsigned skip, bool *quoted)
{
    unsigned e = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))) >> skip;
    unsigned q = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"'))) >> skip;
    /* Only the quotes before the break count. */
    if (e)
        q &= (e & -e) - 1;
    if (q)
        *quoted ^= __builtin_parity(q);
    return e;
}

static size_t line_stop(const char *p, size_t n, bool *quoted)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        unsigned e = stop_in(_mm_loadu_si128((const __m128i *)(const void *)(p + i)), 0, quoted);
        if (e)
            return i + (size_t)__builtin_ctz(e);
    }
    if (i < n && n >= 16) {
        unsigned e = stop_in(_mm_loadu_si128((const __m128i *)(const void *)(p + n - 16)),
                             (unsigned)(i - (n - 16)), quoted);
        return e ? i + (size_t)__builtin_ctz(e) : n;
    }
    /* A text shorter than sixteen bytes, byte by byte. */
    for (; i < n; i++) {
        if (p[i] == '\n')
            return i;
        if (p[i] == '"')
            *quoted = !*quoted;
    }
    return n;
}
#else
static size_t line_stop(const char *p, size_t n, bool *quoted)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n')
            return i;
        if (p[i] == '"')
            *quoted = !*quoted;
    }
    return n;
}
#endif

/* The next line: [*at, *at + *len), starting on *line, left in place
 * until take_line; false at the end. A CSV record runs on past a line
 * break inside quotes (an even count of quotes closes every field);
 * comment lines ('#') and blank lines are skipped, in CSV as the CSV
 * reader skips them, and in NDJSON alike (no JSON text starts with #). */
static bool next_line(splitter *sp, const char **at, size_t *len, long *line)
{
    for (;;) {
        size_t i = sp->start;
        bool quoted = false;
        long breaks = 0;
        /* Whether the record's quotes are counted: not in NDJSON, and not
         * in a comment line, whose quotes are text (the CSV reader ends a
         * '#' line at its first break, whatever it holds). Known at the
         * record's first byte. */
        int count_quotes = sp->csv ? -1 : 0;
        for (;;) {
            if (i == sp->end) {
                if (sp->eof)
                    break;
                size_t off = i - sp->start;
                if (!fill_more(sp))
                    return false;
                i = sp->start + off;
                continue;
            }
            if (count_quotes < 0)
                count_quotes = sp->buf[i] != '#';
            /* To the next line break; a CSV line's quotes in between, by
             * parity, say whether the break ends the record. */
            /* An NDJSON line has no quotes to count: its break alone
             * (memchr is quicker over its ~180 bytes than line_stop). */
            const char *b = count_quotes ? NULL : memchr(sp->buf + i, '\n', sp->end - i);
            size_t stop = count_quotes ? i + line_stop(sp->buf + i, sp->end - i, &quoted)
                          : b ? (size_t)(b - sp->buf) : sp->end;
            bool nl = stop < sp->end;
            i = stop;
            if (!nl)
                continue;
            i++;
            breaks++;
            if (!quoted)
                break;
        }
        size_t n = i - sp->start;
        if (n == 0)
            return false;
        const char *s = sp->buf + sp->start;
        sp->peek_len = n;
        sp->peek_breaks = breaks;
        size_t k = 0;
        while (k < n && (s[k] == '\r' || s[k] == '\n' || s[k] == ' ' || s[k] == '\t'))
            k++;
        if (k == n || s[0] == '#') {
            take_line(sp);
            continue;
        }
        *at = s;
        *len = n;
        *line = sp->line;
        return true;
    }
}

/* The plain lines at the start of what is not handed out, up to max of
 * them, into out (offsets from buf[start], each line's break included):
 * lines that end in the buffer (a CSV line: in its whole sixty-four-byte
 * rounds, with no quote) and start with a byte that is neither white
 * space nor '#' (next_line would hand each out as it is). The first line
 * that is not one ends the run: next_line reads it (and refills the
 * buffer). A scan per line by next_line and a copy per line cost ~190
 * instructions a CSV line; a run of lines is one scan and one copy. */
static size_t plain_lines(const splitter *sp, run_slice *out, size_t max)
{
    const char *p = sp->buf + sp->start;
    size_t avail = sp->end - sp->start, ls = 0, n = 0;
    long line = sp->line;
    /* An NDJSON line has no quotes to count: its break alone, by memchr
     * (quicker than sixteen bytes at a time over its ~180). */
    for (const char *nl; !sp->csv && (nl = memchr(p + ls, '\n', avail - ls));) {
        unsigned char c = (unsigned char)p[ls];
        if (c <= ' ' || c == '#')
            return n;
        out[n++] = (run_slice){ls, (size_t)(nl - p) + 1 - ls, line++};
        ls = (size_t)(nl - p) + 1;
        if (n == max)
            return n;
    }
    if (!sp->csv)
        return n;
#if defined(__SSE2__)
    /* Sixty-four bytes a round, their breaks and quotes as two words. */
    for (size_t i = 0; i + 64 <= avail; i += 64) {
        uint64_t e = 0, q = 0;
        for (unsigned k = 0; k < 64; k += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i + k));
            e |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))) << k;
            q |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"'))) << k;
        }
        /* Only the breaks before a quote end a plain line. */
        if (q)
            e &= (q & -q) - 1;
        for (; e; e &= e - 1) {
            size_t nl = i + (size_t)__builtin_ctzll(e);
            unsigned char c = (unsigned char)p[ls];
            if (c <= ' ' || c == '#')
                return n;
            out[n++] = (run_slice){ls, nl + 1 - ls, line++};
            ls = nl + 1;
            if (n == max)
                return n;
        }
        if (q)
            return n;
    }
#else
    (void)p, (void)avail, (void)ls, (void)line, (void)out, (void)max;
#endif
    return n;
}

/* ------------------------------------------------------------------ */
/* The job                                                              */
/* ------------------------------------------------------------------ */

typedef struct pol_acc {
    const char *name;
    char **ccy;               /* settlement currencies of the policy's markets */
    size_t nccy;
    int rows, ok, not_listed, not_offered, error, liquidated;
    int *loss, *fees, *deficit, *owed, *worst;   /* per currency */
} pol_acc;

struct batch_job {
    const batch_job_opts *o;
    const batch_keys *keys;
    batch_header header;
    bool csv;
    splitter sp;
    size_t npol;
    pol_acc *pa;
    int lines, invalid;
    run_slice slices[RUN_BLOCK];   /* read_block's plain lines */
};

/* A worker's own summary of its rows, per policy and per currency of
 * it: a row adds to these in place (runner.h's run_sum and run_extreme,
 * the runner's own rules), and the worker hands them to the runner when
 * it is done (worker_done), where a call into the runner per amount and
 * count cost ~150 instructions a row. */
typedef struct ccy_tally {
    run_sum loss, fees, deficit, owed;
    run_extreme worst;
} ccy_tally;

typedef struct pol_tally {
    uint64_t rows, status[RS_COUNT], liquidated;
    ccy_tally *ccy;           /* per settlement currency (pol_acc.ccy) */
} pol_tally;

typedef struct worker {
    batch_job *j;
    batch_reader *br;
    uint64_t lines, invalid;
    pol_tally *tally;         /* per policy */
    liq_policy **ps;
    liq_result **rows;        /* per policy: the block each evaluation reuses */
    /* Per policy: the settlement text its last ok row pointed at and
     * that currency's index: a reused block's settlement points into
     * the worker's own policy (eval.c's result_block), so the same
     * pointer is the same currency and strcmp runs once per currency
     * met, not per row. A row in a block of its own copies the name and
     * is looked up by its text. */
    const char **last_ccy;
    int *last_k;
    sbuf row;                 /* a row's JSON, reused line after line */
    /* Workers are allocated one after another: the row written per line
     * stays off the cache line of the next worker's fields. */
    char apart[64];
} worker;

static void *worker_new(void *ud, unsigned index, liq_diags *d)
{
    (void)index;
    batch_job *j = ud;
    worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->j = j;
    /* --explain: every line whole, so that each trace cites the line's
     * own places (batch.h). */
    w->br = batch_reader_new(j->keys, j->o->explain);
    w->ps = calloc(j->npol, sizeof *w->ps);
    w->rows = calloc(j->npol, sizeof *w->rows);
    w->last_ccy = calloc(j->npol, sizeof *w->last_ccy);
    w->last_k = calloc(j->npol, sizeof *w->last_k);
    w->tally = calloc(j->npol, sizeof *w->tally);
    bool ok = w->br && w->ps && w->rows && w->last_ccy && w->last_k && w->tally;
    for (size_t i = 0; ok && i < j->npol; i++)
        ok = (w->tally[i].ccy = calloc(j->pa[i].nccy ? j->pa[i].nccy : 1,
                                       sizeof *w->tally[i].ccy)) != NULL;
    /* Each thread its own policies: a policy's Lua state and caches are
     * one thread's (liqsim.h). */
    for (size_t i = 0; ok && i < j->npol; i++)
        ok = (w->ps[i] = liq_policy_load(j->o->policies[i], d)) != NULL;
    if (!ok) {
        if (!d->n)
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, NULL, 0, 0, "out of memory");
        for (size_t i = 0; w->ps && i < j->npol; i++)
            liq_policy_free(w->ps[i]);
        free(w->ps);
        free(w->rows);
        free(w->last_ccy);
        free(w->last_k);
        for (size_t i = 0; w->tally && i < j->npol; i++)
            free(w->tally[i].ccy);
        free(w->tally);
        batch_reader_free(w->br);
        free(w);
        return NULL;
    }
    return w;
}

static void worker_free(void *ud, void *wp)
{
    batch_job *j = ud;
    worker *w = wp;
    for (size_t i = 0; i < j->npol; i++) {
        liq_result_free(w->rows[i]);
        liq_policy_free(w->ps[i]);
        free(w->tally[i].ccy);
    }
    free(w->tally);
    free(w->ps);
    free(w->rows);
    free(w->last_ccy);
    free(w->last_k);
    free(w->row.s);
    batch_reader_free(w->br);
    free(w);
}

/* Plain lines a run at a time, copied in one go; any other line (and
 * each at a chunk's end of the buffer) through next_line. */
static liq_status read_block(void *ud, run_block *b, liq_diags *d)
{
    (void)d;
    batch_job *j = ud;
    const char *at;
    size_t len;
    long line;
    splitter *sp = &j->sp;
    for (size_t room; (room = RUN_BLOCK - run_block_count(b)) > 0;) {
        size_t n = plain_lines(sp, j->slices, room);
        if (n) {
            size_t took = run_block_add_run(b, sp->buf + sp->start, j->slices, n);
            if (took) {
                const run_slice *last = &j->slices[took - 1];
                sp->start += last->off + last->len;
                sp->line = last->line + 1;
            }
            /* Full (or out of memory): the rest go in the next block. */
            if (took < n)
                break;
            continue;
        }
        if (!next_line(sp, &at, &len, &line))
            break;
        if (!run_block_add(b, at, len, line))
            break;
        take_line(sp);
    }
    return LIQ_OK;
}

static int ccy_index(const pol_acc *pa, const char *ccy)
{
    for (size_t i = 0; i < pa->nccy; i++)
        if (ccy && strcmp(pa->ccy[i], ccy) == 0)
            return (int)i;
    return -1;
}

/* A row (invalid line, or a result) as the case's line. */
static void emit_text(run_out *o, char *text)
{
    if (!text)
        return;
    size_t n = strlen(text);
    while (n && text[n - 1] == '\n')
        n--;
    run_emit(o, text, n);
    free(text);
}

static liq_status one_case(void *wp, const run_case *c, run_out *o)
{
    worker *w = wp;
    batch_job *j = w->j;
    liq_diags *d = run_diags(o);
    size_t before = d->n;
    w->lines++;
    /* A record's pad is the one batch_read needs before a line. */
    _Static_assert(RUN_PAD >= BATCH_PAD, "the runner pads a record as batch_read needs");
    const liq_scenario *s = batch_read(w->br, j->csv ? &j->header : NULL, c->item->text,
                                       c->item->len, c->item->line, d);
    if (!s) {
        for (size_t i = before; i < d->n; i++)
            if (d->items[i].code == LIQ_ENOMEM)
                return LIQ_ENOMEM;
        w->invalid++;
        if (!j->o->summary_only) {
            /* The line's row: no numbers, its first error as the reason. */
            char why[1200] = "invalid line";
            for (size_t i = before; i < d->n; i++)
                if (d->items[i].severity == LIQ_SEV_ERROR) {
                    liq_diag_text(&d->items[i], why, sizeof why);
                    break;
                }
            json_t *row = json_pack("{s:s s:n s:s s:s}", "scenario", batch_read_id(w->br),
                                    "policy", "status", "invalid", "reason", why);
            char *text = row ? json_dumps(row, JSON_COMPACT) : NULL;
            json_decref(row);
            if (!text)
                return LIQ_ENOMEM;
            emit_text(o, text);
        }
        return LIQ_OK;
    }
    liq_eval_opts eo = {.quiet = j->o->summary_only, .explain = j->o->explain,
                        .currency = j->o->currency};
    for (size_t p = 0; p < j->npol; p++) {
        const pol_acc *pa = &j->pa[p];
        pol_tally *t = &w->tally[p];
        /* The policy's reused block, or (the evaluation failed) a new
         * error row, freed below. */
        liq_result *r = compare_row(w->ps[p], s, &eo, &w->rows[p], d);
        if (!r)
            return LIQ_ENOMEM;
        bool own = r != w->rows[p];
        liq_status st = LIQ_OK;
        t->rows++;
        t->status[r->status >= RS_OK && r->status < RS_COUNT ? r->status : RS_ERROR]++;
        if (r->status == RS_OK) {
            int k = !own && r->settlement && r->settlement == w->last_ccy[p]
                        ? w->last_k[p]
                        : ccy_index(pa, r->settlement);
            if (k >= 0 && !own) {
                w->last_ccy[p] = r->settlement;
                w->last_k[p] = k;
            }
            if (k < 0) {
                liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINVARIANT, NULL, 0, 0,
                              "%s: a row settled in %s, which none of its markets names", pa->name,
                              r->settlement ? r->settlement : "(none)");
                st = LIQ_EINVARIANT;
                goto done;
            }
            ccy_tally *ct = &t->ccy[k];
            t->liquidated += r->walk.liquidated;
            run_sum_add(&ct->loss, r->total);
            run_sum_add(&ct->fees, r->walk.fees);
            run_sum_add(&ct->deficit, r->deficit);
            run_sum_add(&ct->owed, r->owed);
            run_extreme_take(&ct->worst, true, r->total, c->id, batch_read_id(w->br));
        }
        if (!j->o->summary_only) {
            /* The row as liq_results_render's NDJSON writes it (the one
             * writer, result_json.c), into the worker's reused buffer. */
            w->row.n = 0;
            if (!result_json_append(&w->row, r)) {
                st = LIQ_ENOMEM;
                goto done;
            }
            run_emit(o, w->row.s, w->row.n);
        }
    done:
        if (own)
            liq_result_free(r);
        if (st != LIQ_OK)
            return st;
    }
    return LIQ_OK;
}

/* The worker's tallies into the run's accumulators (declare). */
static void worker_done(void *ud, void *wp, run_out *o)
{
    batch_job *j = ud;
    worker *w = wp;
    run_count(o, j->lines, w->lines);
    run_count(o, j->invalid, w->invalid);
    for (size_t p = 0; p < j->npol; p++) {
        const pol_acc *pa = &j->pa[p];
        const pol_tally *t = &w->tally[p];
        run_count(o, pa->rows, t->rows);
        run_count(o, pa->ok, t->status[RS_OK]);
        run_count(o, pa->not_listed, t->status[RS_NOT_LISTED]);
        run_count(o, pa->not_offered, t->status[RS_NOT_OFFERED]);
        run_count(o, pa->error, t->status[RS_ERROR]);
        run_count(o, pa->liquidated, t->liquidated);
        for (size_t k = 0; k < pa->nccy; k++) {
            const ccy_tally *ct = &t->ccy[k];
            run_put_sum(o, pa->loss[k], &ct->loss);
            run_put_sum(o, pa->fees[k], &ct->fees);
            run_put_sum(o, pa->deficit[k], &ct->deficit);
            run_put_sum(o, pa->owed[k], &ct->owed);
            run_put_extreme(o, pa->worst[k], &ct->worst);
        }
    }
}

/* The runner hands its own ud (the job) to write and on_diag: each
 * passes the caller's on. */
static void on_write(void *ud, const char *text, size_t len)
{
    batch_job *j = ud;
    j->o->write(j->o->ud, text, len);
}

static void on_diag(void *ud, const liq_diag *g)
{
    batch_job *j = ud;
    if (j->o->on_diag)
        j->o->on_diag(j->o->ud, g);
}

/* The settlement currencies a policy's rows can have: its own and its
 * markets', each once, in the policy's order. */
static bool policy_currencies(const char *path, pol_acc *pa, liq_diags *d)
{
    liq_policy *p = liq_policy_load(path, d);
    if (!p)
        return false;
    pa->name = NULL;
    size_t n = 1 + p->nmarkets;
    pa->ccy = calloc(n, sizeof *pa->ccy);
    bool ok = pa->ccy != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        const char *c = i == 0 ? p->r.contract.settlement.v
                               : p->markets[i - 1].r.contract.settlement.v;
        if (!c || ccy_index(pa, c) >= 0)
            continue;
        ok = (pa->ccy[pa->nccy] = strdup(c)) != NULL;
        pa->nccy += ok;
    }
    liq_policy_free(p);
    if (!ok)
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, NULL, 0, 0, "out of memory");
    return ok;
}

static bool declare(run *r, batch_job *j)
{
    bool ok = (j->lines = run_acc_declare(r, "input", "lines", RUN_COUNT)) >= 0 &&
              (j->invalid = run_acc_declare(r, "input", "invalid", RUN_COUNT)) >= 0;
    for (size_t p = 0; ok && p < j->npol; p++) {
        pol_acc *pa = &j->pa[p];
        const char *g = pa->name;
        ok = (pa->rows = run_acc_declare(r, g, "rows", RUN_COUNT)) >= 0 &&
             (pa->ok = run_acc_declare(r, g, "ok", RUN_COUNT)) >= 0 &&
             (pa->not_listed = run_acc_declare(r, g, "not_listed", RUN_COUNT)) >= 0 &&
             (pa->not_offered = run_acc_declare(r, g, "not_offered", RUN_COUNT)) >= 0 &&
             (pa->error = run_acc_declare(r, g, "error", RUN_COUNT)) >= 0 &&
             (pa->liquidated = run_acc_declare(r, g, "liquidated", RUN_COUNT)) >= 0;
        int **lists[] = {&pa->loss, &pa->fees, &pa->deficit, &pa->owed, &pa->worst};
        for (size_t l = 0; ok && l < 5; l++)
            ok = (*lists[l] = calloc(pa->nccy ? pa->nccy : 1, sizeof(int))) != NULL;
        for (size_t k = 0; ok && k < pa->nccy; k++) {
            char grp[200];
            snprintf(grp, sizeof grp, "%s %s", g, pa->ccy[k]);
            ok = (pa->loss[k] = run_acc_declare(r, grp, "loss_total", RUN_SUM)) >= 0 &&
                 (pa->fees[k] = run_acc_declare(r, grp, "fees", RUN_SUM)) >= 0 &&
                 (pa->deficit[k] = run_acc_declare(r, grp, "deficit", RUN_SUM)) >= 0 &&
                 (pa->owed[k] = run_acc_declare(r, grp, "owed", RUN_SUM)) >= 0 &&
                 (pa->worst[k] = run_acc_declare(r, grp, "largest_loss", RUN_MAX)) >= 0;
        }
    }
    return ok;
}

/* What identifies the run for merge: the verb, the policies, the base
 * scenario and the input's kind. */
static char *run_json(const batch_job_opts *o, bool csv)
{
    json_t *pols = json_array();
    for (size_t i = 0; i < o->npolicies; i++)
        json_array_append_new(pols, json_string(o->names[i]));
    json_t *j = json_pack("{s:s s:o s:s? s:s}", "verb", "batch", "policies", pols, "scenario",
                          o->base, "input", csv ? "csv" : "ndjson");
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return text;
}

int batch_job_run(const batch_job_opts *o, liq_diags *d)
{
    batch_job j = {.o = o, .npol = o->npolicies};
    int rc = 0;
    run *r = NULL;
    char *rj = NULL;
    batch_keys *keys = batch_keys_new(fio_display_name("-"), o->base, d);
    j.pa = calloc(j.npol ? j.npol : 1, sizeof *j.pa);
    if (!keys || !j.pa)
        goto fail;
    j.keys = keys;
    /* Every policy loads before anything is read or written. */
    for (size_t p = 0; p < j.npol; p++) {
        if (!policy_currencies(o->policies[p], &j.pa[p], d))
            goto fail;
        j.pa[p].name = o->names[p];
    }
    j.sp = (splitter){.fd = o->input ? -1 : STDIN_FILENO, .file = o->input, .line = 1};
    /* The kind: as told, else NDJSON when the first line starts with '{'. */
    const char *at;
    size_t len;
    long line;
    bool any = next_line(&j.sp, &at, &len, &line);
    j.csv = o->kind == BATCH_CSV || (o->kind == BATCH_AUTO && !(any && at[0] == '{'));
    /* CSV: the first line is the header; NDJSON: the first case. */
    if (any && j.csv) {
        if (!batch_header_read(keys, at, len, line, &j.header, d))
            goto fail;
        take_line(&j.sp);
    }
    j.sp.csv = j.csv;
    rj = run_json(o, j.csv);
    run_spec spec = {.read = read_block, .worker_new = worker_new, .worker_free = worker_free,
                     .run_case = one_case, .worker_done = worker_done, .write = on_write, .on_diag = on_diag, .ud = &j,
                     .run_json = rj};
    run_opts ro = {.jobs = o->jobs, .shard_k = o->shard_k, .shard_n = o->shard_n, .seed = 0};
    if (!rj || !(r = run_new(&spec, &ro)) || !declare(r, &j)) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    liq_status st = run_go(r, d);
    if (st != LIQ_OK)
        goto fail;
    bool overflow;
    char *summary = run_summary_json(r, &overflow);
    if (!summary) {
        liq_diags_add(d, LIQ_SEV_ERROR, overflow ? LIQ_EOVERFLOW : LIQ_ENOMEM, NULL, 0, 0,
                      overflow ? "a summed amount of the summary overflows" : "out of memory");
        goto fail;
    }
    o->write(o->ud, summary, strlen(summary));
    o->write(o->ud, "\n", 1);
    free(summary);
    /* 3 when a line did not load, else 1 when a row is an error. */
    bool errors = false;
    for (size_t p = 0; p < j.npol; p++)
        errors |= run_acc_total(r, j.pa[p].error) > 0;
    rc = run_acc_total(r, j.invalid) > 0 ? EXIT_INPUT : errors ? EXIT_RUN : 0;
    goto out;
fail:
    rc = 0;
    for (size_t i = 0; i < d->n && !rc; i++)
        if (d->items[i].severity == LIQ_SEV_ERROR)
            rc = cli_diag_exit(&d->items[i]);
    if (!rc)
        rc = EXIT_RUN;
out:
    run_free(r);
    free(rj);
    for (size_t p = 0; j.pa && p < j.npol; p++) {
        for (size_t k = 0; k < j.pa[p].nccy; k++)
            free(j.pa[p].ccy[k]);
        free(j.pa[p].ccy);
        free(j.pa[p].loss);
        free(j.pa[p].fees);
        free(j.pa[p].deficit);
        free(j.pa[p].owed);
        free(j.pa[p].worst);
    }
    free(j.pa);
    free(j.sp.buf);
    batch_keys_free(keys);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The verb                                                             */
/* ------------------------------------------------------------------ */

typedef struct printer {
    size_t shown, more;
    bool more_errors;
} printer;

static void to_stdout(void *ud, const char *text, size_t len)
{
    (void)ud;
    fwrite(text, 1, len, stdout);
}

/* Messages in line order, the first LIQ_DIAGS_MAX of them (a million bad
 * lines must not flood the terminal), then how many more. */
static void print_diag(void *ud, const liq_diag *g)
{
    printer *pr = ud;
    if (pr->shown == LIQ_DIAGS_MAX) {
        pr->more++;
        return;
    }
    cli_diag_print(NULL, g);
    pr->shown++;
}

int cmd_batch(int argc, char **argv)
{
    cli_opts o = {0};
    const char *base = NULL, *input = NULL, *shard = NULL;
    long jobs = 0;
    bool summary_only = false;
    const cli_option options[] = {
        OPT_STRING_("scenario", 's', "FILE", &base,
                    "the base scenario every line starts from (a path or a shipped name)"),
        OPT_STRING_("input", 0, "KIND", &input,
                    "csv or ndjson (default: ndjson when the first line starts with {)"),
        {OPT_COUNT, "jobs", 'j', "N", &jobs, NULL, "threads (default: one per core)", "1",
         "256", NULL, NULL, 0},
        OPT_STRING_("shard", 0, "K/N", &shard,
                    "only the lines whose number % N is K - 1 (liqsim merge joins the shards)"),
        OPT_FLAG_("summary-only", &summary_only, "write the summary line only, no result rows"),
        OPT_EXPLAIN_(&o),
        OPT_CURRENCY_(&o),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {
        "batch", "POLICY... [options] < LINES",
        "  Many scenarios on standard input, one per line: CSV with a header row naming\n"
        "  each column's scenario key (position.size, or size), or NDJSON (one object of\n"
        "  keys per line), each over the --scenario file when given. Every line under\n"
        "  every policy: a result row per line and policy (NDJSON, each with its case,\n"
        "  shard, scenario id and policy), then the summary line (docs/batch.md).\n",
        options, 1, -1, false};
    int rc = cli_parse(argc, argv, &verb, &o);
    if (rc >= 0)
        goto out_args;
    rc = EXIT_USAGE;
    batch_job_opts bo = {.jobs = (unsigned)jobs, .summary_only = summary_only,
                         .explain = o.explain, .currency = o.currency, .write = to_stdout,
                         .on_diag = print_diag};
    if (input && strcmp(input, "csv") != 0 && strcmp(input, "ndjson") != 0) {
        fprintf(stderr, "liqsim: --input takes csv or ndjson, got %s\n", input);
        goto out_args;
    }
    bo.kind = !input ? BATCH_AUTO : strcmp(input, "csv") == 0 ? BATCH_CSV : BATCH_NDJSON;
    if (shard && !run_shard_parse(shard, &bo.shard_k, &bo.shard_n)) {
        fprintf(stderr, "liqsim: --shard takes K/N with 1 <= K <= N <= 1000000, got %s\n", shard);
        goto out_args;
    }
    char bpath[1024];
    if (base && (rc = cli_find_scenario(base, bpath, sizeof bpath)) != 0)
        goto out_args;
    bo.base = base ? bpath : NULL;
    char (*paths)[1024] = calloc((size_t)o.nargs, sizeof *paths);
    const char **pp = calloc((size_t)o.nargs, sizeof *pp);
    if (!paths || !pp) {
        rc = EXIT_RUN;
        goto out_paths;
    }
    for (int i = 0; i < o.nargs; i++) {
        if ((rc = cli_find_policy(o.args[i], paths[i], sizeof paths[i])) != 0)
            goto out_paths;
        pp[i] = paths[i];
    }
    bo.policies = pp;
    bo.names = (const char *const *)o.args;
    bo.npolicies = (size_t)o.nargs;
    printer pr = {0};
    bo.ud = &pr;
    liq_diags d = LIQ_DIAGS_INIT;
    rc = batch_job_run(&bo, &d);
    for (size_t i = 0; i < d.n; i++)
        print_diag(&pr, &d.items[i]);
    if (pr.more)
        fprintf(stderr, "liqsim: %zu more messages not shown\n", pr.more);
    liq_diags_free(&d);
    if (fflush(stdout) != 0 && rc == 0)
        rc = EXIT_RUN;
out_paths:
    free(paths);
    free(pp);
out_args:
    free(o.args);
    return rc;
}
