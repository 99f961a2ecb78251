/*
 * schema.h — declarative tables of the keys a YAML file may hold, and the
 * walker that loads a ynode tree into C structs through them.
 *
 * One table per section states each key's type, whether it is required,
 * its default, its range and a line of documentation. The same tables
 * drive loading, error messages (unknown keys get a did-you-mean) and the
 * JSON Schema shipped for editors, so the three cannot drift apart.
 *
 * Every loaded value remembers its mark (file:line:col), so checks made
 * long after parsing, and the --explain trace, can point at the line.
 */
#ifndef LIQ_SCHEMA_H
#define LIQ_SCHEMA_H

#include "liqsim.h"
#include "decimal.h"
#include "yamltree.h"

/* Where a value came from. file is owned by whoever loaded the document
 * (the policy or scenario keeps its path alive). */
typedef struct liq_mark {
    const char *file;
    int line, col;
} liq_mark;

/* Loaded values: the value, its mark, and whether the file set it (a
 * default leaves set false but the mark at the enclosing section). */
typedef struct pdec { liq_dec v; liq_mark m; bool set; bool unlimited; } pdec;
typedef struct pint { int64_t v; liq_mark m; bool set; } pint;
typedef struct pbool { bool v; liq_mark m; bool set; } pbool;
typedef struct penum { int v; liq_mark m; bool set; } penum;
typedef struct pstr { char *v; liq_mark m; bool set; } pstr;
typedef struct plist { void *items; size_t n; liq_mark m; bool set; } plist;

/* Provenance of a section: `source:` ids and/or `assumed:` text. Every
 * section struct starts with one, so the walker can fill it generically. */
typedef struct pprov {
    char **ids; size_t nids; liq_mark ids_m;
    char *assumed; liq_mark assumed_m;
    liq_mark m;           /* the section itself */
    bool present;         /* the section appeared in the file */
} pprov;

typedef enum ftype {
    F_STR,        /* any scalar text */
    F_DATE,       /* YYYY-MM-DD (or "unknown" when allow_unknown) */
    F_DEC,        /* exact decimal; lo/hi optional bounds */
    F_DEC_UNLIM,  /* exact decimal or the word "unlimited" */
    F_INT,        /* integer */
    F_BOOL,       /* true/false */
    F_ENUM,       /* one of enum_vals, stored as its index */
    F_MAP,        /* nested section: sub describes it, stored inline */
    F_LIST_MAP,   /* list of sections: plist of sub->size items */
    F_DICT_MAP,   /* map id -> section: plist; item's first member is pstr id */
    F_LIST_ENUM,  /* list of enum values: plist of int */
    F_LIST_DEC,   /* list of decimals: plist of pdec */
    F_LIST_STR,   /* list of strings: plist of pstr */
    F_DICT_LIST_DEC, /* map id -> list of decimals: plist of {pstr id; plist of pdec} */
    F_DICT_DEC,   /* map id -> decimal: plist of {pstr id; pdec v} */
    F_OVERRIDE    /* a partial section (sub) merged over the enclosing file's
                   * section of the same name before loading (a market's
                   * overrides): the walker checks it is a mapping and leaves
                   * its keys to the load of the merged tree */
} ftype;

typedef struct schema schema;

typedef struct field {
    const char *key;
    ftype type;
    bool required;
    size_t off;                      /* offset of the holder in the struct */
    const schema *sub;               /* F_MAP / F_LIST_MAP / F_DICT_MAP */
    const char *const *enum_vals;    /* F_ENUM / F_LIST_ENUM, NULL-terminated */
    const char *def;                 /* default, as YAML text (NULL: none) */
    const char *lo, *hi;             /* F_DEC bounds, inclusive (NULL: open) */
    const char *doc;                 /* one line for docs and JSON Schema */
    const char *unit;                /* "rate", "price", "amount", ... */
} field;

struct schema {
    const char *name;        /* for messages: "margin.maintenance" */
    size_t size;             /* sizeof the struct (for list items) */
    bool has_prov;           /* struct starts with pprov; source/assumed allowed */
    const field *fields;
    size_t nfields;
};

/* An item of an F_DICT_LIST_DEC map. */
typedef struct pdeclist { pstr id; plist list; } pdeclist;
/* An item of an F_DICT_DEC map. */
typedef struct pdecentry { pstr id; pdec v; } pdecentry;

/* Load map node `n` into `out` (a struct described by s) at dotted path
 * `path` (for messages). Unknown keys, missing required keys and bad
 * values are errors in d. Returns true when no error was added. The
 * caller owns whatever strings/lists were allocated; release them with
 * schema_free even after a failure. */
bool schema_load(const schema *s, const ynode *n, void *out, const char *file,
                 const char *path, liq_diags *d);
