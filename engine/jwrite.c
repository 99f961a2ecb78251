/*
 * jwrite.c — JSON text written directly, in jansson's bytes (jwrite.h).
 *
 * Owns the layout (commas, jansson's indentation, ":" or ": "), string
 * escaping and the UTF-8 rule strings must meet; what the members are is
 * the caller's (result_json.c). Layout, as jansson's dump.c does it: a
 * container's first member comes after a line break and the indentation
 * of its depth, each next one after "," and the same; the closing
 * bracket after a line break and the indentation of the container's own
 * depth, unless it is empty ("{}", "[]"). Compact text has no breaks.
 * tests/test_jwrite.c writes random documents both ways and compares.
 */
#include "jwrite.h"

#include <string.h>

jwrite jw_new(sbuf *b, int indent)
{
    return (jwrite){.b = b, .indent = indent > 0 ? indent : 0};
}

bool jw_failed(const jwrite *w)
{
    return w->failed || w->b->oom;
}

size_t jw_utf8_end(const char *text, size_t len)
{
    size_t i = 0;
    /* Eight bytes at a time while they are ASCII (most text is). */
    for (uint64_t x; i + 8 <= len; i += 8) {
        memcpy(&x, text + i, 8);
        if (x & 0x8080808080808080u)
            break;
    }
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (n == 0 || i + n > len)
            return i;
        for (size_t k = 1; k < n; k++)
            if (((unsigned char)text[i + k] & 0xc0) != 0x80)
                return i;
        /* No overlong three- or four-byte forms, no surrogates, nothing
         * past U+10FFFF (RFC 3629; jansson's utf8_check_full). */
        unsigned char c1 = (unsigned char)text[i + 1];
        if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) || (c == 0xf0 && c1 < 0x90) ||
            (c == 0xf4 && c1 > 0x8f))
            return i;
        i += n;
    }
    return len;
}

/* The most bytes a string of len bytes takes quoted: a control byte
 * escaped is six ("\u001F"). */
static size_t quoted_max(size_t len)
{
    return 6 * len + 2;
}

/* Whether any of the eight bytes of x needs care in a string: a control
 * byte, a quote, a backslash, or a byte that is not ASCII. (The test may
 * also flag a byte above one that does, never miss one.) */
static bool word_needs_care(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t quote_ = x ^ (ones * '"'), bslash = x ^ (ones * '\\');
    uint64_t low = (x - ones * 0x20) & ~x;
    uint64_t q = (quote_ - ones) & ~quote_, s = (bslash - ones) & ~bslash;
    return ((low | q | s | x) & highs) != 0;
}

/* s (len bytes) quoted at p, escaped as jansson's dump_string escapes
 * with no flags: \\ \" \b \f \n \r \t, any other byte below 0x20 as
 * \u00XX (upper-case hex), everything else as it is. Returns the end,
 * or NULL when s is not UTF-8 (jw_utf8_end's rule). Eight bytes at a
 * time while none needs care. */
static inline __attribute__((always_inline)) char *quote(char *p, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    *p++ = '"';
    /* A string of one to seven bytes (half a row's keys, most of its
     * short values) as one word tested at once: its bytes read as two
     * overlapping halves (four and four, or first, middle and last),
     * the rest of the word a plain letter, and written back the same
     * way; the loop below would take it a byte at a time. */
    if (len - 1 < 7) {
        uint64_t x;
        if (len >= 4) {
            uint32_t a, b;
            memcpy(&a, s, 4);
            memcpy(&b, s + len - 4, 4);
            x = a | (uint64_t)b << 32;
            if (!word_needs_care(x)) {
                memcpy(p, &a, 4);
                memcpy(p + len - 4, &b, 4);
                p[len] = '"';
                return p + len + 1;
            }
        } else {
            unsigned char a = (unsigned char)s[0], m = (unsigned char)s[len / 2],
                          b = (unsigned char)s[len - 1];
            x = 0x6161616161000000u | a | (uint64_t)m << 8 | (uint64_t)b << 16;
            if (!word_needs_care(x)) {
                p[0] = (char)a;
                p[len / 2] = (char)m;
                p[len - 1] = (char)b;
                p[len] = '"';
                return p + len + 1;
            }
        }
    }
    size_t i = 0;
    bool words = false;       /* the last step copied eight bytes as they were */
    while (i < len) {
        uint64_t x;
        if (i + 8 <= len && (memcpy(&x, s + i, 8), !word_needs_care(x))) {
            memcpy(p, &x, 8);
            p += 8;
            i += 8;
            words = true;
            continue;
        }
        /* A tail of fewer than eight after plain words: the last eight
         * bytes as one word, the ones already copied copied again. */
        if (words && i + 8 > len && (memcpy(&x, s + len - 8, 8), !word_needs_care(x))) {
            memcpy(p - (8 - (len - i)), &x, 8);
            p += len - i;
            break;
        }
        words = false;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            /* One whole sequence, checked, copied as it is. */
            size_t n = jw_utf8_end(s + i, len - i < 4 ? len - i : 4);
            size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
            if (n < want)
                return NULL;
            memcpy(p, s + i, want);
            p += want;
            i += want;
            continue;
        }
        i++;
        if (c >= 0x20 && c != '"' && c != '\\') {
            *p++ = (char)c;
            continue;
        }
        *p++ = '\\';
        switch (c) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\b': *p++ = 'b'; break;
        case '\f': *p++ = 'f'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        default:
            memcpy(p, "u00", 3);
            p[3] = hex[c >> 4];
            p[4] = hex[c & 15];
            p += 5;
            break;
        }
    }
    *p++ = '"';
    return p;
}

