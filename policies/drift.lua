-- drift.lua — Drift's insurance-fund liquidation fee for a perp,
-- which is a formula of the account's state at liquidation, not a rate:
--
--   if_fee = min(max_if_fee,
--                0.95 x (margin_ratio - liquidator_fee - shortage / (base x price)))
--
-- margin_ratio is the market's maintenance margin ratio, liquidator_fee the
-- liquidator's share, shortage the maintenance requirement minus total
-- collateral when the liquidation happens, base x price the position's value
-- at the oracle price. The closer the account is to bankruptcy, the smaller
-- the fee; an account whose shortage exceeds that margin pays none.
--
-- Source: drift-labs/protocol-v2 programs/drift/src/math/liquidation.rs,
-- calculate_perp_if_fee, and its tests (math/liquidation/tests.rs, mod
-- calculate_perp_if_fee): margin ratio 5%, liquidator fee 1%, max 5%, base 10
-- at 100, shortage 20 / 1 / 1000 -> 19,000 / 37,050 / 0 ppm.
-- Drift works in integers: the shortage term and the result are truncated to
-- parts per million (LIQUIDATION_FEE_PRECISION); so are they here.

-- The maintenance margin ratio is the policy's (margin.maintenance.tiers[].rate,
-- ctx.maintenance_rate) and the maximum IF fee its liquidation.fee.rate
-- (ctx.rate): a policy that extends drift.yaml with other values changes the
-- fee with them. The liquidator's fee has no key of its own in the policy (it
-- is the discount the scenario's slippage stands for), so it is written here:
-- SOL-PERP (market index 0), liquidatorFee 10,000 / 1,000,000 in the captured
-- PerpMarket account (drift.yaml, source drift-sol-perp-capture: third-party,
-- April 2024), the same 1% as Drift's unit test.
local LIQUIDATOR_FEE = dec("0.01")             -- lint: own (not liquidation.fee.rate)

local PPM = dec("0.000001")
local SHARE = dec("0.95")
local ZERO = dec.zero

-- The constants are decimals made once, when the file loads: a replay calls
-- this hook at every liquidation, and each decimal operation is a call into
-- the engine, so the steps below make only those the formula needs.

-- The formula alone, in Drift's units (rates as fractions, amounts in quote).
function perp_if_fee_rate(margin_ratio, liquidator_fee, max_if_fee, shortage, base_value)
  if margin_ratio <= liquidator_fee or base_value <= ZERO then
    return ZERO
  end
  local shortage_term = (shortage / base_value):round(PPM, "down")
  local implied = margin_ratio - liquidator_fee - shortage_term
  if implied <= ZERO then
    return ZERO
  end
  implied = (implied * SHARE):round(PPM, "down")
  if max_if_fee < implied then
    return max_if_fee
  end
  return implied
end

-- The shortage at the oracle price that triggered the liquidation: the
-- maintenance requirement less the equity there, or zero. The engine passes
-- the equity after the close at the fill (remaining_margin); the fill differs
-- from the trigger by the scenario's slippage, which is added back. Linear
-- contracts (size in SOL). Written out here rather than in a function of its
-- own: a replay calls this hook at every liquidation.
function liquidation_fee(ctx)
  local margin_ratio = ctx.maintenance_rate
  local notional = ctx.notional            -- at the trigger (fee.base)
  local moved = ctx.size_closed * (ctx.trigger_price - ctx.fill_price)
  local equity
  if ctx.side == "long" then
    equity = ctx.remaining_margin + moved
  else
    equity = ctx.remaining_margin - moved
  end
  local shortage = notional * margin_ratio - equity
  if shortage < ZERO then
    shortage = ZERO
  end
  local rate = perp_if_fee_rate(margin_ratio, LIQUIDATOR_FEE, ctx.rate, shortage, notional)
  return notional * rate
end
