-- kraken-spot-margin.lua — the parts of Kraken spot margin that are code.
--
-- Kraken does not state maintenance margin as a rate on notional: it liquidates
-- on the margin level, equity / used margin, at ~40% (margin call ~80%), and
-- used margin is the position's cost divided by its leverage. For a short the
-- used margin is denominated in the borrowed asset, so in USD it grows with the
-- price (Kraken's "Margin trading examples": 0.04 BTC × 65,200 = $2,608).
-- Everything else (tiers, fill, debt) is in kraken-spot-margin.yaml.
--
-- Sources: support.kraken.com articles 203325763 (margin call / liquidation
-- level), 204586258 (Maintenance Margin), 203053156 (Margin trading examples).

-- Equity at which the automatic liquidation starts, as a fraction of used
-- margin (~40%; Kraken says the exact level varies with volatility). Made a
-- decimal once, when the file loads, so a call parses nothing.
local LIQUIDATION_LEVEL = dec("0.4")

function maintenance_margin(ctx)
  if ctx.side == "long" then
    -- cost = size × entry; it does not move with the price
    return LIQUIDATION_LEVEL * (ctx.entry_notional / ctx.leverage)
  end
  -- borrowed BTC / leverage, valued at the price being tested
  return LIQUIDATION_LEVEL * (ctx.notional / ctx.leverage)
end

-- A negative balance after liquidation stays the client's obligation: the
-- margin extension must be returned and "other funds in your account will be
-- taken as needed" (article 9148088075028). The demand to deposit is modelled
-- as a margin call; collections are our assumption (no published procedure).
function debt_pursuit(ctx)
  if ctx.owed <= dec.zero then
    return {}
  end
  return {
    { type = "margin_call", amount = ctx.owed, note = "deposit to repay the margin extension" },
    { type = "collections", note = "assumed: no published procedure" },
  }
end
