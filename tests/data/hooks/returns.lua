-- Hooks that return lists and tables (tests/test_hook.c).

function debt_pursuit(ctx)
  return {
    {type = "margin_call", deadline_hours = 24},
    {type = "collections"},
  }
end

function fee_split(ctx)
  return {insurance = dec("1.5"), liquidator = "0.25", rebate = nil}
end

function bad_types(ctx)
  return {flag = true, rate = 0.5, name = 7, amount = "12,5", long = "a long venue name"}
end

function nothing(ctx)
end

function gives_function(ctx)
  return tostring
end

function echo(ctx)
  return {venue = ctx.venue, qty = ctx.qty, flag = tostring(ctx.flag), mark = ctx.mark,
          none = ctx.none}
end

function decimals(ctx)
  return {dec(1), 2, "3.5"}
end

function escape_note(ctx)
  return {note = "paid \27[2J", fine = "caf\195\169 \226\130\172"}
end
