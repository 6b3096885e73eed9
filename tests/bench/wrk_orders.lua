-- wrk script for `make bench`: POST /v1/orders with a unique Idempotency-Key per request (each one a
-- new order), over the bench catalog, keep-alive. Prints one JSON line at the end (prefix "WRKJSON ").
-- Environment: BENCH_RUN (part of every key), BENCH_SKUS (number of BENCH-nnnn SKUs, default 100),
-- BENCH_NO_CONNECTION=1: send no Connection header at all (a plain HTTP/1.1 client, issue 10 item 3:
-- keep-alive must then come from the api's HTTP/1.1 default, not from the header).
local counter = 0
local thread_id = 0
local threads = {}
local run = os.getenv("BENCH_RUN") or tostring(os.time())
local nskus = tonumber(os.getenv("BENCH_SKUS") or "100")
local no_connection = os.getenv("BENCH_NO_CONNECTION") == "1"

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = tid
  math.randomseed(os.time() * 1000 + tid)
end

function request()
  counter = counter + 1
  local sku = string.format("BENCH-%04d", math.random(1, nskus))
  local body = string.format('{"customer_id":"wrk-c%d","lines":[{"sku":"%s","quantity":1}]}',
    math.random(1, 1000), sku)
  -- wrk.format uses this table instead of wrk.headers (the -H flags: Authorization): start from a copy.
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "application/json"
  if no_connection then headers["Connection"] = nil else headers["Connection"] = "keep-alive" end
  headers["Idempotency-Key"] = string.format("wrk-%s-%d-%d", run, thread_id, counter)
  return wrk.format("POST", "/v1/orders", headers, body)
end

function done(summary, latency, requests)
  local p = function(q) return latency:percentile(q) / 1000.0 end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_s":%.6f,"requests_per_s":%.2f,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_ms":{"mean":%.3f,"p50":%.3f,"p90":%.3f,"p99":%.3f,"p99.9":%.3f,"max":%.3f}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency.mean / 1000.0, p(50), p(90), p(99), p(99.9), latency.max / 1000.0))
end
