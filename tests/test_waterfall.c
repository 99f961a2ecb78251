/*
 * test_waterfall.c — the liquidation waterfall, end to end (engine/eval.c
 * and the stage files it runs: position, margin, trigger, fee, shortfall,
 * debt).
 *
 * Each case is one rule, stated in its name: a policy and a scenario from
 * tests/data/waterfall/, and the end state of every party — the trader
 * (losses, final balance, what is left open), the insurance fund, ADL,
 * socialization, the pool, the venue, and the trader's debt — as exact
 * decimals. Every expected number is worked out by hand from the venue
 * formula in the comment above its case; none is copied from the engine.
 * Every result also passes the accounting invariants (check_invariants).
 *
 * Conventions of the hand arithmetic (engine/margin.c):
 *   linear   notional = S x P,   pnl = side x S x (P - E)
 *   inverse  notional = Q / P,   pnl = side x Q x (P - E) / (E x P)
 *   MM = notional x rate - deduction, on the notional at the tested price
 *   (base: mark) or at entry (base: entry); the liquidation price solves
 *   equity(P) = MM(P):
 *     linear  long  LP = (S E - C - d) / (S (1 - r))
 *             short LP = (S E + C + d) / (S (1 + r))
 *     inverse long  LP = Q (1 + r) / (C + Q/E + d)
 *             short LP = Q (1 - r) / (Q/E - C - d)
 *   and the bankruptcy price is the same with r = d = 0.
 * Without a price tick, a liquidation or bankruptcy price that does not
 * terminate is cut at 12 decimal places against the trader (long up,
 * short down); an amount that does not terminate (inverse PnL, notional)
 * is rounded to 12 places half-even, once per division.
 *
 * The results are read through the public API: liq_eval with explain on,
 * liq_results_render to JSON, jansson. Decimals are compared as exact
 * strings in canonical form (the expected literals are checked to be
 * canonical, so a typo like "44.80" cannot pass or fail by accident).
 */
#include "support/support.h"

#include <glob.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

#include "policy.h"

#define WF_POLICY(name) LIQ_TEST_DATA "/waterfall/policies/" name ".yaml"
#define WF_SCENARIO(name) LIQ_TEST_DATA "/waterfall/scenarios/" name ".yaml"

/* ---- the expected end state of one case ----------------------------- */

/* Amounts left NULL are expected to be "0"; fund balances left NULL are
 * expected "unlimited"; "null" stands for a JSON null. */
typedef struct wf_case {
    const char *name;          /* the rule this case shows */
    const char *policy, *scenario;
    const char *known_bug;     /* an engine disagreement, reported: skipped */
    const char *im, *mm;       /* checked when given */
    const char *lp, *bp;
    bool liquidated;
    const char *trigger, *fill, *close;
    const char *unforced, *forced, *fees, *total;
    const char *collateral, *deficit;
    struct {
        const char *insurance_fund, *adl, *socialized, *liquidity_pool, *venue, *trader_debt;
    } covered_by;
    const char *owed;
    const char *actions[4];    /* "type key=value ..." */
    const char *final_balance;
    const char *open_size, *unrealized;
    struct {
        const char *before, *received, *paid, *after;
    } fund;
    const char *events[10];    /* in order: "type@step key=value ...", or "type key=value ..." */
} wf_case;

/* ---- helpers --------------------------------------------------------- */

/* The value at a dotted path ("loss.total") as text: a string as is, null
 * as "null", true/false, an integer in decimal. */
static const char *jtext(json_t *root, const char *path, char *buf, size_t cap)
{
    char key[64];
    json_t *v = root;
    const char *p = path;
    while (v && *p) {
        size_t n = strcspn(p, ".");
        snprintf(key, sizeof key, "%.*s", (int)n, p);
        /* A number indexes an array: "positions.0.liquidation_price". */
        v = json_is_array(v) ? json_array_get(v, (size_t)strtoul(key, NULL, 10))
                             : json_object_get(v, key);
        p += n + (p[n] == '.');
    }
    if (!v)
        fail_msg("result has no key %s", path);
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_null(v))
        return "null";
    if (json_is_true(v))
        return "true";
    if (json_is_false(v))
        return "false";
    if (json_is_integer(v)) {
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    fail_msg("%s: unexpected JSON type", path);
    return "";
}

static liq_dec jdec(json_t *root, const char *path)
{
    char b[32];
    return D(jtext(root, path, b, sizeof b));
}

/* An expected literal must be in the engine's canonical form, so that
 * string equality means decimal equality. */
static void assert_canonical(const char *want)
{
    if (!strcmp(want, "null") || !strcmp(want, "unlimited") || !strcmp(want, "true") ||
        !strcmp(want, "false"))
        return;
    char b[LIQ_DEC_STRLEN];
    if (strcmp(dec_text(D(want), b), want) != 0)
        fail_msg("expected value \"%s\" is not canonical (write \"%s\")", want, b);
}

static void expect(json_t *r, const char *path, const char *want, const char *dflt)
{
    char b[32];
    if (!want)
        want = dflt;
    assert_canonical(want);
    const char *got = jtext(r, path, b, sizeof b);
    if (strcmp(got, want) != 0)
        fail_msg("%s: got %s, expected %s", path, got, want);
}

/* Several expectations at once: key, value, ..., NULL. A value that is
 * a decimal is compared as one (canonical text); any other as text. */
static void expect_all(json_t *r, ...)
{
    va_list ap;
    va_start(ap, r);
    const char *key;
    while ((key = va_arg(ap, const char *))) {
        const char *want = va_arg(ap, const char *);
        liq_dec d;
        if (liq_dec_from_str(want, &d) == LIQ_OK || !strcmp(want, "true") ||
            !strcmp(want, "false") || !strcmp(want, "null")) {
            expect(r, key, want, NULL);
            continue;
        }
        char b[128];
        const char *got = jtext(r, key, b, sizeof b);
        if (strcmp(got, want) != 0)
            fail_msg("%s: got %s, expected %s", key, got, want);
    }
    va_end(ap);
}

/* "type@step key=value ..." for an event, "type key=value ..." for an
 * action: every key in the order the result lists them. */
static void flatten(json_t *o, bool with_step, char *out, size_t cap)
{
    static const char *const type_only[] = {"type", NULL};
    static const char *const type_and_step[] = {"type", "step", NULL};
    size_t used = (size_t)snprintf(out, cap, "%s", json_string_value(json_object_get(o, "type")));
    json_t *step = json_object_get(o, "step");
    if (with_step && step)
        used += (size_t)snprintf(out + used, cap - used, "@%lld",
                                 (long long)json_integer_value(step));
    append_fields(o, with_step ? type_and_step : type_only, out, cap, used);
}

static void expect_list(json_t *r, const char *path, const char *const *want, size_t max,
                        bool with_step)
{
    json_t *arr = r;
    char key[64];
    snprintf(key, sizeof key, "%s", path);
    for (char *tok = strtok(key, "."); tok; tok = strtok(NULL, "."))
        arr = json_object_get(arr, tok);
    assert_true(json_is_array(arr));
    size_t n = 0;
    while (n < max && want[n])
        n++;
    char got[512];
    for (size_t i = 0; i < json_array_size(arr); i++) {
        flatten(json_array_get(arr, i), with_step, got, sizeof got);
        if (i >= n)
            fail_msg("%s[%zu]: unexpected %s", path, i, got);
        if (strcmp(got, want[i]) != 0)
            fail_msg("%s[%zu]:\n  got      %s\n  expected %s", path, i, got, want[i]);
    }
    if (json_array_size(arr) < n)
        fail_msg("%s: %zu entries, expected %zu (missing %s)", path, json_array_size(arr), n,
                 want[json_array_size(arr)]);
}

/* liq_eval with explain on, rendered to JSON. Caller frees the text. */
static char *eval_json(liq_policy *p, const liq_scenario *s)
{
    liq_diags d = LIQ_DIAGS_INIT;
    liq_eval_opts o = {.explain = true};
    liq_result *r = liq_eval(p, s, &o, &d);
    if (!r)
        fail_with_diags("liq_eval", &d);
    liq_diags_free(&d);
    char *txt = liq_results_render(&r, 1, LIQ_FMT_JSON, false);
    assert_non_null(txt);
    liq_result_free(r);
    return txt;
}

static json_t *parse(const char *txt)
{
    json_error_t err;
    json_t *j = json_loads(txt, 0, &err);
    if (!j)
        fail_msg("result is not JSON: %s (line %d)", err.text, err.line);
    return j;
}

static json_t *evaluate(const char *policy, const char *scenario)
{
    liq_policy *p = load_policy_or_fail(policy);
    liq_scenario *s = load_scenario_or_fail(scenario);
    char *txt = eval_json(p, s);
    json_t *j = parse(txt);
    free(txt);
    liq_scenario_free(s);
    liq_policy_free(p);
    return j;
}

/* ---- the invariants every result keeps ------------------------------ */

static const char *const stages[] = {"insurance_fund", "adl", "socialized", "liquidity_pool",
                                     "venue", "trader_debt"};

static void check_invariants(json_t *r)
{
    char a[LIQ_DEC_STRLEN], b[LIQ_DEC_STRLEN], key[64];
    liq_dec total = jdec(r, "loss.total");
    liq_dec parts = dec_add(dec_add(jdec(r, "loss.unforced"), jdec(r, "loss.forced")),
                            jdec(r, "loss.fees"));
    if (liq_dec_cmp(total, parts) != 0)
        fail_msg("loss.total %s != unforced + forced + fees %s", dec_text(total, a),
                 dec_text(parts, b));

    liq_dec deficit = jdec(r, "deficit");
    liq_dec over = liq_dec_max(dec_sub(total, jdec(r, "collateral")), LIQ_DEC_ZERO);
    /* Isolated positions in one account keep their own deficits: the
     * account's is their sum, which a margin left over elsewhere does not
     * reduce (so it may exceed what the total is above the collateral). */
    json_t *legs = json_object_get(r, "positions");
    bool isolated_legs = legs && !strcmp(json_string_value(json_object_get(r, "mode")), "isolated");
    if (isolated_legs)
        over = liq_dec_max(over, deficit);
    if (liq_dec_cmp(deficit, over) != 0)
        fail_msg("deficit %s != max(0, total - collateral) %s", dec_text(deficit, a),
                 dec_text(over, b));

    liq_dec covered = LIQ_DEC_ZERO;
    for (size_t i = 0; i < sizeof stages / sizeof *stages; i++) {
        snprintf(key, sizeof key, "covered_by.%s", stages[i]);
        liq_dec c = jdec(r, key);
        if (liq_dec_sign(c) < 0)
            fail_msg("%s is negative", key);
        covered = dec_add(covered, c);
    }
    if (liq_dec_cmp(covered, deficit) != 0)
        fail_msg("covered_by sums to %s, deficit is %s", dec_text(covered, a),
                 dec_text(deficit, b));

    liq_dec owed = jdec(r, "debt.owed");
    liq_dec below = liq_dec_max(liq_dec_neg(jdec(r, "final_balance")), LIQ_DEC_ZERO);
    if (liq_dec_cmp(owed, below) != 0)
        fail_msg("debt.owed %s != max(0, -final_balance) %s", dec_text(owed, a),
                 dec_text(below, b));

    char t[32];
    if (strcmp(jtext(r, "insurance_fund.balance_before", t, sizeof t), "unlimited") != 0) {
        liq_dec after = dec_sub(dec_add(jdec(r, "insurance_fund.balance_before"),
                                        jdec(r, "insurance_fund.received")),
                                jdec(r, "insurance_fund.paid"));
        if (liq_dec_cmp(after, jdec(r, "insurance_fund.balance_after")) != 0)
            fail_msg("insurance fund: before + received - paid = %s, balance_after is %s",
                     dec_text(after, a), jtext(r, "insurance_fund.balance_after", t, sizeof t));
        if (liq_dec_sign(after) < 0)
            fail_msg("insurance fund balance_after is negative");
    }

    /* explain is on: every number in the trace says which rule decided it. */
    json_t *trace = json_object_get(r, "trace");
    assert_true(json_is_array(trace) && json_array_size(trace) > 0);
    for (size_t i = 0; i < json_array_size(trace); i++)
        assert_true(strlen(json_string_value(json_object_get(json_array_get(trace, i), "rule"))) >
                    0);
}

/* ---- running one case ------------------------------------------------ */

static void run_case(void **state)
{
    const wf_case *c = *state;
    char pp[512], sp[512];
    if (c->known_bug) {
        print_message("known engine disagreement (reported): %s\n", c->known_bug);
        skip();
    }
    /* A name with a directory is a shipped policy (from the source tree)
     * or a scenario elsewhere under tests/data. */
    if (strchr(c->policy, '/'))
        snprintf(pp, sizeof pp, "%s/%s.yaml", LIQ_SOURCE_DIR, c->policy);
    else
        snprintf(pp, sizeof pp, "%s/waterfall/policies/%s.yaml", LIQ_TEST_DATA, c->policy);
    if (strchr(c->scenario, '/'))
        snprintf(sp, sizeof sp, "%s/%s.yaml", LIQ_TEST_DATA, c->scenario);
    else
        snprintf(sp, sizeof sp, "%s/waterfall/scenarios/%s.yaml", LIQ_TEST_DATA, c->scenario);
    json_t *r = evaluate(pp, sp);
    check_invariants(r);

    if (c->im)
        expect(r, "initial_margin", c->im, NULL);
    if (c->mm)
        expect(r, "maintenance_margin", c->mm, NULL);
    expect(r, "liquidation_price", c->lp, NULL);
    expect(r, "bankruptcy_price", c->bp, NULL);
    expect(r, "liquidated", c->liquidated ? "true" : "false", NULL);
    expect(r, "trigger_price", c->liquidated ? c->trigger : "null", NULL);
    expect(r, "fill_price", c->liquidated ? c->fill : "null", NULL);
    expect(r, "close_price", c->liquidated ? c->close : "null", NULL);
    expect(r, "loss.unforced", c->unforced, "0");
    expect(r, "loss.forced", c->forced, "0");
    expect(r, "loss.fees", c->fees, "0");
    expect(r, "loss.total", c->total, "0");
    expect(r, "collateral", c->collateral, NULL);
    expect(r, "deficit", c->deficit, "0");
    expect(r, "covered_by.insurance_fund", c->covered_by.insurance_fund, "0");
    expect(r, "covered_by.adl", c->covered_by.adl, "0");
    expect(r, "covered_by.socialized", c->covered_by.socialized, "0");
    expect(r, "covered_by.liquidity_pool", c->covered_by.liquidity_pool, "0");
    expect(r, "covered_by.venue", c->covered_by.venue, "0");
    expect(r, "covered_by.trader_debt", c->covered_by.trader_debt, "0");
    expect(r, "debt.owed", c->owed, "0");
    expect_list(r, "debt.actions", c->actions, sizeof c->actions / sizeof *c->actions, false);
    expect(r, "final_balance", c->final_balance, NULL);
    expect(r, "open_size", c->open_size, "0");
    expect(r, "unrealized_pnl", c->unrealized, "0");
    expect(r, "insurance_fund.balance_before", c->fund.before, "unlimited");
    expect(r, "insurance_fund.received", c->fund.received, "0");
    expect(r, "insurance_fund.paid", c->fund.paid, "0");
    expect(r, "insurance_fund.balance_after", c->fund.after, "unlimited");
    expect_list(r, "events", c->events, sizeof c->events / sizeof *c->events, true);
    json_decref(r);
}

