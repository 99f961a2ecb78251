/*
 * test_replay.c — the book-level replay (engine/replay.c, with the book and
 * path loaders of engine/book.c and the trigger index of engine/heap.c).
 *
 * What only exists across a book is tested here: one insurance fund drawn
 * on by every bankruptcy, ADL of the opposite side in the venue's ranking,
 * losses socialized per tick among that tick's winners, debts, and the
 * ledger in which money only moves between two parties. One account's
 * close (fill, PnL, fee) is the single-position waterfall's code and is
 * tested in test_waterfall.c.
 *
 * Hand-built books (tests/data/replay/books) go through short paths under
 * tiny linear policies (tests/data/replay/policies): MM = 1% of the mark
 * notional, one tier, so that every price is worked out by hand in the
 * comment above its case:
 *   pnl = side x S x (P - E),  isolated margin = S x E / leverage,
 *   liquidation price  long  (S E - C) / (S (1 - 0.01)),  short (S E + C) / (S (1 + 0.01)),
 *   bankruptcy price   long  E - C / S,                   short E + C / S,
 * a price that does not terminate cut at 12 places against the trader.
 * Events are compared as "type@tick key=value ..." in the engine's order,
 * every number exact; none is copied from the engine.
 *
 * Then a property: indexed and naive replays of random books give the same
 * events byte for byte under six shipped policies; and every replay's
 * events are re-added into an independent ledger that must agree with the
 * engine's summary and conserve money.
 */
#include "support/support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book.h"
#include "policy.h"

#define RP_DIR "tests/data/replay/"
#define RP(rel) LIQ_TEST_DATA "/replay/" rel
#define RP_POLICY(name) RP("policies/" name ".yaml")

/* ---- exact decimals --------------------------------------------------- */

/* Literals, text, sums and differences are tests/support's (decimals.c);
 * products and quotients round as the engine does. */

/* The engine's intermediate rounding (calc.h): half-even at 12 places. */
static liq_dec dec_mul(liq_dec a, liq_dec b)
{
    liq_dec r;
    assert_int_equal(liq_dec_mul(a, b, LIQ_ROUND_HALF_EVEN, &r), LIQ_OK);
    return r;
}

static liq_dec dec_div(liq_dec a, liq_dec b, liq_round mode)
{
    liq_dec r;
    assert_int_equal(liq_dec_div(a, b, mode, &r), LIQ_OK);
    return r;
}

static bool eq(liq_dec a, liq_dec b)
{
    return liq_dec_cmp(a, b) == 0;
}

static void assert_dec(liq_dec got, const char *want, const char *what)
{
    char a[LIQ_DEC_STRLEN], b[LIQ_DEC_STRLEN];
    if (strcmp(dec_text(D(want), b), want) != 0)
        fail_msg("%s: expected literal \"%s\" is not canonical (write \"%s\")", what, want, b);
    if (strcmp(dec_text(got, a), want) != 0)
        fail_msg("%s: got %s, expected %s", what, a, want);
}

static void assert_dec_eq(liq_dec got, liq_dec want, const char *what)
{
    char a[LIQ_DEC_STRLEN], b[LIQ_DEC_STRLEN];
    if (!eq(got, want))
        fail_msg("%s: got %s, expected %s", what, dec_text(got, a), dec_text(want, b));
}

/* ---- events ------------------------------------------------------------- */

/* Every NDJSON line the replay emitted, one after another with '\n'. */
typedef struct evlog {
    char *buf;
    size_t len, cap, n;
} evlog;

static void on_event(void *ud, const char *line)
{
    evlog *e = ud;
    size_t k = strlen(line);
    if (e->len + k + 2 > e->cap) {
        e->cap = (e->len + k + 2) * 2;
        e->buf = realloc(e->buf, e->cap);
        assert_non_null(e->buf);
    }
    memcpy(e->buf + e->len, line, k);
    e->len += k;
    e->buf[e->len++] = '\n';
    e->buf[e->len] = 0;
    e->n++;
}

static void evlog_free(evlog *e)
{
    free(e->buf);
    memset(e, 0, sizeof *e);
}

static json_t *parse_line(const char *line, size_t len)
{
    json_error_t err;
    json_t *j = json_loadb(line, len, 0, &err);
    if (!j || !json_is_object(j))
        fail_msg("event is not a JSON object: %.*s (%s)", (int)len, line, err.text);
    return j;
}

/* "type@tick key=value ..." in the event's own key order ("time" left out). */
static void flatten(json_t *o, char *out, size_t cap)
{
    static const char *const in_front_or_left_out[] = {"type", "tick", "time", NULL};
    size_t used = (size_t)snprintf(out, cap, "%s@%lld", json_string_value(json_object_get(o, "type")),
                                   (long long)json_integer_value(json_object_get(o, "tick")));
    append_fields(o, in_front_or_left_out, out, cap, used);
}

/* The events, flattened, must be exactly `want` (NULL-terminated). */
static void expect_events(const evlog *e, const char *const *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    const char *p = e->buf ? e->buf : "";
    char got[1024];
    for (size_t i = 0; *p; i++) {
        const char *nl = strchr(p, '\n');
        json_t *j = parse_line(p, (size_t)(nl - p));
        flatten(j, got, sizeof got);
        json_decref(j);
        if (i >= n)
            fail_msg("event %zu: unexpected %s", i, got);
        if (strcmp(got, want[i]) != 0)
            fail_msg("event %zu:\n  got      %s\n  expected %s", i, got, want[i]);
        p = nl + 1;
    }
    if (e->n < n)
        fail_msg("%zu events, expected %zu (missing %s)", e->n, n, want[e->n]);
}

/* Replay under opts (on_event and check set here); the events land in ev. */
static void replay(liq_policy *p, const liq_book *b, const liq_path *path, liq_replay_opts o,
                   evlog *ev, liq_replay_summary *s)
{
    liq_diags d = LIQ_DIAGS_INIT;
    o.on_event = ev ? on_event : NULL;
    o.ud = ev;
    o.check = true;
    if (liq_replay(p, b, path, &o, s, &d) != LIQ_OK)
        fail_with_diags("liq_replay", &d);
    liq_diags_free(&d);
}

static const char *const stage_names[6] = {"insurance_fund", "adl", "socialized",
                                           "liquidity_pool", "venue", "trader_debt"};

/* covered[] of a summary, stage by stage (stage_names order). */
static void expect_covered(const liq_replay_summary *s, const char *const want[6])
{
    for (int k = 0; k < 6; k++)
        assert_dec(s->covered[k], want[k], stage_names[k]);
}

/* ---- the independent ledger ---------------------------------------------- */

/*
 * The events say everything that moved. Re-adding them into a ledger of our
 * own — every account's cash, the fund, the fee receivers, and "market", the
 * outside party each position's PnL is realized against — gives per-account
 * final cash that must agree with the engine's summary (fund, debts, covers)
 * and a book in which nothing was created or lost:
 *   sum(cash) + fund + venue + pool + liquidator + market
 *     = sum(collateral) + fund at start.
 * PnL is recomputed from the book's entry prices and the events' prices
 * (margin.c's formulas); sizes are followed through slices and ADL.
 */
typedef struct ledger {
    const liq_book *b;
    const liq_path *path;
    liq_policy *p;
    size_t n;
    bool inverse, surplus_if, protection, adl_at_bp, fund_finite;
    int receiver;
    liq_dec csize;
    signed char *side;
    liq_dec *size, *coll, *cash, *entry;
    liq_dec fund, fund_min, liquidator, venue, pool, market, in;
    /* the liquidation being settled */
    size_t liq_i;
    int liq_side;
    liq_dec liq_deficit, liq_bp, liq_adl;
    bool liq_open;
    /* this tick's socialization */
    size_t nsoc, ncharge;
    size_t *soc_i, *charge_j;
    liq_dec *soc_amt, *charge_amt, soc_want;
    /* totals, for the summary */
    size_t liquidations, partials, adl_events, socialized_events, refused, margin_calls;
    liq_dec fees, deficit, loss_total, covered[6];
} ledger;

static liq_dec units(const ledger *l, liq_dec size)
{
    return eq(l->csize, D("1")) ? size : dec_mul(size, l->csize);
}

/* margin.c: linear S x (P - E); inverse Q x (P - E) / (E x P), one division. */
static liq_dec pnl(const ledger *l, size_t i, liq_dec size, liq_dec px)
{
    liq_dec q = units(l, size), diff = dec_sub(px, l->entry[i]);
    liq_dec v = l->inverse
                    ? dec_div(dec_mul(q, diff), dec_mul(l->entry[i], px), LIQ_ROUND_HALF_EVEN)
                    : dec_mul(q, diff);
    return l->side[i] > 0 ? v : liq_dec_neg(v);
}

static liq_dec notional(const ledger *l, liq_dec size, liq_dec px)
{
    liq_dec q = units(l, size);
    return l->inverse ? dec_div(q, px, LIQ_ROUND_HALF_EVEN) : dec_mul(q, px);
}

/* The bankruptcy price (margin.c solve_table with MM = 0): linear
 * E -/+ floor(C / S); inverse Q / (Q/E +/- C), rounded against the trader.
 * None of the policies used here has a price tick. */
static bool bankruptcy(const ledger *l, size_t i, liq_dec *bp)
{
    liq_dec q = units(l, l->size[i]);
    if (!l->inverse) {
        liq_dec move = dec_div(l->coll[i], q, LIQ_ROUND_FLOOR);
        *bp = l->side[i] > 0 ? dec_sub(l->entry[i], move) : dec_add(l->entry[i], move);
        return liq_dec_sign(*bp) > 0;
    }
    liq_dec qe = dec_div(q, l->entry[i], LIQ_ROUND_HALF_EVEN);
    liq_dec den = l->side[i] > 0 ? dec_add(qe, l->coll[i]) : dec_sub(qe, l->coll[i]);
    if (liq_dec_sign(den) <= 0)
        return false;
    *bp = dec_div(q, den, l->side[i] > 0 ? LIQ_ROUND_CEIL : LIQ_ROUND_FLOOR);
    return liq_dec_sign(*bp) > 0;
}

static void ledger_init(ledger *l, liq_policy *p, const liq_book *b, const liq_path *path,
                        const liq_replay_opts *o)
{
    memset(l, 0, sizeof *l);
    l->p = p;
    l->b = b;
    l->path = path;
    l->n = b->n;
    l->inverse = p->r.contract.type.v == CT_INVERSE;
    l->csize = p->r.contract.contract_size.v;
    l->surplus_if = p->r.liquidation.surplus.v == SURPLUS_IF;
    l->protection = p->r.negative_balance.protection.v;
    l->adl_at_bp = p->r.adl.close_price.v == ADLPX_BANKRUPTCY;
    l->receiver = p->r.liquidation.fee.receiver.v;
    l->fund_finite = o->has_fund || !p->r.insurance_fund.balance.unlimited;
    l->fund = o->has_fund ? o->fund
              : p->r.insurance_fund.balance.unlimited ? LIQ_DEC_ZERO
                                                      : p->r.insurance_fund.balance.v;
    l->fund_min = l->fund;
    l->in = l->fund;
    size_t n = l->n ? l->n : 1;
    l->side = calloc(n, 1);
    l->size = calloc(n, sizeof *l->size);
    l->coll = calloc(n, sizeof *l->coll);
    l->cash = calloc(n, sizeof *l->cash);
    l->entry = calloc(n, sizeof *l->entry);
    l->soc_i = calloc(n, sizeof *l->soc_i);
    l->charge_j = calloc(n, sizeof *l->charge_j);
    l->soc_amt = calloc(n, sizeof *l->soc_amt);
    l->charge_amt = calloc(n, sizeof *l->charge_amt);
    assert_true(l->side && l->size && l->coll && l->cash && l->entry && l->soc_i &&
                l->charge_j && l->soc_amt && l->charge_amt);
    /* A book is written in linear quote terms; an inverse contract sees
     * contracts = S x E / contract size and cash = collateral / E. */
    for (size_t i = 0; i < l->n; i++) {
        liq_dec e = book_entry(b, i);
        l->side[i] = b->side[i];
        l->entry[i] = e;
        l->size[i] = l->inverse ? dec_div(dec_mul(book_size(b, i), e), l->csize, LIQ_ROUND_HALF_EVEN)
                                : dec_div(book_size(b, i), l->csize, LIQ_ROUND_HALF_EVEN);
        l->cash[i] = l->inverse ? dec_div(book_collateral(b, i), e, LIQ_ROUND_HALF_EVEN)
                                : book_collateral(b, i);
        l->in = dec_add(l->in, l->cash[i]);
        liq_dec im = dec_div(notional(l, l->size[i], e), book_lev(b, i), LIQ_ROUND_HALF_EVEN);
        /* The venue's own mode when it lacks the book's (Kraken spot is
         * cross only), as a single evaluation does. */
        int mode = b->mode[i];
        const plist *modes = &p->r.margin.modes;
        bool offered = modes->n == 0;
        for (size_t k = 0; k < modes->n; k++)
            offered |= ((const penum *)modes->items)[k].v == mode;
        if (!offered)
            mode = ((const penum *)modes->items)[0].v;
        /* Cross: the whole balance is at risk; isolated: the initial margin. */
        l->coll[i] = mode == MODE_CROSS ? l->cash[i] : im;
    }
}

static void ledger_free(ledger *l)
{
    free(l->side);
    free(l->size);
    free(l->coll);
    free(l->cash);
    free(l->entry);
    free(l->soc_i);
    free(l->charge_j);
    free(l->soc_amt);
    free(l->charge_amt);
}

static size_t account(const ledger *l, const char *id)
{
    /* Random books name account i "a<i>"; look there first. */
    if (id[0] == 'a' && id[1] >= '0' && id[1] <= '9') {
        size_t i = strtoul(id + 1, NULL, 10);
        if (i < l->n && !strcmp(book_id(l->b, i), id))
            return i;
    }
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(book_id(l->b, i), id))
            return i;
    fail_msg("event names an unknown account %s", id);
    return 0;
}

