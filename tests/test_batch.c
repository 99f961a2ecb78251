/*
 * test_batch.c — `liqsim batch`: many scenarios on standard input, one
 * per line (docs/batch.md).
 *
 * What it shows: a CSV row and an NDJSON object are the scenario file
 * they spell (the same row as `eval` prints for it); a line read the
 * quick way (a loaded scenario with the line's values set key by key) is
 * the line loaded whole, byte for byte, trace included; the thread count
 * never shows; merged shards are the unsharded run; a bad line is its
 * message on stderr, an "invalid" row in its place and exit 3, while every
 * other line is still evaluated; a bad header prints nothing; the line
 * limit holds at its edge; and the Python peer the bench races
 * (tools/batch_peer.py) computes the same numbers.
 */
#include "support/support.h"
#include "batch.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define POLICY "binance-usdm"

static char *out_path(const char *name)
{
    mkdir(LIQ_TEST_OUT, 0777);
    char *p = malloc(strlen(LIQ_TEST_OUT) + strlen(name) + 2);
    sprintf(p, "%s/%s", LIQ_TEST_OUT, name);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* liqsim ARGS < input, from the project root. */
#define BATCH(input, ...) cli_run_at(LIQ_SOURCE_DIR, (input), (const char *const[]){"batch", __VA_ARGS__, NULL})

static uint64_t next(uint64_t *g)
{
    *g ^= *g << 13;
    *g ^= *g >> 7;
    *g ^= *g << 17;
    return *g;
}

static long below(uint64_t *g, long n)
{
    return (long)(next(g) % (uint64_t)n);
}

/* n lines of positions, some with a notional instead of a size, some
 * with a margin instead of a leverage, some cross: several sets of keys,
 * so that every reader meets lines it loads whole and lines it reads the
 * quick way. */
static char *positions_csv(long n, uint64_t seed)
{
    size_t cap = 200 + (size_t)n * 160;
    char *s = malloc(cap);
    size_t k = (size_t)sprintf(s, "id,collateral,mode,side,size,notional,entry_price,leverage,"
                                  "margin,mark_path,slippage,insurance_fund\n");
    uint64_t g = seed;
    for (long i = 0; i < n; i++) {
        long entry = 4500000 + below(&g, 1000000), lev = 2 + below(&g, 60);
        long milli = 1 + below(&g, 1500), shock = below(&g, 30);
        bool lng = below(&g, 2), by_notional = below(&g, 4) == 0, by_margin = below(&g, 5) == 0;
        bool cross = below(&g, 6) == 0;
        long sgn = lng ? -1 : 1;
        long last = entry + sgn * entry * shock / 100;
        char size[32] = "", notional[32] = "", leverage[32] = "", margin[32] = "";
        if (by_notional)
            sprintf(notional, "%ld", milli * 10);
        else
            sprintf(size, "%ld.%03ld", milli / 1000, milli % 1000);
        if (by_margin)
            sprintf(margin, "%ld", 1 + milli / 3);
        else
            sprintf(leverage, "%ld", lev);
        /* A fund that is unlimited on one line and a number on the next
         * (the base's when empty). */
        static const char *const funds[] = {"", "unlimited", "0", "250"};
        /* Now and then a quoted id (the line then goes through libcsv and
         * the loader's per-key step) and a longer path, so that both quick
         * ways meet paths of every length. */
        char more[64] = "";
        for (long m = below(&g, 3); m > 0; m--)
            sprintf(more + strlen(more), " %ld.%02ld", last / 100, last % 100);
        /* Now and then spaces where a mark path may have them: two
         * between marks, one after the last (each mark keeps its column). */
        if (below(&g, 5) == 0)
            strcat(more, below(&g, 2) ? " " : "  1.25");
        k += (size_t)sprintf(s + k, below(&g, 6) == 0 ? "\"p%ld\"," : "p%ld,", i);
        k += (size_t)sprintf(s + k, "%ld,%s,%s,%s,%s,%ld.%02ld,%s,%s,%ld.%02ld %ld.%02ld%s,0.%03ld,%s\n",
                             5000 + milli * 100, cross ? "cross" : "isolated",
                             lng ? "long" : "short", size, notional, entry / 100, entry % 100,
                             leverage, margin, entry / 100, entry % 100, last / 100, last % 100,
                             more, below(&g, 30), funds[below(&g, 4)]);
    }
    return s;
}

/* The same kind of positions as NDJSON lines, written the ways a script
 * writes them: numbers as strings or whole JSON numbers, a mark path as
 * an array or one string, a key left out or null, short or dotted names,
 * spaces or none; now and then a line only jansson reads (an escape, a
 * nested section), so that both readers meet both kinds. */
static char *positions_ndjson(long n, uint64_t seed)
{
    size_t cap = 200 + (size_t)n * 400;
    char *s = malloc(cap);
    size_t k = 0;
    uint64_t g = seed;
    for (long i = 0; i < n; i++) {
        long entry = 4500000 + below(&g, 1000000), lev = 2 + below(&g, 60);
        long milli = 1 + below(&g, 1500), shock = below(&g, 30);
        bool lng = below(&g, 2), by_notional = below(&g, 4) == 0;
        long last = entry + (lng ? -1 : 1) * entry * shock / 100;
        const char *sp = below(&g, 3) == 0 ? " " : "";
        int form = (int)below(&g, 8);
        k += (size_t)sprintf(s + k, "{\"id\":%s,%s\"collateral\":\"%ld\",", form == 0 ? "\"\\u0070x\"" : "\"px\"",
                             sp, 5000 + milli * 100);
        k += (size_t)sprintf(s + k, "\"%s\":\"%s\",", below(&g, 2) ? "side" : "position.side",
                             lng ? "long" : "short");
        if (by_notional)
            k += (size_t)sprintf(s + k, "\"notional\":%ld,%s", milli * 10,
                                 below(&g, 2) ? "\"size\":null," : "");
        else
            k += (size_t)sprintf(s + k, "\"size\":\"%ld.%03ld\",", milli / 1000, milli % 1000);
        if (form == 1)
            k += (size_t)sprintf(s + k, "\"position\":{\"entry_price\":\"%ld.%02ld\"},", entry / 100,
                                 entry % 100);
        else
            k += (size_t)sprintf(s + k, "\"entry_price\":%s\"%ld.%02ld\",", sp, entry / 100, entry % 100);
        k += (size_t)sprintf(s + k, below(&g, 2) ? "\"leverage\":%ld," : "\"leverage\":\"%ld\",", lev);
        if (below(&g, 2))
            k += (size_t)sprintf(s + k, "\"mark_path\":[\"%ld.%02ld\",%s\"%ld.%02ld\"]", entry / 100,
                                 entry % 100, sp, last / 100, last % 100);
        else
            k += (size_t)sprintf(s + k, "\"market.mark_path\":\"%ld.%02ld  %ld.%02ld\"", entry / 100,
                                 entry % 100, last / 100, last % 100);
        static const char *const funds[] = {"", ",\"insurance_fund\":\"unlimited\"",
                                            ",\"insurance_fund\":0", ",\"insurance_fund\":\"250\"",
                                            ",\"insurance_fund\":null"};
        k += (size_t)sprintf(s + k, ",\"slippage\":\"0.%03ld\"%s}%s\n", below(&g, 30),
                             funds[below(&g, 5)], sp);
    }
    return s;
}

/* The whole of text's lines that start with prefix, joined. */
static size_t count_prefix(const char *text, const char *prefix)
{
    size_t n = 0;
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        n += strncmp(p, prefix, strlen(prefix)) == 0;
    return n;
}

/* ---- a line is a scenario ---------------------------------------------- */

static const char one_yaml[] =
    "name: a1\n"
    "account: {collateral: \"1000\"}\n"
    "position: {side: long, size: \"0.2\", entry_price: \"50000\", leverage: \"10\"}\n"
    "market:\n"
    "  mark_path: [\"50000\", \"47500\", \"42500\"]\n"
    "  liquidation_fill: {slippage: \"0.02\"}\n";
static const char one_csv[] =
    "id,collateral,side,size,entry_price,leverage,mark_path,slippage\n"
    "a1,1000,long,0.2,50000,10,50000 47500 42500,0.02\n";
static const char one_ndjson[] =
    "{\"id\":\"a1\",\"account\":{\"collateral\":\"1000\"},\"position\":{\"side\":\"long\","
    "\"size\":\"0.2\",\"entry_price\":\"50000\",\"leverage\":10},"
    "\"market.mark_path\":[\"50000\",\"47500\",42500],\"slippage\":\"0.02\"}\n";

/* The case line's row: {"case":0,"shard":"1/1", taken off. */
static char *row_of(const char *out)
{
    const char *p = strstr(out, ",\"policy\"");
    assert_non_null(p);
    assert_true(strncmp(out, "{\"case\":0,\"shard\":\"1/1\",", 24) == 0);
    const char *end = strchr(p, '\n');
    char *row = malloc((size_t)(end - p) + 3);
    sprintf(row, "{%.*s\n", (int)(end - p - 1), p + 1);
    return row;
}

static void test_a_csv_row_and_an_ndjson_object_are_the_scenario_file_they_spell(void **state)
{
    (void)state;
    char *yaml = out_path("batch-a1.yaml"), *csv = out_path("batch-a1.csv"),
         *nd = out_path("batch-a1.ndjson");
    write_text(yaml, one_yaml);
    write_text(csv, one_csv);
    write_text(nd, one_ndjson);
    cli_output e = CLI("eval", POLICY, yaml, "--format", "ndjson");
    expect_exit_code(&e, 0);
    cli_output c = BATCH(csv, POLICY);
    cli_output j = BATCH(nd, POLICY);
    expect_exit_code(&c, 0);
    expect_exit_code(&j, 0);
    char *rc = row_of(c.out), *rj = row_of(j.out);
    assert_string_equal(rc, e.out);
    assert_string_equal(rj, e.out);
    /* Then the summary line. */
    assert_int_equal(count_prefix(c.out, "{\"summary\":{\"cases\":1,"), 1);
    free(rc);
    free(rj);
    cli_output_free(&e);
    cli_output_free(&c);
    cli_output_free(&j);
    free(yaml);
    free(csv);
    free(nd);
}

/* Line after line, one reader reads the quick way (its scenario for
 * these keys, the line's values set key by key, straight from the line
 * when it is a CSV record without quotes or a flat JSON object); a fresh
 * reader per line loads each whole. Every row, trace and marks included,
 * is the same. text is a CSV with its header, or NDJSON. */
static void quick_is_whole(const char *text, bool csv)
{
    liq_diags d = LIQ_DIAGS_INIT;
    batch_keys *k = batch_keys_new("<stdin>", NULL, &d);
    liq_policy *p = load_policy_or_fail("policies/" POLICY ".yaml");
    assert_non_null(k);
    const char *at = text;
    batch_header h;
    if (csv) {
        const char *nl = strchr(text, '\n');
        if (!batch_header_read(k, text, (size_t)(nl - text + 1), 1, &h, &d))
            fail_with_diags("header", &d);
        at = nl + 1;
    }
    batch_reader *quick = batch_reader_new(k, false);
    liq_eval_opts eo = {.explain = true};
    long line = csv ? 2 : 1;
    size_t compared = 0;
    for (; *at; line++) {
        const char *end = strchr(at, '\n') + 1;
        /* Each line on its own, after the BATCH_PAD bytes batch_read may
         * read before it (as the runner's records are): digits and points
         * there, which a decimal must not take for its own. */
        size_t len = (size_t)(end - at);
        char *own = malloc(BATCH_PAD + len);
        assert_non_null(own);
        memcpy(own, "9.9.99..9.-+9 .9", BATCH_PAD);
        memcpy(own + BATCH_PAD, at, len);
        batch_reader *whole = batch_reader_new(k, false);
        const liq_scenario *a = batch_read(quick, csv ? &h : NULL, own + BATCH_PAD, len, line, &d);
        const liq_scenario *b = batch_read(whole, csv ? &h : NULL, own + BATCH_PAD, len, line, &d);
        if (!a || !b)
            fail_with_diags("batch_read", &d);
        liq_result *ra = liq_eval(p, a, &eo, &d), *rb = liq_eval(p, b, &eo, &d);
        liq_diags_free(&d);
        if (ra && rb) {
            char *ta = liq_results_render(&ra, 1, LIQ_FMT_JSON, false);
            char *tb = liq_results_render(&rb, 1, LIQ_FMT_JSON, false);
            if (strcmp(ta, tb) != 0)
                fail_msg("line %ld: %.*s\nquick: %s\nwhole: %s", line, (int)(end - at), at, ta, tb);
            compared++;
            free(ta);
            free(tb);
        } else {
            assert_true(!ra && !rb);   /* an evaluation error both ways */
        }
        liq_result_free(ra);
        liq_result_free(rb);
        batch_reader_free(whole);
        free(own);
        at = end;
    }
    assert_true(compared > 250);
    batch_reader_free(quick);
    liq_policy_free(p);
    batch_keys_free(k);
}

static void test_a_line_read_the_quick_way_is_the_line_loaded_whole(void **state)
{
    (void)state;
    char *csv = positions_csv(300, 99);
    quick_is_whole(csv, true);
    free(csv);
    char *nd = positions_ndjson(300, 99);
    quick_is_whole(nd, false);
    free(nd);
}

/* A line read by a reader that has these keys' scenario (the fast way:
 * a CSV record without quotes, a flat JSON object; else the quick way)
 * and by a fresh reader (the line loaded whole): the same scenario or
 * none, the same messages at the same places, the same evaluation. */
static bool line_agrees(batch_reader *warm, const batch_keys *k, const batch_header *h,
                        liq_policy *p, const char *at, size_t len, long line)
{
    char *own = malloc(BATCH_PAD + len);
    assert_non_null(own);
    memcpy(own, "9.9.99..9.-+9 .9", BATCH_PAD);
    memcpy(own + BATCH_PAD, at, len);
    batch_reader *whole = batch_reader_new(k, false);
    liq_diags da = LIQ_DIAGS_INIT, db = LIQ_DIAGS_INIT;
    const liq_scenario *a = batch_read(warm, h, own + BATCH_PAD, len, line, &da);
    const liq_scenario *b = batch_read(whole, h, own + BATCH_PAD, len, line, &db);
    if ((a == NULL) != (b == NULL) || da.n != db.n)
        fail_msg("line %ld: %.*s: read %s (%zu messages: %s), whole %s (%zu: %s)", line,
                 (int)len, at, a ? "yes" : "no", da.n, da.n ? da.items[0].msg : "",
                 b ? "yes" : "no", db.n, db.n ? db.items[0].msg : "");
    for (size_t i = 0; i < da.n; i++)
        if (strcmp(da.items[i].msg, db.items[i].msg) != 0 || da.items[i].line != db.items[i].line ||
            da.items[i].col != db.items[i].col)
            fail_msg("line %ld: %.*s: %d:%d: %s, whole %d:%d: %s", line, (int)len, at,
                     da.items[i].line, da.items[i].col, da.items[i].msg, db.items[i].line,
                     db.items[i].col, db.items[i].msg);
    if (a) {
        /* (--explain reads every line whole: its trace cites where a
         * default was taken, the line that loaded the keys' scenario) */
        liq_eval_opts eo = {.explain = false};
        liq_result *ra = liq_eval(p, a, &eo, &da), *rb = liq_eval(p, b, &eo, &db);
        assert_true((ra == NULL) == (rb == NULL));
        if (ra) {
            char *ta = liq_results_render(&ra, 1, LIQ_FMT_JSON, false);
            char *tb = liq_results_render(&rb, 1, LIQ_FMT_JSON, false);
            if (strcmp(ta, tb) != 0)
                fail_msg("line %ld: %.*s\nread: %s\nwhole: %s", line, (int)len, at, ta, tb);
            free(ta);
            free(tb);
        }
        liq_result_free(ra);
        liq_result_free(rb);
    }
    liq_diags_free(&da);
    liq_diags_free(&db);
    batch_reader_free(whole);
    free(own);
    return a != NULL;
}

/* Values at the edges of the fast readers' own tests, one in each field
 * of a line that reads (the line before it, so that the reader has the
 * keys' scenario): decimals of 18, 19 and 20 digits, 12 and 13 places,
 * exponents, signs, leading zeros, a point first or last, spaces,
 * 'unlimited' and near spellings, the bounds of each key and one past
 * them, text that is no number; as NDJSON also whole JSON numbers of 18
 * to 20 digits, -0, reals, true and null, and escapes. */
static const char *const edge_decs[] = {
    "5000", "5000.000000000000", "5000.0000000000001", "0.000000000001", "0.0000000000001",
    "1e3", "1E3", "1e-3", "5e-13", "+5000", "-5", "-0", "0", "00005000", ".5", "5.",
    "999999999999999999", "9999999999999999999", "99999999999999999999",
    "999999.999999999999", "9999999.999999999999", "170141183460469231731687303.715884105727",
    "170141183460469231731687303.715884105728", " 5", "5 ", "unlimited", "Unlimited",
    "unlimite", "0x10", "1.5%", "1", "1.000000000001", "0.999999999999", "2", "125", "126",
    "100", "100.000000000001", "1000000", "12345678901234567",
};
static const char *const edge_json_nums[] = {
    "5000", "-5", "0", "-0", "1.5", "1e3", "1E-3", "999999999999999999", "9999999999999999999",
    "99999999999999999999", "-999999999999999999", "-9223372036854775808", "9223372036854775807",
    "9223372036854775808", "true", "false", "null", "0005", "1", "125", "126", "[]", "{}",
    "\"\\u0035\"", "\"5\\u0030\"", "\"\\t5\"",
};

static void test_values_at_the_fast_readers_edges_read_as_loaded_whole(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    batch_keys *k = batch_keys_new("<stdin>", NULL, &d);
    liq_policy *p = load_policy_or_fail("policies/" POLICY ".yaml");
    assert_non_null(k);
    static const char header[] = "id,collateral,side,size,entry_price,leverage,mark_path,"
                                 "slippage,insurance_fund\n";
    static const char *const good[] = {"a1", "1000", "long", "0.2", "50000", "10",
                                       "50000 47500 42500", "0.02", "250"};
    enum { NF = sizeof good / sizeof *good };
    batch_header h;
    if (!batch_header_read(k, header, sizeof header - 1, 1, &h, &d))
        fail_with_diags("header", &d);
    batch_reader *csv = batch_reader_new(k, false), *nd = batch_reader_new(k, false);
    long line = 2;
    size_t read = 0, refused = 0;
    char text[512];
    for (size_t f = 1; f < NF; f++)
        for (size_t e = 0; e < sizeof edge_decs / sizeof *edge_decs; e++) {
            /* a CSV record with one field replaced (a mark path: the
             * value as its last mark, and alone) */
            for (int form = 0; form < (f == 6 ? 2 : 1); form++) {
                size_t n = 0;
                for (size_t g = 0; g < NF; g++) {
                    const char *v = g != f ? good[g] : edge_decs[e];
                    n += (size_t)sprintf(text + n, "%s%s%s", g ? "," : "",
                                         g == f && f == 6 && form == 0 ? "50000 " : "", v);
                }
                n += (size_t)sprintf(text + n, "\n");
                /* the good line first, so that the reader has the keys' scenario */
                char ok_line[256];
                size_t m = 0;
                for (size_t g = 0; g < NF; g++)
                    m += (size_t)sprintf(ok_line + m, "%s%s", g ? "," : "", good[g]);
                m += (size_t)sprintf(ok_line + m, "\n");
                assert_true(line_agrees(csv, k, &h, p, ok_line, m, line++));
                if (line_agrees(csv, k, &h, p, text, n, line++))
                    read++;
                else
                    refused++;
            }
        }
    /* NDJSON: the same keys as members, each value a string of edge_decs
     * or one of edge_json_nums as it stands. */
    static const char *const keys[] = {"id", "collateral", "side", "size", "entry_price",
                                       "leverage", "mark_path", "slippage", "insurance_fund"};
    for (size_t f = 1; f < NF; f++)
        for (size_t e = 0; e < sizeof edge_decs / sizeof *edge_decs +
                               sizeof edge_json_nums / sizeof *edge_json_nums; e++) {
            size_t nd_ = sizeof edge_decs / sizeof *edge_decs;
            char val[128];
            if (e < nd_)
                sprintf(val, "\"%s\"", edge_decs[e]);
            else
                sprintf(val, "%s", edge_json_nums[e - nd_]);
            for (int form = 0; form < (f == 6 ? 2 : 1); form++) {
                size_t n = (size_t)sprintf(text, "{");
                char ok_line[256];
                size_t m = (size_t)sprintf(ok_line, "{");
                for (size_t g = 0; g < NF; g++) {
                    char gv[64];
                    if (g == 6)
                        sprintf(gv, "[\"50000\",\"47500\",\"42500\"]");
                    else
                        sprintf(gv, "\"%s\"", good[g]);
                    m += (size_t)sprintf(ok_line + m, "%s\"%s\":%s", g ? "," : "", keys[g], gv);
                    const char *v = gv;
                    char mv[160];
                    if (g == f) {
                        if (f == 6 && form == 0)
                            sprintf(mv, "[\"50000\",%s]", val);
                        else
                            sprintf(mv, "%s", val);
                        v = mv;
                    }
                    n += (size_t)sprintf(text + n, "%s\"%s\":%s", g ? "," : "", keys[g], v);
                }
                n += (size_t)sprintf(text + n, "}\n");
                m += (size_t)sprintf(ok_line + m, "}\n");
                assert_true(line_agrees(nd, k, NULL, p, ok_line, m, line++));
                if (line_agrees(nd, k, NULL, p, text, n, line++))
                    read++;
                else
                    refused++;
            }
        }
    /* both kinds met */
    assert_true(read > 100);
    assert_true(refused > 100);
    batch_reader_free(csv);
    batch_reader_free(nd);
    liq_policy_free(p);
    batch_keys_free(k);
    liq_diags_free(&d);
}

/* With --explain, a key a line leaves out (the fill's slippage here) is
 * traced to the line's own place, as `eval` of that line's scenario
 * would, and the thread count does not show: each line is loaded whole
 * (a line read the quick way would cite the line its keys were first
 * loaded from). */
static void test_an_explained_default_cites_its_own_line(void **state)
{
    (void)state;
    char *csv = out_path("batch-explain-default.csv");
    write_text(csv, "id,collateral,side,size,entry_price,leverage,mark_path,slippage\n"
                    "a1,1000,long,0.2,50000,10,50000 47500 42500,\n"
                    "a2,1000,long,0.2,50000,10,50000 47500 42500 42000,\n"
                    "a3,1000,long,0.2,50000,10,50000 42500,0.01\n"
                    "a4,1000,long,0.2,50000,10,50000 47000 42500 42000,\n");
    cli_output one = BATCH(csv, POLICY, "--explain", "--jobs", "1");
    cli_output three = BATCH(csv, POLICY, "--explain", "--jobs", "3");
    expect_exit_code(&one, 0);
    assert_string_equal(one.out, three.out);
    /* Line 5's default is traced to line 5, where its market section is. */
    const char *a4 = strstr(one.out, "\"scenario\":\"a4\"");
    assert_non_null(a4);
    assert_non_null(strstr(a4, "\"rule\":\"<stdin>:5:"));
    assert_null(strstr(a4, "\"rule\":\"<stdin>:2:"));
    cli_output_free(&one);
    cli_output_free(&three);
    free(csv);
}

/* ---- threads, shards ------------------------------------------------------ */

static void test_the_thread_count_never_shows_in_the_output(void **state)
{
    (void)state;
    char *csv = out_path("batch-2000.csv");
    char *text = positions_csv(2000, 7);
    write_text(csv, text);
    free(text);
    cli_output one = BATCH(csv, POLICY, "deribit", "--jobs", "1");
    cli_output four = BATCH(csv, POLICY, "deribit", "--jobs", "4");
    assert_true(one.rc == 0 || one.rc == 1);
    assert_int_equal(four.rc, one.rc);
    assert_string_equal(one.out, four.out);
    assert_string_equal(one.err, four.err);
    /* A case line per line and policy, then the summary. */
    assert_int_equal(count_prefix(one.out, "{\"case\":"), 4000);
    assert_int_equal(count_prefix(one.out, "{\"summary\":{\"cases\":2000,"), 1);
    cli_output_free(&one);
    cli_output_free(&four);
    free(csv);
}

static void test_merged_shards_are_the_unsharded_batch_byte_for_byte(void **state)
{
    (void)state;
    char *csv = out_path("batch-2000.csv");
    char *text = positions_csv(2000, 7);
    write_text(csv, text);
    free(text);
    char *files[3];
    for (int k = 0; k < 3; k++) {
        char name[64], shard[8];
        snprintf(name, sizeof name, "batch-shard-%d.ndjson", k + 1);
        snprintf(shard, sizeof shard, "%d/3", k + 1);
        files[k] = out_path(name);
        cli_output s = BATCH(csv, POLICY, "--shard", shard, "--jobs", "2");
        assert_true(s.rc == 0 || s.rc == 1);
        write_text(files[k], s.out);
        cli_output_free(&s);
    }
    cli_output m = CLI("merge", files[2], files[0], files[1]);
    cli_output whole = BATCH(csv, POLICY);
    expect_exit_code(&m, 0);
    assert_string_equal(m.out, whole.out);
    cli_output_free(&m);
    cli_output_free(&whole);
    for (int k = 0; k < 3; k++)
        free(files[k]);
    free(csv);
}

/* ---- bad input --------------------------------------------------------- */

/* Each file of tests/data/batch/bad is a batch whose one bad line gives
 * the message its "# expect:" line states; the good lines beside it are
 * evaluated, the bad one is an "invalid" row, and the exit is 3. */
static void bad_line_case(void **state)
{
    const char *path = *state;
    char *msg = expected_message(path);
    cli_output r = BATCH(path, POLICY);
    expect_exit_code(&r, 3);
    expect_err_line(&r, msg);
    json_t *js = json_string(msg);
    char *esc = json_dumps(js, JSON_ENCODE_ANY), want[1400];
    json_decref(js);
    snprintf(want, sizeof want, "\"policy\":null,\"status\":\"invalid\",\"reason\":%s}", esc);
    free(esc);
    if (!strstr(r.out, want)) {
        cli_output_free(&r);
        fail_msg("no invalid row for %s", msg);
    }
    assert_int_equal(count_prefix(r.out, "{\"case\":"), 3);   /* two good lines and the bad one */
    assert_non_null(strstr(r.out, "{\"group\":\"input\",\"name\":\"invalid\",\"kind\":\"count\",\"value\":1}"));
    free(msg);
    cli_output_free(&r);
}

/* Every file of tests/data/batch/bad, a test each. */
static int run_bad_line_files(void)
{
    static const char dir[] = "tests/data/batch/bad";
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    char *paths[64];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) && n < 64) {
        size_t l = strlen(e->d_name);
        if ((l > 4 && strcmp(e->d_name + l - 4, ".csv") == 0) ||
            (l > 7 && strcmp(e->d_name + l - 7, ".ndjson") == 0)) {
            paths[n] = malloc(sizeof dir + l + 2);
            sprintf(paths[n], "%s/%s", dir, e->d_name);
            n++;
        }
    }
    closedir(dp);
    sort_strings(paths, n);
    struct CMUnitTest tests[64];
    for (size_t i = 0; i < n; i++)
        tests[i] = (struct CMUnitTest){paths[i], bad_line_case, NULL, NULL, paths[i]};
    int failed = n >= 10 ? _cmocka_run_group_tests("bad batch lines", tests, n, NULL, NULL)
                         : (fprintf(stderr, "%s: only %zu cases\n", dir, n), 1);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    return failed;
}

