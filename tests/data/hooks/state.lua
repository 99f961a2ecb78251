-- Globals a hook file keeps (tests/test_hook.c): each runtime has its own.

counter = 0
shared = false   -- made here: a hook cannot create a global, only change one

function bump(ctx)
  counter = counter + 1
  return counter
end

function set_shared(ctx)
  shared = ctx.value
  return shared
end

function get_shared(ctx)
  return shared or nil
end
