-- Pattern matching cases run both in the sandbox (hook_match.c) and in a
-- stock Lua state (tests/test_hook.c): every answer, error message
-- included, must be the same. No dec, no pairs: stock Lua runs it too.

local subjects = {
  "hello world", "  trim me  ", "a,b,,c", "key=value; k2=v2", "(a(b)c) (d)",
  "THE (quick) fox", "123.456e-7", "aaa", "", "a\0b\0c", "ab12cd34", "x=1, y=22",
  "[brackets] and ]close", "%percent%", "THE END", "mississippi",
}

local patterns = {
  "%a+", "(%w+)=(%w+)", "^%s*(.-)%s*$", "[^,]*", "%b()", "%f[%w]%w+", "(a*(.)%w(%s*))",
  "()ll()", "[%d%.]+", "a-b", "a?b", ".-", "x*", "[a-f%d]+", "%u+", "(%a)%1", "[]]",
  "[^%]]", "^(%d+)%.(%d+)", "$", "^$", "%.", "[%a-z]", "%S+", "(h)(e)(l)(l)(o)", "[",
  "%", "(()", "%g+", "[%p]", "s+i", "(ss)(i)%2", "%1", "[^%s]+$", "%f[%a]%a*%f[%A]",
  "%z", "\0", "e$", "^(%a+) (%a+)$", "%w-%d", "[a-]", "[-a]", "(.)(.)", "%x+",
  "[%w_]+", "i.-p", ".*i", "(%w+), (%w+)", "%b[]", "%bxy", ")", "%f", "%fa",
}

-- %q keeps NUL bytes and control characters readable on both sides
local function text(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

local function show(...)
  local n = select("#", ...)
  local out = {}
  for i = 1, n do out[i] = text((select(i, ...))) end
  return n .. ":" .. table.concat(out, "|")
end

local function try(f, ...)
  local r = table.pack(pcall(f, ...))
  if not r[1] then return "error:" .. text(r[2]) end
  return show(table.unpack(r, 2, r.n))
end

local function gathered(s, p)
  local out = {}
  for a, b in string.gmatch(s, p) do
    out[#out + 1] = text(a) .. "/" .. text(b)
    if #out > 50 then break end
  end
  return table.concat(out, ";")
end

function cases(ctx)
  local out = {}
  for _, s in ipairs(subjects) do
    for _, p in ipairs(patterns) do
      out[#out + 1] = try(string.find, s, p)
      out[#out + 1] = try(string.find, s, p, 3)
      out[#out + 1] = try(string.find, s, p, -4, true)
      out[#out + 1] = try(string.match, s, p)
      out[#out + 1] = try(string.match, s, p, 2)
      out[#out + 1] = try(string.gsub, s, p, "<%0>")
      out[#out + 1] = try(string.gsub, s, p, "%1", 2)
      out[#out + 1] = try(string.gsub, s, p, {a = "A", hello = 1, x = false})
      out[#out + 1] = try(string.gsub, s, p, function(c) if c == "a" then return "@" end end)
      out[#out + 1] = try(gathered, s, p)
    end
  end
  return out
end