static void test_a_header_that_names_no_key_prints_nothing(void **state)
{
    (void)state;
    char *csv = out_path("batch-bad-header.csv");
    write_text(csv, "id,collateral,side,sizee,entry_price,leverage,mark_path\n"
                    "a1,1000,long,0.2,50000,10,50000 42500\n");
    cli_output r = BATCH(csv, POLICY);
    expect_failure(&r, 3);
    expect_err_line(&r, "<stdin>:1:20: unknown key 'sizee'; did you mean 'size'? (docs/batch.md "
                        "lists the keys)");
    cli_output_free(&r);
    write_text(csv, "id,size,position.size\n");
    r = BATCH(csv, POLICY);
    expect_failure(&r, 3);
    expect_err_line(&r, "<stdin>:1:9: column 3 sets position.size, as column 2 does");
    cli_output_free(&r);
    write_text(csv, "id,market.path_file\n");
    r = BATCH(csv, POLICY);
    expect_failure(&r, 3);
    expect_err_line(&r, "<stdin>:1:4: 'market.path_file' cannot be set per line (it names a "
                        "file, several positions or paths, or a section): give it in the "
                        "--scenario file");
    cli_output_free(&r);
    free(csv);
}

/* A comment line's quotes are its text: it ends at its line break, as in
 * the CSV reader, and every line after it is read, its places counted
 * from the file's own lines. (An odd count of quotes once opened a record
 * that swallowed the rest of the input: no rows, exit 0.) */
