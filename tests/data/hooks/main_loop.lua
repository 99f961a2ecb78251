-- A hook file whose main chunk never ends (tests/test_hook.c).

local n = 0
while true do n = n + 1 end
