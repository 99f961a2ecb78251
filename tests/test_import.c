/*
 * test_import.c — `liqsim import`: a venue's saved public API response read
 * as a policy's markets (engine/import.c, import_json.c, import_yaml.c,
 * tools/cmd_import.c).
 *
 * The responses under tests/data/import/ are shaped as the venues publish
 * them (tests/data/import/README.md says where each shape and its numbers
 * come from). Each reader case states what the venue's words become in
 * liqsim's tier — "<= up_to: rate - deduction, max_leverage" — written
 * out by hand from the response, so a reader that maps a field wrongly
 * fails. Each bad input is a small file with the exact message it must
 * produce; through the CLI it is exit 3 with nothing on stdout.
 */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import.h"

#define IMP(name) "tests/data/import/" name
#define BAD(name) "tests/data/import/bad/" name

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_INPUT = 3 };

/* One market as a line: "SYMBOL BASE/QUOTE kind contract max | tier | ...",
 * a tier as "<=UP_TO RATE -DEDUCTION LEVx" ("<=" left out on an open last
 * tier). */
static void market_text(const imp_market *m, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "%s %s/%s %s %s %ldx", m->symbol, m->base, m->quote,
                                m->dated ? "dated" : "perpetual",
                                m->contract ? m->contract : "-", m->max_leverage);
    for (size_t i = 0; i < m->ntiers && n < cap; i++) {
        const imp_tier *t = &m->tiers[i];
        char up[LIQ_DEC_STRLEN] = "", rate[LIQ_DEC_STRLEN], ded[LIQ_DEC_STRLEN];
        if (t->has_up_to)
            liq_dec_format(t->up_to, up);
        liq_dec_format(t->rate, rate);
        liq_dec_format(t->deduction, ded);
        n += (size_t)snprintf(out + n, cap - n, " | %s%s%s%s -%s %ldx", t->has_up_to ? "<=" : "",
                              up, t->has_up_to ? " " : "", rate, ded, t->max_leverage);
    }
}

static imp_set *read_or_fail(imp_format f, const char *path, const imp_opts *o)
{
    liq_diags d = LIQ_DIAGS_INIT;
    imp_set *s = imp_read(f, path, o, &d);
    if (!s)
        fail_with_diags(path, &d);
    liq_diags_free(&d);
    return s;
}

/* The set holds exactly these markets, in this order. */
static void expect_markets(const imp_set *s, const char *const *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    char got[2048];
    for (size_t i = 0; i < s->n && i < n; i++) {
        market_text(&s->m[i], got, sizeof got);
        if (strcmp(got, want[i]) != 0)
            fail_msg("market %zu:\n  got  %s\n  want %s", i, got, want[i]);
    }
    if (s->n != n)
        fail_msg("%zu markets read, expected %zu", s->n, n);
}

static const imp_opts at_date = {.date = "2026-12-01"};

/* ---- the readers ------------------------------------------------------ */

/* Binance: notionalCap is the bracket's upper bound, maintMarginRatio its
 * rate, cum its deduction, initialLeverage its maximum; the market's
 * maximum is the first bracket's. Brackets are JSON numbers: read as the
 * digits written, never through a double (0.0065 stays 0.0065). */
static void binance_brackets_become_tiers(void **state)
{
    (void)state;
    imp_set *s = read_or_fail(IMP_BINANCE_BRACKETS, IMP("binance-leverage-bracket.json"), &at_date);
    expect_markets(s, (const char *const[]){
        "BTCUSDT BTC/USDT perpetual - 125x"
        " | <=50000 0.004 -0 125x | <=250000 0.005 -50 100x | <=3000000 0.01 -1300 50x"
        " | <=20000000 0.025 -46300 20x | <=40000000 0.05 -546300 10x"
        " | <=100000000 0.1 -2546300 5x | <=120000000 0.125 -5046300 4x"
        " | <=200000000 0.15 -8046300 3x | <=300000000 0.25 -28046300 2x"
        " | <=500000000 0.5 -103046300 1x",
        "ETHUSDT ETH/USDT perpetual - 75x | <=10000 0.0065 -0 75x",
        NULL});
    imp_set_free(s);
}

