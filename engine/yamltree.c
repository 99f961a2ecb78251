/*
 * yamltree.c — builds a ynode tree from libyaml's event stream.
 *
 * Owns parsing only: which keys are allowed and what values mean is the
 * schema walker's job (schema.c). Every error carries libyaml's
 * problem_mark, turned 1-based, so messages read "file:line:col: ...".
 */
#include "mem.h"
#include "yamltree.h"
#include "fileio.h"
#include "strset.h"

#include <yaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ynode_kind_name(ynode_kind k)
{
    switch (k) {
    case YN_SCALAR: return "a scalar";
    case YN_MAP: return "a mapping";
    case YN_SEQ: return "a list";
    }
    return "?";
}

static void node_free(ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys)
            node_free(n->keys[i]);
        node_free(n->items[i]);
    }
    free(n->keys);
    free(n->items);
    free(n->text);
    free(n);
}

void ydoc_free(ydoc *doc)
{
    if (!doc)
        return;
    node_free(doc->root);
    free(doc->path);
    free(doc);
}

typedef struct builder {
    yaml_parser_t parser;
    const char *path;
    const char *file;   /* the document's own copy of path, for nodes */
    liq_diags *d;
    bool failed;
    int depth;          /* collections open around the node being built */
} builder;

static void fail_at(builder *b, yaml_mark_t m, const char *msg, const char *ctx)
{
    if (b->failed)
        return;
    b->failed = true;
    liq_diags_add(b->d, LIQ_SEV_ERROR, LIQ_EINPUT, b->path, (int)m.line + 1, (int)m.column + 1,
                  "YAML syntax: %s%s%s", msg, ctx && *ctx ? " " : "", ctx ? ctx : "");
}

/* libyaml's error, at its problem mark; where the construct it was
 * parsing began elsewhere (an unclosed '{' lines above), that place too:
 * the user's mistake is often there. */
static bool next_event(builder *b, yaml_event_t *ev)
{
    if (yaml_parser_parse(&b->parser, ev))
        return true;
    const yaml_parser_t *p = &b->parser;
    yaml_mark_t pm = p->problem_mark, cm = p->context_mark;
    const char *problem = p->problem ? p->problem : "parse error";
    if (p->context && *p->context && (cm.line != pm.line || cm.column != pm.column)) {
        char ctx[300];
        snprintf(ctx, sizeof ctx, "%s that starts at line %d, column %d", p->context,
                 (int)cm.line + 1, (int)cm.column + 1);
        fail_at(b, pm, problem, ctx);
    } else {
        fail_at(b, pm, problem, p->context);
    }
    return false;
}

static ynode *node_new(builder *b, ynode_kind k, yaml_mark_t m)
{
    ynode *n = mem_calloc(1, sizeof *n);
    if (n) {
        n->file = b->file;
        n->kind = k;
        n->line = (int)m.line + 1;
        n->col = (int)m.column + 1;
    }
    return n;
}

/* Arrays grow by doubling: a map of 100,000 keys must not be copied
 * once per key. */
static bool push_item(ynode *n, ynode *key, ynode *val)
{
    if (n->n == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 4;
        ynode **items = mem_realloc(n->items, cap * sizeof *items);
        if (!items)
            return false;
        n->items = items;
        if (n->kind == YN_MAP) {
            ynode **keys = mem_realloc(n->keys, cap * sizeof *keys);
            if (!keys)
                return false;
            n->keys = keys;
        }
        n->cap = cap;
    }
    if (n->kind == YN_MAP)
        n->keys[n->n] = key;
    n->items[n->n++] = val;
    return true;
}

static ynode *build(builder *b, yaml_event_t *ev);

/* Duplicate keys are checked as each key arrives, so the first duplicate
 * in the file is the one reported, through a hash set of the map's keys
 * (a scan per key made a policy of 100,000 sources take 35 s). */
static const char *map_key(const void *map, size_t i)
{
    return ((const ynode *)map)->keys[i]->text;
}

