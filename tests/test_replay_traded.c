/*
 * test_replay_traded.c — the shipped replay on real data: BitMEX's traded
 * XBTUSD prices of 12–13 March 2020 (scenarios/btc-2020-03-12-bitmex/,
 * derived by scenarios/gen_traded_path.py; tests/test_traded_path.py checks
 * the derivation) under the reconstruction's synthetic book.
 *
 * What the data says is checked against the data, not against the engine:
 * the path holds the two days' landmarks (the first trade, the low of 3,596
 * at 02:16 on 13 March, a depth for every tick). What the replay does with
 * it is checked for properties that hold whatever the venue: the indexed
 * and the naive trigger give the same events byte for byte with the ledger
 * checked at every tick; every liquidation fired at a mark at or beyond the
 * account's liquidation price; the deficit is covered exactly; and the
 * crash's low is where the longs go. The numbers each venue gives are in
 * the README, from the command it shows.
 */
#include "support/support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book.h"

#define TRADED "scenarios/btc-2020-03-12-bitmex/path.csv"
#define BOOK "scenarios/btc-2020-03-12/book.csv"

static void test_path_holds_the_days_landmarks(void **state)
{
    (void)state;
    liq_path *p = load_path_or_fail(TRADED);
    /* 2,880 minutes, open/low/high/close each, repeats left out. */
    assert_int_equal(liq_path_ticks(p), 7358);
    assert_true(p->has_depth);
    assert_false(p->has_slippage);
    char t[LIQ_DEC_STRLEN];
    assert_string_equal(p->time[0], "2020-03-12T00:00:00Z");
    assert_string_equal(dec_text(p->mark[0], t), "7931.5");   /* the first bin's open */
    assert_string_equal(p->time[p->n - 1], "2020-03-13T23:59:45Z");
    size_t low = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (liq_dec_cmp(p->mark[i], p->mark[low]) < 0)
            low = i;
        assert_true(liq_dec_sign(p->depth[i]) > 0);
    }
    /* The two days' low: 3,596 in the 02:16 bin of 13 March. */
    assert_string_equal(dec_text(p->mark[low], t), "3596");
    assert_string_equal(p->time[low], "2020-03-13T02:16:30Z");
    liq_path_free(p);
}

/* Events of one replay, one NDJSON line each. */
typedef struct lines { char *s; size_t n, cap, count; } lines;

static void collect(void *ud, const char *line)
{
    lines *l = ud;
    size_t len = strlen(line);
    if (l->n + len + 2 > l->cap) {
        l->cap = (l->n + len + 2) * 2;
        l->s = realloc(l->s, l->cap);
        assert_non_null(l->s);
    }
    memcpy(l->s + l->n, line, len);
    l->n += len;
    l->s[l->n++] = '\n';
    l->s[l->n] = 0;
    l->count++;
}

static liq_replay_summary replay(liq_policy *pol, const liq_book *b, const liq_path *p, bool naive,
                                 lines *ev)
{
    liq_replay_summary s;
    liq_diags d = LIQ_DIAGS_INIT;
    liq_replay_opts o = {.naive = naive, .check = true, .market = "BTCUSD", .on_event = collect,
                         .ud = ev};
    if (liq_replay(pol, b, p, &o, &s, &d) != LIQ_OK)
        fail_with_diags("liq_replay", &d);
    liq_diags_free(&d);
    return s;
}

static void test_bitmex_rules_on_the_traded_path(void **state)
{
    (void)state;
    liq_path *p = load_path_or_fail(TRADED);
    liq_book *b = load_book_or_fail(BOOK);
    liq_policy *pol = load_policy_or_fail("policies/bitmex-xbtusd.yaml");
    lines indexed = {0}, naive = {0};
    liq_replay_summary s = replay(pol, b, p, false, &indexed);
    liq_replay_summary sn = replay(pol, b, p, true, &naive);
    /* One answer, whichever way the trigger looks. */
    assert_non_null(indexed.s);
    assert_string_equal(indexed.s, naive.s);
    assert_int_equal(s.liquidations, sn.liquidations);
    assert_true(s.liquidations > 100);

    /* Every liquidation fired at a mark at or beyond its price: a long at
     * or below, a short at or above. And some longs go only in the low:
     * XBTUSD traded under 3,700 from 02:15 on 13 March, never before. */
    size_t liqs = 0, at_low = 0;
    char *save = NULL;
    for (char *line = strtok_r(indexed.s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *e = json_loads(line, 0, NULL);
        assert_non_null(e);
        const char *type = json_string_value(json_object_get(e, "type"));
        if (strcmp(type, "liquidation") == 0) {
            liqs++;
            liq_dec trig = D(json_string_value(json_object_get(e, "trigger")));
            liq_dec lp = D(json_string_value(json_object_get(e, "liquidation_price")));
            bool long_ = strcmp(json_string_value(json_object_get(e, "side")), "long") == 0;
            assert_true(long_ ? liq_dec_cmp(trig, lp) <= 0 : liq_dec_cmp(trig, lp) >= 0);
            const char *time = json_string_value(json_object_get(e, "time"));
            if (long_ && liq_dec_cmp(trig, D("3700")) < 0) {
                assert_true(strcmp(time, "2020-03-13T02:15") > 0);
                at_low++;
            }
        }
        json_decref(e);
    }
    assert_int_equal(liqs, s.liquidations);   /* BitMEX: no backstop, no partial slices */
    assert_true(at_low > 0);

    /* The deficit is covered exactly, stage by stage. */
    liq_dec covered = LIQ_DEC_ZERO;
    for (int k = 0; k < 6; k++)
        covered = dec_add(covered, s.covered[k]);
    char a[LIQ_DEC_STRLEN], c[LIQ_DEC_STRLEN];
    assert_string_equal(dec_text(covered, a), dec_text(s.deficit, c));
    free(indexed.s);
    free(naive.s);
    liq_policy_free(pol);
    liq_book_free(b);
    liq_path_free(p);
}

/* --market names the market the book trades at every venue; a venue that
 * lists none of that base refuses the whole run, with nothing on stdout. */
static void test_cli_market_option(void **state)
{
    (void)state;
    cli_output r = CLI("replay", "--book", BOOK, "--path", TRADED, "--market", "BTCUSD", "drift");
    expect_failure(&r, 3);
    expect_err_line(&r, "policies/drift.yaml: Drift Protocol v2 does not list BTCUSD (it lists "
                        "SOL-PERP)");
    cli_output_free(&r);
    cli_output ok = CLI("replay", "--book", BOOK, "--path", TRADED, "--market", "BTCUSD",
                        "--format", "json", "gmx-v2");
    expect_exit_code(&ok, 0);
    assert_non_null(strstr(ok.out, "\"policy\": \"gmx-v2\""));
    cli_output_free(&ok);
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_holds_the_days_landmarks),
        cmocka_unit_test(test_bitmex_rules_on_the_traded_path),
        cmocka_unit_test(test_cli_market_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
