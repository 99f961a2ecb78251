-- Hooks that write the policy's numbers again instead of reading ctx
-- (tests/data/lint/hook-repeats-parameter.yaml).
local MAINTENANCE = dec("0.005")     -- the tier's rate, again
local OWN_SHARE = dec("0.004")       -- lint: own (equal to the fee rate by chance)

function liquidation_fee(ctx)
  if ctx.remaining_margin < ctx.notional * MAINTENANCE then
    return ctx.notional * OWN_SHARE
  end
  return ctx.notional * ctx.rate      -- read from ctx: never flagged
end

function maintenance_margin(ctx)
  if ctx.notional > dec(50000) then
    return ctx.notional * ctx.tier_rate - 250   -- the tier's deduction, again
  end
  return ctx.notional * ctx.tier_rate - ctx.tier_deduction
end
