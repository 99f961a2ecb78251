-- A hook file that does not parse (tests/test_hook.c).

function fee(ctx)
  return ctx.notional *
end
