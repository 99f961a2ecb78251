/*
 * test_book.c — engine/book.c, reading a book of accounts (CSV or NDJSON)
 * and a mark path (CSV) for replay.
 *
 * Each bad input is a small file under tests/data/books/ or
 * tests/data/paths/ with the exact message, formatted as the CLI prints
 * it (path:line:col: message), that it must produce and nothing else.
 * What replays do with a book is test_replay.c's business.
 */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book.h"
#include "scenario.h"

#define BK "tests/data/books/"

typedef struct bad_case {
    const char *file;
    bool path;           /* a mark path, else a book */
    const char *message; /* exact, as printed */
} bad_case;

#define PT "tests/data/paths/"
#define A255 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const bad_case bad_cases[] = {
    /* The fuzzer's reproducer: a first row with an empty id was taken as
     * the continuation of an account before it and netted into index -1. */
    {BK "empty-id.csv", false,
     BK "empty-id.csv:2:1: id: expected an account id, got an empty field"},
    {BK "empty-id.ndjson", false,
     BK "empty-id.ndjson:1:1: id: expected an account id, got an empty string"},
    /* Ids past 255 bytes used to be cut, splitting one account into two. */
    {BK "id-256.csv", false, BK "id-256.csv:2:1: id: longer than 255 bytes (docs/limits.md)"},
    {BK "market-65.csv", false,
     BK "market-65.csv:2:31: market: longer than 64 bytes (docs/limits.md)"},
    /* Book quirks that used to change the answer silently. */
    {BK "not-adjacent.csv", false,
     BK "not-adjacent.csv:4:1: id: account \"a1\" began on line 2 and other accounts' rows came "
        "between; an account's rows must be adjacent"},
    {BK "not-adjacent.ndjson", false,
     BK "not-adjacent.ndjson:2:1: id: account \"a1\" is already on line 1; one line holds all "
        "of an account's positions"},
    {BK "collateral-differs.csv", false,
     BK "collateral-differs.csv:3:4: collateral: 2000 differs from 1000 on line 2, where account "
        "\"a1\" begins; an account has one collateral, given on each of its rows"},
    {BK "mode-differs.csv", false,
     BK "mode-differs.csv:3:9: mode: isolated differs from cross on line 2, where account \"a1\" "
        "begins; an account has one margin mode"},
    {BK "negative-entry.csv", false,
     BK "negative-entry.csv:3:23: entry_price: netted with the account's earlier rows this "
        "position leaves an entry price of -100, not > 0 (a profit realized by the reduction); "
        "write the account's net position as one row"},
    {BK "negative-entry.ndjson", false,
     BK "negative-entry.ndjson:1:1: positions[].entry_price: netted with the account's earlier "
        "positions this one leaves an entry price of -100, not > 0 (a profit realized by the "
        "reduction); give the account's net position"},
    {BK "unknown-key.ndjson", false,
     BK "unknown-key.ndjson:1:1: unknown key \"market\" in an account; expected id, collateral, "
        "mode, positions, collateral_assets (a position's market goes inside the position)"},
    {BK "unknown-column.csv", false,
     BK "unknown-column.csv:1:42: unknown column \"levrage\" (did you mean \"leverage\"?); a "
        "book's columns are id,collateral,mode,side,size,entry_price,leverage[,market][,"
        "collateral.ASSET...]"},
    {BK "bad-quote.csv", false,
     BK "bad-quote.csv:2:2: CSV: a quote inside a field that does not start with one, or text "
        "after a closing quote (quote the whole field; write a quote in it as \"\")"},
    /* Paths. A first row with a typo is an error for replay and scenario
     * alike, and a file that is not a path is never quoted. */
    {PT "first-row-typo.csv", true,
     PT "first-row-typo.csv:1:7: not a mark path: the first row is neither a header naming the "
        "columns (time, mark[, oracle][, index][, last][, slippage][, depth][, funding][, collateral | collateral.ASSET...]) nor time,mark with a decimal "
        "mark"},
    {PT "secret.csv", true,
     PT "secret.csv:1:1: not a mark path: the first row is neither a header naming the columns "
        "(time, mark[, oracle][, index][, last][, slippage][, depth][, funding][, collateral | collateral.ASSET...]) nor time,mark with a decimal mark"},
    {PT "headerless-5.csv", true,
     PT "headerless-5.csv:1:22: a path without a header has the columns time, mark[, index, "
        "last]; name the columns in a header row (time, mark[, oracle][, index][, last][, "
        "slippage][, depth][, funding][, collateral | collateral.ASSET...]) to give oracle, slippage, depth, "
        "funding or collateral"},
    {PT "unknown-column.csv", true,
     PT "unknown-column.csv:1:11: unknown column \"slipage\" (did you mean \"slippage\"?); a "
        "path's columns are time, mark[, oracle][, index][, last][, slippage][, depth][, funding][, collateral | "
        "collateral.ASSET...]"},
    /* Collateral assets (docs/replay.md, *Inputs*; docs/limits.md): a
     * column per asset, at most 16, each symbol at most 23 bytes, held by
     * a cross account, the same on each of its rows. */
    {BK "assets-17.csv", false,
     BK "assets-17.csv:1:291: column \"collateral.A17\": more than 16 collateral assets; a book "
        "names at most 16 (docs/limits.md)"},
    {BK "assets-17.ndjson", false,
     BK "assets-17.ndjson:1:1: collateral_assets: 17 assets, more than the limit of 16 "
        "(docs/limits.md)"},
    {BK "asset-name-24.csv", false,
     BK "asset-name-24.csv:1:51: column \"collateral.AAAAAAAAAAAAAAAAAAAAAAAA\": an asset's "
        "symbol is at most 23 bytes (docs/limits.md)"},
    {BK "asset-name-24.ndjson", false,
     BK "asset-name-24.ndjson:1:1: collateral_assets: asset: longer than 23 bytes "
        "(docs/limits.md)"},
    {BK "asset-no-name.csv", false,
     BK "asset-no-name.csv:1:51: column \"collateral.\": name the collateral asset after the dot "
        "(collateral.ETH)"},
    {BK "asset-twice.csv", false,
     BK "asset-twice.csv:1:66: column \"collateral.eth\" names the asset of column "
        "\"collateral.ETH\" again"},
    {BK "asset-twice.ndjson", false,
     BK "asset-twice.ndjson:1:1: collateral_assets: eth is listed twice"},
    {BK "asset-isolated.csv", false,
     BK "asset-isolated.csv:2:33: collateral.ETH: collateral assets back a cross account; account "
        "\"a1\" is isolated"},
    {BK "asset-isolated.ndjson", false,
     BK "asset-isolated.ndjson:1:1: collateral_assets: collateral assets back a cross account; set "
        "\"mode\": \"cross\""},
    {BK "asset-differs.csv", false,
     BK "asset-differs.csv:3:30: collateral.ETH: 1.5 differs from 1 on line 2, where account "
        "\"a1\" begins; an account's collateral assets are given on each of its rows"},
    {BK "asset-bad-amount.csv", false,
     BK "asset-bad-amount.csv:2:30: collateral.ETH: expected the amount of ETH held, a decimal >= "
        "0 (empty: none), got \"-1\""},
    {BK "asset-zero.ndjson", false,
     BK "asset-zero.ndjson:1:1: collateral_assets: amount: expected a decimal > 0 (the units of "
        "the asset held)"},
    {BK "asset-key.ndjson", false,
     BK "asset-key.ndjson:1:1: collateral_assets: unknown key \"price\"; expected asset, amount"},
    {PT "assets-17.csv", true,
     PT "assets-17.csv:1:251: column \"collateral.A17\": more than 16 collateral assets; a path "
        "prices at most 16 (docs/limits.md)"},
    {PT "asset-name-24.csv", true,
     PT "asset-name-24.csv:1:11: column \"collateral.AAAAAAAAAAAAAAAAAAAAAAAA\": an asset's "
        "symbol is at most 23 bytes (docs/limits.md)"},
    {PT "asset-and-collateral.csv", true,
     PT "asset-and-collateral.csv:1:22: a path prices the collateral as one asset that every "
        "account holds (collateral) or per asset (collateral.ASSET), not both"},
    {PT "asset-price-zero.csv", true,
     PT "asset-price-zero.csv:3:9: collateral.ETH: expected a decimal price > 0, got \"0\""},
    {PT "funding-above-one.csv", true,
     PT "funding-above-one.csv:3:10: funding: expected the rate paid at this tick, a decimal "
        "between -1 and 1 (0 where none is due), got \"1.5\""},
};

