-- Hooks at the edges of what engine/hook_fast.c models (tests/test_hook.c,
-- test_fast_hooks_answer_as_lua_does_at_the_edges, runs each both ways):
-- ctx compared with a table (itself, kept by another hook), decimals at
-- the light form's limits, integer fields, nil fields.

local T = setmetatable({}, { __eq = function() return true end })
local BOX = {}

-- another hook keeps ctx; ctx is one table per runtime, so the kept one
-- is the ctx of every later call
function keep_ctx(ctx)
  BOX.kept = ctx
  return dec(0)
end

function is_kept(ctx)
  if ctx == BOX.kept then return dec(1) end
  return dec(2)
end

function not_kept(ctx)
  if BOX.kept ~= ctx then return dec(3) end
  return dec(4)
end

-- a table with an __eq: Lua calls it for two tables, ctx being one
function eq_meta(ctx)
  if ctx == T then return dec(5) end
  return dec(6)
end

-- the light form's limits, crossed by a sum, a product, a negation
function plus_unit(ctx)
  return ctx.notional + dec("0.000000000001")
end

function minus_unit(ctx)
  return ctx.notional - dec("0.000000000001")
end

function negated(ctx)
  return -ctx.notional
end

function scaled(ctx)
  return ctx.notional * ctx.rate
end

function quotient(ctx)
  return ctx.notional / ctx.rate
end

function same_value(ctx)
  if ctx.notional == ctx.deficit then return 1 end
  if ctx.notional < ctx.deficit then return 2 end
  return 3
end

-- integer fields: Lua's own order, dec's arithmetic with a decimal
function int_mixed(ctx)
  if ctx.leverage < 5 then return ctx.leverage end
  if ctx.leverage >= 1000000 then return dec(ctx.leverage) end
  return ctx.leverage * ctx.rate
end

function int_against_dec(ctx)
  if ctx.leverage < ctx.notional then return dec(7) end
  if ctx.leverage == ctx.notional then return dec(8) end
  return dec(9)
end

-- a nil field, and rounding to a step at the limits
function nil_field(ctx)
  if ctx.missing == nil then return ctx.notional:round("0.000001", ctx.mode) end
  return ctx.notional:round("1", ctx.mode)
end
