/*
 * heap.c — a plain binary min-heap on (key, idx); ties broken by account
 * index so the order of pops never depends on insertion history.
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