/* Bybit v5 gives rates in percent ("0.5" is 0.5 %): initialMargin x
 * maxLeverage = 1 x 100 says so; riskLimitValue is the tier's bound and
 * mmDeduction its deduction. A linear contract settles in its quote. */
static void bybit_risk_limits_in_percent_become_fractions(void **state)
{
    (void)state;
    imp_set *s = read_or_fail(IMP_BYBIT_RISK_LIMIT, IMP("bybit-risk-limit.json"), &at_date);
    expect_markets(s, (const char *const[]){
        "BTCUSDT BTC/USDT perpetual linear 100x"
        " | <=2000000 0.005 -0 100x | <=2600000 0.0056 -1200 90x | <=3200000 0.0063 -3020 80x"
        " | <=3800000 0.0067 -4300 75x | <=4400000 0.0071 -5820 70x",
        NULL});
    assert_string_equal(s->m[0].settlement, "USDT");
    imp_set_free(s);
}

/* Rates written as fractions (initialMargin x maxLeverage = 1) are read
 * as they are. With no deduction given, Bybit's recurrence gives it:
 * 2,000,000 x (1 % - 0.5 %) = 10,000; a 57.14x tier allows 57x. Both are
 * said in the tier's assumed. */
static void bybit_fractions_and_a_missing_deduction(void **state)
{
    (void)state;
    imp_set *s = read_or_fail(IMP_BYBIT_RISK_LIMIT, IMP("bybit-risk-limit-fractions.json"),
                              &at_date);
    expect_markets(s, (const char *const[]){"BTCUSDT BTC/USDT perpetual linear 100x"
                                            " | <=2000000 0.005 -0 100x"
                                            " | <=4000000 0.01 -10000 57x",
                                            NULL});
    assert_string_equal(s->m[0].tiers[1].assumed,
                        "maxLeverage 57.14 read as 57: liqsim takes whole leverages, rounded "
                        "down; deduction: the response gives none; computed by Bybit's recurrence "
                        "from the tier below");
    imp_set_free(s);
}

/* The inverse category: the bound is in the coin (150 BTC) and the
 * contract settles in the base coin; no mmDeduction on a first tier is 0. */
static void bybit_inverse_settles_in_the_coin(void **state)
{
    (void)state;
    imp_set *s = read_or_fail(IMP_BYBIT_RISK_LIMIT, IMP("bybit-risk-limit-inverse.json"), &at_date);
    expect_markets(s, (const char *const[]){"BTCUSD BTC/USD perpetual inverse 100x"
                                            " | <=150 0.005 -0 100x",
                                            NULL});
    assert_string_equal(s->m[0].settlement, "BTC");
    imp_set_free(s);
}

/* OKX bounds a tier by size in contracts: maxSz 500 x ctVal 0.01 BTC x
 * 50,000 = 250,000 of notional, and says so in the tier's assumed; the
 * rate applies to the whole position (no deduction). */
static void okx_tiers_are_converted_at_the_given_price(void **state)
{
    (void)state;
    imp_opts o = at_date;
    o.has_contract_value = o.has_price = true;
    o.contract_value = D("0.01");
    o.price = D("50000");
    imp_set *s = read_or_fail(IMP_OKX_POSITION_TIERS, IMP("okx-position-tiers.json"), &o);
    expect_markets(s, (const char *const[]){"BTC-USDT-SWAP BTC/USDT perpetual linear 125x"
                                            " | <=250000 0.004 -0 125x"
                                            " | <=491000000 0.495 -0 2x",
                                            NULL});
    assert_non_null(strstr(s->m[0].tiers[0].assumed, "maxSz 500 contracts x 0.01 (ctVal) x "
                                                     "50000 (reference price)"));
    imp_set_free(s);
}

