/*
 * test_csvread.c — engine/csvread.c, the one CSV reader of books and
 * mark paths: RFC 4180 through libcsv, each field with the line and
 * column it starts at, and the stated limits (docs/limits.md) at their
 * edge and one past it.
 */
#include <stdint.h>
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvread.h"

/* Every row as "line:[field@line:col|...]" joined by newlines. */
typedef struct seen {
    char text[8192];
    size_t used;
    size_t rows;
} seen;

static bool collect(void *ud, const csvr_row *row)
{
    seen *s = ud;
    s->rows++;
    s->used += (size_t)snprintf(s->text + s->used, sizeof s->text - s->used, "%s%d:[",
                                s->used ? "\n" : "", row->line);
    for (size_t i = 0; i < row->n; i++) {
        const csvr_field *f = &row->f[i];
        char q[200];
        s->used += (size_t)snprintf(s->text + s->used, sizeof s->text - s->used, "%s%s@%d:%d",
                                    i ? "|" : "", csvr_quote(f->text, f->len, q), f->line, f->col);
    }
    s->used += (size_t)snprintf(s->text + s->used, sizeof s->text - s->used, "]");
    return true;
}

static void read_ok(const char *text, const char *expect)
{
    seen s = {{0}, 0, 0};
    liq_diags d = LIQ_DIAGS_INIT;
    if (!csvr_read("t.csv", text, strlen(text), collect, &s, &d))
        fail_with_diags(text, &d);
    assert_string_equal(s.text, expect);
    liq_diags_free(&d);
}

static void read_fails(const char *text, size_t len, const char *message)
{
    seen s = {{0}, 0, 0};
    liq_diags d = LIQ_DIAGS_INIT;
    assert_false(csvr_read("t.csv", text, len, collect, &s, &d));
    assert_int_equal(d.n, 1);
    expect_first_error(&d, message);
    liq_diags_free(&d);
}

/* Comments, blank lines, CRLF, a missing last newline and a byte-order
 * mark: the rows and where each field starts. */
static void rows_fields_and_their_places(void **state)
{
    (void)state;
    read_ok("\xEF\xBB\xBFtime,mark\n# a comment, with a comma\n\n0,50000\r\n1,,x\n2,3",
            "1:[time@1:1|mark@1:6]\n4:[0@4:1|50000@4:3]\n5:[1@5:1|@5:3|x@5:4]\n6:[2@6:1|3@6:3]");
}

/* RFC 4180 quoting: commas, doubled quotes and a line break inside a
 * quoted field; the next row's line counts the break. Spaces are kept. */
static void quoted_fields(void **state)
{
    (void)state;
    read_ok("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\nnext, x \n",
            "1:[a,b@1:1|say \\x22hi\\x22@1:7|two\\x0alines@1:20]\n3:[next@3:1| x @3:6]");
}

/* A row of 3,000 bytes is one row (the old readers split at 1,023). */
static void long_rows_are_one_row(void **state)
{
    (void)state;
    char text[3200];
    memset(text, 'a', 1000);
    text[1000] = ',';
    memset(text + 1001, 'b', 1000);
    text[2001] = ',';
    memset(text + 2002, 'c', 1000);
    memcpy(text + 3002, "\nz\n", 4);
    seen s = {{0}, 0, 0};
    liq_diags d = LIQ_DIAGS_INIT;
    assert_true(csvr_read("t.csv", text, strlen(text), collect, &s, &d));
    assert_int_equal(s.rows, 2);
    assert_non_null(strstr(s.text, "@1:2003]\n2:[z@2:1]"));
}

/* A field of 1,024 bytes is read; 1,025 is an error at its start. */
static void field_length_limit(void **state)
{
    (void)state;
    char text[1100];
    memcpy(text, "x,", 2);
    memset(text + 2, 'f', CSVR_MAX_FIELD);
    text[2 + CSVR_MAX_FIELD] = 0;
    seen s = {{0}, 0, 0};
    liq_diags d = LIQ_DIAGS_INIT;
    assert_true(csvr_read("t.csv", text, strlen(text), collect, &s, &d));
    assert_int_equal(s.rows, 1);
    text[2 + CSVR_MAX_FIELD] = 'f';
    text[3 + CSVR_MAX_FIELD] = 0;
    read_fails(text, strlen(text), "t.csv:1:3: a field is longer than 1024 bytes (docs/limits.md)");
}

