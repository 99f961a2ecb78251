/*
 * sbuf.h — a growable NUL-terminated string for the renderers (tables,
 * CSV, HTML, SVG). Out of memory is sticky: later appends do nothing and
 * the caller checks b->oom once, at the end, as calc.h does for numbers.
 */
#ifndef LIQ_SBUF_H
#define LIQ_SBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sbuf { char *s; size_t n, cap; bool oom; } sbuf;

/* printf-style append. */
void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Room for len more bytes and the NUL after b->n, for a writer that
 * puts them at b->s + b->n itself (then adds to b->n and writes the
 * NUL); false (and oom set) when out of memory. */
bool sb_reserve(sbuf *b, size_t len);
/* Append len bytes of s as they are. */
void sb_addn(sbuf *b, const char *s, size_t len);
/* Append s with &, <, >, " and ' written as HTML entities: safe in text
 * and in attribute values. */
void sb_html(sbuf *b, const char *s);
/* The string, handed to the caller (free()); NULL when out of memory.
 * An empty buffer gives "". b is left empty. */
char *sb_take(sbuf *b);

#endif
