-- wrk script of the `ingest` scenarios: POSTs InfluxDB line-protocol bodies, each one new.
--
-- wrk -t<T> -c<C> -d<D>s -s ingest.lua <url> -- <base> <stride> <series> <lines> <path> <limit> <T>
--   base     first timestamp, ms since the epoch
--   stride   ms between two consecutive points of one series
--   series   series per body (lines / series points of each per body)
--   lines    lines per body (one point per line: one numeric field)
--   path     request path with its query (precision=ms)
--   limit    bodies per thread, then the thread stops and prints WRK_THREAD_DONE (0: until -d ends)
--   T        wrk's thread count (so each thread's timestamps are its own)
--
-- Every point's (series, timestamp) is unique across the whole run, and across runs that start
-- at nextBase() of the previous one (ingest-workload.ts): an idempotent store replaces a point
-- written twice, so a re-sent body would count once. Body b of thread i covers the timestamps
-- base + ((b * T + i) * per + j) * stride, j = 0 .. per-1, for every series.
--
-- The line shape and tags are mirrored in bench/src/ingest/ingest-workload.ts (series names).
-- done() prints one line `WRK_RESULT {json}` that bench/src/ingest/wrk-run.ts reads.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- Thread state (globals: the main state reads them through thread:get).
sent, ok, bad, ahead, bodies, lastBlock = 0, 0, 0, 0, 0, -1
statuses = {}
local base, stride, series, per, limit, nthreads
local prefixes, values = {}, {}
local headers = { ["Content-Type"] = "text/plain; charset=utf-8" }

function init(args)
  base = tonumber(args[1])
  stride = tonumber(args[2])
  series = tonumber(args[3])
  local lines = tonumber(args[4])
  wrk.path = args[5]
  limit = tonumber(args[6])
  nthreads = tonumber(args[7])
  per = math.floor(lines / series)
  for s = 1, series do
    prefixes[s] = string.format("bench_cpu,host=host-%03d,region=eu-west usage=", s - 1)
  end
  -- 100 distinct values, so rollups (sum, min, max, last) have something to do.
  for v = 1, 100 do
    values[v] = string.format("%.1f", (v * 37 % 1000) / 10)
  end
end

-- wrk calls request() once in thread 0's state before the run, only to check that the request
-- parses (wrk.c main(): script_verify_request(t->L) for i == 0); that call must not use up a body.
local verified = false

function request()
  if id == 0 and not verified then
    verified = true
    return wrk.format("POST", nil, headers, "")
  end
  local block = bodies * nthreads + id
  bodies = bodies + 1
  lastBlock = block
  local first = base + block * per * stride
  local parts, n = {}, 0
  for j = 0, per - 1 do
    local ts = first + j * stride
    local tail = " " .. string.format("%d", ts) .. "\n"
    for s = 1, series do
      parts[n + 1] = prefixes[s]
      parts[n + 2] = values[(j + s) % 100 + 1]
      parts[n + 3] = tail
      n = n + 3
    end
  end
  -- A point past the clock (seconds resolution here) is refused by some servers: count it.
  if first + per * stride > (os.time() + 4) * 1000 then
    ahead = ahead + 1
  end
  sent = sent + 1
  return wrk.format("POST", nil, headers, table.concat(parts))
end

function response(status, hdrs, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    bad = bad + 1
    local key = tostring(status)
    statuses[key] = (statuses[key] or 0) + 1
  end
  if limit > 0 and ok + bad >= limit then
    -- wrk waits out -d even when every thread stopped: the harness sends SIGINT on this line.
    io.write("WRK_THREAD_DONE\n")
    io.stdout:flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local s, o, b, a, last = 0, 0, 0, 0, -1
  local merged = {}
  for _, t in ipairs(threads) do
    s = s + t:get("sent")
    o = o + t:get("ok")
    b = b + t:get("bad")
    a = a + t:get("ahead")
    last = math.max(last, t:get("lastBlock"))
    for code, count in pairs(t:get("statuses")) do
      merged[code] = (merged[code] or 0) + count
    end
  end
  local codes = {}
  for code, count in pairs(merged) do
    table.insert(codes, string.format('"%s":%d', code, count))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"durationUs":%d,"requests":%d,"sent":%d,"ok":%d,"bad":%d,"statuses":{%s},' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},"ahead":%d,"lastBlock":%d,' ..
      '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.duration, summary.requests, s, o, b, table.concat(codes, ","),
    e.connect, e.read, e.write, e.timeout, e.status, a, last,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
