/*
 * jsonflat.h — the quick reader of a flat JSON object, beside jansson:
 * one object whose members are plain strings, whole numbers, true,
 * false, null or arrays of plain strings and whole numbers, as an NDJSON
 * batch line most often is (docs/batch.md).
 *
 * It reads in place (no allocation, nothing decoded) and only what it is
 * sure of: a string without escapes of printable ASCII, an integer as
 * JSON writes it of at most 18 digits, no key twice. Any other text,
 * valid JSON or not, it leaves to jansson (the caller then reads the line
 * with json_loadb, which gives the values or the error message). Whatever
 * it accepts, jansson reads as the same object with the same members in
 * the same order (tests/test_jsonflat.c checks this over random text).
 */
#ifndef LIQ_JSONFLAT_H
#define LIQ_JSONFLAT_H

#include <stdbool.h>
#include <stddef.h>

/* Members of one object, and array items over all its members: more is
 * left to jansson. */
#define JFLAT_MAX_MEMBERS 64
#define JFLAT_MAX_ITEMS 256

typedef enum jflat_kind {
    JF_STRING, JF_INT, JF_TRUE, JF_FALSE, JF_NULL, JF_ARRAY
} jflat_kind;

/* A string's bytes between its quotes, an integer's text ("-12"). */
typedef struct jflat_item {
    jflat_kind kind;          /* JF_STRING or JF_INT */
    const char *text;
    size_t len;
} jflat_item;

typedef struct jflat_member {
    const char *key;          /* the key's bytes between its quotes */
    size_t key_len;
    jflat_kind kind;
    const char *text;         /* JF_STRING, JF_INT: as in jflat_item */
    size_t len;
    size_t first, n;          /* JF_ARRAY: items[first .. first + n) */
} jflat_member;

typedef struct jflat {
    jflat_member m[JFLAT_MAX_MEMBERS];
    size_t n;
    jflat_item items[JFLAT_MAX_ITEMS];
    size_t nitems;
} jflat;

/* text[0, len) as one flat object, white space around it allowed: true
 * with its members in out (pointing into text), false when it is not one
 * this reader takes (jansson's to read). */
bool jflat_read(const char *text, size_t len, jflat *out);

#endif
