/*
 * schema.c — the table-driven walker behind every YAML loader.
 *
 * Owns: turning a ynode map into a struct through a schema table, with
 * one precise message per problem, and the JSON Schema view of the same
 * tables. Leaves cross-field rules (a fee above the first maintenance
 * rate, a stage order that cannot absorb a deficit) to the loaders.
 */
#include "mem.h"
#include "schema.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATHMAX 256

static const char *const prov_keys[] = {"source", "assumed"};

static bool err(liq_diags *d, const char *file, const ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Out of memory while loading node n. */
static bool nomem(liq_diags *d, const char *file, const ynode *n)
{
    return mem_error(d, n && n->file ? n->file : file, n ? n->line : 0, n ? n->col : 0);
}

static bool err(liq_diags *d, const char *file, const ynode *n, const char *fmt, ...)
{
    char buf[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* With extends: a node knows its own file: point at the file that set it. */
    liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, n && n->file ? n->file : file, n ? n->line : 0,
                  n ? n->col : 0, "%s", buf);
    return false;
}

static liq_mark mark_of(const char *file, const ynode *n)
{
    liq_mark m = {n && n->file ? n->file : file, n ? n->line : 0, n ? n->col : 0};
    return m;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t prev[41], cur[41];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof prev);
    }
    return prev[lb];
}

const char *schema_suggest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bestd = 3;
    for (size_t i = 0; i < n; i++) {
        size_t dist = edit_distance(word, cands[i]);
        size_t lw = strlen(word);
        if (dist >= 3 && lw >= 3 && strncmp(cands[i], word, lw) == 0)
            dist = 2;
        if (dist < bestd) {
            bestd = dist;
            best = cands[i];
        }
    }
    return best;
}

static void join_list(char *buf, size_t cap, const char *const *items, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", items[i]);
}

static size_t enum_count(const char *const *vals)
{
    size_t n = 0;
    while (vals[n])
        n++;
    return n;
}

static bool want_scalar(const ynode *n, const char *file, const char *path, liq_diags *d,
                        const char *what)
{
    if (n->kind == YN_SCALAR)
        return true;
    return err(d, file, n, "%s: expected %s, got %s", path, what, ynode_kind_name(n->kind));
}

/* The bounds of a field in words: "between 0 and 1", ">= 1", "<= 1".
 * The tables write "positive" as a lower bound of one unit in the last
 * place (0.000000000001); say "> 0" rather than print that bound. */
void schema_range_words(const field *f, char *buf, size_t cap)
{
    liq_dec lo = LIQ_DEC_ZERO;
    bool positive = f->lo && liq_dec_from_str(f->lo, &lo) == LIQ_OK && lo.raw == 1;
    if (positive && f->hi)
        snprintf(buf, cap, "> 0 and <= %s", f->hi);
    else if (positive)
        snprintf(buf, cap, "> 0");
    else if (f->lo && f->hi)
        snprintf(buf, cap, "between %s and %s", f->lo, f->hi);
    else if (f->lo)
        snprintf(buf, cap, ">= %s", f->lo);
    else
        snprintf(buf, cap, "<= %s", f->hi ? f->hi : "?");
}

/* A bound of a key's table as a decimal, parsed once per thread and
 * text: every number loaded is checked against its bounds, and a batch
 * loads millions. An entry keeps its text, so it answers only for the
 * very same text at the same place. */
static bool bound(const char *text, liq_dec *out)
{
    enum { N = 16 };
    static _Thread_local struct {
        const char *p;
        char t[48];
        liq_dec v;
        bool ok;
    } cache[N];
    size_t h = ((uintptr_t)text >> 3) % N;
    if (cache[h].p == text && strcmp(cache[h].t, text) == 0) {
        *out = cache[h].v;
        return cache[h].ok;
    }
    bool ok = liq_dec_from_str(text, out) == LIQ_OK;
    if (strlen(text) < sizeof cache[h].t) {
        cache[h].p = text;
        strcpy(cache[h].t, text);
        cache[h].v = *out;
        cache[h].ok = ok;
    }
    return ok;
}

bool schema_rule_init(schema_rule *r, const field *f)
{
    __extension__ typedef unsigned __int128 u128;
    liq_i128 min = (liq_i128)((u128)1 << 127), max = (liq_i128)~((u128)1 << 127);
    *r = (schema_rule){.f = f, .lo = {min}, .hi = {max}};
    liq_dec b;
    bool lo_ok = f->lo && bound(f->lo, &b), hi_ok;
    if (lo_ok)
        r->lo = b;
    if ((hi_ok = f->hi && bound(f->hi, &b)))
        r->hi = b;
    return (!f->lo || lo_ok) && (!f->hi || hi_ok);
}

