/*
 * runner.c — independent cases over threads, written in case order
 * (runner.h).
 *
 * Owns the scheduling (a ring of blocks: the calling thread fills them
 * from the counted ids or the stream, worker threads run their cases, the
 * calling thread among them, and it writes finished blocks in order),
 * sharding by case id,
 * per-case seeds, and the summary's accumulators. What a case computes
 * and what its lines say is the verb's.
 *
 * Each worker adds to its own accumulators; they are combined once at the
 * end, and every combination is commutative and exact, so the thread
 * count never shows in the summary.
 */
#include "runner.h"
#include "jout.h"
#include "mem.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct acc_decl {
    char *group, *name;
    run_acc_kind kind;
} acc_decl;

/* An accumulator's value: a count, a sum or an extreme, as declared. */
typedef struct acc_val {
    uint64_t count;
    run_sum s;
    run_extreme x;
} acc_val;

enum { SLOT_FREE, SLOT_FILLED, SLOT_DONE };

struct run_block {
    run *r;
    int state;
    size_t n;
    run_item items[RUN_BLOCK];
    size_t off[RUN_BLOCK];      /* each record's text in arena (it moves as it grows) */
    uint64_t ids[RUN_BLOCK];
    char *arena;                /* RUN_PAD zero bytes, then the records */
    size_t used, cap;
    bool oom;
    sbuf out;
    liq_diags diags;
    liq_status st;
    /* The slots lie side by side: what a worker writes per case here (st,
     * out, diags) is kept off the cache line of the next slot's n and
     * state, which another worker reads per case. */
    char apart[64];
};

struct run_out {
    run *r;
    run_block *b;
    acc_val *acc;
    uint64_t id;
};

typedef struct worker {
    run *r;
    unsigned index;
    void *state;
    acc_val *acc;
    pthread_t th;
} worker;

struct run {
    run_spec spec;
    run_opts opts;
    char *run_json;
    char shard[48];             /* "K/N" */
    acc_decl *decl;
    size_t nacc;
    acc_val *total;
    uint64_t done;
    /* Filling. */
    uint64_t next_id;           /* counted: the next id to hand out */
    uint64_t seen;              /* stream: records read so far (every shard) */
    bool eof;
    /* The ring, under mu. */
    pthread_mutex_t mu;
    pthread_cond_t work_cv, main_cv;
    run_block *slots;
    size_t nslots;
    size_t next_fill, next_take, next_write;
    bool quit;
};

