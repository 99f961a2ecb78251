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

typedef struct heap_ent {
    liq_i128 key;      /* liquidation price raw; negated for the max-heap */
    uint32_t idx;
    uint32_t ver;
} heap_ent;

typedef struct heap {
    heap_ent *a;
    size_t n, cap;
} heap;

bool heap_push(heap *h, heap_ent e);
void heap_build(heap *h);          /* heapify a filled array in O(n) */
static inline const heap_ent *heap_top(const heap *h) { return h->n ? &h->a[0] : NULL; }
void heap_pop(heap *h);
void heap_free(heap *h);

#endif
