/*
 * strset.c — the hash set of strings held elsewhere (strset.h).
 *
 * Owns only the table of indices; the strings and their lifetime are the
 * caller's. Growth doubles and re-inserts, so n adds cost O(n) in all.
 */
#include "mem.h"
#include "strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a, 64-bit */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

static void put(size_t *slot, size_t cap, const char *text, size_t i)
{
    size_t j = hash(text) & (cap - 1);
    while (slot[j])
        j = (j + 1) & (cap - 1);
    slot[j] = i + 1;
}

bool strset_add(strset *s, size_t i)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        size_t *slot = mem_calloc(cap, sizeof *slot);
        if (!slot)
            return false;
        for (size_t j = 0; j < s->cap; j++)
            if (s->slot[j])
                put(slot, cap, s->key(s->ud, s->slot[j] - 1), s->slot[j] - 1);
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    put(s->slot, s->cap, s->key(s->ud, i), i);
    s->n++;
    return true;
}

long strset_find(const strset *s, const char *text)
{
    if (!s->cap)
        return -1;
    for (size_t j = hash(text) & (s->cap - 1); s->slot[j]; j = (j + 1) & (s->cap - 1))
        if (strcmp(s->key(s->ud, s->slot[j] - 1), text) == 0)
            return (long)(s->slot[j] - 1);
    return -1;
}

void strset_free(strset *s)
{
    free(s->slot);
    s->slot = NULL;
    s->cap = s->n = 0;
}
