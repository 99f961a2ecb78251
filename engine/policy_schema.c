/*
 * policy_schema.c — the table of every key a policy file may hold.
 *
 * This table is the single truth behind the loader, its messages, the
 * JSON Schema (`liqsim schema`), docs/policy-format.md and the scaffold
 * `liqsim new` writes (engine/scaffold.c). Add a key here and all four
 * learn it (a required one needs a scaffold value: tests/test_scaffold.c).
 */
#include "policy.h"

#include <stddef.h>

#define FLD(T, k, ty, req, mem) .key = k, .type = ty, .required = req, .off = offsetof(T, mem)

const char *const liq_stage_names[] = {"insurance_fund", "adl", "socialized", "liquidity_pool",
                                       "venue", "trader_debt", NULL};
const char *const liq_hook_names[] = {"maintenance_margin", "liquidation_fee", "insurance_fund",
                                      "adl", "debt_pursuit", NULL};
const char *const liq_debt_action_names[] = {"margin_call", "collections", "account_ban",
                                             "interest", "legal", NULL};
const char *const liq_contract_names[] = {"linear", "inverse", NULL};
const char *const liq_mode_names[] = {"isolated", "cross", NULL};
static const char *const mmbase_names[] = {"mark", "entry", NULL};
static const char *const price_names[] = {"mark", "oracle", "index", "last", NULL};
static const char *const fill_names[] = {"market", "bankruptcy", NULL};
static const char *const fill_price_names[] = {"last", "trigger", NULL};
static const char *const surplus_names[] = {"trader", "insurance_fund", NULL};
static const char *const feebase_names[] = {"fill_notional", "trigger_notional", "entry_notional",
                                            NULL};
static const char *const feecap_names[] = {"none", "remaining_margin", NULL};
static const char *const recv_names[] = {"insurance_fund", "venue", "liquidator", "liquidity_pool",
                                         NULL};
static const char *const adlrank_names[] = {"pnl_times_leverage", "pnl_times_margin_ratio",
                                            "pnl_and_leverage", "random", "none", NULL};
static const char *const adlpx_names[] = {"bankruptcy", "mark", "oracle", NULL};
static const char *const soc_names[] = {"clawback", "funding", NULL};
static const char *const prr_names[] = {"conservative", "half_even", "half_up", "down",
                                        "up", "floor", "ceil", "none", NULL};
/* Same order as liq_round. */
static const char *const round_names[] = {"half_even", "half_up", "down", "up", "floor", "ceil",
                                          NULL};

static const field source_f[] = {
    {FLD(p_source, "url", F_STR, false, url), .doc = "where the rule or number is published"},
    {FLD(p_source, "title", F_STR, false, title), .doc = "page or document title"},
    {FLD(p_source, "date", F_DATE, false, date), .doc = "the page's own date (or unknown)"},
    {FLD(p_source, "retrieved", F_DATE, false, retrieved), .doc = "the day we read it"},
    {FLD(p_source, "note", F_STR, false, note), .doc = "what this source supports, confidence"},
};
static const schema source_s = {"sources.ID", sizeof(p_source), false, source_f,
                                sizeof source_f / sizeof *source_f};

static const field contract_f[] = {
    {FLD(p_contract, "type", F_ENUM, true, type), .enum_vals = liq_contract_names,
     .doc = "linear: PnL in quote, size in base units; inverse: PnL in coin, size in contracts"},
    {FLD(p_contract, "settlement", F_STR, true, settlement),
     .doc = "currency of collateral and of every amount"},
    {FLD(p_contract, "contract_size", F_DEC, false, contract_size), .def = "1", .lo = "0.000000000001",
     .doc = "inverse: quote value of one contract; linear: base units per contract"},
};
static const schema contract_s = {"contract", sizeof(p_contract), true, contract_f,
                                  sizeof contract_f / sizeof *contract_f};

