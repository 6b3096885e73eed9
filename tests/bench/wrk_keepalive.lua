-- wrk script for `make bench` against the bare Pistache endpoint: the same POST as wrk_orders.lua
-- (a constant one: the endpoint ignores it), keep-alive; prints one JSON line ("WRKJSON ...").
wrk.method = "POST"
wrk.body = '{"customer_id":"wrk-c1","lines":[{"sku":"BENCH-0001","quantity":1}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Connection"] = "keep-alive"
wrk.headers["Idempotency-Key"] = "wrk-constant"

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
