/*
 * test_policy_keys.c — no dead keys (issue 10, item 11): every key a
 * policy can set is read and changes a result.
 *
 * The test walks the loader's own table (engine/policy_schema.c, the one
 * `liqsim schema` prints) and finds each key's row below: a shipped
 * policy to start from, what both policies add so the key matters
 * (`both`), the key set to another valid value (`change`), and what must
 * differ — the JSON of `eval`, of `replay` (summary and events), or
 * lint's findings. The two policies are files in a fresh directory, the
 * base extending the shipped one and the changed one extending the base,
 * so `change` is the only difference between them. A key of a market's
 * overrides (`markets[].margin.max_leverage`) runs its venue-wide row
 * with `change` written inside the scenario's market instead: the market
 * must read its own value, not the venue's.
 *
 * A key with no row fails ("key X has no case showing it changes a
 * result"), so a new key needs a row (or a place in the metadata list,
 * with why) before it lands; a row whose key the table no longer has
 * fails too. Metadata — names, dates, sources, notes, `assumed:` — does
 * not change a number; where it appears in a result (the --explain
 * trace's sources, the result's venue line) its row asserts that it does.
 */
#include "support/support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "yamltree.h"

typedef enum {
    BY_EVAL,     /* liq_eval_json's answer (or its diagnostics) differs */
    BY_REPLAY,   /* liq_replay_json's summary and events differ */
    BY_LINT,     /* lint's findings differ */
    BY_REFUSED,  /* a declaration the loader holds against other keys: changed
                  * alone, the policy is refused with a message naming it */
    BY_SHOWN,    /* metadata: the changed value appears in the explained result */
    BY_NONE      /* metadata that no result shows (why says where it is used) */
} seen_by;

typedef struct key_row {
    const char *key;       /* the table's dotted key; [] for a list item, ID for a map's */
    seen_by by;
    const char *policy;    /* shipped policy both files extend */
    const char *scenario;  /* YAML text (NULL: the default scenario) */
    const char *both;      /* YAML both policies add, so that the key matters (or NULL) */
    const char *change;    /* YAML the changed policy adds: the key, another valid value */
    const char *book;      /* replay: NDJSON (NULL: the default book) */
    const char *path;      /* replay: CSV (NULL: the default path) */
    const char *ropts;     /* replay: liq_replay_json's options (NULL: events only) */
    const char *why;       /* what changes, or (metadata) why nothing can */
} key_row;

/* The guide's classic case (scenarios/default.yaml): a 10x long whose
 * mark gaps 15% down, filled 2% below the trigger. */
#define DEFAULT_SCENARIO                                                                    \
    "name: keys\n"                                                                          \
    "account: {collateral: \"1000\", mode: isolated}\n"                                     \
    "position: {market: BTCUSDT, contract: linear, side: long, size: \"0.2\",\n"            \
    "           entry_price: \"50000\", leverage: 10}\n"                                    \
    "market: {mark_path: [\"50000\", \"47500\", \"42500\"],\n"                              \
    "         liquidation_fill: {slippage: \"0.02\"}}\n"

/* A long that falls just through its liquidation price and fills there:
 * margin is left after the close. */
#define SHALLOW_SCENARIO                                                                    \
    "name: keys-shallow\n"                                                                  \
    "account: {collateral: \"1000\", mode: isolated}\n"                                     \
    "position: {market: BTCUSDT, contract: linear, side: long, size: \"0.2\",\n"            \
    "           entry_price: \"50000\", leverage: 10}\n"                                    \
    "market: {mark_path: [\"50000\", \"45150\"], liquidation_fill: {slippage: \"0\"}}\n"

/* Longs of several sizes and leverages and the shorts they trade with,
 * through a crash that leaves the biggest long bankrupt. */
#define DEFAULT_BOOK                                                                        \
    "{\"id\":\"l1\",\"collateral\":\"1000\",\"mode\":\"isolated\",\"positions\":"           \
    "[{\"side\":\"long\",\"size\":\"0.2\",\"entry_price\":\"50000\",\"leverage\":\"10\"}]}\n" \
    "{\"id\":\"l2\",\"collateral\":\"2500\",\"mode\":\"isolated\",\"positions\":"           \
    "[{\"side\":\"long\",\"size\":\"1\",\"entry_price\":\"50000\",\"leverage\":\"20\"}]}\n" \
    "{\"id\":\"s1\",\"collateral\":\"5000\",\"mode\":\"isolated\",\"positions\":"           \
    "[{\"side\":\"short\",\"size\":\"0.5\",\"entry_price\":\"50000\",\"leverage\":\"5\"}]}\n" \
    "{\"id\":\"s2\",\"collateral\":\"2000\",\"mode\":\"isolated\",\"positions\":"           \
    "[{\"side\":\"short\",\"size\":\"0.7\",\"entry_price\":\"49000\",\"leverage\":\"20\"}]}\n"
/* A long the gap below bankrupts, and two shorts that stay open to share
 * its loss (1.1 units: the per-unit share does not come out even). */
#define SOC_BOOK                                                                            \
    "{\"id\":\"l2\",\"collateral\":\"2500\",\"mode\":\"isolated\",\"positions\":"           \
    "[{\"side\":\"long\",\"size\":\"1\",\"entry_price\":\"50000\",\"leverage\":\"20\"}]}\n" \
    "{\"id\":\"s1\",\"collateral\":\"5000\",\"mode\":\"isolated\",\"positions\":"           \
    "[{\"side\":\"short\",\"size\":\"0.5\",\"entry_price\":\"50000\",\"leverage\":\"5\"}]}\n" \
    "{\"id\":\"s3\",\"collateral\":\"7000\",\"mode\":\"isolated\",\"positions\":"           \
    "[{\"side\":\"short\",\"size\":\"0.6\",\"entry_price\":\"50000\",\"leverage\":\"5\"}]}\n"
/* A gap that bankrupts l2 at once, at any venue's margin. */
#define GAP_PATH "time,mark\n1,50000\n2,46000\n3,46000\n"
#define DEFAULT_PATH "time,mark\n1,50000\n2,49000\n3,46000\n4,42000\n5,43000\n"

/* ---- the rows: one per key ------------------------------------------ */

#define SHORTAGE "tests/data/golden/drift-shortage/drift-shortage-buffer.yaml"
#define SHORTAGE_SCENARIO                                                                   \
    "name: keys-shortage\n"                                                                 \
    "account: {collateral: \"190\", mode: cross}\n"                                         \
    "position: {market: SOL-PERP, contract: linear, side: long, size: \"10\",\n"            \
    "           entry_price: \"110\", leverage: 10}\n"                                      \
    "market: {mark_path: [\"110\", \"100\"], liquidation_fill: {slippage: \"0.01\"}}\n"
/* dYdX's boundary (tests/test_one_engine.c): at 45,000 the equity 54
 * equals the maintenance margin exactly. */
#define DYDX_EDGE                                                                           \
    "name: keys-edge\n"                                                                     \
    "account: {collateral: \"554\", mode: cross}\n"                                         \
    "position: {market: BTC-USD, contract: linear, side: long, size: \"0.1\",\n"            \
    "           entry_price: \"50000\", leverage: 10}\n"                                    \
    "market: {mark_path: [\"50000\", \"45000\"]}\n"
/* A gap far through dYdX's liquidation price: the market fill is beyond
 * the fillable price. */
#define DYDX_GAP                                                                            \
    "name: keys-gap\n"                                                                      \
    "account: {collateral: \"554\", mode: cross}\n"                                         \
    "position: {market: BTC-USD, contract: linear, side: long, size: \"0.1\",\n"            \
    "           entry_price: \"50000\", leverage: 10}\n"                                    \
    "market: {mark_path: [\"50000\", \"44900\"], liquidation_fill: {slippage: \"0.03\"}}\n"
/* A big Hyperliquid position gapping through its liquidation price: its
 * equity 3,000 is below 2/3 of its maintenance margin 5,662.5. */
#define HL_DEEP                                                                              \
    "name: keys-deep\n"                                                                      \
    "account: {collateral: \"50000\", mode: isolated}\n"                                    \
    "position: {market: BTC, contract: linear, side: long, size: \"10\",\n"                 \
    "           entry_price: \"50000\", leverage: 10}\n"                                    \
    "market: {mark_path: [\"50000\", \"46000\", \"45300\"], liquidation_fill: {slippage: \"0\"}}\n"
