-- deribit-btc-perp.lua — Deribit's size-scaled maintenance margin for the
-- BTC_USDC linear perpetual, which a tier table cannot express:
--
--   MM rate = 1% + size_BTC × 0.005%      (IM rate = 2% + size_BTC × 0.005%)
--   MM      = MM rate × position value
--
-- Source: support.deribit.com/hc/en-us/articles/25944738177565 (Linear
-- Perpetual): 25 BTC at an index of 100,000 → 1.125% → 28,125 USDC.
-- The position value is taken at the price being tested (Deribit margins on
-- the mark price, and its example values the position at the index price).

local BASE_RATE = "0.01"        -- 1%
local PER_BTC   = "0.00005"     -- 0.005% per BTC of position size

function maintenance_margin(ctx)
  local size = ctx.size
  if size < dec("0") then
    size = -size
  end
  local rate = dec(BASE_RATE) + size * dec(PER_BTC)
  return ctx.notional * rate
end
