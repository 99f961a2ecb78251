/*
 * scenario.c — loads a scenario file (CONTRACT.md) through the schema
 * walker, and its mark path from an inline list or a CSV file.
 *
 * Owns scenario-level checks (size or notional, a path that is not
 * empty, positive prices); what a policy allows (leverage, modes) is
 * checked where the two meet, in position.c.
 */
#include "calc.h"
#include "mem.h"
#include "scenario.h"
#include "fileio.h"
#include "markpath.h"
#include "yamltree.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FLD(T, k, ty, req, mem) .key = k, .type = ty, .required = req, .off = offsetof(T, mem)

static const char *const mode_names[] = {"isolated", "cross", NULL};
static const char *const contract_names[] = {"linear", "inverse", NULL};
static const char *const side_names[] = {"long", "short", NULL};

static const field casset_f[] = {
    {FLD(s_casset, "asset", F_STR, true, asset),
     .doc = "the asset's symbol (BTC, USDT); priced by market.collateral_paths, or 1 when it is "
            "the policy's settlement currency"},
    {FLD(s_casset, "amount", F_DEC, true, amount), .lo = "0.000000000001",
     .doc = "how much of it the account holds, in its own units"},
};
static const schema casset_s = {"account.collateral_assets[]", sizeof(s_casset), false, casset_f,
                                sizeof casset_f / sizeof *casset_f};

static const field account_f[] = {
    {FLD(s_account, "collateral", F_DEC, false, collateral), .lo = "0", .unit = "amount",
     .doc = "the account's collateral, in the settlement currency (required unless "
            "collateral_assets gives it)"},
    {FLD(s_account, "mode", F_ENUM, false, mode), .enum_vals = mode_names, .def = "isolated",
     .doc = "isolated or cross margin"},
    {FLD(s_account, "collateral_asset", F_STR, false, collateral_asset),
     .doc = "the asset the collateral is held in (WETH for a GMX long), when it is not the "
            "settlement currency: collateral is its value at the first tick, revalued along "
            "market.collateral_path (or a path_file's collateral column)"},
    {FLD(s_account, "collateral_assets", F_LIST_MAP, false, collateral_assets), .sub = &casset_s,
     .doc = "instead of collateral: several assets held as collateral of a cross account, each "
            "priced along market.collateral_paths and counted at the policy's ratio for it "
            "(collateral.assets); the collateral is their value at the first tick"},
};
static const schema account_s = {"account", sizeof(s_account), false, account_f,
                                 sizeof account_f / sizeof *account_f};

static const field stop_f[] = {
    {FLD(s_stop, "price", F_DEC, true, price), .lo = "0.000000000001", .unit = "price",
     .doc = "the stop: triggered at the first mark at or beyond it (a long's at or below)"},
    {FLD(s_stop, "limit", F_DEC, false, limit), .lo = "0.000000000001", .unit = "price",
     .doc = "a stop-limit: from the trigger on, fills only at a mark at or better than this, "
            "never worse than it"},
    {FLD(s_stop, "slippage", F_DEC, false, slippage), .lo = "0", .hi = "0.99", .unit = "rate",
     .doc = "the stop's fill this fraction beyond the mark (default: "
            "market.liquidation_fill.slippage)"},
};
static const schema stop_s = {"position.stop_loss", sizeof(s_stop), false, stop_f,
                              sizeof stop_f / sizeof *stop_f};

