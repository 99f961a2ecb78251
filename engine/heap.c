/*
 * heap.c — the trigger index (heap.h): a plain binary min-heap on (key,
 * idx), and the sorted run beside it (a radix sort on the key, spans of
 * a few dozen finished by comparison); ties broken by account index so
 * the order of pops never depends on insertion history.
 */
#include "heap.h"
#include "mem.h"

#include <stdlib.h>

static bool less(const heap_ent *x, const heap_ent *y)
{
    if (x->key_hi != y->key_hi)
        return x->key_hi < y->key_hi;
    if (x->key_lo != y->key_lo)
        return x->key_lo < y->key_lo;
    return x->idx < y->idx;
}

bool heap_reserve(heap *h, size_t n)
{
    if (n <= h->cap)
        return true;
    heap_ent *a = mem_realloc(h->a, n * sizeof *a);
    if (!a)
        return false;
    h->a = a;
    h->cap = n;
    return true;
}

static void sift_down(heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && less(&h->a[l], &h->a[m]))
            m = l;
        if (r < h->n && less(&h->a[r], &h->a[m]))
            m = r;
        if (m == i)
            return;
        heap_ent t = h->a[i];
        h->a[i] = h->a[m];
        h->a[m] = t;
        i = m;
    }
}

bool heap_push(heap *h, heap_ent e)
{
    if (h->n == h->cap) {
        /* A reserved heap (a replay's) outgrows its size only by what
         * is pushed back after pops: grow by half, not by doubling. */
        size_t c = h->cap + h->cap / 2 + 64;
        heap_ent *a = mem_realloc(h->a, c * sizeof *a);
        if (!a)
            return false;
        h->a = a;
        h->cap = c;
    }
    size_t i = h->n++;
    h->a[i] = e;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!less(&h->a[i], &h->a[p]))
            break;
        heap_ent t = h->a[i];
        h->a[i] = h->a[p];
        h->a[p] = t;
        i = p;
    }
    return true;
}

void heap_build(heap *h)
{
    for (size_t i = h->n / 2; i-- > 0;)
        sift_down(h, i);
}

void heap_pop(heap *h)
{
    if (!h->n)
        return;
    h->a[0] = h->a[--h->n];
    sift_down(h, 0);
}

void heap_free(heap *h)
{
    free(h->a);
    h->a = NULL;
    h->n = h->cap = 0;
}

/* ---- the sorted run --------------------------------------------------- */

static bool run_less(const run_ent *x, const run_ent *y)
{
    return x->key != y->key ? x->key < y->key : x->idx < y->idx;
}

static void run_swap(run_ent *a, size_t i, size_t j)
{
    run_ent t = a[i];
    a[i] = a[j];
    a[j] = t;
}

static void run_sift(run_ent *a, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && run_less(&a[m], &a[l]))
            m = l;
        if (l + 1 < n && run_less(&a[m], &a[l + 1]))
            m = l + 1;
        if (m == i)
            return;
        run_swap(a, i, m);
        i = m;
    }
}

/* Introsort: quicksort on the median of three, heapsort once depth
 * rounds are spent (tindex_seal gives 2 log2 n: no input makes it
 * quadratic), insertion sort on short spans.
 * In place: qsort(3) may allocate a copy of the whole array, which for
 * ten million accounts is 160 MB at the replay's peak. */