/* Hyperliquid: rate = 1 / (2 x the tier's max leverage); a tier ends
 * where the next begins; the deduction keeps MM continuous there:
 * BTC 150M x (2.5 % - 1.25 %) = 1,875,000. 1/30 has no exact decimal:
 * rounded up, with the deduction from the rounded rate, and said so.
 * A table id under 50 is one tier at that leverage (FLAT, 3x: 1/6).
 * Delisted assets (HPOS) are left out. */
static void hyperliquid_margin_tables_become_tiers(void **state)
{
    (void)state;
    imp_set *s = read_or_fail(IMP_HL_META, IMP("hyperliquid-meta.json"), &at_date);
    expect_markets(s, (const char *const[]){
        "BTC BTC/USD perpetual linear 40x | <=150000000 0.0125 -0 40x | 0.025 -1875000 20x",
        "ETH ETH/USD perpetual linear 25x | <=100000000 0.02 -0 25x"
        " | 0.033333333334 -1333333.3334 15x",
        "OP OP/USD perpetual linear 10x | <=3000000 0.05 -0 10x | 0.1 -150000 5x",
        "FLAT FLAT/USD perpetual linear 3x | 0.166666666667 -0 3x",
        NULL});
    assert_string_equal(s->m[0].settlement, "USDC");
    assert_string_equal(s->m[1].tiers[0].assumed, "");
    assert_string_equal(s->m[1].tiers[1].assumed, "rate 1/(2 x 15) rounded up to 12 decimals");
    imp_set_free(s);
}

/* --symbols keeps the response's order and leaves the rest out. */
static void only_the_symbols_asked_for_are_read(void **state)
{
    (void)state;
    imp_opts o = at_date;
    o.only = (const char *const[]){"ETHUSDT", NULL};
    imp_set *s = read_or_fail(IMP_BINANCE_BRACKETS, IMP("binance-leverage-bracket.json"), &o);
    expect_markets(s, (const char *const[]){"ETHUSDT ETH/USDT perpetual - 75x"
                                            " | <=10000 0.0065 -0 75x",
                                            NULL});
    imp_set_free(s);
}

/* ---- bad inputs: the file is not the venue's response ---------------- */

typedef struct bad_case {
    imp_format fmt;
    const char *file;
    const char *message;   /* the first error, as the CLI prints it */
} bad_case;

