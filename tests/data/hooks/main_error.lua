-- A hook file whose main chunk fails (tests/test_hook.c).

local rates = nil
TIERS = rates.tiers
