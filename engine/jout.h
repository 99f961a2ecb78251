/*
 * jout.h — writing JSON with jansson so that out of memory fails the
 * whole output, never a part of it.
 *
 * jansson reports a failed allocation only through what each call
 * returns, and its json_dumps ignores a failed append while it writes an
 * object's key (dump.c calls dump_string for keys without checking it):
 * out of memory there yields text with a key missing, and success. The
 * engine builds its JSON with jout_set/jout_push, which remember the
 * first failure, and writes it with jout_dump, whose buffer does too.
 */
#ifndef LIQ_JOUT_H
#define LIQ_JOUT_H

#include <jansson.h>
#include <stdbool.h>

typedef struct jout {
    bool failed;  /* some set, push or value failed: drop the whole tree */
} jout;

/* json_object_set_new / json_array_append_new, remembering a failure (a
 * NULL o, a or v is one). v is taken even on failure (jansson frees it). */
void jout_set(jout *b, json_t *o, const char *key, json_t *v);
void jout_push(jout *b, json_t *a, json_t *v);

/* j as text with jansson's flags (JSON_COMPACT, JSON_INDENT(n), ...),
 * NUL-terminated, owned by the caller (free()); NULL when j is NULL or
 * memory ran out anywhere in the writing. */
char *jout_dump(const json_t *j, size_t flags);

#endif
