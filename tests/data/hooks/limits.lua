-- Hooks that run into the runtime's limits (tests/test_hook.c).

function spin(ctx)
  while true do end
end

function spin_in_pcall(ctx)
  while true do pcall(function() while true do end end) end
end

function spin_in_tail_pcall(ctx)
  return pcall(function() while true do end end)
end

function spin_on_close(ctx)
  local guard <close> = setmetatable({}, {__close = function() while true do end end})
  error("boom")
end

function hoard(ctx)
  local t = {}
  while true do t[#t + 1] = string.rep("x", 1000) .. #t end
end

local function chain(holder)
  while true do holder.c = {holder.c} end
end

function brim(ctx)
  local holder = {}
  pcall(chain, holder)
  return holder
end

function spin_in_handler(ctx)
  return xpcall(function() while true do end end, function() while true do end end)
end

-- brim's twin that lets go of what it filled: only a small table is
-- returned, so a collection leaves room for whatever the caller reads next.
function roomy(ctx)
  local holder = {}
  pcall(chain, holder)
  holder = nil
  return {}
end

-- spin's twin for a runtime with a large budget: stopped after 1e8
function spin_briefly(ctx)
  while true do end
end
