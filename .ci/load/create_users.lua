-- wrk script: creates typical Entra ID users (POST /Users), USERS in total, split over the THREADS wrk
-- threads (user i goes to thread i mod THREADS), then stops each thread; wrk itself runs until -d.
-- START (default 0) is the first user number, to add to a store an earlier run filled. Usage (see
-- BENCHMARKS.md, "Server"):
--   USERS=1000000 SCIM_KEY=... wrk -t2 -c32 -d600s -s .ci/load/create_users.lua http://127.0.0.1:8080
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end

function init(args)
  total = tonumber(os.getenv("USERS") or "1000")
  start = tonumber(os.getenv("START") or "0")

  key = os.getenv("SCIM_KEY") or ""
  sent = 0
end

local function user(i)
  return string.format([[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"externalId":"5d48a0a8-e3e5-4a0b-9f67-%012d","userName":"user%d@contoso.com","active":true,"displayName":"User %d","title":"Sales Representative","preferredLanguage":"en-US","name":{"givenName":"User","familyName":"Number%d","formatted":"User Number%d"},"emails":[{"primary":true,"type":"work","value":"user%d@contoso.com"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"%d","department":"Sales"}}]], i, i, i, i, i, i, i)
end

function request()
  local threads_n = tonumber(os.getenv("THREADS") or "2")
  local i = start + tid + sent * threads_n
  sent = sent + 1
  return wrk.format("POST", "/scim/v2/Users", {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/scim+json",
  }, user(i))
end

function response(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
  local threads_n = tonumber(os.getenv("THREADS") or "2")
  if start + tid + sent * threads_n >= total then
    wrk.thread:stop()
  end
end
