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

-- The formula alone, in Drift's units (rates as fractions, amounts in quote).
function perp_if_fee_rate(margin_ratio, liquidator_fee, max_if_fee, shortage, base_value)
  if margin_ratio <= liquidator_fee or base_value <= dec.zero then
    return dec.zero
  end
  local shortage_term = (shortage / base_value):round(PPM, "down")
  local implied = margin_ratio - liquidator_fee - shortage_term
  if implied <= dec.zero then
    return dec.zero
  end
  implied = (implied * SHARE):round(PPM, "down")
  return dec.min(max_if_fee, implied)
end

-- Equity and maintenance requirement at the oracle price that triggered the
-- liquidation. The engine passes the equity after the close at the fill
-- (remaining_margin); the fill differs from the trigger by the scenario's
-- slippage, which is added back. Linear contracts (size in SOL).
local function shortage_at_trigger(ctx, margin_ratio)
  local sgn = ctx.side == "long" and 1 or -1
  local equity = ctx.remaining_margin
      + ctx.size_closed * (ctx.trigger_price - ctx.fill_price) * sgn
  local requirement = ctx.notional * margin_ratio    -- notional at the trigger (fee.base)
  return dec.max(requirement - equity, dec.zero)
end

function liquidation_fee(ctx)
  local shortage = shortage_at_trigger(ctx, ctx.maintenance_rate)
  local rate = perp_if_fee_rate(ctx.maintenance_rate, LIQUIDATOR_FEE, ctx.rate,
                                shortage, ctx.notional)
  return ctx.notional * rate
end