/* ---- the cases --------------------------------------------------------
 *
 * Unless a case says otherwise the position is the one most scenarios
 * hold: a 10x long (or short) of S = 0.2 at E = 50000, notional 10000,
 * initial margin C = 10000 / 10 = 1000 USDT, isolated. At 10000 notional
 * lin.yaml's second bracket applies (r = 1%, d = 25), so MM at entry is
 * 10000 x 0.01 - 25 = 75. The bankruptcy price of the long is
 * E - C/S = 50000 - 5000 = 45000; of the short E + C/S = 55000.
 */

/* Shared by the long-gap cases: the mark gaps from 50000 to 44000 (below
 * LP 45328.28 and BP 45000), the fill is 1% below: 43560.
 *   unforced = 0.2 x (50000 - 44000) = 1200, forced = 0.2 x (44000 - 43560) = 88,
 *   total 1288 against collateral 1000: deficit 288. */
#define GAP_LONG_LOSS                                                                          \
    .lp = "45328.282828282829", .bp = "45000", .liquidated = true, .trigger = "44000",      \
    .fill = "43560", .close = "43560", .unforced = "1200", .forced = "88", .total = "1288", \
    .collateral = "1000", .deficit = "288"
#define GAP_LONG_EVENTS                                                                    \
    "liquidation_triggered@1 mark=44000 liquidation_price=45328.282828282829",            \
        "position_closed@1 size=0.2 fill_price=43560 realized_pnl=-1288"