void schema_free(const schema *s, void *obj);

/* The field a dotted key names in s ("market.liquidation_fill.slippage"),
 * through nested sections (F_MAP) only, and the offset from s's struct to
 * the struct that holds it; NULL when s has no such key. */
const field *schema_find(const schema *s, const char *key, size_t *holder_off);
/* One key's value node loaded into its field of holder (the struct the
 * field belongs to): the walker's own step for a key, with its checks and
 * messages, for a caller that sets single keys over a loaded file (a
 * batch line). The previous value of a string or list is not freed. */
bool schema_load_value(const field *f, const ynode *v, void *holder, const char *file,
                       const char *path, liq_diags *d);

/* The loader's rule for one value of a field, on text of len bytes (not
 * NUL-terminated), for a caller that resolves a field once and then sets
 * millions of values (a batch line): what schema_load_value stores, with
 * no message. Where they return false the loader refuses the text too,
 * and the caller loads it through schema_load_value for the message.
 * A decimal's rule is its field and its bounds, parsed once. */
typedef struct schema_rule {
    const field *f;           /* F_DEC or F_DEC_UNLIM */
    liq_dec lo, hi;           /* inclusive; the widest raws where there is none */
} schema_rule;
/* False when a bound of the table does not parse (the loader then does
 * not check it either: the rule holds the widest raw in its place). */
bool schema_rule_init(schema_rule *r, const field *f);
/* Whether v is within the rule's bounds: two compares, a bound the table
 * leaves open being the widest raw (a batch line checks eight). */
static inline bool schema_rule_within(const schema_rule *r, liq_dec v)
{
    return r->lo.raw <= v.raw && v.raw <= r->hi.raw;
}
/* schema_rule_dec for text that is not a plain decimal ('unlimited', an
 * exponent, more digits: the general parse). */
bool schema_rule_dec_other(const schema_rule *r, const char *text, size_t len, liq_mark m,
                           pdec *out);
/* The decimal (or 'unlimited') into out, marked m, once the plain
 * text's parse said whether it read text (plain) and what (v): one copy
 * of the rule for schema_rule_dec and schema_rule_dec_padded. */
static inline bool schema_rule_dec_set(const schema_rule *r, bool plain, liq_dec v,
                                       const char *text, size_t len, liq_mark m, pdec *out)
{
    if (!plain)
        return schema_rule_dec_other(r, text, len, m, out);
    if (!schema_rule_within(r, v))
        return false;
    out->v = v;
    out->unlimited = false;
    out->m = m;
    out->set = true;
    return true;
}
/* The decimal (or 'unlimited') into out, marked m. Inline, the plain
 * text's parse with it (dec_parse_plain): a batch line sets eight. */
static inline bool schema_rule_dec(const schema_rule *r, const char *text, size_t len, liq_mark m,
                                   pdec *out)
{
    liq_dec v;
    bool plain = dec_parse_plain(text, len, &v);
    return schema_rule_dec_set(r, plain, v, text, len, m, out);
}
/* schema_rule_dec for a text followed by DEC_PAD readable bytes (a batch
 * line's field, in the runner's padded block: runner.h), read through
 * dec_parse_padded. */
static inline bool schema_rule_dec_padded(const schema_rule *r, const char *text, size_t len,
                                          liq_mark m, pdec *out)
{
    liq_dec v;
    bool plain = dec_parse_padded(text, len, &v);
    return schema_rule_dec_set(r, plain, v, text, len, m, out);
}
/* The index of text among an F_ENUM field's values, or -1. */
int schema_enum_find(const field *f, const char *text, size_t len);
/* An F_BOOL's true or false. */
bool schema_bool_find(const char *text, size_t len, bool *out);

/* The closest candidate to word (edit distance <= 2 or a prefix), or NULL. */
const char *schema_suggest(const char *word, const char *const *cands, size_t n);

/* Append the JSON Schema of s (an object schema) to a jansson object.
 * Returns a new reference (json_t *), typed as void * to keep jansson out
 * of this header. */
void *schema_json(const schema *s);

/* The bounds of a decimal or integer field in words ("between 0 and 1",
 * "> 0", ">= 1"): the loader's messages and the scaffold's hints. */
void schema_range_words(const field *f, char *buf, size_t cap);

/* A date as policies write it: YYYY-MM-DD with a month 01-12 and a day
 * 01-31 (the loader's F_DATE check; `liqsim import --date` uses it too). */
bool schema_is_date(const char *s);

/* The value's mark, or the enclosing section's when the file left it out. */
static inline liq_mark mark_or(liq_mark m, liq_mark fallback)
{
    return m.line ? m : fallback;
}

#endif
