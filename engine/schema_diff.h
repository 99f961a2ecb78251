/*
 * schema_diff.h — the keys that differ between two structs loaded
 * through one schema, with their marks (schema_diff.c).
 */
#ifndef LIQ_SCHEMA_DIFF_H
#define LIQ_SCHEMA_DIFF_H

#include "schema.h"

/* Called once per key that differs: its dotted path ("liquidation.fee.
 * rate", "margin.maintenance.tiers[2].rate"), the two values as text and
 * where each was loaded from (line 0: the file left it to its default). */
typedef void (*schema_diff_fn)(void *ud, const char *key, const char *a, liq_mark am,
                               const char *b, liq_mark bm);
/* Compare a and b (both described by s) under path (NULL: the top).
 * Returns the number of keys that differ. */
size_t schema_diff(const schema *s, const void *a, const void *b, const char *path,
                   schema_diff_fn fn, void *ud);

#endif
