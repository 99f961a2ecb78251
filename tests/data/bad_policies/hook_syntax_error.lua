-- Does not parse: the expression after '*' is missing.
function mm(ctx)
  return ctx.notional *
end