/* A decimal of the field's rule: parsed, then within its bounds. */
static liq_status dec_value(const schema_rule *r, const char *text, size_t len, liq_dec *v)
{
    liq_status st = liq_dec_parse(text, len, v);
    if (st != LIQ_OK)
        return st;
    return schema_rule_within(r, *v) ? LIQ_OK : LIQ_EINPUT;
}

static bool is_unlimited(const field *f, const char *text, size_t len)
{
    return f->type == F_DEC_UNLIM && len == 9 && memcmp(text, "unlimited", 9) == 0;
}

bool schema_rule_dec_other(const schema_rule *r, const char *text, size_t len, liq_mark m,
                           pdec *out)
{
    liq_dec v;
    if (is_unlimited(r->f, text, len)) {
        out->unlimited = true;
    } else if (dec_value(r, text, len, &v) == LIQ_OK) {
        out->v = v;
        out->unlimited = false;
    } else {
        return false;
    }
    out->m = m;
    out->set = true;
    return true;
}

static bool load_dec(const field *f, const ynode *n, pdec *out, const char *file,
                     const char *path, liq_diags *d)
{
    bool unlim = f->type == F_DEC_UNLIM;
    if (!want_scalar(n, file, path, d, unlim ? "a decimal or 'unlimited'" : "a decimal"))
        return false;
    schema_rule r;
    (void)schema_rule_init(&r, f);
    if (schema_rule_dec(&r, n->text, strlen(n->text), mark_of(file, n), out))
        return true;
    /* Refused: the same steps again, for the message. */
    out->m = mark_of(file, n);
    liq_dec v;
    liq_status st = dec_value(&r, n->text, strlen(n->text), &v);
    if (st == LIQ_EPRECISION)
        return err(d, file, n, "%s: \"%s\" has more than %d decimal places", path, n->text,
                   LIQ_DEC_SCALE);
    if (st == LIQ_EOVERFLOW)
        return err(d, file, n, "%s: \"%s\" is too large", path, n->text);
    if (st != LIQ_EINPUT) {
        const char *hint = strchr(n->text, '%') ? " (write rates as fractions: 0.5% is 0.005)" : "";
        return err(d, file, n, "%s: expected a decimal%s, got \"%s\"%s", path,
                   unlim ? " or 'unlimited'" : "", n->text, hint);
    }
    char words[120];
    schema_range_words(f, words, sizeof words);
    return err(d, file, n, "%s: expected a decimal %s, got \"%s\"", path, words, n->text);
}

int schema_enum_find(const field *f, const char *text, size_t len)
{
    /* Byte by byte in line, where strncmp is a call: a batch matches an
     * enum (a side: "long", "short") per line. */
    for (size_t i = 0; f->enum_vals[i]; i++) {
        const char *v = f->enum_vals[i];
        size_t j = 0;
        while (j < len && v[j] && v[j] == text[j])
            j++;
        if (j == len && v[j] == 0)
            return (int)i;
    }
    return -1;
}

static bool load_enum(const field *f, const ynode *n, int *out, const char *file,
                      const char *path, liq_diags *d)
{
    size_t cnt = enum_count(f->enum_vals);
    int k = n->kind == YN_SCALAR ? schema_enum_find(f, n->text, strlen(n->text)) : -1;
    if (k >= 0) {
        *out = k;
        return true;
    }
    /* The values in words only for the message (a batch loads millions). */
    char all[400];
    join_list(all, sizeof all, f->enum_vals, cnt);
    if (n->kind != YN_SCALAR)
        return err(d, file, n, "%s: expected one of %s, got %s", path, all,
                   ynode_kind_name(n->kind));
    const char *s = schema_suggest(n->text, f->enum_vals, cnt);
    if (s)
        return err(d, file, n, "%s: unknown value \"%s\"; did you mean '%s'? (expected one of %s)",
                   path, n->text, s, all);
    return err(d, file, n, "%s: unknown value \"%s\"; expected one of %s", path, n->text, all);
}

static bool is_date(const char *s)
{
    if (strlen(s) != 10)
        return false;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return false;
        } else if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    int mo = (s[5] - '0') * 10 + (s[6] - '0'), dd = (s[8] - '0') * 10 + (s[9] - '0');
    return mo >= 1 && mo <= 12 && dd >= 1 && dd <= 31;
}