static const field tier_f[] = {
    {FLD(p_tier, "up_to", F_DEC, false, up_to), .lo = "0", .unit = "notional",
     .doc = "upper notional bound of the tier (omit on the last tier)"},
    {FLD(p_tier, "rate", F_DEC, true, rate), .lo = "0", .hi = "1", .unit = "rate",
     .doc = "maintenance margin rate"},
    {FLD(p_tier, "deduction", F_DEC, false, deduction), .def = "0", .lo = "0", .unit = "amount",
     .doc = "maintenance amount (Binance cum, Bybit deduction): MM = notional*rate - deduction"},
    {FLD(p_tier, "max_leverage", F_INT, false, max_leverage), .lo = "1", .hi = "10000",
     .doc = "highest leverage allowed in this tier"},
    {FLD(p_tier, "initial_rate", F_DEC, false, initial_rate), .lo = "0.000000000001", .hi = "1",
     .unit = "rate",
     .doc = "initial margin rate of the tier: a leverage above 1 / initial_rate is refused, as "
            "above max_leverage (BitMEX's risk-limit steps, IM 1.5 %: at most 66.67x)"},
};
static const schema tier_s = {"margin.maintenance.tiers[]", sizeof(p_tier), true, tier_f,
                              sizeof tier_f / sizeof *tier_f};

static const char *const mmodel_names[] = {"bracket", "step", NULL};
static const char *const closefee_names[] = {"maintenance_base", "bankruptcy", NULL};
static const field maint_f[] = {
    {FLD(p_maint, "model", F_ENUM, false, model), .enum_vals = mmodel_names, .def = "bracket",
     .doc = "bracket: deductions keep MM continuous across tiers (Binance cum, Bybit), "
            "checked by lint; step: the whole position takes its tier's rate with no "
            "deduction (BitMEX risk limits), a deduction is an error"},
    {FLD(p_maint, "base", F_ENUM, false, base), .enum_vals = mmbase_names, .def = "mark",
     .doc = "notional the rate applies to: at the tested price (mark) or at entry (entry)"},
    {FLD(p_maint, "rebracket", F_BOOL, false, rebracket), .def = "false",
     .doc = "choose the tier by the notional at the liquidation price, iterating"},
    {FLD(p_maint, "tiers", F_LIST_MAP, true, tiers), .sub = &tier_s,
     .doc = "ascending maintenance tiers"},
    {FLD(p_maint, "close_fee_rate", F_DEC, false, close_fee_rate), .def = "0", .lo = "0", .hi = "1",
     .unit = "rate", .doc = "taker fee to close folded into maintenance margin"},
    {FLD(p_maint, "close_fee_at", F_ENUM, false, close_fee_at), .enum_vals = closefee_names,
     .def = "maintenance_base",
     .doc = "where the fee to close is valued: maintenance_base (on the notional the rate "
            "applies to: OKX's MM + liquidation fee) or bankruptcy (size x bankruptcy price x "
            "rate, a constant, and the bankruptcy price reserves it: Bybit's fee to close)"},
};
static const schema maint_s = {"margin.maintenance", sizeof(p_maint), true, maint_f,
                               sizeof maint_f / sizeof *maint_f};

static const char *const xshare_names[] = {"others_at_mark", "mm_share", NULL};
static const field margin_f[] = {
    {FLD(p_margin, "modes", F_LIST_ENUM, false, modes), .enum_vals = liq_mode_names,
     .doc = "margin modes offered (default both)"},
    {FLD(p_margin, "max_leverage", F_INT, true, max_leverage), .lo = "1", .hi = "10000",
     .doc = "highest leverage the venue allows"},
    {FLD(p_margin, "maintenance", F_MAP, true, maintenance), .sub = &maint_s,
     .doc = "maintenance margin model"},
    {FLD(p_margin, "cross_share", F_ENUM, false, cross_share), .enum_vals = xshare_names,
     .def = "others_at_mark",
     .doc = "a position's liquidation and bankruptcy price in a cross account of several: "
            "others_at_mark (the others' PnL and maintenance margin held at their marks, "
            "Binance's TMM1/UPNL1) or mm_share (a share of net collateral in proportion to "
            "maintenance margin, dYdX)"},
};
static const schema margin_s = {"margin", sizeof(p_margin), true, margin_f,
                                sizeof margin_f / sizeof *margin_f};

