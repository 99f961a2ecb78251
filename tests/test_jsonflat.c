/*
 * test_jsonflat.c — the quick reader of a flat JSON object
 * (engine/jsonflat.c), beside jansson.
 *
 * What it shows: the objects an NDJSON batch line most often is are read
 * in place, member by member; anything the reader is not sure of (an
 * escape, a fraction, a leading zero, a nested object, a key twice, text
 * after the object) is left to jansson; and over random text near such
 * objects, whatever the quick reader accepts, jansson reads as the same
 * object, member by member, while whatever jansson refuses, the quick
 * reader refuses too.
 */
#include "support/support.h"
#include "jsonflat.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static bool reads(const char *text, jflat *jf)
{
    return jflat_read(text, strlen(text), jf);
}

static void a_flat_object_is_read_member_by_member(void **state)
{
    (void)state;
    jflat jf;
    const char *line = " {\"id\":\"a1\", \"leverage\":10,\"neg\":-3,\"ok\":true,\"no\":false,"
                       "\"none\":null,\"mark_path\":[\"50000\", 42500 ],\"empty\":[]}\n";
    assert_true(reads(line, &jf));
    assert_int_equal(jf.n, 8);
    assert_true(jf.m[0].key_len == 2 && memcmp(jf.m[0].key, "id", 2) == 0);
    assert_int_equal(jf.m[0].kind, JF_STRING);
    assert_true(jf.m[0].len == 2 && memcmp(jf.m[0].text, "a1", 2) == 0);
    assert_int_equal(jf.m[1].kind, JF_INT);
    assert_true(jf.m[1].len == 2 && memcmp(jf.m[1].text, "10", 2) == 0);
    assert_true(jf.m[2].kind == JF_INT && jf.m[2].len == 2);
    assert_int_equal(jf.m[3].kind, JF_TRUE);
    assert_int_equal(jf.m[4].kind, JF_FALSE);
    assert_int_equal(jf.m[5].kind, JF_NULL);
    assert_int_equal(jf.m[6].kind, JF_ARRAY);
    assert_int_equal(jf.m[6].n, 2);
    const jflat_item *it = &jf.items[jf.m[6].first];
    assert_true(it[0].kind == JF_STRING && it[0].len == 5 && memcmp(it[0].text, "50000", 5) == 0);
    assert_true(it[1].kind == JF_INT && it[1].len == 5 && memcmp(it[1].text, "42500", 5) == 0);
    assert_true(jf.m[7].kind == JF_ARRAY && jf.m[7].n == 0);
    assert_true(reads("{}", &jf) && jf.n == 0);
}

/* Each of these is jansson's to read: some are JSON it takes, some it
 * refuses with its own message. */
static void what_it_is_not_sure_of_is_left_to_jansson(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "{\"a\":\"x\\n\"}",            /* an escape */
        "{\"a\":\"caf\xc3\xa9\"}",     /* a byte that is not ASCII */
        "{\"a\":\"tab\there\"}",       /* a control byte in a string */
        "{\"a\":1.5}",                 /* a fraction: a binary float */
        "{\"a\":1e3}",                 /* an exponent */
        "{\"a\":01}",                  /* a leading zero (invalid JSON) */
        "{\"a\":-0}",                  /* -0: jansson's integer 0 */
        "{\"a\":1234567890123456789}", /* 19 digits */
        "{\"a\":{\"b\":\"1\"}}",       /* nested */
        "{\"a\":[true]}",              /* an array of anything but strings and integers */
        "{\"a\":\"1\",\"a\":\"2\"}",   /* a key twice */
        "{\"a\":\"1\"} x",             /* text after the object */
        "{\"a\":\"1\",}",              /* a trailing comma */
        "[\"a\"]",                     /* not an object */
        "{\"a\":tru}",
        "{\"a\" \"1\"}",
        "",
    };
    jflat jf;
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        if (reads(texts[i], &jf))
            fail_msg("read the quick way: %s", texts[i]);
}