static const field position_f[] = {
    {FLD(s_position, "market", F_STR, false, market), .doc = "market symbol (label)"},
    {FLD(s_position, "contract", F_ENUM, false, contract), .enum_vals = contract_names,
     .def = "linear", .doc = "linear or inverse"},
    {FLD(s_position, "side", F_ENUM, true, side), .enum_vals = side_names, .doc = "long or short"},
    {FLD(s_position, "size", F_DEC, false, size), .lo = "0.000000000001",
     .doc = "base units (linear) or contracts (inverse)"},
    {FLD(s_position, "notional", F_DEC, false, notional), .lo = "0.000000000001",
     .doc = "quote units; size = notional / entry_price"},
    {FLD(s_position, "entry_price", F_DEC, true, entry_price), .lo = "0.000000000001",
     .unit = "price", .doc = "average entry price"},
    {FLD(s_position, "leverage", F_DEC, false, leverage), .lo = "1", .hi = "10000",
     .doc = "initial margin = notional / leverage unless margin is given"},
    {FLD(s_position, "margin", F_DEC, false, margin), .lo = "0", .unit = "amount",
     .doc = "explicit isolated margin"},
    {FLD(s_position, "extra_margin", F_DEC, false, extra_margin), .def = "0", .unit = "amount",
     .doc = "margin added (negative: taken) after entry"},
    {FLD(s_position, "contract_size", F_DEC, false, contract_size), .def = "1",
     .lo = "0.000000000001", .doc = "inverse: quote value of one contract"},
    {FLD(s_position, "existing", F_BOOL, false, existing), .def = "false",
     .doc = "a position already open (a state, as venues' own tests build it), not an order: "
            "the venue's order limits (maximum leverage) are not checked, and the row says so"},
    {FLD(s_position, "stop_loss", F_MAP, false, stop_loss), .sub = &stop_s,
     .doc = "a stop-loss order on the position (one position only; docs/whatif.md)"},
};
static const schema position_s = {"position", sizeof(s_position), false, position_f,
                                  sizeof position_f / sizeof *position_f};

static const field fill_f[] = {
    {FLD(s_fill, "slippage", F_DEC, false, slippage), .def = "0", .lo = "0", .hi = "1",
     .unit = "rate", .doc = "the liquidation fills this fraction beyond the trigger"},
};
static const schema fill_s = {"market.liquidation_fill", sizeof(s_fill), false, fill_f,
                              sizeof fill_f / sizeof *fill_f};

static const field market_f[] = {
    {FLD(s_market, "mark_path", F_LIST_DEC, false, mark_path), .lo = "0.000000000001",
     .unit = "price", .doc = "mark prices in time order"},
    {FLD(s_market, "oracle_path", F_LIST_DEC, false, oracle_path), .lo = "0.000000000001",
     .unit = "price", .doc = "beside mark_path, one per mark: the oracle's prices (a venue whose "
     "trigger.price is oracle triggers on them)"},
    {FLD(s_market, "index_path", F_LIST_DEC, false, index_path), .lo = "0.000000000001",
     .unit = "price", .doc = "beside mark_path, one per mark: the spot index"},
    {FLD(s_market, "last_path", F_LIST_DEC, false, last_path), .lo = "0.000000000001",
     .unit = "price", .doc = "beside mark_path, one per mark: the traded (last) price, which "
     "liquidation fills start from"},
    {FLD(s_market, "funding_path", F_LIST_DEC, false, funding_path), .lo = "-1", .hi = "1",
     .unit = "rate", .doc = "beside mark_path, one per mark: the funding rate paid at that tick "
     "on the position's value at the venue's price (longs pay when positive; 0 where none is "
     "due); it comes off the position's margin"},
    {FLD(s_market, "collateral_path", F_LIST_DEC, false, collateral_path),
     .lo = "0.000000000001", .unit = "price",
     .doc = "beside mark_path, one per mark: the price of account.collateral_asset in the "
            "settlement currency"},
    {FLD(s_market, "collateral_paths", F_DICT_LIST_DEC, false, collateral_paths),
     .lo = "0.000000000001", .unit = "price",
     .doc = "one price path per asset of account.collateral_assets (in the settlement "
            "currency, one price per tick)"},
    {FLD(s_market, "funding_paths", F_DICT_LIST_DEC, false, funding_paths), .lo = "-1",
     .hi = "1", .unit = "rate",
     .doc = "beside mark_paths, one per market symbol: its funding rate at each tick (as "
            "funding_path)"},
    {FLD(s_market, "mark_paths", F_DICT_LIST_DEC, false, mark_paths), .lo = "0.000000000001",
     .unit = "price", .doc = "one mark path per market symbol, for an account of several positions"},
    {FLD(s_market, "path_file", F_STR, false, path_file),
     .doc = "CSV of time,mark[,oracle][,index][,last][,funding], relative to the scenario"},
    {FLD(s_market, "liquidation_fill", F_MAP, false, liquidation_fill), .sub = &fill_s,
     .doc = "how the liquidation order fills"},
    {FLD(s_market, "insurance_fund", F_DEC_UNLIM, false, insurance_fund), .lo = "0",
     .unit = "amount", .doc = "insurance fund balance (overrides the policy)"},
    {FLD(s_market, "winners_profit", F_DEC, false, winners_profit), .lo = "0", .unit = "amount",
     .doc = "profit of the winning traders a socialized loss is charged to"},
    {FLD(s_market, "open_interest", F_DEC, false, open_interest), .lo = "0", .unit = "size",
     .doc = "the market's other open positions, longs plus shorts, in base units, that a "
            "socialized loss by funding is spread over"},
    {FLD(s_market, "tick_hours", F_DEC, false, tick_hours), .lo = "0.000000000001",
     .doc = "hours between consecutive ticks of the path: a policy's interest is charged per "
            "period this time crosses (absent: no interest accrues, and the row says so)"},
    {FLD(s_market, "interest_benchmark", F_DEC, false, interest_benchmark), .lo = "-1",
     .hi = "1", .unit = "rate",
     .doc = "the annual benchmark rate a tiered interest adds its spread to (IBKR's reference "
            "benchmark; a negative one counts as 0)"},
};
static const schema market_s = {"market", sizeof(s_market), false, market_f,
                                sizeof market_f / sizeof *market_f};