uint64_t run_case_seed(uint64_t seed, uint64_t id)
{
    /* splitmix64 (Steele, Lea, Flood 2014) of the seed, then of the id:
     * neighbouring ids get unrelated seeds. */
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (id + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

bool run_shard_parse(const char *text, uint64_t *k, uint64_t *n)
{
    char *end;
    if (!text || *text < '1' || *text > '9')
        return false;
    unsigned long long a = strtoull(text, &end, 10);
    if (*end != '/' || end[1] < '1' || end[1] > '9')
        return false;
    unsigned long long b = strtoull(end + 1, &end, 10);
    if (*end || a > b || b > 1000000)
        return false;
    *k = a;
    *n = b;
    return true;
}

run *run_new(const run_spec *spec, const run_opts *opts)
{
    run *r = mem_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->spec = *spec;
    r->opts = *opts;
    if (r->opts.shard_n == 0)
        r->opts.shard_k = r->opts.shard_n = 1;
    if (r->opts.jobs == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        r->opts.jobs = c > 0 ? (unsigned)c : 1;
    }
    if (r->opts.jobs > RUN_MAX_JOBS)
        r->opts.jobs = RUN_MAX_JOBS;
    snprintf(r->shard, sizeof r->shard, "%" PRIu64 "/%" PRIu64, r->opts.shard_k, r->opts.shard_n);
    r->run_json = mem_strdup(spec->run_json ? spec->run_json : "{}");
    r->next_id = r->opts.shard_k - 1;
    if (!r->run_json) {
        free(r);
        return NULL;
    }
    return r;
}

void run_free(run *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nacc; i++) {
        free(r->decl[i].group);
        free(r->decl[i].name);
    }
    free(r->decl);
    free(r->total);
    free(r->run_json);
    free(r);
}

int run_acc_declare(run *r, const char *group, const char *name, run_acc_kind kind)
{
    acc_decl *d = mem_realloc(r->decl, (r->nacc + 1) * sizeof *d);
    if (!d)
        return -1;
    r->decl = d;
    d[r->nacc] = (acc_decl){mem_strdup(group), mem_strdup(name), kind};
    if (!d[r->nacc].group || !d[r->nacc].name) {
        free(d[r->nacc].group);
        free(d[r->nacc].name);
        return -1;
    }
    return (int)r->nacc++;
}

/* ------------------------------------------------------------------ */
/* Blocks                                                               */
/* ------------------------------------------------------------------ */

static bool in_shard(const run *r, uint64_t id)
{
    /* Unsharded, no division per case (a 64-bit one costs tens of cycles). */
    return r->opts.shard_n == 1 || id % r->opts.shard_n == r->opts.shard_k - 1;
}

/* Room for len more bytes in b's arena. */
static bool arena_room(run_block *b, size_t len)
{
    if (b->used + len <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap * 2 : 16384;
    while (cap < b->used + len)
        cap *= 2;
    char *a = mem_realloc(b->arena, cap);
    if (!a) {
        b->oom = true;
        return false;
    }
    /* The pad before the first record (run_item: RUN_PAD), zeroed once:
     * growing keeps it. */
    if (!b->arena)
        memset(a, 0, RUN_PAD);
    b->arena = a;
    b->cap = cap;
    return true;
}

bool run_block_add(run_block *b, const char *text, size_t len, long line)
{
    run *r = b->r;
    uint64_t id = r->seen;
    if (!in_shard(r, id)) {
        r->seen++;
        return true;
    }
    if (b->n == RUN_BLOCK || !arena_room(b, len + 1))
        return false;
    r->seen++;
    memcpy(b->arena + b->used, text, len);
    b->arena[b->used + len] = 0;
    b->off[b->n] = b->used;
    b->items[b->n] = (run_item){NULL, len, line};
    b->ids[b->n] = id;
    b->used += len + 1;
    b->n++;
    return true;
}

size_t run_block_add_run(run_block *b, const char *text, const run_slice *s, size_t n)
{
    run *r = b->r;
    if (n == 0 || !arena_room(b, s[n - 1].off + s[n - 1].len - s[0].off))
        return 0;
    /* Each record where it lies in the one copy of text. */
    size_t k = 0;
    for (; k < n; k++) {
        uint64_t id = r->seen;
        if (!in_shard(r, id)) {
            r->seen++;
            continue;
        }
        if (b->n == RUN_BLOCK)
            break;
        r->seen++;
        b->off[b->n] = b->used + (s[k].off - s[0].off);
        b->items[b->n] = (run_item){NULL, s[k].len, s[k].line};
        b->ids[b->n] = id;
        b->n++;
    }
    if (k == 0)
        return 0;
    size_t span = s[k - 1].off + s[k - 1].len - s[0].off;
    /* In pieces below glibc's threshold for `rep movsb` (2 KB and up):
     * its vector loop is as quick here, and callgrind, which judges this
     * code, counts `rep movsb` a byte at a time. */
    for (size_t at = 0; at < span; at += 2016) {
        size_t piece = span - at < 2016 ? span - at : 2016;
        memcpy(b->arena + b->used + at, text + s[0].off + at, piece);
    }
    b->used += span;
    return k;
}

size_t run_block_count(const run_block *b)
{
    return b->n;
}

/* The next block of the shard's cases, on the calling thread. */
static liq_status fill(run *r, run_block *b, liq_diags *d)
{
    b->n = 0;
    b->used = RUN_PAD;
    b->out.n = 0;
    if (b->out.s)
        b->out.s[0] = 0;
    b->st = LIQ_OK;
    if (!r->spec.read) {
        while (b->n < RUN_BLOCK && r->next_id < r->spec.ncases) {
            b->ids[b->n++] = r->next_id;
            r->next_id += r->opts.shard_n;
        }
        r->eof = r->next_id >= r->spec.ncases;
        return LIQ_OK;
    }
    liq_status st = r->spec.read(r->spec.ud, b, d);
    if (b->oom)
        (void)mem_error(d, NULL, 0, 0), st = LIQ_ENOMEM;
    for (size_t i = 0; i < b->n; i++)
        b->items[i].text = b->arena + b->off[i];
    if (st != LIQ_OK || b->n == 0)
        r->eof = true;
    return st;
}

/* Runs a block's cases with w's state; the status of the first case that
 * stops the run (the later ones are not run). */
static void process(run *r, worker *w, run_block *b)
{
    run_out o = {r, b, w->acc, 0};
    for (size_t i = 0; i < b->n && b->st == LIQ_OK; i++) {
        run_case c = {b->ids[i], run_case_seed(r->opts.seed, b->ids[i]),
                      r->spec.read ? &b->items[i] : NULL};
        o.id = c.id;
        b->st = r->spec.run_case(w->state, &c, &o);
        if (b->st == LIQ_OK && b->out.oom)
            b->st = LIQ_ENOMEM;
    }
}

/* Hands a finished block to write and on_diag; false when it stopped. */
static bool flush(run *r, run_block *b, liq_diags *d)
{
    for (size_t i = 0; i < b->diags.n; i++)
        if (r->spec.on_diag)
            r->spec.on_diag(r->spec.ud, &b->diags.items[i]);
    liq_diags_free(&b->diags);
    b->diags = (liq_diags)LIQ_DIAGS_INIT;
    if (b->st != LIQ_OK) {
        if (b->st == LIQ_ENOMEM)
            mem_error(d, NULL, 0, 0);
        else
            liq_diags_add(d, LIQ_SEV_ERROR, b->st, NULL, 0, 0, "the run stopped: %s",
                          liq_status_str(b->st));
        return false;
    }
    if (b->out.n && r->spec.write)
        r->spec.write(r->spec.ud, b->out.s, b->out.n);
    r->done += b->n;
    return true;
}

static void *thread_main(void *arg)
{
    worker *w = arg;
    run *r = w->r;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (r->next_take == r->next_fill && !r->quit)
            pthread_cond_wait(&r->work_cv, &r->mu);
        if (r->next_take == r->next_fill)
            break;
        run_block *b = &r->slots[r->next_take++ % r->nslots];
        pthread_mutex_unlock(&r->mu);
        process(r, w, b);
        pthread_mutex_lock(&r->mu);
        b->state = SLOT_DONE;
        pthread_cond_signal(&r->main_cv);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* One thread: fill, run, write, block after block. */
static liq_status go_inline(run *r, worker *w, liq_diags *d)
{
    run_block *b = &r->slots[0];
    liq_status st = LIQ_OK;
    while (st == LIQ_OK && !r->eof) {
        st = fill(r, b, d);
        if (st != LIQ_OK)
            break;
        process(r, w, b);
        if (!flush(r, b, d))
            st = b->st;
    }
    return st;
}

/* The calling thread fills blocks, writes the finished ones in order,
 * and runs a filled block itself (as worker self) when no slot is free to
 * fill and none is done to write; the other workers take filled blocks
 * in order. So jobs threads in all: a thread of its own for filling and
 * writing (2 % of a batch's work) shared a core with a worker, and was
 * woken once per block. */
static liq_status go_threads(run *r, worker *self, liq_diags *d)
{
    liq_status st = LIQ_OK;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        run_block *head = &r->slots[r->next_write % r->nslots];
        if (r->next_write < r->next_fill && head->state == SLOT_DONE) {
            pthread_mutex_unlock(&r->mu);
            bool ok = st == LIQ_OK && flush(r, head, d);
            if (st == LIQ_OK && !ok)
                st = head->st;
            pthread_mutex_lock(&r->mu);
            head->state = SLOT_FREE;
            r->next_write++;
            continue;
        }
        bool more = st == LIQ_OK && !r->eof;
        if (more && r->next_fill - r->next_write < r->nslots) {
            run_block *b = &r->slots[r->next_fill % r->nslots];
            pthread_mutex_unlock(&r->mu);
            liq_status fs = fill(r, b, d);
            pthread_mutex_lock(&r->mu);
            if (fs != LIQ_OK) {
                st = fs;
                continue;
            }
            if (b->n == 0)
                continue;
            b->state = SLOT_FILLED;
            r->next_fill++;
            pthread_cond_signal(&r->work_cv);
            continue;
        }
        if (r->next_take < r->next_fill) {
            run_block *b = &r->slots[r->next_take++ % r->nslots];
            pthread_mutex_unlock(&r->mu);
            process(r, self, b);
            pthread_mutex_lock(&r->mu);
            b->state = SLOT_DONE;
            continue;
        }
        if (r->next_write == r->next_fill && !more)
            break;
        pthread_cond_wait(&r->main_cv, &r->mu);
    }
    r->quit = true;
    pthread_cond_broadcast(&r->work_cv);
    pthread_mutex_unlock(&r->mu);
    return st;
}

/* Sums and extremes combined: commutative and exact, so no split of the
 * cases shows. */
static void combine_sum(run_sum *a, const run_sum *b)
{
    if (b->has)
        run_sum_add(a, b->v);
    a->overflow |= b->overflow;
}

static void combine_extreme(run_acc_kind k, run_extreme *a, const run_extreme *b)
{
    if (b->has)
        run_extreme_take(a, k == RUN_MAX, b->v, b->at, b->label);
}

/* a and b combined into a (one accumulator of one kind). */
static void combine(run_acc_kind k, acc_val *a, const acc_val *b)
{
    a->count += b->count;
    if (k == RUN_SUM)
        combine_sum(&a->s, &b->s);
    else if (k != RUN_COUNT)
        combine_extreme(k, &a->x, &b->x);
}

liq_status run_go(run *r, liq_diags *d)
{
    unsigned jobs = r->opts.jobs;
    worker *ws = mem_calloc(jobs, sizeof *ws);
    /* Room to fill ahead while the calling thread runs a block itself. */
    r->nslots = jobs == 1 ? 1 : 4 * (size_t)jobs + 2;
    r->slots = mem_calloc(r->nslots, sizeof *r->slots);
    r->total = mem_calloc(r->nacc ? r->nacc : 1, sizeof *r->total);
    liq_status st = LIQ_OK;
    if (!ws || !r->slots || !r->total)
        (void)mem_error(d, NULL, 0, 0), st = LIQ_ENOMEM;
    for (size_t i = 0; st == LIQ_OK && i < r->nslots; i++) {
        r->slots[i].r = r;
        r->slots[i].diags = (liq_diags)LIQ_DIAGS_INIT;
    }
    unsigned made = 0;
    for (; st == LIQ_OK && made < jobs; made++) {
        /* Each worker's accumulators (written per case) with one unused
         * on each side: no cache line shared with another worker's. */
        acc_val *acc = mem_calloc(r->nacc + 2, sizeof(acc_val));
        ws[made] = (worker){r, made, NULL, acc ? acc + 1 : NULL, 0};
        if (!ws[made].acc) {
            (void)mem_error(d, NULL, 0, 0), st = LIQ_ENOMEM;
            break;
        }
        ws[made].state = r->spec.worker_new ? r->spec.worker_new(r->spec.ud, made, d) : NULL;
        if (r->spec.worker_new && !ws[made].state) {
            free(ws[made].acc - 1);
            st = LIQ_EINPUT;
            for (size_t i = 0; i < d->n; i++)
                if (d->items[i].severity == LIQ_SEV_ERROR) {
                    st = d->items[i].code;
                    break;
                }
            break;
        }
    }
    if (st == LIQ_OK && jobs == 1) {
        st = go_inline(r, &ws[0], d);
    } else if (st == LIQ_OK) {
        pthread_mutex_init(&r->mu, NULL);
        pthread_cond_init(&r->work_cv, NULL);
        pthread_cond_init(&r->main_cv, NULL);
        /* Worker 0 is the calling thread (go_threads). */
        unsigned started = 1;
        for (; started < jobs; started++)
            if (pthread_create(&ws[started].th, NULL, thread_main, &ws[started]) != 0)
                break;
        if (started < jobs) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, NULL, 0, 0,
                          "could not start %u threads (started %u); try a smaller --jobs", jobs,
                          started);
            st = LIQ_ENOMEM;
            pthread_mutex_lock(&r->mu);
            r->quit = true;
            pthread_cond_broadcast(&r->work_cv);
            pthread_mutex_unlock(&r->mu);
        } else {
            st = go_threads(r, &ws[0], d);
        }
        for (unsigned i = 1; i < started; i++)
            pthread_join(ws[i].th, NULL);
        pthread_cond_destroy(&r->work_cv);
        pthread_cond_destroy(&r->main_cv);
        pthread_mutex_destroy(&r->mu);
    }
    for (unsigned i = 0; i < made; i++) {
        if (r->spec.worker_done && ws[i].state) {
            run_out o = {r, NULL, ws[i].acc, 0};
            r->spec.worker_done(r->spec.ud, ws[i].state, &o);
        }
        for (size_t k = 0; r->total && k < r->nacc; k++)
            combine(r->decl[k].kind, &r->total[k], &ws[i].acc[k]);
        if (r->spec.worker_free && ws[i].state)
            r->spec.worker_free(r->spec.ud, ws[i].state);
        free(ws[i].acc - 1);
    }
    for (size_t i = 0; r->slots && i < r->nslots; i++) {
        free(r->slots[i].arena);
        free(r->slots[i].out.s);
        liq_diags_free(&r->slots[i].diags);
    }
    free(r->slots);
    r->slots = NULL;
    free(ws);
    return st;
}

