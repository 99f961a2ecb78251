/*
 * test_venue_markets.c — the venue files that list several markets
 * (policies/dydx-v4, hyperliquid, gmx-v2, drift, kraken-spot-margin) and
 * the brokers that list only what they model (coinbase-us-derivatives,
 * interactive-brokers): each scenario is answered with the market's own
 * parameters, or with a row that says why not; the renamed policies still
 * answer under their old names (policies/aliases.yaml).
 *
 * Hand arithmetic: the shipped ETH and SOL scenarios are 10x longs of
 * 10,000 of notional (4 ETH at 2,500; 100 SOL at 100) with 1,000 of
 * collateral. MM at entry = 10,000 x rate (GMX: of the size at entry);
 * an isolated linear long's liquidation price LP = (S E - C) / (S (1 - r))
 * (GMX, MM on the entry size: (S E - C + MM) / S), cut at 12 places
 * against the trader (up for a long).
 */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_OK = 0 };

/* The one JSON row `liqsim eval POLICY SCENARIO` prints. */
static json_t *eval_row(const char *policy, const char *scenario)
{
    cli_output r = CLI("eval", policy, scenario, "--format", "json");
    expect_exit_code(&r, EXIT_OK);
    json_error_t e;
    json_t *row = json_loads(r.out, 0, &e);
    if (!row)
        fail_msg("%s on %s: not JSON: %s", policy, scenario, e.text);
    cli_output_free(&r);
    return row;
}

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "null";
}

typedef struct venue_case {
    const char *policy, *scenario;
    const char *status, *market;     /* market: the row's (or the scenario's, when not listed) */
    const char *mm, *lp;             /* NULL: no numbers (the row is not ok) */
    const char *reason;              /* for rows that are not ok */
} venue_case;

static const venue_case cases[] = {
    /* dYdX: ETH-USD is Large-Cap like BTC (2 % x 60 % = 1.2 %): MM 120,
     * LP 9,000 / (4 x 0.988) = 2,277.327935222672 06 -> ...673. SOL-USD is
     * Small-Cap (10 % x 50 % = 5 %): MM 500, LP 9,000 / 95 = 94.736842105263 15 -> ...264. */
    {"dydx-v4", "scenarios/eth-10x.yaml", "ok", "ETH-USD", "120", "2277.327935222673", NULL},
    {"dydx-v4", "scenarios/sol-10x.yaml", "ok", "SOL-USD", "500", "94.736842105264", NULL},
    /* Hyperliquid: ETH 1/25 / 2 = 2 %: MM 200, LP 9,000 / 3.92 = 2,295.918367346938 77 -> ...939;
     * SOL 1/20 / 2 = 2.5 %: MM 250, LP 9,000 / 97.5 = 92.307692307692 30 -> ...693. */
    {"hyperliquid", "scenarios/eth-10x.yaml", "ok", "ETH", "200", "2295.918367346939", NULL},
    {"hyperliquid", "scenarios/sol-10x.yaml", "ok", "SOL", "250", "92.307692307693", NULL},
    /* GMX: 0.5 % of the size at entry, MM 50 on both; LP (10,000 - 1,000 + 50) / S. */
    {"gmx-v2", "scenarios/eth-10x.yaml", "ok", "ETH/USD", "50", "2262.5", NULL},
    {"gmx-v2", "scenarios/sol-10x.yaml", "ok", "SOL/USD", "50", "90.5", NULL},
    /* Drift lists SOL-PERP only (4 %: MM 400, LP 9,000 / 96 = 93.75). */
    {"drift", "scenarios/sol-10x.yaml", "ok", "SOL-PERP", "400", "93.75", NULL},
    {"drift", "scenarios/eth-10x.yaml", "not_listed", "ETHUSDT", NULL, NULL,
     "Drift Protocol v2 does not list ETHUSDT (it lists SOL-PERP)"},
    /* Kraken lists ETH/USD and SOL/USD, at 5x: a 10x trade is not offered. */
    {"kraken-spot-margin", "scenarios/eth-10x.yaml", "not_offered", "ETH/USD", NULL, NULL,
     "max 5x on ETH/USD at Kraken (spot on margin); the scenario asks 10x"},
    {"kraken-spot-margin", "scenarios/sol-10x.yaml", "not_offered", "SOL/USD", NULL, NULL,
     "max 5x on SOL/USD at Kraken (spot on margin); the scenario asks 10x"},
    /* The brokers list what their sources cover, nothing else. */
    {"interactive-brokers", "scenarios/default.yaml", "not_listed", "BTCUSDT", NULL, NULL,
     "Interactive Brokers (IB LLC, margin account) does not list BTCUSDT (it lists EUR.CHF)"},
    {"interactive-brokers", "scenarios/sol-10x.yaml", "not_listed", "SOLUSDT", NULL, NULL,
     "Interactive Brokers (IB LLC, margin account) does not list SOLUSDT (it lists EUR.CHF)"},
    {"coinbase-us-derivatives", "scenarios/eth-10x.yaml", "not_listed", "ETHUSDT", NULL, NULL,
     "Coinbase Financial Markets (US derivatives) does not list ETHUSDT (it lists BIT)"},
};