static void test_a_quote_in_a_csv_comment_line_is_text(void **state)
{
    (void)state;
    static const char header[] = "id,collateral,side,size,entry_price,leverage,mark_path\n";
    static const char a1[] = "a1,1000,long,0.2,50000,10,50000 42500\n";
    static const char a2[] = "a2,1000,short,0.2,50000,10,50000 57500\n";
    char *plain = out_path("batch-comment-plain.csv"), *commented = out_path("batch-comment.csv");
    char text[512];
    snprintf(text, sizeof text, "%s%s%s", header, a1, a2);
    write_text(plain, text);
    snprintf(text, sizeof text, "%s# one \" quote\n%s# \"three\" quotes\"\n%s", header, a1, a2);
    write_text(commented, text);
    cli_output want = BATCH(plain, POLICY), got = BATCH(commented, POLICY);
    expect_exit_code(&want, 0);
    expect_exit_code(&got, 0);
    assert_int_equal(count_prefix(got.out, "{\"case\""), 2);
    assert_string_equal(got.out, want.out);
    cli_output_free(&want);
    cli_output_free(&got);
    /* A bad line after such a comment is cited at its own line. */
    snprintf(text, sizeof text, "%s# \" \n%s# \"\na2,1000,short,0.2x,50000,10,50000 57500\n", header,
             a1);
    write_text(commented, text);
    got = BATCH(commented, POLICY);
    expect_err_line(&got, "<stdin>:5:15: position.size: expected a decimal, got \"0.2x\"");
    cli_output_free(&got);
    free(plain);
    free(commented);
}