static const wf_case cases[] = {
    /* lin / long-crash. LP = (0.2 x 50000 - 1000 - 25) / (0.2 x 0.99)
     *   = 8975 / 0.198 = 45328.2828...; cut up at 12 places: 45328.282828282829
     *   (notional there 9065.66: still the second bracket). Marks 47000, 45400,
     *   45350 stay above it; 45300 (step 4) is the trigger.
     * fill = 45300 x (1 - 0.01) = 44847.
     * unforced = 0.2 x (50000 - 45300) = 940; forced = 0.2 x (45300 - 44847) = 90.6;
     * fee = 0.005 x 0.2 x 44847 = 0.005 x 8969.4 = 44.847 (to the fund).
     * total = 940 + 90.6 + 44.847 = 1075.447; deficit = 1075.447 - 1000 = 75.447,
     * paid by the unlimited fund; the trader ends at 1000 - 1075.447 + 75.447 = 0. */
    {
        .name = "linear long isolated: LP from the mark-based bracket with deduction, "
                "trigger at the first mark at or below it, fill 1% below, loss split",
        .policy = "lin", .scenario = "long-crash",
        .im = "1000", .mm = "75",
        .lp = "45328.282828282829", .bp = "45000",
        .liquidated = true, .trigger = "45300", .fill = "44847", .close = "44847",
        .unforced = "940", .forced = "90.6", .fees = "44.847", .total = "1075.447",
        .collateral = "1000", .deficit = "75.447",
        .covered_by = {.insurance_fund = "75.447"},
        .final_balance = "0",
        .fund = {.received = "44.847", .paid = "75.447"},
        .events = {"liquidation_triggered@4 mark=45300 liquidation_price=45328.282828282829",
                   "liquidation_fee@4 amount=44.847 base_notional=8969.4 receiver=insurance_fund",
                   "position_closed@4 size=0.2 fill_price=44847 realized_pnl=-1030.6",
                   "insurance_fund_payout amount=75.447"},
    },
    /* lin / short-crash. LP = (10000 + 1000 + 25) / (0.2 x 1.01) = 11025 / 0.202
     *   = 54579.2079207920792...; cut down: 54579.207920792079 (notional
     *   10915.84: second bracket). 53000 and 54500 are below it; 54600 (step 3)
     *   triggers. fill = 54600 x 1.01 = 55146.
     * unforced = 0.2 x (54600 - 50000) = 920; forced = 0.2 x (55146 - 54600) = 109.2;
     * fee = 0.005 x 0.2 x 55146 = 0.005 x 11029.2 = 55.146.
     * total = 1084.346; deficit 84.346, paid by the fund; final 0. */
    {
        .name = "linear short isolated: LP from the mark-based bracket, trigger at the "
                "first mark at or above it, fill 1% above",
        .policy = "lin", .scenario = "short-crash",
        .im = "1000", .mm = "75",
        .lp = "54579.207920792079", .bp = "55000",
        .liquidated = true, .trigger = "54600", .fill = "55146", .close = "55146",
        .unforced = "920", .forced = "109.2", .fees = "55.146", .total = "1084.346",
        .collateral = "1000", .deficit = "84.346",
        .covered_by = {.insurance_fund = "84.346"},
        .final_balance = "0",
        .fund = {.received = "55.146", .paid = "84.346"},
        .events = {"liquidation_triggered@3 mark=54600 liquidation_price=54579.207920792079",
                   "liquidation_fee@3 amount=55.146 base_notional=11029.2 receiver=insurance_fund",
                   "position_closed@3 size=0.2 fill_price=55146 realized_pnl=-1029.2",
                   "insurance_fund_payout amount=84.346"},
    },
    /* lin / long-calm: the lowest mark, 46000, is above LP 45328.28.
     * Nothing is closed; the position stays open with
     * unrealized pnl = 0.2 x (46000 - 50000) = -800, so the balance is
     * 1000 - 800 = 200. */
    {
        .name = "a path that never reaches the LP: not liquidated, no loss, "
                "final balance = account + unrealized pnl at the last mark",
        .policy = "lin", .scenario = "long-calm",
        .lp = "45328.282828282829", .bp = "45000",
        .liquidated = false,
        .collateral = "1000",
        .final_balance = "200", .open_size = "0.2", .unrealized = "-800",
    },
    /* lin-entry / long-crash. MM on the entry notional is a constant
     * M = 10000 x 0.01 - 25 = 75, so LP = E - (C - M)/S = 50000 - 925/0.2
     *   = 50000 - 4625 = 45375, above the mark-based 45328.28 of lin.
     * 45400 is above it; 45350 (step 3) triggers — one mark earlier than lin.
     * fill = 45350 x 0.99 = 44896.5.
     * unforced = 0.2 x 4650 = 930; forced = 0.2 x 453.5 = 90.7;
     * fee = 0.005 x 0.2 x 44896.5 = 0.005 x 8979.3 = 44.8965.
     * total = 1065.5965; deficit 65.5965. */
    {
        .name = "entry-based maintenance (Bybit) gives LP 45375 where mark-based "
                "(Binance) gives 45328.28: liquidated one mark earlier",
        .policy = "lin-entry", .scenario = "long-crash",
        .im = "1000", .mm = "75",
        .lp = "45375", .bp = "45000",
        .liquidated = true, .trigger = "45350", .fill = "44896.5", .close = "44896.5",
        .unforced = "930", .forced = "90.7", .fees = "44.8965", .total = "1065.5965",
        .collateral = "1000", .deficit = "65.5965",
        .covered_by = {.insurance_fund = "65.5965"},
        .final_balance = "0",
        .fund = {.received = "44.8965", .paid = "65.5965"},
        .events = {"liquidation_triggered@3 mark=45350 liquidation_price=45375",
                   "liquidation_fee@3 amount=44.8965 base_notional=8979.3 receiver=insurance_fund",
                   "position_closed@3 size=0.2 fill_price=44896.5 realized_pnl=-1020.7",
                   "insurance_fund_payout amount=65.5965"},
    },
    /* lin / short-rebracket: short S = 0.1 at E = 48000, notional 4800 (first
     * bracket, r = 0.5%, d = 0, so MM at entry = 24), C = 480.
     * Without rebracketing the first bracket stands:
     *   LP = (4800 + 480 + 0) / (0.1 x 1.005) = 5280 / 0.1005 = 52537.3134328358208...
     *   cut down: 52537.31343283582(0). BP = 48000 + 480/0.1 = 52800.
     * 52530 is below it; 53000 (step 2) triggers, filled at the mark (no slippage).
     * unforced = 0.1 x 5000 = 500; fee = 0.005 x 0.1 x 53000 = 26.5;
     * total 526.5; deficit 526.5 - 480 = 46.5. */
    {
        .name = "without rebracketing the entry bracket stands even when the notional "
                "at the LP (5253.73) is above its cap (5000)",
        .policy = "lin", .scenario = "short-rebracket",
        .im = "480", .mm = "24",
        .lp = "52537.31343283582", .bp = "52800",
        .liquidated = true, .trigger = "53000", .fill = "53000", .close = "53000",
        .unforced = "500", .fees = "26.5", .total = "526.5",
        .collateral = "480", .deficit = "46.5",
        .covered_by = {.insurance_fund = "46.5"},
        .final_balance = "0",
        .fund = {.received = "26.5", .paid = "46.5"},
        .events = {"liquidation_triggered@2 mark=53000 liquidation_price=52537.31343283582",
                   "liquidation_fee@2 amount=26.5 base_notional=5300 receiver=insurance_fund",
                   "position_closed@2 size=0.1 fill_price=53000 realized_pnl=-500",
                   "insurance_fund_payout amount=46.5"},
    },
    /* lin-rebracket / short-rebracket: the notional at the first-bracket LP,
     * 0.1 x 52537.31 = 5253.73, is in the second bracket (r = 1%, d = 25), so
     * Binance recomputes with it:
     *   LP = (4800 + 480 + 25) / (0.1 x 1.01) = 5305 / 0.101 = 52524.7524752475247...
     *   cut down: 52524.752475247524; notional there 5252.48, still the second
     *   bracket: stable.
     * 52530 (step 1) now triggers. unforced = 0.1 x 4530 = 453;
     * fee = 0.005 x 0.1 x 52530 = 0.005 x 5253 = 26.265; total 479.265 < 480:
     * no deficit, the trader keeps 480 - 479.265 = 0.735. */
    {
        .name = "rebracketing (Binance): the LP is recomputed with the bracket of the "
                "notional at the LP, 52524.75 instead of 52537.31",
        .policy = "lin-rebracket", .scenario = "short-rebracket",
        .im = "480", .mm = "24",
        .lp = "52524.752475247524", .bp = "52800",
        .liquidated = true, .trigger = "52530", .fill = "52530", .close = "52530",
        .unforced = "453", .fees = "26.265", .total = "479.265",
        .collateral = "480",
        .final_balance = "0.735",
        .fund = {.received = "26.265"},
        .events = {"liquidation_triggered@1 mark=52530 liquidation_price=52524.752475247524",
                   "liquidation_fee@1 amount=26.265 base_notional=5253 receiver=insurance_fund",
                   "position_closed@1 size=0.1 fill_price=52530 realized_pnl=-453"},
    },
    /* lin-tick / long-tick: E = 50001, notional 10000.2, C = 1000.02,
     * MM at entry = 10000.2 x 0.01 - 25 = 75.002.
     *   LP = (10000.2 - 1000.02 - 25) / 0.198 = 8975.18 / 0.198 = 45329.1919...
     *        -> up to the 0.5 tick: 45329.5
     *   BP = 50001 - 1000.02/0.2 = 50001 - 5000.1 = 45000.9 -> up: 45001
     * The mark 45329.5 is above the unrounded LP but at the rounded one: it
     * triggers (step 2). fill = 45329.5 x (1 - 0.0123) = 44771.94715 -> down to
     * the tick: 44771.5.
     * unforced = 0.2 x (50001 - 45329.5) = 934.3; forced = 0.2 x (45329.5 - 44771.5)
     * = 111.6; fee = 0.005 x 0.2 x 44771.5 = 0.005 x 8954.3 = 44.7715 -> up to the
     * cent: 44.78. total = 1090.68; deficit = 1090.68 - 1000.02 = 90.66. */
    {
        .name = "price tick, conservative, long: LP and BP rounded up, the fill down, "
                "the fee up to the cent",
        .policy = "lin-tick", .scenario = "long-tick",
        .im = "1000.02", .mm = "75.002",
        .lp = "45329.5", .bp = "45001",
        .liquidated = true, .trigger = "45329.5", .fill = "44771.5", .close = "44771.5",
        .unforced = "934.3", .forced = "111.6", .fees = "44.78", .total = "1090.68",
        .collateral = "1000.02", .deficit = "90.66",
        .covered_by = {.insurance_fund = "90.66"},
        .final_balance = "0",
        .fund = {.received = "44.78", .paid = "90.66"},
        .events = {"liquidation_triggered@2 mark=45329.5 liquidation_price=45329.5",
                   "liquidation_fee@2 amount=44.78 base_notional=8954.3 receiver=insurance_fund",
                   "position_closed@2 size=0.2 fill_price=44771.5 realized_pnl=-1045.9",
                   "insurance_fund_payout amount=90.66"},
    },
    /* lin-tick / short-tick: E = 50001, C = 1000.02, MM at entry 75.002.
     *   LP = (10000.2 + 1000.02 + 25) / 0.202 = 11025.22 / 0.202 = 54580.297...
     *        -> down to the tick: 54580
     *   BP = 50001 + 5000.1 = 55001.1 -> down: 55001
     * The mark 54580 is below the unrounded LP but at the rounded one (step 2).
     * fill = 54580 x 1.0123 = 55251.334 -> up to the tick: 55251.5.
     * unforced = 0.2 x 4579 = 915.8; forced = 0.2 x 671.5 = 134.3;
     * fee = 0.005 x 0.2 x 55251.5 = 0.005 x 11050.3 = 55.2515 -> up: 55.26.
     * total = 1105.36; deficit = 105.34. */
    {
        .name = "price tick, conservative, short: LP and BP rounded down, the fill up",
        .policy = "lin-tick", .scenario = "short-tick",
        .im = "1000.02", .mm = "75.002",
        .lp = "54580", .bp = "55001",
        .liquidated = true, .trigger = "54580", .fill = "55251.5", .close = "55251.5",
        .unforced = "915.8", .forced = "134.3", .fees = "55.26", .total = "1105.36",
        .collateral = "1000.02", .deficit = "105.34",
        .covered_by = {.insurance_fund = "105.34"},
        .final_balance = "0",
        .fund = {.received = "55.26", .paid = "105.34"},
        .events = {"liquidation_triggered@2 mark=54580 liquidation_price=54580",
                   "liquidation_fee@2 amount=55.26 base_notional=11050.3 receiver=insurance_fund",
                   "position_closed@2 size=0.2 fill_price=55251.5 realized_pnl=-1050.1",
                   "insurance_fund_payout amount=105.34"},
    },
    /* lin-feecap / long-dip: trigger 45300 (step 1), fill 45300 x 0.999 = 45254.7.
     * unforced 940; forced = 0.2 x 45.3 = 9.06; left after the close:
     * 1000 - 949.06 = 50.94. fee = 0.005 x 0.2 x 45254.7 = 0.005 x 9050.94
     * = 45.2547 <= 50.94: charged in full. total = 994.3147; the trader keeps
     * 1000 - 994.3147 = 5.6853. */
    {
        .name = "fee capped at remaining margin, cap not reached: the full fee, the "
                "trader keeps the rest",
        .policy = "lin-feecap", .scenario = "long-dip",
        .lp = "45328.282828282829", .bp = "45000",
        .liquidated = true, .trigger = "45300", .fill = "45254.7", .close = "45254.7",
        .unforced = "940", .forced = "9.06", .fees = "45.2547", .total = "994.3147",
        .collateral = "1000",
        .final_balance = "5.6853",
        .fund = {.received = "45.2547"},
        .events = {"liquidation_triggered@1 mark=45300 liquidation_price=45328.282828282829",
                   "liquidation_fee@1 amount=45.2547 base_notional=9050.94 receiver=insurance_fund",
                   "position_closed@1 size=0.2 fill_price=45254.7 realized_pnl=-949.06"},
    },
    /* lin-feecap / long-dip-wide: fill 45300 x 0.995 = 45073.5.
     * forced = 0.2 x 226.5 = 45.3; left: 1000 - 940 - 45.3 = 14.7.
     * fee = 0.005 x 0.2 x 45073.5 = 0.005 x 9014.7 = 45.0735 > 14.7: capped at
     * 14.7. total = 1000 exactly: no deficit, balance 0. */
    {
        .name = "fee capped at remaining margin: the fee takes only what is left, "
                "never a deficit",
        .policy = "lin-feecap", .scenario = "long-dip-wide",
        .lp = "45328.282828282829", .bp = "45000",
        .liquidated = true, .trigger = "45300", .fill = "45073.5", .close = "45073.5",
        .unforced = "940", .forced = "45.3", .fees = "14.7", .total = "1000",
        .collateral = "1000",
        .final_balance = "0",
        .fund = {.received = "14.7"},
        .events = {"liquidation_triggered@1 mark=45300 liquidation_price=45328.282828282829",
                   "fee_capped@1 fee=45.0735 charged=14.7",
                   "liquidation_fee@1 amount=14.7 base_notional=9014.7 receiver=insurance_fund",
                   "position_closed@1 size=0.2 fill_price=45073.5 realized_pnl=-985.3"},
    },
    /* lin-feecap / long-crash: fill 44847 leaves 1000 - 940 - 90.6 = -30.6:
     * already bankrupt, so the 44.847 fee is capped at 0. total = 1030.6,
     * deficit 30.6 (lin, uncapped, has 75.447 = 30.6 + 44.847). */
    {
        .name = "fee capped at remaining margin: zero when the close already leaves "
                "the trader bankrupt",
        .policy = "lin-feecap", .scenario = "long-crash",
        .lp = "45328.282828282829", .bp = "45000",
        .liquidated = true, .trigger = "45300", .fill = "44847", .close = "44847",
        .unforced = "940", .forced = "90.6", .total = "1030.6",
        .collateral = "1000", .deficit = "30.6",
        .covered_by = {.insurance_fund = "30.6"},
        .final_balance = "0",
        .fund = {.paid = "30.6"},
        .events = {"liquidation_triggered@4 mark=45300 liquidation_price=45328.282828282829",
                   "fee_capped@4 fee=44.847 charged=0",
                   "position_closed@4 size=0.2 fill_price=44847 realized_pnl=-1030.6",
                   "insurance_fund_payout amount=30.6"},
    },
    /* lin-takeover / long-dip: the venue takes the long over at BP 45000 and
     * fills at 45254.7 (above BP). The trader's close: unforced 940, forced
     * 9.06, left 50.94 above bankruptcy — forfeited to the fund (counted in
     * fees). The trader loses exactly the collateral: 940 + 9.06 + 50.94 = 1000. */
    {
        .name = "takeover at bankruptcy, fill better than BP: the trader loses exactly "
                "the collateral, the surplus is forfeited to the fund",
        .policy = "lin-takeover", .scenario = "long-dip",
        .lp = "45328.282828282829", .bp = "45000",
        .liquidated = true, .trigger = "45300", .fill = "45254.7", .close = "45000",
        .unforced = "940", .forced = "9.06", .fees = "50.94", .total = "1000",
        .collateral = "1000",
        .final_balance = "0",
        .fund = {.received = "50.94"},
        .events = {"liquidation_triggered@1 mark=45300 liquidation_price=45328.282828282829",
                   "takeover@1 bankruptcy_price=45000 size=0.2 market_fill=45254.7",
                   "position_closed@1 size=0.2 fill_price=45254.7 realized_pnl=-949.06",
                   "margin_forfeited@1 amount=50.94 receiver=insurance_fund"},
    },
    /* lin-takeover / long-gap: taken over at BP 45000, the market fill 43560
     * is below it: the 288 deficit (see GAP_LONG_LOSS) is the fund's. */
    {
        .name = "takeover at bankruptcy, fill worse than BP: the fund covers the deficit",
        .policy = "lin-takeover", .scenario = "long-gap",
        .lp = "45328.282828282829", .bp = "45000", .liquidated = true, .trigger = "44000",
        .fill = "43560", .close = "45000",
        .unforced = "1200", .forced = "88", .total = "1288",
        .collateral = "1000", .deficit = "288",
        .covered_by = {.insurance_fund = "288"},
        .final_balance = "0",
        .fund = {.paid = "288"},
        .events = {"liquidation_triggered@1 mark=44000 liquidation_price=45328.282828282829",
                   "takeover@1 bankruptcy_price=45000 size=0.2 market_fill=43560",
                   "position_closed@1 size=0.2 fill_price=43560 realized_pnl=-1288",
                   "insurance_fund_payout amount=288"},
    },
    /* lin-if-adl / long-gap: deficit 288; the fund holds 100 and pays it all
     * (100 + 0 - 100 = 0 after); ADL closes the rest, 188, at BP 45000. */
    {
        .name = "shortfall [insurance_fund, adl]: a finite fund pays its balance, "
                "ADL the rest at the bankruptcy price",
        .policy = "lin-if-adl", .scenario = "long-gap",
        GAP_LONG_LOSS,
        .covered_by = {.insurance_fund = "100", .adl = "188"},
        .final_balance = "0",
        .fund = {.before = "100", .paid = "100", .after = "0"},
        .events = {GAP_LONG_EVENTS, "insurance_fund_payout amount=100",
                   "adl amount=188 close_price=45000 size=0.2"},
    },
    /* lin-if-soc / long-gap: the fund pays 100; 188 is clawed back from
     * winners holding 1880 of profit: 188 / 1880 = 10% of it. */
    {
        .name = "shortfall [insurance_fund, socialized]: the rest is charged to winners "
                "at 10% of their profit",
        .policy = "lin-if-soc", .scenario = "long-gap",
        GAP_LONG_LOSS,
        .covered_by = {.insurance_fund = "100", .socialized = "188"},
        .final_balance = "0",
        .fund = {.before = "100", .paid = "100", .after = "0"},
        .events = {GAP_LONG_EVENTS, "insurance_fund_payout amount=100",
                   "socialized_loss amount=188 method=clawback rate_of_winners_profit=0.1"},
    },
    {
        .name = "shortfall [liquidity_pool]: the pool absorbs the whole deficit",
        .policy = "lin-pool", .scenario = "long-gap",
        GAP_LONG_LOSS,
        .covered_by = {.liquidity_pool = "288"},
        .final_balance = "0",
        .events = {GAP_LONG_EVENTS, "liquidity_pool_absorbed amount=288"},
    },
    {
        .name = "shortfall [venue]: the venue absorbs the whole deficit",
        .policy = "lin-venue", .scenario = "long-gap",
        GAP_LONG_LOSS,
        .covered_by = {.venue = "288"},
        .final_balance = "0",
        .events = {GAP_LONG_EVENTS, "venue_absorbed amount=288"},
    },
    /* lin-debt / long-gap: no protection; the 288 deficit stays with the
     * trader: owed 288, balance 1000 - 1288 = -288; the policy's actions,
     * the margin call dated 48 hours, each for the amount owed. */
    {
        .name = "shortfall [trader_debt]: owed == deficit, the balance goes negative, "
                "the policy's debt actions",
        .policy = "lin-debt", .scenario = "long-gap",
        GAP_LONG_LOSS,
        .covered_by = {.trader_debt = "288"},
        .owed = "288",
        /* collections: the policy gives no date for it, and the result
         * says so (docs/output.md). */
        .actions = {"margin_call deadline_hours=48 amount=288",
                    "collections when=unknown amount=288"},
        .final_balance = "-288",
        .events = {GAP_LONG_EVENTS, "debt_recorded amount=288", "debt_owed amount=288"},
    },
    /* lin-if-adl / long-gap-fund50: the scenario says the fund holds 50 (the
     * policy says 100): it pays 50, ADL 288 - 50 = 238. */
    {
        .name = "the scenario's market.insurance_fund overrides the policy's balance",
        .policy = "lin-if-adl", .scenario = "long-gap-fund50",
        GAP_LONG_LOSS,
        .covered_by = {.insurance_fund = "50", .adl = "238"},
        .final_balance = "0",
        .fund = {.before = "50", .paid = "50", .after = "0"},
        .events = {GAP_LONG_EVENTS, "insurance_fund_payout amount=50",
                   "adl amount=238 close_price=45000 size=0.2"},
    },
    /* lin-fund-fee / long-gap: the fee, 0.005 x 0.2 x 43560 = 0.005 x 8712 = 43.56,
     * goes to the fund and deepens the deficit to 288 + 43.56 = 331.56.
     * The fund has 100 + 43.56 = 143.56 and pays it all; ADL 188.
     * 100 + 43.56 - 143.56 = 0. */
    {
        .name = "the fund reconciles: before 100 + fee received 43.56 - paid 143.56 = 0, "
                "ADL the rest",
        .policy = "lin-fund-fee", .scenario = "long-gap",
        .lp = "45328.282828282829", .bp = "45000", .liquidated = true, .trigger = "44000",
        .fill = "43560", .close = "43560",
        .unforced = "1200", .forced = "88", .fees = "43.56", .total = "1331.56",
        .collateral = "1000", .deficit = "331.56",
        .covered_by = {.insurance_fund = "143.56", .adl = "188"},
        .final_balance = "0",
        .fund = {.before = "100", .received = "43.56", .paid = "143.56", .after = "0"},
        .events = {"liquidation_triggered@1 mark=44000 liquidation_price=45328.282828282829",
                   "liquidation_fee@1 amount=43.56 base_notional=8712 receiver=insurance_fund",
                   "position_closed@1 size=0.2 fill_price=43560 realized_pnl=-1288",
                   "insurance_fund_payout amount=143.56",
                   "adl amount=188 close_price=45000 size=0.2"},
    },
    /* lin-fund-fee / long-gap-fund1000: the same deficit 331.56, a fund of
     * 1000 pays it all: 1000 + 43.56 - 331.56 = 712 after; no ADL. */
    {
        .name = "the fund reconciles: before 1000 + received 43.56 - paid 331.56 = 712",
        .policy = "lin-fund-fee", .scenario = "long-gap-fund1000",
        .lp = "45328.282828282829", .bp = "45000", .liquidated = true, .trigger = "44000",
        .fill = "43560", .close = "43560",
        .unforced = "1200", .forced = "88", .fees = "43.56", .total = "1331.56",
        .collateral = "1000", .deficit = "331.56",
        .covered_by = {.insurance_fund = "331.56"},
        .final_balance = "0",
        .fund = {.before = "1000", .received = "43.56", .paid = "331.56", .after = "712"},
        .events = {"liquidation_triggered@1 mark=44000 liquidation_price=45328.282828282829",
                   "liquidation_fee@1 amount=43.56 base_notional=8712 receiver=insurance_fund",
                   "position_closed@1 size=0.2 fill_price=43560 realized_pnl=-1288",
                   "insurance_fund_payout amount=331.56"},
    },
    /* lin-partial / long-partial: 20% slices while the notional is above 5000;
     * after each slice the rest gets a new LP with what is left as collateral.
     *  step 1, 45300 <= LP 45328.28: notional 0.2 x 45300 = 9060 > 5000, close
     *    0.04: pnl 0.04 x -4700 = -188; left 812 on 0.16.
     *    LP = (0.16 x 50000 - 812 - 25) / (0.16 x 0.99) = 7163 / 0.1584 = 45220.96
     *  step 2, 45250: above it, nothing.
     *  step 3, 45200 <= 45220.96: notional 0.16 x 45200 = 7232 > 5000, close 0.032:
     *    pnl 0.032 x -4800 = -153.6; left 658.4 on 0.128.
     *    LP = (6400 - 658.4 - 25) / (0.128 x 0.99) = 5716.6 / 0.12672 = 45112.06
     *  step 4, 45100 <= 45112.06: notional 0.128 x 45100 = 5772.8 > 5000, close
     *    0.0256: pnl 0.0256 x -4900 = -125.44; left 532.96 on 0.1024.
     *    LP = (5120 - 532.96 - 25) / (0.1024 x 0.99) = 4562.04 / 0.101376 = 45001.18
     *  step 5, 45000 <= 45001.18: notional 0.1024 x 45000 = 4608 <= 5000: the rest
     *    closes: pnl 0.1024 x -5000 = -512; left 532.96 - 512 = 20.96, the trader's.
     * unforced = 188 + 153.6 + 125.44 + 512 = 979.04 (no slippage, no fee). */
    {
        .name = "partial liquidation: 20% slices on successive marks, each rest with "
                "a new LP, the last rest (notional <= 5000) closed whole",
        .policy = "lin-partial", .scenario = "long-partial",
        .lp = "45328.282828282829", .bp = "45000",
        .liquidated = true, .trigger = "45300", .fill = "45000", .close = "45000",
        .unforced = "979.04", .total = "979.04",
        .collateral = "1000",
        .final_balance = "20.96",
        .events = {"liquidation_triggered@1 mark=45300 liquidation_price=45328.282828282829",
                   "partial_liquidation@1 size=0.04 fill_price=45300 realized_pnl=-188 "
                   "remaining_size=0.16",
                   "partial_liquidation@3 size=0.032 fill_price=45200 realized_pnl=-153.6 "
                   "remaining_size=0.128",
                   "partial_liquidation@4 size=0.0256 fill_price=45100 realized_pnl=-125.44 "
                   "remaining_size=0.1024",
                   "position_closed@5 size=0.1024 fill_price=45000 realized_pnl=-512"},
    },
    /* lin-partial / long-partial-wipeout: a bigger long, 0.5 @ 50000 with
     * C = 2500 (notional 25000, second bracket):
     *   LP = (25000 - 2500 - 25) / (0.5 x 0.99) = 22475 / 0.495 = 45404.0404...
     *        cut up: 45404.040404040405
     * At 20000 the notional 0.5 x 20000 = 10000 is above 5000: a 20% slice,
     * 0.1, loses 0.1 x 30000 = 3000 > 2500: no equity is left, so the remaining
     * 0.4 closes at once at the same mark: 0.4 x 30000 = 12000.
     * total 15000, deficit 15000 - 2500 = 12500. */
    {
        .name = "partial liquidation: a slice that leaves no equity closes the rest at once",
        .policy = "lin-partial", .scenario = "long-partial-wipeout",
        .im = "2500", .mm = "225",
        .lp = "45404.040404040405", .bp = "45000",
        .liquidated = true, .trigger = "20000", .fill = "20000", .close = "20000",
        .unforced = "15000", .total = "15000",
        .collateral = "2500", .deficit = "12500",
        .covered_by = {.insurance_fund = "12500"},
        .final_balance = "0",
        .fund = {.paid = "12500"},
        .events = {"liquidation_triggered@1 mark=20000 liquidation_price=45404.040404040405",
                   "partial_liquidation@1 size=0.1 fill_price=20000 realized_pnl=-3000 "
                   "remaining_size=0.4",
                   "position_closed@1 size=0.4 fill_price=20000 realized_pnl=-12000",
                   "insurance_fund_payout amount=12500"},
    },
    /* lin-partial / long-partial-gap: at 40000 the first slice loses
     * 0.04 x 10000 = 400, but the rest, 0.16, is 1600 under water: the account's
     * equity is 1000 - 400 - 1600 = -1000, nothing is left for it, so (the rule
     * of the case above, with the equity that includes the rest's loss) the
     * rest closes at once: 0.16 x 10000 = 1600. total 2000, deficit 1000, paid
     * by the fund; the protected trader ends at 0. */
    {
        .name = "partial liquidation: a gap far below the LP with no later mark still "
                "ends with the position closed and a protected trader at 0",
        .policy = "lin-partial", .scenario = "long-partial-gap",
        .lp = "45328.282828282829", .bp = "45000",
        .liquidated = true, .trigger = "40000", .fill = "40000", .close = "40000",
        .unforced = "2000", .total = "2000",
        .collateral = "1000", .deficit = "1000",
        .covered_by = {.insurance_fund = "1000"},
        .final_balance = "0",
        .fund = {.paid = "1000"},
        .events = {"liquidation_triggered@1 mark=40000 liquidation_price=45328.282828282829",
                   "partial_liquidation@1 size=0.04 fill_price=40000 realized_pnl=-400 "
                   "remaining_size=0.16",
                   "position_closed@1 size=0.16 fill_price=40000 realized_pnl=-1600",
                   "insurance_fund_payout amount=1000"},
    },
    /* lin / long-cross: the whole 5000 account backs the position.
     *   LP = (10000 - 5000 - 25) / 0.198 = 4975 / 0.198 = 25126.2626...
     *        cut up: 25126.262626262627 (notional 5025.25: second bracket)
     *   BP = 50000 - 5000/0.2 = 25000.
     * 30000 is above the LP; 25000 (step 2) triggers; fill 24750.
     * unforced = 0.2 x 25000 = 5000; forced = 0.2 x 250 = 50;
     * fee = 0.005 x 0.2 x 24750 = 0.005 x 4950 = 24.75. total 5074.75,
     * deficit 74.75: the whole account is lost. */
    {
        .name = "cross margin: the whole account is the collateral at risk",
        .policy = "lin", .scenario = "long-cross",
        .im = "1000", .mm = "75",
        .lp = "25126.262626262627", .bp = "25000",
        .liquidated = true, .trigger = "25000", .fill = "24750", .close = "24750",
        .unforced = "5000", .forced = "50", .fees = "24.75", .total = "5074.75",
        .collateral = "5000", .deficit = "74.75",
        .covered_by = {.insurance_fund = "74.75"},
        .final_balance = "0",
        .fund = {.received = "24.75", .paid = "74.75"},
        .events = {"liquidation_triggered@2 mark=25000 liquidation_price=25126.262626262627",
                   "liquidation_fee@2 amount=24.75 base_notional=4950 receiver=insurance_fund",
                   "position_closed@2 size=0.2 fill_price=24750 realized_pnl=-5050",
                   "insurance_fund_payout amount=74.75"},
    },
    /* lin / long-isolated-rich: the same 5000 account in isolated margin risks
     * the 1000 position margin: LP 45328.28 as in long-crash; 30000 (step 1)
     * triggers; fill 29700. unforced = 0.2 x 20000 = 4000; forced = 0.2 x 300
     * = 60; fee = 0.005 x 0.2 x 29700 = 0.005 x 5940 = 29.7. total 4089.7,
     * deficit 4089.7 - 1000 = 3089.7 paid by the fund; the trader keeps the
     * other 4000: 5000 - 4089.7 + 3089.7 = 4000. */
    {
        .name = "isolated margin: the same account risks only the position margin",
        .policy = "lin", .scenario = "long-isolated-rich",
        .im = "1000", .mm = "75",
        .lp = "45328.282828282829", .bp = "45000",
        .liquidated = true, .trigger = "30000", .fill = "29700", .close = "29700",
        .unforced = "4000", .forced = "60", .fees = "29.7", .total = "4089.7",
        .collateral = "1000", .deficit = "3089.7",
        .covered_by = {.insurance_fund = "3089.7"},
        .final_balance = "4000",
        .fund = {.received = "29.7", .paid = "3089.7"},
        .events = {"liquidation_triggered@1 mark=30000 liquidation_price=45328.282828282829",
                   "liquidation_fee@1 amount=29.7 base_notional=5940 receiver=insurance_fund",
                   "position_closed@1 size=0.2 fill_price=29700 realized_pnl=-4060",
                   "insurance_fund_payout amount=3089.7"},
    },
    /* inv / inv-long: Q = 10000 contracts of 1 USD at E = 50000: notional
     * Q/E = 0.2 BTC, C = 0.02 BTC, MM at entry = 0.2 x 0.005 = 0.001.
     *   LP = 10000 x 1.005 / (0.02 + 0.2) = 10050 / 0.22 = 45681.8181... up:
     *        45681.818181818182
     *   BP = 10000 / 0.22 = 45454.5454... up: 45454.545454545455
     * 46000 is above; 45000 (step 2) triggers; fill 44550.
     *   pnl(45000) = 10000 x -5000 / (50000 x 45000) = -0.0222... -> -0.022222222222
     *   pnl(44550) = 10000 x -5450 / (50000 x 44550) = -0.024466891133557... ->
     *                -0.024466891134
     * unforced 0.022222222222; forced = 0.024466891134 - 0.022222222222
     * = 0.002244668912; fill notional = 10000 / 44550 = 0.224466891134 (12
     * places); fee = 0.0005 x that = 0.000112233445567 -> 0.000112233446.
     * total = 0.02457912458; deficit = 0.00457912458. */
    {
        .name = "inverse long: PnL, fee and deficit in coin; LP and BP from the "
                "inverse formulas",
        .policy = "inv", .scenario = "inv-long",
        .im = "0.02", .mm = "0.001",
        .lp = "45681.818181818182", .bp = "45454.545454545455",
        .liquidated = true, .trigger = "45000", .fill = "44550", .close = "44550",
        .unforced = "0.022222222222", .forced = "0.002244668912", .fees = "0.000112233446",
        .total = "0.02457912458",
        .collateral = "0.02", .deficit = "0.00457912458",
        .covered_by = {.insurance_fund = "0.00457912458"},
        .final_balance = "0",
        .fund = {.received = "0.000112233446", .paid = "0.00457912458"},
        .events = {"liquidation_triggered@2 mark=45000 liquidation_price=45681.818181818182",
                   "liquidation_fee@2 amount=0.000112233446 base_notional=0.224466891134 "
                   "receiver=insurance_fund",
                   "position_closed@2 size=10000 fill_price=44550 realized_pnl=-0.024466891134",
                   "insurance_fund_payout amount=0.00457912458"},
    },
    /* inv / inv-short: Q = 10000, E = 50000, C = 0.02.
     *   LP = 10000 x 0.995 / (0.2 - 0.02) = 9950 / 0.18 = 55277.777... down:
     *        55277.777777777777
     *   BP = 10000 / 0.18 = 55555.555... down: 55555.555555555555
     * 54000 is below; 56000 (step 2) triggers; fill 56560.
     *   pnl(56000) = -10000 x 6000 / (50000 x 56000) = -0.0214285714285... ->
     *                -0.021428571429
     *   pnl(56560) = -10000 x 6560 / (50000 x 56560) = -0.0231966053748... ->
     *                -0.023196605375
     * forced = 0.023196605375 - 0.021428571429 = 0.001768033946;
     * fill notional 10000 / 56560 = 0.176803394625; fee = 0.0005 x that
     * = 0.0000884016973125 -> 0.000088401697.
     * total = 0.023285007072; deficit 0.003285007072. */
    {
        .name = "inverse short: PnL in coin, LP and BP rounded down",
        .policy = "inv", .scenario = "inv-short",
        .im = "0.02", .mm = "0.001",
        .lp = "55277.777777777777", .bp = "55555.555555555555",
        .liquidated = true, .trigger = "56000", .fill = "56560", .close = "56560",
        .unforced = "0.021428571429", .forced = "0.001768033946", .fees = "0.000088401697",
        .total = "0.023285007072",
        .collateral = "0.02", .deficit = "0.003285007072",
        .covered_by = {.insurance_fund = "0.003285007072"},
        .final_balance = "0",
        .fund = {.received = "0.000088401697", .paid = "0.003285007072"},
        .events = {"liquidation_triggered@2 mark=56000 liquidation_price=55277.777777777777",
                   "liquidation_fee@2 amount=0.000088401697 base_notional=0.176803394625 "
                   "receiver=insurance_fund",
                   "position_closed@2 size=10000 fill_price=56560 realized_pnl=-0.023196605375",
                   "insurance_fund_payout amount=0.003285007072"},
    },
    /* inv / inv-short-1x: C = Q/E = 0.2 BTC. The short's denominators
     * Q/E - C - d = 0 (LP) and Q/E - C = 0 (BP): a 1x inverse short can lose at
     * most Q/E = 0.2 BTC, never more than its collateral, so it has neither
     * price. At 200000: pnl = -10000 x 150000 / (50000 x 200000) = -0.15;
     * balance 0.2 - 0.15 = 0.05. */
    {
        .name = "inverse 1x short: never liquidated, LP and BP null",
        .policy = "inv", .scenario = "inv-short-1x",
        .im = "0.2", .mm = "0.001",
        .lp = "null", .bp = "null",
        .liquidated = false,
        .collateral = "0.2",
        .final_balance = "0.05", .open_size = "10000", .unrealized = "-0.15",
    },
    /* inv / lin-as-inv: the linear 0.2 @ 50000 with 1000 USDT becomes
     * 0.2 x 50000 = 10000 one-USD contracts with 1000 / 50000 = 0.02 BTC: the
     * position of inv-long, on the same path, so the same numbers. */
    {
        .name = "a linear scenario under an inverse policy is converted at entry: "
                "collateral in coin, the inverse case's numbers",
        .policy = "inv", .scenario = "lin-as-inv",
        .im = "0.02", .mm = "0.001",
        .lp = "45681.818181818182", .bp = "45454.545454545455",
        .liquidated = true, .trigger = "45000", .fill = "44550", .close = "44550",
        .unforced = "0.022222222222", .forced = "0.002244668912", .fees = "0.000112233446",
        .total = "0.02457912458",
        .collateral = "0.02", .deficit = "0.00457912458",
        .covered_by = {.insurance_fund = "0.00457912458"},
        .final_balance = "0",
        .fund = {.received = "0.000112233446", .paid = "0.00457912458"},
        .events = {"contract_converted from=linear to=inverse size=10000 collateral=0.02 "
                   "at_price=50000",
                   "liquidation_triggered@2 mark=45000 liquidation_price=45681.818181818182",
                   "liquidation_fee@2 amount=0.000112233446 base_notional=0.224466891134 "
                   "receiver=insurance_fund",
                   "position_closed@2 size=10000 fill_price=44550 realized_pnl=-0.024466891134",
                   "insurance_fund_payout amount=0.00457912458"},
    },
    /* lin-cent / long-crash: lin on a 0.01 tick. LP 45328.2828... up to the
     * cent: 45328.29; everything else is long-crash's (44847 is on the tick). */
    {
        .name = "closed-form LP on a 0.01 tick (the reference for the maintenance "
                "hook below)",
        .policy = "lin-cent", .scenario = "long-crash",
        .im = "1000", .mm = "75",
        .lp = "45328.29", .bp = "45000",
        .liquidated = true, .trigger = "45300", .fill = "44847", .close = "44847",
        .unforced = "940", .forced = "90.6", .fees = "44.847", .total = "1075.447",
        .collateral = "1000", .deficit = "75.447",
        .covered_by = {.insurance_fund = "75.447"},
        .final_balance = "0",
        .fund = {.received = "44.847", .paid = "75.447"},
        .events = {"liquidation_triggered@4 mark=45300 liquidation_price=45328.29",
                   "liquidation_fee@4 amount=44.847 base_notional=8969.4 receiver=insurance_fund",
                   "position_closed@4 size=0.2 fill_price=44847 realized_pnl=-1030.6",
                   "insurance_fund_payout amount=75.447"},
    },
    /* lin-hook-fee / long-crash: the hook charges max(0.005 x 8969.4, 50)
     * = max(44.847, 50) = 50. total = 940 + 90.6 + 50 = 1080.6; deficit 80.6. */
    {
        .name = "liquidation_fee hook: the hook's fee (a minimum of 50) replaces the rate",
        .policy = "lin-hook-fee", .scenario = "long-crash",
        .lp = "45328.282828282829", .bp = "45000",
        .liquidated = true, .trigger = "45300", .fill = "44847", .close = "44847",
        .unforced = "940", .forced = "90.6", .fees = "50", .total = "1080.6",
        .collateral = "1000", .deficit = "80.6",
        .covered_by = {.insurance_fund = "80.6"},
        .final_balance = "0",
        .fund = {.received = "50", .paid = "80.6"},
        .events = {"liquidation_triggered@4 mark=45300 liquidation_price=45328.282828282829",
                   "liquidation_fee@4 amount=50 base_notional=8969.4 receiver=insurance_fund",
                   "position_closed@4 size=0.2 fill_price=44847 realized_pnl=-1030.6",
                   "insurance_fund_payout amount=80.6"},
    },
    /* lin-hook-if / long-gap: the unlimited fund's hook pays 288 / 2 = 144;
     * the other 144 falls to ADL, at BP 45000. */
    {
        .name = "insurance_fund hook paying half: the rest falls to the next stage",
        .policy = "lin-hook-if", .scenario = "long-gap",
        GAP_LONG_LOSS,
        .covered_by = {.insurance_fund = "144", .adl = "144"},
        .final_balance = "0",
        .fund = {.paid = "144"},
        .events = {GAP_LONG_EVENTS, "insurance_fund_payout amount=144",
                   "adl amount=144 close_price=45000 size=0.2"},
    },
    /* lin-hook-adl / long-gap: ADL at the mark covers
     * 0.2 x (45000 - 44000) = 200, closing at 44000; the venue absorbs
     * 288 - 200 = 88. */
    {
        .name = "adl hook returning {covered, close_price}: ADL covers 200 at the mark, "
                "the venue the remaining 88",
        .policy = "lin-hook-adl", .scenario = "long-gap",
        GAP_LONG_LOSS,
        .covered_by = {.adl = "200", .venue = "88"},
        .final_balance = "0",
        .events = {GAP_LONG_EVENTS, "adl amount=200 close_price=44000 size=0.2",
                   "venue_absorbed amount=88"},
    },
    /* lin-hook-debt / long-gap: owed 288 as in lin-debt; the actions are the
     * hook's (the policy lists only collections). */
    {
        .name = "debt_pursuit hook: its actions replace the policy's list",
        .policy = "lin-hook-debt", .scenario = "long-gap",
        GAP_LONG_LOSS,
        .covered_by = {.trader_debt = "288"},
        .owed = "288",
        .actions = {"margin_call deadline_hours=24 amount=288",
                    "account_ban when=unknown note=until the debt is repaid"},
        .final_balance = "-288",
        .events = {GAP_LONG_EVENTS, "debt_recorded amount=288", "debt_owed amount=288"},
    },

    /* ---- found by `liqsim audit` in the shipped policies -------------
     * Each scenario is the counterexample the audit wrote
     * (tests/data/audit/found/), evaluated under the shipped policy. */

    /* binance-usdm / SOLUSDT, cross: a 2x long of S = 3000 at E = 60000,
     * notional 180,000,000 (the ≤200M bracket: r = 25%, d = 16,728,380, so
     * MM at entry 45,000,000 - 16,728,380 = 28,271,620), C = 170,000,000.
     * Binance re-brackets at the LP; each bracket's closed form
     * LP = (S E - C - d) / (S (1 - r)) is the LP only where its notional
     * falls in that bracket. Going down from the entry's:
     *   ≤200M: 180M - 170M - 16,728,380 < 0: no root (never reaches this MM);
     *   ≤100M (12.5%, 4,228,380): 5,771,620 / 2625 = 2198.71, notional
     *          6.6M, below the bracket: on;
     *   ≤80M (10%, 2,228,380): 7,771,620 / 2700 = 2878.37, notional 8.6M: on;
     *   ≤40M (5%, 228,380): 9,771,620 / 2850 = 3428.6385964912280701...,
     *          notional 10,285,915.79, in (8M, 40M]: the LP, cut up at 12
     *          places: 3428.638596491229.
     * (The solver used to stop at the first bracket's missing root and say
     * "never liquidated", so the gap to 0.000001 left the trader owing under
     * negative-balance protection.) BP = 60000 - 170M / 3000 = 3333.333333333334.
     * At 0.000001 (step 1): unforced 3000 x 59999.999999 = 179,999,999.997;
     * the fee 1.5% x 0.003 = 0.000045 is capped at the margin left (none);
     * deficit 179,999,999.997 - 170M = 9,999,999.997, the fund's. */
    {
        .name = "re-bracketing: the LP is the root that lies in its own bracket, found "
                "below brackets whose formula has none (binance-usdm, audit)",
        .policy = "policies/binance-usdm", .scenario = "audit/found/binance-usdm-protection",
        .im = "90000000", .mm = "28271620",
        .lp = "3428.638596491229", .bp = "3333.333333333334",
        .liquidated = true, .trigger = "0.000001", .fill = "0.000001", .close = "0.000001",
        .unforced = "179999999.997", .total = "179999999.997",
        .collateral = "170000000", .deficit = "9999999.997",
        .covered_by = {.insurance_fund = "9999999.997"},
        .final_balance = "0",
        .fund = {.paid = "9999999.997"},
        .events = {"liquidation_triggered@1 mark=0.000001 liquidation_price=3428.638596491229",
                   "fee_capped@1 fee=0.000045 charged=0",
                   "position_closed@1 size=3000 fill_price=0.000001 realized_pnl=-179999999.997",
                   "insurance_fund_payout amount=9999999.997"},
    },
    /* hyperliquid / AVAX, cross: a 3x long of S = 500 at E = 70000, notional
     * 35,000,000 (the open tier: r = 10%, d = 1,000,000; MM at entry
     * 3,500,000 - 1,000,000 = 2,500,000), C = 34,166,666.66666667.
     *   open tier: 35M - C - 1M < 0: no root;
     *   ≤20M (5%, 0): (35M - C) / (500 x 0.95) = 833,333.33333333 / 475
     *          = 1754.3859649122736842..., notional 877,192.98: the LP, cut
     *          up: 1754.385964912274.
     * BP = 70000 - C / 500 = 70000 - 68333.33333333334 = 1666.66666666666.
     * At 0.000001 the equity C + 500 x (0.000001 - 70000) = -833,333.33283333
     * is far below 2/3 of maintenance: the backstop vault takes it at the
     * mark, and the fund (the vault) covers the deficit. */
    {
        .name = "re-bracketing: the LP in the lower tier when the entry's has no root, "
                "then the backstop (hyperliquid, audit)",
        .policy = "policies/hyperliquid", .scenario = "audit/found/hyperliquid-protection",
        .im = "11666666.666666666667", .mm = "2500000",
        .lp = "1754.385964912274", .bp = "1666.66666666666",
        .liquidated = true, .trigger = "0.000001", .fill = "0.000001", .close = "0.000001",
        .unforced = "34999999.9995", .total = "34999999.9995",
        .collateral = "34166666.66666667", .deficit = "833333.33283333",
        .covered_by = {.insurance_fund = "833333.33283333"},
        .final_balance = "0",
        .fund = {.paid = "833333.33283333"},
        .events = {"liquidation_triggered@1 mark=0.000001 liquidation_price=1754.385964912274",
                   "backstop_takeover@1 mark=0.000001 size=500 equity=-833333.33283333 "
                   "to=insurance_fund",
                   "insurance_fund_payout amount=833333.33283333"},
    },
    /* kraken-futures / PF_XBTUSD, cross: a 2x long of S = 100 at E = 100000,
     * notional 10,000,000 (≤10M: r = 5%, d = 145,000; MM at entry 355,000),
     * C = 9,900,000. Progressive levels re-chosen at the tested price:
     *   ≤10M: 10M - C - 145,000 < 0: no root;
     *   ≤5M (2.5%, 20,000): 80,000 / 97.5 = 820.51, notional 82,051: on;
     *   ≤2M (2%, 10,000): 90,000 / 98 = 918.37, notional 91,837: on;
     *   ≤1M (1%, 0): 100,000 / 99 = 1010.1010101010101..., notional 101,010:
     *          the LP, cut up: 1010.101010101011.
     * BP = 100000 - C / 100 = 1000. At the mark 1 the IOC order at the
     * bankruptcy price cannot fill (the market is at 1): deleveraged at
     * 1000, the loss realised at the mark, 100 x 99999 = 9,999,900; the
     * deficit 99,900 is the ADL counterparties'. */
    {
        .name = "re-bracketing: the LP in the first level when the entry's has no root "
                "(kraken-futures, by hand)",
        .policy = "policies/kraken-futures", .scenario = "audit/found/kraken-futures-protection",
        .im = "5000000", .mm = "355000",
        .lp = "1010.101010101011", .bp = "1000",
        .liquidated = true, .trigger = "1", .fill = "1", .close = "1000",
        .unforced = "9999900", .total = "9999900",
        .collateral = "9900000", .deficit = "99900",
        .covered_by = {.adl = "99900"},
        .final_balance = "0",
        .events = {"liquidation_triggered@1 mark=1 liquidation_price=1010.101010101011",
                   "liquidation_unfilled@1 limit_price=1000 market_fill=1 "
                   "next=deleveraged at the bankruptcy price (adl)",
                   "deleveraged@1 size=100 mark=1 bankruptcy_price=1000 equity=-99900 "
                   "realized_pnl=-9999900",
                   "adl amount=99900 close_price=1000 size=100"},
    },
    /* bybit-inverse / BTCUSD: a 1x inverse long of Q = 1 USD at E = 8000,
     * C = 1 / 8000 = 0.000125 BTC. BP = Q / (Q/E + C) = 1 / 0.00025 = 4000;
     * LP 4010.5 (MM 0.5 % on entry, up to the 0.5 tick). The mark gaps to
     * 0.5, the fill 2 % below is 0.49, rounded down to the tick: 0 — a
     * price no order book holds, and a contract worth 1/price. The fill is
     * one tick instead, 0.5: the fund takes the position at 4000 and
     * closes it at 0.5, PnL 1 x (1/8000 - 1/0.5) = -1.999875 BTC, deficit
     * 1.999875 - 0.000125 = 1.99975, the fund's. (It used to stop with
     * an error "the liquidation fill rounds to 0".) */
    {
        .name = "an inverse fill rounded down to 0 fills at one tick, the lowest price "
                "the book holds (bybit-inverse, audit)",
        .policy = "policies/bybit-inverse", .scenario = "audit/found/bybit-inverse-evaluates",
        .im = "0.000125",
        .lp = "4010.5", .bp = "4000",
        .liquidated = true, .trigger = "0.5", .fill = "0.5", .close = "4000",
        .unforced = "1.999875", .total = "1.999875",
        .collateral = "0.000125", .deficit = "1.99975",
        .covered_by = {.insurance_fund = "1.99975"},
        .final_balance = "0",
        .fund = {.paid = "1.99975"},
        .events = {"liquidation_triggered@1 mark=0.5 liquidation_price=4010.5",
                   "takeover@1 bankruptcy_price=4000 size=1 market_fill=0.5",
                   "position_closed@1 size=1 fill_price=0.5 realized_pnl=-1.999875",
                   "insurance_fund_payout amount=1.99975"},
    },
};

