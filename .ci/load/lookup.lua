-- wrk script: Entra ID's matching lookup, GET /Users?filter=userName eq "user<k>@contoso.com"
-- for random k below USERS (the users create_users.lua made). Usage (see BENCHMARKS.md):
--   USERS=1000000 SCIM_KEY=... wrk -t2 -c64 -d10s -s .ci/load/lookup.lua http://127.0.0.1:8080
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  total = tonumber(os.getenv("USERS") or "1000")
  key = os.getenv("SCIM_KEY") or ""
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0))
  misses = 0
end

function request()
  local k = math.random(0, total - 1)
  return wrk.format("GET", "/scim/v2/Users?filter=userName+eq+%22user" .. k .. "%40contoso.com%22", {
    ["Authorization"] = "Bearer " .. key,
  })
end

function response(status, headers, body)
  if status ~= 200 or not body:find('"totalResults":1', 1, true) then
    misses = misses + 1
    if misses <= 3 then
      io.stderr:write("unexpected answer " .. status .. ": " .. body:sub(1, 300) .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local total_misses = 0
  for _, thread in ipairs(threads) do
    total_misses = total_misses + (thread:get("misses") or 0)
  end
  io.write(string.format("lookups that did not find exactly one user: %d\n", total_misses))
end