/* The value of a member the quick reader found, against jansson's. */
static bool same_value(jflat_kind kind, const char *text, size_t len, const jflat *jf,
                       const jflat_member *m, json_t *v)
{
    char buf[32];
    switch (kind) {
    case JF_STRING:
        return json_is_string(v) && json_string_length(v) == len &&
               memcmp(json_string_value(v), text, len) == 0;
    case JF_INT:
        if (!json_is_integer(v))
            return false;
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return strlen(buf) == len && memcmp(buf, text, len) == 0;
    case JF_TRUE: return json_is_true(v);
    case JF_FALSE: return json_is_false(v);
    case JF_NULL: return json_is_null(v);
    case JF_ARRAY:
        if (!json_is_array(v) || json_array_size(v) != m->n)
            return false;
        for (size_t i = 0; i < m->n; i++) {
            const jflat_item *it = &jf->items[m->first + i];
            if (!same_value(it->kind, it->text, it->len, jf, m, json_array_get(v, i)))
                return false;
        }
        return true;
    }
    return false;
}

static size_t draw(uint64_t *x, size_t n)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return (size_t)(*x % n);
}

/* Random text near a batch line: members drawn from pieces that are
 * plain or not (escapes, fractions, leading zeros, nesting, repeated
 * keys, a key one byte longer than another, a key too long to be kept),
 * then now and then a byte inserted, dropped or changed. again: the
 * keys of the line drawn before (keyv[0, *nkeys)), in their order, with
 * new values and gaps; else new keys, put there. */
#define LONG_KEY "\"k234567890123456789012345678901234567890123456789012345678901234\""
static size_t random_line_of(uint64_t *x, char *out, size_t cap, size_t *keyv, int *nkeys,
                             bool again)
{
    static const char *const keys[] = {"\"id\"", "\"size\"", "\"a\"", "\"mark_path\"",
                                       "\"b\\\"\"", "\"\"", "\"size\"", "\"k\xc3\xa9\"",
                                       "\"sizes\"", LONG_KEY};
    static const char *const values[] = {
        "\"p1\"", "\"0.25\"", "\"\"", "10", "-3", "0", "-0", "01", "1.5", "2e3", "true",
        "false", "null", "tru", "[\"1\",2]", "[]", "[ \"1\" , \"2\" ]", "[true]", "[1,]",
        "{\"x\":1}", "{}", "\"a\\nb\"", "\"\\u0041\"", "\"caf\xc3\xa9\"", "\"\x01\"",
        "123456789012345678", "1234567890123456789", "-", "\"size\"", "\"unterminated"};
    static const char *const gaps[] = {"", "", "", " ", "\t", "\n ", "\r\n", "\f"};
#define PICK(arr) arr[draw(x, sizeof arr / sizeof *arr)]
    size_t n = 0;
    n += (size_t)snprintf(out + n, cap - n, "%s{%s", PICK(gaps), PICK(gaps));
    if (!again)
        *nkeys = (int)(*x % 5);
    for (int i = 0; i < *nkeys; i++) {
        if (!again)
            keyv[i] = draw(x, sizeof keys / sizeof *keys);
        const char *g1 = PICK(gaps), *g2 = PICK(gaps), *v = PICK(values), *g3 = PICK(gaps);
        n += (size_t)snprintf(out + n, cap - n, "%s%s%s:%s%s%s", i ? "," : "", g1, keys[keyv[i]],
                              g2, v, g3);
    }
    n += (size_t)snprintf(out + n, cap - n, "}%s", PICK(gaps));
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    if (*x % 4 == 0 && n > 0) {
        size_t at = (size_t)(*x >> 8) % n;
        int what = (int)((*x >> 40) % 3);
        static const char bytes[] = "{}[]\",:0 -.e\\a";
        char c = bytes[(*x >> 48) % (sizeof bytes - 1)];
        if (what == 0 && n + 1 < cap) {
            memmove(out + at + 1, out + at, n - at);
            out[at] = c;
            n++;
        } else if (what == 1) {
            memmove(out + at, out + at + 1, n - at - 1);
            n--;
        } else {
            out[at] = c;
        }
    }
#undef PICK
    out[n] = 0;
    return n;
}

static size_t random_line(uint64_t *x, char *out, size_t cap)
{
    size_t keyv[8];
    int nkeys;
    return random_line_of(x, out, cap, keyv, &nkeys, false);
}

