-- What a hook can reach (tests/test_hook.c).

function available(ctx)
  local ok, err = pcall(error, "caught")
  return string.format("%s|%d|%s|%s|%s|%s", tostring(ok), math.max(1, 7), utf8.char(8364),
                       table.concat({"a", "b"}, "+"), select("#", 1, 2, 3), string.upper(err))
end

function shell(ctx)
  return os.execute("true")
end

function finalizer(ctx)
  return setmetatable({}, {__gc = function() while true do end end})
end

function handled(ctx)
  local ok, msg = xpcall(function(a, b) error(a .. b, 0) end, function(e) return "handled " .. e end,
                         "x", "y")
  local ok2, sum = xpcall(function(a, b) return a + b end, error, 2, 3)
  return tostring(ok) .. ": " .. msg .. "; " .. tostring(ok2) .. ": " .. sum
end