#define NCASES (sizeof cases / sizeof *cases)

/* ---- rules that compare results --------------------------------------- */

/* lin-hook-mm computes lin-cent's brackets in Lua, so the waterfall finds
 * its LP by bisection; it must land within one 0.01 tick of the closed
 * form 45328.29, and every other number must be the same. */
static void test_maintenance_hook_lp_by_bisection_within_a_tick_of_closed_form(void **state)
{
    (void)state;
    json_t *table = evaluate(WF_POLICY("lin-cent"), WF_SCENARIO("long-crash"));
    json_t *hook = evaluate(WF_POLICY("lin-hook-mm"), WF_SCENARIO("long-crash"));
    check_invariants(hook);
    expect(table, "liquidation_price", "45328.29", NULL);
    liq_dec gap = liq_dec_abs(dec_sub(jdec(hook, "liquidation_price"), D("45328.29")));
    char b[LIQ_DEC_STRLEN];
    if (liq_dec_cmp(gap, D("0.01")) > 0)
        fail_msg("hook LP %s is %s from the closed form 45328.29 (more than a tick)",
                 jtext(hook, "liquidation_price", b, sizeof b), dec_text(gap, b));
    static const char *const same[] = {
        "initial_margin", "maintenance_margin", "bankruptcy_price", "liquidated",
        "trigger_price", "fill_price", "close_price", "loss.unforced", "loss.forced",
        "loss.fees", "loss.total", "collateral", "deficit", "covered_by.insurance_fund",
        "debt.owed", "final_balance", "insurance_fund.received", "insurance_fund.paid",
    };
    char b1[32], b2[32];
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        const char *want = jtext(table, same[i], b1, sizeof b1);
        const char *got = jtext(hook, same[i], b2, sizeof b2);
        if (strcmp(want, got) != 0)
            fail_msg("%s: hook %s, table %s", same[i], got, want);
    }
    /* The maintenance margin says it came from the hook. */
    json_t *trace = json_object_get(hook, "trace");
    bool found = false;
    for (size_t i = 0; i < json_array_size(trace); i++) {
        json_t *t = json_array_get(trace, i);
        if (!strcmp(json_string_value(json_object_get(t, "step")), "maintenance_margin"))
            found = strstr(json_string_value(json_object_get(t, "rule")), "hooks.lua") != NULL;
    }
    assert_true(found);
    json_decref(table);
    json_decref(hook);
}

