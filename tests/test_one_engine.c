/*
 * test_one_engine.c — `eval` and `replay` are one engine.
 *
 * The property: a book of one account, replayed through a path, gives
 * the trader exactly what `liqsim eval` gives the same trade on the same
 * marks — to the last unit, under every shipped policy, for random
 * trades within the policy's own limits and random paths. Checked per
 * case: whether and where it was liquidated (trigger, fill), the loss
 * split (unforced, forced, fees with what the venue kept), the deficit,
 * and what the trader owes at the end, with the venue's actions on it. Only the book's shortfall stages
 * differ by design (ADL and socialization need counterparties, which a
 * one-account book does not have), so what is owed is compared where the
 * policy promises no negative balance or has no such stage before debt.
 *
 * Plus the Kraken case that started it: a cross-only venue and an
 * isolated book row are one answer, not two; and the boundary of the
 * trigger comparison (trigger.compare), taken both ways in eval, in a
 * cross account and in a replay, indexed and naive; and a socialized loss,
 * whose payers a one-account book lacks: an evaluation's per-unit amount
 * against a replay of the same trade beside the accounts that pay it, by
 * each method (funding, clawback).
 */
#include "support/support.h"

#include <glob.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book.h"
#include "policy.h"

static uint64_t next(uint64_t *g)
{
    *g ^= *g << 13;
    *g ^= *g >> 7;
    *g ^= *g << 17;
    return *g;
}

static int64_t below(uint64_t *g, int64_t n) { return (int64_t)(next(g) % (uint64_t)n); }

/* The events of one replay, summed per kind as eval reports them. */
typedef struct sums {
    bool liquidated;
    char trigger[LIQ_DEC_STRLEN], fill[LIQ_DEC_STRLEN];
    char close[LIQ_DEC_STRLEN];   /* where the trader was settled (eval's close_price) */
    liq_dec unforced, forced, fees, deficit;
    size_t events;
    char actions[400];        /* debt_action lines as "type when amount; ..." */
    char next[16];            /* the last refused order's next step, or "" */
    char calls[200];          /* margin calls as "tick equity level; ..." */
} sums;

/* Cases whose debt got actions, and cases with a margin call, compared
 * between eval and replay. */
static size_t debt_cases, call_cases;

/* One debt action as the comparison writes it, appended to buf. */
static void add_action(char *buf, size_t cap, const char *type, json_t *hours, const char *amount)
{
    size_t n = strlen(buf);
    char when[32];
    if (json_is_integer(hours))
        snprintf(when, sizeof when, "%lldh", (long long)json_integer_value(hours));
    else
        snprintf(when, sizeof when, "unknown");
    snprintf(buf + n, cap - n, "%s %s %s; ", type, when, amount ? amount : "-");
}

static liq_dec jd(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("event has no decimal %s", key);
    return D(json_string_value(v));
}

static liq_dec add(liq_dec a, liq_dec b)
{
    liq_dec s;
    assert_int_equal(liq_dec_add(a, b, &s), LIQ_OK);
    return s;
}

static void on_event(void *ud, const char *line)
{
    sums *s = ud;
    json_error_t err;
    json_t *o = json_loads(line, 0, &err);
    assert_non_null(o);
    const char *type = json_string_value(json_object_get(o, "type"));
    bool closed = !strcmp(type, "liquidation"), partial = !strcmp(type, "partial_liquidation");
    if (!strcmp(type, "liquidation_unfilled")) {
        /* Triggered, its order refused by the limit and retried later:
         * eval's trigger is this first mark too. */
        if (!s->liquidated)
            liq_dec_format(jd(o, "trigger"), s->trigger);
        s->liquidated = true;
        /* retried, or deleveraged: what eval's liquidation_order.next says. */
        snprintf(s->next, sizeof s->next, "%s", json_string_value(json_object_get(o, "next")));
    }
    if (closed || partial || !strcmp(type, "backstop_takeover")) {
        if (!s->liquidated) {
            liq_dec tr = jd(o, closed || partial ? "trigger" : "mark");
            liq_dec_format(tr, s->trigger);
        }
        s->liquidated = true;
    }
    if (closed || partial) {
        s->unforced = add(s->unforced, jd(o, "unforced"));
        s->forced = add(s->forced, jd(o, "forced"));
        s->fees = add(s->fees, jd(o, "fee"));
        liq_dec_format(jd(o, "fill"), s->fill);
        /* A takeover or a deleveraging settles the trader at the
         * bankruptcy price, and the event says so. */
        bool elsewhere = json_object_get(o, "close_price") != NULL;
        liq_dec_format(jd(o, elsewhere ? "close_price" : "fill"), s->close);
    }
    if (closed) {
        s->fees = add(s->fees, jd(o, "forfeited"));
        s->deficit = add(s->deficit, jd(o, "deficit"));
    }
    if (!strcmp(type, "collateral_revalued")) {
        /* A fall of the collateral's value is a loss eval counts unforced. */
        liq_dec ch = jd(o, "change");
        s->unforced = add(s->unforced, liq_dec_neg(ch));
    }
    if (!strcmp(type, "funding") || !strcmp(type, "interest")) {
        /* Funding and interest paid come off the margin: eval counts them
         * unforced. */
        s->unforced = add(s->unforced, jd(o, "paid"));
    }
    if (!strcmp(type, "backstop_takeover")) {
        /* Taken at the mark: the loss is all unforced; what the vault
         * keeps is the trader's cost, as eval counts it. */
        liq_dec_format(jd(o, "mark"), s->fill);
        liq_dec_format(jd(o, "mark"), s->close);
        s->unforced = add(s->unforced, jd(o, "unforced"));
        s->fees = add(s->fees, jd(o, "forfeited"));
        s->deficit = add(s->deficit, jd(o, "deficit"));
    }
    if (!strcmp(type, "margin_call")) {
        size_t n = strlen(s->calls);
        snprintf(s->calls + n, sizeof s->calls - n, "%lld %s %s; ",
                 (long long)json_integer_value(json_object_get(o, "tick")),
                 json_string_value(json_object_get(o, "equity")),
                 json_string_value(json_object_get(o, "call_level")));
    }
    if (!strcmp(type, "debt_action"))
        add_action(s->actions, sizeof s->actions, json_string_value(json_object_get(o, "action")),
                   json_object_get(o, "deadline_hours"),
                   json_string_value(json_object_get(o, "amount")));
    s->events++;
    json_decref(o);
}