void heap_sort_run(run_ent *a, size_t n, int depth)
{
    while (n > 16) {
        if (depth-- == 0) {
            for (size_t i = n / 2; i-- > 0;)
                run_sift(a, n, i);
            for (size_t k = n; k-- > 1;) {
                run_swap(a, 0, k);
                run_sift(a, k, 0);
            }
            return;
        }
        size_t mid = n / 2;
        if (run_less(&a[mid], &a[0]))
            run_swap(a, 0, mid);
        if (run_less(&a[n - 1], &a[0]))
            run_swap(a, 0, n - 1);
        if (run_less(&a[n - 1], &a[mid]))
            run_swap(a, mid, n - 1);
        /* Hoare's partition about the middle value: both sides end up
         * non-empty, so each round shrinks the span. */
        run_ent p = a[mid];
        size_t i = 0, j = n - 1;
        for (;;) {
            while (run_less(&a[i], &p))
                i++;
            while (run_less(&p, &a[j]))
                j--;
            if (i >= j)
                break;
            run_swap(a, i, j);
            i++;
            j--;
        }
        /* [0, j] and [j + 1, n): recurse into the smaller, loop on the
         * larger, so the stack stays within log2 n frames. */
        size_t left = j + 1;
        if (left < n - left) {
            heap_sort_run(a, left, depth);
            a += left;
            n -= left;
        } else {
            heap_sort_run(a + left, n - left, depth);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        run_ent v = a[i];
        size_t j = i;
        for (; j > 0 && run_less(&v, &a[j - 1]); j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

/* Below this many entries a span is sorted by comparison: a radix
 * pass's 256 counters cost more than the sort they save. */
#define RADIX_MIN 64

static int sort_depth(size_t n)
{
    int depth = 0;
    for (; n > 1; n >>= 1)
        depth += 2;
    return depth;
}

/* Most significant digit first, in place (American flag sort): the
 * span's keys split into 256 buckets by the top 8 bits of their offset
 * from the smallest, each bucket then split again on its own span, down
 * to spans of RADIX_MIN, which heap_sort_run finishes by (key, idx).
 * Each level narrows a bucket's span by 8 bits, so the recursion is at
 * most 8 deep (4 KiB of counters a level). Liquidation prices of one
 * market spread evenly enough that two or three levels do it: about a
 * tenth of the comparisons the quicksort makes on a million accounts. */
void heap_radix_run(run_ent *a, size_t n)
{
    if (n <= RADIX_MIN) {
        heap_sort_run(a, n, sort_depth(n));
        return;
    }
    int64_t lo = a[0].key, hi = a[0].key;
    for (size_t i = 1; i < n; i++) {
        lo = a[i].key < lo ? a[i].key : lo;
        hi = a[i].key > hi ? a[i].key : hi;
    }
    if (lo == hi) {
        /* One key: the order is the accounts'. */
        heap_sort_run(a, n, sort_depth(n));
        return;
    }
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    int bits = 64 - __builtin_clzll(span);
    int shift = bits > 8 ? bits - 8 : 0;
#define DIGIT(e) ((size_t)(((uint64_t)(e).key - (uint64_t)lo) >> shift))
    size_t cnt[256] = {0}, next[256], end[256];
    for (size_t i = 0; i < n; i++)
        cnt[DIGIT(a[i])]++;
    size_t sum = 0;
    for (size_t d = 0; d < 256; d++) {
        next[d] = sum;
        sum += cnt[d];
        end[d] = sum;
    }
    /* Each entry is moved once, straight into its bucket's next free
     * place, the one it displaces carried on to its own. */
    for (size_t d = 0; d < 256; d++) {
        while (next[d] < end[d]) {
            run_ent v = a[next[d]];
            size_t k = DIGIT(v);
            while (k != d) {
                run_ent t = a[next[k]];
                a[next[k]++] = v;
                v = t;
                k = DIGIT(v);
            }
            a[next[d]++] = v;
        }
    }
#undef DIGIT
    size_t at = 0;
    for (size_t d = 0; d < 256; d++) {
        if (cnt[d] > 1)
            heap_radix_run(a + at, cnt[d]);
        at += cnt[d];
    }
}

bool tindex_reserve(tindex *t, size_t n)
{
    if (n <= t->caprun)
        return true;
    run_ent *a = mem_realloc(t->run, n * sizeof *a);
    if (!a)
        return false;
    t->run = a;
    t->caprun = n;
    return true;
}

bool tindex_add(tindex *t, liq_i128 key, uint32_t idx, uint32_t ver)
{
    if (!t->sealed && t->nrun < t->caprun && key >= INT64_MIN && key <= INT64_MAX) {
        t->run[t->nrun++] = (run_ent){(int64_t)key, idx, ver};
        return true;
    }
    heap_ent e = heap_ent_make(key, idx, ver);
    if (t->sealed)
        return heap_push(&t->h, e);
    /* Before sealing the heap is only filled: heapified once by the seal. */
    if (t->h.n == t->h.cap && !heap_reserve(&t->h, t->h.cap + t->h.cap / 2 + 64))
        return false;
    t->h.a[t->h.n++] = e;
    return true;
}

void tindex_seal(tindex *t)
{
    heap_radix_run(t->run, t->nrun);
    heap_build(&t->h);
    t->sealed = true;
}

/* Whether the run's front comes before the heap's top. */
static bool run_first(const tindex *t, heap_ent *run_front)
{
    if (t->pos >= t->nrun)
        return false;
    const run_ent *e = &t->run[t->pos];
    *run_front = heap_ent_make(e->key, e->idx, e->ver);
    const heap_ent *h = heap_top(&t->h);
    return !h || less(run_front, h);
}

bool tindex_top(const tindex *t, heap_ent *out)
{
    if (run_first(t, out))
        return true;
    const heap_ent *h = heap_top(&t->h);
    if (h)
        *out = *h;
    return h != NULL;
}

void tindex_pop(tindex *t)
{
    heap_ent e;
    if (run_first(t, &e))
        t->pos++;
    else
        heap_pop(&t->h);
}

void tindex_free(tindex *t)
{
    free(t->run);
    heap_free(&t->h);
    *t = (tindex){0};
}
