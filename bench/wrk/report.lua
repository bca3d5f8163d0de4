-- wrk script of bench/server_bench.cc: GET the URL given to wrk, count 5xx
-- responses and bodies saying "database is locked", and print the figures
-- as key=value lines for the bench to read.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  server_errors = 0
  locked = 0
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
