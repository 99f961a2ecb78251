-- What a hook may and may not do with ctx (tests/test_hook.c).

function scribble(ctx)
  ctx.notional = dec(0)
  return ctx.notional
end

function list_fields(ctx)
  local parts = {}
  for k, v in pairs(ctx) do
    parts[#parts + 1] = k .. "=" .. tostring(v)
  end
  return table.concat(parts, " ")
end

-- issue 13: one letter off
function typo(ctx)
  return ctx.notionl
end

function stranger(ctx)
  return ctx.volume
end

function by_number(ctx)
  return ctx[1]
end
