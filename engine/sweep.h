/*
 * sweep.h — a grid of scenario variants (sweep.c): ranges over the
 * scenario file's numbers (and the shock), parsed from `KEY=RANGE` text,
 * counted before anything is made, and applied to a variant point by
 * point in a fixed order (the first axis slowest, the last fastest), so
 * that point i is the same scenario whoever evaluates it, on any thread
 * or shard. What the points' results mean is the caller's (tools/cmd_sweep.c).
 */
#ifndef LIQ_SWEEP_H
#define LIQ_SWEEP_H

#include "variant.h"

#include <stdint.h>

#define SWEEP_MAX_AXES 8

typedef struct sweep_axis {
    variant_key key;
    char name[96];           /* the key as written (key.key points here) */
    liq_dec *vals;           /* n values, in the order given (owned) */
    size_t n;
} sweep_axis;

typedef struct sweep_grid {
    sweep_axis ax[SWEEP_MAX_AXES];
    size_t nax;
    uint64_t points;         /* the product of the axes' lengths */
} sweep_grid;

/* Add the axis `KEY=RANGE` to g: RANGE is LO..HI/STEP (LO, LO+STEP, ...
 * up to HI inclusive), a list a,b,c, or one value; exact decimals. Each
 * value must be one the key takes on base (its file bounds; a long's
 * shock below 1). The grid may not exceed max_points: counted before any
 * value is made. false with the message in err (cap bytes); *too_many
 * tells that the count was the problem. */
bool sweep_axis_add(sweep_grid *g, const char *arg, const liq_scenario *base,
                    uint64_t max_points, char *err, size_t cap, bool *too_many);
void sweep_grid_free(sweep_grid *g);
/* The whole grid of a run: base's own ranges (`ranges:`, in file order),
 * where a --set names a key the file ranges the --set's range in the
 * file's place (the command line wins), then the other --set ranges in
 * their order; each checked as sweep_axis_add checks it. false with the
 * message in err; *at is the mark of the file's range at fault (line 0
 * when a --set is), *too_many as sweep_axis_add's. */
bool sweep_grid_build(sweep_grid *g, const liq_scenario *base, const char *const *sets,
                      size_t nsets, uint64_t max_points, char *err, size_t cap, bool *too_many,
                      liq_mark *at);

/* Make v the scenario of point i: the base, with each axis's value set in
 * axis order (the shock last, so it starts from the entry price as set).
 * false with the message in err. */
bool sweep_apply(const sweep_grid *g, uint64_t i, variant *v, char *err, size_t cap);
/* The value of axis a at point i. */
liq_dec sweep_value(const sweep_grid *g, uint64_t i, size_t a);

#endif