static const field root_f[] = {
    {FLD(s_root, "name", F_STR, true, name), .doc = "scenario name"},
    {FLD(s_root, "description", F_STR, false, description), .doc = "what it shows"},
    {FLD(s_root, "account", F_MAP, true, account), .sub = &account_s, .doc = "account"},
    {FLD(s_root, "position", F_MAP, false, position), .sub = &position_s, .doc = "position"},
    {FLD(s_root, "positions", F_LIST_MAP, false, positions), .sub = &position_s,
     .doc = "several positions in one account (instead of position)"},
    {FLD(s_root, "market", F_MAP, true, market), .sub = &market_s, .doc = "market path"},
    {FLD(s_root, "rates", F_DICT_DEC, false, rates), .lo = "0.000000000001", .unit = "price",
     .doc = "exchange rates for the reporting currency, as \"BASE/QUOTE\": price (CHF/USD: 1.12)"},
    {FLD(s_root, "ranges", F_LIST_STR, false, ranges),
     .doc = "the grid liqsim sweep (and diff --scenario) evaluates the scenario over: KEY=RANGE "
            "as --set takes it (position.leverage=5..50/5, shock=0.05,0.1); other verbs read "
            "the scenario as written"},
};
const schema liq_scenario_schema = {"scenario", sizeof(s_root), false, root_f,
                                    sizeof root_f / sizeof *root_f};

void liq_scenario_free(liq_scenario *s)
{
    if (!s)
        return;
    schema_free(&liq_scenario_schema, &s->r);
    free(s->legs);
    free(s->path_px);
    free(s->path_m);
    for (int c = 0; c < PCOL_COUNT; c++)
        free(s->path_col[c]);
    free(s->path_funding);
    free(s->path_coll);
    for (size_t i = 0; i < s->ncassets; i++)
        free(s->cassets[i].px);
    free(s->cassets);
    free(s->path);
    free(s);
}

/* account.collateral_assets: each asset once, priced by its own path in
 * market.collateral_paths (one price per tick) or, without one, counted
 * as the settlement currency (checked against the policy when
 * evaluated); the collateral is their value at the first tick. */
