/*
 * strset.h — a hash set of strings that live elsewhere.
 *
 * The set holds indices; the strings stay where their owner keeps them
 * (a YAML map's keys, a book's ids) and are fetched through key(ud, i).
 * Used wherever input must be checked for repeats: a scan per item made
 * a 100,000-key map quadratic. Open addressing, FNV-1a, at most half
 * full; no removal (nothing needs it).
 */
#ifndef LIQ_STRSET_H
#define LIQ_STRSET_H

#include <stdbool.h>
#include <stddef.h>

typedef const char *strset_key_fn(const void *ud, size_t i);

typedef struct strset {
    size_t *slot;        /* index + 1; 0 is empty */
    size_t cap, n;       /* cap a power of two, or 0 before the first add */
    strset_key_fn *key;
    const void *ud;
} strset;

#define STRSET_INIT(key_fn, ud_) {NULL, 0, 0, (key_fn), (ud_)}

/* Add index i (its string must not be in the set yet: find first).
 * False when out of memory; the set is unchanged then. */
bool strset_add(strset *s, size_t i);
/* The index whose string equals text, or -1. */
long strset_find(const strset *s, const char *text);
void strset_free(strset *s);

#endif