/* ------------------------------------------------------------------ */
/* Inside a case                                                        */
/* ------------------------------------------------------------------ */

void run_emit(run_out *o, const char *object, size_t len)
{
    sbuf *b = &o->b->out;
    /* {"case":ID,"shard":"K/N" without printf: a batch writes a line per
     * row and policy. */
    char head[96], digits[24], *d = digits + sizeof digits;
    uint64_t id = o->id;
    do
        *--d = (char)('0' + (int)(id % 10));
    while (id /= 10);
    size_t nd = (size_t)(digits + sizeof digits - d), ns = strlen(o->r->shard), h = 0;
    memcpy(head, "{\"case\":", 8);
    h = 8;
    memcpy(head + h, d, nd);
    h += nd;
    memcpy(head + h, ",\"shard\":\"", 10);
    h += 10;
    memcpy(head + h, o->r->shard, ns);
    h += ns;
    head[h++] = '"';
    sb_addn(b, head, h);
    /* The object's members after the runner's own. */
    if (len >= 2 && object[0] == '{') {
        size_t i = 1;
        while (i < len && (object[i] == ' ' || object[i] == '\n'))
            i++;
        if (object[i] != '}')
            sb_addn(b, ",", 1);
        sb_addn(b, object + i, len - i);
    } else {
        sb_addn(b, "}", 1);
    }
    sb_addn(b, "\n", 1);
}