/* The same position through a mild breach: liquidated in slices. */
#define HL_MILD                                                                             \
    "name: keys-mild\n"                                                                     \
    "account: {collateral: \"50000\", mode: isolated}\n"                                    \
    "position: {market: BTC, contract: linear, side: long, size: \"10\",\n"                 \
    "           entry_price: \"50000\", leverage: 10}\n"                                    \
    "market: {mark_path: [\"50000\", \"45400\"], liquidation_fill: {slippage: \"0\"}}\n"
/* Two positions in one cross account (dYdX). */
#define CROSS_TWO                                                                           \
    "name: keys-cross\n"                                                                    \
    "account: {collateral: \"1200\", mode: cross}\n"                                        \
    "positions:\n"                                                                          \
    "  - {market: BTC-USD, side: long, size: \"0.1\", entry_price: \"50000\", leverage: 10}\n" \
    "  - {market: ETH-USD, side: long, size: \"2\", entry_price: \"3000\", leverage: 10}\n" \
    "market:\n  mark_paths:\n    BTC-USD: [\"50000\", \"45000\", \"40000\"]\n"                \
    "    ETH-USD: [\"3000\", \"3000\", \"3000\"]\n"
/* A short notional large enough for OKX's tiers, falling two of them. */
#define DEBT_BOTH                                                                           \
    "negative_balance: {protection: false}\n"                                               \
    "shortfall: {order: [trader_debt]}\n"                                                   \
    "debt: {actions: [margin_call, collections], assumed: test}\n"
/* A 10x long held 12 hours, ticks 4 hours apart, that the market
 * leaves alone: what interest it pays is all that moves. */
#define HELD_SCENARIO(side)                                                                 \
    "name: keys-held\n"                                                                     \
    "account: {collateral: \"1000\", mode: isolated}\n"                                     \
    "position: {market: BTCUSDT, contract: linear, side: " side ", size: \"0.2\",\n"          \
    "           entry_price: \"50000\", leverage: 10}\n"                                     \
    "market: {mark_path: [\"50000\", \"50000\", \"50000\", \"50000\"], tick_hours: 4,\n"  \
    "         interest_benchmark: \"0.05\"}\n"
#define INTEREST_FLAT "interest: {period_hours: 4, rate: \"0.0001\", short_rate: \"0.0001\", " \
                      "assumed: test}\n"
#define INTEREST_TIERED                                                                     \
    "interest: {base: debit, period_hours: 4, day_count: 360, assumed: test,\n"             \
    "           tiers: [{up_to: 5000, spread: \"0.05\"}, {spread: \"0.01\"}]}\n"
/* 1 BTC as a cross account's only collateral, its price falling. */
#define IN_BTC_SCENARIO                                                                     \
    "name: keys-in-btc\n"                                                                   \
    "account:\n  mode: cross\n  collateral_assets: [{asset: BTC, amount: \"1\"}]\n"            \
    "position: {market: BTCUSDT, contract: linear, side: short, size: \"0.2\",\n"            \
    "           entry_price: \"50000\", leverage: 10}\n"                                     \
    "market: {mark_path: [\"50000\", \"48000\"], collateral_paths: {BTC: [\"50000\", \"48000\"]}}\n"
#define IN_BTC_TIERED                                                                       \
    "collateral: {assumed: test, assets: [{asset: BTC, tiers: [{up_to: \"0.5\", ratio: \"0.9\"},\n" \
    "             {ratio: \"0.5\"}]}]}\n"

/* The fee charged in full, beyond what the trader has left. */
#define UNCAPPED "liquidation: {fee: {cap: none}}\n"
#define HOOKED(fn) "hooks: {file: keys.lua, " fn ", assumed: test}\n"
/* The functions the hook rows name (written beside the policies). */
#define KEYS_LUA                                                                            \
    "function mm_five(ctx) return ctx.notional * dec(\"0.05\") end\n"                       \
    "function fee_one(ctx) return ctx.notional * dec(\"0.01\") end\n"                       \
    "function fund_half(ctx) return ctx.deficit / 2 end\n"                                  \
    "function adl_at_mark(ctx) return {covered = ctx.deficit, close_price = ctx.mark_price} end\n" \
    "function debt_call(ctx) return {{type = \"margin_call\", deadline_hours = 24}} end\n"    \
    "function busy(ctx)\n  local x = 0\n  for i = 1, 20000 do x = x + i end\n"                \
    "  return ctx.notional * dec(\"0.004\")\nend\n"                                         \
    "function hungry(ctx)\n  local t = {}\n  for i = 1, 20000 do t[i] = tostring(i) end\n"     \
    "  return ctx.notional * dec(\"0.004\")\nend\n"                                         \
    "function maintenance_margin(ctx) return ctx.entry_notional * dec(\"0.3\") end\n"          \
    "function debt_pursuit(ctx) return {} end\n"