static const char *const trigcmp_names[] = {"at_or_below", "strictly_below", NULL};
static const field trigger_f[] = {
    {FLD(p_trigger, "price", F_ENUM, false, price), .enum_vals = price_names, .def = "mark",
     .doc = "which price the scenario path stands for at this venue"},
    {FLD(p_trigger, "compare", F_ENUM, false, compare), .enum_vals = trigcmp_names,
     .def = "at_or_below",
     .doc = "at_or_below: liquidated when equity reaches maintenance margin (the mark reaches "
            "the liquidation price); strictly_below: only when equity is below it (dYdX: net "
            "collateral < maintenance requirement)"},
    {FLD(p_trigger, "margin_call_at", F_DEC, false, margin_call_at), .lo = "1",
     .doc = "margin call when equity falls to this multiple of maintenance margin"},
};
static const schema trigger_s = {"trigger", sizeof(p_trigger), true, trigger_f,
                                 sizeof trigger_f / sizeof *trigger_f};

static const char *const partial_names[] = {"fraction", "tiers_down", "shortage", NULL};
static const field partial_f[] = {
    {FLD(p_partial, "mode", F_ENUM, false, mode), .enum_vals = partial_names, .def = "fraction",
     .doc = "fraction: close `fraction` per step; tiers_down: close enough to fall `tiers_down` "
            "maintenance tiers (OKX); shortage: close what brings equity back to maintenance "
            "margin plus `buffer`, net of the fill and the fee on the part closed (Drift)"},
    {FLD(p_partial, "tiers_down", F_INT, false, tiers_down), .def = "2", .lo = "1", .hi = "100",
     .doc = "tiers a tiers_down step reduces by; a position within that many tiers of the first "
            "closes in full"},
    {FLD(p_partial, "fraction", F_DEC, false, fraction), .lo = "0.000000000001", .hi = "1",
     .unit = "rate", .doc = "fraction of the position closed per liquidation step"},
    {FLD(p_partial, "above_notional", F_DEC, false, above_notional), .def = "0", .lo = "0",
     .unit = "notional", .doc = "only positions above this notional are liquidated partially"},
    {FLD(p_partial, "buffer", F_DEC, false, buffer), .def = "0", .lo = "0", .hi = "1",
     .unit = "rate",
     .doc = "shortage: the margin a slice restores above maintenance, as a fraction of the "
            "notional (Drift's liquidation_margin_buffer_ratio)"},
    {FLD(p_partial, "size_step", F_DEC, false, size_step), .lo = "0.000000000001",
     .doc = "shortage: a slice is rounded up to this size (Drift: the market's order step)"},
};
static const schema partial_s = {"liquidation.partial", sizeof(p_partial), true, partial_f,
                                 sizeof partial_f / sizeof *partial_f};

static const field fee_f[] = {
    {FLD(p_fee, "rate", F_DEC, false, rate), .def = "0", .lo = "0", .hi = "1", .unit = "rate",
     .doc = "liquidation (clearance) fee rate"},
    {FLD(p_fee, "base", F_ENUM, false, base), .enum_vals = feebase_names, .def = "fill_notional",
     .doc = "notional the fee rate applies to"},
    {FLD(p_fee, "cap", F_ENUM, false, cap), .enum_vals = feecap_names, .def = "none",
     .doc = "remaining_margin: the fee never exceeds what the trader has left"},
    {FLD(p_fee, "receiver", F_ENUM, false, receiver), .enum_vals = recv_names,
     .def = "insurance_fund", .doc = "who receives the fee"},
};
static const schema fee_s = {"liquidation.fee", sizeof(p_fee), true, fee_f,
                             sizeof fee_f / sizeof *fee_f};