static const char *jtext(json_t *r, const char *path, char *buf, size_t cap)
{
    json_t *v = r;
    char key[64];
    snprintf(key, sizeof key, "%s", path);
    for (char *tok = strtok(key, "."); tok && v; tok = strtok(NULL, "."))
        v = json_object_get(v, tok);
    if (json_is_string(v))
        snprintf(buf, cap, "%s", json_string_value(v));
    else if (json_is_true(v))
        snprintf(buf, cap, "true");
    else if (json_is_false(v))
        snprintf(buf, cap, "false");
    else
        snprintf(buf, cap, "null");
    return buf;
}

static void same(const char *what, const char *policy, size_t k, const char *want, liq_dec got)
{
    char g[LIQ_DEC_STRLEN];
    liq_dec_format(got, g);
    if (strcmp(want, g) != 0)
        fail_msg("%s case %zu: %s: eval says %s, replay says %s", policy, k, what, want, g);
}

/* Whether what is owed must agree: the book's ADL and socialization find
 * no counterparty in a one-account book. */
static bool owed_comparable(const liq_policy *p)
{
    const p_root *r = p->nmarkets ? &p->markets[0].r : &p->r;
    if (r->negative_balance.protection.v)
        return true;
    const penum *st = r->shortfall.order.items;
    for (size_t i = 0; i < r->shortfall.order.n; i++)
        if (st[i].v == STAGE_ADL || st[i].v == STAGE_SOCIALIZED)
            return false;
    return true;
}

/* A price of a second column near px: pct percent off it, at least 1. */
static long long near(long long px, int64_t pct)
{
    long long v = px + px * pct / 100;
    return v < 1 ? 1 : v;
}

/* One random trade under p within its first market's limits, evaluated
 * and replayed; every amount the trader sees must be equal. With cols,
 * the path carries oracle, index and last prices beside the mark (the
 * traded price drifting further against the trader), in the scenario as
 * market.oracle_path/index_path/last_path and in the replay's path as
 * its columns. */
