-- Hooks that compute with exact decimals (tests/test_hook.c).

function liquidation_fee(ctx)
  return ctx.notional * ctx.rate
end

function point_three(ctx)
  return dec("0.1") + dec("0.2")
end

function float_fee(ctx)
  return 0.1 + 0.2
end

function float_operand(ctx)
  return dec("1") + 0.5
end

function bad_string(ctx)
  return dec("abc")
end

function float_to_dec(ctx)
  return dec(0.1)
end

function overflow(ctx)
  return dec("100000000000000000000000000") * 10
end

function div_zero(ctx)
  return dec(1) / 0
end

function bad_mode(ctx)
  return dec("1.5"):round("0.1", "sideways")
end

function methods(ctx)
  local d = dec("-2.345")
  return {
    round_even = d:round("0.01"),
    round_up = d:round("0.01", "up"),
    round_floor = d:round("0.1", "floor"),
    abs = d:abs(),
    sign = d:sign(),
    is_zero = tostring(dec.zero:is_zero()) .. "," .. tostring(d:is_zero()),
    min = d:min(1),
    max = dec.max(d, "0.5"),
    neg = -d,
    third = dec(1) / 3,
    two_thirds = dec(2) / 3,
    concat = "fee=" .. dec("1.50") .. "!",
    cmp = tostring(dec("1.0") == dec(1)) .. "," .. tostring(d < 0) .. ","
          .. tostring(dec(2) <= "2") .. "," .. tostring(dec(1) == 1),
    mixed = 2 * dec("0.5") - "0.25",
    copy = dec(d),
    getmetatable = getmetatable(d),
  }
end

function bad_method_arg(ctx)
  return dec(1):min(nil)
end

function bad_compare(ctx)
  return dec(1) < ctx.missing
end

function bad_arith_type(ctx)
  return dec(1) + {}
end

-- ctx.x is the decimal ctx.s reads: the same value however it was made
function same_value(ctx)
  local x, one_unit = ctx.x, dec("0.000000000001")
  return tostring(x) .. "|" .. tostring(dec(ctx.s) == x) .. "|"
      .. tostring((x - one_unit) + one_unit == x) .. "|"
      .. tostring(x + one_unit ~= x and x - one_unit < x)
end

-- Lua's own messages name a decimal "dec", small or large
function misuse(ctx)
  local d = ctx.x
  if ctx.how == "mod" then return d % 2 end
  if ctx.how == "call" then return d() end
  if ctx.how == "for" then for i = d, 2 do end end
  return #d
end