static void what_it_reads_jansson_reads_alike(void **state)
{
    (void)state;
    uint64_t x = 0x2545f4914f6cdd1du;
    size_t quick = 0, refused_by_jansson = 0;
    for (int round = 0; round < 50000; round++) {
        char text[1024];
        size_t len = random_line(&x, text, sizeof text);
        jflat jf;
        bool ok = jflat_read(text, len, &jf);
        json_error_t je;
        json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
        refused_by_jansson += !j;
        if (ok) {
            quick++;
            if (!j || !json_is_object(j) || json_object_size(j) != jf.n)
                fail_msg("round %d: the quick reader takes what jansson does not read alike: %s",
                         round, text);
            /* The same members in the same order (jansson keeps the order). */
            size_t i = 0;
            const char *key;
            json_t *v;
            json_object_foreach(j, key, v) {
                const jflat_member *m = &jf.m[i++];
                if (strlen(key) != m->key_len || memcmp(key, m->key, m->key_len) != 0 ||
                    !same_value(m->kind, m->text, m->len, &jf, m, v))
                    fail_msg("round %d: member %zu differs: %s", round, i, text);
            }
        }
        json_decref(j);
    }
    /* Both sides of the line were met often. */
    assert_true(quick > 5000);
    assert_true(refused_by_jansson > 5000);
}

/* A string is read eight bytes at a time: whatever byte stops a plain
 * string (a control byte, a quote, a backslash, DEL, anything not ASCII)
 * is found wherever it stands in a long string, and the string is then
 * jansson's. */
static void a_long_string_is_plain_only_when_every_byte_is(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int round = 0; round < 20000; round++) {
        char str[64], text[128];
        size_t n = draw(&x, 40);
        for (size_t i = 0; i < n; i++)
            str[i] = (char)(' ' + 1 + draw(&x, 0x7e - ' '));   /* printable, no space */
        for (size_t i = 0; i < n; i++)
            if (str[i] == '"' || str[i] == '\\')
                str[i] = 'q';
        bool plain = true;
        if (n && draw(&x, 2)) {
            str[draw(&x, n)] = (char)draw(&x, 256);
            for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)str[i];
                plain &= c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
            }
        }
        /* {"k":"str"}, a NUL byte in str and all. */
        memcpy(text, "{\"k\":\"", 6);
        memcpy(text + 6, str, n);
        memcpy(text + 6 + n, "\"}", 2);
        jflat jf;
        bool ok = jflat_read(text, n + 8, &jf);
        if (ok != plain)
            fail_msg("round %d: a string of %zu bytes %s read", round, n, ok ? "wrongly" : "not");
        if (ok && (jf.m[0].len != n || memcmp(jf.m[0].text, str, n) != 0))
            fail_msg("round %d: the string read is not the string written", round);
    }
}

/* Its limits: 64 members and 256 array items are read, one more of
 * either is jansson's. */
static void its_limits_hold_at_their_edge(void **state)
{
    (void)state;
    char text[8192];
    jflat jf;
    for (int extra = 0; extra <= 1; extra++) {
        size_t n = (size_t)sprintf(text, "{");
        for (int i = 0; i < JFLAT_MAX_MEMBERS + extra; i++)
            n += (size_t)sprintf(text + n, "%s\"k%d\":%d", i ? "," : "", i, i);
        sprintf(text + n, "}");
        assert_int_equal(reads(text, &jf), extra == 0);
        n = (size_t)sprintf(text, "{\"m\":[");
        for (int i = 0; i < JFLAT_MAX_ITEMS + extra; i++)
            n += (size_t)sprintf(text + n, "%s%d", i ? "," : "", i);
        sprintf(text + n, "]}");
        assert_int_equal(reads(text, &jf), extra == 0);
    }
}

/* Whether a and b hold the same members read from the same text. */
static bool same_read(const jflat *a, const jflat *b)
{
    if (a->n != b->n || a->nitems != b->nitems || a->nnull != b->nnull)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const jflat_member *p = &a->m[i], *q = &b->m[i];
        if (p->key != q->key || p->key_len != q->key_len || p->kind != q->kind)
            return false;
        if (p->kind == JF_ARRAY ? p->first != q->first || p->n != q->n
                                : p->text != q->text || p->len != q->len)
            return false;
    }
    for (size_t i = 0; i < a->nitems; i++)
        if (a->items[i].kind != b->items[i].kind || a->items[i].text != b->items[i].text ||
            a->items[i].len != b->items[i].len)
            return false;
    return true;
}