/* A line of 65536 bytes is read; one of 65537 is refused (docs/limits.md). */
static void test_a_line_of_65536_bytes_is_read_and_one_more_is_refused(void **state)
{
    (void)state;
    char *nd = out_path("batch-long.ndjson");
    static const char head[] = "{\"id\":\"a1\",\"collateral\":\"1000\",\"side\":\"long\","
                               "\"size\":\"0.2\",\"entry_price\":\"50000\",\"leverage\":10,"
                               "\"mark_path\":[\"50000\",\"42500\"],\"description\":\"";
    for (size_t len = 65536; len <= 65537; len++) {
        /* head, the description's x's, "}, and the newline. */
        size_t pad = len - (sizeof head - 1) - 3;
        char *text = malloc(len + 1);
        memcpy(text, head, sizeof head - 1);
        memset(text + sizeof head - 1, 'x', pad);
        memcpy(text + sizeof head - 1 + pad, "\"}\n", 4);
        assert_int_equal(strlen(text), len);
        write_text(nd, text);
        free(text);
        cli_output r = BATCH(nd, POLICY);
        if (len == 65536) {
            expect_exit_code(&r, 0);
            assert_int_equal(count_prefix(r.out, "{\"case\":0,\"shard\":\"1/1\",\"policy\":\"binance-usdm\""), 1);
        } else {
            expect_exit_code(&r, 3);
            expect_err_line(&r, "<stdin>:1:1: a line of 65537 bytes, more than the limit of "
                                "65536 (docs/limits.md)");
        }
        cli_output_free(&r);
    }
    free(nd);
}