static void bad_inputs_fail_with_their_message(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *c = &bad_cases[i];
        liq_diags d = LIQ_DIAGS_INIT;
        void *loaded = c->path ? (void *)liq_path_load(c->file, &d) : (void *)liq_book_load(c->file, &d);
        if (loaded)
            fail_msg("%s: loaded, expected %s", c->file, c->message);
        if (d.n != 1) {
            print_diags(&d);
            fail_msg("%s: %zu messages, expected 1", c->file, d.n);
        }
        expect_first_error(&d, c->message);
        liq_diags_free(&d);
    }
}

static liq_dec dec(const char *s)
{
    return D(s);
}

#define assert_dec(v, text)                                                                  \
    do {                                                                                     \
        char b_[LIQ_DEC_STRLEN];                                                             \
        liq_dec_format((v), b_);                                                             \
        assert_string_equal(b_, (text));                                                     \
    } while (0)

/* An id of exactly 255 bytes is kept whole: both rows are one account. */
static void id_of_255_bytes_is_one_account(void **state)
{
    (void)state;
    liq_book *b = load_book_or_fail(BK "id-255.csv");
    assert_int_equal(b->n, 1);
    assert_int_equal(liq_book_accounts(b), 1);
    assert_string_equal(book_id(b, 0), A255);
    assert_dec(book_size(b, 0), "2");
    liq_book_free(b);
}

