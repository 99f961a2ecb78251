/*
 * batch.c — a scenario per batch line (batch.h): CSV rows through the
 * one CSV reader (csvread.c), NDJSON objects through jansson, each line's
 * keys set over the base scenario.
 *
 * Owns which keys a line may set and their short names, the mapping of
 * CSV columns and NDJSON members to them, and the two ways a line becomes
 * a scenario: whole, through the scenario loader (scenario_from_node over
 * the base tree with the line's values in it), and quick, a copy of a
 * scenario loaded whole for the same set of keys with those keys' values
 * set by the loader's per-key step. What a value must be, and what keys
 * must go together, stay the loader's (scenario.c, schema.c): this file
 * only decides which of its two paths runs them.
 */
#include "batch.h"
#include "jsonflat.h"
#include "jwrite.h"
#include "mem.h"
#include "scenario.h"
#include "yamltree.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Loaded scenarios a reader keeps, one per set of keys. */
#define BATCH_CACHE 8

typedef struct bkey {
    char *dotted;             /* "position.size" */
    const char *leaf;         /* "size": the short name, when short (below) */
    bool short_ok;
    bool is_name;             /* "name": the line's id */
    const field *f;
    size_t holder_off;        /* from s_root to the struct holding f */
    size_t slot_off;          /* from s_root to f's value */
    int quick;                /* how the quick path sets it (enum quick_kind) */
    schema_rule rule;         /* a decimal's (a mark's), its bounds parsed once */
    field item;               /* the mark path's item: a decimal of its bounds */
} bkey;

/* How a key's value is set the quick way (set_fast); Q_NONE: only
 * through the loader (lists other than the mark path). */
enum quick_kind { Q_NONE, Q_STR, Q_DEC, Q_ENUM, Q_BOOL, Q_MARKS };

struct batch_keys {
    char *input;              /* "<stdin>": marks point at it */
    char *base_path;
    ydoc *base;               /* NULL: no base */
    bkey keys[BATCH_MAX_KEYS];
    size_t n;
    int name_key;
};

/* One value of a line. */
typedef struct bval {
    int key;
    const char *text;         /* a scalar; NULL for a list */
    const char **items;       /* a list's items (mark_path) */
    int *item_cols;
    size_t nitems;
    int line, col;
} bval;

/* A value of a line read the quick way: its text in the line, not
 * copied (a CSV field, a JSON string's bytes); a JSON array's items in
 * the reader's jflat. */
typedef struct qval {
    int key;
    const char *text;
    size_t len;
    int col;
    const jflat_item *items;  /* an array's, or NULL */
    size_t nitems;
} qval;

typedef struct tpl {
    uint64_t mask;
    liq_scenario *s;
    /* Its mark path may be set the quick way (set_marks): one leg, no
     * funding and no price column beside the marks, checked once. */
    bool marks_quick;
} tpl;

struct batch_reader {
    const batch_keys *k;
    tpl cache[BATCH_CACHE];
    size_t next_slot;
    liq_scenario scratch;     /* a shallow copy of a cached scenario, the line's values in it */
    const liq_scenario *scratch_of;  /* the cached scenario set_fast copied last, or NULL */
    const liq_scenario *leg_of;      /* the one fast_end made leg for, or NULL */
    bool whole_only;          /* every line loaded whole (batch_reader_new) */
    s_leg leg;
    /* A mark path set the quick way (at most 64 marks; more are loaded
     * whole): its items, and its marks and their places as a leg reads
     * them. */
    pdec pts[64];
    liq_dec px[64];
    liq_mark pm[64];
    liq_scenario *whole;      /* a line loaded whole that is not cached */
    bval vals[BATCH_MAX_KEYS];
    size_t nvals;
    bool csv_fields_bad;
    /* Text of the line's values: NUL-terminated copies, sized before
     * parsing so that pointers into it stay put. */
    char *arena;
    size_t used, cap;
    const char *item_ptrs[4096];
    int item_cols[4096];
    size_t nitem_ptrs;
    json_t *json;
    csvr_cut cut;             /* a CSV record split in place */
    jflat flat;
    /* The flat reader's keys of the NDJSON object read last, and the
     * batch's keys of those members (member_keys): each member's (-1:
     * none), all of them, whether each is a key a line may set and none
     * is set twice, and the member that is the line's id (-1: none). */
    jflat_keys flat_keys;
    int mkey[JFLAT_MAX_MEMBERS];
    uint64_t mkey_mask;
    bool mkey_ok;
    int mkey_name;
    const char *id;           /* the line's id: its name's text, or idbuf */
    char idbuf[96];           /* "<stdin>:LINE" */
    long line;
};

/* ------------------------------------------------------------------ */
/* The keys                                                             */
/* ------------------------------------------------------------------ */

/* Keys a line may not set: they name other files or hold several
 * positions or paths, which a line of values cannot say. */
static bool settable(const char *dotted, const field *f)
{
    if (strcmp(dotted, "market.path_file") == 0)
        return false;
    switch (f->type) {
    case F_STR: case F_DEC: case F_DEC_UNLIM: case F_BOOL: case F_ENUM: case F_LIST_DEC:
        return true;
    default:
        return false;
    }
}

