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

-- ctx keeps the values it was read for (engine/hook.c): whatever was read
-- before, each call reads its own.
function read_twice(ctx)
  return tostring(ctx.notional) .. "|" .. tostring(ctx.notional) .. "|" .. ctx.side
end

function just_notional(ctx)
  return ctx.notional
end

local kept
function keep(ctx)
  kept = ctx
  return ctx.notional
end

-- another hook reading the ctx keep() was given
function read_kept(ctx)
  return kept.notional
end

function write_after_read(ctx)
  local n = ctx.notional
  ctx.notional = n
  return n
end

-- ctx.f1 + ... + ctx.fN: more fields than a cache keeps
function sum_fields(ctx)
  local s = dec.zero
  for i = 1, ctx.n do
    s = s + ctx["f" .. i]
  end
  return s
end

-- one hook among more than have a cache of their own
function hook1(ctx) return ctx.notional end
function hook2(ctx) return ctx.notional end
function hook3(ctx) return ctx.notional end
function hook4(ctx) return ctx.notional end
function hook5(ctx) return ctx.notional end
function hook6(ctx) return ctx.notional end
function hook7(ctx) return ctx.notional end
function hook8(ctx) return ctx.notional end
function hook9(ctx) return ctx.notional end
function hook10(ctx) return ctx.notional end

-- What it makes is charged to the budget; what the runtime had at hand
-- from a call before (ctx's values, dec of a string) must not change that.
function steady(ctx)
  local a = ctx.notional * dec("0.5") + ctx.rate
  local pad = string.rep("a", 1000)
  return a
end

-- more distinct strings than dec keeps
function many_strings(ctx)
  local s = dec.zero
  for i = 1, 100 do
    s = s + dec(tostring(i) .. ".5")
  end
  return s
end