/* A row longer than the 1,023 bytes the old reader held is one row: its
 * tail used to become an account (or, in a path, a tick) of its own. */
static void long_rows_are_not_split(void **state)
{
    (void)state;
    liq_book *b = load_book_or_fail(BK "long-line.csv");
    assert_int_equal(b->n, 2);
    assert_string_equal(book_id(b, 0), "a1");
    assert_dec(book_collateral(b, 0), "1000");
    assert_string_equal(book_id(b, 1), "a2");
    liq_book_free(b);
    /* The path's floor is 49000: the tail ",40000" is the row's last
     * column, not a tick at 40000. */
    liq_path *p = load_path_or_fail(PT "long-line.csv");
    assert_int_equal(p->n, 2);
    assert_dec(p->mark[1], "49000");
    assert_dec(p->index[1], "49000");
    assert_dec(p->last[1], "40000");
    liq_path_free(p);
}

/* RFC 4180 quoting: a comma and doubled quotes inside one id. */
static void quoted_fields_follow_rfc_4180(void **state)
{
    (void)state;
    liq_book *b = load_book_or_fail(BK "quoted.csv");
    assert_int_equal(b->n, 1);
    assert_string_equal(book_id(b, 0), "desk, A \"north\"");
    liq_book_free(b);
}

/* The market of each position (CSV column, NDJSON key): a1's two BTC
 * rows net into one entry (long 2 @51000), its ETH row is a second entry
 * of the same account; a2's empty market is the path's (NULL). */