static bool add_keys(batch_keys *k, const schema *s, const char *prefix, size_t off)
{
    for (size_t i = 0; i < s->nfields; i++) {
        const field *f = &s->fields[i];
        char dotted[128];
        snprintf(dotted, sizeof dotted, "%s%s%s", prefix, *prefix ? "." : "", f->key);
        if (f->type == F_MAP) {
            if (!add_keys(k, f->sub, dotted, off + f->off))
                return false;
            continue;
        }
        if (!settable(dotted, f))
            continue;
        if (k->n == BATCH_MAX_KEYS)
            return false;
        bkey *b = &k->keys[k->n++];
        if (!(b->dotted = mem_strdup(dotted)))
            return false;
        b->leaf = f->key;
        b->f = f;
        b->holder_off = off;
        b->slot_off = off + f->off;
        switch (f->type) {
        case F_STR: b->quick = Q_STR; break;
        case F_DEC: case F_DEC_UNLIM: b->quick = Q_DEC; break;
        case F_ENUM: b->quick = Q_ENUM; break;
        case F_BOOL: b->quick = Q_BOOL; break;
        default: b->quick = strcmp(dotted, "market.mark_path") == 0 ? Q_MARKS : Q_NONE; break;
        }
        /* A mark is an item of the list: a decimal with the list's bounds
         * (as the loader reads a list's items). */
        b->item = *f;
        b->item.type = F_DEC;
        b->item.off = 0;
        if ((b->quick == Q_DEC && !schema_rule_init(&b->rule, f)) ||
            (b->quick == Q_MARKS && !schema_rule_init(&b->rule, &b->item)))
            b->quick = Q_NONE;
    }
    return true;
}

batch_keys *batch_keys_new(const char *input, const char *base_path, liq_diags *d)
{
    batch_keys *k = mem_calloc(1, sizeof *k);
    if (!k || !(k->input = mem_strdup(input)) ||
        (base_path && !(k->base_path = mem_strdup(base_path))) ||
        !add_keys(k, &liq_scenario_schema, "", 0)) {
        batch_keys_free(k);
        mem_error(d, base_path, 0, 0);
        return NULL;
    }
    /* A leaf is a short name when one key has it, or for the key that a
     * batch line means by it (a fill's slippage is the liquidation's, not
     * a stop-loss's: position.stop_loss.slippage is written whole). */
    static const char *const preferred[] = {"market.liquidation_fill.slippage"};
    for (size_t i = 0; i < k->n; i++) {
        size_t same = 0;
        for (size_t j = 0; j < k->n; j++)
            same += strcmp(k->keys[i].leaf, k->keys[j].leaf) == 0;
        k->keys[i].short_ok = same == 1;
        for (size_t p = 0; p < sizeof preferred / sizeof *preferred; p++)
            k->keys[i].short_ok |= strcmp(k->keys[i].dotted, preferred[p]) == 0;
    }
    k->name_key = batch_key_find(k, "name");
    if (k->name_key >= 0)
        k->keys[k->name_key].is_name = true;
    if (base_path) {
        k->base = ydoc_load_as(base_path, FIO_SCENARIO, d);
        const ynode *r = k->base ? k->base->root : NULL;
        const char *shown = fio_display_name(base_path);
        if (k->base && (!r || r->kind != YN_MAP)) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, shown, r ? r->line : 1, r ? r->col : 1,
                          "a base scenario is a mapping of the scenario file's keys");
            batch_keys_free(k);
            return NULL;
        }
        if (r && ynode_get(r, "positions")) {
            const ynode *p = ynode_get(r, "positions");
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, shown, p->line, p->col,
                          "positions: a batch line sets the keys of one position; a base "
                          "scenario for a batch has 'position', not 'positions'");
            batch_keys_free(k);
            return NULL;
        }
        if (!k->base) {
            batch_keys_free(k);
            return NULL;
        }
    }
    return k;
}

void batch_keys_free(batch_keys *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->n; i++)
        free(k->keys[i].dotted);
    if (k->base)
        ydoc_free(k->base);
    free(k->base_path);
    free(k->input);
    free(k);
}

int batch_key_find(const batch_keys *k, const char *name)
{
    if (strcmp(name, "id") == 0)
        name = "name";
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->keys[i].dotted, name) == 0)
            return (int)i;
    for (size_t i = 0; i < k->n; i++)
        if (k->keys[i].short_ok && strcmp(k->keys[i].leaf, name) == 0)
            return (int)i;
    return -1;
}

const char *batch_key_name(const batch_keys *k, int key)
{
    return k->keys[key].dotted;
}

/* "unknown key 'sizee'; did you mean 'size'?" and its kin, for a column
 * or a member that names no key a line may set. */
static bool bad_key(const batch_keys *k, const char *name, int line, int col, liq_diags *d)
{
    const char *cands[2 * BATCH_MAX_KEYS + 1];
    size_t nc = 0;
    for (size_t i = 0; i < k->n; i++) {
        cands[nc++] = k->keys[i].dotted;
        if (k->keys[i].short_ok)
            cands[nc++] = k->keys[i].leaf;
    }
    cands[nc++] = "id";
    char q[200];
    csvr_quote(name, strlen(name), q);
    const field *f = schema_find(&liq_scenario_schema, name, NULL);
    if (f)
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, k->input, line, col,
                      "'%s' cannot be set per line (it names a file, several positions or "
                      "paths, or a section): give it in the --scenario file", q);
    else if (schema_suggest(name, cands, nc))
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, k->input, line, col,
                      "unknown key '%s'; did you mean '%s'? (docs/batch.md lists the keys)", q,
                      schema_suggest(name, cands, nc));
    else
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, k->input, line, col,
                      "unknown key '%s'; a line sets the scenario file's keys, dotted "
                      "(position.size) or short (size): docs/batch.md", q);
    return false;
}

typedef struct header_read {
    const batch_keys *k;
    batch_header *h;
    liq_diags *d;
    bool ok, seen;
} header_read;

static bool header_row(void *ud, const csvr_row *row)
{
    header_read *hr = ud;
    if (hr->seen)
        return true;
    hr->seen = true;
    hr->h->n = row->n;
    for (size_t i = 0; i < row->n; i++) {
        const csvr_field *f = &row->f[i];
        int key = batch_key_find(hr->k, f->text);
        hr->h->key[i] = key;
        if (key < 0) {
            hr->ok = bad_key(hr->k, f->text, f->line, f->col, hr->d);
            continue;
        }
        hr->h->all |= 1ull << key;
        if (key == hr->k->name_key)
            hr->h->id_col = (int)i;
        for (size_t j = 0; j < i; j++)
            if (hr->h->key[j] == key) {
                liq_diags_add(hr->d, LIQ_SEV_ERROR, LIQ_EINPUT, hr->k->input, f->line, f->col,
                              "column %zu sets %s, as column %zu does", i + 1,
                              hr->k->keys[key].dotted, j + 1);
                hr->ok = false;
            }
    }
    return true;
}