static liq_dec jd(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("event has no decimal %s", key);
    return D(json_string_value(v));
}

static size_t jacct(const ledger *l, json_t *o, const char *key)
{
    const char *id = json_string_value(json_object_get(o, key));
    assert_non_null(id);
    return account(l, id);
}

static void receive_fee(ledger *l, liq_dec fee)
{
    switch (l->receiver) {
    case RECV_IF: l->fund = dec_add(l->fund, fee); break;
    case RECV_VENUE: l->venue = dec_add(l->venue, fee); break;
    case RECV_POOL: l->pool = dec_add(l->pool, fee); break;
    default: l->liquidator = dec_add(l->liquidator, fee); break;
    }
}

static void on_liquidation(ledger *l, json_t *o, liq_dec mark)
{
    size_t i = jacct(l, o, "account");
    assert_int_not_equal(l->side[i], 0);
    assert_string_equal(json_string_value(json_object_get(o, "side")),
                        l->side[i] > 0 ? "long" : "short");
    liq_dec size = jd(o, "size"), fill = jd(o, "fill"), fee = jd(o, "fee");
    liq_dec forfeited = jd(o, "forfeited"), deficit = jd(o, "deficit");
    /* What is left of the position goes, whole. */
    assert_dec_eq(size, l->size[i], "liquidation size = the open size");
    assert_dec_eq(jd(o, "trigger"), mark, "trigger = the tick's mark");
    liq_dec pnl_f = pnl(l, i, size, fill), pnl_t = pnl(l, i, size, mark);
    assert_dec_eq(jd(o, "unforced"), liq_dec_neg(pnl_t), "unforced = -pnl at the mark");
    assert_dec_eq(dec_add(jd(o, "unforced"), jd(o, "forced")), liq_dec_neg(pnl_f),
                  "unforced + forced = -pnl at the fill");
    /* The account's equity at risk after the close and its fee. */
    liq_dec equity = dec_sub(dec_add(l->coll[i], pnl_f), fee);
    if (liq_dec_sign(equity) > 0) {
        assert_dec_eq(forfeited, l->surplus_if ? equity : LIQ_DEC_ZERO, "forfeited");
        assert_dec_eq(deficit, LIQ_DEC_ZERO, "deficit");
    } else {
        assert_dec_eq(forfeited, LIQ_DEC_ZERO, "forfeited");
        assert_dec_eq(deficit, liq_dec_neg(equity), "deficit = -equity");
    }
    l->liq_open = true;
    l->liq_i = i;
    l->liq_side = l->side[i];
    l->liq_deficit = deficit;
    l->liq_adl = LIQ_DEC_ZERO;
    if (!bankruptcy(l, i, &l->liq_bp))
        l->liq_bp = fill;
    l->cash[i] = dec_sub(dec_add(l->cash[i], pnl_f), dec_add(fee, forfeited));
    l->market = dec_sub(l->market, pnl_f);
    receive_fee(l, fee);
    l->fund = dec_add(l->fund, forfeited);
    l->side[i] = 0;
    l->size[i] = LIQ_DEC_ZERO;
    l->liquidations++;
    l->fees = dec_add(l->fees, dec_add(fee, forfeited));
    l->deficit = dec_add(l->deficit, deficit);
    l->loss_total = dec_add(l->loss_total, dec_add(liq_dec_neg(pnl_f), dec_add(fee, forfeited)));
}

/* Hyperliquid's backstop: the vault takes the whole position over at the
 * mark with whatever margin is left (the policy's backstop.to is the
 * fund in every shipped policy that has one). */
static void on_backstop(ledger *l, json_t *o, liq_dec mark)
{
    size_t i = jacct(l, o, "account");
    assert_int_not_equal(l->side[i], 0);
    liq_dec size = jd(o, "size"), forfeited = jd(o, "forfeited"), deficit = jd(o, "deficit");
    assert_dec_eq(size, l->size[i], "backstop size = the open size");
    assert_dec_eq(jd(o, "mark"), mark, "backstop at the tick's mark");
    liq_dec p = pnl(l, i, size, mark);
    liq_dec equity = dec_add(l->coll[i], p);
    assert_dec_eq(jd(o, "equity"), equity, "backstop equity = margin + pnl at the mark");
    assert_dec_eq(forfeited, liq_dec_max(equity, LIQ_DEC_ZERO), "the vault keeps what is left");
    assert_dec_eq(deficit, liq_dec_max(liq_dec_neg(equity), LIQ_DEC_ZERO), "deficit");
    l->liq_open = liq_dec_sign(deficit) > 0;
    l->liq_i = i;
    l->liq_side = l->side[i];
    l->liq_deficit = deficit;
    l->liq_adl = LIQ_DEC_ZERO;
    if (!bankruptcy(l, i, &l->liq_bp))
        l->liq_bp = mark;
    l->cash[i] = dec_sub(dec_add(l->cash[i], p), forfeited);
    l->market = dec_sub(l->market, p);
    l->fund = dec_add(l->fund, forfeited);
    l->side[i] = 0;
    l->size[i] = LIQ_DEC_ZERO;
    l->liquidations++;
    l->fees = dec_add(l->fees, forfeited);
    l->deficit = dec_add(l->deficit, deficit);
    l->loss_total = dec_add(l->loss_total, dec_add(liq_dec_neg(p), forfeited));
}

static void on_partial(ledger *l, json_t *o, liq_dec mark)
{
    size_t i = jacct(l, o, "account");
    liq_dec size = jd(o, "size"), fill = jd(o, "fill"), fee = jd(o, "fee");
    liq_dec rest = jd(o, "remaining");
    assert_true(liq_dec_cmp(size, l->size[i]) < 0);
    assert_dec_eq(rest, dec_sub(l->size[i], size), "remaining = open size - slice");
    liq_dec p = pnl(l, i, size, fill);
    l->cash[i] = dec_sub(dec_add(l->cash[i], p), fee);
    l->market = dec_sub(l->market, p);
    receive_fee(l, fee);
    l->coll[i] = dec_sub(dec_add(l->coll[i], p), fee);
    l->size[i] = rest;
    /* A slice leaves the whole account above bankruptcy at this mark. */
    if (liq_dec_sign(dec_add(l->coll[i], pnl(l, i, rest, mark))) <= 0)
        fail_msg("partial slice of %s left the account bankrupt", book_id(l->b, i));
    l->partials++;
    l->fees = dec_add(l->fees, fee);
    l->loss_total = dec_add(l->loss_total, dec_add(liq_dec_neg(p), fee));
}

static void on_adl(ledger *l, json_t *o, liq_dec mark)
{
    size_t i = jacct(l, o, "account"), j = jacct(l, o, "counterparty");
    assert_true(l->liq_open && i == l->liq_i);
    assert_int_equal(l->side[j], -l->liq_side);
    liq_dec x = jd(o, "size"), price = jd(o, "price"), covered = jd(o, "covered");
    assert_true(liq_dec_sign(x) > 0 && liq_dec_cmp(x, l->size[j]) <= 0);
    assert_dec_eq(price, l->adl_at_bp ? l->liq_bp : mark, "ADL price");
    liq_dec pj = pnl(l, j, x, price);
    assert_dec_eq(jd(o, "forgone_profit"), dec_sub(pnl(l, j, x, mark), pj), "forgone profit");
    l->cash[j] = dec_add(l->cash[j], pj);
    l->market = dec_sub(l->market, pj);
    l->cash[i] = dec_add(l->cash[i], covered);
    l->market = dec_sub(l->market, covered);
    l->liq_adl = dec_add(l->liq_adl, covered);
    liq_dec keep = dec_sub(l->size[j], x);
    if (liq_dec_sign(keep) == 0) {
        l->side[j] = 0;
    } else {
        /* The counterparty keeps the margin that belongs to what is left. */
        l->coll[j] = dec_div(dec_mul(l->coll[j], keep), l->size[j], LIQ_ROUND_FLOOR);
    }
    l->size[j] = keep;
    l->adl_events++;
}

static void on_shortfall(ledger *l, json_t *o)
{
    size_t i = jacct(l, o, "account");
    assert_true(l->liq_open && i == l->liq_i);
    liq_dec part[6], sum = LIQ_DEC_ZERO;
    for (int k = 0; k < 6; k++) {
        part[k] = jd(o, stage_names[k]);
        assert_true(liq_dec_sign(part[k]) >= 0);
        sum = dec_add(sum, part[k]);
    }
    assert_dec_eq(jd(o, "deficit"), l->liq_deficit, "shortfall deficit");
    assert_dec_eq(sum, l->liq_deficit, "the stages sum to the deficit");
    assert_dec_eq(part[1], l->liq_adl, "adl = the ADL events' covered");
    if (l->fund_finite && liq_dec_cmp(part[0], liq_dec_max(l->fund, LIQ_DEC_ZERO)) > 0)
        fail_msg("the fund paid more than it held");
    l->fund = dec_sub(l->fund, part[0]);
    l->pool = dec_sub(l->pool, part[3]);
    l->venue = dec_sub(l->venue, part[4]);
    l->cash[i] = dec_add(l->cash[i], dec_add(part[0], dec_add(part[3], part[4])));
    if (liq_dec_cmp(l->fund, l->fund_min) < 0)
        l->fund_min = l->fund;
    if (liq_dec_sign(part[2]) > 0) {
        l->soc_i[l->nsoc] = i;
        l->soc_amt[l->nsoc++] = part[2];
        l->soc_want = dec_add(l->soc_want, part[2]);
    }
    char b[LIQ_DEC_STRLEN];
    assert_string_equal(json_string_value(json_object_get(o, "fund_balance")),
                        l->fund_finite ? dec_text(l->fund, b) : "unlimited");
    for (int k = 0; k < 6; k++)
        if (k != 2)
            l->covered[k] = dec_add(l->covered[k], part[k]);
    l->liq_open = false;
}

static void on_charge(ledger *l, json_t *o, liq_dec mark)
{
    size_t j = jacct(l, o, "account");
    assert_int_not_equal(l->side[j], 0);
    if (l->p->r.socialized_loss.method.v == SOC_FUNDING)
        assert_dec_eq(jd(o, "size"), l->size[j], "size = the open position");
    else
        assert_dec_eq(jd(o, "profit"), pnl(l, j, l->size[j], mark), "profit = unrealized PnL");
    l->charge_j[l->ncharge] = j;
    l->charge_amt[l->ncharge++] = jd(o, "amount");
}

/* The tick's charges, checked against the rule (docs/waterfall.md,
 * socialized loss). The payers, in account order: clawback — every open
 * account in profit at the mark, its units that profit, the charge
 * min(owed, total profit); funding — every open account, its units its
 * size, the charge all that is owed. Exact shares: charge x units / total
 * rounded down, the last payer the remainder. With the venue's steps:
 * per unit = charge / total rounded up to unit_step, each payer per unit
 * x units rounded down to charge_step, the difference from the charge
 * the venue's. Then the bankrupt accounts receive the charge pro rata to
 * what each was owed. */
static void on_socialized(ledger *l, json_t *o, liq_dec mark)
{
    const p_social *ps = &l->p->r.socialized_loss;
    bool funding = ps->method.v == SOC_FUNDING;
    bool steps = ps->unit_step.set || ps->charge_step.set;
    liq_dec total = LIQ_DEC_ZERO;
    size_t payers = 0;
    for (size_t j = 0; j < l->n; j++) {
        liq_dec u = !l->side[j] ? LIQ_DEC_ZERO : funding ? l->size[j] : pnl(l, j, l->size[j], mark);
        if (liq_dec_sign(u) > 0) {
            total = dec_add(total, u);
            payers++;
        }
    }
    liq_dec charge = funding ? (liq_dec_sign(total) > 0 ? l->soc_want : LIQ_DEC_ZERO)
                             : liq_dec_min(l->soc_want, total);
    liq_dec per_unit = LIQ_DEC_ZERO, charged = LIQ_DEC_ZERO;
    if (steps && liq_dec_sign(total) > 0) {
        per_unit = dec_div(charge, total, LIQ_ROUND_CEIL);
        if (ps->unit_step.set)
            assert_int_equal(liq_dec_quantize(per_unit, ps->unit_step.v, LIQ_ROUND_CEIL, &per_unit),
                             LIQ_OK);
    }
    assert_int_equal(l->ncharge, payers);
    assert_int_equal(json_integer_value(json_object_get(o, funding ? "accounts" : "winners")),
                     (json_int_t)payers);
    size_t k = 0;
    for (size_t j = 0; j < l->n; j++) {
        liq_dec u = !l->side[j] ? LIQ_DEC_ZERO : funding ? l->size[j] : pnl(l, j, l->size[j], mark);
        if (liq_dec_sign(u) <= 0)
            continue;
        assert_int_equal(l->charge_j[k], j);
        liq_dec want;
        if (steps) {
            want = dec_mul(per_unit, u);
            if (ps->charge_step.set)
                assert_int_equal(liq_dec_quantize(want, ps->charge_step.v, LIQ_ROUND_FLOOR, &want),
                                 LIQ_OK);
        } else {
            want = k + 1 == payers ? dec_sub(charge, charged)
                                   : dec_div(dec_mul(charge, u), total, LIQ_ROUND_FLOOR);
        }
        if (!funding)
            want = liq_dec_min(want, u);
        assert_dec_eq(l->charge_amt[k], want, "socialized charge");
        l->cash[j] = dec_sub(l->cash[j], want);
        charged = dec_add(charged, want);
        k++;
    }
    l->venue = dec_add(l->venue, dec_sub(charged, charge));
    liq_dec uncovered = dec_sub(l->soc_want, charge);
    assert_dec_eq(jd(o, "amount"), charge, "socialized amount");
    assert_dec_eq(jd(o, "uncovered"), uncovered, "socialized uncovered");
    if (steps || funding) {
        assert_dec_eq(jd(o, "charged"), charged, "what the payers paid");
        assert_dec_eq(jd(o, "rounding"), dec_sub(charged, charge), "the venue's rounding");
    }
    liq_dec handed = charge;
    if (l->protection && liq_dec_sign(uncovered) > 0) {
        l->venue = dec_sub(l->venue, uncovered);
        handed = l->soc_want;
    }
    liq_dec paid = LIQ_DEC_ZERO;
    for (size_t q = 0; q < l->nsoc; q++) {
        liq_dec part = q + 1 == l->nsoc ? dec_sub(handed, paid)
                                        : dec_div(dec_mul(handed, l->soc_amt[q]), l->soc_want,
                                                  LIQ_ROUND_FLOOR);
        l->cash[l->soc_i[q]] = dec_add(l->cash[l->soc_i[q]], part);
        paid = dec_add(paid, part);
    }
    l->covered[2] = dec_add(l->covered[2], charge);
    l->covered[l->protection ? 4 : 5] = dec_add(l->covered[l->protection ? 4 : 5], uncovered);
    l->socialized_events++;
    l->nsoc = l->ncharge = 0;
    l->soc_want = LIQ_DEC_ZERO;
}