static ynode *build_scalar(builder *b, yaml_event_t *ev)
{
    ynode *n = node_new(b, YN_SCALAR, ev->start_mark);
    if (n && !(n->text = mem_malloc(ev->data.scalar.length + 1))) {
        free(n);
        n = NULL;
    }
    if (!n) {
        yaml_event_delete(ev);
        return NULL;
    }
    memcpy(n->text, ev->data.scalar.value, ev->data.scalar.length);
    n->text[ev->data.scalar.length] = 0;
    if (strlen(n->text) != ev->data.scalar.length) {
        fail_at(b, ev->start_mark, "a NUL character inside a scalar is not allowed", NULL);
        node_free(n);
        n = NULL;
    } else {
        n->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                    ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    }
    yaml_event_delete(ev);
    return n;
}

/* The items of n (a new, empty map or list) up to its end event. Returns
 * n, or NULL having freed it. */
static ynode *build_items(builder *b, ynode *n)
{
    bool is_map = n->kind == YN_MAP;
    strset ks = STRSET_INIT(map_key, n);
    for (;;) {
        yaml_event_t e;
        if (!next_event(b, &e))
            break;
        if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&e);
            strset_free(&ks);
            return n;
        }
        yaml_mark_t km = e.start_mark;
        ynode *key = NULL;
        if (is_map) {
            if (!(key = build(b, &e)))
                break;
            if (key->kind != YN_SCALAR) {
                fail_at(b, km, "a mapping key must be a plain scalar", NULL);
                node_free(key);
                break;
            }
            long dup = strset_find(&ks, key->text);
            if (dup >= 0 && !b->failed) {
                b->failed = true;
                liq_diags_add(b->d, LIQ_SEV_ERROR, LIQ_EINPUT, b->path, key->line, key->col,
                              "duplicate key '%s' (first at line %d)", key->text,
                              n->keys[dup]->line);
            }
            if (dup >= 0 || !next_event(b, &e)) {
                node_free(key);
                break;
            }
        }
        ynode *val = build(b, &e);
        if (!val || !push_item(n, key, val)) {
            node_free(key);
            node_free(val);
            break;
        }
        if (is_map && !strset_add(&ks, n->n - 1))
            break;
    }
    strset_free(&ks);
    node_free(n);
    return NULL;
}

/* Builds the node that starts with *ev (already parsed). Consumes the
 * event. */
static ynode *build(builder *b, yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return build_scalar(b, ev);
    case YAML_ALIAS_EVENT:
        fail_at(b, ev->start_mark,
                "aliases (*name) are not supported; write the value out", NULL);
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        /* build() recurses once per level: a bound keeps a hostile file
         * (45,000 '[') from overflowing the stack. */
        if (b->depth >= YT_MAX_DEPTH) {
            char msg[120];
            snprintf(msg, sizeof msg,
                     "lists and mappings nested deeper than %d levels; flatten the document",
                     YT_MAX_DEPTH);
            fail_at(b, ev->start_mark, msg, NULL);
            break;
        }
        ynode *n = node_new(b, ev->type == YAML_MAPPING_START_EVENT ? YN_MAP : YN_SEQ,
                            ev->start_mark);
        yaml_event_delete(ev);
        if (!n)
            return NULL;
        b->depth++;
        n = build_items(b, n);
        b->depth--;
        return n;
    }
    default:
        fail_at(b, ev->start_mark, "unexpected YAML event", NULL);
        break;
    }
    yaml_event_delete(ev);
    return NULL;
}

static ydoc *load_with_parser(builder *b)
{
    ydoc *doc = mem_calloc(1, sizeof *doc);
    if (!doc)
        return NULL;
    doc->path = mem_strdup(b->path);
    b->file = doc->path;
    yaml_event_t ev;
    bool done = false;
    while (!done && !b->failed && next_event(b, &ev)) {
        switch (ev.type) {
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            yaml_event_delete(&ev);
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (doc->root) {
                fail_at(b, ev.start_mark,
                        "more than one YAML document; a file holds exactly one", NULL);
            }
            yaml_event_delete(&ev);
            break;
        case YAML_STREAM_END_EVENT:
            yaml_event_delete(&ev);
            done = true;
            break;
        default:
            doc->root = build(b, &ev);
            if (!doc->root && !b->failed) {
                b->failed = true;
                liq_diags_add(b->d, LIQ_SEV_ERROR, LIQ_ENOMEM, b->path, 0, 0, "out of memory");
            }
            break;
        }
    }
    if (b->failed || !done) {
        if (!b->failed)
            liq_diags_add(b->d, LIQ_SEV_ERROR, LIQ_ENOMEM, b->path, 0, 0, "out of memory");
        ydoc_free(doc);
        return NULL;
    }
    return doc;
}