static bool load_prov_ids(pprov *p, const ynode *n, const char *file, const char *path,
                          liq_diags *d)
{
    p->ids_m = mark_of(file, n);
    const ynode *const *list = (const ynode *const *)&n;
    size_t cnt = 1;
    if (n->kind == YN_SEQ) {
        list = (const ynode *const *)n->items;
        cnt = n->n;
    } else if (n->kind != YN_SCALAR) {
        return err(d, file, n, "%s.source: expected a source id or a list of ids", path);
    }
    p->ids = mem_calloc(cnt ? cnt : 1, sizeof *p->ids);
    if (!p->ids)
        return nomem(d, file, n);
    for (size_t i = 0; i < cnt; i++) {
        if (list[i]->kind != YN_SCALAR)
            return err(d, file, list[i], "%s.source: expected a source id, got %s", path,
                       ynode_kind_name(list[i]->kind));
        if (!(p->ids[p->nids] = mem_strdup(list[i]->text)))
            return nomem(d, file, list[i]);
        p->nids++;
    }
    return true;
}

static bool load_field(const field *f, const ynode *n, char *base, const char *file,
                       const char *path, liq_diags *d);

static bool load_map(const schema *s, const ynode *n, void *out, const char *file,
                     const char *path, liq_diags *d, bool absent);

bool schema_load(const schema *s, const ynode *n, void *out, const char *file,
                 const char *path, liq_diags *d)
{
    return load_map(s, n, out, file, path, d, false);
}

/* absent: the section is not in the file; fill defaults only (its
 * required keys are required only when the section is written). */
static bool load_map(const schema *s, const ynode *n, void *out, const char *file,
                     const char *path, liq_diags *d, bool absent)
{
    char *base = out;
    const char *shown = path && *path ? path : "(top level)";
    if (!n || n->kind != YN_MAP)
        return err(d, file, n, "%s: expected a mapping of keys, got %s", shown,
                   n ? ynode_kind_name(n->kind) : "nothing");
    bool ok = true;
    if (s->has_prov) {
        pprov *p = (pprov *)base;
        p->m = mark_of(file, n);
        p->present = true;
    }
    /* Unknown keys first: a misspelt key usually explains a "missing" one. */
    for (size_t i = 0; i < n->n; i++) {
        const char *k = n->keys[i]->text;
        bool known = false;
        for (size_t j = 0; j < s->nfields && !known; j++)
            known = strcmp(s->fields[j].key, k) == 0;
        if (!known && s->has_prov && (strcmp(k, "source") == 0 || strcmp(k, "assumed") == 0)) {
            pprov *p = (pprov *)base;
            const ynode *v = n->items[i];
            if (k[0] == 's') {
                ok &= load_prov_ids(p, v, file, shown, d);
            } else if (want_scalar(v, file, shown, d, "a reason (text)")) {
                p->assumed = mem_strdup(v->text);
                p->assumed_m = mark_of(file, v);
                if (!p->assumed)
                    ok = nomem(d, file, v);
            } else {
                ok = false;
            }
            continue;
        }
        if (known)
            continue;
        const char *cands[64];
        size_t nc = 0;
        for (size_t j = 0; j < s->nfields && nc < 62; j++)
            cands[nc++] = s->fields[j].key;
        if (s->has_prov) {
            cands[nc++] = prov_keys[0];
            cands[nc++] = prov_keys[1];
        }
        char all[600];
        join_list(all, sizeof all, cands, nc);
        const char *sug = schema_suggest(k, cands, nc);
        if (sug)
            err(d, file, n->keys[i], "%s: unknown key '%s'; did you mean '%s'?", shown, k, sug);
        else
            err(d, file, n->keys[i], "%s: unknown key '%s'; expected one of: %s", shown, k, all);
        ok = false;
    }
    for (size_t j = 0; j < s->nfields; j++) {
        const field *f = &s->fields[j];
        char sub[PATHMAX];
        if (path && *path)
            snprintf(sub, sizeof sub, "%s.%s", path, f->key);
        else
            snprintf(sub, sizeof sub, "%s", f->key);
        const ynode *v = ynode_get(n, f->key);
        if (v) {
            ok &= load_field(f, v, base, file, sub, d);
            continue;
        }
        if (f->required && !absent) {
            err(d, file, n, "%s: missing required key '%s'", shown, f->key);
            ok = false;
            continue;
        }
        /* Defaults: parsed from the table's YAML text; the mark points at
         * the enclosing section so a trace still names a line. */
        if (f->def) {
            ynode dn = {.kind = YN_SCALAR, .line = n->line, .col = n->col, .file = n->file,
                        .text = (char *)f->def};
            ok &= load_field(f, &dn, base, file, sub, d);
            /* A default is not something the file set. */
            switch (f->type) {
            case F_DEC: case F_DEC_UNLIM: ((pdec *)(base + f->off))->set = false; break;
            case F_INT: ((pint *)(base + f->off))->set = false; break;
            case F_BOOL: ((pbool *)(base + f->off))->set = false; break;
            case F_ENUM: ((penum *)(base + f->off))->set = false; break;
            case F_STR: case F_DATE: ((pstr *)(base + f->off))->set = false; break;
            default: break;
            }
        } else if (f->type == F_MAP) {
            /* An absent optional section still gets its own defaults. */
            ynode empty = {.kind = YN_MAP, .line = n->line, .col = n->col, .file = n->file};
            ok &= load_map(f->sub, &empty, base + f->off, file, sub, d, true);
            if (f->sub->has_prov)
                ((pprov *)(base + f->off))->present = false;
        }
    }
    return ok;
}