bool batch_header_read(const batch_keys *k, const char *text, size_t len, long line,
                       batch_header *h, liq_diags *d)
{
    header_read hr = {k, h, d, true, false};
    *h = (batch_header){.id_col = -1};
    if (!csvr_read_from(k->input, text, len, line, header_row, &hr, d))
        return false;
    if (!hr.seen) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, k->input, (int)line, 1,
                      "a CSV batch starts with a header naming each column's key");
        return false;
    }
    if (!(h->ok = hr.ok))
        return false;
    /* Each column's value: its place and, for a decimal, its rule. */
    for (size_t i = 0; i < h->n; i++) {
        const bkey *bk = &k->keys[h->key[i]];
        batch_col c = {i, bk->slot_off, &bk->rule, bk};
        if (bk->quick == Q_DEC)
            h->dec[h->ndec++] = c;
        else
            h->other[h->nother++] = c;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* A reader                                                             */
/* ------------------------------------------------------------------ */

batch_reader *batch_reader_new(const batch_keys *k, bool whole)
{
    batch_reader *br = mem_calloc(1, sizeof *br);
    if (br) {
        br->k = k;
        br->whole_only = whole;
    }
    return br;
}

static void line_done(batch_reader *br)
{
    liq_scenario_free(br->whole);
    br->whole = NULL;
    json_decref(br->json);
    br->json = NULL;
    br->nvals = 0;
    br->id = NULL;
    br->used = 0;
    br->nitem_ptrs = 0;
    br->csv_fields_bad = false;
}

void batch_reader_free(batch_reader *br)
{
    if (!br)
        return;
    line_done(br);
    for (size_t i = 0; i < BATCH_CACHE; i++)
        liq_scenario_free(br->cache[i].s);
    free(br->arena);
    free(br);
}

const char *batch_read_id(const batch_reader *br)
{
    return br->id ? br->id : "";
}

/* "<stdin>:LINE", written without snprintf's cost (once per line). */
static void default_id(batch_reader *br, long line)
{
    size_t n = strlen(br->k->input);
    if (n > sizeof br->idbuf - 24)
        n = sizeof br->idbuf - 24;
    memcpy(br->idbuf, br->k->input, n);
    br->idbuf[n++] = ':';
    char digits[24];
    size_t nd = 0;
    unsigned long v = line > 0 ? (unsigned long)line : 0;
    do
        digits[nd++] = (char)('0' + v % 10);
    while ((v /= 10) && nd < sizeof digits);
    while (nd)
        br->idbuf[n++] = digits[--nd];
    br->idbuf[n] = 0;
    br->id = br->idbuf;
}

/* A copy of len bytes in the arena (room was made before the line). */
static const char *keep(batch_reader *br, const char *s, size_t len)
{
    char *c = br->arena + br->used;
    memcpy(c, s, len);
    c[len] = 0;
    br->used += len + 1;
    return c;
}

/* The key's value, once per line. */
static bool add_val(batch_reader *br, int key, const char *text, int line, int col,
                    liq_diags *d)
{
    for (size_t i = 0; i < br->nvals; i++)
        if (br->vals[i].key == key) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, br->k->input, line, col,
                          "%s is set twice on this line", br->k->keys[key].dotted);
            return false;
        }
    bval *v = &br->vals[br->nvals++];
    *v = (bval){.key = key, .text = text, .line = line, .col = col};
    return true;
}

/* A list in one CSV field or JSON string: items separated by spaces
 * ("50000 47500 42500"), each a value of its own. */
static bool add_list(batch_reader *br, int key, const char *text, int line, int col,
                     liq_diags *d)
{
    if (!add_val(br, key, NULL, line, col, d))
        return false;
    bval *v = &br->vals[br->nvals - 1];
    v->items = &br->item_ptrs[br->nitem_ptrs];
    v->item_cols = &br->item_cols[br->nitem_ptrs];
    for (const char *p = text; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, " ");
        if (br->nitem_ptrs == sizeof br->item_ptrs / sizeof *br->item_ptrs) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, br->k->input, line, col,
                          "%s: more than %zu marks on one line (docs/limits.md)",
                          br->k->keys[key].dotted, sizeof br->item_ptrs / sizeof *br->item_ptrs);
            return false;
        }
        br->item_cols[br->nitem_ptrs] = col + (int)(p - text);
        br->item_ptrs[br->nitem_ptrs++] = keep(br, p, n);
        v->nitems++;
        p += n;
    }
    return true;
}

static bool is_list(const batch_keys *k, int key)
{
    return k->keys[key].f->type == F_LIST_DEC;
}

typedef struct csv_line {
    batch_reader *br;
    const batch_header *h;
    liq_diags *d;
    bool ok, seen;
} csv_line;

static bool csv_row(void *ud, const csvr_row *row)
{
    csv_line *cl = ud;
    batch_reader *br = cl->br;
    if (cl->seen)
        return true;
    cl->seen = true;
    if (row->n != cl->h->n) {
        liq_diags_add(cl->d, LIQ_SEV_ERROR, LIQ_EINPUT, br->k->input, row->line, 1,
                      "%zu fields, but the header names %zu columns", row->n, cl->h->n);
        cl->ok = false;
        return true;
    }
    for (size_t i = 0; i < row->n && cl->ok; i++) {
        const csvr_field *f = &row->f[i];
        int key = cl->h->key[i];
        /* An empty field leaves the key as the base has it. */
        if (f->len == 0)
            continue;
        if (is_list(br->k, key))
            cl->ok = add_list(br, key, f->text, f->line, f->col, cl->d);
        else
            cl->ok = add_val(br, key, keep(br, f->text, f->len), f->line, f->col, cl->d);
    }
    return true;
}

