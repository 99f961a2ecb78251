/*
 * yamltree.h — a YAML document as a tree of nodes that remember where
 * they came from.
 *
 * libyaml hands out events; the loaders want a tree they can walk in any
 * order and, long after parsing, still point at the line and column of a
 * value (STYLE.md: "keep the mark on every node you load"). Anchors and
 * aliases are refused: policy files are meant to be read by people.
 */
#ifndef LIQ_YAMLTREE_H
#define LIQ_YAMLTREE_H

#include "liqsim.h"
#include "fileio.h"

/* Lists and mappings nest at most this deep (the root counts as one);
 * deeper is an error at the first collection past it (docs/limits.md). */
#define YT_MAX_DEPTH 64

typedef enum ynode_kind { YN_SCALAR, YN_MAP, YN_SEQ } ynode_kind;

typedef struct ynode {
    ynode_kind kind;
    int line, col;          /* 1-based position of the node's start */
    const char *file;       /* the document it came from (ydoc.path); with
                             * `extends:` one tree holds nodes of several files */
    char *text;             /* YN_SCALAR: the scalar, NUL-terminated */
    bool quoted;            /* YN_SCALAR: written in quotes */
    struct ynode **keys;    /* YN_MAP: key scalars, parallel to items */
    struct ynode **items;   /* YN_MAP: values; YN_SEQ: elements */
    size_t n, cap;          /* items held, room for */
} ynode;

typedef struct ydoc {
    char *path;   /* as given to the loader; owned */
    ynode *root;  /* NULL for an empty document */
} ydoc;

/* Parse a whole file of the given kind (fileio.h: its size limit; "-"
 * is standard input, named "<stdin>" in messages and in the document).
 * Returns a document owned by the caller (ydoc_free) or NULL with an
 * error "path:line:col: message" in d. */
ydoc *ydoc_load_as(const char *path, fio_kind kind, liq_diags *d);
/* A policy, a policy's base or its examples: ydoc_load_as(FIO_POLICY). */
ydoc *ydoc_load_file(const char *path, liq_diags *d);
/* Same, from memory; path is used in messages only. */
ydoc *ydoc_load_buffer(const char *path, const char *buf, size_t len, liq_diags *d);
void ydoc_free(ydoc *doc);

/* Deep-merge child into base (both maps): child's keys override base's;
 * maps merge key by key, anything else (lists included) is replaced.
 * Nodes move from child to base; child is left with holes and must still
 * be freed with its document. Returns false on out of memory. */
bool ynode_merge(ynode *base, ynode *child);
/* A deep copy of n (marks included: they point at the same files).
 * Caller owns it (ynode_free). NULL on out of memory. */
ynode *ynode_clone(const ynode *n);
void ynode_free(ynode *n);
/* An empty map marked where `at` is; caller owns it (ynode_free). */
ynode *ynode_map_new(const ynode *at);
/* Append copies of key and val to map. False on out of memory. */
bool ynode_map_add_clone(ynode *map, const ynode *key, const ynode *val);
/* Remove key from a map, freeing its key and value. */
void ynode_remove(ynode *map, const char *key);
/* Take ownership of the document's path string (so marks that point at
 * it outlive the document); the document keeps working. */
char *ydoc_steal_path(ydoc *doc);

/* Map lookup by key; NULL when absent or node is not a map. */
ynode *ynode_get(const ynode *map, const char *key);
const char *ynode_kind_name(ynode_kind k);

#endif