static bool load_cassets(liq_scenario *s, liq_diags *d)
{
    s_account *a = &s->r.account;
    const s_market *m = &s->r.market;
    const plist *ca = &a->collateral_assets, *cp = &m->collateral_paths;
    if (!ca->set) {
        if (cp->set) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, cp->m.line, cp->m.col,
                          "market.collateral_paths: prices collateral assets; list them in "
                          "account.collateral_assets");
            return false;
        }
        return true;
    }
    const char *why = a->collateral.set ? "give collateral or collateral_assets, not both"
                      : a->collateral_asset.set ? "give collateral_asset (one asset) or "
                                                  "collateral_assets, not both"
                      : ca->n == 0 ? "list at least one asset"
                      : ca->n > LIQ_MAX_COLLATERAL_ASSETS ? "more assets than the limit"
                      : a->mode.v != 1 /* cross */ ? "collateral assets back a cross account; "
                                                     "set account.mode: cross"
                      : NULL;
    if (why) {
        if (ca->n > LIQ_MAX_COLLATERAL_ASSETS)
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, ca->m.line, ca->m.col,
                          "account.collateral_assets: %zu assets, more than the limit of %d",
                          ca->n, LIQ_MAX_COLLATERAL_ASSETS);
        else
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, ca->m.line, ca->m.col,
                          "account.collateral_assets: %s", why);
        return false;
    }
    const s_casset *it = ca->items;
    const pdeclist *paths = cp->items;
    for (size_t j = 0; j < cp->n; j++) {
        size_t i = 0;
        while (i < ca->n && strcasecmp(it[i].asset.v, paths[j].id.v) != 0)
            i++;
        if (i == ca->n) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, paths[j].id.m.line,
                          paths[j].id.m.col, "market.collateral_paths.%s: is not an asset of "
                          "account.collateral_assets", paths[j].id.v);
            return false;
        }
        if (paths[j].list.n != s->npath) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, paths[j].id.m.line,
                          paths[j].id.m.col, "market.collateral_paths.%s: %zu prices, but the "
                          "mark path has %zu; one price per tick", paths[j].id.v,
                          paths[j].list.n, s->npath);
            return false;
        }
    }
    if (!(s->cassets = mem_calloc(ca->n, sizeof *s->cassets)))
        return false;
    s->ncassets = ca->n;
    calc c = {LIQ_OK, NULL};
    liq_dec total = LIQ_DEC_ZERO;
    for (size_t i = 0; i < ca->n; i++) {
        for (size_t k = 0; k < i; k++)
            if (strcasecmp(it[i].asset.v, it[k].asset.v) == 0) {
                liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, it[i].asset.m.line,
                              it[i].asset.m.col, "account.collateral_assets[%zu]: %s is listed "
                              "twice", i, it[i].asset.v);
                return false;
            }
        s_cpath *cpi = &s->cassets[i];
        cpi->asset = it[i].asset.v;
        cpi->amount = it[i].amount.v;
        cpi->m = it[i].asset.m;
        /* The price list holds pdec items: copied out once. */
        for (size_t j = 0; j < cp->n; j++) {
            if (strcasecmp(it[i].asset.v, paths[j].id.v) != 0)
                continue;
            liq_dec *px = mem_malloc(s->npath * sizeof *px);
            if (!px)
                return false;
            for (size_t t = 0; t < s->npath; t++)
                px[t] = ((const pdec *)paths[j].list.items)[t].v;
            cpi->px = px;
        }
        total = c_add(&c, total, cpi->px ? c_mul(&c, cpi->amount, cpi->px[0]) : cpi->amount);
    }
    if (c.st != LIQ_OK) {
        liq_diags_add(d, LIQ_SEV_ERROR, c.st, s->path, ca->m.line, ca->m.col,
                      "account.collateral_assets: their value at the first tick is out of range");
        return false;
    }
    a->collateral.v = total;
    a->collateral.set = true;
    a->collateral.m = ca->m;
    return true;
}

const char *liq_scenario_name(const liq_scenario *s)
{
    return s->r.name.v;
}

static bool path_push(liq_scenario *s, liq_dec px, liq_mark m)
{
    liq_dec *p = mem_realloc(s->path_px, (s->npath + 1) * sizeof *p);
    if (!p)
        return false;
    s->path_px = p;
    liq_mark *pm = mem_realloc(s->path_m, (s->npath + 1) * sizeof *pm);
    if (!pm)
        return false;
    s->path_m = pm;
    s->path_px[s->npath] = px;
    s->path_m[s->npath] = m;
    s->npath++;
    return true;
}

/* The path_file, read by the one mark-path reader replays use
 * (markpath.c), confined to the scenario's directory (fileio.c). csv
 * must live as long as the scenario: the marks of its rows point at it.
 * A scenario's fill is market.liquidation_fill: the per-tick slippage
 * and depth columns are read by replay only, so a path that has them is
 * refused here rather than read without them. */
