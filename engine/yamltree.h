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

typedef enum ynode_kind { YN_SCALAR, YN_MAP, YN_SEQ } ynode_kind;

typedef struct ynode {
    ynode_kind kind;
    int line, col;          /* 1-based position of the node's start */
    char *text;             /* YN_SCALAR: the scalar, NUL-terminated */
    bool quoted;            /* YN_SCALAR: written in quotes */
    struct ynode **keys;    /* YN_MAP: key scalars, parallel to items */
    struct ynode **items;   /* YN_MAP: values; YN_SEQ: elements */
    size_t n;
} ynode;

typedef struct ydoc {
    char *path;   /* as given to the loader; owned */
    ynode *root;  /* NULL for an empty document */
} ydoc;

/* Parse a whole file. Returns a document owned by the caller (ydoc_free)
 * or NULL with an error "path:line:col: message" in d. */
ydoc *ydoc_load_file(const char *path, liq_diags *d);
/* Same, from memory; path is used in messages only. */
ydoc *ydoc_load_buffer(const char *path, const char *buf, size_t len, liq_diags *d);
void ydoc_free(ydoc *doc);

/* Map lookup by key; NULL when absent or node is not a map. */
ynode *ynode_get(const ynode *map, const char *key);
const char *ynode_kind_name(ynode_kind k);

#endif
