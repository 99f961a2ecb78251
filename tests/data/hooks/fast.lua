-- Straight-line hooks engine/hook_fast.c answers without entering Lua,
-- and hooks it must leave to Lua (tests/test_hook.c runs each both ways).

local LEVEL = "0.4"
local PER_UNIT = { BTC = "0.00005", SOL = "0.000005" }
SHARE = dec("0.95")

-- the bench's two hooks
function fee(ctx)
  local f = ctx.notional * ctx.rate
  if f > ctx.remaining_margin then f = ctx.remaining_margin end
  if f < dec.zero then return dec.zero end
  return f
end

function fund(ctx)
  return ctx.deficit / 2
end

-- kraken-spot-margin's maintenance_margin
function by_side(ctx)
  local used
  if ctx.side == "long" then
    used = ctx.notional / ctx.leverage
  else
    used = ctx.size / ctx.leverage
  end
  return dec(LEVEL) * used
end

-- deribit's maintenance_margin: a table upvalue read by a ctx string
function per_unit(ctx)
  local p = PER_UNIT[ctx.side]
  if p == nil then
    error("no size term for '" .. ctx.side .. "'")
  end
  local size = ctx.size
  if size < dec("0") then
    size = -size
  end
  return ctx.notional * (ctx.rate + size * dec(p))
end

-- every operand shape: integers, strings, immediates either side
function shapes(ctx)
  local x = ctx.notional
  local a = x * "0.0005" + 2 * x - 1
  local b = (1 - x) / "3" + x * 3 - x / 7
  if x >= 0 and 0 < x and x <= 1000000 and not (x == dec.zero) then
    a = a + b * SHARE
  end
  if ctx.flag then a = -a end
  if ctx.missing == nil then a = a + dec(ctx.leverage) end
  return a
end

function integer_result(ctx)
  if ctx.flag then return 7 end
  return ctx.leverage
end

function nothing(ctx)
  if ctx.flag then return nil end
end

function typo(ctx)
  return ctx.notionl * 2
end

function float_operand(ctx)
  return ctx.notional * 0.5
end

function divide(ctx)
  return ctx.notional / ctx.rate
end

-- a long string parsed 27 times: each dec(S) costs 1 + 301 / 8 = 38
-- units, each + one: 1,052 units in 135 instructions
local S = "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"
function many_strings(ctx)
  return dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S) + dec(S)
end

-- a field of per_unit's table another hook changes (through Lua)
function set_per_unit(ctx)
  PER_UNIT[ctx.side] = ctx.level
  return 0
end

-- a global and an upvalue another hook changes (through Lua)
function read_global(ctx)
  return dec(GLOBAL_RATE) * ctx.notional
end

function read_upvalue(ctx)
  return dec(LEVEL) * ctx.notional
end

GLOBAL_RATE = "0.01"

function set_both(ctx)
  GLOBAL_RATE = ctx.level
  LEVEL = ctx.level
  return 0
end

-- left to Lua: a loop, a call of its own
function looped(ctx)
  local a = dec.zero
  for i = 1, 3 do a = a + ctx.notional end
  return a
end

function calls_a_helper(ctx)
  return dec.max(ctx.notional, ctx.rate)
end

-- one instruction reading a field of either of two tables
local A, B = { x = "1" }, { x = "2" }
function two_tables(ctx)
  local t = B
  if ctx.flag then t = A end
  return dec(t.x) * ctx.notional
end

