-- Fails on every call (tests/data/cli/hook-boom.yaml).
function mm(ctx)
  error("boom")
end