ydoc *ydoc_load_buffer(const char *path, const char *buf, size_t len, liq_diags *d)
{
    builder b = {.path = path, .d = d};
    if (!yaml_parser_initialize(&b.parser)) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)buf, len);
    ydoc *doc = load_with_parser(&b);
    yaml_parser_delete(&b.parser);
    return doc;
}

ydoc *ydoc_load_as(const char *path, fio_kind kind, liq_diags *d)
{
    fio_buf buf;
    if (fio_read(path, kind, NULL, &buf, d) != LIQ_OK)
        return NULL;
    ydoc *doc = ydoc_load_buffer(fio_display_name(path), buf.data, buf.len, d);
    free(buf.data);
    return doc;
}

ydoc *ydoc_load_file(const char *path, liq_diags *d)
{
    return ydoc_load_as(path, FIO_POLICY, d);
}

ynode *ynode_get(const ynode *map, const char *key)
{
    if (!map || map->kind != YN_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (map->keys[i] && strcmp(map->keys[i]->text, key) == 0)
            return map->items[i];
    return NULL;
}

bool ynode_merge(ynode *base, ynode *child)
{
    for (size_t i = 0; i < child->n; i++) {
        ynode *k = child->keys[i], *v = child->items[i];
        if (!k || !v)
            continue;
        size_t j = 0;
        while (j < base->n && strcmp(base->keys[j]->text, k->text) != 0)
            j++;
        if (j < base->n && base->items[j]->kind == YN_MAP && v->kind == YN_MAP) {
            if (!ynode_merge(base->items[j], v))
                return false;
            continue;
        }
        if (j < base->n) {
            node_free(base->items[j]);
            base->items[j] = v;
        } else if (!push_item(base, k, v)) {
            return false;
        } else {
            child->keys[i] = NULL;
        }
        child->items[i] = NULL;
    }
    return true;
}

ynode *ynode_clone(const ynode *n)
{
    ynode *c = mem_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    *c = (ynode){.kind = n->kind, .line = n->line, .col = n->col, .file = n->file,
                 .quoted = n->quoted};
    if (n->text && !(c->text = mem_strdup(n->text)))
        goto fail;
    for (size_t i = 0; i < n->n; i++) {
        ynode *k = n->keys && n->keys[i] ? ynode_clone(n->keys[i]) : NULL;
        ynode *v = n->items[i] ? ynode_clone(n->items[i]) : NULL;
        if ((n->keys && n->keys[i] && !k) || (n->items[i] && !v) || !push_item(c, k, v)) {
            node_free(k);
            node_free(v);
            goto fail;
        }
    }
    return c;
fail:
    node_free(c);
    return NULL;
}

ynode *ynode_map_new(const ynode *at)
{
    ynode *m = mem_calloc(1, sizeof *m);
    if (m)
        *m = (ynode){.kind = YN_MAP, .line = at->line, .col = at->col, .file = at->file};
    return m;
}

bool ynode_map_add_clone(ynode *map, const ynode *key, const ynode *val)
{
    ynode *k = ynode_clone(key), *v = ynode_clone(val);
    if (!k || !v || !push_item(map, k, v)) {
        node_free(k);
        node_free(v);
        return false;
    }
    return true;
}

void ynode_free(ynode *n)
{
    node_free(n);
}

void ynode_remove(ynode *map, const char *key)
{
    for (size_t i = 0; map && map->kind == YN_MAP && i < map->n; i++) {
        if (strcmp(map->keys[i]->text, key) != 0)
            continue;
        node_free(map->keys[i]);
        node_free(map->items[i]);
        memmove(&map->keys[i], &map->keys[i + 1], (map->n - i - 1) * sizeof *map->keys);
        memmove(&map->items[i], &map->items[i + 1], (map->n - i - 1) * sizeof *map->items);
        map->n--;
        return;
    }
}

char *ydoc_steal_path(ydoc *doc)
{
    char *p = doc->path;
    doc->path = NULL;
    return p;
}