static void one_case(liq_policy *p, uint64_t *g, size_t k, size_t *liquidated, bool cols)
{
    const p_root *pr = p->nmarkets ? &p->markets[0].r : &p->r;
    const char *symbol = p->nmarkets ? p->markets[0].id->symbol.v : "X";
    int64_t maxlev = pr->margin.max_leverage.v;
    const p_tier *t0 = root_tier(pr, 0);
    if (t0->max_leverage.set && t0->max_leverage.v < maxlev)
        maxlev = t0->max_leverage.v;
    int64_t lev = 1 + below(g, maxlev < 50 ? maxlev : 50);
    bool lng = below(g, 2) == 0;
    bool cross = below(g, 2) == 0;
    int64_t entry = 20000 + below(g, 60001);
    /* Small enough to stay in the first tier: 0.001 to 0.5 units. */
    int64_t milli = 1 + below(g, 500);
    char size[32], coll[32];
    snprintf(size, sizeof size, "0.%03lld", (long long)milli);
    /* Collateral: the initial margin times 1 to 3, in cents. */
    long long im_cents = (long long)(milli * entry / 10 / lev) + 1;
    long long c_cents = im_cents * (10 + below(g, 21)) / 10 + 1;
    snprintf(coll, sizeof coll, "%lld.%02lld", c_cents / 100, c_cents % 100);
    /* A path: a drift then a gap, against the position most of the time. */
    size_t n = 2 + (size_t)below(g, 12);
    char marks[600] = "", slip[16];
    char other[5][600] = {"", "", "", "", ""};
    size_t used = 0, oused[5] = {0, 0, 0, 0, 0};
    long long px = entry;
    liq_path *path = path_new(n);
    assert_non_null(path);
    for (size_t i = 0; i < n; i++) {
        int64_t step = i == n / 2 ? 8 + below(g, 30) : below(g, 4);
        int dir = below(g, 5) == 0 ? 1 : -1;
        if (!lng)
            dir = -dir;
        if (i > 0)
            px = px + (long long)dir * px * step / 100;
        if (px < 1)
            px = 1;
        char m[32];
        snprintf(m, sizeof m, "%lld", px);
        path->mark[i] = D(m);
        used += (size_t)snprintf(marks + used, sizeof marks - used, "%s\"%s\"", i ? ", " : "", m);
        if (!cols)
            continue;
        /* oracle and index within 1 % of the mark; last 0-6 % against. */
        long long v[3] = {near(px, below(g, 3) - 1), near(px, below(g, 3) - 1),
                          near(px, (lng ? -1 : 1) * below(g, 7))};
        liq_dec *col[3] = {path->oracle, path->index, path->last};
        for (int c = 0; c < 3; c++) {
            char t[32];
            snprintf(t, sizeof t, "%lld", v[c]);
            col[c][i] = D(t);
            oused[c] += (size_t)snprintf(other[c] + oused[c], sizeof other[c] - oused[c],
                                         "%s\"%s\"", i ? ", " : "", t);
        }
        /* Funding at every third tick, -0.3 % to 0.3 % (either side pays). */
        char f[32] = "0";
        if (i % 3 == 1)
            snprintf(f, sizeof f, "%s0.00%lld", below(g, 2) ? "-" : "", (long long)below(g, 4));
        path->funding[i] = D(f);
        oused[3] += (size_t)snprintf(other[3] + oused[3], sizeof other[3] - oused[3],
                                     "%s\"%s\"", i ? ", " : "", f);
        /* Collateral in the market's own coin (WETH for an ETH position):
         * its price follows the mark within 1 %. */
        char cpx[32];
        snprintf(cpx, sizeof cpx, "%lld", near(px, below(g, 3) - 1));
        path->collateral[i] = D(cpx);
        oused[4] += (size_t)snprintf(other[4] + oused[4], sizeof other[4] - oused[4],
                                     "%s\"%s\"", i ? ", " : "", cpx);
    }
    path->has_oracle = path->has_index = path->has_last = path->has_funding = cols;
    path->has_collateral = cols;
    snprintf(slip, sizeof slip, "0.%03lld", (long long)below(g, 30));

    char yaml[5000], extra[3400] = "";
    if (cols)
        snprintf(extra, sizeof extra,
                 ", oracle_path: [%s], index_path: [%s], last_path: [%s], funding_path: [%s], "
                 "collateral_path: [%s], tick_hours: 3, interest_benchmark: \"0.05\"",
                 other[0], other[1], other[2], other[3], other[4]);
    snprintf(yaml, sizeof yaml,
             "name: case\naccount: {collateral: \"%s\", mode: %s%s}\n"
             "position: {market: %s, contract: linear, side: %s, size: \"%s\", entry_price: "
             "\"%lld\", leverage: %lld}\n"
             "market: {mark_path: [%s]%s, liquidation_fill: {slippage: \"%s\"}}\n",
             coll, cross ? "cross" : "isolated", cols ? ", collateral_asset: COIN" : "", symbol,
             lng ? "long" : "short", size, (long long)entry, (long long)lev, marks, extra, slip);
    liq_diags d = LIQ_DIAGS_INIT;
    liq_scenario *s = liq_scenario_parse("case.yaml", yaml, strlen(yaml), &d);
    if (!s)
        fail_with_diags(yaml, &d);
    liq_eval_opts eo = {0};
    liq_result *res = liq_eval(p, s, &eo, &d);
    if (!res)
        fail_with_diags(yaml, &d);
    liq_result *one = res;
    char *txt = liq_results_render(&one, 1, LIQ_FMT_JSON, false);
    json_error_t jerr;
    json_t *r = json_loads(txt, 0, &jerr);
    assert_non_null(r);
    char b[LIQ_DEC_STRLEN + 8];
    if (strcmp(jtext(r, "status", b, sizeof b), "ok") != 0) {
        /* Refused in eval: the replay refuses it too. */
        liq_book *bk = book_new(1);
        assert_true(book_add(bk, "a", D(coll), cross ? MODE_CROSS : MODE_ISOLATED, lng ? 1 : -1,
                             D(size), liq_dec_from_int(entry), liq_dec_from_int(lev)));
        liq_replay_summary sum;
        liq_replay_opts ro = {.slippage = D(slip), .has_tick_hours = cols,
                              .tick_hours = D("3"), .has_benchmark = cols,
                              .benchmark = D("0.05")};
        assert_int_equal(liq_replay(p, bk, path, &ro, &sum, &d), LIQ_OK);
        assert_int_equal(sum.refused, 1);
        liq_book_free(bk);
    } else {
        liq_book *bk = book_new(1);
        assert_non_null(bk);
        assert_true(book_add(bk, "a", D(coll), cross ? MODE_CROSS : MODE_ISOLATED, lng ? 1 : -1,
                             D(size), liq_dec_from_int(entry), liq_dec_from_int(lev)));
        sums got = {0};
        liq_replay_summary sum;
        /* check: the ledger balances at every tick, funding moved too. */
        liq_replay_opts ro = {.slippage = D(slip), .check = true, .on_event = on_event,
                              .ud = &got, .has_tick_hours = cols, .tick_hours = D("3"),
                              .has_benchmark = cols, .benchmark = D("0.05")};
        if (liq_replay(p, bk, path, &ro, &sum, &d) != LIQ_OK)
            fail_with_diags(yaml, &d);
        const char *pn = liq_policy_name(p);
        bool liq = !strcmp(jtext(r, "liquidated", b, sizeof b), "true");
        if (liq != got.liquidated)
            fail_msg("%s case %zu: eval liquidated=%d, replay %d\n%s", pn, k, liq, got.liquidated,
                     yaml);
        if (liq) {
            (*liquidated)++;
            if (strcmp(jtext(r, "trigger_price", b, sizeof b), got.trigger) != 0)
                fail_msg("%s case %zu: trigger: eval %s, replay %s\n%s", pn, k, b, got.trigger,
                         yaml);
            if (strcmp(jtext(r, "fill_price", b, sizeof b), got.fill[0] ? got.fill : "null") != 0)
                fail_msg("%s case %zu: fill: eval %s, replay %s\n%s", pn, k, b, got.fill, yaml);
            if (strcmp(jtext(r, "close_price", b, sizeof b), got.close[0] ? got.close : "null"))
                fail_msg("%s case %zu: close_price: eval %s, replay %s\n%s", pn, k, b, got.close,
                         yaml);
            same("loss.unforced", pn, k, jtext(r, "loss.unforced", b, sizeof b), got.unforced);
            same("loss.forced", pn, k, jtext(r, "loss.forced", b, sizeof b), got.forced);
            same("loss.fees", pn, k, jtext(r, "loss.fees", b, sizeof b), got.fees);
            same("deficit", pn, k, jtext(r, "deficit", b, sizeof b), got.deficit);
            /* A limit's refused order: the venue's next step is one answer. */
            if (strcmp(jtext(r, "liquidation_order.next", b, sizeof b),
                       got.next[0] ? got.next : "null") != 0)
                fail_msg("%s case %zu: liquidation_order.next: eval %s, replay %s\n%s", pn, k, b,
                         got.next[0] ? got.next : "null", yaml);
        }
        /* The venue's margin calls (trigger.margin_call_at): the same
         * marks, the same equity and call level (wf_margin_call_due). */
        char calls[200] = "";
        size_t ei;
        json_t *ev;
        json_array_foreach(json_object_get(r, "events"), ei, ev)
        {
            if (strcmp(json_string_value(json_object_get(ev, "type")), "margin_call") != 0)
                continue;
            size_t at = strlen(calls);
            snprintf(calls + at, sizeof calls - at, "%lld %s %s; ",
                     (long long)json_integer_value(json_object_get(ev, "step")),
                     json_string_value(json_object_get(ev, "equity")),
                     json_string_value(json_object_get(ev, "call_level")));
        }
        if (strcmp(calls, got.calls) != 0)
            fail_msg("%s case %zu: margin calls: eval \"%s\", replay \"%s\"\n%s", pn, k, calls,
                     got.calls, yaml);
        if (*calls)
            call_cases++;
        if (owed_comparable(p)) {
            same("debt.owed", pn, k, jtext(r, "debt.owed", b, sizeof b), sum.debt_total);
            /* One debt, the same actions (wf_debt_actions in both). */
            char want[400] = "";
            size_t i;
            json_t *a;
            json_array_foreach(json_object_get(json_object_get(r, "debt"), "actions"), i, a)
            {
                add_action(want, sizeof want, json_string_value(json_object_get(a, "type")),
                           json_object_get(a, "deadline_hours"),
                           json_string_value(json_object_get(a, "amount")));
            }
            if (strcmp(want, got.actions) != 0)
                fail_msg("%s case %zu: debt actions: eval \"%s\", replay \"%s\"\n%s", pn, k, want,
                         got.actions, yaml);
            if (*want)
                debt_cases++;
        }
        liq_book_free(bk);
    }
    json_decref(r);
    free(txt);
    liq_result_free(res);
    liq_scenario_free(s);
    liq_path_free(path);
    liq_diags_free(&d);
}

