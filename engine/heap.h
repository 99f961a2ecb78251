/*
 * heap.h — the liquidation trigger index: a binary heap of (liquidation
 * price, account) per side, so a tick pops exactly the accounts whose
 * price the mark has reached and the walk's cost grows with
 * liquidations, not with ticks x accounts. Longs sit in a max-heap (a
 * falling mark reaches the highest liquidation prices first), shorts in
 * a min-heap. Entries go stale when an account's price changes (a
 * partial slice, a deleveraging): each carries the account's version,
 * and stale entries are skipped when popped (lazy deletion).
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

#endif