static const key_row rows[] = {
    /* ---- metadata: what a file says about itself ---- */
    {"liqsim", BY_NONE, .why = "the format version: 1 is its only valid value"},
    {"extends", BY_NONE,
     .why = "the policy this one builds on: every row of this table loads its two policies "
            "through it (a different base is a different policy, not a parameter)"},
    {"name", BY_NONE,
     .why = "the policy's name: it names the result row (\"policy\"), which this test leaves "
            "out of its comparisons because the two files differ by path"},
    {"venue", BY_SHOWN, "binance-usdm", NULL, NULL, "venue: Keys Exchange\n",
     .why = "\"venue\":\"Keys Exchange\""},
    {"product", BY_SHOWN, "gmx-v2", NULL, NULL, "product: keys product\n",
     .why = "\"product\":\"keys product\""},
    {"version", BY_NONE,
     .why = "the file's revision date: `liqsim diff` and lint read it; no result shows it"},
    {"effective", BY_NONE,
     .why = "the date of the rules encoded: `liqsim diff` shows it; no result does"},
    {"description", BY_NONE, .why = "prose for readers; lint checks its wording"},
    {"sources.ID.url", BY_SHOWN, "binance-usdm", NULL, NULL,
     "sources: {bn-liq-protocols: {url: \"https://example.org/keys\"}}\n",
     .why = "https://example.org/keys"},
    {"sources.ID.date", BY_SHOWN, "binance-usdm", NULL, NULL,
     "sources: {bn-liq-protocols: {date: \"2001-02-03\"}}\n", .why = "2001-02-03"},
    {"sources.ID.title", BY_SHOWN, "binance-usdm", NULL,
     "sources: {keys-titled: {title: \"Keys title one\"}}\n"
     "liquidation: {fee: {source: keys-titled}}\n",
     "sources: {keys-titled: {title: \"Keys title two\"}}\n",
     .why = "Keys title two"},
    {"sources.ID.retrieved", BY_NONE,
     .why = "the day we read the source: for reviewers of the file; no result shows it"},
    {"sources.ID.note", BY_NONE,
     .why = "what the source supports, for reviewers of the file; no result shows it"},
    {"liquidation.fee.source", BY_SHOWN, "binance-usdm", NULL, NULL,
     "liquidation: {fee: {source: bn-liq-price-faq}}\n",
     .why = "\"source\":\"bn-liq-price-faq; assumed:"},
    {"liquidation.fee.assumed", BY_SHOWN, "binance-usdm", NULL, NULL,
     "liquidation: {fee: {assumed: \"keys assumption\"}}\n", .why = "keys assumption"},
    {"*.source", BY_NONE,
     .why = "a section's sources: the --explain trace names them at each step the section "
            "decides (shown by liquidation.fee.source's row)"},
    {"*.assumed", BY_NONE,
     .why = "a section's stated assumption: the --explain trace shows it at each step the "
            "section decides (shown by liquidation.fee.assumed's row)"},

    /* ---- contract ---- */
    {"contract.type", BY_EVAL, "binance-usdm", NULL, NULL, "contract: {type: inverse}\n",
     .why = "the linear scenario converted to an inverse contract at entry"},
    {"contract.settlement", BY_EVAL, "binance-usdm", NULL, NULL, "contract: {settlement: USDC}\n",
     .why = "the row's settlement currency"},
    {"contract.contract_size", BY_EVAL, "binance-coinm",
     "name: keys\n"
     "account: {collateral: \"0.5\", mode: isolated}\n"
     "position: {market: BTCUSD_PERP, contract: inverse, side: long, size: \"1000\",\n"
     "           entry_price: \"40000\", leverage: 5}\n"
     "market: {mark_path: [\"40000\", \"32000\"]}\n",
     NULL, "contract: {contract_size: \"10\"}\n", .why = "the notional of the contracts"},

    /* ---- margin ---- */
    {"margin.modes", BY_EVAL, "binance-usdm", NULL, NULL, "margin: {modes: [cross]}\n",
     .why = "an isolated account at a cross-only venue is margined cross"},
    {"margin.max_leverage", BY_EVAL, "binance-usdm", NULL, NULL, "margin: {max_leverage: 5}\n",
     .why = "10x above the venue's maximum: not_offered"},
    {"margin.cross_share", BY_EVAL, "dydx-v4", CROSS_TWO, NULL,
     "margin: {cross_share: others_at_mark}\n",
     .why = "each position's liquidation price in a cross account of two"},
    {"margin.maintenance.model", BY_LINT, "bitmex-xbtusd", NULL, NULL,
     "margin: {maintenance: {model: bracket}}\n",
     .why = "a bracket table's deductions must keep MM continuous (lint's recurrence check); "
            "a step table's need not"},
    {"margin.maintenance.base", BY_EVAL, "binance-usdm", NULL, NULL,
     "margin: {maintenance: {base: entry}}\n",
     .why = "MM on the entry notional: another liquidation price"},
    {"margin.maintenance.rebracket", BY_EVAL, "binance-usdm",
     "name: keys\n"
     "account: {collateral: \"2550\", mode: isolated}\n"
     "position: {market: BTCUSDT, contract: linear, side: long, size: \"1.02\",\n"
     "           entry_price: \"50000\", leverage: 20}\n"
     "market: {mark_path: [\"50000\", \"47000\"]}\n",
     NULL, "margin: {maintenance: {rebracket: false}}\n",
     .why = "the tier at the liquidation price (below 50,000 of notional) or at entry"},
    {"margin.maintenance.tiers[].up_to", BY_EVAL, "binance-usdm", NULL, NULL,
     "margin: {maintenance: {tiers: [{up_to: 5000, rate: \"0.004\"}, {rate: \"0.005\", "
     "deduction: \"5\"}]}}\n",
     .why = "the default's 10,000 notional falls in the second tier"},
    {"margin.maintenance.tiers[].rate", BY_EVAL, "binance-usdm", NULL, NULL,
     "margin: {maintenance: {tiers: [{rate: \"0.02\"}]}}\n", .why = "the maintenance margin"},
    {"margin.maintenance.tiers[].deduction", BY_EVAL, "binance-usdm", NULL, NULL,
     "margin: {maintenance: {tiers: [{rate: \"0.004\", deduction: \"10\"}]}}\n",
     .why = "the maintenance margin"},
    {"margin.maintenance.tiers[].max_leverage", BY_EVAL, "binance-usdm", NULL, NULL,
     "margin: {maintenance: {tiers: [{rate: \"0.004\", max_leverage: 5}]}}\n",
     .why = "10x above the tier's maximum: not_offered"},
    {"margin.maintenance.tiers[].initial_rate", BY_EVAL, "binance-usdm", NULL, NULL,
     "margin: {maintenance: {tiers: [{rate: \"0.004\", initial_rate: \"0.2\"}]}}\n",
     .why = "10x above 1 / 20%: not_offered"},
    {"margin.maintenance.close_fee_rate", BY_EVAL, "binance-usdm", NULL, NULL,
     "margin: {maintenance: {close_fee_rate: \"0.0006\"}}\n",
     .why = "the fee to close folded into MM: another liquidation price"},
    {"margin.maintenance.close_fee_at", BY_EVAL, "bybit-uta-isolated", NULL, NULL,
     "margin: {maintenance: {close_fee_at: maintenance_base}}\n",
     .why = "the fee to close valued at the mark, not reserved in the bankruptcy price"},

    /* ---- trigger ---- */
    {"trigger.price", BY_EVAL, "binance-usdm",
     "name: keys\n"
     "account: {collateral: \"1000\", mode: isolated}\n"
     "position: {market: BTCUSDT, contract: linear, side: long, size: \"0.2\",\n"
     "           entry_price: \"50000\", leverage: 10}\n"
     "market: {mark_path: [\"50000\", \"47500\", \"46000\"],\n"
     "         index_path: [\"50000\", \"47500\", \"44000\"]}\n",
     NULL, "trigger: {price: index}\n", .why = "the index falls through the liquidation price, the mark does not"},
    {"trigger.compare", BY_EVAL, "dydx-v4", DYDX_EDGE, NULL, "trigger: {compare: at_or_below}\n",
     .why = "equity equal to maintenance margin: held strictly, liquidated at_or_below"},
    {"trigger.margin_call_at", BY_EVAL, "binance-usdm", SHALLOW_SCENARIO, NULL,
     "trigger: {margin_call_at: \"1.5\"}\n", .why = "a margin_call event"},

    /* ---- liquidation ---- */
    {"liquidation.fill", BY_EVAL, "binance-usdm", NULL, NULL, "liquidation: {fill: bankruptcy}\n",
     .why = "taken over at the bankruptcy price, not filled in the market"},
    {"liquidation.fill_price", BY_EVAL, "binance-usdm",
     "name: keys\n"
     "account: {collateral: \"1000\", mode: isolated}\n"
     "position: {market: BTCUSDT, contract: linear, side: long, size: \"0.2\",\n"
     "           entry_price: \"50000\", leverage: 10}\n"
     "market: {mark_path: [\"50000\", \"45000\"],\n"
     "         last_path: [\"50000\", \"44000\"]}\n",
     NULL, "liquidation: {fill_price: trigger}\n",
     .why = "filled from the mark the venue triggered on, not from what traded"},
    {"liquidation.surplus", BY_EVAL, "binance-usdm", SHALLOW_SCENARIO,
     "liquidation: {fee: {rate: \"0\"}}\n",
     "liquidation: {surplus: insurance_fund}\n", .why = "the margin left goes to the fund"},
    {"liquidation.partial.mode", BY_EVAL, "okx-swap",
     "name: keys\n"
     "account: {collateral: \"400000\", mode: isolated}\n"
     "position: {market: BTC-USDT-SWAP, contract: linear, side: long, size: \"80\",\n"
     "           entry_price: \"50000\", leverage: 10}\n"
     "market: {mark_path: [\"50000\", \"45500\"], liquidation_fill: {slippage: \"0\"}}\n",
     "margin: {maintenance: {tiers: [{up_to: 500000, rate: \"0.004\"}, {up_to: 1000000, rate: "
     "\"0.006\"}, {up_to: 2000000, rate: \"0.008\"}, {up_to: 3000000, rate: \"0.01\"}, {rate: "
     "\"0.02\"}]}}\n"
     "liquidation: {partial: {fraction: \"0.5\"}}\n",
     "liquidation: {partial: {mode: fraction}}\n",
     .why = "half the position per step instead of two tiers down"},
    {"liquidation.partial.tiers_down", BY_EVAL, "okx-swap",
     "name: keys\n"
     "account: {collateral: \"400000\", mode: isolated}\n"
     "position: {market: BTC-USDT-SWAP, contract: linear, side: long, size: \"80\",\n"
     "           entry_price: \"50000\", leverage: 10}\n"
     "market: {mark_path: [\"50000\", \"45500\"], liquidation_fill: {slippage: \"0\"}}\n",
     "margin: {maintenance: {tiers: [{up_to: 500000, rate: \"0.004\"}, {up_to: 1000000, rate: "
     "\"0.006\"}, {up_to: 2000000, rate: \"0.008\"}, {up_to: 3000000, rate: \"0.01\"}, {rate: "
     "\"0.02\"}]}}\n",
     "liquidation: {partial: {tiers_down: 1}}\n", .why = "one tier down per step, not two"},
    {"liquidation.partial.fraction", BY_EVAL, "hyperliquid", HL_MILD, NULL,
     "liquidation: {partial: {fraction: \"0.5\"}}\n", .why = "the slice closed"},
    {"liquidation.partial.above_notional", BY_EVAL, "hyperliquid", HL_MILD, NULL,
     "liquidation: {partial: {above_notional: \"1000000\"}}\n",
     .why = "a 450,000 position closed whole, not in slices"},
    {"liquidation.partial.buffer", BY_EVAL, SHORTAGE, SHORTAGE_SCENARIO, NULL,
     "liquidation: {partial: {buffer: \"0.05\"}}\n", .why = "the slice that restores the buffer"},
    {"liquidation.partial.size_step", BY_EVAL, SHORTAGE, SHORTAGE_SCENARIO, NULL,
     "liquidation: {partial: {size_step: \"2\"}}\n", .why = "the slice rounded up to the step"},
    {"liquidation.backstop.below_mm", BY_EVAL, "hyperliquid", HL_DEEP, NULL,
     "liquidation: {backstop: {below_mm: \"0\"}}\n",
     .why = "no backstop line: to the book, not the vault"},
    {"liquidation.backstop.to", BY_EVAL, "hyperliquid", HL_DEEP, NULL,
     "liquidation: {backstop: {to: venue}}\n", .why = "who takes the position and its margin"},
    {"liquidation.fee.rate", BY_EVAL, "binance-usdm", SHALLOW_SCENARIO, NULL,
     "liquidation: {fee: {rate: \"0.001\"}}\n", .why = "the fee"},
    {"liquidation.fee.base", BY_EVAL, "binance-usdm", SHALLOW_SCENARIO, UNCAPPED,
     "liquidation: {fee: {base: entry_notional}}\n", .why = "the fee on the entry notional"},
    {"liquidation.fee.cap", BY_EVAL, "binance-usdm", NULL, NULL, "liquidation: {fee: {cap: none}}\n",
     .why = "the fee beyond what the trader has left"},
    {"liquidation.fee.receiver", BY_EVAL, "binance-usdm", SHALLOW_SCENARIO, NULL,
     "liquidation: {fee: {receiver: venue}}\n", .why = "who is paid the fee"},
    {"liquidation.limit.price", BY_EVAL, "dydx-v4", DYDX_GAP, NULL,
     "liquidation: {limit: {price: bankruptcy}}\n", .why = "the order's limit"},
    {"liquidation.limit.bankruptcy_adjustment", BY_EVAL, "dydx-v4", DYDX_GAP, NULL,
     "liquidation: {limit: {bankruptcy_adjustment: \"0.1\"}}\n", .why = "the fillable price"},
    {"liquidation.limit.spread_to_maintenance", BY_EVAL, "dydx-v4", DYDX_GAP, NULL,
     "liquidation: {limit: {spread_to_maintenance: \"3\"}}\n", .why = "the fillable price"},
    {"liquidation.limit.unfilled", BY_EVAL, "dydx-v4", DYDX_GAP, NULL,
     "liquidation: {limit: {unfilled: adl}}\n", .why = "deleveraged at once, not retried"},

    /* ---- the shortfall ---- */
    {"insurance_fund.balance", BY_EVAL, "binance-usdm", NULL, NULL,
     "insurance_fund: {balance: \"10\"}\n", .why = "the fund covers 10, ADL the rest"},
    {"adl.ranking", BY_REPLAY, "binance-usdm", NULL, "insurance_fund: {balance: \"0\"}\n",
     "adl: {ranking: none}\n", .why = "which short is deleveraged first: s2 ranks first, s1 is first in the book"},
    {"adl.close_price", BY_EVAL, "binance-usdm", NULL, "insurance_fund: {balance: \"0\"}\n",
     "adl: {close_price: mark}\n", .why = "the price counterparties are closed at"},
    {"socialized_loss.method", BY_REPLAY, "drift", NULL, "insurance_fund: {balance: \"0\"}\n",
     "socialized_loss: {method: clawback}\n", .book = SOC_BOOK, .path = GAP_PATH,
     .why = "winners pro rata to profit instead of every open unit alike"},
    {"socialized_loss.unit_step", BY_REPLAY, "drift", NULL, "insurance_fund: {balance: \"0\"}\n",
     "socialized_loss: {unit_step: \"1\"}\n", .book = SOC_BOOK, .path = GAP_PATH, .why = "the loss per unit rounded up to 1"},
    {"socialized_loss.charge_step", BY_REPLAY, "drift", NULL, "insurance_fund: {balance: \"0\"}\n",
     "socialized_loss: {charge_step: \"1\"}\n", .book = SOC_BOOK, .path = GAP_PATH, .why = "each charge rounded down to 1"},
    {"shortfall.order", BY_EVAL, "binance-usdm", NULL, NULL,
     "shortfall: {order: [adl, insurance_fund]}\n", .why = "ADL covers the deficit before the fund"},
    {"negative_balance.protection", BY_REFUSED, "binance-usdm", NULL, NULL,
     "negative_balance: {protection: false}\n",
     .why = "a declaration the loader holds against shortfall.order (false needs trader_debt): "
            "changed alone, the policy is refused"},
    {"debt.actions", BY_EVAL, "binance-usdm", NULL, DEBT_BOTH,
     "debt: {actions: [collections, account_ban]}\n", .why = "the actions on the debt"},
    {"debt.deadline_hours", BY_EVAL, "binance-usdm", NULL, DEBT_BOTH,
     "debt: {deadline_hours: 48}\n", .why = "the margin call's deadline"},

    /* ---- interest on the venue's loan ---- */
    {"interest.base", BY_EVAL, "binance-usdm", HELD_SCENARIO("long"), INTEREST_FLAT,
     "interest: {base: debit}\n", .why = "charged on the 9,000 debit, not the 10,000 lent"},
    {"interest.period_hours", BY_EVAL, "binance-usdm", HELD_SCENARIO("long"), INTEREST_FLAT,
     "interest: {period_hours: 8}\n", .why = "one charge in 12 hours, not three"},
    {"interest.opening", BY_EVAL, "binance-usdm", HELD_SCENARIO("long"), INTEREST_FLAT,
     "interest: {opening: true}\n", .why = "a charge when the position opens"},
    {"interest.rate", BY_EVAL, "binance-usdm", HELD_SCENARIO("long"), INTEREST_FLAT,
     "interest: {rate: \"0.0003\"}\n", .why = "a long's charge per period"},
    {"interest.short_rate", BY_EVAL, "binance-usdm", HELD_SCENARIO("short"), INTEREST_FLAT,
     "interest: {short_rate: \"0.0003\"}\n", .why = "a short's charge per period"},
    {"interest.tiers[].up_to", BY_EVAL, "binance-usdm", HELD_SCENARIO("long"), INTEREST_TIERED,
     "interest: {tiers: [{up_to: 1000, spread: \"0.05\"}, {spread: \"0.01\"}]}\n",
     .why = "less of the debit at the first tier's spread"},
    {"interest.tiers[].spread", BY_EVAL, "binance-usdm", HELD_SCENARIO("long"), INTEREST_TIERED,
     "interest: {tiers: [{up_to: 5000, spread: \"0.02\"}, {spread: \"0.01\"}]}\n",
     .why = "the first slice's annual rate"},
    {"interest.day_count", BY_EVAL, "binance-usdm", HELD_SCENARIO("long"), INTEREST_TIERED,
     "interest: {day_count: 365}\n", .why = "the annual rate over 365 days, not 360"},

    /* ---- collateral in other assets ---- */
    {"collateral.assets[].asset", BY_EVAL, "binance-usdm", IN_BTC_SCENARIO,
     "collateral: {assumed: test, assets: [{asset: BTC, ratio: \"0.9\"}]}\n",
     "collateral: {assets: [{asset: ETH, ratio: \"0.9\"}]}\n",
     .why = "BTC not counted: the row is not offered"},
    {"collateral.assets[].ratio", BY_EVAL, "binance-usdm", IN_BTC_SCENARIO,
     "collateral: {assumed: test, assets: [{asset: BTC, ratio: \"0.9\"}]}\n",
     "collateral: {assets: [{asset: BTC, ratio: \"0.5\"}]}\n", .why = "the haircut"},
    {"collateral.assets[].tier_by", BY_EVAL, "binance-usdm", IN_BTC_SCENARIO, IN_BTC_TIERED,
     "collateral: {assets: [{asset: BTC, tier_by: value, tiers: [{up_to: \"0.5\", ratio: "
     "\"0.9\"}, {ratio: \"0.5\"}]}]}\n", .why = "the first slice 0.5 USDT of value, not 0.5 BTC"},
    {"collateral.assets[].tiers[].up_to", BY_EVAL, "binance-usdm", IN_BTC_SCENARIO, IN_BTC_TIERED,
     "collateral: {assets: [{asset: BTC, tiers: [{up_to: \"0.25\", ratio: \"0.9\"}, "
     "{ratio: \"0.5\"}]}]}\n", .why = "less of the BTC at the first ratio"},
    {"collateral.assets[].tiers[].ratio", BY_EVAL, "binance-usdm", IN_BTC_SCENARIO, IN_BTC_TIERED,
     "collateral: {assets: [{asset: BTC, tiers: [{up_to: \"0.5\", ratio: \"0.8\"}, "
     "{ratio: \"0.5\"}]}]}\n", .why = "the first slice's ratio"},

    /* ---- rounding ---- */
    {"rounding.price_tick", BY_EVAL, "binance-usdm", NULL, NULL, "rounding: {price_tick: \"10\"}\n",
     .why = "the liquidation price on a tick"},
    {"rounding.price", BY_EVAL, "binance-usdm", NULL, "rounding: {price_tick: \"10\"}\n",
     "rounding: {price: down}\n", .why = "the tick rounding's direction"},
    {"rounding.amount_step", BY_EVAL, "binance-usdm", SHALLOW_SCENARIO, UNCAPPED,
     "rounding: {amount_step: \"1\"}\n", .why = "amounts to whole units"},
    {"rounding.amount", BY_EVAL, "binance-usdm", SHALLOW_SCENARIO,
     "rounding: {amount_step: \"100\"}\n", "rounding: {amount: down}\n",
     .why = "the loss of 970 rounded to 900, not 1,000"},
    {"rounding.fee", BY_EVAL, "binance-usdm", SHALLOW_SCENARIO, UNCAPPED "rounding: {amount_step: \"1\"}\n",
     "rounding: {fee: down}\n", .why = "the fee rounded down"},

    /* ---- hooks ---- */
    {"hooks.file", BY_EVAL, "kraken-spot-margin",
     "name: keys\n"
     "account: {collateral: \"1000\", mode: cross}\n"
     "position: {market: XBT/USD, contract: linear, side: long, size: \"0.1\",\n"
     "           entry_price: \"50000\", leverage: 5}\n"
     "market: {mark_path: [\"50000\", \"45000\"]}\n",
     NULL, "hooks: {file: keys.lua}\n", .why = "another file's maintenance_margin"},
    {"hooks.maintenance_margin", BY_EVAL, "binance-usdm", NULL, HOOKED("insurance_fund: fund_half"),
     "hooks: {maintenance_margin: mm_five}\n", .why = "the maintenance margin"},
    {"hooks.liquidation_fee", BY_EVAL, "binance-usdm", SHALLOW_SCENARIO,
     UNCAPPED HOOKED("insurance_fund: fund_half"), "hooks: {liquidation_fee: fee_one}\n", .why = "the fee"},
    {"hooks.insurance_fund", BY_EVAL, "binance-usdm", NULL, HOOKED("adl: adl_at_mark"),
     "hooks: {insurance_fund: fund_half}\n", .why = "the fund pays half"},
    {"hooks.adl", BY_EVAL, "binance-usdm", NULL,
     "insurance_fund: {balance: \"0\"}\n" HOOKED("insurance_fund: fund_half"),
     "hooks: {adl: adl_at_mark}\n", .why = "the counterparties' close price"},
    {"hooks.debt_pursuit", BY_EVAL, "binance-usdm", NULL,
     DEBT_BOTH HOOKED("insurance_fund: fund_half"), "hooks: {debt_pursuit: debt_call}\n",
     .why = "the actions on the debt"},
    {"hooks.instruction_limit", BY_EVAL, "binance-usdm", NULL, HOOKED("maintenance_margin: busy"),
     "hooks: {instruction_limit: 1000}\n", .why = "the hook runs out of its budget"},
    {"hooks.memory_limit", BY_EVAL, "binance-usdm", NULL, HOOKED("maintenance_margin: hungry"),
     "hooks: {memory_limit: 65536}\n", .why = "the hook runs out of memory"},

    /* ---- markets ---- */
    {"markets[].symbol", BY_EVAL, "binance-usdm", NULL,
     "markets: [{symbol: KEYS1, base: ETH, quote: USDT}]\n",
     "markets: [{symbol: BTCUSDT, base: ETH, quote: USDT}]\n",
     .why = "the scenario's BTCUSDT listed by its symbol"},
    {"markets[].aliases", BY_EVAL, "binance-usdm",
     "name: keys\n"
     "account: {collateral: \"1000\", mode: isolated}\n"
     "position: {market: KEYSBTC, contract: linear, side: long, size: \"0.2\",\n"
     "           entry_price: \"50000\", leverage: 10}\n"
     "market: {mark_path: [\"50000\", \"42500\"]}\n",
     "markets: [{symbol: BTCUSDT, base: BTC, quote: USDT}]\n",
     "markets: [{symbol: BTCUSDT, aliases: [KEYSBTC], base: BTC, quote: USDT}]\n",
     .why = "the scenario names the market by an alias"},
    {"markets[].base", BY_EVAL, "binance-usdm", NULL,
     "markets: [{symbol: KEYS1, base: ETH, quote: USDT}]\n",
     "markets: [{symbol: KEYS1, base: BTC, quote: USDT}]\n",
     .why = "the scenario's BTCUSDT found by its base asset"},
    {"markets[].quote", BY_EVAL, "binance-usdm",
     "name: keys\n"
     "account: {collateral: \"1000\", mode: isolated}\n"
     "position: {market: BTCUSDC, contract: linear, side: long, size: \"0.2\",\n"
     "           entry_price: \"50000\", leverage: 10}\n"
     "market: {mark_path: [\"50000\", \"42500\"]}\n",
     "markets: [{symbol: KEYS1, base: BTC, quote: USDT}, {symbol: KEYS2, base: BTC, quote: USDT, "
     "margin: {max_leverage: 20}}]\n",
     "markets: [{symbol: KEYS1, base: BTC, quote: USDT}, {symbol: KEYS2, base: BTC, quote: USDC, "
     "margin: {max_leverage: 20}}]\n",
     .why = "the closest market by quote"},
    {"markets[].kind", BY_EVAL, "binance-usdm",
     "name: keys\n"
     "account: {collateral: \"1000\", mode: isolated}\n"
     "position: {market: BTC-PERP, contract: linear, side: long, size: \"0.2\",\n"
     "           entry_price: \"50000\", leverage: 10}\n"
     "market: {mark_path: [\"50000\", \"42500\"]}\n",
     "markets: [{symbol: KEYS1, base: BTC, quote: USDT, kind: dated}, {symbol: KEYS2, base: BTC, "
     "quote: USDT, margin: {max_leverage: 20}}]\n",
     "markets: [{symbol: KEYS1, base: BTC, quote: USDT, kind: dated}, {symbol: KEYS2, base: BTC, "
     "quote: USDT, kind: dated, margin: {max_leverage: 20}}]\n",
     .why = "a perpetual preferred over a dated future"},
};