static const bad_case bad_cases[] = {
    {IMP_BINANCE_BRACKETS, BAD("not-json.txt"),
     BAD("not-json.txt") ":1:1: not JSON: '[' or '{' expected near 'hello'; expected the response "
                         "of Binance GET /fapi/v1/leverageBracket (an array of {symbol, brackets})"},
    {IMP_BINANCE_BRACKETS, BAD("binance-truncated.json"),
     BAD("binance-truncated.json") ":6:68: not JSON: string or '}' expected near end of file; "
                                   "expected the response of Binance GET /fapi/v1/leverageBracket "
                                   "(an array of {symbol, brackets})"},
    {IMP_BINANCE_BRACKETS, BAD("binance-error.json"),
     BAD("binance-error.json") ":1:1: the response is an error: code -2015, msg \"Invalid API-key, "
                               "IP, or permissions for action.\"; expected the response of Binance "
                               "GET /fapi/v1/leverageBracket (an array of {symbol, brackets})"},
    {IMP_BINANCE_BRACKETS, IMP("okx-position-tiers.json"),
     IMP("okx-position-tiers.json") ":1:1: expected the response of Binance GET "
                                    "/fapi/v1/leverageBracket (an array of {symbol, brackets}), "
                                    "got an object with keys code, msg, data"},
    {IMP_BINANCE_BRACKETS, BAD("binance-missing-ratio.json"),
     BAD("binance-missing-ratio.json") ":5:7: ETHUSDT.brackets[0]: missing \"maintMarginRatio\" "
                                       "(a decimal)"},
    {IMP_BINANCE_BRACKETS, BAD("binance-rate-as-percent.json"),
     BAD("binance-rate-as-percent.json") ":5:7: BTCUSDT.brackets[0].maintMarginRatio: expected a "
                                         "decimal, got the string \"0.4%\""},
    {IMP_BINANCE_BRACKETS, BAD("binance-too-precise.json"),
     BAD("binance-too-precise.json") ":5:108: BTCUSDT.brackets[0].maintMarginRatio: the number "
                                     "0.0040000000000000000001 has more than 12 decimal places, "
                                     "the precision liqsim keeps"},
    {IMP_BINANCE_BRACKETS, BAD("binance-too-large.json"),
     BAD("binance-too-large.json") ":5:41: BTCUSDT.brackets[0].initialLeverage: the number 1e400 "
                                   "is too large for liqsim's decimals"},
    {IMP_BINANCE_BRACKETS, BAD("binance-gap.json"),
     BAD("binance-gap.json") ":6:86: BTCUSDT.brackets[1].notionalFloor: 60000 is not where the "
                             "previous bracket ends (50000); expected brackets in order, each "
                             "starting at the last one's cap"},
    {IMP_BINANCE_BRACKETS, BAD("binance-adjusted.json"),
     BAD("binance-adjusted.json") ":4:21: ETHUSDT.notionalCoef is the number 1.50: these brackets "
                                  "are one account's, adjusted by Binance; expected the venue's "
                                  "own (saved by an account without adjustment)"},
    {IMP_BYBIT_RISK_LIMIT, BAD("bybit-error.json"),
     BAD("bybit-error.json") ":1:1: the response is an error: retCode 10001, retMsg \"params "
                             "error: symbol invalid\"; expected the response of Bybit GET "
                             "/v5/market/risk-limit ({retCode, result: {category, list}})"},
    {IMP_BYBIT_RISK_LIMIT, BAD("bybit-units-disagree.json"),
     BAD("bybit-units-disagree.json") ":7:13: result.list[0]: initialMargin 1 and maxLeverage 50 "
                                      "do not agree; expected initialMargin x maxLeverage = 100 "
                                      "(rates in percent) or 1 (fractions)"},
    {IMP_BYBIT_RISK_LIMIT, IMP("binance-leverage-bracket.json"),
     IMP("binance-leverage-bracket.json") ":1:1: expected the response of Bybit GET "
                                          "/v5/market/risk-limit ({retCode, result: {category, "
                                          "list}}), got an array"},
    {IMP_OKX_POSITION_TIERS, BAD("okx-error.json"),
     BAD("okx-error.json") ":1:1: the response is an error: code \"51000\", msg \"Parameter "
                           "instFamily error\"; expected the response of OKX GET "
                           "/api/v5/public/position-tiers ({code, data})"},
    {IMP_OKX_POSITION_TIERS, BAD("okx-inverse.json"),
     BAD("okx-inverse.json") ":1:30: data[0].instFamily: BTC-USD is coin-margined (inverse); only "
                             "the linear (USDT, USDC) tiers are read"},
    {IMP_HL_META, BAD("hyperliquid-missing-table.json"),
     BAD("hyperliquid-missing-table.json") ":1:76: universe[0].marginTableId: 56 is not in "
                                           "marginTables (ids under 50 are single tiers; 56 is "
                                           "not)"},
    {IMP_HL_META, BAD("hyperliquid-meta-and-ctxs.json"),
     BAD("hyperliquid-meta-and-ctxs.json") ":1:1: expected the response of Hyperliquid POST /info "
                                           "{\"type\":\"meta\"} ({universe, marginTables}), got an "
                                           "array: a metaAndAssetCtxs response? Its first element "
                                           "is the meta; save the response of {\"type\":\"meta\"}"},
    {IMP_HL_META, IMP("bybit-risk-limit.json"),
     IMP("bybit-risk-limit.json") ":1:1: expected the response of Hyperliquid POST /info "
                                  "{\"type\":\"meta\"} ({universe, marginTables}), got an object "
                                  "with keys retCode, retMsg, result, retExtInfo, time"},
};

