-- Hooks whose answer would follow hash order, addresses or a random pivot
-- in stock Lua (tests/test_hook.c): here each has one answer.

function key_order(ctx)
  local t = {b = 1, a = 2, [2] = 3, [1.5] = 4, [-1] = 5, [true] = 6, [false] = 7, ["10"] = 8}
  local out = {}
  for k in pairs(t) do out[#out + 1] = tostring(k) end
  return table.concat(out, " ")
end

function many_keys(ctx)
  local t = {}
  for i = 1, 40 do t["k" .. i] = i end
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  return table.concat(out, ",")
end

function removed_while_walking(ctx)
  local t = {a = 1, b = 2, c = 3}
  local out = {}
  for k in pairs(t) do
    out[#out + 1] = k
    t.b = nil
  end
  return table.concat(out)
end

-- 200 records with 3 distinct keys: a stable sort keeps each key's ids in order
function stable_sort(ctx)
  local t = {}
  for i = 1, 200 do t[i] = {k = i % 3, id = i} end
  table.sort(t, function(x, y) return x.k < y.k end)
  local out = {}
  for i, r in ipairs(t) do out[i] = r.id end
  return table.concat(out, ",")
end

function addresses(ctx)
  return tostring({}) .. " " .. tostring(string.len) .. " " .. string.format("%s|%5s", {}, ctx)
end

-- what metatables are for in a hook: a class, a subclass, methods added later
function classes(ctx)
  local Base = {}
  Base.__index = Base
  local Derived = setmetatable({}, {__index = Base})
  Derived.__index = Derived
  function Derived:twice() return self.x * 2 end
  local d = setmetatable({x = 3}, Derived)
  function Base:get() return self.x end
  return tostring(d:get() + d:twice()) .. " " .. tostring(getmetatable(d) == Derived)
end

-- the metatable is read when it is set: a later edit changes nothing
function metatable_snapshot(ctx)
  local mt = {}
  local t = setmetatable({}, mt)
  mt.__index = function() return "late" end
  return tostring(t.x)
end
