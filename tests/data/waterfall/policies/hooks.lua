-- hooks.lua — the Lua hooks of the lin-hook-*.yaml test policies
-- (tests/test_waterfall.c). Each does one thing a table cannot say.

-- lin.yaml's three brackets, as code: MM = notional x rate - deduction on
-- the notional at the price being tested. The waterfall must then find the
-- liquidation price by bisection, within a tick of the closed form.
function mm_brackets(ctx)
  local n = ctx.notional
  if n <= dec("5000") then
    return n * dec("0.005")
  elseif n <= dec("100000") then
    return n * dec("0.01") - dec("25")
  end
  return n * dec("0.02") - dec("1025")
end

-- The policy's rate on the fill notional, but never less than 50.
function fee_min_50(ctx)
  return dec.max(ctx.notional * ctx.rate, dec("50"))
end

-- The fund pays half of what is left; the rest falls to the next stage.
function fund_pays_half(ctx)
  return ctx.deficit / dec("2")
end

-- ADL closes the opposite side at the trigger mark instead of the
-- bankruptcy price: it covers only size x (bankruptcy - mark).
function adl_at_mark(ctx)
  local covered = ctx.size * (ctx.bankruptcy_price - ctx.mark_price)
  return {covered = dec.min(covered, ctx.deficit), close_price = ctx.mark_price}
end

-- A dated margin call for what is owed, then an account ban.
function pursue(ctx)
  return {
    {type = "margin_call", deadline_hours = 24, amount = ctx.owed},
    {type = "account_ban", note = "until the debt is repaid"},
  }
end
