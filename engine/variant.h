/*
 * variant.h — a scenario with some of its numbers changed: the one way
 * the what-if verbs (worst, size, sweep) make the cases they evaluate.
 *
 * A variant is a shallow copy of a loaded scenario that owns only what
 * it changes: its position (a copy of the base's one position) and its
 * mark path. Strings and lists stay the base's, read only, so the base
 * must outlive the variant, and many variants (one per thread) can share
 * one base. The variant's `s` is evaluated as any scenario (liq_eval):
 * the engine cannot tell the difference, which is the point.
 */
#ifndef LIQ_VARIANT_H
#define LIQ_VARIANT_H

#include "scenario.h"

typedef struct variant {
    liq_scenario s;          /* what liq_eval is given; never liq_scenario_free'd */
    s_position pos;          /* the position evaluated (s.legs[0].p points here) */
    s_leg leg;
    liq_dec *px;             /* the mark path (owned) */
    liq_mark *pm;
    size_t cap;
    const liq_scenario *base;
} variant;

/* Copy base (one position: `position:`, or `positions:` with one item)
 * into v. false with an error in d when base holds several positions,
 * or out of memory. v is released with variant_free in every case. */
bool variant_init(variant *v, const liq_scenario *base, liq_diags *d);
void variant_free(variant *v);

/* Replace the mark path with marks[0..n) (n >= 1); false when out of
 * memory. The marks of the new path point at the base's path_m[0] (or
 * the scenario's file) for messages. */
bool variant_set_path(variant *v, const liq_dec *marks, size_t n);
/* The gap path: the entry price, then one mark. */
bool variant_gap(variant *v, liq_dec mark);
/* Restore the base's own mark path. */
bool variant_reset_path(variant *v);

/* The numbers a variant can change, by the scenario file's dotted key
 * ("position.leverage", "market.liquidation_fill.slippage"), plus
 * VARIANT_SHOCK: the adverse move, a fraction of the entry price, that
 * replaces the mark path by [entry, entry x (1 - shock)] for a long,
 * [entry, entry x (1 + shock)] for a short. */
#define VARIANT_SHOCK "shock"
typedef struct variant_key {
    const char *key;         /* as the file spells it (static) */
    bool shock;
    bool in_position;        /* the field lives in s_position (else s_root) */
    size_t off;              /* the pdec's offset in s_position or s_root */
    const char *lo, *hi;     /* the file key's bounds (NULL: open) */
} variant_key;

/* Resolve key. false with a message in err (cap bytes) naming the keys
 * that can be set, when key is not a decimal of the scenario file. */
bool variant_key_find(const char *key, variant_key *out, char *err, size_t cap);
/* The keys variant_key_find accepts, as "a, b, ... or c", into buf. */
void variant_keys_text(char *buf, size_t cap);

/* Set key to val on v. Setting position.size forgets position.notional
 * (and the other way round), position.leverage forgets position.margin
 * (and the other way round): the scenario then states the one that was
 * set. false with a message in err when val is out of the key's bounds
 * (a shock of 1 or more on a long: the mark would not be positive). */
bool variant_set(variant *v, const variant_key *k, liq_dec val, char *err, size_t cap);

#endif
