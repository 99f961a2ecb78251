/*
 * import_json.h — reading a saved venue API response with jansson while
 * keeping exact numbers and the place of every value (import_json.c).
 *
 * jansson turns JSON numbers into doubles and forgets where values were.
 * Money must stay exact and every error must point at its line, so the
 * text is rewritten before jansson sees it: each number becomes a string
 * that carries its original spelling and byte offset, and each object
 * gets one hidden member holding the offset of its '{'. Accessors below
 * read those back; jansson's own syntax errors are mapped back to the
 * original line and column.
 */
#ifndef LIQ_IMPORT_JSON_H
#define LIQ_IMPORT_JSON_H

#include "liqsim.h"

#include <jansson.h>

typedef struct ijson {
    const char *path;   /* for messages; not owned */
    char *text;         /* the original bytes, NUL-terminated; owned */
    size_t len;
    json_t *root;       /* the rewritten document; owned */
} ijson;

/* Reads and parses path. Returns false with "path:line:col: not JSON:
 * <jansson's reason>; expected <what>" in d (or an I/O error). what names
 * the response the caller wanted, for the message. */
bool ijson_load(ijson *j, const char *path, const char *what, liq_diags *d);
void ijson_free(ijson *j);

/* Line and column (1-based) of a value: an object's '{', a number's
 * first character; any other value reports the object that holds it,
 * given as `owner` (NULL: the document's start). */
void ijson_where(const ijson *j, json_t *v, json_t *owner, int *line, int *col);

/* Adds an error at v (see ijson_where) and returns false. */
bool ijson_err(const ijson *j, json_t *v, json_t *owner, liq_diags *d, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* True when v was a JSON number in the file. */
bool ijson_is_number(json_t *v);
/* The text of a string value (NULL when v is not a string as written). */
const char *ijson_string(json_t *v);
/* A decimal written as a JSON number or as a string of digits (venues do
 * both). False when v is neither or does not hold an exact decimal. */
bool ijson_dec(json_t *v, liq_dec *out);
/* What v is, in the words of an error message: "an object", "the string
 * \"x\"", "the number 3", ... written into buf. */
const char *ijson_describe(json_t *v, char *buf, size_t cap);
/* Members of an object as written (the hidden offset member skipped). */
size_t ijson_size(json_t *obj);
/* The object's keys, comma-separated, into buf (for "got an object with
 * keys ..."). */
const char *ijson_keys(json_t *obj, char *buf, size_t cap);

#endif
