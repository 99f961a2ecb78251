-- Loads, but the policy that names it never reaches an adl stage
-- (tests/data/lint/unreachable_hook.yaml).
function adl_cover(ctx)
  return ctx.deficit
end