static void positions_carry_their_market(void **state)
{
    (void)state;
    static const char *const files[] = {BK "markets.csv", BK "markets.ndjson"};
    for (size_t f = 0; f < 2; f++) {
        liq_book *b = load_book_or_fail(files[f]);
        assert_int_equal(b->n, 3);
        assert_int_equal(liq_book_accounts(b), 2);
        assert_string_equal(book_id(b, 0), "a1");
        assert_string_equal(book_market_of(b, 0), "BTCUSDT");
        assert_int_equal(b->side[0], 1);
        assert_dec(book_size(b, 0), "2");
        assert_dec(book_entry(b, 0), "51000");
        assert_string_equal(book_id(b, 1), "a1");
        assert_string_equal(book_market_of(b, 1), "ETHUSDT");
        assert_int_equal(b->side[1], -1);
        assert_dec(book_size(b, 1), "10");
        assert_dec(book_collateral(b, 1), "5000");
        assert_string_equal(book_id(b, 2), "a2");
        assert_null(book_market_of(b, 2));
        liq_book_free(b);
    }
}

/* A book holds each decimal column in 64 bits until a value needs more,
 * then in 128 (book.h, book_dec): every value reads back exactly either
 * way, the ones before the widening too; the largest 64-bit raw stays
 * narrow. The ids of an account and each market symbol are held once. */
static void values_past_64_bits_read_back_exactly(void **state)
{
    (void)state;
    liq_book *b = load_book_or_fail(BK "wide.csv");
    assert_int_equal(b->n, 4);
    assert_dec(book_collateral(b, 0), "1000.25");
    assert_dec(book_collateral(b, 1), "12000000.5");
    assert_dec(book_collateral(b, 2), "9223372.036854775807");
    assert_dec(book_collateral(b, 3), "500");
    assert_non_null(b->collateral.w);
    assert_dec(book_entry(b, 1), "9223372.036854775807");
    assert_dec(book_entry(b, 2), "0.000000000001");
    assert_null(b->entry.w);
    assert_dec(book_size(b, 0), "0.001");
    assert_dec(book_size(b, 2), "10000000");
    assert_dec(book_size(b, 3), "2");
    assert_non_null(b->size.w);
    assert_dec(book_lev(b, 3), "25");
    assert_null(b->lev.w);
    assert_int_equal(b->nmarkets, 2);
    assert_string_equal(book_market_of(b, 2), "BTCUSDT");
    assert_string_equal(book_market_of(b, 3), "ETHUSDT");
    assert_int_equal(book_line(b, 2), 7);
    liq_book_free(b);
    /* A book without a market column holds no market per entry. */
    b = load_book_or_fail(BK "long-line.csv");
    assert_null(b->market);
    liq_book_free(b);
}

/* A market symbol of 64 bytes is kept. */
static void market_of_64_bytes_is_kept(void **state)
{
    (void)state;
    liq_book *b = load_book_or_fail(BK "market-64.csv");
    assert_int_equal(strlen(book_market_of(b, 0)), BOOK_MAX_MARKET);
    liq_book_free(b);
}

/* An account's collateral assets go in the book's side table, once per
 * account (its later rows repeat them), in its own units; an account
 * without any is not in it. Both formats alike. */