static const field backstop_f[] = {
    {FLD(p_backstop, "below_mm", F_DEC, true, below_mm), .lo = "0", .hi = "1", .unit = "rate",
     .doc = "a position whose equity at the mark is below this fraction of its maintenance "
            "margin is taken over by `to` at the mark, with its margin (Hyperliquid: 2/3)"},
    {FLD(p_backstop, "to", F_ENUM, false, to), .enum_vals = recv_names, .def = "insurance_fund",
     .doc = "who takes the position over: insurance_fund (a liquidator vault), venue, ..."},
};
static const schema backstop_s = {"liquidation.backstop", sizeof(p_backstop), true, backstop_f,
                                  sizeof backstop_f / sizeof *backstop_f};

static const char *const limit_names[] = {"none", "bankruptcy", "fillable", NULL};
static const char *const unfilled_names[] = {"adl", "retry", NULL};
static const field limit_f[] = {
    {FLD(p_limit, "price", F_ENUM, true, price), .enum_vals = limit_names,
     .doc = "the liquidation order's limit: none; bankruptcy (Kraken's IOC at the bankruptcy "
            "price); fillable (dYdX: mark -/+ ABR x spread_to_maintenance x MM / size, ABR = "
            "clamp(bankruptcy_adjustment x (1 - equity / MM), 0, 1))"},
    {FLD(p_limit, "bankruptcy_adjustment", F_DEC, false, adjustment), .def = "1", .lo = "0",
     .doc = "fillable: dYdX's bankruptcy_adjustment_ppm as a fraction"},
    {FLD(p_limit, "spread_to_maintenance", F_DEC, false, spread), .def = "0", .lo = "0",
     .doc = "fillable: dYdX's spread_to_maintenance_margin_ratio_ppm as a fraction"},
    {FLD(p_limit, "unfilled", F_ENUM, false, unfilled), .enum_vals = unfilled_names,
     .def = "adl",
     .doc = "when the market would fill beyond the limit: adl (the position goes to the adl "
            "stage at the bankruptcy price: Kraken's assignment, dYdX's deleveraging) or retry "
            "(it stays open and is tried again at the next mark, unless its equity at the "
            "mark is already negative, which deleverages it: dYdX)"},
};
static const schema limit_s = {"liquidation.limit", sizeof(p_limit), true, limit_f,
                               sizeof limit_f / sizeof *limit_f};

static const field liq_f[] = {
    {FLD(p_liquidation, "fill", F_ENUM, false, fill), .enum_vals = fill_names, .def = "market",
     .doc = "market: closed at the market fill; bankruptcy: taken over at the bankruptcy price"},
    {FLD(p_liquidation, "fill_price", F_ENUM, false, fill_price), .enum_vals = fill_price_names,
     .def = "last",
     .doc = "the path column a liquidation fills from: last (the traded prices, where the path "
            "has them, else the venue's price) or trigger (the venue's own price, trigger.price's "
            "column: an oracle-priced taker such as Drift's liquidator or GMX's keeper)"},
    {FLD(p_liquidation, "surplus", F_ENUM, false, surplus), .enum_vals = surplus_names,
     .def = "trader", .doc = "who keeps equity left after the close and fee"},
    {FLD(p_liquidation, "partial", F_MAP, false, partial), .sub = &partial_s,
     .doc = "partial liquidation steps (absent: full liquidation)"},
    {FLD(p_liquidation, "backstop", F_MAP, false, backstop), .sub = &backstop_s,
     .doc = "takeover of deeply underwater positions at the mark (absent: none)"},
    {FLD(p_liquidation, "fee", F_MAP, false, fee), .sub = &fee_s, .doc = "liquidation fee"},
    {FLD(p_liquidation, "limit", F_MAP, false, limit), .sub = &limit_s,
     .doc = "the liquidation order's limit price and what happens when it is not filled "
            "(absent: no limit)"},
};
static const schema liq_s = {"liquidation", sizeof(p_liquidation), true, liq_f,
                             sizeof liq_f / sizeof *liq_f};

static const field if_f[] = {
    {FLD(p_insurance, "balance", F_DEC_UNLIM, false, balance), .def = "unlimited", .lo = "0",
     .unit = "amount", .doc = "fund balance available to this position, or unlimited"},
};
static const schema if_s = {"insurance_fund", sizeof(p_insurance), true, if_f,
                            sizeof if_f / sizeof *if_f};