liq_diags *run_diags(run_out *o)
{
    return &o->b->diags;
}

void run_count(run_out *o, int acc, uint64_t n)
{
    if (acc >= 0)
        o->acc[acc].count += n;
}

/* Called for every row of a run: adds in place, without building an
 * accumulator to combine (a label of 64 bytes copied per row). */
void run_add(run_out *o, int acc, liq_dec v)
{
    if (acc >= 0)
        run_sum_add(&o->acc[acc].s, v);
}

void run_min(run_out *o, int acc, liq_dec v, const char *label)
{
    if (acc >= 0)
        run_extreme_take(&o->acc[acc].x, false, v, o->id, label);
}

void run_max(run_out *o, int acc, liq_dec v, const char *label)
{
    if (acc >= 0)
        run_extreme_take(&o->acc[acc].x, true, v, o->id, label);
}

void run_put_sum(run_out *o, int acc, const run_sum *s)
{
    if (acc >= 0)
        combine_sum(&o->acc[acc].s, s);
}

void run_put_extreme(run_out *o, int acc, const run_extreme *e)
{
    if (acc >= 0)
        combine_extreme(o->r->decl[acc].kind, &o->acc[acc].x, e);
}

/* ------------------------------------------------------------------ */
/* The summary                                                          */
/* ------------------------------------------------------------------ */

