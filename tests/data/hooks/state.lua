-- Globals a hook file keeps (tests/test_hook.c): each runtime has its own.

counter = 0

function bump(ctx)
  counter = counter + 1
  return counter
end

function set_shared(ctx)
  shared = ctx.value
  return shared
end

function get_shared(ctx)
  return shared
end
