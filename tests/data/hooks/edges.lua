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