/* ---- walking the table ----------------------------------------------- */

typedef struct keylist {
    char **k;
    size_t n, cap;
} keylist;

static void add_key(keylist *l, const char *prefix, const char *key)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->k = realloc(l->k, l->cap * sizeof *l->k);
        assert_non_null(l->k);
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s%s%s", prefix, *prefix ? "." : "", key);
    l->k[l->n++] = strdup(buf);
}

/* Every key schema s names, dotted under prefix: a section's keys, a
 * list item's under "[]", a map's items under ".ID", a section's
 * provenance (source:, assumed:) where it may carry one. */
static void walk(const schema *s, const char *prefix, keylist *l)
{
    for (size_t i = 0; i < s->nfields; i++) {
        const field *f = &s->fields[i];
        char sub[256];
        switch (f->type) {
        case F_MAP:
        case F_OVERRIDE:
            snprintf(sub, sizeof sub, "%s%s%s", prefix, *prefix ? "." : "", f->key);
            walk(f->sub, sub, l);
            break;
        case F_LIST_MAP:
            snprintf(sub, sizeof sub, "%s%s%s[]", prefix, *prefix ? "." : "", f->key);
            walk(f->sub, sub, l);
            break;
        case F_DICT_MAP:
            snprintf(sub, sizeof sub, "%s%s%s.ID", prefix, *prefix ? "." : "", f->key);
            walk(f->sub, sub, l);
            break;
        default:
            add_key(l, prefix, f->key);
        }
    }
    if (s->has_prov) {
        add_key(l, prefix, "source");
        add_key(l, prefix, "assumed");
    }
}

