/*
 * test_jwrite.c — JSON written directly (engine/jwrite.c), beside the
 * same document built as a jansson tree and dumped.
 *
 * What it shows: whatever document the writer is given (objects and
 * arrays nested, empty or not, strings of every kind of byte, integers
 * to both ends of their range, booleans, nulls, exact decimals), its
 * text is jansson's byte for byte, compact and indented; and a string
 * jansson refuses (NULL, or not UTF-8: a stray continuation byte, an
 * overlong form, a surrogate, a code point past U+10FFFF, a cut
 * sequence) fails the writer's whole document as it fails the tree.
 * The result rows of every view are written this way (result_json.c),
 * so this is what keeps them as they were when they were trees.
 */
#include "support/support.h"
#include "jout.h"
#include "jwrite.h"
#include "sbuf.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static size_t draw(uint64_t *x, size_t n)
{
    return (size_t)(next(x) % n);
}

/* A random string: pieces that are plain, escaped by jansson, UTF-8 of
 * every length, or not UTF-8 (only when bad is true). */
static void random_text(uint64_t *x, char *out, size_t cap, bool bad)
{
    static const char *const good[] = {
        "a", "size", "0.25", " ", "\"", "\\", "/", "\n", "\r", "\t", "\b", "\f", "\x01",
        "\x1f", "\x7f", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xed\x9f\xbf",
        "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "\xc2\x80", "\xe0\xa0\x80", "\xf0\x90\x80\x80",
        "unlimited", "assumed: USDT at par", "<stdin>:12:3"};
    static const char *const broken[] = {
        "\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf0\x80\x80\xaf",
        "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xc3", "\xe2\x82", "\xc3\x28"};
    size_t n = 0, pieces = draw(x, 6);
    for (size_t i = 0; i < pieces; i++) {
        const char *p = bad && draw(x, 4) == 0 ? broken[draw(x, sizeof broken / sizeof *broken)]
                                               : good[draw(x, sizeof good / sizeof *good)];
        size_t l = strlen(p);
        if (n + l + 1 > cap)
            break;
        memcpy(out + n, p, l);
        n += l;
    }
    out[n] = 0;
}

static const long long ints[] = {0, 1, -1, 9, 10, -10, 123456789, LLONG_MAX, LLONG_MIN,
                                 LLONG_MIN + 1, 4294967296LL, -4294967297LL};
static const char *const decs[] = {"0", "1", "-1", "0.000000000001", "-0.000000000001",
                                   "12.5", "49645.94", "170141183460469231731.687303715884",
                                   "-170141183460469231731.687303715884", "18446744.073709551615",
                                   "18446744.073709551616", "100000000000000000000"};

/* One random value into both: w, and (as tree) returned; key NULL in an
 * array. depth bounds the nesting. */
static json_t *value(uint64_t *x, jwrite *w, jout *jo, const char *key, int depth, bool bad)
{
    char t[128];
    size_t kind = draw(x, depth > 0 ? 9 : 7);
    switch (kind) {
    case 0:
        random_text(x, t, sizeof t, bad);
        jw_string(w, key, t);
        return json_string(t);
    case 1:
        jw_null(w, key);
        return json_null();
    case 2: {
        bool b = draw(x, 2);
        jw_bool(w, key, b);
        return json_boolean(b);
    }
    case 3: {
        long long v = draw(x, 2) ? ints[draw(x, sizeof ints / sizeof *ints)]
                                 : (long long)next(x);
        jw_int(w, key, v);
        return json_integer(v);
    }
    case 4: {
        liq_dec d;
        assert_int_equal(liq_dec_from_str(decs[draw(x, sizeof decs / sizeof *decs)], &d), LIQ_OK);
        if (draw(x, 2)) {
            /* Any 64-bit amount, either sign. */
            int64_t raw = (int64_t)next(x);
            d = (liq_dec){(liq_i128)raw};
        }
        char s[LIQ_DEC_STRLEN];
        liq_dec_format(d, s);
        jw_dec(w, key, d);
        return json_string(s);
    }
    case 5:
        /* A NULL string: json_string(NULL) fails the tree. */
        if (bad && draw(x, 8) == 0) {
            jw_string(w, key, NULL);
            return json_string(NULL);
        }
        jw_string(w, key, "");
        return json_string("");
    case 6:
    case 7: {
        json_t *o = json_object();
        jw_object(w, key);
        size_t n = draw(x, 5);
        for (size_t i = 0; i < n; i++) {
            /* Distinct keys (the writer's contract), random otherwise. */
            char k[160];
            random_text(x, k, sizeof k - 8, bad);
            size_t kl = strlen(k);
            k[kl] = '#';
            k[kl + 1] = (char)('0' + i);
            k[kl + 2] = 0;
            jout_set(jo, o, k, value(x, w, jo, k, depth - 1, bad));
        }
        jw_end_object(w);
        return o;
    }
    default: {
        json_t *a = json_array();
        jw_array(w, key);
        size_t n = draw(x, 5);
        for (size_t i = 0; i < n; i++)
            jout_push(jo, a, value(x, w, jo, NULL, depth - 1, bad));
        jw_end_array(w);
        return a;
    }
    }
}