/* A line's mark path holds up to 4096 marks; 4097 are refused. */
static void test_a_mark_path_of_4096_marks_is_read_and_one_more_is_refused(void **state)
{
    (void)state;
    char *nd = out_path("batch-marks.ndjson");
    for (size_t n = 4096; n <= 4097; n++) {
        char *text = malloc(200 + 8 * n);
        size_t k = (size_t)sprintf(text, "{\"collateral\":\"1000\",\"side\":\"long\",\"size\":"
                                         "\"0.2\",\"entry_price\":\"50000\",\"leverage\":10,"
                                         "\"mark_path\":[");
        for (size_t i = 0; i < n; i++)
            k += (size_t)sprintf(text + k, "%s\"50000\"", i ? "," : "");
        sprintf(text + k, "]}\n");
        write_text(nd, text);
        free(text);
        cli_output r = BATCH(nd, POLICY, "--summary-only");
        if (n == 4096) {
            expect_exit_code(&r, 0);
        } else {
            expect_exit_code(&r, 3);
            expect_err_line(&r, "<stdin>:1:85: market.mark_path: more than 4096 marks on one line "
                                "(docs/limits.md)");
        }
        cli_output_free(&r);
    }
    free(nd);
}

/* A message that cites a mark cites its own place on its line, whether
 * the line is read the quick way (the lines after the first of these
 * keys) or loaded whole (--explain loads every line whole). Under an
 * inverse contract a fill of 0 has no value: with a slippage of 1 the
 * fill at the mark that trips the liquidation is 0, and the error names
 * that mark's line and column. Line 3's 20000 starts at column 45 (two
 * spaces before the second mark), line 4's at 26 (the only mark); NDJSON
 * places a string's marks from the member's quote, and an array's items
 * at it. */
