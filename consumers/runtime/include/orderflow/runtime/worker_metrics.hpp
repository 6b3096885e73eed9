#pragma once
// The metrics every worker role exports, labelled by role. Labelled series are looked up once and kept
// (Family::Add is costly), lag series once per partition.
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "orderflow/metrics.hpp"

namespace orderflow::runtime {

class WorkerMetrics {
 public:
  explicit WorkerMetrics(const std::string& role);
  void add_applied(size_t good, size_t batch_size);
  void add_dead_letters(size_t n);
  // Messages committed transactions wrote to the outbox, by type: the orders role's OrderConfirmed and
  // OrderRejected are its decisions.
  void add_written(const std::map<std::string_view, size_t>& by_type);
  void add_retry() { retries_.Increment(); }
  void add_duplicates(size_t n) { duplicates_.Increment(static_cast<double>(n)); }
  void observe_transaction(double seconds) { tx_seconds_.Observe(seconds); }
  void observe_latency(double seconds) { latency_.Observe(seconds); }
  // Publishes the lag of exactly these partitions (the assigned ones): a partition that moved to another
  // instance loses its series here, so no two instances report it.
  void set_lag(const std::map<std::pair<std::string, int32_t>, int64_t>& lag);
  // An assignment from the group (every rebalance that reaches this instance counts once).
  void set_assigned(size_t partitions) {
    assigned_.Set(static_cast<double>(partitions));
    assignments_.Increment();
  }
  void set_unassigned() { assigned_.Set(0); }
  void set_stalled(size_t partitions) { stalled_.Set(static_cast<double>(partitions)); }

 private:
  std::string role_;
  prometheus::Counter& applied_;
  prometheus::Counter& dead_letters_;
  prometheus::Counter& retries_;
  prometheus::Counter& duplicates_;
  prometheus::Histogram& batch_size_;
  prometheus::Histogram& tx_seconds_;
  prometheus::Histogram& latency_;
  prometheus::Gauge& assigned_;
  prometheus::Counter& assignments_;
  prometheus::Gauge& stalled_;
  prometheus::Family<prometheus::Gauge>& lag_family_;
  prometheus::Family<prometheus::Counter>& written_family_;
  std::map<std::string, prometheus::Counter*, std::less<>> written_;
  std::map<std::pair<std::string, int32_t>, prometheus::Gauge*> lag_;
};

}  // namespace orderflow::runtime