uint64_t run_cases_done(const run *r)
{
    return r->done;
}

bool run_merge_acc(run *r, size_t i, const char *group, const char *name, run_acc_kind kind,
                   uint64_t count, bool has, liq_dec v, uint64_t at, const char *label)
{
    if (i >= r->nacc || r->decl[i].kind != kind || strcmp(r->decl[i].group, group) != 0 ||
        strcmp(r->decl[i].name, name) != 0)
        return false;
    if (!r->total && !(r->total = mem_calloc(r->nacc, sizeof *r->total)))
        return false;
    acc_val one = {.count = count};
    if (kind == RUN_SUM) {
        one.s = (run_sum){.v = v, .has = has};
    } else {
        one.x = (run_extreme){.v = v, .has = has, .at = at};
        if (label)
            snprintf(one.x.label, sizeof one.x.label, "%s", label);
    }
    combine(kind, &r->total[i], &one);
    return true;
}

void run_merge_cases(run *r, uint64_t cases)
{
    r->done += cases;
}

size_t run_acc_count(const run *r)
{
    return r->nacc;
}

uint64_t run_acc_total(const run *r, int acc)
{
    return r->total && acc >= 0 && (size_t)acc < r->nacc ? r->total[acc].count : 0;
}

bool run_acc_extreme(const run *r, int acc, liq_dec *v, uint64_t *at)
{
    if (!r->total || acc < 0 || (size_t)acc >= r->nacc || !r->total[acc].x.has)
        return false;
    *v = r->total[acc].x.v;
    if (at)
        *at = r->total[acc].x.at;
    return true;
}