/* Re-add every event; then hold the engine's summary to the result. */
static void ledger_check(ledger *l, const evlog *ev, const liq_replay_summary *s)
{
    const char *p = ev->buf ? ev->buf : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        json_t *o = parse_line(p, (size_t)(nl - p));
        const char *type = json_string_value(json_object_get(o, "type"));
        size_t tick = (size_t)json_integer_value(json_object_get(o, "tick"));
        assert_true(tick < l->path->n);
        assert_string_equal(json_string_value(json_object_get(o, "time")), l->path->time[tick]);
        liq_dec mark = l->path->mark[tick];
        if (!strcmp(type, "not_offered")) {
            /* Refused at the open (a leverage the venue does not offer):
             * out of the book, its cash still counted. */
            size_t i = jacct(l, o, "account");
            assert_int_equal(tick, 0);
            l->side[i] = 0;
            l->refused++;
        } else if (!strcmp(type, "liquidation_unfilled")) {
            /* An order its limit refused: it moves no money (retried, or
             * the liquidation event that follows is the deleveraging). */
            jacct(l, o, "account");
        } else if (!strcmp(type, "liquidation"))
            on_liquidation(l, o, mark);
        else if (!strcmp(type, "partial_liquidation"))
            on_partial(l, o, mark);
        else if (!strcmp(type, "backstop_takeover"))
            on_backstop(l, o, mark);
        else if (!strcmp(type, "adl"))
            on_adl(l, o, mark);
        else if (!strcmp(type, "shortfall"))
            on_shortfall(l, o);
        else if (!strcmp(type, "socialized_charge"))
            on_charge(l, o, mark);
        else if (!strcmp(type, "socialized_loss"))
            on_socialized(l, o, mark);
        else if (!strcmp(type, "margin_call")) {
            /* The venue's call on an open account: it moves no money. */
            size_t i = jacct(l, o, "account");
            assert_true(l->side[i] != 0);
            l->margin_calls++;
        } else if (!strcmp(type, "debt_action")) {
            /* The venue's action on a debt, at the last mark: it moves no
             * money. */
            jacct(l, o, "account");
            assert_int_equal(tick, l->path->n - 1);
        } else
            fail_msg("unknown event type %s", type);
        json_decref(o);
        p = nl + 1;
    }
    assert_int_equal(l->nsoc, 0);
    assert_int_equal(s->refused, l->refused);
    assert_int_equal(s->liquidations, l->liquidations);
    assert_int_equal(s->partials, l->partials);
    assert_int_equal(s->adl_events, l->adl_events);
    assert_int_equal(s->socialized_events, l->socialized_events);
    assert_int_equal(s->margin_calls, l->margin_calls);
    assert_dec_eq(s->fees, l->fees, "summary fees");
    assert_dec_eq(s->deficit, l->deficit, "summary deficit");
    assert_dec_eq(s->loss_total, l->loss_total, "summary loss_total");
    for (int k = 0; k < 6; k++)
        assert_dec_eq(s->covered[k], l->covered[k], stage_names[k]);
    assert_dec_eq(s->fund_end, l->fund, "fund at the end");
    assert_dec_eq(s->fund_min, l->fund_min, "fund low");
    /* In debt: equity below zero at the last mark, an open position's
     * unrealized PnL included. */
    size_t debtors = 0;
    liq_dec debt = LIQ_DEC_ZERO, total = LIQ_DEC_ZERO, last = l->path->mark[l->path->n - 1];
    for (size_t i = 0; i < l->n; i++) {
        liq_dec equity = l->cash[i];
        if (l->side[i])
            equity = dec_add(equity, pnl(l, i, l->size[i], last));
        if (liq_dec_sign(equity) < 0) {
            debtors++;
            debt = dec_sub(debt, equity);
        }
        total = dec_add(total, l->cash[i]);
    }
    assert_int_equal(s->debtors, debtors);
    assert_dec_eq(s->debt_total, debt, "debt total");
    total = dec_add(total, dec_add(dec_add(l->fund, l->venue),
                                   dec_add(l->pool, dec_add(l->liquidator, l->market))));
    assert_dec_eq(total, l->in, "everything = what went in");
}

/* ---- a hand-built case ----------------------------------------------------- */

/* One policy, book and path replayed with the per-tick check on: the
 * events, the summary, and the independent ledger they are re-added into. */
typedef struct replayed {
    liq_policy *p;
    liq_book *b;
    liq_path *pa;
    liq_replay_opts o;
    evlog ev;
    liq_replay_summary s;
    ledger l;
} replayed;

/* Load the three files and replay them with the fund at `fund` (NULL: the
 * policy's own). Free with replayed_free. */
static void replay_files(replayed *r, const char *policy, const char *book, const char *path,
                         const char *fund)
{
    memset(r, 0, sizeof *r);
    r->p = load_policy_or_fail(policy);
    r->b = load_book_or_fail(book);
    r->pa = load_path_or_fail(path);
    r->o = (liq_replay_opts){.has_fund = fund != NULL, .fund = fund ? D(fund) : LIQ_DEC_ZERO};
    replay(r->p, r->b, r->pa, r->o, &r->ev, &r->s);
}

/* Re-add the events into r->l, which must agree with the summary. */
static void check_ledger(replayed *r)
{
    ledger_init(&r->l, r->p, r->b, r->pa, &r->o);
    ledger_check(&r->l, &r->ev, &r->s);
}

static void replayed_free(replayed *r)
{
    ledger_free(&r->l);
    evlog_free(&r->ev);
    liq_path_free(r->pa);
    liq_book_free(r->b);
    liq_policy_free(r->p);
}

/* ---- 1. conservation across the book -------------------------------------- */

/*
 * cons.yaml: a 0.5% fee on the fill notional to the fund; shortfall order
 * [insurance_fund, adl, socialized, trader_debt]; a fund of 50 (opts.fund);
 * ADL by BitMEX's ranking at the bankruptcy price. books/cons.ndjson
 * through paths/cons.csv (50000, 47800, 44000, 41000, 43000):
 *
 *   A  long 1 @50000 x20 isolated, C 2500: LP (50000-2500)/0.99 =
 *      47979.79797979797979.. -> 47979.79797979798 (cut up); bankrupt 47500.
 *      t1 47800: PnL -2200, fee 0.005 x 47800 = 239, equity 2500-2200-239
 *      = 61 > 0 stays with A (surplus: trader). Fund 50 + 239 = 289.
 *   B  long 1 @50000 x10 isolated, wallet 6000, margin 5000: LP 45000/0.99
 *      -> 45454.545454545455; bankrupt 45000. t2 44000: PnL -6000, fee 220,
 *      equity 5000-6000-220 = -1220. Fund 289 + 220 = 509 pays 509 -> 0.
 *      ADL 711 left; the only short, S1 (0.4 < 1), closes 0.4 at 45000:
 *      covers floor(711 x 0.4 / 1) = 284.4 (not the last piece of B's size,
 *      so no remainder), PnL 0.4 x 5000 = 2000, forgone 0.4 x 1000 = 400.
 *      711 - 284.4 = 426.6 is socialized at the end of t2 to the winners
 *      (longs below 44000): W1 0.5 x 4000 = 2000, W2 0.2 x 2000 = 400, of
 *      2400: W1 floor(426.6 x 2000 / 2400) = 355.5, W2 the rest, 71.1.
 *      B: 6000 - 6000 - 220 + 509 + 284.4 + 426.6 = 1000, the wallet
 *      beyond its isolated margin, untouched.
 *   C  long 2 @46000 x10 isolated, C 9200: LP (92000-9200)/1.98 =
 *      41818.1818.. -> 41818.181818181819; bankrupt 41400. t3 41000: PnL
 *      -10000, fee 0.005 x 82000 = 410, equity -1210. The fund (0 + 410)
 *      pays 410; no short is left to deleverage; 800 socialized: the only
 *      winner is W1 (0.5 x 1000 = 500; W2 is at -200), charged 500; 300
 *      uncovered stays C's debt (protection: false). C: 9200 - 10000 - 410
 *      + 410 + 500 = -300.
 *   t4 43000: nothing moves; C's debt of 300 gets the venue's action at
 *      the last mark: debt.actions [margin_call], undated (when: unknown),
 *      for the amount owed.
 * Final cash: A 61, B 1000, C -300, S1 4000 + 2000 = 6000,
 * W1 12000 - 355.5 - 500 = 11144.5, W2 2100 - 71.1 = 2028.9.
 * Sum 19934.4 = collateral 35800 + fund 50 - fund at the end 0
 *   + PnL realized against the market (-2200 - 6000 - 10000 + 2000 = -16200)
 *   + ADL's cover (284.4, paid by the market party in the engine's ledger).
 */
static void test_conservation_hand_book(void **state)
{
    (void)state;
    replayed r;
    replay_files(&r, RP_POLICY("cons"), RP("books/cons.ndjson"), RP("paths/cons.csv"), "50");
    static const char *const want[] = {
        "liquidation@1 account=A side=long size=1 liquidation_price=47979.79797979798 "
        "trigger=47800 fill=47800 unforced=2200 forced=0 fee=239 forfeited=0 deficit=0",
        "liquidation@2 account=B side=long size=1 liquidation_price=45454.545454545455 "
        "trigger=44000 fill=44000 unforced=6000 forced=0 fee=220 forfeited=0 deficit=1220",
        "adl@2 account=B counterparty=S1 size=0.4 price=45000 covered=284.4 forgone_profit=400",
        "shortfall@2 account=B deficit=1220 insurance_fund=509 adl=284.4 socialized=426.6 "
        "liquidity_pool=0 venue=0 trader_debt=0 fund_balance=0",
        "socialized_charge@2 account=W1 amount=355.5 profit=2000",
        "socialized_charge@2 account=W2 amount=71.1 profit=400",
        "socialized_loss@2 amount=426.6 winners=2 uncovered=0",
        "liquidation@3 account=C side=long size=2 liquidation_price=41818.181818181819 "
        "trigger=41000 fill=41000 unforced=10000 forced=0 fee=410 forfeited=0 deficit=1210",
        "shortfall@3 account=C deficit=1210 insurance_fund=410 adl=0 socialized=800 "
        "liquidity_pool=0 venue=0 trader_debt=0 fund_balance=0",
        "socialized_charge@3 account=W1 amount=500 profit=500",
        "socialized_loss@3 amount=500 winners=1 uncovered=300",
        "debt_action@4 account=C action=margin_call when=unknown amount=300",
        NULL};
    expect_events(&r.ev, want);

    /* fees 239 + 220 + 410; loss = what each lost plus its fee:
     * 2439 + 6220 + 10410; deficits 1220 + 1210 = 919 + 284.4 + 926.6 + 300. */
    assert_int_equal(r.s.liquidations, 3);
    assert_int_equal(r.s.adl_events, 1);
    assert_int_equal(r.s.socialized_events, 2);
    assert_int_equal(r.s.debtors, 1);
    assert_dec(r.s.fees, "869", "fees");
    assert_dec(r.s.loss_total, "19069", "loss_total");
    assert_dec(r.s.deficit, "2430", "deficit");
    expect_covered(&r.s, (const char *const[6]){"919", "284.4", "926.6", "0", "0", "300"});
    assert_dec(r.s.debt_total, "300", "debt_total");
    assert_true(r.s.fund_finite);
    assert_dec(r.s.fund_start, "50", "fund_start");
    assert_dec(r.s.fund_end, "0", "fund_end");
    assert_dec(r.s.fund_min, "0", "fund_min");

    check_ledger(&r);
    static const char *const cash[] = {"61", "1000", "-300", "6000", "11144.5", "2028.9"};
    for (size_t i = 0; i < 6; i++)
        assert_dec(r.l.cash[i], cash[i], book_id(r.b, i));
    assert_dec(r.l.market, "15915.6", "market: 16200 realized - 284.4 ADL cover");
    replayed_free(&r);
}

/* ---- 2. ADL in the venue's ranking ---------------------------------------- */

/*
 * books/adl.csv through paths/gap.csv (45500, then 44000). L (long 1
 * @50000 x10 isolated, C 5000) has LP 45000/0.99 -> 45454.545454545455
 * (not reached at 45500) and goes bankrupt at 45000; at 44000 it closes
 * with PnL -6000: deficit 1000. No short is reached (short LP =
 * (S E + C) / (1.01 S): s1 59405.9, s2 49900.9, s3 91089.1, s4 92079.2,
 * s5 (4500 + 112.5) / 0.101 = 45668.3).
 *
 * BitMEX's rank (replay.c rank_of, pnl_times_leverage) at the mark 44000:
 * PnL% = pnl / (S E), effective leverage = S x mark / (C + pnl); the rank
 * is PnL% x leverage in profit, PnL% / leverage at a loss (each step
 * rounded half-even at 12 places):
 *        S    E      C      pnl    PnL%            lev               rank
 *   s1  0.5 50000  5000    3000  0.12             22000/8000 = 2.75      0.33
 *   s2  0.3 48000   720    1200  1200/14400       13200/1920 = 6.875     0.5729166666..
 *   s3  1   52000 40000    8000  0.153846153846   44000/48000 = 0.916..  0.1410256410..
 *   s4  0.2 43000 10000    -200 -0.023255813953   8800/9800 = 0.897..   -0.0258979..
 *   s5  0.1 45000   112.5   100  0.022222222222   4400/212.5 = 20.70..   0.4601307189..
 * Queue: s2, s5, s1, s3, s4; lw is long, on L's own side. ADL takes L's
 * size 1: s2 0.3, s5 0.1, s1 0.5, then 0.1 of s3's 1. The fund (100) pays
 * first, so ADL covers 900, pro rata to size: 270, 90, 450, and s3, the
 * last, 900 - 810 = 90: the parts sum to exactly 900.
 * At the bankruptcy price 45000 each forgoes size x (45000 - 44000):
 * 300, 100, 500, 100.
 */
