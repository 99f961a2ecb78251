-- The defect of loss-falls-deeper.yaml: all of the margin left as the fee
-- while more than 0.5 % of the notional is left, none below that.
function fee(ctx)
  if ctx.remaining_margin > ctx.notional * dec("0.005") then
    return ctx.remaining_margin
  end
  return dec.zero
end