static bool load_path_csv(liq_scenario *s, const char *csv, const liq_mark *from,
                          liq_diags *d)
{
    fio_ref ref = {"market.path_file", from->file, from->line, from->col};
    fio_buf buf;
    if (fio_read(csv, FIO_PATH, &ref, &buf, d) != LIQ_OK)
        return false;
    liq_path *p = markpath_parse(csv, buf.data, buf.len, d);
    free(buf.data);
    if (!p)
        return false;
    bool ok = true;
    if (p->has_slippage || p->has_depth) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, from->file, from->line, from->col,
                      "market.path_file: \"%s\" has a %s column, which only replay reads; a "
                      "scenario's fill is market.liquidation_fill",
                      csv, p->has_slippage ? "slippage" : "depth");
        ok = false;
    }
    if (ok && p->nassets) {
        /* A book's accounts hold collateral assets; a scenario's account
         * prices its own in market.collateral_paths. */
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, from->file, from->line, from->col,
                      "market.path_file: \"%s\" has a collateral.%s column, which only replay "
                      "reads; a scenario prices account.collateral_assets in "
                      "market.collateral_paths", csv, p->asset[0]);
        ok = false;
    }
    for (size_t i = 0; ok && i < p->n; i++)
        ok = path_push(s, p->mark[i], (liq_mark){csv, p->line[i], p->col[i]});
    for (int c = PCOL_MARK + 1; ok && c < PCOL_COUNT; c++) {
        const liq_dec *v = path_prices(p, c);
        if (!v)
            continue;
        ok = (s->path_col[c] = mem_malloc(p->n * sizeof *v)) != NULL;
        if (ok)
            memcpy(s->path_col[c], v, p->n * sizeof *v);
    }
    if (ok && p->has_funding && (ok = (s->path_funding = mem_malloc(p->n * sizeof(liq_dec))) != NULL))
        memcpy(s->path_funding, p->funding, p->n * sizeof(liq_dec));
    if (ok && p->has_collateral && (ok = (s->path_coll = mem_malloc(p->n * sizeof(liq_dec))) != NULL))
        memcpy(s->path_coll, p->collateral, p->n * sizeof(liq_dec));
    liq_path_free(p);
    return ok;
}

/* market.oracle_path, index_path, last_path: a price per mark of
 * mark_path, the same ticks. */
static bool load_inline_columns(liq_scenario *s, liq_diags *d)
{
    const s_market *m = &s->r.market;
    const plist *cols[PCOL_COUNT + 2] = {NULL, &m->oracle_path, &m->index_path, &m->last_path,
                                         &m->funding_path, &m->collateral_path};
    static const char *const names[PCOL_COUNT + 2] = {"mark", "oracle", "index", "last",
                                                      "funding", "collateral"};
    liq_dec **into[PCOL_COUNT + 2] = {NULL, &s->path_col[PCOL_ORACLE], &s->path_col[PCOL_INDEX],
                                      &s->path_col[PCOL_LAST], &s->path_funding, &s->path_coll};
    for (int c = PCOL_MARK + 1; c <= PCOL_COUNT + 1; c++) {
        const plist *l = cols[c];
        if (!l->set)
            continue;
        if (!m->mark_path.set || l->n != m->mark_path.n) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, l->m.line, l->m.col,
                          m->mark_path.set
                              ? "market.%s_path: %zu prices, but mark_path has %zu; each "
                                "column has one price per mark"
                              : "market.%s_path: goes beside mark_path (%zu prices, no "
                                "mark_path); a path_file gives its columns in the CSV",
                          names[c], l->n, m->mark_path.n);
            return false;
        }
        liq_dec *v = mem_malloc((l->n ? l->n : 1) * sizeof(liq_dec));
        if (!v)
            return false;
        *into[c] = v;
        const pdec *pts = l->items;
        for (size_t i = 0; i < l->n; i++)
            v[i] = pts[i].v;
    }
    return true;
}

