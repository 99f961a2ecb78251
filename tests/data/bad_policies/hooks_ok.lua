-- A hook file that loads (tests/data/bad_policies/hook_function_missing.yaml).
function mm(ctx)
  return ctx.notional * dec("0.005")
end