static void free_keys(keylist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->k[i]);
    free(l->k);
}

/* ---- building the two policies ---------------------------------------- */

static void write_file_at(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text ? text : "", f);
    fclose(f);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_file_at(path, text);
}

/* text with every line indented by n spaces; the caller frees it. */
static char *indent(const char *text, int n)
{
    size_t len = strlen(text), lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    char *out = malloc(len + lines * (size_t)n + 1), *o = out;
    assert_non_null(out);
    bool bol = true;
    for (const char *p = text; *p; p++) {
        if (bol && *p != '\n')
            for (int i = 0; i < n; i++)
                *o++ = ' ';
        *o++ = *p;
        bol = *p == '\n';
    }
    *o = 0;
    return out;
}

/* The markets the scenario trades (its position's, or each of its
 * positions'), as the policy's markets: list, each with extra (the
 * change, indented for an item) after its identity. The caller frees it. */
static char *markets_of(const char *yaml, const char *extra)
{
    liq_diags d = LIQ_DIAGS_INIT;
    ydoc *doc = ydoc_load_buffer("<scenario>", yaml, strlen(yaml), &d);
    assert_non_null(doc);
    const ynode *pos = ynode_get(doc->root, "position");
    const ynode *ps = ynode_get(doc->root, "positions");
    size_t n = pos ? 1 : ps ? ps->n : 0;
    char *ind = indent(extra, 4);
    size_t cap = 32 + n * (128 + strlen(ind));
    char *out = malloc(cap);
    assert_non_null(out);
    strcpy(out, "markets:\n");
    for (size_t i = 0; i < n; i++) {
        const ynode *m = ynode_get(pos ? pos : ps->items[i], "market");
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "  - symbol: %s\n    base: BTC\n    quote: USD\n%s",
                 m && m->kind == YN_SCALAR ? m->text : "BTCUSDT", ind);
    }
    free(ind);
    ydoc_free(doc);
    liq_diags_free(&d);
    return out;
}