/* 32 fields in a row are read; the 33rd is an error where it starts. */
static void fields_per_row_limit(void **state)
{
    (void)state;
    char text[200] = "";
    for (int i = 0; i < CSVR_MAX_FIELDS; i++)
        strcat(text, i ? ",f" : "f");
    seen s = {{0}, 0, 0};
    liq_diags d = LIQ_DIAGS_INIT;
    assert_true(csvr_read("t.csv", text, strlen(text), collect, &s, &d));
    assert_int_equal(s.rows, 1);
    strcat(text, ",g");
    read_fails(text, strlen(text), "t.csv:1:65: a row holds more than 32 fields (docs/limits.md)");
}

/* Bad quoting and a NUL byte, each at its place. */
static void malformed_input(void **state)
{
    (void)state;
    read_fails("a,b\nc,d\"e\n", 10,
               "t.csv:2:4: CSV: a quote inside a field that does not start with one, or text "
               "after a closing quote (quote the whole field; write a quote in it as \"\")");
    read_fails("a,\"b\"c\n", 7,
               "t.csv:1:6: CSV: a quote inside a field that does not start with one, or text "
               "after a closing quote (quote the whole field; write a quote in it as \"\")");
    read_fails("a,b\n\"open,\nstill\n", 17,
               "t.csv:2:1: CSV: a quoted field is not closed (a quote is missing)");
    read_fails("a,b\x00" "c\n", 6, "t.csv:1:3: a NUL byte inside a field");
}

/* What a message quotes: 40 bytes at most, no control bytes. */
static void quoting_for_messages(void **state)
{
    (void)state;
    char q[200];
    assert_string_equal(csvr_quote("\x1b[31mred", 8, q), "\\x1b[31mred");
    assert_string_equal(csvr_quote("0123456789012345678901234567890123456789xyz", 43, q),
                        "0123456789012345678901234567890123456789...");
}

/* Text with no quote in it is split without libcsv (the batch's and the
 * book's common case); the same text behind a comment line that holds a
 * quote goes through libcsv. Both ways give the same rows, fields and
 * places, or the same first error, for random text of the bytes that
 * matter (separators, line ends, comments, spaces). */
static void unquoted_text_reads_as_libcsv_reads_it(void **state)
{
    (void)state;
    static const char alphabet[] = "a1.,,\n\n\r #";
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int round = 0; round < 20000; round++) {
        char text[256], shown[300];
        size_t len = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t want = (size_t)(x % 120);
        while (len < want) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            text[len++] = alphabet[x % (sizeof alphabet - 1)];
        }
        text[len] = 0;
        char both[300];
        int pre = snprintf(both, sizeof both, "#\"\n%s", text);
        seen a = {{0}, 0, 0}, b = {{0}, 0, 0};
        liq_diags da = LIQ_DIAGS_INIT, db = LIQ_DIAGS_INIT;
        /* The comment line is line 0, so the text starts on line 1 both ways. */
        bool oka = csvr_read("t.csv", text, len, collect, &a, &da);
        bool okb = csvr_read_from("t.csv", both, (size_t)pre, 0, collect, &b, &db);
        snprintf(shown, sizeof shown, "round %d: %s", round, csvr_quote(text, len, (char[200]){0}));
        if (oka != okb)
            fail_msg("%s: one way %s, the other %s", shown, oka ? "reads" : "fails",
                     okb ? "reads" : "fails");
        if (oka && strcmp(a.text, b.text) != 0)
            fail_msg("%s:\n quick:  %s\n libcsv: %s", shown, a.text, b.text);
        if (!oka) {
            char ma[512], mb[512];
            format_diag(first_error(&da), ma, sizeof ma);
            format_diag(first_error(&db), mb, sizeof mb);
            if (strcmp(ma, mb) != 0)
                fail_msg("%s:\n quick:  %s\n libcsv: %s", shown, ma, mb);
        }
        liq_diags_free(&da);
        liq_diags_free(&db);
    }
}

/* A batch line read in place (csvr_plain_record): for random one-line
 * records of the bytes that matter, up to 140 bytes (a row is split
 * sixty-four bytes at a time), what it takes is one row of the same
 * fields at the same columns as csvr_read_from gives; and what it leaves
 * (a quote, a stray line end, a NUL byte, a tab or another control byte
 * up to '\r') is what only the reader can say something about, or reads
 * the same. */