static const field adl_f[] = {
    {FLD(p_adl, "ranking", F_ENUM, false, ranking), .enum_vals = adlrank_names,
     .def = "pnl_times_leverage", .doc = "how counterparties are ranked"},
    {FLD(p_adl, "close_price", F_ENUM, false, close_price), .enum_vals = adlpx_names,
     .def = "bankruptcy",
     .doc = "price at which counterparties are closed: bankruptcy; mark (the venue's price "
            "at the close); oracle (the path's oracle column at that tick, else the venue's "
            "price)"},
};
static const schema adl_s = {"adl", sizeof(p_adl), true, adl_f, sizeof adl_f / sizeof *adl_f};

static const field soc_f[] = {
    {FLD(p_social, "method", F_ENUM, true, method), .enum_vals = soc_names,
     .doc = "clawback: the winners (open positions in profit) pay pro rata to their profit "
            "(Deribit, OKEx 2018); funding: every open position of the market, long or short, "
            "pays the same amount per base unit (Drift's cumulative funding rate)"},
    {FLD(p_social, "unit_step", F_DEC, false, unit_step), .lo = "0.000000000001",
     .doc = "the loss per unit (of profit for clawback, of open base for funding) rounded up "
            "to this step (Drift: 0.000001, its quote precision); absent: exact, the last "
            "payer takes the remainder"},
    {FLD(p_social, "charge_step", F_DEC, false, charge_step), .lo = "0.000000000001",
     .unit = "amount",
     .doc = "each account's charge (per unit x its units) rounded down to this step (Drift: "
            "0.000001); the difference from the loss is the venue's"},
};
static const schema soc_s = {"socialized_loss", sizeof(p_social), true, soc_f,
                             sizeof soc_f / sizeof *soc_f};

static const field shortfall_f[] = {
    {FLD(p_shortfall, "order", F_LIST_ENUM, true, order), .enum_vals = liq_stage_names,
     .doc = "stages that cover a deficit, in order"},
};
static const schema shortfall_s = {"shortfall", sizeof(p_shortfall), true, shortfall_f,
                                   sizeof shortfall_f / sizeof *shortfall_f};

static const field nbp_f[] = {
    {FLD(p_nbp, "protection", F_BOOL, true, protection),
     .doc = "true: the trader never owes more than the collateral"},
};
static const schema nbp_s = {"negative_balance", sizeof(p_nbp), true, nbp_f,
                             sizeof nbp_f / sizeof *nbp_f};

static const field debt_f[] = {
    {FLD(p_debt, "actions", F_LIST_ENUM, false, actions), .enum_vals = liq_debt_action_names,
     .doc = "what the venue does to recover a negative balance"},
    {FLD(p_debt, "deadline_hours", F_INT, false, deadline_hours), .lo = "0",
     .doc = "time given to repay before further action"},
};
static const schema debt_s = {"debt", sizeof(p_debt), true, debt_f,
                              sizeof debt_f / sizeof *debt_f};

static const field itier_f[] = {
    {FLD(p_itier, "up_to", F_DEC, false, up_to), .lo = "0", .unit = "amount",
     .doc = "upper bound of the balance slice this spread applies to (omit on the last)"},
    {FLD(p_itier, "spread", F_DEC, true, spread), .lo = "0", .hi = "1", .unit = "rate",
     .doc = "annual rate over the benchmark on this slice (IBKR: 1.5% up to 100,000 USD)"},
};
static const schema itier_s = {"interest.tiers[]", sizeof(p_itier), true, itier_f,
                               sizeof itier_f / sizeof *itier_f};