/* "path[i]" (snprintf's text, without its cost: a list of marks has one
 * per item, in every load of a batch line). */
static void index_path(char *out, size_t cap, const char *path, size_t i)
{
    char digits[24];
    size_t nd = 0, left = i;
    do
        digits[nd++] = (char)('0' + left % 10);
    while ((left /= 10) && nd < sizeof digits);
    size_t pl = strlen(path);
    if (pl + nd + 3 > cap) {
        snprintf(out, cap, "%s[%zu]", path, i);
        return;
    }
    memcpy(out, path, pl);
    out[pl++] = '[';
    while (nd)
        out[pl++] = digits[--nd];
    out[pl++] = ']';
    out[pl] = 0;
}

static bool load_list(const field *f, const ynode *v, plist *pl, const char *file,
                      const char *path, liq_diags *d)
{
    bool dict = f->type == F_DICT_MAP || f->type == F_DICT_LIST_DEC || f->type == F_DICT_DEC;
    pl->m = mark_of(file, v);
    pl->set = true;
    if (dict ? v->kind != YN_MAP : v->kind != YN_SEQ)
        return err(d, file, v, "%s: expected %s, got %s", path,
                   dict ? "a mapping of id: {...}" : "a list", ynode_kind_name(v->kind));
    size_t isz = 0;
    switch (f->type) {
    case F_LIST_MAP: case F_DICT_MAP: isz = f->sub->size; break;
    case F_LIST_ENUM: isz = sizeof(penum); break;
    case F_LIST_DEC: isz = sizeof(pdec); break;
    case F_LIST_STR: isz = sizeof(pstr); break;
    case F_DICT_LIST_DEC: isz = sizeof(pdeclist); break;
    case F_DICT_DEC: isz = sizeof(pdecentry); break;
    default: break;
    }
    pl->items = mem_calloc(v->n ? v->n : 1, isz);
    if (!pl->items)
        return nomem(d, file, v);
    bool ok = true;
    for (size_t i = 0; i < v->n; i++) {
        char sub[PATHMAX];
        if (dict)
            snprintf(sub, sizeof sub, "%s.%s", path, v->keys[i]->text);
        else
            index_path(sub, sizeof sub, path, i);
        char *item = (char *)pl->items + i * isz;
        const ynode *e = v->items[i];
        pl->n = i + 1;
        switch (f->type) {
        case F_LIST_MAP:
            ok &= schema_load(f->sub, e, item, file, sub, d);
            break;
        case F_DICT_MAP: {
            /* The id is the key; the item struct starts (after its pprov,
             * if any) with a pstr holding it. */
            pstr *id = (pstr *)(item + (f->sub->has_prov ? sizeof(pprov) : 0));
            if (!(id->v = mem_strdup(v->keys[i]->text))) {
                ok = nomem(d, file, v->keys[i]);
                break;
            }
            id->m = mark_of(file, v->keys[i]);
            id->set = true;
            ok &= schema_load(f->sub, e, item, file, sub, d);
            break;
        }
        case F_DICT_LIST_DEC: {
            pdeclist *dl = (pdeclist *)item;
            if (!(dl->id.v = mem_strdup(v->keys[i]->text))) {
                ok = nomem(d, file, v->keys[i]);
                break;
            }
            dl->id.m = mark_of(file, v->keys[i]);
            dl->id.set = true;
            field lf = *f;
            lf.type = F_LIST_DEC;
            ok &= load_list(&lf, e, &dl->list, file, sub, d);
            break;
        }
        case F_DICT_DEC: {
            pdecentry *de = (pdecentry *)item;
            if (!(de->id.v = mem_strdup(v->keys[i]->text))) {
                ok = nomem(d, file, v->keys[i]);
                break;
            }
            de->id.m = mark_of(file, v->keys[i]);
            de->id.set = true;
            field df = *f;
            df.type = F_DEC;
            ok &= load_dec(&df, e, &de->v, file, sub, d);
            break;
        }
        case F_LIST_ENUM: {
            penum *pe = (penum *)item;
            pe->m = mark_of(file, e);
            pe->set = load_enum(f, e, &pe->v, file, sub, d);
            ok &= pe->set;
            break;
        }
        case F_LIST_DEC: {
            field df = *f;
            df.type = F_DEC;
            ok &= load_dec(&df, e, (pdec *)item, file, sub, d);
            break;
        }
        case F_LIST_STR: {
            pstr *ps = (pstr *)item;
            if (!want_scalar(e, file, sub, d, "text")) {
                ok = false;
                break;
            }
            if (!(ps->v = mem_strdup(e->text))) {
                ok = nomem(d, file, e);
                break;
            }
            ps->m = mark_of(file, e);
            ps->set = true;
            break;
        }
        default:
            break;
        }
    }
    return ok;
}

