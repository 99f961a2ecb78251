-- deribit.lua — Deribit's size-scaled maintenance margin for its
-- linear USDC perpetuals, which a tier table cannot express:
--
--   MM rate = base rate + size × per-unit rate     (size in the base coin)
--   MM      = MM rate × position value
--
--   BTC_USDC: 1% + size_BTC × 0.005%   (IM 2% + size_BTC × 0.005%)
--   SOL_USDC: 2% + size_SOL × 0.0005%  (IM 4% + size_SOL × 0.0005%)
--
-- Source: support.deribit.com/hc/en-us/articles/25944738177565 (Linear
-- Perpetual): 25 BTC at an index of 100,000 → 1.125% → 28,125 USDC; 25 SOL
-- at 200 → 2.0125% → 100.625 USDC. The base rate is the market's single tier
-- in the policy (ctx.tier_rate); the per-unit rate differs by coin and is
-- kept here, by the market's symbol. The position value is taken at the
-- price being tested (Deribit margins on the mark price, and its examples
-- value the position at the index price).

-- The per-unit rates are made decimals once, when the file loads: a call
-- then makes the three decimal operations of Deribit's formula and no more.
local PER_UNIT = {
  ["BTC_USDC-PERPETUAL"] = dec("0.00005"),   -- 0.005% per BTC
  ["SOL_USDC-PERPETUAL"] = dec("0.000005"),  -- 0.0005% per SOL
}

function maintenance_margin(ctx)
  local per_unit = PER_UNIT[ctx.market]
  if per_unit == nil then
    error("no size term for market '" .. ctx.market .. "'")
  end
  -- ctx.size is a magnitude, never negative (its direction is ctx.side)
  return ctx.notional * (ctx.tier_rate + ctx.size * per_unit)
end