static const char *const intbase_names[] = {"loan", "debit", NULL};
static const field interest_f[] = {
    {FLD(p_interest, "base", F_ENUM, false, base), .enum_vals = intbase_names, .def = "loan",
     .doc = "what interest is charged on: loan (the whole amount the venue extended, "
            "collateral not deducted: a long's cost at entry, a short's base at the venue's "
            "price; Kraken) or debit (the account's negative cash balance: a long's cost at "
            "entry less its margin; IBKR)"},
    {FLD(p_interest, "period_hours", F_DEC, true, period_hours), .lo = "0.000000000001",
     .doc = "one charge per period of this many hours the path's time crosses (Kraken: 4, "
            "IBKR: 24)"},
    {FLD(p_interest, "opening", F_BOOL, false, opening), .def = "false",
     .doc = "a first charge when the position opens (Kraken's opening fee)"},
    {FLD(p_interest, "rate", F_DEC, false, rate), .lo = "0", .hi = "1", .unit = "rate",
     .doc = "per period, on a long's loan (the quote currency lent)"},
    {FLD(p_interest, "short_rate", F_DEC, false, short_rate), .lo = "0", .hi = "1",
     .unit = "rate", .doc = "per period, on a short's loan (the base asset lent, valued at the "
                            "venue's price); absent: a short's interest is not known"},
    {FLD(p_interest, "tiers", F_LIST_MAP, false, tiers), .sub = &itier_s,
     .doc = "instead of rate: the annual benchmark (the scenario's market.interest_benchmark, "
            "0 when negative) plus each slice's spread, over day_count days (IBKR)"},
    {FLD(p_interest, "day_count", F_INT, false, day_count), .lo = "1", .hi = "366",
     .doc = "with tiers: days an annual rate is divided by (IBKR: USD 360, GBP 365)"},
};
static const schema interest_s = {"interest", sizeof(p_interest), true, interest_f,
                                  sizeof interest_f / sizeof *interest_f};

static const field ctier_f[] = {
    {FLD(p_ctier, "up_to", F_DEC, false, up_to), .lo = "0",
     .doc = "upper bound of the slice this ratio applies to, in units of the asset (tier_by: "
            "quantity) or in the settlement currency (tier_by: value); omit on the last"},
    {FLD(p_ctier, "ratio", F_DEC, true, ratio), .lo = "0", .hi = "1", .unit = "rate",
     .doc = "the share of the slice's value the venue counts as margin"},
};
static const schema ctier_s = {"collateral.assets[].tiers[]", sizeof(p_ctier), true, ctier_f,
                               sizeof ctier_f / sizeof *ctier_f};

static const char *const ctier_names[] = {"quantity", "value", NULL};
static const field casset_f[] = {
    {FLD(p_casset, "asset", F_STR, true, asset), .doc = "the asset's symbol (BTC, ETH, USDT)"},
    {FLD(p_casset, "ratio", F_DEC, false, ratio), .lo = "0", .hi = "1", .unit = "rate",
     .doc = "the share of its value the venue counts as margin (Binance's collateral value "
            "ratio: BTC 95%); with neither ratio nor tiers the venue counts the asset at a "
            "ratio this policy does not know, and an account holding it is not evaluated"},
    {FLD(p_casset, "tier_by", F_ENUM, false, tier_by), .enum_vals = ctier_names,
     .def = "quantity",
     .doc = "what the tiers' bounds measure: the quantity held (Bybit) or its value in the "
            "settlement currency"},
    {FLD(p_casset, "tiers", F_LIST_MAP, false, tiers), .sub = &ctier_s,
     .doc = "instead of ratio: ascending {up_to, ratio}, each slice of the holding counted at "
            "its own ratio (Bybit's tiered collateral value ratio)"},
};
static const schema casset_s = {"collateral.assets[]", sizeof(p_casset), true, casset_f,
                                sizeof casset_f / sizeof *casset_f};

static const field collateral_f[] = {
    {FLD(p_collateral, "assets", F_LIST_MAP, true, assets), .sub = &casset_s,
     .doc = "the assets the venue counts as margin beside the settlement currency, each at its "
            "ratio (an account's collateral_assets; an asset not listed is not evaluated)"},
};
static const schema collateral_s = {"collateral", sizeof(p_collateral), true, collateral_f,
                                    sizeof collateral_f / sizeof *collateral_f};

