-- Hooks that fail at run time (tests/test_hook.c).

local function helper(x)
  return x.missing.field
end

function deep(ctx)
  return helper({})
end

function raises(ctx)
  error("policy says no")
end

function raises_table(ctx)
  error({code = 7})
end

function raises_at_caller(ctx)
  local function check(v)
    if not v then error("check failed", 2) end
  end
  check(false)
end

function scaled(ctx)
  return ctx.notional * 2
end
