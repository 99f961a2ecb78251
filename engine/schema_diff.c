/*
 * schema_diff.c — the keys whose values differ between two structs
 * loaded through one schema (two policies: `liqsim diff`), each with its
 * value and the mark (file:line:col) it was loaded from on both sides,
 * walked through the same tables that loaded them (schema.h), so a key
 * the loader knows is a key the diff compares.
 *
 * Lists compare item by item (an item only one side has is reported as
 * added or removed); a section's source ids are provenance, not rules,
 * and are left out.
 */
#include "schema_diff.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct walk {
    schema_diff_fn fn;
    void *ud;
    size_t n;
} walk;

static void say(walk *w, const char *key, const char *a, liq_mark am, const char *b, liq_mark bm)
{
    w->n++;
    w->fn(w->ud, key, a, am, b, bm);
}

static void dec_text(const pdec *d, char *buf)
{
    if (!d->set && !d->unlimited && d->v.raw == 0)
        snprintf(buf, LIQ_DEC_STRLEN, "(unset)");
    else if (d->unlimited)
        snprintf(buf, LIQ_DEC_STRLEN, "unlimited");
    else
        liq_dec_format(d->v, buf);
}

static void diff_map(walk *w, const schema *s, const char *a, const char *b, const char *path);

/* A list's items as one line of text: [a, b, c]. */
static char *list_text(const field *f, const plist *pl)
{
    sbuf t = {0};
    sb_add(&t, "[");
    for (size_t i = 0; i < pl->n; i++) {
        char d[LIQ_DEC_STRLEN];
        if (i)
            sb_add(&t, ", ");
        if (f->type == F_LIST_ENUM)
            sb_add(&t, "%s", f->enum_vals[((const penum *)pl->items)[i].v]);
        else if (f->type == F_LIST_DEC) {
            liq_dec_format(((const pdec *)pl->items)[i].v, d);
            sb_add(&t, "%s", d);
        } else if (f->type == F_LIST_STR)
            sb_add(&t, "%s", ((const pstr *)pl->items)[i].v);
        else if (f->type == F_DICT_DEC) {
            const pdecentry *e = &((const pdecentry *)pl->items)[i];
            liq_dec_format(e->v.v, d);
            sb_add(&t, "%s: %s", e->id.v, d);
        }
    }
    sb_add(&t, "]");
    return sb_take(&t);
}

static bool same_list(const field *f, const plist *x, const plist *y)
{
    if (x->n != y->n)
        return false;
    for (size_t i = 0; i < x->n; i++) {
        switch (f->type) {
        case F_LIST_ENUM:
            if (((const penum *)x->items)[i].v != ((const penum *)y->items)[i].v)
                return false;
            break;
        case F_LIST_DEC:
            if (((const pdec *)x->items)[i].v.raw != ((const pdec *)y->items)[i].v.raw)
                return false;
            break;
        case F_LIST_STR:
            if (strcmp(((const pstr *)x->items)[i].v, ((const pstr *)y->items)[i].v) != 0)
                return false;
            break;
        case F_DICT_DEC: {
            const pdecentry *p = &((const pdecentry *)x->items)[i],
                            *q = &((const pdecentry *)y->items)[i];
            if (strcmp(p->id.v, q->id.v) != 0 || p->v.v.raw != q->v.v.raw)
                return false;
            break;
        }
        default:
            return true;   /* F_DICT_LIST_DEC: scenario-only, not compared */
        }
    }
    return true;
}

static void diff_field(walk *w, const field *f, const char *a, const char *b, const char *path)
{
    char key[256], ta[LIQ_DEC_STRLEN * 2], tb[LIQ_DEC_STRLEN * 2];
    snprintf(key, sizeof key, "%s%s%s", path, *path ? "." : "", f->key);
    const void *x = a + f->off, *y = b + f->off;
    switch (f->type) {
    case F_STR:
    case F_DATE: {
        const pstr *p = x, *q = y;
        const char *u = p->v ? p->v : "(unset)", *v = q->v ? q->v : "(unset)";
        if (strcmp(u, v) != 0)
            say(w, key, u, p->m, v, q->m);
        break;
    }
    case F_DEC:
    case F_DEC_UNLIM: {
        const pdec *p = x, *q = y;
        if (p->v.raw != q->v.raw || p->unlimited != q->unlimited) {
            dec_text(p, ta);
            dec_text(q, tb);
            say(w, key, ta, p->m, tb, q->m);
        }
        break;
    }
    case F_INT: {
        const pint *p = x, *q = y;
        if (p->v != q->v) {
            snprintf(ta, sizeof ta, "%lld", (long long)p->v);
            snprintf(tb, sizeof tb, "%lld", (long long)q->v);
            say(w, key, ta, p->m, tb, q->m);
        }
        break;
    }
    case F_BOOL: {
        const pbool *p = x, *q = y;
        if (p->v != q->v)
            say(w, key, p->v ? "true" : "false", p->m, q->v ? "true" : "false", q->m);
        break;
    }
    case F_ENUM: {
        const penum *p = x, *q = y;
        if (p->v != q->v)
            say(w, key, f->enum_vals[p->v], p->m, f->enum_vals[q->v], q->m);
        break;
    }
    case F_MAP:
        diff_map(w, f->sub, x, y, key);
        break;
    case F_LIST_MAP:
    case F_DICT_MAP: {
        const plist *p = x, *q = y;
        size_t n = p->n > q->n ? p->n : q->n;
        for (size_t i = 0; i < n; i++) {
            char ik[300];
            snprintf(ik, sizeof ik, "%s[%zu]", key, i);
            if (i < p->n && i < q->n)
                diff_map(w, f->sub, (const char *)p->items + i * f->sub->size,
                         (const char *)q->items + i * f->sub->size, ik);
            else
                say(w, ik, i < p->n ? "(an item)" : "(none)", p->m,
                    i < q->n ? "(an item)" : "(none)", q->m);
        }
        break;
    }
    case F_LIST_ENUM:
    case F_LIST_DEC:
    case F_LIST_STR:
    case F_DICT_DEC: {
        const plist *p = x, *q = y;
        if (!same_list(f, p, q)) {
            char *u = list_text(f, p), *v = list_text(f, q);
            say(w, key, u ? u : "?", p->m, v ? v : "?", q->m);
            free(u);
            free(v);
        }
        break;
    }
    default:
        break;
    }
}

static void diff_map(walk *w, const schema *s, const char *a, const char *b, const char *path)
{
    for (size_t i = 0; i < s->nfields; i++)
        diff_field(w, &s->fields[i], a, b, path);
}

size_t schema_diff(const schema *s, const void *a, const void *b, const char *path,
                   schema_diff_fn fn, void *ud)
{
    walk w = {fn, ud, 0};
    diff_map(&w, s, a, b, path ? path : "");
    return w.n;
}