static void each_bad_input_has_its_exact_message(void **state)
{
    (void)state;
    imp_opts o = at_date;
    o.has_contract_value = o.has_price = true;
    o.contract_value = D("0.01");
    o.price = D("50000");
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *c = &bad_cases[i];
        liq_diags d = LIQ_DIAGS_INIT;
        imp_set *s = imp_read(c->fmt, c->file, &o, &d);
        if (s)
            fail_msg("%s: read as %s, expected to be refused", c->file, imp_format_name(c->fmt));
        expect_first_error(&d, c->message);
        liq_diags_free(&d);
    }
}

/* Through the command line: exit 3, the message on stderr, nothing on
 * stdout (CONTRACT.md), for each bad case. */
static void a_bad_response_is_exit_3_with_nothing_on_stdout(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *c = &bad_cases[i];
        cli_output r = CLI("import", imp_format_name(c->fmt), c->file, "--date", "2026-12-01",
                           "--contract-value", "0.01", "--price", "50000");
        expect_failure(&r, EXIT_INPUT);
        expect_err_line(&r, c->message);
        cli_output_free(&r);
    }
}

/* OKX's tiers cannot be placed on notional without the contract size and
 * a price: refused, saying which two options. */
static void okx_without_contract_value_and_price_is_refused(void **state)
{
    (void)state;
    cli_output r = CLI("import", "okx-position-tiers", IMP("okx-position-tiers.json"), "--date",
                       "2026-12-01");
    expect_failure(&r, EXIT_INPUT);
    expect_err_line(&r, IMP("okx-position-tiers.json") ": OKX bounds tiers by position size in "
                                                       "contracts: give --contract-value (base "
                                                       "units per contract, ctVal) and --price "
                                                       "(the reference price the bounds are "
                                                       "converted at)");
    cli_output_free(&r);
}

/* ---- the size limit: 8 MiB read, one byte more refused ---------------- */

/* A file of exactly n bytes: "[", spaces, "]" — valid JSON, no market. */
static void write_padded(const char *path, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputc('[', f);
    for (size_t i = 2; i < n; i++)
        fputc(' ', f);
    fputc(']', f);
    assert_int_equal(fclose(f), 0);
}

static void a_response_of_8_mib_is_read_and_one_byte_more_is_refused(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char at[256], over[256], msg[400];
    snprintf(at, sizeof at, "%s/at-limit.json", dir);
    snprintf(over, sizeof over, "%s/over-limit.json", dir);
    write_padded(at, 8u * 1024 * 1024);
    write_padded(over, 8u * 1024 * 1024 + 1);
    liq_diags d = LIQ_DIAGS_INIT;
    assert_null(imp_read(IMP_BINANCE_BRACKETS, at, &at_date, &d));
    snprintf(msg, sizeof msg, "%s: the response lists no market", at);
    expect_first_error(&d, msg);   /* read in full: refused only for what it holds */
    liq_diags_free(&d);
    assert_null(imp_read(IMP_BINANCE_BRACKETS, over, &at_date, &d));
    snprintf(msg, sizeof msg, "%s: larger than 8388608 bytes (8 MiB), the most liqsim import reads",
             over);
    expect_first_error(&d, msg);
    liq_diags_free(&d);
    unlink(at);
    unlink(over);
    rmdir(dir);
    free(dir);
}

/* ---- the command line ---------------------------------------------- */

/* Without --policy: a sources: entry naming the file and its date, and
 * the markets citing it. */
