/*
 * jwrite.h — JSON written straight into a buffer, byte for byte as
 * jansson's json_dumps writes the same tree (JSON_COMPACT, or
 * JSON_INDENT(n)), without building the tree: a batch writes millions of
 * result rows, and a tree per row cost about 300,000 instructions.
 *
 * The caller opens objects and arrays, writes members in order and
 * closes them; the writer places the commas, the indentation and the
 * quotes, and escapes strings as jansson does. A string that jansson
 * would refuse (NULL, or not UTF-8) fails the whole output, as
 * json_string's NULL fails a tree built with jout (jout.h): the caller
 * checks jw_failed once, at the end. Keys must be distinct within an
 * object (jansson's set would replace the earlier member): that is the
 * caller's to keep.
 */
#ifndef LIQ_JWRITE_H
#define LIQ_JWRITE_H

#include "liqsim.h"
#include "sbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JW_MAX_DEPTH 32

typedef struct jwrite {
    sbuf *b;                  /* where the text goes (appended) */
    int indent;               /* 0: JSON_COMPACT; n: JSON_INDENT(n) */
    int depth;                /* containers open */
    uint32_t has_item;        /* bit d: the container at depth d + 1 has a member */
    bool failed;              /* a string jansson refuses, or too deep */
} jwrite;

/* A writer appending to b; indent as jansson's JSON_INDENT (0: compact). */
jwrite jw_new(sbuf *b, int indent);
/* Whether anything failed: a refused string, nesting past JW_MAX_DEPTH,
 * or out of memory in b. */
bool jw_failed(const jwrite *w);

/* Each value below is a member named key of the open object, or (key
 * NULL) an item of the open array or the document itself. Each is a
 * call of its _k form with the key's length, inline: a key is most often
 * a literal, whose length the compiler then knows (a strlen per member
 * cost ~5 % of a batch row). */
void jw_object_k(jwrite *w, const char *key, size_t kl);
void jw_array_k(jwrite *w, const char *key, size_t kl);
void jw_end_object(jwrite *w);
void jw_end_array(jwrite *w);
void jw_string_k(jwrite *w, const char *key, size_t kl, const char *s);
void jw_null_k(jwrite *w, const char *key, size_t kl);
void jw_bool_k(jwrite *w, const char *key, size_t kl, bool v);
void jw_int_k(jwrite *w, const char *key, size_t kl, long long v);
void jw_dec_k(jwrite *w, const char *key, size_t kl, liq_dec v);
void jw_raw_k(jwrite *w, const char *key, size_t kl, const char *json, size_t len);

#define JW_KL(key) ((key) ? __builtin_strlen(key) : 0)

static inline void jw_object(jwrite *w, const char *key) { jw_object_k(w, key, JW_KL(key)); }
static inline void jw_array(jwrite *w, const char *key) { jw_array_k(w, key, JW_KL(key)); }
static inline void jw_string(jwrite *w, const char *key, const char *s)
{
    jw_string_k(w, key, JW_KL(key), s);
}
static inline void jw_null(jwrite *w, const char *key) { jw_null_k(w, key, JW_KL(key)); }
static inline void jw_bool(jwrite *w, const char *key, bool v) { jw_bool_k(w, key, JW_KL(key), v); }
static inline void jw_int(jwrite *w, const char *key, long long v)
{
    jw_int_k(w, key, JW_KL(key), v);
}
/* An exact decimal as a JSON string ("12.5"): liq_dec_format's text. */
static inline void jw_dec(jwrite *w, const char *key, liq_dec v)
{
    jw_dec_k(w, key, JW_KL(key), v);
}
/* Text that is already one JSON value, written as it is (no check). */
static inline void jw_raw(jwrite *w, const char *key, const char *json, size_t len)
{
    jw_raw_k(w, key, JW_KL(key), json, len);
}

/* Where text stops being UTF-8 as RFC 3629 (and jansson) define it: the
 * index of the first byte of the first bad sequence, or len when all of
 * it is. No overlong forms, no surrogates, nothing past U+10FFFF. */
size_t jw_utf8_end(const char *text, size_t len);

#endif
