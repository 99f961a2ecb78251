-- Hooks with bugs an evaluation meets only on some positions
-- (tests/data/lint/hook-fails-on-some-positions.yaml): lint runs them.

function mm(ctx)
  if ctx.notional > dec(100000) then
    error("no tier above 100000")
  end
  return ctx.notional * ctx.tier_rate
end

function fee(ctx)
  if ctx.side == "short" then
    return ctx.notionl * ctx.rate
  end
  return ctx.notional * ctx.rate
end
