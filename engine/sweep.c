/*
 * sweep.c — a grid of scenario variants (sweep.h).
 *
 * Owns the range syntax (LO..HI/STEP, a,b,c, one value), its errors (a
 * range that is empty or not numeric, a step that is not positive, a
 * value out of the key's bounds, more points than the stated limit: each
 * said before a point is made), and the order of the points. Counting
 * comes first: LO..HI/STEP has floor((HI - LO) / STEP) + 1 values,
 * computed exactly, and a grid over the limit is refused before its
 * values are allocated.
 */
#include "sweep.h"

#include "mem.h"
#include "result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sweep_grid_free(sweep_grid *g)
{
    for (size_t a = 0; a < g->nax; a++)
        free(g->ax[a].vals);
    memset(g, 0, sizeof *g);
}

/* A decimal spelled in [s, s+len): false when it is not one. */
static bool dec_span(const char *s, size_t len, liq_dec *out)
{
    return len > 0 && liq_dec_parse(s, len, out) == LIQ_OK;
}

static bool not_numeric(const char *what, const char *arg, const char *s, size_t len,
                        char *err, size_t cap)
{
    snprintf(err, cap, "%s %s: \"%.*s\" is not a decimal number", what, arg, (int)len, s);
    return false;
}

/* sweep_axis_add, its messages naming the range as what gives it
 * ("--set" or "ranges:"). */
static bool axis_add(sweep_grid *g, const char *what, const char *arg, const liq_scenario *base,
                     uint64_t max_points, char *err, size_t cap, bool *too_many)
{
    *too_many = false;
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        snprintf(err, cap, "%s takes KEY=RANGE (position.leverage=5..50/5, shock=0.05,0.1 or "
                           "market.liquidation_fill.slippage=0.02), got \"%s\"", what, arg);
        return false;
    }
    if (g->nax == SWEEP_MAX_AXES) {
        snprintf(err, cap, "%s %s: at most %d ranges", what, arg, SWEEP_MAX_AXES);
        return false;
    }
    sweep_axis *ax = &g->ax[g->nax];
    memset(ax, 0, sizeof *ax);
    size_t klen = (size_t)(eq - arg);
    if (klen >= sizeof ax->name) {
        snprintf(err, cap, "%s %s: the key is too long", what, arg);
        return false;
    }
    memcpy(ax->name, arg, klen);
    ax->name[klen] = 0;
    char kerr[1200];
    if (!variant_key_find(ax->name, &ax->key, kerr, sizeof kerr)) {
        snprintf(err, cap, "%s %s: %s", what, arg, kerr);
        return false;
    }
    ax->key.key = ax->name;
    for (size_t a = 0; a < g->nax; a++)
        if (strcmp(g->ax[a].name, ax->name) == 0) {
            snprintf(err, cap, "%s %s: %s is already swept", what, arg, ax->name);
            return false;
        }
    const char *r = eq + 1, *dots = strstr(r, "..");
    if (!*r) {
        snprintf(err, cap, "%s %s: the range is empty", what, arg);
        return false;
    }
    /* How many values, before any is made. */
    liq_dec lo = LIQ_DEC_ZERO, hi = LIQ_DEC_ZERO, step = LIQ_DEC_ZERO;
    uint64_t n = 0;
    if (dots) {
        const char *slash = strchr(dots + 2, '/');
        if (!slash) {
            snprintf(err, cap, "%s %s: a range needs its step: LO..HI/STEP", what, arg);
            return false;
        }
        if (!dec_span(r, (size_t)(dots - r), &lo))
            return not_numeric(what, arg, r, (size_t)(dots - r), err, cap);
        if (!dec_span(dots + 2, (size_t)(slash - dots - 2), &hi))
            return not_numeric(what, arg, dots + 2, (size_t)(slash - dots - 2), err, cap);
        if (!dec_span(slash + 1, strlen(slash + 1), &step))
            return not_numeric(what, arg, slash + 1, strlen(slash + 1), err, cap);
        char b1[LIQ_DEC_STRLEN], b2[LIQ_DEC_STRLEN];
        if (liq_dec_sign(step) <= 0) {
            snprintf(err, cap, "%s %s: the step must be above 0, got %s", what, arg, dstr(step, b1));
            return false;
        }
        if (liq_dec_cmp(lo, hi) > 0) {
            snprintf(err, cap, "%s %s: the range is empty (%s is above %s)", what, arg,
                     dstr(lo, b1), dstr(hi, b2));
            return false;
        }
        liq_dec span, q;
        if (liq_dec_sub(hi, lo, &span) != LIQ_OK ||
            liq_dec_div(span, step, LIQ_ROUND_FLOOR, &q) != LIQ_OK ||
            liq_dec_quantize(q, liq_dec_from_int(1), LIQ_ROUND_FLOOR, &q) != LIQ_OK ||
            q.raw / (liq_i128)1000000000000 >= (liq_i128)UINT32_MAX) {
            n = UINT64_MAX;
        } else {
            n = (uint64_t)(q.raw / (liq_i128)1000000000000) + 1;
        }
    } else {
        n = 1;
        for (const char *c = r; *c; c++)
            n += *c == ',';
    }
    /* The grid's size with this axis, against the limit. */
    uint64_t total = g->nax ? g->points : 1;
    bool over = n == UINT64_MAX || (n && total > max_points / n) || total * n > max_points;
    if (over) {
        *too_many = true;
        char dims[600] = "";
        size_t used = 0;
        for (size_t a = 0; a <= g->nax && used < sizeof dims; a++) {
            uint64_t na = a < g->nax ? g->ax[a].n : n;
            const char *nm = a < g->nax ? g->ax[a].name : ax->name;
            if (na == UINT64_MAX)
                used += (size_t)snprintf(dims + used, sizeof dims - used, "%s%s: more than 2^32",
                                         a ? " x " : "", nm);
            else
                used += (size_t)snprintf(dims + used, sizeof dims - used, "%s%s: %llu",
                                         a ? " x " : "", nm, (unsigned long long)na);
        }
        /* The product, exact while it fits; else said as more than 2^64. */
        uint64_t prod = 1;
        bool big = false;
        for (size_t a = 0; a <= g->nax; a++) {
            uint64_t na = a < g->nax ? g->ax[a].n : n;
            if (na == UINT64_MAX || (na && prod > UINT64_MAX / na))
                big = true;
            else
                prod *= na;
        }
        char count[64];
        if (big)
            snprintf(count, sizeof count, "more than %llu", (unsigned long long)UINT64_MAX);
        else
            snprintf(count, sizeof count, "%llu", (unsigned long long)prod);
        snprintf(err, cap, "the grid has %s points (%s), more than --max-points %llu", count, dims,
                 (unsigned long long)max_points);
        return false;
    }
    ax->vals = mem_calloc(n, sizeof *ax->vals);
    if (!ax->vals) {
        snprintf(err, cap, "out of memory");
        return false;
    }
    if (dots) {
        liq_dec v = lo;
        for (uint64_t k = 0; k < n; k++) {
            ax->vals[k] = v;
            liq_dec_add(v, step, &v);
        }
    } else {
        const char *c = r;
        for (uint64_t k = 0; k < n; k++) {
            const char *comma = strchr(c, ',');
            size_t len = comma ? (size_t)(comma - c) : strlen(c);
            if (!dec_span(c, len, &ax->vals[k])) {
                free(ax->vals);
                ax->vals = NULL;
                return not_numeric(what, arg, c, len, err, cap);
            }
            c = comma ? comma + 1 : c + len;
        }
    }
    ax->n = (size_t)n;
    /* Every value must be one the key takes: tried on the base. */
    variant v;
    liq_diags d = LIQ_DIAGS_INIT;
    bool ok = variant_init(&v, base, &d);
    if (!ok)
        snprintf(err, cap, "%s", d.n ? d.items[0].msg : "out of memory");
    for (size_t k = 0; ok && k < ax->n; k++) {
        char verr[400];
        if (!variant_set(&v, &ax->key, ax->vals[k], verr, sizeof verr)) {
            snprintf(err, cap, "%s %s: %s", what, arg, verr);
            ok = false;
        }
    }
    variant_free(&v);
    liq_diags_free(&d);
    if (!ok) {
        free(ax->vals);
        ax->vals = NULL;
        return false;
    }
    g->points = total * n;
    g->nax++;
    return true;
}

