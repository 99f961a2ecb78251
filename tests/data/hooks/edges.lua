-- Hooks at the edge of each limit (tests/test_hook.c); ctx.n says how far.

function move_n(ctx)
  table.move({}, 1, ctx.n, 1)
  return 0
end

function rep_n(ctx)
  return #string.rep("a", ctx.n)
end

function concat_n(ctx)
  return #(string.rep("a", ctx.n - 1) .. "b")
end

-- as many empty tables as the cap holds
function tables(ctx)
  local t = {}
  pcall(function() while true do t[#t + 1] = {} end end)
  return #t
end

function hold(ctx)
  local t = {}
  for i = 1, 300 do t[i] = {} end
  return #t
end

function quick(ctx)
  return 1
end

-- eleven decimal operations (a unit each), then table.move's 5 + n units
function dec_ops_then_move_n(ctx)
  local a = dec(2)
  local b = a + a - a * a / a
  b = -b + dec.max(b, a):abs()
  if b < a and b <= a then b = a end
  table.move({}, 1, ctx.n, 1)
  return b
end