/* Where the member "key" starts on an NDJSON line (the column messages
 * give: jansson keeps no positions), searched from *from. */
static int member_col(const char *line, size_t len, const char *key, size_t kl, size_t *from)
{
    for (size_t i = *from; i + kl + 2 <= len; i++)
        if (line[i] == '"' && memcmp(line + i + 1, key, kl) == 0 && line[i + 1 + kl] == '"') {
            *from = i + kl + 2;
            return (int)i + 1;
        }
    return 1;
}

/* A JSON value as the loader's text: strings as they are, integers
 * printed, true/false; a real is refused (it was read through a binary
 * float: write the decimal as a string). */
static const char *json_text(batch_reader *br, json_t *v, const char *dotted, int col,
                             liq_diags *d)
{
    char buf[32];
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        int n = snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return keep(br, buf, (size_t)n);
    }
    if (json_is_true(v) || json_is_false(v))
        return json_is_true(v) ? "true" : "false";
    liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, br->k->input, (int)br->line, col,
                  json_is_real(v) ? "%s: a JSON number with a fraction is read through a binary "
                                    "float and is not exact; write the decimal as a string"
                                  : "%s: expected a string, a whole number or true/false",
                  dotted);
    return NULL;
}

/* The members of o (dotted under prefix) as the line's values. */
static bool json_members(batch_reader *br, json_t *o, const char *prefix, const char *text,
                         size_t len, size_t *from, liq_diags *d)
{
    const char *name;
    json_t *v;
    json_object_foreach(o, name, v) {
        /* prefix.name, or the name alone at the top level. */
        char buf[160];
        const char *dotted = name;
        if (*prefix) {
            size_t pl = strlen(prefix), nl = strlen(name);
            if (pl + nl + 2 > sizeof buf)
                return bad_key(br->k, name, (int)br->line, 1, d);
            memcpy(buf, prefix, pl);
            buf[pl] = '.';
            memcpy(buf + pl + 1, name, nl + 1);
            dotted = buf;
        }
        int col = member_col(text, len, name, strlen(name), from);
        if (json_is_object(v)) {
            if (!json_members(br, v, dotted, text, len, from, d))
                return false;
            continue;
        }
        int key = batch_key_find(br->k, *prefix ? dotted : name);
        if (key < 0 || (*prefix && strcmp(br->k->keys[key].dotted, dotted) != 0))
            return bad_key(br->k, dotted, (int)br->line, col, d);
        /* null leaves the key as the base has it. */
        if (json_is_null(v))
            continue;
        if (is_list(br->k, key)) {
            if (!json_is_array(v)) {
                const char *t = json_text(br, v, dotted, col, d);
                if (!t || !add_list(br, key, t, (int)br->line, col, d))
                    return false;
                continue;
            }
            if (!add_val(br, key, NULL, (int)br->line, col, d))
                return false;
            bval *bv = &br->vals[br->nvals - 1];
            bv->items = &br->item_ptrs[br->nitem_ptrs];
            bv->item_cols = &br->item_cols[br->nitem_ptrs];
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
                if (br->nitem_ptrs == sizeof br->item_ptrs / sizeof *br->item_ptrs) {
                    liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, br->k->input, (int)br->line, col,
                                  "%s: more than %zu marks on one line (docs/limits.md)",
                                  br->k->keys[key].dotted,
                                  sizeof br->item_ptrs / sizeof *br->item_ptrs);
                    return false;
                }
                const char *t = json_text(br, e, dotted, col, d);
                if (!t)
                    return false;
                br->item_cols[br->nitem_ptrs] = col;
                br->item_ptrs[br->nitem_ptrs++] = t;
                bv->nitems++;
            }
            continue;
        }
        const char *t = json_text(br, v, dotted, col, d);
        if (!t || !add_val(br, key, t, (int)br->line, col, d))
            return false;
    }
    return true;
}

static bool parse_ndjson(batch_reader *br, const char *text, size_t len, liq_diags *d)
{
    json_error_t je;
    br->json = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!br->json) {
        /* jansson's column, or where it stopped reading (a line cut short). */
        int col = je.column > 0 ? je.column : je.position > 0 ? je.position : 1;
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, br->k->input, (int)br->line, col,
                      "JSON: %s", je.text);
        return false;
    }
    if (!json_is_object(br->json)) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, br->k->input, (int)br->line, 1,
                      "an NDJSON batch line is one object of a scenario's keys");
        return false;
    }
    size_t from = 0;
    return json_members(br, br->json, "", text, len, &from, d);
}

/* ------------------------------------------------------------------ */
/* Whole: the scenario loader                                           */
/* ------------------------------------------------------------------ */

static ynode scalar_at(const batch_reader *br, const char *text, int line, int col)
{
    return (ynode){.kind = YN_SCALAR, .line = line, .col = col, .file = br->k->input,
                   .text = (char *)text, .quoted = true};
}

/* map[dotted] = val, making the sections on the way. */
static bool set_at(ynode *map, const char *dotted, const ynode *val)
{
    const char *dot;
    while ((dot = strchr(dotted, '.'))) {
        char sec[64];
        snprintf(sec, sizeof sec, "%.*s", (int)(dot - dotted), dotted);
        ynode *sub = ynode_get(map, sec);
        if (!sub || sub->kind != YN_MAP) {
            ynode_remove(map, sec);
            ynode key = {.kind = YN_SCALAR, .line = val->line, .col = val->col, .file = val->file,
                         .text = sec};
            ynode empty = {.kind = YN_MAP, .line = val->line, .col = val->col, .file = val->file};
            if (!ynode_map_add_clone(map, &key, &empty))
                return false;
            sub = map->items[map->n - 1];
        }
        map = sub;
        dotted = dot + 1;
    }
    ynode_remove(map, dotted);
    ynode key = {.kind = YN_SCALAR, .line = val->line, .col = val->col, .file = val->file,
                 .text = (char *)dotted};
    return ynode_map_add_clone(map, &key, val);
}

