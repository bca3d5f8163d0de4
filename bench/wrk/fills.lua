-- wrk script of bench/server_bench.cc: POST fills of 0.001 to the bot's
-- accepted orders, round robin, each with a venue_fill_id unique to this
-- run (PREFIX-THREAD-N). Arguments after "--": BOT PREFIX ORDER_ID...
-- Counts 5xx responses and bodies saying "database is locked" and prints the
-- figures as key=value lines (as report.lua).
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  bot = args[1]
  prefix = args[2]
  orders = {}
  for i = 3, #args do table.insert(orders, args[i]) end
  counter = 0
  server_errors = 0
  locked = 0
  path = "/api/v1/bots/" .. bot .. "/fills"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local order = orders[(counter + thread_id) % #orders + 1]
  local body = string.format(
    '{"order_id":%s,"venue":"paper","venue_fill_id":"%s-%d-%d","quantity":"0.001",' ..
    '"price":"%d.25","fee":"0.01"}', order, prefix, thread_id, counter, 20000 + counter % 50)
  return wrk.format(nil, path, nil, body)
end

function response(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
  if body and string.find(body, "database is locked", 1, true) then locked = locked + 1 end
end


function done(summary, latency, requests)
  local errors, lock = 0, 0
  for _, t in ipairs(threads) do
    errors = errors + t:get("server_errors")
    lock = lock + t:get("locked")
  end
  io.write(string.format("bench.requests=%d\n", summary.requests))
  io.write(string.format("bench.duration_us=%d\n", summary.duration))
  io.write(string.format("bench.non2xx=%d\n", summary.errors.status))
  io.write(string.format("bench.socket_errors=%d\n", summary.errors.connect + summary.errors.read +
                         summary.errors.write + summary.errors.timeout))
  io.write(string.format("bench.server_errors=%d\n", errors))
  io.write(string.format("bench.locked=%d\n", lock))
  io.write(string.format("bench.p50_us=%d\n", latency:percentile(50)))
  io.write(string.format("bench.p99_us=%d\n", latency:percentile(99)))
  io.write(string.format("bench.max_us=%d\n", latency.max))
end