static void the_fragment_cites_the_file_and_its_date(void **state)
{
    (void)state;
    cli_output r = CLI("import", "hyperliquid-meta", IMP("hyperliquid-meta.json"), "--date",
                       "2026-11-30", "--symbols", "BTC");
    expect_exit_code(&r, EXIT_OK);
    assert_string_equal(r.err, "");
    assert_string_equal(
        r.out,
        "# liqsim import hyperliquid-meta tests/data/import/hyperliquid-meta.json --date "
        "2026-11-30: 1 market\n"
        "sources:\n"
        "  hyperliquid-meta-2026-11-30:\n"
        "    url: https://api.hyperliquid.xyz/info\n"
        "    title: \"Hyperliquid POST /info {\\\"type\\\":\\\"meta\\\"}, saved response "
        "hyperliquid-meta.json\"\n"
        "    date: 2026-11-30\n"
        "    retrieved: 2026-11-30\n"
        "    note: \"[OFFICIAL, the venue's API response] margin tables of 1 perpetual (rate = "
        "1/(2 x maxLeverage), deduction by the margin-tiers recurrence, lowerBound of the next "
        "tier -> up_to); delisted assets left out; read by liqsim import hyperliquid-meta from "
        "tests/data/import/hyperliquid-meta.json\"\n"
        "markets:\n"
        "  - symbol: \"BTC\"\n"
        "    base: \"BTC\"\n"
        "    quote: \"USD\"\n"
        "    kind: perpetual\n"
        "    source: hyperliquid-meta-2026-11-30\n"
        "    contract: {type: linear, settlement: \"USDC\", source: hyperliquid-meta-2026-11-30}\n"
        "    margin:\n"
        "      max_leverage: 40\n"
        "      source: hyperliquid-meta-2026-11-30\n"
        "      maintenance:\n"
        "        tiers:\n"
        "          - {up_to: 150000000, rate: 0.0125, deduction: 0, max_leverage: 40, source: "
        "hyperliquid-meta-2026-11-30}\n"
        "          - {rate: 0.025, deduction: 1875000, max_leverage: 20, source: "
        "hyperliquid-meta-2026-11-30}\n");
    cli_output_free(&r);
}