/* The line's scenario through the loader; caller owns it. */
static liq_scenario *load_whole(batch_reader *br, liq_diags *d)
{
    const batch_keys *k = br->k;
    ynode at = {.kind = YN_MAP, .line = (int)br->line, .col = 1, .file = k->input};
    ynode *root = k->base ? ynode_clone(k->base->root) : ynode_map_new(&at);
    bool ok = root != NULL, named = false;
    for (size_t i = 0; ok && i < br->nvals; i++) {
        const bval *v = &br->vals[i];
        named |= v->key == k->name_key;
        if (v->text) {
            ynode s = scalar_at(br, v->text, v->line, v->col);
            ok = set_at(root, k->keys[v->key].dotted, &s);
            continue;
        }
        ynode items[64], *ptrs[64];
        ynode **heap = NULL;
        ynode *its = items, **ps = ptrs;
        if (v->nitems > 64) {
            its = mem_calloc(v->nitems, sizeof *its);
            heap = mem_calloc(v->nitems, sizeof *heap);
            ps = heap;
            ok = its && heap;
        }
        for (size_t j = 0; ok && j < v->nitems; j++) {
            its[j] = scalar_at(br, v->items[j], v->line, v->item_cols[j]);
            ps[j] = &its[j];
        }
        ynode seq = {.kind = YN_SEQ, .line = v->line, .col = v->col, .file = k->input,
                     .items = ps, .n = v->nitems, .cap = v->nitems};
        ok = ok && set_at(root, k->keys[v->key].dotted, &seq);
        if (its != items)
            free(its);
        free(heap);
    }
    if (ok && !named) {
        ynode s = scalar_at(br, br->id, (int)br->line, 1);
        ok = set_at(root, "name", &s);
    }
    liq_scenario *s = NULL;
    if (!ok)
        mem_error(d, k->input, (int)br->line, 0);
    else
        s = scenario_from_node(root, k->input, k->base_path, d);
    ynode_free(root);
    return s;
}

/* ------------------------------------------------------------------ */
/* Quick: a loaded scenario with the line's values                      */
/* ------------------------------------------------------------------ */

/* Whether a mark path may be set over a copy of t the quick way: t has
 * one leg and no list beside its marks (a price column, funding), which
 * the loader lines up with them. Asked once per scenario cached. */
static bool marks_quick(const liq_scenario *t)
{
    if (t->nlegs != 1 || t->legs[0].funding)
        return false;
    for (int c = PCOL_MARK + 1; c < PCOL_COUNT; c++)
        if (t->legs[0].col[c])
            return false;
    return true;
}

/* The line's values over a copy of tp's scenario (loaded whole with the
 * same keys), each through the loader's step for its key. False when a
 * value is refused (the caller loads the line whole for the message). */
static bool set_quick(batch_reader *br, const tpl *tp)
{
    const batch_keys *k = br->k;
    const liq_scenario *t = tp->s;
    liq_scenario *sc = &br->scratch;
    *sc = *t;
    br->scratch_of = NULL;
    sc->r.name.v = (char *)br->id;
    for (size_t i = 0; i < br->nvals; i++) {
        const bval *v = &br->vals[i];
        const bkey *bk = &k->keys[v->key];
        char *holder = (char *)&sc->r + bk->holder_off;
        void *slot = holder + bk->f->off;
        if (bk->f->type == F_STR) {
            /* Text has no rule to check: the slot points at the line's. */
            pstr *p = slot;
            p->v = (char *)v->text;
            p->m = (liq_mark){k->input, v->line, v->col};
            p->set = true;
            continue;
        }
        if (bk->f->type != F_LIST_DEC) {
            ynode n = scalar_at(br, v->text, v->line, v->col);
            if (!schema_load_value(bk->f, &n, holder, k->input, bk->dotted, NULL))
                return false;
            continue;
        }
        /* Only the mark path is set the quick way; any other list (a
         * price column, funding) and a mark path beside such columns
         * is loaded whole, where the loader lines them up. */
        if (v->nitems == 0 || v->nitems > 64 || bk->quick != Q_MARKS || !tp->marks_quick)
            return false;
        /* Each mark through the loader's step for a list's item (a
         * decimal with the list's bounds), into the reader's own items:
         * no allocation per line. */
        field item = *bk->f;
        item.type = F_DEC;
        item.off = 0;
        for (size_t j = 0; j < v->nitems; j++) {
            ynode n = scalar_at(br, v->items[j], v->line, v->item_cols[j]);
            br->pts[j] = (pdec){0};
            if (!schema_load_value(&item, &n, &br->pts[j], k->input, bk->dotted, NULL))
                return false;
        }
        plist *pl = slot;
        *pl = (plist){br->pts, v->nitems, {k->input, v->line, v->col}, true};
        const pdec *pts = pl->items;
        for (size_t j = 0; j < pl->n; j++) {
            br->px[j] = pts[j].v;
            br->pm[j] = pts[j].m;
        }
        sc->path_px = br->px;
        sc->path_m = br->pm;
        sc->npath = pl->n;
    }
    br->leg = t->legs[0];
    br->leg.p = &sc->r.position;
    br->leg.px = sc->path_px;
    br->leg.px_m = sc->path_m;
    br->leg.col[PCOL_MARK] = sc->path_px;
    sc->legs = &br->leg;
    sc->nlegs = 1;
    return true;
}

/* ------------------------------------------------------------------ */
/* Fast: the line's values straight from its text                       */
/* ------------------------------------------------------------------ */

/* The values of a line that both readers below take (a CSV record
 * without quotes, a flat JSON object) are set without copying the line
 * or building a tree: each through its key's rule resolved once
 * (bkey.quick, bkey.rule: the loader's own checks, schema_rule_dec and
 * the rest), over a copy of the scenario loaded whole for the same keys.
 * Anything else, and any value a rule refuses, goes the usual way
 * (batch_read below), which reads the line again and gives the loader's
 * message: a fast line never says anything itself. */

