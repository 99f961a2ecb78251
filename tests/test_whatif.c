/*
 * test_whatif.c — the trader's what-if verbs against the venues' own
 * rules: `liqsim worst` (engine/worst.c), each answer checked by hand
 * from the policy's clauses cited above the test.
 *
 * Each test runs the built CLI (as test_cli.c does) and reads its JSON:
 * the exit code, the numbers, and the file:line of the clause named.
 */
#include "support/support.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { EXIT_OK = 0, EXIT_RUN = 1, EXIT_USAGE = 2, EXIT_INPUT = 3 };

static json_t *parse_json(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j)
        fail_msg("stdout is not JSON (line %d: %s)\n%s", e.line, e.text, text);
    return j;
}

static const char *str_at(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    if (!json_is_string(v))
        fail_msg("%s%s%s is not a string", a, b ? "." : "", b ? b : "");
    return json_string_value(v);
}

/* The text of line `at`'s file:line names ("policies/x.yaml:235:15"):
 * a clause is checked against what the file says there, so the test
 * follows the policy when lines move. Caller frees. */
static char *line_at(const char *at)
{
    char file[512];
    int line = 0;
    const char *colon = strchr(at, ':');
    assert_non_null(colon);
    snprintf(file, sizeof file, "%.*s", (int)(colon - at), at);
    line = atoi(colon + 1);
    char *text = read_file(file);
    char *p = text;
    for (int i = 1; i < line && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    assert_non_null(p);
    char *end = strchr(p, '\n');
    char *out = strndup(p, end ? (size_t)(end - p) : strlen(p));
    free(text);
    return out;
}

/* The clause at `at` is in `file` and its line holds `text`. */
static void expect_clause(json_t *clause, const char *file, const char *text)
{
    const char *at = str_at(clause, "at", NULL);
    if (strncmp(at, file, strlen(file)) != 0 || at[strlen(file)] != ':')
        fail_msg("clause at %s, expected in %s", at, file);
    char *line = line_at(at);
    if (!strstr(line, text))
        fail_msg("%s holds \"%s\", expected \"%s\"", at, line, text);
    free(line);
}

/* The one row of `liqsim worst SCENARIO POLICY --format json`. */
static json_t *worst_row(const char *scenario, const char *policy)
{
    cli_output r = CLI("worst", scenario, policy, "--format", "json");
    expect_exit_code(&r, EXIT_OK);
    json_t *rows = parse_json(r.out);
    cli_output_free(&r);
    assert_int_equal(json_array_size(rows), 1);
    json_t *row = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return row;
}

/* Binance USDⓈ-M promises that a trader never owes
 * (policies/binance-usdm.yaml:234, negative_balance.protection: true), so
 * the default 10x long of 0.2 BTC at 50,000 with 1,000 of margin can
 * lose at most its 1,000: the guide's "~$1,100" is not what Binance
 * charges, since the clearance fee is capped at what is left (:205, cap:
 * remaining_margin). Where the loss reaches 1,000 first: the liquidation
 * price, (1000 - 0.2 x 50000) / (0.2 x 0.004 - 0.2) = 45180.7228...
 * (tier 1, rate 0.004, :167); a trigger there fills 2 % below, 44277.1,
 * under the bankruptcy price 45000, so the whole margin goes. On the
 * search's grid (a millionth of the entry, 0.05) the least adverse mark
 * is 45180.70; at 45180.75 the position is not liquidated and the open
 * loss is 0.2 x 4819.25 = 963.85. */
static void worst_under_protection_is_the_margin(void **state)
{
    (void)state;
    json_t *row = worst_row("default", "binance-usdm");
    json_t *w = json_object_get(row, "worst");
    assert_true(json_is_true(json_object_get(w, "bounded")));
    assert_string_equal(str_at(w, "kind", NULL), "negative_balance_protection");
    assert_string_equal(str_at(w, "loss", NULL), "1000");
    assert_string_equal(str_at(w, "debt", NULL), "0");
    assert_string_equal(str_at(w, "resolution", NULL), "0.05");
    json_t *mp = json_object_get(json_object_get(w, "path"), "mark_path");
    assert_string_equal(json_string_value(json_array_get(mp, 0)), "50000");
    assert_string_equal(json_string_value(json_array_get(mp, 1)), "45180.7");
    json_t *bound = json_array_get(json_object_get(row, "clauses"), 0);
    assert_string_equal(str_at(bound, "key", NULL), "negative_balance.protection");
    expect_clause(bound, "policies/binance-usdm.yaml", "protection: true");
    json_t *fee = json_array_get(json_object_get(row, "clauses"), 1);
    expect_clause(fee, "policies/binance-usdm.yaml", "cap: remaining_margin");
    assert_non_null(strstr(str_at(fee, "says", NULL), "cap remaining_margin"));
    json_decref(row);

    /* The two sides of that mark, by eval: all the margin, and not yet. */
    const char *at[2] = {"45180.7", "45180.75"}, *lost[2] = {"1000", "963.85"};
    for (int k = 0; k < 2; k++) {
        char yaml[600];
        snprintf(yaml, sizeof yaml,
                 "name: gap\naccount: {collateral: \"1000\", mode: isolated}\n"
                 "position: {market: BTCUSDT, side: long, size: \"0.2\", entry_price: \"50000\", "
                 "leverage: 10}\n"
                 "market: {mark_path: [\"50000\", \"%s\"], liquidation_fill: {slippage: \"0.02\"}}\n",
                 at[k]);
        char path[256];
        mkdir(LIQ_TEST_OUT, 0777);
        snprintf(path, sizeof path, "%s/worst-gap.yaml", LIQ_TEST_OUT);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(yaml, f);
        fclose(f);
        cli_output e = CLI("eval", "binance-usdm", path, "--format", "json");
        json_t *j = parse_json(e.out);
        liq_dec fb, lost_d;
        assert_int_equal(liq_dec_from_str(str_at(j, "final_balance", NULL), &fb), LIQ_OK);
        lost_d = dec_sub(D("1000"), fb);
        char b[LIQ_DEC_STRLEN];
        assert_string_equal(dec_text(lost_d, b), lost[k]);
        json_decref(j);
        cli_output_free(&e);
    }
}

/* Coinbase's US derivatives promise no protection ("a loss of funds
 * greater than the total amount of funds you have on deposit",
 * policies/coinbase-us-derivatives.yaml:152, protection: false) and put a
 * deficit on the trader (:148, shortfall.order: [trader_debt]). The same
 * long loses about its notional, 0.2 x 50,000 = 10,000, as the mark
 * falls toward zero; the account (Coinbase holds it in cross: the whole
 * 1,000) covers 1,000 and the trader owes 9,000. The limit is approached,
 * not reached: the path ends at the smallest price a scenario can state. */
static void worst_without_protection_is_about_the_notional(void **state)
{
    (void)state;
    json_t *row = worst_row("default", "coinbase-us-derivatives");
    json_t *w = json_object_get(row, "worst");
    assert_string_equal(str_at(w, "kind", NULL), "price_floor");
    assert_string_equal(str_at(w, "loss", NULL), "10000");
    assert_string_equal(str_at(w, "debt", NULL), "9000");
    assert_true(json_is_false(json_object_get(w, "attained")));
    json_t *mp = json_object_get(json_object_get(w, "path"), "mark_path");
    assert_string_equal(json_string_value(json_array_get(mp, 1)), "0.000000000001");
    json_t *bound = json_array_get(json_object_get(row, "clauses"), 0);
    expect_clause(bound, "policies/coinbase-us-derivatives.yaml", "protection: false");
    assert_string_equal(str_at(bound, "says", NULL), "false");
    json_t *cover = json_array_get(json_object_get(row, "clauses"), 2);
    assert_string_equal(str_at(cover, "says", NULL), "[trader_debt]");
    json_decref(row);
}

/* The same position short at Coinbase: nothing bounds the price, so
 * nothing bounds the loss, and the answer says so (no number), with the
 * loss at its two farthest probes growing by the size, 0.2 per unit of
 * price: at 10^6 x the entry less the 2 % slippage... the numbers are the
 * engine's; what is asserted is that the second is ten times as far and
 * the loss grows accordingly (at least nine times larger). */
static void worst_short_without_protection_is_unbounded(void **state)
{
    (void)state;
    json_t *row = worst_row("tests/data/whatif/short-10x.yaml", "coinbase-us-derivatives");
    json_t *w = json_object_get(row, "worst");
    assert_true(json_is_false(json_object_get(w, "bounded")));
    assert_string_equal(str_at(w, "kind", NULL), "unbounded");
    assert_true(json_is_null(json_object_get(w, "loss")));
    json_t *pr = json_object_get(w, "probes");
    assert_int_equal(json_array_size(pr), 2);
    liq_dec m0 = D(str_at(json_array_get(pr, 0), "mark", NULL));
    liq_dec m1 = D(str_at(json_array_get(pr, 1), "mark", NULL));
    liq_dec l0 = D(str_at(json_array_get(pr, 0), "loss", NULL));
    liq_dec l1 = D(str_at(json_array_get(pr, 1), "loss", NULL));
    liq_dec ten_m0, nine_l0;
    assert_int_equal(liq_dec_mul(m0, D("10"), LIQ_ROUND_HALF_EVEN, &ten_m0), LIQ_OK);
    assert_int_equal(liq_dec_cmp(ten_m0, m1), 0);
    assert_int_equal(liq_dec_mul(l0, D("9"), LIQ_ROUND_HALF_EVEN, &nine_l0), LIQ_OK);
    assert_true(liq_dec_cmp(l1, nine_l0) > 0);
    json_decref(row);
}

/* A venue that does not list the market, or would refuse the trade,
 * answers nothing: its row says why (Kraken spot margin offers 5x at most). */
static void worst_refused_rows_carry_no_numbers(void **state)
{
    (void)state;
    json_t *row = worst_row("default", "kraken-spot-margin");
    assert_string_equal(str_at(row, "status", NULL), "not_offered");
    assert_true(json_is_null(json_object_get(row, "worst")));
    json_decref(row);
}

static void worst_bad_input(void **state)
{
    (void)state;
    cli_output r = CLI("worst", "tests/data/whatif/two-positions.yaml", "binance-usdm");
    char *msg = expected_message("tests/data/whatif/two-positions.yaml");
    expect_failure(&r, EXIT_INPUT);
    expect_err_line(&r, msg);
    free(msg);
    cli_output_free(&r);
    r = CLI("worst", "default", "binance-usdm", "--format", "csv");
    expect_failure(&r, EXIT_USAGE);
    cli_output_free(&r);
    r = CLI("worst", "no-such-scenario.yaml");
    expect_failure(&r, EXIT_INPUT);
    cli_output_free(&r);
}

/* ---- stop-loss orders ---------------------------------------------------- */

/* `liqsim eval POLICY SCENARIO --format json`, which must succeed. */
static json_t *eval_json(const char *policy, const char *scenario)
{
    cli_output r = CLI("eval", policy, scenario, "--format", "json");
    expect_exit_code(&r, EXIT_OK);
    json_t *j = parse_json(r.out);
    cli_output_free(&r);
    return j;
}

/* Binance USDⓈ-M, the 10x long of 0.2 BTC at 50,000 with a stop at
 * 48,000 (tests/data/whatif/stop-filled.yaml). The mark 48,500 is above
 * the stop; 47,800 is the first at or below it: the stop's market order
 * fills there, 2 % lower, at 47,800 x 0.98 = 46,844. The trader loses
 * 0.2 x (50,000 - 46,844) = 631.2 (191.2 of it the slippage, 0.2 x 956)
 * and keeps 368.8: no liquidation, no fee (trading fees are not
 * modelled). Without the stop the mark reaches 42,500, at or below the
 * liquidation price 45,180.72 (policies/binance-usdm.yaml:167, tier 1):
 * liquidated, filled at 41,650, all of the 1,000 lost. */
static void stop_fills_at_the_first_mark_beyond_it(void **state)
{
    (void)state;
    json_t *r = eval_json("binance-usdm", "tests/data/whatif/stop-filled.yaml");
    json_t *st = json_object_get(r, "stop_loss");
    assert_string_equal(str_at(st, "outcome", NULL), "filled");
    assert_int_equal(json_integer_value(json_object_get(st, "trigger_step")), 2);
    assert_string_equal(str_at(st, "trigger_mark", NULL), "47800");
    assert_string_equal(str_at(st, "fill_price", NULL), "46844");
    assert_string_equal(str_at(st, "slippage_cost", NULL), "191.2");
    assert_true(json_is_false(json_object_get(st, "beyond_liquidation_price")));
    assert_true(json_is_false(json_object_get(r, "liquidated")));
    assert_string_equal(str_at(r, "loss", "unforced"), "631.2");
    assert_string_equal(str_at(r, "loss", "forced"), "0");
    assert_string_equal(str_at(r, "loss", "fees"), "0");
    assert_string_equal(str_at(r, "final_balance", NULL), "368.8");
    json_t *wo = json_object_get(st, "without_stop");
    assert_true(json_is_true(json_object_get(wo, "liquidated")));
    assert_string_equal(str_at(wo, "trigger_price", NULL), "42500");
    assert_string_equal(str_at(wo, "fill_price", NULL), "41650");
    assert_string_equal(str_at(wo, "trader_lost", NULL), "1000");
    assert_string_equal(str_at(st, "saved", NULL), "368.8");
    json_t *ev = json_object_get(r, "events");
    assert_string_equal(str_at(json_array_get(ev, 0), "type", NULL), "stop_triggered");
    assert_string_equal(str_at(json_array_get(ev, 1), "type", NULL), "stop_filled");
    json_decref(r);

    /* The table and the page say the same, beside what liquidation would do. */
    const char *line = "binance-usdm: stop-loss at 48000: triggered at the mark 47800, filled "
                       "at 46844 (slippage 0.02); the trader lost 631.2. Without the stop: "
                       "liquidated at 42500, filled at 41650, the trader would have lost 1000; "
                       "the stop saved 368.8";
    cli_output t = CLI("eval", "binance-usdm", "tests/data/whatif/stop-filled.yaml", "--format",
                       "table");
    expect_exit_code(&t, EXIT_OK);
    assert_non_null(strstr(t.out, line));
    cli_output_free(&t);
    t = CLI("eval", "binance-usdm", "tests/data/whatif/stop-filled.yaml", "--format", "html");
    expect_exit_code(&t, EXIT_OK);
    assert_non_null(strstr(t.out, "<ul id=\"stop-loss\">"));
    assert_non_null(strstr(t.out, "the stop saved 368.8"));
    cli_output_free(&t);
}

/* The stop at 46,000 is gapped through (stop-gapped.yaml): from 47,500
 * (above the stop and the liquidation price 45,180.72) the mark falls to
 * 42,500, beyond both at once. The venue liquidates at that mark and
 * cancels the order: the result is the liquidation's, as without the
 * stop (trigger 42,500, fill 41,650, 1,000 lost), and the stop saved 0. */
static void stop_gapped_through_is_cancelled_by_the_liquidation(void **state)
{
    (void)state;
    json_t *r = eval_json("binance-usdm", "tests/data/whatif/stop-gapped.yaml");
    json_t *st = json_object_get(r, "stop_loss");
    assert_string_equal(str_at(st, "outcome", NULL), "liquidated_first");
    assert_string_equal(str_at(st, "trigger_mark", NULL), "42500");
    assert_true(json_is_null(json_object_get(st, "fill_price")));
    assert_true(json_is_true(json_object_get(r, "liquidated")));
    assert_string_equal(str_at(r, "trigger_price", NULL), "42500");
    assert_string_equal(str_at(r, "fill_price", NULL), "41650");
    assert_string_equal(str_at(r, "trader_lost", NULL), "1000");
    assert_string_equal(str_at(st, "saved", NULL), "0");
    json_decref(r);
}

/* A stop-limit, stop 48,000, limit 47,900 (stop-limit.yaml): the mark
 * gaps to 47,500, below the limit: triggered, but a limit order does not
 * sell below its limit, so it rests. At 48,200 it fills, at the mark less
 * 2 %, 47,236, but never worse than the limit: 47,900. Loss 0.2 x 2,100
 * = 420; the later crash to 42,500 finds the position closed. */
static void stop_limit_rests_and_never_fills_worse_than_its_limit(void **state)
{
    (void)state;
    json_t *r = eval_json("binance-usdm", "tests/data/whatif/stop-limit.yaml");
    json_t *st = json_object_get(r, "stop_loss");
    assert_string_equal(str_at(st, "outcome", NULL), "filled");
    assert_int_equal(json_integer_value(json_object_get(st, "trigger_step")), 1);
    assert_int_equal(json_integer_value(json_object_get(st, "fill_step")), 2);
    assert_string_equal(str_at(st, "fill_mark", NULL), "48200");
    assert_string_equal(str_at(st, "fill_price", NULL), "47900");
    assert_string_equal(str_at(r, "trader_lost", NULL), "420");
    assert_string_equal(str_at(st, "saved", NULL), "580");
    json_decref(r);
}

/* A stop at 46,000 triggered at 45,500, above the liquidation price
 * 45,180.72 (stop-beyond-lp.yaml): the mark has not reached it, so the
 * stop fills, 2 % lower at 44,590, beyond the liquidation price and below
 * the bankruptcy price 45,000. Equity 1,000 - 0.2 x 5,410 = -82: a
 * deficit of 82, which Binance's insurance fund covers (shortfall.order
 * [insurance_fund, adl], :227; protection :234). The trader loses the
 * whole 1,000, as without the stop: it did not save them. */
static void stop_filled_beyond_the_liquidation_price_does_not_save(void **state)
{
    (void)state;
    json_t *r = eval_json("binance-usdm", "tests/data/whatif/stop-beyond-lp.yaml");
    json_t *st = json_object_get(r, "stop_loss");
    assert_string_equal(str_at(st, "outcome", NULL), "filled");
    assert_string_equal(str_at(st, "fill_price", NULL), "44590");
    assert_true(json_is_true(json_object_get(st, "beyond_liquidation_price")));
    assert_true(json_is_false(json_object_get(r, "liquidated")));
    assert_string_equal(str_at(r, "deficit", NULL), "82");
    assert_string_equal(str_at(r, "covered_by", "insurance_fund"), "82");
    assert_string_equal(str_at(r, "trader_lost", NULL), "1000");
    assert_string_equal(str_at(r, "debt", "owed"), "0");
    assert_string_equal(str_at(st, "saved", NULL), "0");
    json_decref(r);
}

static void stop_bad_input(void **state)
{
    (void)state;
    const char *cases[] = {"tests/data/whatif/stop-in-account.yaml",
                           "tests/data/whatif/stop-no-price.yaml"};
    for (size_t i = 0; i < 2; i++) {
        cli_output r = CLI("eval", "binance-usdm", cases[i]);
        char *msg = expected_message(cases[i]);
        expect_failure(&r, EXIT_INPUT);
        expect_err_line(&r, msg);
        free(msg);
        cli_output_free(&r);
    }
}

/* ---- sizing ----------------------------------------------------------------- */

/* The one row of `liqsim size SCENARIO POLICY ARGS... --format json`. */
static json_t *size_row(const char *scenario, const char *policy, const char *risk,
                        const char *step)
{
    cli_output r = step ? CLI("size", scenario, policy, "--risk", risk, "--step", step, "--format",
                              "json")
                        : CLI("size", scenario, policy, "--risk", risk, "--format", "json");
    expect_exit_code(&r, EXIT_OK);
    json_t *rows = parse_json(r.out);
    cli_output_free(&r);
    assert_int_equal(json_array_size(rows), 1);
    json_t *row = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return row;
}

/* Risking 2 % of the default account (20 of 1,000) on the default path
 * (the mark gaps 15 % to 42,500): at Binance an isolated 10x position of
 * size s holds 50,000 x s / 10 = 5,000 s of margin and, liquidated past
 * its bankruptcy price, loses all of it (protection, :234). 5,000 s <= 20
 * gives s = 0.004 (notional 200, margin 20); one step more, 0.0041, loses
 * 20.5. */
static void size_isolated_is_the_margin_within_the_budget(void **state)
{
    (void)state;
    json_t *r = size_row("default", "binance-usdm", "2%", NULL);
    assert_string_equal(str_at(r, "budget", NULL), "20");
    assert_string_equal(str_at(r, "step", NULL), "0.0001");
    assert_string_equal(str_at(r, "size", NULL), "0.004");
    assert_string_equal(str_at(r, "notional", NULL), "200");
    assert_string_equal(str_at(r, "initial_margin", NULL), "20");
    assert_string_equal(str_at(r, "trader_lost", NULL), "20");
    json_t *nx = json_object_get(r, "next");
    assert_string_equal(str_at(nx, "size", NULL), "0.0041");
    assert_string_equal(str_at(nx, "trader_lost", NULL), "20.5");
    assert_string_equal(str_at(nx, "stopped_by", NULL), "budget");
    json_decref(r);
    /* The same budget as an amount: 20 of the account's 1,000. */
    r = size_row("default", "binance-usdm", "20", NULL);
    assert_string_equal(str_at(r, "size", NULL), "0.004");
    json_decref(r);
}

/* Deribit holds every position in cross (its policy offers no isolated
 * margin): the whole account backs the position, so nothing liquidates
 * a small one on this path, and the loss is the move itself,
 * s x (50,000 - 42,500) = 7,500 s <= 20: s = 0.0026 (loss 19.5); 0.0027
 * loses 20.25. The resolution 0.0001 is the step's. */
static void size_cross_is_the_move_within_the_budget(void **state)
{
    (void)state;
    json_t *r = size_row("default", "deribit", "2%", NULL);
    assert_string_equal(str_at(r, "size", NULL), "0.0026");
    assert_string_equal(str_at(r, "trader_lost", NULL), "19.5");
    assert_string_equal(str_at(json_object_get(r, "next"), "trader_lost", NULL), "20.25");
    json_decref(r);
    /* A finer step finds the exact edge: 20 / 7,500 = 0.0026666...: 0.002666. */
    r = size_row("default", "deribit", "2%", "0.000001");
    assert_string_equal(str_at(r, "size", NULL), "0.002666");
    assert_string_equal(str_at(r, "trader_lost", NULL), "19.995");
    json_decref(r);
}

/* With the stop at 48,000 (stop-filled.yaml) the loss of size s is the
 * stop's, s x (50,000 - 46,844) = 3,156 s, as long as the stop fills
 * before a liquidation (at 10x the liquidation price stays near 45,180):
 * 3,156 s <= 20 gives s = 0.0063 (loss 19.8828); 0.0064 loses 20.1984. */
static void size_with_a_stop_is_the_stop_fill_within_the_budget(void **state)
{
    (void)state;
    json_t *r = size_row("tests/data/whatif/stop-filled.yaml", "binance-usdm", "2%", NULL);
    assert_string_equal(str_at(r, "size", NULL), "0.0063");
    assert_string_equal(str_at(r, "trader_lost", NULL), "19.8828");
    assert_string_equal(str_at(json_object_get(r, "next"), "trader_lost", NULL), "20.1984");
    json_decref(r);
}

static void size_bad_input(void **state)
{
    (void)state;
    cli_output r = CLI("size", "default", "binance-usdm");
    expect_failure(&r, EXIT_USAGE);
    expect_err_line(&r, "liqsim: size needs --risk: a share of the account (2%) or an amount (20)");
    cli_output_free(&r);
    const char *bad[] = {"0%", "101%", "abc", "-5", "2%%"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = CLI("size", "default", "binance-usdm", "--risk", bad[i]);
        expect_failure(&r, EXIT_USAGE);
        char want[300];
        snprintf(want, sizeof want,
                 "liqsim: --risk takes a share of the account above 0%% and at most 100%% (2%%) "
                 "or an amount above 0 (20), got \"%s\"",
                 bad[i]);
        expect_err_line(&r, want);
        cli_output_free(&r);
    }
    r = CLI("size", "tests/data/whatif/two-positions.yaml", "binance-usdm", "--risk", "2%");
    expect_failure(&r, EXIT_INPUT);
    cli_output_free(&r);
}

/* ---- sweeps -------------------------------------------------------------- */

/* The NDJSON lines of `liqsim sweep ARGS...`, which must succeed: the
 * case lines, then the summary line. */
static json_t *sweep_lines(const char *const *args)
{
    cli_output r = cli_run(args);
    expect_exit_code(&r, EXIT_OK);
    json_t *lines = json_array();
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n"))
        json_array_append_new(lines, parse_json(line));
    cli_output_free(&r);
    return lines;
}

/* The summary's accumulator `name` of `policy` (engine/runner.h). */
static json_t *acc_of(json_t *summary_line, const char *policy, const char *name)
{
    json_t *acc = json_object_get(json_object_get(summary_line, "summary"), "acc");
    size_t i;
    json_t *a;
    json_array_foreach(acc, i, a) {
        if (strcmp(str_at(a, "group", NULL), policy) == 0 &&
            strcmp(str_at(a, "name", NULL), name) == 0)
            return a;
    }
    fail_msg("the summary has no %s of %s", name, policy);
    return NULL;
}

/* Coinbase's US derivatives (no protection, shortfall.order
 * [trader_debt], policies/coinbase-us-derivatives.yaml:148,152) under
 * the default position, shocked 5 % to 25 %: the account (held in cross:
 * all 1,000) loses 0.2 x (50,000 - m x 0.98) on a gap to m, every m
 * below the liquidation price 48,212.13 being liquidated at once:
 *   shock 0.05: m 47,500, fill 46,550, loss   690, owes    0;
 *   shock 0.10: m 45,000, fill 44,100, loss 1,180, owes  180;
 *   shock 0.15: m 42,500, fill 41,650, loss 1,670, owes  670;
 *   shock 0.20: m 40,000, fill 39,200, loss 2,160, owes 1,160;
 *   shock 0.25: m 37,500, fill 36,750, loss 2,650, owes 1,650.
 * The summary: the trader starts to owe at shock 0.1 (4 points owe), the
 * largest loss 2,650 at 0.25. */
static void sweep_streams_every_point_and_where_the_trader_starts_to_owe(void **state)
{
    (void)state;
    json_t *lines = sweep_lines((const char *const[]){
        "sweep", "default", "coinbase-us-derivatives", "--set", "shock=0.05..0.25/0.05", NULL});
    assert_int_equal(json_array_size(lines), 6);
    const char *lost[] = {"690", "1180", "1670", "2160", "2650"};
    const char *owed[] = {"0", "180", "670", "1160", "1650"};
    for (size_t i = 0; i < 5; i++) {
        json_t *p = json_array_get(lines, i);
        assert_int_equal(json_integer_value(json_object_get(p, "case")), (json_int_t)i);
        assert_string_equal(str_at(p, "shard", NULL), "1/1");
        assert_string_equal(str_at(p, "policy", NULL), "coinbase-us-derivatives");
        assert_string_equal(str_at(p, "trader_lost", NULL), lost[i]);
        assert_string_equal(str_at(p, "owed", NULL), owed[i]);
    }
    assert_string_equal(str_at(json_array_get(lines, 1), "set", "shock"), "0.1");
    json_t *sum = json_array_get(lines, 5);
    const char *cb = "coinbase-us-derivatives";
    assert_int_equal(json_integer_value(json_object_get(acc_of(sum, cb, "trader_owes"), "value")),
                     4);
    json_t *first = acc_of(sum, cb, "first_owes");
    assert_string_equal(str_at(first, "value", NULL), "1");
    assert_string_equal(str_at(first, "scenario", NULL), "shock=0.1");
    json_t *mx = acc_of(sum, cb, "max_trader_lost");
    assert_string_equal(str_at(mx, "value", NULL), "2650");
    assert_string_equal(str_at(mx, "scenario", NULL), "shock=0.25");
    json_decref(lines);
}

/* Binance's fund pays first (shortfall.order [insurance_fund, adl],
 * policies/binance-usdm.yaml:227); the default scenario leaves a deficit
 * of 670 (the 41,650 fill is 3,350 below the bankruptcy price 45,000, on
 * 0.2 BTC). With a fund of 0 or 500 it runs dry (it pays 0, then 500, and
 * the rest goes on to ADL); with 1,000 it pays the 670 and keeps 330. */
static void sweep_finds_where_the_fund_runs_dry(void **state)
{
    (void)state;
    json_t *lines = sweep_lines((const char *const[]){
        "sweep", "default", "binance-usdm", "--set", "market.insurance_fund=0,500,1000", NULL});
    assert_int_equal(json_array_size(lines), 4);
    const char *paid[] = {"0", "500", "670"}, *after[] = {"0", "0", "330"};
    for (size_t i = 0; i < 3; i++) {
        json_t *p = json_array_get(lines, i);
        assert_string_equal(str_at(p, "deficit", NULL), "670");
        assert_string_equal(str_at(p, "fund_paid", NULL), paid[i]);
        assert_string_equal(str_at(p, "fund_after", NULL), after[i]);
        assert_int_equal(json_is_true(json_object_get(p, "fund_dry")), i < 2);
    }
    json_t *sum = json_array_get(lines, 3);
    assert_int_equal(json_integer_value(json_object_get(acc_of(sum, "binance-usdm", "fund_dry"),
                                                        "value")),
                     2);
    assert_string_equal(str_at(acc_of(sum, "binance-usdm", "first_dry"), "scenario", NULL),
                        "market.insurance_fund=0");
    json_decref(lines);
}

/* Two axes, the first slowest; a point the account cannot open (5x on
 * 0.2 BTC needs 2,000 of margin, the account holds 1,000) is a row that
 * says so, not a failure (exit 0). */
static void sweep_orders_points_and_refuses_what_cannot_open(void **state)
{
    (void)state;
    json_t *lines = sweep_lines((const char *const[]){
        "sweep", "default", "binance-usdm", "--set", "position.leverage=5,10", "--set",
        "shock=0.05,0.15", NULL});
    assert_int_equal(json_array_size(lines), 5);
    const char *lev[] = {"5", "5", "10", "10"}, *shock[] = {"0.05", "0.15", "0.05", "0.15"};
    for (size_t i = 0; i < 4; i++) {
        json_t *p = json_array_get(lines, i);
        assert_string_equal(str_at(p, "set", "position.leverage"), lev[i]);
        assert_string_equal(str_at(p, "set", "shock"), shock[i]);
        assert_string_equal(str_at(p, "status", NULL), i < 2 ? "not_offered" : "ok");
    }
    assert_non_null(strstr(str_at(json_array_get(lines, 0), "reason", NULL),
                           "account.collateral: 1000 is less than the position's initial margin "
                           "2000"));
    json_decref(lines);
}

/* Threads change nothing: --jobs 1 and --jobs 3 write the same bytes, and
 * the two shards of --shard K/2 hold the unsharded run's points, each
 * once (those whose number % 2 == K - 1). */
static void sweep_is_the_same_on_any_thread_count_and_split_by_shard(void **state)
{
    (void)state;
    const char *grid[] = {"--set", "position.leverage=10,15,20", "--set", "shock=0.05..0.3/0.05"};
    cli_output a = CLI("sweep", "default", "binance-usdm", "coinbase-us-derivatives", grid[0],
                       grid[1], grid[2], grid[3], "--jobs", "1");
    cli_output b = CLI("sweep", "default", "binance-usdm", "coinbase-us-derivatives", grid[0],
                       grid[1], grid[2], grid[3], "--jobs", "3");
    expect_exit_code(&a, EXIT_OK);
    expect_exit_code(&b, EXIT_OK);
    assert_string_equal(a.out, b.out);
    for (int k = 1; k <= 2; k++) {
        char sh[8];
        snprintf(sh, sizeof sh, "%d/2", k);
        cli_output s = CLI("sweep", "default", "binance-usdm", "coinbase-us-derivatives", grid[0],
                           grid[1], grid[2], grid[3], "--shard", sh);
        expect_exit_code(&s, EXIT_OK);
        size_t lines = 0;
        for (char *l = strtok(s.out, "\n"); l; l = strtok(NULL, "\n")) {
            json_t *j = parse_json(l);
            json_t *c = json_object_get(j, "case");
            if (c) {
                assert_int_equal(json_integer_value(c) % 2, k - 1);
                assert_string_equal(str_at(j, "shard", NULL), sh);
                lines++;
            }
            json_decref(j);
        }
        assert_int_equal(lines, 18);   /* 9 of the 18 points, two policies each */
        cli_output_free(&s);
    }
    cli_output_free(&a);
    cli_output_free(&b);
    /* --jobs 1, 2, 3 the same bytes; three shards merged, the whole run. */
    expect_same_on_any_split((const char *const[]){"sweep", "default", "binance-usdm",
                                                   "coinbase-us-derivatives", grid[0], grid[1],
                                                   grid[2], grid[3], NULL},
                             EXIT_OK);
    cli_output r = CLI("sweep", "default", "binance-usdm", "--set", "shock=0.1", "--shard", "3/2");
    expect_failure(&r, EXIT_USAGE);
    expect_err_line(&r, "liqsim: --shard takes K/N with 1 <= K <= N <= 1000000, got \"3/2\"");
    cli_output_free(&r);
}

/* Every bad grid: exit 2, the message, nothing on stdout. The limit is
 * checked at its edge: 5 points pass --max-points 5, not 4. */
static void sweep_bad_grids(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"position.leverage=50..5/5",
         "liqsim: --set position.leverage=50..5/5: the range is empty (50 is above 5)"},
        {"position.leverage=5..x/5", "liqsim: --set position.leverage=5..x/5: \"x\" is not a "
                                     "decimal number"},
        {"position.leverage=5,ten", "liqsim: --set position.leverage=5,ten: \"ten\" is not a "
                                    "decimal number"},
        {"position.leverage=", "liqsim: --set position.leverage=: the range is empty"},
        {"position.leverage=5..50", "liqsim: --set position.leverage=5..50: a range needs its "
                                    "step: LO..HI/STEP"},
        {"position.leverage=1..10/0", "liqsim: --set position.leverage=1..10/0: the step must be "
                                      "above 0, got 0"},
        {"shock=0.5,1", "liqsim: --set shock=0.5,1: shock: 1 on a long would take the mark to "
                        "zero or below; a long's shock is below 1"},
        {"market.liquidation_fill.slippage=0.5,2",
         "liqsim: --set market.liquidation_fill.slippage=0.5,2: "
         "market.liquidation_fill.slippage: 2 is out of range (>= 0 and <= 1)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cli_output r = CLI("sweep", "default", "binance-usdm", "--set", cases[i][0]);
        expect_failure(&r, EXIT_USAGE);
        expect_err_line(&r, cases[i][1]);
        cli_output_free(&r);
    }
    cli_output r = CLI("sweep", "default", "binance-usdm", "--set", "shock=0.01..0.05/0.01",
                       "--max-points", "4");
    expect_failure(&r, EXIT_USAGE);
    expect_err_line(&r, "liqsim: the grid has 5 points (shock: 5), more than --max-points 4");
    cli_output_free(&r);
    r = CLI("sweep", "default", "binance-usdm", "--set", "position.leverage=1..100/1", "--set",
            "shock=0.01..0.5/0.01", "--max-points", "1000");
    expect_failure(&r, EXIT_USAGE);
    expect_err_line(&r, "liqsim: the grid has 5000 points (position.leverage: 100 x shock: 50), "
                        "more than --max-points 1000");
    cli_output_free(&r);
    r = CLI("sweep", "default", "binance-usdm", "--set", "shock=0.01..0.05/0.01", "--max-points",
            "5", "--format", "table");
    expect_exit_code(&r, EXIT_OK);
    assert_non_null(strstr(r.out, "scenario: default over 5 points: shock (5)"));
    cli_output_free(&r);
    r = CLI("sweep", "default", "binance-usdm");
    expect_failure(&r, EXIT_USAGE);
    expect_err_line(&r, "liqsim: sweep needs at least one --set KEY=RANGE (position.leverage=5..50/5) "
                        "or a scenario with ranges:");
    cli_output_free(&r);
    r = CLI("sweep", "default", "binance-usdm", "--set", "position.color=1");
    expect_failure(&r, EXIT_USAGE);
    assert_non_null(strstr(r.err, "position.color is not a number of the scenario file; one of "
                                  "account.collateral, position.size"));
    cli_output_free(&r);
}