/* Whether the YAML text sets the dotted key (through lists: "[]"; the
 * "ID" of a map stands for any of its keys). */
static bool node_sets(const ynode *n, const char *key)
{
    if (!*key)
        return true;
    char part[128];
    size_t k = strcspn(key, ".");
    snprintf(part, sizeof part, "%.*s", (int)k, key);
    const char *rest = key[k] ? key + k + 1 : "";
    size_t plen = strlen(part);
    bool list = plen > 2 && strcmp(part + plen - 2, "[]") == 0;
    if (list)
        part[plen - 2] = 0;
    if (!n || n->kind != YN_MAP)
        return false;
    for (size_t i = 0; i < n->n; i++) {
        if (strcmp(part, "ID") != 0 && strcmp(n->keys[i]->text, part) != 0)
            continue;
        const ynode *v = n->items[i];
        if (!list)
            return node_sets(v, rest) || (!*rest && v);
        for (size_t j = 0; v->kind == YN_SEQ && j < v->n; j++)
            if (node_sets(v->items[j], rest))
                return true;
    }
    return false;
}

static bool text_sets(const char *yaml, const char *key)
{
    liq_diags d = LIQ_DIAGS_INIT;
    ydoc *doc = ydoc_load_buffer("<change>", yaml, strlen(yaml), &d);
    bool ok = doc && node_sets(doc->root, key);
    ydoc_free(doc);
    liq_diags_free(&d);
    return ok;
}

/* ---- what a policy answers --------------------------------------------- */

/* JSON text without the members that name the policy's file (its
 * "policy"), compact and sorted: two answers compare as text. */
static char *normalized(const char *json)
{
    json_t *v = json_loads(json, 0, NULL);
    assert_non_null(v);
    json_t *items = json_is_array(v) ? v : NULL;
    size_t i;
    json_t *o;
    if (items) {
        json_array_foreach(items, i, o)
        {
            json_object_del(o, "policy");
        }
    } else {
        json_object_del(v, "policy");
    }
    char *out = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(v);
    return out;
}

/* The diagnostics' messages without their places (the two files differ
 * by name and line), one a line. */
static char *messages(const char *diags_json)
{
    json_t *a = json_loads(diags_json ? diags_json : "[]", 0, NULL);
    size_t i;
    json_t *g;
    size_t cap = 64;
    char *out = calloc(1, cap);
    json_array_foreach(a, i, g)
    {
        const char *m = json_string_value(json_object_get(g, "message"));
        size_t need = strlen(out) + strlen(m ? m : "") + 2;
        if (need > cap) {
            cap = 2 * need;
            out = realloc(out, cap);
        }
        strcat(out, m ? m : "");
        strcat(out, "\n");
    }
    json_decref(a);
    return out;
}

/* What the policy at path answers to the row: an evaluation's or a
 * replay's JSON, normalized, or "error:" and the diagnostics when it
 * gives none; lint's findings. *answered says whether a result came. */
static char *answer(const key_row *r, const char *dir, const char *path, bool explain,
                    bool *answered)
{
    char *diags = NULL, *got = NULL, *out;
    if (r->by == BY_LINT) {
        liq_diags d = LIQ_DIAGS_INIT;
        liq_policy *p = liq_policy_load(path, &d);
        *answered = p != NULL;
        if (p)
            liq_policy_lint(p, &d);
        size_t cap = 64;
        out = calloc(1, cap);
        for (size_t i = 0; i < d.n; i++) {
            size_t need = strlen(out) + strlen(d.items[i].msg) + 2;
            if (need > cap) {
                cap = 2 * need;
                out = realloc(out, cap);
            }
            strcat(out, d.items[i].msg);
            strcat(out, "\n");
        }
        liq_policy_free(p);
        liq_diags_free(&d);
        return out;
    }
    if (r->by == BY_REPLAY) {
        char book[512], pth[512], pols[600];
        snprintf(book, sizeof book, "%s/book.ndjson", dir);
        snprintf(pth, sizeof pth, "%s/path.csv", dir);
        snprintf(pols, sizeof pols, "[\"%s\"]", path);
        got = liq_replay_json(book, pth, pols, r->ropts ? r->ropts : "{\"events\": true}",
                              &diags);
    } else {
        got = liq_eval_json(path, r->scenario ? r->scenario : DEFAULT_SCENARIO,
                            explain ? "{\"explain\": true}" : NULL, &diags);
    }
    *answered = got != NULL;
    if (got) {
        out = normalized(got);
    } else {
        char *m = messages(diags);
        out = malloc(strlen(m) + 8);
        sprintf(out, "error:\n%s", m);
        free(m);
    }
    liq_free(got);
    liq_free(diags);
    return out;
}

/* A market's override key, "markets[].margin.max_leverage", is the key
 * "margin.max_leverage" set in the market: the same row, written there. */
static const char *override_key(const char *key)
{
    static const char prefix[] = "markets[].";
    if (strncmp(key, prefix, sizeof prefix - 1) != 0)
        return NULL;
    const char *rest = key + sizeof prefix - 1;
    for (size_t i = 0; liq_market_override_keys[i]; i++) {
        size_t n = strlen(liq_market_override_keys[i]);
        if (strncmp(rest, liq_market_override_keys[i], n) == 0 && rest[n] == '.')
            return rest;
    }
    return NULL;
}

/* Runs row r, its change venue-wide or (in_market) inside the markets
 * its scenario trades. Returns whether the change shows as the row says;
 * when not, why says so. */
static bool check_row(const key_row *r, const char *key, bool in_market, char *why, size_t cap)
{
    const char *own = in_market ? override_key(key) : key;
    if (!text_sets(r->change, own)) {
        snprintf(why, cap, "key %s: its row's change does not set it:\n%s", key, r->change);
        return false;
    }
    char *dir = temp_dir();
    char base[2048], changed[2048], bpath[512], cpath[512];
    const char *both = r->both ? r->both : "";
    const char *sc = r->scenario ? r->scenario : DEFAULT_SCENARIO;
    char *plain = in_market ? markets_of(sc, "") : strdup("");
    char *moved = in_market ? markets_of(sc, r->change) : strdup(r->change);
    char from[512];
    if (strchr(r->policy, '/'))
        snprintf(from, sizeof from, "%s/%s", LIQ_SOURCE_DIR, r->policy);
    else
        snprintf(from, sizeof from, "%s/policies/%s.yaml", LIQ_SOURCE_DIR, r->policy);
    snprintf(base, sizeof base, "liqsim: 1\nextends: %s\nname: base\n%s%s", from, both, plain);
    snprintf(changed, sizeof changed, "liqsim: 1\nextends: base.yaml\nname: changed\n%s", moved);
    free(plain);
    free(moved);
    write_file(dir, "base.yaml", base);
    write_file(dir, "changed.yaml", changed);
    write_file(dir, "book.ndjson", r->book ? r->book : DEFAULT_BOOK);
    write_file(dir, "keys.lua", KEYS_LUA);
    write_file(dir, "path.csv", r->path ? r->path : DEFAULT_PATH);
    snprintf(bpath, sizeof bpath, "%s/base.yaml", dir);
    snprintf(cpath, sizeof cpath, "%s/changed.yaml", dir);
    bool explain = r->by == BY_SHOWN, base_ok, changed_ok;
    char *a = answer(r, dir, bpath, explain, &base_ok);
    char *b = answer(r, dir, cpath, explain, &changed_ok);
    /* KEYS_DUMP=DIR keeps each row's two answers (DIR/KEY.a, DIR/KEY.b),
     * to see what a change moved when writing a row. */
    const char *dump = getenv("KEYS_DUMP");
    if (dump) {
        char fn[600];
        snprintf(fn, sizeof fn, "%s/%s.a", dump, key);
        write_file_at(fn, a);
        snprintf(fn, sizeof fn, "%s/%s.b", dump, key);
        write_file_at(fn, b);
    }
    *why = 0;
    if (!base_ok)
        snprintf(why, cap, "key %s: the row's base policy gives no result:\n%.2000s", key,
                 a);
    else if (r->by == BY_SHOWN && (strstr(a, r->why) || !strstr(b, r->why)))
        snprintf(why, cap,
                 "key %s: the explained result does not show the change (\"%s\"):\n%.2000s", key,
                 r->why, b);
    else if (r->by == BY_REFUSED && (changed_ok || !strstr(b, key)))
        snprintf(why, cap, "key %s: changed alone, the policy should be refused with a "
                 "message naming it:\n%.2000s", key, b);
    else if (r->by != BY_SHOWN && r->by != BY_REFUSED && strcmp(a, b) == 0)
        snprintf(why, cap, "key %s: changing it%s made no difference to the %s (%s):\n%.2000s",
                 key, in_market ? " in the scenario's market" : "",
                 r->by == BY_REPLAY ? "replay" : r->by == BY_LINT ? "lint findings" : "evaluation",
                 r->why, a);
    free(a);
    free(b);
    rm_tree(dir);
    return *why == 0;
}

