-- Hostile hooks (tests/test_hook.c, test_hostile_hooks_fail_with_their_message):
-- each tries one way out of the sandbox, around its limits, or into the
-- terminal, and must fail with the exact message the test names. One a line.

function os_execute(ctx) return os.execute("true") end
function os_exit(ctx) return os.exit(1) end
function os_getenv(ctx) return os.getenv("HOME") end
function os_clock(ctx) return os.clock() end
function io_open(ctx) return io.open("/etc/passwd") end
function io_read(ctx) return io.read("a") end
function load_code(ctx) return load("return 1") end
function loadstring_code(ctx) return loadstring("return 1") end
function dofile_passwd(ctx) return dofile("/etc/passwd") end
function loadfile_passwd(ctx) return loadfile("/etc/passwd") end
function require_os(ctx) return require("os") end
function package_loaded(ctx) return package.loaded end
function debug_getinfo(ctx) return debug.getinfo(1) end
function debug_registry(ctx) return debug.getregistry() end
function coroutine_wrap(ctx) return coroutine.wrap(print) end
function collect_garbage(ctx) return collectgarbage("count") end
function print_text(ctx) print("hello") end
function warn_text(ctx) warn("hello") end
function raw_next(ctx) return next({}) end
function raw_set(ctx) return rawset(_G, "x", 1) end
function string_dump(ctx) return string.dump(os_execute) end
function method_dump(ctx) return ("x"):dump() end
function string_pack(ctx) return string.pack("i4", 1) end
function math_random(ctx) return math.random() end
function math_randomseed(ctx) return math.randomseed(1) end
function utf8_codes(ctx) return utf8.codes("ab") end
function typo_global(ctx) return strng.upper("a") end
function typo_library(ctx) return string.uper("a") end
function new_global(ctx) leaked = 1 end
function new_library_field(ctx) string.trim = function(s) return s end end
function new_dec_field(ctx) dec.half = dec("0.5") end
function dec_typo(ctx) return dec(1):rond("0.1") end
function unlock_globals(ctx) return setmetatable(_G, nil) end
function unlock_strings(ctx) return getmetatable("").__index end
function string_arith(ctx) return "10" + 1 end
function format_address(ctx) return string.format("%p", {}) end
function pairs_table_key(ctx) for k in pairs({[{}] = 1}) do end end
function insert_len_mm(ctx) return table.insert(setmetatable({}, {__len = function() return 1 << 40 end}), 1, 1) end
function move_huge(ctx) return table.move({}, 1, 1 << 40, 2) end
function backtrack(ctx) return string.rep("a", 1000):find(".-.-.-.-b") end
function backtrack_gsub(ctx) return (string.rep("a", 1000)):gsub("a-a-a-a-b", "") end
function backtrack_gmatch(ctx) for _ in string.rep("a", 1000):gmatch(".-.-.-b") do end end
function balance_loop(ctx) local s = string.rep("(", 4000) while true do s:find("%b()") end end
function plain_find_loop(ctx) local s = string.rep("a", 4000) while true do s:find(string.rep("a", 2000) .. "b", 1, true) end end
function insert_loop(ctx) local t = {} for i = 1, 100000 do table.insert(t, 1, i) end end
function remove_loop(ctx) local t = {} for i = 1, 2000 do t[i] = i end while true do table.remove(t, 1) t[#t + 1] = 0 end end
function upper_loop(ctx) local s = string.rep("a", 4096) while true do s = s:upper():lower() end end
function concat_loop(ctx) local s = string.rep("a", 2048) while true do local x = s .. s end end
function tonumber_loop(ctx) local s = string.rep("0", 4000) .. "1" while true do tonumber(s) end end
function unpack_huge(ctx) return table.unpack({}, 1, 100000000) end
function sort_loop(ctx) local t = {} for i = 1, 10000 do t[i] = -i end while true do table.sort(t) end end
function rep_huge(ctx) return string.rep("a", 1 << 40) end
function long_string(ctx) local s = string.rep("a", 4096) return s .. "b" end
function dec_text_loop(ctx) local s = string.rep("0", 4000) .. "1" while true do local x = dec(1) + s end end
function gc_at_cap(ctx) local t = {} pcall(function() while true do t[#t + 1] = {} end end) while true do pcall(function() t[#t + 1] = {} end) end end
function terminal_escape(ctx) error("line one\nline two \27[31mred\27[0m \7bell") end
function c1_escape(ctx) error("csi \194\155 31m") end
function vararg_tail_growth(ctx) local function g(n, ...) return g(n + 1, n, ...) end return g(0) end
function vararg_unpacked(ctx) local t = {} for i = 1, 30000 do t[i] = i end local function g(...) while true do local n = select("#", ...) end end return g(table.unpack(t)) end
function index_chain(ctx) local t = {} for i = 1, 1990 do t = setmetatable({}, {__index = t}) end while true do local x = t.missing end end
function index_chain_from_the_top(ctx) local cur = {} for i = 1, 1990 do local nxt = {} setmetatable(cur, {__index = nxt}) cur = nxt end end
function index_loop(ctx) local a, b = {}, {} setmetatable(a, {__index = b}) setmetatable(b, {__index = a}) end
function index_self(ctx) local t = {} return setmetatable(t, {__index = t}) end
function newindex_chain(ctx) local t = {} for i = 1, 1990 do t = setmetatable({}, {__newindex = t}) end end
function metatable_replaced(ctx) local t = setmetatable({}, {}) return setmetatable(t, {}) end
function call_table(ctx) return setmetatable({}, {__call = setmetatable({}, {})}) end
function rep_empty(ctx) return string.rep("", 1 << 50) end
function weak_table(ctx) return setmetatable({}, {__mode = "k"}) end