static void every_policy(bool cols)
{
    glob_t gl;
    assert_int_equal(glob(LIQ_SOURCE_DIR "/policies/*.yaml", 0, NULL, &gl), 0);
    uint64_t g = 0x2545F4914F6CDD1Dull;
    size_t policies = 0, cases = 0, liquidated = 0;
    for (size_t i = 0; i < gl.gl_pathc; i++) {
        const char *path = gl.gl_pathv[i];
        if (strstr(path, ".examples.yaml") || strstr(path, "aliases.yaml"))
            continue;
        liq_policy *p = load_policy_or_fail(path);
        /* Hooked policies search their liquidation price: fewer cases. */
        size_t n = p->hook_path ? 40 : 150;
        for (size_t k = 0; k < n; k++)
            one_case(p, &g, k, &liquidated, cols);
        cases += n;
        policies++;
        liq_policy_free(p);
    }
    globfree(&gl);
    printf("one engine%s: %zu cases over %zu policies, %zu liquidated, %zu with debt actions, "
           "%zu with a margin call, eval == replay\n",
           cols ? " (mark, oracle, index, last, funding, collateral)" : "", cases, policies,
           liquidated, debt_cases, call_cases);
    /* Kraken and Coinbase make margin calls: theirs were compared. */
    assert_true(call_cases > 0);
    assert_true(policies >= 18);
    /* Brokers and spot margin leave debts: their actions were compared. */
    assert_true(debt_cases > 0);
    /* The property means something only if most cases liquidate. */
    assert_true(liquidated * 2 > cases);
}

static void test_a_one_account_replay_is_eval_under_every_shipped_policy(void **state)
{
    (void)state;
    every_policy(false);
}

/* The same on paths of four price columns, funding and a collateral
 * asset, ticks 3 hours apart: each policy triggers on its own
 * trigger.price column and fills from `last`, in eval and replay alike
 * (one pick, wf_use_columns); funding comes off the margin in both
 * (wf_funding_payment), the collateral is revalued in both
 * (wf_collateral_value), and a policy's interest is charged in both
 * (wf_interest_charge: Kraken's rollover every 4 hours, IBKR's daily). */
static void test_on_paths_of_several_prices_replay_is_eval_too(void **state)
{
    (void)state;
    every_policy(true);
}

/* The test-only variants beside the golden tests (tests/data/golden/)
 * carry rules no shipped policy combines: Bybit's legacy inverse cross
 * with the fee to close at the bankruptcy price, dYdX's 10 % test
 * perpetual compared strictly, OKX's partial tiers, Drift's slices sized
 * to the shortage. The same property. */
static void test_a_one_account_replay_is_eval_under_every_golden_variant(void **state)
{
    (void)state;
    glob_t gl;
    assert_int_equal(glob(LIQ_TEST_DATA "/golden/*.yaml", 0, NULL, &gl), 0);
    assert_int_equal(glob(LIQ_TEST_DATA "/golden/*/*.yaml", GLOB_APPEND, NULL, &gl), 0);
    uint64_t g = 0x9E3779B97F4A7C15ull;
    size_t policies = 0, liquidated = 0;
    for (size_t i = 0; i < gl.gl_pathc; i++) {
        if (strstr(gl.gl_pathv[i], ".examples.yaml"))
            continue;
        liq_policy *p = load_policy_or_fail(gl.gl_pathv[i]);
        for (size_t k = 0; k < 40; k++)
            one_case(p, &g, k, &liquidated, false);
        policies++;
        liq_policy_free(p);
    }
    globfree(&gl);
    assert_true(policies >= 10);
    assert_true(liquidated > 0);
}

/* One random cross account holding USDT and BTC as collateral
 * (account.collateral_assets; a book's collateral and collateral.BTC),
 * BTC priced along its own path, which falls apart from the mark half
 * of the time: evaluated and replayed, the trader's numbers must agree,
 * revaluations included (wf_collateral_moved in both), and a venue that
 * would not take the account refuses it in both. */