bool schema_bool_find(const char *text, size_t len, bool *out)
{
    if (len == 4 && memcmp(text, "true", 4) == 0)
        *out = true;
    else if (len == 5 && memcmp(text, "false", 5) == 0)
        *out = false;
    else
        return false;
    return true;
}

static bool load_field(const field *f, const ynode *v, char *base, const char *file,
                       const char *path, liq_diags *d)
{
    void *slot = base + f->off;
    switch (f->type) {
    case F_STR:
    case F_DATE: {
        pstr *p = slot;
        if (!want_scalar(v, file, path, d, f->type == F_DATE ? "a date YYYY-MM-DD" : "text"))
            return false;
        if (f->type == F_DATE && !is_date(v->text) && strcmp(v->text, "unknown") != 0)
            return err(d, file, v, "%s: expected a date YYYY-MM-DD (or 'unknown'), got \"%s\"",
                       path, v->text);
        free(p->v);
        if (!(p->v = mem_strdup(v->text)))
            return nomem(d, file, v);
        p->m = mark_of(file, v);
        p->set = true;
        return true;
    }
    case F_DEC:
    case F_DEC_UNLIM:
        return load_dec(f, v, slot, file, path, d);
    case F_INT: {
        pint *p = slot;
        if (!want_scalar(v, file, path, d, "a whole number"))
            return false;
        char *end = NULL;
        errno = 0;
        long long x = strtoll(v->text, &end, 10);
        if (!*v->text || *end)
            return err(d, file, v, "%s: expected a whole number, got \"%s\"", path, v->text);
        /* strtoll saturates: without this, 99999999999999999999 would
         * load as 9223372036854775807 where no upper bound is set. */
        if (errno == ERANGE)
            return err(d, file, v, "%s: \"%s\" is too large", path, v->text);
        liq_dec lo, hi;
        liq_dec xd = liq_dec_from_int(x);
        if ((f->lo && liq_dec_from_str(f->lo, &lo) == LIQ_OK && liq_dec_cmp(xd, lo) < 0) ||
            (f->hi && liq_dec_from_str(f->hi, &hi) == LIQ_OK && liq_dec_cmp(xd, hi) > 0)) {
            /* A range of one value is a version number: name the value. */
            if (f->lo && f->hi && strcmp(f->lo, f->hi) == 0)
                return err(d, file, v, "%s: expected %s, got \"%s\"", path, f->lo, v->text);
            char words[120];
            schema_range_words(f, words, sizeof words);
            return err(d, file, v, "%s: expected a whole number %s, got \"%s\"", path, words,
                       v->text);
        }
        p->v = x;
        p->m = mark_of(file, v);
        p->set = true;
        return true;
    }
    case F_BOOL: {
        pbool *p = slot;
        if (!want_scalar(v, file, path, d, "true or false"))
            return false;
        if (!schema_bool_find(v->text, strlen(v->text), &p->v))
            return err(d, file, v, "%s: expected true or false, got \"%s\"", path, v->text);
        p->m = mark_of(file, v);
        p->set = true;
        return true;
    }
    case F_ENUM: {
        penum *p = slot;
        if (!load_enum(f, v, &p->v, file, path, d))
            return false;
        p->m = mark_of(file, v);
        p->set = true;
        return true;
    }
    case F_MAP:
        return schema_load(f->sub, v, slot, file, path, d);
    case F_OVERRIDE:
        if (v->kind != YN_MAP)
            return err(d, file, v, "%s: expected a mapping of keys, got %s", path,
                       ynode_kind_name(v->kind));
        return true;
    case F_LIST_MAP:
    case F_DICT_MAP:
    case F_DICT_LIST_DEC:
    case F_DICT_DEC:
    case F_LIST_ENUM:
    case F_LIST_DEC:
    case F_LIST_STR:
        return load_list(f, v, slot, file, path, d);
    }
    return false;
}