static void run_row(const key_row *r, const char *key, bool in_market)
{
    char why[3000];
    if (!check_row(r, key, in_market, why, sizeof why))
        fail_msg("%s", why);
}

/* ---- the tests ----------------------------------------------------------- */

static const key_row *row_of(const char *key)
{
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        if (strcmp(rows[i].key, key) == 0)
            return &rows[i];
    return NULL;
}

/* The row of a key: its own; a market override's venue-wide row; a
 * section's provenance the "*.source" / "*.assumed" row. */
static const key_row *find_row(const char *key, bool *in_market)
{
    *in_market = false;
    const key_row *r = row_of(key);
    const char *ov = r ? NULL : override_key(key);
    if (!r && ov && (r = row_of(ov)) != NULL)
        *in_market = true;
    const char *dot = strrchr(key, '.');
    if (!r && dot) {
        char wild[64];
        snprintf(wild, sizeof wild, "*%s", dot);
        r = row_of(wild);
        *in_market = false;
    }
    return r;
}

static void test_key(void **state)
{
    const char *key = *state;
    bool in_market;
    const key_row *r = find_row(key, &in_market);
    if (!r)
        fail_msg("key %s has no case showing it changes a result: add a row to "
                 "tests/test_policy_keys.c (or list it as metadata, with why)",
                 key);
    if (r->by == BY_NONE || (in_market && r->by == BY_SHOWN))
        return;
    run_row(r, key, in_market);
}

static void test_every_row_names_a_key_of_the_table(void **state)
{
    (void)state;
    keylist l = {0};
    walk(&liq_policy_schema, "", &l);
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        bool found = rows[i].key[0] == '*';
        for (size_t k = 0; k < l.n && !found; k++)
            found = strcmp(l.k[k], rows[i].key) == 0;
        if (!found)
            fail_msg("row %s: no such key in the policy table (engine/policy_schema.c)",
                     rows[i].key);
    }
    free_keys(&l);
}

/* ---- the same change in a replay ------------------------------------- */

/* The replay of an evaluation row's scenario: its one position as a book
 * of one account, its marks as the path, its slippage and fund as the
 * replay's options; its collateral assets, when it holds some, as the
 * book's collateral_assets and the path's collateral.ASSET columns.
 * Fills rr (texts in buf) and returns whether the scenario is one a book
 * can hold (one linear position on marks alone, or with its assets'). */
/* A scenario's inline price list beside mark_path and the path column
 * a replay reads it from ("oracle_path" -> "oracle"), or NULL. */
static const char *column_of(const char *key)
{
    static const char *const cols[][2] = {{"oracle_path", "oracle"}, {"index_path", "index"},
                                          {"last_path", "last"},     {"funding_path", "funding"}};
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
        if (strcmp(key, cols[i][0]) == 0)
            return cols[i][1];
    return NULL;
}

static bool as_replay(const key_row *r, key_row *rr, char *buf, size_t cap)
{
    const char *sc = r->scenario ? r->scenario : DEFAULT_SCENARIO;
    liq_diags d = LIQ_DIAGS_INIT;
    ydoc *doc = ydoc_load_buffer("<scenario>", sc, strlen(sc), &d);
    liq_diags_free(&d);
    assert_non_null(doc);
    const ynode *acct = ynode_get(doc->root, "account"), *pos = ynode_get(doc->root, "position");
    const ynode *mkt = ynode_get(doc->root, "market");
    const ynode *marks = mkt ? ynode_get(mkt, "mark_path") : NULL;
    bool ok = acct && pos && marks && marks->kind == YN_SEQ && mkt->n >= 1;
    for (size_t i = 0; ok && i < mkt->n; i++)
        ok = strcmp(mkt->keys[i]->text, "mark_path") == 0 ||
             strcmp(mkt->keys[i]->text, "liquidation_fill") == 0 ||
             strcmp(mkt->keys[i]->text, "insurance_fund") == 0 ||
             strcmp(mkt->keys[i]->text, "collateral_paths") == 0 ||
             strcmp(mkt->keys[i]->text, "tick_hours") == 0 ||
             strcmp(mkt->keys[i]->text, "interest_benchmark") == 0 ||
             column_of(mkt->keys[i]->text) != NULL;
    /* Collateral assets: the book's collateral_assets (its cash 0), each
     * priced by a collateral.ASSET column of the path. */
    const ynode *assets = acct ? ynode_get(acct, "collateral_assets") : NULL;
    const ynode *apaths = mkt ? ynode_get(mkt, "collateral_paths") : NULL;
    ok = ok && (assets != NULL) == (ynode_get(acct, "collateral") == NULL);
    const char *need[] = {"side", "size", "entry_price", "leverage", "market"};
    for (size_t i = 0; ok && i < sizeof need / sizeof *need; i++)
        ok = ynode_get(pos, need[i]) != NULL;
    const ynode *ct = pos ? ynode_get(pos, "contract") : NULL;
    ok = ok && (!ct || strcmp(ct->text, "linear") == 0) && pos->n <= 7;
    if (!ok) {
        ydoc_free(doc);
        return false;
    }
#define T(n, k) ynode_get((n), (k))->text
    const ynode *mode = ynode_get(acct, "mode");
    char held[600] = "";
    size_t hu = 0;
    for (size_t i = 0; assets && i < assets->n; i++)
        hu += (size_t)snprintf(held + hu, sizeof held - hu,
                               "%s{\"asset\":\"%s\",\"amount\":\"%s\"}", i ? "," : "",
                               T(assets->items[i], "asset"), T(assets->items[i], "amount"));
    int used = snprintf(buf, cap,
                        "{\"id\":\"a1\",\"collateral\":\"%s\",\"mode\":\"%s\",%s%s%s"
                        "\"positions\":"
                        "[{\"market\":\"%s\",\"side\":\"%s\",\"size\":\"%s\","
                        "\"entry_price\":\"%s\",\"leverage\":\"%s\"}]}\n",
                        assets ? "0" : T(acct, "collateral"), mode ? mode->text : "isolated",
                        assets ? "\"collateral_assets\":[" : "", held, assets ? "]," : "",
                        T(pos, "market"), T(pos, "side"), T(pos, "size"), T(pos, "entry_price"),
                        T(pos, "leverage"));
    rr->book = buf;
    char *path = buf + used + 1;
    size_t pcap = cap - (size_t)used - 1;
    int pu = snprintf(path, pcap, "time,mark");
    for (size_t k = 0; k < mkt->n; k++)
        if (column_of(mkt->keys[k]->text))
            pu += snprintf(path + pu, pcap - (size_t)pu, ",%s", column_of(mkt->keys[k]->text));
    for (size_t a = 0; apaths && a < apaths->n; a++)
        pu += snprintf(path + pu, pcap - (size_t)pu, ",collateral.%s", apaths->keys[a]->text);
    pu += snprintf(path + pu, pcap - (size_t)pu, "\n");
    for (size_t i = 0; i < marks->n; i++) {
        pu += snprintf(path + pu, pcap - (size_t)pu, "%zu,%s", i + 1, marks->items[i]->text);
        for (size_t k = 0; k < mkt->n; k++)
            if (column_of(mkt->keys[k]->text))
                pu += snprintf(path + pu, pcap - (size_t)pu, ",%s", mkt->items[k]->items[i]->text);
        for (size_t a = 0; apaths && a < apaths->n; a++)
            pu += snprintf(path + pu, pcap - (size_t)pu, ",%s", apaths->items[a]->items[i]->text);
        pu += snprintf(path + pu, pcap - (size_t)pu, "\n");
    }
    rr->path = path;
    char *opts = path + pu + 1;
    const ynode *fill = ynode_get(mkt, "liquidation_fill");
    const ynode *slip = fill ? ynode_get(fill, "slippage") : NULL;
    const ynode *fund = ynode_get(mkt, "insurance_fund");
    /* The time between ticks and the benchmark rate: --tick-hours and
     * --benchmark-rate. */
    const ynode *hours = ynode_get(mkt, "tick_hours"), *bench = ynode_get(mkt, "interest_benchmark");
    snprintf(opts, pcap - (size_t)pu - 1,
             "{\"events\": true, \"slippage\": \"%s\"%s%s%s%s%s%s%s%s%s}",
             slip ? slip->text : "0", fund ? ", \"insurance_fund\": \"" : "",
             fund ? fund->text : "", fund ? "\"" : "", hours ? ", \"tick_hours\": \"" : "",
             hours ? hours->text : "", hours ? "\"" : "",
             bench ? ", \"benchmark_rate\": \"" : "", bench ? bench->text : "", bench ? "\"" : "");
    rr->ropts = opts;
#undef T
    rr->by = BY_REPLAY;
    ydoc_free(doc);
    return true;
}