static void dir_join(char *out, size_t cap, const char *base, const char *rel)
{
    if (rel[0] == '/' || !base) {
        snprintf(out, cap, "%s", rel);
        return;
    }
    const char *slash = strrchr(base, '/');
    if (!slash)
        snprintf(out, cap, "%s", rel);
    else
        snprintf(out, cap, "%.*s/%s", (int)(slash - base), base, rel);
}

/* market.mark_paths: each position takes the path of its market (by
 * symbol, ignoring case); every path has the same number of marks, one
 * per tick of the account's walk. */
static bool legs_from_paths(liq_scenario *s, const s_position *ps, size_t np, liq_diags *d)
{
    const plist *mp = &s->r.market.mark_paths;
    const pdeclist *paths = mp->items;
    size_t len = 0;
    for (size_t i = 0; i < mp->n; i++) {
        if (i > 0 && paths[i].list.n != len) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, paths[i].id.m.line,
                          paths[i].id.m.col,
                          "market.mark_paths.%s: %zu marks, but %s has %zu; every market's "
                          "path has one mark per tick", paths[i].id.v, paths[i].list.n,
                          paths[0].id.v, len);
            return false;
        }
        len = paths[i].list.n;
    }
    if (len == 0) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, mp->m.line, mp->m.col,
                      "market.mark_paths: the mark paths are empty");
        return false;
    }
    /* The flat arrays hold every path, one after another. */
    s->path_px = mem_calloc(len * mp->n, sizeof *s->path_px);
    s->path_m = mem_calloc(len * mp->n, sizeof *s->path_m);
    s->legs = mem_calloc(np, sizeof *s->legs);
    if (!s->path_px || !s->path_m || !s->legs)
        return false;
    for (size_t i = 0; i < mp->n; i++)
        for (size_t t = 0; t < len; t++) {
            const pdec *pt = &((const pdec *)paths[i].list.items)[t];
            s->path_px[i * len + t] = pt->v;
            s->path_m[i * len + t] = pt->m;
        }
    s->npath = len;
    s->nlegs = np;
    for (size_t k = 0; k < np; k++) {
        size_t i = 0;
        while (i < mp->n && (!ps[k].market.v || strcasecmp(paths[i].id.v, ps[k].market.v) != 0))
            i++;
        if (i == mp->n) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, ps[k].market.m.line,
                          ps[k].market.m.col,
                          "positions[%zu].market: %s has no path under market.mark_paths", k,
                          ps[k].market.v ? ps[k].market.v : "(none)");
            return false;
        }
        s->legs[k] = (s_leg){&ps[k], s->path_px + i * len, s->path_m + i * len,
                             {s->path_px + i * len}, NULL, NULL};
    }
    /* Funding per market, beside its mark path: flat, one after another. */
    const plist *fp = &s->r.market.funding_paths;
    const pdeclist *fund = fp->items;
    if (!fp->n)
        return true;
    if (!(s->path_funding = mem_calloc(len * fp->n, sizeof *s->path_funding)))
        return false;
    for (size_t j = 0; j < fp->n; j++) {
        size_t i = 0;
        while (i < mp->n && strcasecmp(paths[i].id.v, fund[j].id.v) != 0)
            i++;
        if (i == mp->n || fund[j].list.n != len) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, fund[j].id.m.line,
                          fund[j].id.m.col,
                          i == mp->n ? "market.funding_paths.%s: has no mark path under "
                                       "market.mark_paths"
                                     : "market.funding_paths.%s: %zu rates, but the mark paths "
                                       "have %zu; one rate per tick",
                          fund[j].id.v, fund[j].list.n, len);
            return false;
        }
        for (size_t t = 0; t < len; t++)
            s->path_funding[j * len + t] = ((const pdec *)fund[j].list.items)[t].v;
        for (size_t k = 0; k < np; k++)
            if (s->legs[k].px == s->path_px + i * len)
                s->legs[k].funding = s->path_funding + j * len;
    }
    return true;
}

/* Takes ownership of path (freed with the scenario, or here on failure).
 * The marks of the loaded values point at the file string their node
 * carries, so a loader that frees its document must hand that very
 * string in here. */