static void each_venue_answers_with_its_own_market_or_says_why_not(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const venue_case *c = &cases[i];
        json_t *row = eval_row(c->policy, c->scenario);
        const char *what[][2] = {{"status", c->status},
                                 {"market", c->market},
                                 {"maintenance_margin", c->mm ? c->mm : "null"},
                                 {"liquidation_price", c->lp ? c->lp : "null"},
                                 {"reason", c->reason ? c->reason : "null"}};
        for (size_t k = 0; k < sizeof what / sizeof *what; k++)
            if (strcmp(str(row, what[k][0]), what[k][1]) != 0)
                fail_msg("%s on %s: %s is %s, expected %s", c->policy, c->scenario, what[k][0],
                         str(row, what[k][0]), what[k][1]);
        json_decref(row);
    }
}

/* A trade above a market's own maximum is refused with that market's
 * number: dYdX's SOL-USD allows 10x (not BTC's 50x), Hyperliquid's SOL
 * 20x (not BTC's 40x). 11x and 21x SOL longs, written to a scratch file. */
static void a_market_s_own_maximum_refuses_the_trade(void **state)
{
    (void)state;
    char dir[] = "/tmp/liqsim-markets-XXXXXX";
    assert_non_null(mkdtemp(dir));
    static const struct { const char *policy; int lev; const char *reason; } over[] = {
        {"dydx-v4", 11, "max 10x on SOL-USD at dYdX v4 (dYdX Chain); the scenario asks 11x"},
        {"hyperliquid", 21,
         "max 20x on SOL at Hyperliquid; the scenario asks 21x"},
    };
    for (size_t i = 0; i < sizeof over / sizeof *over; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/sol-%dx.yaml", dir, over[i].lev);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f,
                "name: sol-%dx\n"
                "account: {collateral: \"1000\", mode: isolated}\n"
                "position: {market: SOLUSDT, contract: linear, side: long, size: \"100\",\n"
                "           entry_price: \"100\", leverage: %d}\n"
                "market: {mark_path: [\"100\", \"85\"]}\n",
                over[i].lev, over[i].lev);
        assert_int_equal(fclose(f), 0);
        json_t *row = eval_row(over[i].policy, path);
        if (strcmp(str(row, "status"), "not_offered") != 0 ||
            strcmp(str(row, "reason"), over[i].reason) != 0)
            fail_msg("%s at %dx: %s \"%s\", expected not_offered \"%s\"", over[i].policy,
                     over[i].lev, str(row, "status"), str(row, "reason"), over[i].reason);
        json_decref(row);
        unlink(path);
    }
    rmdir(dir);
}

/* Every old name in policies/aliases.yaml evaluates as its new policy. */
static void the_renamed_policies_answer_under_their_old_names(void **state)
{
    (void)state;
    static const char *const renamed[][2] = {{"dydx-v4-btc", "dydx-v4"},
                                             {"hyperliquid-btc", "hyperliquid"},
                                             {"gmx-v2-eth", "gmx-v2"},
                                             {"drift-sol-perp", "drift"}};
    char *aliases = read_file("policies/aliases.yaml");
    for (size_t i = 0; i < sizeof renamed / sizeof *renamed; i++) {
        char line[128];
        snprintf(line, sizeof line, "\n%s: %s\n", renamed[i][0], renamed[i][1]);
        if (!strstr(aliases, line))
            fail_msg("policies/aliases.yaml lacks \"%s: %s\"", renamed[i][0], renamed[i][1]);
        json_t *old = eval_row(renamed[i][0], "scenarios/sol-10x.yaml");
        json_t *now = eval_row(renamed[i][1], "scenarios/sol-10x.yaml");
        char *a = json_dumps(old, JSON_SORT_KEYS), *b = json_dumps(now, JSON_SORT_KEYS);
        if (strcmp(a, b) != 0)
            fail_msg("%s and %s answer differently:\n%s\n%s", renamed[i][0], renamed[i][1], a, b);
        free(a);
        free(b);
        json_decref(old);
        json_decref(now);
    }
    free(aliases);
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_venue_answers_with_its_own_market_or_says_why_not),
        cmocka_unit_test(a_market_s_own_maximum_refuses_the_trade),
        cmocka_unit_test(the_renamed_policies_answer_under_their_old_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
