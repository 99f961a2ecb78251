-- Hooks that call functions of the file's own and dec's round method,
-- which engine/hook_fast.c answers without entering Lua as Lua would
-- (tests/test_hook.c runs each both ways). Its main chunk is short: a
-- test loads it under a budget of 40.

local SHARE = dec("0.95")

-- functions of the file's own, called (drift's liquidation_fee calls
-- perp_if_fee_rate), and dec's round method: each called function runs
-- in a frame of its own, as Lua runs it
local PPM = dec("0.000001")
function clipped_rate(margin, cap, shortage, value)
  if value <= dec.zero then
    return dec.zero
  end
  local r = margin - (shortage / value):round(PPM, "down")
  if r <= dec.zero then
    return dec.zero
  end
  r = (r * SHARE):round(PPM, "down")
  if cap < r then
    return cap
  end
  return r
end

function calls_own(ctx)
  return ctx.notional * clipped_rate(ctx.rate, ctx.remaining_margin, ctx.deficit, ctx.notional)
end

-- round in every form: a step from ctx (zero and negative ones are
-- round's own errors), every mode and an unknown one, nil for the
-- default, a string step
function rounds(ctx)
  local a = ctx.notional:round(ctx.size, ctx.mode)
  local b = ctx.deficit:round("0.01")
  return a + b + ctx.notional:round(PPM, nil)
end

-- a local function (an upvalue), fewer and more arguments than it takes
local function half(x)
  return x / 2
end
local function pick(a, b, c)
  if c == nil then
    return a
  end
  return b
end
function nested(ctx)
  return pick(half(ctx.notional), ctx.rate) + pick(ctx.rate, half(ctx.deficit), ctx.flag, 1)
end

-- as deep as leverage - 2 calls (deep's own a tail call): past the
-- frames hook_fast.c nests, Lua's
function countdown(n, x)
  if n <= dec.zero then
    return x
  end
  return dec.zero + countdown(n - 1, x + 1)
end
function deep(ctx)
  return countdown(dec(ctx.leverage) - 2, ctx.notional)
end

-- a method hook_fast.c does not model, and one dec does not have
function other_method(ctx)
  if ctx.flag then
    return ctx.notional:nope()
  end
  return ctx.notional:abs()
end

-- the called function changed by another hook (through Lua)
local first_rate = clipped_rate
local function flat_rate(margin, cap, shortage, value)
  return margin
end
function set_helper(ctx)
  if ctx.flag then
    clipped_rate = flat_rate
  else
    clipped_rate = first_rate
  end
  return 0
end

-- 46 instructions and one operation: under a budget below the count
-- step, Lua's count hook fires at the budget's count of instructions
function long_way(ctx)
  local x = ctx.notional
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  x = ctx.notional
  x = ctx.rate
  return x * 2
end
