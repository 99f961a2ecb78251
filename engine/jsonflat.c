/*
 * jsonflat.c — the quick reader of a flat JSON object (jsonflat.h).
 *
 * Owns the subset of JSON it takes, no more: where a byte could mean
 * anything else (an escape, a byte outside printable ASCII, a fraction,
 * an exponent, a leading zero, a nested object, a key twice), it stops
 * and the text goes to jansson, which stays the one JSON parser of
 * record: every message about bad JSON is jansson's.
 */
#include "jsonflat.h"

#include <stdint.h>
#include <string.h>

/* JSON's white space (RFC 8259, section 2). Inlined where it is asked
 * (some forty times a line, most often of a byte that is none). */
static inline __attribute__((always_inline)) size_t skip_ws(const char *s, size_t len, size_t i)
{
    while (i < len && (unsigned char)s[i] <= ' ' &&
           (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* The bytes that end a plain string's run: its closing quote, and every
 * byte it does not take (an escape, a control byte, anything not
 * printable ASCII). */
static bool string_stop(unsigned char c)
{
    return (unsigned char)(c - 0x20) > 0x5e || c == '"' || c == '\\';
}

/* The bytes of the sixteen at p that string_stop stops at, a bit each,
 * where the machine has SSE2 (every x86-64): a line's strings are most of
 * its bytes. The last bytes of a text go one by one, through
 * string_stop itself. */
#if defined(__SSE2__)
#include <emmintrin.h>
enum { CHUNK = 16 };
static unsigned stops16(const char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i q = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    /* (unsigned char)(c - 0x20) > 0x5e, as a signed comparison of both
     * sides with their top bit flipped. */
    __m128i u = _mm_xor_si128(_mm_sub_epi8(v, _mm_set1_epi8(0x20)), _mm_set1_epi8((char)0x80));
    __m128i r = _mm_cmpgt_epi8(u, _mm_set1_epi8((char)(0x5e ^ 0x80)));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(q, r));
}
#else
enum { CHUNK = 0 };
static unsigned stops16(const char *p)
{
    (void)p;
    return 0;
}
#endif

/* A string at s[i] == '"' of printable ASCII without escapes: its bytes,
 * and the index past its closing quote; 0 when it is not one. Inlined
 * where it is read (a line's keys and values are most of its strings,
 * and a call cost a fifth of each). The bytes short of a chunk at the
 * text's end are the last sixteen's, shifted past those before i (one
 * by one, they cost more than the rest of the line's last string). */
static inline __attribute__((always_inline)) size_t plain_string(const char *s, size_t len, size_t i, const char **text, size_t *n)
{
    size_t start = ++i;
    for (unsigned m; CHUNK && i + CHUNK <= len; i += CHUNK)
        if ((m = stops16(s + i)) != 0) {
            i += (size_t)__builtin_ctz(m);
            goto stop;
        }
    if (CHUNK && i < len && len >= CHUNK) {
        unsigned m = stops16(s + len - CHUNK) >> (i - (len - CHUNK));
        i = m ? i + (size_t)__builtin_ctz(m) : len;
    } else {
        while (i < len && !string_stop((unsigned char)s[i]))
            i++;
    }
stop:
    if (i == len || s[i] != '"')
        return 0;
    *text = s + start;
    *n = i - start;
    return i + 1;
}

/* An integer at s[i] as JSON writes it (no leading zero, no "-0"), of at
 * most 18 digits so that it fits jansson's json_int_t, not followed by a
 * fraction or an exponent (jansson would read a real): the index past
 * it; 0 when it is not one. */
static size_t plain_int(const char *s, size_t len, size_t i)
{
    size_t start = i;
    if (i < len && s[i] == '-')
        i++;
    size_t d = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    size_t nd = i - d;
    if (nd == 0 || nd > 18 || (s[d] == '0' && (nd > 1 || d > start)))
        return 0;
    if (i < len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E'))
        return 0;
    return i;
}

/* One scalar value at s[i]: its kind and text, the index past it; 0
 * when it is not one this reader takes. */
static size_t scalar(const char *s, size_t len, size_t i, jflat_kind *kind, const char **text,
                     size_t *n)
{
    if (i >= len)
        return 0;
    if (s[i] == '"') {
        *kind = JF_STRING;
        return plain_string(s, len, i, text, n);
    }
    if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
        size_t end = plain_int(s, len, i);
        if (!end)
            return 0;
        *kind = JF_INT;
        *text = s + i;
        *n = end - i;
        return end;
    }
    static const struct { const char *word; size_t n; jflat_kind kind; } words[] = {
        {"true", 4, JF_TRUE}, {"false", 5, JF_FALSE}, {"null", 4, JF_NULL}};
    for (size_t w = 0; w < sizeof words / sizeof *words; w++)
        if (len - i >= words[w].n && memcmp(s + i, words[w].word, words[w].n) == 0) {
            *kind = words[w].kind;
            *text = s + i;
            *n = words[w].n;
            return i + words[w].n;
        }
    return 0;
}

/* An array at s[i] == '[' of plain strings and integers, its items added
 * to out: the index past it, 0 when it is not one. A string item and
 * the comma after it are looked for first, as a program writes them
 * ("a","b"): white space is skipped only where the byte is not that. */
static size_t array(const char *s, size_t len, size_t i, jflat *out, jflat_member *m)
{
    m->kind = JF_ARRAY;
    m->first = out->nitems;
    m->n = 0;
    i = skip_ws(s, len, i + 1);
    if (i < len && s[i] == ']')
        return i + 1;
    for (;;) {
        if (out->nitems == JFLAT_MAX_ITEMS)
            return 0;
        jflat_item *it = &out->items[out->nitems];
        if (i < len && s[i] == '"') {
            it->kind = JF_STRING;
            i = plain_string(s, len, i, &it->text, &it->len);
        } else {
            i = scalar(s, len, i, &it->kind, &it->text, &it->len);
            if (i && it->kind != JF_STRING && it->kind != JF_INT)
                return 0;
        }
        if (!i)
            return 0;
        out->nitems++;
        m->n++;
        if (i < len && s[i] == ',') {
            i = skip_ws(s, len, i + 1);
            continue;
        }
        i = skip_ws(s, len, i);
        if (i < len && s[i] == ']')
            return i + 1;
        if (i >= len || s[i] != ',')
            return 0;
        i = skip_ws(s, len, i + 1);
    }
}

/* One of 64 bits for a key, from its length and its first and middle
 * bytes (keys of one line that share a bit are compared whole; the
 * bench's eight, id, collateral, entry_price and the rest, share none). */
static inline uint64_t key_bit(const char *k, size_t n)
{
    if (n == 0)
        return 1;
    return 1ull << (((unsigned char)k[0] + (unsigned char)k[n / 2] + 2 * n) & 63);
}

/* Where a member's value at s[i] ends (0: not one this reader takes):
 * a string at once, anything else after white space. */
static inline __attribute__((always_inline)) size_t member_value(const char *s, size_t len, size_t i, jflat *out, jflat_member *m)
{
    if (i < len && s[i] == '"') {
        m->kind = JF_STRING;
        return plain_string(s, len, i, &m->text, &m->len);
    }
    i = skip_ws(s, len, i);
    if (i < len && s[i] == '[')
        return array(s, len, i, out, m);
    i = scalar(s, len, i, &m->kind, &m->text, &m->len);
    out->nnull += i && m->kind == JF_NULL;
    return i;
}

/* The object's keys kept for the next one: only when they are not the
 * kept ones already. */
static void keep_keys(jflat_keys *keys, const jflat *jf)
{
    keys->have = true;
    keys->n = jf->n;
    for (size_t j = 0; j < jf->n; j++) {
        const jflat_member *m = &jf->m[j];
        keys->len[j] = 0;
        if (m->key_len + 2 > JFLAT_KEY_CAP)
            continue;
        keys->key[j][0] = '"';
        memcpy(keys->key[j] + 1, m->key, m->key_len);
        keys->key[j][m->key_len + 1] = '"';
        keys->len[j] = (uint8_t)(m->key_len + 2);
        keys->bit[j] = key_bit(m->key, m->key_len);
    }
}

bool jflat_read_keys(const char *s, size_t len, jflat_keys *keys, jflat *out)
{
    out->n = 0;
    out->nitems = 0;
    out->nnull = 0;
    uint64_t seen = 0;        /* a bit per key (key_bit) */
    /* Every key so far the kept one at its place. */
    bool same = keys && keys->have;
    size_t i = skip_ws(s, len, 0);
    if (i >= len || s[i] != '{')
        return false;
    i = skip_ws(s, len, i + 1);
    if (i < len && s[i] == '}') {
        i++;
    } else {
        for (;;) {
            if (out->n == JFLAT_MAX_MEMBERS || i >= len || s[i] != '"')
                return false;
            size_t j = out->n, kl;
            jflat_member *m = &out->m[j];
            if (same && j < keys->n && (kl = keys->len[j]) != 0 && len - i >= kl &&
                jflat_same(s + i, keys->key[j], kl)) {
                /* The kept key, quotes and all: a plain string, and none
                 * of the keys before it (the kept ones before it). */
                m->key = s + i + 1;
                m->key_len = kl - 2;
                i += kl;
                seen |= keys->bit[j];
            } else {
                same = false;
                if (!(i = plain_string(s, len, i, &m->key, &m->key_len)))
                    return false;
                /* jansson is asked to refuse a key twice
                 * (JSON_REJECT_DUPLICATES): its message says so. Keys are
                 * told apart by a bit first. */
                uint64_t bit = key_bit(m->key, m->key_len);
                if (seen & bit)
                    for (size_t k = 0; k < out->n; k++)
                        if (out->m[k].key_len == m->key_len &&
                            jflat_same(out->m[k].key, m->key, m->key_len))
                            return false;
                seen |= bit;
            }
            /* The colon and the comma are looked for first where a
             * program writes them, white space skipped only when the
             * byte is not. */
            if (i < len && s[i] == ':') {
                i++;
            } else {
                i = skip_ws(s, len, i);
                if (i >= len || s[i] != ':')
                    return false;
                i++;
            }
            if (!(i = member_value(s, len, i, out, m)))
                return false;
            out->n++;
            if (i < len && s[i] == ',') {
                i = skip_ws(s, len, i + 1);
                continue;
            }
            i = skip_ws(s, len, i);
            if (i < len && s[i] == '}') {
                i++;
                break;
            }
            if (i >= len || s[i] != ',')
                return false;
            i = skip_ws(s, len, i + 1);
        }
    }
    /* Nothing but white space after the object (json_loadb checks so). */
    if (skip_ws(s, len, i) != len)
        return false;
    out->same_keys = same && out->n == keys->n;
    if (keys && !out->same_keys)
        keep_keys(keys, out);
    return true;
}

bool jflat_read(const char *s, size_t len, jflat *out)
{
    return jflat_read_keys(s, len, NULL, out);
}
