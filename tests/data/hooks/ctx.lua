-- What a hook may and may not do with ctx (tests/test_hook.c).

function scribble(ctx)
  ctx.notional = dec(0)
  return ctx.notional
end

function count_fields(ctx)
  local n = 0
  for _ in pairs(ctx) do n = n + 1 end
  return n
end