#define ADL_LIQUIDATION                                                                     \
    "liquidation@1 account=L side=long size=1 liquidation_price=45454.545454545455 "        \
    "trigger=44000 fill=44000 unforced=6000 forced=0 fee=0 forfeited=0 deficit=1000"

static void check_adl(const char *policy, const char *fund, const char *const *want,
                      const char *if_cover, const char *adl_cover)
{
    replayed r;
    replay_files(&r, policy, RP("books/adl.csv"), RP("paths/gap.csv"), fund);
    expect_events(&r.ev, want);
    assert_int_equal(r.s.liquidations, 1);
    assert_int_equal(r.s.adl_events, 4);
    assert_int_equal(r.s.debtors, 0);
    expect_covered(&r.s, (const char *const[6]){if_cover, adl_cover, "0", "0", "0", "0"});
    check_ledger(&r);
    /* L ends at zero; s3 keeps 0.9 of its short and 0.9 of its margin
     * (cross: its balance, 40000 x 0.9); s4 and lw are untouched. */
    assert_dec(r.l.cash[0], "0", "L");
    assert_dec(r.l.size[3], "0.9", "s3 open");
    assert_dec(r.l.coll[3], "36000", "s3 margin");
    assert_dec(r.l.size[4], "0.2", "s4 open");
    assert_dec(r.l.size[6], "0.1", "lw open");
    replayed_free(&r);
}

static void test_adl_bitmex_ranking_at_bankruptcy_price(void **state)
{
    (void)state;
    static const char *const want[] = {
        ADL_LIQUIDATION,
        "adl@1 account=L counterparty=s2 size=0.3 price=45000 covered=270 forgone_profit=300",
        "adl@1 account=L counterparty=s5 size=0.1 price=45000 covered=90 forgone_profit=100",
        "adl@1 account=L counterparty=s1 size=0.5 price=45000 covered=450 forgone_profit=500",
        "adl@1 account=L counterparty=s3 size=0.1 price=45000 covered=90 forgone_profit=100",
        "shortfall@1 account=L deficit=1000 insurance_fund=100 adl=900 socialized=0 "
        "liquidity_pool=0 venue=0 trader_debt=0 fund_balance=0",
        NULL};
    check_adl(RP_POLICY("adl-lev-bp"), "100", want, "100", "900");
}

/* adl-lev-mark.yaml: the same queue, closed at the mark 44000: nobody
 * forgoes profit against the mark. The policy's own fund (0) pays nothing,
 * so ADL covers all 1000: 300, 100, 500, and s3 the last 100. */
static void test_adl_bitmex_ranking_at_mark(void **state)
{
    (void)state;
    static const char *const want[] = {
        ADL_LIQUIDATION,
        "adl@1 account=L counterparty=s2 size=0.3 price=44000 covered=300 forgone_profit=0",
        "adl@1 account=L counterparty=s5 size=0.1 price=44000 covered=100 forgone_profit=0",
        "adl@1 account=L counterparty=s1 size=0.5 price=44000 covered=500 forgone_profit=0",
        "adl@1 account=L counterparty=s3 size=0.1 price=44000 covered=100 forgone_profit=0",
        "shortfall@1 account=L deficit=1000 insurance_fund=0 adl=1000 socialized=0 "
        "liquidity_pool=0 venue=0 trader_debt=0 fund_balance=0",
        NULL};
    check_adl(RP_POLICY("adl-lev-mark"), NULL, want, "0", "1000");
}

/*
 * adl-mr-bp.yaml: Binance's rank (rank_of, pnl_times_margin_ratio) =
 * max(0, pnl) / max(1, C) x MM / (C + pnl), MM = 1% x S x mark:
 *   s1  3000/5000 = 0.6             x 220/8000  = 0.0275          0.0165
 *   s2  1200/720  = 1.666666666667  x 132/1920  = 0.06875         0.1145833333..
 *   s3  8000/40000 = 0.2            x 440/48000 = 0.009166666667  0.0018333333..
 *   s4  at a loss                                                  0
 *   s5  100/112.5 = 0.888888888889  x 44/212.5  = 0.207058823529  0.1840522875..
 * Queue: s5, s2, s1, s3, s4 — s5's 40x margin puts it first here and
 * second under BitMEX's ranking. Covers (fund 100, ADL 900): 90, 270,
 * 450, and s3 the last 90.
 */
static void test_adl_binance_ranking(void **state)
{
    (void)state;
    static const char *const want[] = {
        ADL_LIQUIDATION,
        "adl@1 account=L counterparty=s5 size=0.1 price=45000 covered=90 forgone_profit=100",
        "adl@1 account=L counterparty=s2 size=0.3 price=45000 covered=270 forgone_profit=300",
        "adl@1 account=L counterparty=s1 size=0.5 price=45000 covered=450 forgone_profit=500",
        "adl@1 account=L counterparty=s3 size=0.1 price=45000 covered=90 forgone_profit=100",
        "shortfall@1 account=L deficit=1000 insurance_fund=100 adl=900 socialized=0 "
        "liquidity_pool=0 venue=0 trader_debt=0 fund_balance=0",
        NULL};
    check_adl(RP_POLICY("adl-mr-bp"), "100", want, "100", "900");
}

/* ---- 3. socialized loss ----------------------------------------------------- */

/*
 * soc.yaml, books/soc.ndjson through paths/gap.csv, fund 100. L1 is L of
 * the ADL cases: deficit 1000 at 44000, the fund pays 100, 900 is
 * socialized at the end of the tick. Open accounts at 44000, in book order:
 *   w1  short 0.5 @50000   profit 3000
 *   w4  short 0.1 @43000   -100: at a loss, not charged
 *   w2  short 0.2 @47000   profit 600
 *   lw  long 0.2 @39000 and short 0.1 @38000, netted to long 0.1 @40000
 *       ((0.2 x 39000 - 0.1 x 38000) / 0.1): profit 400 — a winner on L1's
 *       own side pays too
 *   w3  short 0.1 @44500   profit 50
 * Total profit 4050; each pays 900 x profit / 4050 rounded down at 12
 * places, the last the remainder:
 *   w1  2700000/4050 = 666.666..  -> 666.666666666666
 *   w2   540000/4050 = 133.333..  -> 133.333333333333
 *   lw   360000/4050 =  88.888..  ->  88.888888888888
 *   w3  900 - 888.888888888887    =  11.111111111113
 */
static void test_socialized_pro_rata_to_profit(void **state)
{
    (void)state;
    replayed r;
    replay_files(&r, RP_POLICY("soc"), RP("books/soc.ndjson"), RP("paths/gap.csv"), "100");
    static const char *const want[] = {
        "liquidation@1 account=L1 side=long size=1 liquidation_price=45454.545454545455 "
        "trigger=44000 fill=44000 unforced=6000 forced=0 fee=0 forfeited=0 deficit=1000",
        "shortfall@1 account=L1 deficit=1000 insurance_fund=100 adl=0 socialized=900 "
        "liquidity_pool=0 venue=0 trader_debt=0 fund_balance=0",
        "socialized_charge@1 account=w1 amount=666.666666666666 profit=3000",
        "socialized_charge@1 account=w2 amount=133.333333333333 profit=600",
        "socialized_charge@1 account=lw amount=88.888888888888 profit=400",
        "socialized_charge@1 account=w3 amount=11.111111111113 profit=50",
        "socialized_loss@1 amount=900 winners=4 uncovered=0",
        NULL};
    expect_events(&r.ev, want);
    assert_int_equal(r.s.socialized_events, 1);
    assert_int_equal(r.s.debtors, 0);
    expect_covered(&r.s, (const char *const[6]){"100", "0", "900", "0", "0", "0"});
    check_ledger(&r);
    static const char *const cash[] = {"0", "4333.333333333334", "10000", "1746.666666666667",
                                       "9911.111111111112", "433.888888888887"};
    for (size_t i = 0; i < 6; i++)
        assert_dec(r.l.cash[i], cash[i], book_id(r.b, i));
    replayed_free(&r);
}

/*
 * books/thin.csv: L1 and w3 only, the policy's fund of 0. The 1000 to
 * socialize meets 50 of profit: w3 pays its whole 50 and 950 is left.
 * Under soc.yaml (no negative-balance protection) L1 owes it: cash 5000 -
 * 6000 + 50 = -950. Under soc-venue.yaml (protection, as Deribit) the
 * venue pays it, as it does when the shortfall stages run dry, and L1
 * ends at 0.
 */
static void check_thin(const char *policy, const char *const covered[6], const char *l1_cash,
                       size_t debtors)
{
    replayed r;
    replay_files(&r, policy, RP("books/thin.csv"), RP("paths/gap.csv"), NULL);
    static const char *const want[] = {
        "liquidation@1 account=L1 side=long size=1 liquidation_price=45454.545454545455 "
        "trigger=44000 fill=44000 unforced=6000 forced=0 fee=0 forfeited=0 deficit=1000",
        "shortfall@1 account=L1 deficit=1000 insurance_fund=0 adl=0 socialized=1000 "
        "liquidity_pool=0 venue=0 trader_debt=0 fund_balance=0",
        "socialized_charge@1 account=w3 amount=50 profit=50",
        "socialized_loss@1 amount=50 winners=1 uncovered=950",
        NULL, NULL};
    /* A debt left at the last mark gets the venue's action (soc.yaml's
     * debt.actions: [margin_call], undated); a venue that pays has none. */
    const char *lines[sizeof want / sizeof *want];
    memcpy(lines, want, sizeof want);
    if (debtors)
        lines[4] = "debt_action@1 account=L1 action=margin_call when=unknown amount=950";
    expect_events(&r.ev, lines);
    expect_covered(&r.s, covered);
    assert_int_equal(r.s.debtors, debtors);
    assert_dec(r.s.debt_total, debtors ? "950" : "0", "debt_total");
    check_ledger(&r);
    assert_dec(r.l.cash[0], l1_cash, "L1");
    assert_dec(r.l.cash[1], "395", "w3: 445 - 50");
    replayed_free(&r);
}

static void test_socialized_beyond_profit_is_debt(void **state)
{
    (void)state;
    check_thin(RP_POLICY("soc"), (const char *const[6]){"0", "0", "50", "0", "0", "950"}, "-950",
               1);
}

static void test_socialized_beyond_profit_under_protection_is_venue(void **state)
{
    (void)state;
    check_thin(RP_POLICY("soc-venue"), (const char *const[6]){"0", "0", "50", "0", "950", "0"},
               "0", 0);
}

/*
 * books/clawback.csv, soc.yaml, the policy's fund of 0: L1 is long 3
 * @50000 x10 (C 15000, bankrupt at 45000): at 44000 its deficit is 3000.
 * The only winner, w (short 1 @50000 x50, isolated, wallet 1000), has
 * 6000 of unrealized profit and pays all 3000: its cash falls to -2000,
 * but its equity at the last mark is -2000 + 6000 = 4000. It is not a
 * debtor, and nobody is: L1 ends at 15000 - 18000 + 3000 = 0.
 */
static void test_socialized_winner_is_not_a_debtor(void **state)
{
    (void)state;
    replayed r;
    replay_files(&r, RP_POLICY("soc"), RP("books/clawback.csv"), RP("paths/gap.csv"), NULL);
    static const char *const want[] = {
        "liquidation@1 account=L1 side=long size=3 liquidation_price=45454.545454545455 "
        "trigger=44000 fill=44000 unforced=18000 forced=0 fee=0 forfeited=0 deficit=3000",
        "shortfall@1 account=L1 deficit=3000 insurance_fund=0 adl=0 socialized=3000 "
        "liquidity_pool=0 venue=0 trader_debt=0 fund_balance=0",
        "socialized_charge@1 account=w amount=3000 profit=6000",
        "socialized_loss@1 amount=3000 winners=1 uncovered=0",
        NULL};
    expect_events(&r.ev, want);
    assert_int_equal(r.s.debtors, 0);
    assert_dec(r.s.debt_total, "0", "debt_total");
    check_ledger(&r);
    assert_dec(r.l.cash[0], "0", "L1");
    assert_dec(r.l.cash[1], "-2000", "w's cash");
    replayed_free(&r);
}

/* ---- partial slices across ticks --------------------------------------------- */

/*
 * partial.yaml: above 5000 of notional, 20% at a time; unlimited fund.
 * P (long 1 @50000 x10 isolated, C 5000, LP 45454.545454545455) through
 * paths/slices.csv (45500, 45400, 45300, 44000, 46000):
 *   t1 45400: slice 0.2, PnL 0.2 x -4600 = -920, margin 4080; the rest
 *      0.8 x -4600 = -3680 leaves 400 > 0: it stays open with LP
 *      (40000 - 4080) / (0.8 x 0.99) = 45353.5353.. -> 45353.535353535354.
 *   t2 45300: slice 0.16, PnL -752, margin 3328; rest 0.64 x -4700 = -3008
 *      leaves 320: open, LP (32000 - 3328) / 0.6336 -> 45252.525252525253.
 *   t3 44000: a slice 0.128 (PnL -768, margin 2560) would leave the rest
 *      at 2560 + 0.512 x -6000 = -512: the account is bankrupt, so all
 *      0.64 goes at 44000 (PnL -3840, deficit 3328 - 3840 = -512 -> 512),
 *      as the single-position walk does; the rebound at t4 cannot save it.
 * Loss 920 + 752 + 3840 = 5512.
 */