static void collateral_assets_are_kept_per_account(void **state)
{
    (void)state;
    liq_book *b = load_book_or_fail(BK "assets.csv");
    assert_int_equal(b->n, 3);
    assert_int_equal(b->nca, 2);
    long k = book_cassets_of(b, 0);
    assert_int_equal(k, 0);
    assert_int_equal(b->ca_count[k], 1);
    assert_string_equal(book_asset_name(b, b->ca_off[k]), "ETH");
    assert_dec(b->ca_amount[b->ca_off[k]], "2");
    assert_dec(book_collateral(b, 0), "100");
    assert_int_equal(book_cassets_of(b, 1), -1);   /* a2: empty fields */
    k = book_cassets_of(b, 2);                     /* a3: ETH 0 is none held */
    assert_int_equal(b->ca_count[k], 1);
    assert_string_equal(book_asset_name(b, b->ca_off[k]), "BNB");
    assert_dec(b->ca_amount[b->ca_off[k]], "3.5");
    liq_book_free(b);
    b = load_book_or_fail(BK "assets.ndjson");
    assert_int_equal(b->nca, 1);
    assert_int_equal(book_cassets_of(b, 0), 0);
    assert_string_equal(book_asset_name(b, 0), "ETH");
    assert_dec(b->ca_amount[0], "4");
    assert_int_equal(book_cassets_of(b, 1), -1);
    liq_book_free(b);
    /* At the limits: 16 assets, a symbol of 23 bytes. */
    b = load_book_or_fail(BK "assets-16.csv");
    assert_int_equal(b->ca_count[0], 16);
    liq_book_free(b);
    b = load_book_or_fail(BK "assets-16.ndjson");
    assert_int_equal(b->ca_count[0], 16);
    liq_book_free(b);
    b = load_book_or_fail(BK "asset-name-23.csv");
    assert_int_equal(strlen(book_asset_name(b, 0)), BOOK_MAX_ASSET);
    liq_book_free(b);
}

/* A path prices each collateral asset in its own column. */
static void path_prices_each_collateral_asset(void **state)
{
    (void)state;
    liq_path *p = load_path_or_fail(PT "assets.csv");
    assert_int_equal(p->nassets, 2);
    assert_string_equal(p->asset[0], "ETH");
    assert_string_equal(p->asset[1], "BNB");
    assert_dec(p->asset_px[0][1], "2900");
    assert_dec(p->asset_px[1][1], "610");
    assert_false(p->has_collateral);
    liq_path_free(p);
    p = load_path_or_fail(PT "assets-16.csv");
    assert_int_equal(p->nassets, LIQ_PATH_MAX_ASSETS);
    liq_path_free(p);
}

/* A header names the path's columns in any order; every column is read. */
static void path_columns_by_header_name(void **state)
{
    (void)state;
    liq_path *p = load_path_or_fail(PT "columns.csv");
    assert_int_equal(p->n, 2);
    assert_string_equal(p->time[1], "t1");
    assert_dec(p->mark[1], "44000");
    assert_true(p->has_index && p->has_last && p->has_slippage && p->has_depth);
    assert_dec(p->index[1], "43990");
    assert_dec(p->last[1], "44010");
    assert_dec(p->slippage[1], "0.002");
    assert_dec(p->depth[1], "2200000");
    assert_int_equal(p->line[1], 3);
    assert_int_equal(p->col[1], 1);
    (void)dec;
    liq_path_free(p);
}

/* Four prices a tick: each column is kept apart, and the pick of which
 * triggers and which fills follows the policy's trigger.price (the
 * venue's own price; `last`, what traded, fills). A venue whose price the
 * path lacks gets a stand-in that the note names. */
