-- wrk script: POST /api/v1/scores with a unique event_id per request (thread id + counter), so
-- every request is a new decision (idempotent replays would be cheaper and flatter the numbers).
-- BODY_FILE holds one application with "EVENT_ID" where the event id goes; PACE_MS, if set,
-- makes each connection wait that long between requests (a fixed offered rate).
local threads = 0
local template = nil
local pace = tonumber(os.getenv("PACE_MS") or "0")
-- EVENT_PREFIX keeps the event ids of wrk processes run side by side (one per replica) apart.
local prefix = os.getenv("EVENT_PREFIX") or "bench"

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  counter = 0
  local file = assert(io.open(os.getenv("BODY_FILE"), "r"))
  template = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-API-Key"] = os.getenv("API_KEY")
end

function request()
  counter = counter + 1
  local body = string.gsub(template, "EVENT_ID", string.format("%s-%d-%d", prefix, tid, counter))
  return wrk.format("POST", "/api/v1/scores", nil, body)
end

function delay()
  return pace
end
