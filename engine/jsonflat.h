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
 *
 * The lines of one input most often name the same members in the same
 * order: given the keys of the object read last (jflat_keys, kept by the
 * caller from line to line), each key is first compared with the one at
 * its place there, which is all the reading it then needs (a key kept is
 * plain, and the kept keys are distinct, so no key before it can be the
 * same). What is read is the same either way (tests/test_jsonflat.c).
 */
#ifndef LIQ_JSONFLAT_H
#define LIQ_JSONFLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
    size_t nnull;             /* members whose value is null */
    /* jflat_read_keys: the object's keys are the kept ones, in their
     * order (which it then left as they were). */
    bool same_keys;
} jflat;

/* Bytes of a key kept with its quotes: a longer key is not kept (an
 * object with it is read key by key). */
#define JFLAT_KEY_CAP 64

/* The keys of the object jflat_read_keys read last, copied (the text
 * they were read from is the caller's and goes): each with its quotes
 * and its bit for the duplicate check. Zeroed before the first line
 * (have: false). */
typedef struct jflat_keys {
    bool have;
    size_t n;
    uint8_t len[JFLAT_MAX_MEMBERS];          /* with the quotes; 0: not kept */
    uint64_t bit[JFLAT_MAX_MEMBERS];
    char key[JFLAT_MAX_MEMBERS][JFLAT_KEY_CAP];
} jflat_keys;

/* Whether a[0, n) and b[0, n) are the same bytes: a key of a few bytes
 * compared in a word or two, where memcmp is a call (a batch compares
 * every member's key, line after line). */
static inline bool jflat_same(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    for (; n >= 8; a += 8, b += 8, n -= 8) {
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return false;
    }
    if (n >= 4) {
        uint32_t p, q, r, t;
        memcpy(&p, a, 4);
        memcpy(&q, b, 4);
        memcpy(&r, a + n - 4, 4);
        memcpy(&t, b + n - 4, 4);
        return p == q && r == t;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* text[0, len) as one flat object, white space around it allowed: true
 * with its members in out (pointing into text), false when it is not one
 * this reader takes (jansson's to read). */
bool jflat_read(const char *text, size_t len, jflat *out);

/* jflat_read, each key first compared with the one at its place in keys
 * (the object read last), and keys then set to this object's when they
 * differ (out->same_keys false). keys is the caller's, kept from call to
 * call; NULL: jflat_read. What it reads and refuses is jflat_read's. */
bool jflat_read_keys(const char *text, size_t len, jflat_keys *keys, jflat *out);

#endif