static void test_partial_slices_then_bankrupt_rest(void **state)
{
    (void)state;
    replayed r;
    replay_files(&r, RP_POLICY("partial"), RP("books/slices.csv"), RP("paths/slices.csv"), NULL);
    static const char *const want[] = {
        "partial_liquidation@1 account=P size=0.2 fill=45400 remaining=0.8 fee=0 unforced=920 "
        "forced=0 trigger=45400",
        "partial_liquidation@2 account=P size=0.16 fill=45300 remaining=0.64 fee=0 unforced=752 "
        "forced=0 trigger=45300",
        "liquidation@3 account=P side=long size=0.64 liquidation_price=45252.525252525253 "
        "trigger=44000 fill=44000 unforced=3840 forced=0 fee=0 forfeited=0 deficit=512",
        "shortfall@3 account=P deficit=512 insurance_fund=512 adl=0 socialized=0 "
        "liquidity_pool=0 venue=0 trader_debt=0 fund_balance=unlimited",
        NULL};
    expect_events(&r.ev, want);
    assert_int_equal(r.s.liquidations, 1);
    assert_int_equal(r.s.partials, 2);
    assert_dec(r.s.loss_total, "5512", "loss_total");
    assert_dec(r.s.deficit, "512", "deficit");
    assert_false(r.s.fund_finite);
    assert_dec(r.s.fund_end, "-512", "unlimited fund, net");
    check_ledger(&r);
    assert_dec(r.l.cash[0], "0", "P");
    replayed_free(&r);
}

/* Kraken spot margin calls at 80 % of used margin, twice the 40 % that
 * liquidates (trigger.margin_call_at: 2; kraken-spot-margin.lua's MM is
 * 40 % of used margin). books/margin-call.csv: a 5x long and a 5x short
 * of 1 BTC at 50,000 with 12,000 each: used margin 10,000, MM 4,000, the
 * call at equity 8,000. The long's equity 12,000 + (P - 50,000) is 8,000
 * at 46,000: at 46,000.000000000001 it is a hair above (no call), at
 * 46,000 exactly at the level (called: at or below), at 45,000 below
 * again (called once only), and at 41,000 below 4,000 (liquidated where
 * 12,000 + P - 50,000 = 4,000, at 42,000). The short would be called at
 * 54,000, which the path never reaches. Indexed and naive alike: the
 * same rule (wf_margin_call_due) decides every candidate. */
static void test_margin_calls_once_at_the_venues_level_indexed_and_naive(void **state)
{
    (void)state;
    static const char *const want[] = {
        "margin_call@2 account=a1 mark=46000 equity=8000 maintenance_margin=4000 call_level=8000",
        "liquidation@4 account=a1 side=long size=1 liquidation_price=42000 trigger=41000 "
        "fill=41000 unforced=9000 forced=0 fee=0 forfeited=0 deficit=0",
        NULL};
    for (int naive = 0; naive < 2; naive++) {
        replayed r;
        memset(&r, 0, sizeof r);
        r.p = load_policy_or_fail("policies/kraken-spot-margin.yaml");
        r.b = load_book_or_fail(RP("books/margin-call.csv"));
        r.pa = load_path_or_fail(RP("paths/margin-call.csv"));
        r.o = (liq_replay_opts){.naive = naive};
        replay(r.p, r.b, r.pa, r.o, &r.ev, &r.s);
        expect_events(&r.ev, want);
        assert_true(r.s.has_margin_calls);
        assert_int_equal(r.s.margin_calls, 1);
        char *json = liq_replay_summary_json("k", &r.s);
        assert_non_null(strstr(json, "\"margin_calls\":1"));
        free(json);
        check_ledger(&r);
        replayed_free(&r);
    }
    /* A venue without margin calls reports none, and no count. */
    replayed r;
    replay_files(&r, "policies/binance-usdm.yaml", RP("books/margin-call.csv"),
                 RP("paths/margin-call.csv"), NULL);
    assert_false(r.s.has_margin_calls);
    assert_null(strstr(r.ev.buf ? r.ev.buf : "", "margin_call"));
    char *json = liq_replay_summary_json("b", &r.s);
    assert_null(strstr(json, "margin_calls"));
    free(json);
    replayed_free(&r);
}

/* Bybit takes a liquidated position over at its bankruptcy price
 * (liquidation.fill: bankruptcy) and realises the market fill itself;
 * the trader is settled at the bankruptcy price. books/takeover.csv: 0.2
 * at 50,000 10x with 1,000, bankrupt at 50,000 - 1,000 / 0.2 = 45,000;
 * the mark gaps to 44,000, the order fills 1 % below at 43,560: loss
 * 0.2 x 6,440 = 1,288, deficit 288 (eval's close_price 45,000 and its
 * takeover event; the money is the same either way). The replay's event
 * says where the trader was settled and how; the summary names the
 * currency of its amounts (eval's settlement). */
static void test_a_takeover_settles_at_the_bankruptcy_price_in_the_event(void **state)
{
    (void)state;
    replayed r;
    memset(&r, 0, sizeof r);
    r.p = load_policy_or_fail("policies/bybit-usdt.yaml");
    r.b = load_book_or_fail(RP("books/takeover.csv"));
    r.pa = load_path_or_fail(RP("paths/takeover.csv"));
    r.o = (liq_replay_opts){.slippage = D("0.01")};
    replay(r.p, r.b, r.pa, r.o, &r.ev, &r.s);
    static const char *const want[] = {
        "liquidation@1 account=t1 side=long size=0.2 liquidation_price=45250 trigger=44000 "
        "fill=43560 unforced=1200 forced=88 fee=0 forfeited=0 deficit=288 close_price=45000 "
        "settled=takeover",
        "shortfall@1 account=t1 deficit=288 insurance_fund=288 adl=0 socialized=0 "
        "liquidity_pool=0 venue=0 trader_debt=0 fund_balance=unlimited",
        NULL};
    expect_events(&r.ev, want);
    assert_string_equal(r.s.settlement, "USDT");
    char *json = liq_replay_summary_json("bybit-usdt", &r.s);
    assert_non_null(strstr(json, "{\"policy\":\"bybit-usdt\",\"settlement\":\"USDT\","));
    free(json);
    check_ledger(&r);
    replayed_free(&r);
    /* An inverse contract settles in its coin: BitMEX's XBTUSD in XBT. */
    replay_files(&r, "policies/bitmex-xbtusd.yaml", RP("books/takeover.csv"),
                 RP("paths/takeover.csv"), NULL);
    assert_string_equal(r.s.settlement, "XBT");
    replayed_free(&r);
}

/* Binance's Multi-Assets Mode counts BTC at 95 % of its value
 * (binance-usdm.yaml, collateral.assets). books/btc-collateral.csv: b1, a
 * 10x long of 0.2 at 50,000 (MM 0.4 % of 10,000 = 40), holds 0.025 BTC;
 * u1, a short, holds USDT only. The mark stays at 50,000; BTC falls to
 * 10,000 (worth 250, counted 237.5: haircut 12.5, the margin 1,250 - 1,000
 * = 250) and to 1,000 (worth 25, counted 23.75: haircut 1.25, margin 25):
 * the margin the venue counts, 23.75, is below 40, so the collateral's
 * fall alone liquidates b1 at the unchanged mark, its liquidation price
 * solved on 23.75: (10,000 - 23.75) / (0.2 x 0.996) = 50,081.576305220884
 * (up). The fee 1.2 % x 10,000 is capped at the 25 left. u1, with no
 * assets, is never revalued. Indexed and naive alike; a venue that does
 * not count an asset (DOGE) refuses the account (not_offered), and a book
 * asset the path does not price is an input error at its row. */
static void test_collateral_assets_alone_liquidate_at_an_unchanged_mark(void **state)
{
    (void)state;
    static const char *const want[] = {
        "collateral_revalued@1 account=b1 change=-1000 margin=250 haircut=12.5",
        "collateral_revalued@2 account=b1 change=-225 margin=25 haircut=1.25",
        "liquidation@2 account=b1 side=long size=0.2 liquidation_price=50081.576305220884 "
        "trigger=50000 fill=50000 unforced=0 forced=0 fee=25 forfeited=0 deficit=0",
        NULL};
    for (int naive = 0; naive < 2; naive++) {
        replayed r;
        memset(&r, 0, sizeof r);
        r.p = load_policy_or_fail("policies/binance-usdm.yaml");
        r.b = load_book_or_fail(RP("books/btc-collateral.csv"));
        r.pa = load_path_or_fail(RP("paths/btc-collateral.csv"));
        r.o = (liq_replay_opts){.naive = naive};
        replay(r.p, r.b, r.pa, r.o, &r.ev, &r.s);
        expect_events(&r.ev, want);
        assert_true(r.s.has_collateral);
        assert_dec(r.s.collateral_revalued, "-1225", "collateral revalued");
        assert_int_equal(r.s.liquidations, 1);
        replayed_free(&r);
    }
    replayed r;
    replay_files(&r, "policies/binance-usdm.yaml", RP("books/doge-collateral.csv"),
                 RP("paths/doge-collateral.csv"), NULL);
    static const char *const refused[] = {
        "not_offered@0 account=d1 reason=Binance USDⓈ-M Futures does not count DOGE as collateral "
        "in this policy (collateral.assets lists its assets)",
        NULL};
    expect_events(&r.ev, refused);
    assert_int_equal(r.s.refused, 1);
    replayed_free(&r);
    static const struct {
        const char *path, *msg;
    } bad[] = {
        {RP("paths/gap.csv"),
         RP("books/btc-collateral.csv") ":4:1: account b1: holds BTC as collateral, and the path "
         "has no collateral.BTC column to price it (only USDT, the settlement currency of "
         "binance-usdm, goes without)"},
        {RP("paths/collateral.csv"),
         RP("books/btc-collateral.csv") ":4:1: account b1: holds collateral assets, priced by a "
         "path's collateral.ASSET columns, but " RP("paths/collateral.csv") " has a collateral "
         "column, which holds every account's collateral in one asset"},
    };
    liq_policy *p = load_policy_or_fail("policies/binance-usdm.yaml");
    liq_book *b = load_book_or_fail(RP("books/btc-collateral.csv"));
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        liq_path *pa = load_path_or_fail(bad[k].path);
        liq_diags d = LIQ_DIAGS_INIT;
        liq_replay_summary sum;
        assert_int_equal(liq_replay(p, b, pa, NULL, &sum, &d), LIQ_EINPUT);
        expect_first_error(&d, bad[k].msg);
        liq_diags_free(&d);
        liq_path_free(pa);
    }
    liq_book_free(b);
    liq_policy_free(p);
}

/* ---- 4. indexed = naive, on random books ---------------------------------------- */

/* Each random book goes through a random path under six shipped policies,
 * indexed and naive, with the per-tick conservation check on: the two
 * event streams must be byte for byte the same, the summaries equal, the
 * index must make fewer trigger checks, and the events must re-add into
 * the independent ledger above. */

/* xorshift64: a fixed seed, the same books on every machine. */
static uint64_t rnd(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static uint64_t below(uint64_t *s, uint64_t n)
{
    return rnd(s) % n;
}

/* v x 10^-places, exactly. */
static liq_dec scaled(int64_t v, int places)
{
    liq_i128 raw = v;
    for (int k = places; k < LIQ_DEC_SCALE; k++)
        raw *= 10;
    return (liq_dec){raw};
}

/* n accounts: either side, leverage 2-50, entry 47500-52500 (cents), size
 * 0.001-2 (one in five 2-6, above Hyperliquid's slicing notional),
 * isolated or cross, collateral 1x-3x the initial margin (cents, up). */
static liq_book *random_book(uint64_t *g, size_t n)
{
    liq_book *b = book_new(n);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "a%zu", i);
        int side = below(g, 2) ? 1 : -1;
        liq_dec lev = liq_dec_from_int(2 + (int64_t)below(g, 49));
        liq_dec entry = scaled(4750000 + (int64_t)below(g, 500001), 2);
        liq_dec size = below(g, 5) == 0 ? scaled(2000 + (int64_t)below(g, 4001), 3)
                                        : scaled(1 + (int64_t)below(g, 2000), 3);
        int mode = below(g, 2) ? MODE_CROSS : MODE_ISOLATED;
        liq_dec im = dec_div(dec_mul(size, entry), lev, LIQ_ROUND_CEIL), coll;
        liq_dec times = scaled(10 + (int64_t)below(g, 21), 1);
        assert_int_equal(liq_dec_quantize(dec_mul(im, times), D("0.01"), LIQ_ROUND_CEIL, &coll),
                         LIQ_OK);
        assert_true(book_add(b, id, coll, mode, side, size, entry, lev));
    }
    return b;
}

/* 50-200 ticks from 50000: a walk of +-0.3% a tick, a crash of 8-25% over
 * 1-3 ticks, a rebound of 10-30% over 2 ticks (shorts' turn), the walk
 * again. Half the paths carry a slippage column (0-0.5%). */
static liq_path *random_path(uint64_t *g)
{
    size_t n = 50 + below(g, 151);
    liq_path *p = path_new(n);
    assert_non_null(p);
    p->path = strdup("random path");
    assert_non_null(p->path);
    p->has_slippage = below(g, 2) == 0;
    size_t crash = n / 4 + below(g, n / 4), crash_len = 1 + below(g, 3);
    size_t rebound = crash + crash_len + 1 + below(g, 5);
    int64_t depth = 800 + (int64_t)below(g, 1701), up = 1000 + (int64_t)below(g, 2001);
    int64_t cents = 5000000;
    for (size_t t = 0; t < n; t++) {
        if (t >= crash && t < crash + crash_len)
            cents -= cents * depth / 10000 / (int64_t)crash_len;
        else if (t >= rebound && t < rebound + 2)
            cents += cents * up / 10000 / 2;
        else
            cents += cents * ((int64_t)below(g, 61) - 30) / 10000;
        p->mark[t] = scaled(cents, 2);
        p->slippage[t] = p->has_slippage ? scaled((int64_t)below(g, 51), 4) : LIQ_DEC_ZERO;
    }
    return p;
}