static void a_plain_record_is_the_row_the_reader_reads(void **state)
{
    (void)state;
    static const char plain[] = "a1.,,, 9bc", rare[] = "#\"\r\n\0\xef\xc3\t\x01\x0c";
    uint64_t x = 0x243f6a8885a308d3u;
    size_t taken = 0, highs = 0, full = 0;
    for (int round = 0; round < 20000; round++) {
        char text[160];
        size_t len = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t want = (size_t)(x % 140);
        while (len < want) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            text[len++] = x % 40 == 0 ? rare[(x >> 8) % (sizeof rare - 1)]
                                      : plain[(x >> 8) % (sizeof plain - 1)];
        }
        /* Half end in a line break, as the batch's lines do. */
        if (x >> 40 & 1)
            text[len++] = '\n';
        csvr_cut cut;
        bool high;
        size_t n = csvr_plain_record(text, len, &cut, &high);
        /* The record's own bytes: one final \n, then one \r, aside. */
        size_t own = len;
        if (own && text[own - 1] == '\n')
            own--;
        if (own && text[own - 1] == '\r')
            own--;
        bool odd = false;
        for (size_t i = 0; i < own; i++)
            odd |= text[i] == '"' || (unsigned char)text[i] <= '\r';
        if (odd && n)
            fail_msg("round %d: taken in place, but it holds a quote or a control byte: %s",
                     round, csvr_quote(text, len, (char[200]){0}));
        if (n == 0)
            continue;
        taken++;
        /* Said to hold a byte >= 0x80 exactly when it does (the caller
         * checks such text as UTF-8, and only such text). */
        bool any = false;
        for (size_t i = 0; i < len; i++)
            any |= (unsigned char)text[i] >= 0x80;
        if (high != any)
            fail_msg("round %d: a byte >= 0x80 %s, but said %s", round, any ? "held" : "not held",
                     high ? "held" : "not held");
        highs += high;
        seen a = {{0}, 0, 0}, b = {{0}, 0, 0};
        liq_diags d = LIQ_DIAGS_INIT;
        if (!csvr_read_from("t.csv", text, len, 5, collect, &b, &d) || b.rows != 1)
            fail_msg("round %d: taken in place, but the reader reads %zu rows of %s", round,
                     b.rows, csvr_quote(text, len, (char[200]){0}));
        csvr_field f[CSVR_MAX_FIELDS];
        char copies[CSVR_MAX_FIELDS][160];
        bool empty = false;
        for (size_t i = 0; i < n; i++) {
            size_t flen = cut.at[i + 1] - cut.at[i] - 1;
            memcpy(copies[i], text + cut.at[i], flen);
            copies[i][flen] = 0;
            f[i] = (csvr_field){copies[i], flen, 5, (int)cut.at[i] + 1};
            empty |= flen == 0;
        }
        /* Said to hold an empty field exactly when it does (the batch
         * then finds which). */
        if (cut.empty != empty)
            fail_msg("round %d: an empty field %s, but said %s: %s", round,
                     empty ? "held" : "not held", cut.empty ? "held" : "not held",
                     csvr_quote(text, len, (char[200]){0}));
        full += !empty;
        collect(&a, &(csvr_row){5, n, f});
        if (strcmp(a.text, b.text) != 0)
            fail_msg("round %d:\n in place: %s\n reader:   %s", round, a.text, b.text);
        liq_diags_free(&d);
    }
    assert_true(taken > 5000);
    assert_true(highs > 500);
    assert_true(full > 500);
}

/* In place, a record of 32 fields and a field of 1024 bytes are taken;
 * one more of either is left to the reader, which says so. */
static void a_plain_record_keeps_the_reader_limits(void **state)
{
    (void)state;
    char text[2100];
    csvr_cut cut;
    for (int extra = 0; extra <= 1; extra++) {
        size_t n = 0;
        for (int i = 0; i < CSVR_MAX_FIELDS + extra; i++)
            n += (size_t)sprintf(text + n, "%s1", i ? "," : "");
        bool high;
        assert_int_equal(csvr_plain_record(text, n, &cut, &high), extra ? 0 : CSVR_MAX_FIELDS);
        memset(text, 'x', CSVR_MAX_FIELD + (size_t)extra);
        memcpy(text + CSVR_MAX_FIELD + extra, ",1\n", 3);
        assert_int_equal(csvr_plain_record(text, CSVR_MAX_FIELD + (size_t)extra + 3, &cut, &high),
                         extra ? 0 : 2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_fields_and_their_places),
        cmocka_unit_test(quoted_fields),
        cmocka_unit_test(long_rows_are_one_row),
        cmocka_unit_test(field_length_limit),
        cmocka_unit_test(fields_per_row_limit),
        cmocka_unit_test(malformed_input),
        cmocka_unit_test(quoting_for_messages),
        cmocka_unit_test(unquoted_text_reads_as_libcsv_reads_it),
        cmocka_unit_test(a_plain_record_is_the_row_the_reader_reads),
        cmocka_unit_test(a_plain_record_keeps_the_reader_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
