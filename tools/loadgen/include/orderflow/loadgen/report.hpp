#pragma once
// What a load-generator run measured, merged over its threads, and its two renderings: a table for
// people and JSON (--json FILE) for scripts. Latencies are recorded in microseconds.
#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "orderflow/loadgen/histogram.hpp"
#include "orderflow/loadgen/mix.hpp"

namespace orderflow::loadgen {

struct KindStats {
  Histogram latency;                       // us; from the intended send time in fixed-rate mode
  std::map<int, uint64_t> statuses;        // HTTP status -> responses
  std::map<std::string, uint64_t> errors;  // no response: reason -> requests
  uint64_t responses() const;
  uint64_t ok() const;      // 2xx
  uint64_t failed() const;  // not 2xx, or no response
  void merge(const KindStats& other);
};

struct FollowStats {
  Histogram decision;                        // us from the 202 to the read of a decided status (?wait reads)
  Histogram placed_to_decision;              // us from the order's intended send time to that read
  std::map<std::string, uint64_t> outcomes;  // CONFIRMED, REJECTED, CANCELLED
  uint64_t followed = 0;                     // accepted orders followed (of the measured window)
  uint64_t decided_in_window = 0;            // decisions read inside the measured window (any order)
  uint64_t gave_up = 0;                      // still PENDING after --follow-timeout
  uint64_t unfinished = 0;                   // still followed when the run ended
  void merge(const FollowStats& other);
};

struct RunInfo {
  std::string target;      // host:port
  std::string mode;        // "fixed-rate" or "max-throughput"
  double target_rate = 0;  // requests/s of the mix (fixed-rate)
  unsigned connections = 0;
  unsigned threads = 0;
  double warmup_seconds = 0;
  double requested_seconds = 0;  // --duration (0 with --count)
  uint64_t requested_count = 0;
  std::string mix;
  std::string skew;
  size_t skus = 0;
  bool follow = false;
  std::string started_at;         // UTC, ISO 8601
  double measured_seconds = 0;    // the measured window: after the warm-up to the last measured response
  double generation_seconds = 0;  // after the warm-up to the end of sending
  uint64_t sent = 0;              // requests of the mix sent (warm-up included)
  uint64_t dropped = 0;           // never sent: the run ended (drain timeout) with them queued
  uint64_t max_send_lag_us = 0;   // fixed-rate: the latest a request went out after its intended time
};

struct Report {
  RunInfo info;
  std::array<KindStats, kKinds> kinds;
  FollowStats follow;

  // Responses of the mix kinds (not the follow reads) in the measured window, per second.
  double throughput() const;
  double throughput(Kind kind) const;
  uint64_t mix_responses() const;
  uint64_t mix_failed() const;
};

// Percentiles of the tables and JSON, in order.
inline constexpr std::array<double, 4> kReportPercentiles{50, 90, 99, 99.9};

std::string render_table(const Report& report);
std::string render_json(const Report& report);
// "1.23 ms", "850 us", "2.5 s".
std::string format_us(uint64_t us);

}  // namespace orderflow::loadgen