static void assert_summaries_equal(const liq_replay_summary *a, const liq_replay_summary *b)
{
    assert_int_equal(a->accounts, b->accounts);
    assert_int_equal(a->ticks, b->ticks);
    assert_int_equal(a->liquidations, b->liquidations);
    assert_int_equal(a->partials, b->partials);
    assert_int_equal(a->adl_events, b->adl_events);
    assert_int_equal(a->socialized_events, b->socialized_events);
    assert_int_equal(a->debtors, b->debtors);
    assert_int_equal(a->has_margin_calls, b->has_margin_calls);
    assert_int_equal(a->margin_calls, b->margin_calls);
    assert_dec_eq(a->loss_total, b->loss_total, "loss_total");
    assert_dec_eq(a->fees, b->fees, "fees");
    assert_dec_eq(a->deficit, b->deficit, "deficit");
    for (int k = 0; k < 6; k++)
        assert_dec_eq(a->covered[k], b->covered[k], stage_names[k]);
    assert_int_equal(a->fund_finite, b->fund_finite);
    assert_dec_eq(a->fund_start, b->fund_start, "fund_start");
    assert_dec_eq(a->fund_end, b->fund_end, "fund_end");
    assert_dec_eq(a->fund_min, b->fund_min, "fund_min");
    assert_dec_eq(a->debt_total, b->debt_total, "debt_total");
    for (int k = 0; k < 10; k++)
        assert_int_equal(a->buckets[k], b->buckets[k]);
}

static void assert_same_stream(const evlog *a, const evlog *b, const char *what)
{
    if (a->len == b->len && (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0))
        return;
    const char *x = a->buf ? a->buf : "", *y = b->buf ? b->buf : "";
    size_t line = 0;
    while (*x && *y) {
        size_t nx = strcspn(x, "\n"), ny = strcspn(y, "\n");
        if (nx != ny || memcmp(x, y, nx) != 0)
            break;
        x += nx + 1;
        y += ny + 1;
        line++;
    }
    fail_msg("%s: indexed and naive differ at event %zu:\n  indexed %.*s\n  naive   %.*s", what,
             line, (int)strcspn(x, "\n"), x, (int)strcspn(y, "\n"), y);
}

static void test_indexed_equals_naive_on_random_books(void **state)
{
    (void)state;
    /* Kraken (a hooked margin) and Coinbase (a table) make margin calls:
     * the index of margin call prices is checked against the naive test
     * of every open account at every tick. */
    static const char *const names[] = {"binance-usdm",       "bybit-usdt",  "bitmex-xbtusd",
                                        "deribit",            "hyperliquid", "kraken-spot-margin",
                                        "coinbase-us-derivatives"};
    enum { NPOL = sizeof names / sizeof *names, BOOKS = 30 };
    liq_policy *pol[NPOL];
    for (size_t k = 0; k < NPOL; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/policies/%s.yaml", LIQ_SOURCE_DIR, names[k]);
        pol[k] = load_policy_or_fail(path);
    }
    uint64_t g = 0x9E3779B97F4A7C15ull;
    liq_replay_summary all = {0};
    size_t ran_dry = 0;
    for (size_t bk = 0; bk < BOOKS; bk++) {
        liq_book *b = random_book(&g, 50 + below(&g, 251));
        liq_path *pa = random_path(&g);
        for (size_t k = 0; k < NPOL; k++) {
            /* Deribit's and Kraken's maintenance margin is a Lua hook, so
             * each liquidation price is a search: a third of the books
             * keeps the suite fast. */
            if (pol[k]->hook_path && bk % 3 != 0)
                continue;
            bool inverse = pol[k]->r.contract.type.v == CT_INVERSE;
            /* A small finite fund (in XBT for the inverse contract), zero a
             * third of the time, so that ADL and socialization run. */
            liq_replay_opts o = {.has_fund = true,
                                 .fund = below(&g, 3) == 0 ? LIQ_DEC_ZERO
                                         : inverse         ? scaled((int64_t)below(&g, 5), 2)
                                                           : scaled((int64_t)below(&g, 2000), 0),
                                 .slippage = D("0.001")};
            evlog idx = {0}, nv = {0};
            liq_replay_summary si, sn;
            replay(pol[k], b, pa, o, &idx, &si);
            o.naive = true;
            replay(pol[k], b, pa, o, &nv, &sn);
            char what[96];
            snprintf(what, sizeof what, "book %zu (%zu accounts, %zu ticks), %s", bk, b->n, pa->n,
                     names[k]);
            assert_same_stream(&idx, &nv, what);
            assert_summaries_equal(&si, &sn);
            if (si.trigger_checks >= sn.trigger_checks)
                fail_msg("%s: indexed made %zu trigger checks, naive %zu", what, si.trigger_checks,
                         sn.trigger_checks);
            o.naive = false;
            ledger l;
            ledger_init(&l, pol[k], b, pa, &o);
            ledger_check(&l, &idx, &si);
            ledger_free(&l);
            all.liquidations += si.liquidations;
            all.partials += si.partials;
            all.adl_events += si.adl_events;
            all.socialized_events += si.socialized_events;
            all.debtors += si.debtors;
            all.margin_calls += si.margin_calls;
            ran_dry += liq_dec_sign(si.fund_start) > 0 && liq_dec_sign(si.fund_min) <= 0;
            evlog_free(&idx);
            evlog_free(&nv);
        }
        liq_path_free(pa);
        liq_book_free(b);
    }
    /* The books exercise what they are meant to. */
    print_message("random books: %zu liquidations, %zu slices, %zu ADL fills, %zu socialization "
                  "rounds, %zu debtors, %zu funds run dry, %zu margin calls\n",
                  all.liquidations, all.partials, all.adl_events, all.socialized_events,
                  all.debtors, ran_dry, all.margin_calls);
    assert_true(all.margin_calls > 0);
    assert_true(all.liquidations > 0);
    assert_true(all.partials > 0);
    assert_true(all.adl_events > 0);
    assert_true(all.socialized_events > 0);
    assert_true(all.debtors > 0);
    assert_true(ran_dry > 0);
    for (size_t k = 0; k < NPOL; k++)
        liq_policy_free(pol[k]);
}

/* The index against the naive scan where it takes its other paths: a
 * tick that liquidates a thousand accounts at once (put in account order
 * by a radix sort, where a handful are insertion-sorted), and liquidation
 * prices past the 64 bits of the index's sorted run (a price above
 * 9,223,372.036854775807 at 12 places; BTC in JPY is about 15,000,000),
 * which the index keeps in its heap. Around 50,000 every key fits in the
 * run; around 9,223,372 the longs' keys mostly fit and the shorts' do
 * not. The path holds, gaps down 40 % in one tick (the longs), holds,
 * then gaps up to 2.2 times its start in one tick (the shorts). */
static void test_a_crash_tick_and_prices_past_64_bits_index_as_naive(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/policies/binance-usdm.yaml", LIQ_SOURCE_DIR);
    liq_policy *p = load_policy_or_fail(path);
    static const int64_t bases[] = {5000000, 922337203}; /* cents */
    uint64_t g = 0x2545F4914F6CDD1Dull;
    for (size_t k = 0; k < 2; k++) {
        int64_t base = bases[k];
        enum { N = 2000 };
        liq_book *b = book_new(N);
        assert_non_null(b);
        for (size_t i = 0; i < N; i++) {
            char id[32];
            snprintf(id, sizeof id, "w%zu", i);
            liq_dec lev = liq_dec_from_int(2 + (int64_t)below(&g, 19));
            liq_dec entry = scaled(base - base / 20 + (int64_t)below(&g, (uint64_t)base / 10 + 1), 2);
            liq_dec size = scaled(1 + (int64_t)below(&g, 20), 3);
            liq_dec im = dec_div(dec_mul(size, entry), lev, LIQ_ROUND_CEIL), coll;
            assert_int_equal(liq_dec_quantize(dec_mul(im, scaled(10 + (int64_t)below(&g, 11), 1)),
                                              D("0.01"), LIQ_ROUND_CEIL, &coll),
                             LIQ_OK);
            assert_true(book_add(b, id, coll, below(&g, 2) ? MODE_CROSS : MODE_ISOLATED,
                                 below(&g, 2) ? 1 : -1, size, entry, lev));
        }
        liq_path *pa = path_new(12);
        assert_non_null(pa);
        pa->path = strdup("gaps");
        assert_non_null(pa->path);
        for (size_t t = 0; t < 12; t++)
            pa->mark[t] = scaled(t < 4 ? base : t < 8 ? base * 6 / 10 : base * 22 / 10, 2);
        liq_replay_opts o = {.slippage = D("0.001")};
        evlog idx = {0}, nv = {0};
        liq_replay_summary si, sn;
        replay(p, b, pa, o, &idx, &si);
        o.naive = true;
        replay(p, b, pa, o, &nv, &sn);
        char what[64];
        snprintf(what, sizeof what, "entries around %lld cents", (long long)base);
        assert_same_stream(&idx, &nv, what);
        assert_summaries_equal(&si, &sn);
        /* Both gaps liquidated hundreds at once. */
        assert_true(si.buckets[3] > 500 && si.buckets[6] > 500);
        evlog_free(&idx);
        evlog_free(&nv);
        liq_path_free(pa);
        liq_book_free(b);
    }
    liq_policy_free(p);
}

/* ---- 5. book and path loading errors --------------------------------------------- */

typedef struct load_case {
    const char *file;    /* under tests/data/replay/ */
    bool path;           /* a path, else a book */
    liq_status code;
    int line, col;
    const char *msg;     /* exact; a prefix when it ends in ": " (jansson's text follows) */
} load_case;

static const load_case load_cases[] = {
    {"books/bad-decimal.csv", false, LIQ_EINPUT, 3, 4,
     "collateral: expected a decimal, got \"1O00\""},
    {"books/no-header.csv", false, LIQ_EINPUT, 1, 1,
     "expected the header \"id,collateral,mode,side,size,entry_price,leverage[,market][,"
     "collateral.ASSET...]\""},
    {"books/leverage-below-one.csv", false, LIQ_EINPUT, 2, 31,
     "leverage: expected a decimal >= 1, got \"0.5\""},
    {"books/size-zero.csv", false, LIQ_EINPUT, 2, 23, "size: expected a decimal > 0, got \"0\""},
    {"books/json-real.ndjson", false, LIQ_EINPUT, 2, 1,
     "collateral: a JSON real is not exact; write the decimal as a string"},
    {"books/json-real-size.ndjson", false, LIQ_EINPUT, 1, 1,
     "positions[].size: a JSON real is not exact; write the decimal as a string"},
    {"books/json-not-decimal.ndjson", false, LIQ_EINPUT, 1, 1, "collateral: not a decimal"},
    {"books/json-leverage.ndjson", false, LIQ_EINPUT, 1, 1,
     "positions[]: size and entry_price must be > 0, leverage >= 1"},
    {"books/json-syntax.ndjson", false, LIQ_EINPUT, 2, -1, "expected a JSON object per line: "},
    {"books/empty.csv", false, LIQ_EINPUT, 1, 1, "the book holds no account"},
    {"books/missing.csv", false, LIQ_EIO, 0, 0, "cannot open: No such file or directory"},
    /* A first row with a mistyped mark is an error, not a header. */
    {"paths/bad-mark.csv", true, LIQ_EINPUT, 1, 7,
     "not a mark path: the first row is neither a header naming the columns (time, mark[, "
     "oracle][, index][, last][, slippage][, depth][, funding][, collateral | "
     "collateral.ASSET...]) nor time,mark with a decimal mark"},
    {"paths/zero-mark.csv", true, LIQ_EINPUT, 3, 7, "mark: expected a price > 0, got \"0\""},
    {"paths/bad-slippage.csv", true, LIQ_EINPUT, 3, 13,
     "slippage: expected a decimal between 0 and 1, got \"1.5\""},
    {"paths/bad-depth.csv", true, LIQ_EINPUT, 3, 9,
     "depth: expected the quote notional that moves the price 1%, > 0, got \"0\""},
    {"paths/header-only.csv", true, LIQ_EINPUT, 1, 1, "the path holds no mark"},
    {"paths/missing.csv", true, LIQ_EIO, 0, 0, "cannot open: No such file or directory"},
};

/*
 * The policy's insurance_fund hook runs across the book as it does for one
 * position: lin-hook-if.yaml's fund pays half of what is left.
 *   A long 1 @50000 x10 isolated, C 5000; tier 2 (notional 50000): rate
 *     0.01, deduction 25: LP (50000 - 5000 - 25)/0.99 = 45429.29..; bankrupt
 *     45000. t1 44000, no slippage: PnL -6000, no fee, deficit 1000.
 *   The hook pays 1000 / 2 = 500; ADL covers the other 500 with S (short 2,
 *   the only counterparty), which closes 1 at A's bankruptcy price 45000.
 */
/*
 * Interest on the venue's loan in a replay, as an evaluation charges it
 * (wf_interest_charge): interactive-brokers-usd, IBKR's own USD example.
 * a1: long 700,000 EUR.USD at 1 with 100,000 (cash -600,000). Ticks a day
 * apart (--tick-hours 24), benchmark 5.32 %: at d1 one day's interest,
 * 100,000 x 6.82 % / 360 + 500,000 x 6.32 % / 360 = 106.72, to the
 * venue; again at d2 on 600,106.72 (100,000 x 6.82 % / 360 + 500,106.72 x
 * 6.32 % / 360 = 18.9444 + 87.7965 = 106.74), before the gap to 0.80
 * closes it: loss 140,000, cash 100,000 - 213.46 - 140,000 = -40,213.46,
 * whose debt_action interest is dated: 7.62 every 24 hours from the debt.
 * s1: a short borrows EUR, which the policy gives no rate for: refused
 * at the open (not_offered), its cash kept.
 */