static liq_scenario *scenario_build(const ynode *n, char *path, const char *base_path,
                                    liq_diags *d)
{
    liq_scenario *s = mem_calloc(1, sizeof *s);
    if (!s) {
        free(path);
        return NULL;
    }
    s->path = path;
    bool ok = s->path && schema_load(&liq_scenario_schema, n, &s->r, s->path, "", d);
    const s_market *m = &s->r.market;
    bool one = ynode_get(n, "position") != NULL, many = s->r.positions.set;
    if (ok && one == many) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, n->line, n->col,
                      "give exactly one of 'position' or 'positions'");
        ok = false;
    }
    if (ok && many && s->r.positions.n == 0) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, s->r.positions.m.line,
                      s->r.positions.m.col, "positions: give at least one position");
        ok = false;
    }
    if (ok && s->r.positions.n > LIQ_MAX_POSITIONS) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, s->r.positions.m.line,
                      s->r.positions.m.col, "positions: %zu positions, more than the limit of %d",
                      s->r.positions.n, LIQ_MAX_POSITIONS);
        ok = false;
    }
    size_t np = many ? s->r.positions.n : 1;
    const s_position *ps = many ? s->r.positions.items : &s->r.position;
    const ynode *pnodes = many ? ynode_get(n, "positions") : NULL;
    for (size_t k = 0; ok && k < np; k++) {
        const s_position *p = &ps[k];
        const ynode *pn = many ? pnodes->items[k] : ynode_get(n, "position");
        char what[32];
        snprintf(what, sizeof what, many ? "positions[%zu]" : "position", k);
        if (p->size.set == p->notional.set) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, pn ? pn->line : 0,
                          pn ? pn->col : 0, "%s: give exactly one of 'size' or 'notional'", what);
            ok = false;
        } else if (!p->leverage.set && !p->margin.set) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, pn ? pn->line : 0,
                          pn ? pn->col : 0, "%s: give 'leverage' or 'margin'", what);
            ok = false;
        } else if (np > 1 && p->stop_loss.price.set) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, p->stop_loss.price.m.line,
                          p->stop_loss.price.m.col,
                          "%s.stop_loss: a stop-loss is evaluated on a scenario of one position; "
                          "an account of several positions takes none", what);
            ok = false;
        } else if (many && np > 1 && !p->market.set) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, pn ? pn->line : 0,
                          pn ? pn->col : 0,
                          "%s: name the 'market' (an account of several positions has one "
                          "mark path per market)", what);
            ok = false;
        }
    }
    if (ok && m->mark_path.set + m->path_file.set + m->mark_paths.set != 1) {
        const ynode *mn = ynode_get(n, "market");
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, mn ? mn->line : 0, mn ? mn->col : 0,
                      "market: give exactly one of 'mark_path', 'path_file' or 'mark_paths'");
        ok = false;
    }
    if (ok && m->funding_paths.set && !m->mark_paths.set) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, m->funding_paths.m.line,
                      m->funding_paths.m.col,
                      "market.funding_paths: goes beside mark_paths (one path per market); "
                      "beside mark_path give funding_path");
        ok = false;
    }
    if (ok)
        ok = load_inline_columns(s, d);
    if (ok && m->mark_paths.set)
        ok = legs_from_paths(s, ps, np, d);
    if (ok && m->mark_paths.set) {
        /* Paths per market: the legs point into them. */
    } else if (ok && m->mark_path.set) {
        const pdec *pts = m->mark_path.items;
        for (size_t i = 0; ok && i < m->mark_path.n; i++)
            ok = path_push(s, pts[i].v, pts[i].m);
    } else if (ok) {
        char csv[1024];
        dir_join(csv, sizeof csv, base_path ? base_path : s->path, m->path_file.v);
        /* The rows' marks point at the CSV, so the scenario keeps its
         * resolved path: path_file holds it from here on. */
        char *resolved = mem_strdup(csv);
        if (!resolved) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, s->path, 0, 0, "out of memory");
            ok = false;
        } else {
            free(s->r.market.path_file.v);
            s->r.market.path_file.v = resolved;
            ok = load_path_csv(s, resolved, &m->path_file.m, d);
        }
    }
    if (ok && s->npath == 0) {
        const ynode *mn = ynode_get(n, "market");
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, mn ? mn->line : 0,
                      mn ? mn->col : 0, "market: the mark path is empty");
        ok = false;
    }
    if (ok && !m->mark_paths.set) {
        /* One path: every position follows it. */
        s->legs = mem_calloc(np, sizeof *s->legs);
        ok = s->legs != NULL;
        for (size_t k = 0; ok && k < np; k++) {
            s->legs[k] = (s_leg){&ps[k], s->path_px, s->path_m, {s->path_px}, NULL, NULL};
            for (int c = PCOL_MARK + 1; c < PCOL_COUNT; c++)
                s->legs[k].col[c] = s->path_col[c];
            s->legs[k].funding = s->path_funding;
            s->legs[k].coll_px = s->path_coll;
        }
        s->nlegs = np;
    }
    if (ok)
        ok = load_cassets(s, d);
    if (ok && !s->r.account.collateral.set) {
        const ynode *an = ynode_get(n, "account");
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path, an ? an->line : 0, an ? an->col : 0,
                      "account: missing required key 'collateral' (or 'collateral_assets')");
        ok = false;
    }
    if (ok && (s->path_coll != NULL) != s->r.account.collateral_asset.set) {
        /* Both or neither: an asset without prices cannot be revalued, and
         * prices without the asset would be read as the settlement's. */
        const s_account *a = &s->r.account;
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, s->path,
                      a->collateral_asset.set ? a->collateral_asset.m.line : m->collateral_path.set
                      ? m->collateral_path.m.line : m->path_file.m.line,
                      a->collateral_asset.set ? a->collateral_asset.m.col : m->collateral_path.set
                      ? m->collateral_path.m.col : m->path_file.m.col,
                      a->collateral_asset.set
                          ? "account.collateral_asset: %s has no prices; give "
                            "market.collateral_path (or a path_file's collateral column)"
                          : "market: the path prices a collateral asset; name it in "
                            "account.collateral_asset%s",
                      a->collateral_asset.set ? a->collateral_asset.v : "");
        ok = false;
    }
    if (!ok) {
        liq_scenario_free(s);
        return NULL;
    }
    return s;
}