bool sweep_axis_add(sweep_grid *g, const char *arg, const liq_scenario *base,
                    uint64_t max_points, char *err, size_t cap, bool *too_many)
{
    return axis_add(g, "--set", arg, base, max_points, err, cap, too_many);
}

bool sweep_grid_build(sweep_grid *g, const liq_scenario *base, const char *const *sets,
                      size_t nsets, uint64_t max_points, char *err, size_t cap, bool *too_many,
                      liq_mark *at)
{
    const pstr *fr = base->r.ranges.items;
    size_t nf = base->r.ranges.n;
    bool *used = mem_calloc(nsets ? nsets : 1, sizeof *used), ok = used != NULL;
    *too_many = false;
    *at = (liq_mark){NULL, 0, 0};
    if (!ok)
        snprintf(err, cap, "out of memory");
    for (size_t i = 0; ok && i < nf; i++) {
        const char *arg = fr[i].v, *what = "ranges:";
        size_t klen = strcspn(arg, "=");
        /* A --set of the key the file ranges wins, in the file's place. */
        for (size_t k = 0; arg[klen] == '=' && k < nsets; k++)
            if (!used[k] && strncmp(sets[k], arg, klen) == 0 && sets[k][klen] == '=') {
                used[k] = true;
                arg = sets[k];
                what = "--set";
                break;
            }
        ok = axis_add(g, what, arg, base, max_points, err, cap, too_many);
        if (!ok && what[0] == 'r')
            *at = fr[i].m;
    }
    for (size_t k = 0; ok && k < nsets; k++)
        if (!used[k])
            ok = axis_add(g, "--set", sets[k], base, max_points, err, cap, too_many);
    free(used);
    return ok;
}

/* Point i's index on axis a: the last axis runs fastest. */
static size_t index_on(const sweep_grid *g, uint64_t i, size_t a)
{
    for (size_t b = g->nax; b-- > a + 1;)
        i /= g->ax[b].n;
    return (size_t)(i % g->ax[a].n);
}

liq_dec sweep_value(const sweep_grid *g, uint64_t i, size_t a)
{
    return g->ax[a].vals[index_on(g, i, a)];
}

bool sweep_apply(const sweep_grid *g, uint64_t i, variant *v, char *err, size_t cap)
{
    /* Each point starts from the base: a variant keeps nothing of the last. */
    const liq_scenario *base = v->base;
    v->pos = *base->legs[0].p;
    v->s.r = base->r;
    if (!variant_reset_path(v)) {
        snprintf(err, cap, "out of memory");
        return false;
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t a = 0; a < g->nax; a++)
            if (g->ax[a].key.shock == (pass == 1) &&
                !variant_set(v, &g->ax[a].key, sweep_value(g, i, a), err, cap))
                return false;
    return true;
}