static void test_interest_is_charged_to_every_open_account_per_period(void **state)
{
    (void)state;
    replayed r;
    memset(&r, 0, sizeof r);
    r.p = load_policy_or_fail("policies/interactive-brokers-usd.yaml");
    r.b = load_book_or_fail(RP("books/ibkr-usd.ndjson"));
    r.pa = load_path_or_fail(RP("paths/ibkr-usd.csv"));
    r.o = (liq_replay_opts){.has_tick_hours = true, .tick_hours = D("24"),
                            .has_benchmark = true, .benchmark = D("0.0532"), .check = true};
    replay(r.p, r.b, r.pa, r.o, &r.ev, &r.s);
    assert_true(r.s.has_interest);
    assert_dec_eq(r.s.interest_paid, D("213.46"), "two days' interest");
    assert_int_equal(r.s.refused, 1);
    assert_int_equal(r.s.liquidations, 1);
    assert_dec_eq(r.s.debt_total, D("40213.46"), "owed after the gap");
    assert_non_null(strstr(r.ev.buf, "\"type\":\"interest\",\"account\":\"a1\",\"periods\":\"1\","
                                     "\"on\":\"600000\",\"paid\":\"106.72\",\"to\":\"venue\""));
    assert_non_null(strstr(r.ev.buf, "\"on\":\"600106.72\",\"paid\":\"106.74\""));
    /* The debt accrues it too: 40,213.46 x 6.82 % / 360 = 7.618 a day. */
    assert_non_null(strstr(r.ev.buf, "\"action\":\"interest\",\"deadline_hours\":0,"
                                     "\"every_hours\":24,\"amount\":\"7.62\""));
    replayed_free(&r);
    /* Without the time step none accrues, and the summary's note says so. */
    replay_files(&r, "policies/interactive-brokers-usd.yaml", RP("books/ibkr-usd.ndjson"),
                 RP("paths/ibkr-usd.csv"), NULL);
    assert_false(r.s.has_interest);
    assert_non_null(strstr(r.s.price_note, "charges interest on its margin loan, but none "
                                           "accrued"));
    replayed_free(&r);
}

static void test_insurance_fund_hook_runs_in_replay(void **state)
{
    (void)state;
    replayed r;
    replay_files(&r, "tests/data/waterfall/policies/lin-hook-if.yaml",
                 "tests/data/replay/books/hook-if.csv", "tests/data/replay/paths/hook-if.csv",
                 NULL);
    assert_int_equal(r.s.liquidations, 1);
    assert_dec_eq(r.s.deficit, D("1000"), "deficit");
    assert_dec_eq(r.s.covered[0], D("500"), "the hook's half from the fund");
    assert_dec_eq(r.s.covered[1], D("500"), "ADL covers the rest");
    assert_int_equal(r.s.adl_events, 1);
    check_ledger(&r);
    replayed_free(&r);
}

/*
 * The clawback venue as shipped (policies/deribit.yaml: fund, then
 * socialized "among the winning traders of the day"), the fund set to 0:
 *   A long 1 @50000, cross, 5000; the hook's MM 1.005% x notional puts the
 *   LP near 45456.8, so t1 44000 liquidates (no slippage): PnL -6000, fee
 *   0.75% x 44000 = 330 to the fund (no cap), equity -1330. The fund pays
 *   the 330 it just received; 1000 is socialized.
 *   Winners at 44000: W1 short 1 @50000 (+6000), W2 short 0.5 (+3000), of
 *   9000: W1 floor(1000 x 6000/9000) = 666.666666666666, W2 the rest,
 *   333.333333333334 — pro rata to profit, summing to 1000 exactly.
 */
static void test_clawback_venue_charges_winners_pro_rata(void **state)
{
    (void)state;
    replayed r;
    replay_files(&r, "policies/deribit.yaml", "tests/data/replay/books/clawback-venue.csv",
                 "tests/data/replay/paths/hook-if.csv", "0");
    assert_int_equal(r.s.liquidations, 1);
    assert_dec_eq(r.s.deficit, D("1330"), "deficit");
    assert_dec_eq(r.s.covered[0], D("330"), "the fund pays the fee it received");
    assert_dec_eq(r.s.covered[2], D("1000"), "the winners pay the rest");
    assert_int_equal(r.s.socialized_events, 1);
    const char *ev = r.ev.buf ? r.ev.buf : "";
    assert_non_null(strstr(ev, "\"type\":\"socialized_charge\",\"account\":\"W1\","
                               "\"amount\":\"666.666666666666\",\"profit\":\"6000\""));
    assert_non_null(strstr(ev, "\"type\":\"socialized_charge\",\"account\":\"W2\","
                               "\"amount\":\"333.333333333334\",\"profit\":\"3000\""));
    check_ledger(&r);
    replayed_free(&r);
}

/*
 * Drift's socialized loss (policies/drift.yaml: the fund, then every open
 * position per base unit through the cumulative funding rate; Drift's
 * rounding: drift-labs/protocol-v2 math/liquidation.rs at 0fd8f61c,
 * calculate_funding_rate_deltas_to_resolve_bankruptcy, safe_div_ceil at the
 * 1e-6 quote precision; math/funding.rs, calculate_funding_payment_in_
 * quote_precision, truncating; read 2026-12-01). books/funding.csv through
 * paths/funding.csv (SOL 100, then 90), the fund set to 1 USDC:
 *   A long 10 @100 x20, cross, 54.4 (drift.examples.yaml's account): LP
 *   98.5; at 90 equity 54.4 - 100 = -45.6, the IF fee 0 (shortage 81.6 of
 *   a 900 value is past 4 % - 1 %). The fund pays 1; 44.6 is socialized.
 *   Open base after the close: L long 5, S1 short 12.5, S2 short 12.5 = 30
 *   SOL, longs and shorts alike (S1 and S2 are winners, L a loser: funding
 *   charges them all). Per SOL: 44.6 / 30 = 1.48666.. rounded up to
 *   1.486667. L pays 5 x 1.486667 = 7.433335; S1 and S2 12.5 x 1.486667 =
 *   18.5833375, truncated to 18.583337. Charged 44.600009: 0.000009 more
 *   than the loss, which stays with the venue (Drift's pnl pool).
 */
static void test_funding_venue_charges_every_open_position_per_base_unit(void **state)
{
    (void)state;
    replayed r;
    replay_files(&r, "policies/drift.yaml", "tests/data/replay/books/funding.csv",
                 "tests/data/replay/paths/funding.csv", "1");
    static const char *const want[] = {
        "liquidation@1 account=A side=long size=10 liquidation_price=98.5 trigger=90 fill=90 "
        "unforced=100 forced=0 fee=0 forfeited=0 deficit=45.6",
        "shortfall@1 account=A deficit=45.6 insurance_fund=1 adl=0 socialized=44.6 "
        "liquidity_pool=0 venue=0 trader_debt=0 fund_balance=0",
        "socialized_charge@1 account=L amount=7.433335 size=5",
        "socialized_charge@1 account=S1 amount=18.583337 size=12.5",
        "socialized_charge@1 account=S2 amount=18.583337 size=12.5",
        "socialized_loss@1 method=funding amount=44.6 per_base_unit=1.486667 open_base=30 "
        "accounts=3 charged=44.600009 rounding=0.000009 uncovered=0",
        NULL};
    expect_events(&r.ev, want);
    assert_dec_eq(r.s.covered[0], D("1"), "the fund");
    assert_dec_eq(r.s.covered[2], D("44.6"), "socialized by funding");
    check_ledger(&r);
    assert_dec(r.l.cash[0], "0", "A: 54.4 - 100 + 1 + 44.6");
    assert_dec(r.l.cash[1], "992.566665", "L: 1000 - 7.433335");
    assert_dec(r.l.venue, "0.000009", "the venue keeps the rounding");
    replayed_free(&r);
}

/*
 * Kraken Futures' Equity Protection Process in a book (policies/
 * kraken-futures.yaml, liquidation.limit: bankruptcy, unfilled: adl; the
 * examples file's kraken-futures-e2e-gap-to-assignment-and-unwind, now
 * beside a counterparty). books/epp-gap.csv through paths/hook-if.csv
 * (50,000, then 44,000): L long 1 at 50,000, 10x, 5,000 of margin, S the
 * short it trades with. The IOC's limit is L's bankruptcy price 45,000;
 * the market at 44,000 is beyond it, so the order fills nothing
 * (liquidation_unfilled, next: deleveraged) and the position is assigned:
 * realised at the mark, 6,000 against 5,000, L settled at the bankruptcy
 * price (the liquidation's close_price), the 1,000 beyond it to the adl
 * stage first, where S takes the position at 45,000 and gives up 1,000
 * of its profit. The fund pays nothing.
 */
static void test_a_refused_liquidation_order_is_deleveraged_and_says_so(void **state)
{
    (void)state;
    replayed r;
    replay_files(&r, "policies/kraken-futures.yaml", "tests/data/replay/books/epp-gap.csv",
                 "tests/data/replay/paths/hook-if.csv", NULL);
    static const char *const want[] = {
        "liquidation_unfilled@1 account=L limit_price=45000 trigger=44000 next=deleveraged",
        "liquidation@1 account=L side=long size=1 liquidation_price=45454.545454545455 "
        "trigger=44000 fill=44000 unforced=6000 forced=0 fee=0 forfeited=0 deficit=1000 "
        "close_price=45000 settled=deleveraged",
        "adl@1 account=L counterparty=S size=1 price=45000 covered=1000 forgone_profit=1000",
        "shortfall@1 account=L deficit=1000 insurance_fund=0 adl=1000 socialized=0 "
        "liquidity_pool=0 venue=0 trader_debt=0 fund_balance=unlimited",
        NULL};
    expect_events(&r.ev, want);
    assert_dec_eq(r.s.covered[1], D("1000"), "ADL: the assignment");
    check_ledger(&r);
    assert_dec(r.l.cash[0], "0", "L: 5,000 - 6,000 + 1,000");
    replayed_free(&r);
}

/*
 * Collateral with its own price in a book (issue 10, item 6): GMX's own
 * test (gmx-synthetics test/exchange/LiquidationOrder.ts at bf46b027; the
 * examples file's gmx-v2-weth-collateral-not-liquidatable-at-4200 and
 * -liquidated-at-4000). books/gmx-weth.csv through paths/gmx-weth.csv: L
 * long 40 ETH at 5,000, 4x, its 50,000 of margin held as 10 WETH, whose
 * price follows ETH. At 4,200 the WETH is worth 42,000 (-8,000) and the
 * position has lost 32,000: 10,000 left, above 0.5 % x 200,000 = 1,000,
 * so GMX reverts PositionShouldNotBeLiquidated and so does the replay. At
 * 4,000: 40,000 of WETH (-2,000) against a loss of 40,000, the
 * liquidation price solved again at 5,000 - 39,000 / 40 = 4,025: liquidated
 * at 4,000 (GMX: position count 1 -> 0), the 400 fee capped at the nothing
 * left. The collateral's fall, 10,000, is the summary's.
 */
static void test_collateral_in_its_own_asset_is_revalued_and_liquidates(void **state)
{
    (void)state;
    replayed r;
    replay_files(&r, "policies/gmx-v2.yaml", "tests/data/replay/books/gmx-weth.csv",
                 "tests/data/replay/paths/gmx-weth.csv", NULL);
    static const char *const want[] = {
        "collateral_revalued@1 account=L price=4200 change=-8000 margin=42000",
        "collateral_revalued@2 account=L price=4000 change=-2000 margin=40000",
        "liquidation@2 account=L side=long size=40 liquidation_price=4025 trigger=4000 "
        "fill=4000 unforced=40000 forced=0 fee=0 forfeited=0 deficit=0",
        NULL};
    expect_events(&r.ev, want);
    assert_int_equal(r.s.liquidations, 1);
    assert_true(r.s.has_collateral);
    assert_dec_eq(r.s.collateral_revalued, D("-10000"), "the WETH's fall while open");
    assert_dec_eq(r.s.deficit, D("0"), "nothing beyond the collateral");
    replayed_free(&r);
}

/*
 * A path's depth column (the quote notional that moves the price 1 %):
 * liquidations at one tick walk the same book, each at 1 % per depth of
 * the notional taken up to the middle of its own order.
 *   paths/depth.csv: 50000, then 44000 with depth 4,400,000. A and B, both
 *   long 1 @50000 x10 isolated (LP 45429.29..), liquidate at t1 in account
 *   order, each 44,000 of notional:
 *   A: (0 + 22,000) x 0.01 / 4,400,000 = 0.00005 -> fill 44000 x 0.99995 = 43997.8
 *   B: (44,000 + 22,000) x 0.01 / 4,400,000 = 0.00015 -> 44000 x 0.99985 = 43993.4
 */
static void test_depth_column_makes_later_liquidations_fill_worse(void **state)
{
    (void)state;
    replayed r;
    replay_files(&r, "tests/data/waterfall/policies/lin.yaml", "tests/data/replay/books/depth.csv",
                 "tests/data/replay/paths/depth.csv", NULL);
    assert_int_equal(r.s.liquidations, 2);
    const char *ev = r.ev.buf ? r.ev.buf : "";
    const char *a = strstr(ev, "\"account\":\"A\"");
    const char *b = strstr(ev, "\"account\":\"B\"");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b);
    assert_non_null(strstr(a, "\"fill\":\"43997.8\""));
    assert_non_null(strstr(b, "\"fill\":\"43993.4\""));
    check_ledger(&r);
    replayed_free(&r);
}

static void test_load_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof load_cases / sizeof *load_cases; i++) {
        const load_case *c = &load_cases[i];
        char file[512];
        snprintf(file, sizeof file, "%s/replay/%s", LIQ_TEST_DATA, c->file);
        liq_diags d = LIQ_DIAGS_INIT;
        bool loaded = c->path ? liq_path_load(file, &d) != NULL : liq_book_load(file, &d) != NULL;
        if (loaded)
            fail_msg("%s: loaded, expected \"%s\"", c->file, c->msg);
        if (d.n != 1)
            fail_msg("%s: %zu messages, expected 1", c->file, d.n);
        const liq_diag *g = &d.items[0];
        size_t ml = strlen(c->msg);
        bool prefix = ml >= 2 && !strcmp(c->msg + ml - 2, ": ");
        if (prefix ? strncmp(g->msg, c->msg, ml) != 0 : strcmp(g->msg, c->msg) != 0)
            fail_msg("%s: got \"%s\", expected \"%s\"%s", c->file, g->msg, c->msg,
                     prefix ? "..." : "");
        assert_string_equal(g->file, file);
        assert_int_equal(g->severity, LIQ_SEV_ERROR);
        assert_int_equal(g->code, c->code);
        if (g->line != c->line || (c->col >= 0 && g->col != c->col))
            fail_msg("%s: at %d:%d, expected %d:%d", c->file, g->line, g->col, c->line, c->col);
        liq_diags_free(&d);
    }
}

