-- The defect of broken-protection.yaml: ADL takes only half the deficit.
function adl(ctx)
  return ctx.deficit / 2
end
