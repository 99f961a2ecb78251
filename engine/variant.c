/*
 * variant.c — a scenario with some of its numbers changed (variant.h).
 *
 * Owns the copy of a scenario's one position and mark path, the lookup
 * of a dotted file key in the scenario's own schema table (so a what-if
 * accepts exactly the numbers a scenario file holds, with the file's
 * bounds), and the synthetic shock. What a changed number means is the
 * engine's: a variant is evaluated by liq_eval like any scenario.
 */
#include "variant.h"

#include "mem.h"
#include "result.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool variant_init(variant *v, const liq_scenario *base, liq_diags *d)
{
    memset(v, 0, sizeof *v);
    v->base = base;
    if (base->nlegs != 1) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, base->path, base->r.positions.m.line,
                      base->r.positions.m.col,
                      "positions: %zu positions; a what-if (worst, size, sweep) takes a scenario "
                      "of one position",
                      base->nlegs);
        return false;
    }
    v->s = *base;
    v->pos = *base->legs[0].p;
    v->s.legs = &v->leg;
    v->s.nlegs = 1;
    if (!variant_reset_path(v)) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, base->path, 0, 0, "out of memory");
        return false;
    }
    return true;
}

void variant_free(variant *v)
{
    free(v->px);
    free(v->pm);
    v->px = NULL;
    v->pm = NULL;
    v->cap = 0;
}

static bool path_room(variant *v, size_t n)
{
    if (n <= v->cap)
        return true;
    liq_dec *px = mem_realloc(v->px, n * sizeof *px);
    if (!px)
        return false;
    v->px = px;
    liq_mark *pm = mem_realloc(v->pm, n * sizeof *pm);
    if (!pm)
        return false;
    v->pm = pm;
    v->cap = n;
    return true;
}

/* The leg over the variant's path: its marks, and the base's other price
 * columns (index, last) only while the path is the base's own. */
static void path_point(variant *v, size_t n, bool base_columns)
{
    memset(&v->leg, 0, sizeof v->leg);
    v->leg.p = &v->pos;
    v->leg.px = v->px;
    v->leg.px_m = v->pm;
    for (int c = 0; c < PCOL_COUNT; c++)
        v->leg.col[c] = base_columns ? v->base->legs[0].col[c] : NULL;
    v->leg.col[PCOL_MARK] = v->px;
    v->s.path_px = v->px;
    v->s.path_m = v->pm;
    v->s.npath = n;
}

bool variant_set_path(variant *v, const liq_dec *marks, size_t n)
{
    if (!path_room(v, n))
        return false;
    /* A made path has no line of its own: messages point at the base's
     * first mark (its mark_path), else at the scenario. */
    liq_mark m = v->base->npath ? v->base->legs[0].px_m[0] : (liq_mark){v->base->path, 0, 0};
    for (size_t i = 0; i < n; i++) {
        v->px[i] = marks[i];
        v->pm[i] = m;
    }
    path_point(v, n, false);
    return true;
}

bool variant_gap(variant *v, liq_dec mark)
{
    liq_dec two[2] = {v->pos.entry_price.v, mark};
    return variant_set_path(v, two, 2);
}

bool variant_reset_path(variant *v)
{
    const liq_scenario *b = v->base;
    size_t n = b->npath;
    if (!path_room(v, n ? n : 1))
        return false;
    memcpy(v->px, b->legs[0].px, n * sizeof *v->px);
    memcpy(v->pm, b->legs[0].px_m, n * sizeof *v->pm);
    path_point(v, n, true);
    return true;
}

/* ---- keys ---------------------------------------------------------------- */

/* The scenario schema's decimal fields under sub-sections, found by
 * walking its tables: the list of keys is the schema's, never written
 * twice. `positions` (a list) is left out: a variant has one position. */
static bool find_in(const schema *s, const char *key, size_t off, bool in_pos, variant_key *out)
{
    const char *dot = strchr(key, '.');
    size_t len = dot ? (size_t)(dot - key) : strlen(key);
    for (size_t i = 0; i < s->nfields; i++) {
        const field *f = &s->fields[i];
        if (strlen(f->key) != len || strncmp(f->key, key, len) != 0)
            continue;
        if (dot && f->type == F_MAP)
            return find_in(f->sub, dot + 1, s == &liq_scenario_schema &&
                                                    strcmp(f->key, "position") == 0
                                                ? 0
                                                : off + f->off,
                           in_pos || (s == &liq_scenario_schema && strcmp(f->key, "position") == 0),
                           out);
        if (!dot && (f->type == F_DEC || f->type == F_DEC_UNLIM)) {
            out->in_position = in_pos;
            out->off = off + f->off;
            out->lo = f->lo;
            out->hi = f->hi;
            return true;
        }
        return false;
    }
    return false;
}