/* a2: short 0.1 @50000 x10 needs 0.1 x 50000 / 10 = 500 of margin; it has
 * 400. The book loads (collateral is the replay's business), the replay
 * refuses it, pointing at the book. */
static void test_collateral_below_initial_margin(void **state)
{
    (void)state;
    liq_policy *p = load_policy_or_fail(RP_POLICY("partial"));
    liq_book *b = load_book_or_fail(RP("books/below-im.csv"));
    liq_path *pa = load_path_or_fail(RP("paths/gap.csv"));
    liq_diags d = LIQ_DIAGS_INIT;
    liq_replay_summary s;
    liq_replay_opts o = {0};
    assert_int_equal(liq_replay(p, b, pa, &o, &s, &d), LIQ_EINPUT);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.items[0].file, RP("books/below-im.csv"));
    assert_int_equal(d.items[0].code, LIQ_EINPUT);
    assert_string_equal(d.items[0].msg, "account a2: account.collateral: 400 does not cover the initial margin 500");
    liq_diags_free(&d);
    liq_path_free(pa);
    liq_book_free(b);
    liq_policy_free(p);
}

/* ---- 6. the command line ----------------------------------------------------------- */

/* --events -: the library's event lines on stdout, each tagged with its
 * policy in front, policy after policy; the summary goes to stderr. */
static void test_cli_events_on_stdout(void **state)
{
    (void)state;
    static const char *const pols[] = {"adl-lev-bp", "adl-mr-bp"};
    cli_output r = CLI("replay", "--book", RP_DIR "books/adl.csv", "--path",
                       RP_DIR "paths/gap.csv", "--insurance-fund", "100", "--events", "-",
                       RP_DIR "policies/adl-lev-bp.yaml", RP_DIR "policies/adl-mr-bp.yaml");
    expect_exit_code(&r, 0);
    const char *out = r.out;
    for (size_t k = 0; k < 2; k++) {
        char pp[256];
        snprintf(pp, sizeof pp, "%s/%s.yaml", LIQ_TEST_DATA "/replay/policies", pols[k]);
        replayed lib;
        replay_files(&lib, pp, RP("books/adl.csv"), RP("paths/gap.csv"), "100");
        assert_int_equal(lib.ev.n, 6);
        for (const char *line = lib.ev.buf; *line;) {
            size_t ll = strcspn(line, "\n"), ol = strcspn(out, "\n");
            char want[1200];
            snprintf(want, sizeof want, "{\"policy\":\"%s\",%.*s", pols[k], (int)ll - 1, line + 1);
            if (ol != strlen(want) || strncmp(out, want, ol) != 0)
                fail_msg("stdout:\n  got      %.*s\n  expected %s", (int)ol, out, want);
            json_t *j = parse_line(out, ol);
            json_decref(j);
            line += ll + 1;
            out += ol + (out[ol] == '\n');
        }
        replayed_free(&lib);
    }
    assert_string_equal(out, "");
    /* The table summary, on stderr. */
    static const char head[] = "adl-lev-bp\n  accounts 7, ticks 2: 1 liquidated (0 partial "
                               "slices), 4 ADL fills, 0 socialization rounds, 0 accounts in debt\n";
    if (strncmp(r.err, head, sizeof head - 1) != 0)
        fail_msg("stderr:\n%s\nexpected it to begin with\n%s", r.err, head);
    cli_output_free(&r);
}

static void test_cli_bad_book_exits_3(void **state)
{
    (void)state;
    cli_output r = CLI("replay", "--book", RP_DIR "books/bad-decimal.csv", "--path",
                       RP_DIR "paths/gap.csv", "--events", "-", RP_DIR "policies/adl-lev-bp.yaml");
    expect_failure(&r, 3);
    assert_string_equal(r.err, RP_DIR "books/bad-decimal.csv:3:4: collateral: expected a "
                               "decimal, got \"1O00\"\n");
    cli_output_free(&r);
    r = CLI("replay", "--book", RP_DIR "books/json-real.ndjson", "--path", RP_DIR "paths/gap.csv",
            "--format", "json", RP_DIR "policies/adl-lev-bp.yaml");
    expect_failure(&r, 3);
    assert_string_equal(r.err, RP_DIR "books/json-real.ndjson:2:1: collateral: a JSON real is "
                               "not exact; write the decimal as a string\n");
    cli_output_free(&r);
}

/* A book that loads but cannot be replayed (collateral below the initial
 * margin) fails with the book's message and nothing on stdout. */
/* A path is one market's: a book whose rows are in two markets is refused
 * at the first row of the other one. */
static void test_cli_replay_refuses_a_book_in_two_markets(void **state)
{
    (void)state;
    cli_output r = CLI("replay", "--book", RP_DIR "books/two-markets.csv", "--path",
                       RP_DIR "paths/gap.csv", "binance-usdm");
    assert_int_equal(r.rc, 3);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, RP_DIR "books/two-markets.csv:3: account a2: market ETHUSDT is not "
                               "the market this replay walks (BTCUSDT); the path is one market's, "
                               "so a book replays one market at a time\n");
    cli_output_free(&r);
}

static void test_cli_replay_refused(void **state)
{
    (void)state;
    cli_output r = CLI("replay", "--book", RP_DIR "books/below-im.csv", "--path",
                       RP_DIR "paths/gap.csv", "--format", "json", RP_DIR "policies/partial.yaml");
    assert_int_not_equal(r.rc, 0);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, RP_DIR "books/below-im.csv: account a2: account.collateral: 400 does "
                               "not cover the initial margin 500\n");
    cli_output_free(&r);
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("summary has no string %s", key);
    return json_string_value(v);
}

static json_int_t jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("summary has no integer %s", key);
    return json_integer_value(v);
}

/* --format json: the conservation case's summary (see above), parsed.
 * Liquidations by tenth of 5 ticks: tick t lands in tenth t x 10 / 5. */
/* A path of mark, last and funding (tests/data/replay/paths/prices-funding.csv)
 * and one long of 1 BTC at 50,000, 20x, 2,500 of margin. At t1 funding of
 * 0.1 % at the mark 48,500 takes 48.5 off the margin (2,451.5); at t2 the
 * mark 47,600 triggers (Binance triggers on its mark) and the order fills at
 * the last trade, 47,000: PnL -3,000 against 2,451.5, a deficit of 548.5.
 * dYdX triggers on its oracle, which the path lacks: the mark stands in,
 * and every format says so. */
static void test_cli_price_columns_and_funding(void **state)
{
    (void)state;
    static const char path[] = RP_DIR "paths/prices-funding.csv";
    cli_output r = CLI("replay", "--book", RP_DIR "books/one-long.csv", "--path", path,
                       "--check", "--format", "json", "--events", "-", "binance-usdm");
    expect_exit_code(&r, 0);
    const char *ev = strstr(r.out, "\"type\":\"funding\"");
    assert_non_null(ev);
    assert_non_null(strstr(ev, "\"paid\":\"48.5\",\"margin\":\"2451.5\""));
    assert_non_null(strstr(r.out, "\"trigger\":\"47600\",\"fill\":\"47000\""));
    assert_non_null(strstr(r.out, "\"deficit\":\"548.5\""));
    /* The summary goes to stderr when events take stdout. */
    json_error_t err;
    json_t *j = json_loads(r.err, 0, &err);
    if (!j)
        fail_msg("summary is not JSON: %s\n%s", err.text, r.err);
    json_t *s = json_array_get(j, 0);
    json_t *pc = json_object_get(s, "price_columns");
    assert_string_equal(jstr(pc, "trigger"), "mark");
    assert_string_equal(jstr(pc, "fill"), "last");
    assert_string_equal(jstr(s, "funding_paid"), "48.5");
    assert_string_equal(jstr(s, "deficit"), "548.5");
    json_decref(j);

    static const char note[] = "the path has no oracle column, the price dYdX v4 (dYdX Chain) "
                               "triggers on: its mark column stands in for it; the liquidation "
                               "fills from its last column (traded prices)";
    cli_output c = CLI("replay", "--book", RP_DIR "books/one-long.csv", "--path", path,
                       "--format", "csv", "dydx-v4");
    expect_exit_code(&c, 0);
    assert_non_null(strstr(c.out, "insurance_fund.min,notes\n"));
    assert_non_null(strstr(c.out, note));
    cli_output t = CLI("replay", "--book", RP_DIR "books/one-long.csv", "--path", path,
                       "dydx-v4");
    expect_exit_code(&t, 0);
    assert_non_null(strstr(t.out, "  (!) "));
    assert_non_null(strstr(t.out, note));
    cli_output m = CLI("replay", "--book", RP_DIR "books/one-long.csv", "--path", path,
                       "--format", "md", "dydx-v4");
    expect_exit_code(&m, 0);
    assert_non_null(strstr(m.out, "- dydx-v4: the path has no oracle column"));
    cli_output_free(&r);
    cli_output_free(&c);
    cli_output_free(&t);
    cli_output_free(&m);
}

static void test_cli_json_summary(void **state)
{
    (void)state;
    cli_output r = CLI("replay", "--book", RP_DIR "books/cons.ndjson", "--path",
                       RP_DIR "paths/cons.csv", "--insurance-fund", "50", "--check", "--format",
                       "json", RP_DIR "policies/cons.yaml");
    expect_exit_code(&r, 0);
    assert_string_equal(r.err, "");
    json_error_t err;
    json_t *j = json_loads(r.out, 0, &err);
    if (!j)
        fail_msg("summary is not JSON: %s", err.text);
    assert_true(json_is_array(j));
    assert_int_equal(json_array_size(j), 1);
    json_t *s = json_array_get(j, 0);
    assert_string_equal(jstr(s, "policy"), "cons");
    assert_int_equal(jint(s, "accounts"), 6);
    assert_int_equal(jint(s, "ticks"), 5);
    assert_int_equal(jint(s, "liquidations"), 3);
    assert_int_equal(jint(s, "partial_liquidations"), 0);
    assert_int_equal(jint(s, "adl_events"), 1);
    assert_int_equal(jint(s, "socialized_events"), 2);
    assert_int_equal(jint(s, "debtors"), 1);
    assert_string_equal(jstr(s, "loss_total"), "19069");
    assert_string_equal(jstr(s, "fees"), "869");
    assert_string_equal(jstr(s, "deficit"), "2430");
    assert_string_equal(jstr(s, "debt_total"), "300");
    json_t *cov = json_object_get(s, "covered_by");
    static const char *const want_cov[6] = {"919", "284.4", "926.6", "0", "0", "300"};
    for (int k = 0; k < 6; k++)
        assert_string_equal(jstr(cov, stage_names[k]), want_cov[k]);
    json_t *fund = json_object_get(s, "insurance_fund");
    assert_string_equal(jstr(fund, "start"), "50");
    assert_string_equal(jstr(fund, "end"), "0");
    assert_string_equal(jstr(fund, "min"), "0");
    json_t *tenths = json_object_get(s, "liquidations_by_tenth");
    static const int want_t[10] = {0, 0, 1, 0, 1, 0, 1, 0, 0, 0};
    assert_int_equal(json_array_size(tenths), 10);
    for (size_t k = 0; k < 10; k++)
        assert_int_equal(json_integer_value(json_array_get(tenths, k)), want_t[k]);
    json_decref(j);
    cli_output_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conservation_hand_book),
        cmocka_unit_test(test_adl_bitmex_ranking_at_bankruptcy_price),
        cmocka_unit_test(test_adl_bitmex_ranking_at_mark),
        cmocka_unit_test(test_adl_binance_ranking),
        cmocka_unit_test(test_socialized_pro_rata_to_profit),
        cmocka_unit_test(test_socialized_beyond_profit_is_debt),
        cmocka_unit_test(test_socialized_beyond_profit_under_protection_is_venue),
        cmocka_unit_test(test_socialized_winner_is_not_a_debtor),
        cmocka_unit_test(test_partial_slices_then_bankrupt_rest),
        cmocka_unit_test(test_margin_calls_once_at_the_venues_level_indexed_and_naive),
        cmocka_unit_test(test_a_takeover_settles_at_the_bankruptcy_price_in_the_event),
        cmocka_unit_test(test_collateral_assets_alone_liquidate_at_an_unchanged_mark),
        cmocka_unit_test(test_indexed_equals_naive_on_random_books),
        cmocka_unit_test(test_a_crash_tick_and_prices_past_64_bits_index_as_naive),
        cmocka_unit_test(test_insurance_fund_hook_runs_in_replay),
        cmocka_unit_test(test_interest_is_charged_to_every_open_account_per_period),
        cmocka_unit_test(test_clawback_venue_charges_winners_pro_rata),
        cmocka_unit_test(test_funding_venue_charges_every_open_position_per_base_unit),
        cmocka_unit_test(test_a_refused_liquidation_order_is_deleveraged_and_says_so),
        cmocka_unit_test(test_collateral_in_its_own_asset_is_revalued_and_liquidates),
        cmocka_unit_test(test_depth_column_makes_later_liquidations_fill_worse),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_collateral_below_initial_margin),
        cmocka_unit_test(test_cli_events_on_stdout),
        cmocka_unit_test(test_cli_bad_book_exits_3),
        cmocka_unit_test(test_cli_replay_refused),
        cmocka_unit_test(test_cli_replay_refuses_a_book_in_two_markets),
        cmocka_unit_test(test_cli_json_summary),
        cmocka_unit_test(test_cli_price_columns_and_funding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
