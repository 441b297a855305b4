-- The editors' read: GET FACTDESK_LOAD_READ (the review queue when the service has it, else a claim by id).
dofile(os.getenv("FACTDESK_LOAD_LUA") .. "/desk.lua")

local route = os.getenv("FACTDESK_LOAD_READ")
local ids

function init(args)
  ids = claim_ids()
end

function request()
  local path = string.gsub(route, "{id}", ids[math.random(1, #ids)])
  return wrk.format("GET", path, signed())
end
