-- POST /api/claims/{id}/sources: attaches a source to one of the claims flagged before the run, with its own key.
-- Several connections hit the same claim at times: the service retries a lost version race on the new state.
dofile(os.getenv("FACTDESK_LOAD_LUA") .. "/desk.lua")

local stances = { "supports", "contradicts", "context" }
local ids

function init(args)
  ids = claim_ids()
end

function request()
  local key = next_key()
  local body = string.format(
    '{"url":"https://www.ons.gov.uk/bulletins/%s","publisher":"Office for National Statistics","stance":"%s"}',
    key, stances[math.random(1, 3)])
  return wrk.format("POST", "/api/claims/" .. ids[math.random(1, #ids)] .. "/sources", signed({ ["Idempotency-Key"] = key }), body)
end