/* lin-hook-adl-last: ADL is the last stage and its hook covers 200 of the
 * 288 deficit; the policy names nobody for the other 88. The policy loads
 * (the loader cannot know what a hook will return); what the stages leave
 * follows the one rule of eval and replay (wf_rest_stage): under its
 * negative-balance protection the venue absorbs the 88, and the result
 * says so in a warning that names the order's line (`liqsim audit` counts
 * such a promise as broken). */
static void test_adl_hook_covering_less_as_last_stage_leaves_the_rest_to_the_venue(void **state)
{
    (void)state;
    json_t *r = evaluate(WF_POLICY("lin-hook-adl-last"), WF_SCENARIO("long-gap"));
    check_invariants(r);
    expect_all(r, "deficit", "288", "covered_by.adl", "200", "covered_by.venue", "88",
               "debt.owed", "0", "final_balance", "0", NULL);
    char want[512];
    snprintf(want, sizeof want,
             "shortfall.order (%s:28): its last stage leaves 88 of the deficit uncovered; the "
             "venue absorbs it (negative_balance.protection), a stage the order does not name",
             WF_POLICY("lin-hook-adl-last"));
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "warnings"), 0)),
                        want);
    static const char *const events[] = {GAP_LONG_EVENTS, "adl amount=200 close_price=44000 size=0.2",
                                         "venue_absorbed amount=88", NULL};
    expect_list(r, "events", events, 10, true);
    json_decref(r);
}