/* Room for a member: its separator and indentation, its key and a value
 * of at most vmax bytes; the place to write it, after the key, or NULL
 * (failed). Sets the container's has-a-member bit. */
static char *member(jwrite *w, const char *key, size_t kl, size_t vmax)
{
    if (w->failed)
        return NULL;
    size_t ind = (size_t)w->indent * (size_t)w->depth;
    if (!sb_reserve(w->b, 2 + ind + (key ? quoted_max(kl) + 2 : 0) + vmax))
        return NULL;
    char *p = w->b->s + w->b->n;
    if (w->depth > 0) {
        uint32_t bit = 1u << (w->depth - 1);
        if (w->has_item & bit)
            *p++ = ',';
        w->has_item |= bit;
        if (w->indent) {
            *p++ = '\n';
            memset(p, ' ', ind);
            p += ind;
        }
    }
    if (key) {
        if (!(p = quote(p, key, kl))) {
            w->failed = true;
            return NULL;
        }
        *p++ = ':';
        if (w->indent)
            *p++ = ' ';
    }
    return p;
}

/* The member's text ends at p. */
static void done(jwrite *w, char *p)
{
    w->b->n = (size_t)(p - w->b->s);
    w->b->s[w->b->n] = 0;
}

static void open_container(jwrite *w, const char *key, size_t kl, char c)
{
    if (w->depth == JW_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    char *p = member(w, key, kl, 1);
    if (!p)
        return;
    *p++ = c;
    done(w, p);
    w->depth++;
    w->has_item &= ~(1u << (w->depth - 1));
}

static void close_container(jwrite *w, char c)
{
    if (w->failed)
        return;
    if (w->depth == 0) {
        w->failed = true;
        return;
    }
    uint32_t bit = 1u << (w->depth - 1);
    bool any = w->has_item & bit;
    w->has_item &= ~bit;
    w->depth--;
    size_t ind = (size_t)w->indent * (size_t)w->depth;
    if (!sb_reserve(w->b, 2 + ind))
        return;
    char *p = w->b->s + w->b->n;
    if (any && w->indent) {
        *p++ = '\n';
        memset(p, ' ', ind);
        p += ind;
    }
    *p++ = c;
    done(w, p);
}

void jw_object_k(jwrite *w, const char *key, size_t kl)
{
    open_container(w, key, kl, '{');
}

void jw_array_k(jwrite *w, const char *key, size_t kl)
{
    open_container(w, key, kl, '[');
}

void jw_end_object(jwrite *w)
{
    close_container(w, '}');
}

void jw_end_array(jwrite *w)
{
    close_container(w, ']');
}

void jw_string_k(jwrite *w, const char *key, size_t kl, const char *s)
{
    /* json_string(NULL) is NULL: the tree it went into fails. */
    if (!s) {
        w->failed = true;
        return;
    }
    size_t len = strlen(s);
    char *p = member(w, key, kl, quoted_max(len));
    if (p && !(p = quote(p, s, len)))
        w->failed = true;
    if (p)
        done(w, p);
}

void jw_raw_k(jwrite *w, const char *key, size_t kl, const char *json, size_t len)
{
    char *p = member(w, key, kl, len);
    if (!p)
        return;
    memcpy(p, json, len);
    done(w, p + len);
}

void jw_null_k(jwrite *w, const char *key, size_t kl)
{
    jw_raw_k(w, key, kl, "null", 4);
}

void jw_bool_k(jwrite *w, const char *key, size_t kl, bool v)
{
    if (v)
        jw_raw_k(w, key, kl, "true", 4);
    else
        jw_raw_k(w, key, kl, "false", 5);
}

void jw_int_k(jwrite *w, const char *key, size_t kl, long long v)
{
    /* jansson's "%lld", without snprintf. */
    char t[24], *e = t + sizeof t, *p = e;
    unsigned long long m = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + (int)(m % 10));
    while (m /= 10);
    if (v < 0)
        *--p = '-';
    jw_raw_k(w, key, kl, p, (size_t)(e - p));
}

void jw_dec_k(jwrite *w, const char *key, size_t kl, liq_dec v)
{
    /* Written in place: an amount's text never needs escaping. */
    char *p = member(w, key, kl, LIQ_DEC_STRLEN + 2);
    if (!p)
        return;
    *p++ = '"';
    p += liq_dec_format(v, p);
    *p++ = '"';
    done(w, p);
}
