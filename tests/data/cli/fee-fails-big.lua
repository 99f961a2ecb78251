-- The policy's rate, but an error above 1 BTC (tests/data/cli/fee-fails-big.yaml).
function fee(ctx)
  if ctx.size_closed > dec("1") then
    error("too big")
  end
  return ctx.notional * ctx.rate
end