static size_t list_keys(const schema *s, const char *prefix, char *buf, size_t cap, size_t used,
                        size_t *count)
{
    for (size_t i = 0; i < s->nfields; i++) {
        const field *f = &s->fields[i];
        char key[128];
        snprintf(key, sizeof key, "%s%s", prefix, f->key);
        if (f->type == F_MAP) {
            char sub[130];
            snprintf(sub, sizeof sub, "%s.", key);
            used = list_keys(f->sub, sub, buf, cap, used, count);
        } else if (f->type == F_DEC || f->type == F_DEC_UNLIM) {
            (*count)++;
            if (used < cap)
                used += (size_t)snprintf(buf + used, cap - used, "%s%s",
                                         *count == 1 ? "" : ", ", key);
        }
    }
    return used;
}

void variant_keys_text(char *buf, size_t cap)
{
    size_t count = 0;
    if (cap == 0)
        return;
    buf[0] = 0;
    size_t used = list_keys(&liq_scenario_schema, "", buf, cap, 0, &count);
    if (used < cap)
        snprintf(buf + used, cap - used, " or %s", VARIANT_SHOCK);
}

bool variant_key_find(const char *key, variant_key *out, char *err, size_t cap)
{
    memset(out, 0, sizeof *out);
    out->key = key;
    if (strcmp(key, VARIANT_SHOCK) == 0) {
        out->shock = true;
        out->lo = "0";
        return true;
    }
    if (find_in(&liq_scenario_schema, key, 0, false, out))
        return true;
    char keys[1024];
    variant_keys_text(keys, sizeof keys);
    snprintf(err, cap, "%s is not a number of the scenario file; one of %s", key, keys);
    return false;
}

static bool within(liq_dec val, const char *lo, const char *hi)
{
    liq_dec b;
    if (lo && liq_dec_from_str(lo, &b) == LIQ_OK && liq_dec_cmp(val, b) < 0)
        return false;
    if (hi && liq_dec_from_str(hi, &b) == LIQ_OK && liq_dec_cmp(val, b) > 0)
        return false;
    return true;
}

bool variant_set(variant *v, const variant_key *k, liq_dec val, char *err, size_t cap)
{
    char b[LIQ_DEC_STRLEN];
    if (!within(val, k->lo, k->hi)) {
        snprintf(err, cap, "%s: %s is out of range (%s%s%s%s)", k->key, dstr(val, b),
                 k->lo ? ">= " : "", k->lo ? k->lo : "", k->lo && k->hi ? " and <= " : k->hi ? "<= " : "",
                 k->hi ? k->hi : "");
        return false;
    }
    if (k->shock) {
        bool lng = v->pos.side.v == SIDE_LONG;
        liq_dec one = liq_dec_from_int(1), f, mark;
        if (lng && liq_dec_cmp(val, one) >= 0) {
            snprintf(err, cap, "shock: %s on a long would take the mark to zero or below; a "
                     "long's shock is below 1", dstr(val, b));
            return false;
        }
        if ((lng ? liq_dec_sub(one, val, &f) : liq_dec_add(one, val, &f)) != LIQ_OK ||
            liq_dec_mul(v->pos.entry_price.v, f, LIQ_ROUND_HALF_EVEN, &mark) != LIQ_OK ||
            liq_dec_sign(mark) <= 0) {
            snprintf(err, cap, "shock: %s gives no positive mark from the entry price",
                     dstr(val, b));
            return false;
        }
        if (!variant_gap(v, mark)) {
            snprintf(err, cap, "out of memory");
            return false;
        }
        return true;
    }
    pdec *p = (pdec *)((char *)(k->in_position ? (void *)&v->pos : (void *)&v->s.r) + k->off);
    p->v = val;
    p->set = true;
    p->unlimited = false;
    if (k->in_position) {
        /* One of each pair states the position: the one just set. */
        const size_t pairs[][2] = {{offsetof(s_position, size), offsetof(s_position, notional)},
                                   {offsetof(s_position, leverage), offsetof(s_position, margin)}};
        for (size_t i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                if (k->off == pairs[i][j])
                    ((pdec *)((char *)&v->pos + pairs[i][1 - j]))->set = false;
    }
    return true;
}