void schema_free(const schema *s, void *obj)
{
    char *base = obj;
    if (!obj)
        return;
    if (s->has_prov) {
        pprov *p = (pprov *)base;
        for (size_t i = 0; i < p->nids; i++)
            free(p->ids[i]);
        free(p->ids);
        free(p->assumed);
        p->ids = NULL;
        p->assumed = NULL;
        p->nids = 0;
    }
    for (size_t j = 0; j < s->nfields; j++) {
        const field *f = &s->fields[j];
        void *slot = base + f->off;
        switch (f->type) {
        case F_STR:
        case F_DATE:
            free(((pstr *)slot)->v);
            ((pstr *)slot)->v = NULL;
            break;
        case F_MAP:
            schema_free(f->sub, slot);
            break;
        case F_LIST_MAP:
        case F_DICT_MAP: {
            plist *pl = slot;
            for (size_t i = 0; i < pl->n; i++) {
                char *item = (char *)pl->items + i * f->sub->size;
                if (f->type == F_DICT_MAP)
                    free(((pstr *)(item + (f->sub->has_prov ? sizeof(pprov) : 0)))->v);
                schema_free(f->sub, item);
            }
            free(pl->items);
            pl->items = NULL;
            pl->n = 0;
            break;
        }
        case F_LIST_STR: {
            plist *pl = slot;
            for (size_t i = 0; i < pl->n; i++)
                free(((pstr *)pl->items)[i].v);
            free(pl->items);
            pl->items = NULL;
            pl->n = 0;
            break;
        }
        case F_DICT_DEC: {
            plist *pl = slot;
            for (size_t i = 0; i < pl->n; i++)
                free(((pdecentry *)pl->items)[i].id.v);
            free(pl->items);
            pl->items = NULL;
            pl->n = 0;
            break;
        }
        case F_DICT_LIST_DEC: {
            plist *pl = slot;
            for (size_t i = 0; i < pl->n; i++) {
                pdeclist *dl = &((pdeclist *)pl->items)[i];
                free(dl->id.v);
                free(dl->list.items);
            }
            free(pl->items);
            pl->items = NULL;
            pl->n = 0;
            break;
        }
        case F_LIST_ENUM:
        case F_LIST_DEC:
            free(((plist *)slot)->items);
            ((plist *)slot)->items = NULL;
            ((plist *)slot)->n = 0;
            break;
        default:
            break;
        }
    }
}

/* ---- JSON Schema ------------------------------------------------------ */

/*
 * The tables as a JSON Schema (draft 2020-12) for editors, in standard
 * keywords only, so any validator applies them:
 *   - A decimal may be a YAML number or a string. Its bounds are
 *     minimum/maximum (exclusiveMinimum 0 for "positive") on the number,
 *     and a pattern on the string that admits only the same range; a
 *     bounded-above string takes no exponent (the pattern stays exact).
 *   - A whole number is an integer within its bounds and int64.
 *   - A policy that extends another leaves out what its base sets, and
 *     maps merge key by key: so the sections' required keys are stated
 *     once, in an "else" branch taken when `extends` is absent (a
 *     "skeleton" of required lists only), not inline. List items and
 *     map entries are whole even in a child (lists replace), so theirs
 *     stay inline; a market's overrides are partial by nature.
 * What the tables cannot say (cross-key rules in policy_load.c, YAML-level
 * rules, the decimal type's own limits) the loader alone checks;
 * python/tests/test_schema.py lists each such case with its reason.
 */

static json_t *enum_json(const char *const *vals)
{
    json_t *a = json_array();
    for (size_t i = 0; vals[i]; i++)
        json_array_append_new(a, json_string(vals[i]));
    return a;
}

/* A bound the tables write as text, as a JSON number: integers only (a
 * fractional bound would need binary floating point, which could state a
 * different number); NULL when it is not one. */
static json_t *int_bound(const char *text)
{
    liq_dec v;
    if (!text || liq_dec_from_str(text, &v) != LIQ_OK)
        return NULL;
    liq_i128 unit = 1;
    for (int i = 0; i < LIQ_DEC_SCALE; i++)
        unit *= 10;
    if (v.raw % unit != 0 || v.raw / unit > INT64_MAX || v.raw / unit < INT64_MIN)
        return NULL;
    return json_integer((json_int_t)(v.raw / unit));
}

/* "positive": the tables write it as one unit in the last place. */
static bool is_positive_bound(const char *lo)
{
    liq_dec v;
    return lo && liq_dec_from_str(lo, &v) == LIQ_OK && v.raw == 1;
}

/* 10^k for hi = "1", "10", "100", ...; -1 otherwise. */
static int power_of_ten(const char *hi)
{
    if (!hi || hi[0] != '1')
        return -1;
    int k = 0;
    for (const char *c = hi + 1; *c; c++, k++)
        if (*c != '0')
            return -1;
    return k;
}

/* The pattern of a decimal string within [lo, hi], or NULL when the
 * bounds are not ones it can state exactly (then the loader alone checks
 * the string's range; the number's is still in minimum/maximum). */