/* The cross-venue property on one crash (long-gap, deficit 288): venues
 * with negative-balance protection leave the trader owing nothing; a venue
 * whose order ends in trader_debt leaves the trader owing the deficit. */
static void test_debt_is_zero_under_protection_and_the_deficit_otherwise(void **state)
{
    (void)state;
    static const char *const names[] = {"lin-takeover", "lin-if-adl", "lin-if-soc",
                                        "lin-pool",     "lin-venue",  "lin-debt",
                                        "lin-hook-if",  "lin-hook-adl", "lin-hook-debt"};
    size_t debtors = 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/waterfall/policies/%s.yaml", LIQ_TEST_DATA, names[i]);
        liq_policy *p = load_policy_or_fail(path);
        bool protected_ = p->r.negative_balance.protection.v;
        liq_policy_free(p);
        json_t *r = evaluate(path, WF_SCENARIO("long-gap"));
        check_invariants(r);
        expect(r, "deficit", "288", NULL);
        expect(r, "debt.owed", protected_ ? "0" : "288", NULL);
        expect(r, "final_balance", protected_ ? "0" : "-288", NULL);
        debtors += !protected_;
        json_decref(r);
    }
    assert_int_equal(debtors, 2);
}

/* The same evaluation twice renders byte-identical JSON (trace included):
 * on one loaded policy (its Lua state reused) and on a fresh load. */
static void test_same_evaluation_twice_renders_identical_json(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {WF_POLICY("lin-hook-mm"), WF_SCENARIO("long-crash")},
        {WF_POLICY("lin-partial"), WF_SCENARIO("long-partial")},
        {WF_POLICY("lin-hook-debt"), WF_SCENARIO("long-gap")},
        {WF_POLICY("inv"), WF_SCENARIO("lin-as-inv")},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        liq_policy *p = load_policy_or_fail(pairs[i][0]);
        liq_scenario *s = load_scenario_or_fail(pairs[i][1]);
        char *a = eval_json(p, s);
        char *b = eval_json(p, s);
        liq_policy *p2 = load_policy_or_fail(pairs[i][0]);
        char *c = eval_json(p2, s);
        assert_string_equal(a, b);
        assert_string_equal(a, c);
        free(a);
        free(b);
        free(c);
        liq_policy_free(p2);
        liq_scenario_free(s);
        liq_policy_free(p);
    }
}

/* The shipped default scenario under every shipped policy: the invariants
 * hold; venues with negative-balance protection leave no debt; debt venues
 * leave the whole deficit with the trader, and at kraken-spot-margin
 * (mark 42500, fill 41650, 10x long 0.2 @ 50000: 1670 lost against 1000)
 * the trader owes. */
static void test_default_scenario_under_every_shipped_policy(void **state)
{
    (void)state;
    glob_t g;
    assert_int_equal(glob(LIQ_SOURCE_DIR "/policies/*.yaml", 0, NULL, &g), 0);
    liq_scenario *s = load_scenario_or_fail(LIQ_SOURCE_DIR "/scenarios/default.yaml");
    size_t n = 0, debt_venues = 0;
    bool saw_kraken = false;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *path = g.gl_pathv[i];
        size_t len = strlen(path);
        const char *tail = ".examples.yaml";
        if (len > strlen(tail) && !strcmp(path + len - strlen(tail), tail))
            continue;
        if (strstr(path, "/aliases.yaml")) /* old names of renamed policies: not a policy */
            continue;
        liq_policy *p = load_policy_or_fail(path);
        bool protected_ = p->r.negative_balance.protection.v;
        bool kraken = !strcmp(liq_policy_name(p), "kraken-spot-margin");
        char *txt = eval_json(p, s);
        json_t *r = parse(txt);
        const char *status = json_string_value(json_object_get(r, "status"));
        if (strcmp(status, "ok") != 0) {
            /* Kraken spot margin offers at most 5x: the 10x default is not
             * a trade it would take (its debt is checked at 5x below). */
            if (kraken)
                assert_string_equal(status, "not_offered");
            json_decref(r);
            free(txt);
            liq_policy_free(p);
            continue;
        }
        check_invariants(r);
        expect(r, "liquidated", "true", NULL);
        char b[32];
        if (protected_) {
            expect(r, "debt.owed", "0", NULL);
            expect(r, "covered_by.trader_debt", "0", NULL);
        } else {
            /* A debt venue leaves the whole deficit with the trader (a
             * venue that liquidates early may leave none: Coinbase's
             * buffer closes this trade before it is bankrupt). */
            if (liq_dec_cmp(jdec(r, "covered_by.trader_debt"), jdec(r, "deficit")) != 0)
                fail_msg("%s: a debt venue, but covered_by.trader_debt %s != deficit", path,
                         jtext(r, "covered_by.trader_debt", b, sizeof b));
            debt_venues++;
        }
        if (kraken) {
            saw_kraken = true;
            assert_false(protected_);
            if (liq_dec_sign(jdec(r, "debt.owed")) <= 0)
                fail_msg("kraken-spot-margin: debt.owed is %s, expected > 0",
                         jtext(r, "debt.owed", b, sizeof b));
        }
        n++;
        json_decref(r);
        free(txt);
        liq_policy_free(p);
    }
    assert_true(n >= 7);
    assert_false(saw_kraken);
    assert_true(debt_venues >= 1);
    liq_scenario_free(s);
    globfree(&g);
}

/* Kraken spot margin at a leverage it offers (5x): the fall to 42,500
 * leaves the trader owing. 0.2 BTC at 50,000 = 10,000 with 2,000 margin;
 * the liquidation level is 40 % of used margin (the hook), so it triggers
 * at 42,500 and fills 2 % below, at 41,650: loss 1,670 of 2,000 — no
 * debt; a 25 % gap to 37,500 fills at 36,750: loss 2,650, owes 650. */
static void test_kraken_spot_margin_at_5x_leaves_a_debt_after_a_gap(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/kraken-spot-margin.yaml");
    liq_scenario *s = parse_scenario_or_fail(
        "kraken-5x.yaml",
        "name: kraken-5x\n"
        "account: {collateral: \"2000\", mode: cross}\n"
        "position: {market: BTCUSD, contract: linear, side: long, size: \"0.2\", entry_price: \"50000\", leverage: 5}\n"
        "market: {mark_path: [\"50000\", \"37500\"], liquidation_fill: {slippage: \"0.02\"}}\n");
    char *txt = eval_json(p, s);
    json_t *r = parse(txt);
    check_invariants(r);
    expect_all(r, "status", "ok", "market", "XBT/USD", "liquidated", "true", "trigger_price", "37500",
           "fill_price", "36750", "loss.total", "2650", "debt.owed", "650",
           "covered_by.trader_debt", "650", NULL);
    json_decref(r);
    free(txt);
    liq_scenario_free(s);
    liq_policy_free(p);
}

/* One scenario names its market once; each venue answers for its own
 * corresponding market, or says it does not list it. */
static void test_a_market_is_found_by_name_alias_or_identity_or_not_listed(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/bitmex-xbtusd.yaml");
    static const struct { const char *market, *status, *row_market; } mk[] = {
        {"XBTUSD", "ok", "XBTUSD"},          /* the venue's own symbol */
        {"btc-usd", "ok", "XBTUSD"},         /* an alias, any case or separator */
        {"BTCUSDT", "ok", "XBTUSD"},         /* by identity: base BTC, another quote */
        {"DOGEUSDT", "not_listed", "DOGEUSDT"},
    };
    for (size_t i = 0; i < sizeof mk / sizeof *mk; i++) {
        char yaml[600];
        snprintf(yaml, sizeof yaml,
                 "name: m\naccount: {collateral: \"1000\"}\n"
                 "position: {market: %s, side: long, size: \"0.2\", entry_price: \"50000\", leverage: 10}\n"
                 "market: {mark_path: [\"50000\"]}\n", mk[i].market);
        liq_scenario *s = parse_scenario_or_fail("m.yaml", yaml);
        char *txt = eval_json(p, s);
        json_t *r = parse(txt);
        expect_all(r, "status", mk[i].status, "market", mk[i].row_market, NULL);
        const char *warn = json_string_value(json_array_get(json_object_get(r, "warnings"), 0));
        if (i == 2)
            assert_string_equal(warn, "BitMEX lists no BTCUSDT; evaluated on XBTUSD (BTC/USD "
                                      "inverse, a different quote currency, converted at the "
                                      "entry price)");
        if (i == 3)
            assert_string_equal(json_string_value(json_object_get(r, "reason")),
                                "BitMEX does not list DOGEUSDT (it lists XBTUSD)");
        json_decref(r);
        free(txt);
        liq_scenario_free(s);
    }
    liq_policy_free(p);
}

/* A leverage above what the venue offers gets no numbers: the row says
 * why — the market's maximum (125x), or the maximum of the tier the
 * notional falls in (100x up to 250,000). Where it is offered, the same
 * collateral (1,000) at a higher leverage is a larger position, and what
 * the trader loses (collateral minus final balance) never falls. */
static void test_leverage_above_the_maximum_is_not_offered_and_loss_never_falls(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/binance-usdm.yaml");
    static const struct { const char *lev, *reason; } lv[] = {
        {"5", NULL}, {"10", NULL}, {"25", NULL}, {"50", NULL}, {"100", NULL},
        {"125", "max 100x on BTCUSDT at Binance USDⓈ-M Futures for a notional of 125000; "
                "the scenario asks 125x"},
        {"126", "max 125x on BTCUSDT at Binance USDⓈ-M Futures; the scenario asks 126x"},
    };
    liq_dec prev = LIQ_DEC_ZERO;
    for (size_t i = 0; i < sizeof lv / sizeof *lv; i++) {
        char yaml[600];
        snprintf(yaml, sizeof yaml,
                 "name: l\naccount: {collateral: \"1000\"}\n"
                 "position: {market: BTCUSDT, side: long, notional: \"%s000\", entry_price: \"50000\", leverage: %s}\n"
                 "market: {mark_path: [\"50000\", \"47500\", \"42500\"]}\n", lv[i].lev, lv[i].lev);
        liq_scenario *s = parse_scenario_or_fail("l.yaml", yaml);
        char *txt = eval_json(p, s);
        json_t *r = parse(txt);
        if (lv[i].reason) {
            expect_all(r, "status", "not_offered", NULL);
            assert_string_equal(json_string_value(json_object_get(r, "reason")), lv[i].reason);
            assert_true(json_is_null(json_object_get(r, "liquidation_price")));
        } else {
            expect_all(r, "status", "ok", NULL);
            liq_dec lost;
            assert_int_equal(liq_dec_sub(D("1000"), jdec(r, "final_balance"), &lost), LIQ_OK);
            if (liq_dec_cmp(lost, prev) < 0)
                fail_msg("at %sx the trader loses %s, less than at a lower leverage", lv[i].lev,
                         jtext(r, "final_balance", (char[32]){0}, 32));
            prev = lost;
        }
        json_decref(r);
        free(txt);
        liq_scenario_free(s);
    }
    liq_policy_free(p);
}