/* Line after line, each read with the keys of the object read before
 * kept (as a batch reads): every line reads as it does alone, accepted
 * or refused alike, with the same members, and same_keys says whether
 * its keys are the last object's, in their order. Most lines take the
 * keys of the line before with new values and gaps (a byte changed now
 * and then, inside a key too). A key too long to be kept (LONG_KEY) is
 * never the kept one. */
static void a_line_read_with_the_keys_before_reads_as_alone(void **state)
{
    (void)state;
    uint64_t x = 0x5851f42d4c957f2du;
    static jflat_keys kept;
    memset(&kept, 0, sizeof kept);
    char last[JFLAT_MAX_MEMBERS][128];
    size_t last_len[JFLAT_MAX_MEMBERS], last_n = 0;
    bool have = false;
    size_t keyv[8];
    int nkeys = 0;
    size_t read = 0, same = 0;
    for (int round = 0; round < 50000; round++) {
        char text[1024];
        size_t len = random_line_of(&x, text, sizeof text, keyv, &nkeys,
                                    round > 0 && draw(&x, 4) != 0);
        static jflat alone, with;
        bool a = jflat_read(text, len, &alone);
        bool b = jflat_read_keys(text, len, &kept, &with);
        if (a != b)
            fail_msg("round %d: read %s alone, %s with the keys before: %s", round,
                     a ? "" : "not", b ? "" : "not", text);
        if (!a)
            continue;
        read++;
        if (!same_read(&alone, &with))
            fail_msg("round %d: the members read differ: %s", round, text);
        bool want = have && alone.n == last_n;
        for (size_t i = 0; want && i < alone.n; i++)
            want = alone.m[i].key_len == last_len[i] &&
                   memcmp(alone.m[i].key, last[i], last_len[i]) == 0 &&
                   alone.m[i].key_len + 2 <= JFLAT_KEY_CAP;
        if (with.same_keys != want)
            fail_msg("round %d: same_keys %d, the keys are %s the last object's: %s", round,
                     with.same_keys, want ? "" : "not", text);
        same += want;
        have = true;
        last_n = alone.n;
        for (size_t i = 0; i < alone.n; i++) {
            assert_true(alone.m[i].key_len < sizeof last[i]);
            memcpy(last[i], alone.m[i].key, alone.m[i].key_len);
            last_len[i] = alone.m[i].key_len;
        }
    }
    assert_true(read > 5000);
    assert_true(same > 2000);
}

/* A key is kept for the next line up to JFLAT_KEY_CAP bytes with its
 * quotes; a longer one is read as any key, line after line (the line
 * reads the same, only not by comparison). */
static void a_key_is_kept_up_to_its_cap(void **state)
{
    (void)state;
    for (size_t kl = JFLAT_KEY_CAP - 3; kl <= JFLAT_KEY_CAP - 1; kl++) {
        char text[256];
        memset(text, 0, sizeof text);
        text[0] = '{';
        text[1] = '"';
        memset(text + 2, 'k', kl);
        memcpy(text + 2 + kl, "\":\"1\"}", 6);
        size_t len = strlen(text);
        static jflat_keys kept;
        memset(&kept, 0, sizeof kept);
        jflat jf;
        assert_true(jflat_read_keys(text, len, &kept, &jf) && !jf.same_keys);
        assert_true(jflat_read_keys(text, len, &kept, &jf));
        assert_true(jf.n == 1 && jf.m[0].key_len == kl && jf.m[0].len == 1);
        /* Kept with its two quotes within the cap, so that the second
         * line's key is the kept one. */
        assert_int_equal(jf.same_keys, kl + 2 <= JFLAT_KEY_CAP);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_flat_object_is_read_member_by_member),
        cmocka_unit_test(what_it_is_not_sure_of_is_left_to_jansson),
        cmocka_unit_test(what_it_reads_jansson_reads_alike),
        cmocka_unit_test(a_long_string_is_plain_only_when_every_byte_is),
        cmocka_unit_test(its_limits_hold_at_their_edge),
        cmocka_unit_test(a_line_read_with_the_keys_before_reads_as_alone),
        cmocka_unit_test(a_key_is_kept_up_to_its_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