/* A random document (an object or an array at the top) both ways, in
 * layout indent; false when both refused it, fails when they disagree. */
static bool same_both_ways(uint64_t *x, int indent, bool bad, int round)
{
    sbuf b = {0};
    jwrite w = jw_new(&b, indent);
    jout jo = {false};
    json_t *top;
    if (draw(x, 2)) {
        top = json_object();
        jw_object(&w, NULL);
        size_t n = draw(x, 6);
        for (size_t i = 0; i < n; i++) {
            char k[3] = {'k', (char)('0' + i), 0};
            jout_set(&jo, top, k, value(x, &w, &jo, k, 3, bad));
        }
        jw_end_object(&w);
    } else {
        top = json_array();
        jw_array(&w, NULL);
        size_t n = draw(x, 6);
        for (size_t i = 0; i < n; i++)
            jout_push(&jo, top, value(x, &w, &jo, NULL, 3, bad));
        jw_end_array(&w);
    }
    char *want = jo.failed ? NULL
                           : jout_dump(top, indent ? JSON_INDENT(indent) : JSON_COMPACT);
    json_decref(top);
    bool refused = jw_failed(&w);
    if (!want != refused)
        fail_msg("round %d: jansson %s, the writer %s", round, want ? "wrote it" : "refused it",
                 refused ? "refused it" : "wrote it");
    if (want && strcmp(want, b.s) != 0)
        fail_msg("round %d, indent %d:\njansson: %s\nwriter:  %s", round, indent, want, b.s);
    free(want);
    free(b.s);
    return !refused;
}

static void random_documents_are_written_as_jansson_writes_them(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15u;
    size_t written = 0;
    for (int round = 0; round < 20000; round++)
        written += same_both_ways(&x, (int[]){0, 2, 4}[round % 3], false, round);
    assert_int_equal(written, 20000);
}

static void a_string_jansson_refuses_fails_the_whole_document(void **state)
{
    (void)state;
    uint64_t x = 0x2545f4914f6cdd1du;
    size_t written = 0, refused = 0;
    for (int round = 0; round < 20000; round++) {
        bool ok = same_both_ways(&x, round % 2 ? 2 : 0, true, round);
        written += ok;
        refused += !ok;
    }
    /* Both sides were met often. */
    assert_true(written > 2000);
    assert_true(refused > 2000);
}

/* By hand, the layouts: what the random rounds compare, spelled out. */
static void compact_and_indented_layouts_by_hand(void **state)
{
    (void)state;
    for (int indent = 0; indent <= 2; indent += 2) {
        sbuf b = {0};
        jwrite w = jw_new(&b, indent);
        jw_object(&w, NULL);
        jw_string(&w, "a", "x\"y\n\x01");
        jw_array(&w, "e");
        jw_end_array(&w);
        jw_array(&w, "l");
        jw_int(&w, NULL, -12);
        jw_object(&w, NULL);
        jw_end_object(&w);
        jw_end_array(&w);
        jw_dec(&w, "d", (liq_dec){(liq_i128)125 * 100000000000LL});
        jw_end_object(&w);
        assert_false(jw_failed(&w));
        assert_string_equal(b.s, indent ? "{\n  \"a\": \"x\\\"y\\n\\u0001\",\n  \"e\": [],\n"
                                          "  \"l\": [\n    -12,\n    {}\n  ],\n  \"d\": \"12.5\"\n}"
                                        : "{\"a\":\"x\\\"y\\n\\u0001\",\"e\":[],\"l\":[-12,{}],"
                                          "\"d\":\"12.5\"}");
        free(b.s);
    }
}

static void utf8_end_finds_the_first_bad_sequence(void **state)
{
    (void)state;
    static const struct { const char *text; size_t end; } cases[] = {
        {"plain ascii text, longer than eight", 35},
        {"caf\xc3\xa9", 5},
        {"ab\x80", 2},
        {"abcdefgh\xc3", 8},
        {"\xe0\x9f\xbf", 0},          /* overlong three-byte */
        {"x\xed\xa0\x80", 1},         /* a surrogate */
        {"\xf4\x90\x80\x80", 0},      /* past U+10FFFF */
        {"\xf0\x9f\x98\x80!", 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_int_equal(jw_utf8_end(cases[i].text, strlen(cases[i].text)), cases[i].end);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compact_and_indented_layouts_by_hand),
        cmocka_unit_test(random_documents_are_written_as_jansson_writes_them),
        cmocka_unit_test(a_string_jansson_refuses_fails_the_whole_document),
        cmocka_unit_test(utf8_end_finds_the_first_bad_sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