static char *dec_pattern(const char *lo, const char *hi, char *buf, size_t cap)
{
    static const char mant[] = "([0-9]+\\.?[0-9]*|\\.[0-9]+)", exp[] = "([eE][+-]?[0-9]+)?";
    const char *low;
    if (!lo)
        low = "";
    else if (strcmp(lo, "0") == 0)
        low = "(?!-)";                              /* no minus sign */
    else if (is_positive_bound(lo))
        low = "(?!-)(?![+]?0*\\.?0*([eE][+-]?[0-9]+)?$)";   /* and not zero */
    else if (strcmp(lo, "1") == 0)
        low = "(?!-)(?![+]?0*(\\.[0-9]*)?([eE]|$))";   /* integer part at least 1 */
    else
        return NULL;
    if (!hi) {
        /* With a lower bound of 1, an exponent may only grow the value. */
        snprintf(buf, cap, "^%s[+-]?%s%s$", low, mant,
                 lo && strcmp(lo, "1") == 0 ? "([eE][+]?[0-9]+)?" : exp);
        return buf;
    }
    int k = power_of_ten(hi);
    if (k < 0 || !lo)
        return NULL;
    /* Below 10^k: at most k integer digits after leading zeros (none for
     * k = 0), any fraction; or 10^k itself with a zero fraction. */
    char below[64], zeros[16];
    if (k == 0)
        snprintf(below, sizeof below, "0+(\\.[0-9]*)?|0*\\.[0-9]+");
    else
        snprintf(below, sizeof below, "0*[0-9]{1,%d}(\\.[0-9]*)?|0*\\.[0-9]+", k);
    memset(zeros, '0', (size_t)k);
    zeros[k] = 0;
    snprintf(buf, cap, "^%s[+]?(%s|0*1%s(\\.0*)?)$", low, below, zeros);
    return buf;
}

static json_t *dec_json(const field *f)
{
    json_t *num = json_pack("{ss}", "type", "number");
    json_t *lo = is_positive_bound(f->lo) ? NULL : int_bound(f->lo), *hi = int_bound(f->hi);
    if (is_positive_bound(f->lo))
        json_object_set_new(num, "exclusiveMinimum", json_integer(0));
    else if (lo)
        json_object_set_new(num, "minimum", lo);
    if (hi)
        json_object_set_new(num, "maximum", hi);
    char pat[400];
    const char *p = dec_pattern(f->lo, f->hi, pat, sizeof pat);
    if (!p)
        p = dec_pattern(NULL, NULL, pat, sizeof pat);
    json_t *str = json_pack("{ss ss}", "type", "string", "pattern", p);
    return json_pack("{s:[o,o]}", "anyOf", num, str);
}

static json_t *int_json(const field *f)
{
    json_t *o = json_pack("{ss}", "type", "integer");
    json_t *lo = int_bound(f->lo), *hi = int_bound(f->hi);
    json_object_set_new(o, "minimum", lo ? lo : json_integer(INT64_MIN));
    json_object_set_new(o, "maximum", hi ? hi : json_integer(INT64_MAX));
    return o;
}

/* How a section's required keys are written: inline (a whole object: a
 * list item, a map entry, a file that extends nothing), or not at all
 * (a section that may be partial: merged over a base or over the
 * venue-wide one; the skeleton below states them where they apply). */
enum { REQ_INLINE, REQ_ELSEWHERE };

static json_t *object_json(const schema *s, int req);

static json_t *field_json(const field *f, int req)
{
    json_t *o = NULL;
    switch (f->type) {
    case F_STR: o = json_pack("{ss}", "type", "string"); break;
    case F_DATE:
        /* As the loader's is_date: month 01-12, day 01-31. */
        o = json_pack("{ss ss}", "type", "string", "pattern",
                      "^([0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])|unknown)$");
        break;
    case F_DEC: o = dec_json(f); break;
    case F_DEC_UNLIM:
        o = json_pack("{s:[o, {s:[s]}]}", "anyOf", dec_json(f), "enum", "unlimited");
        break;
    case F_INT: o = int_json(f); break;
    case F_BOOL: o = json_pack("{ss}", "type", "boolean"); break;
    case F_ENUM: o = json_pack("{so}", "enum", enum_json(f->enum_vals)); break;
    case F_MAP: o = object_json(f->sub, req); break;
    case F_OVERRIDE:
        /* Any subset of the section's keys: what is left out is the
         * venue-wide value. */
        o = object_json(f->sub, REQ_ELSEWHERE);
        break;
    case F_LIST_MAP:
        o = json_pack("{ss so}", "type", "array", "items", object_json(f->sub, REQ_INLINE));
        break;
    case F_DICT_MAP:
        o = json_pack("{ss so}", "type", "object", "additionalProperties",
                      object_json(f->sub, REQ_INLINE));
        break;
    case F_LIST_ENUM:
        o = json_pack("{ss s{so}}", "type", "array", "items", "enum", enum_json(f->enum_vals));
        break;
    case F_LIST_DEC: o = json_pack("{ss so}", "type", "array", "items", dec_json(f)); break;
    case F_DICT_LIST_DEC:
        o = json_pack("{ss s{ss so}}", "type", "object", "additionalProperties", "type", "array",
                      "items", dec_json(f));
        break;
    case F_DICT_DEC:
        o = json_pack("{ss so}", "type", "object", "additionalProperties", dec_json(f));
        break;
    case F_LIST_STR: o = json_pack("{ss s{ss}}", "type", "array", "items", "type", "string"); break;
    }
    if (!o)
        return json_object();
    if (f->doc) {
        char buf[600];
        snprintf(buf, sizeof buf, "%s%s%s%s", f->doc, f->unit ? " [" : "", f->unit ? f->unit : "",
                 f->unit ? "]" : "");
        json_object_set_new(o, "description", json_string(buf));
    }
    if (f->def)
        json_object_set_new(o, "default", json_string(f->def));
    return o;
}