static const char *const kind_names[] = {"count", "sum", "min", "max"};

char *run_summary_json(const run *r, bool *overflow)
{
    *overflow = false;
    jout jb = {false}, *b = &jb;
    json_t *root = json_object(), *sum = json_object(), *accs = json_array();
    jout_set(b, sum, "cases", json_integer((json_int_t)r->done));
    for (size_t i = 0; i < r->nacc; i++) {
        const acc_decl *dc = &r->decl[i];
        const acc_val *a = r->total ? &r->total[i] : &(acc_val){0};
        json_t *o = json_object();
        jout_set(b, o, "group", json_string(dc->group));
        jout_set(b, o, "name", json_string(dc->name));
        jout_set(b, o, "kind", json_string(kind_names[dc->kind]));
        *overflow |= a->s.overflow;
        bool has = dc->kind == RUN_SUM ? a->s.has : a->x.has;
        if (dc->kind == RUN_COUNT) {
            jout_set(b, o, "value", json_integer((json_int_t)a->count));
        } else if (!has) {
            jout_set(b, o, "value", dc->kind == RUN_SUM ? json_string("0") : json_null());
        } else {
            char t[LIQ_DEC_STRLEN];
            liq_dec_format(dc->kind == RUN_SUM ? a->s.v : a->x.v, t);
            jout_set(b, o, "value", json_string(t));
        }
        if (dc->kind == RUN_MIN || dc->kind == RUN_MAX) {
            jout_set(b, o, "case", has ? json_integer((json_int_t)a->x.at) : json_null());
            jout_set(b, o, "scenario",
                     has && a->x.label[0] ? json_string(a->x.label) : json_null());
        }
        jout_push(b, accs, o);
    }
    jout_set(b, sum, "acc", accs);
    jout_set(b, root, "summary", sum);
    jout_set(b, root, "shard", json_string(r->shard));
    json_error_t je;
    jout_set(b, root, "run", json_loads(r->run_json, 0, &je));
    char *text = b->failed || *overflow ? NULL : jout_dump(root, JSON_COMPACT);
    json_decref(root);
    return text;
}
