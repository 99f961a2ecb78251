-- Number text that a host's locale must not reach (tests/test_hook.c).

function texts(ctx)
  return tostring(0.5) .. " " .. string.format("%.2f", 0.25) .. " " .. tostring(tonumber("0,5"))
         .. " " .. tostring(tonumber("0.5")) .. " " .. tostring(dec("0.5") * 3)
end

function float_back(ctx)
  return 0.5
end