static void assets_case(liq_policy *p, uint64_t *g, size_t k, size_t *liquidated, size_t *by_coll)
{
    int64_t lev = 2 + below(g, 19);
    bool lng = below(g, 3) != 0;
    int64_t entry = 20000 + below(g, 60001);
    int64_t milli = 1 + below(g, 500);
    char size[32], cash[32], btc[32];
    snprintf(size, sizeof size, "0.%03lld", (long long)milli);
    /* What is held: 1 to 3 times the initial margin, part in USDT (none a
     * quarter of the time), the rest in BTC at its first price. */
    long long im_cents = (long long)(milli * entry / 10 / lev) + 1;
    long long total = im_cents * (11 + below(g, 20)) / 10 + 1;
    long long cash_cents = below(g, 4) == 0 ? 0 : total * below(g, 80) / 100;
    long long btc_px = 10000 + below(g, 60001);
    /* BTC units in 1e-8, worth the rest. */
    long long sats = (total - cash_cents) * 1000000 / btc_px + 1;
    snprintf(cash, sizeof cash, "%lld.%02lld", cash_cents / 100, cash_cents % 100);
    snprintf(btc, sizeof btc, "%lld.%08lld", sats / 100000000, sats % 100000000);
    size_t n = 2 + (size_t)below(g, 10);
    bool crash = below(g, 2) == 0;
    liq_path *path = path_new(n);
    assert_non_null(path);
    path->nassets = 1;
    snprintf(path->asset[0], sizeof path->asset[0], "BTC");
    path->asset_px[0] = malloc(n * sizeof(liq_dec));
    assert_non_null(path->asset_px[0]);
    char marks[400] = "", bpx[400] = "";
    size_t mu = 0, bu = 0;
    long long px = entry, cpx = btc_px;
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            int dir = below(g, 4) == 0 ? 1 : -1;
            px += (long long)(lng ? dir : -dir) * px * below(g, 9) / 100;
            cpx -= cpx * (crash ? 10 + below(g, 40) : below(g, 5) - 2) / 100;
        }
        if (px < 1)
            px = 1;
        if (cpx < 1)
            cpx = 1;
        char m[32], c[32];
        snprintf(m, sizeof m, "%lld", px);
        snprintf(c, sizeof c, "%lld", cpx);
        path->mark[i] = D(m);
        path->asset_px[0][i] = D(c);
        mu += (size_t)snprintf(marks + mu, sizeof marks - mu, "%s\"%s\"", i ? ", " : "", m);
        bu += (size_t)snprintf(bpx + bu, sizeof bpx - bu, "%s\"%s\"", i ? ", " : "", c);
    }
    const char *symbol = p->nmarkets ? p->markets[0].id->symbol.v : "X";
    char usdt[80] = "";
    if (cash_cents)
        snprintf(usdt, sizeof usdt, "{asset: USDT, amount: \"%s\"}, ", cash);
    char yaml[1600];
    snprintf(yaml, sizeof yaml,
             "name: assets\naccount:\n  mode: cross\n  collateral_assets: [%s{asset: BTC, amount: "
             "\"%s\"}]\nposition: {market: %s, side: %s, size: \"%s\", entry_price: \"%lld\", "
             "leverage: %lld}\nmarket:\n  mark_path: [%s]\n  collateral_paths: {BTC: [%s]}\n"
             "  liquidation_fill: {slippage: \"0.01\"}\n",
             usdt, btc, symbol, lng ? "long" : "short", size, (long long)entry, (long long)lev,
             marks, bpx);
    liq_diags d = LIQ_DIAGS_INIT;
    liq_scenario *s = liq_scenario_parse("assets.yaml", yaml, strlen(yaml), &d);
    if (!s)
        fail_with_diags(yaml, &d);
    liq_eval_opts eo = {0};
    liq_result *res = liq_eval(p, s, &eo, &d);
    if (!res)
        fail_with_diags(yaml, &d);
    char *txt = liq_results_render(&res, 1, LIQ_FMT_JSON, false);
    json_error_t jerr;
    json_t *r = json_loads(txt, 0, &jerr);
    assert_non_null(r);
    liq_book *bk = book_new(1);
    assert_true(book_add(bk, "a", D(cash), MODE_CROSS, lng ? 1 : -1, D(size),
                         liq_dec_from_int(entry), liq_dec_from_int(lev)));
    assert_true(book_add_casset(bk, 0, "BTC", D(btc)));
    sums got = {0};
    liq_replay_summary sum;
    liq_replay_opts ro = {.slippage = D("0.01"), .check = true, .on_event = on_event, .ud = &got};
    if (liq_replay(p, bk, path, &ro, &sum, &d) != LIQ_OK)
        fail_with_diags(yaml, &d);
    const char *pn = liq_policy_name(p);
    char b[LIQ_DEC_STRLEN + 8];
    if (strcmp(jtext(r, "status", b, sizeof b), "ok") != 0) {
        if (sum.refused != 1)
            fail_msg("%s case %zu: eval %s, replay did not refuse\n%s", pn, k, b, yaml);
    } else {
        assert_int_equal(sum.refused, 0);
        bool liq = !strcmp(jtext(r, "liquidated", b, sizeof b), "true");
        if (liq != got.liquidated)
            fail_msg("%s case %zu: eval liquidated=%d, replay %d\n%s", pn, k, liq, got.liquidated,
                     yaml);
        if (liq) {
            (*liquidated)++;
            if (strcmp(jtext(r, "trigger_price", b, sizeof b), got.trigger) != 0)
                fail_msg("%s case %zu: trigger: eval %s, replay %s\n%s", pn, k, b, got.trigger,
                         yaml);
            /* The collateral's fall liquidated it before the mark reached
             * the liquidation price at entry. */
            char lp0[LIQ_DEC_STRLEN + 8];
            jtext(r, "liquidation_price", lp0, sizeof lp0);
            liq_dec tr = D(got.trigger), lp = D(lp0);
            if (lng ? liq_dec_cmp(tr, lp) > 0 : liq_dec_cmp(tr, lp) < 0)
                (*by_coll)++;
            if (strcmp(jtext(r, "fill_price", b, sizeof b), got.fill[0] ? got.fill : "null") != 0)
                fail_msg("%s case %zu: fill: eval %s, replay %s\n%s", pn, k, b, got.fill, yaml);
            same("loss.forced", pn, k, jtext(r, "loss.forced", b, sizeof b), got.forced);
            same("loss.fees", pn, k, jtext(r, "loss.fees", b, sizeof b), got.fees);
            same("deficit", pn, k, jtext(r, "deficit", b, sizeof b), got.deficit);
        }
        /* What the collateral's revaluations and the close took, unforced. */
        if (liq || !strcmp(jtext(r, "open_size", b, sizeof b), "0"))
            same("loss.unforced", pn, k, jtext(r, "loss.unforced", b, sizeof b), got.unforced);
        same("collateral_revalued", pn, k, jtext(r, "collateral_revalued", b, sizeof b),
             sum.collateral_revalued);
        if (owed_comparable(p))
            same("debt.owed", pn, k, jtext(r, "debt.owed", b, sizeof b), sum.debt_total);
    }
    liq_book_free(bk);
    json_decref(r);
    free(txt);
    liq_result_free(res);
    liq_scenario_free(s);
    liq_path_free(path);
    liq_diags_free(&d);
}

/* Collateral in several assets at the venue's ratios: Binance's
 * Multi-Assets Mode (BTC 95 %, USDT 99.99 %: binance-usdm.yaml) and
 * Bybit's tiered ratios slice by slice of the BTC held (the help
 * centre's example table: bybit-tiered-collateral). */
static void test_collateral_assets_replay_is_eval(void **state)
{
    (void)state;
    static const char *const pols[] = {LIQ_SOURCE_DIR "/policies/binance-usdm.yaml",
                                       LIQ_TEST_DATA "/waterfall/policies/bybit-tiered-collateral.yaml"};
    uint64_t g = 0xD1B54A32D192ED03ull;
    size_t cases = 0, liquidated = 0, by_coll = 0;
    for (size_t i = 0; i < 2; i++) {
        liq_policy *p = load_policy_or_fail(pols[i]);
        for (size_t k = 0; k < 150; k++)
            assets_case(p, &g, k, &liquidated, &by_coll);
        cases += 150;
        liq_policy_free(p);
    }
    printf("one engine (collateral assets): %zu cases, %zu liquidated, %zu of them before the "
           "mark reached the liquidation price at entry, eval == replay\n",
           cases, liquidated, by_coll);
    assert_true(liquidated * 3 > cases);
    assert_true(by_coll > 0);
}

/* Kraken spot margin offers cross only. An isolated book row and an
 * isolated scenario are both held in cross, with the whole account at
 * risk: one liquidation price, one answer. 1 BTC long at 50,000, 5x
 * (used margin 10,000), account 12,000; margin level 40 % of used margin
 * (the hook): liquidated where 12,000 + (P - 50,000) = 4,000, at 42,000. */