static json_t *object_json(const schema *s, int req)
{
    json_t *o = json_object();
    json_t *props = json_object();
    json_t *required = json_array();
    json_object_set_new(o, "type", json_string("object"));
    for (size_t j = 0; j < s->nfields; j++) {
        json_object_set_new(props, s->fields[j].key, field_json(&s->fields[j], req));
        if (s->fields[j].required)
            json_array_append_new(required, json_string(s->fields[j].key));
    }
    if (s->has_prov) {
        json_object_set_new(props, "source",
                            json_pack("{s:[{ss},{ss s{ss}}], ss}", "anyOf", "type", "string",
                                      "type", "array", "items", "type", "string", "description",
                                      "id(s) from the top-level sources: map"));
        json_object_set_new(props, "assumed",
                            json_pack("{ss ss}", "type", "string", "description",
                                      "why a value could not be confirmed and was chosen"));
    }
    json_object_set_new(o, "properties", props);
    if (req == REQ_INLINE && json_array_size(required))
        json_object_set_new(o, "required", required);
    else
        json_decref(required);
    json_object_set_new(o, "additionalProperties", json_false());
    return o;
}

bool schema_is_date(const char *s)
{
    return is_date(s);
}

/* The required keys of s and of its nested sections (F_MAP only: the
 * partial ones), with nothing else: what a file that extends nothing
 * must hold. NULL when nothing is required. */
static json_t *required_skeleton(const schema *s)
{
    json_t *required = json_array(), *props = json_object();
    for (size_t j = 0; j < s->nfields; j++) {
        const field *f = &s->fields[j];
        if (f->required)
            json_array_append_new(required, json_string(f->key));
        json_t *sub = f->type == F_MAP ? required_skeleton(f->sub) : NULL;
        if (sub)
            json_object_set_new(props, f->key, sub);
    }
    json_t *o = json_object();
    if (json_array_size(required))
        json_object_set_new(o, "required", json_incref(required));
    if (json_object_size(props))
        json_object_set_new(o, "properties", json_incref(props));
    json_decref(required);
    json_decref(props);
    if (json_object_size(o) == 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const field *find_field(const schema *s, const char *key)
{
    for (size_t j = 0; j < s->nfields; j++)
        if (strcmp(s->fields[j].key, key) == 0)
            return &s->fields[j];
    return NULL;
}

const field *schema_find(const schema *s, const char *key, size_t *holder_off)
{
    size_t off = 0;
    while (s) {
        const char *dot = strchr(key, '.');
        size_t len = dot ? (size_t)(dot - key) : strlen(key);
        const field *f = NULL;
        for (size_t i = 0; i < s->nfields && !f; i++)
            if (strlen(s->fields[i].key) == len && strncmp(s->fields[i].key, key, len) == 0)
                f = &s->fields[i];
        if (!f || !dot) {
            if (holder_off)
                *holder_off = off;
            return f;
        }
        if (f->type != F_MAP)
            return NULL;
        off += f->off;
        s = f->sub;
        key = dot + 1;
    }
    return NULL;
}

bool schema_load_value(const field *f, const ynode *v, void *holder, const char *file,
                       const char *path, liq_diags *d)
{
    return load_field(f, v, holder, file, path, d);
}

void *schema_json(const schema *s)
{
    /* A file type without `extends` is always whole. */
    if (!find_field(s, "extends"))
        return object_json(s, REQ_INLINE);
    json_t *o = object_json(s, REQ_ELSEWHERE);
    /* With extends: its own name (policy_load.c) and nothing else is
     * required; without: every required key, at every level. */
    json_object_set_new(o, "if", json_pack("{s:[s]}", "required", "extends"));
    json_object_set_new(o, "then", json_pack("{s:[s]}", "required", "name"));
    json_t *skel = required_skeleton(s);
    if (skel)
        json_object_set_new(o, "else", skel);
    return o;
}