/* A scenario carries its own grid (ranges:, the --set syntax, in order):
 * sweeping it is sweeping the scenario without them with the same --set
 * ranges, point for point; a --set of a key the file ranges takes that
 * axis's place (the command line wins), another --set adds an axis after
 * the file's. Other verbs read the scenario as written. */
static void sweep_reads_a_scenarios_own_ranges(void **state)
{
    (void)state;
    cli_output f = CLI("sweep", "tests/data/whatif/ranges.yaml", "binance-usdm", "--jobs", "1");
    cli_output s = CLI("sweep", "default", "binance-usdm", "--set", "position.leverage=10,20",
                       "--set", "shock=0.05..0.15/0.05", "--jobs", "1");
    expect_exit_code(&f, EXIT_OK);
    expect_exit_code(&s, EXIT_OK);
    /* The same bytes but for the scenario's name. */
    /* Six case lines and the summary's run name the scenario. */
    assert_int_equal(count_of(f.out, "\"scenario\":\"ranges\""), 7);
    assert_int_equal(count_of(s.out, "\"scenario\":\"default\""), 7);
    char *a = f.out, *b = s.out;
    for (; *a && *b; a++, b++) {
        if (strncmp(a, "ranges", 6) == 0 && strncmp(b, "default", 7) == 0) {
            a += 5;
            b += 6;
            continue;
        }
        assert_int_equal(*a, *b);
    }
    assert_int_equal(*a, *b);
    cli_output_free(&f);
    cli_output_free(&s);
    cli_output r = CLI("sweep", "tests/data/whatif/ranges.yaml", "binance-usdm", "--set",
                       "shock=0.2", "--set", "position.size=0.1,0.3", "--format", "table");
    expect_exit_code(&r, EXIT_OK);
    assert_non_null(strstr(r.out, "scenario: ranges over 4 points: position.leverage (2) x shock "
                                  "(1) x position.size (2)\n"));
    cli_output_free(&r);
    r = CLI("eval", "binance-usdm", "tests/data/whatif/ranges.yaml", "--format", "json");
    expect_exit_code(&r, EXIT_OK);
    cli_output_free(&r);
    /* The limit holds for the file's grid: 6 points pass --max-points 6,
     * not 5 (the count in the message, at the range that passed it). */
    r = CLI("sweep", "tests/data/whatif/ranges.yaml", "binance-usdm", "--max-points", "6");
    expect_exit_code(&r, EXIT_OK);
    cli_output_free(&r);
    r = CLI("sweep", "tests/data/whatif/ranges.yaml", "binance-usdm", "--max-points", "5");
    expect_failure(&r, EXIT_USAGE);
    expect_err_line(&r, "tests/data/whatif/ranges.yaml:21:5: the grid has 6 points "
                        "(position.leverage: 2 x shock: 3), more than --max-points 5");
    cli_output_free(&r);
}