liq_scenario *scenario_from_node(const ynode *n, const char *file, const char *base_path,
                                 liq_diags *d)
{
    char *path = mem_strdup(file);
    return path ? scenario_build(n, path, base_path, d) : NULL;
}

/* A scenario from a parsed document, which it frees. Every node's mark
 * points at the document's path: the scenario keeps that very string,
 * so the marks outlive the document. */
static liq_scenario *from_doc(ydoc *doc, const char *path, liq_diags *d)
{
    if (!doc->root) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, 1, 1,
                      "the file is empty; a scenario gives name, account, position and market");
        ydoc_free(doc);
        return NULL;
    }
    char *own = ydoc_steal_path(doc);
    liq_scenario *s = own ? scenario_build(doc->root, own, path, d) : NULL;
    if (!own)
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, path, 0, 0, "out of memory");
    ydoc_free(doc);
    return s;
}

static liq_scenario *load_scenario_file(const char *path, liq_diags *d)
{
    ydoc *doc = ydoc_load_as(path, FIO_SCENARIO, d);
    return doc ? from_doc(doc, fio_display_name(path), d) : NULL;
}

static liq_scenario *parse_scenario(const char *name, const char *yaml, size_t len, liq_diags *d)
{
    ydoc *doc = ydoc_load_buffer(name, yaml, len, d);
    return doc ? from_doc(doc, name, d) : NULL;
}

/* Under mem.h's rule: a call that fails for want of memory says so first. */
liq_scenario *liq_scenario_load(const char *path, liq_diags *d)
{
    mem_watch w = mem_watch_start(d);
    liq_scenario *r = load_scenario_file(path, d);
    mem_watch_end(&w, d, r == NULL, path);
    return r;
}

/* Under mem.h's rule: a call that fails for want of memory says so first. */
liq_scenario *liq_scenario_parse(const char *name, const char *yaml, size_t len, liq_diags *d)
{
    mem_watch w = mem_watch_start(d);
    liq_scenario *r = parse_scenario(name, yaml, len, d);
    mem_watch_end(&w, d, r == NULL, name);
    return r;
}