static const field round_f[] = {
    {FLD(p_rounding, "price_tick", F_DEC, false, price_tick), .lo = "0.000000000001",
     .unit = "price", .doc = "tick prices are rounded to"},
    {FLD(p_rounding, "price", F_ENUM, false, price), .enum_vals = prr_names, .def = "conservative",
     .doc = "conservative rounds against the trader (long up, short down)"},
    {FLD(p_rounding, "amount_step", F_DEC, false, amount_step), .lo = "0.000000000001",
     .unit = "amount", .doc = "precision of amounts"},
    {FLD(p_rounding, "amount", F_ENUM, false, amount), .enum_vals = round_names,
     .def = "half_even", .doc = "round mode for amounts"},
    {FLD(p_rounding, "fee", F_ENUM, false, fee), .enum_vals = round_names, .def = "up",
     .doc = "round mode for fees"},
};
static const schema round_s = {"rounding", sizeof(p_rounding), true, round_f,
                               sizeof round_f / sizeof *round_f};

static const field hooks_f[] = {
    {FLD(p_hooks, "file", F_STR, false, file), .doc = "Lua file, relative to the policy"},
    {FLD(p_hooks, "maintenance_margin", F_STR, false, fn[HOOK_MM]),
     .doc = "function replacing the maintenance margin"},
    {FLD(p_hooks, "liquidation_fee", F_STR, false, fn[HOOK_FEE]),
     .doc = "function replacing the liquidation fee"},
    {FLD(p_hooks, "insurance_fund", F_STR, false, fn[HOOK_IF]),
     .doc = "function deciding the insurance fund's payment"},
    {FLD(p_hooks, "adl", F_STR, false, fn[HOOK_ADL]),
     .doc = "function deciding what ADL covers"},
    {FLD(p_hooks, "debt_pursuit", F_STR, false, fn[HOOK_DEBT]),
     .doc = "function listing the actions taken on a debt"},
    {FLD(p_hooks, "instruction_limit", F_INT, false, instruction_limit), .def = "1000000",
     .lo = "1000", .hi = "1000000000",
     .doc = "units of work per hook call: VM instructions plus library charges"},
    {FLD(p_hooks, "memory_limit", F_INT, false, memory_limit), .def = "8388608", .lo = "65536",
     .hi = "1073741824", .doc = "bytes the policy's Lua state may hold"},
};
static const schema hooks_s = {"hooks", sizeof(p_hooks), true, hooks_f,
                               sizeof hooks_f / sizeof *hooks_f};

static const char *const kind_names[] = {"perpetual", "dated", NULL};
static const field market_f[] = {
    {FLD(p_market, "symbol", F_STR, true, symbol), .doc = "the venue's own symbol (BTCUSDT)"},
    {FLD(p_market, "aliases", F_LIST_STR, false, aliases),
     .doc = "other spellings traders use (BTC-USDT, BTC-PERP)"},
    {FLD(p_market, "base", F_STR, true, base), .doc = "base asset, venue-neutral (XBT is BTC)"},
    {FLD(p_market, "quote", F_STR, true, quote), .doc = "quote currency (USDT, USD, USDC)"},
    {FLD(p_market, "kind", F_ENUM, false, kind), .enum_vals = kind_names, .def = "perpetual",
     .doc = "perpetual swap or dated future"},
    {FLD(p_market, "contract", F_OVERRIDE, false, override_slot), .sub = &contract_s,
     .doc = "this market's contract, over the venue-wide one"},
    {FLD(p_market, "margin", F_OVERRIDE, false, override_slot), .sub = &margin_s,
     .doc = "this market's maximum leverage and maintenance tiers"},
    {FLD(p_market, "trigger", F_OVERRIDE, false, override_slot), .sub = &trigger_s,
     .doc = "this market's trigger"},
    {FLD(p_market, "liquidation", F_OVERRIDE, false, override_slot), .sub = &liq_s,
     .doc = "this market's liquidation fee and steps"},
    {FLD(p_market, "insurance_fund", F_OVERRIDE, false, override_slot), .sub = &if_s,
     .doc = "this market's insurance fund"},
    {FLD(p_market, "rounding", F_OVERRIDE, false, override_slot), .sub = &round_s,
     .doc = "this market's tick and precision"},
    {FLD(p_market, "interest", F_OVERRIDE, false, override_slot), .sub = &interest_s,
     .doc = "this market's interest on margin loans"},
};
static const schema market_s = {"markets[]", sizeof(p_market), true, market_f,
                                sizeof market_f / sizeof *market_f};