static void path_of_four_prices_keeps_each_column(void **state)
{
    (void)state;
    liq_path *p = load_path_or_fail(PT "four-prices.csv");
    bool have[PCOL_COUNT];
    path_columns(p, have);
    assert_true(have[PCOL_MARK] && have[PCOL_ORACLE] && have[PCOL_INDEX] && have[PCOL_LAST]);
    assert_dec(path_prices(p, PCOL_MARK)[1], "44000");
    assert_dec(path_prices(p, PCOL_ORACLE)[1], "44100");
    assert_dec(path_prices(p, PCOL_INDEX)[1], "43900");
    assert_dec(path_prices(p, PCOL_LAST)[1], "43500");
    pcol_pick k = pcol_choose(PCOL_ORACLE, false, have);
    assert_int_equal(k.trigger, PCOL_ORACLE);
    assert_int_equal(k.fill, PCOL_LAST);
    assert_true(k.several && !k.stand_in);
    /* liquidation.fill_price: trigger — a taker that settles at the
     * venue's own price (Drift's liquidator, GMX's keeper) fills from the
     * oracle, whatever traded. */
    k = pcol_choose(PCOL_ORACLE, true, have);
    assert_int_equal(k.trigger, PCOL_ORACLE);
    assert_int_equal(k.fill, PCOL_ORACLE);
    liq_path_free(p);

    /* mark and last only: an oracle venue triggers on the mark, and says so. */
    bool two[PCOL_COUNT] = {[PCOL_MARK] = true, [PCOL_LAST] = true};
    k = pcol_choose(PCOL_ORACLE, false, two);
    assert_true(k.stand_in && k.trigger == PCOL_MARK && k.fill == PCOL_LAST);
    char note[300];
    assert_string_equal(pcol_note(&k, "dYdX", note, sizeof note),
                        "the path has no oracle column, the price dYdX triggers on: its mark "
                        "column stands in for it; the liquidation fills from its last column "
                        "(traded prices)");
    /* mark and index: an index venue triggers on the index and fills there too. */
    bool mi[PCOL_COUNT] = {[PCOL_MARK] = true, [PCOL_INDEX] = true};
    k = pcol_choose(PCOL_INDEX, false, mi);
    assert_true(!k.stand_in && k.trigger == PCOL_INDEX && k.fill == PCOL_INDEX);
    /* One column: today's reading, and nothing to say. */
    bool one[PCOL_COUNT] = {[PCOL_MARK] = true};
    k = pcol_choose(PCOL_LAST, false, one);
    assert_true(k.trigger == PCOL_MARK && k.fill == PCOL_MARK && !k.several);
    assert_null(pcol_note(&k, "OKEx", note, sizeof note));
}

/* One reader for both: the same file read as a replay's path and as a
 * scenario's path_file gives the same error (a headerless file whose
 * first row has a typo used to be skipped as a header by one and refused
 * by the other) and the same ticks. */
static void replay_and_scenario_read_a_path_alike(void **state)
{
    (void)state;
    static const char want[] =
        "tests/data/bad_scenarios/first_row_typo.csv:1:3: not a mark path: the first row is "
        "neither a header naming the columns (time, mark[, oracle][, index][, last][, slippage][, depth][, funding][, collateral | collateral.ASSET...]) "
        "nor time,mark with a decimal mark";
    liq_diags d = LIQ_DIAGS_INIT;
    assert_null(liq_path_load("tests/data/bad_scenarios/first_row_typo.csv", &d));
    expect_first_error(&d, want);
    liq_diags_free(&d);
    assert_null(liq_scenario_load("tests/data/bad_scenarios/path_file_first_row_typo.yaml", &d));
    expect_first_error(&d, want);
    liq_diags_free(&d);
    liq_path *p = load_path_or_fail("tests/data/scenarios/csv-path.csv");
    liq_scenario *sc = load_scenario_or_fail("tests/data/scenarios/csv-path.yaml");
    assert_int_equal(sc->npath, p->n);
    for (size_t i = 0; i < p->n; i++) {
        assert_int_equal(liq_dec_cmp(sc->path_px[i], p->mark[i]), 0);
        assert_int_equal(sc->path_m[i].line, p->line[i]);
    }
    liq_scenario_free(sc);
    liq_path_free(p);
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_inputs_fail_with_their_message),
        cmocka_unit_test(id_of_255_bytes_is_one_account),
        cmocka_unit_test(long_rows_are_not_split),
        cmocka_unit_test(quoted_fields_follow_rfc_4180),
        cmocka_unit_test(positions_carry_their_market),
        cmocka_unit_test(market_of_64_bytes_is_kept),
        cmocka_unit_test(values_past_64_bits_read_back_exactly),
        cmocka_unit_test(collateral_assets_are_kept_per_account),
        cmocka_unit_test(path_prices_each_collateral_asset),
        cmocka_unit_test(path_columns_by_header_name),
        cmocka_unit_test(path_of_four_prices_keeps_each_column),
        cmocka_unit_test(replay_and_scenario_read_a_path_alike),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
