-- POST /api/claims: each request flags a new claim with its own Idempotency-Key.
dofile(os.getenv("FACTDESK_LOAD_LUA") .. "/desk.lua")

local priorities = { "low", "normal", "high", "urgent" }

function request()
  local key = next_key()
  local body = string.format(
    '{"quote":"Unemployment fell to %d.%d%% in March (%s)","reason":"a rate reported without its source","priority":"%s"}',
    math.random(2, 9), math.random(0, 9), key, priorities[math.random(1, 4)])
  return wrk.format("POST", "/api/claims", signed({ ["Idempotency-Key"] = key }), body)
end