/* The evaluation rows a book of one account cannot show, and why; gap:
 * the replay ignores what eval reads (dead in replay, for the lead). Each
 * must still make no difference, so the list cannot go stale. */
static const struct {
    const char *key, *why;
    bool gap;
} replay_exempt[] = {
    {"margin.modes", "one account: margined cross or isolated, the same numbers", false},
    {"adl.close_price", "a book of one account has no counterparties to deleverage", false},
    {"shortfall.order", "a book of one account has no counterparties: ADL covers nothing", false},
    {"hooks.adl", "a book of one account has no counterparties to deleverage", false},
    {"markets[].symbol", "a book names its market exactly: one the venue does not list is an "
                         "input error (eval: not_listed)", false},
    {"markets[].aliases", "as markets[].symbol", false},
    {"markets[].base", "as markets[].symbol", false},
};

/* Every evaluation row whose scenario a book can hold changes the replay
 * too: one close for both (docs/waterfall.md), so a key eval reads and
 * replay ignores is dead in half the engine. */
static void test_the_evaluation_rows_change_a_replay_too(void **state)
{
    (void)state;
    size_t tried = 0, failed = 0;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        if (rows[i].by != BY_EVAL)
            continue;
        key_row rr = rows[i];
        char buf[4096], why[3000];
        if (!as_replay(&rows[i], &rr, buf, sizeof buf))
            continue;
        tried++;
        const char *exempt = NULL;
        for (size_t k = 0; k < sizeof replay_exempt / sizeof *replay_exempt; k++)
            if (strcmp(replay_exempt[k].key, rows[i].key) == 0)
                exempt = replay_exempt[k].why;
        bool shows = check_row(&rr, rows[i].key, false, why, sizeof why);
        if (!shows && !exempt) {
            print_error("%.400s\n", why);
            failed++;
        } else if (shows && exempt) {
            print_error("key %s changes the replay now: remove it from replay_exempt (%s)\n",
                        rows[i].key, exempt);
            failed++;
        }
    }
    print_message("%zu evaluation rows replayed\n", tried);
    assert_int_equal(failed, 0);
}

/* A value, not only a key: adl.close_price: oracle closes counterparties
 * at the path's oracle column where it has one (Hyperliquid: "at the
 * previous oracle price", hl-adl), in eval and in replay alike; it read
 * the mark before. Mark 44,000, oracle 44,200: the fund is empty, so ADL
 * covers the deficit and its close price is the oracle's. */
static void test_adl_at_the_oracle_is_the_oracle_column(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char pol[600], path[600], book[600], pols[700];
    snprintf(pol, sizeof pol, "%s/hl0.yaml", dir);
    char text[800];
    snprintf(text, sizeof text,
             "liqsim: 1\nextends: %s/policies/hyperliquid.yaml\nname: hl0\n"
             "insurance_fund: {balance: \"0\"}\n", LIQ_SOURCE_DIR);
    write_file_at(pol, text);
    char *got = liq_eval_json(pol,
                              "name: hl-adl-oracle\n"
                              "account: {collateral: \"1000\", mode: isolated}\n"
                              "position: {market: BTC, contract: linear, side: long, size: \"0.2\",\n"
                              "           entry_price: \"50000\", leverage: 10}\n"
                              "market: {mark_path: [\"50000\", \"44000\"],\n"
                              "         oracle_path: [\"50000\", \"44200\"],\n"
                              "         liquidation_fill: {slippage: \"0\"}}\n",
                              NULL, NULL);
    assert_non_null(got);
    assert_non_null(strstr(got, "\"type\": \"adl\""));
    assert_non_null(strstr(got, "\"close_price\": \"44200\""));
    liq_free(got);

    snprintf(path, sizeof path, "%s/path.csv", dir);
    write_file_at(path, "time,mark,oracle\n1,50000,50000\n2,44000,44200\n");
    snprintf(book, sizeof book, "%s/book.ndjson", dir);
    write_file_at(book, DEFAULT_BOOK);
    snprintf(pols, sizeof pols, "[\"%s\"]", pol);
    got = liq_replay_json(book, path, pols, "{\"events\": true}", NULL);
    assert_non_null(got);
    json_t *v = json_loads(got, 0, NULL);
    size_t i, adl = 0;
    json_t *e;
    json_array_foreach(json_object_get(json_array_get(v, 0), "events"), i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "type")), "adl") != 0)
            continue;
        assert_string_equal(json_string_value(json_object_get(e, "price")), "44200");
        adl++;
    }
    assert_true(adl > 0);
    json_decref(v);
    liq_free(got);
    rm_tree(dir);
}

/* The test can fail: a change that no result reads (a description) is
 * caught, venue-wide and in a market, and so is a row whose change does
 * not set its key. */
static void test_a_change_that_shows_nowhere_is_caught(void **state)
{
    (void)state;
    static const key_row noop = {"description", BY_EVAL, "binance-usdm", NULL, NULL,
                                 "description: another text\n", .why = "nothing"};
    char why[3000];
    assert_false(check_row(&noop, "description", false, why, sizeof why));
    assert_non_null(strstr(why, "key description: changing it made no difference to the "
                                "evaluation (nothing)"));
    static const key_row in_market = {"liquidation.fee.rate", BY_EVAL, "binance-usdm", NULL, NULL,
                                      "liquidation: {fee: {rate: \"0.012\"}}\n", .why = "same rate"};
    assert_false(check_row(&in_market, "markets[].liquidation.fee.rate", true, why, sizeof why));
    assert_non_null(strstr(why, "changing it in the scenario's market made no difference"));
    static const key_row elsewhere = {"liquidation.fee.rate", BY_EVAL, "binance-usdm", NULL, NULL,
                                      "liquidation: {fee: {cap: none}}\n", .why = "another key"};
    assert_false(check_row(&elsewhere, "liquidation.fee.rate", false, why, sizeof why));
    assert_non_null(strstr(why, "its row's change does not set it"));
}

int main(void)
{
    chdir_to_project_root();
    /* The rows that start from a test policy extend it from tests/data. */
    setenv("LIQSIM_ALLOW_PATHS", LIQ_TEST_DATA, 1);
    keylist l = {0};
    walk(&liq_policy_schema, "", &l);
    struct CMUnitTest *tests = calloc(l.n + 4, sizeof *tests);
    if (!tests)
        return 1;
    tests[0] = (struct CMUnitTest)cmocka_unit_test(test_every_row_names_a_key_of_the_table);
    tests[1] = (struct CMUnitTest)cmocka_unit_test(test_a_change_that_shows_nowhere_is_caught);
    tests[2] = (struct CMUnitTest)cmocka_unit_test(test_the_evaluation_rows_change_a_replay_too);
    tests[3] = (struct CMUnitTest)cmocka_unit_test(test_adl_at_the_oracle_is_the_oracle_column);
    for (size_t i = 0; i < l.n; i++)
        tests[i + 4] = (struct CMUnitTest){l.k[i], test_key, NULL, NULL, l.k[i]};
    int failed = _cmocka_run_group_tests("policy keys", tests, l.n + 4, NULL, NULL);
    free(tests);
    free_keys(&l);
    return failed;
}