/* Each bad range in a scenario file: exit 3, its file:line:col message
 * (the file's first line), nothing on stdout. */
static void sweep_bad_ranges_in_a_file(void **state)
{
    (void)state;
    static const char *const names[] = {"empty_range", "no_step", "not_numeric",
                                        "out_of_bounds", "swept_twice", "unknown_key"};
    expect_case_files("tests/data/whatif/bad_ranges", names, sizeof names / sizeof *names);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char path[200];
        snprintf(path, sizeof path, "tests/data/whatif/bad_ranges/%s.yaml", names[i]);
        char *want = expected_message(path);
        cli_output r = CLI("sweep", path, "binance-usdm");
        expect_failure(&r, EXIT_INPUT);
        expect_err_line(&r, want);
        cli_output_free(&r);
        free(want);
    }
}

/* The bench races tools/batch_peer.py --sweep (the Python script of the
 * bench-table waterfall, making the grid itself) against liqsim sweep. On
 * the bench's own policy and scenario (liqsim bench --keep DIR), over a
 * small grid of leverages, sizes and shocks, the peer gives every point
 * the liquidation, loss and deficit liqsim gives it, and the bench says
 * their summaries agree. */
static void the_python_peer_sweeps_what_liqsim_sweeps(void **state)
{
    (void)state;
    char *dir = temp_dir();
    cli_output b = CLI("bench", "--sweep", "10000", "--sweep-only", "--keep", dir);
    expect_exit_code(&b, EXIT_OK);
    assert_non_null(strstr(b.out, "same summary"));
    cli_output_free(&b);
    const char *grid = "position.leverage=2,10,50 position.size=0.1,1 shock=0.01..0.2/0.03";
    char cmd[4096];
    /* Both as "point liquidated total deficit" (liqsim's total: what the
     * trader lost plus the deficit the fund paid; the peer's: its loss). */
    snprintf(cmd, sizeof cmd,
             "python3 tools/batch_peer.py --sweep %s --rows | head -n -1 | "
             "awk '{print $1, $3, $4, $6}' > %s/peer.txt && "
             "%s sweep %s/bench-sweep.yaml %s/bench-table.yaml --set position.leverage=2,10,50 "
             "--set position.size=0.1,1 --set shock=0.01..0.2/0.03 | python3 -c '"
             "import sys, json, decimal\n"
             "for l in sys.stdin:\n"
             "  o = json.loads(l)\n"
             "  if \"summary\" in o: continue\n"
             "  liq = o[\"liquidated\"]\n"
             "  t = decimal.Decimal(o[\"trader_lost\"]) + decimal.Decimal(o[\"fund_paid\"]) if liq "
             "else 0\n"
             "  print(o[\"case\"], \"true\" if liq else \"false\", format(decimal.Decimal(t).normalize(), \"f\"), "
             "o[\"deficit\"])"
             "' > %s/liqsim.txt && cmp %s/peer.txt %s/liqsim.txt && "
             "[ $(wc -l < %s/peer.txt) -eq 42 ] && grep -q true %s/peer.txt",
             grid, dir, LIQ_CLI, dir, dir, dir, dir, dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    rm_tree(dir);
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_python_peer_sweeps_what_liqsim_sweeps),
        cmocka_unit_test(sweep_reads_a_scenarios_own_ranges),
        cmocka_unit_test(sweep_bad_ranges_in_a_file),
        cmocka_unit_test(worst_under_protection_is_the_margin),
        cmocka_unit_test(worst_without_protection_is_about_the_notional),
        cmocka_unit_test(worst_short_without_protection_is_unbounded),
        cmocka_unit_test(worst_refused_rows_carry_no_numbers),
        cmocka_unit_test(worst_bad_input),
        cmocka_unit_test(stop_fills_at_the_first_mark_beyond_it),
        cmocka_unit_test(stop_gapped_through_is_cancelled_by_the_liquidation),
        cmocka_unit_test(stop_limit_rests_and_never_fills_worse_than_its_limit),
        cmocka_unit_test(stop_filled_beyond_the_liquidation_price_does_not_save),
        cmocka_unit_test(stop_bad_input),
        cmocka_unit_test(size_isolated_is_the_margin_within_the_budget),
        cmocka_unit_test(size_cross_is_the_move_within_the_budget),
        cmocka_unit_test(size_with_a_stop_is_the_stop_fill_within_the_budget),
        cmocka_unit_test(size_bad_input),
        cmocka_unit_test(sweep_streams_every_point_and_where_the_trader_starts_to_owe),
        cmocka_unit_test(sweep_finds_where_the_fund_runs_dry),
        cmocka_unit_test(sweep_orders_points_and_refuses_what_cannot_open),
        cmocka_unit_test(sweep_is_the_same_on_any_thread_count_and_split_by_shard),
        cmocka_unit_test(sweep_bad_grids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
