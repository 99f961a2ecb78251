-- Parses, but its top level fails when the policy loads.
local rates = nil
local first = rates[1]
function mm(ctx)
  return ctx.notional * first
end