/* The keys the members of a flat NDJSON object name: found when the
 * members' keys are not those of the object read before (the lines of
 * one input most often name theirs alike), kept for the lines after. A
 * key twice (size and position.size), or one no line may set, sends
 * every line with these members the usual way, which says so. */
static void member_keys(batch_reader *br, const jflat *jf)
{
    br->mkey_ok = true;
    br->mkey_mask = 0;
    br->mkey_name = -1;
    for (size_t i = 0; i < jf->n; i++) {
        const jflat_member *m = &jf->m[i];
        char buf[160];
        int key = -1;
        if (m->key_len < sizeof buf) {
            memcpy(buf, m->key, m->key_len);
            buf[m->key_len] = 0;
            key = batch_key_find(br->k, buf);
        }
        br->mkey[i] = key;
        if (key < 0 || (br->mkey_mask >> key & 1)) {
            br->mkey_ok = false;
            continue;
        }
        br->mkey_mask |= 1ull << key;
        if (key == br->k->name_key)
            br->mkey_name = (int)i;
    }
}

/* Whether member p's value (a string, or an item of its array) is the
 * text key. */
static bool value_spells(const jflat *jf, const jflat_member *p, const char *key, size_t kl)
{
    if (p->kind == JF_STRING)
        return p->len == kl && jflat_same(p->text, key, kl);
    if (p->kind != JF_ARRAY)
        return false;
    const jflat_item *it = &jf->items[p->first];
    for (size_t j = 0; j < p->n; j++)
        if (it[j].kind == JF_STRING && it[j].len == kl && jflat_same(it[j].text, key, kl))
            return true;
    return false;
}

/* The first space in [p, end), or end: eight bytes at a time where a
 * word is little-endian (a mark is about eight bytes, where memchr is a
 * call). */
static const char *word_end(const char *p, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (uint64_t x; end - p >= 8; p += 8) {
        memcpy(&x, p, 8);
        x ^= 0x2020202020202020ull;
        /* A bit at each byte that was a space, exact up to the first
         * (borrows reach only the bytes above it). */
        uint64_t z = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
        if (z)
            return p + __builtin_ctzll(z) / 8;
    }
#endif
    while (p < end && *p != ' ')
        p++;
    return p;
}

/* The spaces of a field of 16 to 63 bytes as bits (bit i: text[i] is
 * a space), and every bit from len up set, so that each mark ends at a
 * set bit: SSE2 sixteen bytes at a time (the tail the last sixteen,
 * shifted), where a scan per mark for its end and its leading spaces
 * cost ~40 instructions a mark. False for any other field (or machine):
 * the marks are then found byte by byte. */
#if defined(__SSE2__)
#include <emmintrin.h>
static bool space_bits(const char *text, size_t len, uint64_t *bits)
{
    if (len < 16 || len > 63)
        return false;
    uint64_t b = ~0ull << len;
    size_t i = 0;
    for (; i + 16 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(text + i));
        b |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' '))) << i;
    }
    if (i < len) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(text + len - 16));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
        b |= (uint64_t)(m >> (i - (len - 16))) << i;
    }
    *bits = b;
    return true;
}
#else
static bool space_bits(const char *text, size_t len, uint64_t *bits)
{
    (void)text, (void)len, (void)bits;
    return false;
}
#endif

/* The line's values are read in place: each decimal with the BATCH_PAD
 * bytes before the line readable before it too (batch.h), which
 * dec_parse_padded needs (schema_rule_dec_padded). */
_Static_assert(BATCH_PAD >= DEC_PAD, "a line's pad holds the decimal parse's");

/* A mark path: the items of a JSON array, or marks separated by spaces
 * in one field (each at its own column, as add_list places them), each
 * through the rule of a mark, over a scenario whose path may be set so
 * (tpl.marks_quick). Each mark goes into the path's items and, as it is
 * read, into the marks a leg reads. */
static bool set_marks(batch_reader *br, liq_scenario *sc, const bkey *bk, const qval *v,
                      plist *pl)
{
    enum { MAX = sizeof br->pts / sizeof *br->pts };
    liq_mark m = {br->k->input, (int)br->line, v->col};
    size_t n = 0;
    uint64_t sp;
#define MARK(text, len)                                                                    \
    do {                                                                                   \
        if (n == MAX || !schema_rule_dec_padded(&bk->rule, text, len, m, &br->pts[n]))    \
            return false;                                                                  \
        br->px[n] = br->pts[n].v;                                                          \
        br->pm[n] = m;                                                                     \
        n++;                                                                               \
    } while (0)
    if (v->items) {
        for (size_t j = 0; j < v->nitems; j++)
            MARK(v->items[j].text, v->items[j].len);
    } else if (space_bits(v->text, v->len, &sp)) {
        /* Each mark from a bit that is no space after one that is (or
         * the field's start) to the next space. */
        for (uint64_t starts = ~sp & (sp << 1 | 1); starts; starts &= starts - 1) {
            unsigned a = (unsigned)__builtin_ctzll(starts);
            unsigned e = (unsigned)__builtin_ctzll(sp & (~0ull << a));
            m.col = v->col + (int)a;
            MARK(v->text + a, e - a);
        }
    } else {
        const char *p = v->text, *end = v->text + v->len;
        for (;;) {
            while (p < end && *p == ' ')
                p++;
            if (p == end)
                break;
            size_t l = (size_t)(word_end(p, end) - p);
            m.col = v->col + (int)(p - v->text);
            MARK(p, l);
            p += l;
        }
    }
#undef MARK
    if (n == 0)
        return false;
    *pl = (plist){br->pts, n, {br->k->input, (int)br->line, v->col}, true};
    sc->path_px = br->px;
    sc->path_m = br->pm;
    sc->npath = n;
    return true;
}