static void test_a_cross_only_venue_holds_an_isolated_row_in_cross_in_both(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/kraken-spot-margin.yaml");
    const char *yaml = "name: k\naccount: {collateral: \"12000\", mode: isolated}\n"
                       "position: {market: XBT/USD, side: long, size: \"1\", entry_price: "
                       "\"50000\", leverage: 5}\n"
                       "market: {mark_path: [\"50000\", \"44000\", \"41000\"]}\n";
    liq_scenario *s = parse_scenario_or_fail("k.yaml", yaml);
    liq_diags d = LIQ_DIAGS_INIT;
    liq_eval_opts eo = {0};
    liq_result *res = liq_eval(p, s, &eo, &d);
    if (!res)
        fail_with_diags("eval", &d);
    char *txt = liq_results_render(&res, 1, LIQ_FMT_JSON, false);
    json_error_t jerr;
    json_t *r = json_loads(txt, 0, &jerr);
    char b[64];
    assert_string_equal(jtext(r, "status", b, sizeof b), "ok");
    assert_string_equal(jtext(r, "liquidation_price", b, sizeof b), "42000");
    assert_string_equal(jtext(r, "trigger_price", b, sizeof b), "41000");

    liq_book *bk = book_new(1);
    assert_true(book_add(bk, "a", D("12000"), MODE_ISOLATED, 1, D("1"), D("50000"), D("5")));
    liq_path *path = path_new(3);
    path->mark[0] = D("50000");
    path->mark[1] = D("44000");
    path->mark[2] = D("41000");
    sums got = {0};
    liq_replay_summary sum;
    liq_replay_opts ro = {.on_event = on_event, .ud = &got};
    if (liq_replay(p, bk, path, &ro, &sum, &d) != LIQ_OK)
        fail_with_diags("replay", &d);
    assert_true(got.liquidated);
    assert_string_equal(got.trigger, "41000");
    same("debt.owed", "kraken-spot-margin", 0, jtext(r, "debt.owed", b, sizeof b), sum.debt_total);
    same("deficit", "kraken-spot-margin", 0, jtext(r, "deficit", b, sizeof b), got.deficit);
    json_decref(r);
    free(txt);
    liq_result_free(res);
    liq_book_free(bk);
    liq_path_free(path);
    liq_scenario_free(s);
    liq_policy_free(p);
    liq_diags_free(&d);
}

/* The trigger of a run of `marks`: from eval (the result's trigger_price)
 * and from a one-account replay, indexed and naive; all three must agree.
 * "null" when not liquidated. */
static void trigger_both_ways(liq_policy *p, const char *marks_yaml, const char *const *marks,
                              size_t n, char *out, size_t cap)
{
    char yaml[600];
    snprintf(yaml, sizeof yaml,
             "name: edge\naccount: {collateral: \"554\", mode: cross}\n"
             "position: {market: BTC-USD, side: long, size: \"0.1\", entry_price: \"50000\", "
             "leverage: 10}\nmarket: {mark_path: [%s]}\n", marks_yaml);
    liq_scenario *s = parse_scenario_or_fail("edge.yaml", yaml);
    liq_diags d = LIQ_DIAGS_INIT;
    liq_eval_opts eo = {0};
    liq_result *res = liq_eval(p, s, &eo, &d);
    if (!res)
        fail_with_diags("eval", &d);
    char *txt = liq_results_render(&res, 1, LIQ_FMT_JSON, false);
    json_error_t jerr;
    json_t *r = json_loads(txt, 0, &jerr);
    jtext(r, "trigger_price", out, cap);
    liq_path *path = path_new(n);
    for (size_t i = 0; i < n; i++)
        path->mark[i] = D(marks[i]);
    for (int naive = 0; naive < 2; naive++) {
        liq_book *bk = book_new(1);
        assert_true(book_add(bk, "a", D("554"), MODE_CROSS, 1, D("0.1"), D("50000"), D("10")));
        sums got = {0};
        liq_replay_summary sum;
        liq_replay_opts ro = {.on_event = on_event, .ud = &got, .naive = naive};
        if (liq_replay(p, bk, path, &ro, &sum, &d) != LIQ_OK)
            fail_with_diags("replay", &d);
        assert_string_equal(got.liquidated ? got.trigger : "null", out);
        liq_book_free(bk);
    }
    json_decref(r);
    free(txt);
    liq_result_free(res);
    liq_path_free(path);
    liq_scenario_free(s);
    liq_diags_free(&d);
}

/* dYdX liquidates a subaccount only when its net collateral is strictly
 * below its maintenance requirement (IsLiquidatable, x/clob/keeper/
 * liquidations.go; trigger.compare: strictly_below). 0.1 BTC long at
 * 50,000, 554 USDC, MM 1.2 %: the liquidation price (5,000 - 554) /
 * (0.1 x 0.988) = 45,000 exactly, where equity 554 - 500 = 54 equals MM
 * 4,500 x 1.2 % = 54. dYdX holds at 45,000 and liquidates at 44,999
 * (equity 53.9 < MM 53.9988); the same venue comparing at_or_below (a
 * test-only child) liquidates at 45,000. */
static void test_the_trigger_boundary_is_held_or_taken_alike_in_eval_and_replay(void **state)
{
    (void)state;
    static const char *const marks[] = {"50000", "45000", "44999"};
    const char *yaml = "\"50000\", \"45000\", \"44999\"";
    char b[LIQ_DEC_STRLEN + 8];
    liq_policy *strict = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/dydx-v4.yaml");
    liq_policy *at = load_policy_or_fail(LIQ_TEST_DATA "/waterfall/policies/dydx-v4-at-or-below.yaml");
    trigger_both_ways(strict, yaml, marks, 3, b, sizeof b);
    assert_string_equal(b, "44999");
    trigger_both_ways(strict, "\"50000\", \"45000\"", marks, 2, b, sizeof b);
    assert_string_equal(b, "null");
    trigger_both_ways(at, yaml, marks, 3, b, sizeof b);
    assert_string_equal(b, "45000");

    /* A cross account of two positions (account.c) holds the same rule:
     * SOL-USD 10 at 100 (MM 5 % of 1,000 = 50) stays at 100, so at BTC
     * 45,000 the account's equity 604 - 500 = 104 equals its MM 54 + 50. */
    const char *acct =
        "name: edge2\naccount: {collateral: \"604\", mode: cross}\npositions:\n"
        "  - {market: BTC-USD, side: long, size: \"0.1\", entry_price: \"50000\", leverage: 10}\n"
        "  - {market: SOL-USD, side: long, size: \"10\", entry_price: \"100\", leverage: 10}\n"
        "market:\n  mark_paths:\n    BTC-USD: [\"50000\", \"45000\", \"44999\"]\n"
        "    SOL-USD: [\"100\", \"100\", \"100\"]\n";
    liq_policy *ps[2] = {strict, at};
    const char *want[2] = {"44999", "45000"};
    for (int k = 0; k < 2; k++) {
        liq_scenario *s = parse_scenario_or_fail("edge2.yaml", acct);
        liq_diags d = LIQ_DIAGS_INIT;
        liq_eval_opts eo = {0};
        liq_result *res = liq_eval(ps[k], s, &eo, &d);
        if (!res)
            fail_with_diags("eval", &d);
        char *txt = liq_results_render(&res, 1, LIQ_FMT_JSON, false);
        json_error_t jerr;
        json_t *r = json_loads(txt, 0, &jerr);
        json_t *legs = json_object_get(r, "positions");
        assert_string_equal(json_string_value(json_object_get(json_array_get(legs, 0),
                                                              "trigger_price")), want[k]);
        json_decref(r);
        free(txt);
        liq_result_free(res);
        liq_scenario_free(s);
        liq_diags_free(&d);
    }
    liq_policy_free(strict);
    liq_policy_free(at);
}