/* An account of two positions in cross margin (Binance USDⓈ-M), worked
 * by hand from Binance's own cross formula (bn-liq-price-faq: LP1 =
 * (WB - TMM1 + UPNL1 + cumB - Side1 x Position1 x EP1) / (Position1 x
 * MMR_B - Side1 x Position1)): WB 10,000; BTCUSDT long 1 at 50,000 (MM
 * 0.4 % = 200) and ETHUSDT short 10 at 3,000 (MM 0.4 % of 30,000 = 120).
 *   BTC: (10,000 - 120 + 0 + 0 - 50,000) / (0.004 - 1) = 40,281.124497991967...
 *        (rounded up for a long, at 12 places: 40,281.124497991968)
 *   ETH: (10,000 - 200 + 0 + 0 + 30,000) / (0.04 + 10) = 3,964.143426294820...
 * Bankruptcy (MM 0): BTC (10,000 - 50,000) / -1 = 40,000; ETH 40,000 / 10 = 4,000.
 * The marks fall to 41,000 and rise to 3,300 at t2: the account's equity is
 * 10,000 - 9,000 - 3,000 = -2,000 < MM, so both close at their marks; the
 * fee (1.2 %, capped at what is left) is 0, and the fund pays the 2,000. */
/* What the venue would not open, each found by `liqsim audit` as a
 * liquidation price at or past the entry (its counterexample in
 * tests/data/audit/found/), and the edges by hand:
 *  - BitMEX XBTUSD, a short of 1,440,000 USD at 7000 = 205.714285714286
 *    XBT: the second risk-limit step (200-350 XBT), initial margin 1.50 %,
 *    so at most 1 / 0.015 = 66.666...x; 100x (the first step's maximum)
 *    is refused, 66.666666666666x is the edge (IM 3.085714285714 XBT,
 *    MM 1 % = 2.057142857143), 66.666666666667x one past it. The
 *    2020-03-12 child the same (its step is 100 XBT wide).
 *  - Deribit BTC_USDC, 360 BTC at 1000 at 41x: MM rate 1 % + 360 x
 *    0.005 % = 2.8 %, MM 10,080 against the margin 360,000 / 41 =
 *    8780.48780488 (the account, cross): liquidatable as it opens. 252 BTC
 *    at 600 at 45x: 2.26 % x 151,200 = 3417.12 against 3360.
 *  - GMX AAVE/USD (min collateral factor 1 %, trigger at or below): 100x
 *    puts the margin at exactly the maintenance (1000 / 100 = 10 = 1 % x
 *    1000): refused; 99.99x (margin 10.001) opens. */
static void test_what_the_venue_would_not_open_is_refused_with_why(void **state)
{
    (void)state;
    static const struct { const char *policy, *scenario, *yaml, *reason; } refused[] = {
        {"bitmex-xbtusd", "bitmex-xbtusd-liquidation_price", NULL,
         "max 66.666666666666x (initial margin rate 0.015) on XBTUSD at BitMEX for a notional "
         "of 205.714285714286; the scenario asks 100x"},
        {"bitmex-2020-03-12", "bitmex-2020-03-12-liquidation_price", NULL,
         "max 66.666666666666x (initial margin rate 0.015) on XBTUSD at BitMEX (12–13 March "
         "2020, historical) for a notional of 208.955223880597; the scenario asks 100x"},
        {"bitmex-xbtusd", NULL, "66.666666666666", NULL},
        {"bitmex-xbtusd", NULL, "66.666666666667",
         "max 66.666666666666x (initial margin rate 0.015) on XBTUSD at BitMEX for a notional "
         "of 205.714285714286; the scenario asks 66.666666666667x"},
        {"deribit", "deribit-liquidation_price", NULL,
         "liquidatable as it opens on BTC_USDC-PERPETUAL at Deribit: the maintenance margin at "
         "entry 10080 is at or above the margin 8780.48780488 at 41x"},
        {"deribit", "deribit-monotone_size-variant", NULL,
         "liquidatable as it opens on BTC_USDC-PERPETUAL at Deribit: the maintenance margin at "
         "entry 3417.12 is at or above the margin 3360 at 45x"},
        {"gmx-v2", "gmx-v2-liquidation_price", NULL,
         "liquidatable as it opens on AAVE/USD at GMX v2 (Arbitrum): the maintenance margin at "
         "entry 0.0000007 is at or above the margin 0.0000007 at 100x"},
        {"gmx-v2", NULL, "100",
         "liquidatable as it opens on AAVE/USD at GMX v2 (Arbitrum): the maintenance margin at "
         "entry 10 is at or above the margin 10 at 100x"},
        {"gmx-v2", NULL, "99.99", NULL},
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        char path[512], yaml[600];
        snprintf(path, sizeof path, "%s/policies/%s.yaml", LIQ_SOURCE_DIR, refused[i].policy);
        liq_policy *p = load_policy_or_fail(path);
        liq_scenario *s;
        if (refused[i].scenario) {
            snprintf(path, sizeof path, "%s/audit/found/%s.yaml", LIQ_TEST_DATA,
                     refused[i].scenario);
            s = load_scenario_or_fail(path);
        } else if (strncmp(refused[i].policy, "bitmex", 6) == 0) {
            snprintf(yaml, sizeof yaml,
                     "name: edge\naccount: {collateral: \"10\", mode: isolated}\n"
                     "position: {market: XBTUSD, contract: inverse, side: short, size: "
                     "\"1440000\", entry_price: \"7000\", leverage: \"%s\"}\n"
                     "market: {mark_path: [\"7000\", \"7050\"]}\n", refused[i].yaml);
            s = parse_scenario_or_fail("edge.yaml", yaml);
        } else {
            snprintf(yaml, sizeof yaml,
                     "name: edge\naccount: {collateral: \"100\", mode: isolated}\n"
                     "position: {market: AAVE/USD, side: short, notional: \"1000\", "
                     "entry_price: \"70\", leverage: \"%s\"}\n"
                     "market: {mark_path: [\"70\", \"70.5\"]}\n", refused[i].yaml);
            s = parse_scenario_or_fail("edge.yaml", yaml);
        }
        char *txt = eval_json(p, s);
        json_t *r = parse(txt);
        if (refused[i].reason) {
            expect_all(r, "status", "not_offered", NULL);
            assert_string_equal(json_string_value(json_object_get(r, "reason")), refused[i].reason);
            assert_true(json_is_null(json_object_get(r, "liquidation_price")));
        } else {
            expect_all(r, "status", "ok", NULL);
        }
        json_decref(r);
        free(txt);
        liq_scenario_free(s);
        liq_policy_free(p);
    }
}

static void test_binance_cross_account_of_two_positions_by_its_formula(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/binance-usdm.yaml");
    liq_scenario *s = parse_scenario_or_fail(
        "two.yaml",
        "name: two\naccount: {collateral: \"10000\", mode: cross}\n"
        "positions:\n"
        "  - {market: BTCUSDT, side: long, size: \"1\", entry_price: \"50000\", leverage: 20}\n"
        "  - {market: ETHUSDT, side: short, size: \"10\", entry_price: \"3000\", leverage: 20}\n"
        "market:\n  mark_paths:\n    BTCUSDT: [\"50000\", \"45000\", \"41000\"]\n"
        "    ETHUSDT: [\"3000\", \"3100\", \"3300\"]\n");
    char *txt = eval_json(p, s);
    json_t *r = parse(txt);
    check_invariants(r);
    expect_all(r, "status", "ok", "liquidated", "true", "loss.unforced", "12000", "loss.fees", "0",
               "deficit", "2000", "covered_by.insurance_fund", "2000", "final_balance", "0",
               "positions.0.liquidation_price", "40281.124497991968",
               "positions.0.bankruptcy_price", "40000",
               "positions.1.liquidation_price", "3964.14342629482",
               "positions.1.bankruptcy_price", "4000", "positions.0.trigger_price", "41000",
               "positions.1.trigger_price", "3300", NULL);
    json_decref(r);
    free(txt);
    liq_scenario_free(s);
    liq_policy_free(p);
}

/* dYdX gives each position of a cross subaccount a share of the net
 * collateral in proportion to its maintenance requirement
 * (liquidations.go: BQ = -DNNV - TNC x |DMMR| / TMMR). TNC 2,000; BTC-USD
 * long 0.1 at 50,000 (MM 1.2 % of 5,000 = 60), SOL-USD long 100 at 100
 * (MM 5 % of 10,000 = 500): BTC's share 2,000 x 60 / 560 = 214.285714285714
 * (12 places, half-even), bankruptcy 50,000 - 214.285714285714 / 0.1 =
 * 47,857.14285714286; SOL's share 1,785.714285714286, its move per unit
 * 17.857142857142 (rounded down: a long's bankruptcy price errs up), so
 * 100 - 17.857142857142 = 82.142857142858. */
static void test_dydx_cross_positions_share_net_collateral_by_maintenance(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/dydx-v4.yaml");
    liq_scenario *s = parse_scenario_or_fail(
        "dydx-two.yaml",
        "name: dydx-two\naccount: {collateral: \"2000\", mode: cross}\n"
        "positions:\n"
        "  - {market: BTC-USD, side: long, size: \"0.1\", entry_price: \"50000\", leverage: 10}\n"
        "  - {market: SOL-USD, side: long, size: \"100\", entry_price: \"100\", leverage: 10}\n"
        "market:\n  mark_paths:\n    BTC-USD: [\"50000\"]\n    SOL-USD: [\"100\"]\n");
    char *txt = eval_json(p, s);
    json_t *r = parse(txt);
    check_invariants(r);
    expect_all(r, "status", "ok", "liquidated", "false", "positions.0.bankruptcy_price",
               "47857.14285714286", "positions.1.bankruptcy_price", "82.142857142858",
               "initial_margin", "1500", "maintenance_margin", "560", NULL);
    json_decref(r);
    free(txt);
    liq_scenario_free(s);
    liq_policy_free(p);
}

/* Isolated positions in one account: each on its own margin; one's
 * deficit is not paid by another's profit. Binance: BTCUSDT long 1 at
 * 50,000 at 10x (margin 5,000) gaps to 40,000: loss 10,000, deficit 5,000
 * (the fee, capped at what is left, is 0), paid by the fund; ETHUSDT long
 * 10 at 3,000 at 10x (margin 3,000) rises to 3,300: open, +3,000. The
 * account of 10,000 ends with 10,000 - 10,000 + 5,000 + 3,000 = 8,000. */
static void test_isolated_positions_in_one_account_keep_their_own_deficit(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/binance-usdm.yaml");
    liq_scenario *s = parse_scenario_or_fail(
        "iso.yaml",
        "name: iso\naccount: {collateral: \"10000\", mode: isolated}\n"
        "positions:\n"
        "  - {market: BTCUSDT, side: long, size: \"1\", entry_price: \"50000\", leverage: 10}\n"
        "  - {market: ETHUSDT, side: long, size: \"10\", entry_price: \"3000\", leverage: 10}\n"
        "market:\n  mark_paths:\n    BTCUSDT: [\"50000\", \"40000\"]\n"
        "    ETHUSDT: [\"3000\", \"3300\"]\n");
    char *txt = eval_json(p, s);
    json_t *r = parse(txt);
    check_invariants(r);
    expect_all(r, "status", "ok", "collateral", "8000", "loss.total", "10000", "deficit", "5000",
               "covered_by.insurance_fund", "5000", "unrealized_pnl", "3000",
               "final_balance", "8000", "positions.0.liquidated", "true",
               "positions.1.liquidated", "false", "positions.1.open_size", "10", NULL);
    json_decref(r);
    free(txt);
    liq_scenario_free(s);
    liq_policy_free(p);
}

/* One account settles in one currency: a USDT and a coin-settled market
 * together are an input error that names both. */
/* Bybit's Unified Trading Account counts each collateral asset at its
 * collateral value ratio, tiered by the quantity held (help centre,
 * "Understanding Collateral Value Ratios", 2025-09-18, whose example
 * assumes BTC 0.98 to 10, 0.95 to 20, 0.9 to 30, 0.85 to 40, 0.8 to 50,
 * 0 above; USDT 1), each slice at its own ratio. 25 BTC at 40,000 count
 * 10 x 0.98 + 10 x 0.95 + 5 x 0.9 = 23.8 BTC = 952,000 of 1,000,000; 60
 * BTC count 9.8 + 9.5 + 9 + 8.5 + 8 + 0 = 44.8 BTC = 1,792,000 of
 * 2,400,000 (LP 40,000 + 1,791,000 / 10 = 219,100). With 1,000 USDT beside them, the margin a short of 10 BTC at
 * 40,000 (10x; MM 0.5 % of 400,000 at entry = 2,000) can lose is the
 * counted 953,000 less 2,000: LP = 40,000 + 951,000 / 10 = 135,100. */
static void test_bybit_tiered_collateral_counts_each_slice_at_its_ratio(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_SOURCE_DIR
                                        "/tests/data/waterfall/policies/bybit-tiered-collateral.yaml");
    static const char *const held[][4] = {{"25", "952000", "48000", "135100"},
                                          {"60", "1792000", "608000", "219100"}};
    for (size_t k = 0; k < 2; k++) {
        char yaml[800];
        snprintf(yaml, sizeof yaml,
                 "name: tiered\naccount:\n  mode: cross\n  collateral_assets:\n"
                 "    - {asset: BTC, amount: \"%s\"}\n    - {asset: USDT, amount: \"1000\"}\n"
                 "position: {market: BTCUSDT, side: short, size: \"10\", entry_price: \"40000\", "
                 "leverage: 10}\n"
                 "market:\n  mark_path: [\"40000\", \"40000\"]\n"
                 "  collateral_paths: {BTC: [\"40000\", \"40000\"]}\n", held[k][0]);
        liq_scenario *s = parse_scenario_or_fail("tiered.yaml", yaml);
        char *txt = eval_json(p, s);
        json_t *r = parse(txt);
        check_invariants(r);
        expect_all(r, "status", "ok", "collateral_assets.0.counted", held[k][1],
                   "collateral_assets.1.counted", "1000", "collateral_haircut", held[k][2],
                   "liquidation_price", held[k][3], "liquidated", "false", NULL);
        json_decref(r);
        free(txt);
        liq_scenario_free(s);
    }
    liq_policy_free(p);
}