static void test_a_message_cites_a_marks_own_place_read_either_way(void **state)
{
    (void)state;
    static const char reach[] = ": the price path reaches 20000, where the liquidation fill "
                                "rounds to 0 and an inverse contract has no value (it is worth "
                                "1/price)\n";
    char *csv = out_path("batch-mark-place.csv"), *nd = out_path("batch-mark-place.ndjson");
    write_text(csv, "id,collateral,side,size,entry_price,leverage,mark_path,slippage\n"
                    "a1,3000,long,0.1,50000,2,50000 48000 20000,1\n"
                    "a2,3000,long,0.1,50000,2,50000  49000 47000 20000,1\n"
                    "a3,3000,long,0.1,50000,2,20000,1\n");
    write_text(nd, "{\"id\":\"n1\",\"collateral\":\"3000\",\"side\":\"long\",\"size\":\"0.1\","
                   "\"entry_price\":\"50000\",\"leverage\":2,\"mark_path\":\"50000 20000\","
                   "\"slippage\":\"1\"}\n"
                   "{\"id\":\"n2\",\"collateral\":\"3000\",\"side\":\"long\",\"size\":\"0.1\","
                   "\"entry_price\":\"50000\",\"leverage\":2,\"mark_path\":\"50000 48000  20000\","
                   "\"slippage\":\"1\"}\n"
                   "{\"id\":\"n3\",\"collateral\":\"3000\",\"side\":\"long\",\"size\":\"0.1\","
                   "\"entry_price\":\"50000\",\"leverage\":2,\"mark_path\":[\"50000\",\"20000\"],"
                   "\"slippage\":\"1\"}\n");
    char want_csv[1024], want_nd[1024];
    snprintf(want_csv, sizeof want_csv, "<stdin>:2:38%s<stdin>:3:45%s<stdin>:4:26%s", reach,
             reach, reach);
    /* The member "mark_path" at column 94: a string's marks counted from
     * there (20000 six bytes in on line 1, thirteen on line 2). */
    snprintf(want_nd, sizeof want_nd, "<stdin>:1:100%s<stdin>:2:107%s<stdin>:3:94%s", reach,
             reach, reach);
    const char *files[] = {csv, nd}, *wants[] = {want_csv, want_nd};
    for (int f = 0; f < 2; f++) {
        cli_output quick = BATCH(files[f], "binance-coinm", "--summary-only");
        cli_output whole = BATCH(files[f], "binance-coinm", "--summary-only", "--explain");
        expect_exit_code(&quick, 1);
        expect_exit_code(&whole, 1);
        assert_string_equal(quick.err, wants[f]);
        assert_string_equal(whole.err, wants[f]);
        cli_output_free(&quick);
        cli_output_free(&whole);
    }
    free(csv);
    free(nd);
}