/* What the shortfall stages leave of a deficit has one rule
 * (wf_rest_stage, close.c): under negative-balance protection the venue
 * absorbs it, in eval as in a replay (eval used to stop with an error
 * where the replay gave the same amount to the venue). lin.yaml: order
 * [insurance_fund], protection, a fund of 50 set for the case. A 10x
 * long of 0.2 at 50,000 with 1,000 gaps to 44,000, filled 1 % below at
 * 43,560: loss 1,200 + 88, fee 0.5 % x 8,712 = 43.56, deficit 331.56;
 * the fund pays its 50 and the 43.56 it just received, 93.56; the venue
 * absorbs the other 238; the trader ends at 0 and owes nothing. */
static void test_what_the_stages_leave_is_the_venues_in_eval_and_replay(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_TEST_DATA "/waterfall/policies/lin.yaml");
    liq_scenario *s = parse_scenario_or_fail(
        "dry.yaml", "name: dry\naccount: {collateral: \"1000\", mode: isolated}\n"
                    "position: {side: long, size: \"0.2\", entry_price: \"50000\", leverage: 10}\n"
                    "market: {mark_path: [\"50000\", \"44000\"], insurance_fund: \"50\",\n"
                    "         liquidation_fill: {slippage: \"0.01\"}}\n");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_eval_opts eo = {0};
    liq_result *res = liq_eval(p, s, &eo, &d);
    if (!res)
        fail_with_diags("eval", &d);
    char *txt = liq_results_render(&res, 1, LIQ_FMT_JSON, false);
    json_error_t jerr;
    json_t *r = json_loads(txt, 0, &jerr);
    assert_non_null(r);
    char b[LIQ_DEC_STRLEN + 8];
    assert_string_equal(jtext(r, "deficit", b, sizeof b), "331.56");
    assert_string_equal(jtext(r, "covered_by.insurance_fund", b, sizeof b), "93.56");
    assert_string_equal(jtext(r, "covered_by.venue", b, sizeof b), "238");
    assert_string_equal(jtext(r, "debt.owed", b, sizeof b), "0");
    assert_string_equal(jtext(r, "final_balance", b, sizeof b), "0");
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "warnings"), 0)),
                        "market.insurance_fund: a fund of 50 leaves 238 of the deficit uncovered "
                        "under lin, whose shortfall.order ends with the insurance fund; the "
                        "venue absorbs it (negative_balance.protection)");

    liq_path *path = path_new(2);
    assert_non_null(path);
    path->mark[0] = D("50000");
    path->mark[1] = D("44000");
    liq_book *bk = book_new(1);
    assert_true(book_add(bk, "a", D("1000"), MODE_ISOLATED, 1, D("0.2"), D("50000"),
                         liq_dec_from_int(10)));
    liq_replay_summary sum;
    liq_replay_opts ro = {.slippage = D("0.01"), .check = true, .has_fund = true, .fund = D("50")};
    if (liq_replay(p, bk, path, &ro, &sum, &d) != LIQ_OK)
        fail_with_diags("replay", &d);
    same("deficit", "lin", 0, "331.56", sum.deficit);
    same("covered_by.insurance_fund", "lin", 0, "93.56", sum.covered[STAGE_IF]);
    same("covered_by.venue", "lin", 0, "238", sum.covered[STAGE_VENUE]);
    same("debt.owed", "lin", 0, "0", sum.debt_total);
    json_decref(r);
    free(txt);
    liq_result_free(res);
    liq_book_free(bk);
    liq_path_free(path);
    liq_scenario_free(s);
    liq_policy_free(p);
    liq_diags_free(&d);
}

/* The socialized_loss of a replay, and what its payers were charged. */
typedef struct soc_seen {
    char per_unit[LIQ_DEC_STRLEN];   /* funding: per_base_unit; "" otherwise */
    liq_dec amount, charged;
    size_t charges;
} soc_seen;

static void on_soc_event(void *ud, const char *line)
{
    soc_seen *s = ud;
    json_t *o = json_loads(line, 0, NULL);
    assert_non_null(o);
    const char *type = json_string_value(json_object_get(o, "type"));
    if (!strcmp(type, "socialized_charge")) {
        s->charged = add(s->charged, jd(o, "amount"));
        s->charges++;
    }
    if (!strcmp(type, "socialized_loss")) {
        s->amount = add(s->amount, jd(o, "amount"));
        json_t *u = json_object_get(o, "per_base_unit");
        if (json_is_string(u))
            snprintf(s->per_unit, sizeof s->per_unit, "%s", json_string_value(u));
    }
    json_decref(o);
}

/* A single evaluation of yaml under p: its socialized_loss event's
 * amount and per-unit field (per_base_unit or rate_of_winners_profit). */
static void eval_soc(liq_policy *p, const char *yaml, const char *unit_key, char *amount,
                     char *per_unit, size_t cap)
{
    liq_scenario *s = parse_scenario_or_fail("soc.yaml", yaml);
    liq_diags d = LIQ_DIAGS_INIT;
    liq_eval_opts eo = {0};
    liq_result *res = liq_eval(p, s, &eo, &d);
    if (!res)
        fail_with_diags("eval", &d);
    char *txt = liq_results_render(&res, 1, LIQ_FMT_JSON, false);
    json_t *r = json_loads(txt, 0, NULL);
    assert_non_null(r);
    snprintf(amount, cap, "null");
    snprintf(per_unit, cap, "null");
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(r, "events"), i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "type")), "socialized_loss") != 0)
            continue;
        jtext(e, "amount", amount, cap);
        jtext(e, unit_key, per_unit, cap);
    }
    json_decref(r);
    free(txt);
    liq_result_free(res);
    liq_scenario_free(s);
    liq_diags_free(&d);
}

