-- The defect of fee-creates-money.yaml: past bankruptcy, a negative fee
-- equal to the deficit, as if money came from nowhere to cover it.
function fee(ctx)
  if ctx.remaining_margin < dec.zero then
    return ctx.remaining_margin
  end
  return ctx.notional * ctx.rate
end