/* A cross account of several positions pays each market's funding at its
 * own rate and holds its collateral in assets revalued along their
 * paths, before the account's margin test at each tick. The two Binance
 * positions of test_binance_cross_account_of_two_positions_by_its_formula
 * (loss 12,000 at the third tick, deficit 2,000): with funding of 0.1 %
 * at the second tick on each market, the BTC long pays 1 x 45,000 x
 * 0.001 = 45 and the ETH short receives 10 x 3,100 x 0.001 = 31, so the
 * account pays 14 more (loss 12,014, deficit 2,014). Held instead in 0.2
 * BTC (Multi-Assets Mode, 95 %) priced 50,000, 45,000, 41,000, the
 * collateral is worth 10,000, then 9,000 and 8,200: 1,800 of it lost on
 * top (loss 13,800, deficit 3,800), the haircut 500 at entry. */
static void test_cross_account_pays_each_markets_funding_and_revalues_its_collateral(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/binance-usdm.yaml");
    static const char *const legs =
        "positions:\n"
        "  - {market: BTCUSDT, side: long, size: \"1\", entry_price: \"50000\", leverage: 20}\n"
        "  - {market: ETHUSDT, side: short, size: \"10\", entry_price: \"3000\", leverage: 20}\n"
        "market:\n  mark_paths:\n    BTCUSDT: [\"50000\", \"45000\", \"41000\"]\n"
        "    ETHUSDT: [\"3000\", \"3100\", \"3300\"]\n";
    char yaml[1200];
    snprintf(yaml, sizeof yaml,
             "name: funded\naccount: {collateral: \"10000\", mode: cross}\n%s"
             "  funding_paths:\n    BTCUSDT: [\"0\", \"0.001\", \"0\"]\n"
             "    ETHUSDT: [\"0\", \"0.001\", \"0\"]\n", legs);
    liq_scenario *s = parse_scenario_or_fail("funded.yaml", yaml);
    char *txt = eval_json(p, s);
    json_t *r = parse(txt);
    check_invariants(r);
    expect_all(r, "status", "ok", "funding_paid", "14", "loss.unforced", "12014", "deficit", "2014",
               "covered_by.insurance_fund", "2014", "positions.0.loss.unforced", "9045",
               "positions.1.loss.unforced", "2969", "events.0.paid", "45", "events.1.paid", "-31",
               NULL);
    json_decref(r);
    free(txt);
    liq_scenario_free(s);

    snprintf(yaml, sizeof yaml,
             "name: in-btc\naccount:\n  mode: cross\n  collateral_assets: [{asset: BTC, amount: "
             "\"0.2\"}]\n%s  collateral_paths: {BTC: [\"50000\", \"45000\", \"41000\"]}\n",
             legs);
    s = parse_scenario_or_fail("in-btc.yaml", yaml);
    txt = eval_json(p, s);
    r = parse(txt);
    check_invariants(r);
    expect_all(r, "status", "ok", "collateral", "10000", "collateral_haircut", "500",
               "collateral_revalued", "-1800", "loss.unforced", "13800", "deficit", "3800",
               "covered_by.insurance_fund", "3800", NULL);
    json_decref(r);
    free(txt);
    liq_scenario_free(s);
    liq_policy_free(p);
}

static void test_an_account_in_two_settlement_currencies_is_refused(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_TEST_DATA "/waterfall/two-settlements.yaml");
    liq_scenario *s = parse_scenario_or_fail(
        "mixed.yaml",
        "name: mixed\naccount: {collateral: \"10000\", mode: cross}\n"
        "positions:\n"
        "  - {market: BTCUSDT, side: long, size: \"1\", entry_price: \"50000\", leverage: 10}\n"
        "  - {market: ETHUSD, side: long, size: \"10\", entry_price: \"3000\", leverage: 10}\n"
        "market:\n  mark_paths:\n    BTCUSDT: [\"50000\"]\n    ETHUSD: [\"3000\"]\n");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_eval_opts o = {0};
    assert_null(liq_eval(p, s, &o, &d));
    expect_first_error(&d, "mixed.yaml:5:14: positions[1].market: ETHUSD settles in ETH, "
                           "positions[0] in USDT; one account's positions must settle in one "
                           "currency");
    liq_diags_free(&d);
    liq_scenario_free(s);
    liq_policy_free(p);
}

/* Every amount in the currency the trader thinks in (USD unless asked):
 * a CHF-settled account only with a rate the scenario gives (never a
 * guess); IBKR EUR.CHF long 100,000 EUR at 1.20 (20x: margin 6,000 of an
 * account of 10,000) through the SNB's floor removal to 0.85: loss 35,000
 * CHF, owed 25,000 CHF; at 1.12 USD per CHF: 39,200 lost, 28,000 owed. */
static void test_reporting_currency_needs_a_rate_for_chf_and_says_where_it_came_from(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/interactive-brokers.yaml");
    const char *base = "name: snb\naccount: {collateral: \"10000\", mode: cross}\n"
                       "position: {market: EUR.CHF, side: long, size: \"100000\", entry_price: "
                       "\"1.20\", leverage: 20}\n"
                       "market: {mark_path: [\"1.20\", \"0.85\"]}\n";
    liq_scenario *s = parse_scenario_or_fail("snb.yaml", base);
    char *txt = eval_json(p, s);
    json_t *r = parse(txt);
    expect_all(r, "settlement", "CHF", "debt.owed", "25000", "reporting.currency", "USD",
               "reporting.rate", "null", "reporting.owed", "null", "reporting.rate_source",
               "no CHF/USD rate: give one in the scenario's rates: {CHF/USD: ...}", NULL);
    json_decref(r);
    free(txt);
    liq_scenario_free(s);
    char with_rate[600];
    snprintf(with_rate, sizeof with_rate, "%srates: {CHF/USD: \"1.12\"}\n", base);
    s = parse_scenario_or_fail("snb.yaml", with_rate);
    txt = eval_json(p, s);
    r = parse(txt);
    expect_all(r, "reporting.rate", "1.12", "reporting.rate_source",
               "rates: CHF/USD = 1.12 (snb.yaml:5)", "reporting.collateral", "11200",
               "reporting.trader_lost", "39200", "reporting.owed", "28000", NULL);
    json_decref(r);
    free(txt);
    liq_scenario_free(s);
    liq_policy_free(p);
}

/* A coin-margined row in dollars: each amount at the price of its own
 * moment. BitMEX XBTUSD, the default scenario: collateral 0.02 XBT at the
 * entry (50,000) is 1,000; the loss of 0.040096 XBT at the fill (41,650)
 * is 1,670 (to 12 places of the coin amount); a stablecoin row is at par,
 * stated as an assumption. */
static void test_reporting_currency_prices_coin_amounts_at_their_own_moment(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/bitmex-xbtusd.yaml");
    liq_scenario *s = load_scenario_or_fail(LIQ_SOURCE_DIR "/scenarios/default.yaml");
    char *txt = eval_json(p, s);
    json_t *r = parse(txt);
    expect_all(r, "reporting.collateral", "1000", "reporting.rate", "41650",
               "reporting.trader_lost", "833", "reporting.final_balance", "0", NULL);
    json_decref(r);
    free(txt);
    liq_policy_free(p);
    p = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/binance-usdm.yaml");
    txt = eval_json(p, s);
    r = parse(txt);
    expect_all(r, "reporting.rate", "1", "reporting.rate_source",
               "assumed: USDT at par with USD (a dollar stablecoin); set rates: {USDT/USD: ...} "
               "to override", "reporting.loss_total", "1670", NULL);
    json_decref(r);
    free(txt);
    liq_scenario_free(s);
    liq_policy_free(p);
}

/* Under every shipped policy, for the same collateral (1,000), a higher
 * leverage is a larger position: once it is liquidated by a gap of 15 %
 * (filled 2 % lower), what the trader loses (collateral minus final
 * balance) never falls as the leverage rises, and a leverage the venue
 * does not offer is a row without numbers, never a smaller loss. The path
 * is one gap on purpose: on a path that falls in steps, a larger position
 * can be liquidated at an earlier, smaller step and lose less (Coinbase's
 * buffer closes 10x at -5 % for 690, while 5x rides to -15 % and loses
 * 835), which is the venue's rule working, not a defect. */
static void test_no_venue_loses_less_at_a_higher_leverage(void **state)
{
    (void)state;
    glob_t g;
    assert_int_equal(glob(LIQ_SOURCE_DIR "/policies/*.yaml", 0, NULL, &g), 0);
    static const char *const levs[] = {"2", "5", "10", "20", "25", "50", "100"};
    size_t refused = 0, answered = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *path = g.gl_pathv[i];
        if (strstr(path, ".examples.yaml") || strstr(path, "aliases.yaml"))
            continue;
        liq_policy *p = load_policy_or_fail(path);
        const char *sym = p->nmarkets ? p->markets[0].id->symbol.v : "X";
        bool inverse = p->nmarkets && p->markets[0].r.contract.type.v == CT_INVERSE;
        liq_dec prev = LIQ_DEC_ZERO;
        for (size_t k = 0; k < sizeof levs / sizeof *levs; k++) {
            char yaml[700];
            /* The trade in the market's own terms; an inverse market's
             * collateral is in coin (0.02 at 50,000 is 1,000). */
            snprintf(yaml, sizeof yaml,
                     "name: lev\naccount: {collateral: \"%s\", mode: cross}\n"
                     "position: {market: \"%s\", contract: %s, side: long, notional: \"%s000\", "
                     "entry_price: \"50000\", leverage: %s}\n"
                     "market: {mark_path: [\"50000\", \"42500\"], "
                     "liquidation_fill: {slippage: \"0.02\"}}\n",
                     inverse ? "0.02" : "1000", sym, inverse ? "inverse" : "linear", levs[k],
                     levs[k]);
            liq_scenario *s = parse_scenario_or_fail("lev.yaml", yaml);
            char *txt = eval_json(p, s);
            json_t *r = parse(txt);
            const char *st = json_string_value(json_object_get(r, "status"));
            if (!strcmp(st, "not_offered")) {
                refused++;
            } else {
                if (strcmp(st, "ok") != 0)
                    fail_msg("%s at %sx: status %s", path, levs[k], st);
                answered++;
                if (!json_is_true(json_object_get(r, "liquidated"))) {
                    json_decref(r);
                    free(txt);
                    liq_scenario_free(s);
                    continue;
                }
                liq_dec lost;
                assert_int_equal(liq_dec_sub(jdec(r, "collateral"), jdec(r, "final_balance"),
                                             &lost), LIQ_OK);
                if (liq_dec_cmp(lost, prev) < 0)
                    fail_msg("%s: at %sx the trader loses %s, less than at a lower leverage",
                             path, levs[k], jtext(r, "final_balance", (char[32]){0}, 32));
                prev = lost;
            }
            json_decref(r);
            free(txt);
            liq_scenario_free(s);
        }
        liq_policy_free(p);
    }
    globfree(&g);
    printf("leverage ladder: %zu rows answered, %zu not offered\n", answered, refused);
    assert_true(refused > 0 && answered > 0);
}

/* An amount too large for the decimal type is an error in the user's
 * terms: which quantity it was (here the deficit of a short of ten
 * trillion contracts at 10 that gaps to 10^14), never an internal helper's
 * name, and no result. */
static void test_an_overflow_names_the_quantity_not_the_helper(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(LIQ_SOURCE_DIR "/policies/bybit-usdt.yaml");
    liq_scenario *s = parse_scenario_or_fail(
        "ovf.yaml",
        "name: ovf\n"
        "account: {collateral: \"10000000000000\", mode: isolated}\n"
        "position: {market: BTCUSDT, side: short, size: \"10000000000000\", entry_price: \"10\", "
        "leverage: 10}\n"
        "market: {mark_path: [\"10\", \"100000000000000\"]}\n");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_eval_opts o = {0};
    assert_null(liq_eval(p, s, &o, &d));
    expect_first_error(&d, LIQ_SOURCE_DIR "/policies/bybit-usdt.yaml: overflow while covering the "
                           "deficit (scenario ovf, policy bybit-usdt)");
    liq_diags_free(&d);
    liq_scenario_free(s);
    liq_policy_free(p);
}

int main(void)
{
    static struct CMUnitTest tests[NCASES + 32];
    for (size_t i = 0; i < NCASES; i++)
        tests[i] = (struct CMUnitTest){cases[i].name, run_case, NULL, NULL, (void *)&cases[i]};
    size_t n = NCASES;
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_kraken_spot_margin_at_5x_leaves_a_debt_after_a_gap);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_binance_cross_account_of_two_positions_by_its_formula);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_isolated_positions_in_one_account_keep_their_own_deficit);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_no_venue_loses_less_at_a_higher_leverage);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_reporting_currency_needs_a_rate_for_chf_and_says_where_it_came_from);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_reporting_currency_prices_coin_amounts_at_their_own_moment);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_an_account_in_two_settlement_currencies_is_refused);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_bybit_tiered_collateral_counts_each_slice_at_its_ratio);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_cross_account_pays_each_markets_funding_and_revalues_its_collateral);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_an_overflow_names_the_quantity_not_the_helper);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_dydx_cross_positions_share_net_collateral_by_maintenance);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_a_market_is_found_by_name_alias_or_identity_or_not_listed);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_leverage_above_the_maximum_is_not_offered_and_loss_never_falls);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_maintenance_hook_lp_by_bisection_within_a_tick_of_closed_form);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_adl_hook_covering_less_as_last_stage_leaves_the_rest_to_the_venue);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_debt_is_zero_under_protection_and_the_deficit_otherwise);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_same_evaluation_twice_renders_identical_json);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_default_scenario_under_every_shipped_policy);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(
        test_what_the_venue_would_not_open_is_refused_with_why);
    return cmocka_run_group_tests_name("waterfall", tests, NULL, NULL);
}