/* A replay of bk through marks (slippage 0, the fund set to fund). */
static void replay_soc(liq_policy *p, liq_book *bk, const char *const *marks, size_t n,
                       const char *fund, soc_seen *got, liq_replay_summary *sum)
{
    liq_path *path = path_new(n);
    assert_non_null(path);
    for (size_t i = 0; i < n; i++)
        path->mark[i] = D(marks[i]);
    liq_diags d = LIQ_DIAGS_INIT;
    liq_replay_opts ro = {.check = true, .on_event = on_soc_event, .ud = got,
                          .has_fund = true, .fund = D(fund)};
    if (liq_replay(p, bk, path, &ro, sum, &d) != LIQ_OK)
        fail_with_diags("replay", &d);
    liq_path_free(path);
    liq_diags_free(&d);
}

/* One loss, one rule of sharing it (socialize.c, issue 10 item 5): what a
 * single evaluation says the socialized stage takes, and per unit, is what
 * a replay of the same trade beside the accounts that pay it charges them.
 * Drift (funding; tests/data/replay/books/funding.csv, drift.examples.yaml's
 * drift-sol-perp-e2e-socialized-via-funding): A long 10 SOL at 100, 20x,
 * cross, 54.4 USDC, bankrupt at 90: deficit 45.6, the fund's 1 paid, 44.6
 * socialized. The other accounts hold 5 + 12.5 + 12.5 = 30 SOL open (the
 * scenario's market.open_interest): 44.6 / 30 rounded up to 0.000001 is
 * 1.486667 per SOL in both. Deribit (clawback; books/clawback-venue.csv,
 * test_replay's test_clawback_venue_charges_winners_pro_rata): A long 1 at
 * 50,000, 10x, cross, 5,000, gapped to 44,000 with the fund at 0: 1,000
 * socialized among winners whose profit is 6,000 + 3,000 (market.
 * winners_profit), 1,000 / 9,000 of it each, charged 1,000 in all. */
static void test_a_socialized_loss_is_shared_alike_in_eval_and_replay(void **state)
{
    (void)state;
    char amount[LIQ_DEC_STRLEN + 8], unit[LIQ_DEC_STRLEN + 8];
    liq_policy *drift = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/drift.yaml");
    eval_soc(drift,
             "name: soc-funding\naccount: {collateral: \"54.4\", mode: cross}\n"
             "position: {market: SOL-PERP, side: long, size: \"10\", entry_price: \"100\", "
             "leverage: 20}\n"
             "market: {mark_path: [\"100\", \"90\"], insurance_fund: \"1\", open_interest: \"30\"}\n",
             "per_base_unit", amount, unit, sizeof amount);
    liq_book *bk = book_new(4);
    assert_true(book_add(bk, "A", D("54.4"), MODE_CROSS, 1, D("10"), D("100"), D("20")));
    assert_true(book_add(bk, "L", D("1000"), MODE_CROSS, 1, D("5"), D("100"), D("10")));
    assert_true(book_add(bk, "S1", D("1000"), MODE_CROSS, -1, D("12.5"), D("100"), D("10")));
    assert_true(book_add(bk, "S2", D("1000"), MODE_CROSS, -1, D("12.5"), D("100"), D("10")));
    static const char *const sol[] = {"100", "90"};
    soc_seen got = {0};
    liq_replay_summary sum;
    replay_soc(drift, bk, sol, 2, "1", &got, &sum);
    assert_string_equal(amount, "44.6");
    same("socialized amount", "drift", 0, amount, got.amount);
    same("covered_by.socialized", "drift", 0, amount, sum.covered[STAGE_SOCIALIZED]);
    assert_string_equal(unit, "1.486667");
    assert_string_equal(got.per_unit, unit);
    assert_int_equal(got.charges, 3);     /* longs and shorts alike */
    liq_book_free(bk);
    liq_policy_free(drift);

    liq_policy *deribit = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/deribit.yaml");
    eval_soc(deribit,
             "name: soc-clawback\naccount: {collateral: \"5000\", mode: cross}\n"
             "position: {market: BTC_USDC-PERPETUAL, side: long, size: \"1\", entry_price: "
             "\"50000\", leverage: 10}\n"
             "market: {mark_path: [\"50000\", \"44000\"], insurance_fund: \"0\", "
             "winners_profit: \"9000\"}\n",
             "rate_of_winners_profit", amount, unit, sizeof amount);
    bk = book_new(3);
    assert_true(book_add(bk, "A", D("5000"), MODE_CROSS, 1, D("1"), D("50000"), D("10")));
    assert_true(book_add(bk, "W1", D("6000"), MODE_CROSS, -1, D("1"), D("50000"), D("10")));
    assert_true(book_add(bk, "W2", D("3000"), MODE_CROSS, -1, D("0.5"), D("50000"), D("10")));
    static const char *const btc[] = {"50000", "44000"};
    got = (soc_seen){0};
    replay_soc(deribit, bk, btc, 2, "0", &got, &sum);
    assert_string_equal(amount, "1000");
    same("socialized amount", "deribit", 0, amount, got.amount);
    same("charged to the winners", "deribit", 0, amount, got.charged);
    same("covered_by.socialized", "deribit", 0, amount, sum.covered[STAGE_SOCIALIZED]);
    assert_int_equal(got.charges, 2);     /* the winners only */
    assert_string_equal(unit, "0.111111111111");
    liq_book_free(bk);
    liq_policy_free(deribit);
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_one_account_replay_is_eval_under_every_shipped_policy),
        cmocka_unit_test(test_on_paths_of_several_prices_replay_is_eval_too),
        cmocka_unit_test(test_a_one_account_replay_is_eval_under_every_golden_variant),
        cmocka_unit_test(test_collateral_assets_replay_is_eval),
        cmocka_unit_test(test_a_cross_only_venue_holds_an_isolated_row_in_cross_in_both),
        cmocka_unit_test(test_the_trigger_boundary_is_held_or_taken_alike_in_eval_and_replay),
        cmocka_unit_test(test_what_the_stages_leave_is_the_venues_in_eval_and_replay),
        cmocka_unit_test(test_a_socialized_loss_is_shared_alike_in_eval_and_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
