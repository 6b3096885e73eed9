#pragma once
// The load generator's engine: each thread runs an epoll loop over its own keep-alive connections
// (one request in flight per connection), its share of the schedule, its own storefront state (carts,
// recent orders) and its own histograms, merged into one Report at the end.
//  - fixed rate (rate > 0, open model): requests are due on a fixed schedule (RateScheduler) whether
//    or not earlier ones were answered; a due request waits for a free connection if all are busy, and
//    its latency counts from its intended send time.
//  - max throughput (rate == 0, closed model): every connection sends its next request as soon as the
//    previous one is answered; latency counts from the actual send.
// With `follow`, every accepted order (POST /v1/orders, checkout) is then read with
// GET /v1/orders/{id}?wait=N on a separate pool of connections until its status is not PENDING.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "orderflow/loadgen/mix.hpp"
#include "orderflow/loadgen/report.hpp"

namespace orderflow::loadgen {

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string api_key;  // sent as `Authorization: Bearer` on every request unless empty
  double rate = 0;      // requests/s of the mix over all threads; 0 = max throughput
  unsigned connections = 64;
  unsigned threads = 1;
  double duration_seconds = 10;  // measured, after the warm-up; unused when count > 0
  uint64_t count = 0;            // requests of the mix in all (warm-up included); 0 = use the duration
  double warmup_seconds = 0;     // sent but not measured
  Mix mix{{20, 5, 60, 10, 5}};
  unsigned max_lines = 3;     // lines of a direct order: 1..max_lines distinct SKUs
  unsigned max_quantity = 2;  // quantity per line / cart add: 1..max_quantity
  unsigned customers = 1000;
  unsigned carts = 64;  // open carts per thread
  bool follow = false;
  unsigned follow_wait_seconds = 10;
  double follow_timeout_seconds = 30;  // give up on an order still PENDING after this
  unsigned follow_connections = 2048;  // over all threads
  double timeout_seconds = 30;         // per request (not the ?wait reads: wait + 10 s)
  double drain_seconds = 35;           // after sending ends, at most this long for answers and decisions
  bool progress = true;                // a line per second on stderr
  std::string run_id;                  // in every Idempotency-Key and cart id; random when empty
  uint64_t seed = 0;                   // 0: random
  const std::atomic<bool>* interrupted = nullptr;  // set (e.g. by SIGINT): stop sending, drain, report
};

// Runs the load against options.host:port over the catalog `skus`, drawing SKUs with `picker`
// (picker.size() == skus.size()). Throws std::invalid_argument on bad options.
Report run(const Options& options, const std::vector<std::string>& skus, const SkuPicker& picker);

}  // namespace orderflow::loadgen