/* The keys of a market that are merged over the venue-wide sections. */
const char *const liq_market_override_keys[] = {"contract", "margin", "trigger", "liquidation",
                                                "insurance_fund", "rounding", "interest",
                                                NULL};

static const field root_f[] = {
    {FLD(p_root, "liqsim", F_INT, true, liqsim), .lo = "1", .hi = "1", .doc = "format version (1)"},
    {FLD(p_root, "extends", F_STR, false, extends),
     .doc = "inherit another policy (name or path) and override keys: maps merge, lists replace"},
    {FLD(p_root, "name", F_STR, true, name), .doc = "shipped name, [a-z0-9-]+"},
    {FLD(p_root, "venue", F_STR, true, venue), .doc = "display name"},
    {FLD(p_root, "product", F_STR, true, product), .doc = "product the numbers are for"},
    {FLD(p_root, "version", F_DATE, true, version), .doc = "date this file was last revised"},
    {FLD(p_root, "effective", F_DATE, true, effective), .doc = "date of the rules it encodes"},
    {FLD(p_root, "description", F_STR, false, description), .doc = "what is special here"},
    {FLD(p_root, "sources", F_DICT_MAP, true, sources), .sub = &source_s,
     .doc = "id -> where a rule or number comes from"},
    {FLD(p_root, "contract", F_MAP, true, contract), .sub = &contract_s, .doc = "contract type"},
    {FLD(p_root, "margin", F_MAP, true, margin), .sub = &margin_s, .doc = "margin model"},
    {FLD(p_root, "trigger", F_MAP, false, trigger), .sub = &trigger_s, .doc = "trigger"},
    {FLD(p_root, "liquidation", F_MAP, true, liquidation), .sub = &liq_s,
     .doc = "how the position is closed"},
    {FLD(p_root, "insurance_fund", F_MAP, false, insurance_fund), .sub = &if_s,
     .doc = "insurance fund"},
    {FLD(p_root, "adl", F_MAP, false, adl), .sub = &adl_s, .doc = "auto-deleveraging"},
    {FLD(p_root, "socialized_loss", F_MAP, false, socialized_loss), .sub = &soc_s,
     .doc = "socialized loss"},
    {FLD(p_root, "shortfall", F_MAP, true, shortfall), .sub = &shortfall_s,
     .doc = "order of the stages that cover a deficit"},
    {FLD(p_root, "negative_balance", F_MAP, true, negative_balance), .sub = &nbp_s,
     .doc = "negative-balance protection"},
    {FLD(p_root, "debt", F_MAP, false, debt), .sub = &debt_s, .doc = "debt pursuit"},
    {FLD(p_root, "interest", F_MAP, false, interest), .sub = &interest_s,
     .doc = "interest on the venue's margin loan, charged along the path (absent: none)"},
    {FLD(p_root, "collateral", F_MAP, false, collateral), .sub = &collateral_s,
     .doc = "assets counted as margin beside the settlement currency, at their ratios "
            "(absent: only the settlement currency)"},
    {FLD(p_root, "rounding", F_MAP, false, rounding), .sub = &round_s, .doc = "rounding"},
    {FLD(p_root, "hooks", F_MAP, false, hooks), .sub = &hooks_s, .doc = "Lua hooks"},
    {FLD(p_root, "markets", F_LIST_MAP, false, markets), .sub = &market_s,
     .doc = "the markets the venue lists; each overrides venue-wide sections (docs/markets.md)"},
};
const schema liq_policy_schema = {"policy", sizeof(p_root), false, root_f,
                                  sizeof root_f / sizeof *root_f};
