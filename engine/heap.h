/*
 * heap.h — the liquidation trigger index: (liquidation price, account)
 * per side in key order, so a tick pops exactly the accounts whose price
 * the mark has reached and the walk's cost grows with liquidations, not
 * with ticks x accounts. Longs are keyed by the negated price (a falling
 * mark reaches the highest liquidation prices first), shorts by the
 * price. Entries go stale when an account's price changes (a partial
 * slice, a deleveraging): each carries the account's version, and stale
 * entries are skipped when popped (lazy deletion).
 *
 * An index (tindex) is two parts: the keys known when the replay sets up
 * that fit in 64 bits, as one sorted run read front to back, and a binary
 * heap for every other key (wider ones, and each one indexed once the
 * walk has begun). A pop takes the smaller front of the two. The run is
 * the point: a heap of a million accounts pops by walking memory at
 * random, a sorted run by reading the next 16 bytes.
 */
#ifndef LIQ_HEAP_H
#define LIQ_HEAP_H

#include "liqsim.h"

/* The key is a 128-bit raw kept as two 64-bit halves, so an entry is
 * 24 bytes, not the 32 a 16-byte-aligned __int128 pads it to: a heap of
 * ten million accounts is 80 MB smaller. */
typedef struct heap_ent {
    uint64_t key_lo;   /* liquidation price raw (negated for the max-heap): */
    int64_t key_hi;    /* ... its low and high halves */
    uint32_t idx;
    uint32_t ver;
} heap_ent;

static inline heap_ent heap_ent_make(liq_i128 key, uint32_t idx, uint32_t ver)
{
    heap_ent e = {(uint64_t)key, (int64_t)(key >> 64), idx, ver};
    return e;
}
static inline liq_i128 heap_key(const heap_ent *e)
{
    __extension__ typedef unsigned __int128 u128;
    return (liq_i128)(((u128)(uint64_t)e->key_hi << 64) | e->key_lo);
}

typedef struct heap {
    heap_ent *a;
    size_t n, cap;
} heap;

bool heap_push(heap *h, heap_ent e);
/* Room for n entries in all, allocated once (a replay knows how many
 * accounts it indexes): no doubling, no spare half. false on ENOMEM. */
bool heap_reserve(heap *h, size_t n);
void heap_build(heap *h);          /* heapify a filled array in O(n) */
static inline const heap_ent *heap_top(const heap *h) { return h->n ? &h->a[0] : NULL; }
void heap_pop(heap *h);
void heap_free(heap *h);

/* An entry of the sorted run: the same key, when it fits in 64 bits. */
typedef struct run_ent {
    int64_t key;
    uint32_t idx;
    uint32_t ver;
} run_ent;

typedef struct tindex {
    run_ent *run;      /* sorted by (key, idx) once sealed; run[pos..nrun) unpopped */
    size_t nrun, pos, caprun;
    heap h;            /* the keys the run does not hold */
    bool sealed;
} tindex;

/* Room for n entries in the run, allocated once (a replay knows how many
 * accounts it sets up). false on ENOMEM. */
bool tindex_reserve(tindex *t, size_t n);
/* Index (key, idx, ver): before tindex_seal into the run when the key
 * fits in 64 bits and the run has room, else into the heap. false on
 * ENOMEM. */
bool tindex_add(tindex *t, liq_i128 key, uint32_t idx, uint32_t ver);
/* Sort the run and heapify the heap: from here on, pops. */
void tindex_seal(tindex *t);
/* The smallest (key, idx) indexed and not popped, false when none. */
bool tindex_top(const tindex *t, heap_ent *out);
/* Pop what tindex_top returned. */
void tindex_pop(tindex *t);
void tindex_free(tindex *t);
/* The run's sort, by (key, idx), in place: a radix sort on the key
 * (tindex_seal's), and the comparison sort that finishes its short spans,
 * quicksort for depth rounds, then heapsort (both exposed so that a test
 * can check each, and spend the depth at once). */
void heap_radix_run(run_ent *a, size_t n);
void heap_sort_run(run_ent *a, size_t n, int depth);

#endif