/* ---- the bench's peer ---------------------------------------------------------- */

/* tools/batch_peer.py, the Python script the bench races, gives every
 * row the liquidation price, loss and deficit liqsim gives it, on the
 * bench's own policy and positions (liqsim bench --keep DIR); reading
 * the same positions as NDJSON (--ndjson) it gives the same rows. */
static void test_the_python_peer_computes_what_liqsim_computes(void **state)
{
    (void)state;
    char *dir = out_path("bench-batch");
    cli_output b = CLI("bench", "--batch", "3000", "--batch-only", "--keep", dir);
    expect_exit_code(&b, 0);
    assert_non_null(strstr(b.out, "same summary"));
    cli_output_free(&b);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd %s && python3 tools/batch_peer.py --rows < %s/positions.csv > %s/peer.txt && "
             "python3 tools/batch_peer.py --ndjson --rows < %s/positions.ndjson | cmp - %s/peer.txt && "
             "%s batch %s/bench-table.yaml < %s/positions.csv | python3 -c '"
             "import sys, json\n"
             "for l in sys.stdin:\n"
             "  o = json.loads(l)\n"
             "  if \"summary\" in o: continue\n"
             "  L = o[\"loss\"]\n"
             "  print(o[\"scenario\"], o[\"liquidation_price\"] or \"null\", "
             "\"true\" if o[\"liquidated\"] else \"false\", L[\"total\"], L[\"fees\"], o[\"deficit\"])"
             "' > %s/liqsim.txt && head -n -1 %s/peer.txt | cmp - %s/liqsim.txt",
             LIQ_SOURCE_DIR, dir, dir, dir, dir, LIQ_CLI, dir, dir, dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_csv_row_and_an_ndjson_object_are_the_scenario_file_they_spell),
        cmocka_unit_test(test_a_line_read_the_quick_way_is_the_line_loaded_whole),
        cmocka_unit_test(test_values_at_the_fast_readers_edges_read_as_loaded_whole),
        cmocka_unit_test(test_an_explained_default_cites_its_own_line),
        cmocka_unit_test(test_the_thread_count_never_shows_in_the_output),
        cmocka_unit_test(test_merged_shards_are_the_unsharded_batch_byte_for_byte),
        cmocka_unit_test(test_a_header_that_names_no_key_prints_nothing),
        cmocka_unit_test(test_a_quote_in_a_csv_comment_line_is_text),
        cmocka_unit_test(test_a_line_of_65536_bytes_is_read_and_one_more_is_refused),
        cmocka_unit_test(test_a_mark_path_of_4096_marks_is_read_and_one_more_is_refused),
        cmocka_unit_test(test_a_message_cites_a_marks_own_place_read_either_way),
        cmocka_unit_test(test_the_python_peer_computes_what_liqsim_computes),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + run_bad_line_files();
}
