-- Shared by the wrk scripts of ops/load: signs requests, counts statuses across threads, and prints one JSON summary
-- line (latencies in microseconds) that ops/load/run turns into its table.
local threads = {}
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
  table.insert(threads, thread)
end

token = os.getenv("FACTDESK_LOAD_TOKEN")
run_id = os.getenv("FACTDESK_LOAD_RUN") or tostring(os.time())
statuses = {}
sent = 0

function claim_ids()
  local ids = {}
  for line in io.lines(os.getenv("FACTDESK_LOAD_CLAIMS")) do
    if #line > 0 then table.insert(ids, line) end
  end
  return ids
end

-- A key no other request of any run shares: run, thread, counter.
function next_key()
  sent = sent + 1
  return string.format("load-%s-%d-%d", run_id, thread_id, sent)
end

function signed(extra)
  local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  for k, v in pairs(extra or {}) do headers[k] = v end
  return headers
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do counts[status] = (counts[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(counts) do table.insert(parts, string.format('"%d":%d', status, n)) end
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d,"socketErrors":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ",")))
end