/* One value of a line into sc (a copy of tp's scenario) through its
 * key's rule, at slot: false where it needs the loader (set_quick's
 * cases, the same way). Inlined in each reader's loop: a call per value
 * cost ~20 instructions of saved registers, as much as the rest of it. */
static inline __attribute__((always_inline)) bool
set_value(batch_reader *br, const tpl *tp, liq_scenario *sc, const bkey *bk, void *slot,
          const char *text, size_t len, int col, const jflat_item *items, size_t nitems)
{
    const batch_keys *k = br->k;
    liq_mark m = {k->input, (int)br->line, col};
    if (items && bk->quick != Q_MARKS)
        return false;
    switch (bk->quick) {
    case Q_STR: {
        /* Text has no rule to check: the slot points at a copy. */
        pstr *p = slot;
        p->v = (char *)(bk->is_name ? br->id : keep(br, text, len));
        p->m = m;
        p->set = true;
        return true;
    }
    case Q_DEC:
        return schema_rule_dec_padded(&bk->rule, text, len, m, slot);
    case Q_ENUM: {
        penum *p = slot;
        if ((p->v = schema_enum_find(bk->f, text, len)) < 0)
            return false;
        p->m = m;
        p->set = true;
        return true;
    }
    case Q_BOOL: {
        pbool *p = slot;
        if (!schema_bool_find(text, len, &p->v))
            return false;
        p->m = m;
        p->set = true;
        return true;
    }
    case Q_MARKS: {
        if (!tp->marks_quick)
            return false;
        qval v = {0, text, len, col, items, nitems};
        return set_marks(br, sc, bk, &v, slot);
    }
    default:
        return false;
    }
}

/* The cached scenario loaded whole for the set of keys mask, or NULL. */
static const tpl *cached_for(const batch_reader *br, uint64_t mask)
{
    for (size_t i = 0; i < BATCH_CACHE; i++)
        if (br->cache[i].s && br->cache[i].mask == mask)
            return &br->cache[i];
    return NULL;
}

/* The line's scenario over t: a copy of t, named by the line's id (set
 * before), where set_value puts the line's values. A copy of t with the
 * values of the last line of the same keys in it is one with those very
 * slots set again: the copy is made only when t changes. */
static liq_scenario *fast_begin(batch_reader *br, const liq_scenario *t)
{
    liq_scenario *sc = &br->scratch;
    if (br->scratch_of != t) {
        *sc = *t;
        br->scratch_of = t;
        br->leg_of = NULL;
    }
    sc->r.name.v = (char *)br->id;
    return sc;
}

/* sc with its values set: its one leg over its own position and marks.
 * The leg of the last line of the same keys is this one: its position
 * and marks are in the same places (sc's, the reader's), so it is made
 * only when the copy of t is. */
static const liq_scenario *fast_end(batch_reader *br, const liq_scenario *t, liq_scenario *sc)
{
    if (br->leg_of == t && br->leg.px == sc->path_px && br->leg.px_m == sc->path_m)
        return sc;
    br->leg_of = t;
    br->leg = t->legs[0];
    br->leg.p = &sc->r.position;
    br->leg.px = sc->path_px;
    br->leg.px_m = sc->path_m;
    br->leg.col[PCOL_MARK] = sc->path_px;
    sc->legs = &br->leg;
    sc->nlegs = 1;
    return sc;
}

/* A line the fast way refused: nothing of it kept (nothing said: the
 * caller reads it the usual way). */
static const liq_scenario *fast_refused(batch_reader *br)
{
    br->id = NULL;
    br->used = 0;
    return NULL;
}

/* A CSV record split in place (br->cut), or NULL. Its columns as the
 * header resolved them (batch_header.dec and .other): the decimals in a
 * loop of their own, with no choice of kind per value. */
static const liq_scenario *csv_fast(batch_reader *br, const batch_header *h, const char *text)
{
    const csvr_cut *cut = &br->cut;
    size_t n = cut->n;
    if (n == 0 || n != h->n || !h->ok)
        return NULL;
    uint64_t mask = h->all;
    int id_col = h->id_col;
    /* An empty field leaves the key as the base has it. */
    if (cut->empty)
        for (size_t i = 0; i < n; i++)
            if (cut->at[i + 1] - cut->at[i] == 1) {
                mask &= ~(1ull << h->key[i]);
                if ((int)i == id_col)
                    id_col = -1;
            }
    const tpl *tp = cached_for(br, mask);
    if (!tp)
        return NULL;
    const liq_scenario *t = tp->s;
    if (id_col >= 0)
        br->id = keep(br, text + cut->at[id_col], cut->at[id_col + 1] - cut->at[id_col] - 1);
    else
        default_id(br, br->line);
    liq_scenario *sc = fast_begin(br, t);
    char *root = (char *)&sc->r;
    liq_mark m = {br->k->input, (int)br->line, 0};
    for (size_t j = 0; j < h->ndec; j++) {
        const batch_col *c = &h->dec[j];
        size_t a = cut->at[c->col], len = cut->at[c->col + 1] - a - 1;
        if (len == 0)
            continue;
        m.col = (int)a + 1;
        if (!schema_rule_dec_padded(c->rule, text + a, len, m, (pdec *)(void *)(root + c->slot)))
            return fast_refused(br);
    }
    for (size_t j = 0; j < h->nother; j++) {
        const batch_col *c = &h->other[j];
        size_t a = cut->at[c->col], len = cut->at[c->col + 1] - a - 1;
        if (len == 0)
            continue;
        if (!set_value(br, tp, sc, c->bk, root + c->slot, text + a, len, (int)a + 1, NULL, 0))
            return fast_refused(br);
    }
    return fast_end(br, t, sc);
}