static void copy(const char *from, const char *to)
{
    char *text = read_file(from);
    FILE *f = fopen(to, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    free(text);
}

/* --policy P --write: the markets merged into P, which still loads and
 * passes lint --strict; a market with the same symbol is replaced but
 * keeps what the import does not write (its aliases); a second run with
 * the same response changes nothing. Without --write the merged policy is
 * printed and P is left as it was. */
static void write_merges_into_the_policy_and_is_idempotent(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char pol[256];
    snprintf(pol, sizeof pol, "%s/hyperliquid.yaml", dir);
    copy("policies/hyperliquid.yaml", pol);
    char *before = read_file(pol);

    cli_output shown = CLI("import", "hyperliquid-meta", IMP("hyperliquid-meta.json"), "--date",
                           "2026-12-01", "--policy", pol);
    expect_exit_code(&shown, EXIT_OK);
    char *unchanged = read_file(pol);
    assert_string_equal(unchanged, before);
    assert_non_null(strstr(shown.out, "  hyperliquid-meta-2026-12-01:\n"));

    cli_output w = CLI("import", "hyperliquid-meta", IMP("hyperliquid-meta.json"), "--date",
                       "2026-12-01", "--policy", pol, "--write");
    expect_exit_code(&w, EXIT_OK);
    assert_string_equal(w.out, "");
    char line[512];
    snprintf(line, sizeof line, "%s: 1 market added, 3 replaced (source hyperliquid-meta-2026-12-01)",
             pol);
    expect_err_line(&w, line);
    char *after = read_file(pol);
    /* What the printed merge showed is what was written. */
    assert_string_equal(after, shown.out);
    /* BTC, ETH and OP replaced, BTC's aliases kept; FLAT added. */
    assert_non_null(strstr(after, "  - symbol: \"BTC\"\n"));
    assert_non_null(strstr(after, "    aliases: [BTC-PERP, BTC-USD, BTCUSD]\n"));
    assert_non_null(strstr(after, "  - symbol: \"FLAT\"\n"));
    /* Every comment of the author's file is still there. */
    for (const char *l = before; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
        size_t len = strcspn(l, "\n"), ind = strspn(l, " ");
        if (ind < len && l[ind] == '#') {
            char comment[600];
            snprintf(comment, sizeof comment, "\n%.*s\n", (int)len, l);
            if (!strstr(after, comment) && strncmp(after, comment + 1, len + 1) != 0)
                fail_msg("the comment line \"%.*s\" was lost", (int)len, l);
        }
    }

    cli_output lint = CLI("lint", "--strict", pol);
    expect_exit_code(&lint, EXIT_OK);

    cli_output again = CLI("import", "hyperliquid-meta", IMP("hyperliquid-meta.json"), "--date",
                           "2026-12-01", "--policy", pol, "--write");
    expect_exit_code(&again, EXIT_OK);
    snprintf(line, sizeof line, "%s: 0 markets added, 4 replaced (source hyperliquid-meta-2026-12-01)",
             pol);
    expect_err_line(&again, line);
    char *twice = read_file(pol);
    assert_string_equal(twice, after);

    cli_output_free(&shown);
    cli_output_free(&w);
    cli_output_free(&lint);
    cli_output_free(&again);
    free(before);
    free(unchanged);
    free(after);
    free(twice);
    unlink(pol);
    rmdir(dir);
    free(dir);
}

/* The command line's own mistakes are usage errors (exit 2). */
static void usage_errors_are_exit_2(void **state)
{
    (void)state;
    static const struct {
        const char *args[8];
        const char *message;
    } cases[] = {
        {{"import", "kraken-pairs", IMP("okx-position-tiers.json"), "--date", "2026-12-01"},
         "liqsim import: unknown format 'kraken-pairs'; expected binance-brackets, "
         "bybit-risk-limit, okx-position-tiers or hyperliquid-meta"},
        {{"import", "binance-brackets", IMP("binance-leverage-bracket.json")},
         "liqsim import: --date takes the day the response was saved, YYYY-MM-DD"},
        {{"import", "binance-brackets", IMP("binance-leverage-bracket.json"), "--date",
          "01/12/2026"},
         "liqsim import: --date takes the day the response was saved, YYYY-MM-DD (got "
         "\"01/12/2026\")"},
        {{"import", "binance-brackets", IMP("binance-leverage-bracket.json"), "--date",
          "2026-12-01", "--write"},
         "liqsim import: --write rewrites the file given with --policy"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cli_output r = cli_run(cases[i].args);
        expect_failure(&r, EXIT_USAGE);
        expect_err_line(&r, cases[i].message);
        cli_output_free(&r);
    }
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(binance_brackets_become_tiers),
        cmocka_unit_test(bybit_risk_limits_in_percent_become_fractions),
        cmocka_unit_test(bybit_fractions_and_a_missing_deduction),
        cmocka_unit_test(bybit_inverse_settles_in_the_coin),
        cmocka_unit_test(okx_tiers_are_converted_at_the_given_price),
        cmocka_unit_test(hyperliquid_margin_tables_become_tiers),
        cmocka_unit_test(only_the_symbols_asked_for_are_read),
        cmocka_unit_test(each_bad_input_has_its_exact_message),
        cmocka_unit_test(a_bad_response_is_exit_3_with_nothing_on_stdout),
        cmocka_unit_test(okx_without_contract_value_and_price_is_refused),
        cmocka_unit_test(a_response_of_8_mib_is_read_and_one_byte_more_is_refused),
        cmocka_unit_test(the_fragment_cites_the_file_and_its_date),
        cmocka_unit_test(write_merges_into_the_policy_and_is_idempotent),
        cmocka_unit_test(usage_errors_are_exit_2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