/* A flat NDJSON object, or NULL: its members that are not null. */
static const liq_scenario *ndjson_read_fast(batch_reader *br, const char *text, size_t len)
{
    const batch_keys *k = br->k;
    jflat *jf = &br->flat;
    if (!jflat_read_keys(text, len, &br->flat_keys, jf))
        return NULL;
    if (!jf->same_keys)
        member_keys(br, jf);
    if (!br->mkey_ok)
        return NULL;
    /* null leaves the key as the base has it. */
    uint64_t mask = br->mkey_mask;
    if (jf->nnull)
        for (size_t i = 0; i < jf->n; i++)
            if (jf->m[i].kind == JF_NULL)
                mask &= ~(1ull << br->mkey[i]);
    const tpl *tp = cached_for(br, mask);
    if (!tp)
        return NULL;
    const jflat_member *name = br->mkey_name >= 0 ? &jf->m[br->mkey_name] : NULL;
    if (name && name->kind == JF_ARRAY)
        return NULL;
    if (name && name->kind != JF_NULL)
        br->id = keep(br, name->text, name->len);
    else
        default_id(br, br->line);
    const liq_scenario *t = tp->s;
    liq_scenario *sc = fast_begin(br, t);
    for (size_t i = 0; i < jf->n; i++) {
        const jflat_member *m = &jf->m[i];
        /* The column member_col gives: where the key's quote is, unless
         * the value before it is a string that spells the key (member_col
         * would stop there; the usual way places it so). */
        if (i > 0 && value_spells(jf, m - 1, m->key, m->key_len))
            return fast_refused(br);
        if (m->kind == JF_NULL)
            continue;
        const bkey *bk = &k->keys[br->mkey[i]];
        const jflat_item *items = m->kind == JF_ARRAY ? &jf->items[m->first] : NULL;
        if (!set_value(br, tp, sc, bk, (char *)&sc->r + bk->slot_off, m->text, m->len,
                       (int)(m->key - text), items, m->n))
            return fast_refused(br);
    }
    return fast_end(br, t, sc);
}

/* Scenario-file text is at most twice a line in the arena: each value
 * copied once, an integer printed no longer than it is written. */
static bool make_room(batch_reader *br, size_t len)
{
    size_t need = 2 * len + 256;
    if (need <= br->cap)
        return true;
    char *a = mem_realloc(br->arena, need);
    if (!a)
        return false;
    br->arena = a;
    br->cap = need;
    return true;
}

/* A CSV line's place of byte i: its line and column (a quoted field may
 * hold line breaks). */
static void place_of(const char *text, size_t i, long line, int *l, int *col)
{
    size_t start = 0;
    *l = (int)line;
    for (size_t k = 0; k < i; k++)
        if (text[k] == '\n') {
            (*l)++;
            start = k + 1;
        }
    *col = (int)(i - start) + 1;
}

const liq_scenario *batch_read(batch_reader *br, const batch_header *h, const char *text,
                               size_t len, long line, liq_diags *d)
{
    const batch_keys *k = br->k;
    line_done(br);
    br->line = line;
    if (len > BATCH_MAX_LINE) {
        default_id(br, line);
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, k->input, (int)line, 1,
                      "a line of %zu bytes, more than the limit of %d (docs/limits.md)", len,
                      BATCH_MAX_LINE);
        return NULL;
    }
    if (!make_room(br, len)) {
        mem_error(d, k->input, (int)line, 0);
        return NULL;
    }
    /* A CSV record without quotes is split in place first: one scan that
     * also says whether the record is ASCII. */
    bool high = false;
    size_t nspans = h && !br->whole_only ? csvr_plain_record(text, len, &br->cut, &high) : 0;
    /* A batch line's text goes into rows and messages, which are JSON,
     * and JSON text is UTF-8 (jwrite.h's rule, jansson's); a record the
     * scan found ASCII is. NDJSON is jansson's to refuse (the quick reader
     * takes ASCII only). */
    size_t bad = h && (nspans == 0 || high) ? jw_utf8_end(text, len) : len;
    if (bad < len) {
        int l, col;
        place_of(text, bad, line, &l, &col);
        default_id(br, line);
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, k->input, l, col,
                      "a byte that is not UTF-8 text (0x%02x); a batch line is UTF-8",
                      (unsigned char)text[bad]);
        return NULL;
    }
    const liq_scenario *fast = br->whole_only ? NULL
                               : h ? csv_fast(br, h, text)
                                   : ndjson_read_fast(br, text, len);
    if (fast)
        return fast;
    bool ok;
    if (h) {
        csv_line cl = {br, h, d, true, false};
        ok = csvr_read_from(k->input, text, len, line, csv_row, &cl, d) && cl.ok;
    } else {
        ok = parse_ndjson(br, text, len, d);
    }
    if (!ok) {
        default_id(br, line);
        return NULL;
    }
    uint64_t mask = 0;
    for (size_t i = 0; i < br->nvals; i++) {
        mask |= 1ull << br->vals[i].key;
        if (br->vals[i].key == k->name_key)
            br->id = br->vals[i].text;
    }
    /* "<stdin>:LINE" only for a line without an id of its own. */
    if (!br->id)
        default_id(br, line);
    for (size_t i = 0; i < BATCH_CACHE && !br->whole_only; i++) {
        const tpl *t = &br->cache[i];
        if (!t->s || t->mask != mask)
            continue;
        if (set_quick(br, t))
            return &br->scratch;
        break;
    }
    /* Whole: the first line of these keys (kept for the next ones), or a
     * line the quick step refused (loaded for the loader's message). */
    liq_scenario *s = load_whole(br, d);
    if (!s)
        return NULL;
    bool cached = br->whole_only;
    for (size_t i = 0; i < BATCH_CACHE && !cached; i++)
        cached = br->cache[i].s && br->cache[i].mask == mask;
    if (cached) {
        br->whole = s;
        return s;
    }
    tpl *slot = &br->cache[br->next_slot];
    br->next_slot = (br->next_slot + 1) % BATCH_CACHE;
    br->scratch_of = NULL;
    liq_scenario_free(slot->s);
    *slot = (tpl){mask, s, marks_quick(s)};
    return s;
}
